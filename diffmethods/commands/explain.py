"""``diffmethods explain``: every step of every method on a formula typed on the command line.

The formula is read by the whitelist parser (:mod:`diffmethods.expr`), never evaluated as
Python. The explanation is the one ``dm.explain`` returns, printed as text (or Markdown/HTML);
``--graph`` and ``--dot`` add the computational graph from the reverse-mode tape.
"""

from __future__ import annotations

import sys

from ..errors import OptionError
from ..registry import methods
from ._io import check_output_file, write_atomic
from ._options import OPT_HELP, method_options, positive, real
from ._target import add_target_arguments, figure_format, resolve_target

NAME = "explain"
HELP = "explain step by step how each method computes the gradient of a formula"
ORDER = 40


def add_arguments(parser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--method", default="all", choices=["all"] + methods(),
                        help="the method to explain (default: all, in order)")
    parser.add_argument("--opt", action="append", metavar="[METHOD.]NAME=VALUE",
                        help=OPT_HELP.replace("compared", "explained"))
    parser.add_argument("--scheme", help="finite-difference scheme (default: central); short "
                        "for --opt scheme=SCHEME")
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--step", type=real, help="short for --opt step=H (finite differences: "
                      "the absolute step h)")
    step.add_argument("--rel-step", type=real,
                      help="short for --opt rel_step=R (finite differences: the step as a "
                           "fraction of each coordinate)")
    parser.add_argument("--graph", metavar="FIGURE",
                        help="also draw the computational graph, with adjoints (format from "
                             "the extension: .png, .svg, .pdf, ...)")
    parser.add_argument("--dot", metavar="FILE.dot",
                        help="also write the graph as Graphviz DOT text (any size)")
    parser.add_argument("--animate", metavar="FILE.html|FILE.gif",
                        help="also write the passes animated, step by step: a self-contained "
                             "page (.html: the graph, step buttons, play; no network) or an "
                             "animated GIF (.gif). --method forward animates one tangent pass "
                             "per input (chunk=1), one after another; reverse (and the "
                             "default, all) the forward pass recording the tape, then the "
                             "backward sweep, one adjoint accumulation per step. Up to 30 "
                             "nodes of scalar operations")
    parser.add_argument("--notation", default="seed", choices=["seed", "baydin"],
                        help="node names: seed (x1, x2, ... as in the seed example; default) "
                             "or baydin (v₋₁, v₀, v₁, ... with primal | tangent and primal | "
                             "adjoint tables, as Baydin et al., JMLR 2018)")
    parser.add_argument("--program", action="store_true",
                        help="also show the compiled method's generated adjoint program beside "
                             "the tape, each line next to the record it comes from")
    parser.add_argument("--format", default="text", choices=["text", "markdown", "html"],
                        help="how to print the explanation (default: text)")


def echo(text: str) -> None:
    """Print, replacing characters the terminal cannot show (x̄, ∂) instead of failing."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    print(text.encode(encoding, errors="replace").decode(encoding))


def run(args) -> int:
    from ..teaching.explain import explain, point_text
    from ..points import Problem
    from ..teaching.graph import draw_graph, graph_dot
    from ..teaching.notation import mapping_text
    from ..teaching.reverse_trace import walk_reverse
    positive(args.step, "--step")  # explain-all would show a bad step as "not applicable"
    positive(args.rel_step, "--rel-step")
    target = resolve_target(args)
    outputs = [path for path in (args.graph, args.dot) if path is not None]
    if args.graph is not None:
        figure_format(args.graph, "--graph")
    if args.animate is not None:
        from ..teaching.animation import animation_format, animation_method
        animation_format(args.animate, "--animate")
        animation_method(None if args.method == "all" else args.method)
        check_output_file(args.animate)
    for path in outputs:
        check_output_file(path)
    f, point = target.f, target.point
    method = None if args.method == "all" else args.method
    short = [f"{name}={value!r}" if isinstance(value, float) else f"{name}={value}"
             for name, value in (("scheme", args.scheme), ("step", args.step),
                                 ("rel_step", args.rel_step)) if value is not None]
    per_method = method_options(short + list(args.opt or ()),
                                methods() if method is None else [method])
    options = {k: v for mine in per_method.values() for k, v in mine.items()}
    explanation = explain(f, point, method, notation=args.notation, program=args.program,
                          **options)
    if args.format == "markdown":
        echo(explanation.markdown())
    elif args.format == "html":
        echo(explanation.html_page())
    else:
        echo(str(explanation))
    if outputs:  # after the text: a graph too large to draw costs the picture, not the lesson
        walk = walk_reverse(f, point)
        if args.graph is not None:
            mapping = mapping_text(f, Problem(f, point), quote="")  # the nodes are x1..xn
            try:
                draw_graph(walk, args.graph,
                           title=f"f = {target.formula} at {point_text(point)}"
                           + (f"  ({mapping.split(': ', 1)[1].rstrip('.')})" if mapping
                              else ""))
                if not args.quiet:
                    echo(f"wrote {args.graph}")
            except OptionError as e:
                echo(f"graph not drawn: {e}")
        if args.dot is not None:
            write_atomic(args.dot, graph_dot(walk))
            if not args.quiet:
                echo(f"wrote {args.dot}")
    if args.animate is not None:  # after the text too; a refusal (too large) is an error
        from ..teaching.animation import animate
        animate(f, point, method, args.animate, title=f"f = {target.formula} at "
                f"{point_text(point)}")
        if not args.quiet:
            echo(f"wrote {args.animate}")
    return 0
