"""The epsilon sweep: the error of a finite-difference derivative against the step size.

For one coordinate x_i, every registered scheme (``dm.schemes()``: forward, backward, central,
central4 and any you register) estimates df/dx_i with each step h of a log-spaced grid, from
1e-16 to 1 by default -- or, with ``relative=True``, with h a fraction of |x_i| (the classic
plot of df/dx1 when the bump is a percentage of x1). Each estimate is scored against the
50-digit reference derivative.

The error has two parts, and the sweep also returns a model of each:

* truncation, from cutting the Taylor series: |c_m f^(m)(x)| h^(m-1), where m is the first
  order whose coefficient c_m = sum_k w_k o_k^m / m! and derivative f^(m) are non-zero
  (m = order + 1 normally; none at all for central differences of a quadratic);
* round-off, from the float64 values of f: about u sum_k |w_k| |f(x)| / h with u = eps/2,
  growing as h shrinks.

With ``noise=eps_f`` (f's values wobble by eps_f: a simulation, or :func:`~diffmethods.noise.
with_noise`) the model gains the noise term eps_f sum_k |w_k| / h, of the same 1/h form as
round-off, so it predicts the best step of a noisy f too; ``noise="estimate"`` measures eps_f
along x_i first (:func:`~diffmethods.noise.estimate_noise`).

Their sum is smallest at the predicted step h* = (R / ((m-1) T))^(1/m); the observed best step
is where the measured error was smallest. Rows are plain dicts (see :func:`epsilon_sweep`);
:func:`sweep_summary` condenses them to one row per scheme.

>>> rows = epsilon_sweep(lambda x: x**3, 1.0, steps=[1e-3, 1e-6], schemes=["central"])
>>> [(r["h"], round(r["abs_error"] * 1e6, 3)) for r in rows]
[(0.001, 1.0), (1e-06, 0.0)]
"""

from __future__ import annotations

import inspect
import math
import warnings

import mpmath
import numpy as np

from .. import registry
from ..cost_notice import notice_long_run, timed
from ..errors import DiffMethodsError, DomainWarning, OptionError
from ..methods.finite import SCHEMES, FiniteDifferences, difference_quotient, get_scheme
from ..points import Problem, real_scalar
from .reference import DIGITS, FLOAT64, MPMATH, NotEvaluable, derivatives_along
from .compare import function_name
from .rows import SweepRows



def default_steps(num: int = 161, lo: float = 1e-16, hi: float = 1.0) -> np.ndarray:
    """``num`` log-spaced steps from ``lo`` to ``hi`` (10 per decade by default)."""
    return np.logspace(math.log10(lo), math.log10(hi), num)


def coordinate_label(f, point, i: int) -> str:
    """The name of coordinate i as the user knows it: a parameter name of f (x1, y, ...),
    x[i] for an array point, ``W1[2, 1]`` for a structured one, or a parsed expression's
    variable."""
    names = getattr(f, "variables", None)
    if names:
        return names[i]
    problem = Problem(f, point)
    if problem.kind == "array":
        return f"x[{i}]"
    if problem.kind == "tree":
        return problem.component_name(i)
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if len(params) == problem.n:
        return params[i]
    return "x" if problem.kind == "scalar" else f"x{i + 1}"


def _coordinate_index(problem, coordinate) -> int:
    """A coordinate given by index or by its name (``"b1[0]"``), as an index."""
    if isinstance(coordinate, str):
        names = problem.component_names()
        if coordinate in names:
            return names.index(coordinate)
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        raise OptionError(f"no component is called {coordinate!r}; the point's components are "
                          f"{shown}")
    if isinstance(coordinate, bool) or not isinstance(coordinate, (int, np.integer)) or \
            not 0 <= coordinate < problem.n:
        raise OptionError(f"coordinate must be an index from 0 to {problem.n - 1} or a "
                          f"component's name, got {coordinate!r}")
    return int(coordinate)


