r"""Condition N3 (selection power): do the noise-to-curvature ratios differ across the minima?

:func:`check_n3` reports :math:`\Sigma/H` at every minimum beside the exact basin
probabilities of the stationary law.

Exact and approximate quantities
--------------------------------
The stationary law is :math:`p \propto \Sigma^{-1}\exp(-(2/\tau)\Phi)`,
:math:`\Phi = \int L'/\Sigma` (:mod:`fpesolve.core.stationary`, :math:`\tau = \eta`).
:func:`check_n3` reports the exact basin probabilities (quadrature of
:math:`p` between the saddles) beside the Laplace approximation

.. math:: \pi_k \approx \frac{w_k}{\sum_j w_j}, \qquad
          w_k = \sqrt{\frac{\pi\tau}{\Sigma_k H_k}}\;e^{-2\Phi(\theta_k)/\tau},

which keeps the exact exponent :math:`\Phi(\theta_k)` and replaces each well
by a Gaussian of variance :math:`\tau\Sigma_k/(2H_k)`.  The paper's reading
of F3 drops the exponent difference as well; when :math:`\Sigma` varies along
the path between the wells that difference does not vanish even with equal
:math:`\Sigma/H`, and the exact law can select strongly although N3 fails —
:class:`N3Result` then says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from scipy.special import logsumexp

from .._util.deprecation import renamed_attribute
from .._util.result import Result
from .._util.validation import positive_float, probability
from ..core.landscape import Landscape
from ..core.stationary import drift_integral
from ._minima import _labels, _minima_and_basins
from ._sigma import require_positive_sigma

__all__ = ['N3Minimum', 'N3Result', 'check_n3']


@dataclass(frozen=True, repr=False)
class N3Minimum(Result):
    r"""One minimum in the N3 check.

    Attributes
    ----------
    label : str
        Well label (``"A"``, ``"B"`` for constructions) or ``min<k>``.
    x, loss, hess, sigma : float
        Position, :math:`L`, :math:`L''` and :math:`\Sigma` (per step) at the minimum
        (``H`` and ``Sigma`` before 0.2).
    ratio : float
        :math:`\Sigma/H`.
    probability, log_probability : float
        Exact stationary probability of the basin and its natural log
        (``probability`` underflows to 0 before ``log_probability`` does).
    laplace_probability, log_laplace_probability : float
        The Laplace approximation (module docstring) and its natural log.

    Examples
    --------
    The good well A of F3 (unequal Hessians), where :math:`\Sigma/H = 1` as
    at B, yet the exact law puts 99.3 % of its mass:

    >>> from fpesolve.failure_modes import check_n3, construction
    >>> A = check_n3(construction("f3-unequal-hessian"), 0.2).minima[0]
    >>> A.label, round(A.x, 6), round(A.hess, 9), round(A.sigma, 9), round(A.ratio, 9)
    ('A', -1.333333, 2.0, 2.0, 1.0)
    >>> round(A.probability, 4), round(A.laplace_probability, 4)
    (0.9935, 0.9942)
    """

    label: str
    x: float
    loss: float
    hess: float
    sigma: float
    ratio: float
    probability: float
    log_probability: float
    laplace_probability: float
    log_laplace_probability: float

    H = renamed_attribute("H", "hess")
    Sigma = renamed_attribute("Sigma", "sigma")


@dataclass(frozen=True, repr=False)
class N3Result(Result):
    r"""Condition N3 (selection power): do the ratios :math:`\Sigma/H` differ across the minima?

    Attributes
    ----------
    holds : bool or None
        ``True`` when the largest and smallest :math:`\Sigma/H` differ by more
        than ``rtol`` (relative); ``None`` with a single minimum (nothing to select).
    status : str
        ``"holds"``, ``"violated"`` or ``"not applicable"``.
    eta : float
        Learning rate = temperature :math:`\tau` of the stationary law.
    rtol : float
        Relative tolerance of the comparison.
    minima : tuple of N3Minimum
        The minima, left to right.
    ratio_spread : float
        :math:`\max(\Sigma/H)/\min(\Sigma/H) - 1`.
    favoured : str
        Label of the basin with the largest exact probability.
    note : str
        Where the exact law and the :math:`\Sigma/H` verdict disagree, or why
        the check does not apply.

    Examples
    --------
    F3 with unequal Hessians: :math:`\Sigma/H = 1` at both wells, so N3 is
    violated as the paper says, but the exact stationary law is not the
    paper's 1/2 : 1/2 (the note says why):

    >>> from fpesolve.failure_modes import check_n3, construction
    >>> r = check_n3(construction("f3-unequal-hessian"), 0.2)
    >>> r.holds, r.status, r.favoured
    (False, 'violated', 'A')
    >>> [round(float(p), 4) for p in r.probabilities]
    [0.9935, 0.0065]
    """

    holds: Optional[bool]
    eta: float
    rtol: float
    minima: Tuple[N3Minimum, ...]
    ratio_spread: float
    favoured: str
    note: str

    @property
    def status(self) -> str:
        """``"holds"``, ``"violated"`` or ``"not applicable"``."""
        return {True: "holds", False: "violated", None: "not applicable"}[self.holds]

    @property
    def probabilities(self) -> np.ndarray:
        """Exact basin probabilities, in the order of the minima."""
        return np.array([m.probability for m in self.minima])

    def summary(self) -> str:
        """A table of :math:`\\Sigma/H`, the exact and the Laplace basin probabilities, and the verdict.

        Returns
        -------
        str
            The verdict with the spread of :math:`\\Sigma/H`, one line per
            minimum (``x``, ``L``, ``H``, :math:`\\Sigma`, :math:`\\Sigma/H`, the
            exact and the Laplace probability; probabilities that underflow are
            printed from their logs, e.g. ``1e-1085.6``) and the note.
        """
        verdict = {True: "HOLDS", False: "VIOLATED", None: "not applicable"}[self.holds]
        lines = [f"N3 selection power at eta = {self.eta:g}: {verdict} (Sigma/H spread {self.ratio_spread:.4g}, "
                 f"rtol {self.rtol:g})",
                 f"  {'minimum':>8s} {'x':>12s} {'L':>10s} {'H':>10s} {'Sigma':>10s} {'Sigma/H':>10s}"
                 f" {'P exact':>12s} {'P Laplace':>12s}"]
        for m in self.minima:
            lines.append(f"  {m.label:>8s} {m.x:>+12.6g} {m.loss:>10.4g} {m.hess:>10.4g} {m.sigma:>10.4g} "
                         f"{m.ratio:>10.4g} {_prob_text(m.probability, m.log_probability):>12s} "
                         f"{_prob_text(m.laplace_probability, m.log_laplace_probability):>12s}")
        if self.note:
            lines.append("  note: " + self.note)
        return "\n".join(lines)


def _prob_text(p: float, log_p: float) -> str:
    if p > 0.0 or not math.isfinite(log_p):
        return f"{p:.6g}"
    return f"1e{log_p / math.log(10.0):.1f}"


def check_n3(landscape: Landscape, eta: float, *, rtol: float = 1e-3) -> N3Result:
    r"""Check N3: the noise-to-curvature ratios :math:`\Sigma/H` differ across the minima.

    Parameters
    ----------
    landscape : Landscape
        Any landscape with :math:`\Sigma > 0` on its domain (a construction or your own).
    eta : float
        Learning rate :math:`\eta > 0` (the temperature :math:`\tau` of the stationary law).
    rtol : float
        N3 holds when :math:`\max(\Sigma/H)/\min(\Sigma/H) - 1 >` ``rtol``.
        The default 1e-3 separates ratios that are equal by construction
        (F3, equal to ~1e-10 after root finding) from any real difference.

    Returns
    -------
    N3Result
        :math:`\Sigma/H` per minimum, the exact basin probabilities of the
        stationary density (log-space quadrature between the saddles) and
        their Laplace approximation, and the verdict.

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``rtol`` outside (0, 1), a landscape without
        interior minimum, or :math:`\Sigma \le 0` or :math:`H \le 0` at a minimum.
    IllPosedError
        With two or more minima, when :math:`\Sigma` vanishes inside the
        domain (no unique stationary law to split into basins;
        :func:`~fpesolve.diagnose` reports N3 as ``"not applicable"`` there).

    Examples
    --------
    >>> from fpesolve.failure_modes.constructions import construction
    >>> r = check_n3(construction("f3-equal-hessian"), 0.2)
    >>> r.holds, round(float(r.probabilities[0]), 12)
    (False, 0.5)
    """
    from ..core.passage import basin_probabilities

    eta = positive_float(eta, "eta", "eta is the SGD learning rate (the temperature of the stationary law)")
    rtol = probability(rtol, "rtol")
    minima, _ = _minima_and_basins(landscape)
    labels = _labels(landscape, minima)
    if len(minima) > 1:
        require_positive_sigma(landscape, "N3 (the basin probabilities of the stationary law)")
    hs = np.array([cp.hess for cp in minima])
    sig = np.array([cp.sigma for cp in minima])
    ratios = np.array([cp.sigma_over_hess for cp in minima])
    if len(minima) == 1:
        cp = minima[0]
        only = N3Minimum(label=labels[0], x=cp.x, loss=cp.loss, hess=cp.hess, sigma=cp.sigma, ratio=ratios[0],
                         probability=1.0, log_probability=0.0, laplace_probability=1.0, log_laplace_probability=0.0)
        return N3Result(holds=None, eta=eta, rtol=rtol, minima=(only,), ratio_spread=0.0, favoured=labels[0],
                        note="a single minimum: there is nothing for the noise to select between")
    if np.any(sig <= 0) or np.any(hs <= 0):
        raise ValueError(f"N3 needs Sigma > 0 and H > 0 at every minimum, got Sigma = {sig.tolist()} and "
                         f"H = {hs.tolist()} at x = {[cp.x for cp in minima]}")
    log_p = basin_probabilities(landscape, eta, log=True)
    log_w = -(2.0 / eta) * drift_integral(landscape, np.array([cp.x for cp in minima]))\
        + 0.5 * np.log(math.pi * eta / (sig * hs))
    log_lap = log_w - logsumexp(log_w)
    spread = float(ratios.max() / ratios.min() - 1.0)
    holds = bool(spread > rtol)
    rows = tuple(N3Minimum(label=lab, x=cp.x, loss=cp.loss, hess=cp.hess, sigma=cp.sigma, ratio=float(r),
                           probability=float(np.exp(lp)), log_probability=float(lp),
                           laplace_probability=float(np.exp(ll)), log_laplace_probability=float(ll))
                 for lab, cp, r, lp, ll in zip(labels, minima, ratios, log_p, log_lap))
    favoured = labels[int(np.argmax(log_p))]
    uniform = math.log(1.0 / len(minima))
    deviation = float(np.max(np.abs(log_p - uniform)))
    note = ""
    if not holds and deviation > 0.1:
        note = (f"Sigma/H is equal at the minima, yet the exact stationary law is far from uniform "
                f"(max |ln pi_k - ln(1/{len(minima)})| = {deviation:.3g}, favouring {favoured}): the selection "
                f"comes from the exponent int L'/Sigma between the minima (Sigma varies along the path, or the "
                f"losses differ), which a reading of Sigma/H at the minima alone does not see")
    elif holds and deviation < 0.01:
        note = ("Sigma/H differs, but the exact stationary law is nearly uniform over the basins at this eta: "
                "the selection is weak here")
    return N3Result(holds=holds, eta=eta, rtol=rtol, minima=rows, ratio_spread=spread, favoured=favoured, note=note)
