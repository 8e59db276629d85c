"""The command and the package behave as Python tools are expected to.

``--version``, ``python -m diffmethods``, ``--help`` without the heavy imports, a closed pipe
that ends quietly, one meaning of ``--quiet``, figure formats from the extension, no file
overwritten that diffmethods did not write, ``dir(dm)`` complete, a typed, installable package.
Most run the real command in a subprocess: that is where these conventions are seen.
"""

import os
import subprocess
import sys

import pytest

import diffmethods as dm
from diffmethods.cli import build_parser, main

COMMANDS = sorted(build_parser().subcommands)


def _run(*argv, **kwargs):
    """The command as a user runs it (python -m diffmethods), its CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "diffmethods", *argv], capture_output=True,
                          text=True, timeout=600, **kwargs)


# --- --version and python -m -----------------------------------------------------------------
def test_version_names_the_package_version():
    done = _run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"diffmethods {dm.__version__}"


def test_python_dash_m_runs_the_command():
    done = _run("compare", "x1*x2", "--at", "2,3", "--methods", "reverse", "--repeat", "1")
    assert done.returncode == 0, done.stderr
    assert "reverse" in done.stdout and "f = x1*x2" in done.stdout


def test_the_version_is_the_one_pyproject_gives():
    from importlib.metadata import version
    assert version("diffmethods") == dm.__version__


# --- --help is light --------------------------------------------------------------------------
HELP_PROBE = r"""
import sys
from diffmethods.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
# sympy may be in sys.modules as a lazy stub (diffmethods._lazy); sympy.core is there only once
# it has really been imported
heavy = [m for m in ("matplotlib", "sympy.core", "mpmath", "tqdm", "diffmethods.harness",
                     "diffmethods.teaching") if m in sys.modules]
print("HEAVY", ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize("command", [None] + COMMANDS)
def test_help_imports_neither_matplotlib_nor_sympy(command):
    argv = ["--help"] if command is None else [command, "--help"]
    done = subprocess.run([sys.executable, "-c", HELP_PROBE, *argv], capture_output=True,
                          text=True, timeout=600)
    assert "usage: diffmethods" in done.stdout
    heavy = [line for line in done.stderr.splitlines() if line.startswith("HEAVY")]
    assert heavy == ["HEAVY "], done.stderr


# --- a closed pipe ----------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["compare", "x1*x2", "--at", "2,3", "--repeat", "1"],
    ["explain", "x1*x2", "--at", "2,3"],
    ["--help"],
], ids=["compare", "explain", "help"])
def test_a_reader_that_goes_away_ends_the_command_quietly(argv):
    """As `diffmethods ... | head -0`: the reader closes before anything is written, so the
    first write meets a closed pipe whatever the pipe's buffer size."""
    process = subprocess.Popen([sys.executable, "-m", "diffmethods", *argv],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=600) == 0
    assert stderr == ""


def test_head_reads_the_first_lines_and_the_command_ends_with_status_0(tmp_path):
    script = (f"{sys.executable} -m diffmethods explain 'x1*x2 + sin(x1)' --at 2,3 "
              "2>err.txt | head -1; echo \"status ${PIPESTATUS[0]}\"")
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[1] == "status 0", done.stdout
    assert (tmp_path / "err.txt").read_text() == ""


# --- --quiet ----------------------------------------------------------------------------------
def test_every_command_takes_quiet():
    parser = build_parser()
    for name in COMMANDS:
        options = {o for a in parser.subcommands[name]._actions for o in a.option_strings}
        assert {"-q", "--quiet"} <= options, name


def test_quiet_silences_wrote_lines_but_never_the_result(tmp_path, capsys):
    out = tmp_path / "r.json"
    argv = ["compare", "x1*x2", "--at", "2,3", "--methods", "reverse", "--repeat", "1",
            "--out", str(out)]
    assert main(argv) == 0
    loud = capsys.readouterr().out
    out.unlink()
    assert main(argv + ["--quiet"]) == 0
    quiet = capsys.readouterr().out
    assert f"wrote {out}" in loud and "wrote" not in quiet
    def untimed(text):  # the table less its last column, the time of each run
        return [line.rsplit(None, 2)[0] if line.startswith("reverse") else line
                for line in text.splitlines() if not line.startswith("wrote")]
    assert any(line.startswith("reverse") for line in quiet.splitlines())
    assert untimed(quiet) == untimed(loud)


