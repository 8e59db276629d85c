"""``diffmethods scaling``: what every method costs as the dimension n grows.

    diffmethods scaling rosenbrock --dims 2,10,100,1000 --out scaling.png
"""

from __future__ import annotations

from ..errors import OptionError
from ..harness.progress import progress_bar
from ..harness.scaling import default_variants, scalable_names, scaling
from ..harness.tables import (fmt_count, fmt_ratio, fmt_seconds, markdown_table, text_table,
                              to_csv, to_json)
from ._io import check_output_file, write_atomic
from ._target import data_format, figure_format, parse_int_list, parse_names

NAME = "scaling"
HELP = "cost of every method against the dimension n: f-calls, passes, time (log-log plot)"
ORDER = 40


def add_arguments(parser) -> None:
    parser.add_argument("function", metavar="FUNCTION",
                        help=f"a scalable catalogue function: {', '.join(scalable_names())}")
    parser.add_argument("--dims", default="2,10,100,1000",
                        help="comma-separated dimensions (default: 2,10,100,1000)")
    parser.add_argument("--methods", metavar="NAMES",
                        help="comma-separated variants (default: every method, plus forward "
                             "mode with chunk=1 and forward-difference finite differences)")
    parser.add_argument("--budget", type=float, default=5.0,
                        help="skip a method at an n where it is predicted to take longer than "
                             "this many seconds (default: 5)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per cell (default: 3)")
    parser.add_argument("--out", metavar="FIGURE", help="write the figure (.png, .svg, .pdf)")
    parser.add_argument("--data", metavar="FILE", help="write every row (.json, .csv, .md)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


COLUMNS = [
    ("n", "n", fmt_count),
    ("method", "variant", str),
    ("f calls", "f_calls", fmt_count),
    ("passes", "passes", fmt_count),
    ("ops", "ops", fmt_count),
    ("time per gradient", "seconds", fmt_seconds),
    ("x one f", "ratio_to_f", fmt_ratio),
    ("note", lambda r: r["note"] or (f"setup {fmt_seconds(r['setup_seconds'], True)}, "
                                     f"expression {r['ops_derived']} ops, {r['ops_cse']} "
                                     f"after CSE" if r["setup_seconds"] else ""), str),
]


def run(args) -> int:
    dims = parse_int_list(args.dims, "--dims")
    if args.function not in scalable_names():
        raise OptionError(f"{args.function!r} is not a scalable catalogue function; choose "
                          f"one of: {', '.join(scalable_names())}")
    variants = default_variants()
    chosen = parse_names(args.methods, [v[0] for v in variants], "method")
    if chosen is not None:
        variants = [v for v in variants if v[0] in chosen]
    if args.budget <= 0 or args.repeat < 1:
        raise OptionError("--budget must be positive and --repeat at least 1")
    for path, is_figure in ((args.out, True), (args.data, False)):
        if path is not None:
            if is_figure:
                figure_format(path)
            check_output_file(path)
    with progress_bar(len(dims) * len(variants), "scaling", args.quiet) as bar:
        rows = scaling(args.function, dims, variants=variants, repeat=args.repeat,
                       budget=args.budget, progress=bar)
    print(text_table(rows, COLUMNS), end="")
    if args.out is not None:
        from ..plots import plot_scaling
        plot_scaling(rows, args.out)
        print(f"wrote {args.out}")
    if args.data is not None:
        fmt = data_format(args.data)
        text = {"json": to_json, "csv": to_csv}.get(fmt)
        write_atomic(args.data, text(rows) if text else markdown_table(rows, COLUMNS))
        print(f"wrote {args.data}")
    return 0
