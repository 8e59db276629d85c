"""Linear algebra on traced values: ``np.linalg`` functions as rows of the primitive table.

Each function is one :class:`~diffmethods.primitives.Primitive`: its tangent rule (what
forward mode and the complex step use) and its adjoint rule (reverse mode), side by side so one
can be checked against the other at a glance. For Y = inv(A), for instance, differentiating
A Y = I gives dA Y + A dY = 0, so

    dY = -Y dA Y          (tangent)          A_bar = -Y^T Y_bar Y^T     (adjoint)

This module has inv, solve, det, slogdet and cholesky, and the helpers the other linear
algebra modules share: :mod:`diffmethods.linalg_decompositions` (eigh, svd: one row per
output), :mod:`diffmethods.linalg_least_squares` (qr, pinv, lstsq) and
:mod:`diffmethods.linalg_composites` (norm, cond, matrix_power, matrix_rank: no rules).

Tangent rules always see plain arrays, and tangent blocks carry the directions on their last
axis (:func:`_directions_first` moves them to the front, so numpy's matrix functions broadcast
over them). Adjoint rules may see traced values -- reverse mode's Hessian sweeps the tape with
dual numbers -- so they are written with functions that dispatch (``@`` of 2-D operands,
``np.linalg.solve``/``inv``, ``np.moveaxis``, products with constant masks).

Where a derivative does not exist (eigenvectors of a repeated eigenvalue, a rank-deficient
pseudo-inverse) a rule returns nan with a :class:`~diffmethods.errors.DomainWarning`, never a
number; where f itself has no value (cholesky of a matrix that is not positive definite) the
error, a :class:`~diffmethods.errors.PointError`, names the function. Each function works on
one matrix; stacks of matrices are refused by name.
"""

from __future__ import annotations

import numpy as np

from .array_functions import _traced_type, handles
from .array_ops import shape_of
from .errors import BranchError, DomainWarning, PointError, UnsupportedOperationError, warn_user
from .primitives import PRIMITIVES, apply, move_block_axis_first, move_block_axis_last, primitive

MAX_SYMBOLIC_SIZE = 6
"""Symbolic inverses and solves grow factorially with the size: refused above 6 x 6."""

EPS = float(np.finfo(float).eps)
GAP_RTOL = float(np.sqrt(EPS))
"""Eigenvalues (or singular values) closer than this, relative to the largest, count as
repeated for the derivative of the *vectors*: it grows like 1/gap, and below sqrt(eps) its
rounding error does too, so it is nan (with a warning) rather than a confident number."""


def tie_tolerance(values, n: int) -> float:
    """Eigenvalues this close are numerically equal (the backward error of the decomposition,
    as np.linalg.matrix_rank's default tolerance): their derivatives are averaged."""
    return 16 * n * EPS * _scale(values)


def _scale(values) -> float:
    return max(float(np.max(np.abs(values), initial=0.0)), np.finfo(float).tiny)


# --- helpers ---------------------------------------------------------------------------------
def _mT(x):
    """The matrix transpose of the last two axes (works on traced values too)."""
    return np.moveaxis(x, -1, -2)


def _directions_first(t):
    return move_block_axis_first(t)


def _square(name: str, A) -> None:
    shape = shape_of(A)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise UnsupportedOperationError(
            f"{name} is differentiated for one square matrix; got an operand of shape {shape} "
            "(stacks of matrices: apply it to each with a loop or np.stack)")


def _matrix(name: str, A) -> None:
    shape = shape_of(A)
    if len(shape) != 2:
        raise UnsupportedOperationError(
            f"{name} is differentiated for one matrix (2-D); got an operand of shape {shape} "
            "(stacks of matrices: apply it to each with a loop or np.stack)")


def operand(x):
    """An operand as numpy sees it: a list or a number becomes an array; traced values pass."""
    from .tracing import Traced
    return x if isinstance(x, Traced) else np.asarray(x, dtype=float)


def is_plain(*xs) -> bool:
    """No operand is traced: the rule may use any numpy function."""
    return _traced_type(*xs) is None


def plain_value(x):
    """The numbers of a (possibly traced) value at the point, for decisions that do not
    depend on the variables (a rank, which eigenvalues tie, an ordering)."""
    from .tracing import Traced
    return np.asarray(x._primal() if isinstance(x, Traced) else x, dtype=float)


