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
    """The positional landscape argument and ``--list``."""
    parser.add_argument(what, nargs="?", default=None,
                        help=f"a construction ({', '.join(constructions.available())}), a built-in landscape "
                             f"({', '.join(builtin_landscapes())}), or the path of a Python file defining "
                             f"`landscape` or `make_landscape()`")
    parser.add_argument("--list", action="store_true", help="list the landscape names and exit")


def add_eta(parser: argparse.ArgumentParser, default: Optional[float] = 0.3, default_text: str = "") -> None:
    """``--eta`` (also ``--tau``, the deprecated spelling)."""
    shown = default_text or f"default {default:g}"
    parser.add_argument("--eta", "--tau", dest="eta", type=float, default=default, metavar="ETA",
                        help="learning rate eta = temperature tau of the SDE d theta = -L' dt + sqrt(eta Sigma) dW "
                             f"({shown})")


def add_cells(parser: argparse.ArgumentParser, default: int = 400) -> None:
    """``--n`` (cells) and ``--grid`` (uniform or refined), defaulting like ``FokkerPlanck(landscape, eta, n)``."""
    parser.add_argument("--n", default=default, metavar="N",
                        help=f"number of grid cells (default {default}; '1e4' is accepted)")
    parser.add_argument("--grid", choices=("uniform", "refined"), default="uniform",
                        help="uniform cells, the same grid as FokkerPlanck(landscape, eta, N) in Python (default), "
                             "or cells refined around the critical points (Grid.refined)")


def add_output(parser: argparse.ArgumentParser, out_help: str = "", out_default: Optional[str] = None,
               metavar: str = "FILE") -> None:
    """``--json``, ``--out`` and ``--progress/--no-progress``: every subcommand has them."""
    parser.add_argument("--json", action="store_true", help="print the results as JSON (for scripts) instead of text")
    parser.add_argument("--out", metavar=metavar, default=out_default,
                        help=out_help or "write a figure to FILE (format from the extension: .png, .pdf, .svg)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show progress bars on stderr (default: a bar appears once work has taken 2 s; "
                             "the same switch as fpesolve.set_progress)")


# ---------------------------------------------------------------------------- checks
def eta_of(args: argparse.Namespace) -> float:
    """The learning rate of ``args``: finite, positive and a normal float64."""
    eta = args.eta
    if eta is None or not math.isfinite(eta) or eta <= 0.0:
        raise InputError(f"`eta` must be a finite positive number, got {eta!r}; eta is the learning rate")
    if eta < ETA_MIN:
        raise InputError(f"`eta` = {eta!r} is below the smallest normal float64 ({ETA_MIN:.3g}): it has lost "
                         f"precision, and the stationary density's exponent scale 2/eta overflows; give eta >= "
                         f"{ETA_MIN:.3g}")
    return float(eta)


def cells_of(text: Any, name: str = "n", minimum: int = 3) -> int:
    """A cell count from the command line: an integer, also written as ``1e4``."""
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
    """Refuse a grid whose estimated memory or run time is above the limits, before building it."""
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
    """The grid of ``--n`` and ``--grid`` on the landscape's domain."""
    check_cost(n)
    a, b = landscape.domain
    if kind == "refined":
        return Grid.refined(a, b, n, [cp.x for cp in landscape.critical_points()])
    return Grid.uniform(a, b, n)


def target_of(args: argparse.Namespace, what: str = "landscape") -> Landscape:
    """The landscape named by the positional argument (an error when it is missing)."""
    spec = getattr(args, what)
    if spec is None:
        raise InputError(f"give a {what} name or file (run with --list to see the names)")
    return load_target(spec)


def list_names() -> int:
    """Print the landscape names in two aligned columns."""
    rows = [(name, "construction (fpesolve.failure_modes.constructions)") for name in constructions.available()]
    rows += list(builtin_landscapes().items())
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")
    return 0


# ---------------------------------------------------------------------------- progress
def apply_progress(args: argparse.Namespace) -> None:
    """``--progress`` / ``--no-progress``: the package-wide default of every ``progress=None``."""
    if getattr(args, "progress", None) is not None:
        set_progress(bool(args.progress))


def announce_compiling(groups: Sequence[str]) -> None:
    """Say once per process, on stderr, before numba compiles kernels that are not in its disk cache."""
    for key in groups:
        group, relative, seconds = KERNELS[key]
        compile_notice(group, os.path.join(_PACKAGE_DIR, relative), seconds)


# ---------------------------------------------------------------------------- output
def emit(args: argparse.Namespace, text: str, data: Any) -> None:
    """Print ``text``, or ``data`` as JSON with ``--json`` (one conversion: ``to_jsonable``)."""
    if args.json:
        print(json.dumps(to_jsonable(data), indent=2, allow_nan=False))
    else:
        print(text)


def new_figure(ncols: int = 1) -> Tuple[Any, Any]:
    """A figure that does not need pyplot (works on any backend, also headless)."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.0 * ncols, 4.2), layout="constrained")
    return fig, fig.subplots(1, ncols)


def check_out(out: Optional[str]) -> None:
    """Refuse an ``--out`` file in a directory that does not exist, before any work."""
    if out:
        directory = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(directory):
            raise InputError(f"cannot write the figure to {out!r}: directory {directory!r} does not exist")


def save(fig: Any, args: argparse.Namespace) -> None:
    """Write ``fig`` to ``--out`` (and say so, in text mode)."""
    check_out(args.out)
    fig.savefig(args.out, dpi=120, bbox_inches="tight")
    if not args.json:
        print(f"figure written to {args.out}", file=sys.stdout)
