"""Forward mode: dual numbers carry a value and its derivative through ``f`` together.

A :class:`Dual` holds a value and a *tangent*: the derivative of that value along chosen input
directions. Every operation computes its value and, by the chain rule with the local partials
from the operation table, its tangent::

    out = op(a, b)        tangent(out) = d_a * tangent(a) + d_b * tangent(b)

Seeding input x_i with the unit tangent e_i makes the output's tangent df/dx_i, so a gradient
needs one pass per input direction. A Dual may carry a *block* of k directions at once (its
tangent has one extra trailing axis of length k, as ForwardDiff.jl's chunks do): the gradient
then takes ceil(n/k) passes, each doing k directions' worth of arithmetic. Blocks save passes,
not arithmetic: ``details["tangent_entries"]`` counts operations x directions carried, n times
the operations of one evaluation of f for any chunk (an array operation counts once per
direction, however its block is stored).

>>> from diffmethods import gradient
>>> gradient(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2, 3, 4), method="forward")
array([12., 12.,  9.])
"""

from __future__ import annotations

import math

import numpy as np

from ..array_ops import SUM, shape_of
from ..contractions import MATMUL, matmul_operands
from ..declarations import Accumulation, Counts, Declaration, Kind, Option, Variant, whole_number
from ..domain import quiet
from ..errors import OptionError
from ..ops import ieee
from ..tracing import Traced, float_constant, shared_context
from .tangents import SparseTangent, Structured, dense


class ForwardPass:
    """Bookkeeping shared by the duals of one pass: the count of operations evaluated and,
    with ``record=True``, every operation as ``(op_name, args, result_dual)`` in ``nodes``
    (for the step-by-step explanations)."""

    __slots__ = ("ops", "k", "nodes")

    def __init__(self, k: int, record: bool = False):
        self.ops = 0
        self.k = k
        self.nodes = [] if record else None

    def _count(self, name, args, result):
        self.ops += 1
        if self.nodes is not None:
            self.nodes.append((name, tuple(args), result))
        return result


class Dual(Traced):
    """A value and a block of tangents: ``tangent.shape == shape(value) + (k,)``."""

    __slots__ = ("value", "tangent", "trace")
    method_label = "forward mode"
    priority = 1

    def __init__(self, value, tangent, trace: ForwardPass):
        self.value = value
        self.tangent = tangent
        self.trace = trace

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, tangent={self.tangent!r})"

    def _primal(self):
        return self.value

    @classmethod
    def _elementwise(cls, op, args):
        trace = _trace_of(args)
        values = [a.value if isinstance(a, Dual) else _constant(a) for a in args]
        try:
            out = op.raw_value(*values)  # the methods run under errstate (@quiet) already
        except (ArithmeticError, ValueError):
            out = ieee(op.value, *values)
        out = _plain(out)
        out_shape = shape_of(out)
        tangent = None
        for k, a in enumerate(args):
            if isinstance(a, Dual):
                try:
                    d = op.partials[k](out, *values)
                except (ArithmeticError, ValueError):
                    d = ieee(op.partials[k], out, *values)
                t = a.tangent
                if type(d) in (float, int) and d == 1 and (
                        not isinstance(t, Structured) or shape_of(a.value) == out_shape):
                    term = t  # tangents are never changed in place, so sharing is safe
                elif isinstance(t, Structured):
                    term = t.scaled(d, out_shape)
                elif isinstance(d, np.ndarray):  # the block axis is last: give d one more
                    term = d[..., None] * t
                else:
                    term = d * t
                if tangent is None:
                    tangent = term
                elif isinstance(tangent, Structured):
                    tangent = tangent.plus(term)
                else:
                    tangent = tangent + dense(term)
        want = out_shape + (trace.k,)
        if tangent.shape != want:  # an operand broadcast against a larger one, or a scalar
            tangent = tangent.broadcast_to(out_shape) if isinstance(tangent, Structured) \
                else np.broadcast_to(tangent, want)
        return trace._count(op.name, args, Dual(out, tangent, trace))

    @classmethod
    def _linear(cls, prim, args, params):
        # a linear map applies to the tangent exactly as to the value
        trace = _trace_of(args)
        if prim.multi:
            values = tuple(a.value if isinstance(a, Dual) else np.asarray(_constant(a), float)
                           for a in args)
            shapes = tuple(shape_of(v) for v in values)
            tangents = tuple(dense(a.tangent) if isinstance(a, Dual) else np.zeros(s + (trace.k,))
                             for a, s in zip(args, shapes))
            out = prim.value(values, **params)
            tangent = prim.tangent(tangents, shapes, **params)
        else:
            (x,) = args
            out = prim.value(x.value, **params)
            t = x.tangent
            if isinstance(t, Structured) and prim.moves:  # rows move with the elements
                tangent = t.moved(prim, x.shape, params)
            elif isinstance(t, Structured) and prim is SUM and params["axis"] is None \
                    and not params["keepdims"]:
                tangent = t.total()
            else:
                tangent = prim.tangent(dense(t), x.shape, **params)
        return trace._count(prim.name, args, Dual(_plain(out), tangent, trace))

    @classmethod
    def _matmul(cls, a, b):
        # a @ b is the contraction row (diffmethods.contractions) with matmul's subscripts.
        # Two fast paths first, for a constant matrix and a vector whose tangent is still a
        # structured block (a seed, or an elementwise function of one): A @ x and x @ B.
        a, b, spec = matmul_operands(a, b)
        tangent = None
        if not isinstance(a, Dual) and isinstance(b.tangent, Structured) and len(b.shape) == 1 \
                and np.ndim(a) == 2:
            av, bv = np.asarray(_constant(a), float), b.value
            tangent = b.tangent.matmul_right(av)  # constant matrix @ seeded vector
        elif not isinstance(b, Dual) and isinstance(a.tangent, Structured) \
                and len(a.shape) == 1 and np.ndim(b) == 2:
            av, bv = a.value, np.asarray(_constant(b), float)
            tangent = a.tangent.matmul_right(bv.T)  # seeded vector @ constant matrix
        if tangent is None:
            return cls._primitive(MATMUL, (a, b), {"spec": spec})
        trace = _trace_of((a, b))
        return trace._count("matmul", (a, b), Dual(_plain(av @ bv), tangent, trace))

    @classmethod
    def _primitive(cls, prim, args, params):
        # the row's tangent rule, on the dense tangent blocks of the traced operands
        trace = _trace_of(args)
        values = tuple(a.value if isinstance(a, Dual) else np.asarray(_constant(a), float)
                       for a in args)
        out = prim.value(*values, **params)
        tangents = tuple(dense(a.tangent) if isinstance(a, Dual) else None for a in args)
        tangent = prim.jvp(tangents, values, out, **params)
        return trace._count(prim.name, args, Dual(_plain(out), tangent, trace))


