"""Richardson extrapolation (Ridders): accuracy, a safe first step, an honest error estimate."""

import mpmath
import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS

mpmath.mp.dps = 50


def sweep_mp(x):
    return mpmath.exp(x) / mpmath.sqrt(mpmath.sin(x)**3 + mpmath.cos(x)**3)


CASES = [
    ("classic sweep function", SCENARIOS["sweep"].f, 1.5, sweep_mp),
    ("sin", np.sin, 0.7, mpmath.sin),
    ("exp", np.exp, 2.0, mpmath.exp),
    ("log near 0", np.log, 0.3, mpmath.log),
    ("arctan far out", np.arctan, 10.0, mpmath.atan),
    ("large values", lambda x: 1e6 * np.exp(x), 3.0, lambda x: 10**6 * mpmath.exp(x)),
]


@pytest.mark.parametrize("name, f, x, f_mp", CASES, ids=[c[0] for c in CASES])
def test_accuracy_and_error_estimate_against_50_digits(name, f, x, f_mp):
    r = dm.differentiate(f, x, method="richardson")
    exact = float(mpmath.diff(f_mp, mpmath.mpf(x)))
    true_error = abs(r.gradient[0] - exact)
    estimate = r.details["error_estimate"][0]
    assert true_error <= 1e-12 * abs(exact)
    assert estimate >= true_error  # the estimate bounds the error
    assert estimate <= 1e-12 * max(abs(exact), abs(f(x)))  # useful: the result is known good
    assert estimate <= 1000 * max(true_error, 1e-16 * abs(exact))  # not wildly loose


def test_target_of_the_issue_on_the_classic_function():
    r = dm.differentiate(SCENARIOS["sweep"].f, 1.5, method="richardson")
    exact = float(mpmath.diff(sweep_mp, mpmath.mpf(1.5)))
    assert abs(r.gradient[0] - exact) / abs(exact) <= 1e-12
    assert r.f_calls == 1 + 2 * (r.f_calls // 2)  # the value, then pairs of bumps


def test_seed_and_options():
    r = dm.differentiate(SCENARIOS["seed"].f, (2, 3, 4), method="richardson")
    assert np.allclose(r.gradient, [12, 12, 9], rtol=1e-13)
    assert np.all(r.details["error_estimate"] >= 0)
    for options, message in (({"factor": 1.0}, "factor"), ({"levels": 1}, "levels"),
                             ({"step": -1.0}, "step")):
        with pytest.raises(dm.OptionError, match=message):
            dm.gradient(np.sin, 1.0, method="richardson", **options)


SAFE_FIRST_STEP = [
    # (f, x, exact): the default first step 0.1 max(1, |x|) would cross ...
    ("exp overflows at 709.78", np.exp, 709.5, float(mpmath.exp(709.5))),
    ("sqrt's domain ends at 0", np.sqrt, 1e-10, 5e4),
    ("log's domain ends at 0", np.log, 1e-300, 1e300),
    ("a kink at 0.05", lambda x: np.abs(x - 0.05) + x**2, 0.0, -1.0),
    ("a pole at 0.05", lambda x: 1 / (x - 0.05), 0.0, -400.0),
    ("Python's 1/0 at x - h", lambda x: 1 / (x - 0.1), 0.2, -100.0),  # 0.2 - 0.1 == 0.1
    ("a fast wiggle", lambda x: np.sin(1e4 * x), 0.3, float(1e4 * mpmath.cos(3000))),
]


@pytest.mark.parametrize("name, f, x, exact", SAFE_FIRST_STEP, ids=[c[0] for c in SAFE_FIRST_STEP])
def test_the_first_step_is_made_safe(name, f, x, exact):
    # was: inf at exp(709.5), nan at sqrt(1e-10), wrong numbers across kinks and poles
    r = dm.differentiate(f, x, method="richardson")
    estimate = r.details["error_estimate"][0]
    assert abs(r.gradient[0] - exact) <= estimate <= 1e-8 * abs(exact), (r.gradient, estimate)
    assert r.details["first_step"][0] < 0.1 * max(1.0, abs(x))  # it was cut


def test_no_safe_step_gives_nan_with_the_policys_warning():
    # cbrt at 0 has a vertical tangent: no step makes the quotients converge
    with pytest.warns(dm.errors.DomainWarning, match="cbrt"):
        g = dm.gradient(np.cbrt, 0.0, method="richardson")
    assert np.isnan(g[0])


def test_a_first_step_that_vanishes_is_refused():
    with pytest.raises(dm.OptionError, match="vanishes"):
        dm.gradient(np.sin, 1.0, method="richardson", step=1e-20)
