"""Section 6.1 against F1: learning-rate schedules, FPE beside simulated SGD (see :mod:`fpesolve.failure_modes.remedies`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple, Union

import numpy as np
from scipy import optimize

from ..._util.result import Result
from ..._util.validation import positive_float, positive_int, probability
from ...core.landscape import Landscape
from ...core.passage import mean_first_passage_time
from ...core.scheduled import escape_probability
from ...core.schedules import Schedule, as_schedule
from ...sgd.ensemble import simulate_sgd
from ..base import Construction
from ..two_well import double_well

__all__ = ["ScheduleEscape", "ScheduleRemedy", "schedule_remedy", "stability_limit", "RequiredRate", "required_rate",
           "SCHEDULE_NOISES"]

#: simulated-SGD noise models of :func:`schedule_remedy` (see :data:`fpesolve.sgd.NOISE_MODELS`)
SCHEDULE_NOISES = ("gaussian", "samples")
#: standard errors of the SGD-vs-FPE agreement test
AGREEMENT_SE = 4.0


# ============================================================================================ F1: schedules
def _start_and_target(landscape: Landscape, start, target) -> Tuple[float, float, float]:
    """(start minimum, target, saddle): the start well's minimum, and by default halfway from the saddle to the other well."""
    x0 = landscape.point(start, "start")
    cps = landscape.critical_points()
    minima = [cp for cp in cps if cp.kind == "minimum"]
    saddles = [cp for cp in cps if cp.kind == "saddle"]
    if len(minima) < 2 or not saddles:
        raise ValueError(f"a basin escape needs two minima and a saddle; {landscape.name!r} has "
                         f"{[str(cp) for cp in cps]}")
    here = min(minima, key=lambda m: abs(m.x - x0))
    others = [m for m in minima if m is not here]
    other = min(others, key=lambda m: abs(m.x - here.x))
    between = [s for s in saddles if min(here.x, other.x) < s.x < max(here.x, other.x)]
    saddle = min(between, key=lambda s: abs(s.x - here.x)).x
    if target is None:
        xt = 0.5 * (saddle + other.x)
    else:
        xt = landscape.point(target, "target")
    if xt == x0:
        raise ValueError(f"`target` = {xt!r} equals the start; the escape probability is 1 at iteration 0")
    return x0, xt, saddle


def stability_limit(landscape: Landscape, x: float) -> float:
    r"""The discrete stability limit :math:`2/h_{\max}` of SGD at ``x`` (largest per-sample Hessian, else :math:`L''`).

    Parameters
    ----------
    landscape : Landscape
        With per-sample Hessians (a construction) or at least ``hess``.
    x : float
        A minimum (the start well).

    Returns
    -------
    float
        :math:`2/\max_i \ell_i''(x)` in units of the learning rate
        (``inf`` when no curvature is positive).

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> c = construction("f1")
    >>> round(stability_limit(c, c.wells["B"]), 12)          # 2 / H_B
    0.25
    """
    xs = np.array([float(x)])
    samples = landscape.samples
    h = None
    if samples is not None:
        try:
            h = np.asarray(samples.evaluate("hessians", xs), dtype=float).ravel()
        except (ValueError, TypeError, AttributeError):
            h = None
    if h is None or h.size == 0:
        h = np.asarray(landscape.hess(xs), dtype=float).ravel()
    h_max = float(np.max(h))
    return 2.0 / h_max if h_max > 0 else math.inf


