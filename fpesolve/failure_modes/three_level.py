r"""Remark 4.3 of the failure-modes paper: the three-level classification, against exact basin probabilities.

The remark organises conditions for SGD to find good solutions in three levels:

1. **necessary**: the global minimum of :math:`V_{\mathrm{eff}}` lies in the
   set of good solutions;
2. **sufficient**: it is unique in the good set "with spectral gap
   :math:`\Delta > 0`" and :math:`\tau \ll \Delta`; then
   :math:`P(\text{good}) \ge 1 - (K-1)\,e^{-2\Delta/\tau}`;
3. **approximately sufficient**: every minimum of :math:`V_{\mathrm{eff}}`
   within :math:`\delta` of the global one is approximately good
   (gap :math:`\le \varepsilon + \varepsilon'`); then
   :math:`P(\mathrm{Gap} \le \varepsilon+\varepsilon') \ge 1 - \gamma`,
   :math:`\gamma \sim K e^{-2\delta/\tau}`.

Readings chosen here (the remark defines neither :math:`\Delta` nor the
minima of :math:`V_{\mathrm{eff}}` precisely):

* :math:`K` is the number of minima of ``L``; the minimum of
  :math:`V_{\mathrm{eff}} = -(\tau/2)\ln p` in basin ``k`` (between the
  saddles of ``L``) stands for minimum ``k``; :math:`V_{\mathrm{eff}}` is
  normalised (:func:`~fpesolve.effective_potential`), so differences are exact.
* :math:`\Delta` is the depth difference
  :math:`\min_{k \ne k^*} V_{\mathrm{eff}}(\theta_k) - V_{\mathrm{eff}}(\theta_{k^*})`
  between the global minimum and the next: an energy gap, since the bound's
  :math:`e^{-2\Delta/\tau}` is the ratio of the densities at the two minima.
  (The spectral gap of the Fokker–Planck operator is a relaxation rate,
  :math:`\sim e^{-2\Delta U/\tau}` with a *barrier* :math:`\Delta U`; it
  cannot appear in a bound on a stationary probability.)
* :math:`\delta` in level 3 is the largest value for which the premise holds:
  the depth of the lowest minimum whose gap exceeds the tolerance.

The bounds are then compared with the exact probabilities
:math:`P(\text{good}) = \sum_{k\ \mathrm{good}} \pi_k`.  They drop the
prefactors of the Laplace approximation: the density *ratio* at the minima is
:math:`e^{-2\Delta/\tau}`, but the basin *mass* ratio is
:math:`e^{-2\Delta/\tau}\sqrt{V''_{\mathrm{eff}}(\theta_{k^*})/V''_{\mathrm{eff}}(\theta_k)}`,
so level 2 fails whenever a bad minimum is wider in :math:`V_{\mathrm{eff}}`
(larger :math:`\Sigma/H`) than the good one and :math:`\Delta/\tau` is moderate
— as on the healthy construction at :math:`\eta = 0.1`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from scipy import optimize
from scipy.special import logsumexp

from .._util.result import Result
from .._util.validation import as_1d_float_array, finite_float, positive_float
from ..core.landscape import Landscape
from ..core.passage import basin_probabilities
from ..core.stationary import drift_integral, log_normalizer
from ._minima import _fmt, _labels, _minima_and_basins
from ._sigma import require_positive_sigma

__all__ = ["ThreeLevelResult", "three_level_bounds"]

_N_SCAN = 801          # points per basin on which the minimum of V_eff is sought before Brent refines it
#: V_eff minima closer than this (relative to max(1, |V_eff|)) are a tie: the global minimum is not unique
TIE_RTOL = 1e-9


@dataclass(frozen=True, repr=False)
class ThreeLevelResult(Result):
    r"""Remark 4.3's three levels on one landscape at one :math:`\tau = \eta` (module docstring).

    Attributes
    ----------
    eta : float
        The learning rate, :math:`\tau = \eta`.
    labels : tuple of str
        The minima, left to right (well labels or ``min<k>``).
    good : tuple of bool
        The good set (given, or gap at most ``gap_tolerance``).
    generalization_gaps : tuple of float or None
        One gap per minimum, in units of ``L`` (``None`` when the good set was given by ``good``).
    x_veff, veff : tuple of float
        Position and value of the minimum of :math:`V_{\mathrm{eff}}` in each basin.
    probabilities, log_probabilities : tuple of float
        Exact basin probabilities of the stationary law.
    global_label : str
        The basin of the global minimum of :math:`V_{\mathrm{eff}}` (the first of a tie).
    level1 : bool
        The global minimum (every one of a tie) lies in the good set.
    delta : float or None
        :math:`\Delta` (level 2), when the global minimum is good and unique in the good set.
    p_good : float
        Exact :math:`P(\text{good})`.
    bound2 : float or None
        :math:`1 - (K-1)e^{-2\Delta/\tau}`.
    level2 : bool or None
        Whether the exact :math:`P(\text{good})` is at least ``bound2`` (``None`` where level 2's premise fails).
    log10_p_bad, log10_excess2 : float or None
        :math:`\log_{10}P(\text{bad})` (exact) and :math:`\log_{10}((K-1)e^{-2\Delta/\tau})`:
        level 2 holds when the first is at most the second.
    tightness2 : float or None
        The deficit ratio :math:`P(\text{bad})/((K-1)e^{-2\Delta/\tau})`: at most 1 where the
        bound holds (both sides compared in log space, so that it is exact where
        :math:`P(\text{bad})` underflows).
    gap_tolerance : float or None
        :math:`\varepsilon + \varepsilon'` of level 3.
    delta3 : float or None
        :math:`\delta` (level 3).
    p_approx_good : float or None
        Exact :math:`P(\mathrm{Gap} \le \varepsilon+\varepsilon')`.
    bound3 : float or None
        :math:`1 - K e^{-2\delta/\tau}`.
    level3 : bool or None
        Whether the exact :math:`P(\mathrm{Gap} \le \varepsilon+\varepsilon')`
        is at least ``bound3`` (``None`` where level 3's premise fails).
    note : str
        Why a bound fails or a premise is not met (e.g. :math:`\tau/\Delta`
        not small).

    Examples
    --------
    The healthy construction at :math:`\eta = 0.1`: the global minimum of
    :math:`V_{\mathrm{eff}}` is in the good well A (level 1), but with
    :math:`\tau/\Delta \approx 0.39` the bound :math:`P(\text{bad}) \le
    e^{-2\Delta/\tau} \approx 10^{-2.23}` is beaten by the exact
    :math:`10^{-1.90}` (level 2 fails by a factor 2.1):

    >>> from fpesolve.failure_modes import construction, three_level_bounds
    >>> r = three_level_bounds(construction("healthy"), 0.1)
    >>> r.global_label, r.level1, r.level2, round(r.delta, 4)
    ('A', True, False, 0.2568)
    >>> round(r.log10_excess2, 3), round(r.log10_p_bad, 3), round(r.tightness2, 2)
    (-2.23, -1.904, 2.12)
    """

    eta: float
    labels: Tuple[str, ...]
    good: Tuple[bool, ...]
    generalization_gaps: Optional[Tuple[float, ...]]
    x_veff: Tuple[float, ...]
    veff: Tuple[float, ...]
    probabilities: Tuple[float, ...]
    log_probabilities: Tuple[float, ...]
    global_label: str
    level1: bool
    delta: Optional[float]
    p_good: float
    bound2: Optional[float]
    level2: Optional[bool]
    log10_p_bad: Optional[float]
    log10_excess2: Optional[float]
    tightness2: Optional[float]
    gap_tolerance: Optional[float]
    delta3: Optional[float]
    p_approx_good: Optional[float]
    bound3: Optional[float]
    level3: Optional[bool]
    note: str

    @property
    def status(self) -> str:
        """The level-2 verdict: ``"holds"``, ``"violated"`` or ``"not applicable"``."""
        return {True: "holds", False: "violated", None: "not applicable"}[self.level2]

    def table(self):
        """One row per minimum: good?, gap, V_eff minimum, exact probability.

        Returns
        -------
        headers : tuple of str
            ``("minimum", "set", "gap", "x (V_eff min)", "V_eff", "P exact")``.
        rows : list of tuple
            One per minimum: the label, ``"good"`` or ``"bad"``, the gap as a
            text (``"-"`` when unknown), the position and value of the minimum
            of :math:`V_{\\mathrm{eff}}` in the basin, the exact basin
            probability.
        """
        rows = [(lab, "good" if g else "bad", _fmt(None if self.generalization_gaps is None else
                                                   self.generalization_gaps[k]), self.x_veff[k], self.veff[k],
                 self.probabilities[k]) for k, (lab, g) in enumerate(zip(self.labels, self.good))]
        return ("minimum", "set", "gap", "x (V_eff min)", "V_eff", "P exact"), rows

    def summary(self) -> str:
        """The three levels: premise, bound, exact value, verdict.

        Returns
        -------
        str
            Level 1 (where the global :math:`V_{\\mathrm{eff}}` minimum is),
            the :meth:`table`, level 2 (:math:`\\Delta`, the bound on
            :math:`\\log_{10}P(\\text{bad})` beside the exact value), level 3,
            and the note.
        """
        def v(flag):
            return {True: "holds", False: "FAILS", None: "premise not met"}[flag]

        lines = [f"Remark 4.3 at tau = eta = {self.eta:g}: global V_eff minimum in {self.global_label}: "
                 f"level 1 {'holds' if self.level1 else 'FAILS'}"]
        head, rows = self.table()
        lines.append("  " + " ".join(f"{h:>14s}" for h in head))
        for r in rows:
            lines.append(f"  {r[0]:>14s} {r[1]:>14s} {r[2]:>14s} {r[3]:>+14.6g} {r[4]:>14.6g} {r[5]:>14.6g}")
        if self.delta is not None:
            lines.append(f"  level 2: Delta = {self.delta:.6g} (tau/Delta = {self.eta / self.delta:.3g}); bound "
                         f"P(bad) <= 10^{self.log10_excess2:.6g}, exact 10^{self.log10_p_bad:.6g}: "
                         f"{v(self.level2)} (deficit ratio {_fmt(self.tightness2, '.4g')})")
        else:
            lines.append(f"  level 2: premise not met; exact P(good) = {self.p_good:.6g}")
        if self.delta3 is not None:
            lines.append(f"  level 3 (gap <= {self.gap_tolerance:g}): delta = {self.delta3:.6g}; bound "
                         f"{self.bound3:.6g}, exact {self.p_approx_good:.6g}: {v(self.level3)}")
        if self.note:
            lines.append("  note: " + self.note)
        return "\n".join(lines)


def _veff_minimum(landscape: Landscape, eta: float, lo: float, hi: float, shift: float) -> Tuple[float, float]:
    r"""(x, V_eff) at the minimum of V_eff on (lo, hi): a scan, then bounded Brent on the best bracket.

    :math:`V_{\mathrm{eff}} = \int_{\theta_0}^\theta L'/\Sigma + (\tau/2)\ln\Sigma + ` ``shift``
    (``shift`` = :math:`(\tau/2)\ln Z`, so that :math:`e^{-2V_{\mathrm{eff}}/\tau}` is the normalised density).
    """
    def veff(t):
        t = np.asarray(t, dtype=float)
        return drift_integral(landscape, t) + 0.5 * eta * np.log(landscape.checked_sigma(t)) + shift

    inset = 1e-9 * (hi - lo)
    xs = np.linspace(lo + inset, hi - inset, _N_SCAN)
    v = veff(xs)
    k = int(np.argmin(v))
    a, b = xs[max(k - 1, 0)], xs[min(k + 1, xs.size - 1)]
    res = optimize.minimize_scalar(lambda t: float(veff(np.array([t]))[0]), bounds=(a, b), method="bounded",
                                   options={"xatol": 1e-12 * max(1.0, abs(xs[k]))})
    return (float(res.x), float(res.fun)) if res.fun <= v[k] else (float(xs[k]), float(v[k]))


def three_level_bounds(landscape: Landscape, eta: float, *, good: Optional[Sequence[Union[str, int]]] = None,
                       generalization_gaps: Optional[Union[Sequence[float], Mapping[str, float]]] = None,
                       gap_tolerance: Optional[float] = None) -> ThreeLevelResult:
    r"""Evaluate Remark 4.3's three levels against the exact basin probabilities (module docstring).

    Parameters
    ----------
    landscape : Landscape
        With :math:`\Sigma > 0` on the domain.
    eta : float
        Learning rate (:math:`\tau = \eta`).
    good : sequence of str or int, optional
        The good minima, by label or index (left to right).  Default: the
        minima whose generalisation gap is at most ``gap_tolerance``.
    generalization_gaps : sequence of float or mapping, optional
        One gap per minimum (or label to gap); default the construction's own.
    gap_tolerance : float, optional
        :math:`\varepsilon + \varepsilon'`; default the smallest gap (the good
        set is then the best minima).

    Returns
    -------
    ThreeLevelResult

    Raises
    ------
    ValueError
        Fewer than two minima, neither ``good`` nor gaps, unknown labels, a gap
        array of the wrong length.
    IllPosedError
        When :math:`\Sigma` vanishes inside the domain.

    Examples
    --------
    >>> from fpesolve.failure_modes.constructions import construction
    >>> r = three_level_bounds(construction("healthy"), 0.1)
    >>> r.level1, r.level2                    # necessary holds, the "sufficient" bound does not
    (True, False)
    """
    from .base import Construction

    eta = positive_float(eta, "eta", "eta is the SGD learning rate (tau = eta)")
    minima, bounds = _minima_and_basins(landscape)
    K = len(minima)
    if K < 2:
        raise ValueError(f"Remark 4.3 compares minima; {landscape.name!r} has {K}")
    require_positive_sigma(landscape, "Remark 4.3 (the stationary law's basin probabilities)")
    labels = _labels(landscape, minima)
    if generalization_gaps is None and isinstance(landscape, Construction) and landscape.generalization_gaps:
        generalization_gaps = landscape.generalization_gaps
    gaps: Optional[Tuple[float, ...]] = None
    if generalization_gaps is not None:
        if isinstance(generalization_gaps, Mapping):
            missing = [lab for lab in labels if lab not in generalization_gaps]
            if missing:
                raise ValueError(f"`generalization_gaps` has no entry for {missing}; the minima are {list(labels)}")
            gaps = tuple(float(generalization_gaps[lab]) for lab in labels)
        else:
            arr = as_1d_float_array(generalization_gaps, "generalization_gaps")
            if arr.size != K:
                raise ValueError(f"`generalization_gaps` has {arr.size} entries but the landscape has {K} minima")
            gaps = tuple(float(v) for v in arr)
    tol = None
    if gaps is not None:
        tol = min(gaps) if gap_tolerance is None else finite_float(gap_tolerance, "gap_tolerance")
    if good is not None:
        chosen = set()
        for item in good:
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool) and 0 <= int(item) < K:
                chosen.add(int(item))
            elif str(item) in labels:
                chosen.add(labels.index(str(item)))
            else:
                raise ValueError(f"`good` entry {item!r} is neither a label among {list(labels)} nor an index < {K}")
        is_good = tuple(k in chosen for k in range(K))
    elif gaps is not None:
        is_good = tuple(g <= tol for g in gaps)
    else:
        raise ValueError("give the good minima (`good`) or `generalization_gaps` (with `gap_tolerance`)")

    shift = 0.5 * eta * log_normalizer(landscape, eta)
    vmins = [_veff_minimum(landscape, eta, lo, hi, shift) for lo, hi in zip(bounds[:-1], bounds[1:])]
    veff = np.array([v for _, v in vmins])
    log_p = basin_probabilities(landscape, eta, log=True)
    log_p = log_p - logsumexp(log_p)
    p = np.exp(log_p)
    k_star = int(np.argmin(veff))
    tied = [k for k in range(K) if veff[k] - veff[k_star] <= TIE_RTOL * max(1.0, abs(veff[k_star]))]
    level1 = all(is_good[k] for k in tied)
    p_good = float(np.sum(p[list(is_good)]))
    others = [k for k in range(K) if k != k_star]
    delta = bound2 = tight2 = log10_bad = log10_excess = None
    level2 = None
    notes = []
    if len(tied) > 1:
        notes.append(f"the global minimum of V_eff is not unique ({', '.join(labels[k] for k in tied)} tie)")
    if level1 and len(tied) == 1 and sum(is_good) == 1:
        delta = float(min(veff[k] for k in others) - veff[k_star])
        log_excess = math.log(K - 1) - 2.0 * delta / eta          # compared in log space: P(bad) can be 1e-3000
        bound2 = -math.expm1(log_excess) if log_excess < 0 else 1.0 - math.exp(log_excess)
        log_bad = float(logsumexp(log_p[[k for k in range(K) if not is_good[k]]]))
        level2 = bool(log_bad <= log_excess)
        tight2 = math.exp(log_bad - log_excess)
        log10_bad, log10_excess = log_bad / math.log(10.0), log_excess / math.log(10.0)
        if eta >= 0.2 * delta:
            notes.append(f"tau/Delta = {eta / delta:.3g} is not small (the remark assumes tau << Delta)")
    elif level1:
        notes.append("the good set has more than one minimum: level 2 asks for a unique one")
    delta3 = bound3 = p_approx = None
    level3 = None
    if gaps is not None:
        approx = [g <= tol for g in gaps]
        p_approx = float(np.sum(p[approx]))
        if all(approx[k] for k in tied):
            bad = [k for k in range(K) if not approx[k]]
            if bad:
                delta3 = float(min(veff[k] for k in bad) - veff[k_star])
                log_gamma = math.log(K) - 2.0 * delta3 / eta
                bound3 = -math.expm1(log_gamma) if log_gamma < 0 else 1.0 - math.exp(log_gamma)
                level3 = bool(float(logsumexp(log_p[bad])) <= log_gamma)
            else:
                delta3, bound3, level3 = math.inf, 1.0, True
    if level2 is False:
        notes.append("the bound drops the Laplace prefactor sqrt(V''_good / V''_bad): a bad minimum that is wider in "
                     "V_eff (larger Sigma/H) carries more mass than exp(-2 Delta/tau)")
    return ThreeLevelResult(eta=eta, labels=labels, good=is_good, generalization_gaps=gaps,
                            x_veff=tuple(x for x, _ in vmins), veff=tuple(float(v) for v in veff),
                            probabilities=tuple(float(v) for v in p), log_probabilities=tuple(float(v) for v in log_p),
                            global_label=labels[k_star], level1=level1, delta=delta, p_good=p_good, bound2=bound2,
                            level2=level2, log10_p_bad=log10_bad, log10_excess2=log10_excess, tightness2=tight2, gap_tolerance=tol, delta3=delta3,
                            p_approx_good=p_approx, bound3=bound3, level3=level3, note="; ".join(notes))
