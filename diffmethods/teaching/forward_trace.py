"""Forward mode, step by step: one recorded pass of dual numbers per input direction.

Each pass seeds one input with tangent 1 and the others with 0 and runs ``f`` on
:class:`~diffmethods.methods.forward.Dual` numbers with a recording
:class:`~diffmethods.methods.forward.ForwardPass`; every operation's value and tangent are read
off the recorded duals. The tangent of the output is one partial derivative, so the gradient
takes n passes when each pass carries a single direction -- which is what this lesson shows
before explaining how the library carries several directions per pass (``chunk``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..api import differentiate
from ..methods.forward import Dual, ForwardMode, ForwardPass, seed
from ..methods.tangents import dense
from ..ops import OPS, ieee
from ..points import Problem
from .document import Explanation, Paragraph, Table
from .kinks import gradient_text, kink_paragraph, scan
from .notation import (
    Names,
    expr_text,
    factor,
    local_partial_formula,
    node_name,
    num,
    operand_text,
    operation_text,
    plural,
    point_num,
    slot_label,
    tangent_name,
)

MAX_DETAILED_PASSES = 4  # beyond this, only the summary table of tangents


@dataclass
class ForwardNode:
    """One node of one pass: its operation, value and tangent along the seed direction."""

    index: int
    op: str | None
    operands: tuple  # node indices (int) or constants (float / array)
    value: object
    tangent: object

    @property
    def name(self) -> str:
        return node_name(self.index)


@dataclass
class TangentPass:
    """One forward pass with the unit tangent on input ``direction``."""

    direction: int
    nodes: list
    n_inputs: int
    value: float
    derivative: float  # the output's tangent: df/dx_direction


def _plain(v):
    if isinstance(v, Dual):
        v = v.value
    return float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=float)


def _tangent(d: Dual):
    t = dense(d.tangent)[..., 0]  # array tangents may be stored sparsely: see methods.tangents
    return float(t) if np.ndim(t) == 0 else np.array(t, dtype=float)


def tangent_pass(problem: Problem, direction: int) -> TangentPass:
    """Run f once on duals seeded along input ``direction`` and keep every operation."""
    trace = ForwardPass(1, record=True)
    inputs = seed(problem, direction, 1, trace)
    inputs_list = list(inputs)  # one Dual per leaf of the point
    index = {id(d): i for i, d in enumerate(inputs_list)}
    nodes = [ForwardNode(i, None, (), _plain(d), _tangent(d)) for i, d in enumerate(inputs_list)]
    y = problem.scalar_output(problem(inputs), Dual)
    for op_name, args, result in trace.nodes:
        index[id(result)] = len(nodes)
        operands = tuple(index[id(a)] if isinstance(a, Dual) else _plain(a) for a in args)
        nodes.append(ForwardNode(len(nodes), op_name, operands, _plain(result), _tangent(result)))
    if isinstance(y, Dual):
        value, derivative = y.value, _tangent(y)
    else:
        value, derivative = y, 0.0
    n_inputs = len(inputs_list)
    return TangentPass(direction, nodes, n_inputs, float(value), derivative)


def tangent_passes(f, point) -> list:
    """One :class:`TangentPass` per input coordinate: the gradient, one entry per pass."""
    n = Problem(f, point).n
    return [tangent_pass(Problem(f, point, ForwardMode.name), i) for i in range(n)]


def _operand_names(node: ForwardNode, names: Names | None = None) -> list:
    name = node_name if names is None else names.node
    return [name(o) if isinstance(o, int) else o for o in node.operands]


def tangent_rule(node: ForwardNode, names: Names | None = None) -> str:
    """The chain rule for this node's tangent, in symbols: ẋ5 = x3·ẋ2 + x2·ẋ3."""
    tname = tangent_name if names is None else names.tangent
    operand_names = _operand_names(node, names)
    names = [operand_text(o) for o in operand_names]
    if node.op == "matmul":  # bilinear: the product rule, one term per traced operand
        a, b = node.operands
        terms = ([f"{tname(a)} @ {names[1]}"] if isinstance(a, int) else []) + \
                ([f"{names[0]} @ {tname(b)}"] if isinstance(b, int) else [])
        return " + ".join(terms)
    if node.op not in OPS:  # a linear primitive: constants have tangent 0
        inner = ", ".join(tname(o) if isinstance(o, int) else "0" for o in node.operands)
        return f"{node.op}({inner})  (linear: the same map on tangents)"
    terms, together = [], {}
    for k, o in enumerate(node.operands):
        if isinstance(o, int):
            d = local_partial_formula(node.op, operand_names, k)
            terms.append(_times(d, tname(o)) + slot_label(node.operands, k)
                         .replace(" operand", ""))
            if slot_label(node.operands, k):
                together[o] = together.get(o, 0) + d
    rule = " + ".join(terms)
    if together:  # x1 * x1: one term per slot, and what they come to
        rule += " = " + " + ".join(_times(d, tname(o)) for o, d in together.items())
    return rule


