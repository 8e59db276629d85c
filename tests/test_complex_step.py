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


@pytest.mark.parametrize("y, x", [(y, x) for y in (1.0, -1.0, 3.0, 2.5e8)
                                  for x in (0.0, -0.0, 1e-300, -1e-300, -2.0, 2.0)]
                         + [(y, x) for y in (0.0, -0.0, 1e-300, -1e-300) for x in (-2.0, 2.0)])
def test_arctan2_on_and_off_the_axes(y, x):
    # was: ZeroDivisionError at x = 0, and -3 pi/2 instead of -pi/2 at x = -0.0
    r = dm.differentiate(np.arctan2, (y, x), method="complex-step")
    assert r.value == np.arctan2(y, x)
    assert close(r.gradient, dm.gradient(np.arctan2, (y, x), method="reverse"), 1e-15, 1e-300)


def test_arctan2_of_a_computed_negative_zero():
    def f(a, b):
        return np.arctan2(a, -(b - b))  # the second argument is -0.0 at every point
    for point in ((-1.0, 2.0), (1.0, 2.0), (1e-3, -5.0)):
        r = dm.differentiate(f, point, method="complex-step")
        assert r.value == f(*point)
        assert close(r.gradient, dm.gradient(f, point, method="reverse"), 1e-15)


@pytest.mark.parametrize("f, x", [(np.sqrt, -1.0), (np.log, -1.0), (np.arcsin, 2.0),
                                  (np.arccos, -2.0), (np.arccosh, 0.5), (np.arctanh, 2.0),
                                  (np.log1p, -2.0), (lambda x: x**0.5, -4.0)])
def test_outside_the_real_domain_the_complex_step_gives_nan(f, x):
    # it gave confident numbers of ~1e20 (the principal complex branch: sqrt(-1) = i)
    with pytest.warns(dm.errors.DomainWarning):
        r = dm.differentiate(f, x, method="complex-step")
    assert np.isnan(r.value) and np.isnan(r.gradient[0])


def test_an_operand_outside_the_domain_is_caught_even_when_not_stepped():
    # the pass for x1 does not perturb log's operand, whose principal complex log is finite
    with pytest.warns(dm.errors.DomainWarning):
        g = dm.gradient(lambda x1, x2: x1 * np.log(x2), (2.0, -1.0), method="complex-step")
    assert np.all(np.isnan(g))


def test_near_a_singularity_the_step_is_refused_not_trusted():
    # log at 1e-300 with h = 1e-20: Im log(x + ih)/h = 1.6e20, the truth is 1e300
    with pytest.warns(dm.errors.DomainWarning, match="log"):
        g = dm.gradient(np.log, 1e-300, method="complex-step")
    assert np.isnan(g[0])
    # the same point with a step well inside the reach is fine, and so is 1e-10 by default
    assert dm.gradient(np.log, 1e-17, method="complex-step", step=1e-40)[0] == \
        pytest.approx(1e17, rel=1e-15)
    assert dm.gradient(np.log, 1e-10, method="complex-step")[0] == pytest.approx(1e10, rel=1e-15)
    assert dm.gradient(lambda x: 1 / x, 1e-12, method="complex-step")[0] == \
        pytest.approx(-1e24, rel=1e-15)


def test_the_reach_leaves_the_sweep_its_moderate_steps():
    # larger steps may reach further (10 h, up to 1/2): the truncation error then shows as
    # h**2, as the epsilon sweep teaches, rather than disappearing into nan
    f = SCENARIOS["sweep"].f
    exact = dm.gradient(f, 1.5, method="manual")[0]
    g = dm.gradient(f, 1.5, method="complex-step", step=1e-3)[0]
    assert np.isfinite(g) and 1e-12 < abs(g - exact) / abs(exact) < 1e-4
