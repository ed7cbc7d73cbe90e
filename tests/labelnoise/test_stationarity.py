"""Theorem 1's (epsilon, gamma)-stationarity checker against an independent closed-form answer in 1D."""

import numpy as np
import pytest
from scipy import optimize

from fpesolve.labelnoise import product_model, quadratic_1d_model, simulate_label_noise_sgd
from fpesolve.labelnoise.stationarity import STATIONARITY_METHODS, check_stationarity

XS = np.array([0.5, 1.0, 1.5])
M2 = float(np.mean(XS ** 2))


def f_prime(t, eta, lam):
    """d/dtheta (L/lambda + R) for L = m2/2 (theta^2 - 1)^2, written out by hand (R' = H'/(2(2 - eta H)))."""
    H = M2 * (6 * t * t - 2)
    return 2 * M2 * t * (t * t - 1) / lam + 12 * M2 * t / (2 * (2 - eta * H))


def eps_set(eta, lam, eps, lo=0.6, hi=1.3, n=20001):
    """Intervals where |f'| <= eps, with end points refined by brentq (independent of the package)."""
    t = np.linspace(lo, hi, n)
    inside = np.abs(f_prime(t, eta, lam)) <= eps
    edges = np.flatnonzero(np.diff(inside.astype(int)))
    pts = []
    for j in edges:
        target = eps if abs(f_prime(t[j], eta, lam)) > eps * 0.999 or abs(f_prime(t[j + 1], eta, lam)) > eps else eps
        sign = np.sign(f_prime(0.5 * (t[j] + t[j + 1]), eta, lam))
        pts.append(optimize.brentq(lambda s: abs(f_prime(s, eta, lam)) - target, t[j], t[j + 1], xtol=1e-14)
                   if sign else t[j])
    assert not inside[0] and not inside[-1]
    return np.array(pts).reshape(-1, 2)


def test_1d_checker_agrees_with_the_exact_interval_answer():
    model = quadratic_1d_model(XS, 1.0)
    eta, sigma = 0.1, 0.3
    run = simulate_label_noise_sgd(model, [1.25], eta, sigma, 400, n_walkers=3, record_every=8, rng=2)
    lam = run.lam
    eps, gamma = 0.5, 0.02
    intervals = eps_set(eta, lam, eps)
    assert len(intervals) >= 1
    x = run.theta[:, :, 0]
    dist = np.min([np.where(x < a, a - x, np.where(x > b, x - b, 0.0)) for a, b in intervals], axis=0)
    truth = dist <= gamma
    assert truth.any() and (~truth).any()            # the test has both kinds of record
    res = check_stationarity(model, run, eps, gamma, stop_at_first=False)
    assert np.array_equal(res.stationary, truth)
    first_true = [int(run.iterations[np.flatnonzero(truth[:, w])[0]]) for w in range(3)]
    assert res.first_iteration.tolist() == first_true
    # every witness is verified independently: |f'| <= eps and within gamma of its record
    for w, k in enumerate(res.first_iteration):
        r = int(np.flatnonzero(run.iterations == k)[0])
        wit = res.witnesses[w][0]
        assert abs(f_prime(wit, eta, lam)) <= eps * (1 + 1e-9) and abs(wit - x[r, w]) <= gamma * (1 + 1e-9)


def test_product_model_run_reaches_stationarity_and_candidates_give_an_upper_bound():
    model = product_model(XS, 1.0)
    eta, lam = 0.05, 0.02
    sigma = np.sqrt(lam / eta)
    K = 3400
    run = simulate_label_noise_sgd(model, [4.0, 0.25], eta, sigma, K, n_walkers=2, record_every=68, rng=1)
    eps, gamma = lam ** 0.25, lam ** 0.5        # Theorem 1's scaling lambda ~ eps^(2/delta) ~ gamma^2, delta = 1/2
    search = check_stationarity(model, run, eps, gamma)
    only = check_stationarity(model, run, eps, gamma, method="candidates")
    assert search.reached.all() and only.reached.all()
    # the search finds every witness the candidates find, and possibly earlier ones
    assert np.all(search.first_iteration <= only.first_iteration)
    # independent verification of each witness with a hand-written gradient of L/lambda + R
    for w in range(2):
        u, v = search.witnesses[w]
        e = u * v - 1
        gL = M2 * e * np.array([v, u])
        H = M2 * np.array([[v * v, 2 * u * v - 1], [2 * u * v - 1, u * u]])
        T = M2 * np.array([[[0, 2 * v], [2 * v, 2 * u]], [[2 * v, 2 * u], [2 * u, 0]]])
        W = 0.5 * np.linalg.inv(2 * np.eye(2) - eta * H)
        g = gL / lam + np.einsum("kij,ij->k", T, W)
        r = int(np.flatnonzero(run.iterations == search.first_iteration[w])[0])
        assert np.linalg.norm(g) <= eps * (1 + 1e-8)
        assert np.linalg.norm(search.witnesses[w] - run.theta[r, w]) <= gamma * (1 + 1e-8)
    # not at the start: the sharp point is far from every eps-stationary point (|grad_t R| ~ 2.3 > eps there)
    assert np.all(search.first_iteration > 0)
    assert "upper bounds" in search.summary()


def test_starting_at_the_stationary_point_and_errors():
    model = product_model(XS, 1.0)
    eta, sigma = 0.05, 0.5
    p = model.stationary_point([1.0, 1.0], eta, eta * sigma ** 2)
    run = simulate_label_noise_sgd(model, p.theta, eta, sigma, 20, n_walkers=2, record_every=10, rng=0)
    res = check_stationarity(model, run, 0.1, 0.3, walkers=[1])
    assert res.first_iteration.tolist() == [-1, 0] and res.evaluated[:, 0].sum() == 0
    with pytest.raises(ValueError, match="`method`"):
        check_stationarity(model, run, 0.1, 0.3, method="grid")
    with pytest.raises(ValueError, match="`eps`"):
        check_stationarity(model, run, 0.0, 0.3)
    with pytest.raises(ValueError, match="walker index 5"):
        check_stationarity(model, run, 0.1, 0.3, walkers=[5])
    plain = simulate_label_noise_sgd(model, p.theta, eta, 0.0, 5, rng=0)
    with pytest.raises(ValueError, match="lambda = 0"):
        check_stationarity(model, plain, 0.1, 0.3)
    assert set(STATIONARITY_METHODS) == {"search", "candidates"}
