"""np.linalg functions built from other operations: norm (every ord and axis), cond,
matrix_power, and matrix_rank (a plain integer).

None of them needs a rule of its own: a norm is sums, abs, max/min, powers and -- for ord 2,
-2 and 'nuc' of matrices -- singular values, each of which has one; matrix_power is numpy's
repeated squaring with traced products. So every method differentiates them, with the
conventions of their parts at kinks (|x| at 0 has derivative 0; max splits a tie).
"""

from __future__ import annotations

import operator

import numpy as np

from .array_functions import handles
from .array_ops import shape_of
from .errors import UnsupportedOperationError
from .linalg import _inv, _mT, _square, numeric_or_refuse


# --- matrix_power, matrix_rank: composites ---------------------------------------------------
@handles(np.linalg.matrix_power)
def _matrix_power(a, n):
    """A^n by repeated squaring (numpy's own algorithm): products of traced matrices, so no
    rule of its own; a negative n inverts first, n = 0 is the identity (a constant)."""
    _square("np.linalg.matrix_power", a)
    try:
        n = operator.index(n)
    except TypeError:
        raise UnsupportedOperationError(
            f"np.linalg.matrix_power needs an integer exponent; got {n!r}") from None
    if n == 0:
        return np.eye(shape_of(a)[0])
    if n < 0:
        a, n = _inv(a), -n
    result, power = None, a
    while n:
        if n & 1:
            result = power if result is None else result @ power
        n >>= 1
        if n:
            power = power @ power
    return result


@handles(np.linalg.matrix_rank)
def _matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """The rank, a plain integer computed at the point: it is piecewise constant, so its
    derivative is 0 wherever it is defined (it is not at a change of rank). A rank decides
    things in f (a branch, a size), which is why it is returned rather than refused."""
    why = "the rank counts singular values above a tolerance, which needs numbers"
    values = numeric_or_refuse("np.linalg.matrix_rank", A, why)
    tol = None if tol is None else numeric_or_refuse("np.linalg.matrix_rank", tol, why)
    extra = {} if rtol is None else {"rtol": rtol}  # numpy >= 2
    return np.linalg.matrix_rank(values, tol=tol, hermitian=hermitian, **extra)


# --- norm: composites of sums, abs, max and singular values ---------------------------------
_VECTOR_ORDS = "None, 2, 1, inf, -inf, 0 or any other number"
_MATRIX_ORDS = "None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf"


