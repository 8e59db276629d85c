"""Jacobians, Hessians and the other operators, across every method that provides them."""

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS, VECTOR_SCENARIOS
from diffmethods.registry import get_method

from helpers import close


def providing(operator):
    return [m for m in dm.methods() if hasattr(get_method(m), operator)]


# (finite-difference Hessians divide the noise of a noisy entry by h^2: not comparable)
HESSIAN_CASES = sorted(name for name, s in SCENARIOS.items()
                       if not {"branching", "no-symbolic", "noisy"} & s.tags)
HAND_HESSIANS = sorted(name for name, s in SCENARIOS.items()
                       if s.f.__diffmethods_manual__.hessian is not None)


def test_at_least_five_hand_derived_hessians_and_three_vector_functions():
    assert len(HAND_HESSIANS) >= 5
    assert len(VECTOR_SCENARIOS) >= 3


# Their symbolic Hessian derives for 80-90 s (a fifth of the suite); the exact reference is
# then forward mode's Jacobian of the hand-derived gradient: exact, and independent of f's code
HAND_GRADIENT_REFERENCE = {"softmax_classifier"}


@pytest.mark.parametrize("name", HESSIAN_CASES)
def test_hessians_agree_across_methods(name):
    s = SCENARIOS[name]
    if name in HAND_GRADIENT_REFERENCE:
        hand = s.f.__diffmethods_manual__.gradient
        exact = dm.jacobian(hand, s.point, method="forward")
    else:
        exact = dm.hessian(s.f, s.point, method="symbolic", budget=600)
    scale = max(1.0, float(np.max(np.abs(exact))))
    assert close(dm.hessian(s.f, s.point, method="reverse"), exact, 1e-10, 1e-10 * scale)
    finite = dm.hessian(s.f, s.point, method="finite")
    value = abs(dm.differentiate(s.f, s.point).value)
    assert close(finite, exact, 1e-5, 1e-5 * max(scale, value)), (finite, exact)


@pytest.mark.parametrize("name", HAND_HESSIANS)
def test_hessians_agree_with_the_hand_derived_ones(name):
    s = SCENARIOS[name]
    hand = dm.hessian(s.f, s.point, method="manual")
    scale = max(1.0, float(np.max(np.abs(hand))))
    for method in ("reverse", "symbolic"):
        assert close(dm.hessian(s.f, s.point, method=method), hand, 1e-10, 1e-12 * scale)


def test_forward_over_reverse_counts_and_chunks():
    s = SCENARIOS["rosenbrock"]
    x = s.point_of(9)
    full = dm.hessian(s.f, x, method="reverse", full_output=True)
    blocked = dm.hessian(s.f, x, method="reverse", chunk=4, full_output=True)
    assert close(full.derivative, blocked.derivative, 1e-14, 1e-12)
    assert (full.passes, blocked.passes) == (2, 6)  # (forward + backward) per block of columns
    assert full.f_calls == 1 and blocked.f_calls == 3
    assert close(full.details["gradient"], dm.gradient(s.f, x), 1e-14, 1e-14)


def test_finite_hessian_uses_its_own_step_and_counts_calls():
    r = dm.hessian(SCENARIOS["seed"].f, (2, 3, 4), method="finite", full_output=True)
    assert r.f_calls == 1 + 2 * 3 + 4 * 3  # f(x), two per diagonal entry, four per pair
    assert np.allclose(r.details["steps"], np.finfo(float).eps ** 0.25 * np.array([2, 3, 4]),
                       rtol=1e-6)


@pytest.mark.parametrize("name", sorted(VECTOR_SCENARIOS))
@pytest.mark.parametrize("method", providing("jacobian"))
def test_jacobians_agree_across_methods(name, method):
    s = VECTOR_SCENARIOS[name]
    hand = np.asarray(dm.jacobian(s.f, s.point, method="manual"))
    J = dm.jacobian(s.f, s.point, method=method)
    assert J.shape == hand.shape
    tol = 1e-12 if get_method(method).exact else 1e-7
    assert close(J, hand, tol, tol * max(1.0, float(np.max(np.abs(hand))))), (J, hand)


def test_jacobian_costs_show_forward_for_tall_and_reverse_for_wide():
    tall, wide = VECTOR_SCENARIOS["tall"], VECTOR_SCENARIOS["wide"]
    fwd_tall = dm.jacobian(tall.f, tall.point, method="forward", chunk=1, full_output=True)
    rev_tall = dm.jacobian(tall.f, tall.point, method="reverse", full_output=True)
    assert fwd_tall.passes == 2 and rev_tall.passes == 1 + 4  # n = 2 inputs, m = 4 outputs
    fwd_wide = dm.jacobian(wide.f, wide.point, method="forward", chunk=1, full_output=True)
    rev_wide = dm.jacobian(wide.f, wide.point, method="reverse", full_output=True)
    assert fwd_wide.passes == 5 and rev_wide.passes == 1 + 2  # n = 5 inputs, m = 2 outputs


def test_hvp_jvp_vjp_and_derivative():
    s = SCENARIOS["rosenbrock"]
    x = s.point_of(5)
    v = np.linspace(-1.0, 1.0, 5)
    H = dm.hessian(s.f, x, method="manual")
    for method in providing("hvp"):
        assert close(dm.hvp(s.f, x, v, method=method), H @ v, 1e-12, 1e-10), method
    r = dm.hvp(s.f, x, v, method="reverse", full_output=True)
    assert r.passes == 2 and r.f_calls == 1
    J = dm.jacobian(VECTOR_SCENARIOS["tall"].f, (0.7, -0.4), method="manual")
    assert close(dm.jvp(VECTOR_SCENARIOS["tall"].f, (0.7, -0.4), [1.0, 2.0]), J @ [1, 2], 1e-14)
    assert close(dm.vjp(VECTOR_SCENARIOS["tall"].f, (0.7, -0.4), [1.0, 0, 0, 2.0]),
                 np.array([1.0, 0, 0, 2.0]) @ J, 1e-14)
    d = dm.derivative(np.sin, 0.3, method="forward")
    assert isinstance(d, float) and d == pytest.approx(np.cos(0.3), rel=1e-15)


def test_operators_refuse_clearly():
    with pytest.raises(dm.OptionError, match="does not provide hessian; methods that do: .*reverse"):
        dm.hessian(SCENARIOS["seed"].f, (2, 3, 4), method="richardson")
    with pytest.raises(dm.OptionError, match="one number"):
        dm.derivative(SCENARIOS["seed"].f, (2, 3, 4))
    with pytest.raises(dm.NoManualGradientError, match="no Hessian"):
        dm.hessian(SCENARIOS["trig"].f, SCENARIOS["trig"].point, method="manual")
    with pytest.raises(dm.FunctionError, match="direction has 2 entries"):
        dm.hvp(SCENARIOS["seed"].f, (2, 3, 4), [1.0, 2.0])


from hypothesis import given, settings  # noqa: E402

from strategies import evaluate, expressions  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(expressions(n_inputs=2, max_depth=4))
def test_random_expression_hessians_forward_over_reverse_vs_symbolic(case):
    tree, point = case

    def f(x1, x2):
        return evaluate(tree, (x1, x2))

    exact = dm.hessian(f, point, method="symbolic")
    scale = max(1.0, float(np.max(np.abs(exact))), abs(f(*point)))
    assert close(dm.hessian(f, point, method="reverse"), exact, 1e-10, 1e-10 * scale), tree
