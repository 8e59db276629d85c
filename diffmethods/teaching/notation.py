"""How the lessons write things down: node names, numbers, operations and local partials.

Every step-by-step explanation names the nodes of a computation the way the classic walk-through
does: the inputs are x1, x2, ..., xn and every operation result continues the numbering, so for
f(x1, x2, x3) = 3*(x1**2 + x2*x3) the intermediate values are x4 = x1**2, x5 = x2*x3,
x6 = x4 + x5 and x7 = 3*x6. Internally the tape counts nodes from 0; only this module turns an
index into a name, so the off-by-one lives in one place.

One naming scheme holds across every method of one explanation: the inputs are x1..xn in every
section (manual and symbolic too), and one line at the top says which of f's own arguments each
one is (:func:`mapping_text`). A 1-D array point is node x1 with coordinates x1[0], x1[1], ...;
a structured point keeps its components' names (``p['W'][0, 1]``). ``--notation baydin`` renames
the nodes as Baydin et al. (2018) do (:class:`Names`): inputs v₋₁, v₀, operations v₁, v₂, ...

The numbers of the point and the constants of f are shown as π and e where they are those
floats (:func:`point_num`): ``--at pi/2,e`` reads (π/2, e).

>>> node_name(3)
'x4'
>>> operation_text("multiply", ["x2", "x3"])
'x2 * x3'
>>> str(local_partial_formula("multiply", ["x2", "x3"], 1))
'x2'
>>> num(48.0), num(0.1 + 0.2)
('48', '0.3')
>>> point_num(math.pi / 2), point_num(-math.e), point_num(1.5)
('π/2', '-e', '1.5')
"""

from __future__ import annotations

import inspect
import math
import re

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


SUBSCRIPT = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
DOT = "\u0307"  # combining dot above: v̇ is a tangent


class Names:
    """How nodes are named: ``"seed"`` (x1, x2, ... as in the seed post) or ``"baydin"``
    (Baydin et al., JMLR 2018, Tables 2-3: inputs v₋₁, v₀ for two inputs -- v_{i-n} for n
    inputs -- and the operations v₁, v₂, ...).

    >>> b = Names("baydin", 2)
    >>> b.node(0), b.node(1), b.node(2), b.adjoint(1), b.tangent(0)
    ('v₋₁', 'v₀', 'v₁', 'v̄₀', 'v̇₋₁')
    >>> Names("seed", 2).node(2)
    'x3'
    """

    STYLES = ("seed", "baydin")

    def __init__(self, style: str = "seed", n_inputs: int = 0):
        if style not in self.STYLES:
            from ..errors import OptionError
            raise OptionError(f"unknown notation {style!r}; choose one of "
                              f"{', '.join(self.STYLES)}")
        self.style, self.n_inputs = style, n_inputs

    def _index(self, index: int) -> str:
        return str(index + 1 - self.n_inputs).translate(SUBSCRIPT)

    def node(self, index: int) -> str:
        return node_name(index) if self.style == "seed" else "v" + self._index(index)

    def adjoint(self, index: int) -> str:
        return adjoint_name(index) if self.style == "seed" else \
            f"v{ADJOINT}" + self._index(index)

    def tangent(self, index: int) -> str:
        return tangent_name(index) if self.style == "seed" else f"v{DOT}" + self._index(index)


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


def constant_parts(v):
    """(p, q, name) when ``v`` is exactly the float p·name/q for name π or e (small p, q),
    else None."""
    if np.ndim(v) or isinstance(v, bool):
        return None
    v = float(v)
    if not math.isfinite(v) or v == 0:
        return None
    for name, c in (("π", math.pi), ("e", math.e)):
        for q in (1, 2, 3, 4, 6, 8, 12):
            p = round(v * q / c)
            if p and abs(p) <= 24 and math.gcd(p, q) == 1 and v in (p * c / q, p * (c / q)):
                return p, q, name
    return None


def constant_text(v) -> str | None:
    """π, 2π, π/2, -π/4, e, -e or e/2 when ``v`` is exactly that float, else None: a learner
    typed pi/2, not 1.5707963267948966."""
    parts = constant_parts(v)
    if parts is None:
        return None
    p, q, name = parts
    top = {1: name, -1: "-" + name}.get(p, f"{p}{name}")
    return top if q == 1 else f"{top}/{q}"


