"""Notebooks: the tutorial's notebook edition runs cleanly in a real kernel, its exercises'
answers are the library's numbers, figures show inline, and results display as tables whose
formulas survive a Markdown renderer."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest
from markdown_it import MarkdownIt
from nbclient import NotebookClient

import diffmethods as dm
from diffmethods import plots
from diffmethods.catalogue import SCENARIOS
from diffmethods.harness.rows import CompareRows, Rows
from diffmethods.methods.finite import FiniteDifferences
from diffmethods.methods.forward import ForwardMode
from diffmethods.methods.reverse import ReverseMode
from diffmethods.teaching import walk_reverse
from diffmethods.teaching.notebook import EXERCISE_TAG, EXERCISES, NOTEBOOK, figure_code
from diffmethods.teaching.tutorial import SEED_TEXT, SHARED_TEXT, write_tutorial

SEED = SCENARIOS["seed"]
POINT = (2.0, 3.0, 4.0)
# an independent renderer (GFM tables, raw HTML off), not the package's own instance
RENDER = MarkdownIt("commonmark", {"html": False}).enable("table").render


def seed(x1, x2, x3):
    return 3 * (x1**2 + x2 * x3)


# --- the notebook, written and run once for the tests below --------------------------------
@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """(the tutorial's directory, the notebook as written, the notebook after running it)."""
    out = tmp_path_factory.mktemp("tutorial")
    written = write_tutorial(str(out))
    assert os.path.join(str(out), NOTEBOOK) in written
    nb = nbformat.read(out / NOTEBOOK, as_version=4)
    ran = nbformat.from_dict(json.loads(json.dumps(nb)))  # a copy to execute
    with pytest.MonkeyPatch.context() as mp:  # the kernel's files stay in the test's folder
        mp.setenv("JUPYTER_RUNTIME_DIR", str(out / ".runtime"))
        mp.setenv("IPYTHONDIR", str(out / ".ipython"))
        # the kernel is this interpreter's ipykernel ("python3" is its native kernel name)
        NotebookClient(ran, kernel_name="python3", timeout=120,
                       resources={"metadata": {"path": str(out)}}).execute()
    return out, nb, ran


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_every_cell_runs_without_an_error(executed):
    _, nb, ran = executed
    errors = [o for o in _outputs(ran) if o.output_type == "error"]
    assert errors == []
    assert [c.source for c in ran.cells] == [c.source for c in nb.cells]
    assert all(c.execution_count for c in ran.cells if c.cell_type == "code")


def test_the_notebook_is_stored_without_outputs_and_with_fixed_ids(executed):
    _, nb, _ = executed
    assert _outputs(nb) == []  # the predictions come before the answers
    assert [c.id for c in nb.cells] == [f"cell-{k:03d}" for k in range(len(nb.cells))]
    nbformat.validate(nb)


def _answers(ran) -> dict:
    out = {}
    for cell in ran.cells:
        key = cell.metadata.get(EXERCISE_TAG, {}).get("exercise")
        if key is not None:
            result = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert len(result) == 1, key
            out[key] = eval(result[0].data["text/plain"], {})  # a number or a tuple of ints
    return out


def test_each_exercise_is_a_prediction_then_a_cell_that_computes_the_answer(executed):
    _, nb, _ = executed
    keys = []
    for before, cell in zip(nb.cells[:-1], nb.cells[1:], strict=True):
        key = cell.metadata.get(EXERCISE_TAG, {}).get("exercise")
        if key is not None:
            keys.append(key)
            assert cell.cell_type == "code"
            assert before.cell_type == "markdown" and "Predict, then run" in before.source
    assert keys == [e.key for e in EXERCISES]


def test_the_exercise_answers_computed_live_are_the_librarys_values(executed):
    answers = _answers(executed[2])
    grad = dm.gradient(seed, POINT, method=ReverseMode.name)
    assert answers["df_dx3"] == grad[2] == 9
    assert answers["adjoint_x2"] == walk_reverse(seed, POINT).nodes[1].adjoint == grad[1] == 12
    assert answers["descent_step"] == pytest.approx(2 - 0.01 * 12, abs=1e-15)
    h = 0.02
    forward = dm.gradient(seed, POINT, method=FiniteDifferences.name, scheme="forward", step=h)
    assert answers["forward_error"] == forward[0] - grad[0]
    assert answers["forward_error"] == pytest.approx(3 * h, rel=1e-9)  # 3·((x+h)² - x²)/h - 6x
    rosenbrock = SCENARIOS["rosenbrock"]
    big = dm.differentiate(rosenbrock.f, rosenbrock.point_of(1000), method=ForwardMode.name,
                           chunk=1)
    assert answers["forward_passes"] == (3, big.passes) == (3, 1000)


def test_figures_are_drawn_by_code_cells_and_show_inline(executed):
    _, nb, ran = executed
    drawn = set(figure_code(SEED_TEXT, SHARED_TEXT).values())
    figure_cells = [c for c in ran.cells if c.cell_type == "code" and c.source in drawn]
    assert len(figure_cells) == len(drawn) == 5
    for cell in figure_cells:
        pngs = [o.data["image/png"] for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(pngs) == 1, cell.source  # once: not also through pyplot
    # the figures live in code, not as images of the PNGs the Markdown edition uses (links to
    # the animations in tutorial/ stay links: the notebook sits beside that folder)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "![" not in markdown


def test_results_display_as_html_tables_in_the_notebook(executed):
    html = [o.data["text/html"] for o in _outputs(executed[2])
            if "text/html" in o.get("data", {})]
    compared = [h for h in html if "<th>method</th>" in h]                # dm.compare's rows
    assert len(compared) == 1 and "not applicable" not in compared[0]     # manual attached
    assert any("<code>3*x1**2 + 3*x2*x3</code>" in h for h in html)       # a symbolic gradient
    assert any("every component agrees" in h for h in html)               # a gradient check


def test_the_notebook_says_what_the_markdown_edition_says(executed):
    out, nb, _ = executed
    markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    text = (out / "tutorial.md").read_text()
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    pictures = [b for b in blocks if b.startswith("![")]
    assert len(pictures) == 5
    missing = [b for b in blocks if b not in pictures and b not in markdown]
    assert missing == []


# --- figures ---------------------------------------------------------------------------------
def test_a_plot_returns_a_figure_that_shows_itself_as_png():
    rows = dm.epsilon_sweep(seed, POINT, steps=[1e-6, 1e-3], methods=[])
    fig = plots.plot_sweep(rows)
    png = fig._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == plots.figure_bytes(fig)


def test_the_library_never_switches_the_backend_or_holds_figures_in_pyplot():
    script = ("import sys, matplotlib; matplotlib.use('svg')\n"
              "import diffmethods as dm, diffmethods.plots, diffmethods.teaching as t\n"
              "fig = t.draw_graph(t.walk_reverse(lambda a, b: a * b, (2.0, 3.0)))\n"
              "fig._repr_png_()\n"
              "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert run.stdout.split() == ["svg", "False"]


# --- rich display of results -----------------------------------------------------------------
def _both(obj) -> tuple[str, str]:
    """(the HTML the object gives, its Markdown rendered by an independent renderer)."""
    return obj._repr_html_(), RENDER(obj._repr_markdown_())


def test_a_result_displays_its_components_costs_and_details():
    r = dm.differentiate(seed, POINT, method="richardson")
    for html in _both(r):
        assert "<td>x2</td>" in html and "error_estimate" in html and "<table>" in html
        assert re.search(r"27 calls of f, 27 passes", html)
    structured = dm.differentiate(lambda p: p["a<b"] ** 2, {"a<b": 3.0},
                                  method=ReverseMode.name)
    for html in _both(structured):
        assert "<code>p['a&lt;b']</code>" in html and "a<b" not in html
        assert "1 call of f, 2 passes" in html


def test_a_long_result_shows_its_first_components_and_says_so():
    r = dm.differentiate(lambda x: np.sum(x**2), np.arange(40.0), method=ReverseMode.name)
    md = r._repr_markdown_()
    assert md.count("| `x[") == 12 and "Showing 12 of 40 components" in md


def test_a_gradient_check_displays_the_disagreeing_components_first():
    check = dm.check_gradient(seed, lambda x1, x2, x3: (6 * x1, 3 * x3, 3 * x2 + 1e-3), POINT)
    for html in _both(check):
        assert "1 of 3 components disagree" in html
        first = re.search(r"<tbody>\s*<tr>\s*<td>(\w+)</td>", html).group(1)
        assert first == "x3" and "<td>NO</td>" in html
        assert "round-off ~" in html
    # escaped, so that a GFM renderer (where ~x~ strikes through) shows the tilde
    assert "round-off \\~" in check._repr_markdown_()


def test_a_symbolic_gradient_displays_powers_as_code_not_bold():
    sg = dm.symbolic_gradient(lambda x1, x2: x1**2 * x2, 2)
    for html in _both(sg):
        assert "<code>x1**2*x2</code>" in html and "<code>x1**2</code>" in html
        assert "<code>2*x1*x2</code>" in html and html.count("<strong>") == 1  # the title


def test_compare_rows_are_still_the_list_of_dicts_and_show_as_a_table():
    rows = dm.compare(seed, POINT, repeat=1, name="3*(x1**2 + x2*x3) < 49",
                      progress=lambda label: None)
    assert isinstance(rows, CompareRows) and isinstance(rows, list)
    plain = [dict(r) for r in rows]
    assert rows == plain and json.dumps(rows) == json.dumps(plain)
    assert pickle.loads(pickle.dumps(rows)) == rows
    assert type(rows[:2]) is list and rows[-1]["method"] == dm.methods()[-1]
    text = repr(rows)
    assert text.splitlines()[0].split()[:2] == ["method", "gradient"]
    assert all(m in text for m in dm.methods()) and str(rows) == text
    for html in _both(rows):
        assert "<code>3*(x1**2 + x2*x3) &lt; 49</code>" in html
        assert html.count("<tr>") == len(rows) + 1 and "Errors against" in html
    rows.append("not a row")  # a list edited out of shape still prints, as the list
    assert repr(rows).endswith("'not a row']")


def test_sweep_rows_show_their_summary_per_curve():
    rows = dm.epsilon_sweep(seed, POINT, steps=np.logspace(-10, -1, 10), name="x1**2 < 5")
    assert isinstance(rows, Rows) and len(rows) == 10 * len({r["series"] for r in rows})
    curves = len({r["series"] for r in rows})
    for html in _both(rows):
        assert "<code>x1**2 &lt; 5</code>" in html
        assert html.count("<tr>") == curves + 1 and "observed best step" in html
    assert len(repr(rows).splitlines()) == curves + 2


def test_scaling_rows_show_as_a_table():
    rows = dm.scaling(SCENARIOS["rosenbrock"], [2, 3], repeat=1, name="x1**2 < n",
                      variants=[("reverse", ReverseMode.name, {})])
    assert [(r["n"], r["passes"]) for r in rows] == [(2, 2), (3, 2)]
    for html in _both(rows):
        assert "<code>x1**2 &lt; n</code>" in html and html.count("<tr>") == 3


def test_without_nbformat_the_tutorial_says_it_skipped_the_notebook(monkeypatch):
    from diffmethods.teaching import notebook, tutorial
    monkeypatch.setattr(notebook, "can_write_notebooks", lambda: False)
    with pytest.warns(UserWarning, match=r"tutorial.ipynb not written: it needs nbformat "
                                         r"\(pip install 'diffmethods\[notebook\]'\)"):
        assert tutorial._write_notebook(None, [], seed, POINT) == []
