"""Writing outputs: whole or not at all, only where asked, never over a file diffmethods did
not write.

One file (``compare --out r.json``, a figure) goes through :func:`write_atomic`: a temporary
file beside the path, flushed to disk, renamed over it. The path must be new, or a regular
file that diffmethods wrote and nobody changed since (:func:`written_by_diffmethods`: the
file's SHA-256 kept in an extended attribute, or a mark in the formats that have room for one);
someone else's file is refused, never replaced. Symbolic links are refused, not followed (give the link's target instead: writing through
a link planted in a shared directory is a classic way to overwrite someone's files), and so are
directories, FIFOs, devices and sockets -- a rename would replace ``/dev/null`` itself.

A directory of files (the report, the tutorial) goes through :class:`StagedDirectory`: the new
contents are built in a hidden sibling, ``.NAME.staging-PID-XXXX``, and swapped in by one
atomic rename (``renameat2(RENAME_EXCHANGE)`` on Linux), so a reader -- or a kill at any moment
-- sees the whole old directory or the whole new one. Where the exchange is missing, two
renames are used; if a run dies between them, the old directory waits in ``.NAME.old-PID-XXXX``
and the next run puts it back (:func:`recover`). The next run also removes a dead run's
staging directory. Several writers share a directory (``reports/`` holds the report and the
tutorial): ``.diffmethods.json`` in it records which files each one wrote, with their SHA-256,
so a writer replaces and deletes only its own files and carries every other file over; a file
edited since it was written is no longer diffmethods' and is kept. A directory that is not
empty and was not written by diffmethods is refused, and so is a file of someone else's where
the writer would put one of its own -- before any work when the writer names its files up front
-- unless ``force=True`` (``--force``). The current directory, or one holding it, is refused
whatever: it is replaced whole, which would leave the shell in a deleted directory.
"""

from __future__ import annotations

import ctypes
import errno
import fnmatch
import hashlib
import json
import os
import re
import shutil
import stat
import sys
from dataclasses import dataclass

from .errors import OutputError  # noqa: F401  (raised here; re-exported for callers)

