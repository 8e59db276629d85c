"""Constant arrays kept as arrays in a symbolic expression, and the symbolic method's budget.

Element by element, a data matrix ``X`` of shape (1000, 20) in ``z = X @ w`` becomes 1000 sums
of 20 products: an expression that grows with the data and that sympy takes minutes to
differentiate. Instead a traced array may be *packed*: **one** sympy expression standing for
every element at once. Its symbols are the variables (the same at every element) and
:class:`DataSymbol` s, each bound to a constant float array that broadcasts to the value's
shape; element ``[i]`` of the value is the expression with every data symbol ``D`` read as
``D[i]``. So, with ``Ck = X[:, k]``::

    X @ w        ->  C0*w0 + C1*w1 + ... + C19*w19             shape (1000,)
    np.mean(...) ->  ArraySum(log(exp(...) + 1) - C20*(...), 1000) / 1000

* elementwise operations (the operation table, comparisons, ``np.where``) apply to the one
  expression, and a constant array they meet becomes a data symbol;
* the sum of all elements is an :class:`ArraySum` node, which differentiates term by term
  (d sum(e) = sum(de)) and is evaluated by ``np.sum``;
* moving elements (indexing, reshape, transpose, broadcast_to) moves the data arrays instead;
* a contraction of a constant array with variables that it sums over (``X @ w``) packs.

Anything else *expands* the packed value into an object array of scalar expressions, element
by element -- the representation every value had before, which the budget below accounts for.
A value starts packed only where the element-by-element form would have at least
:data:`PACK_ELEMENTS` elements, so small functions keep expressions of plain numbers (readable,
and evaluable by the 50-digit reference). The compiled function takes the data arrays as
arguments and runs in numpy.

**Budget.** Building, differentiating and compiling expressions costs time that grows with
their size, far faster than running ``f``. :class:`Budget` counts the scalar nodes each
operation *would* create, from its operands' sizes, before creating them; when the predicted
cost passes the ``budget=`` seconds the user gave, the derivation stops with a
:class:`~diffmethods.errors.BudgetError` that states the predicted size, instead of a silent
multi-minute wait. sympy.diff is then paced: its total time is extrapolated from the first
term-variable pairs, and stopped as soon as it is predicted to pass :data:`SLACK` x the budget
(a measured pace varies with the machine's load; the count before building does not).

>>> import numpy as np, diffmethods as dm
>>> X = np.arange(2000.0).reshape(1000, 2) / 1000
>>> sg = dm.symbolic_gradient(lambda x: np.sum(np.exp(X @ x)), np.zeros(2))
>>> sg.expression
ArraySum(exp(C0*x0 + C1*x1), 1000)
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from .._lazy import lazy_import
from ..array_ops import BROADCAST, INDEX, RESHAPE, TRANSPOSE, shape_of
from ..errors import BudgetError
from ..tracing import plain_constant

sympy = lazy_import("sympy")

PACK_ELEMENTS = 1000
"""An operation whose element-by-element result would have this many elements or more, built
from a constant array, keeps the constant packed instead."""

MOVES = (INDEX, BROADCAST, RESHAPE, TRANSPOSE)  # every output element is a copy of an input one


# --- the sympy side: data symbols and the full sum ------------------------------------------
_DEFINED: list = []
_DEFINING = threading.Lock()


def _classes():
    """(DataSymbol, ArraySum), defined on first use (sympy is imported lazily)."""
    if not _DEFINED:
        with _DEFINING:
            if not _DEFINED:
                _DEFINED.extend(_define())
    return _DEFINED[0], _DEFINED[1]


def _define():

    class _DataSymbol(sympy.Dummy):
        """A constant array inside an expression: ``array`` is its float64 value; ``closed``
        marks the copies made inside an :class:`ArraySum` (not indexed with the value)."""

        def __new__(cls, name, array, closed=False):
            self = super().__new__(cls, name, real=True)
            self.array, self.closed = array, closed
            return self

        def _sympystr(self, printer):
            return self.name

    class _ArraySum(sympy.Function):
        """``ArraySum(e, *shape)``: the sum of the elements of the packed expression ``e``
        broadcast to ``shape``; d/dx ArraySum(e) = ArraySum(de/dx)."""

        is_real = True

        def _eval_derivative(self, s):
            # factored, d sum(C0*r - C0*y) is sum(C0*(r - y)): half the products, and the
            # same (r - y) in every component, which the compiled code then computes once
            return array_sum(sympy.factor_terms(sympy.diff(self.args[0], s)), self.args[1:])

    _DataSymbol.__name__ = _DataSymbol.__qualname__ = "DataSymbol"
    _ArraySum.__name__ = _ArraySum.__qualname__ = "ArraySum"
    return _DataSymbol, _ArraySum


def array_sum(e, shape):
    """ArraySum(e, *shape), or e times the number of elements where no data symbol of this
    level (outside a nested ArraySum) is in e: then it is the same at every element."""
    if not _varies(e):
        return e * math.prod(int(n) for n in shape)
    return _classes()[1](e, *shape)


def _varies(e) -> bool:
    if is_data(e):
        return True
    if isinstance(e, _classes()[1]) or not e.args:
        return False
    return any(_varies(a) for a in e.args)


def _array_sum(v, *shape):
    if getattr(v, "shape", None) != shape:
        v = np.broadcast_to(v, shape)
    return np.add.reduce(v, axis=None)


NUMPY_NAMESPACE = {"ArraySum": _array_sum}


def is_data(s) -> bool:
    return isinstance(s, _classes()[0])


def data_symbols(exprs) -> list:
    """Every data symbol in the expressions (open and closed), in a fixed order."""
    found = {s for e in exprs for s in getattr(e, "free_symbols", ()) if is_data(s)}
    return sorted(found, key=lambda s: s.dummy_index)


def _open_data(expr) -> list:
    return [s for s in getattr(expr, "free_symbols", ()) if is_data(s) and not s.closed]


# --- the budget -------------------------------------------------------------------------------
NODES_PER_SECOND = 3_000
"""Scalar nodes a trace may create per second of budget. Measured with sympy 1.14 on a shared
2-core machine, tracing plus differentiating plus compiling gets through 150-2,000 nodes a
second, so this count alone is optimistic: it refuses only what cannot fit, before building
it; the differentiation is then paced by measurement (:class:`Pace`). (At 10,000 a second, a
two-layer network's first layer, 96,000 nodes charged in one contraction, fitted a 10 s budget
and then took 14-60 s to build before anything could stop it.)"""
MIN_SAMPLE = (3, 1.0)
"""Steps and seconds of differentiation measured before its total is extrapolated (the first
steps also warm sympy's caches up, so fewer would overestimate)."""
SLACK = 3.0
"""Measured time is refused only past SLACK x the budget, predicted or spent: a pace measured
on a shared machine varies several-fold with its load, and the budget is there to stop the
hopeless (minutes), not to make a derivation that fits on a quiet machine fail on a busy one.
The node count before building is exact and needs no slack."""
DEFAULT_BUDGET = 10.0


def _clock() -> float:
    return time.perf_counter()


class Budget:
    """The cost of one derivation: scalar nodes charged before each piece is built, and the
    time spent, against ``seconds``."""

    def __init__(self, seconds: float = DEFAULT_BUDGET):
        self.seconds, self.nodes, self.started = float(seconds), 0, _clock()
        self.data: dict = {}  # id(constant) -> (the constant, its data symbol)
        self.names = self.calls = 0

    def new_data(self, array):
        """A fresh data symbol C0, C1, ... bound to (a float64 copy of) ``array``."""
        self.names += 1
        return _classes()[0](f"C{self.names - 1}", np.array(array, dtype=float))

    def charge(self, nodes: int, what: str) -> None:
        """Count ``nodes`` more scalar nodes for ``what``; refuse if they cannot fit the
        budget, or if the time is already spent."""
        nodes = int(nodes)
        if (self.nodes + nodes) / NODES_PER_SECOND > self.seconds:
            raise BudgetError(self.nodes + nodes, self.seconds,
                              f"{what} would create {nodes:,} scalar nodes")
        self.nodes += nodes
        self.calls += 1
        if self.calls % 64 == 0 and _clock() - self.started > SLACK * self.seconds:
            raise BudgetError(self.nodes, self.seconds,
                              f"tracing took {_clock() - self.started:.0f} s, at {what}",
                              measured=True)

    def pace(self, steps: int, what: str) -> "Pace":
        return Pace(self, steps, what)


class Pace:
    """``steps`` steps of one kind (differentiating a term with respect to one variable):
    :meth:`step` before each refuses once the measured pace (after :data:`MIN_SAMPLE`)
    predicts :data:`SLACK` x the budget will be passed, or once it is passed."""

    def __init__(self, budget: Budget, steps: int, what: str):
        self.budget, self.steps, self.what = budget, steps, what
        self.done, self.started = 0, _clock()

    def step(self) -> None:
        now = _clock()
        spent, own = now - self.budget.started, now - self.started
        limit = SLACK * self.budget.seconds
        if spent > limit or (self.done >= MIN_SAMPLE[0] and own >= MIN_SAMPLE[1]):
            predicted = spent + own / max(self.done, 1) * (self.steps - self.done)
            if predicted > limit:
                raise BudgetError(
                    self.budget.nodes, self.budget.seconds,
                    f"{self.what} {self.steps:,} term-variable pairs would take about "
                    f"{predicted:.0f} s at the pace of the first {self.done:,}",
                    measured=True)
        self.done += 1


_STATE = threading.local()


def current() -> Budget:
    """The budget of the derivation running in this thread (a default one outside any)."""
    budget = getattr(_STATE, "budget", None)
    return budget if budget is not None else Budget()


class budgeted:
    """``with budgeted(seconds) as b:`` -- a derivation charged against ``b``."""

    def __init__(self, seconds: float):
        self.budget = Budget(seconds)

    def __enter__(self) -> Budget:
        self._outer = getattr(_STATE, "budget", None)
        _STATE.budget = self.budget
        return self.budget

    def __exit__(self, *exc):
        _STATE.budget = self._outer
        return False


def check_budget(budget) -> float:
    """``budget`` as seconds > 0, or an OptionError saying what is wrong."""
    from ..errors import OptionError
    if isinstance(budget, bool) or not isinstance(budget, (int, float, np.integer,
                                                           np.floating)) \
            or not (math.isfinite(budget) and budget > 0):
        raise OptionError(f"budget must be a positive number of seconds, got {budget!r}")
    return float(budget)


# --- packed values ----------------------------------------------------------------------------
def data_symbol(c: np.ndarray):
    """The data symbol of the constant array ``c`` in this derivation (one per array object,
    so an array used twice is one symbol and shared subexpressions stay shared)."""
    budget = current()
    entry = budget.data.get(id(c))
    if entry is None:  # the array is kept with its symbol: its id is not reused meanwhile
        entry = budget.data[id(c)] = (c, budget.new_data(c))  # a copy: f may change c
    return entry[1]


def _moved(s, array):
    return _classes()[0](s.name, np.ascontiguousarray(array), s.closed)


def _is_array(c) -> bool:
    return isinstance(c, np.ndarray) and c.ndim > 0


def elementwise(cls, fn, args, constant):
    """``fn`` applied to one expression per operand, as a packed ``cls`` value, when the
    operands allow it: a packed operand, or a scalar variable meeting a large constant array;
    every other operand a scalar expression or a constant. None otherwise (the caller expands).
    ``constant`` turns a plain number into a sympy number."""
    syms = [a for a in args if isinstance(a, cls)]
    if any(a.batch is None and isinstance(a.expr, np.ndarray) for a in syms):
        return None  # an object array of expressions: element by element
    if not any(a.batch is not None for a in syms):
        sizes = [np.size(a) for a in args if not isinstance(a, cls) and np.ndim(a)]
        if not sizes or max(sizes) < PACK_ELEMENTS:
            return None
    exprs, shapes = [], []
    for a in args:
        if not isinstance(a, cls):
            a = plain_constant(a, "the symbolic method")
            if isinstance(a, np.ndarray) and a.ndim == 0:
                a = a.item()
        if isinstance(a, cls):
            exprs.append(a.expr)
            shapes.append(a.shape)
        elif _is_array(a):
            exprs.append(data_symbol(a))
            shapes.append(a.shape)
        else:
            exprs.append(constant(a))
            shapes.append(())
    shape = np.broadcast_shapes(*shapes)
    current().charge(1, "an elementwise operation")
    return cls(fn(*exprs), shape)


def total(cls, x):
    """np.sum of every element of the packed ``x``: an ArraySum, with the data symbols inside
    it made closed copies (so indexing an outer value never reaches into the sum)."""
    current().charge(1, "a sum")
    closed = {s: _classes()[0](s.name, s.array, closed=True) for s in _open_data(x.expr)}
    return cls(array_sum(x.expr.xreplace(closed), x.shape))


def move(cls, prim, x, params):
    """A data movement (``x[i]``, reshape, transpose, broadcast_to) of the packed ``x``: the
    same movement of each data array; an element picked alone becomes a plain expression."""
    shape = np.shape(prim.value(np.broadcast_to(0.0, x.shape), **params))
    opened = _open_data(x.expr)
    current().charge(len(opened) + 1, f"moving elements ({prim.name})")
    moved = {s: prim.value(np.broadcast_to(s.array, x.shape), **params) for s in opened}
    if shape == ():
        return cls(x.expr.xreplace({s: sympy.Float(float(v), 17) for s, v in moved.items()}))
    return cls(x.expr.xreplace({s: _moved(s, v) for s, v in moved.items()}), shape)


def where(cls, xs, condition, constant):
    """np.where with a constant condition on packed (or scalar) branches: a Piecewise."""
    cond = np.asarray(condition, dtype=float)
    return elementwise(cls, lambda c, a, b: sympy.Piecewise((a, sympy.Ne(c, 0)), (b, True)),
                       (cond if cond.ndim else float(cond), *xs), constant)


def expand(x) -> np.ndarray:
    """The packed ``x`` element by element: an object array of scalar expressions."""
    size = math.prod(x.shape)
    opened = _open_data(x.expr)
    current().charge(size * (sympy.count_ops(x.expr, visual=False) + 1),
                     f"expanding an array of shape {x.shape} element by element")
    if not opened:
        return np.full(x.shape, x.expr, dtype=object)
    columns = [np.broadcast_to(s.array, x.shape).ravel().tolist() for s in opened]
    out = np.empty(size, dtype=object)
    for k in range(size):
        out[k] = x.expr.xreplace({s: sympy.Float(col[k], 17)
                                  for s, col in zip(opened, columns)})
    return out.reshape(x.shape)


def contraction(cls, spec, xs, evaluate):
    """einsum/matmul packed, for a constant array contracted with variables it sums over
    (``X @ w``: sum_k X[:, k] w_k), or packed operands of equal labels summed to a scalar
    (``z @ y``). None where neither applies (the caller expands)."""
    syms = [k for k, x in enumerate(xs) if isinstance(x, cls)]
    if any(xs[k].batch is not None for k in syms):
        if spec.output or len(set(spec.inputs)) != 1 or \
                len({tuple(shape_of(x)) for x in xs}) != 1:
            return None  # only sum(a * b * ...) of operands of one shape
        product = elementwise(cls, lambda *es: sympy.Mul(*es), xs, lambda c: c)
        return None if product is None else total(cls, product)
    if len(xs) != 2 or len(syms) != 1 or not _is_array(xs[1 - syms[0]]):
        return None
    v, c = xs[syms[0]], xs[1 - syms[0]]
    lv, lc = spec.inputs[syms[0]], spec.inputs[1 - syms[0]]
    if not isinstance(v.expr, np.ndarray) or set(lv) & set(spec.output) \
            or len(set(lv)) != len(lv) or not spec.output or not set(lv) <= set(lc):
        return None
    sizes = dict(zip(lc, c.shape))
    if any(sizes.get(lab, n) != n for lab, n in zip(lv, v.shape)):
        return None  # broadcasting along a summed axis: element by element
    out_shape = tuple(sizes[lab] for lab in spec.output)
    if v.expr.size * math.prod(out_shape) < PACK_ELEMENTS:
        return None
    from ..contractions import Spec
    weights = evaluate(Spec((lc,), lv + spec.output), [np.asarray(c, dtype=float)])
    weights = weights.reshape((v.expr.size,) + out_shape)
    current().charge(2 * v.expr.size, "a contraction with a constant array")
    budget = current()
    terms = [budget.new_data(weights[t]) * e
             for t, e in enumerate(v.expr.ravel().tolist()) if np.any(weights[t])]
    return cls(sympy.Add(*terms), out_shape)
