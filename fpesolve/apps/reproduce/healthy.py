r"""The control: a two-well landscape on which N1–N4 all hold at :math:`\eta = 0.1`, :math:`T = 10^6`."""

from __future__ import annotations

import time
from typing import List, Optional, Union

from .common import diagnose_construction, simulate, verdict_checks
from .figures import density_figure
from .report import Check, ClaimRow, Reproduction
from .settings import Steps, settings_for


def reproduce_healthy(quick: bool = True, out: Optional[str] = None, *,
                      progress: Union[bool, str, None] = None) -> Reproduction:
    r"""The control: N1–N4 all hold on ``construction("healthy")`` at :math:`\eta = 0.1`, :math:`T = 10^6`.

    Rows: the key number of each condition (mixing margin, Lyapunov exponents,
    :math:`\Sigma/H` and basin probabilities, the correlation), and SGD from
    the stationary law (occupancy of the good well A).  Figure ``healthy_density.png``.

    Parameters
    ----------
    quick, out, progress
        As for :func:`~fpesolve.apps.reproduce.f1.reproduce_f1`.

    Returns
    -------
    Reproduction

    Examples
    --------
    A few seconds with a warm numba cache (``tests/apps/test_reproduce.py`` runs it):

    >>> rep = reproduce_healthy(quick=True, progress=False)    # doctest: +SKIP
    >>> rep.ok                                   # doctest: +SKIP
    True
    """
    from ...failure_modes.constructions import construction

    t0 = time.perf_counter()
    s = settings_for(quick)
    step = Steps("healthy", progress)
    c = construction("healthy")
    eta = c.eta
    step("diagnose")
    diag = diagnose_construction(c, s)
    rows: List[ClaimRow] = []
    n1, n2, n3, n4 = diag.n1, diag.n2, diag.n3, diag.n4
    rows.append(ClaimRow("N1: log10(eta T / t_mix)", "> 0", n1.log10_margin, None,
                         f"t_mix = 10^{n1.log10_t_mix_iterations:.4g} iterations from the worst start", compare=""))
    for m in n2.minima:
        rows.append(ClaimRow(f"N2: Lambda at {m.label}", "< 0", m.lyapunov, None,
                             f"lambda_max = {m.lambda_max:.4g}, 2/lambda_max = {m.bound:.4g}", compare=""))
    for m in n3.minima:
        rows.append(ClaimRow(f"N3: Sigma/H at {m.label}; pi({m.label})", "differ", f"{m.ratio:.4g}; {m.probability:.6g}",
                             None, f"Laplace pi = {m.laplace_probability:.6g}", compare=""))
    rows.append(ClaimRow("N4: Corr(Sigma, Gap)", "> 0", n4.correlation, None, f"gaps: {n4.method}", compare=""))
    step("SGD from the stationary law")
    run = s.run("healthy-stationary")
    ens = simulate(c, eta, run, "stationary", progress, bins=120)
    occ = ens.occupancy_fraction()
    pa = n3.minima[0].probability
    rows.append(ClaimRow("occupancy of the good well A: diffusion (exact) vs SGD", None, pa, None,
                         f"{run.n_walkers} walkers x {run.n_iterations} it. from the stationary law", compare="",
                         simulated=float(occ[0])))
    checks = [Check(f"SGD prefers the good well A (occupancy {occ[0]:.3f} > 0.5)", occ[0] > 0.5)]
    figure = density_figure(c, eta, ens, out, "healthy_density.png", "healthy: SGD histogram over the FPE density",
                            f"SGD after {run.n_iterations} iterations ({run.n_walkers} walkers)")
    verdict, violated, vchecks = verdict_checks([("healthy", diag)], "none")
    return Reproduction(name="healthy", title="control: N1-N4 hold", constructions=("healthy",), condition="none",
                        eta=eta, rows=tuple(rows), verdict=verdict, violated=violated, checks=tuple(checks + vchecks),
                        figures=(figure,) if figure else (), details=(diag.summary(), ens.summary()),
                        elapsed=time.perf_counter() - t0)
