"""Closed-form stationary density against laws known exactly (OU, Beta, Gamma, Ito)."""

import numpy as np
import pytest
from scipy import special, stats

from fpesolve import (FokkerPlanck, Grid, IllPosedError, Landscape, effective_potential, stationary_density,
                      stationary_mass)


def ou(h=2.0, s=1.5):
    return Landscape(grad=lambda x: h * x, sigma=lambda x: s + 0 * x, domain=(-4, 4), loss=lambda x: h * x**2 / 2)


def jacobi(k, m, s2, eta):
    """L' = k (x - m), tau Sigma = s2 x (1 - x) on [0, 1]: Beta(2km/s2, 2k(1-m)/s2)."""
    return Landscape(grad=lambda x: k * (x - m), sigma=lambda x: s2 * x * (1 - x) / eta, domain=(0.0, 1.0))


def cir(k, m, s2, eta, top):
    """L' = k (x - m), tau Sigma = s2 x on [0, top]: Gamma(2km/s2, rate 2k/s2) truncated at top."""
    return Landscape(grad=lambda x: k * (x - m), sigma=lambda x: s2 * x / eta, domain=(0.0, top))


def test_ou_is_gaussian_to_1e12():
    eta, h, s = 0.5, 2.0, 1.5
    var = eta * s / (2 * h)
    x = np.linspace(-1.5, 1.5, 41)
    # truncation of the Gaussian at +-4 (8 standard deviations) changes Z by < 1e-15
    exact = stats.norm.pdf(x, scale=np.sqrt(var))
    np.testing.assert_allclose(stationary_density(ou(h, s), eta, x), exact, rtol=1e-12)


@pytest.mark.parametrize("k,m,s2", [(1.0, 0.3, 0.5), (0.4, 0.5, 1.0), (2.0, 0.7, 0.2)])
def test_jacobi_gives_beta_law(k, m, s2):
    eta = 0.1
    alpha, beta = 2 * k * m / s2, 2 * k * (1 - m) / s2
    x = np.array([1e-6, 1e-3, 0.1, 0.37, 0.5, 0.9, 0.999])
    got = stationary_density(jacobi(k, m, s2, eta), eta, x)
    # the (0.4, 0.5, 1.0) case has alpha = beta = 0.4 < 1: density singular at both ends
    np.testing.assert_allclose(got, stats.beta.pdf(x, alpha, beta), rtol=1e-11)


def test_cir_gives_truncated_gamma_law():
    k, m, s2, eta, top = 1.0, 1.0, 0.8, 0.2, 12.0
    shape, rate = 2 * k * m / s2, 2 * k / s2
    x = np.array([1e-4, 0.1, 1.0, 3.0, 8.0])
    exact = stats.gamma.pdf(x, shape, scale=1 / rate) / stats.gamma.cdf(top, shape, scale=1 / rate)
    np.testing.assert_allclose(stationary_density(cir(k, m, s2, eta, top), eta, x), exact, rtol=1e-11)


def test_ito_convention_carries_one_over_sigma():
    # L = x^2/2, Sigma = 1 + x^2: Ito gives p ∝ (1 + x^2)^(-1 - 1/tau); Stratonovich would give -1/2 - 1/tau
    eta = 0.4
    land = Landscape(grad=lambda x: x, sigma=lambda x: 1 + x**2, domain=(-3, 3))
    power = -1 - 1 / eta
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    z = float(mpmath.quad(lambda t: (1 + t * t) ** power, [-3, 0, 3]))
    x = np.linspace(-2.9, 2.9, 13)
    np.testing.assert_allclose(stationary_density(land, eta, x), (1 + x**2) ** power / z, rtol=1e-12)
    # and the solver's stationary state relaxes to it, not to the Stratonovich law
    fp = FokkerPlanck(land, eta, Grid.uniform(-3, 3, 400))
    late = fp.evolve(fp.point_mass(1.0), [40.0], method="backward-euler", dt=0.05).densities[-1]
    ito = stationary_density(land, eta, fp.grid.centres)
    strat = (1 + fp.grid.centres**2) ** (-0.5 - 1 / eta)
    strat /= strat @ fp.grid.widths
    assert np.max(np.abs(late - ito)) < 1e-3 < np.max(np.abs(late - strat))


