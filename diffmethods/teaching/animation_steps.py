"""The steps of an animation, built from the traces: what each step computes, with its
numbers, and how every node and edge of the graph looks at that moment.

:func:`reverse_steps` reads the reverse-mode walk (the forward pass recording the tape, the seed,
one step per accumulation of the backward sweep, in the library's order); :func:`forward_steps`
runs one recorded tangent pass per input direction. Each :class:`Step` keeps, per node, its
state and the texts of its box, so a renderer only draws (see :mod:`.animation`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import OptionError
from ..methods.forward import ForwardMode
from ..points import Problem
from .forward_trace import tangent_arithmetic, tangent_pass, tangent_rule
from .graph import edges
from .kinks import kink_note
from .notation import (
    adjoint_name,
    expr_text,
    factor,
    node_name,
    num,
    operand_text,
    operation_text,
    tangent_name,
)
from .reverse_trace import ReverseWalk

PENDING, DONE, CURRENT, SOURCE = "pending", "done", "current", "source"  # a node's or edge's state
BOX_DIGITS = 6  # significant digits inside the boxes; captions carry the explanations' 10


@dataclass(frozen=True)
class Step:
    """One frame: what is computed, with its numbers, and how every node and edge looks.

    ``kind`` is ``"input"``, ``"operation"`` (a value, and in forward mode its tangent),
    ``"seed"`` (x̄ of the output = 1), ``"accumulate"`` (one ``x̄k += ∂xj/∂xk·x̄j``) or
    ``"result"``. ``node`` is the highlighted node (tape index: 0 is x1), ``edge`` the index in
    :attr:`Animation.edges` of the edge an adjoint flows back along. ``value``, ``tangent``
    and ``adjoint`` are the numbers the step produced (the adjoint is the running total after
    the step). ``status``, ``values`` and ``extras`` give, per node, its state (pending, done,
    current, source), the value line of its box and the tangent or adjoint line ('' if not
    known yet); ``edge_status`` gives each edge's state.
    """

    number: int  # 1-based, as the page's counter shows it; out.html#step=NUMBER selects it
    phase: str
    kind: str
    node: int | None
    lines: tuple
    status: tuple
    values: tuple
    extras: tuple
    edge_status: tuple
    edge: int | None = None
    value: float | None = None
    tangent: float | None = None
    adjoint: float | None = None

    @property
    def node_name(self) -> str | None:
        return None if self.node is None else node_name(self.node)


def _computed(node, nodes) -> str:
    """``x5 = x2 * x3 = 3 * 4 = 12``: the operation, its operands' values, its value."""
    numbers = [operand_text(num(nodes[o].value)) if isinstance(o, int) else operand_text(o)
               for o in node.operands]
    middle = operation_text(node.op, numbers)
    return (f"{node.name} = {node.formula()} = {middle} = {num(node.value)}"
            if middle != num(node.value) else f"{node.name} = {node.formula()} = {middle}")


def _kink(node, nodes) -> list:
    note = kink_note(node.op, [nodes[o].value if isinstance(o, int) else o
                               for o in node.operands]) if node.op else None
    return [f"Note: {note}."] if note else []


class _Frames:
    """Builds the steps one by one, keeping every node's and edge's current look."""

    def __init__(self, n_nodes: int, n_edges: int):
        self.status = [PENDING] * n_nodes
        self.values = [""] * n_nodes
        self.extras = [""] * n_nodes
        self.edge_status = [PENDING] * n_edges
        self.steps: list = []

    def add(self, phase, kind, node, lines, *, sources=(), edges_now=(), edge=None, **numbers):
        status = list(self.status)
        for s in sources:
            status[s] = SOURCE
        if node is not None:
            status[node] = CURRENT
        edge_status = list(self.edge_status)
        for e in edges_now:
            edge_status[e] = CURRENT
        self.steps.append(Step(len(self.steps) + 1, phase, kind, node, tuple(lines),
                               tuple(status), tuple(self.values), tuple(self.extras),
                               tuple(edge_status), edge, **numbers))

    def reset(self):
        self.status = [PENDING] * len(self.status)
        self.values = [""] * len(self.values)
        self.extras = [""] * len(self.extras)
        self.edge_status = [PENDING] * len(self.edge_status)


def _into_edges(walk: ReverseWalk) -> dict:
    """head node -> the indices of its incoming edges, in operand order (graph.edges' order)."""
    into: dict = {}
    for k, (_, head, _) in enumerate(edges(walk)):
        into.setdefault(head, []).append(k)
    return into


