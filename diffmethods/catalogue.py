"""A catalogue of test functions, each with a gradient derived by hand.

Every entry is a :class:`Scenario`: a function decorated with :func:`diffmethods.manual` (so the
manual method works on it), a point where it is smooth, a formula for people, and tags. The
tests check all methods against the hand-derived gradients; the harness and the reports compare
the methods on the same entries. Scalable entries can build a point of any dimension.

>>> import diffmethods as dm
>>> s = SCENARIOS["seed"]
>>> dm.gradient(s.f, s.point, method="manual")
array([12., 12.,  9.])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .methods.manual import manual


@dataclass(frozen=True)
class Scenario:
    """A test function with its hand-derived gradient attached, and a point to use it at."""

    name: str
    f: Callable
    point: object
    formula: str
    tags: frozenset = field(default_factory=frozenset)
    make_point: Callable | None = None  # n -> a point of dimension n, for scalable entries

    @property
    def n(self) -> int:
        return int(np.size(self.point))

    def point_of(self, n: int):
        if self.make_point is None:
            raise ValueError(f"{self.name} has a fixed dimension ({self.n})")
        return self.make_point(n)


SCENARIOS: dict[str, Scenario] = {}


def scenario(name, point, formula, *tags, make_point=None):
    """Register the decorated function (already carrying @manual) as a catalogue entry."""
    def add(f):
        SCENARIOS[name] = Scenario(name, f, point, formula, frozenset(tags), make_point)
        return f
    return add


# --- classic small functions, one argument per coordinate ----------------------------------
@scenario("seed", (2.0, 3.0, 4.0), "3 (x1^2 + x2 x3)", "classic", "polynomial")
@manual(lambda x1, x2, x3: (6 * x1, 3 * x3, 3 * x2),
        hessian=lambda x1, x2, x3: [[6, 0, 0], [0, 0, 3], [0, 3, 0]])
def seed(x1, x2, x3):
    return 3 * (x1**2 + x2 * x3)


@scenario("rosenbrock2", (-1.2, 1.0), "(1 - x)^2 + 100 (y - x^2)^2", "classic", "polynomial")
@manual(lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
        hessian=lambda x, y: [[2 - 400 * y + 1200 * x**2, -400 * x], [-400 * x, 200]])
def rosenbrock2(x, y):
    return (1 - x)**2 + 100 * (y - x**2)**2


def _beale_grad(x, y):
    t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return (2 * t1 * (y - 1) + 2 * t2 * (y**2 - 1) + 2 * t3 * (y**3 - 1),
            2 * t1 * x + 2 * t2 * 2 * x * y + 2 * t3 * 3 * x * y**2)


@scenario("beale", (1.0, 0.5), "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
          "classic", "polynomial")
@manual(_beale_grad)
def beale(x, y):
    return (1.5 - x + x * y)**2 + (2.25 - x + x * y**2)**2 + (2.625 - x + x * y**3)**2


@scenario("himmelblau", (1.0, 2.0), "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", "classic", "polynomial")
@manual(lambda x, y: (4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
                      2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)),
        hessian=lambda x, y: [[4 * (x**2 + y - 11) + 8 * x**2 + 2, 4 * x + 4 * y],
                              [4 * x + 4 * y, 2 + 4 * (x + y**2 - 7) + 8 * y**2]])
def himmelblau(x, y):
    return (x**2 + y - 11)**2 + (x + y**2 - 7)**2


@scenario("three_hump_camel", (0.5, -0.3), "2x^2 - 1.05x^4 + x^6/6 + xy + y^2", "classic",
          "polynomial")
@manual(lambda x, y: (4 * x - 4.2 * x**3 + x**5 + y, x + 2 * y),
        hessian=lambda x, y: [[4 - 12.6 * x**2 + 5 * x**4, 1], [1, 2]])
def three_hump_camel(x, y):
    return 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2


def _sweep_grad(x):
    s, c = np.sin(x), np.cos(x)
    d = s**3 + c**3
    return np.exp(x) / np.sqrt(d) * (1 - (3 * s**2 * c - 3 * c**2 * s) / (2 * d))


@scenario("sweep", 1.5, "e^x / sqrt(sin(x)^3 + cos(x)^3)", "classic", "analytic", "scalar")
@manual(_sweep_grad)
def sweep(x):
    return np.exp(x) / np.sqrt(np.sin(x)**3 + np.cos(x)**3)


# --- compositions of every operation in the table -------------------------------------------
def _trig_grad(x1, x2):
    sec2 = 1 + np.tan(x1 * x2 / 4)**2
    return (np.cos(x1) * np.cos(x2) + sec2 * x2 / 4, -np.sin(x1) * np.sin(x2) + sec2 * x1 / 4)


@scenario("trig", (0.7, -1.3), "sin(x1) cos(x2) + tan(x1 x2 / 4)", "composition", "analytic")
@manual(_trig_grad)
def trig(x1, x2):
    return np.sin(x1) * np.cos(x2) + np.tan(x1 * x2 / 4)


def _explog_grad(x1, x2):
    r = x1**2 + x2**2 + 1
    return (-np.exp(-x1) / (1 + np.exp(-x1)) + 2 * x1 / r, np.exp(x2 / 2) / 2 + 2 * x2 / r)


@scenario("exp_log", (0.3, -0.8), "log1p(e^-x1) + expm1(x2 / 2) + log(x1^2 + x2^2 + 1)",
          "composition", "analytic")
@manual(_explog_grad)
def exp_log(x1, x2):
    return np.log1p(np.exp(-x1)) + np.expm1(x2 / 2) + np.log(x1**2 + x2**2 + 1)


def _invtrig_grad(x1, x2, x3):
    return (1 / (1 + x1**2),
            0.5 / np.sqrt(1 - (x2 / 2)**2) * np.arccos(x3 / 3),
            np.arcsin(x2 / 2) * (-(1 / 3) / np.sqrt(1 - (x3 / 3)**2)))


@scenario("inverse_trig", (0.5, 0.4, -1.2), "arctan(x1) + arcsin(x2 / 2) arccos(x3 / 3)",
          "composition", "analytic")
@manual(_invtrig_grad)
def inverse_trig(x1, x2, x3):
    return np.arctan(x1) + np.arcsin(x2 / 2) * np.arccos(x3 / 3)


@scenario("hyperbolic", (0.3, 0.9), "tanh(x1) sinh(x2) + cosh(x1 - x2)", "composition",
          "analytic")
@manual(lambda x1, x2: ((1 - np.tanh(x1)**2) * np.sinh(x2) + np.sinh(x1 - x2),
                        np.tanh(x1) * np.cosh(x2) - np.sinh(x1 - x2)))
def hyperbolic(x1, x2):
    return np.tanh(x1) * np.sinh(x2) + np.cosh(x1 - x2)


def _powers_grad(x1, x2):
    h = np.hypot(x1, x2)
    return (x1 / np.sqrt(x1**2 + 1) + x1 / h + x2 * x1**(x2 - 1) + 2 * (x1 - x2),
            x2 / h + x1**x2 * np.log(x1) + 3 * x2**2 - 2 * (x1 - x2))


@scenario("powers", (1.3, 0.7),
          "sqrt(x1^2 + 1) + hypot(x1, x2) + x1^x2 + power(x2, 3) + square(x1 - x2)",
          "composition", "analytic")
@manual(_powers_grad)
def powers(x1, x2):
    return (np.sqrt(x1**2 + 1) + np.hypot(x1, x2) + x1**x2 + np.power(x2, 3)
            + np.square(x1 - x2))


def _kinks_grad(x1, x2):
    active = 1 - x1 * x2 > 0
    return ((-x2 if active else 0.0) + np.sign(x1 - 0.5) + (1.0 if x1 < x2**2 else 0.0),
            (-x1 if active else 0.0) + (2 * x2 if x2**2 < x1 else 0.0))


@scenario("kinks", (0.8, 0.6), "max(0, 1 - x1 x2) + |x1 - 0.5| + min(x1, x2^2)", "piecewise",
          "composition")
@manual(_kinks_grad)
def kinks(x1, x2):
    return np.maximum(0, 1 - x1 * x2) + np.abs(x1 - 0.5) + np.minimum(x1, x2**2)


@scenario("huber", 1.7, "x^2/2 if |x| <= 1 else |x| - 1/2  (a Python `if`)", "piecewise",
          "branching", "scalar")
@manual(lambda x: x if abs(x) <= 1 else float(np.sign(x)))
def huber(x):
    if abs(x) <= 1:
        return 0.5 * x**2
    return abs(x) - 0.5


# --- functions of one array argument ---------------------------------------------------------
def _linspace(n):
    return np.linspace(-1.2, 1.4, n)


@scenario("sum_sin", _linspace(6), "sum_i sin(x_i) x_i^2", "array", "analytic", "scalable",
          make_point=_linspace)
@manual(lambda x: np.cos(x) * x**2 + 2 * x * np.sin(x),
        hessian=lambda x: np.diag(-x**2 * np.sin(x) + 4 * x * np.cos(x) + 2 * np.sin(x)))
def sum_sin(x):
    return np.sum(np.sin(x) * x**2)


def _rosen_point(n):
    return np.resize([-1.2, 1.0], n).astype(float)


def _rosen_grad(x):
    g = np.zeros_like(x)
    g[:-1] += -400 * x[:-1] * (x[1:] - x[:-1]**2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1]**2)
    return g


def _rosen_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    i = np.arange(n - 1)
    H[i, i] += 1200 * x[:-1]**2 - 400 * x[1:] + 2
    H[i + 1, i + 1] += 200
    H[i, i + 1] = H[i + 1, i] = -400 * x[:-1]
    return H


def _softmax_hessian(p):
    return np.diag(p) - np.outer(p, p)


@scenario("rosenbrock", _rosen_point(6), "sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2",
          "array", "classic", "polynomial", "scalable", make_point=_rosen_point)
@manual(_rosen_grad, hessian=lambda x: _rosen_hessian(x))
def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)


def _rosen_loop_grad(*x):
    return tuple(_rosen_grad(np.array(x)))


@scenario("rosenbrock_loop", tuple(_rosen_point(6)),
          "the same Rosenbrock sum, as a Python loop over scalar arguments",
          "classic", "polynomial", "scalable", "loop", make_point=lambda n: tuple(_rosen_point(n)))
@manual(_rosen_loop_grad)
def rosenbrock_loop(*x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100 * (x[i + 1] - x[i]**2)**2 + (1 - x[i])**2
    return total


_RNG = np.random.default_rng(20261126)
LOGISTIC_A = _RNG.normal(size=(8, 5))
LOGISTIC_Y = _RNG.choice([-1.0, 1.0], size=8)


def _logistic_grad(w):
    z = -LOGISTIC_Y * (LOGISTIC_A @ w)
    sigma = 1 / (1 + np.exp(-z))
    return LOGISTIC_A.T @ (-LOGISTIC_Y * sigma) / len(LOGISTIC_Y)


@scenario("logistic", np.array([0.3, -0.2, 0.5, 0.1, -0.4]),
          "mean_j log(1 + exp(-y_j (A w)_j))  (A 8x5, y = +-1)", "array", "analytic")
@manual(_logistic_grad)
def logistic(w):
    return np.mean(np.log(1 + np.exp(-LOGISTIC_Y * (LOGISTIC_A @ w))))


_M = _RNG.normal(size=(4, 4))
QUADRATIC_Q = _M @ _M.T + 4 * np.eye(4)
QUADRATIC_B = _RNG.normal(size=4)


@scenario("quadratic", np.array([0.5, -1.0, 2.0, 0.25]), "x^T Q x / 2 + b^T x  (Q SPD 4x4)",
          "array", "polynomial")
@manual(lambda x: QUADRATIC_Q @ x + QUADRATIC_B, hessian=lambda x: QUADRATIC_Q)
def quadratic(x):
    return 0.5 * (x @ QUADRATIC_Q @ x) + QUADRATIC_B @ x


@scenario("logsumexp", np.array([0.1, -2.0, 1.5, 0.7]), "log(sum_i exp(x_i))", "array",
          "analytic")
@manual(lambda x: np.exp(x) / np.sum(np.exp(x)),
        hessian=lambda x: _softmax_hessian(np.exp(x) / np.sum(np.exp(x))))
def logsumexp(x):
    return np.log(np.sum(np.exp(x)))


@scenario("product", np.array([0.5, -1.5, 2.0, 0.3]), "prod_i (1 + x_i^2)", "array",
          "polynomial")
@manual(lambda x: np.prod(1 + x**2) * 2 * x / (1 + x**2))
def product(x):
    return np.prod(1 + x**2)


@scenario("styblinski_tang", _linspace(5), "sum_i (x_i^4 - 16 x_i^2 + 5 x_i) / 2", "array",
          "classic", "polynomial", "scalable", make_point=_linspace)
@manual(lambda x: 0.5 * (4 * x**3 - 32 * x + 5), hessian=lambda x: np.diag(6 * x**2 - 16))
def styblinski_tang(x):
    return 0.5 * np.sum(x**4 - 16 * x**2 + 5 * x)


@scenario("rastrigin", _linspace(5) + 0.05, "10 n + sum_i (x_i^2 - 10 cos(2 pi x_i))", "array",
          "classic", "analytic", "scalable", make_point=lambda n: _linspace(n) + 0.05)
@manual(lambda x: 2 * x + 20 * np.pi * np.sin(2 * np.pi * x),
        hessian=lambda x: np.diag(2 + 40 * np.pi**2 * np.cos(2 * np.pi * x)))
def rastrigin(x):
    return 10 * len(x) + np.sum(x**2 - 10 * np.cos(2 * np.pi * x))


def _ackley_grad(x):
    n = len(x)
    a = np.sqrt(np.mean(x**2))
    b = np.mean(np.cos(2 * np.pi * x))
    return 4 * np.exp(-0.2 * a) * x / (n * a) + 2 * np.pi / n * np.exp(b) * np.sin(2 * np.pi * x)


@scenario("ackley", np.array([0.4, -0.7, 1.1]),
          "-20 exp(-0.2 sqrt(mean x^2)) - exp(mean cos(2 pi x)) + 20 + e", "array", "classic",
          "analytic")
@manual(_ackley_grad)
def ackley(x):
    return (-20 * np.exp(-0.2 * np.sqrt(np.mean(x**2))) - np.exp(np.mean(np.cos(2 * np.pi * x)))
            + 20 + np.e)


# --- realistic programs -----------------------------------------------------------------------
def gaussian_process(n: int, seed: int = 10, form: str = "cholesky"):
    """The negative log-likelihood of a Gaussian process -- RBF kernel of unit variance on n
    fixed 1-D inputs, observations y = sin(x) + noise -- in the kernel's log length-scale and
    log noise, and its value and gradient derived by hand: ``(nll, value_and_gradient)``.

    nll = y^T K^-1 y / 2 + log|K| / 2 + n log(2 pi) / 2,  K = R + s^2 I,  R = exp(-D / (2 l^2))
    with D the squared distances. ``form="cholesky"``: K^-1 y by two triangular solves with the
    cholesky factor L and log|K| = 2 sum log L_ii; ``form="slogdet"``: np.linalg.solve and
    np.linalg.slogdet. By hand, with a = K^-1 y and W = K^-1 - a a^T, d nll = tr(W dK) / 2,
    where dK/d log l = R o D / l^2 and dK/d log s = 2 s^2 I.
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 5.0, n))
    y = np.sin(x) + 0.1 * rng.normal(size=n)
    D = (x[:, None] - x[None, :]) ** 2
    eye, diagonal = np.eye(n), np.arange(n)
    constant = 0.5 * n * np.log(2 * np.pi)

    def value_and_gradient(log_length, log_noise):
        inv_l2, s2 = np.exp(-2 * log_length), np.exp(2 * log_noise)
        R = np.exp(-0.5 * D * inv_l2)
        K = R + s2 * eye
        Kinv = np.linalg.inv(K)
        a = Kinv @ y
        W = Kinv - np.outer(a, a)
        value = 0.5 * y @ a + 0.5 * np.linalg.slogdet(K)[1] + constant
        return value, (0.5 * np.sum(W * R * D) * inv_l2, s2 * np.trace(W))

    def kernel(log_length, log_noise):
        return np.exp(-0.5 * D * np.exp(-2 * log_length)) + np.exp(2 * log_noise) * eye

    @manual(lambda log_length, log_noise: value_and_gradient(log_length, log_noise)[1])
    def nll(log_length, log_noise):
        K = kernel(log_length, log_noise)
        if form == "slogdet":
            return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * np.linalg.slogdet(K)[1] + constant
        L = np.linalg.cholesky(K)
        alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))  # K^-1 y = L^-T L^-1 y
        return 0.5 * y @ alpha + np.sum(np.log(L[diagonal, diagonal])) + constant
    nll.__name__ = nll.__qualname__ = f"gp_likelihood_{n}"
    return nll, value_and_gradient


