"""Command-line interface: ``diffmethods report`` compares every method on the catalogue.

(The full harness -- compare, sweep, scaling, figures -- grows here; see the issues.)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np

from . import api, registry
from .catalogue import SCENARIOS
from .errors import DiffMethodsError


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


def _markdown(rows) -> str:
    lines = ["# diffmethods: every method on the catalogue", "",
             "Maximum relative error of each method's gradient against the hand-derived one, "
             "and what each call cost (counted while it ran).", "",
             "| function | method | max rel. error | f calls | passes | ops |",
             "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['function']} | {r['method']} | n/a: {r['error'][:60]}... | | | |")
        else:
            ops = "-" if r["ops"] is None else r["ops"]
            lines.append(f"| {r['function']} | {r['method']} | {r['max_rel_error']:.1e} | "
                         f"{r['f_calls']} | {r['passes']} | {ops} |")
    return "\n".join(lines) + "\n"


def _write_atomic(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="diffmethods", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="compare every method on the catalogue")
    report.add_argument("--out", default="reports", help="output directory (default: reports)")
    args = parser.parse_args(argv)
    try:
        if args.command == "report":
            text = _markdown(catalogue_table())
            path = os.path.join(args.out, "README.md")
            _write_atomic(path, text)
            print(f"wrote {path}")
        return 0
    except (DiffMethodsError, OSError) as e:
        print(f"diffmethods: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
