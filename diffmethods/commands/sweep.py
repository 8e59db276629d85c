"""``diffmethods sweep``: finite-difference error against the step size, for every scheme.

    diffmethods sweep "exp(x)/sqrt(sin(x)**3 + cos(x)**3)" --at 1.5 --out sweep.png
    diffmethods sweep seed --relative --out seed.png       # h as a fraction of |x1|
"""

from __future__ import annotations

from ..errors import OptionError
from ..expr import parse_number
from ..methods.finite import schemes
from ._io import check_output_file, inform, write_atomic
from ._noise import add_noise_argument, noisy_target
from ._options import count, count_help
from ._target import (add_target_arguments, coordinate_index, data_format, figure_format,
                      parse_names, resolve_target)

NAME = "sweep"
HELP = ("sweep the step from 1e-16 to 1: error of every finite-difference scheme, the complex "
        "step and Richardson, log-log plot")
ORDER = 30
MAX_POINTS = 10_000    # steps of one sweep


def add_arguments(parser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--wrt", metavar="VARIABLE",
                        help="the coordinate to differentiate by: a variable name or its "
                             "number counted from 1 (default: the first)")
    parser.add_argument("--relative", action="store_true",
                        help="steps as fractions of |x_i| (h = r |x_i|), plotted in percent")
    parser.add_argument("--schemes", metavar="NAMES",
                        help=f"comma-separated schemes (default: all: {', '.join(schemes())})")
    parser.add_argument("--range", metavar="LO,HI", default="1e-16,1",
                        help="smallest and largest step (fractions of |x_i| with --relative; "
                             "default: 1e-16,1)")
    parser.add_argument("--points", type=count(2, MAX_POINTS), default=161,
                        help=count_help("number of log-spaced steps", 2, MAX_POINTS,
                                        "161, 10 per decade"))
    parser.add_argument("--out", metavar="FIGURE", help="write the figure (.png, .svg, .pdf)")
    parser.add_argument("--data", metavar="FILE",
                        help="write every row (.json, .csv; .md for the summary table)")
    add_noise_argument(parser)  # the model then includes the noise term


def _steps(args):
    from ..harness.sweep import default_steps
    pieces = args.range.split(",")
    if len(pieces) != 2:
        raise OptionError(f"--range must be two numbers LO,HI, got {args.range!r}")
    lo, hi = (parse_number(v, f"--range {what}") for v, what in zip(pieces, ("LO", "HI")))
    if not 0 < lo < hi:
        raise OptionError(f"--range needs 0 < LO < HI, got {args.range!r}")
    return default_steps(args.points, lo, hi)


def _unit(relative: bool) -> str:
    return "r (h = r|x|)" if relative else "h"


def summary_columns(relative: bool):
    from ..harness.tables import fmt_error, fmt_ratio, fmt_step
    unit = _unit(relative)
    return [
        ("curve", "series", str),
        ("order", "order", str),
        (f"predicted best {unit}", "predicted_step", fmt_step),
        (f"observed best {unit}", "observed_step", fmt_step),
        ("observed / predicted", "ratio", fmt_ratio),
        ("error there", "observed_error", fmt_error),
        ("lowest error", "lowest_error", fmt_error),
        ("default h", "default_h", fmt_step),
        ("error at default h", "default_error", fmt_error),
    ]


def run(args) -> int:
    from ..harness.progress import progress_bar
    from ..harness.reference import reference_text
    from ..harness.sweep import epsilon_sweep, step_methods, sweep_summary
    from ..harness.tables import markdown_table, text_table, to_csv, to_json
    target, noise = noisy_target(resolve_target(args), args.noise)
    i = coordinate_index(target, args.wrt)
    chosen = parse_names(args.schemes, schemes(), "scheme")
    steps = _steps(args)
    if args.out is not None:
        figure_format(args.out, "--out")
        check_output_file(args.out)
    if args.data is not None:
        check_output_file(args.data)
    count = len(chosen) if chosen else len(schemes()) + len(step_methods())
    with progress_bar(count, "sweep", args.quiet) as bar:
        rows = epsilon_sweep(target.f, target.point, coordinate=i, schemes=chosen, steps=steps,
                             relative=args.relative, name=target.name, progress=bar,
                             noise=noise)
    summary = sweep_summary(rows)
    first = rows[0]
    print(f"f = {target.formula}: d f / d {first['variable']} at {first['variable']} = "
          f"{first['x']:g} (exact {first['derivative']:.17g}, "
          f"{reference_text(first['reference'])})")
    print(text_table(summary, summary_columns(args.relative)), end="")
    if args.out is not None:
        from ..plots import plot_sweep
        plot_sweep(rows, args.out, title=f"Finite-difference error: {target.formula}")
        inform(args, f"wrote {args.out}")
    if args.data is not None:
        fmt = data_format(args.data)
        text = {"json": to_json, "csv": to_csv}.get(fmt)
        write_atomic(args.data, text(rows) if text else
                     markdown_table(summary, summary_columns(args.relative)))
        inform(args, f"wrote {args.data}")
    return 0
