"""``diffmethods check``: is a hand-written gradient of a formula right?

The formula and each component of the gradient are read by the whitelist parser; the check
(:func:`diffmethods.check_gradient`) names every component that disagrees with reverse-mode
AD. Exit code 0 when all agree, 1 when some do not, 2 on bad input.
"""

from __future__ import annotations

import numpy as np

from ..checker import check_gradient
from ..errors import ExpressionError
from ..expr import parse_expression
from ._options import real
from ._target import add_target_arguments, resolve_target

NAME = "check"
HELP = "check a hand-written gradient of a formula, component by component"
ORDER = 35


def add_arguments(parser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--grad", required=True, metavar="G1;G2;...",
                        help='the gradient, one formula per variable separated by ";", '
                             'e.g. "6*x1; 3*x3; 3*x2"; for a catalogue function of an array '
                             'x, write its coordinates x[0], x[1], ... as x1, x2, ...')
    parser.add_argument("--rtol", type=real,
                        help="relative tolerance, above 0 and below 1 (default: sqrt(eps))")


def formula_variables(target) -> tuple:
    """The names the --grad formulas use: the function's own when they are names (x1, y,
    log_length), else x1, x2, ... for the coordinates x[0], x[1], ... of an array point."""
    if all(v.isidentifier() for v in target.variables):
        return tuple(target.variables)
    return tuple(f"x{k + 1}" for k in range(len(target.variables)))


def run(args) -> int:
    target = resolve_target(args)
    variables = formula_variables(target)
    pieces = [p for p in args.grad.split(";") if p.strip()]
    if len(pieces) != len(variables):
        renamed = "" if variables == tuple(target.variables) else \
            f"; write {target.variables[0]}, {target.variables[1]}, ... as x1, x2, ..."
        raise ExpressionError(f"--grad has {len(pieces)} component(s) but the formula has "
                              f"{len(variables)} variable(s) "
                              f"({', '.join(variables)}); separate the components "
                              f"with ';'{renamed}")
    components = [parse_expression(p, variables) for p in pieces]
    values = np.atleast_1d(np.asarray(target.point, dtype=float))
    given = [g(*values) for g in components]
    report = check_gradient(target.f, given, target.point, rtol=args.rtol)
    print(report)
    return 0 if report.ok else 1
