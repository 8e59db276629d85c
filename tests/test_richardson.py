"""Richardson extrapolation (Ridders): accuracy and an error estimate that bounds the error."""

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
    assert estimate <= 100 * max(true_error, 1e-16 * abs(exact))  # and is not wildly loose


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