def _vector_norm(x, ord, axis, keepdims):
    """The vector norms along one axis, with numpy's formulas for each ord."""
    absx = np.abs(x)
    if ord is None or ord == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return np.max(absx, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return np.min(absx, axis=axis, keepdims=keepdims)
    if ord == 0:  # a count of nonzeros: sign(|x|) is 1 or 0, with derivative 0
        return np.sum(np.sign(absx), axis=axis, keepdims=keepdims)
    if ord == 1:
        return np.sum(absx, axis=axis, keepdims=keepdims)
    return np.sum(absx ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _singular_values(name, x, row, col):
    """The singular values of the matrix on axes (row, col) of a 2-D x."""
    if len(shape_of(x)) != 2:
        raise UnsupportedOperationError(
            f"{name} of a stack of matrices (shape {shape_of(x)}) is not supported on traced "
            "values: apply it to each matrix with a loop")
    return np.linalg.svd(x if row < col else _mT(x), compute_uv=False)


def _matrix_norm(x, ord, axis, keepdims):
    """The matrix norms over the axes (row, col), with numpy's formulas for each ord."""
    ndim = len(shape_of(x))
    row, col = (int(a) % ndim for a in axis)
    if row == col:
        raise UnsupportedOperationError(f"np.linalg.norm: duplicate axes {axis}")
    absx = np.abs(x)
    if ord in (None, "fro", "f"):
        out = np.sqrt(np.sum(x * x, axis=(row, col)))
    elif ord in (1, -1):  # the largest (smallest) column sum of |x|
        sums = np.sum(absx, axis=row)
        out = (np.max if ord == 1 else np.min)(sums, axis=col - 1 if col > row else col)
    elif ord in (np.inf, -np.inf):  # the largest (smallest) row sum of |x|
        sums = np.sum(absx, axis=col)
        out = (np.max if ord > 0 else np.min)(sums, axis=row - 1 if row > col else row)
    elif ord in (2, -2, "nuc"):
        s = _singular_values(f"np.linalg.norm(ord={ord!r})", x, row, col)
        out = s[0] if ord == 2 else s[-1] if ord == -2 else np.sum(s)
    else:
        raise UnsupportedOperationError(
            f"np.linalg.norm: invalid norm order {ord!r} for matrices; use {_MATRIX_ORDS}")
    if keepdims:
        shape = list(shape_of(x))
        shape[row] = shape[col] = 1
        out = np.reshape(out, shape)
    return out


@handles(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm with every ord and axis numpy takes, as numpy computes it: sums, abs,
    max/min and (ord 2, -2, 'nuc' of matrices) singular values. Each has its own rule, so the
    norm needs none; numpy's conventions at kinks apply (|x| at 0 has derivative 0)."""
    ndim = len(shape_of(x))
    if axis is None:
        if ord is None or (ord in ("fro", "f") and ndim == 2) or (ord == 2 and ndim == 1):
            out = np.sqrt(np.sum(x * x))
            return np.reshape(out, [1] * ndim) if keepdims else out
        if ndim not in (1, 2):
            raise UnsupportedOperationError(
                f"np.linalg.norm(ord={ord!r}) needs a vector or a matrix (or axis=); got shape "
                f"{shape_of(x)}")
        axis = tuple(range(ndim))
    elif not isinstance(axis, tuple):
        try:
            axis = (operator.index(axis),)
        except TypeError:
            raise UnsupportedOperationError(
                f"np.linalg.norm: axis must be an integer or a tuple of them; got {axis!r}"
            ) from None
    if len(axis) == 1:
        if isinstance(ord, str):
            raise UnsupportedOperationError(
                f"np.linalg.norm: invalid norm order {ord!r} for vectors; use {_VECTOR_ORDS}")
        return _vector_norm(x, ord, axis[0], keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise UnsupportedOperationError(f"np.linalg.norm: axis {axis} has more than two axes")


def _vector_norm_api(x, /, *, axis=None, keepdims=False, ord=2):
    """numpy 2's vector_norm: the vector norm of all of x (axis=None), or over one axis or
    several (moved to the front and merged, as numpy does)."""
    shape = shape_of(x)
    if isinstance(ord, str):
        raise UnsupportedOperationError(
            f"np.linalg.vector_norm: invalid norm order {ord!r}; use {_VECTOR_ORDS}")
    if axis is None:
        out = _vector_norm(np.reshape(x, (-1,)), ord, 0, False)
        return np.reshape(out, [1] * len(shape)) if keepdims else out
    axes = axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(operator.index(a) % len(shape) for a in axes)
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    merged = np.reshape(np.transpose(x, axes + rest),
                        (int(np.prod([shape[i] for i in axes])),) + tuple(shape[i] for i in rest))
    out = _vector_norm(merged, ord, 0, False)
    if keepdims:
        out = np.reshape(out, [1 if i in axes else n for i, n in enumerate(shape)])
    return out


def _matrix_norm_api(x, /, *, keepdims=False, ord="fro"):
    return _norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


if hasattr(np.linalg, "vector_norm"):  # numpy >= 2
    handles(np.linalg.vector_norm)(_vector_norm_api)
    handles(np.linalg.matrix_norm)(_matrix_norm_api)


@handles(np.linalg.cond)
def _cond(x, p=None):
    """The condition number as numpy computes it: s_max / s_min from the singular values for
    p = None, 2, -2 (inverted for -2); else norm(x, p) * norm(inv(x), p)."""
    if p is None or p in (2, -2):
        s = _singular_values("np.linalg.cond", x, 0, 1)
        return s[-1] / s[0] if p == -2 else s[0] / s[-1]
    _square("np.linalg.cond", x)
    return _norm(x, p) * _norm(_inv(x), p)
