"""Tests of fpesolve.regularizer: R, lambda, grad R, stationary points of L + lambda R, fixed point S."""

import mpmath
import numpy as np
import pytest
from scipy import linalg, optimize

from fpesolve.labelnoise.fixed_point import noise_fixed_point
from fpesolve.labelnoise.regularizer import (implicit_regularizer, regularization_strength, regularized_gradient,
                                             regularized_loss, regularizer_derivative, regularizer_from_eigenvalues,
                                             regularizer_gradient, regularizer_weight_matrix)
from fpesolve.labelnoise.stationary import regularized_stationary_point


def r_mp(h, eta):
    """-(1/(2 eta)) log(1 - eta h / 2) in 50-digit arithmetic."""
    with mpmath.workdps(50):
        h, eta = mpmath.mpf(h), mpmath.mpf(eta)
        return float(-mpmath.log(1 - eta * h / 2) / (2 * eta))


# ---------------------------------------------------------------------------- R itself
@pytest.mark.parametrize("h,eta", [(1.0, 0.1), (3.7, 0.5), (1.0, 1e-12), (1e-9, 1e-3), (2.0, 1.0 - 1e-12),
                                   (2.0, 0.999999), (-3.0, 0.4), (10.0, 0.1999)])
def test_r_matches_high_precision_closed_form(h, eta):
    # log1p keeps full relative accuracy for tiny eta*h and up to the edge eta*h -> 2; the only error is the
    # rounding of x = eta*h/2, amplified by 1/|(1 - x) log(1 - x)| near the edge (1e-12 from the edge: ~1e4).
    x = eta * h / 2
    amplification = 1.0 if abs(x) < 0.5 else 1.0 / abs((1 - x) * np.log1p(-x))
    got = regularizer_from_eigenvalues([h], eta)
    assert got == pytest.approx(r_mp(h, eta), rel=8e-16 * (1 + amplification))


def test_r_series_and_small_eta_limit():
    h = np.array([0.3, 1.0, 2.5, 7.0])
    for eta in [1e-2, 1e-3]:
        # the paper's series lambda/4 + eta lambda^2/16 + eta^2 lambda^3/48; the remainder starts with the
        # k = 4 term eta^3 h^4 / 128 and is within a factor 1 + O(eta h) of it.
        three = np.sum(h / 4 + eta * h ** 2 / 16 + eta ** 2 * h ** 3 / 48)
        fourth = np.sum(eta ** 3 * h ** 4 / 128)
        rem = regularizer_from_eigenvalues(h, eta) - three
        assert rem == pytest.approx(fourth, rel=2 * eta * h.max())
    # eta -> 0: R -> tr H / 4 with first correction eta sum h^2 / 16
    H = np.diag(h)
    for eta in [1e-4, 1e-6, 1e-8]:
        diff = implicit_regularizer(H, eta) - h.sum() / 4
        assert diff == pytest.approx(eta * np.sum(h ** 2) / 16, rel=eta * h.max())
    assert implicit_regularizer(H, 0.0) == h.sum() / 4


def test_r_of_matrix_is_sum_over_eigenvalues_and_batches():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    H = A @ A.T
    h = np.linalg.eigvalsh(H)
    eta = 1.5 / h.max()
    expected = sum(r_mp(v, eta) for v in h)
    assert implicit_regularizer(H, eta) == pytest.approx(expected, rel=1e-14)
    stack = np.stack([H, 0.5 * H])
    got = implicit_regularizer(stack, eta)
    assert got.shape == (2,)
    assert got[1] == pytest.approx(sum(r_mp(v / 2, eta) for v in h), rel=1e-14)
    # derivative r'(h) = 1 / (2 (2 - eta h)) against mpmath differentiation
    with mpmath.workdps(30):
        num = float(mpmath.diff(lambda t: -mpmath.log(1 - eta * t / 2) / (2 * eta), h[-1]))
    assert regularizer_derivative(h, eta)[-1] == pytest.approx(num, rel=1e-13)
    W = regularizer_weight_matrix(H, eta)
    assert np.allclose(W, 0.5 * np.linalg.inv(2 * np.eye(4) - eta * H), rtol=1e-12, atol=1e-14)


