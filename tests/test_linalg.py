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
from systematic import RNG, check_function, general, spd

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


# --- eigh, eigvalsh, svd ---------------------------------------------------------------------
def test_eigh_eigenvalues_and_eigenvectors_both_triangles():
    A = spd(3)
    A[2, 0] -= 0.4
    assert check_function(lambda A: np.linalg.eigh(A)[0], A, refused=NO_SYMBOLIC)
    assert check_function(lambda A: np.linalg.eigh(A).eigenvectors, A, refused=NO_SYMBOLIC)
    assert check_function(lambda A: np.linalg.eigh(A, UPLO="U")[1], A, refused=NO_SYMBOLIC)


def test_eigvalsh():
    A = spd(3) - 4 * np.eye(3)  # eigenvalues of both signs
    assert check_function(np.linalg.eigvalsh, A, refused=NO_SYMBOLIC)
    assert check_function(lambda A: np.linalg.eigvalsh(A, UPLO="U"), A, refused=NO_SYMBOLIC)


@pytest.mark.parametrize("shape", [(4, 3), (2, 4), (3, 3)])
def test_svd_values_and_thin_vectors(shape):
    A = general(*shape) if shape[0] != shape[1] else general(3)
    assert check_function(lambda A: np.linalg.svd(A, compute_uv=False), A, refused=NO_SYMBOLIC)
    assert check_function(lambda A: np.linalg.svd(A, full_matrices=False)[0], A,
                          refused=NO_SYMBOLIC)
    assert check_function(lambda A: np.linalg.svd(A, full_matrices=False).Vh, A,
                          refused=NO_SYMBOLIC)


def test_svd_keyword_variants():
    assert check_function(lambda A: np.linalg.svd(A)[2], general(3), refused=NO_SYMBOLIC)
    A = spd(3) - 5 * np.eye(3)  # hermitian=True: from eigh, signs moved into Vh
    for part in (0, 1, 2):
        assert check_function(lambda A: np.linalg.svd(A, hermitian=True)[part], A,
                              refused=NO_SYMBOLIC)
    assert check_function(lambda A: np.linalg.svd(A, compute_uv=False, hermitian=True), A,
                          refused=NO_SYMBOLIC)


@numpy2
def test_svdvals():
    assert check_function(np.linalg.svdvals, general(3, 2), refused=NO_SYMBOLIC)


def test_svd_full_matrices_thin_part_is_exact_and_the_complement_is_nan():
    A = general(4, 2)
    thin = lambda A: np.sum(np.linalg.svd(A)[0][:, :2] ** 3)  # noqa: E731
    with _no_domain_warning():
        g = dm.gradient(thin, A, method="reverse")
    assert np.allclose(g, dm.gradient(thin, A, method="finite"), atol=1e-6)
    with pytest.warns(dm.DomainWarning, match=r"np.linalg.svd \(U\).*full_matrices=False"):
        g = dm.gradient(lambda A: np.sum(np.linalg.svd(A)[0]), A, method="reverse")
    assert np.isnan(g).all()


# --- qr, pinv, lstsq -------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (2, 4), (3, 3)])
def test_qr_reduced(shape):
    A = general(*shape) if shape[0] != shape[1] else general(3)
    assert check_function(lambda A: np.linalg.qr(A)[0], A, refused=NO_SYMBOLIC)
    assert check_function(lambda A: np.linalg.qr(A).R, A, refused=NO_SYMBOLIC)


def test_qr_modes_r_and_complete():
    A = general(4, 2)
    assert check_function(lambda A: np.linalg.qr(A, mode="r"), A, refused=NO_SYMBOLIC)
    with pytest.warns(dm.DomainWarning, match="mode='complete'"):  # forward mode computes
        # the tangent of every output, Q's complement too; R's derivative is exact
        assert check_function(lambda A: np.linalg.qr(A, mode="complete")[1], A,
                              refused=NO_SYMBOLIC)
    with pytest.warns(dm.DomainWarning, match="mode='complete'"):
        J = dm.jacobian(lambda A: np.linalg.qr(A, mode="complete")[0], A, method="forward")
    assert np.isnan(J[:, 2:]).all() and np.isfinite(J[:, :2]).all()


