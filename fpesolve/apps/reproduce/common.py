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
    """(well A, saddle, well B) of a two-well construction, root-found (not the documented closed forms).

    Parameters
    ----------
    construction : Construction
        A two-well construction with wells labelled ``"A"`` and ``"B"``.

    Returns
    -------
    A, saddle, B : CriticalPoint
        From :meth:`~fpesolve.Landscape.critical_points`, matched to the labelled wells.

    Raises
    ------
    RuntimeError
        Unless the landscape has exactly two minima and one saddle.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> A, S, B = critical(construction("healthy"))
    >>> (round(A.x, 9), A.sigma_over_hess), (round(S.x, 9), S.kind), (round(B.x, 9), B.sigma_over_hess)
    ((-1.0, 0.5), (0.0, 'saddle'), (1.0, 2.0))
    """
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
    r""":math:`\Delta U = \int_{x_{min}}^{x_{saddle}} L'/\Sigma` (> 0), by the package's exact panel quadrature.

    The barrier of :math:`V_{\mathrm{eff}}` without the :math:`\frac\eta2\ln\Sigma`
    term; the escape time grows like :math:`e^{2\Delta U/\eta}`.

    Parameters
    ----------
    landscape : Landscape
        The landscape.
    x_min, x_saddle : float
        The minimum and the saddle (either order on the axis).

    Returns
    -------
    float
        :math:`\Delta U`, in units of ``L`` per unit of :math:`\Sigma`.

    Examples
    --------
    The healthy construction: :math:`\Delta V = 0.25` from A with
    :math:`\Sigma_A = 1`, from B with :math:`\Sigma_B = 4` (the tanh switch
    holds :math:`\Sigma` at the well's value up to the saddle):

    >>> from fpesolve.failure_modes import construction
    >>> c = construction("healthy")
    >>> A, S, B = critical(c)
    >>> round(barrier(c, A.x, S.x), 4), round(barrier(c, B.x, S.x), 4)
    (0.25, 0.0625)
    """
    from ...core.stationary import drift_increments
    lo, hi = sorted((x_min, x_saddle))
    value = float(drift_increments(landscape, np.array([lo, hi]))[0])
    return value if x_saddle > x_min else -value


def escape_exponent(construction: Construction, eta: float) -> Tuple[float, float, float]:
    r""":math:`\eta\ln(\tau_A/\tau_B)` from the exact mean first-passage times between the wells, and both log10 times.

    Parameters
    ----------
    construction : Construction
        A two-well construction.
    eta : float
        The learning rate :math:`\eta`.

    Returns
    -------
    exponent : float
        :math:`\eta\ln(\tau_{A\to B}/\tau_{B\to A})`; to leading order
        :math:`2(\Delta U_A - \Delta U_B)`.
    log10_a_to_b, log10_b_to_a : float
        :math:`\log_{10}` of the mean first-passage times in SGD iterations.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> [round(v, 3) for v in escape_exponent(construction("healthy"), 0.1)]
    [0.428, 4.049, 2.189]
    """
    from ...core.passage import escape_times
    esc = escape_times(construction, eta)
    t_ab = next(e for e in esc.escapes if e.source.x < e.destination.x).exact
    t_ba = next(e for e in esc.escapes if e.source.x > e.destination.x).exact
    return eta * (t_ab.log_time - t_ba.log_time), t_ab.log10_iterations, t_ba.log10_iterations


def diagnose_construction(construction: Construction, settings: RunSettings, eta: Optional[float] = None,
                          x0: Optional[float] = None):
    """:func:`fpesolve.diagnose` with the run's N1 grid.

    Parameters
    ----------
    construction : Construction
        The construction (its ``n_iterations`` is the training length).
    settings : RunSettings
        The run; ``settings.n1_grid`` is the N1 grid.
    eta : float, optional
        The learning rate (default the construction's).
    x0 : float, optional
        The start of SGD for N1 (default the worst start).

    Returns
    -------
    Diagnosis

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> from fpesolve.apps.reproduce.settings import settings_for
    >>> diagnose_construction(construction("f3-equal-hessian"), settings_for(True)).violated
    ('N3',)
    """
    from ...failure_modes.diagnosis import diagnose
    return diagnose(construction, construction.eta if eta is None else eta, construction.n_iterations, x0=x0,
                    grid=settings.n1_grid)


