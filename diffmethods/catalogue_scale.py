"""Functions at the scale of real use: a data matrix of 1000 rows, a network on a batch.

They are kept apart from :data:`diffmethods.catalogue.SCENARIOS` (whose every entry the report
runs through every method and the 50-digit reference) in :data:`SCALE_SCENARIOS`: here the point
is that a comparison *finishes* -- every expensive piece predicts its cost first and takes a
cheaper route or says why it skipped -- and the tests and ``scripts/bench.py`` check that.

* ``logistic_1000x20`` -- the mean logistic loss of a linear model, X 1000×20, labels 0/1;
* ``two_layer_network`` -- mean squared error of a tanh network 3-16-1 on a batch of 1000, in
  its weights (W1, b1, W2): a structured point.

>>> import diffmethods as dm
>>> s = SCALE_SCENARIOS["logistic_1000x20"]
>>> bool(abs(dm.gradient(s.f, s.point) - dm.gradient(s.f, s.point, method="manual")).max() < 1e-15)
True
"""

from __future__ import annotations

import numpy as np

from .catalogue import Scenario
from .methods.manual import manual

SCALE_SCENARIOS: dict[str, Scenario] = {}

_RNG = np.random.default_rng(20261201)
LOGISTIC_X = _RNG.normal(size=(1000, 20))
LOGISTIC_Y = (_RNG.random(1000) < 1 / (1 + np.exp(-LOGISTIC_X[:, 0]))).astype(float)


def _logistic_gradient(w):
    """d/dw mean(log(1 + e^z) - y z), z = X w: X^T (sigmoid(z) - y) / m."""
    z = LOGISTIC_X @ w
    return LOGISTIC_X.T @ (1 / (1 + np.exp(-z)) - LOGISTIC_Y) / len(z)


@manual(_logistic_gradient)
def logistic_1000x20(w):
    z = LOGISTIC_X @ w
    return np.mean(np.logaddexp(0, z) - LOGISTIC_Y * z)


NET_X = _RNG.normal(size=(1000, 3))
NET_Y = np.sin(NET_X[:, :1]) + 0.1 * NET_X[:, 1:2]
NET_POINT = (0.5 * _RNG.normal(size=(16, 3)), 0.1 * _RNG.normal(size=16),
             0.5 * _RNG.normal(size=(1, 16)))


def _network_backprop(W1, b1, W2):
    """Backpropagation written by hand: the gradient in (W1, b1, W2)."""
    h = np.tanh(NET_X @ W1.T + b1)
    residual = h @ W2.T - NET_Y
    d_out = 2 * residual / residual.size
    dz = (d_out @ W2) * (1 - h**2)
    return dz.T @ NET_X, dz.sum(axis=0), d_out.T @ h


@manual(_network_backprop)
def two_layer_network(W1, b1, W2):
    h = np.tanh(NET_X @ W1.T + b1)
    return np.mean((h @ W2.T - NET_Y) ** 2)


for _name, _f, _point, _formula in (
        ("logistic_1000x20", logistic_1000x20, np.zeros(20),
         "mean(log(1 + exp(X w)) - y X w), X 1000x20"),
        ("two_layer_network", two_layer_network, NET_POINT,
         "mean((tanh(X W1^T + b1) W2^T - y)^2), X 1000x3, 16 hidden")):
    SCALE_SCENARIOS[_name] = Scenario(_name, _f, _point, _formula, frozenset({"scale"}))
