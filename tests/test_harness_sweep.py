"""The epsilon sweep: errors against the reference, the error model and the best steps."""

import math

import mpmath
import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.harness.reference import reference_text
from diffmethods.harness.sweep import default_steps, step_methods

EPS = np.finfo(float).eps


@pytest.fixture(scope="module")
def classic():
    rows = dm.epsilon_sweep(SCENARIOS["sweep"].f, 1.5)
    return rows, {s["series"]: s for s in dm.sweep_summary(rows)}


def test_every_registered_scheme_over_the_default_grid(classic):
    rows, summary = classic
    assert list(summary) == dm.schemes() + step_methods()
    assert len(rows) == len(summary) * len(default_steps())
    steps = sorted({r["step"] for r in rows})
    assert math.isclose(steps[0], 1e-16) and math.isclose(steps[-1], 1.0)


@pytest.mark.parametrize("scheme", ["forward", "backward", "central", "central4"])
def test_observed_best_step_is_within_a_factor_of_10_of_the_prediction(classic, scheme):
    s = classic[1][scheme]
    assert 0.1 <= s["observed_step"] / s["predicted_step"] <= 10
    assert s["ratio"] == pytest.approx(s["observed_step"] / s["predicted_step"])


def test_central_beats_forward_by_orders_of_magnitude(classic):
    s = classic[1]
    assert s["central"]["observed_level"] < s["forward"]["observed_level"] / 100
    assert s["central4"]["observed_level"] < s["central"]["observed_level"]


def test_predicted_steps_follow_the_textbook_formulas(classic):
    """forward: h* = sqrt(2 eps |f| / |f''|); central: h* = (3 eps |f| / (2 |f'''|))^(1/3)."""
    g = lambda x: mpmath.exp(x) / mpmath.sqrt(mpmath.sin(x)**3 + mpmath.cos(x)**3)  # noqa
    with mpmath.workdps(40):
        f0, f2, f3 = (abs(float(mpmath.diff(g, mpmath.mpf(1.5), k))) for k in (0, 2, 3))
    s = classic[1]
    assert s["forward"]["predicted_step"] == pytest.approx(math.sqrt(2 * EPS * f0 / f2), rel=1e-9)
    assert s["central"]["predicted_step"] == pytest.approx((1.5 * EPS * f0 / f3) ** (1 / 3),
                                                           rel=1e-9)


def test_errors_are_measured_against_the_exact_derivative(classic):
    rows, _ = classic
    exact = rows[0]["derivative"]
    assert exact == pytest.approx(4.053427893898621, rel=1e-15)
    for r in rows[::37]:
        if math.isfinite(r["estimate"]):
            assert r["abs_error"] == pytest.approx(abs(r["estimate"] - exact), abs=1e-15)


def test_steps_that_vanish_next_to_x_give_no_estimate(classic):
    rows, summary = classic
    tiny = [r for r in rows if r["step"] < 1e-16 * 1.01 and r["scheme"] is not None]
    assert tiny and all(r["h_effective"] == 0 and math.isnan(r["estimate"]) for r in tiny)
    assert summary["forward"]["vanished_up_to"] == pytest.approx(1e-16)


def test_relative_steps_are_fractions_of_the_coordinate():
    s = SCENARIOS["seed"]
    rows = dm.epsilon_sweep(s.f, s.point, relative=True, steps=[1e-4, 1e-2], schemes=["forward"])
    assert [r["h"] for r in rows] == [pytest.approx(2e-4), pytest.approx(2e-2)]
    # forward difference of 3 x1^2: truncation error exactly 3 h
    assert rows[1]["abs_error"] == pytest.approx(3 * rows[1]["h_effective"], rel=1e-6)
    assert rows[0]["variable"] == "x1" and rows[0]["relative"] is True


def test_no_truncation_error_means_no_predicted_optimum():
    s = SCENARIOS["seed"]
    summary = dm.sweep_summary(dm.epsilon_sweep(s.f, s.point, schemes=["central"]))
    assert summary[0]["predicted_step"] is None and summary[0]["truncation_power"] is None
    assert summary[0]["observed_step"] > 0.1  # round-off only: the largest steps are best


def test_a_registered_scheme_is_swept_too():
    dm.register_scheme("one_sided2", (0, 1, 2), (-1.5, 2, -0.5), 2)
    try:
        rows = dm.epsilon_sweep(SCENARIOS["sweep"].f, 1.5, steps=default_steps(81))
        summary = {s["series"]: s for s in dm.sweep_summary(rows)}
        assert "one_sided2" in summary
        assert 0.1 <= summary["one_sided2"]["ratio"] <= 10
    finally:
        dm.unregister_scheme("one_sided2")


def test_without_a_symbolic_reference_the_fallback_is_labelled():
    s = SCENARIOS["huber"]
    rows = dm.epsilon_sweep(s.f, s.point, steps=[1e-3], schemes=["central"])
    assert rows[0]["reference"]["kind"] == "float64 method"
    assert "no 50-digit" in reference_text(rows[0]["reference"])
    assert rows[0]["model_error"] is None and rows[0]["abs_error"] < 1e-9


@pytest.mark.parametrize("kwargs, match", [
    ({"coordinate": 3}, "coordinate must be an index from 0 to 2"),
    ({"steps": [0.0]}, "positive"),
    ({"schemes": ["sideways"]}, "unknown finite-difference scheme"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(dm.DiffMethodsError, match=match):
        dm.epsilon_sweep(SCENARIOS["seed"].f, SCENARIOS["seed"].point, **kwargs)
