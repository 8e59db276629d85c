"""Shape, layout, building and splitting functions on traced values.

None of these needs a derivative rule of its own. Each is one of three kinds:

* a **gather** -- every output element is a copy of one input element, or a zero (``np.flip``,
  ``np.roll``, ``np.pad``, ``np.tril``, ``np.take``, ``np.split``, ...). :func:`apply_gather`
  applies its row of :mod:`diffmethods.array_ops`, whose tangent and transpose are derived from
  the numpy function itself (its index map), so a new gather is one line in :data:`GATHERS`;
* a **reshape or transpose** in disguise (``np.squeeze``, ``np.expand_dims``, ``np.swapaxes``,
  ``np.atleast_2d``, ...): the existing rows, which keep views and sparse tangents cheap;
* a **composite** of the above and the operation table (``np.diff`` is a difference of two
  slices, ``np.linspace`` is ``start + i * step``, ``np.select`` nests ``np.where``).

>>> import numpy as np, diffmethods as dm
>>> dm.gradient(lambda x: np.sum(np.roll(x, 1) * np.arange(3.0)), np.ones(3))
array([1., 2., 0.])
"""

from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .array_functions import (_concatenate, _traced_type, float64_only, handles,
                              qualified_name)
from .array_ops import gather, gather_map, shape_of
from .errors import UnsupportedOperationError

ROWS: dict = {}
"""The gather rows made so far, one per numpy function, by name (``"np.flip"``)."""


def _traced(v) -> bool:
    from .tracing import Traced
    return isinstance(v, Traced)


def constants_only(name: str, values, what: str = "its other arguments") -> None:
    """Refuse traced values where a function needs plain numbers (indices, shapes, counts):
    which elements are moved where would change with the variables, so there is no
    derivative through that choice."""
    for v in values:
        if _traced(v) or (isinstance(v, (list, tuple)) and any(_traced(e) for e in v)):
            raise UnsupportedOperationError(
                f"{name}: {what} must be plain numbers, not values being differentiated (which "
                "elements are moved where cannot depend on the variables).")


def apply_gather(fn, x, args=(), kwargs=None, pick=None, mapped=None):
    """``fn(x, *args, **kwargs)`` (its output ``pick`` if it returns several) on a traced ``x``,
    as the gather row of ``fn``: forward mode gathers the tangent rows, reverse mode scatters
    the adjoint back, both by the index map."""
    kwargs = dict(kwargs or {})
    name = qualified_name(fn)
    constants_only(name, tuple(args) + tuple(kwargs.values()))
    if kwargs.get("out") is not None:
        raise UnsupportedOperationError(f"{name}(..., out=) is not supported on traced values")
    kwargs.pop("out", None)
    row = ROWS.get(name) or ROWS.setdefault(name, gather(name))
    index, view = gather_map(fn, shape_of(x), args, kwargs, pick) if mapped is None else mapped
    params = {"fn": fn, "args": tuple(args), "kwargs": kwargs, "pick": pick, "index": index,
              "view": view}
    return _traced_type(x)._linear(row, (x,), params)


def _gather_function(fn):
    @handles(fn)
    def impl(a, *args, **kwargs):
        return apply_gather(fn, a, args, kwargs)
    impl.__name__ = f"_{fn.__name__}"
    return impl


GATHERS = (np.flip, np.flipud, np.fliplr, np.rot90, np.roll, np.repeat, np.tile, np.take,
           np.take_along_axis, np.diag, np.diagflat, np.tril, np.triu, np.fft.fftshift,
           np.fft.ifftshift)
"""Functions that are gathers of their first argument, registered as they are."""

for _fn in GATHERS:
    _gather_function(_fn)

PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
"""np.pad modes that copy elements (gathers); the others compute statistics or ramps."""


@handles(np.pad)
def _pad(array, pad_width, mode="constant", **kwargs):
    if mode not in PAD_MODES:
        raise UnsupportedOperationError(
            f"np.pad(mode={mode!r}) is not supported on traced values; the modes that copy "
            f"elements work: {', '.join(PAD_MODES)}.")
    if kwargs.get("reflect_type", "even") != "even":
        raise UnsupportedOperationError(
            "np.pad(..., reflect_type='odd') is not supported on traced values (it computes "
            "2 * edge - x instead of copying); reflect_type='even' (the default) works.")
    constant = kwargs.pop("constant_values", 0)
    if kwargs and set(kwargs) != {"reflect_type"}:
        raise UnsupportedOperationError(
            f"np.pad({', '.join(k + '=' for k in kwargs)}) is not supported on traced values")
    constants_only("np.pad", (pad_width, constant), "pad_width and constant_values")
    padded = apply_gather(np.pad, array, (pad_width,), {"mode": mode, **kwargs})
    if mode != "constant" or not np.any(np.asarray(constant) != 0):
        return padded
    # padding with c != 0 is affine: the padded copy (zeros around it) plus the constants
    return padded + np.pad(np.zeros(shape_of(array)), pad_width, constant_values=constant)