gp_likelihood = scenario(
    "gp_likelihood", (0.3, -1.2),
    "GP negative log-likelihood in (log length-scale, log noise): y^T K^-1 y / 2 + log|K| / 2, "
    "RBF kernel on 20 points, via cholesky and solve (symbolic refused: the expressions of a "
    "20x20 cholesky grow factorially)", "linalg", "program", "no-symbolic",
)(gaussian_process(20)[0])


# --- vector-valued functions, for Jacobians ---------------------------------------------------
VECTOR_SCENARIOS: dict[str, Scenario] = {}


def vector_scenario(name, point, formula, *tags):
    def add(f):
        VECTOR_SCENARIOS[name] = Scenario(name, f, point, formula, frozenset(tags) | {"vector"})
        return f
    return add


@vector_scenario("polar", (2.0, 0.5), "(r cos t, r sin t): polar to Cartesian (2 -> 2)")
@manual(lambda r, t: [[np.cos(t), -r * np.sin(t)], [np.sin(t), r * np.cos(t)]])
def polar(r, t):
    return [r * np.cos(t), r * np.sin(t)]


@vector_scenario("tall", (0.7, -0.4), "(x y, sin x, e^y, x^2 - y): 2 inputs -> 4 outputs",
                 "tall")
@manual(lambda x, y: [[y, x], [np.cos(x), 0.0], [0.0, np.exp(y)], [2 * x, -1.0]])
def tall(x, y):
    return (x * y, np.sin(x), np.exp(y), x**2 - y)


