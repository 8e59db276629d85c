"""The tape and its generated program, side by side (``diffmethods explain --program``).

Reverse mode's tape and the compiled method's adjoint program are the same chain rule in two
forms: records the sweep interprets, and lines Python runs. This puts each line next to the
record it was written from -- the forward lines beside the tape's records, each adjoint line
beside the sweep step it replaces -- with the value the line computes at the point (the
program run one statement at a time) next to the tape's number, so the two can be checked
against each other by eye.

>>> e = explain_program_beside_tape(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2, 3, 4))
>>> e.data["backward"][1][3:]
['x6_bar = 3 * x7_bar', '3']
"""

from __future__ import annotations

import numpy as np

from ..methods.compiled import CompiledMethod
from ..points import Problem
from ..program import BranchChanged
from ..program import compile as compile_program
from .document import Explanation, Formula, Paragraph, Table
from .notation import adjoint_name, factor, node_name, num
from .reverse_trace import abridged, walk_reverse

RUN_LINES = 400  # a longer program is shown without running it statement by statement
NO_LINE = "(no line: a repeat, a folded constant or off every path to f)"


def explain_program_beside_tape(f, point) -> Explanation:
    """The reverse-mode tape of f at the point, with the compiled program's lines beside it."""
    walk = walk_reverse(f, point)
    program = compile_program(f, point)
    primal, adjoint = program.origins
    values = _run_statements(program, point, primal, adjoint)

    def shown(k):
        return "" if values is None or values[k] is None else num(values[k])
    forward = []
    by_record: dict = {}
    for j, (node, line) in enumerate(primal):
        by_record.setdefault(node, []).append((j, line))
    for j, line in by_record.pop(None, []):
        forward.append(["", "", line, shown(j)])
    for n in walk.nodes[:walk.n_inputs]:
        forward.append([f"{n.name} (input)", num(n.value), f"(argument {n.name})", ""])
    for n in walk.operations:
        lines = by_record.get(n.index, [])
        first = [f"{n.name} = {n.formula()}", num(n.value)]
        if not lines:
            forward.append(first + [NO_LINE, ""])
        for i, (j, line) in enumerate(lines):
            forward.append((first if i == 0 else ["", ""]) + [line, shown(j)])

    backward = []
    offset = len(primal)
    lines_from: dict = {}
    for j, (record, into, line) in enumerate(adjoint):
        lines_from.setdefault(record, []).append((j, into, line))
    steps_of: dict = {}
    for s in walk.steps:
        steps_of.setdefault(s.out, []).append(s)
    gathered = lines_from.get(None, [])
    if walk.output is not None:
        for j, into, line in lines_from.get(walk.output, []):
            if into == walk.output:  # the seed
                seed = f"{adjoint_name(walk.output)} = 1 (the seed)"
                backward.append([node_name(walk.output), seed, "", line, shown(offset + j)])
    for n in reversed(walk.operations):
        lines = [x for x in lines_from.get(n.index, []) if x[1] != n.index]
        for s in steps_of.get(n.index, []):
            match = next((x for x in lines if s.into is None or x[1] == s.into), None)
            if match is not None:
                lines.remove(match)
            if s.into is None:
                step, adds = f"transpose of {n.op} into its operands", ""
            else:
                step = (f"{adjoint_name(s.into)} += ∂{n.name}/∂{node_name(s.into)}"
                        f"·{adjoint_name(n.index)}")
                adds = (f"{factor(s.partial)}·{factor(s.adjoint_out)} = "
                        f"{num(s.partial * s.adjoint_out)}")
            missing = "(gathered below)" if s.into is None and gathered else \
                "(no line: the partial is 0)"
            backward.append([n.name, step, adds, match[2] if match else missing,
                             shown(offset + match[0]) if match else ""])
        backward += [["", "", "", line, shown(offset + j)] for j, _, line in lines]
    backward += [["", "(the input's elements gathered)", "", line, shown(offset + j)]
                 for j, _, line in lines_from.get(None, [])]

    run_note = ("The last column is the value each line computes at the point (the program "
                "run one statement at a time; for `+=` the adjoint so far)."
                if values is not None else
                f"(The program has more than {RUN_LINES} lines, so it is not run line by line "
                "here; its result is below.)")
    ran = program.run(Problem(f, point, CompiledMethod.name))
    value, flat = ran.value, ran.flat_gradient
    same = np.allclose(flat, walk.gradient, rtol=1e-12, atol=0) and \
        np.isclose(value, walk.value, rtol=1e-12)
    blocks = [
        Paragraph("The same chain rule twice: on the left the tape reverse mode records and "
                  "sweeps at every call, on the right the lines the compiled method wrote from "
                  "one such recording (`dm.compile(f, point).source`). Each program line sits "
                  "next to the record it was written from. " + run_note),
        Paragraph("**Forward: the tape's records and the primal lines.**"),
        *abridged(Table(["tape record", "value", "program line", "line gives"], forward)),
        Paragraph("**Backward: the sweep's steps and the adjoint lines.** Where the sweep "
                  "adds a partial times an adjoint into another adjoint, the program has one "
                  "line doing the same with names; a partial of 1 passes the adjoint on "
                  "unchanged, and a second contribution to one adjoint is written `+=`."),
        *abridged(Table(["record", "tape step", "partial·adjoint", "program line",
                         "line gives"], backward)),
        Paragraph(f"The program returns f = {num(value)} and the gradient "
                  f"({', '.join(num(g) for g in flat)}); the tape's sweep gave "
                  f"({', '.join(num(g) for g in walk.gradient)})" +
                  (": the same numbers." if same else ": they differ, which is a bug of the "
                   "compiled method (please report it).")),
    ]
    return Explanation("The tape and its program, side by side", blocks, CompiledMethod.name,
                       float(value), flat,
                       {"forward": forward, "backward": backward, "program": program})


