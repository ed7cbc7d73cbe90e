"""Time evolution: positivity and mass at every step size (issue 9 item 1), the exact-in-time contour route
against dense matrix exponentials and the eigen-expansion, error-controlled TR-BDF2, cost guards (issue 9
item 7), the method registry and the result type.  References: scipy.linalg.expm of the dense generator
(small N, moderate t), the Golub–Kahan eigenpairs of core.spectrum (relative accuracy, for long times)."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from fpesolve import AccuracyWarning, ConvergenceError, CostLimitError, FokkerPlanck, Grid
from fpesolve.core.evolve import ALIASES, METHODS, Evolution
from tests.landscapes import double_well, jacobi, ou
from tests.strategies import boundaries, grids_for, landscapes, learning_rates

EPS = np.finfo(float).eps


def issue_problem():
    """The double well of issue 9: L' = x^3 - x, Sigma = 1 + 0.5 tanh(2x) on (-2.5, 2.5), eta = 0.01, 400 cells
    (spectral gap 2.7e-17, so t = 60/gap is 2e18)."""
    return FokkerPlanck(double_well(), 0.01, 400)


def l1(a, b, widths):
    return float(np.abs(np.asarray(a) - np.asarray(b)) @ widths)


def dense_masses(fp, m0, t):
    return expm(fp.generator().toarray() * t) @ m0


def mode_masses(fp, m0, t, k):
    """pi + sum_j c_j e^{-lambda_j t} r_j with the k slowest Golub–Kahan eigenpairs (relative accuracy)."""
    s = fp.spectrum(k, vectors=True)
    pi = np.exp(fp.discretization.log_stationary_mass)
    out = pi.copy()
    nz = m0 != 0
    for j in range(k):
        c = s.observables[j][nz] @ m0[nz]
        out += c * np.exp(-s.rates[j] * t) * s.densities[j] * fp.grid.widths
    return out


# ---------------------------------------------------------------------------------------------- issue 9 item 1
@pytest.mark.filterwarnings("ignore::fpesolve.AccuracyWarning")  # fixed-step TR-BDF2 may report its undershoot
@pytest.mark.parametrize("method,dt_fraction", [("backward-euler", 1e-3), ("backward-euler", 1.0),
                                                ("tr-bdf2", 1e-3), ("tr-bdf2", None), ("contour", None),
                                                (None, None)])
def test_issue_long_implicit_steps_stay_positive_and_reach_the_stationary_state(method, dt_fraction):
    """Was: minimum density -545 (backward Euler) and -18 (TR-BDF2, the 0.1 default dt = t/1000) at t = 60/gap."""
    fp = issue_problem()
    t = 60.0 / fp.spectral_gap().value
    ev = fp.evolve(fp.point_mass(-1.0), [t], method=method, dt=None if dt_fraction is None else t * dt_fraction)
    assert ev.densities.min() >= 0.0
    assert abs(ev.masses[-1] - 1.0) < 1e-12
    # at 60 relaxation times the exact distance to pi is ~e^-60 of the initial one
    tv = 0.5 * l1(ev.densities[-1], fp.stationary(), fp.grid.widths)
    assert tv <= 0.5 * ev.error[-1] + 1e-12


@pytest.mark.parametrize("exponent", [-3, 0, 3, 8, 20, 50, 100, 148, 200, 250, 300])
@pytest.mark.parametrize("make,eta,n", [(double_well, 1.0, 20), (double_well, 0.01, 400), (ou, 0.3, 100),
                                        (jacobi, 1.0, 60)])
def test_backward_euler_is_positive_and_conservative_for_every_step_up_to_1e300(make, eta, n, exponent):
    fp = FokkerPlanck(make(), eta, n)
    x0 = 0.3 if make is not jacobi else 0.05
    dt = 10.0 ** exponent
    ev = fp.evolve(fp.point_mass(x0), [dt], method="backward-euler", dt=dt)
    assert ev.densities.min() >= 0.0
    # every operation of the solve adds non-negative numbers and the step imposes its mass balance: mass to a
    # few ulps
    assert abs(ev.masses[-1] - 1.0) <= 8 * EPS
    if exponent >= 100:
        # one step of (I - dt Q)^{-1} with dt * gap >> 1 is pi up to O(1/(dt gap)) and round-off
        gap = fp.spectral_gap().value
        if dt * gap > 1e20:
            assert l1(ev.densities[-1], fp.stationary(), fp.grid.widths) < 1e-12


def test_backward_euler_zero_division_regression():
    """The 0.1 kernel subtracted c * exit rates in the pivots and hit a zero pivot (bare ZeroDivisionError)
    for this case; the subtraction-free pivots are >= 1/dt > 0."""
    fp = FokkerPlanck(double_well(), 1.0, 20)
    ev = fp.evolve(fp.point_mass(0.3), [1e148], method="backward-euler", dt=1e148)
    assert ev.densities.min() >= 0 and abs(ev.masses[-1] - 1) < 1e-15


@pytest.mark.parametrize("boundary", [("absorbing", "reflecting"), "absorbing"])
def test_backward_euler_mass_balance_with_absorbing_ends(boundary):
    fp = FokkerPlanck(double_well(), 0.3, 100, boundary=boundary)
    for dt in (1e-3, 1.0, 1e10, 1e300):
        ev = fp.evolve(fp.point_mass(-1.2), [0.5 * dt, dt, 3 * dt], method="backward-euler", dt=dt)
        assert ev.densities.min() >= 0
        # mass left + mass absorbed (accumulated from the positive outflow of every step) = 1
        np.testing.assert_allclose(ev.masses + ev.absorbed, 1.0, rtol=0, atol=1e-14)
        assert np.all(np.diff(ev.absorbed) >= 0)


# ---------------------------------------------------------------------------------------------- contour route
@pytest.mark.parametrize("boundary", ["reflecting", "absorbing", ("reflecting", "absorbing")])
def test_contour_equals_dense_expm(boundary):
    fp = FokkerPlanck(double_well(), 0.3, 120, boundary=boundary)
    m0 = fp.point_mass(-1.0) * fp.grid.widths
    times = [1e-4, 0.01, 0.3, 2.0, 10.0]
    ev = fp.evolve(fp.point_mass(-1.0), times, method="contour")
    q = fp.generator().toarray()
    for k, t in enumerate(times):
        ref = expm(q * t) @ m0
        # dense expm (scaling and squaring) is accurate to ~1e-13 here (t * |Q| <= 5e3); the contour claims ~1e-13
        err = l1(ev.densities[k] * fp.grid.widths, ref, np.ones(fp.grid.n))
        assert err < 1e-12, (t, err)
        assert err <= ev.error[k] + 1e-13
    # the absorbed mass at each end: the dense generator augmented by two absorbing states
    n = fp.grid.n
    big = np.zeros((n + 2, n + 2))
    big[:n, :n] = q
    big[n, 0] = fp.discretization.out[0]
    big[n + 1, n - 1] = fp.discretization.out[-1]
    for k, t in enumerate(times):
        full = expm(big * t) @ np.concatenate((m0, [0.0, 0.0]))
        assert abs(ev.absorbed_left[k] - full[n]) < 1e-12
        assert abs(ev.absorbed_right[k] - full[n + 1]) < 1e-12
    np.testing.assert_allclose(ev.masses + ev.absorbed, 1.0, atol=1e-12)


def test_contour_for_metastable_long_times_against_golub_kahan_modes():
    """gap = 2.7e-17: from t = 1 to 1e6/gap the contour agrees with the eigen-expansion built from the relative-
    accuracy Golub–Kahan pairs (60 modes cover e^{-lambda t} > 1e-30 for t >= 1)."""
    fp = issue_problem()
    gap = fp.spectral_gap().value
    m0 = fp.point_mass(-1.0) * fp.grid.widths
    times = [1.0, 1e4, 1e15, 1.0 / gap, 10.0 / gap, 1e6 / gap]
    ev = fp.evolve(fp.point_mass(-1.0), times)
    assert ev.method.startswith("contour")
    for k, t in enumerate(times):
        ref = mode_masses(fp, m0, t, 60)
        err = l1(ev.densities[k] * fp.grid.widths, ref, np.ones(fp.grid.n))
        assert err < 1e-12 and err <= ev.error[k] + 1e-14, (t, err, ev.error[k])
    # the issue's target: TV to the exact stationary state <= 1e-12 at t = 1e6/gap, density >= 0
    assert 0.5 * l1(ev.densities[-1], fp.stationary(), fp.grid.widths) <= 1e-12
    assert ev.densities.min() >= 0 and np.all(np.abs(ev.masses - 1) < 1e-13)


def test_absorbed_mass_is_accurate_to_the_stated_error_and_relatively_by_positive_routes():
    """A far absorbing end: the absorbed mass is 4e-45 at t = 0.5.  Uniformization and backward Euler add only
    non-negative terms, so theirs is accurate relatively; the contour's is accurate to its stated absolute error
    (~1e-14: it is a cancelling sum), and relatively once the mass is not tiny (t = 5: 3e-38 to 1e-11)."""
    fp = FokkerPlanck(ou(domain=(-2.0, 3.0)), 0.2, 100, boundary=("reflecting", "absorbing"))
    p0 = fp.point_mass(0.0)
    times = [0.5, 5.0]
    uni = fp.evolve(p0, times, method="uniformization")
    tr = fp.evolve(p0, times, method="tr-bdf2", rtol=1e-10, atol=1e-300)
    con = fp.evolve(p0, times)
    assert 1e-46 < uni.absorbed_right[0] < 1e-44
    # TR-BDF2 at rtol 1e-10 (local error ~ h^3 relative in the tail flux): 1e-3 relative even at 1e-45
    np.testing.assert_allclose(tr.absorbed_right, uni.absorbed_right, rtol=1e-3)
    assert np.all(np.abs(con.absorbed_right - uni.absorbed_right) <= con.error)
    assert abs(con.absorbed_right[1] / uni.absorbed_right[1] - 1) < 1e-10
    assert np.all(uni.absorbed_left == 0) and np.all(con.absorbed_left == 0)


def test_contour_is_exact_for_the_stationary_state_and_at_time_zero():
    fp = FokkerPlanck(double_well(), 0.3, 200)
    p = fp.stationary()
    ev = fp.evolve(p, [0.0, 1e-12, 1.0, 1e8])
    np.testing.assert_allclose(ev.densities[0], p, rtol=1e-14)  # p0 is renormalised (one rounding)
    for row in ev.densities[1:]:
        assert l1(row, p, fp.grid.widths) < 1e-14


# ---------------------------------------------------------------------------------------------- eigen route
def test_eigen_expansion_equals_contour_and_dense():
    fp = FokkerPlanck(double_well(tilt=0.1), 0.2, 150, boundary=("absorbing", "absorbing"))
    times = [0.01, 0.5, 5.0]
    a = fp.evolve(fp.point_mass(0.4), times, method="eigen")
    b = fp.evolve(fp.point_mass(0.4), times, method="contour")
    m0 = fp.point_mass(0.4) * fp.grid.widths
    for k, t in enumerate(times):
        ref = dense_masses(fp, m0, t)
        for ev in (a, b):
            err = l1(ev.densities[k] * fp.grid.widths, ref, np.ones(fp.grid.n))
            assert err < 1e-11 and err <= ev.error[k] + 1e-13, (ev.method, t, err, ev.error[k])
    np.testing.assert_allclose(a.absorbed_left, b.absorbed_left, atol=1e-11)
    np.testing.assert_allclose(a.absorbed_right, b.absorbed_right, atol=1e-11)


def test_eigen_expansion_picks_the_null_vector_in_a_metastable_cluster():
    """gap 2.7e-17 is below LAPACK's absolute eigenvalue accuracy: the two slowest vectors come out rotated; the
    one most aligned with pi^{1/2} is replaced (was: 8e-9 error at t = 1e-3 when chosen by eigenvalue)."""
    fp = issue_problem()
    a = fp.evolve(fp.point_mass(-1.0), [1e-3, 5.0], method="eigen")
    b = fp.evolve(fp.point_mass(-1.0), [1e-3, 5.0], method="contour")
    assert np.all(np.abs(a.densities - b.densities) @ fp.grid.widths < 1e-12)


def test_eigen_expansion_refuses_what_it_cannot_represent():
    fp = FokkerPlanck(double_well(), 0.3, 6000)
    with pytest.raises(ValueError, match="contour"):
        fp.evolve(fp.point_mass(0.0), [1e-6], method="eigen")


# ---------------------------------------------------------------------------------------------- TR-BDF2
@pytest.mark.parametrize("boundary", ["reflecting", ("absorbing", "reflecting")])
def test_error_controlled_trbdf2_meets_its_estimate(boundary):
    fp = FokkerPlanck(double_well(), 0.3, 200, boundary=boundary)
    times = [0.01, 0.1, 1.0, 3.0]
    exact = fp.evolve(fp.point_mass(-1.0), times, method="contour")
    previous = None
    for rtol in (1e-5, 1e-7, 1e-9):
        ev = fp.evolve(fp.point_mass(-1.0), times, method="tr-bdf2", rtol=rtol, atol=1e-14)
        assert ev.densities.min() >= 0
        np.testing.assert_allclose(ev.masses + ev.absorbed, 1.0, atol=1e-13)
        err = np.abs(ev.densities - exact.densities) @ fp.grid.widths
        # the sum of the accepted local estimates bounds the global l1 error (l1-contractive flow)
        assert np.all(err <= ev.error + exact.error), (rtol, err, ev.error)
        assert ev.n_steps > 0 and ev.n_solves >= 3 * ev.n_steps
        # steps land on the outputs, and tighter tolerances give smaller errors and more steps (third order
        # local error: ~100^(1/3) = 4.6x more steps per 100x tolerance)
        if previous is not None:
            assert err[-1] < previous[0] and ev.n_steps > 2 * previous[1]
        previous = (err[-1], ev.n_steps)


def test_trbdf2_fixed_steps_order_two_on_smooth_data():
    fp = FokkerPlanck(ou(), 0.5, 200)
    p0 = np.exp(-((fp.grid.centres - 1.0) ** 2) / 0.1)
    ref = fp.evolve(p0, [0.5]).densities[-1]
    errs = [l1(fp.evolve(p0, [0.5], method="tr-bdf2", dt=0.5 / n).densities[-1], ref, fp.grid.widths)
            for n in (20, 40, 80)]
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(orders - 2) < 0.15), orders


# ---------------------------------------------------------------------------------------------- cost guards
def test_cost_guards_raise_before_starting_and_name_the_faster_route():
    fp = FokkerPlanck(double_well(), 0.3, 2000)
    with pytest.raises(CostLimitError, match=r"method='uniformization'.*estimated.*method='contour'"):
        fp.evolve(fp.point_mass(0.0), [1e5], method="uniformization")
    small = FokkerPlanck(double_well(), 0.3, 400)
    with pytest.raises(CostLimitError, match=r"1e\+12 steps.*method='contour'"):
        small.evolve(small.point_mass(0.0), [1.0], method="backward-euler", dt=1e-12)
    with pytest.raises(CostLimitError, match="cost_limit"):
        small.evolve(small.point_mass(0.0), [1.0], method="tr-bdf2", dt=1e-4, cost_limit=1e-3)
    ev = small.evolve(small.point_mass(0.0), [1e-3], method="uniformization", cost_limit=math.inf)
    assert ev.densities.min() >= 0


# ---------------------------------------------------------------------------------------------- API
def test_registry_aliases_and_option_errors():
    fp = FokkerPlanck(ou(), 0.5, 60)
    p0 = fp.point_mass(0.5)
    with pytest.raises(ValueError, match=r"`method` must be one of \['backward-euler', 'contour', 'eigen'"):
        fp.evolve(p0, [1.0], method="rk4")
    for alias, key in ALIASES.items():
        assert key in METHODS
    assert fp.evolve(p0, [0.1], method="exponential").method.startswith("uniformization")
    assert fp.evolve(p0, [0.1]).method.startswith("contour")
    assert fp.evolve(p0, [0.1], dt=0.01).method.startswith("TR-BDF2, fixed")
    with pytest.raises(ValueError, match="`dt` is not used by method='contour'"):
        fp.evolve(p0, [0.1], method="contour", dt=0.01)
    with pytest.raises(ValueError, match="needs `dt`"):
        fp.evolve(p0, [0.1], method="backward-euler")
    with pytest.raises(ValueError, match="`rtol` is not used"):
        fp.evolve(p0, [0.1], method="contour", rtol=1e-6)
    with pytest.raises(ValueError, match="`dt`"):
        fp.evolve(p0, [0.1], method="tr-bdf2", dt=-1.0)
    with pytest.raises(ValueError, match="`rtol`"):
        fp.evolve(p0, [0.1], method="tr-bdf2", rtol=-1.0)
    with pytest.raises(TypeError, match="`positivity_start`"):
        fp.evolve(p0, [0.1], method="tr-bdf2", dt=0.01, positivity_start=2.5)
    with pytest.raises(ValueError, match="`times`"):
        fp.evolve(p0, [np.nan])


def test_evolution_is_a_result():
    fp = FokkerPlanck(ou(), 0.5, 60)
    ev = fp.evolve(fp.point_mass(0.5), [0.1, 1.0])
    assert isinstance(ev, Evolution)
    assert "\n" not in repr(ev) and repr(ev).startswith("Evolution(")
    text = ev.summary()
    assert "error" in text and "contour" in text and len(text.splitlines()) == 4 and len(ev.table()[1]) == 2
    data = ev.to_dict()
    assert data["method"].startswith("contour") and len(data["error"]) == 2
    ev.to_json()
    np.testing.assert_allclose(ev.iterations, ev.times / 0.5)
    with pytest.raises(ValueError, match="read-only"):
        ev.densities[0, 0] = 1.0


# ---------------------------------------------------------------------------------------------- fuzz
def _fuzz_problem(data):
    land = data.draw(landscapes(), label="landscape")
    eta = data.draw(learning_rates(1e-2, 10.0), label="eta")
    grid = data.draw(grids_for(land.domain, 20, 80), label="grid")
    boundary = data.draw(boundaries(), label="boundary")
    return FokkerPlanck(land, eta, grid, boundary=boundary)


def _check_step_sizes(data):
    fp = _fuzz_problem(data)
    x0 = data.draw(st.floats(*fp.grid.domain), label="x0")
    exponent = data.draw(st.floats(-4.0, 300.0), label="log10 dt")
    dt = 10.0 ** exponent
    p0 = fp.point_mass(x0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ev = fp.evolve(p0, [dt, 2 * dt], method="backward-euler", dt=dt)
        assert ev.densities.min() >= 0.0
        np.testing.assert_allclose(ev.masses + ev.absorbed, 1.0, rtol=0, atol=1e-12)
        if fp.boundary == ("reflecting", "reflecting") and exponent > 200:
            # dt * gap > 1e100 for every landscape here: one step lands on pi
            assert l1(ev.densities[-1], fp.stationary(), fp.grid.widths) < 1e-10
    with warnings.catch_warnings():
        # fixed-step TR-BDF2 may undershoot for a step too large for the data: it says so (AccuracyWarning),
        # and its result is still non-negative and conservative
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", AccuracyWarning)
        ev = fp.evolve(p0, [dt, 2 * dt], method="tr-bdf2", dt=dt)
        assert ev.densities.min() >= 0.0
        np.testing.assert_allclose(ev.masses + ev.absorbed, 1.0, rtol=0, atol=1e-12)
    return fp, p0


def _uniformized(q: np.ndarray, m0: np.ndarray, t: float) -> np.ndarray:
    """exp(tQ) m0 by uniformization: sum_k Poisson(k; Lambda t) P^k m0 with P = I + Q/Lambda >= 0.

    Every term is non-negative, so the sum has no cancellation and the truncation error is the Poisson tail
    (< 1e-20 here): an independent reference for strongly non-normal generators, where scipy's dense expm
    (scaling and squaring) lost 1e-3 in l1 on an advection-dominated chain (L' = 2, Sigma = 1/16, eta = 0.01,
    20 cells; checked against mpmath.expm) that the fuzz drew."""
    from scipy.sparse import csr_matrix
    from scipy.stats import poisson

    lam = 1.01 * float(np.max(np.abs(np.diag(q))))
    step = csr_matrix(np.eye(q.shape[0]) + q / lam)
    mean = lam * t
    n_terms = int(mean + 12.0 * np.sqrt(mean) + 60)
    weights = poisson.pmf(np.arange(n_terms), mean)
    v, out = np.array(m0, dtype=float), np.zeros(q.shape[0])
    for w in weights:
        out += w * v
        v = step @ v
    return out


def test_uniformization_reference_is_mpmath_exact_where_expm_is_not():
    """The reference of the fuzz below, on the chain where scipy's expm is off by 1e-3 (mpmath decides)."""
    import mpmath

    from tests.strategies import RandomLandscape

    land = RandomLandscape((-1.0, 2.0), {"c0": 2.0, "c1": 0.0, "c3": 0.0, "waves": (), "s0": 0.0625,
                                         "noise_waves": ()})
    fp = FokkerPlanck(land, 0.01, Grid.uniform(-1.0, 2.0, 20))
    m0 = fp.point_mass(0.0) * fp.grid.widths
    q = fp.generator().toarray()
    exact = mpmath.expm(mpmath.matrix(q.tolist())) * mpmath.matrix(m0.tolist())
    exact = np.array([float(x) for x in exact])
    assert np.abs(_uniformized(q, m0, 1.0) - exact).sum() < 1e-14
    assert np.abs(expm(q) @ m0 - exact).sum() > 1e-4          # why the fuzz no longer uses expm
    ev = fp.evolve(fp.point_mass(0.0), [1.0])
    assert np.abs(ev.densities[0] * fp.grid.widths - exact).sum() <= ev.error[0] + 1e-14