def _reference_derivative(f, point, i, digits, budget):
    """(derivative as mpmath number, what the reference is as data); falls back to an exact
    float64 method that needs nothing but f, labelled as such, when no 50-digit reference
    exists or it would not fit the budget."""
    from .reference_choice import choose_reference
    ref, why = choose_reference(f, point, budget, digits)
    if ref is not None and ref.available:
        return ref.gradient[i], ref.as_data()
    why = why or ref.reason
    from .. import api
    for method in registry.methods():
        declared = registry.declaration(method)
        if declared.exact and declared.builds_from_f:
            try:
                g = api.differentiate(f, point, method=method).flat_gradient
            except DiffMethodsError:
                continue
            return mpmath.mpf(float(g[i])), {"kind": FLOAT64, "method": method,
                                             "digits": digits, "verified_digits": None,
                                             "reason": why}
    raise OptionError(f"no reference derivative for the sweep: {why}")


def _error_models(f, point, i, models: dict, digits, affordable: bool = True) -> dict:
    """Per series: (T, q, R), truncation T h^q and round-off R / h (None per part that
    vanishes), from each :class:`~diffmethods.declarations.ErrorModel`; (None, None, None)
    for a series without a model or where f has no symbolic expression."""
    orders = set().union(*(m.orders() for m in models.values() if m is not None))
    none = (None, None, None)
    if not affordable:  # the derivatives come from the symbolic expression, too costly here
        return {label: none for label in models}
    try:
        derivs = derivatives_along(f, point, i, orders, digits) if orders else {}
    except (DiffMethodsError, NotEvaluable, RecursionError):
        return {label: none for label in models}
    return {label: none if m is None else m.terms(derivs) for label, m in models.items()}


def _noise_level(problem, i, noise):
    """eps_f for the sweep's model: the number given, or ECnoise along coordinate i (nan, with
    a NoiseWarning, when it cannot decide -- the model then knows only round-off)."""
    from ..methods.finite import _checked_noise
    from ..noise import estimate_on
    noise = _checked_noise(noise)
    if noise is None or not isinstance(noise, str):
        return noise
    if noise != "estimate":
        raise OptionError(f"the sweep takes noise=<level> or noise='estimate', got {noise!r}")
    direction = np.zeros(problem.n)
    direction[i] = 1.0
    estimate = estimate_on(problem, direction=direction)
    if not estimate.confident:
        from ..errors import NoiseWarning, warn_user
        warn_user(NoiseWarning(f"the sweep's model has no noise term: {estimate.reason}"))
        return math.nan
    return float(estimate.noise)


def _add_noise(terms, model, eps_f):
    """(T, q, R) with the noise term eps_f sum_k |w_k| added to R (methods that subtract no
    values of f, such as the complex step, have no round-off term and get none)."""
    T, q, R = terms
    if eps_f is None or not math.isfinite(eps_f) or model is None or \
            model.roundoff_weight is None:
        return terms
    return T, q, ((R or 0.0) + eps_f * model.roundoff_weight) or None


def _predicted_h(T, q, R):
    if T is None or R is None:
        return None
    return float((R / (q * T)) ** (1.0 / (q + 1)))


def _model_at(h, T, q, R):
    trunc = None if T is None else T * h**q
    round_off = None if R is None else R / h
    parts = [p for p in (trunc, round_off) if p is not None]
    return (sum(parts) if parts else None), trunc, round_off


def step_methods() -> list[str]:
    """Registered methods that declare a step option (the complex step, Richardson's first
    step, a plugin's ...), other than finite differences, whose schemes the sweep runs itself:
    the sweep shows them beside the schemes."""
    return [name for name in registry.methods()
            if registry.declaration(name).step_option is not None
            and not isinstance(registry.get_method(name), FiniteDifferences)]


def series_labels(method_names) -> dict:
    """The label of each step method's curve: its name, or "name (method)" where a scheme has
    the same name -- a method and a scheme are never merged into one curve."""
    return {m: f"{m} (method)" if m in SCHEMES else m for m in method_names}


