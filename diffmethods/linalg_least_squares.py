"""QR, the pseudo-inverse and least squares on traced values: one row per output.

QR's rows are ``np.linalg.qr`` (Q) and ``np.linalg.qr (R)``; each rule recomputes the
factorization it needs (see :mod:`diffmethods.linalg_decompositions`). All three are
differentiated where the matrix has full rank -- there the pseudo-inverse and the least-squares
solution are smooth; at a rank-deficient matrix they jump when the rank changes, so the
derivative is nan with a :class:`~diffmethods.errors.DomainWarning`. The extra columns of
``mode='complete'`` are any basis of a complement, so the same holds for them.
"""

from __future__ import annotations

import numpy as np

from .array_functions import handles
from .array_ops import shape_of
from .errors import UnsupportedOperationError
from .linalg import (EPS, _directions_first, _matrix, _mT, _scale, _square, is_plain,
                     nan_where_used, operand, plain_value, result_type, row_value, symmetric_from,
                     undefined)
from .linalg_decompositions import touched
from .primitives import apply, move_block_axis_last, primitive


# --- qr -------------------------------------------------------------------------------------
def _rank_deficient(diagonal, shape) -> bool:
    d = np.abs(plain_value(diagonal))
    return bool(np.any(d <= max(shape) * EPS * _scale(d)))


def _qr_jvp(ts, xs, out, mode, want):
    # A = [X Y] with X the first k = min(m, n) columns: X = Q R1, Y = Q R2. From
    # dX = dQ R1 + Q dR1, with B = dX R1^-1 and C = Q^T B = Q^T dQ + dR1 R1^-1, where
    # Q^T dQ = Omega is antisymmetric and dR1 R1^-1 upper triangular: Omega is C's strictly
    # lower triangle minus its transpose, dR1 = (C - Omega) R1, dQ = Q (Omega - C) + B, and
    # dR2 = dQ^T Y + Q^T dY.
    (tA,) = ts
    (A,) = xs
    Q, R = np.linalg.qr(A)
    m, n = A.shape
    k = min(m, n)
    R1, Y = R[:, :k], A[:, k:]
    deficient = _rank_deficient(np.diag(R1), A.shape)
    T = _directions_first(tA)
    R1s = np.eye(k) if deficient else R1  # (a singular R1 cannot be solved with: nan below)
    B = _mT(np.linalg.solve(R1s.T, _mT(T[..., :k])))  # B = dX R1^-1, for each direction
    C = _mT(Q) @ B
    lower = np.tril(C, -1)
    Omega = lower - _mT(lower)
    dQ = Q @ (Omega - C) + B
    if want == "Q":
        d = dQ
        if mode == "complete" and m > n:  # any basis of the complement: no derivative
            d = np.concatenate([d, np.zeros((len(T), m, m - n))], axis=-1)
            d[touched(tA), :, n:] = np.nan
    else:
        d = np.concatenate([(C - Omega) @ R1, _mT(dQ) @ Y + _mT(Q) @ T[..., k:]], axis=-1)
        if mode == "complete" and m > n:  # rows n.. of R are always zero
            d = np.concatenate([d, np.zeros((len(T), m - n, n))], axis=-2)
    if deficient:
        undefined("np.linalg.qr", "the matrix is rank-deficient (a zero on R's diagonal)")
        d = np.where(touched(tA)[:, None, None], np.nan, d)
    if want == "Q" and mode == "complete" and m > n and touched(tA).any():
        undefined("np.linalg.qr", "mode='complete' adds columns of Q that are any basis of a "
                  "complement (use mode='reduced')")
    return move_block_axis_last(d)


