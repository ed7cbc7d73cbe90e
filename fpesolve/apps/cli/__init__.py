r"""The ``fpesolve`` command line.

::

    fpesolve reproduce --quick            # the papers' constructions, computed exactly
    fpesolve reproduce failure-modes      # one paper (failure-modes, label-noise or all)
    fpesolve stationary double-well --eta 0.3 --out dw.png
    fpesolve spectrum my_landscape.py --eta 0.05 -k 4 --json
    fpesolve mfpt ou --eta 0.5 --from 0 --to 2
    fpesolve diagnose F1 --eta 0.01

Every subcommand prints a readable report, or JSON with ``--json``; ``--out``
writes a figure (a directory of figures and tables for ``reproduce``);
``--progress/--no-progress`` switches the progress bars (the same switch as
:func:`fpesolve.set_progress`).  The first use of a numba kernel group in a
process prints one line on stderr ("compiling numba kernels ... (first run
only, ~N s)").

Exit statuses (:mod:`fpesolve.apps.cli.failures`): 0 success; 1 a condition
violated (``diagnose``) or a reproduction check failed (``reproduce``); 2 bad
input, with one line ``fpesolve: error: <message>`` on stderr (also for an
exception raised inside your own landscape function: the line names the
function, the exception and ``x``); 3 a computation that missed its promised
accuracy; 4 an internal error (a bug), with its traceback.

A landscape is named by a construction or built-in name (``fpesolve
stationary --list`` shows them) or by the path of a Python file that defines
a :class:`~fpesolve.Landscape` called ``landscape`` or a function
``make_landscape()`` returning one.

The modules: :mod:`~fpesolve.apps.cli.app` (registry, parser, :func:`main`),
:mod:`~fpesolve.apps.cli.failures` (exit statuses), :mod:`~fpesolve.apps.cli.landscapes`,
:mod:`~fpesolve.apps.cli.options` (shared arguments and output),
:mod:`~fpesolve.apps.cli.commands` (``stationary``, ``spectrum``, ``mfpt``) and
:mod:`~fpesolve.apps.cli.papers` (``diagnose``, ``reproduce``).

Adding a subcommand
-------------------
Write a function that adds the arguments to an :class:`argparse.ArgumentParser`
and a handler ``run(args) -> int``, and register them::

    from fpesolve.apps.cli import register

    def _my_arguments(parser):
        parser.add_argument("--n", type=int, default=3, help="...")

    @register("mine", help="one line for `fpesolve --help`", arguments=_my_arguments)
    def _run_mine(args):
        ...
        return 0
"""

from .app import PROG, SUBCOMMANDS, Subcommand, build_parser, main, register
from .failures import EXIT_ACCURACY, EXIT_BUG, EXIT_INPUT, EXIT_OK, EXIT_VIOLATED, InputError
from .landscapes import BUILTINS, available_names, builtin_landscapes, load_landscape, load_target
from . import commands, papers  # noqa: F401 - registers the subcommands, in --help order

__all__ = ["main", "build_parser", "register", "Subcommand", "SUBCOMMANDS", "PROG", "load_landscape", "load_target",
           "builtin_landscapes", "available_names", "BUILTINS", "InputError", "EXIT_OK", "EXIT_VIOLATED",
           "EXIT_INPUT", "EXIT_ACCURACY", "EXIT_BUG"]
