"""Statements computed from the harness's rows, for the report's prose.

Each finding is a dict ``{"text": ..., "holds": True/False/None}``: the sentence, with its
numbers taken from the data, and whether the expectation it checks held (``None`` where it
only describes). Nothing here is boilerplate: change the data and the text changes with it.
Timing statements are kept apart (:func:`timing_findings`), since they are the only ones that
vary between runs: they are stated, never checked (``holds`` is always ``None``), because one
timed sample per cell on a loaded machine can neither confirm nor refute an expectation.
"""

from __future__ import annotations

import math

import numpy as np

from ..declarations import Accumulation
from .reference import MPMATH, UNAVAILABLE
from .reference_choice import AGREEMENT
from .sweep import SMALL_STEPS
from .tables import fmt_error, fmt_seconds, fmt_step

EPS = float(np.finfo(float).eps)
BEST_STEP_FACTOR = 10.0   # "observed best step within a factor of 10 of the predicted one"
MACHINE_PRECISION = 8 * EPS  # "agrees to about machine precision": a few ulps


def finding(text: str, holds=None) -> dict:
    return {"text": text, "holds": holds}


def step_text(step, relative: bool, variable: str = "x") -> str:
    """'h = 1.6e-08', or 'r = 1.6e-08 (1.6e-06 % of |x1|)' for a relative sweep."""
    if step is None:
        return "-"
    return f"r = {fmt_step(step)} ({step * 100:.3g} % of |{variable}|)" if relative else \
        f"h = {fmt_step(step)}"


def _declared(method):
    """A method's declaration, or None for a method no longer registered."""
    from .. import registry
    from ..errors import UnknownMethodError
    try:
        return registry.declaration(method)
    except UnknownMethodError:
        return None


def _hand_derived(method) -> bool:
    declared = _declared(method)
    return declared is not None and declared.needs_hand_gradient


def _stencil(s):
    from ..errors import OptionError
    from ..methods.finite import get_scheme
    try:
        return None if s["scheme"] is None else get_scheme(s["scheme"])
    except OptionError:
        return None


