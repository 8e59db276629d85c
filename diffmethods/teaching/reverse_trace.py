"""Reverse mode, step by step, read off the real tape.

:func:`walk_reverse` runs ``f`` once on a recording :class:`~diffmethods.methods.reverse.Tape`
(``Tape(trace=True)``), keeps every operation with its local partial derivatives, then runs the
tape's own backward sweep with its log switched on. Nothing here recomputes a derivative: the
values, partials and adjoints are the ones the library computed. :func:`explain_reverse` turns
the walk into the lesson: the forward pass, the local partials, the backward pass, the chain
rule as products along paths, and the gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..api import differentiate
from ..methods.reverse import ReverseMode, Tape, Var
from ..points import Problem
from .document import Explanation, Formula, Paragraph, Table
from .kinks import Scan, first_non_finite, gradient_text, kink_note, kink_paragraph, stop_note
from .notation import (
    Names,
    adjoint_name,
    expr_text,
    factor,
    input_names,
    local_partial_formula,
    node_name,
    num,
    operand_text,
    operation_text,
    plural,
    point_num,
    slot_label,
)

MAX_PATHS = 6  # per input: more paths than this are counted, not listed
MAX_ROWS = 40  # a longer table shows its first and last rows and says how many it left out
LONG_PATH = 12  # a path with more local partials than this is summarised, not written out


@dataclass
class Node:
    """One node of the computational graph: an input or the result of one operation."""

    index: int
    op: str | None  # None for an input; an operation-table row or an array primitive name
    operands: tuple = ()  # node indices (int) or constants (float / array), as passed
    value: object = None
    partials: tuple = ()  # the tape's local partial for each node operand, in order
    adjoint: object = 0.0

    @property
    def name(self) -> str:
        return node_name(self.index)

    @property
    def node_operands(self) -> list:
        """The positions and indices of the operands that are nodes (not constants)."""
        return [(k, o) for k, o in enumerate(self.operands) if isinstance(o, int)]

    @property
    def is_linear_primitive(self) -> bool:
        """An array primitive (index, sum, matmul...): its backward step is a transpose."""
        return self.op is not None and not self.partials and bool(self.node_operands)

    def operand_names(self) -> list:
        return [node_name(o) if isinstance(o, int) else o for o in self.operands]

    def formula(self) -> str:
        """The operation as typed, e.g. ``x2 * x3``."""
        return operation_text(self.op, [operand_text(o) for o in self.operand_names()])

    def partial_formula(self, position: int):
        """The local partial with respect to the node operand at ``position`` (sympy)."""
        return local_partial_formula(self.op, self.operand_names(), position)


@dataclass
class Accumulation:
    """One step of the backward sweep: ``adjoint[into] += partial * adjoint[out]``."""

    out: int
    into: int | None  # None: an array primitive applied its transpose
    partial: object
    adjoint_out: object
    total: object = None  # adjoint[into] right after this step


@dataclass
class ReverseWalk:
    """Everything one reverse-mode gradient did, in the learner's terms."""

    nodes: list
    n_inputs: int
    output: int | None
    value: float
    steps: list = field(default_factory=list)
    gradient: np.ndarray = None
    names: list = field(default_factory=list)  # f's own parameter names, if any
    _uses: dict = field(default=None, repr=False)  # node index -> its consumers, built once

    @property
    def operations(self) -> list:
        return self.nodes[self.n_inputs:]

    def contributions(self, index: int) -> list:
        """The accumulation steps that added to node ``index``'s adjoint."""
        return [s for s in self.steps if s.into == index]

    def consumers(self, index: int) -> list:
        """(node, position) for every use of node ``index`` as an operand. The index of all
        uses is built in one pass over the operations the first time it is asked for, so
        asking for every node costs time linear in the size of the graph."""
        if self._uses is None:
            self._uses = {}
            for n in self.operations:
                for k, o in n.node_operands:
                    self._uses.setdefault(o, []).append((n, k))
        return self._uses.get(index, [])


def _as_float(v):
    """A value or constant as a float (or float array): node references stay the only ints."""
    if np.ndim(v) == 0:
        return float(v)
    return np.asarray(v, dtype=float)


