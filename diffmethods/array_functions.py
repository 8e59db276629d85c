"""The numpy functions that work on traced values, built from the linear primitives.

``np.sum(x)`` on a traced ``x`` reaches ``Traced.__array_function__``, which looks the function
up in :data:`HANDLED`. Most entries apply one primitive of :mod:`diffmethods.array_ops`; the
others are *composites* -- ``np.mean`` is a sum divided by the count, ``np.prod`` and ``np.max``
reduce pairwise with a table operation, ``np.linalg.norm`` is ``sqrt(sum(x*x))`` -- so no method
needs a rule of its own for them. A function missing here is refused with the list of these.
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


def handled_names() -> list[str]:
    return sorted({f.__name__ for f in HANDLED})


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
    a table operation (multiply for prod, maximum for max), so no rule of its own is needed."""
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


@handles(np.max, np.amax)
def _max(x, axis=None, keepdims=False, **kwargs):
    _no_extra("np.max", kwargs)
    return _reduce_pairwise(x, axis, keepdims, np.maximum, "np.max")


@handles(np.min, np.amin)
def _min(x, axis=None, keepdims=False, **kwargs):
    _no_extra("np.min", kwargs)
    return _reduce_pairwise(x, axis, keepdims, np.minimum, "np.min")


@handles(np.moveaxis)
def _moveaxis(x, source, destination):
    ndim = len(shape_of(x))
    order = [i for i in range(ndim) if i != source % ndim]
    order.insert(destination % ndim, source % ndim)
    return _transpose(x, order)


@handles(np.concatenate)
def _concatenate(arrays, axis=0, **kwargs):
    _no_extra("np.concatenate", kwargs)
    arrays = tuple(arrays)
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


def _no_extra(name, kwargs):
    kwargs = {k: v for k, v in kwargs.items() if v is not None and k not in ("dtype",)}
    if kwargs:
        raise UnsupportedOperationError(
            f"{name}({', '.join(k + '=' for k in kwargs)}) is not supported on traced values")


# The modules below register their functions with @handles when imported.
from . import contractions, linalg  # noqa: E402,F401

# issue 10, elementwise: np.round, np.clip, np.real/imag/angle, np.nan_to_num (own module)
from . import array_functions_elementwise  # noqa: E402,F401
