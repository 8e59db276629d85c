"""Finite differences, step by step: the points f was called at, and what the quotients lose.

The library's own finite-difference method does the work; ``f`` is only wrapped in a recorder
(:class:`CallLog`) that notes every point it is called at and the value it returns, so the
tables show exactly the calls the method made. The exact gradient to compare against comes from
reverse mode.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..api import differentiate
from ..errors import DiffMethodsError
from ..methods.finite import SCHEMES, FiniteDifferences
from ..methods.reverse import ReverseMode
from ..points import Problem
from .document import Explanation, Paragraph, Table
from .kinks import kink_paragraph, one_sided, scan
from .notation import coordinate_names, full, labelled_full, num, plural


class CallLog:
    """``f`` with a memory: every call's point (a copy: the method bumps its point in place) and
    value, in order. It takes the same arguments as ``f``."""

    def __init__(self, f, problem: Problem):
        self.f, self.problem, self.calls = f, problem, []

    def __call__(self, *args):
        if self.problem.kind == "args":
            x = np.array([float(a) for a in args])
        else:  # the flat coordinates of whatever structure the point has
            value = args[0] if len(args) == 1 and self.problem.kind != "tree" or \
                self.problem._parsed.one_argument else args
            x = np.array(self.problem.structure.flatten_like(value, "the point"), dtype=float)
        y = self.f(*args)
        self.calls.append((x, float(y)))
        return y


def exact_gradient(f, point):
    """The reference for the errors: reverse mode (exact up to rounding), or None."""
    try:
        return differentiate(f, point, method=ReverseMode.name).flat_gradient
    except DiffMethodsError:
        return None


def weight_text(w: float) -> str:
    """A stencil weight as a fraction: 1/2, -2/3, 1/12."""
    return str(Fraction(w).limit_denominator(1000))


def stencil_formula(scheme: str, coordinate: str) -> str:
    """The difference quotient of a scheme in symbols, e.g. (f(x1 + h) - f(x1 - h)) / 2h
    written with its weights: (-1/2 f(x1 - h) + 1/2 f(x1 + h)) / h."""
    terms = []
    for o, w in zip(SCHEMES[scheme].offsets, SCHEMES[scheme].weights):
        shift = "" if o == 0 else (f" + {weight_text(o) if abs(o) != 1 else ''}h" if o > 0 else
                                   f" - {weight_text(-o) if abs(o) != 1 else ''}h")
        coefficient = weight_text(abs(w))
        coefficient = "" if coefficient == "1" else coefficient + "·"
        sign = "-" if w < 0 else "+"
        terms.append(f"{sign} {coefficient}f({coordinate}{shift})")
    text = " ".join(terms)
    return f"({text[2:] if text.startswith('+ ') else '-' + text[2:]}) / h"


def shared_digits(a: float, b: float):
    """How many leading significant digits two nearby numbers have in common: the digits a
    subtraction a - b cancels ("-" when one of them is not a finite number)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return "-"
    if a == b:
        return 17
    scale = max(abs(a), abs(b))
    if scale == 0:
        return 0
    return max(0, int(math.floor(-math.log10(abs(a - b) / scale))))


