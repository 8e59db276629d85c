"""Saving the lessons' figures: in the format the path's extension names (``g.svg`` is SVG),
written atomically and byte-for-byte reproducible.

matplotlib is switched to its file-only backend (Agg) here, before pyplot is imported, so the
teaching commands work on machines without a display. The bytes are those of
:func:`diffmethods.plots.figure_bytes`: no metadata naming the matplotlib version or the date,
so a regenerated tutorial changes only when its content does.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..files import figure_format, write_atomic  # noqa: E402
from ..plots import DPI, figure_bytes  # noqa: E402,F401


def png_bytes(fig) -> bytes:
    """The figure as PNG bytes, without metadata that would vary between machines."""
    return figure_bytes(fig, "png")


def save_figure(fig, path: str) -> str:
    """Write the figure to ``path`` (atomically, in the format of its extension) and close
    it; returns the path."""
    try:
        write_atomic(path, figure_bytes(fig, figure_format(path)))
    finally:
        plt.close(fig)
    return path
