r"""The Scharfetter–Gummel finite-volume generator.

With :math:`D = \tau\Sigma/2`, :math:`q = D p` and :math:`\Phi' = L'/D` the
flux of the Fokker–Planck equation is :math:`F = -e^{-\Phi}(e^{\Phi} q)'`.
Taking :math:`F` constant and :math:`\Phi` linear between the centres
:math:`x_i, x_{i+1}` (spacing :math:`h_i`, :math:`d_i = \Phi_{i+1} - \Phi_i`
computed *exactly* by quadrature of :math:`L'/D`) gives

.. math:: F_{i+1/2} = -\frac{1}{h_i}\big[B(-d_i)\,q_{i+1} - B(d_i)\,q_i\big],
          \qquad B(z) = \frac{z}{e^z - 1}.

For cell masses :math:`m_i = p_i|c_i|` this is a birth–death generator with
rates :math:`a_i = B(d_i) D_i/(h_i|c_i|)` (:math:`i \to i+1`) and
:math:`b_i = B(-d_i) D_{i+1}/(h_i|c_{i+1}|)` (:math:`i+1 \to i`).  It is in
detailed balance with :math:`\pi_i \propto |c_i|\,e^{-\Phi_i}/D_i`, i.e. the
closed-form stationary density sampled at the cell centres, on any grid and
at any Péclet number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple, Union

import numpy as np
from scipy.special import logsumexp

from . import _solver_kernels as _kernels
from .._util.validation import positive_float
from .._util.deprecation import renamed_keyword
from .grid import Grid
from .landscape import Landscape
from .stationary import drift_increments
from .wellposed import check_well_posed

__all__ = ["Discretization", "discretize", "parse_boundary"]

BoundarySpec = Union[str, Tuple[str, str]]
_BOUNDARY_KINDS = ("reflecting", "absorbing")


def parse_boundary(boundary: BoundarySpec) -> Tuple[str, str]:
    """Normalise ``"reflecting"``, ``"absorbing"`` or a ``(left, right)`` pair."""
    pair = (boundary, boundary) if isinstance(boundary, str) else tuple(boundary)
    if len(pair) != 2 or any(kind not in _BOUNDARY_KINDS for kind in pair):
        raise ValueError(f"`boundary` must be 'reflecting', 'absorbing' or a (left, right) pair of those, "
                         f"got {boundary!r}")
    return pair  # type: ignore[return-value]


@dataclass(frozen=True)
class Discretization:
    """The Scharfetter–Gummel generator on a grid, as rates.

    Attributes
    ----------
    grid : Grid
    eta : float
        The learning rate (the diffusion's temperature :math:`\\tau = \\eta`).
    boundary : (str, str)
    phi_increments : ndarray, shape (N-1,)
        :math:`d_i = \\Phi_{i+1} - \\Phi_i = (2/\\tau)\\int_{x_i}^{x_{i+1}} L'/\\Sigma`.
    diffusion : ndarray, shape (N,)
        :math:`D_i = \\tau\\Sigma(x_i)/2` at the centres.
    log_up, log_down : ndarray, shape (N-1,)
        Natural logs of the rates :math:`a_i` and :math:`b_i` (never underflow).
    up, down : ndarray, shape (N-1,)
        The rates themselves (may underflow to 0 in extreme metastable cases;
        use the logs there).
    out : ndarray, shape (N,)
        Rates of leaving through an absorbing end (zero elsewhere).
    log_stationary_mass : ndarray, shape (N,)
        :math:`\\ln\\pi_i`, the normalised stationary cell masses of the
        reflecting generator (exact null vector, computed without subtraction).
    """

    grid: Grid
    eta: float
    boundary: Tuple[str, str]
    phi_increments: np.ndarray
    diffusion: np.ndarray
    log_up: np.ndarray
    log_down: np.ndarray
    up: np.ndarray
    down: np.ndarray
    out: np.ndarray
    log_stationary_mass: np.ndarray

    @property
    def exit_rates(self) -> np.ndarray:
        """Total rate of leaving each cell, :math:`-Q_{ii}`."""
        total = self.out.copy()
        total[:-1] += self.up
        total[1:] += self.down
        return total


def _boundary_out_rate(landscape: Landscape, eta: float, grid: Grid, diffusion: np.ndarray, side: str) -> float:
    a, b = landscape.domain
    if side == "left":
        end, cell, pts = a, 0, np.array([a, grid.centres[0]])
    else:
        end, cell, pts = b, grid.n - 1, np.array([grid.centres[-1], b])
    sigma_end = float(landscape.sigma(np.array([end]))[0])
    if not (np.isfinite(sigma_end) and sigma_end > 0):
        raise ValueError(f"an absorbing {side} end needs Sigma > 0 there, but Sigma({end!r}) = {sigma_end!r}; "
                         f"use a reflecting end or move the domain end inward")
    h = abs(grid.centres[cell] - end)
    d = (2.0 / eta) * float(drift_increments(landscape, pts)[0])  # Phi(right) - Phi(left)
    # the flux leaves through the end: from centre to an end where q = 0
    z = -d if side == "left" else d
    return float(np.exp(_kernels.log_bernoulli(z) + np.log(diffusion[cell]) - np.log(h) - np.log(grid.widths[cell])))


@renamed_keyword("tau", "eta")
def discretize(landscape: Landscape, eta: float, grid: Grid, boundary: BoundarySpec = "reflecting") -> Discretization:
    """Assemble the Scharfetter–Gummel rates for ``landscape`` at learning rate ``eta`` on ``grid``.

    Raises
    ------
    ValueError
        For ``tau <= 0``, a grid outside the domain, or :math:`\\Sigma` not
        positive and finite at a cell centre.
    """
    eta = positive_float(eta, "eta", "eta is the SGD learning rate (the temperature of its diffusion)")
    if not isinstance(grid, Grid):
        raise TypeError(f"`grid` must be a fpesolve.Grid, got {type(grid).__name__}")
    grid.check_inside(landscape.domain, repr(landscape.name))
    check_well_posed(landscape, eta, boundary=boundary, grid=grid)
    sides = parse_boundary(boundary)
    x = grid.centres
    sigma = landscape.checked_sigma(x)
    diffusion = 0.5 * eta * sigma
    d = (2.0 / eta) * drift_increments(landscape, x)
    log_up = np.empty(grid.n - 1)
    log_down = np.empty(grid.n - 1)
    _kernels.scharfetter_gummel_rates(d, diffusion, np.diff(x), grid.widths, log_up, log_down)
    out = np.zeros(grid.n)
    if sides[0] == "absorbing":
        out[0] = _boundary_out_rate(landscape, eta, grid, diffusion, "left")
    if sides[1] == "absorbing":
        out[-1] = _boundary_out_rate(landscape, eta, grid, diffusion, "right")
    log_pi = np.concatenate(([0.0], np.cumsum(-d))) - np.log(diffusion) + np.log(grid.widths)
    log_pi -= logsumexp(log_pi)
    for arr in (d, diffusion, log_up, log_down, out, log_pi):
        arr.flags.writeable = False
    up, down = np.exp(log_up), np.exp(log_down)
    up.flags.writeable = False
    down.flags.writeable = False
    return Discretization(grid=grid, eta=eta, boundary=sides, phi_increments=d, diffusion=diffusion,
                          log_up=log_up, log_down=log_down, up=up, down=down, out=out,
                          log_stationary_mass=log_pi)
