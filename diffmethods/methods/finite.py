"""Finite differences: bump one coordinate at a time and take a difference quotient.

A *scheme* is data: offsets o_k and weights w_k with f'(x) ~ sum_k w_k f(x + o_k h) / h and a
truncation error of order h**order. The *step policy* is kept apart from the formula:

* ``step=h``      an absolute step (a number, or one per coordinate);
* ``rel_step=r``  a fraction of the coordinate: h_i = r |x_i| (r |x_i| with |x_i| = 1 at 0);
* neither         the step that balances truncation (~h**order) against round-off (~eps/h):
  h_i = eps**(1/(order+1)) * max(1, |x_i|), i.e. ~1.5e-8 one-sided and ~6e-6 central.

The quotient divides by the step actually taken, h' = (x + h) - x, which differs from h
whenever x + h is rounded; using h would add an error of up to eps|x|/h for nothing.

f is called n + 1 times for one-sided schemes (the value is shared) and 2n + 1 for central.

With ``noise=eps_f`` (the noise level of f's values, e.g. from :func:`diffmethods.estimate_noise`)
the step balances truncation against *noise* instead of round-off (Moré & Wild, "Estimating
derivatives of noisy simulations", ACM TOMS 38, 2012): the scheme's error model says its error
is about T h^q + R / h with T = |c_m f^(m)| and R = (eps_f + u |f|) sum_k |w_k|, smallest at
h* = (R / (q T))^(1/(q+1)) -- 2 sqrt(eps_f / |f^(2)|) for forward differences and
(3 eps_f / |f^(3)|)^(1/3) for central ones. f^(m) along each coordinate is estimated from a
few more values (an m-th difference at a step where noise and its own truncation balance,
trusted when it is 100 eps_f or more, as Moré & Wild test). The expected error T h^q + R / h
is reported in the result's details. ``noise="estimate"`` first estimates eps_f (ECnoise, 9
calls); ``noise="check"`` keeps the default (or given) step and warns (:class:`NoiseWarning`)
when noise makes it 10x worse than the noise-balancing step.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

import numpy as np

from ..declarations import Counts, Declaration, ErrorModel, Kind, Option, Variant, positive_float
from ..cost_notice import notice_long_run, timed
from ..errors import OptionError
from ..points import real_scalar

_CHEAPER = ("an exact method (reverse mode, if f can be traced) costs a few calls whatever "
            "the dimension")

EPS = np.finfo(float).eps
EXTRA_TAYLOR_TERMS = 3  # how far past order + 1 the error model looks for a non-zero term


@dataclass(frozen=True)
class Stencil:
    """A first-derivative formula: offsets, weights and order of accuracy."""

    name: str
    offsets: tuple
    weights: tuple
    order: int

    def default_step(self, x, eps: float = EPS) -> np.ndarray:
        """Round-off/truncation balancing step: eps**(1/(order+1)) * max(1, |x|), with eps
        the precision of f's values (float64 unless f returns float32)."""
        return eps ** (1.0 / (self.order + 1)) * np.maximum(1.0, np.abs(x))

    @property
    def evaluations(self) -> int:
        """Calls of f per coordinate (an offset of 0 reuses the value f(x))."""
        return sum(1 for o in self.offsets if o != 0)

    @property
    def one_sided(self) -> bool:
        return min(self.offsets) >= 0 or max(self.offsets) <= 0

    @property
    def error_model(self) -> ErrorModel:
        """Truncation from the Taylor series, c_m = sum_k w_k o_k^m / m! for the first few m past
        the order (the first non-zero term wins), and round-off u sum_k |w_k| |f| / h."""
        taylor = {m: sum(w * o**m for w, o in zip(self.weights, self.offsets)) / math.factorial(m)
                  for m in range(self.order + 1, self.order + 2 + EXTRA_TAYLOR_TERMS)}
        return ErrorModel(taylor, sum(abs(w) for w in self.weights),
                          f"order {self.order}: truncation ~h^{self.order}, round-off ~1/h")


SCHEMES: dict[str, Stencil] = {}


def register_scheme(name: str, offsets, weights, order: int, *, replace: bool = False):
    """Add a finite-difference scheme; it is checked to be a consistent first derivative
    (weights sum to 0 and sum w_k o_k = 1) and then shows up in sweeps and comparisons."""
    offsets, weights = tuple(float(o) for o in offsets), tuple(float(w) for w in weights)
    if len(offsets) != len(weights) or not offsets:
        raise OptionError("a scheme needs as many weights as offsets")
    if abs(sum(weights)) > 1e-12 or abs(sum(w * o for w, o in zip(weights, offsets)) - 1) > 1e-12:
        raise OptionError(f"scheme {name!r} does not estimate a first derivative: the weights "
                          "must sum to 0 and sum(w*o) must be 1")
    if name in SCHEMES and not replace:
        raise OptionError(f"a scheme named {name!r} exists; pass replace=True")
    SCHEMES[name] = Stencil(name, offsets, weights, int(order))


