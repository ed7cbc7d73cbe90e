r"""Quadratic per-sample losses: the family behind F2 (discrete instability).

:math:`\ell_i(\theta) = \tfrac12 h_i (\theta - c_i)^2`, ``n = len(hessians)``
samples:

.. math:: L' = \bar h\,\theta - \overline{h c}, \qquad
          \Sigma = \frac1{nB}\sum_i \big(h_i(\theta - c_i) - L'\big)^2 .

With all :math:`c_i = 0` (F2: :math:`h = (18, 2)`) :math:`L = 5\theta^2` and
:math:`\Sigma = 64\theta^2` vanishes at the minimum (interpolation): the
Fokker–Planck stationary density does not exist there, and the fate of SGD is
decided by the Lyapunov exponent of N2
(:mod:`fpesolve.failure_modes.n2_stability`).
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence, Tuple

import numpy as np

from .._util.validation import as_1d_float_array, positive_int
from ..core.landscape import CriticalPoint, PerSampleLosses
from ..sgd.models import quadratic_gradients
from .base import Construction

__all__ = ["quadratic_samples"]


def quadratic_samples(hessians: Sequence[float], centres: Optional[Sequence[float]] = None, *,
                      batch_size: int = 1, domain: Tuple[float, float] = (-1.0, 1.0), key: str = "quadratic",
                      name: str = "quadratic samples", paper_claims: Optional[Mapping[str, object]] = None,
                      notes: str = "", eta: Optional[float] = None,
                      n_iterations: Optional[int] = None) -> Construction:
    r"""Quadratic per-sample losses :math:`\ell_i = \tfrac12 h_i(\theta - c_i)^2` (module docstring).

    Parameters
    ----------
    hessians : sequence of float
        The per-sample Hessians :math:`h_i`; their mean must be positive.
    centres : sequence of float, optional
        The :math:`c_i` (default all 0: an interpolating minimum).
    batch_size : int
        ``B``, at most ``n``.
    domain : (float, float)
        The interval of the landscape.
    key, name, paper_claims, notes, eta, n_iterations
        Stored on the construction.

    Returns
    -------
    Construction
        One documented minimum at :math:`\overline{hc}/\bar h`.

    Raises
    ------
    ValueError
        For centres of the wrong length, ``batch_size > n`` or a non-positive mean Hessian.

    Examples
    --------
    >>> c = quadratic_samples([18.0, 2.0])
    >>> float(c.sigma(np.array([0.5]))[0])      # 64 theta^2
    16.0
    """
    h = as_1d_float_array(hessians, "hessians")
    n = h.size
    c = np.zeros(n) if centres is None else as_1d_float_array(centres, "centres")
    if c.size != n:
        raise ValueError(f"`centres` must have one entry per Hessian ({n}), got {c.size}")
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size > n:
        raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {n}")
    hbar = float(h.mean())
    hc = float((h * c).mean())
    if not hbar > 0:
        raise ValueError(f"the mean Hessian must be positive for L to have a minimum, got {hbar!r}")
    hcol, ccol = h[:, None], c[:, None]

    def sample_losses(x):
        return 0.5 * hcol * (np.asarray(x, dtype=float)[None, :] - ccol) ** 2

    def sample_grads(x):
        return hcol * (np.asarray(x, dtype=float)[None, :] - ccol)

    def sample_hessians(x):
        return np.broadcast_to(hcol, (n, np.size(x))).astype(float)

    def loss(x):
        x = np.asarray(x, dtype=float)
        return np.mean(0.5 * hcol * (x.ravel()[None, :] - ccol) ** 2, axis=0).reshape(x.shape)

    def grad(x):
        return hbar * np.asarray(x, dtype=float) - hc

    def hess(x):
        return np.full(np.shape(x), hbar)

    def sigma(x):
        x = np.asarray(x, dtype=float)
        g = hcol * (x.ravel()[None, :] - ccol)
        return (np.mean((g - g.mean(axis=0)) ** 2, axis=0) / batch_size).reshape(x.shape)

    def sigma_grad(x):
        x = np.asarray(x, dtype=float)
        g = hcol * (x.ravel()[None, :] - ccol)
        dev = g - g.mean(axis=0)
        return (np.mean(2.0 * dev * (hcol - hbar), axis=0) / batch_size).reshape(x.shape)

    x_star = hc / hbar
    documented = (CriticalPoint(x=x_star, kind="minimum", loss=float(loss(np.array([x_star]))[0]), hess=hbar,
                                sigma=float(sigma(np.array([x_star]))[0])),)
    return Construction(key=key, sample_gradients=quadratic_gradients(h, c),
                        parameters=dict(hessians=tuple(float(v) for v in h), centres=tuple(float(v) for v in c),
                                        batch_size=batch_size),
                        documented=documented, wells={"A": x_star}, paper_claims=paper_claims, notes=notes,
                        eta=eta, n_iterations=n_iterations, batch_size=batch_size, replacement=True,
                        grad=grad, sigma=sigma, domain=domain, loss=loss, hess=hess, sigma_grad=sigma_grad,
                        name=name, samples=PerSampleLosses(losses=sample_losses, grads=sample_grads,
                                                           hessians=sample_hessians, n=n))
