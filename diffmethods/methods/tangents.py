"""Structured blocks of tangents for forward mode on arrays.

Seeding an input array x with a block of k unit directions gives it the tangent block
I[:, start:start+k]: row i (the tangent of x_i) has a single nonzero. Elementwise code keeps
that shape -- the tangent of sin(x)_i still depends on x_i alone -- and slices only move rows.
Stored densely, every operation would cost size * k; stored by rows, as the few
``(column, value)`` pairs each row has, it costs size * r with r the most nonzeros in a row
(1 for sin(x) * x**2, 3 for the vectorised Rosenbrock). The sum at the end turns the rows into
the dense tangent of a scalar with ``np.bincount``.

A matrix product with a constant matrix, ``A @ x``, makes every row dense: its tangent block is
``A[:, block]``. Elementwise code after it only rescales rows, so :class:`ScaledRows` keeps the
block as ``diag(s) @ B`` -- B shared, not copied -- and an elementwise op multiplies the vector
s instead of the whole block; the final sum is one matrix-vector product ``s @ B``.

Both turn into a plain dense block as soon as an operation needs it (a broadcast, a product
of two different structures, rows with too many entries), so correctness never depends on the
structure being there; only speed does.
"""

from __future__ import annotations

import numpy as np



class Structured:
    """A block of k tangents of an array value, stored with some structure. Tangent blocks
    are never changed in place, so structures may share their arrays."""

    __slots__ = ()