def test_normalisation_and_effective_potential_at_large_exponent():
    # exponent 2/tau * barrier ~ 2500: p is ~1e-1000 between the wells but log p is ordinary
    eta = 0.01
    land = Landscape(grad=lambda x: 100 * 4 * x * (x**2 - 1), sigma=lambda x: 8 + 0 * x, domain=(-2, 2))
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    # exact: p = exp(-(2/tau) L / 8) / (8 Z) with L = 100 (x^2 - 1)^2, Z by 30-digit quadrature
    z = mpmath.quad(lambda t: mpmath.exp(-2500 * (t**2 - 1) ** 2) / 8, [-2, -1.05, -1, -0.95, 0, 0.95, 1, 1.05, 2])
    x = np.array([-1.01, -1.0, 0.98, 1.0])
    exact = [float(mpmath.exp(-2500 * (mpmath.mpf(t) ** 2 - 1) ** 2) / 8 / z) for t in x]
    # conditioning: a relative error e in the exponent E = 2500 moves p by E*e; e ~ 1e-14 (sums of
    # ~100 panel integrals) allows 2.5e-11
    np.testing.assert_allclose(stationary_density(land, eta, x), exact, rtol=3e-11)
    logp0 = stationary_density(land, eta, 0.0, log=True)
    # p(0)/p(+-1) = exp(-(2/tau) * 100/8) = exp(-2500)
    logp1 = stationary_density(land, eta, 1.0, log=True)
    assert logp1 - logp0 == pytest.approx(2500.0, rel=1e-12)
    # V_eff = int L'/Sigma + (tau/2) ln Sigma + const: differences are exact
    v = effective_potential(land, eta, np.array([0.0, 1.0]))
    assert v[0] - v[1] == pytest.approx(100.0 / 8.0, rel=1e-12)


def test_basin_mass_symmetry_and_total():
    eta = 0.3
    land = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0 * x, domain=(-2.5, 2.5))
    left = stationary_mass(land, eta, -2.5, 0.0)
    right = stationary_mass(land, eta, 0.0, 2.5)
    assert left == pytest.approx(0.5, rel=1e-13)
    assert left + right == pytest.approx(1.0, rel=1e-13)


def test_beta_mass_matches_incomplete_beta_function():
    k, m, s2, eta = 1.0, 0.3, 0.5, 0.1
    alpha, beta = 2 * k * m / s2, 2 * k * (1 - m) / s2
    got = stationary_mass(jacobi(k, m, s2, eta), eta, 0.0, 0.25)
    assert got == pytest.approx(special.betainc(alpha, beta, 0.25), rel=1e-11)


# ------------------------------------------------- narrow bins (regression)
# stationary_mass on narrow bins used to grade its panels toward *both* bin
# ends and fit an end-point tail there, as at a singular domain end; at an
# interior bin end that made the quadrature converge only algebraically, and
# with a convergence test relative to |log mass| it raised "did not converge
# (last change 3.1e-10)" on histogram bins of the double well below.


def _multiplicative_double_well(c=1.0, s0=1.0):
    """L' = 4c x (x^2 - 1), Sigma = s0 (1 + x^2): int L'/Sigma = (c/s0)(2x^2 - 4 ln(1 + x^2)) in closed form."""
    land = Landscape(grad=lambda x: 4 * c * x * (x**2 - 1), sigma=lambda x: s0 * (1 + x**2), domain=(-2.5, 2.5))

    def log_density(t, eta, mp):
        return -(2 / eta) * (c / s0) * (2 * t**2 - 4 * mp.log(1 + t**2)) - mp.log(s0 * (1 + t**2))
    return land, log_density


