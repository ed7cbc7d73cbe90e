r"""F2 (discrete instability, N2): per-sample Hessians 18 and 2 at :math:`\eta = 0.15`.

The paper's Lyapunov exponent :math:`\Lambda(0.15) = \tfrac12\ln 1.19` is
exact.  Its threshold :math:`\eta_c = 2/\lambda_{\max} = 1/9` is not: the
stable set :math:`\{\Lambda < 0\}` is :math:`(0, 0.1308) \cup (0.4248,
0.5556)` (zeros of :math:`|1-18\eta||1-2\eta| = 1`, in closed form), so N2
as stated (":math:`\eta < 2/\lambda_{\max}`" is *necessary*) is wrong on
this very construction, which the paper specifies completely: the
counterexamples :math:`\eta = 0.12` and :math:`\eta = 0.45` are stable, and
simulated SGD converges at both.
"""

from __future__ import annotations

import math
import time
from typing import List, Optional, Tuple, Union

import numpy as np

from .common import diagnose_construction, simulate, verdict_checks
from .figures import new_figure, save
from .report import Check, ClaimRow, Reproduction, ratio
from .settings import Steps, settings_for

#: learning rates above the paper's bound 2/18 at which SGD is stable (first and second stable window)
COUNTEREXAMPLES = (0.12, 0.45)


def two_sample_crossings(h1: float, h2: float) -> Tuple[float, ...]:
    r"""Zeros of :math:`\Lambda = \tfrac12\ln|(1-\eta h_1)(1-\eta h_2)|` in closed form (two equally likely samples).

    :math:`(1-\eta h_1)(1-\eta h_2) = -1` gives
    :math:`\eta = [(h_1+h_2) \pm \sqrt{(h_1+h_2)^2 - 8h_1h_2}]/(2h_1h_2)` (when real),
    and :math:`= +1` gives :math:`\eta = (h_1+h_2)/(h_1h_2)`.

    Parameters
    ----------
    h1, h2 : float
        The two per-sample Hessians (positive).

    Returns
    -------
    tuple of float
        The crossings, ascending: the stable set of :math:`\eta` is below the
        first and between the second and the third.

    Examples
    --------
    >>> [round(v, 6) for v in two_sample_crossings(18.0, 2.0)]
    [0.130792, 0.424764, 0.555556]
    """
    s, p = h1 + h2, h1 * h2
    roots = [s / p]
    disc = s * s - 8.0 * p
    if disc >= 0:
        roots += [(s - math.sqrt(disc)) / (2 * p), (s + math.sqrt(disc)) / (2 * p)]
    return tuple(sorted(roots))


