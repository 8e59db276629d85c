"""The report: every file written, figures drawn from the rows, prose computed from data,
deterministic apart from timings, and never half-written."""

import json
import os
import re

import pytest

import diffmethods as dm
from diffmethods import plots, report
from diffmethods.catalogue import SCENARIOS
from diffmethods.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    (out / "tutorial.md").write_text("another engineer's file")
    assert main(["report", "--out", str(out), "--quick", "--quiet"]) == 0
    return out


def test_report_writes_every_file(quick_report):
    names = set(os.listdir(quick_report))
    assert {"README.md", "results.json", "accuracy.png", "epsilon_sweep.png", "epsilon_seed.png",
            "scaling_rosenbrock.png", "scaling_sum_sin.png"} <= names
    assert "tutorial.md" in names                    # files it did not make are left alone
    assert not [n for n in names if n.startswith(".")]  # no staging directory left behind
    for name in names - {"README.md", "results.json", "tutorial.md"}:
        assert (quick_report / name).read_bytes().startswith(PNG)


def test_readme_links_every_figure_and_every_link_resolves(quick_report):
    text = (quick_report / "README.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert {l for l in links} == {n for n in os.listdir(quick_report) if n.endswith(".png")}
    assert all((quick_report / link).exists() for link in links)


def test_readme_prose_is_computed_from_the_results(quick_report):
    text = (quick_report / "README.md").read_text()
    data = json.loads((quick_report / "results.json").read_text())
    central = next(s for s in data["sweeps"][0]["summary"] if s["scheme"] == "central")
    assert f"at most {central['observed_level']:.1e} around their best step " \
           f"h = {central['observed_step']:.1e}" in text
    assert "✗ (not as expected)" not in text   # every expectation held
    assert "huber has no 50-digit reference" in text
    for method in dm.methods():
        assert f"| {method} |" in text


def test_timing_findings_are_stated_never_checked():
    """One timed sample per cell cannot confirm an expectation: however wild the times, no
    timing finding holds or fails (the report's ✓/✗ come from counts and errors only)."""
    from diffmethods.harness.findings import timing_findings

    def row(n, seconds, ratio):
        return {"variant": "reverse", "method": "reverse", "status": "ok", "n": n,
                "seconds": seconds, "ratio_to_f": ratio, "setup_seconds": None,
                "predicted_seconds": None}
    wild = [row(2, 1e-6, 3.0), row(1000, 5.0, 3000.0)]   # a 1000-fold spread: a loaded machine
    findings = timing_findings(wild)
    assert findings and all(f["holds"] is None for f in findings)
    assert "3 to 3000 times one evaluation of f" in findings[0]["text"]


def test_results_json_is_strict_and_complete(quick_report):
    data = json.loads((quick_report / "results.json").read_text(),
                      parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert set(data) == {"config", "environment", "catalogue", "sweeps", "scaling", "hessians",
                         "jacobians"}
    assert {r["function"] for r in data["catalogue"]} == set(SCENARIOS)
    assert [s["function"] for s in data["sweeps"]] == ["sweep", "seed"]


def test_rerunning_changes_nothing_but_timings(quick_report):
    config = report.ReportConfig.quick()
    again = report.markdown(report.collect(config))
    before = (quick_report / "README.md").read_text()
    cut = "## 5. Timings"
    assert again.split(cut)[0] == before.split(cut)[0]


def test_a_failure_leaves_the_previous_report_intact(tmp_path, monkeypatch, capsys):
    (tmp_path / "README.md").write_text("previous report")
    calls = []

    def broken(fig, fmt="png"):
        calls.append(fmt)
        if len(calls) == 2:
            raise OSError("disk full")
        return PNG
    monkeypatch.setattr(plots, "figure_bytes", broken)
    config = report.ReportConfig(sweeps=(("sweep", 0, False),), sweep_points=9,
                                 scaling_functions=("sum_sin",), dims=(2,), compare_repeat=1,
                                 scaling_repeat=1, catalogue=("seed",))
    with pytest.raises(OSError, match="disk full"):
        report.write_report(str(tmp_path), report.collect(config))
    assert sorted(os.listdir(tmp_path)) == ["README.md"]
    assert (tmp_path / "README.md").read_text() == "previous report"


# --- figures from plain rows ---------------------------------------------------------------
def _labels(fig):
    return [(ax.get_xscale(), ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel())
            for ax in fig.axes]


def test_sweep_figure_is_log_log_with_one_curve_per_scheme():
    rows = dm.epsilon_sweep(SCENARIOS["sweep"].f, 1.5, steps=[1e-8, 1e-6, 1e-4])
    fig = plots.plot_sweep(rows)
    (ax,) = fig.axes
    assert _labels(fig)[0][:2] == ("log", "log") and "step h" in ax.get_xlabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [t.split(" ")[0] for t in legend[:len(dm.schemes())]] == dm.schemes()
    assert "predicted optimal step" in legend


def test_scaling_and_accuracy_figures(tmp_path):
    rows = dm.scaling("sum_sin", [2, 4], repeat=1)
    fig = plots.plot_scaling(rows, str(tmp_path / "s.svg"))
    assert all(x == ("log", "log") for x in (l[:2] for l in _labels(fig)))
    assert (tmp_path / "s.svg").read_text().lstrip().startswith("<?xml")
    compared = dm.compare_catalogue([SCENARIOS["seed"], SCENARIOS["huber"]], repeat=1)
    fig = plots.plot_accuracy(compared)
    assert fig.axes[0].get_yscale() == "log"
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("no 50-digit" in t for t in texts)
