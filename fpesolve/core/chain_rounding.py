r"""How far rounding moves the eigenvalues and passage times of a stored Scharfetter–Gummel chain.

The float chain has rates :math:`\tilde a_k = a_k e^{\alpha_k}`,
:math:`\tilde b_k = b_k e^{\beta_k}` where :math:`a_k, b_k` are the exact rates
of the same float data (centres, widths, :math:`\Phi` increments, :math:`D`)
and :math:`\alpha_k, \beta_k` are the representation errors, a few ulps of the
stored logarithms (:math:`|\ln a| \approx 2\ln N`).  Those errors are *not*
independent: on a smooth grid neighbouring links round alike, and the
stationary law of the float chain, :math:`\tilde\pi_{k+1}/\tilde\pi_k =
\tilde a_k/\tilde b_k`, drifts from the exact one by the running sum

.. math:: \delta\pi_k = \ln(\tilde\pi_k/\pi_k) = \sum_{j<k} (\alpha_j - \beta_j),

which grows like :math:`N\varepsilon` (measured: relative gap errors up to
0.8 :math:`N\varepsilon` on a uniform grid with constant coefficients, where
a :math:`\sqrt N\varepsilon` model is ten times too small).  With the
conductances :math:`c_k = \pi_k a_k` perturbed by
:math:`\delta c_k = \delta\pi_k + \alpha_k`, the Courant–Fischer min-max of
:math:`\sum c_k (f_{k+1} - f_k)^2 / \mathrm{Var}_\pi f` bounds every
eigenvalue ratio,

.. math:: |\ln(\tilde\lambda_j/\lambda_j)| \le
          \max\big(\max\delta c - \min\delta\pi,\; \max\delta\pi - \min\delta c\big),

and the same bound holds for the mean first-passage times
:math:`\sum_k \pi([0, k])/c_k`.  The exact logs are evaluated in extended
precision (``numpy.longdouble``) from the float data.

Not included: the rounding of the float data themselves (:math:`L'/\Sigma`,
its quadrature between centres, :math:`\Sigma` at the centres), relative
perturbations of a few ulps of the *landscape* — backward errors, whose effect
is the conditioning of the problem as the user's functions evaluate it in
float64, not an error of the method.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["exact_log_rates", "comparison_bound", "spectrum_rounding", "passage_rounding"]

_EPS = float(np.finfo(float).eps)


def _log_bernoulli(z: np.ndarray) -> np.ndarray:
    """ln(z / (e^z - 1)) in extended precision (even part through sinh, no cancellation near 0)."""
    z = np.asarray(z, dtype=np.longdouble)
    out = np.zeros_like(z)
    w = z / 2
    small = (np.abs(w) < 1) & (w != 0)
    out[small] = -w[small] - np.log(np.sinh(w[small]) / w[small])
    pos = (~small) & (z > 0)
    out[pos] = np.log(z[pos]) - z[pos] - np.log(-np.expm1(-z[pos]))
    neg = (~small) & (z < 0)
    out[neg] = np.log(z[neg] / np.expm1(z[neg]))
    return out


def exact_log_rates(disc):
    """Extended-precision ``(ln a, ln b)`` of the chain defined by ``disc``'s float data."""
    grid = disc.grid
    x = np.asarray(grid.centres, dtype=np.longdouble)
    w = np.asarray(grid.widths, dtype=np.longdouble)
    dif = np.asarray(disc.diffusion, dtype=np.longdouble)
    d = np.asarray(disc.phi_increments, dtype=np.longdouble)
    base = -np.log(np.asarray(np.diff(grid.centres), dtype=np.longdouble))
    del x
    up = _log_bernoulli(d) + np.log(dif[:-1]) + base - np.log(w[:-1])
    down = _log_bernoulli(-d) + np.log(dif[1:]) + base - np.log(w[1:])
    return up, down


def comparison_bound(err_up: np.ndarray, err_down: np.ndarray, err_exit=()) -> float:
    r"""The Courant–Fischer bound on :math:`|\ln\tilde\lambda/\lambda|` from log-rate errors (module notes).

    ``err_exit`` holds ``(cell, error)`` pairs for exit rates through absorbing ends.
    """
    err_up = np.asarray(err_up, dtype=np.longdouble)
    err_down = np.asarray(err_down, dtype=np.longdouble)
    d_pi = np.concatenate(([np.longdouble(0)], np.cumsum(err_up - err_down)))
    d_c = [d_pi[:-1] + err_up]
    for cell, err in err_exit:
        d_c.append(np.array([d_pi[cell] + np.longdouble(err)]))
    d_c = np.concatenate(d_c)
    bound = max(np.max(d_c) - np.min(d_pi), np.max(d_pi) - np.min(d_c), np.longdouble(0))
    return float(bound)


def spectrum_rounding(fp) -> float:
    r"""Bound on :math:`|\ln\tilde\lambda_j - \ln\lambda_j|` for the eigenvalues of the Golub–Kahan matrix as stored.

    Parameters
    ----------
    fp : FokkerPlanck

    Returns
    -------
    float
        The comparison bound of the stored off-diagonal (each entry
        :math:`2^{-s}\sqrt{a_k}` against its extended-precision value); the
        bisection's own rounding (:math:`\sim\sqrt N\varepsilon`) is not
        included.
    """
    from .spectrum import golub_kahan_offdiagonal

    disc = fp.discretization
    e, log_scale, _ = golub_kahan_offdiagonal(fp)
    shift = int(round(log_scale / math.log(2.0)))
    up, down = exact_log_rates(disc)
    left_abs = disc.boundary[0] == "absorbing"
    right_abs = disc.boundary[1] == "absorbing"
    inter = np.asarray(e[int(left_abs):int(left_abs) + 2 * (disc.grid.n - 1)], dtype=np.longdouble)
    with np.errstate(divide="ignore"):
        stored = 2 * (np.log(inter) + np.longdouble(shift) * np.log(np.longdouble(2)))
    err_up, err_down = stored[0::2] - up, stored[1::2] - down
    exits = []
    out = np.asarray(disc.out)
    if left_abs:
        exits.append((0, _EPS * (2.0 + abs(math.log(out[0])))))
    if right_abs:
        exits.append((disc.grid.n - 1, _EPS * (2.0 + abs(math.log(out[-1])))))
    if not (np.all(np.isfinite(err_up)) and np.all(np.isfinite(err_down))):
        return math.inf  # an underflowed entry: no rounding claim
    return comparison_bound(err_up, err_down, exits)


def passage_rounding(disc) -> float:
    r"""Bound on the rounding in :math:`\ln T` of grid passage times built from ``disc.log_up``/``log_down``.

    Parameters
    ----------
    disc : Discretization
        Reflecting ends.

    Returns
    -------
    float
        The comparison bound of the stored log rates.
    """
    up, down = exact_log_rates(disc)
    err_up = np.asarray(disc.log_up, dtype=np.longdouble) - up
    err_down = np.asarray(disc.log_down, dtype=np.longdouble) - down
    return comparison_bound(err_up, err_down)