def test_edge_raises_naming_the_eigenvalue():
    eta = 0.25
    with pytest.raises(ValueError, match=r"eigenvalue 8\.0 .*2\(1\+beta\)/eta = 8\.0"):
        regularizer_from_eigenvalues([1.0, 8.0], eta)
    with pytest.raises(ValueError, match="eigenvalue 9.5"):
        implicit_regularizer(np.diag([9.5, 1.0]), eta)
    # just below the edge it is finite and large
    assert np.isfinite(regularizer_from_eigenvalues([8.0 * (1 - 1e-15)], eta))
    # momentum moves the edge to 2(1+beta)/eta
    assert np.isfinite(regularizer_from_eigenvalues([10.0], eta, momentum=0.5))  # beyond 8 = 2/eta, below 12
    with pytest.raises(ValueError, match="eigenvalue 12.0"):
        regularizer_from_eigenvalues([12.0], eta, momentum=0.5)
    with pytest.raises(ValueError, match="non-finite"):
        regularizer_from_eigenvalues([np.nan], eta)
    with pytest.raises(ValueError, match="`eta`"):
        regularizer_from_eigenvalues([1.0], -0.1)
    with pytest.raises(ValueError, match="`momentum`"):
        regularizer_from_eigenvalues([1.0], 0.1, momentum=1.0)
    with pytest.raises(ValueError, match="symmetric"):
        implicit_regularizer(np.array([[1.0, 2.0], [0.0, 1.0]]), 0.1)


def test_negative_curvature_continuation_and_raise_option():
    eta, h = 0.3, -2.0
    got = regularizer_from_eigenvalues([h], eta)
    # documented: the formula's value, -(1/(2 eta)) log1p(eta |h| / 2), finite and in (h/4, 0)
    assert got == pytest.approx(-np.log1p(eta * abs(h) / 2) / (2 * eta), rel=1e-15)
    assert h / 4 < got < 0
    assert got == pytest.approx(r_mp(h, eta), rel=1e-15)
    with pytest.raises(ValueError, match="negative"):
        regularizer_from_eigenvalues([1.0, h], eta, negative_curvature="raise")
    with pytest.raises(ValueError, match="negative_curvature"):
        regularizer_from_eigenvalues([1.0], eta, negative_curvature="clip")


def test_momentum_variant_and_lambda():
    h = np.array([0.5, 2.0, 5.0])
    eta, beta = 0.3, 0.6
    # derived R_beta = -(1+beta)/(2 eta) sum log(1 - eta h / (2 (1+beta)))  (paper's Eq. (6) up to its sign slip)
    expected = -(1 + beta) / (2 * eta) * np.sum(np.log(1 - eta * h / (2 * (1 + beta))))
    assert regularizer_from_eigenvalues(h, eta, beta) == pytest.approx(expected, rel=1e-14)
    assert regularizer_from_eigenvalues(h, eta, beta) > 0
    assert regularizer_from_eigenvalues(h, eta, beta) == pytest.approx(regularizer_from_eigenvalues(h, eta / (1 + beta)),
                                                                       rel=1e-15)
    assert regularization_strength(0.1, 0.5, 4) == pytest.approx(0.1 * 0.25 / 4, rel=1e-15)
    assert regularization_strength(0.1, 0.5, 4, momentum=0.9) == pytest.approx(0.1 * 0.25 / 4 / 0.1, rel=1e-13)
    for bad, kw in [("`eta`", dict(eta=0.0)), ("`eta`", dict(eta=-1.0)), ("`label_noise_std`", dict(label_noise_std=-0.1)),
                    ("`batch_size`", dict(batch_size=0)), ("`momentum`", dict(momentum=-0.1))]:
        args = dict(eta=0.1, label_noise_std=0.5, batch_size=2)
        args.update(kw)
        with pytest.raises(ValueError, match=bad):
            regularization_strength(**args)


