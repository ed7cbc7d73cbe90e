"""The Scharfetter–Gummel generator as rates: absorbing ends at the grid's end (issue 9, item 2), the O(N)
rebuild at another learning rate, and the result type."""

import mpmath
import numpy as np
import pytest
from scipy.linalg import eigvals

from fpesolve import FokkerPlanck, Grid, discretize
from fpesolve.core.discretize import Discretization
from tests.landscapes import double_well, ou


def _dirichlet_ou_rate(stiffness, eta, half_width):
    """Slowest rate of OU (L' = k x, Sigma = 1) killed at +-w: the even eigenfunction M(-lam/(2k), 1/2, k x^2/eta)
    vanishes at x = w, so lam is the first root of M(-lam/(2k), 1/2, k w^2/eta) (Kummer's function)."""
    z = stiffness * half_width ** 2 / eta
    return float(mpmath.findroot(lambda lam: mpmath.hyp1f1(-lam / (2 * stiffness), 0.5, z), 0.5))


def _dense_slowest_rate(fp):
    return float(np.min(-eigvals(fp.generator().toarray()).real))


def test_absorbing_end_of_a_narrower_grid_uses_the_grid_end():
    """Issue 9 item 2: OU on (-5, 5), grid (-1, 1), 80 cells, absorbing: the rate was 1.9e-21 (the exit rate taken
    at the domain's ends, 4 units away), the Dirichlet problem on (-1, 1) decays at 0.48599."""
    exact = _dirichlet_ou_rate(2.0, 1.0, 1.0)
    assert abs(exact - 0.485985761531155) < 1e-12
    errors = []
    for n in (80, 160, 320):
        fp = FokkerPlanck(ou(domain=(-5.0, 5.0)), 1.0, Grid.uniform(-1.0, 1.0, n), boundary="absorbing")
        rate = fp.spectrum(1, vectors=False).rates[0]
        # the generator's own slowest rate, from a dense eigensolver (independent of the bisection)
        assert abs(rate - _dense_slowest_rate(fp)) < 1e-10 * rate
        # the same grid on a landscape whose domain *is* (-1, 1): the rates must be identical
        same = FokkerPlanck(ou(domain=(-1.0, 1.0)), 1.0, Grid.uniform(-1.0, 1.0, n), boundary="absorbing")
        np.testing.assert_allclose(fp.discretization.out, same.discretization.out, rtol=1e-13)
        errors.append(abs(rate - exact))
    # second order in h: the error falls by ~4 per halving (3.5..4.5 allows the O(h^4) term at h = 0.025)
    assert errors[0] < 2e-3 * exact
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all((ratios > 3.5) & (ratios < 4.5)), ratios


def test_absorbing_grid_end_needs_noise_there():
    from fpesolve import Landscape
    land = Landscape(grad=lambda x: x, sigma=lambda x: x ** 2, domain=(0.0, 2.0))
    # Sigma(0) = 0 at the absorbing end: refused, naming the end and the fix
    with pytest.raises(ValueError, match=r"absorbing left end 0\.0 needs Sigma > 0.*`boundary`"):
        discretize(land, 0.5, Grid.uniform(0.0, 1.0, 20), ("absorbing", "reflecting"))


@pytest.mark.parametrize("boundary", ["reflecting", "absorbing", ("reflecting", "absorbing")])
def test_rebuild_at_another_eta_equals_a_fresh_discretisation(boundary):
    land = double_well()
    grid = Grid.refined(-2.5, 2.5, 300, [-1.0, 0.0, 1.0])
    base = discretize(land, 0.3, grid, boundary)
    for eta in (0.01, 0.3, 2.0):
        fresh = discretize(land, eta, grid, boundary)
        rebuilt = base.at_eta(eta)
        # the increments are (2/eta) J with the same J: the rates agree to a few ulps of their logs
        for mine, theirs in ((rebuilt.log_up, fresh.log_up), (rebuilt.log_down, fresh.log_down)):
            assert np.all(np.abs(mine - theirs) <= 1e-12 * (1 + np.abs(theirs)))
        np.testing.assert_allclose(rebuilt.out, fresh.out, rtol=1e-12)
        np.testing.assert_allclose(rebuilt.log_stationary_mass, fresh.log_stationary_mass, rtol=0, atol=1e-10)
        # the O(N) kernel for stepping writes scale * rates (bernoulli directly, not through logs)
        up, down, out = np.empty(grid.n - 1), np.empty(grid.n - 1), np.empty(grid.n)
        base.rates_at(eta, up, down, out, scale=eta)
        np.testing.assert_allclose(up, eta * fresh.up, rtol=1e-12)
        np.testing.assert_allclose(down, eta * fresh.down, rtol=1e-12)
        np.testing.assert_allclose(out, eta * fresh.out, rtol=1e-12)
    up, down, out = np.ones(grid.n - 1), np.ones(grid.n - 1), np.ones(grid.n)
    base.rates_at(0.0, up, down, out, scale=0.0)  # a zero learning rate: SGD does not move
    assert not up.any() and not down.any() and not out.any()
    with pytest.raises(ValueError, match="`eta`"):
        base.at_eta(-1.0)


def test_discretization_is_a_result():
    d = discretize(double_well(), 0.3, Grid.uniform(-2.5, 2.5, 50))
    assert isinstance(d, Discretization)
    text = repr(d)
    assert "\n" not in text and text.startswith("Discretization(")
    assert "largest exit rate" in d.summary()
    assert d.reflecting and not d.up.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        d.up[0] = 1.0
