"""Figures from the harness's plain data rows.

Each function takes the rows returned by :func:`diffmethods.compare`,
:func:`diffmethods.epsilon_sweep` or :func:`diffmethods.scaling` (lists of dicts), draws a
matplotlib :class:`~matplotlib.figure.Figure` and, given ``path``, saves it (the format follows
the file's extension: .png, .svg, .pdf, ...; see ``files.FIGURE_FORMATS``). Nothing here
computes results, so you can filter the rows, or draw your own figures from them instead.

The figures are made without pyplot (no GUI backend, no global state), so they work on
headless machines and in threads, and nothing here chooses a backend: a notebook's inline
backend stays as it was. Since pyplot never hears of them, each figure shows itself instead
(:class:`InlineFigure`): returned as a cell's last value, Jupyter displays it as a picture.
"""

from __future__ import annotations

import io
import math
import re

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .files import FIGURE_FORMATS, figure_format, write_atomic

EPS = float(np.finfo(float).eps)
ZERO_FLOOR = 1e-18  # where an error of exactly 0 is drawn on a log axis
SAVE_FORMATS = FIGURE_FORMATS
DPI = 110
# no timestamps or software version in the file, so regenerating it changes nothing
_METADATA = {"png": {"Software": "diffmethods"}, "svg": {"Date": None, "Creator": None},
             "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
             "ps": {"Creator": "diffmethods"}, "eps": {"Creator": "diffmethods"}}
# PostScript's header always has the time (matplotlib reads only SOURCE_DATE_EPOCH): dropped
_PS_DATE = re.compile(rb"%%CreationDate: [^\n]*\n")


PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#7b4173"]
MARKERS = "osDv^P*Xh<>pd8"


def known_series() -> list[str]:
    """Every scheme, method and study variant, in one fixed order: a curve's colour and marker
    come from its place here, so ``central`` looks the same in every figure whatever else is
    drawn beside it."""
    from . import registry
    from .harness.scaling import default_variants
    from .harness.sweep import step_methods
    from .methods.finite import schemes
    names = (schemes() + step_methods() + registry.methods()
             + [label for label, _, _ in default_variants()])
    return list(dict.fromkeys(names))


def series_style(name: str, known=None) -> tuple[str, str]:
    """(colour, marker) of a curve, fixed by its name (see :func:`known_series`); a name from
    nowhere (a method registered after the fact, "x (method)") is placed after them."""
    known = known_series() if known is None else known
    k = known.index(name) if name in known else len(known) + sum(map(ord, name)) % 7
    return PALETTE[k % len(PALETTE)], MARKERS[k % len(MARKERS)]


def _colors(names) -> dict:
    """The fixed colour of each name, in first-seen order."""
    known = known_series()
    return {name: series_style(name, known)[0] for name in dict.fromkeys(names)}


class InlineFigure(Figure):
    """A matplotlib Figure that a notebook displays as its PNG (the bytes :func:`figure_bytes`
    saves). A figure made without pyplot has no display of its own -- Jupyter would print
    ``<Figure size 820x560 with 1 Axes>`` -- and making it with pyplot instead would keep it
    open in pyplot's global list and show it twice."""

    def _repr_png_(self) -> bytes:
        return figure_bytes(self, "png")


def new_figure(**kwargs) -> InlineFigure:
    """A new :class:`InlineFigure` (``figsize=...`` and the rest as for ``Figure``), drawn by
    Agg, the backend that needs no display."""
    fig = InlineFigure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def figure_bytes(fig, fmt: str = "png") -> bytes:
    """The figure rendered to bytes in ``fmt``, one of :data:`FIGURE_FORMATS` (raster formats
    at 110 dpi), the same bytes on every run."""
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"cannot save a figure as {fmt!r}; use one of "
                         f"{', '.join(FIGURE_FORMATS)}")
    buffer = io.BytesIO()
    if not isinstance(fig.canvas, FigureCanvasAgg):  # a pyplot figure keeps its own canvas
        FigureCanvasAgg(fig)
    # svg ids are random unless salted; a fixed salt makes them a function of the content
    with matplotlib.rc_context({"svg.hashsalt": "diffmethods"}):
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=_METADATA.get(fmt))
    data = buffer.getvalue()
    if fmt in ("ps", "eps"):
        data = _PS_DATE.sub(b"", data, count=1)
    return data


def save(fig, path: str) -> None:
    """Save ``fig`` to ``path`` atomically, in the format its extension names (an extension
    that is not a figure format is an OutputError, before anything is drawn)."""
    write_atomic(path, figure_bytes(fig, figure_format(path)))


