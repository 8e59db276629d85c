"""``diffmethods report``: compare every method on the catalogue and write reports/."""

from __future__ import annotations

import os

import numpy as np

from .. import api, registry
from ..catalogue import SCENARIOS
from ..errors import DiffMethodsError
from ._io import write_atomic

NAME = "report"
HELP = "compare every method on the catalogue and write a Markdown report"
ORDER = 10


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="reports", help="output directory (default: reports)")


def catalogue_table() -> list[dict]:
    """One row per catalogue entry and method: error against the hand-derived gradient and
    the counted costs."""
    rows = []
    for s in SCENARIOS.values():
        hand = api.gradient(s.f, s.point, method="manual")
        for method in registry.methods():
            try:
                r = api.differentiate(s.f, s.point, method=method)
            except DiffMethodsError as e:
                rows.append({"function": s.name, "method": method, "error": str(e)})
                continue
            err = float(np.max(np.abs(r.gradient - hand) / np.maximum(np.abs(hand), 1e-300)))
            rows.append({"function": s.name, "method": method, "max_rel_error": err,
                         "f_calls": r.f_calls, "passes": r.passes, "ops": r.ops})
    return rows


def markdown(rows) -> str:
    lines = ["# diffmethods: every method on the catalogue", "",
             "Maximum relative error of each method's gradient against the hand-derived one, "
             "and what each call cost (counted while it ran).", "",
             "| function | method | max rel. error | f calls | passes | ops |",
             "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['function']} | {r['method']} | not applicable: "
                         f"{r['error'].split(':')[0]} | | | |")
        else:
            ops = "-" if r["ops"] is None else r["ops"]
            lines.append(f"| {r['function']} | {r['method']} | {r['max_rel_error']:.1e} | "
                         f"{r['f_calls']} | {r['passes']} | {ops} |")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    path = os.path.join(args.out, "README.md")
    write_atomic(path, markdown(catalogue_table()))
    print(f"wrote {path}")
    return 0