def sweep_findings(summary) -> list[dict]:
    """From :func:`sweep_summary` rows of one sweep: each curve is described by its own error
    model -- the Taylor terms of a scheme, a method's declared model -- or, for a method that
    declares none, by what it measured and its own error estimate."""
    relative, variable = summary[0]["relative"], summary[0]["variable"]
    out = []

    def _step_text(step, rel):
        return step_text(step, rel, variable)
    stencils = {s["series"]: _stencil(s) for s in summary}
    # the two-point schemes the textbook compares: one-sided first order, central second
    one_sided = next((s for s in summary if stencils[s["series"]] is not None and
                      stencils[s["series"]].order == 1 and
                      stencils[s["series"]].offsets == (0.0, 1.0)), None)
    central = next((s for s in summary if stencils[s["series"]] is not None and
                    stencils[s["series"]].order == 2 and
                    stencils[s["series"]].offsets == (-1.0, 1.0)), None)
    c, f = central, one_sided
    if c and f and c["observed_level"] and f["observed_level"]:
        orders = math.log10(f["observed_level"] / c["observed_level"])
        out.append(finding(
            f"The {c['series']} scheme reached errors of at most {fmt_error(c['observed_level'])} "
            f"around its best step {_step_text(c['observed_step'], relative)}; the "
            f"{f['series']} scheme at most {fmt_error(f['observed_level'])} around "
            f"{_step_text(f['observed_step'], relative)}: {c['series']} is {orders:.1f} orders "
            f"of magnitude more accurate (single lowest errors: {fmt_error(c['lowest_error'])} "
            f"and {fmt_error(f['lowest_error'])}).", orders >= 2))
    for s in summary:
        if s["ratio"] is not None:
            ok = 1 / BEST_STEP_FACTOR <= s["ratio"] <= BEST_STEP_FACTOR
            out.append(finding(
                f"{s['series']}: observed best step {_step_text(s['observed_step'], relative)}, "
                f"predicted {_step_text(s['predicted_step'], relative)} (ratio "
                f"{s['ratio']:.2f}, {'within' if ok else 'outside'} a factor of "
                f"{BEST_STEP_FACTOR:g}).", ok))
        elif s["has_error_model"] and s["truncation_power"] is None:
            out.append(finding(
                f"{s['series']}: no truncation error at all (the Taylor terms it would cut are "
                f"zero for this function), so the model predicts no optimal step: the error is "
                f"round-off only and falls as h grows; the observed best is at the large end, "
                f"{_step_text(s['observed_step'], relative)}."))
    forward_small = (f or {}).get("small_steps_worst")
    for s in summary:
        declared = _declared(s["method"]) if stencils[s["series"]] is None else None
        model = declared.error_model({}) if declared else None
        if model is not None and model.roundoff_weight is None and \
                s["small_steps_worst"] is not None:
            versus = (f" (the {f['series']} scheme reached {fmt_error(forward_small)} there)"
                      if forward_small else "")
            out.append(finding(
                f"{s['series']}: the error stayed at or below "
                f"{fmt_error(s['small_steps_worst'])} for every step up to "
                f"{_step_text(SMALL_STEPS, relative)}, down to the smallest tried{versus}: its "
                f"error model has no round-off term ({model.description}), since it subtracts "
                f"no nearly equal values, so nothing cancels as h shrinks.",
                s["small_steps_worst"] <= 1e3 * EPS * max(1.0, abs(summary[0].get("x") or 1))))
        elif declared is not None and model is None and s["observed_level"] is not None:
            best_scheme = max((t for t in summary if stencils[t["series"]] is not None and
                               t["observed_level"]), default=None,
                              key=lambda t: stencils[t["series"]].order)
            better = best_scheme and s["observed_level"] < best_scheme["observed_level"]
            own = s["estimated_error"]
            estimate = (f"; its own error estimate there was {fmt_error(own)} against a measured "
                        f"{fmt_error(s['observed_error'])}" if own is not None else "")
            out.append(finding(
                f"{s['series']} declares no error model (so no best step is predicted for it): "
                f"it reached {fmt_error(s['observed_level'])} from a first step around "
                f"{_step_text(s['observed_step'], relative)}{estimate}"
                + (f", below the best of the order-{stencils[best_scheme['series']].order} "
                   f"{best_scheme['series']} scheme ({fmt_error(best_scheme['observed_level'])})"
                   if better else "") + "."))
        if s["failed_from"] is not None:
            out.append(finding(
                f"{s['series']} gave no estimate at {_step_text(s['failed_from'], relative)} "
                f"and other steps" + (f" ({s['failure']})" if s["failure"] else "") + "."))
    if summary[0]["vanished_up_to"] is not None:
        out.append(finding(
            f"At {_step_text(summary[0]['vanished_up_to'], relative)} and below, x + h rounds "
            f"to x: the step vanishes and there is no estimate."))
    undefined = [s["undefined_from"] for s in summary if s["undefined_from"] is not None]
    if undefined:
        out.append(finding(
            f"From {_step_text(min(undefined), relative)} on, f(x ± h) leaves f's domain "
            f"(nan) for some schemes: those points are missing from the curves."))
    return out


