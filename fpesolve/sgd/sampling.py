r"""Sampling from the exact stationary law of SGD's Fokker–Planck equation.

The one implementation in the package of drawing points from the
closed-form stationary density :math:`p_\eta`
(:func:`fpesolve.stationary_density`) and of its CDF on a panel grid; the
SGD simulator uses it for ``init="stationary"`` and comparisons against the
stationary law (e.g. a Kolmogorov–Smirnov test of SGD positions) use
:func:`stationary_cdf`.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np
from scipy.special import logsumexp

from .._util.random import RNGLike, as_generator
from .._util.validation import positive_float, positive_int
from ..core.landscape import Landscape
from ..core.quadrature import gauss_legendre
from ..core.stationary import log_stationary_density

__all__ = ["stationary_cdf", "sample_stationary", "STATIONARY_PANELS", "PANEL_ORDER"]

#: equal panels of the CDF grid on the domain
STATIONARY_PANELS = 1 << 14
#: Gauss–Legendre nodes per panel for the panel masses
PANEL_ORDER = 8


def stationary_cdf(landscape: Landscape, eta: float, n_panels: int = STATIONARY_PANELS
                   ) -> Tuple[np.ndarray, np.ndarray]:
    r"""The CDF of the stationary density at the edges of equal panels on the domain.

    Panel masses are Gauss–Legendre quadratures (:data:`PANEL_ORDER` nodes)
    of the closed-form log density, summed in log space, so the CDF is exact
    to ~1e-13 at the edges for a density that is smooth on the panel scale,
    whatever its dynamic range.

    Parameters
    ----------
    landscape : Landscape
    eta : float
        The learning rate :math:`\eta > 0` (the diffusion's temperature).
    n_panels : int
        Number of equal panels.

    Returns
    -------
    edges : ndarray, shape (n_panels + 1,)
    cdf : ndarray, shape (n_panels + 1,)
        :math:`P(\theta \le \text{edges}_k)`, from 0 to 1.

    Raises
    ------
    ValueError
        For ``eta <= 0`` or ``n_panels < 1``, or a landscape whose stationary
        density cannot be evaluated (see :func:`fpesolve.stationary_density`).

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> ou = Landscape(grad=lambda x: 2 * x, sigma=lambda x: np.ones_like(x), domain=(-6, 6))
    >>> edges, cdf = stationary_cdf(ou, 0.5, n_panels=1200)
    >>> round(float(np.interp(0.0, edges, cdf)), 12)   # symmetric: half the mass below 0
    0.5
    """
    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    n_panels = positive_int(n_panels, "n_panels")
    a, b = landscape.domain
    edges = np.linspace(a, b, n_panels + 1)
    nodes, weights = gauss_legendre(PANEL_ORDER)
    h = np.diff(edges)
    x = (edges[:-1, None] + 0.5 * h[:, None] * (nodes[None, :] + 1.0))
    logp = log_stationary_density(landscape, eta, x.ravel()).reshape(x.shape)
    logm = logsumexp(logp + np.log(weights)[None, :], axis=1) + np.log(0.5 * h)
    cdf = np.concatenate(([0.0], np.cumsum(np.exp(logm - logsumexp(logm)))))
    cdf /= cdf[-1]
    return edges, cdf


def sample_stationary(landscape: Landscape, eta: float, n: int, rng: RNGLike = None,
                      n_panels: int = STATIONARY_PANELS) -> np.ndarray:
    r"""``n`` independent draws from the exact stationary density at learning rate ``eta``.

    Inverts :func:`stationary_cdf` by linear interpolation: every panel gets
    its exact probability, and inside a panel (width ``(b - a)/n_panels``)
    the draws are uniform, so a point is misplaced by less than one panel
    width.

    Parameters
    ----------
    landscape : Landscape
    eta : float
        The learning rate :math:`\eta > 0`.
    n : int
        Number of draws.
    rng : None, int or numpy.random.Generator
        Random numbers (SPEC 7); one uniform per draw.
    n_panels : int
        Panels of the CDF grid.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        As :func:`stationary_cdf`, or for ``n < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> ou = Landscape(grad=lambda x: 2 * x, sigma=lambda x: np.ones_like(x), domain=(-6, 6))
    >>> x = sample_stationary(ou, 0.5, 100_000, rng=1)    # N(0, eta Sigma / (2 H)) = N(0, 1/8)
    >>> bool(abs(x.var() - 0.125) < 0.002)
    True
    """
    n = positive_int(n, "n")
    edges, cdf = stationary_cdf(landscape, eta, n_panels)
    u = as_generator(rng).random(n)
    return np.interp(u, cdf, edges)
