"""Stacks of matrices (..., M, M) in np.linalg.inv, solve, det, slogdet and cholesky (issue 10):
one check_function line each (every exact method against central differences, forward against
reverse by the transpose identity), with numpy's broadcasting of the stacks."""

import warnings

import numpy as np
import pytest

import diffmethods as dm

from helpers import EXACT, close
from systematic import RNG, check_function, general, spd


def stack(make, *batch):
    """A stack of well-conditioned matrices of batch shape ``batch``."""
    return np.array([make() for _ in range(int(np.prod(batch)))]).reshape(
        batch + make().shape)


G = stack(lambda: general(3), 2)
G22 = stack(lambda: general(2), 2, 2)
S = stack(lambda: spd(3), 2)


def test_inv_of_stacks():
    assert check_function(np.linalg.inv, G)
    assert check_function(np.linalg.inv, G22)


def test_solve_with_stacks():
    assert check_function(np.linalg.solve, G, np.array([1.0, -2.0, 0.5]))  # one vector b
    assert check_function(np.linalg.solve, G, RNG.normal(size=(2, 3, 2)))  # a stack of b
    assert check_function(np.linalg.solve, G, RNG.normal(size=(1, 3, 2)))  # b broadcast
    assert check_function(np.linalg.solve, general(3)[None], RNG.normal(size=(2, 3, 4)))
    assert check_function(lambda b: np.linalg.solve(G22, b), RNG.normal(size=(2, 2, 2, 1)))


def test_det_and_slogdet_of_stacks():
    assert check_function(np.linalg.det, G22)
    assert check_function(lambda A: np.linalg.slogdet(A)[1], G)
    negative = G.copy()
    negative[1] = negative[1][::-1]  # a row swap: det < 0
    assert check_function(lambda A: np.linalg.slogdet(A).logabsdet * 2.0, negative)
    sign = np.linalg.slogdet(negative)[0]
    for m in EXACT:
        got = dm.differentiate(lambda A: np.sum(np.linalg.slogdet(A)[0]), negative, method=m)
        assert got.value == float(np.sum(sign)), m


def test_cholesky_of_stacks():
    assert check_function(np.linalg.cholesky, S)
    assert check_function(lambda A: np.linalg.cholesky(A, upper=True), S)


def test_a_singular_matrix_in_a_stack_is_nan_only_where_it_is_read():
    A = G.copy()
    A[0] = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]])  # singular
    f = lambda A: np.linalg.slogdet(A)[1][1]  # reads only the regular matrix
    for m in ("forward", "reverse"):
        with pytest.warns(dm.errors.DomainWarning):
            g = dm.gradient(f, A, method=m)
        assert (g[0] == 0).all(), m
        assert close(g[1], np.linalg.inv(A[1]).T, 1e-12), m
    # f reading log|det A0| = -inf is itself undefined: the policy makes all of it nan


def test_stacked_values_are_numpys():
    for m in EXACT:
        r = dm.differentiate(lambda A: np.sum(np.linalg.det(A) * np.array([[1.0, 2.0],
                                                                          [3.0, 4.0]])),
                             G22, method=m)
        assert r.value == pytest.approx(float(np.sum(np.linalg.det(G22) * [[1, 2], [3, 4]])),
                                        rel=1e-13), m


@pytest.mark.parametrize("b, match", [
    (np.ones((2, 3)), r"np\.linalg\.solve .*b\[\.\.\., None\]"),  # a stack of vectors
    (np.ones((3, 3, 2)), r"np\.linalg\.solve: the stacks"),
])
def test_solve_refuses_right_hand_sides_numpy_versions_read_differently(b, match):
    with pytest.raises(dm.UnsupportedOperationError, match=match):
        dm.gradient(lambda A: np.sum(np.linalg.solve(A, b)), G, method="reverse")


def test_a_hessian_through_a_stacked_inverse_and_determinant():
    f = lambda A: np.sum(np.linalg.inv(A)) + np.sum(np.linalg.det(A) ** 2)
    x = G22[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        H = dm.hessian(f, x, method="reverse")
    assert close(H, dm.hessian(f, x, method="finite"), 1e-4, 1e-4)
