"""The landscape subcommands: ``stationary``, ``spectrum`` and ``mfpt``."""

from __future__ import annotations

import argparse
import dataclasses
import math
from typing import List, Optional

import numpy as np

from ..._util.formatting import DEFAULT_DIGITS, format_log10, format_with_error
from ...core.basins import basins as basins_of
from ...core.fokker_planck import FokkerPlanck
from ...core.modes import stationary_modes
from ...core.passage import mean_first_passage_time
from ...core.spectrum import spectrum as spectrum_of
from ...core.stationary import log_normalizer, stationary_mass
from .app import register
from .failures import InputError
from .options import (add_cells, add_eta, add_landscape, add_output, announce_compiling, cells_of, check_cost, check_out, emit,
                      eta_of, grid_of, list_names, new_figure, save, target_of)

__all__: List[str] = []


# ---------------------------------------------------------------------------- stationary
def _stationary_arguments(parser: argparse.ArgumentParser) -> None:
    add_landscape(parser)
    add_eta(parser)
    add_output(parser)


@register("stationary", help="critical points and the exact stationary density of a landscape",
          arguments=_stationary_arguments)
def _run_stationary(args: argparse.Namespace) -> int:
    """Prints the minima and saddles of L (with Sigma/H), the log normaliser of
    the closed-form stationary density p = exp(-(2/eta) int L'/Sigma) / (Z Sigma)
    (Ito), the exact stationary probability of each basin (split at the
    saddles) and the modes of p (zeros of L' + (eta/2) Sigma',
    fpesolve.core.modes.stationary_modes).  With --out, draws L and V_eff, and
    p with its basins."""
    if args.list:
        return list_names()
    landscape = target_of(args)
    eta = eta_of(args)
    check_out(args.out)
    found = basins_of(landscape)
    basins = []
    for minimum, (lo, hi) in zip(found.minima, found.intervals()):
        log_mass = stationary_mass(landscape, eta, lo, hi, log=True)
        basins.append({"minimum": minimum.x, "lo": lo, "hi": hi, "mass": math.exp(log_mass), "log_mass": log_mass})
    log_z = log_normalizer(landscape, eta)
    modes = stationary_modes(landscape, eta)
    cps = landscape.critical_points()
    a, b = landscape.domain
    data = {"landscape": landscape.name, "domain": [a, b], "eta": eta,
            "critical_points": [dict(dataclasses.asdict(cp), sigma_over_hess=cp.sigma_over_hess) for cp in cps],
            "log_normalizer": log_z, "basins": basins, "modes": modes.maxima, "antimodes": modes.minima,
            "wall_modes": modes.wall_maxima}
    lines = [landscape.summary(), "",
             f"stationary density at eta = {eta:g} (closed form, Ito): log Z = {log_z:.12g}",
             "basin probabilities (split at the saddles):"]
    cells = [(f"[{basin['lo']:+.6g}, {basin['hi']:+.6g}]", f"minimum x={basin['minimum']:+.6g}",
              f"mass={basin['mass']:.12g}", f"log mass={basin['log_mass']:.12g}") for basin in basins]
    widths = [max(len(row[j]) for row in cells) for j in range(4)] if cells else []
    lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in cells]
    lines.append("modes of p (zeros of L' + (eta/2) Sigma'): "
                 + (", ".join(f"{m:+.10g}" for m in modes.maxima) or "none inside the domain")
                 + ("; at the walls: " + ", ".join(f"{m:+.10g}" for m in modes.wall_maxima)
                    if modes.wall_maxima else ""))
    emit(args, "\n".join(lines), data)
    if args.out:
        from ..plotting import plot_potential, plot_stationary_density
        fig, (ax1, ax2) = new_figure(2)
        plot_potential(landscape, eta, ax=ax1)
        plot_stationary_density(landscape, eta, ax=ax2)
        save(fig, args)
    return 0


