r"""Proposition 5.1 and the claim after it: what a smooth reparameterisation keeps, and what it does not.

Proposition 5.1 (:math:`\tilde\Sigma/\tilde H = \Sigma/H` at the minima) holds
and is checked numerically.  The paper then concludes that F4 "persists
under any smooth reparameterisation", because :math:`V_{\mathrm{eff}}` is
"built from reparameterisation-invariant quantities".  It is not: the barrier
integrand picks up :math:`1/g'^2`.  :func:`~fpesolve.failure_modes.coordinates.veff_flip`
builds :math:`\theta = g(\varphi)` with :math:`g' = 1` on B's side and
:math:`g' = c \approx 0.16` on A's: in :math:`\varphi` A's barrier is twice
B's, the stationary law of SGD prefers the good well A, and
:math:`\tilde\Sigma_A = 20c^2 < \tilde\Sigma_B = 1` makes
:math:`\mathrm{Corr}(\tilde\Sigma, \mathrm{Gap}) = +1`, so N4 holds — F4 is
gone.  The barriers in :math:`\varphi` are computed twice (on the new
landscape, and in :math:`\theta` with the weight :math:`1/g'^2`), and
two-sample SGD run in each coordinate from the good well A (a vectorised
numpy stepper over walkers) leaves it in :math:`\theta`, as F4 says, and
stays in :math:`\varphi`.
"""

from __future__ import annotations

import time
from typing import List, Optional, Union

import numpy as np

from .common import LN10
from .figures import new_figure, plot_points, save
from .report import Check, ClaimRow, Reproduction, ratio
from .settings import Steps, settings_for

#: the two barrier computations must agree to this relative accuracy (both are ~1e-14 quadratures)
BARRIER_RTOL = 1e-9


def _numpy_sgd(landscape, eta: float, x0: float, n_walkers: int, n_iterations: int, seed: int) -> np.ndarray:
    """Final positions of two-sample SGD (minibatch of one, drawn uniformly) from ``x0``: numpy over walkers."""
    rng = np.random.default_rng(seed)
    x = np.full(n_walkers, float(x0))
    cols = np.arange(n_walkers)
    samples = landscape.samples
    for _ in range(n_iterations):
        g = samples.evaluate("grads", x)
        x = x - eta * g[rng.integers(0, samples.n, n_walkers), cols]
    return x


