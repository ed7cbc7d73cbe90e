r"""The closed-form stationary density of SGD's Fokker–Planck equation.

For the Ito SDE :math:`d\theta = -L'\,dt + \sqrt{\tau\Sigma}\,dW` on
:math:`(a, b)` with reflecting ends the zero-current stationary density is

.. math::

    p(\theta) = \frac{1}{Z}\,\frac{1}{\Sigma(\theta)}
        \exp\Big(-\frac{2}{\tau}\int_{\theta_0}^{\theta}\frac{L'(s)}{\Sigma(s)}\,ds\Big)
      = \exp\Big(-\frac{2}{\tau} V_{\mathrm{eff}}(\theta)\Big),

    V_{\mathrm{eff}}(\theta) = \int_{\theta_0}^{\theta}\frac{L'}{\Sigma}
        + \frac{\tau}{2}\ln\Sigma(\theta) + \frac{\tau}{2}\ln Z .

(The :math:`1/\Sigma` prefactor is the Ito signature; a Stratonovich
reading would give :math:`1/\sqrt{\Sigma}`.)  The reference point
:math:`\theta_0` is the domain's midpoint.  Everything is evaluated in log
space: exponents of :math:`10^3` or more are ordinary numbers here.
"""

from __future__ import annotations

import math
import numpy as np
from scipy.special import logsumexp

from ._validation import as_1d_float_array, positive_float
from .landscape import Landscape
from .quadrature import gauss_legendre, graded_panels, interval_integrals

__all__ = ["drift_increments", "drift_integral", "log_normalizer", "stationary_density",
           "log_stationary_density", "effective_potential", "stationary_mass"]

_BASE_PANELS = 256


def _drift_ratio(landscape: Landscape):
    def ratio(x):
        return landscape.checked_grad(x) / landscape.checked_sigma(x)
    return ratio


def drift_increments(landscape: Landscape, points: np.ndarray) -> np.ndarray:
    r"""Exact increments :math:`\int_{x_k}^{x_{k+1}} L'/\Sigma` between consecutive points.

    Parameters
    ----------
    landscape : Landscape
    points : ndarray
        Non-decreasing points inside the domain, shape ``(m,)``.

    Returns
    -------
    ndarray, shape ``(m - 1,)``
        Each increment computed on its own (no differences of cumulative
        sums), by Gauss–Legendre on sub-intervals whose edges include
        geometrically graded points toward both domain ends; relative accuracy
        ~1e-15 for integrands analytic near the interval, including an
        integrable :math:`1/(\theta - a)` singularity at an end.
    """
    points = np.asarray(points, dtype=float)
    if points.size < 2:
        return np.zeros(0)
    if np.any(np.diff(points) < 0):
        raise ValueError("`points` must be non-decreasing")
    a, b = landscape.domain
    breaks = graded_panels(a, b, _BASE_PANELS)
    inner = breaks[(breaks > points[0]) & (breaks < points[-1])]
    allpts = np.concatenate((points, inner))
    order_idx = np.argsort(allpts, kind="mergesort")
    sorted_pts = allpts[order_idx]
    left, right = sorted_pts[:-1], sorted_pts[1:]
    length = right - left
    dist = np.minimum(left - a, b - right)
    fine = (length > 0.1 * np.maximum(dist, 0.0)) | (length > (b - a) / 4096)
    ratio = _drift_ratio(landscape)
    sub = np.zeros(left.size)
    nz = length > 0
    for order, sel in ((16, fine & nz), (8, ~fine & nz)):
        if sel.any():
            sub[sel] = interval_integrals(ratio, left[sel], right[sel], order=order)
    # sum the sub-intervals that make up each original interval
    is_original = order_idx < points.size
    starts = np.flatnonzero(is_original)[:-1]
    return np.add.reduceat(sub, starts) if sub.size else sub


def drift_integral(landscape: Landscape, x) -> np.ndarray:
    r""":math:`I(x) = \int_{\theta_0}^{x} L'/\Sigma` with :math:`\theta_0` the domain midpoint."""
    x = np.asarray(x, dtype=float)
    flat = x.ravel()
    a, b = landscape.domain
    mid = 0.5 * (a + b)
    pts = np.concatenate(([mid], flat))
    order_idx = np.argsort(pts, kind="mergesort")
    sorted_pts = pts[order_idx]
    cum = np.concatenate(([0.0], np.cumsum(drift_increments(landscape, sorted_pts))))
    mid_pos = int(np.flatnonzero(order_idx == 0)[0])
    values = np.empty(pts.size)
    values[order_idx] = cum - cum[mid_pos]
    return values[1:].reshape(x.shape)


