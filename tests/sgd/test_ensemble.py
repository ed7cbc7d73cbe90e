"""Monte Carlo SGD: statistics against the Fokker-Planck density and exact MFPT, reproducibility, bad input."""

import math

import numba
import numpy as np
import pytest
from scipy import stats

from fpesolve.failure_modes.constructions import construction, double_well
from fpesolve.sgd.ensemble import SampleGradients, simulate_sgd
from fpesolve.core.stationary import log_stationary_density, stationary_density


def _bin_masses(land, eta, edges, order=20):
    """Exact stationary mass of each bin: Gauss-Legendre (order 20) on the closed-form density."""
    nodes, weights = np.polynomial.legendre.leggauss(order)
    h = np.diff(edges)
    pts = edges[:-1, None] + 0.5 * h[:, None] * (nodes[None, :] + 1.0)
    p = stationary_density(land, eta, pts.ravel()).reshape(pts.shape)
    return 0.5 * h * (p @ weights)


def test_histogram_matches_fpe_stationary_density():
    # Multiplicative noise (Sigma from 1 to 3 between the wells, low barrier so both wells hold mass and
    # walkers cross).  1e5 walkers start from the exact FPE stationary law (eta = 0.005) and run 4000
    # iterations = 40 within-well relaxation times 1/(H eta).
    # Test: Pearson chi-square over 50 bins of equal stationary probability (expected 2000 counts each,
    # 49 degrees of freedom); fail if its p-value is below 1e-3 (chi2 > 85.4).  The O(eta) bias of SGD's
    # invariant law is below this resolution at eta = 0.005 (at eta = 0.02 the same test detects it).
    land = double_well(2.0, 2.0, 1.0, 3.0, 0.01)
    eta, n_walkers = 0.005, 100_000
    a, b = land.domain
    fine = np.linspace(a, b, 4001)
    cdf = np.concatenate(([0.0], np.cumsum(_bin_masses(land, eta, fine, order=10))))
    edges = np.concatenate(([a], np.interp(np.linspace(0, 1, 51)[1:-1], cdf, fine), [b]))
    run = simulate_sgd(land, eta, 4000, n_walkers, "stationary", bins=edges, rng=3, record_at=[0, 4000])
    assert run.underflow[-1] == run.overflow[-1] == 0 and not run.diverged.any()
    expected = n_walkers * _bin_masses(land, eta, edges)
    observed = run.counts[-1]
    chi2 = np.sum((observed - expected) ** 2 / expected)
    assert chi2 < stats.chi2.isf(1e-3, edges.size - 2), chi2
    # the walkers really moved: many crossed the saddle, and within well A final and initial positions
    # are uncorrelated (e^{-40})
    assert np.mean(run.escape_iterations >= 0) > 0.1
    stay = (run.initial_positions < 0) & (run.final_positions < 0)
    assert abs(np.corrcoef(run.initial_positions[stay], run.final_positions[stay])[0, 1]) < 0.02
    # power: the same test rejects the Stratonovich density (1/sqrt(Sigma) prefactor instead of 1/Sigma)
    nodes, weights = np.polynomial.legendre.leggauss(20)
    h = np.diff(edges)
    pts = edges[:-1, None] + 0.5 * h[:, None] * (nodes[None, :] + 1.0)
    strat = stationary_density(land, eta, pts.ravel()).reshape(pts.shape) * np.sqrt(land.sigma(pts))
    strat_mass = 0.5 * h * (strat @ weights)
    strat_expected = n_walkers * strat_mass / strat_mass.sum()
    assert np.sum((observed - strat_expected) ** 2 / strat_expected) > 10 * stats.chi2.isf(1e-3, edges.size - 2)


def _exact_mfpt(land, eta, x0, b, n=40001):
    """T = int_{x0}^{b} dy / (D(y) p(y)) int_a^y p(z) dz, D = tau Sigma / 2, reflecting at a (continuous time).

    Trapezoid rule on 40001 points (error O(h^2) ~ 1e-8 relative for this smooth integrand)."""
    a = land.domain[0]
    y = np.linspace(a, b, n)
    p = np.exp(log_stationary_density(land, eta, y))
    inner = np.concatenate(([0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(y))))
    f = inner / (0.5 * eta * land.sigma(y) * p)
    keep = y >= x0
    return np.trapezoid(f[keep], y[keep])


