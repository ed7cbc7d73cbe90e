r"""Necessary conditions N3 and N4, the reparameterisation check, and the N1–N4 diagnosis.

The failure-modes paper (Theorem 4.1) names four necessary conditions for
SGD's implicit regularisation to pick good minima:

* **N1 mixing** — :math:`\eta T \gg t_{mix}` (:func:`fpesolve.mixing.check_n1`);
* **N2 stability** — the top Lyapunov exponent of linearised SGD is negative
  at the minima (:func:`fpesolve.lyapunov.check_n2`);
* **N3 selection power** — the noise-to-curvature ratios
  :math:`\Sigma(\theta_k)/H(\theta_k)` differ across the minima
  (:func:`check_n3`);
* **N4 alignment** — :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) > 0` across
  the minima (:func:`check_n4`).

:func:`diagnose` runs all four and returns a :class:`Diagnosis` with a
table (:meth:`Diagnosis.summary`) and a JSON-ready dict
(:meth:`Diagnosis.to_dict`).  A condition that cannot be evaluated on a
landscape (N3 and N4 with a single minimum, N2 without per-sample Hessians,
N1 where :math:`\Sigma` vanishes) is reported as ``"not applicable"`` with
the reason, never as a pass.

Exact and approximate quantities
--------------------------------
The stationary law is :math:`p \propto \Sigma^{-1}\exp(-(2/\tau)\Phi)`,
:math:`\Phi = \int L'/\Sigma` (:mod:`fpesolve.stationary`, :math:`\tau = \eta`).
:func:`check_n3` reports the exact basin probabilities (quadrature of
:math:`p` between the saddles) beside the Laplace approximation

.. math:: \pi_k \approx \frac{w_k}{\sum_j w_j}, \qquad
          w_k = \sqrt{\frac{\pi\tau}{\Sigma_k H_k}}\;e^{-2\Phi(\theta_k)/\tau},

which keeps the exact exponent :math:`\Phi(\theta_k)` and replaces each well
by a Gaussian of variance :math:`\tau\Sigma_k/(2H_k)`.  The paper's reading
of F3 drops the exponent difference as well; when :math:`\Sigma` varies along
the path between the wells that difference does not vanish even with equal
:math:`\Sigma/H`, and the exact law can select strongly although N3 fails —
:class:`N3Result` then says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
from scipy import optimize
from scipy.special import logsumexp

from ._validation import as_1d_float_array, positive_float, positive_int, probability
from .landscape import CriticalPoint, Landscape
from .stationary import drift_integral

__all__ = ["N3Minimum", "N3Result", "check_n3", "N4Minimum", "N4Result", "check_n4", "leave_one_out_gaps",
           "ReparameterizedMinimum", "ReparameterizationCheck", "check_reparameterization", "Diagnosis",
           "ConditionStatus", "diagnose", "GAP_METHODS"]

GAP_METHODS = ("given", "test-loss", "leave-one-out", "proxy")


# ---------------------------------------------------------------------------------------------- helpers
def _minima_and_basins(landscape: Landscape) -> Tuple[Tuple[CriticalPoint, ...], np.ndarray]:
    """The minima of ``L`` and the basin boundaries (domain ends and the highest saddle between neighbours)."""
    from .passage import _basin_structure

    minima, bounds, _ = _basin_structure(landscape)
    if not minima:
        raise ValueError(f"landscape {landscape.name!r} has no minimum inside its domain {landscape.domain}; "
                         f"widen the domain so that it contains the minima")
    return minima, bounds


def _labels(landscape: Landscape, minima: Sequence[CriticalPoint]) -> Tuple[str, ...]:
    """Well labels of a construction (``"A"``, ``"B"``) where they match, else ``min0, min1, ...``."""
    wells = getattr(landscape, "wells", None) or {}
    labels = []
    for k, cp in enumerate(minima):
        match = [name for name, xw in wells.items() if abs(xw - cp.x) <= 1e-7 * max(1.0, abs(xw))]
        labels.append(match[0] if match else f"min{k}")
    return tuple(labels)


def _fmt(value: Optional[float], spec: str = ".6g") -> str:
    return "-" if value is None else format(value, spec)


def _finite_or_none(value: Optional[float]) -> Optional[float]:
    return None if value is None or not math.isfinite(value) else float(value)


# ---------------------------------------------------------------------------------------------- N3
@dataclass(frozen=True)
class N3Minimum:
    r"""One minimum in the N3 check.

    Attributes
    ----------
    label : str
        Well label (``"A"``, ``"B"`` for constructions) or ``min<k>``.
    x, loss, H, Sigma : float
        Position, :math:`L`, :math:`L''` and :math:`\Sigma` (per step) at the minimum.
    ratio : float
        :math:`\Sigma/H`.
    probability, log_probability : float
        Exact stationary probability of the basin and its natural log
        (``probability`` underflows to 0 before ``log_probability`` does).
    laplace_probability, log_laplace_probability : float
        The Laplace approximation (module docstring) and its natural log.
    """

    label: str
    x: float
    loss: float
    H: float
    Sigma: float
    ratio: float
    probability: float
    log_probability: float
    laplace_probability: float
    log_laplace_probability: float


@dataclass(frozen=True)
class N3Result:
    r"""Condition N3 (selection power): do the ratios :math:`\Sigma/H` differ across the minima?

    Attributes
    ----------
    holds : bool or None
        ``True`` when the largest and smallest :math:`\Sigma/H` differ by more
        than ``rtol`` (relative); ``None`` with a single minimum (nothing to select).
    eta : float
        Learning rate = temperature :math:`\tau` of the stationary law.
    rtol : float
        Relative tolerance of the comparison.
    minima : tuple of N3Minimum
    ratio_spread : float
        :math:`\max(\Sigma/H)/\min(\Sigma/H) - 1`.
    favoured : str
        Label of the basin with the largest exact probability.
    note : str
        Where the exact law and the :math:`\Sigma/H` verdict disagree, or why
        the check does not apply.
    """

    holds: Optional[bool]
    eta: float
    rtol: float
    minima: Tuple[N3Minimum, ...]
    ratio_spread: float
    favoured: str
    note: str

    @property
    def probabilities(self) -> np.ndarray:
        """Exact basin probabilities, in the order of the minima."""
        return np.array([m.probability for m in self.minima])

    def summary(self) -> str:
        """A table of :math:`\\Sigma/H`, the exact and the Laplace basin probabilities, and the verdict."""
        verdict = {True: "HOLDS", False: "VIOLATED", None: "not applicable"}[self.holds]
        lines = [f"N3 selection power at eta = {self.eta:g}: {verdict} (Sigma/H spread {self.ratio_spread:.4g}, "
                 f"rtol {self.rtol:g})",
                 f"  {'minimum':>8s} {'x':>12s} {'L':>10s} {'H':>10s} {'Sigma':>10s} {'Sigma/H':>10s}"
                 f" {'P exact':>12s} {'P Laplace':>12s}"]
        for m in self.minima:
            lines.append(f"  {m.label:>8s} {m.x:>+12.6g} {m.loss:>10.4g} {m.H:>10.4g} {m.Sigma:>10.4g} "
                         f"{m.ratio:>10.4g} {_prob_text(m.probability, m.log_probability):>12s} "
                         f"{_prob_text(m.laplace_probability, m.log_laplace_probability):>12s}")
        if self.note:
            lines.append("  note: " + self.note)
        return "\n".join(lines)

    __str__ = summary

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values."""
        return {"holds": self.holds, "eta": self.eta, "rtol": self.rtol, "ratio_spread": self.ratio_spread,
                "favoured": self.favoured, "note": self.note,
                "minima": [{"label": m.label, "x": m.x, "loss": m.loss, "H": m.H, "Sigma": m.Sigma,
                            "Sigma_over_H": _finite_or_none(m.ratio), "probability": m.probability,
                            "log_probability": _finite_or_none(m.log_probability),
                            "laplace_probability": m.laplace_probability,
                            "log_laplace_probability": _finite_or_none(m.log_laplace_probability)}
                           for m in self.minima]}