@pytest.mark.parametrize("shape", [(4, 3), (2, 3), (3, 3)])
def test_pinv(shape):
    A = general(*shape) if shape[0] != shape[1] else general(3)
    assert check_function(np.linalg.pinv, A, refused=NO_SYMBOLIC)


def test_pinv_keyword_variants():
    A = general(3, 2)
    assert check_function(lambda A: np.linalg.pinv(A, rcond=1e-10), A, refused=NO_SYMBOLIC)
    if hasattr(np.linalg, "svdvals"):  # numpy 2's rtol=
        assert check_function(lambda A: np.linalg.pinv(A, rtol=None), A, refused=NO_SYMBOLIC)
    B = spd(3)
    B[0, 1] += 1.0  # hermitian=True reads the lower triangle
    assert check_function(lambda B: np.linalg.pinv(B, hermitian=True), B, refused=NO_SYMBOLIC)


def test_lstsq_solution_residuals_and_singular_values():
    A, b = general(4, 2), RNG.normal(size=4)
    assert check_function(lambda A, b: np.linalg.lstsq(A, b)[0], A, b, refused=NO_SYMBOLIC)
    assert check_function(lambda A, b: np.linalg.lstsq(A, b, rcond=1e-12)[1], A, b,
                          refused=NO_SYMBOLIC)
    assert check_function(lambda A, b: np.linalg.lstsq(A, b)[3], A, b, refused=NO_SYMBOLIC)
    wide, B = general(2, 3), RNG.normal(size=(2, 2))  # minimum-norm solutions, 2 columns
    assert check_function(lambda A, B: np.linalg.lstsq(A, B)[0], wide, B, refused=NO_SYMBOLIC)
    x, residuals, rank, s = np.linalg.lstsq(A, b)
    traced = dm.gradient(lambda A: np.linalg.lstsq(A, b)[2] * np.sum(A), A)
    assert rank == 2 and np.all(traced == 2.0)  # the rank is a plain integer


# --- composites: matrix_power, matrix_rank, norm, cond -----------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -3])
def test_matrix_power(n):
    methods = None if abs(n) < 3 else ["forward", "reverse", "complex-step"]
    assert check_function(lambda A: np.linalg.matrix_power(A, n), general(2), methods=methods)


def test_matrix_rank_is_a_plain_integer_and_refused_symbolically():
    A = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5])
    f = lambda A: np.linalg.matrix_rank(A) * np.sum(A)  # noqa: E731
    assert np.all(dm.gradient(f, A, method="forward") == 1.0)
    assert np.all(dm.gradient(lambda A: np.linalg.matrix_rank(A, tol=1e-3) * np.sum(A), A) == 1)
    with pytest.raises(dm.UnsupportedOperationError, match="np.linalg.matrix_rank .* symbolic"):
        dm.gradient(f, A, method="symbolic")


VECTOR_ORDS = [None, 2, 1, inf, -inf, 0, 3, 0.5, -1.5]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, inf, -inf]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norms(ord):
    f = lambda x, kw: np.linalg.norm(x, ord=ord, **kw)  # noqa: E731
    assert check_function(lambda x: f(x, {}), RNG.normal(size=4))
    assert check_function(lambda x: f(x, {"axis": -1, "keepdims": True}),
                          RNG.normal(size=(2, 3)), methods=["forward", "reverse"])


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norms(ord):
    refused = NO_SYMBOLIC if ord in ("nuc", 2, -2) else ()
    assert check_function(lambda x: np.linalg.norm(x, ord=ord), general(3, 2), refused=refused)
    assert check_function(lambda x: np.linalg.norm(x, ord, axis=(1, 0), keepdims=True),
                          general(2, 3), methods=["forward", "reverse"])
    if ord not in ("nuc", 2, -2):  # a stack of matrices, reduced over two of three axes
        assert check_function(lambda x: np.linalg.norm(x, ord, axis=(2, 0)),
                              RNG.normal(size=(2, 3, 2)), methods=["forward", "reverse"])


def test_norm_values_are_numpys():
    x, M = RNG.normal(size=(2, 3)), general(3, 2)
    cases = [(x, o, 1) for o in VECTOR_ORDS] + [(M, o, None) for o in MATRIX_ORDS]
    for value, ord, axis in cases:
        f = lambda v: np.sum(np.linalg.norm(v, ord, axis))  # noqa: E731
        assert np.isclose(dm.differentiate(f, value).value, f(value), rtol=1e-14), ord


