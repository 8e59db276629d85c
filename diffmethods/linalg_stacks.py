"""Stacks of matrices (..., M, M) for np.linalg.inv, solve, det, slogdet and cholesky.

numpy's linear algebra broadcasts over leading axes; so do the rules of those rows in
:mod:`diffmethods.linalg`, written with ``@``, ``np.moveaxis(x, -1, -2)`` and ``...`` einsum
subscripts. This module has what they share: the shape checks, the per-matrix symbolic
construction (sympy matrices are 2-D), the cofactor matrix and the inverse (nan for a
singular matrix of the stack, not for the whole stack), and the reduction of an adjoint to the
shape of an operand that was broadcast. The other np.linalg functions refuse stacks by name.
"""

from __future__ import annotations

import numpy as np

from .array_ops import shape_of
from .errors import UnsupportedOperationError


def square_stack(name: str, A) -> tuple:
    """The batch shape of a square matrix or a stack of them (..., M, M), or a refusal."""
    shape = shape_of(A)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise UnsupportedOperationError(
            f"{name} is differentiated for a square matrix or a stack of them (..., M, M); got "
            f"an operand of shape {shape}")
    return shape[:-2]


def per_matrix(fn, out_axis_first: bool = False):
    """A symbolic rule for one matrix (sympy matrices are 2-D) applied to each matrix of a
    stack; the results are assembled into an object array (batch + result shape, or with
    the result's first axis before the batch when ``out_axis_first``: slogdet's pair)."""
    def rule(A, *rest):
        if A.ndim == 2:
            return fn(A, *rest)
        batch = A.shape[:-2]
        parts = {idx: fn(A[idx], *rest) for idx in np.ndindex(*batch)}
        first = np.asarray(next(iter(parts.values())), dtype=object)
        out = np.empty(batch + first.shape, dtype=object)
        for idx, part in parts.items():
            out[idx] = part
        return np.moveaxis(out, len(batch), 0) if out_axis_first else out
    return rule


def solve_per_matrix(fn):
    """:func:`per_matrix` for solve(A, b): A (..., M, M), b (M,) or (..., M, K) broadcast."""
    def rule(A, b):
        if A.ndim == 2 and b.ndim <= 2:
            return fn(A, b)
        if b.ndim == 1:
            batch = A.shape[:-2]
            out = np.empty(batch + b.shape, dtype=object)
            for idx in np.ndindex(*batch):
                out[idx] = fn(A[idx], b)
            return out
        batch = np.broadcast_shapes(A.shape[:-2], b.shape[:-2])
        A, b = np.broadcast_to(A, batch + A.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
        out = np.empty(batch + b.shape[-2:], dtype=object)
        for idx in np.ndindex(*batch):
            out[idx] = fn(A[idx], b[idx])
        return out
    return rule


def reduce_to(v, shape: tuple):
    """An adjoint of a broadcast operand summed back to the operand's ``shape`` (works on
    traced values: np.sum over the broadcast axes)."""
    vshape = shape_of(v)
    if vshape == tuple(shape):
        return v
    extra = len(vshape) - len(shape)
    if extra:
        v = np.sum(v, axis=tuple(range(extra)))
    axes = tuple(i for i, (m, n) in enumerate(zip(shape_of(v), shape)) if n == 1 and m != 1)
    return np.sum(v, axis=axes, keepdims=True) if axes else v


def cofactors(A):
    """det(A) A^{-T} for each matrix of the stack, from the SVD A = U diag(s) V^T: it is
    det(U) det(V) U diag(prod_{j != i} s_j) V^T, exact also at and near singular matrices
    (where det(A) A^{-T} is 0 * inf)."""
    U, s, Vh = np.linalg.svd(A)
    ones = np.ones(s.shape[:-1] + (1,))
    before = np.concatenate([ones, np.cumprod(s, axis=-1)[..., :-1]], axis=-1)  # j < i
    after = np.concatenate([np.cumprod(s[..., ::-1], axis=-1)[..., :-1][..., ::-1], ones],
                           axis=-1)  # prod_{j > i} s_j
    sign = np.linalg.det(U) * np.linalg.det(Vh)  # each is +-1
    return sign[..., None, None] * (U * (before * after)[..., None, :]) @ Vh


def inverse_each(A):
    """(inv(A), singular): the inverse of each matrix of a plain stack, nan for the singular
    ones, and the boolean mask (batch shape) of those."""
    try:
        return np.linalg.inv(A), np.zeros(A.shape[:-2], dtype=bool)
    except np.linalg.LinAlgError:
        pass
    out = np.full(A.shape, np.nan)
    singular = np.zeros(A.shape[:-2], dtype=bool)
    for idx in np.ndindex(*A.shape[:-2]):
        try:
            out[idx] = np.linalg.inv(A[idx])
        except np.linalg.LinAlgError:
            singular[idx] = True
    return out, singular
