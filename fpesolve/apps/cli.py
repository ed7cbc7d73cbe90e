r"""The ``fpesolve`` command line.

::

    fpesolve reproduce --quick            # the paper's constructions, computed exactly
    fpesolve stationary double-well --eta 0.3 --out dw.png
    fpesolve spectrum my_landscape.py --eta 0.05 -k 4 --json
    fpesolve mfpt ou --eta 0.5 --from 0 --to 2
    fpesolve diagnose F1 --eta 0.01

Every subcommand prints a readable report, or JSON with ``--json``; figures
go to ``--out``.  Bad arguments or bad input end with one line
``fpesolve: error: <message>`` on stderr and exit status 2.

A landscape is named by a built-in or construction name (``fpesolve
stationary --list`` shows them) or by the path of a Python file that defines
a :class:`~fpesolve.Landscape` called ``landscape`` or a function
``make_landscape()`` returning one.

Adding a subcommand
-------------------
Write a function that adds the arguments to an :class:`argparse.ArgumentParser`
and a handler ``run(args) -> int``, and register them::

    def _my_arguments(parser):
        parser.add_argument("--n", type=int, default=3, help="...")

    @register("mine", help="one line for `fpesolve --help`", arguments=_my_arguments)
    def _run_mine(args):
        ...
        return 0

Handlers import the modules they need at call time, so a subcommand whose
back end is missing fails alone, with a one-line message.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import inspect
import json
import math
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from .._util.formatting import to_jsonable as _jsonable
from ..failure_modes import constructions

__all__ = ["main", "build_parser", "register", "Subcommand", "SUBCOMMANDS", "load_landscape", "builtin_landscapes",
           "CommandUnavailable"]

PROG = "fpesolve"


class CommandUnavailable(RuntimeError):
    """A subcommand's back end (e.g. ``fpesolve.conditions``) is not installed or not written yet."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message: str):  # noqa: D102 - argparse API
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


def _one_line(message: Any) -> str:
    return " ".join(str(message).split())


