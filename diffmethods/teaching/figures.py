"""Making and saving the lessons' figures: without pyplot, in the format the path's extension
names (``g.svg`` is SVG), written atomically and byte-for-byte reproducible.

The figures are :class:`~diffmethods.plots.InlineFigure` objects drawn by Agg, so the teaching
commands work on machines without a display, and importing the lessons never switches
matplotlib's backend (a notebook's inline backend stays on; its own pyplot figures keep
showing). Returned from a notebook cell, a figure shows itself. The bytes are those of
:func:`diffmethods.plots.figure_bytes`: no metadata naming the matplotlib version or the date,
so a regenerated tutorial changes only when its content does.
"""

from __future__ import annotations

from ..files import figure_format, write_atomic
from ..plots import DPI, figure_bytes, new_figure  # noqa: F401  (new_figure: for the lessons)


def png_bytes(fig) -> bytes:
    """The figure as PNG bytes, without metadata that would vary between machines."""
    return figure_bytes(fig, "png")


def save_figure(fig, path: str) -> str:
    """Write the figure to ``path`` (atomically, in the format of its extension); returns the
    path. Nothing to close: no pyplot holds these figures."""
    write_atomic(path, figure_bytes(fig, figure_format(path)))
    return path


def __getattr__(name: str):
    """``plt``, for code that still draws with pyplot: imported on first use and never with a
    backend forced on it. Prefer :func:`new_figure`, which pyplot does not keep alive and a
    notebook shows once."""
    if name == "plt":
        import matplotlib.pyplot
        return matplotlib.pyplot
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
