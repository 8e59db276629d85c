"""The report: every file written, figures drawn from the rows, prose computed from data,
deterministic apart from timings, and never half-written."""

import json
import os
import pickle
import re
import shutil
import subprocess
import sys

import pytest

import diffmethods as dm
from diffmethods import files, plots, report
from diffmethods.catalogue import SCENARIOS
from diffmethods.cli import main

PNG = b"\x89PNG\r\n\x1a\n"
TINY = report.ReportConfig(sweeps=(("sweep", 0, False),), sweep_points=9,
                           scaling_functions=("sum_sin",), dims=(2,), compare_repeat=1,
                           scaling_repeat=1, catalogue=("seed",), hessians=("seed",),
                           jacobian_shapes=((3, 2),))


@pytest.fixture(scope="module")
def paced_only_by_counts():
    """As conftest.py does per test, for the module-wide report below: the report's content is
    compared between runs, so only the counted (deterministic) symbolic budget may refuse."""
    from diffmethods.methods import symbolic_arrays
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(symbolic_arrays, "SLACK", 1e9)
        yield


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory, paced_only_by_counts):
    out = tmp_path_factory.mktemp("report")
    assert main(["report", "--out", str(out), "--quick", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def tiny_files():
    """{name: bytes} of a small report that differs from the quick one in every file."""
    return report.report_files(report.collect(TINY))


def test_report_writes_every_file(quick_report):
    names = set(os.listdir(quick_report))
    assert names == {"README.md", "results.json", "accuracy.png", "epsilon_sweep.png",
                     "epsilon_seed.png", "scaling_rosenbrock.png", "scaling_sum_sin.png",
                     "epsilon_noisy_exp.png", files.MANIFEST}
    staging = f".{quick_report.name}."
    assert not [n for n in os.listdir(quick_report.parent) if n.startswith(staging)]
    for name in names - {"README.md", "results.json", files.MANIFEST}:
        assert (quick_report / name).read_bytes().startswith(PNG)


def test_readme_links_every_figure_and_every_link_resolves(quick_report):
    text = (quick_report / "README.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert {l for l in links} == {n for n in os.listdir(quick_report) if n.endswith(".png")}
    assert all((quick_report / link).exists() for link in links)


def test_readme_prose_is_computed_from_the_results(quick_report):
    text = (quick_report / "README.md").read_text()
    data = json.loads((quick_report / "results.json").read_text())
    central = next(s for s in data["sweeps"][0]["summary"] if s["series"] == "central")
    assert f"at most {central['observed_level']:.1e} around its best step " \
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
        return {"variant": "reverse", "method": "reverse", "options": {}, "status": "ok", "n": n,
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
                         "jacobians", "noisy"}
    assert {r["function"] for r in data["catalogue"]} == set(SCENARIOS)
    assert [s["function"] for s in data["sweeps"]] == ["sweep", "seed"]


def test_rerunning_changes_nothing_but_timings(quick_report):
    config = report.ReportConfig.quick()
    again = report.markdown(report.collect(config))
    before = (quick_report / "README.md").read_text()
    cut = "## 5. Timings"
    assert again.split(cut)[0] == before.split(cut)[0]


def complete_report(out) -> bytes:
    """The README of the one complete report in ``out`` (asserting it is one): every file the
    manifest lists is there with its hash, every figure the README links is there, and no
    file of another generation of the report is."""
    owners = json.loads((out / files.MANIFEST).read_text())["owners"]
    listed = owners["report"]["files"]
    for name, digest in listed.items():
        assert files._sha256(str(out / name)) == digest, name
    readme = (out / "README.md").read_text()
    links = set(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme))
    assert set(listed) == links | {"README.md", "results.json"}
    others = {n for n in os.listdir(out) if n.endswith((".png", ".json")) and n != files.MANIFEST}
    assert others == set(listed) - {"README.md"}
    return (out / "README.md").read_bytes()


def _copy_of(quick_report, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(quick_report, out)
    return out


def test_rewriting_keeps_other_files_and_drops_figures_it_no_longer_makes(
        quick_report, tiny_files, tmp_path, monkeypatch):
    out = _copy_of(quick_report, tmp_path)
    (out / "notes.txt").write_text("a person's notes")
    monkeypatch.setattr(report, "report_files", lambda data: tiny_files)
    report.write_report(str(out), None)
    assert complete_report(out) == tiny_files["README.md"]
    assert not (out / "scaling_rosenbrock.png").exists()     # the quick report's, now stale
    assert (out / "notes.txt").read_text() == "a person's notes"


def test_a_directory_diffmethods_did_not_write_is_refused_before_any_work(tmp_path, capsys):
    (tmp_path / "thesis.tex").write_text("years of work")
    for out in (tmp_path, "/proc"):
        assert main(["report", "--out", str(out), "--quiet"]) == 2  # at once, not after the run
        err = capsys.readouterr().err
        assert err.startswith("diffmethods: error: cannot write") and err.count("\n") == 1
        assert ".tmp" not in err and "staging" not in err
    assert os.listdir(tmp_path) == ["thesis.tex"]


def test_a_failure_while_writing_leaves_the_previous_report_intact(
        quick_report, tiny_files, tmp_path, monkeypatch):
    out = _copy_of(quick_report, tmp_path)
    before = {n: (out / n).read_bytes() for n in os.listdir(out)}
    writes = []
    real = files.write_atomic

    def disk_full(path, data):
        writes.append(path)
        if len(writes) == 3:
            raise files.OutputError(f"cannot write {path}: No space left on device")
        real(path, data)
    monkeypatch.setattr(files, "write_atomic", disk_full)
    monkeypatch.setattr(report, "report_files", lambda data: tiny_files)
    with pytest.raises(files.OutputError, match="No space left"):
        report.write_report(str(out), None)
    assert {n: (out / n).read_bytes() for n in os.listdir(out)} == before
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]


KILLED = """
import os, pickle, sys
from diffmethods import files, report
out, payload, when = sys.argv[1:]
with open(payload, "rb") as fh:
    rendered = pickle.load(fh)
report.report_files = lambda data: rendered
exchange, rename, renames = files._exchange, os.rename, []

def dying_exchange(a, b):
    if when == "two renames":
        raise files._NoExchange
    if when == "after the swap":
        exchange(a, b)
    os._exit(9)

def dying_rename(a, b):
    renames.append(a)
    if len(renames) == 2:          # the old report moved away, the new one not yet in
        os._exit(9)
    rename(a, b)

files._exchange, os.rename = dying_exchange, dying_rename
report.write_report(out, None)
"""


@pytest.mark.parametrize("when", ["before the swap", "after the swap", "two renames"])
def test_a_report_killed_inside_its_final_move_leaves_exactly_one_complete_report(
        quick_report, tiny_files, tmp_path, when):
    out = _copy_of(quick_report, tmp_path)
    old = complete_report(out)
    payload = tmp_path / "files.pickle"
    payload.write_bytes(pickle.dumps(tiny_files))
    killed = subprocess.run([sys.executable, "-c", KILLED, str(out), str(payload), when],
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr
    if when != "two renames":                  # one atomic exchange: no moment without one
        assert complete_report(out) == (tiny_files["README.md"] if when == "after the swap"
                                        else old)
    files.recover(str(out))                    # what the next run does first
    assert complete_report(out) == (tiny_files["README.md"] if when == "after the swap"
                                    else old)
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]  # nothing left behind


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
    *panels, legend = fig.axes  # five log-log panels, the sixth holds the legend
    assert all(x == ("log", "log") for x in (l[:2] for l in _labels(fig)[:5]))
    assert not legend.axison and legend.get_legend() is not None
    assert "work per gradient (counted)" in [p.get_ylabel() for p in panels]
    assert (tmp_path / "s.svg").read_text().lstrip().startswith("<?xml")
    compared = dm.compare_catalogue([SCENARIOS["seed"], SCENARIOS["huber"]], repeat=1)
    fig = plots.plot_accuracy(compared)
    assert fig.axes[0].get_yscale() == "log"
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("no 50-digit" in t for t in texts)
