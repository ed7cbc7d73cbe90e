r"""Exact mean first-passage times, basin escape times and the Eyring–Kramers law.

For the Ito SDE :math:`d\theta = -L'\,dt + \sqrt{\tau\Sigma}\,dW` on
:math:`(a, b)` with a reflecting left end, the mean time to reach
:math:`y_1 > x_0` from :math:`x_0` is (Gardiner §5.2.7)

.. math:: T(x_0 \to y_1) = \int_{x_0}^{y_1} \frac{dy}{D(y)\,p(y)} \int_a^{y} p(z)\,dz
          = \frac{2}{\tau}\int_{x_0}^{y_1} e^{-g(y)} \int_a^{y}\frac{e^{g(z)}}{\Sigma(z)}\,dz\,dy,

with :math:`D = \tau\Sigma/2`, :math:`p \propto e^{g}/\Sigma` and
:math:`g = -(2/\tau)\int^{\theta} L'/\Sigma`; the normaliser cancels.  For
:math:`y_1 < x_0` the mirror image (reflection at the right end) applies.
Everything is evaluated in log space: :math:`g` of several thousand is an
ordinary number, and times such as :math:`10^{1087}` come back as their
:math:`\log_{10}`.

Quadrature: composite Gauss–Legendre on panels whose edges include the start,
the target and every critical point (so :math:`g` is monotone on each panel),
split until :math:`g` changes by at most ``panel_variation`` across a panel,
and graded geometrically toward the domain ends.  The inner integral at each
outer node is the running sum of whole-panel masses plus the spectral
(Legendre) partial integral within its panel; :math:`g` at the nodes is the
spectral running integral of :math:`g'` from its exactly computed panel-edge
values (:func:`fpesolve.core.stationary.drift_increments`).  Relative accuracy is
~1e-12 for smooth landscapes, limited by the conditioning
:math:`\varepsilon\,|g|` of the exponent.

Times are continuous times :math:`t`; ``iterations`` are :math:`t/\eta`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional, Tuple, Union

import numpy as np
from scipy.special import logsumexp

from .._util.formatting import float_from_log10, format_log10
from .._util.result import Result
from .._util.validation import positive_float
from .._util.deprecation import renamed_keyword
from .basins import basins
from .landscape import CriticalPoint, Landscape
from .quadrature import gauss_legendre, graded_panels
from .stationary import drift_increments, stationary_mass
from .wellposed import check_well_posed

__all__ = ["FirstPassageTime", "KramersTime", "Escape", "EscapeTimes", "GridFirstPassage",
           "mean_first_passage_time", "kramers_time", "escape_times", "basin_probabilities", "mfpt_on_grid",
           "grid_log_link_times", "grid_log_passage"]

_LN10 = math.log(10.0)


_log10_to_float = float_from_log10
_fmt_log10 = format_log10


# ---------------------------------------------------------------------------------------------- results
@dataclass(frozen=True, repr=False)
class FirstPassageTime(Result):
    r"""A mean first-passage time in log-safe form.

    Attributes
    ----------
    start, target : float
        Start and target points (units of :math:`\theta`).
    eta : float
        The learning rate (also the temperature of the diffusion); times in
        iterations are the continuous times divided by it.
    log_time : float
        Natural log of the time (``-inf`` when start == target).
    log10_time : float
        :math:`\log_{10} T` (continuous time).
    time : float
        :math:`T` in continuous time, ``inf`` when it exceeds float64 (never NaN).
    log10_iterations : float
        :math:`\log_{10}(T/\eta)`, SGD iterations.
    iterations : float
        :math:`T/\eta`, ``inf`` when not representable.
    method : str
        How the time was computed.
    error, rel_error : float or None
        Bounds on the absolute / relative error of ``time`` against the
        continuum MFPT, for grid times asked with ``accuracy`` other than
        ``"grid"`` (``error`` is ``None`` when ``time`` is not representable);
        ``None`` otherwise.
    accuracy : str
        ``"grid"``, ``"estimate"`` or ``"continuum"`` for grid times (see
        :meth:`GridFirstPassage.at`); ``"quadrature"`` for
        :func:`mean_first_passage_time`.

    Examples
    --------
    Ornstein–Uhlenbeck, :math:`L = \theta^2/2`, :math:`\Sigma = 1`,
    :math:`\eta = 1`: :math:`T(0 \to 1) = \sqrt\pi\int_0^1 e^{y^2}(1 + \mathrm{erf}\,y)\,dy`:

    >>> import numpy as np
    >>> from scipy.integrate import quad
    >>> from scipy.special import erf
    >>> from fpesolve import Landscape, mean_first_passage_time
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> exact = np.sqrt(np.pi) * quad(lambda y: np.exp(y**2) * (1 + erf(y)), 0, 1, epsabs=0, epsrel=1e-13)[0]
    >>> T = mean_first_passage_time(ou, 1.0, 0.0, 1.0)
    >>> bool(abs(T.time / exact - 1) < 1e-12), T.iterations == T.time
    (True, True)
    """

    start: float
    target: float
    eta: float
    log_time: float
    log10_time: float
    time: float
    log10_iterations: float
    iterations: float
    method: str
    error: Optional[float] = None
    rel_error: Optional[float] = None
    accuracy: str = "grid"

    def summary(self) -> str:
        """One line with the time in both units.

        Returns
        -------
        str
            The time in continuous time and in iterations, its bound if any, and the method.
        """
        err = "" if self.rel_error is None else f", relative error <= {self.rel_error:.1e}"
        return (f"mean first-passage time {self.start:.6g} -> {self.target:.6g} at eta = {self.eta:g}: "
                f"t = {_fmt_log10(self.log10_time)} (log10 {self.log10_time:.10g}{err}), "
                f"{_fmt_log10(self.log10_iterations)} iterations at eta = {self.eta:g} [{self.method}]")

    __str__ = summary


def _passage(start: float, target: float, eta: float, log_time: float, method: str) -> FirstPassageTime:
    log10 = log_time / _LN10
    log10_it = log10 - math.log10(eta)
    return FirstPassageTime(start=float(start), target=float(target), eta=eta, log_time=float(log_time),
                            log10_time=float(log10), time=_log10_to_float(log10), log10_iterations=float(log10_it),
                            iterations=_log10_to_float(log10_it), method=method)


@dataclass(frozen=True, repr=False)
class KramersTime(Result):
    r"""The Eyring–Kramers escape time from a minimum over a saddle.

    .. math:: T_K = \frac{2\pi}{\sqrt{H_a |H_s|}}\sqrt{\frac{\Sigma(s)}{\Sigma(a)}}\,
              \exp\Big(\frac{2}{\tau}\int_a^s\frac{L'}{\Sigma}\Big)

    Attributes
    ----------
    minimum, saddle : CriticalPoint
        The minimum :math:`a` escaped from and the saddle :math:`s` crossed.
    eta : float
        The learning rate (the temperature :math:`\tau = \eta`).
    log_prefactor : float
        :math:`\ln\big(2\pi\sqrt{\Sigma_s/\Sigma_a}/\sqrt{H_a|H_s|}\big)`.
    exponent : float
        :math:`(2/\tau)\int_a^s L'/\Sigma` (the effective barrier over :math:`\tau/2`).
    log10_time, time, log10_iterations, iterations : float
        As in :class:`FirstPassageTime`.

    Examples
    --------
    The double well :math:`L = \theta^4/4 - \theta^2/2`, :math:`\Sigma = 1`:
    :math:`H_a = 2`, :math:`H_s = -1`, barrier :math:`1/4`, so
    :math:`T_K = (2\pi/\sqrt2)\,e^{0.5/\eta}`:

    >>> import numpy as np
    >>> from fpesolve import Landscape, kramers_time
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
    >>> K = kramers_time(dw, 0.1, -1.0, 1.0)
    >>> bool(abs(K.exponent - 5.0) < 1e-12), bool(abs(K.time / (2 * np.pi / np.sqrt(2) * np.exp(5.0)) - 1) < 1e-9)
    (True, True)
    """

    minimum: CriticalPoint
    saddle: CriticalPoint
    eta: float
    log_prefactor: float
    exponent: float
    log10_time: float
    time: float
    log10_iterations: float
    iterations: float

    def summary(self) -> str:
        """One line.

        Returns
        -------
        str
            The minimum, the saddle, the time (continuous and in iterations) and the exponent.
        """
        return (f"Kramers time from x = {self.minimum.x:.6g} over the saddle at {self.saddle.x:.6g}: "
                f"t = {_fmt_log10(self.log10_time)} (log10 {self.log10_time:.10g}; exponent {self.exponent:.10g}), "
                f"{_fmt_log10(self.log10_iterations)} iterations")

    __str__ = summary


@dataclass(frozen=True, repr=False)
class Escape(Result):
    r"""Escape from one minimum to a neighbouring one: exact time, Kramers time and their ratio.

    ``kramers`` is ``None`` when the source is a minimum at a wall
    (``source.at_wall``): the Eyring–Kramers law needs :math:`L' = 0`,
    :math:`H > 0` at the minimum; ``ratio`` and ``log10_ratio`` are then
    ``None``.

    Attributes
    ----------
    source, destination : CriticalPoint
        The minimum escaped from and the neighbouring minimum reached.
    saddle : CriticalPoint
        The separating saddle between them.
    exact : FirstPassageTime
        The exact mean first-passage time from ``source`` to ``destination``.
    kramers : KramersTime or None
        The Eyring–Kramers estimate over ``saddle`` (``None`` from a wall minimum).

    Examples
    --------
    The Kramers law is exact as :math:`\eta \to 0`, with a relative error
    :math:`O(\eta)`:

    >>> import numpy as np
    >>> from fpesolve import Landscape, escape_times
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
    >>> e = escape_times(dw, 0.01).escapes[0]
    >>> (e.source.x, e.destination.x, e.saddle.x), bool(abs(e.ratio - 1) < 3 * 0.01)
    ((-1.0, 1.0, 0.0), True)
    """

    source: CriticalPoint
    destination: CriticalPoint
    saddle: CriticalPoint
    exact: FirstPassageTime
    kramers: Optional[KramersTime]

    @property
    def log10_ratio(self) -> Optional[float]:
        """:math:`\\log_{10}(T_{exact}/T_K)` (0 when Kramers is exact; ``None`` without a Kramers time)."""
        if self.kramers is None:
            return None
        return self.exact.log10_time - self.kramers.log10_time

    @property
    def ratio(self) -> Optional[float]:
        """:math:`T_{exact}/T_K` (``None`` without a Kramers time)."""
        lr = self.log10_ratio
        return None if lr is None else 10.0 ** lr

    def summary(self) -> str:
        r"""One line: the exact time and the Kramers time beside it.

        Returns
        -------
        str
            Source, destination, :math:`\log_{10}` of both times and their ratio.
        """
        kr = ("no Kramers time (wall minimum)" if self.kramers is None else
              f"Kramers log10 T = {self.kramers.log10_time:.8g}, exact/Kramers = {self.ratio:.6g}")
        return (f"escape {self.source.x:.6g} -> {self.destination.x:.6g} over {self.saddle.x:.6g}: "
                f"exact log10 T = {self.exact.log10_time:.8g} (continuous time), {kr}")


@dataclass(frozen=True, repr=False)
class EscapeTimes(Result):
    r"""Basin-to-basin escape times between neighbouring minima, and the exact basin probabilities.

    Attributes
    ----------
    eta : float
        The learning rate (the temperature :math:`\tau = \eta`).
    minima : tuple of CriticalPoint
        The minima by position (wall minima included).
    boundaries : ndarray
        Basin edges: the domain ends and the highest saddle between each pair
        of neighbouring minima.
    log_basin_probabilities : ndarray
        Natural logs of the stationary masses of the basins (exact, never underflow).
    basin_probabilities : ndarray
        The stationary masses of the basins (sum 1).
    escapes : tuple of Escape
        For each neighbouring pair both directions, left-to-right first.

    Examples
    --------
    A symmetric double well: the basins hold 1/2 each and both escapes take the same time:

    >>> import numpy as np
    >>> from fpesolve import Landscape, escape_times
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
    >>> E = escape_times(dw, 0.1)
    >>> E.basin_probabilities.round(12).tolist(), bool(np.isclose(*[e.exact.time for e in E.escapes], rtol=1e-10))
    ([0.5, 0.5], True)
    """

    eta: float
    minima: Tuple[CriticalPoint, ...]
    boundaries: np.ndarray = field(repr=False)
    log_basin_probabilities: np.ndarray
    basin_probabilities: np.ndarray
    escapes: Tuple[Escape, ...] = field(repr=False)

    def table(self):
        r"""``(headers, rows)``: one row per escape.

        Returns
        -------
        tuple
            Headers and, per escape, source, destination, :math:`\log_{10}`
            of the exact and Kramers times (``None`` from a wall), their
            ratio and :math:`\log_{10}` of the exact time in iterations.
        """
        headers = ("from", "to", "log10 T exact", "log10 T Kramers", "exact/Kramers", "log10 iterations")
        rows = [(e.source.x, e.destination.x, e.exact.log10_time,
                 None if e.kramers is None else e.kramers.log10_time, e.ratio, e.exact.log10_iterations)
                for e in self.escapes]
        return headers, rows

    def summary(self) -> str:
        r"""A table of basins and escape times.

        Returns
        -------
        str
            The basins (minimum, :math:`\Sigma/H`, probability), then the
            escapes (exact and Kramers times, ratio, iterations).
        """
        lines = [f"Basins at eta = {self.eta:g}",
                 f"{'minimum x':>12s} {'Sigma/H':>10s} {'log10 P(basin)':>16s} {'P(basin)':>12s}"]
        for m, lp, p in zip(self.minima, self.log_basin_probabilities, self.basin_probabilities):
            lines.append(f"{m.x:12.6g} {m.sigma_over_hess:10.4g} {lp / _LN10:16.8g} {p:12.4e}")
        lines.append(f"{'from':>10s} {'to':>10s} {'log10 T exact':>16s} {'log10 T Kramers':>16s} "
                     f"{'exact/Kramers':>14s} {'log10 iterations':>17s}")
        for e in self.escapes:
            kr = (f"{e.kramers.log10_time:16.8f} {e.ratio:14.8f}" if e.kramers is not None
                  else f"{'- (wall)':>16s} {'-':>14s}")
            lines.append(f"{e.source.x:10.4g} {e.destination.x:10.4g} {e.exact.log10_time:16.8f} "
                         f"{kr} {e.exact.log10_iterations:17.8f}")
        return "\n".join(lines)

    __str__ = summary


# ---------------------------------------------------------------------------------------------- quadrature
@lru_cache(maxsize=8)
def _integration_matrix(order: int) -> np.ndarray:
    r"""``M[j, k] = int_{-1}^{t_j} l_k(t) dt`` for the Lagrange basis at the Gauss–Legendre nodes."""
    t, w = gauss_legendre(order)
    leg = np.polynomial.legendre
    vander = leg.legvander(t, order - 1)                      # P_m(t_k)
    coef = (2 * np.arange(order) + 1)[:, None] / 2.0 * (vander.T * w[None, :])  # c = coef @ f
    integrals = np.empty((order, order))
    for m in range(order):
        basis = np.zeros(order)
        basis[m] = 1.0
        integrals[:, m] = leg.legval(t, leg.legint(basis, lbnd=-1.0))
    out = integrals @ coef
    out.flags.writeable = False
    return out


def _mirror(landscape: Landscape) -> Landscape:
    a, b = landscape.domain
    return Landscape(grad=lambda x: -landscape.grad(-np.asarray(x)), sigma=lambda x: landscape.sigma(-np.asarray(x)),
                     domain=(-b, -a), name=f"mirror of {landscape.name}")


def _panel_edges(landscape: Landscape, eta: float, x0: float, y1: float, variation: float) -> Tuple[np.ndarray,
                                                                                                     np.ndarray]:
    """Edges on [a, y1] and the exact increments of g across them."""
    a, b = landscape.domain
    base = graded_panels(a, b, 256, levels=60, ratio=0.5)
    crit = [cp.x for cp in landscape.critical_points() if a < cp.x < y1]
    edges = np.unique(np.concatenate((base[base < y1], [x0, y1], crit)))
    for _ in range(40):
        inc = -(2.0 / eta) * drift_increments(landscape, edges)
        pieces = np.ceil(np.abs(inc) / variation).astype(np.int64)
        pieces[0] = 1  # the panel touching the domain end may hold an integrable end singularity of g
        if np.all(pieces <= 1):
            return edges, inc
        new = [edges[:-1][pieces <= 1]]
        for i in np.flatnonzero(pieces > 1):
            new.append(np.linspace(edges[i], edges[i + 1], min(int(pieces[i]), 4096) + 1)[:-1])
        edges = np.unique(np.concatenate(new + [[edges[-1]]]))
    raise RuntimeError(f"the first-passage quadrature could not resolve the exponent of {landscape.name!r} at "
                       f"eta = {eta!r}; report this landscape")


def _log_mfpt_right(landscape: Landscape, eta: float, x0: float, y1: float, variation: float = 6.0,
                    order: int = 20) -> float:
    """ln T(x0 -> y1) for y1 > x0 with reflection at the left domain end."""
    edges, inc = _panel_edges(landscape, eta, x0, y1, variation)
    t, w = gauss_legendre(order)
    mat = _integration_matrix(order)
    half = 0.5 * np.diff(edges)
    nodes = (0.5 * (edges[:-1] + edges[1:]))[:, None] + half[:, None] * t[None, :]
    flat = nodes.ravel()
    gprime = (-(2.0 / eta) * landscape.checked_grad(flat) / landscape.checked_sigma(flat)).reshape(nodes.shape)
    g_edges = np.concatenate(([0.0], np.cumsum(inc)))
    g = g_edges[:-1, None] + half[:, None] * (gprime @ mat.T)
    h = g - np.log(landscape.checked_sigma(flat)).reshape(nodes.shape)
    peak = h.max(axis=1)
    scaled = np.exp(h - peak[:, None])
    log_mass = peak + np.log(half * (scaled @ w))
    log_cum = np.logaddexp.accumulate(log_mass)
    log_before = np.concatenate(([-np.inf], log_cum[:-1]))
    outer = np.flatnonzero((edges[:-1] >= x0) & (edges[1:] <= y1))
    partial = half[outer, None] * (scaled[outer] @ mat.T)
    if np.any(partial <= 0):
        raise RuntimeError("non-positive partial integral in the first-passage quadrature; report this landscape")
    log_f = np.logaddexp(log_before[outer, None], peak[outer, None] + np.log(partial))
    terms = -g[outer] + log_f + np.log(half[outer, None] * w[None, :])
    return math.log(2.0 / eta) + float(logsumexp(terms))


@renamed_keyword("tau", "eta")
def mean_first_passage_time(landscape: Landscape, eta: float, start: float, target: float,
                            panel_variation: float = 6.0,
                            order: int = 20) -> FirstPassageTime:
    r"""Exact mean first-passage time from ``start`` to ``target`` (1D quadrature in log space).

    .. math:: T = \int_{x_0}^{y_1}\frac{dy}{D(y)p(y)}\int_a^{y}p(z)\,dz \quad (y_1 > x_0),

    with reflection at the domain end behind the start (the mirror formula for
    :math:`y_1 < x_0`).

    Parameters
    ----------
    landscape : Landscape
    eta : float
        Learning rate :math:`\eta > 0` (the diffusion's temperature :math:`\tau = \eta`).
    start, target : float
        Points of the closed domain.
    panel_variation : float
        Largest change of the exponent :math:`g` across one quadrature panel.
    order : int
        Gauss–Legendre nodes per panel.

    Returns
    -------
    FirstPassageTime
        ``time`` is ``inf`` (and ``log10_time`` finite) when the time exceeds
        float64.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
    >>> T = mean_first_passage_time(dw, 0.01, -1.0, 1.0)
    >>> K = kramers_time(dw, 0.01, -1.0, 1.0)    # (2 pi / sqrt 2) exp(50)
    >>> round(T.log10_time, 3), round(K.log10_time, 3)
    (22.366, 22.362)
    """
    eta = positive_float(eta, "eta", "eta is the SGD learning rate (the temperature of its diffusion)")
    if not isinstance(landscape, Landscape):
        raise TypeError(f"`landscape` must be a fpesolve.Landscape, got {type(landscape).__name__}")
    x0 = landscape.contains(start, "start")
    y1 = landscape.contains(target, "target")
    check_well_posed(landscape, eta, passage=(x0, y1))
    variation = positive_float(panel_variation, "panel_variation")
    if y1 == x0:
        log_t = -math.inf
    elif y1 > x0:
        log_t = _log_mfpt_right(landscape, eta, x0, y1, variation, order)
    else:
        log_t = _log_mfpt_right(_mirror(landscape), eta, -x0, -y1, variation, order)
    return dataclasses.replace(_passage(x0, y1, eta, log_t, "exact quadrature (log space)"), accuracy="quadrature")


# ---------------------------------------------------------------------------------------------- Kramers
def _basin_minimum(landscape: Landscape, x: float) -> CriticalPoint:
    cps = landscape.critical_points()
    minima = [cp for cp in cps if cp.kind == "minimum"]
    saddles = [cp.x for cp in cps if cp.kind == "saddle"]
    inside = [m for m in minima if not any(min(x, m.x) < s < max(x, m.x) for s in saddles)]
    if not inside:
        raise ValueError(f"no minimum of {landscape.name!r} shares a basin with x = {x!r}")
    return min(inside, key=lambda m: abs(m.x - x))


@renamed_keyword("tau", "eta")
def kramers_time(landscape: Landscape, eta: float, start: float, target: float) -> KramersTime:
    r"""Eyring–Kramers estimate of the escape time from the basin of ``start`` toward ``target``.

    .. math:: T_K = \frac{2\pi}{\sqrt{H_a|H_s|}}\sqrt{\frac{\Sigma(s)}{\Sigma(a)}}
              \exp\Big(\frac{2}{\tau}\int_a^s \frac{L'}{\Sigma}\Big)

    (Laplace's method on the exact formula; the relative error is
    :math:`O(\tau)`).  ``a`` is the minimum of the basin containing
    ``start``; among the saddles between ``start`` and ``target`` the one
    with the largest exponent (measured from the deepest minimum before it)
    is used — the leading-order answer when several barriers lie on the way.
    It approximates the mean time to pass the saddle *and* reach the next
    basin; the time to first reach the saddle itself is about :math:`T_K/2`.

    Parameters
    ----------
    landscape : Landscape
        The loss, the noise :math:`\Sigma` and the domain.
    eta : float
        Learning rate :math:`\eta > 0` (the diffusion's temperature :math:`\tau = \eta`).
    start, target : float
        Points of the domain (units of :math:`\theta`).

    Returns
    -------
    KramersTime
        The estimate in continuous time and in iterations, with its prefactor and exponent.

    Raises
    ------
    ValueError
        If no saddle separates the basin of ``start`` from ``target`` (a
        downhill passage: Kramers does not apply), or the curvature at the
        minimum or the saddle has the wrong sign.

    Examples
    --------
    :math:`T_K = (2\pi/\sqrt2)\,e^{0.5/\eta}` for :math:`L = \theta^4/4 - \theta^2/2`, :math:`\Sigma = 1`:

    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
    >>> K = kramers_time(dw, 0.05, -1.0, 1.0)
    >>> bool(abs(K.log10_time - np.log10(2 * np.pi / np.sqrt(2) * np.exp(10.0))) < 1e-10)
    True
    """
    eta = positive_float(eta, "eta", "eta is the SGD learning rate (the temperature of its diffusion)")
    x0 = landscape.contains(start, "start")
    y1 = landscape.contains(target, "target")
    first = _basin_minimum(landscape, x0)
    lo, hi = sorted((first.x, y1))
    cps = [cp for cp in landscape.critical_points() if lo <= cp.x <= hi]
    if y1 < first.x:
        cps = cps[::-1]
    saddles = [cp for cp in cps if cp.kind == "saddle"]
    if not saddles:
        raise ValueError(f"no saddle of {landscape.name!r} lies between the minimum at {first.x!r} and the target "
                         f"{y1!r}: the passage is downhill and the Kramers law does not apply; use "
                         f"mean_first_passage_time")
    best = None
    seen_minima = []
    for cp in cps:
        if cp.kind == "minimum":
            seen_minima.append(cp)
            continue
        for m in seen_minima:
            pts = np.array(sorted((m.x, cp.x)))
            integral = float(drift_increments(landscape, pts)[0]) * (1.0 if cp.x > m.x else -1.0)
            exponent = (2.0 / eta) * integral
            if best is None or exponent > best[0]:
                best = (exponent, m, cp)
    exponent, m, s = best
    if not (m.hess > 0 and s.hess < 0):
        raise ValueError(f"the Kramers prefactor needs H > 0 at the minimum and H < 0 at the saddle; got "
                         f"H = {m.hess!r} at {m.x!r} and {s.hess!r} at {s.x!r}")
    log_pref = math.log(2.0 * math.pi) + 0.5 * (math.log(s.sigma) - math.log(m.sigma)) \
        - 0.5 * (math.log(m.hess) + math.log(-s.hess))
    log10 = (log_pref + exponent) / _LN10
    log10_it = log10 - math.log10(eta)
    return KramersTime(minimum=m, saddle=s, eta=eta, log_prefactor=log_pref, exponent=exponent,
                       log10_time=log10, time=_log10_to_float(log10), log10_iterations=log10_it,
                       iterations=_log10_to_float(log10_it))


# ---------------------------------------------------------------------------------------------- basins
@renamed_keyword("tau", "eta")
def basin_probabilities(landscape: Landscape, eta: float, log: bool = False) -> np.ndarray:
    r"""Exact stationary probabilities of the basins of attraction (split at the saddles).

    Basin ``k`` is the interval between the saddles around the ``k``-th
    minimum (the domain ends for the outer basins); its probability is the
    exact integral of the stationary density (log-space quadrature,
    :func:`fpesolve.core.stationary.stationary_mass`).  With ``log=True`` the
    natural logs are returned (never underflow).

    Parameters
    ----------
    landscape : Landscape
        The loss, the noise :math:`\Sigma` and the domain.
    eta : float
        Learning rate :math:`\eta > 0` (the diffusion's temperature :math:`\tau = \eta`).
    log : bool
        Return the natural logs of the probabilities.

    Returns
    -------
    ndarray
        One probability (or its log) per basin, left to right; they sum to 1.

    Raises
    ------
    ValueError
        If the landscape has no minimum (interior or at a wall).

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
    >>> basin_probabilities(dw, 0.1).round(12).tolist()
    [0.5, 0.5]
    """
    eta = positive_float(eta, "eta", "eta is the SGD learning rate (the temperature of its diffusion)")
    b = basins(landscape, eta)
    minima, bounds = b.minima, b.edges
    if not minima:
        raise ValueError(f"`landscape` {landscape.name!r} has no minimum (interior or at a wall); widen its domain")
    logs = np.array([stationary_mass(landscape, eta, lo, hi, log=True) for lo, hi in zip(bounds[:-1], bounds[1:])])
    return logs if log else np.exp(logs)


@renamed_keyword("tau", "eta")
def escape_times(landscape: Landscape, eta: float) -> EscapeTimes:
    r"""Exact escape times between neighbouring minima, with Kramers beside them.

    For each pair of neighbouring minima ``A < B`` the exact mean first-passage
    times :math:`T_{A\to B}` and :math:`T_{B\to A}` (reflecting domain ends)
    and the Eyring–Kramers estimates over the separating saddle; and the
    exact basin probabilities of the stationary density.

    Parameters
    ----------
    landscape : Landscape
        The loss, the noise :math:`\Sigma` and the domain.
    eta : float
        Learning rate :math:`\eta > 0` (the diffusion's temperature :math:`\tau = \eta`).

    Returns
    -------
    EscapeTimes
        Basin probabilities and, for each neighbouring pair, both escapes.

    Raises
    ------
    ValueError
        If the landscape has fewer than two minima.

    Examples
    --------
    At small :math:`\eta` the exact time approaches the Kramers time
    :math:`(2\pi/\sqrt2)\,e^{0.5/\eta}` (relative error :math:`O(\eta)`):

    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
    >>> E = escape_times(dw, 0.01)
    >>> bool(abs(E.escapes[0].exact.time / (2 * np.pi / np.sqrt(2) * np.exp(50.0)) - 1) < 3 * 0.01)
    True
    """
    eta = positive_float(eta, "eta", "eta is the SGD learning rate (the temperature of its diffusion)")
    if not isinstance(landscape, Landscape):
        raise TypeError(f"`landscape` must be a fpesolve.Landscape, got {type(landscape).__name__}")
    b = basins(landscape, eta)
    minima, bounds, saddles = b.minima, b.edges, b.saddles
    if len(minima) < 2:
        raise ValueError(f"basin escape needs at least two minima (walls included), but `landscape` "
                         f"{landscape.name!r} has {len(minima)} (critical points: "
                         f"{[str(cp) for cp in landscape.critical_points(walls=True, eta=eta)]}); "
                         f"use mean_first_passage_time for a passage between arbitrary points")
    log_p = np.array([stationary_mass(landscape, eta, lo, hi, log=True) for lo, hi in zip(bounds[:-1], bounds[1:])])
    escapes = []
    for (left, right), s in zip(zip(minima[:-1], minima[1:]), saddles):
        for src, dst in ((left, right), (right, left)):
            exact = mean_first_passage_time(landscape, eta, src.x, dst.x)
            kr = None if src.at_wall else kramers_time(landscape, eta, src.x, dst.x)
            escapes.append(Escape(source=src, destination=dst, saddle=s, exact=exact, kramers=kr))
    return EscapeTimes(eta=eta, minima=minima, boundaries=bounds, log_basin_probabilities=log_p,
                       basin_probabilities=np.exp(log_p), escapes=tuple(escapes))


# ---------------------------------------------------------------------------------------------- grid
def grid_log_link_times(disc) -> Tuple[np.ndarray, np.ndarray]:
    r"""Log mean times to cross each link of the discrete chain (reflecting ends).

    ``forward[k]`` is :math:`\ln E_k[T_{k+1}] = \ln\big(\pi([0,k])/(\pi_k a_k)\big)`
    and ``backward[k]`` is :math:`\ln E_{k+1}[T_k] = \ln\big(\pi([k+1,N-1])/(\pi_{k+1} b_k)\big)`:
    the exact solution of the backward equation :math:`Q^{\mathsf T}\tau = -1`
    with an absorbing target, written as sums of positive terms.
    """
    logpi = np.asarray(disc.log_stationary_mass)
    log_left = np.logaddexp.accumulate(logpi)
    log_right = np.logaddexp.accumulate(logpi[::-1])[::-1]
    forward = log_left[:-1] - logpi[:-1] - np.asarray(disc.log_up)
    backward = log_right[1:] - logpi[1:] - np.asarray(disc.log_down)
    return forward, backward


def grid_log_passage(links: Tuple[np.ndarray, np.ndarray], centres: np.ndarray, start: float, target: float) -> float:
    r"""ln of the grid MFPT from ``start`` to ``target`` (points between the cell centres, linear interpolation).

    The passage time :math:`\Phi(y_1) - \Phi(x_0)` with :math:`\Phi` piecewise
    linear through the cell centres is a weighted sum of link times with
    weights in [0, 1] (no subtraction).  Points outside the outermost centres
    are moved to them (an :math:`O(h)` change).
    """
    x0 = float(np.clip(start, centres[0], centres[-1]))
    y1 = float(np.clip(target, centres[0], centres[-1]))
    if x0 == y1:
        return -math.inf
    lo, hi = min(x0, y1), max(x0, y1)
    i0 = max(int(np.searchsorted(centres, lo, side="right")) - 1, 0)
    i1 = min(int(np.searchsorted(centres, hi, side="left")), centres.size - 1)
    left, right = centres[i0:i1], centres[i0 + 1:i1 + 1]
    weights = (np.minimum(hi, right) - np.maximum(lo, left)) / (right - left)
    log_links = (links[0] if y1 > x0 else links[1])[i0:i1]
    keep = weights > 0
    return float(logsumexp(log_links[keep] + np.log(weights[keep])))


@dataclass(frozen=True, repr=False)
class GridFirstPassage(Result):
    r"""Mean first-passage times to ``target`` from every cell centre, on the grid.

    Built by :func:`mfpt_on_grid`; times are continuous times.

    Attributes
    ----------
    target : float
        The target point (units of :math:`\theta`).
    log_times : ndarray, shape (N,)
        :math:`\ln T(x_i \to \text{target})` (``-inf`` only where
        :math:`x_i` equals the target).
    times : ndarray, shape (N,)
        The times, ``inf`` where not representable.
    grid : Grid
        The grid of the discrete chain.
    eta : float
        The learning rate.
    links : (ndarray, ndarray)
        Log link times (:func:`grid_log_link_times`).
    fokker_planck : FokkerPlanck or None
        The problem (for :meth:`at` with ``accuracy``).

    Examples
    --------
    Ornstein–Uhlenbeck, :math:`L = \theta^2/2`, :math:`\Sigma = 1`,
    :math:`\eta = 1`: the grid time agrees with the exact one to
    :math:`O(h^2)` (here :math:`h = 0.01`):

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape, mean_first_passage_time
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> grid_times = mfpt_on_grid(FokkerPlanck(ou, eta=1.0, grid=1600), 1.0)
    >>> exact = mean_first_passage_time(ou, 1.0, 0.0, 1.0).time
    >>> bool(abs(grid_times.at(0.0).time / exact - 1) < 0.01**2), grid_times.times.shape
    (True, (1600,))
    """

    target: float
    log_times: np.ndarray = field(repr=False)
    times: np.ndarray = field(repr=False)
    grid: object
    eta: float
    links: Tuple[np.ndarray, np.ndarray] = field(repr=False)
    fokker_planck: object = field(default=None, repr=False, compare=False)

    def at(self, start: float, accuracy: Union[str, float] = "grid") -> FirstPassageTime:
        r"""The grid MFPT from ``start`` (linear interpolation between centres, no cancellation).

        Parameters
        ----------
        start : float
            A point of the grid.
        accuracy : {"grid", "estimate", "continuum"} or float
            ``"grid"``: the discrete chain's time, :math:`O(h^2)` from the
            continuum, no error field.  ``"estimate"``: the same time with a
            bound on its discretisation error (``start`` and ``target`` must
            be cell edges).  ``"continuum"``: :math:`\ln T` extrapolated over
            nested grids in which ``start`` and ``target`` are cell edges
            (:func:`~fpesolve.core.extrapolation.passage_with_accuracy`), with
            the bound in ``error``/``rel_error``; a float: that relative error
            or :class:`~fpesolve.ConvergenceError`.

        Returns
        -------
        FirstPassageTime

        Raises
        ------
        ValueError
            ``start`` outside the grid (or, with ``accuracy``, not strictly inside it).
        ConvergenceError
            With ``accuracy``, when no honest bound exists (or the tolerance is not reached).

        Examples
        --------
        >>> import numpy as np
        >>> from fpesolve import FokkerPlanck, Landscape
        >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0))
        >>> fp = FokkerPlanck(ou, eta=1.0, grid=160)
        >>> t = mfpt_on_grid(fp, 1.0).at(0.0, accuracy=1e-10)
        >>> exact = mean_first_passage_time(ou, 1.0, 0.0, 1.0)
        >>> bool(abs(t.time - exact.time) <= t.error), bool(t.rel_error <= 1e-10)
        (True, True)
        """
        a, b = self.grid.domain
        if not a <= float(start) <= b:
            raise ValueError(f"`start` = {start!r} lies outside the grid [{a!r}, {b!r}]")
        if accuracy != "grid":
            if self.fokker_planck is None:
                raise ValueError("`accuracy` needs the problem: build this result with mfpt_on_grid(fp, target)")
            from .extrapolation import passage_with_accuracy
            return passage_with_accuracy(self.fokker_planck, float(start), self.target, accuracy)
        log_t = grid_log_passage(self.links, self.grid.centres, float(start), self.target)
        return _passage(float(start), self.target, self.eta, log_t,
                        "grid backward equation (Scharfetter-Gummel chain, log space)")


def mfpt_on_grid(fp, target: float) -> GridFirstPassage:
    r"""Mean first-passage times to ``target`` from the backward equation on ``fp``'s grid.

    Solves :math:`Q^{\mathsf T}\tau = -1` with the target absorbing, exactly
    and in :math:`O(N)`, through the link times of
    :func:`grid_log_link_times`; a target between two centres is reached by
    linear interpolation of the passage potential.  Agrees with
    :func:`mean_first_passage_time` to :math:`O(h^2)`.

    Parameters
    ----------
    fp : FokkerPlanck
        With two reflecting ends.
    target : float
        A point of the domain (units of :math:`\theta`).

    Returns
    -------
    GridFirstPassage
        The times from every cell centre; :meth:`GridFirstPassage.at` for any start.

    Raises
    ------
    ValueError
        Without two reflecting ends, or for a target outside the domain.

    Examples
    --------
    Ornstein–Uhlenbeck, :math:`L = \theta^2/2`, :math:`\Sigma = 1`,
    :math:`\eta = 1`, :math:`h = 0.01`:

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> t = mfpt_on_grid(FokkerPlanck(ou, eta=1.0, grid=1600), 1.0).at(0.0)
    >>> bool(abs(t.time / mean_first_passage_time(ou, 1.0, 0.0, 1.0).time - 1) < 0.01**2)
    True
    """
    if fp.boundary != ("reflecting", "reflecting"):
        raise ValueError(f"mfpt_on_grid needs two reflecting ends (the target is the only absorbing set), "
                         f"got boundary {fp.boundary!r}")
    y1 = fp.landscape.contains(target, "target")
    links = grid_log_link_times(fp.discretization)
    x = fp.grid.centres
    n = x.size
    yc = float(np.clip(y1, x[0], x[-1]))
    j = min(max(int(np.searchsorted(x, yc, side="right")) - 1, 0), n - 2)
    theta = (yc - x[j]) / (x[j + 1] - x[j])
    log_t = np.full(n, -np.inf)
    fwd, bwd = links
    with np.errstate(divide="ignore"):
        # cells 0..j: theta * t+_j + sum_{k=i}^{j-1} t+_k
        head = math.log(theta) if theta > 0 else -math.inf
        terms = np.concatenate((fwd[:j], [fwd[j] + head]))
        log_t[:j + 1] = np.logaddexp.accumulate(terms[::-1])[::-1]
        # cells j+1..n-1: (1 - theta) * t-_j + sum_{k=j+1}^{i-1} t-_k
        tail = math.log1p(-theta) if theta < 1 else -math.inf
        terms = np.concatenate(([bwd[j] + tail], bwd[j + 1:]))
        log_t[j + 1:] = np.logaddexp.accumulate(terms)
    with np.errstate(over="ignore"):
        times = np.exp(log_t)
    for arr in (log_t, times):
        arr.flags.writeable = False
    return GridFirstPassage(target=y1, log_times=log_t, times=times, grid=fp.grid, eta=fp.eta, links=links,
                            fokker_planck=fp)
