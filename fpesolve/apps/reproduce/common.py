"""Helpers shared by the reproductions: critical points, barriers, escape exponents, SGD runs, statistics, verdicts."""

from __future__ import annotations

import math
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from ...core.landscape import CriticalPoint, Landscape
from ...failure_modes.base import Construction
from .report import Check
from .settings import RunSettings, SGDRun

LN10 = math.log(10.0)


def critical(construction: Construction) -> Tuple[CriticalPoint, CriticalPoint, CriticalPoint]:
    """(well A, saddle, well B) of a two-well construction, root-found (not the documented closed forms)."""
    cps = construction.critical_points()
    minima = [cp for cp in cps if cp.kind == "minimum"]
    saddles = [cp for cp in cps if cp.kind == "saddle"]
    if len(minima) != 2 or len(saddles) != 1:
        raise RuntimeError(f"{construction.key!r} should have two minima and one saddle, found "
                           f"{[str(cp) for cp in cps]}")

    def nearest(x):
        return min(minima, key=lambda m: abs(m.x - x))

    return nearest(construction.wells["A"]), saddles[0], nearest(construction.wells["B"])


def barrier(landscape: Landscape, x_min: float, x_saddle: float) -> float:
    r""":math:`\Delta U = \int_{x_{min}}^{x_{saddle}} L'/\Sigma` (> 0), by the package's exact panel quadrature."""
    from ...core.stationary import drift_increments
    lo, hi = sorted((x_min, x_saddle))
    value = float(drift_increments(landscape, np.array([lo, hi]))[0])
    return value if x_saddle > x_min else -value


def escape_exponent(construction: Construction, eta: float) -> Tuple[float, float, float]:
    r""":math:`\eta\ln(\tau_A/\tau_B)` from the exact mean first-passage times between the wells, and both log10 times."""
    from ...core.passage import escape_times
    esc = escape_times(construction, eta)
    t_ab = next(e for e in esc.escapes if e.source.x < e.destination.x).exact
    t_ba = next(e for e in esc.escapes if e.source.x > e.destination.x).exact
    return eta * (t_ab.log_time - t_ba.log_time), t_ab.log10_iterations, t_ba.log10_iterations


def diagnose_construction(construction: Construction, settings: RunSettings, eta: Optional[float] = None,
                          x0: Optional[float] = None):
    """:func:`fpesolve.diagnose` with the run's N1 grid."""
    from ...failure_modes.diagnosis import diagnose
    return diagnose(construction, construction.eta if eta is None else eta, construction.n_iterations, x0=x0,
                    grid=settings.n1_grid)


def verdict_checks(diagnoses: Sequence[Tuple[str, Any]], expected: str) -> Tuple[str, Tuple[str, ...], List[Check]]:
    """Verdict text, union of violated conditions and the checks that the expected one is flagged."""
    lines, union, checks = [], [], []
    for key, diag in diagnoses:
        violated = tuple(diag.violated)
        union += [v for v in violated if v not in union]
        statuses = "; ".join(f"{s.name} {s.status}" for s in diag.statuses)
        lines.append(f"{key} at eta = {diag.eta:g}, T = {diag.n_iterations}: "
                     + (f"violated {', '.join(violated)}" if violated else "N1-N4 hold") + f" ({statuses})")
        if expected == "none":
            checks.append(Check(f"{key}: diagnose finds every condition holding", not violated))
        else:
            extra = [v for v in violated if v != expected]
            checks.append(Check(f"{key}: diagnose flags {expected} as violated"
                                + (f" (also flagged: {', '.join(extra)})" if extra else ""), expected in violated))
    return "\n".join(lines), tuple(union), checks


def clopper_pearson(k: int, n: int, level: float = 0.95) -> Tuple[float, float]:
    """Two-sided Clopper–Pearson interval for a binomial proportion ``k/n``."""
    from scipy.stats import beta
    alpha = 1.0 - level
    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def ks(landscape: Landscape, eta: float, positions: np.ndarray, n_panels: int = 4096) -> Tuple[float, float]:
    """Kolmogorov–Smirnov statistic and p-value of SGD positions against the FPE stationary law."""
    from scipy.stats import kstest

    from ...sgd.sampling import stationary_cdf
    edges, cdf = stationary_cdf(landscape, eta, n_panels)
    res = kstest(np.asarray(positions, dtype=float), lambda z: np.interp(z, edges, cdf))
    return float(res.statistic), float(res.pvalue)


def simulate(construction: Construction, eta: float, run: SGDRun, init: Union[str, float],
             progress: Union[bool, str, None], **kwargs):
    """:func:`fpesolve.simulate_sgd` for the named run (its walkers, iterations and seed)."""
    from ...sgd.ensemble import simulate_sgd
    return simulate_sgd(construction, eta, run.n_iterations, run.n_walkers, init, rng=run.seed,
                        progress=bool(progress), **kwargs)


def censored_escape_mle(escape_steps: np.ndarray, n_iterations: int) -> Tuple[int, float]:
    """(number escaped, exponential MLE of the mean escape time with right-censoring at ``n_iterations``)."""
    steps = np.asarray(escape_steps)
    k = int(np.sum(steps >= 0))
    exposure = float(np.where(steps >= 0, steps, n_iterations).sum())
    return k, (exposure / k if k else math.inf)
