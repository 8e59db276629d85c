"""Rows (lists of dicts) as text: an aligned terminal table, Markdown, CSV and JSON.

Columns are ``(header, field or function of the row, formatter)``; :data:`COMPARE_COLUMNS` is
the one for :func:`diffmethods.compare`. CSV and JSON keep every field at full precision, the
tables round for people. Non-finite floats become the strings "nan"/"inf" in JSON, so the
file is strict JSON that any parser reads.
"""

from __future__ import annotations

import csv
import io
import json
import math


def fmt_error(x) -> str:
    """An error: '0' when exactly zero, else two significant digits ('3.1e-11')."""
    if x is None:
        return "-"
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    return "0" if x == 0 else f"{x:.1e}"


def fmt_number(x, digits: int = 12) -> str:
    if x is None:
        return "-"
    if isinstance(x, int):
        return str(x)
    return f"{x:.{digits}g}"


def fmt_step(h) -> str:
    return "-" if h is None or (isinstance(h, float) and math.isnan(h)) else f"{h:.1e}"


def fmt_vector(values, shown: int = 4, digits: int = 12) -> str:
    """[12, 12, 9]; long vectors show their first entries and their length."""
    if values is None:
        return "-"
    head = ", ".join(fmt_number(float(v), digits) for v in values[:shown])
    return f"[{head}]" if len(values) <= shown else f"[{head}, ... ({len(values)} entries)]"


def fmt_seconds(s, ascii_only: bool = False) -> str:
    """A duration with a readable unit: '35 us' / '35 µs', '1.2 ms', '3.4 s'."""
    if s is None:
        return "-"
    micro = "us" if ascii_only else "µs"
    if s < 1e-3:
        return f"{s * 1e6:.3g} {micro}"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def fmt_ratio(x) -> str:
    """A ratio: 3 significant digits below 100, whole numbers above."""
    if x is None:
        return "-"
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def fmt_count(x) -> str:
    return "-" if x is None else str(x)


def _status_or(row, text: str) -> str:
    return text if row.get("status", "ok") == "ok" else row["status"]


COMPARE_COLUMNS = [
    ("method", "method", str),
    ("gradient", lambda r: _status_or(r, fmt_vector(r["gradient"])), str),
    ("max abs error", "abs_error", fmt_error),
    ("max rel error", "rel_error", fmt_error),
    ("f calls", "f_calls", fmt_count),
    ("passes", "passes", fmt_count),
    ("ops", "ops", fmt_count),
    ("median time", "seconds", fmt_seconds),
    ("settings / note", lambda r: r["note"] if r["status"] != "ok" else
     ", ".join(f"{k}={v}" for k, v in r["settings"].items()), str),
]


def _cells(rows, columns, ascii_only=False) -> list[list[str]]:
    out = []
    for row in rows:
        cells = []
        for _, field, fmt in columns:
            value = field(row) if callable(field) else row.get(field)
            if fmt is fmt_seconds:
                cells.append(fmt_seconds(value, ascii_only))
            else:
                cells.append(fmt(value))
        out.append(cells)
    return out


def _numeric(fmt) -> bool:
    return fmt in (fmt_error, fmt_count, fmt_seconds, fmt_number, fmt_step, fmt_ratio)


def text_table(rows, columns=COMPARE_COLUMNS, max_width: int = 60) -> str:
    """An aligned plain-text table for the terminal (long cells are cut at ``max_width``)."""
    headers = [c[0] for c in columns]
    body = [[c if len(c) <= max_width else c[:max_width - 3] + "..." for c in cells]
            for cells in _cells(rows, columns, ascii_only=True)]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(headers)]

    def line(cells):
        parts = [c.rjust(w) if _numeric(col[2]) else c.ljust(w)
                 for c, w, col in zip(cells, widths, columns)]
        return "  ".join(parts).rstrip()
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in body)]) + "\n"


def markdown_table(rows, columns=COMPARE_COLUMNS) -> str:
    """A GitHub-flavoured Markdown table; numeric columns are right-aligned."""
    headers = [c[0] for c in columns]
    align = ["---:" if _numeric(c[2]) else "---" for c in columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    for cells in _cells(rows, columns):
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _plain(value):
    """A JSON-safe value: non-finite floats as strings, tuples as lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_json(data) -> str:
    """Strict JSON (no NaN literals), keys in the rows' own order, one row per line: a list of
    rows stays readable and diffs line by line."""
    return _dump(_plain(data), "") + "\n"


def _scalars(value) -> bool:
    """A number, a string, or a list or dict of them."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) \
        else ()
    return all(not isinstance(v, (dict, list)) for v in items)


def _flat(value) -> bool:
    """Printed on one line: scalars, or a row whose fields are scalars, lists of scalars or
    small dicts of scalars (a row's settings, its reference)."""
    if isinstance(value, dict):
        return all(_scalars(v) for v in value.values())
    return _scalars(value)


def _dump(value, pad: str) -> str:
    if _flat(value):
        return json.dumps(value, allow_nan=False, ensure_ascii=False)
    inner = pad + " "
    if isinstance(value, list):
        return "[\n" + ",\n".join(inner + _dump(v, inner) for v in value) + "\n" + pad + "]"
    items = (f"{inner}{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items())
    return "{\n" + ",\n".join(items) + "\n" + pad + "}"


def to_csv(rows) -> str:
    """CSV with a header of every field; lists are written as JSON arrays in one cell."""
    if not rows:
        return ""
    fields = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(_plain(v)) if isinstance(v, (list, tuple, dict)) else
                         ("" if v is None else _plain(v)) for k, v in row.items()})
    return buffer.getvalue()
