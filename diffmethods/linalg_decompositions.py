"""Spectral decompositions on traced values: eigh, eigvalsh, svd (and svdvals).

The primitive table holds single-output rows, so a decomposition with several outputs is one
row per output -- ``np.linalg.eigh`` (the eigenvalues) and ``np.linalg.eigh (eigenvectors)``;
``np.linalg.svd`` (the singular values), ``np.linalg.svd (U)`` and ``np.linalg.svd (Vh)`` --
and the user gets numpy's namedtuple of them. Each rule recomputes the decomposition it needs
from the operand: one more O(n^3) call per rule, the price of rows that stay independent (and
of sweeping, in reverse mode, only the outputs f uses).

Where a derivative does not exist the rules return nan with a
:class:`~diffmethods.errors.DomainWarning`, never a number: eigenvectors (singular vectors) of
eigenvalues (singular values) closer than ``GAP_RTOL`` -- any rotation of them is as good --,
singular vectors of a zero singular value (their signs are arbitrary), and the extra vectors of
``full_matrices=True`` (any basis of a complement). Reverse mode returns nan only if f uses
them; forward mode computes every output's tangent, so it warns whenever one is undefined,
even if f then ignores it.

Eigenvalues and singular values always have a derivative: a group of numerically equal ones
gets the group's mean (the basis-independent choice, as np.max splits a tie), exact for any
symmetric function of them (their sum, a log-determinant); a zero singular value gets 0, as
|x| does at 0.
"""

from __future__ import annotations

import numpy as np

from .array_functions import handles
from .array_ops import shape_of
from .errors import UnsupportedOperationError
from .linalg import (EPS, GAP_RTOL, _directions_first, _matrix, _mT, _scale, _square,
                     nan_where_used, numeric_or_refuse, plain_value, result_type,
                     row_value, strict_triangle, symmetric_from, symmetric_from_T,
                     tie_tolerance, undefined)
from .primitives import apply, move_block_axis_last, primitive

_EIGEN_WHY = ("eigenvalues are roots of the characteristic polynomial, with no closed form "
              "in general, and numpy's eigenvector signs have none at all")
_SVD_WHY = ("singular values are square roots of eigenvalues of A^T A, with no closed form "
            "in general, and numpy's singular vector signs have none at all")


# --- helpers shared by the rules ------------------------------------------------------------
def tie_average(values, n: int):
    """The matrix that replaces each group of numerically equal (sorted, so adjacent) values
    by the group's mean; None when no two are equal."""
    same = np.abs(np.diff(values)) <= tie_tolerance(values, n)
    if not same.any():
        return None
    group = np.concatenate([[0], np.cumsum(~same)])
    members = (group[:, None] == group[None, :]).astype(float)
    return members / members.sum(axis=1, keepdims=True)


def inverse_gaps(d, ok):
    """1 / d where ``ok`` (a constant mask), 0 elsewhere: traced d gives a traced result."""
    return np.where(ok, 1.0 / np.where(ok, d, 1.0), 0.0)


def separated(values) -> np.ndarray:
    """Mask of the pairs (i, j), i != j, whose values differ by more than GAP_RTOL of the
    largest: where the derivative of the vectors exists."""
    v = np.asarray(values)
    return (np.abs(v[:, None] - v[None, :]) > GAP_RTOL * _scale(v)) & ~np.eye(len(v), dtype=bool)


def significant(D, M) -> np.ndarray:
    """Where D = M - M^T is more than rounding: a function of the vectors that does not
    depend on their rotation within a repeated eigenvalue gives D = 0 there, up to rounding."""
    Dv, Mv = plain_value(D), plain_value(M)
    return np.abs(Dv) > 64 * EPS * _scale(Mv)


def touched(tA) -> np.ndarray:
    """Which of the k directions of a tangent block move the matrix at all."""
    return np.any(tA.reshape(-1, tA.shape[-1]) != 0, axis=0)


# --- eigh and eigvalsh ----------------------------------------------------------------------
def _eigenvalues_jvp(ts, xs, w, UPLO):
    # A v_i = w_i v_i with v_i^T v_i = 1  =>  d w_i = v_i^T dA v_i (first-order perturbation)
    (tA,) = ts
    (A,) = xs
    w, V = np.linalg.eigh(A, UPLO=UPLO)
    dS = symmetric_from(_directions_first(tA), UPLO)  # the symmetric matrix numpy reads
    dw = np.einsum("ji,kjl,li->ik", V, dS, V)  # d w_i = v_i^T dS v_i
    C = tie_average(w, len(w))
    return dw if C is None else C @ dw  # a tie: the group's mean


