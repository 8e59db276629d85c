"""Reverse mode: record the computation on a tape, then sweep it backwards once.

Running ``f`` on :class:`Var` values records every elementary operation on a :class:`Tape`, in
the order it runs (a Wengert list). A record names the node it creates, the nodes it read and the
local partial derivative with respect to each of them, evaluated right then from the operation
table (:mod:`diffmethods.ops`)::

    (out, i, d_i)              out = op(x_i)         or op(x_i, constant)
    (out, i, d_i, j, d_j)      out = op(x_i, x_j)
    (out, backward)            an array primitive: backward(adjoint_out, adjoints) applies
                               its transpose (see diffmethods.array_ops)

The backward sweep walks the records from last to first. The tape is already in topological
order, so there is no graph search and no recursion, and a node's adjoint is complete when its
record is reached. Each step is the chain rule::

    adjoint[i] += d_i * adjoint[out]

For f(x1, x2, x3) = 3*(x1**2 + x2*x3) at (2, 3, 4) the tape holds four records::

    (3, 0, 4.0)            x4 = x1**2     d x4/d x1 = 2*x1 = 4
    (4, 1, 4.0, 2, 3.0)    x5 = x2*x3     d x5/d x2 = x3 = 4,  d x5/d x3 = x2 = 3
    (5, 3, 1.0, 4, 1.0)    x6 = x4 + x5
    (6, 5, 3)              x7 = 3*x6      d x7/d x6 = 3

and the sweep from adjoint[6] = 1 gives adjoint[0:3] = (12, 12, 9).

Each gradient call makes its own tape; nothing is shared between calls or threads.
"""

from __future__ import annotations

import numpy as np

from ..array_ops import check_matmul, matmul_transpose, shape_of, sum_to_shape
from ..errors import FunctionError, UnsupportedOperationError
from ..ops import BINARY_DUNDERS, ieee
from ..tracing import Traced, plain_constant


class Tape:
    """The records of one forward run, and the backward sweep over them.

    ``trace``, when a list, also receives ``(node, op_name, args, value, partials)`` for every
    operation, for the step-by-step explanations (:mod:`diffmethods.teaching`).
    """

    __slots__ = ("records", "size", "inputs", "trace")

    def __init__(self, trace: bool = False):
        self.records: list[tuple] = []
        self.size = 0  # number of nodes: inputs and operation results
        self.inputs = 0  # nodes below this index are inputs (leaves with no record)
        self.trace = [] if trace else None

    def variable(self, value) -> "Var":
        """A new node holding ``value`` (a float or an array); its record, if any, is the
        caller's business."""
        var = Var(self, self.size, value)
        self.size += 1
        return var

    def input(self, value) -> "Var":
        """A new input (leaf) node; inputs are made before f runs."""
        var = self.variable(value)
        self.inputs = self.size
        return var

    def backward(self, seeds: dict, log: list | None = None) -> list:
        """Sweep the records in reverse from ``seeds`` ({node: adjoint}); return all adjoints.

        An adjoint that is still the integer 0 belongs to a node that does not lead to the
        output; its record is skipped, so an unused ``np.sqrt(0)`` cannot turn 0 * inf into NaN.
        With ``log`` a list, every accumulation ``adjoint[i] += d_i * adjoint[out]`` of the
        scalar records is also appended to it as ``(out, i, d_i, adjoint[out])``, in the order
        the sweep makes them (for the step-by-step explanations).
        """
        adjoint = [0] * self.size
        for node, seed in seeds.items():
            adjoint[node] = seed
        if log is not None:
            return self._logged_backward(adjoint, log)
        for record in reversed(self.records):
            g = adjoint[record[0]]
            if type(g) is int:
                continue
            if len(record) == 5:
                _, i, d_i, j, d_j = record
                adjoint[i] += d_i * g
                adjoint[j] += d_j * g
            elif len(record) == 3:
                adjoint[record[1]] += record[2] * g
            else:
                record[1](g, adjoint)
        return adjoint

    def _logged_backward(self, adjoint: list, log: list) -> list:
        for record in reversed(self.records):
            out, g = record[0], adjoint[record[0]]
            if type(g) is int:
                continue
            if len(record) == 2:
                log.append((out, None, None, g))  # an array primitive: its transpose
                record[1](g, adjoint)
                continue
            for i, d_i in zip(record[1::2], record[2::2]):
                log.append((out, i, d_i, g))
                adjoint[i] += d_i * g
        return adjoint


