"""simulate_sgd on any landscape, from the user's side: a plain Landscape (Gaussian and two-point noise), a
finite-sum landscape from Landscape.from_samples (real minibatches), numba and numpy routes, learning-rate
schedules, rng, and bad input.

Statistical tests compare against exact values: the Fokker-Planck stationary mass of every bin
(``stationary_mass``, converged quadrature of the closed form), and for linear per-sample gradients the exact
moments of SGD's own invariant law (a random linear recursion, solved below)."""

import itertools
import math
import warnings
from math import comb

import numpy as np
import pytest
from scipy import stats

from fpesolve import Landscape, PerformanceWarning, SampleGradients, simulate_sgd, stationary_mass
from fpesolve.sgd import LearningRateSchedule
from fpesolve.sgd.sampling import stationary_cdf

B_LOW = 0.05   # barrier of the low double well below


def low_double_well() -> Landscape:
    r"""A plain landscape (only L' and Sigma): :math:`L = b(x^2-1)^2`, b = 0.05 (H = 8b = 0.4 at the minima),
    multiplicative noise :math:`\Sigma = 1 + \tanh(2x)/2` (0.52 in the left well, 1.48 in the right one)."""
    return Landscape(grad=lambda x: 4.0 * B_LOW * x * (x * x - 1.0), sigma=lambda x: 1.0 + 0.5 * np.tanh(2.0 * x),
                     domain=(-3.0, 3.0), name="low double well")


H_SAMPLES = np.array([0.5, 1.5, 1.0, 1.0])
C_SAMPLES = np.array([-1.0, 1.0, 0.5, -0.5])


def quadratic_samples(replacement: bool = True, batch_size: int = 2) -> Landscape:
    r"""Four per-sample quadratics :math:`\ell_i = h_i (x - c_i)^2 / 2`: L' = x - 1/4 (H = 1) and a Sigma that is
    quadratic in x (multiplicative), from the vectorised per-sample gradients only."""
    h, c = H_SAMPLES[:, None], C_SAMPLES[:, None]
    return Landscape.from_samples(lambda x: 0.5 * h * (x[None, :] - c) ** 2, lambda x: h * (x[None, :] - c),
                                  (-3.0, 3.0), batch_size=batch_size, replacement=replacement, name="four quadratics")


def equal_mass_edges(landscape, eta, n_bins):
    """Bin edges of about equal stationary probability (placement only; the test uses exact masses)."""
    edges, cdf = stationary_cdf(landscape, eta, 4096)
    inner = np.interp(np.linspace(0.0, 1.0, n_bins + 1)[1:-1], cdf, edges)
    return np.concatenate(([edges[0]], inner, [edges[-1]]))


def chi_square_against_fpe(run, landscape, eta):
    """Pearson chi-square of the last histogram against N times the exact FPE mass of every bin."""
    edges = run.bin_edges
    mass = np.array([stationary_mass(landscape, eta, lo, hi) for lo, hi in zip(edges[:-1], edges[1:])])
    expected = run.n_walkers * mass
    return float(np.sum((run.counts[-1] - expected) ** 2 / expected)), edges.size - 2