def _eigenvalues_vjp(g, xs, w, wrt, UPLO):
    # <w_bar, diag(V^T dS V)> = <V diag(w_bar) V^T, dS>
    (A,) = xs
    _, V = np.linalg.eigh(A, UPLO=UPLO)
    C = tie_average(plain_value(w), shape_of(w)[0])
    if C is not None:
        g = C @ g  # the mean is symmetric: its transpose is itself
    S_bar = (V * np.reshape(g, (1, -1))) @ _mT(V)  # S_bar = V diag(w_bar) V^T
    return symmetric_from_T(S_bar, UPLO)


def _eigenvectors_jvp(ts, xs, V, UPLO):
    # A V = V W  =>  V^T dS V + W (V^T dV) = (V^T dV) W + dW; with V^T dV = Omega
    # (antisymmetric), off the diagonal Omega_ij = (V^T dS V)_ij / (w_j - w_i)
    (tA,) = ts
    (A,) = xs
    w = np.linalg.eigvalsh(A, UPLO=UPLO)
    ok = separated(w)
    F = inverse_gaps(w[None, :] - w[:, None], ok)
    P = _mT(V) @ symmetric_from(_directions_first(tA), UPLO) @ V  # (k, n, n)
    Omega = F * P
    bad = ~ok & ~np.eye(len(w), dtype=bool) & (P != 0)
    if bad.any():
        undefined("np.linalg.eigh", "two eigenvalues are equal (closer than "
                  f"{GAP_RTOL:.1e} relative), so their eigenvectors are any rotation of each "
                  "other (for the eigenvalues alone use np.linalg.eigvalsh)")
        Omega = np.where(bad, np.nan, Omega)
    return move_block_axis_last(V @ Omega)  # dV = V Omega


def _eigenvectors_vjp(g, xs, V, wrt, UPLO):
    # with M = V^T V_bar:  <V_bar, V (F o P)> = <F o M, V^T dS V> = <V (F o M) V^T, dS>. dS is
    # symmetric, so only the symmetric part of F o M counts: F o (M - M^T) / 2, F being
    # antisymmetric. Where two eigenvalues are equal, F is infinite: if M - M^T is 0 there, f
    # does not depend on the rotation of those eigenvectors and their term is 0; else nan.
    (A,) = xs
    w = np.linalg.eigvalsh(A, UPLO=UPLO)
    wv = plain_value(w)
    ok = separated(wv)
    M = _mT(V) @ g
    D = M - _mT(M)
    used = bool(np.any(~ok & significant(D, M)))
    if used:
        undefined("np.linalg.eigh", "f uses eigenvectors of equal eigenvalues, which are any "
                  "rotation of each other")
    F = inverse_gaps(np.reshape(w, (1, -1)) - np.reshape(w, (-1, 1)), ok)
    S_bar = V @ ((F * D) * 0.5) @ _mT(V)
    n = shape_of(V)[0]
    read = strict_triangle(n, UPLO) + np.eye(n) > 0  # the entries eigh reads
    return nan_where_used(symmetric_from_T(S_bar, UPLO), used, read)


EIGH_VALUES = primitive(
    "np.linalg.eigh",
    row_value("np.linalg.eigh", lambda A, UPLO: np.linalg.eigh(A, UPLO=UPLO)[0], ""),
    _eigenvalues_jvp, _eigenvalues_vjp, why_no_sympy=_EIGEN_WHY)
EIGH_VECTORS = primitive(
    "np.linalg.eigh (eigenvectors)",
    row_value("np.linalg.eigh (eigenvectors)",
              lambda A, UPLO: np.linalg.eigh(A, UPLO=UPLO)[1], ""),
    _eigenvectors_jvp, _eigenvectors_vjp, why_no_sympy=_EIGEN_WHY)
EIGVALSH = primitive(
    "np.linalg.eigvalsh",
    row_value("np.linalg.eigvalsh", lambda A, UPLO: np.linalg.eigvalsh(A, UPLO=UPLO),
              ""),
    _eigenvalues_jvp, _eigenvalues_vjp, why_no_sympy=_EIGEN_WHY)
_EighResult = result_type(np.linalg.eigh(np.eye(1)))


