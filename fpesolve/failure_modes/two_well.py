r"""The two-well family behind F1, F3, F4 and the healthy control.

Two samples with per-sample losses :math:`\ell_{1,2} = L \pm S`,
:math:`S' = s > 0`, so that

.. math:: \ell_{1,2}' = L' \pm s, \qquad
          \tfrac12(\ell_1' + \ell_2') = L', \qquad
          \Sigma = \tfrac12\big[(\ell_1'-L')^2 + (\ell_2'-L')^2\big] = s^2

exactly (divided by ``B`` for minibatches of size ``B`` drawn with
replacement).

The loss
--------
A quartic double well in a warped coordinate :math:`u(\theta)`,

.. math:: L(\theta) = L_0 + \Delta V\,\big(1 - u(\theta)^2\big)^2, \qquad
          u(\theta) = \gamma + \alpha\,\theta + \beta\,\ell\sqrt{1 + (\theta/\ell)^2},

with :math:`u' = \alpha + \beta\,y/\sqrt{1+y^2} \ge \alpha - |\beta| > 0`
(:math:`y = \theta/\ell`), so the only critical points are :math:`u = -1`
(well A), :math:`u = 0` (the saddle :math:`\theta_s`) and :math:`u = +1`
(well B); both wells have loss :math:`L_0`, the saddle :math:`L_0 + \Delta V`.
With :math:`c_k = \sqrt{H_k/(8\Delta V)}` the parameters
:math:`\alpha = (c_A + c_B)/2`, :math:`\beta = (c_B - c_A)/(2t)`, wells at
:math:`\theta_{A,B} = \mp d/2`, :math:`d = 2/\alpha`, and
:math:`\ell = d\sqrt{1-t^2}/(2t)` give exactly
:math:`L''(\theta_k) = 8\Delta V\,u'(\theta_k)^2 = H_k`; ``t`` in (0, 1) (the
``steepness``) must exceed :math:`|c_B-c_A|/(c_A+c_B)`.

The noise profiles (:data:`NOISE_PROFILES`)
-------------------------------------------
The paper gives :math:`\Sigma` only at the wells and reads the
:math:`V_{\mathrm{eff}}` barrier of well ``k`` as :math:`\Delta V/\Sigma_k`,
i.e. :math:`\Sigma` held at :math:`\Sigma_k` from the well to the saddle.

``"tanh"`` (the default: the paper's reading)
    :math:`\sqrt\Sigma` switches by a tanh step centred at ``switch_at``
    (default the saddle) of width :math:`w`,

    .. math:: s(\theta) = a + b\,\frac{1 + \tanh((\theta - \theta_c)/w)}{2},
              \qquad S(\theta) = a\theta + \frac b2\Big(\theta
              + w\log\cosh\frac{\theta - \theta_c}{w}\Big),

    with :math:`a, b` chosen so that :math:`s(\theta_k) = \sqrt{\Sigma_k}`
    exactly.  The default width is :data:`SWITCH_WIDTH` times the saddle's
    length scale :math:`\ell_s = \sqrt{2\Delta V/|L''(\theta_s)|}`; the
    barriers then differ from :math:`\Delta V/\Sigma_k` by a relative
    :math:`O((w/\ell_s)^2)`, about 1e-4 (as :math:`w \to 0` they tend to the
    paper's values).  At the wells :math:`\Sigma' = O(e^{-2|\theta_k -
    \theta_c|/w})`, so the per-sample Hessians there are :math:`H_k` to
    rounding; near the switch they are :math:`L'' \pm s'` with
    :math:`|s'| \le |b|/(2w)`.
``"sigmoid"`` (fpesolve 0.1's profile)
    An algebraic sigmoid on the loss's own length scale,
    :math:`s = m + \Delta\,y/\sqrt{1+y^2}`, :math:`m = (s_A + s_B)/2`,
    :math:`\Delta = (s_B - s_A)/(2t)`, :math:`S = m\theta + \Delta\ell\sqrt{1+y^2}`:
    :math:`\Sigma` changes all the way between the wells, so the barriers lie
    strictly between :math:`\Delta V/\max\Sigma` and :math:`\Delta V/\min\Sigma`
    on the path (F1: 13.73 instead of 12.5 from B); ``t`` must also exceed
    :math:`|s_B-s_A|/(s_A+s_B)`.

Either way the per-sample losses are closed form (``log cosh`` evaluated as
:math:`|z| + \operatorname{log1p}(e^{-2|z|}) - \log 2`), and numba kernels of
:mod:`fpesolve.sgd.models` step them.

Generalisation gaps
-------------------
The paper names only which well is good.  ``gaps=(g_A, g_B)`` is a modelling
choice realised by a test loss :math:`L_{\mathrm{test}} = L + g_A + (g_B -
g_A)\,q(\theta)` with :math:`q` the profile's own switch normalised to
:math:`q(\theta_A) = 0`, :math:`q(\theta_B) = 1`.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, Mapping, NamedTuple, Optional, Tuple

import numpy as np
from scipy import optimize

from .._util.validation import finite_float, positive_float, positive_int
from ..core.landscape import CriticalPoint, PerSampleLosses
from ..sgd.ensemble import SampleGradients
from ..sgd.models import two_well_gradients, two_well_switch_gradients
from .base import Construction

__all__ = ["double_well", "NOISE_PROFILES", "SWITCH_WIDTH", "MIN_SWITCH_WIDTH", "log_cosh"]

#: default tanh width in units of the saddle's length scale sqrt(2 DeltaV / |L''(theta_s)|)
SWITCH_WIDTH = 0.01
#: smallest tanh width accepted, as a fraction of the domain length (the exact quadratures resolve it)
MIN_SWITCH_WIDTH = 1.0 / 1000.0
#: default steepness of the warped coordinate (and of the algebraic sigmoid)
DEFAULT_STEEPNESS = 0.9


def log_cosh(z):
    r""":math:`\log\cosh z` to full relative precision, without overflow.

    :math:`|z| + \operatorname{log1p}(e^{-2|z|}) - \log 2` for :math:`|z| \ge 1`,
    :math:`\operatorname{log1p}(2\sinh^2(z/2))` below (no cancellation near 0).

    Parameters
    ----------
    z : float or array_like

    Returns
    -------
    ndarray
        :math:`\log\cosh z`, elementwise.

    Examples
    --------
    >>> float(log_cosh(1000.0)) == 1000.0 - float(np.log(2.0))
    True
    """
    a = np.abs(np.asarray(z, dtype=float))
    small = np.minimum(a, 1.0)
    return np.where(a < 1.0, np.log1p(2.0 * np.sinh(0.5 * small) ** 2),
                    a + np.log1p(np.exp(-2.0 * a)) - math.log(2.0))


class _Profile(NamedTuple):
    """One noise amplitude: s, s', S = int s, the gap interpolant q, the numba kernel and its parameters."""

    s: Callable[[np.ndarray], np.ndarray]
    sp: Callable[[np.ndarray], np.ndarray]
    S: Callable[[np.ndarray], np.ndarray]
    q: Callable[[np.ndarray], np.ndarray]
    kernel: Callable[..., SampleGradients]
    parameters: Dict[str, float]


