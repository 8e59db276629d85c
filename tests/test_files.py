"""diffmethods.files: one file written whole or not at all, only to a regular file or a new path;
a directory's files swapped in whole, a writer replacing only its own files."""

import errno
import json
import os
import stat
import subprocess
import sys

import pytest

from diffmethods import files
from diffmethods.errors import DiffMethodsError
from diffmethods.files import MANIFEST, OutputError, StagedDirectory, write_atomic


def _siblings(directory):
    """Hidden staging/old/temporary entries beside or inside ``directory``."""
    parent = os.path.dirname(str(directory))
    return [n for n in os.listdir(parent) if n.startswith(".")] + \
        ([n for n in os.listdir(directory) if n.startswith(".") and n != MANIFEST]
         if os.path.isdir(directory) else [])


# --- one file ---------------------------------------------------------------------------------
def test_write_atomic_writes_text_and_bytes_and_keeps_the_replaced_files_mode(tmp_path):
    path = tmp_path / "out" / "r.md"
    write_atomic(str(path), "∂f/∂x\n")
    assert path.read_bytes() == "∂f/∂x\n".encode()
    path.chmod(0o640)
    write_atomic(str(path), b"\x89PNG")
    assert path.read_bytes() == b"\x89PNG" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(path.parent) == ["r.md"]          # no temporary file left


def test_a_new_file_gets_the_permissions_open_would_give_it(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(str(tmp_path / "a.txt"), "a")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o640


@pytest.mark.parametrize("make, kind", [
    (lambda p: os.mkfifo(p), "FIFO"),
    (lambda p: os.mkdir(p), "directory"),
])
def test_special_files_are_refused_and_left_alone(tmp_path, make, kind):
    path = str(tmp_path / "special")
    make(path)
    before = os.lstat(path)
    with pytest.raises(OutputError, match=kind) as e:
        write_atomic(path, "x")
    assert len(str(e.value).splitlines()) == 1
    assert os.lstat(path).st_mode == before.st_mode and os.listdir(tmp_path) == ["special"]


def test_a_device_is_never_replaced():
    before = os.lstat("/dev/null")
    with pytest.raises(OutputError, match="character device"):
        write_atomic("/dev/null", "x")
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_a_symbolic_link_is_refused_and_neither_it_nor_its_target_changes(tmp_path):
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("theirs")
    link.symlink_to(target)
    with pytest.raises(OutputError, match="symbolic link .*give the target's path"):
        write_atomic(str(link), "ours")
    assert link.is_symlink() and target.read_text() == "theirs"


@pytest.mark.parametrize("path, message", [
    ("", "empty"), ("   ", "empty"), ("a\0b", "NUL"),
    ("/proc/diffmethods-test.json", "cannot create files in /proc"),
    ("new-directory/", "ending in / is a directory"),
])
def test_impossible_paths_are_one_line_naming_the_path(path, message):
    with pytest.raises(OutputError, match=message) as e:
        files.check_output_file(path)
    assert isinstance(e.value, DiffMethodsError) and isinstance(e.value, OSError)
    assert ".tmp" not in str(e.value) and "probe" not in str(e.value)


def test_a_path_under_a_file_names_the_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="file is a file, not a directory"):
        files.check_output_file(str(tmp_path / "file" / "sub" / "r.json"))


