r"""Condition N4 (alignment): is the noise :math:`\Sigma` positively correlated with the generalisation gap?

The gaps come from the user, from a test loss, from exact leave-one-out refits
(:func:`leave_one_out_gaps`) or from the proxy :math:`\Sigma/(H(n-1))`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple

import numpy as np
from scipy import optimize

from .._util.deprecation import renamed_attribute
from .._util.result import Result
from .._util.validation import as_1d_float_array, positive_int
from ..core.landscape import Landscape
from .base import Construction
from ._minima import _fmt, _labels, _landscape_batch_size, _minima_and_basins

__all__ = ['N4Minimum', 'N4Result', 'check_n4', 'leave_one_out_gaps', 'leave_one_out_refits', 'GAP_METHODS']

GAP_METHODS = ("given", "test-loss", "leave-one-out", "proxy")


@dataclass(frozen=True, repr=False)
class N4Minimum(Result):
    r"""One minimum in the N4 check.

    Attributes
    ----------
    label : str
        Well label (``"A"``, ``"B"`` for constructions) or ``min<k>``.
    x, hess, sigma : float
        Position, :math:`L''` and :math:`\Sigma` (per step) at the minimum
        (``H`` and ``Sigma`` before 0.2).
    gap : float
        The generalisation gap used for the correlation.
    proxy : float or None
        The leave-one-out proxy :math:`\Sigma_1/(H(n-1))` (Proposition 2.2,
        :math:`\Sigma_1` the per-sample gradient variance), when ``n`` is known.

    Examples
    --------
    F4's good well A: the larger noise (:math:`\Sigma = 20`) with the smaller
    modelled gap, while the proxy :math:`\Sigma_1/(H(n-1)) = 20/2 = 10`
    (two samples) calls it the worse one:

    >>> from fpesolve.failure_modes import check_n4, construction
    >>> A = check_n4(construction("f4")).minima[0]
    >>> A.label, round(A.hess, 9), round(A.sigma, 9), round(A.gap, 9), round(A.proxy, 9)
    ('A', 2.0, 20.0, 0.05, 10.0)
    """

    label: str
    x: float
    hess: float
    sigma: float
    gap: float
    proxy: Optional[float]

    H = renamed_attribute("H", "hess")
    Sigma = renamed_attribute("Sigma", "sigma")


@dataclass(frozen=True, repr=False)
class N4Result(Result):
    r"""Condition N4 (alignment): :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) > 0` across the minima.

    Attributes
    ----------
    holds : bool or None
        ``True`` when the Pearson correlation is positive; ``None`` when it is
        undefined (one minimum, or :math:`\Sigma` or the gaps equal at all minima).
    status : str
        ``"holds"``, ``"violated"`` or ``"not applicable"``.
    correlation : float or None
        The Pearson correlation of :math:`\Sigma` and the gaps over the
        minima (``None`` where undefined).
    method : str
        Where the gaps came from: ``"given"``, ``"test-loss"``,
        ``"leave-one-out"`` (exact refits) or ``"proxy"`` (:math:`\Sigma/(H(n-1))`).
    minima : tuple of N4Minimum
        The minima, left to right.
    note : str
        What the verdict means here (e.g. that the proxy orders the minima the
        other way), or why the check does not apply.

    Examples
    --------
    F4 with its test loss: the noisier well generalises better, so
    :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) = -1` and N4 is violated:

    >>> from fpesolve.failure_modes import check_n4, construction
    >>> r = check_n4(construction("f4"))
    >>> r.method, r.status, round(r.correlation, 12)
    ('test-loss', 'violated', -1.0)
    >>> r.sigmas.round(9).tolist(), r.gaps.round(9).tolist()
    ([20.0, 1.0], [0.05, 0.5])
    """

    holds: Optional[bool]
    correlation: Optional[float]
    method: str
    minima: Tuple[N4Minimum, ...]
    note: str

    @property
    def status(self) -> str:
        """``"holds"``, ``"violated"`` or ``"not applicable"``."""
        return {True: "holds", False: "violated", None: "not applicable"}[self.holds]

    @property
    def gaps(self) -> np.ndarray:
        """The gaps, in the order of the minima."""
        return np.array([m.gap for m in self.minima])

    @property
    def sigmas(self) -> np.ndarray:
        r""":math:`\Sigma` at the minima."""
        return np.array([m.sigma for m in self.minima])

    def summary(self) -> str:
        """A table of :math:`\\Sigma`, the gap and the proxy per minimum, and the verdict.

        Returns
        -------
        str
            The verdict and the correlation, one line per minimum (``x``,
            ``H``, :math:`\\Sigma`, the gap, the proxy :math:`\\Sigma_1/(H(n-1))`)
            and the note.
        """
        verdict = {True: "HOLDS", False: "VIOLATED", None: "not applicable"}[self.holds]
        lines = [f"N4 alignment (gaps: {self.method}): {verdict}, Corr(Sigma, Gap) = {_fmt(self.correlation, '+.4g')}",
                 f"  {'minimum':>8s} {'x':>12s} {'H':>10s} {'Sigma':>10s} {'Gap':>12s} {'Sigma/(H(n-1))':>15s}"]
        for m in self.minima:
            lines.append(f"  {m.label:>8s} {m.x:>+12.6g} {m.hess:>10.4g} {m.sigma:>10.4g} {m.gap:>12.6g} "
                         f"{_fmt(m.proxy):>15s}")
        if self.note:
            lines.append("  note: " + self.note)
        return "\n".join(lines)


def _per_sample_variance(landscape: Landscape, x: float, batch_size: int) -> float:
    r"""The per-sample gradient variance :math:`\Sigma_1` at ``x`` (from the samples, else ``B * Sigma``)."""
    samples = landscape.samples
    if samples is not None:
        g = samples.evaluate("grads", np.array([x]))[:, 0]
        return float(np.mean((g - g.mean()) ** 2))
    return float(batch_size * landscape.sigma(np.array([x]))[0])


def leave_one_out_refits(landscape: Landscape, minima: Optional[Sequence[float]] = None,
                         n_scan: int = 2001) -> np.ndarray:
    r"""The leave-one-out refits :math:`\theta_{-j}` of every minimum, shape ``(n_minima, n)``.

    For a minimum :math:`\theta^*` and each sample ``j``, :math:`\theta_{-j}` is
    the minimiser of :math:`L_{-j} = \frac{1}{n-1}\sum_{i\ne j}\ell_i` in the
    basin of :math:`\theta^*` nearest to :math:`\theta^*` (sign changes of
    :math:`L_{-j}'` from - to + on ``n_scan`` points, refined by Brent's method
    to ~1e-15).

    Parameters
    ----------
    landscape : Landscape
        With per-sample ``grads`` (:meth:`Landscape.from_samples`).
    minima : sequence of float, optional
        Positions of the minima; default all minima of ``L``.
    n_scan : int
        Points per basin on which sign changes of :math:`L_{-j}'` are sought.

    Returns
    -------
    ndarray, shape (n_minima, n)

    Raises
    ------
    ValueError
        Without per-sample gradients, with fewer than two samples, or when a
        refit has no minimum in the basin.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> land = Landscape.from_samples(lambda x: 0.5 * (x[None, :] - np.array([[-1.0], [0.0], [1.0]])) ** 2,
    ...                               lambda x: x[None, :] - np.array([[-1.0], [0.0], [1.0]]), (-3.0, 3.0))
    >>> np.round(leave_one_out_refits(land), 12).tolist()     # the mean of the other two centres
    [[0.5, 0.0, -0.5]]
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
    refits = np.empty((len(xs), n))
    for k_min, x_star in enumerate(xs):
        k = int(np.clip(np.searchsorted(bounds, x_star) - 1, 0, len(bounds) - 2))
        lo, hi = bounds[k], bounds[k + 1]
        scan = np.linspace(lo, hi, n_scan)
        g_all = samples.evaluate("grads", scan)                       # (n, m)
        total = g_all.sum(axis=0)
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
                refits[k_min, j] = float(scan[i + 1])
            else:
                refits[k_min, j] = optimize.brentq(loo_grad, scan[i], scan[i + 1], xtol=1e-15,
                                                   rtol=4 * np.finfo(float).eps)
    return refits


