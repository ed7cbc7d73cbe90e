r"""The built-in per-sample gradient models of the SGD kernels (private).

Per-sample gradient functions share one signature::

    grad(x: float64, i: int64, params: float64[::1]) -> float64

the gradient :math:`\ell_i'(x)` of sample ``i`` (``0 <= i < n``).  The
built-in models use :func:`builtin_sample_grad`, which dispatches on
``params[P_MODEL]`` (the model code); the slots of ``params`` are named by
the ``P_*`` constants below (the public constructors are in
:mod:`fpesolve.sgd.models`):

``MODEL_TWO_WELL`` (0)
    ``params = [0, L0, dV, xm, ell, alpha, beta, gamma, m, Delta]``; with
    :math:`y = (x - x_m)/\ell`, :math:`r = \sqrt{1+y^2}`:
    :math:`u = \gamma + \alpha (x - x_m) + \beta \ell r`,
    :math:`u' = \alpha + \beta y/r`, :math:`L' = 4\,\Delta V\,u(u^2-1)\,u'`,
    :math:`s = m + \Delta\, y/r`, and two samples with
    :math:`\ell_0' = L' + s`, :math:`\ell_1' = L' - s`.
``MODEL_QUADRATIC`` (1)
    ``params = [1, n, h_0..h_{n-1}, c_0..c_{n-1}]``;
    :math:`\ell_i' = h_i (x - c_i)`.
``MODEL_TWO_WELL_SWITCH`` (2)
    The loss of ``MODEL_TWO_WELL`` with the noise amplitude switched by a
    tanh step at the saddle:
    ``params = [2, L0, dV, xm, ell, alpha, beta, gamma, s_A, s_B, theta_s, w]``,
    :math:`s = s_A + (s_B - s_A)\,(1 + \tanh((x - \theta_s)/w))/2`.

The lane functions evaluate a block of ``LANES`` walkers at once with the
model dispatch outside the lane loops, so that each loop vectorises.
"""

from __future__ import annotations

import math

from numba import njit

from ._rng import LANES

__all__ = ["MODEL_TWO_WELL", "MODEL_QUADRATIC", "MODEL_TWO_WELL_SWITCH", "MODEL_NAMES", "two_well_parts",
           "builtin_sample_grad", "builtin_lane_grads", "builtin_all_lane_grads"]

MODEL_TWO_WELL = 0
MODEL_QUADRATIC = 1
MODEL_TWO_WELL_SWITCH = 2
#: model code -> name (for summaries)
MODEL_NAMES = {MODEL_TWO_WELL: "two-well", MODEL_QUADRATIC: "quadratic", MODEL_TWO_WELL_SWITCH: "two-well switch"}

# slots of ``params``
P_MODEL = 0
# two-well models
P_L0, P_DV, P_XM, P_ELL, P_ALPHA, P_BETA, P_GAMMA = 1, 2, 3, 4, 5, 6, 7
P_M, P_DELTA = 8, 9                               # MODEL_TWO_WELL: s = m + Delta y / r
P_SA, P_SB, P_THETA_S, P_WIDTH = 8, 9, 10, 11     # MODEL_TWO_WELL_SWITCH: tanh switch
# quadratic model: params = [1, n, h_0..h_{n-1}, c_0..c_{n-1}]
P_N = 1
P_H0 = 2


@njit(cache=True, error_model="numpy")   # no zero-divisor checks: ell > 0 and r >= 1
def two_well_parts(x, params):
    """(L'(x), s(x)) of the two-well models; the per-sample gradients are L' +- s."""
    y = (x - params[P_XM]) / params[P_ELL]
    r = math.sqrt(1.0 + y * y)
    sig = y / r
    u = params[P_GAMMA] + params[P_ALPHA] * (x - params[P_XM]) + params[P_BETA] * params[P_ELL] * r
    up = params[P_ALPHA] + params[P_BETA] * sig
    lp = 4.0 * params[P_DV] * u * (u * u - 1.0) * up
    if params[P_MODEL] == MODEL_TWO_WELL_SWITCH:
        s = params[P_SA] + (params[P_SB] - params[P_SA]) * 0.5 * (
            1.0 + math.tanh((x - params[P_THETA_S]) / params[P_WIDTH]))
    else:
        s = params[P_M] + params[P_DELTA] * sig
    return lp, s


@njit(cache=True)
def builtin_sample_grad(x, i, params):
    """Gradient of sample ``i`` at ``x`` for the built-in models (see the module docstring)."""
    model = int(params[P_MODEL])
    if model != MODEL_QUADRATIC:
        lp, s = two_well_parts(x, params)
        return lp + s if i == 0 else lp - s
    # MODEL_QUADRATIC
    n = int(params[P_N])
    return params[P_H0 + i] * (x - params[P_H0 + n + i])


@njit(cache=True, error_model="numpy", _nrt=False)
def builtin_lane_grads(xs, idx, params, out):
    """``out[j]`` = gradient of sample ``idx[j]`` at ``xs[j]`` for every lane ``j``."""
    if int(params[P_MODEL]) != MODEL_QUADRATIC:
        for j in range(LANES):
            lp, s = two_well_parts(xs[j], params)
            out[j] = lp + s if idx[j] == 0 else lp - s
    else:
        n = int(params[P_N])
        for j in range(LANES):
            i = idx[j]
            out[j] = params[P_H0 + i] * (xs[j] - params[P_H0 + n + i])


@njit(cache=True, error_model="numpy", _nrt=False)
def builtin_all_lane_grads(xs, params, buf):
    """``buf[i, j]`` = gradient of sample ``i`` at ``xs[j]``, every sample and lane.

    The two-well models get both samples from one evaluation of their parts.
    """
    if int(params[P_MODEL]) != MODEL_QUADRATIC:
        for j in range(LANES):
            lp, s = two_well_parts(xs[j], params)
            buf[0, j] = lp + s
            buf[1, j] = lp - s
    else:
        n = int(params[P_N])
        for i in range(n):
            for j in range(LANES):
                buf[i, j] = params[P_H0 + i] * (xs[j] - params[P_H0 + n + i])