@pytest.mark.parametrize("noise", [None, "gaussian"])
def test_mean_escape_iterations_match_exact_mfpt(noise):
    # Constant Sigma = 1, H = 2, barrier 0.02 in L: (2/eta) * barrier / Sigma = 4 at eta = 0.01, so escapes
    # take ~2.8e4 iterations.  Passage is timed at the far minimum (where the drift pulls inward, so the
    # discrete-time overshoot shifts the passage time negligibly).
    # Tolerance: 4 Monte Carlo standard errors plus the O(eta) error of the diffusion approximation,
    # bounded by 2 eta H_max = 4 % (leading order: 1.2 eta H for two-point noise, from the log-cosh
    # correction to the escape action; the Euler discretisation gives a comparable term of opposite sign).
    land = double_well(2.0, 2.0, 1.0, 1.0, 0.02)
    eta = 0.01
    xA, xB = land.wells["A"], land.wells["B"]
    exact = _exact_mfpt(land, eta, xA, xB) / eta
    run = simulate_sgd(land, eta, int(15 * exact), 4000, "A", passage_points=[xB], stop_after_passage=True,
                       noise=noise, rng=1)
    mean, err, censored = run.mean_passage_iterations(0)
    assert censored == 0
    assert abs(mean - exact) <= 4 * err + 2 * eta * 2.0 * exact, (mean, err, exact)
    # every walker crossed the saddle (escape into basin B) no later than it reached the far minimum
    assert np.all((run.escape_iterations > 0) & (run.escape_iterations <= run.passage_iterations[0]))
    assert np.all(run.escape_basins == 1)


@pytest.mark.parametrize("noise,batch", [(None, 1), (None, 2), ("gaussian", 1), ("two-point", 1), ("gaussian", 2)])
def test_one_step_mean_and_variance(noise, batch):
    # After one step from x0: mean x0 - eta L'(x0), variance eta^2 Sigma(x0) / B, for every noise model.
    c = construction("f4")
    x0, eta, n = -3.0, 0.1, 200_000
    run = simulate_sgd(c, eta, 1, n, x0, noise=noise, batch_size=batch, rng=5)
    x1 = run.final_positions
    g = c.grad(np.array([x0]))[0]
    var = eta ** 2 * c.sigma(np.array([x0]))[0] / batch
    # kurtosis of the step noise: two-point 1, Gaussian 3, two samples with B = 2: 2  -> sd of the sample
    # variance ~ var sqrt((kurt - 1)/n); for two-point noise that vanishes and the O(var/n) term remains
    kurt = {(None, 1): 1.0, (None, 2): 2.0, ("gaussian", 1): 3.0, ("two-point", 1): 1.0, ("gaussian", 2): 3.0}
    assert abs(x1.mean() - (x0 - eta * g)) < 5 * math.sqrt(var / n)
    assert abs(x1.var() - var) <= 5 * var * math.sqrt((kurt[(noise, batch)] - 1) / n) + 20 * var / n
    if noise == "gaussian":
        # the kernel's noise itself: the standardised step is N(0, 1) (Kolmogorov-Smirnov, fail if p < 1e-3)
        xi = (x0 - eta * g - x1) / math.sqrt(var)
        assert stats.kstest(xi, "norm").pvalue > 1e-3


def test_reproducible_regardless_of_threads_and_batching():
    c = construction("healthy")
    kwargs = dict(record_at=[0, 50, 500], bins=30, rng=42)
    r1 = simulate_sgd(c, 0.1, 500, 3000, "A", parallel=True, **kwargs)
    r2 = simulate_sgd(c, 0.1, 500, 3000, "A", parallel=False, progress=True, **kwargs)
    np.testing.assert_array_equal(r1.final_positions, r2.final_positions)
    np.testing.assert_array_equal(r1.counts, r2.counts)
    np.testing.assert_array_equal(r1.escape_iterations, r2.escape_iterations)
    np.testing.assert_array_equal(r1.occupancy, r2.occupancy)
    r3 = simulate_sgd(c, 0.1, 500, 3000, "A", parallel=True, record_at=[500], bins=30, rng=43)
    assert not np.array_equal(r1.final_positions, r3.final_positions)
    # bookkeeping: every walker is counted exactly once per record
    assert np.all(r1.counts.sum(axis=1) + r1.underflow + r1.overflow + r1.diverged_by + r1.stopped_by == 3000)
    assert np.all(r1.occupancy.sum(axis=1) == 3000)
    assert r1.occupancy[0, 0] == 3000 and "SGD ensemble" in r1.summary()


