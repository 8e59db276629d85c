"""Statistics, scans and selection on traced values.

Most are composites of rows that exist already -- ``np.var`` is a mean of squared deviations,
``np.cumprod`` a log2(n)-step scan of products, ``np.median`` an average of sorted elements --
so they need no rule. Two kinds of function choose elements by their *values*:

* **sorting** (``np.sort``, ``np.partition``, ``np.median``, ``np.percentile``): at the point,
  the sorted array is ``x[perm]`` for the permutation ``perm = np.argsort(x)`` (stable: tied
  elements keep their order, as in JAX), a gather of x with constant indices. Its derivative
  goes through that permutation; the symbolic method, which has no values, refuses them;
* **extremes** (``np.max``, ``np.min``): one row of the primitive table, :data:`MAX` and
  :data:`MIN`. Where several elements tie for the extreme, they share its derivative equally
  (numpy's ``np.maximum`` convention of 1/2 each, and JAX's ``jnp.max``): the derivative of
  ``max(x)`` is ``sum_j w_j dx_j`` with ``w_j = [x_j == max] / #ties``.

``np.argmax``, ``np.argmin``, ``np.argsort``, ``np.argpartition``, ``np.nonzero``,
``np.flatnonzero``, ``np.count_nonzero`` and ``np.searchsorted`` (of a traced sorted array)
return plain integers: they read the values, and have no derivative.

>>> import numpy as np, diffmethods as dm
>>> dm.gradient(lambda x: np.max(x), np.array([1.0, 3.0, 3.0]))
array([0. , 0.5, 0.5])
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .array_functions import _no_extra, _sum, handles
from .array_ops import CUMSUM, shape_of
from .array_shapes import constants_only
from .errors import BranchError, UnsupportedOperationError
from .primitives import apply, primitive


# --- extremes: a row of the primitive table ----------------------------------------------------
def _reduced(axis, ndim) -> tuple:
    return tuple(range(ndim)) if axis is None else normalize_axis_tuple(axis, ndim)


def _shares(x, out, axis, keepdims):
    """Each element's share of the derivative: 1/#ties where it equals its slice's extreme."""
    axes = _reduced(axis, len(shape_of(x)))
    kept = out if keepdims else np.expand_dims(out, axes)
    hit = np.asarray(x == kept)  # compares the values, also of a dual number
    with np.errstate(invalid="ignore", divide="ignore"):  # a NaN extreme: no ties, NaN shares
        return hit / np.sum(hit, axis=axes, keepdims=True), axes


def _extreme_jvp(ts, xs, out, axis, keepdims):
    (t,), (x,) = ts, xs
    w, axes = _shares(x, out, axis, keepdims)
    return np.sum(w[..., None] * t, axis=axes, keepdims=keepdims)


def _extreme_vjp(g, xs, out, wrt, axis, keepdims):
    (x,) = xs
    w, axes = _shares(x, out, axis, keepdims)
    return w * (g if keepdims else np.expand_dims(g, axes))


def _extreme_sympy(largest):
    def build(x, axis, keepdims):
        from .symmax import extreme
        if not isinstance(x, np.ndarray) or x.ndim == 0:
            return x
        axes = _reduced(axis, x.ndim)
        rest = [i for i in range(x.ndim) if i not in axes]
        width = math.prod(x.shape[i] for i in axes)
        if width == 0:
            raise UnsupportedOperationError("the maximum or minimum of an empty array")
        rows = np.transpose(x, rest + list(axes)).reshape(-1, width)
        out = np.empty(len(rows), dtype=object)
        for i, row in enumerate(rows):  # one flat node per slice (diffmethods.symmax)
            out[i] = extreme(list(row), largest)
        kept = [1 if i in axes else n for i, n in enumerate(x.shape)]
        return out.reshape(kept if keepdims else [x.shape[i] for i in rest])
    return build


MAX = primitive("np.max", lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
                _extreme_jvp, _extreme_vjp, sympy=_extreme_sympy(True))
MIN = primitive("np.min", lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims),
                _extreme_jvp, _extreme_vjp, sympy=_extreme_sympy(False))


def _extreme(row, name):
    def impl(a, axis=None, out=None, keepdims=False, **kwargs):
        _no_extra(name, dict(kwargs, out=out))
        if axis is not None:
            axis = normalize_axis_tuple(axis, len(shape_of(a)))
        return apply(row, (a,), {"axis": axis, "keepdims": bool(keepdims)})
    return impl


handles(np.max, np.amax)(_extreme(MAX, "np.max"))
handles(np.min, np.amin)(_extreme(MIN, "np.min"))


@handles(np.ptp)
def _ptp(a, axis=None, out=None, keepdims=False):
    return np.max(a, axis=axis, out=out, keepdims=keepdims) - np.min(a, axis=axis,
                                                                     keepdims=keepdims)


# --- choosing by value: permutations from the values at the point ------------------------------
def values_of(x, name: str) -> np.ndarray:
    """The plain values of a traced ``x`` (to sort them), or a refusal naming ``name``."""
    try:
        return np.asarray(x._primal() if hasattr(x, "_primal") else x)
    except BranchError:
        raise BranchError(
            f"{name} orders elements by their values, which the symbolic method cannot follow "
            "(the expression would need one branch per ordering); use forward or reverse mode "
            "or the complex step, which differentiate through the order at the point.") from None


def _flat_if_none(a, axis):
    return (np.reshape(a, (-1,)), -1) if axis is None else (a, axis)


def sort(a, axis=-1, name="np.sort"):
    """``a`` sorted along ``axis``: the gather ``take_along_axis(a, argsort(values))`` with the
    stable order, so tied elements keep their order and their derivatives stay theirs."""
    a, axis = _flat_if_none(a, axis)
    perm = np.argsort(values_of(a, name), axis=axis, kind="stable")
    return np.take_along_axis(a, perm, axis=axis)


@handles(np.sort)
def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    if order is not None:
        raise UnsupportedOperationError("np.sort(..., order=) sorts structured arrays; traced "
                                        "values are plain numbers")
    return sort(a, axis)


@handles(np.partition)
def _partition(a, kth, axis=-1, kind="introselect", order=None):
    constants_only("np.partition", (kth,), "kth")
    a, axis = _flat_if_none(a, axis)
    perm = np.argpartition(values_of(a, "np.partition"), kth, axis=axis)
    return np.take_along_axis(a, perm, axis=axis)


def _integer_result(fn):
    @handles(fn)
    def impl(a, *args, **kwargs):
        return fn(values_of(a, f"np.{fn.__name__}"), *args, **kwargs)
    impl.__name__ = f"_{fn.__name__}"
    return impl


for _fn in (np.argmax, np.argmin, np.argsort, np.argpartition, np.nonzero, np.flatnonzero,
            np.count_nonzero, np.searchsorted):
    _integer_result(_fn)


def _last_axis(a, axis):
    """``a`` with the reduced axes merged into one last axis, and the kept shape (keepdims)."""
    shape = shape_of(a)
    axes = _reduced(axis, len(shape))
    rest = [i for i in range(len(shape)) if i not in axes]
    moved = np.transpose(a, rest + list(axes)) if list(axes) != list(range(len(rest), len(shape))) \
        else a
    merged = np.reshape(moved, tuple(shape[i] for i in rest) + (-1,))
    kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return merged, kept


def _nan_where(result, slice_has_nan):
    """numpy's rule: a slice with a NaN has a NaN median or percentile (sorting put the NaN
    last, so the element picked is not it). Multiplying by NaN there makes the derivative NaN
    too: f is undefined at such a point, so no confident number comes out."""
    if not np.any(slice_has_nan):
        return result
    return result * np.where(slice_has_nan, np.nan, 1.0)


@handles(np.median)
def _median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    _no_extra("np.median", {"out": out})
    merged, kept = _last_axis(a, axis)
    n = shape_of(merged)[-1]
    if n == 0:
        raise UnsupportedOperationError("np.median of an empty array")
    ordered = sort(merged, -1, "np.median")
    mid = n // 2  # an even count averages the two middle elements, as numpy does
    result = ordered[..., mid] if n % 2 else (ordered[..., mid - 1] + ordered[..., mid]) / 2
    result = _nan_where(result, np.isnan(values_of(merged, "np.median")).any(axis=-1))
    return np.reshape(result, kept) if keepdims else result


QUANTILE_METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def _quantile(name, a, q, axis, method, keepdims):
    constants_only(name, (q,), "the quantiles q")
    if method not in QUANTILE_METHODS:
        raise UnsupportedOperationError(
            f"{name}(method={method!r}) is not supported on traced values; supported: "
            f"{', '.join(QUANTILE_METHODS)}.")
    q = np.asarray(q, dtype=float)
    if np.any(q < 0) or np.any(q > 1) or np.any(np.isnan(q)):
        raise UnsupportedOperationError(f"{name}: quantiles must be in the range [0, 1] "
                                        "(percentiles in [0, 100])")
    merged, kept = _last_axis(a, axis)
    n = shape_of(merged)[-1]
    ordered = np.moveaxis(sort(merged, -1, name), -1, 0)  # numpy samples along axis 0
    below, above, gamma = _neighbours(n, q, method)
    lo, hi = ordered[below], ordered[above]  # shapes q.shape + the kept axes
    gamma = gamma.reshape(q.shape + (1,) * (len(shape_of(lo)) - q.ndim))
    diff = hi - lo  # numpy's _lerp, which picks the closer end to add from
    result = np.where(gamma >= 0.5, hi - diff * (1 - gamma), lo + diff * gamma)
    result = _nan_where(result, np.isnan(values_of(merged, name)).any(axis=-1))
    return np.reshape(result, q.shape + kept) if keepdims else result


def _neighbours(n, q, method):
    """(index below, index above, weight of the one above) of each quantile, as numpy's
    _quantile computes them for ``method``."""
    if method == "linear":
        virtual = (n - 1) * q  # Hyndman & Fan's 7th method, in numpy's rounding
        below = np.array(np.floor(virtual))
        above = np.array(below + 1)
        below[virtual >= n - 1] = above[virtual >= n - 1] = -1
        below[virtual < 0] = above[virtual < 0] = 0
        return below.astype(np.intp), above.astype(np.intp), virtual - below
    if method == "midpoint":
        lo, hi = np.floor((n - 1) * q), np.ceil((n - 1) * q)
        gamma = np.where(lo == hi, 0.0, 0.5)
        return lo.astype(np.intp), hi.astype(np.intp), gamma
    pick = {"lower": np.floor, "higher": np.ceil, "nearest": np.around}[method]
    index = pick((n - 1) * q).astype(np.intp)
    return index, index, np.zeros(q.shape)


@handles(np.quantile)
def _np_quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                 keepdims=False, *, weights=None, interpolation=None):
    _no_extra("np.quantile", {"out": out, "weights": weights, "interpolation": interpolation})
    return _quantile("np.quantile", a, q, axis, method, keepdims)


@handles(np.percentile)
def _np_percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                   keepdims=False, *, weights=None, interpolation=None):
    _no_extra("np.percentile", {"out": out, "weights": weights, "interpolation": interpolation})
    constants_only("np.percentile", (q,), "the percentiles q")
    return _quantile("np.percentile", a, np.true_divide(q, 100), axis, method, keepdims)


# --- moments -----------------------------------------------------------------------------------
def _count(a, axis) -> int:
    shape = shape_of(a)
    return math.prod(shape[i] for i in _reduced(axis, len(shape)))


def _var(name, a, axis, ddof, keepdims, mean, correction, out, kwargs):
    _no_extra(name, dict(kwargs, out=out))
    if correction is not None:
        ddof = correction
    constants_only(name, (ddof,), "ddof")
    n = _count(a, axis)
    center = _sum(a, axis=axis, keepdims=True) / n if mean is None else mean
    deviation = a - center  # numpy: the mean of the squared deviations from the mean
    return _sum(deviation * deviation, axis=axis, keepdims=keepdims) / max(n - ddof, 0)


@handles(np.var)
def _np_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, mean=None,
            correction=None, **kwargs):
    return _var("np.var", a, axis, ddof, keepdims, mean, correction, out, kwargs)


@handles(np.std)
def _np_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, mean=None,
            correction=None, **kwargs):
    return np.sqrt(_var("np.std", a, axis, ddof, keepdims, mean, correction, out, kwargs))


@handles(np.average)
def _average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    if weights is None:
        avg = np.mean(a, axis=axis, keepdims=keepdims)
        scale = np.full(shape_of(avg), float(_count(a, axis)))
    else:
        from .array_shapes import _traced
        w = weights if _traced(weights) else np.asarray(weights, dtype=float)
        if shape_of(w) != shape_of(a):  # 1-D weights along one axis, as numpy allows
            if axis is None or len(shape_of(w)) != 1 or not isinstance(axis, (int, np.integer)):
                raise UnsupportedOperationError(
                    "np.average: weights of another shape than a need an integer axis and "
                    "1-D weights of its length")
            axis_ = normalize_axis_tuple(axis, len(shape_of(a)))[0]
            w = np.reshape(w, [-1 if i == axis_ else 1 for i in range(len(shape_of(a)))])
            w = np.broadcast_to(w, shape_of(a))
        scale = np.sum(w, axis=axis, keepdims=keepdims)
        if np.any(_value_or_nan(scale) == 0):
            raise UnsupportedOperationError("np.average: weights sum to zero, can't be "
                                            "normalized")
        avg = np.sum(a * w, axis=axis, keepdims=keepdims) / scale
    if returned:
        if shape_of(scale) != shape_of(avg):
            scale = np.broadcast_to(scale, shape_of(avg))
        return avg, scale
    return avg


def _value_or_nan(x):
    """The plain value of x, or NaN for a symbolic value (which has none)."""
    try:
        return np.asarray(x._primal() if hasattr(x, "_primal") else x)
    except BranchError:
        return np.nan


# --- scans -------------------------------------------------------------------------------------
def _scan_axis(name, a, axis, dtype, out):
    _no_extra(name, {"out": out, "dtype": dtype})
    if axis is None:
        return np.reshape(a, (-1,)), 0
    return a, normalize_axis_tuple(axis, len(shape_of(a)))[0]


@handles(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    a, axis = _scan_axis("np.cumsum", a, axis, dtype, out)
    from .array_functions import _traced_type
    return _traced_type(a)._linear(CUMSUM, (a,), {"axis": axis})


@handles(np.cumprod)
def _cumprod(a, axis=None, dtype=None, out=None):
    """A scan in log2(n) steps (Hillis and Steele): after the step with shift s, element i is
    the product of elements i - 2s + 1 .. i. Products of zeros stay exact, unlike
    exp(cumsum(log x)); the values agree with np.cumprod's to rounding (the products are
    grouped differently)."""
    a, axis = _scan_axis("np.cumprod", a, axis, dtype, out)
    from .array_functions import _concatenate
    shape = shape_of(a)
    lead = (slice(None),) * axis
    shift = 1
    while shift < shape[axis]:
        ones = np.ones(shape[:axis] + (shift,) + shape[axis + 1:])
        a = a * _concatenate([ones, a[lead + (slice(None, -shift),)]], axis=axis)
        shift *= 2
    return a


def _cumulative(name, scan, identity):
    def impl(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        if axis is None and len(shape_of(x)) > 1:
            raise UnsupportedOperationError(f"{name}: axis must be given for arrays of more "
                                            "than one dimension")
        axis = 0 if axis is None else normalize_axis_tuple(axis, len(shape_of(x)))[0]
        y = scan(x, axis=axis, dtype=dtype, out=out)
        if not include_initial:
            return y
        from .array_functions import _concatenate
        shape = shape_of(x)
        return _concatenate([np.full(shape[:axis] + (1,) + shape[axis + 1:], identity), y],
                            axis=axis)
    return impl


if hasattr(np, "cumulative_sum"):  # numpy >= 2.1: the array-API spellings
    handles(np.cumulative_sum)(_cumulative("np.cumulative_sum", np.cumsum, 0.0))
    handles(np.cumulative_prod)(_cumulative("np.cumulative_prod", np.cumprod, 1.0))
