"""Array operations: a few linear primitives, and numpy functions built from them.

Elementwise functions live in the operation table (:mod:`diffmethods.ops`). What remains of
array code moves, selects or adds up elements, and each of those is a *linear* map ``L``. A
linear map needs no local partials: forward mode applies ``L`` to the tangent, reverse mode
applies its transpose ``L^T`` to the adjoint, and the symbolic tracer applies ``L`` to an object
array of sympy expressions. So each primitive below is three functions:

* ``value(x, **params)``            -- the numpy function itself (works on object arrays too);
* ``tangent(t, shape, **params)``   -- ``L`` on a block of tangents ``t`` of shape
  ``shape + (k,)``, where ``shape`` is the input's shape;
* ``transpose(g, shape, **params)`` -- ``L^T`` on an adjoint ``g`` of the output's shape.

Primitives with several inputs (``multi=True``) take a tuple of values, tangents and shapes.

Products (``a @ b``, ``np.dot``, ``np.einsum``, ...) are not linear but multilinear: they are
one row of the table of array primitives, in :mod:`diffmethods.contractions`. The numpy
functions users call (``np.sum``, ``np.mean``, ...) are mapped onto these in
:mod:`diffmethods.array_functions`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np



@dataclass(frozen=True)
class Linear:
    """A linear array primitive: its value, its action on tangents, and its transpose."""

    name: str
    value: Callable
    tangent: Callable
    transpose: Callable
    multi: bool = False


def shape_of(x) -> tuple:
    """Shape of a number, an array or a traced value (without calling np.shape on it)."""
    if type(x) is np.ndarray:
        return x.shape
    return getattr(x, "shape", ())


def _tangent_index(index):
    # A block of tangents carries one extra trailing axis: index the leading axes only.
    return (index if isinstance(index, tuple) else (index,)) + (slice(None),)


def is_fancy(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, np.ndarray)) for p in parts)


def _place(g, shape, index):
    """An array of ``shape``, zero except ``g`` added at ``index``."""
    out = np.zeros(shape, dtype=np.result_type(g, float))
    if is_fancy(index):
        np.add.at(out, index, g)  # repeated indices must add up
    else:
        out[index] = g  # basic indexing selects each element at most once
    return out


def _scatter(g, shape, index):
    """Transpose of indexing: the input's shape, zero except ``g`` at ``index``. On a traced
    ``g`` (a Hessian sweeps the tape with dual numbers) it is a primitive of its own."""
    if hasattr(g, "_linear"):
        return type(g)._linear(SCATTER, (g,), {"shape": tuple(shape), "index": index})
    return _place(g, shape, index)


INDEX = Linear(
    "index",
    value=lambda x, index: x[index],
    tangent=lambda t, shape, index: t[_tangent_index(index)],
    transpose=_scatter,
)

SCATTER = Linear(
    "scatter",
    value=lambda g, shape, index: _place(g, shape, index),
    tangent=lambda t, g_shape, shape, index: _place(t, tuple(shape) + t.shape[-1:],
                                                    _tangent_index(index)),
    transpose=lambda h, g_shape, shape, index: h[index],
)


def _axes(axis, ndim) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axis = axis if isinstance(axis, tuple) else (axis,)
    return tuple(int(a) % ndim if ndim else 0 for a in axis)


def _sum_transpose(g, shape, axis, keepdims):
    if axis is None and not keepdims:  # the common case: the sum of everything
        if type(g) is float and math.prod(shape) <= 4096:
            return np.full(shape, g)  # small: cheaper to make than a broadcast view
        return np.broadcast_to(g, shape)
    if not keepdims:
        g = np.reshape(g, [1 if i in _axes(axis, len(shape)) else n for i, n in enumerate(shape)])
    return np.broadcast_to(g, shape)


BROADCAST = Linear(
    "broadcast_to",
    value=lambda x, shape: np.broadcast_to(x, shape),
    tangent=lambda t, x_shape, shape: np.broadcast_to(
        np.reshape(t, (1,) * (len(shape) - len(x_shape)) + t.shape), tuple(shape) + t.shape[-1:]),
    transpose=lambda g, x_shape, shape: sum_to_shape(g, x_shape),
)


SUM = Linear(
    "sum",
    value=lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    tangent=lambda t, shape, axis, keepdims: t.sum(axis=_axes(axis, t.ndim - 1), keepdims=keepdims),
    transpose=_sum_transpose,
)

def resolve_shape(old_shape, shape) -> tuple:
    """The shape ``np.reshape`` produces, with a ``-1`` entry worked out."""
    shape = tuple(int(s) for s in shape)
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1]))
        size = int(np.prod(old_shape))
        shape = tuple(size // max(known, 1) if s == -1 else s for s in shape)
    return shape


RESHAPE = Linear(
    "reshape",
    value=lambda x, shape: np.reshape(x, shape),
    tangent=lambda t, old, shape: t.reshape(resolve_shape(old, shape) + t.shape[-1:]),
    transpose=lambda g, old, shape: np.reshape(g, old),
)


def _perm(axes, ndim):
    return tuple(range(ndim))[::-1] if axes is None else tuple(int(a) % ndim for a in axes)


TRANSPOSE = Linear(
    "transpose",
    value=lambda x, axes: np.transpose(x, axes),
    tangent=lambda t, shape, axes: np.transpose(t, _perm(axes, t.ndim - 1) + (t.ndim - 1,)),
    transpose=lambda g, shape, axes: np.transpose(g, np.argsort(_perm(axes, len(shape)))),
)


def sum_to_shape(g, shape):
    """Undo broadcasting: sum the adjoint ``g`` down to ``shape`` (the transpose of
    ``np.broadcast_to``). Used by reverse mode after an elementwise op that broadcast."""
    g_shape = shape_of(g)
    if g_shape == tuple(shape):
        return g
    lead = len(g_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1)
    summed = np.sum(g, axis=axes, keepdims=True)
    return np.reshape(summed, shape)


CONCATENATE = Linear(
    "concatenate",
    value=lambda xs, axis: np.concatenate(xs, axis=axis),
    tangent=lambda ts, shapes, axis: np.concatenate(ts, axis=axis % max(1, len(shapes[0]))),
    transpose=lambda g, shapes, axis: _split(g, shapes, axis % max(1, len(shapes[0]))),
    multi=True,
)


def _split(g, shapes, axis):
    edges = np.concatenate([[0], np.cumsum([shape[axis] for shape in shapes])])
    lead = (slice(None),) * axis
    return tuple(g[lead + (slice(int(a), int(b)),)] for a, b in zip(edges[:-1], edges[1:]))


WHERE = Linear(
    "where",
    value=lambda xs, condition: np.where(condition, xs[0], xs[1]),
    tangent=lambda ts, shapes, condition: np.where(condition[..., None], ts[0], ts[1]),
    transpose=lambda g, shapes, condition: (np.where(condition, g, 0.0),
                                            np.where(condition, 0.0, g)),
    multi=True,
)
