"""Tutorial sections beyond the first five methods: Richardson, the complex step, and costs.

Each function returns one :class:`Explanation` section of the tutorial, computed live like the
rest (see :mod:`diffmethods.teaching.tutorial`): the explainers that ``dm.explain`` uses for
the seed, then examples that show where a method shines or fails. The cost section counts the
work behind the passes (:func:`diffmethods.costs.carried`) and reports times only as measured.
"""

from __future__ import annotations

import numpy as np

from ..api import differentiate
from ..catalogue import SCENARIOS
from ..costs import carried, milliseconds
from ..errors import DiffMethodsError
from ..harness.timing import median_call_seconds, median_result
from ..methods.complex_step import DEFAULT_STEP, ComplexStep
from ..methods.finite import FiniteDifferences
from ..methods.forward import ForwardMode
from ..methods.reverse import ReverseMode
from ..methods.richardson import Richardson
from ..points import Problem
from .document import Explanation, Paragraph, Table, code
from .notation import num
from .richardson_trace import tableau

COST_DIMS = (3, 10, 100, 1000)  # the sizes of the cost table (loop Rosenbrock)
SHOWN_LEVELS, SHOWN_COLUMNS = 6, 5  # how much of the worked tableau is printed


def section(title: str, before: list, explanation: Explanation | None = None,
            after: list = ()) -> Explanation:
    """A tutorial section: our framing, then an explainer's blocks, then going further."""
    blocks = list(before) + (list(explanation.blocks) if explanation is not None else [])
    return Explanation(title, blocks + list(after))


def _exp_sin(x1):
    """exp(x1)·sin(x1): smooth, not a polynomial, so every column of the tableau has work."""
    return np.exp(x1) * np.sin(x1)


def richardson_section(part, f, point, exact) -> Explanation:
    """Richardson extrapolation: the seed's tableau, then one where the cancellation shows."""
    central = differentiate(f, point, method=FiniteDifferences.name)
    rich = differentiate(f, point, method=Richardson.name)
    x = 1.0
    true = float(np.exp(x) * (np.sin(x) + np.cos(x)))
    r = differentiate(_exp_sin, (x,), method=Richardson.name)
    first = float(r.details["first_step"][0])
    rows, steps = tableau(_exp_sin, (x,), 0, first)
    table = [[k + 1, num(steps[k], 4)] + [f"{abs(row[j] - true):.1e}" if j < len(row) else ""
                                          for j in range(SHOWN_COLUMNS)]
             for k, row in enumerate(rows[:SHOWN_LEVELS])]
    estimate = float(r.details["error_estimate"][0])
    return section("Richardson extrapolation", [
        Paragraph("Finite differences leave a choice that no step gets right: a large step "
                  "makes truncation error, a small one rounding error. Richardson's "
                  "extrapolation refuses to choose. It computes the central difference for a "
                  "sequence of shrinking steps and combines neighbours so that the truncation "
                  "error cancels, one power of h² at a time -- the *tableau* -- and it says how "
                  "far its best entries still disagree: an error estimate."),
    ], part, [
        Paragraph("On the seed the tableau has little to do: f is a parabola in every "
                  "coordinate, so the central difference is already right, up to rounding, at "
                  f"any step. Here f(x1) = {code('exp(x1)*sin(x1)')} at x1 = {num(x)}: each "
                  "cell is the *error* of that entry against the exact derivative "
                  f"e·(sin 1 + cos 1) = {num(true)}, from the method's own first step "
                  f"{num(first, 4)}:"),
        Table(["level", "step h"] + [f"T{j} error" for j in range(SHOWN_COLUMNS)], table),
        Paragraph("Down a column the error shrinks like h², h⁴, h⁶, ... as the step shrinks; "
                  "across a row each extrapolation removes the next power. The method kept "
                  f"{num(r.derivative[0], 15)}: off by {abs(r.derivative[0] - true):.0e}, with "
                  f"an error estimate of {estimate:.0e}, from {r.f_calls} calls of f. On the "
                  f"seed its largest error is {np.max(np.abs(rich.derivative - exact)):.0e} "
                  f"from {rich.f_calls} calls, against "
                  f"{np.max(np.abs(central.derivative - exact)):.0e} from {central.f_calls} "
                  "calls for the plain central difference: more calls of f, near-exact "
                  "digits, and still nothing but values of f.")])


