"""Array code: indexing, slices, reductions, products with constant matrices, broadcasting."""

import numpy as np
import pytest

import diffmethods as dm

from helpers import EXACT, close

RNG = np.random.default_rng(7)
A = RNG.normal(size=(3, 6))
B = RNG.normal(size=(6, 2))
C = RNG.normal(size=(2, 3))
X0 = RNG.uniform(0.2, 1.5, size=6)

ARRAY_FUNCTIONS = {
    "index": lambda x: x[0] * x[-1] + x[3]**2,
    "slices": lambda x: np.sum(x[1:] * x[:-1]) + np.sum(x[::2]**2) + np.sum(x[::-1][:3]),
    "sum_axis": lambda x: np.sum(np.sum(np.reshape(x, (2, 3)), axis=0)**2),
    "sum_keepdims": lambda x: np.sum(np.reshape(x, (2, 3)) / np.sum(np.reshape(x, (2, 3)),
                                                                    axis=1, keepdims=True)**2),
    "mean": lambda x: np.mean(np.exp(x)) + np.mean(np.reshape(x, (3, 2)), axis=0) @ [1.0, -2.0],
    "prod": lambda x: np.prod(x) + np.sum(np.prod(np.reshape(x, (2, 3)), axis=1)),
    "dot_matrix_vector": lambda x: np.sum(np.sin(A @ x)),
    "dot_vector_matrix": lambda x: np.sum((x @ B)**2),
    "dot_vectors": lambda x: np.dot(x, x) + np.dot(x, np.arange(6.0)),
    "matrix_matrix": lambda x: np.sum(C @ np.reshape(x, (3, 2))),
    "traced_matmul": lambda x: np.sum(np.reshape(x, (2, 3)) @ np.reshape(x, (3, 2))),
    "broadcast_constant": lambda x: np.sum(np.reshape(x, (2, 3)) * np.array([1.0, 2.0, 3.0])),
    "broadcast_column": lambda x: np.sum(x[:, None] * A.T),
    "broadcast_scalar": lambda x: np.sum(x[0] * x + x[1]),
    "transpose": lambda x: np.sum(np.reshape(x, (2, 3)).T @ C),
    "concatenate_stack": lambda x: np.sum(np.concatenate([x, x**2])**2)
    + np.sum(np.stack([x, np.cos(x)]) * 2.0),
    "where": lambda x: np.sum(np.where(x > 0.8, x**2, np.sin(x))),
    "max_min": lambda x: np.max(x * np.arange(6.0)) + np.min(np.cos(x)),
    "norm": lambda x: np.linalg.norm(x) + np.linalg.norm(x, 1),
    "loop": lambda x: sum(xi**3 for xi in x),
    "len_and_shape": lambda x: np.sum(x) * len(x) / x.shape[0] + x.size,
    "methods": lambda x: x.sum() + x.mean() + x.reshape(2, 3).T.ravel() @ x + x.dot(x) + x.max(),
    "fancy_repeats": lambda x: np.sum(x[[0, 0, 2]]**2),
    "object_array": lambda x: np.sum(np.sin(np.array([x[0], x[1] * x[2]]))),
}


@pytest.mark.parametrize("name", sorted(ARRAY_FUNCTIONS))
def test_array_code_agrees_across_methods(name):
    f = ARRAY_FUNCTIONS[name]
    reference = dm.gradient(f, X0, method="finite", scheme="central4")
    for method in EXACT:
        g = dm.gradient(f, X0, method=method)
        assert g.shape == X0.shape
        assert close(g, reference, 1e-7, 1e-7), (method, g, reference)
    assert close(dm.gradient(f, X0, method="forward"), dm.gradient(f, X0, method="reverse"),
                 1e-13, 1e-13)


def test_array_gradients_by_hand():
    x = np.array([1.0, 2.0, 3.0])
    for method in EXACT:
        assert close(dm.gradient(lambda v: np.sum(v[1:] - v[:-1]**2), x, method=method),
                     [-2.0, 1 - 4.0, 1.0], 0)
        M = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]])
        assert close(dm.gradient(lambda v: np.sum(M @ v), x, method=method), M.sum(axis=0), 0)
        assert close(dm.gradient(lambda v: np.prod(v), x, method=method), [6.0, 3.0, 2.0], 0)
        assert close(dm.gradient(lambda v: np.prod(v), np.array([2.0, 0.0, 3.0]),
                                 method=method), [0.0, 6.0, 0.0], 0)


