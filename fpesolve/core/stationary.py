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
from typing import Tuple

import numpy as np
from scipy.special import logsumexp, roots_jacobi

from .._util.deprecation import renamed_keyword
from .._util.errors import ConvergenceError, IllPosedError
from .._util.validation import as_1d_float_array, real_array
from .landscape import Landscape
from .quadrature import gauss_legendre, graded_panels, interval_integrals
from .wellposed import check_well_posed

__all__ = ["drift_increments", "drift_integral", "log_normalizer", "stationary_density",
           "log_stationary_density", "effective_potential", "stationary_mass"]

_BASE_PANELS = 256
_FIRST_PANELS = 64          # first panel count of the refinement of a mass on [lo, hi]
_MAX_PANELS = 2 ** 17       # panels of the adaptive mass quadrature, at most
_MAX_ROUNDS = 60            # rounds of panel splitting, at most
_PANEL_ORDER = 20           # Gauss–Legendre nodes per panel
_LOG_MASS_RTOL = 2e-13      # absolute change of log(mass) between refinements = relative change of the mass
_ROUNDOFF_ULPS = 64         # allowance for round-off in exponents of size |log mass|
_GRADING_RATIO = 0.2        # geometric grading toward domain ends (as graded_panels)
_GRADING_LEVELS = 40
_REGULAR_GRADING_LIMIT = np.finfo(float).eps ** 0.5   # narrowest graded panel at a regular end, rel. to |end|
_TAIL_WIDTH = np.finfo(float).eps ** 0.25   # tail panel at a singular nonzero domain end, relative to |end|
_TAIL_ORDER = 24            # Gauss–Jacobi nodes for the fitted end tail
_TAIL_MAX_VARIATION = 20.0  # larger variation of the fitted regular part over the tail: end not resolved


def _drift_ratio(landscape: Landscape):
    def ratio(x):
        return landscape.checked_grad(x) / landscape.checked_sigma(x)
    return ratio


