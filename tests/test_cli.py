"""The command line: subcommands found, errors as one line with exit code 2, and every
harness subcommand run through main([...]). (The report itself: tests/test_report.py.)"""

import csv
import io
import json
import subprocess
import sys

import pytest


import diffmethods as dm
from diffmethods.cli import build_parser, command_modules, main, prepare_argv
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
    assert "f(2, 3, 4) = 48\n" in out
    lines = out.splitlines()
    table = lines[lines.index("") + 1:]  # the header lines, a blank line, the table
    rows = {line.split()[0]: line for line in table[2:]}
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
    (["compare", "x", "--at", "1", "--out", ""], "the output path is empty"),
    (["compare", "x", "--at", "-inf"], "coordinate 1 of the point is -inf; it must be a finite"),
    (["compare", "x", "--at", "1_000"], "'1_000', is not a number"),
    (["compare", "x", "--at", "1", "--step", "-1e-6"], "must be a positive number"),
    (["compare", "x1*x99999999", "--at", "1,2"], "the point has 2 coordinates but"),
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
    (["sweep", "x**2", "--at", "1", "--out", "fig.txt"], "format comes from its extension, one of .png, .svg, .pdf"),
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


# --- values, bounds, warnings, failures ---------------------------------------------------------
@pytest.mark.parametrize("argv, prepared", [
    (["compare", "x", "--at", "-1,2"], ["compare", "x", "--at=-1,2"]),
    (["compare", "x", "--step", "-1e-6", "--at", "-inf"],
     ["compare", "x", "--step=-1e-6", "--at=-inf"]),
    (["compare", "-x**2", "--at", "2"], ["compare", "--at", "2", "--", "-x**2"]),
    (["check", "-x", "--grad", "-1", "--at", "1"],
     ["check", "--grad=-1", "--at", "1", "--", "-x"]),
    (["compare", "x", "--rep", "-3"], ["compare", "x", "--rep=-3"]),     # an abbreviation
    (["compare", "x", "--out", "--quiet"], ["compare", "x", "--out", "--quiet"]),
    (["compare", "--", "-x", "--at", "1"], ["compare", "--", "-x", "--at", "1"]),
    (["descent", "--rate", "-0.5"], ["descent", "--rate=-0.5"]),
    (["--help"], ["--help"]),
])
def test_values_and_formulas_that_start_with_a_minus_reach_argparse_as_values(argv, prepared):
    assert prepare_argv(build_parser(), argv) == prepared


def test_a_formula_that_starts_with_a_minus_needs_no_double_dash(capsys):
    assert main(["compare", "-x**2", "--at", "-3", "--methods", "reverse", "--repeat", "1"]) == 0
    assert "[6]" in capsys.readouterr().out
    assert main(["check", "-x1*x2", "--grad", "-x2; -x1", "--at", "2,-3"]) == 0


BOUNDS = [  # (command line before the option, option, lowest, highest)
    (["compare", "x", "--at", "1"], "--repeat", 1, 1000),
    (["compare", "x", "--at", "1"], "--chunk", 1, 100_000),
    (["sweep", "x", "--at", "1"], "--points", 2, 10_000),
    (["scaling", "rosenbrock"], "--repeat", 1, 100),
    (["descent"], "--iterations", 1, 10_000),
]


@pytest.mark.parametrize("before, option, low, high", BOUNDS)
def test_every_count_option_states_its_bounds_and_refuses_beyond_them(before, option, low, high,
                                                                        capsys):
    with pytest.raises(SystemExit):
        main([before[0], "--help"])
    assert f"{low} to {high}" in " ".join(capsys.readouterr().out.split())
    for value in (str(high + 1), str(low - 1), "1e8", "1_0", "٣", "2.5", ""):
        with pytest.raises(SystemExit) as e:
            main(before + [option, value])
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"argument {option}" in err, (value, err)


def test_the_readme_states_every_bound_the_command_line_enforces():
    from pathlib import Path
    from diffmethods.commands import scaling
    from diffmethods.expr import MAX_COORDINATES, MAX_VARIABLES
    readme = Path(__file__).parent.parent.joinpath("README.md").read_text()
    for before, option, low, high in BOUNDS:
        assert f"| `{before[0]} {option}` | {low} to {high} |" in readme, option
    assert (f"| `scaling --dims` | each 1 to {scaling.MAX_DIM}, at most {scaling.MAX_SIZES} "
            "sizes |") in readme
    assert f"at most {scaling.MAX_BUDGET:g} seconds" in readme
    assert f"at most {MAX_COORDINATES} coordinates" in readme
    assert f"at most {MAX_VARIABLES} variables" in readme