register_scheme("forward", (0, 1), (-1, 1), 1)
register_scheme("backward", (-1, 0), (-1, 1), 1)
register_scheme("central", (-1, 1), (-0.5, 0.5), 2)
register_scheme("central4", (-2, -1, 1, 2), (1 / 12, -8 / 12, 8 / 12, -1 / 12), 4)


def unregister_scheme(name: str) -> None:
    """Remove a registered scheme (the built-in ones included: take care)."""
    SCHEMES.pop(name, None)


def schemes() -> list[str]:
    """The registered finite-difference scheme names."""
    return list(SCHEMES)


def get_scheme(name) -> Stencil:
    if isinstance(name, Stencil):
        return name
    try:
        return SCHEMES[name]
    except (KeyError, TypeError):
        raise OptionError(f"unknown finite-difference scheme {name!r}; choose one of: "
                          f"{', '.join(SCHEMES)}.") from None


def output_precision(y) -> float:
    """The machine epsilon of f's value: float32 (or float16) values are rounded far more
    coarsely than float64 ones, so a difference quotient needs a larger step."""
    dtype = getattr(y, "dtype", None)
    if dtype is not None and dtype.kind == "f" and dtype.itemsize < 8:
        return float(np.finfo(dtype).eps)
    return EPS


def _warn_low_precision(eps: float, stencil: Stencil, given: bool) -> None:
    if eps > EPS:
        from ..errors import PrecisionWarning, warn_user
        digits = int(-np.log10(eps))
        step = "the step you gave is used as it is" if given else (
            f"the default step is eps**(1/{stencil.order + 1}) of its precision")
        warn_user(PrecisionWarning(
            f"f returns values with about {digits} significant digits (float32, eps = "
            f"{eps:.1e}); {step}, and the {stencil.name} difference is good to about "
            f"{eps ** (stencil.order / (stencil.order + 1)):.0e} relative at best. Compute f in "
            "float64 for an accurate derivative."))


def steps_for(x: np.ndarray, stencil: Stencil, step=None, rel_step=None,
              eps: float = EPS) -> np.ndarray:
    """The step h_i for every coordinate under the step policy described above."""
    if step is not None and rel_step is not None:
        raise OptionError("give either step= (absolute) or rel_step= (relative), not both")
    if step is None and rel_step is None:
        return stencil.default_step(x, eps)
    given, name = (step, "step") if step is not None else (rel_step, "rel_step")
    try:
        h = np.broadcast_to(np.asarray(given, dtype=float), x.shape).copy()
    except (TypeError, ValueError):
        raise OptionError(f"{name} must be a positive number or one per coordinate "
                          f"({len(x)}), got {given!r}") from None
    if not np.all(np.isfinite(h)) or np.any(h <= 0):
        raise OptionError(f"{name} must be positive and finite, got {given!r}")
    if rel_step is not None:
        h = h * np.where(x == 0, 1.0, np.abs(x))
    return h


def difference_quotient(g, t: float, h: float, stencil: Stencil, g_t=None, strict=True):
    """Estimate g'(t) for a scalar function g: (sum_k w_k g(t + o_k h')) / h' with the
    representable step h' = (t + h) - t. Returns (estimate, h').

    >>> difference_quotient(lambda t: t**2, 3.0, 1e-3, SCHEMES["central"])[0]
    6.0
    """
    h_eff = (t + h) - t
    if h_eff == 0:
        if strict:
            raise OptionError(f"the step {h:g} vanishes next to x = {t:g}: (x + h) - x == 0 in "
                              "floating point. Use a larger step.")
        return float("nan"), 0.0
    total = 0.0
    for o, w in zip(stencil.offsets, stencil.weights):
        total += w * (g_t if o == 0 and g_t is not None else g(t + o * h_eff))
    return total / h_eff, h_eff


