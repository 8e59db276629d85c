"""How the lessons write things down: node names, numbers, operations and local partials.

Every step-by-step explanation names the nodes of a computation the way the classic walk-through
does: the inputs are x1, x2, ..., xn and every operation result continues the numbering, so for
f(x1, x2, x3) = 3*(x1**2 + x2*x3) the intermediate values are x4 = x1**2, x5 = x2*x3,
x6 = x4 + x5 and x7 = 3*x6. Internally the tape counts nodes from 0; only this module turns an
index into a name, so the off-by-one lives in one place.

>>> node_name(3)
'x4'
>>> operation_text("multiply", ["x2", "x3"])
'x2 * x3'
>>> str(local_partial_formula("multiply", ["x2", "x3"], 1))
'x2'
>>> num(48.0), num(0.1 + 0.2)
('48', '0.3')
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import sympy

from ..ops import OPS

ADJOINT = "\u0304"  # combining macron: x̄4 is the adjoint of x4, i.e. df/dx4


def node_name(index: int) -> str:
    """The learner's name of node ``index`` (0-based on the tape, 1-based on the page)."""
    return f"x{index + 1}"


def adjoint_name(index: int) -> str:
    """x̄k: the adjoint df/dxk that the backward pass accumulates for node k."""
    return f"x{ADJOINT}{index + 1}"


def tangent_name(index: int) -> str:
    """ẋk: the tangent dxk/dt that forward mode carries along one seed direction."""
    return f"x\u0307{index + 1}"


def plural(n, word: str, many: str | None = None) -> str:
    """``n`` and the word, in the plural unless n is 1: plural(1, "call") is "1 call",
    plural(3, "pass", "passes") is "3 passes"."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def num(v, digits: int = 10) -> str:
    """A number as a person would write it: integers without ".0", others to ``digits``
    significant digits, arrays as short bracketed lists."""
    if isinstance(v, np.ndarray):
        flat = v.reshape(-1)
        items = [num(x, digits) for x in flat[:8]]
        if flat.size > 8:
            items.append(f"... ({flat.size} values)")
        return "[" + ", ".join(items) + "]"
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(int(v))
    v = float(v)
    if not math.isfinite(v):
        return str(v)  # nan, inf, -inf: IEEE results outside a function's domain
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.{digits}g}"


def factor(v) -> str:
    """A number as a factor in a product: negative ones in parentheses, 3·(-0.5)."""
    text = num(v)
    return f"({text})" if text.startswith("-") else text


def full(v) -> str:
    """A float with every digit it carries (the shortest text that reads back the same
    number): what finite differences need, since the digits are the story there."""
    return repr(float(v))


def operand_text(operand) -> str:
    """A node (its name) or a constant (its value, negative ones in parentheses); a constant
    array of more than four numbers is named by its shape, so formulas stay readable."""
    if isinstance(operand, str):
        return operand
    if np.ndim(operand) > 0 and np.size(operand) > 4:
        return "const" + "×".join(map(str, np.shape(operand))).join("[]")
    text = num(operand)
    return f"({text})" if text.startswith("-") else text


def operation_text(op_name: str, operands) -> str:
    """``x2 * x3``, ``-x1``, ``sin(x1)`` or ``sum(x2)``: the operation as it would be typed.
    ``operands`` are display strings (node names or constants)."""
    row = OPS.get(op_name)
    if row is not None and row.symbol and len(operands) == 2:
        return f"{operands[0]} {row.symbol} {operands[1]}"
    if row is not None and row.symbol and len(operands) == 1:
        return f"{row.symbol}{operands[0]}"
    return f"{op_name}({', '.join(operands)})"


def _sympy_operand(operand):
    if isinstance(operand, str):
        return sympy.Symbol(operand, real=True)
    if np.ndim(operand) > 0:  # a constant array: a symbol that prints as the array (or shape)
        return sympy.Symbol(operand_text(operand), real=True)
    v = float(operand)
    if not math.isfinite(v):
        return sympy.nan if math.isnan(v) else sympy.oo if v > 0 else -sympy.oo
    return sympy.Integer(int(v)) if v == int(v) and abs(v) < 1e15 else sympy.Float(v, 15)


def local_partial_formula(op_name: str, operands, k: int):
    """d(out)/d(operand k) of one operation as a sympy expression in the operands' names.

    ``operands`` are node names (str) or constants. Each operand gets its own slot symbol while
    differentiating, so x1 * x1 has two local partials, x1 and x1, one per operand (not one
    partial 2*x1): that is how a tape sees it, and why such a node sends two contributions back.
    The formula comes from the operation table's sympy column, the same row whose numeric
    partials the tape uses.
    """
    row = OPS[op_name]
    slots = [sympy.Symbol(f"_slot{j}", real=True) for j in range(len(operands))]
    args = [slots[j] if isinstance(o, str) else _sympy_operand(o)
            for j, o in enumerate(operands)]
    derivative = sympy.diff(row.sympy(*args), slots[k])
    return derivative.subs({slots[j]: _sympy_operand(o)
                            for j, o in enumerate(operands) if isinstance(o, str)})


def expr_text(expr) -> str:
    """A sympy expression as text, constants at their natural precision (the tracer keeps 17
    digits, which would print 0.5 as 0.50000000000000000)."""
    return sympy.sstr(expr, full_prec=False)


def input_names(f, n: int) -> list[str]:
    """The names of f's positional parameters when there are n of them, else x1..xn: used to
    say "x1 is the argument you called x" when they differ."""
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return params if len(params) == n else [node_name(i) for i in range(n)]
