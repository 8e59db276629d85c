"""The table of nonlinear array primitives: linear algebra and contractions.

Elementwise operations are rows of :mod:`diffmethods.ops`; linear maps (reshape, sum, index,
...) are rows of :mod:`diffmethods.array_ops`. What is left -- ``np.linalg.inv``, ``solve``,
``cholesky``, ``einsum``, ... -- acts on whole arrays and is not linear. Each is one
:class:`Primitive` row with

* ``value(*xs, **params)``             -- the numpy function on plain arrays;
* ``jvp(ts, xs, out, **params)``       -- the tangent of the output, given one tangent block per
  operand (shape ``x.shape + (k,)``, or ``None`` for an operand that is a constant);
* ``vjp(g, xs, out, wrt, **params)``   -- the contribution of the output's adjoint ``g`` to
  operand ``wrt``'s adjoint (the transpose of ``jvp`` in that operand);
* ``sympy(*xs, **params)``             -- the same on object arrays of sympy expressions, or
  ``None`` when there is no closed form (the symbolic method then refuses, by name).

Every tracer reads the same row: forward mode calls ``jvp``; reverse mode records ``vjp``;
the complex step evaluates ``value(Re x) + i jvp(Im x)``, exact to first order in the step like
the complex step itself, so decompositions that conjugate (cholesky, eigh) need no analytic
continuation; the symbolic tracer calls ``sympy``. Both rules are written with numpy functions,
so they run on dual numbers too (a Hessian sweeps the tape with them). ``tests`` check the pair
against each other (``<u, J v> = <J^T u, v>``) and against finite differences for every row.

>>> import numpy as np, diffmethods as dm
>>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
>>> bool(np.allclose(dm.gradient(lambda A: np.sum(np.linalg.inv(A)), A),
...                  -np.linalg.inv(A).T @ np.ones((2, 2)) @ np.linalg.inv(A).T))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import UnsupportedOperationError


@dataclass(frozen=True)
class Primitive:
    """A nonlinear array primitive: its value, its tangent rule, its adjoint rule."""

    name: str  # as the user writes it: "np.linalg.inv"
    value: Callable
    jvp: Callable
    vjp: Callable
    sympy: Callable | None = None
    why_no_sympy: str = "it has no closed form"

    def symbolic(self, *xs, **params):
        """The primitive on sympy expressions, or a clear refusal."""
        if self.sympy is None:
            raise UnsupportedOperationError(
                f"{self.name} is not supported by the symbolic method: {self.why_no_sympy}. Use "
                "forward or reverse mode (or the complex step), which differentiate it exactly.")
        return self.sympy(*xs, **params)


PRIMITIVES: dict[str, Primitive] = {}


def primitive(name: str, value, jvp, vjp, sympy=None, why_no_sympy: str = "") -> Primitive:
    """Add a row to :data:`PRIMITIVES` and return it."""
    row = Primitive(name, value, jvp, vjp, sympy, why_no_sympy or "it has no closed form")
    PRIMITIVES[name] = row
    return row


def apply(prim: Primitive, args, params: dict):
    """``prim`` on ``args``, traced by whichever tracer the args carry (the outer one if two
    are nested), or plain numpy when none is traced."""
    from .array_functions import _traced_type
    cls = _traced_type(*args)
    if cls is None:
        return prim.value(*args, **params)
    return cls._primitive(prim, tuple(args), params)


def move_block_axis_first(t):
    """A tangent block (..., k) as k stacked tangents (k, ...): numpy's linear algebra then
    broadcasts over the directions."""
    return np.moveaxis(t, -1, 0)


def move_block_axis_last(t):
    return np.moveaxis(t, 0, -1)
