"""More rows of the one operation table (issue 10): numpy's other elementwise functions.

:mod:`diffmethods.ops` adds :data:`ROWS` to its table (same columns as its own rows),
:data:`RADIUS` to its radius column and :data:`COMPLEX` as the ``complex_value`` column: how the
complex step evaluates a row whose numpy ufunc does not take complex numbers, or takes them
but is not the analytic continuation of the real function (``conj(x + ih)`` is ``x - ih``; on
the real line conj is the identity, so its continuation is the identity).

Conventions where a row is not differentiable (also in README.md, "Conventions where f is not
differentiable"):

* ``floor``, ``ceil``, ``trunc``, ``rint`` (and ``np.round``): derivative 0 everywhere, also at
  their jumps (as JAX and autograd); the functions are piecewise constant.
* ``fabs`` is ``absolute``: derivative sign(x), 0 at 0.
* ``fmax``, ``fmin`` are ``maximum``/``minimum`` (a tie splits 1/2 each); where an operand is
  nan, fmax returns the other one but the derivative is nan (a nan operand is an undefined point).
* ``copysign(a, b)`` = |a| with b's sign: d/da = sign(a) * copysign(1, b) (0 at a = 0, as for
  abs), d/db = 0 (a jump at b = 0, derivative taken as 0).
* ``remainder(a, b)`` = a - b floor(a/b) (numpy's, the sign of b; Python's ``%``) and
  ``fmod(a, b)`` = a - b trunc(a/b) (C's, the sign of a): d/da = 1, d/db = -floor(a/b)
  (-trunc(a/b)), also at the jumps where a/b is a whole number (the quotient is then read off
  numpy's own result, so the partial matches the value numpy returned).
* ``heaviside(x, h0)``: d/dx = 0 (also at 0: its jump is taken as derivative 0); d/dh0 = 1
  where x == 0 (the value is h0 there) and 0 elsewhere.

Every sympy function below is made on first use (importing diffmethods does not import sympy),
knows its derivative (so sympy never leaves an unevaluated ``Derivative``) and prints itself
for ``sympy.lambdify`` in numpy, math and mpmath code.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from .ops import (LN2, MAX_PARTIALS, MIN_PARTIALS, _OFF0, _R, _TIE, Kink, _both_floats,
                  _elementary, cos, exp, exp2, pick_by_real_part, sign, sin)

# --- sympy functions that know their derivative and how they print ---------------------------
_LOCK = threading.Lock()


def _sympy_function(name: str, fdiff, numpy_code: str, math_code: str, mpmath_fn,
                    mpmath_code: str | None = None):
    """A constructor of the sympy function ``name``: ``fdiff(sympy, args, k)`` is its derivative
    in argument k; ``numpy_code``/``math_code`` format its arguments ({0}, {1}) into code for
    lambdify (``numpy.``/``math.``/``scipy.special.`` names are resolved by the printer);
    ``mpmath_fn`` evaluates it at many digits (evalf, and the 50-digit reference);
    ``mpmath_code`` is its mpmath code when that is not ``math_code`` with math. -> mpmath."""
    made = []

    def construct(*args):
        if not made:
            with _LOCK:
                if not made:
                    made.append(_make_class(name, fdiff, numpy_code, math_code, mpmath_fn,
                                            mpmath_code))
        return made[0](*args)

    construct.__name__ = name
    return construct


def _code(template: str, printer, args) -> str:
    text = template.format(*(f"({printer._print(a)})" for a in args))
    for word in sorted(set(_words(text)), key=len, reverse=True):
        text = text.replace(word, printer._module_format(word))
    return text


def _words(text: str):
    import re
    return re.findall(r"\b(?:numpy|math|mpmath|scipy\.special)\.\w+", text)


def _make_class(name, fdiff, numpy_code, math_code, mpmath_fn, mpmath_code=None):
    import mpmath
    import sympy

    def _fdiff(self, argindex=1):
        return fdiff(sympy, self.args, argindex - 1)

    def _eval_evalf(self, prec):
        values = [a.evalf(prec) for a in self.args]
        if not all(v.is_Number for v in values):
            return None
        with mpmath.workprec(prec):
            out = mpmath_fn(*(mpmath.mpf(str(v)) if v.is_Float else mpmath.mpf(sympy.Rational(v).p)
                              / sympy.Rational(v).q for v in values))
            return sympy.Float(out, precision=prec)

    attrs = {
        "nargs": 3 if "{2}" in numpy_code else 2 if "{1}" in numpy_code else 1,
        "fdiff": _fdiff, "_eval_evalf": _eval_evalf, "__module__": __name__,
        "__qualname__": f"_sympy_{name}",
        "_numpycode": lambda self, printer: _code(numpy_code, printer, self.args),
        "_pythoncode": lambda self, printer: _code(math_code, printer, self.args),
        "_mpmathcode": lambda self, printer: _code(
            mpmath_code or math_code.replace("math.", "mpmath."), printer, self.args),
        "mpmath_rule": staticmethod(mpmath_fn),  # the 50-digit reference evaluates it so
    }
    cls = type(name, (sympy.Function,), attrs)
    globals()[f"_sympy_{name}"] = cls  # found again by pickle (the symbolic cache)
    return cls


def _flat(sp, args, k):
    return sp.S.Zero


def _mp_rint(x):
    import mpmath
    return mpmath.nint(x)  # ties to even, as np.rint


def _mp_trunc(x):
    import mpmath
    return mpmath.sign(x) * mpmath.floor(abs(x))


sympy_floor = _sympy_function("floor", _flat, "numpy.floor({0})", "float(math.floor({0}))",
                              lambda x: __import__("mpmath").floor(x))
sympy_ceil = _sympy_function("ceil", _flat, "numpy.ceil({0})", "float(math.ceil({0}))",
                             lambda x: __import__("mpmath").ceil(x))
sympy_trunc = _sympy_function("trunc", _flat, "numpy.trunc({0})", "float(math.trunc({0}))",
                              _mp_trunc)
sympy_rint = _sympy_function("rint", _flat, "numpy.rint({0})", "float(round({0}))", _mp_rint)


def _mp_remainder(a, b):
    import mpmath
    return a - b * mpmath.floor(a / b)


def _mp_fmod(a, b):
    return a - b * _mp_trunc(a / b)


sympy_remainder = _sympy_function(
    "remainder", lambda sp, args, k: sp.S.One if k == 0 else -sympy_floor(args[0] / args[1]),
    "numpy.remainder({0}, {1})", "({0} % {1})", _mp_remainder)
sympy_fmod = _sympy_function(
    "fmod", lambda sp, args, k: sp.S.One if k == 0 else -sympy_trunc(args[0] / args[1]),
    "numpy.fmod({0}, {1})", "math.fmod({0}, {1})", _mp_fmod)


def _mp_heaviside(x, h0):
    return x * 0 + (1 if x > 0 else h0 if x == 0 else 0)


sympy_heaviside = _sympy_function(
    "heaviside",
    lambda sp, args, k: sp.S.Zero if k == 0 else sp.Piecewise((1, sp.Eq(args[0], 0)), (0, True)),
    "numpy.heaviside({0}, {1})", "(1.0 if {0} > 0 else ({1} if {0} == 0 else 0.0))",
    _mp_heaviside)


def _mp_logaddexp(a, b):
    import mpmath
    return mpmath.log(mpmath.exp(a) + mpmath.exp(b))


def _mp_logaddexp2(a, b):
    import mpmath
    return mpmath.log(mpmath.power(2, a) + mpmath.power(2, b), 2)


sympy_logaddexp = _sympy_function(
    "logaddexp", lambda sp, args, k: 1 / (1 + sp.exp(args[1 - k] - args[k])),
    "numpy.logaddexp({0}, {1})",
    "(max({0}, {1}) + math.log1p(math.exp(-abs({0} - {1}))))", _mp_logaddexp)
sympy_logaddexp2 = _sympy_function(
    "logaddexp2", lambda sp, args, k: 1 / (1 + 2 ** (args[1 - k] - args[k])),
    "numpy.logaddexp2({0}, {1})",
    "(max({0}, {1}) + math.log1p(2.0 ** -abs({0} - {1})) / math.log(2))", _mp_logaddexp2)


# sinc(x) = sin(pi x) / (pi x): its derivative (cos(pi x) - sinc(x)) / x cancels near 0 (and is
# 0/0 at 0), so below |x| = 1/4 it is its Taylor series, 12 terms (the 13th is < 1e-28 there)
_SINC_SERIES = tuple((-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(1, 13))


def _sympy_d_sinc(sp, args, k):
    (x,) = args
    series = sum(sp.Rational((-1) ** k * 2 * k, math.factorial(2 * k + 1)) * sp.pi ** (2 * k)
                 * x ** (2 * k - 1) for k in range(1, len(_SINC_SERIES) + 1))
    direct = (sp.cos(sp.pi * x) - sp.sin(sp.pi * x) / (sp.pi * x)) / x
    from .symfuncs import RealAbs  # sympy's Abs of an x it cannot prove real reads re(x)
    return sp.Piecewise((series, RealAbs(x) < sp.Rational(1, 4)), (direct, True))


def _mp_sinc(x):
    import mpmath
    return mpmath.sincpi(x)


sympy_sinc = _sympy_function(
    "sinc", _sympy_d_sinc, "numpy.sinc({0})",
    "(math.sin(math.pi * {0}) / (math.pi * {0}) if {0} != 0 else 1.0)", _mp_sinc)


def _sympy_copysign(a, b):
    import sympy

    from .symfuncs import RealAbs
    return sympy.Piecewise((RealAbs(a), b >= 0), (-RealAbs(a), True))


def _sympy_times(factor):
    def construct(x):
        import sympy
        return x * factor(sympy)
    return construct


# --- value functions ------------------------------------------------------------------------
floor = _elementary(None, np.floor)
ceil = _elementary(None, np.ceil)
trunc = _elementary(None, np.trunc)
rint = _elementary(None, np.rint)
fabs = _elementary(math.fabs, np.fabs)
reciprocal = _elementary(lambda x: 1 / x, np.reciprocal)
conjugate = _elementary(lambda x: x, np.conjugate)
logaddexp = _both_floats(lambda a, b: max(a, b) + math.log1p(math.exp(-abs(a - b)))
                         if a != b else a + LN2, np.logaddexp)
logaddexp2 = _both_floats(lambda a, b: max(a, b) + math.log1p(2.0 ** -abs(a - b)) / LN2
                          if a != b else a + 1.0, np.logaddexp2)
fmax = _both_floats(lambda a, b: a if a >= b or b != b else b, np.fmax)
fmin = _both_floats(lambda a, b: a if a <= b or b != b else b, np.fmin)
copysign = _both_floats(math.copysign, np.copysign)


def _numpy2(ufunc):
    """A binary value function that is numpy's on floats too (Python's % and math.fmod raise
    at b = 0 where numpy gives nan)."""
    def value(a, b):
        with np.errstate(all="ignore"):
            out = ufunc(a, b)
        return float(out) if type(a) is float and type(b) is float else out
    value.__name__ = ufunc.__name__
    return value


remainder = _numpy2(np.remainder)
fmod = _numpy2(np.fmod)
heaviside = _numpy2(np.heaviside)


def _d_sinc(y, x):
    """sinc'(x): the series below |x| = 1/4, else (cos(pi x) - sin(pi x)/(pi x)) / x with the
    argument reduced exactly (fmod(x, 2)) first, so pi * x's rounding does not enter. The
    branch is chosen by a mask of constants, so floats, arrays and dual numbers take it alike."""
    small = (fabs(x) < 0.25) * 1.0
    xs = x * (1 - small) + small  # 1 where the series is used: the direct form stays finite
    r = fmod(xs, 2.0)
    direct = (cos(math.pi * r) - sin(math.pi * r) / (math.pi * xs)) / xs
    xt = x * small  # 0 where the direct form is used: the series cannot overflow there
    x2, series = xt * xt, 0.0
    for j in reversed(range(len(_SINC_SERIES))):
        series = series * x2 + _SINC_SERIES[j] * math.pi ** (2 * j + 2)
    return direct * (1 - small) + series * xt


def _zero(y, *args):
    return 0.0


def _d_heaviside_h0(y, x, h0):
    return (x == 0) * 1.0  # the primal comparison: floats, arrays and dual numbers alike


# --- the complex step's evaluation of these rows --------------------------------------------
def _real_sign(z):
    return np.sign(np.real(z))


def _flat_complex(ufunc):
    return lambda z: ufunc(np.real(z)) + 0j


def _logaddexp_complex(base_log):
    # m + log1p(exp(-(d))) with the larger real part as m: analytic around the real operands
    def rule(a, b):
        a, b = np.asarray(a, complex), np.asarray(b, complex)
        a_larger = a.real >= b.real
        m, other = np.where(a_larger, a, b), np.where(a_larger, b, a)
        return (m + np.log1p(np.exp((other - m) * base_log)) / base_log)[()]
    return rule


def _mod_complex(ufunc):
    # the real part is numpy's (exact); the imaginary part follows a - b q, q fixed
    def rule(a, b):
        ra, rb = np.real(a), np.real(b)
        rem = ufunc(ra, rb)
        q = np.rint((ra - rem) / rb)
        return np.asarray(rem + 1j * (np.imag(a) - np.imag(b) * q))[()]
    return rule


def _heaviside_complex(x, h0):
    rx = np.real(x)
    return np.asarray(np.heaviside(rx, np.real(h0)) + 1j * np.imag(h0) * (rx == 0))[()]


def _copysign_complex(a, b):
    return np.asarray(a * _real_sign(a) * np.copysign(1.0, np.real(b)))[()]


def _sinc_complex(z):
    # np.sinc's sin(pi z)/(pi z) cancels in the imaginary part near 0: the series there
    z = np.asarray(z, complex)
    w, series = (math.pi * z) ** 2, 0.0
    for k in reversed(range(14)):
        series = series * w + (-1) ** k / math.factorial(2 * k + 1)
    return np.where(np.abs(z.real) < 0.25, series, np.sinc(z))[()]


COMPLEX = {
    "sinc": _sinc_complex,
    "floor": _flat_complex(np.floor), "ceil": _flat_complex(np.ceil),
    "trunc": _flat_complex(np.trunc), "rint": _flat_complex(np.rint),
    "fabs": lambda z: z * _real_sign(z),
    "fmax": pick_by_real_part(larger=True), "fmin": pick_by_real_part(larger=False),
    "copysign": _copysign_complex,
    "remainder": _mod_complex(np.remainder), "fmod": _mod_complex(np.fmod),
    "heaviside": _heaviside_complex,
    "logaddexp": _logaddexp_complex(1.0), "logaddexp2": _logaddexp_complex(LN2),
    "conjugate": lambda z: z,  # the continuation of the identity, not z.conj()
    "deg2rad": lambda z: z * (math.pi / 180), "radians": lambda z: z * (math.pi / 180),
    "rad2deg": lambda z: z * (180 / math.pi), "degrees": lambda z: z * (180 / math.pi),
}

# --- the rows -------------------------------------------------------------------------------
# Between whole numbers and half-integers: where floor, ceil, trunc and rint are all constant.
_STEPS = ((0.1, 0.4), (-2.4, -2.1), (1.6, 1.9))
_NUM = ((0.2, 0.8), (-0.8, -0.2))       # a / b never a whole number for these a and b
_DEN = ((1.0, 3.0), (-3.0, -1.0))
_D2R, _R2D = math.pi / 180, 180 / math.pi

ROWS = [
    # --- rounding: piecewise constant, derivative 0 (also at the jumps) ---------------------
    ("floor",      np.floor,      floor,      (_zero,), sympy_floor,      (_STEPS,), ""),
    ("ceil",       np.ceil,       ceil,       (_zero,), sympy_ceil,       (_STEPS,), ""),
    ("trunc",      np.trunc,      trunc,      (_zero,), sympy_trunc,      (_STEPS,), ""),
    ("rint",       np.rint,       rint,       (_zero,), sympy_rint,       (_STEPS,), ""),
    # --- remainders: d/da = 1, d/db = -(the quotient numpy used) ----------------------------
    ("remainder",  np.remainder,  remainder,
     (lambda y, a, b: 1.0, lambda y, a, b: -rint((a - y) / b)), sympy_remainder, (_NUM, _DEN), ""),
    ("fmod",       np.fmod,       fmod,
     (lambda y, a, b: 1.0, lambda y, a, b: -rint((a - y) / b)), sympy_fmod, (_NUM, _DEN), ""),
    # --- kinks with the conventions of absolute, maximum and minimum ------------------------
    ("fabs",       np.fabs,       fabs,       (lambda y, x: sign(x),), "symfuncs.RealAbs",
     (_OFF0,), ""),
    ("fmax",       np.fmax,       fmax,       MAX_PARTIALS, "Max", (_OFF0, (-0.4, 0.4)), ""),
    ("fmin",       np.fmin,       fmin,       MIN_PARTIALS, "Min", (_OFF0, (-0.4, 0.4)), ""),
    ("copysign",   np.copysign,   copysign,
     (lambda y, a, b: sign(a) * copysign(1.0, b), _zero), _sympy_copysign, (_OFF0, _OFF0), ""),
    ("heaviside",  np.heaviside,  heaviside,  (_zero, _d_heaviside_h0), sympy_heaviside,
     (_OFF0, (0.0, 1.0)), ""),
    # --- smooth ------------------------------------------------------------------------------
    ("logaddexp",  np.logaddexp,  logaddexp,
     # from the inputs, not exp(a - y): a - y keeps few digits when y is large
     (lambda y, a, b: 1 / (1 + exp(b - a)), lambda y, a, b: 1 / (1 + exp(a - b))),
     sympy_logaddexp, (_R, _R), ""),
    ("logaddexp2", np.logaddexp2, logaddexp2,
     (lambda y, a, b: 1 / (1 + exp2(b - a)), lambda y, a, b: 1 / (1 + exp2(a - b))),
     sympy_logaddexp2, (_R, _R), ""),
    ("reciprocal", np.reciprocal, reciprocal, (lambda y, x: -(y * y),), lambda x: 1 / x,
     (((-5.0, -0.2), (0.2, 5.0)),), ""),
    ("deg2rad",    np.deg2rad,    _elementary(None, np.deg2rad), (lambda y, x: _D2R,),
     _sympy_times(lambda sp: sp.pi / 180), (_R,), ""),
    ("radians",    np.radians,    _elementary(None, np.radians), (lambda y, x: _D2R,),
     _sympy_times(lambda sp: sp.pi / 180), (_R,), ""),
    ("rad2deg",    np.rad2deg,    _elementary(None, np.rad2deg), (lambda y, x: _R2D,),
     _sympy_times(lambda sp: 180 / sp.pi), (_R,), ""),
    ("degrees",    np.degrees,    _elementary(None, np.degrees), (lambda y, x: _R2D,),
     _sympy_times(lambda sp: 180 / sp.pi), (_R,), ""),
    # np.sinc is not a ufunc: it reaches the row through __array_function__
    ("sinc",       np.sinc,       _elementary(None, np.sinc), (_d_sinc,), sympy_sinc, (_R,), ""),
    # conj of a real number is itself (np.conj is np.conjugate)
    ("conjugate",  np.conjugate,  conjugate,  (lambda y, x: 1.0,), lambda x: x, (_R,), ""),
]

RADIUS = {
    # exp(a) + exp(b) = 0 at a - b = i pi (2k + 1): that far from the real operands
    "logaddexp":  (lambda a, b: np.hypot(a - b, math.pi),) * 2,
    "logaddexp2": (lambda a, b: np.hypot(a - b, math.pi / LN2),) * 2,
    "reciprocal": (lambda x: np.abs(x),),                   # pole at 0
    "remainder":  (None, lambda a, b: np.abs(b)),           # nan at b = 0
    "fmod":       (None, lambda a, b: np.abs(b)),
}


def _whole(v) -> bool:
    return math.isfinite(v) and v == math.floor(v)


_JUMP = "derivative 0 (a jump has no slope)"
KINKS = {  # where the derivative is a convention: the kink column of the table (ops.Kink)
    "floor":     Kink(_whole, "a whole number x", "a jump of floor", _JUMP, (1.0,)),
    "ceil":      Kink(_whole, "a whole number x", "a jump of ceil", _JUMP, (1.0,)),
    "trunc":     Kink(lambda x: _whole(x) and x != 0, "a nonzero whole number x",
                      "a jump of trunc", _JUMP, (1.0,)),
    "rint":      Kink(lambda x: _whole(x - 0.5), "a half-integer x", "a jump of rint", _JUMP,
                      (0.5,)),
    "remainder": Kink(lambda a, b: b != 0 and _whole(a / b), "a whole multiple a of b",
                      "a jump of remainder", "d/da = 1, d/db = -(numpy's quotient)",
                      (2.0, 1.0)),
    "fmod":      Kink(lambda a, b: b != 0 and a != 0 and _whole(a / b),
                      "a nonzero whole multiple a of b", "a jump of fmod",
                      "d/da = 1, d/db = -(numpy's quotient)", (2.0, 1.0)),
    "fabs":      Kink(lambda x: x == 0, "x = 0", "a kink of fabs", "sign(0) = 0", (0.0,)),
    "fmax":      Kink(lambda a, b: a == b, "a = b", "a tie of fmax", _TIE, (1.0, 1.0)),
    "fmin":      Kink(lambda a, b: a == b, "a = b", "a tie of fmin", _TIE, (1.0, 1.0)),
    "copysign":  Kink(lambda a, b: a == 0 or b == 0, "a = 0 or b = 0",
                      "a kink (a = 0) or jump (b = 0) of copysign",
                      "d/da = sign(a)·copysign(1, b), 0 at a = 0; d/db = 0", (0.0, 1.0)),
    "heaviside": Kink(lambda x, h0: x == 0, "x = 0", "the jump of heaviside",
                      "d/dx = 0 (the value there is h0)", (0.0, 0.5)),
}
