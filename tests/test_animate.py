"""The passes animated: the steps as data, the HTML page (loaded in headless Chromium), the GIF,
the command line and the tutorial's animations."""

import functools
import io
import operator
import re
import shutil
import subprocess
import unicodedata

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.cli import main
from diffmethods.errors import OptionError, OutputError, PointError
from diffmethods.expr import parse_expression
from diffmethods.methods.forward import ForwardMode
from diffmethods.methods.reverse import ReverseMode
from diffmethods.methods.symbolic import SymbolicMethod
from diffmethods.teaching.animation import MAX_STEPS, animate


def seed(x1, x2, x3):
    return 3 * (x1**2 + x2 * x3)


POINT = (2.0, 3.0, 4.0)


def small(x1, x2):
    return x1 * x2 + x1


@pytest.fixture(scope="module")
def reverse():
    return dm.animate(seed, POINT)


def nfc(text):  # ẋ is x + a combining dot in the package, one character when typed here
    return unicodedata.normalize("NFC", text)


def kinds(steps):
    return [s.kind for s in steps]


# --- the steps ----------------------------------------------------------------------------------
def test_reverse_steps_record_the_tape_then_sweep_it_back(reverse):
    steps = reverse.steps
    assert reverse.method == ReverseMode.name
    assert kinds(steps) == ["input"] * 3 + ["operation"] * 4 + ["seed"] + ["accumulate"] * 6 \
        + ["result"]
    assert [s.number for s in steps] == list(range(1, 16))
    assert [s.node_name for s in steps[:7]] == ["x1", "x2", "x3", "x4", "x5", "x6", "x7"]
    output = steps[6]
    assert output.value == 48 and "f = 48" in output.lines[-1]
    assert output.lines[0] == "x7 = 3 * x6 = 3 * 16 = 48"
    # the sweep's order, as the library made it: x̄6, x̄4, x̄5, x̄2, x̄3, x̄1
    sweep = steps[8:14]
    assert [(s.node_name, s.adjoint) for s in sweep] == [
        ("x6", 3), ("x4", 3), ("x5", 3), ("x2", 12), ("x3", 9), ("x1", 12)]
    assert sweep[3].lines[1] == "x̄2 += ∂x5/∂x2·x̄5 = 4·3 = 12"
    assert sweep[4].lines[1] == "x̄3 += ∂x5/∂x3·x̄5 = 3·3 = 9"
    assert sweep[5].lines[1] == "x̄1 += ∂x4/∂x1·x̄4 = 4·3 = 12"
    assert steps[7].adjoint == 1 and steps[7].node_name == "x7"
    assert "(12, 12, 9)" in steps[-1].lines[0] and steps[-1].node is None
    # every gradient entry appears after the value 48, each at its own input's step
    at = {s.node_name: s.number for s in sweep}
    assert output.number < at["x2"] < at["x3"] < at["x1"]


def test_each_step_colours_the_graph_for_what_it_does(reverse):
    x5 = reverse.steps[4]  # computing x5 = x2 * x3 reads x2 and x3
    assert x5.status == ("done", "source", "source", "done", "current", "pending", "pending")
    assert x5.values[5] == "" and x5.values[4] == "12"
    edges = {(reverse.edges[e][0], reverse.edges[e][1]): s for e, s in enumerate(x5.edge_status)}
    assert edges[(1, 4)] == edges[(2, 4)] == "current" and edges[(4, 5)] == "pending"
    back = reverse.steps[11]  # x̄2 += ∂x5/∂x2·x̄5: x5 passes back along its edge from x2
    assert back.status[1] == "current" and back.status[4] == "source"
    assert reverse.edges[back.edge][:2] == (1, 4) and back.edge_status[back.edge] == "current"
    assert back.extras[1] == "x̄2 = 12" and back.extras[0] == ""  # x̄1 not reached yet
    assert reverse.steps[-1].extras[:3] == ("x̄1 = 12", "x̄2 = 12", "x̄3 = 9")


def test_forward_mode_runs_one_tangent_pass_per_input():
    a = dm.animate(seed, POINT, method=ForwardMode.name)
    assert len(a.steps) == 3 * 7 + 1
    outputs = [s for s in a.steps if s.node_name == "x7"]
    assert [s.tangent for s in outputs] == [12, 12, 9] and [s.value for s in outputs] == [48] * 3
    x5 = a.steps[7 + 4]  # pass 2 seeds x2: x5 = x2 * x3 has tangent x3·1 + x2·0 = 4
    assert x5.phase.startswith("Tangent pass 2 of 3")
    assert nfc(x5.lines[1]) == nfc("ẋ5 = x3·ẋ2 + x2·ẋ3 = 4·1 + 3·0 = 4") and x5.tangent == 4
    assert a.steps[7].status[1:] == ("pending",) * 6  # a new pass starts from nothing
    one = dm.animate(seed, POINT, method=ForwardMode.name, direction=2)
    assert len(one.steps) == 7 and one.steps[-1].tangent == 9


def test_a_node_used_twice_receives_one_contribution_per_edge():
    a = dm.animate(lambda x1: x1 * x1, (1.5,))
    into = [s for s in a.steps if s.kind == "accumulate" and s.node == 0]
    assert len(into) == 2 and into[0].edge != into[1].edge
    assert [s.adjoint for s in into] == [1.5, 3.0]
    assert "x̄1 = 1.5 + 1.5 = 3" in into[1].lines[2]