@dataclass(frozen=True, repr=False)
class ScheduleEscape(Result):
    r"""One schedule of :func:`schedule_remedy`: escape probability from the FPE and from simulated SGD.

    Attributes
    ----------
    label : str
        The caller's name of the schedule.
    description : str
        The schedule's formula.
    max_eta : float
        The largest learning rate within ``n_iterations``.
    time : float
        The continuous time :math:`t = \sum_k \eta_k` reached.
    probability, error : float
        :math:`P(\text{reached the target by } T)` from the Fokker–Planck
        equation, and its estimated absolute error (time + space).
    sgd_probability : float or None
        The fraction of simulated SGD walkers that crossed the target within
        :math:`T` iterations (``None``: not simulated).
    sgd_stderr : float or None
        The binomial standard error :math:`\sqrt{P(1-P)/n}`, with :math:`P(1-P)`
        the larger of its values at the FPE and the SGD probability (at least
        :math:`1/n`, so it is not zero when SGD saw no escape).
    substep_probability, substep_stderr : float or None
        The same schedule with ``substeps`` Euler–Maruyama steps per
        iteration at the same temperature (Gaussian noise only).
    discretization_difference, discretization_stderr : float or None
        :math:`\delta = m(P_1 - P_m)/(m-1)`, the measured time-step
        difference between SGD and the diffusion, and its standard error.
    agrees : bool or None
        :math:`|P_{\mathrm{SGD}} - P_{\mathrm{FPE}}| \le 4\,\mathrm{SE} + |\delta| +`
        ``error`` (``None`` when not tested: no SGD, or two-sample noise whose
        difference is not a time-step error).
    tolerance : float or None
        The right-hand side of that test.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction, schedule_remedy
    >>> r = schedule_remedy(construction("f1", barrier=1.0), {"high": 0.04}, 5000, n_cells=200)
    >>> row = r.row("high")
    >>> row.max_eta, bool(0.1 < row.probability < 0.9), row.sgd_probability is None
    (0.04, True, True)
    """

    label: str
    description: str
    max_eta: float
    time: float
    probability: float
    error: float
    sgd_probability: Optional[float] = None
    sgd_stderr: Optional[float] = None
    substep_probability: Optional[float] = None
    substep_stderr: Optional[float] = None
    discretization_difference: Optional[float] = None
    discretization_stderr: Optional[float] = None
    agrees: Optional[bool] = None
    tolerance: Optional[float] = None

    def summary(self) -> str:
        """One line: the probability from the FPE and from SGD, with the test.

        Returns
        -------
        str
        """
        text = f"{self.label}: P_FPE = {self.probability:.6g} +- {self.error:.2g} (max eta {self.max_eta:g}, t = {self.time:.6g})"
        if self.sgd_probability is not None:
            text += f"; SGD {self.sgd_probability:.6g} +- {self.sgd_stderr:.2g}"
        if self.discretization_difference is not None:
            text += f"; delta {self.discretization_difference:+.3g} +- {self.discretization_stderr:.2g}"
        if self.agrees is not None:
            text += f"; agree within {self.tolerance:.3g}: {self.agrees}"
        return text


