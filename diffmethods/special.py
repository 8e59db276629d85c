"""``logsumexp``, ``softmax`` and ``log_softmax`` as scipy.special defines them, on traced values.

scipy's own functions are Python code that first converts its input with ``np.asarray``: on a
traced value that is an object array, and what follows either fails inside numpy (logsumexp:
``np.isfinite`` has no object loop) or crawls element by element (softmax). No numpy protocol
lets another library's Python function dispatch on our values, so diffmethods refuses scipy's
functions on traced values by name (``Traced.__array__``, :mod:`diffmethods.interop`) and
offers these, with the same
arguments, built from table rows and array primitives -- every method differentiates them:

>>> import numpy as np, diffmethods as dm
>>> from diffmethods.special import logsumexp
>>> dm.gradient(lambda x: logsumexp(x), np.log([1.0, 3.0])).round(3).tolist()
[0.25, 0.75]

The shift that keeps ``exp`` from overflowing is the maximum of the values, taken as a
constant (the result does not depend on it; scipy shifts the same way). The symbolic method
has no values, so it shifts by the traced ``np.max`` (its derivative cancels). On plain arrays
the functions compute the same formulas with numpy (scipy is not needed).
"""

from __future__ import annotations

import numpy as np

from .errors import BranchError, UnsupportedOperationError


def _shift(a, axis):
    """max(a) along ``axis`` (keepdims), a constant where the tracer has values; 0 where the
    maximum is not finite (all -inf: the result is -inf, as scipy's)."""
    from .tracing import Traced
    if isinstance(a, Traced):
        try:
            values = np.asarray(a._primal(), dtype=float)
        except BranchError:  # the symbolic method: no values, shift by the expression itself
            return np.max(a, axis=axis, keepdims=True)
    else:
        values = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        m = np.max(values, axis=axis, keepdims=True) if values.size else np.zeros(
            [1] * values.ndim)
    return np.where(np.isfinite(m), m, 0.0)


def _axis(axis, ndim, name):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(k, (int, np.integer)) and -ndim <= k < max(ndim, 1) for k in axes):
        raise UnsupportedOperationError(f"{name}: axis={axis!r} is not an axis of an array of "
                                        f"{ndim} dimensions")
    return tuple(int(k) % max(ndim, 1) for k in axes)


def _squeeze(v, axes, shape):
    return np.reshape(v, [n for k, n in enumerate(shape) if k not in axes])


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) along ``axis``, as ``scipy.special.logsumexp``: with weights ``b``
    (broadcast against ``a``; they may be traced too), ``keepdims``, and ``return_sign`` (then
    (log|s|, sign(s)) for s = sum(b exp(a)); without it a negative s gives nan, as scipy's)."""
    a = a if hasattr(a, "shape") else np.asarray(a, dtype=float)
    if b is not None:
        b = b if hasattr(b, "shape") else np.asarray(b, dtype=float)
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        a = a if np.shape(a) == shape else a * np.ones(shape)
        if type(b) is np.ndarray and np.any(b == 0):  # scipy's: a term with b = 0 is left out,
            a = np.where(np.broadcast_to(b == 0, shape), -np.inf, a)  # even where a is inf
    shape = tuple(np.shape(a))
    if not shape:
        a, shape = np.reshape(a, (1,)), (1,)
        axes = (0,) if axis in (None, 0, -1, (0,), ()) else _axis(axis, 0, "logsumexp")
    else:
        axes = _axis(axis, len(shape), "scipy.special.logsumexp")
    c = _shift(a, axes)
    terms = np.exp(a - c) if b is None else b * np.exp(a - c)
    s = np.sum(terms, axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf, log(-1) = nan: scipy's
        if return_sign:
            sign = np.sign(s)
            out = np.log(np.abs(s)) + c
        else:
            out = np.log(s) + c
    if not keepdims:
        out = _squeeze(out, axes, shape)
        sign = _squeeze(sign, axes, shape) if return_sign else None
    return (_scalar(out), _scalar(sign)) if return_sign else _scalar(out)


def _scalar(v):
    """A 0-d numpy array as a numpy scalar, as scipy returns it; traced values as they are."""
    return v[()] if type(v) is np.ndarray and v.ndim == 0 else v


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) along ``axis``, as ``scipy.special.softmax``."""
    x = x if hasattr(x, "shape") else np.asarray(x, dtype=float)
    axes = _axis(axis, len(np.shape(x)), "scipy.special.softmax") if np.shape(x) else None
    e = np.exp(x - _shift(x, axes))
    return e / np.sum(e, axis=axes, keepdims=True)


def log_softmax(x, axis=None):
    """x - logsumexp(x) along ``axis``, as ``scipy.special.log_softmax``: the shifted values
    minus the log of their sum, so no digits are lost to the shift."""
    x = x if hasattr(x, "shape") else np.asarray(x, dtype=float)
    axes = _axis(axis, len(np.shape(x)), "scipy.special.log_softmax") if np.shape(x) else None
    shifted = x - _shift(x, axes)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axes, keepdims=True))


REPLACEMENTS = {"logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax}
"""scipy.special's Python functions that have a traceable twin here, by name."""
