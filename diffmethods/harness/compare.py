"""Every method on the same function and point: one row per method.

:func:`compare` returns plain data, a list of dicts, so the same rows feed the terminal table,
the Markdown/CSV/JSON writers (:mod:`diffmethods.harness.tables`), the accuracy figure
(:func:`diffmethods.plots.plot_accuracy`) and your own analysis. Each row holds:

``function, point, method, exact, status, note, settings`` (a dict of the options given and
choices reported), ``value, gradient, reference`` (what the reference is, as data: see
:meth:`~.reference.Reference.as_data`), ``reference_gradient, abs_error, rel_error, f_calls,
passes, ops`` -- deterministic, and the
timings ``seconds`` (median of repeated runs), ``setup_seconds`` (a one-off cost such as the
symbolic derivation) and ``repeats``.

The errors are measured against the 50-digit reference (:mod:`.reference`): ``abs_error`` is
max_i |g_i - r_i| and ``rel_error`` is that over max_i |r_i|. Where no reference can be built,
they are ``None`` and ``reference["reason"]`` says why. A method that cannot handle the function
(manual without a hand-derived gradient, symbolic on a Python ``if``) gets a row with
``status = "not applicable"`` and the reason, never a made-up number.

>>> import diffmethods as dm
>>> rows = dm.compare(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2, 3, 4), repeat=1)
>>> [(r["method"], r["status"]) for r in rows][:2]
[('manual', 'not applicable'), ('symbolic', 'ok')]
>>> [r["gradient"] for r in rows if r["method"] == "reverse"]
[[12.0, 12.0, 9.0]]
"""

from __future__ import annotations

import numpy as np

from .. import registry
from ..costs import ADJOINT_UPDATES, TANGENT_ENTRIES
from ..errors import BranchError, NoManualGradientError, OptionError, UnsupportedOperationError
from ..points import Problem, bind_arguments
from .progress import progress_bar
from .reference import DIGITS
from .rows import CompareRows
from .reference_choice import NoReference, agreement_reference, choose_reference, given_reference
from .timing import median_result, warm_up

NOT_APPLICABLE = "not applicable"
# The errors that mean "this method cannot handle this function" (a row says so). Any other
# error -- a bad option, a bad point, an f of the wrong arity -- is the caller's to fix and
# propagates.
NOT_APPLICABLE_ERRORS = (NoManualGradientError, UnsupportedOperationError)


def function_name(f) -> str:
    """A readable name for a function: its text for parsed expressions, else __name__."""
    return getattr(f, "text", None) or getattr(f, "__name__", None) or type(f).__name__


WORK_COUNTS = (TANGENT_ENTRIES, ADJOINT_UPDATES)


def reported_settings(details: dict, options: dict) -> dict:
    """The choices a method was given or made (scheme, chunk, ...): the options, plus the
    numbers and names among the details it reported."""
    shown = dict(options)
    for key, value in details.items():
        if (key in shown or "seconds" in key or key.startswith(("ops", "expected"))
                or key in WORK_COUNTS):  # counts of work, not choices
            continue
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            shown[key] = value
    if details.get("cached"):
        shown["derivation"] = "cached"
    return shown


def settings_text(settings: dict) -> str:
    """'scheme=central, chunk=3': settings for a table cell."""
    return ", ".join(f"{k}={v}" for k, v in settings.items())


def short_reason(error: Exception) -> str:
    """Why a method does not apply, in a few words for a table cell."""
    if isinstance(error, NoManualGradientError):
        return "no hand-derived gradient (attach one with @dm.manual)"
    if isinstance(error, BranchError):
        return "a Python `if` on a value cannot be traced into a symbolic expression"
    return str(error).splitlines()[0].split(". ")[0].rstrip(".")


def _setup_seconds(details: dict):
    parts = [v for k, v in details.items() if k in ("derive_seconds", "compile_seconds")]
    return float(sum(parts)) if parts else None


DEFAULT_BUDGET = 10.0  # seconds any one expensive piece (the reference, a derivation) may take


def _budget(budget) -> float:
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or \
            not 0 < budget <= 86400:
        raise OptionError(f"budget must be a number of seconds above 0 (at most a day), got "
                          f"{budget!r}")
    return float(budget)


def _with_budget(method: str, options: dict, budget: float) -> dict:
    """A method that declares a ``budget`` option gets the comparison's, unless given one."""
    if registry.declaration(method).option("budget") is not None and "budget" not in options:
        return dict(options, budget=budget)
    return options


