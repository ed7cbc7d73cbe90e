"""Hypothesis strategies for random, valid inputs: smooth landscapes, learning rates, grids, boundaries.

Every landscape drawn here is well posed on its domain (``Sigma`` positive and
smooth, ``L'`` smooth and bounded), and carries its closed-form loss,
curvature and ``Sigma'``, so tests can compare against independent values.
Use them as::

    from tests.strategies import landscapes, learning_rates, grids_for

    @given(landscapes(), learning_rates())
    def test_something(land, eta): ...
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from fpesolve import Grid, Landscape

__all__ = ["landscapes", "learning_rates", "grids_for", "boundaries", "RandomLandscape", "with_sigma_zero",
           "with_noiseless_end", "with_pole"]


class RandomLandscape(Landscape):
    r""":math:`L' = c_0 + c_1 y + c_3 y^3 + \sum_k A_k \sin(w_k x + \phi_k)` with :math:`y = x - m`, and
    :math:`\Sigma = s_0 \exp(\sum_k B_k \sin(v_k x + \psi_k))`; ``params`` keeps the coefficients."""

    def __init__(self, domain, params, name="random landscape"):
        self.params = params
        p = params
        m = 0.5 * (domain[0] + domain[1])

        def grad(x):
            x = np.asarray(x, dtype=float)
            y = x - m
            out = p["c0"] + p["c1"] * y + p["c3"] * y ** 3
            for A, w, phi in p["waves"]:
                out = out + A * np.sin(w * x + phi)
            return out

        def loss(x):
            x = np.asarray(x, dtype=float)
            y = x - m
            out = p["c0"] * y + 0.5 * p["c1"] * y ** 2 + 0.25 * p["c3"] * y ** 4
            for A, w, phi in p["waves"]:
                out = out - (A / w) * np.cos(w * x + phi)
            return out

        def hess(x):
            x = np.asarray(x, dtype=float)
            y = x - m
            out = p["c1"] + 3.0 * p["c3"] * y ** 2
            for A, w, phi in p["waves"]:
                out = out + A * w * np.cos(w * x + phi)
            return out

        def log_sigma(x):
            x = np.asarray(x, dtype=float)
            out = np.full_like(x, np.log(p["s0"]))
            for B, v, psi in p["noise_waves"]:
                out = out + B * np.sin(v * x + psi)
            return out

        def sigma(x):
            return np.exp(log_sigma(x))

        def sigma_grad(x):
            x = np.asarray(x, dtype=float)
            d = np.zeros_like(x)
            for B, v, psi in p["noise_waves"]:
                d = d + B * v * np.cos(v * x + psi)
            return sigma(x) * d

        super().__init__(grad=grad, sigma=sigma, domain=domain, loss=loss, hess=hess, sigma_grad=sigma_grad,
                         name=name)

    def __repr__(self) -> str:
        return f"RandomLandscape(domain={self.domain!r}, params={self.params!r})"


def _coefficient(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def landscapes(draw, max_waves: int = 2, max_noise_waves: int = 2, confining: bool = None,
               noise_amplitude: float = 1.2) -> RandomLandscape:
    r"""A random smooth landscape on a random bounded domain (see :class:`RandomLandscape`).

    ``confining=True`` forces :math:`c_3 > 0` (a coercive loss: minima inside
    the domain); ``None`` draws both kinds, so drift into a wall occurs.
    ``noise_amplitude`` bounds :math:`|B_k|`: each noise wave multiplies
    :math:`\Sigma` by up to :math:`e^{\pm B_k}` (3.5 gives :math:`\Sigma` varying by 1e3 per wave).
    """
    a = draw(_coefficient(-4.0, 1.0))
    b = a + draw(_coefficient(0.5, 8.0))
    half = 0.5 * (b - a)
    c3_lo = 0.05 if confining else -0.5
    c3 = draw(_coefficient(c3_lo, 3.0)) / half ** 2
    params = {
        "c0": draw(_coefficient(-2.0, 2.0)),
        "c1": draw(_coefficient(-3.0, 3.0)),
        "c3": c3,
        "waves": tuple((draw(_coefficient(-1.5, 1.5)), draw(_coefficient(0.3, 4.0)) / half,
                        draw(_coefficient(0.0, 6.283))) for _ in range(draw(st.integers(0, max_waves)))),
        "s0": draw(_coefficient(0.05, 20.0)),
        "noise_waves": tuple((draw(_coefficient(-noise_amplitude, noise_amplitude)), draw(_coefficient(0.2, 3.0)) / half,
                              draw(_coefficient(0.0, 6.283))) for _ in range(draw(st.integers(0, max_noise_waves)))),
    }
    return RandomLandscape((a, b), params)


def learning_rates(lo: float = 1e-4, hi: float = 10.0):
    """Log-uniform learning rates in ``[lo, hi]``."""
    return st.floats(np.log10(lo), np.log10(hi)).map(lambda e: float(10.0 ** e))


@st.composite
def grids_for(draw, domain, n_min: int = 20, n_max: int = 300) -> Grid:
    """A uniform or a smoothly non-uniform grid on ``domain``."""
    a, b = domain
    n = draw(st.integers(n_min, n_max))
    if draw(st.booleans()):
        return Grid.uniform(a, b, n)
    points = [draw(_coefficient(a, b)) for _ in range(draw(st.integers(1, 3)))]
    return Grid.refined(a, b, n, points, strength=draw(_coefficient(0.0, 8.0)))


def boundaries():
    """Reflecting, absorbing or mixed ends."""
    return st.sampled_from(["reflecting", "absorbing", ("reflecting", "absorbing"), ("absorbing", "reflecting")])


# ------------------------------------------------------------------ ill-posed variants (check_well_posed must refuse)
def _interior_point(draw, domain, margin=0.01):
    a, b = domain
    return a + (b - a) * draw(_coefficient(margin, 1.0 - margin))


@st.composite
def with_sigma_zero(draw, base=None):
    r"""``(landscape, c)``: a random landscape with :math:`\Sigma` multiplied by :math:`((x - c)/(b - a))^p`,
    ``p`` in {1 (a sign change), 2 (a double zero), 4}, ``c`` inside the domain (rarely a scan point)."""
    land = draw(base if base is not None else landscapes())
    c = _interior_point(draw, land.domain)
    power = draw(st.sampled_from([1, 2, 4]))
    width = land.domain[1] - land.domain[0]
    bad = Landscape(grad=land.grad, sigma=lambda x: land.sigma(x) * ((np.asarray(x) - c) / width) ** power,
                    domain=land.domain, name=f"Sigma zero at {c!r}")
    return bad, c


@st.composite
def with_noiseless_end(draw, push_in: bool):
    r"""``(landscape, exponent)``: :math:`\Sigma \to \Sigma\,(x - a)/(b - a)` (zero at the left end) and
    :math:`L' \to L' + K` with :math:`L'(a) + K = \pm g_0` (:math:`g_0 \ge 0.5`; ``push_in`` takes ``+``, a drift
    into the wall).  At the end :math:`p \sim u^s` with :math:`s = -1 - 2 (L'(a) + K)/(\eta\,\Sigma'(a))`;
    the second element is :math:`s` as a function of ``eta``."""
    land = draw(landscapes())
    a, b = land.domain
    g0 = draw(_coefficient(0.5, 3.0)) * (1.0 if push_in else -1.0)
    shift = g0 - float(land.grad(np.array([a]))[0])
    slope = float(land.sigma(np.array([a]))[0]) / (b - a)     # Sigma'(a) of the new Sigma
    bad = Landscape(grad=lambda x: land.grad(x) + shift, sigma=lambda x: land.sigma(x) * (np.asarray(x) - a) / (b - a),
                    domain=land.domain, name="noiseless left end")
    return bad, (lambda eta: -1.0 - 2.0 * g0 / (eta * slope))


@st.composite
def with_pole(draw):
    """``(landscape, c)``: a random landscape with ``A/(x - c)`` or ``A/(x - c)^2`` added to ``grad``."""
    land = draw(landscapes())
    c = _interior_point(draw, land.domain)
    amp = draw(_coefficient(1e-3, 10.0)) * draw(st.sampled_from([-1.0, 1.0]))
    power = draw(st.sampled_from([1, 2]))
    bad = Landscape(grad=lambda x: land.grad(x) + amp / (np.asarray(x) - c) ** power, sigma=land.sigma,
                    domain=land.domain, name=f"pole at {c!r}")
    return bad, c
