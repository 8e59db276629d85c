"""The complex step: machine-precision derivatives with no cancellation, and its conventions."""

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.methods.complex_step import NON_ANALYTIC
from diffmethods.ops import OPS

from helpers import close


def test_every_non_analytic_rule_belongs_to_a_table_operation():
    assert set(NON_ANALYTIC) <= set(OPS)


def test_error_stays_flat_as_the_step_shrinks():
    f = SCENARIOS["sweep"].f
    exact = dm.gradient(f, 1.5, method="manual")[0]
    for h in (1e-8, 1e-20, 1e-100, 1e-300):
        g = dm.gradient(f, 1.5, method="complex-step", step=h)[0]
        assert g == pytest.approx(exact, rel=4e-16), h
    # a finite difference with the same small step has nothing left
    with pytest.raises(dm.OptionError, match="vanishes"):
        dm.gradient(f, 1.5, method="finite", step=1e-20)


def test_one_evaluation_per_coordinate_and_the_value_for_free():
    r = dm.differentiate(SCENARIOS["seed"].f, (2, 3, 4), method="complex-step")
    assert r.f_calls == 3 and r.passes == 3 and r.value == 48.0
    assert close(r.gradient, [12, 12, 9], 0)


def test_conventions_for_non_analytic_operations():
    cs = "complex-step"
    assert dm.gradient(np.abs, 0.0, method=cs)[0] == 0.0
    assert dm.gradient(np.abs, -2.0, method=cs)[0] == -1.0
    assert close(dm.gradient(np.maximum, (1.0, 1.0), method=cs), [0.5, 0.5], 0)
    assert close(dm.gradient(np.minimum, (1.0, 2.0), method=cs), [1.0, 0.0], 0)
    assert close(dm.gradient(np.arctan2, (-1.0, -2.0), method=cs),
                 dm.gradient(np.arctan2, (-1.0, -2.0), method="reverse"), 1e-15)
    assert close(dm.gradient(np.cbrt, -8.0, method=cs), [1 / 12], 1e-15)

    def relu(x):
        return x if x > 0 else 0.0 * x

    assert dm.gradient(relu, 2.0, method=cs)[0] == 1.0
    assert dm.gradient(relu, -2.0, method=cs)[0] == 0.0


def test_bad_steps_are_refused():
    for bad in (0.0, -1e-20, float("nan"), "tiny"):
        with pytest.raises(dm.OptionError, match="step"):
            dm.gradient(np.sin, 1.0, method="complex-step", step=bad)


def test_array_code_under_the_complex_step():
    A = np.arange(6.0).reshape(2, 3)

    def f(x):
        return np.sum(np.exp(A @ x) * 0.1) + np.prod(x[1:]) + np.max(x)

    x = np.array([0.1, -0.3, 0.2])
    assert close(dm.gradient(f, x, method="complex-step"), dm.gradient(f, x), 1e-15, 1e-15)


def test_complex_step_matches_the_50_digit_reference_on_the_analytic_catalogue():
    from diffmethods.catalogue import scenarios
    from diffmethods.harness.reference import reference_gradient

    analytic = scenarios("analytic")
    assert len(analytic) >= 8
    for s in analytic:
        ref = reference_gradient(s.f, s.point)
        assert ref.available, s.name
        _, rel = ref.errors(dm.gradient(s.f, s.point, method="complex-step"))
        assert rel <= 1e-15, (s.name, rel)
