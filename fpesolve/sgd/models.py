r"""Built-in per-sample gradient models whose numba kernels are cached on disk.

:func:`simulate_sgd` runs any :class:`~fpesolve.sgd.ensemble.SampleGradients`;
the models here use the package's own compiled kernels, so they cost no
compilation in a new process.

* :func:`two_well_gradients` — two samples :math:`\ell_{1,2}' = L' \pm s` with
  the warped quartic double well and algebraic-sigmoid noise amplitude of
  :func:`fpesolve.failure_modes.constructions.double_well`;
* :func:`two_well_switch_gradients` — the same loss with the noise amplitude
  switched by a tanh step at the saddle (the faithful F1/F4 profile);
* :func:`quadratic_gradients` — :math:`\ell_i' = h_i(\theta - c_i)`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._models import MODEL_QUADRATIC, MODEL_TWO_WELL, MODEL_TWO_WELL_SWITCH, builtin_sample_grad
from ..core.landscape import SampleGradients

__all__ = ["two_well_gradients", "two_well_switch_gradients", "quadratic_gradients"]


def two_well_gradients(loss_min: float, barrier: float, ell: float, alpha: float, beta: float, gamma: float,
                       m: float, delta: float, centre: float = 0.0) -> SampleGradients:
    r"""The two-sample double well :math:`\ell_{1,2}' = L' \pm s`.

    With :math:`y = (\theta - c)/\ell`, :math:`u = \gamma + \alpha(\theta - c) + \beta\ell\sqrt{1+y^2}`,
    :math:`L = L_0 + \Delta V (1 - u^2)^2` and :math:`s = m + \delta\,y/\sqrt{1+y^2}`.
    """
    params = np.array([MODEL_TWO_WELL, loss_min, barrier, centre, ell, alpha, beta, gamma, m, delta], dtype=float)
    params.flags.writeable = False
    return SampleGradients(func=builtin_sample_grad, params=params, n=2,
                           description="two-well: l_1' = L' + s, l_2' = L' - s")


def two_well_switch_gradients(loss_min: float, barrier: float, ell: float, alpha: float, beta: float, gamma: float,
                              s_a: float, s_b: float, theta_s: float, width: float,
                              centre: float = 0.0) -> SampleGradients:
    r"""The two-sample double well of :func:`two_well_gradients` with a tanh noise switch.

    :math:`s(\theta) = s_A + (s_B - s_A)\,(1 + \tanh((\theta - \theta_s)/w))/2`, so that
    :math:`\Sigma = s^2` is held near :math:`s_A^2` from well A to the switch at
    :math:`\theta_s` and near :math:`s_B^2` beyond it; ``width`` is :math:`w > 0`.
    """
    if not (width > 0 and np.isfinite(width)):
        raise ValueError(f"`width` must be a finite positive number, got {width!r}")
    params = np.array([MODEL_TWO_WELL_SWITCH, loss_min, barrier, centre, ell, alpha, beta, gamma, s_a, s_b, theta_s,
                       width], dtype=float)
    params.flags.writeable = False
    return SampleGradients(func=builtin_sample_grad, params=params, n=2,
                           description="two-well, tanh noise switch: l_1' = L' + s, l_2' = L' - s")


def quadratic_gradients(hessians: Sequence[float], centres: Sequence[float]) -> SampleGradients:
    r"""Quadratic samples :math:`\ell_i = \tfrac12 h_i (\theta - c_i)^2`, :math:`\ell_i' = h_i(\theta - c_i)`."""
    h = np.asarray(hessians, dtype=float).ravel()
    c = np.asarray(centres, dtype=float).ravel()
    if h.shape != c.shape or h.size == 0:
        raise ValueError(f"`hessians` and `centres` must be non-empty and of equal length, got {h.size} and {c.size}")
    params = np.concatenate(([MODEL_QUADRATIC, h.size], h, c)).astype(float)
    params.flags.writeable = False
    return SampleGradients(func=builtin_sample_grad, params=params, n=h.size,
                           description="quadratic: l_i' = h_i (x - c_i)")
