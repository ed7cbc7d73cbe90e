"""Tests of fpesolve.labelnoise.models, .simulation and .trajectory: the simulator, the worked models, and the regulariser's predictions.

Times are SGD iterations.  Statistical tolerances are stated as multiples of a
standard error computed from the same samples, plus the order of the
first-order theory where that is what is being tested.
"""

import numpy as np
import pytest
from scipy import integrate, optimize

from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.labelnoise.fixed_point import noise_fixed_point
from fpesolve.labelnoise.models import SquaredLossModel, product_model, quadratic_1d_model, sparse_regression_model
from fpesolve.labelnoise.regularizer import regularization_strength, regularizer_from_eigenvalues
from fpesolve.labelnoise.simulation import simulate_label_noise_sgd
from fpesolve.labelnoise.trajectory import regularized_trajectory
from fpesolve.core.stationary import stationary_density

XS = np.array([0.5, 1.0, 1.5])
M2 = float(np.mean(XS ** 2))  # 7/6


# ---------------------------------------------------------------------------- models and simulator mechanics
def test_model_derivatives_against_finite_differences():
    model = product_model(XS, 1.0)
    theta = np.array([1.3, -0.4])
    h = 1e-5
    fd_grad = np.array([(model.loss(theta + h * e) - model.loss(theta - h * e)) / (2 * h) for e in np.eye(2)])
    assert np.allclose(model.grad(theta), fd_grad, rtol=1e-8)
    e = theta[0] * theta[1] - 1.0
    exact_h = M2 * np.array([[theta[1] ** 2, 2 * theta[0] * theta[1] - 1], [2 * theta[0] * theta[1] - 1, theta[0] ** 2]])
    assert np.allclose(model.hessian(theta), exact_h, rtol=1e-14)
    assert model.loss(theta) == pytest.approx(0.5 * M2 * e ** 2, rel=1e-14)
    no_hess = SquaredLossModel(model.outputs, model.output_grads, model.labels, 2)
    assert np.allclose(no_hess.hessian(theta), exact_h, rtol=1e-8, atol=1e-9)  # central differences of grad
    batch = np.array([[1.3, -0.4], [2.0, 0.5]])
    assert model.loss(batch).shape == (2,) and model.hessian(batch).shape == (2, 2, 2)
    assert model.gauss_newton(theta) == pytest.approx(M2 * np.outer(theta[::-1], theta[::-1]))


@pytest.mark.parametrize("replacement,noise", [(True, "two-point"), (False, "gaussian")])
def test_one_step_mean_and_covariance(replacement, noise):
    # One step from a fixed theta: E[d theta] = -eta grad L and
    # Cov = eta^2 [ c_B (mean g g^T - gbar gbar^T) / B + sigma^2 G / B ],  c_B = 1 (with) or (n-B)/(n-1) (without).
    model = product_model(XS, 1.0)
    theta = np.array([1.5, 0.9])
    eta, sigma, B, m = 0.1, 0.5, 2, 40000
    res = simulate_label_noise_sgd(model, theta, eta, sigma, 1, batch_size=B, n_walkers=m, noise=noise,
                                   replacement=replacement, rng=7)
    step = res.theta[-1] - theta
    f, J = model.evaluate(theta)
    g = (f - model.labels)[0, :, None] * J[0]
    gbar = g.mean(axis=0)
    c_b = 1.0 if replacement else (model.n - B) / (model.n - 1)
    cov = eta ** 2 * (c_b * (g.T @ g / model.n - np.outer(gbar, gbar)) / B + sigma ** 2 * model.gauss_newton(theta) / B)
    se_mean = np.sqrt(np.diag(cov) / m)
    assert np.all(np.abs(step.mean(axis=0) + eta * gbar) < 5 * se_mean)
    centred = step - step.mean(axis=0)
    prods = centred[:, :, None] * centred[:, None, :]
    se_cov = prods.std(axis=0) / np.sqrt(m)
    assert np.all(np.abs(prods.mean(axis=0) - cov) < 5 * se_cov + 1e-15)


