"""The tape of reverse mode: record the computation, then sweep it backwards once.

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

from ..array_ops import INDEX, is_fancy, shape_of
from ..contractions import MATMUL, matmul_operands
from ..ops import BINARY_DUNDERS, ieee
from ..kept import frozen
from ..tracing import COMPARISONS, Traced, _primal, _reraise, float_constant, shared_context
from .adjoints import Sweep, array_backward, edges_of, kept_values, partial_at, accumulate, writable


class Tape:
    """The records of one forward run, and the backward sweep over them.

    ``trace``, when a list, also receives ``(node, op_name, args, value, partials)`` for every
    operation, for the step-by-step explanations (:mod:`diffmethods.teaching`).
    ``guards``, when a list, receives every decision f took on a traced value: ``(symbol, var,
    other, answer)`` for a comparison or ``bool()``, ``("value", var, None, value)`` for any
    other read of the plain value (a sort order, a rank). The compiled method
    (:mod:`diffmethods.program`) turns them into the guards of its program.
    """

    __slots__ = ("records", "size", "inputs", "trace", "guards")

    def __init__(self, trace: bool = False):
        self.records: list[tuple] = []
        self.size = 0  # number of nodes: inputs and operation results
        self.inputs = 0  # nodes below this index are inputs (leaves with no record)
        self.trace = [] if trace else None
        self.guards = None

    def note(self, node: int, prim, args, params: dict, out) -> None:
        """Trace an array primitive (only when tracing). A hook: a subclass that generates
        code from the trace also needs the primitive itself and its parameters."""
        self.trace.append((node, prim.name, tuple(args), out, ()))

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

    def backward(self, seeds: dict, log: list | None = None, retain: bool = False) -> list:
        """Sweep the records in reverse from ``seeds`` ({node: adjoint}); return all adjoints.

        An adjoint that is still the integer 0 belongs to a node that does not lead to the
        output; its record is skipped, so an unused ``np.sqrt(0)`` cannot turn 0 * inf into NaN.
        The adjoint of an intermediate *array* node is released (set to None) once it has been
        propagated, so its memory can be reused; inputs and scalar nodes keep theirs.
        With ``log`` a list, every accumulation ``adjoint[i] += d_i * adjoint[out]`` of the
        scalar records is also appended to it as ``(out, i, d_i, adjoint[out])``, in the order
        the sweep makes them, and every adjoint is kept (for the step-by-step explanations).
        Array records let go of the values they kept for their partials once used, so memory
        is reused during the sweep; pass ``retain=True`` to sweep the same tape again (one
        sweep per output for a Jacobian).
        """
        adjoint = [0] * self.size
        sweep = Sweep(retain or log is not None)
        for node, seed in seeds.items():
            adjoint[node] = seed
            sweep.shared.add(node)
        if log is not None:
            return self._logged_backward(adjoint, sweep, log)
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
                with np.errstate(all="ignore"):  # inf * 0 is nan: the domain policy says so
                    record[1](g, adjoint, sweep)
                adjoint[record[0]] = None  # propagated: let the array's memory be reused
        return adjoint

    def _logged_backward(self, adjoint: list, sweep: "Sweep", log: list) -> list:
        for record in reversed(self.records):
            out, g = record[0], adjoint[record[0]]
            if type(g) is int:
                continue
            if len(record) == 2:
                log.append((out, None, None, g))  # an array primitive: its transpose
                sweep.shared.add(out)  # the log keeps g: it must not be reused in place
                with np.errstate(all="ignore"):
                    record[1](g, adjoint, sweep)
                continue
            for i, d_i in zip(record[1::2], record[2::2]):
                log.append((out, i, d_i, g))
                adjoint[i] += d_i * g
        return adjoint


class _NoItems:
    """Marks a Var whose elements are not cached (not a 1-D array, or a traced tape)."""

    def __getitem__(self, index):
        return None


_NO_ITEMS = _NoItems()


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
        if self.tape.guards is not None:  # f reads the value to decide something: note it
            self.tape.guards.append(("value", self, None, v))
        return v._primal() if isinstance(v, Traced) else v

    def _compared(self, symbol, other):
        guards = self.tape.guards
        if guards is None:
            return Traced._compared(self, symbol, other)
        a, b = self.value, other.value if type(other) is Var else other
        answer = bool(a) if symbol == "bool" else COMPARISONS[symbol](a, _primal(b))
        guards.append((symbol, self, other, answer))
        return answer

    # --- elementwise operations: one record with the local partials --------------------
    @classmethod
    def _elementwise(cls, op, args):
        tape, values, traced = None, [], []
        for k, a in enumerate(args):
            if type(a) is Var:
                if tape is None:
                    tape = a.tape
                elif a.tape is not tape:
                    _tape_of(args)  # raises the error about mixed tapes
                values.append(a.value)
                traced.append(k)
            else:
                values.append(_constant(a))
        try:
            out = op.value(*values)
        except (ArithmeticError, ValueError):
            out = ieee(op.value, *values)
        if type(out) is np.ndarray:
            if out.ndim == 0:
                out = float(out)
        elif isinstance(out, np.floating):
            out = float(out)
        node = tape.size
        tape.size = node + 1
        result = Var(tape, node, out)
        traced = tuple(traced)
        # an array, or a dual number holding one (a Hessian's tape): the vectorised record
        is_array = type(out) is np.ndarray or (type(out) is not float and shape_of(out) != ())
        if is_array and tape.trace is None:
            # arrays: one record with a vectorised step. The partials are computed when the
            # sweep needs them, from only the values they read (op.reads), so temporaries that
            # no partial needs are freed as soon as f drops them.
            keep_out, keep = kept_values(op, traced)
            # a constant the sweep will read is copied if f could still change it in place
            kept = [(values[j] if j in traced else frozen(values[j])) if keep[j] else None
                    for j in range(len(values))]
            tape.records.append((node, array_backward(
                op, out if keep_out else None, kept, edges_of(args, values, traced, out.shape),
                node)))
            return result
        partials = [partial_at(op, k, out, values) for k in traced]
        if is_array:
            record = (result.index, array_backward(
                op, out, values, edges_of(args, values, traced, out.shape), result.index,
                partials))
        else:  # scalars: the plain (out, i, d_i[, j, d_j]) record
            record = (result.index,)
            for k, d in zip(traced, partials):
                record += (args[k].index, d)
        tape.records.append(record)
        if tape.trace is not None:
            tape.trace.append((result.index, op.name, _kept_args(args), out, tuple(partials)))
        return result

    # --- array primitives: one record whose backward step is the transpose ---------------
    @classmethod
    def _linear(cls, prim, args, params):
        tape = _tape_of(args)
        params = frozen(params)  # index arrays and masks are read again by the sweep
        if prim.multi:
            values = tuple(x.value if isinstance(x, Var) else np.asarray(_constant(x), float)
                           for x in args)
            out = prim.value(values, **params)
            traced = [(k, x.index) for k, x in enumerate(args) if isinstance(x, Var)]
            shapes = tuple(shape_of(v) for v in values)

            def backward(g, adjoint, sweep):
                parts = prim.transpose(g, shapes, **params)
                for k, i in traced:
                    accumulate(adjoint, sweep.shared, i, parts[k], fresh=False)
        elif prim is INDEX and not is_fancy(params["index"]):
            (x,) = args
            out = prim.value(x.value, **params)
            i, shape, index = x.index, x.shape, params["index"]

            def backward(g, adjoint, sweep):  # scatter straight into the adjoint: a[idx] += g
                if isinstance(g, np.ndarray) or type(g) is float:
                    writable(adjoint, sweep.shared, i, shape)[index] += g
                else:
                    accumulate(adjoint, sweep.shared, i, prim.transpose(g, shape, index=index),
                               True)
        else:
            (x,) = args
            out = prim.value(x.value, **params)
            i, shape = x.index, x.shape

            def backward(g, adjoint, sweep):
                accumulate(adjoint, sweep.shared, i, prim.transpose(g, shape, **params),
                           fresh=False)
        if isinstance(out, np.ndarray) and out.shape == () or isinstance(out, np.floating):
            out = float(out)
        result = tape.variable(out)
        tape.records.append((result.index, backward))
        if tape.trace is not None:
            tape.note(result.index, prim, _kept_args(args), params, out)
        return result

    @classmethod
    def _matmul(cls, a, b):
        # a @ b is the contraction row (diffmethods.contractions) with matmul's subscripts:
        # its adjoint rule is g @ b^T for a and a^T @ g for b, one np.matmul each
        a, b, spec = matmul_operands(a, b)
        return cls._primitive(MATMUL, (a, b), {"spec": spec})

    @classmethod
    def _primitive(cls, prim, args, params):
        # one record whose backward step applies the row's adjoint rule to each traced operand
        tape = _tape_of(args)
        # constants and params are read again by the sweep: copied if f could change them
        values = tuple(x.value if isinstance(x, Var) else frozen(np.asarray(_constant(x), float))
                       for x in args)
        params = frozen(params)
        out = prim.value(*values, **params)
        traced = [(k, x.index) for k, x in enumerate(args) if isinstance(x, Var)]

        def backward(g, adjoint, sweep):
            for k, i in traced:
                accumulate(adjoint, sweep.shared, i, prim.vjp(g, values, out, k, **params),
                           fresh=True)
        if isinstance(out, np.ndarray) and out.shape == () or isinstance(out, np.floating):
            out = float(out)
        result = tape.variable(out)
        tape.records.append((result.index, backward))
        if tape.trace is not None:
            tape.note(result.index, prim, _kept_args(args), params, out)
        return result

    def __getitem__(self, index):
        # x[i] on a 1-D array is the common case in loops. Each element is made once and kept
        # in a list; an element of an *input* array is itself an input (a leaf, no record), and
        # its adjoint is gathered into the array's gradient at the end (input_adjoints).
        if type(index) is int:
            try:
                item = self._items[index]
            except AttributeError:
                item = self._start_items(index)
            if item is not None:
                return item
            if self._items is not _NO_ITEMS:
                item = self._items[index] = (
                    self.tape.variable(float(self.value[index])) if self.index < self.tape.inputs
                    else self._element(index))
                return item
        return Traced.__getitem__(self, index)

    def _start_items(self, index):
        value = self.value
        if type(value) is np.ndarray and value.ndim == 1 and self.tape.trace is None:
            self._items = [None] * len(value)
            return self._items[index]  # raises IndexError like numpy when out of range
        self._items = _NO_ITEMS
        return None

    def _element(self, i):
        """x[i] of an intermediate array: a record that adds the adjoint back at i."""
        i %= len(self.value)
        tape, node, shape = self.tape, self.index, self.shape

        def backward(g, adjoint, sweep):
            if isinstance(g, (float, np.floating)):
                writable(adjoint, sweep.shared, node, shape)[i] += g
            else:  # a dual number (forward over reverse): the scatter primitive
                accumulate(adjoint, sweep.shared, node, INDEX.transpose(g, shape, i), True)
        item = tape.variable(float(self.value[i]))
        tape.records.append((item.index, backward))
        return item


def _constant(c):
    if type(c) is float or type(c) is int:
        return c
    return float_constant(c, "reverse mode")


def _kept_args(args) -> tuple:
    """An operation's operands as a trace keeps them: constants copied if f could still
    change them in place (the compiled method writes them into its program after f ran)."""
    return tuple(a if type(a) is Var else frozen(a) for a in args)


def _tape_of(args) -> Tape:
    return shared_context(args, Var, "tape")


def _fast_binary(op):
    """``a <op> b`` for two scalar Vars or a Var and a number: the hot path of scalar code.
    It records exactly what :meth:`Var._elementwise` would, minus the generality."""
    value, (d_a, d_b) = op.raw_value, op.partials
    generic = Var._elementwise
    what = f"the operator {op.symbol}" if op.symbol else op.name

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
        try:
            return generic(op, (self, other))
        except (ValueError, TypeError) as e:  # shapes that do not broadcast, ...: our error
            _reraise(what, "reverse mode", e)

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
        try:
            return generic(op, (other, self))
        except (ValueError, TypeError) as e:
            _reraise(what, "reverse mode", e)

    return method, reflected


for _name, _op in BINARY_DUNDERS.items():
    _m, _r = _fast_binary(_op)
    setattr(Var, f"__{_name}__", _m)
    setattr(Var, f"__r{_name}__", _r)
