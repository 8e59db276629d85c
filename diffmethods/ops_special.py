"""scipy.special's ufuncs as rows of the one operation table (issue 10), when scipy is installed.

``scipy.special.erf`` and the others below are numpy ufuncs, so on a traced value they reach
``Traced.__array_ufunc__`` as ``np.sin`` does. :func:`diffmethods.interop.load_special_rows` adds
:data:`ROWS` (same columns as :mod:`diffmethods.ops_more`), :data:`RADIUS` and :data:`COMPLEX`
to the table the first time a scipy.special ufunc meets a traced value (or a test asks): scipy
stays optional, and importing diffmethods does not import it. Without scipy this module is
never imported and the rows do not exist.

Conventions (also in README.md, "Conventions where f is not differentiable"):

* ``xlogy(x, y)`` = x log(y), 0 where x = 0 (scipy's, also at y = 0): d/dx = log(y) (-inf at
  y = 0: reported as undefined), d/dy = x / y, and 0 where x = 0 (the function is 0 for all y
  there). ``xlog1py(x, y)`` = x log1p(y) likewise, with 1 + y for y.
* ``gammaln(x)`` = log|Gamma(x)| (also for negative x): d/dx = digamma(x); poles at 0, -1, ...
* ``digamma(x)``: d/dx = polygamma(1, x); ``log_ndtr(x)`` = log Phi(x): d/dx = phi(x)/Phi(x),
  computed as sqrt(2/pi) / erfcx(-x/sqrt(2)), which neither overflows nor cancels for x << 0.

The partials are written to work on floats, arrays and dual numbers (a Hessian runs the tape on
dual numbers): polygamma(1, x) and the Mills ratio of log_ndtr are not ufuncs, so on a traced
value they are a small :class:`~diffmethods.ops.Op` of their own (:func:`trigamma`) or a form
built from rows (:func:`_d_log_ndtr`).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as sc

from .ops import exp, log, log1p
from .ops_more import _sympy_function

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _mp():
    import mpmath
    return mpmath


# --- sympy functions (made on first use; each knows its derivative and its mpmath value) -----
def _mp_expit(x):
    return 1 / (1 + _mp().exp(-x))


def _mp_log_ndtr(x):
    mp = _mp()  # log1p of the upper tail for x > 0: Phi(x) is close to 1 there
    if x > 0:
        return mp.log1p(-mp.erfc(x / mp.sqrt(2)) / 2)
    return mp.log(mp.erfc(-x / mp.sqrt(2)) / 2)


def _mp_erfcx(x):
    mp = _mp()  # for x > 1 as U(1/2, 1/2, x^2)/sqrt(pi): no exp(x^2) of a huge x
    if x > 1:
        return mp.hyperu(0.5, 0.5, x * x) / mp.sqrt(mp.pi)
    return mp.exp(x * x) * mp.erfc(x)


def _mp_xlogy(x, y):
    return x * 0 if x == 0 else x * _mp().log(y)


def _mp_xlog1py(x, y):
    return x * 0 if x == 0 else x * _mp().log1p(y)


def _mp_gammaln(x):
    mp = _mp()
    return mp.log(abs(mp.gamma(x))) if x < 0 else mp.loggamma(x)


def _mp_polygamma(n, x):
    return _mp().psi(int(n), x)


sympy_expit = _sympy_function(
    "expit", lambda sp, a, k: sympy_expit(a[0]) * sympy_expit(-a[0]),
    "scipy.special.expit({0})", "float(scipy.special.expit({0}))", _mp_expit,
    "(1 / (1 + mpmath.exp(-{0})))")
sympy_logit = _sympy_function(
    "logit", lambda sp, a, k: 1 / (a[0] * (1 - a[0])),
    "scipy.special.logit({0})", "float(scipy.special.logit({0}))",
    lambda x: _mp().log(x) - _mp().log1p(-x), "(mpmath.log({0}) - mpmath.log1p(-{0}))")
sympy_erf = _sympy_function(
    "erf", lambda sp, a, k: 2 / sp.sqrt(sp.pi) * sp.exp(-a[0] ** 2),
    "scipy.special.erf({0})", "math.erf({0})", lambda x: _mp().erf(x))
sympy_erfc = _sympy_function(
    "erfc", lambda sp, a, k: -2 / sp.sqrt(sp.pi) * sp.exp(-a[0] ** 2),
    "scipy.special.erfc({0})", "math.erfc({0})", lambda x: _mp().erfc(x))
sympy_polygamma = _sympy_function(
    "polygamma", lambda sp, a, k: sp.S.Zero if k == 0 else sympy_polygamma(a[0] + 1, a[1]),
    "scipy.special.polygamma({0}, {1})", "float(scipy.special.polygamma({0}, {1}))",
    _mp_polygamma, "mpmath.psi({0}, {1})")
sympy_digamma = _sympy_function(
    "digamma", lambda sp, a, k: sympy_polygamma(1, a[0]),
    "scipy.special.digamma({0})", "float(scipy.special.digamma({0}))",
    lambda x: _mp().digamma(x), "mpmath.digamma({0})")
sympy_gammaln = _sympy_function(
    "gammaln", lambda sp, a, k: sympy_digamma(a[0]),
    "scipy.special.gammaln({0})", "math.lgamma({0})", _mp_gammaln,
    "(mpmath.log(abs(mpmath.gamma({0}))))")
# erfcx(x) = exp(x^2) erfc(x): log_ndtr's derivative without the cancellation of sympy's own
# erfc(-z), which sympy rewrites as 2 - erfc(z)
sympy_erfcx = _sympy_function(
    "erfcx", lambda sp, a, k: 2 * a[0] * sympy_erfcx(a[0]) - 2 / sp.sqrt(sp.pi),
    "scipy.special.erfcx({0})", "float(scipy.special.erfcx({0}))",
    lambda x: _mp_erfcx(x), "(mpmath.exp({0} ** 2) * mpmath.erfc({0}))")
sympy_log_ndtr = _sympy_function(
    "log_ndtr", lambda sp, a, k: sp.sqrt(2 / sp.pi) / sympy_erfcx(-a[0] / sp.sqrt(2)),
    "scipy.special.log_ndtr({0})", "float(scipy.special.log_ndtr({0}))", _mp_log_ndtr,
    "(mpmath.log1p(-mpmath.erfc({0} / mpmath.sqrt(2)) / 2) if {0} > 0 else "
    "mpmath.log(mpmath.erfc(-{0} / mpmath.sqrt(2)) / 2))")
sympy_xlogy = _sympy_function(
    "xlogy", lambda sp, a, k: sp.log(a[1]) if k == 0 else
    sp.Piecewise((0, sp.Eq(a[0], 0)), (a[0] / a[1], True)),
    "scipy.special.xlogy({0}, {1})", "float(scipy.special.xlogy({0}, {1}))", _mp_xlogy,
    "(0 if {0} == 0 else {0} * mpmath.log({1}))")
sympy_xlog1py = _sympy_function(
    "xlog1py", lambda sp, a, k: sp.log(1 + a[1]) if k == 0 else
    sp.Piecewise((0, sp.Eq(a[0], 0)), (a[0] / (1 + a[1]), True)),
    "scipy.special.xlog1py({0}, {1})", "float(scipy.special.xlog1py({0}, {1}))", _mp_xlog1py,
    "(0 if {0} == 0 else {0} * mpmath.log1p({1}))")


# --- value functions: scipy's ufunc, a Python float for a Python float -----------------------
def _value(ufunc):
    def value(*args):
        with np.errstate(all="ignore"):
            out = ufunc(*args)
        return float(out) if all(type(a) is float for a in args) else out
    value.__name__ = ufunc.__name__
    return value


expit, logit, erf, erfc = _value(sc.expit), _value(sc.logit), _value(sc.erf), _value(sc.erfc)
gammaln, digamma, log_ndtr = _value(sc.gammaln), _value(sc.digamma), _value(sc.log_ndtr)
xlogy, xlog1py = _value(sc.xlogy), _value(sc.xlog1py)


def _is_traced(x) -> bool:
    from .tracing import Traced
    return isinstance(x, Traced)


def _polygamma_value(n):
    def value(x):
        with np.errstate(all="ignore"):
            out = np.asarray(sc.polygamma(n, x))[()]  # a 0-d array: a numpy scalar
        return float(out) if type(x) is float else out
    return value


def _polygamma2(y, x):
    if _is_traced(x):
        from .errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            "third derivatives of scipy.special.digamma (and fourth of gammaln) are not "
            "supported: polygamma(2, x) has no rule on traced values")
    return _polygamma_value(2)(x)


def _trigamma_op():
    from .ops import Op
    return Op("polygamma1", None, _polygamma_value(1), (_polygamma2,), None, ((0.1, 10.0),))


_TRIGAMMA = []


def trigamma(x):
    """polygamma(1, x), digamma's derivative: scipy's on numbers, an Op of its own on a traced
    value (scipy.special.polygamma is a Python function, not a ufunc that would dispatch)."""
    if _is_traced(x):
        if not _TRIGAMMA:
            _TRIGAMMA.append(_trigamma_op())
        return type(x)._elementwise(_TRIGAMMA[0], (x,))
    return _polygamma_value(1)(x)


def _digamma_reflected(x):
    """digamma(x), left of 0 by the reflection psi(x) = psi(1 - x) - pi / tan(pi r) with r the
    exact distance x - rint(x): scipy's digamma loses digits next to its poles (-1 + 1e-9)."""
    from .ops import tan
    from .ops_more import rint
    left = (x < 0) * 1.0
    xl = x * left + (1 - left) * 0.5  # 0.5 where x >= 0: the reflected branch stays finite
    reflected = digamma(1 - xl) - math.pi / tan(math.pi * (xl - rint(xl)))
    return digamma(x) * (1 - left) + reflected * left


