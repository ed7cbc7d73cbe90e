"""Landscapes in new coordinates and the reparameterisation that reverses F4, against mpmath (chain rule by
numerical differentiation, barriers by tanh-sinh quadrature in both coordinates) and ODE + scipy quadrature."""

import math

import mpmath
import numpy as np
import pytest

from fpesolve.failure_modes import check_n4, reparameterize, speed_switch, veff_flip
from fpesolve.failure_modes.constructions import construction
from tests.failure_modes.independent import MPTwoWell, basin_probabilities


def mp_speed(r_params, closed=False):
    """g' = l + (r - l)(1 + tanh((phi - c)/w))/2 in mpmath; g by quadrature of g' (or, closed=True, its closed form,
    itself checked against the quadrature in test_speed_switch_against_quadrature_of_its_speed)."""
    left, right, width, offset, th0 = (mpmath.mpf(v) for v in r_params)

    def gp(p):
        return left + (right - left) * (1 + mpmath.tanh((p - offset) / width)) / 2

    def g_quad(p):
        return th0 + mpmath.quad(gp, [0, p])

    def g_closed(p):
        p = mpmath.mpf(p)
        lc = lambda z: mpmath.log(mpmath.cosh(z))  # noqa: E731
        return th0 + left * p + (right - left) / 2 * (p + width * lc((p - offset) / width) - width * lc(offset / width))

    return (g_closed if closed else g_quad), gp


def test_speed_switch_against_quadrature_of_its_speed():
    params = (1.0, 0.2, 0.3, 0.4, -1.5)
    r = speed_switch(params[4], params[0], params[1], params[2], offset=params[3])
    g, gp = mp_speed(params)
    g_closed, _ = mp_speed(params, closed=True)
    for p in (-3.0, -0.2, 0.0, 0.45, 2.0, 7.0):
        assert float(r.g(np.array([p]))[0]) == pytest.approx(float(g(p)), rel=1e-13, abs=1e-13)
        assert float(g_closed(p)) == pytest.approx(float(g(p)), rel=1e-20, abs=1e-20)
        assert float(r.g_prime(np.array([p]))[0]) == pytest.approx(float(gp(p)), rel=1e-14)
        assert float(r.g_second(np.array([p]))[0]) == pytest.approx(float(mpmath.diff(gp, p)), rel=1e-10, abs=1e-14)
    theta = np.linspace(-20.0, 20.0, 41)
    np.testing.assert_allclose(r.g(r.g_inverse(theta)), theta, rtol=0, atol=1e-12)


def test_reparameterized_landscape_is_the_chain_rule():
    c = construction("healthy")
    r = speed_switch(0.0, 1.0, 2.5, 0.2)
    land = reparameterize(c, r)
    mp = MPTwoWell(c)
    params = (1.0, 2.5, 0.2, 0.0, 0.0)
    g, gp = mp_speed(params, closed=True)
    for p in (-1.7, -0.4, 0.05, 0.3, 0.9):
        arr = np.array([p])
        th = g(p)
        assert land.grad(arr)[0] == pytest.approx(float(mpmath.diff(lambda q: mp.loss(g(q)), p)), rel=1e-9, abs=1e-11)
        assert land.sigma(arr)[0] == pytest.approx(float(mp.sigma(th) * gp(p) ** 2), rel=1e-12)
        assert land.hess(arr)[0] == pytest.approx(float(mpmath.diff(lambda q: mp.loss(g(q)), p, 2)), rel=1e-7,
                                                  abs=1e-8)
        per = land.samples.evaluate("grads", arr)[:, 0]
        ref = [float(mpmath.diff(lambda q: mp.loss(g(q)) + sgn * mp.S(g(q)), p)) for sgn in (1, -1)]
        np.testing.assert_allclose(per, ref, rtol=1e-9, atol=1e-11)
        assert land.sigma_grad(arr)[0] == pytest.approx(float(mpmath.diff(lambda q: mp.sigma(g(q)) * gp(q) ** 2, p)),
                                                        rel=1e-8, abs=1e-10)
    # Proposition 5.1 on the new landscape's own (root-found) minima
    for cp_t, cp_p in zip(c.minima(), land.minima()):
        assert cp_p.sigma_over_hess == pytest.approx(cp_t.sigma_over_hess, rel=1e-8)
        assert cp_p.x == pytest.approx(float(r.g_inverse(np.array([cp_t.x]))[0]), abs=1e-9)


