"""The symbolic method's cache: each derivation once per function and fingerprint.

A derivation (trace, sympy.diff, lambdify) costs seconds; a gradient-descent loop calls the
same ``f`` thousands of times. Derivations are kept per function (weakly: they go with it)
and per :mod:`~diffmethods.fingerprint` of everything it reads, so a changed closure, global
array or instance state derives again and a cached derivative is never stale.

>>> import numpy as np
>>> f, built = (lambda x: np.sum(x * x)), []
>>> for _ in range(2):
...     product, fresh = _cached(Problem(f, np.ones(2), "symbolic"), "demo",
...                              lambda: built.append(1) or "derived")
>>> built, product, fresh
([1], 'derived', False)
"""

from __future__ import annotations

import threading
import weakref

from ..errors import UnsupportedOperationError
from ..points import Problem

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _cache_key(f):
    # a bound method is a new object at every access: key on its function (the instance's
    # state is part of the fingerprint)
    return getattr(f, "__func__", f)


def _fingerprint(problem: Problem):
    """Everything a derivation depends on besides the values of the differentiated
    coordinates: the point's structure, the non-differentiated arguments, and whatever f reads
    (closure cells, globals, defaults, the instance of a bound method). None if unreadable."""
    from ..fingerprint import context_fingerprint
    parsed = problem._parsed
    diff = set(parsed.diff)
    data = [a for k, a in enumerate(parsed.args) if k not in diff] \
        if len(diff) < len(parsed.args) else []
    context = context_fingerprint(problem.f, data)
    if context is None:
        return None
    return (problem.kind, problem.structure.signature(), parsed.diff, parsed.rebuilds_one,
            context)


def _cached(problem: Problem, what: str, build):
    """(product, fresh): ``build()`` once per function and fingerprint, then from the cache.
    A function whose context cannot be fingerprinted is derived every time (never a stale
    derivative)."""
    f = problem.f
    key = _cache_key(f)
    fingerprint = _fingerprint(problem)
    try:
        per_f = _CACHE.get(key)
    except TypeError:  # not weak-referenceable: derive every time
        return _built(build), True
    if fingerprint is None:
        return _built(build), True
    subkey = (what, fingerprint)
    if per_f is not None and subkey in per_f:
        return per_f[subkey], False
    product = _built(build)
    with _LOCK:
        entries = _CACHE.setdefault(key, {})
        if len(entries) >= MAX_ENTRIES_PER_FUNCTION:  # a closure changed many times: forget
            entries.clear()
        entries[subkey] = product
    return product, True


MAX_ENTRIES_PER_FUNCTION = 16


def _built(build):
    """``build()``, with sympy's recursion limit on deeply nested expressions said plainly."""
    try:
        return build()
    except RecursionError:
        raise UnsupportedOperationError(
            "the expression of f is nested too deeply for sympy to differentiate (Python's "
            "recursion limit); use forward or reverse mode, which have no depth limit") from None


def clear_cache() -> None:
    """Forget every cached derivation (e.g. after changing a function's closure)."""
    with _LOCK:
        _CACHE.clear()
