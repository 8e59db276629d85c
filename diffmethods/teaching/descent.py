"""Gradient descent, the practical application: fit a line with every method's gradients.

The model is a straight line y = w x + b fitted to a fixed synthetic data set (a fixed random
seed, so every run draws the same points) by minimising the L2 cost -- the mean squared distance
between the line and the points. Each method supplies the gradient of the cost at every step;
the exact methods take identical steps, finite differences take approximately the same ones --
unless the step is poor: one-sided differences with a large h carry a fixed bias, and descent
settles where the *biased* gradient vanishes, above the true minimum.

The cost's minimum is known in closed form (least squares), so the plot can show how far above
it each run is, on a log scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..api import differentiate
from ..costs import carried
from ..methods.compiled import CompiledMethod
from ..methods.finite import FiniteDifferences
from ..methods.manual import manual
from ..registry import methods
from .document import Table
from ..files import figure_format
from .figures import new_figure, save_figure
from .notation import num

DATA_SEED = 2024
TRUE_SLOPE, TRUE_INTERCEPT, NOISE = 1.5, -0.7, 0.25
POOR_STEP = {"scheme": "forward", "step": 0.5}  # a deliberately poor finite-difference step


def line_data(n: int = 24):
    """The data: n points on y = 1.5 x - 0.7 plus Gaussian noise, always the same ones."""
    rng = np.random.default_rng(DATA_SEED)
    x = np.linspace(-1.0, 1.0, n)
    return x, TRUE_SLOPE * x + TRUE_INTERCEPT + NOISE * rng.normal(size=n)


def make_cost(x, y):
    """The L2 cost of the line (w, b) on the data, with its hand-derived gradient attached.

    A new function object per call, so the symbolic method's cache (kept per function) never
    carries over between demos and the counts it reports are the same every time."""
    def grad(w, b):
        r = w * x + b - y
        return 2 * np.mean(r * x), 2 * np.mean(r)

    @manual(grad)
    def cost(w, b):
        return np.mean((w * x + b - y) ** 2)
    return cost


@dataclass
class Run:
    """One descent: the parameters and cost at every iterate, and what each gradient cost."""

    label: str
    method: str
    options: dict
    params: list = field(default_factory=list)
    costs: list = field(default_factory=list)
    f_calls: list = field(default_factory=list)
    passes: list = field(default_factory=list)
    work: list = field(default_factory=list)  # what the passes carried (costs.Work)

    def calls_text(self) -> str:
        """f calls per iteration, e.g. "3", or "1, then 0" when the first one differs."""
        return counts_text(self.f_calls)

    def passes_text(self) -> str:
        """Passes per iteration, in the same form."""
        return counts_text(self.passes)

    def work_text(self) -> str:
        """The work the passes carried per iteration, e.g. "6 tangent entries", or "-"."""
        if not self.work or any(w.count is None for w in self.work):
            return "-"
        if len({w.text for w in self.work}) == 1:  # the same every iteration: say it whole
            return self.work[0].text
        return f"{counts_text([w.count for w in self.work])} {self.work[0].unit}"


def counts_text(counts: list) -> str:
    """Whole counts per iteration as a reader wants them: "5" when always 5, "1, then 0" when
    only the first differs, "17 to 19" when they vary (Richardson's sweep stops when rounding
    takes over, so its calls differ a little from step to step) -- never a fractional mean."""
    first, rest = counts[0], sorted(set(counts[1:]))
    if not rest or rest == [first]:
        return str(first)
    if len(rest) == 1:
        return f"{first}, then {rest[0]}"
    return f"{min(counts)} to {max(counts)}"


def gradient_descent(f, start, method: str, options: dict, rate: float, iterations: int,
                     label: str) -> Run:
    """The update x_{k+1} = x_k - rate * gradient f(x_k), ``iterations`` times, with the
    gradients of ``method``; every iterate, cost and count is kept in the returned Run."""
    run = Run(label, method, dict(options))
    theta = np.array(start, dtype=float)
    for _ in range(iterations):
        r = differentiate(f, tuple(theta), method=method, **options)
        run.params.append(theta.copy())
        run.costs.append(float(r.value))
        run.f_calls.append(r.f_calls)
        run.passes.append(r.passes)
        run.work.append(carried(r))
        theta = theta - rate * r.gradient
    run.params.append(theta.copy())
    run.costs.append(float(f(*theta)))
    return run


@dataclass
class DescentDemo:
    runs: list
    x: np.ndarray
    y: np.ndarray
    best: np.ndarray  # the least-squares line (w*, b*)
    best_cost: float
    rate: float
    iterations: int


def descent_demo(iterations: int = 60, rate: float = 0.3, start=(0.0, 0.0)) -> DescentDemo:
    """Fit the line with every registered method, plus finite differences with a poor step."""
    x, y = line_data()
    f = make_cost(x, y)
    probe = make_cost(x, y)  # not f: probing f would fill the symbolic cache before its run

    def label(m):  # say which scheme "finite" used by default, as the poor-step run says its own
        scheme = differentiate(probe, start, method=m).details.get("scheme")
        return f"{m}, {scheme}, default h" if scheme else m
    variants = [(label(m), m, {}) for m in methods()]
    if FiniteDifferences.name in methods():
        variants.append((f"finite, {POOR_STEP['scheme']} h = {POOR_STEP['step']}",
                         FiniteDifferences.name,
                         POOR_STEP))
    runs = [gradient_descent(f, start, m, opts, rate, iterations, label)
            for label, m, opts in variants]
    design = np.column_stack([x, np.ones_like(x)])
    best = np.linalg.lstsq(design, y, rcond=None)[0]
    return DescentDemo(runs, x, y, best, float(f(*best)), rate, iterations)


def descent_table(demo: DescentDemo) -> Table:
    rows = []
    for run in demo.runs:
        w, b = run.params[-1]
        rows.append([run.label, num(run.costs[-1], 8), f"{run.costs[-1] - demo.best_cost:.1e}",
                     f"{num(w, 6)}, {num(b, 6)}", run.calls_text(), run.passes_text(),
                     run.work_text()])
    return Table(["gradients by", "final cost", "above the minimum", "final (w, b)",
                  "f calls per iteration", "passes per iteration", "work per iteration"], rows)


STYLES = [dict(ls="-", lw=4.5, alpha=0.35), dict(ls="--", lw=2.2), dict(ls=":", lw=2.6),
          dict(ls="-.", lw=1.8), dict(ls=(0, (1, 3)), lw=2.8), dict(ls="-", lw=1.2)]


def plot_descent(demo: DescentDemo, path: str | None = None):
    """Left: cost above the minimum per iteration (log scale), one line per method. Right: the
    data with the least-squares line and the line each run ended with, where they differ."""
    if path is not None:
        figure_format(path)  # before drawing: an extension that is no figure format is refused
    fig = new_figure(figsize=(12.5, 4.8))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
    floor = 1e-16
    exact = [r for r in demo.runs if r.options != POOR_STEP]
    for k, run in enumerate(exact):
        excess = np.maximum(np.array(run.costs) - demo.best_cost, floor)
        left.semilogy(excess, color=f"C{k}", label=run.label, **STYLES[k % len(STYLES)])
    for run in demo.runs:
        if run.options == POOR_STEP:
            excess = np.maximum(np.array(run.costs) - demo.best_cost, floor)
            left.semilogy(excess, color="k", lw=2.0, label=f"{run.label} (biased)")
    left.set_xlabel("iteration")
    left.set_ylabel("cost − minimum cost  (log scale)")
    left.set_title(f"Gradient descent on the L2 cost, learning rate {num(demo.rate)}")
    left.grid(True, which="major", alpha=0.3)
    left.set_ylim(bottom=1e-15)
    left.legend(fontsize=9, loc="lower left", title="gradients by", title_fontsize=9)

    right.scatter(demo.x, demo.y, s=18, color="0.35", label="data", zorder=3)
    grid = np.linspace(demo.x.min(), demo.x.max(), 2)
    w, b = demo.best
    right.plot(grid, w * grid + b, color="C0", lw=2.2,
               label=f"least squares: w = {num(w, 4)}, b = {num(b, 4)}")
    for run in demo.runs:
        if run.options == POOR_STEP:
            w, b = run.params[-1]
            right.plot(grid, w * grid + b, color="k", lw=1.8, ls="--",
                       label=f"{run.label}: w = {num(w, 4)}, b = {num(b, 4)}")
    right.set_xlabel("x")
    right.set_ylabel("y")
    right.set_title("The data and the fitted lines")
    right.legend(fontsize=8.5, loc="upper left")
    right.grid(True, alpha=0.3)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def seed_descent_steps(f, point, rate: float = 0.01, steps: int = 4,
                       method: str = CompiledMethod.name) -> Table:
    """A few plain gradient steps on any f, as a table: point, value, gradient. The same
    gradient at every step: the compiled method records f once and reruns its program."""
    theta = np.array(point, dtype=float)
    rows = []
    for k in range(steps + 1):
        r = differentiate(f, tuple(theta), method=method)
        rows.append([k, ", ".join(num(v, 8) for v in theta), num(r.value, 8),
                     ", ".join(num(g, 8) for g in r.gradient)])
        theta = theta - rate * r.gradient
    return Table(["step", "point", "f", "gradient"], rows)