def explain_finite(f, point, scheme: str = "central", step=None, rel_step=None) -> Explanation:
    """Finite differences step by step: calls, quotients and their errors."""
    problem = Problem(f, point)
    x = problem.x
    logged = CallLog(f, problem)
    options = {"scheme": scheme}
    if step is not None:
        options["step"] = step
    if rel_step is not None:
        options["rel_step"] = rel_step
    result = differentiate(logged, point, method=FiniteDifferences.name, **options)
    stencil = SCHEMES[result.details["scheme"]]
    h = result.details["steps"]
    base, value = logged.calls[0]
    exact = exact_gradient(f, point)
    names = coordinate_names(problem)
    policy = ("the step you gave" if step is not None else
              f"{num(100 * rel_step)}% of each |xi|" if rel_step is not None else
              f"the default, eps^(1/{stencil.order + 1})·max(1, |xi|), which balances the "
              "formula's truncation error against rounding")
    blocks = [Paragraph(
        "Finite differences treat f as a black box: they call it at the point and at points "
        "where one coordinate is moved by a small step h, and turn the change in f into a slope. "
        f"Scheme `{stencil.name}` (truncation error of order h^{stencil.order}); the steps are "
        f"{policy}.")]
    found = scan(f, point)
    title = f"Finite differences ({stencil.name})"
    if found.stop is not None:  # f's values are nan or inf: no quotient of them is a slope
        blocks.append(Paragraph(found.stop))
        return Explanation(title, blocks, FiniteDifferences.name, float(result.value),
                           np.full(len(x), np.nan), logged.calls)
    kink = kink_paragraph(found, one_sided(f, point))
    if kink is not None:
        blocks.append(kink)
    blocks.append(Paragraph("Every call f received (the point's coordinates with every digit "
                            "they carry; π and e named):"))
    rows = []
    for k, (p, y) in enumerate(logged.calls):
        moved = np.flatnonzero(p != base)
        if moved.size:
            i = int(moved[0])
            offset = (p[i] - base[i]) / h[i]
            what = f"{names[i]} {'+' if offset > 0 else '-'} {num(abs(offset))}h" \
                if abs(offset) != 1 else f"{names[i]} {'+' if offset > 0 else '-'} h"
        else:
            what = "the point itself"
        rows.append([k + 1, what, ", ".join((labelled_full if k == 0 else full)(v) for v in p),
                     full(y)])
    blocks.append(Table(["call", "where", "point", "f"], rows))

    calls = iter(logged.calls[1:])
    rows, formulas = [], []
    for i in range(len(x)):
        values = [value if o == 0 else next(calls)[1] for o in stencil.offsets]
        moved = [v for o, v in zip(stencil.offsets, values) if o != 0]
        total = 0.0
        for w, v in zip(stencil.weights, values):
            total += w * v
        estimate = result.flat_gradient[i]
        formulas.append(stencil_formula(stencil.name, names[i]))
        row = [f"df/d{names[i]}", full(h[i]), f"{full(total)} / {num(h[i], 6)}", full(estimate),
               shared_digits(max(moved), min(moved)) if len(moved) > 1
               else shared_digits(moved[0], value)]
        if exact is not None:
            err = abs(estimate - exact[i])
            rel = err / abs(exact[i]) if exact[i] != 0 else err
            row += [num(exact[i]), f"{err:.1e}", f"{rel:.1e}"]
        rows.append(row)
    header = ["derivative", "step h", "weighted sum / h", "estimate", "digits cancelled"]
    if exact is not None:
        header += ["exact", "abs. error", "rel. error"]
    blocks += [Paragraph(f"Each quotient is `{formulas[0]}` for its own coordinate, with the "
                         "step actually representable next to it, (x + h) - x. The values of "
                         "f that enter it agree in their leading digits, and the subtraction "
                         "cancels them: those digits carry no information about the slope."),
               Table(header, rows)]
    bumps = sum(1 for o in stencil.offsets if o != 0)
    cost = "n + 1" if bumps == 1 else f"{bumps}n + 1"
    digits = round(16 * stencil.order / (stencil.order + 1))
    blocks.append(Paragraph(
        f"**Gradient** ≈ ({', '.join(full(g) for g in result.flat_gradient)}) from "
        f"{plural(result.f_calls, 'call')} of f ({cost} for this scheme). Two errors pull the step in opposite "
        f"directions: the formula's truncation error shrinks like h^{stencil.order}, while "
        "rounding in f's values, divided by h, grows like eps·|f|/h. No step removes both: at "
        f"the balanced step this scheme keeps about {digits} of the 16 digits a float holds "
        "(one-sided schemes about 8, central about 11). And the cost grows with n: "
        f"{bumps} call{'s' if bumps != 1 else ''} of f per coordinate."))
    return Explanation(title, blocks, FiniteDifferences.name,
                       float(result.value), result.flat_gradient, logged.calls)


def bump_errors(f, point, coordinate: int = 0, percents=None, schemes=("forward", "central")):
    """df/dx_coordinate by each scheme for bumps of ``percents`` % of that coordinate, through
    the library's ``rel_step`` option. Returns (percents, {scheme: estimates}, exact)."""
    if percents is None:
        percents = np.logspace(-13, 1, 141)
    estimates = {s: np.array([differentiate(f, point, method=FiniteDifferences.name, scheme=s,
                                            rel_step=p / 100).flat_gradient[coordinate]
                              for p in percents]) for s in schemes}
    exact = exact_gradient(f, point)
    return np.asarray(percents), estimates, None if exact is None else float(exact[coordinate])