def walk_reverse(f, point) -> ReverseWalk:
    """Record ``f`` at ``point`` on a tape, sweep it backwards once, and keep every step."""
    problem = Problem(f, point, ReverseMode.name)
    tape = Tape(trace=True)
    inputs = [tape.input(v) for v in problem.leaf_values()]  # one node per leaf
    y = problem.scalar_output(problem(inputs), Var)
    nodes = [Node(i, None, value=_as_float(v.value)) for i, v in enumerate(inputs)]
    for node, op_name, args, value, partials in tape.trace:
        operands = tuple(a.index if isinstance(a, Var) else _as_float(a) for a in args)
        nodes.append(Node(node, op_name, operands, _as_float(value), tuple(partials)))
    n_inputs = len(nodes) - len(tape.trace)
    names = (input_names(f, problem.n) if problem.kind == "args"
             else [leaf.name for leaf in problem.leaves])
    if not isinstance(y, Var):  # f does not depend on its inputs: nothing to sweep
        return ReverseWalk(nodes, n_inputs, None, float(y), [], np.zeros(problem.n), names)
    log: list = []
    adjoints = tape.backward({y.index: 1.0}, log=log)
    running: dict = {}
    steps = []
    for out, into, partial, g in log:
        step = Accumulation(out, into, partial, g)
        if into is not None:
            running[into] = running.get(into, 0.0) + partial * g
            step.total = running[into]
        steps.append(step)
    for node in nodes:
        node.adjoint = adjoints[node.index]
    grad = np.zeros(problem.n)
    for leaf, v in zip(problem.leaves, inputs):
        a = adjoints[v.index]
        if type(a) is not int:
            grad[leaf.flat] = np.ravel(a)
    return ReverseWalk(nodes, n_inputs, y.index, float(y.value), steps, grad, names)


# --- the lesson ---------------------------------------------------------------------------
def _chain_terms(walk: ReverseWalk, node: Node) -> tuple[str, str]:
    """How node's adjoint was accumulated: symbolically and with the numbers."""
    if node.index == walk.output:
        return "seed: df/df", "1"
    symbolic, numeric = [], []
    for consumer, position in walk.consumers(node.index):
        if type(consumer.adjoint) is int:
            continue  # the consumer does not reach f
        if consumer.is_linear_primitive:
            symbolic.append(f"{consumer.op}ᵀ({adjoint_name(consumer.index)})")
            numeric.append(f"{consumer.op}ᵀ({num(consumer.adjoint)})")
            continue
        k = [p for p, _ in consumer.node_operands].index(position)
        symbolic.append(f"{adjoint_name(consumer.index)}·∂{consumer.name}/∂{node.name}"
                        + slot_label(consumer.operands, position).replace(" operand", ""))
        numeric.append(f"{factor(consumer.adjoint)}·{factor(consumer.partials[k])}")
    if not symbolic:
        return "no path to f", "0"
    return " + ".join(symbolic), " + ".join(numeric)


def paths_to_output(walk: ReverseWalk, start: int, limit: int = MAX_PATHS):
    """Every path from node ``start`` to the output as a list of (node, position) edges, or
    the number of paths when there are more than ``limit`` (they grow exponentially)."""
    count = {walk.output: 1}
    for node in reversed(walk.nodes):
        if node.index != walk.output:
            count[node.index] = sum(count.get(c.index, 0)
                                    for c, _ in walk.consumers(node.index))
    if count.get(start, 0) > limit:
        return count[start]
    paths, stack = [], [(start, [])]  # depth first, without recursion: chains may be long
    while stack:
        index, path = stack.pop()
        if index == walk.output:
            paths.append(path)
            continue
        for c, k in reversed(walk.consumers(index)):
            if count.get(c.index, 0):
                stack.append((c.index, path + [(c, k)]))
    return paths


def _path_lines(walk: ReverseWalk) -> list[str]:
    lines = []
    for i in range(walk.n_inputs):
        paths = paths_to_output(walk, i)
        if isinstance(paths, int):
            lines.append(f"df/d{node_name(i)}: {paths} paths (too many to list; the backward "
                         "pass adds them up without listing them)")
            continue
        terms, numbers = [], []
        for path in paths:
            if len(path) > LONG_PATH:
                terms.append(f"(a product of {len(path)} local partials)")
                numbers.append(f"({num(_product(path))})")
                continue
            prev, factors, names = i, [], []
            for consumer, position in path:
                k = [p for p, _ in consumer.node_operands].index(position)
                factors.append(consumer.partials[k])
                names.append(f"∂{consumer.name}/∂{node_name(prev)}"
                             + slot_label(consumer.operands, position).replace(" operand", ""))
                prev = consumer.index
            terms.append("·".join(reversed(names)))
            numbers.append("·".join(factor(v) for v in reversed(factors)))
        if not paths:
            lines.append(f"df/d{node_name(i)} = 0: no path leads from {node_name(i)} to f")
            continue
        lines.append(f"df/d{node_name(i)} = {' + '.join(terms)}")
        products = " + ".join(numbers)
        value = num(walk.gradient[i])
        lines.append(f"{' ' * (len(node_name(i)) + 4)} = "
                     + (value if products == value else f"{products} = {value}"))
    return lines


