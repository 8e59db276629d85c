"""``diffmethods tutorial``: write the lesson, reports/tutorial.md, and its figures."""

from __future__ import annotations

from ._io import inform

NAME = "tutorial"
HELP = "write the tutorial (tutorial.md and its figures), every number computed live"
ORDER = 41


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="reports",
                        help="output directory (default: reports); figures go to OUT/tutorial/")


def run(args) -> int:
    from ..teaching.tutorial import write_tutorial
    for path in write_tutorial(args.out):
        inform(args, f"wrote {path}")
    return 0
