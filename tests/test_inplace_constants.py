"""A constant array that f changes in place *after* using it: the tape must not read the new
elements in its backward pass (it did: W[:] = 10 after y = W*x gave 20 where 11 is right).

Each f uses a plain numpy array (weights, an index array, a mask, a matrix) in a traced
operation and then changes that array in place; the right gradient is the one of the values
at the moment of use, which forward mode and finite differences see directly.
"""

import warnings

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.kept import frozen

X = np.array([0.3, 0.7, 1.1])


def weights_then_zeroed(x):
    w = np.array([1.0, 2.0, 3.0])
    y = (w * x).sum()
    w[:] = 10.0
    return y + (w * x).sum()          # gradient: [1, 2, 3] + [10, 10, 10]


def matrix_scaled_after_matmul(x):
    a = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])
    y = (a @ x).sum()
    a *= 5
    return y + (a @ x).sum()          # gradient: 6 * column sums of a


def dot_then_filled(x):
    w = np.array([1.0, 2.0, 3.0])
    y = np.dot(w, np.sin(x))
    w.fill(0.0)
    return y                           # gradient: w * cos(x)


def einsum_then_changed(x):
    w = np.array([1.0, 2.0, 3.0])
    y = np.einsum("i,i->", w, x**2)
    w[0] = 100.0
    return y                           # gradient: 2 * w * x


def divisor_changed(x):
    c = np.array([0.5, 0.5, 0.5])
    y = x / c
    c[:] = 1.0
    return (y**2).sum()                # gradient: 2 x / c**2 = 8 x


def index_array_changed(x):
    idx = np.array([0, 1])
    y = x[idx]
    idx[0] = 2
    return (y * y).sum()               # gradient: [2 x0, 2 x1, 0]


def mask_changed(x):
    m = np.array([True, False, True])
    y = np.where(m, x, 2 * x)
    m[:] = False
    return (y * y).sum()               # gradient: [2 x0, 8 x1, 2 x2]


def boolean_index_changed(x):
    m = np.array([True, False, True])
    y = x[m]
    m[1] = True
    return (y**3).sum()                # gradient: [3 x0², 0, 3 x2²]


def solve_matrix_changed(x):
    a = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    y = np.linalg.solve(a, x)
    a[:] = np.eye(3)
    return (y * y).sum()               # gradient: 2 A^-T A^-1 x


_A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
_AI = np.linalg.inv(_A)
EXPECTED = {
    weights_then_zeroed: np.array([11.0, 12.0, 13.0]),
    matrix_scaled_after_matmul: 6 * np.array([1.0, 3.0, 3.0]),
    dot_then_filled: np.array([1.0, 2.0, 3.0]) * np.cos(X),
    einsum_then_changed: 2 * np.array([1.0, 2.0, 3.0]) * X,
    divisor_changed: 8 * X,
    index_array_changed: np.array([2 * X[0], 2 * X[1], 0.0]),
    mask_changed: np.array([2 * X[0], 8 * X[1], 2 * X[2]]),
    boolean_index_changed: np.array([3 * X[0] ** 2, 0.0, 3 * X[2] ** 2]),
    solve_matrix_changed: 2 * _AI.T @ _AI @ X,
}
EXACT = ("reverse", "compiled", "forward", "complex-step", "symbolic")


@pytest.mark.parametrize("f", list(EXPECTED), ids=lambda f: f.__name__)
@pytest.mark.parametrize("method", EXACT)
def test_a_constant_changed_after_use_does_not_change_the_gradient(f, method):
    dm.clear_caches() if hasattr(dm, "clear_caches") else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            g = dm.gradient(f, X, method=method)
        except dm.DiffMethodsError as e:      # refusing is allowed; a wrong number is not
            pytest.skip(f"{method} refuses: {e}")
    np.testing.assert_allclose(g, EXPECTED[f], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f", list(EXPECTED), ids=lambda f: f.__name__)
def test_central_differences_agree_with_the_expected_gradients(f):
    """The expected values themselves are checked by a method that never records."""
    np.testing.assert_allclose(dm.gradient(f, X, method="finite"), EXPECTED[f], rtol=1e-7)


def test_a_read_only_constant_is_kept_without_a_copy():
    w = np.arange(3.0)
    w.flags.writeable = False
    assert frozen(w) is w
    view = np.arange(4.0)[1:]          # read-only view of a writeable array: still copied
    view.flags.writeable = False
    assert frozen(view) is not view
    params = frozen({"index": (np.array([0, 1]), slice(None))})
    assert isinstance(params["index"][1], slice)


BIG = 1 << 15   # larger than kept.COPY_LIMIT: protected while f runs instead of copied


def test_a_large_constant_is_protected_while_f_runs_and_writeable_after():
    data = np.linspace(0.0, 1.0, BIG)

    def uses_then_writes(x):
        y = np.sum(data * x[0])
        data[0] = 7.0
        return y

    def only_uses(x):
        return np.sum(data * x[0] ** 2)

    x = np.array([0.5])
    with pytest.raises(dm.UnsupportedOperationError, match="copy"):
        dm.gradient(uses_then_writes, x, method="reverse")
    assert data.flags.writeable and data[0] == 0.0      # given back, unchanged
    g = dm.gradient(only_uses, x, method="reverse")
    np.testing.assert_allclose(g, [2 * 0.5 * data.sum()])
    assert data.flags.writeable
    data[1] = 3.0                                      # the user's array is theirs again


def test_a_large_view_protects_the_array_it_views():
    base = np.ones((2, BIG))

    def through_the_base(x):
        row = base[0]
        y = np.sum(row * x[0])
        base[0, 0] = 9.0
        return y

    with pytest.raises(dm.UnsupportedOperationError):
        dm.gradient(through_the_base, np.array([1.0]), method="reverse")
    assert base.flags.writeable and base[0, 0] == 1.0


def test_a_large_read_only_constant_is_used_as_it_is():
    data = np.ones(BIG)
    data.flags.writeable = False
    assert frozen(data) is data
    g = dm.gradient(lambda x: np.sum(data * x[0]), np.array([2.0]), method="reverse")
    assert g[0] == BIG and not data.flags.writeable