def _product(path) -> float:
    total = 1.0
    for consumer, position in path:
        total = total * consumer.partials[[p for p, _ in consumer.node_operands].index(position)]
    return total


def walk_kinks(walk: ReverseWalk) -> Scan:
    """The nodes of this walk that sit on a kink of their operation (see :mod:`.kinks`)."""
    found = []
    for n in walk.operations:
        note = kink_note(n.op, [walk.nodes[o].value if isinstance(o, int) else o
                                for o in n.operands])
        if note:
            found.append((n.name, n.formula(), note))
    return Scan(found, None)


def abridged(table: Table, keep: int = MAX_ROWS // 2) -> list:
    """``[table]``, or -- past MAX_ROWS rows -- its first and last ``keep`` rows and a
    paragraph saying how many rows were left out: a 10,000-operation chain explains in a page.

    >>> blocks = abridged(Table(["k"], [[k] for k in range(100)]))
    >>> len(blocks[0].rows), blocks[1].text
    (41, '(60 of the 100 rows are left out: the first 20 and the last 20 are shown.)')
    """
    rows = table.rows
    if len(rows) <= MAX_ROWS:
        return [table]
    gap = ["..."] + [""] * (len(table.header) - 1)
    short = Table(table.header, rows[:keep] + [gap] + rows[-keep:], table.caption)
    return [short, Paragraph(f"({len(rows) - 2 * keep} of the {len(rows)} rows are left out: "
                             f"the first {keep} and the last {keep} are shown.)")]


def explain_reverse(f, point, notation: str = "seed") -> Explanation:
    """Reverse mode step by step: forward pass, local partials, backward pass, gradient.
    ``notation="baydin"``: the primal and adjoint traces as Baydin et al. (2018) Table 3."""
    walk = walk_reverse(f, point)
    if Names(notation).style == "baydin":
        from .baydin import explain_reverse_baydin
        return explain_reverse_baydin(f, point, walk)
    passes = differentiate(f, point, method=ReverseMode.name).passes
    blocks = [Paragraph(
        "Reverse mode runs f once while recording every elementary operation on a tape (the "
        "forward pass), then walks the tape once from the output back to the inputs (the "
        "backward pass), multiplying local derivatives by the chain rule. The inputs are "
        f"{', '.join(node_name(i) for i in range(walk.n_inputs))}; every operation result gets "
        "the next name.")]
    rows = [[n.name, "input", "", point_num(n.value)] for n in walk.nodes[:walk.n_inputs]]
    for n in walk.operations:
        inputs = ", ".join(f"{node_name(o)} = {num(walk.nodes[o].value)}"
                           for _, o in n.node_operands)
        rows.append([n.name, n.formula(), inputs, num(n.value)])
    blocks += [Paragraph("**Forward pass.** Each row is one record on the tape, in the order f "
                         "ran it."), *abridged(Table(["node", "operation", "inputs", "value"], rows))]
    if walk.output is None:
        blocks.append(Paragraph(f"f returned {num(walk.value)} without using its inputs, so "
                                "every partial derivative is 0."))
        return Explanation("Reverse mode", blocks, ReverseMode.name, walk.value, walk.gradient,
                           walk)
    blocks.append(Paragraph(f"The output is `{node_name(walk.output)} = f = {num(walk.value)}`."))
    bad = first_non_finite([n.value for n in walk.nodes])
    if bad is not None:
        node = walk.nodes[bad]
        blocks.append(Paragraph(stop_note(node.name, node.formula() if node.op else "input",
                                          node.value)))
        return Explanation("Reverse mode", blocks, ReverseMode.name, walk.value,
                           np.full(len(walk.gradient), np.nan), walk)
    kink = kink_paragraph(walk_kinks(walk), "the tape stores that convention's local "
                          "partials (below), and the backward pass gives the gradient "
                          + gradient_text(walk.gradient))
    if kink is not None:
        blocks.append(kink)

    rows = []
    for n in walk.operations:
        if n.is_linear_primitive:
            rows.append([n.name, f"(array primitive {n.op})", "-",
                         "the backward step applies its transpose"])
            continue
        together: dict = {}
        for k, (position, o) in enumerate(n.node_operands):
            label = slot_label(n.operands, position)
            rows.append([n.name, f"∂{n.name}/∂{node_name(o)}{label}",
                         expr_text(n.partial_formula(position)), num(n.partials[k])])
            if label:
                formula, value = together.get(o, (0, 0.0))
                together[o] = (formula + n.partial_formula(position), value + n.partials[k])
        for o, (formula, value) in together.items():
            rows.append([n.name, f"∂{n.name}/∂{node_name(o)}, the slots together",
                         expr_text(formula), num(value)])
    blocks += [Paragraph("**Local partial derivatives.** Each node depends on its immediate "
                         "inputs only; differentiating that one operation and putting in the "
                         "values from the forward pass gives a number. The tape stores these "
                         "numbers during the forward pass."),
               *abridged(Table(["node", "partial", "formula", "value at the point"], rows))]

    rows = []
    slots: dict = {}  # (record, operand) -> how many of its slots have sent their share so far
    for s in walk.steps:
        if s.into is None:
            rows.append([node_name(s.out), f"transpose of {walk.nodes[s.out].op}",
                         num(s.adjoint_out), "", ""])
            continue
        record = walk.nodes[s.out]
        seen = slots.get((s.out, s.into), 0)
        slots[(s.out, s.into)] = seen + 1
        positions = [p for p, o in record.node_operands if o == s.into]
        label = (slot_label(record.operands, positions[seen]).replace(" operand", "")
                 if seen < len(positions) else "")
        rows.append([node_name(s.out),
                     f"{adjoint_name(s.into)} += ∂{node_name(s.out)}/∂{node_name(s.into)}"
                     f"{label}·{adjoint_name(s.out)}", f"{factor(s.partial)}·{factor(s.adjoint_out)}",
                     num(s.partial * s.adjoint_out), num(s.total)])
    blocks += [Paragraph("**Backward pass.** The adjoint `x̄k` of node `xk` stands for df/dxk: "
                         "how much f moves per unit change of that node. "
                         f"It starts as `{adjoint_name(walk.output)} = 1` at the output; the "
                         "sweep visits the records from last to first, and each record passes "
                         "its adjoint back to its inputs, times the local partial. These are "
                         "the sweep's steps, in the order the library made them."),
               *abridged(Table(["record", "step", "partial·adjoint", "adds", "adjoint now"],
                               rows))]

    rows = []
    for n in reversed(walk.nodes):
        symbolic, numeric = _chain_terms(walk, n)
        rows.append([adjoint_name(n.index), symbolic, numeric, num(n.adjoint)])
    received: dict = {}
    for step in walk.steps:
        received[step.into] = received.get(step.into, 0) + 1
    twice = [n.name for n in walk.nodes if received.get(n.index, 0) > 1]
    blocks += [Paragraph("Gathered per node, in reverse order: a node used by several "
                         "operations receives one contribution from each use, and its adjoint "
                         "is their sum." + (f" Here {', '.join(twice)} "
                                            f"{'is' if len(twice) == 1 else 'are'} used more "
                                            "than once." if twice else "")),
               *abridged(Table(["adjoint", "accumulated as", "with the numbers", "value"],
                               rows))]
    if all(np.ndim(n.value) == 0 and not n.is_linear_primitive for n in walk.nodes):
        blocks += [Paragraph("Unrolled, each derivative is a sum over the paths from the input "
                             "to the output of the product of the local partials along the "
                             "path (the chain rule); the backward pass computes these sums "
                             "without listing the paths, sharing every common tail."),
                   Formula(_path_lines(walk))]
    grad = ", ".join(num(g) for g in walk.gradient)
    blocks.append(Paragraph(
        f"**Gradient** = ({grad}), read off the adjoints of the inputs. It took "
        f"{plural(passes, 'pass', 'passes')} (one forward, one backward) over {len(walk.operations)} recorded "
        f"operation{'s' if len(walk.operations) != 1 else ''}, and it would take the same two "
        "passes "
        "however many inputs f had."))
    return Explanation("Reverse mode", blocks, ReverseMode.name, walk.value, walk.gradient, walk)
