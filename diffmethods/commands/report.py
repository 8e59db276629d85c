"""``diffmethods report``: run every study and write reports/ (Markdown, PNG figures, JSON).

    diffmethods report                 # into reports/
    diffmethods report --out /tmp/r --quick
"""

from __future__ import annotations

import time

from ._io import inform

NAME = "report"
HELP = ("compare every method on the catalogue, sweep steps, study scaling; write a Markdown "
        "report with figures")
ORDER = 10


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="reports", help="output directory (default: reports)")
    parser.add_argument("--quick", action="store_true",
                        help="a smaller, faster version (fewer steps and sizes, one timed run)")
    parser.add_argument("--force", action="store_true",
                        help="write into OUT even where it holds files diffmethods did not "
                             "write, replacing those the report writes (README.md, "
                             "results.json, its figures); without it they are never touched")


def run(args) -> int:
    from ..harness.progress import progress_bar
    from ..report import ReportConfig, check_report_directory, collect, write_report
    config = ReportConfig.quick() if args.quick else ReportConfig()
    check_report_directory(args.out, config, args.force)
    started = time.perf_counter()
    with progress_bar(config.steps(), "report", args.quiet) as bar:
        data = collect(config, progress=bar)
    paths = write_report(args.out, data, args.force)
    for path in paths:
        inform(args, f"wrote {path}")
    inform(args, f"report finished in {time.perf_counter() - started:.1f} s")
    return 0