def reproduce_f2(quick: bool = True, out: Optional[str] = None, *,
                 progress: Union[bool, str, None] = None) -> Reproduction:
    r"""F2 (discrete instability, N2): Hessians 18 and 2 at :math:`\eta = 0.15` (module docstring).

    Rows: :math:`\Lambda(0.15)` beside the paper's :math:`\tfrac12\ln 1.19`, the
    stable set beside :math:`(0, 2/\lambda_{\max})`, the counterexamples
    :math:`\eta = 0.12, 0.45`, and simulated SGD (growth rate
    :math:`\langle\ln|\theta_T/\theta_0|\rangle/T`, fraction diverged).
    Figure ``f2_lyapunov.png``.

    Parameters
    ----------
    quick, out, progress
        As for :func:`~fpesolve.apps.reproduce.f1.reproduce_f1`.

    Returns
    -------
    Reproduction

    Examples
    --------
    >>> rep = reproduce_f2(quick=True, progress=False)
    >>> rep.ok
    True
    """
    from ...failure_modes.constructions import construction
    from ...failure_modes.n2_stability import lyapunov_exponent, stable_learning_rates

    t0 = time.perf_counter()
    s = settings_for(quick)
    step = Steps("F2", progress)
    c = construction("f2")
    eta = c.eta
    hs = c.samples.evaluate("hessians", np.array([c.wells["A"]]))[:, 0]
    rows: List[ClaimRow] = []
    checks: List[Check] = []

    step("exact Lyapunov exponent and stable set")
    lam = float(lyapunov_exponent(hs, eta))
    paper_lam = 0.5 * math.log(1.19)      # the paper's expression (Prop. 3.2)
    rows.append(ClaimRow(f"Lambda(eta = {eta:g}) per iteration", paper_lam, lam, ratio(lam, paper_lam),
                         f"paper: 0.5 ln 1.19; exact: E ln|1 - eta h_z| over the per-sample Hessians "
                         f"{hs.tolist()} of the construction"))
    sset = stable_learning_rates(hs)
    paper_eta_c = float(c.claim("stability threshold eta_c = 2/h_max"))
    first = sset.intervals[0][1] if sset.intervals else math.nan
    closed = two_sample_crossings(float(hs.max()), float(hs.min()))
    rows.append(ClaimRow("stability threshold (first zero of Lambda)", paper_eta_c, first, ratio(first, paper_eta_c),
                         f"paper: 2/lambda_max (a sufficient bound); exact: Brent root of Lambda; closed form "
                         f"(20 - sqrt 112)/72 = {closed[0]:.15g}"))
    intervals = " U ".join(f"({a:.6g}, {b:.6g})" for a, b in sset.intervals)
    rows.append(ClaimRow("stable learning rates {Lambda < 0}", f"(0, {paper_eta_c:.6g})", intervals, None,
                         "zeros of |1 - 18 eta| |1 - 2 eta| = 1; the stable set is not an interval", compare=""))
    err = (max(abs(a - b) for a, b in zip(sorted(sset.crossings), closed))
           if len(sset.crossings) == len(closed) else math.inf)
    checks.append(Check(f"numerical zeros of Lambda {['%.12g' % v for v in sset.crossings]} equal the closed "
                        f"forms to 1e-12 (max diff {err:.2g})", err < 1e-12))
    lam_c = {e: float(lyapunov_exponent(hs, e)) for e in COUNTEREXAMPLES}
    for e in COUNTEREXAMPLES:
        rows.append(ClaimRow(f"N2 at eta = {e:g} (> 2/18): counterexample", "violated (eta > 2/lambda_max)",
                             f"holds: Lambda = {lam_c[e]:+.6g}", None,
                             "the bound eta < 2/lambda_max is sufficient, not necessary", compare=""))
        checks.append(Check(f"eta = {e:g} > 2/18 lies in the exact stable set", sset.contains(e)))

    step("SGD growth rates (exact identity ln|theta_T| = sum ln|1 - eta h_z|)")
    for e, exact_lam, name in ((eta, lam, "f2-growth"), (COUNTEREXAMPLES[0], lam_c[COUNTEREXAMPLES[0]],
                                                         "f2-growth-stable")):
        run = s.run(name)
        ens = simulate(c, e, run, 1.0, progress, bins=10, basin_edges=[], divergence_bound=1e300)
        growth = np.log(np.abs(ens.final_positions)) / run.n_iterations
        est, se = float(growth.mean()), float(growth.std(ddof=1) / math.sqrt(growth.size))
        z = (est - exact_lam) / se
        rows.append(ClaimRow(f"SGD growth rate at eta = {e:g}", paper_lam if e == eta else None, exact_lam, None,
                             f"<ln|theta_T/theta_0|>/T over {run.n_walkers} walkers x {run.n_iterations} it.: "
                             f"{est:+.5f} +- {se:.1g} (z = {z:+.2f} against exact)", compare="", simulated=est))
        checks.append(Check(f"SGD growth rate at eta = {e:g} matches Lambda within 5 standard errors (z = {z:+.2f})",
                            abs(z) < 5))

    step("SGD divergence at eta = 0.15 and convergence at the counterexamples")
    fractions = {}
    for e, name in ((eta, "f2-divergence"), (COUNTEREXAMPLES[0], "f2-divergence-stable"),
                    (COUNTEREXAMPLES[1], "f2-second-window")):
        run = s.run(name)
        ens = simulate(c, e, run, 1.0, progress, bins=10, basin_edges=[], divergence_bound=1e200)
        fractions[e] = ens.fraction_diverged
        exact_lam = lam if e == eta else lam_c[e]
        rows.append(ClaimRow(f"fraction diverged at eta = {e:g}", "diverges a.s." if e == eta else "diverges (N2)",
                             "1 (Lambda > 0)" if exact_lam > 0 else "0 (Lambda < 0)", None,
                             f"|theta| > 1e200 within {run.n_iterations} it., {run.n_walkers} walkers from "
                             f"theta_0 = 1", compare="", simulated=ens.fraction_diverged))
    checks.append(Check(f"SGD diverges at eta = {eta:g} (fraction {fractions[eta]:.3f} >= 0.99)", fractions[eta] >= 0.99))
    for e in COUNTEREXAMPLES:
        checks.append(Check(f"SGD converges at eta = {e:g} > 2/18 (fraction diverged {fractions[e]:.3f} <= 0.01)",
                            fractions[e] <= 0.01))

    figures = []
    if out is not None:
        step("figure")
        grid = np.linspace(1e-3, 0.7, 100 * s.figure_points)
        fig, ax = new_figure(1, 7.0)
        ax.plot(grid, lyapunov_exponent(hs, grid), color="black", label="exact Lambda(eta), B = 1")
        for k, (a, b) in enumerate(sset.intervals):
            ax.axvspan(a, b, color="tab:green", alpha=0.15, lw=0, label="stable set (Lambda < 0)" if k == 0 else None)
        ax.axvline(paper_eta_c, color="tab:red", ls="--", lw=1, label="paper's threshold 2/lambda_max")
        pts = [eta] + list(COUNTEREXAMPLES)
        ax.scatter(pts, [lam] + [lam_c[e] for e in COUNTEREXAMPLES], c=[fractions[e] for e in pts], cmap="coolwarm",
                   vmin=0, vmax=1, edgecolor="k", zorder=3, label="simulated SGD (red: diverged, blue: converged)")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylim(-1.5, 1.0)
        ax.set_xlabel("learning rate eta")
        ax.set_ylabel("Lyapunov exponent per iteration")
        ax.set_title("F2: Lambda(eta) for per-sample Hessians 18 and 2", fontsize=10)
        ax.legend(fontsize=8, loc="lower left")
        figures.append(save(fig, out, "f2_lyapunov.png"))

    step("diagnose")
    diag = diagnose_construction(c, s)
    verdict, violated, vchecks = verdict_checks([("f2", diag)], "N2")
    verdict += ("\nclaim 'Lambda(0.15) = 0.5 ln 1.19 > 0, SGD diverges': holds exactly"
                "\nclaim 'stability threshold eta_c = 2/lambda_max' and N2 'eta < 2/lambda_max is necessary': wrong "
                "on the paper's own (fully specified) construction: stable at eta = 0.12 and 0.45 (computed and "
                "simulated)")
    return Reproduction(name="F2", title="discrete instability", constructions=("f2",), condition="N2", eta=eta,
                        rows=tuple(rows), verdict=verdict, violated=violated, checks=tuple(checks + vchecks),
                        figures=tuple(figures), details=(diag.summary(),), elapsed=time.perf_counter() - t0)
