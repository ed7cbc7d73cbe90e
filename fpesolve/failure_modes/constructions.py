r"""Smooth landscapes realising the failure modes F1–F4 of the failure-modes paper.

Every construction is a :class:`Construction`: a :class:`~fpesolve.Landscape`
(closed-form :math:`L, L', L'', \Sigma, \Sigma'`) that is *also* a finite sum
of per-sample losses, so that real SGD can be simulated on it
(:func:`fpesolve.sgd.ensemble.simulate_sgd`), and that carries the paper's
leading-order claims beside the exact construction.

Two-well constructions (F1, F3, F4, healthy)
--------------------------------------------
Two samples with per-sample losses :math:`\ell_{1,2} = L \pm S`,
:math:`S' = s > 0`, so that

.. math:: \ell_{1,2}' = L' \pm s, \qquad
          \tfrac12(\ell_1' + \ell_2') = L', \qquad
          \Sigma = \tfrac12\big[(\ell_1'-L')^2 + (\ell_2'-L')^2\big] = s^2

exactly (divided by ``B`` for minibatches of size ``B`` drawn with
replacement).  The loss is a quartic double well in a warped coordinate
:math:`u(\theta)`,

.. math:: L(\theta) = L_0 + \Delta V\,\big(1 - u(\theta)^2\big)^2, \qquad
          u(\theta) = \gamma + \alpha\,\theta + \beta\,\ell\sqrt{1 + (\theta/\ell)^2},

with :math:`u' = \alpha + \beta\,y/\sqrt{1+y^2} \ge \alpha - |\beta| > 0`
(:math:`y = \theta/\ell`), so the only critical points are
:math:`u = -1` (well A), :math:`u = 0` (the saddle) and :math:`u = +1`
(well B); both wells have loss :math:`L_0`, the saddle
:math:`L_0 + \Delta V`.  With :math:`c_k = \sqrt{H_k/(8\Delta V)}` the
parameters :math:`\alpha = (c_A + c_B)/2`, :math:`\beta = (c_B - c_A)/(2t)`,
wells at :math:`\theta_{A,B} = \mp d/2`, :math:`d = 2/\alpha`, and
:math:`\ell = d\sqrt{1-t^2}/(2t)` give exactly
:math:`L''(\theta_k) = 8\Delta V\,u'(\theta_k)^2 = H_k`.  The noise amplitude
is an algebraic sigmoid with the same length scale,

.. math:: s(\theta) = m + \Delta\,\frac{y}{\sqrt{1+y^2}}, \qquad
          m = \frac{s_A + s_B}{2}, \quad \Delta = \frac{s_B - s_A}{2t},
          \quad s_k = \sqrt{\Sigma_k},

so :math:`\Sigma(\theta_k) = \Sigma_k` exactly and
:math:`S = m\theta + \Delta\,\ell\sqrt{1+y^2}`.  ``t`` in (0, 1) (the
``steepness``) sets how sharply :math:`u'` and :math:`s` change between the
wells; it must exceed :math:`|c_B-c_A|/(c_A+c_B)` and
:math:`|s_B-s_A|/(s_A+s_B)` so that :math:`u' > 0` and :math:`s > 0`.  Both
:math:`u` and :math:`L` are coercive and need only a square root and a
division to evaluate, which keeps Monte Carlo SGD fast.

Where these exact constructions differ from the paper's leading-order reading:

* :math:`\Sigma(\theta)` is not constant in a well (:math:`\Sigma'(\theta_k)
  \ne 0` unless :math:`\Sigma_A = \Sigma_B`), so the minima of
  :math:`V_{\mathrm{eff}}` sit :math:`O(\tau)` away from those of ``L``;
* the barrier ``barrier`` is a barrier of ``L``; the barrier of
  :math:`V_{\mathrm{eff}}` is :math:`\int_{\theta_k}^{\theta_s} L'/\Sigma`,
  which lies strictly between :math:`\Delta V/\max\Sigma` and
  :math:`\Delta V/\min\Sigma` on the path, not :math:`\Delta V/\Sigma_k`;
* the per-sample Hessians at a well are :math:`H_k \pm s'(\theta_k)`, not
  :math:`H_k`;
* the generalisation gaps (``gaps``) are modelling choices: the paper gives
  no numbers, only which well is good.  ``test_loss`` realises them as
  :math:`L_{\mathrm{test}} = L + g_A + (g_B - g_A)\,(1 + \sigma(y)/t)/2` with
  :math:`\sigma(y) = y/\sqrt{1+y^2}`, equal to :math:`L + g_k` at the wells.

F2 (quadratic per-sample losses)
--------------------------------
:math:`\ell_i = \tfrac12 h_i (\theta - c_i)^2` with Hessians
:math:`h = (18, 2)` and :math:`c_i = 0`: :math:`L = 5\theta^2` and
:math:`\Sigma = \tfrac1n\sum_i (h_i - \bar h)^2\theta^2 = 64\,\theta^2`
vanishes at the minimum (interpolation), so the Fokker–Planck stationary
density does not exist there; stability is decided by N2
(:mod:`fpesolve.failure_modes.n2_stability`).
"""

