"""Manual differentiation: the gradient a person derived by hand, attached to ``f``.

>>> import diffmethods as dm
>>> @dm.manual(lambda x1, x2, x3: (6 * x1, 3 * x3, 3 * x2))
... def f(x1, x2, x3):
...     return 3 * (x1**2 + x2 * x3)
>>> dm.gradient(f, (2, 3, 4), method="manual")
array([12., 12.,  9.])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..declarations import Declaration, Kind
from ..errors import FunctionError, NoManualGradientError, OptionError

MANUAL_ATTRIBUTE = "__diffmethods_manual__"


@dataclass(frozen=True)
class HandDerived:
    """Hand-derived derivatives of a function, called with the same convention as ``f``."""

    gradient: Callable
    hessian: Callable | None = None


def manual(gradient: Callable, *, hessian: Callable | None = None):
    """Decorator attaching a hand-derived gradient (and optionally Hessian) to ``f``.

    The gradient function takes the same arguments as ``f`` and returns one number per
    coordinate (a tuple, list or array; a number for a scalar point). ``f`` itself is returned
    unchanged, so it still works as a plain function.
    """
    if not callable(gradient):
        raise OptionError("dm.manual(gradient) needs a callable: the hand-derived gradient, "
                          "taking the same arguments as f")
    if hessian is not None and not callable(hessian):
        raise OptionError("dm.manual(..., hessian=) needs a callable")

    def attach(f):
        try:
            setattr(f, MANUAL_ATTRIBUTE, HandDerived(gradient, hessian))
        except (AttributeError, TypeError):
            raise OptionError(
                f"cannot attach a hand-derived gradient to {getattr(f, '__name__', f)!r} (a "
                "built-in or an object that takes no attributes); wrap it in a function of "
                "your own: def f(x): return abs(x)") from None
        return f
    return attach


def hand_derived(f) -> HandDerived:
    """The derivatives attached with :func:`manual`, or a clear error if there are none."""
    hand = getattr(f, MANUAL_ATTRIBUTE, None)
    if hand is None:
        name = getattr(f, "__name__", "f")
        raise NoManualGradientError(
            f"{name} has no hand-derived gradient, so method='manual' cannot be used. Attach one "
            f"with @dm.manual(grad) above its definition, or choose another method.")
    return hand


def call_like(problem, fn, x):
    """Call a hand-derived function with f's arguments at the coordinates x (fresh copies)."""
    return fn(*problem.arguments(problem.structure.split(np.array(x, dtype=float))))


def _flat(problem, values, what: str, leading: tuple = ()) -> np.ndarray:
    """What a hand-derived function returned, as flat numbers: in the structure of the
    differentiated arguments (each leaf with ``leading`` axes first), or flat numbers."""
    from ..errors import PointError
    if problem.flat_results:
        return np.asarray(values, dtype=float)
    try:
        return problem.structure.flatten_like(values, what, leading)
    except PointError as e:
        raise FunctionError(str(e)) from None


class ManualMethod:
    name = "manual"
    summary = "a gradient derived by hand and attached with @dm.manual"
    exact = True
    declaration = Declaration(kind=Kind.HAND_RULE, exact=True, needs_hand_gradient=True,
                              builds_from_f=False)

    def gradient(self, problem):
        hand = hand_derived(problem.f)
        value = problem.scalar_output(problem(problem.inputs(problem.x)))
        g = _flat(problem, call_like(problem, hand.gradient, problem.x),
                  "the hand-derived gradient").reshape(-1)
        if g.size != problem.n:
            raise FunctionError(f"the hand-derived gradient returned {g.size} entries for a point "
                                f"with {problem.n} coordinates")
        return problem.result(value, g, passes=2, ops=None)

    def jacobian(self, problem):
        """The hand-derived Jacobian of a vector-valued f (attached with @dm.manual)."""
        from ..vectors import vector_output
        hand = hand_derived(problem.f)
        value = np.array(vector_output(problem(problem.inputs(problem.x)), None, problem))
        J = _flat(problem, call_like(problem, hand.gradient, problem.x),
                  "the hand-derived Jacobian", getattr(problem, "output_shape", (len(value),)))
        J = J.reshape(len(value), -1) if J.size == len(value) * problem.n else J
        if J.shape != (len(value), problem.n):
            raise FunctionError(f"the hand-derived Jacobian has shape {J.shape}; f has "
                                f"{len(value)} outputs and {problem.n} inputs")
        return problem.result(value, J, passes=2, ops=None)

    def hessian(self, problem):
        """The hand-derived Hessian, attached with @dm.manual(grad, hessian=...)."""
        hand = hand_derived(problem.f)
        if hand.hessian is None:
            raise NoManualGradientError(
                f"{getattr(problem.f, '__name__', 'f')} has a hand-derived gradient but no "
                "Hessian: attach one with @dm.manual(grad, hessian=hess)")
        value = problem.scalar_output(problem(problem.inputs(problem.x)))
        H = call_like(problem, hand.hessian, problem.x)
        if not problem.flat_results:
            H = problem.structure.flatten_hessian(H, "the hand-derived Hessian")
        H = np.asarray(H, dtype=float)
        if H.shape != (problem.n, problem.n):
            raise FunctionError(f"the hand-derived Hessian has shape {H.shape}, not "
                                f"{(problem.n, problem.n)}")
        return problem.result(value, H, passes=2, ops=None)

    def hvp(self, problem, direction):
        r = self.hessian(problem)
        return problem.result(r.value, r.derivative @ direction, passes=2, ops=None)
