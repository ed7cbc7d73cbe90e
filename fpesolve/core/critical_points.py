r"""Critical points of a 1D loss: where :math:`L'(\theta) = 0`.

The gradient is scanned on equally spaced points, every sign change is
refined with Brent's method to machine precision and classified by the
direction of the change (``-`` to ``+`` is a minimum).  A sign change through
a pole (:math:`L' = 1/(\theta - c)`) is not a critical point: it is refused
with the advice to shrink the domain.
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
    """

    x: float
    kind: str
    loss: float
    hess: float
    sigma: float

    @property
    def sigma_over_hess(self) -> float:
        """Noise-to-curvature ratio :math:`\\Sigma/H` (inf where ``H == 0``)."""
        return self.sigma / self.hess if self.hess != 0 else math.inf

    def summary(self) -> str:
        """One line: kind, position, loss, curvature, noise and their ratio.

        Returns
        -------
        str
        """
        return (f"{self.kind:8s} x={self.x:+.10g}  L={self.loss:.10g}  H={self.hess:.10g}  "
                f"Sigma={self.sigma:.10g}  Sigma/H={self.sigma_over_hess:.10g}")


def find_critical_points(landscape, n_scan: int = N_SCAN) -> Tuple[CriticalPoint, ...]:
    """Every minimum and saddle of ``landscape``'s loss strictly inside its domain (see the module docstring).

    A critical point of even multiplicity (a touching zero) has no sign
    change and is not reported.

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
    out = []
    for x, kind in found:
        arr = np.array([x])
        out.append(CriticalPoint(x=x, kind=kind, loss=float(landscape.loss(arr)[0]), hess=float(landscape.hess(arr)[0]),
                                 sigma=float(landscape.sigma(arr)[0])))
    return tuple(out)


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
