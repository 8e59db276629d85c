"""Reverse mode: run f once on a :class:`~diffmethods.methods.tape.Tape`, sweep it back once.

The tape and its backward sweep are in :mod:`diffmethods.methods.tape`; this module turns them
into the method: the gradient (one forward and one backward pass whatever n is), vector-Jacobian
products, Jacobians (one backward sweep per output) and Hessians (forward over reverse: the
tape records f on dual numbers, so one backward sweep carries k Hessian columns).
"""

from __future__ import annotations

import numpy as np

from ..declarations import Accumulation, Counts, Declaration, Kind
from ..errors import FunctionError
from .tape import Tape, Var

__all__ = ["ReverseMode", "Tape", "Var"]


def _record(problem, tape):
    """Run ``f`` on Var inputs, one input node per leaf of the point (a whole array is one
    node, not one per element); return (inputs, output)."""
    inputs = [tape.input(v) for v in problem.leaf_values()]
    return inputs, problem(inputs)


def input_adjoints(problem, inputs, adjoint) -> np.ndarray:
    """The flat gradient read off the adjoints of the input nodes (one per leaf)."""
    if problem.kind == "args":  # numbers, one node each: the hot path of scalar code
        return np.array([float(adjoint[v.index]) for v in inputs])
    if len(inputs) == 1 and problem.leaves[0].shape:  # one array: no copy if it is ours
        return _leaf_adjoint(inputs[0], adjoint, problem.n, own=True)
    g = np.empty(problem.n)
    for leaf, v in zip(problem.leaves, inputs):
        if leaf.shape:
            g[leaf.flat] = _leaf_adjoint(v, adjoint, leaf.size, own=False)
        else:
            g[leaf.offset] = float(adjoint[v.index])
    return g


def _leaf_adjoint(v, adjoint, size: int, own: bool) -> np.ndarray:
    """The adjoint of an input array, flat, with the elements read one by one (x[i] in a loop,
    each its own leaf) gathered into it."""
    g = adjoint[v.index]
    if type(g) is int:
        g = np.zeros(size)
    elif own and not (isinstance(g, np.ndarray) and g.dtype == np.float64 and g.flags.owndata
                      and g.flags.writeable and g.flags.c_contiguous):
        g = np.array(g, dtype=float)  # a view or a read-only broadcast: make it the user's
    g = np.asarray(g, dtype=float)
    if g.ndim != 1:
        g = g.reshape(-1)
    items = getattr(v, "_items", None)
    if isinstance(items, list):  # elements read one by one with x[i]: gather their adjoints
        read = [(k, item.index) for k, item in enumerate(items) if item is not None]
        if read:
            if not own or not g.flags.writeable:
                g = g.copy()
            where, nodes = zip(*read)
            g[list(where)] += [float(adjoint[node]) for node in nodes]
    return g


def _output_var(problem, tape, y):
    y = problem.scalar_output(y, Var)
    if isinstance(y, Var) and y.tape is not tape:
        raise FunctionError("f returned a value recorded on another tape")
    return y


def adjoint_updates(tape) -> int:
    """The backward sweep's work: one ``adjoint[i] += d_i * adjoint[out]`` per local partial
    on the tape (a scalar record ``(out, i, d_i[, j, d_j])`` holds one or two; an array
    record's transpose counts once). Records that do not lead to the output are counted too,
    so this is the most the sweep can do, whatever the number of inputs."""
    return sum(len(record) >> 1 for record in tape.records)


