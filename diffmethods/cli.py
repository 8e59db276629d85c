"""The ``diffmethods`` command: a thin shell over the library.

Each subcommand is a module in :mod:`diffmethods.commands` with ``NAME``, ``HELP``,
``ORDER`` (its place in ``--help``), ``add_arguments(parser)`` and ``run(args) -> int``; this
module finds them, parses the command line and turns every failure into one line on stderr:
exit code 2 for a reported error (and a usage error), 3 for an internal error (a bug), never a
traceback (set ``DIFFMETHODS_TRACEBACK=1`` to see one). Warnings are gathered while a command
runs and reported after it as lines of our own, so numpy's RuntimeWarnings never print the
package's source lines.

The command modules import the harness, sympy and matplotlib inside ``run``, never at the top,
so ``--help`` and ``--version`` answer at once. A reader that goes away (``| head``) ends the
command quietly with status 0, as other Unix tools do.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import warnings

from . import __version__, commands
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
    parser.add_argument("--version", action="version", version=f"diffmethods {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    parser.subcommands = {}
    for module in command_modules():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.add_argument("-q", "--quiet", action="store_true",
                       help="print only results and errors: no progress bar, no 'wrote FILE' "
                            "or timing lines")
        p.set_defaults(_run=module.run)
        parser.subcommands[module.NAME] = p
    return parser


# --- values and formulas that start with "-" --------------------------------------------------
def _subcommand(parser, argv):
    """(index of the subcommand in argv, its parser), or (None, None)."""
    for i, token in enumerate(argv):
        if not token.startswith("-"):
            found = parser.subcommands.get(token)
            return (i, found) if found is not None else (None, None)
    return None, None


def _option(token: str, options) -> str | None:
    """The option ``token`` names (exactly, or as argparse's unique abbreviation), else None."""
    if token in options:
        return token
    if token.startswith("--") and "=" not in token:
        matches = [o for o in options if o.startswith(token)]
        return matches[0] if len(matches) == 1 else None
    return None


def prepare_argv(parser, argv: list) -> list:
    """Let values and formulas start with a minus sign, as people write them.

    argparse reads ``--step -1e-6``, ``--at -inf`` or ``--at -1,2`` as an option with no
    value, and a formula ``-x**2`` as an unknown option. A value after an option that takes
    one is joined to it (``--step=-1e-6``); a formula is moved behind ``--``. A command line
    that already has ``--`` is left as it is."""
    if "--" in argv:
        return argv
    start, sub = _subcommand(parser, argv)
    if sub is None:
        return argv
    options = {o for a in sub._actions for o in a.option_strings}
    takes_value = {o for a in sub._actions if a.nargs != 0 for o in a.option_strings}
    has_function = any(not a.option_strings and a.dest == "function" for a in sub._actions)
    out, formulas = list(argv[:start + 1]), []
    tokens = iter(argv[start + 1:])
    for token in tokens:
        named = _option(token, options)
        if named in takes_value:
            value = next(tokens, None)
            if value is None:
                out.append(token)
            elif value.startswith("-") and _option(value, options) is None:
                out.append(f"{token}={value}")
            else:
                out += [token, value]
        elif named is None and has_function and token.startswith("-") and len(token) > 1 \
                and not token.startswith("--"):
            formulas.append(token)
        else:
            out.append(token)
    return out + (["--"] + formulas if formulas else [])


# --- errors and warnings ----------------------------------------------------------------------
def _error(message: str, code: int = 2) -> int:
    print(f"diffmethods: {message}", file=sys.stderr)
    return code


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _ours(w) -> bool:
    return w.category.__module__.split(".")[0] == "diffmethods" or (
        issubclass(w.category, UserWarning)
        and os.path.abspath(w.filename).startswith(os.path.dirname(__file__) + os.sep))


def report_warnings(caught) -> None:
    """Our own warnings one line each; numpy's (and other libraries') gathered in one line,
    without the source lines Python would show; deprecations (meant for programmers) not at
    all."""
    ours = dict.fromkeys(_first_line(w.message) for w in caught if _ours(w))
    theirs = dict.fromkeys(_first_line(w.message) for w in caught if not _ours(w)
                           and not issubclass(w.category, (DeprecationWarning, FutureWarning)))
    for message in ours:
        print(f"diffmethods: warning: {message}", file=sys.stderr)
    if theirs:
        shown = "; ".join(list(theirs)[:3]) + (f"; and {len(theirs) - 3} more"
                                              if len(theirs) > 3 else "")
        print(f"diffmethods: warning: numpy reported: {shown} (f is undefined or overflows at "
              "or near the point: such values show as nan or inf)", file=sys.stderr)


def run(args) -> int:
    """Run a parsed command: its exit code, or one line on stderr for any failure."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            code = int(args._run(args) or 0)
        except (DiffMethodsError, OSError) as e:
            if isinstance(e, BrokenPipeError):  # the reader went away (| head): stop quietly
                return _reader_gone()
            return _error(f"error: {_first_line(e)}")
        except MemoryError:
            return _error("error: out of memory: the problem is too large for this machine "
                          "(fewer variables, smaller sizes or a shorter expression)")
        except RecursionError:
            return _error("error: the computation is nested too deeply to follow")
        except KeyboardInterrupt:
            return _error("interrupted", 130)
        except Exception as e:  # a bug: still one line, with a way to see more
            if os.environ.get("DIFFMETHODS_TRACEBACK"):
                raise
            return _error(f"internal error: {type(e).__name__}: {_first_line(e)} (this is a "
                          "bug: please report it; DIFFMETHODS_TRACEBACK=1 shows where)", 3)
    report_warnings(caught)
    return code


def _reader_gone() -> int:
    """The reader of stdout went away (``| head -3``): point stdout at devnull, so the flush at
    exit cannot fail again, and end with status 0 (the recipe of Python's signal docs)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (captured in tests)
        pass
    return 0


def main(argv=None) -> int:
    """Run the command line; returns the exit code (0 success, 1 a failed check, 2 a reported
    error, 3 an internal error)."""
    try:
        try:
            parser = build_parser()
            argv = prepare_argv(parser, list(sys.argv[1:] if argv is None else argv))
            code = run(parser.parse_args(argv))
        finally:  # --help and usage errors exit through here too
            sys.stdout.flush()  # now, not at exit, so a closed pipe is caught like any other
        return code
    except BrokenPipeError:
        return _reader_gone()


if __name__ == "__main__":
    sys.exit(main())
