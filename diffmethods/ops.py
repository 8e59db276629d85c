"""The one table of elementary operations.

Every elementwise operation the methods understand is one row of :data:`OPS`:

* ``ufunc``    -- the numpy function users write (``np.sin``, ``np.multiply``, ...);
* ``value``    -- how the operation is computed: ``math`` on Python floats (fast),
  numpy on arrays and on the traced values of the methods;
* ``partials`` -- one function per argument giving the local partial derivative
  d(out)/d(arg) from ``(out, *args)``; written with the functions of this module, so the same
  rule works on floats, arrays and dual numbers (a Hessian runs the tape on dual numbers);
* ``sympy``    -- the sympy constructor the symbolic tracer uses (named, and imported only
  when first used, so that importing diffmethods does not import sympy);
* ``domain``   -- per argument, an interval ``(lo, hi)`` or a union of intervals where the
  operation is smooth, for sampling in tests (:func:`intervals` reads either form);
* ``radius``   -- per argument, how far the operand may move (in the complex plane) before
  the operation meets a pole, a branch point or the edge of its real domain: 0 on the edge,
  negative outside the domain, ``None`` where the operation is entire (:data:`RADIUS`). The
  complex step checks its step against it; the undefined-point policy names the edge it finds.
* ``kink``     -- for a piecewise row, where it has no derivative and the convention every
  method follows there (:class:`Kink`, :data:`KINKS`); the explanations flag a point on it.

A partial is computed from the input wherever the form read off the output would cancel:
``d tanh(x) = 1/cosh(x)**2``, not ``1 - tanh(x)**2``, which is 0 for x > 19 (the truth is
~4e-17 there); ``d arcsin(x) = 1/sqrt((1 - x)(1 + x))``, exact near |x| = 1 where ``1 - x*x``
keeps only a few digits.

Forward mode sums ``partial * tangent``, reverse mode accumulates ``partial * adjoint``, the
symbolic tracer builds ``row.sympy(*args)``. Adding an operation means adding one row, and
``tests/test_ops_table.py`` checks every row's partials against ``sympy.diff`` of its sympy column.

>>> OPS["sin"].partials[0](0.0, 0.0)      # d sin(x)/dx = cos(x) at x = 0
1.0
"""

from __future__ import annotations

import dis
import math
import operator
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import importlib

import numpy as np


MAX_PARTIALS = (lambda y, a, b: (1 + sign(a - b)) / 2, lambda y, a, b: (1 - sign(a - b)) / 2)
MIN_PARTIALS = (lambda y, a, b: (1 - sign(a - b)) / 2, lambda y, a, b: (1 + sign(a - b)) / 2)
"""d max(a, b) and d min(a, b): 1 for the chosen operand, 1/2 each at a tie (Heaviside(0))."""


def pick_by_real_part(larger):
    """max/min on complex numbers (the complex step): the operand with the larger (smaller)
    real part, a tie split evenly -- the real function's choice, carried to the step."""
    def rule(a, b):
        ra, rb = np.real(a), np.real(b)
        chosen = np.where(ra > rb, a, b) if larger else np.where(ra < rb, a, b)
        return np.where(ra == rb, (a + b) / 2, chosen)[()]
    return rule


@dataclass(frozen=True)
class Kink:
    """Where a piecewise operation has no derivative, and what every method does there.

    ``at(*operands)`` says whether scalar operands sit on a kink or jump; ``where`` names the
    place in the operation's own letters, ``what`` the place, ``convention`` the derivative
    the methods take there; ``example`` is one such point (the table's tests use it).

    >>> KINKS["absolute"].at(0.0), KINKS["absolute"].convention
    (True, 'sign(0) = 0')
    """

    at: Callable
    where: str  # "x = 0"
    what: str  # "a kink of abs"
    convention: str  # "sign(0) = 0"
    example: tuple  # operands on the kink

    def note(self) -> str:
        """x = 0 is a kink of abs: every method follows the convention sign(0) = 0."""
        return (f"{self.where} is {self.what}: every method follows the convention "
                f"{self.convention}")


