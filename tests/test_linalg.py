"""np.linalg on traced values: one line per function (see tests/systematic.py).

Each ``check_function`` line differentiates the function by every exact method against central
differences and checks forward against reverse by <u, J v> = <J^T u, v>. The decompositions
(eigh, svd, qr, pinv, lstsq) have no closed form, so the symbolic method must refuse them by
name; the others run symbolically too, on 2x2/3x3 matrices (symbolic expressions grow fast).
"""

import contextlib
import warnings

import numpy as np
import pytest

import diffmethods as dm
from systematic import check_function, general, spd

NO_SYMBOLIC = ("symbolic",)
inf = np.inf
numpy2 = pytest.mark.skipif(not hasattr(np.linalg, "svdvals"),
                            reason="numpy 2 spellings (upper=, rtol=, svdvals, vector_norm)")


@contextlib.contextmanager
def _no_domain_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", dm.DomainWarning)
        yield


# --- inv, solve, det, slogdet, cholesky -------------------------------------------------------
def test_inv():
    assert check_function(np.linalg.inv, general(3))


def test_solve_vector_and_matrix_right_hand_sides():
    assert check_function(np.linalg.solve, general(3), np.array([1.0, -2.0, 0.5]))
    assert check_function(np.linalg.solve, spd(3), np.arange(6.0).reshape(3, 2))


def test_det():
    assert check_function(np.linalg.det, general(3))


def test_det_of_a_singular_matrix_is_still_differentiated():
    # the gradient of det is the cofactor matrix, which exists (and is not det * inv = 0 * inf)
    S = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert check_function(np.linalg.det, S)
    assert np.allclose(dm.gradient(np.linalg.det, S), [[4.0, -2.0], [-2.0, 1.0]])


def test_slogdet_sign_and_log_of_a_negative_determinant():
    A = general(3)
    A[0] *= -1 if np.linalg.det(A) > 0 else 1  # det < 0: the sign is -1, a constant
    assert check_function(lambda A: np.linalg.slogdet(A)[1], A)
    assert check_function(lambda A: np.linalg.slogdet(A)[0] * np.linalg.slogdet(A)[1], A)
    # the sign is a constant, -1: no derivative of its own
    assert np.all(dm.gradient(lambda A: np.linalg.slogdet(A)[0] * np.sum(A), A) == -1.0)


def _one_sided_spd():
    A = spd(3)
    A[0, 2] += 0.3  # numpy reads one triangle only: the other must not count
    return A


def test_cholesky():
    assert check_function(np.linalg.cholesky, _one_sided_spd())


@numpy2
def test_cholesky_upper():
    assert check_function(lambda A: np.linalg.cholesky(A, upper=True), _one_sided_spd())


# --- Hessians: forward over reverse calls the adjoint rules on dual numbers -----------------------
def _fd_hessian(f, x, h=1e-5):
    """Central differences of the reverse gradient."""
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        e = e.reshape(x.shape)
        columns.append(((dm.gradient(f, x + e) - dm.gradient(f, x - e)) / (2 * h)).ravel())
    return np.array(columns).T


HESSIANS_SYMBOLIC = {
    "inv and solve": (lambda A: np.sum(np.linalg.solve(A, [1.0, -2.0]) ** 2)
                      + np.sum(np.linalg.inv(A) * A.T), general(2)),
    "det": (lambda A: np.linalg.det(A) ** 2, general(3)),
    "slogdet": (lambda A: np.linalg.slogdet(A)[1], general(3)),
    "cholesky": (lambda A: np.sum(np.linalg.cholesky(A) ** 3), spd(3)),
}
@pytest.mark.parametrize("name", HESSIANS_SYMBOLIC)
def test_hessian_agrees_with_symbolic(name):
    f, x = HESSIANS_SYMBOLIC[name]
    H = np.reshape(dm.hessian(f, x, method="reverse"), (x.size, x.size))
    S = np.reshape(dm.hessian(f, x, method="symbolic"), (x.size, x.size))
    assert np.allclose(H, S, rtol=1e-10, atol=1e-12)


# --- degenerate points: nan with a warning, never a confident number ------------------------------
def test_slogdet_of_a_singular_matrix_is_nan_with_a_warning():
    with pytest.warns(dm.DomainWarning, match="np.linalg.slogdet: the matrix is singular"):
        assert np.isnan(dm.gradient(lambda A: np.linalg.slogdet(A)[1], np.ones((2, 2)))).all()


# --- refusals, by name --------------------------------------------------------------------------
def test_symbolic_refuses_large_matrices_by_name():
    with pytest.raises(dm.UnsupportedOperationError, match="np.linalg.inv of a 7x7"):
        dm.gradient(lambda A: np.sum(np.linalg.inv(A)), general(7), method="symbolic")
    with pytest.raises(dm.UnsupportedOperationError, match="np.linalg.cholesky of a 7x7"):
        dm.gradient(lambda A: np.sum(np.linalg.cholesky(A)), spd(7), method="symbolic")


STACKED = [
    ("np.linalg.inv", np.linalg.inv), ("np.linalg.det", np.linalg.det),
    ("np.linalg.slogdet", lambda A: np.linalg.slogdet(A)[1]),
    ("np.linalg.cholesky", np.linalg.cholesky),
]


@pytest.mark.parametrize("name, f", STACKED, ids=[n for n, _ in STACKED])
def test_stacks_of_matrices_are_refused_by_name(name, f):
    with pytest.raises(dm.UnsupportedOperationError, match=f"{name} .*(one (square )?matrix|"
                                                           "stack)"):
        dm.jacobian(f, np.ones((2, 2, 2)) + np.eye(2), method="reverse")


@pytest.mark.parametrize("f, match", [
    (lambda A: np.sum(np.linalg.solve(A, np.ones(4))), "np.linalg.solve .* b of shape"),
])
def test_bad_arguments_are_refused_by_name(f, match):
    with pytest.raises(dm.UnsupportedOperationError, match=match):
        dm.gradient(f, general(3), method="reverse")


def test_no_value_at_the_point_is_our_error_naming_the_function():
    with pytest.raises(dm.PointError, match="np.linalg.cholesky has no value .* positive"):
        dm.gradient(lambda A: np.sum(np.linalg.cholesky(A)), -np.eye(2), method="forward")
    with pytest.raises(dm.PointError, match="np.linalg.solve has no value .* singular"):
        dm.gradient(lambda A: np.sum(np.linalg.solve(A, np.ones(2))), np.ones((2, 2)))
    with pytest.raises(dm.UnsupportedOperationError, match="second derivatives of np.linalg.det"):
        dm.hessian(np.linalg.det, np.array([[1.0, 2.0], [2.0, 4.0]]), method="reverse")
