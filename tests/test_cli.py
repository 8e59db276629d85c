"""The command line: subcommands found, errors as one line with exit code 2."""

import subprocess
import sys

import pytest

from diffmethods.cli import command_modules, main


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


def test_report_writes_a_markdown_table(tmp_path):
    assert main(["report", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "README.md").read_text()
    assert "| seed | reverse | 0.0e+00 | 1 | 2 | 4 |" in text


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
