"""Expressions typed by a user, parsed with a whitelist (never ``eval``).

``parse_expression("3*(x1**2 + x2*x3)")`` reads the text with Python's ``ast`` module and keeps
only what a formula needs: numbers, the variables, ``+ - * / **`` and unary minus, calls of the
operation table's functions (with a few familiar aliases such as ``abs``, ``asin``, ``max``)
and the constants ``pi`` and ``e``. Anything else -- attribute access, subscripts, lambdas,
comprehensions, keywords, strings -- is an :class:`~diffmethods.errors.ExpressionError` naming
what was found. Literals and constant exponents are bounded, so ``9**9**9`` is refused at once
instead of hanging, and so is the number of variables: ``x1*x99999999`` is refused before
anything is allocated (a point could not have 1e8 coordinates). Numbers -- literals and the
coordinates of :func:`parse_point` -- are plain ASCII decimals (``2``, ``-1.5``, ``1e-6``):
``1_000``, ``0x10`` and other scripts' digits are refused rather than guessed at.

The result is a callable with one positional parameter per variable. It evaluates the tree with
the numpy functions of the operation table, so it works with every method:

>>> f = parse_expression("3*(x1**2 + x2*x3)")
>>> f.variables
('x1', 'x2', 'x3')
>>> f(2.0, 3.0, 4.0)
48.0
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import unicodedata

import numpy as np

from .errors import ExpressionError
from .ops import OPS

MAX_LENGTH = 5000          # characters of expression text
MAX_DEPTH = 60             # nesting of operations
MAX_LITERAL = 1e100        # largest number literal
MAX_EXPONENT = 1000.0      # largest constant exponent of **
MAX_VARIABLES = 10_000     # variables of one expression (x1 ... x10000)
MAX_COORDINATES = 100_000  # coordinates of a point typed as text

ALIASES = {
    "abs": "absolute", "fabs": "absolute", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
    "atan2": "arctan2", "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
    "max": "maximum", "min": "minimum", "pow": "power", "ln": "log",
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
           ast.Pow: "power"}
_DEFAULT_VARIABLE = re.compile(r"^x([0-9]*)$")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # ASCII only
_LITERAL = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# a number written against a name, as on paper: 3x1, 2 x, 0.5sin(x) (not 1e5: that is a number)
_JUXTAPOSED = re.compile(r"(?<![\w.])((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
                         r"[ \t]*([A-Za-z_]\w*)")
# a name in a coordinate typed as text (pi, e, sqrt), not the e of 1e-6
_NAME = re.compile(r"(?<![0-9.])[A-Za-z_]\w*")


def function_names() -> list[str]:
    """The function names an expression may call (the operators' own rows, such as
    ``add``, are callable too but not listed)."""
    operators = {"add", "subtract", "multiply", "divide", "negative"}
    return sorted((set(OPS) - operators) | set(ALIASES))


class ParsedExpression:
    """A parsed formula: call it with one value per variable (numbers or traced values)."""

    def __init__(self, text: str, variables: tuple, tree):
        self.text = text
        self.variables = variables
        self.tree = tree  # ("num", v) | ("var", i) | ("op", name, (children...))
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(v, inspect.Parameter.POSITIONAL_ONLY) for v in variables])
        self.__name__ = text if len(text) <= 40 else text[:37] + "..."

    def __call__(self, *args):
        if len(args) != len(self.variables):
            raise ExpressionError(f"{self.text!r} has {len(self.variables)} variable(s) "
                                  f"({', '.join(self.variables)}) but got {len(args)} value(s)")
        out = _evaluate(self.tree, args)
        return float(out) if isinstance(out, np.floating) else out

    def __repr__(self) -> str:
        return f"ParsedExpression({self.text!r}, variables={self.variables})"

    def __diffmethods_state__(self):
        """What the expression computes, for caches of derivations (diffmethods.fingerprint)."""
        return (self.text, self.variables)

    def point(self, values):
        """The point for ``dm.gradient``: a number for one variable, else a tuple."""
        values = tuple(float(v) for v in values)
        if len(values) != len(self.variables):
            raise ExpressionError(
                f"the point has {len(values)} coordinate{'s' if len(values) != 1 else ''} but "
                f"{self.text!r} has {len(self.variables)} variable"
                f"{'s' if len(self.variables) != 1 else ''} ({', '.join(self.variables)})")
        return values[0] if len(values) == 1 else values


def _evaluate(tree, args):
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "var":
        return args[tree[1]]
    if tree[1] == "positive":
        return _evaluate(tree[2][0], args)
    return OPS[tree[1]].ufunc(*(_evaluate(child, args) for child in tree[2]))


def parse_number(text: str, what: str = "the number") -> float:
    """A finite number written plainly in ASCII -- ``2``, ``-1.5``, ``.5``, ``1e-6`` -- as a
    float; anything else (``1_000``, ``nan``, ``inf``, Arabic-Indic digits) is an
    :class:`~diffmethods.errors.ExpressionError` naming ``what``."""
    piece = text.strip() if isinstance(text, str) else text
    if not isinstance(piece, str) or not _NUMBER.fullmatch(piece):
        if isinstance(piece, str) and piece.lower().lstrip("+-") in ("inf", "infinity", "nan"):
            raise ExpressionError(f"{what} is {piece}; it must be a finite number")
        shown = repr(piece) if not isinstance(piece, str) or len(piece) <= 40 \
            else repr(piece[:37] + "...")
        raise ExpressionError(f"{what}, {shown}, is not a number: write digits 0-9 with an "
                              "optional sign, decimal point and exponent, e.g. -1.5 or 2e-6")
    value = float(piece)
    if not math.isfinite(value):
        raise ExpressionError(f"{what}, {piece[:20]}, is too large for a float (the largest "
                              "is about 1.8e308)")
    return value


def parse_coordinate(text: str, what: str = "the coordinate") -> float:
    """A coordinate typed as text: a plain number (:func:`parse_number`) or a constant formula
    that names the constants or functions expressions know -- ``pi``, ``-e``, ``pi/2``,
    ``sqrt(2)`` -- read by the same whitelist parser and folded to a number (never eval)."""
    try:
        return parse_number(text, what)
    except ExpressionError as not_a_number:
        if not isinstance(text, str) or not _NAME.search(text):
            raise
        try:
            tree = parse_expression(text, variables=()).tree
        except ExpressionError:
            raise not_a_number from None
        if tree[0] != "num":
            raise not_a_number from None
        return float(tree[1])


def parse_point(text: str) -> tuple:
    """``"2,3,4"`` -> (2.0, 3.0, 4.0) and ``"pi,e"`` -> (3.14..., 2.71...), with a clear
    error for anything that is neither a plain number nor a constant formula
    (:func:`parse_coordinate`) and for more than ``MAX_COORDINATES`` coordinates."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the point is empty: give comma-separated numbers, e.g. 2,3,4")
    if text.count(",") >= MAX_COORDINATES:
        raise ExpressionError(f"the point has {text.count(',') + 1} coordinates; the limit is "
                              f"{MAX_COORDINATES}")
    return tuple(parse_coordinate(piece, f"coordinate {k + 1} of the point")
                 for k, piece in enumerate(text.split(",")))


