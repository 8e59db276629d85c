"""Wall-clock timing of repeated runs: medians, within a time budget.

A single timing on a shared machine is noise; the median of several runs is a fair summary.
Timings are the only numbers in the harness that change from run to run, so they are kept in
their own fields (``seconds``, ``setup_seconds``, ``f_seconds``) and their own report columns.
"""

from __future__ import annotations

import statistics
import time

from .. import api


def median_result(f, point, method: str, options: dict, repeat: int, max_seconds: float = 2.0):
    """Run ``dm.differentiate`` once to warm up (the symbolic method derives and caches here),
    then up to ``repeat`` more times while under ``max_seconds`` in total.

    Returns (first Result, median seconds of the repeated runs, number of repeated runs). The
    seconds are those the Result itself measured while the method ran.
    """
    first = api.differentiate(f, point, method=method, **options)
    spent, times = first.seconds, []
    for _ in range(max(1, repeat)):
        if times and spent > max_seconds:
            break
        r = api.differentiate(f, point, method=method, **options)
        times.append(r.seconds)
        spent += r.seconds
    return first, statistics.median(times), len(times)


def median_call_seconds(call, repeat: int = 7, max_seconds: float = 1.0) -> float:
    """Median wall time of ``call()`` over up to ``repeat`` runs (at least one)."""
    times, spent = [], 0.0
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
        spent += times[-1]
        if spent > max_seconds:
            break
    return statistics.median(times)
