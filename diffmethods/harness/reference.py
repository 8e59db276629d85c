"""The exact reference: the symbolic derivative evaluated with mpmath at 50 significant digits.

Every method is scored against something better than float64. The symbolic method already turns
``f`` into a sympy expression and differentiates it (:func:`diffmethods.symbolic_gradient`);
here that expression is evaluated *node by node* in mpmath arithmetic, at the requested number
of digits plus guard digits. The table :data:`MPMATH_FUNCTIONS` says how each sympy function is
computed in mpmath, including the custom real functions of :mod:`diffmethods.symfuncs`
(``RealAbs``, ``RealSign``, ``RealCbrt``), the one-node maximum and minimum of
:mod:`diffmethods.symmax` (with its tie convention), the table's own functions (each carries
its ``mpmath_rule``: floor, logaddexp, sinc, erf, gammaln, ...) and the
``sympy.codegen.cfunctions`` (``log1p``,
``expm1``, ``exp2``, ``log2``, ``log10``, ``hypot``), which mpmath computes to full precision
(``log1p`` is not rewritten as ``log(1 + x)``, which would lose digits for small x).

The number of correct digits is *checked*, not assumed: the expression is evaluated a second
time with many more digits, and :attr:`Reference.verified_digits` says to how many significant
digits the two agree.

The constants inside ``f`` are the float64 numbers Python stored (``1.05`` is really
1.0500000000000000444...), and the point's coordinates are taken exactly as float64 too, so the
reference is the derivative of exactly the function the float64 methods differentiate.

Some functions have no such reference: a Python ``if`` on a value cannot be traced into one
expression (``BranchError``), and a function may be undefined or complex at the point. Then
:class:`Reference` is *unavailable* and says why; nothing is made up in its place.

**The work is bounded.** mpmath numbers can grow without limit: 3**3**3**3**3 has about
10^12 digits in its exponent (a MemoryError), and sin(exp(exp(20))) would reduce an argument
of 10^(2.1e8) modulo pi (a hang). Every value, and before it is computed every power and
exponential, must stay within 2**16384 (about 10^4932) in magnitude (:data:`MAX_BITS`); the
evaluation stops after ``budget`` seconds (:data:`BUDGET`); ``digits`` is at most
:data:`MAX_DIGITS`. Beyond that the reference is unavailable, with the reason.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy

from ..errors import BranchError, DiffMethodsError, OptionError
from ..methods.symbolic import symbolic_gradient
from ..points import parse_point

DIGITS = 50          # significant digits of the reference
GUARD_DIGITS = 10    # extra working digits, so rounding inside the expression stays invisible
CHECK_DIGITS = 40    # the check evaluation uses this many more digits still
MAX_DIGITS = 1000    # digits= beyond this is refused (the cost grows with the square)
MAX_BITS = 2**14     # |value| < 2**MAX_BITS (about 10^4932) for every node, or unavailable
BUDGET = 10.0        # seconds for evaluating the value and gradient (twice), or unavailable


class NotEvaluable(Exception):
    """An expression that has no real value at the point, or a node without an mpmath rule."""


def _heaviside(x, h0=mpmath.mpf(1) / 2):
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else h0


def _real_cbrt(x):
    return mpmath.sign(x) * mpmath.cbrt(abs(x))


def _dirac_delta(x, *order):
    if x == 0:
        raise NotEvaluable("DiracDelta at its singular point")
    return mpmath.mpf(0)


# sympy function (by class name) -> mpmath function of the evaluated arguments
MPMATH_FUNCTIONS = {
    "exp": mpmath.exp, "log": mpmath.log, "sin": mpmath.sin, "cos": mpmath.cos,
    "tan": mpmath.tan, "asin": mpmath.asin, "acos": mpmath.acos, "atan": mpmath.atan,
    "atan2": mpmath.atan2, "sinh": mpmath.sinh, "cosh": mpmath.cosh, "tanh": mpmath.tanh,
    "asinh": mpmath.asinh, "acosh": mpmath.acosh, "atanh": mpmath.atanh,
    "Abs": abs, "sign": mpmath.sign, "Max": max, "Min": min,
    "Heaviside": _heaviside, "DiracDelta": _dirac_delta,
    # diffmethods.symfuncs: functions that know their argument is real
    "RealAbs": abs, "RealSign": mpmath.sign, "RealCbrt": _real_cbrt,
    # sympy.codegen.cfunctions: computed directly, to full precision
    "log1p": mpmath.log1p, "expm1": mpmath.expm1, "exp2": lambda x: mpmath.power(2, x),
    "log2": lambda x: mpmath.log(x, 2), "log10": mpmath.log10, "hypot": mpmath.hypot,
    # diffmethods.symmax: np.max / np.min of many elements as one node (TieShare: _tie_share)
    "ArrayMax": lambda *v: max(v), "ArrayMin": lambda *v: min(v),
}
# The table's own sympy functions (floor, logaddexp, erf, gammaln, ... of diffmethods.ops_more
# and diffmethods.ops_special) carry their mpmath rule as the class attribute ``mpmath_rule``.


def _tie_share(element, ties, arg):
    """TieShare(e, Ties(x...)): 1/count where e equals the max (min) of the x, else 0 -- the
    tie convention of every method, decided here on the 50-digit values (elements equal in
    float64 but not in exact arithmetic are not a tie of the exact function)."""
    values = [arg(a) for a in ties.args]
    extreme = max(values) if ties.python == "max" else min(values)
    count = sum(1 for v in values if v == extreme)
    return mpmath.mpf(1) / count if arg(element) == extreme else mpmath.mpf(0)

_RELATIONS = {
    "StrictLessThan": lambda a, b: a < b, "LessThan": lambda a, b: a <= b,
    "StrictGreaterThan": lambda a, b: a > b, "GreaterThan": lambda a, b: a >= b,
    "Equality": lambda a, b: a == b, "Unequality": lambda a, b: a != b,
}


def evaluate(expr, values: dict, cache: dict | None = None, deadline: float | None = None):
    """The value of the sympy expression ``expr`` in mpmath arithmetic at the current working
    precision (use ``mpmath.workdps``). ``values`` maps each symbol to an mpmath number.

    Shared subexpressions are evaluated once (``cache``). Raises :class:`NotEvaluable` where
    the value is not a finite real number, for a node without a rule, for a value beyond
    2**MAX_BITS in magnitude, and once ``time.monotonic()`` passes ``deadline``.
    """
    cache = {} if cache is None else cache
    if expr in cache:
        return cache[expr]
    if deadline is not None and time.monotonic() >= deadline:
        raise NotEvaluable(f"the evaluation took longer than its budget (at {_short(expr)})")
    out = _node(expr, values, cache, deadline)
    if isinstance(out, mpmath.mpc):
        if out.imag != 0:
            raise NotEvaluable(f"{_short(expr)} is not real at this point")
        out = out.real
    if not isinstance(out, bool):
        if not mpmath.isfinite(out):
            raise NotEvaluable(f"{_short(expr)} is not finite at this point")
        if out and abs(mpmath.mag(out)) > MAX_BITS:
            raise NotEvaluable(_out_of_range(expr, mpmath.mag(out)))
    cache[expr] = out
    return out


def _short(expr, width: int = 60) -> str:
    text = str(expr)
    return text if len(text) <= width else text[:width - 3] + "..."


def _out_of_range(expr, bits) -> str:
    return (f"{_short(expr)} is about 10^{int(bits * math.log10(2)):d}, beyond the reference's "
            f"range of 10^±{int(MAX_BITS * math.log10(2))}")


# growth of the functions that can leave the range: log2 |f(a)| for an argument a
_GROWTH = {"exp": lambda a: a / mpmath.ln(2), "expm1": lambda a: a / mpmath.ln(2),
           "exp2": lambda a: a, "sinh": lambda a: abs(a) / mpmath.ln(2),
           "cosh": lambda a: abs(a) / mpmath.ln(2)}


def _check_range(expr, log2_size) -> None:
    """Refuse before computing a value whose magnitude would be 2**log2_size."""
    if abs(log2_size) > MAX_BITS:
        raise NotEvaluable(_out_of_range(expr, log2_size))


def _node(expr, values, cache, deadline=None):
    def arg(e):
        return evaluate(e, values, cache, deadline)

    if expr.is_Symbol:
        if expr not in values:
            raise NotEvaluable(f"no value for the symbol {expr}")
        return values[expr]
    if expr.is_Rational:  # Integer and Rational: exact
        return mpmath.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Float:  # a float64 constant of f: exact as a binary fraction
        exact = sympy.Rational(expr)
        return mpmath.mpf(int(exact.p)) / int(exact.q)
    if expr is sympy.pi:
        return +mpmath.pi
    if expr is sympy.E:
        return +mpmath.e
    if expr is sympy.true or expr is sympy.false:
        return bool(expr)
    name = type(expr).__name__
    try:
        if expr.is_Add:
            return mpmath.fsum(arg(a) for a in expr.args)
        if expr.is_Mul:
            return mpmath.fprod(arg(a) for a in expr.args)
        if expr.is_Pow:
            base, exponent = arg(expr.args[0]), arg(expr.args[1])
            if base != 0 and exponent != 0:
                with mpmath.workdps(15):  # the size only: a few digits are plenty
                    _check_range(expr, exponent * mpmath.log(abs(base), 2))
            return mpmath.power(base, exponent)
        if name == "Piecewise":
            for piece, condition in expr.args:
                if arg(condition):
                    return arg(piece)
            raise NotEvaluable(f"no branch of {expr} applies at this point")
        if name in _RELATIONS:
            return _RELATIONS[name](arg(expr.args[0]), arg(expr.args[1]))
        if name in ("And", "Or", "Not"):
            parts = [arg(a) for a in expr.args]
            return all(parts) if name == "And" else any(parts) if name == "Or" else not parts[0]
        if name == "TieShare":
            return _tie_share(*expr.args, arg)
        rule = MPMATH_FUNCTIONS.get(name) or getattr(type(expr), "mpmath_rule", None)
        if rule is None:
            raise NotEvaluable(f"no mpmath rule for the sympy function {name}")
        args = [arg(a) for a in expr.args]
        if name in _GROWTH:
            _check_range(expr, _GROWTH[name](args[0]))
        return rule(*args)
    except (ZeroDivisionError, ValueError, OverflowError) as e:
        raise NotEvaluable(f"{_short(expr)} cannot be evaluated at this point ({e})") from None
    except MemoryError:  # a last resort: the range checks above should come first
        raise NotEvaluable(f"{_short(expr)} needs more memory than there is") from None


@dataclass(frozen=True)
class Reference:
    """A gradient to many digits, or the reason there is none.

    ``value`` and ``gradient`` are mpmath numbers (``None`` when unavailable); ``digits`` is the
    requested number of significant digits, ``verified_digits`` how many agree with an
    evaluation at ``digits + GUARD_DIGITS + CHECK_DIGITS`` working digits (capped at
    ``digits``); ``reason`` says why a reference is unavailable.
    """

    digits: int
    value: object = None
    gradient: tuple | None = None
    verified_digits: float | None = None
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.gradient is not None

    def describe(self) -> str:
        """One phrase for tables: '50 digits' or 'unavailable: why'."""
        return reference_text(self.as_data())

    def as_data(self) -> dict:
        """What this reference is, as data for rows: ``kind`` ("mpmath": the symbolic gradient
        evaluated in mpmath, or "unavailable"),
        ``digits``, ``verified_digits``, ``reason``; :func:`reference_text` prints it."""
        return {"kind": MPMATH if self.available else UNAVAILABLE, "digits": self.digits,
                "verified_digits": self.verified_digits, "reason": self.reason,
                "method": None}

    def as_floats(self) -> np.ndarray:
        """The reference gradient rounded to float64."""
        return np.array([float(g) for g in self.gradient])

    def errors(self, gradient) -> tuple[float, float]:
        """(max absolute error, max relative error) of a float64 ``gradient``:
        max_i |g_i - r_i| and that divided by max_i |r_i| (a norm-wise relative error, defined
        even where a component of the reference is zero). Computed in mpmath, then rounded."""
        g = np.asarray(gradient, dtype=float).reshape(-1)
        if not np.all(np.isfinite(g)):
            return float("nan"), float("nan")
        with mpmath.workdps(self.digits + GUARD_DIGITS):
            diffs = [abs(mpmath.mpf(float(gi)) - ri) for gi, ri in zip(g, self.gradient)]
            worst = max(diffs)
            scale = max(abs(r) for r in self.gradient)
            rel = worst / scale if scale != 0 else (mpmath.mpf(0) if worst == 0 else mpmath.inf)
            return float(worst), float(rel)


MPMATH, FLOAT64, UNAVAILABLE = "mpmath", "float64 method", "unavailable"


def reference_text(data: dict) -> str:
    """The phrase a table shows for a reference's data (:meth:`Reference.as_data`).

    >>> reference_text({"kind": "unavailable", "reason": "f is complex there"})
    'unavailable: f is complex there'
    """
    if data["kind"] == UNAVAILABLE:
        return f"unavailable: {data['reason']}"
    if data["kind"] == FLOAT64:
        return (f"{data['method']} in float64 (no {data['digits']}-digit reference: "
                f"{data['reason']})")
    if data["kind"] == "agreement":
        return (f"{data['method']} agreeing to {data['digits']:g} digits (no 50-digit "
                f"reference: {data['reason']})")
    if data["kind"] == "given":
        return "the reference you gave"
    if data["kind"] == "none":
        return f"no reference: {data['reason']}"
    if data["verified_digits"] is None:
        return f"{data['digits']} digits"
    return f"{data['digits']} digits (verified {data['verified_digits']:.0f})"


def unavailable_reason(error: Exception) -> str:
    """A short reason for a table, from the error that prevented the reference."""
    if isinstance(error, BranchError):
        return ("f contains a Python `if` on a value, which cannot be traced into one symbolic "
                "expression")
    return str(error).splitlines()[0].rstrip(".")


def check_digits(digits) -> int:
    """``digits`` as an int from 1 to MAX_DIGITS, or an :class:`OptionError` saying so."""
    if not isinstance(digits, (int, np.integer)) or isinstance(digits, bool) \
            or not 1 <= digits <= MAX_DIGITS:
        raise OptionError(f"digits must be a whole number from 1 to {MAX_DIGITS}, "
                          f"got {digits!r}")
    return int(digits)


def reference_gradient(f, point, digits: int = DIGITS, budget: float = BUDGET) -> Reference:
    """The gradient of ``f`` at ``point`` to ``digits`` significant digits, via the symbolic
    expression evaluated in mpmath, or an unavailable :class:`Reference` saying why (also when
    a value leaves the range 10^±4932 or the evaluation takes longer than ``budget`` s).

    >>> ref = reference_gradient(lambda x: x**3, 2.0)
    >>> ref.gradient[0], ref.verified_digits
    (mpf('12.0'), 50.0)
    """
    digits = check_digits(digits)
    if not isinstance(budget, (int, float)) or not budget >= 0:
        raise OptionError(f"budget must be a number of seconds >= 0, got {budget!r}")
    try:
        derived = symbolic_gradient(f, point)
    except DiffMethodsError as e:
        return Reference(digits, reason=unavailable_reason(e))
    except (RecursionError, MemoryError):
        return Reference(digits, reason="the symbolic expression is too large to derive")
    coordinates = parse_point(point)[1]
    deadline = time.monotonic() + budget
    results = []
    for extra in (GUARD_DIGITS, GUARD_DIGITS + CHECK_DIGITS):
        with mpmath.workdps(digits + extra):
            values = {s: mpmath.mpf(float(v)) for s, v in zip(derived.symbols, coordinates)}
            cache: dict = {}
            try:
                value = evaluate(derived.expression, values, cache, deadline)
                grad = tuple(evaluate(g, values, cache, deadline) for g in derived.gradient)
            except NotEvaluable as e:
                return Reference(digits, reason=str(e))
            except RecursionError:
                return Reference(digits, reason="the expression is nested too deeply to evaluate")
            results.append((value, grad))
    (value, grad), (_, check) = results
    return Reference(digits, value, grad, _agreeing_digits(grad, check, digits))


def _agreeing_digits(a, b, cap: int) -> float:
    """Significant digits to which two tuples of numbers agree (at most ``cap``)."""
    worst = float(cap)
    with mpmath.workdps(cap + GUARD_DIGITS + CHECK_DIGITS):
        for x, y in zip(a, b):
            if x == y:
                continue
            scale = max(abs(x), abs(y))
            worst = min(worst, -float(mpmath.log10(abs(x - y) / scale)))
    return math.floor(worst * 10) / 10


def derivatives_along(f, point, coordinate: int, orders, digits: int = DIGITS) -> dict:
    """{k: d^k f / dx_i^k at the point} for each k in ``orders`` (k = 0 is f itself), as mpmath
    numbers, for the error model of the epsilon sweep. Raises :class:`NotEvaluable` or a
    ``DiffMethodsError`` when the expression cannot be built or evaluated."""
    derived = symbolic_gradient(f, point)
    coordinates = parse_point(point)[1]
    symbol = derived.symbols[coordinate]
    out, expr, done = {}, derived.expression, 0
    deadline = time.monotonic() + BUDGET
    with mpmath.workdps(check_digits(digits) + GUARD_DIGITS):
        values = {s: mpmath.mpf(float(v)) for s, v in zip(derived.symbols, coordinates)}
        cache: dict = {}
        for k in sorted(orders):
            while done < k:
                expr = sympy.diff(expr, symbol)
                done += 1
            out[k] = evaluate(expr, values, cache, deadline)
    return out