@numba.njit
def _user_quadratic(x, i, params):
    return params[i] * x


def test_user_numba_function_matches_builtin():
    f2 = construction("f2")
    user = SampleGradients(_user_quadratic, np.array([18.0, 2.0]), n=2)
    kwargs = dict(bins=np.linspace(-1, 1, 11), rng=9, divergence_bound=1e250)
    builtin = simulate_sgd(f2, 0.12, 300, 64, 0.5, **kwargs)
    mine = simulate_sgd(user, 0.12, 300, 64, 0.5, parallel=False, batch_size=1, **kwargs)
    np.testing.assert_array_equal(builtin.final_positions, mine.final_positions)
    assert builtin.method == mine.method == "numba"
    assert "built-in model 'quadratic'" in builtin.source and "_user_quadratic" in mine.source


def _plain_python(x, i, params):
    return x


@numba.njit
def _uncompilable(x, i, params):
    return x.no_such_attribute


def test_bad_input():
    c = construction("f4")
    with pytest.raises(ValueError, match="n_iterations"):
        simulate_sgd(c, 0.1, 0, 10, "A")
    with pytest.raises(ValueError, match="eta"):
        simulate_sgd(c, -0.1, 10, 10, "A")
    with pytest.raises(ValueError, match="batch_size"):
        simulate_sgd(c, 0.1, 10, 10, "A", batch_size=3)
    with pytest.raises(ValueError, match="n_walkers"):
        simulate_sgd(c, 0.1, 10, 0, "A")
    with pytest.raises(ValueError, match="noise"):
        simulate_sgd(c, 0.1, 10, 10, "A", noise="laplace")
    with pytest.raises(ValueError, match="init"):
        simulate_sgd(c, 0.1, 10, 10, "C")
    with pytest.raises(ValueError, match="record_at"):
        simulate_sgd(c, 0.1, 10, 10, "A", record_at=[11])
    with pytest.raises(TypeError, match="numba.njit"):
        simulate_sgd(SampleGradients(_plain_python, np.zeros(1), n=2), 0.1, 10, 10, 0.0, batch_size=1)
    with pytest.raises(TypeError, match="numba could not compile"):
        simulate_sgd(SampleGradients(_uncompilable, np.zeros(1), n=2), 0.1, 10, 10, 0.0, batch_size=1)
    with pytest.raises(ValueError, match=r"`batch_size` is needed .* bare SampleGradients carry none"):
        simulate_sgd(SampleGradients(_user_quadratic, np.ones(2), n=2), 0.1, 10, 10, 0.0)


@numba.njit
def _singular_at_zero(x, i, params):
    return x - params[i] / x          # l_i' for l_i = x^2/2 - p_i log x, defined on x > 0 only


def test_user_gradient_is_only_evaluated_where_walkers_are():
    # 5 walkers fill a block of lanes only partly; idle lanes must not evaluate the gradient at x = 0
    user = SampleGradients(_singular_at_zero, np.array([0.5, 1.5]), n=2)
    res = simulate_sgd(user, 0.01, 200, 5, 1.2, parallel=False, bins=np.linspace(0.5, 2.0, 16), basin_edges=[],
                       divergence_bound=10.0, batch_size=1, rng=0)
    assert np.all(np.isfinite(res.final_positions)) and np.all(res.divergence_iterations == -1)
    # the walkers fluctuate around the minimiser of L = x^2/2 - log x, x* = 1
    assert np.all(np.abs(res.final_positions - 1.0) < 0.2)