def accuracy_findings(rows) -> list[dict]:
    """From :func:`compare_catalogue` rows."""
    out = []
    scored = [r for r in rows if r["rel_error"] is not None and r["reference"]["kind"] == MPMATH]
    # a hand-derived gradient is exact only if the person made no slip: not evidence here
    exact = [r for r in scored if r["exact"] and not _hand_derived(r["method"])]
    if exact:
        worst = max(exact, key=lambda r: r["rel_error"])
        names = ", ".join(dict.fromkeys(r["method"] for r in exact))
        out.append(finding(
            f"The exact methods ({names}) agree with the 50-digit reference on every function "
            f"that has one: the largest relative error is {fmt_error(worst['rel_error'])} "
            f"({worst['rel_error'] / EPS:.1f} machine epsilons, {worst['method']} on "
            f"{worst['function']}).", worst["rel_error"] <= MACHINE_PRECISION))
    approx = [r for r in scored if not r["exact"]]
    for method in dict.fromkeys(r["method"] for r in approx):
        mine = [r for r in approx if r["method"] == method]
        lo = min(mine, key=lambda r: r["rel_error"])
        hi = max(mine, key=lambda r: r["rel_error"])
        if exact and lo["rel_error"] > 0:
            gap = math.log10(lo["rel_error"] / max(worst["rel_error"], EPS))
            tail = (f"even its best is {gap:.1f} orders of magnitude above the exact methods' "
                    "worst" if gap >= 0.5 else "at its best it is as accurate as the exact "
                    "methods")
            out.append(finding(
                f"{method} (an approximation) has relative errors from "
                f"{fmt_error(lo['rel_error'])} ({lo['function']}) to "
                f"{fmt_error(hi['rel_error'])} ({hi['function']}): {tail}."))
        else:
            out.append(finding(f"{method}: relative errors from {fmt_error(lo['rel_error'])} "
                               f"to {fmt_error(hi['rel_error'])}."))
    missing = dict.fromkeys((r["function"], r["reference"]["reason"]) for r in rows
                            if r["reference"]["kind"] == UNAVAILABLE)
    for function, why in missing:
        out.append(finding(f"{function} has no 50-digit reference ({why}); "
                           f"its errors are not scored, not guessed."))
    stood_in = dict.fromkeys((r["function"], r["reference"]["method"], r["reference"]["digits"],
                              r["reference"]["reason"]) for r in rows
                             if r["reference"]["kind"] == AGREEMENT)
    for function, pair, agreed, why in stood_in:
        out.append(finding(f"{function}: no 50-digit reference ({why}); {pair} agree to "
                           f"{agreed:g} digits, and the errors are scored against their mean "
                           f"(trusted to those digits only)."))
    for r in rows:
        if r["status"] != "ok":
            out.append(finding(f"{r['method']} does not apply to {r['function']}: {r['note']}."))
    return out


def _variant(rows, label):
    return [r for r in rows if r["variant"] == label and r["status"] == "ok"]


def _counted(rows, mine) -> dict | None:
    """The finding that a variant's counted calls of f and passes follow the rule its method
    declares (None if it declares none)."""
    declared = _declared(mine[0]["method"])
    counts = declared.counts if declared else None
    if counts is None or (counts.f_calls is None and counts.passes is None):
        return None
    label, at = mine[0]["variant"], ", ".join(str(r["n"]) for r in mine)
    measured = []
    if counts.f_calls is not None:
        measured.append(f"{', '.join(str(r['f_calls']) for r in mine)} calls of f")
    if counts.passes is not None:
        measured.append(f"{', '.join(str(r['passes']) for r in mine)} passes")
    rules = "; ".join(dict.fromkeys(counts.rule(r["settings"]) for r in mine))
    return finding(f"{label}: {' and '.join(measured)} at n = {at}: {rules}.",
                   all(counts.check(r, r["settings"]) for r in mine))