@pytest.mark.parametrize("call, error, words", [
    (lambda: animate(lambda x1: sum([x1] * 40), (1.0,)), OptionError, "readable up to 30"),
    (lambda: animate(lambda x: np.sum(x**2), np.array([1.0, 2.0])), OptionError,
     "scalar operations"),
    (lambda: animate(lambda x1: np.log(x1), (-1.0,)), PointError, "outside the domain"),
    (lambda: animate(seed, POINT, SymbolicMethod.name), OptionError, "makes none"),
    (lambda: animate(seed, POINT, direction=0), OptionError, "tangent pass"),
    (lambda: animate(seed, POINT, ForwardMode.name, direction=3), OptionError, "0 to 2"),
    (lambda: animate(seed, POINT, path="out.png"), OutputError, "(.html)"),
])
def test_what_cannot_be_animated_is_refused_saying_why(call, error, words):
    with np.errstate(all="ignore"), pytest.raises(error, match=re.escape(words)):
        call()


def test_too_many_steps_are_refused_before_drawing():
    def wide(*x):  # 11 inputs and 10 products, 21 nodes: 11 passes of 21 steps, and the result
        return functools.reduce(operator.mul, x)
    point = tuple(float(v) for v in range(1, 12))
    with pytest.raises(OptionError, match=f"232 steps; up to {MAX_STEPS}"):
        animate(wide, point, ForwardMode.name)
    assert len(animate(wide, point, ForwardMode.name, direction=0).steps) == 21
    assert len(animate(wide, point).steps) == 21 + 1 + 20 + 1  # reverse mode: two passes


# --- the page -----------------------------------------------------------------------------------
def test_the_page_is_self_contained(reverse):
    page = reverse.html()
    assert not re.search(r"https?:", page, re.I)
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\((?!#)", page, re.I)
    assert page.count('class="node ') == 7 and page.count('class="edge ') == 6
    assert "x̄2 += ∂x5/∂x2·x̄5 = 4·3 = 12" in page  # the steps' data, in the page itself


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _dom(url: str) -> str:
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--dump-dom", url], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed: the page's "
                    "script is not run (the step data it shows is tested above)")
@pytest.mark.parametrize("k", [5, 12])
def test_the_page_opens_at_step_k_with_its_node_highlighted(reverse, tmp_path, k):
    path = tmp_path / "seed.html"
    reverse.save(path)
    dom = _dom(f"{path.as_uri()}#step={k}")
    step = reverse.steps[k - 1]
    assert re.search(rf'<body[^>]*data-step="{k}"', dom)
    current = re.findall(r'<g class="node (\w+) current" id="node-(x\d+)"', dom)
    assert [name for _, name in current] == [step.node_name]
    assert f"Step {k} of {len(reverse.steps)}" in dom
    assert re.sub(r"<[^>]+>", "", step.lines[1]) in dom.replace("&gt;", ">")
    sources = {name for name in re.findall(r'<g class="node \w+ source" id="node-(x\d+)"', dom)}
    assert sources == {f"x{i + 1}" for i, s in enumerate(step.status) if s == "source"}


# --- the GIF ------------------------------------------------------------------------------------
def test_the_gif_has_one_frame_per_step_each_different():
    from PIL import Image, ImageSequence
    from diffmethods.teaching.animation_gif import CURRENT_FILL
    a = dm.animate(small, (2.0, 3.0))
    image = Image.open(io.BytesIO(a.gif()))
    frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(image)]
    assert len(frames) == len(a.steps) == 10
    assert all(np.any(p != q) for p, q in zip(frames, frames[1:]))
    yellow = np.array([int(CURRENT_FILL[i:i + 2], 16) for i in (1, 3, 5)])
    lit = [bool(np.all(f == yellow, axis=2).sum() > 500) for f in frames]
    assert lit == [s.node is not None for s in a.steps]  # the highlight, except on the result


# --- the command line and the tutorial ----------------------------------------------------------
def test_cli_animate_writes_the_page_or_the_gif(tmp_path, capsys):
    page = tmp_path / "a.html"
    assert main(["explain", "x1*x2 + x1", "--at", "2,3", "--animate", str(page)]) == 0
    assert f"wrote {page}" in capsys.readouterr().out
    assert "f = x1*x2 + x1 at (2, 3)" in page.read_text()
    gif = tmp_path / "a.gif"
    assert main(["explain", "x1*x2", "--at", "2,3", "--method", ForwardMode.name,
                 "--animate", str(gif), "--quiet"]) == 0
    assert gif.read_bytes()[:6] == b"GIF89a"


@pytest.mark.parametrize("extra, words", [
    (["--animate", "a.png"], "an animation is a page (.html)"),
    (["--method", SymbolicMethod.name, "--animate", "a.html"], "makes none"),
])
def test_cli_refuses_an_animation_before_any_work(tmp_path, capsys, monkeypatch, extra, words):
    monkeypatch.chdir(tmp_path)
    assert main(["explain", "x1*x2", "--at", "2,3"] + extra) == 2
    captured = capsys.readouterr()
    assert words in captured.err and captured.out == ""  # nothing explained, nothing written
    assert list(tmp_path.iterdir()) == []


def test_the_tutorial_writes_and_links_the_seeds_animations(tmp_path):
    from diffmethods.teaching.tutorial import FIGURE_NAMES, FIGURES, _animation
    f = parse_expression("3*(x1**2 + x2*x3)")
    links = _animation(str(tmp_path), f, POINT, ForwardMode.name).text
    links += _animation(str(tmp_path), f, POINT, ReverseMode.name).text
    linked = re.findall(r"\]\(([^)]+)\)", links)
    assert linked == [f"{FIGURES}/seed_forward.html", f"{FIGURES}/seed_reverse.html",
                      f"{FIGURES}/seed_reverse.gif"]
    assert {link.split("/")[1] for link in linked} <= set(FIGURE_NAMES)  # in the manifest
    assert all((tmp_path / link).stat().st_size > 1000 for link in linked)
