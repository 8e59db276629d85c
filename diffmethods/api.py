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
from .registry import check_options, get_method
from .result import Result

DEFAULT_METHOD = "reverse"


def _run(operator: str, f, point, method: str, options: dict, *args) -> Result:
    backend = get_method(method)
    fn = getattr(backend, operator, None)
    if fn is None:
        raise OptionError(f"method {method!r} does not provide {operator}; "
                          f"use a method that does (e.g. 'forward' for jvp, 'reverse' for vjp)")
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