def test_norm_without_axis():
    T = RNG.normal(size=(2, 3, 2))
    assert check_function(np.linalg.norm, T)  # ord=None: the 2-norm of everything
    assert check_function(lambda T: np.linalg.norm(T, keepdims=True), T,
                          methods=["forward", "reverse"])


@numpy2
def test_the_array_api_norms():
    T = RNG.normal(size=(2, 3, 2))
    assert check_function(lambda T: np.linalg.vector_norm(T, axis=(0, 2), ord=3), T,
                          methods=["forward", "reverse"])
    assert check_function(lambda T: np.linalg.matrix_norm(T, ord=1), T,
                          methods=["forward", "reverse"])


@pytest.mark.parametrize("p", [None, 2, -2, 1, inf, "fro"])
def test_cond(p):
    refused = NO_SYMBOLIC if p in (None, 2, -2) else ()
    methods = None if refused else ["forward", "reverse", "complex-step"]
    assert check_function(lambda A: np.linalg.cond(A, p), general(3), refused=refused,
                          methods=methods)


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
    "matrix_power": (lambda A: np.sum(np.linalg.matrix_power(A, -2)), general(2)),
    "norm": (lambda A: np.linalg.norm(A, 3, axis=0)[1] + np.linalg.norm(A, inf), general(3, 2)),
}
HESSIANS_FD = {
    "eigh": (lambda A: np.sum(np.linalg.eigh(A)[0] ** 3) + np.sum(np.linalg.eigh(A)[1] ** 3),
             spd(3)),
    "eigvalsh": (lambda A: np.sum(np.linalg.eigvalsh(A, UPLO="U") ** 3), spd(3)),
    "svd": (lambda A: sum(np.sum(part ** 3) for part in np.linalg.svd(A, full_matrices=False)),
            general(3, 2)),
    "qr": (lambda A: sum(np.sum(part ** 3) for part in np.linalg.qr(A)), general(2, 3)),
    "pinv": (lambda A: np.sum(np.linalg.pinv(A) ** 3), general(3, 2)),
    "lstsq": (lambda A: np.sum(np.linalg.lstsq(A, np.array([1.0, 2.0, 3.0]))[0] ** 3),
              general(3, 2)),
    "norm nuc and 2": (lambda A: np.linalg.norm(A, "nuc") * np.linalg.norm(A, 2), general(3, 2)),
    "cond": (lambda A: np.linalg.cond(A), general(2)),
}


