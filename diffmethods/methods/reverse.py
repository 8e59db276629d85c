"""Reverse mode: run f once on a :class:`~diffmethods.methods.tape.Tape`, sweep it back once.

The tape and its backward sweep are in :mod:`diffmethods.methods.tape`; this module turns them
into the method: the gradient (one forward and one backward pass whatever n is), vector-Jacobian
products, Jacobians (one backward sweep per output) and Hessians (forward over reverse: the
tape records f on dual numbers, so one backward sweep carries k Hessian columns).
"""

from __future__ import annotations

import numpy as np

from ..errors import FunctionError
from .tape import Tape, Var

__all__ = ["ReverseMode", "Tape", "Var"]


def _record(problem, tape):
    """Run ``f`` on Var inputs; return (inputs, output)."""
    if problem.is_array:
        inputs = tape.input(problem.x)  # the Problem's own copy; values are never mutated
    else:
        inputs = [tape.input(float(v)) for v in problem.x]
    return inputs, problem(inputs)


def input_adjoints(problem, inputs, adjoint) -> np.ndarray:
    """The gradient read off the adjoints of the input nodes."""
    if not problem.is_array:
        return np.array([float(adjoint[v.index]) for v in inputs])
    g = adjoint[inputs.index]
    if type(g) is int:
        g = np.zeros(problem.n)
    elif not (isinstance(g, np.ndarray) and g.dtype == np.float64 and g.flags.owndata
              and g.flags.writeable):
        g = np.array(g, dtype=float)  # a view or a read-only broadcast: make it the user's
    items = getattr(inputs, "_items", None)
    if isinstance(items, list):  # elements read one by one with x[i]: gather their adjoints
        read = [(k, v.index) for k, v in enumerate(items) if v is not None]
        if read:
            where, nodes = zip(*read)
            g[list(where)] += [float(adjoint[node]) for node in nodes]
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
