"""Tests for fpesolve.core.modes: extrema of the stationary density against closed forms and brute force."""

import numpy as np
import pytest

from fpesolve import Landscape, stationary_density
from fpesolve.core.modes import StationaryModes, stationary_modes
from tests.landscapes import double_well, jacobi, ou


@pytest.mark.parametrize("a, b", [(3.0, 2.0), (1.5, 4.0), (6.0, 6.0)])
def test_jacobi_mode_is_the_beta_mode(a, b):
    # at eta = 1 the stationary law is Beta(a, b), whose mode is (a - 1)/(a + b - 2) for a, b > 1
    modes = stationary_modes(jacobi(a, b), 1.0)
    np.testing.assert_allclose(modes.maxima, [(a - 1) / (a + b - 2)], rtol=0, atol=1e-14)  # Brent, xtol 1e-15
    assert modes.minima.size == 0 and modes.wall_maxima == ()


def test_jacobi_u_shape_has_a_trough_and_two_wall_maxima():
    # Beta(1/2, 1/3): density x^(-1/2) (1-x)^(-2/3), infinite at both walls, minimum at (a-1)/(a+b-2) = 3/7
    modes = stationary_modes(jacobi(0.5, 1.0 / 3.0), 1.0)
    assert modes.maxima.size == 0
    np.testing.assert_allclose(modes.minima, [3.0 / 7.0], atol=1e-14)
    assert modes.wall_maxima == (0.0, 1.0)


def test_linear_noise_shifts_the_mode_by_minus_tau_sigma_prime_over_two():
    for eta in (0.05, 0.4, 2.0):
        tilted = Landscape(grad=lambda x: 3.0 * x, sigma=lambda x: 2.0 + 0.5 * x, domain=(-3.0, 3.0))
        # L' + (eta/2) Sigma' = 3x + eta/4 = 0 (Sigma' from central differences: exact for a linear Sigma)
        np.testing.assert_allclose(stationary_modes(tilted, eta).maxima, [-eta / 12.0], atol=1e-12)


@pytest.mark.parametrize("eta", [0.1, 0.3, 1.0])
def test_double_well_extrema_match_brute_force_argmax_of_the_closed_form(eta):
    dw = double_well()
    modes = stationary_modes(dw, eta)
    assert isinstance(modes, StationaryModes) and modes.maxima.size == 2 and modes.minima.size == 1
    x = np.linspace(-2.5, 2.5, 200_001)  # spacing 2.5e-5
    p = stationary_density(dw, eta, x)
    peaks = x[1:-1][(p[1:-1] > p[:-2]) & (p[1:-1] > p[2:])]
    troughs = x[1:-1][(p[1:-1] < p[:-2]) & (p[1:-1] < p[2:])]
    # brute force locates an extremum to within one spacing
    np.testing.assert_allclose(modes.maxima, peaks, atol=2.5e-5)
    np.testing.assert_allclose(modes.minima, troughs, atol=2.5e-5)
    # and the roots solve x^3 - x + (eta/2) Sigma'(x) = 0 to round-off
    residual = modes.maxima ** 3 - modes.maxima + 0.5 * eta / np.cosh(2 * modes.maxima) ** 2
    np.testing.assert_allclose(residual, 0.0, atol=1e-13)


def test_wall_maximum_when_the_drift_pushes_into_the_wall():
    # OU on (1, 3): L' = 2x > 0 everywhere pushes towards the left wall, where p is largest
    modes = stationary_modes(ou(domain=(1.0, 3.0)), 0.5)
    assert modes.maxima.size == 0 and modes.minima.size == 0 and modes.wall_maxima == (1.0,)
    assert "maxima at the walls: +1" in modes.summary()


def test_result_base_and_bad_input():
    modes = stationary_modes(ou(), 0.5)
    assert modes.to_dict()["maxima"] == [0.0] and repr(modes).startswith("StationaryModes(eta=0.5")
    with pytest.raises(ValueError, match="`eta` must be a finite positive number"):
        stationary_modes(ou(), -1.0)
    with pytest.raises(TypeError, match="`landscape` must be a fpesolve.Landscape"):
        stationary_modes("ou", 0.5)
    pole = Landscape(grad=lambda x: 1.0 / x, sigma=lambda x: np.ones_like(x), domain=(0.0, 1.0))
    with pytest.raises(ValueError, match="not finite at x = 0"):
        with np.errstate(divide="ignore"):
            stationary_modes(pole, 0.5)
