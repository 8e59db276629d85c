"""The tutorial as a Jupyter notebook, made from the same sections as ``tutorial.md``.

:func:`tutorial_notebook` turns the tutorial's sections (:class:`~.document.Explanation`
objects) into cells: each section's text becomes Markdown cells, exactly as ``tutorial.md``
prints it; each of its figures becomes a code cell that draws the figure with the plotting API
(so it shows inline, and the learner can change it); each section ends with a cell that
recomputes its method's numbers live. "Predict, then run" exercises are placed where a section
has given the learner what is needed and not yet the answer: a Markdown cell asks for a
prediction, and the code cell after it computes the answer with the library. Those cells carry
``{"diffmethods": {"exercise": key}}`` in their metadata, so a test can execute the notebook and
check each answer against the library.

The notebook is stored without outputs -- the predictions come before the answers -- and with
fixed cell ids, so regenerating it gives the same bytes. Writing it needs ``nbformat`` (the
``notebook`` extra); running it, a Jupyter kernel (``ipykernel``).
"""

from __future__ import annotations

import inspect
import os
import textwrap
from dataclasses import dataclass

from ..methods.finite import FiniteDifferences
from ..methods.forward import ForwardMode
from ..methods.reverse import ReverseMode
from ..methods.symbolic import SymbolicMethod
from .document import Figure, fragment

NOTEBOOK = "tutorial.ipynb"
EXERCISE_TAG = "diffmethods"  # the metadata key of an answer cell: {"exercise": key}


@dataclass(frozen=True)
class Exercise:
    """Predict, then run: ``prompt`` (Markdown) asks, ``code`` answers (its last line is the
    answer). It goes into the section whose title contains ``section``, after the figure
    file ``after`` -- or, when ``after`` is None, after the section's first paragraph, where
    the method has been introduced but not yet shown at work."""

    key: str
    section: str
    prompt: str
    code: str
    after: str | None = None


def _setup(f_source: str, point: tuple, shared_source: str) -> str:
    """The first code cell: the imports, the lesson's two functions and its point."""
    return "\n".join([
        "import numpy as np",
        "",
        "import diffmethods as dm",
        "from diffmethods.catalogue import SCENARIOS",
        "from diffmethods.teaching import (descent_demo, draw_graph, plot_bump_error,",
        "                                  plot_descent, walk_reverse)",
        "",
        f_source.rstrip(),
        "",
        "",
        shared_source.rstrip(),
        "",
        "",
        f"point = {tuple(point)!r}",
        "f(*point)"])


def _source(function, name: str) -> str:
    """The source of ``function``, defined under ``name``, without decorators."""
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("def "))
    head = lines[start]
    return "\n".join([f"def {name}(" + head.split("(", 1)[1]] + lines[start + 1:])


def _m(method) -> str:
    """``method="reverse"`` as code, from the method's class (never a typed name)."""
    return f"method={method.name!r}"


def figure_code(seed_text: str, shared_text: str) -> dict:
    """Figure file name -> the code that draws it (the calls ``write_tutorial`` makes)."""
    forward = f"f = {seed_text}: the forward pass"
    backward = f"f = {seed_text}: after the backward pass"
    return {
        "finite_bump_error.png": "plot_bump_error(f, point)",
        "graph_seed_forward.png": ("draw_graph(walk_reverse(f, point), adjoints=False,\n"
                                   f"           title={forward!r})"),
        "graph_seed.png": f"draw_graph(walk_reverse(f, point),\n           title={backward!r})",
        "graph_shared.png": ("draw_graph(walk_reverse(shared, (2.0, 3.0)),\n"
                             f"           title={f'f = {shared_text} at (2, 3)'!r})"),
        "descent.png": "plot_descent(descent_demo())",
    }


# the cell that ends a section: its method's numbers, recomputed (and shown as a table)
RUN = {
    "How a computer": "dm.gradient(f, point)",
    "Manual": ("# your own hand-derived gradient, checked against a trustworthy one:\n"
               "def my_gradient(x1, x2, x3):\n"
               "    return 6 * x1, 3 * x3, 3 * x2\n\n"
               "dm.manual(my_gradient)(f)  # attached: the manual method now uses it\n"
               "dm.check_gradient(f, my_gradient, point)"),
    "Symbolic": "dm.symbolic_gradient(f, point)",
    "Finite differences": f"dm.differentiate(f, point, {_m(FiniteDifferences)})",
    "Forward mode": f"dm.differentiate(f, point, {_m(ForwardMode)}, chunk=1)",
    "Reverse mode": f"dm.differentiate(f, point, {_m(ReverseMode)})",
    "Which method": ("rows = dm.compare(f, point, repeat=3)\n"
                     "rows"),
}

