"""The report: every study run, written as a Markdown document with figures and JSON data.

:func:`collect` runs the studies of a :class:`ReportConfig` -- compare over the whole
catalogue, the epsilon sweeps, the scaling study -- and returns their rows; :func:`markdown`
turns them into ``README.md`` (tables, relative links to the figures, and readings computed from
the data by :mod:`diffmethods.harness.findings`); :func:`write_report` writes the document, the
PNG figures and ``results.json`` into a directory, all or nothing (see :mod:`diffmethods.files`).

Everything but the timings is deterministic (fixed points, fixed grids, no random numbers), and
the timings live in their own columns and section, so regenerating the report changes nothing
else.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field

import mpmath
import numpy as np
import sympy

from . import __version__, registry
from .catalogue import SCENARIOS
from .files import Signature, StagedDirectory, check_output_directory
from .harness.compare import compare_catalogue
from .harness.reference import reference_text
from .harness.findings import (accuracy_findings, headline_findings, hessian_findings,
                               jacobian_findings, scaling_findings, sweep_findings,
                               timing_findings)
from .harness.operators import compare_hessian, jacobian_scaling
from .harness.scaling import default_variants, scaling
from .harness.sweep import default_steps, epsilon_sweep, step_methods, sweep_summary
from .harness.tables import (fmt_count, fmt_error, fmt_ratio, fmt_seconds, fmt_step,
                             markdown_table, to_json)
from .methods.finite import schemes


@dataclass(frozen=True)
class ReportConfig:
    """What the report runs. ``quick()`` is a smaller version for tests and previews."""

    sweeps: tuple = (("sweep", 0, False), ("seed", 0, True))  # (catalogue name, i, relative)
    sweep_points: int = 161
    scaling_functions: tuple = ("rosenbrock", "rosenbrock_loop", "styblinski_tang")
    dims: tuple = (2, 10, 100, 1000)
    budget: float = 5.0      # seconds a method may be predicted to take at one n
    compare_repeat: int = 5
    scaling_repeat: int = 3
    hessians: tuple = ("seed", "rosenbrock", "logsumexp", "sweep", "kinks")
    jacobian_shapes: tuple = ((200, 2), (50, 50), (2, 200))  # (outputs, inputs)
    catalogue: tuple = field(default_factory=lambda: tuple(SCENARIOS))
    noisy: str | None = "noisy_exp"   # the noisy function's study (section 6); None: none

    @classmethod
    def quick(cls) -> "ReportConfig":
        return cls(sweep_points=41, scaling_functions=("rosenbrock", "sum_sin"),
                   dims=(2, 10, 40), compare_repeat=1, scaling_repeat=1,
                   hessians=("seed", "rosenbrock"), jacobian_shapes=((20, 2), (2, 20)))

    def steps(self) -> int:
        """Progress steps: catalogue entries, sweep schemes, scaling cells."""
        return (len(self.catalogue) + len(self.sweeps) * (len(schemes()) + len(step_methods()))
                + len(self.scaling_functions) * len(self.dims) * len(default_variants()))


def collect(config: ReportConfig = ReportConfig(), progress=None) -> dict:
    """Run every study; returns ``{"config", "environment", "catalogue", "sweeps",
    "scaling"}`` with the rows of each."""
    tick = progress or (lambda label: None)
    # Start from empty caches (the symbolic derivations, the compiled programs), so each
    # method's first call -- tracing, one call of f, its one-off setup -- is measured the same
    # way in every run.
    for name in registry.methods():
        forget = getattr(registry.get_method(name), "clear_cache", None)
        if forget is not None:
            forget()
    catalogue = compare_catalogue([SCENARIOS[n] for n in config.catalogue],
                                  repeat=config.compare_repeat, progress=tick)
    sweeps = []
    for name, i, relative in config.sweeps:
        s = SCENARIOS[name]
        rows = epsilon_sweep(s.f, s.point, coordinate=i, relative=relative, name=name,
                             steps=default_steps(config.sweep_points), progress=tick)
        sweeps.append({"function": name, "formula": s.formula, "relative": relative,
                       "rows": rows, "summary": sweep_summary(rows)})
    studies = []
    for name in config.scaling_functions:
        rows = scaling(name, config.dims, repeat=config.scaling_repeat, budget=config.budget,
                       progress=tick)
        studies.append({"function": name, "formula": SCENARIOS[name].formula, "rows": rows})
    hessians = []
    for name in config.hessians:
        hessians.extend(compare_hessian(SCENARIOS[name].f, SCENARIOS[name].point, name=name))
    jacobians = jacobian_scaling(config.jacobian_shapes)
    environment = {"diffmethods": __version__, "python": platform.python_version(),
                   "numpy": np.__version__, "sympy": sympy.__version__,
                   "mpmath": mpmath.__version__}
    return {"config": asdict(config), "environment": environment, "catalogue": catalogue,
            "sweeps": sweeps, "scaling": studies, "hessians": hessians,
            "jacobians": jacobians, **noisy_study(config)}


# --- the document ----------------------------------------------------------------------------
def figure_names(data) -> dict:
    """File name of every figure, by role."""
    names = {"accuracy": "accuracy.png"}
    for s in data["sweeps"]:
        names[f"sweep:{s['function']}"] = f"epsilon_{s['function']}.png"
    for s in data["scaling"]:
        names[f"scaling:{s['function']}"] = f"scaling_{s['function']}.png"
    if data.get("noisy"):
        names["noisy"] = f"epsilon_{data['noisy']['function']}.png"
    return names


def _bullets(findings) -> list[str]:
    mark = {True: "✓ ", False: "✗ (not as expected) ", None: ""}
    return [f"- {mark[f['holds']]}{f['text']}" for f in findings]


def cell(text) -> str:
    """Text for a Markdown table cell: a literal | would end the cell."""
    return str(text).replace("|", "\\|")


def _pivot(rows, value, methods) -> list[str]:
    """function x method table of ``value(row)``."""
    lines = ["| function | " + " | ".join(methods) + " |",
             "|---|" + "---:|" * len(methods)]
    for function in dict.fromkeys(r["function"] for r in rows):
        cells = []
        for m in methods:
            row = next((r for r in rows if r["function"] == function and r["method"] == m), None)
            cells.append("-" if row is None else cell(value(row)))
        lines.append(f"| {function} | " + " | ".join(cells) + " |")
    return lines


def _error_cell(r) -> str:
    if r["status"] != "ok":
        return "n/a"
    return "not scored" if r["rel_error"] is None else fmt_error(r["rel_error"])


def _cost_cell(r) -> str:
    if r["status"] != "ok":
        return "n/a"
    return f"{r['f_calls']} / {r['passes']} / {fmt_count(r['ops'])}"


def _accuracy_section(data, figures) -> list[str]:
    rows = data["catalogue"]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    lines = ["## 1. Accuracy and cost across the catalogue", "",
             f"Every method on each of the {len(dict.fromkeys(r['function'] for r in rows))} "
             "catalogue functions at its catalogue point. The error is the largest deviation "
             "from a reference computed with mpmath at 50 significant digits (the symbolic "
             "derivative, evaluated node by node and checked against a 90-digit evaluation), "
             "relative to the largest reference component.", "",
             "![Relative error of every method on every catalogue function]"
             f"({figures['accuracy']})",
             "", "**Reading the figure.**", "", *_bullets(accuracy_findings(rows)), "",
             "### Relative error against the 50-digit reference", "",
             *_pivot(rows, _error_cell, methods), "",
             "n/a: the method does not apply (see above); not scored: no reference exists.", "",
             "### Cost of one gradient: calls of f / passes / elementary operations", "",
             *_pivot(rows, _cost_cell, methods), "",
             "Counted while each method ran. Finite differences see f as a black box, so they "
             "count no operations (-). The symbolic count is the compiled code's operations "
             "after common-subexpression elimination; its one f call is the tracing run.", "",
             "### The functions", "", "| function | formula | point | reference |",
             "|---|---|---|---|"]
    for function in dict.fromkeys(r["function"] for r in rows):
        r = next(r for r in rows if r["function"] == function)
        point = ", ".join(f"{v:g}" for v in r["point"])
        formula = SCENARIOS[function].formula if function in SCENARIOS else ""
        reference = cell(reference_text(r["reference"]))
        lines.append(f"| {function} | {cell(formula)} | ({point}) | {reference} |")
    return lines + [""]


SWEEP_COLUMNS = [
    ("curve", "series", str), ("order", "order", str),
    ("predicted best step", "predicted_step", fmt_step),
    ("observed best step", "observed_step", fmt_step),
    ("observed / predicted", "ratio", fmt_ratio),
    ("error at observed best", "observed_error", fmt_error),
    ("worst error within ±½ decade", "observed_level", fmt_error),
    ("lowest single error", "lowest_error", fmt_error),
    ("default h", "default_h", fmt_step), ("error at default h", "default_error", fmt_error),
]


def _sweep_section(data, figures) -> list[str]:
    lines = ["## 2. Error against the step", "",
             "Each finite-difference scheme -- and each other method that takes a step: the "
             "complex step, and Richardson extrapolation from a first step h -- estimates one "
             "partial derivative with steps on a log-spaced grid "
             f"({data['config']['sweep_points']} steps from 1e-16 to 1). Solid: the measured "
             "error against the 50-digit reference. Dashed: the model truncation + round-off, "
             "|c f^(m)| h^(m-1) + (eps/2) sum|w| |f| / h. Triangles: the step that minimises "
             "the model; stars: the observed best step, where the worst error among a step and "
             "its two neighbours either side is smallest (so one lucky cancellation of "
             "round-off does not count).", ""]
    for k, s in enumerate(data["sweeps"], start=1):
        first = s["rows"][0]
        unit = (f"steps are fractions r of |{first['variable']}| (h = r·|{first['variable']}|);"
                " the figure shows them in percent") if s["relative"] else "steps are absolute"
        lines += [f"### 2.{k} {s['function']}: f = {s['formula']}", "",
                  f"∂f/∂{first['variable']} at {first['variable']} = {first['x']:g}, "
                  f"exact value {first['derivative']:.17g}; {unit}.", "",
                  f"![Error against step for {s['function']}]"
                  f"({figures['sweep:' + s['function']]})", "",
                  "**Reading the figure.**", "", *_bullets(sweep_findings(s["summary"])), "",
                  markdown_table(s["summary"], SWEEP_COLUMNS)]
    return lines


def _count_cell(r) -> str:
    """Calls of f / passes / the work the passes carried (forward mode's passes may each carry
    a block of directions, so passes alone would flatter it)."""
    if r["status"] != "ok":
        return r["status"]
    work = "-" if r.get("work") is None else f"{r['work']:,}"
    return f"{r['f_calls']} / {r['passes']} / {work}"


def _scaling_section(data, figures) -> list[str]:
    lines = ["## 3. Cost against the dimension n", "",
             "Each method on functions defined for any n. Left to right and top to bottom: calls "
             "of f, passes over the computation, the work the passes carried (tangent entries "
             "for forward mode, records + adjoint updates for reverse mode), wall time per "
             "gradient (the black line is one "
             "evaluation of f; dotted: the symbolic method's one-off derivation and "
             "compilation), and the symbolic expression size. Forward mode runs twice: with "
             "its default chunk (many directions per pass, so few passes) and with chunk=1 "
             "(one direction per pass, n passes: the textbook form); both carry the same n "
             "tangent entries per operation of f, which is why few passes do not make it "
             "cheap. A method predicted to take "
             f"more than {data['config']['budget']:g} s at some n is skipped there and beyond.",
             ""]
    for k, study in enumerate(data["scaling"], start=1):
        rows = study["rows"]
        variants = list(dict.fromkeys(r["variant"] for r in rows))
        lines += [f"### 3.{k} {study['function']}: f = {study['formula']}", "",
                  f"![Cost against n for {study['function']}]"
                  f"({figures['scaling:' + study['function']]})", "",
                  "**Reading the figure** (counts; times are in section 5).", "",
                  *_bullets(scaling_findings(rows)), "",
                  "Calls of f / passes / work carried per gradient (work: tangent entries "
                  "for forward mode and the complex step, records + adjoint updates for "
                  "reverse mode, operations evaluated for the rest; - where f is a black "
                  "box):", "",
                  "| n | " + " | ".join(variants) + " |", "|---:|" + "---:|" * len(variants)]
        for n in sorted({r["n"] for r in rows}):
            cells = [_count_cell(next(r for r in rows if r["n"] == n and r["variant"] == v))
                     for v in variants]
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _operators_section(data) -> list[str]:
    hessians, jacobians = data["hessians"], data["jacobians"]
    methods = list(dict.fromkeys(r["method"] for r in hessians))
    lines = ["## 4. Hessians and Jacobians", "",
             "Every method that provides a Hessian, scored against the symbolic Hessian evaluated "
             "with mpmath at 50 digits (relative to its largest entry), with its counted calls "
             "of f and passes. Reverse mode computes it forward over reverse: f is recorded on "
             "dual numbers, so one backward sweep carries a block of Hessian columns; finite "
             "differences use second differences with a step of eps^(1/4)·max(1, |x|).", "",
             *_bullets(hessian_findings(hessians)), "",
             "| function | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
    for function in dict.fromkeys(r["function"] for r in hessians):
        cells = []
        for m in methods:
            r = next(r for r in hessians if r["function"] == function and r["method"] == m)
            cells.append(r["status"] if r["status"] != "ok" else
                         f"{fmt_error(r['rel_error'])} ({r['f_calls']} / {r['passes']})")
        lines.append(f"| {function} | " + " | ".join(cells) + " |")
    lines += ["", "Cells: relative error (calls of f / passes); n/a where a method does not "
              "apply (no hand-derived Hessian).", "",
              "### Jacobians: forward mode for tall, reverse mode for wide", "",
              "F(x) = tanh(A x) with a fixed random matrix A of each shape (outputs x inputs). "
              "Forward mode pays per input direction, reverse mode per output.", "",
              *_bullets(jacobian_findings(jacobians)), ""]
    variants = list(dict.fromkeys(r["variant"] for r in jacobians))
    lines += ["| shape | outputs x inputs | " + " | ".join(variants) + " |",
              "|---|---|" + "---:|" * len(variants)]
    for shape in dict.fromkeys(r["shape"] for r in jacobians):
        here = {r["variant"]: r for r in jacobians if r["shape"] == shape}
        first = next(iter(here.values()))
        lines.append(f"| {shape} | {first['outputs']} x {first['inputs']} | "
                     + " | ".join(f"{here[v]['f_calls']} / {here[v]['passes']}"
                                  for v in variants) + " |")
    lines += ["", "Cells: calls of f / passes. Forward mode's default blocks of directions "
              "do all columns in one pass here; chunk=1 is the textbook one direction per "
              "pass.", ""]
    return lines


def _timing_section(data) -> list[str]:
    rows = data["catalogue"]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    lines = ["## 5. Timings (these vary from run to run)", "",
             "Median wall time of repeated runs on the machine that generated this report; the "
             "symbolic method's times are for its compiled code, after the one-off derivation "
             "(listed separately).", "",
             "### One gradient on each catalogue function", "",
             *_pivot(rows, lambda r: "n/a" if r["status"] != "ok" else fmt_seconds(r["seconds"]),
                     methods), ""]
    for study in data["scaling"]:
        srows = study["rows"]
        variants = list(dict.fromkeys(r["variant"] for r in srows))
        lines += [f"### Scaling: {study['function']} (time per gradient, and in evaluations of f)",
                  "", *_bullets(timing_findings(srows)), "",
                  "| n | one f | " + " | ".join(variants) + " |",
                  "|---:|---:|" + "---:|" * len(variants)]
        for n in sorted({r["n"] for r in srows}):
            here = [next(r for r in srows if r["n"] == n and r["variant"] == v) for v in variants]
            cells = [r["status"] if r["status"] != "ok" else
                     f"{fmt_seconds(r['seconds'])} ({fmt_ratio(r['ratio_to_f'])}×)" for r in here]
            lines.append(f"| {n} | {fmt_seconds(here[0]['f_seconds'])} | " + " | ".join(cells)
                         + " |")
        lines.append("")
    return lines


def markdown(data) -> str:
    """The whole report as Markdown, from the data of :func:`collect`."""
    figures = figure_names(data)
    env = data["environment"]
    methods = [(m, registry.get_method(m)) for m in dict.fromkeys(
        r["method"] for r in data["catalogue"])]
    lines = [f"# diffmethods report: {len(methods)} ways to compute a gradient, measured", "",
             "Generated by `diffmethods report` with diffmethods "
             f"{env['diffmethods']} (Python {env['python']}, numpy {env['numpy']}, sympy "
             f"{env['sympy']}, mpmath {env['mpmath']}). All numbers come from the runs "
             "recorded in `results.json`; the text below is computed from them. Everything "
             "except the timings (section 5) is deterministic.", "",
             "| method | kind | exact? | how it works | one-off cost |", "|---|---|---|---|---|"]
    for name, backend in methods:
        declared = registry.declaration(name)
        exact = "yes" if declared.exact else "no (approximation)"
        lines.append(f"| {name} | {declared.kind.value} | {exact} | "
                     f"{cell(getattr(backend, 'summary', ''))} | {cell(declared.setup or '-')} |")
    lines += ["", "## What the measurements show", "", *_bullets(headline_findings(data)),
              "", "✓ marks an expectation the data confirmed; ✗ one it did not.", ""]
    lines += ["Contents: 1. accuracy and cost across the catalogue · 2. error against the "
              "step · 3. cost against the dimension · 4. Hessians and Jacobians · 5. timings",
              ""]
    lines += _accuracy_section(data, figures) + _sweep_section(data, figures)
    lines += _scaling_section(data, figures) + _operators_section(data)
    lines += _timing_section(data) + _noisy_section(data, figures)
    lines += ["## Reproduce", "", "```sh", "python -m pip install -e .", "diffmethods report",
              "```", "", "Or from Python: `dm.compare(f, point)`, `dm.epsilon_sweep(f, point)`, "
              "`dm.scaling('rosenbrock', [2, 10, 100])` return the rows; "
              "`diffmethods.plots` draws them.", ""]
    return "\n".join(lines)


# --- the noisy function (section 6) -------------------------------------------------------------
# A self-contained study: ECnoise's estimate of the noise, the sweep with the noise-aware error
# model (and, for comparison, the round-off-only one), and finite differences told the noise.
NOISY_BAND = 10.0   # predicted and observed best steps agree within this factor


def noisy_study(config) -> dict:
    """``{"noisy": {...}}`` for the data of :func:`collect` (``{}`` when ``config.noisy`` is
    None): deterministic, as the noise is keyed on the point."""
    name = getattr(config, "noisy", None)
    if not name:
        return {}
    from .noise import estimate_noise
    s = SCENARIOS[name]
    estimate = estimate_noise(s.f, s.point, direction=[1.0])
    noise = float(estimate.noise) if estimate.confident else None
    steps = default_steps(config.sweep_points)
    rows = epsilon_sweep(s.f, s.point, name=name, steps=steps, noise=noise)
    plain = sweep_summary(epsilon_sweep(s.f, s.point, name=name, steps=steps,
                                        schemes=list(schemes())))
    hand = float(np.ravel(s.f.__diffmethods_manual__.gradient(s.point))[0])
    told = [m for m in registry.methods() if registry.declaration(m).option("noise")]
    gradients = []
    from .api import differentiate
    for method in told:
        for scheme in ("forward", "central"):
            default = differentiate(s.f, s.point, method=method, scheme=scheme)
            aware = differentiate(s.f, s.point, method=method, scheme=scheme, noise="estimate")
            gradients.append({
                "method": method, "scheme": scheme,
                "default_h": float(default.details["steps"][0]),
                "default_error": abs(float(default.flat_gradient[0]) - hand),
                "noise_h": float(aware.details["steps"][0]),
                "noise_error": abs(float(aware.flat_gradient[0]) - hand),
                "expected_error": (None if aware.details["expected_error"] is None else
                                   float(aware.details["expected_error"][0])),
                "f_calls": aware.f_calls})
    value = abs(float(s.f(s.point)))
    return {"noisy": {
        "function": name, "formula": s.formula,
        "estimate": {"noise": noise, "relative": noise / value if noise else None,
                     "confident": estimate.confident, "reason": estimate.reason,
                     "evaluations": estimate.evaluations, "level": estimate.level},
        "rows": rows, "summary": sweep_summary(rows), "plain_summary": plain,
        "gradients": gradients}}


def _noisy_section(data, figures) -> list[str]:
    study = data.get("noisy")
    if not study:
        return []
    est, first = study["estimate"], study["rows"][0]
    found = (f"ECnoise estimates eps_f = {fmt_error(est['noise'])} "
             f"({fmt_error(est['relative'])} of |f|) from {est['evaluations']} evaluations "
             f"({est['reason']})" if est["confident"] else
             f"ECnoise could not estimate the noise ({est['reason']}); the model below knows "
             "only round-off")
    lines = ["## 6. A noisy function", "",
             f"f = {study['formula']}. Simulation codes compute values that wobble like this "
             "(adaptive meshes, solvers stopped at a tolerance). " + found + ". With it, the "
             "error model of each difference gains the noise term eps_f sum|w| / h, of the same "
             "1/h form as round-off (dashed lines), and the predicted best step moves to where "
             "truncation balances noise.", "",
             f"![Error against step for the noisy {study['function']}]({figures['noisy']})", ""]
    plain = {r["series"]: r for r in study["plain_summary"]}
    bullets = []
    for r in study["summary"]:
        if r["ratio"] is None or r["series"] not in plain or plain[r["series"]]["ratio"] is None:
            continue
        holds = 1 / NOISY_BAND <= r["ratio"] <= NOISY_BAND
        bullets.append({"holds": holds, "text": (
            f"{r['series']}: the noise-aware model predicts the best step "
            f"{fmt_step(r['predicted_step'])}, observed {fmt_step(r['observed_step'])} "
            f"(ratio {fmt_ratio(r['ratio'])}, expected within {NOISY_BAND:g}x); the round-off "
            f"model alone predicts {fmt_step(plain[r['series']]['predicted_step'])} (ratio "
            f"{fmt_ratio(plain[r['series']]['ratio'])}).")})
    lines += ["**Predicted against observed best steps.**", "", *_bullets(bullets), "",
              "| curve | predicted best step (noise-aware) | predicted (round-off only) | "
              "observed best step | observed / predicted | error there |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in study["summary"]:
        p = plain.get(r["series"], {})
        lines.append(f"| {r['series']} | {fmt_step(r['predicted_step'])} | "
                     f"{fmt_step(p.get('predicted_step'))} | {fmt_step(r['observed_step'])} | "
                     f"{fmt_ratio(r['ratio'])} | {fmt_error(r['observed_error'])} |")
    lines += ["", f"Finite differences at ∂f/∂{first['variable']}, at the default step and with "
              "`noise=\"estimate\"` (ECnoise, then f^(2) or f^(3) estimated from a few values "
              "and the step that balances truncation against noise):", "",
              "| method | scheme | default h | error | noise-aware h | error | expected error "
              "| calls of f |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for g in study["gradients"]:
        lines.append(f"| {g['method']} | {g['scheme']} | {fmt_step(g['default_h'])} | "
                     f"{fmt_error(g['default_error'])} | {fmt_step(g['noise_h'])} | "
                     f"{fmt_error(g['noise_error'])} | {fmt_error(g['expected_error'])} | "
                     f"{g['f_calls']} |")
    return lines + [""]


def noisy_figure(data, names) -> dict:
    """{file name: PNG bytes} of the noisy function's sweep (none without the study)."""
    study = data.get("noisy")
    if not study:
        return {}
    from . import plots
    title = (f"{study['function']}: error against the step, model with noise "
             f"{fmt_error(study['estimate']['relative'])}·|f|")
    return {names["noisy"]: plots.figure_bytes(plots.plot_sweep(study["rows"], title=title))}


