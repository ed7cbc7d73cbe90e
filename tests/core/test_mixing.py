"""Total-variation mixing times and the N1 checker, against dense matrix exponentials of the same chain."""

import math

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.optimize import brentq

from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.landscape import Landscape
from fpesolve.core.mixing import mixing_time, tv_distance
from fpesolve.failure_modes.n1_mixing import check_n1


def _ou():
    return Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0), name="OU")


def _well():
    return Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.3 * np.tanh(x), domain=(-2.0, 2.0),
                     name="double well")


def _f1_landscape():
    """Smooth F1-type double well (barrier 100 in the loss, Sigma ~ 1 at A (x ~ -20), Sigma ~ 8 at B (x ~ 10))."""
    def parts(x):
        w = 15.0 - 5.0 * np.tanh(x / 5.0)
        dw = -np.cosh(x / 5.0) ** -2
        return x / w, (w - x * dw) / w ** 2

    def grad(x):
        u, du = parts(x)
        return 400.0 * u * (u * u - 1.0) * du

    return Landscape(grad=grad, sigma=lambda x: 4.5 + 3.5 * np.tanh(x / 2.0), domain=(-30.0, 18.0),
                     loss=lambda x: 100.0 * (parts(x)[0] ** 2 - 1.0) ** 2, name="F1")


def _dense_distance(fp, m0_columns):
    """d(t) = max over the given starts of the TV distance, from the dense matrix exponential of Q."""
    q = fp.generator().toarray()
    pi = np.exp(fp.discretization.log_stationary_mass)

    def distance(t):
        p = expm(q * t) @ m0_columns
        return float(np.max(0.5 * np.abs(p - pi[:, None]).sum(axis=0)))

    return distance


def _dense_mixing_time(fp, m0_columns, eps, t_hi):
    d = _dense_distance(fp, m0_columns)
    return brentq(lambda t: d(t) - eps, 1e-9, t_hi, xtol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("make, eta", [(_ou, 1.0), (_well, 0.3)], ids=["OU", "double-well"])
def test_worst_start_matches_dense_exponential_and_all_starts(make, eta):
    fp = FokkerPlanck(make(), eta, 100)
    mt = mixing_time(fp)
    everything = mixing_time(fp, starts="all")
    # the default candidates (ends + critical points) find the same worst start as trying every cell
    assert everything.worst_start == mt.worst_start
    assert everything.log10_t_mix == pytest.approx(mt.log10_t_mix, abs=1e-12)
    reference = _dense_mixing_time(fp, np.eye(fp.grid.n), 0.25, 20 * mt.t_rel)
    # TR-BDF2 with ~8 steps per ladder rung and 32-point crossing refinement: ~1e-4 relative
    assert mt.t_mix == pytest.approx(reference, rel=2e-3)
    assert mt.within_bounds
    assert mt.lower_bound <= mt.t_mix <= mt.upper_bound


def test_mixing_from_given_law_and_slow_mode_extrapolation():
    # tau = 0.05: t_rel ~ 2.6e4 >> 40 / lambda_2, so the time from the shallow well is extrapolated
    fp = FokkerPlanck(_well(), 0.05, 100)
    mt = mixing_time(fp, init=1.0)
    start = np.zeros((fp.grid.n, 1))
    start[fp.grid.cell_of(1.0), 0] = 1.0
    d = _dense_distance(fp, start)
    t = mt.t_mix_init
    # the distance decays like e^{-lambda_1 t}: 1 % in time moves it by ~0.01 lambda_1 t ~ 1e-2 relative,
    # far above the error of either computation
    assert d(0.99 * t) > 0.25 > d(1.01 * t)
    assert mt.log10_t_mix_init == pytest.approx(math.log10(t), abs=1e-12)
    assert "extrapolation" in mixing_time(fp, starts=[1.0]).method
    # a density as initial law: the stationary law itself is mixed at t = 0
    assert mixing_time(fp, init=fp.stationary()).t_mix_init == 0.0


def test_check_n1_holds_and_fails_with_consistent_distance():
    land = _well()
    eta = 0.3
    fp = FokkerPlanck(land, eta, 200)
    d = _dense_distance(fp, np.eye(fp.grid.n))
    ok = check_n1(land, eta, 2000, grid=200)
    assert ok.holds and ok.tv_left <= 0.25 and ok.margin > 1
    assert ok.tv_left == pytest.approx(d(eta * 2000), abs=1e-6)
    bad = check_n1(land, eta, 20, grid=200)
    assert not bad.holds and bad.tv_left > 0.25 and bad.margin < 1
    assert bad.tv_left == pytest.approx(d(eta * 20), abs=1e-4)
    assert bad.time_budget == pytest.approx(6.0)
    assert "FAILS" in bad.summary() and "holds" in ok.summary()
    assert bad.log10_t_mix_iterations == pytest.approx(bad.log10_t_mix - math.log10(eta))


def test_check_n1_f1_regime_fails_with_finite_log_times():
    land = _f1_landscape()
    b = max(m.x for m in land.minima())
    res = check_n1(land, 0.01, 10 ** 6, init=b)
    assert res.holds is False
    assert math.isfinite(res.log10_t_mix) and res.log10_t_mix > 1000
    assert math.isfinite(res.log10_t_rel) and res.log10_t_rel > 1000
    assert res.t_mix == math.inf and res.margin == 0.0
    assert res.log10_margin == pytest.approx(4.0 - res.log10_t_mix, abs=1e-9)
    # started in B, essentially no mass reaches A (which holds all but e^{-16000} of the stationary law)
    assert res.tv_left > 0.999
    assert "first-passage" in res.explanation and not math.isnan(res.log10_t_mix_iterations)


def test_bad_input():
    land = _well()
    fp = FokkerPlanck(land, 0.3, 50)
    for eps in (0.0, 1.0, -0.2, 1.5):
        with pytest.raises(ValueError, match="`eps`"):
            mixing_time(fp, eps=eps)
        with pytest.raises(ValueError, match="`eps`"):
            check_n1(land, 0.3, 100, eps=eps, grid=50)
    with pytest.raises(ValueError, match="reflecting"):
        mixing_time(FokkerPlanck(land, 0.3, 50, "absorbing"))
    with pytest.raises(ValueError, match="`starts`"):
        mixing_time(fp, starts="worst")
    with pytest.raises(ValueError, match="`n_iterations`"):
        check_n1(land, 0.3, 0, grid=50)
    with pytest.raises(ValueError, match="`eta`"):
        check_n1(land, -0.3, 10, grid=50)
    with pytest.raises(ValueError, match="`init`"):
        check_n1(land, 0.3, 10, init=5.0, grid=50)
    assert tv_distance([1.0, 0.0], [0.0, 1.0]) == 1.0
