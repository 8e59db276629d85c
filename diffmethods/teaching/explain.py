"""``dm.explain``: one entry point for every step-by-step explanation.

A method is explained by its ``explain(f, point, **options) -> Explanation`` hook. The teaching
package attaches one to each built-in method (:func:`attach_explainer`, below); a method
registered from outside may bring its own, and without one it still appears, with its result
and counts. ``explain(f, point)`` explains every registered method, in the registry's order
(manual, symbolic, finite differences, forward mode, reverse mode, ...: from the pencil to the
tape), and ends with a table of what each one computed and cost.
"""

from __future__ import annotations

import inspect

from ..api import differentiate
from ..costs import carried, milliseconds
from ..declarations import Accumulation, Kind
from ..errors import DiffMethodsError, OptionError
from ..methods.compiled import CompiledMethod
from ..methods.complex_step import ComplexStep
from ..methods.finite import FiniteDifferences
from ..methods.forward import ForwardMode
from ..methods.manual import ManualMethod
from ..methods.richardson import Richardson
from ..methods.reverse import ReverseMode
from ..methods.symbolic import SymbolicMethod
from ..points import Problem, parse_point
from ..registry import declaration, get_method, methods
from .document import Explanation, Paragraph, Table, code
from .complex_trace import explain_complex_step
from .finite_trace import explain_finite
from .forward_trace import explain_forward
from .manual_rules import explain_manual
from .notation import Names, coordinate_names, mapping_text, num, plural, point_num
from .program_trace import explain_compiled
from .reverse_trace import explain_reverse
from .richardson_trace import explain_richardson
from .symbolic_trace import explain_symbolic


def attach_explainer(method_class, explainer, title: str) -> None:
    """Give every method of ``method_class`` the step-by-step ``explainer`` as its ``explain``
    hook; ``title`` heads its section when it does not apply to a function."""
    method_class.explain = staticmethod(explainer)
    method_class.explain_title = title


for _class, _explainer, _title in (
        (ManualMethod, explain_manual, "Manual differentiation, rule by rule"),
        (SymbolicMethod, explain_symbolic, "Symbolic differentiation"),
        (FiniteDifferences, explain_finite, "Finite differences"),
        (ForwardMode, explain_forward, "Forward mode"),
        (ReverseMode, explain_reverse, "Reverse mode"),
        (ComplexStep, explain_complex_step, "Complex step"),
        (Richardson, explain_richardson, "Richardson extrapolation"),
        (CompiledMethod, explain_compiled, "The gradient as a program")):
    attach_explainer(_class, _explainer, _title)


def _accepted(func, options: dict) -> dict:
    """The options ``func`` takes (each method gets its own share of ``explain``'s options)."""
    params = inspect.signature(func).parameters
    return {k: v for k, v in options.items() if k in params}


def describe(f) -> str:
    """How to name f in a heading: the text of a parsed expression, else its name."""
    return getattr(f, "text", None) or getattr(f, "__name__", "f")


def point_text(point) -> str:
    """(π/2, e): the point as typed, its constants by name."""
    return "(" + ", ".join(point_num(v) for v in parse_point(point)[1]) + ")"


def _generic(f, point, method: str, options: dict) -> Explanation:
    """A method without a step-by-step explainer: what it computed and cost."""
    backend = get_method(method)
    r = differentiate(f, point, method=method, **options)
    return Explanation(_title(method), [Paragraph(
        f"{getattr(backend, 'summary', method)}. No step-by-step explanation is available for "
        f"this method; it computed f = {num(r.value)} and the gradient "
        f"({', '.join(num(g) for g in r.flat_gradient)}) with {plural(r.f_calls, 'call')} of f.")],
        method, r.value, r.flat_gradient, r)


def _own_options(method: str, options: dict) -> dict:
    """The options ``method`` declares, out of those given to :func:`explain`."""
    declared = {o.name for o in declaration(method).options}
    return {k: v for k, v in options.items() if k in declared}


def _explain_one(f, point, method: str, options: dict, notation: str = "seed") -> Explanation:
    mine = _own_options(method, options)
    hook = getattr(get_method(method), "explain", None)
    if hook is None:
        return _generic(f, point, method, mine)
    if "notation" in inspect.signature(hook).parameters:
        mine = {**mine, "notation": notation}
    return hook(f, point, **_accepted(hook, mine))


def _names_line(f, point, notation: str) -> Paragraph | None:
    """The one line, at the top, that says which of f's arguments each input node is."""
    try:
        problem = Problem(f, point)
    except DiffMethodsError:
        return None
    names = Names(notation, len(problem.leaves))
    text = mapping_text(f, problem)
    if notation == "baydin":
        seed = Names("seed", len(problem.leaves))
        text = ("Baydin et al.'s notation (JMLR 2018, Tables 2-3): " + ", ".join(
            f"`{names.node(i)}` is the input `{seed.node(i)}`" for i in range(
                len(problem.leaves))) + "; the operations are v₁, v₂, ..., and the derivative "
            "formulas keep the inputs x1..xn. " + (text or ""))
    return None if text is None else Paragraph(text.strip())


def _title(method: str) -> str:
    """The heading of a method's section, in sentence case ("Method `zero`" for a method
    registered without a title: its name is an identifier, not a word to capitalise)."""
    return getattr(get_method(method), "explain_title", None) or f"Method {code(method)}"


