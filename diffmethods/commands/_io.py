"""Writing outputs: the library's :mod:`diffmethods.files`, re-exported for the commands."""

from ..files import OutputError, check_output_directory, check_output_file, write_atomic

__all__ = ["OutputError", "check_output_directory", "check_output_file", "write_atomic"]
