r"""The modes of the stationary density: where :math:`p` has its peaks and troughs.

The stationary density of the Ito SDE :math:`d\theta = -L'\,dt + \sqrt{\tau\Sigma}\,dW`
(:math:`\tau = \eta`) is :math:`p \propto e^{-(2/\tau)\int L'/\Sigma}/\Sigma`, so

.. math:: \frac{d}{d\theta}\ln p = -\frac{2}{\tau\,\Sigma(\theta)}
          \Big(L'(\theta) + \frac{\tau}{2}\Sigma'(\theta)\Big).

Its interior extrema are the zeros of the *modal drift*
:math:`m(\theta) = L' + \tfrac{\tau}{2}\Sigma'`: a sign change from ``-`` to
``+`` is a local maximum of :math:`p` (a mode), from ``+`` to ``-`` a local
minimum.  Where noise varies, the modes are shifted from the minima of
:math:`L` by about :math:`-\tfrac{\tau}{2}\Sigma'/H`.  A domain end where
:math:`m` pushes towards the wall (``m < 0`` at the right end, ``m > 0`` at the
left end) is a maximum of :math:`p` on the closed domain (a reflecting wall
that acts as a metastable state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np
from scipy import optimize

from .._util.deprecation import renamed_keyword
from .._util.result import Result
from .._util.validation import positive_float, positive_int
from .landscape import Landscape

__all__ = ["StationaryModes", "stationary_modes", "SCAN_POINTS"]

#: equally spaced points on which the modal drift is scanned for sign changes
SCAN_POINTS = 4001


@dataclass(frozen=True, repr=False)
class StationaryModes(Result):
    r"""The local maxima and minima of a stationary density.

    Attributes
    ----------
    eta : float
        The learning rate :math:`\eta` (= :math:`\tau`).
    maxima : ndarray
        Interior local maxima of :math:`p` (the modes), increasing.
    minima : ndarray
        Interior local minima of :math:`p` (the troughs between modes), increasing.
    wall_maxima : tuple of float
        Domain ends at which :math:`p` has a maximum on the closed domain
        (the modal drift pushes into the wall).
    method : str
        How the points were found.

    Examples
    --------
    >>> import numpy as np
    >>> print(StationaryModes(eta=0.5, maxima=np.array([-1.0, 1.0]), minima=np.array([0.0]), wall_maxima=()))
    modes of the stationary density at eta = 0.5 (zeros of L' + (tau/2) Sigma', Ito)
      maxima: -1, +1
      minima: +0
    """

    eta: float
    maxima: np.ndarray
    minima: np.ndarray
    wall_maxima: Tuple[float, ...]
    method: str = "sign changes of L' + (tau/2) Sigma' refined by Brent's method"

    def summary(self) -> str:
        """The modes and troughs, one line each.

        Returns
        -------
        str
        """
        lines = [f"modes of the stationary density at eta = {self.eta:g} (zeros of L' + (tau/2) Sigma', Ito)"]
        lines.append("  maxima: " + (", ".join(f"{x:+.10g}" for x in self.maxima) or "none inside the domain"))
        lines.append("  minima: " + (", ".join(f"{x:+.10g}" for x in self.minima) or "none inside the domain"))
        if self.wall_maxima:
            lines.append("  maxima at the walls: " + ", ".join(f"{x:+.10g}" for x in self.wall_maxima))
        return "\n".join(lines)


@renamed_keyword("tau", "eta")
def stationary_modes(landscape: Landscape, eta: float, n_scan: int = SCAN_POINTS) -> StationaryModes:
    r"""The local maxima and minima of the stationary density :math:`p` of SGD's diffusion.

    The extrema of :math:`p` are the zeros of :math:`L' + \tfrac{\tau}{2}\Sigma'`
    (see the module docstring); each sign change on ``n_scan`` equally spaced
    points is refined with Brent's method to machine precision.

    Parameters
    ----------
    landscape : Landscape
        Its ``sigma_grad`` (closed form, or central differences of ``sigma``)
        gives :math:`\Sigma'`.
    eta : float
        The learning rate :math:`\eta > 0` (the temperature :math:`\tau = \eta`).
    n_scan : int
        Number of scan points; raise it if two extrema lie closer than
        ``(b - a) / n_scan``.  A double zero (no sign change) is not reported.

    Returns
    -------
    StationaryModes
        ``maxima`` (the modes), ``minima`` and ``wall_maxima``.

    Raises
    ------
    TypeError
        If ``landscape`` is not a :class:`~fpesolve.Landscape`.
    ValueError
        If ``eta`` is not a finite positive number, ``n_scan < 3``, or
        :math:`L'` or :math:`\Sigma'` is not finite on the scan points.

    Examples
    --------
    :math:`L = \theta^2/2` with :math:`\Sigma = 1 + \theta/4`: the mode is at
    :math:`-\tau\Sigma'/2 = -\tau/8`.

    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> tilted = Landscape(grad=lambda x: x, sigma=lambda x: 1 + x / 4, domain=(-2, 2),
    ...                    sigma_grad=lambda x: np.full_like(x, 0.25))
    >>> modes = stationary_modes(tilted, 0.4)
    >>> round(float(modes.maxima[0]), 12), modes.minima.size
    (-0.05, 0)
    """
    if not isinstance(landscape, Landscape):
        raise TypeError(f"`landscape` must be a fpesolve.Landscape, got {type(landscape).__name__}")
    eta = positive_float(eta, "eta")
    n_scan = positive_int(n_scan, "n_scan", minimum=3)

    def drift(x: np.ndarray) -> np.ndarray:
        return landscape.grad(x) + 0.5 * eta * landscape.sigma_grad(x)

    a, b = landscape.domain
    xs = np.linspace(a, b, n_scan)
    values = drift(xs)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"`grad` + (eta/2) `sigma_grad` is not finite at x = {xs[i]:.17g} in landscape "
                         f"{landscape.name!r}; shrink the domain to where both are finite")
    sign = np.sign(values)
    maxima, minima = [], []
    for i in range(n_scan - 1):
        left, right = sign[i], sign[i + 1]
        if left == 0.0:
            if 0 < i and sign[i - 1] != 0.0 and right != 0.0 and sign[i - 1] != right:
                (maxima if sign[i - 1] < 0 else minima).append(float(xs[i]))
            continue
        if right != 0.0 and right != left:
            root = optimize.brentq(lambda t: float(drift(np.array([t]))[0]), xs[i], xs[i + 1],
                                   xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200)
            (maxima if left < 0 else minima).append(float(root))
    walls = tuple(end for end, pushes in ((a, sign[0] > 0), (b, sign[-1] < 0)) if pushes)
    return StationaryModes(eta=eta, maxima=np.array(maxima), minima=np.array(minima), wall_maxima=walls)
