"""The Baydin view: forward and reverse traces in the notation of Baydin et al. (JMLR 2018).

Their Tables 2 and 3 name the inputs v₋₁, v₀ (v_{i-n} for n inputs), the operations v₁, v₂, ...
and write each trace as a column of assignments with the numbers put in, rounded to three
decimals: ``v₁ = ln v₋₁ = ln 2 = 0.693`` beside ``v̇₁ = v̇₋₁/v₋₁ = 1/2``, and the adjoint trace
``v̄₀ = v̄₀ + v̄₂·v₋₁ = -0.284 + 2 = 1.716``. Everything is read off the library's own recorded
forward passes and reverse tape (:mod:`.forward_trace`, :mod:`.reverse_trace`); this module only
writes it down. Their example, f = ln x1 + x1·x2 - sin x2 at (2, 5), written in the order of
their table (v3 = sin v0 before v4 = v1 + v2), reproduces both tables number for number.
"""

from __future__ import annotations

import numpy as np

from ..api import differentiate
from ..methods.forward import ForwardMode
from ..methods.reverse import ReverseMode
from .document import Explanation, Paragraph, Table
from .forward_trace import tangent_arithmetic, tangent_passes, tangent_rule
from .kinks import gradient_text, kink_paragraph, scan
from .notation import (
    Names,
    expr_text,
    local_partial_formula,
    num,
    operand_text,
    operation_text,
    slot_label,
)

MAX_PASSES = 4


def dec(v) -> str:
    """A number to three decimals as the paper prints them: 0.693, -0.959, 10, 5.5."""
    if np.ndim(v):
        return num(v, 4)
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _factor(v) -> str:
    text = dec(v)
    return f"({text})" if text.startswith("-") else text


def _primal(node, nodes, names: Names) -> str:
    """v₁ = log(v₋₁) = log(2) = 0.693; an input: v₋₁ = x1 = 2."""
    own = names.node(node.index)
    if node.op is None:
        return f"{own} = x{node.index + 1} = {dec(node.value)}"
    symbolic = operation_text(node.op, [operand_text(names.node(o)) if isinstance(o, int)
                                        else operand_text(o) for o in node.operands])
    numeric = operation_text(node.op, [_factor(nodes[o].value) if isinstance(o, int)
                                       else operand_text(o) for o in node.operands])
    text = f"{own} = {symbolic} = {numeric} = {dec(node.value)}"
    return text.replace(" * ", " × ")  # the paper's times sign


def _scalar(nodes) -> bool:
    return all(np.ndim(n.value) == 0 for n in nodes)


def _not_scalar(title, method, f, point) -> Explanation:
    r = differentiate(f, point, method=method)
    return Explanation(title, [Paragraph(
        "The Baydin view writes scalar traces; this f works on arrays, so see the default "
        f"notation. The gradient is {gradient_text(r.flat_gradient)}.")], method, r.value,
        r.flat_gradient, None)


def explain_forward_baydin(f, point) -> Explanation:
    """Table 2 of Baydin et al.: the forward primal trace beside the forward tangent trace,
    one table per seed direction."""
    title = "Forward mode (Baydin et al.'s Table 2)"
    passes = tangent_passes(f, point)
    first = passes[0]
    if not _scalar(first.nodes):
        return _not_scalar(title, ForwardMode.name, f, point)
    names = Names("baydin", first.n_inputs)
    gradient = np.array([p.derivative for p in passes], dtype=float)
    blocks = [Paragraph(
        "Forward mode, in the notation of Baydin et al. (2018), Table 2: the left column is "
        "the primal trace (each value from its operands), the right column the tangent trace "
        "(v̇ = dv/dxi, by the chain rule from the operands' tangents), evaluated in the same "
        "pass. Nodes are numbered in the order f ran its operations; numbers are rounded to "
        "three decimals, as in the paper.")]
    found = scan(f, point)
    if found.stop is not None:
        return Explanation(title, blocks + [Paragraph(found.stop)], ForwardMode.name,
                           first.value, np.full(len(passes), np.nan), passes)
    kink = kink_paragraph(found, "the tangents follow that convention, and the passes give "
                          f"the gradient {gradient_text(gradient)}")
    if kink is not None:
        blocks.append(kink)
    out = first.nodes[-1].index if len(first.nodes) > first.n_inputs else None
    for p in passes[:MAX_PASSES]:
        rows = []
        for node in p.nodes:
            if node.op is None:
                tangent = (f"{names.tangent(node.index)} = ẋ{node.index + 1} = "
                           f"{dec(node.tangent)}")
            else:
                tangent = (f"{names.tangent(node.index)} = {tangent_rule(node, names)} = "
                           f"{tangent_arithmetic(node, p.nodes, _factor)} = {dec(node.tangent)}")
            rows.append([_primal(node, p.nodes, names), tangent])
        if out is not None:
            rows.append([f"y = {names.node(out)} = {dec(p.value)}",
                         f"ẏ = {names.tangent(out)} = {dec(p.derivative)}"])
        seeds = ", ".join(f"ẋ{i + 1} = {1 if i == p.direction else 0}"
                          for i in range(first.n_inputs))
        blocks += [Paragraph(f"**Seed {seeds}**: the pass ends with ẏ = df/dx{p.direction + 1} "
                             f"= {dec(p.derivative)}."),
                   Table(["forward primal trace", f"forward tangent trace ({seeds})"], rows)]
    if len(passes) > MAX_PASSES:
        blocks.append(Paragraph(f"(The other {len(passes) - MAX_PASSES} passes work the same "
                                "way.)"))
    blocks.append(Paragraph(f"**Gradient** = {gradient_text(gradient)}, one entry per pass."))
    return Explanation(title, blocks, ForwardMode.name, first.value, gradient, passes)


