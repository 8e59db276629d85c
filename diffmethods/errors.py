"""The exceptions diffmethods raises.

Every message says what was wrong and what to do about it. All of them derive from
:class:`DiffMethodsError`, and each also derives from the built-in exception a Python user
would expect (``ValueError`` for bad values, ``TypeError`` for unsupported types), so
``except ValueError`` keeps working.
"""


import os as _os
import sys as _sys
import threading as _threading
import warnings as _warnings

_PACKAGE = _os.path.dirname(_os.path.abspath(__file__))


_WARNED = _threading.local()  # per thread: has a DomainWarning been given in this operator?


def domain_warning_given(reset: bool = False) -> bool:
    """Whether a :class:`DomainWarning` was given since the last reset (each operator resets
    it), so the result-level policy does not repeat what a rule already said."""
    given = getattr(_WARNED, "domain", False)
    if reset:
        _WARNED.domain = False
    return given


def warn_user(warning: Warning) -> None:
    """Issue ``warning`` pointing at the user's line that called into diffmethods (not at
    whichever of our frames noticed the problem)."""
    if isinstance(warning, DomainWarning):
        _WARNED.domain = True
    frame, level = _sys._getframe(1), 2  # level 1 is this function
    while frame is not None and _os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    try:
        _warnings.warn(warning, stacklevel=level)
    except DomainWarning as raised:  # DomainWarnings made errors: the error of our own type
        raise DomainError(str(raised)) from None


class DiffMethodsError(Exception):
    """Base class of every error raised by diffmethods."""


class UnknownMethodError(DiffMethodsError, ValueError):
    """A method name that is not registered."""


class OptionError(DiffMethodsError, ValueError):
    """An option that the chosen method does not take, or a bad option value."""


class PointError(DiffMethodsError, ValueError):
    """The point is empty, non-numeric, not finite or of an unsupported shape."""


class FunctionError(DiffMethodsError, TypeError):
    """``f`` does not fit the point (wrong arity) or does not return a single real number."""


class OutputError(DiffMethodsError, OSError):
    """An output path that cannot be written, or that diffmethods may not write over."""


class DirectionError(OptionError, FunctionError):
    """A direction (jvp, hvp) or cotangent (vjp) that does not fit the point or f's output."""


class NoManualGradientError(DiffMethodsError, TypeError):
    """``method="manual"`` on a function without a hand-derived gradient."""


class UnsupportedOperationError(DiffMethodsError, TypeError):
    """``f`` applied an operation that the method cannot differentiate through."""


class BranchError(UnsupportedOperationError):
    """A data-dependent branch (a Python ``if`` on a value) under the symbolic method."""


class BudgetError(UnsupportedOperationError):
    """A derivation whose predicted cost is over its time budget: refused before it is built
    (from the sizes of the operands), or stopped once its measured pace predicts it.

    ``predicted_nodes`` is the size of the expression (scalar nodes, predicted before building
    them), ``budget`` the seconds it was allowed.

    >>> str(BudgetError(9_000_000, 10.0, "a product of two arrays")).split(";")[0]
    'the symbolic derivation would build about 9,000,000 scalar nodes (a product of two arrays)'
    """

    def __init__(self, predicted_nodes: int, budget: float, what: str = "",
                 measured: bool = False):
        self.predicted_nodes, self.budget = int(predicted_nodes), float(budget)
        if measured:
            text = (f"the symbolic derivation was stopped: {what} (its expression has "
                    f"{self.predicted_nodes:,} scalar nodes); that is far more than its budget "
                    f"of {self.budget:g} s")
        else:
            detail = f" ({what})" if what else ""
            text = (f"the symbolic derivation would build about {self.predicted_nodes:,} "
                    f"scalar nodes{detail}; that is more than its budget of {self.budget:g} s "
                    "allows, so it was refused before building it")
        super().__init__(f"{text}. Use method='reverse' (the same exact gradient, at a cost "
                         "proportional to f's), or allow more time with budget=<seconds>.")


class ExpressionError(DiffMethodsError, ValueError):
    """A text expression that the whitelist parser rejects."""


class CostWarning(UserWarning):
    """A computation is about to cost far more than an alternative would (e.g. forward mode
    making thousands of passes where reverse mode makes two)."""


class PrecisionWarning(UserWarning):
    """f computes in less than float64 precision (float32), so approximations that difference
    its values are far less accurate than usual."""


class NoiseWarning(UserWarning):
    """f's values are noisy (a simulation, an iterative solver, injected noise) and the
    finite-difference step used makes the derivative far less accurate than a step chosen for
    that noise would, or the noise could not be estimated."""


class DomainWarning(RuntimeWarning):
    """f is not defined at the point (its value is nan or infinite, or an operation was applied
    outside its domain): the derivative returned is nan, never a confident number."""


class DomainError(DiffMethodsError, ValueError):
    """f is undefined or not differentiable at the point, and DomainWarnings are errors
    (``warnings.simplefilter("error", DomainWarning)``): raised instead of returning nan."""
