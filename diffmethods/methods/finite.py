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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..declarations import Counts, Declaration, ErrorModel, Kind, Option, Variant, positive_float
from ..errors import OptionError
from ..points import real_scalar

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
                 Option("rel_step", None, "the step as a fraction of |x_i|", positive_float)),
        step_option="step",
        error_model=lambda options: get_scheme(options.get("scheme", "central")).error_model,
        variants=(Variant("scheme=forward", {"scheme": "forward"}),),
        counts=Counts(f_calls=_calls, passes=_calls, rule=_rule))

    def gradient(self, problem, *, scheme: str = "central", step=None, rel_step=None):
        stencil = get_scheme(scheme)
        steps_for(problem.x, stencil, step, rel_step)  # bad options refused before f runs
        # The coordinates are bumped in place, one at a time, and restored; f gets a fresh
        # copy at every call (Problem.at), so an f that writes into its argument changes
        # nothing here.
        work = problem.working_copy()
        raw = problem.at(work)
        value = problem.scalar_output(raw)
        eps = output_precision(raw)
        _warn_low_precision(eps, stencil, step is not None or rel_step is not None)
        h = steps_for(problem.x, stencil, step, rel_step, eps)
        grad = np.empty(problem.n)
        for i in range(problem.n):
            grad[i], h[i] = difference_quotient(along(problem, work, i, scalar=True),
                                                float(work[i]), float(h[i]), stencil, g_t=value)
        return problem.result(value, grad, passes=problem.calls, ops=None, scheme=stencil.name,
                              steps=h)

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