@dataclass(frozen=True)
class Op:
    """One elementary operation: how to compute it and its local partial derivatives."""

    name: str
    ufunc: np.ufunc
    value: Callable
    partials: tuple[Callable, ...]
    sympy_spec: object  # a callable, or the name of a sympy function (imported when used)
    domain: tuple[tuple[float, float], ...]
    symbol: str = ""  # infix operator for printing ("+", "*", ...); empty for functions
    radius: tuple | None = None  # per argument: distance to a singularity (see RADIUS)
    raw_value: Callable | None = None  # ``value`` without silencing numpy's warnings: for the
    #                                    tape's scalar fast path and for methods run quietly
    complex_value: Callable | None = None  # how the complex step evaluates the row, where the
    #              numpy ufunc refuses complex numbers or is not the real function's continuation
    kink: Kink | None = None  # piecewise rows: where the derivative is a convention (KINKS)

    def __post_init__(self):
        if self.raw_value is None:
            object.__setattr__(self, "raw_value", self.value)

    @property
    def arity(self) -> int:
        return len(self.partials)

    @cached_property
    def sympy(self) -> Callable:
        """The sympy constructor; sympy is imported on first use, not with diffmethods."""
        spec = self.sympy_spec
        if callable(spec):
            return spec
        module, _, name = spec.rpartition(".")
        where = {"": "sympy", "cfunctions": "sympy.codegen.cfunctions",
                 "symfuncs": "diffmethods.symfuncs"}[module]
        return getattr(importlib.import_module(where), name)

    @cached_property
    def reads(self) -> tuple:
        """For each partial, which of ``(out, *args)`` it reads: the tape keeps only those
        alive for the backward sweep (``d(a + b)`` reads nothing, ``d exp(x)`` only ``out``)."""
        return tuple(_reads(p, 1 + self.arity) for p in self.partials)

    def __repr__(self) -> str:
        return f"Op({self.name})"


def _reads(fn, nparams: int) -> tuple:
    """Which of its first ``nparams`` parameters ``fn`` loads, from its bytecode; when in
    doubt (closures, unusual code) every parameter counts as read."""
    code = fn.__code__
    params = code.co_varnames[:nparams]
    loaded = set()
    for ins in dis.get_instructions(fn):
        if ins.opname.startswith("LOAD_FAST"):
            loaded.update(ins.argval if isinstance(ins.argval, tuple) else (ins.argval,))
        elif ins.opname in ("LOAD_DEREF", "LOAD_CLOSURE", "LOAD_NAME"):
            return (True,) * nparams
    if code.co_argcount < nparams or code.co_cellvars:
        return (True,) * nparams
    return tuple(name in loaded for name in params)


def _elementary(math_fn, ufunc):
    """The value function of a unary op: ``math_fn`` on Python floats, ``ufunc`` otherwise.
    numpy's RuntimeWarnings are silenced: an undefined point is reported once, by the policy
    of :mod:`diffmethods.domain`, not by numpy quoting this file."""
    if math_fn is None:
        def value(x):
            with np.errstate(all="ignore"):
                return float(ufunc(x)) if type(x) is float else ufunc(x)
    else:
        def value(x):
            if type(x) is float:
                return math_fn(x)
            with np.errstate(all="ignore"):
                return ufunc(x)
    value.__name__ = ufunc.__name__
    value.__doc__ = f"{ufunc.__name__}(x): math on floats, numpy otherwise."
    return value


# The functions below are used both as the value column and inside the partials, so a rule like
# ``cos(x)`` is cheap on a float and still dispatches to numpy for arrays and dual numbers.
# On a Python float, math raises where numpy returns inf/nan (log(0), 1/0, sqrt(-1));
# :func:`ieee` re-evaluates such a row with numpy scalars so every method follows IEEE rules.
sin = _elementary(math.sin, np.sin)
cos = _elementary(math.cos, np.cos)
tan = _elementary(math.tan, np.tan)
exp = _elementary(math.exp, np.exp)
exp2 = _elementary(None, np.exp2)
expm1 = _elementary(math.expm1, np.expm1)
log = _elementary(math.log, np.log)
log2 = _elementary(math.log2, np.log2)
log10 = _elementary(math.log10, np.log10)
log1p = _elementary(math.log1p, np.log1p)
sqrt = _elementary(math.sqrt, np.sqrt)
cbrt = _elementary(None, np.cbrt)
sinh = _elementary(math.sinh, np.sinh)
cosh = _elementary(math.cosh, np.cosh)
tanh = _elementary(math.tanh, np.tanh)
arcsin = _elementary(math.asin, np.arcsin)
arccos = _elementary(math.acos, np.arccos)
arctan = _elementary(math.atan, np.arctan)
arcsinh = _elementary(math.asinh, np.arcsinh)
arccosh = _elementary(math.acosh, np.arccosh)
arctanh = _elementary(math.atanh, np.arctanh)
absolute = _elementary(abs, np.absolute)
sign = _elementary(lambda x: float((x > 0) - (x < 0)), np.sign)


