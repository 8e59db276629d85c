"""The public entry points: one call for every method.

>>> import diffmethods as dm
>>> f = lambda x1, x2, x3: 3 * (x1**2 + x2 * x3)
>>> dm.gradient(f, (2, 3, 4), method="reverse")
array([12., 12.,  9.])
>>> r = dm.differentiate(f, (2, 3, 4), method="finite")
>>> r.f_calls, r.passes
(7, 7)
"""

from __future__ import annotations

import numpy as np

from .errors import OptionError
from .points import Problem
from .registry import check_options, get_method, methods
from .result import Result

DEFAULT_METHOD = "reverse"


def _run(operator: str, f, point, method: str, options: dict, *args) -> Result:
    backend = get_method(method)
    fn = getattr(backend, operator, None)
    if fn is None:
        able = [m for m in methods() if hasattr(get_method(m), operator)]
        raise OptionError(f"method {method!r} does not provide {operator}; methods that do: "
                          f"{', '.join(able)}")
    check_options(method, fn, options)
    problem = Problem(f, point, method)
    return fn(problem, *args, **options)


def differentiate(f, point, method: str = DEFAULT_METHOD, **options) -> Result:
    """Gradient of a scalar ``f`` at ``point`` with ``method``, plus what it cost.

    Returns a :class:`~diffmethods.result.Result` with ``value``, ``gradient``, ``f_calls``,
    ``passes``, ``ops``, ``seconds`` and method ``details``. Options go to the method, e.g.
    ``scheme="forward", step=1e-6`` for ``method="finite"``.
    """
    return _run("gradient", f, point, method, options)


def gradient(f, point, method: str = DEFAULT_METHOD, **options) -> np.ndarray:
    """Gradient of a scalar ``f`` at ``point``: a float64 array, one entry per coordinate.

    ``point`` is a tuple/list (calls ``f(*point)``), a 1-D array (calls ``f(x)``) or a number.
    """
    return differentiate(f, point, method, **options).gradient


def jvp(f, point, direction, method: str = "forward", *, full_output: bool = False, **options):
    """Jacobian-vector product J(x) v (a directional derivative for scalar ``f``) in one pass
    of forward mode. Returns an array with one entry per output of ``f``."""
    result = _run("jvp", f, point, method, options, direction)
    return result if full_output else result.derivative


def vjp(f, point, cotangent, method: str = "reverse", *, full_output: bool = False, **options):
    """Vector-Jacobian product w^T J(x) in one forward and one backward sweep of reverse mode.
    Returns an array with one entry per coordinate of ``point``."""
    result = _run("vjp", f, point, method, options, cotangent)
    return result if full_output else result.derivative


def _operator(name: str, f, point, method: str, full_output: bool, options: dict, *args):
    result = _run(name, f, point, method, options, *args)
    return result if full_output else result.derivative


def derivative(f, x, method: str = DEFAULT_METHOD, *, full_output: bool = False, **options):
    """f'(x) for f of one number: a float (``dm.gradient`` gives the same as an array)."""
    if isinstance(x, (tuple, list)) or (isinstance(x, np.ndarray) and x.ndim > 0):
        raise OptionError("dm.derivative is for a function of one number; for several "
                          "variables use dm.gradient (or dm.jacobian for several outputs)")
    result = _run("gradient", f, x, method, options)
    return result if full_output else float(result.derivative[0])


def jacobian(f, point, method: str = DEFAULT_METHOD, *, full_output: bool = False, **options):
    """The Jacobian matrix (outputs x inputs) of a vector-valued ``f``, which returns a list or
    tuple of numbers or a 1-D array. Forward mode and finite differences pay per input,
    reverse mode per output."""
    return _operator("jacobian", f, point, method, full_output, options)


def hessian(f, point, method: str = DEFAULT_METHOD, *, full_output: bool = False, **options):
    """The Hessian matrix of a scalar ``f``: forward-over-reverse for ``"reverse"``, exact for
    ``"symbolic"``, second differences for ``"finite"``, hand-derived for ``"manual"``."""
    return _operator("hessian", f, point, method, full_output, options)


def hvp(f, point, direction, method: str = DEFAULT_METHOD, *, full_output: bool = False,
        **options):
    """The Hessian-vector product H(x) v (one forward-over-reverse pass in reverse mode)."""
    return _operator("hvp", f, point, method, full_output, options, direction)
