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
from .errors import DiffMethodsError, FunctionError, UnsupportedOperationError
from .methods.finite import SCHEMES, difference_quotient
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
class GradientCheck:
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

    def __str__(self) -> str:
        lines = [f"gradient check against {self.reference_method} ({self.reason}): "
                 + ("all components agree" if self.ok else
                    f"{len(self.failures)} of {len(self.components)} components disagree")]
        for c in self.failures:
            lines.append(f"  {c.name}: yours {c.given:.10g}, reference {c.reference:.10g}, "
                         f"relative error {c.rel_error:.2e} (tolerance {c.tolerance:.1e})")
        if self.ok:
            worst = max(self.components, key=lambda c: c.rel_error)
            lines.append(f"  largest relative difference {worst.rel_error:.2e} at {worst.name} "
                         f"(tolerance {worst.tolerance:.1e})")
        fd = self.finite_difference
        if fd:
            ratio = max(fd["roundoff"], fd["truncation"]) / max(
                min(fd["roundoff"], fd["truncation"]), 1e-300)
            if ratio < 10:
                advice = ": the two are balanced, so this step is about the best it can do"
            elif fd["dominant"] == "round-off":
                advice = ": a larger step would help"
            else:
                advice = ": a smaller step, or Richardson extrapolation, would help"
            lines.append(
                f"  a central difference at its default step would err by up to "
                f"{fd['error']:.1e} (relative {fd['rel_error']:.1e}); {fd['dominant']} dominates "
                f"(round-off ~{fd['roundoff']:.1e}, truncation ~{fd['truncation']:.1e})"
                + advice)
        return "\n".join(lines)


def check_gradient(f, grad, point, *, rtol: float | None = None) -> GradientCheck:
    """Compare ``grad`` (a function like f, or numbers) with a reference gradient of ``f``."""
    from .errors import OptionError  # (local: the rest of this module is being rewritten)
    if rtol is not None and (isinstance(rtol, (bool, np.bool_))
                             or not isinstance(rtol, (int, float, np.integer, np.floating))
                             or not 0 < float(rtol) < 1):
        raise OptionError(f"rtol must be a relative tolerance above 0 and below 1, such as "
                          f"1e-6, got {rtol!r}")
    problem = Problem(f, point, "check")
    given = _given(grad, problem)
    eps = float(np.finfo(given.dtype if given.dtype.kind == "f" else float).eps)
    reference, method, reason, estimate = _reference(f, point)
    tol = float(np.sqrt(eps)) if rtol is None else float(rtol)
    given = given.astype(float)
    scale = max(float(np.max(np.abs(reference))), float(np.max(np.abs(given))), 1e-300)
    names = _names(f, problem)
    components = []
    for i in range(problem.n):
        denom = max(abs(given[i]), abs(reference[i]), 1e-3 * scale)  # tiny entries: vs scale
        rel = abs(given[i] - reference[i]) / denom
        floor = estimate[i] / denom if estimate is not None else 0.0
        components.append(Component(i, names[i], float(given[i]), float(reference[i]),
                                    float(rel), max(tol, 10 * floor)))
    return GradientCheck(method, reason, components, _diagnose(problem, reference))


def _given(grad, problem) -> np.ndarray:
    if callable(grad):
        x = problem.x
        values = grad(*x) if problem.kind == "args" else grad(x.copy() if problem.is_array
                                                              else float(x[0]))
    else:
        values = grad
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf":
        raise FunctionError(f"the gradient to check must be real numbers, got {arr.dtype}")
    arr = arr.reshape(-1)
    if arr.size != problem.n:
        raise FunctionError(f"the gradient to check has {arr.size} entries but the point has "
                            f"{problem.n} coordinates")
    return arr


def _reference(f, point):
    """(reference gradient, method, why, per-component error estimate or None)."""
    try:
        return api.gradient(f, point, method="reverse"), "reverse", "f could be traced", None
    except (UnsupportedOperationError, TypeError) as e:
        if isinstance(e, DiffMethodsError) and not isinstance(e, UnsupportedOperationError):
            raise
        why = f"f could not be traced ({str(e).splitlines()[0][:80]})"
    r = api.differentiate(f, point, method="richardson")
    return r.gradient, "richardson", why, r.details["error_estimate"]


def _names(f, problem) -> list[str]:
    if problem.kind == "args":
        try:
            import inspect
            params = list(inspect.signature(f).parameters)
            if len(params) >= problem.n:
                return params[:problem.n]
        except (TypeError, ValueError):
            pass
        return [f"x{i + 1}" for i in range(problem.n)]
    return [f"x[{i}]" for i in range(problem.n)] if problem.is_array else ["x"]


def _diagnose(problem, reference) -> dict:
    """How a central difference at its default step would fare, and why."""
    central = SCHEMES["central"]
    work = problem.working_copy()
    f0 = real_scalar(problem(work), "f")
    worst = {"error": 0.0, "rel_error": 0.0, "roundoff": 0.0, "truncation": 0.0}
    eps = np.finfo(float).eps
    for i in range(problem.n):
        x_i = float(work[i])

        def g(t, i=i):
            work[i] = t
            return real_scalar(problem(work), "f")

        h = float(central.default_step(x_i))
        d1, h1 = difference_quotient(g, x_i, h, central, strict=False)
        d2, _ = difference_quotient(g, x_i, 2 * h, central, strict=False)
        work[i] = x_i
        truncation = abs(d2 - d1) / 3  # D(2h) - D(h) = 3 c h^2 for central differences
        roundoff = eps * abs(f0) / max(h1, 1e-300)
        error = abs(d1 - reference[i])
        if error >= worst["error"]:
            worst = {"error": error, "rel_error": error / max(abs(reference[i]), 1e-300),
                     "roundoff": roundoff, "truncation": truncation}
    worst["dominant"] = "round-off" if worst["roundoff"] >= worst["truncation"] else "truncation"
    return worst
