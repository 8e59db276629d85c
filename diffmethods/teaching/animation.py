"""The forward and backward passes, step by step, as frames of an animation.

:func:`animate` turns the traces the explanations are read from -- the reverse-mode tape with
its backward sweep (:func:`~diffmethods.teaching.reverse_trace.walk_reverse`) and the recorded
tangent passes of forward mode (:func:`~diffmethods.teaching.forward_trace.tangent_pass`) --
into a list of :class:`Step` objects: which node is being computed (or whose adjoint is
growing), the formula of that step with its numbers, and how every node and edge of the graph
looks at that moment. The steps are plain data, so they can be checked without a browser;
:meth:`Animation.html` draws them as a self-contained page (inline SVG, buttons, no network)
and :meth:`Animation.gif` as an animated GIF. The graph's layout is the one
:mod:`~diffmethods.teaching.graph` draws, and the names are the explanations' (x1..x7, x̄k, ẋk).

What is animated:

* reverse mode (the default): the forward pass recording the tape, one node per step, then the
  seed x̄f = 1 and one step per accumulation of the backward sweep,
  ``x̄k += ∂xj/∂xk·x̄j``, in the order the library made them;
* forward mode: one tangent pass per input (one direction per pass, ``chunk=1``), one after
  another, or only the pass of ``direction`` (0 for x1).

>>> a = animate(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2, 3, 4))
>>> a.steps[6].lines[0], a.steps[-2].lines[1]
('x7 = 3 * x6 = 3 * 16 = 48', 'x̄1 += ∂x4/∂x1·x̄4 = 4·3 = 12')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import OptionError, OutputError, PointError
from ..methods.forward import ForwardMode
from ..methods.reverse import ReverseMode
from ..registry import get_method
from .animation_steps import Step, forward_steps, reverse_steps
from .graph import MAX_NODES, edges, layout
from .kinks import first_non_finite
from .notation import adjoint_name, node_name, num, tangent_name
from .reverse_trace import ReverseWalk, walk_reverse

MAX_STEPS = 200  # past this an animation is a film nobody watches: explain() shows the tables
FORMATS = ("html", "htm", "gif")
__all__ = ["Animation", "Step", "animate", "animation_format", "animation_method"]


@dataclass
class Animation:
    """The steps of one method's passes over the graph of f, with the graph to draw them on."""

    title: str
    method: str
    heads: list  # per node: the first line of its box, "x5 = x2 * x3" or "x1 (input)"
    roles: list  # per node: "input", "operation" or "output"
    extra_names: list  # per node: the name on its third line (x̄5 or ẋ5)
    positions: dict  # node -> (x, y), graph.layout's data units
    routes: list  # per edge: the waypoints graph.layout routes it through
    edges: list  # (tail, head, local-partial label), graph.edges' order
    steps: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # lines for the page's header (renamed arguments)

    def html(self) -> str:
        """A self-contained HTML page (inline SVG, no network) that steps through the frames."""
        from .animation_html import render_html
        return render_html(self)

    def gif(self) -> bytes:
        """An animated GIF, one frame per step."""
        from .animation_gif import render_gif
        return render_gif(self)

    def save(self, path) -> str:
        """Write the page (``.html``) or the GIF (``.gif``) to ``path``, whole or not at all."""
        from ..files import write_atomic
        kind = animation_format(path)
        write_atomic(path, self.gif() if kind == "gif" else self.html())
        return os.fspath(path)


def animation_format(path, option: str | None = None) -> str:
    """``"html"`` or ``"gif"`` from the path's extension; any other is an OutputError (checked
    before any work, so a long run is not wasted on an output it cannot write)."""
    ext = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if ext not in FORMATS:
        shown = f"{option} {path}" if option else os.fspath(path)
        raise OutputError(f"{shown}: an animation is a page (.html) or an animated GIF (.gif), "
                          f"named by its extension (got {'.' + ext if ext else 'no extension'})")
    return "gif" if ext == "gif" else "html"


