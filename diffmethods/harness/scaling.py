"""The scaling study: what each method costs as the number of inputs n grows.

For a function defined for any n (the catalogue's scalable entries, or any ``f`` with a
``make_point(n)``), every method runs at each n and one row records the counted costs
(``f_calls``, ``passes``, ``ops``) and the timings. The counts show the theory directly:

* finite differences call f n + 1 (one-sided) or 2n + 1 (central) times;
* forward mode makes ceil(n / k) passes with k directions per pass -- the study also runs
  ``chunk=1`` (one direction per pass, n passes), the textbook form of forward mode; either way
  its passes carry n x (operations of f) tangent entries (``work``);
* reverse mode makes one forward and one backward pass at every n, carrying one record and an
  adjoint update per local partial for each operation of f, so its time stays within a
  constant factor of one evaluation of f (``ratio_to_f``);
* the symbolic method derives and compiles once (``setup_seconds``), and its expressions grow
  with n: ``ops_derived`` counts them as derived, ``ops_cse`` after common-subexpression
  elimination.

Long runs are avoided, not endured: before running a method at the next n, its time (with any
one-off setup) is predicted from the last two sizes, as growing like n^p with p between 1 and 3
taken from the growth of its counted work (see :func:`_predicted_seconds`); if the prediction
exceeds
``budget`` seconds the method is skipped there and at every larger n, and the row says so
(``status = "skipped"``).

>>> from diffmethods.catalogue import SCENARIOS
>>> rows = scaling(SCENARIOS["rosenbrock"], [2, 4], variants=[("reverse", "reverse", {})],
...                repeat=1)
>>> [(r["n"], r["f_calls"], r["passes"]) for r in rows]
[(2, 1, 2), (4, 1, 2)]
"""

from __future__ import annotations

import math
import warnings

from .. import registry
from ..costs import carried
from ..errors import CostWarning, OptionError
from ..points import Problem
from .compare import (NOT_APPLICABLE, NOT_APPLICABLE_ERRORS, function_name, reported_settings,
                      short_reason)
from .rows import ScalingRows
from .timing import median_call_seconds, median_result, warm_up

SKIPPED = "skipped"


def default_variants(study: str = "scaling") -> list[tuple]:
    """(label, method, options) for every registered method, each followed by the variants it
    declares for the study (one-sided finite differences, n + 1 calls next to central's
    2n + 1; forward mode with ``chunk=1``, one direction per pass, the textbook form)."""
    out = []
    for m in registry.methods():
        out.append((m, m, {}))
        out += [(f"{m} {v.label}", m, dict(v.options))
                for v in registry.declaration(m).variants_for(study)]
    return out


def _resolve(f, make_point):
    """(function, make_point, name) from a Scenario, a catalogue name or f + make_point."""
    from ..catalogue import SCENARIOS
    if isinstance(f, str):
        if f not in SCENARIOS:
            raise OptionError(f"unknown catalogue function {f!r}; scalable ones are: "
                              f"{', '.join(scalable_names())}")
        f = SCENARIOS[f]
    if hasattr(f, "make_point") and hasattr(f, "f"):  # a catalogue Scenario
        if f.make_point is None:
            raise OptionError(f"{f.name} has a fixed dimension; scalable catalogue functions "
                              f"are: {', '.join(scalable_names())}")
        return f.f, f.make_point, f.name
    if make_point is None:
        raise OptionError("scaling needs make_point(n) -> a point of dimension n for a plain "
                          "function (catalogue entries bring their own)")
    return f, make_point, function_name(f)


def scalable_names() -> list[str]:
    """The catalogue entries that can be evaluated at any dimension."""
    from ..catalogue import SCENARIOS
    return [s.name for s in SCENARIOS.values() if s.make_point is not None]


MIN_GROWTH, MAX_GROWTH = 1.0, 3.0  # assumed bounds on the power of n a method's time grows by
STEADY_SECONDS = 0.1  # times above this are steady enough to measure a growth rate from


def _slope(a, b, n0, n1):
    return math.log(b / a) / math.log(n1 / n0) if a and b and a > 0 and b > 0 else None


def _predicted_seconds(history, n):
    """Extrapolate a method's time to size n from its measurements [(n, seconds, work), ...].

    Time is taken to grow like n^p. p comes from the counted *work* of the last two sizes
    (operations, or calls of f times the time of one call), which does not jitter the way
    microsecond timings do, so the decision to skip is the same from run to run; when both
    times are long enough to be steady, a faster growth of the time itself (e.g. sympy's
    superlinear simplification) is taken instead. p stays within [MIN_GROWTH, MAX_GROWTH]."""
    if not history:
        return 0.0
    n1, t1, w1 = history[-1]
    p = MIN_GROWTH
    if len(history) >= 2:
        n0, t0, w0 = history[-2]
        candidates = [_slope(w0, w1, n0, n1)]
        if min(t0, t1) >= STEADY_SECONDS:
            candidates.append(_slope(t0, t1, n0, n1))
        candidates = [c for c in candidates if c is not None]
        if candidates:
            p = min(MAX_GROWTH, max(MIN_GROWTH, *candidates))
    return t1 * (n / n1) ** p


