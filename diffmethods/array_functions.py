"""The numpy functions that work on traced values, built from the linear primitives.

``np.sum(x)`` on a traced ``x`` reaches ``Traced.__array_function__``, which looks the function
up in :data:`HANDLED`. Most entries apply one primitive of :mod:`diffmethods.array_ops`; the
others are *composites* -- ``np.mean`` is a sum divided by the count, ``np.prod`` reduces
pairwise with a table operation, ``np.linalg.norm`` is ``sqrt(sum(x*x))`` -- so no method
needs a rule of its own for them. Shapes and layout are in :mod:`diffmethods.array_shapes`,
statistics, scans and sorting in :mod:`diffmethods.array_stats`. A function missing from
:data:`HANDLED` is refused by name, with the nearest supported spelling.
"""

from __future__ import annotations

import math

import numpy as np

from .array_ops import (BROADCAST, CONCATENATE, RESHAPE, SUM, TRANSPOSE, WHERE, shape_of)
from .errors import UnsupportedOperationError

HANDLED: dict = {}


def handles(*funcs):
    """Register the implementation of numpy functions for traced values."""
    def register(impl):
        for f in funcs:
            HANDLED[f] = impl
        return impl
    return register


def qualified_name(func) -> str:
    """A numpy function's name as users write it: ``np.sum``, ``np.linalg.inv``,
    ``np.fft.fftshift`` (not ``np.inv``)."""
    module = getattr(func, "__module__", None) or "numpy"
    if module == "numpy" or not module.startswith("numpy."):
        return f"np.{func.__name__}"
    return f"np.{module[len('numpy.'):]}.{func.__name__}"


def handled_names() -> list[str]:
    """Every numpy function that works on traced values, by :func:`qualified_name`."""
    return sorted({qualified_name(f) for f in HANDLED})


def suggestion(name: str) -> str:
    """For a refused function, ' The closest supported name is np.median.' (np.nanmedian),
    or '' when no supported name is close. Names are compared without their namespace, so
    np.fft.fft is not taken for a misspelling of np.fft.fftshift."""
    import difflib
    by_name: dict = {}
    for full in handled_names():
        by_name.setdefault(full.rsplit(".", 1)[-1], full)
    close = difflib.get_close_matches(name.rsplit(".", 1)[-1], list(by_name), n=1, cutoff=0.75)
    return f" The closest supported name is {by_name[close[0]]}." if close else ""


def _traced_type(*xs):
    """The class whose rules apply: the traced operand's, the outer one if two are nested."""
    from .tracing import Traced
    found = None
    for x in xs:
        if isinstance(x, Traced) and (found is None or type(x).priority > found.priority):
            found = type(x)
    return found


@handles(np.sum)
def _sum(x, axis=None, keepdims=False, **kwargs):
    _no_extra("np.sum", kwargs)
    return _traced_type(x)._linear(SUM, (x,), {"axis": axis, "keepdims": keepdims})


@handles(np.reshape)
def _reshape(x, shape=None, newshape=None, **kwargs):
    _no_extra("np.reshape", kwargs)
    shape = shape if shape is not None else newshape
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _traced_type(x)._linear(RESHAPE, (x,), {"shape": shape})


@handles(np.ravel)
def _ravel(x, **kwargs):
    _no_extra("np.ravel", kwargs)
    return _reshape(x, (-1,))


@handles(np.transpose)
def _transpose(x, axes=None):
    return _traced_type(x)._linear(TRANSPOSE, (x,), {"axes": None if axes is None else tuple(axes)})


@handles(np.mean)
def _mean(x, axis=None, keepdims=False, **kwargs):
    _no_extra("np.mean", kwargs)
    total = _sum(x, axis=axis, keepdims=keepdims)
    count = math.prod(shape_of(x)) // max(1, math.prod(shape_of(total)))
    return total / count  # mean = sum / count


def _reduce_pairwise(x, axis, keepdims, combine, name):
    """Reduce along ``axis`` by combining halves until one element is left: log2(n) steps of
    a table operation (multiply for prod), so no rule of its own is needed."""
    shape = shape_of(x)
    if axis is None:
        v, axis_ = np.reshape(x, (-1,)), 0
    else:
        if not isinstance(axis, (int, np.integer)):
            raise UnsupportedOperationError(f"{name} over several axes at once is not supported; "
                                            "reduce one axis at a time.")
        axis_ = int(axis) % len(shape)
        v = np.moveaxis(x, axis_, 0) if axis_ else x
    if shape_of(v)[0] == 0:
        raise UnsupportedOperationError(f"{name} of an empty array")
    while shape_of(v)[0] > 1:
        m = shape_of(v)[0]
        half = m // 2
        paired = combine(v[:half], v[half:2 * half])
        v = np.concatenate([paired, v[2 * half:]]) if m % 2 else paired
    out = v[0]
    if keepdims:
        out = np.reshape(out, [1 if (axis is None or i == axis_) else n for i, n in enumerate(shape)])
    return out


