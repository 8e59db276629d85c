"""The constants a tape keeps for its backward pass, safe from f changing them in place.

Reverse mode reads an operation's constant operands again in the backward pass, after f has
returned: the weights of ``w * x``, the matrix of ``A @ x``, an index array, a mask. If f
changed such an array in place after using it (``w[:] = 0``, ``idx[0] = 2``), the sweep would
read the new elements and return a confidently wrong gradient. So :func:`frozen` keeps every
such array unchangeable until the sweep no longer needs it:

* a read-only array (it and every array it views) is kept as it is;
* a small array (up to ``COPY_LIMIT`` elements) is copied, which costs next to nothing;
* a large one (a data matrix) is made read-only while f runs (:func:`calling_f`) instead of
  copied, since copying it on every gradient would cost more than the gradient. f writing into
  it after using it then fails with the package's error, not a wrong number. The flags are put
  back when f returns; the sweep runs after that and nothing else can change the array then.

Outside :func:`calling_f` (a tape used directly), every writeable array is copied.

>>> import numpy as np
>>> w = np.ones(2); kept = frozen(w); w[0] = 5.0; kept
array([1., 1.])
"""

from __future__ import annotations

import threading
import warnings

import numpy as np

from .errors import UnsupportedOperationError

COPY_LIMIT = 1 << 14
"""Arrays of up to this many elements (128 KiB of floats) are copied; larger ones protected."""


class _Scope(threading.local):
    protected: list | None = None  # the arrays made read-only during the current call of f


_SCOPE = _Scope()


def _read_only(a) -> bool:
    """Whether no numpy code can change ``a``'s elements: it and every array it views are
    read-only (down to an owner, or to immutable bytes)."""
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            return False
        a = a.base
    return a is None or isinstance(a, bytes)


def _protect(a: np.ndarray, protected: list) -> None:
    """Make ``a`` and the arrays it views read-only, noting each one whose flag was flipped."""
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            a.flags.writeable = False
            protected.append(a)
        a = a.base


def frozen(c):
    """``c`` as a tape may keep it: unchanged if nothing can write to it, else a copy (small
    arrays, or outside a call of f) or the array itself made read-only until f returns.
    Tuples, lists and dicts (an operation's parameters) are frozen item by item."""
    if isinstance(c, np.ndarray):
        if _read_only(c):
            return c
        protected = _SCOPE.protected
        if protected is None or c.size <= COPY_LIMIT:
            return c.copy()
        _protect(c, protected)
        return c
    if type(c) is tuple or type(c) is list:
        return type(c)(frozen(v) for v in c) if any(map(_may_hold_arrays, c)) else c
    if type(c) is dict:  # an operation's params: most hold no array, and are kept as they are
        return ({k: frozen(v) for k, v in c.items()} if any(map(_may_hold_arrays, c.values()))
                else c)
    return c


def _may_hold_arrays(v) -> bool:
    return isinstance(v, np.ndarray) or type(v) in (tuple, list, dict)


class calling_f:
    """The span of one call of f: arrays :func:`frozen` protects inside it are writeable again
    when it ends, and numpy's read-only error on one of them becomes the package's error.

    >>> with calling_f():
    ...     pass
    """

    __slots__ = ("outer", "protected")

    def __enter__(self):
        self.outer = _SCOPE.protected
        self.protected = _SCOPE.protected = []
        return self

    def __exit__(self, kind, error, traceback):
        _SCOPE.protected = self.outer
        protected = self.protected
        for a in reversed(protected):  # the viewed arrays first: a view needs its base writeable
            try:
                a.flags.writeable = True
            except ValueError:  # pragma: no cover - numpy refuses only for foreign buffers
                warnings.warn("an array f used could not be made writeable again after "
                              "reverse mode protected it", RuntimeWarning, stacklevel=2)
        if protected and kind is ValueError and "read-only" in str(error):
            raise UnsupportedOperationError(
                "f wrote into an array after using it in a traced operation (numpy: "
                f"{error}). Reverse mode reads that array again in its backward pass, so "
                "changing it would give a wrong gradient; it is kept read-only while f runs. "
                "Write into a copy instead (w = w.copy() before writing), or finish writing "
                "before using it") from error
        return False
