"""Compiling the symbolic method's expressions into one numeric function.

``sympy.lambdify`` turns the common-subexpression-eliminated form of [f, df/dx1, ...] into
Python code. Scalar expressions run on the math module (fast on Python floats); expressions
that keep constant arrays packed (:mod:`~diffmethods.methods.symbolic_arrays`) run on numpy,
with the arrays passed as extra arguments after the variables.

>>> import sympy
>>> x = sympy.Symbol("x", real=True)
>>> Compiled((x,), sympy.cse([x**2, 2*x]))([3.0])
[9.0, 6.0]
"""

from __future__ import annotations

import numpy as np

from .._lazy import lazy_import
from . import symbolic_arrays as arrays

sympy = lazy_import("sympy")


class Compiled:
    """A list of expressions compiled into one function of the symbols, via their
    common-subexpression-eliminated form.

    The code uses the math module on Python floats (fast). Where math raises (1/0, log(-1),
    overflow) or Python's ** turns complex ((-1.0)**0.5) it runs again through numpy, which
    gives inf/nan as IEEE arithmetic and the other methods do. Expressions with constant
    arrays in them (``data``: their data symbols) always run on numpy."""

    def __init__(self, symbols, cse_form):
        self.symbols, self.cse = symbols, cse_form
        replacements, reduced = cse_form
        self.data = tuple(arrays.data_symbols([r for _, r in replacements] + list(reduced)))
        self._arrays = [s.array for s in self.data]
        self.function = _compile(symbols, cse_form, "numpy" if self.data else "math",
                                 self.data)
        self._ieee_function = self.function if self.data else None

    def __call__(self, x) -> list:
        values = x.tolist() if isinstance(x, np.ndarray) else [float(v) for v in x]
        if self.data:
            with np.errstate(all="ignore"):  # the undefined-point policy speaks instead
                out = self.function(*(np.float64(v) for v in values), *self._arrays)
            return [float(v) for v in out]
        try:
            return [float(v) for v in self.function(*values)]
        except (ArithmeticError, ValueError, TypeError):  # TypeError: (-1.0)**0.5 is complex
            if self._ieee_function is None:
                self._ieee_function = _compile(self.symbols, self.cse, "numpy")
            with np.errstate(all="ignore"):
                out = [np.asarray(v).reshape(-1)[0] for v in
                       self._ieee_function(*(np.array([v]) for v in values))]
        return [float(v) for v in out]


def _compile(symbols, cse_form, module: str, data=()):
    """lambdify the CSE form of [f, df/dx1, ...] into one function of the symbols (then of
    the data symbols' arrays).

    The arguments get plain names (a0, a1, ...; d0, d1, ... for data) first, in one pass over
    the expressions: a parameter called ``sin`` must not shadow the sine, and lambdify's own
    renaming (``dummify``) walks every expression once per argument, which takes seconds at
    n = 200.
    """
    from ..symfuncs import LAMBDIFY_NAMESPACES
    replacements, reduced = cse_form
    plain = sympy.symbols(f"_a0:{len(symbols)}", real=True)
    plain_data = sympy.symbols(f"_d0:{len(data)}", real=True) if data else ()
    rename = dict(zip(symbols, plain)) | dict(zip(data, plain_data))
    replacements = [(lhs, rhs.xreplace(rename)) for lhs, rhs in replacements]
    reduced = [e.xreplace(rename) for e in reduced]
    namespace = LAMBDIFY_NAMESPACES[module]
    if module == "numpy":
        namespace = {**namespace, **arrays.NUMPY_NAMESPACE}
    return sympy.lambdify(tuple(plain) + tuple(plain_data), reduced, dummify=False,
                          docstring_limit=0, modules=[namespace, module],
                          cse=lambda _: (replacements, reduced))
