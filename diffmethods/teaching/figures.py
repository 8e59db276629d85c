"""Saving the lessons' figures: always PNG, written atomically and byte-for-byte reproducible.

matplotlib is switched to its file-only backend (Agg) here, before pyplot is imported, so the
teaching commands work on machines without a display. PNG metadata would otherwise name the
matplotlib version; it is left out so a regenerated tutorial changes only when its content does.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..files import write_atomic  # noqa: E402

DPI = 110


def png_bytes(fig) -> bytes:
    """The figure as PNG bytes, without metadata that would vary between machines."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def save_png(fig, path: str) -> str:
    """Write the figure to ``path`` (atomically) and close it; returns the path."""
    try:
        write_atomic(path, png_bytes(fig))
    finally:
        plt.close(fig)
    return path