# ---------------------------------------------------------------------------------------- against the FPE law
@pytest.mark.parametrize("noise", ["gaussian", "two-point"])
def test_plain_landscape_histogram_matches_fpe_stationary_density(noise):
    # The issue's call on a plain Landscape (only L' and Sigma): 40000 walkers start from the exact FPE law at
    # eta = 0.03 and run 1700 iterations = 20 within-well relaxation times 1/(eta H).
    # Test: Pearson chi-square over 40 bins of about equal stationary probability (1000 expected walkers
    # each), expected counts = 40000 x the exact stationary mass of the bin; fail if p < 1e-3 (chi2 > 72.1,
    # 39 degrees of freedom).  The O(eta) bias of SGD's invariant law adds N * d to chi2; measured with
    # 4e5 walkers, d < 2e-5 at eta = 0.03 for both noises (so < 1 here, far below the spread sqrt(78) = 8.8);
    # at eta = 0.1 the same 4e5-walker run gives d = 1.9e-4 (Gaussian) and 5.9e-4 (two-point): the test
    # detects the bias where it is larger than its statistical error.
    land = low_double_well()
    eta, n_walkers = 0.03, 40_000
    run = simulate_sgd(land, eta, 1700, n_walkers, init="stationary", noise=noise, rng=11,
                       bins=equal_mass_edges(land, eta, 40), record_at=[0, 1700])
    assert run.method == "numba" and "compiled" in run.source and run.batch_size is None
    assert run.underflow[-1] == run.overflow[-1] == 0 and not run.diverged.any()
    chi2, dof = chi_square_against_fpe(run, land, eta)
    assert chi2 < stats.chi2.isf(1e-3, dof), chi2
    # the walkers moved: some crossed the saddle, and inside the left well the final positions no longer
    # remember the initial ones (correlation e^{-20})
    assert np.mean(run.escape_iterations >= 0) > 0.01
    stay = (run.initial_positions < 0) & (run.final_positions < 0)
    assert abs(np.corrcoef(run.initial_positions[stay], run.final_positions[stay])[0, 1]) < 0.03


@pytest.mark.parametrize("noise", ["gaussian", "two-point"])
def test_the_chi_square_test_detects_the_discretisation_bias_at_large_eta(noise):
    # Power of the test above: at eta = 0.2 (20 relaxation times = 250 iterations, 1e5 walkers) SGD's invariant
    # law is visibly not the FPE law (measured chi2 - 39 = 100 for Gaussian, 240 for two-point noise).
    land = low_double_well()
    eta = 0.2
    run = simulate_sgd(land, eta, 250, 100_000, init="stationary", noise=noise, rng=11,
                       bins=equal_mass_edges(land, eta, 40))
    chi2, dof = chi_square_against_fpe(run, land, eta)
    assert chi2 > stats.chi2.isf(1e-3, dof), chi2


def test_from_samples_minibatches_match_fpe_stationary_density():
    # Landscape.from_samples with B = 2 drawn with replacement: real minibatches from the per-sample gradients,
    # 20000 walkers from a point (x0 = 1.5) for 4000 iterations = 20 relaxation times 1/(eta H) at eta = 0.005.
    # Test: chi-square over 40 bins of equal FPE mass, fail if p < 1e-3.  Minibatch noise drawn with
    # replacement is skewed, so SGD's invariant law differs from the FPE law by O(sqrt(eta)) in skewness
    # (measured with 4e5 walkers and the exact recursion of test_minibatch_invariant_law_exact_moments:
    # skewness -0.020 against the FPE's -0.041 at eta = 0.005), adding about N * S^2/6 = 0.015 eta N = 1.5 to
    # chi2 here: below its statistical spread 8.8; at eta = 0.05 it adds 22 (4e5-walker runs: 1e-4 eta N).
    land = quadratic_samples(replacement=True)
    eta, n_walkers = 0.005, 20_000
    run = simulate_sgd(land, eta, 4000, n_walkers, 1.5, rng=5, bins=equal_mass_edges(land, eta, 40))
    assert run.noise == "samples" and run.batch_size == 2 and run.method == "numba"
    assert "with replacement" in run.source
    chi2, dof = chi_square_against_fpe(run, land, eta)
    assert chi2 < stats.chi2.isf(1e-3, dof), chi2