def numeric_or_refuse(name: str, x, why: str):
    """:func:`plain_value`, or a refusal naming ``name`` under the symbolic method, whose
    expressions have no numbers to decide with."""
    try:
        return plain_value(x)
    except BranchError:
        raise UnsupportedOperationError(
            f"{name} is not supported by the symbolic method: {why}. Use forward or reverse "
            "mode (or the complex step).") from None


def row_value(name: str, numpy_fn, fix: str):
    """The ``value`` of the row called ``name``: numpy's function on plain arrays, with its
    LinAlgError turned into our error naming the function; on traced arrays (reverse mode's
    Hessian calls values on dual numbers) the row itself, so only that output is traced."""
    def value(*xs, **params):
        if not is_plain(*xs):
            return apply(PRIMITIVES[name], xs, params)
        try:
            return numpy_fn(*xs, **params)
        except np.linalg.LinAlgError as e:
            raise PointError(f"{name} has no value at this point ({e}), so no derivative "
                             f"either{': ' + fix if fix else ''}") from None
    return value


def undefined(name: str, why: str) -> None:
    """Warn that a derivative does not exist here and is returned as nan."""
    warn_user(DomainWarning(f"{name}: {why}; the derivative is nan wherever f depends on "
                            "it, not a number."))


def nan_where_used(A_bar, used: bool, read=None):
    """An adjoint that read an undefined quantity (``used``) is nan -- in the entries the
    function reads (``read``, a mask; all by default) -- as a product, so that a dual
    number's tangent is nan too."""
    if not used:
        return A_bar
    return A_bar * (np.nan if read is None else np.where(read, np.nan, 1.0))


def strict_triangle(n: int, UPLO: str) -> np.ndarray:
    """The 0/1 mask of the strictly lower (UPLO='L') or strictly upper triangle."""
    return np.tril(np.ones((n, n)), -1) if UPLO == "L" else np.triu(np.ones((n, n)), 1)


def symmetric_from(X, UPLO: str):
    """The symmetric matrix numpy's eigh/cholesky see in X: its UPLO triangle, mirrored.
    Works on 2-D values and on stacks (k, n, n) of tangents alike (it is linear)."""
    n = shape_of(X)[-1]
    strict = strict_triangle(n, UPLO)
    return X * (strict + np.eye(n)) + _mT(X * strict)


def symmetric_from_T(S, UPLO: str):
    """The transpose of :func:`symmetric_from`: the adjoint of X given that of the symmetric
    matrix, (S + S^T) on the UPLO triangle and S's diagonal."""
    n = shape_of(S)[-1]
    return (S + _mT(S)) * strict_triangle(n, UPLO) + S * np.eye(n)


def result_type(example):
    """numpy's result type for a decomposition (a namedtuple such as EighResult, or tuple)."""
    kind = type(example)
    return kind if hasattr(kind, "_fields") else (lambda *parts: tuple(parts))


def _sympy_matrix(name: str, A):
    import sympy
    if A.shape[0] > MAX_SYMBOLIC_SIZE:
        raise UnsupportedOperationError(
            f"{name} of a {A.shape[0]}x{A.shape[0]} matrix is not supported by the symbolic "
            f"method: its expressions grow factorially (at most {MAX_SYMBOLIC_SIZE}x"
            f"{MAX_SYMBOLIC_SIZE}). Use forward or reverse mode.")
    return sympy.Matrix(A.tolist())


def _as_object_array(matrix) -> np.ndarray:
    out = np.empty(matrix.shape, dtype=object)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            out[i, j] = matrix[i, j]
    return out


# --- inv ------------------------------------------------------------------------------------
def _inv_jvp(ts, xs, Y):
    (tA,) = ts
    return move_block_axis_last(-Y @ _directions_first(tA) @ Y)  # dY = -Y dA Y


def _inv_vjp(g, xs, Y, wrt):
    YT = _mT(Y)
    return -(YT @ g @ YT)  # A_bar = -Y^T Y_bar Y^T


INV = primitive(
    "np.linalg.inv", row_value("np.linalg.inv", np.linalg.inv, "the matrix is singular"),
    _inv_jvp, _inv_vjp,
    sympy=lambda A: _as_object_array(_sympy_matrix("np.linalg.inv", A).inv()))


@handles(np.linalg.inv)
def _inv(a):
    _square("np.linalg.inv", a)
    return apply(INV, (a,), {})


