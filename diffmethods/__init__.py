"""diffmethods: compute gradients in every way there is, and compare them.

>>> import diffmethods as dm
>>> f = lambda x1, x2, x3: 3 * (x1**2 + x2 * x3)
>>> [dm.gradient(f, (2, 3, 4), method=m).tolist() for m in ("forward", "reverse", "symbolic")]
[[12.0, 12.0, 9.0], [12.0, 12.0, 9.0], [12.0, 12.0, 9.0]]
"""

from typing import TYPE_CHECKING, Any, Callable

from . import methods as _methods  # noqa: F401  (registers the built-in methods)
from .api import derivative, differentiate, gradient, hessian, hvp, jacobian, jvp, vjp
from .transforms import grad, value_and_grad
from .checker import GradientCheck, check_gradient
from .errors import (BranchError, BudgetError, CostWarning, DiffMethodsError, DirectionError, DomainError,
                     DomainWarning,
                     ExpressionError, FunctionError, NoManualGradientError, OptionError,
                     OutputError, PointError, PrecisionWarning, UnknownMethodError, UnsupportedOperationError)
from .errors import NoiseWarning
from .methods.finite import register_scheme, schemes, unregister_scheme
from .noise import NoiseEstimate, estimate_noise, with_noise
from .methods.forward import Dual
from .methods.manual import manual
from .methods.tape import Tape, Var
from .methods.symbolic import SymbolicGradient, clear_cache as clear_symbolic_cache
from .methods.symbolic import symbolic_gradient
from .ops import OPS
from . import special  # logsumexp, softmax, log_softmax as scipy.special's, on traced values
from .declarations import Declaration, ErrorModel, Kind, Option, Variant
from .program import Program, compile  # noqa: A004  (dm.compile: the gradient as a program)
from .registry import declaration, methods, register_method, unregister_method
from .result import Result

__version__ = "0.1.0"


def component_names(f: Callable[..., Any], point: Any, argnums: Any = None) -> list[str]:
    """The names of the point's differentiated components, in the order of flat gradients:
    ``['W1[0, 0]', ..., 'b1[0]', ...]``, or f's parameter names for a point of numbers.

    >>> component_names(lambda x1, x2, x3: 0, (2, 3, 4))
    ['x1', 'x2', 'x3']
    """
    from .points import Problem
    return Problem(f, point, "", argnums).component_names()

# The harness (50-digit references: sympy and mpmath) and the teaching material (drawn with
# matplotlib) are imported on first use, so `import diffmethods` stays as light as the methods
# themselves -- a heavy import is not only slow, its objects also slow every full pass of the
# garbage collector, which the reverse-mode tape feels.
_LAZY = {"explain": "teaching", "Explanation": "teaching", "animate": "teaching",
         "compare": "harness",
         "compare_catalogue": "harness", "epsilon_sweep": "harness", "sweep_summary": "harness",
         "scaling": "harness", "reference_gradient": "harness"}


if TYPE_CHECKING:  # what the lazy names are, for type checkers (they import nothing at run time)
    from .harness import (compare, compare_catalogue, epsilon_sweep, reference_gradient,
                          scaling, sweep_summary)
    from .teaching import Explanation, animate, explain


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'diffmethods' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Every public name, the lazily loaded ones too (PEP 562), so dir() and completion in a
    notebook show dm.explain and dm.compare before their first use."""
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "gradient", "differentiate", "derivative", "jacobian", "hessian", "jvp", "vjp", "hvp",
    "compile", "Program", "grad", "value_and_grad", "component_names", "CostWarning",
    "DomainWarning", "DomainError",
    "PrecisionWarning", "NoiseWarning", "estimate_noise", "NoiseEstimate", "with_noise",
    "DirectionError",
    "manual", "check_gradient", "GradientCheck", "methods", "register_method", "declaration",
    "Declaration", "Kind", "Option", "ErrorModel", "Variant",
    "unregister_method", "symbolic_gradient", "SymbolicGradient", "clear_symbolic_cache",
    "register_scheme", "unregister_scheme", "schemes", "Result", "Dual", "Var", "Tape", "OPS",
    "DiffMethodsError", "UnknownMethodError", "OptionError", "PointError", "FunctionError",
    "OutputError",
    "NoManualGradientError", "UnsupportedOperationError", "BranchError", "BudgetError", "ExpressionError",
    "explain", "Explanation", "animate",
    "compare", "compare_catalogue", "epsilon_sweep", "sweep_summary", "scaling",
    "reference_gradient",
]
