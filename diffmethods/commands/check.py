"""``diffmethods check``: is a hand-written gradient of a formula right?

The formula and each component of the gradient are read by the whitelist parser; the check
(:func:`diffmethods.check_gradient`) names every component that disagrees with reverse-mode
AD. Exit code 0 when all agree, 1 when some do not, 2 on bad input.
"""

from __future__ import annotations

from ..checker import check_gradient
from ..errors import ExpressionError
from ..expr import parse_expression, parse_point

NAME = "check"
HELP = "check a hand-written gradient of a formula, component by component"
ORDER = 35


def add_arguments(parser) -> None:
    parser.add_argument("expression", help='the formula, e.g. "3*(x1**2 + x2*x3)"')
    parser.add_argument("--grad", required=True, metavar="G1;G2;...",
                        help='the gradient, one formula per variable separated by ";", '
                             'e.g. "6*x1; 3*x3; 3*x2"')
    parser.add_argument("--at", required=True, metavar="POINT",
                        help="the point, comma-separated, e.g. 2,3,4 (a negative first "
                             "coordinate needs --at=-1,2)")
    parser.add_argument("--vars", metavar="NAMES",
                        help="the variables in order, comma-separated (default: x or x1, x2, "
                             "... as they appear)")
    parser.add_argument("--rtol", type=float, help="relative tolerance (default: sqrt(eps))")


def run(args) -> int:
    variables = [v.strip() for v in args.vars.split(",")] if args.vars else None
    f = parse_expression(args.expression, variables)
    pieces = [p for p in args.grad.split(";") if p.strip()]
    if len(pieces) != len(f.variables):
        raise ExpressionError(f"--grad has {len(pieces)} component(s) but the formula has "
                              f"{len(f.variables)} variable(s) ({', '.join(f.variables)}); "
                              "separate the components with ';'")
    components = [parse_expression(p, f.variables) for p in pieces]
    point = f.point(parse_point(args.at))
    values = point if isinstance(point, tuple) else (point,)
    given = [g(*values) for g in components]
    report = check_gradient(f, given, point, rtol=args.rtol)
    print(report)
    return 0 if report.ok else 1
