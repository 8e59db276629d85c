"""What every traced value has in common: Python operators, numpy's protocols, clear errors.

The three tracing methods pass their own kind of value through ``f``: a
:class:`~diffmethods.methods.forward.Dual` (forward mode), a
:class:`~diffmethods.methods.reverse.Var` (reverse mode) or a
:class:`~diffmethods.methods.symbolic.Sym` (symbolic). All three derive from :class:`Traced`,
which turns ``a * b``, ``np.sin(a)``, ``np.sum(a)``, ``a[1:]`` ... into three calls that each
subclass implements:

* ``_elementwise(op, args)`` -- apply a row of the operation table (:mod:`diffmethods.ops`);
* ``_linear(prim, args, params)`` -- apply a linear array primitive (:mod:`diffmethods.array_ops`);
* ``_matmul(a, b)`` -- ``a @ b``: the contraction row of :mod:`diffmethods.contractions` with
  matmul's subscripts, after any fast path the tracer has for it;
* ``_primitive(prim, args, params)`` -- a nonlinear array primitive (linear algebra), a row of
  :mod:`diffmethods.primitives` with a tangent rule and an adjoint rule.

Everything numpy offers beyond that is either built from those (``np.mean`` is a sum times a
constant) or refused with an error that names the function and the method. Traced values also
have the array methods and attributes numpy code uses (``x.T``, ``x.sum(axis=0)``,
``x.reshape(2, 3)``, ``x.squeeze()``, ``x.astype(float)``, ``x.item()``, ``x.shape``, ...), each
the numpy function of the same name; numpy's own errors met on the way (a bad axis, shapes that
do not broadcast) are re-raised as :class:`~diffmethods.errors.UnsupportedOperationError` naming
the function, never as a bare ``ValueError`` from deep inside a tracer.
"""

from __future__ import annotations

import linecache
import operator
import re
import sys

import numpy as np

from . import array_functions, array_ops
from .array_methods import ArrayMethods, refuse_other_ndarray_attributes
from .errors import DiffMethodsError, UnsupportedOperationError
from .interop import load_special_rows, refuse_scipy_conversion, ufunc_name
from .ops import BINARY_DUNDERS, BY_UFUNC, OPS, UNARY_DUNDERS

_MATH_TO_NUMPY = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
                  "acosh": "arccosh", "atanh": "arctanh", "atan2": "arctan2", "fabs": "abs",
                  "pow": "power"}


def _math_hint() -> str:
    """Look at the user's line that called float()/int() on a traced value for a math.* call."""
    frame = sys._getframe(2)
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    match = re.search(r"\bmath\.(\w+)\s*\(", line)
    if match:
        name = match.group(1)
        return f"math.{name}() was called; use np.{_MATH_TO_NUMPY.get(name, name)}() instead."
    return "use numpy's functions (np.sin, np.exp, ...) instead of the math module."


_NUMPY_ERRORS = (ValueError, TypeError, AttributeError)

COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
               "==": operator.eq, "!=": operator.ne}


def _reraise(what: str, label: str, error: Exception):
    """numpy's ValueError/TypeError/AttributeError met inside a tracer (a bad axis, shapes that
    do not broadcast, a wrong keyword) as our error naming ``what``; ours pass unchanged."""
    if isinstance(error, DiffMethodsError):
        raise error
    raise UnsupportedOperationError(f"{what} failed on {label} values: {error}") from error