@pytest.mark.parametrize("eta", [0.001, 0.01])
def test_histogram_bins_of_double_well_sum_to_one(eta):
    from fpesolve.failure_modes.constructions import double_well
    land = double_well(2, 2, 1, 3, 0.05)
    a, b = land.domain
    edges = np.linspace(a, b, 101)
    logm = np.array([stationary_mass(land, eta, lo, hi, log=True) for lo, hi in zip(edges[:-1], edges[1:])])
    assert np.all(np.isfinite(logm))  # the end bins are ~1e-300 and below at tau = 0.001
    assert abs(np.exp(logm).sum() - 1.0) < 1e-12


@pytest.mark.parametrize("centre", [-0.4472135954999579, 0.4472135954999579, 0.3, -0.6, 0.0])
def test_narrow_bin_of_double_well_equals_sum_over_its_split(centre):
    from fpesolve.failure_modes.constructions import double_well
    land, eta = double_well(2, 2, 1, 3, 0.05), 0.01
    lo, hi = centre - 5e-4, centre + 5e-4
    whole = stationary_mass(land, eta, lo, hi, log=True)
    cut = np.linspace(lo, hi, 11)
    parts = [stationary_mass(land, eta, x, y, log=True) for x, y in zip(cut[:-1], cut[1:])]
    assert abs(whole - np.logaddexp.reduce(parts)) < 1e-12


@pytest.mark.parametrize("eta", [0.02, 0.1])
def test_narrow_bins_against_high_precision_quadrature(eta):
    mpmath = pytest.importorskip("mpmath")
    land, log_density = _multiplicative_double_well()
    with mpmath.workdps(30):
        def dens(t):
            return mpmath.exp(log_density(t, eta, mpmath))
        # Gauss–Legendre on many pieces: near the ends the density falls by e^70 and more across one bin,
        # which mpmath's default tanh-sinh on the whole bin does not resolve
        z = mpmath.quad(dens, mpmath.linspace(-2.5, 2.5, 161), method="gauss-legendre")
        bins = [(-1.0005, -0.9995), (0.9, 0.901), (1.0, 1.0 + 1e-6), (-1e-3, 0.0), (0.5, 0.5 + 1e-4),
                (-2.5, -2.499), (2.4, 2.5), (1.7, 1.7001)]
        for lo, hi in bins:
            exact = mpmath.quad(dens, mpmath.linspace(lo, hi, 33), method="gauss-legendre") / z
            got = stationary_mass(land, eta, lo, hi, log=True)
            assert abs(got - float(mpmath.log(exact))) < 1e-12 + 1e-14 * abs(got), (lo, hi)


def test_many_narrow_bins_sum_to_one_and_match_quadrature_one_by_one():
    mpmath = pytest.importorskip("mpmath")
    eta = 0.05
    land, log_density = _multiplicative_double_well()
    edges = np.linspace(-2.5, 2.5, 101)
    logm = np.array([stationary_mass(land, eta, lo, hi, log=True) for lo, hi in zip(edges[:-1], edges[1:])])
    assert abs(np.exp(logm).sum() - 1.0) < 1e-12
    with mpmath.workdps(30):
        def dens(t):
            return mpmath.exp(log_density(t, eta, mpmath))
        ref = [mpmath.quad(dens, mpmath.linspace(lo, hi, 9), method="gauss-legendre")
               for lo, hi in zip(edges[:-1], edges[1:])]
        logz = mpmath.log(mpmath.fsum(ref))
        exact = np.array([float(mpmath.log(r) - logz) for r in ref])
    np.testing.assert_array_less(np.abs(logm - exact), 1e-12 + 1e-14 * np.abs(exact))


@pytest.mark.parametrize("lo,hi", [(0.999, 1.0), (0.0, 1e-3), (1e-6, 2e-6), (0.3, 0.301), (0.5, 1.0)])
def test_narrow_bins_at_singular_ends_match_incomplete_beta(lo, hi):
    # alpha = beta = 0.4: the density is singular at both ends
    mpmath = pytest.importorskip("mpmath")
    k, m, s2, eta = 0.4, 0.5, 1.0, 0.1
    alpha, beta = 2 * k * m / s2, 2 * k * (1 - m) / s2
    got = stationary_mass(jacobi(k, m, s2, eta), eta, lo, hi)
    with mpmath.workdps(30):
        exact = float(mpmath.betainc(alpha, beta, lo, hi, regularized=True))
    assert got == pytest.approx(exact, rel=1e-12)