def _d_log_ndtr(y, x):
    """phi(x) / Phi(x) = sqrt(2/pi) / erfcx(-x/sqrt 2): no overflow, no cancellation at x << 0.
    On a traced value (second derivatives) exp(-x^2/2 - log(2 pi)/2 - log_ndtr(x)), from rows;
    it keeps ~eps x^2 / 2 relative accuracy, so it loses digits only far in the left tail."""
    if _is_traced(x):
        return exp(-0.5 * x * x - _HALF_LOG_2PI - log_ndtr(x))
    with np.errstate(all="ignore"):
        out = _SQRT_2_OVER_PI / sc.erfcx(-x / math.sqrt(2))
    return float(out) if type(x) is float else out


def _zero_where_x_is_zero(y, x, denominator):
    """x / denominator, and 0 where x == 0 (xlogy(0, y) is 0 for every y); the comparison reads
    the primal value, so floats, arrays and dual numbers take the same branch."""
    at_zero = (x == 0) * 1.0
    return x / (denominator * (1 - at_zero) + at_zero)


# --- the complex step's evaluation -----------------------------------------------------------
def _expit_complex(z):
    z = np.asarray(z, complex)
    e = np.exp(-np.abs(z.real) + 1j * np.where(z.real >= 0, -z.imag, z.imag))
    return np.where(z.real >= 0, 1 / (1 + e), e / (1 + e))[()]


