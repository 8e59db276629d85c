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


def sweep_findings(summary) -> list[dict]:
    """From :func:`sweep_summary` rows of one sweep."""
    by = {s["scheme"]: s for s in summary}
    relative, variable = summary[0]["relative"], summary[0]["variable"]
    out = []

    def _step_text(step, rel):
        return step_text(step, rel, variable)
    c, f = by.get("central"), by.get("forward")
    if c and f and c["observed_level"] and f["observed_level"]:
        orders = math.log10(f["observed_level"] / c["observed_level"])
        out.append(finding(
            f"Central differences reached errors of at most {fmt_error(c['observed_level'])} "
            f"around their best step {_step_text(c['observed_step'], relative)}; forward "
            f"differences at most {fmt_error(f['observed_level'])} around "
            f"{_step_text(f['observed_step'], relative)}: central is {orders:.1f} orders of "
            f"magnitude more accurate (single lowest errors: {fmt_error(c['lowest_error'])} "
            f"and {fmt_error(f['lowest_error'])}).", orders >= 2))
    for s in summary:
        if s["ratio"] is not None:
            ok = 1 / BEST_STEP_FACTOR <= s["ratio"] <= BEST_STEP_FACTOR
            out.append(finding(
                f"{s['scheme']}: observed best step {_step_text(s['observed_step'], relative)}, "
                f"predicted {_step_text(s['predicted_step'], relative)} (ratio "
                f"{s['ratio']:.2f}, {'within' if ok else 'outside'} a factor of "
                f"{BEST_STEP_FACTOR:g}).", ok))
        elif s["predicted_step"] is None and s["truncation_power"] is None:
            out.append(finding(
                f"{s['scheme']}: no truncation error at all (the Taylor terms it would cut are "
                f"zero for this function), so the model predicts no optimal step: the error is "
                f"round-off only and falls as h grows; the observed best is at the large end, "
                f"{_step_text(s['observed_step'], relative)}."))
    cs, forward_small = by.get("complex-step"), (f or {}).get("small_steps_worst")
    if cs and cs["small_steps_worst"] is not None:
        versus = (f" (forward differences reached {fmt_error(forward_small)} there)"
                  if forward_small else "")
        out.append(finding(
            f"The complex step's error stayed at or below {fmt_error(cs['small_steps_worst'])} "
            f"for every step up to {_step_text(1e-8, relative)}, down to the smallest tried"
            f"{versus}: Im f(x + ih)/h subtracts nothing, so nothing cancels as h shrinks.",
            cs["small_steps_worst"] <= 1e3 * EPS * max(1.0, abs(summary[0].get("x") or 1))))
    ri, c4 = by.get("richardson"), by.get("central4")
    if ri and ri["observed_level"] is not None:
        better = c4 and c4["observed_level"] and ri["observed_level"] < c4["observed_level"]
        out.append(finding(
            f"Richardson extrapolation (Ridders) reached {fmt_error(ri['observed_level'])} "
            f"from a first step around {_step_text(ri['observed_step'], relative)}"
            + (f", below the best of the 4th-order central scheme "
               f"({fmt_error(c4['observed_level'])})" if better else "")
            + "; with a first step that is too small it starts inside the round-off and "
              "cannot recover."))
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
    scored = [r for r in rows if r["rel_error"] is not None]
    exact = [r for r in scored if r["exact"] and r["method"] != "manual"]
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
    missing = dict.fromkeys((r["function"], r["reference"]) for r in rows
                            if r["reference"].startswith("unavailable"))
    for function, why in missing:
        out.append(finding(f"{function} has no 50-digit reference ({why.split(': ', 1)[1]}); "
                           f"its errors are not scored, not guessed."))
    for r in rows:
        if r["status"] != "ok":
            out.append(finding(f"{r['method']} does not apply to {r['function']}: {r['note']}."))
    return out


def _variant(rows, label):
    return [r for r in rows if r["variant"] == label and r["status"] == "ok"]


