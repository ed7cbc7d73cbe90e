r"""Condition N2: stability of discrete SGD at a minimum, from its Lyapunov exponent.

Linearised at a minimum :math:`\theta^*`, minibatch SGD multiplies the
deviation by a random factor each step,

.. math:: \delta_{k+1} = \big(1 - \eta\,\bar h_k\big)\,\delta_k, \qquad
          \bar h_k = \frac1B\sum_{b=1}^{B} h_{z_{k,b}},

where :math:`h_i = \ell_i''(\theta^*)` are the per-sample Hessians and the
:math:`z_{k,b}` are drawn i.i.d. (with replacement) with probabilities
:math:`p_i` (uniform by default).  By the law of large numbers
:math:`\frac1k\ln|\delta_k| \to \Lambda` almost surely, with the top Lyapunov
exponent

.. math:: \Lambda(\eta) = \mathbb E \ln|1 - \eta\,\bar h|
          = \sum_{k_1+\dots+k_n = B} \binom{B}{k_1,\dots,k_n}\prod_i p_i^{k_i}\,
            \ln\Big|1 - \frac{\eta}{B}\sum_i k_i h_i\Big| ,

a finite sum over the multisets of size ``B`` (computed exactly here).
:math:`\Lambda < 0`: the linearised iteration contracts almost surely;
:math:`\Lambda > 0`: it diverges almost surely.  The stable set
:math:`\{\eta : \Lambda(\eta) < 0\}` need not be an interval
(:math:`\Lambda \to -\infty` wherever :math:`\eta = 1/\bar h` for an attainable
batch mean), so it is reported as a union of intervals.  The failure-modes
paper's :math:`\eta < 2/\lambda_{\max}` (largest per-sample Hessian) is
sufficient for :math:`\Lambda < 0` when all :math:`h_i > 0`, not necessary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from scipy import optimize
from scipy.special import gammaln

from .._util.result import Result
from .._util.validation import as_1d_float_array, positive_float, positive_int
from ..core.landscape import Landscape
from ._minima import _landscape_batch_size

__all__ = ["batch_hessian_distribution", "lyapunov_exponent", "stable_learning_rates", "StableSet", "check_n2", "N2Minimum", "N2Result"]

_MAX_MULTISETS = 2_000_000


@lru_cache(maxsize=64)
def _compositions(total: int, parts: int) -> np.ndarray:
    """All ``(k_1..k_parts)`` of non-negative integers summing to ``total``, shape (C, parts)."""
    if parts == 1:
        return np.array([[total]], dtype=np.int64)
    blocks = []
    for first in range(total, -1, -1):
        rest = _compositions(total - first, parts - 1)
        blocks.append(np.column_stack((np.full(rest.shape[0], first, dtype=np.int64), rest)))
    out = np.vstack(blocks)
    out.flags.writeable = False
    return out


def batch_hessian_distribution(hessians, batch_size: int = 1,
                               probabilities: Optional[Sequence[float]] = None) -> Tuple[np.ndarray, np.ndarray]:
    r"""The exact law of the minibatch-mean Hessian :math:`\bar h`.

    Equal Hessian values are merged first (their probabilities add), then
    every multiset of size ``B`` over the distinct values is enumerated with
    its multinomial probability.

    Parameters
    ----------
    hessians : array_like, shape (n,)
        Per-sample Hessians.
    batch_size : int
        ``B`` (samples drawn with replacement).
    probabilities : array_like, optional
        Sampling probabilities (default uniform).

    Returns
    -------
    values, weights : ndarray
        Attainable :math:`\bar h` (sorted, distinct) and their probabilities
        (summing to 1 to rounding).

    Raises
    ------
    ValueError
        For no Hessians, probabilities of the wrong length or not summing to 1,
        or too many multisets to enumerate.

    Examples
    --------
    >>> values, weights = batch_hessian_distribution([18.0, 2.0], batch_size=2)
    >>> values.tolist(), weights.tolist()
    ([2.0, 10.0, 18.0], [0.25, 0.5, 0.25])
    """
    h = as_1d_float_array(hessians, "hessians")
    if h.size == 0:
        raise ValueError("`hessians` must contain at least one per-sample Hessian")
    batch_size = positive_int(batch_size, "batch_size")
    if probabilities is None:
        p = np.full(h.size, 1.0 / h.size)
    else:
        p = as_1d_float_array(probabilities, "probabilities")
        if p.size != h.size:
            raise ValueError(f"`probabilities` must have one entry per Hessian ({h.size}), got {p.size}")
        if np.any(p < 0) or not abs(p.sum() - 1.0) <= 1e-12:
            raise ValueError(f"`probabilities` must be non-negative and sum to 1, got sum {p.sum()!r}")
    values, inverse = np.unique(h, return_inverse=True)
    probs = np.bincount(inverse, weights=p, minlength=values.size)
    keep = probs > 0
    values, probs = values[keep], probs[keep]
    count = math.comb(values.size + batch_size - 1, batch_size)
    if count > _MAX_MULTISETS:
        raise ValueError(f"{count} minibatch multisets (n = {values.size} distinct Hessians, B = {batch_size}) are "
                         f"too many to enumerate exactly (limit {_MAX_MULTISETS}); group nearly equal Hessians or "
                         f"use a smaller batch size")
    k = _compositions(batch_size, values.size)
    logw = gammaln(batch_size + 1) - gammaln(k + 1).sum(axis=1) + (k * np.log(probs)[None, :]).sum(axis=1)
    means = (k @ values) / batch_size
    uniq, inv = np.unique(means, return_inverse=True)
    weights = np.bincount(inv, weights=np.exp(logw), minlength=uniq.size)
    return uniq, weights


def _lyapunov(values: np.ndarray, weights: np.ndarray, eta: np.ndarray) -> np.ndarray:
    factors = np.abs(1.0 - eta[:, None] * values[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(factors)
        terms = np.where(weights[None, :] > 0, weights[None, :] * logs, 0.0)
    return np.sum(terms, axis=1)


def lyapunov_exponent(hessians, eta, batch_size: int = 1, probabilities: Optional[Sequence[float]] = None):
    r"""Exact top Lyapunov exponent :math:`\Lambda = \mathbb E\ln|1-\eta\bar h|` of linearised SGD.

    Parameters
    ----------
    hessians : array_like, shape (n,)
        Per-sample Hessians :math:`h_i = \ell_i''(\theta^*)` at the minimum.
    eta : float or array_like
        Learning rate(s) :math:`\eta > 0`.
    batch_size : int
        Minibatch size ``B`` (samples drawn with replacement).
    probabilities : array_like, optional
        Sampling probabilities :math:`p_i` (default uniform ``1/n``).

    Returns
    -------
    float or ndarray
        :math:`\Lambda` per iteration (natural log); ``-inf`` where
        :math:`1 - \eta\bar h = 0` for an attainable batch mean.

    Raises
    ------
    ValueError
        For a non-positive or non-finite ``eta``, and the errors of
        :func:`batch_hessian_distribution`.

    Examples
    --------
    The failure-modes paper's F2 (Hessians 18 and 2, :math:`\eta = 0.15`):

    >>> import numpy as np
    >>> bool(np.isclose(lyapunov_exponent([18.0, 2.0], 0.15), 0.5 * np.log(1.7 * 0.7)))
    True
    """
    values, weights = batch_hessian_distribution(hessians, batch_size, probabilities)
    etas = np.asarray(eta, dtype=float)
    flat = np.atleast_1d(etas).ravel()
    if np.any(~np.isfinite(flat)) or np.any(flat <= 0):
        bad = flat[~(np.isfinite(flat) & (flat > 0))][0]
        raise ValueError(f"`eta` must be finite and positive, got {bad!r}")
    out = _lyapunov(values, weights, flat)
    return float(out[0]) if etas.ndim == 0 else out.reshape(etas.shape)


@dataclass(frozen=True, repr=False)
class StableSet(Result):
    r"""The learning rates in ``eta_range`` with :math:`\Lambda(\eta) < 0`.

    Attributes
    ----------
    intervals : tuple of (float, float)
        Disjoint open intervals, sorted; their union is the stable set
        within ``eta_range`` (ends of ``eta_range`` appear as interval ends).
    crossings : tuple of float
        Every zero of :math:`\Lambda` found in ``eta_range`` (sign changes,
        solved by Brent's method to ~1e-15 relative).
    singular_points : tuple of float
        The :math:`\eta = 1/\bar h` where :math:`\Lambda = -\infty`.
    eta_range : (float, float)
        The range of learning rates searched.
    batch_size : int
        The minibatch size ``B`` the batch means :math:`\bar h` were formed with.

    Examples
    --------
    F2's per-sample Hessians 18 and 2 (``B = 1``): stable below
    :math:`\eta \approx 0.1308` (beyond the paper's :math:`2/18 \approx 0.111`)
    and again on :math:`(0.4248, 0.5556)`, around :math:`\eta = 1/2`, where
    the factor :math:`|1 - 2\eta|` of the second sample vanishes
    (:math:`\Lambda = -\infty`):

    >>> from fpesolve.failure_modes import stable_learning_rates
    >>> s = stable_learning_rates([18.0, 2.0])
    >>> [round(c, 6) for c in s.crossings], [round(p, 6) for p in s.singular_points]
    ([0.130792, 0.424764, 0.555556], [0.055556, 0.5])
    >>> s.contains(0.12), s.contains(0.15), round(s.largest_stable_eta, 6)
    (True, False, 0.555556)
    """

    intervals: Tuple[Tuple[float, float], ...]
    crossings: Tuple[float, ...]
    singular_points: Tuple[float, ...]
    eta_range: Tuple[float, float]
    batch_size: int

    def contains(self, eta: float) -> bool:
        """Whether ``eta`` lies in one of the stable intervals.

        Parameters
        ----------
        eta : float
            A learning rate.

        Returns
        -------
        bool
            True when ``lo < eta < hi`` for one of :attr:`intervals` (open
            intervals: the crossings themselves, where :math:`\\Lambda = 0`,
            are not stable).
        """
        return any(lo < eta < hi for lo, hi in self.intervals)

    @property
    def largest_stable_eta(self) -> float:
        """Supremum of the stable set within the range (nan if empty)."""
        return self.intervals[-1][1] if self.intervals else math.nan

    def summary(self) -> str:
        """One line: the stable intervals.

        Returns
        -------
        str
            ``"stable learning rates (Lambda < 0, B = ...) in [lo, hi]: (a, b) U ..."``
            (``"empty"`` when no learning rate in the range is stable).
        """
        parts = " U ".join(f"({lo:.12g}, {hi:.12g})" for lo, hi in self.intervals) or "empty"
        return (f"stable learning rates (Lambda < 0, B = {self.batch_size}) in "
                f"[{self.eta_range[0]:g}, {self.eta_range[1]:g}]: {parts}")



def stable_learning_rates(hessians, eta_range: Optional[Tuple[float, float]] = None, batch_size: int = 1,
                          probabilities: Optional[Sequence[float]] = None, n_scan: int = 400) -> StableSet:
    r"""The stable set :math:`\{\eta \in \text{eta\_range} : \Lambda(\eta) < 0\}` as intervals.

    Parameters
    ----------
    hessians, batch_size, probabilities
        As for :func:`lyapunov_exponent`.
    eta_range : (float, float), optional
        Where to look, ``0 <= lo < hi``.  Default ``(0, 1.5 * 2/min h̄)`` with
        ``min h̄`` the smallest positive attainable batch mean: beyond
        ``2/min h̄`` every factor has :math:`|1-\eta\bar h| > 1`, so nothing
        there is stable.
    n_scan : int
        Scan points per smooth piece (between consecutive singular points),
        uniform plus geometrically graded toward each singular end.

    Returns
    -------
    StableSet

    Notes
    -----
    :math:`\Lambda` is analytic between the singular points
    :math:`\eta = 1/\bar h` and tends to :math:`-\infty` at them.  Each piece
    is scanned; every sign change is refined with ``brentq`` (``xtol`` 1e-15
    relative), so crossings are exact to ~1e-15.  A zero where
    :math:`\Lambda` touches 0 without changing sign is not reported.

    Raises
    ------
    ValueError
        For a bad ``eta_range`` or ``n_scan``, and the errors of :func:`batch_hessian_distribution`.

    Examples
    --------
    >>> [(round(a, 6), round(b, 6)) for a, b in stable_learning_rates([18.0, 2.0]).intervals]
    [(0.0, 0.130792), (0.424764, 0.555556)]
    """
    values, weights = batch_hessian_distribution(hessians, batch_size, probabilities)
    n_scan = positive_int(n_scan, "n_scan", minimum=10)
    positive = values[values > 0]
    if eta_range is None:
        hi = 3.0 / positive.min() if positive.size else 1.0
        eta_range = (0.0, hi)
    lo, hi = (float(v) for v in eta_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and 0.0 <= lo < hi):
        raise ValueError(f"`eta_range` must satisfy 0 <= lo < hi (finite), got {eta_range!r}")
    singular = np.sort(1.0 / positive)
    singular = singular[(singular > lo) & (singular < hi)]
    breaks = np.concatenate(([lo], singular, [hi]))

    def lam(e):
        return float(_lyapunov(values, weights, np.array([e]))[0])

    crossings = []
    negative_pieces = []   # (start, end) with Lambda < 0 inside
    grade = np.geomspace(1e-14, 0.25, 40)
    for k in range(breaks.size - 1):
        a, b = breaks[k], breaks[k + 1]
        width = b - a
        pts = np.concatenate((a + width * np.linspace(0.0, 1.0, n_scan), a + width * grade, b - width * grade))
        pts = np.unique(pts[(pts > a) & (pts < b)])
        f = _lyapunov(values, weights, pts)
        sign = np.sign(f)
        # zeros inside this piece
        roots = []
        for i in range(pts.size - 1):
            if sign[i] == 0.0:
                roots.append(pts[i])
            elif sign[i + 1] != 0.0 and sign[i] != sign[i + 1]:
                root = optimize.brentq(lam, pts[i], pts[i + 1], xtol=1e-15 * max(1.0, pts[i]),
                                       rtol=4 * np.finfo(float).eps, maxiter=200)
                roots.append(root)
        if sign[-1] == 0.0:
            roots.append(pts[-1])
        crossings.extend(r for r in roots if r > 0)
        cuts = [a] + roots + [b]
        for j in range(len(cuts) - 1):
            mid = 0.5 * (cuts[j] + cuts[j + 1])
            if mid > 0 and lam(mid) < 0:
                negative_pieces.append((cuts[j], cuts[j + 1]))
    # merge pieces that meet (at a singular point Lambda = -inf, which is stable)
    intervals = []
    for a, b in negative_pieces:
        if intervals and a <= intervals[-1][1]:
            intervals[-1] = (intervals[-1][0], b)
        else:
            intervals.append((a, b))
    return StableSet(intervals=tuple((float(a), float(b)) for a, b in intervals),
                     crossings=tuple(float(c) for c in sorted(set(crossings))),
                     singular_points=tuple(float(s) for s in singular), eta_range=(lo, hi),
                     batch_size=int(batch_size))


# ---------------------------------------------------------------------------- N2 check
@dataclass(frozen=True, repr=False)
class N2Minimum(Result):
    """N2 at one minimum.

    Attributes
    ----------
    label : str
        Well label (``"A"``, ``"B"`` for constructions) or ``min<k>``.
    x : float or None
        Position of the minimum (None when only Hessians were given).
    hessians : tuple of float
        Per-sample Hessians there.
    lyapunov : float
        :math:`\\Lambda` at the checked :math:`\\eta` (per iteration).
    lambda_max : float
        Largest per-sample Hessian.
    bound : float
        The paper's :math:`2/\\lambda_{\\max}` (inf if :math:`\\lambda_{\\max} \\le 0`).
    stable : bool
        :math:`\\Lambda < 0`.
    bound_holds : bool
        :math:`\\eta < 2/\\lambda_{\\max}`.
    stable_set : StableSet
        All stable learning rates at this minimum (:func:`stable_learning_rates`).

    Examples
    --------
    F2 at the paper's :math:`\\eta = 0.15`: :math:`\\Lambda = \\tfrac12\\ln(1.7
    \\cdot 0.7) \\approx +0.087` per iteration, so SGD diverges from the
    minimum :math:`\\theta = 0` like :math:`e^{0.087 k}`:

    >>> from fpesolve.failure_modes import check_n2, construction
    >>> m = check_n2(construction("f2"), 0.15).minima[0]
    >>> m.label, m.x, m.hessians, round(m.lyapunov, 6), m.stable
    ('A', 0.0, (18.0, 2.0), 0.086977, False)
    >>> round(m.bound, 6), m.bound_holds
    (0.111111, False)
    """

    label: str
    x: Optional[float]
    hessians: Tuple[float, ...]
    lyapunov: float
    lambda_max: float
    bound: float
    stable: bool
    bound_holds: bool
    stable_set: StableSet


@dataclass(frozen=True, repr=False)
class N2Result(Result):
    """Condition N2 (discrete stability) at every minimum.

    ``holds`` is True when :math:`\\Lambda < 0` at every minimum.  The
    paper's sufficient bound :math:`\\eta < 2/\\lambda_{\\max}` is reported beside
    it (``bound_holds``) and may disagree in the safe direction.

    Attributes
    ----------
    eta : float
        The learning rate checked.
    batch_size : int
        The minibatch size ``B``.
    minima : tuple of N2Minimum
        The check at each minimum (left to right), or at each array of
        Hessians given.

    Examples
    --------
    :math:`\\eta = 0.12` is above the paper's bound :math:`2/18` yet stable,
    :math:`\\Lambda = \\tfrac12\\ln(1.16 \\cdot 0.76) \\approx -0.063`:

    >>> from fpesolve.failure_modes import check_n2
    >>> r = check_n2([18.0, 2.0], 0.12)
    >>> r.holds, r.bound_holds, r.status
    (True, False, 'holds')
    >>> [round(v, 6) for v in r.lyapunov]
    [-0.063008]
    """

    eta: float
    batch_size: int
    minima: Tuple[N2Minimum, ...]

    @property
    def holds(self) -> bool:
        """N2 verdict: :math:`\\Lambda < 0` at every minimum."""
        return all(m.stable for m in self.minima)

    @property
    def bound_holds(self) -> bool:
        """The paper's sufficient bound :math:`\\eta < 2/\\lambda_{\\max}` at every minimum."""
        return all(m.bound_holds for m in self.minima)

    @property
    def lyapunov(self) -> Tuple[float, ...]:
        """:math:`\\Lambda` at each minimum."""
        return tuple(m.lyapunov for m in self.minima)

    def summary(self) -> str:
        """A table: Lambda, lambda_max, the bound and the stable intervals per minimum.

        Returns
        -------
        str
            The verdict, then one line per minimum (label, ``x``,
            :math:`\\Lambda`, :math:`\\lambda_{\\max}`, :math:`2/\\lambda_{\\max}`,
            stable, bound, the stable learning rates), and a note where the
            bound and the exact exponent disagree.
        """
        lines = [f"N2 discrete stability at eta = {self.eta:g}, B = {self.batch_size}: "
                 f"{'HOLDS' if self.holds else 'VIOLATED'} (Lambda < 0 at every minimum)"]
        lines.append(f"  {'minimum':>10s} {'x':>12s} {'Lambda':>13s} {'lambda_max':>11s} {'2/lambda_max':>13s}"
                     f" {'stable':>7s} {'bound':>6s}  stable learning rates")
        for m in self.minima:
            x = f"{m.x:+.6g}" if m.x is not None else "-"
            ranges = " U ".join(f"({a:.6g}, {b:.6g})" for a, b in m.stable_set.intervals) or "none"
            lines.append(f"  {m.label:>10s} {x:>12s} {m.lyapunov:>+13.6g} {m.lambda_max:>11.6g} {m.bound:>13.6g}"
                         f" {str(m.stable):>7s} {str(m.bound_holds):>6s}  {ranges}")
        if self.holds != self.bound_holds:
            lines.append("  note: the paper's bound eta < 2/lambda_max disagrees with the exact Lyapunov exponent "
                         "(the bound is sufficient, not necessary)")
        return "\n".join(lines)

    @property
    def status(self) -> str:
        """``"holds"`` or ``"violated"``."""
        return "holds" if self.holds else "violated"


def check_n2(landscape_or_hessians: Union[Landscape, Sequence[float], Sequence[Sequence[float]]], eta: float,
             batch_size: Optional[int] = None, probabilities: Optional[Sequence[float]] = None) -> N2Result:
    r"""Check N2 (:math:`\Lambda < 0`) at every minimum, beside the bound :math:`\eta < 2/\lambda_{\max}`.

    Parameters
    ----------
    landscape_or_hessians : Landscape, array_like (n,), or sequence of arrays
        A landscape whose ``samples`` carry per-sample Hessians (each minimum
        of ``L`` is checked), the per-sample Hessians at one minimum, or one
        array of them per minimum.
    eta : float
        Learning rate, > 0.
    batch_size : int, optional
        ``B``; default the construction's own batch size, else 1.
    probabilities : array_like, optional
        Sample probabilities (default uniform).

    Returns
    -------
    N2Result

    Raises
    ------
    ValueError
        For ``eta <= 0``, a landscape without per-sample Hessians or minima,
        or ``batch_size`` above the number of samples.

    Examples
    --------
    >>> check_n2([18.0, 2.0], 0.12).holds          # stable although eta > 2/18
    True
    """
    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    entries = []   # (label, x, hessians)
    if isinstance(landscape_or_hessians, Landscape):
        land = landscape_or_hessians
        samples = land.samples
        if samples is None or samples.hessians is None:
            raise ValueError(f"`landscape_or_hessians`: landscape {land.name!r} has no per-sample `hessians`; build it "
                             f"with Landscape.from_samples(..., hessians=...) or pass the Hessians at each minimum")
        batch_size = _landscape_batch_size(land, batch_size, "N2 (the Lyapunov exponent of minibatch SGD)")
        wells = land.wells
        minima = land.minima()
        if not minima:
            raise ValueError(f"landscape {land.name!r} has no minimum inside its domain")
        for k, cp in enumerate(minima):
            label = next((name for name, xw in wells.items() if abs(xw - cp.x) <= 1e-8 * max(1.0, abs(xw))),
                         f"min{k}")
            hs = samples.evaluate("hessians", np.array([cp.x]))[:, 0]
            entries.append((label, cp.x, hs))
    else:
        arr = landscape_or_hessians
        if np.ndim(arr) == 1 or np.ndim(arr) == 0:
            entries.append(("min0", None, as_1d_float_array(arr, "hessians")))
        else:
            for k, hs in enumerate(arr):
                entries.append((f"min{k}", None, as_1d_float_array(hs, "hessians")))
    batch_size = positive_int(1 if batch_size is None else batch_size, "batch_size")
    results = []
    for label, x, hs in entries:
        if hs.size == 0:
            raise ValueError(f"`hessians` at {label} is empty: give the per-sample Hessians h_1..h_n at each minimum")
        if probabilities is None and batch_size > hs.size:
            raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {hs.size}")
        lam = lyapunov_exponent(hs, eta, batch_size, probabilities)
        lmax = float(hs.max())
        bound = 2.0 / lmax if lmax > 0 else math.inf
        sset = stable_learning_rates(hs, None, batch_size, probabilities)
        results.append(N2Minimum(label=label, x=None if x is None else float(x), hessians=tuple(float(v) for v in hs),
                                 lyapunov=float(lam), lambda_max=lmax, bound=bound, stable=bool(lam < 0),
                                 bound_holds=bool(eta < bound), stable_set=sset))
    return N2Result(eta=eta, batch_size=batch_size, minima=tuple(results))