# --- writing ----------------------------------------------------------------------------------
def render_figures(data) -> dict:
    """{file name: PNG bytes} for every figure of the report."""
    from . import plots
    names = figure_names(data)
    out = {names["accuracy"]: plots.figure_bytes(plots.plot_accuracy(data["catalogue"]))}
    for s in data["sweeps"]:
        title = f"Error of ∂f/∂{s['rows'][0]['variable']} against the step: f = {s['formula']}"
        out[names["sweep:" + s["function"]]] = plots.figure_bytes(
            plots.plot_sweep(s["rows"], title=title))
    for s in data["scaling"]:
        title = f"Cost against dimension: {s['function']}, f = {s['formula']}"
        out[names["scaling:" + s["function"]]] = plots.figure_bytes(
            plots.plot_scaling(s["rows"], title=title))
    out.update(noisy_figure(data, names))
    return out


OWNER = "report"
# how a report made before manifests is known, and which files were its own
SIGNATURE = Signature("README.md", b"# diffmethods report", ("README.md", "results.json", "*.png"))


def report_file_names(config: ReportConfig) -> list[str]:
    """The files the report of ``config`` will write, known before it runs."""
    studies = {"sweeps": [{"function": name} for name, _, _ in config.sweeps],
               "scaling": [{"function": name} for name in config.scaling_functions]}
    return ["README.md", "results.json"] + list(figure_names(studies).values())