def along(problem, work: np.ndarray, i: int, scalar: bool = True):
    """f as a function of coordinate i alone, g(t) = f(work with work[i] = t): the one "bump
    coordinate i" loop body of every difference method. ``work`` is restored after each call;
    ``scalar=False`` gives the outputs of a vector-valued f as an array."""
    from ..vectors import vector_output
    x_i = float(work[i])

    def g(t):
        work[i] = t
        try:
            y = problem.at(work)
        finally:
            work[i] = x_i
        if scalar:
            return real_scalar(y, "f")
        return np.array(vector_output(y, None, problem), dtype=float)
    return g


NOISE_MODES = ("estimate", "check")
NOISE_RATIO = 10.0         # warn when the step used is expected to be 10x worse than the best
NOISE_OVER_ROUNDOFF = 100.0  # ... and the noise is over 100x the round-off u |f|
TRUST_DIFFERENCE = 100.0   # an m-th difference is trusted when it is >= 100 eps_f ...
TRUST_CHANGE = 0.1         # ... and no value moved by more than 10% of |f| (Moré & Wild)


def noise_level(text):
    """The ``noise`` option: a level eps_f >= 0 written plainly, ``"estimate"`` or
    ``"check"``; numbers pass through.

    >>> noise_level("1e-9"), noise_level("estimate"), noise_level(0)
    (1e-09, 'estimate', 0.0)
    """
    if isinstance(text, str) and text.strip() in NOISE_MODES:
        return text.strip()
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, str) and re.fullmatch(r"\+?0*\.?0*", text.strip()) and \
            any(ch == "0" for ch in text):
        return 0.0
    if isinstance(text, numbers.Real) and float(text) == 0:
        return 0.0
    return positive_float(text)


noise_level.__name__ = "noise level (a number >= 0, 'estimate' or 'check')"


def _checked_noise(noise):
    if noise is None:
        return None
    try:
        return noise_level(noise)
    except (TypeError, ValueError):
        raise OptionError(f"noise must be the noise level of f's values (a number >= 0, e.g. "
                          f"1e-9), 'estimate' or 'check'; got {noise!r}") from None


def central_weights(m: int) -> tuple:
    """(offsets, weights) of the second-order central difference for the m-th derivative:
    f^(m)(x) ~ sum_k w_k f(x + o_k h) / h^m.

    >>> central_weights(2)
    ((-1, 0, 1), (1.0, -2.0, 1.0))
    >>> central_weights(3)
    ((-2, -1, 0, 1, 2), (-0.5, 1.0, 0.0, -1.0, 0.5))
    """
    p = m // 2 if m % 2 == 0 else (m + 1) // 2
    offsets = tuple(range(-p, p + 1))
    A = np.array([[float(o) ** j for o in offsets] for j in range(len(offsets))])
    b = np.zeros(len(offsets))
    b[m] = math.factorial(m)
    w = np.linalg.solve(A, b)
    return offsets, tuple(0.0 if abs(v) < 1e-12 else float(round(v, 12)) for v in w)


def _truncation_term(stencil: Stencil):
    """(m, c_m): the first Taylor term of the scheme's error with a non-zero coefficient."""
    for m, c in sorted(stencil.error_model.taylor.items()):
        if abs(c) > 1e-12:
            return m, c
    return None, 0.0


def estimate_derivative(g, t: float, m: int, eps_f: float, f0: float, scale: float):
    """f^(m) at t from an m-th central difference of g, for choosing a noisy step:
    ``(value, step, trusted)``. The step h = scale (eps_f / |f|)^(1/(m+2)) balances the
    difference's noise (~eps_f / h^m) against its truncation (~h^2); if the difference is not
    clearly above the noise (100 eps_f) or a value moved by over 10%, it is tried once more at
    the step (eps_f / |f^(m)|)^(1/(m+2)) the first estimate suggests.

    >>> value, h, trusted = estimate_derivative(lambda t: t**3, 1.0, 2, 1e-9, 1.0, 1.0)
    >>> round(value, 6), trusted
    (6.0, True)
    """
    offsets, weights = central_weights(m)
    relative = eps_f / abs(f0) if f0 != 0 else eps_f
    h = scale * max(relative, EPS) ** (1.0 / (m + 2))
    value, trusted = 0.0, False
    for _ in range(2):
        h = (t + h) - t
        values = [f0 if o == 0 else g(t + o * h) for o in offsets]
        difference = sum(w * v for w, v in zip(weights, values))
        value = difference / h**m
        top = max(abs(v) for v in values)
        moved = max(abs(v - f0) for v in values)
        trusted = (math.isfinite(value) and abs(difference) >= TRUST_DIFFERENCE * eps_f
                   and moved <= TRUST_CHANGE * top)
        if trusted or not math.isfinite(value) or value == 0:
            break
        h = scale * (eps_f / abs(value)) ** (1.0 / (m + 2)) if eps_f > 0 else h / 10
    return value, h, trusted