def test_heavy_ball_matches_hand_recursion_and_records():
    model = product_model(XS, 1.0)
    theta0 = np.array([1.7, 0.3])
    eta, beta = 0.1, 0.7
    res = simulate_label_noise_sgd(model, theta0, eta, 0.0, 6, batch_size=3, replacement=False, momentum=beta)
    prev, cur = theta0.copy(), theta0.copy()
    for k in range(6):
        prev, cur = cur, cur - eta * model.grad(cur) + beta * (cur - prev)
        assert np.allclose(res.theta[k + 1, 0], cur, rtol=1e-14, atol=1e-15)
    # records: loss, R, tr H of the recorded iterates
    assert np.allclose(res.loss[:, 0], model.loss(res.theta[:, 0]), rtol=1e-14)
    h = np.linalg.eigvalsh(model.hessian(res.theta[:, 0]))
    assert np.allclose(res.trace_hessian[:, 0], h.sum(axis=1), rtol=1e-13)
    assert np.allclose(res.regularizer[:, 0], regularizer_from_eigenvalues(h, eta, beta), rtol=1e-13)
    assert res.lam == 0.0 and "beta=0.7" in res.summary()


def test_seeds_reproduce_and_regulariser_beyond_edge_is_recorded_as_inf():
    model = product_model(XS, 1.0)
    a = simulate_label_noise_sgd(model, [2.0, 0.5], 0.05, 0.3, 50, n_walkers=3, rng=11)
    b = simulate_label_noise_sgd(model, [2.0, 0.5], 0.05, 0.3, 50, n_walkers=3, rng=np.random.default_rng(11))
    assert np.array_equal(a.theta, b.theta)
    c = simulate_label_noise_sgd(model, [2.0, 0.5], 0.05, 0.3, 50, n_walkers=3, rng=12)
    assert not np.array_equal(a.theta, c.theta)
    # at (4, 4) on u v = 16 the sharp eigenvalue m2 * 32 = 37.3 exceeds 2/eta = 20 (the start is still stationary)
    edge = simulate_label_noise_sgd(product_model(XS, 16.0), [4.0, 4.0], 0.1, 0.0, 2)
    assert edge.n_beyond_edge == 3 and np.all(np.isinf(edge.regularizer))


def test_bad_input():
    model = product_model(XS, 1.0)
    for kwargs, match in [(dict(eta=0.0), "`eta`"), (dict(eta=-0.1), "`eta`"), (dict(batch_size=0), "`batch_size`"),
                          (dict(label_noise_std=-0.1), "`label_noise_std`"), (dict(momentum=1.0), "`momentum`"),
                          (dict(batch_size=4, replacement=False), "exceeds"), (dict(noise="uniform"), "`noise`"),
                          (dict(theta0=[1.0, 2.0, 3.0]), "`theta0`"), (dict(theta0=[np.nan, 1.0]), "finite")]:
        args = dict(model=model, theta0=[1.0, 1.0], eta=0.1, label_noise_std=0.1, n_iterations=3)
        args.update(kwargs)
        with pytest.raises(ValueError, match=match):
            simulate_label_noise_sgd(**args)
    with pytest.raises(TypeError, match="`rng`"):
        simulate_label_noise_sgd(model, [1.0, 1.0], 0.1, 0.1, 3, rng=1.5)

    # a model undefined for theta < 0: non-finite outputs are reported with the iteration and theta
    def outputs(t):
        return np.where(t[:, :1] > 0, np.sqrt(np.abs(t[:, :1])), np.nan) * XS

    def grads(t):
        return (np.where(t[:, :1] > 0, 0.5 / np.sqrt(np.abs(t[:, :1]) + 1e-300), np.nan) * XS)[:, :, None]

    sq = SquaredLossModel(outputs, grads, 3.0 * XS, 1, name="sqrt")
    with pytest.raises(ValueError, match=r"non-finite value at theta = \[-"):
        simulate_label_noise_sgd(sq, [-1.0], 0.1, 0.1, 3)
    with pytest.raises(ValueError, match=r"at iteration [1-9].*non-finite"):
        simulate_label_noise_sgd(sq, [16.0], 200.0, 0.0, 5, batch_size=3, replacement=False)  # overshoots to theta < 0
    with pytest.raises(ValueError, match="shape"):
        SquaredLossModel(lambda t: t, model.output_grads, model.labels, 2).evaluate([1.0, 1.0])


