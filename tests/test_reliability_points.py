"""Reliability of the point layer: an f that writes into its argument, the cost of forward
mode's default blocks, float32 values, and warnings that point at the user's line."""

import warnings

import numpy as np
import pytest

import diffmethods as dm


def doubles_in_place(x):
    x *= 2
    return np.sum(x)


@pytest.mark.parametrize("method", [m for m in dm.methods() if m != "manual"])
def test_an_f_that_writes_into_its_argument_gets_the_right_gradient(method):
    x = np.array([1.0, 3.0])
    try:
        g = dm.gradient(doubles_in_place, x, method=method)
    except dm.UnsupportedOperationError:
        pytest.skip(f"{method} cannot trace in-place writes")
    except ValueError as e:  # a read-only point refused by numpy: loud, not wrong
        assert "read-only" in str(e)
        return
    assert np.allclose(g, [2.0, 2.0], rtol=1e-6)
    assert x.tolist() == [1.0, 3.0]  # the user's array is untouched


def test_forward_mode_says_so_before_thousands_of_passes():
    x = np.ones(100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", dm.CostWarning)
        with pytest.raises(dm.CostWarning, match=r"\d+ passes .* reverse mode .* chunk="):
            dm.gradient(lambda v: np.sum(v**2), x, method="forward")
    with warnings.catch_warnings():
        warnings.simplefilter("error", dm.CostWarning)  # a chunk you chose is not warned about
        small = np.ones(300)
        assert dm.gradient(lambda v: np.sum(v**2), small, method="forward", chunk=1)[0] == 2.0


def test_float32_values_get_a_float32_step_and_a_warning():
    f = lambda x: np.float32(np.exp(np.float32(x)))  # noqa: E731
    with pytest.warns(dm.PrecisionWarning, match="float32") as record:
        g = dm.gradient(f, 1.0, method="finite")
    assert record[0].filename == __file__  # points at the caller's line, not our internals
    assert abs(g[0] - np.e) / np.e < 1e-4  # was 4e-3 with the float64 step