def _log_unnormalised(landscape: Landscape, tau: float, x: np.ndarray) -> np.ndarray:
    return -(2.0 / tau) * drift_integral(landscape, x) - np.log(landscape.checked_sigma(x))


def _end_tail(landscape: Landscape, tau: float, end: float, inner: float) -> float:
    r"""log of the mass between a domain end and the nearest panel edge ``inner``.

    With :math:`u` the distance to the end, the log-density is fitted by
    :math:`\log p \approx \log C + s\log u + c\,u` through :math:`u = \delta,
    \delta/2, \delta/4` (actual float distances) and integrated exactly:
    :math:`C\delta^{s+1}/(s+1) + cC\delta^{s+2}/(s+2)`.  This captures the
    algebraic end-point behaviour of a noise variance vanishing linearly at
    the end (Jacobi, CIR) with an :math:`O(\delta^2)` relative error, and is
    negligible for regular ends.
    """
    points = end + (inner - end) * np.array([1.0, 0.5, 0.25])
    u = np.abs(points - end)
    g = _log_unnormalised(landscape, tau, points)
    log_c, slope, lin = np.linalg.solve(np.column_stack((np.ones(3), np.log(u), u)), g)
    if not slope > -1.0 + 1e-8:
        raise ValueError(
            f"the stationary density of {landscape.name!r} at tau={tau!r} cannot be normalised: near the domain end "
            f"{end!r} it grows like |theta - end|^{slope:.6g}, which is not integrable. Where Sigma vanishes at an end "
            f"the drift must push away from it strongly enough; increase the drift or shrink the domain")
    delta = u[0]
    main = log_c + (slope + 1.0) * math.log(delta) - math.log(slope + 1.0)
    correction = lin * delta * (slope + 1.0) / (slope + 2.0)
    if not correction > -0.5:
        raise ValueError(f"the end-point behaviour of the stationary density of {landscape.name!r} near {end!r} "
                         f"is not resolved; use a finer domain end or check `grad` and `Sigma` there")
    return float(main + math.log1p(correction))


def _log_mass(landscape: Landscape, tau: float, lo: float, hi: float, panels: int) -> float:
    nodes, weights = gauss_legendre(20)
    edges = graded_panels(lo, hi, panels)
    inner = edges[1:-1]
    h = np.diff(inner)
    x = (inner[:-1, None] + 0.5 * h[:, None] * (nodes[None, :] + 1.0)).ravel()
    logw = (np.log(0.5 * h)[:, None] + np.log(weights)[None, :]).ravel()
    terms = np.concatenate((_log_unnormalised(landscape, tau, x) + logw,
                            [_end_tail(landscape, tau, lo, edges[1]), _end_tail(landscape, tau, hi, edges[-2])]))
    return float(logsumexp(terms))


def _converged_log_mass(landscape: Landscape, tau: float, lo: float, hi: float) -> float:
    """log of the unnormalised mass on [lo, hi], refined until it stops changing."""
    panels, previous = 64, None
    while True:
        value = _log_mass(landscape, tau, lo, hi, panels)
        if not math.isfinite(value):
            raise ValueError(f"the stationary density of {landscape.name!r} at tau={tau!r} cannot be normalised "
                             f"(log-mass {value!r}); check that `Sigma` > 0 and `grad` is finite on the domain")
        if previous is not None and abs(value - previous) <= 2e-12 * max(1.0, abs(value)):
            return value
        if panels >= 2 ** 15:
            raise ValueError(f"the normalising constant of {landscape.name!r} at tau={tau!r} did not converge "
                             f"(last change {abs(value - previous):.3g}); the density may be too peaked for the "
                             f"domain, shrink the domain")
        previous, panels = value, panels * 2


