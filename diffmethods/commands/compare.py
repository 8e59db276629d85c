"""``diffmethods compare``: every method on one function at one point, as a table.

    diffmethods compare "3*(x1**2 + x2*x3)" --at 2,3,4
    diffmethods compare rosenbrock2 --format json --out seed.json
"""

from __future__ import annotations

from .. import registry
from ..errors import OptionError
from ..methods.forward import MAX_CHUNK
from ._io import check_output_file, inform, write_atomic
from ._noise import add_noise_argument, noisy_target
from ._options import OPT_HELP, count, count_help, method_options, real
from ._target import add_target_arguments, data_format, parse_names, resolve_target

NAME = "compare"
HELP = "compare every method on one function and point: gradient, errors, f-calls, time"
ORDER = 20
MAX_REPEAT = 1000      # timed runs per method
MAX_BUDGET = 3600.0    # seconds
# harness.compare.DEFAULT_BUDGET, written here so --help need not import the harness (sympy,
# mpmath); tests/test_conventions.py checks the two agree
DEFAULT_BUDGET = 10.0


def add_arguments(parser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--methods", metavar="NAMES",
                        help=f"comma-separated methods (default: all: "
                             f"{', '.join(registry.methods())})")
    parser.add_argument("--opt", action="append", metavar="[METHOD.]NAME=VALUE", help=OPT_HELP)
    parser.add_argument("--scheme", help="short for --opt scheme=SCHEME")
    parser.add_argument("--step", help="short for --opt step=H: the step of every compared "
                        "method that takes one")
    parser.add_argument("--chunk", type=count(1, MAX_CHUNK),
                        help=f"short for --opt chunk=K: forward mode's directions per pass, "
                             f"1 to {MAX_CHUNK}")
    parser.add_argument("--repeat", type=count(1, MAX_REPEAT), default=5,
                        help=count_help("timed runs per method; the median is shown", 1,
                                        MAX_REPEAT, 5))
    parser.add_argument("--budget", type=real, default=DEFAULT_BUDGET,
                        help=f"seconds the 50-digit reference (or a method's derivation) may "
                             f"be predicted to take before a cheaper route is taken, above 0, "
                             f"at most {MAX_BUDGET:g} (default: {DEFAULT_BUDGET:g})")
    parser.add_argument("--no-reference", action="store_true",
                        help="score nothing: no reference, no error columns")
    parser.add_argument("--format", choices=["table", "markdown", "csv", "json"],
                        help="output format (default: an aligned table; with --out, from the "
                             "file's extension: .md, .csv, .json)")
    parser.add_argument("--out", metavar="FILE", help="also write the result to FILE")
    add_noise_argument(parser)


def _options(args, methods: list[str]) -> dict:
    """Each method's options from --opt and its short forms, checked against declarations."""
    short = [f"{name}={value}" for name, value in (("scheme", args.scheme), ("step", args.step),
                                                   ("chunk", args.chunk)) if value is not None]
    return method_options(short + list(args.opt or ()), methods)


def header(target, rows) -> list[str]:
    """Lines naming the function, the point and the reference."""
    from ..harness.reference import reference_text
    point = ", ".join(f"{v:g}" for v in rows[0]["point"])
    lines = [f"f = {target.formula}   at ({point})"]
    value = next((r["value"] for r in rows if r["value"] is not None), None)
    if value is not None:
        lines.append(f"f({point}) = {value:.17g}")
    ref = rows[0]["reference_gradient"]
    if ref is not None:
        lines.append(f"reference gradient ({reference_text(rows[0]['reference'])}): "
                     f"[{', '.join(f'{v:.17g}' for v in ref)}]")
    else:
        lines.append(f"reference: {reference_text(rows[0]['reference'])}")
    return lines


def render(target, rows, fmt: str) -> str:
    from ..harness.tables import markdown_table, text_table, to_csv, to_json
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "markdown":
        lines = ["<!-- written by diffmethods -->", f"# diffmethods compare: {target.name}", ""]
        lines += [f"- {line}" for line in header(target, rows)]
        return "\n".join(lines) + "\n\n" + markdown_table(rows)
    return "\n".join(header(target, rows)) + "\n\n" + text_table(rows)


def run(args) -> int:
    from ..harness.compare import compare
    from ..harness.progress import progress_bar
    target, _ = noisy_target(resolve_target(args), args.noise)
    methods = parse_names(args.methods, registry.methods(), "method")
    options = _options(args, methods or registry.methods())
    if args.out is not None:
        check_output_file(args.out)
    if not 0 < args.budget <= MAX_BUDGET:
        raise OptionError(f"--budget must be above 0 and at most {MAX_BUDGET:g} seconds, got "
                          f"{args.budget:g}")
    with progress_bar(len(methods or registry.methods()), "compare", args.quiet) as bar:
        rows = compare(target.f, target.point, methods=methods, options=options,
                       repeat=args.repeat, name=target.name, budget=args.budget,
                       reference=False if args.no_reference else None, progress=bar)
    if args.out is not None:
        write_atomic(args.out, render(target, rows, data_format(args.out, args.format)))
        print(render(target, rows, "table"), end="")
        inform(args, f"wrote {args.out}")
    else:
        print(render(target, rows, args.format or "table"), end="")
    return 0