class ReverseMode:
    name = "reverse"
    summary = "record a tape, one backward sweep (cost independent of n)"
    exact = True
    declaration = Declaration(
        kind=Kind.TRACER, exact=True, accumulation=Accumulation.REVERSE,
        counts=Counts(f_calls=lambda n, settings: 1, passes=lambda n, settings: 2,
                      rule=lambda settings: "one forward and one backward pass, one call of f"))

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
                              ops=len(tape.records), adjoint_updates=adjoint_updates(tape))

    def vjp(self, problem, cotangent):
        """w^T J(x) for a scalar or vector-valued f, in one forward and one backward sweep."""
        from ..vectors import vector_output
        tape = Tape()
        inputs, y = _record(problem, tape)
        outputs = vector_output(y, Var, problem)
        w = cotangent  # checked by the operator: real numbers, flat
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

    def jacobian(self, problem):
        """J(x) for a vector-valued f: one forward recording, then one backward sweep per
        output over the same tape (the cost grows with the number of outputs, not inputs)."""
        from ..vectors import vector_output
        tape = Tape()
        inputs, y = _record(problem, tape)
        outputs = vector_output(y, Var, problem)
        rows = []
        for yk in outputs:
            if isinstance(yk, Var):
                adjoint = tape.backward({yk.index: 1.0}, retain=True)
                rows.append(input_adjoints(problem, inputs, adjoint))
            else:
                rows.append(np.zeros(problem.n))
        value = np.array([yk.value if isinstance(yk, Var) else yk for yk in outputs], float)
        return problem.result(value, np.array(rows), passes=1 + len(outputs),
                              ops=len(tape.records))

    def hessian(self, problem, *, chunk: int | None = None):
        """Forward over reverse: f is recorded on dual numbers carrying k directions, so the
        adjoints of one backward sweep carry k columns of the Hessian as their tangents."""
        H, value, grad, passes, ops, k = _forward_over_reverse(problem, None, chunk)
        return problem.result(value, H, passes=passes, ops=ops, gradient=grad, chunk=k)

    def hvp(self, problem, direction):
        """H(x) v in one forward-over-reverse pass (a dual number carrying v)."""
        v = direction  # checked by the operator: n float64 numbers
        Hv, value, grad, passes, ops, _ = _forward_over_reverse(problem, v, None)
        return problem.result(value, Hv[:, 0], passes=passes, ops=ops, gradient=grad)


def _forward_over_reverse(problem, direction, chunk):
    """Sweep the tape of f recorded on dual numbers: returns (tangent columns of the gradient,
    value, gradient, passes, ops, k). With ``direction`` one pass gives H v."""
    from .forward import ForwardPass, seed
    from .tangents import dense
    n = problem.n
    if direction is not None:
        k = 1
    elif chunk is None:
        k = min(n, 64)
    elif not isinstance(chunk, (int, np.integer)) or isinstance(chunk, bool) or chunk < 1:
        from ..errors import OptionError
        raise OptionError(f"chunk must be a positive integer (Hessian columns per pass), "
                          f"got {chunk!r}")
    else:
        k = min(int(chunk), n)
    columns = np.zeros((n, n if direction is None else 1))
    value, grad, passes, ops = None, np.zeros(n), 0, 0
    for start in range(0, n if direction is None else 1, k):
        kk = k if direction is not None else min(k, n - start)
        trace = ForwardPass(kk)
        tape = Tape()
        duals = seed(problem, start, kk, trace, direction=direction)
        inputs = [tape.input(d) for d in duals]
        y = _output_var(problem, tape, problem(inputs))
        passes += 1
        if isinstance(y, Var):
            adjoint = tape.backward({y.index: 1.0})
            passes += 1
            parts = [adjoint[v.index] for v in inputs]
            g_value, g_tangent = _split_duals(parts, problem, kk, dense)
            columns[:, start:start + kk] = g_tangent
            grad = g_value
            out = y.value
            value = float(out.value if hasattr(out, "tangent") else out)
        else:
            value = float(y)
        ops += len(tape.records) + trace.ops
    return columns, value, grad, passes, ops, k


def _split_duals(parts, problem, k, dense):
    """Adjoints that are dual numbers (one per leaf) -> (their values, flat, and their tangents
    as an (n, k) block)."""
    values, tangents = np.zeros(problem.n), np.zeros((problem.n, k))
    for leaf, a in zip(problem.leaves, parts):
        if isinstance(a, int):
            continue
        values[leaf.flat] = np.asarray(getattr(a, "value", a), dtype=float).reshape(-1)
        if hasattr(a, "tangent"):
            tangents[leaf.flat] = dense(a.tangent).reshape(leaf.size, k)
    return values, tangents