@pytest.mark.parametrize("name", HESSIANS_SYMBOLIC)
def test_hessian_agrees_with_symbolic(name):
    f, x = HESSIANS_SYMBOLIC[name]
    H = np.reshape(dm.hessian(f, x, method="reverse"), (x.size, x.size))
    S = np.reshape(dm.hessian(f, x, method="symbolic"), (x.size, x.size))
    assert np.allclose(H, S, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", HESSIANS_FD)
def test_hessian_agrees_with_differences_of_the_gradient(name):
    f, x = HESSIANS_FD[name]
    H = np.reshape(dm.hessian(f, x, method="reverse"), (x.size, x.size))
    assert np.allclose(H, _fd_hessian(f, x), rtol=1e-6, atol=1e-6 * np.max(np.abs(H)))
    assert np.allclose(H, H.T, atol=1e-10 * np.max(np.abs(H)))


def test_gp_likelihood_hessian():
    from diffmethods.catalogue import SCENARIOS
    s = SCENARIOS["gp_likelihood"]
    H = dm.hessian(s.f, s.point, method="reverse")
    x = np.array(s.point)
    fd = _fd_hessian(lambda p: s.f(p[0], p[1]), x)
    assert np.allclose(H, fd, rtol=1e-6)


# --- degenerate points: nan with a warning, never a confident number ------------------------------
def _repeated():
    """A symmetric matrix with eigenvalues 1, 1, 2 (and its eigenvectors, rotated)."""
    Q, _ = np.linalg.qr(np.random.default_rng(5).normal(size=(3, 3)))
    return Q @ np.diag([1.0, 1.0, 2.0]) @ Q.T


def test_repeated_eigenvalues_have_the_tie_mean_as_derivative():
    A = _repeated()
    # central differences at a tie of two see the mean of both one-sided slopes: O(h) close
    assert check_function(np.linalg.eigvalsh, A, refused=NO_SYMBOLIC, rtol=1e-4)
    with _no_domain_warning():
        g = dm.gradient(lambda A: np.linalg.eigvalsh(A)[0] + np.linalg.eigvalsh(A)[1], A)
    trace = lambda A: np.sum(A * np.eye(3))  # noqa: E731
    assert np.allclose(g, dm.gradient(lambda A: trace(A) - np.linalg.eigvalsh(A)[2], A))


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_eigenvectors_of_a_repeated_eigenvalue_are_nan_with_a_warning(method):
    A = _repeated()
    with pytest.warns(dm.DomainWarning, match=r"np.linalg.eigh: .*equal eigenvalues|"
                                              r"np.linalg.eigh: two eigenvalues are equal"):
        g = dm.gradient(lambda A: np.sum(np.linalg.eigh(A)[1][:, 0]), A, method=method)
    assert np.isnan(g).all()  # the one policy: never a partial answer (domain.py)


def test_what_does_not_depend_on_the_rotation_stays_exact_in_reverse_mode():
    A = _repeated()

    def projector(A):  # onto the eigenspace of the repeated eigenvalue: rotation-invariant
        V = np.linalg.eigh(A)[1][:, :2]
        return np.sum((V @ V.T) * np.arange(9.0).reshape(3, 3))

    def distinct(A):  # the eigenvector of the simple eigenvalue
        return np.sum(np.linalg.eigh(A)[1][:, 2] * [1.0, 2.0, 3.0]) ** 2

    for f in (projector, distinct):
        with _no_domain_warning():
            g = dm.gradient(f, A, method="reverse")
        assert np.allclose(g, dm.gradient(f, A, method="finite"), atol=1e-6)


def test_repeated_and_zero_singular_values():
    Q = np.linalg.qr(np.random.default_rng(6).normal(size=(3, 3)))[0]
    with pytest.warns(dm.DomainWarning, match=r"np.linalg.svd \(U\): two singular values"):
        assert np.isnan(dm.gradient(lambda A: np.sum(np.linalg.svd(A)[0]), 2 * Q)).all()
    assert check_function(lambda A: np.sum(np.linalg.svd(A, compute_uv=False)), 2 * Q,
                          refused=NO_SYMBOLIC)
    rank_one = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])  # s = (s1, 0): 0 has derivative 0
    assert check_function(lambda A: np.linalg.svd(A, compute_uv=False), rank_one,
                          refused=NO_SYMBOLIC)
    with pytest.warns(dm.DomainWarning, match="a singular value is zero"):
        dm.gradient(lambda A: np.sum(np.linalg.svd(A)[2]), rank_one)


@pytest.mark.parametrize("name, f", [
    ("np.linalg.pinv", lambda A: np.sum(np.linalg.pinv(A))),
    ("np.linalg.lstsq", lambda A: np.sum(np.linalg.lstsq(A, np.ones(3))[0])),
    ("np.linalg.qr", lambda A: np.sum(np.linalg.qr(A)[1])),
])
@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_rank_deficient_matrices_give_nan_with_a_warning(name, f, method):
    rank_one = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    with pytest.warns(dm.DomainWarning, match=f"{name}: the matrix is rank-deficient"):
        assert np.isnan(dm.gradient(f, rank_one, method=method)).all()


def test_slogdet_of_a_singular_matrix_is_nan_with_a_warning():
    with pytest.warns(dm.DomainWarning, match="np.linalg.slogdet: the matrix is singular"):
        assert np.isnan(dm.gradient(lambda A: np.linalg.slogdet(A)[1], np.ones((2, 2)))).all()


