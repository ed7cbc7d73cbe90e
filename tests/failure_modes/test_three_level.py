"""Remark 4.3's three levels against independent values: V_eff from an ODE for Phi, basin masses by scipy
quadrature (tests/failure_modes/independent.py), the Laplace limit of the deficit ratio in closed form."""

import math

import numpy as np
import pytest
from scipy import optimize

from fpesolve import Landscape
from fpesolve.failure_modes import three_level_bounds
from fpesolve.failure_modes.constructions import construction
from tests.failure_modes.independent import basin_probabilities, ode_potential


THREE_WELL_GAPS = (0.05, 0.3, 0.2)


def three_well_landscape():
    """L' = x (x^2 - 1)(x^2 - 4): minima at -2, 0, 2; Sigma = 1.5 + tanh x (smallest at the left well)."""
    return Landscape(grad=lambda x: x * (x * x - 1.0) * (x * x - 4.0), sigma=lambda x: 1.5 + np.tanh(x),
                     domain=(-2.6, 2.6), loss=lambda x: x ** 6 / 6.0 - 1.25 * x ** 4 + 2.0 * x * x)


def independent_levels(land, eta, good_index):
    """(Delta, log P(bad) exact) from the ODE potential and scipy quadrature."""
    saddles = [cp.x for cp in land.saddles()]
    phi = ode_potential(land, saddles[0])
    edges = [land.domain[0]] + saddles + [land.domain[1]]

    def veff(t):
        return float(phi(t)) + 0.5 * eta * math.log(float(land.sigma(np.array([t]))[0]))

    mins = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        xs = np.linspace(lo + 1e-9, hi - 1e-9, 2001)
        k = int(np.argmin([veff(x) for x in xs]))
        res = optimize.minimize_scalar(veff, bounds=(xs[max(k - 1, 0)], xs[min(k + 1, 2000)]), method="bounded",
                                       options={"xatol": 1e-12})
        mins.append(res.fun)
    delta = min(v for k, v in enumerate(mins) if k != good_index) - mins[good_index]
    p = basin_probabilities(land, eta, saddles)
    p_bad = sum(v for k, v in enumerate(p) if k != good_index)
    return delta, math.log(p_bad) if p_bad > 0 else -math.inf


@pytest.mark.parametrize("name", ["healthy", "f3-unequal-hessian"])
def test_delta_and_the_bound_against_independent_values(name):
    c = construction(name)
    r = three_level_bounds(c, c.eta)
    delta, log_bad = independent_levels(c, c.eta, 0)
    assert r.delta == pytest.approx(delta, rel=1e-9, abs=1e-12)
    assert r.log10_p_bad == pytest.approx(log_bad / math.log(10.0), rel=1e-8)
    assert r.log10_excess2 == pytest.approx((-2.0 * delta / c.eta) / math.log(10.0), rel=1e-9)
    assert r.level1 is True and r.level2 is False          # the 'sufficient' bound fails on both


def test_three_wells_k_minus_one():
    land = three_well_landscape()
    eta = 0.3
    r = three_level_bounds(land, eta, generalization_gaps=THREE_WELL_GAPS)
    assert r.good == (True, False, False) and r.level1
    delta, log_bad = independent_levels(land, eta, 0)
    assert r.delta == pytest.approx(delta, rel=1e-9)
    assert r.log10_excess2 == pytest.approx((math.log(2.0) - 2.0 * delta / eta) / math.log(10.0), rel=1e-9)
    assert r.tightness2 == pytest.approx(math.exp(log_bad - math.log(2.0) + 2.0 * delta / eta), rel=1e-7)
    # level 3: tolerance 0.2 makes the right well approximately good too
    r3 = three_level_bounds(land, eta, generalization_gaps=THREE_WELL_GAPS, gap_tolerance=0.2)
    assert r3.p_approx_good == pytest.approx(r3.probabilities[0] + r3.probabilities[2], rel=1e-12)
    assert r3.delta3 == pytest.approx(r3.veff[1] - r3.veff[0], rel=1e-12)


def test_deficit_ratio_tends_to_the_laplace_prefactor():
    """P(bad)/exp(-2 Delta/tau) -> sqrt(V''_good/V''_bad) = sqrt((H_A/Sigma_A)/(H_B/Sigma_B)) as tau -> 0 at rate O(tau)."""
    c = construction("healthy")
    limit = 2.0
    errors = [abs(three_level_bounds(c, eta).tightness2 / limit - 1) for eta in (0.004, 0.002)]
    assert errors[0] < 0.02 and errors[1] < errors[0] * 0.7      # first order in tau


def test_ties_and_level_one():
    r = three_level_bounds(construction("f3-equal-hessian"), 0.2)
    assert r.level1 is False and r.delta is None and "not unique" in r.note
    f4 = three_level_bounds(construction("f4"), 0.2)
    assert f4.level1 is False and f4.global_label == "B" and f4.level2 is None
    f1 = three_level_bounds(construction("f1"), 0.01)
    assert f1.level1 is True and f1.log10_p_bad < -7000                     # exact in log space, no underflow
    assert f1.tightness2 == pytest.approx(math.sqrt(2.0), rel=0.01)


def test_good_by_label_and_errors():
    c = construction("healthy")
    assert three_level_bounds(c, 0.1, good=["A"]).good == (True, False)
    assert three_level_bounds(c, 0.1, good=[1]).level1 is False
    with pytest.raises(ValueError, match="`good` entry 'C'"):
        three_level_bounds(c, 0.1, good=["C"])
    plain = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0 * x, domain=(-2.0, 2.0))
    with pytest.raises(ValueError, match="give the good minima"):
        three_level_bounds(plain, 0.1)
    with pytest.raises(ValueError, match="2 minima"):
        three_level_bounds(plain, 0.1, generalization_gaps=[0.1])
    ou = Landscape(grad=lambda x: x, sigma=lambda x: 1 + 0 * x, domain=(-3.0, 3.0))
    with pytest.raises(ValueError, match="compares minima"):
        three_level_bounds(ou, 0.1, good=[0])