def parse_expression(text: str, variables=None, point_size=None) -> ParsedExpression:
    """Parse ``text`` into a :class:`ParsedExpression`.

    ``variables`` lists the allowed variable names in argument order. Without it the names
    ``x`` or ``x1``, ``x2``, ... are variables, ordered by number (``x1, x3`` gives
    x1, x2, x3 so a point ``--at a,b,c`` lines up). Their number is bounded -- by
    ``point_size``, the point's length when it is known, and never above ``MAX_VARIABLES`` --
    and checked before any of them is made.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is "
                              f"{MAX_LENGTH}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    _check_characters(text)
    if variables is not None:
        variables = tuple(variables)
        for v in variables:
            if not isinstance(v, str) or not v.isidentifier() or v.startswith("_"):
                raise ExpressionError(f"{v!r} is not a valid variable name")
            if v in CONSTANTS or v in OPS or v in ALIASES:
                raise ExpressionError(f"{v!r} names a function or constant; choose another "
                                      "variable name")
        if len(set(variables)) != len(variables):
            raise ExpressionError("a variable is listed twice")
        if len(variables) > MAX_VARIABLES:
            raise ExpressionError(f"{len(variables)} variables are listed; the limit is "
                                  f"{MAX_VARIABLES}")
    try:
        node = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        where = f" at column {e.offset}" if e.offset else ""
        raise ExpressionError(f"invalid expression{where}: {e.msg}{_syntax_hint(text)}") \
            from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is too deeply nested") from None
    if variables is None:
        variables = _default_variables(_variable_names(node), text.strip(), point_size)
    index = {v: i for i, v in enumerate(variables)}
    _check_literals(node, text.strip())
    tree = _build(node.body, index, depth=0)
    return ParsedExpression(text.strip(), variables, tree)


def _syntax_hint(text: str) -> str:
    """What a formula written as on paper needs: ``3x1`` is ``3*x1``."""
    found = _JUXTAPOSED.search(text)
    if found:
        return f" (write {found[1]}*{found[2]} for {found[0]!r}: multiplication needs *)"
    return ""


def _check_characters(text: str) -> None:
    """Refuse characters Python would silently read as others (it normalises names to NFKC:
    a full-width ｘ is x, ﬁ is fi), and control characters such as NUL."""
    for ch in text:
        if unicodedata.normalize("NFKC", ch) != ch or (unicodedata.category(ch) == "Cc"
                                                      and ch not in "\t\n\r"):
            raise ExpressionError(f"the expression contains {ch!r} (U+{ord(ch):04X}), which "
                                  "is not plain text for a formula; type it plainly")


def _variable_names(root) -> set:
    """Names that are not in the function position of a call."""
    called = {id(c.func) for c in ast.walk(root) if isinstance(c, ast.Call)}
    return {n.id for n in ast.walk(root) if isinstance(n, ast.Name) and id(n) not in called}


def _default_variables(names, text: str, point_size) -> tuple:
    candidates = {n for n in names if _DEFAULT_VARIABLE.match(n) and n not in CONSTANTS}
    if not candidates:
        return ()
    if "x" in candidates and len(candidates) > 1:
        raise ExpressionError("the expression uses both x and x1, x2, ...; use one style or "
                              "list the variables with --vars")
    if candidates == {"x"}:
        return ("x",)
    digits = {n: n[1:].lstrip("0") or "0" for n in candidates}
    highest = max(candidates, key=lambda n: (len(digits[n]), digits[n]))
    first = 0 if "0" in digits.values() else 1
    limit = MAX_VARIABLES if point_size is None else min(point_size, MAX_VARIABLES)
    # compare the digit strings before int(): int() of a 4,000-digit name is slow (or refused),
    # and range() of a huge number would allocate every variable
    if len(digits[highest]) > len(str(limit)) or int(digits[highest]) + 1 - first > limit:
        name = highest if len(highest) <= 20 else highest[:17] + "..."
        if point_size is not None and point_size < MAX_VARIABLES:
            raise ExpressionError(
                f"the point has {point_size} coordinate{'s' if point_size != 1 else ''} but "
                f"{_short(text)} uses {name}: one coordinate per variable, x{first} to {name}")
        raise ExpressionError(f"{_short(text)} uses {name}, more than the {MAX_VARIABLES} "
                              f"variables an expression may have (x{first} to "
                              f"x{MAX_VARIABLES - 1 + first})")
    return tuple(f"x{i}" for i in range(first, int(digits[highest]) + 1))


def _short(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


def _check_literals(root, text: str) -> None:
    """Every number literal written plainly: no 1_000, 0x10, 0o7 or 0b1 (Python reads them,
    a formula should not)."""
    for node in ast.walk(root):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            source = ast.get_source_segment(text, node)
            if source is not None and not _LITERAL.fullmatch(source):
                raise ExpressionError(f"the number {source[:20]} is not written plainly: use "
                                      "digits 0-9 with an optional decimal point and exponent "
                                      "(no _, 0x, 0o or 0b)")


def _build(node, index, depth):
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression nests more than {MAX_DEPTH} operations deep")
    if isinstance(node, ast.Constant):
        return ("num", _literal(node.value))
    if isinstance(node, ast.Name):
        if node.id in index:
            return ("var", index[node.id])
        if node.id in CONSTANTS:
            return ("num", CONSTANTS[node.id])
        raise ExpressionError(_unknown_name(node.id, index))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        child = _build(node.operand, index, depth + 1)
        if child[0] == "num":
            return ("num", -child[1] if isinstance(node.op, ast.USub) else child[1])
        return ("op", "negative" if isinstance(node.op, ast.USub) else "positive", (child,))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _build(node.left, index, depth + 1)
        right = _build(node.right, index, depth + 1)
        if isinstance(node.op, ast.Pow) and right[0] == "num" and abs(right[1]) > MAX_EXPONENT:
            raise ExpressionError(f"the exponent {right[1]:g} is too large (the limit is "
                                  f"{MAX_EXPONENT:g})")
        tree = ("op", _BINARY[type(node.op)], (left, right))
        return _fold(tree)
    if isinstance(node, ast.Call):
        return _call(node, index, depth)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        raise ExpressionError("^ is not a power in Python: use ** for powers, e.g. x1**2")
    raise ExpressionError(f"{_describe(node)} is not allowed in an expression; use numbers, "
                          "variables, + - * / **, and functions such as sin(x)")


def _call(node, index, depth):
    if isinstance(node.func, ast.Constant):  # 2(x + 1), as on paper
        raise ExpressionError(f"{node.func.value!r}(...) is not a product here: write "
                              f"{node.func.value!r}*(...) (multiplication needs *)")
    if not isinstance(node.func, ast.Name):
        raise ExpressionError(f"only plain function names can be called, not "
                              f"{_describe(node.func)}")
    name = node.func.id
    op_name = ALIASES.get(name, name)
    if op_name not in OPS or name.startswith("_"):
        raise ExpressionError(f"unknown function {name!r}; available: "
                              f"{', '.join(function_names())}")
    if node.keywords:
        raise ExpressionError(f"{name}() takes no keyword arguments")
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise ExpressionError(f"{name}() takes plain arguments, not *args")
    arity = OPS[op_name].arity
    if len(node.args) != arity:
        raise ExpressionError(f"{name}() takes {arity} argument{'s' if arity > 1 else ''}, "
                              f"got {len(node.args)}")
    children = tuple(_build(a, index, depth + 1) for a in node.args)
    return _fold(("op", op_name, children))


def _fold(tree):
    """Evaluate an operation on constants now (bounded), so 9**9**9 fails at parse time."""
    if all(child[0] == "num" for child in tree[2]):
        with np.errstate(all="ignore"):
            value = float(OPS[tree[1]].ufunc(*(float(child[1]) for child in tree[2])))
        if not math.isfinite(value) or abs(value) > MAX_LITERAL:
            raise ExpressionError(f"a constant part of the expression is too large or undefined "
                                  f"({tree[1]} gives {value:g})")
        return ("num", value)
    return tree


def _literal(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"{value!r} is not a number; only numbers are allowed as literals")
    if isinstance(value, int) and value.bit_length() > 400 or not math.isfinite(float(value)) \
            or abs(value) > MAX_LITERAL:
        raise ExpressionError(f"the number {str(value)[:20]}... is too large (the limit is "
                              f"{MAX_LITERAL:g})")
    return value  # ints stay ints, so sympy shows x**3 rather than x**3.0


def _unknown_name(name, index) -> str:
    if name.startswith("__"):
        return f"the name {name!r} is not allowed"
    if name in OPS or name in ALIASES:
        return f"{name!r} is a function: call it, e.g. {name}(x)"
    if index:
        allowed = ", ".join(index)
        return f"unknown name {name!r}; the variables are {allowed} (list others with --vars)"
    return (f"unknown name {name!r}; variables are x or x1, x2, ... unless listed with --vars; "
            "constants are pi and e")


def _describe(node) -> str:
    kinds = {ast.Attribute: "attribute access (a.b)", ast.Subscript: "indexing (a[i])",
             ast.Lambda: "lambda", ast.ListComp: "a list comprehension",
             ast.GeneratorExp: "a generator expression", ast.SetComp: "a set comprehension",
             ast.DictComp: "a dict comprehension", ast.Compare: "a comparison",
             ast.BoolOp: "and/or", ast.IfExp: "a conditional expression",
             ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set",
             ast.JoinedStr: "an f-string", ast.NamedExpr: "an assignment (:=)",
             ast.Await: "await", ast.Starred: "*args"}
    for kind, text in kinds.items():
        if isinstance(node, kind):
            return text
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    if isinstance(node, ast.UnaryOp):
        return f"the unary operator {type(node.op).__name__}"
    return type(node).__name__
