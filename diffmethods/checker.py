"""Checking a hand-written gradient against a trustworthy one, component by component.

``check_gradient(f, grad, point)`` computes a reference gradient -- reverse-mode AD when f can be
traced, Richardson extrapolation when it cannot (a call into code that is not numpy, a Python
``math`` function) -- and compares it with ``grad`` (a function with f's calling convention, or
the numbers themselves). The tolerance comes from the floating-point type of the gradient you
give: sqrt(eps) relative, so float64 gradients must agree to ~1.5e-8 and float32 ones to ~3e-4,
and never tighter than the reference's own error estimate. Every disagreeing component is named
with both values and the relative error.

It also says how an ordinary central difference would have fared at its default step, and
whether round-off (~ eps |f| / h) or truncation (~ h^2 |f'''|) dominates its error -- the usual
reason a finite-difference gradient check fails on a correct gradient.

>>> import numpy as np, diffmethods as dm
>>> check = dm.check_gradient(lambda x: np.sum(x**3), lambda x: 3 * x**2, np.arange(1.0, 4.0))
>>> check.ok
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import api
from .display import RichDisplay
from .errors import (DiffMethodsError, FunctionError, OptionError, PointError,
                     UnsupportedOperationError)
from .methods.finite import SCHEMES, along, difference_quotient
from .points import Problem, real_scalar


@dataclass(frozen=True)
class Component:
    """One coordinate of the check."""

    index: int
    name: str
    given: float
    reference: float
    rel_error: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return bool(self.rel_error <= self.tolerance)


@dataclass
class GradientCheck(RichDisplay):
    """The outcome: ``ok``, the components, and the finite-difference diagnosis."""

    reference_method: str
    reason: str
    components: list
    finite_difference: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.components)

    @property
    def failures(self) -> list:
        return [c for c in self.components if not c.ok]

    def __bool__(self) -> bool:
        return self.ok

    def headline(self) -> str:
        """One line: against what, and whether every component agrees."""
        return (f"gradient check against {self.reference_method} ({self.reason}): "
                + ("all components agree" if self.ok else
                   f"{len(self.failures)} of {len(self.components)} components disagree"))

    def finite_difference_advice(self) -> str:
        """How a central difference at its default step would have fared, and why ('' when
        not diagnosed)."""
        fd = self.finite_difference
        if not fd:
            return ""
        ratio = max(fd["roundoff"], fd["truncation"]) / max(
            min(fd["roundoff"], fd["truncation"]), 1e-300)
        if ratio < 10:
            advice = ": the two are balanced, so this step is about the best it can do"
        elif fd["dominant"] == "round-off":
            advice = ": a larger step would help"
        else:
            advice = ": a smaller step, or Richardson extrapolation, would help"
        return (f"a central difference at its default step would err by up to "
                f"{fd['error']:.1e} (relative {fd['rel_error']:.1e}); {fd['dominant']} dominates "
                f"(round-off ~{fd['roundoff']:.1e}, truncation ~{fd['truncation']:.1e})"
                + advice)

    def __str__(self) -> str:
        lines = [self.headline()]
        for c in self.failures:
            lines.append(f"  {c.name}: yours {c.given:.10g}, reference {c.reference:.10g}, "
                         f"relative error {c.rel_error:.2e} (tolerance {c.tolerance:.1e})")
        if self.ok:
            worst = max(self.components, key=lambda c: c.rel_error)
            lines.append(f"  largest relative difference {worst.rel_error:.2e} at {worst.name} "
                         f"(tolerance {worst.tolerance:.1e})")
        if self.finite_difference:
            lines.append("  " + self.finite_difference_advice())
        return "\n".join(lines)

    def _display(self):
        """A notebook's view: the verdict, then the components, those that disagree first and
        then the largest differences."""
        from .display import MAX_ROWS, left_out
        from .teaching.document import Paragraph, Table, code, literal
        order = sorted(self.components, key=lambda c: (c.ok, -c.rel_error, c.index))
        rows = [[c.name, f"{c.given:.10g}", f"{c.reference:.10g}", f"{c.rel_error:.2e}",
                 f"{c.tolerance:.1e}", "yes" if c.ok else "NO"] for c in order[:MAX_ROWS]]
        verdict = ("every component agrees" if self.ok else
                   f"{len(self.failures)} of {len(self.components)} components disagree")
        reference = f"{code(self.reference_method)} ({literal(self.reason)})"
        out = [Paragraph(f"Reference: {reference}."),
               Table(["component", "yours", "reference", "relative error", "tolerance",
                      "agrees"], rows)]
        out += left_out(len(self.components), "components, disagreeing and largest first",
                        code(".components"))
        if self.finite_difference:
            # computed text, escaped: its "~1e-10" must not turn into strikethrough
            out.append(Paragraph("Finite differences: "
                                 + literal(self.finite_difference_advice()) + "."))
        return f"Gradient check: {verdict}", out


def check_gradient(f, grad, point, *, rtol: float | None = None,
                   argnums=None) -> GradientCheck:
    """Compare ``grad`` (a function taking f's arguments, or the numbers themselves, in the
    structure of the gradient or flat) with a reference gradient of ``f``. Components are
    named as the user knows them: ``x2``, ``b1[0]``, ``W1[2, 1]``."""
    if rtol is not None and (isinstance(rtol, (bool, np.bool_))
                             or not isinstance(rtol, (int, float, np.integer, np.floating))
                             or not 0 < float(rtol) < 1):
        raise OptionError(f"rtol must be a relative tolerance above 0 and below 1, such as "
                          f"1e-6, got {rtol!r}")
    problem = Problem(f, point, "check", argnums)
    given, eps = _given(grad, problem)
    reference, method, reason, estimate = _reference(f, point, argnums)
    tol = float(np.sqrt(eps)) if rtol is None else float(rtol)
    scale = max(float(np.max(np.abs(reference))), float(np.max(np.abs(given))), 1e-300)
    names = problem.component_names()
    components = []
    for i in range(problem.n):
        denom = max(abs(given[i]), abs(reference[i]), 1e-3 * scale)  # tiny entries: vs scale
        rel = abs(given[i] - reference[i]) / denom
        floor = estimate[i] / denom if estimate is not None else 0.0
        components.append(Component(i, names[i], float(given[i]), float(reference[i]),
                                    float(rel), max(tol, 10 * floor)))
    return GradientCheck(method, reason, components, _diagnose(problem, reference))


def _given(grad, problem) -> tuple[np.ndarray, float]:
    """The gradient to check as n flat floats, and the machine epsilon of its precision."""
    from .methods.manual import call_like
    values = call_like(problem, grad, problem.x) if callable(grad) else grad
    what = "the gradient to check"
    if problem.flat_results:
        arr = np.asarray(values)
        if arr.dtype.kind not in "iuf":
            raise FunctionError(f"{what} must be real numbers, got {arr.dtype}")
        arr = arr.reshape(-1)
        if arr.size != problem.n:
            raise FunctionError(f"{what} has {arr.size} entries but the point has "
                                f"{problem.n} coordinates")
        return arr.astype(float), _eps(arr.dtype)
    try:
        flat = problem.structure.flatten_like(values, what)
    except PointError as e:
        raise FunctionError(str(e)) from None
    try:  # the precision of the leaves given (float32 gets a float32 tolerance)
        parts = [v for v, _ in problem.structure.leaves_of(values, what)]
    except PointError:
        parts = [values]  # given flat
    return flat.astype(float), max(_eps(np.asarray(v).dtype) for v in parts)


def _eps(dtype) -> float:
    return float(np.finfo(dtype if np.dtype(dtype).kind == "f" else float).eps)


def _reference(f, point, argnums):
    """(reference gradient, method, why, per-component error estimate or None)."""
    try:
        r = api.differentiate(f, point, method="reverse", argnums=argnums)
        return r.flat_gradient, "reverse", "f could be traced", None
    except (UnsupportedOperationError, TypeError) as e:
        if isinstance(e, DiffMethodsError) and not isinstance(e, UnsupportedOperationError):
            raise
        why = f"f could not be traced ({str(e).splitlines()[0][:80]})"
    r = api.differentiate(f, point, method="richardson", argnums=argnums)
    return r.flat_gradient, "richardson", why, r.details["error_estimate"]


def _diagnose(problem, reference) -> dict:
    """How a central difference at its default step would fare, and why."""
    central = SCHEMES["central"]
    work = problem.working_copy()
    f0 = real_scalar(problem.at(work), "f")
    worst = {"error": 0.0, "rel_error": 0.0, "roundoff": 0.0, "truncation": 0.0}
    eps = np.finfo(float).eps
    for i in range(problem.n):
        x_i = float(work[i])
        g = along(problem, work, i)
        h = float(central.default_step(x_i))
        d1, h1 = difference_quotient(g, x_i, h, central, strict=False)
        d2, _ = difference_quotient(g, x_i, 2 * h, central, strict=False)
        truncation = abs(d2 - d1) / 3  # D(2h) - D(h) = 3 c h^2 for central differences
        roundoff = eps * abs(f0) / max(h1, 1e-300)
        error = abs(d1 - reference[i])
        if error >= worst["error"]:
            worst = {"error": error, "rel_error": error / max(abs(reference[i]), 1e-300),
                     "roundoff": roundoff, "truncation": truncation}
    worst["dominant"] = "round-off" if worst["roundoff"] >= worst["truncation"] else "truncation"
    return worst
