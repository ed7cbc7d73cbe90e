r"""Total-variation mixing times of the discrete Fokker–Planck dynamics.

For the discrete Fokker–Planck generator :math:`Q` (reflecting ends) with
stationary cell masses :math:`\pi`, the distance from a start :math:`x_0` is
:math:`d_{x_0}(t) = \tfrac12\sum_i |m_i(t) - \pi_i|` with
:math:`m(0) = \delta_{x_0}`; it never increases.  The mixing time is

.. math:: t_{mix}(\varepsilon) = \min\{t : \max_{x_0} d_{x_0}(t) \le \varepsilon\},

bracketed by the spectral bounds (Levin–Peres–Wilmer, Thms 12.4 and 12.5)

.. math:: t_{rel}\ln\frac{1}{2\varepsilon} \;\le\; t_{mix}(\varepsilon)
          \;\le\; t_{rel}\ln\frac{1}{\varepsilon\,\pi_{\min}}, \qquad t_{rel} = 1/\lambda_1 .

How it is computed: the density is evolved (exactly in time, by the
contour method of :mod:`fpesolve.core.contour`, on a geometric time
ladder) until either the distance falls
below :math:`\varepsilon` — the crossing is then located on a fine
sub-ladder — or until :math:`t_p = 40/\lambda_2`, after which every mode but
the slowest has decayed by :math:`e^{-40}` and the distance decays exactly
like :math:`d(t) = d(t_p)\,e^{-\lambda_1 (t - t_p)}`; the crossing time then
follows in closed form (``"evolution + slowest-mode extrapolation"``), in
log space, so mixing times of :math:`10^{1000}` are ordinary numbers.

Worst start: by default the two ends of the domain and every minimum and
saddle are tried.  For a birth–death chain started from a point mass the
ends are the extreme starts in the stochastic order, and the interior
critical points cover the basins; ``starts="all"`` checks every cell
(for small grids), and the test suite checks on small grids that the
default candidates give the same worst case.

Times are continuous times :math:`t`; SGD iterations are :math:`t/\eta`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence, Union

import numpy as np

from .._util.deprecation import renamed_attribute
from .._util.formatting import float_from_log10, format_log10
from .._util.result import Result
from .._util.validation import probability
from .evolve import evolve_masses

__all__ = ["MixingTime", "mixing_time", "tv_distance"]

_LN10 = math.log(10.0)
_DECAY = 40.0          # t_p = _DECAY / lambda_2
_LADDER_PER_OCTAVE = 4

InitSpec = Union[None, float, np.ndarray, Callable[[np.ndarray], np.ndarray]]


_to_float = float_from_log10


def _fmt(log10_value: float) -> str:
    return format_log10(log10_value, plain_digits=6, mantissa_digits=4, plain_below=6.0)


def tv_distance(m: np.ndarray, pi: np.ndarray) -> float:
    r"""Total-variation distance :math:`\frac12\sum_i |m_i - \pi_i|` between two mass vectors.

    Parameters
    ----------
    m, pi : array_like, shape (N,)
        Probability masses per cell (dimensionless, each summing to 1), e.g.
        an evolved law and the stationary masses.

    Returns
    -------
    float
        The distance, in [0, 1] for probability vectors.

    Examples
    --------
    >>> tv_distance([1.0, 0.0, 0.0], [0.25, 0.5, 0.25])
    0.75
    """
    return 0.5 * float(np.sum(np.abs(np.asarray(m) - np.asarray(pi))))


# ---------------------------------------------------------------------------------------------- profile
@dataclass(frozen=True)
class _Profile:
    """Distance to stationarity from one start: the evolved ladder and the slow-mode tail."""

    times: np.ndarray
    tvs: np.ndarray
    states: np.ndarray
    t_p: float                  # last evolved time; beyond it only the slowest mode is left (or d <= eps)
    tv_p: float
    log_lambda1: float
    crossing: Optional[float]   # t_mix found by evolution (None if extrapolated)
    log10_tmix: float
    method: str


def _slow_rates(fp):
    """(gap, ln lambda_1, lambda_2) of the generator; lambda_1 possibly from the first-passage method."""
    from .spectrum import _bisection, _rates_from_sigma, spectral_gap

    gap = spectral_gap(fp)
    sigma, shift, _, _ = _bisection(fp, 2, vectors=False)
    rates, _ = _rates_from_sigma(sigma, shift)
    if not rates[1] > 0:
        raise ValueError("the second relaxation rate is below float64 bisection range too (three or more "
                         "metastable basins at extreme temperature); mixing times are not available here")
    return gap, gap.log10 * _LN10, float(rates[1])


def _evolve_segment(disc, m: np.ndarray, t0: float, t1: float, n_out: int, first: bool) -> np.ndarray:
    """States at ``n_out`` equally spaced times in (t0, t1] starting from ``m`` at ``t0`` (exact in time)."""
    times = np.linspace(t0, t1, n_out + 1)[1:] - t0
    return evolve_masses(disc, m, times, method="contour").masses


def _profile(fp, m0: np.ndarray, eps: float, log_lam1: float, lam2: float, pi: np.ndarray,
             horizon: Optional[float] = None) -> _Profile:
    disc = fp.discretization
    t_p = _DECAY / lam2
    fastest = float(disc.exit_rates.max())
    t_start = min(1e-3 / fastest, 1e-8 * t_p)
    n_rungs = max(2, int(math.ceil(_LADDER_PER_OCTAVE * math.log2(t_p / t_start))))
    ladder = np.geomspace(t_start, t_p, n_rungs)
    times, tvs, states = [0.0], [tv_distance(m0, pi)], [np.array(m0, dtype=float)]
    t_prev, crossing = 0.0, None
    if tvs[0] <= eps:
        crossing = 0.0
    # exact in time from m0 at every rung, in one call (the contour recovers a missed rung from the one before)
    masses = evolve_masses(disc, m0, ladder, method="contour").masses
    for t, m in zip(ladder, masses):
        if crossing is not None and (horizon is None or t_prev >= horizon):
            break
        tv = tv_distance(m, pi)
        times.append(t)
        tvs.append(tv)
        states.append(m.copy())
        if tv <= eps and crossing is None:
            crossing = _refine_crossing(disc, states[-2], t_prev, t, eps, pi, tvs[-2])
        if crossing is not None and (horizon is None or t >= horizon):
            break
        t_prev = t
    tv_p = tvs[-1]
    if crossing is not None:
        log10_tmix = math.log10(crossing) if crossing > 0 else -math.inf
        method = "evolution (contour, exact in time)"
    else:
        # d(t) = d(t_p) exp(-lambda_1 (t - t_p)) for t >= t_p
        log_extra = math.log(math.log(tv_p / eps)) - log_lam1
        log10_tmix = float(np.logaddexp(math.log(t_p), log_extra)) / _LN10
        method = "evolution to t_p = 40/lambda_2, then slowest-mode extrapolation"
    return _Profile(times=np.array(times), tvs=np.array(tvs), states=np.array(states), t_p=float(times[-1]),
                    tv_p=float(tv_p), log_lambda1=log_lam1, crossing=crossing, log10_tmix=log10_tmix, method=method)


def _refine_crossing(disc, m: np.ndarray, t0: float, t1: float, eps: float, pi: np.ndarray, tv0: float) -> float:
    """The crossing time of the distance ``eps`` in (t0, t1], from 32 exact states in between (``m`` at ``t0``)."""
    n_out = 32
    times = np.linspace(t0, t1, n_out + 1)
    states = evolve_masses(disc, m, times[1:] - t0, method="contour").masses
    tvs = np.array([tv0] + [tv_distance(m, pi) for m in states])
    idx = int(np.flatnonzero(tvs <= eps)[0])
    if idx == 0:
        return t0
    # log-linear interpolation of the (exponentially decaying) distance
    la, lb = math.log(tvs[idx - 1]), math.log(max(tvs[idx], 1e-300))
    frac = (la - math.log(eps)) / (la - lb) if la != lb else 1.0
    return float(times[idx - 1] + frac * (times[idx] - times[idx - 1]))


def _tv_at(fp, prof: _Profile, t: float, pi: np.ndarray) -> float:
    """Distance at time ``t`` (exact evolution within the ladder, slow-mode tail beyond it)."""
    if t <= prof.times[-1]:
        k = int(np.searchsorted(prof.times, t, side="right")) - 1
        if prof.times[k] == t:
            return float(prof.tvs[k])
        state = _evolve_segment(fp.discretization, prof.states[k], prof.times[k], t, 1, first=(k == 0))[-1]
        return tv_distance(state, pi)
    if prof.tv_p == 0.0:
        return 0.0
    log_decay = prof.log_lambda1 + math.log(t - prof.t_p)
    return prof.tv_p * math.exp(-math.exp(log_decay)) if log_decay < 700 else 0.0


# ---------------------------------------------------------------------------------------------- results
@dataclass(frozen=True, repr=False)
class MixingTime(Result):
    r"""Total-variation mixing time with its spectral bracket.

    Built by :func:`mixing_time`.  Times are continuous times :math:`t`
    (SGD iterations are :math:`t/\eta`).

    Attributes
    ----------
    eps : float
        The distance threshold :math:`\varepsilon` in (0, 1).
    t_mix, log10_t_mix : float
        Worst-start mixing time over ``starts`` (continuous time; ``inf``
        when not representable).
    worst_start : float
        The start (cell centre, units of :math:`\theta`) that mixes slowest.
    t_mix_init, log10_t_mix_init : float or None
        Mixing time from the given initial law (``None`` if none was given).
    t_rel, log10_t_rel : float
        :math:`1/\lambda_1` (continuous time).
    lower_bound, upper_bound : float
        :math:`t_{rel}\ln(1/(2\varepsilon))` and :math:`t_{rel}\ln(1/(\varepsilon\pi_{\min}))`
        (continuous time; the lower bound is 0 for :math:`\varepsilon \ge 1/2`).
    log10_lower_bound, log10_upper_bound : float
        Their :math:`\log_{10}` (``-inf`` for a lower bound of 0).
    starts, log10_t_mix_starts : ndarray
        Every start tried and :math:`\log_{10}` of its mixing time.
    method : str
        How the worst-start time was obtained (formerly ``route``).
    gap_method : str
        How :math:`\lambda_1` was obtained (:attr:`SpectralGap.method`;
        formerly ``gap_route``).
    method_init : str or None
        How the time from the given initial law was obtained (formerly
        ``route_init``).
    horizon, tv_at_horizon : float or None
        The requested horizon and the TV distance left there (from the
        initial law if one was given, else from the worst start).

    Examples
    --------
    Ornstein–Uhlenbeck, :math:`L = \theta^2/2`, :math:`\Sigma = 1`,
    :math:`\eta = 1`: the gap is 1, so :math:`t_{rel} = 1` up to the
    grid's :math:`O(h^2)`, and the mixing time lies in the spectral bracket:

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape, mixing_time
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> mt = mixing_time(FokkerPlanck(ou, 1.0, 200))
    >>> bool(abs(mt.t_rel - 1.0) < (16 / 200) ** 2), mt.within_bounds
    (True, True)
    """

    eps: float
    t_mix: float
    log10_t_mix: float
    worst_start: float
    t_mix_init: Optional[float]
    log10_t_mix_init: Optional[float]
    t_rel: float
    log10_t_rel: float
    lower_bound: float
    upper_bound: float
    log10_lower_bound: float
    log10_upper_bound: float
    starts: np.ndarray = field(repr=False)
    log10_t_mix_starts: np.ndarray = field(repr=False)
    method: str = ""
    gap_method: str = ""
    method_init: Optional[str] = None
    horizon: Optional[float] = None
    tv_at_horizon: Optional[float] = None

    route = renamed_attribute("route", "method")
    gap_route = renamed_attribute("gap_route", "gap_method")
    route_init = renamed_attribute("route_init", "method_init")

    @property
    def within_bounds(self) -> bool:
        """Whether the worst-start time lies inside the spectral bracket (up to 1e-6 relative)."""
        return (self.log10_lower_bound - 1e-6 <= self.log10_t_mix <= self.log10_upper_bound + 1e-6)

    def summary(self) -> str:
        """A short report.

        Returns
        -------
        str
            The worst-start time and its method, the time from the initial
            law if given, :math:`t_{rel}` and the spectral bracket.
        """
        lines = [f"TV mixing time (eps = {self.eps:g}), continuous time:",
                 f"  worst start x = {self.worst_start:.6g}: t_mix = {_fmt(self.log10_t_mix)} "
                 f"(log10 {self.log10_t_mix:.8g}) by {self.method}"]
        if self.log10_t_mix_init is not None:
            lines.append(f"  from the given initial law: t_mix = {_fmt(self.log10_t_mix_init)} "
                         f"(log10 {self.log10_t_mix_init:.8g})")
        lines.append(f"  t_rel = {_fmt(self.log10_t_rel)} ({self.gap_method}); spectral bounds "
                     f"[{_fmt(self.log10_lower_bound)}, {_fmt(self.log10_upper_bound)}]")
        return "\n".join(lines)


def _initial_masses(fp, init: InitSpec) -> np.ndarray:
    if init is None:
        raise ValueError("no initial law")
    if isinstance(init, (int, float, np.floating, np.integer)):
        p = fp.point_mass(float(init))
    else:
        p = fp.density_from(init)
    return p * fp.grid.widths


def _candidate_cells(fp, starts) -> np.ndarray:
    n = fp.grid.n
    if isinstance(starts, str):
        if starts == "all":
            return np.arange(n)
        if starts != "candidates":
            raise ValueError(f"`starts` must be 'candidates', 'all' or a sequence of points, got {starts!r}")
        cells = {0, n - 1}
        for cp in fp.landscape.critical_points():
            if fp.grid.domain[0] <= cp.x <= fp.grid.domain[1]:
                cells.add(fp.grid.cell_of(cp.x))
        return np.array(sorted(cells))
    pts = np.atleast_1d(np.asarray(starts, dtype=float))
    return np.array(sorted({fp.grid.cell_of(fp.landscape.contains(x, "starts")) for x in pts}))


def mixing_time(fp, eps: float = 0.25, init: InitSpec = None, starts: Union[str, Sequence[float]] = "candidates",
                horizon: Optional[float] = None) -> "MixingTime":
    r"""Total-variation mixing time of the discrete Fokker–Planck dynamics.

    Parameters
    ----------
    fp : FokkerPlanck
        With two reflecting ends.
    eps : float
        Distance threshold in (0, 1); 1/4 is the customary choice.
    init : float, ndarray or callable, optional
        An initial law: a point (point mass in its cell), or a density at
        the cell centres (array or callable).  Its own mixing time is
        reported beside the worst-start one.
    starts : "candidates", "all" or sequence of float
        Starts for the worst case: the domain ends plus every critical
        point (default), every cell (``"all"``; cost ``N`` evolutions), or
        given points.
    horizon : float, optional
        A continuous time :math:`t_h \ge 0` at which to report the distance
        left (:attr:`MixingTime.tv_at_horizon`), from ``init`` when given,
        else from the worst start; this is what N1 compares with
        :math:`\varepsilon` at :math:`t_h = \eta T`.

    Returns
    -------
    MixingTime
        Worst-start and initial-law times with the spectral bracket.

    Raises
    ------
    ValueError
        For ``eps`` outside (0, 1), a negative or non-finite ``horizon``, an
        absorbing end, unknown ``starts``, or a second rate below float64
        bisection range.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0))
    >>> mt = mixing_time(FokkerPlanck(ou, 1.0, 200))
    >>> mt.within_bounds
    True
    """
    eps = probability(eps, "eps")
    if horizon is not None:
        horizon = float(horizon)
        if not (math.isfinite(horizon) and horizon >= 0):
            raise ValueError(f"`horizon` must be a finite time >= 0, got {horizon!r}")
    if fp.boundary != ("reflecting", "reflecting"):
        raise ValueError(f"mixing times need two reflecting ends (a stationary law), got boundary {fp.boundary!r}")
    gap, log_lam1, lam2 = _slow_rates(fp)
    logpi = np.asarray(fp.discretization.log_stationary_mass)
    pi = np.exp(logpi)
    cells = _candidate_cells(fp, starts)
    profiles, logs = [], []
    for c in cells:
        m0 = np.zeros(fp.grid.n)
        m0[c] = 1.0
        prof = _profile(fp, m0, eps, log_lam1, lam2, pi, horizon)
        profiles.append(prof)
        logs.append(prof.log10_tmix)
    logs = np.array(logs)
    worst = int(np.argmax(logs))
    init_prof = None
    log10_init = None
    if init is not None:
        init_prof = _profile(fp, _initial_masses(fp, init), eps, log_lam1, lam2, pi, horizon)
        log10_init = init_prof.log10_tmix
    log10_trel = -gap.log10
    lower = log10_trel + math.log10(math.log(1.0 / (2.0 * eps))) if eps < 0.5 else -math.inf
    upper = log10_trel + math.log10(math.log(1.0 / eps) - float(np.min(logpi)))
    result = MixingTime(eps=eps, t_mix=_to_float(float(logs[worst])), log10_t_mix=float(logs[worst]),
                        worst_start=float(fp.grid.centres[cells[worst]]),
                        t_mix_init=None if log10_init is None else _to_float(log10_init),
                        log10_t_mix_init=log10_init, t_rel=_to_float(log10_trel), log10_t_rel=log10_trel,
                        lower_bound=_to_float(lower) if math.isfinite(lower) else 0.0,
                        upper_bound=_to_float(upper), log10_lower_bound=lower, log10_upper_bound=upper,
                        starts=fp.grid.centres[cells].copy(), log10_t_mix_starts=logs,
                        method=profiles[worst].method, gap_method=gap.method,
                        method_init=None if init_prof is None else init_prof.method,
                        horizon=horizon,
                        tv_at_horizon=None if horizon is None else _tv_at(
                            fp, init_prof if init_prof is not None else profiles[worst], horizon, pi))
    return result