EXERCISES = (
    Exercise("df_dx3", "Manual",
             "**Predict, then run.** Differentiate `f = 3*(x1**2 + x2*x3)` by hand with "
             "respect to x3. What is ∂f/∂x3 at `(x1, x2, x3) = (2, 3, 4)`? Write your answer "
             "down, then run the next cell.",
             "sg = dm.symbolic_gradient(f, point)\n"
             "print('df/dx3 =', sg.gradient[2])\n"
             f"float(dm.gradient(f, point, {_m(SymbolicMethod)})[2])"),
    Exercise("forward_error", "Finite differences",
             "**Predict, then run.** The forward difference `(f(x1 + h) - f(x1)) / h` with a "
             "bump of 1 % of x1, `h = 0.02`: how far from the exact ∂f/∂x1 = 12 does it land, "
             "and on which side? (Expand `(x1 + h)**2`: what is left over after dividing by "
             "h?)",
             "h = 0.02\n"
             f"estimate = dm.gradient(f, point, {_m(FiniteDifferences)}, scheme='forward', "
             "step=h)[0]\n"
             f"exact = dm.gradient(f, point, {_m(ReverseMode)})[0]\n"
             "float(estimate - exact)"),
    Exercise("forward_passes", "Forward mode",
             "**Predict, then run.** Forward mode carries one tangent direction per pass "
             "when `chunk=1`. How many passes does the gradient of our f (3 inputs) take? And "
             "the gradient of the Rosenbrock function with 1000 inputs?",
             "rosenbrock = SCENARIOS['rosenbrock']\n"
             f"seed = dm.differentiate(f, point, {_m(ForwardMode)}, chunk=1)\n"
             "big = dm.differentiate(rosenbrock.f, rosenbrock.point_of(1000), "
             f"{_m(ForwardMode)}, chunk=1)\n"
             "seed.passes, big.passes"),
    Exercise("adjoint_x2", "Reverse mode",
             "**Predict, then run.** The graph above has the local partial derivative on "
             "every edge. The adjoint x̄2 = ∂f/∂x2 is the product of the partials along the "
             "path from x2 to f (a sum over paths, if there were several). What is it?",
             "walk = walk_reverse(f, point)\n"
             "float(walk.nodes[1].adjoint)  # node 1 is x2 (nodes 0, 1, 2 are the inputs)",
             after="graph_seed_forward.png"),
    Exercise("descent_step", "gradient descent",
             "**Predict, then run.** One step of gradient descent with learning rate 0.01 "
             "moves each input against its partial derivative: `x_new = x - 0.01 * "
             "gradient`. Starting from (2, 3, 4), where does x1 land?",
             "x_new = np.array(point) - 0.01 * dm.gradient(f, point)\n"
             "float(x_new[0])"),
)


def _section_key(title: str, keys) -> str | None:
    return next((k for k in keys if k.lower() in title.lower()), None)


def _section_cells(section, level: int, figures: dict, placed: set):
    """(kind, source, metadata) for the cells of one section; the exercises placed are added
    to ``placed``."""
    exercises = [e for e in EXERCISES if e.section.lower() in section.title.lower()]
    text = ["#" * level + " " + section.title]  # Markdown waiting to become one cell

    def flush():
        if text:
            yield "markdown", "\n\n".join(text), {}
            text.clear()

    def exercise_cells(anchor):
        for e in exercises:
            if e.after == anchor and e.key not in placed:
                placed.add(e.key)
                yield from flush()
                yield "markdown", e.prompt, {}
                yield "code", e.code, {EXERCISE_TAG: {"exercise": e.key}}

    paragraphs = 0
    for block in section.blocks:
        name = os.path.basename(block.path) if isinstance(block, Figure) else None
        if name in figures:
            yield from flush()
            yield "code", figures[name], {}
            text.append(f"*{block.caption}*")
            yield from exercise_cells(name)
            continue
        text.append(fragment([block]))  # a figure without code stays a linked picture
        paragraphs += 1
        if paragraphs == 1:
            yield from exercise_cells(None)
    yield from flush()
    run = _section_key(section.title, RUN)
    if run is not None:
        yield "code", RUN[run], {}


def _cells(sections, figures: dict):
    """(kind, source, metadata) for every cell of the sections, in order: the first section
    at heading level 1, the others at level 2, as in ``tutorial.md``."""
    placed: set = set()
    for k, section in enumerate(sections):
        yield from _section_cells(section, 1 if k == 0 else 2, figures, placed)
    missing = [e.key for e in EXERCISES if e.key not in placed]
    if missing:  # a renamed section or figure must not drop an exercise unnoticed
        raise ValueError(f"tutorial notebook: no place found for the exercises {missing}")


def tutorial_notebook(sections, f, point, shared, seed_text: str, shared_text: str):
    """The notebook (an ``nbformat`` NotebookNode) of the tutorial's ``sections``: the first
    at heading level 1, the others at level 2, as in ``tutorial.md``."""
    import nbformat
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell(
        "*The notebook edition of `tutorial.md`, generated from the same source by "
        "`diffmethods tutorial`. Run the cells from the top (Run All, or Shift+Enter one at a "
        "time): the code cells recompute every number and draw every figure with "
        "diffmethods itself. Where it says **Predict, then run**, make your guess before "
        "running the cell below it.*"),
        v4.new_code_cell(_setup(_source(f, "f"), point, _source(shared, "shared")))]
    figures = figure_code(seed_text, shared_text)
    for kind, source, metadata in _cells(sections, figures):
        make = v4.new_code_cell if kind == "code" else v4.new_markdown_cell
        cells.append(make(source, metadata=metadata))
    for k, cell in enumerate(cells):  # fixed ids: the same notebook gives the same bytes
        cell.id = f"cell-{k:03d}"
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb


def notebook_text(nb) -> str:
    """The notebook as the .ipynb file's text."""
    import nbformat
    return nbformat.writes(nb) + "\n"


def can_write_notebooks() -> bool:
    """Whether nbformat (the ``notebook`` extra) is installed."""
    import importlib.util
    return importlib.util.find_spec("nbformat") is not None
