"""The Scharfetter–Gummel solver: exact discrete stationary state, generator structure,
conservation, positivity, and observed orders against Ornstein–Uhlenbeck."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.special import logsumexp

from fpesolve import AccuracyWarning, FokkerPlanck, Grid, Landscape, convergence_study, stationary_density

TAU = 0.3


def double_well(tilt=0.0, amp=0.5, domain=(-2.5, 2.5)):
    return Landscape(grad=lambda x: x**3 - x + tilt, sigma=lambda x: 1 + amp * np.tanh(2 * x), domain=domain)


def log_closed_form_at_centres(land, eta, grid):
    """log of the closed form at the centres, normalised with the discrete mass sum p_i |c_i| = 1."""
    logp = stationary_density(land, eta, grid.centres, log=True)
    return logp - logsumexp(logp + np.log(grid.widths))


def assert_same_density(fp, land, eta, rtol):
    """Compare in log space: an absolute error r in log p is a relative error r in p, and
    densities of 1e-300 (deep in a barrier) are compared as precisely as those of order 1."""
    np.testing.assert_allclose(fp.stationary(log=True), log_closed_form_at_centres(land, eta, fp.grid),
                               rtol=0, atol=rtol)


# ------------------------------------------------------------------ exact stationary state
@pytest.mark.parametrize("n", [50, 500, 5000, 100_000, 1_000_000])
def test_discrete_stationary_equals_closed_form_uniform(n):
    land = double_well()
    grid = Grid.uniform(-2.5, 2.5, n)
    # both sides are exact up to the quadrature of the Phi increments (~1e-15 each) summed over the grid
    assert_same_density(FokkerPlanck(land, TAU, grid), land, TAU, rtol=1e-10)


@pytest.mark.parametrize("n", [50, 700, 20_000])
def test_discrete_stationary_equals_closed_form_non_uniform(n):
    land = double_well()
    grid = Grid.refined(-2.5, 2.5, n, [cp.x for cp in land.critical_points()], strength=20.0)
    assert not grid.is_uniform
    assert_same_density(FokkerPlanck(land, TAU, grid), land, TAU, rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(tilt=st.floats(-0.3, 0.3), amp=st.floats(0.0, 0.9), eta=st.floats(0.05, 2.0), n=st.integers(20, 400),
       seed=st.integers(0, 2**31 - 1))
def test_stationary_exact_on_random_grids(tilt, amp, eta, n, seed):
    """On any grid (random widths up to a factor 10 apart), at any Peclet number."""
    land = double_well(tilt, amp)
    widths = np.random.default_rng(seed).uniform(1.0, 10.0, n)
    grid = Grid.from_edges(-2.5 + 5.0 * np.concatenate(([0.0], np.cumsum(widths) / widths.sum())))
    assert_same_density(FokkerPlanck(land, eta, grid), land, eta, rtol=1e-10)


def test_one_implicit_step_leaves_stationary_state_unchanged():
    land = double_well()
    fp = FokkerPlanck(land, TAU, Grid.refined(-2.5, 2.5, 400, [-1, 0, 1]))
    p = fp.stationary()
    dt = 0.7
    stiffness = dt * np.max(fp.discretization.exit_rates)  # ~5e4 here
    for method in ("backward-euler", "tr-bdf2"):
        after = fp.evolve(p, [dt], method=method, dt=dt).densities[-1]
        # round-off of one step of (I - c Q)^{-1}: a few eps times the stiffness c |Q|
        np.testing.assert_allclose(after, p, rtol=10 * np.finfo(float).eps * stiffness, atol=0)
    assert np.max(np.abs(fp.time_derivative(p))) <= 1e-12 * p.max() * np.max(fp.discretization.exit_rates)


@pytest.mark.parametrize("k,m,s2", [(1.0, 0.3, 0.5), (0.4, 0.5, 1.0)])
def test_jacobi_discrete_stationary_is_beta_at_centres(k, m, s2):
    eta = 0.1
    land = Landscape(grad=lambda x: k * (x - m), sigma=lambda x: s2 * x * (1 - x) / eta, domain=(0.0, 1.0))
    grid = Grid.uniform(0.0, 1.0, 300)
    p = FokkerPlanck(land, eta, grid).stationary()
    beta = stats.beta.pdf(grid.centres, 2 * k * m / s2, 2 * k * (1 - m) / s2)
    np.testing.assert_allclose(p, beta / (beta @ grid.widths), rtol=1e-10)


def test_cir_discrete_stationary_is_gamma_at_centres():
    k, m, s2, eta = 1.0, 1.0, 0.8, 0.2
    land = Landscape(grad=lambda x: k * (x - m), sigma=lambda x: s2 * x / eta, domain=(0.0, 10.0))
    grid = Grid.uniform(0.0, 10.0, 400)
    p = FokkerPlanck(land, eta, grid).stationary()
    gam = stats.gamma.pdf(grid.centres, 2 * k * m / s2, scale=s2 / (2 * k))
    np.testing.assert_allclose(p, gam / (gam @ grid.widths), rtol=1e-10)


# ------------------------------------------------------------------ generator structure
def test_generator_is_a_reversible_rate_matrix():
    land = double_well()
    fp = FokkerPlanck(land, TAU, Grid.refined(-2.5, 2.5, 120, [-1, 0, 1]))
    q = fp.generator().toarray()
    off = q - np.diag(np.diag(q))
    assert np.all(off >= 0)
    np.testing.assert_allclose(q.sum(axis=0), 0.0, atol=1e-13 * np.abs(q).max())
    pi = fp.stationary() * fp.grid.widths
    sym = np.diag(pi**-0.5) @ q @ np.diag(pi**0.5)
    np.testing.assert_allclose(sym, sym.T, rtol=1e-12, atol=1e-14 * np.abs(q).max())
    # the current is made of the solver's own edge fluxes: dm/dt = Q m = F_{i-1/2} - F_{i+1/2}
    p = np.exp(-((fp.grid.centres - 0.5) ** 2))
    np.testing.assert_allclose(fp.time_derivative(p) * fp.grid.widths, q @ (p * fp.grid.widths),
                               rtol=1e-12, atol=1e-13 * np.abs(q).max())
    assert fp.probability_current(p)[0] == 0 and fp.probability_current(p)[-1] == 0


def test_absorbing_ends_lose_mass_at_the_boundary_flux_rate():
    land = double_well()
    fp = FokkerPlanck(land, TAU, Grid.uniform(-2.5, 2.5, 200), boundary=("absorbing", "reflecting"))
    q = fp.generator().toarray()
    col = q.sum(axis=0)
    assert col[0] < 0 and np.allclose(col[1:], 0, atol=1e-12 * np.abs(q).max())
    p = fp.point_mass(-2.49)  # in the first cell
    flux = fp.probability_current(p)
    assert flux[0] < 0 and flux[-1] == 0  # mass leaves to the left
    with pytest.raises(ValueError, match="no stationary density"):
        fp.stationary()


# ------------------------------------------------------------------ conservation and positivity
@pytest.mark.parametrize("method", ["backward-euler", "tr-bdf2"])
def test_mass_conserved_over_1e5_steps(method):
    land = double_well()
    fp = FokkerPlanck(land, TAU, Grid.uniform(-2.5, 2.5, 100))
    ev = fp.evolve(fp.point_mass(1.3), [100.0], method=method, dt=1e-3)
    assert ev.n_steps == 100_000
    assert abs(ev.masses[-1] - 1.0) < 1e-12


def test_point_mass_stays_non_negative_for_every_method_and_tr_bdf2_undershoot_is_reported():
    land = double_well()
    fp = FokkerPlanck(land, TAU, Grid.uniform(-2.5, 2.5, 200))
    times = np.linspace(0.05, 1.0, 20)
    pm = fp.point_mass(1.0)
    exact = fp.evolve(pm, times, method="contour")
    for method, dt in (("backward-euler", 0.05), ("exponential", None), ("contour", None), ("eigen", None),
                       ("tr-bdf2", None)):
        ev = fp.evolve(pm, times, method=method, dt=dt)
        assert ev.densities.min() >= 0.0, method
        # every route's error estimate covers its distance to the exact-in-time contour result (whose own
        # error is ~1e-13, far below the others' except eigen, which is compared at that level)
        actual = np.abs(ev.densities - exact.densities) @ fp.grid.widths
        assert np.all(actual <= ev.error + exact.error + 1e-13), (method, actual, ev.error)
    # fixed-step TR-BDF2 from a point mass with dt = 0.05 (dt * exit rate ~ 500) undershoots: the negative mass
    # is set to zero, restored, reported and included in the error estimate, with a warning
    with pytest.warns(AccuracyWarning, match="undershot"):
        plain = fp.evolve(pm, times, method="tr-bdf2", dt=0.05)
    assert plain.densities.min() >= 0.0 and plain.clipped[-1] > 1e-3
    assert np.all(np.abs(plain.masses - 1.0) < 1e-13)
    actual = np.abs(plain.densities - exact.densities) @ fp.grid.widths
    assert np.all(actual <= plain.error + 1e-12)
    safe = fp.evolve(pm, times, method="tr-bdf2", dt=0.05, positivity_start=2)
    assert safe.densities.min() >= 0.0


# ------------------------------------------------------------------ Ornstein–Uhlenbeck transients and orders
H, S, TAU_OU, M0, V0, T_END = 2.0, 1.0, 0.5, 1.0, 0.05, 0.5


def ou_landscape():
    return Landscape(grad=lambda x: H * x, sigma=lambda x: S + 0 * x, domain=(-4.0, 4.0))


def gaussian(x, mean, var):
    return np.exp(-((x - mean) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var)


def ou_exact(t):
    """Mean m0 e^{-Ht}, variance v0 e^{-2Ht} + tau S/(2H) (1 - e^{-2Ht})."""
    return M0 * np.exp(-H * t), V0 * np.exp(-2 * H * t) + TAU_OU * S / (2 * H) * (1 - np.exp(-2 * H * t))


def test_ou_stationary_is_gaussian():
    fp = FokkerPlanck(ou_landscape(), TAU_OU, 400)
    var = TAU_OU * S / (2 * H)
    exact = gaussian(fp.grid.centres, 0.0, var)
    # the discrete stationary state is the closed form at the centres; the discrete normalisation
    # (midpoint rule) differs from 1 by O(h^2) = (h^2/24) * mean(p'') ~ 1e-5 here
    np.testing.assert_allclose(fp.stationary(), exact / (exact @ fp.grid.widths), rtol=1e-12)


def test_ou_transient_mean_and_variance_and_second_order_in_space():
    def density_error(n):
        fp = FokkerPlanck(ou_landscape(), TAU_OU, n)
        ev = fp.evolve(lambda x: gaussian(x, M0, V0), [T_END], method="exponential")  # exact in time
        mean, var = ou_exact(T_END)
        return ev.densities[-1] - gaussian(fp.grid.centres, mean, var)

    study = convergence_study(density_error, [50, 100, 200, 400], exact=0.0, label="OU density, max error")
    assert np.all(study.orders >= 1.9), study.summary()
    fp = FokkerPlanck(ou_landscape(), TAU_OU, 400)
    ev = fp.evolve(lambda x: gaussian(x, M0, V0), [0.1, T_END], method="exponential")
    mean, var = ou_exact(np.array([0.1, T_END]))
    # O(h^2) with h = 0.02 and O(1) constants: 1e-3 bounds both
    np.testing.assert_allclose(ev.means, mean, atol=1e-3)
    np.testing.assert_allclose(ev.variances, var, atol=1e-3)


@pytest.mark.filterwarnings("ignore::fpesolve.AccuracyWarning")  # TR-BDF2 from a point mass at dt = 0.05 undershoots
@pytest.mark.parametrize("start", ["gaussian", "point"])
@pytest.mark.parametrize("method,order", [("backward-euler", 1.0), ("tr-bdf2", 2.0)])
def test_observed_temporal_order(method, order, start):
    fp = FokkerPlanck(ou_landscape(), TAU_OU, 200)
    p0 = gaussian(fp.grid.centres, M0, V0) if start == "gaussian" else fp.point_mass(M0)
    reference = fp.evolve(p0, [T_END], method="exponential").densities[-1]  # the semi-discrete solution
    study = convergence_study(lambda n: fp.evolve(p0, [T_END], method=method, dt=T_END / n).densities[-1],
                              [10, 20, 40, 80], exact=reference)
    assert abs(study.final_order - order) < 0.1, study.summary()


# ------------------------------------------------------------------ bad input
def test_bad_input_is_named():
    land = double_well()
    with pytest.raises(ValueError, match="`eta`"):
        FokkerPlanck(land, 0.0, 50)
    with pytest.raises(ValueError, match="not inside the domain"):
        FokkerPlanck(land, TAU, Grid.uniform(-3, 3, 50))
    bad_sigma = Landscape(grad=lambda x: x, sigma=lambda x: x, domain=(-1, 1))
    with pytest.raises(ValueError, match="Sigma"):
        FokkerPlanck(bad_sigma, TAU, 50)
    fp = FokkerPlanck(land, TAU, 50)
    p0 = np.ones(50)
    p0[3] = -1.0
    with pytest.raises(ValueError, match=r"non-negative; p0\[3\] = -1.0"):
        fp.evolve(p0, [1.0])
    with pytest.raises(ValueError, match="zero total mass"):
        fp.evolve(np.zeros(50), [1.0])
    with pytest.raises(ValueError, match="`method`"):
        fp.evolve(fp.point_mass(0.0), [1.0], method="rk4")
    with pytest.raises(ValueError, match="`boundary`"):
        FokkerPlanck(land, TAU, 50, boundary="periodic")
    with pytest.raises(ValueError, match="`times`"):
        fp.evolve(fp.point_mass(0.0), [1.0, 0.5])