def scaling(f, dims, make_point=None, *, variants=None, repeat: int = 3,
            budget: float = 5.0, name: str | None = None, progress=None) -> list[dict]:
    """Cost of every method against the dimension n; one row per (n, variant).

    ``f`` is a catalogue Scenario or name, or a function with ``make_point(n)``; ``dims`` the
    sizes; ``variants`` a list of (label, method, options) (default: every method, plus forward
    mode with chunk=1); ``repeat`` the timed runs per cell; ``budget`` the most seconds one
    method may be predicted to take at one n before it is skipped there and beyond;
    ``progress(label)`` is called after each cell.

    Row fields: ``function, n, variant, method, options`` (as given), ``settings`` (the options
    with the choices the method reported, e.g. its chunk), ``status, note, f_calls, passes, ops,
    work, work_unit`` (the work the passes carried: tangent entries, records + adjoint updates
    or operations, see :func:`diffmethods.costs.carried`), ``chunk, ops_derived, ops_cse``
    (deterministic) and ``seconds`` (median per gradient),
    ``first_seconds`` (the first call, with any one-off setup), ``setup_seconds``,
    ``f_seconds`` (one plain evaluation of f), ``ratio_to_f``, ``predicted_seconds``.
    """
    f, make_point, default_name = _resolve(f, make_point)
    dims = sorted({int(n) for n in dims})
    if not dims or dims[0] < 1:
        raise OptionError("dims must be positive integers, e.g. 2,10,100")
    variants = default_variants() if variants is None else list(variants)
    for _, method, _ in variants:
        registry.get_method(method)
    warm_up()
    history = {label: [] for label, _, _ in variants}
    stopped: dict = {}
    rows = []
    for n in dims:
        point = make_point(n)
        problem = Problem(f, point)
        f_seconds = median_call_seconds(lambda: problem(problem.inputs(problem.x)))
        for label, method, options in variants:
            row = {"function": name or default_name, "n": n, "variant": label,
                   "method": method, "options": dict(options), "settings": {}, "status": "ok",
                   "note": "", "f_calls": None,
                   "passes": None, "ops": None, "work": None, "work_unit": "", "chunk": None,
                   "ops_derived": None,
                   "ops_cse": None, "seconds": None, "first_seconds": None,
                   "setup_seconds": None, "f_seconds": f_seconds, "ratio_to_f": None,
                   "predicted_seconds": None}
            predicted = _predicted_seconds(history[label], n)
            if label in stopped:
                row.update(status=stopped[label][0], note=stopped[label][1])
            elif predicted > budget:
                row.update(status=SKIPPED, predicted_seconds=predicted,
                           note=f"skipped from n = {n}: predicted {predicted:.2g} s > budget "
                                f"{budget:g} s")
                stopped[label] = (SKIPPED, f"skipped (since n = {n})")
            else:
                _measure(row, f, point, method, options, repeat, budget, history[label])
                if row["status"] == NOT_APPLICABLE:
                    stopped[label] = (NOT_APPLICABLE, row["note"])
            rows.append(row)
            if progress is not None:
                progress(f"{row['function']} n={n} {label}")
    return ScalingRows(rows)


def _measure(row, f, point, method, options, repeat, budget, history):
    try:
        with warnings.catch_warnings():
            # the study predicts each cell's time itself and skips those over its budget
            # (_predicted_seconds): a method's own notice of a long run would only repeat it
            warnings.simplefilter("ignore", CostWarning)
            first, seconds, _ = median_result(f, point, method, options, repeat,
                                              max_seconds=budget / 4)
    except NOT_APPLICABLE_ERRORS as e:
        row.update(status=NOT_APPLICABLE, note=short_reason(e))
        return
    details = first.details
    setup = None
    if "derive_seconds" in details:
        setup = details["derive_seconds"] + details.get("compile_seconds", 0.0)
        row.update(ops_derived=details.get("ops_derived"), ops_cse=first.ops)
    done = carried(first)
    row.update(f_calls=first.f_calls, passes=first.passes, ops=first.ops, work=done.count,
               work_unit=done.unit,
               chunk=details.get("chunk"), settings=reported_settings(details, options),
               seconds=seconds, first_seconds=first.seconds,
               setup_seconds=setup,
               ratio_to_f=seconds / row["f_seconds"] if row["f_seconds"] > 0 else None)
    # what this method costs at this n, one-off setup included (also when it was cached),
    # and its counted work: operations, or calls of f times the time of one call
    work = row["ops_derived"] or first.ops or (first.f_calls * row["f_seconds"]) or None
    history.append((row["n"], max(first.seconds, seconds, setup or 0.0), work))
