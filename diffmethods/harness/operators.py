"""Hessians and Jacobians across methods: accuracy against 50 digits, and what they cost.

:func:`compare_hessian` puts every method that provides a Hessian side by side on one function
(forward over reverse, the exact symbolic Hessian, second differences, a hand-derived one),
scored against the symbolic Hessian evaluated in mpmath at 50 digits.

:func:`jacobian_scaling` shows the classic rule with counted passes: for F: R^n -> R^m, forward
mode needs one pass per *input* direction and reverse mode one backward sweep per *output*, so
forward mode wins for tall Jacobians (m >> n) and reverse mode for wide ones (n >> m).
"""

from __future__ import annotations

import time

import mpmath
import numpy as np
import sympy

from .. import api, registry
from ..declarations import operators_of
from ..errors import DiffMethodsError
from ..methods.symbolic import symbolic_gradient
from ..points import parse_point
from .compare import NOT_APPLICABLE, NOT_APPLICABLE_ERRORS, short_reason
from .reference import DIGITS, GUARD_DIGITS, MPMATH, UNAVAILABLE, NotEvaluable, evaluate


def reference_hessian(f, point, digits: int = DIGITS):
    """The Hessian to ``digits`` significant digits (a list of rows of mpmath numbers): sympy
    differentiates the symbolic gradient once more, and mpmath evaluates it."""
    derived = symbolic_gradient(f, point)
    coordinates = parse_point(point)[1]
    with mpmath.workdps(digits + GUARD_DIGITS):
        values = {s: mpmath.mpf(float(v)) for s, v in zip(derived.symbols, coordinates)}
        cache: dict = {}
        return [[evaluate(sympy.diff(g, s), values, cache) for s in derived.symbols]
                for g in derived.gradient]


def _matrix_errors(H, reference, digits):
    """(max |H_ij - R_ij|, that over max |R_ij|), computed in mpmath."""
    H = np.asarray(H, dtype=float)
    with mpmath.workdps(digits + GUARD_DIGITS):
        worst = max(abs(mpmath.mpf(float(H[i, j])) - reference[i][j])
                    for i in range(len(reference)) for j in range(len(reference)))
        scale = max(abs(r) for row in reference for r in row)
        rel = worst / scale if scale else (0 if worst == 0 else mpmath.inf)
        return float(worst), float(rel)


def compare_hessian(f, point, *, name: str | None = None, digits: int = DIGITS) -> list[dict]:
    """One row per method providing a Hessian: its error against the 50-digit reference (or
    why there is none) and its counted cost."""
    rows = []
    for method in registry.methods():
        if not hasattr(registry.get_method(method), "hessian"):
            continue
        row = {"function": name or getattr(f, "__name__", "f"), "method": method,
               "exact": registry.declaration(method).exact,
               "status": "ok", "note": "", "reference": None, "abs_error": None,
               "rel_error": None, "f_calls": None, "passes": None, "ops": None,
               "seconds": None}
        try:
            start = time.perf_counter()
            r = api.hessian(f, point, method=method, full_output=True)
            row["seconds"] = time.perf_counter() - start
        except NOT_APPLICABLE_ERRORS as e:
            row.update(status=NOT_APPLICABLE, note=short_reason(e))
            rows.append(row)
            continue
        row.update(f_calls=r.f_calls, passes=r.passes, ops=r.ops, hessian=r.derivative)
        rows.append(row)
    # the reference after the methods: deriving it first would leave the symbolic method
    # nothing to derive (a cached expression, no call of f)
    try:
        reference = reference_hessian(f, point, digits)
        why = {"kind": MPMATH, "digits": digits, "verified_digits": None, "reason": None,
               "method": None}
    except (DiffMethodsError, NotEvaluable) as e:
        reference = None
        why = {"kind": UNAVAILABLE, "digits": digits, "verified_digits": None,
               "reason": str(e).splitlines()[0], "method": None}
    for row in rows:
        row["reference"] = why
        H = row.pop("hessian", None)
        if reference is not None and H is not None:
            row["abs_error"], row["rel_error"] = _matrix_errors(H, reference, digits)
    return rows


def tanh_layer(m: int, n: int, seed: int = 0):
    """(F, x, A): F(x) = tanh(A x) with a fixed random m x n matrix A, and a point -- a vector
    function whose Jacobian diag(1 - F^2) A has any shape we like."""
    A = np.random.default_rng(seed).normal(size=(m, n)) / np.sqrt(n)

    def layer(x):
        return np.tanh(A @ x)
    return layer, np.linspace(-1.0, 1.0, n), A


def jacobian_variants() -> list[tuple]:
    """(label, method, options): every method that provides a Jacobian built from nothing but
    evaluations of f (the tracers and the differences: no formula to derive, no hand rule),
    each preceded by the variants it declares for this study (forward mode one direction per
    pass, the textbook form)."""
    out = []
    for m in registry.methods():
        declared = registry.declaration(m)
        if declared.builds_from_f and "jacobian" in operators_of(registry.get_method(m)):
            out += [(f"{m} {v.label}", m, dict(v.options))
                    for v in declared.variants_for("jacobian")]
            out.append((m, m, {}))
    return out


def jacobian_scaling(shapes=((200, 2), (50, 50), (2, 200)), variants=None) -> list[dict]:
    """Passes, calls of f and time of a Jacobian of F: R^n -> R^m for each (m, n) in
    ``shapes`` (outputs, inputs), with every variant. One row per (shape, variant)."""
    rows = []
    for m, n in shapes:
        f, x, A = tanh_layer(m, n)
        exact = (1 - np.tanh(A @ x) ** 2)[:, None] * A
        kind = "tall" if m > n else "wide" if n > m else "square"
        for label, method, options in (variants or jacobian_variants()):
            start = time.perf_counter()
            r = api.jacobian(f, x, method=method, full_output=True, **options)
            seconds = time.perf_counter() - start
            rows.append({"outputs": m, "inputs": n, "shape": kind, "variant": label,
                         "method": method, "options": dict(options), "passes": r.passes,
                         "f_calls": r.f_calls,
                         "seconds": seconds,
                         "max_error": float(np.max(np.abs(r.derivative - exact)))})
    return rows