def square(x):
    return x * x


def _operator(bare):
    """The value of a Python operator row: the operator itself, with numpy's RuntimeWarnings
    silenced when an operand is an array (the undefined-point policy speaks instead). The
    tape's scalar fast path calls ``bare`` (the row's ``raw_value``) directly."""
    if bare is operator.neg:
        def value(x):
            if type(x) is np.ndarray:
                with np.errstate(all="ignore"):
                    return bare(x)
            return bare(x)
    else:
        def value(a, b):
            if type(a) is np.ndarray or type(b) is np.ndarray:
                with np.errstate(all="ignore"):
                    return bare(a, b)
            return bare(a, b)
    value.__name__ = bare.__name__
    value.bare = bare
    return value


add, subtract, multiply = _operator(operator.add), _operator(operator.sub), _operator(operator.mul)
divide, negative = _operator(operator.truediv), _operator(operator.neg)


def _raw_power(a, b):
    """``a ** b``, nan (as numpy gives) where Python would return a complex root, without
    silencing numpy: the row's ``raw_value`` (the tape's scalar fast path)."""
    out = a ** b
    if type(out) is complex:
        return math.nan
    return out


def power(a, b):
    """``a ** b``, giving nan (as numpy does) where Python would return a complex root; on
    arrays with numpy's RuntimeWarnings silenced (the undefined-point policy speaks)."""
    if type(a) is np.ndarray or type(b) is np.ndarray:
        with np.errstate(all="ignore"):
            return a ** b
    return _raw_power(a, b)


power.bare = _raw_power


def _d_power_base(y, a, b):
    """d(a**b)/da = b a**(b-1); for the common square, 2a in one multiplication; for a
    constant exponent 0, 0 (a**0 = 1 everywhere, also at a = 0 where b a**(b-1) is 0 * inf)."""
    if type(b) is int or type(b) is float:
        if b == 2:
            return 2 * a
        if b == 0:
            return 0 * a
    return b * power(a, b - 1)


def _d_power_exponent(y, a, b):
    """d(a**b)/db = a**b log(a); at a = 0 it is 0, not 0 * log(0) = 0 * -inf = nan: 0**b is
    identically 0 for b > 0, so its derivative in b is 0 (numpy's and central differences'
    answer; JAX's rule replaces log(0) by 0 in the same way). At a = 0, b <= 0 (0**b jumps
    from inf to 1 to 0) it stays -inf or nan, so the undefined-point policy reports it.
    The comparisons read the primal value: the rule works on floats, arrays and dual numbers."""
    return y * log(a + ((a == 0) & (b > 0)) * 1.0)


def _sympy_power(a, b):
    """sympy's Pow, except that a constant base 0 gives Piecewise((0, b > 0), (0**b, True)),
    whose derivative in b is 0 for b > 0 (sympy's own 0**b log(0) evaluates to nan)."""
    import sympy
    if getattr(a, "is_zero", False) is True and isinstance(b, sympy.Basic) and b.free_symbols:
        return sympy.Piecewise((sympy.S.Zero, b > 0), (sympy.Pow(a, b), True))
    return sympy.Pow(a, b)


def _both_floats(fn2, ufunc):
    def value(a, b):
        if type(a) is float and type(b) is float:
            return fn2(a, b)
        with np.errstate(all="ignore"):
            return ufunc(a, b)
    value.__name__ = ufunc.__name__
    return value


maximum = _both_floats(lambda a, b: a if a >= b else b, np.maximum)
minimum = _both_floats(lambda a, b: a if a <= b else b, np.minimum)
hypot = _both_floats(math.hypot, np.hypot)
arctan2 = _both_floats(math.atan2, np.arctan2)


_STABLE_LOCK = threading.Lock()


