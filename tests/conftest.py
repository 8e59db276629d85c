"""Suite-wide: no test's outcome may depend on how fast this machine is right now, or on luck.

The symbolic method stops a derivation whose *measured* pace passes ``SLACK`` x its budget
(``diffmethods.methods.symbolic_arrays``). That refusal is right for users on a slow machine,
but in the suite it let load decide tests: the softmax classifier's 50-digit reference or
sweep reference was refused on a crowded run and not on a quiet one. So every test runs with
the pace check out of reach; the counted budget (deterministic) still refuses as it does for
users, and the test of the pace check itself puts SLACK back and drives a fake clock.
"""

import os

import pytest
from hypothesis import settings

from diffmethods.methods import symbolic_arrays

# Property tests draw the same examples on every run, so a run cannot fail on a change that
# did not cause it; HYPOTHESIS_PROFILE=explore draws fresh ones (run it by hand, often: it is
# how the random-expression test found np.sinc's `re` in the compiled code).
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _symbolic_pace_never_decides(monkeypatch):
    monkeypatch.setattr(symbolic_arrays, "SLACK", 1e9)
