"""Writing outputs safely: never a half-written file."""

from __future__ import annotations

import os
import tempfile


def write_atomic(path: str, data, mode: str = "w") -> None:
    """Write ``data`` to a temporary file beside ``path`` and move it into place, so a
    failure leaves the old file (or nothing), never half a file."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, mode) as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; use what open() would
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