class SparseTangent(Structured):
    """A block of k tangents of an array value, stored by rows.

    ``vals`` and ``cols`` have shape ``value.shape + (r,)``: the tangent of element e has the
    nonzeros ``vals[e, s]`` in columns ``cols[e, s]``; padding entries have value 0.
    """

    __slots__ = ("vals", "cols", "k")

    def __init__(self, vals: np.ndarray, cols: np.ndarray, k: int):
        self.vals, self.cols, self.k = vals, cols, k

    @classmethod
    def seed(cls, n: int, start: int, k: int, shape: tuple | None = None) -> "SparseTangent":
        """The tangent block of an input array of n elements (of ``shape``, 1-D by default)
        whose element e is seeded with direction e - start when 0 <= e - start < k."""
        rows = np.arange(n)
        inside = (rows >= start) & (rows < start + k)
        shape = (n,) if shape is None else tuple(shape)
        return cls(inside.astype(float).reshape(shape + (1,)),
                   np.where(inside, rows - start, 0).reshape(shape + (1,)), k)

    @property
    def shape(self) -> tuple:
        """The shape of the equivalent dense block."""
        return self.vals.shape[:-1] + (self.k,)

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape)
        rows = out.reshape(-1, self.k)
        element = np.arange(rows.shape[0])
        slots = self.vals.shape[-1]  # explicit: an empty selection (x[:0]) has no elements
        vals = self.vals.reshape(len(element), slots)
        cols = self.cols.reshape(len(element), slots)
        for s in range(vals.shape[1]):  # within one slot each (element, column) pair is unique
            rows[element, cols[:, s]] += vals[:, s]
        return out

    def __array__(self, dtype=None, copy=None):
        return self.dense() if dtype is None else self.dense().astype(dtype)

    def scaled(self, d, out_shape: tuple) -> "SparseTangent":
        """d * tangent for a partial d (a number or an array broadcasting to ``out_shape``)."""
        if isinstance(d, np.ndarray):
            d = d[..., None]
        vals = d * self.vals
        want = tuple(out_shape) + self.vals.shape[-1:]
        if vals.shape != want:
            vals = np.broadcast_to(vals, want)
        cols = self.cols if self.cols.shape == want else np.broadcast_to(self.cols, want)
        return SparseTangent(vals, cols, self.k)

    def broadcast_to(self, value_shape: tuple) -> "SparseTangent":
        """The tangent of the value broadcast to ``value_shape``: each element's row is read
        for every element it is broadcast to (views, no copies)."""
        want = tuple(value_shape) + self.vals.shape[-1:]
        if self.vals.shape == want:
            return self
        return SparseTangent(np.broadcast_to(self.vals, want), np.broadcast_to(self.cols, want),
                             self.k)

    def plus(self, other):
        """The sum of two tangent blocks, of the same value or of values that broadcast
        against each other (shapes (2,) and (3, 2) add up to (3, 2), as the values do); stays
        sparse while rows stay short."""
        if not isinstance(other, SparseTangent):
            return self.dense() + dense(other)  # dense arrays broadcast by themselves
        shape = _common_shape(self, other)
        a, b = self.broadcast_to(shape), other.broadcast_to(shape)
        if a.cols is b.cols or np.array_equal(a.cols, b.cols):
            return SparseTangent(a.vals + b.vals, a.cols, self.k)
        r = a.vals.shape[-1] + b.vals.shape[-1]
        if r > max(4, self.k // 8):
            return a.dense() + b.dense()
        return SparseTangent(np.concatenate([a.vals, b.vals], axis=-1),
                             np.concatenate([a.cols, b.cols], axis=-1), self.k)

    def total(self) -> np.ndarray:
        """The tangent of the sum of all elements: a dense block of k numbers."""
        return np.bincount(self.cols.ravel(), weights=self.vals.ravel(), minlength=self.k)

    def moved(self, prim, shape, params):
        """A primitive that only moves elements (``prim.moves``: index, reshape, transpose,
        the gathers of :func:`diffmethods.array_ops.gather`) moves rows."""
        vals = prim.tangent(self.vals, shape, **params)
        cols = prim.tangent(self.cols, shape, **params)
        t = SparseTangent(vals, cols, self.k)
        return t.dense() if vals.ndim == 1 else t  # a single element: a dense row

    def matmul_right(self, a) -> np.ndarray | None:
        """The tangent of a @ x for a constant matrix a and this tangent of a vector x, when
        each column is hit by one element (a seed, an elementwise function of it): then
        (a @ T)[:, c] = a[:, j] * vals[j] for the j with cols[j] = c, with no dense T."""
        if self.vals.ndim != 2 or self.vals.shape[1] != 1 or np.ndim(a) != 2:
            return None
        cols, vals = self.cols[:, 0], self.vals[:, 0]
        rows = np.flatnonzero(vals)
        out = np.zeros((a.shape[0], self.k))
        if len(rows) == 0:
            return out
        j0, j1, c0 = rows[0], rows[-1] + 1, cols[rows[0]]
        if j1 - j0 == len(rows) and np.array_equal(cols[j0:j1], np.arange(c0, c0 + j1 - j0)):
            # a seed block (or an elementwise function of one): plain slices of a
            block = a[:, j0:j1] if np.all(vals[j0:j1] == 1) else a[:, j0:j1] * vals[j0:j1]
            if block.shape[1] == self.k:
                return ScaledRows(np.ones(a.shape[0]), block, self.k)
            out[:, c0:c0 + j1 - j0] = block
            return out
        if np.bincount(cols[rows], minlength=self.k).max() > 1:
            return None
        out[:, cols[rows]] = a[:, rows] * vals[rows]
        return out


class ScaledRows(Structured):
    """A dense block kept as diag(scale) @ base: ``scale`` has the value's shape, ``base`` the
    block's. Elementwise operations rescale the rows by multiplying ``scale`` only."""

    __slots__ = ("scale", "base", "k")

    def __init__(self, scale: np.ndarray, base: np.ndarray, k: int):
        self.scale, self.base, self.k = scale, base, k

    @property
    def shape(self) -> tuple:
        return self.base.shape

    def dense(self) -> np.ndarray:
        return self.scale[..., None] * self.base

    def __array__(self, dtype=None, copy=None):
        return self.dense() if dtype is None else self.dense().astype(dtype)

    def scaled(self, d, out_shape: tuple):
        if np.shape(d) in ((), self.scale.shape) and tuple(out_shape) == self.scale.shape:
            return ScaledRows(d * self.scale, self.base, self.k)
        return _scaled_dense(d, self.dense(), out_shape)

    def broadcast_to(self, value_shape: tuple):
        if tuple(value_shape) == self.scale.shape:
            return self
        return np.broadcast_to(self.dense(), tuple(value_shape) + (self.k,))

    def plus(self, other):
        """The sum of two tangent blocks (of values that may broadcast against each other)."""
        if isinstance(other, ScaledRows) and other.base is self.base:
            return ScaledRows(self.scale + other.scale, self.base, self.k)
        return self.dense() + dense(other)  # dense arrays broadcast by themselves

    def total(self) -> np.ndarray:
        """The tangent of the sum of all elements: one matrix-vector product."""
        return self.scale.reshape(-1) @ self.base.reshape(-1, self.k)

    def moved(self, prim, shape, params):
        scale = prim.value(self.scale, **params)
        base = prim.tangent(self.base, shape, **params)
        return base * scale if np.ndim(scale) == 0 else ScaledRows(scale, base, self.k)

    def matmul_right(self, a):
        return None


def _common_shape(a: SparseTangent, b: SparseTangent) -> tuple:
    sa, sb = a.vals.shape[:-1], b.vals.shape[:-1]
    return sa if sa == sb else np.broadcast_shapes(sa, sb)


def _scaled_dense(d, block, out_shape):
    block = d[..., None] * block if isinstance(d, np.ndarray) else d * block
    want = tuple(out_shape) + block.shape[-1:]
    return block if block.shape == want else np.broadcast_to(block, want)


def dense(t):
    """A tangent block as a dense array."""
    return t.dense() if isinstance(t, Structured) else t