def _plain_complex_step(g, x: float, h: float = DEFAULT_STEP) -> float:
    """Im g(x + ih) / h with numpy's own complex arithmetic: no conventions, no checks."""
    return float(np.imag(g(np.complex128(complex(x, h))))) / h


def _complex_failures():
    """(rows of the failure table, the message for code that drops the imaginary part)."""
    cases = [("|x|", lambda x: np.abs(x), 2.0),
             ("x·conj(x)  (= x² for real x)", lambda x: x * np.conj(x), 1.5),
             ("|x| at its kink", lambda x: np.abs(x), 0.0)]
    rows = []
    for label, g, x in cases:
        ours = differentiate(g, x, method=ComplexStep.name).derivative[0]
        exact = differentiate(g, x, method=ReverseMode.name).derivative[0]
        rows.append([label, num(x), num(_plain_complex_step(g, x)), num(ours), num(exact)])
    try:
        differentiate(lambda x: float(x) * x, 1.5, method=ComplexStep.name)
        refused = ""
    except DiffMethodsError as e:
        refused = type(e).__name__
    return rows, refused


def complex_step_section(part, f, point) -> Explanation:
    """The complex step: the seed's pass, why nothing cancels, and where it breaks."""
    rows, refused = _complex_failures()
    c = differentiate(f, point, method=ComplexStep.name)
    blocks = [
        Paragraph("**Where it fails.** The Taylor argument needs f to be *analytic*: "
                  "expressible as a power series, as every operation of the seed is. "
                  "Absolute values, max and min, comparisons, a conjugate -- anything that "
                  "treats the real and imaginary parts differently -- is not. Evaluated with "
                  "plain complex arithmetic (numpy's own, as `Im f(x + ih)/h`), they give "
                  "wrong derivatives without a word. diffmethods' complex step replaces them by "
                  "the usual conventions (|z| as z·sign(Re z), comparisons by the real part), "
                  "right away from their kinks:"),
        Table(["f", "at x", "plain complex arithmetic", "diffmethods' complex step",
               "reverse mode"], rows),
        Paragraph("|x| of a complex number is a real number, so its imaginary part -- the "
                  "derivative -- is lost; a conjugate flips the sign of the tangent, so "
                  "x·conj(x) carries none at all. At the kink x = 0 there is no derivative, "
                  "and the 0 shown is a convention (every method here follows sign(0) = 0), "
                  "not a fact.")]
    if refused:
        blocks.append(Paragraph(f"Code that leaves numpy for plain floats, as "
                                f"{code('float(x) * x')} does, drops the imaginary part "
                                f"too; there the method refuses with an error "
                                f"({code(refused)}) rather than answer 0."))
    blocks.append(Paragraph(
        "**A forward mode in disguise.** The imaginary part travels through every operation as "
        "a tangent does, and complex arithmetic applies the chain rule to it. One pass per "
        f"input: for the seed {c.passes} passes carrying {carried(c).text} -- the same work as "
        "forward mode with one direction per pass, in complex arithmetic."))
    return section("Complex step", [
        Paragraph("A trick from numerical analysis that needs only one thing of f's code: "
                  "that it runs on complex numbers. Instead of nudging x along the real line, "
                  "step off it, by a tiny imaginary amount -- and read the derivative from the "
                  "imaginary part of the result.")], part, blocks)


def _ratio(x: float) -> str:
    """A measured ratio to two figures: '72', '8.4' (never '1e+02')."""
    return f"{x:,.0f}" if x >= 10 else f"{x:.2g}"


def _work_row(n: int, timed: bool):
    """One row of the cost table at size n (and the timed results at the largest n)."""
    s = SCENARIOS["rosenbrock_loop"]
    point = s.point_of(n)
    if timed:
        fwd = differentiate(s.f, point, method=ForwardMode.name)  # seconds: one run is plenty
        fwd_seconds = fwd.seconds
        rev, rev_seconds, _ = median_result(s.f, point, ReverseMode.name, {}, 5, 1.0)
        problem = Problem(s.f, point)
        f_seconds = median_call_seconds(lambda: problem(problem.inputs(problem.x)))
        times = (fwd_seconds, rev_seconds, f_seconds)
    else:
        fwd = differentiate(s.f, point, method=ForwardMode.name)
        rev = differentiate(s.f, point, method=ReverseMode.name)
        times = None
    central = differentiate(s.f, point, method=FiniteDifferences.name)
    fw, rw = carried(fwd), carried(rev)
    row = [n, f"{rev.ops:,}", f"{central.f_calls:,}",
           f"{fwd.passes} (chunk {fwd.details['chunk']})", f"{fw.count:,}", rev.passes,
           rw.text, num(fw.count / rw.count, 3)]
    return row, fwd, rev, times