def _check(walk: ReverseWalk) -> None:
    """Refuse, with the reason, a graph the frames cannot show truthfully or readably."""
    if len(walk.nodes) > MAX_NODES:
        raise OptionError(
            f"the computational graph has {len(walk.nodes)} nodes; an animation is readable up "
            f"to {MAX_NODES}. Animate a smaller function, or read the tables of dm.explain (or "
            "diffmethods explain without --animate), which show every step of any size.")
    wide = next((n for n in walk.nodes if np.ndim(n.value) > 0), None)
    if wide is not None:
        raise OptionError(
            f"node {wide.name} holds an array of {np.size(wide.value)} values; an animation "
            "shows scalar operations, one number per box. Write f with scalar arguments "
            "(f(x1, x2, ...) with a tuple point), or read the tables of dm.explain.")
    bad = first_non_finite([n.value for n in walk.nodes])
    if bad is not None:
        node = walk.nodes[bad]
        raise PointError(
            f"cannot animate: {node.name} = {node.formula() if node.op else 'input'} is "
            f"{num(node.value)} at this point, outside the domain of that operation, so f has "
            "no derivative there to show. Choose a point where f is finite.")


def _lines_of(walk: ReverseWalk) -> tuple[list, list]:
    heads = [f"{n.name} (input)" if n.op is None else f"{n.name} = {n.formula()}"
             for n in walk.nodes]
    roles = ["input" if n.op is None else "output" if n.index == walk.output else "operation"
             for n in walk.nodes]
    return heads, roles


def animation_method(method: str | None) -> str:
    """The method whose passes are animated: reverse mode for None, else forward or reverse
    mode; any other method is refused (it makes no passes over a graph to show)."""
    method = ReverseMode.name if method is None else method
    get_method(method)  # an unknown name lists the valid ones
    if method not in (ReverseMode.name, ForwardMode.name):
        raise OptionError(f"an animation shows the passes of {ForwardMode.name} or "
                          f"{ReverseMode.name}; {method} makes none over a graph (explain "
                          "shows its steps)")
    return method


def animate(f, point, method: str | None = None, path=None, *, direction=None,
            title: str | None = None) -> Animation:
    """The passes of ``method`` (reverse mode by default, or forward mode) over the graph of
    ``f`` at ``point``, as an :class:`Animation` whose ``steps`` are plain data; with ``path``
    (``.html`` or ``.gif``) also written there, whole or not at all.

    Forward mode animates one tangent pass per input, one after another, or only the pass of
    ``direction`` (0 for x1). Graphs of more than :data:`~diffmethods.teaching.graph.MAX_NODES`
    nodes, array operations and points outside f's domain are refused, saying why.
    """
    if path is not None:
        from ..files import check_output_file
        animation_format(path)
        check_output_file(path)
    method = animation_method(method)
    if direction is not None and method != ForwardMode.name:
        raise OptionError(f"direction chooses a tangent pass of {ForwardMode.name}; "
                          f"{method} has none")
    walk = walk_reverse(f, point)
    _check(walk)
    graph_edges = edges(walk)
    if method == ForwardMode.name:
        steps = forward_steps(f, point, walk, len(graph_edges), direction)
        extra_names = [tangent_name(i) for i in range(len(walk.nodes))]
    else:
        steps = reverse_steps(walk, len(graph_edges))
        extra_names = [adjoint_name(i) for i in range(len(walk.nodes))]
    if len(steps) > MAX_STEPS:
        raise OptionError(
            f"the animation would have {len(steps)} steps; up to {MAX_STEPS} are watchable. "
            f"Animate one tangent pass (direction=0 for x1), reverse mode, or a smaller f.")
    positions, routes = layout(walk)
    heads, roles = _lines_of(walk)
    renamed = [f"{node_name(i)} is {name}" for i, name in enumerate(walk.names)
               if name != node_name(i)]
    notes = ["Your arguments: " + ", ".join(renamed) + "."] if renamed else []
    at = ", ".join(num(n.value) for n in walk.nodes[:walk.n_inputs])
    text = getattr(f, "text", None)  # a parsed expression knows its formula
    title = title or (f"f = {text} at ({at})" if text else
                      f"{getattr(f, '__name__', 'f')} at ({at})")
    animation = Animation(title, method, heads, roles, extra_names, positions, routes,
                          graph_edges, steps, notes)
    if path is not None:
        animation.save(path)
    return animation
