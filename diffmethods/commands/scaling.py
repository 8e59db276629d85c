"""``diffmethods scaling``: what every method costs as the dimension n grows.

    diffmethods scaling rosenbrock --dims 2,10,100,1000 --out scaling.png
"""

from __future__ import annotations

from ..catalogue import SCENARIOS
from ..errors import OptionError
from ._io import check_output_file, inform, write_atomic
from ._options import count, count_help, real, whole_list
from ._target import data_format, figure_format, parse_names

NAME = "scaling"
HELP = "cost of every method against the dimension n: f-calls, passes, time (log-log plot)"
ORDER = 40
MAX_DIM = 100_000      # the largest n
MAX_SIZES = 20         # values of n in one study
MAX_BUDGET = 3600.0    # seconds
MAX_REPEAT = 100       # timed runs per cell


def add_arguments(parser) -> None:
    parser.add_argument("function", metavar="FUNCTION",
                        help=f"a scalable catalogue function: {', '.join(_scalable())}")
    parser.add_argument("--dims", default="2,10,100,1000",
                        help=f"comma-separated dimensions, each 1 to {MAX_DIM}, at most "
                             f"{MAX_SIZES} of them (default: 2,10,100,1000)")
    parser.add_argument("--methods", metavar="NAMES",
                        help="comma-separated variants (default: every method, plus forward "
                             "mode with chunk=1 and forward-difference finite differences)")
    parser.add_argument("--budget", type=real, default=5.0,
                        help="skip a method at an n where it is predicted to take longer than "
                             f"this many seconds, above 0 and at most {MAX_BUDGET:g} "
                             "(default: 5)")
    parser.add_argument("--repeat", type=count(1, MAX_REPEAT), default=3,
                        help=count_help("timed runs per cell", 1, MAX_REPEAT, 3))
    parser.add_argument("--out", metavar="FIGURE", help="write the figure (.png, .svg, .pdf)")
    parser.add_argument("--data", metavar="FILE", help="write every row (.json, .csv, .md)")


def _scalable() -> list[str]:
    """The scalable catalogue names for --help, without importing the harness (which loads
    sympy and mpmath): the rule of :func:`diffmethods.harness.scaling.scalable_names`."""
    return [s.name for s in SCENARIOS.values() if s.make_point is not None]


def columns() -> list:
    """The table's columns (the formatters live in the harness, imported when run)."""
    from ..harness.tables import fmt_count, fmt_ratio, fmt_seconds
    return [
        ("n", "n", fmt_count),
        ("method", "variant", str),
        ("f calls", "f_calls", fmt_count),
        ("passes", "passes", fmt_count),
        ("ops", "ops", fmt_count),
        ("work carried", lambda r: "-" if r.get("work") is None else
         f"{r['work']} {r['work_unit']}", str),
        ("time per gradient", "seconds", fmt_seconds),
        ("x one f", "ratio_to_f", fmt_ratio),
        ("note", lambda r: r["note"] or (f"setup {fmt_seconds(r['setup_seconds'], True)}, "
                                         f"expression {r['ops_derived']} ops, {r['ops_cse']} "
                                         f"after CSE" if r["setup_seconds"] else ""), str),
    ]


def run(args) -> int:
    from ..harness.progress import progress_bar
    from ..harness.scaling import default_variants, scalable_names, scaling
    from ..harness.tables import markdown_table, text_table, to_csv, to_json
    dims = whole_list(args.dims, "--dims", MAX_DIM, MAX_SIZES)
    if args.function not in scalable_names():
        raise OptionError(f"{args.function!r} is not a scalable catalogue function; choose "
                          f"one of: {', '.join(scalable_names())}")
    variants = default_variants()
    chosen = parse_names(args.methods, [v[0] for v in variants], "method")
    if chosen is not None:
        variants = [v for v in variants if v[0] in chosen]
    if not 0 < args.budget <= MAX_BUDGET:
        raise OptionError(f"--budget must be above 0 and at most {MAX_BUDGET:g} seconds, got "
                          f"{args.budget:g}")
    for path, is_figure in ((args.out, True), (args.data, False)):
        if path is not None:
            if is_figure:
                figure_format(path)
            check_output_file(path)
    with progress_bar(len(dims) * len(variants), "scaling", args.quiet) as bar:
        rows = scaling(args.function, dims, variants=variants, repeat=args.repeat,
                       budget=args.budget, progress=bar)
    print(text_table(rows, columns()), end="")
    if args.out is not None:
        from ..plots import plot_scaling
        plot_scaling(rows, args.out)
        inform(args, f"wrote {args.out}")
    if args.data is not None:
        fmt = data_format(args.data)
        text = {"json": to_json, "csv": to_csv}.get(fmt)
        write_atomic(args.data, text(rows) if text else markdown_table(rows, columns()))
        inform(args, f"wrote {args.data}")
    return 0
