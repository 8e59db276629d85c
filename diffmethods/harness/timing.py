"""Wall-clock timing of repeated runs: medians, within a time budget.

A single timing on a shared machine is noise; the median of several runs is a fair summary.
Timings are the only numbers in the harness that change from run to run, so they are kept in
their own fields (``seconds``, ``setup_seconds``, ``f_seconds``) and their own report columns.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from .. import api, registry
from ..errors import DiffMethodsError

_WARM = False


def _warm_up_function(x1, x2):
    return np.sin(x1) * x2 + np.exp(x2 / 3) - np.sqrt(x1 * x1 + 1)


def warm_up() -> None:
    """Run every registered method once on a tiny function, once per process.

    The first use of a method pays one-off costs that have nothing to do with the function
    (sympy loading its printers and code generators on the first derivation, for instance: a
    tenth of a second). Paying them up front keeps them out of the first measurement, and out
    of the growth rates the scaling study extrapolates from."""
    global _WARM
    if _WARM:
        return
    for method in registry.methods():
        try:
            api.differentiate(_warm_up_function, (0.5, 1.5), method=method)
        except DiffMethodsError:
            pass  # e.g. manual: no hand-derived gradient; nothing to warm
    _WARM = True


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
