"""The array methods and attributes of traced values: ``x.T``, ``x.sum(axis=0)``,
``x.reshape(2, 3)``, ``x.squeeze()``, ``x.astype(float)``, ``x.item()``, ``x.dtype``, ...

Each method is the numpy function of the same name (``x.var(ddof=1)`` is ``np.var(x, ddof=1)``),
so it has no derivative rule of its own and behaves exactly as the function does. Traced values
are never changed in place: ``x.copy()`` and ``x.astype(float)`` return ``x`` itself, and
``x[i] = v`` is refused with the functions that build a new array instead. Every other public
ndarray attribute (``x.view``, ``x.sort``, ...) is refused by :class:`UnsupportedAttributeError`,
which names it and, being an AttributeError too, keeps ``hasattr`` working.

>>> import numpy as np, diffmethods as dm
>>> dm.gradient(lambda x: x.reshape(2, 2).T.squeeze().sum(axis=0).max(), np.arange(4.0))
array([0., 0., 1., 1.])
"""

from __future__ import annotations

import numpy as np

from .errors import UnsupportedOperationError


class UnsupportedAttributeError(UnsupportedOperationError, AttributeError):
    """An array attribute or method that traced values do not have. It is an AttributeError
    too, so ``hasattr`` and ``getattr(x, name, default)`` keep working."""