# ---------------------------------------------------------------------------- grad R and L + lambda R
M2, C = 7.0 / 6.0, 1.0  # product model constants: m2 = mean x^2 for x = (0.5, 1, 1.5), labels c x


def prod_loss(t):
    return 0.5 * M2 * (t[0] * t[1] - C) ** 2


def prod_grad(t):
    e = t[0] * t[1] - C
    return M2 * e * np.array([t[1], t[0]])


def prod_hess(t):
    u, v = t
    return M2 * np.array([[v * v, 2 * u * v - C], [2 * u * v - C, u * u]])


def prod_third(t):
    u, v = t
    return M2 * np.array([[[0, 2 * v], [2 * v, 2 * u]], [[2 * v, 2 * u], [2 * u, 0]]], dtype=float)


@pytest.mark.parametrize("theta", [np.array([2.0, 0.5]), np.array([0.7, -1.3]), np.array([1.0, 1.0])])
def test_regularizer_gradient_fd_matches_exact_third_derivatives(theta):
    eta = 0.2
    exact = regularizer_gradient(prod_hess, theta, eta, hessian_derivative=prod_third)
    fd = regularizer_gradient(prod_hess, theta, eta)
    # central differences of an exactly quadratic Hessian: only rounding, ~eps^(2/3) ~ 4e-11 relative
    assert np.allclose(fd, exact, rtol=1e-8, atol=1e-9)
    # independent check: central difference of R itself (O(h^2) = 1e-8 truncation with h = 1e-4)
    h = 1e-4
    R = lambda t: implicit_regularizer(prod_hess(t), eta)  # noqa: E731
    num = np.array([(R(theta + h * e) - R(theta - h * e)) / (2 * h) for e in np.eye(2)])
    assert np.allclose(exact, num, rtol=1e-6, atol=1e-7)
    lam = 0.03
    g = regularized_gradient(prod_grad, prod_hess, theta, eta, lam, hessian_derivative=prod_third)
    assert np.allclose(g, prod_grad(theta) + lam * exact, rtol=1e-14)
    assert regularized_loss(prod_loss, prod_hess, theta, eta, lam) == pytest.approx(prod_loss(theta) + lam * R(theta))


def test_regularized_stationary_point_of_product_model():
    # By the u <-> v symmetry the stationary point lies on u = v = s with phi'(s) = 0,
    # phi(s) = L(s, s) + lam (r(h1) + r(h2)), h1 = m2 (3 s^2 - c), h2 = m2 (c - s^2) (eigenvalues of H(s, s)).
    eta, lam = 0.2, 0.05

    def dphi(s):
        h1, h2 = M2 * (3 * s * s - C), M2 * (C - s * s)
        rp = lambda h: 0.5 / (2 - eta * h)  # noqa: E731
        return 2 * M2 * s * (s * s - C) + lam * (rp(h1) * 6 * M2 * s - rp(h2) * 2 * M2 * s)

    s = optimize.brentq(dphi, 0.8, 1.0, xtol=1e-15)
    point = regularized_stationary_point(prod_loss, prod_grad, prod_hess, [1.3, 0.8], eta, lam,
                                         hessian_derivative=prod_third)
    assert point.converged, point.summary()
    assert np.allclose(point.theta, [s, s], atol=1e-9)
    assert "converged=True" in point.summary()
    # it is a minimum of L + lambda R (not of L): u v < c by O(lambda)
    assert point.theta[0] * point.theta[1] < C


# ---------------------------------------------------------------------------- the fixed point S
def random_spd(rng, d, rank=None):
    A = rng.standard_normal((d, rank or d))
    return A @ A.T