# ----------------------------------------------------------------- bad input
def test_tau_must_be_positive():
    with pytest.raises(ValueError, match="`eta` must be a finite positive number, got -0.1"):
        stationary_density(ou(), -0.1, 0.0)
    with pytest.raises(ValueError, match="`eta`"):
        stationary_density(ou(), float("nan"), 0.0)


def test_sigma_not_positive_inside_domain_is_named():
    land = Landscape(grad=lambda x: x, sigma=lambda x: x**2 - 0.25, domain=(-1, 1))
    # Sigma = x^2 - 1/4 is zero at the scan point -0.5 (and negative on (-0.5, 0.5))
    with pytest.raises(IllPosedError, match=r"`sigma` vanishes inside .*Sigma\(-0\.5\) = 0"):
        stationary_density(land, 0.1, 0.0)
    nan_sigma = Landscape(grad=lambda x: x, sigma=lambda x: np.where(x > 0.5, np.nan, 1.0), domain=(-1, 1))
    with pytest.raises(ValueError, match="nan"):
        stationary_density(nan_sigma, 0.1, 0.0)


def test_non_normalisable_density_is_reported():
    # Jacobi with m = 0: alpha = 0, p ~ 1/x at 0, not integrable
    with pytest.raises(IllPosedError, match="cannot be normalised"):
        stationary_density(jacobi(1.0, 0.0, 0.5, 0.1), 0.1, 0.5)


def test_point_outside_domain():
    with pytest.raises(ValueError, match="outside the domain"):
        stationary_density(ou(), 0.1, 5.0)


# ----------------------------------------------------------------- fuzz (hypothesis, tests/strategies.py)
import math  # noqa: E402
import warnings  # noqa: E402

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from scipy import integrate  # noqa: E402

from fpesolve.core.wellposed import check_well_posed  # noqa: E402
from tests.strategies import grids_for, landscapes, learning_rates  # noqa: E402

_EPS = np.finfo(float).eps
_FUZZ = dict(deadline=None, suppress_health_check=list(HealthCheck), database=None)
# both regimes of the issue: Sigma varying by ~100 (default) and by up to 1e6 (two waves of amplitude 3.5);
# learning rates down to 1e-7, where the exponents reach ~1e7 and drift into a wall leaves a boundary layer
# of width ~eta Sigma/|L'| ~ 1e-8
_LANDSCAPES = st.one_of(landscapes(), landscapes(noise_amplitude=3.5))
_RATES = st.one_of(learning_rates(1e-4, 10.0), learning_rates(1e-7, 1e-4))


def _exponent_scale(land, eta):
    """Largest |(2/eta) int L'/Sigma| on the domain: float64 carries every log-density to ~eps times this."""
    return check_well_posed(land, eta).max_exponent


def _discrete_equals_closed_form(data):
    land, eta = data.draw(_LANDSCAPES), data.draw(_RATES)
    grid = data.draw(grids_for(land.domain))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        discrete = FokkerPlanck(land, eta, grid).stationary(log=True)
        closed = stationary_density(land, eta, grid.centres, log=True)
    # The discrete state is the closed form at the centres up to its own normalisation (sum p_i |c_i| = 1), a
    # constant in log. Both sum exponent pieces of size up to E = max|(2/eta) int L'/Sigma| in float64; measured
    # spread <= 12 eps E over 1200 landscapes; allowed 1e-12 + 64 eps E.
    diff = discrete - closed
    assert np.ptp(diff) <= 1e-12 + 64 * _EPS * _exponent_scale(land, eta)


