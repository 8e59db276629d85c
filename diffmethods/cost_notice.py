"""Say so before a long run starts: the calls of f a method will make, times one call's time.

The difference methods (finite differences, Richardson) and the epsilon sweep call f many
times; with an f that takes a second, a gradient at n = 1000 or a sweep of 161 steps runs for
many minutes. Each of them has just called f once at the point, so it knows what one call
costs: :func:`notice_long_run` multiplies, and above :data:`SECONDS_WITHOUT_NOTICE` it issues
a :class:`~diffmethods.errors.CostWarning` before the work, with the count, the prediction and
what would be cheaper. It never refuses: the user asked for this run.

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     seconds = notice_long_run("finite differences (central)", 2001, 0.05)
>>> round(seconds), str(caught[0].message).split(";")[0]
(100, 'finite differences (central) will call f about 2,001 times, about 1.7 min at 0.05 s a call (the first call)')
"""

from __future__ import annotations

import time

from .errors import CostWarning, warn_user

SECONDS_WITHOUT_NOTICE = 10.0
"""A run predicted to take longer than this many seconds is announced first."""

clock = time.perf_counter  # one name, so a test can stand in a slow f without waiting


def duration_text(seconds: float) -> str:
    """12 s, 1.7 min, 2.3 h: a predicted duration as a person says it."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def notice_long_run(what: str, calls: int, seconds_per_call: float, cheaper: str = "") -> float:
    """The predicted seconds of ``calls`` calls of f; a CostWarning first if that is long."""
    predicted = calls * seconds_per_call
    if predicted > SECONDS_WITHOUT_NOTICE:
        warn_user(CostWarning(
            f"{what} will call f about {calls:,} times, about {duration_text(predicted)} at "
            f"{seconds_per_call:.2g} s a call (the first call)"
            + (f"; {cheaper}" if cheaper else "")))
    return predicted


class timed:
    """Time one block (the first call of f): ``with timed() as t: ...; t.seconds``."""

    __slots__ = ("start", "seconds")

    def __enter__(self):
        self.start = clock()
        return self

    def __exit__(self, *exc):
        self.seconds = clock() - self.start
        return False
