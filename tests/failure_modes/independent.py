"""Independent evaluations for the failure-modes tests: no code shared with fpesolve's quadratures.

* :func:`mp_two_well` rebuilds a two-well construction's L, L', L'', s, s' in mpmath from its
  ``parameters`` (the closed forms of the module docstring of ``fpesolve.failure_modes.two_well``);
* :func:`mp_barrier` integrates L'/Sigma with mpmath's tanh-sinh quadrature (30 digits), splitting at the
  noise switch;
* :func:`ode_potential` gives Phi = int L'/Sigma by scipy's DOP853 (rtol 1e-13) from a reference point;
* :func:`basin_probabilities` and :func:`log10_mfpt_iterations` use that Phi with scipy's adaptive
  quadrature / a fine trapezoid grid, scaled so that exponents of 10^3 stay representable.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
from scipy import integrate

mpmath.mp.dps = 30


class MPTwoWell:
    """The closed forms of a two-well construction in mpmath (tanh or sigmoid profile)."""

    def __init__(self, construction):
        p = construction.parameters
        self.p = p
        self.profile = p["noise_profile"]
        self.B = p["batch_size"]

    def parts(self, x):
        p = self.p
        x = mpmath.mpf(x)
        ell = mpmath.mpf(p["ell"])
        y = x / ell
        r = mpmath.sqrt(1 + y * y)
        u = p["gamma"] + p["alpha"] * x + p["beta"] * ell * r
        up = p["alpha"] + p["beta"] * y / r
        return x, u, up

    def grad(self, x):
        x, u, up = self.parts(x)
        return 4 * self.p["barrier"] * u * (u * u - 1) * up

    def loss(self, x):
        x, u, _ = self.parts(x)
        return self.p["loss_min"] + self.p["barrier"] * (1 - u * u) ** 2

    def s(self, x):
        p = self.p
        x = mpmath.mpf(x)
        if self.profile == "tanh":
            a, b = mpmath.mpf(p["s_left"]), mpmath.mpf(p["s_right"]) - mpmath.mpf(p["s_left"])
            return a + b * (1 + mpmath.tanh((x - p["switch_at"]) / p["switch_width"])) / 2
        y = x / p["ell"]
        return p["m"] + p["Delta"] * y / mpmath.sqrt(1 + y * y)

    def S(self, x):
        """The antiderivative of s (with the package's constant)."""
        p = self.p
        x = mpmath.mpf(x)
        if self.profile == "tanh":
            a, b = mpmath.mpf(p["s_left"]), mpmath.mpf(p["s_right"]) - mpmath.mpf(p["s_left"])
            w = mpmath.mpf(p["switch_width"])
            z = (x - p["switch_at"]) / w
            return a * x + b / 2 * (x + w * (mpmath.log(mpmath.cosh(z)) if abs(z) < 300 else abs(z) - mpmath.log(2)))
        y = x / p["ell"]
        return p["m"] * x + p["Delta"] * p["ell"] * mpmath.sqrt(1 + y * y)

    def sigma(self, x):
        return self.s(x) ** 2 / self.B

    def ratio(self, x):
        return self.grad(x) / self.sigma(x)


def mp_barrier(construction, lo: float, hi: float) -> float:
    """int_lo^hi L'/Sigma in mpmath (split at the switch and its +-w, +-10w for the tanh profile)."""
    mp = MPTwoWell(construction)
    pts = [mpmath.mpf(lo), mpmath.mpf(hi)]
    if mp.profile == "tanh":
        c, w = construction.parameters["switch_at"], construction.parameters["switch_width"]
        pts += [mpmath.mpf(c + k * w) for k in (-10, -1, 0, 1, 10) if lo < c + k * w < hi]
    pts = sorted(set(pts))
    return float(mpmath.quad(mp.ratio, pts))


def ode_potential(land, x_ref: float, max_step: float = np.inf):
    """Phi(x) = int_{x_ref}^x L'/Sigma by DOP853 (rtol 1e-13), as a callable on the domain."""
    a, b = land.domain

    def rhs(t, y):
        return [float(land.grad(np.array([t]))[0] / land.sigma(np.array([t]))[0])]

    left = integrate.solve_ivp(rhs, (x_ref, a), [0.0], method="DOP853", rtol=1e-13, atol=1e-14, dense_output=True,
                               max_step=max_step)
    right = integrate.solve_ivp(rhs, (x_ref, b), [0.0], method="DOP853", rtol=1e-13, atol=1e-14, dense_output=True,
                                max_step=max_step)

    def phi(t):
        t = np.asarray(t, dtype=float)
        out = np.where(t < x_ref, left.sol(np.minimum(t, x_ref))[0], right.sol(np.maximum(t, x_ref))[0])
        return out

    return phi


def basin_probabilities(land, eta: float, saddles, max_step: float = np.inf):
    """pi of each basin by ODE + scipy quad, scaled at the deepest minimum (probabilities down to 1e-300)."""
    a, b = land.domain
    mins = [cp.x for cp in land.minima()]
    phi = ode_potential(land, saddles[0], max_step)
    ref = min(float(phi(m)) for m in mins)

    def density(t):
        return math.exp(-(2.0 / eta) * (float(phi(t)) - ref)) / float(land.sigma(np.array([t]))[0])

    edges = [a] + list(saddles) + [b]
    masses = []
    for k, m in enumerate(mins):
        lo, hi = edges[k], edges[k + 1]
        brk = sorted({lo, m, hi} | {s for s in saddles if lo < s < hi})
        masses.append(sum(integrate.quad(density, p, q, epsabs=0.0, epsrel=1e-12, limit=500)[0]
                          for p, q in zip(brk[:-1], brk[1:])))
    total = sum(masses)
    return [mm / total for mm in masses]


def log10_mfpt_iterations(land, eta: float, x0: float, target: float, n: int = 400_001,
                          max_step: float = np.inf) -> float:
    r"""log10 of the mean first-passage time x0 -> target in iterations (the far end reflecting).

    For target < x0: T = int_target^x0 dy 2/(eta Sigma p) int_y^b p (mirrored for target > x0), with
    p = exp(-2 Phi/eta)/Sigma, on a fine trapezoid grid evaluated in log space (second order: ~1e-9
    relative at 4e5 points on these smooth integrands).
    """
    a, b = land.domain
    phi = ode_potential(land, x0, max_step)
    if target < x0:
        y = np.linspace(target, b, n)
    else:
        y = np.linspace(a, target, n)[::-1]          # from the target toward the far (reflecting) end a
    dy = np.abs(np.diff(y))
    ph = phi(y)
    log_f = -(2.0 / eta) * ph - np.log(land.sigma(y))                  # log p (unnormalised)
    log_pieces = np.logaddexp(log_f[1:], log_f[:-1]) + np.log(0.5 * dy)   # trapezoid pieces, in logs
    log_G = np.concatenate((np.logaddexp.accumulate(log_pieces[::-1])[::-1], [-np.inf]))  # log int_y^end p
    mask = (y <= x0) if target < x0 else (y >= x0)
    log_g = math.log(2.0 / eta) + (2.0 / eta) * ph[mask] + log_G[mask]    # log of 1/(D p) * G
    seg = dy[:log_g.size - 1]
    log_t = float(np.logaddexp.reduce(np.logaddexp(log_g[1:], log_g[:-1]) + np.log(0.5 * seg)))
    return (log_t - math.log(eta)) / math.log(10.0)