def reproduce_p51(quick: bool = True, out: Optional[str] = None, *,
                  progress: Union[bool, str, None] = None) -> Reproduction:
    r"""Proposition 5.1 and the reparameterisation that undoes F4 (module docstring).

    Figure ``p51_reparameterization.png`` (:math:`\sqrt{\Sigma}`, :math:`V_{\mathrm{eff}}`
    and the stationary density in both coordinates, over :math:`\theta`).

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

    >>> rep = reproduce_p51(quick=True, progress=False)    # doctest: +SKIP
    >>> rep.ok                                   # doctest: +SKIP
    True
    """
    from ...failure_modes.constructions import construction
    from ...failure_modes.coordinates import veff_flip
    from ...failure_modes.n4_alignment import check_n4
    from ...failure_modes.reparameterization import check_reparameterization

    t0 = time.perf_counter()
    s = settings_for(quick)
    step = Steps("P5.1", progress)
    c = construction("f4")
    eta = c.eta
    rows: List[ClaimRow] = []
    checks: List[Check] = []

    step("Proposition 5.1: Sigma/H under a smooth bijection")
    inv = check_reparameterization(c, lambda p: p ** 3 / 50.0 + p, phi_bracket=(-20.0, 20.0))
    for m in inv.minima:
        rows.append(ClaimRow(f"Sigma/H at theta* = {m.x:+.4g} under theta = phi^3/50 + phi", m.ratio, m.ratio_phi,
                             ratio(m.ratio_phi, m.ratio), f"H~ = {m.hess_phi:.6g}, Sigma~ = {m.sigma_phi:.6g} "
                             f"(finite differences of L~', ~1e-7)"))
    checks.append(Check(f"Proposition 5.1: Sigma~/H~ = Sigma/H at every minimum (rel. diff "
                        f"{max(m.relative_difference for m in inv.minima):.1e} <= {inv.rtol:g})", inv.invariant))

    step("the reparameterisation that reverses V_eff's preference")
    flip = veff_flip(c, eta)
    rep = flip.reparameterization
    rows.append(ClaimRow("the bijection theta = g(phi)", None, rep.description, None,
                         f"speed 1 on B's side, c = {flip.slow_speed:.4g} on A's (a smooth tanh step at the saddle)",
                         compare=""))
    for k, lab in enumerate(flip.labels):
        rows.append(ClaimRow(f"V_eff barrier of {lab}: theta / phi", flip.barriers_theta[k], flip.barriers_phi[k],
                             ratio(flip.barriers_phi[k], flip.barriers_theta[k]),
                             f"phi-barrier computed again in theta as int L'/(Sigma g'^2) d theta: "
                             f"{flip.barriers_phi_in_theta[k]:.10g}"))
        rows.append(ClaimRow(f"Sigma/H at {lab}: theta / phi", flip.ratio_theta[k], flip.ratio_phi[k],
                             ratio(flip.ratio_phi[k], flip.ratio_theta[k]), "Proposition 5.1: invariant"))
        rows.append(ClaimRow(f"log10 pi({lab}): theta / phi", flip.log_probabilities_theta[k] / LN10,
                             flip.log_probabilities_phi[k] / LN10, None,
                             "exact basin probabilities of SGD's diffusion in each coordinate", compare=""))
    err = max(abs(a - b) / abs(a) for a, b in zip(flip.barriers_phi, flip.barriers_phi_in_theta))
    checks.append(Check(f"the phi-barriers computed in phi and in theta agree (rel. diff {err:.1e} < {BARRIER_RTOL:g})",
                        err < BARRIER_RTOL))
    checks.append(Check("Sigma/H is the same in both coordinates to 1e-9",
                        all(abs(a - b) <= 1e-9 * abs(a) for a, b in zip(flip.ratio_theta, flip.ratio_phi))))
    checks.append(Check(f"the stationary law prefers {flip.favoured_theta} in theta and {flip.favoured_phi} in phi",
                        flip.flipped and flip.favoured_phi == "A"))
    gaps = [c.generalization_gaps[lab] for lab in flip.labels]
    n4_theta = check_n4(c, gaps)
    n4_phi = check_n4(flip.phi_landscape, gaps)
    rows.append(ClaimRow("N4: Corr(Sigma, Gap) in theta / phi", n4_theta.correlation, n4_phi.correlation, None,
                         f"the same minima and generalisation gaps; Sigma~ = Sigma g'^2 = "
                         f"{', '.join(f'{v:.4g}' for v in flip.sigma_phi)}: N4 {n4_theta.status} in theta, "
                         f"{n4_phi.status} in phi", compare=""))
    checks.append(Check(f"N4 is violated in theta and holds in phi ({n4_theta.status}, {n4_phi.status})",
                        n4_theta.holds is False and n4_phi.holds is True))

    step("two-sample SGD in each coordinate, from the good well A")
    from ...core.passage import mean_first_passage_time
    results = {}
    for coord, land, name in (("theta", c, "p51-theta"), ("phi", flip.phi_landscape, "p51-phi")):
        run = s.run(name)
        a_x, saddle = land.wells["A"], land.saddles()[0].x
        final = _numpy_sgd(land, eta, a_x, run.n_walkers, run.n_iterations, run.seed)
        left = float(np.mean(final > saddle))
        mfpt = mean_first_passage_time(land, eta, a_x, saddle)
        results[coord] = left
        rows.append(ClaimRow(f"SGD in {coord}: fraction that left A within {run.n_iterations} it.", None,
                             f"MFPT A -> saddle 10^{mfpt.log10_iterations:.4g} it.", None,
                             f"{run.n_walkers} walkers from A; exact column: the diffusion's mean first-passage time "
                             f"in {coord}", compare="", simulated=left))
    checks.append(Check(f"SGD leaves the good well A in theta ({results['theta']:.3f} > 0.1) and stays in phi "
                        f"({results['phi']:.3f} = 0)", results["theta"] > 0.1 and results["phi"] == 0.0))

    figures = []
    if out is not None:
        step("figure")
        from ...core.stationary import effective_potential, stationary_density
        fig, (ax1, ax2) = new_figure(2)
        x = plot_points(c, 1500)
        phi = rep.g_inverse(x)
        ax1.plot(x, effective_potential(c, eta, x), color="black", label="V_eff of SGD in theta")
        ax1.plot(x, effective_potential(flip.phi_landscape, eta, phi), color="tab:blue",
                 label="V_eff of SGD in phi, at phi = g^-1(theta)")
        ax1.set_xlabel(r"$\theta$")
        ax1.set_ylabel("V_eff")
        ax1.set_title(f"F4 in two coordinates (eta = {eta:g})", fontsize=10)
        ax1.legend(fontsize=8)
        p_theta = stationary_density(c, eta, x)
        p_phi_theta = stationary_density(flip.phi_landscape, eta, phi) / rep.g_prime(phi)
        ax2.semilogy(x, np.maximum(p_theta, 1e-300), color="black", label="stationary law of SGD in theta")
        ax2.semilogy(x, np.maximum(p_phi_theta, 1e-300), color="tab:blue",
                     label="stationary law of SGD in phi, mapped to theta")
        ax2.set_ylim(1e-50, 10.0)
        ax2.set_xlabel(r"$\theta$")
        ax2.set_ylabel("density over theta")
        ax2.set_title("the preferred well flips: B in theta, A in phi", fontsize=10)
        ax2.axvline(c.saddles()[0].x, color="grey", ls="--", lw=0.8)
        ax2.legend(fontsize=8)
        figures.append(save(fig, out, "p51_reparameterization.png"))
    verdict = ("claim 'Sigma/H is reparameterisation-invariant' (Prop. 5.1): holds\n"
               "claim 'V_eff, hence F4, persists under any smooth reparameterisation': wrong -- a smooth increasing "
               f"g reverses the stationary law's preference (B in theta, A in phi) and makes N4 hold; "
               f"{flip.summary().splitlines()[0]}")
    return Reproduction(name="P5.1", title="reparameterisation (Proposition 5.1 and the claim after it)",
                        constructions=("f4",), condition="-", eta=eta, rows=tuple(rows), verdict=verdict,
                        violated=(), checks=tuple(checks), figures=tuple(figures),
                        details=(inv.summary(), flip.summary(), n4_theta.summary(), n4_phi.summary()),
                        elapsed=time.perf_counter() - t0)
