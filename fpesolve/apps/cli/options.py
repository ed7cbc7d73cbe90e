"""Arguments shared by the subcommands, their checks, and the output of results (text, JSON, figures)."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from ..._util.errors import CostLimitError
from ..._util.formatting import to_jsonable
from ..._util.progress import compile_notice, set_progress
from ...core.grid import Grid
from ...core.landscape import Landscape
from ...failure_modes import constructions
from .failures import InputError
from .landscapes import builtin_landscapes, load_target

__all__ = ["add_landscape", "add_eta", "add_cells", "add_output", "eta_of", "cells_of", "grid_of", "target_of",
           "list_names", "emit", "save", "new_figure", "apply_progress", "announce_compiling", "KERNELS",
           "BYTES_PER_CELL", "SECONDS_PER_CELL", "MEMORY_FRACTION", "MAX_SECONDS"]

#: smallest learning rate the command accepts: the smallest normal float64 (a subnormal eta has lost
#: precision, and 2/eta, the exponent scale of the stationary density, overflows)
ETA_MIN = float(np.finfo(float).tiny)
#: peak memory per grid cell of ``fpesolve spectrum`` (measured: 2.1 GB at 1e6 cells)
BYTES_PER_CELL = 2200
#: run time per grid cell of ``fpesolve spectrum`` (measured: 9.3 s at 1e6 cells, one core)
SECONDS_PER_CELL = 1.0e-5
#: the largest share of the machine's memory a command may plan to use
MEMORY_FRACTION = 0.5
#: the longest run time a command may plan for before it refuses (use the Python API for more)
MAX_SECONDS = 600.0
#: numba kernel groups: (name, file below the package, approximate cold compile seconds on one core)
KERNELS = {
    "spectra": ("spectra", os.path.join("core", "_spectrum_kernels.py"), 1.0),
    "time stepping": ("time stepping", os.path.join("core", "_solver_kernels.py"), 2.0),
    "SGD": ("SGD", os.path.join("sgd", "_kernels.py"), 12.0),
}
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------------------- arguments
def add_landscape(parser: argparse.ArgumentParser, what: str = "landscape") -> None:
    """The positional landscape argument and ``--list``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    what : str
        The name (``dest``) of the positional argument.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_landscape(parser)
    >>> parser.parse_args(["f1"]).landscape, parser.parse_args(["--list"]).list
    ('f1', True)
    """
    parser.add_argument(what, nargs="?", default=None,
                        help=f"a construction ({', '.join(constructions.available())}), a built-in landscape "
                             f"({', '.join(builtin_landscapes())}), or the path of a Python file defining "
                             f"`landscape` or `make_landscape()`")
    parser.add_argument("--list", action="store_true", help="list the landscape names and exit")


def add_eta(parser: argparse.ArgumentParser, default: Optional[float] = 0.3, default_text: str = "") -> None:
    """``--eta`` (also ``--tau``, the deprecated spelling).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    default : float, optional
        The learning rate when ``--eta`` is not given (``None``: the
        construction's own, say so in ``default_text``).
    default_text : str
        What the help shows as the default (instead of ``"default <default>"``).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_eta(parser)
    >>> parser.parse_args([]).eta, parser.parse_args(["--tau", "0.1"]).eta
    (0.3, 0.1)
    """
    shown = default_text or f"default {default:g}"
    parser.add_argument("--eta", "--tau", dest="eta", type=float, default=default, metavar="ETA",
                        help="learning rate eta = temperature tau of the SDE d theta = -L' dt + sqrt(eta Sigma) dW "
                             f"({shown})")


def add_cells(parser: argparse.ArgumentParser, default: int = 400) -> None:
    """``--n`` (cells) and ``--grid`` (uniform or refined), defaulting like ``FokkerPlanck(landscape, eta, n)``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    default : int
        The number of cells without ``--n``.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_cells(parser)
    >>> args = parser.parse_args(["--n", "1e4"])
    >>> cells_of(args.n), args.grid
    (10000, 'uniform')
    """
    parser.add_argument("--n", default=default, metavar="N",
                        help=f"number of grid cells (default {default}; '1e4' is accepted)")
    parser.add_argument("--grid", choices=("uniform", "refined"), default="uniform",
                        help="uniform cells, the same grid as FokkerPlanck(landscape, eta, N) in Python (default), "
                             "or cells refined around the critical points (Grid.refined)")


def add_output(parser: argparse.ArgumentParser, out_help: str = "", out_default: Optional[str] = None,
               metavar: str = "FILE") -> None:
    """``--json``, ``--out`` and ``--progress/--no-progress``: every subcommand has them.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    out_help : str
        The help text of ``--out`` (default: a figure file).
    out_default : str, optional
        The default of ``--out`` (``None``: no output file).
    metavar : str
        The placeholder of ``--out`` in the help (``FILE`` or ``DIR``).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_output(parser)
    >>> args = parser.parse_args(["--json", "--no-progress"])
    >>> args.json, args.out, args.progress
    (True, None, False)
    """
    parser.add_argument("--json", action="store_true", help="print the results as JSON (for scripts) instead of text")
    parser.add_argument("--out", metavar=metavar, default=out_default,
                        help=out_help or "write a figure to FILE (format from the extension: .png, .pdf, .svg)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show progress bars on stderr (default: a bar appears once work has taken 2 s; "
                             "the same switch as fpesolve.set_progress)")


# ---------------------------------------------------------------------------- checks
def eta_of(args: argparse.Namespace) -> float:
    """The learning rate of ``args``: finite, positive and a normal float64.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments with an ``eta`` attribute.

    Returns
    -------
    float
        :math:`\\eta`.

    Raises
    ------
    InputError
        For a missing, non-finite, non-positive or subnormal ``eta``.

    Examples
    --------
    >>> import argparse
    >>> eta_of(argparse.Namespace(eta=0.1))
    0.1
    >>> eta_of(argparse.Namespace(eta=-0.1))
    Traceback (most recent call last):
    ...
    fpesolve.apps.cli.failures.InputError: `eta` must be a finite positive number, got -0.1; eta is the learning rate
    """
    eta = args.eta
    if eta is None or not math.isfinite(eta) or eta <= 0.0:
        raise InputError(f"`eta` must be a finite positive number, got {eta!r}; eta is the learning rate")
    if eta < ETA_MIN:
        raise InputError(f"`eta` = {eta!r} is below the smallest normal float64 ({ETA_MIN:.3g}): it has lost "
                         f"precision, and the stationary density's exponent scale 2/eta overflows; give eta >= "
                         f"{ETA_MIN:.3g}")
    return float(eta)


def cells_of(text: Any, name: str = "n", minimum: int = 3) -> int:
    """A cell count from the command line: an integer, also written as ``1e4``.

    Parameters
    ----------
    text : str or number
        The value of the option.
    name : str
        The option's name in the messages.
    minimum : int
        The fewest cells allowed.

    Returns
    -------
    int

    Raises
    ------
    InputError
        For text that is not a whole number, or fewer than ``minimum`` cells.

    Examples
    --------
    >>> cells_of("1e4"), cells_of(400)
    (10000, 400)
    >>> cells_of("2.5")
    Traceback (most recent call last):
    ...
    fpesolve.apps.cli.failures.InputError: `n` must be a whole number of cells, got '2.5'
    """
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise InputError(f"`{name}` must be a whole number of cells, got {text!r}") from None
    if not math.isfinite(value) or not value.is_integer():
        raise InputError(f"`{name}` must be a whole number of cells, got {text!r}")
    if value < minimum:
        raise InputError(f"`{name}` must be at least {minimum} cells, got {int(value)}")
    return int(value)


def _physical_memory() -> Optional[float]:
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def check_cost(n: int, name: str = "n") -> None:
    """Refuse a grid whose estimated memory or run time is above the limits, before building it.

    The estimates are :data:`BYTES_PER_CELL` and :data:`SECONDS_PER_CELL`
    times ``n`` (measured for ``fpesolve spectrum``); the limits are
    :data:`MEMORY_FRACTION` of the machine's memory and :data:`MAX_SECONDS`.

    Parameters
    ----------
    n : int
        The number of grid cells.
    name : str
        The option's name in the messages.

    Raises
    ------
    CostLimitError
        When an estimate is above its limit; the message gives the estimate
        and what to do.

    Examples
    --------
    >>> check_cost(400)                 # 0.9 MB, 4 ms: fine
    >>> check_cost(10**9)
    Traceback (most recent call last):
    ...
    fpesolve._util.errors.CostLimitError: `n` = 1000000000 cells ...
    """
    memory, seconds = n * BYTES_PER_CELL, n * SECONDS_PER_CELL
    total = _physical_memory()
    if total is not None and memory > MEMORY_FRACTION * total:
        raise CostLimitError(f"`{name}` = {n} cells needs about {memory / 1e9:.3g} GB of memory, more than "
                             f"{MEMORY_FRACTION:.0%} of this machine's {total / 1e9:.3g} GB; the grid error falls like "
                             f"N^-2, so a few thousand cells are accurate to ~1e-6: give a smaller --n")
    if seconds > MAX_SECONDS:
        raise CostLimitError(f"`{name}` = {n} cells would take about {seconds:.3g} s (limit {MAX_SECONDS:.0f} s "
                             f"on the command line); give a smaller --n, or call fpesolve from Python")


def grid_of(landscape: Landscape, n: int, kind: str) -> Grid:
    """The grid of ``--n`` and ``--grid`` on the landscape's domain.

    Parameters
    ----------
    landscape : Landscape
        The landscape (its domain, and its critical points for ``"refined"``).
    n : int
        The number of cells.
    kind : {"uniform", "refined"}
        :meth:`Grid.uniform <fpesolve.Grid.uniform>` or :meth:`Grid.refined <fpesolve.Grid.refined>`
        around the critical points.

    Returns
    -------
    Grid

    Raises
    ------
    CostLimitError
        As :func:`check_cost`.

    Examples
    --------
    >>> from fpesolve.apps.cli.landscapes import load_target
    >>> grid_of(load_target("double-well"), 100, "refined")
    Grid(non-uniform, n=100, domain=[-2.5, 2.5])
    """
    check_cost(n)
    a, b = landscape.domain
    if kind == "refined":
        return Grid.refined(a, b, n, [cp.x for cp in landscape.critical_points()])
    return Grid.uniform(a, b, n)


def target_of(args: argparse.Namespace, what: str = "landscape") -> Landscape:
    """The landscape named by the positional argument (an error when it is missing).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments.
    what : str
        The name of the positional argument.

    Returns
    -------
    Landscape
        A construction, a built-in landscape, or the one defined in a file
        (:func:`~fpesolve.apps.cli.landscapes.load_target`).

    Raises
    ------
    InputError
        When the argument is missing, and the errors of ``load_target``
        (an unknown name, a file that does not define a landscape).

    Examples
    --------
    >>> import argparse
    >>> target_of(argparse.Namespace(landscape="ou")).name
    'ou'
    """
    spec = getattr(args, what)
    if spec is None:
        raise InputError(f"give a {what} name or file (run with --list to see the names)")
    return load_target(spec)


def list_names() -> int:
    """Print the landscape names in two aligned columns.

    Returns
    -------
    int
        0, the exit status of ``--list``.

    Examples
    --------
    >>> list_names()                                   # doctest: +ELLIPSIS
    f1                  construction (fpesolve.failure_modes.constructions)
    ...
    ou                  Ornstein-Uhlenbeck: L = x^2, Sigma = 1 on [-5, 5]
    0
    """
    rows = [(name, "construction (fpesolve.failure_modes.constructions)") for name in constructions.available()]
    rows += list(builtin_landscapes().items())
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")
    return 0


# ---------------------------------------------------------------------------- progress
def apply_progress(args: argparse.Namespace) -> None:
    """``--progress`` / ``--no-progress``: the package-wide default of every ``progress=None``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments; ``args.progress`` is ``True``, ``False`` or
        ``None`` (not given: the default is left alone).

    Examples
    --------
    >>> import argparse
    >>> from fpesolve._util.progress import get_progress
    >>> before = get_progress()
    >>> apply_progress(argparse.Namespace(progress=None))
    >>> get_progress() == before
    True
    """
    if getattr(args, "progress", None) is not None:
        set_progress(bool(args.progress))


def announce_compiling(groups: Sequence[str]) -> None:
    """Say once per process, on stderr, before numba compiles kernels that are not in its disk cache.

    Parameters
    ----------
    groups : sequence of str
        Keys of :data:`KERNELS` (``"spectra"``, ``"time stepping"``, ``"SGD"``).

    Raises
    ------
    KeyError
        For a group that is not in :data:`KERNELS`.

    Examples
    --------
    >>> announce_compiling([])            # nothing to compile, nothing printed
    >>> sorted(KERNELS)
    ['SGD', 'spectra', 'time stepping']
    """
    for key in groups:
        group, relative, seconds = KERNELS[key]
        compile_notice(group, os.path.join(_PACKAGE_DIR, relative), seconds)


# ---------------------------------------------------------------------------- output
def emit(args: argparse.Namespace, text: str, data: Any) -> None:
    """Print ``text``, or ``data`` as JSON with ``--json`` (one conversion: ``to_jsonable``).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments; ``args.json`` chooses the form.
    text : str
        The text for people.
    data : object
        The same results for scripts: anything
        :func:`~fpesolve._util.formatting.to_jsonable` converts (non-finite
        floats become ``null``).

    Examples
    --------
    >>> import argparse
    >>> emit(argparse.Namespace(json=False), "gap 0.00621", {"gap": 0.00621})
    gap 0.00621
    >>> emit(argparse.Namespace(json=True), "gap 0.00621", {"gap": 0.00621, "t": float("inf")})
    {
      "gap": 0.00621,
      "t": null
    }
    """
    if args.json:
        print(json.dumps(to_jsonable(data), indent=2, allow_nan=False))
    else:
        print(text)


def new_figure(ncols: int = 1) -> Tuple[Any, Any]:
    """A figure that does not need pyplot (works on any backend, also headless).

    Parameters
    ----------
    ncols : int
        Number of panels side by side (6 inches wide each, 4.2 high).

    Returns
    -------
    fig : matplotlib.figure.Figure
        With the constrained layout.
    axes : Axes or ndarray of Axes
        One Axes for ``ncols=1``, else an array of ``ncols``.

    Examples
    --------
    >>> fig, axes = new_figure(2)
    >>> type(fig).__name__, axes.shape
    ('Figure', (2,))
    """
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.0 * ncols, 4.2), layout="constrained")
    return fig, fig.subplots(1, ncols)


def check_out(out: Optional[str]) -> None:
    """Refuse an ``--out`` file in a directory that does not exist, before any work.

    Parameters
    ----------
    out : str or None
        The ``--out`` path (``None`` or empty: nothing to check).

    Raises
    ------
    InputError
        When the directory of ``out`` does not exist.

    Examples
    --------
    >>> check_out(None)
    >>> check_out("/nonexistent-directory/figure.png")
    Traceback (most recent call last):
    ...
    fpesolve.apps.cli.failures.InputError: cannot write the figure to '/nonexistent-directory/figure.png': ...
    """
    if out:
        directory = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(directory):
            raise InputError(f"cannot write the figure to {out!r}: directory {directory!r} does not exist")


def save(fig: Any, args: argparse.Namespace) -> None:
    """Write ``fig`` to ``--out`` (and say so, in text mode).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    args : argparse.Namespace
        Parsed arguments: ``args.out`` (format from the extension) and ``args.json``.

    Raises
    ------
    InputError
        When the directory of ``args.out`` does not exist (:func:`check_out`).

    Examples
    --------
    >>> import argparse, os, tempfile
    >>> fig, ax = new_figure()
    >>> path = os.path.join(tempfile.mkdtemp(), "f.png")
    >>> save(fig, argparse.Namespace(out=path, json=True))
    >>> os.path.getsize(path) > 0
    True
    """
    check_out(args.out)
    fig.savefig(args.out, dpi=120, bbox_inches="tight")
    if not args.json:
        print(f"figure written to {args.out}", file=sys.stdout)