def cost_section(f, point) -> Explanation:
    """What a gradient costs: passes beside the work they carry, and the cheap-gradient
    principle, counted (deterministic) and timed (measured, labelled so)."""
    fwd = differentiate(f, point, method=ForwardMode.name)
    fwd1 = differentiate(f, point, method=ForwardMode.name, chunk=1)
    rev = differentiate(f, point, method=ReverseMode.name)
    rows, last, per_op = [], None, []
    for n in COST_DIMS:
        row, big_fwd, big_rev, times = _work_row(n, n == COST_DIMS[-1])
        rows.append(row)
        per_op.append(carried(big_rev).count / big_rev.ops)
        last = (n, big_fwd, big_rev, times)
    n, big_fwd, big_rev, (fwd_s, rev_s, f_s) = last
    chunk = big_fwd.details["chunk"]
    return section("What a gradient costs: the cheap-gradient principle", [
        Paragraph("Counting passes is not counting work. By default forward mode groups "
                  "directions: each dual number carries a *chunk* of c tangents, one per input "
                  "direction, so a pass over k operations carries k·c tangent entries. On the "
                  f"seed the default chunk is all {len(point)} inputs, and forward mode makes "
                  f"{fwd.passes} pass where reverse mode makes {rev.passes} -- which does *not* "
                  f"make it cheaper. That one pass carried {carried(fwd).text}; with "
                  f"`chunk=1` forward mode makes {fwd1.passes} passes carrying "
                  f"{carried(fwd1).text}: the same work, packed differently. Reverse mode's "
                  f"two passes carried {carried(rev).text}: one record per operation of f, "
                  "one adjoint update per local partial."),
        Paragraph("On three inputs that is a draw. Let n grow: the Rosenbrock function written "
                  "as a Python loop over n scalar inputs (catalogue entry "
                  "`rosenbrock_loop`), counted while each method ran:"),
        Table(["inputs n", "operations of f", "finite (central): f calls",
               "forward: passes", "forward: tangent entries", "reverse: passes",
               "reverse: records + adjoint updates", "forward work ÷ reverse work"], rows),
        Paragraph(f"Forward mode's tangent entries are exactly n times the operations of f, "
                  "whatever the chunk: every operation updates one tangent per input. Reverse "
                  f"mode's work is between {num(min(per_op), 3)} and {num(max(per_op), 3)} "
                  "times the operations of f at every n of the table: one record and, at "
                  f"n = {n}, "
                  f"{num(big_rev.details['adjoint_updates'] / big_rev.ops, 3)} adjoint updates "
                  "per operation. That is the **cheap-gradient principle**: reverse mode "
                  "computes the whole gradient of a scalar function for a small constant "
                  "multiple of the work of evaluating it, however many inputs it has -- the "
                  "reason every training library differentiates in reverse."),
        Paragraph(f"Measured on this machine while this file was written (times change from "
                  f"run to run; the counts above do not): at n = {n}, one evaluation of f "
                  f"took ≈{milliseconds(f_s)}, reverse mode ≈{milliseconds(rev_s)} per "
                  f"gradient, and forward mode ≈{milliseconds(fwd_s)} in {big_fwd.passes} "
                  f"passes of {chunk} directions: ≈{_ratio(fwd_s / rev_s)} times reverse "
                  "mode's time. That is less than the count ratio because forward mode "
                  "updates a whole chunk of tangents with one numpy operation, cheaper per "
                  "entry than the Python work behind one tape record -- which is also why "
                  f"reverse mode took ≈{_ratio(rev_s / f_s)} times one evaluation of f rather "
                  "than the 2 or 3 its counts suggest: a record costs far more, in Python, "
                  "than the float operation it stands for. That factor belongs to the "
                  "implementation, not to n; forward mode's grows with n."),
        Paragraph("The price of reverse mode is memory: the tape keeps every intermediate "
                  "value until the backward pass has used it.")])