def point_num(v, digits: int = 10) -> str:
    """A coordinate of the point or a constant of f: π/2 and e by name, else :func:`num`."""
    return constant_text(v) or num(v, digits)


def labelled_full(v) -> str:
    """Every digit of a float, labelled with its name when it is π or e: 'π/2 = 1.5707963267948966'
    (the finite-difference tables need the digits)."""
    name = constant_text(v)
    return f"{name} = {full(v)}" if name else full(v)


def operand_text(operand) -> str:
    """A node (its name) or a constant (its value, negative ones in parentheses); a constant
    array of more than four numbers is named by its shape, so formulas stay readable."""
    if isinstance(operand, str):
        return operand
    if np.ndim(operand) > 0 and np.size(operand) > 4:
        return "const" + "×".join(map(str, np.shape(operand))).join("[]")
    text = point_num(operand)
    return f"({text})" if text.startswith("-") else text


SHORT = {"absolute": "abs"}
"""Rows shown by the name learners type (abs(x), not absolute(x))."""


def operation_text(op_name: str, operands) -> str:
    """``x2 * x3``, ``-x1``, ``sin(x1)`` or ``sum(x2)``: the operation as it would be typed.
    ``operands`` are display strings (node names or constants)."""
    row = OPS.get(op_name)
    op_name = SHORT.get(op_name, op_name)
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
    digits, which would print 0.5 as 0.50000000000000000), π and e by name."""
    if isinstance(expr, sympy.Basic) and expr.atoms(sympy.Float):
        named = {}
        for a in expr.atoms(sympy.Float):
            parts = constant_parts(float(a))
            if parts is not None:
                p, q, name = parts
                named[a] = sympy.Rational(p, q) * sympy.Symbol(name)
        expr = expr.xreplace(named) if named else expr
    return _TYPED.sub(lambda m: m.group(1).lower() + "(", sympy.sstr(expr, full_prec=False))


_TYPED = re.compile(r"\b(Abs|Max|Min)\(")  # sympy's Abs(x), Max(a, b): abs, max as typed


def coordinate_names(problem) -> list[str]:
    """The name of every coordinate of the point, the same in every method's section: x1..xn
    for separate numbers, x1[0], x1[1], ... for one 1-D array, the components' own names
    (``p['W'][0, 1]``) for a structured point."""
    if problem.kind == "tree":
        return problem.component_names()
    if problem.kind == "array":
        return [f"{node_name(0)}[{i}]" for i in range(problem.n)]
    return [node_name(i) for i in range(problem.n)]


def argument_names(f, problem) -> list[str]:
    """f's own name for each input node (leaf) of the point."""
    if problem.kind == "args":
        return input_names(f, problem.n)
    return [leaf.name for leaf in problem.leaves]


def mapping_text(f, problem, names: Names | None = None, quote: str = "`") -> str | None:
    """"Your arguments: `x1` is `a`, `x2` is `b`." -- the one line that ties the nodes' names
    to f's own, or None when they already agree (``quote=""``: plain text, for a figure)."""
    names = names or Names("seed", len(problem.leaves))
    pairs = [(names.node(i), own) for i, own in enumerate(argument_names(f, problem))]
    renamed = [f"{quote}{node}{quote} is {quote}{own}{quote}" for node, own in pairs
               if node != own]
    if not renamed:
        return None
    return "Your arguments: " + ", ".join(renamed) + "."


def input_names(f, n: int) -> list[str]:
    """The names of f's positional parameters when there are n of them, else x1..xn: used to
    say "x1 is the argument you called x" when they differ."""
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return params if len(params) == n else [node_name(i) for i in range(n)]


def slot_label(operands, position: int) -> str:
    """" (left operand)" when the operand at ``position`` appears in more than one slot of the
    same operation (x1 * x1), else "": each slot has its own local partial, and only their sum
    is the derivative of the operation with respect to that node.

    >>> slot_label([0, 0], 1), slot_label([0, 1], 1)
    (' (right operand)', '')
    """
    o = operands[position]
    if not isinstance(o, (int, str)) or sum(1 for p in operands if p == o
                                            and isinstance(p, type(o))) < 2:
        return ""
    if len(operands) == 2:
        return " (left operand)" if position == 0 else " (right operand)"
    return f" (operand {position + 1})"