# ---------------------------------------------------------------------------- product model
def test_product_model_label_noise_balances_while_plain_sgd_stays_put():
    model = product_model(XS, 1.0)
    eta, lam, B, runs = 0.05, 0.02, 1, 16
    sigma = np.sqrt(lam * B / eta)
    assert regularization_strength(eta, sigma, B) == pytest.approx(lam)
    theta0 = np.array([4.0, 0.25])  # on u v = 1, sharp: tr H = m2 * 16.06 vs m2 * 2 at |u| = |v| = 1
    K = int(np.ceil(8.0 / (eta * lam * M2)))
    res = simulate_label_noise_sgd(model, theta0, eta, sigma, K, batch_size=B, n_walkers=runs, rng=5, record_every=K)
    u, v = res.final_theta.T
    # Every step maps D = u^2 - v^2 to D (1 - eta^2 g^2) exactly (g = residual-minus-noise times x of the batch),
    # so |D_K| <= |D_0| exp(-eta^2 sum g_k^2) while eta |g| <= 1.  With B = 1 and +-sigma labels,
    # g^2 >= sigma^2 x^2 - 2 |e| x^2 sigma |x| and sum sigma^2 x_k^2 = K sigma^2 m2 (1 +- 0.8 %);
    # the cross term is a martingale ~6 of its standard deviations below 10 % of that.  Hence w.h.p.
    # | |u| - |v| | = |D_K| / (|u| + |v|) <= |D_0| exp(-0.9 K eta lam m2) / (|u| + |v|),
    # using eta lam m2 = eta^2 sigma^2 m2 / B.
    D0 = theta0[0] ** 2 - theta0[1] ** 2
    bound = D0 * np.exp(-0.9 * K * eta * lam * M2) / (np.abs(u) + np.abs(v))
    assert np.all(np.abs(np.abs(u) - np.abs(v)) <= bound)
    assert np.all(u ** 2 - v ** 2 > 0)  # the sign of D never changes
    # ... and u v stays on the minimiser set up to the label-noise fluctuation: at the balanced point the
    # stationary covariance is S (Proposition 5, Sigma = G = H there), Var(u v) = grad(uv)^T S grad(uv).
    balanced = model.stationary_point(np.array([1.0, 1.0]), eta, lam)
    H = model.hessian(np.array([1.0, 1.0]))
    S = noise_fixed_point(H, model.gauss_newton(np.array([1.0, 1.0])), eta, lam)
    sd_uv = np.sqrt(np.array([1.0, 1.0]) @ S @ np.array([1.0, 1.0]))
    assert np.all(np.abs(u * v - 1.0) < 5 * sd_uv)
    assert np.all(res.trace_hessian[-1] < 0.2 * res.trace_hessian[0])
    assert abs(balanced.theta[0] - balanced.theta[1]) < 1e-8  # the stationary point of L + lambda R is balanced

    # plain minibatch SGD (sigma = 0) at the same sharp minimiser: every per-sample gradient is
    # (u v - c) x^2 (v, u) = O(1e-16), so it does not move.
    plain = simulate_label_noise_sgd(model, theta0, eta, 0.0, K, batch_size=B, n_walkers=4, rng=5, record_every=K)
    assert np.max(np.abs(plain.final_theta - theta0)) < 1e-12


