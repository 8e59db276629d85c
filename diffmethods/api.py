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

from typing import Any, Callable, Literal, overload

import numpy as np
from numpy.typing import NDArray

from .errors import DirectionError, OptionError, domain_warning_given
from .points import Problem
from .registry import check_options, get_method, methods
from .result import Result

DEFAULT_METHOD = "reverse"
# How the public API is typed (the package ships py.typed): f is any callable, a point any
# number, array or nested container of them, and a derivative a float64 array -- for a
# structured point the point's own containers of arrays, which the one type cannot say.
Function = Callable[..., Any]
Point = Any
Array = NDArray[np.float64]


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


def differentiate(f: Function, point: Point, method: str = DEFAULT_METHOD, *,
                  argnums: Any = None, **options: Any) -> Result:
    """Gradient of a scalar ``f`` at ``point`` with ``method``, plus what it cost.

    Returns a :class:`~diffmethods.result.Result` with ``value``, ``gradient`` (in the
    structure of the point; ``flat_gradient`` is one flat array), ``f_calls``, ``passes``,
    ``ops``, ``seconds`` and method ``details``. Options go to the method, e.g.
    ``scheme="forward", step=1e-6`` for ``method="finite"``.
    """
    # a method that keeps work between calls may answer a repeated call without a Problem
    # (the compiled method: the same f, its context unchanged); None means "ask me properly"
    quick = getattr(get_method(method), "quick_gradient", None)
    if quick is not None:
        result = quick(f, point, argnums, options)
        if result is not None:
            return result
    return _run("gradient", f, point, method, options, argnums=argnums)[0]


@overload
def gradient(f: Function, point: Point, method: str = ..., *, argnums: Any = ...,
             full_output: Literal[False] = ..., **options: Any) -> Array: ...
@overload
def gradient(f: Function, point: Point, method: str = ..., *, argnums: Any = ...,
             full_output: Literal[True], **options: Any) -> Result: ...
def gradient(f: Function, point: Point, method: str = DEFAULT_METHOD, *, argnums: Any = None,
             full_output: bool = False, **options: Any) -> Any:
    """Gradient of a scalar ``f`` at ``point`` (with ``full_output=True``, the whole
    :class:`~diffmethods.result.Result`, as :func:`differentiate` gives it).

    ``point`` is a tuple/list of f's arguments (``f(*point)``) or f's single argument (a
    number, an array of any shape, a dict). Each argument is a number, an array or a nested
    tuple/list/dict of them; ``argnums`` picks the ones to differentiate (default: all). A point
    of numbers only, a 1-D array or a number gives a flat float64 array, one entry per
    coordinate; otherwise the gradient has the structure and shapes of the differentiated
    arguments (a tuple of them, or the one argument's for ``argnums=k``). Integers and float32
    are read as float64.
    """
    result = differentiate(f, point, method, argnums=argnums, **options)
    return result if full_output else result.gradient


@overload
def jvp(f: Function, point: Point, direction: Any, method: str = ..., *, argnums: Any = ...,
        full_output: Literal[False] = ..., **options: Any) -> Array: ...
@overload
def jvp(f: Function, point: Point, direction: Any, method: str = ..., *, argnums: Any = ...,
        full_output: Literal[True], **options: Any) -> Result: ...
def jvp(f: Function, point: Point, direction: Any, method: str = "forward", *,
        argnums: Any = None, full_output: bool = False, **options: Any) -> Any:
    """Jacobian-vector product J(x) v (a directional derivative for scalar ``f``) in one pass
    of forward mode. ``direction`` has the structure of the point (or is n flat numbers); the
    result has the shape of f's output (one entry per output for a scalar or 1-D output)."""
    result, problem = _run("jvp", f, point, method, options, argnums=argnums,
                           checked=lambda p: _direction(p, direction))
    return result if full_output else _output_shaped(problem, result.derivative)


@overload
def vjp(f: Function, point: Point, cotangent: Any, method: str = ..., *, argnums: Any = ...,
        full_output: Literal[False] = ..., **options: Any) -> Array: ...
