"""A method from another package, found through the ``diffmethods.methods`` entry point, shows
up everywhere -- methods(), compare, the sweep (as its own curve), the report and explain --
with no edit inside diffmethods; its declared options become CLI options."""

from __future__ import annotations

import importlib.metadata
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import diffmethods as dm
from diffmethods import registry, report

PLUGIN_DIR = pathlib.Path(__file__).parent / "plugin_example"
TINY = report.ReportConfig(sweeps=(("sweep", 0, False),), sweep_points=9,
                           scaling_functions=("sum_sin",), dims=(2,), compare_repeat=1,
                           scaling_repeat=1, catalogue=("seed",), hessians=("seed",),
                           jacobian_shapes=((3, 2),))


@pytest.fixture(scope="module")
def plugin():
    """The example package on sys.path, its entry point read by importlib.metadata."""
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        found = importlib.metadata.entry_points(group=registry.ENTRY_POINT_GROUP)
        assert "central4" in [ep.name for ep in found]
        assert registry.load_plugins(found) == ["central4"]
        yield "central4"
    finally:
        dm.unregister_method("central4")
        registry._PLUGIN_NAMES.discard("central4")
        sys.path.remove(str(PLUGIN_DIR))


def test_the_plugin_is_a_method(plugin):
    assert dm.methods()[-1] == plugin
    assert dm.declaration(plugin).step_option == "step"
    g = dm.gradient(lambda x1, x2: x1**3 * x2, (2.0, 3.0), method=plugin)
    assert np.allclose(g, [36.0, 8.0], rtol=1e-8)


def test_compare_has_a_row_for_it(plugin):
    rows = dm.compare(lambda x: x**3, 2.0, repeat=1)
    mine = next(r for r in rows if r["method"] == plugin)
    assert mine["status"] == "ok" and mine["rel_error"] < 1e-8 and mine["exact"] is False


def test_the_sweep_keeps_the_method_apart_from_the_scheme_of_the_same_name(plugin):
    rows = dm.epsilon_sweep(lambda x: np.exp(x), 0.5, steps=[1e-3, 1e-2])
    summary = {s["series"]: s for s in dm.sweep_summary(rows)}
    assert summary["central4"]["scheme"] == "central4" and summary["central4"]["method"] != plugin
    method = summary["central4 (method)"]
    assert method["method"] == plugin and method["scheme"] is None
    assert method["has_error_model"]  # its declared model drives its dashed line
    assert next(r for r in rows if r["series"] == "central4 (method)")["truncation_power"] == 4


def test_the_report_tables_and_explain_show_it(plugin):
    files = report.report_files(report.collect(TINY))
    text = files["README.md"].decode()
    assert "central4 (method)" in text  # its own sweep curve
    assert f"| {plugin} |" in text or f" {plugin} " in text
    e = dm.explain(lambda x: x**3, 2.0, method=plugin)
    assert "No step-by-step explanation" in str(e) and e.gradient[0] == pytest.approx(12.0)
    assert plugin in dm.explain(lambda x: x**3, 2.0).parts


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PLUGIN_DIR)] + sys.path))
    return subprocess.run([sys.executable, "-m", "diffmethods.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_console_script_finds_it_and_reads_its_options():
    done = _cli("compare", "x1**3*x2", "--at", "2,3", "--methods", "central4,reverse",
                "--opt", "central4.step=1e-2", "--repeat", "1")
    assert done.returncode == 0, done.stderr
    assert "central4" in done.stdout and "step=0.01" in done.stdout
    listed = _cli("methods")
    assert "--opt central4.step=" in listed.stdout


def test_an_option_the_plugin_does_not_take_is_an_error():
    done = _cli("compare", "x1**3", "--at", "2", "--methods", "central4",
                "--opt", "central4.chunk=2")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "takes no option 'chunk'" in done.stderr