# --- solve ----------------------------------------------------------------------------------
def _solve_jvp(ts, xs, x):
    # A x = b  =>  A dx = db - dA x
    tA, tb = ts
    A, b = xs
    k = (tA if tA is not None else tb).shape[-1]
    rhs = np.zeros(np.shape(b) + (k,)) if tb is None else tb
    if tA is not None:
        if np.ndim(b) == 1:
            rhs = rhs - np.einsum("ijk,j->ik", tA, x)
        else:
            rhs = rhs - np.einsum("ijk,jm->imk", tA, x)
    n = np.shape(A)[0]
    return np.linalg.solve(A, rhs.reshape(n, -1)).reshape(rhs.shape)


def _solve_vjp(g, xs, x, wrt):
    A, b = xs
    gb = np.linalg.solve(_mT(A), g)  # b_bar = A^-T x_bar
    if wrt == 1:
        return gb
    if len(shape_of(b)) == 1:
        return -np.outer(gb, x)  # A_bar = -b_bar x^T
    return -(gb @ _mT(x))


def _solve_sympy(A, b):
    M = _sympy_matrix("np.linalg.solve", A)
    import sympy
    rhs = sympy.Matrix(b.reshape(len(b), -1).tolist())
    out = _as_object_array(M.LUsolve(rhs))
    return out.reshape(b.shape)


SOLVE = primitive("np.linalg.solve",
                  row_value("np.linalg.solve", np.linalg.solve, "the matrix is singular"),
                  _solve_jvp, _solve_vjp, sympy=_solve_sympy)


@handles(np.linalg.solve)
def _solve(a, b):
    a, b = operand(a), operand(b)
    _square("np.linalg.solve", a)
    if len(shape_of(b)) not in (1, 2) or shape_of(b)[0] != shape_of(a)[0]:
        raise UnsupportedOperationError(
            f"np.linalg.solve is differentiated for b of shape ({shape_of(a)[0]},) or "
            f"({shape_of(a)[0]}, m); got {shape_of(b)}")
    return apply(SOLVE, (a, b), {})


# --- det ------------------------------------------------------------------------------------
def cofactors(A):
    """det(A) A^{-T}, the gradient of det, from the SVD A = U diag(s) V^T: it is
    det(U) det(V) U diag(prod_{j != i} s_j) V^T, exact also at and near singular matrices
    (where det(A) A^{-T} is 0 * inf)."""
    U, s, Vh = np.linalg.svd(A)
    before = np.concatenate([[1.0], np.cumprod(s)[:-1]])  # prod_{j < i} s_j
    after = np.concatenate([np.cumprod(s[::-1])[:-1][::-1], [1.0]])  # prod_{j > i} s_j
    sign = np.linalg.det(U) * np.linalg.det(Vh)  # each is +-1
    return sign * (U * (before * after)) @ Vh


def _det_jvp(ts, xs, d):
    (tA,) = ts
    (A,) = xs
    return np.einsum("ij,ijk->k", cofactors(A), tA)  # d det = <cof(A), dA> = tr(adj(A) dA)


def _det_vjp(g, xs, d, wrt):
    (A,) = xs
    if is_plain(A):
        return g * cofactors(A)  # A_bar = det_bar cof(A)
    if np.linalg.matrix_rank(plain_value(A)) < shape_of(A)[0]:
        raise UnsupportedOperationError(
            "second derivatives of np.linalg.det at a singular matrix are not supported (its "
            "traced rule is det(A) A^-T); the gradient is, by every method")
    return (g * d) * _mT(np.linalg.inv(A))  # traced (a Hessian): cof(A) = det(A) A^-T


DET = primitive(
    "np.linalg.det", row_value("np.linalg.det", np.linalg.det, ""), _det_jvp, _det_vjp,
    sympy=lambda A: _sympy_matrix("np.linalg.det", A).det(method="berkowitz"))


@handles(np.linalg.det)
def _det(a):
    _square("np.linalg.det", a)
    return apply(DET, (a,), {})


# --- slogdet --------------------------------------------------------------------------------
def _inverse_or_nan(A):
    """inv(A) of a plain matrix, or None (with a warning) where A is singular: log|det| is
    -inf there and has no derivative."""
    try:
        return np.linalg.inv(A)
    except np.linalg.LinAlgError:
        undefined("np.linalg.slogdet", "the matrix is singular (log|det| = -inf)")
        return None