def _adjoint_factor(partial, adjoint: str) -> str:
    """v̄₂·v₋₁, v̄₅·(-1), v̄₁/v₋₁: an adjoint times a local partial, as the paper writes it."""
    if partial.is_Pow and partial.args[1] == -1 and partial.args[0].is_Symbol:
        return f"{adjoint}/{partial.args[0]}"
    text = expr_text(partial)
    simple = partial.is_Symbol or partial.is_Function or (partial.is_Number and partial >= 0)
    return f"{adjoint}·{text if simple else '(' + text + ')'}"


def explain_reverse_baydin(f, point, walk) -> Explanation:
    """Table 3 of Baydin et al.: the forward primal trace beside the reverse adjoint trace,
    each adjoint row in the order the backward sweep made it."""
    title = "Reverse mode (Baydin et al.'s Table 3)"
    if not _scalar(walk.nodes) or any(n.is_linear_primitive for n in walk.nodes):
        return _not_scalar(title, ReverseMode.name, f, point)
    names = Names("baydin", walk.n_inputs)
    blocks = [Paragraph(
        "Reverse mode, in the notation of Baydin et al. (2018), Table 3: the forward primal "
        "trace on the left, then the adjoint trace v̄ = df/dv on the right, from ȳ = 1 at the "
        "output back to the inputs; a node that feeds several operations has its adjoint "
        "updated once per use (v̄ = v̄ + ...). Nodes are numbered in the order f ran its "
        "operations; numbers are rounded to three decimals, as in the paper.")]
    primal = [_primal(n, walk.nodes, names) for n in walk.nodes]
    if walk.output is None:
        blocks += [Table(["forward primal trace"], [[p] for p in primal]),
                   Paragraph("f does not use its inputs: every adjoint is 0.")]
        return Explanation(title, blocks, ReverseMode.name, walk.value, walk.gradient, walk)
    primal.append(f"y = {names.node(walk.output)} = {dec(walk.value)}")
    found = scan(f, point)
    if found.stop is not None:
        blocks += [Table(["forward primal trace"], [[p] for p in primal]),
                   Paragraph(found.stop)]
        return Explanation(title, blocks, ReverseMode.name, walk.value,
                           np.full(len(walk.gradient), np.nan), walk)
    kink = kink_paragraph(found, "the tape stores that convention's partials, and the sweep "
                          f"gives the gradient {gradient_text(walk.gradient)}")
    if kink is not None:
        blocks.append(kink)
    adjoint = [f"{names.adjoint(walk.output)} = ȳ = 1"]
    running: dict = {}
    slots: dict = {}
    for s in walk.steps:
        record = walk.nodes[s.out]
        seen = slots.get((s.out, s.into), 0)
        slots[(s.out, s.into)] = seen + 1
        position = [p for p, o in record.node_operands if o == s.into][seen]
        operands = [names.node(o) if isinstance(o, int) else o for o in record.operands]
        partial = local_partial_formula(record.op, operands, position)
        term = _adjoint_factor(partial, names.adjoint(s.out)) + \
            slot_label(record.operands, position).replace(" operand", "")
        into = names.adjoint(s.into)
        product = s.partial * s.adjoint_out
        if s.into in running:
            adjoint.append(f"{into} = {into} + {term} = {dec(running[s.into])} + "
                           f"{_factor(product)} = {dec(s.total)}")
        else:
            adjoint.append(f"{into} = {term} = {dec(s.total)}")
        running[s.into] = s.total
    adjoint += [f"x̄{i + 1} = {names.adjoint(i)} = {dec(walk.gradient[i])}"
                for i in range(walk.n_inputs)]
    height = max(len(primal), len(adjoint))
    rows = [[primal[k] if k < len(primal) else "", adjoint[k] if k < len(adjoint) else ""]
            for k in range(height)]
    blocks += [Table(["forward primal trace", "reverse adjoint (derivative) trace"], rows),
               Paragraph(f"**Gradient** = {gradient_text(walk.gradient)}, read off the "
                         "adjoints of the inputs after one forward and one backward pass.")]
    return Explanation(title, blocks, ReverseMode.name, walk.value, walk.gradient, walk)