def _prob_text(p: float, log_p: float) -> str:
    if p > 0.0 or not math.isfinite(log_p):
        return f"{p:.6g}"
    return f"1e{log_p / math.log(10.0):.1f}"


def check_n3(landscape: Landscape, eta: float, *, rtol: float = 1e-3) -> N3Result:
    r"""Check N3: the noise-to-curvature ratios :math:`\Sigma/H` differ across the minima.

    Parameters
    ----------
    landscape : Landscape
        Any landscape with :math:`\Sigma > 0` on its domain (a construction or your own).
    eta : float
        Learning rate :math:`\eta > 0` (the temperature :math:`\tau` of the stationary law).
    rtol : float
        N3 holds when :math:`\max(\Sigma/H)/\min(\Sigma/H) - 1 >` ``rtol``.
        The default 1e-3 separates ratios that are equal by construction
        (F3, equal to ~1e-10 after root finding) from any real difference.

    Returns
    -------
    N3Result
        :math:`\Sigma/H` per minimum, the exact basin probabilities of the
        stationary density (log-space quadrature between the saddles) and
        their Laplace approximation, and the verdict.

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``rtol`` outside (0, 1), a landscape without
        interior minimum, or (through the quadrature) :math:`\Sigma \le 0`.

    Examples
    --------
    >>> from fpesolve.constructions import construction
    >>> r = check_n3(construction("f3-equal-hessian"), 0.2)
    >>> r.holds, round(float(r.probabilities[0]), 12)
    (False, 0.5)
    """
    from .passage import basin_probabilities

    tau = positive_float(eta, "eta", "eta is the SGD learning rate (the temperature of the stationary law)")
    rtol = probability(rtol, "rtol")
    minima, _ = _minima_and_basins(landscape)
    labels = _labels(landscape, minima)
    hs = np.array([cp.hess for cp in minima])
    sig = np.array([cp.sigma for cp in minima])
    ratios = np.array([cp.sigma_over_hess for cp in minima])
    if len(minima) == 1:
        cp = minima[0]
        only = N3Minimum(label=labels[0], x=cp.x, loss=cp.loss, H=cp.hess, Sigma=cp.sigma, ratio=ratios[0],
                         probability=1.0, log_probability=0.0, laplace_probability=1.0, log_laplace_probability=0.0)
        return N3Result(holds=None, eta=tau, rtol=rtol, minima=(only,), ratio_spread=0.0, favoured=labels[0],
                        note="a single minimum: there is nothing for the noise to select between")
    if np.any(sig <= 0) or np.any(hs <= 0):
        raise ValueError(f"N3 needs Sigma > 0 and H > 0 at every minimum, got Sigma = {sig.tolist()} and "
                         f"H = {hs.tolist()} at x = {[cp.x for cp in minima]}")
    log_p = basin_probabilities(landscape, tau, log=True)
    log_w = -(2.0 / tau) * drift_integral(landscape, np.array([cp.x for cp in minima])) \
        + 0.5 * np.log(math.pi * tau / (sig * hs))
    log_lap = log_w - logsumexp(log_w)
    spread = float(ratios.max() / ratios.min() - 1.0)
    holds = bool(spread > rtol)
    rows = tuple(N3Minimum(label=lab, x=cp.x, loss=cp.loss, H=cp.hess, Sigma=cp.sigma, ratio=float(r),
                           probability=float(np.exp(lp)), log_probability=float(lp),
                           laplace_probability=float(np.exp(ll)), log_laplace_probability=float(ll))
                 for lab, cp, r, lp, ll in zip(labels, minima, ratios, log_p, log_lap))
    favoured = labels[int(np.argmax(log_p))]
    uniform = math.log(1.0 / len(minima))
    deviation = float(np.max(np.abs(log_p - uniform)))
    note = ""
    if not holds and deviation > 0.1:
        note = (f"Sigma/H is equal at the minima, yet the exact stationary law is far from uniform "
                f"(max |ln pi_k - ln(1/{len(minima)})| = {deviation:.3g}, favouring {favoured}): the selection "
                f"comes from the exponent int L'/Sigma between the minima (Sigma varies along the path, or the "
                f"losses differ), which a reading of Sigma/H at the minima alone does not see")
    elif holds and deviation < 0.01:
        note = ("Sigma/H differs, but the exact stationary law is nearly uniform over the basins at this eta: "
                "the selection is weak here")
    return N3Result(holds=holds, eta=tau, rtol=rtol, minima=rows, ratio_spread=spread, favoured=favoured, note=note)


