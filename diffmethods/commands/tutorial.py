"""``diffmethods tutorial``: write the lesson, reports/tutorial.md, and its figures."""

from __future__ import annotations

from ..teaching.tutorial import write_tutorial

NAME = "tutorial"
HELP = "write the tutorial (tutorial.md and its figures), every number computed live"
ORDER = 41


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="reports",
                        help="output directory (default: reports); figures go to OUT/tutorial/")


def run(args) -> int:
    for path in write_tutorial(args.out):
        print(f"wrote {path}")
    return 0