def _masses_partition_the_domain(data):
    land, eta = data.draw(_LANDSCAPES), data.draw(_RATES)
    a, b = land.domain
    c = a + (b - a) * data.draw(st.floats(0.01, 0.99))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        left = stationary_mass(land, eta, a, c, log=True)
        right = stationary_mass(land, eta, c, b, log=True)
    # each log-mass is converged to 2e-13 + 64 eps |log mass| (stationary._converged_log_mass) and carries the
    # rounding of exponents of size E; the two pieces and the normaliser are three such numbers
    tol = 1e-12 + 3 * 64 * _EPS * _exponent_scale(land, eta)
    assert abs(np.logaddexp(left, right)) <= tol


def _independent_log_density(land, eta, x):
    """log p at ``x`` from scipy's DOP853 (rtol 1e-13) on y' = (L'/Sigma, exp(g - shift)), g = -(2/eta) y0 - ln Sigma.

    Independent of fpesolve's quadrature: an adaptive Runge-Kutta integration from a to b of the drift
    integral and of the unnormalised mass together; ``shift`` (the largest g on a trapezoid scan) only keeps
    the exponential in range."""
    a, b = land.domain
    fine = np.linspace(a, b, 20001)
    r = land.grad(fine) / land.sigma(fine)
    i_fine = np.concatenate(([0.0], np.cumsum(0.5 * (r[1:] + r[:-1]) * np.diff(fine))))
    shift = float(np.max(-(2 / eta) * i_fine - np.log(land.sigma(fine))))

    def rhs(t, y):
        s, g = float(land.sigma(np.array([t]))[0]), float(land.grad(np.array([t]))[0])
        return [g / s, math.exp(-(2 / eta) * y[0] - math.log(s) - shift)]

    pts = np.unique(np.concatenate((x, [b])))
    sol = integrate.solve_ivp(rhs, (a, b), [0.0, 0.0], method="DOP853", rtol=1e-13, atol=[1e-15, 1e-17],
                              t_eval=pts, max_step=(b - a) / 400)
    assert sol.success, sol.message
    logp = -(2 / eta) * sol.y[0] - np.log(land.sigma(pts)) - shift - math.log(sol.y[1][-1])
    return pts, logp


def _closed_form_equals_independent_quadrature(data):
    land, eta = data.draw(landscapes()), data.draw(learning_rates(1e-4, 10.0))
    a, b = land.domain
    x = a + (b - a) * np.array([0.0, 0.013, 0.25, 0.5, 0.77, 0.999, 1.0])
    pts, expected = _independent_log_density(land, eta, x)
    got = stationary_density(land, eta, pts, log=True)
    # DOP853 at rtol 1e-13 on the drift integral I gives (2/eta) |I| 1e-13 <= 1e-13 E in log p; measured
    # differences <= 3 eps (1 + E)
    assert np.max(np.abs(got - expected)) <= 1e-11 + 1e-13 * _exponent_scale(land, eta)


@settings(max_examples=25, **_FUZZ)
@given(st.data())
def test_fuzz_discrete_stationary_state_is_the_closed_form(data):
    _discrete_equals_closed_form(data)


@settings(max_examples=25, **_FUZZ)
@given(st.data())
def test_fuzz_stationary_masses_partition_the_domain(data):
    _masses_partition_the_domain(data)


@settings(max_examples=4, **_FUZZ)
@given(st.data())
def test_fuzz_closed_form_against_runge_kutta(data):
    _closed_form_equals_independent_quadrature(data)


@pytest.mark.slow
@settings(max_examples=1200, **_FUZZ)
@given(st.data())
def test_fuzz_slow_discrete_stationary_state_is_the_closed_form(data):
    _discrete_equals_closed_form(data)


@pytest.mark.slow
@settings(max_examples=1000, **_FUZZ)
@given(st.data())
def test_fuzz_slow_stationary_masses_partition_the_domain(data):
    _masses_partition_the_domain(data)


@pytest.mark.slow
@settings(max_examples=200, **_FUZZ)
@given(st.data())
def test_fuzz_slow_closed_form_against_runge_kutta(data):
    _closed_form_equals_independent_quadrature(data)