def _check_path(path) -> None:
    """Refuse a figure path whose extension is no figure format before drawing anything."""
    if path is not None:
        figure_format(path)


def _finish(fig, path):
    if path is not None:
        save(fig, path)
    return fig


# --- epsilon sweep ---------------------------------------------------------------------------
def plot_sweep(rows, path: str | None = None, title: str | None = None) -> Figure:
    """Error against step size, log-log: one solid curve per scheme (measured), its dashed
    error model, the predicted optimal step (open triangle on the model) and the observed best
    step (star, drawn at the worst error within half a decade of it, the level the scheme
    reliably reaches there; see :func:`~diffmethods.harness.sweep.sweep_summary`). Errors of
    exactly 0 are drawn as crosses at the bottom of the axes."""
    _check_path(path)
    from .harness.sweep import sweep_summary
    if not rows:
        raise ValueError("no sweep rows to plot")
    relative = rows[0]["relative"]
    variable = rows[0]["variable"]
    scale = 100.0 if relative else 1.0  # relative steps are shown in percent of |x_i|
    fig = new_figure(figsize=(8.2, 5.6))
    ax = fig.add_subplot()
    colors = _colors(r["series"] for r in rows)
    errors = [r["abs_error"] for r in rows if r["abs_error"] is not None
              and math.isfinite(r["abs_error"])]
    positive = [e for e in errors if e > 0]
    floor = min(positive) / 10 if positive else ZERO_FLOOR
    # the axis shows the band the finite-difference schemes span; a method that overflows
    # far above it (the complex step at h = 1 on exp(exp(x))) is drawn clipped at the top
    band = [r["abs_error"] for r in rows if r["scheme"] is not None and r["abs_error"]
            is not None and math.isfinite(r["abs_error"])] or errors
    ceiling = (max(band) if band else 1.0) * 10
    any_zero = any_clipped = False
    for k, (series, color) in enumerate(colors.items()):
        mine = [r for r in rows if r["series"] == series]
        x = np.array([r["step"] for r in mine]) * scale
        y = np.array([np.nan if r["abs_error"] is None else r["abs_error"] for r in mine])
        clipped = np.isfinite(y) & (y > ceiling)
        shown = np.where((y > 0) & ~clipped, y, np.nan)
        # earlier curves drawn wider, so one hidden under a later one (forward under
        # backward) still shows at its edges
        order = mine[0]["order"]
        meaning = mine[0]["step_meaning"]
        label = (f"{series} (order {order})" if order is not None else
                 f"{series} ({meaning})" if meaning else series)
        ax.plot(x, shown, "-", color=color, lw=max(1.0, 2.6 - 0.5 * k), label=label)
        zero = y == 0
        if zero.any():
            any_zero = True
            ax.plot(x[zero], np.full(zero.sum(), floor), "x", color=color, ms=4, alpha=0.8)
        if clipped.any():
            any_clipped = True
            ax.plot(x[clipped], np.full(clipped.sum(), ceiling), "^", mfc="none", mec=color,
                    ms=5, alpha=0.9, clip_on=False)
        model = np.array([np.nan if r["model_error"] is None or r["model_error"] > ceiling
                          else r["model_error"] for r in mine])
        ax.plot(x, model, "--", color=color, lw=1.0, alpha=0.8)
    for s in sweep_summary(rows):
        color = colors[s["series"]]
        if s["predicted_step"] is not None and s["predicted_error"] is not None:
            ax.plot(s["predicted_step"] * scale, s["predicted_error"], "v", mfc="white",
                    mec=color, mew=1.6, ms=9, zorder=5)
        if s["observed_step"] is not None:  # at the error level the text quotes
            ax.plot(s["observed_step"] * scale, max(s["observed_level"], floor), "*",
                    color=color, mec="black", mew=0.6, ms=13, zorder=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(floor / 3, ceiling * 1.5)
    if relative:
        ax.set_xlabel(f"step h as a percentage of |{variable}|  (h = r·|{variable}|, in %)")
    else:
        ax.set_xlabel(f"step h  (same units as {variable})")
    ax.set_ylabel(f"absolute error of ∂f/∂{variable}  (|estimate − exact|)")
    where = f"{variable} = {rows[0]['x']:g}"
    ax.set_title(title or f"Derivative error against step size: {rows[0]['function']} "
                 f"at {where}", fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], ls="--", color="gray", label="error model: truncation + round-off"),
                Line2D([], [], ls="", marker="v", mfc="white", mec="gray", mew=1.6, ms=8,
                       label="predicted optimal step"),
                Line2D([], [], ls="", marker="*", color="gray", mec="black", ms=12,
                       label="observed best step (worst error within ±½ decade)")]
    if any_zero:
        handles.append(Line2D([], [], ls="", marker="x", color="gray",
                              label=f"error exactly 0 (drawn at {floor:.0e})"))
    if any_clipped:
        handles.append(Line2D([], [], ls="", marker="^", mfc="none", mec="gray",
                              label=f"error above {ceiling:.0e}, off the axis (clipped)"))
    ax.legend(handles=handles, fontsize=8.5, loc="upper center", ncol=2, framealpha=0.9)
    fig.tight_layout()
    return _finish(fig, path)