def _tanh_profile(sA, sB, xA, xB, x_s, ell_s, t, domain, switch_at, switch_width) -> _Profile:
    centre = x_s if switch_at is None else finite_float(switch_at, "switch_at")
    if not xA < centre < xB:
        raise ValueError(f"`switch_at` must lie between the wells ({xA:.6g}, {xB:.6g}), got {switch_at!r}")
    lo_w = MIN_SWITCH_WIDTH * (domain[1] - domain[0])
    if switch_width is None:
        w = max(SWITCH_WIDTH * ell_s, lo_w)
    else:
        w = positive_float(switch_width, "switch_width")
    if w < lo_w:
        raise ValueError(f"`switch_width` = {w:.6g} is below {lo_w:.6g} ({MIN_SWITCH_WIDTH:g} of the domain length), "
                         f"where the package's fixed-panel quadratures of int L'/Sigma stop resolving the switch; "
                         f"use a wider switch")
    tA, tB = math.tanh((xA - centre) / w), math.tanh((xB - centre) / w)
    b = 2.0 * (sB - sA) / (tB - tA)
    a = sA - 0.5 * b * (1.0 + tA)

    def s(x):
        return a + 0.5 * b * (1.0 + np.tanh((x - centre) / w))

    def sp(x):
        e = np.exp(-2.0 * np.abs((x - centre) / w))          # sech^2 z = 4 e^{-2|z|} / (1 + e^{-2|z|})^2
        return 2.0 * b * e / (w * (1.0 + e) ** 2)

    def S(x):
        return a * x + 0.5 * b * (x + w * log_cosh((x - centre) / w))

    def q(x):
        return (np.tanh((np.asarray(x, dtype=float) - centre) / w) - tA) / (tB - tA)

    def kernel(L0, dV, ell, alpha, beta, gamma):
        return two_well_switch_gradients(L0, dV, ell, alpha, beta, gamma, a, a + b, centre, w)

    return _Profile(s, sp, S, q, kernel, {"switch_at": centre, "switch_width": w, "s_left": a, "s_right": a + b})


