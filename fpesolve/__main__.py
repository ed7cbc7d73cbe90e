"""``python -m fpesolve``: the same as the ``fpesolve`` command (see :mod:`fpesolve.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