def _stable_sympy(name: str, derivative):
    """sympy's function ``name``, differentiated by ``derivative(sympy, *args)`` instead of
    sympy's own rule where that cancels as the table's old partials did (sympy says
    d tanh(x) = 1 - tanh(x)**2, which is 0 for x > 19). The class keeps sympy's name, so the
    printers, lambdify and the 50-digit reference treat it as the function it is; it is made
    on first use, so importing diffmethods does not import sympy."""
    made = []

    def construct(*args):
        if not made:
            with _STABLE_LOCK:
                if not made:
                    import sympy
                    base = getattr(sympy, name)

                    def fdiff(self, argindex=1):
                        return derivative(sympy, *self.args)

                    where = f"_sympy_{name}"  # found again by pickle, under this name
                    cls = type(base)(name, (base,), {"fdiff": fdiff, "__module__": __name__,
                                                     "__qualname__": where})
                    globals()[where] = cls
                    made.append(cls)
        return made[0](*args)

    construct.__name__ = name
    construct.stable_derivative = True  # tests compare it with sympy's own rule
    return construct


def _sympy_hypot(a, b):
    from sympy.codegen.cfunctions import hypot as sympy_hypot
    return sympy_hypot(a, b)


def intervals(spec) -> tuple:
    """A domain entry as a tuple of intervals: ``(lo, hi)`` or ``((lo, hi), (lo, hi), ...)``."""
    return (spec,) if isinstance(spec[0], (int, float)) else tuple(spec)


def ieee(fn, *args):
    """Evaluate ``fn`` with numpy float64 scalars, so 1/0 is inf and log(-1) is nan instead of
    a Python exception; the result is a Python float. numpy's RuntimeWarning is silenced: the
    undefined-point policy (:mod:`diffmethods.domain`) reports the point once instead."""
    with np.errstate(all="ignore"):
        out = fn(*(np.float64(a) if type(a) in (float, int) else a for a in args))
    return float(out) if isinstance(out, np.floating) else out


