"""What the harness subcommands share: reading the function, the point and output paths.

A function on the command line is either an expression, parsed by the whitelist parser
(:mod:`diffmethods.expr`; ``--vars a,b`` names its variables), or the name of a catalogue
entry, which brings its own point and formula. Every mistake becomes a
:class:`~diffmethods.errors.DiffMethodsError` with one clear line.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass

import numpy as np

from ..catalogue import SCENARIOS
from ..errors import ExpressionError, OptionError, PointError
from ..expr import parse_expression, parse_point


@dataclass
class Target:
    """A function to study, with its point, a name for titles and a formula for people."""

    f: object
    point: object
    name: str
    formula: str
    variables: tuple


def add_target_arguments(parser, at_help: str = "the point, comma-separated, e.g. 2,3,4 or "
                         "-1,2 or pi/2,e") -> None:
    parser.add_argument("function", metavar="FUNCTION",
                        help="an expression such as '3*(x1**2 + x2*x3)' (variables x or x1, "
                             "x2, ...) or a catalogue name such as rosenbrock")
    parser.add_argument("--at", metavar="POINT", help=at_help)
    parser.add_argument("--vars", metavar="NAMES",
                        help="the expression's variables in order, e.g. a,b (default: x or "
                             "x1, x2, ...)")


def _variable_list(text):
    if text is None:
        return None
    names = [v.strip() for v in text.split(",")]
    if not all(names):
        raise ExpressionError(f"--vars must list names separated by commas, got {text!r}")
    return names


def _catalogue_point(scenario, values):
    """--at for a catalogue entry, shaped like the entry's own point."""
    if isinstance(scenario.point, np.ndarray):
        if scenario.make_point is None and len(values) != scenario.n:
            raise PointError(f"{scenario.name} takes {scenario.n} coordinates, --at gave "
                             f"{len(values)}")
        return np.array(values, dtype=float)
    if isinstance(scenario.point, tuple):
        if scenario.make_point is None and len(values) != scenario.n:
            raise PointError(f"{scenario.name} takes {scenario.n} coordinates, --at gave "
                             f"{len(values)}")
        return tuple(values)
    if len(values) != 1:
        raise PointError(f"{scenario.name} takes 1 coordinate, --at gave {len(values)}")
    return values[0]


def resolve_target(args) -> Target:
    """The function and point named on the command line (expression or catalogue entry)."""
    text = args.function
    variables = _variable_list(args.vars)
    if text in SCENARIOS and variables is None:
        from ..harness.sweep import coordinate_label
        s = SCENARIOS[text]
        point = s.point if args.at is None else _catalogue_point(s, parse_point(args.at))
        names = tuple(coordinate_label(s.f, point, i) for i in range(int(np.size(point))))
        return Target(s.f, point, s.name, s.formula, names)
    values = None if args.at is None else parse_point(args.at)
    try:  # the point first: it bounds the variables x1 ... xn before any is made
        f = parse_expression(text, variables, point_size=None if values is None else len(values))
    except ExpressionError:
        name = text.strip()
        if name.isidentifier() and variables is None and not re.fullmatch(r"x[0-9]*", name):
            close = difflib.get_close_matches(text.strip(), SCENARIOS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ExpressionError(f"{text!r} is neither an expression in x, x1, x2, ... nor a "
                                  f"catalogue function{hint}; catalogue: "
                                  f"{', '.join(SCENARIOS)}") from None
        raise
    if not f.variables:
        raise ExpressionError(f"{text!r} has no variables: write it in x or x1, x2, ..., or "
                              "name the variables with --vars")
    if args.at is None:
        example = ",".join(["1"] * len(f.variables))
        raise ExpressionError(f"give the point with --at, one value per variable "
                              f"({', '.join(f.variables)}), e.g. --at {example}")
    return Target(f, f.point(values), text, text, f.variables)


def coordinate_index(target: Target, wrt) -> int:
    """--wrt as a 0-based index: a variable name, or a 1-based number."""
    n = int(np.size(target.point))
    if wrt is None:
        return 0
    if target.variables and wrt in target.variables:
        return target.variables.index(wrt)
    try:
        k = int(wrt)
    except ValueError:
        names = ", ".join(target.variables) if target.variables else f"1 to {n}"
        raise OptionError(f"--wrt {wrt!r} is not a variable of the function ({names})") \
            from None
    if not 1 <= k <= n:
        raise OptionError(f"--wrt {k} is out of range: the point has {n} coordinate"
                          f"{'s' if n != 1 else ''} (count from 1)")
    return k - 1


def parse_names(text, valid, what: str):
    """A comma-separated subset of ``valid`` names (None: all), in the order given."""
    if text is None:
        return None
    names = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        named = ", ".join(repr(n) for n in unknown) or repr(text)
        raise OptionError(f"unknown {what} {named}; choose from: {', '.join(valid)}")
    return names


def figure_format(path: str, option: str = "--out") -> str:
    """The figure format ``path``'s extension names, or one line refusing it (before any
    work: :func:`diffmethods.files.figure_format` needs no matplotlib)."""
    from ..files import figure_format as format_of
    return format_of(path, option)


def data_format(path: str, given=None) -> str:
    """The format of a data file: --format if given, else from the extension (.json, .csv,
    .md; anything else is Markdown)."""
    if given is not None and given != "table":
        return given
    ext = os.path.splitext(path)[1].lower()
    return {".json": "json", ".csv": "csv"}.get(ext, "markdown")
