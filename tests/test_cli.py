"""The command line: subcommands found, errors as one line with exit code 2, and every
harness subcommand run through main([...]). (The report itself: tests/test_report.py.)"""

import csv
import io
import json
import subprocess
import sys

import pytest


import diffmethods as dm
from diffmethods.cli import command_modules, main
from diffmethods.harness.sweep import step_methods

PNG = b"\x89PNG\r\n\x1a\n"


def _error_line(capsys):
    """The one line a failed command printed on stderr (and nothing on stdout)."""
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("diffmethods: error:"), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_every_subcommand_has_help(capsys):
    for module in command_modules():
        with pytest.raises(SystemExit) as e:
            main([module.NAME, "--help"])
        assert e.value.code == 0
        assert module.HELP.split()[0] in capsys.readouterr().out


def test_unknown_subcommand_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["frobnicate"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "invalid choice" in err


def test_unwritable_output_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["report", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("diffmethods: error:") and len(err.strip().splitlines()) == 1


def test_console_script_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "diffmethods.cli", "--help"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "report" in out.stdout


# --- compare -------------------------------------------------------------------------------
def test_compare_prints_an_aligned_table(capsys):
    assert main(["compare", "3*(x1**2 + x2*x3)", "--at", "2,3,4", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "reference gradient (50 digits (verified 50)): [12, 12, 9]" in out
    rows = {line.split()[0]: line for line in out.splitlines()[3:]}
    assert set(rows) >= set(dm.methods())
    assert "not applicable" in rows["manual"] and "hand-derived" in rows["manual"]
    assert rows["reverse"].split()[4:9] == ["0", "0", "1", "2", "4"]


def test_compare_writes_json_csv_and_markdown(tmp_path, capsys):
    for name in ("r.json", "r.csv", "r.md"):
        assert main(["compare", "seed", "--repeat", "1", "--out", str(tmp_path / name)]) == 0
    assert "wrote" in capsys.readouterr().out
    data = json.loads((tmp_path / "r.json").read_text())
    assert [r["method"] for r in data] == dm.methods() and data[0]["gradient"] == [12, 12, 9]
    table = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())))
    assert table[2]["method"] == "finite" and table[2]["f_calls"] == "7"
    assert "| reverse | [12, 12, 9] | 0 | 0 | 1 | 2 | 4 |" in (tmp_path / "r.md").read_text()
    assert main(["compare", "seed", "--repeat", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["function"] == "seed"


def test_negative_coordinates_with_or_without_an_equals_sign(capsys):
    assert main(["compare", "x1*x2", "--at=-1,2", "--methods", "reverse", "--repeat", "1"]) == 0
    assert "[2, -1]" in capsys.readouterr().out
    assert main(["compare", "x1*x2", "--at", "-1,2", "--methods", "reverse", "--repeat", "1"]) == 0
    assert "[2, -1]" in capsys.readouterr().out
    assert main(["explain", "x**2", "--at", "-3", "--method", "reverse"]) == 0
    assert "-6" in capsys.readouterr().out


def test_compare_with_named_variables_and_options(capsys):
    assert main(["compare", "a*exp(b)", "--vars", "a,b", "--at", "2,0", "--methods",
                 "finite,reverse", "--scheme", "forward", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "reference gradient" in out and "[1, 2]" in out and "scheme=forward" in out
    assert "manual" not in out


@pytest.mark.parametrize("argv, message", [
    (["compare", "3*(x1**2 + x2*x3)", "--at", "2,3"], "2 coordinates but"),
    (["compare", "3*(x1**2 + x2*x3)", "--at", "2,x,4"], "coordinate 2 of the point"),
    (["compare", "x**2"], "give the point with --at"),
    (["compare", "foo(x)", "--at", "1"], "unknown function 'foo'"),
    (["compare", "rosenbrok"], "did you mean 'rosenbrock'"),
    (["compare", "seed", "--at", "1,2"], "seed takes 3 coordinates"),
    (["compare", "x + y", "--at", "1,2"], "unknown name 'y'"),
    (["compare", "x", "--at", "1", "--methods", "magic"], "unknown method 'magic'"),
    (["compare", "x", "--at", "1", "--vars", "a,,b"], "--vars"),
    (["compare", "x", "--at", "1", "--chunk", "0"], "chunk must be a positive integer"),
])
def test_compare_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    assert message in _error_line(capsys)


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "x.__class__", "().__class__.__bases__", "x[0]",
    "lambda: 1", "[x for x in (1,)]", "9**9**9", "x**(10**10)", "open('f')", "__builtins__",
    "(x := 3)", "f'{x}'",
])
def test_hostile_expressions_are_refused_on_the_command_line(text, capsys):
    assert main(["compare", text, "--at", "1"]) == 2
    _error_line(capsys)


def test_unwritable_outputs_fail_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for argv in (["compare", "seed", "--out", str(blocker / "r.json")],
                 ["sweep", "sweep", "--out", str(blocker / "s.png")],
                 ["scaling", "sum_sin", "--dims", "2", "--data", str(blocker / "s.json")],
                 ["report", "--out", str(blocker)]):
        assert main(argv) == 2
        assert "cannot write" in _error_line(capsys)


# --- sweep ----------------------------------------------------------------------------------
def test_sweep_prints_the_best_steps_and_writes_figure_and_data(tmp_path, capsys):
    png, data = tmp_path / "sweep.png", tmp_path / "sweep.json"
    assert main(["sweep", "exp(x)/sqrt(sin(x)**3 + cos(x)**3)", "--at", "1.5", "--out",
                 str(png), "--data", str(data)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""                      # no progress bar when not on a terminal
    lines = {line.split()[0]: line.split() for line in captured.out.splitlines()[2:]
             if line and line.split()[0] in dm.schemes()}
    assert set(lines) == set(dm.schemes())
    predicted, observed = float(lines["central"][2]), float(lines["central"][3])
    assert 0.1 <= observed / predicted <= 10
    assert png.read_bytes().startswith(PNG)
    rows = json.loads(data.read_text())
    swept = dm.schemes() + step_methods()  # schemes, then complex step, Richardson, ...
    assert len(rows) == 161 * len(swept) and rows[0]["variable"] == "x"


def test_sweep_relative_by_variable_name(capsys):
    assert main(["sweep", "seed", "--relative", "--wrt", "x1", "--schemes", "forward,central",
                 "--points", "33", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "d f / d x1 at x1 = 2" in out and "r (h = r|x|)" in out


@pytest.mark.parametrize("argv, message", [
    (["sweep", "x**2", "--at", "1", "--wrt", "2"], "out of range"),
    (["sweep", "x**2", "--at", "1", "--wrt", "y"], "not a variable"),
    (["sweep", "x**2", "--at", "1", "--range", "1,1e-3"], "0 < LO < HI"),
    (["sweep", "x**2", "--at", "1", "--out", "fig.txt"], ".png, .svg or .pdf"),
    (["sweep", "x**2", "--at", "1", "--schemes", "sideways"], "unknown scheme 'sideways'"),
])
def test_sweep_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    assert message in _error_line(capsys)


# --- scaling --------------------------------------------------------------------------------
def test_scaling_prints_counts_and_writes_figure_and_data(tmp_path, capsys):
    png, data = tmp_path / "scaling.png", tmp_path / "scaling.csv"
    assert main(["scaling", "rosenbrock", "--dims", "2,8", "--repeat", "1", "--out", str(png),
                 "--data", str(data)]) == 0
    out = capsys.readouterr().out
    finite = [line.split() for line in out.splitlines() if " finite " in f" {line} "
              and "scheme" not in line]
    assert [(int(r[0]), int(r[2])) for r in finite] == [(2, 5), (8, 17)]
    assert png.read_bytes().startswith(PNG)
    table = list(csv.DictReader(io.StringIO(data.read_text())))
    assert {r["variant"] for r in table} >= {"reverse", "forward chunk=1"}


def test_scaling_skips_and_says_so(capsys):
    assert main(["scaling", "sum_sin", "--dims", "2,2000", "--methods", "symbolic",
                 "--budget", "0.001", "--repeat", "1"]) == 0
    assert "skipped from n = 2000" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["scaling", "seed"], "not a scalable catalogue function"),
    (["scaling", "rosenbrock", "--dims", "2,x"], "--dims must be"),
    (["scaling", "rosenbrock", "--methods", "magic"], "unknown method 'magic'"),
])
def test_scaling_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    assert message in _error_line(capsys)


def test_compare_through_the_console_script():
    out = subprocess.run([sys.executable, "-m", "diffmethods.cli", "compare", "x**3", "--at",
                          "2", "--methods", "reverse", "--format", "json"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout)[0]["gradient"] == [12.0]
    bad = subprocess.run([sys.executable, "-m", "diffmethods.cli", "compare", "x.y", "--at",
                          "2"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