@dataclass(frozen=True, repr=False)
class ScheduleRemedy(Result):
    r"""Escape from the bad basin within ``n_iterations`` under several learning-rate schedules (F1's remedy).

    Attributes
    ----------
    landscape_name : str
    start, target, saddle : float
        The start minimum, the absorbing target and the saddle passed on the way.
    n_iterations : int
        The horizon :math:`T` in SGD iterations.
    stability_limit : float
        :math:`2/h_{\max}` at the start well; every schedule stays below it.
    rows : tuple of ScheduleEscape
        One per schedule, in the order given.
    noise : str or None
        The simulated SGD's noise model (``None``: no simulation).
    n_walkers : int
    substeps : int
        Euler–Maruyama steps per iteration of the discretisation run (0: none).
    method : str
    converged : bool
    message : str

    Examples
    --------
    >>> from fpesolve.failure_modes import construction, schedule_remedy
    >>> r = schedule_remedy(construction("f1", barrier=1.0), {"paper": 0.01}, 5000, n_cells=200)
    >>> r.stability_limit, r.noise, r.all_agree
    (0.25, None, None)
    """

    landscape_name: str
    start: float
    target: float
    saddle: float
    n_iterations: int
    stability_limit: float
    rows: Tuple[ScheduleEscape, ...]
    noise: Optional[str]
    n_walkers: int
    substeps: int
    method: str
    converged: bool = True
    message: str = ""

    def row(self, label: str) -> ScheduleEscape:
        """The row of the schedule called ``label``.

        Parameters
        ----------
        label : str
            A key of the ``schedules`` mapping given to :func:`schedule_remedy`.

        Returns
        -------
        ScheduleEscape

        Raises
        ------
        KeyError
            For an unknown label (the message lists them).
        """
        for r in self.rows:
            if r.label == label:
                return r
        raise KeyError(f"no schedule {label!r}; the schedules are {[r.label for r in self.rows]}")

    @property
    def all_agree(self) -> Optional[bool]:
        """Whether every tested row agrees (``None`` when none was tested).

        Returns
        -------
        bool or None
        """
        tested = [r.agrees for r in self.rows if r.agrees is not None]
        return all(tested) if tested else None

    def table(self):
        """Headers and one row per schedule.

        Returns
        -------
        headers : list of str
        rows : list of list
            Label, max eta, t, P (FPE), its error, P (SGD), SE, delta, agrees.
        """
        headers = ["schedule", "max eta", "t", "P FPE", "FPE error", "P SGD", "SE", "delta", "agrees"]
        return headers, [[r.label, r.max_eta, r.time, r.probability, r.error, r.sgd_probability, r.sgd_stderr,
                          r.discretization_difference, r.agrees] for r in self.rows]

    def summary(self) -> str:
        """The setting and one line per schedule.

        Returns
        -------
        str
        """
        lines = [f"Escape from {self.start:.6g} to {self.target:.6g} (saddle {self.saddle:.6g}) within "
                 f"{self.n_iterations} SGD iterations on {self.landscape_name!r}; stability limit 2/h_max = "
                 f"{self.stability_limit:.6g}; SGD: {self.noise or 'not simulated'}"
                 + (f" ({self.n_walkers} walkers, delta from {self.substeps} substeps)" if self.noise else "")]
        lines += ["  " + r.summary() for r in self.rows]
        if self.message:
            lines.append("  " + self.message)
        return "\n".join(lines)


def _substepped(landscape: Landscape, m: int) -> Landscape:
    """The same two-well construction with Sigma scaled by ``m`` exactly (both sqrt(Sigma) levels times sqrt(m))."""
    p = landscape.parameters if isinstance(landscape, Construction) else None
    if p is None or landscape.noise_profile is None or "Sigma_A" not in p:
        raise ValueError("`substeps` > 1 needs a two-well construction (fpesolve.failure_modes.construction), whose "
                         "Sigma can be scaled exactly; pass substeps=0 for other landscapes")
    extra = {}
    if landscape.noise_profile == "tanh":
        extra = dict(switch_at=p["switch_at"], switch_width=p["switch_width"])
    return double_well(p["H_A"], p["H_B"], m * p["Sigma_A"], m * p["Sigma_B"], p["barrier"],
                       loss_min=p["loss_min"], noise_profile=p["noise_profile"], steepness=p["steepness"],
                       u_edge=p["u_edge"], batch_size=p["batch_size"], key=f"{landscape.key}-x{m}", **extra)


def _escaped_fraction(landscape, etas, n_iterations, n_walkers, x0, xt, noise, seed, progress) -> float:
    run = simulate_sgd(landscape, etas, n_iterations, n_walkers, init=x0, noise=noise, passage_points=[xt],
                       stop_after_passage=True, rng=seed, progress=progress)
    if run.fraction_diverged > 0:
        raise RuntimeError(f"{run.fraction_diverged:.3g} of the SGD walkers diverged below the stability limit; "
                           f"report this landscape")
    return float(np.mean(run.passage_iterations[0] >= 0))