def _exact_sgd_moments(eta, replacement, batch_size=2):
    """Mean, variance, skewness of the invariant law of x' = (1 - eta A) x + eta b (A, b the minibatch means of
    h_i and h_i c_i): raw moments m_k (1 - E R^k) = sum_{j<k} C(k, j) E[R^j b^(k-j)] m_j."""
    n = H_SAMPLES.size
    batches = (itertools.product(range(n), repeat=batch_size) if replacement
               else itertools.permutations(range(n), batch_size))
    A, b = zip(*[(H_SAMPLES[list(z)].mean(), (H_SAMPLES * C_SAMPLES)[list(z)].mean()) for z in batches])
    R, b = 1.0 - eta * np.array(A), eta * np.array(b)
    m = [1.0]
    for k in (1, 2, 3):
        m.append(sum(comb(k, j) * np.mean(R ** j * b ** (k - j)) * m[j] for j in range(k)) / (1.0 - np.mean(R ** k)))
    var = m[2] - m[1] ** 2
    return m[1], var, (m[3] - 3 * m[1] * m[2] + 2 * m[1] ** 3) / var ** 1.5


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("method", ["numba", "numpy"])
def test_minibatch_invariant_law_exact_moments(replacement, method):
    # SGD on linear per-sample gradients is a random linear recursion whose invariant law has exactly known
    # moments at any eta (no diffusion approximation): this checks the minibatch sampling itself (i.i.d.
    # indices, or uniform 2-subsets of 4 without replacement) on both routes.  eta = 0.05, 400 iterations from
    # x0 = 1.5 (the mean relaxes as 0.95^400 = 1e-9).  Tolerance 5 standard errors of each sample statistic.
    land = quadratic_samples(replacement=replacement)
    eta, n = 0.05, 50_000
    run = simulate_sgd(land, eta, 400, n, 1.5, rng=21, method=method)
    assert run.method == method
    mean, var, skew = _exact_sgd_moments(eta, replacement)
    x = run.final_positions
    d = x - x.mean()
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n)
    assert abs(x.var() - var) < 5 * math.sqrt((np.mean(d ** 4) - x.var() ** 2) / n)
    assert abs(stats.skew(x) - skew) < 5 * math.sqrt(6.0 / n)


@pytest.mark.parametrize("noise", ["gaussian", "two-point"])
def test_ou_with_scalar_sigma_has_the_exact_sgd_variance(noise):
    # A landscape written the shortest way (sigma returns a number) compiles too.  On L = x^2 (H = 2) with
    # constant Sigma, SGD is x' = (1 - 2 eta) x - eta sqrt(Sigma) xi for either noise, whose invariant variance
    # is exactly eta^2 Sigma / (1 - (1 - 2 eta)^2); 300 iterations from 0 leave (0.8)^600 of the gap.
    # Tolerance: 5 standard errors of the sample variance of 40000 walkers.
    land = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: 0.25, domain=(-3.0, 3.0), name="OU, scalar sigma")
    eta, n = 0.1, 40_000
    run = simulate_sgd(land, eta, 300, n, 0.0, noise=noise, rng=4)
    assert run.method == "numba"
    var = eta ** 2 * 0.25 / (1.0 - (1.0 - 2.0 * eta) ** 2)
    x = run.final_positions
    assert abs(x.var() - var) < 5 * math.sqrt((np.mean((x - x.mean()) ** 4) - x.var() ** 2) / n)


def test_numpy_path_equals_numba_path_in_distribution():
    # Gaussian noise on the plain double well, the numpy stepper against the numba kernel: two-sample
    # Kolmogorov-Smirnov on the final positions (20000 walkers each, fail if p < 1e-3), and both against the
    # FPE law by the chi-square test above (20 bins, 1000 walkers each).
    land = low_double_well()
    eta, n = 0.03, 20_000
    kw = dict(noise="gaussian", bins=equal_mass_edges(land, eta, 20))
    fast = simulate_sgd(land, eta, 1700, n, "stationary", rng=1, **kw)
    slow = simulate_sgd(land, eta, 1700, n, "stationary", rng=2, method="numpy", **kw)
    assert (fast.method, slow.method) == ("numba", "numpy")
    assert stats.ks_2samp(fast.final_positions, slow.final_positions).pvalue > 1e-3
    for run in (fast, slow):
        chi2, dof = chi_square_against_fpe(run, land, eta)
        assert chi2 < stats.chi2.isf(1e-3, dof), (run.method, chi2)


