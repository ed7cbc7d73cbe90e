"""Mean first-passage times: quadrature vs independent quadrature, grid, backward solve, Monte Carlo, Kramers."""

import math

import numpy as np
import pytest
from scipy import integrate, sparse
from scipy.sparse.linalg import spsolve

from fpesolve.core.convergence import richardson
from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.landscape import Landscape
from fpesolve.core.passage import (basin_probabilities, escape_times, kramers_time, mean_first_passage_time,
                              mfpt_on_grid)
from fpesolve.core.spectrum import spectral_gap


def _sigma(x):
    return 1.0 + 0.3 * np.tanh(x)


def _potential(x):
    return x ** 4 / 4 - x ** 2 / 2


def _well():
    """Double well with L' = Sigma U', U = x^4/4 - x^2/2, so int L'/Sigma = U in closed form."""
    return Landscape(grad=lambda x: _sigma(x) * (x ** 3 - x), sigma=_sigma, domain=(-2.5, 2.5), name="well")


def _f1_landscape():
    """A smooth F1-type double well: loss barrier 100 from both minima, Sigma ~ 1 at A (x ~ -20, H ~ 2)
    and Sigma ~ 8 at B (x ~ 10, H ~ 9): L = 100 (u^2 - 1)^2 with u = x / (15 - 5 tanh(x/5))."""
    def parts(x):
        w = 15.0 - 5.0 * np.tanh(x / 5.0)
        dw = -np.cosh(x / 5.0) ** -2
        return x / w, (w - x * dw) / w ** 2

    def loss(x):
        u, _ = parts(x)
        return 100.0 * (u * u - 1.0) ** 2

    def grad(x):
        u, du = parts(x)
        return 400.0 * u * (u * u - 1.0) * du

    return Landscape(grad=grad, sigma=lambda x: 4.5 + 3.5 * np.tanh(x / 2.0), domain=(-30.0, 18.0), loss=loss,
                     name="F1")


def _reference_mfpt(eta, x0, y1, a=-2.5):
    """T = (2/tau) int_{x0}^{y1} e^{2U(y)/tau} int_a^y e^{-2U(z)/tau} / Sigma(z) dz dy by nested scipy quad."""
    def inner(y):
        return integrate.quad(lambda z: math.exp(-2 * _potential(z) / eta) / _sigma(z), a, y,
                              epsabs=0, epsrel=1e-13, limit=200)[0]

    outer = integrate.quad(lambda y: math.exp(2 * _potential(y) / eta) * inner(y), x0, y1, epsabs=0,
                           epsrel=1e-13, limit=200)[0]
    return 2.0 / eta * outer


def test_quadrature_matches_independent_nested_quad():
    land = _well()
    for eta, x0, y1 in ((0.5, -1.0, 1.0), (0.2, -1.5, 0.3), (0.1, -1.0, 1.0)):
        t = mean_first_passage_time(land, eta, x0, y1)
        assert t.time == pytest.approx(_reference_mfpt(eta, x0, y1), rel=1e-10)
    # the mirror formula (target to the left, reflection at the right end) by symmetry of the formula
    mirrored = Landscape(grad=lambda x: -_sigma(-x) * ((-x) ** 3 - (-x)), sigma=lambda x: _sigma(-x),
                         domain=(-2.5, 2.5))
    assert mean_first_passage_time(land, 0.2, 1.0, -1.0).time == pytest.approx(
        mean_first_passage_time(mirrored, 0.2, -1.0, 1.0).time, rel=1e-12)


def test_grid_mfpt_is_second_order_and_richardson():
    land = _well()
    exact = mean_first_passage_time(land, 0.1, -1.0, 1.0)
    values = [mfpt_on_grid(FokkerPlanck(land, 0.1, n), 1.0).at(-1.0).time for n in (500, 1000, 2000)]
    errors = [abs(v / exact.time - 1) for v in values]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 2) < 0.1), orders
    assert abs(richardson(values[1], values[2]) / exact.time - 1) < 1e-7


def test_grid_mfpt_solves_the_backward_equation():
    # Q^T tau = -1 off the target cell, tau = 0 on it (absorbing target), by a sparse direct solve
    land = _well()
    fp = FokkerPlanck(land, 0.3, 300)
    j = 240
    target = fp.grid.centres[j]
    qt = fp.generator().T.tocsr()
    keep = np.setdiff1d(np.arange(fp.grid.n), [j])
    sol = spsolve(sparse.csc_matrix(qt[keep][:, keep]), -np.ones(keep.size))
    grid = mfpt_on_grid(fp, target)
    assert grid.log_times[j] == -math.inf and grid.times[j] == 0.0
    np.testing.assert_allclose(grid.times[keep], sol, rtol=1e-9)
    assert grid.at(fp.grid.centres[10]).time == pytest.approx(sol[10], rel=1e-9)