def test_reverse_mode_array_operations_are_single_records():
    x = np.linspace(0.1, 1.0, 1000)
    r = dm.differentiate(lambda v: np.sum(np.sin(v) * v**2), x, method="reverse")
    assert r.ops == 4  # sin, power, multiply, sum: one record each, whatever the length


def test_forward_mode_blocks_of_tangents_agree_with_single_directions():
    f = ARRAY_FUNCTIONS["dot_matrix_vector"]
    one = dm.differentiate(f, X0, method="forward", chunk=1)
    block = dm.differentiate(f, X0, method="forward", chunk=4)
    assert (one.passes, block.passes) == (6, 2)
    assert close(one.gradient, block.gradient, 1e-14, 1e-14)


def test_unused_branches_do_not_poison_the_gradient():
    def f(x):
        np.sqrt(x - x)  # derivative inf at 0, but it does not reach the output
        return np.sum(x * 2.0)

    with np.errstate(all="ignore"):
        for method in ("forward", "reverse"):
            assert close(dm.gradient(f, np.ones(3), method=method), 2 * np.ones(3), 0), method


STRUCTURE_CASES = {
    # forward mode keeps tangent blocks sparse or row-scaled where it can; each case pushes a
    # structure through a different operation, and must agree with reverse mode exactly
    "matvec_then_elementwise": lambda x: np.mean(np.log(1 + np.exp(-(A @ x) * 0.5))),
    "matvec_of_a_function": lambda x: np.sum(np.exp(A @ np.sin(x))),
    "two_matvecs_added": lambda x: np.sum(np.tanh(A @ x) * (A @ x) + A @ x),
    "slice_of_matvec": lambda x: np.sum((A @ x)[1:] * 2.0) + (A @ x)[0],
    "vector_matrix": lambda x: np.sum(np.cos(x @ B)),
    "sparse_rows_grow": lambda x: np.sum(x[2:] * x[1:-1] * x[:-2] + x[:-2] * x[2:]),
    "scalar_times_array": lambda x: np.sum(x[0] * np.sin(x)),
    "reshape_then_sum_axis": lambda x: np.sum(np.sum(np.reshape(np.exp(x), (2, 3)), axis=1)**2),
    "fancy_then_concat": lambda x: np.sum(np.concatenate([x[[0, 0, 5]], np.sqrt(x)])**2),
}


@pytest.mark.parametrize("name", sorted(STRUCTURE_CASES))
@pytest.mark.parametrize("chunk", [None, 1, 4, 6])
def test_structured_tangent_blocks_agree_with_reverse_mode(name, chunk):
    f = STRUCTURE_CASES[name]
    options = {} if chunk is None else {"chunk": chunk}
    forward = dm.differentiate(f, X0, method="forward", **options)
    reverse = dm.gradient(f, X0, method="reverse")
    assert close(forward.gradient, reverse, 1e-13, 1e-13)
    assert forward.passes == -(-6 // forward.details["chunk"])


def test_sparse_and_row_scaled_blocks_turn_dense_on_request():
    from diffmethods.methods.tangents import ScaledRows, SparseTangent

    seed = SparseTangent.seed(5, 1, 3)
    expected = np.zeros((5, 3))
    expected[1:4] = np.eye(3)
    assert close(np.asarray(seed), expected, 0)
    grown = seed.plus(SparseTangent(2 * seed.vals[::-1], seed.cols[::-1], 3))
    assert grown.vals.shape[-1] == 2 and close(grown.dense(), expected + 2 * expected[::-1], 0)
    assert close(grown.total(), (expected + 2 * expected[::-1]).sum(axis=0), 0)
    rows = ScaledRows(np.array([1.0, -2.0]), np.arange(6.0).reshape(2, 3), 3)
    assert close(rows.dense(), [[0, 1, 2], [-6, -8, -10]], 0)
    assert close(rows.total(), [-6, -7, -8], 0)