def test_scaling_dimensions_and_budget_are_bounded(capsys):
    with pytest.raises(SystemExit):
        main(["scaling", "--help"])
    assert "each 1 to 100000, at most 20" in " ".join(capsys.readouterr().out.split())
    for argv, message in ((["--dims", "100001"], "--dims must be from 1 to 100000"),
                          (["--dims", ",".join(["2"] * 21)], "the limit is 20"),
                          (["--budget", "0"], "--budget must be above 0"),
                          (["--budget", "1e9"], "at most 3600")):
        assert main(["scaling", "rosenbrock"] + argv) == 2
        assert message in _error_line(capsys)
    for budget in ("nan", "inf", "-inf"):
        with pytest.raises(SystemExit):
            main(["scaling", "rosenbrock", "--budget", budget])
        assert "must be a finite number" in capsys.readouterr().err


@pytest.mark.parametrize("rtol", ["-1", "0", "1", "nan", "abc"])
def test_check_refuses_a_tolerance_that_could_not_mean_anything(rtol, capsys):
    argv = ["check", "x**2", "--grad", "2*x", "--at", "3", "--rtol", rtol]
    try:
        code = main(argv)
    except SystemExit as e:  # not a number at all: argparse's usage error
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("rtol" in err) and "Traceback" not in err


@pytest.mark.parametrize("rtol", ["a", -1, 0.0, 1.0, float("nan"), float("inf"), True, 1j, [1e-6]])
def test_check_gradient_refuses_a_bad_rtol_with_an_option_error(rtol):
    with pytest.raises(dm.OptionError, match="rtol must be a relative tolerance"):
        dm.check_gradient(lambda x: x**2, lambda x: 2 * x, 3.0, rtol=rtol)


def test_numpy_warnings_are_one_line_of_our_own_without_source_lines(capsys):
    assert main(["compare", "log(x)", "--at", "-1", "--methods", "finite", "--repeat", "1"]) == 0
    err = capsys.readouterr().err
    # the undefined-point policy's DomainWarning speaks once; numpy's own warning is silenced
    assert err.count("\n") == 1 and err.startswith("diffmethods: warning: f is undefined")
    assert "log(-1.0) is nan" in err
    assert "RuntimeWarning" not in err and ".py:" not in err


def test_our_own_warnings_are_one_line_each(monkeypatch, capsys):
    import warnings
    from diffmethods.commands import compare
    from diffmethods.errors import DomainWarning

    def warns(args):
        for _ in range(3):
            warnings.warn("log is undefined at x = -1: the gradient is nan", DomainWarning)
        return 0
    monkeypatch.setattr(compare, "run", warns)
    assert main(["compare", "x", "--at", "1"]) == 0
    assert capsys.readouterr().err == ("diffmethods: warning: log is undefined at x = -1: the "
                                       "gradient is nan\n")


@pytest.mark.parametrize("raised, code, message", [
    (TypeError("float() argument must be a string or a real number, not 'complex'"), 3,
     "internal error: TypeError: float() argument"),
    (MemoryError(), 2, "error: out of memory"),
    (RecursionError("maximum recursion depth exceeded"), 2, "nested too deeply"),
])
def test_an_unexpected_failure_is_still_one_line(monkeypatch, capsys, raised, code, message):
    from diffmethods.commands import compare

    def fails(args):
        raise raised
    monkeypatch.setattr(compare, "run", fails)
    monkeypatch.delenv("DIFFMETHODS_TRACEBACK", raising=False)
    assert main(["compare", "x", "--at", "1"]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize("name, grad, code", [
    ("rosenbrock2", "-2*(1 - x) - 400*x*(y - x**2); 200*(y - x**2)", 0),
    ("sum_sin", "; ".join(f"cos(x{k})*x{k}**2 + 2*x{k}*sin(x{k})" for k in range(1, 7)), 0),
    ("sum_sin", "; ".join(f"cos(x{k})*x{k}**2" for k in range(1, 7)), 1)])
def test_check_takes_a_catalogue_name(name, grad, code, capsys):
    """Array coordinates x[0], x[1], ... are written x1, x2, ... in --grad."""
    assert main(["check", name, "--grad", grad]) == code
    out = capsys.readouterr().out
    assert ("all components agree" in out) == (code == 0)