def test_quiet_never_silences_an_error(capsys):
    assert main(["explain", "x1 +", "--at", "1", "--quiet"]) == 2
    assert capsys.readouterr().err.startswith("diffmethods: error:")


# --- dir(dm) ----------------------------------------------------------------------------------
def test_dir_lists_every_public_name_lazy_or_not():
    listed = set(dir(dm))
    assert set(dm.__all__) <= listed, set(dm.__all__) - listed
    assert {"explain", "compare", "epsilon_sweep", "scaling"} <= listed


def test_every_public_name_resolves():
    for name in dm.__all__:
        assert getattr(dm, name) is not None, name


# --- a figure's extension decides its format --------------------------------------------------
MAGIC = {"png": (b"\x89PNG",), "svg": (b"<?xml", b"<svg"), "pdf": (b"%PDF",),
         "eps": (b"%!PS-Adobe",), "ps": (b"%!PS-Adobe",), "jpg": (b"\xff\xd8\xff",),
         "jpeg": (b"\xff\xd8\xff",), "tif": (b"II*\x00", b"MM\x00*"),
         "tiff": (b"II*\x00", b"MM\x00*"), "webp": (b"RIFF",)}


def test_every_figure_format_is_one_matplotlib_writes():
    from matplotlib.backend_bases import FigureCanvasBase
    from diffmethods.files import FIGURE_FORMATS
    assert set(FIGURE_FORMATS) <= set(FigureCanvasBase.get_supported_filetypes())
    assert set(MAGIC) == set(FIGURE_FORMATS)


@pytest.mark.parametrize("fmt", sorted(MAGIC))
def test_figure_bytes_are_in_the_format_asked_and_the_same_every_time(fmt):
    from diffmethods.plots import figure_bytes, plot_sweep
    rows = dm.epsilon_sweep(lambda x: x**3, 1.0, steps=[1e-4, 1e-2], schemes=["central"])
    first, second = (figure_bytes(plot_sweep(rows), fmt) for _ in range(2))
    assert first.startswith(MAGIC[fmt])
    assert first == second


