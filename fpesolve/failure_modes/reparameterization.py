r"""Proposition 5.1 of the failure-modes paper: what survives a smooth reparameterisation, and what does not.

Under :math:`\theta = g(\varphi)` (a smooth increasing bijection) SGD run in
the new coordinate has per-sample gradients
:math:`\tilde\ell_i' = \ell_i'(g)\,g'`, hence

.. math:: \tilde L' = L'(g)\,g', \qquad \tilde\Sigma = \Sigma(g)\,g'^2, \qquad
          \tilde H = L''(g)\,g'^2 + L'(g)\,g'' .

At a critical point :math:`\tilde\Sigma/\tilde H = \Sigma/H`
(Proposition 5.1; :func:`check_reparameterization` verifies it numerically).
The paper concludes that "both :math:`\Sigma/H` and the effective potential
:math:`V_{\mathrm{eff}}` are built from reparameterisation-invariant
quantities", so that F4 "persists under any smooth reparameterisation".  The
barrier integrand is not invariant:

.. math:: \int \frac{\tilde L'}{\tilde\Sigma}\,d\varphi
          = \int \frac{L'(\theta)}{\Sigma(\theta)\,g'(\varphi(\theta))^2}\,d\theta ,

so the :math:`V_{\mathrm{eff}}` barriers of the new coordinate weight the
path by :math:`1/g'^2`.  (SGD in :math:`\varphi` is not Ito's transform of
SGD in :math:`\theta`: Ito's formula would add the drift
:math:`\tfrac{\eta}{2}\Sigma\,(g^{-1})''`, which SGD in the new coordinate does
not have.)  :func:`veff_flip` builds a reparameterisation with
:math:`g' = 1` on one side of the saddle and :math:`g' = c` on the other
(:func:`speed_switch`) that reverses which well the stationary law of SGD
prefers, and checks N4 in both coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np
from scipy import optimize

from .._util.deprecation import renamed_attribute
from .._util.result import Result
from .._util.validation import probability
from ..core.landscape import Landscape
from ._minima import _minima_and_basins

__all__ = ['ReparameterizedMinimum', 'ReparameterizationCheck', 'check_reparameterization']


@dataclass(frozen=True, repr=False)
class ReparameterizedMinimum(Result):
    r"""One minimum under :math:`\theta = g(\varphi)`.

    Attributes
    ----------
    x, phi : float
        :math:`\theta^*` and :math:`\varphi^* = g^{-1}(\theta^*)`.
    ratio : float
        :math:`\Sigma/H` at :math:`\theta^*`.
    hess_phi, sigma_phi : float
        :math:`\tilde H`, :math:`\tilde\Sigma` in the new coordinate (``H_phi``,
        ``Sigma_phi`` before 0.2).
    ratio_phi : float
        :math:`\tilde\Sigma/\tilde H`.
    relative_difference : float
        :math:`|\tilde\Sigma/\tilde H - \Sigma/H| / |\Sigma/H|`.

    Examples
    --------
    F4's well A under :math:`\theta = \varphi^3 + \varphi`: :math:`\tilde H`
    and :math:`\tilde\Sigma` both grow by :math:`g'^2 = (3\varphi^2 + 1)^2
    \approx 87.7`, their ratio stays 10:

    >>> from fpesolve.failure_modes import check_reparameterization, construction
    >>> m = check_reparameterization(construction("f4"), lambda p: p**3 + p, phi_bracket=(-5.0, 5.0)).minima[0]
    >>> round(m.x, 5), round(m.phi, 5), round(m.hess_phi, 3), round(m.sigma_phi, 2), round(m.ratio_phi, 6)
    (-6.32456, -1.66969, 175.354, 1753.54, 10.0)
    >>> m.relative_difference < 1e-8
    True
    """

    x: float
    phi: float
    ratio: float
    hess_phi: float
    sigma_phi: float
    ratio_phi: float
    relative_difference: float

    H_phi = renamed_attribute("H_phi", "hess_phi")
    Sigma_phi = renamed_attribute("Sigma_phi", "sigma_phi")


@dataclass(frozen=True, repr=False)
class ReparameterizationCheck(Result):
    r"""Proposition 5.1 checked numerically: :math:`\tilde\Sigma/\tilde H = \Sigma/H` at every minimum.

    ``invariant`` is True when every relative difference is below ``rtol``
    (the finite-difference error of :math:`\tilde H`, ~1e-7).

    Attributes
    ----------
    invariant : bool
        Whether :math:`\tilde\Sigma/\tilde H = \Sigma/H` to ``rtol`` at every minimum.
    rtol : float
        The relative tolerance of the verdict.
    minima : tuple of ReparameterizedMinimum
        The comparison at each minimum, left to right.

    Examples
    --------
    >>> from fpesolve.failure_modes import check_reparameterization, construction
    >>> r = check_reparameterization(construction("f4"), lambda p: p**3 + p, phi_bracket=(-5.0, 5.0))
    >>> r.invariant, [round(m.ratio_phi, 6) for m in r.minima]
    (True, [10.0, 0.5])
    """

    invariant: bool
    rtol: float
    minima: Tuple[ReparameterizedMinimum, ...]

    def summary(self) -> str:
        """A table of :math:`\\Sigma/H` in both coordinates.

        Returns
        -------
        str
            The verdict, then one line per minimum: :math:`\\theta^*`,
            :math:`\\varphi^*`, :math:`\\Sigma/H`, :math:`\\tilde H`,
            :math:`\\tilde\\Sigma`, their ratio and the relative difference.
        """
        lines = [f"Reparameterisation (Prop. 5.1): Sigma/H {'is' if self.invariant else 'is NOT'} invariant "
                 f"(rtol {self.rtol:g})",
                 f"  {'theta*':>12s} {'phi*':>12s} {'Sigma/H':>12s} {'H~':>12s} {'Sigma~':>12s} "
                 f"{'Sigma~/H~':>12s} {'rel. diff':>10s}"]
        for m in self.minima:
            lines.append(f"  {m.x:>+12.6g} {m.phi:>+12.6g} {m.ratio:>12.6g} {m.hess_phi:>12.6g} {m.sigma_phi:>12.6g} "
                         f"{m.ratio_phi:>12.6g} {m.relative_difference:>10.2e}")
        return "\n".join(lines)


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

    Returns
    -------
    ReparameterizationCheck

    Raises
    ------
    ValueError
        Neither ``g_inverse`` nor ``phi_bracket``, a preimage outside the
        bracket, :math:`g'(\varphi^*) = 0` (not a local diffeomorphism), or
        :math:`g(g^{-1}(\theta^*)) \ne \theta^*`.

    Examples
    --------
    >>> from fpesolve.failure_modes.constructions import construction
    >>> check_reparameterization(construction("f4"), lambda p: p ** 3 + p, phi_bracket=(-5.0, 5.0)).invariant
    True
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
        rows.append(ReparameterizedMinimum(x=cp.x, phi=phi, ratio=ratio, hess_phi=h_phi, sigma_phi=s_phi,
                                           ratio_phi=ratio_phi, relative_difference=float(rel)))
    return ReparameterizationCheck(invariant=all(r.relative_difference <= rtol for r in rows), rtol=rtol,
                                   minima=tuple(rows))
