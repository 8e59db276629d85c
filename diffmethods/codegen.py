"""Python source for one expression: the operation table's partials, run on names.

The compiled method (:mod:`diffmethods.program`) writes each local partial derivative as code,
and the code comes from the one operation table (:mod:`diffmethods.ops`): a row's partial is a
Python function written with operators and numpy functions, so calling it on :class:`Code`
values -- which overload the operators and numpy's ufunc protocol to *print* instead of
compute -- gives its source text. Constants stay numbers, so Python folds them as the rule
runs (``d x**2/dx`` is ``2 * x1``, not ``2 * x1 ** (2 - 1)``).

>>> import numpy as np
>>> from diffmethods.ops import OPS
>>> OPS["sin"].partials[0](Code("x2"), Code("x1")).text
'np.cos(x1)'
>>> OPS["divide"].partials[1](Code("x3"), Code("x1"), Code("x2")).text
'-x3 / x2'
"""

from __future__ import annotations

import numpy as np

from .errors import UnsupportedOperationError


class NoCodeError(UnsupportedOperationError):
    """The compiled method has no code for an operation f used (reverse mode may)."""

# Python's precedence, low to high (a larger number binds tighter)
COMPARE, OR, AND, ADD, MUL, UNARY, POWER, ATOM = 6, 7, 8, 11, 12, 13, 14, 100


def number(v) -> "Code":
    """A Python number as code (exact: repr round-trips a float)."""
    if isinstance(v, (bool, np.bool_)):
        return Code(repr(bool(v)))
    if isinstance(v, (int, np.integer)):
        text = repr(int(v))
    else:
        v = float(v)
        text = repr(v) if np.isfinite(v) else {"inf": "np.inf", "-inf": "-np.inf"}.get(
            repr(v), "np.nan")
    return Code(text, UNARY if text.startswith("-") else ATOM)


def as_code(v) -> "Code":
    """A value met while printing: code as it is, a number as its literal."""
    if isinstance(v, Code):
        return v
    if isinstance(v, (int, float, np.integer, np.floating, bool, np.bool_)):
        return number(v)
    if isinstance(v, np.ndarray) and v.shape == ():
        return number(v[()])
    raise UnsupportedOperationError(f"the compiled method cannot write {type(v).__name__} "
                                    f"{v!r} into a program")


def plain(v):
    """A numpy scalar or 0-d array as the Python number it holds (so rules can fold it)."""
    if isinstance(v, np.ndarray):
        v = v[()]
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, (int, float)):
        return v
    raise UnsupportedOperationError(f"the compiled method cannot write {type(v).__name__} "
                                    f"{v!r} into a program")


def _wrap(c: "Code", at_least: int) -> str:
    return c.text if c.prec >= at_least else f"({c.text})"


def binary(a, symbol: str, b, prec: int, right_assoc: bool = False) -> "Code":
    a, b = as_code(a), as_code(b)
    left = _wrap(a, prec + 1 if right_assoc else prec)
    right = _wrap(b, prec if right_assoc else prec + 1)
    if right_assoc and b.prec == UNARY:  # a ** -b is valid Python
        right = b.text
    return Code(f"{left} {symbol} {right}", prec)


def call(name: str, *args, **kwargs) -> "Code":
    """``name(arg, ..., key=value)`` with each argument printed (a str is code already)."""
    parts = [a if isinstance(a, str) else as_code(a).text for a in args]
    parts += [f"{k}={v}" for k, v in kwargs.items()]
    return Code(f"{name}({', '.join(parts)})")


