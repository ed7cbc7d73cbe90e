"""Landscapes shared by the tests, each with the closed forms the tests compare against.

Import them (``from tests.landscapes import double_well``) or use the
``double_well`` fixture of ``conftest.py``.
"""

import numpy as np

from fpesolve import Landscape


def double_well(tilt: float = 0.0, amp: float = 0.5, domain=(-2.5, 2.5), name: str = "double well") -> Landscape:
    r"""The multiplicative double well :math:`L = x^4/4 - x^2/2 + \mathrm{tilt}\,x`,
    :math:`\Sigma = 1 + \mathrm{amp}\tanh(2x)` (minima near :math:`\pm 1`, saddle near 0)."""
    return Landscape(grad=lambda x: x ** 3 - x + tilt, sigma=lambda x: 1.0 + amp * np.tanh(2.0 * x), domain=domain,
                     loss=lambda x: x ** 4 / 4 - x ** 2 / 2 + tilt * x, hess=lambda x: 3.0 * x ** 2 - 1.0,
                     sigma_grad=lambda x: 2.0 * amp / np.cosh(2.0 * x) ** 2, name=name)


def ou(stiffness: float = 2.0, domain=(-5.0, 5.0), name: str = "OU") -> Landscape:
    r"""Ornstein–Uhlenbeck: :math:`L = k x^2/2`, :math:`\Sigma = 1`; at learning rate :math:`\eta` the
    stationary law is :math:`N(0, \eta/(2k))` and the spectrum is :math:`\lambda_n = n k`."""
    return Landscape(grad=lambda x: stiffness * x, sigma=lambda x: np.ones_like(x), domain=domain,
                     loss=lambda x: 0.5 * stiffness * x ** 2, hess=lambda x: np.full_like(x, stiffness),
                     sigma_grad=lambda x: np.zeros_like(x), name=name)


def jacobi(a: float = 1.0, b: float = 1.0, name: str = "Jacobi") -> Landscape:
    r"""The Jacobi (Wright–Fisher) diffusion on (0, 1) in SGD form: with :math:`\eta = 1`,
    drift :math:`-L' = (a(1-x) - b x)/2` and :math:`\Sigma = x(1-x)`, the stationary law is
    Beta(:math:`a, b`) and the rates are :math:`\lambda_n = n(n - 1 + a + b)/2`."""
    return Landscape(grad=lambda x: -0.5 * (a * (1.0 - x) - b * x), sigma=lambda x: x * (1.0 - x), domain=(0.0, 1.0),
                     hess=lambda x: np.full_like(x, 0.5 * (a + b)), sigma_grad=lambda x: 1.0 - 2.0 * x, name=name)
