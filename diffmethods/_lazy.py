"""Import heavy modules (sympy, mpmath) on first use, not when diffmethods is imported.

Importing sympy costs about 0.2 s and some 37,000 objects that Python's garbage collector then
walks at every full collection -- a real cost for the reverse-mode tape, which allocates an
object per operation. Methods that never touch sympy should not pay for it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys


def lazy_import(name: str):
    """The module ``name``, loaded when one of its attributes is first used (the recipe of
    the importlib documentation); the module itself if it is imported already."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