def _numpy_errors(what: str, label: str, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, with numpy's errors re-raised by :func:`_reraise`."""
    try:
        return fn(*args, **kwargs)
    except _NUMPY_ERRORS as e:
        _reraise(what, label, e)


def _adopt(v):
    """An object array holding traced values -- what ``np.array([x[0], x[1] * x[2]])`` builds
    from traced scalars -- as one traced array (np.stack of its elements); anything else as is.
    numpy's element-by-element loops on such arrays work but are slow, and cannot meet a
    traced array in one operation."""
    if type(v) is np.ndarray and v.dtype == object and v.size:
        items = v.ravel().tolist()
        if any(isinstance(i, Traced) for i in items):
            return np.reshape(np.stack(items), v.shape)
    elif isinstance(v, (list, tuple)) and any(type(i) is np.ndarray for i in v):
        return type(v)(_adopt(i) for i in v)
    return v


class Traced(ArrayMethods):
    """Base class of the values the methods pass through ``f`` in place of numbers."""

    __slots__ = ()
    method_label = "this method"  # e.g. "reverse mode": used in error messages

    # --- what each subclass provides ------------------------------------------------------
    @classmethod
    def _elementwise(cls, op, args):
        raise NotImplementedError

    @classmethod
    def _linear(cls, prim, args, params):
        raise NotImplementedError

    @classmethod
    def _matmul(cls, a, b):
        raise NotImplementedError

    @classmethod
    def _primitive(cls, prim, args, params):
        """Apply a nonlinear array primitive (a row of :mod:`diffmethods.primitives`)."""
        raise NotImplementedError

    def _primal(self):
        """The plain numeric value (for comparisons); the symbolic tracer has none."""
        raise NotImplementedError

    @property
    def shape(self) -> tuple:
        return array_ops.shape_of(self.value)

    # --- arrays ---------------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar value")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a scalar value")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, index):
        parts = index if isinstance(index, tuple) else (index,)
        for part in parts:
            if isinstance(part, Traced) and part.priority == self.priority:
                part._refuse_as_index()
        try:
            return type(self)._linear(array_ops.INDEX, (self,), {"index": index})
        except (ValueError, TypeError) as e:
            _reraise("indexing x[...]", self.method_label, e)

    def _refuse_as_index(self):
        """An index computed from the variables: which elements are read would change with
        them, so no derivative exists through the choice."""
        raise UnsupportedOperationError(
            f"an index was computed from the variables being differentiated ({self.method_label}"
            "): indices must be plain integers, slices or masks of plain numbers. Leave index "
            "arrays out of the gradient (argnums), or select with np.where(condition, a, b).")

    # --- numpy protocols ------------------------------------------------------------------
    @property
    def __array__(self):
        """Absent (AttributeError): numpy then reads a traced array as a sequence of traced
        elements, which np.array([...]) of traced values relies on. Except when scipy's Python
        code converts the value (scipy.special.logsumexp does np.asarray first): that drops
        the derivative, so it is refused by the scipy function's name."""
        module = sys._getframe(1).f_globals.get("__name__", "")
        if module.startswith("scipy."):
            refuse_scipy_conversion(self, module)
        raise AttributeError("__array__")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if self.priority < TOP_PRIORITY:  # an outer tracer (reverse over forward) handles it
            for a in inputs:
                if isinstance(a, Traced) and a.priority > self.priority:
                    return NotImplemented
        if ufunc is np.matmul and method == "__call__" and kwargs:
            raise UnsupportedOperationError(
                f"np.matmul with {', '.join(k + '=' for k in kwargs)} is not supported on "
                f"{self.method_label} values; write a @ b (np.moveaxis first for other axes), "
                "or np.einsum with the subscripts you mean.")
        if method != "__call__" or kwargs:
            name = ufunc_name(ufunc)
            what = f"{name}.{method}" if method != "__call__" else \
                f"{name} with {', '.join(kwargs)}="
            raise UnsupportedOperationError(
                f"{what} is not supported on {self.method_label} values; "
                f"{'use np.sum/np.prod/np.max instead' if method == 'reduce' else 'call the plain function'}.")
        if ufunc is np.matmul:
            return type(self)._matmul(*inputs)
        if ufunc is np.ldexp:  # x1 * 2**i: the exponent is integer data, not a table operand
            from .array_functions_elementwise import ldexp
            return ldexp(*(_adopt(a) for a in inputs))
        op = BY_UFUNC.get(ufunc)
        if op is None and "scipy.special" in sys.modules and load_special_rows():
            op = BY_UFUNC.get(ufunc)  # scipy.special's rows, loaded when scipy's are used
        if op is None:
            raise UnsupportedOperationError(
                f"{ufunc_name(ufunc)} is not supported by {self.method_label}: it is not in the "
                f"operation table. Supported: {', '.join(sorted(OPS))}.")
        try:
            return type(self)._elementwise(op, tuple(_adopt(a) for a in inputs))
        except _NUMPY_ERRORS as e:  # the name is worked out only when it is needed
            _reraise(ufunc_name(ufunc), self.method_label, e)

    def __array_function__(self, func, types, args, kwargs):
        if any(issubclass(t, Traced) and t.priority > self.priority for t in types):
            return NotImplemented
        impl = array_functions.HANDLED.get(func)
        name = array_functions.qualified_name(func)
        if impl is None:
            raise UnsupportedOperationError(
                f"{name} is not supported by {self.method_label}."
                f"{array_functions.suggestion(name)} diffmethods.array_functions.handled_names() "
                "lists the array functions that work on traced values.")
        return _numpy_errors(name, self.method_label, impl, *(_adopt(a) for a in args),
                             **kwargs)

    # --- comparisons follow the value, so an `if` takes the branch taken at the point ------
    def __lt__(self, other):
        return self._compared("<", other)

    def __le__(self, other):
        return self._compared("<=", other)

    def __gt__(self, other):
        return self._compared(">", other)

    def __ge__(self, other):
        return self._compared(">=", other)

    def __eq__(self, other):
        return self._compared("==", other)

    def __ne__(self, other):
        return self._compared("!=", other)

    __hash__ = object.__hash__

    def __bool__(self):
        return self._compared("bool", None)

    def _compared(self, symbol: str, other):
        """The comparison ``self <symbol> other`` (or ``bool(self)``) at the point. One place,
        so a tracer can note each decision taken on its values: reverse mode's tape does when
        it records guards (the compiled method, :mod:`diffmethods.program`)."""
        if symbol == "bool":
            return bool(self._primal())
        return COMPARISONS[symbol](self._primal(), _primal(other))

    # --- conversions that would silently drop the derivative are refused ------------------
    def __float__(self):
        raise UnsupportedOperationError(
            f"float() or a math-module function was applied to a {self.method_label} value, "
            f"which would drop its derivative: {_math_hint()}")

    __int__ = __float__
    __complex__ = __float__

    def __index__(self):
        raise UnsupportedOperationError(
            f"a {self.method_label} value was used as an integer (an index or a range bound); "
            "indices cannot depend on the variables being differentiated.")

    def __floordiv__(self, other):
        raise UnsupportedOperationError(
            f"// and divmod() are not supported on {self.method_label} values (the quotient is "
            "piecewise constant); write np.floor(a / b), whose derivative is 0, or a % b.")

    __rfloordiv__ = __divmod__ = __rdivmod__ = __floordiv__

    # a % b is numpy's remainder (the sign of b, as Python's %): the table's row, d/da = 1
    def __mod__(self, other):
        return type(self)._elementwise(OPS["remainder"], (self, other))

    def __rmod__(self, other):
        return type(self)._elementwise(OPS["remainder"], (other, self))

    def clip(self, min=None, max=None, **kwargs):
        return np.clip(self, min, max, **kwargs)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return type(self)._matmul(self, other)

    def __rmatmul__(self, other):
        return type(self)._matmul(other, self)

    # nesting order for forward-over-reverse: a higher priority wraps the lower one's values
    priority = 0


def plain_constant(c, label: str):
    """A non-traced operand, checked: lists become arrays; complex numbers and values traced
    by another method are refused (mixing them would silently give wrong derivatives)."""
    if isinstance(c, (list, tuple)):
        c = np.asarray(c)
    if isinstance(c, Traced):
        raise UnsupportedOperationError(
            f"a value traced by {c.method_label} met one traced by {label} in one operation; "
            "methods cannot be "
            "mixed inside one function (and nested calls on the same variables are not "
            "supported)")
    if isinstance(c, (complex, np.complexfloating)) or (type(c) is np.ndarray
                                                         and c.dtype.kind == "c"):
        raise UnsupportedOperationError(
            f"complex numbers are not supported by {label}: diffmethods differentiates real "
            "functions of real variables")
    if isinstance(c, np.ndarray) and c.dtype == object and any(
            isinstance(v, Traced) for v in c.ravel().tolist()):
        raise UnsupportedOperationError(
            f"an object array of traced values (what np.array([...]) builds from traced "
            f"numbers) cannot take part in {label} here; build the array with np.stack([...]) "
            "instead")
    if isinstance(c, np.ndarray) and c.dtype.kind not in "iuf":
        raise UnsupportedOperationError(f"an array of dtype {c.dtype} cannot take part in "
                                        f"{label}; use numeric arrays")
    return c


def float_constant(c, label: str):
    """:func:`plain_constant`, with integer arrays made float (tangents and adjoints are)."""
    c = plain_constant(c, label)
    return c.astype(float) if isinstance(c, np.ndarray) and c.dtype.kind != "f" else c


def shared_context(args, cls, attr: str):
    """The pass (or tape) that every ``cls`` operand of one operation belongs to. Values from
    two different passes meeting -- a gradient computed inside f of another gradient on the
    same variables -- are refused rather than silently confused."""
    found = None
    for a in args:
        if isinstance(a, cls):
            context = getattr(a, attr)
            if found is None:
                found = context
            elif context is not found:
                raise UnsupportedOperationError(
                    f"{cls.method_label} values from two different computations met in one "
                    "operation (nested differentiation of the same variables is not supported)")
    return found


TOP_PRIORITY = 2  # the reverse tape's Var: it never defers to another tracer


def _primal(x):
    return x._primal() if isinstance(x, Traced) else x


def _binary_dunder(op):
    what = f"the operator {op.symbol}" if op.symbol else op.name

    def method(self, other):
        if type(other) is np.ndarray and other.dtype == object:
            other = _adopt(other)
        try:
            return type(self)._elementwise(op, (self, other))
        except _NUMPY_ERRORS as e:
            _reraise(what, self.method_label, e)

    def reflected(self, other):
        try:
            return type(self)._elementwise(op, (other, self))
        except _NUMPY_ERRORS as e:
            _reraise(what, self.method_label, e)

    return method, reflected


def _unary_dunder(op):
    def method(self):
        return type(self)._elementwise(op, (self,))
    return method


def _ufunc_method(op):
    # numpy's object-dtype loops call x.sin(), x.exp(), ... on each element of an object array,
    # so an np.array([...]) built from traced scalars still works, one element at a time.
    def method(self, *others):
        return type(self)._elementwise(op, (self,) + others)
    method.__name__ = op.name
    return method


for _name, _op in BINARY_DUNDERS.items():
    _m, _r = _binary_dunder(_op)
    setattr(Traced, f"__{_name}__", _m)
    setattr(Traced, f"__r{_name}__", _r)
for _name, _op in UNARY_DUNDERS.items():
    setattr(Traced, f"__{_name}__", _unary_dunder(_op))
for _op in OPS.values():
    if not hasattr(Traced, _op.name):
        setattr(Traced, _op.name, _ufunc_method(_op))
# numpy's object loop for np.absolute calls abs(), for arccos etc. the method of the same name.
refuse_other_ndarray_attributes(Traced)  # last: after the methods above are all in place