def test_product_model_regularized_trajectory_drifts_to_balance():
    # Phi_k (GD on L + lambda R) started at the same sharp minimiser decreases tr H monotonically along the
    # minimiser set and ends near the balanced stationary point of L + lambda R.
    model = product_model(XS, 1.0)
    eta, lam = 0.05, 0.02
    K = int(np.ceil(8.0 / (eta * lam * M2)))
    path = regularized_trajectory(model, [4.0, 0.25], eta, lam, K, record_every=K // 10)
    assert np.all(np.diff(path.trace_hessian) < 0)
    target = model.stationary_point(np.array([1.0, 1.0]), eta, lam).theta
    # D decays at least like exp(-eta lam m2 k) (the tr H / 4 rate; the exact R is faster)
    D = path.theta[-1, 0] ** 2 - path.theta[-1, 1] ** 2
    assert 0 < D < 15.94 * np.exp(-K * eta * lam * M2 * 0.99)
    assert np.allclose(path.theta[-1], target, atol=0.02)


# ---------------------------------------------------------------------------- sparse regression
def sparse_problem():
    rng = np.random.default_rng(15)
    n, d = 3, 5
    X = rng.standard_normal((n, d))
    X /= np.sqrt(np.mean(X ** 2, axis=0))  # w_j = mean_i X_ij^2 = 1: tr H / 4 = ||beta||_1 at zero loss
    beta_star = np.zeros(d)
    beta_star[0] = 1.0
    return X, beta_star


def test_sparse_regression_recovers_ground_truth():
    X, beta_star = sparse_problem()
    n, d = X.shape
    y = X @ beta_star
    # independent check that beta* is the unique l1 minimiser on {X beta = y, beta >= 0}
    lp = optimize.linprog(np.ones(d), A_eq=X, b_eq=y, bounds=[(0, None)] * d)
    assert np.allclose(lp.x, beta_star, atol=1e-9)
    other = optimize.linprog(-np.r_[0.0, np.ones(d - 1)], A_ub=np.ones((1, d)), b_ub=[1.0 + 1e-9], A_eq=X, b_eq=y,
                             bounds=[(0, None)] * d)
    assert -other.fun < 1e-6
    # a dense interpolant (max-min entries, LP) to start from: every beta_j > 0.5
    c = np.r_[np.zeros(d), -1.0]
    dense = optimize.linprog(c, A_ub=np.hstack([-np.eye(d), np.ones((d, 1))]), b_ub=np.zeros(d),
                             A_eq=np.hstack([X, np.zeros((n, 1))]), b_eq=y, bounds=[(0, 4)] * d + [(None, None)])
    beta0 = dense.x[:d]
    assert beta0.min() > 0.5
    model = sparse_regression_model(X, beta_star)
    theta0 = np.sqrt(beta0)
    assert model.loss(theta0) < 1e-25
    eta, lam, B, runs, K = 0.04, 0.02, 1, 32, 4000
    sigma = np.sqrt(lam * B / eta)
    res = simulate_label_noise_sgd(model, theta0, eta, sigma, K, batch_size=B, n_walkers=runs, rng=3, record_every=K)
    beta = res.final_theta ** 2
    # Off the support the small-eta drift is d theta_j / dk = -2 eta lam w_j theta_j (grad of lam sum w_j theta_j^2),
    # so beta_j ~ beta0_j exp(-4 eta lam k); with half that rate, 0.6 exp(-2 * 0.04 * 0.02 * 4000) = 1e-3.
    # The median over runs must be below it (single runs are heavy-tailed: multiplicative noise).
    assert np.all(np.median(beta[:, 1:], axis=0) < 0.6 * np.exp(-2 * eta * lam * K))
    # On the support: the run median within 5 standard errors of the stationary point of L + lambda R,
    # itself within O(lambda) of beta* (checked below).
    point = model.stationary_point(np.sqrt(beta_star), eta, lam)
    se = 1.25 * beta[:, 0].std(ddof=1) / np.sqrt(runs)
    assert abs(np.median(beta[:, 0]) - point.theta[0] ** 2) < 5 * se
    assert np.all(np.abs(point.theta[1:]) < 1e-6) and abs(point.theta[0] ** 2 - 1.0) < 5 * lam
    # plain SGD from the same dense interpolant does not move: it is a global minimiser.
    plain = simulate_label_noise_sgd(model, theta0, eta, 0.0, K, batch_size=B, n_walkers=2, rng=3, record_every=K)
    assert np.allclose(plain.final_theta ** 2, beta0, atol=1e-12)


# ---------------------------------------------------------------------------- 1D: FPE and simulation
def loss_grad_1d(t):
    return 2 * M2 * t * (t * t - 1.0)  # L = m2/2 (theta^2 - 1)^2


def third_1d(t):
    return 12 * M2 * t


def fpe_mean_and_mode(lam, eta=0.05):
    model = quadratic_1d_model(XS, 1.0)
    B = XS.size
    sigma2 = lam * B / eta
    land = model.landscape((0.3, 2.5), label_noise_std=np.sqrt(sigma2), batch_size=B, replacement=False)
    sd = np.sqrt(lam / 2)
    # outside 9 (Gaussian) standard deviations the density is below ~e^-40 of its peak (both tails are
    # lighter than Gaussian here: the potential grows like -log(theta) toward 0 and like theta^2 / 2 beyond)
    x = np.linspace(1 - 9 * sd, 1 + 9 * sd, 8001)
    p = stationary_density(land, eta, x)
    mean = integrate.simpson(x * p, x=x) / integrate.simpson(p, x=x)
    mode = optimize.minimize_scalar(lambda t: -stationary_density(land, eta, np.array([t]), log=True)[0],
                                    bracket=(1 - sd, 1.0), tol=1e-12).x
    return model, land, mean, mode, sigma2


def test_1d_landscape_uses_label_noise_sigma():
    model, land, _, _, sigma2 = fpe_mean_and_mode(0.01)
    t = np.linspace(0.4, 2.0, 7)
    # no minibatch noise (full batch without replacement); label noise sigma^2 mean f'^2 / B = 4 m2 sigma^2 t^2 / 3
    assert np.allclose(land.sigma(t), 4 * M2 * sigma2 * t ** 2 / 3, rtol=1e-13)
    assert np.allclose(land.grad(t), loss_grad_1d(t), rtol=1e-13)
    assert np.allclose(land.hess(t), M2 * (6 * t ** 2 - 2), rtol=1e-13)
    assert np.allclose(model.hessian(t[:, None])[:, 0, 0], land.hess(t), rtol=1e-14)


def test_1d_fpe_mean_and_mode():
    # Stationary FPE: E[L'] = 0 and, to first order, Var = tau Sigma(1) / (2 H) = lam / 2 (Sigma = lam G / eta,
    # G = H at theta* = 1), so E[theta] - 1 = -L''' lam / (4 H) + O(lam^2): the stationary point of
    # L + lam tr H / 4.  The mode solves L' + (tau/2) Sigma' = 0 exactly (closed-form density).
    results = {}
    for lam in (0.01, 0.005):
        model, land, mean, mode, sigma2 = fpe_mean_and_mode(lam)
        reg = optimize.brentq(lambda t: loss_grad_1d(t) + lam * third_1d(t) / 4, 0.5, 1.0, xtol=1e-15)
        # the package's stationary point of L + lam R with eta -> 0 is that point
        assert model.stationary_point(np.array([1.0]), 0.0, lam).theta[0] == pytest.approx(reg, abs=1e-9)
        exact_mode = optimize.brentq(lambda t: loss_grad_1d(t) + 0.05 / 2 * 8 * M2 * sigma2 * t / 3, 0.5, 1.0,
                                     xtol=1e-15)
        # the maximiser of the density is located to ~sqrt(eps |log p| / |log p''|) ~ 1e-9
        assert mode == pytest.approx(exact_mode, abs=1e-7)
        results[lam] = (mean - reg, reg - 1.0, mean, mode, land)
    err1, shift1 = results[0.01][:2]
    err2, shift2 = results[0.005][:2]
    assert abs(err1) < 0.01 * abs(shift1)
    # O(lam^2) error: halving lam divides it by 4 (1 + O(lam))
    assert 3.6 < err1 / err2 < 4.4
    # mode and mean differ at first order: mode ~ stationary point of L + (lam/2) G (G' = 8 m2 theta) gives a
    # shift -lam, the mean -3 lam / 4; their ratio tends to 4/3
    mean, mode, land = results[0.005][2:]
    assert (mode - 1.0) / (mean - 1.0) == pytest.approx(4 / 3, rel=0.03)
    # the finite-volume stationary state (exact at the cell centres) has the same mean to O(h^2)
    mean_q = mean
    fp = FokkerPlanck(land, 0.05, 4000)
    p = fp.stationary()
    mean_fv = np.sum(fp.grid.centres * p * fp.grid.widths)
    assert mean_fv == pytest.approx(mean_q, abs=1e-5)


@pytest.mark.parametrize("beta", [0.0, 0.5])
def test_1d_sgd_at_large_eta_follows_eta_dependent_regulariser(beta):
    # Discrete label-noise SGD (full batch, so only label noise) at eta H / (1 + beta) = 1, where
    # R_eta doubles the tr H / 4 prediction of the mean shift.  Exactly, E[L'] = 0 at stationarity; to first order
    # Var = lam / (2 - eta H / (1 + beta)) (AR(1)/AR(2) variance, lam = eta sigma^2 / (B (1 - beta))), so
    # E[theta] = stationary point of L + lam R_eta + O(lam^2): the discrete-time correction the SDE cannot see.
    model = quadratic_1d_model(XS, 1.0)
    H, B, lam = 4 * M2, XS.size, 0.005
    eta = (1 + beta) / H
    sigma = np.sqrt(lam * B * (1 - beta) / eta)
    assert regularization_strength(eta, sigma, B, momentum=beta) == pytest.approx(lam)
    res = simulate_label_noise_sgd(model, [1.0], eta, sigma, 4000, batch_size=B, replacement=False, n_walkers=600,
                                   momentum=beta, rng=21, record_every=5)
    tail = res.theta[40:, :, 0]  # after 200 iterations (relaxation time ~ 1 / (eta H) = 1 + beta iterations)
    run_means = tail.mean(axis=0)
    mean, se = run_means.mean(), run_means.std(ddof=1) / np.sqrt(run_means.size)
    with_r = model.stationary_point(np.array([1.0]), eta, lam, beta).theta[0]
    with_trace = model.stationary_point(np.array([1.0]), 0.0, lam, beta).theta[0]
    assert (with_r - 1.0) == pytest.approx(2 * (with_trace - 1.0), rel=0.05)  # first order: factor 2 at eta H = 1+beta
    # The first-order theory's relative error is O(lam) (measured ~4 lam for beta = 0 and ~16 lam for beta = 0.5 in
    # this model); the two predictions differ by 100 %.  Require SGD 4x closer to R_eta than to tr H / 4,
    # and within 5 SE + 20 % of the shift of the R_eta point.
    assert abs(mean - with_r) < 0.25 * abs(mean - with_trace)
    assert abs(mean - with_r) < 5 * se + 0.2 * abs(with_r - 1.0)
    if beta == 0.0:
        # stationary variance = S of Proposition 5 (Sigma = G = H): lam / (2 - eta H) = lam here, to O(lam)
        S = noise_fixed_point(np.array([[H]]), np.array([[H]]), eta, lam)[0, 0]
        assert tail.var() == pytest.approx(S, rel=0.05)


def test_example_runs_as_a_script():
    """examples/plot_label_noise.py is a plain script that ends with a figure."""
    import pathlib
    import runpy

    import matplotlib.pyplot as plt

    plt.close("all")
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "plot_label_noise.py"
    runpy.run_path(str(path), run_name="__main__")
    assert plt.get_fignums()
    plt.close("all")


# ---------------------------------------------------------------------------- 0.1 names keep working
def test_renamed_keywords_and_fields_warn_and_agree():
    model = product_model(XS, 1.0)
    new = simulate_label_noise_sgd(model, [2.0, 0.5], 0.05, 0.3, 20, n_walkers=3, rng=4, record_every=10)
    with pytest.warns(FutureWarning) as caught:
        old = simulate_label_noise_sgd(model, [2.0, 0.5], 0.05, sigma=0.3, steps=20, runs=3, seed=4, record_every=10)
    messages = " ".join(str(w.message) for w in caught)
    for old_name, new_name in [("sigma", "label_noise_std"), ("steps", "n_iterations"), ("runs", "n_walkers"),
                               ("seed", "rng")]:
        assert f"`{old_name}` was renamed `{new_name}`" in messages
    assert np.array_equal(new.theta, old.theta)
    with pytest.warns(FutureWarning, match="two-point"):
        rad = simulate_label_noise_sgd(model, [2.0, 0.5], 0.05, 0.3, 20, n_walkers=3, rng=4, record_every=10,
                                       noise="rademacher")
    assert np.array_equal(rad.theta, new.theta) and rad.noise == "two-point"
    with pytest.warns(FutureWarning, match="n_walkers"):
        assert new.n_runs == 3
    with pytest.warns(FutureWarning, match="label_noise_std"):
        assert new.sigma == 0.3
    with pytest.raises(TypeError, match="both"):
        simulate_label_noise_sgd(model, [2.0, 0.5], 0.05, 0.3, n_iterations=5, steps=5)
    with pytest.warns(FutureWarning, match="n_iterations"):
        path = regularized_trajectory(model, [2.0, 0.5], 0.05, 0.01, steps=5)
    assert path.iterations[-1] == 5
    with pytest.warns(FutureWarning, match="label_noise_std"):
        assert regularization_strength(0.1, sigma=0.5, batch_size=4) == pytest.approx(0.1 * 0.25 / 4)
    # the 0.1 landscape keyword was the variance; the new one is the standard deviation
    one = quadratic_1d_model(XS, 1.0)
    with pytest.warns(FutureWarning, match="variance"):
        a = one.landscape((0.3, 2.5), label_noise=0.04, batch_size=3, replacement=False)
    b = one.landscape((0.3, 2.5), label_noise_std=0.2, batch_size=3, replacement=False)
    t = np.linspace(0.5, 2.0, 5)
    assert np.allclose(a.sigma(t), b.sigma(t), rtol=1e-14)
    with pytest.raises(TypeError, match="pass only `label_noise_std`"):
        one.landscape((0.3, 2.5), label_noise_std=0.0, label_noise=0.04)
    # the old import paths
    from fpesolve.label_noise import LabelNoiseSGDResult, simulate_label_noise_sgd as old_sim  # noqa: F401
    from fpesolve.regularizer import noise_fixed_point as old_fp, regularized_stationary_point  # noqa: F401
    assert old_sim is simulate_label_noise_sgd and old_fp is noise_fixed_point
    # results are Result objects: one-line repr, JSON without NaN
    assert "\n" not in repr(new) and new.to_json()
    assert not new.theta.flags.writeable


def test_step_noise_covariance_matches_one_step_monte_carlo():
    # Independent: the empirical covariance of one simulated step (40000 walkers) against the model's formula,
    # each entry within 5 of its own Monte Carlo standard errors.
    model = product_model(XS, 1.0)
    theta = np.array([1.5, 0.9])
    eta, sigma, B, m = 0.1, 0.5, 2, 40000
    res = simulate_label_noise_sgd(model, theta, eta, sigma, 1, batch_size=B, n_walkers=m, rng=9)
    step = res.theta[-1] - theta
    Q = model.step_noise_covariance(theta, eta, sigma, B)
    centred = step - step.mean(axis=0)
    prods = centred[:, :, None] * centred[:, None, :]
    se = prods.std(axis=0) / np.sqrt(m)
    assert np.all(np.abs(prods.mean(axis=0) - Q) < 5 * se)
    # at a zero-loss point only eta lambda G is left (lambda = eta sigma^2 / B)
    star = np.array([2.0, 0.5])
    lam = eta * sigma ** 2 / B
    assert np.allclose(model.step_noise_covariance(star, eta, sigma, B), eta * lam * model.gauss_newton(star),
                       rtol=1e-12, atol=1e-16)


def test_exact_third_derivatives_of_quadratic_outputs_match_finite_differences():
    from fpesolve.labelnoise.base import OutputModel

    model = product_model(XS, 1.0)
    theta = np.array([1.3, -0.4])
    exact = model.hessian_derivative(theta)
    fd = OutputModel.hessian_derivative(model, theta)   # central differences of the exact Hessian
    assert np.allclose(exact, fd, rtol=1e-8, atol=1e-9)
    # closed form d/du, d/dv of m2 [[v^2, 2uv - c], [2uv - c, u^2]]
    u, v = theta
    closed = M2 * np.array([[[0, 2 * v], [2 * v, 2 * u]], [[2 * v, 2 * u], [2 * u, 0]]])
    assert np.allclose(exact, closed, rtol=1e-14, atol=1e-14)
    batch = np.array([[1.3, -0.4], [0.2, 2.0]])
    assert np.allclose(model.regularized_grads(batch, 0.2, 0.05),
                       np.array([model.regularized_grad(t, 0.2, 0.05) for t in batch]), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="quadratic_outputs"):
        SquaredLossModel(model.outputs, model.output_grads, model.labels, 2, quadratic_outputs=True)


@pytest.mark.parametrize("name", ["plot_label_noise_coupling", "plot_label_noise_stationarity",
                                  "plot_large_step_regularizer", "plot_label_flip", "plot_sgd_cycling",
                                  "plot_momentum_sign"])
def test_new_examples_run_as_scripts(name):
    import pathlib
    import runpy

    import matplotlib.pyplot as plt

    plt.close("all")
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / f"{name}.py"
    runpy.run_path(str(path), run_name="__main__")
    assert plt.get_fignums()
    plt.close("all")


def test_results_are_result_objects_with_json():
    from fpesolve._util.result import Result
    from fpesolve.labelnoise import (couple_label_noise_sgd, covariance_regularized_trajectory, large_step_limit,
                                     logistic_product_model, simulate_label_flip_sgd)

    model = product_model(XS, 1.0)
    objs = [model.stationary_point([1.0, 1.0], 0.1, 0.01),
            simulate_label_noise_sgd(model, [2.0, 0.5], 0.05, 0.3, 5, rng=0),
            regularized_trajectory(model, [2.0, 0.5], 0.05, 0.01, 5),
            covariance_regularized_trajectory(model, [2.0, 0.5], 0.05, 5, label_noise_std=0.3),
            couple_label_noise_sgd(model, [2.0, 0.5], 0.05, 0.3, 5, n_walkers=2, rng=0),
            large_step_limit([2.0, 1.0], [0.1]),
            simulate_label_flip_sgd(logistic_product_model(), [1.0, 1.0], 0.1, 5, rng=0)]
    for obj in objs:
        assert isinstance(obj, Result)
        assert "\n" not in repr(obj) and obj.summary() and obj.to_json()