def leave_one_out_gaps(landscape: Landscape, minima: Optional[Sequence[float]] = None,
                       n_scan: int = 2001) -> np.ndarray:
    r"""Exact leave-one-out generalisation gaps at the minima of a finite-sum landscape.

    With the refits :math:`\theta_{-j}` of :func:`leave_one_out_refits`,

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

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> c = np.array([[-1.0], [0.0], [1.0]])
    >>> land = Landscape.from_samples(lambda x: 0.5 * (x[None, :] - c) ** 2, lambda x: x[None, :] - c, (-3.0, 3.0))
    >>> round(float(leave_one_out_gaps(land)[0]), 6)     # theta_-j = -c_j/2: mean of (5/8) c_j^2 = 5/12
    0.416667
    """
    xs_all = [cp.x for cp in _minima_and_basins(landscape)[0]] if minima is None else \
        list(as_1d_float_array(minima, "minima"))
    refits = leave_one_out_refits(landscape, xs_all, n_scan)
    samples = landscape.samples
    gaps = []
    for x_star, theta in zip(xs_all, refits):
        at_refit = samples.evaluate("losses", theta)            # (n, n): row i = sample i at refit j
        at_star = samples.evaluate("losses", np.array([x_star]))[:, 0]
        gaps.append(float(np.mean(np.diag(at_refit) - at_star)))
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

    Examples
    --------
    >>> from fpesolve.failure_modes.constructions import construction
    >>> r = check_n4(construction("f4"))            # the construction's test loss
    >>> r.method, r.holds
    ('test-loss', False)
    """
    minima, _ = _minima_and_basins(landscape)
    labels = _labels(landscape, minima)
    xs = np.array([cp.x for cp in minima])
    if method is None:
        if gaps is not None:
            method = "given"
        elif test_loss is not None or (isinstance(landscape, Construction) and landscape.has_test_loss):
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
    if batch_size is not None or method == "proxy":
        batch_size = _landscape_batch_size(landscape, batch_size, "the N4 leave-one-out proxy Sigma/(H (n-1))")
    elif landscape.batch_size is not None:
        batch_size = landscape.batch_size
    n = landscape.n_samples
    if n_samples is not None:
        n_given = positive_int(n_samples, "n_samples", 2)
        if n is not None and n != n_given:
            raise ValueError(f"`n_samples` = {n_given} contradicts the landscape's {n} per-sample losses; drop it")
        n = n_given
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
        func = test_loss if test_loss is not None else (
            landscape.test_loss if isinstance(landscape, Construction) and landscape.has_test_loss else None)
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

    proxies = [None if n is None or batch_size is None else _per_sample_variance(landscape, cp.x, batch_size) / (cp.hess * (n - 1))
               for cp in minima]
    rows = tuple(N4Minimum(label=lab, x=cp.x, hess=cp.hess, sigma=cp.sigma, gap=float(g), proxy=p)
                 for lab, cp, g, p in zip(labels, minima, gap_values, proxies))
    sig = np.array([cp.sigma for cp in minima])
    note = ""
    corr: Optional[float] = None
    if len(minima) < 2:
        note = "a single minimum: a correlation across minima is undefined"
    elif np.ptp(sig) <= 1e-12 * np.max(np.abs(sig)):
        note = "Sigma is equal at all minima, so it cannot be (anti)correlated with the gap; noise does not "\
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