def _run_statements(program, point, primal, adjoint):
    """The value of the name each program line assigns, right after that line (None for a
    guard or a scatter): the generated function's body run one statement at a time -- our
    own generated code, never a user's text. None for a long program or a point that is not
    numbers or 1-D arrays."""
    args = list(point) if isinstance(point, (tuple, list)) else [point]
    if len(primal) + len(adjoint) > RUN_LINES or not all(
            np.ndim(a) <= 1 and not isinstance(a, (dict, list, tuple)) for a in args):
        return None
    scope = {"np": np, "BranchChanged": BranchChanged, **program.constants}
    for i, a in enumerate(args):
        scope[node_name(i)] = np.array(a, dtype=float) if np.ndim(a) else float(a)
        if np.ndim(a) == 1:
            scope[f"{node_name(i)}_items"] = scope[node_name(i)].tolist()
    lines = [line for _, line in primal] + [line for _, _, line in adjoint]
    values = [None] * len(lines)
    k = 0
    while k < len(lines):
        line, end = lines[k], k + 1
        while end < len(lines) and lines[end].startswith(" "):  # a guard's `raise`
            end += 1
        statement = compile("\n".join(lines[k:end]), "<the generated program>", "exec")
        exec(statement, scope)  # noqa: S102 (lines we generated, never a user's text)
        head = line.split(" ", 1)[0]
        if end == k + 1 and head.isidentifier():
            v = scope.get(head)
            values[k] = np.array(v) if isinstance(v, np.ndarray) else v  # (a later += writes
            # into the same array)
        k = end
    return values


def same_derivative_as_code(f, point, other) -> list:
    """Blocks comparing three forms of one gradient: the tape (numbers recorded at the point),
    the adjoint program written from it (names: it runs at any point on the same branches)
    and the symbolic method's CSE code (a formula for every point). ``other``: a second point,
    where the program and the symbolic code are run again."""
    from ..methods.symbolic import symbolic_gradient
    from .notation import expr_text
    from .symbolic_trace import readable_cse
    walk = walk_reverse(f, point)
    program = compile_program(f, point)
    sg = symbolic_gradient(f, point)
    records = []
    for n in walk.operations:
        partials = ", ".join(f"∂{n.name}/∂{node_name(o)} = {num(d)}"
                             for (_, o), d in zip(n.node_operands, n.partials))
        records.append([n.name, n.formula(), num(n.value), partials])
    lines = program.function_source.rstrip("\n").splitlines()
    replacements, reduced = readable_cse(sg)
    cse = [f"{t} = {expr_text(e)}" for t, e in replacements]
    cse += [f"f = {expr_text(reduced[0])}"] + [f"df/d{s} = {expr_text(e)}"
                                               for s, e in zip(sg.symbols, reduced[1:])]
    _, at_other = program(*other)
    by_formula = sg.compiled(np.array(other, dtype=float))[1:]
    adjoint_lines = len(program.origins[1])
    where = ", ".join(num(v) for v in other)
    return [
        Paragraph("Three forms of the same gradient, side by side. **The tape** is what reverse "
                  "mode records at every call: each operation with its value and its local "
                  "partials *as numbers*, valid at this point only."),
        Table(["record", "operation", "value", "local partials stored"], records),
        Paragraph(f"**The adjoint program** is what the compiled method writes from one such "
                  f"recording (`dm.compile(f, point).source`): the {len(records)} primal lines "
                  f"and {adjoint_lines} adjoint lines, with names where the tape has numbers, "
                  "so it runs at any point where f takes the same branches:"),
        Formula(lines),
        Paragraph(f"**The symbolic method's code** is one formula for every point, derived "
                  f"from f read as an expression and shared by common-subexpression "
                  f"elimination before `sympy.lambdify` compiles it ({sg.ops_cse} operations):"),
        Formula(cse),
        Paragraph(f"At another point, ({where}), the program gives "
                  f"({', '.join(num(g) for g in at_other)}) and the symbolic code "
                  f"({', '.join(num(g) for g in by_formula)}) -- without recording f again. "
                  "The tape would have to be recorded again. The program is the chain rule "
                  "written in the order the computation ran (source transformation, as "
                  "Tapenade does it); the symbolic code is the derivative rebuilt as a formula, "
                  "then factored. For a loop or a branch the program keeps the loop's unrolled "
                  "lines and a guard per decision; the formula has no branches at all, so it "
                  "needs f to be one expression."),
    ]