from __future__ import annotations

import functools
import math
from typing import Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
from scipy import optimize

from .._util.validation import as_1d_float_array, finite_float, positive_float, positive_int
from ..core.landscape import CriticalPoint, Landscape, PerSampleLosses
from ..sgd.ensemble import SampleGradients
from ..sgd.models import quadratic_gradients, two_well_gradients

__all__ = ["Construction", "double_well", "f1_landscape", "f2_landscape", "f3_landscape", "f4_landscape",
           "healthy_landscape", "CONSTRUCTIONS", "construction", "available"]


class Construction(Landscape):
    """A :class:`~fpesolve.Landscape` built from per-sample losses, with its story.

    Besides everything a Landscape offers (including ``samples``,
    ``batch_size``, ``sample_gradients`` and ``wells``) it carries

    Attributes
    ----------
    key : str
        The registry name (e.g. ``"f1"``).
    parameters : dict
        The parameters the construction was built from.
    documented : tuple of CriticalPoint
        The critical points from the closed forms (A, saddle, B for two wells).
    generalization_gaps : dict or None
        Label to generalisation gap :math:`L_{\\mathrm{test}} - L` at the well
        (a modelling choice, see the module docstring).
    paper_claims : dict
        The paper's leading-order statements, quoted (never used as results).
    notes : str
        Where the exact construction differs from the paper's reading.
    eta : float or None
        The learning rate the construction is about (the paper's, or the rate
        at which the healthy construction satisfies N1–N4).
    n_iterations : int or None
        The training length :math:`T` the construction is about (N1).
    """

    def __init__(self, *, key: str, parameters: Mapping[str, object], documented: Tuple[CriticalPoint, ...],
                 test_loss: Optional[Callable[[np.ndarray], np.ndarray]] = None,
                 generalization_gaps: Optional[Mapping[str, float]] = None,
                 paper_claims: Optional[Mapping[str, object]] = None, notes: str = "", eta: Optional[float] = None,
                 n_iterations: Optional[int] = None, **landscape_args) -> None:
        super().__init__(**landscape_args)
        self.key = key
        self.parameters = dict(parameters)
        self.documented = tuple(documented)
        self._test_loss = test_loss
        self.generalization_gaps = None if generalization_gaps is None else dict(generalization_gaps)
        self.paper_claims = dict(paper_claims or {})
        self.notes = notes
        self.eta = eta
        self.n_iterations = n_iterations

    def test_loss(self, x) -> np.ndarray:
        """:math:`L_{\\mathrm{test}}(x)`, the population loss the generalisation gaps come from."""
        if self._test_loss is None:
            raise ValueError(f"construction {self.key!r} has no test loss; give generalisation gaps explicitly")
        arr = np.asarray(x, dtype=float)
        return np.asarray(self._test_loss(arr), dtype=float)

    @property
    def has_test_loss(self) -> bool:
        """Whether :meth:`test_loss` is available."""
        return self._test_loss is not None

    def summary(self) -> str:
        """The documented critical points, generalisation gaps, the paper's claims and the notes."""
        lines = [f"Construction {self.key!r}: {self.name}", "  documented critical points:"]
        lines += ["    " + str(cp) for cp in self.documented]
        if self.generalization_gaps:
            lines.append("  generalisation gaps (modelling choice): "
                         + ", ".join(f"{k}={v:g}" for k, v in self.generalization_gaps.items()))
        if self.eta is not None:
            lines.append(f"  eta = {self.eta:g}"
                         + (f", n_iterations = {self.n_iterations}" if self.n_iterations else ""))
        if self.paper_claims:
            lines.append("  paper's leading-order claims:")
            lines += [f"    {k}: {v}" for k, v in self.paper_claims.items()]
        if self.notes:
            lines.append("  notes: " + self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Construction(key={self.key!r}, name={self.name!r}, domain={self.domain!r})"


# ---------------------------------------------------------------------------- the two-well family
def _sigmoid(y):
    return y / np.sqrt(1.0 + y * y)


def double_well(H_A: float, H_B: float, Sigma_A: float, Sigma_B: float, barrier: float, *,
                loss_min: float = 0.0, steepness: Optional[float] = None, u_edge: float = 2.0,
                batch_size: int = 1, gaps: Optional[Tuple[float, float]] = None, key: str = "double-well",
                name: Optional[str] = None, paper_claims: Optional[Mapping[str, object]] = None,
                notes: str = "", eta: Optional[float] = None, n_iterations: Optional[int] = None) -> Construction:
    r"""Two wells with prescribed curvatures, noise variances and barrier (module docstring).

    Parameters
    ----------
    H_A, H_B : float
        :math:`L''` at well A (left, :math:`\theta_A = -d/2`) and well B (right), > 0.
    Sigma_A, Sigma_B : float
        Per-sample gradient variance :math:`\Sigma` (batch size 1) at the wells, > 0.
    barrier : float
        :math:`\Delta V = L(\theta_s) - L(\theta_k)`, the same from both wells, > 0.
    loss_min : float
        :math:`L_0`, the loss at both minima.
    steepness : float, optional
        ``t`` in (0, 1); default :math:`\max(0.9, (1 + r)/2)` with ``r`` the
        larger of :math:`|c_B-c_A|/(c_A+c_B)` and :math:`|s_B-s_A|/(s_A+s_B)`.
    u_edge : float
        The domain is :math:`\{|u(\theta)| \le u_{\mathrm{edge}}\}` (> 1), where
        :math:`L = L_0 + \Delta V (u_{\mathrm{edge}}^2 - 1)^2`.
    batch_size : int
        ``B``: the landscape's :math:`\Sigma` is :math:`s^2/B` (samples drawn with
        replacement).  Only the Fokker–Planck quantities depend on it.
    gaps : (float, float), optional
        Generalisation gaps at wells A and B; gives :meth:`Construction.test_loss`.

    Returns
    -------
    Construction
        With :math:`\theta_A = -2/(c_A+c_B)`, :math:`\theta_B = +2/(c_A+c_B)`,
        :math:`c_k = \sqrt{H_k/(8\Delta V)}`.
    """
    H_A = positive_float(H_A, "H_A")
    H_B = positive_float(H_B, "H_B")
    Sigma_A = positive_float(Sigma_A, "Sigma_A")
    Sigma_B = positive_float(Sigma_B, "Sigma_B")
    dV = positive_float(barrier, "barrier")
    L0 = finite_float(loss_min, "loss_min")
    u_edge = finite_float(u_edge, "u_edge")
    if not u_edge > 1.0:
        raise ValueError(f"`u_edge` must exceed 1 so that both wells lie inside the domain, got {u_edge!r}")
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size > 2:
        raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = 2 of a two-well construction")
    cA, cB = math.sqrt(H_A / (8.0 * dV)), math.sqrt(H_B / (8.0 * dV))
    sA, sB = math.sqrt(Sigma_A), math.sqrt(Sigma_B)
    ratio = max(abs(cB - cA) / (cA + cB), abs(sB - sA) / (sA + sB))
    if steepness is None:
        t = max(0.9, 0.5 * (1.0 + ratio))
    else:
        t = finite_float(steepness, "steepness")
        if not ratio < t < 1.0:
            raise ValueError(f"`steepness` must lie in ({ratio:.6g}, 1) for these wells (so that u' > 0 and "
                             f"sqrt(Sigma) > 0 everywhere), got {steepness!r}")
    alpha = 0.5 * (cA + cB)
    beta = (cB - cA) / (2.0 * t)
    d = 2.0 / alpha
    y0 = t / math.sqrt(1.0 - t * t)
    ell = d / (2.0 * y0)
    gamma = -beta * ell * math.sqrt(1.0 + y0 * y0)
    m = 0.5 * (sA + sB)
    delta = (sB - sA) / (2.0 * t)
    xA, xB = -0.5 * d, 0.5 * d

    def parts(x):
        y = x / ell
        r = np.sqrt(1.0 + y * y)
        sig = y / r
        u = gamma + alpha * x + beta * ell * r
        up = alpha + beta * sig
        upp = beta / (ell * r ** 3)
        s = m + delta * sig
        sp = delta / (ell * r ** 3)
        S = m * x + delta * ell * r
        return u, up, upp, s, sp, S

    def loss(x):
        u = parts(x)[0]
        return L0 + dV * (1.0 - u * u) ** 2

    def grad(x):
        u, up = parts(x)[:2]
        return 4.0 * dV * u * (u * u - 1.0) * up

    def hess(x):
        u, up, upp = parts(x)[:3]
        return dV * ((12.0 * u * u - 4.0) * up * up + 4.0 * u * (u * u - 1.0) * upp)

    def sigma(x):
        s = parts(x)[3]
        return s * s / batch_size

    def sigma_grad(x):
        _, _, _, s, sp, _ = parts(x)
        return 2.0 * s * sp / batch_size

    def sample_losses(x):
        u, _, _, _, _, S = parts(np.asarray(x, dtype=float))
        base = L0 + dV * (1.0 - u * u) ** 2
        return np.stack((base + S, base - S))

    def sample_grads(x):
        u, up, _, s, _, _ = parts(np.asarray(x, dtype=float))
        g = 4.0 * dV * u * (u * u - 1.0) * up
        return np.stack((g + s, g - s))

    def sample_hessians(x):
        u, up, upp, _, sp, _ = parts(np.asarray(x, dtype=float))
        h = dV * ((12.0 * u * u - 4.0) * up * up + 4.0 * u * (u * u - 1.0) * upp)
        return np.stack((h + sp, h - sp))

    def u_of(x):
        return float(parts(np.array([x]))[0][0])

    def solve_u(target, lo, hi):
        step = hi - lo
        while u_of(lo) > target:
            lo -= step
        while u_of(hi) < target:
            hi += step
        return optimize.brentq(lambda z: u_of(z) - target, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps,
                               maxiter=200)

    x_s = solve_u(0.0, xA, xB)
    a = solve_u(-u_edge, xA - d, xA)
    b = solve_u(u_edge, xB, xB + d)
    up_s = float(parts(np.array([x_s]))[1][0])
    documented = (
        CriticalPoint(x=xA, kind="minimum", loss=L0, hess=H_A, sigma=Sigma_A / batch_size),
        CriticalPoint(x=x_s, kind="saddle", loss=L0 + dV, hess=-4.0 * dV * up_s ** 2,
                      sigma=float(sigma(np.array([x_s]))[0])),
        CriticalPoint(x=xB, kind="minimum", loss=L0, hess=H_B, sigma=Sigma_B / batch_size),
    )
    test_loss = None
    gap_map = None
    if gaps is not None:
        gA, gB = (finite_float(g, "gaps") for g in gaps)
        gap_map = {"A": gA, "B": gB}

        def test_loss(x):
            return loss(x) + gA + (gB - gA) * 0.5 * (1.0 + _sigmoid(np.asarray(x, dtype=float) / ell) / t)

    grads = two_well_gradients(L0, dV, ell, alpha, beta, gamma, m, delta)
    parameters = dict(H_A=H_A, H_B=H_B, Sigma_A=Sigma_A, Sigma_B=Sigma_B, barrier=dV, loss_min=L0, steepness=t,
                      u_edge=u_edge, batch_size=batch_size, alpha=alpha, beta=beta, gamma=gamma, ell=ell,
                      m=m, Delta=delta)
    label = name or (f"double well H=({H_A:g}, {H_B:g}) Sigma=({Sigma_A:g}, {Sigma_B:g}) barrier {dV:g}"
                     + (f" B={batch_size}" if batch_size > 1 else ""))
    return Construction(key=key, sample_gradients=grads, parameters=parameters, documented=documented,
                        wells={"A": xA, "B": xB}, test_loss=test_loss, generalization_gaps=gap_map,
                        paper_claims=paper_claims, notes=notes, eta=eta, n_iterations=n_iterations,
                        batch_size=batch_size, replacement=True,
                        grad=grad, sigma=sigma, domain=(a, b), loss=loss, hess=hess, sigma_grad=sigma_grad,
                        name=label, samples=PerSampleLosses(losses=sample_losses, grads=sample_grads,
                                                            hessians=sample_hessians, n=2))


_TWO_WELL_NOTES = ("Sigma(theta) = s(theta)^2 varies between the wells (an algebraic sigmoid), so the V_eff barrier "
                   "is int L'/Sigma along the path rather than barrier/Sigma_k, the V_eff minima are O(eta) away from "
                   "the L minima, and the per-sample Hessians at a well are H_k +- s'(theta_k). The gaps are "
                   "modelling choices (the paper names only the good and the bad well).")


def f1_landscape(H_A: float = 2.0, Sigma_A: float = 1.0, H_B: float = 8.0, Sigma_B: float = 8.0,
                 barrier: float = 100.0, *, eta: float = 0.01, n_iterations: int = 10 ** 6, batch_size: int = 1,
                 gaps: Tuple[float, float] = (0.05, 0.5), steepness: Optional[float] = None) -> Construction:
    r"""F1, insufficient mixing: a barrier of 100 between a good and a bad well.

    Well A (good): :math:`H_A = 2`, :math:`\Sigma_A = 1` (:math:`\Sigma/H = 0.5`);
    well B (bad, where SGD starts): :math:`H_B = 8`, :math:`\Sigma_B = 8`
    (:math:`\Sigma/H = 1`); :math:`L_A = L_B = 0`, barrier :math:`\Delta V = 100`
    in ``L``; the paper's :math:`\eta = 0.01`.  See :func:`double_well`.

    The paper's leading-order escape estimate from B is
    :math:`\eta^{-1}\exp(2\Delta V/(\Sigma_B\eta)) = 100\,e^{2500}`
    iterations (:math:`\log_{10} \approx 1087.7`); the exact exponent is
    :math:`(2/\eta)\int_{\theta_B}^{\theta_s} L'/\Sigma`, with :math:`\Sigma`
    falling from 8 towards 1 along the way.
    """
    claims = {"Sigma_A/H_A": 0.5, "Sigma_B/H_B": 1.0, "V_eff barrier from B (barrier/Sigma_B)": 12.5,
              "escape iterations from B": "(1/eta) exp(25/eta) = 100 exp(2500) ~ 10^1087 at eta = 0.01",
              "violated condition": "N1"}
    return double_well(H_A, H_B, Sigma_A, Sigma_B, barrier, steepness=steepness, batch_size=batch_size, gaps=gaps,
                       key="f1", name="F1 insufficient mixing", paper_claims=claims, notes=_TWO_WELL_NOTES,
                       eta=eta, n_iterations=n_iterations)


def f3_landscape(variant: str = "equal-hessian", *, H_A: Optional[float] = None, H_B: Optional[float] = None,
                 ratio: float = 1.0, barrier: float = 1.0, eta: float = 0.2, n_iterations: int = 10 ** 6,
                 batch_size: int = 1, gaps: Tuple[float, float] = (0.05, 0.5),
                 steepness: Optional[float] = None) -> Construction:
    r"""F3, degenerate selection: equal :math:`\Sigma/H` at both wells.

    ``variant="equal-hessian"``: :math:`H_A = H_B = 2`, :math:`\Sigma_A = \Sigma_B
    = 2` (:math:`\Sigma` constant, ``L`` symmetric): :math:`\pi(A) = \pi(B) = 1/2`
    exactly, by symmetry.

    ``variant="unequal-hessian"``: :math:`H_A = 2`, :math:`H_B = 8`,
    :math:`\Sigma_k = \text{ratio}\cdot H_k`.  The paper's Laplace argument
    claims :math:`\pi(A)/\pi(B) = 1` here too; its own weights
    :math:`\Sigma_k^{-1}\sqrt{\pi\tau\Sigma_k/H_k} = \sqrt{\pi\tau/(\Sigma_k H_k)}`
    give :math:`\sqrt{\Sigma_B H_B/(\Sigma_A H_A)} = 4` instead, and the
    exponent :math:`\int_A^B L'/\Sigma` is not zero when :math:`\Sigma`
    varies — the exact basin probabilities are what the package computes.

    Both variants: :math:`L_A = L_B = 0`, barrier 1 in ``L``, :math:`\Sigma/H = 1`;
    at the default :math:`\eta = 0.2` the escape times are ~10^3 iterations,
    so with :math:`T = 10^6` mixing (N1) holds and only N3 is at stake.
    """
    key = str(variant).strip().lower().replace("_", "-").replace(" ", "-")
    ratio = positive_float(ratio, "ratio")
    if key == "equal-hessian":
        hA = 2.0 if H_A is None else H_A
        hB = hA if H_B is None else H_B
        if hA != hB:
            raise ValueError(f"the equal-hessian variant needs H_A == H_B, got {hA!r} and {hB!r}")
    elif key == "unequal-hessian":
        hA = 2.0 if H_A is None else H_A
        hB = 8.0 if H_B is None else H_B
    else:
        raise ValueError(f"`variant` must be 'equal-hessian' or 'unequal-hessian', got {variant!r}")
    claims = {"Sigma_A/H_A = Sigma_B/H_B": ratio, "pi(A)": 0.5, "pi(B)": 0.5,
              "Laplace ratio pi(A)/pi(B)": 1.0, "violated condition": "N3"}
    notes = (_TWO_WELL_NOTES if key == "unequal-hessian" else
             "Sigma is constant and L symmetric, so pi(A) = pi(B) = 1/2 exactly at every eta.")
    if key == "unequal-hessian":
        notes += (" With Sigma growing from well A to well B the exact stationary law is far from the paper's "
                  "1/2 : 1/2 (it favours A), although Sigma/H is equal at both wells.")
    return double_well(hA, hB, ratio * hA, ratio * hB, barrier, steepness=steepness, batch_size=batch_size,
                       gaps=gaps, key=f"f3-{key}", name=f"F3 degenerate selection ({key})", paper_claims=claims,
                       notes=notes, eta=eta, n_iterations=n_iterations)


def f4_landscape(loss_min: float = 0.1, H: float = 2.0, Sigma_A: float = 20.0, Sigma_B: float = 1.0,
                 barrier: float = 10.0, *, eta: float = 0.2, n_iterations: int = 10 ** 6, batch_size: int = 1,
                 gaps: Tuple[float, float] = (0.05, 0.5), steepness: Optional[float] = None) -> Construction:
    r"""F4, noise–generalisation reversal: the good well has the larger noise.

    :math:`L_A = L_B = 0.1`, :math:`H_A = H_B = 2`, :math:`\Sigma_A = 20` (good
    well, low generalisation gap), :math:`\Sigma_B = 1` (bad well, high gap),
    barrier 10 in ``L``; wells at :math:`\mp\sqrt{40}` (``L`` is the symmetric
    quartic :math:`0.1 + 10(1 - \theta^2/40)^2`).

    Paper: :math:`\Delta U_A = 10/20 = 0.5`, :math:`\Delta U_B = 10/1 = 10`,
    :math:`\tau_A/\tau_B \sim e^{-19/\eta}`; exactly,
    :math:`\Delta U_k = \int_{\theta_k}^{\theta_s} L'/\Sigma` with :math:`\Sigma`
    running between 20 and 1 along the path, so both barriers differ from the
    paper's.  The gaps (0.05 at A, 0.5 at B) are a modelling choice that makes
    :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) < 0` (N4 violated); the
    leave-one-out proxy :math:`\Sigma/(H(n-1))` would instead rank A worse.
    At the default :math:`\eta = 0.2` the diffusion leaves A after about
    4.5e3 iterations on average (exact MFPT to the saddle; real two-sample
    SGD, whose kicks are bounded, takes about four times longer) and leaves B
    after ~10^27, so N1 holds with :math:`T = 10^6` (the stationary law is
    essentially all in B) and SGD started in A ends in B.
    """
    claims = {"Delta U_A (barrier/Sigma_A)": 0.5, "Delta U_B (barrier/Sigma_B)": 10.0,
              "eta * ln(tau_A/tau_B)": -19.0, "Gap_A proxy * (n-1)": 10.0, "Gap_B proxy * (n-1)": 0.5,
              "violated condition": "N4"}
    return double_well(H, H, Sigma_A, Sigma_B, barrier, loss_min=loss_min, steepness=steepness,
                       batch_size=batch_size, gaps=gaps, key="f4", name="F4 noise-generalisation reversal",
                       paper_claims=claims, notes=_TWO_WELL_NOTES, eta=eta, n_iterations=n_iterations)


def healthy_landscape(H_A: float = 2.0, Sigma_A: float = 1.0, H_B: float = 2.0, Sigma_B: float = 4.0,
                      barrier: float = 0.25, *, eta: float = 0.1, n_iterations: int = 10 ** 6, batch_size: int = 1,
                      gaps: Tuple[float, float] = (0.05, 0.5), steepness: Optional[float] = None) -> Construction:
    r"""A two-well landscape built to satisfy N1–N4 at :math:`\eta = 0.1`, :math:`T = 10^6`.

    * N1: the barrier (0.25 in ``L``; :math:`(2/\eta)\int L'/\Sigma` of order 5
      from A, 1 from B) is low enough that :math:`\eta T = 10^5` dwarfs the
      mixing time;
    * N2: per-sample Hessians at the wells are :math:`2 \pm s'(\theta_k)`, far
      below :math:`2/\eta = 20`;
    * N3: :math:`\Sigma/H` = 0.5 at A and 2 at B differ, and the stationary law
      puts most of its mass in A;
    * N4: the low-noise well A also has the low gap (0.05 against 0.5), so
      :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) = +1`.
    """
    return double_well(H_A, H_B, Sigma_A, Sigma_B, barrier, steepness=steepness, batch_size=batch_size, gaps=gaps,
                       key="healthy", name="healthy (N1-N4 hold at eta = 0.1)",
                       paper_claims={"violated condition": "none"},
                       notes=_TWO_WELL_NOTES, eta=eta, n_iterations=n_iterations)


# ---------------------------------------------------------------------------- F2: quadratic samples
def f2_landscape(hessians: Sequence[float] = (18.0, 2.0), centres: Optional[Sequence[float]] = None, *,
                 eta: float = 0.15, n_iterations: int = 10 ** 4, batch_size: int = 1,
                 domain: Tuple[float, float] = (-1.0, 1.0)) -> Construction:
    r"""F2, discrete instability: quadratic per-sample losses with Hessians 18 and 2.

    :math:`\ell_i(\theta) = \tfrac12 h_i (\theta - c_i)^2`, ``n = len(hessians)``
    samples (default :math:`h = (18, 2)`, :math:`c = 0`):

    .. math:: L' = \bar h\,\theta - \overline{h c}, \qquad
              \Sigma = \frac1{nB}\sum_i \big(h_i(\theta - c_i) - L'\big)^2 .

    With all :math:`c_i = 0`, :math:`L = 5\theta^2` and :math:`\Sigma = 64\theta^2`
    vanishes at the minimum: there is no Fokker–Planck stationary density, and
    the fate of SGD is decided by the Lyapunov exponent
    :math:`\Lambda = \tfrac12\ln|1-18\eta| + \tfrac12\ln|1-2\eta|` (N2): the
    paper's :math:`\eta = 0.15` gives :math:`\tfrac12\ln 1.19 > 0` although
    :math:`\eta = 0.12 > 2/18` is stable, so :math:`2/\lambda_{\max}` is a
    sufficient bound, not the threshold.
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
        return np.mean(0.5 * h[:, None] * (x.ravel()[None, :] - ccol) ** 2, axis=0).reshape(x.shape)

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
    grads = quadratic_gradients(h, c)
    claims = {"Lambda(eta=0.15)": "0.5 ln(1.7 * 0.7) = 0.5 ln 1.19 ~ 0.0870",
              "stability threshold eta_c = 2/h_max": 2.0 / float(h.max()), "violated condition": "N2"}
    notes = ("Sigma(theta) vanishes at the minimum (interpolation): the FPE stationary density does not exist, "
             "N2 decides. The paper's 2/lambda_max is a sufficient bound, not the stability threshold: "
             "Lambda < 0 on (0, 0.1309) and (0.4248, 0.5556) for h = (18, 2), B = 1.")
    return Construction(key="f2", sample_gradients=grads,
                        parameters=dict(hessians=tuple(h), centres=tuple(c), batch_size=batch_size),
                        documented=documented, wells={"A": x_star}, paper_claims=claims, notes=notes,
                        eta=eta, n_iterations=n_iterations, batch_size=batch_size, replacement=True,
                        grad=grad, sigma=sigma, domain=domain, loss=loss, hess=hess, sigma_grad=sigma_grad,
                        name="F2 discrete instability",
                        samples=PerSampleLosses(losses=sample_losses, grads=sample_grads,
                                                hessians=sample_hessians, n=n))


# ---------------------------------------------------------------------------- registry
CONSTRUCTIONS: Dict[str, Callable[..., Construction]] = {
    "f1": f1_landscape,
    "f2": f2_landscape,
    "f3-equal-hessian": functools.partial(f3_landscape, "equal-hessian"),
    "f3-unequal-hessian": functools.partial(f3_landscape, "unequal-hessian"),
    "f4": f4_landscape,
    "healthy": healthy_landscape,
}
_ALIASES = {"f3": "f3-equal-hessian"}


def available() -> Tuple[str, ...]:
    """The names accepted by :func:`construction`."""
    return tuple(CONSTRUCTIONS)


def construction(name: str, **kwargs) -> Construction:
    """Build the construction registered as ``name`` (case-insensitive; ``_`` and ``-`` alike).

    Keyword arguments go to the factory (e.g. ``construction("f1", eta=0.05)``).

    Raises
    ------
    KeyError
        For an unknown name; the message lists the valid ones.
    """
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    key = _ALIASES.get(key, key)
    if key not in CONSTRUCTIONS:
        raise KeyError(f"unknown construction {name!r}; valid names: {', '.join(CONSTRUCTIONS)} "
                       f"(and the alias 'f3' for 'f3-equal-hessian')")
    return CONSTRUCTIONS[key](**kwargs)
