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
error, a :class:`~diffmethods.errors.PointError`, names the function. inv, solve, det, slogdet
and cholesky also take stacks of matrices (..., M, M), as numpy does: their rules broadcast
(:mod:`diffmethods.linalg_stacks`); the other functions work on one matrix and refuse stacks
by name.
"""

from __future__ import annotations

import numpy as np

from .array_functions import _traced_type, handles
from .array_ops import shape_of
from .errors import BranchError, DomainWarning, PointError, UnsupportedOperationError, warn_user
from .linalg_stacks import (cofactors, inverse_each, per_matrix, reduce_to, solve_per_matrix,
                            square_stack)
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
    sympy=per_matrix(lambda A: _as_object_array(_sympy_matrix("np.linalg.inv", A).inv())))


@handles(np.linalg.inv)
def _inv(a):
    square_stack("np.linalg.inv", a)
    return apply(INV, (a,), {})


# --- solve ----------------------------------------------------------------------------------
def _solve_jvp(ts, xs, x):
    # A x = b  =>  A dx = db - dA x; b is one vector (M,) or a stack of matrices (..., M, K)
    tA, tb = ts
    A, b = xs
    k = (tA if tA is not None else tb).shape[-1]
    vector = np.ndim(b) == 1
    rhs = np.zeros(np.shape(x) + (k,)) if tb is None else np.broadcast_to(tb, np.shape(x) + (k,))
    if tA is not None:
        rhs = rhs - (np.einsum("...ijk,...j->...ik", tA, x) if vector
                     else np.einsum("...ijk,...jm->...imk", tA, x))
    flat = rhs if vector else rhs.reshape(rhs.shape[:-2] + (-1,))  # (..., M, K * k)
    return np.linalg.solve(A, flat).reshape(rhs.shape)


def _solve_vjp(g, xs, x, wrt):
    A, b = xs
    if len(shape_of(b)) == 1:
        # b_bar = A^-T x_bar, as a one-column matrix (a stack of vectors is ambiguous in numpy)
        gb = np.linalg.solve(_mT(A), np.reshape(g, shape_of(g) + (1,)))[..., 0]
        if wrt == 1:
            return reduce_to(gb, shape_of(b))
        if len(shape_of(A)) == 2:
            return -np.outer(gb, x)  # A_bar = -b_bar x^T
        return -(gb[..., :, None] * x[..., None, :])
    gb = np.linalg.solve(_mT(A), g)
    if wrt == 1:
        return reduce_to(gb, shape_of(b))
    return reduce_to(-(gb @ _mT(x)), shape_of(A))


def _solve_sympy(A, b):
    M = _sympy_matrix("np.linalg.solve", A)
    import sympy
    rhs = sympy.Matrix(b.reshape(len(b), -1).tolist())
    out = _as_object_array(M.LUsolve(rhs))
    return out.reshape(b.shape)


SOLVE = primitive("np.linalg.solve",
                  row_value("np.linalg.solve", np.linalg.solve, "the matrix is singular"),
                  _solve_jvp, _solve_vjp, sympy=solve_per_matrix(_solve_sympy))


@handles(np.linalg.solve)
def _solve(a, b):
    a, b = operand(a), operand(b)
    batch = square_stack("np.linalg.solve", a)
    n, bshape = shape_of(a)[-1], shape_of(b)
    vector = len(bshape) == 1 and bshape[0] == n
    matrices = len(bshape) == len(batch) + 2 and bshape[-2] == n
    if not (vector or matrices):
        raise UnsupportedOperationError(
            f"np.linalg.solve is differentiated for a of shape (..., {n}, {n}) and b of shape "
            f"({n},) or (..., {n}, K) with as many axes as a; got {bshape} (for a stack of "
            "vectors write b[..., None] and take [..., 0] of the result)")
    if matrices:
        try:
            np.broadcast_shapes(batch, bshape[:-2])
        except ValueError:
            raise UnsupportedOperationError(
                f"np.linalg.solve: the stacks of a {shape_of(a)} and b {bshape} do not "
                "broadcast") from None
    return apply(SOLVE, (a, b), {})


# --- det ------------------------------------------------------------------------------------
def _det_jvp(ts, xs, d):
    (tA,) = ts
    (A,) = xs
    # d det = <cof(A), dA> = tr(adj(A) dA), for each matrix of a stack
    return np.einsum("...ij,...ijk->...k", cofactors(A), tA)


def _det_vjp(g, xs, d, wrt):
    (A,) = xs
    stacked = len(shape_of(A)) > 2
    if is_plain(A):
        return (np.asarray(g)[..., None, None] if stacked else g) * cofactors(A)
    if np.any(np.linalg.matrix_rank(plain_value(A)) < shape_of(A)[-1]):
        raise UnsupportedOperationError(
            "second derivatives of np.linalg.det at a singular matrix are not supported (its "
            "traced rule is det(A) A^-T); the gradient is, by every method")
    gd = g * d  # traced (a Hessian): cof(A) = det(A) A^-T
    return (gd[..., None, None] if stacked else gd) * _mT(np.linalg.inv(A))


DET = primitive(
    "np.linalg.det", row_value("np.linalg.det", np.linalg.det, ""), _det_jvp, _det_vjp,
    sympy=per_matrix(lambda A: _sympy_matrix("np.linalg.det", A).det(method="berkowitz")))


@handles(np.linalg.det)
def _det(a):
    square_stack("np.linalg.det", a)
    return apply(DET, (a,), {})


# --- slogdet --------------------------------------------------------------------------------
def _inverse_or_nan(A):
    """(inv(A), singular mask) of a plain matrix or stack, nan where a matrix is singular
    (log|det| = -inf there and has no derivative), with a warning."""
    Ainv, singular = inverse_each(A)
    if np.any(singular):
        undefined("np.linalg.slogdet", "the matrix is singular (log|det| = -inf)")
    return Ainv, singular


def _slogdet_jvp(ts, xs, out):
    # out = (sign, log|det A|): the sign is constant where det != 0, and
    # d log|det A| = tr(A^-1 dA); nan for the directions that move a singular matrix
    (tA,) = ts
    (A,) = xs
    Ainv, singular = _inverse_or_nan(A)
    dlog = np.einsum("...ji,...ijk->...k", np.where(singular[..., None, None], 0.0, Ainv), tA)
    moved = np.any(tA != 0, axis=(-3, -2))
    dlog = np.where(singular[..., None] & moved, np.nan, dlog)
    return np.stack([np.zeros_like(dlog), dlog])


def _slogdet_vjp(g, xs, out, wrt):
    # A_bar = logdet_bar A^-T (the sign's adjoint meets a 0); nan for a singular matrix of the
    # stack whose log|det| is read (logdet_bar != 0), 0 for one that is not
    (A,) = xs
    g1 = g[1]
    if len(shape_of(A)) > 2:
        g1 = g1[..., None, None]
    if not is_plain(A, g):
        return g1 * _mT(np.linalg.inv(A))
    Ainv, singular = _inverse_or_nan(A)
    singular = singular[..., None, None]
    A_bar = g1 * _mT(np.where(singular, 0.0, Ainv))
    return np.where(singular & (g1 != 0), np.nan, A_bar)


def _slogdet_sympy(A):
    from .symfuncs import RealAbs, RealSign
    import sympy
    det = _sympy_matrix("np.linalg.slogdet", A).det(method="berkowitz")
    return np.array([RealSign(det), sympy.log(RealAbs(det))], dtype=object)


SLOGDET = primitive(
    "np.linalg.slogdet",
    row_value("np.linalg.slogdet", lambda A: np.array(np.linalg.slogdet(A)), ""),
    _slogdet_jvp, _slogdet_vjp, sympy=per_matrix(_slogdet_sympy, out_axis_first=True))
_SlogdetResult = result_type(np.linalg.slogdet(np.eye(1)))


@handles(np.linalg.slogdet)
def _slogdet(a):
    """(sign, log|det|) from one row whose value is both (one factorization). The sign is a
    constant -- its derivative is 0 wherever det != 0 -- so it is returned as a plain number
    (under the symbolic method, which has no numbers, as the expression sign(det))."""
    square_stack("np.linalg.slogdet", a)
    both = apply(SLOGDET, (a,), {})
    try:
        sign = plain_value(both)[0]
        sign = float(sign) if sign.ndim == 0 else sign
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
    n = L.shape[-1]
    dS = symmetric_from(_directions_first(tA), "L")  # numpy reads the lower triangle only
    Linv = np.linalg.inv(L)
    X = Linv @ dS @ _mT(Linv)
    return move_block_axis_last(L @ (X * _phi(n)))  # dL = L Phi(X)


def _cholesky_vjp(g, xs, L, wrt):
    # the transpose, step by step: <L_bar, L Phi(X)> = <Phi(L^T L_bar), X> (Phi is a mask,
    # its own transpose) = <L^-T Phi(L^T L_bar) L^-1, dS>; then back through the triangle
    n = shape_of(L)[-1]
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
    _cholesky_jvp, _cholesky_vjp, sympy=per_matrix(_cholesky_sympy))


@handles(np.linalg.cholesky)
def _cholesky(a, /, *, upper=False):
    square_stack("np.linalg.cholesky", a)
    if upper:  # numpy reads the upper triangle and returns U = L^T: that is cholesky(a^T)^T
        return _mT(apply(CHOLESKY, (_mT(a),), {}))
    return apply(CHOLESKY, (a,), {})


# The rest of np.linalg registers itself with @handles on import (it uses the helpers above).
from . import linalg_composites, linalg_decompositions, linalg_least_squares  # noqa: E402,F401