# ---------------------------------------------------------------------------------------------- N4
@dataclass(frozen=True)
class N4Minimum:
    r"""One minimum in the N4 check.

    Attributes
    ----------
    label : str
    x, H, Sigma : float
        Position, :math:`L''` and :math:`\Sigma` (per step) at the minimum.
    gap : float
        The generalisation gap used for the correlation.
    proxy : float or None
        The leave-one-out proxy :math:`\Sigma_1/(H(n-1))` (Proposition 2.2,
        :math:`\Sigma_1` the per-sample gradient variance), when ``n`` is known.
    """

    label: str
    x: float
    H: float
    Sigma: float
    gap: float
    proxy: Optional[float]


@dataclass(frozen=True)
class N4Result:
    r"""Condition N4 (alignment): :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) > 0` across the minima.

    Attributes
    ----------
    holds : bool or None
        ``True`` when the Pearson correlation is positive; ``None`` when it is
        undefined (one minimum, or :math:`\Sigma` or the gaps equal at all minima).
    correlation : float or None
    method : str
        Where the gaps came from: ``"given"``, ``"test-loss"``,
        ``"leave-one-out"`` (exact refits) or ``"proxy"`` (:math:`\Sigma/(H(n-1))`).
    minima : tuple of N4Minimum
    note : str
    """

    holds: Optional[bool]
    correlation: Optional[float]
    method: str
    minima: Tuple[N4Minimum, ...]
    note: str

    @property
    def gaps(self) -> np.ndarray:
        """The gaps, in the order of the minima."""
        return np.array([m.gap for m in self.minima])

    @property
    def sigmas(self) -> np.ndarray:
        r""":math:`\Sigma` at the minima."""
        return np.array([m.Sigma for m in self.minima])

    def summary(self) -> str:
        """A table of :math:`\\Sigma`, the gap and the proxy per minimum, and the verdict."""
        verdict = {True: "HOLDS", False: "VIOLATED", None: "not applicable"}[self.holds]
        lines = [f"N4 alignment (gaps: {self.method}): {verdict}, Corr(Sigma, Gap) = {_fmt(self.correlation, '+.4g')}",
                 f"  {'minimum':>8s} {'x':>12s} {'H':>10s} {'Sigma':>10s} {'Gap':>12s} {'Sigma/(H(n-1))':>15s}"]
        for m in self.minima:
            lines.append(f"  {m.label:>8s} {m.x:>+12.6g} {m.H:>10.4g} {m.Sigma:>10.4g} {m.gap:>12.6g} "
                         f"{_fmt(m.proxy):>15s}")
        if self.note:
            lines.append("  note: " + self.note)
        return "\n".join(lines)

    __str__ = summary

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values."""
        return {"holds": self.holds, "correlation": self.correlation, "method": self.method, "note": self.note,
                "minima": [{"label": m.label, "x": m.x, "H": m.H, "Sigma": m.Sigma, "gap": m.gap, "proxy": m.proxy}
                           for m in self.minima]}


def _per_sample_variance(landscape: Landscape, x: float, batch_size: int) -> float:
    r"""The per-sample gradient variance :math:`\Sigma_1` at ``x`` (from the samples, else ``B * Sigma``)."""
    samples = landscape.samples
    if samples is not None:
        g = samples.evaluate("grads", np.array([x]))[:, 0]
        return float(np.mean((g - g.mean()) ** 2))
    return float(batch_size * landscape.sigma(np.array([x]))[0])


def leave_one_out_gaps(landscape: Landscape, minima: Optional[Sequence[float]] = None,
                       n_scan: int = 2001) -> np.ndarray:
    r"""Exact leave-one-out generalisation gaps at the minima of a finite-sum landscape.

    For a minimum :math:`\theta^*` and each sample ``j`` the refit
    :math:`\theta_{-j}` is the minimiser of
    :math:`L_{-j} = \frac{1}{n-1}\sum_{i\ne j}\ell_i` in the basin of
    :math:`\theta^*` (root of :math:`L_{-j}'` found by bracketing on ``n_scan``
    points and Brent's method, the one nearest :math:`\theta^*`), and

    .. math:: \mathrm{Gap}(\theta^*) = \frac1n\sum_j
              \big[\ell_j(\theta_{-j}) - \ell_j(\theta^*)\big]
              \approx \frac{\Sigma_1(\theta^*)}{H(\theta^*)(n-1)}

    (Proposition 2.2 of the failure-modes paper gives the right-hand side to
    leading order in :math:`1/n`).

    Parameters
    ----------
    landscape : Landscape
        With per-sample ``losses`` and ``grads`` (:meth:`Landscape.from_samples`).
    minima : sequence of float, optional
        Positions of the minima; default all minima of ``L``.
    n_scan : int
        Points per basin on which sign changes of :math:`L_{-j}'` are sought.

    Returns
    -------
    ndarray
        One gap per minimum.

    Raises
    ------
    ValueError
        Without per-sample losses, with fewer than two samples, or when a
        refit has no minimum in the basin (then use ``method="proxy"`` or give gaps).
    """
    samples = landscape.samples
    if samples is None:
        raise ValueError(f"leave-one-out refits need per-sample losses; landscape {landscape.name!r} has none "
                         f"(build it with Landscape.from_samples, or give gaps / use method='proxy')")
    n = samples.n
    if n < 2:
        raise ValueError(f"leave-one-out needs at least two samples, the landscape has n = {n}")
    n_scan = positive_int(n_scan, "n_scan", 3)
    all_minima, bounds = _minima_and_basins(landscape)
    xs = [cp.x for cp in all_minima] if minima is None else list(as_1d_float_array(minima, "minima"))
    gaps = []
    for x_star in xs:
        k = int(np.clip(np.searchsorted(bounds, x_star) - 1, 0, len(bounds) - 2))
        lo, hi = bounds[k], bounds[k + 1]
        scan = np.linspace(lo, hi, n_scan)
        g_all = samples.evaluate("grads", scan)                       # (n, m)
        total = g_all.sum(axis=0)
        per_sample = []
        for j in range(n):
            g_loo = (total - g_all[j]) / (n - 1)
            up = np.flatnonzero((g_loo[:-1] < 0) & (g_loo[1:] >= 0))    # minima of L_{-j}: L' from - to +
            if up.size == 0:
                raise ValueError(
                    f"without sample {j} the loss has no minimum in the basin [{lo:.6g}, {hi:.6g}] of the minimum "
                    f"at {x_star:.6g} (n = {n} samples is too few for a leave-one-out refit); give the gaps or "
                    f"use method='proxy'")
            i = up[np.argmin(np.abs(scan[up] - x_star))]

            def loo_grad(t, j=j):
                g = samples.evaluate("grads", np.array([t]))[:, 0]
                return float((g.sum() - g[j]) / (n - 1))

            if g_loo[i + 1] == 0.0:
                theta_j = float(scan[i + 1])
            else:
                theta_j = optimize.brentq(loo_grad, scan[i], scan[i + 1], xtol=1e-15, rtol=4 * np.finfo(float).eps)
            losses = samples.evaluate("losses", np.array([theta_j, x_star]))[j]
            per_sample.append(losses[0] - losses[1])
        gaps.append(float(np.mean(per_sample)))
    return np.array(gaps)


def check_n4(landscape: Landscape, gaps: Optional[Sequence[float]] = None, *,
             test_loss: Optional[Callable[[np.ndarray], np.ndarray]] = None, method: Optional[str] = None,
             batch_size: Optional[int] = None, n_samples: Optional[int] = None) -> N4Result:
    r"""Check N4: :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) > 0` across the minima of ``L``.

    Parameters
    ----------
    landscape : Landscape
    gaps : array_like, optional
        One generalisation gap per minimum of ``L`` (left to right); its length
        must equal the number of minima.
    test_loss : callable, optional
        :math:`L_{\mathrm{test}}(\theta)`, vectorised; the gap at a minimum is
        :math:`L_{\mathrm{test}}(\theta_k) - L(\theta_k)`.  A construction's own
        test loss is used when neither ``gaps`` nor ``test_loss`` is given.
    method : {"given", "test-loss", "leave-one-out", "proxy"}, optional
        Default: ``"given"`` with ``gaps``, ``"test-loss"`` with a test loss,
        ``"leave-one-out"`` (exact refits, :func:`leave_one_out_gaps`) for a
        finite-sum landscape, else ``"proxy"``: :math:`\Sigma_1/(H(n-1))`.
    batch_size : int, optional
        ``B``, to recover the per-sample variance :math:`\Sigma_1 = B\Sigma`
        when the landscape has no per-sample gradients (default the
        construction's, else 1).
    n_samples : int, optional
        ``n`` for the proxy when the landscape carries no samples.

    Returns
    -------
    N4Result

    Raises
    ------
    ValueError
        A gap array whose length differs from the number of minima, an unknown
        method, non-finite gaps, or a method that lacks its input.
    """
    minima, _ = _minima_and_basins(landscape)
    labels = _labels(landscape, minima)
    xs = np.array([cp.x for cp in minima])
    if method is None:
        if gaps is not None:
            method = "given"
        elif test_loss is not None or getattr(landscape, "has_test_loss", False):
            method = "test-loss"
        elif landscape.samples is not None and landscape.samples.n >= 2:
            method = "leave-one-out"
        else:
            method = "proxy"
    method = str(method).strip().lower().replace("_", "-")
    if method not in GAP_METHODS:
        raise ValueError(f"`method` must be one of {', '.join(GAP_METHODS)}, got {method!r}")
    if gaps is not None and method != "given":
        raise ValueError(f"gaps were given but method = {method!r}; drop one of them")
    if batch_size is None:
        batch_size = int(getattr(landscape, "parameters", {}).get("batch_size", 1))
    batch_size = positive_int(batch_size, "batch_size")
    n = landscape.samples.n if landscape.samples is not None else n_samples
    if n is not None:
        n = positive_int(n, "n_samples", 2)

    if method == "given":
        if gaps is None:
            raise ValueError("method='given' needs `gaps`, one per minimum")
        gap_values = as_1d_float_array(gaps, "gaps")
        if gap_values.size != len(minima):
            raise ValueError(f"`gaps` has {gap_values.size} entries but the landscape has {len(minima)} minima "
                             f"(at x = {[float(f'{x:.6g}') for x in xs]}); give one gap per minimum, left to right")
    elif method == "test-loss":
        func = test_loss if test_loss is not None else getattr(landscape, "test_loss", None)
        if func is None:
            raise ValueError("method='test-loss' needs `test_loss` (a vectorised callable)")
        values = np.asarray(func(xs), dtype=float)
        if values.shape != xs.shape or not np.all(np.isfinite(values)):
            raise ValueError(f"`test_loss` must return finite values of shape {xs.shape} at the minima, "
                             f"got {values!r}")
        gap_values = values - landscape.loss(xs)
    elif method == "leave-one-out":
        gap_values = leave_one_out_gaps(landscape, xs)
    else:
        if n is None:
            raise ValueError("the proxy Sigma/(H(n-1)) needs the number of samples: give `n_samples`")
        gap_values = np.array([_per_sample_variance(landscape, cp.x, batch_size) / (cp.hess * (n - 1))
                               for cp in minima])

    proxies = [None if n is None else _per_sample_variance(landscape, cp.x, batch_size) / (cp.hess * (n - 1))
               for cp in minima]
    rows = tuple(N4Minimum(label=lab, x=cp.x, H=cp.hess, Sigma=cp.sigma, gap=float(g), proxy=p)
                 for lab, cp, g, p in zip(labels, minima, gap_values, proxies))
    sig = np.array([cp.sigma for cp in minima])
    note = ""
    corr: Optional[float] = None
    if len(minima) < 2:
        note = "a single minimum: a correlation across minima is undefined"
    elif np.ptp(sig) <= 1e-12 * np.max(np.abs(sig)):
        note = "Sigma is equal at all minima, so it cannot be (anti)correlated with the gap; noise does not " \
               "select by Sigma here (see N3)"
    elif np.ptp(gap_values) <= 1e-12 * max(np.max(np.abs(gap_values)), 1e-300):
        note = "the gaps are equal at all minima: nothing to align with"
    else:
        corr = float(np.corrcoef(sig, gap_values)[0, 1])
    holds = None if corr is None else bool(corr > 0)
    if holds is False:
        note = ("the noisier minima generalise better: SGD's preference for low Sigma selects the minima with "
                "the larger gap")
    if method in ("given", "test-loss") and n is not None and holds is not None and len(minima) >= 2:
        proxy_corr = float(np.corrcoef(sig, np.array(proxies))[0, 1]) if np.ptp(proxies) > 0 else None
        if proxy_corr is not None and (proxy_corr > 0) != holds:
            note += ("; the leave-one-out proxy Sigma/(H(n-1)) orders the minima the other way "
                     f"(Corr = {proxy_corr:+.3g}): the proxy measures sensitivity to one sample, not population risk")
    return N4Result(holds=holds, correlation=corr, method=method, minima=rows, note=note.lstrip("; "))


# ---------------------------------------------------------------------------------------------- Prop. 5.1
@dataclass(frozen=True)
class ReparameterizedMinimum:
    r"""One minimum under :math:`\theta = g(\varphi)`.

    Attributes
    ----------
    x, phi : float
        :math:`\theta^*` and :math:`\varphi^* = g^{-1}(\theta^*)`.
    ratio : float
        :math:`\Sigma/H` at :math:`\theta^*`.
    H_phi, Sigma_phi : float
        :math:`\tilde H`, :math:`\tilde\Sigma` in the new coordinate.
    ratio_phi : float
        :math:`\tilde\Sigma/\tilde H`.
    relative_difference : float
        :math:`|\tilde\Sigma/\tilde H - \Sigma/H| / |\Sigma/H|`.
    """

    x: float
    phi: float
    ratio: float
    H_phi: float
    Sigma_phi: float
    ratio_phi: float
    relative_difference: float


@dataclass(frozen=True)
class ReparameterizationCheck:
    r"""Proposition 5.1 checked numerically: :math:`\tilde\Sigma/\tilde H = \Sigma/H` at every minimum.

    ``invariant`` is True when every relative difference is below ``rtol``
    (the finite-difference error of :math:`\tilde H`, ~1e-7).
    """

    invariant: bool
    rtol: float
    minima: Tuple[ReparameterizedMinimum, ...]

    def summary(self) -> str:
        """A table of :math:`\\Sigma/H` in both coordinates."""
        lines = [f"Reparameterisation (Prop. 5.1): Sigma/H {'is' if self.invariant else 'is NOT'} invariant "
                 f"(rtol {self.rtol:g})",
                 f"  {'theta*':>12s} {'phi*':>12s} {'Sigma/H':>12s} {'H~':>12s} {'Sigma~':>12s} "
                 f"{'Sigma~/H~':>12s} {'rel. diff':>10s}"]
        for m in self.minima:
            lines.append(f"  {m.x:>+12.6g} {m.phi:>+12.6g} {m.ratio:>12.6g} {m.H_phi:>12.6g} {m.Sigma_phi:>12.6g} "
                         f"{m.ratio_phi:>12.6g} {m.relative_difference:>10.2e}")
        return "\n".join(lines)

    __str__ = summary


def check_reparameterization(landscape: Landscape, g: Callable[[np.ndarray], np.ndarray],
                             g_inverse: Optional[Callable[[np.ndarray], np.ndarray]] = None, *,
                             phi_bracket: Optional[Tuple[float, float]] = None, rtol: float = 1e-6
                             ) -> ReparameterizationCheck:
    r"""Check Proposition 5.1 (:math:`\Sigma/H` is reparameterisation-invariant) for a bijection ``g``.

    In the coordinate :math:`\varphi` with :math:`\theta = g(\varphi)` the loss
    is :math:`\tilde L(\varphi) = L(g(\varphi))`.  At each minimum,
    :math:`\tilde H = \tilde L''(\varphi^*)` is computed by a central
    difference of :math:`\tilde L'(\varphi) = L'(g(\varphi))\,g'(\varphi)`
    (no chain rule for the second derivative, so the term
    :math:`L'(\theta^*)g''` the proof drops is included numerically), and
    :math:`\tilde\Sigma = \Sigma(\theta^*)\,g'(\varphi^*)^2` (the per-sample
    gradients scale by :math:`g'`); :math:`g'` by central differences.

    Parameters
    ----------
    landscape : Landscape
    g : callable
        The smooth bijection :math:`\varphi \mapsto \theta`, vectorised.
    g_inverse : callable, optional
        :math:`g^{-1}`; otherwise :math:`\varphi^*` is found by Brent's method in ``phi_bracket``.
    phi_bracket : (float, float), optional
        Interval of :math:`\varphi` containing the preimages of all minima.
    rtol : float
        Tolerance of the invariance verdict.

    Raises
    ------
    ValueError
        Neither ``g_inverse`` nor ``phi_bracket``, a preimage outside the
        bracket, :math:`g'(\varphi^*) = 0` (not a local diffeomorphism), or
        :math:`g(g^{-1}(\theta^*)) \ne \theta^*`.
    """
    rtol = probability(rtol, "rtol")
    if g_inverse is None and phi_bracket is None:
        raise ValueError("give `g_inverse` or a `phi_bracket` (lo, hi) in which to solve g(phi) = theta*")
    minima, _ = _minima_and_basins(landscape)
    rows = []
    for cp in minima:
        if g_inverse is not None:
            phi = float(np.asarray(g_inverse(np.array([cp.x])), dtype=float).ravel()[0])
        else:
            lo, hi = phi_bracket

            def residual(p, target=cp.x):
                return float(np.asarray(g(np.array([p])), dtype=float).ravel()[0]) - target

            if residual(lo) * residual(hi) > 0:
                raise ValueError(f"g(phi) = {cp.x:.6g} has no solution in phi_bracket = {phi_bracket}")
            phi = optimize.brentq(residual, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
        back = float(np.asarray(g(np.array([phi])), dtype=float).ravel()[0])
        if not abs(back - cp.x) <= 1e-9 * max(1.0, abs(cp.x)):
            raise ValueError(f"g(g_inverse({cp.x:.10g})) = {back:.10g}: g_inverse is not the inverse of g")
        step = np.cbrt(np.finfo(float).eps) * max(1.0, abs(phi))
        gp = float((np.asarray(g(np.array([phi + step])), dtype=float).ravel()[0]
                    - np.asarray(g(np.array([phi - step])), dtype=float).ravel()[0]) / (2 * step))
        if gp == 0.0 or not math.isfinite(gp):
            raise ValueError(f"g'({phi:.6g}) = {gp!r}: g is not a smooth bijection at the minimum {cp.x:.6g}")

        def grad_phi(p):
            pts = np.array([p - step, p + step])
            th = np.asarray(g(pts), dtype=float)
            gprime = (np.asarray(g(pts + step), dtype=float) - np.asarray(g(pts - step), dtype=float)) / (2 * step)
            return landscape.grad(th) * gprime

        gl = grad_phi(phi)
        h_phi = float((gl[1] - gl[0]) / (2 * step))
        s_phi = float(cp.sigma * gp ** 2)
        ratio = cp.sigma_over_hess
        ratio_phi = s_phi / h_phi if h_phi != 0 else math.inf
        rel = abs(ratio_phi - ratio) / abs(ratio) if ratio not in (0.0, math.inf) else abs(ratio_phi - ratio)
        rows.append(ReparameterizedMinimum(x=cp.x, phi=phi, ratio=ratio, H_phi=h_phi, Sigma_phi=s_phi,
                                           ratio_phi=ratio_phi, relative_difference=float(rel)))
    return ReparameterizationCheck(invariant=all(r.relative_difference <= rtol for r in rows), rtol=rtol,
                                   minima=tuple(rows))


# ---------------------------------------------------------------------------------------------- diagnosis
@dataclass(frozen=True)
class ConditionStatus:
    """The verdict on one condition: ``"holds"``, ``"violated"`` or ``"not applicable"``, and why."""

    name: str
    status: str
    headline: str
    reason: str = ""

    @property
    def holds(self) -> Optional[bool]:
        """True, False, or None when the condition does not apply."""
        return {"holds": True, "violated": False}.get(self.status)


_TITLES = {"N1": "mixing", "N2": "stability", "N3": "selection", "N4": "alignment"}


@dataclass(frozen=True)
class Diagnosis:
    """N1–N4 for one landscape, learning rate and training length.

    Attributes
    ----------
    landscape : str
        The landscape's name.
    eta : float
    n_steps : int
    statuses : tuple of ConditionStatus
        One per condition, N1 to N4.
    n1, n2, n3, n4 : result or None
        The full reports (:class:`~fpesolve.mixing.N1Result`,
        :class:`~fpesolve.lyapunov.N2Result`, :class:`N3Result`,
        :class:`N4Result`); ``None`` where the condition does not apply.
    """

    landscape: str
    eta: float
    n_steps: int
    statuses: Tuple[ConditionStatus, ...]
    n1: Any = field(default=None, repr=False)
    n2: Any = field(default=None, repr=False)
    n3: Optional[N3Result] = field(default=None, repr=False)
    n4: Optional[N4Result] = field(default=None, repr=False)

    @property
    def violated(self) -> Tuple[str, ...]:
        """Names of the violated conditions, e.g. ``("N1",)``."""
        return tuple(s.name for s in self.statuses if s.status == "violated")

    @property
    def holds(self) -> bool:
        """True when no condition is violated (conditions that do not apply do not count)."""
        return not self.violated

    def status(self, name: str) -> ConditionStatus:
        """The status of condition ``name`` (``"N1"`` … ``"N4"``)."""
        for s in self.statuses:
            if s.name == name.upper():
                return s
        raise KeyError(f"no condition {name!r}; use N1, N2, N3 or N4")

    def summary(self) -> str:
        """A table: one line per condition with its key number and verdict, then the details."""
        lines = [f"Diagnosis of {self.landscape!r} at eta = {self.eta:g}, T = {self.n_steps} iterations",
                 f"  {'condition':<14s} {'verdict':<15s} key numbers"]
        for s in self.statuses:
            lines.append(f"  {s.name + ' ' + _TITLES[s.name]:<14s} {s.status:<15s} {s.headline}")
        lines.append("  verdict: " + ("all applicable conditions hold" if self.holds
                                      else "violated: " + ", ".join(self.violated)))
        for s, res in zip(self.statuses, (self.n1, self.n2, self.n3, self.n4)):
            lines.append("")
            lines.append(res.summary() if res is not None else f"{s.name} {_TITLES[s.name]}: {s.status} — {s.reason}")
        return "\n".join(lines)

    __str__ = summary

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values (no NaN or inf: astronomically large times appear through their log10)."""
        out: Dict[str, Any] = {"landscape": self.landscape, "eta": self.eta, "n_steps": self.n_steps,
                               "violated": list(self.violated), "holds": self.holds, "conditions": {}}
        for s, res in zip(self.statuses, (self.n1, self.n2, self.n3, self.n4)):
            entry: Dict[str, Any] = {"status": s.status, "headline": s.headline, "reason": s.reason}
            if res is not None:
                entry["details"] = _details(s.name, res)
            out["conditions"][s.name] = entry
        return out