def _slogdet_jvp(ts, xs, out):
    # out = (sign, log|det A|): the sign is constant where det != 0, and
    # d log|det A| = tr(A^-1 dA)
    (tA,) = ts
    (A,) = xs
    Ainv = _inverse_or_nan(A)
    if Ainv is None:  # nan for the directions that move A
        dlog = np.where(np.any(tA.reshape(-1, tA.shape[-1]) != 0, axis=0), np.nan, 0.0)
    else:
        dlog = np.einsum("ji,ijk->k", Ainv, tA)
    return np.stack([np.zeros_like(dlog), dlog])


def _slogdet_vjp(g, xs, out, wrt):
    (A,) = xs
    Ainv = _inverse_or_nan(A) if is_plain(A) else np.linalg.inv(A)
    if Ainv is None:
        return np.full(shape_of(A), np.nan)
    return g[1] * _mT(Ainv)  # A_bar = logdet_bar A^-T (the sign's adjoint meets a 0)


def _slogdet_sympy(A):
    from .symfuncs import RealAbs, RealSign
    import sympy
    det = _sympy_matrix("np.linalg.slogdet", A).det(method="berkowitz")
    return np.array([RealSign(det), sympy.log(RealAbs(det))], dtype=object)


SLOGDET = primitive(
    "np.linalg.slogdet",
    row_value("np.linalg.slogdet", lambda A: np.array(np.linalg.slogdet(A)), ""),
    _slogdet_jvp, _slogdet_vjp, sympy=_slogdet_sympy)
_SlogdetResult = result_type(np.linalg.slogdet(np.eye(1)))


@handles(np.linalg.slogdet)
def _slogdet(a):
    """(sign, log|det|) from one row whose value is both (one factorization). The sign is a
    constant -- its derivative is 0 wherever det != 0 -- so it is returned as a plain number
    (under the symbolic method, which has no numbers, as the expression sign(det))."""
    _square("np.linalg.slogdet", a)
    both = apply(SLOGDET, (a,), {})
    try:
        sign = float(plain_value(both)[0])
    except BranchError:
        sign = both[0]
    return _SlogdetResult(sign, both[1])


# --- cholesky -------------------------------------------------------------------------------
def _phi(n: int) -> np.ndarray:
    """The mask of Phi(X): the strictly lower triangle and half the diagonal."""
    return np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)


def _cholesky_jvp(ts, xs, L):
    # S = L L^T  =>  dS = dL L^T + L dL^T  =>  X = L^-1 dS L^-T = L^-1 dL + (L^-1 dL)^T, and
    # L^-1 dL is lower triangular, so it is Phi(X): X's strictly lower part, half its diagonal
    (tA,) = ts
    n = L.shape[0]
    dS = symmetric_from(_directions_first(tA), "L")  # numpy reads the lower triangle only
    Linv = np.linalg.inv(L)
    X = Linv @ dS @ Linv.T
    return move_block_axis_last(L @ (X * _phi(n)))  # dL = L Phi(X)


def _cholesky_vjp(g, xs, L, wrt):
    # the transpose, step by step: <L_bar, L Phi(X)> = <Phi(L^T L_bar), X> (Phi is a mask,
    # its own transpose) = <L^-T Phi(L^T L_bar) L^-1, dS>; then back through the triangle
    n = shape_of(L)[0]
    Linv = np.linalg.inv(L)
    S_bar = _mT(Linv) @ ((_mT(L) @ g) * _phi(n)) @ Linv
    return symmetric_from_T(S_bar, "L")


def _cholesky_sympy(A):
    import sympy
    n = A.shape[0]
    _sympy_matrix("np.linalg.cholesky", A)  # the size check
    S = sympy.Matrix(n, n, lambda i, j: A[max(i, j), min(i, j)])  # the lower triangle, mirrored
    return _as_object_array(S.cholesky(hermitian=False))


CHOLESKY = primitive(
    "np.linalg.cholesky",
    row_value("np.linalg.cholesky", np.linalg.cholesky,
              "the matrix is not positive definite (add to its diagonal, or check it is "
              "symmetric)"),
    _cholesky_jvp, _cholesky_vjp, sympy=_cholesky_sympy)


@handles(np.linalg.cholesky)
def _cholesky(a, /, *, upper=False):
    _square("np.linalg.cholesky", a)
    if upper:  # numpy reads the upper triangle and returns U = L^T: that is cholesky(a^T)^T
        return _mT(apply(CHOLESKY, (_mT(a),), {}))
    return apply(CHOLESKY, (a,), {})


# The rest of np.linalg registers itself with @handles on import (it uses the helpers above).
from . import linalg_composites, linalg_decompositions, linalg_least_squares  # noqa: E402,F401
