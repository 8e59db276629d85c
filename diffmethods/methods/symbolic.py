"""Symbolic differentiation: trace ``f`` into a sympy expression, differentiate, compile.

``f`` runs once on :class:`Sym` values, which build a sympy expression from the operation
table's sympy column instead of computing numbers. ``sympy.diff`` differentiates it with respect
to each input symbol, and ``sympy.lambdify`` with common-subexpression elimination compiles the
value and the gradient into one numpy function. That work is done once per function and
dimension and cached, so a gradient-descent loop pays for it once.

The expressions are available through :func:`symbolic_gradient`, with their sizes
(``sympy.count_ops``) before and after common-subexpression elimination, which is how the
harness shows *expression swell*.

A Python ``if`` on a value cannot be traced this way: the expression would follow one branch and
silently be wrong elsewhere, so it is refused with :class:`~diffmethods.errors.BranchError`.
Conventions at kinks: d|x|/dx = sign(x), 0 at x = 0; max/min split ties 1/2 each (Heaviside(0)).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .._lazy import lazy_import

from ..array_ops import INDEX, SUM, WHERE, shape_of
from ..declarations import Counts, Declaration, Kind, Option, positive_float
from ..display import RichDisplay
from ..errors import BranchError, UnsupportedOperationError
from ..points import ARRAY, Problem
from ..tracing import Traced, plain_constant
from . import symbolic_arrays as arrays
from .symbolic_cache import MAX_ENTRIES_PER_FUNCTION, _cached, clear_cache  # noqa: F401
from .symbolic_compile import Compiled

sympy = lazy_import("sympy")


class Sym(Traced):
    """A symbolic value: a sympy expression, or an object array of them for array inputs, or
    one expression standing for every element of an array of shape ``batch`` whose constant
    data stay arrays (a *packed* value, :mod:`~diffmethods.methods.symbolic_arrays`)."""

    __slots__ = ("expr", "batch")
    method_label = "the symbolic method"

    def __init__(self, expr, batch=None):
        self.expr, self.batch = expr, (tuple(batch) if batch else None)

    def __repr__(self) -> str:
        return f"Sym({self.expr!r}{'' if self.batch is None else f', batch={self.batch}'})"

    def _primal(self):
        inside = _numpy_caller()
        if inside:  # numpy's own loop compared elements: an object array of traced values
            raise BranchError(
                f"{inside} compared traced values one by one, as it does on an object array "
                "(what np.array([...]) builds from traced numbers), and the symbolic method has "
                "no values to compare. Build the array with np.stack([...]), so that "
                f"{inside} sees one traced array, or use another method.")
        raise BranchError(
            "the symbolic method cannot follow data-dependent branches: f compared or tested a "
            "value (an `if`, `<`, `max()`, ...), and a traced expression has no value to "
            "compare. Write the branch with np.where(condition, a, b), np.maximum, np.minimum or "
            "np.abs, or use another method (forward and reverse mode follow the branch taken at "
            "the point).")

    @property
    def shape(self) -> tuple:
        return shape_of(self.expr) if self.batch is None else self.batch

    # Comparisons build sympy relations, usable by np.where (which becomes a Piecewise);
    # only turning one into a Python bool (an `if`) is refused.
    def _compare(self, other, relation):
        packed = arrays.elementwise(Sym, relation, (self, other), _expr)
        if packed is not None:
            return packed
        a, b = _expr(self), _expr(other)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return Sym(np.frompyfunc(relation, 2, 1)(a, b))
        return Sym(relation(a, b))

    def __lt__(self, other):
        return self._compare(other, sympy.Lt)

    def __le__(self, other):
        return self._compare(other, sympy.Le)

    def __gt__(self, other):
        return self._compare(other, sympy.Gt)

    def __ge__(self, other):
        return self._compare(other, sympy.Ge)

    def __eq__(self, other):
        return self._compare(other, sympy.Eq)

    def __ne__(self, other):
        return self._compare(other, sympy.Ne)

    __hash__ = Traced.__hash__

    def _refuse_as_index(self):
        raise BranchError("indexing with a condition on values (x[x > 0]) selects elements "
                          "by value, which the symbolic method cannot follow; use "
                          "np.where(x > 0, expression, 0) instead")

    @classmethod
    def _select(cls, condition, x, y):
        """np.where(condition, x, y) as a Piecewise expression, element by element."""
        def piece(c, a, b):
            return sympy.Piecewise((a, c), (b, True))
        packed = arrays.elementwise(Sym, piece, (condition, x, y), _expr)
        if packed is not None:
            return packed
        return _each(piece, [_expr(condition), _expr(x), _expr(y)], "np.where")

    @classmethod
    def _elementwise(cls, op, args):
        packed = arrays.elementwise(Sym, op.sympy, args, _expr)
        if packed is not None:
            return packed
        return _each(op.sympy, [_expr(a) for a in args], f"np.{op.name}")

    @classmethod
    def _linear(cls, prim, args, params):
        if prim.multi:
            if prim is WHERE:
                packed = arrays.where(Sym, args, params["condition"], _expr)
                if packed is not None:
                    return packed
            return Sym(_unwrap(prim.value(tuple(_expr(a) for a in args), **params)))
        (x,) = args
        if prim is INDEX and _has_sym(params["index"]):
            raise BranchError("indexing with a condition on values (x[x > 0]) selects elements "
                              "by value, which the symbolic method cannot follow; use "
                              "np.where(x > 0, expression, 0) instead")
        if x.batch is not None:
            if prim is SUM and _sums_everything(params["axis"], len(x.batch)):
                whole = arrays.total(Sym, x)
                return Sym(whole.expr, (1,) * len(x.batch)) if params["keepdims"] else whole
            if any(prim is m for m in arrays.MOVES):
                return arrays.move(Sym, prim, x, params)
        expr = _expr(x)
        if prim is SUM and params["axis"] is None and not params["keepdims"]:
            arrays.current().charge(np.size(expr), "a sum")
            return Sym(sympy.Add(*np.ravel(expr)))  # one flat sum, not n nested additions
        if prim is SUM:
            arrays.current().charge(np.size(expr), "a sum")
        return Sym(_unwrap(prim.value(expr, **params)))

    @classmethod
    def _matmul(cls, a, b):
        # the contraction row with matmul's subscripts, on object arrays of expressions
        from ..contractions import MATMUL, matmul_operands
        a, b, spec = matmul_operands(a, b)
        return cls._primitive(MATMUL, (a, b), {"spec": spec})

    @classmethod
    def _primitive(cls, prim, args, params):
        from ..contractions import EINSUM, evaluate
        if prim.sympy is EINSUM.sympy:
            packed = arrays.contraction(Sym, params["spec"], args, evaluate)
            if packed is not None:
                return packed
            sizes = {}
            for labels, a in zip(params["spec"].inputs, args):
                sizes.update(zip(labels, shape_of(a)))
            arrays.current().charge(2 * math.prod(sizes.values()), "a contraction (np.einsum, @)")
        else:
            arrays.current().charge(sum(math.prod(shape_of(a)) for a in args) ** 1.5,
                                    f"{prim.name} on arrays of expressions")
        return Sym(_unwrap(prim.symbolic(*(_expr(a) for a in args), **params)))


def _numpy_caller() -> str:
    """'np.max' when the comparison that asked for a value came from inside numpy's Python
    code (the outermost numpy frame below f), else ''."""
    frame, found = sys._getframe(2), ""
    for _ in range(8):  # the comparison dunder, then numpy's wrappers
        if frame is None:
            break
        module = frame.f_globals.get("__name__", "")
        if module == "numpy" or module.startswith("numpy."):
            public = module.split("._")[0]  # numpy._core.fromnumeric -> numpy
            found = f"np{public[len('numpy'):]}.{frame.f_code.co_name}"
        elif found:
            break
        frame = frame.f_back
    return found


def _sums_everything(axis, ndim: int) -> bool:
    if axis is None:
        return True
    axes = axis if isinstance(axis, tuple) else (axis,)
    return {int(a) % ndim for a in axes} == set(range(ndim))


def _each(fn, exprs, what):
    """``fn`` element by element on object arrays of expressions (broadcast), or once."""
    if any(isinstance(e, np.ndarray) for e in exprs):
        shape = np.broadcast_shapes(*(np.shape(e) for e in exprs))
        arrays.current().charge(math.prod(shape), what)
        return Sym(_unwrap(np.frompyfunc(fn, len(exprs), 1)(*exprs)))
    arrays.current().charge(1, what)
    return Sym(fn(*exprs))


def _float(v):
    # 17 significant digits: sympy's default (15) would round the constant when the compiled
    # code prints it, e.g. 2*pi = 6.28318530717959, and cost ~1e-13 in the gradient.
    return sympy.Float(float(v), 17)


_float_array = np.frompyfunc(_float, 1, 1)


def _expr(a):
    """The expression of an operand: an object array for a packed value (expanded), numbers
    for constants (an array element by element)."""
    if isinstance(a, Sym):
        return a.expr if a.batch is None else arrays.expand(a)
    a = plain_constant(a, "the symbolic method")
    if isinstance(a, np.ndarray) and a.dtype.kind in "iuf":
        if a.ndim:
            arrays.current().charge(a.size, "a constant array, element by element")
        return _float_array(a)
    if isinstance(a, (float, np.floating)):
        return _float(a)
    return a


def _has_sym(index) -> bool:
    return any(isinstance(i, Sym) for i in (index if isinstance(index, tuple) else (index,)))


def _unwrap(x):
    """0-d object arrays and numpy scalars back to plain sympy expressions."""
    if isinstance(x, np.ndarray) and x.shape == ():
        x = x.item()
    if isinstance(x, (np.floating, np.integer)):
        x = x.item()
    return x


# --- deriving and compiling, once per (function, convention, dimension) ---------------------
@dataclass
class SymbolicGradient(RichDisplay):
    """The traced expression of ``f``, its gradient expressions and their compiled form.

    ``ops`` is ``sympy.count_ops`` of the expression and gradient as derived (every repeated
    subexpression counted again); ``ops_cse`` counts what the compiled code evaluates after
    common-subexpression elimination.
    """

    symbols: tuple
    expression: object
    gradient: tuple
    ops: int
    ops_cse: int
    derive_seconds: float
    compile_seconds: float
    compiled: Compiled = field(repr=False)

    @property
    def cse(self) -> tuple:
        """(replacements, reduced expressions): what the compiled code evaluates."""
        return self.compiled.cse

    @property
    def function(self):
        """The compiled function: values of the arguments (then the arrays of :attr:`data`)
        -> [f, df/dx1, ...]."""
        return self.compiled.function

    @property
    def data(self) -> dict:
        """{data symbol: its constant array}: the arrays kept packed in the expressions
        (empty when every constant is a number in them)."""
        return {s: s.array for s in self.compiled.data}

    def __call__(self, x):
        """Value and gradient at the coordinates ``x``."""
        out = self.compiled(x)
        return out[0], np.array(out[1:])

    def _display(self):
        from ..display import symbolic_view
        return symbolic_view(self)


def _symbol_names(problem: Problem) -> list[str]:
    """One name per component, unique: f's parameter names for numbers (x1..xn for *args),
    x0, x1, ... for the elements of a 1-D array point ``x``, and ``W1_2_1`` for element
    [2, 1] of an argument ``W1`` of a structured point."""
    if problem.kind == ARRAY:
        base = problem.leaves[0].name
        names = [f"{base}{i}" for i in range(problem.n)]
    else:
        names = problem.structure.symbol_names()
    seen: dict = {}
    for i, name in enumerate(names):  # two components must never share a symbol
        if name in seen:
            seen[name] += 1
            names[i] = f"{name}__{seen[name]}"
        else:
            seen[name] = 0
    return names


def _symbolic_inputs(problem: Problem):
    """(symbols, what f is called with): one Sym per leaf -- a symbol for a number, an object
    array of symbols for an array."""
    arrays.current().charge(problem.n, "one symbol per coordinate")
    symbols = tuple(sympy.Symbol(name, real=True) for name in _symbol_names(problem))
    inputs = []
    for leaf in problem.leaves:
        if leaf.shape:
            inputs.append(Sym(np.array(symbols[leaf.flat], dtype=object).reshape(leaf.shape)))
        else:
            inputs.append(Sym(symbols[leaf.offset]))
    return symbols, inputs


def trace(problem: Problem):
    """Run ``f`` once on symbols; return (symbols, expression). Charged against the budget of
    the derivation running (:func:`~diffmethods.methods.symbolic_arrays.budgeted`)."""
    symbols, inputs = _symbolic_inputs(problem)
    out = problem.scalar_output(problem(inputs), Sym)
    return symbols, _as_expr(out.expr if isinstance(out, Sym) else out)


def differentiate_all(expr, symbols) -> tuple:
    """d expr / d s for every symbol s, with ``sympy.diff``.

    A sum is split into its terms first and each term is differentiated only with respect to the
    symbols it contains, so a sum of many small terms (Rosenbrock) costs one pass over the terms
    instead of n passes over the whole expression."""
    terms = expr.args if expr.is_Add else (expr,)
    parts: dict = {s: [] for s in symbols}
    pairs = [(term, s) for term in terms for s in term.free_symbols if s in parts]
    pace = arrays.current().pace(len(pairs), "differentiating")  # refuses if too slow
    for term, s in pairs:
        pace.step()
        parts[s].append(sympy.diff(term, s))
    grads = []
    for s in symbols:
        g = sympy.Add(*parts[s])
        # d sign(x)/dx is 0 away from 0; sympy says 2*DiracDelta(x). Keep the table's convention.
        if g.has(sympy.DiracDelta):
            g = g.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
        if g.has(sympy.Derivative):
            raise UnsupportedOperationError(f"sympy could not differentiate {expr} with respect "
                                            f"to {s}")
        if any(p.exp.free_symbols for p in g.atoms(sympy.Pow)):
            # sympy writes d(a**b)/da as b*a**b/a: 0/0 at a = 0 and an underflow to 0 near it,
            # where b*a**(b - 1) is exact (the table's power rule); powsimp writes it so
            g = sympy.powsimp(g)
        grads.append(g)
    return tuple(grads)


def derive(problem: Problem, budget: float = arrays.DEFAULT_BUDGET) -> SymbolicGradient:
    """Trace, differentiate and compile (uncached); refused with a BudgetError, before the
    expensive part, where the predicted cost passes ``budget`` seconds."""
    t0 = time.perf_counter()
    with arrays.budgeted(budget):
        symbols, expr = trace(problem)
        grads = differentiate_all(expr, symbols)
    t1 = time.perf_counter()
    exprs = [expr, *grads]
    replacements, reduced = sympy.cse(exprs)
    compiled = Compiled(symbols, (replacements, reduced))
    t2 = time.perf_counter()
    ops_cse = sum(sympy.count_ops(r) for _, r in replacements) + sympy.count_ops(reduced)
    return SymbolicGradient(symbols, expr, grads, int(sympy.count_ops(exprs)), int(ops_cse),
                            t1 - t0, t2 - t1, compiled)


def cached_derivation(problem: Problem, budget: float = arrays.DEFAULT_BUDGET):
    """(SymbolicGradient, fresh): from the cache, or derived now (fresh=True) within
    ``budget`` seconds (a cached derivation is returned whatever the budget)."""
    return _cached(problem, "gradient", lambda: derive(problem, budget))


@dataclass
class SymbolicMatrix:
    """Expressions of f (one or several outputs) and a matrix of their derivatives, compiled
    together: the Jacobian of a vector f, or the Hessian of a scalar f."""

    symbols: tuple
    values: tuple
    matrix: tuple  # rows of expressions
    seconds: float
    compiled: Compiled = field(repr=False)

    def __call__(self, x):
        out = self.compiled(x)
        m = len(self.values)
        return np.array(out[:m]), np.array(out[m:]).reshape(len(self.matrix), -1)


def _compile_matrix(symbols, values, matrix, started) -> SymbolicMatrix:
    exprs = list(values) + [e for row in matrix for e in row]
    return SymbolicMatrix(symbols, tuple(values), tuple(tuple(r) for r in matrix),
                          time.perf_counter() - started, Compiled(symbols, sympy.cse(exprs)))


def _trace_outputs(problem):
    """Run f on symbols; return (symbols, one expression per output)."""
    from ..vectors import vector_output
    symbols, inputs = _symbolic_inputs(problem)
    outputs = vector_output(problem(inputs), Sym, problem)
    return symbols, [_as_expr(y.expr if isinstance(y, Sym) else y) for y in outputs]


def _as_expr(v):
    if isinstance(v, sympy.Basic):
        return v
    return sympy.Integer(v) if isinstance(v, (int, np.integer)) else sympy.Float(float(v))


def symbolic_gradient(f, point, argnums=None, *,
                      budget: float = arrays.DEFAULT_BUDGET) -> SymbolicGradient:
    """The symbolic expression of ``f`` and of its gradient, with their sizes.

    ``point`` fixes the convention and dimension: an int n means ``f(x1, ..., xn)``; any other
    point is read as in :func:`diffmethods.gradient` (its values are not used, but the values of
    arguments left out with ``argnums`` are: they are constants of the expression). Large
    constant arrays stay arrays (:attr:`SymbolicGradient.data`); a derivation predicted to take
    more than ``budget`` seconds raises :class:`~diffmethods.errors.BudgetError`.

    >>> sg = symbolic_gradient(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), 3)
    >>> sg.gradient
    (6*x1, 3*x3, 3*x2)
    """
    if isinstance(point, (int, np.integer)) and not isinstance(point, bool):
        if point < 1:
            from ..errors import PointError
            raise PointError(f"the dimension must be at least 1, got {point}")
        point = (0.0,) * int(point)
    return cached_derivation(Problem(f, point, "symbolic", argnums),
                             arrays.check_budget(budget))[0]


class SymbolicMethod:
    name = "symbolic"

    summary = "trace to a sympy expression, sympy.diff, lambdify with CSE (cached)"
    exact = True
    declaration = Declaration(
        kind=Kind.SYMBOLIC, exact=True, builds_from_f=False,
        options=(Option("budget", arrays.DEFAULT_BUDGET,
                        "seconds the derivation may take: one predicted to take longer is "
                        "refused (BudgetError) before it is built", positive_float),),
        setup="derivation and compilation, once per function (cached)",
        counts=Counts(passes=lambda n, settings: 1,
                      rule=lambda settings: "one evaluation of the compiled gradient"))

    def clear_cache(self) -> None:
        """Forget every cached derivation (the report starts each run from none)."""
        clear_cache()

    def gradient(self, problem, *, budget: float = arrays.DEFAULT_BUDGET):
        sg, fresh = cached_derivation(problem, arrays.check_budget(budget))
        value, grad = sg(problem.x)
        return problem.result(value, grad, passes=1, ops=sg.ops_cse, cached=not fresh,
                              derive_seconds=sg.derive_seconds,
                              compile_seconds=sg.compile_seconds, ops_derived=sg.ops)

    def jacobian(self, problem, *, budget: float = arrays.DEFAULT_BUDGET):
        """The exact Jacobian: sympy.diff of every output, compiled once and cached."""
        budget = arrays.check_budget(budget)

        def build():
            started = time.perf_counter()
            with arrays.budgeted(budget):
                symbols, outputs = _trace_outputs(problem)
                rows = [differentiate_all(e, symbols) for e in outputs]
            return _compile_matrix(symbols, outputs, rows, started)
        sm, fresh = _cached(problem, "jacobian", build)
        value, J = sm(problem.x)
        return problem.result(value, J, passes=1, ops=None, cached=not fresh,
                              derive_seconds=sm.seconds)

    def hessian(self, problem, *, budget: float = arrays.DEFAULT_BUDGET):
        """The exact Hessian: sympy.diff of every gradient expression, compiled and cached."""
        budget = arrays.check_budget(budget)
        sg, _ = cached_derivation(problem, budget)

        def build():
            started = time.perf_counter()
            with arrays.budgeted(budget):
                rows = [differentiate_all(g, sg.symbols) for g in sg.gradient]
            return _compile_matrix(sg.symbols, [sg.expression], rows, started)
        sm, fresh = _cached(problem, "hessian", build)
        value, H = sm(problem.x)
        return problem.result(float(value[0]), H, passes=1, ops=None, cached=not fresh,
                              derive_seconds=sm.seconds)

    def hvp(self, problem, direction, *, budget: float = arrays.DEFAULT_BUDGET):
        """H(x) v from the exact Hessian."""
        r = self.hessian(problem, budget=budget)  # the direction is checked by the operator
        return problem.result(r.value, r.derivative @ direction, passes=1, ops=None)
