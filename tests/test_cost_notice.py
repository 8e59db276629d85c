"""Long runs are announced before they start (a CostWarning with the count and the time),
predicted from the first call of f. A slow f is stood in by a clock that advances 0.5 s per
call of f, so no test waits and nothing measured decides one."""

import warnings

import numpy as np
import pytest

import diffmethods as dm
from diffmethods import cost_notice

SECONDS_A_CALL = 0.5


@pytest.fixture
def slow_clock(monkeypatch):
    """cost_notice's clock, advanced by SECONDS_A_CALL at every call of f."""
    now = [0.0]
    monkeypatch.setattr(cost_notice, "clock", lambda: now[0])

    def f(x):
        now[0] += SECONDS_A_CALL
        return np.sum(np.sin(x))
    return f


def _notices(run):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run()
    return result, [str(w.message) for w in caught if issubclass(w.category, dm.CostWarning)]


def test_finite_differences_announce_a_long_gradient_with_its_count(slow_clock):
    x = np.zeros(40)
    g, notes = _notices(lambda: dm.gradient(slow_clock, x, method="finite"))
    np.testing.assert_allclose(g, np.ones(40), rtol=1e-8)   # it still runs: never refused
    assert len(notes) == 1
    assert "about 81 times" in notes[0] and "about 40 s at 0.5 s a call" in notes[0] and "reverse mode" in notes[0]


def test_richardson_announces_its_calls(slow_clock):
    _, notes = _notices(lambda: dm.gradient(slow_clock, np.zeros(3), method="richardson"))
    assert len(notes) == 1 and "Richardson" in notes[0] and "about 61 times" in notes[0]


def test_a_short_run_says_nothing(slow_clock):
    _, notes = _notices(lambda: dm.gradient(slow_clock, np.zeros(2), method="finite"))
    assert notes == []                                  # 5 calls: 2.5 s, under the 10 s


def test_the_sweep_announces_its_calls_before_sweeping(slow_clock):
    steps = np.logspace(-8, -1, 8)
    _, notes = _notices(lambda: dm.epsilon_sweep(slow_clock, np.zeros(1), steps=steps,
                                                 schemes=["forward", "central"]))
    # (8 steps + the default step) x (1 + 2 calls): 27 calls
    assert len(notes) == 1 and "the epsilon sweep will call f about 27 times" in notes[0]


def test_durations_read_as_a_person_says_them():
    assert [cost_notice.duration_text(s) for s in (12, 100, 7200)] == ["12 s", "1.7 min",
                                                                       "2.0 h"]