def _noise_steps(problem, work, stencil: Stencil, value: float, eps_f: float):
    """Per coordinate: the noise-balancing step and the model (T, q, R) behind it, and
    whether the estimate of f^(m) in T was trusted."""
    m, c = _truncation_term(stencil)
    R = (eps_f + EPS / 2 * abs(value)) * sum(abs(w) for w in stencil.weights)
    n = problem.n
    h, T, trusted = np.empty(n), np.zeros(n), np.zeros(n, dtype=bool)
    q = None if m is None else m - 1
    for i in range(n):
        t = float(work[i])
        scale = max(1.0, abs(t))
        if m is None:  # a scheme without truncation error: only noise, take a large step
            h[i], trusted[i] = scale * 1e-2, True
            continue
        mu, h_mu, trusted[i] = estimate_derivative(along(problem, work, i), t, m, eps_f,
                                                   value, scale)
        T[i] = abs(c * mu) if math.isfinite(mu) else 0.0
        best = (R / (q * T[i])) ** (1.0 / (q + 1)) if T[i] > 0 and R > 0 else h_mu
        # an untrusted f^(m) is no licence for a step larger than the one that measured it
        h[i] = best if trusted[i] else min(best, h_mu)
    return h, T, q, R, trusted


def _expected(h, T, q, R):
    h = np.asarray(h, dtype=float)
    return (T * h**q if q is not None else 0.0) + R / h


def _with_noise(problem, work, stencil: Stencil, value: float, noise, h, given: bool):
    """The steps to use and the noise details, for ``noise=`` (see the module docstring)."""
    from ..errors import NoiseWarning, warn_user
    from ..noise import estimate_on
    estimate = None
    kept = "the step you gave" if given else "the default step"
    if noise in NOISE_MODES:
        estimate = estimate_on(problem)
        if not estimate.confident:
            warn_user(NoiseWarning(
                f"the noise of f could not be estimated ({estimate.reason}); {kept} is used "
                "and its accuracy is unknown. Give noise=<level> if you know it."))
            return h, {"noise": math.nan, "noise_estimate": estimate, "expected_error": None,
                       "noise_steps": None, "curvature_trusted": None}
        eps_f = float(estimate.noise)
    else:
        eps_f = float(noise)
    h_noise, T, q, R, trusted = _noise_steps(problem, work, stencil, value, eps_f)
    best = _expected(h_noise, T, q, R)
    keep = given or noise == "check"
    use = h if keep else h_noise
    expected = _expected(use, T, q, R)
    # warn only about noise: well above the round-off of f's value (ECnoise on a smooth f
    # measures that round-off, a few u |f|), and making the step used 10x worse than the best
    if keep and eps_f > NOISE_OVER_ROUNDOFF * EPS / 2 * abs(value):
        worst = int(np.argmax(expected / best))
        if expected[worst] > NOISE_RATIO * best[worst]:
            warn_user(NoiseWarning(
                f"f's values are noisy (eps_f = {eps_f:.1e}): with {kept}, h = "
                f"{use[worst]:.1e}, the {stencil.name} difference for "
                f"{problem.component_name(worst)} is expected to be off by about "
                f"{expected[worst]:.1e}, against {best[worst]:.1e} at the noise-balancing "
                f"step h = {h_noise[worst]:.1e}. Pass noise={eps_f:.1e} (or 'estimate') "
                "without a step to use it."))
    return use.copy(), {"noise": eps_f, "noise_estimate": estimate, "expected_error": expected,
                        "noise_steps": h_noise, "curvature_trusted": trusted}


def _calls(n: int, settings: dict) -> int:
    return n * get_scheme(settings.get("scheme", "central")).evaluations + 1


def _rule(settings: dict) -> str:
    k = get_scheme(settings.get("scheme", "central")).evaluations
    return (f"{'' if k == 1 else k}n + 1 ({'' if k == 1 else k}n for the derivative, 1 for the "
            "value)")