def _details(name: str, res: Any) -> Dict[str, Any]:
    if name == "N1":
        return {"log10_time_budget": res.log10_time_budget, "log10_t_rel": _finite_or_none(res.log10_t_rel),
                "log10_t_mix": _finite_or_none(res.log10_t_mix), "tv_left": res.tv_left,
                "log10_margin": _finite_or_none(res.log10_margin), "eps": res.eps, "explanation": res.explanation}
    if name == "N2":
        return {"batch_size": res.batch_size,
                "minima": [{"label": m.label, "x": m.x, "lyapunov": m.lyapunov, "lambda_max": m.lambda_max,
                            "bound_2_over_lambda_max": _finite_or_none(m.bound), "stable": m.stable,
                            "bound_holds": m.bound_holds,
                            "stable_intervals": [list(iv) for iv in m.stable_set.intervals]} for m in res.minima]}
    return res.to_dict()


def _n1_status(res) -> ConditionStatus:
    return ConditionStatus("N1", "holds" if res.holds else "violated",
                           f"log10(eta T) = {res.log10_time_budget:.4g}, log10 t_mix = {res.log10_t_mix:.4g}, "
                           f"TV left {res.tv_left:.3g} (eps {res.eps:g})")


def _n2_status(res) -> ConditionStatus:
    lam = ", ".join(f"{m.label}: {m.lyapunov:+.4g}" for m in res.minima)
    return ConditionStatus("N2", "holds" if res.holds else "violated",
                           f"Lambda = {lam}; eta < 2/lambda_max: {res.bound_holds}")