def test_fixed_point_full_rank_matches_scipy_and_iteration():
    rng = np.random.default_rng(1)
    H = random_spd(rng, 4)
    Sig = random_spd(rng, 4)
    eta, lam = 1.2 / np.linalg.eigvalsh(H).max(), 0.07
    ref = linalg.solve_discrete_lyapunov(np.eye(4) - eta * H, eta * lam * Sig)
    for method in ["eigen", "lyapunov", "iteration"]:
        S = noise_fixed_point(H, Sig, eta, lam, method=method)
        assert np.allclose(S, ref, rtol=1e-10, atol=1e-13 * np.abs(ref).max()), method
    A = np.eye(4) - eta * H
    S = noise_fixed_point(H, Sig, eta, lam)
    assert np.allclose(A @ S @ A + eta * lam * Sig, S, rtol=1e-12, atol=1e-14)


def test_fixed_point_restricted_to_span_of_a_singular_hessian():
    rng = np.random.default_rng(2)
    d = 5
    H = random_spd(rng, d, rank=3)
    B = rng.standard_normal((d, 3))
    Sig = B @ B.T + 0.3 * np.eye(d)  # has a part outside span(H), which the restriction discards
    eta, lam = 1.0 / np.linalg.eigvalsh(H).max(), 0.1
    Q = linalg.orth(H)  # independent basis of the span
    P = Q @ Q.T
    Sr = linalg.solve_discrete_lyapunov(Q.T @ (np.eye(d) - eta * H) @ Q, eta * lam * Q.T @ Sig @ Q)
    ref = Q @ Sr @ Q.T
    for method in ["eigen", "lyapunov", "iteration"]:
        S = noise_fixed_point(H, Sig, eta, lam, method=method)
        assert np.allclose(S, ref, rtol=1e-9, atol=1e-12), method
        assert np.allclose(P @ S @ P, S, atol=1e-13)
    A = np.eye(d) - eta * H
    assert np.allclose(A @ ref @ A + eta * lam * P @ Sig @ P, ref, atol=1e-13)


def test_label_noise_fixed_point_is_the_regulariser_weight():
    # At a zero-loss point of the product model Sigma = G = H and S = lam P (2 - eta H)^{-1} = 2 lam r'(H) P,
    # so lam grad R = (1/2) grad^3 L [S]: the averaged third-order term of Section 3.1.
    theta = np.array([2.0, 0.5])  # u v = c
    eta, lam = 0.3, 0.04
    H = prod_hess(theta)
    S = noise_fixed_point(H, H, eta, lam)
    h, V = np.linalg.eigh(H)
    v = V[:, 1]  # the non-zero eigenvalue
    assert np.allclose(S, lam / (2 - eta * h[1]) * np.outer(v, v), rtol=1e-12, atol=1e-15)
    third = np.einsum("kij,ij->k", prod_third(theta), S) / 2
    grad_R = regularizer_gradient(prod_hess, theta, eta, hessian_derivative=prod_third)
    # grad R also has a component from the zero eigenvalue (weight r'(0) = 1/4), which S does not see;
    # project both onto the direction v where they must agree
    W = regularizer_weight_matrix(H, eta)
    flat = np.einsum("kij,ij->k", prod_third(theta), W - W @ np.outer(v, v))
    assert np.allclose(lam * (grad_R - flat), third, rtol=1e-12, atol=1e-15)


def test_fixed_point_errors():
    H = np.diag([1.0, 3.0])
    with pytest.raises(ValueError, match="eigenvalue 3.0"):
        noise_fixed_point(H, np.eye(2), 0.7, 0.1)
    with pytest.raises(ValueError, match="eigenvalue -1.0"):
        noise_fixed_point(np.diag([-1.0, 1.0]), np.eye(2), 0.1, 0.1)
    with pytest.raises(ValueError, match="method"):
        noise_fixed_point(H, np.eye(2), 0.1, 0.1, method="qr")
    with pytest.raises(RuntimeError, match="did not reach"):
        noise_fixed_point(H, np.eye(2), 0.01, 0.1, method="iteration", max_iter=5)
    with pytest.raises(ValueError, match="`lam`"):
        noise_fixed_point(H, np.eye(2), 0.1, -1.0)