def _plain(out):
    if isinstance(out, np.floating) or (isinstance(out, np.ndarray) and out.shape == ()):
        return float(out)
    return out


def _constant(c):
    return float_constant(c, "forward mode")


def _trace_of(args) -> ForwardPass:
    return shared_context(args, Dual, "trace")


# --- the method ---------------------------------------------------------------------------
PASSES_WITHOUT_WARNING = 256
MAX_CHUNK = 100_000  # the most directions one pass may carry (an option out of range is refused)


def default_chunk(n: int, is_array: bool) -> int:
    """Directions per pass. Scalar arguments: up to 64 (each operation then works on a short
    vector of tangents). Arrays: as many as keep a *dense* tangent block of an n-element array
    within 2**20 numbers (8 MB), so memory stays bounded when an operation cannot keep the
    block sparse; e.g. all 1000 directions in one pass at n = 1000, 105 at n = 10000."""
    if not is_array:
        return min(n, 64)
    return max(1, min(n, 2**20 // n))


def _warn_if_many_passes(n: int, chunk: int, given: bool) -> None:
    """Say so before a default chunk starts more than a few hundred passes: forward mode pays
    per input direction, and reverse mode gives the same gradient in two passes."""
    passes = math.ceil(n / chunk)
    if not given and passes > PASSES_WITHOUT_WARNING:
        from ..errors import CostWarning, warn_user
        warn_user(CostWarning(
            f"forward mode needs {passes} passes of {chunk} directions for the {n} components "
            f"(about {passes * chunk}x the work of one evaluation of f); reverse mode gives the "
            "gradient in 2 passes. Pass chunk= to choose the block size."))


def seed(problem, start: int, k: int, trace: ForwardPass, direction=None) -> list:
    """Inputs for one pass, one Dual per leaf: coordinate i carries the unit tangent e_i for
    i in [start, start + k), or the given flat ``direction`` (one tangent column) for a JVP."""
    def number(i, value):  # coordinate i is one number: a short vector of k tangents
        t = np.zeros(k)
        if direction is not None:
            t[0] = direction[i]
        elif start <= i < start + k:
            t[i - start] = 1.0
        return Dual(value, t, trace)

    if problem.kind == "args":  # numbers only: no leaf objects needed
        return [number(i, value) for i, value in enumerate(problem.x.tolist())]
    duals = []
    for leaf, value in zip(problem.leaves, problem.leaf_values()):
        if not leaf.shape:
            duals.append(number(leaf.offset, value))
        elif direction is not None:
            tangent = np.asarray(direction[leaf.flat], float).reshape(leaf.shape + (1,))
            duals.append(Dual(value, tangent, trace))
        else:
            tangent = SparseTangent.seed(leaf.size, start - leaf.offset, k, leaf.shape)
            duals.append(Dual(value, tangent, trace))
    return duals


def _tangent_of(y, k):
    return dense(y.tangent) if isinstance(y, Dual) else np.zeros(k)


class ForwardMode:
    name = "forward"
    summary = "dual numbers: one pass per block of input directions"
    exact = True
    declaration = Declaration(
        kind=Kind.TRACER, exact=True, accumulation=Accumulation.FORWARD,
        options=(Option("chunk", None, "input directions carried per pass (default: all of "
                        "them for arrays, else a block that keeps passes few)",
                        whole_number(1, MAX_CHUNK)),),
        variants=(Variant("chunk=1", {"chunk": 1}, frozenset({"scaling", "jacobian"})),),
        counts=Counts(passes=lambda n, settings: math.ceil(n / settings["chunk"]),
                      rule=lambda settings: "ceil(n / chunk) passes, chunk directions per pass"))

    @quiet
    def gradient(self, problem, *, chunk: int | None = None):
        n = problem.n
        given = chunk is not None
        chunk = _checked_chunk(chunk, n, _has_arrays(problem))
        _warn_if_many_passes(n, chunk, given)
        grad = np.empty(n)
        passes = ops = entries = 0
        value = None
        for start in range(0, n, chunk):
            k = min(chunk, n - start)
            trace = ForwardPass(k)
            y = problem.scalar_output(problem(seed(problem, start, k, trace)), Dual)
            passes += 1
            ops += trace.ops
            entries += trace.ops * k  # every operation of the pass updates k tangents
            value = y.value if isinstance(y, Dual) else y
            grad[start:start + k] = _tangent_of(y, k)
        return problem.result(value, grad, passes=passes, ops=ops, chunk=chunk,
                              expected_passes=math.ceil(n / chunk), tangent_entries=entries)

    @quiet
    def jvp(self, problem, direction):
        """J(x) v for a scalar or vector-valued f in one pass: the tangent seeded with v."""
        from ..vectors import vector_output
        v = direction  # checked by the operator: n float64 numbers
        trace = ForwardPass(1)
        outputs = vector_output(problem(seed(problem, 0, 1, trace, direction=v)), Dual, problem)
        value = np.array([y.value if isinstance(y, Dual) else y for y in outputs], float)
        jv = np.array([_tangent_of(y, 1)[0] for y in outputs])
        return problem.result(value, jv, passes=1, ops=trace.ops, tangent_entries=trace.ops)

    @quiet
    def jacobian(self, problem, *, chunk: int | None = None):
        """J(x) column block by column block: each pass seeds k input directions and reads
        the tangents of every output (the cost grows with the inputs, not the outputs)."""
        from ..vectors import vector_output
        n = problem.n
        chunk = _checked_chunk(chunk, n, _has_arrays(problem))
        J = value = None
        passes = ops = entries = 0
        for start in range(0, n, chunk):
            k = min(chunk, n - start)
            trace = ForwardPass(k)
            outputs = vector_output(problem(seed(problem, start, k, trace)), Dual, problem)
            passes += 1
            ops += trace.ops
            entries += trace.ops * k
            if J is None:
                J = np.empty((len(outputs), n))
                value = np.array([y.value if isinstance(y, Dual) else y for y in outputs])
            for row, y in enumerate(outputs):
                J[row, start:start + k] = _tangent_of(y, k)
        return problem.result(value, J, passes=passes, ops=ops, chunk=chunk,
                              tangent_entries=entries)


def _has_arrays(problem) -> bool:
    return any(leaf.shape for leaf in problem.leaves)


def _checked_chunk(chunk, n: int, is_array: bool) -> int:
    if chunk is None:
        return default_chunk(n, is_array)
    if not isinstance(chunk, (int, np.integer)) or isinstance(chunk, bool) or chunk < 1:
        raise OptionError(f"chunk must be a positive integer (directions per pass), "
                          f"got {chunk!r}")
    return min(int(chunk), n)
