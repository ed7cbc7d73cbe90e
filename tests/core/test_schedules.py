"""Learning-rate schedules: the per-iteration rates and the iterations <-> time map (against direct sums), the
Fokker–Planck equation under a schedule (against fixed-rate runs, exact piecewise composition and per-iteration
propagation), and escape probabilities against the exact Ornstein–Uhlenbeck first-passage law."""

import math

import numpy as np
import pytest
from scipy.special import erfc

from fpesolve import FokkerPlanck, Grid, Landscape
from fpesolve.core import schedules
from fpesolve.core.scheduled import EscapeProbability, escape_probability
from tests.landscapes import double_well


# ---------------------------------------------------------------------------------------------- schedules
def test_constructors_give_the_documented_rates():
    k = np.arange(12, dtype=float)
    np.testing.assert_array_equal(schedules.constant(0.1).etas(12), np.full(12, 0.1))
    np.testing.assert_allclose(schedules.warmup(0.2, 5).etas(12), 0.2 * np.minimum(k + 1, 5) / 5, rtol=1e-15)
    np.testing.assert_allclose(schedules.step_decay(0.1, 4, 0.5).etas(12), 0.1 * 0.5 ** np.floor(k / 4), rtol=1e-15)
    np.testing.assert_allclose(schedules.cosine(0.3, 10, 0.01).etas(12),
                               0.01 + 0.29 * 0.5 * (1 + np.cos(np.pi * np.minimum(k, 10) / 10)), rtol=1e-15)
    tri = schedules.cyclical(0.01, 0.05, 3).etas(12)
    np.testing.assert_allclose(tri, [0.01, 0.01 + 0.04 / 3, 0.01 + 0.08 / 3, 0.05, 0.01 + 0.08 / 3, 0.01 + 0.04 / 3,
                                     0.01, 0.01 + 0.04 / 3, 0.01 + 0.08 / 3, 0.05, 0.01 + 0.08 / 3, 0.01 + 0.04 / 3],
                               rtol=1e-14)
    pw = schedules.piecewise_constant([3, 7], [0.3, 0.2, 0.1]).etas(9)
    np.testing.assert_array_equal(pw, [0.3, 0.3, 0.3, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1])
    # any callable of the iteration, vectorised or not
    vec = schedules.from_function(lambda j: 0.1 / (1.0 + j))
    loop = schedules.from_function(lambda j: 0.1 / (1.0 + float(j)) if np.ndim(j) == 0 else [][0])
    np.testing.assert_allclose(vec.etas(12), 0.1 / (1 + k), rtol=1e-15)
    np.testing.assert_allclose(loop.etas(12), 0.1 / (1 + k), rtol=1e-15)
    # integer-only callables: the continuous form interpolates between iterations
    stair = schedules.from_function(lambda j: 0.1 * 0.5 ** (np.asarray(j) // 3))
    assert stair.rate(2.5) == pytest.approx(0.5 * (0.1 + 0.05))


@pytest.mark.parametrize("schedule", [schedules.constant(0.05), schedules.warmup(0.1, 1000),
                                      schedules.step_decay(0.1, 3000, 0.3), schedules.cosine(0.2, 20000, 0.001),
                                      schedules.cyclical(0.01, 0.1, 777),
                                      schedules.from_function(lambda j: 0.1 / np.sqrt(1.0 + j))])
def test_time_map_is_the_sum_of_the_rates_and_its_inverse(schedule):
    n = 20000
    etas = schedule.etas(n)
    t = np.concatenate(([0.0], np.cumsum(etas)))
    ks = np.array([0, 1, 2, 17, 4095, 4096, 4097, 12345, 20000])
    # against correctly rounded sums (math.fsum); np.cumsum itself drifts by ~3e-13 relative over 2e4 terms
    exact = np.array([math.fsum(etas[:k]) for k in ks])
    np.testing.assert_allclose(schedule.time_of(ks), exact, rtol=4 * np.finfo(float).eps, atol=0)
    # inside an iteration time runs linearly at rate eta_k
    np.testing.assert_allclose(schedule.time_of(17.25), t[17] + 0.25 * etas[17], rtol=1e-14)
    np.testing.assert_allclose(schedule.iteration_at(exact), ks, rtol=1e-13, atol=1e-10)
    mid = 0.5 * (exact[7] + math.fsum(etas[:12346]))
    assert schedule.iteration_at(mid) == pytest.approx(12345.5, abs=1e-8)
    assert schedule.eta_at_time(mid) == pytest.approx(etas[12345], rel=1e-15)


def test_schedule_input_errors_name_the_parameter():
    with pytest.raises(ValueError, match="`eta`"):
        schedules.constant(0.0)
    with pytest.raises(ValueError, match="`eta_min`"):
        schedules.cosine(0.1, 10, eta_min=0.2)
    with pytest.raises(ValueError, match="`eta_max`"):
        schedules.cyclical(0.1, 0.05, 10)
    with pytest.raises(ValueError, match="`milestones`"):
        schedules.piecewise_constant([5, 3], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="`etas`"):
        schedules.piecewise_constant([5], [0.1])
    with pytest.raises(TypeError, match="`func`"):
        schedules.from_function(0.1)
    bad = schedules.from_function(lambda j: 0.1 - 0.01 * np.asarray(j))
    with pytest.raises(ValueError, match="iteration 11"):
        bad.etas(20)
    # a bare callable is a schedule of the iteration (the glossary: a schedule is passed as `eta`)
    np.testing.assert_allclose(schedules.as_schedule(lambda j: 0.1 / (1 + np.asarray(j))).etas(3), [0.1, 0.05, 0.1 / 3])
    with pytest.raises(TypeError, match="`eta`"):
        schedules.as_schedule("fast")


# ---------------------------------------------------------------------------------------------- FPE under schedules
def _fp(n=200, boundary="reflecting"):
    return FokkerPlanck(double_well(), 0.3, n, boundary=boundary)


@pytest.mark.parametrize("boundary", ["reflecting", ("reflecting", "absorbing")])
def test_constant_schedule_is_the_fixed_rate_evolution(boundary):
    fp = _fp(boundary=boundary)
    eta = 0.05
    fixed = FokkerPlanck(double_well(), eta, fp.grid, boundary=boundary)
    iterations = [10, 100, 400]
    exact = fixed.evolve(fixed.point_mass(-1.0), eta * np.array(iterations, dtype=float))
    # piecewise constant: the contour, exactly
    a = fp.evolve_schedule(schedules.constant(eta), fp.point_mass(-1.0), iterations)
    np.testing.assert_allclose(a.times, exact.times, rtol=1e-15)
    np.testing.assert_allclose(a.iterations, iterations)
    assert np.all(np.abs(a.densities - exact.densities) @ fp.grid.widths < 1e-12)
    np.testing.assert_allclose(a.absorbed, exact.absorbed, atol=1e-12)
    # the same rate through the smooth-schedule path (cosine with eta_min = eta_max): TR-BDF2 in iterations,
    # within its own error estimate
    b = fp.evolve_schedule(schedules.cosine(eta, 1000, eta), fp.point_mass(-1.0), iterations, rtol=1e-9)
    assert b.method.startswith("TR-BDF2")
    err = np.abs(b.densities - exact.densities) @ fp.grid.widths
    assert np.all(err <= b.error + exact.error), (err, b.error)
    assert b.densities.min() >= 0 and np.all(np.abs(b.masses + b.absorbed - 1) < 1e-12)


def test_step_decay_is_the_composition_of_constant_pieces():
    fp = _fp()
    sched = schedules.step_decay(0.2, 50, 0.25, n_steps=2)  # 0.2 for 50 iterations, 0.05 for 50, then 0.0125
    out = fp.evolve_schedule(sched, fp.point_mass(1.2), [30, 50, 120, 160])
    assert "3 constant pieces" in out.method
    m = fp.point_mass(1.2)
    states = []
    for eta, length in ((0.2, 30), (0.2, 20), (0.05, 50), (0.0125, 20), (0.0125, 40)):
        piece = FokkerPlanck(double_well(), eta, fp.grid)
        m = piece.evolve(m, [eta * length]).densities[-1]
        states.append(m)
    for k, j in enumerate((0, 1, 3, 4)):
        assert np.abs(out.densities[k] - states[j]) @ fp.grid.widths < 1e-12
    np.testing.assert_allclose(out.times, sched.time_of([30, 50, 120, 160]), rtol=1e-15)


def test_smooth_schedule_approaches_holding_each_rate_for_its_iteration_at_second_order():
    """A cosine schedule against the exact per-iteration propagation (every iteration a constant piece,
    piecewise_constant).  The solver's rate eta(s - 1/2) averages to eta_k over iteration k, so the two differ at
    second order in the per-iteration change of eta (measured: 3.8e-4, 1.3e-4, 3.6e-5 for 60, 120, 240
    iterations); the unshifted eta(s) lags half an iteration, a first-order difference (1.1e-2, 6e-3, 3e-3)."""
    fp = _fp(120)
    diffs, lags = [], []
    for n in (60, 120, 240):
        smooth = schedules.cosine(0.4, n, 0.02)
        held = schedules.piecewise_constant(list(range(1, n)), smooth.etas(n))
        unshifted = schedules.from_function(lambda s, sm=smooth: sm.rate(np.asarray(s) + 0.5), continuous=True,
                                            breakpoints=(n - 0.5,))
        b = fp.evolve_schedule(held, fp.point_mass(-1.0), [n])
        a = fp.evolve_schedule(smooth, fp.point_mass(-1.0), [n], rtol=1e-10, atol=1e-14)
        c = fp.evolve_schedule(unshifted, fp.point_mass(-1.0), [n], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(a.times, b.times, rtol=1e-14)
        diffs.append(float(np.abs(a.densities[-1] - b.densities[-1]) @ fp.grid.widths))
        lags.append(float(np.abs(c.densities[-1] - b.densities[-1]) @ fp.grid.widths))
    diffs, lags = np.array(diffs), np.array(lags)
    assert np.all(diffs[:-1] / diffs[1:] > 2.8), diffs      # ~4: second order
    assert np.all(lags[:-1] / lags[1:] < 2.5), lags         # ~2: first order
    assert np.all(diffs < 0.1 * lags)


# ---------------------------------------------------------------------------------------------- escape
def _ou(stiffness=0.5):
    return Landscape(grad=lambda x: stiffness * x, sigma=lambda x: np.ones_like(x), domain=(-6.0, 6.0),
                     hess=lambda x: np.full_like(x, stiffness), name="OU")


def _exact_ou_escape(stiffness, x0, etas):
    """P(hit 0 by the end) for OU from x0 > 0 with per-iteration rates: by the method of images the killed
    density is G(x | x0) - G(x | -x0) with the free Gaussian G (mean x0 e^{-k t}, variance v), so
    P = erfc(mean / sqrt(2 v)); each iteration of length eta_j multiplies the mean by e^{-k eta_j} and maps
    v -> v e^{-2 k eta_j} + eta_j (1 - e^{-2 k eta_j}) / (2k)."""
    mean, var = x0, 0.0
    for eta in etas:
        decay = math.exp(-2.0 * stiffness * eta)
        mean *= math.exp(-stiffness * eta)
        var = var * decay + eta * (1.0 - decay) / (2.0 * stiffness)
    return float(erfc(mean / math.sqrt(2.0 * var)))


@pytest.mark.parametrize("schedule", [schedules.constant(0.05), schedules.cosine(0.1, 100, 0.01),
                                      schedules.warmup(0.08, 30), schedules.step_decay(0.1, 40, 0.5, 2)])
def test_escape_probability_against_exact_ou_first_passage(schedule):
    k, x0 = 0.5, 1.0
    horizons = [10, 40, 100]
    r = escape_probability(_ou(k), schedule, x0, 0.0, horizons, n_cells=400)
    assert isinstance(r, EscapeProbability)
    exact = [_exact_ou_escape(k, x0, schedule.etas(h)) for h in horizons]
    assert 0.05 < exact[-1] < 0.95
    # the reported error (time + a third of the N vs 2N difference: second order) covers the actual error; the
    # reflecting end at 6 changes P by less than exp(-k 36 / eta_max) ~ 1e-70
    assert abs(r.probability - exact[-1]) <= r.error, (r.probability, exact[-1], r.error)
    np.testing.assert_allclose(r.probabilities, exact, atol=3 * r.error)
    assert r.time == pytest.approx(schedule.time_of(100), rel=1e-15)
    # second order: (P_2N - P_N)/2 at h = 6/800 is ~1e-4 here
    assert r.spatial_error < 5e-4 and r.time_error < 1e-4 and "\n" not in repr(r)


def test_escape_probability_inputs():
    land = double_well()
    land.wells.update({"A": -1.0, "B": 1.0})
    r = escape_probability(land, 0.3, "A", 0.0, 50, grid=Grid.uniform(-2.5, 0.0, 300))
    assert 0 < r.probability < 1 and r.spatial_error == 0 and "one grid" in r.message
    with pytest.raises(ValueError, match="not a well"):
        escape_probability(land, 0.3, "C", 0.0, 50)
    with pytest.raises(ValueError, match="equals `start`"):
        escape_probability(land, 0.3, 0.5, 0.5, 50)
    with pytest.raises(ValueError, match="`grid` must span"):
        escape_probability(land, 0.3, -1.0, 0.0, 50, grid=Grid.uniform(-2.5, 0.5, 300))
    with pytest.raises(ValueError, match="`n_iterations`"):
        escape_probability(land, 0.3, -1.0, 0.0, -5)
