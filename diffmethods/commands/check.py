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
                             'e.g. "6*x1; 3*x3; 3*x2"')
    parser.add_argument("--rtol", type=real,
                        help="relative tolerance, above 0 and below 1 (default: sqrt(eps))")


def run(args) -> int:
    target = resolve_target(args)
    pieces = [p for p in args.grad.split(";") if p.strip()]
    if len(pieces) != len(target.variables):
        raise ExpressionError(f"--grad has {len(pieces)} component(s) but the formula has "
                              f"{len(target.variables)} variable(s) "
                              f"({', '.join(target.variables)}); separate the components "
                              "with ';'")
    components = [parse_expression(p, target.variables) for p in pieces]
    values = np.atleast_1d(np.asarray(target.point, dtype=float))
    given = [g(*values) for g in components]
    report = check_gradient(target.f, given, target.point, rtol=args.rtol)
    print(report)
    return 0 if report.ok else 1