@pytest.fixture(scope="module")
def flip():
    return veff_flip(construction("f4"), 0.2)


def test_flip_barriers_in_both_coordinates_against_mpmath(flip):
    c = construction("f4")
    mp = MPTwoWell(c)
    rep = flip.reparameterization
    A, s, B = c.documented
    # the phi-barriers as int L'(g)/(Sigma(g) g') d phi with every function closed-form in mpmath; the package gets
    # them twice: on the reparameterised landscape (phi panels) and in theta with the weight 1/g'^2
    left, right = float(rep.g_prime(np.array([-50.0]))[0]), float(rep.g_prime(np.array([50.0]))[0])
    wp = 0.05 * abs(A.x - s.x)
    g, gp = mp_speed((left, right, wp, 0.0, s.x), closed=True)
    pa, pb = (float(rep.g_inverse(np.array([x]))[0]) for x in (A.x, B.x))

    def integrand(p):
        return mp.ratio(g(p)) / gp(p)

    w_phi = c.parameters["switch_width"] / 0.6          # the noise switch, as seen in phi (g' ~ 0.58 there)
    with mpmath.workdps(20):
        dA = float(mpmath.quad(integrand, [pa, -10 * wp, -wp, -10 * w_phi, -w_phi, 0]))
        dB = -float(mpmath.quad(integrand, [0, w_phi, 10 * w_phi, wp, 10 * wp, pb]))
    for got in (flip.barriers_phi, flip.barriers_phi_in_theta):
        assert got[0] == pytest.approx(dA, rel=1e-10)
        assert got[1] == pytest.approx(dB, rel=1e-10)
    # the paper's reading holds in theta, and the slowed well's barrier is FLIP_MARGIN = 2 times the other in phi
    assert flip.barriers_theta == pytest.approx((0.5, 10.0), rel=5e-4)
    assert flip.barriers_phi[0] == pytest.approx(2.0 * flip.barriers_phi[1], rel=1e-8)


def test_flip_reverses_the_stationary_law_and_n4(flip):
    assert (flip.favoured_theta, flip.favoured_phi, flip.flipped) == ("B", "A", True)
    land = flip.phi_landscape
    saddle = land.saddles()[0].x
    p = basin_probabilities(land, 0.2, [saddle])
    assert math.exp(flip.log_probabilities_phi[1]) == pytest.approx(p[1], rel=1e-7)
    assert flip.ratio_phi == pytest.approx(flip.ratio_theta, rel=1e-9)           # Proposition 5.1
    # Sigma~_A = 20 c^2 < Sigma~_B = 1: N4 holds in phi with the same generalisation gaps
    assert flip.sigma_phi[0] == pytest.approx(20.0 * flip.slow_speed ** 2, rel=1e-6)
    assert (flip.correlation_theta, flip.correlation_phi) == pytest.approx((-1.0, 1.0))
    assert check_n4(land, [0.05, 0.5]).holds is True
    assert "FLIPPED" in flip.summary()


def test_flip_errors():
    from fpesolve import Landscape
    ou = Landscape(grad=lambda x: x, sigma=lambda x: 1 + 0 * x, domain=(-3.0, 3.0))
    with pytest.raises(ValueError, match="two minima"):
        veff_flip(ou, 0.1)
    with pytest.raises(ValueError, match="slow_speed"):
        veff_flip(construction("f4"), 0.2, slow_speed=-1.0)
