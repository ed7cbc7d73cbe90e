r"""Gauss–Legendre quadrature helpers used by the closed forms.

The stationary density needs :math:`\int_x^y L'/\Sigma` between many pairs
of points to full double precision, and log-space normalising constants.
Everything here is composite Gauss–Legendre on panels, which converges
geometrically for analytic integrands; panels next to a domain end are
graded geometrically so that integrable end-point singularities (a
:math:`\Sigma` vanishing at the end, as for Jacobi or CIR processes) are
resolved too.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Tuple

import numpy as np
from scipy.special import logsumexp

from .._util.validation import positive_int

__all__ = ["gauss_legendre", "interval_integrals", "integrate_between", "log_integral_exp", "graded_panels",
           "MAX_ORDER"]

#: largest Gauss-Legendre order accepted (numpy's nodes lose accuracy beyond ~100; panels are the way to go)
MAX_ORDER = 100


@lru_cache(maxsize=16)
def gauss_legendre(order: int) -> Tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the ``order``-point Gauss–Legendre rule on [-1, 1]."""
    order = positive_int(order, "order")
    if order > MAX_ORDER:
        raise ValueError(f"`order` = {order} Gauss-Legendre nodes is above {MAX_ORDER}; use more panels instead")
    nodes, weights = np.polynomial.legendre.leggauss(order)
    nodes.flags.writeable = False
    weights.flags.writeable = False
    return nodes, weights


def interval_integrals(func: Callable[[np.ndarray], np.ndarray], left: np.ndarray, right: np.ndarray,
                       order: int = 12, max_panel: float = np.inf) -> np.ndarray:
    r"""Integrals :math:`\int_{l_k}^{r_k} f` for arrays of interval ends.

    Each interval is split into ``ceil(|r - l| / max_panel)`` equal panels
    with an ``order``-point Gauss–Legendre rule on each.  Evaluation is
    vectorised: ``func`` is called once per distinct panel count.
    """
    left = np.asarray(left, dtype=float)
    right = np.asarray(right, dtype=float)
    nodes, weights = gauss_legendre(order)
    length = right - left
    if np.isfinite(max_panel):
        panels = np.maximum(1, np.ceil(np.abs(length) / max_panel)).astype(np.int64)
    else:
        panels = np.ones(left.shape, dtype=np.int64)
    out = np.empty(left.shape, dtype=float)
    for count in np.unique(panels):
        sel = panels == count
        lo = left[sel]
        h = length[sel] / count
        starts = lo[:, None] + h[:, None] * np.arange(count)[None, :]          # (k, count)
        centres = starts + 0.5 * h[:, None]
        x = centres[:, :, None] + 0.5 * h[:, None, None] * nodes[None, None, :]  # (k, count, order)
        values = np.asarray(func(x.ravel()), dtype=float).reshape(x.shape)
        out[sel] = 0.5 * h * np.einsum("kpo,o->k", values, weights)
    return out


def integrate_between(func: Callable[[np.ndarray], np.ndarray], lo: float, hi: float,
                      panels: int = 64, order: int = 20) -> float:
    """:math:`\\int_{lo}^{hi} f` by composite Gauss–Legendre (``panels`` x ``order`` nodes)."""
    return float(interval_integrals(func, np.array([lo]), np.array([hi]), order=order,
                                    max_panel=abs(hi - lo) / panels if hi != lo else np.inf)[0])


def graded_panels(a: float, b: float, n_uniform: int, levels: int = 40, ratio: float = 0.2) -> np.ndarray:
    """Panel edges on ``[a, b]``: ``n_uniform`` equal panels whose two end panels
    are further split geometrically (up to ``levels`` panels, each ``ratio``
    times the previous) toward the domain ends.

    Grading stops before a panel gets narrower than ``eps**(1/3) |end|``
    (~6e-6 |end|): the Gauss nodes of a narrower panel near ``b = 1`` would be
    rounded by a noticeable fraction of the panel (floats near 1 are 1.1e-16
    apart; near ``a = 0`` there is no such limit).  The outermost panels are
    left for an end-point treatment by the caller.
    """
    edges = np.linspace(a, b, n_uniform + 1)
    h = edges[1] - edges[0]
    fractions = ratio ** np.arange(1, levels + 1)
    limit = np.cbrt(np.finfo(float).eps)
    left = a + h * fractions[h * fractions > limit * abs(a)][::-1]
    right = b - h * fractions[h * fractions > limit * abs(b)]
    return np.unique(np.concatenate(([a], left, edges[1:-1], right[::-1], [b])))


def log_integral_exp(log_integrand: Callable[[np.ndarray], np.ndarray], edges: np.ndarray,
                     order: int = 20) -> Tuple[float, np.ndarray, np.ndarray]:
    r""":math:`\log\int e^{g(x)}dx` over panels with the given edges, in log space.

    Returns the log integral and the nodes and log weights used (so callers
    can reuse them).  No exponential of :math:`g` is ever formed, so values of
    :math:`g` in the thousands are fine.
    """
    nodes, weights = gauss_legendre(order)
    h = np.diff(edges)
    centres = edges[:-1] + 0.5 * h
    x = (centres[:, None] + 0.5 * h[:, None] * nodes[None, :]).ravel()
    logw = (np.log(0.5 * h)[:, None] + np.log(weights)[None, :]).ravel()
    values = np.asarray(log_integrand(x), dtype=float)
    return float(logsumexp(values + logw)), x, logw
