"""Writing outputs: the library's :mod:`diffmethods.files`, re-exported for the commands, and
the informational lines that ``--quiet`` silences."""

from ..files import OutputError, check_output_directory, check_output_file, write_atomic

__all__ = ["OutputError", "check_output_directory", "check_output_file", "inform",
           "write_atomic"]


def inform(args, line: str) -> None:
    """Print an informational line ("wrote FILE", a timing), unless --quiet: results and
    errors are never silenced, these are."""
    if not getattr(args, "quiet", False):
        print(line)