class Var(Traced):
    """A value flowing through ``f`` in reverse mode: a node on a :class:`Tape`."""

    __slots__ = ("tape", "index", "value", "_items")
    method_label = "reverse mode"
    priority = 2  # a Var may hold dual numbers (forward-over-reverse), never the other way

    def __init__(self, tape: Tape, index: int, value):
        self.tape = tape
        self.index = index
        self.value = value

    def __repr__(self) -> str:
        return f"Var(x{self.index + 1} = {self.value!r})"

    def _primal(self):
        v = self.value
        return v._primal() if isinstance(v, Traced) else v

    @property
    def shape(self) -> tuple:
        return shape_of(self.value)

    # --- elementwise operations: one record with the local partials --------------------
    @classmethod
    def _elementwise(cls, op, args):
        tape = _tape_of(args)
        values = [a.value if isinstance(a, Var) else _constant(a) for a in args]
        try:
            out = op.value(*values)
        except (ArithmeticError, ValueError):
            out = ieee(op.value, *values)
        if isinstance(out, np.ndarray) and out.shape == ():
            out = float(out)
        elif isinstance(out, np.floating):
            out = float(out)
        edges = []
        for k, a in enumerate(args):
            if isinstance(a, Var):
                try:
                    d = op.partials[k](out, *values)
                except (ArithmeticError, ValueError):
                    d = ieee(op.partials[k], out, *values)
                edges.append((a, d))
        result = tape.variable(out)
        node, out_shape = result.index, shape_of(out)
        if all(shape_of(a.value) == out_shape for a, _ in edges):
            record = (node,)
            for a, d in edges:
                record += (a.index, d)
        else:  # the op broadcast an input: its adjoint is summed back down to its shape
            def backward(g, adjoint, edges=[(a.index, d, a.shape) for a, d in edges]):
                for i, d, shape in edges:
                    adjoint[i] += sum_to_shape(d * g, shape)
            record = (node, backward)
        tape.records.append(record)
        if tape.trace is not None:
            tape.trace.append((node, op.name, tuple(args), out, tuple(d for _, d in edges)))
        return result

    # --- array primitives: one record whose backward step is the transpose ---------------
    @classmethod
    def _linear(cls, prim, args, params):
        tape = _tape_of(args)
        if prim.multi:
            xs = args
            values = tuple(x.value if isinstance(x, Var) else np.asarray(_constant(x), float)
                           for x in xs)
            out = prim.value(values, **params)
            traced = [(k, x.index) for k, x in enumerate(xs) if isinstance(x, Var)]
            shapes = tuple(shape_of(v) for v in values)

            def backward(g, adjoint):
                parts = prim.transpose(g, shapes, **params)
                for k, i in traced:
                    adjoint[i] += parts[k]
        else:
            (x,) = args
            out = prim.value(x.value, **params)
            i, shape = x.index, x.shape

            def backward(g, adjoint):
                adjoint[i] += prim.transpose(g, shape, **params)
        if isinstance(out, np.ndarray) and out.shape == () or isinstance(out, np.floating):
            out = float(out)
        result = tape.variable(out)
        tape.records.append((result.index, backward))
        if tape.trace is not None:
            tape.trace.append((result.index, prim.name, tuple(args), out, ()))
        return result

    @classmethod
    def _matmul(cls, a, b):
        tape = _tape_of((a, b))
        av = a.value if isinstance(a, Var) else np.asarray(_constant(a), float)
        bv = b.value if isinstance(b, Var) else np.asarray(_constant(b), float)
        check_matmul(av, bv)
        out = av @ bv
        if isinstance(out, np.ndarray) and out.shape == () or isinstance(out, np.floating):
            out = float(out)
        edges = [(k, x.index) for k, x in enumerate((a, b)) if isinstance(x, Var)]

        def backward(g, adjoint):
            for k, i in edges:
                adjoint[i] += matmul_transpose(g, av, bv, k)
        result = tape.variable(out)
        tape.records.append((result.index, backward))
        if tape.trace is not None:
            tape.trace.append((result.index, "matmul", (a, b), out, ()))
        return result

    def __getitem__(self, index):
        # x[i] on a 1-D array is the common case in loops. Each element is made once and
        # reused; an element of an *input* array is itself an input (a leaf, no record), and
        # its adjoint is gathered into the array's gradient at the end (input_adjoints).
        value = self.value
        if type(index) is int and type(value) is np.ndarray and value.ndim == 1 \
                and self.tape.trace is None:
            index %= len(value)
            try:
                items = self._items
            except AttributeError:
                items = self._items = {}
            item = items.get(index)
            if item is None:
                if self.index < self.tape.inputs:
                    item = self.tape.variable(float(value[index]))
                else:
                    item = self._element(index)
                items[index] = item
            return item
        return Traced.__getitem__(self, index)

    def _element(self, i):
        """x[i] of an intermediate array: a record that adds the adjoint back at i."""
        tape, node, size = self.tape, self.index, len(self.value)

        def backward(g, adjoint):
            a = adjoint[node]
            if type(a) is int:
                a = adjoint[node] = np.zeros(size)
            a[i] += g
        item = tape.variable(float(self.value[i]))
        tape.records.append((item.index, backward))
        return item


def _constant(c):
    c = plain_constant(c, "reverse mode")
    return c.astype(float) if isinstance(c, np.ndarray) and c.dtype.kind != "f" else c