def _check_routes_agree(fp, p0, data):
    t = 10.0 ** data.draw(st.floats(-3.0, 2.0), label="log10 t")
    m0 = p0 * fp.grid.widths
    q = fp.generator().toarray()
    if t * np.max(np.abs(np.diag(q))) > 1e4:
        return  # the uniformization reference grows like the rate times t; the Golub–Kahan test covers long times
    ref = _uniformized(q, m0, t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        adaptive = fp.evolve(p0, [t], method="tr-bdf2", rtol=1e-7)
        m = adaptive.densities[0] * fp.grid.widths
        assert m.min() >= 0.0 and abs(m.sum() + adaptive.absorbed[0] - 1.0) < 1e-12
        assert float(np.abs(m - ref).sum()) <= adaptive.error[0] + 1e-12
        for method in ("contour", "eigen"):
            try:
                ev = fp.evolve(p0, [t], method=method)
            except (ValueError, ConvergenceError) as exc:
                # the eigen route refuses starts where pi underflows or its error estimate is large, saying so
                assert method == "eigen" and "contour" in str(exc)
                continue
            m = ev.densities[0] * fp.grid.widths
            assert m.min() >= 0.0 and abs(m.sum() + ev.absorbed[0] - 1.0) <= ev.error[0] + 1e-12
            err = float(np.abs(m - ref).sum())
            # expm's own error ~ 1e-14 * t|Q|; each route's estimate covers the rest
            assert err <= ev.error[0] + 1e-13 * max(1.0, t * np.max(np.abs(np.diag(q)))), (method, t, err)


FUZZ_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=40, **FUZZ_SETTINGS)
@given(st.data())
def test_fuzz_positivity_mass_and_route_agreement(data):
    fp, p0 = _check_step_sizes(data)
    _check_routes_agree(fp, p0, data)


@pytest.mark.slow
@settings(max_examples=1200, **FUZZ_SETTINGS)
@given(st.data())
def test_fuzz_positivity_mass_and_route_agreement_slow(data):
    fp, p0 = _check_step_sizes(data)
    _check_routes_agree(fp, p0, data)