@overload
def vjp(f: Function, point: Point, cotangent: Any, method: str = ..., *, argnums: Any = ...,
        full_output: Literal[True], **options: Any) -> Result: ...
def vjp(f: Function, point: Point, cotangent: Any, method: str = "reverse", *,
        argnums: Any = None, full_output: bool = False, **options: Any) -> Any:
    """Vector-Jacobian product w^T J(x) in one forward and one backward sweep of reverse mode.
    ``cotangent`` has one number per output of f (its shape, or flat); the result has the
    structure of the gradient."""
    result, problem = _run("vjp", f, point, method, options, _cotangent(cotangent),
                           argnums=argnums)
    return result if full_output else result.gradient


@overload
def derivative(f: Function, x: float, method: str = ..., *, full_output: Literal[False] = ...,
               **options: Any) -> float: ...
@overload
def derivative(f: Function, x: float, method: str = ..., *, full_output: Literal[True],
               **options: Any) -> Result: ...
def derivative(f: Function, x: float, method: str = DEFAULT_METHOD, *,
               full_output: bool = False, **options: Any) -> Any:
    """f'(x) for f of one number: a float (``dm.gradient`` gives the same as an array)."""
    if isinstance(x, (tuple, list, dict)) or (isinstance(x, np.ndarray) and x.ndim > 0):
        raise OptionError("dm.derivative is for a function of one number; for several "
                          "variables use dm.gradient (or dm.jacobian for several outputs)")
    result = _run("gradient", f, x, method, options)[0]
    return result if full_output else float(result.derivative[0])


@overload
def jacobian(f: Function, point: Point, method: str = ..., *, argnums: Any = ...,
             full_output: Literal[False] = ..., **options: Any) -> Array: ...
@overload
def jacobian(f: Function, point: Point, method: str = ..., *, argnums: Any = ...,
             full_output: Literal[True], **options: Any) -> Result: ...
def jacobian(f: Function, point: Point, method: str = DEFAULT_METHOD, *, argnums: Any = None,
             full_output: bool = False, **options: Any) -> Any:
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


@overload
def hessian(f: Function, point: Point, method: str = ..., *, argnums: Any = ...,
            full_output: Literal[False] = ..., **options: Any) -> Array: ...
@overload
def hessian(f: Function, point: Point, method: str = ..., *, argnums: Any = ...,
            full_output: Literal[True], **options: Any) -> Result: ...
def hessian(f: Function, point: Point, method: str = DEFAULT_METHOD, *, argnums: Any = None,
            full_output: bool = False, **options: Any) -> Any:
    """The Hessian of a scalar ``f``: an (n, n) matrix for a point of numbers or a 1-D array,
    otherwise blocks of shape ``leaf_a.shape + leaf_b.shape`` nested in the point's structure
    (as ``jax.hessian``). Forward-over-reverse for ``"reverse"``, exact for ``"symbolic"``,
    second differences for ``"finite"``, hand-derived for ``"manual"``."""
    result, problem = _run("hessian", f, point, method, options, argnums=argnums)
    if full_output or problem.flat_results:
        return result if full_output else result.derivative
    return problem.structure.hessian(result.derivative)


@overload
def hvp(f: Function, point: Point, direction: Any, method: str = ..., *, argnums: Any = ...,
        full_output: Literal[False] = ..., **options: Any) -> Array: ...
@overload
def hvp(f: Function, point: Point, direction: Any, method: str = ..., *, argnums: Any = ...,
        full_output: Literal[True], **options: Any) -> Result: ...
def hvp(f: Function, point: Point, direction: Any, method: str = DEFAULT_METHOD, *,
        argnums: Any = None, full_output: bool = False, **options: Any) -> Any:
    """The Hessian-vector product H(x) v (one forward-over-reverse pass in reverse mode);
    ``direction`` and the result have the structure of the point."""
    result, problem = _run("hvp", f, point, method, options, argnums=argnums,
                           checked=lambda p: _direction(p, direction))
    return result if full_output else result.gradient
