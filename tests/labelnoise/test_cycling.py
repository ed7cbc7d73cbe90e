"""Appendix F.2 (fpesolve's construction): minibatch SGD that goes round a circle of minimisers forever.

References independent of the package: the loss written out by hand, its third derivatives by finite differences of
a finite-difference Hessian, the per-sample gradient covariance enumerated directly, S from scipy's Lyapunov solver.
"""

import numpy as np
import pytest
from scipy import linalg

from fpesolve.labelnoise.cycling import CYCLING_SAMPLES, cycling_model, cycling_rate, simulate_cycling

P = np.array(CYCLING_SAMPLES)
P[:, 2] *= 2.0     # the default radial weight


def per_sample(t):
    x, y, r, z = t
    u = np.array([r * x + z * y, -r * y + z * x, 0.5 * (x * x + y * y - 1)])
    return P[:, :3] @ u - P[:, 3]


def loss(t):
    return 0.5 * np.mean(per_sample(t) ** 2)


def fd_hessian(t, h=1e-4):
    E = np.eye(4) * h
    return np.array([[(loss(t + a + b) - loss(t + a - b) - loss(t - a + b) + loss(t - a - b)) / (4 * h * h)
                      for b in E] for a in E])


def test_model_against_the_hand_written_loss():
    m = cycling_model()
    t = np.array([0.8, 0.5, 0.1, -0.2])
    assert m.loss(t) == pytest.approx(loss(t), rel=1e-14)
    h = 1e-6
    fd = np.array([(loss(t + h * e) - loss(t - h * e)) / (2 * h) for e in np.eye(4)])
    assert np.allclose(m.grad(t), fd, rtol=1e-7, atol=1e-9)
    assert np.allclose(m.hessian(t), fd_hessian(t), rtol=1e-5, atol=1e-7)
    # the whole circle is a minimiser, with the same loss (per-sample losses do not vanish)
    for phi in np.linspace(0, 2 * np.pi, 7):
        c = np.array([np.cos(phi), np.sin(phi), 0.0, 0.0])
        assert np.max(np.abs(m.grad(c))) < 1e-14 and m.loss(c) == pytest.approx(0.2, rel=1e-14)
        assert np.all(np.linalg.eigvalsh(m.hessian(c))[1:] > 0.05)     # one flat (tangent) direction


def test_rotation_rate_closed_form_equals_an_independent_drift_computation():
    eta, B = 0.2, 1
    t = np.array([1.0, 0.0, 0.0, 0.0])
    # per-sample gradients at t, their covariance, the fixed point S by scipy on the span of G
    J = np.array([[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0.0]])             # du/dtheta at (1, 0, 0, 0)
    g = (per_sample(t))[:, None] * (P[:, :3] @ J)
    Q = eta ** 2 / B * (g.T @ g / len(P))
    G = (P[:, :3] @ J).T @ (P[:, :3] @ J) / len(P)
    span = np.linalg.eigh(G)[1][:, 1:]                                        # drop the tangent direction
    Sr = linalg.solve_discrete_lyapunov(span.T @ (np.eye(4) - eta * G) @ span, span.T @ Q @ span)
    S = span @ Sr @ span.T
    # tangential drift -eta/2 d/dy <S, H(theta)> by central differences of the finite-difference Hessian
    h = 1e-3
    e = np.array([0.0, h, 0.0, 0.0])
    dR = (np.sum(S * fd_hessian(t + e)) - np.sum(S * fd_hessian(t - e))) / (2 * h)
    omega_independent = -0.5 * eta * dR
    omega = cycling_rate(eta, B)
    assert omega == pytest.approx(omega_independent, rel=1e-4)   # FD of FD: ~1e-6 relative
    assert omega > 0


def test_sgd_cycles_at_the_predicted_rate_and_frozen_r_s_stops():
    res = simulate_cycling(0.2, 2500, n_walkers=150, rng=4)
    # MC rule: 5 standard errors plus 5 % for the O(S) higher-order terms (measured +1.2 % with 200 walkers x 3770)
    assert abs(res.simulated_rate - res.predicted_rate) < 5 * res.simulated_standard_error + 0.05 * res.predicted_rate
    assert res.drift_rate == pytest.approx(res.predicted_rate, rel=1e-9)
    assert res.n_turns > 1.2 and res.circulation == pytest.approx(2 * np.pi * res.predicted_rate / 0.2)
    assert np.all(np.abs(res.radius[-1] - 1) < 0.5)            # walkers stay near the circle
    # R_S frozen at the start is a fixed potential: its gradient flow stops well within a turn ...
    assert res.frozen_angle[-1] < 1.0 and abs(res.frozen_angle[-1] - res.frozen_angle[-10]) < 1e-3
    # ... while re-anchoring the reference point (Section 3.2) goes round like SGD
    moving_rate = res.moving_angle[-1] / res.iterations[-1]
    assert moving_rate == pytest.approx(res.predicted_rate, rel=0.02)


def test_no_cycling_when_the_noise_commutes_with_the_curvature():
    # Control: without the mixed sample (1, 1, 0), A and C are both diagonal, omega = 0 exactly, and SGD's mean
    # angle stays within 5 standard errors of zero while the default model turns by ~0.7 rad in as many iterations.
    commuting = [(1.0, 0.0, 0.0, 1.0), (1.0, 0.0, 0.0, -1.0), (0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 1.0, 0.0)]
    assert cycling_rate(0.2, samples=commuting) == 0.0
    res = simulate_cycling(0.2, 800, n_walkers=150, samples=commuting, start_angle=1.0, rng=6)
    # (started at angle 1: from angle 0 the plane y = z = 0 is invariant for these samples and nothing moves)
    assert 0 < res.simulated_standard_error and abs(res.simulated_rate) < 5 * res.simulated_standard_error
    assert abs(res.moving_angle[-1]) < 1e-10 and abs(res.frozen_angle[-1]) < 1e-10
    with pytest.raises(ValueError, match="mean"):
        cycling_model(samples=[(1.0, 0.0, 0.0, 1.0)])
    with pytest.raises(ValueError, match="rotation rate is zero"):
        simulate_cycling(0.2, samples=commuting)
