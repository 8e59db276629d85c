"""diffmethods: compute gradients in every way there is, and compare them.

>>> import diffmethods as dm
>>> f = lambda x1, x2, x3: 3 * (x1**2 + x2 * x3)
>>> [dm.gradient(f, (2, 3, 4), method=m).tolist() for m in ("forward", "reverse", "symbolic")]
[[12.0, 12.0, 9.0], [12.0, 12.0, 9.0], [12.0, 12.0, 9.0]]
"""

from . import methods as _methods  # noqa: F401  (registers the built-in methods)
from .api import differentiate, gradient, jvp, vjp
from .errors import (BranchError, DiffMethodsError, ExpressionError, FunctionError,
                     NoManualGradientError, OptionError, PointError, UnknownMethodError,
                     UnsupportedOperationError)
from .methods.finite import register_scheme, schemes
from .methods.forward import Dual
from .methods.manual import manual
from .methods.reverse import Tape, Var
from .methods.symbolic import SymbolicGradient, clear_cache as clear_symbolic_cache
from .methods.symbolic import symbolic_gradient
from .ops import OPS
from .registry import methods, register_method, unregister_method
from .result import Result
from .harness import (compare, compare_catalogue, epsilon_sweep, reference_gradient, scaling,
                      sweep_summary)

__version__ = "0.1.0"

__all__ = [
    "gradient", "differentiate", "jvp", "vjp", "manual", "methods", "register_method",
    "unregister_method", "symbolic_gradient", "SymbolicGradient", "clear_symbolic_cache",
    "register_scheme", "schemes", "Result", "Dual", "Var", "Tape", "OPS",
    "DiffMethodsError", "UnknownMethodError", "OptionError", "PointError", "FunctionError",
    "NoManualGradientError", "UnsupportedOperationError", "BranchError", "ExpressionError",
    "compare", "compare_catalogue", "epsilon_sweep", "sweep_summary", "scaling",
    "reference_gradient",
]
