"""``diffmethods tutorial``: write the lesson, reports/tutorial.md, its figures and its notebook
edition, reports/tutorial.ipynb."""

from __future__ import annotations

from ._io import inform

NAME = "tutorial"
HELP = ("write the tutorial (tutorial.md, its figures, and tutorial.ipynb), every number "
        "computed live")
ORDER = 41


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="reports",
                        help="output directory (default: reports); figures go to OUT/tutorial/")
    parser.add_argument("--force", action="store_true",
                        help="write into OUT even where it holds files diffmethods did not "
                             "write, replacing those the tutorial writes; without it they are "
                             "never touched")


def run(args) -> int:
    from ..teaching.tutorial import write_tutorial
    for path in write_tutorial(args.out, args.force):
        inform(args, f"wrote {path}")
    return 0
