"""A cheap second look at a context fingerprint: the same objects, the same array bytes.

:func:`~diffmethods.fingerprint.context_fingerprint` walks everything f reads besides its
arguments (closure cells, the globals its code names, its defaults, the functions it calls) and
builds a key from their values -- tens of microseconds per call, which a kept program that runs
in a few microseconds cannot afford at every gradient. A :class:`Watch` is taken at the same
moment as a fingerprint and remembers *where* each of those values lives and *which object* it
was; :meth:`Watch.unchanged` reads the same places again and compares identities (and, for
arrays, shape, dtype and bytes, since an array changes in place). When it says unchanged, the
fingerprint would be equal too, so whatever was kept for that fingerprint may be reused.

It is never more lenient than the fingerprint: identity of an immutable value (a number, a
string, a module, a tuple of such) vouches for its value, and anything whose state identity
cannot vouch for -- a list, a dict, an object, a bound method -- makes :func:`watch` return
None, and the caller fingerprints in full, as before.

>>> import numpy as np
>>> a = np.ones(2)
>>> f = lambda x: np.sum(a * x)
>>> w = watch(f)
>>> w.unchanged()
True
>>> a[0] = 5.0
>>> w.unchanged()
False
"""

from __future__ import annotations

import types

import numpy as np

from .fingerprint import MAX_COPIED_BYTES, MAX_DEPTH, _global_names

_MISSING = object()
_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, np.generic, types.ModuleType,
              type, types.BuiltinFunctionType, np.ufunc)


class _Refused(Exception):
    """A value whose state its identity does not vouch for."""


class Watch:
    """Where f's context lives and what it was; see the module docstring."""

    __slots__ = ("arrays", "places")

    def __init__(self):
        self.places: list = []  # (reader, holder, key, object it held)
        self.arrays: list = []  # (array, shape, dtype, bytes)

    def unchanged(self) -> bool:
        """Whether every place still holds the same object and every array the same bytes."""
        for read, holder, key, obj in self.places:
            if read(holder, key) is not obj:
                return False
        for a, shape, dtype, data in self.arrays:
            if a.shape != shape or a.dtype != dtype or a.tobytes() != data:
                return False
        return True

    # --- taking it --------------------------------------------------------------------------
    def _function(self, f, depth: int, stack: tuple) -> None:
        if id(f) in stack:
            return
        stack = stack + (id(f),)
        for attribute in ("__code__", "__defaults__", "__kwdefaults__"):
            value = getattr(f, attribute)
            self.places.append((getattr, f, attribute, value))
            if attribute != "__code__":
                self._value(value, depth + 1, stack)
        for cell in f.__closure__ or ():
            value = _cell(cell)
            self.places.append((_read_cell, cell, None, value))
            if value is not _MISSING:
                self._value(value, depth + 1, stack)
        globals_ = f.__globals__
        for name in sorted(_global_names(f.__code__)):
            value = globals_.get(name, _MISSING)
            self.places.append((_read_global, globals_, name, value))
            if value is not _MISSING:
                self._value(value, depth + 1, stack)

    def _value(self, v, depth: int, stack: tuple) -> None:
        """The state checks of ``v``, whose identity is already watched."""
        if isinstance(v, _IMMUTABLE):
            return
        if type(v) is np.ndarray and v.dtype.kind != "O" and v.nbytes <= MAX_COPIED_BYTES:
            self.arrays.append((v, v.shape, v.dtype, v.tobytes()))
            return
        if depth >= MAX_DEPTH:
            raise _Refused(type(v).__name__)
        if type(v) is tuple:
            for item in v:
                self._value(item, depth + 1, stack)
            return
        if type(v) is types.FunctionType:
            self._function(v, depth + 1, stack)
            return
        raise _Refused(type(v).__name__)


def watch(f) -> Watch | None:
    """A :class:`Watch` of plain function ``f``'s context, or None where identities cannot
    vouch for it (then fingerprint in full every time)."""
    if type(f) is not types.FunctionType:
        return None
    w = Watch()
    try:
        w._function(f, 0, ())
    except (_Refused, RecursionError):
        return None
    return w


def _cell(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell (a name assigned after the closure was made)
        return _MISSING


def _read_cell(cell, _key):
    return _cell(cell)


def _read_global(globals_: dict, name: str):
    return globals_.get(name, _MISSING)