def verdict_checks(diagnoses: Sequence[Tuple[str, Any]], expected: str) -> Tuple[str, Tuple[str, ...], List[Check]]:
    """Verdict text, union of violated conditions and the checks that the expected one is flagged.

    Parameters
    ----------
    diagnoses : sequence of (str, Diagnosis)
        Labelled diagnoses (e.g. one per learning rate).
    expected : str
        The condition each diagnosis should flag (``"N1"`` … ``"N4"``), or
        ``"none"`` when every condition should hold.

    Returns
    -------
    verdict : str
        One line per diagnosis.
    violated : tuple of str
        The union of the violated conditions, in order of appearance.
    checks : list of Check
        One per diagnosis: ``expected`` is flagged (other flagged conditions
        are named), or nothing is flagged for ``"none"``.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction, diagnose
    >>> d = diagnose(construction("f3-equal-hessian"), grid=300)
    >>> text, violated, checks = verdict_checks([("F3", d)], "N3")
    >>> violated, [c.summary() for c in checks]
    (('N3',), ['[ok] F3: diagnose flags N3 as violated'])
    """
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
    """Two-sided Clopper–Pearson interval for a binomial proportion ``k/n``.

    Exact (conservative): the beta quantiles
    :math:`B(\alpha/2; k, n-k+1)` and :math:`B(1-\alpha/2; k+1, n-k)`,
    :math:`\alpha = 1 -` ``level``.

    Parameters
    ----------
    k : int
        Successes, ``0 <= k <= n``.
    n : int
        Trials.
    level : float
        Coverage of the interval.

    Returns
    -------
    lo, hi : float
        The interval (``lo = 0`` for ``k = 0``, ``hi = 1`` for ``k = n``).

    Examples
    --------
    >>> [round(v, 4) for v in clopper_pearson(3, 10)], [round(v, 4) for v in clopper_pearson(0, 10)]
    ([0.0667, 0.6525], [0.0, 0.3085])
    """
    from scipy.stats import beta
    alpha = 1.0 - level
    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def ks(landscape: Landscape, eta: float, positions: np.ndarray, n_panels: int = 4096) -> Tuple[float, float]:
    """Kolmogorov–Smirnov statistic and p-value of SGD positions against the FPE stationary law.

    Parameters
    ----------
    landscape : Landscape
        With :math:`\\Sigma > 0` on the domain.
    eta : float
        The learning rate.
    positions : ndarray
        Samples (e.g. final SGD positions).
    n_panels : int
        Panels of :func:`stationary_cdf` (the CDF is interpolated linearly between edges).

    Returns
    -------
    statistic, pvalue : float
        From :func:`scipy.stats.kstest`.

    Examples
    --------
    Ornstein–Uhlenbeck, :math:`L = \\theta^2`, :math:`\\Sigma = 1`: at
    :math:`\\eta = 0.5` the stationary law :math:`\\propto e^{-2L/(\\eta\\Sigma)}`
    is :math:`N(0, 1/8)`.  Samples of it pass, samples twice as wide fail:

    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-5.0, 5.0),
    ...                loss=lambda x: x**2)
    >>> rng = np.random.default_rng(0)
    >>> bool(ks(ou, 0.5, rng.normal(0.0, np.sqrt(1 / 8), 2000))[1] > 0.05)
    True
    >>> bool(ks(ou, 0.5, rng.normal(0.0, 0.5, 2000))[1] < 1e-10)
    True
    """
    from scipy.stats import kstest

    from ...sgd.sampling import stationary_cdf
    edges, cdf = stationary_cdf(landscape, eta, n_panels)
    res = kstest(np.asarray(positions, dtype=float), lambda z: np.interp(z, edges, cdf))
    return float(res.statistic), float(res.pvalue)


def simulate(construction: Construction, eta: float, run: SGDRun, init: Union[str, float],
             progress: Union[bool, str, None], **kwargs):
    """:func:`fpesolve.simulate_sgd` for the named run (its walkers, iterations and seed).

    Parameters
    ----------
    construction : Construction
        The landscape (its per-sample gradients drive the SGD kernel).
    eta : float
        The learning rate.
    run : SGDRun
        Walkers, iterations and seed.
    init : str or float
        A well label (``"A"``) or a starting point.
    progress : bool, str or None
        Show a progress bar (anything but ``False``, ``None`` and ``""`` shows one).
    **kwargs
        Passed to :func:`fpesolve.simulate_sgd` (``bins``, ``noise``, ...).

    Returns
    -------
    SGDEnsemble

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> from fpesolve.apps.reproduce.settings import SGDRun
    >>> ens = simulate(construction("healthy"), 0.1, SGDRun(n_walkers=100, n_iterations=200, seed=1), "A", False)
    >>> ens.n_walkers
    100
    """
    from ...sgd.ensemble import simulate_sgd
    return simulate_sgd(construction, eta, run.n_iterations, run.n_walkers, init, rng=run.seed,
                        progress=bool(progress), **kwargs)


def censored_escape_mle(escape_iterations: np.ndarray, n_iterations: int) -> Tuple[int, float]:
    """(number escaped, exponential MLE of the mean escape time with right-censoring at ``n_iterations``).

    For exponential escape times the MLE with censoring is the total exposure
    (escape iterations, plus ``n_iterations`` for each walker that did not
    escape) divided by the number of escapes.

    Parameters
    ----------
    escape_iterations : array_like of int
        Escape iteration per walker, ``-1`` for a walker that did not escape.
    n_iterations : int
        The length of the run (the censoring time).

    Returns
    -------
    k : int
        Number of walkers that escaped.
    mean : float
        The MLE of the mean escape time, in iterations (``inf`` when ``k = 0``).

    Examples
    --------
    >>> censored_escape_mle([10, -1, 30, -1], 100)       # (10 + 100 + 30 + 100) / 2
    (2, 120.0)
    """
    steps = np.asarray(escape_iterations)
    k = int(np.sum(steps >= 0))
    exposure = float(np.where(steps >= 0, steps, n_iterations).sum())
    return k, (exposure / k if k else math.inf)