def reverse_steps(walk: ReverseWalk, n_edges: int) -> list:
    """The forward pass recording the tape, node by node, then the seed and the backward
    sweep, one ``x̄k += ∂xj/∂xk·x̄j`` per step, and the gradient."""
    frames = _Frames(len(walk.nodes), n_edges)
    into = _into_edges(walk)
    graph_edges = edges(walk)
    phase = "Forward pass: recording the tape"
    for node in walk.nodes:
        i = node.index
        frames.values[i] = num(node.value, BOX_DIGITS)
        mine = into.get(i, [])
        if node.op is None:
            lines = [f"{node.name} = {num(node.value)}: an input (the inputs are the tape's "
                     "first nodes)."]
            frames.add(phase, "input", i, lines, value=node.value)
        else:
            stored = [f"∂{node.name}/∂{node_name(o)} = "
                      f"{_partial_text(node, position, k)}"
                      for k, (position, o) in enumerate(node.node_operands)]
            lines = [_computed(node, walk.nodes),
                     "The tape records it with its local partial"
                     f"{'s' if len(stored) != 1 else ''}: {', '.join(stored)}."]
            if i == walk.output:
                lines.append(f"{node.name} is the output: f = {num(walk.value)}.")
            frames.add(phase, "operation", i, lines + _kink(node, walk.nodes),
                       sources=[o for _, o in node.node_operands], edges_now=mine,
                       value=node.value)
        frames.status[i] = DONE
        for e in mine:
            frames.edge_status[e] = DONE
    if walk.output is None:
        frames.add("Result", "result", None, [
            f"f returned {num(walk.value)} without using its inputs: no path leads back to "
            "them, so every partial derivative is 0."])
        return frames.steps
    phase = "Backward pass"
    frames.status = [PENDING] * len(walk.nodes)  # in this pass, pending means "no adjoint yet"
    frames.edge_status = [DONE] * n_edges
    out = walk.output
    frames.extras[out] = f"{adjoint_name(out)} = 1"
    frames.add(phase, "seed", out, [
        f"{adjoint_name(out)} = 1: the sweep starts at the output, where df/df = 1.",
        "The adjoint x̄k of node xk stands for df/dxk; the records are visited from last "
        "to first."], adjoint=1.0)
    frames.status[out] = DONE
    used: dict = {}  # record -> how many of its incoming edges the sweep has passed back
    for s in walk.steps:
        if s.into is None:  # an array primitive: refused by _check, never reached
            raise OptionError(f"{node_name(s.out)} is an array primitive; it cannot be animated")
        edge = _edge_of(graph_edges, into[s.out], s.into, used.setdefault(s.out, set()))
        record = walk.nodes[s.out]
        position = next(p for k, (p, o) in enumerate(record.node_operands)
                        if into[s.out][k] == edge)
        before = s.total - s.partial * s.adjoint_out
        name, mine = adjoint_name(s.into), node_name(s.into)
        lines = [f"Record {record.name} = {record.formula()} passes its adjoint back to {mine}, "
                 f"through ∂{record.name}/∂{mine} = {_partial_text(record, position, None)}.",
                 f"{name} += ∂{record.name}/∂{mine}·{adjoint_name(s.out)} = "
                 f"{factor(s.partial)}·{factor(s.adjoint_out)} = {num(s.partial * s.adjoint_out)}"]
        if frames.extras[s.into]:  # a node used more than once: this adds to what it has
            lines.append(f"{mine} is used more than once: {name} = {num(before)} + "
                         f"{factor(s.partial * s.adjoint_out)} = {num(s.total)}.")
        else:
            lines.append(f"{name} = {num(s.total)} so far.")
        frames.extras[s.into] = f"{name} = {num(s.total, BOX_DIGITS)}"
        frames.add(phase, "accumulate", s.into, lines, sources=[s.out], edges_now=[edge],
                   edge=edge, adjoint=s.total)
        frames.status[s.into] = DONE
    for n in walk.nodes:
        if not frames.extras[n.index]:
            frames.extras[n.index] = "no path to f"
    inputs = range(walk.n_inputs)
    frames.add("Result", "result", None, [
        f"Gradient = ({', '.join(adjoint_name(i) for i in inputs)}) = "
        f"({', '.join(num(g) for g in walk.gradient)}), read off the inputs' adjoints.",
        f"Two passes (forward, backward) over {len(walk.operations)} recorded operations; it "
        "would be two whatever the number of inputs."])
    return frames.steps


