r"""Section 6.1 of the failure-modes paper, computed: schedules against F1, weight decay against F4.

The paper (Section 6.1) recommends *learning-rate warm-up or cyclical
schedules* against F1 (insufficient mixing) and *explicit regularisation*
(weight decay) against F4 (noise–generalisation reversal), without numbers.
This module computes them.

F1: schedules (:func:`schedule_remedy`, :func:`required_rate`)
    The probability that SGD started in the bad basin has left it after
    :math:`T` iterations, for a constant rate and for schedules
    (:mod:`fpesolve.core.schedules`), from the Fokker–Planck equation with an
    absorbing target (:func:`fpesolve.core.scheduled.escape_probability`) and
    from simulated SGD with the same learning rates.  "Left the basin" means
    reached the *target*, by default the point halfway from the saddle to the
    other well (downhill of the saddle, so that the continuous hitting of the
    diffusion and the discrete crossing of SGD differ only by the last step).
    Every schedule is checked against the discrete stability limit
    :math:`2/h_{\max}` at the start well (:math:`h` the per-sample Hessians,
    :math:`2/H_B = 0.25` on F1): a schedule that exceeds it is refused,
    because SGD there is in failure mode F2, not escaping.  On the paper's F1
    (barrier 100) no stable schedule helps: :func:`required_rate` gives the
    constant rate that would make escape within :math:`T` likely, and it lies
    far above :math:`2/H_B`.  The schedule study therefore runs on the F1
    family with a lower barrier (same :math:`H` and :math:`\Sigma`), where the
    paper's :math:`\eta = 0.01` is still trapped.

    SGD vs the diffusion.  SGD with Gaussian gradient noise of variance
    :math:`\Sigma` is the Euler–Maruyama scheme of the diffusion with time
    step :math:`h = \eta` at the temperature :math:`\eta`; its escape
    probability differs from the Fokker–Planck one by :math:`C\eta + O(\eta^2)`
    (weak order one).  That difference is *measured*: the same schedule is
    run again with ``substeps = m`` Euler–Maruyama steps of :math:`\eta/m` per
    iteration at the same temperature (:math:`\Sigma` scaled by :math:`m`), and
    :math:`\delta = m(P_1 - P_m)/(m - 1)` (Richardson) estimates
    :math:`P_1 - P_{\mathrm{FPE}}`.  The comparison passes when
    :math:`|P_{\mathrm{SGD}} - P_{\mathrm{FPE}}| \le 4\,\mathrm{SE} + |\delta| +`
    the FPE's own error, with the binomial standard error
    :math:`\mathrm{SE} = \sqrt{P(1-P)/n}` (the larger of its values at the
    two probabilities).  Real two-sample SGD (``noise="samples"``: kicks
    :math:`\pm\sqrt\Sigma`) escapes more slowly than the diffusion by a factor
    that does not vanish as :math:`\eta \to 0` (its kicks are bounded, a
    large-deviation effect, not a time-step error), so for it the difference
    is reported, not tested.

F4: weight decay (:func:`weight_decay`, :func:`weight_decay_remedy`)
    :math:`L_\mu = L + \tfrac{\mu}{2}(\theta - \theta_0)^2` with :math:`\Sigma`
    unchanged.  Reported: the smallest :math:`\mu` at which
    :func:`~fpesolve.failure_modes.check_n4` on :math:`L_\mu` stops saying
    "violated" (its criterion is :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) > 0`
    over the minima of :math:`L_\mu`, with :math:`\mathrm{Gap} = L_{\mathrm{test}} - L`
    at those minima, the penalty counted in neither); the smallest
    :math:`\mu` with stationary probability of the good region
    :math:`\ge 1/2` and :math:`\ge 0.99`, by Brent's method on the exact
    log-odds :math:`\ln m_{\mathrm{good}} - \ln m_{\mathrm{bad}}` (two
    :func:`~fpesolve.stationary_mass` quadratures in log space) after a
    geometric scan for the first bracket; and the cost in training loss.
    Weight decay is not translation invariant: toward :math:`\theta_0 = 0` on
    F4's symmetric loss it lowers both wells alike and never gives the good
    well probability 1/2 at a finite :math:`\mu`; toward the good minimum it
    does at a small :math:`\mu`; toward the bad one never.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from scipy import optimize

from .._util.result import Result
from .._util.validation import finite_float, positive_float, positive_int, probability
from ..core.landscape import Landscape, PerSampleLosses
from ..core.passage import mean_first_passage_time
from ..core.scheduled import escape_probability
from ..core.schedules import Schedule, as_schedule
from ..core.stationary import stationary_mass
from ..sgd.ensemble import simulate_sgd
from .base import Construction
from .n4_alignment import check_n4
from .two_well import double_well

__all__ = ["ScheduleEscape", "ScheduleRemedy", "schedule_remedy", "stability_limit", "RequiredRate", "required_rate",
           "weight_decay",
           "WeightDecayTarget", "WeightDecayRemedy", "weight_decay_remedy", "SCHEDULE_NOISES"]

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
def weight_decay(landscape: Landscape, mu: float, origin: float = 0.0) -> Landscape:
    r"""The landscape with weight decay: :math:`L + \tfrac{\mu}{2}(\theta - \theta_0)^2`, :math:`\Sigma` unchanged.

    Parameters
    ----------
    landscape : Landscape
    mu : float
        The weight-decay strength :math:`\mu \ge 0` (units of :math:`L''`).
    origin : float
        :math:`\theta_0`, the point the penalty pulls toward.

    Returns
    -------
    Landscape
        ``grad`` :math:`L' + \mu(\theta-\theta_0)`, ``hess`` :math:`L'' + \mu`,
        ``loss`` the penalised loss; ``sigma``, the domain, the batch size
        and the sampling as before; per-sample losses (of a landscape built
        from samples) each get the same penalty, so the number of samples and
        the per-sample structure carry over while :math:`\Sigma` is unchanged.

    Raises
    ------
    ValueError
        For a negative or non-finite ``mu`` or a non-finite ``origin``.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve.failure_modes import construction
    >>> c = construction("f4")
    >>> w = weight_decay(c, 0.5)
    >>> float(w.grad(np.array([1.0]))[0] - c.grad(np.array([1.0]))[0])
    0.5
    """
    mu_value = finite_float(mu, "mu")
    if mu_value < 0:
        raise ValueError(f"`mu` must be >= 0 (the weight-decay strength), got {mu!r}")
    x0 = finite_float(origin, "origin")

    def grad(x):
        return landscape.grad(x) + mu_value * (np.asarray(x, dtype=float) - x0)

    def loss(x):
        return landscape.loss(x) + 0.5 * mu_value * (np.asarray(x, dtype=float) - x0) ** 2

    def hess(x):
        return landscape.hess(x) + mu_value

    samples = None
    if landscape.samples is not None:
        per = landscape.samples

        def sample_losses(x):
            return per.losses(x) + 0.5 * mu_value * (np.asarray(x, dtype=float) - x0) ** 2

        def sample_grads(x):
            return per.grads(x) + mu_value * (np.asarray(x, dtype=float) - x0)

        sample_hessians = None if per.hessians is None else (lambda x: per.hessians(x) + mu_value)
        samples = PerSampleLosses(losses=sample_losses, grads=sample_grads, hessians=sample_hessians, n=per.n)
    return Landscape(grad=grad, sigma=landscape.sigma, domain=landscape.domain, loss=loss, hess=hess,
                     sigma_grad=landscape.sigma_grad,
                     name=f"{landscape.name} + {mu_value:g}/2 (theta - {x0:g})^2", batch_size=landscape.batch_size,
                     replacement=landscape.replacement, samples=samples)


@dataclass(frozen=True, repr=False)
class WeightDecayTarget(Result):
    r"""The smallest weight decay that gives the good region a stationary probability of at least ``probability``.

    Attributes
    ----------
    probability : float
        The target :math:`p`.
    attained : bool
        Whether some :math:`\mu \le` ``mu_max`` reaches it.
    mu : float or None
        The smallest such :math:`\mu` (Brent's method on the exact log-odds; ``None`` if not attained).
    bracket : (float, float) or None
        The scan interval the root was found in.
    p_good : float
        :math:`P(\text{good})` at ``mu`` (or the largest value seen when not attained).
    minimum : float or None
        The minimum of :math:`L_\mu` in the good region at ``mu``.
    regularized_loss_rise : float or None
        :math:`\min_\theta L_\mu - \min_\theta L`.
    original_loss_rise : float or None
        :math:`L(\theta^*_\mu) - L(\theta^*_{\mathrm{good}})`: the training loss given up at the shifted good minimum.
    message : str

    Examples
    --------
    >>> from fpesolve.failure_modes import construction, weight_decay_remedy
    >>> t = weight_decay_remedy(construction("f4"), origin=0.0, probabilities=(0.5,), n_scan=8).target(0.5)
    >>> t.attained, t.mu, bool(t.p_good < 0.5)
    (False, None, True)
    """

    probability: float
    attained: bool
    mu: Optional[float]
    bracket: Optional[Tuple[float, float]]
    p_good: float
    minimum: Optional[float]
    regularized_loss_rise: Optional[float]
    original_loss_rise: Optional[float]
    message: str = ""

    def summary(self) -> str:
        """One line: the root and its loss cost, or why it was not attained.

        Returns
        -------
        str
        """
        if not self.attained:
            return f"P(good) >= {self.probability:g}: not attained; {self.message}"
        return (f"P(good) >= {self.probability:g}: mu = {self.mu:.10g} (P = {self.p_good:.6g}); good minimum "
                f"{self.minimum:.6g}; min L_mu - min L = {self.regularized_loss_rise:.6g}, L rise at the shifted "
                f"minimum {self.original_loss_rise:.6g}")


@dataclass(frozen=True, repr=False)
class WeightDecayRemedy(Result):
    r"""Weight decay against F4: N4 and the good region's stationary probability as functions of :math:`\mu`.

    Attributes
    ----------
    origin : float
        :math:`\theta_0` of the penalty.
    eta : float
    good_region : (float, float)
        The interval whose stationary mass is :math:`P(\text{good})`.
    n4_mu : float or None
        The smallest :math:`\mu` at which :func:`~fpesolve.failure_modes.check_n4`
        on :math:`L_\mu` no longer says "violated" (``None``: violated up to ``mu_max``).
    n4_status : str
        Its status just above ``n4_mu`` (``"holds"`` or ``"not applicable"``), or
        ``"violated"``.
    n4_note : str
        Why (e.g. the bad minimum vanished: N4 is not *restored*, it stops applying).
    targets : tuple of WeightDecayTarget
    mus, log_odds : ndarray
        The scan: :math:`\mu` and :math:`\ln m_{\mathrm{good}} - \ln m_{\mathrm{bad}}`.
    method : str

    Examples
    --------
    >>> from fpesolve.failure_modes import construction, weight_decay_remedy
    >>> r = weight_decay_remedy(construction("f4"), origin="A", probabilities=(0.99,), n_scan=8)
    >>> r.n4_status, round(r.target(0.99).mu, 4)
    ('not applicable', 0.1967)
    """

    origin: float
    eta: float
    good_region: Tuple[float, float]
    n4_mu: Optional[float]
    n4_status: str
    n4_note: str
    targets: Tuple[WeightDecayTarget, ...]
    mus: np.ndarray
    log_odds: np.ndarray
    method: str

    def target(self, p: float) -> WeightDecayTarget:
        """The row of target probability ``p``.

        Parameters
        ----------
        p : float
            One of the probabilities given to :func:`weight_decay_remedy`.

        Returns
        -------
        WeightDecayTarget

        Raises
        ------
        KeyError
            When ``p`` was not a target.
        """
        for t in self.targets:
            if t.probability == p:
                return t
        raise KeyError(f"no target {p!r}; the targets are {[t.probability for t in self.targets]}")

    def table(self):
        r"""The scan: mu and P(good).

        Returns
        -------
        headers : list of str
        rows : list of list
            :math:`\mu`, the log-odds good/bad and :math:`P(\text{good})`.
        """
        return ["mu", "log odds good/bad", "P(good)"], [[float(m), float(l), float(1.0 / (1.0 + np.exp(-l)))]
                                                        for m, l in zip(self.mus, self.log_odds)]

    def summary(self) -> str:
        """N4 and each target.

        Returns
        -------
        str
        """
        n4 = (f"N4 violated for every mu <= {self.mus[-1]:g}" if self.n4_mu is None else
              "N4 is not violated without weight decay (status at mu = 0: holds)" if self.n4_mu == 0 and
              self.n4_status == "holds" else
              f"N4 stops being violated at mu = {self.n4_mu:.8g} (status then: {self.n4_status})")
        lines = [f"Weight decay mu/2 (theta - {self.origin:.6g})^2 at eta = {self.eta:g}, good region "
                 f"[{self.good_region[0]:.6g}, {self.good_region[1]:.6g}]: {n4}"]
        if self.n4_note:
            lines.append("  " + self.n4_note)
        lines += ["  " + t.summary() for t in self.targets]
        return "\n".join(lines)


def _good_region(landscape: Landscape, good) -> Tuple[float, float]:
    a, b = landscape.domain
    if good is not None:
        lo, hi = (landscape.contains(v, "good") for v in good)
        if not lo < hi or (lo == a and hi == b):
            raise ValueError(f"`good` must be an interval strictly inside the domain [{a!r}, {b!r}], got {good!r}")
        return lo, hi
    if not (isinstance(landscape, Construction) and landscape.generalization_gaps and landscape.saddle is not None):
        raise ValueError("without `good` the landscape must be a two-well construction with generalisation gaps "
                         "(the good region is the side of its saddle holding the well of smallest gap)")
    label = min(landscape.generalization_gaps, key=landscape.generalization_gaps.get)
    xs = landscape.saddle.x
    return (a, xs) if landscape.wells[label] < xs else (xs, b)


def weight_decay_remedy(landscape: Landscape, *, origin: Union[float, str] = 0.0, eta: Optional[float] = None,
                        probabilities: Sequence[float] = (0.5, 0.99), good: Optional[Tuple[float, float]] = None,
                        mu_max: Optional[float] = None, n_scan: int = 40) -> WeightDecayRemedy:
    r"""Weight decay :math:`\tfrac\mu2(\theta-\theta_0)^2` against F4: N4, :math:`\mu` for P(good) targets, the cost.

    Parameters
    ----------
    landscape : Landscape
        F4 (``construction("f4")``) or any landscape with ``good`` given.
    origin : float or str
        :math:`\theta_0`, or a well label (``"A"``: toward the good minimum).
    eta : float, optional
        The learning rate (default the construction's).
    probabilities : sequence of float
        Targets for :math:`P(\text{good})`, each in (0, 1).
    good : (float, float), optional
        The good region; default the side of the construction's saddle (where
        its test loss switches) holding the well with the smallest
        generalisation gap.
    mu_max : float, optional
        The largest :math:`\mu` scanned (default :math:`10^3 \max_k H_k`).
    n_scan : int
        Geometric scan points in :math:`[10^{-6}, 1]\,` ``mu_max``, plus
        :math:`\mu = 0`; the smallest root is the first bracket's (a pair of
        crossings inside one scan interval would be missed).

    Returns
    -------
    WeightDecayRemedy

    Raises
    ------
    ValueError
        For a non-finite or non-positive ``mu_max``, a target outside (0, 1),
        no ``eta``, or a missing ``good`` region on a plain landscape.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> r = weight_decay_remedy(construction("f4"), origin="A", n_scan=20)
    >>> t = r.target(0.5)
    >>> t.attained, bool(0.1 < t.mu < 0.3), r.n4_status
    (True, True, 'not applicable')
    """
    if eta is None:
        eta = landscape.eta if isinstance(landscape, Construction) else None
        if eta is None:
            raise ValueError("`eta` is needed: the landscape is not a construction with the paper's learning rate; "
                             "pass eta=...")
    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    # a named well, or any finite position (the penalty may pull toward a point outside the domain)
    x0 = landscape.point(origin, "origin") if isinstance(origin, str) else finite_float(origin, "origin")
    targets_p = [probability(p, "probabilities") for p in probabilities]
    lo, hi = _good_region(landscape, good)
    a, b = landscape.domain
    bad = (hi, b) if lo == a else (a, lo)
    if lo != a and hi != b:
        raise ValueError(f"`good` = {good!r} must touch one end of the domain (its complement is the bad region)")
    minima0 = landscape.minima()
    h_ref = max([abs(m.hess) for m in minima0] + [1e-300])
    if mu_max is None:
        mu_max_v = 1e3 * h_ref
    else:
        mu_max_v = positive_float(mu_max, "mu_max", "mu_max is the largest weight decay scanned")
    n_scan = positive_int(n_scan, "n_scan", minimum=2)
    mus = np.concatenate(([0.0], np.geomspace(1e-6 * mu_max_v, mu_max_v, n_scan)))

    def log_odds(mu):
        w = weight_decay(landscape, mu, x0)
        return stationary_mass(w, eta, lo, hi, log=True) - stationary_mass(w, eta, bad[0], bad[1], log=True)

    odds = np.array([log_odds(m) for m in mus])

    has_test = isinstance(landscape, Construction) and landscape.has_test_loss

    def n4_status(mu):
        w = weight_decay(landscape, mu, x0)
        if has_test:
            return check_n4(w, test_loss=lambda x: landscape.test_loss(x) + 0.5 * mu * (np.asarray(x) - x0) ** 2)
        return check_n4(w)

    n4_mu, status, note = None, "violated", ""
    statuses = []
    for m in mus:
        r = n4_status(m)
        statuses.append(r.status)
        if r.status != "violated":
            break
    if statuses[-1] != "violated":
        i = len(statuses) - 1
        if i == 0:
            n4_mu, last = 0.0, n4_status(0.0)
        else:
            left, right = mus[i - 1], mus[i]
            last = n4_status(right)
            while right - left > 1e-10 * right:
                mid = 0.5 * (left + right) if left == 0.0 else math.sqrt(left * right)
                r = n4_status(mid)
                if r.status == "violated":
                    left = mid
                else:
                    right, last = mid, r
            n4_mu = float(right)
        status = last.status
        if status == "not applicable":
            note = ("N4 is not restored: Corr(Sigma, Gap) > 0 never holds, since weight decay changes neither "
                    "Sigma nor the gaps at the minima that survive; at this mu a minimum vanishes and N4 stops "
                    f"applying ({last.note})")
        else:
            note = last.note
    else:
        note = "weight decay leaves Sigma and the gaps at the minima unchanged, so the correlation keeps its sign"

    def cost(mu):
        w = weight_decay(landscape, mu, x0)
        mins = w.minima()
        inside = [m for m in mins if lo <= m.x <= hi]
        if not inside:
            return None, None, None
        good0 = [m for m in minima0 if lo <= m.x <= hi]
        ref_good = min(good0, key=lambda m: m.loss) if good0 else None
        star = min(inside, key=lambda m: float(w.loss(np.array([m.x]))[0]))
        reg_rise = min(float(w.loss(np.array([m.x]))[0]) for m in mins) - min(m.loss for m in minima0)
        orig_rise = None if ref_good is None else float(landscape.loss(np.array([star.x]))[0]) - ref_good.loss
        return star.x, reg_rise, orig_rise

    rows = []
    for p in targets_p:
        goal = math.log(p) - math.log1p(-p)
        above = np.flatnonzero(odds >= goal)
        if above.size == 0:
            k = int(np.argmax(odds))
            rows.append(WeightDecayTarget(probability=p, attained=False, mu=None, bracket=None,
                                          p_good=float(1.0 / (1.0 + math.exp(-odds[k]))), minimum=None,
                                          regularized_loss_rise=None, original_loss_rise=None,
                                          message=f"P(good) stays below {p:g} for mu <= {mu_max_v:g} (largest "
                                                  f"{1.0 / (1.0 + math.exp(-odds[k])):.6g} at mu = {mus[k]:.4g})"))
            continue
        i = int(above[0])
        if i == 0:
            mu_star, br = 0.0, None
        else:
            br = (float(mus[i - 1]), float(mus[i]))
            mu_star = optimize.brentq(lambda m: log_odds(m) - goal, br[0], br[1], xtol=1e-14 * br[1], rtol=1e-12)
        xm, rr, orr = cost(mu_star)
        rows.append(WeightDecayTarget(probability=p, attained=True, mu=float(mu_star), bracket=br,
                                      p_good=float(1.0 / (1.0 + math.exp(-log_odds(mu_star)))), minimum=xm,
                                      regularized_loss_rise=rr, original_loss_rise=orr))
    return WeightDecayRemedy(origin=x0, eta=eta, good_region=(lo, hi), n4_mu=n4_mu, n4_status=status, n4_note=note,
                             targets=tuple(rows), mus=mus, log_odds=odds,
                             method="exact stationary masses (log space), geometric scan + Brent on the log-odds; "
                                    "check_n4 on L_mu, bisection on its status")