def scaling_findings(rows) -> list[dict]:
    """Deterministic statements (counts) from :func:`scaling` rows of one function: each
    variant's counts against the rule its method declares, and the growth of the symbolic
    expressions where a method reports their size."""
    out = []
    labels = list(dict.fromkeys(r["variant"] for r in rows))
    for label in labels:
        mine = _variant(rows, label)
        if not mine:
            continue
        counted = _counted(rows, mine)
        if counted is not None:
            out.append(counted)
        first, last = mine[0], mine[-1]
        if last["ops_cse"] is not None and last["ops_derived"]:
            share = last["ops_cse"] / last["ops_derived"]
            growth = ""
            if last["n"] > first["n"]:
                power = (math.log(last["ops_derived"] / first["ops_derived"])
                         / math.log(last["n"] / first["n"]))
                growth = f" (growing like n^{power:.2f})"
            swell = ("the derived expressions repeat subexpressions (expression swell), and "
                     "common-subexpression elimination" if share < 0.9 else
                     "they repeat almost nothing, so common-subexpression elimination")
            out.append(finding(
                f"{label}: f and its gradient take {first['ops_derived']} operations at "
                f"n = {first['n']} and {last['ops_derived']} at n = {last['n']}{growth}; "
                f"{swell} leaves {last['ops_cse']} ({share:.0%})."))
        skipped = [r["n"] for r in rows if r["variant"] == label and r["status"] == "skipped"]
        if skipped:
            out.append(finding(f"{label} was skipped at n = {', '.join(map(str, skipped))}: its "
                               f"predicted time exceeded the budget (see the timings)."))
    return out


def _accumulating(rows, direction, field: str = "variant"):
    """The labels of the rows of default (option-free) variants of methods that accumulate
    derivatives in ``direction`` (an :class:`~diffmethods.declarations.Accumulation`)."""
    labels = []
    for r in rows:
        declared = _declared(r["method"])
        if declared is not None and declared.accumulation is direction and \
                not r.get("options"):
            labels.append(r[field])
    return list(dict.fromkeys(labels))


def timing_findings(rows) -> list[dict]:
    """Statements about measured times from :func:`scaling` rows: they vary between runs, so
    they describe what was measured and check nothing (``holds`` is ``None``)."""
    out = []
    for label in _accumulating(rows, Accumulation.REVERSE):
        rev = _variant(rows, label)
        ratios = [r["ratio_to_f"] for r in rev if r["ratio_to_f"]]
        if not ratios:
            continue
        spread = max(ratios) / min(ratios)
        out.append(finding(
            f"{label}: a gradient took {min(ratios):.0f} to {max(ratios):.0f} times one "
            f"evaluation of f across n = {rev[0]['n']} to {rev[-1]['n']} (a factor of "
            f"{spread:.1f} between the extremes while n grew {rev[-1]['n'] / rev[0]['n']:.0f}-"
            f"fold)."))
    for label in dict.fromkeys(r["variant"] for r in rows):
        mine = _variant(rows, label)
        if len(mine) >= 2 and mine[0]["seconds"] and mine[-1]["seconds"]:
            slope = (math.log(mine[-1]["seconds"] / mine[0]["seconds"])
                     / math.log(mine[-1]["n"] / mine[0]["n"]))
            text = (f"{label}: {fmt_seconds(mine[0]['seconds'])} at n = {mine[0]['n']}, "
                    f"{fmt_seconds(mine[-1]['seconds'])} at n = {mine[-1]['n']} (time grows "
                    f"like n^{slope:.2f})")
            setup = mine[-1]["setup_seconds"]
            if setup:
                text += f"; one-off derivation and compilation {fmt_seconds(setup)}"
            out.append(finding(text + "."))
        for r in rows:
            if r["variant"] == label and r["predicted_seconds"] is not None:
                out.append(finding(f"{label} at n = {r['n']}: predicted "
                                   f"{r['predicted_seconds']:.2g} s, over the budget, so it "
                                   f"was skipped."))
    return out


