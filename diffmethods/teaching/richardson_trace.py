"""Richardson extrapolation, step by step: the tableau of central differences and its estimate.

A central difference D(h) = f'(x) + c2·h² + c4·h⁴ + ... is computed for shrinking steps, and
each column of the tableau combines two neighbours so that one more power of h cancels. The
first column for f = x1**3 at 1 has errors of order h²; the second column is already exact.
The tableau shown is rebuilt with the library's own sweep
(:func:`diffmethods.methods.richardson.ridders` and its tableau), from the first step the
method settled on.
"""

from __future__ import annotations

import math

import numpy as np

from ..api import differentiate
from ..methods.finite import along
from ..methods.richardson import Richardson, _tableau
from ..points import Problem
from .document import Explanation, Paragraph, Table
from .kinks import gradient_text, kink_paragraph, scan
from .notation import coordinate_names, num

MAX_LEVELS_SHOWN = 8


def tableau(f, point, coordinate: int, first_step: float, factor: float = 1.4,
            levels: int = 10):
    """(rows, steps) of the Neville tableau for one coordinate, from ``first_step``."""
    problem = Problem(f, point)
    work = problem.working_copy()
    g = along(problem, work, coordinate)
    rows, steps, *_ = _tableau(g, float(work[coordinate]), first_step, factor, levels, None)
    return rows, steps


def explain_richardson(f, point, step=None, factor: float = 1.4,
                       levels: int = 10) -> Explanation:
    """Richardson's (Ridders') extrapolation step by step: the tableau for the first
    coordinate, then every coordinate's estimate and error estimate."""
    options = {"factor": factor, "levels": levels}
    if step is not None:
        options["step"] = step
    with np.errstate(all="ignore"):
        r = differentiate(f, point, method=Richardson.name, **options)
    names = coordinate_names(Problem(f, point))
    first = np.asarray(r.details["first_step"], dtype=float)
    estimate = np.asarray(r.details["error_estimate"], dtype=float)
    blocks = [Paragraph(
        "A central difference `D(h) = (f(x + h) - f(x - h)) / 2h` is off by "
        "`c2·h² + c4·h⁴ + ...`. Richardson's idea: compute D for a few steps, each the last "
        f"divided by {num(factor)}, and combine neighbours so that the h² term cancels, then "
        "h⁴, and so on: column j of the tableau has errors of order h^(2j+2). A fairly large "
        "step (little rounding) then still gives many digits.")]
    found = scan(f, point)
    if found.stop is not None:
        blocks.append(Paragraph(found.stop))
        return Explanation("Richardson extrapolation", blocks, Richardson.name, float(r.value),
                           np.full(len(r.flat_gradient), np.nan), {})
    kink = kink_paragraph(found, "Richardson extrapolates central differences, which see the "
                          "average of the one-sided slopes (or a quotient growing like 1/h "
                          f"at a jump): {gradient_text(r.flat_gradient)} here")
    if kink is not None:
        blocks.append(kink)
    rows, steps = tableau(f, point, 0, float(first[0]), factor, levels)
    if rows:
        shown = rows[:MAX_LEVELS_SHOWN]
        width = min(len(shown), 4)
        table = [[i + 1, num(steps[i], 4)] + [num(row[j], 12) if j < len(row) else ""
                                              for j in range(width)]
                 for i, row in enumerate(shown)]
        blocks += [Paragraph(f"**The tableau for {names[0]}** (first step {num(first[0], 4)}; "
                             "T0 is D(h) itself, each later column one more cancellation):"),
                   Table(["level", "step h"] + [f"T{j}" for j in range(width)], table)]
        if len(rows) > len(shown) or any(len(row) > width for row in rows):
            blocks.append(Paragraph(f"(The sweep went to {len(rows)} levels; later levels and "
                                    "columns are left out.)"))
    blocks.append(Paragraph(
        "The sweep keeps the entry that differs least from its neighbours, and stops once the "
        "diagonal grows again (rounding has taken over). Three times that spread is the "
        "**error estimate**: an estimate, not a bound."))
    blocks.append(Table(["derivative", "estimate", "error estimate", "first step"],
                        [[f"df/d{names[i]}", num(g, 15), f"{e:.1e}" if math.isfinite(e) else
                          str(e), num(first[i], 4)]
                         for i, (g, e) in enumerate(zip(r.flat_gradient, estimate))]))
    calls = r.f_calls
    blocks.append(Paragraph(
        f"**Gradient** ≈ ({', '.join(num(g) for g in r.flat_gradient)}) from {calls} "
        f"call{'s' if calls != 1 else ''} of f: more than a single central difference, in "
        "exchange for an accuracy close to the exact methods and a stated error."))
    return Explanation("Richardson extrapolation", blocks, Richardson.name, float(r.value),
                       r.flat_gradient, {"tableau": rows, "steps": steps})
