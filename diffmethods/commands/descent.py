"""``diffmethods descent``: fit a line by gradient descent with every method's gradients."""

from __future__ import annotations

from ..errors import OptionError
from ._io import check_output_file
from ._options import count, count_help, real
from ._target import figure_format
from .explain import echo

NAME = "descent"
HELP = "gradient-descent demo: fit a line with each method's gradients, plot cost per iteration"
ORDER = 42
MAX_ITERATIONS = 10_000


def add_arguments(parser) -> None:
    parser.add_argument("--iterations", type=count(1, MAX_ITERATIONS), default=60,
                        help=count_help("gradient steps per method", 1, MAX_ITERATIONS, 60))
    parser.add_argument("--rate", type=real, default=0.3,
                        help="learning rate (default: 0.3)")
    # not into reports/tutorial/: that figure is the tutorial's, drawn for its own text
    parser.add_argument("--plot", default="descent.png", metavar="FIGURE",
                        help="where to save the plot, format from the extension: .png, .svg, "
                             ".pdf, ... (default: descent.png)")


def run(args) -> int:
    from ..teaching.descent import POOR_STEP, descent_demo, descent_table, plot_descent
    from ..teaching.document import Explanation, Paragraph
    from ..teaching.notation import num
    if not 0 < args.rate < 1:
        raise OptionError(f"--rate must be between 0 and 1 (larger steps diverge on this "
                          f"cost), got {args.rate}")
    figure_format(args.plot, "--plot")
    check_output_file(args.plot)
    demo = descent_demo(iterations=args.iterations, rate=args.rate)
    plot_descent(demo, args.plot)
    w, b = demo.best
    echo(str(Explanation("Gradient descent: fitting y = w·x + b by least squares", [
        Paragraph(f"{len(demo.x)} fixed data points, L2 cost (mean squared error), start at "
                  f"(w, b) = (0, 0), learning rate {num(demo.rate)}, {demo.iterations} "
                  f"iterations per method. The best line is w = {num(w, 6)}, b = {num(b, 6)} "
                  f"(cost {num(demo.best_cost, 8)}). The last run uses forward differences "
                  f"with the poor step h = {num(POOR_STEP['step'])}: its gradients are biased, "
                  "so descent settles above the minimum."),
        descent_table(demo)])))
    if not args.quiet:
        echo(f"wrote {args.plot}")
    return 0
