"""Symbolic differentiation, step by step: the expression, its derivatives, their sizes.

Everything comes from :func:`diffmethods.symbolic_gradient`: the expression ``f`` traced into
sympy, ``sympy.diff`` of it with respect to each input, and the common-subexpression
elimination the compiled code actually evaluates. This module only adds a simplified form of
each derivative (to show what "before and after simplification" means) and the sizes, counted
with ``sympy.count_ops``.
"""

from __future__ import annotations

import numpy as np
import sympy

from ..api import differentiate
from ..methods.reverse import ReverseMode
from ..methods.symbolic import SymbolicMethod, symbolic_gradient
from ..points import Problem
from .document import Explanation, Formula, Paragraph, Table
from .kinks import gradient_text, kink_paragraph, scan
from .notation import coordinate_names, expr_text, num

MAX_SIMPLIFY_OPS = 200  # sympy.simplify is slow on large expressions: skip beyond this size


def simplified(expr):
    """``sympy.simplify(expr)``, or None when the expression is too large to try quickly."""
    if sympy.count_ops(expr) > MAX_SIMPLIFY_OPS:
        return None
    try:
        return sympy.simplify(expr)
    except RecursionError:  # sympy's polynomial code recurses deeply on some expressions
        return None


def readable_cse(sg):
    """The CSE form of the compiled code with its temporaries renamed t1, t2, ... (sympy calls
    them x0, x1, ..., which would read like the inputs)."""
    replacements, reduced = sg.cse
    taken = {str(s) for s in sg.symbols}
    prefix = "t" if not any(n.startswith("t") for n in taken) else "tmp"
    rename = {old: sympy.Symbol(f"{prefix}{k + 1}") for k, (old, _) in enumerate(replacements)}
    return ([(rename[old], new.xreplace(rename)) for old, new in replacements],
            [r.xreplace(rename) for r in reduced])


def _ops(expr) -> int:
    return int(sympy.count_ops(expr))


def explain_symbolic(f, point) -> Explanation:
    """The symbolic method step by step: trace, differentiate, simplify, share (CSE)."""
    problem = Problem(f, point)
    sg = symbolic_gradient(f, point)
    value, gradient = sg(problem.x)
    symbols = [sympy.Symbol(name, real=True) for name in coordinate_names(problem)]
    rename = dict(zip(sg.symbols, symbols))  # the names every section uses: x1, x2, ...
    expression = sg.expression.xreplace(rename)
    names = ", ".join(str(s) for s in symbols)
    blocks = [Paragraph(
        "The symbolic method runs f once on sympy symbols instead of numbers, so every "
        "operation builds a piece of a formula rather than computing a value. The result is "
        f"the expression of f in the symbols {names}; sympy then differentiates it with the "
        "rules of calculus, and the derivatives are compiled into ordinary numeric code."),
        Formula([f"f = {expr_text(expression)}"]),
        Paragraph(f"sympy keeps its expressions in a canonical form, so this may differ from "
                  f"the way f is written (constant factors are multiplied into sums, for "
                  f"instance). Its size is {_ops(sg.expression)} operations "
                  "(`sympy.count_ops`).")]
    found = scan(f, point)
    if found.stop is not None:
        blocks.append(Paragraph(found.stop))
        return Explanation("Symbolic differentiation", blocks, SymbolicMethod.name,
                           float("nan"), np.full(len(symbols), np.nan), sg)
    kink = kink_paragraph(found, "sympy's derivative, evaluated at the kink, follows it "
                          "(its sign(0) = 0 and Heaviside(0) = 1/2): "
                          + gradient_text(gradient))
    if kink is not None:
        blocks.append(kink)
    rows = []
    for s, g, v in zip(symbols, sg.gradient, gradient):
        g = g.xreplace(rename)
        simple = simplified(g)
        rows.append([f"df/d{s}", expr_text(g), _ops(g),
                     "(too large to try)" if simple is None else
                     ("(unchanged)" if simple == g else expr_text(simple)),
                     "" if simple is None else _ops(simple), num(v)])
    blocks += [Paragraph("**The derivatives**, as `sympy.diff` returns them and after "
                         "`sympy.simplify`, with their sizes and their values at the point "
                         "(from the compiled code):"),
               Table(["derivative", "sympy.diff", "ops", "simplified", "ops", "value"], rows)]
    replacements, reduced = readable_cse(sg)
    replacements = [(t, e.xreplace(rename)) for t, e in replacements]
    reduced = [r.xreplace(rename) for r in reduced]
    lines = [f"{t} = {expr_text(e)}" for t, e in replacements]
    lines += [f"f = {expr_text(reduced[0])}"] + [f"df/d{s} = {expr_text(e)}"
                                                 for s, e in zip(symbols, reduced[1:])]
    blocks += [Paragraph(
        "**Common subexpressions.** Written out separately, the value and the derivatives "
        f"take {sg.ops} operations. Derivatives repeat pieces of f and of each other; "
        "common-subexpression elimination computes each repeated piece once, as a temporary, "
        f"and the compiled code evaluates {sg.ops_cse} operations:"), Formula(lines)]
    if not replacements:
        blocks.append(Paragraph("(Nothing is repeated here, so there are no temporaries.)"))
    blocks.append(Paragraph(
        f"**Gradient** = ({', '.join(num(g) for g in gradient)}), f = {num(value)}. The "
        "derivation (one run of f on symbols, `sympy.diff`, compilation) is done once per "
        "function and cached; every later gradient only runs the compiled code. The catch is "
        "size: formulas can grow much faster than the program that computes them (expression "
        "swell)."))
    return Explanation("Symbolic differentiation", blocks, SymbolicMethod.name, float(value),
                       np.asarray(gradient, float), sg)


def nested(depth: int):
    """u <- u * sin(u), ``depth`` times: a small program whose formula doubles at each step."""
    def f(x):
        u = x
        for _ in range(depth):
            u = u * np.sin(u)
        return u
    f.__name__ = f"nested{depth}"
    return f


def expression_swell(depths=range(1, 7), point: float = 0.7) -> Table:
    """The sizes of f, of df/dx and of their CSE form for :func:`nested` at growing depth, next
    to the operations reverse mode records for the same program."""
    rows = []
    for depth in depths:
        f = nested(depth)
        sg = symbolic_gradient(f, point)
        tape = differentiate(f, point, method=ReverseMode.name)
        rows.append([depth, _ops(sg.expression), _ops(sg.gradient[0]), sg.ops, sg.ops_cse,
                     tape.ops])
    return Table(["depth", "ops of f", "ops of df/dx", "f and df/dx", "after CSE",
                  "reverse-mode tape"], rows)