@handles(np.prod)
def _prod(x, axis=None, keepdims=False, **kwargs):
    _no_extra("np.prod", kwargs)
    return _reduce_pairwise(x, axis, keepdims, np.multiply, "np.prod")


@handles(np.moveaxis)
def _moveaxis(x, source, destination):
    from numpy.lib.array_utils import normalize_axis_tuple
    ndim = len(shape_of(x))
    source = normalize_axis_tuple(source, ndim, "source")
    destination = normalize_axis_tuple(destination, ndim, "destination")
    if len(source) != len(destination):
        raise UnsupportedOperationError("np.moveaxis: source and destination must have the "
                                        "same number of elements")
    order = [i for i in range(ndim) if i not in source]  # numpy's own construction
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return _transpose(x, order)


@handles(np.concatenate)
def _concatenate(arrays, axis=0, **kwargs):
    _no_extra("np.concatenate", kwargs)
    arrays = tuple(arrays)
    if axis is None:  # numpy flattens every array first
        arrays, axis = tuple(np.reshape(a, (-1,)) for a in arrays), 0
    return _traced_type(*arrays)._linear(CONCATENATE, arrays, {"axis": axis})


@handles(np.stack)
def _stack(arrays, axis=0, **kwargs):
    _no_extra("np.stack", kwargs)
    arrays = tuple(arrays)
    ndim = len(shape_of(arrays[0])) + 1
    axis = axis % ndim
    expanded = [np.reshape(a, shape_of(a)[:axis] + (1,) + shape_of(a)[axis:]) for a in arrays]
    return _concatenate(expanded, axis=axis)


@handles(np.hstack)
def _hstack(arrays, **kwargs):
    arrays = [np.reshape(a, (1,)) if not shape_of(a) else a for a in arrays]
    return _concatenate(arrays, axis=0 if len(shape_of(arrays[0])) == 1 else 1)


@handles(np.vstack)
def _vstack(arrays, **kwargs):
    arrays = [np.reshape(a, (1, -1)) if len(shape_of(a)) < 2 else a for a in arrays]
    return _concatenate(arrays, axis=0)


@handles(np.where)
def _where(condition, x=None, y=None):
    from .tracing import Traced
    if x is None or y is None:
        raise UnsupportedOperationError("np.where(condition) with one argument returns indices; "
                                        "only np.where(condition, x, y) is differentiable")
    if isinstance(condition, Traced):  # a symbolic condition: the tracer builds a Piecewise
        return type(condition)._select(condition, x, y)
    condition = np.asarray(condition, dtype=bool)
    shape = np.broadcast_shapes(condition.shape, shape_of(x), shape_of(y))
    # both branches are broadcast to the common shape first, so the primitive stays simple
    xs = tuple(v * np.ones(shape) if shape_of(v) != shape else v for v in (x, y))
    return _traced_type(*xs)._linear(WHERE, xs, {"condition": np.broadcast_to(condition, shape)})


@handles(np.broadcast_to)
def _broadcast_to(x, shape, subok=False):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _traced_type(x)._linear(BROADCAST, (x,), {"shape": shape})


@handles(np.shape)
def _shape(x):
    return shape_of(x)


@handles(np.ndim)
def _ndim(x):
    return len(shape_of(x))


@handles(np.size)
def _size(x, axis=None):
    return int(np.prod(shape_of(x))) if axis is None else shape_of(x)[axis]


def float64_only(name, dtype) -> None:
    """Refuse a dtype= other than float64: np.sum(x, dtype=int) truncates, float32 rounds."""
    if dtype is not None and np.dtype(dtype) != np.float64:
        raise UnsupportedOperationError(
            f"{name}(..., dtype={np.dtype(dtype)}) is not supported on traced values: it would "
            "change the values (or drop the derivative); traced values are float64")


def _no_extra(name, kwargs):
    float64_only(name, kwargs.get("dtype"))
    kwargs = {k: v for k, v in kwargs.items() if v is not None and k not in ("dtype",)}
    if kwargs:
        raise UnsupportedOperationError(
            f"{name}({', '.join(k + '=' for k in kwargs)}) is not supported on traced values")


# The modules below register their functions with @handles when imported.
from . import contractions, linalg  # noqa: E402,F401
from . import array_shapes, array_stats  # noqa: E402,F401  (shapes, statistics)

# issue 10, elementwise: np.round, np.clip, np.real/imag/angle, np.nan_to_num (own module)
from . import array_functions_elementwise  # noqa: E402,F401
