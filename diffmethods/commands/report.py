"""``diffmethods report``: run every study and write reports/ (Markdown, PNG figures, JSON).

    diffmethods report                 # into reports/
    diffmethods report --out /tmp/r --quick
"""

from __future__ import annotations

import time

from ..harness.progress import progress_bar
from ..report import ReportConfig, check_report_directory, collect, write_report

NAME = "report"
HELP = ("compare every method on the catalogue, sweep steps, study scaling; write a Markdown "
        "report with figures")
ORDER = 10


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="reports", help="output directory (default: reports)")
    parser.add_argument("--quick", action="store_true",
                        help="a smaller, faster version (fewer steps and sizes, one timed run)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def run(args) -> int:
    check_report_directory(args.out)
    config = ReportConfig.quick() if args.quick else ReportConfig()
    started = time.perf_counter()
    with progress_bar(config.steps(), "report", args.quiet) as bar:
        data = collect(config, progress=bar)
    paths = write_report(args.out, data)
    if not args.quiet:
        for path in paths:
            print(f"wrote {path}")
        print(f"report finished in {time.perf_counter() - started:.1f} s")
    return 0
