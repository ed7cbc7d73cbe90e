"""``python -m fpesolve``: the same as the ``fpesolve`` command (see :mod:`fpesolve.apps.cli`)."""

import sys

from .apps.cli import main

if __name__ == "__main__":
    sys.exit(main())
