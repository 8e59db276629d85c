"""How array records accumulate adjoints in the backward sweep, without needless arrays.

Every temporary array costs memory traffic (and, for large arrays, fresh pages from the
operating system), so the backward steps of array records share what they can:

* the first contribution to an adjoint is kept as it is, not copied into ``0 + c``;
* a contribution that aliases another array (``g`` passed on by ``x + y``, a broadcast view)
  is remembered in ``Sweep.shared``, so nothing ever adds into it in place;
* a partial that is a fresh array, or an adjoint with no other user, is multiplied in place;
* once a record has used the values it kept for its partials, it lets them go.
"""

from __future__ import annotations

import numpy as np

from ..array_ops import shape_of, sum_to_shape
from ..ops import ieee


class Sweep:
    """State of one backward sweep, shared by the array records' backward steps.

    ``shared`` holds the nodes whose adjoint array is also referenced elsewhere (so it must
    never be changed in place); ``retain`` says whether the tape will be swept again (then
    records keep the values their partials need)."""

    __slots__ = ("shared", "retain")

    def __init__(self, retain: bool):
        self.shared: set = set()
        self.retain = retain


def partial_at(op, k, out, values):
    try:
        return op.partials[k](out, *values)
    except (ArithmeticError, ValueError):
        return ieee(op.partials[k], out, *values)


_KEPT: dict = {}


def kept_values(op, traced: tuple) -> tuple:
    """(keep out?, keep each value?) for the partials of the traced operands: the union of
    what those partials read (Op.reads). Cached per op and set of traced operands."""
    key = (op.name, traced)
    kept = _KEPT.get(key)
    if kept is None:
        reads = [op.reads[k] for k in traced]
        kept = _KEPT[key] = (any(r[0] for r in reads),
                             tuple(any(r[1 + j] for r in reads) for j in range(op.arity)))
    return kept


def edges_of(args, values, traced, out_shape) -> tuple:
    """(operand position, node, shape, broadcast?) for every traced operand."""
    edges = []
    for k in traced:
        shape = shape_of(values[k])
        edges.append((k, args[k].index, shape, shape != out_shape))
    return tuple(edges)


def _is_one_of(x, values) -> bool:
    for v in values:
        if x is v:
            return True
    return False


def array_backward(op, out, values, edges, node, partials=None):
    """The backward step of an elementwise op on arrays: for each traced operand (position k,
    node i), adjoint[i] += sum_to_shape(d_k * g), with d_k the local partial from the table
    (``partials`` if computed already, else computed now from ``out`` and ``values``).

    It avoids needless arrays, since each costs memory traffic: a partial of 1 passes g on as
    it is; a partial that is a fresh array is multiplied by g in place; otherwise, for the last
    operand, g itself is reused when this record is its only user. Unless the sweep retains
    the tape, the values kept for the partials are let go once used.
    """
    last = len(edges) - 1
    held = [out, values, partials]

    def backward(g, adjoint, sweep):
        shared = sweep.shared
        out, values, partials = held
        if values is None:
            raise RuntimeError("this tape was swept already and let go of its values; "
                               "sweep with retain=True to sweep it again")
        g_passed_on = node in shared  # then g may be read elsewhere: never write into it
        for n, (k, i, shape, broadcast) in enumerate(edges):
            d = partials[n] if partials is not None else partial_at(op, k, out, values)
            if type(d) is np.ndarray:
                if (partials is None and d.dtype == np.float64 and d.shape == g.shape
                        and d is not out and not _is_one_of(d, values)):
                    c = np.multiply(d, g, out=d)  # a fresh partial: reuse its memory
                else:
                    c = d * g
            elif type(d) in (float, int) and d == 1 and not broadcast:
                accumulate(adjoint, shared, i, g, fresh=False)  # x + y: pass g on
                g_passed_on = True
                continue
            elif type(d) in (float, int) and type(g) is np.ndarray and g.ndim \
                    and not any(g.strides):
                # g is one number broadcast (the adjoint of a sum): so is d * g
                c = np.broadcast_to(d * g.flat[0], g.shape)
                accumulate(adjoint, shared, i, sum_to_shape(c, shape) if broadcast else c,
                           fresh=bool(broadcast))
                continue
            elif (n == last and not g_passed_on and type(g) is np.ndarray
                  and g.dtype == np.float64 and g.flags.writeable
                  and type(d) in (float, int, np.float64)):
                c = np.multiply(g, d, out=g)  # g has no other user: reuse its memory
                adjoint[node] = None  # consumed
            else:
                c = d * g
            accumulate(adjoint, shared, i, sum_to_shape(c, shape) if broadcast else c, True)
        if not sweep.retain:
            held[:] = [None, None, None]  # the partials' inputs are no longer needed
    return backward


def accumulate(adjoint: list, shared: set, i: int, c, fresh: bool) -> None:
    """``adjoint[i] += c`` for array adjoints, without needless copies.

    The first contribution is kept as it is (no ``0 + c`` copy). ``fresh`` says whether ``c``
    is a new array that nothing else refers to; if not (``g`` passed on by an addition, a
    broadcast view), it is recorded in ``shared`` and the next contribution makes a new array
    instead of adding in place, which would also change the array it aliases.
    """
    a = adjoint[i]
    if type(a) is int:
        adjoint[i] = c
        if not fresh:
            shared.add(i)
    elif i in shared or type(a) is not np.ndarray or not isinstance(c, (np.ndarray, float)):
        adjoint[i] = a + c  # a new array (or a dual number, in a Hessian's sweep)
        shared.discard(i)
    else:
        a += c


def writable(adjoint: list, shared: set, i: int, shape) -> np.ndarray:
    """The adjoint of array node i as an array we may add into in place."""
    a = adjoint[i]
    if type(a) is int:
        # empty + fill rather than zeros: calloc maps fresh pages for large arrays, and each
        # first touch is a page fault; malloc can hand back memory the process already has
        a = adjoint[i] = np.empty(shape)
        a.fill(0.0)
    elif i in shared or not isinstance(a, np.ndarray) or not a.flags.writeable:
        a = adjoint[i] = np.array(a, dtype=float)
        shared.discard(i)
    return a


