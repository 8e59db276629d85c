"""Linear algebra on traced values: ``np.linalg`` functions as rows of the primitive table.

Each function is one :class:`~diffmethods.primitives.Primitive`: its tangent rule (what forward
mode and the complex step use) and its adjoint rule (reverse mode), side by side so one can be
checked against the other at a glance. For Y = inv(A), for instance, differentiating A Y = I
gives dA Y + A dY = 0, so

    dY = -Y dA Y          (tangent)          A_bar = -Y^T Y_bar Y^T     (adjoint)

Tangent blocks carry the directions on their last axis; :func:`_directions_first` moves them
to the front, so numpy's matrix functions broadcast over them.
"""

from __future__ import annotations

import numpy as np

from .array_functions import handles
from .array_ops import shape_of
from .errors import UnsupportedOperationError
from .primitives import apply, move_block_axis_first, move_block_axis_last, primitive

MAX_SYMBOLIC_SIZE = 6
"""Symbolic inverses and solves grow factorially with the size: refused above 6 x 6."""


def _mT(x):
    """The matrix transpose of the last two axes (works on traced values too)."""
    return np.moveaxis(x, -1, -2)


def _directions_first(t):
    return move_block_axis_first(t)


def _square(name: str, A) -> None:
    shape = shape_of(A)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise UnsupportedOperationError(
            f"{name} is differentiated for one square matrix; got an operand of shape {shape} "
            "(stacks of matrices: apply it to each with a loop or np.stack)")


def _sympy_matrix(name: str, A):
    import sympy
    if A.shape[0] > MAX_SYMBOLIC_SIZE:
        raise UnsupportedOperationError(
            f"{name} of a {A.shape[0]}x{A.shape[0]} matrix is not supported by the symbolic "
            f"method: its expressions grow factorially (at most {MAX_SYMBOLIC_SIZE}x"
            f"{MAX_SYMBOLIC_SIZE}). Use forward or reverse mode.")
    return sympy.Matrix(A.tolist())


def _as_object_array(matrix) -> np.ndarray:
    out = np.empty(matrix.shape, dtype=object)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            out[i, j] = matrix[i, j]
    return out


# --- inv ------------------------------------------------------------------------------------
def _inv_jvp(ts, xs, Y):
    (tA,) = ts
    return move_block_axis_last(-Y @ _directions_first(tA) @ Y)  # dY = -Y dA Y


def _inv_vjp(g, xs, Y, wrt):
    YT = _mT(Y)
    return -(YT @ g @ YT)  # A_bar = -Y^T Y_bar Y^T


INV = primitive(
    "np.linalg.inv", np.linalg.inv, _inv_jvp, _inv_vjp,
    sympy=lambda A: _as_object_array(_sympy_matrix("np.linalg.inv", A).inv()))


@handles(np.linalg.inv)
def _inv(a):
    _square("np.linalg.inv", a)
    return apply(INV, (a,), {})


# --- solve ----------------------------------------------------------------------------------
def _solve_jvp(ts, xs, x):
    # A x = b  =>  A dx = db - dA x
    tA, tb = ts
    A, b = xs
    k = (tA if tA is not None else tb).shape[-1]
    rhs = np.zeros(np.shape(b) + (k,)) if tb is None else tb
    if tA is not None:
        if np.ndim(b) == 1:
            rhs = rhs - np.einsum("ijk,j->ik", tA, x)
        else:
            rhs = rhs - np.einsum("ijk,jm->imk", tA, x)
    n = np.shape(A)[0]
    return np.linalg.solve(A, rhs.reshape(n, -1)).reshape(rhs.shape)


def _solve_vjp(g, xs, x, wrt):
    A, b = xs
    gb = np.linalg.solve(_mT(A), g)  # b_bar = A^-T x_bar
    if wrt == 1:
        return gb
    if len(shape_of(b)) == 1:
        return -np.outer(gb, x)  # A_bar = -b_bar x^T
    return -(gb @ _mT(x))


def _solve_sympy(A, b):
    M = _sympy_matrix("np.linalg.solve", A)
    import sympy
    rhs = sympy.Matrix(b.reshape(len(b), -1).tolist())
    out = _as_object_array(M.LUsolve(rhs))
    return out.reshape(b.shape)


SOLVE = primitive("np.linalg.solve", np.linalg.solve, _solve_jvp, _solve_vjp, sympy=_solve_sympy)


@handles(np.linalg.solve)
def _solve(a, b):
    _square("np.linalg.solve", a)
    if len(shape_of(b)) not in (1, 2) or shape_of(b)[0] != shape_of(a)[0]:
        raise UnsupportedOperationError(
            f"np.linalg.solve is differentiated for b of shape ({shape_of(a)[0]},) or "
            f"({shape_of(a)[0]}, m); got {shape_of(b)}")
    return apply(SOLVE, (a, b), {})