def _times(d, tangent: str) -> str:
    """d·ẋk, the partial in parentheses unless it is one symbol, number or function call."""
    if d == 1:
        return tangent
    if d == -1:
        return "-" + tangent
    if d.is_Pow and d.args[1] == -1 and d.args[0].is_Symbol:  # ẋ1/x1, not (1/x1)·ẋ1
        return f"{tangent}/{d.args[0]}"
    simple = d.is_Symbol or d.is_Number or d.is_Function
    return f"{expr_text(d) if simple else '(' + expr_text(d) + ')'}·{tangent}"


def tangent_arithmetic(node: ForwardNode, nodes: list, fmt=factor) -> str:
    """The same rule with this pass's numbers: the local partials times the input tangents
    (each number written by ``fmt``)."""
    if node.op not in OPS:
        return ", ".join(fmt(nodes[o].tangent) for o in node.operands if isinstance(o, int))
    values = [nodes[o].value if isinstance(o, int) else o for o in node.operands]
    terms = []
    for k, o in enumerate(node.operands):
        if isinstance(o, int):
            partial = OPS[node.op].partials[k]
            with np.errstate(all="ignore"):
                try:  # as the dual numbers did: IEEE results (inf, nan) instead of exceptions
                    d = partial(node.value, *values)
                except (ArithmeticError, ValueError):
                    d = ieee(partial, node.value, *values)
            terms.append(f"{fmt(d)}·{fmt(nodes[o].tangent)}"
                         + slot_label(node.operands, k).replace(" operand", ""))
    return " + ".join(terms)


def coordinate_name(i: int, array_input: bool, problem: Problem | None = None) -> str:
    """x2 for a separate argument, x1[1] for element 1 of one array argument, the component's
    own name (``W[1, 0]``, ``b[2]``) for a structured point."""
    if problem is not None and problem.kind == "tree":
        return problem.component_name(i)
    return f"{node_name(0)}[{i}]" if array_input else node_name(i)


def _seed_text(direction: int, n: int, array_input: bool, problem: Problem | None = None) -> str:
    if problem is not None and problem.kind == "tree":
        leaf = problem.structure.leaf_of(direction)
        j = problem.leaves.index(leaf)
        own = (f"{tangent_name(j)} = 1" if not leaf.shape else
               f"{tangent_name(j)} = 1 at {problem.component_name(direction)} and 0 elsewhere "
               f"in {leaf.name}")
        return "; ".join([own] + [f"{tangent_name(m)} = 0" for m in range(len(problem.leaves))
                                  if m != j])
    if array_input:
        return f"{tangent_name(0)} = e{direction} (1 in element {direction}, 0 elsewhere)"
    return ", ".join(f"{tangent_name(i)} = {1 if i == direction else 0}" for i in range(n))


