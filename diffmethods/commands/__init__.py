"""Subcommands of the ``diffmethods`` command, one module each (see diffmethods.cli)."""