MANIFEST = ".diffmethods.json"
# what a figure path may end in: the formats matplotlib writes with no extra software (not .pgf,
# which needs LaTeX, nor raw pixel dumps), each reproducible byte for byte
FIGURE_FORMATS = ("png", "svg", "pdf", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp")
_SIBLING = re.compile(r"^\.(?P<base>.+)\.(?P<kind>staging|old)-(?P<pid>\d+)-[0-9a-f]{8}$")


# --- checks -----------------------------------------------------------------------------------
def _path_text(path) -> str:
    path = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(path, str):
        raise OutputError(f"an output path must be text, not {type(path).__name__}")
    if not path.strip():
        raise OutputError("the output path is empty: give a file or directory name")
    if "\0" in path:
        raise OutputError(f"the output path {path!r} contains a NUL character")
    return path


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _lstat(path: str, shown: str):
    """os.lstat, or None for a path that does not exist yet."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise OutputError(f"cannot write {shown}: {_file_ancestor(path)} is a file, not a "
                          "directory") from None
    except OSError as e:
        raise OutputError(f"cannot write {shown}: {_reason(e)}") from None


def _file_ancestor(path: str) -> str:
    parent = os.path.dirname(path)
    while parent and not os.path.isdir(parent) and parent != os.path.dirname(parent):
        if os.path.lexists(parent):
            return parent
        parent = os.path.dirname(parent)
    return parent


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"),
             (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _refuse_link(path: str, shown: str) -> None:
    target = os.readlink(path)
    raise OutputError(f"cannot write {shown}: it is a symbolic link (to {target}); diffmethods "
                      "does not write through links, give the target's path instead")


def _probe(directory: str, shown: str) -> None:
    """Create and remove a file in ``directory``'s nearest existing ancestor: the one check
    that tells (as root too, and on /proc or a read-only disk) whether writing will work."""
    ancestor = directory
    while not os.path.lexists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise OutputError(f"cannot write {shown}: {ancestor} is a file, not a directory")
    try:
        probe, fd = _unique(ancestor, f"diffmethods-probe-{os.getpid()}", _new_file)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise OutputError(f"cannot write {shown}: cannot create files in {ancestor} "
                          f"({_reason(e)})") from None


# A file diffmethods wrote carries the SHA-256 of its bytes in an extended attribute (where
# the system has them), so a later run knows the file is its own and unedited; elsewhere, the
# formats that can say who wrote them carry one of these marks.
_TAG = "user.diffmethods.sha256"
MARKS = (b"<!-- written by diffmethods -->", b"Generated by diffmethods",
         b"Software\x00diffmethods")
"""What marks a file as diffmethods' own where extended attributes are missing: the comment
at the top of its Markdown and HTML, the docstring of a generated program, a PNG's Software."""


def _tag(path: str, content: bytes) -> None:
    """Note on the file that diffmethods wrote exactly ``content`` (skipped where the file
    system keeps no extended attributes)."""
    try:
        os.setxattr(path, _TAG, hashlib.sha256(content).hexdigest().encode())
    except (AttributeError, OSError):
        pass


def written_by_diffmethods(path) -> bool:
    """Whether the regular file at ``path`` is one diffmethods wrote and nobody changed since:
    its tag matches its bytes, or (without a tag) it carries one of :data:`MARKS`.

    An empty file counts as replaceable too: nothing of anyone's would be lost."""
    absolute = os.path.abspath(_path_text(path))
    try:
        if os.path.getsize(absolute) == 0:
            return True
        try:
            tag = os.getxattr(absolute, _TAG).decode()
        except (AttributeError, OSError):
            tag = None
        if tag is not None:
            return tag == _sha256(absolute)
        with open(absolute, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return False
    return any(mark in head for mark in MARKS)


def check_output_file(path) -> None:
    """Fail now, with one line, unless ``path`` is a new path, or a regular file diffmethods
    wrote, that can be written (so a long run is not wasted on an output it cannot save, and
    no file of someone else's is replaced)."""
    path = _path_text(path)
    if path.endswith(("/", os.sep)):
        raise OutputError(f"cannot write {path}: a name ending in / is a directory; give a "
                          "file name")
    absolute = os.path.abspath(path)
    st = _lstat(absolute, path)
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            _refuse_link(absolute, path)
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"cannot write {path}: it is a directory; give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"cannot write {path}: it is {_kind(st.st_mode)}, not a regular "
                              "file; outputs go to regular files or new paths")
        if not written_by_diffmethods(absolute):
            raise OutputError(f"cannot write {path}: the file exists and diffmethods did not "
                              "write it (or it was changed since); remove it first or give "
                              "another path")
    _probe(os.path.dirname(absolute), path)


def figure_format(path, option: str | None = None) -> str:
    """The format a figure's path asks for, from its extension (``g.svg`` -> ``"svg"``); an
    extension that is not one of :data:`FIGURE_FORMATS` is an :class:`OutputError` naming
    ``option`` (the command-line flag) if given. Needs no matplotlib, so a command checks its
    figure paths before any work."""
    path = _path_text(path)
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    if ext not in FIGURE_FORMATS:
        shown = f"{option} {path}" if option else path
        got = f".{ext}" if ext else "no extension"
        raise OutputError(f"{shown}: a figure's format comes from its extension, one of "
                          f"{', '.join('.' + f for f in FIGURE_FORMATS)} (got {got})")
    return ext


# --- one file ---------------------------------------------------------------------------------
def write_atomic(path, data) -> None:
    """Write ``data`` (text, as UTF-8, or bytes) to ``path`` whole or not at all: into a
    temporary file beside it, flushed to disk, then renamed over it. Refuses what
    :func:`check_output_file` refuses; every failure is an :class:`OutputError` naming
    ``path`` (never the temporary file)."""
    check_output_file(path)
    path = os.fspath(path)
    content = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    absolute = os.path.abspath(path)
    directory, base = os.path.split(absolute)
    tmp = None
    try:
        os.makedirs(directory, exist_ok=True)
        tmp, fd = _unique(directory, f"{base[:40]}.tmp", _new_file)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        st = os.lstat(absolute) if os.path.lexists(absolute) else None
        if st is not None and not stat.S_ISREG(st.st_mode):  # it changed since the check
            raise OutputError(f"cannot write {path}: it is now {_kind(st.st_mode)}")
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))  # keep the replaced file's permissions
        _tag(tmp, content)
        os.replace(tmp, absolute)
        tmp = None
    except OutputError:
        raise
    except OSError as e:
        raise OutputError(f"cannot write {path}: {_reason(e)}") from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)