def _gammaln_complex(z):
    # loggamma is log Gamma's continuation for Re z > 0; left of 0, log|Gamma| is loggamma up
    # to a constant i pi k: to the first order in the step, gammaln(x) + i h digamma(x)
    z = np.asarray(z, complex)
    left = gammaln(z.real) + 1j * z.imag * digamma(z.real)
    return np.where(z.real > 0, sc.loggamma(np.where(z.real > 0, z, 1.0)), left)[()]


COMPLEX = {
    "expit": _expit_complex,
    "logit": lambda z: (np.log(z) - np.log1p(-np.asarray(z, complex)))[()],
    "gammaln": _gammaln_complex,
}


def _to_pole(x):
    """Distance from real x to the nearest pole of Gamma (0, -1, -2, ...)."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, np.abs(x - np.rint(x)))[()]


RADIUS = {
    "expit": (lambda x: np.hypot(x, math.pi),),         # poles at +-i pi
    "logit": (lambda x: np.minimum(x, 1 - x),),          # branch points at 0 and 1
    "gammaln": (_to_pole,), "digamma": (_to_pole,),
    "xlogy": (None, lambda x, y: y),                     # log's branch point at y = 0
    "xlog1py": (None, lambda x, y: 1 + y),
}

_R = (-5.0, 5.0)
_POS = ((0.1, 10.0),)
_GAMMA = ((-2.8, -2.2), (0.1, 10.0))  # both sides of the poles, away from them

ROWS = [
    ("expit",    sc.expit,    expit,    (lambda y, x: expit(x) * expit(-x),), sympy_expit,
     (_R,), ""),
    ("logit",    sc.logit,    logit,    (lambda y, x: 1 / (x * (1 - x)),), sympy_logit,
     ((0.05, 0.95),), ""),
    ("erf",      sc.erf,      erf,      (lambda y, x: _TWO_OVER_SQRT_PI * exp(-x * x),),
     sympy_erf, (_R,), ""),
    ("erfc",     sc.erfc,     erfc,     (lambda y, x: -_TWO_OVER_SQRT_PI * exp(-x * x),),
     sympy_erfc, (_R,), ""),
    ("gammaln",  sc.gammaln,  gammaln,  (lambda y, x: _digamma_reflected(x),), sympy_gammaln,
     (_GAMMA,), ""),
    ("digamma",  sc.digamma,  digamma,  (lambda y, x: trigamma(x),), sympy_digamma, (_GAMMA,),
     ""),
    ("log_ndtr", sc.log_ndtr, log_ndtr, (_d_log_ndtr,), sympy_log_ndtr, (_R,), ""),
    ("xlogy",    sc.xlogy,    xlogy,
     (lambda y, a, b: log(b), lambda y, a, b: _zero_where_x_is_zero(y, a, b)),
     sympy_xlogy, (_R, (0.2, 5.0)), ""),
    ("xlog1py",  sc.xlog1py,  xlog1py,
     (lambda y, a, b: log1p(b), lambda y, a, b: _zero_where_x_is_zero(y, a, 1 + b)),
     sympy_xlog1py, (_R, (-0.8, 5.0)), ""),
]
"""The rows, columns as in :mod:`diffmethods.ops`. psi is digamma (the same ufunc object)."""
