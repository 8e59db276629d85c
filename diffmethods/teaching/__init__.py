"""Teaching material: every method explained step by step, with the library's own numbers.

* :func:`explain` -- one method (or all of them) on any function, as text, HTML or Markdown;
* :func:`walk_reverse`, :func:`draw_graph`, :func:`graph_dot` -- the computational graph read off
  the reverse-mode tape, as a picture or as Graphviz DOT text;
* :func:`animate` -- the forward and backward passes step by step, as data, an HTML page or a
  GIF;
* :func:`plot_bump_error` -- finite differences' error against the size of the bump;
* :func:`descent_demo`, :func:`plot_descent` -- fitting a line by gradient descent with every
  method's gradients;
* :func:`write_tutorial` -- the whole lesson as ``reports/tutorial.md`` with its figures.

Nothing here computes a derivative of its own: the numbers are read off the real machinery
(the tape and its backward sweep, recorded dual numbers, the symbolic derivation, the calls the
finite-difference method makes).
"""

from .animation import Animation, Step, animate
from .bump_plot import plot_bump_error
from .descent import descent_demo, plot_descent
from .document import Explanation
from .explain import explain
from .graph import MAX_NODES, draw_graph, graph_dot
from .reverse_trace import walk_reverse

__all__ = ["explain", "Explanation", "animate", "Animation", "Step", "walk_reverse", "draw_graph", "graph_dot", "MAX_NODES",
           "plot_bump_error", "descent_demo", "plot_descent"]
