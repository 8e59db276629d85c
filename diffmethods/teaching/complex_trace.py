"""Complex step, step by step: f evaluated on complex numbers, and why nothing cancels.

The complex-step method runs f once per coordinate on x + i h e_i. Here f runs on the method's
own complex values (:class:`~diffmethods.methods.complex_step.Complex`), in a subclass that
also writes down every elementary operation, so the table shows, for the first coordinate,
the real part (f's own value at each node) and the imaginary part over h (that node's
derivative) exactly as the method computed them. For f = x1**2 at x1 = 2 with h = 1e-20 the
square is 4 + 4e-20 i: Re = 4 = f, Im/h = 4 = df/dx1.
"""

from __future__ import annotations

import numpy as np

from ..api import differentiate
from ..methods.complex_step import DEFAULT_STEP, Complex, ComplexPass, ComplexStep
from ..points import Problem
from .document import Explanation, Paragraph, Table, code
from ..ops import OPS
from .kinks import gradient_text, kink_paragraph, scan
from .notation import Names, coordinate_names, num, operand_text, operation_text


def not_analytic(name: str) -> bool:
    """Rows with no complex derivative: the piecewise rows of the operation table (those with
    a kink). The method follows a convention there (the real part decides), which is right
    away from their kinks and a choice at them."""
    return name in OPS and OPS[name].kink is not None

MAX_ROWS = 60


class _Log(ComplexPass):
    __slots__ = ("rows", "inputs")

    def __init__(self, step, inputs: int = 0):
        super().__init__(step)
        self.rows = []
        self.inputs = inputs


class _Node:
    """An operand that is a node of the pass (its 0-based index), not a constant."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


class RecordedComplex(Complex):
    """A :class:`Complex` that writes (operation, operands, result) to its pass's log; each
    value knows its node (0-based, inputs first), so a row can say ``x1 ** 2``."""

    __slots__ = ("node",)

    def __init__(self, value, trace, node: int | None = None):
        super().__init__(value, trace)
        self.node = node

    @classmethod
    def _record(cls, name, args, out):
        trace = out.trace
        operands = [_Node(a.node) if isinstance(a, RecordedComplex) else a for a in args]
        out = cls(out.value, trace, trace.inputs + len(trace.rows))
        trace.rows.append((name, operands, out.value))
        return out

    @classmethod
    def _elementwise(cls, op, args):
        return cls._record(op.name, args, super()._elementwise(op, args))

    @classmethod
    def _linear(cls, prim, args, params):
        return cls._record(prim.name, args, super()._linear(prim, args, params))

    @classmethod
    def _primitive(cls, prim, args, params):
        return cls._record(prim.name, args, super()._primitive(prim, args, params))


def record_pass(f, point, coordinate: int = 0, step: float = DEFAULT_STEP):
    """The complex values of one pass, coordinate ``coordinate`` stepped by i·step:
    (inputs, [(operation, operands, value), ...], pass); an operand is a :class:`_Node`, or
    the constant itself."""
    problem = Problem(f, point)
    x = problem.x.astype(complex)
    x.imag[coordinate] = step
    leaves = problem.structure.split(x)
    trace = _Log(step, len(leaves))
    problem([RecordedComplex(v, trace, k) for k, v in enumerate(leaves)])
    return x, trace.rows, trace


def _complex_text(z) -> str:
    z = complex(np.asarray(z).reshape(-1)[0]) if np.size(z) else complex(np.nan)
    return f"{num(z.real)} {'-' if z.imag < 0 else '+'} {abs(z.imag):.6g}i"


def explain_complex_step(f, point, step: float = DEFAULT_STEP,
                         notation: str = "seed") -> Explanation:
    """The complex-step method step by step: the complex value of every operation along the
    first coordinate, Im f / h for each coordinate, and where the method cannot be trusted."""
    with np.errstate(all="ignore"):
        r = differentiate(f, point, method=ComplexStep.name, step=step)
    h = r.details.get("step", step)
    x, rows, trace = record_pass(f, point, 0, h)
    blocks = [Paragraph(
        "The complex step moves one input off the real line: x1 becomes x1 + ih with a tiny "
        f"imaginary step h = {num(h)}. Taylor's series along the imaginary axis gives "
        "`f(x + ih) = f(x) + ih·f'(x) - h²·f''(x)/2 - ...`, so the real part is f itself and "
        "`Im f(x + ih) / h = f'(x) - h²·f'''(x)/6 + ...`: the derivative, with an error far "
        "below rounding for such an h. No two nearly equal numbers are subtracted (finite "
        "differences lose digits exactly there), so h can be as small as we like.")]
    found = scan(f, point)
    if found.stop is not None:
        blocks.append(Paragraph(found.stop))
        return Explanation("Complex step", blocks, ComplexStep.name, float(r.value),
                           np.full(len(r.flat_gradient), np.nan), [])
    inputs = np.asarray(x).reshape(-1)
    name = Names(notation, len(inputs)).node  # x1, x2, ... or Baydin's v₋₁, v₀, ...
    table = [[name(k), "input", _complex_text(v), num(v.imag / h)]
             for k, v in enumerate(inputs)]
    start = len(table)
    for k, (op, operands, value) in enumerate(rows[:MAX_ROWS]):
        z = complex(np.asarray(value).reshape(-1)[0])
        typed = operation_text(op, [name(a.index) if isinstance(a, _Node) else operand_text(a)
                                    for a in operands])
        table.append([name(start + k), typed, _complex_text(value), num(z.imag / h)])
    blocks += [Paragraph(f"**The pass for x1.** Every operation of f evaluated on complex "
                         f"numbers ({trace.ops} operations); the real part is the ordinary "
                         "value, the imaginary part over h is that node's derivative with "
                         "respect to x1:"),
               Table(["node", "operation", "complex value", "Im / h"], table)]
    if len(rows) > MAX_ROWS:
        blocks.append(Paragraph(f"(... {len(rows) - MAX_ROWS} more operations, left out)"))
    grad = r.flat_gradient
    names = coordinate_names(Problem(f, point))
    blocks.append(Table(["derivative", "Im f(x + ih·e_i) / h"],
                        [[f"df/d{names[i]}", num(g)] for i, g in enumerate(grad)]))
    kink = kink_paragraph(found, "that operation is not analytic, so Im f(x + ih)/h is no "
                          "derivative at all; the method evaluates it on the real part's "
                          "side (abs(z) as z·sign(Re z), max and min by the larger real "
                          f"part) and gives "
                          f"{gradient_text(grad)}: the library's convention, not a slope")
    if kink is not None:
        blocks.append(kink)
    used = sorted({op for op, _, _ in rows if not_analytic(op)})
    if used:
        blocks.append(Paragraph(
            f"**Caution.** f uses {', '.join(code(u) for u in used)}, which have no complex "
            "derivative. The method follows a convention (the real part decides the sign or "
            "the larger operand), right away from their kinks and a choice at them."))
    blocks.append(Paragraph(
        f"**Gradient** = ({', '.join(num(g) for g in grad)}) from {r.f_calls} "
        f"evaluation{'s' if r.f_calls != 1 else ''} of f, one per coordinate. It needs code "
        "that accepts complex numbers and is analytic: abs, max, comparisons and branches, "
        "or a conjugate, break the Taylor argument."))
    return Explanation("Complex step", blocks, ComplexStep.name, float(r.value), grad, rows)