def test_uncompilable_landscape_falls_back_to_numpy_with_a_warning():
    from scipy.special import erf   # numba cannot compile scipy.special inside a user's callable
    land = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: 1.0 + 0.5 * erf(x), domain=(-3.0, 3.0), name="erf")
    with pytest.warns(PerformanceWarning, match="numba cannot run .*stepping the walkers with numpy"):
        run = simulate_sgd(land, 0.05, 50, 200, 0.0, noise="two-point", rng=0)
    assert run.method == "numpy" and np.isfinite(run.final_positions).all()
    with warnings.catch_warnings():                       # chosen explicitly: no warning
        warnings.simplefilter("error", PerformanceWarning)
        assert simulate_sgd(land, 0.05, 50, 200, 0.0, noise="two-point", rng=0, method="numpy").method == "numpy"
    with pytest.raises(TypeError, match="method='numba'"):
        simulate_sgd(land, 0.05, 50, 200, 0.0, noise="two-point", method="numba")


def test_label_noise_landscape_uses_its_own_sigma():
    # from_model with label noise: Sigma includes the label-noise variance, which the per-sample gradients do
    # not carry, so Gaussian noise must come from the landscape's Sigma (here through numpy).  One step from
    # x0: the step's variance is eta^2 Sigma(x0) (10 standard errors of the variance of 40000 Gaussian steps).
    land = Landscape.from_model(lambda x: np.vstack((x, 2 * x)), lambda x: np.vstack((np.ones_like(x),
                                2 * np.ones_like(x))), [1.0, 1.0], (-3.0, 3.0), label_noise_std=0.7, batch_size=1)
    with pytest.warns(PerformanceWarning):
        run = simulate_sgd(land, 0.1, 1, 40_000, 0.3, noise="gaussian", rng=3)
    var = 0.1 ** 2 * land.sigma(np.array([0.3]))[0]
    assert abs(run.final_positions.var() / var - 1.0) < 10 * math.sqrt(2 / 40_000)


# ---------------------------------------------------------------------------------------- learning rates
class _ConstantSchedule:
    """A schedule object as fpesolve.core.schedules.Schedule: a method etas(n_iterations)."""

    def __init__(self, eta):
        self.eta = eta

    def etas(self, n_iterations):
        return np.full(n_iterations, self.eta)


@pytest.mark.parametrize("method", ["numba", "numpy"])
def test_constant_schedule_equals_float_rate_bitwise(method):
    land = low_double_well()
    kw = dict(noise="gaussian", rng=7, record_at=[0, 100, 300], bins=30, method=method)
    ref = simulate_sgd(land, 0.05, 300, 100, -1.0, **kw)
    assert isinstance(_ConstantSchedule(0.05), LearningRateSchedule)
    for eta in (np.full(300, 0.05), _ConstantSchedule(0.05)):
        run = simulate_sgd(land, eta, 300, 100, -1.0, **kw)
        np.testing.assert_array_equal(run.final_positions, ref.final_positions)
        np.testing.assert_array_equal(run.counts, ref.counts)
        np.testing.assert_array_equal(run.escape_iterations, ref.escape_iterations)
        assert run.eta.shape == (300,) and "schedule" in run.summary()


def test_constant_schedule_equals_float_rate_bitwise_on_a_construction():
    from fpesolve.failure_modes.constructions import construction
    c = construction("f4")
    a = simulate_sgd(c, 0.2, 200, 64, "A", rng=3)
    b = simulate_sgd(c, _ConstantSchedule(0.2), 200, 64, "A", rng=3)
    np.testing.assert_array_equal(a.final_positions, b.final_positions)