def _qr_vjp(g, xs, out, wrt, mode, want):
    # the transpose of the rule above: with Qb = Q_bar + Y R2_bar^T, M = R1_bar R1^T and
    # N = Q^T Qb,  C_bar = triu(M) + tril(M^T, -1) + tril(N, -1) - tril(N^T, -1) - N,
    # X_bar = (Qb + Q C_bar) R1^-T and Y_bar = Q R2_bar.
    (A,) = xs
    Q, R = np.linalg.qr(A)
    m, n = shape_of(A)
    k = min(m, n)
    R1, Y = R[:, :k], A[:, k:]
    deficient = _rank_deficient(np.diag(plain_value(R1)), (m, n))
    used = False
    if mode == "complete" and m > n:
        if want == "Q":
            used = bool(np.any(plain_value(g)[:, n:] != 0))
            g = g[:, :n]
        else:
            g = g[:n, :]  # rows n.. of R are constant zeros
    lower, upper = np.tril(np.ones((k, k)), -1), np.triu(np.ones((k, k)))
    if want == "Q":  # Q does not depend on Y
        Qb, C_bar, Y_bar = g, 0.0, np.zeros((m, n - k)) if n > k else None
    else:
        R1_bar = g[:, :k]
        Qb = Y @ _mT(g[:, k:]) if n > k else None
        Y_bar = Q @ g[:, k:] if n > k else None
        M = R1_bar @ _mT(R1)
        C_bar = M * upper + _mT(M) * lower
    if Qb is not None:
        N = _mT(Q) @ Qb
        C_bar = C_bar + N * lower - _mT(N) * lower - N
    B_bar = Q @ C_bar if Qb is None else Qb + Q @ C_bar
    X_bar = _mT(np.linalg.solve(np.eye(k) if deficient else R1, _mT(B_bar)))  # B_bar R1^-T
    A_bar = X_bar if Y_bar is None else np.concatenate([X_bar, Y_bar], axis=1)
    if deficient:
        undefined("np.linalg.qr", "the matrix is rank-deficient (a zero on R's diagonal)")
        used = True
    elif used:
        undefined("np.linalg.qr", "f uses the columns mode='complete' adds to Q, which are "
                  "any basis of a complement (use mode='reduced')")
    return nan_where_used(A_bar, used)


_QR_WHY = "numpy's QR comes from Householder reflections, whose signs have no closed form"
QR_Q = primitive(
    "np.linalg.qr",
    row_value("np.linalg.qr", lambda A, mode: np.linalg.qr(A, mode=mode)[0], ""),
    lambda ts, xs, out, mode: _qr_jvp(ts, xs, out, mode, "Q"),
    lambda g, xs, out, wrt, mode: _qr_vjp(g, xs, out, wrt, mode, "Q"), why_no_sympy=_QR_WHY)
QR_R = primitive(
    "np.linalg.qr (R)",
    row_value("np.linalg.qr (R)", lambda A, mode: (
        np.linalg.qr(A, mode="r") if mode == "r" else np.linalg.qr(A, mode=mode)[1]), ""),
    lambda ts, xs, out, mode: _qr_jvp(ts, xs, out, mode, "R"),
    lambda g, xs, out, wrt, mode: _qr_vjp(g, xs, out, wrt, mode, "R"), why_no_sympy=_QR_WHY)
_QRResult = result_type(np.linalg.qr(np.eye(1)))


@handles(np.linalg.qr)
def _qr(a, mode="reduced"):
    _matrix("np.linalg.qr", a)
    if mode not in ("reduced", "complete", "r"):
        raise UnsupportedOperationError(
            f"np.linalg.qr(mode={mode!r}) is not supported on traced values: use mode="
            "'reduced' (the default), 'complete' or 'r' ('raw' is LAPACK's Householder form)")
    R = apply(QR_R, (a,), {"mode": mode})
    if mode == "r":
        return R
    return _QRResult(apply(QR_Q, (a,), {"mode": mode}), R)


# --- pinv -----------------------------------------------------------------------------------
_UNSET = object()
_RANK_WHY = ("it decides the rank from singular values (rcond), which have no closed form")