def _notice_cost(stencils, methods, steps: int, seconds_per_call: float) -> None:
    """Say so (CostWarning) before a sweep predicted to take long starts: every scheme's calls
    at every step, and the declared calls of each method swept with them."""
    calls = sum((steps + 1) * s.evaluations for s in stencils)
    undeclared = []
    for m in methods:
        counts = registry.declaration(m).counts
        per_step = None if counts is None else counts.f_calls
        if per_step is None:
            undeclared.append(m)
        else:
            calls += steps * per_step(1, {})
    what = "the epsilon sweep" + (f" (besides the calls of {', '.join(undeclared)}, which "
                                  "depend on f)" if undeclared else "")
    notice_long_run(what, calls, seconds_per_call,
                    "fewer steps (steps=) or schemes (schemes=) make it shorter")


def epsilon_sweep(f, point, *, coordinate: int = 0, schemes=None, steps=None,
                  relative: bool = False, name: str | None = None, methods=None,
                  digits: int = DIGITS, progress=None, budget: float = 10.0,
                  noise=None) -> list[dict]:
    """Error of df/dx_i by each finite-difference scheme over a grid of steps.

    ``coordinate`` is the index i (0-based) or the component's name (``"W1[2, 1]"``);
    ``schemes`` defaults to every registered scheme;
    ``methods`` to :func:`step_methods` (complex step, Richardson) when ``schemes`` is not
    given, and to none when it is; each is swept over the same steps through its declared step
    option, as a curve of its own;
    ``steps`` defaults to :func:`default_steps` (1e-16 .. 1); with ``relative=True`` a step r
    means h = r |x_i| (|x_i| taken as 1 at 0). One row per (curve, step) with ``function,
    variable, coordinate, x, series`` (the curve's label), ``method``, ``scheme`` (the
    finite-difference scheme, ``None`` for another method), ``order, relative, step, h,
    h_effective, estimate, derivative, abs_error, rel_error, model_error, model_truncation,
    model_roundoff, truncation_constant, truncation_power, roundoff_constant,
    has_error_model, predicted_step, predicted_h, default_h, default_error, error_estimate``
    (a method's own estimate of its error, where it makes one), ``note`` (why a method gave no
    estimate) and ``reference`` (data). The model is truncation_constant *
    h**truncation_power + roundoff_constant / h, from the method's declared error model
    (``None`` parts where a term vanishes, the method declares no model, or no symbolic
    expression exists). ``h_effective`` is the representable step (x + h) - x a scheme
    actually used (where it is 0 the estimate is nan); ``None`` for a method, which applies
    the step itself. ``progress(label)`` is called after each curve. ``budget`` is the most
    seconds the 50-digit reference may be predicted to take; above it, an exact float64 method
    stands in, and the rows say so. ``noise`` (a level eps_f, or ``"estimate"``) adds the
    noise term eps_f sum_k |w_k| / h to the model's round-off part; rows carry it as ``noise``
    (``None`` without).
    """
    problem = Problem(f, point)
    i = _coordinate_index(problem, coordinate)
    for m in methods or ():
        if registry.declaration(m).step_option is None:
            raise OptionError(f"method {m!r} takes no step, so it cannot be swept; methods "
                              f"that do: {', '.join(step_methods())}")
    stencils = [get_scheme(s) for s in (list(SCHEMES) if schemes is None else schemes)]
    steps = default_steps() if steps is None else np.asarray(steps, dtype=float).reshape(-1)
    if steps.size == 0 or not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise OptionError("the steps must be positive, finite numbers")
    t = float(problem.x[i])
    scale = (abs(t) if t != 0 else 1.0) if relative else 1.0
    work = problem.working_copy()

    def g(s):
        work[i] = s
        with np.errstate(all="ignore"):  # f undefined at x + h is recorded as nan, not warned
            return real_scalar(problem.at(work), "f")

    with timed() as first:
        value = g(t)
    _notice_cost(stencils, methods if methods is not None else
                 (step_methods() if schemes is None else []), len(steps), first.seconds)
    eps_f = _noise_level(problem, i, noise)
    exact, described = _reference_derivative(f, point, i, digits, budget)
    affordable = described["kind"] == MPMATH
    from .. import api
    if methods is None:
        methods = step_methods() if schemes is None else []
    labels = series_labels(methods)
    declared = {m: registry.declaration(m) for m in methods}
    declared_models = {**{s.name: s.error_model for s in stencils},
                       **{labels[m]: declared[m].error_model({}) for m in methods}}
    models = _error_models(f, point, i, declared_models, digits, affordable)
    models = {k: _add_noise(v, declared_models[k], eps_f) for k, v in models.items()}

    def error_of(estimate):
        if not math.isfinite(estimate):
            return float("nan")
        with mpmath.workdps(digits):
            return float(abs(mpmath.mpf(estimate) - exact))

    base = {"function": name or function_name(f), "variable": coordinate_label(f, point, i),
            "coordinate": i, "x": t, "relative": bool(relative)}
    derivative = float(exact)

    def row(series, method, scheme, step, h, h_eff, estimate, **more):
        T, q, R = models[series]
        total, trunc, round_off = _model_at(h, T, q, R)
        abs_error = error_of(estimate)
        h_star = _predicted_h(T, q, R)
        return dict(
            base, series=series, method=method, scheme=scheme, step=float(step), h=h,
            h_effective=h_eff, estimate=float(estimate), derivative=derivative,
            abs_error=abs_error, rel_error=abs_error / abs(derivative) if derivative else None,
            model_error=total, model_truncation=trunc, model_roundoff=round_off,
            truncation_constant=T, truncation_power=q, roundoff_constant=R,
            has_error_model=models[series] != (None, None, None),
            predicted_step=None if h_star is None else h_star / scale, predicted_h=h_star,
            reference=described, noise=eps_f, **more)

    rows = []
    finite = next((m for m in registry.methods()
                   if isinstance(registry.get_method(m), FiniteDifferences)), None)
    for stencil in stencils:
        default_h = float(stencil.default_step(t))
        default_estimate, _ = difference_quotient(g, t, default_h, stencil, g_t=value,
                                                  strict=False)
        for step in steps:
            h = float(step) * scale
            estimate, h_eff = difference_quotient(g, t, h, stencil, g_t=value, strict=False)
            rows.append(row(stencil.name, finite, stencil.name, step, h, float(h_eff), estimate,
                            order=stencil.order, step_meaning="", default_h=default_h,
                            default_error=error_of(default_estimate), error_estimate=None,
                            note=""))
        if progress is not None:
            progress(stencil.name)
    for method in methods:
        for step in steps:
            h = float(step) * scale
            estimate, estimated_error, note = float("nan"), None, ""
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    # a sweep steps far on purpose: a step that reaches a singularity is a
                    # nan point of the curve, not something to warn about
                    warnings.simplefilter("ignore", DomainWarning)
                    r = api.differentiate(f, point, method=method,
                                          **{declared[method].step_option: h})
                estimate = float(r.flat_gradient[i])
                if r.details.get("error_estimate") is not None:  # the method's own estimate
                    estimated_error = float(np.ravel(r.details["error_estimate"])[i])
            except DiffMethodsError as e:
                note = str(e).splitlines()[0]
            # h_effective: a method applies the step itself, so the step it took is unknown
            rows.append(row(labels[method], method, None, step, h, None, estimate, order=None,
                            step_meaning=declared[method].step_meaning,
                            default_h=None, default_error=None,
                            error_estimate=estimated_error, note=note))
        if progress is not None:
            progress(method)
    return SweepRows(rows)


