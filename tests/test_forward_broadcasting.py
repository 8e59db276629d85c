"""Forward mode: traced operands that broadcast against each other, with structured tangents.

The tangent blocks of forward mode on arrays are kept sparse (by rows) or as scaled rows
(diffmethods/methods/tangents.py). Adding two of them for values of shapes (2,) and (3, 2)
must give the tangent of the broadcast sum, as adding the dense blocks would; it used to raise
numpy's "all the input arrays must have same number of dimensions" from inside the tracer.
"""

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.methods.tangents import ScaledRows, SparseTangent, dense

K = 8


def _sparse_pair():
    small = SparseTangent.seed(2, 0, K)  # x[0:2], directions 0, 1
    large = SparseTangent.seed(6, 2, K, (3, 2))  # y (3, 2), directions 2..7
    return small, large


@pytest.mark.parametrize("order", [0, 1])
def test_sparse_tangents_of_broadcasting_values_add_up_broadcast(order):
    small, large = _sparse_pair()
    a, b = (small, large) if order == 0 else (large, small)
    total = a.plus(b)
    assert total.shape == (3, 2, K)
    assert np.array_equal(dense(total), dense(a) + dense(b))  # dense blocks broadcast


def test_sparse_tangents_with_many_entries_per_row_turn_dense_broadcast():
    small, large = _sparse_pair()
    wide = SparseTangent(np.ones((2, 5)), np.tile(np.arange(5), (2, 1)), K)  # 5 per row
    total = wide.plus(large)
    assert np.array_equal(dense(total), dense(wide) + dense(large))


def test_scaled_rows_broadcast_against_sparse_and_to_a_shape():
    _, large = _sparse_pair()
    rows = ScaledRows(np.array([2.0, -1.0]), np.arange(2.0 * K).reshape(2, K), K)
    assert np.array_equal(dense(rows.plus(large)), dense(rows) + dense(large))
    assert np.array_equal(dense(large.plus(rows)), dense(large) + dense(rows))
    assert np.array_equal(rows.broadcast_to((3, 2)), np.broadcast_to(dense(rows), (3, 2, K)))
    small, _ = _sparse_pair()
    assert np.array_equal(dense(small.broadcast_to((3, 2))),
                          np.broadcast_to(dense(small), (3, 2, K)))


M = np.array([[1.0, 2.0], [3.0, -1.0]])
FUNCTIONS = {
    "add": lambda a, b: np.sum(np.sin(a + b)),
    "multiply": lambda a, b: np.sum(np.sin(b * a)),
    "mixed": lambda a, b: np.sum(np.sin(a) * b + b * a - a),
    "matrix_then_add": lambda a, b: np.sum(np.tanh(M @ a + b)),
    "chain": lambda a, b: np.sum((a + b) * a / (1 + b * b)),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("chunk", [1, 3, 8])
def test_forward_mode_broadcasts_two_traced_operands(name, chunk):
    f = FUNCTIONS[name]
    point = (np.array([0.3, -0.7]), np.linspace(-1.0, 1.2, 6).reshape(3, 2))
    got = dm.gradient(f, point, method="forward", chunk=chunk)
    want = dm.gradient(f, point, method="reverse")
    for g, w in zip(got, want):
        assert g.shape == w.shape and np.allclose(g, w, rtol=1e-13, atol=1e-13)
    one = lambda x: f(x[:2], np.reshape(x, (3, 2)))  # noqa: E731  (both from one array)
    x = np.linspace(0.2, 1.3, 6)
    assert np.allclose(dm.gradient(one, x, method="forward", chunk=chunk),
                       dm.gradient(one, x, method="reverse"), rtol=1e-13, atol=1e-13)