def schedule_remedy(landscape: Landscape, schedules: Mapping[str, Union[float, Schedule]], n_iterations: int, *,
                    start: Union[str, float] = "B", target: Union[str, float, None] = None, n_walkers: int = 0,
                    noise: str = "gaussian", substeps: int = 2, rng: Optional[int] = None,
                    n_cells: Optional[int] = None, progress=None) -> ScheduleRemedy:
    r"""Probability of having left the start basin within ``n_iterations``, per learning-rate schedule.

    See the module docstring for the target, the stability check and how
    simulated SGD is compared with the Fokker–Planck value.

    Parameters
    ----------
    landscape : Landscape
        A two-well landscape (F1: ``construction("f1", barrier=...)``).
    schedules : mapping of str to float or Schedule
        Label to a constant rate or a schedule (:mod:`fpesolve.core.schedules`).
    n_iterations : int
        The horizon :math:`T` in SGD iterations.
    start : str or float
        The start well (label or position); SGD starts at its minimum.
    target : str, float or None
        The absorbing target; default halfway from the saddle to the other well.
    n_walkers : int
        SGD walkers per schedule (0: no simulation).
    noise : {"gaussian", "samples"}
        The simulated SGD's gradient noise (:data:`SCHEDULE_NOISES`).
    substeps : int
        Euler–Maruyama steps per iteration of the run that measures the
        time-step difference (Gaussian noise on a two-well construction; 0 or 1: not measured).
    rng : int, optional
        Seed of the walkers (each schedule and run gets its own stream from it).
    n_cells : int, optional
        Cells of the coarser FPE grid (:func:`~fpesolve.core.scheduled.escape_probability`).
    progress : bool, "auto" or None

    Returns
    -------
    ScheduleRemedy

    Raises
    ------
    ValueError
        For an empty ``schedules``, a schedule whose largest rate reaches the
        stability limit :math:`2/h_{\max}` at the start well (SGD there is in
        failure mode F2; the message names the schedule), a non-positive
        ``n_iterations``, an unknown ``noise``, or ``substeps > 1`` on a
        landscape that is not a two-well construction.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> from fpesolve.core import schedules
    >>> c = construction("f1", barrier=1.0)
    >>> r = schedule_remedy(c, {"constant 0.01": 0.01, "cyclical": schedules.cyclical(0.01, 0.04, 2000)},
    ...                     20000, n_cells=200)
    >>> bool(r.row("constant 0.01").probability < 1e-6 < 0.1 < r.row("cyclical").probability)
    True
    """
    if not isinstance(schedules, Mapping) or not schedules:
        raise ValueError(f"`schedules` must be a non-empty mapping of labels to rates or schedules, got {schedules!r}")
    n_iterations = positive_int(n_iterations, "n_iterations")
    n_walkers = positive_int(n_walkers, "n_walkers", minimum=0)
    substeps = positive_int(substeps, "substeps", minimum=0)
    noise = str(noise).strip().lower()
    if noise not in SCHEDULE_NOISES:
        raise ValueError(f"`noise` must be one of {', '.join(SCHEDULE_NOISES)}, got {noise!r}")
    x0, xt, saddle = _start_and_target(landscape, start, target)
    limit = stability_limit(landscape, x0)
    scheds: Dict[str, Schedule] = {}
    for label, value in schedules.items():
        sched = as_schedule(value)
        peak = sched.max_eta(n_iterations)
        if not peak < limit:
            raise ValueError(f"`schedules[{label!r}]` ({sched.description}) reaches eta = {peak:.6g} >= 2/h_max = "
                             f"{limit:.6g}, the discrete stability limit at the start well x = {x0:.6g}: SGD there "
                             f"is in failure mode F2 (N2 violated), so no escape probability is reported; keep the "
                             f"peak below {limit:.6g}")
        scheds[str(label)] = sched
    fine = None
    measure = n_walkers > 0 and noise == "gaussian" and substeps > 1
    if measure:
        fine = _substepped(landscape, substeps)
    base_seed = int(np.random.SeedSequence(rng).generate_state(1)[0]) if n_walkers else 0
    rows = []
    for j, (label, sched) in enumerate(scheds.items()):
        fpe = escape_probability(landscape, sched, x0, xt, n_iterations, n_cells=n_cells, progress=progress)
        row = dict(label=label, description=sched.description, max_eta=sched.max_eta(n_iterations),
                   time=float(sched.time_of(n_iterations)), probability=fpe.probability, error=fpe.error)
        if n_walkers:
            etas = sched.etas(n_iterations)
            p1 = _escaped_fraction(landscape, etas, n_iterations, n_walkers, x0, xt, noise,
                                   base_seed + 2 * j, progress)
            var = max(p1 * (1.0 - p1), fpe.probability * (1.0 - fpe.probability), 1.0 / n_walkers)
            se = math.sqrt(var / n_walkers)
            row.update(sgd_probability=p1, sgd_stderr=se)
            if measure:
                pm = _escaped_fraction(fine, np.repeat(etas / substeps, substeps), n_iterations * substeps,
                                       n_walkers, x0, xt, noise, base_seed + 2 * j + 1, progress)
                factor = substeps / (substeps - 1.0)
                delta = factor * (p1 - pm)
                se_m = math.sqrt(max(pm * (1.0 - pm), 1.0 / n_walkers) / n_walkers)
                row.update(substep_probability=pm, substep_stderr=se_m, discretization_difference=delta,
                           discretization_stderr=factor * math.hypot(se, se_m))
            if noise == "gaussian":
                tol = AGREEMENT_SE * se + abs(row.get("discretization_difference") or 0.0) + fpe.error
                row.update(tolerance=tol, agrees=bool(abs(p1 - fpe.probability) <= tol))
        rows.append(ScheduleEscape(**row))
    message = ""
    if n_walkers and noise == "samples":
        message = ("two-sample SGD (bounded kicks) is compared, not tested: its escape differs from the diffusion's "
                   "by a large-deviation factor that does not vanish with eta")
    elif n_walkers and not measure:
        message = "the time-step difference delta was not measured (substeps < 2): the test uses 4 SE + FPE error"
    return ScheduleRemedy(landscape_name=landscape.name, start=x0, target=xt, saddle=saddle,
                          n_iterations=n_iterations, stability_limit=limit, rows=tuple(rows),
                          noise=noise if n_walkers else None, n_walkers=n_walkers,
                          substeps=substeps if measure else 0,
                          method="Fokker-Planck with an absorbing target under each schedule "
                                 "(core.scheduled.escape_probability); SGD Monte Carlo with the same rates",
                          converged=True, message=message)


