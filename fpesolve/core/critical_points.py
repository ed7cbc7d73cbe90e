r"""Critical points of a 1D loss: where :math:`L'(\theta) = 0`.

The gradient is scanned on equally spaced points, every sign change is
refined with Brent's method to machine precision and classified by the
direction of the change (``-`` to ``+`` is a minimum).  A sign change through
a pole (:math:`L' = 1/(\theta - c)`) is not a critical point: it is refused
with the advice to shrink the domain.

Minima at a reflecting wall.  On the closed domain :math:`[a, b]` the
effective potential :math:`V_{\rm eff} = \int L'/\Sigma + (\eta/2)\ln\Sigma`
(DESIGN §1; the stationary density is :math:`p \propto e^{-2V_{\rm eff}/\eta}`)
can also have its minimum at an end: where the drift pushes into the wall
and :math:`V_{\rm eff}` increases away from it, the stationary density peaks
at the wall and the wall holds mass like a well (a metastable state when a
barrier separates it from the interior minima).  With ``walls=True`` such an
end is reported as a minimum with ``at_wall=True``.  The stationary density
decides: the slope of :math:`V_{\rm eff}` at the end, of the sign of
:math:`v = L' + (\eta/2)\Sigma'`, must point into the domain (:math:`v(a) > 0`,
:math:`v(b) < 0`), so a wall where :math:`L'` pushes in but the noise gradient
makes :math:`V_{\rm eff}` decrease away from it is not a minimum, and one where
:math:`V_{\rm eff}` decreases into it is.  ``eta = 0`` is the small-rate limit
(the sign of :math:`L'`).  A wall minimum is kept only when the interior
critical point next to it is a saddle (with no interior critical point, only
the end :math:`L` decreases toward qualifies): if it is a minimum
(possible only when the :math:`\Sigma'` term reverses the sign of :math:`L'` at
the end), no barrier of :math:`L` separates the wall from that minimum's basin,
whose mass it then is part of.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, List, Tuple

import numpy as np
from scipy import optimize

from .._util.errors import IllPosedError
from .._util.result import Result
from .._util.validation import positive_int

__all__ = ["CriticalPoint", "find_critical_points", "N_SCAN"]

#: default number of scan points for the sign changes of the gradient
N_SCAN = 4001
_BRENT_XTOL = 1e-15
_BRENT_RTOL = 4 * np.finfo(float).eps
_BRENT_MAXITER = 200


@dataclass(frozen=True, repr=False)
class CriticalPoint(Result):
    """A stationary point of the loss, :math:`L'(x) = 0`.

    Attributes
    ----------
    x : float
        Location :math:`\\theta^*`.
    kind : str
        ``"minimum"`` or ``"saddle"`` (in 1D a saddle between two basins is a
        local maximum of :math:`L`).
    loss, hess, sigma : float
        :math:`L(\\theta^*)`, :math:`H = L''(\\theta^*)`, :math:`\\Sigma(\\theta^*)`.
    at_wall : bool
        ``True`` for a minimum at a reflecting end of the domain, where the
        effective potential is lowest though :math:`L' \\ne 0` in general (see
        :mod:`fpesolve.core.critical_points`); ``False`` for an interior
        critical point (:math:`L' = 0`).

    Examples
    --------
    The double well :math:`L = \\theta^4/4 - \\theta^2/2` has minima at
    :math:`\\pm 1` with :math:`H = 2` and a saddle at 0 with :math:`H = -1`:

    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-2.0, 2.0))
    >>> [(cp.kind, cp.x, round(cp.hess, 9)) for cp in dw.critical_points()]
    [('minimum', -1.0, 2.0), ('saddle', 0.0, -1.0), ('minimum', 1.0, 2.0)]
    >>> round(dw.critical_points()[0].sigma_over_hess, 9)
    0.5
    """

    x: float
    kind: str
    loss: float
    hess: float
    sigma: float
    at_wall: bool = False

    @property
    def sigma_over_hess(self) -> float:
        """Noise-to-curvature ratio :math:`\\Sigma/H` (inf where ``H == 0``)."""
        return self.sigma / self.hess if self.hess != 0 else math.inf

    def summary(self) -> str:
        """One line: kind, position, loss, curvature, noise and their ratio.

        Returns
        -------
        str
            E.g. ``"minimum  x=-1  L=-0.25  H=2  Sigma=1  Sigma/H=0.5"``.
        """
        where = " (wall)" if self.at_wall else ""
        return (f"{self.kind + where:8s} x={self.x:+.10g}  L={self.loss:.10g}  H={self.hess:.10g}  "
                f"Sigma={self.sigma:.10g}  Sigma/H={self.sigma_over_hess:.10g}")


def find_critical_points(landscape, n_scan: int = N_SCAN, walls: bool = False,
                         eta: float = 0.0) -> Tuple[CriticalPoint, ...]:
    """Every minimum and saddle of ``landscape``'s loss strictly inside its domain (see the module docstring).

    A critical point of even multiplicity (a touching zero) has no sign
    change and is not reported.  With ``walls=True`` the minima of
    :math:`V_{\\rm eff}` at the reflecting ends at learning rate ``eta`` are
    added (``at_wall=True``).

    Raises
    ------
    IllPosedError
        Where the gradient changes sign through a pole instead of a zero.
    """
    n_scan = positive_int(n_scan, "n_scan", minimum=3)
    a, b = landscape.domain
    xs = np.linspace(a, b, n_scan)
    g = landscape.checked_grad(xs)
    sign = np.sign(g)

    def scalar_grad(t: float) -> float:
        return float(landscape.grad(np.array([t]))[0])

    found: List[Tuple[float, str]] = []
    for i in range(n_scan - 1):
        if sign[i] == 0.0:
            # exact zero at a scan point: classify by the neighbours
            if 0 < i < n_scan - 1 and sign[i - 1] != 0 and sign[i + 1] != 0 and sign[i - 1] != sign[i + 1]:
                found.append((float(xs[i]), "minimum" if sign[i - 1] < 0 else "saddle"))
            continue
        if sign[i + 1] != 0.0 and sign[i + 1] != sign[i]:
            root = optimize.brentq(scalar_grad, xs[i], xs[i + 1], xtol=_BRENT_XTOL, rtol=_BRENT_RTOL,
                                   maxiter=_BRENT_MAXITER)
            _refuse_pole(landscape, scalar_grad, root, float(xs[i]), float(xs[i + 1]))
            found.append((float(root), "minimum" if sign[i] < 0 else "saddle"))
    if walls:
        found = _wall_minima(landscape, found, eta)
    out = []
    for x, kind, *wall in found:
        arr = np.array([x])
        hess = _end_derivative(landscape, "hess", landscape.grad, x) if wall else float(landscape.hess(arr)[0])
        out.append(CriticalPoint(x=x, kind=kind, loss=float(landscape.loss(arr)[0]), hess=hess,
                                 sigma=float(landscape.sigma(arr)[0]), at_wall=bool(wall)))
    return tuple(out)


def _end_derivative(landscape, what: str, func: Callable, x: float) -> float:
    """``landscape.<what>`` at the domain end ``x``: the closed form if given, else a one-sided second-order
    difference of ``func`` from inside the domain (a central one would evaluate the user's function outside)."""
    if landscape.derivative_sources.get(what) == "closed form":
        return float(getattr(landscape, what)(np.array([x]))[0])
    a, b = landscape.domain
    h = float(np.cbrt(np.finfo(float).eps)) * max(1.0, abs(x))
    h = min(h, 0.25 * (b - a)) * (1.0 if x <= a else -1.0)
    f = np.asarray(func(np.array([x, x + h, x + 2.0 * h])), dtype=float)
    return float((-3.0 * f[0] + 4.0 * f[1] - f[2]) / (2.0 * h))


def _wall_minima(landscape, found: List[Tuple[float, str]], eta: float) -> list:
    """``found`` (interior, by position) with the ends added where they are minima of V_eff (module docstring)."""
    eta = float(eta)
    if not (math.isfinite(eta) and eta >= 0.0):
        raise ValueError(f"`eta` must be a finite number >= 0 (the learning rate deciding the wall minima), got {eta!r}")
    a, b = landscape.domain
    ends = np.array([a, b])
    grad = landscape.checked_grad(ends)
    if eta > 0.0:
        dsigma = np.array([_end_derivative(landscape, "sigma_grad", landscape.sigma, float(t)) for t in ends])
        slope = grad + 0.5 * eta * dsigma
    else:
        slope = grad
    out: list = list(found)
    if found:
        left_ok, right_ok = found[0][1] == "saddle", found[-1][1] == "saddle"
    else:
        # no interior critical point: L is monotone and only the end it decreases toward can hold a well
        left_ok, right_ok = grad[0] > 0.0, grad[1] < 0.0
    if slope[0] > 0.0 and left_ok:
        out.insert(0, (float(a), "minimum", True))
    if slope[1] < 0.0 and right_ok:
        out.append((float(b), "minimum", True))
    return out


def _refuse_pole(landscape, grad: Callable[[float], float], root: float, lo: float, hi: float) -> None:
    """Raise if Brent's 'root' in ``[lo, hi]`` is a pole: there ``|L'|`` exceeds its values at the bracket ends
    and half-way to them (near a zero it is smaller than all four, round-off included)."""
    with np.errstate(all="ignore"):
        value = abs(grad(root))
        around = [abs(grad(t)) for t in (lo, hi, 0.5 * (lo + root), 0.5 * (root + hi))]
    if not (math.isfinite(value) and value <= max(around)):
        raise IllPosedError(
            f"`grad` of {landscape.name!r} changes sign through a pole near x = {root:.17g} (|grad| = {value:.3g} "
            f"there, at most {max(around):.3g} around it), not through a zero; the diffusion is not defined "
            f"across it: shrink the domain to one side of x = {root:.6g}")
