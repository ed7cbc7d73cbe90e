r"""Exact-in-time propagation :math:`e^{tQ}m_0` by a contour integral of the resolvent.

For a time-independent generator :math:`Q` (spectrum real, in
:math:`(-\infty, 0]`, since :math:`Q` is similar to a symmetric matrix)

.. math:: e^{tQ} v = \frac{1}{2\pi i}\int_\Gamma e^{zt}\,(zI - Q)^{-1} v\,dz ,

with :math:`\Gamma` the modified Talbot contour of Trefethen, Weideman and
Schmelzer (2006, *BIT* 46, 653–670), scaled to the output time,

.. math:: z(\theta) = \frac{M}{t}\big(0.5017\,\theta\cot(0.6407\,\theta) - 0.6122 + 0.2645\,i\theta\big),
          \qquad -\pi < \theta < \pi ,

and the midpoint rule with :math:`M` nodes, which converges like
:math:`3.89^{-M}` for every spectrum on the negative real axis at once.
For real :math:`Q` and :math:`v` the nodes come in conjugate pairs, so
:math:`M/2` solves suffice; each is one shifted complex tridiagonal solve,
:math:`O(N)` (:mod:`fpesolve.core._contour_kernels`).  The cost does not grow
with :math:`t`.

What is done exactly
--------------------
* With two reflecting ends the stationary masses :math:`\pi` (exact, from
  detailed balance) are split off: :math:`m(t) = \pi + e^{tQ}(m_0 - \pi)`,
  and the contour sees a vector of zero mass.  Its result must have zero mass
  too; the mass that round-off leaves in it is removed along :math:`\pi` (the
  only eigenvector with non-zero mass), so mass is conserved to round-off and
  :math:`m(t) \to \pi` for :math:`t\to\infty` with no error growing with
  :math:`t` (at :math:`t = 10^6/\lambda_1` on a double well with
  :math:`\lambda_1 = 3\cdot 10^{-17}` the result is :math:`\pi` to 1e-33).
* The elimination carries Schur-complement column sums instead of subtracting
  exit rates (see the kernel), so the small shifts :math:`z \sim M/t` keep
  their relative accuracy whatever the stiffness :math:`\max_i |Q_{ii}|`.
  This is why no projection of the slowest eigenmodes is needed: measured
  against the eigen-expansion built from the Golub–Kahan bisection
  (relative accuracy) the contour stays at 1e-14 (N = 1e4) to 1e-13 (N = 1e5)
  in :math:`\ell^1` for :math:`t` from :math:`10^{-3}` to :math:`10^6/\lambda_1`.
* The mass that left through each absorbing end by time :math:`t` is the
  same contour integral of :math:`(o\cdot x)/z` (the Laplace transform of a
  time integral), computed from the same solves.
* Negative masses (round-off, ~1e-16 of the peak, where the density is
  below the absolute accuracy) are set to zero and the mass restored
  (:func:`fpesolve.core.propagation.make_nonnegative`); what was removed is
  reported and included in the error.

Error estimate and non-normal generators
----------------------------------------
Every output is computed by two rules, :math:`M = 24` and :math:`M - 6 = 18`
nodes.  The quadrature error of the finer one is taken as
:math:`2\cdot 2^{-6}` times their :math:`\ell^1` difference (the rule
converges like :math:`3.89^{-M}` for a normal generator; 2.1 per node was the
slowest rate measured, for strongly non-normal ones), plus round-off
(:math:`32\,\epsilon\sum_k |w_k|\,\|x_k\|_1`, the size of the terms that
cancel, times :math:`\max(1, \sqrt{N/10^4})`), plus the :math:`\ell^1`
change of the positivity projection, plus (absorbing ends) the disagreement between the mass left and one minus the
mass absorbed.  :math:`Q` is normal only in :math:`\ell^2(1/\pi)`: with a
drift much stronger than the noise (cell Péclet numbers of 10 and more) and a
start where :math:`\pi` is tiny, the resolvent is large on the contour and
the rule converges slowly.  When the estimate exceeds :data:`TOLERANCE`
(1e-11 of the mass) the interval from the previous output is done again:
by uniformization (non-negative terms) when the largest exit rate times the
interval is small, otherwise by the contour in 2, 4, ... pieces propagated
one after the other (a shorter time scales the contour out of the region
where the resolvent is large), until the summed estimate meets it; the
result's ``method`` says so.  The fuzz tests check that the actual error
stays below the estimate.
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache
from typing import Optional

import numpy as np

from . import _contour_kernels as _kernels
from . import _solver_kernels
from .._util.errors import AccuracyWarning
from .discretize import Discretization
from .propagation import SECONDS_PER_CELL, Propagation, check_cost, make_nonnegative

__all__ = ["talbot_nodes", "propagate", "N_NODES", "N_NODES_CHECK", "TOLERANCE", "MAX_PIECES"]

#: nodes of the Talbot contour (conjugate pairs, so N_NODES/2 solves per output time); measured optimum
#: between quadrature error ~3.89^-M and round-off amplified by exp(0.17 M)
N_NODES = 24
#: nodes of the coarser rule whose difference estimates the quadrature error (a posteriori)
N_NODES_CHECK = 18
#: Trefethen–Weideman–Schmelzer's optimised Talbot parameters (sigma, mu, nu, beta of the contour)
_TALBOT = (0.6122, 0.5017, 0.6407, 0.2645)
#: the quadrature error of N_NODES is the coarse rule's times ASSUMED_RATE^-(N_NODES - N_NODES_CHECK), safety 2:
#: 3.89 per node for a normal generator, measured down to 2.1 for strongly non-normal ones, so 2.0 is assumed
_ASSUMED_RATE = 2.0
_QUADRATURE_FACTOR = 2.0
#: l1 error per output (relative to the mass) above which an interval is cut into pieces
TOLERANCE = 1e-11
#: most pieces per interval between outputs
MAX_PIECES = 1024
_UNIFORMIZATION_TOLERANCE = 1e-15
#: an AccuracyWarning when the estimate stays above this multiple of TOLERANCE
_WARN_FACTOR = 1e3
#: round-off: this many ulps of the sum of |terms| that cancel, times sqrt(N / 1e4) beyond 1e4 cells (the
#: elimination's recurrences add their rounding along the grid; measured at N = 1e5)
_ROUNDOFF_ULPS = 32.0
#: below this t * max exit rate, e^{tQ} m0 = m0 to double precision
_TINY_TIME = 1e-18
#: the kernel's pivots lie between |z| ~ 5/t and |z| + the largest exit rate: both kept inside 1e-150 .. 1e150
_MAX_TIME = 1e140
_MAX_RATE = 1e140


@lru_cache(maxsize=8)
def _unit_nodes(n_nodes: int):
    """Nodes for t = 1 and the t-free weight factors: z = (M/t) zeta_k, w_k = c_k / t."""
    sigma, mu, nu, beta = _TALBOT
    theta = -math.pi + (np.arange(n_nodes) + 0.5) * (2.0 * math.pi / n_nodes)
    theta = theta[theta > 0]
    zeta = mu * theta / np.tan(nu * theta) - sigma + 1j * beta * theta
    dzeta = mu / np.tan(nu * theta) - mu * nu * theta / np.sin(nu * theta) ** 2 + 1j * beta
    # (h / 2 pi i) e^{zt} dz/dtheta with h = 2 pi / M, doubled for the conjugate half: e^{M zeta} M dzeta / t ...
    factor = 2.0 * np.exp(n_nodes * zeta) * dzeta / 1j
    zeta.flags.writeable = False
    factor.flags.writeable = False
    return zeta, factor


def talbot_nodes(t: float, n_nodes: int = N_NODES):
    """Nodes ``z_k`` (upper half, conjugates implied) and weights ``w_k`` with
    :math:`e^{tQ}v \\approx \\mathrm{Re}\\sum_k w_k (z_k - Q)^{-1} v`."""
    zeta, factor = _unit_nodes(int(n_nodes))
    return (n_nodes / t) * zeta, factor / t


class _Step:
    """One contour application: masses, absorbed (left, right), error, clipped."""

    __slots__ = ("masses", "left", "right", "error", "clipped")

    def __init__(self, masses, left, right, error, clipped):
        self.masses, self.left, self.right, self.error, self.clipped = masses, left, right, error, clipped


class _Contour:
    """The arrays and work space of one generator, applying :math:`e^{tQ}` to any start by two rules."""

    def __init__(self, disc: Discretization, n_nodes: int, n_check: int):
        n = disc.grid.n
        self.n_nodes, self.n_check = n_nodes, n_check
        self.up, self.down, self.out = (np.ascontiguousarray(a) for a in (disc.up, disc.down, disc.out))
        self.fastest = float(np.max(disc.exit_rates))
        self.reflecting = disc.reflecting
        self.pi = np.exp(np.asarray(disc.log_stationary_mass)) if self.reflecting else np.zeros(n)
        self.ratio = _QUADRATURE_FACTOR * _ASSUMED_RATE ** (-(n_nodes - n_check))
        self.pivot, self.work = np.empty(n, dtype=complex), np.empty(n, dtype=complex)
        self.solves = 0

    def apply(self, m0: np.ndarray, t: float) -> _Step:
        mass0 = float(m0.sum())
        if t == 0.0 or t * self.fastest < _TINY_TIME:
            return _Step(m0.copy(), 0.0, 0.0, 2.0 * t * self.fastest * mass0, 0.0)
        if not (t < _MAX_TIME and self.fastest < _MAX_RATE):
            raise ValueError(f"the contour route needs t < {_MAX_TIME:g} and exit rates below {_MAX_RATE:g} (its "
                             f"pivots stay in float range there), got t = {t!r}, largest exit rate {self.fastest:.3g}; "
                             f"beyond 1e140 relaxation times the state is the stationary one")
        v = np.ascontiguousarray(m0 - mass0 * self.pi)
        sums = []
        for nodes in (self.n_nodes, self.n_check):
            z, w = talbot_nodes(float(t), nodes)
            result, absorbed = np.zeros(m0.size), np.zeros(2)
            magnitude = _kernels.resolvent_sum(self.up, self.down, self.out, v, z, w, result, absorbed, self.pivot,
                                               self.work)
            self.solves += z.size
            sums.append((result, absorbed, magnitude))
        (result, absorbed, magnitude), (coarse, coarse_absorbed, _) = sums
        if not (np.all(np.isfinite(result)) and np.isfinite(magnitude)):
            raise FloatingPointError(f"the contour solves at t = {t!r} overflowed; the time is outside the range of "
                                     f"float64 for this generator (largest exit rate {self.fastest:.3g})")
        quadrature = self.ratio * (float(np.abs(result - coarse).sum())
                                   + float(np.abs(absorbed - coarse_absorbed).sum()))
        if self.reflecting:
            result -= result.sum() * self.pi          # the exact result has zero mass: remove round-off along pi
            m = mass0 * self.pi + result
            target, mismatch, left, right = mass0, 0.0, 0.0, 0.0
        else:
            m = result
            left = min(max(float(absorbed[0]), 0.0), mass0)
            right = min(max(float(absorbed[1]), 0.0), mass0)
            target = min(max(float(m.sum()), 0.0), mass0)
            mismatch = abs(target - (mass0 - left - right))
        clipped, change = make_nonnegative(m, target)
        ulps = _ROUNDOFF_ULPS * max(1.0, math.sqrt(m0.size / 1e4))
        error = quadrature + ulps * np.finfo(float).eps * magnitude + change + mismatch
        return _Step(m, left, right, min(error, 2.0 * mass0), clipped)


def _recover(engine: _Contour, previous: tuple, t: float, tol: float, solves: int, n: int,
             cost_limit: Optional[float]):
    """The state at ``t`` from the previous output when the direct contour misses its tolerance.

    Uniformization (non-negative terms, truncation 1e-15 per sub-step) when the largest exit rate times the
    interval is small enough for it to be cheaper than a contour in 64 pieces; otherwise the contour in
    2, 4, ... pieces.  Returns ``(state, how)``.
    """
    t_prev, m_prev, e_prev, l_prev, r_prev, c_prev = previous
    span = t - t_prev
    rate = engine.fastest * (1.0 + 1e-12)
    products = 1.5 * rate * span + 50.0 * math.ceil(rate * span / 32.0)
    if products * SECONDS_PER_CELL["uniformization"] <= 64 * solves * SECONDS_PER_CELL["contour"]:
        m = np.array(m_prev, dtype=float)
        absorbed = np.zeros(2)
        used = _solver_kernels.uniformization(engine.up, engine.down, engine.out, rate, span, m, np.empty(n),
                                              np.empty(n), _UNIFORMIZATION_TOLERANCE, 10_000, absorbed)
        if used >= 0:
            engine.solves += used
            err = e_prev + _UNIFORMIZATION_TOLERANCE * math.ceil(rate * span / 32.0) * float(m_prev.sum())
            return (t, m, err, l_prev + absorbed[0], r_prev + absorbed[1], c_prev), "uniformization"
    best = (t, None, math.inf, 0.0, 0.0, 0.0)
    pieces, last = 2, math.inf
    while pieces <= MAX_PIECES:
        check_cost("contour", engine.solves + pieces * solves, n, cost_limit, f"{pieces} contour pieces",
                   "method='uniformization' (positive, exact for strongly non-normal generators at short times)")
        m, e, left, right, clipped = m_prev, e_prev, l_prev, r_prev, c_prev
        for _ in range(pieces):
            sub = engine.apply(m, span / pieces)
            m, e = sub.masses, e + sub.error
            left, right, clipped = left + sub.left, right + sub.right, clipped + sub.clipped
        if e < best[2]:
            best = (t, m, e, left, right, clipped)
        # stop when the tolerance is met, or when more pieces stop helping once the estimate is down to the
        # summed round-off of the pieces (a saturated estimate, ~2, keeps doubling)
        if e - e_prev <= tol or (e > 0.5 * last and e - e_prev < _WARN_FACTOR * tol):
            break
        last = e
        pieces *= 2
    return best, f"contour in up to {pieces} pieces"


def propagate(disc: Discretization, m0: np.ndarray, times: np.ndarray, n_nodes: int = N_NODES,
              n_check: int = N_NODES_CHECK, cost_limit: Optional[float] = None, bar=None) -> Propagation:
    """Masses :math:`e^{tQ}m_0` at each of ``times`` (see the module notes).

    Each output time is first computed directly from ``m0``.  If its error
    estimate exceeds :data:`TOLERANCE` (a generator far from normal: strong
    drift against a start where the stationary mass is tiny), the interval
    from the previous output is done again, by uniformization when that is
    cheap (short intervals) or by the contour in 2, 4, ... pieces, each
    from the end of the previous one, until the summed estimate meets the
    tolerance (or :data:`MAX_PIECES` is reached; then the result carries its
    larger error, with an :class:`~fpesolve.AccuracyWarning`); ``method``
    says what was done.
    """
    n = disc.grid.n
    times = np.asarray(times, dtype=float)
    positive = times[times > 0]
    solves = n_nodes // 2 + n_check // 2
    check_cost("contour", positive.size * solves, n, cost_limit, f"{positive.size} output times x {solves} solves",
               "fewer output times (the cost is per output time, not per unit time)")
    engine = _Contour(disc, n_nodes, n_check)
    m0 = np.asarray(m0, dtype=float)
    mass0 = float(m0.sum())
    tol = TOLERANCE * max(mass0, 1e-300)
    run = Propagation.empty(times.size, n, f"contour (Talbot, {n_nodes} nodes, checked with {n_check})")
    previous = (0.0, m0.copy(), 0.0, 0.0, 0.0, 0.0)  # time, masses, error, left, right, clipped
    notes = set()
    for k, t in enumerate(times):
        step = engine.apply(m0, float(t))
        state = (float(t), step.masses, step.error, step.left, step.right, step.clipped)
        if step.error > tol:
            recovered, how = _recover(engine, previous, float(t), tol, solves, n, cost_limit)
            if recovered[2] < state[2]:
                state = recovered
                notes.add(how)
        previous = state
        _, run.masses[k], run.error[k], run.absorbed_left[k], run.absorbed_right[k], run.clipped[k] = state
        run.error[k] = min(run.error[k], 2.0 * mass0)
        if bar is not None:
            bar.update(1)
    run.n_solves = engine.solves
    if notes:
        run.method += f"; strongly non-normal generator: {', '.join(sorted(notes))} where the direct rule missed"
    if float(np.max(run.error)) > _WARN_FACTOR * tol:
        run.message = (f"the contour's estimated error {float(np.max(run.error)):.2g} stays above {_WARN_FACTOR * tol:.2g} "
                       f"even cut into pieces (a strongly non-normal generator: drift much stronger than the noise); "
                       f"method='uniformization' or 'tr-bdf2' with rtol are positive alternatives")
        warnings.warn(run.message, AccuracyWarning, stacklevel=4)
    return run