# ---------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Subcommand:
    """One ``fpesolve`` subcommand: its help texts, its arguments and its handler."""

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
    """
    def decorate(run: Callable[[argparse.Namespace], Optional[int]]):
        text = description or "\n\n".join(filter(None, [help, inspect.cleandoc(run.__doc__ or "")]))
        SUBCOMMANDS[name] = Subcommand(name=name, help=help, description=text, arguments=arguments, run=run)
        return run
    return decorate


# ---------------------------------------------------------------------------- landscapes
def _dw_loss(x):
    return x ** 4 / 4.0 - x ** 2 / 2.0


def _dw_grad(x):
    return x ** 3 - x


def _dw_hess(x):
    return 3.0 * x ** 2 - 1.0


def _dw_sigma(x):
    return 1.0 + 0.5 * np.tanh(2.0 * x)


def _dw_sigma_grad(x):
    return 1.0 / np.cosh(2.0 * x) ** 2


def _ou_loss(x):
    return x ** 2


def _ou_grad(x):
    return 2.0 * x


def _ou_hess(x):
    return np.full_like(np.asarray(x, dtype=float), 2.0)


def _ou_sigma(x):
    return np.ones_like(np.asarray(x, dtype=float))


def _ou_sigma_grad(x):
    return np.zeros_like(np.asarray(x, dtype=float))


def _double_well():
    from ..core.landscape import Landscape
    return Landscape(grad=_dw_grad, sigma=_dw_sigma, domain=(-2.5, 2.5), loss=_dw_loss, hess=_dw_hess,
                     sigma_grad=_dw_sigma_grad, name="double-well")


def _ou():
    from ..core.landscape import Landscape
    return Landscape(grad=_ou_grad, sigma=_ou_sigma, domain=(-5.0, 5.0), loss=_ou_loss, hess=_ou_hess,
                     sigma_grad=_ou_sigma_grad, name="ou")


_BUILTINS: Dict[str, tuple] = {
    "double-well": (_double_well, "L = x^4/4 - x^2/2, Sigma = 1 + 0.5 tanh(2x) on [-2.5, 2.5]"),
    "ou": (_ou, "Ornstein-Uhlenbeck: L = x^2, Sigma = 1 on [-5, 5]"),
}


def builtin_landscapes() -> Dict[str, str]:
    """The built-in landscape names with a one-line description each."""
    return {name: text for name, (_, text) in _BUILTINS.items()}


def available_names() -> List[str]:
    """Names accepted by :func:`load_landscape`: the constructions, then the built-ins."""
    names = list(constructions.available())
    return names + [n for n in _BUILTINS if n not in names]


def _landscape_of(obj: Any, where: str):
    from ..core.landscape import Landscape
    if isinstance(obj, Landscape):
        return obj
    inner = getattr(obj, "landscape", None)
    if isinstance(inner, Landscape):
        return inner
    raise TypeError(f"{where} must be a fpesolve.Landscape (or have a `.landscape` attribute that is one), "
                    f"got {type(obj).__name__}")


def load_target(spec: str) -> Any:
    """Resolve a landscape argument: a Python file, a construction or a built-in.

    Returns the object found: a :class:`~fpesolve.Landscape`, or whatever
    :func:`fpesolve.failure_modes.constructions.construction` returns (which carries a
    ``.landscape``).  Use :func:`load_landscape` for the landscape itself.

    Raises
    ------
    ValueError
        If the name is unknown or the file does not define a landscape.
    """
    spec = str(spec)
    if spec.endswith(".py") or os.path.sep in spec or os.path.isfile(spec):
        return _load_file(spec)
    key = spec.strip().lower().replace("_", "-")
    try:
        return constructions.construction(spec)
    except KeyError:
        pass
    if key in _BUILTINS:
        return _BUILTINS[key][0]()
    raise ValueError(f"unknown landscape or construction {spec!r}; choose one of {', '.join(available_names())}, "
                     f"or give the path of a Python file defining `landscape` or `make_landscape()`")


def load_landscape(spec: str):
    """The :class:`~fpesolve.Landscape` named by ``spec`` (see :func:`load_target`)."""
    return _landscape_of(load_target(spec), f"{spec!r}")


def _load_file(path: str) -> Any:
    if not os.path.isfile(path):
        raise ValueError(f"landscape file {path!r} does not exist")
    name = "_fpesolve_user_" + "".join(c if c.isalnum() else "_" for c in os.path.basename(path)[:-3])
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot import {path!r} as a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # so that functions defined there can be pickled by reference
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ValueError(f"running {path!r} failed: {type(exc).__name__}: {_one_line(exc)}") from None
    if hasattr(module, "landscape"):
        return _landscape_of(getattr(module, "landscape"), f"`landscape` in {path!r}")
    factory = getattr(module, "make_landscape", None)
    if callable(factory):
        return _landscape_of(factory(), f"`make_landscape()` in {path!r}")
    raise ValueError(f"{path!r} defines neither `landscape` (a fpesolve.Landscape) nor `make_landscape()`")


# ---------------------------------------------------------------------------- output helpers
def _emit(args: argparse.Namespace, text: str, data: Any) -> None:
    if getattr(args, "json", False):
        print(json.dumps(_jsonable(data), indent=2, allow_nan=False))
    else:
        print(text)


def _save(fig, out: Optional[str], args: argparse.Namespace) -> None:
    if not out:
        return
    directory = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(directory):
        raise ValueError(f"cannot write the figure to {out!r}: directory {directory!r} does not exist")
    fig.savefig(out, dpi=120, bbox_inches="tight")
    if not getattr(args, "json", False):
        print(f"figure written to {out}")


def _new_figure(ncols: int = 1):
    """A figure that does not need pyplot (works on any backend, also headless)."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.0 * ncols, 4.2), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def _summary_text(obj: Any) -> str:
    summary = getattr(obj, "summary", None)
    return summary() if callable(summary) else str(obj)


def _tau(args: argparse.Namespace) -> float:
    from .._util.validation import positive_float
    return positive_float(args.eta, "eta", "eta is the learning rate (the temperature tau of the diffusion)")


def _grid_for(landscape, n: int):
    from .._util.validation import positive_int
    from ..core.grid import Grid
    n = positive_int(n, "n", minimum=3)
    a, b = landscape.domain
    return Grid.refined(a, b, n, [cp.x for cp in landscape.critical_points()])


# ---------------------------------------------------------------------------- shared arguments
def _add_landscape(parser: argparse.ArgumentParser, what: str = "landscape") -> None:
    names = ", ".join(_BUILTINS)
    parser.add_argument(what, nargs="?", default=None,
                        help=f"a built-in landscape ({names}), a construction name from fpesolve.constructions, "
                             f"or the path of a Python file defining `landscape` or `make_landscape()`")
    parser.add_argument("--list", action="store_true", help="list the landscape names and exit")


def _add_eta(parser: argparse.ArgumentParser, default: Optional[float] = 0.3) -> None:
    parser.add_argument("--eta", "--tau", dest="eta", type=float, default=default, metavar="ETA",
                        help="learning rate eta = temperature tau of the SDE d theta = -L' dt + sqrt(tau Sigma) dW "
                             f"(default {default})")