def _edge_of(graph_edges, candidates, tail, used) -> int:
    """The first of a record's incoming edges from ``tail`` not yet passed back along: x1 * x1
    has two edges from x1, one per operand, and the sweep sends one contribution along each."""
    for k in candidates:
        if graph_edges[k][0] == tail and k not in used:
            used.add(k)
            return k
    raise OptionError(f"the backward sweep passed more contributions to {node_name(tail)} than "
                      "the graph has edges (a bug: please report it)")


def _partial_text(node, position: int, k: int | None) -> str:
    """``x3 = 4``: a local partial's formula and its value (just the value if they agree)."""
    if k is None:
        k = [p for p, _ in node.node_operands].index(position)
    formula, value = expr_text(node.partial_formula(position)), num(node.partials[k])
    return value if formula == value else f"{formula} = {value}"


def forward_steps(f, point, walk: ReverseWalk, n_edges: int, direction) -> list:
    """One tangent pass per input (or only ``direction``'s), node by node, drawn on the tape's
    graph, and the gradient."""
    problem = Problem(f, point, ForwardMode.name)
    n = problem.n
    directions = range(n) if direction is None else [_direction(direction, n)]
    frames = _Frames(len(walk.nodes), n_edges)
    into = _into_edges(walk)
    gradient = []
    for d in directions:
        p = tangent_pass(Problem(f, point, ForwardMode.name), d)
        _same_graph(walk, p.nodes)
        frames.reset()
        phase = f"Tangent pass {d + 1} of {n}: seed {tangent_name(d)} = 1, for df/d{node_name(d)}"
        for node in p.nodes:
            i = node.index
            frames.values[i] = num(node.value, BOX_DIGITS)
            frames.extras[i] = f"{tangent_name(i)} = {num(node.tangent, BOX_DIGITS)}"
            mine = into.get(i, [])
            if node.op is None:
                why = ("the seed: this pass differentiates along it" if i == d else
                       f"not the direction of this pass ({node_name(d)})")
                lines = [f"{node.name} = {num(node.value)}, {tangent_name(i)} = "
                         f"{num(node.tangent)}: {why}."]
                frames.add(phase, "input", i, lines, value=node.value, tangent=node.tangent)
            else:
                operation = walk.nodes[i]
                lines = [_computed(operation, walk.nodes),
                         f"{tangent_name(i)} = {tangent_rule(node)} = "
                         f"{tangent_arithmetic(node, p.nodes)} = {num(node.tangent)}"]
                if i == walk.output:
                    lines.append(f"{node.name} is f: this pass gives df/d{node_name(d)} = "
                                 f"{tangent_name(i)} = {num(node.tangent)}.")
                frames.add(phase, "operation", i, lines + _kink(operation, walk.nodes),
                           sources=[o for o in node.operands if isinstance(o, int)],
                           edges_now=mine, value=node.value, tangent=node.tangent)
            frames.status[i] = DONE
            for e in mine:
                frames.edge_status[e] = DONE
        gradient.append(p.derivative)
    if direction is None:
        frames.add("Result", "result", None, [
            f"Gradient = ({', '.join(num(g) for g in gradient)}): one entry per pass, "
            f"{n} pass{'es' if n != 1 else ''} for {n} input{'s' if n != 1 else ''}.",
            "Each pass recomputes every value; only the tangents differ. Reverse mode needs "
            "two passes whatever the number of inputs."])
    return frames.steps


def _direction(direction, n: int) -> int:
    if isinstance(direction, bool) or not isinstance(direction, (int, np.integer)) \
            or not 0 <= direction < n:
        raise OptionError(f"direction must be the index of an input, 0 to {n - 1} (0 is x1), "
                          f"got {direction!r}")
    return int(direction)


def _same_graph(walk: ReverseWalk, nodes) -> None:
    """The tangent pass must have run the same operations as the tape (so one graph shows
    both); a difference would put one pass's numbers on the other's boxes."""
    def shape(ns):
        return [(n.op, tuple(o for o in n.operands if isinstance(o, int))) for n in ns]
    if shape(walk.nodes) != shape(nodes):
        raise OptionError("the forward pass ran other operations than the reverse-mode tape "
                          "recorded (f branches on its tracer's type?), so one graph cannot "
                          "show it; animate reverse mode instead")
