"""Appendix E (fpesolve's derivation): cross entropy with label flipping, lambda = eta/B, R of the Hessian."""

import numpy as np
import pytest

from fpesolve.labelnoise import regularized_trajectory
from fpesolve.labelnoise.classification import (LabelFlipModel, flip_minimizer_logit, flip_regularization_strength,
                                                logistic_product_model, simulate_label_flip_sgd)

P = 0.2


def loss_closed(t, p=P):
    """L = mean_i softplus(f_i) - ybar_i f_i for f = u v x, x = (1, -1), y = (1, 0), written by hand."""
    f = t[0] * t[1] * np.array([1.0, -1.0])
    ybar = np.array([1 - p, p])
    return float(np.mean(np.log1p(np.exp(f)) - ybar * f))


def test_loss_gradient_hessian_against_finite_differences_of_the_closed_form():
    m = logistic_product_model(P)
    t = np.array([1.4, -0.6])
    assert m.loss(t) == pytest.approx(loss_closed(t), rel=1e-14)
    h = 1e-5
    fd = np.array([(loss_closed(t + h * e) - loss_closed(t - h * e)) / (2 * h) for e in np.eye(2)])
    assert np.allclose(m.grad(t), fd, rtol=1e-8, atol=1e-11)
    hh = 1e-4
    fd2 = np.array([[(loss_closed(t + hh * a + hh * b) - loss_closed(t + hh * a - hh * b)
                      - loss_closed(t - hh * a + hh * b) + loss_closed(t - hh * a - hh * b)) / (4 * hh * hh)
                     for b in np.eye(2)] for a in np.eye(2)])
    assert np.allclose(m.hessian(t), fd2, rtol=1e-6, atol=1e-8)
    no_hess = LabelFlipModel(m.outputs, m.output_grads, m.labels, 2, flip_probability=P)
    assert np.allclose(no_hess.hessian(t), m.hessian(t), rtol=1e-7, atol=1e-9)


def test_minimisers_and_the_noise_covariance_identity():
    m = logistic_product_model(P)
    c = flip_minimizer_logit(P)
    assert c == pytest.approx(np.log(4.0), rel=1e-15)
    t = np.array([3.0, c / 3])
    assert np.max(np.abs(m.grad(t))) < 1e-15
    # at a minimiser with s_i = ybar_i: Hessian = p(1 - p) G, and the step noise covariance = eta (eta/B) Hessian
    H = m.hessian(t)
    assert np.allclose(H, P * (1 - P) * m.gauss_newton(t), rtol=1e-13)
    eta, B = 0.5, 4
    lam = flip_regularization_strength(eta, B)
    assert np.allclose(m.step_noise_covariance(t, eta, B), eta * lam * H, rtol=1e-13)
    # off the minimiser the minibatch part appears and the identity fails
    off = np.array([1.0, 1.0])
    assert not np.allclose(m.step_noise_covariance(off, eta, B), eta * lam * m.hessian(off), rtol=1e-3)


def test_one_step_covariance_by_monte_carlo():
    m = logistic_product_model(P)
    t = np.array([1.2, 0.7])
    eta, B, n = 0.3, 2, 40000
    run = simulate_label_flip_sgd(m, t, eta, 1, batch_size=B, n_walkers=n, rng=3)
    step = run.theta[-1] - t
    assert np.all(np.abs(step.mean(axis=0) + eta * m.grad(t)) < 5 * step.std(axis=0) / np.sqrt(n))
    c = step - step.mean(axis=0)
    prods = c[:, :, None] * c[:, None, :]
    se = prods.std(axis=0) / np.sqrt(n)
    assert np.all(np.abs(prods.mean(axis=0) - m.step_noise_covariance(t, eta, B)) < 5 * se)


def test_label_flip_sgd_follows_the_eta_dependent_regulariser():
    # From the sharp minimiser (3, log 4 / 3) the balance D = u^2 - v^2 shrinks; over 2/(eta lam p(1-p))
    # iterations log D falls by ~2.4.  SGD (300 walkers, mean of log D with its SE) must be within 5 SE + 5 % of
    # GD on L + (eta/B) R (first-order theory, error O(lambda) = 3 %) and far from the small-step tr H / 4.
    m = logistic_product_model(P)
    c = flip_minimizer_logit(P)
    start = np.array([3.0, c / 3])
    eta, B = 0.5, 16
    lam = eta / B
    K = int(2 / (eta * lam * P * (1 - P)))
    run = simulate_label_flip_sgd(m, start, eta, K, batch_size=B, n_walkers=300, record_every=K, rng=0)
    assert run.lam == lam
    D = run.theta[:, :, 0] ** 2 - run.theta[:, :, 1] ** 2
    d_sgd = np.log(D[-1]) - np.log(D[0])
    mean, se = d_sgd.mean(), d_sgd.std(ddof=1) / np.sqrt(d_sgd.size)
    phi = regularized_trajectory(m, start, eta, lam, K, record_every=K)
    phi0 = regularized_trajectory(m, start, eta, lam, K, record_every=K, regularizer_eta=0.0)
    d_r = np.diff(np.log(phi.theta[:, 0] ** 2 - phi.theta[:, 1] ** 2))[0]
    d_0 = np.diff(np.log(phi0.theta[:, 0] ** 2 - phi0.theta[:, 1] ** 2))[0]
    assert abs(mean - d_r) < 5 * se + 0.05 * abs(d_r)
    assert abs(mean - d_0) > 20 * se
    assert np.all(run.trace_hessian[-1] < run.trace_hessian[0])


def test_bad_input():
    with pytest.raises(ValueError, match="`flip_probability`"):
        logistic_product_model(0.5)
    m = logistic_product_model(P)
    with pytest.raises(ValueError, match="0s and 1s"):
        LabelFlipModel(m.outputs, m.output_grads, [0.0, 2.0], 2)
    with pytest.raises(ValueError, match="`eta`"):
        simulate_label_flip_sgd(m, [1.0, 1.0], -0.1, 5)
    assert flip_minimizer_logit(0.0) == np.inf