# Columns: name, numpy ufunc, value, partials (one per argument, from (out, *args)), sympy
# constructor, sampling domain per argument, and an infix symbol for the operators.
_R = (-5.0, 5.0)
_OFF0 = ((-5.0, -0.5), (0.5, 5.0))  # both sides of a kink at 0, away from it
LN2, LN10 = math.log(2), math.log(10)
_ROWS = [
    # --- arithmetic, the Python operators -------------------------------------------------
    ("add",      np.add,      add,    (lambda y, a, b: 1.0, lambda y, a, b: 1.0),
     operator.add, (_R, _R), "+"),
    ("subtract", np.subtract, subtract, (lambda y, a, b: 1.0, lambda y, a, b: -1.0),
     operator.sub, (_R, _R), "-"),
    ("multiply", np.multiply, multiply, (lambda y, a, b: b, lambda y, a, b: a),
     operator.mul, (_R, _R), "*"),
    ("divide",   np.divide,   divide, (lambda y, a, b: 1 / b, lambda y, a, b: -y / b),
     operator.truediv, (_R, (0.5, 5.0)), "/"),
    ("power",    np.power,    power,   (_d_power_base, _d_power_exponent),
     _sympy_power, ((0.2, 4.0), (-3.0, 3.0)), "**"),
    ("negative", np.negative, negative, (lambda y, x: -1.0,), operator.neg, (_R,), "-"),
    # --- powers and roots -------------------------------------------------------------------
    ("square",   np.square,   square, (lambda y, x: 2 * x,), lambda x: x**2, (_R,), ""),
    ("sqrt",     np.sqrt,     sqrt,   (lambda y, x: 0.5 / y,), "sqrt", ((0.1, 10.0),), ""),
    ("cbrt",     np.cbrt,     cbrt,   (lambda y, x: 1 / (3 * y * y),), "symfuncs.RealCbrt",
     (((-10.0, -0.1), (0.1, 10.0)),), ""),
    ("hypot",    np.hypot,    hypot,  (lambda y, a, b: a / y, lambda y, a, b: b / y),
     "cfunctions.hypot", ((0.1, 5.0), (-5.0, -0.1)), ""),
    # --- exponentials and logarithms --------------------------------------------------------
    ("exp",      np.exp,      exp,    (lambda y, x: y,),           "exp", (_R,), ""),
    ("exp2",     np.exp2,     exp2,   (lambda y, x: y * LN2,),     "cfunctions.exp2", (_R,), ""),
    ("expm1",    np.expm1,    expm1,  (lambda y, x: exp(x),),      "cfunctions.expm1", (_R,), ""),
    ("log",      np.log,      log,    (lambda y, x: 1 / x,),       "log", ((0.1, 10.0),), ""),
    ("log2",     np.log2,     log2,   (lambda y, x: 1 / (x * LN2),), "cfunctions.log2",
     ((0.1, 10.0),), ""),
    ("log10",    np.log10,    log10,  (lambda y, x: 1 / (x * LN10),), "cfunctions.log10",
     ((0.1, 10.0),), ""),
    ("log1p",    np.log1p,    log1p,  (lambda y, x: 1 / (1 + x),), "cfunctions.log1p",
     ((-0.9, 10.0),), ""),
    # --- trigonometric and hyperbolic -------------------------------------------------------
    ("sin",      np.sin,      sin,    (lambda y, x: cos(x),),      "sin", (_R,), ""),
    ("cos",      np.cos,      cos,    (lambda y, x: -sin(x),),     "cos", (_R,), ""),
    ("tan",      np.tan,      tan,    (lambda y, x: 1 + y * y,),   "tan", ((-1.4, 1.4),), ""),
    ("arcsin",   np.arcsin,   arcsin, (lambda y, x: 1 / sqrt((1 - x) * (1 + x)),),
     _stable_sympy("asin", lambda sp, x: 1 / sp.sqrt((1 - x) * (1 + x))), ((-0.95, 0.95),), ""),
    ("arccos",   np.arccos,   arccos, (lambda y, x: -1 / sqrt((1 - x) * (1 + x)),),
     _stable_sympy("acos", lambda sp, x: -1 / sp.sqrt((1 - x) * (1 + x))), ((-0.95, 0.95),), ""),
    ("arctan",   np.arctan,   arctan, (lambda y, x: 1 / (1 + x * x),), "atan", (_R,), ""),
    ("arctan2",  np.arctan2,  arctan2,
     (lambda y, a, b: b / hypot(a, b) / hypot(a, b),  # not b / (a*a + b*b): no overflow
      lambda y, a, b: -a / hypot(a, b) / hypot(a, b)),
     "atan2", ((0.1, 5.0), (0.1, 5.0)), ""),
    ("sinh",     np.sinh,     sinh,   (lambda y, x: cosh(x),),     "sinh", (_R,), ""),
    ("cosh",     np.cosh,     cosh,   (lambda y, x: sinh(x),),     "cosh", (_R,), ""),
    ("tanh",     np.tanh,     tanh,   (lambda y, x: square(1 / cosh(x)),),
     _stable_sympy("tanh", lambda sp, x: 1 / sp.cosh(x)**2), (_R,), ""),
    ("arcsinh",  np.arcsinh,  arcsinh, (lambda y, x: 1 / hypot(x, 1.0),),
     _stable_sympy("asinh", lambda sp, x: 1 / _sympy_hypot(x, 1)), (_R,), ""),
    ("arccosh",  np.arccosh,  arccosh, (lambda y, x: 1 / (sqrt(x - 1) * sqrt(x + 1)),), "acosh",
     ((1.1, 10.0),), ""),
    ("arctanh",  np.arctanh,  arctanh, (lambda y, x: 1 / ((1 - x) * (1 + x)),),
     _stable_sympy("atanh", lambda sp, x: 1 / ((1 - x) * (1 + x))), ((-0.95, 0.95),), ""),
    # --- piecewise: derivatives where smooth, and a stated convention at the kinks ----------
    # abs'(0) = sign(0) = 0; maximum/minimum split a tie evenly (1/2 each), as sympy's
    # Heaviside(0) = 1/2 does; sign' = 0 everywhere (its jump at 0 has no derivative).
    ("absolute", np.absolute, absolute, (lambda y, x: sign(x),), "symfuncs.RealAbs", (_OFF0,), ""),
    ("sign",     np.sign,     sign,   (lambda y, x: 0.0,),         "symfuncs.RealSign", (_OFF0,), ""),
    ("maximum",  np.maximum,  maximum, MAX_PARTIALS, "Max", (_OFF0, (-0.4, 0.4)), ""),
    ("minimum",  np.minimum,  minimum, MIN_PARTIALS, "Min", (_OFF0, (-0.4, 0.4)), ""),
]