def drift_increments(landscape: Landscape, points: np.ndarray) -> np.ndarray:
    r"""Exact increments :math:`\int_{x_k}^{x_{k+1}} L'/\Sigma` between consecutive points.

    Parameters
    ----------
    landscape : Landscape
        Supplies :math:`L'`, :math:`\Sigma` and the domain :math:`(a, b)`.
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

    Raises
    ------
    ValueError
        When ``points`` decrease somewhere, or :math:`L'` is not finite or
        :math:`\Sigma` not finite and positive at a quadrature node.

    Examples
    --------
    For :math:`L' = \theta`, :math:`\Sigma = 1` the increments are
    :math:`(x_{k+1}^2 - x_k^2)/2`:

    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> from fpesolve.core import drift_increments
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> drift_increments(ou, np.array([0.0, 1.0, 2.0])).tolist()
    [0.5, 1.5]
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


def _compensated_cumsum(values: np.ndarray) -> np.ndarray:
    """``[0, cumsum(values)]`` with the rounding error of every partial sum added back.

    ``np.cumsum`` rounds each partial sum, and over ``n`` terms the errors
    add up to ~``sqrt(n) eps |sum|``: for the drift integral on the
    ~10^5 nodes of a refined quadrature, times the ``2/eta`` of a small
    temperature, that is 1e-10 in a log-density.  The error of each addition
    ``s_k = s_{k-1} + x_k`` is recovered exactly (Knuth's TwoSum, vectorised
    because the partial sums are known) and the errors are summed
    separately, leaving one rounding of the result.
    """
    total = np.cumsum(values)
    before = np.concatenate(([0.0], total[:-1]))
    added = total - before
    errors = (before - (total - added)) + (values - added)
    return np.concatenate(([0.0], total + np.cumsum(errors)))


def drift_integral(landscape: Landscape, x) -> np.ndarray:
    r""":math:`I(x) = \int_{\theta_0}^{x} L'/\Sigma` with :math:`\theta_0` the domain midpoint.

    The increments are summed outward from :math:`\theta_0` (to the right and
    to the left separately), so the rounding error at ``x`` is a few ulps of
    :math:`I(x)` itself, not of the largest :math:`|I|` on the domain.

    Parameters
    ----------
    landscape : Landscape
        Supplies :math:`L'`, :math:`\Sigma` and the domain :math:`(a, b)`.
    x : array_like
        Points of the domain (any shape).

    Returns
    -------
    ndarray
        :math:`I(x)`, shape of ``x`` (units of the loss divided by units of :math:`\Sigma`).

    Raises
    ------
    ValueError
        When :math:`L'` is not finite or :math:`\Sigma` not finite and positive
        at a quadrature node between :math:`\theta_0` and ``x``.

    Examples
    --------
    For :math:`L' = \theta`, :math:`\Sigma = 1` on :math:`(-8, 8)`,
    :math:`I(x) = x^2/2`:

    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> from fpesolve.core import drift_integral
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> drift_integral(ou, np.array([-2.0, 1.0])).tolist()
    [2.0, 0.5]
    """
    x = np.asarray(x, dtype=float)
    flat = x.ravel()
    a, b = landscape.domain
    mid = 0.5 * (a + b)
    pts = np.concatenate(([mid], flat))
    order_idx = np.argsort(pts, kind="mergesort")
    sorted_pts = pts[order_idx]
    inc = drift_increments(landscape, sorted_pts)
    mid_pos = int(np.flatnonzero(order_idx == 0)[0])
    cum = np.concatenate((-_compensated_cumsum(inc[:mid_pos][::-1])[::-1], _compensated_cumsum(inc[mid_pos:])[1:]))
    values = np.empty(pts.size)
    values[order_idx] = cum
    return values[1:].reshape(x.shape)


def _log_unnormalised(landscape: Landscape, eta: float, x: np.ndarray) -> np.ndarray:
    return -(2.0 / eta) * drift_integral(landscape, x) - np.log(landscape.checked_sigma(x))


def _end_tail(landscape: Landscape, eta: float, end: float, inner: float) -> float:
    r"""log of the mass between a singular domain end and the nearest panel edge ``inner``.

    With :math:`u` the distance to the end, :math:`\delta = |inner - end|`
    and :math:`t = u/\delta`, the log-density is fitted by
    :math:`\log p \approx \log C + s\log t + c_1 t + c_2 t^2 + c_3 t^3`
    through :math:`t = 1, 1/2, \dots, 1/16` (actual float distances) and
    :math:`\delta C\int_0^1 t^s e^{c_1 t + c_2 t^2 + c_3 t^3}\,dt` is
    evaluated by Gauss–Jacobi quadrature with weight :math:`t^s`.  This
    captures the algebraic end-point behaviour of a noise variance vanishing
    linearly at the end (Jacobi, CIR) with an :math:`O(\delta^4)` relative
    error.
    """
    points = end + (inner - end) * 2.0 ** -np.arange(5)
    u = np.abs(points - end)
    delta = u[0]
    t = u / delta
    g = _log_unnormalised(landscape, eta, points)
    basis = np.column_stack((np.ones(t.size), np.log(t), t, t * t, t ** 3))
    log_c, slope, c1, c2, c3 = np.linalg.solve(basis, g)
    if not slope > -1.0 + 1e-8:
        raise IllPosedError(
            f"the stationary density of {landscape.name!r} at eta={eta!r} cannot be normalised: near the domain end "
            f"{end!r} it grows like |theta - end|^{slope:.6g}, which is not integrable. Where Sigma vanishes at an end "
            f"the drift must push away from it strongly enough; increase the drift or shrink the domain")
    if not abs(c1) + abs(c2) + abs(c3) < _TAIL_MAX_VARIATION:
        raise ConvergenceError(f"the end-point behaviour of the stationary density of {landscape.name!r} near {end!r} "
                               f"is not resolved; use a finer domain end or check `grad` and `sigma` there")
    nodes, weights = roots_jacobi(_TAIL_ORDER, 0.0, slope)
    tt = 0.5 * (1.0 + nodes)
    inner_log = logsumexp(np.log(weights) + c1 * tt + c2 * tt * tt + c3 * tt ** 3)
    return float(log_c + math.log(delta) - (slope + 1.0) * math.log(2.0) + inner_log)


def _singular_end(landscape: Landscape, end: float) -> bool:
    """True unless the density is regular at a domain end (finite ``grad``, finite positive ``Sigma`` there)."""
    try:
        with np.errstate(all="ignore"):
            sigma = float(np.asarray(landscape.sigma(np.array([end])), dtype=float).ravel()[0])
            grad = float(np.asarray(landscape.grad(np.array([end])), dtype=float).ravel()[0])
    except (ArithmeticError, ValueError):
        return True
    return not (math.isfinite(grad) and math.isfinite(sigma) and sigma > 0.0)


def _panel_edges(lo: float, hi: float, panels: int, domain: Tuple[float, float],
                 singular: Tuple[bool, bool]) -> np.ndarray:
    """Edges of ``panels`` equal panels on ``[lo, hi]``, graded toward *singular domain* ends.

    At an end of ``[lo, hi]`` that is a domain end where the density is
    singular (``singular`` flags, for ``a`` and ``b``) the panels are graded
    geometrically (ratio 1/5) down to a tail panel that the caller
    integrates with :func:`_end_tail`.  At a nonzero end that tail has the
    fixed width ``eps**(1/4) |end|`` (at most a quarter of the interval):
    Gauss nodes closer to ``end = 1`` than that would be rounded by a
    noticeable fraction of their distance to the end (floats near 1 are
    1.1e-16 apart); at ``end = 0`` there is no such limit and the tail is
    ``5**-40`` of a panel.  At a regular domain end the panels are graded the
    same way (no tail; down to ``sqrt(eps) max(|end|, hi - lo)``) so that the
    boundary layer of a drift into the wall at small ``eta`` is resolved.
    Ends of ``[lo, hi]`` inside the domain are graded the same way (a tail
    mass at small ``eta`` falls off within ``eta Sigma/|L'|`` of its end).  When
    the domain end is closer to ``[lo, hi]`` than its width, points
    ``end + 5^k dist`` grade the panels toward that end just outside the
    interval, so that a nearby end-point singularity is resolved too.
    """
    a, b = domain
    width = hi - lo
    h = width / panels
    edges = [np.linspace(lo, hi, panels + 1)]
    fractions = _GRADING_RATIO ** np.arange(1, _GRADING_LEVELS + 1)
    keep_lo, keep_hi = lo, hi
    for end, inward, sign, flag in ((a, lo, 1.0, singular[0]), (b, hi, -1.0, singular[1])):
        dist = abs(inward - end)
        if dist == 0.0:
            if not flag:
                # a regular domain end can still carry a boundary layer of width ~ eta Sigma / |L'| (drift into a
                # wall at small eta): grade toward it too, Gauss-Legendre on every panel down to the end
                steps = h * fractions
                steps = steps[steps > _REGULAR_GRADING_LIMIT * max(abs(end), width)]
                edges.append(end + sign * steps)
                continue
            tail = min(_TAIL_WIDTH * abs(end), 0.25 * width)
            steps = h * fractions
            steps = steps[steps > tail]
            edges.append(end + sign * (np.append(steps, tail) if tail > 0 else steps))
            if tail > 0:
                # no uniform edge inside the tail panel
                keep_lo, keep_hi = (end + tail, keep_hi) if sign > 0 else (keep_lo, end - tail)
        else:
            # an interval end inside the domain can sit in the steep flank of a peaked density (a tail mass at
            # small eta falls off within ~eta Sigma/|L'| of it): grade toward it as toward a regular end
            steps = h * fractions
            steps = steps[steps > _REGULAR_GRADING_LIMIT * max(abs(inward), width)]
            edges.append(inward + sign * steps)
        if 0.0 < dist < width:
            levels = int(math.ceil((math.log(dist + h) - math.log(dist)) / -math.log(_GRADING_RATIO)))
            steps = dist * (1.0 / _GRADING_RATIO) ** np.arange(1, levels + 1)
            steps = steps[steps < dist + h]
            edges.append(end + sign * steps)
    allpts = np.concatenate(edges)
    inside = (allpts >= keep_lo) & (allpts <= keep_hi)
    return np.unique(np.concatenate(([lo, hi], allpts[inside])))


def _panel_log_masses(landscape: Landscape, eta: float, edges: np.ndarray) -> np.ndarray:
    """log of the unnormalised mass on each panel ``[edges[k], edges[k+1]]`` (20-point Gauss–Legendre)."""
    nodes, weights = gauss_legendre(_PANEL_ORDER)
    h = np.diff(edges)
    x = (edges[:-1, None] + 0.5 * h[:, None] * (nodes[None, :] + 1.0)).ravel()
    logw = np.log(0.5 * h)[:, None] + np.log(weights)[None, :]
    values = _log_unnormalised(landscape, eta, x).reshape(logw.shape) + logw
    return logsumexp(values, axis=1)


def _converged_log_mass(landscape: Landscape, eta: float, lo: float, hi: float) -> float:
    """log of the unnormalised mass on [lo, hi] by adaptive composite Gauss–Legendre.

    Start from ``_FIRST_PANELS`` panels graded toward both ends
    (:func:`_panel_edges`); each round compares every panel's 20-point value
    with the sum over its two halves, takes the halves as the answer and
    splits the panels whose difference (relative to the *total* mass) is
    above their share of the tolerance, until the summed differences fall
    below ``_LOG_MASS_RTOL`` plus the round-off floor of the log-space sum,
    a few ulps of ``|log mass|`` (the exponents are measured from the domain
    midpoint and summed outward, :func:`drift_integral`).  Panels are only
    added where the density has mass, so a peak of width ``1e-4`` of the
    domain costs a few hundred panels.  A domain end where the density is
    singular (``Sigma`` vanishing, :func:`_singular_end`) gets the fitted
    end-point tail of :func:`_end_tail` beyond the graded panels.
    """
    a, b = landscape.domain
    tail_lo = lo == a and _singular_end(landscape, a)
    tail_hi = hi == b and _singular_end(landscape, b)
    edges = _panel_edges(lo, hi, _FIRST_PANELS, (a, b), (tail_lo, tail_hi))
    tails = []
    if tail_lo:
        tails.append(_end_tail(landscape, eta, lo, edges[1]))
    if tail_hi:
        tails.append(_end_tail(landscape, eta, hi, edges[-2]))
    inner = edges[int(tail_lo):edges.size - int(tail_hi)]
    coarse = _panel_log_masses(landscape, eta, inner)
    for _ in range(_MAX_ROUNDS):
        mids = 0.5 * (inner[:-1] + inner[1:])
        split_edges = np.concatenate((np.column_stack((inner[:-1], mids)).ravel(), inner[-1:]))
        halves = _panel_log_masses(landscape, eta, split_edges).reshape(-1, 2)
        fine = np.logaddexp(halves[:, 0], halves[:, 1])
        total = float(logsumexp(np.concatenate((fine, tails))))
        if not math.isfinite(total):
            raise IllPosedError(f"the stationary density of {landscape.name!r} at eta={eta!r} cannot be normalised "
                                f"(log-mass {total!r}); check that `sigma` > 0 and `grad` is finite on the domain")
        with np.errstate(under="ignore", over="ignore"):   # a coarse value far off: inf, split that panel
            err = np.abs(np.exp(coarse - total) - np.exp(fine - total))
        tol = _LOG_MASS_RTOL + _ROUNDOFF_ULPS * np.finfo(float).eps * abs(total)
        if err.sum() <= tol:
            return total
        if inner.size - 1 >= _MAX_PANELS:
            break
        split = err > tol / (4.0 * err.size)
        keep = ~split
        # the halves of a split panel become panels whose coarse value is already known
        new_edges = np.unique(np.concatenate((inner, mids[split])))
        coarse = _coarse_after_split(new_edges, inner, mids, split, keep, coarse, halves)
        inner = new_edges
    raise ConvergenceError(f"the stationary mass of {landscape.name!r} on [{lo!r}, {hi!r}] at eta={eta!r} did not "
                           f"converge with {inner.size - 1} panels (remaining relative error {err.sum():.3g}); the "
                           f"density may be too peaked for the domain: shrink the domain")


def _coarse_after_split(new_edges, inner, mids, split, keep, coarse, halves) -> np.ndarray:
    """Per-panel 20-point log-masses on ``new_edges``: kept panels keep theirs, split ones take their halves'."""
    start = np.concatenate(([0], np.cumsum(1 + split[:-1].astype(np.int64))))
    out = np.empty(new_edges.size - 1)
    out[start[keep]] = coarse[keep]
    out[start[split]] = halves[split, 0]
    out[start[split] + 1] = halves[split, 1]
    return out


@renamed_keyword("tau", "eta")
def log_normalizer(landscape: Landscape, eta: float) -> float:
    r""":math:`\ln Z` for the density :math:`e^{-(2/\tau) I(\theta)}/\Sigma(\theta)` on the domain.

    :math:`I` is :func:`drift_integral` (from the domain midpoint); the
    integral is an adaptive log-space Gauss–Legendre quadrature converged to
    ~2e-13 relative.

    Parameters
    ----------
    landscape : Landscape
        Supplies :math:`L'`, :math:`\Sigma` and the domain :math:`(a, b)`.
    eta : float
        The learning rate :math:`\eta > 0` (dimensionless; the diffusion's temperature :math:`\tau = \eta`).

    Returns
    -------
    float
        :math:`\ln Z` (finite even when :math:`Z` over- or underflows).

    Raises
    ------
    IllPosedError
        If :math:`\Sigma` vanishes inside the domain, ``grad`` has a pole, or
        the density cannot be normalised at an end
        (:func:`fpesolve.core.wellposed.check_well_posed`).
    ValueError
        If ``eta`` is not a positive normal float or too small for float64
        exponents, or :math:`\Sigma` is not finite.
    ConvergenceError
        If the quadrature does not converge (a density too peaked for the
        domain) or an end-point singularity is not resolved.

    Examples
    --------
    For :math:`L = \theta^2/2`, :math:`\Sigma = 1` the density is
    :math:`e^{-\theta^2/\eta}`, so :math:`Z = \sqrt{\pi\eta}`:

    >>> import math, numpy as np
    >>> from fpesolve import Landscape, log_normalizer
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> bool(abs(log_normalizer(ou, 0.5) - 0.5 * math.log(math.pi * 0.5)) < 1e-13)
    True
    """
    eta = check_well_posed(landscape, eta).eta
    a, b = landscape.domain
    return _converged_log_mass(landscape, eta, a, b)


@renamed_keyword("tau", "eta")
def log_stationary_density(landscape: Landscape, eta: float, x) -> np.ndarray:
    r"""Natural log of the normalised stationary density at ``x`` (see :func:`stationary_density`).

    Parameters
    ----------
    landscape : Landscape
        Supplies :math:`L'`, :math:`\Sigma` and the domain :math:`(a, b)`.
    eta : float
        The learning rate :math:`\eta > 0` (dimensionless; the diffusion's temperature :math:`\tau = \eta`).
    x : array_like
        Points of the closed domain (any shape).

    Returns
    -------
    ndarray
        :math:`\ln p(x)` (``p`` in units 1/[theta]), shape of ``x``; never underflows.

    Raises
    ------
    IllPosedError
        Where no normalisable stationary density exists (see
        :func:`fpesolve.core.wellposed.check_well_posed`).
    ValueError, TypeError
        For a bad ``eta``, or ``x`` outside the domain, not finite or not numbers.
    ConvergenceError
        If the normalising quadrature does not converge (see :func:`log_normalizer`).

    Examples
    --------
    For :math:`L = \theta^2/2`, :math:`\Sigma = 1` the stationary law is
    :math:`N(0, \eta/2)`, so :math:`\ln p(x) = -\tfrac12\ln(\pi\eta) - x^2/\eta`:

    >>> import math, numpy as np
    >>> from fpesolve import Landscape
    >>> from fpesolve.core import log_stationary_density
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> logp = log_stationary_density(ou, 0.5, [0.0, 1.0])
    >>> bool(np.allclose(logp, -0.5 * math.log(math.pi * 0.5) - np.array([0.0, 1.0]) / 0.5, atol=1e-13))
    True
    """
    eta = check_well_posed(landscape, eta).eta
    arr = real_array(x, "x")
    as_1d_float_array(arr.ravel(), "x")
    a, b = landscape.domain
    if np.any((arr < a) | (arr > b)):
        bad = float(arr[(arr < a) | (arr > b)].ravel()[0])
        raise ValueError(f"`x` = {bad!r} lies outside the domain [{a!r}, {b!r}]")
    return _log_unnormalised(landscape, eta, arr) - log_normalizer(landscape, eta)


@renamed_keyword("tau", "eta")
def stationary_density(landscape: Landscape, eta: float, x, log: bool = False) -> np.ndarray:
    r"""The normalised stationary density :math:`p(x)` of SGD's Fokker–Planck equation.

    .. math:: p(\theta) = \frac{1}{Z\,\Sigma(\theta)}
              \exp\Big(-\frac{2}{\tau}\int_{\theta_0}^{\theta}\frac{L'}{\Sigma}\Big)

    Parameters
    ----------
    landscape : Landscape
        Supplies :math:`L'`, :math:`\Sigma` and the domain :math:`(a, b)`.
    eta : float
        The learning rate :math:`\eta > 0` (dimensionless; the diffusion's temperature :math:`\tau = \eta`).
    x : array_like
        Points in the domain.
    log : bool
        Return :math:`\ln p` instead (never underflows).

    Returns
    -------
    ndarray
        Density values (units 1/[theta]); the integral over the domain is 1 to
        ~1e-13 relative for smooth inputs.

    Raises
    ------
    IllPosedError
        Where no normalisable stationary density exists: :math:`\Sigma`
        vanishing inside the domain, a pole of ``grad``, a non-integrable end
        (see :func:`fpesolve.core.wellposed.check_well_posed`).
    ValueError, TypeError
        For a bad ``eta`` or ``x`` (outside the domain, not finite, not numbers).

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
    logp = log_stationary_density(landscape, eta, x)
    return logp if log else np.exp(logp)


@renamed_keyword("tau", "eta")
def effective_potential(landscape: Landscape, eta: float, x) -> np.ndarray:
    r"""The effective potential :math:`V_{\mathrm{eff}} = -\frac{\tau}{2}\ln p`.

    Equal to :math:`\int_{\theta_0}^{\theta} L'/\Sigma + \frac{\tau}{2}\ln\Sigma`
    plus the constant :math:`\frac{\tau}{2}\ln Z` that makes
    :math:`p = e^{-2V_{\mathrm{eff}}/\tau}` exactly normalised.  Units of the
    loss divided by units of :math:`\Sigma`.

    Parameters
    ----------
    landscape : Landscape
        Supplies :math:`L'`, :math:`\Sigma` and the domain :math:`(a, b)`.
    eta : float
        The learning rate :math:`\eta > 0` (dimensionless; the diffusion's temperature :math:`\tau = \eta`).
    x : array_like
        Points of the closed domain (any shape).

    Returns
    -------
    ndarray
        :math:`V_{\mathrm{eff}}(x)`, shape of ``x``.

    Raises
    ------
    IllPosedError, ValueError, TypeError, ConvergenceError
        As :func:`~fpesolve.core.log_stationary_density`.

    Examples
    --------
    With constant :math:`\Sigma = 1` the effective potential is the loss
    :math:`\theta^2/2` shifted by :math:`\frac{\eta}{2}\ln Z = \frac{\eta}{4}\ln(\pi\eta)`:

    >>> import math, numpy as np
    >>> from fpesolve import Landscape, effective_potential
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> v = effective_potential(ou, 0.5, [0.0, 1.0])
    >>> bool(np.allclose(v, np.array([0.0, 0.5]) + 0.125 * math.log(math.pi * 0.5), atol=1e-13))
    True
    """
    logp = log_stationary_density(landscape, eta, x)
    return -0.5 * check_well_posed(landscape, eta).eta * logp


@renamed_keyword("tau", "eta")
def stationary_mass(landscape: Landscape, eta: float, lo: float, hi: float, log: bool = False) -> float:
    r"""Exact stationary probability :math:`\int_{lo}^{hi} p` (e.g. a basin's weight).

    Computed as a ratio of two converged log-space quadratures, so it keeps
    full relative precision even when it is :math:`10^{-1000}`
    (``log=True`` returns its natural log).

    Parameters
    ----------
    landscape : Landscape
        Supplies :math:`L'`, :math:`\Sigma` and the domain :math:`(a, b)`.
    eta : float
        The learning rate :math:`\eta > 0` (dimensionless; the diffusion's temperature :math:`\tau = \eta`).
    lo, hi : float
        The interval, ``a <= lo < hi <= b``.
    log : bool
        Return the natural log of the mass (for masses below ~1e-308).

    Returns
    -------
    float
        The probability in ``(0, 1]``, or its log.

    Raises
    ------
    IllPosedError
        Where no normalisable stationary density exists.
    ValueError, TypeError
        For a bad ``eta``, ``lo`` or ``hi`` outside the domain or not
        numbers, or ``lo >= hi``.
    ConvergenceError
        If a quadrature does not converge (see :func:`log_normalizer`).

    Examples
    --------
    :math:`L = \theta^2/2`, :math:`\Sigma = 1`: :math:`N(0, \eta/2)` puts
    :math:`\mathrm{erf}(1/\sqrt2)` within one standard deviation, and
    :math:`\tfrac12\mathrm{erfc}(2/\sqrt{\eta})` (here ~1e-176) beyond 2:

    >>> import math, numpy as np
    >>> from fpesolve import Landscape, stationary_mass
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> bool(abs(stationary_mass(ou, 0.5, -0.5, 0.5) - math.erf(1 / math.sqrt(2))) < 1e-13)
    True
    >>> log_tail = stationary_mass(ou, 0.01, 2.0, 8.0, log=True)
    >>> bool(abs(log_tail - math.log(0.5 * math.erfc(20.0))) < 1e-10)
    True
    """
    eta = check_well_posed(landscape, eta).eta
    lo = landscape.contains(lo, "lo")
    hi = landscape.contains(hi, "hi")
    if not hi > lo:
        raise ValueError(f"need `lo` < `hi`, got lo={lo!r}, hi={hi!r}")
    value = _converged_log_mass(landscape, eta, lo, hi) - log_normalizer(landscape, eta)
    return value if log else math.exp(value)

