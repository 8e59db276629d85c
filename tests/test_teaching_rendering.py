"""Every explanation rendered three ways, and the Markdown read back by a real CommonMark/GFM
renderer: formulas survive (``x1**2`` is text, never bold), headings keep ``x1*x2*x3``,
tables are tables. The tutorial's Markdown is checked the same way."""

import re

import numpy as np
import pytest
from markdown_it import MarkdownIt

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.cli import main
from diffmethods.expr import parse_expression
from diffmethods.teaching.document import Explanation, Paragraph, Table, code, plain

GFM = MarkdownIt("commonmark", {"html": False}).enable("table")


def baydin(x1, x2):
    """Baydin et al. (2018)'s example: f = ln x1 + x1·x2 - sin x2 at (2, 5)."""
    return np.log(x1) + x1 * x2 - np.sin(x2)


CASES = {"seed": (SCENARIOS["seed"].f, (2, 3, 4)), "baydin": (baydin, (2, 5))}


def assert_no_formula_is_emphasised(html: str):
    """Bold or italics glued to the characters around them come from the stars of a formula
    (x1*x2*x3 -> x1<em>x2</em>x3, u**n·u**(n-1) -> u<strong>n·u</strong>(n-1)): authored
    emphasis stands between spaces or punctuation."""
    for m in re.finditer(r"(.)<(strong|em)>(.*?)</\2>(.)", html, re.S):
        before, tag, inner, after = m.groups()
        assert not (before.isalnum() or after.isalnum() or after == "("), (tag, m.group(0))
        assert "·" not in inner, (tag, inner)


@pytest.fixture(scope="module", params=sorted(CASES))
def explanation(request):
    f, point = CASES[request.param]
    return dm.explain(f, point)


def test_every_method_is_rendered_three_ways(explanation):
    assert set(explanation.parts) == set(dm.methods()) | {"summary"}
    for part in list(explanation.parts.values()) + [explanation]:
        text, markdown, html = part.text(), part.markdown(), part.html()
        assert text and markdown and html
        assert "<strong>" not in text and "**Gradient**" not in text
        assert_no_formula_is_emphasised(GFM.render(markdown))
        assert_no_formula_is_emphasised(html)


def test_the_markdown_tables_are_tables(explanation):
    markdown = explanation.markdown()
    tables = sum(1 for line in markdown.splitlines() if re.fullmatch(r"\|(-+:?\|)+", line))
    assert tables >= 10
    assert GFM.render(markdown).count("<table>") == tables


def test_the_power_survives_markdown_and_html():
    e = dm.explain(SCENARIOS["seed"].f, (2, 3, 4), method=dm.methods()[0])  # manual rules
    for html in (GFM.render(e.markdown()), e.html()):
        assert "x1**2" in html or "x**2" in html
        assert "u**n" in html  # the power rule, d(u**n) = n·u**(n-1)·d(u)
        assert "<strong>n)" not in html


def test_a_typed_formula_keeps_its_stars_in_the_heading():
    parsed = parse_expression("x1*x2*x3")
    e = dm.explain(parsed, (2, 3, 4))
    heading = GFM.render(e.markdown().splitlines()[0])
    assert "<code>x1*x2*x3</code>" in heading and "<em>" not in heading
    assert "x1*x2*x3" in e.text().splitlines()[0]