@pytest.mark.parametrize("argv, option", [
    (["explain", "x1*x2", "--at", "2,3", "--graph"], "--graph"),
    (["sweep", "x**3", "--at", "1", "--points", "3", "--out"], "--out"),
    (["descent", "--iterations", "2", "--plot"], "--plot"),
])
def test_commands_write_the_format_the_extension_names(argv, option, tmp_path, capsys):
    for fmt in ("svg", "pdf", "png"):
        path = tmp_path / f"figure.{fmt}"
        assert main(argv + [str(path), "--quiet"]) == 0, capsys.readouterr().err
        assert path.read_bytes().startswith(MAGIC[fmt]), fmt
    capsys.readouterr()
    assert main(argv + [str(tmp_path / "figure.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{option} " in err and "(got .txt)" in err
    assert not (tmp_path / "figure.txt").exists()


def test_an_svg_graph_is_svg_text(tmp_path):
    """The bug of issue 12: explain --graph g.svg wrote PNG bytes."""
    path = tmp_path / "g.svg"
    done = _run("explain", "x1*x2 + sin(x1)", "--at", "2,3", "--graph", str(path))
    assert done.returncode == 0, done.stderr
    text = path.read_text(encoding="utf-8")
    assert text.startswith(("<?xml", "<svg")) and "</svg>" in text


def test_the_library_refuses_an_extension_it_cannot_write(tmp_path):
    from diffmethods.teaching import draw_graph, walk_reverse
    with pytest.raises(dm.OutputError, match="got .gif"):
        draw_graph(walk_reverse(lambda x1: x1 * 2, (1.0,)), str(tmp_path / "g.gif"))
    assert list(tmp_path.iterdir()) == []


# --- report --out never overwrites a file diffmethods did not write, unless --force -----------
@pytest.fixture
def instant_report(monkeypatch):
    """The report command with a tiny stand-in for the studies, so these tests check where it
    writes, not what it computes; `ran` records whether the studies were started."""
    from diffmethods import report
    ran = []
    monkeypatch.setattr(report, "collect", lambda config, progress=None: ran.append(1))
    monkeypatch.setattr(report, "report_files",
                        lambda data: {"README.md": b"# diffmethods report\n",
                                      "results.json": b"{}", "accuracy.png": b"png"})
    return ran


def test_report_refuses_a_directory_with_a_readme_of_yours_before_any_work(tmp_path):
    (tmp_path / "README.md").write_text("my project")
    done = _run("report", "--quick", "--out", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "--force" in done.stderr
    assert os.listdir(tmp_path) == ["README.md"]
    assert (tmp_path / "README.md").read_text() == "my project"


def test_report_refuses_the_current_directory(tmp_path):
    done = _run("report", "--quick", "--out", ".", "--force", cwd=tmp_path)
    assert done.returncode == 2 and "holds the current directory" in done.stderr
    assert os.listdir(tmp_path) == []


def test_a_readme_of_yours_beside_the_tutorial_is_refused_before_any_work(
        tmp_path, instant_report, capsys):
    """A directory diffmethods wrote (the tutorial's) can still hold your README.md."""
    from diffmethods.files import StagedDirectory
    with StagedDirectory(str(tmp_path), "tutorial") as stage:
        stage.write("tutorial.md", "# t")
    (tmp_path / "README.md").write_text("my notes")
    assert main(["report", "--out", str(tmp_path)]) == 2
    assert "README.md: a file diffmethods did not write" in capsys.readouterr().err
    assert instant_report == []  # refused before the studies ran
    assert (tmp_path / "README.md").read_text() == "my notes"


def test_a_report_file_you_edited_is_yours_and_kept(tmp_path, instant_report, capsys):
    out = tmp_path / "r"
    assert main(["report", "--out", str(out), "-q"]) == 0
    (out / "README.md").write_text("# diffmethods report\nwith my remarks")
    assert main(["report", "--out", str(out), "-q"]) == 2
    assert "a file diffmethods did not write (or one changed since)" in capsys.readouterr().err
    assert (out / "README.md").read_text().endswith("with my remarks")


def test_force_replaces_the_files_the_report_writes_and_keeps_the_rest(
        tmp_path, instant_report, capsys):
    (tmp_path / "README.md").write_text("my project")
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["report", "--out", str(tmp_path), "--force", "-q"]) == 0
    assert capsys.readouterr().out == ""
    assert (tmp_path / "README.md").read_text() == "# diffmethods report\n"
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert main(["report", "--out", str(tmp_path), "-q"]) == 0  # now the report's own


def test_force_is_documented():
    from pathlib import Path
    for command in ("report", "tutorial"):
        assert "--force" in build_parser().subcommands[command].format_help()
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "--force" in readme


# --- the installed package is typed -----------------------------------------------------------
USER_SCRIPT = '''\
import numpy as np
import diffmethods as dm


def f(x1: float, x2: float) -> float:
    return x1 * x2 + float(np.sin(x1))


g: np.ndarray = dm.gradient(f, (1.0, 2.0), method="forward")
reveal_type(dm.gradient(f, (1.0, 2.0)))
reveal_type(dm.grad(f)(1.0, 2.0))
reveal_type(dm.differentiate(f, (1.0, 2.0)).f_calls)
print(g.sum() + dm.derivative(np.tanh, 0.3))
'''


def test_mypy_strict_sees_the_installed_api_typed(tmp_path):
    """`pip install .` (a real, not editable, install into a fresh environment), then
    `mypy --strict` on a user's script: diffmethods must be found typed (py.typed), its calls
    typed, and dm.gradient an array of float64."""
    import shutil

    import numpy
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the work tree
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(os.path.join(root, name), source / name)
    shutil.copytree(os.path.join(root, "diffmethods"), source / "diffmethods",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "env")],
                   check=True, timeout=600)
    python = tmp_path / "env" / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"], capture_output=True,
                          text=True, check=True, timeout=600).stdout.strip()
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--no-build-isolation", "--no-index", "--target", site,
                           str(source)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert os.path.isfile(os.path.join(site, "diffmethods", "py.typed"))
    assert not os.path.exists(os.path.join(site, "diffmethods", "tests"))
    # numpy for the type checker: this environment's (its diffmethods is an editable
    # install, an import hook mypy does not follow, so the installed copy is the one found)
    numpy_site = os.path.dirname(os.path.dirname(numpy.__file__))
    with open(os.path.join(site, "numpy.pth"), "w") as fh:
        fh.write(numpy_site + "\n")
    script = tmp_path / "user" / "script.py"
    script.parent.mkdir()
    script.write_text(USER_SCRIPT)
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--python-executable", str(python), str(script)],
                          cwd=script.parent, capture_output=True, text=True, timeout=600)
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert errors == [], done.stdout
    notes = [line for line in done.stdout.splitlines() if "Revealed type" in line]
    assert len(notes) == 3, done.stdout
    assert "ndarray" in notes[0] and "float64" in notes[0]
    assert "ndarray" in notes[1] and "float64" in notes[1]
    assert notes[2].endswith(('"int"', '"builtins.int"'))
    assert done.returncode == 0


