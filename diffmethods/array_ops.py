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

Most structural functions (``np.flip``, ``np.roll``, ``np.pad``, ``np.tril``, ``np.take``, ...)
need none of the three written by hand: each output element is a copy of one input element or
a zero, so the function is a *gather*, and :func:`gather` derives its row from the numpy
function alone (see "linear functions defined once" below).

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

from .errors import UnsupportedOperationError



@dataclass(frozen=True)
class Linear:
    """A linear array primitive: its value, its action on tangents, and its transpose."""

    name: str
    value: Callable
    tangent: Callable
    transpose: Callable
    multi: bool = False
    moves: bool = False  # only moves/copies/zeroes elements: sparse tangents move their rows


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


def _index_value(x, index):
    # arrays and traced values index themselves; a scalar (x[None], x[...]) as numpy's would
    return x[index] if isinstance(x, np.ndarray) or hasattr(x, "_linear") else np.asarray(x)[index]


INDEX = Linear(
    "index",
    value=_index_value,
    tangent=lambda t, shape, index: t[_tangent_index(index)],
    transpose=_scatter,
    moves=True,
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
    moves=True,
)


def _perm(axes, ndim):
    return tuple(range(ndim))[::-1] if axes is None else tuple(int(a) % ndim for a in axes)


TRANSPOSE = Linear(
    "transpose",
    value=lambda x, axes: np.transpose(x, axes),
    tangent=lambda t, shape, axes: np.transpose(t, _perm(axes, t.ndim - 1) + (t.ndim - 1,)),
    transpose=lambda g, shape, axes: np.transpose(g, np.argsort(_perm(axes, len(shape)))),
    moves=True,
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


# --- linear functions defined once: gathers ---------------------------------------------------
# np.flip, np.roll, np.pad, np.tril, np.take, np.repeat, np.diag, ... : every output element is
# a copy of one input element, or a zero. Applying the function to the element *numbers*
# 1..n of an array of the input's shape gives its index map (0 where it put a zero):
#
#     np.roll([[1, 2, 3], [4, 5, 6]], 1)          ->  [[6, 1, 2], [3, 4, 5]]
#
# The tangent of output element o is the tangent row of input element index[o] (directions on
# the last axis, so a row is the k tangents of one element), and the transpose adds each
# output's adjoint back at index[o] (np.bincount: an element copied twice gets both). So the
# numpy function alone defines the row, as JAX's deflinear does: no rule per function.

def index_map(fn, shape, args=(), kwargs=None, pick=None) -> np.ndarray:
    """The element numbers that ``fn(x, *args, **kwargs)`` puts where, for ``x`` of ``shape``:
    1 + the flat index of the input element each output element copies, 0 for a zero.
    ``pick`` chooses one output of a function that returns several (np.split).

    >>> index_map(np.roll, (2, 3), (1,)).tolist()
    [[6, 1, 2], [3, 4, 5]]
    """
    return gather_map(fn, shape, args, kwargs, pick)[0]


def gather_map(fn, shape, args=(), kwargs=None, pick=None) -> tuple:
    """(:func:`index_map`, whether ``fn`` gave a writable view of its input: np.flip, np.rot90
    and np.split do, and their transpose is then one strided copy)."""
    numbers = np.arange(1, math.prod(shape) + 1).reshape(shape)
    out = fn(numbers, *args, **(kwargs or {}))
    out = out if pick is None else out[pick]
    view = isinstance(out, np.ndarray) and out.flags.writeable and \
        np.may_share_memory(out, numbers)
    out = np.asarray(out)
    if out.dtype.kind not in "iu":  # the function computed with the numbers: not a gather
        raise UnsupportedOperationError(f"{getattr(fn, '__name__', fn)} is not a gather")
    return out, view


def _gather_value(x, fn, args, kwargs, pick, index, view):
    out = fn(x, *args, **kwargs)
    return out if pick is None else out[pick]


def _gather_tangent(t, shape, fn, args, kwargs, pick, index, view):
    # rows of the block picked by the index map; any trailing size (k directions, or the r
    # slots of a sparse tangent's values and columns)
    rows = np.reshape(t, (-1,) + t.shape[len(shape):])
    out = rows[index - 1]  # a zero's index -1 picks the last row: cleared below
    if out.size and not index.all():
        out[index == 0] = 0
    return out


def _scatter_add(g, index, shape):
    """The transpose of a gather: adjoints added back at the elements they were copied from."""
    weights = np.broadcast_to(g, index.shape).ravel()
    return np.bincount(index.ravel(), weights=weights,
                       minlength=math.prod(shape) + 1)[1:].reshape(shape)


def _gather_transpose(g, shape, fn, args, kwargs, pick, index, view):
    if hasattr(g, "_linear"):  # a traced adjoint (a Hessian sweeps the tape with dual numbers)
        return type(g)._linear(SCATTER_ADD, (g,), {"index": index, "shape": tuple(shape)})
    if view and index.size >= 4096:
        # the function gives a writable view (np.flip, np.rot90, np.split): applied to zeros,
        # it places each adjoint where its element came from -- the scatter below, as one
        # strided copy instead of np.bincount
        out = np.zeros(shape)
        _gather_value(out, fn, args, kwargs, pick, index, view)[...] = g
        return out
    return _scatter_add(g, index, shape)


def _scatter_add_block(t, g_shape, index, shape):
    k = t.shape[-1]
    out = np.zeros((math.prod(shape) + 1, k))
    np.add.at(out, index.ravel(), np.broadcast_to(t, index.shape + (k,)).reshape(-1, k))
    return out[1:].reshape(tuple(shape) + (k,))


SCATTER_ADD = Linear(
    "scatter-add",
    value=lambda g, index, shape: _scatter_add(g, index, shape),
    tangent=_scatter_add_block,
    transpose=lambda h, g_shape, index, shape: np.where(
        index == 0, 0.0, np.reshape(h, (-1,))[index - 1]),
)


def gather(name: str) -> Linear:
    """The row of a gather function, e.g. ``gather("np.flip")``. Applied with the params
    ``fn, args, kwargs, pick`` (the call) and ``index, view`` (its :func:`gather_map`)."""
    return Linear(name, value=_gather_value, tangent=_gather_tangent,
                  transpose=_gather_transpose, moves=True)


# --- the cumulative sum: linear, but it adds elements up -------------------------------------
def _cumsum_tangent(t, shape, axis):
    # the same function on the leading axes of the block
    if axis is None:
        return np.cumsum(np.reshape(t, (-1,) + t.shape[len(shape):]), axis=0)
    return np.cumsum(t, axis=axis % len(shape))


def _cumsum_transpose(g, shape, axis):
    # y_i = sum_{j <= i} x_j, so x_bar_j = sum_{i >= j} y_bar_i: a cumulative sum from the end
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(np.reshape(g, (-1,))))), shape)
    axis = axis % len(shape)
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


CUMSUM = Linear(
    "np.cumsum",
    value=lambda x, axis: np.cumsum(x, axis=axis),
    tangent=_cumsum_tangent,
    transpose=_cumsum_transpose,
)
