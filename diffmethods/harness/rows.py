"""The rows the studies return, as a list that shows itself as a table.

``dm.compare``, ``dm.epsilon_sweep`` and ``dm.scaling`` return one dict per row. They come in a
:class:`Rows` -- a ``list`` subclass, so indexing, iterating, ``json.dumps``, ``len`` and
``rows == [...]`` work as on a plain list -- whose ``repr`` is the terminal table of
:mod:`.tables` and which a notebook shows as an HTML table (see :mod:`diffmethods.display`).
A slice or a filtered copy is a plain list again; wrap it, ``CompareRows(mine)``, to get the
table back.

>>> rows = CompareRows([{"method": "reverse", "status": "ok", "gradient": [12.0, 9.0],
...                      "abs_error": 0.0, "rel_error": 0.0, "f_calls": 1, "passes": 2,
...                      "ops": 4, "seconds": 2e-05, "settings": {}, "note": ""}])
>>> rows[0]["gradient"], isinstance(rows, list)
([12.0, 9.0], True)
>>> print(rows)  # doctest: +ELLIPSIS
method   gradient  max abs error  max rel error  f calls  passes  ops  median time  settings...
-------  --------  -------------  -------------  -------  ------  ---  -----------  --------...
reverse  [12, 9]               0              0        1       2    4        20 us
"""

from __future__ import annotations

from ..display import left_out
from .tables import COMPARE_COLUMNS, _cells, fmt_count, fmt_ratio, fmt_seconds, text_table

MAX_TABLE_ROWS = 60  # a notebook shows this many rows of a study; the list has them all


class Rows(list):
    """Rows of a study: a list of dicts with a table for a display. Subclasses say which
    columns (:data:`.tables.COMPARE_COLUMNS`-style) and which title."""

    columns: list = COMPARE_COLUMNS
    study = "rows"

    def shown_rows(self) -> list:
        """The rows the table shows (all of them; a sweep shows its summary)."""
        return list(self)

    def _columns(self) -> list:
        return self.columns

    def _readable(self) -> bool:
        """Rows that are still the study's dicts (a user may have appended anything)."""
        return bool(self) and all(isinstance(r, dict) for r in self)

    def __repr__(self) -> str:
        if not self._readable():
            return list.__repr__(self)
        try:
            return text_table(self.shown_rows(), self._columns()).rstrip("\n")
        except (KeyError, TypeError, ValueError):  # rows edited out of shape: show the data
            return list.__repr__(self)

    __str__ = __repr__

    def _headline(self) -> str:
        """The bold line above the table (Markdown; computed text in code spans)."""
        from ..teaching.document import code
        functions = list(dict.fromkeys(str(r.get("function")) for r in self))
        if len(functions) > 1:
            return f"{self.study} of {len(functions)} functions"
        point = self[0].get("point")
        at = f" at {code(_point(point))}" if isinstance(point, list) else ""
        return f"{self.study} of {code(functions[0])}{at}"

    def _notes(self) -> list:
        return []

    def _display(self):
        from ..teaching.document import Paragraph, Table
        if not self._readable():
            return f"{self.study}: no rows", [Paragraph("Nothing to show.")]
        columns = self._columns()
        rows = self.shown_rows()
        table = Table([c[0] for c in columns], _cells(rows[:MAX_TABLE_ROWS], columns))
        return self._headline(), [*self._notes(), table,
                                  *left_out(len(rows), "rows", "the list", MAX_TABLE_ROWS)]

    def _repr_markdown_(self) -> str:
        from ..display import markdown
        return markdown(*self._display())

    def _repr_html_(self) -> str:
        from ..display import html
        return html(*self._display())


def _point(values) -> str:
    from .tables import fmt_number
    head = ", ".join(fmt_number(float(v)) for v in values[:6])
    return f"({head}{', ...' if len(values) > 6 else ''})"


class CompareRows(Rows):
    """What :func:`diffmethods.compare` returns: one row per method."""

    study = "compare"

    def _columns(self) -> list:
        if len({r.get("function") for r in self}) > 1:  # compare_catalogue: say which
            return [("function", "function", str)] + list(self.columns)
        return self.columns

    def _notes(self) -> list:
        from ..teaching.document import Paragraph, literal
        from .reference import reference_text
        reference = self[0].get("reference")
        if not reference or any(r.get("reference") != reference for r in self):
            return []
        return [Paragraph(f"Errors against: {literal(reference_text(reference))}.")]


class SweepRows(Rows):
    """What :func:`diffmethods.epsilon_sweep` returns: one row per (curve, step). Shown as its
    summary, one row per curve (:func:`~diffmethods.harness.sweep.sweep_summary`); plot all of
    it with :func:`diffmethods.plots.plot_sweep`."""

    study = "epsilon sweep"

    def _columns(self) -> list:
        from ..report import SWEEP_COLUMNS
        return SWEEP_COLUMNS

    def shown_rows(self) -> list:
        from .sweep import sweep_summary
        return sweep_summary(self)

    def _headline(self) -> str:
        from ..teaching.document import code
        first = self[0]
        return (f"{self.study} of {code(first['function'])}: the error of "
                f"{code('df/d' + str(first['variable']))} at {code(first['variable'])} = "
                f"{code(format(first['x'], 'g'))}")

    def _notes(self) -> list:
        from ..teaching.document import Paragraph, code
        steps = len({r["step"] for r in self})
        curves = len({r["series"] for r in self})
        return [Paragraph(f"{len(self)} rows: {curves} curves at {steps} steps each. The table "
                          "is the summary per curve; "
                          f"{code('diffmethods.plots.plot_sweep(rows)')} draws every step.")]


SCALING_COLUMNS = [
    ("n", "n", fmt_count), ("variant", "variant", str),
    ("f calls", lambda r: r["f_calls"] if r["status"] == "ok" else r["status"], str),
    ("passes", "passes", fmt_count), ("ops", "ops", fmt_count),
    ("median time", "seconds", fmt_seconds), ("time / one f", "ratio_to_f", fmt_ratio),
    ("settings / note", lambda r: r["note"] if r["status"] != "ok" else
     ", ".join(f"{k}={v}" for k, v in r["settings"].items()), str),
]


class ScalingRows(Rows):
    """What :func:`diffmethods.scaling` returns: one row per (n, variant)."""

    columns = SCALING_COLUMNS
    study = "scaling"