def test_monte_carlo_sde_estimate():
    # Euler-Maruyama, Ito: x += -L' dt + sqrt(tau Sigma dt) xi, until x >= 1; reflecting at the ends
    land = _well()
    eta, dt, paths = 0.5, 2e-3, 4000
    exact = mean_first_passage_time(land, eta, -1.0, 1.0).time
    rng = np.random.default_rng(20240501)
    x = np.full(paths, -1.0)
    hit = np.full(paths, np.nan)
    alive = np.arange(paths)
    t = 0.0
    while alive.size and t < 60 * exact:
        xa = x[alive]
        xa = xa - land.grad(xa) * dt + np.sqrt(eta * _sigma(xa) * dt) * rng.standard_normal(alive.size)
        xa = np.where(xa < -2.5, -5.0 - xa, xa)
        t += dt
        done = xa >= 1.0
        hit[alive[done]] = t
        x[alive] = xa
        alive = alive[~done]
    assert alive.size == 0
    mean, se = hit.mean(), hit.std(ddof=1) / math.sqrt(paths)
    # statistical error: 4 standard errors (two-sided p ~ 6e-5; SE ~ 1.6 % of T = 17.4 here); discretisation:
    # discrete monitoring delays the crossing by O(sqrt(dt)) and Euler's weak error is O(dt). Measured with
    # 20000 paths: dt = 4e-3 gives +1.2 % +- 0.65 %, dt = 2e-3 gives -0.25 % +- 0.64 %; 2 % is allowed on top
    assert abs(mean - exact) <= 4 * se + 0.02 * exact, (mean, exact, se)


def test_kramers_approaches_exact_as_tau_shrinks():
    land = _well()
    errors = []
    for eta in (0.1, 0.05, 0.025, 0.0125):
        ex = mean_first_passage_time(land, eta, -1.0, 1.0)
        kr = kramers_time(land, eta, -1.0, 1.0)
        errors.append(abs(ex.log10_time - kr.log10_time) * math.log(10))
    errors = np.array(errors)
    # |ln(T/T_K)| = O(tau): halving tau roughly halves it
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > 1.6) & (ratios < 2.5)), ratios
    assert errors[-1] < 0.02


def test_gap_equals_inverse_escape_times_in_the_continuum():
    # lambda_1 = 1/T_AB + 1/T_BA (1 + O(lambda_1/lambda_2)); here lambda_1 ~ 1e-10, so the identity is exact to
    # far below 1e-6; the grid gap is O(h^2), Richardson over N = 2000, 4000 brings it below 1e-7
    land = _well()
    eta = 0.02
    ab = mean_first_passage_time(land, eta, -1.0, 1.0)
    ba = mean_first_passage_time(land, eta, 1.0, -1.0)
    fp_gap = math.exp(-ab.log_time) + math.exp(-ba.log_time)
    gaps = [spectral_gap(FokkerPlanck(land, eta, n)).value for n in (1000, 2000, 4000)]
    order = math.log2(abs(gaps[0] - gaps[1]) / abs(gaps[1] - gaps[2]))
    assert abs(order - 2) < 0.1
    assert abs(richardson(gaps[1], gaps[2]) / fp_gap - 1) <= 1e-6
    assert fp_gap < 1e-8


def test_escape_times_and_basin_probabilities():
    land = _well()
    eta = 0.1
    esc = escape_times(land, eta)
    assert len(esc.minima) == 2 and len(esc.escapes) == 2
    assert esc.escapes[0].exact.time == pytest.approx(mean_first_passage_time(land, eta, -1.0, 1.0).time,
                                                      rel=1e-9)
    assert esc.basin_probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(basin_probabilities(land, eta), esc.basin_probabilities, rtol=1e-12)
    # the grid with an edge on the saddle x = 0: basin masses are midpoint sums of the exact density, O(h^2)
    pis = [np.exp(FokkerPlanck(land, eta, n).discretization.log_stationary_mass) for n in (400, 800)]
    errs = [abs(p[: p.size // 2].sum() - esc.basin_probabilities[0]) for p in pis]
    assert errs[1] < 1e-4 and errs[0] / errs[1] > 3.5
    assert "Kramers" in esc.summary()
    # detailed balance at basin level: P_A / T_AB ~ P_B / T_BA for metastable wells (Kramers-level accuracy)
    ratio = (esc.basin_probabilities[0] / esc.escapes[0].exact.time) / (
        esc.basin_probabilities[1] / esc.escapes[1].exact.time)
    assert ratio == pytest.approx(1.0, rel=0.1)


def test_f1_regime_is_finite_in_log_space():
    land = _f1_landscape()
    eta = 0.01
    b = [m.x for m in land.minima()]
    t = mean_first_passage_time(land, eta, b[1], b[0])
    kr = kramers_time(land, eta, b[1], b[0])
    assert t.time == math.inf and t.iterations == math.inf
    assert math.isfinite(t.log10_time) and t.log10_time > 1000
    assert t.log10_iterations == pytest.approx(t.log10_time + 2.0, abs=1e-12)
    # Kramers is accurate to O(tau) = 1 % here: log10 within 0.005
    assert abs(t.log10_time - kr.log10_time) < 0.005
    assert "iterations" in t.summary()


def test_bad_input():
    land = _well()
    with pytest.raises(ValueError, match="`start`"):
        mean_first_passage_time(land, 0.1, -3.0, 1.0)
    with pytest.raises(ValueError, match="`target`"):
        mean_first_passage_time(land, 0.1, -1.0, 7.0)
    with pytest.raises(ValueError, match="`eta`"):
        mean_first_passage_time(land, -0.1, -1.0, 1.0)
    with pytest.raises(ValueError, match="downhill"):
        kramers_time(land, 0.1, -1.0, -2.0)
    single = Landscape(grad=lambda x: 2 * x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0), name="bowl")
    with pytest.raises(ValueError, match="at least two minima"):
        escape_times(single, 0.1)
    with pytest.raises(ValueError, match="`target`"):
        mfpt_on_grid(FokkerPlanck(land, 0.1, 50), 3.0)
    with pytest.raises(ValueError, match="reflecting"):
        mfpt_on_grid(FokkerPlanck(land, 0.1, 50, "absorbing"), 1.0)
    assert mean_first_passage_time(land, 0.1, 0.5, 0.5).time == 0.0
