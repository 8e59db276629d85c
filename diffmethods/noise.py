"""The noise of a computed function: how much its values wobble, and what that does to steps.

A simulation code rarely computes a smooth f. Adaptive meshes, iterative solvers stopped at a
tolerance and plain round-off make the computed value f(x) = f_smooth(x) + noise, and a
difference quotient divides that noise by the step. The noise level eps_f (the standard
deviation of the wobble) decides which step is best; :func:`estimate_noise` measures it.

The estimate is ECnoise (Moré & Wild, "Estimating computational noise", SIAM J. Sci. Comput.
33, 2011): evaluate f at m + 1 equally spaced points x + (k - m/2) h p along a direction p and
build the difference table. The smooth part of the k-th differences shrinks like h^k, while
the noise part keeps the size sqrt((2k)! / (k!)^2) eps_f; so

    sigma_k = sqrt(gamma_k * mean((Delta^k f)^2)),   gamma_k = (k!)^2 / (2k)!,

is a noise estimate once k is high enough. It is accepted at the first level k whose
differences change sign (noise, not a smooth trend) and whose sigma_k, sigma_{k+1},
sigma_{k+2} agree within a factor of 4. When the values differ by more than 10% h is too large
(the smooth part dominates: h is divided by 100 and f evaluated again); when half of the first
differences are exactly 0 h is too small (multiplied by 100). Without a decision after a few
tries the estimate is nan, with the reason, never a guess.

:func:`with_noise` makes a reproducibly noisy function out of a smooth one, for the catalogue,
the CLI's ``--noise`` and the tests.

>>> f = with_noise(lambda x: 2.0 + x, 1e-8)
>>> r = estimate_noise(f, 1.0)
>>> r.confident, 0.3 < r.noise / 3e-8 < 3, r.evaluations
(True, True, 9)
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np

from .errors import OptionError

RANGE_LIMIT = 0.1     # values differing by more than 10%: h is too large
AGREEMENT = 4.0       # consecutive levels agree when the largest is <= 4 x the smallest
RETRY_FACTOR = 100.0  # how far h moves when it was too large or too small
DEFAULT_POINTS = 9    # m + 1 evaluations per try (Moré & Wild recommend 7 to 9)
DEFAULT_STEP = 1e-4   # h / max(1, |x|): small enough that smooth functions look polynomial
MAX_TRIES = 3


@dataclass(frozen=True)
class NoiseEstimate:
    """The outcome of :func:`estimate_noise`.

    ``noise`` is the estimated eps_f (absolute, in f's units; nan when undecided), ``relative``
    that over |f(x)|, ``confident`` whether ECnoise's checks accepted it (a difference level
    with sign changes, three consecutive levels agreeing), ``reason`` what was decided or why
    not, ``level`` the accepted level k, ``levels`` the sigma_k of the last try, ``h`` its
    spacing, ``evaluations`` the calls of f, ``tries`` how many spacings were tried.
    """

    noise: float
    relative: float
    confident: bool
    reason: str
    evaluations: int
    h: float
    level: int | None = None
    levels: tuple = ()
    tries: int = 1

    def __float__(self) -> float:
        return float(self.noise)


def _gamma(k: int) -> float:
    return math.factorial(k) ** 2 / math.factorial(2 * k)


def ecnoise(values) -> tuple:
    """ECnoise on m + 1 equally spaced values of f: ``(noise, level, levels, verdict)`` with
    verdict ``"noise"`` (accepted at ``level``), ``"too large"`` or ``"too small"`` (h should
    shrink or grow; noise is nan) -- see the module docstring.

    >>> ecnoise([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])[3]
    'too small'
    >>> ecnoise([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])[3]
    'too large'
    """
    table = np.asarray(values, dtype=float).reshape(-1)
    m = table.size - 1
    if m < 3:
        raise OptionError(f"ECnoise needs at least 4 values, got {table.size}")
    top = float(np.max(np.abs(table)))
    if top > 0 and (float(np.max(table)) - float(np.min(table))) / top > RANGE_LIMIT:
        return math.nan, None, (), "too large"
    levels, sign_change = [], []
    for k in range(1, m + 1):
        table = np.diff(table)
        if k == 1 and np.count_nonzero(table == 0) >= (m + 1) / 2:
            return math.nan, None, (), "too small"
        levels.append(math.sqrt(_gamma(k) * float(np.mean(table * table))))
        sign_change.append(float(np.min(table)) * float(np.max(table)) < 0)
    for k in range(1, m - 1):  # k, k + 1, k + 2 must all exist
        trio = levels[k - 1:k + 2]
        if sign_change[k - 1] and min(trio) > 0 and max(trio) <= AGREEMENT * min(trio):
            return levels[k - 1], k, tuple(levels), "noise"
    return math.nan, None, tuple(levels), "too large"


def _direction(problem, direction, seed: int) -> np.ndarray:
    n = problem.n
    if direction is None:
        p = np.random.default_rng(seed).standard_normal(n)
    else:
        try:
            p = np.asarray(direction, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise OptionError(f"direction must be {n} numbers, got {direction!r}") from None
        if p.size != n:
            raise OptionError(f"direction must have one entry per coordinate ({n}), got "
                              f"{p.size}")
    norm = float(np.linalg.norm(p))
    if not math.isfinite(norm) or norm == 0:
        raise OptionError("direction must be finite and non-zero")
    return p / norm


def estimate_noise(f, x, *, direction=None, h: float | None = None,
                   points: int = DEFAULT_POINTS, seed: int = 0,
                   max_tries: int = MAX_TRIES) -> NoiseEstimate:
    """Estimate the noise level eps_f of f near x by ECnoise (see the module docstring).

    ``f`` and ``x`` as for :func:`diffmethods.gradient` (numbers, a tuple, an array, a
    structured point); ``direction`` the line to sample along (default: a random unit
    direction drawn with ``seed``, reproducible); ``h`` the spacing (default 1e-4 max(1, |x|));
    ``points`` the evaluations per try (at least 4; 7 to 9 is best); ``max_tries`` how often
    h may be moved by 100 when it proves too large or too small. Costs ``points`` calls of f
    per try.

    >>> r = estimate_noise(lambda x: x**2, 3.0)   # only round-off: about 1e-16 relative
    >>> r.confident, r.relative < 1e-14
    (True, True)
    """
    from .points import Problem
    return estimate_on(Problem(f, x), direction=direction, h=h, points=points, seed=seed,
                       max_tries=max_tries)


def estimate_on(problem, *, direction=None, h: float | None = None,
                points: int = DEFAULT_POINTS, seed: int = 0,
                max_tries: int = MAX_TRIES) -> NoiseEstimate:
    """:func:`estimate_noise` on a :class:`~diffmethods.points.Problem` (its calls of f are
    counted there): what a method that was given ``noise="estimate"`` runs."""
    from .points import real_scalar
    if isinstance(points, bool) or not isinstance(points, numbers.Integral) or points < 4:
        raise OptionError(f"points must be a whole number >= 4 (7 to 9 recommended), got "
                          f"{points!r}")
    if isinstance(max_tries, bool) or not isinstance(max_tries, numbers.Integral) or \
            max_tries < 1:
        raise OptionError(f"max_tries must be a whole number >= 1, got {max_tries!r}")
    x0 = problem.x
    p = _direction(problem, direction, seed)
    scale = max(1.0, float(np.max(np.abs(x0))) if x0.size else 1.0)
    if h is None:
        h = DEFAULT_STEP * scale
    elif not (isinstance(h, numbers.Real) and math.isfinite(h) and h > 0):
        raise OptionError(f"h must be a positive, finite number, got {h!r}")
    h = float(h)
    offsets = np.arange(points) - (points - 1) / 2
    evaluations, levels, verdict, f0 = 0, (), "", math.nan
    for tries in range(1, max_tries + 1):
        values = []
        with np.errstate(all="ignore"):
            for o in offsets:
                values.append(real_scalar(problem.at(x0 + o * h * p), "f"))
                evaluations += 1
        values = np.array(values)
        f0 = float(np.median(values))
        if not np.all(np.isfinite(values)):
            return NoiseEstimate(math.nan, math.nan, False,
                                 f"f is not finite near x (spacing h = {h:.1e}): no noise "
                                 "estimate", evaluations, h, tries=tries)
        noise, level, levels, verdict = ecnoise(values)
        if verdict == "noise":
            relative = noise / abs(f0) if f0 != 0 else math.inf
            return NoiseEstimate(noise, relative, True,
                                 f"noise detected at difference level {level} "
                                 f"(spacing h = {h:.1e})", evaluations, h, level, levels, tries)
        if tries < max_tries:
            h = h / RETRY_FACTOR if verdict == "too large" else h * RETRY_FACTOR
    why = ("the values still follow a smooth trend (h too large; try a smaller h)"
           if verdict == "too large" else
           "the values are equal (h too small, or f is constant there; try a larger h)")
    return NoiseEstimate(math.nan, math.nan, False,
                         f"no noise level detected after {max_tries} tries: {why}; last "
                         f"spacing h = {h:.1e}", evaluations, h, None, levels, max_tries)


# --- reproducibly noisy functions ----------------------------------------------------------
def _plain_values(args):
    """The float64 values of f's arguments when they are plain numbers or arrays of them
    (complex ones by their real part, as the complex step passes them); ``None`` for traced
    values (duals, tape variables, sympy symbols, mpmath numbers)."""
    out = []
    for a in args:
        if isinstance(a, (bool, np.bool_)):
            return None
        if isinstance(a, (numbers.Real, np.floating, np.integer)) and \
                type(a).__module__ in ("builtins", "numpy"):
            out.append(np.array([float(a)]))
        elif isinstance(a, (complex, np.complexfloating)):
            out.append(np.array([float(a.real)]))
        elif isinstance(a, np.ndarray) and a.dtype.kind in "fiu":
            out.append(a.astype(float).reshape(-1))
        elif isinstance(a, np.ndarray) and a.dtype.kind == "c":
            out.append(a.real.astype(float).reshape(-1))
        else:
            return None
    return np.concatenate(out) if out else np.zeros(0)


def standard_normal_at(values, seed: int = 0) -> float:
    """One N(0, 1) number that depends only on ``values`` (float64) and ``seed``: the same
    point gives the same noise, every time and on every machine.

    >>> standard_normal_at([1.0, 2.0]) == standard_normal_at([1.0, 2.0])
    True
    """
    bits = np.ascontiguousarray(np.asarray(values, dtype=np.float64)).view(np.uint64)
    return float(np.random.default_rng([int(seed), *map(int, bits)]).standard_normal())


def with_noise(f, eps: float, seed: int = 0):
    """f with relative noise: f(x) (1 + eps N(0, 1)), N drawn from a generator keyed on x and
    ``seed`` (:func:`standard_normal_at`), so it is reproducible per point.

    The noise is in the float64 evaluation, as round-off is: evaluated on traced values (forward
    duals, the reverse tape, the complex step's traced numbers, sympy, the mpmath reference)
    the function is the smooth f, so those methods and the reference give the noise-free
    derivative; plain complex numbers get the noise of their real part. The wrapper keeps f's name,
    signature and attributes (its hand-derived gradient: the noise-free one).

    >>> g = with_noise(lambda x: x, 1e-3)
    >>> g(2.0) == g(2.0), abs(g(2.0) - 2.0) < 0.02
    (True, True)
    """
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise OptionError(f"the noise level must be a number, got {eps!r}") from None
    if not (math.isfinite(eps) and eps >= 0):
        raise OptionError(f"the noise level must be >= 0 and finite, got {eps!r}")

    @functools.wraps(f)
    def noisy(*args, **kwargs):
        y = f(*args, **kwargs)
        values = _plain_values(args) if eps > 0 else None
        if values is None:
            return y
        return y * (1.0 + eps * standard_normal_at(values, seed))
    noisy.__diffmethods_noise__ = eps
    return noisy