def test_a_failed_write_keeps_the_old_file_and_names_the_path_not_the_temporary(
        tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    write_atomic(str(path), "old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(OutputError) as e:
        write_atomic(str(path), "new")
    assert str(e.value) == f"cannot write {path}: No space left on device"
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["r.json"]


# --- a directory ------------------------------------------------------------------------------
def _write(directory, owner, contents, **kwargs):
    with StagedDirectory(str(directory), owner, **kwargs) as stage:
        for name, text in contents.items():
            stage.write(name, text)
    return stage.written


def _manifest(directory):
    return json.loads((directory / MANIFEST).read_text())["owners"]


def test_a_new_directory_is_written_whole_with_a_manifest_of_hashes(tmp_path):
    out = tmp_path / "reports"
    written = _write(out, "report", {"README.md": "# r", "fig/a.png": b"png"})
    assert written == [str(out / "README.md"), str(out / "fig/a.png")]
    assert sorted(os.listdir(out)) == [MANIFEST, "README.md", "fig"]
    hashes = _manifest(out)["report"]["files"]
    assert set(hashes) == {"README.md", "fig/a.png"}
    assert hashes["README.md"] == files._sha256(str(out / "README.md"))
    assert _siblings(out) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_rewriting_replaces_own_files_drops_stale_ones_and_keeps_everyone_elses(
        tmp_path, monkeypatch, exchange):
    swaps = []
    real = files._exchange

    def exchange_or_not(a, b):
        swaps.append(a)
        if not exchange:
            raise files._NoExchange
        real(a, b)
    monkeypatch.setattr(files, "_exchange", exchange_or_not)
    out = tmp_path / "reports"
    _write(out, "report", {"README.md": "# r1", "old_figure.png": b"1"})
    _write(out, "tutorial", {"tutorial.md": "# t", "tutorial/g.png": b"g"})
    (out / "notes.txt").write_text("mine")                      # a person's file
    out.chmod(0o750)
    _write(out, "report", {"README.md": "# r2", "new_figure.png": b"2"})
    assert sorted(os.listdir(out)) == [MANIFEST, "README.md", "new_figure.png", "notes.txt",
                                       "tutorial", "tutorial.md"]
    assert (out / "README.md").read_text() == "# r2" and (out / "notes.txt").read_text() == "mine"
    assert (out / "tutorial" / "g.png").read_bytes() == b"g"
    owners = _manifest(out)
    assert set(owners["report"]["files"]) == {"README.md", "new_figure.png"}
    assert set(owners["tutorial"]["files"]) == {"tutorial.md", "tutorial/g.png"}
    assert stat.S_IMODE(out.stat().st_mode) == 0o750 and _siblings(out) == []
    assert len(swaps) == 2        # both rewrites went through the final move (the first is new)


def test_a_file_someone_else_wrote_is_never_overwritten(tmp_path):
    out = tmp_path / "reports"
    _write(out, "report", {"README.md": "# r"})
    (out / "results.json").write_text("a person's results")
    with pytest.raises(OutputError, match="results.json: a file diffmethods did not write"):
        _write(out, "report", {"README.md": "# r2", "results.json": "{}"})
    assert (out / "README.md").read_text() == "# r"
    assert (out / "results.json").read_text() == "a person's results" and _siblings(out) == []


def test_a_directory_diffmethods_did_not_write_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="holds files diffmethods did not write .*thesis.tex"):
        with StagedDirectory(str(tmp_path), "report"):
            pytest.fail("the block must not run")
    assert os.listdir(tmp_path) == ["thesis.tex"]


def test_a_directory_from_before_manifests_is_recognised_by_its_signature(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "README.md").write_text("# diffmethods report: old")
    (out / "accuracy.png").write_bytes(b"old")
    (out / "tutorial.md").write_text("# How a computer finds a derivative")
    (out / "scaling_old.png").write_bytes(b"a figure the report no longer makes")
    signature = files.Signature("README.md", b"# diffmethods report", ("README.md", "*.png"))
    _write(out, "report", {"README.md": "# diffmethods report: new", "accuracy.png": b"new"},
           signature=signature)
    assert (out / "accuracy.png").read_bytes() == b"new"
    assert not (out / "scaling_old.png").exists()   # the report's by its signature: dropped
    assert (out / "tutorial.md").exists()           # not the report's: carried over


def test_an_exception_inside_leaves_the_directory_untouched(tmp_path):
    out = tmp_path / "reports"
    _write(out, "tutorial", {"tutorial.md": "# v1"})
    with pytest.raises(OutputError, match="No space left"):
        with StagedDirectory(str(out), "tutorial") as stage:
            stage.write("tutorial/a.png", b"a")
            raise OutputError(f"cannot write {out}/tutorial/b.png: No space left on device")
    assert sorted(os.listdir(out)) == [MANIFEST, "tutorial.md"] and _siblings(out) == []


@pytest.mark.parametrize("make, message", [
    (lambda p: p.symlink_to(p.parent / "elsewhere", target_is_directory=True),
     "symbolic link"),
    (lambda p: p.write_text("x"), "not a directory"),
    (lambda p: os.mkfifo(p), "FIFO"),
])
def test_links_and_special_files_are_refused_as_output_directories(tmp_path, make, message):
    (tmp_path / "elsewhere").mkdir()
    out = tmp_path / "out"
    make(out)
    with pytest.raises(OutputError, match=message):
        files.check_output_directory(str(out), "report")


@pytest.mark.parametrize("path, message", [
    ("/proc", "mount point"), ("/", "mount point"), ("/proc/1", "did not write"),
    ("/proc/diffmethods-report", "cannot create files in /proc"),
])
def test_system_directories_are_refused(path, message):
    with pytest.raises(OutputError, match=message):
        files.check_output_directory(path, "report")


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_run_cleans_up_after_a_dead_run_and_leaves_live_ones(tmp_path):
    out = tmp_path / "reports"
    _write(out, "report", {"README.md": "# r"})
    dead = tmp_path / f".reports.staging-{_dead_pid()}-0123abcd"
    live = tmp_path / f".reports.staging-{os.getppid()}-4567cdef"
    for d in (dead, live):
        d.mkdir()
    _write(out, "report", {"README.md": "# r2"})
    assert not dead.exists() and live.exists()


def test_a_run_that_died_between_two_renames_gets_the_old_directory_back(tmp_path):
    out = tmp_path / "reports"
    _write(out, "report", {"README.md": "# complete"})
    old = tmp_path / f".reports.old-{_dead_pid()}-89abcdef"
    out.rename(old)                                   # the state such a death leaves
    files.recover(str(out))
    assert (out / "README.md").read_text() == "# complete" and not old.exists()


def test_a_full_disk_leaves_the_previous_tutorial_not_half_a_new_one(tmp_path, monkeypatch):
    from diffmethods.teaching.tutorial import write_tutorial
    out = tmp_path / "reports"
    (out / "tutorial").mkdir(parents=True)
    (out / "tutorial.md").write_text("# How a computer finds a derivative (the previous one)")
    (out / "tutorial" / "descent.png").write_bytes(b"previous figure")
    flushes = []
    real = os.fsync

    def disk_fills_up(fd):
        flushes.append(fd)
        if len(flushes) == 3:                       # two figures written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)
    monkeypatch.setattr(files.os, "fsync", disk_fills_up)
    with pytest.raises(OutputError, match="No space left on device"):
        write_tutorial(str(out))
    assert len(flushes) == 3
    assert sorted(os.listdir(out)) == ["tutorial", "tutorial.md"]
    assert os.listdir(out / "tutorial") == ["descent.png"]
    assert (out / "tutorial" / "descent.png").read_bytes() == b"previous figure"
    assert _siblings(out) == []


# --- someone else's file ----------------------------------------------------------------------
def test_a_file_diffmethods_did_not_write_is_refused_not_replaced(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("my notes on diffmethods\n")
    with pytest.raises(OutputError, match="diffmethods did not write it.*remove it first"):
        write_atomic(str(notes), "a report")
    assert notes.read_text() == "my notes on diffmethods\n"
    assert os.listdir(tmp_path) == ["notes.md"]       # no temporary left behind


def test_its_own_file_is_replaced_but_not_once_someone_edited_it(tmp_path):
    out = tmp_path / "r.csv"
    write_atomic(str(out), "a,b\n1,2\n")
    write_atomic(str(out), "a,b\n3,4\n")                # its own, unchanged: replaced
    assert out.read_text() == "a,b\n3,4\n" and files.written_by_diffmethods(out)
    with open(out, "a") as fh:                         # edited in place: no longer ours
        fh.write("5,6\n")
    assert not files.written_by_diffmethods(out)
    with pytest.raises(OutputError, match="changed since"):
        write_atomic(str(out), "new")


def test_an_empty_file_or_a_marked_file_may_be_replaced(tmp_path):
    empty = tmp_path / "empty.md"
    empty.touch()
    write_atomic(str(empty), "x")
    assert empty.read_text() == "x"
    marked = tmp_path / "program.py"                   # e.g. copied where tags are lost
    marked.write_text('"""f: value and gradient. Generated by diffmethods."""\n')
    assert files.written_by_diffmethods(marked)


def test_the_cli_refuses_someone_elses_file_before_any_work(tmp_path):
    import subprocess
    import sys
    theirs = tmp_path / "theirs.json"
    theirs.write_text('{"mine": true}')
    done = subprocess.run([sys.executable, "-m", "diffmethods", "compare", "3*(x1**2 + x2*x3)",
                           "--at", "2,3,4", "--out", str(theirs)],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "did not write it" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert theirs.read_text() == '{"mine": true}'