def explain_forward(f, point, notation: str = "seed") -> Explanation:
    """Forward mode step by step: the tangent trace of every seed direction.
    ``notation="baydin"``: the primal and tangent traces as Baydin et al. (2018) Table 2."""
    if Names(notation).style == "baydin":
        from .baydin import explain_forward_baydin
        return explain_forward_baydin(f, point)
    passes = tangent_passes(f, point)
    problem = Problem(f, point)
    first = passes[0]
    n = len(passes)
    array_input = problem.kind == "array"
    gradient = np.array([p.derivative for p in passes], dtype=float)
    blocks = [Paragraph(
        "Forward mode carries a second number along with every value: its tangent, the "
        "derivative of that value along one chosen direction of the inputs. Seeding input "
        f"`xi` with tangent 1 and the others with 0 makes every tangent `ẋk` equal dxk/dxi, and "
        "each operation updates it by the chain rule from its operands' tangents, in the same "
        "pass that computes the value. The output's tangent is then df/dxi: one entry of the "
        f"gradient per pass, so {n} input{'s' if n != 1 else ''} take{'s' if n == 1 else ''} "
        f"{n} pass{'es' if n != 1 else ''}.")]
    found = scan(f, point)
    if found.stop is not None:
        blocks.append(Paragraph(found.stop))
        return Explanation("Forward mode", blocks, ForwardMode.name, first.value,
                           np.full(n, np.nan), passes)
    kink = kink_paragraph(found, "the dual numbers carry that convention's partials in their "
                          f"tangents, and the passes give the gradient {gradient_text(gradient)}")
    if kink is not None:
        blocks.append(kink)
    rows = [[node.name, "input" if node.op is None else
             operation_text(node.op, [operand_text(o) for o in _operand_names(node)]),
             point_num(node.value) if node.op is None else num(node.value),
             "seed" if node.op is None else tangent_rule(node)]
            for node in first.nodes]
    blocks += [Paragraph("**The tangent rules.** Node names as in reverse mode; the rule for "
                         "each tangent comes from the local partial derivatives of its "
                         "operation."),
               Table(["node", "operation", "value", "tangent rule"], rows)]
    for p in passes[:MAX_DETAILED_PASSES]:
        rows = [[node.name, num(node.value),
                 "seed" if node.op is None else tangent_arithmetic(node, p.nodes),
                 num(node.tangent)] for node in p.nodes]
        blocks += [Paragraph(f"**Pass {p.direction + 1}** seeds "
                             f"{_seed_text(p.direction, n, array_input, problem)} and ends "
                             f"with df/d{coordinate_name(p.direction, array_input, problem)} = "
                             f"{num(gradient[p.direction])}."),
                   Table(["node", "value", "tangent = partials·tangents", "tangent"], rows)]
    if n > MAX_DETAILED_PASSES:
        blocks.append(Paragraph(f"(The remaining {n - MAX_DETAILED_PASSES} passes work the same "
                                "way; their output tangents are below.)"))
    header = ["node", "value"] + [f"tangent, pass {p.direction + 1}" for p in passes[:8]]
    rows = [[first.nodes[k].name, num(first.nodes[k].value)]
            + [num(p.nodes[k].tangent) for p in passes[:8]] for k in range(len(first.nodes))]
    blocks += [Paragraph("All passes side by side: the values are recomputed identically in "
                         "every pass; only the tangents differ. The last row is the gradient."),
               Table(header, rows)]
    auto = differentiate(f, point, method=ForwardMode.name)
    one = differentiate(f, point, method=ForwardMode.name, chunk=1)
    k = auto.details.get("chunk", 1)
    blocks.append(Paragraph(
        f"**Gradient** = ({', '.join(num(g) for g in gradient)}). With one direction per pass "
        f"(`chunk=1`) the library also makes {one.passes} pass{'es' if one.passes != 1 else ''}"
        f" ({one.ops} operations in all). By default it carries a block of {k} direction"
        f"{'s' if k != 1 else ''} per pass -- each dual number holds {k} tangent"
        f"{'s' if k != 1 else ''} -- so the same gradient took {auto.passes} "
        f"pass{'es' if auto.passes != 1 else ''} ({auto.ops} operations, each updating "
        f"{plural(k, 'tangent')}). Blocking saves recomputing the values, not the tangent "
        "arithmetic: the work "
        "still grows with the number of inputs, which is what reverse mode avoids."))
    return Explanation("Forward mode", blocks, ForwardMode.name, first.value, gradient, passes)