ENVELOPE_HALF_WIDTH = 2  # the observed best looks at 2 grid steps either side
SMALL_STEPS = 1e-8  # "small" steps, where round-off ruins finite differences


def _envelope(errors, half: int = ENVELOPE_HALF_WIDTH) -> list:
    """The worst error among each step and its ``half`` neighbours on either side (nan and
    missing count as infinitely bad)."""
    bad = [e if e is not None and math.isfinite(e) else math.inf for e in errors]
    return [max(bad[max(0, k - half):k + half + 1]) for k in range(len(bad))]


def sweep_summary(rows) -> list[dict]:
    """One row per curve (a scheme, or a method): the predicted and the observed best step (in
    the sweep's step units,
    a fraction of |x_i| when relative), their errors and ratio, and the default step's error.

    Round-off makes the measured error jump from step to step, and now and then it cancels by
    luck (even to exactly 0). So the *observed best step* is where the worst error among a
    step and its two neighbours on each side (half a decade on the default grid) is smallest;
    ``observed_error`` is the error measured at that step and ``observed_level`` that worst
    error of the neighbourhood (the error level the scheme reliably reaches there). The single
    smallest error is kept as ``lowest_error`` at ``lowest_step``. ``ratio`` is observed /
    predicted. For a method that estimates its own error, ``estimated_error`` is that estimate
    at the observed best step."""
    out = []
    for series in dict.fromkeys(r["series"] for r in rows):
        mine = sorted((r for r in rows if r["series"] == series), key=lambda r: r["step"])
        envelope = _envelope([r["abs_error"] for r in mine])
        k_best = min(range(len(mine)), key=lambda k: (envelope[k], mine[k]["step"]))
        best = mine[k_best] if math.isfinite(envelope[k_best]) else None
        valid = [r for r in mine if r["abs_error"] is not None and math.isfinite(r["abs_error"])]
        lowest = min(valid, key=lambda r: (r["abs_error"], r["step"])) if valid else None
        first = mine[0]
        predicted = first["predicted_step"]
        predicted_error = None
        if first["predicted_h"] is not None:
            predicted_error = _model_at(first["predicted_h"], first["truncation_constant"],
                                        first["truncation_power"], first["roundoff_constant"])[0]
        out.append({
            "function": first["function"], "variable": first["variable"],
            "relative": first["relative"], "series": series, "method": first["method"],
            "scheme": first["scheme"], "order": first["order"],
            "has_error_model": first["has_error_model"],
            "truncation_power": first["truncation_power"],
            "predicted_step": predicted, "predicted_error": predicted_error,
            "observed_step": None if best is None else best["step"],
            "observed_error": None if best is None else best["abs_error"],
            "observed_level": None if best is None else envelope[k_best],
            "observed_rel_error": None if best is None else best["rel_error"],
            "ratio": (best["step"] / predicted) if best is not None and predicted else None,
            "lowest_step": None if lowest is None else lowest["step"],
            "lowest_error": None if lowest is None else lowest["abs_error"],
            "default_h": first["default_h"], "default_error": first["default_error"],
            "estimated_error": None if best is None else best["error_estimate"],
            # where the grid failed: the step vanished next to x, or f(x + h) was undefined
            # the worst error at steps of SMALL_STEPS and below (None where every one is nan)
            "small_steps_worst": max((r["abs_error"] for r in mine if r["step"] <= SMALL_STEPS
                                      and r["abs_error"] is not None
                                      and math.isfinite(r["abs_error"])), default=None),
            # (known only for the schemes, whose steps the sweep takes itself)
            "vanished_up_to": max((r["step"] for r in mine if r["h_effective"] == 0),
                                  default=None),
            "undefined_from": min((r["step"] for r in mine if r["h_effective"]
                                   and not math.isfinite(r["estimate"])), default=None),
            # a method that gave no estimate, and what it said
            "failed_from": min((r["step"] for r in mine if r["h_effective"] is None
                                and not math.isfinite(r["estimate"])), default=None),
            "failure": next((r["note"] for r in mine if r["note"]), ""),
        })
    return out