# --- scaling -------------------------------------------------------------------------------
def plot_scaling(rows, path: str | None = None, title: str | None = None) -> Figure:
    """Five log-log panels against n: calls of f, passes, the work the passes carried (tangent
    entries for forward mode, records + adjoint updates for reverse mode, operations for the
    rest: see :func:`diffmethods.costs.carried`), seconds per gradient (with one evaluation of
    f and the symbolic method's one-off setup), and the symbolic expression size before and
    after common-subexpression elimination; the sixth panel is the legend. Passes sit beside
    the work because a pass may carry a block of directions: few passes, much work. Skipped
    cells are left out and named in the legend. Variants that coincide (several methods make
    1 call) are drawn with shrinking markers, so each stays visible."""
    _check_path(path)
    if not rows:
        raise ValueError("no scaling rows to plot")
    fig = new_figure(figsize=(11, 13))
    axes = fig.subplots(3, 2).ravel()
    calls_ax, passes_ax, work_ax, time_ax, size_ax, legend_ax = axes
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    colors = _colors(variants)
    markers = {v: series_style(v)[1] for v in variants}
    ns = sorted({r["n"] for r in rows})
    handles = []
    for k, label in enumerate(variants):
        mine = [r for r in rows if r["variant"] == label and r["status"] == "ok"]
        skipped = [r["n"] for r in rows if r["variant"] == label and r["status"] == "skipped"]
        name = label + (f" (skipped at n ≥ {min(skipped)})" if skipped else "")
        if not mine:
            continue
        n = [r["n"] for r in mine]
        style = dict(color=colors[label], marker=markers[label], ms=max(3.5, 10 - 1.3 * k),
                     lw=1.4, ls="--" if "chunk=1" in label else "-")
        units = sorted({r.get("work_unit") for r in mine if r.get("work")})
        handles.append(Line2D([], [], label=name + (f" [{', '.join(units)}]" if units else ""),
                              **style))
        calls_ax.plot(n, [r["f_calls"] for r in mine], **style)
        passes_ax.plot(n, [r["passes"] for r in mine], **style)
        work = [(r["n"], r["work"]) for r in mine if r.get("work")]
        if work:
            work_ax.plot(*zip(*work), **style)
        time_ax.plot(n, [r["seconds"] for r in mine], **style)
        setup = [(r["n"], r["setup_seconds"]) for r in mine if r["setup_seconds"]]
        if setup:
            extra = dict(color=colors[label], ls=":", marker="s", ms=4, lw=1.4)
            time_ax.plot(*zip(*setup), **extra)
            handles.append(Line2D([], [], label=f"{label}: one-off derive + compile", **extra))
        sizes = [(r["n"], r["ops_derived"], r["ops_cse"]) for r in mine if r["ops_derived"]]
        if sizes:
            sn, derived, cse = zip(*sizes)
            size_ax.plot(sn, derived, color=colors[label], marker="o", ms=5,
                         label=f"{label}: as derived")
            size_ax.plot(sn, cse, color=colors[label], marker="s", ms=5, ls="--",
                         label=f"{label}: after common-subexpression elimination")
    f_time = {r["n"]: r["f_seconds"] for r in rows}
    f_style = dict(color="black", lw=2, ls="-.")
    time_ax.plot(ns, [f_time[n] for n in ns], **f_style)
    handles.append(Line2D([], [], label="one evaluation of f (time panel)", **f_style))
    for ax, ylabel, heading in zip(
            axes[:5],
            ["calls of f per gradient", "passes per gradient", "work per gradient (counted)",
             "seconds per gradient (median, measured)", "operations (sympy count_ops)"],
            ["(a) function evaluations", "(b) passes over the computation",
             ("(c) work the passes carried: tangent entries (forward),\n"
              "records + adjoint updates (reverse), operations (others)"),
             "(d) wall time, measured on this machine",
             "(e) symbolic: size of f and its gradient expressions"]):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("number of inputs n")
        ax.set_ylabel(ylabel)
        ax.set_title(heading, fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
    if size_ax.get_legend_handles_labels()[0]:
        size_ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    else:
        size_ax.text(0.5, 0.5, "no symbolic measurements", ha="center",
                     transform=size_ax.transAxes)
    if not work_ax.get_lines():
        work_ax.text(0.5, 0.5, "no method counted its work", ha="center",
                     transform=work_ax.transAxes)
    legend_ax.axis("off")
    legend_ax.legend(handles=handles, loc="center", fontsize=8.5, frameon=False,
                     title="[unit of the work panel]", title_fontsize=8.5)
    fig.suptitle(title or f"Cost against dimension: {rows[0]['function']}", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    return _finish(fig, path)


# --- accuracy across the catalogue ------------------------------------------------------------
def plot_accuracy(rows, path: str | None = None, title: str | None = None) -> Figure:
    """Relative error of every method on every function (rows of :func:`compare` or
    ``compare_catalogue``), against the 50-digit reference, log scale. Errors of exactly 0 are
    drawn as hollow markers at the bottom; functions without a reference are labelled."""
    _check_path(path)
    if not rows:
        raise ValueError("no comparison rows to plot")
    functions = list(dict.fromkeys(r["function"] for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    colors = _colors(methods)
    markers = {m: series_style(m)[1] for m in methods}
    fig = new_figure(figsize=(11, 5.8))
    ax = fig.add_subplot()
    width = 0.7 / max(1, len(methods))
    for k, method in enumerate(methods):
        xs, ys, zx = [], [], []
        for i, function in enumerate(functions):
            for r in rows:
                if r["function"] == function and r["method"] == method \
                        and r["rel_error"] is not None and math.isfinite(r["rel_error"]):
                    x = i + (k - (len(methods) - 1) / 2) * width
                    (xs if r["rel_error"] > 0 else zx).append(x)
                    if r["rel_error"] > 0:
                        ys.append(r["rel_error"])
        ax.plot(xs, ys, ls="", marker=markers[method], color=colors[method], ms=6,
                label=method)
        if zx:
            ax.plot(zx, [ZERO_FLOOR] * len(zx), ls="", marker=markers[method], mfc="none",
                    mec=colors[method], ms=6)
    ax.axhline(EPS, color="black", lw=0.8, ls="--", label=f"machine epsilon {EPS:.1e}")
    for i, function in enumerate(functions):
        if not any(r["function"] == function and r["rel_error"] is not None for r in rows):
            ax.text(i, 1e-9, "no 50-digit\nreference", ha="center", va="center", fontsize=7,
                    rotation=90, color="dimgray")
    ax.set_yscale("log")
    # the top reaches the largest error shown (finite differences of a noisy f: 1e-4), never
    # below 1e-6, so no point is left off the axes
    worst = max((r["rel_error"] for r in rows if r["rel_error"] is not None
                 and math.isfinite(r["rel_error"])), default=0.0)
    top = max(-6, math.ceil(math.log10(worst)) + 1 if worst > 0 else -6)
    top += top % 2  # an even power, on the tick grid
    ax.set_ylim(ZERO_FLOOR / 4, 10.0**top)
    ticks = [ZERO_FLOOR] + [10.0**k for k in range(-16, top + 1, 2)]
    ax.set_yticks(ticks, ["0 (exact)"] + [f"$10^{{{k}}}$" for k in range(-16, top + 1, 2)])
    ax.minorticks_off()
    ax.set_xticks(range(len(functions)), functions, rotation=45, ha="right", fontsize=8.5)
    ax.set_xlim(-0.6, len(functions) - 0.4)
    ax.set_ylabel("max relative error  ‖g − ref‖∞ / ‖ref‖∞")
    ax.set_title(title or "Accuracy of every method against a 50-digit reference",
                 fontsize=11)
    ax.grid(True, axis="y", which="major", alpha=0.3)
    # one or two rows, whatever the number of methods: the legend stays inside the figure
    ax.legend(fontsize=8.5, ncol=math.ceil((len(methods) + 1) / (1 if len(methods) < 7 else 2)),
              loc="upper left", framealpha=0.9)
    fig.tight_layout()
    return _finish(fig, path)
