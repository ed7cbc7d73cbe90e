"""The subcommand registry, the argument parser and :func:`main` (exit statuses in :mod:`.failures`)."""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Sequence

from ..._util.version import __version__
from .failures import EXIT_BUG, EXIT_INPUT, bug_report, classify, one_line
from .options import apply_progress

__all__ = ["PROG", "Subcommand", "SUBCOMMANDS", "register", "build_parser", "main"]

PROG = "fpesolve"

EPILOG = """exit status:
  0  success: every condition holds, every check passed
  1  a necessary condition is violated (diagnose) or a reproduction check failed (reproduce)
  2  bad input: a bad argument or landscape, an error in your own landscape function, a cost above the limit
  3  a computation did not reach its promised accuracy (the message says what to change)
  4  internal error: a bug in fpesolve (the traceback is printed; please report it)

Run 'fpesolve <command> --help' for a command's options."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message: str):  # noqa: D102 - argparse API
        self.exit(EXIT_INPUT, f"{self.prog}: error: {one_line(message)} (see '{self.prog} --help')\n")


@dataclass(frozen=True)
class Subcommand:
    """One ``fpesolve`` subcommand: its help texts, its arguments and its handler.

    Attributes
    ----------
    name : str
        ``fpesolve <name>``.
    help : str
        One line for ``fpesolve --help``.
    description : str
        The text of ``fpesolve <name> --help``.
    arguments : callable
        ``arguments(parser)`` adds the options.
    run : callable
        ``run(args) -> int``, the exit status.

    Examples
    --------
    >>> from fpesolve.apps.cli import SUBCOMMANDS
    >>> list(SUBCOMMANDS)[:3], SUBCOMMANDS["spectrum"].name
    (['stationary', 'spectrum', 'mfpt'], 'spectrum')
    """

    name: str
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], Optional[int]]


#: The registered subcommands, in ``--help`` order.
SUBCOMMANDS: Dict[str, Subcommand] = {}


def register(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None],
             description: str = "") -> Callable:
    """Decorator registering ``run(args) -> int`` as the handler of subcommand ``name``.

    Parameters
    ----------
    name : str
        The subcommand (``fpesolve <name>``).  Registering a name again replaces it.
    help : str
        One line for ``fpesolve --help``.
    arguments : callable
        ``arguments(parser)`` adds the subcommand's options to its parser.
    description : str
        Longer text for ``fpesolve <name> --help`` (default: ``help`` plus the
        handler's docstring).

    Returns
    -------
    callable
        The decorator; it returns the handler unchanged.

    Examples
    --------
    >>> @register("hello", help="say hello", arguments=lambda parser: None)
    ... def _hello(args):
    ...     print("hello")
    ...     return 0
    >>> main(["hello"])
    hello
    0
    >>> del SUBCOMMANDS["hello"]
    """
    def decorate(run: Callable[[argparse.Namespace], Optional[int]]):
        text = description or "\n\n".join(filter(None, [help, inspect.cleandoc(run.__doc__ or "")]))
        SUBCOMMANDS[name] = Subcommand(name=name, help=help, description=text, arguments=arguments, run=run)
        return run
    return decorate


def build_parser() -> argparse.ArgumentParser:
    """The ``fpesolve`` argument parser with every registered subcommand.

    Returns
    -------
    argparse.ArgumentParser
        Subcommands parse into a namespace whose ``_run`` is the handler.

    Examples
    --------
    >>> args = build_parser().parse_args(["spectrum", "ou", "--n", "800", "--grid", "refined"])
    >>> args.command, args.n, args.grid
    ('spectrum', '800', 'refined')
    """
    parser = _Parser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Fokker-Planck solvers for SGD with multiplicative noise: stationary laws, spectral gaps, "
                    "first passage and the necessary conditions N1-N4.\n\n"
                    "The SDE (Ito): d theta = -L'(theta) dt + sqrt(eta Sigma(theta)) dW; times are continuous "
                    "times t (t/eta SGD iterations).",
        epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"fpesolve {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="command", required=True, parser_class=_Parser)
    for sub in SUBCOMMANDS.values():
        child = commands.add_parser(sub.name, help=sub.help, description=sub.description, epilog=EPILOG,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.arguments(child)
        child.set_defaults(_run=sub.run)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``fpesolve`` with ``argv`` (default ``sys.argv[1:]``) and return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name.

    Returns
    -------
    int
        0 success; 1 a condition violated or a reproduction check failed;
        2 bad input (one line ``fpesolve: error: ...`` on stderr); 3 a
        computation missed its accuracy; 4 an internal error (traceback on
        stderr).  See ``fpesolve --help``.

    Examples
    --------
    >>> status = main(["stationary", "--list"])  # doctest: +ELLIPSIS
    f1 ...
    ou                  Ornstein-Uhlenbeck: L = x^2, Sigma = 1 on [-5, 5]
    >>> status
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # --help, --version, argument errors
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_INPUT
    try:
        apply_progress(args)
        status = args._run(args)
    except BrokenPipeError:  # e.g. `fpesolve ... --json | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every exception becomes an exit status; bugs keep their traceback
        code, message = classify(exc)
        if message is None:
            sys.stderr.write(bug_report(exc))
            return EXIT_BUG
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return code
    return int(status or 0)