def _n3_status(res: N3Result) -> ConditionStatus:
    ratios = ", ".join(f"{m.label}: {m.ratio:.4g}" for m in res.minima)
    probs = ", ".join(f"{m.label}: {_prob_text(m.probability, m.log_probability)}" for m in res.minima)
    status = {True: "holds", False: "violated", None: "not applicable"}[res.holds]
    return ConditionStatus("N3", status, f"Sigma/H = {ratios}; P = {probs}", res.note if res.holds is None else "")


def _n4_status(res: N4Result) -> ConditionStatus:
    status = {True: "holds", False: "violated", None: "not applicable"}[res.holds]
    return ConditionStatus("N4", status, f"Corr(Sigma, Gap) = {_fmt(res.correlation, '+.3g')} "
                                         f"(gaps: {res.method})", res.note if res.holds is None else "")


def diagnose(landscape: Landscape, eta: Optional[float] = None, n_steps: Optional[int] = None, *,
             x0: Optional[float] = None, batch_size: Optional[int] = None, eps: float = 0.25, grid=None,
             gaps: Optional[Sequence[float]] = None, test_loss: Optional[Callable] = None,
             gap_method: Optional[str] = None, n_samples: Optional[int] = None,
             n3_rtol: float = 1e-3) -> Diagnosis:
    r"""Check the necessary conditions N1–N4 for SGD on ``landscape`` with learning rate ``eta`` for ``n_steps``.

    Parameters
    ----------
    landscape : Landscape
        Any landscape; a construction (:mod:`fpesolve.constructions`)
        supplies its own ``eta``, ``n_steps``, per-sample Hessians and test loss.
    eta : float, optional
        Learning rate :math:`\eta > 0` (default the construction's).
    n_steps : int, optional
        Number of SGD iterations :math:`T \ge 1` (default the construction's).
    x0 : float, optional
        Where SGD starts (N1 uses the worst start when omitted).
    batch_size : int, optional
        Minibatch size for N2 and the N4 proxy (default the construction's, else 1).
    eps : float
        TV threshold of the mixing time (N1).
    grid : Grid or int, optional
        Grid of the N1 mixing computation (default 1500 refined cells).
    gaps, test_loss, gap_method, n_samples
        Passed to :func:`check_n4` as ``gaps``, ``test_loss``, ``method``,
        ``n_samples``.  Without any of them, and without a test loss or
        per-sample losses on the landscape, N4 is ``"not applicable"``.
    n3_rtol : float
        Passed to :func:`check_n3` as ``rtol``.

    Returns
    -------
    Diagnosis
        ``violated`` lists the violated conditions; ``summary()`` prints the
        table, ``to_dict()`` gives JSON-ready values.  A condition that
        cannot be evaluated (a single minimum for N3/N4, no per-sample
        Hessians for N2, :math:`\Sigma` vanishing for N1) is ``"not
        applicable"`` with the reason; other errors propagate.

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``n_steps <= 0``, an ``x0`` outside the domain,
        missing ``eta``/``n_steps`` on a plain landscape, and the errors of the
        individual checks (e.g. a gap array of the wrong length).

    Examples
    --------
    >>> from fpesolve.constructions import construction
    >>> diagnose(construction("f3-equal-hessian")).violated
    ('N3',)
    """
    from .lyapunov import check_n2
    from .mixing import check_n1

    eta = getattr(landscape, "eta", None) if eta is None else eta
    if eta is None:
        raise ValueError("give the learning rate `eta` (the landscape does not carry one)")
    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    n_steps = getattr(landscape, "iterations", None) if n_steps is None else n_steps
    if n_steps is None:
        raise ValueError("give the number of SGD iterations `n_steps` (the landscape does not carry one)")
    n_steps = positive_int(n_steps, "n_steps")
    if x0 is not None:
        x0 = landscape.contains(x0, "x0")
    eps = probability(eps, "eps")

    statuses = []
    n1 = n2 = n3 = n4 = None
    minima, _ = _minima_and_basins(landscape)

    a, b = landscape.domain
    probe = np.linspace(a, b, 4001)[1:-1]
    sig = np.asarray(landscape.sigma(probe), dtype=float)
    sig_min = [cp.sigma for cp in landscape.critical_points()]
    if np.any(~(sig > 0)) or min(sig_min) <= 0:
        bad = float(probe[np.argmin(np.where(np.isfinite(sig), sig, -np.inf))])
        statuses.append(ConditionStatus(
            "N1", "not applicable", "Sigma vanishes in the domain",
            f"Sigma <= 0 near x = {bad:.6g} (e.g. an interpolating minimum): SGD's diffusion has no stationary "
            f"density to mix to; the dynamics are decided by stability (N2)"))
    else:
        n1 = check_n1(landscape, eta, n_steps, init=x0, eps=eps, grid=grid)
        statuses.append(_n1_status(n1))

    if landscape.samples is None or landscape.samples.hessians is None:
        statuses.append(ConditionStatus("N2", "not applicable", "no per-sample Hessians",
                                        "the landscape has no per-sample Hessians, so the Lyapunov exponent of "
                                        "linearised minibatch SGD is unknown; build it with "
                                        "Landscape.from_samples(..., hessians=...)"))
    else:
        n2 = check_n2(landscape, eta, batch_size=batch_size)
        statuses.append(_n2_status(n2))

    if len(minima) < 2:
        reason = f"a single minimum (x = {minima[0].x:.6g}): nothing for the noise to select between"
        statuses.append(ConditionStatus("N3", "not applicable", "one minimum", reason))
        statuses.append(ConditionStatus("N4", "not applicable", "one minimum",
                                        "a correlation across minima needs at least two minima"))
    else:
        n3 = check_n3(landscape, eta, rtol=n3_rtol)
        statuses.append(_n3_status(n3))
        has_gap_source = (gaps is not None or test_loss is not None or gap_method is not None
                          or getattr(landscape, "has_test_loss", False) or landscape.samples is not None)
        if has_gap_source:
            n4 = check_n4(landscape, gaps, test_loss=test_loss, method=gap_method, batch_size=batch_size,
                          n_samples=n_samples)
            statuses.append(_n4_status(n4))
        else:
            statuses.append(ConditionStatus(
                "N4", "not applicable", "no generalisation gaps",
                "the landscape carries no test loss and no per-sample losses; give `gaps` (one per minimum), "
                "`test_loss`, or gap_method='proxy' with `n_samples`"))
    return Diagnosis(landscape=landscape.name, eta=eta, n_steps=n_steps, statuses=tuple(statuses),
                     n1=n1, n2=n2, n3=n3, n4=n4)
