"""np.linalg on traced values: one line per function (see tests/systematic.py)."""

import numpy as np
import pytest

import diffmethods as dm
from systematic import check_function, general, spd


def test_inv():
    assert check_function(np.linalg.inv, general(3))


def test_solve_vector_and_matrix_right_hand_sides():
    assert check_function(np.linalg.solve, general(3), np.array([1.0, -2.0, 0.5]))
    assert check_function(np.linalg.solve, spd(3), np.arange(6.0).reshape(3, 2))


def test_symbolic_refuses_large_matrices_by_name():
    with pytest.raises(dm.UnsupportedOperationError, match="np.linalg.inv of a 7x7"):
        dm.gradient(lambda A: np.sum(np.linalg.inv(A)), general(7), method="symbolic")


def test_stacks_and_wrong_shapes_are_refused_by_name():
    with pytest.raises(dm.UnsupportedOperationError, match="np.linalg.inv .* one square"):
        dm.gradient(lambda A: np.sum(np.linalg.inv(A)), np.ones((2, 3)))
    with pytest.raises(dm.UnsupportedOperationError, match="np.linalg.solve .* b of shape"):
        dm.gradient(lambda A: np.sum(np.linalg.solve(A, np.ones(4))), general(3))


def test_hessians_through_linear_algebra_agree():
    A, b = general(2), np.array([1.0, -2.0])  # 2x2: symbolic inverses grow fast
    f = lambda A, b: np.sum(np.linalg.solve(A, b) ** 2) + np.sum(np.linalg.inv(A) * A.T)  # noqa
    H = dm.hessian(f, (A, b), method="reverse")
    S = dm.hessian(f, (A, b), method="symbolic")
    for i in range(2):
        for j in range(2):
            assert np.allclose(H[i][j], S[i][j], rtol=1e-10, atol=1e-12)