# --- refusals, by name --------------------------------------------------------------------------
@pytest.mark.parametrize("name, f", [
    ("np.linalg.eigh", lambda A: np.sum(np.linalg.eigh(A)[0])),
    ("np.linalg.eigvalsh", lambda A: np.sum(np.linalg.eigvalsh(A))),
    ("np.linalg.svd", lambda A: np.sum(np.linalg.svd(A, compute_uv=False))),
    ("np.linalg.svd", lambda A: np.sum(np.linalg.svd(A, hermitian=True)[1])),
    (r"np.linalg.qr \(R\)", lambda A: np.sum(np.linalg.qr(A)[1])),
    ("np.linalg.pinv", lambda A: np.sum(np.linalg.pinv(A))),
    ("np.linalg.lstsq", lambda A: np.sum(np.linalg.lstsq(A, np.ones(2))[0])),
    ("np.linalg.svd", lambda A: np.linalg.norm(A, "nuc")),
])
def test_symbolic_refuses_decompositions_by_name(name, f):
    with pytest.raises(dm.UnsupportedOperationError, match=f"{name} is not supported by the "
                                                           "symbolic method: .*(closed form)"):
        dm.gradient(f, spd(2), method="symbolic")


def test_symbolic_refuses_large_matrices_by_name():
    with pytest.raises(dm.UnsupportedOperationError, match="np.linalg.inv of a 7x7"):
        dm.gradient(lambda A: np.sum(np.linalg.inv(A)), general(7), method="symbolic")
    with pytest.raises(dm.UnsupportedOperationError, match="np.linalg.cholesky of a 7x7"):
        dm.gradient(lambda A: np.sum(np.linalg.cholesky(A)), spd(7), method="symbolic")


def test_the_gp_scenario_says_why_symbolic_is_refused():
    from diffmethods.catalogue import SCENARIOS
    from diffmethods.harness.reference import reference_gradient
    s = SCENARIOS["gp_likelihood"]
    assert "no-symbolic" in s.tags and "symbolic refused" in s.formula
    with pytest.raises(dm.UnsupportedOperationError, match="np.linalg.cholesky of a 20x20"):
        dm.gradient(s.f, s.point, method="symbolic")
    reference = reference_gradient(s.f, s.point)
    assert not reference.available and "cholesky of a 20x20" in reference.reason


# inv, solve, det, slogdet and cholesky take stacks (tests/test_linalg_stacks.py)
STACKED = [
    ("np.linalg.eigh", lambda A: np.linalg.eigh(A)[0]),
    ("np.linalg.eigvalsh", np.linalg.eigvalsh),
    ("np.linalg.svd", lambda A: np.linalg.svd(A, compute_uv=False)),
    ("np.linalg.qr", lambda A: np.linalg.qr(A)[1]), ("np.linalg.pinv", np.linalg.pinv),
    ("np.linalg.lstsq", lambda A: np.linalg.lstsq(A, np.ones(2))[0]),
    ("np.linalg.matrix_power", lambda A: np.linalg.matrix_power(A, 2)),
    (r"np.linalg.norm\(ord='nuc'\)", lambda A: np.linalg.norm(A, "nuc", axis=(1, 2))),
]


@pytest.mark.parametrize("name, f", STACKED, ids=[n for n, _ in STACKED])
def test_stacks_of_matrices_are_refused_by_name(name, f):
    with pytest.raises(dm.UnsupportedOperationError, match=f"{name} .*(one (square )?matrix|"
                                                           "stack)"):
        dm.jacobian(f, np.ones((2, 2, 2)) + np.eye(2), method="reverse")


@pytest.mark.parametrize("f, match", [
    (lambda A: np.sum(np.linalg.solve(A, np.ones(4))), "np.linalg.solve .* b of shape"),
    (lambda A: np.sum(np.linalg.lstsq(A, np.ones(4))[0]), "np.linalg.lstsq .* b of shape"),
    (lambda A: np.sum(np.linalg.qr(A, mode="raw")[0]), r"np.linalg.qr\(mode='raw'\)"),
    (lambda A: np.sum(np.linalg.eigh(A, UPLO="X")[0]), "np.linalg.eigh: UPLO"),
    (lambda A: np.sum(np.linalg.matrix_power(A, 1.5)), "np.linalg.matrix_power .* integer"),
    (lambda A: np.sum(np.linalg.pinv(A, rcond=0.1, rtol=0.1)), "np.linalg.pinv: rtol and rcond"),
    (lambda A: np.linalg.norm(A, "fro", axis=0)[0], "np.linalg.norm: invalid norm order 'fro'"),
    (lambda A: np.linalg.norm(A, 3), "np.linalg.norm: invalid norm order 3 for matrices"),
    (lambda A: np.linalg.norm(A, 2, axis=(0, 0)), "np.linalg.norm: duplicate axes"),
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