def _tape_of(args) -> Tape:
    tape = None
    for a in args:
        if isinstance(a, Var):
            if tape is None:
                tape = a.tape
            elif a.tape is not tape:
                raise UnsupportedOperationError(
                    "values from two different reverse-mode computations met in one operation "
                    "(nested dm.gradient calls on the same variables are not supported)")
    return tape


def _fast_binary(op):
    """``a <op> b`` for two scalar Vars or a Var and a number: the hot path of scalar code.
    It records exactly what :meth:`Var._elementwise` would, minus the generality."""
    value, (d_a, d_b) = op.value, op.partials
    generic = Var._elementwise

    def method(self, other):
        tape, a = self.tape, self.value
        if type(a) is float and tape.trace is None:
            try:
                if type(other) is Var:
                    b = other.value
                    if type(b) is float and other.tape is tape:
                        out = value(a, b)
                        n = tape.size
                        tape.size = n + 1
                        tape.records.append((n, self.index, d_a(out, a, b),
                                             other.index, d_b(out, a, b)))
                        return Var(tape, n, out)
                elif type(other) is float or type(other) is int:
                    out = value(a, other)
                    n = tape.size
                    tape.size = n + 1
                    tape.records.append((n, self.index, d_a(out, a, other)))
                    return Var(tape, n, out)
            except (ArithmeticError, ValueError):
                pass  # the generic path re-evaluates with IEEE semantics (inf, nan)
        return generic(op, (self, other))

    def reflected(self, other):  # other <op> self, other a number
        tape, b = self.tape, self.value
        if type(b) is float and tape.trace is None and (type(other) is float
                                                        or type(other) is int):
            try:
                out = value(other, b)
                n = tape.size
                tape.size = n + 1
                tape.records.append((n, self.index, d_b(out, other, b)))
                return Var(tape, n, out)
            except (ArithmeticError, ValueError):
                pass
        return generic(op, (other, self))

    return method, reflected


for _name, _op in BINARY_DUNDERS.items():
    _m, _r = _fast_binary(_op)
    setattr(Var, f"__{_name}__", _m)
    setattr(Var, f"__r{_name}__", _r)


# --- the method: one forward run that records, one backward sweep ---------------------------
def _record(problem, tape):
    """Run ``f`` on Var inputs; return (inputs, output)."""
    if problem.is_array:
        inputs = tape.input(problem.x.copy())
    else:
        inputs = [tape.input(float(v)) for v in problem.x]
    return inputs, problem(inputs)


def input_adjoints(problem, inputs, adjoint) -> np.ndarray:
    """The gradient read off the adjoints of the input nodes."""
    if not problem.is_array:
        return np.array([float(adjoint[v.index]) for v in inputs])
    g = adjoint[inputs.index]
    g = np.zeros(problem.n) if type(g) is int else np.array(g, dtype=float)
    items = getattr(inputs, "_items", None)
    if items:  # elements read one by one with x[i]: gather their adjoints
        g[np.fromiter(items.keys(), dtype=np.intp, count=len(items))] += \
            [float(adjoint[v.index]) for v in items.values()]
    return g


def _output_var(problem, tape, y):
    y = problem.scalar_output(y, Var)
    if isinstance(y, Var) and y.tape is not tape:
        raise FunctionError("f returned a value recorded on another tape")
    return y


class ReverseMode:
    name = "reverse"
    summary = "reverse-mode AD: record a tape, one backward sweep (cost independent of n)"
    exact = True

    def gradient(self, problem):
        tape = Tape()
        inputs, y = _record(problem, tape)
        y = _output_var(problem, tape, y)
        passes = 1
        if not isinstance(y, Var):  # f does not depend on its inputs
            return problem.result(y, np.zeros(problem.n), passes=passes, ops=len(tape.records))
        adjoint = tape.backward({y.index: 1.0})
        passes += 1
        return problem.result(y.value, input_adjoints(problem, inputs, adjoint), passes=passes,
                              ops=len(tape.records))

    def vjp(self, problem, cotangent):
        """w^T J(x) for a scalar or vector-valued f, in one forward and one backward sweep."""
        from ..vectors import vector_output
        tape = Tape()
        inputs, y = _record(problem, tape)
        outputs = vector_output(y, Var, problem)
        w = np.asarray(cotangent, dtype=float).reshape(-1)
        if w.size != len(outputs):
            raise FunctionError(f"the cotangent has {w.size} entries but f returned "
                                f"{len(outputs)} value{'s' if len(outputs) != 1 else ''}")
        seeds: dict = {}
        for wk, yk in zip(w, outputs):
            if isinstance(yk, Var):
                seeds[yk.index] = seeds.get(yk.index, 0.0) + wk
        adjoint = tape.backward(seeds) if seeds else [0] * tape.size
        value = np.array([yk.value if isinstance(yk, Var) else yk for yk in outputs], float)
        return problem.result(value, input_adjoints(problem, inputs, adjoint),
                              passes=2, ops=len(tape.records))
