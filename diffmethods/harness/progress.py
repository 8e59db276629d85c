"""Progress bars for long runs: shown on a terminal, silent otherwise.

The harness functions take a ``progress(label)`` callback and know nothing about terminals;
:func:`progress_bar` makes such a callback from a tqdm bar on stderr. It is silent when asked
to be (``--quiet``) or when stderr is not a terminal (a pipe, a file, CI logs), so redirected
output stays clean.
"""

from __future__ import annotations

import sys


class ProgressBar:
    """A callable that advances a bar by one step per call; use it as a context manager."""

    def __init__(self, total: int, description: str, enabled: bool, stream=None):
        self._bar = None
        if enabled:
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc=description, unit="step", leave=False,
                             file=sys.stderr if stream is None else stream,
                             dynamic_ncols=True)

    def __call__(self, label: str = "") -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(label[:40], refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def progress_bar(total: int, description: str, quiet: bool = False, stream=None) -> ProgressBar:
    """A bar of ``total`` steps, enabled only on a terminal and when not ``quiet``."""
    stream = sys.stderr if stream is None else stream
    enabled = not quiet and hasattr(stream, "isatty") and stream.isatty()
    return ProgressBar(total, description, enabled, stream)