def _summary(f, point) -> Table:
    """One row per method: its gradient, its counts -- passes beside the work they carried
    (:func:`diffmethods.costs.carried`) -- and the time it took, measured, never asserted."""
    rows = []
    for m in methods():
        try:
            r = differentiate(f, point, method=m)
        except DiffMethodsError as e:
            rows.append([m, "-", "-", "-", "-", "-", str(e).split(".")[0]])
            continue
        note = ("derivation cached: only the compiled code ran" if r.details.get("cached")
                else "")
        rows.append([m, ", ".join(num(g, 15) for g in r.flat_gradient), r.f_calls, r.passes,
                     carried(r).text, milliseconds(r.seconds), note])
    return Table(["method", "gradient", "f calls", "passes", "work carried",
                  "time (measured)", "note"], rows)


def _count_words(n: int) -> str:
    """'Seven ways' for 7: the introduction counts the methods it explains."""
    words = ["No way", "One way", "Two ways", "Three ways", "Four ways", "Five ways", "Six ways",
             "Seven ways", "Eight ways", "Nine ways", "Ten ways"]
    return words[n] if n < len(words) else f"{n} ways"


def explain(f, point, method: str | None = None, notation: str = "seed", *,
            program: bool = False,
            **options) -> Explanation:
    """Explain, step by step and with the library's own numbers, how ``method`` computes the
    gradient of ``f`` at ``point``.

    ``method=None`` (or ``"all"``) explains every registered method in turn. ``options`` are
    the methods' own (``scheme="forward"``, ``step=1e-3`` for finite differences): each goes to
    the methods that declare it, and one that no explained method takes is an error. Options
    given as ``None`` mean "the default". ``program=True`` adds the tape beside the compiled
    method's generated adjoint program, line by line (after the reverse-mode part, or as the
    last part). The result prints as text,
    renders as HTML in a notebook and keeps what the steps were read from in ``.data``.
    Every section names the inputs x1..xn (one line at the top ties them to f's own argument
    names); ``notation="baydin"`` names the forward and reverse traces' nodes as Baydin et al.
    (2018) do, v₋₁, v₀, v₁, ..., in primal | tangent and primal | adjoint tables.

    >>> import diffmethods as dm
    >>> e = dm.explain(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2, 3, 4), method="reverse")
    >>> e.value, e.gradient.tolist()
    (48.0, [12.0, 12.0, 9.0])
    """
    if program:
        return _with_program(explain(f, point, method, notation, **options), f, point)
    options = {k: v for k, v in options.items() if v is not None}
    Names(notation)  # an unknown notation is an error before any work
    explained = methods() if method in (None, "all") else [method]
    for m in explained:
        get_method(m)  # an unknown name lists the valid ones
    for name in options:
        if not any(declaration(m).option(name) for m in explained):
            raise OptionError(f"no explained method takes the option {name!r} "
                              f"({', '.join(explained)})")
    if method not in (None, "all"):
        one = _explain_one(f, point, method, options, notation)
        line = _names_line(f, point, notation)
        if line is not None:
            one.blocks.insert(0, line)
        return one
    parse_point(point)
    parts = {}
    for m in explained:
        try:
            parts[m] = _explain_one(f, point, m, options, notation)
        except DiffMethodsError as e:
            parts[m] = Explanation(_title(m), [Paragraph(
                f"Not applicable to this function: {e}")], m)
    # the whole explanation's value and gradient: those of a reverse-mode tracer
    reference = next((parts[m] for m in explained
                      if declaration(m).kind is Kind.TRACER
                      and declaration(m).accumulation is Accumulation.REVERSE), None)
    whole = Explanation(
        f"How each method computes the gradient of {code(describe(f))} at {point_text(point)}",
        [Paragraph(f"{_count_words(len(explained))} to the same gradient, from the pencil "
                   "to the tape: a person applying rules, a computer algebra system doing the "
                   "same, black-box approximations, and automatic differentiation in its "
                   "modes. Every section names the inputs x1, x2, ... and numbers on for "
                   "every operation, as the seed example does.")]
        + [line for line in [_names_line(f, point, notation)] if line is not None],
        None, getattr(reference, "value", None),
        getattr(reference, "gradient", None), None, parts)
    whole.parts["summary"] = Explanation("What each method computed and cost", [
        Paragraph("Counted while each method ran (`dm.differentiate`): calls of f, passes over "
                  "the computation, and the work the passes carried -- forward mode's tangent "
                  "entries (operations × directions: a pass may carry a block of directions, "
                  "so fewer passes need not mean less work), reverse mode's records and "
                  "adjoint updates, or the operations evaluated. The time is measured on this "
                  "machine in this run and changes from run to run."),
        _summary(f, point)])
    table = whole.parts["summary"].blocks[-1]
    try:  # the gradient's entries, in the names every section uses
        names = coordinate_names(Problem(f, point))
        shown = names if len(names) <= 6 else [names[0], "...", names[-1]]
        table.header[1] = f"gradient ({', '.join(shown)})"
    except (DiffMethodsError, AttributeError, IndexError):
        pass
    return whole


def _with_program(whole: Explanation, f, point) -> Explanation:
    """``whole`` with the tape and its generated program side by side (``--program``): after
    the reverse-mode tracer's part when it has one, else as its last part."""
    from .program_beside import explain_program_beside_tape
    beside = explain_program_beside_tape(f, point)
    parts = {}
    for name, part in whole.parts.items():
        if name == "summary" and "program" not in parts:
            parts["program"] = beside
        parts[name] = part
        if declaration_of(name) is Accumulation.REVERSE and "program" not in parts:
            parts["program"] = beside
    parts.setdefault("program", beside)
    return Explanation(whole.title, whole.blocks, whole.method, whole.value, whole.gradient,
                       whole.data, parts)


def declaration_of(name: str):
    """How the method ``name`` of an explanation's parts accumulates (None for a part that is
    no method, such as the summary)."""
    if name not in methods():
        return None
    d = declaration(name)
    return d.accumulation if d.kind is Kind.TRACER else None