# ---------------------------------------------------------------------------- spectrum
def _spectrum_arguments(parser: argparse.ArgumentParser) -> None:
    add_landscape(parser)
    add_eta(parser)
    parser.add_argument("-k", type=int, default=4, help="number of slowest relaxation rates (default 4)")
    add_cells(parser)
    parser.add_argument("--accuracy", choices=("estimate", "continuum"), default="estimate",
                        help="'estimate' (default): the rates of the N-cell grid, printed to the digits their "
                             "discretisation error supports (bounded by Richardson over the nested grids N, 2N, "
                             "4N, ...); 'continuum': the rates extrapolated to the continuum (to ~1e-12) with their "
                             "error bounds")
    add_output(parser)


def _rate_text(rate: float, log10_rate: float, error: Optional[float] = None) -> str:
    if rate > 0.0 and math.isfinite(rate):
        return format_with_error(rate, error)
    return format_log10(log10_rate, mantissa_digits=DEFAULT_DIGITS - 1)


@register("spectrum", help="slowest relaxation rates (spectral gap) of the Fokker-Planck generator",
          arguments=_spectrum_arguments)
def _run_spectrum(args: argparse.Namespace) -> int:
    """Discretises the Fokker-Planck equation (Scharfetter-Gummel, reflecting
    ends) on N cells, uniform by default exactly as FokkerPlanck(landscape,
    eta, N) in Python, and computes the k slowest nonzero relaxation rates
    with fpesolve.core.spectrum.spectrum (Golub-Kahan bisection: full relative
    precision of the discrete problem even for metastable gaps).  The
    discretisation error (second order, ~(h/L)^2) is bounded by Richardson
    extrapolation over the nested grids N, 2N, 4N, ...
    (spectrum(fp, k, accuracy='estimate') in Python): every rate is printed
    with the digits its error bound supports, and the bound is printed beside
    it.  --accuracy continuum prints the extrapolated continuum rates instead
    (accuracy='continuum').  Rates are in 1/continuous time; 1/rate is the
    relaxation time.  With --out, plots the rates on a log axis."""
    if args.list:
        return list_names()
    landscape = target_of(args)
    eta = eta_of(args)
    if args.k < 1:
        raise InputError(f"`k` must be a positive number of rates, got {args.k}")
    n = cells_of(args.n)
    check_cost(n, "n")
    check_cost(8 * n, "n (times 8 for the refinement ladder N, 2N, 4N, ...)")
    check_out(args.out)
    grid = grid_of(landscape, n, args.grid)
    announce_compiling(["spectra"])
    fp = FokkerPlanck(landscape, eta, grid)
    result = spectrum_of(fp, args.k, vectors=False, accuracy=args.accuracy)
    header = f"{'j':>3}  {'rate':>18}  {'rel. error':>10}  {'relaxation time':>18}  {'log10 rate':>11}"
    what = (f"rates of the {fp.grid.n}-cell grid, relative error against the continuum bounded"
            if args.accuracy == "estimate" else "continuum rates (extrapolated), relative error bounded")
    lines = [f"{landscape.name} at eta = {eta:g} on {fp.grid!r} ({args.grid} grid, reflecting ends)",
             f"{what} by Richardson over N = {', '.join(str(m) for m in result.extrapolation.resolutions)}; "
             f"digits shown are those the bound supports", header]
    for j, (rate, log10_rate, err, rel) in enumerate(zip(result.rates, result.log10_rates, result.errors,
                                                           result.rel_errors), start=1):
        relax = 1.0 / rate if rate > 0 else 0.0
        lines.append(f"{j:>3}  {_rate_text(rate, log10_rate, err):>18}  {rel:>10.1e}  "
                     f"{_rate_text(relax, -log10_rate, rel * relax):>18}  {log10_rate:>11.6f}")
    data = {"landscape": landscape.name, "eta": eta, "n": fp.grid.n, "grid": args.grid, "k": args.k,
            "accuracy": args.accuracy, "rates": result.rates, "errors": result.errors,
            "rel_errors": result.rel_errors, "log10_rates": result.log10_rates,
            "resolutions": list(result.extrapolation.resolutions), "method": result.method}
    emit(args, "\n".join(lines), data)
    if args.out:
        from ..plotting import plot_spectrum
        fig, ax = new_figure()
        plot_spectrum(result, ax=ax, label=rf"{landscape.name}, $\eta={eta:g}$")
        save(fig, args)
    return 0