@pytest.mark.parametrize("method", ["numba", "numpy"])
def test_schedule_rate_k_is_used_for_step_k(method):
    # Without noise (Sigma = 0) SGD on L = x^2 is deterministic: x_{k+1} = x_k - eta_k (2 x_k), the same
    # floating-point operations as a Python loop, so the run must equal it exactly.
    land = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.zeros_like(x), domain=(-2.0, 2.0), name="no noise")
    etas = np.random.default_rng(0).uniform(0.01, 0.4, 50)
    run = simulate_sgd(land, etas, 50, 3, np.array([-1.0, 0.5, 1.5]), noise="gaussian", rng=0, method=method)
    x = np.array([-1.0, 0.5, 1.5])
    for eta in etas:
        x = x - eta * (2.0 * x)
    np.testing.assert_array_equal(run.final_positions, x)


def test_bad_learning_rates():
    land = low_double_well()
    with pytest.raises(ValueError, match=r"shape \(n_iterations,\) = \(10,\)"):
        simulate_sgd(land, np.full(9, 0.1), 10, 5, 0.0, noise="gaussian")
    with pytest.raises(ValueError, match="entry 3 is 0.0"):
        simulate_sgd(land, np.array([0.1, 0.1, 0.1, 0.0]), 4, 5, 0.0, noise="gaussian")
    with pytest.raises(ValueError, match="eta"):
        simulate_sgd(land, lambda k: -0.1 * np.ones_like(k), 10, 5, 0.0, noise="gaussian")
    with pytest.raises(ValueError, match="eta"):
        simulate_sgd(land, -0.1, 10, 5, 0.0, noise="gaussian")


# ---------------------------------------------------------------------------------------- rng and renamed keywords
def test_rng_as_in_spec7():
    land = low_double_well()
    kw = dict(noise="two-point")
    a = simulate_sgd(land, 0.05, 100, 64, -1.0, rng=5, **kw)
    b = simulate_sgd(land, 0.05, 100, 64, -1.0, rng=5, **kw)
    np.testing.assert_array_equal(a.final_positions, b.final_positions)
    assert a.seed == 5
    g = simulate_sgd(land, 0.05, 100, 64, -1.0, rng=np.random.default_rng(1), **kw)
    again = simulate_sgd(land, 0.05, 100, 64, -1.0, rng=g.seed, **kw)          # the seed repeats the run
    np.testing.assert_array_equal(g.final_positions, again.final_positions)
    fresh = [simulate_sgd(land, 0.05, 100, 64, -1.0, **kw).final_positions for _ in range(2)]
    assert not np.array_equal(*fresh)
    with pytest.warns(FutureWarning, match="`seed` was renamed `rng`"):
        old = simulate_sgd(land, 0.05, 100, 64, -1.0, seed=5, **kw)
    np.testing.assert_array_equal(old.final_positions, a.final_positions)
    with pytest.warns(FutureWarning, match="`n_steps` was renamed `n_iterations`"):
        old = simulate_sgd(land, 0.05, n_steps=100, n_walkers=64, init=-1.0, rng=5, **kw)
    np.testing.assert_array_equal(old.final_positions, a.final_positions)
    with pytest.warns(FutureWarning, match="n_iterations"):
        assert old.n_steps == 100
    with pytest.raises(TypeError, match="rng"):
        simulate_sgd(land, 0.05, 100, 64, -1.0, rng="seven", **kw)