def check_report_directory(out_dir: str, config: ReportConfig | None = None,
                           force: bool = False) -> None:
    """Fail now, with one line, if the report could not be written into ``out_dir`` -- or,
    given ``config``, would replace a file diffmethods did not write there, unless ``force``
    (run this before :func:`collect`, so a bad --out costs nothing)."""
    names = None if config is None else report_file_names(config)
    check_output_directory(out_dir, OWNER, SIGNATURE, names, force)


def report_files(data) -> dict:
    """{file name: bytes} of the whole report: README.md, results.json and the figures."""
    files = {"README.md": markdown(data).encode(), "results.json": to_json(data).encode()}
    files.update(render_figures(data))
    return files


def write_report(out_dir: str, data, force: bool = False) -> list[str]:
    """Write README.md, results.json and the figures into ``out_dir``; returns the paths.

    Everything is rendered in memory, written into a staging directory beside ``out_dir`` and
    swapped in whole, so a failure or a kill at any moment leaves either the previous report or
    the new one, never a mix. The report's own files from an earlier run that it no longer
    makes are removed; other files in ``out_dir`` (the tutorial's, yours) are kept; a directory
    that is not empty and was not written by diffmethods is refused, and so is a file of yours
    where the report would write one of its own, unless ``force``."""
    files = report_files(data)
    with StagedDirectory(out_dir, OWNER, SIGNATURE, list(files), force) as stage:
        for name, content in files.items():
            stage.write(name, content)
    return stage.written