# ---------------------------------------------------------------------------- mfpt
def _mfpt_arguments(parser: argparse.ArgumentParser) -> None:
    add_landscape(parser)
    add_eta(parser)
    parser.add_argument("--from", dest="x0", type=float, default=None,
                        help="starting point (default: the leftmost minimum)")
    parser.add_argument("--to", dest="target", type=float, default=None,
                        help="target point (default: the minimum of the neighbouring basin: the next basin to the "
                             "right of the start's, or to the left when the start is in the last basin)")
    add_output(parser, out_help="write a figure to FILE: the effective potential with the start and the target")


def default_target(landscape, x0: float) -> float:
    """The minimum of the basin next to the one that contains ``x0`` (to the right, else to the left).

    The default target of ``fpesolve mfpt``: the time is then an escape over
    the barrier between the two basins.

    Parameters
    ----------
    landscape : Landscape
        The landscape.
    x0 : float
        The start.

    Returns
    -------
    float
        The position of that minimum.

    Raises
    ------
    InputError
        When the landscape has fewer than two minima (give ``--to``).

    Examples
    --------
    >>> from fpesolve.apps.cli.landscapes import load_target
    >>> land = load_target("double-well")
    >>> default_target(land, -1.0), default_target(land, 1.0)
    (1.0, -1.0)
    """
    found = basins_of(landscape)
    if len(found) < 2:
        raise InputError(f"{landscape.name!r} has {len(found)} minimum; give the target with --to")
    k = found.index(x0)
    neighbour = k + 1 if k + 1 < len(found) else k - 1
    return found.minima[neighbour].x


@register("mfpt", help="exact mean first passage time between two points", arguments=_mfpt_arguments)
def _run_mfpt(args: argparse.Namespace) -> int:
    """Computes the exact 1D mean first passage time from --from to --to with
    a reflecting end behind the start, T = int dy / (D p) int p, in log space
    (fpesolve.core.passage), in continuous time (divide by eta for SGD
    iterations).  Without --to the target is the minimum of the neighbouring
    basin, so the time is an escape over a barrier."""
    if args.list:
        return list_names()
    landscape = target_of(args)
    eta = eta_of(args)
    check_out(args.out)
    minima = landscape.minima()
    if args.x0 is None and not minima:
        raise InputError(f"{landscape.name!r} has no minimum; give the start with --from")
    x0 = landscape.contains(args.x0 if args.x0 is not None else minima[0].x, "from")
    target = landscape.contains(args.target if args.target is not None else default_target(landscape, x0), "to")
    result = mean_first_passage_time(landscape, eta, x0, target)
    data = {"landscape": landscape.name, "eta": eta, "from": x0, "to": target, "result": result}
    emit(args, f"{landscape.name} at eta = {eta:g}: first passage {x0:+.6g} -> {target:+.6g}\n{result.summary()}",
         data)
    if args.out:
        from ...core.stationary import effective_potential
        fig, ax = new_figure()
        a, b = landscape.domain
        x = np.linspace(a, b, 801)[1:-1]
        v = effective_potential(landscape, eta, x)
        ax.plot(x, v - v.min(), color="C0", label=r"$V_{\mathrm{eff}}(\theta)$")
        ax.axvline(x0, color="C2", linestyle="--", label=f"start {x0:+.4g}")
        ax.axvline(target, color="C3", linestyle="--", label=f"target {target:+.4g}")
        ax.set_xlabel(r"$\theta$")
        ax.set_ylabel("effective potential minus its minimum")
        ax.set_title(f"mean first passage: t = {format_log10(result.log10_time, 6, 4)} ($\\eta = {eta:g}$)")
        ax.legend()
        save(fig, args)
    return 0
