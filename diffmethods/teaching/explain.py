"""``dm.explain``: one entry point for every step-by-step explanation.

Each built-in method has an explainer (a function ``(f, point) -> Explanation``) in
:data:`EXPLAINERS`. ``explain(f, point)`` explains every registered method, in the registry's
order (manual, symbolic, finite differences, forward mode, reverse mode: from the pencil to the
tape), and ends with a table of what each one computed and cost. A method registered from
outside the package has no explainer; it still appears, with its result.
"""

from __future__ import annotations

from ..api import differentiate
from ..errors import DiffMethodsError
from ..points import parse_point
from ..registry import get_method, methods
from .document import Explanation, Paragraph, Table
from .finite_trace import explain_finite
from .forward_trace import explain_forward
from .manual_rules import explain_manual
from .notation import num
from .reverse_trace import explain_reverse
from .symbolic_trace import explain_symbolic

EXPLAINERS = {
    "manual": explain_manual,
    "symbolic": explain_symbolic,
    "finite": explain_finite,
    "forward": explain_forward,
    "reverse": explain_reverse,
}
TITLES = {"manual": "Manual differentiation, rule by rule",
          "symbolic": "Symbolic differentiation", "finite": "Finite differences",
          "forward": "Forward mode", "reverse": "Reverse mode"}


def describe(f) -> str:
    """How to name f in a heading: the text of a parsed expression, else its name."""
    return getattr(f, "text", None) or getattr(f, "__name__", "f")


def point_text(point) -> str:
    return "(" + ", ".join(num(v) for v in parse_point(point)[1]) + ")"


def _generic(f, point, method: str) -> Explanation:
    """A method without a step-by-step explainer: what it computed and cost."""
    backend = get_method(method)
    r = differentiate(f, point, method=method)
    return Explanation(method, [Paragraph(
        f"{getattr(backend, 'summary', method)}. No step-by-step explanation is available for "
        f"this method; it computed f = {num(r.value)} and the gradient "
        f"({', '.join(num(g) for g in r.flat_gradient)}) with {r.f_calls} calls of f.")],
        method, r.value, r.flat_gradient, r)


def _explain_one(f, point, method: str, finite_options: dict) -> Explanation:
    if method not in EXPLAINERS:
        return _generic(f, point, method)
    if method == "finite":
        return explain_finite(f, point, **finite_options)
    return EXPLAINERS[method](f, point)


def _summary(f, point) -> Table:
    rows = []
    for m in methods():
        try:
            r = differentiate(f, point, method=m)
        except DiffMethodsError as e:
            rows.append([m, "-", "-", "-", "-", str(e).split(".")[0]])
            continue
        note = ("derivation cached: only the compiled code ran" if r.details.get("cached")
                else "")
        rows.append([m, ", ".join(num(g, 15) for g in r.flat_gradient), r.f_calls, r.passes,
                     "-" if r.ops is None else r.ops, note])
    return Table(["method", "gradient", "f calls", "passes", "ops", "note"], rows)


def explain(f, point, method: str | None = None, *, scheme: str = "central", step=None,
            rel_step=None) -> Explanation:
    """Explain, step by step and with the library's own numbers, how ``method`` computes the
    gradient of ``f`` at ``point``.

    ``method=None`` (or ``"all"``) explains every registered method in turn. ``scheme``,
    ``step`` and ``rel_step`` choose the finite-difference variant. The result prints as text,
    renders as HTML in a notebook and keeps what the steps were read from in ``.data``.

    >>> import diffmethods as dm
    >>> e = dm.explain(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2, 3, 4), method="reverse")
    >>> e.value, e.gradient.tolist()
    (48.0, [12.0, 12.0, 9.0])
    """
    finite_options = {"scheme": scheme, "step": step, "rel_step": rel_step}
    if method not in (None, "all"):
        get_method(method)  # an unknown name lists the valid ones
        return _explain_one(f, point, method, finite_options)
    parse_point(point)
    parts = {}
    for m in methods():
        try:
            parts[m] = _explain_one(f, point, m, finite_options)
        except DiffMethodsError as e:
            parts[m] = Explanation(TITLES.get(m, m), [Paragraph(
                f"Not applicable to this function: {e}")], m)
    reference = parts.get("reverse")
    whole = Explanation(
        f"How each method computes the gradient of {describe(f)} at {point_text(point)}",
        [Paragraph("Five ways to the same gradient, from the pencil to the tape: a person "
                   "applying rules, a computer algebra system doing the same, a black-box "
                   "approximation, and the two modes of automatic differentiation. Nodes are "
                   "named x1, x2, ... for the inputs and numbered on for every operation.")],
        None, getattr(reference, "value", None),
        getattr(reference, "gradient", None), None, parts)
    whole.parts["summary"] = Explanation("What each method computed and cost", [
        Paragraph("Counted while each method ran (`dm.differentiate`): calls of f, passes over "
                  "the computation and elementary operations recorded or evaluated."),
        _summary(f, point)])
    return whole