def _sigmoid_profile(sA, sB, xA, xB, x_s, ell_s, t, domain, switch_at, switch_width) -> _Profile:
    if switch_at is not None or switch_width is not None:
        raise ValueError("`switch_at` and `switch_width` belong to noise_profile='tanh'; the sigmoid profile is "
                         "set by `steepness`")
    ell = 0.5 * (xB - xA) * math.sqrt(1.0 - t * t) / t
    ratio = abs(sB - sA) / (sA + sB)
    if not ratio < t:
        raise ValueError(f"`steepness` must exceed {ratio:.6g} for the sigmoid profile (so that sqrt(Sigma) > 0 "
                         f"everywhere), got {t!r}")
    m = 0.5 * (sA + sB)
    delta = (sB - sA) / (2.0 * t)

    def s(x):
        y = x / ell
        return m + delta * y / np.sqrt(1.0 + y * y)

    def sp(x):
        y = x / ell
        return delta / (ell * (1.0 + y * y) ** 1.5)

    def S(x):
        y = x / ell
        return m * x + delta * ell * np.sqrt(1.0 + y * y)

    def q(x):
        y = np.asarray(x, dtype=float) / ell
        return 0.5 * (1.0 + y / np.sqrt(1.0 + y * y) / t)

    def kernel(L0, dV, ell_, alpha, beta, gamma):
        return two_well_gradients(L0, dV, ell_, alpha, beta, gamma, m, delta)

    return _Profile(s, sp, S, q, kernel, {"m": m, "Delta": delta})


#: noise profile name -> builder (see the module docstring)
NOISE_PROFILES: Mapping[str, Callable[..., _Profile]] = {"tanh": _tanh_profile, "sigmoid": _sigmoid_profile}


