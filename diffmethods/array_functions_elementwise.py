"""numpy functions (not ufuncs) that are rows of the operation table, or built from rows.

``np.round``, ``np.clip``, ``np.real`` ... reach ``Traced.__array_function__``, not
``__array_ufunc__``; they are registered here with :func:`diffmethods.array_functions.handles`
and reduce to table rows, so no tracer needs a rule of its own:

* ``np.round(x)`` / ``np.around(x)`` is ``np.rint(x)`` (numpy rounds half to even, as rint):
  derivative 0. ``decimals`` other than 0 is refused (x * 10**d would round in a different
  binary place than numpy does, and the derivative would be 0 anyway: write it out).
* ``np.clip(x, lo, hi)`` (and ``x.clip(lo, hi)``) is ``np.minimum(np.maximum(x, lo), hi)``,
  as numpy defines it: derivative 1 strictly inside, 0 outside, 1/2 exactly on a bound (the
  tie convention of maximum/minimum); the bounds may be traced too.
* ``np.real(x)`` is x, ``np.imag(x)`` is 0 * x, ``np.angle(x)`` is pi * heaviside(-x, 0) (pi
  for x < 0, 0 for x >= 0; 180 with deg=True): the values of f are real, derivative 0.
* ``np.nan_to_num(x)`` is x where x is finite (derivative 1) and the replacement constant
  elsewhere (derivative 0). The symbolic method has no value to test, so it keeps x: a
  non-finite value then stays one, and the undefined-point policy reports it.
"""

from __future__ import annotations

import math

import numpy as np

from .array_functions import _traced_type, handles
from .errors import UnsupportedOperationError


def _refuse_out(name, out):
    if out is not None:
        raise UnsupportedOperationError(f"{name}(..., out=) is not supported on traced values: "
                                        "use the returned value")


@handles(np.round, np.around)
def _round(a, decimals=0, out=None):
    _refuse_out("np.round", out)
    if decimals != 0:
        raise UnsupportedOperationError(
            f"np.round with decimals={decimals!r} is not supported on traced values; only "
            "decimals=0 (np.rint, derivative 0) is. Its derivative is 0 too: write "
            "np.rint(x * 10**d) / 10**d if that rounding is what you mean.")
    return np.rint(a)


@handles(np.clip)
def _clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue,
          max=np._NoValue, **kwargs):
    _refuse_out("np.clip", out)
    if kwargs:
        raise UnsupportedOperationError(
            f"np.clip({', '.join(k + '=' for k in kwargs)}) is not supported on traced values")
    if a_min is not np._NoValue and min is not np._NoValue or \
            a_max is not np._NoValue and max is not np._NoValue:
        raise UnsupportedOperationError("np.clip: give each bound once (a_min or min, a_max or "
                                        "max)")
    lo = min if a_min is np._NoValue else a_min
    hi = max if a_max is np._NoValue else a_max
    lo = None if lo is np._NoValue else lo
    hi = None if hi is np._NoValue else hi
    if lo is None and hi is None:
        raise UnsupportedOperationError("np.clip needs a lower or an upper bound (a_min, a_max)")
    out = a
    if lo is not None:
        out = np.maximum(out, lo)
    if hi is not None:
        out = np.minimum(out, hi)
    return out


@handles(np.real)
def _real(val):
    return val  # traced values are real


@handles(np.imag)
def _imag(val):
    return val * 0.0


@handles(np.angle)
def _angle(z, deg=False):
    return (180.0 if deg else math.pi) * np.heaviside(-z, 0.0)


@handles(np.nan_to_num)
def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    from .errors import BranchError
    try:
        primal = np.asarray(x._primal(), dtype=float)
    except BranchError:  # the symbolic method: no value to test (see the module docstring)
        return x
    finite = np.isfinite(primal)
    if finite.all():
        return x
    big = np.finfo(float).max
    replacement = np.where(np.isnan(primal), nan,
                           np.where(primal > 0, big if posinf is None else posinf,
                                    -big if neginf is None else neginf))
    return np.where(finite, x, replacement)


@handles(np.sinc)
def _sinc(x):
    from .ops import OPS
    return _traced_type(x)._elementwise(OPS["sinc"], (x,))


def ldexp(x1, x2):
    """``np.ldexp(x1, i)`` = x1 * 2**i on traced values: a product with the constant 2**i, so
    d/dx1 = 2**i in every method. The exponent is integer data, never traced (numpy refuses a
    float one too); an exponent whose 2**i is not a normal float64 (|i| > 1022) is refused,
    since x1 * 2**i would then round differently from numpy's ldexp."""
    from .tracing import Traced
    if isinstance(x2, Traced):
        raise UnsupportedOperationError(
            f"np.ldexp(x1, i): the exponent i is integer data and cannot be differentiated "
            f"({x2.method_label}); write x1 * 2.0**i for a real exponent.")
    exponent = np.asarray(x2)
    if exponent.dtype.kind not in "iu":
        raise UnsupportedOperationError(
            f"np.ldexp(x1, i) needs an integer exponent (numpy refuses dtype {exponent.dtype} "
            "too); pass an integer array, or write x1 * 2.0**i.")
    with np.errstate(over="ignore", under="ignore"):
        scale = np.ldexp(1.0, exponent)
    if not np.all(np.isfinite(scale) & (scale >= np.finfo(float).tiny)):
        raise UnsupportedOperationError(
            "np.ldexp(x1, i) with |i| > 1022 is not supported on traced values: 2**i is not a "
            "normal float64, so x1 * 2**i would not round as numpy's ldexp does.")
    return x1 * scale
