"""dm.explain as a whole, its renderings, the graph, the descent demo, the CLI and the tutorial."""

import re

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.cli import main
from diffmethods.teaching import MAX_NODES, draw_graph, graph_dot, walk_reverse
from diffmethods.teaching.descent import POOR_STEP, descent_demo, line_data, make_cost
from diffmethods.teaching.document import Explanation, Paragraph, Table
from diffmethods.teaching.graph import layers

SEED = SCENARIOS["seed"].f
SEED_TEXT = "3*(x1**2 + x2*x3)"
PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from the PNG header, and a check that it is a PNG at all."""
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 10_000
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# --- dm.explain and its renderings ---------------------------------------------------------
def test_explain_all_follows_the_registry_and_agrees():
    e = dm.explain(SEED, (2, 3, 4))
    assert list(e.parts) == dm.methods() + ["summary"]
    for m in dm.methods():
        tol = 0 if dm.registry.get_method(m).exact else 1e-8
        assert np.allclose(e[m].gradient, [12, 12, 9], rtol=tol, atol=tol), m
    html = e._repr_html_()
    assert html.count("<table>") >= 10 and "<code>" in html
    md = e.markdown()
    assert md.startswith("# How each method") and "\n| node | operation | inputs | value |" in md


def test_a_method_that_cannot_follow_a_branch_is_reported_not_fatal():
    huber = SCENARIOS["huber"]
    e = dm.explain(huber.f, huber.point)
    assert "Not applicable" in str(e["symbolic"]) and "np.where" in str(e["symbolic"])
    assert e["reverse"].gradient.tolist() == [1.0]
    with pytest.raises(dm.BranchError):
        dm.explain(huber.f, huber.point, method="symbolic")


def test_a_method_registered_from_outside_still_appears():
    def zero(problem):
        """always zero"""
        return problem(problem.inputs(problem.x)), np.zeros(problem.n)

    dm.register_method("zero", zero)
    try:
        e = dm.explain(SEED, (2, 3, 4))
        assert "zero" in e.parts and "No step-by-step explanation" in str(e["zero"])
    finally:
        dm.unregister_method("zero")
    with pytest.raises(dm.UnknownMethodError):
        dm.explain(SEED, (2, 3, 4), method="zero")


def test_text_tables_align_even_with_combining_marks_and_html_escapes():
    e = Explanation("T", [Table(["adjoint", "value"], [["x̄12", 3], ["x̄1", 12]]),
                          Paragraph("a < b and `x**2`")])
    lines = str(e).splitlines()
    table = [line for line in lines if "|" in line]
    assert {line.index("|") - line.count("\u0304") for line in table} == {8}
    assert "a &lt; b" in e._repr_html_() and "<code>x**2</code>" in e._repr_html_()


# --- the graph --------------------------------------------------------------------------------
def test_graph_png_and_layers_of_the_seed(tmp_path):
    walk = walk_reverse(SEED, (2, 3, 4))
    assert layers(walk) == {0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 2, 6: 3}
    width, height = png_size_of(draw_graph, walk, tmp_path / "g.png")
    assert width > height > 200


def png_size_of(draw, walk, path):
    draw(walk, str(path))
    return png_size(path)


def test_graph_dot_has_every_node_and_labelled_edge():
    dot = graph_dot(walk_reverse(SEED, (2, 3, 4)))
    assert dot.startswith('digraph "f" {') and dot.rstrip().endswith("}")
    assert len(re.findall(r"^  x\d \[label=", dot, re.M)) == 7
    assert 'x3 -> x5 [label="x2 = 3"];' in dot and 'x1 -> x4 [label="2*x1 = 4"];' in dot
    assert "x̄3 = 9" in dot
    doubled = graph_dot(walk_reverse(lambda x: x * x, 3.0))
    assert doubled.count("x1 -> x2") == 2


def test_large_graphs_are_refused_with_a_clear_message(tmp_path):
    big = SCENARIOS["rosenbrock_loop"]
    walk = walk_reverse(big.f, big.point_of(8))
    assert len(walk.nodes) > MAX_NODES
    with pytest.raises(dm.OptionError, match=rf"{len(walk.nodes)} nodes.*up to {MAX_NODES}"):
        draw_graph(walk, str(tmp_path / "big.png"))
    assert not (tmp_path / "big.png").exists()
    assert graph_dot(walk).count("->") > MAX_NODES  # DOT text has no limit


# --- gradient descent ---------------------------------------------------------------------
def test_descent_exact_methods_agree_and_a_poor_step_is_biased():
    demo = descent_demo(iterations=30)
    poor = [r for r in demo.runs if r.options == POOR_STEP]
    exact = [r for r in demo.runs if r.options != POOR_STEP]
    assert [r.method for r in exact] == dm.methods() and len(poor) == 1
    for r in exact:  # the same steps: identical for exact methods, to ~1e-10 for finite ones
        tol = 1e-12 if dm.registry.get_method(r.method).exact else 1e-8
        assert np.allclose(r.costs, exact[0].costs, rtol=tol, atol=1e-14)
        assert all(b < a for a, b in zip(r.costs, r.costs[1:]))
        assert r.costs[-1] - demo.best_cost < 1e-5
    assert poor[0].costs[-1] - demo.best_cost > 1e-2
    symbolic = next(r for r in demo.runs if r.method == "symbolic")
    assert symbolic.f_calls[0] == 1 and set(symbolic.f_calls[1:]) == {0}  # derived once
    assert symbolic.calls_text() == "1, then 0"
    calls = {r.label: r.f_calls[1] for r in demo.runs}
    assert calls["reverse"] == 1 and calls[poor[0].label] == 3  # n + 1 with n = 2
    assert [k for k in calls if k.startswith("finite, central")] and \
        calls[next(k for k in calls if k.startswith("finite, central"))] == 5  # 2n + 1


def test_the_poor_step_bias_is_h_over_two_times_the_second_derivative():
    x, y = line_data()
    cost = make_cost(x, y)
    g = dm.gradient(cost, (0.3, -0.2), method="reverse")
    biased = dm.gradient(cost, (0.3, -0.2), method="finite", **POOR_STEP)
    # d2C/dw2 = 2 mean(x^2), d2C/db2 = 2: the forward difference adds h/2 times those
    assert np.allclose(biased - g, POOR_STEP["step"] * np.array([np.mean(x**2), 1.0]),
                       rtol=1e-9)


# --- the command line -----------------------------------------------------------------------
def test_cli_explain_prints_every_method_for_the_seed(capsys):
    assert main(["explain", SEED_TEXT, "--at", "2,3,4"]) == 0
    out = capsys.readouterr().out
    for title in ("Manual differentiation", "Symbolic differentiation",
                  "Finite differences (central)", "Forward mode", "Reverse mode"):
        assert title in out
    assert out.index("Manual") < out.index("Symbolic") < out.index("Finite") \
        < out.index("Forward mode") < out.index("Reverse mode")
    for name in ("x4", "x5", "x6", "x7"):
        assert re.search(rf"^{name}\s+\| ", out, re.M)
    assert re.search(r"^x7\s+\| 3 \* x6\s+\| x6 = 16\s+\|\s+48$", out, re.M)
    assert re.search(r"^x5\s+\| ∂x5/∂x3 \| x2\s+\|\s+3$", out, re.M)
    assert re.search(r"^x̄1\s+\| x̄4·∂x4/∂x1\s+\| 3·4\s+\|\s+12$", out, re.M)
    assert "Gradient = (12, 12, 9)" in out


def test_cli_explain_reverse_with_graph_and_dot(tmp_path, capsys):
    png, dot = tmp_path / "graph.png", tmp_path / "graph.dot"
    assert main(["explain", SEED_TEXT, "--at", "2,3,4", "--method", "reverse",
                 "--graph", str(png), "--dot", str(dot)]) == 0
    out = capsys.readouterr().out
    assert "Forward mode" not in out and f"wrote {png}" in out
    png_size(png)
    assert "x5 -> x6" in dot.read_text()


def test_cli_explain_with_named_variables_and_markdown(capsys):
    assert main(["explain", "a*b + sin(a)", "--at", "2,3", "--vars", "a,b",
                 "--method", "reverse", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Reverse mode") and "`x1` is `a`" in out


def test_cli_explain_errors_are_one_line_with_exit_code_2(tmp_path, capsys):
    cases = [["explain", "x1 + x2", "--at", "1"],
             ["explain", "__import__('os')", "--at", "1"],
             ["explain", "x1**2", "--at", "1", "--method", "finite", "--step", "-1"]]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("diffmethods: error:") and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as e:
        main(["explain", "x1", "--at", "1", "--method", "nonsense"])
    assert e.value.code == 2


def test_cli_descent_reports_calls_and_writes_the_plot(tmp_path, capsys):
    plot = tmp_path / "descent.png"
    assert main(["descent", "--iterations", "15", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "f calls per iteration" in out and "finite, forward h = 0.5" in out
    for m in dm.methods():
        assert re.search(rf"^{m}\b", out, re.M)
    png_size(plot)
    assert main(["descent", "--rate", "2"]) == 2


def test_the_tutorial_formula_is_the_function_it_differentiates():
    from diffmethods.expr import parse_expression
    from diffmethods.teaching.tutorial import SEED_TEXT as TUTORIAL_TEXT
    parsed = parse_expression(TUTORIAL_TEXT)
    for point in [(2.0, 3.0, 4.0), (-1.5, 0.25, 7.0)]:
        assert parsed(*point) == SEED(*point)
        assert np.array_equal(dm.gradient(parsed, point), dm.gradient(SEED, point))


def test_cli_tutorial_writes_a_complete_lesson(tmp_path, capsys):
    assert main(["tutorial", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "tutorial.md").read_text()
    headings = re.findall(r"^## (\d+)\. (.+)$", text, re.M)
    assert [int(h[0]) for h in headings] == list(range(1, len(headings) + 1))
    titles = [h[1] for h in headings]
    for word in ("Manual", "Symbolic", "Finite", "Richardson", "Complex step", "Forward",
                 "Reverse", "costs", "descent", "Which method"):
        assert any(t.startswith(word) or word in t for t in titles), word
    assert all(t[0].isupper() for t in titles)  # sentence case
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(figures) == 5
    for link in figures:
        png_size(tmp_path / link)
    assert "Gradient = (12, 12, 9)" not in text  # Markdown bold
    assert "**Gradient** = (12, 12, 9)" in text and "x̄3 += ∂x5/∂x3·x̄5" in text
    assert len(text) > 20_000
    first = without_times(text)
    notebook = without_times((tmp_path / "tutorial.ipynb").read_text())
    assert first.count(MEASURED) >= 4  # the times are there, each marked as measured
    assert main(["tutorial", "--out", str(tmp_path)]) == 0
    # regenerating is deterministic, apart from the times measured while it ran; the notebook
    # edition too
    assert without_times((tmp_path / "tutorial.md").read_text()) == first
    assert without_times((tmp_path / "tutorial.ipynb").read_text()) == notebook


MEASURED = "<measured>"


def without_times(text: str) -> str:
    """The tutorial with every measured time (marked ≈, or in a time column) blanked."""
    text = re.sub(r"≈[\d.,]+(?: (?:ms|µs|s)\b)?", MEASURED, text)
    return re.sub(r"\| [\d.]+ (?:ms|µs|s) \|", f"| {MEASURED} |", text)


def test_dead_nodes_and_values_outside_the_domain_are_explained_not_fatal():
    def unused(x1, x2):
        np.sqrt(x2)  # computed, never used: no path to f
        return x1 * 3

    walk = walk_reverse(unused, (1.0, 4.0))
    assert type(walk.nodes[2].adjoint) is int and walk.gradient.tolist() == [3.0, 0.0]
    assert "df/dx2 = 0: no path leads from x2 to f" in str(dm.explain(unused, (1.0, 4.0),
                                                                      method="reverse"))
    assert "no path to f" in graph_dot(walk)
    with np.errstate(all="ignore"):  # sqrt at 0: the bumped point x2 - h gives nan
        e = dm.explain(lambda x1, x2: 2 * x1 + 0 * np.sqrt(x2), (1.0, 0.0))
    assert e["reverse"].gradient[0] == 2.0 and "nan" in str(e["finite"])


def balanced_sum(terms):
    """(a + b) + (c + d): a long sum that the parser's nesting limit accepts."""
    if len(terms) == 1:
        return terms[0]
    half = len(terms) // 2
    return f"({balanced_sum(terms[:half])} + {balanced_sum(terms[half:])})"


def test_cli_graph_of_200_nodes_prints_the_text_and_says_why_not_drawn(tmp_path, capsys):
    formula = balanced_sum([f"sin(x{i % 4 + 1})*x{(i + 1) % 4 + 1}" for i in range(66)])
    png, dot = tmp_path / "g.png", tmp_path / "g.dot"
    assert main(["explain", formula, "--at", "1,2,3,4", "--method", "reverse",
                 "--graph", str(png), "--dot", str(dot)]) == 0
    out = capsys.readouterr().out
    assert "Reverse mode" in out and "Gradient = (" in out
    line = [s for s in out.splitlines() if s.startswith("graph not drawn:")]
    assert len(line) == 1 and "nodes" in line[0] and "--dot" in line[0]
    nodes = int(re.search(r"has (\d+) nodes", line[0]).group(1))
    assert nodes >= 200 and not png.exists() and dot.read_text().count("->") > 200