# --- README's claims --------------------------------------------------------------------------
FULL_OUTPUT = ("gradient", "derivative", "jacobian", "hessian", "jvp", "vjp", "hvp")


def test_the_operators_readme_names_take_full_output():
    from pathlib import Path
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    named = " ".join(readme.split())
    assert ", ".join(f"`dm.{n}`" for n in FULL_OUTPUT[:-1]) + f" and `dm.{FULL_OUTPUT[-1]}` " \
        "take `full_output=True`" in named
    f = lambda x1, x2: x1 * x2  # noqa: E731
    directions = {"jvp": ([1.0, 0.0],), "vjp": ([1.0],), "hvp": ([1.0, 0.0],)}
    for name in FULL_OUTPUT:
        point = 2.0 if name == "derivative" else (2.0, 3.0)
        g = (lambda x: x * x) if name == "derivative" else f
        result = getattr(dm, name)(g, point, *directions.get(name, ()), full_output=True)
        assert isinstance(result, dm.Result), name
        assert result.f_calls >= 1


def test_a_library_figure_with_a_bad_extension_is_refused_before_drawing(tmp_path, monkeypatch):
    from diffmethods import plots
    drawn = []
    monkeypatch.setattr(plots, "Figure", lambda *a, **k: drawn.append(1))
    rows = [{"scheme": "central"}]
    for plot in (plots.plot_sweep, plots.plot_scaling, plots.plot_accuracy):
        with pytest.raises(dm.OutputError, match="got .txt"):
            plot(rows, str(tmp_path / "f.txt"))
    assert drawn == [] and list(tmp_path.iterdir()) == []


def test_the_defaults_help_shows_without_the_harness_are_the_harness_own():
    import importlib
    command = importlib.import_module("diffmethods.commands.compare")
    harness = importlib.import_module("diffmethods.harness.compare")  # not the function
    assert command.DEFAULT_BUDGET == harness.DEFAULT_BUDGET
    from diffmethods.catalogue import SCENARIOS
    from diffmethods.commands.scaling import _scalable
    from diffmethods.harness.scaling import scalable_names
    assert _scalable() == scalable_names() and set(_scalable()) <= set(SCENARIOS)


def test_the_tour_lists_the_methods_dm_methods_returns():
    """The tour's `dm.methods()    # [...]` is a comment, not a doctest: held true here."""
    import ast
    import re
    from pathlib import Path
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    shown = re.search(r"^dm\.methods\(\)\s+# (\[.*\])$", readme, flags=re.M)
    assert shown and ast.literal_eval(shown[1]) == dm.methods()
