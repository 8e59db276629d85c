"""The exceptions diffmethods raises.

Every message says what was wrong and what to do about it. All of them derive from
:class:`DiffMethodsError`, and each also derives from the built-in exception a Python user
would expect (``ValueError`` for bad values, ``TypeError`` for unsupported types), so
``except ValueError`` keeps working.
"""


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


class NoManualGradientError(DiffMethodsError, TypeError):
    """``method="manual"`` on a function without a hand-derived gradient."""


class UnsupportedOperationError(DiffMethodsError, TypeError):
    """``f`` applied an operation that the method cannot differentiate through."""


class BranchError(UnsupportedOperationError):
    """A data-dependent branch (a Python ``if`` on a value) under the symbolic method."""


class ExpressionError(DiffMethodsError, ValueError):
    """A text expression that the whitelist parser rejects."""


class DomainWarning(RuntimeWarning):
    """f is not defined at the point (its value is nan or infinite, or an operation was applied
    outside its domain): the derivative returned is nan, never a confident number."""


class DomainError(DiffMethodsError, ValueError):
    """f is undefined or not differentiable at the point, and DomainWarnings are errors
    (``warnings.simplefilter("error", DomainWarning)``): raised instead of returning nan."""