def _uplo(name: str, UPLO) -> str:
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U"):
        raise UnsupportedOperationError(f"{name}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO.upper()


@handles(np.linalg.eigh)
def _eigh(a, UPLO="L"):
    _square("np.linalg.eigh", a)
    params = {"UPLO": _uplo("np.linalg.eigh", UPLO)}
    return _EighResult(apply(EIGH_VALUES, (a,), params), apply(EIGH_VECTORS, (a,), params))


@handles(np.linalg.eigvalsh)
def _eigvalsh(a, UPLO="L"):
    _square("np.linalg.eigvalsh", a)
    return apply(EIGVALSH, (a,), {"UPLO": _uplo("np.linalg.eigvalsh", UPLO)})


# --- svd ------------------------------------------------------------------------------------
def _value_weights(s):
    """The singular values' derivative map: a tie's mean, and 0 for zero singular values
    (the kink of |x| at 0); None when it is the identity."""
    k = len(s)
    C = tie_average(s, k)
    zero = s <= tie_tolerance(s, k)
    if not zero.any():
        return C
    C = np.eye(k) if C is None else C
    return C * ~zero[:, None] * ~zero[None, :]


def _singular_values_jvp(ts, xs, s):
    # A v_i = s_i u_i, A^T u_i = s_i v_i  =>  d s_i = u_i^T dA v_i (first-order perturbation)
    (tA,) = ts
    (A,) = xs
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    ds = np.einsum("ji,jlk,il->ik", U, tA, Vh)  # d s_i = u_i^T dA v_i
    W = _value_weights(s)
    return ds if W is None else W @ ds


def _singular_values_vjp(g, xs, s, wrt):
    # <s_bar, diag(U^T dA V)> = <U diag(s_bar) V^T, dA>
    (A,) = xs
    U, _, Vh = np.linalg.svd(A, full_matrices=False)
    W = _value_weights(plain_value(s))
    if W is not None:
        g = W @ g
    return (U * np.reshape(g, (1, -1))) @ Vh  # A_bar = U diag(s_bar) V^T


def _svd_gaps(s):
    """(F, ok, zero): F_ij = 1 / (s_j^2 - s_i^2) for separated pairs, 0 elsewhere; the mask
    of separated pairs; the mask of (numerically) zero singular values."""
    sv = plain_value(s)
    ok = separated(sv)
    zero = sv <= GAP_RTOL * _scale(sv)
    s2 = s * s
    return inverse_gaps(np.reshape(s2, (1, -1)) - np.reshape(s2, (-1, 1)), ok), ok, zero


def _svd_warning(want, pairs, zeros, extras):
    why = []
    if pairs:
        why.append(f"two singular values are equal (closer than {GAP_RTOL:.1e} relative), "
                   "so their singular vectors are any rotation of each other")
    if zeros:
        why.append("a singular value is zero, so the signs of its singular vectors are "
                   "arbitrary")
    if extras:
        why.append("full_matrices=True adds vectors that are any basis of a complement (pass "
                   "full_matrices=False)")
    undefined(f"np.linalg.svd ({want})", "; ".join(why) + " (for the singular values alone, "
              "compute_uv=False)")


def _singular_vectors_jvp(tA, A, want, full_matrices):
    # U^T dA V = Omega_U S + dS - S Omega_V with Omega_U = U^T dU, Omega_V = V^T dV
    # antisymmetric; off the diagonal, with P = U^T dA V and F_ij = 1/(s_j^2 - s_i^2):
    #   Omega_U = F o (P S + S P^T),   Omega_V = F o (S P + P^T S),
    # and the parts outside the spans: (I - U U^T) dA V S^-1 and (I - V V^T) dA^T U S^-1.
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    m, n = A.shape
    F, ok, zero = _svd_gaps(s)
    T = _directions_first(tA)  # (k, m, n)
    P = _mT(U) @ T @ _mT(Vh)
    S = s[None, :]
    sinv = np.where(zero, 0.0, 1.0 / np.where(zero, 1.0, s))
    if want == "U":
        num = P * S + _mT(P) * s[:, None]
        outside = (T - U @ (_mT(U) @ T)) @ _mT(Vh) * sinv
        d = U @ (F * num) + outside
        extra = m - len(s)
    else:
        num = s[:, None] * P + _mT(P) * S
        outside = (_mT(T) - _mT(Vh) @ (Vh @ _mT(T))) @ U * sinv
        d = _mT(Vh) @ (F * num) + outside
        extra = n - len(s)
    off = ~ok & ~np.eye(len(s), dtype=bool)
    pairs = (off & (num != 0)).any(axis=-2)  # (k, cols): a column meets a repeated value
    zeros = zero[None, :] & (d != 0).any(axis=-2)  # a column of a zero singular value moves
    bad = pairs | zeros
    moving = touched(tA)
    if full_matrices and extra:  # any basis of the complement: no derivative
        d = np.concatenate([d, np.zeros(d.shape[:-1] + (extra,))], axis=-1)
        bad = np.concatenate([bad, np.broadcast_to(moving[:, None], (len(moving), extra))], -1)
    if bad.any():
        _svd_warning(want, pairs.any(), zeros.any(), bool(full_matrices and extra
                                                          and moving.any()))
        d = np.where(bad[:, None, :], np.nan, d)
    d = move_block_axis_last(d)  # (rows, cols, k)
    return d if want == "U" else np.swapaxes(d, 0, 1)  # Vh = V^T


def _singular_vectors_vjp(g, A, want, full_matrices):
    # the transpose of the rule above, term by term (Townsend 2016, "Differentiating the SVD")
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    k = shape_of(s)[0]
    F, ok, zero = _svd_gaps(s)
    sinv = np.where(zero, 0.0, 1.0 / np.where(zero, 1.0, s))
    if want == "U":
        extra = plain_value(g)[:, k:]
        G = g[:, :k] if shape_of(g)[1] > k else g  # the adjoint of the thin U, (m, k)
        M = _mT(U) @ G
        used_cols = np.any(plain_value(G) != 0, axis=0)
    else:
        extra = plain_value(g)[k:, :]
        G = g[:k, :] if shape_of(g)[0] > k else g  # the adjoint of the thin Vh, (k, n)
        M = Vh @ _mT(G)  # V^T V_bar
        used_cols = np.any(plain_value(G) != 0, axis=1)
    D = M - _mT(M)  # F o (M - M^T): the two terms F o M and (F o M)^T together
    pairs = bool(np.any(~ok & ~np.eye(k, dtype=bool) & significant(D, M)))
    zeros, extras = bool(np.any(zero & used_cols)), bool(np.any(extra != 0))
    used = pairs or zeros or extras
    if used:
        _svd_warning(want, pairs, zeros, extras)
    if want == "U":
        P_bar = (F * D) * np.reshape(s, (1, -1))  # P_bar = (F o (M - M^T)) S
        outside = ((G - U @ M) * np.reshape(sinv, (1, -1))) @ Vh  # (I - U U^T) U_bar S^-1 V^T
    else:
        P_bar = np.reshape(s, (-1, 1)) * (F * D)  # P_bar = S (F o (M - M^T))
        outside = U @ (np.reshape(sinv, (-1, 1)) * (G - _mT(M) @ Vh))  # U S^-1 V_bar^T (I - VV^T)
    return nan_where_used(U @ P_bar @ Vh + outside, used)  # A_bar = U P_bar V^T + outside


SVD_VALUES = primitive(
    "np.linalg.svd",
    row_value("np.linalg.svd", lambda A: np.linalg.svd(A, compute_uv=False), ""),
    _singular_values_jvp, _singular_values_vjp, why_no_sympy=_SVD_WHY)
SVD_U = primitive(
    "np.linalg.svd (U)",
    row_value("np.linalg.svd (U)",
              lambda A, full_matrices: np.linalg.svd(A, full_matrices=full_matrices)[0], ""),
    lambda ts, xs, out, full_matrices: _singular_vectors_jvp(ts[0], xs[0], "U", full_matrices),
    lambda g, xs, out, wrt, full_matrices: _singular_vectors_vjp(g, xs[0], "U", full_matrices),
    why_no_sympy=_SVD_WHY)
SVD_VH = primitive(
    "np.linalg.svd (Vh)",
    row_value("np.linalg.svd (Vh)",
              lambda A, full_matrices: np.linalg.svd(A, full_matrices=full_matrices)[2], ""),
    lambda ts, xs, out, full_matrices: _singular_vectors_jvp(ts[0], xs[0], "Vh", full_matrices),
    lambda g, xs, out, wrt, full_matrices: _singular_vectors_vjp(g, xs[0], "Vh", full_matrices),
    why_no_sympy=_SVD_WHY)
_SVDResult = result_type(np.linalg.svd(np.eye(1)))


@handles(np.linalg.svd)
def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    _matrix("np.linalg.svd", a)
    if hermitian:
        return _svd_hermitian(a, compute_uv)
    s = apply(SVD_VALUES, (a,), {})
    if not compute_uv:
        return s
    params = {"full_matrices": bool(full_matrices)}
    return _SVDResult(apply(SVD_U, (a,), params), s, apply(SVD_VH, (a,), params))


def _svd_hermitian(a, compute_uv):
    """numpy's hermitian=True: from eigh, singular values |w| sorted down, the eigenvalues'
    signs moved into Vh -- the same steps on traced values, so no rule of its own."""
    _square("np.linalg.svd(hermitian=True)", a)
    numeric_or_refuse("np.linalg.svd", a, _SVD_WHY)
    if not compute_uv:
        w = np.linalg.eigvalsh(a)
        return np.abs(w)[np.argsort(np.abs(plain_value(w)))[::-1]]
    w, V = np.linalg.eigh(a)
    wv = plain_value(w)
    order = np.argsort(np.abs(wv))[::-1]
    U = V[:, order]
    return _SVDResult(U, np.abs(w)[order], _mT(U * np.sign(wv[order])))


def _svdvals(x, /):
    return _svd(x, compute_uv=False)


if hasattr(np.linalg, "svdvals"):  # numpy >= 2
    handles(np.linalg.svdvals)(_svdvals)
