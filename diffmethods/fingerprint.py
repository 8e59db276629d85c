"""Fingerprints of what a traced function depends on, so a cached derivation is never stale.

A symbolic derivation bakes into its expression every number ``f`` reads besides its inputs: a
closure variable, a global array, a default argument, the attributes of the instance of a bound
method, the data passed as non-differentiated arguments. :func:`context_fingerprint` gathers
those values into one hashable key (arrays by a hash of their bytes); a cache entry is reused
only when the key is equal. Where a value cannot be read (an opaque object), it returns None:
the caller then derives again instead of guessing. A class may say what its state is with a
method ``__diffmethods_state__(self)`` returning plain values.

>>> import numpy as np
>>> a = np.ones(2)
>>> f = lambda x: np.sum(a * x)
>>> k1 = context_fingerprint(f); a[0] = 5.0
>>> k1 == context_fingerprint(f)
False
"""

from __future__ import annotations

import hashlib
import types

import numpy as np

MAX_DEPTH = 4
MAX_ITEMS = 10_000


class Opaque(Exception):
    """A value whose state cannot be fingerprinted."""


def value_fingerprint(v, depth: int = 0, stack: tuple = ()):
    """A hashable fingerprint of a value's state (equal states, equal fingerprints);
    ``stack`` holds the functions being fingerprinted, so a recursive function ends."""
    if v is None or isinstance(v, (bool, int, float, complex, str, bytes, np.generic)):
        return (type(v).__name__, v.item() if isinstance(v, np.generic) else v)
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "O":
            return ("O", v.shape, value_fingerprint(v.tolist(), depth + 1, stack))
        if v.nbytes <= MAX_COPIED_BYTES:
            return ArrayState(v)
        digest = hashlib.blake2b(np.ascontiguousarray(v).view(np.uint8), digest_size=16)
        return ("nd", v.shape, v.dtype.str, digest.hexdigest())
    if isinstance(v, (types.ModuleType, type, types.BuiltinFunctionType, np.ufunc)):
        return ("id", id(v))  # modules, classes and builtins live as long as the program
    state_of = getattr(type(v), "__diffmethods_state__", None)
    if state_of is not None:  # an object that says what its state is
        return ("state", type(v).__qualname__, value_fingerprint(state_of(v), depth, stack))
    if depth >= MAX_DEPTH:
        raise Opaque(type(v).__name__)
    if isinstance(v, (tuple, list, frozenset, set)):
        if len(v) > MAX_ITEMS:
            raise Opaque(f"a {type(v).__name__} of {len(v)} items")
        items = sorted(v, key=repr) if isinstance(v, (set, frozenset)) else v
        return (type(v).__name__, tuple(value_fingerprint(i, depth + 1, stack) for i in items))
    if isinstance(v, dict):
        if len(v) > MAX_ITEMS:
            raise Opaque(f"a dict of {len(v)} items")
        return ("dict", tuple((repr(k), value_fingerprint(i, depth + 1, stack))
                              for k, i in v.items()))
    if isinstance(v, (types.FunctionType, types.MethodType)):
        return ("fn", _function_fingerprint(v, depth + 1, stack))
    if isinstance(v, functools_partial()):
        return ("partial", value_fingerprint(v.func, depth + 1, stack),
                value_fingerprint(v.args, depth + 1, stack),
                value_fingerprint(v.keywords, depth + 1, stack))
    slots = [s for cls in type(v).__mro__ for s in getattr(cls, "__slots__", ())]
    if type(v).__basicsize__ > object.__basicsize__ + 8 * (len(slots) + 2):
        raise Opaque(type(v).__name__)  # part of its state lives in C (random.Random, ...)
    state = getattr(v, "__dict__", None)
    if state is None and not slots:
        raise Opaque(type(v).__name__)
    parts = {} if state is None else dict(state)
    for s in slots:
        if hasattr(v, s) and s not in ("__dict__", "__weakref__"):
            parts[s] = getattr(v, s)
    return ("obj", type(v).__qualname__, id(type(v)), value_fingerprint(parts, depth + 1, stack))


MAX_COPIED_BYTES = 1 << 26  # arrays up to 64 MB are kept as bytes, larger ones hashed


class ArrayState:
    """The state of an array as a copy of its bytes: equal exactly when the bytes are (a
    memory comparison, ~20x faster than hashing them, which matters when the fingerprint is
    taken at every cached gradient call of a function reading a data matrix). The hash is
    of a few evenly spaced elements, equal for equal states.

    >>> a = ArrayState(np.arange(3.0))
    >>> a == ArrayState(np.arange(3.0)), a == ArrayState(np.ones(3))
    (True, False)
    """

    __slots__ = ("shape", "dtype", "data", "_hash")

    def __init__(self, v: np.ndarray):
        self.shape, self.dtype, self.data = v.shape, v.dtype.str, v.tobytes()
        flat = v.reshape(-1)
        sample = flat[::max(1, flat.size // 16)][:16].tobytes() if flat.size else b""
        self._hash = hash((self.shape, self.dtype, sample))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return (isinstance(other, ArrayState) and self._hash == other._hash
                and self.shape == other.shape and self.dtype == other.dtype
                and self.data == other.data)

    def __repr__(self) -> str:
        return f"ArrayState(shape={self.shape}, dtype={self.dtype!r})"


def functools_partial():
    import functools
    return functools.partial


def _global_names(code) -> set:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):  # lambdas, comprehensions, nested functions
            names |= _global_names(const)
    return names


def _function_fingerprint(f, depth: int, stack: tuple = ()):
    if isinstance(f, types.MethodType):
        return (_function_fingerprint(f.__func__, depth, stack),
                value_fingerprint(f.__self__, depth, stack))
    code = f.__code__
    if id(f) in stack:
        return ("recursive", id(code))
    stack = stack + (id(f),)
    globals_ = f.__globals__
    read = tuple(sorted((name, value_fingerprint(globals_[name], depth, stack))
                        for name in _global_names(code) if name in globals_))
    cells = tuple(value_fingerprint(c.cell_contents, depth, stack) if _filled(c) else ("empty",)
                  for c in (f.__closure__ or ()))
    return (id(code), cells, read, value_fingerprint(f.__defaults__, depth, stack),
            value_fingerprint(f.__kwdefaults__, depth, stack))


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def context_fingerprint(f, extra=()):
    """The fingerprint of everything ``f`` reads besides its arguments (plus ``extra`` values,
    such as the non-differentiated arguments), or None if some of it cannot be read."""
    try:
        if isinstance(f, (types.FunctionType, types.MethodType)):
            own = _function_fingerprint(f, 0)
        else:
            own = value_fingerprint(f, 0)
        return (own, value_fingerprint(tuple(extra), 0))
    except (Opaque, RecursionError, TypeError, ValueError):
        return None
