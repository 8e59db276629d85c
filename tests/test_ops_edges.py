"""Edge points of the operation table follow numpy's and JAX's conventions (README table)."""

import warnings

import numpy as np
import pytest

import diffmethods as dm

from helpers import EXACT


def _quiet_gradient(f, x, m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dm.errors.DomainWarning)
        return dm.gradient(f, x, method=m)


@pytest.mark.parametrize("m", EXACT + ["finite", "richardson"])
def test_zero_to_a_positive_power_has_derivative_zero_in_the_exponent(m):
    # issue 10: was nan in forward, reverse and symbolic (0**y log 0 = 0 * -inf)
    assert _quiet_gradient(lambda y: np.power(0.0, y), 0.5, m)[0] == 0.0
    assert _quiet_gradient(lambda y: 0.0 ** y * 3.0 + y, 2.0, m)[0] == 1.0
    g = _quiet_gradient(lambda y: np.sum(np.power(0.0, y)), np.array([0.5, 2.0, 7.0]), m)
    assert np.array_equal(g, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("m", EXACT)
def test_zero_to_the_power_zero_is_a_jump_and_gets_no_number(m):
    # 0**y is inf for y < 0, 1 at 0 and 0 for y > 0: no derivative at y = 0, so nan and a warning
    with pytest.warns(dm.errors.DomainWarning):
        g = dm.gradient(lambda y: np.power(0.0, y), 0.0, method=m)
    assert np.isnan(g[0])


@pytest.mark.parametrize("m", EXACT)
def test_sqrt_at_zero_has_no_finite_derivative(m):
    # JAX says inf; the package's policy says nan with a DomainWarning naming sqrt (README)
    with pytest.warns(dm.errors.DomainWarning, match="sqrt"):
        g = dm.gradient(np.sqrt, 0.0, method=m)
    assert np.isnan(g[0])


@pytest.mark.parametrize("m", EXACT)
def test_a_zero_base_that_is_traced_keeps_the_exponent_partial_finite(m):
    # d/dy x**y at x = 0 is 0, but d/dx is 0.5 * 0**-0.5 = inf: the gradient is nan, loudly
    with pytest.warns(dm.errors.DomainWarning):
        g = dm.gradient(lambda x, y: np.power(x, y), (0.0, 0.5), method=m)
    assert np.isnan(g).any()