class Code:
    """Python source text of one expression, with its precedence (for parentheses)."""

    __slots__ = ("text", "prec")

    def __init__(self, text: str, prec: int = ATOM):
        self.text, self.prec = text, prec

    def __repr__(self) -> str:
        return f"Code({self.text!r})"

    # --- arithmetic, with the identities that keep adjoint lines short ----------------------
    def __add__(self, other):
        if _is_number(other, 0):
            return self
        return binary(self, "+", other, ADD)

    def __radd__(self, other):
        if _is_number(other, 0):
            return self
        return binary(other, "+", self, ADD)

    def __sub__(self, other):
        if _is_number(other, 0):
            return self
        return binary(self, "-", other, ADD)

    def __rsub__(self, other):
        return binary(other, "-", self, ADD)

    def __mul__(self, other):
        if _is_number(other, 1) and self.prec >= ADD:  # (a == 0) * 1.0 stays a number
            return self
        if other is self and self.prec < ATOM:  # square(1 / cosh(x)): computed once
            return self ** 2
        if _is_number(other, -1):
            return -self
        return binary(self, "*", other, MUL)

    def __rmul__(self, other):
        if _is_number(other, 1) and self.prec >= ADD:
            return self
        if _is_number(other, -1):
            return -self
        return binary(other, "*", self, MUL)

    def __truediv__(self, other):
        if _is_number(other, 1):
            return self
        return binary(self, "/", other, MUL)

    def __rtruediv__(self, other):
        return binary(other, "/", self, MUL)

    # On Python floats ``a ** b`` is complex for a < 0 and b not whole, where numpy (and the
    # table's power) gives nan: ``**`` only where it cannot happen, np.power elsewhere.
    def __pow__(self, other):
        if isinstance(other, (int, float)) and float(other).is_integer():
            return binary(self, "**", other, POWER, right_assoc=True)
        return call("np.power", self, other)

    def __rpow__(self, other):
        if isinstance(other, (int, float)) and other > 0:
            return binary(other, "**", self, POWER, right_assoc=True)
        return call("np.power", other, self)

    def __neg__(self):
        if self.prec == UNARY and self.text.startswith("-"):  # --a is a
            return Code(self.text[1:], POWER)
        return Code(f"-{_wrap(self, UNARY)}", UNARY)

    def __pos__(self):
        return self

    # --- comparisons and masks (a rule may pick a branch by a comparison of its operands) --
    def _compare(self, symbol, other):
        return Code(f"{_wrap(self, OR)} {symbol} {_wrap(as_code(other), OR)}", COMPARE)

    def __lt__(self, other):
        return self._compare("<", other)

    def __le__(self, other):
        return self._compare("<=", other)

    def __gt__(self, other):
        return self._compare(">", other)

    def __ge__(self, other):
        return self._compare(">=", other)

    def __eq__(self, other):
        return self._compare("==", other)

    def __ne__(self, other):
        return self._compare("!=", other)

    __hash__ = object.__hash__

    def __and__(self, other):
        if isinstance(other, (bool, np.bool_)):
            return self if other else False
        return binary(self, "&", other, AND)

    def __rand__(self, other):
        if isinstance(other, (bool, np.bool_)):
            return self if other else False
        return binary(other, "&", self, AND)

    def __or__(self, other):
        return binary(self, "|", other, OR)

    def __bool__(self):
        raise UnsupportedOperationError(
            "a rule of the operation table tests a value with `if`; the compiled method can "
            "only write rules that compute their branch (np.where, comparisons times 1.0)")

    # --- numpy: a ufunc on code is the call, printed -----------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            return NotImplemented
        if getattr(np, ufunc.__name__, None) is not ufunc:  # scipy.special's erf, say
            raise NoCodeError(f"the compiled method writes numpy only, and {ufunc.__name__} is "
                              f"not numpy's ufunc (scipy.special's?)")
        return call(f"np.{ufunc.__name__}", *inputs)

    def __array_function__(self, func, types, args, kwargs):
        if func is np.where and not kwargs:
            return call("np.where", *args)
        return NotImplemented


def _is_number(v, target) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == target


def literal(v) -> str:
    """Source for a small constant: a number, or ``np.array([...])`` of a small array."""
    if isinstance(v, np.ndarray) and v.ndim:
        flat = ", ".join(number(x).text for x in v.ravel().tolist())
        if v.dtype == bool:
            text = f"np.array([{flat}], dtype=bool)"
        elif v.dtype.kind in "iu":
            text = f"np.array([{flat}])"
        else:
            text = f"np.array([{flat}], dtype=float)"
        return text if v.ndim == 1 else f"{text}.reshape({v.shape})"
    return as_code(v).text


def index_text(index, constant) -> str:
    """The source of an index ``x[...]``: ints, slices, None, Ellipsis, tuples of them; an
    array inside it is named by ``constant(array)``."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, slice):
            bits = ["" if v is None else repr(int(v)) for v in (p.start, p.stop, p.step)]
            out.append(":".join(bits[:2]) + (f":{bits[2]}" if bits[2] else ""))
        elif p is None:
            out.append("None")
        elif p is Ellipsis:
            out.append("...")
        elif isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)):
            out.append(repr(int(p)))
        elif isinstance(p, (list, np.ndarray)):
            out.append(constant(np.asarray(p)))
        else:
            raise UnsupportedOperationError(
                f"the compiled method cannot write the index {p!r} into a program")
    if not isinstance(index, tuple):
        return out[0]
    return ", ".join(out) + ("," if len(out) == 1 else "")


def sum_to_shape(g: Code, g_shape: tuple, shape: tuple) -> Code:
    """Code undoing a broadcast: ``g`` (of ``g_shape``) summed down to ``shape``."""
    g_shape, shape = tuple(g_shape), tuple(shape)
    if g_shape == shape:
        return g
    if not shape:  # g is an array of g_shape at every run: its own method skips np.sum's
        return Code(f"{_wrap(g, ATOM)}.sum()")  # dispatch (microseconds on small arrays)
    lead = len(g_shape) - len(shape)
    inner = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1)
    axes = tuple(range(lead)) + inner
    axis = repr(axes[0]) if len(axes) == 1 else repr(axes)
    if not inner:
        return call("np.sum", g, axis=axis)
    return Code(f"{call('np.sum', g, axis=axis, keepdims='True').text}.reshape({shape!r})")