# --- splitting: one gather per piece -----------------------------------------------------------
def _split_function(fn):
    @handles(fn)
    def impl(ary, *args, **kwargs):
        constants_only(qualified_name(fn), tuple(args) + tuple(kwargs.values()))
        numbers = np.arange(1, int(np.prod(shape_of(ary))) + 1).reshape(shape_of(ary))
        maps = fn(numbers, *args, **kwargs)  # every piece's index map at once (views)
        return [apply_gather(fn, ary, args, kwargs, pick=k, mapped=(
            m, m.flags.writeable and np.may_share_memory(m, numbers))) for k, m in enumerate(maps)]
    impl.__name__ = f"_{fn.__name__}"
    return impl


for _fn in (np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit):
    _split_function(_fn)


# --- reshapes and transposes in disguise -------------------------------------------------------
def _stand_in(shape):
    """An array of ``shape`` that costs nothing (one number, broadcast), for asking numpy what
    shape a function gives -- numpy also checks the axes."""
    return np.broadcast_to(np.float64(0.0), shape)


def _reshaping(fn):
    @handles(fn)
    def impl(a, *args, **kwargs):
        constants_only(qualified_name(fn), tuple(args) + tuple(kwargs.values()))
        return np.reshape(a, fn(_stand_in(shape_of(a)), *args, **kwargs).shape)
    impl.__name__ = f"_{fn.__name__}"
    return impl


for _fn in (np.squeeze, np.expand_dims):
    _reshaping(_fn)


def _atleast(fn):
    @handles(fn)
    def impl(*arys):
        out = [np.reshape(a, fn(_stand_in(shape_of(a))).shape) if _traced(a) else fn(a)
               for a in arys]
        return out[0] if len(out) == 1 else tuple(out)
    impl.__name__ = f"_{fn.__name__}"
    return impl


for _fn in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    _atleast(_fn)


@handles(np.broadcast_arrays)
def _broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*(shape_of(a) for a in args))
    return tuple(a if shape_of(a) == shape else np.broadcast_to(a, shape) for a in args)


@handles(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    order = list(range(len(shape_of(a))))
    i, j = (normalize_axis_index(k, len(order)) for k in (axis1, axis2))
    order[i], order[j] = order[j], order[i]
    return np.transpose(a, order)


@handles(np.rollaxis)
def _rollaxis(a, axis, start=0):
    n = len(shape_of(a))
    axis = normalize_axis_index(axis, n)
    start = start + n if start < 0 else start
    if not 0 <= start <= n:
        raise UnsupportedOperationError(f"np.rollaxis: start={start} is out of range for "
                                        f"{n} dimensions")
    return np.moveaxis(a, axis, start - 1 if start > axis else start)


# --- building ----------------------------------------------------------------------------------
@handles(np.dstack)
def _dstack(tup):
    return _concatenate(np.atleast_3d(*tup) if len(tup) > 1 else [np.atleast_3d(tup[0])], axis=2)


@handles(np.column_stack)
def _column_stack(tup):
    columns = [np.reshape(a, (-1, 1)) if len(shape_of(a)) < 2 else a for a in tup]
    return _concatenate(columns, axis=1)


@handles(np.append)
def _append(arr, values, axis=None):
    if axis is None:
        return _concatenate([np.ravel(arr), np.ravel(values)], axis=0)
    return _concatenate([arr, values], axis=axis)


@handles(np.select)
def _select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise UnsupportedOperationError("np.select: condlist and choicelist must have the same "
                                        f"length ({len(condlist)} and {len(choicelist)})")
    out = default  # the first true condition wins, so the last one is applied first
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        out = np.where(condition, choice, out)
    return out


@handles(np.linspace)
def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, **kwargs):
    """numpy's own formula (start + i * step, the last point set to stop) on traced ends."""
    constants_only("np.linspace", (num,), "num")
    float64_only("np.linspace", dtype)
    num = operator.index(num)  # as numpy: a float count is an error, not rounded
    if num < 0:
        raise UnsupportedOperationError(f"np.linspace: num must be non-negative, got {num}")
    div = num - 1 if endpoint else num
    delta = stop - start
    ndim = len(np.broadcast_shapes(shape_of(start), shape_of(stop)))
    y = np.arange(0.0, num).reshape((-1,) + (1,) * ndim)
    if div > 0:
        step = delta / div
        y = y / div * delta if _step_is_zero(step) else y * step  # numpy's denormal case
    else:
        step = np.nan
        y = y * delta
    y = y + start
    if endpoint and num > 1:
        y = _concatenate([y[:-1], np.broadcast_to(stop, shape_of(y)[1:])[None]], axis=0)
    if axis != 0:
        y = np.moveaxis(y, 0, axis)
    return (y, step) if retstep else y


def _step_is_zero(step) -> bool:
    from .errors import BranchError
    try:
        return bool(np.any(np.asarray(step._primal() if _traced(step) else step) == 0))
    except BranchError:  # symbolic: no value; the general formula has the same derivative
        return False


