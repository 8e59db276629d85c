"""Which reference a comparison scores against, chosen by what it would cost.

The 50-digit reference (:mod:`.reference`) derives f symbolically and evaluates the result node
by node in mpmath: its cost grows with the number of *scalar* operations in f, which a data
matrix multiplies (``X @ w`` with X 1000×20 is 20,000 products). So before it starts, its time
is predicted from one cheap reverse-mode recording (:func:`scalar_size`: the operations the
array primitives stand for, counted from their operand shapes) and, above the budget, the
comparison takes the cheapest reference it can trust instead:

* ``"mpmath"``     the 50-digit symbolic reference (when it fits the budget);
* ``"agreement"``  two exact methods that accumulate derivatives in opposite directions
                   (forward and reverse mode: independent code paths) agree to k digits; the
                   errors are scored against their mean, and k says how far that is trusted;
* ``"given"``      the user's own (``reference=array``);
* ``"none"``       no reference (``reference=False``): no error columns.

Every kind travels as data (``as_data()``) and :func:`~.reference.reference_text` prints it.

>>> import numpy as np
>>> scalar_size(lambda x: np.sum(np.ones((1000, 20)) @ x), np.zeros(20))
21000
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import registry
from ..declarations import Accumulation, Kind
from ..errors import DiffMethodsError, OptionError
from .reference import DIGITS, reference_gradient

SECONDS_PER_SCALAR_OP = 5e-3   # measured: sympy derivation + two mpmath passes, per scalar op
CONTRACTIONS = ("np.einsum", "matmul")
AGREEMENT, GIVEN, NONE = "agreement", "given", "none"
MIN_AGREEMENT_DIGITS = 8  # exact methods share ~15; fewer means one of them is wrong here


def scalar_size(f, point) -> int | None:
    """The scalar operations one evaluation of f stands for, from one reverse-mode recording:
    an elementwise step costs its largest operand, a contraction sqrt(|A| |B| |out|) (m k n for
    a matrix product), a linear-algebra routine |A|^1.5. ``None`` if f cannot be recorded."""
    from ..methods.reverse import _record
    from ..methods.tape import Tape
    from ..points import Problem
    tape = Tape(trace=True)
    try:
        with np.errstate(all="ignore"):
            _record(Problem(f, point, "reference cost"), tape)
    except (DiffMethodsError, TypeError, ValueError, ArithmeticError):
        return None
    total = 0
    for _, op, args, value, _ in tape.trace:
        sizes = sorted(int(np.size(a)) for a in args if hasattr(a, "shape")) or [1]
        out = int(np.size(value))
        if op in CONTRACTIONS and len(sizes) >= 2:
            total += int(math.sqrt(sizes[-1] * sizes[-2] * max(out, 1)))
        elif op.startswith("np.linalg"):
            total += int(sizes[-1] ** 1.5)
        else:
            total += max(sizes[-1], out)
    return total


def predicted_reference_seconds(f, point) -> float | None:
    """The predicted time of the 50-digit reference, or None when it cannot be told."""
    size = scalar_size(f, point)
    return None if size is None else size * SECONDS_PER_SCALAR_OP


@dataclass(frozen=True)
class FloatReference:
    """A reference gradient in float64 with what it is (an agreement of methods, or given)."""

    gradient: np.ndarray
    kind: str
    digits: float | None = None       # agreement: the digits the methods share
    methods: tuple = ()
    reason: str | None = None         # why the 50-digit reference was not used

    available = True

    def as_floats(self) -> np.ndarray:
        return self.gradient

    def errors(self, gradient) -> tuple[float, float]:
        g = np.asarray(gradient, dtype=float).reshape(-1)
        if not np.all(np.isfinite(g)):
            return float("nan"), float("nan")
        worst = float(np.max(np.abs(g - self.gradient))) if g.size else 0.0
        scale = float(np.max(np.abs(self.gradient))) if g.size else 0.0
        return worst, (worst / scale if scale else (0.0 if worst == 0 else math.inf))

    def as_data(self) -> dict:
        return {"kind": self.kind, "digits": self.digits, "verified_digits": None,
                "reason": self.reason, "method": " and ".join(self.methods) or None}


@dataclass(frozen=True)
class NoReference:
    """``reference=False``: nothing to score against, on purpose."""

    reason: str = "none asked for (reference=False)"
    available = False

    def as_data(self) -> dict:
        return {"kind": NONE, "digits": None, "verified_digits": None, "reason": self.reason,
                "method": None}


def given_reference(reference, problem) -> FloatReference:
    """The user's own reference gradient: n numbers, or the point's structure."""
    try:
        flat = problem.structure.flatten_like(reference, "reference") \
            if not problem.flat_results else \
            np.asarray(reference, dtype=float).reshape(-1)
    except (DiffMethodsError, TypeError, ValueError):
        flat = None
    if flat is None or np.size(flat) != problem.n or not np.all(np.isfinite(flat)):
        raise OptionError(f"reference must be False, a Reference, or {problem.n} finite numbers "
                          f"(one per coordinate, or in the point's shapes); got {reference!r:.80}")
    return FloatReference(np.asarray(flat, dtype=float).reshape(-1), GIVEN)


def agreement_reference(rows, why: str) -> FloatReference | NoReference:
    """The mean of two exact methods' gradients from ``rows`` that accumulate in opposite
    directions, with the digits they agree to; without such a pair, no reference."""
    def exact_rows(direction):
        for r in rows:
            d = registry.declaration(r["method"])
            if r["gradient"] is not None and d.exact and d.kind is Kind.TRACER and \
                    d.accumulation is direction and np.all(np.isfinite(r["gradient"])):
                return r
        return None
    fwd, rev = exact_rows(Accumulation.FORWARD), exact_rows(Accumulation.REVERSE)
    if fwd is None or rev is None:
        return NoReference(f"{why}, and no forward- and reverse-accumulating pair of exact "
                           "methods ran to stand in for it")
    a, b = np.asarray(fwd["gradient"]), np.asarray(rev["gradient"])
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    gap = float(np.max(np.abs(a - b))) / scale
    digits = 16.0 if gap == 0 else round(min(16.0, -math.log10(gap)), 1)
    if digits < MIN_AGREEMENT_DIGITS:  # two exact methods that disagree: neither is a reference
        return NoReference(f"{why}, and {fwd['method']} and {rev['method']} agree to only "
                           f"{digits:g} digits, too few to score against")
    return FloatReference((a + b) / 2, AGREEMENT, digits, (fwd["method"], rev["method"]), why)


def choose_reference(f, point, budget: float, digits: int = DIGITS):
    """(reference or None, fallback reason): the 50-digit one when it fits ``budget`` seconds
    (None means "decide after the methods ran", with the reason to give then)."""
    seconds = predicted_reference_seconds(f, point)
    if seconds is not None and seconds > budget:
        return None, (f"the {digits}-digit reference would take about {seconds:.0f} s "
                      f"(> budget {budget:g} s)")
    return reference_gradient(f, point, digits, budget=budget), None