@dataclass(frozen=True, repr=False)
class RequiredRate(Result):
    r"""The constant learning rate at which escape within ``n_iterations`` has a given probability.

    Attributes
    ----------
    eta : float
        The rate :math:`\eta^*` with :math:`1 - \exp(-T/\tau(\eta^*)) = p`,
        :math:`\tau` the exact mean first-passage time in iterations.
    probability : float
        :math:`p`.
    n_iterations : int
    log10_iterations_at_paper_eta : float or None
        :math:`\log_{10}\tau` at ``reference_eta`` (the construction's rate).
    reference_eta : float or None
    stability_limit : float
        :math:`2/h_{\max}` at the start well.
    stable : bool
        Whether :math:`\eta^* < 2/h_{\max}`; if not, the remedy is failure mode F2.
    log10_probability_at_limit : float
        :math:`\log_{10}` of the escape probability :math:`\approx T/\tau`
        at a constant rate just below the stability limit (``0.999`` of it):
        what the best stable constant rate achieves.
    start, target : float
    method : str

    Examples
    --------
    >>> from fpesolve.failure_modes import construction, required_rate
    >>> r = required_rate(construction("f1", barrier=1.0), 20000)
    >>> r.stable, bool(0.02 < r.eta < 0.05)
    (True, True)
    """

    eta: float
    probability: float
    n_iterations: int
    log10_iterations_at_paper_eta: Optional[float]
    reference_eta: Optional[float]
    stability_limit: float
    stable: bool
    log10_probability_at_limit: float
    start: float
    target: float
    method: str

    def summary(self) -> str:
        """The required rate beside the stability limit.

        Returns
        -------
        str
        """
        verdict = "below" if self.stable else "ABOVE (failure mode F2)"
        head = (f"P(escape {self.start:.6g} -> {self.target:.6g} within {self.n_iterations} iterations) = "
                f"{self.probability:g} needs constant eta = {self.eta:.6g}, {verdict} the stability limit "
                f"2/h_max = {self.stability_limit:.6g}; at 0.999 of the limit P ~ 10^{self.log10_probability_at_limit:.6g}")
        if self.reference_eta is not None:
            head += (f"; at eta = {self.reference_eta:g} the mean escape time is "
                     f"10^{self.log10_iterations_at_paper_eta:.6g} iterations")
        return head