def _full_rank(A, cutoff: float) -> bool:
    """No singular value at or below cutoff x the largest (numpy's rank decision)."""
    s = np.linalg.svd(plain_value(A), compute_uv=False)
    return bool(np.all(s > cutoff * s.max(initial=0.0)))


def _rank_deficient_warning(name):
    undefined(name, "the matrix is rank-deficient, and the pseudo-inverse jumps where the "
              "rank changes")


def _pinv_jvp(ts, xs, X, rcond):
    # for X = A^+ at a point where the rank is locally constant (Golub and Pereyra 1973):
    # dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X
    (tA,) = ts
    (A,) = xs
    m, n = A.shape
    T = _directions_first(tA)
    TT = _mT(T)
    dX = (-X @ T @ X + (X @ X.T) @ TT @ (np.eye(m) - A @ X)
          + (np.eye(n) - X @ A) @ TT @ (X.T @ X))
    if not _full_rank(A, rcond):
        _rank_deficient_warning("np.linalg.pinv")
        dX = np.where(touched(tA)[:, None, None], np.nan, dX)
    return move_block_axis_last(dX)


def _pinv_vjp(g, xs, X, wrt, rcond):
    # each term of the tangent, transposed (G = X_bar):  <G, -X dA X> = <-X^T G X^T, dA>,
    # <G, X X^T dA^T (I - A X)> = <(I - A X) G^T X X^T, dA>,
    # <G, (I - X A) dA^T X^T X> = <X^T X G^T (I - X A), dA>
    (A,) = xs
    m, n = shape_of(A)
    XT, GT = _mT(X), _mT(g)
    A_bar = (-(XT @ g @ XT) + (np.eye(m) - A @ X) @ GT @ (X @ XT)
             + (XT @ X) @ GT @ (np.eye(n) - X @ A))
    full = _full_rank(A, rcond)
    if not full:
        _rank_deficient_warning("np.linalg.pinv")
    return nan_where_used(A_bar, not full)


PINV = primitive(
    "np.linalg.pinv",
    row_value("np.linalg.pinv", lambda A, rcond: np.linalg.pinv(A, rcond=rcond), ""),
    _pinv_jvp, _pinv_vjp, why_no_sympy=_RANK_WHY)


@handles(np.linalg.pinv)
def _pinv(a, rcond=None, hermitian=False, *, rtol=_UNSET):
    _matrix("np.linalg.pinv", a)
    if rcond is not None and rtol is not _UNSET:
        raise UnsupportedOperationError("np.linalg.pinv: rtol and rcond cannot both be set")
    if rcond is None:  # numpy's cutoff, relative to the largest singular value
        rcond = 1e-15 if rtol is _UNSET else max(shape_of(a)) * EPS if rtol is None else rtol
    if np.ndim(rcond) != 0:
        raise UnsupportedOperationError("np.linalg.pinv: rcond (rtol) must be one number on "
                                        "traced values (one matrix, one cutoff)")
    if hermitian:  # numpy reads the lower triangle (through eigh)
        _square("np.linalg.pinv(hermitian=True)", a)
        a = symmetric_from(a, "L")
    return apply(PINV, (a,), {"rcond": float(rcond)})


# --- lstsq ----------------------------------------------------------------------------------
def _lstsq_pinv(A, rcond):
    """(A^+, full rank?) of a plain A, the rank decided as LAPACK's gelsd does."""
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    cut = (EPS * max(A.shape) if rcond is None or rcond < 0 else rcond) * s.max(initial=0.0)
    keep = s > cut
    sinv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)
    return Vh.T @ (U.T * sinv[:, None]), bool(keep.all())