def test_cli_html_is_a_page_with_formulas_intact(capsys):
    assert main(["explain", "3*(x1**2 + x2*x3)", "--at", "2,3,4", "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>") and "<code>3*(x1**2 + x2*x3)</code>" in out
    assert_no_formula_is_emphasised(out)


def test_code_spans_and_cells_hold_anything():
    e = Explanation("T " + code("a`b*c"), [Paragraph("see " + code("x**2") + " **bold**"),
                                           Table(["f", "g"], [["a|b", "x_i*y"]])])
    html = e.html()
    assert "<code>a`b*c</code>" in html and "<strong>bold</strong>" in html
    assert "<td>a|b</td>" in html and "<td><code>x_i*y</code></td>" in html
    assert plain("**bold** " + code("x**2")) == "bold `x**2`"


@pytest.fixture(scope="module")
def tutorial_html(tmp_path_factory):
    """The tutorial, written by the CLI once for this module, rendered by CommonMark/GFM."""
    out = tmp_path_factory.mktemp("tutorial")
    assert main(["tutorial", "--out", str(out)]) == 0
    return GFM.render((out / "tutorial.md").read_text())


def test_the_tutorial_markdown_renders_cleanly(tutorial_html):
    html = tutorial_html
    assert_no_formula_is_emphasised(html)
    assert "3*(x1**2 + x2*x3)" in html and html.count("<table>") >= 10
    assert "<em>" in html  # the captions keep their italics


def _header_cells(table_html: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", table_html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]


def test_the_tutorial_explains_all_seven_methods_and_shows_costs_beside_passes(tutorial_html):
    html = tutorial_html
    headings = re.findall(r"<h2>\d+\. (.*?)</h2>", html)
    for title in ("Manual differentiation", "Symbolic differentiation", "Finite differences",
                  "Richardson extrapolation", "Complex step", "Forward mode", "Reverse mode"):
        assert title in headings, title
    tables = [_header_cells(t) for t in re.findall(r"<table>.*?</table>", html, re.S)]
    # passes never stand alone: the work they carried is in the next column
    with_passes = [h for h in tables if any("passes" in c for c in h)]
    assert with_passes
    for header in with_passes:
        assert any("tangent entries" in c or "work" in c for c in header), header
    cost = next(h for h in tables if "forward: tangent entries" in h)
    assert cost.index("forward: tangent entries") == cost.index("forward: passes") + 1
    assert cost.index("reverse: records + adjoint updates") == cost.index("reverse: passes") + 1
    summary = next(h for h in tables if "work carried" in h)
    assert summary.index("work carried") == summary.index("passes") + 1
    assert "time (measured)" in summary
    # the lesson's claims, with their numbers computed: the seed's one forward pass carried
    # 12 tangent entries, reverse 4 records + 6 adjoint updates; at n = 1000 forward mode
    # carries 1000 tangents per operation of f
    assert "12 tangent entries (4 ops × 3 directions)" in html
    assert "4 records + 6 adjoint updates" in html and "cheap-gradient principle" in html
    assert "<td>7,992,000</td>" in html and "7,992 records + 10,988 adjoint updates" in html
    assert re.search(r"Measured on this machine.*≈[\d.]+ (ms|s)", html)
    # small things: the chain rule, machine epsilon and the descent update written out
    assert "<code>x̄j = Σk ∂xk/∂xj · x̄k</code>" in html and "dxk/dxi = Σj" in html
    assert "<code>eps = 2**-52 ≈ 2.2e-16</code>" in html
    assert "<code>x_{k+1} = x_k − η·∇f(x_k)</code>" in html
    # the complex step's failure is shown, live: plain complex arithmetic loses |x|'s slope
    row = re.search(r"<tr>\s*<td>\|x\|</td>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row) == ["2", "0", "1", "1"]
    assert not re.search(r"\d\.\d+ calls|then \d+\.\d", html)  # whole counts only


def test_every_method_has_a_step_by_step_explanation_and_the_introduction_counts_them(
        explanation):
    for method in dm.methods():
        assert "No step-by-step explanation" not in explanation[method].text(), method
    words = {7: "Seven", 8: "Eight", 9: "Nine", 10: "Ten"}
    n = len(dm.methods())
    assert explanation.blocks[0].text.startswith(f"{words.get(n, n)} ways")


def test_an_explanation_also_displays_as_markdown_that_keeps_powers():
    import diffmethods as dm
    from markdown_it import MarkdownIt
    e = dm.explain(lambda x1, x2: x1**2 * x2, (2.0, 3.0), method="reverse")
    html = MarkdownIt("commonmark").enable("table").render(e._repr_markdown_())
    assert "<code>x1 ** 2</code>" in html and "<em>" not in html
