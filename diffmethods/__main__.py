"""``python -m diffmethods``: the same command as ``diffmethods``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