# --- differences -------------------------------------------------------------------------------
_NOTHING = object()


@handles(np.diff)
def _diff(a, n=1, axis=-1, prepend=_NOTHING, append=_NOTHING):
    """numpy's algorithm: concatenate prepend/append, then n differences of shifted slices."""
    ndim = len(shape_of(a))
    if ndim == 0:
        raise UnsupportedOperationError("np.diff requires input that is at least one "
                                        "dimensional")
    constants_only("np.diff", (n, axis), "n and axis")
    if n < 0:
        raise UnsupportedOperationError(f"np.diff: order must be non-negative but got {n}")
    axis = normalize_axis_index(axis, ndim)
    parts = []
    for extra in (prepend, None, append):
        if extra is None:
            parts.append(a)
        elif extra is not _NOTHING:
            if len(shape_of(extra)) == 0:
                extra = np.broadcast_to(extra, shape_of(a)[:axis] + (1,) + shape_of(a)[axis + 1:])
            parts.append(extra)
    if len(parts) > 1:
        a = _concatenate(parts, axis=axis)
    lead = (slice(None),) * axis
    for _ in range(n):
        a = a[lead + (slice(1, None),)] - a[lead + (slice(None, -1),)]
    return a


@handles(np.gradient)
def _gradient(f, *varargs, axis=None, edge_order=1):
    """np.gradient: numpy's formulas (second-order interior, first- or second-order edges)
    written with slices, so each piece is linear in f and needs no rule."""
    ndim = len(shape_of(f))
    axes = tuple(range(ndim)) if axis is None else normalize_axis_tuple(axis, ndim)
    constants_only("np.gradient", varargs, "the spacings")
    if edge_order not in (1, 2):
        raise UnsupportedOperationError("np.gradient: edge_order must be 1 or 2")
    spacings = _spacings(f, varargs, axes)
    out = [_gradient_along(f, ax, dx, edge_order) for ax, dx in zip(axes, spacings)]
    return out[0] if len(out) == 1 else tuple(out)


def _spacings(f, varargs, axes):
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        return [varargs[0]] * len(axes)
    if len(varargs) != len(axes):
        raise UnsupportedOperationError("np.gradient: invalid number of spacing arguments")
    out = []
    for ax, d in zip(axes, varargs):
        d = np.asarray(d, dtype=float)
        if d.ndim == 1:
            if len(d) != shape_of(f)[ax]:
                raise UnsupportedOperationError("np.gradient: when 1d, distances must match "
                                                "the length of the corresponding dimension")
            d = np.diff(d)
            d = d[0] if np.all(d == d[0]) else d  # numpy's test for uniform spacing
        elif d.ndim:
            raise UnsupportedOperationError("np.gradient: distances must be scalars or 1d")
        out.append(d)
    return out


def _gradient_along(f, axis, dx, edge_order):
    n = shape_of(f)[axis]
    if n < edge_order + 1:
        raise UnsupportedOperationError(
            "np.gradient: shape of array too small to calculate a numerical gradient, at "
            "least (edge_order + 1) elements are required")
    lead = (slice(None),) * axis

    def part(s):
        return f[lead + (s,)]

    def keep(i):  # one index along the axis, the axis kept (length 1)
        return part(slice(i, i + 1) if i != -1 else slice(-1, None))

    uniform = np.ndim(dx) == 0
    along = [1] * len(shape_of(f))
    along[axis] = -1
    if uniform:
        interior = (part(slice(2, None)) - part(slice(None, -2))) / (2.0 * dx)
    else:
        dx1, dx2 = dx[:-1], dx[1:]
        a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(along)
        b = ((dx2 - dx1) / (dx1 * dx2)).reshape(along)
        c = (dx1 / (dx2 * (dx1 + dx2))).reshape(along)
        interior = a * part(slice(None, -2)) + b * part(slice(1, -1)) + c * part(slice(2, None))
    if edge_order == 1:
        first = (keep(1) - keep(0)) / (dx if uniform else dx[0])
        last = (keep(-1) - keep(-2)) / (dx if uniform else dx[-1])
    else:
        if uniform:
            a, b, c = -1.5 / dx, 2.0 / dx, -0.5 / dx
        else:
            d1, d2 = dx[0], dx[1]
            a, b, c = (-(2.0 * d1 + d2) / (d1 * (d1 + d2)), (d1 + d2) / (d1 * d2),
                       -d1 / (d2 * (d1 + d2)))
        first = a * keep(0) + b * keep(1) + c * keep(2)
        if uniform:
            a, b, c = 0.5 / dx, -2.0 / dx, 1.5 / dx
        else:
            d1, d2 = dx[-2], dx[-1]
            a, b, c = (d2 / (d1 * (d1 + d2)), -(d2 + d1) / (d1 * d2),
                       (2.0 * d2 + d1) / (d2 * (d1 + d2)))
        last = a * keep(-3) + b * keep(-2) + c * keep(-1)
    return _concatenate([first, interior, last], axis=axis)
