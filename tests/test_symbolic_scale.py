"""The symbolic method at the scale of real data (issue 11, "symbolic at scale"): constant
arrays stay arrays in the expression, and a derivation predicted to be too large is refused,
before it is built, with its predicted size."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import diffmethods as dm
from diffmethods.methods import symbolic, symbolic_arrays

RNG = np.random.default_rng(0)
X = RNG.normal(size=(1000, 20))
Y = (RNG.random(1000) < 0.5).astype(float)
W0 = RNG.normal(size=20) * 0.3


def logistic(w):
    z = X @ w
    return np.mean(np.logaddexp(0, z) - Y * z)


def _close(a, b, rtol=1e-12):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.all(np.abs(a - b) <= rtol * np.max(np.abs(b))), np.max(np.abs(a - b))


def _nodes(exprs) -> int:
    return sum(1 for e in exprs for _ in sympy.preorder_traversal(e))


@pytest.fixture(scope="module")
def derived():
    dm.clear_symbolic_cache()
    return dm.symbolic_gradient(logistic, W0)


def test_the_logistic_gradient_equals_the_tape_to_1e_12(derived):
    r = dm.differentiate(logistic, W0, method="symbolic")
    _close(r.gradient, dm.gradient(logistic, W0))
    assert r.value == pytest.approx(logistic(W0), rel=1e-13)
    value, grad = derived(W0)
    _close(grad, dm.gradient(logistic, W0))


def test_the_expression_does_not_grow_with_the_rows(derived):
    # the data stay arrays: 20 columns of X and y (a few more symbols for the copies made
    # inside the sum), not 20,000 numbers
    assert 21 <= len(derived.data) <= 45
    assert all(a.shape == (1000,) for a in derived.data.values())
    assert not derived.expression.atoms(sympy.Float)
    size = _nodes([derived.expression, *derived.gradient])
    assert size < 3000  # element by element it was over 10^5

    X2, Y2 = np.vstack([X, X]), np.concatenate([Y, Y])

    def twice(w):  # the same loss on twice the rows
        z = X2 @ w
        return np.mean(np.logaddexp(0, z) - Y2 * z)
    doubled = dm.symbolic_gradient(twice, W0)
    assert _nodes([doubled.expression, *doubled.gradient]) == size
    _close(doubled(W0)[1], derived(W0)[1])


def test_small_data_stay_numbers_so_the_expression_is_readable():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    sg = dm.symbolic_gradient(lambda w: np.sum((A @ w) ** 2), np.zeros(2))
    assert sg.data == {}
    assert sg.expression.atoms(sympy.Float)


# --- every packed operation against the tape (data of 1000 x 4: cheap to derive) ---------
A = RNG.normal(size=(1000, 4))
T = RNG.normal(size=1000)
V0 = np.array([0.3, -0.2, 0.5, 0.1])

PACKED = {
    "least squares": lambda w: np.sum((A @ w - T) ** 2),
    "log(1 + exp(-t z))": lambda w: np.mean(np.log(1 + np.exp(-T * (A @ w)))),
    "leaky relu (where, >)": lambda w: np.sum(np.where(A @ w > 0, A @ w, 0.1 * (A @ w))),
    "constant condition": lambda w: np.sum(np.where(T > 0, np.sin(A @ w), (A @ w) ** 2)),
    "slices and an element": lambda w: np.sum((A @ w)[:500] ** 2) + (A @ w)[3] * 2.0,
    "reshape, transpose, rows": lambda w: np.sum(np.cos((A @ w).reshape(100, 10).T)[2]),
    "vector @ packed": lambda w: T @ np.tanh(A @ w),
    "w @ constant": lambda w: np.sum(np.exp(w @ A.T / 4)),
    "broadcast with a column": lambda w: np.sum((A @ w)[:, None] * T[:10]),
    "sum inside a sum": lambda w: np.sum(T * (A @ w) * np.sum(T * np.sin(A @ w))),
    "std (mean with keepdims)": lambda w: np.std(A @ w),
    "mean along the only axis": lambda w: np.mean(np.abs(A @ w - T), axis=0),
    "max, min, clip": lambda w: np.sum(np.maximum(A @ w, 0) ** 2 - np.minimum(A @ w, T)
                                       + np.clip(A @ w, -0.5, 0.5) * T),
}


@pytest.mark.parametrize("name", sorted(PACKED))
def test_packed_operations_agree_with_the_tape(name):
    f = PACKED[name]
    sg = dm.symbolic_gradient(f, V0)
    assert sg.data, "expected the data to stay packed"
    value, grad = sg(V0)
    _close(grad, dm.gradient(f, V0))
    assert value == pytest.approx(f(V0), rel=1e-12)


def test_scalar_parameters_meeting_a_long_vector_pack():
    t = np.linspace(0, 1, 2000)
    obs = 3 * t + 1 + np.sin(40 * t)

    def f(a, b):
        return np.sum((a * t + b - obs) ** 2)
    sg = dm.symbolic_gradient(f, (0.5, -0.5))
    assert sg.data
    _close(dm.gradient(f, (0.5, -0.5), method="symbolic"), dm.gradient(f, (0.5, -0.5)))


def test_hessian_and_jacobian_of_packed_expressions():
    f = PACKED["log(1 + exp(-t z))"]
    _close(dm.hessian(f, V0, method="symbolic"), dm.hessian(f, V0), rtol=1e-11)

    def g(w):
        return np.tanh(A @ w)[:3]
    _close(dm.jacobian(g, V0, method="symbolic"), dm.jacobian(g, V0))


def test_a_changed_data_matrix_is_not_served_from_the_cache():
    B = A.copy()

    def f(w):
        return np.sum(np.exp(B @ w / 4))
    first = dm.gradient(f, V0, method="symbolic")
    B[0, 0] += 1.0  # in place: the cached derivation copied the old numbers
    again = dm.gradient(f, V0, method="symbolic")
    assert not np.allclose(first, again)
    _close(again, dm.gradient(f, V0))


# --- the budget ------------------------------------------------------------------------------
def _fail_if_built(monkeypatch):
    """Building anything element by element fails the test: a refusal must come first."""
    def built(*args, **kwargs):
        raise AssertionError("the expression was built before the budget was checked")
    monkeypatch.setattr(symbolic, "_float_array", built)
    monkeypatch.setattr(symbolic.np, "frompyfunc", built)


def test_a_huge_elementwise_product_is_refused_before_it_is_built(monkeypatch):
    big = np.broadcast_to(1.5, (3000, 3000))  # 9 million elements, no memory

    def f(x):
        return np.sum(big * x * x)
    _fail_if_built(monkeypatch)
    dm.clear_symbolic_cache()
    with pytest.raises(dm.BudgetError, match=r"9,00\d,\d{3} scalar nodes") as caught:
        dm.gradient(f, np.ones(3000), method="symbolic")
    assert caught.value.predicted_nodes >= 9_000_000
    assert "budget=" in str(caught.value) and "reverse" in str(caught.value)
    assert isinstance(caught.value, dm.UnsupportedOperationError)


def test_many_variables_are_refused_before_their_symbols_exist(monkeypatch):
    def named(problem):
        raise AssertionError("the symbols were being created")
    monkeypatch.setattr(symbolic, "_symbol_names", named)
    dm.clear_symbolic_cache()
    with pytest.raises(dm.BudgetError, match="one symbol per coordinate"):
        dm.gradient(lambda x: np.sum(x * x), np.ones(500_000), method="symbolic")


def test_the_budget_is_an_option_that_moves_the_limit():
    M = RNG.normal(size=(10, 10))

    def f(x):  # element by element: a column of expressions times a constant matrix
        return np.sum(np.sin(x)[:, None] * M)
    x0 = np.linspace(0, 1, 10)
    dm.clear_symbolic_cache()
    with pytest.raises(dm.BudgetError) as caught:
        dm.gradient(f, x0, method="symbolic", budget=0.002)
    assert caught.value.predicted_nodes > 0.002 * symbolic_arrays.NODES_PER_SECOND
    assert caught.value.budget == 0.002 and "0.002 s" in str(caught.value)
    dm.clear_symbolic_cache()
    _close(dm.gradient(f, x0, method="symbolic", budget=10), dm.gradient(f, x0))


def test_a_contraction_with_a_constant_packs():
    M = RNG.normal(size=(40, 40))

    def f(x):
        return np.sum(np.sin(x) @ M)  # 1600 multiply-adds element by element
    x0 = np.linspace(0, 1, 40)
    dm.clear_symbolic_cache()
    sg = dm.symbolic_gradient(f, x0)
    assert len(sg.data) >= 40 and all(a.shape == (40,) for a in sg.data.values())
    assert _nodes([sg.expression]) < 600  # 40 terms, not 1600 products
    _close(sg(x0)[1], dm.gradient(f, x0))


def test_a_slow_differentiation_is_refused_from_its_measured_pace(monkeypatch):
    monkeypatch.setattr(symbolic_arrays, "SLACK", 3.0)  # conftest.py moves it out of reach
    clock = iter(range(10**6))  # a clock on which every reading is one second later
    monkeypatch.setattr(symbolic_arrays, "_clock", lambda: float(next(clock)))
    dm.clear_symbolic_cache()
    with pytest.raises(dm.BudgetError, match="differentiating 40 term-variable pairs would "
                       r"take about \d+ s at the pace of the first \d+\b"):
        dm.gradient(lambda x: np.sum(np.sin(x) * x), np.ones(40), method="symbolic")


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "10", True])
def test_a_bad_budget_is_refused_by_name(bad):
    with pytest.raises(dm.OptionError, match="budget"):
        dm.gradient(lambda x: x * x, 1.0, method="symbolic", budget=bad)


def test_the_declaration_lists_the_budget():
    option = dm.declaration("symbolic").option("budget")
    assert option.default == symbolic_arrays.DEFAULT_BUDGET
    assert option.read("2.5", "symbolic") == 2.5


def test_symbolic_gradient_takes_the_budget_too():
    dm.clear_symbolic_cache()
    with pytest.raises(dm.BudgetError):
        dm.symbolic_gradient(lambda x: np.sum(np.sin(x) * x), np.ones(50), budget=1e-4)
    with pytest.raises(dm.OptionError, match="budget"):
        dm.symbolic_gradient(lambda x: x * x, 1.0, budget=-1)


def test_the_other_operators_take_the_budget():
    dm.clear_symbolic_cache()
    f = PACKED["least squares"]
    for operator in (dm.jacobian, dm.hessian):
        with pytest.raises(dm.BudgetError):
            operator(f, V0, method="symbolic", budget=1e-4)
    _close(dm.hvp(f, V0, np.ones(4), method="symbolic", budget=10),
           dm.hvp(f, V0, np.ones(4)), rtol=1e-11)


def test_the_50_digit_reference_never_gives_a_wrong_number_for_packed_data():
    """The reference evaluates symbolic_gradient's expressions node by node in mpmath; with
    packed data it must either evaluate them right or say it is unavailable, and why."""
    from diffmethods.harness.reference import reference_gradient
    f = PACKED["least squares"]
    ref = reference_gradient(f, V0)
    if ref.gradient is None:
        assert ref.reason
    else:
        _close([float(g) for g in ref.gradient], dm.gradient(f, V0))
