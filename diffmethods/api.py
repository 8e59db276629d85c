"""The public entry points: one call for every method, on points of any structure.

>>> import diffmethods as dm
>>> f = lambda x1, x2, x3: 3 * (x1**2 + x2 * x3)
>>> dm.gradient(f, (2, 3, 4), method="reverse")
array([12., 12.,  9.])
>>> r = dm.differentiate(f, (2, 3, 4), method="finite")
>>> r.f_calls, r.passes
(7, 7)

Matrices and several arguments: the gradient has their shapes (``argnums`` as in JAX).

>>> import numpy as np
>>> loss = lambda W, b, X: np.sum((X @ W.T + b) ** 2)
>>> gW, gb = dm.gradient(loss, (np.ones((2, 3)), np.zeros(2), np.eye(3)), argnums=(0, 1))
>>> gW.shape, gb.shape
((2, 3), (2,))
"""

from __future__ import annotations

import numpy as np

from .errors import DirectionError, OptionError, domain_warning_given
from .points import Problem
from .registry import check_options, get_method, methods
from .result import Result

DEFAULT_METHOD = "reverse"


def _run(operator: str, f, point, method: str, options: dict, *args,
         argnums=None, checked=None) -> tuple[Result, Problem]:
    """Run ``method``'s ``operator`` on a new Problem; ``checked(problem)`` may turn the
    user's direction into the flat numbers the method takes."""
    backend = get_method(method)
    fn = getattr(backend, operator, None)
    if fn is None:
        able = [m for m in methods() if hasattr(get_method(m), operator)]
        raise OptionError(f"method {method!r} does not provide {operator}; methods that do: "
                          f"{', '.join(able)}")
    check_options(method, fn, options)
    problem = Problem(f, point, method, argnums)
    if checked is not None:
        args = (checked(problem),) + args
    domain_warning_given(reset=True)
    with np.errstate(all="ignore"):  # an undefined point is reported once, by domain.py
        return fn(problem, *args, **options), problem


def _direction(problem: Problem, v, what: str = "the direction") -> np.ndarray:
    """A tangent direction with the structure of the point (or n flat numbers) as n float64
    numbers, or a clear error."""
    if problem.flat_results:
        arr = _real_numbers(v, what)
        if arr.size != problem.n:
            raise DirectionError(f"{what} has {arr.size} entries but the point has {problem.n} "
                                 f"coordinate{'s' if problem.n != 1 else ''}")
        return arr.reshape(-1)
    from .errors import PointError
    try:
        flat = problem.structure.flatten_like(v, what)
    except PointError as e:
        raise DirectionError(str(e)) from None
    return _real_numbers(flat, what).reshape(-1)