class ArrayMethods:
    """The ndarray methods numpy code uses, for :class:`~diffmethods.tracing.Traced`."""

    __slots__ = ()

    @property
    def T(self):
        return np.transpose(self)

    @property
    def dtype(self):
        return np.dtype(np.float64)  # every method traces float64 (the complex step too)

    def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return np.sum(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kwargs)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return np.mean(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kwargs)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return np.prod(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kwargs)

    def max(self, axis=None, out=None, keepdims=False, **kwargs):
        return np.max(self, axis=axis, out=out, keepdims=keepdims, **kwargs)

    def min(self, axis=None, out=None, keepdims=False, **kwargs):
        return np.min(self, axis=axis, out=out, keepdims=keepdims, **kwargs)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        return np.var(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims,
                      **kwargs)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        return np.std(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims,
                      **kwargs)

    def cumsum(self, axis=None, dtype=None, out=None):
        return np.cumsum(self, axis=axis, dtype=dtype, out=out)

    def cumprod(self, axis=None, dtype=None, out=None):
        return np.cumprod(self, axis=axis, dtype=dtype, out=out)

    def argmax(self, axis=None, out=None, **kwargs):
        return np.argmax(self, axis=axis, out=out, **kwargs)

    def argmin(self, axis=None, out=None, **kwargs):
        return np.argmin(self, axis=axis, out=out, **kwargs)

    def argsort(self, axis=-1, kind=None, order=None, **kwargs):
        return np.argsort(self, axis=axis, kind=kind, order=order, **kwargs)

    def dot(self, other, out=None):
        return np.dot(self, other, out=out)

    def clip(self, min=None, max=None, **kwargs):
        # as np.clip defines it (and JAX): minimum(maximum(x, min), max); at x == min the
        # derivative is np.maximum's tie convention, 1/2
        if min is None and max is None or kwargs:
            raise UnsupportedOperationError(
                "x.clip needs min or max (and no other keywords) on traced values")
        out = self if min is None else np.maximum(self, min)
        return out if max is None else np.minimum(out, max)

    def reshape(self, *shape, order="C", **kwargs):
        if order != "C":
            raise UnsupportedOperationError(f"x.reshape(..., order={order!r}): traced values "
                                            "are reshaped in C order only")
        if "shape" in kwargs:
            shape = (kwargs.pop("shape"),)
        if kwargs or not shape:
            raise UnsupportedOperationError("x.reshape takes a shape (and order='C')")
        return np.reshape(self, shape[0] if len(shape) == 1 else shape)

    def ravel(self, order="C"):
        return self.reshape(-1, order=order)

    def flatten(self, order="C"):
        return self.reshape(-1, order=order)  # traced values are never changed: no copy needed

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return np.transpose(self, axes or None)

    def swapaxes(self, axis1, axis2):
        return np.swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return np.squeeze(self, axis=axis)

    def repeat(self, repeats, axis=None):
        return np.repeat(self, repeats, axis=axis)

    def take(self, indices, axis=None, out=None, mode="raise"):
        return np.take(self, indices, axis=axis, out=out, mode=mode)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        dtype = np.dtype(dtype)
        if dtype == np.float64:
            return self  # the traced value is float64 already, and never changed in place
        if dtype.kind == "f":
            raise UnsupportedOperationError(
                f"x.astype({dtype}) on a value traced by {self.method_label}: the derivative is traced "
                "in float64; rounding to a smaller float would change f. Use astype(float).")
        raise UnsupportedOperationError(
            f"x.astype({dtype}) on a value traced by {self.method_label} would drop its derivative "
            f"({dtype} values are not differentiable); keep float64 values, e.g. astype(float).")

    def copy(self, order="K"):
        return self  # traced values are never changed in place, so a copy is the value itself

    def item(self, *args):
        if not args:
            if self.size != 1:
                raise UnsupportedOperationError(
                    f"x.item() needs an array of one element; this one has shape {self.shape}")
            return np.reshape(self, ())
        if len(args) == 1 and isinstance(args[0], (int, np.integer)):
            return np.reshape(self, (-1,))[args[0]]
        return self[args[0] if len(args) == 1 else args]

    def tolist(self):
        """The elements as (nested) lists of traced scalars; a scalar as itself."""
        return self if not self.shape else [x.tolist() for x in self]

    def argpartition(self, kth, axis=-1, kind="introselect", order=None):
        return np.argpartition(self, kth, axis=axis, kind=kind, order=order)

    def nonzero(self):
        return np.nonzero(self)

    def all(self, axis=None, out=None, keepdims=False):
        return np.all(self._values("x.all"), axis=axis, out=out, keepdims=keepdims)

    def any(self, axis=None, out=None, keepdims=False):
        return np.any(self._values("x.any"), axis=axis, out=out, keepdims=keepdims)

    def _values(self, name):
        from .array_stats import values_of
        return values_of(self, name)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return np.diagonal(self, offset=offset, axis1=axis1, axis2=axis2)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        return np.trace(self, offset=offset, axis1=axis1, axis2=axis2, dtype=dtype, out=out)

    def round(self, decimals=0, out=None):
        return np.round(self, decimals=decimals, out=out)

    # traced values are real: their real part is themselves, their imaginary part zero (also in
    # the complex step, whose imaginary part carries the derivative, not a value)
    @property
    def real(self):
        return self

    @property
    def imag(self):
        return np.zeros(self.shape)

    def conj(self):
        return self

    conjugate = conj

    @property
    def mT(self):
        return np.swapaxes(self, -1, -2)

    def __setitem__(self, index, value):
        raise UnsupportedOperationError(
            f"x[...] = value on a value traced by {self.method_label}: traced arrays cannot be changed in "
            "place. Build the new array instead: np.where(mask, value, x), np.concatenate, "
            "np.stack or np.pad.")


IN_PLACE = frozenset({"sort", "partition", "fill", "put", "resize", "setfield", "setflags",
                      "byteswap", "itemset"})


def refuse_other_ndarray_attributes(cls) -> None:
    """Give ``cls`` every other public ndarray attribute (``x.view``, ``x.strides``, ``x.sort``,
    ...) as a property that refuses it by name: numpy code reaching for one gets our error,
    not "object has no attribute". Called once the class is complete, so nothing it defines
    is shadowed. (A ``__getattr__`` hook would do it too, but slows every attribute access of
    traced values by a third.)"""
    for name in dir(np.ndarray):
        if not name.startswith("_") and not hasattr(cls, name):
            setattr(cls, name, _refusal(name))


def _refusal(name):
    def refuse(self):
        why = ("traced arrays cannot be changed in place; use the function that returns a new "
               f"array (np.{name})" if name in IN_PLACE else
               "traced values have no memory layout or raw data of their own")
        raise UnsupportedAttributeError(f"x.{name} is not available on {self.method_label} "
                                        f"values: {why}.")
    return property(refuse, doc=f"Not available on traced values: x.{name} is refused.")