def compare(f, point, *, methods=None, options: dict | None = None, repeat: int = 5,
            digits: int = DIGITS, name: str | None = None, reference=None,
            argnums=None, budget: float = DEFAULT_BUDGET, progress=None) -> list[dict]:
    """Compare the gradient methods on ``f`` at ``point``: one row per method (see the module
    docstring for the fields).

    ``methods`` defaults to every registered method (``dm.methods()``); ``options`` maps a
    method name to its options, e.g. ``{"finite": {"scheme": "forward"}}``; ``repeat`` is the
    number of timed runs after a warm-up. ``reference``: ``None`` chooses one (the 50-digit
    reference if its predicted time fits ``budget`` seconds, else forward and reverse mode
    agreeing to k digits, see :mod:`.reference_choice`); ``False`` scores nothing; an array is
    your own reference gradient; a :class:`~diffmethods.harness.reference.Reference` is used
    as it is. ``budget`` also goes to every method that declares a ``budget`` option.
    ``progress(label)`` is called after each method; by default a bar shows on a terminal.
    ``argnums`` picks the arguments to differentiate, as in :func:`diffmethods.gradient`;
    gradients in the rows are flat, in the order of ``components`` (``b1[0]``, ``W1[2, 1]``,
    ...).
    """
    if argnums is not None:
        f, point = bind_arguments(f, point, argnums)
    budget = _budget(budget)
    options = options or {}
    methods = registry.methods() if methods is None else list(methods)
    for m in list(options) + methods:
        registry.get_method(m)  # an unknown name is an error listing the valid ones
    problem = Problem(f, point)
    coordinates = problem.x
    given = None
    if reference is False:
        given = NoReference()
    elif reference is not None and not hasattr(reference, "as_data"):
        given = given_reference(reference, problem)
    elif reference is not None:
        given = reference
    warm_up()
    base = {"function": name or function_name(f), "point": coordinates.tolist(),
            "components": problem.component_names()}
    rows = []
    bar = progress_bar(len(methods), "compare") if progress is None else None
    for method in methods:
        declared = registry.declaration(method)
        mine = _with_budget(method, options.get(method, {}), budget)
        row = dict(base, method=method, exact=declared.exact, kind=declared.kind.value,
                   status="ok", note="", settings={}, value=None, gradient=None,
                   reference=None, reference_gradient=None,
                   abs_error=None, rel_error=None, f_calls=None, passes=None, ops=None,
                   seconds=None, setup_seconds=None, repeats=0)
        try:
            first, seconds, runs = median_result(f, point, method, mine, repeat)
        except NOT_APPLICABLE_ERRORS as e:
            row.update(status=NOT_APPLICABLE, note=short_reason(e))
        else:
            gradient = np.asarray(first.flat_gradient, dtype=float)
            row.update(settings=reported_settings(first.details, options.get(method, {})),
                       value=float(first.value), gradient=gradient.tolist(),
                       f_calls=first.f_calls, passes=first.passes, ops=first.ops,
                       seconds=seconds, setup_seconds=_setup_seconds(first.details),
                       repeats=runs)
        rows.append(row)
        (progress or bar)(method)
    if bar is not None:
        bar.close()
    # The reference is built after the methods ran: it derives the symbolic expression, and
    # doing that first would let the symbolic method find it cached (f_calls 0, no setup).
    ref = given
    if ref is None:
        ref, why = choose_reference(f, point, budget, digits)
        if ref is None:
            ref = agreement_reference(rows, why)
    for row in rows:
        row["reference"] = ref.as_data()
        if ref.available:
            row["reference_gradient"] = ref.as_floats().tolist()
            if row["gradient"] is not None:
                row["abs_error"], row["rel_error"] = ref.errors(row["gradient"])
    return CompareRows(rows)


def compare_catalogue(scenarios=None, *, repeat: int = 3, progress=None) -> list[dict]:
    """:func:`compare` on every catalogue entry (or the given :class:`Scenario` objects),
    concatenated; ``function`` is the entry's name. ``progress(label)`` is called after each."""
    from ..catalogue import SCENARIOS
    rows = []
    for s in (SCENARIOS.values() if scenarios is None else scenarios):
        rows.extend(compare(s.f, s.point, repeat=repeat, name=s.name,
                            progress=lambda label: None))
        if progress is not None:
            progress(s.name)
    return CompareRows(rows)
