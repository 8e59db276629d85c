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

The one bilinear primitive, the matrix product, is handled by :func:`matmul_rules`. Functions
such as ``np.mean``, ``np.prod`` or ``np.max`` are *composites*: short compositions of
primitives and table operations, so every method differentiates them with no rule of their own.
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


# --- the bilinear primitive: matrix product, for 1-D and 2-D operands ----------------------
def _as_2d(shape_a, shape_b):
    """Shapes as 2-D matrices: a vector on the left is a row, on the right a column."""
    a2 = (1, shape_a[0]) if len(shape_a) == 1 else shape_a
    b2 = (shape_b[0], 1) if len(shape_b) == 1 else shape_b
    return a2, b2


def check_matmul(a, b):
    for side, x in (("left", a), ("right", b)):
        if len(shape_of(x)) not in (1, 2):
            raise UnsupportedOperationError(
                f"matrix products are differentiated for 1-D and 2-D operands only; the {side} "
                f"operand has shape {shape_of(x)}. Use np.sum(a * b, axis=...) for other cases.")


def matmul_tangent(ta, a, tb, b):
    """Tangent of ``a @ b`` given tangent blocks ``ta``/``tb`` (or None for a constant)."""
    a2, b2 = _as_2d(shape_of(a), shape_of(b))
    k = (ta if ta is not None else tb).shape[-1]
    m, p = a2[0], b2[1]
    result = np.zeros((m, p, k))
    if ta is not None:  # (m, n, k) -> (m, k, n) @ (n, p) -> (m, k, p) -> (m, p, k)
        t2 = np.reshape(ta, a2 + (k,))
        result = result + np.swapaxes(np.swapaxes(t2, 1, 2) @ np.reshape(b, b2), 1, 2)
    if tb is not None:  # (m, n) @ (n, p*k)
        t2 = np.reshape(tb, b2 + (k,))
        result = result + (np.reshape(a, a2) @ t2.reshape(b2[0], -1)).reshape(m, p, k)
    return result.reshape(_matmul_shape(shape_of(a), shape_of(b)) + (k,))


def _matmul_shape(sa, sb):
    return tuple(sa[:-1]) + tuple(sb[1:])


def matmul_transpose(g, a, b, wrt):
    # a (m,n) @ b (n,p): the adjoint of a is g @ b^T, that of b is a^T @ g
    if wrt == 1 and len(shape_of(a)) == 2 and len(shape_of(b)) == 1:
        return a.T @ g  # the common A @ x: no reshaping needed
    if wrt == 0 and len(shape_of(a)) == 1 and len(shape_of(b)) == 2:
        return b @ g  # and x @ B
    """Adjoint contribution of ``a @ b`` for operand ``wrt`` (0 for a, 1 for b)."""
    a2, b2 = _as_2d(shape_of(a), shape_of(b))
    g2 = np.reshape(g, (a2[0], b2[1]))
    if wrt == 0:
        return np.reshape(g2 @ np.reshape(b, b2).T, shape_of(a))
    return np.reshape(np.reshape(a, a2).T @ g2, shape_of(b))


# --- numpy functions handled on traced values ----------------------------------------------
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


@handles(np.dot)
def _dot(a, b, out=None):
    if out is not None:
        raise UnsupportedOperationError("np.dot(..., out=) is not supported on traced values")
    if not shape_of(a) or not shape_of(b):
        return a * b  # np.dot with a scalar operand is multiplication
    return _traced_type(a, b)._matmul(a, b)


@handles(np.vdot)
def _vdot(a, b):
    return _sum(np.ravel(a) * np.ravel(b))


@handles(np.inner)
def _inner(a, b):
    if len(shape_of(a)) > 1 or len(shape_of(b)) > 1:
        raise UnsupportedOperationError("np.inner is differentiated for vectors only; "
                                        "use np.dot or np.sum(a * b, axis=-1)")
    return _dot(a, b)


@handles(np.outer)
def _outer(a, b, out=None):
    return np.reshape(a, (-1, 1)) * np.reshape(b, (1, -1))


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


WHERE = Linear(
    "where",
    value=lambda xs, condition: np.where(condition, xs[0], xs[1]),
    tangent=lambda ts, shapes, condition: np.where(condition[..., None], ts[0], ts[1]),
    transpose=lambda g, shapes, condition: (np.where(condition, g, 0.0),
                                            np.where(condition, 0.0, g)),
    multi=True,
)


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


@handles(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2, "fro") and not (ord == 1 and len(shape_of(x)) == 1):
        raise UnsupportedOperationError("np.linalg.norm is differentiated for the 2-norm "
                                        "(and the 1-norm of vectors) only")
    if ord == 1:
        return _sum(np.abs(x), axis=axis, keepdims=keepdims)
    return np.sqrt(_sum(x * x, axis=axis, keepdims=keepdims))


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