def log_normalizer(landscape: Landscape, tau: float) -> float:
    r""":math:`\ln Z` for the density :math:`e^{-(2/\tau) I(\theta)}/\Sigma(\theta)` on the domain.

    Raises
    ------
    ValueError
        If ``tau`` is not positive, if :math:`\Sigma` is not positive or finite
        somewhere on the domain, or if the density cannot be normalised.
    """
    tau = positive_float(tau, "tau", "tau is the learning rate eta of the SGD diffusion")
    a, b = landscape.domain
    return _converged_log_mass(landscape, tau, a, b)


def log_stationary_density(landscape: Landscape, tau: float, x) -> np.ndarray:
    """Natural log of the normalised stationary density at ``x`` (see :func:`stationary_density`)."""
    tau = positive_float(tau, "tau", "tau is the learning rate eta of the SGD diffusion")
    arr = np.asarray(x, dtype=float)
    as_1d_float_array(arr.ravel(), "x")
    a, b = landscape.domain
    if np.any((arr < a) | (arr > b)):
        bad = float(arr[(arr < a) | (arr > b)].ravel()[0])
        raise ValueError(f"`x` = {bad!r} lies outside the domain [{a!r}, {b!r}]")
    return _log_unnormalised(landscape, tau, arr) - log_normalizer(landscape, tau)


def stationary_density(landscape: Landscape, tau: float, x, log: bool = False) -> np.ndarray:
    r"""The normalised stationary density :math:`p(x)` of SGD's Fokker–Planck equation.

    .. math:: p(\theta) = \frac{1}{Z\,\Sigma(\theta)}
              \exp\Big(-\frac{2}{\tau}\int_{\theta_0}^{\theta}\frac{L'}{\Sigma}\Big)

    Parameters
    ----------
    landscape : Landscape
    tau : float
        Temperature :math:`\tau = \eta` (the learning rate), > 0.
    x : array_like
        Points in the domain.
    log : bool
        Return :math:`\ln p` instead (never underflows).

    Returns
    -------
    ndarray
        Density values (units 1/[theta]); the integral over the domain is 1 to
        ~1e-13 relative for smooth inputs.

    Examples
    --------
    Ornstein–Uhlenbeck: :math:`L = \theta^2`, :math:`\Sigma = 1`, :math:`\tau = 0.5`
    gives a Gaussian of variance :math:`\tau\Sigma/(2H) = 1/8`:

    >>> import numpy as np
    >>> from fpesolve import Landscape, stationary_density
    >>> ou = Landscape(grad=lambda x: 2 * x, sigma=lambda x: np.ones_like(x), domain=(-6, 6))
    >>> p0 = stationary_density(ou, 0.5, 0.0)
    >>> bool(abs(p0 - 1 / np.sqrt(2 * np.pi / 8)) < 1e-12)
    True
    """
    logp = log_stationary_density(landscape, tau, x)
    return logp if log else np.exp(logp)


def effective_potential(landscape: Landscape, tau: float, x) -> np.ndarray:
    r"""The effective potential :math:`V_{\mathrm{eff}} = -\frac{\tau}{2}\ln p`.

    Equal to :math:`\int_{\theta_0}^{\theta} L'/\Sigma + \frac{\tau}{2}\ln\Sigma`
    plus the constant :math:`\frac{\tau}{2}\ln Z` that makes
    :math:`p = e^{-2V_{\mathrm{eff}}/\tau}` exactly normalised.  Units of the
    loss divided by units of :math:`\Sigma`.
    """
    return -0.5 * tau * log_stationary_density(landscape, tau, x)


def stationary_mass(landscape: Landscape, tau: float, lo: float, hi: float, log: bool = False) -> float:
    r"""Exact stationary probability :math:`\int_{lo}^{hi} p` (e.g. a basin's weight).

    Computed as a ratio of two converged log-space quadratures, so it keeps
    full relative precision even when it is :math:`10^{-1000}`
    (``log=True`` returns its natural log).
    """
    tau = positive_float(tau, "tau")
    lo = landscape.contains(lo, "lo")
    hi = landscape.contains(hi, "hi")
    if not hi > lo:
        raise ValueError(f"need `lo` < `hi`, got lo={lo!r}, hi={hi!r}")
    value = _converged_log_mass(landscape, tau, lo, hi) - log_normalizer(landscape, tau)
    return value if log else math.exp(value)