def _add_output(parser: argparse.ArgumentParser, figure: bool = True) -> None:
    parser.add_argument("--json", action="store_true", help="print the results as JSON (for scripts) instead of text")
    if figure:
        parser.add_argument("--out", metavar="FILE", default=None,
                            help="write a figure to FILE (format from the extension: .png, .pdf, .svg)")


def _list_names() -> int:
    for name in constructions.available():
        print(f"{name:18s} construction (fpesolve.constructions)")
    for name, text in builtin_landscapes().items():
        print(f"{name:18s} {text}")
    return 0


def _target_or_list(args: argparse.Namespace, what: str = "landscape"):
    spec = getattr(args, what)
    if spec is None:
        raise ValueError(f"give a {what} name or file (run with --list to see the names)")
    return load_target(spec)


# ---------------------------------------------------------------------------- stationary
def _stationary_arguments(parser: argparse.ArgumentParser) -> None:
    _add_landscape(parser)
    _add_eta(parser)
    _add_output(parser)


def _modes(landscape, eta: float):
    """Maxima and minima of the stationary density: zeros of L' + (tau/2) Sigma' (Ito)."""
    from ..core.landscape import Landscape

    def grad(x):
        return landscape.grad(x) + 0.5 * eta * landscape.sigma_grad(x)

    shifted = Landscape(grad=grad, sigma=landscape.sigma, domain=landscape.domain, loss=lambda x: np.zeros_like(x),
                        hess=lambda x: np.zeros_like(x), name=landscape.name)
    return [cp.x for cp in shifted.critical_points() if cp.kind == "minimum"]


@register("stationary", help="critical points and the exact stationary density of a landscape",
          arguments=_stationary_arguments)
def _run_stationary(args: argparse.Namespace) -> int:
    """Prints the minima and saddles of L (with Sigma/H), the log normaliser of
    the closed-form stationary density p = exp(-(2/tau) int L'/Sigma) / (Z Sigma)
    (Ito), the exact stationary probability of each basin (split at the
    saddles) and the modes of p (zeros of L' + (tau/2) Sigma').  With --out,
    draws L and V_eff, and p with the basin boundaries."""
    if args.list:
        return _list_names()
    landscape = _landscape_of(_target_or_list(args), f"{args.landscape!r}")
    eta = _tau(args)
    from ..core.basins import basins as basins_of
    from ..core.stationary import log_normalizer, stationary_density, stationary_mass

    cps = landscape.critical_points()
    a, b = landscape.domain
    found = basins_of(landscape)
    basins = []
    for minimum, (lo, hi) in zip(found.minima, found.intervals()):
        log_mass = stationary_mass(landscape, eta, lo, hi, log=True)
        basins.append({"minimum": minimum.x, "lo": lo, "hi": hi,
                       "mass": math.exp(log_mass), "log_mass": log_mass})
    log_z = log_normalizer(landscape, eta)
    modes = _modes(landscape, eta)
    data = {"landscape": landscape.name, "domain": [a, b], "eta": eta,
            "critical_points": [dict(dataclasses.asdict(cp), sigma_over_hess=cp.sigma_over_hess) for cp in cps],
            "log_normalizer": log_z, "basins": basins, "modes": modes}
    lines = [landscape.summary(), "",
             f"stationary density at eta = {eta:g} (closed form, Ito): log Z = {log_z:.12g}",
             "basin probabilities (split at the saddles):"]
    for basin in basins:
        where = f"minimum x={basin['minimum']:+.6g}" if basin["minimum"] is not None else "no minimum"
        lines.append(f"  [{basin['lo']:+.6g}, {basin['hi']:+.6g}]  {where:22s} mass={basin['mass']:.12g}  "
                     f"log mass={basin['log_mass']:.12g}")
    lines.append("modes of p (zeros of L' + (tau/2) Sigma'): " + ", ".join(f"{m:+.10g}" for m in modes))
    _emit(args, "\n".join(lines), data)
    if args.out:
        from .plotting import plot_potential
        fig, (ax1, ax2) = _new_figure(2)
        plot_potential(landscape, eta, ax=ax1)
        inset = 1e-3 * (b - a)
        x = np.linspace(a + inset, b - inset, 600)
        ax2.plot(x, stationary_density(landscape, eta, x), color="C0", label=rf"$p(\theta)$, $\eta={eta:g}$")
        for cut in found.edges[1:-1]:
            ax2.axvline(cut, color="grey", linestyle="--", linewidth=1.0)
        ax2.set_xlabel(r"$\theta$")
        ax2.set_ylabel("stationary density")
        ax2.legend()
        _save(fig, args.out, args)
    return 0


# ---------------------------------------------------------------------------- spectrum
def _spectrum_arguments(parser: argparse.ArgumentParser) -> None:
    _add_landscape(parser)
    _add_eta(parser)
    parser.add_argument("-k", type=int, default=4, help="number of slowest relaxation rates (default 4)")
    parser.add_argument("--n", type=int, default=400,
                        help="number of grid cells, refined near the critical points (default 400)")
    _add_output(parser)


@register("spectrum", help="slowest relaxation rates (spectral gap) of the Fokker-Planck generator",
          arguments=_spectrum_arguments)
def _run_spectrum(args: argparse.Namespace) -> int:
    """Discretises the Fokker-Planck equation (Scharfetter-Gummel, reflecting
    ends) and computes the k slowest nonzero relaxation rates with
    fpesolve.spectrum (Golub-Kahan bisection: full relative precision even for
    metastable gaps).  Rates are in 1/continuous time; 1/gap is the relaxation
    time.  With --out, plots the rates on a log axis."""
    if args.list:
        return _list_names()
    landscape = load_landscape(_spec(args))
    eta = _tau(args)
    from .._util.validation import positive_int
    k = positive_int(args.k, "k")
    from ..core.fokker_planck import FokkerPlanck
    fp = FokkerPlanck(landscape, eta, _grid_for(landscape, args.n))
    spectrum_func = _require("fpesolve.core.spectrum", "spectrum")
    try:
        wants_vectors = "vectors" in inspect.signature(spectrum_func).parameters
    except (TypeError, ValueError):
        wants_vectors = False
    result = spectrum_func(fp, k, vectors=False) if wants_vectors else spectrum_func(fp, k)
    rates = getattr(result, "rates", result)
    data = {"landscape": landscape.name, "eta": eta, "n": fp.grid.n, "k": k, "rates": rates}
    if not isinstance(result, np.ndarray):
        data["result"] = result
    text = _summary_text(result) if not isinstance(result, np.ndarray) else\
        "\n".join(f"lambda_{i + 1} = {r:.12g}" for i, r in enumerate(rates))
    _emit(args, f"{landscape.name} at eta = {eta:g} on {fp.grid!r}\n{text}", data)
    if args.out:
        from .plotting import plot_spectrum
        fig, ax = _new_figure()
        plot_spectrum(result, ax=ax, label=rf"{landscape.name}, $\eta={eta:g}$")
        _save(fig, args.out, args)
    return 0


def _spec(args: argparse.Namespace) -> str:
    if args.landscape is None:
        raise ValueError("give a landscape name or file (run with --list to see the names)")
    return args.landscape


def _require(module: str, attr: str):
    """Import ``module.attr`` at call time; a missing back end is a one-line error."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            raise CommandUnavailable(f"this subcommand needs {module}, which is not available in this "
                                     f"installation") from None
        raise
    func = getattr(mod, attr, None)
    if func is None:
        raise CommandUnavailable(f"{module} does not provide `{attr}`")
    return func


# ---------------------------------------------------------------------------- mfpt
def _mfpt_arguments(parser: argparse.ArgumentParser) -> None:
    _add_landscape(parser)
    _add_eta(parser)
    parser.add_argument("--from", dest="x0", type=float, default=None,
                        help="starting point (default: the leftmost minimum)")
    parser.add_argument("--to", dest="target", type=float, default=None,
                        help="target point (default: the minimum after the starting one)")
    _add_output(parser, figure=False)


@register("mfpt", help="exact mean first passage time between two points",
          arguments=_mfpt_arguments)
def _run_mfpt(args: argparse.Namespace) -> int:
    """Computes the exact 1D mean first passage time from --from to --to with
    a reflecting end behind the start, T = int dy / (D p) int p, in log space
    (fpesolve.passage), in continuous time (divide by eta for SGD
    iterations)."""
    if args.list:
        return _list_names()
    landscape = load_landscape(_spec(args))
    eta = _tau(args)
    minima = [cp.x for cp in landscape.minima()]
    x0 = args.x0 if args.x0 is not None else (minima[0] if minima else None)
    if x0 is None:
        raise ValueError(f"{landscape.name!r} has no minimum; give --from")
    x0 = landscape.contains(x0, "from")
    target = args.target
    if target is None:
        after = [m for m in minima if m > x0]
        if not after:
            raise ValueError(f"no minimum of {landscape.name!r} lies to the right of {x0:g}; give --to")
        target = after[0]
    target = landscape.contains(target, "to")
    mfpt = _require("fpesolve.core.passage", "mean_first_passage_time")
    result = mfpt(landscape, eta, x0, target)
    data = {"landscape": landscape.name, "eta": eta, "from": x0, "to": target, "result": result}
    _emit(args, f"{landscape.name} at eta = {eta:g}: first passage {x0:+.6g} -> {target:+.6g}\n"
                f"{_summary_text(result)}", data)
    return 0


# ---------------------------------------------------------------------------- diagnose
def _diagnose_arguments(parser: argparse.ArgumentParser) -> None:
    _add_landscape(parser, what="construction")
    _add_eta(parser, default=None)
    parser.add_argument("--iterations", "-T", type=int, default=None,
                        help="number of SGD iterations T (N1 compares eta*T with the mixing time)")
    parser.add_argument("--x0", type=float, default=None, help="initial point of SGD (N1)")
    _add_output(parser, figure=False)


@register("diagnose", help="check the necessary conditions N1-N4 for a construction or a landscape",
          arguments=_diagnose_arguments)
def _run_diagnose(args: argparse.Namespace) -> int:
    """N1 mixing (eta*T against the mixing time), N2 stability (Lyapunov
    exponent of linearised SGD, and the bound eta < 2/lambda_max), N3
    selection (Sigma/H at the minima and the exact basin probabilities), N4
    alignment (correlation of Sigma with the generalisation gap).  Options
    left out take the construction's own values."""
    if args.list:
        return _list_names()
    target = _target_or_list(args, "construction")
    diagnose = _require("fpesolve.failure_modes", "diagnose")
    options = {name: value for name, value in (("eta", args.eta), ("n_iterations", args.iterations), ("x0", args.x0))
               if value is not None}
    report = diagnose(target, **options)
    _emit(args, _summary_text(report), report)
    return 0


# ---------------------------------------------------------------------------- reproduce
def _reproduce_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="small grids and short SGD ensembles (about 15 s with a warm numba cache)")
    parser.add_argument("--only", nargs="+", metavar="ID", default=None,
                        help="reproduce only these items: F1 F2 F3 F4 healthy (e.g. F1 F3)")
    parser.add_argument("--out", metavar="DIR", default="fpesolve-output",
                        help="directory for figures and tables (default fpesolve-output)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


@register("reproduce", help="recompute the papers' failure-mode constructions exactly, claim beside result",
          arguments=_reproduce_arguments)
def _run_reproduce(args: argparse.Namespace) -> int:
    """Rebuilds the four failure modes of the failure-modes paper (F1-F4)
    and a healthy control as smooth landscapes, computes every quantity
    exactly, confirms it with simulated SGD, prints the paper's claim beside
    the exact value and their ratio with the verdict of the violated
    condition, and writes figures and tables to --out.  Exit status 1 if a
    reproduction check fails."""
    run = _require("fpesolve.apps.reproduce", "main")
    status = run(quick=args.quick, out=args.out, as_json=args.json, only=args.only)
    return int(status or 0)


# ---------------------------------------------------------------------------- entry point
def build_parser() -> argparse.ArgumentParser:
    """The ``fpesolve`` argument parser with every registered subcommand."""
    from .._util.version import __version__
    parser = _Parser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Fokker-Planck solvers for SGD with multiplicative noise: stationary laws, spectral gaps, "
                    "first passage and the necessary conditions N1-N4.\n\n"
                    "The SDE (Ito): d theta = -L'(theta) dt + sqrt(eta Sigma(theta)) dW; times are continuous "
                    "times t (t/eta SGD iterations).",
        epilog="Run 'fpesolve <command> --help' for a command's options. "
               "Bad arguments exit with status 2 and a one-line message.")
    parser.add_argument("--version", action="version", version=f"fpesolve {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="command", required=True, parser_class=_Parser)
    for sub in SUBCOMMANDS.values():
        child = commands.add_parser(sub.name, help=sub.help, description=sub.description,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.arguments(child)
        child.set_defaults(_run=sub.run)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``fpesolve`` with ``argv`` (default ``sys.argv[1:]``) and return the exit status.

    0 on success; 2 with a one-line ``fpesolve: error: ...`` on stderr for bad
    arguments or bad input (``ValueError``, ``TypeError``, unreadable files);
    1 when a subcommand's back end is unavailable.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # --help, --version, argument errors
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    try:
        status = args._run(args)
    except BrokenPipeError:  # e.g. `fpesolve ... --json | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (ValueError, TypeError, OSError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except CommandUnavailable as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
