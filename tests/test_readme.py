"""README's examples marked for doctest run as they are written, so README stays true.

Python blocks marked ``<!-- doctest -->`` run as doctests; console blocks marked
``<!-- doctest: shell -->`` run each ``$ command`` in a shell (``diffmethods`` and ``python``
being this interpreter's) and compare what it prints, stdout and stderr, with the lines below
it (``...`` matches anything, as in doctests).
"""

import doctest
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _marked_blocks() -> list[str]:
    """The marked blocks; those marked ``needs scipy`` only where scipy is installed (it is
    optional)."""
    text = README.read_text()
    blocks = re.findall(r"<!-- doctest([^>]*)-->\s*```python\n(.*?)```", text, flags=re.S)
    has_scipy = importlib.util.find_spec("scipy") is not None
    return [block for mark, block in blocks if has_scipy or "needs scipy" not in mark]


def test_readme_doctest_blocks_run_as_written():
    blocks = _marked_blocks()
    assert blocks, "README has no blocks marked <!-- doctest -->"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for k, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README block {k}", str(README), 0)
        result = runner.run(test)
        assert result.failed == 0, f"README block {k}: {result.failed} example(s) failed"
        assert result.attempted >= 3, f"README block {k} has almost no examples"


def _shell_blocks() -> list[str]:
    text = README.read_text()
    return re.findall(r"<!-- doctest: shell -->\s*```console\n(.*?)```", text, flags=re.S)


def _commands(block: str) -> list[tuple[str, str]]:
    """[(command, the output README shows for it)] of a console block."""
    out = []
    for line in block.splitlines(keepends=True):
        if line.startswith("$ "):
            out.append((line[2:].strip(), ""))
        else:
            out[-1] = (out[-1][0], out[-1][1] + line)
    return out


def test_readme_shell_examples_print_what_readme_shows(tmp_path):
    blocks = _shell_blocks()
    assert blocks, "README has no console blocks marked <!-- doctest: shell -->"
    bin_dir = tmp_path / "bin"  # `python` and `diffmethods` are this interpreter's
    bin_dir.mkdir()
    for name, run in (("python", ""), ("diffmethods", " -m diffmethods")):
        (bin_dir / name).write_text(f'#!/bin/sh\nexec "{sys.executable}"{run} "$@"\n')
        (bin_dir / name).chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    checker = doctest.OutputChecker()
    for block in blocks:
        for command, expected in _commands(block):
            done = subprocess.run(["sh", "-c", command], capture_output=True, text=True,
                                  cwd=tmp_path, env=env, timeout=600)
            got = done.stdout + done.stderr
            assert checker.check_output(expected, got, doctest.ELLIPSIS), \
                f"$ {command}\nREADME shows:\n{expected}\nit printed:\n{got}"