def _is_whole(b):
    return np.isfinite(b) & (np.floor(b) == b)


_INF = math.inf
# The radius column: for each argument, the distance from the (real) operands to the nearest
# point where the operation stops being analytic in that argument -- a pole, a branch point or
# the edge of the real domain (negative outside it). Operations missing here are entire (exp,
# sin, +, *, ...) or piecewise with a stated convention (abs, sign, maximum, minimum).
RADIUS = {
    "divide":  (None, lambda a, b: np.abs(b)),                              # pole at b = 0
    "power":   (lambda a, b: np.where(_is_whole(b), np.where(b >= 0, _INF, np.abs(a)), a),
                # in b: analytic for a > 0; for a = 0, 0**b = 0 is analytic while Re b > 0
                lambda a, b: np.where(a > 0, _INF, np.where(a == 0, np.maximum(b, 0.0), -1.0))),
    "sqrt":    (lambda x: x,),
    "cbrt":    (lambda x: np.abs(x),),
    "hypot":   (lambda a, b: np.hypot(a, b),) * 2,
    "log":     (lambda x: x,),
    "log2":    (lambda x: x,),
    "log10":   (lambda x: x,),
    "log1p":   (lambda x: 1 + x,),
    "tan":     (lambda x: np.abs(np.cos(x)),),          # |cos x| <= the distance to a pole
    "arcsin":  (lambda x: 1 - np.abs(x),),
    "arccos":  (lambda x: 1 - np.abs(x),),
    "arctan":  (lambda x: np.hypot(x, 1.0),),            # branch points at +-i
    "arctan2": (lambda a, b: np.hypot(a, b),) * 2,
    "tanh":    (lambda x: np.hypot(x, math.pi / 2),),    # poles at +-i pi/2
    "arcsinh": (lambda x: np.hypot(x, 1.0),),
    "arccosh": (lambda x: x - 1,),
    "arctanh": (lambda x: 1 - np.abs(x),),
}

# The kink column: piecewise rows, where their derivative is a convention (see Kink). Rows of
# ops_more.py add theirs (floor, fmax, copysign, ...).
_TIE = "the derivative splits 1/2 to each operand"
KINKS = {
    "absolute": Kink(lambda x: x == 0, "x = 0", "a kink of abs", "sign(0) = 0", (0.0,)),
    "sign":     Kink(lambda x: x == 0, "x = 0", "the jump of sign",
                     "sign'(0) = 0, which is no slope at all", (0.0,)),
    "maximum":  Kink(lambda a, b: a == b, "a = b", "a tie of max", _TIE, (1.0, 1.0)),
    "minimum":  Kink(lambda a, b: a == b, "a = b", "a tie of min", _TIE, (1.0, 1.0)),
}

# numpy's other elementwise functions (rounding, remainders, logaddexp, ...): more rows of the
# same table, kept in their own module with their conventions (diffmethods/ops_more.py)
from . import ops_more  # noqa: E402

_ROWS += ops_more.ROWS
RADIUS.update(ops_more.RADIUS)
KINKS.update(ops_more.KINKS)

OPS: dict[str, Op] = {
    name: Op(name, ufunc, value, partials, sym, domain, symbol, RADIUS.get(name),
             getattr(value, "bare", value), ops_more.COMPLEX.get(name), KINKS.get(name))
    for name, ufunc, value, partials, sym, domain, symbol in _ROWS
}
"""Every elementary operation, by numpy name."""

BY_UFUNC: dict[np.ufunc, Op] = {op.ufunc: op for op in OPS.values()}
"""The same rows keyed by the numpy ufunc, for ``__array_ufunc__`` dispatch."""

from .interop import load_special_rows  # noqa: E402,F401  (scipy.special's rows, on first use)

# Python's operator protocol, mapped onto rows of the table.
BINARY_DUNDERS = {
    "add": OPS["add"], "sub": OPS["subtract"], "mul": OPS["multiply"],
    "truediv": OPS["divide"], "pow": OPS["power"],
}
UNARY_DUNDERS = {"neg": OPS["negative"], "abs": OPS["absolute"]}
