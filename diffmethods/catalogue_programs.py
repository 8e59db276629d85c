"""Catalogue entries that are small realistic programs, not test functions: the numpy a
person writes for a model or a simulation, each with a gradient derived by hand.

They register themselves in :data:`diffmethods.catalogue.SCENARIOS` (imported at the end of
that module), so the tests, the harness and the report run them like every other entry.

* ``softmax_classifier`` -- the cross-entropy of a linear softmax classifier, W (10 x 5) and
  b (10) flattened into one parameter vector theta, as an optimiser would pass them;
* ``discrete_energy`` -- a 1-D field on a grid: a gradient energy with fixed ends (``np.pad``,
  ``np.diff``), a curvature penalty on a periodic grid (``np.roll``), a double well and a
  forcing.

>>> import diffmethods as dm
>>> s = SCENARIOS["discrete_energy"]
>>> bool(abs(dm.gradient(s.f, s.point) - dm.gradient(s.f, s.point, method="manual")).max() < 1e-12)
True
"""

from __future__ import annotations

import numpy as np

from .catalogue import SCENARIOS, scenario
from .methods.manual import manual

__all__ = ["SCENARIOS", "softmax_classifier", "discrete_energy"]

# --- a softmax classifier --------------------------------------------------------------------
CLASSES, FEATURES = 10, 5
_RNG = np.random.default_rng(20261201)
CLASSIFIER_X = _RNG.normal(size=(4, FEATURES))       # 4 samples of 5 features
CLASSIFIER_Y = np.array([3, 7, 0, 7])                 # their classes
CLASSIFIER_DECAY = 0.01                               # weight decay on W


def _unpack(theta):
    """theta = [W.ravel(), b]: W (classes x features), b (classes)."""
    return theta[:CLASSES * FEATURES].reshape(CLASSES, FEATURES), theta[CLASSES * FEATURES:]


_ONE_HOT = np.eye(CLASSES)[CLASSIFIER_Y]               # row j: 1 at the class of sample j


def _classifier_grad(theta):
    # With Z = X W^T + b and P = softmax(Z) by rows, d(mean cross-entropy)/dZ = (P - onehot)/m;
    # then dW = (dZ)^T X (+ the decay's lambda W) and db = the column sums of dZ.
    W, b = _unpack(theta)
    Z = CLASSIFIER_X @ W.T + b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = P / P.sum(axis=1, keepdims=True)
    dZ = (P - _ONE_HOT) / len(CLASSIFIER_Y)  # written without in-place updates, so that the
    # hand gradient itself can be traced (its Jacobian is an exact Hessian for the tests)
    return np.concatenate([(dZ.T @ CLASSIFIER_X + CLASSIFIER_DECAY * W).ravel(), dZ.sum(axis=0)])


@scenario("softmax_classifier", 0.3 * _RNG.normal(size=CLASSES * FEATURES + CLASSES),
          "mean_j [logsumexp(W x_j + b) - (W x_j + b)_{y_j}] + 0.005 |W|^2  (W 10x5, b 10, "
          "4 samples)", "array", "program", "analytic")
@manual(_classifier_grad)
def softmax_classifier(theta):
    """Written without the max shift of a numerically safe logsumexp: the logits here are
    small, and with the shift every exponential repeats the max, so the symbolic expression
    of these 60 parameters takes sympy minutes instead of seconds (the shifted form is checked
    by the other methods in tests/test_shapes_stats.py)."""
    W, b = _unpack(theta)
    Z = CLASSIFIER_X @ W.T + b
    cross_entropy = np.log(np.sum(np.exp(Z), axis=1)) - Z[np.arange(len(CLASSIFIER_Y)),
                                                          CLASSIFIER_Y]
    return np.mean(cross_entropy) + 0.5 * CLASSIFIER_DECAY * np.sum(W * W)


# --- a discretised 1-D energy ------------------------------------------------------------------
STIFFNESS, CURVATURE = 0.05, 1e-5


def _energy_point(n):
    x = np.arange(1, n + 1) / (n + 1)
    return 0.5 * np.sin(np.pi * x) + 0.1 * np.cos(3 * np.pi * x)


def _energy_parts(u):
    n = len(u)
    h = 1.0 / (n + 1)
    forcing = np.sin(2 * np.pi * np.arange(1, n + 1) * h)
    return h, forcing


def _energy_grad(u):
    h, forcing = _energy_parts(u)
    left = np.concatenate([[0.0], u[:-1]])   # fixed ends: u_0 = u_{n+1} = 0
    right = np.concatenate([u[1:], [0.0]])
    stretch = STIFFNESS / h * (2 * u - left - right)
    bend = np.roll(u, -1) - 2 * u + np.roll(u, 1)   # the periodic second difference, h^2 L u
    curve = CURVATURE / h**3 * (np.roll(bend, -1) - 2 * bend + np.roll(bend, 1))  # b h L L u
    return stretch + curve + h * u * (u * u - 1) - h * forcing


@scenario("discrete_energy", _energy_point(12),
          "k/(2h) sum diff(pad(u))^2 + b h/2 sum (L u)^2 + h sum (u^2 - 1)^2/4 - h f.u  "
          "(L: periodic second difference by np.roll)", "array", "program", "polynomial",
          "scalable", make_point=_energy_point)
@manual(_energy_grad)
def discrete_energy(u):
    h, forcing = _energy_parts(u)
    slope = np.diff(np.pad(u, 1))                            # fixed ends
    laplacian = (np.roll(u, -1) - 2 * u + np.roll(u, 1)) / h**2  # periodic
    return (STIFFNESS / (2 * h) * np.sum(slope**2) + CURVATURE * h / 2 * np.sum(laplacian**2)
            + h * np.sum((u**2 - 1)**2) / 4 - h * np.sum(forcing * u))
