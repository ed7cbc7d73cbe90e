r"""An independent cross-check of tiny spectral gaps: power iteration on the Green operator, certified.

:func:`fpesolve.core.spectrum.spectral_gap` finds :math:`\lambda_1` by bisection
on the Golub–Kahan matrix.  This module finds it another way (DESIGN §3):
the generator :math:`Q` of the Scharfetter–Gummel chain (rates :math:`a_i`
for :math:`i \to i+1`, :math:`b_i` for :math:`i+1 \to i`, two reflecting
ends) is in detailed balance with the cell masses :math:`\pi_i`, so on the
:math:`\pi`-mean-zero functions :math:`-Q` is invertible and its inverse,
the Green operator :math:`G`, is self-adjoint and positive in
:math:`\langle f, g\rangle_\pi = \sum_i \pi_i f_i g_i` with largest eigenvalue
:math:`\mu_1 = 1/\lambda_1`.  Applying :math:`G` costs :math:`O(N)`: with
:math:`\sum_j \pi_j g_j = 0`, :math:`-Qu = g` integrates once to

.. math:: u_{i+1} - u_i = -\frac{1}{\pi_i a_i}\sum_{j \le i}\pi_j g_j
          = \frac{1}{\pi_i a_i}\sum_{j > i}\pi_j g_j ,

a prefix or a suffix sum (whichever side carries less mass, so the
cancellation error stays at :math:`\varepsilon` times the smaller side);
the numba kernel :func:`fpesolve.core._spectrum_kernels.green_increments` carries
:math:`\sum_{j\le i}\pi_j g_j/\pi_i` as sign and logarithm, so masses
spanning :math:`e^{\pm 10^4}` are fine.  The iterate is renormalised every
step and the scale kept as a logarithm, so gaps far below the float64 range
are returned in ``log10`` form.

Exact mean removal.  The increments are summed outward from the most
probable cell :math:`k^*` (:math:`u_{k^*} = 0`) and only then is the
:math:`\pi`-mean subtracted.  When :math:`\pi` is concentrated in one well the
mean is then a small number computed from small numbers: anchoring anywhere
else would produce the values in the heavy well as a difference of two
nearly equal large numbers, destroying the :math:`\pi`-mean-zero property the
Green operator needs (the old failure "lost the iterate").

Certified convergence.  Convergence is not judged from the change of the
estimate (which can stagnate far from the eigenvalue) but a posteriori.  For
the normalised iterate :math:`g` (:math:`\|g\|_\pi = 1`), :math:`u = Gg`,
:math:`\theta = \langle g, u\rangle_\pi` and the residual
:math:`\epsilon = \|u - \theta g\|_\pi`, Temple's inequality (Kato–Temple)
gives, for any :math:`\alpha \ge \mu_2` with :math:`\alpha < \theta`,

.. math:: \theta \le \mu_1 \le \theta + \frac{\epsilon^2}{\theta - \alpha},

so the relative error of the reported :math:`\lambda_1 = \|u\|_\pi^2/\theta`
(the Rayleigh quotient at :math:`G^{1/2}g`, between :math:`\theta` and
:math:`\mu_1`) is at most :math:`(\epsilon/\theta)^2 / (1 - \alpha/\theta)`.
The bound :math:`\alpha = 1/x_c` on :math:`\mu_2` comes from one Sylvester
inertia (Sturm) count of the Golub–Kahan matrix at :math:`\sqrt{x_c}`: exactly
one nonzero rate below :math:`x_c` proves :math:`\lambda_2 \ge x_c` — this
also certifies that the iteration found the *slowest* rate and not a faster
one the start vector happened to miss.  ``converged`` is ``True`` only when
that bound is at most ``rtol``; ``rel_error`` adds to it an estimate of the
floating-point rounding (which ``rtol`` cannot control):
:math:`\varepsilon\,(16 + 4\log_2 N + 4\sqrt N\,\ell)`, with :math:`\ell` the
largest of :math:`|\ln\lambda_1|` and the :math:`|\ln|` of the rates, since
the iterate is held in log form and its logarithms carry absolute errors of
:math:`\varepsilon\,\ell` that accumulate along the chain (calibrated on the
fuzz of ``tests/core/test_green.py``: the observed error stays below about half of it).

The start is the cell-centre coordinate :math:`x_i`: for a birth–death
chain the slowest eigenfunction is monotone, so any increasing start has a
positive component along it (Chebyshev's sum inequality).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np

from .._util.errors import ConvergenceError
from .._util.formatting import format_log10
from .._util.result import Result
from .._util.validation import positive_int, probability

__all__ = ["GreenGap", "green_gap"]

_LN10 = math.log(10.0)
_TINY = np.finfo(float).tiny
_EPS = np.finfo(float).eps
#: smallest scaled Golub–Kahan shift at which a Sturm count is trusted (the bisection floor is 1e-295)
_COUNT_FLOOR = 1e-280
#: trial ratios x_c / lambda_1 for the count that bounds lambda_2 from below (largest first: tighter bound)
_COUNT_RATIOS = (1e8, 1e4, 1e2, 10.0, 3.0, 1.5, 1.1, 1.03, 1.01, 1.003, 1.001)


@dataclass(frozen=True, repr=False)
class GreenGap(Result):
    r"""The spectral gap from power iteration on the Green operator (:func:`green_gap`).

    Attributes
    ----------
    value : float or None
        :math:`\lambda_1` in 1/[continuous time]; ``None`` when below the
        float64 range (then only ``log10`` carries it).
    log10 : float
        :math:`\log_{10}\lambda_1`, always finite.
    relaxation_time : float
        :math:`1/\lambda_1` in continuous time, ``inf`` above the float64 range.
    iterations : int
        Applications of the Green operator used.
    converged : bool
        Whether the certified (Temple) bound on the relative error of
        ``value`` fell to ``rtol`` and a Sturm count proved the rate is the
        slowest one.
    rel_error : float
        The certified relative error bound of ``value`` plus an estimate of
        the floating-point rounding; ``inf`` when no bound could be
        certified (see ``message``).
    message : str
        Why the result is not converged (empty when it is).
    last_change : float
        Relative change of the estimate between the last two iterations
        (``inf`` after a single iteration); informative only, convergence is
        judged by ``rel_error``.
    rtol : float
    n : int
        Number of grid cells.
    log10_second_rate_bound : float or None
        :math:`\log_{10}` of the certified lower bound :math:`x_c` on
        :math:`\lambda_2` (``None`` when no count certified one).
    observable : ndarray, shape (N,)
        The last iterate: the slowest observable :math:`\phi_1` at the cell
        centres, with :math:`E_\pi\phi_1 = 0`, :math:`E_\pi\phi_1^2 = 1`.

    Examples
    --------
    Ornstein–Uhlenbeck, :math:`L = \theta^2/2`, :math:`\Sigma = 1`: the gap
    of the continuum is :math:`H = 1`, that of a grid of spacing :math:`h`
    is :math:`1 + O(h^2)` (here :math:`h = 0.02`, error below :math:`h^2`):

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape, green_gap
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> g = green_gap(FokkerPlanck(ou, eta=1.0, grid=800))
    >>> g.converged, bool(abs(g.value - 1.0) < 0.02**2), g.rel_error < 1e-12
    (True, True, True)
    """

    value: Optional[float]
    log10: float
    relaxation_time: float
    iterations: int
    converged: bool
    rel_error: float
    message: str
    last_change: float
    rtol: float
    n: int
    log10_second_rate_bound: Optional[float]
    observable: np.ndarray = field(repr=False)

    @property
    def log(self) -> float:
        """Natural log of the gap."""
        return self.log10 * _LN10

    def summary(self) -> str:
        """A one-paragraph description.

        Returns
        -------
        str
            The gap, its log, whether it converged, the certified relative
            error and the relaxation time.
        """
        val = f"{self.value:.16e}" if self.value is not None else f"10^{self.log10:.10f} (below float64)"
        state = "converged" if self.converged else f"NOT converged ({self.message})"
        return (f"spectral gap {val} (log10 {self.log10:.12g}) by Green-operator power iteration on N = {self.n} "
                f"cells: {state} after {self.iterations} iteration(s), certified relative error "
                f"{self.rel_error:.3g} (rtol {self.rtol:.3g}); relaxation time {format_log10(-self.log10)} "
                f"(continuous time)")


def _psum(v: np.ndarray) -> float:
    """Pairwise (numpy) sum: relative error ~ eps log2(N) of the sum of magnitudes."""
    return float(np.sum(v))


def _anchored(v: np.ndarray, pi: np.ndarray, anchor: int) -> Tuple[np.ndarray, float]:
    """``v`` shifted to pi-mean zero (first to ``v[anchor] = 0``, then by the small mean) and its pi-norm."""
    v = v - v[anchor]
    v = v - _psum(pi * v)
    return v, math.sqrt(_psum(pi * v * v))


def _second_rate_bound(fp, log_gap: float) -> Tuple[Optional[float], str]:
    r"""``(ln x_c, "")`` with exactly one nonzero rate of :math:`-Q` below :math:`x_c` (so :math:`\lambda_2 \ge x_c`),
    the largest such :math:`x_c` among ``lambda_1 * _COUNT_RATIOS``; ``(None, reason)`` when no count certifies one."""
    from ._spectrum_kernels import sturm_count
    from .spectrum import golub_kahan_offdiagonal

    e, log_scale, first = golub_kahan_offdiagonal(fp)
    e = np.ascontiguousarray(e)
    n_rates = fp.grid.n - 1
    log_floor = 2.0 * (math.log(_COUNT_FLOOR) + log_scale)       # the smallest x_c a count is trusted at
    counts = []
    for ratio in _COUNT_RATIOS:
        log_x = max(log_gap + math.log(ratio), log_floor)
        if log_x <= log_gap + math.log(1.0005):
            continue                                             # too close to lambda_1 to separate it
        log_sigma = 0.5 * log_x - log_scale
        below = n_rates if log_sigma > math.log(2.0) else sturm_count(e, math.exp(log_sigma)) - first
        counts.append((log_x, below))
        if below == 1 or (below == n_rates and n_rates == 1):
            return log_x, ""
        if below <= 0:
            return None, (f"a Sturm count finds no nonzero rate below 10^{log_x / _LN10:.6g}, above the iterate's "
                          f"10^{log_gap / _LN10:.6g}: the iterate is not an eigenvector")
    if not counts:
        return None, (f"lambda_1 = 10^{log_gap / _LN10:.6g} lies within a factor 1.0005 of the smallest rate a "
                      f"float64 Sturm count resolves, so lambda_2 cannot be bounded")
    log_x, below = counts[-1]
    return None, (f"{below} rates lie below 10^{(log_x - log_gap) / _LN10:.3g} * lambda_1 (Sturm count): the slowest rate "
                  f"is not separated from the next one (or the iterate converged to a faster rate)")


def green_gap(fp, max_iter: int = 200, rtol: float = 1e-14) -> GreenGap:
    r"""Spectral gap :math:`\lambda_1` of ``fp``'s generator by certified power iteration on its Green operator.

    An independent check of :func:`fpesolve.core.spectrum.spectral_gap` (which
    bisects the Golub–Kahan matrix); see the module docstring for the
    method and the a-posteriori (Temple) error bound.  Each iteration is
    :math:`O(N)`; the number of iterations grows like
    :math:`\log(\mathrm{rtol}) / \log(\lambda_1/\lambda_2)^2`, so it is small
    for metastable (tiny) gaps and ~25 for an Ornstein–Uhlenbeck process
    (:math:`\lambda_1/\lambda_2 = 1/2`).

    Parameters
    ----------
    fp : FokkerPlanck
        With two reflecting ends (the Green operator on mean-zero functions
        needs the stationary law; with an absorbing end use
        :func:`fpesolve.core.spectrum.spectrum`).
    max_iter : int
        Largest number of iterations, >= 1.
    rtol : float
        Stop when the certified bound on the relative error of
        :math:`\lambda_1` is at most ``rtol``, in (0, 1).

    Returns
    -------
    GreenGap
        A cross-check reports instead of raising: when the bound does not
        reach ``rtol`` within ``max_iter`` iterations, or no Sturm count can
        prove the rate is the slowest, the result has ``converged=False``
        and a ``message`` saying why (its ``rel_error`` is the bound reached,
        ``inf`` if none).

    Raises
    ------
    ValueError
        For ``max_iter`` < 1, ``rtol`` outside (0, 1), an absorbing end or a
        grid of a single cell.
    ConvergenceError
        If the iteration breaks down (a non-positive or non-finite
        :math:`\langle g, Gg\rangle_\pi`, impossible in exact arithmetic):
        then there is no number to report.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> from fpesolve.core.green import green_gap
    >>> from fpesolve.core.spectrum import spectral_gap
    >>> well = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0.3 * np.tanh(x), domain=(-2, 2))
    >>> fp = FokkerPlanck(well, 0.003, 60)
    >>> g = green_gap(fp)
    >>> g.converged, g.iterations <= 4, g.rel_error < 1e-11, abs(g.log10 - spectral_gap(fp).log10) < 1e-12
    (True, True, True, True)
    """
    from ._spectrum_kernels import green_step

    max_iter = positive_int(max_iter, "max_iter")
    rtol = probability(rtol, "rtol")
    d = fp.discretization
    if tuple(d.boundary) != ("reflecting", "reflecting"):
        raise ValueError(f"green_gap needs two reflecting ends (the Green operator acts on mean-zero functions), "
                         f"got boundary {tuple(d.boundary)!r}; with an absorbing end use fpesolve.core.spectrum.spectrum")
    n = d.grid.n
    if n < 2:
        raise ValueError(f"green_gap needs a grid of at least 2 cells, got N = {n}")
    log_up = np.ascontiguousarray(d.log_up, dtype=float)
    log_down = np.ascontiguousarray(d.log_down, dtype=float)
    logpi = np.asarray(d.log_stationary_mass, dtype=float)
    anchor = int(np.argmax(logpi))
    logpi = np.ascontiguousarray(logpi - (logpi[anchor] + math.log(_psum(np.exp(logpi - logpi[anchor])))))

    # start: x - x_anchor minus its (small) pi-mean, normalised; held as sign and log from here on
    x = np.asarray(d.grid.centres, dtype=float)
    with np.errstate(under="ignore"):
        pi = np.exp(logpi)
    g, _ = _anchored(x, pi, anchor)
    g_sign = np.ascontiguousarray(np.sign(g))
    with np.errstate(divide="ignore"):
        g_log = np.log(np.abs(g))
    # the norm in log space: with pi in one cell to float precision sum(pi g^2) underflows, its log does not
    terms = logpi + 2.0 * g_log
    top = float(np.max(terms))
    g_log = np.ascontiguousarray(g_log - 0.5 * (top + math.log(_psum(np.exp(terms - top)))))
    du_sign, du_log = np.empty(n - 1), np.empty(n - 1)
    u_sign, u_log = np.empty(n), np.empty(n)
    stats = np.empty(4)
    log_gap, change, iterations = math.nan, math.inf, 0
    bound, log_second, reason = math.inf, None, ""
    for iterations in range(1, max_iter + 1):
        green_step(log_up, log_down, logpi, anchor, g_sign, g_log, du_sign, du_log, u_sign, u_log, stats)
        theta_sign, log_theta, log_norm2, log_res2 = (float(v) for v in stats)
        if not (theta_sign > 0.0 and math.isfinite(log_theta) and math.isfinite(log_norm2)):
            raise ConvergenceError(f"green_gap lost the iterate at iteration {iterations} (<g, Gg> has sign "
                                   f"{theta_sign:g} and log {log_theta!r}); the generator of {fp.landscape.name!r} "
                                   f"may be degenerate at this eta: use spectral_gap(fp)")
        rho2 = math.exp(min(0.0, log_res2 - 2.0 * log_theta))    # (residual / theta)^2, at most 1
        # ||u||^2 / <g, u> = Rayleigh quotient at G^(1/2) g, in [theta, mu_1]
        new_log_gap = -(log_norm2 - log_theta)
        if iterations > 1:
            change = abs(math.expm1(new_log_gap - log_gap))
        log_gap = new_log_gap
        g_sign, u_sign = u_sign, g_sign
        g_log, u_log = u_log, g_log
        g_log -= 0.5 * log_norm2
        if rho2 <= rtol or iterations == max_iter:
            if log_second is None and (not reason or iterations == max_iter):
                log_second, reason = _second_rate_bound(fp, log_gap)
            if log_second is not None:
                # alpha / theta with alpha = 1/x_c bounding mu_2 and theta = <g, Gg> <= mu_1
                ratio = math.exp(min(0.0, -(log_second + log_theta)))
                bound = rho2 / (1.0 - ratio) if ratio < 1.0 else math.inf
                if bound <= rtol:
                    break
    converged = bound <= rtol
    # rounding: pairwise sums (~log2 N ulps) and log-space values (absolute error ~eps |ln|, i.e. relative in the rate)
    log_size = max(abs(log_gap), float(np.max(np.abs(log_up))), float(np.max(np.abs(log_down))))
    rounding = _EPS * (16.0 + 4.0 * math.log2(n) + 4.0 * math.sqrt(n) * log_size)
    rel_error = bound + rounding if math.isfinite(bound) else math.inf
    if converged:
        message = ""
    elif log_second is None:
        message = f"not certified: {reason}"
    else:
        message = (f"the certified relative error {bound:.3g} is above rtol = {rtol:.3g} after {iterations} "
                   f"iteration(s); raise `max_iter` (the rate converges like (lambda_1/lambda_2)^(2k))")
    log10 = log_gap / _LN10
    value = math.exp(log_gap) if log_gap > math.log(_TINY) else None
    relax = math.exp(-log_gap) if -log_gap < 709.0 else math.inf
    with np.errstate(over="ignore", under="ignore"):
        observable = g_sign * np.exp(g_log)
    return GreenGap(value=value, log10=log10, relaxation_time=relax, iterations=iterations, converged=converged,
                    rel_error=float(rel_error), message=message, last_change=change, rtol=rtol, n=n,
                    log10_second_rate_bound=None if log_second is None else log_second / _LN10,
                    observable=observable)
