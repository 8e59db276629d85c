"""The finite-difference figure: how the error of df/dx1 depends on the size of the bump.

The bump is given in % of the coordinate (the library's ``rel_step`` option), and every estimate
comes from the library's finite-difference method. Two panels tell the two halves of the story:

* left, bumps of 0-10 % on linear axes: the estimate drifts away from the exact value as the
  bump grows -- the truncation error of the formula;
* right, bumps from 1e-13 % to 10 % on log axes: the error falls as the bump shrinks, until
  rounding takes over and it rises again, a V whose bottom is the best step. Reference lines
  show the two error terms, and the library's default steps are marked.
"""

from __future__ import annotations

import numpy as np

from ..methods.finite import EPS, SCHEMES
from ..points import Problem, parse_point
from ..files import figure_format
from .figures import new_figure, save_figure
from .finite_trace import bump_errors
from .notation import node_name, num

COLOURS = {"forward": "C3", "backward": "C2", "central": "C0", "central4": "C4"}
LINES = {"forward": "-", "backward": "--", "central": "-", "central4": "-."}


def plot_bump_error(f, point, path: str | None = None, coordinate: int = 0,
                    schemes=("forward", "backward", "central")):
    """Draw the two panels for ``f`` at ``point`` and save them to ``path`` if given."""
    _, x = parse_point(point)
    xi = float(x[coordinate])
    name = node_name(coordinate)
    if path is not None:
        figure_format(path)  # before drawing: an extension that is no figure format is refused
    fig = new_figure(figsize=(12.5, 4.8))
    lin, log = fig.subplots(1, 2)

    percents = np.linspace(0.0, 10.0, 41)[1:]
    estimates, exact = bump_errors(f, point, coordinate, percents, schemes)[1:]
    for s in schemes:
        lin.plot(percents, estimates[s], color=COLOURS.get(s), marker="o", ms=3, lw=1.6,
                 ls=LINES.get(s, "-"), label=f"{s} difference")
    if exact is not None:
        lin.axhline(exact, color="k", lw=1.0, ls="--", label=f"exact: {num(exact)}")
    lin.set_xlabel(f"bump h, in % of {name} = {num(xi)}")
    lin.set_ylabel(f"estimate of df/d{name}")
    lin.set_title("Large bumps: the formula's truncation error")
    lin.legend(fontsize=9)
    lin.grid(True, alpha=0.3)
    lin.set_xlim(0, 10)

    percents = np.logspace(-13, 1, 141)
    estimates = bump_errors(f, point, coordinate, percents, schemes)[1]
    floor = 1e-17
    any_zero = False
    for s in schemes:
        err = np.abs(estimates[s] - exact)
        shown = err > 0
        log.loglog(percents[shown], err[shown], color=COLOURS.get(s), lw=1.4,
                   ls=LINES.get(s, "-"), label=f"{s} difference")
        if (~shown).any():  # exactly right: plotted on the bottom edge, where log has no 0
            log.scatter(percents[~shown], np.full((~shown).sum(), floor * 1.5),
                        color=COLOURS.get(s), marker="v", s=14, clip_on=False)
            any_zero = True
    if any_zero:  # one neutral legend entry for the markers of every scheme
        log.scatter([], [], color="0.35", marker="v", s=14,
                    label="error exactly 0 (on the bottom edge)")
    h = xi * percents / 100
    problem = Problem(f, point)
    fx = abs(float(problem(problem.inputs(problem.x))))
    log.loglog(percents, EPS * max(fx, 1.0) / h, color="0.4", lw=1.0, ls=":",
               label="rounding: eps·|f| / h")
    for k, s in enumerate(schemes):
        default = float(SCHEMES[s].default_step(np.array([xi]))[0])
        log.axvline(100 * default / abs(xi), color=COLOURS.get(s), lw=0.9, ls=(0, (4, 3)),
                    alpha=0.8, label="library's default steps" if k == len(schemes) - 1 else None)
    log.set_ylim(floor, 1e2)
    log.set_xlabel(f"bump h, in % of {name} (log scale)")
    log.set_ylabel(f"|error| of df/d{name} (log scale)")
    log.set_title("Small bumps: rounding takes over")
    log.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 0.05))
    log.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig
