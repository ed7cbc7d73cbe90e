"""The papers' subcommands: ``diagnose`` (N1-N4) and ``reproduce`` (the constructions, claim beside result)."""

from __future__ import annotations

import argparse

import numpy as np
from ...failure_modes.diagnosis import diagnose
from .app import register
from .failures import EXIT_OK, EXIT_VIOLATED
from .options import (add_eta, add_landscape, add_output, announce_compiling, check_out, emit, list_names,
                      new_figure, save, target_of)

__all__ = ["PARTS"]

#: the parts of ``fpesolve reproduce``: one per paper, and both
PARTS = ("failure-modes", "label-noise", "all")


# ---------------------------------------------------------------------------- diagnose
def _diagnose_arguments(parser: argparse.ArgumentParser) -> None:
    add_landscape(parser, what="construction")
    add_eta(parser, default=None, default_text="default: the construction's own; required for a landscape file")
    parser.add_argument("--iterations", "-T", dest="iterations", type=int, default=None, metavar="T",
                        help="number of SGD iterations T; N1 compares eta*T with the mixing time "
                             "(default: the construction's own)")
    parser.add_argument("--x0", type=float, default=None,
                        help="initial point of SGD for N1 (default: the worst start)")
    add_output(parser, out_help="write a figure to FILE: the loss and effective potential, and the verdicts")


@register("diagnose", help="check the necessary conditions N1-N4 for a construction or a landscape",
          arguments=_diagnose_arguments)
def _run_diagnose(args: argparse.Namespace) -> int:
    """N1 mixing (eta*T against the mixing time), N2 stability (Lyapunov
    exponent of linearised SGD, and the bound eta < 2/lambda_max), N3
    selection (Sigma/H at the minima and the exact basin probabilities), N4
    alignment (correlation of Sigma with the generalisation gap).  Options
    left out take the construction's own values.  Exit status 1 when a
    condition is violated (as a linter that found something), 0 when every
    applicable condition holds."""
    if args.list:
        return list_names()
    landscape = target_of(args, "construction")
    check_out(args.out)
    options = {name: value for name, value in (("eta", args.eta), ("n_iterations", args.iterations), ("x0", args.x0))
               if value is not None}
    announce_compiling(["spectra", "time stepping"])
    report = diagnose(landscape, **options)
    emit(args, report.summary(), report)
    if args.out:
        from ..plotting import plot_phase_diagram
        fig, (ax1, ax2) = new_figure(2)
        _plot_loss_and_noise(landscape, ax1)
        plot_phase_diagram([report.eta], {f"{s.name} {s.status}": [s.holds] for s in report.statuses}, ax=ax2,
                           title=f"N1-N4 at eta = {report.eta:g}, T = {report.n_iterations}")
        save(fig, args)
    return EXIT_VIOLATED if report.violated else EXIT_OK


def _plot_loss_and_noise(landscape, ax) -> None:
    """L (left axis) and Sigma (right axis) with the minima marked: defined for every landscape."""
    a, b = landscape.domain
    x = np.linspace(a, b, 801)
    ax.plot(x, landscape.loss(x), color="black", label=r"$L(\theta)$")
    for cp in landscape.minima():
        ax.axvline(cp.x, color="grey", linestyle=":", linewidth=1.0)
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("loss")
    noise = ax.twinx()
    noise.plot(x, landscape.sigma(x), color="C1", label=r"$\Sigma(\theta)$")
    noise.set_ylabel(r"gradient-noise variance $\Sigma$", color="C1")
    ax.set_title(f"{landscape.name}: loss, noise and minima (dotted)")


# ---------------------------------------------------------------------------- reproduce
def _reproduce_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("part", nargs="?", choices=PARTS, default="all",
                        help="which paper: failure-modes (F1-F4 and a healthy control), label-noise, or all "
                             "(default all)")
    parser.add_argument("--quick", action="store_true",
                        help="small grids and short SGD ensembles (30-45 s on two cores with a warm numba cache)")
    parser.add_argument("--only", nargs="+", metavar="ID", default=None,
                        help="reproduce only these items: F1 F2 F3 F4 healthy (e.g. F1 F3)")
    add_output(parser, out_help="directory for figures and tables (default fpesolve-output)",
               out_default="fpesolve-output", metavar="DIR")


def reproduce_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of :func:`fpesolve.apps.reproduce.main` for ``args``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``fpesolve reproduce`` arguments (``quick``, ``out``, ``json``,
        ``only``, ``part``).

    Returns
    -------
    dict
        ``quick``, ``out``, ``as_json``, ``only``, and ``part`` unless it is ``"all"``.

    Examples
    --------
    >>> import argparse
    >>> reproduce_options(argparse.Namespace(quick=True, out=None, json=False, only=None, part="label-noise"))
    {'quick': True, 'out': None, 'as_json': False, 'only': None, 'part': 'label-noise'}
    """
    options = {"quick": args.quick, "out": args.out, "as_json": args.json, "only": args.only}
    if args.part != "all":
        options["part"] = args.part
    return options


@register("reproduce", help="recompute the papers' constructions exactly, the paper's claim beside the result",
          arguments=_reproduce_arguments)
def _run_reproduce(args: argparse.Namespace) -> int:
    """Rebuilds the constructions of the failure-modes paper (F1-F4 and a
    healthy control) and of the label-noise paper as smooth landscapes,
    computes every quantity exactly, confirms it with simulated SGD, prints
    the paper's claim beside the exact value and their ratio, and writes
    figures and tables to --out.  Exit status 1 if a reproduction check
    fails."""
    from .. import reproduce
    announce_compiling(["spectra", "time stepping", "SGD"])
    status = reproduce.main(**reproduce_options(args))
    return int(status or 0)