def headline_findings(data) -> list[dict]:
    """The few statements the report leads with, each gathered over all the studies of
    :func:`diffmethods.report.collect` data."""
    out = []
    if data["sweeps"]:
        first = data["sweeps"][0]
        summary = first["summary"]
        where = (f"On {first['function']} (f = {first['formula']}, ∂f/∂{summary[0]['variable']} "
                 f"at {summary[0]['variable']} = {first['rows'][0]['x']:g}): ")
        out += [dict(f, text=where + f["text"][0].lower() + f["text"][1:])
                for f in sweep_findings(summary)[:1]]
        ratios = [s for s in summary if s["ratio"] is not None]
        if ratios:
            ok = all(1 / BEST_STEP_FACTOR <= s["ratio"] <= BEST_STEP_FACTOR for s in ratios)
            out.append(finding(
                f"On {first['function']}, the observed best steps are within a factor of "
                f"{BEST_STEP_FACTOR:g} of the predicted ones: observed / predicted = "
                + ", ".join(f"{s['ratio']:.2f} ({s['series']})" for s in ratios) + ".", ok))
    rows = [r for study in data["scaling"] for r in study["rows"] if r["status"] == "ok"]
    for method in dict.fromkeys(r["method"] for r in rows):
        declared = _declared(method)
        counts = declared.counts if declared else None
        mine = [r for r in rows if r["method"] == method]
        if counts is None or (counts.f_calls is None and counts.passes is None):
            continue
        rules = "; ".join(dict.fromkeys(
            f"{r['variant']}: {counts.rule(r['settings'])}" for r in mine))
        out.append(finding(
            f"{method} made the calls of f and passes its declaration states ({rules}) in all "
            f"{len(mine)} measurements, up to n = {max(r['n'] for r in mine)}.",
            all(counts.check(r, r["settings"]) for r in mine)))
    out += accuracy_findings(data["catalogue"])[:1]
    return out


def hessian_findings(rows) -> list[dict]:
    """From :func:`~diffmethods.harness.operators.compare_hessian` rows of several functions."""
    out = []
    scored = [r for r in rows if r["rel_error"] is not None]
    for method in dict.fromkeys(r["method"] for r in scored):
        mine = [r for r in scored if r["method"] == method]
        worst = max(mine, key=lambda r: r["rel_error"])
        exact = mine[0]["exact"]
        out.append(finding(
            f"{method}: Hessians within {fmt_error(worst['rel_error'])} of the 50-digit "
            f"reference on all {len(mine)} functions (worst on {worst['function']})",
            worst["rel_error"] <= (1e-10 if exact else 1e-5)))
    rev = [r for r in rows if r["status"] == "ok"
           and r["method"] in _accumulating(rows, Accumulation.REVERSE, "method")]
    if rev:
        out.append(finding(
            "Forward over reverse made one forward and one backward pass per block of "
            "Hessian columns: "
            + ", ".join(f"{r['function']} {r['passes']}" for r in rev) + " passes.",
            all(r["passes"] % 2 == 0 for r in rev)))
    return out


def jacobian_findings(rows) -> list[dict]:
    """From :func:`~diffmethods.harness.operators.jacobian_scaling` rows."""
    out = []
    for shape in dict.fromkeys(r["shape"] for r in rows):
        mine = [r for r in rows if r["shape"] == shape]
        # one direction per pass (a declared variant) against one sweep per output
        fwd = next((r for r in mine if r.get("options") and _accumulates(r, Accumulation.FORWARD)),
                   None)
        rev = next((r for r in mine if not r.get("options")
                    and _accumulates(r, Accumulation.REVERSE)), None)
        if not (fwd and rev):
            continue
        m, n = fwd["outputs"], fwd["inputs"]
        winner = (fwd if fwd["passes"] < rev["passes"] else
                  rev if rev["passes"] < fwd["passes"] else None)
        expected = {"tall": fwd, "wide": rev}.get(shape)
        out.append(finding(
            f"{shape} Jacobian ({m} outputs x {n} inputs): {fwd['variant']} (one direction per "
            f"pass) made {fwd['passes']} passes (one per input), {rev['variant']} "
            f"{rev['passes']} (one forward pass and one backward sweep per output): "
            + (f"{winner['variant']} needs fewer." if winner else "neither needs fewer."),
            None if expected is None else winner is expected))
    return out


def _accumulates(row, direction) -> bool:
    declared = _declared(row["method"])
    return declared is not None and declared.accumulation is direction