@vector_scenario("wide", np.array([0.5, -1.5, 2.0, 1.2, 0.8]),
                 "[sum x_i^2, prod x_i]: 5 inputs -> 2 outputs", "wide")
@manual(lambda x: np.array([2 * x, np.prod(x) / x]))
def wide(x):
    return np.array([np.sum(x**2), np.prod(x)])


_A3 = np.array([[2.0, -1.0, 0.5], [0.0, 1.0, 3.0], [1.5, 0.5, -2.0]])


@vector_scenario("linear_plus_sine", np.array([0.3, -0.6, 1.1]), "A x + sin(x) (3 -> 3)",
                 "array")
@manual(lambda x: _A3 + np.diag(np.cos(x)))
def linear_plus_sine(x):
    return _A3 @ x + np.sin(x)


@vector_scenario("softplus", np.array([-2.0, 0.0, 1.5, 3.0]), "log(1 + e^x_i) elementwise",
                 "array")
@manual(lambda x: np.diag(1 / (1 + np.exp(-x))))
def softplus(x):
    return np.log1p(np.exp(x))


def scenarios(*tags: str) -> list[Scenario]:
    """Catalogue entries carrying all the given tags (all entries without tags)."""
    return [s for s in SCENARIOS.values() if set(tags) <= s.tags]


# Small realistic programs (a softmax classifier, a discretised energy) register themselves too.
from . import catalogue_programs  # noqa: E402,F401


# --- a noisy function: what a simulation code looks like to finite differences ----------------
NOISY_EXP_LEVEL = 1e-9  # relative noise of the noisy_exp entry


@manual(lambda x: np.exp(x))
def noisy_exp(x):
    return np.exp(x)


# f(x) (1 + 1e-9 N(0, 1)) with N drawn from a generator keyed on x (reproducible per point);
# traced values see the smooth e^x, so the reference and the hand gradient are noise-free
noisy_exp = scenario(
    "noisy_exp", 1.0, "e^x (1 + 1e-9 N(0, 1)), N seeded by x: noise like a simulation's; the "
    "reference is the noise-free derivative e^x", "noisy", "scalar",
)(__import__("diffmethods.noise", fromlist=["with_noise"]).with_noise(noisy_exp,
                                                                      NOISY_EXP_LEVEL, seed=11))
