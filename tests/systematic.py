"""Shared helpers for the systematic tests of array functions: one line per function.

``check_function(f, *args)`` differentiates the numpy function ``f`` at arrays ``args`` (every
argument a float array) and checks, for every exact method that can trace it, the Jacobian
against central differences, and forward mode against reverse mode by the transpose identity
<u, J v> = <J^T u, v> for random u, v. Methods that refuse the function by name (symbolic for
decompositions without a closed form) are skipped, and the refusal must be our own error.
"""

from __future__ import annotations

import numpy as np

import diffmethods as dm
from diffmethods.points import Problem
from diffmethods.registry import get_method

EXACT = [m for m in dm.methods() if m != "manual" and get_method(m).exact]
RNG = np.random.default_rng(2026)


def _flat_jacobian(f, args, method):
    J = dm.jacobian(f, tuple(args), method=method)
    structure = Problem(f, tuple(args)).structure
    out = np.shape(f(*args))
    return structure.flatten_like(J, "J", out if out else ())


def check_function(f, *args, rtol: float = 1e-6, methods=None, refused=()):
    """Check f's derivatives at ``args`` by every exact method; return the methods checked.
    ``refused`` lists methods expected to refuse f with a DiffMethodsError."""
    args = tuple(np.asarray(a, dtype=float) for a in args)
    out_shape = np.shape(f(*args))
    reference = _flat_jacobian(f, args, "finite")
    scale = max(1.0, float(np.max(np.abs(reference))))
    checked = []
    for method in (methods or EXACT):
        if method in refused:
            try:
                _flat_jacobian(f, args, method)
            except dm.DiffMethodsError:
                continue
            raise AssertionError(f"{method} was expected to refuse {f}")
        J = _flat_jacobian(f, args, method)
        error = float(np.max(np.abs(J - reference)))
        assert error <= rtol * scale, f"{method}: |J - central differences| = {error:.2e}"
        checked.append(method)
    structure = Problem(f, args).structure
    v = RNG.normal(size=structure.n)
    u = RNG.normal(size=out_shape if out_shape else (1,))
    jv = np.reshape(dm.jvp(f, args, structure.gradient(v), method="forward"), -1)
    uJ = structure.flatten_like(dm.vjp(f, args, u, method="reverse"), "uJ")
    lhs, rhs = float(np.dot(u.reshape(-1), jv)), float(np.dot(uJ, v))
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs)), f"<u, J v> = {lhs} but <J^T u, v> = {rhs}"
    return checked


def spd(n: int) -> np.ndarray:
    """A well-conditioned symmetric positive definite matrix."""
    M = RNG.normal(size=(n, n))
    return M @ M.T + n * np.eye(n)


def general(n: int, m: int | None = None) -> np.ndarray:
    """A well-conditioned square (or n x m) matrix."""
    M = RNG.normal(size=(n, m or n))
    return M + (3 * np.eye(n) if m is None else 0)