# ---------------------------------------------------------------------------------------- bad input, from the user's side
def test_bad_input_on_any_landscape():
    land = low_double_well()
    with pytest.raises(ValueError, match=r"\['gaussian', 'samples', 'two-point'\]"):
        simulate_sgd(land, 0.1, 10, 5, 0.0, noise="laplace")
    with pytest.raises(ValueError, match=r"`method`.*\['numba', 'numpy'\]"):
        simulate_sgd(land, 0.1, 10, 5, 0.0, noise="gaussian", method="cuda")
    with pytest.raises(ValueError, match="`noise` must be given .*'gaussian' or 'two-point'"):
        simulate_sgd(land, 0.1, 10, 5, 0.0)
    with pytest.raises(ValueError, match="`noise='samples'` needs per-sample gradients.*from_samples"):
        simulate_sgd(land, 0.1, 10, 5, 0.0, noise="samples")
    with pytest.raises(ValueError, match="`batch_size` = 4 does not apply.*already divided"):
        simulate_sgd(land, 0.1, 10, 5, 0.0, noise="gaussian", batch_size=4)
    with pytest.raises(ValueError, match="init"):
        simulate_sgd(land, 0.1, 10, 5, "A", noise="gaussian")
    finite_sum = quadratic_samples()
    with pytest.raises(ValueError, match="`batch_size` = 5 exceeds the number of samples n = 4"):
        simulate_sgd(finite_sum, 0.1, 10, 5, 0.0, batch_size=5)
    with pytest.raises(ValueError, match="`batch_size` = 1 does not apply"):
        simulate_sgd(finite_sum, 0.1, 10, 5, 0.0, noise="gaussian", batch_size=1)
    with pytest.raises(TypeError, match="`target` must be a Landscape"):
        simulate_sgd(lambda x: x, 0.1, 10, 5, 0.0)


@pytest.mark.parametrize("method", ["numba", "numpy"])
def test_negative_sigma_where_walkers_go_raises(method):
    # Sigma < 0 for x > 1: the walkers drift there (L' = x - 2); the run stops and says where and when.
    land = Landscape(grad=lambda x: x - 2.0, sigma=lambda x: 1.0 - x, domain=(-3.0, 3.0), name="bad sigma")
    with pytest.raises(ValueError, match=r"`Sigma` = -[0-9.e-]+ at x = 1\.[0-9]+ \(reached by a walker at iteration"):
        simulate_sgd(land, 0.1, 100, 40, 0.0, noise="gaussian", rng=0, method=method)


def test_user_function_raising_inside_the_kernel_is_reported():
    def grad(x):
        if np.any(x > 1.0):
            raise ValueError("grad is only defined for x <= 1")
        return x - 2.0

    land = Landscape(grad=grad, sigma=lambda x: np.ones_like(x), domain=(-3.0, 1.0), name="partial")
    with pytest.raises(RuntimeError, match="raised ValueError .* grad is only defined for x <= 1"):
        simulate_sgd(land, 0.1, 200, 40, 0.0, noise="gaussian", rng=0, method="numba")


def test_method_numpy_needs_a_landscape():
    import numba

    @numba.njit
    def g(x, i, p):
        return x

    with pytest.raises(ValueError, match="method='numpy'"):
        simulate_sgd(SampleGradients(g, np.zeros(1), n=2), 0.1, 10, 5, 0.0, batch_size=1, method="numpy")


# ---------------------------------------------------------------------------------------- the result
def test_result_displays_and_serialises():
    land = low_double_well()
    run = simulate_sgd(land, 0.05, 100, 64, -1.0, noise="gaussian", rng=1, record_at=[0, 50, 100], bins=10)
    assert "\n" not in repr(run) and repr(run).startswith("SGDEnsemble(method='numba'")
    assert "method 'numba'" in run.summary() and str(run) == run.summary()
    headers, rows = run.table()
    assert headers[:2] == ["iteration", "in bins"] and [r[0] for r in rows] == [0, 50, 100]
    assert all(sum(r[1:4]) + r[4] + r[5] == 64 for r in rows)
    assert "<table>" in run._repr_html_()
    data = run.to_dict()
    assert data["method"] == "numba" and data["n_iterations"] == 100 and len(data["final_positions"]) == 64
    run.to_json()
    assert not run.final_positions.flags.writeable
