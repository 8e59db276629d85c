"""The ``diffmethods`` command: a thin shell over the library.

Each subcommand is a module in :mod:`diffmethods.commands` with ``NAME``, ``HELP``,
``ORDER`` (its place in ``--help``), ``add_arguments(parser)`` and ``run(args) -> int``; this
module finds them, parses the command line and turns every expected failure into one line on
stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys

from . import commands
from .errors import DiffMethodsError


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2) like every other error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def command_modules() -> list:
    """The subcommand modules, in their ORDER."""
    found = [importlib.import_module(f"{commands.__name__}.{m.name}")
             for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    return sorted((m for m in found if hasattr(m, "run")), key=lambda m: (m.ORDER, m.NAME))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="diffmethods",
                     description="Compute gradients by every method and compare them.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in command_modules():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


NUMBER_LIST_OPTIONS = ("--at",)


def _join_negative_lists(argv: list) -> list:
    """``--at -1,2`` as ``--at=-1,2``: argparse would read -1,2 as an unknown option."""
    out = []
    for token in argv:
        if out and out[-1] in NUMBER_LIST_OPTIONS and re.match(r"^-[\d.]", token):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def main(argv=None) -> int:
    """Run the command line; returns the exit code (0 success, 2 a reported error)."""
    argv = _join_negative_lists(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except (DiffMethodsError, OSError) as e:
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"diffmethods: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("diffmethods: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