class FiniteDifferences:
    name = "finite"
    summary = "bump each coordinate, take a difference quotient (approximate)"
    exact = False
    declaration = Declaration(
        kind=Kind.DIFFERENCE, exact=False,
        options=(Option("scheme", "central", "the difference formula", choices=schemes),
                 Option("step", None, "the step h (default: the round-off/truncation "
                        "balancing step)", positive_float),
                 Option("rel_step", None, "the step as a fraction of |x_i|", positive_float),
                 Option("noise", None, "the noise level eps_f of f's values, 'estimate' "
                        "(ECnoise, 9 more calls of f) or 'check' (keep the step, warn when "
                        "noise ruins it): the step then balances truncation against noise and "
                        "the expected error is reported", noise_level)),
        step_option="step",
        error_model=lambda options: get_scheme(options.get("scheme", "central")).error_model,
        variants=(Variant("scheme=forward", {"scheme": "forward"}),),
        counts=Counts(f_calls=_calls, passes=_calls, rule=_rule))

    def gradient(self, problem, *, scheme: str = "central", step=None, rel_step=None,
                 noise=None):
        stencil = get_scheme(scheme)
        steps_for(problem.x, stencil, step, rel_step)  # bad options refused before f runs
        noise = _checked_noise(noise)
        # The coordinates are bumped in place, one at a time, and restored; f gets a fresh
        # copy at every call (Problem.at), so an f that writes into its argument changes
        # nothing here.
        work = problem.working_copy()
        with timed() as first:
            raw = problem.at(work)
        value = problem.scalar_output(raw)
        notice_long_run(f"finite differences ({stencil.name})",
                        1 + problem.n * stencil.evaluations, first.seconds, _CHEAPER)
        eps = output_precision(raw)
        _warn_low_precision(eps, stencil, step is not None or rel_step is not None)
        h = steps_for(problem.x, stencil, step, rel_step, eps)
        noisy = {}
        if noise is not None:
            h, noisy = _with_noise(problem, work, stencil, value, noise, h,
                                   step is not None or rel_step is not None)
        grad = np.empty(problem.n)
        for i in range(problem.n):
            grad[i], h[i] = difference_quotient(along(problem, work, i, scalar=True),
                                                float(work[i]), float(h[i]), stencil, g_t=value)
        return problem.result(value, grad, passes=problem.calls, ops=None, scheme=stencil.name,
                              steps=h, **noisy)

    def jacobian(self, problem, *, scheme: str = "central", step=None, rel_step=None):
        """J(x) by bumping each input: every evaluation gives a whole column of differences."""
        from ..vectors import vector_output
        stencil = get_scheme(scheme)
        h = steps_for(problem.x, stencil, step, rel_step)
        work = problem.working_copy()
        value = np.array(vector_output(problem.at(work), None, problem), dtype=float)
        J = np.empty((len(value), problem.n))
        for i in range(problem.n):
            J[:, i], h[i] = difference_quotient(along(problem, work, i, scalar=False),
                                                float(work[i]), float(h[i]), stencil, g_t=value)
        return problem.result(value, J, passes=problem.calls, ops=None, scheme=stencil.name,
                              steps=h)

    def hessian(self, problem, *, step=None, rel_step=None):
        """Second differences: (f(x+h_i) - 2 f(x) + f(x-h_i)) / h_i^2 on the diagonal and the
        four-point stencil (f(++) - f(+-) - f(-+) + f(--)) / (4 h_i h_j) off it. The default
        step, eps**(1/4) max(1, |x_i|), balances their h^2 truncation against eps/h^2
        round-off."""
        x = problem.x
        if step is None and rel_step is None:
            h = EPS ** 0.25 * np.maximum(1.0, np.abs(x))
        else:
            h = steps_for(x, SCHEMES["central"], step, rel_step)
        base = [float(v) for v in x]  # the coordinates, while work is bumped in place
        work = problem.working_copy()
        f0 = problem.scalar_output(problem.at(work))
        n = problem.n
        h = np.array([(base[i] + h[i]) - base[i] for i in range(n)])  # representable steps
        if np.any(h == 0):
            raise OptionError("the step vanishes next to a coordinate: use a larger step")

        def f_at(shifts):
            for i, s in shifts:
                work[i] = base[i] + s * h[i]
            y = real_scalar(problem.at(work), "f")
            for i, _ in shifts:
                work[i] = base[i]
            return y

        H = np.empty((n, n))
        for i in range(n):
            H[i, i] = (f_at([(i, 1)]) - 2 * f0 + f_at([(i, -1)])) / (h[i] * h[i])
            for j in range(i):
                H[i, j] = H[j, i] = (f_at([(i, 1), (j, 1)]) - f_at([(i, 1), (j, -1)])
                                     - f_at([(i, -1), (j, 1)]) + f_at([(i, -1), (j, -1)])) \
                    / (4 * h[i] * h[j])
        return problem.result(f0, H, passes=problem.calls, ops=None, steps=h)