def _real_numbers(v, what: str) -> np.ndarray:
    try:
        arr = np.asarray(v)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.dtype.kind not in "iuf" or arr.dtype == bool:
        kind = "complex numbers" if arr is not None and arr.dtype.kind == "c" else (
            f"{type(v).__name__}" if arr is None or arr.dtype == object
            else f"dtype {arr.dtype}")
        raise DirectionError(f"{what} must be real numbers, got {kind}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise DirectionError(f"{what} must be finite (no NaN or infinity)")
    return arr


def _cotangent(v) -> np.ndarray:
    """A cotangent: real numbers, one per output of f (flattened; checked against the outputs
    by the method)."""
    return _real_numbers(v, "the cotangent").reshape(-1)


def _output_shaped(problem: Problem, flat: np.ndarray):
    """Values of f's outputs (flat) in f's output shape, for outputs with several axes or
    structured points; a 1-D array otherwise (as before structured points)."""
    shape = problem.output_shape
    if shape is None or len(shape) <= 1:
        return flat
    return np.asarray(flat).reshape(shape)


def differentiate(f, point, method: str = DEFAULT_METHOD, *, argnums=None, **options) -> Result:
    """Gradient of a scalar ``f`` at ``point`` with ``method``, plus what it cost.

    Returns a :class:`~diffmethods.result.Result` with ``value``, ``gradient`` (in the
    structure of the point; ``flat_gradient`` is one flat array), ``f_calls``, ``passes``,
    ``ops``, ``seconds`` and method ``details``. Options go to the method, e.g.
    ``scheme="forward", step=1e-6`` for ``method="finite"``.
    """
    return _run("gradient", f, point, method, options, argnums=argnums)[0]


def gradient(f, point, method: str = DEFAULT_METHOD, *, argnums=None, **options):
    """Gradient of a scalar ``f`` at ``point``.

    ``point`` is a tuple/list of f's arguments (``f(*point)``) or f's single argument (a
    number, an array of any shape, a dict). Each argument is a number, an array or a nested
    tuple/list/dict of them; ``argnums`` picks the ones to differentiate (default: all). A point
    of numbers only, a 1-D array or a number gives a flat float64 array, one entry per
    coordinate; otherwise the gradient has the structure and shapes of the differentiated
    arguments (a tuple of them, or the one argument's for ``argnums=k``). Integers and float32
    are read as float64.
    """
    return differentiate(f, point, method, argnums=argnums, **options).gradient


def jvp(f, point, direction, method: str = "forward", *, argnums=None,
        full_output: bool = False, **options):
    """Jacobian-vector product J(x) v (a directional derivative for scalar ``f``) in one pass
    of forward mode. ``direction`` has the structure of the point (or is n flat numbers); the
    result has the shape of f's output (one entry per output for a scalar or 1-D output)."""
    result, problem = _run("jvp", f, point, method, options, argnums=argnums,
                           checked=lambda p: _direction(p, direction))
    return result if full_output else _output_shaped(problem, result.derivative)


def vjp(f, point, cotangent, method: str = "reverse", *, argnums=None,
        full_output: bool = False, **options):
    """Vector-Jacobian product w^T J(x) in one forward and one backward sweep of reverse mode.
    ``cotangent`` has one number per output of f (its shape, or flat); the result has the
    structure of the gradient."""
    result, problem = _run("vjp", f, point, method, options, _cotangent(cotangent),
                           argnums=argnums)
    return result if full_output else result.gradient


def derivative(f, x, method: str = DEFAULT_METHOD, *, full_output: bool = False, **options):
    """f'(x) for f of one number: a float (``dm.gradient`` gives the same as an array)."""
    if isinstance(x, (tuple, list, dict)) or (isinstance(x, np.ndarray) and x.ndim > 0):
        raise OptionError("dm.derivative is for a function of one number; for several "
                          "variables use dm.gradient (or dm.jacobian for several outputs)")
    result = _run("gradient", f, x, method, options)[0]
    return result if full_output else float(result.derivative[0])


def jacobian(f, point, method: str = DEFAULT_METHOD, *, argnums=None,
             full_output: bool = False, **options):
    """The Jacobian of a vector-valued ``f`` (returning a list or tuple of numbers, or an array
    of any shape). For a point of numbers or a 1-D array and an output of at most one axis, the
    matrix (outputs x inputs); otherwise, per differentiated leaf, an array of shape
    ``output.shape + leaf.shape`` in the structure of the point (as ``jax.jacobian``). Forward
    mode and finite differences pay per input, reverse mode per output."""
    result, problem = _run("jacobian", f, point, method, options, argnums=argnums)
    if full_output:
        return result
    shape = problem.output_shape
    if shape is None:  # a method that did not read f's outputs (a plug-in): as it gave it
        return result.derivative
    if problem.flat_results:
        return result.derivative if len(shape) <= 1 else \
            result.derivative.reshape(shape + (problem.n,))
    return problem.structure.jacobian(result.derivative, shape)


def hessian(f, point, method: str = DEFAULT_METHOD, *, argnums=None,
            full_output: bool = False, **options):
    """The Hessian of a scalar ``f``: an (n, n) matrix for a point of numbers or a 1-D array,
    otherwise blocks of shape ``leaf_a.shape + leaf_b.shape`` nested in the point's structure
    (as ``jax.hessian``). Forward-over-reverse for ``"reverse"``, exact for ``"symbolic"``,
    second differences for ``"finite"``, hand-derived for ``"manual"``."""
    result, problem = _run("hessian", f, point, method, options, argnums=argnums)
    if full_output or problem.flat_results:
        return result if full_output else result.derivative
    return problem.structure.hessian(result.derivative)


def hvp(f, point, direction, method: str = DEFAULT_METHOD, *, argnums=None,
        full_output: bool = False, **options):
    """The Hessian-vector product H(x) v (one forward-over-reverse pass in reverse mode);
    ``direction`` and the result have the structure of the point."""
    result, problem = _run("hvp", f, point, method, options, argnums=argnums,
                           checked=lambda p: _direction(p, direction))
    return result if full_output else result.gradient
