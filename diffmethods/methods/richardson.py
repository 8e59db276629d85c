"""Richardson extrapolation of central differences (Ridders' method), with an error estimate.

A central difference with step h is D(h) = f'(x) + c2 h^2 + c4 h^4 + ... . From D(h),
D(h/a), D(h/a^2), ... the Neville tableau

    T[i][0] = D(h / a^i)
    T[i][j] = (a^(2j) T[i][j-1] - T[i-1][j-1]) / (a^(2j) - 1)

cancels the h^2, h^4, ... terms one after another, so a fairly large first step (little
round-off) still gives a very accurate derivative. The change from one extrapolate to the next
estimates the error; the sweep keeps the entry with the smallest estimate and stops once the
diagonal grows again (round-off has taken over). That estimate is returned with the result.

>>> from diffmethods import differentiate
>>> r = differentiate(lambda x: x**5, 1.0, method="richardson")
>>> bool(abs(r.gradient[0] - 5) < 1e-12), bool(r.details["error_estimate"][0] < 1e-10)
(True, True)
"""

from __future__ import annotations

import numpy as np

from ..domain import quiet
from ..errors import OptionError
from ..points import real_scalar

EPS = np.finfo(float).eps


def ridders(g, t: float, h: float, factor: float = 1.4, levels: int = 10):
    """Estimate g'(t) by Ridders' extrapolation: returns (derivative, error estimate, calls).

    ``h`` is the first (largest) step; each level divides it by ``factor``."""
    best, error, noise = np.nan, np.inf, 0.0
    previous: list = []
    calls = 0
    a2 = factor * factor
    for i in range(levels):
        step = (t + h) - t  # the representable step
        if step == 0:
            break
        up, down = g(t + step), g(t - step)
        calls += 2
        row = [(up - down) / (2 * step)]
        # round-off in this quotient: each f value is off by ~eps |f|, divided by 2h
        level_noise = EPS * (abs(up) + abs(down)) / (2 * step)
        scale = a2
        for j in range(1, i + 1):
            row.append((scale * row[j - 1] - previous[j - 1]) / (scale - 1))
            scale *= a2
            change = max(abs(row[j] - row[j - 1]), abs(row[j] - previous[j - 1]))
            if change <= error:
                best, error, noise = row[j], change, level_noise
        if i and abs(row[i] - previous[i - 1]) >= 2 * error:
            break  # higher orders no longer help: round-off dominates
        previous = row
        h /= factor
    if not np.isfinite(best):  # a single level: no extrapolation possible
        best = previous[0] if previous else np.nan
    # Two extrapolates can agree by chance to better than they are right; the estimate is
    # never below the round-off of the quotients it came from (amplified ~10x by the tableau).
    error = max(error, 10 * noise, EPS * abs(best))
    return best, error, calls


class Richardson:
    name = "richardson"
    summary = "central differences extrapolated to h -> 0 (Ridders), with an error estimate"
    exact = False

    @quiet
    def gradient(self, problem, *, step=None, factor: float = 1.4, levels: int = 10):
        if not (isinstance(factor, (int, float)) and factor > 1):
            raise OptionError(f"factor must be a number > 1 (the step is divided by it at each "
                              f"level), got {factor!r}")
        if not (isinstance(levels, int) and levels >= 2):
            raise OptionError(f"levels must be an integer >= 2, got {levels!r}")
        x = problem.x
        if step is None:
            h = 0.1 * np.maximum(1.0, np.abs(x))
        else:
            h = np.broadcast_to(np.asarray(step, dtype=float), x.shape).copy()
            if not np.all(np.isfinite(h)) or np.any(h <= 0):
                raise OptionError(f"step must be positive and finite, got {step!r}")
        work = problem.working_copy()
        value = problem.scalar_output(problem(work))
        grad, error = np.empty(problem.n), np.empty(problem.n)
        for i in range(problem.n):
            x_i = float(work[i])

            def g(t, i=i):
                work[i] = t
                return real_scalar(problem(work), "f")

            grad[i], error[i], _ = ridders(g, x_i, float(h[i]), float(factor), levels)
            work[i] = x_i
        return problem.result(value, grad, passes=problem.calls, ops=None,
                              error_estimate=error, first_step=h)