def required_rate(landscape: Landscape, n_iterations: int, probability_target: float = 0.5, *,
                  start: Union[str, float] = "B", target: Union[str, float, None] = None,
                  eta_bounds: Tuple[float, float] = (1e-3, 1e3)) -> RequiredRate:
    r"""The constant rate that makes leaving the start basin within ``n_iterations`` likely, against 2/h_max.

    Solves :math:`T/\tau(\eta) = -\ln(1 - p)` for :math:`\eta` with
    :math:`\tau(\eta)` the exact mean first-passage time from the start
    minimum to the target in iterations (log space; Brent's method on
    :math:`\ln\eta`).  For a metastable start the escape time is nearly
    exponential, so the escape probability is :math:`1 - e^{-T/\tau}` to
    leading order.

    Parameters
    ----------
    landscape : Landscape
    n_iterations : int
        :math:`T`.
    probability_target : float
        :math:`p` in (0, 1).
    start, target
        As for :func:`schedule_remedy`.
    eta_bounds : (float, float)
        The bracket searched for :math:`\eta`.

    Returns
    -------
    RequiredRate

    Raises
    ------
    ValueError
        For bad arguments, or when no rate in ``eta_bounds`` reaches the probability.

    Examples
    --------
    The paper's F1 (barrier 100): escape within its 1e6 iterations needs a
    rate far above :math:`2/H_B = 0.25`:

    >>> from fpesolve.failure_modes import construction
    >>> r = required_rate(construction("f1"), 10 ** 6)
    >>> r.stable, bool(r.eta > 4 * r.stability_limit)
    (False, True)
    """
    n_iterations = positive_int(n_iterations, "n_iterations")
    p = probability(probability_target, "probability_target")
    lo, hi = (positive_float(v, "eta_bounds") for v in eta_bounds)
    if not lo < hi:
        raise ValueError(f"`eta_bounds` must be increasing, got {eta_bounds!r}")
    x0, xt, _ = _start_and_target(landscape, start, target)
    limit = stability_limit(landscape, x0)
    goal = math.log(n_iterations) - math.log(-math.log1p(-p))     # ln tau(eta*) in iterations

    def log_iterations(eta):
        return mean_first_passage_time(landscape, eta, x0, xt).log10_iterations * math.log(10.0)

    def f(log_eta):
        return log_iterations(math.exp(log_eta)) - goal

    a, b = math.log(lo), math.log(hi)
    fa, fb = f(a), f(b)
    if fa * fb > 0:
        raise ValueError(f"no constant rate in `eta_bounds` = {eta_bounds!r} gives escape probability {p:g} within "
                         f"{n_iterations} iterations (ln tau - goal = {fa:.4g} and {fb:.4g} at the ends); widen it")
    log_eta = optimize.brentq(f, a, b, xtol=1e-12, rtol=1e-12)
    eta = math.exp(log_eta)
    at_limit = 0.999 * limit
    log10_p_limit = (math.log10(n_iterations) - log_iterations(at_limit) / math.log(10.0)) if math.isfinite(limit) \
        else 0.0
    ref = landscape.eta if isinstance(landscape, Construction) else None   # the paper's rate, if it has one
    log10_ref = None if ref is None else mean_first_passage_time(landscape, ref, x0, xt).log10_iterations
    return RequiredRate(eta=eta, probability=p, n_iterations=n_iterations, log10_iterations_at_paper_eta=log10_ref,
                        reference_eta=ref, stability_limit=limit, stable=bool(eta < limit),
                        log10_probability_at_limit=min(log10_p_limit, 0.0), start=x0, target=xt,
                        method="exact mean first-passage time (log space), Brent on ln eta")


# ============================================================================================ F4: weight decay
