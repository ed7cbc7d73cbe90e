r"""A landscape in new coordinates, and the reparameterisation that reverses F4 (after Proposition 5.1).

:func:`reparameterize` turns a landscape and a smooth increasing bijection
:math:`\theta = g(\varphi)` into the landscape SGD sees when it is run on
:math:`\varphi`: per-sample losses :math:`\ell_i(g(\varphi))`, so

.. math:: \tilde L' = L'(g)\,g', \quad \tilde\Sigma = \Sigma(g)\,g'^2, \quad
          \tilde H = L''(g)\,g'^2 + L'(g)\,g'', \quad
          \tilde\Sigma' = \Sigma'(g)\,g'^3 + 2\Sigma(g)\,g'\,g'' .

:func:`speed_switch` is the bijection whose speed :math:`g'` steps from
``left`` to ``right`` by a tanh in :math:`\varphi` (closed form, with a
vectorised bisection inverse).  :func:`veff_flip` centres the step at the
saddle with speed 1 on the side of the well that :math:`V_{\mathrm{eff}}`
prefers and a speed :math:`c < 1` on the other side, :math:`c` chosen so that
the other well's barrier :math:`\int L'/(\Sigma g'^2)\,d\theta` becomes
:data:`FLIP_MARGIN` times the preferred one's: the stationary law of SGD in
:math:`\varphi` then prefers the other well, while :math:`\Sigma/H` at the
minima is unchanged.  (Slowing one side, rather than speeding up the other,
keeps the per-sample Hessians :math:`h_i g'^2` small, so SGD in
:math:`\varphi` stays stable where it was.)  The barriers are computed twice,
in :math:`\varphi` on the new landscape and in :math:`\theta` with the
weight :math:`1/g'^2`; they must agree to :data:`BARRIER_RTOL`, else
:class:`~fpesolve.ConvergenceError` (a noise switch too narrow for the
stretched domain's fixed quadrature panels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
from scipy.special import logsumexp

from .._util.result import Result
from .._util.validation import finite_float, positive_float
from ..core.landscape import CriticalPoint, Landscape, PerSampleLosses
from ..core.passage import basin_probabilities
from ..core.quadrature import integrate_between
from ..core.stationary import drift_increments
from ._minima import _fmt, _labels, _minima_and_basins
from .base import Construction
from .two_well import log_cosh

__all__ = ["Reparameterization", "speed_switch", "reparameterize", "VeffFlip", "veff_flip"]

ArrayFunction = Callable[[np.ndarray], np.ndarray]
#: bisection steps of the inverse (the bracket shrinks by 2^-80: below double precision)
_BISECTION_STEPS = 80
#: the slowed well's barrier becomes this multiple of the preferred well's
FLIP_MARGIN = 2.0
#: width of the speed step (in phi), as a fraction of the saddle-to-well distance of the slowed side
_SWITCH_WIDTH = 0.05
#: the two computations of each phi-barrier must agree to this relative accuracy
BARRIER_RTOL = 1e-9


@dataclass(frozen=True)
class Reparameterization:
    r"""A smooth increasing bijection :math:`\theta = g(\varphi)` with :math:`g'`, :math:`g''` and :math:`g^{-1}`.

    All four callables are vectorised (float arrays in, float arrays of the
    same shape out).  :func:`reparameterize` uses them to write a landscape in
    :math:`\varphi`; :func:`speed_switch` builds one in closed form.

    Parameters
    ----------
    g : callable
        :math:`\theta = g(\varphi)`, strictly increasing.
    g_prime : callable
        The speed :math:`g'(\varphi) > 0` (units of :math:`\theta` per unit
        of :math:`\varphi`).
    g_second : callable
        :math:`g''(\varphi)`.
    g_inverse : callable
        :math:`\varphi = g^{-1}(\theta)`.
    description : str
        One line saying what the bijection is (used in summaries and the
        names of reparameterised landscapes).

    Attributes
    ----------
    g, g_prime, g_second, g_inverse : callable
        As given.
    description : str
        As given.

    Examples
    --------
    The linear map :math:`\theta = 2\varphi` (speed 2 everywhere):

    >>> import numpy as np
    >>> r = Reparameterization(g=lambda p: 2.0 * p, g_prime=lambda p: np.full_like(p, 2.0),
    ...                        g_second=lambda p: np.zeros_like(p), g_inverse=lambda t: 0.5 * t,
    ...                        description="theta = 2 phi")
    >>> r.g_inverse(r.g(np.array([0.5, 1.5]))).tolist()
    [0.5, 1.5]
    """

    g: ArrayFunction
    g_prime: ArrayFunction
    g_second: ArrayFunction
    g_inverse: ArrayFunction
    description: str = ""

    _skip_in_json = True


def speed_switch(theta_0: float, left: float, right: float, width: float, offset: float = 0.0) -> Reparameterization:
    r"""The bijection with speed :math:`g'(\varphi) = l + (r - l)\,(1 + \tanh((\varphi - \varphi_c)/w))/2`.

    :math:`g(0) = \theta_0`, the step is centred at :math:`\varphi_c` = ``offset``:

    .. math:: g(\varphi) = \theta_0 + l\varphi + \frac{r - l}{2}\Big(\varphi
              + w\log\cosh\frac{\varphi - \varphi_c}{w} - w\log\cosh\frac{\varphi_c}{w}\Big).

    Parameters
    ----------
    theta_0 : float
        The image of :math:`\varphi = 0`.
    left, right : float
        The speeds :math:`l, r > 0` far left and far right of the step.
    width : float
        :math:`w > 0`, in units of :math:`\varphi`.
    offset : float
        :math:`\varphi_c`.

    Returns
    -------
    Reparameterization

    Examples
    --------
    >>> r = speed_switch(0.0, 1.0, 4.0, 0.1)
    >>> float(r.g_inverse(r.g(np.array([2.5])))[0])
    2.5
    """
    th0 = finite_float(theta_0, "theta_0")
    lft = positive_float(left, "left")
    rgt = positive_float(right, "right")
    w = positive_float(width, "width")
    c = finite_float(offset, "offset")
    half = 0.5 * (rgt - lft)
    shift = w * float(log_cosh(c / w))

    def g(p):
        p = np.asarray(p, dtype=float)
        return th0 + lft * p + half * (p + w * log_cosh((p - c) / w) - shift)

    def g_prime(p):
        p = np.asarray(p, dtype=float)
        return lft + half * (1.0 + np.tanh((p - c) / w))

    def g_second(p):
        e = np.exp(-2.0 * np.abs((np.asarray(p, dtype=float) - c) / w))
        return half * 4.0 * e / (w * (1.0 + e) ** 2)

    slow, fast = min(lft, rgt), max(lft, rgt)

    def g_inverse(theta):
        t = np.asarray(theta, dtype=float)
        d = t - th0
        lo = np.where(d >= 0, d / fast, d / slow) - abs(c) - w
        hi = np.where(d >= 0, d / slow, d / fast) + abs(c) + w
        for _ in range(_BISECTION_STEPS):
            mid = 0.5 * (lo + hi)
            below = g(mid) < t
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return 0.5 * (lo + hi)

    return Reparameterization(g, g_prime, g_second, g_inverse,
                              description=f"g' steps from {lft:g} to {rgt:g} at phi = {c:g} (width {w:g}), "
                                          f"g(0) = {th0:g}")


def reparameterize(landscape: Landscape, r: Reparameterization, *, name: Optional[str] = None) -> Landscape:
    r"""The landscape of SGD run on :math:`\varphi` with :math:`\theta = g(\varphi)` (module docstring).

    Parameters
    ----------
    landscape : Landscape
        In :math:`\theta`; its per-sample losses, batch size and wells carry over.
    r : Reparameterization
    name : str, optional

    Returns
    -------
    Landscape
        On :math:`(g^{-1}(a), g^{-1}(b))`, wells at :math:`g^{-1}(\theta_k)`.

    Raises
    ------
    ValueError
        When :math:`g'` is not positive on the new domain.

    Examples
    --------
    >>> from fpesolve.failure_modes.constructions import construction
    >>> c = construction("healthy")
    >>> phi = reparameterize(c, speed_switch(0.0, 1.0, 2.0, 0.5))
    >>> A = phi.minima()[0]
    >>> round(A.sigma_over_hess, 9)           # Proposition 5.1
    0.5
    """
    a, b = landscape.domain
    lo, hi = (float(v) for v in r.g_inverse(np.array([a, b])))
    probe = np.linspace(lo, hi, 2001)
    if not np.all(r.g_prime(probe) > 0):
        raise ValueError("`r.g_prime` must be positive on the new domain (g increasing)")

    def parts(p):
        p = np.asarray(p, dtype=float)
        return r.g(p), r.g_prime(p), r.g_second(p)

    def grad(p):
        th, gp, _ = parts(p)
        return landscape.grad(th) * gp

    def sigma(p):
        th, gp, _ = parts(p)
        return landscape.sigma(th) * gp ** 2

    def hess(p):
        th, gp, gpp = parts(p)
        return landscape.hess(th) * gp ** 2 + landscape.grad(th) * gpp

    def sigma_grad(p):
        th, gp, gpp = parts(p)
        return landscape.sigma_grad(th) * gp ** 3 + 2.0 * landscape.sigma(th) * gp * gpp

    def loss(p):
        return landscape.loss(r.g(np.asarray(p, dtype=float)))

    samples = None
    if landscape.samples is not None:
        s = landscape.samples

        def losses(p):
            return s.evaluate("losses", r.g(np.asarray(p, dtype=float)).ravel())

        def grads(p):
            th, gp, _ = parts(np.asarray(p, dtype=float).ravel())
            return s.evaluate("grads", th) * gp[None, :]

        hessians = None
        if s.hessians is not None:
            def hessians(p):
                th, gp, gpp = parts(np.asarray(p, dtype=float).ravel())
                return s.evaluate("hessians", th) * gp[None, :] ** 2 + s.evaluate("grads", th) * gpp[None, :]

        samples = PerSampleLosses(losses=losses, grads=grads, hessians=hessians, n=s.n)
    wells = {k: float(r.g_inverse(np.array([x]))[0]) for k, x in landscape.wells.items()}
    return Landscape(grad=grad, sigma=sigma, domain=(lo, hi), loss=loss, hess=hess, sigma_grad=sigma_grad,
                     name=name or f"{landscape.name} in phi ({r.description})", samples=samples,
                     batch_size=landscape.batch_size, replacement=landscape.replacement, wells=wells)


@dataclass(frozen=True, repr=False)
class VeffFlip(Result):
    r"""The :math:`V_{\mathrm{eff}}` preference of a two-well landscape in :math:`\theta` and in :math:`\varphi`.

    Attributes
    ----------
    eta : float
    labels : tuple of str
        The wells, left to right.
    slow_speed : float
        The speed :math:`c = g'` on the side of the well :math:`V_{\mathrm{eff}}`
        does not prefer in :math:`\theta` (1 on the other side).
    barriers_theta : tuple of float
        :math:`\Delta U_k = \int_{\theta_k}^{\theta_s} L'/\Sigma` (exact quadrature in :math:`\theta`).
    barriers_phi : tuple of float
        :math:`\int_{\varphi_k}^{\varphi_s} \tilde L'/\tilde\Sigma`, on the new landscape in :math:`\varphi`.
    barriers_phi_in_theta : tuple of float
        The same as :math:`\int_{\theta_k}^{\theta_s} L'/(\Sigma\,g'^2)\,d\theta`,
        computed in :math:`\theta` (an independent check).
    log_probabilities_theta, log_probabilities_phi : tuple of float
        Natural logs of the exact basin probabilities of the stationary law of
        SGD's diffusion in each coordinate.
    favoured_theta, favoured_phi : str
        The well with the larger stationary probability.
    ratio_theta, ratio_phi : tuple of float
        :math:`\Sigma/H` at the minima in each coordinate (equal: Proposition 5.1).
    sigma_theta, sigma_phi : tuple of float
        :math:`\Sigma` at the minima in each coordinate.
    correlation_theta, correlation_phi : float or None
        :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap})` with the landscape's
        generalisation gaps (invariant: the same minima, the same losses), if given.
    flipped : bool
        Whether the favoured well differs between the coordinates.
    reparameterization : Reparameterization
        The bijection :math:`\theta = g(\varphi)` used.
    phi_landscape : Landscape
        The landscape in :math:`\varphi` (:func:`reparameterize`).

    Examples
    --------
    On F4 the stationary law prefers the bad, low-noise well B in
    :math:`\theta` (its :math:`V_{\mathrm{eff}}` barrier :math:`\approx 10`
    against 0.5 at A); slowing the speed to :math:`c \approx 0.16` on A's side
    makes A's barrier :data:`FLIP_MARGIN` = 2 times B's, and the law prefers A,
    while :math:`\Sigma/H` at the minima (10 and 0.5) is unchanged:

    >>> from fpesolve.failure_modes import construction, veff_flip
    >>> res = veff_flip(construction("f4", switch_width=0.25), 0.2)
    >>> res.flipped, round(res.slow_speed, 4)
    (True, 0.1585)
    >>> [round(b, 2) for b in res.barriers_theta], [round(b, 2) for b in res.barriers_phi]
    ([0.5, 9.95], [19.92, 9.96])
    >>> [round(v, 9) for v in res.ratio_theta], [round(v, 9) for v in res.ratio_phi]
    ([10.0, 0.5], [10.0, 0.5])
    """

    eta: float
    labels: Tuple[str, ...]
    slow_speed: float
    barriers_theta: Tuple[float, ...]
    barriers_phi: Tuple[float, ...]
    barriers_phi_in_theta: Tuple[float, ...]
    log_probabilities_theta: Tuple[float, ...]
    log_probabilities_phi: Tuple[float, ...]
    favoured_theta: str
    favoured_phi: str
    ratio_theta: Tuple[float, ...]
    ratio_phi: Tuple[float, ...]
    sigma_theta: Tuple[float, ...]
    sigma_phi: Tuple[float, ...]
    correlation_theta: Optional[float]
    correlation_phi: Optional[float]
    flipped: bool
    reparameterization: Reparameterization = field(repr=False)
    phi_landscape: Landscape = field(repr=False)

    def table(self):
        """One row per well: barriers, log10 probabilities, Sigma/H and Sigma in both coordinates.

        Returns
        -------
        headers : tuple of str
            ``("well", "dU theta", "dU phi", "dU phi (in theta)", "log10 pi theta", "log10 pi phi",
            "Sigma/H theta", "Sigma/H phi", "Sigma theta", "Sigma phi")``.
        rows : list of tuple
            One per well, left to right: the label, then the fields of the same
            names (log10 of the basin probabilities instead of natural logs).
        """
        ln10 = math.log(10.0)
        rows = [(lab, self.barriers_theta[k], self.barriers_phi[k], self.barriers_phi_in_theta[k],
                 self.log_probabilities_theta[k] / ln10, self.log_probabilities_phi[k] / ln10,
                 self.ratio_theta[k], self.ratio_phi[k], self.sigma_theta[k], self.sigma_phi[k])
                for k, lab in enumerate(self.labels)]
        return (("well", "dU theta", "dU phi", "dU phi (in theta)", "log10 pi theta", "log10 pi phi",
                 "Sigma/H theta", "Sigma/H phi", "Sigma theta", "Sigma phi"), rows)

    def summary(self) -> str:
        """The table and the verdict on the paper's 'persists under any smooth reparameterisation'.

        Returns
        -------
        str
            A headline (the bijection, the favoured well in each coordinate,
            ``FLIPPED`` when they differ), the :meth:`table` and
            :math:`\\mathrm{Corr}(\\Sigma, \\mathrm{Gap})` in both coordinates.
        """
        head, rows = self.table()
        lines = [f"V_eff under theta = g(phi) at eta = {self.eta:g} ({self.reparameterization.description}): "
                 f"favoured well {self.favoured_theta} in theta, {self.favoured_phi} in phi"
                 + (" -- FLIPPED" if self.flipped else ""),
                 "  " + " ".join(f"{h:>14s}" for h in head)]
        for row in rows:
            lines.append("  " + f"{row[0]:>14s} " + " ".join(f"{v:>14.6g}" for v in row[1:]))
        lines.append(f"  Corr(Sigma, Gap): theta {_fmt(self.correlation_theta, '+.3g')}, "
                     f"phi {_fmt(self.correlation_phi, '+.3g')}")
        return "\n".join(lines)


def _barrier(landscape: Landscape, x_min: float, x_saddle: float) -> float:
    lo, hi = sorted((x_min, x_saddle))
    value = float(drift_increments(landscape, np.array([lo, hi]))[0])
    return value if x_saddle > x_min else -value


def _corr(sig: Sequence[float], gaps: Optional[Sequence[float]]) -> Optional[float]:
    if gaps is None or np.ptp(sig) == 0 or np.ptp(gaps) == 0:
        return None
    return float(np.corrcoef(np.asarray(sig, dtype=float), np.asarray(gaps, dtype=float))[0, 1])


def veff_flip(landscape: Landscape, eta: float, *, slow_speed: Optional[float] = None,
              generalization_gaps: Optional[Dict[str, float]] = None) -> VeffFlip:
    r"""Reverse which well the stationary law of SGD prefers, by a reparameterisation (module docstring).

    Parameters
    ----------
    landscape : Landscape
        Two minima with a saddle between them (e.g. ``construction("f4")``).
    eta : float
        Learning rate :math:`\eta > 0`.
    slow_speed : float, optional
        The speed :math:`c` on the side of the well :math:`V_{\mathrm{eff}}`
        does not prefer (1 on the other side); default: the :math:`c` that
        makes that well's barrier :data:`FLIP_MARGIN` times the other's.
    generalization_gaps : dict, optional
        Well label to gap, for :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap})`;
        default the construction's own.

    Returns
    -------
    VeffFlip

    Raises
    ------
    ValueError
        Unless the landscape has exactly two minima.
    ConvergenceError
        When the barriers in :math:`\varphi` computed on the new landscape and
        in :math:`\theta` disagree by more than :data:`BARRIER_RTOL`.

    Examples
    --------
    >>> from fpesolve.failure_modes.constructions import construction
    >>> res = veff_flip(construction("f4", switch_width=0.25), 0.2)
    >>> res.favoured_theta, res.favoured_phi
    ('B', 'A')
    """
    from scipy import optimize

    from .._util.errors import ConvergenceError

    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    minima, bounds = _minima_and_basins(landscape)
    if len(minima) != 2:
        raise ValueError(f"veff_flip needs a landscape with two minima, {landscape.name!r} has {len(minima)}")
    labels = _labels(landscape, minima)
    x_s = float(bounds[1])
    dU = [_barrier(landscape, cp.x, x_s) for cp in minima]
    fav = int(np.argmax(dU))          # the deeper V_eff well keeps speed 1; the other side is slowed down
    other = 1 - fav
    slow_left = minima[other].x < x_s
    width = _SWITCH_WIDTH * abs(minima[other].x - x_s)

    def rep_for(c):
        return speed_switch(x_s, c, 1.0, width) if slow_left else speed_switch(x_s, 1.0, c, width)

    def weighted_barrier(rep, cp):
        """int_{theta_k}^{theta_s} L'/(Sigma g'(g^-1)^2) d theta, integrated in theta (the independent check)."""
        def weighted(t):
            t = np.asarray(t, dtype=float)
            return landscape.grad(t) / (landscape.sigma(t) * rep.g_prime(rep.g_inverse(t)) ** 2)

        lo, hi = sorted((cp.x, x_s))
        pieces = np.unique(np.concatenate(([lo, hi], np.clip(x_s + width * np.arange(-16, 17), lo, hi))))
        val = sum(integrate_between(weighted, p, q) for p, q in zip(pieces[:-1], pieces[1:]))
        return val if x_s > cp.x else -val

    def substituted_barrier(rep, cp):
        """The same integral after theta = g(phi): int L'(g)/(Sigma(g) g') d phi (no inverse; used to solve for c)."""
        def integrand(p):
            p = np.asarray(p, dtype=float)
            th = rep.g(p)
            return landscape.grad(th) / (landscape.sigma(th) * rep.g_prime(p))

        end = float(rep.g_inverse(np.array([cp.x]))[0])
        lo, hi = sorted((end, 0.0))
        pieces = np.unique(np.concatenate(([lo, hi], np.clip(width * np.arange(-16, 17), lo, hi))))
        val = sum(integrate_between(integrand, p, q) for p, q in zip(pieces[:-1], pieces[1:]))
        return val if end < 0.0 else -val

    if slow_speed is None:
        def excess(log_c):
            rep = rep_for(math.exp(log_c))
            return substituted_barrier(rep, minima[other]) - FLIP_MARGIN * substituted_barrier(rep, minima[fav])

        slow_speed = math.exp(optimize.brentq(excess, math.log(1e-4), 0.0, xtol=1e-10))
    speed = positive_float(slow_speed, "slow_speed")
    rep = rep_for(speed)
    phi_land = reparameterize(landscape, rep)
    phi_min = [float(rep.g_inverse(np.array([cp.x]))[0]) for cp in minima]
    phi_s = float(rep.g_inverse(np.array([x_s]))[0])
    d_phi = [_barrier(phi_land, p, phi_s) for p in phi_min]
    d_theta = [weighted_barrier(rep, cp) for cp in minima]
    err = max(abs(a - b) / abs(b) for a, b in zip(d_phi, d_theta))
    if not err <= BARRIER_RTOL:
        raise ConvergenceError(f"the phi-barriers {d_phi} computed on the reparameterised landscape and in theta "
                               f"{d_theta} differ by {err:.2g} (relative, above {BARRIER_RTOL:g}): a feature of "
                               f"{landscape.name!r} is too narrow for the stretched phi-domain; widen it")
    log_p_theta = basin_probabilities(landscape, eta, log=True)
    log_p_phi = basin_probabilities(phi_land, eta, log=True)
    phi_cps = [CriticalPoint(x=p, kind="minimum", loss=float(phi_land.loss(np.array([p]))[0]),
                             hess=float(phi_land.hess(np.array([p]))[0]), sigma=float(phi_land.sigma(np.array([p]))[0]))
               for p in phi_min]
    gaps_map = generalization_gaps
    if gaps_map is None and isinstance(landscape, Construction):
        gaps_map = landscape.generalization_gaps
    gaps = None if gaps_map is None else [gaps_map[lab] for lab in labels]
    sig_t = [cp.sigma for cp in minima]
    sig_p = [cp.sigma for cp in phi_cps]
    return VeffFlip(eta=eta, labels=labels, slow_speed=speed, barriers_theta=tuple(dU), barriers_phi=tuple(d_phi),
                    barriers_phi_in_theta=tuple(float(v) for v in d_theta),
                    log_probabilities_theta=tuple(float(v) for v in log_p_theta - logsumexp(log_p_theta)),
                    log_probabilities_phi=tuple(float(v) for v in log_p_phi - logsumexp(log_p_phi)),
                    favoured_theta=labels[int(np.argmax(log_p_theta))], favoured_phi=labels[int(np.argmax(log_p_phi))],
                    ratio_theta=tuple(cp.sigma_over_hess for cp in minima),
                    ratio_phi=tuple(cp.sigma_over_hess for cp in phi_cps), sigma_theta=tuple(sig_t),
                    sigma_phi=tuple(sig_p), correlation_theta=_corr(sig_t, gaps), correlation_phi=_corr(sig_p, gaps),
                    flipped=bool(np.argmax(log_p_theta) != np.argmax(log_p_phi)), reparameterization=rep,
                    phi_landscape=phi_land)