def double_well(H_A: float, H_B: float, Sigma_A: float, Sigma_B: float, barrier: float, *,
                loss_min: float = 0.0, noise_profile: str = "tanh", switch_at: Optional[float] = None,
                switch_width: Optional[float] = None, steepness: Optional[float] = None, u_edge: float = 2.0,
                batch_size: int = 1, gaps: Optional[Tuple[float, float]] = None, key: str = "double-well",
                name: Optional[str] = None, paper_claims: Optional[Mapping[str, object]] = None,
                notes: str = "", eta: Optional[float] = None, n_iterations: Optional[int] = None) -> Construction:
    r"""Two wells with prescribed curvatures, noise variances and barrier (see the module docstring).

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
    noise_profile : {"tanh", "sigmoid"}
        How :math:`\sqrt\Sigma` goes from :math:`\sqrt{\Sigma_A}` to
        :math:`\sqrt{\Sigma_B}` (:data:`NOISE_PROFILES`).
    switch_at : float, optional
        ``"tanh"`` only: centre of the switch, strictly between the wells
        (default the saddle).
    switch_width : float, optional
        ``"tanh"`` only: the width :math:`w` (default :data:`SWITCH_WIDTH`
        :math:`\ell_s`, raised to :data:`MIN_SWITCH_WIDTH` of the domain length
        where that is larger; a given width must be at least that).
    steepness : float, optional
        ``t`` in (0, 1) of the warped coordinate (and of the sigmoid); default
        ``max(0.9, (1 + r)/2)`` with ``r`` the smallest value it must exceed.
    u_edge : float
        The domain is :math:`\{|u(\theta)| \le u_{\mathrm{edge}}\}` (> 1).
    batch_size : int
        ``B`` (1 or 2): the landscape's :math:`\Sigma` is :math:`s^2/B`.
    gaps : (float, float), optional
        Generalisation gaps at wells A and B; gives :meth:`Construction.test_loss`.
    key, name, paper_claims, notes, eta, n_iterations
        Stored on the :class:`~fpesolve.failure_modes.base.Construction`.

    Returns
    -------
    Construction
        With :math:`\theta_A = -2/(c_A+c_B)`, :math:`\theta_B = +2/(c_A+c_B)`,
        :math:`c_k = \sqrt{H_k/(8\Delta V)}`.

    Raises
    ------
    ValueError
        For non-positive curvatures, variances or barrier, an unknown
        ``noise_profile`` (the message lists them), a switch outside the wells
        or narrower than the quadratures resolve, a ``steepness`` too small
        for the wells, or ``batch_size > 2``.

    Examples
    --------
    >>> c = double_well(2.0, 8.0, 1.0, 8.0, 100.0)
    >>> A, s, B = c.documented
    >>> round(A.sigma, 12), round(B.sigma, 12), round(s.loss - A.loss, 9)
    (1.0, 8.0, 100.0)
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
    profile_name = str(noise_profile).strip().lower()
    if profile_name not in NOISE_PROFILES:
        raise ValueError(f"`noise_profile` must be one of {', '.join(NOISE_PROFILES)}, got {noise_profile!r}")
    cA, cB = math.sqrt(H_A / (8.0 * dV)), math.sqrt(H_B / (8.0 * dV))
    sA, sB = math.sqrt(Sigma_A), math.sqrt(Sigma_B)
    ratio = abs(cB - cA) / (cA + cB)
    if profile_name == "sigmoid":
        ratio = max(ratio, abs(sB - sA) / (sA + sB))
    if steepness is None:
        t = max(DEFAULT_STEEPNESS, 0.5 * (1.0 + ratio))
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
    xA, xB = -0.5 * d, 0.5 * d

    def warp(x):
        y = x / ell
        r = np.sqrt(1.0 + y * y)
        return gamma + alpha * x + beta * ell * r, alpha + beta * y / r, beta / (ell * r ** 3)

    def u_of(x):
        return float(warp(np.array([x]))[0][0])

    def solve_u(target, lo, hi):
        step = hi - lo
        while u_of(lo) > target:
            lo -= step
        while u_of(hi) < target:
            hi += step
        return optimize.brentq(lambda z: u_of(z) - target, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps,
                               maxiter=200)

    x_s = solve_u(0.0, xA, xB)
    a, b = solve_u(-u_edge, xA - d, xA), solve_u(u_edge, xB, xB + d)
    up_s = float(warp(np.array([x_s]))[1][0])
    hess_s = -4.0 * dV * up_s ** 2
    ell_s = math.sqrt(2.0 * dV / abs(hess_s))
    prof = NOISE_PROFILES[profile_name](sA, sB, xA, xB, x_s, ell_s, t, (a, b), switch_at, switch_width)

    def base(x):
        u, up, upp = warp(np.asarray(x, dtype=float))
        return (L0 + dV * (1.0 - u * u) ** 2, 4.0 * dV * u * (u * u - 1.0) * up,
                dV * ((12.0 * u * u - 4.0) * up * up + 4.0 * u * (u * u - 1.0) * upp))

    def loss(x):
        return base(x)[0]

    def grad(x):
        return base(x)[1]

    def hess(x):
        return base(x)[2]

    def sigma(x):
        return prof.s(np.asarray(x, dtype=float)) ** 2 / batch_size

    def sigma_grad(x):
        x = np.asarray(x, dtype=float)
        return 2.0 * prof.s(x) * prof.sp(x) / batch_size

    def sample_losses(x):
        x = np.asarray(x, dtype=float)
        value, S = base(x)[0], prof.S(x)
        return np.stack((value + S, value - S))

    def sample_grads(x):
        x = np.asarray(x, dtype=float)
        g, s = base(x)[1], prof.s(x)
        return np.stack((g + s, g - s))

    def sample_hessians(x):
        x = np.asarray(x, dtype=float)
        h, sp = base(x)[2], prof.sp(x)
        return np.stack((h + sp, h - sp))

    def at(func, x):
        return float(func(np.array([x]))[0])

    saddle = CriticalPoint(x=x_s, kind="saddle", loss=L0 + dV, hess=hess_s, sigma=at(sigma, x_s))
    documented = (
        CriticalPoint(x=xA, kind="minimum", loss=L0, hess=H_A, sigma=at(sigma, xA)),
        saddle,
        CriticalPoint(x=xB, kind="minimum", loss=L0, hess=H_B, sigma=at(sigma, xB)),
    )
    test_loss = None
    gap_map = None
    if gaps is not None:
        gA, gB = (finite_float(g, "gaps") for g in gaps)
        gap_map = {"A": gA, "B": gB}

        def test_loss(x):
            return loss(x) + gA + (gB - gA) * prof.q(x)

    parameters = dict(H_A=H_A, H_B=H_B, Sigma_A=Sigma_A, Sigma_B=Sigma_B, barrier=dV, loss_min=L0,
                      noise_profile=profile_name, steepness=t, u_edge=u_edge, batch_size=batch_size, alpha=alpha,
                      beta=beta, gamma=gamma, ell=ell, saddle_length=ell_s, **prof.parameters)
    label = name or (f"double well H=({H_A:g}, {H_B:g}) Sigma=({Sigma_A:g}, {Sigma_B:g}) barrier {dV:g}"
                     + (f" B={batch_size}" if batch_size > 1 else ""))
    return Construction(key=key, sample_gradients=prof.kernel(L0, dV, ell, alpha, beta, gamma),
                        parameters=parameters, documented=documented, saddle=saddle, noise_profile=profile_name,
                        wells={"A": xA, "B": xB}, test_loss=test_loss, generalization_gaps=gap_map,
                        paper_claims=paper_claims, notes=notes, eta=eta, n_iterations=n_iterations,
                        batch_size=batch_size, replacement=True,
                        grad=grad, sigma=sigma, domain=(a, b), loss=loss, hess=hess, sigma_grad=sigma_grad,
                        name=label, samples=PerSampleLosses(losses=sample_losses, grads=sample_grads,
                                                            hessians=sample_hessians, n=2))
