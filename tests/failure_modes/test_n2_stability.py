"""N2: exact Lyapunov exponent, stable learning-rate intervals, and simulated SGD divergence."""

import math

import numpy as np
import pytest

from fpesolve.failure_modes.constructions import construction
from fpesolve.failure_modes.n2_stability import batch_hessian_distribution, check_n2, lyapunov_exponent, stable_learning_rates
from fpesolve.sgd.ensemble import simulate_sgd


def test_f2_lyapunov_at_paper_eta():
    lam = lyapunov_exponent([18.0, 2.0], 0.15)
    assert lam == pytest.approx(0.5 * math.log(1.7 * 0.7), rel=1e-14)
    assert lam > 0


def test_zero_crossings_match_closed_form_roots():
    # |1 - 18 eta| |1 - 2 eta| = 1.  On (1/18, 1/2): (18 eta - 1)(1 - 2 eta) = 1  <=>  18 eta^2 - 10 eta + 1 = 0,
    # eta = (10 -+ sqrt(28)) / 36.  On (1/2, inf): (18 eta - 1)(2 eta - 1) = 1  <=>  eta (36 eta - 20) = 0, eta = 5/9.
    # On (0, 1/18) the product (1 - 18 eta)(1 - 2 eta) < 1, no root.
    r1, r2, r3 = (10 - math.sqrt(28)) / 36, (10 + math.sqrt(28)) / 36, 5 / 9
    s = stable_learning_rates([18.0, 2.0], (0.0, 1.0))
    assert len(s.crossings) == 3
    for found, exact in zip(s.crossings, (r1, r2, r3)):
        assert abs(found - exact) < 1e-12
    # the stable set is not an interval: (0, r1) U (r2, r3)
    assert len(s.intervals) == 2
    assert s.intervals[0][0] == 0.0 and abs(s.intervals[0][1] - r1) < 1e-12
    assert abs(s.intervals[1][0] - r2) < 1e-12 and abs(s.intervals[1][1] - r3) < 1e-12
    assert s.contains(0.12) and not s.contains(0.15) and s.contains(0.45) and not s.contains(0.6)
    assert set(np.round(s.singular_points, 14)) == {round(1 / 18, 14), 0.5}


def test_stable_beyond_paper_bound():
    res = check_n2([18.0, 2.0], 0.12)
    m = res.minima[0]
    assert 0.12 > 2 / 18
    assert m.lyapunov == pytest.approx(0.5 * math.log(abs(1 - 0.12 * 18) * abs(1 - 0.12 * 2)), rel=1e-14)
    assert res.holds and not res.bound_holds
    assert m.bound == pytest.approx(2 / 18, rel=1e-15)
    assert "sufficient" in res.summary()


def test_minibatch_expectation_enumerates_multisets():
    # B = 2 with replacement: batch means 18 (prob 1/4), 10 (1/2), 2 (1/4)
    eta = np.array([0.03, 0.07, 0.13, 0.3])
    exact = (0.25 * np.log(np.abs(1 - 18 * eta)) + 0.5 * np.log(np.abs(1 - 10 * eta))
             + 0.25 * np.log(np.abs(1 - 2 * eta)))
    np.testing.assert_allclose(lyapunov_exponent([18.0, 2.0], eta, batch_size=2), exact, rtol=1e-14)
    # non-uniform sampling probabilities, B = 3: multinomial weights over {1, 5, 9}
    h, p = np.array([1.0, 5.0, 9.0]), np.array([0.5, 0.3, 0.2])
    total = 0.0
    for i in range(3):
        for j in range(3):
            for k in range(3):
                total += p[i] * p[j] * p[k] * math.log(abs(1 - 0.21 * (h[i] + h[j] + h[k]) / 3))
    assert lyapunov_exponent(h, 0.21, batch_size=3, probabilities=p) == pytest.approx(total, rel=1e-13)
    values, weights = batch_hessian_distribution([2.0, 18.0, 2.0], 1)   # duplicates merge
    np.testing.assert_allclose(values, [2.0, 18.0])
    np.testing.assert_allclose(weights, [2 / 3, 1 / 3])


def test_check_n2_on_landscape_uses_per_sample_hessians_at_each_minimum():
    c = construction("f4")
    res = check_n2(c, 0.2)
    assert [m.label for m in res.minima] == ["A", "B"]
    for m in res.minima:
        hs = c.samples.evaluate("hessians", np.array([m.x]))[:, 0]
        assert m.hessians == pytest.approx(tuple(hs), rel=1e-15)
        assert m.lyapunov == pytest.approx(np.mean(np.log(np.abs(1 - 0.2 * hs))), rel=1e-14)
    assert res.holds


def test_bad_input():
    with pytest.raises(ValueError, match="eta"):
        lyapunov_exponent([18.0, 2.0], -0.1)
    with pytest.raises(ValueError, match="probabilities"):
        lyapunov_exponent([18.0, 2.0], 0.1, probabilities=[0.5, 0.6])
    with pytest.raises(ValueError, match="eta_range"):
        stable_learning_rates([18.0, 2.0], (0.5, 0.1))
    with pytest.raises(ValueError, match="batch_size"):
        check_n2([18.0, 2.0], 0.1, batch_size=3)


@pytest.mark.parametrize("eta", [0.12, 0.15, 0.3, 0.45])
def test_simulated_sgd_diverges_exactly_where_lambda_positive(eta):
    # log|theta_k| is a random walk with drift Lambda per step; with a bound of 1e250 (log 575) a walk with
    # Lambda < 0 exceeds it with probability ~exp(-2 |Lambda| 575 / var) < 1e-20 for these eta, and a walk
    # with Lambda >= 0.0869 crosses it after ~575 / Lambda < 7000 steps (fluctuations ~ sqrt(k var) << that).
    lam = lyapunov_exponent([18.0, 2.0], eta)
    f2 = construction("f2")
    run = simulate_sgd(f2, eta, 20000, 256, 1.0, divergence_bound=1e250, rng=11)
    if lam > 0:
        assert run.diverged.all()
        # the divergence rate matches Lambda: log(bound) / mean divergence step (relative spread ~ 2 %)
        rate = math.log(1e250) / run.divergence_iterations.mean()
        assert rate == pytest.approx(lam, rel=0.05)
    else:
        assert not run.diverged.any()
        assert np.all(np.abs(run.final_positions) < 1e-100)