def _new_file(path: str) -> int:
    """A new file's descriptor, with the permissions open() would give it (the umask's)."""
    return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)


def _unique(directory: str, stem: str, create):
    """(path, create(path)) for a new hidden name ``.STEM-XXXXXXXX`` in ``directory``, never
    an existing one."""
    while True:
        path = os.path.join(directory, f".{stem}-{os.urandom(4).hex()}")
        try:
            return path, create(path)
        except FileExistsError:
            continue


# --- a directory ------------------------------------------------------------------------------
def recover(path) -> None:
    """Clean up after dead runs that wrote ``path``: put the previous directory back if a run
    died between its two renames, and remove dead runs' staging directories. Runs that are
    still alive (their process id exists) are left alone."""
    absolute = os.path.abspath(_path_text(path))
    parent, base = os.path.split(absolute)
    try:
        names = os.listdir(parent)
    except OSError:
        return
    dead = [m for m in map(_SIBLING.match, names)
            if m and m["base"] == base and not _alive(int(m["pid"]))]
    for m in sorted(dead, key=lambda m: m["kind"] != "old"):  # put an old one back first
        sibling = os.path.join(parent, m.string)
        if m["kind"] == "old" and not os.path.lexists(absolute):
            os.rename(sibling, absolute)
        else:
            shutil.rmtree(sibling, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # cannot tell safely: leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _read_manifest(directory: str) -> dict:
    try:
        with open(os.path.join(directory, MANIFEST), "rb") as fh:
            manifest = json.loads(fh.read())
        return manifest if isinstance(manifest.get("owners"), dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


@dataclass(frozen=True)
class Signature:
    """How an owner's files are known in a directory written before manifests existed: its
    ``document`` starts with ``prefix``, and its files are those matching ``patterns``
    (relative paths; ``*`` stays within one directory)."""

    document: str
    prefix: bytes
    patterns: tuple

    def signs(self, directory: str) -> bool:
        try:
            with open(os.path.join(directory, self.document), "rb") as fh:
                return fh.read(len(self.prefix)) == self.prefix
        except OSError:
            return False

    def claims(self, rel: str) -> bool:
        return any(os.path.dirname(rel) == os.path.dirname(p)
                   and fnmatch.fnmatchcase(os.path.basename(rel), os.path.basename(p))
                   for p in self.patterns)


def _unchanged(directory: str, rel: str, digest) -> bool:
    """Is ``rel`` still the file the manifest recorded (same SHA-256)?"""
    path = os.path.join(directory, rel)
    return os.path.isfile(path) and not os.path.islink(path) and _sha256(path) == digest


def _previous_files(directory: str, owner: str, signature, shown: str, force: bool = False):
    """(manifest, the files ``owner`` wrote there before and nobody changed since), from the
    manifest or, for a directory from before manifests, from the owner's signature. A
    directory of someone else's files is refused unless ``force``."""
    manifest = _read_manifest(directory)
    if owner in manifest.get("owners", {}):
        recorded = manifest["owners"][owner].get("files", {})
        return manifest, {rel for rel, digest in recorded.items()
                          if _unchanged(directory, rel, digest)}
    if signature is not None and signature.signs(directory):
        return manifest, {rel for rel in _files_under(directory) if signature.claims(rel)}
    entries = os.listdir(directory)
    if manifest or not entries or force:
        return manifest, set()
    example = sorted(entries)[0]
    raise OutputError(f"cannot write the {owner} into {shown}: it holds files diffmethods did "
                      f"not write (such as {example}); give a new or empty directory, or "
                      "--force to write among them (replacing any of the same name)")


def _in_the_way(directory: str, names, before: set) -> list:
    """The files of ``names`` already in ``directory`` that are not the owner's own."""
    return sorted(rel for rel in map(os.path.normpath, names)
                  if rel not in before and os.path.lexists(os.path.join(directory, rel)))


def _refuse_in_the_way(target: str, rel: str) -> None:
    raise OutputError(f"cannot write {os.path.join(target, rel)}: a file diffmethods did not "
                      "write (or one changed since) is in the way; move it away, choose "
                      "another directory, or give --force to replace it")


def _holds_the_current_directory(absolute: str) -> bool:
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:
        return False
    there = os.path.realpath(absolute)
    return here == there or here.startswith(there.rstrip(os.sep) + os.sep)


def check_output_directory(path, owner: str, signature=None, names=None,
                           force: bool = False) -> None:
    """Fail now, with one line, unless ``path`` can take ``owner``'s files: a new path, an
    empty directory or one diffmethods wrote, not a link, a mount point or the current
    directory, with a parent in which the staging directory can be made; and, when ``names``
    (the files the owner will write) are known, none of them someone else's. ``force`` lets
    the owner write among other files and replace them. Cleans up after dead runs first."""
    path = _path_text(path)
    absolute = os.path.abspath(path)
    if os.path.ismount(absolute):
        raise OutputError(f"cannot write the {owner} into {path}: it is a mount point, and the "
                          f"{owner} replaces its directory whole; give a directory inside it")
    if _holds_the_current_directory(absolute):
        raise OutputError(f"cannot write the {owner} into {path}: it holds the current "
                          f"directory, and the {owner} replaces its directory whole (the shell "
                          "would be left in a deleted directory); give a subdirectory, e.g. "
                          "--out reports")
    recover(absolute)
    st = _lstat(absolute, path)
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            _refuse_link(absolute, path)
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"cannot write into {path}: it is {_kind(st.st_mode)}, not a "
                              "directory")
        try:
            _, before = _previous_files(absolute, owner, signature, path, force)
            in_the_way = [] if names is None or force else _in_the_way(absolute, names, before)
        except PermissionError as e:
            raise OutputError(f"cannot write into {path}: {_reason(e)}") from None
        if in_the_way:
            _refuse_in_the_way(path, in_the_way[0])
    _probe(os.path.dirname(absolute), path)


class StagedDirectory:
    """Replace ``owner``'s files in a directory all at once::

        with StagedDirectory("reports", "report") as stage:
            stage.write("README.md", text)     # or write any files under stage.path
        stage.written                          # ['reports/README.md']

    Inside the block, files go to ``stage.path``, a fresh sibling of the directory. On a
    clean exit the files the owner wrote before and did not write again are dropped, every
    other file is carried over (hard-linked), the manifest is written, and the whole is swapped
    in. On an exception the staging directory is removed and the directory is untouched.
    ``names`` and ``force`` are those of :func:`check_output_directory`."""

    def __init__(self, path, owner: str, signature=None, names=None, force: bool = False):
        self.target = _path_text(path)
        self.owner = owner
        self.signature = signature
        self.names = names
        self.force = force
        self.path = None
        self.written: list[str] = []
        self._absolute = os.path.abspath(self.target)

    def __enter__(self) -> "StagedDirectory":
        check_output_directory(self.target, self.owner, self.signature, self.names, self.force)
        parent = os.path.dirname(self._absolute)
        try:
            os.makedirs(parent, exist_ok=True)
            self.path = _make_sibling(self._absolute, "staging")
        except OSError as e:
            raise OutputError(f"cannot write into {self.target}: {_reason(e)}") from None
        return self

    def write(self, name: str, data) -> str:
        """Write one file (a path relative to the directory); returns its final path."""
        write_atomic(os.path.join(self.path, name), data)
        return os.path.join(self.target, name)

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                self._commit()
        except OutputError:
            raise
        except OSError as e:
            raise OutputError(f"cannot write into {self.target}: {_reason(e)}") from None
        finally:
            if self.path is not None:  # the staging directory, or the old one after the swap
                shutil.rmtree(self.path, ignore_errors=True)
        return False

    def _commit(self) -> None:
        mine = _files_under(self.path)
        old = self._absolute if os.path.isdir(self._absolute) else None
        manifest, before = ({}, set()) if old is None else _previous_files(
            old, self.owner, self.signature, self.target, self.force)
        if old is not None:
            for rel in _files_under(old):
                if rel == MANIFEST or (rel in before and rel not in mine):
                    continue  # the manifest is rewritten; our own stale files are dropped
                if rel in mine:
                    if rel not in before and not self.force:
                        _refuse_in_the_way(self.target, rel)
                    continue  # ours replaces it
                _carry_over(os.path.join(old, rel), os.path.join(self.path, rel))
            os.chmod(self.path, stat.S_IMODE(os.stat(old).st_mode))
        # a file replaced with force is no longer the other writer's
        owners = {name: {**record, "files": {rel: digest for rel, digest
                                             in record.get("files", {}).items()
                                             if rel not in mine}}
                  for name, record in manifest.get("owners", {}).items()
                  if isinstance(record, dict)}
        owners[self.owner] = {"files": {rel: _sha256(os.path.join(self.path, rel))
                                        for rel in sorted(mine)}}
        write_atomic(os.path.join(self.path, MANIFEST),
                     json.dumps({"format": 1, "owners": owners}, indent=1, sort_keys=True))
        _sync_tree(self.path)
        self.path = _swap(self.path, self._absolute)
        _sync(os.path.dirname(self._absolute))
        self.written = [os.path.join(self.target, rel) for rel in sorted(mine)]


def _make_sibling(absolute: str, kind: str) -> str:
    """A new directory ``.NAME.KIND-PID-XXXXXXXX`` beside ``absolute``."""
    parent, base = os.path.split(absolute)
    return _unique(parent, f"{base}.{kind}-{os.getpid()}", lambda p: os.mkdir(p, 0o777))[0]


def _files_under(root: str) -> set:
    """Relative paths of everything but directories under ``root`` (symbolic links are not
    followed)."""
    out = set()
    for directory, dirs, names in os.walk(root):
        rel = os.path.relpath(directory, root)
        out.update(os.path.normpath(os.path.join(rel, n)) for n in names)
        out.update(os.path.normpath(os.path.join(rel, d)) for d in dirs
                   if os.path.islink(os.path.join(directory, d)))
    return out


def _carry_over(source: str, destination: str) -> None:
    """The same file in the new directory: a hard link, or a copy where links fail."""
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        if os.path.islink(source):
            os.symlink(os.readlink(source), destination)
        else:
            shutil.copy2(source, destination)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sync(directory: str) -> None:
    """Flush a directory's entries to disk (best effort: not every system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sync_tree(root: str) -> None:
    for directory, _, _ in os.walk(root):
        _sync(directory)


class _NoExchange(Exception):
    """The system cannot swap two directories in one step."""


def _exchange(a: str, b: str) -> None:
    """Swap two directory entries atomically: renameat2(RENAME_EXCHANGE), Linux 3.15+."""
    if not sys.platform.startswith("linux"):
        raise _NoExchange
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        raise _NoExchange from None
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
        code = ctypes.get_errno()
        if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise _NoExchange
        raise OSError(code, os.strerror(code))


def _swap(staging: str, target: str) -> str | None:
    """Put ``staging`` at ``target`` (the final move); returns what is left to remove (the
    previous directory), or None."""
    if not os.path.lexists(target):
        os.rename(staging, target)
        return None
    try:
        _exchange(staging, target)
        return staging  # now holds the previous directory
    except _NoExchange:
        old = _make_sibling(target, "old")
        os.rmdir(old)
        os.rename(target, old)   # a death here leaves old-*, which recover() puts back
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(old, target)
            raise
        return old