def _lstsq_jvp(ts, xs, x, rcond):
    # x = A^+ b, so dx = dA^+ b + A^+ db with dA^+ as for pinv; with r = b - A x:
    # dx = X (db - dA x) + X X^T dA^T r + (I - X A) dA^T X^T x
    tA, tb = ts
    A, b = xs
    X, full = _lstsq_pinv(A, rcond)
    m, n = A.shape
    k = (tA if tA is not None else tb).shape[-1]
    b2, x2 = b.reshape(m, -1), x.reshape(n, -1)
    d = np.zeros((k, n, b2.shape[1]))
    moving = np.zeros(k, dtype=bool)
    if tb is not None:
        d = d + X @ _directions_first(tb.reshape(b2.shape + (k,)))
        moving |= touched(tb)
    if tA is not None:
        T = _directions_first(tA)
        TT = _mT(T)
        r = b2 - A @ x2
        d = d - X @ (T @ x2) + (X @ X.T) @ (TT @ r) + (np.eye(n) - X @ A) @ (TT @ (X.T @ x2))
        moving |= touched(tA)
    if not full:
        _rank_deficient_warning("np.linalg.lstsq")
        d = np.where(moving[:, None, None], np.nan, d)
    return move_block_axis_last(d).reshape(np.shape(x) + (k,))


def _lstsq_vjp(g, xs, x, wrt, rcond):
    # the tangent's terms transposed, as for pinv (columns of b summed): b_bar = X^T x_bar,
    # A_bar = -X^T x_bar x^T + r x_bar^T X X^T + (X^T x) x_bar^T (I - X A)
    A, b = xs
    m, n = shape_of(A)
    if is_plain(A):
        X, full = _lstsq_pinv(A, rcond)
    else:  # a Hessian's sweep: the pseudo-inverse as a traced value
        X, full = np.linalg.pinv(A), _lstsq_pinv(plain_value(A), rcond)[1]
    if not full:
        _rank_deficient_warning("np.linalg.lstsq")
    g2, x2, XT = np.reshape(g, (n, -1)), np.reshape(x, (n, -1)), _mT(X)
    if wrt == 1:
        return nan_where_used(np.reshape(XT @ g2, shape_of(b)), not full)
    r = np.reshape(b, (m, -1)) - A @ x2
    gT = _mT(g2)
    A_bar = -(XT @ g2) @ _mT(x2) + r @ gT @ (X @ XT) + (XT @ x2) @ gT @ (np.eye(n) - X @ A)
    return nan_where_used(A_bar, not full)


LSTSQ = primitive(
    "np.linalg.lstsq",
    row_value("np.linalg.lstsq", lambda A, b, rcond: np.linalg.lstsq(A, b, rcond=rcond)[0],
              ""), _lstsq_jvp, _lstsq_vjp, why_no_sympy=_RANK_WHY)


@handles(np.linalg.lstsq)
def _lstsq(a, b, rcond=None):
    """(x, residuals, rank, s) as numpy returns them: x is the row; the residuals (when
    numpy gives them: full column rank, m > n) and the singular values are composites; the
    rank is a plain integer."""
    a, b = operand(a), operand(b)
    _matrix("np.linalg.lstsq", a)
    m, n = shape_of(a)
    if len(shape_of(b)) not in (1, 2) or shape_of(b)[0] != m:
        raise UnsupportedOperationError(
            f"np.linalg.lstsq is differentiated for b of shape ({m},) or ({m}, k); got "
            f"{shape_of(b)}")
    x = apply(LSTSQ, (a, b), {"rcond": rcond})
    s = np.linalg.svd(a, compute_uv=False)
    sv = plain_value(s)
    cut = (EPS * max(m, n) if rcond is None or rcond < 0 else rcond) * sv.max(initial=0.0)
    rank = int(np.sum(sv > cut))
    if rank == n and m > n:
        r = b - a @ x
        residuals = np.sum(r * r, axis=0)
        residuals = np.reshape(residuals, (1,)) if len(shape_of(b)) == 1 else residuals
    else:
        residuals = np.zeros(0)
    return x, residuals, rank, s