def scaling_findings(rows) -> list[dict]:
    """Deterministic statements (counts) from :func:`scaling` rows of one function."""
    out = []
    labels = list(dict.fromkeys(r["variant"] for r in rows))
    for label in labels:
        mine = _variant(rows, label)
        if not mine:
            continue
        method = mine[0]["method"]
        calls = ", ".join(str(r["f_calls"]) for r in mine)
        at = ", ".join(str(r["n"]) for r in mine)
        if method == "finite":
            one_sided = "scheme=forward" in label or "scheme=backward" in label
            expect = [(r["n"] + 1) if one_sided else (2 * r["n"] + 1) for r in mine]
            rule = ("n + 1 (n for the derivative, 1 for the value)" if one_sided else
                    "2n + 1 (2n for the derivative, 1 for the value)")
            out.append(finding(f"{label}: {calls} calls of f at n = {at}, i.e. {rule}.",
                               [r["f_calls"] for r in mine] == expect))
        elif method == "forward":
            expect = [math.ceil(r["n"] / r["chunk"]) for r in mine]
            chunks = ", ".join(str(r["chunk"]) for r in mine)
            out.append(finding(f"{label}: {', '.join(str(r['passes']) for r in mine)} passes at "
                               f"n = {at} with {chunks} directions per pass (ceil(n / chunk)).",
                               [r["passes"] for r in mine] == expect))
        elif method == "reverse":
            ok = all(r["passes"] == 2 and r["f_calls"] == 1 for r in mine)
            out.append(finding(f"reverse: one forward and one backward pass (passes = "
                               f"{', '.join(str(r['passes']) for r in mine)}) and one call of f "
                               f"at every n = {at}.", ok))
        elif method == "symbolic":
            first, last = mine[0], mine[-1]
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
                f"symbolic: f and its gradient take {first['ops_derived']} operations at "
                f"n = {first['n']} and {last['ops_derived']} at n = {last['n']}{growth}; "
                f"{swell} leaves {last['ops_cse']} ({share:.0%})."))
        skipped = [r["n"] for r in rows if r["variant"] == label and r["status"] == "skipped"]
        if skipped:
            out.append(finding(f"{label} was skipped at n = {', '.join(map(str, skipped))}: its "
                               f"predicted time exceeded the budget (see the timings)."))
    return out


def timing_findings(rows) -> list[dict]:
    """Statements about measured times from :func:`scaling` rows: they vary between runs, so
    they describe what was measured and check nothing (``holds`` is ``None``)."""
    out = []
    rev = _variant(rows, "reverse")
    if rev:
        ratios = [r["ratio_to_f"] for r in rev]
        spread = max(ratios) / min(ratios)
        out.append(finding(
            f"reverse: a gradient took {min(ratios):.0f} to {max(ratios):.0f} times one "
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
                + ", ".join(f"{s['ratio']:.2f} ({s['scheme']})" for s in ratios) + ".", ok))
    rows = [r for study in data["scaling"] for r in study["rows"] if r["status"] == "ok"]
    finite = [r for r in rows if r["method"] == "finite"]
    if finite:
        def expected(r):
            one_sided = "scheme=forward" in r["variant"] or "scheme=backward" in r["variant"]
            return r["n"] + 1 if one_sided else 2 * r["n"] + 1
        ok = all(r["f_calls"] == expected(r) for r in finite)
        out.append(finding(
            f"Finite differences called f n + 1 times (one-sided) and 2n + 1 times (central) in "
            f"all {len(finite)} measurements, up to n = {max(r['n'] for r in finite)}.", ok))
    forward1 = [r for r in rows if r["method"] == "forward" and r["chunk"] == 1]
    if forward1:
        out.append(finding(
            f"Forward mode with one direction per pass made n passes at every n (up to n = "
            f"{max(r['n'] for r in forward1)}); its default chunk groups directions and makes "
            f"ceil(n / chunk) passes.", all(r["passes"] == r["n"] for r in forward1)))
    reverse = [r for r in rows if r["method"] == "reverse"]
    if reverse:
        out.append(finding(
            f"Reverse mode made one forward and one backward pass, with one call of f, at every "
            f"n (up to n = {max(r['n'] for r in reverse)}, {len(reverse)} measurements).",
            all(r["passes"] == 2 and r["f_calls"] == 1 for r in reverse)))
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
    rev = [r for r in rows if r["method"] == "reverse" and r["status"] == "ok"]
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
        mine = {r["variant"]: r for r in rows if r["shape"] == shape}
        fwd, rev = mine.get("forward chunk=1"), mine.get("reverse")
        if not (fwd and rev):
            continue
        m, n = fwd["outputs"], fwd["inputs"]
        winner = ("forward" if fwd["passes"] < rev["passes"] else
                  "reverse" if rev["passes"] < fwd["passes"] else "neither")
        expected = {"tall": "forward", "wide": "reverse"}.get(shape)
        out.append(finding(
            f"{shape} Jacobian ({m} outputs x {n} inputs): forward mode with one direction per "
            f"pass made {fwd['passes']} passes (one per input), reverse mode "
            f"{rev['passes']} (one forward pass and one backward sweep per output): "
            f"{winner} mode needs fewer.", None if expected is None else winner == expected))
    return out
