"""Constructions F1-F4 and healthy: critical points, H, Sigma, L where documented; per-sample sums exact."""

import numpy as np
import pytest

from fpesolve.failure_modes.constructions import (CONSTRUCTIONS, Construction, available, construction, double_well,
                                    f2_landscape, f3_landscape)

TWO_WELL = ["f1", "f3-equal-hessian", "f3-unequal-hessian", "f4", "healthy"]

# (H_A, Sigma_A, H_B, Sigma_B, barrier, L_min): the paper's numbers (F3: Sigma/H = 1; healthy: our choice)
SPEC = {
    "f1": (2.0, 1.0, 8.0, 8.0, 100.0, 0.0),
    "f3-equal-hessian": (2.0, 2.0, 2.0, 2.0, 1.0, 0.0),
    "f3-unequal-hessian": (2.0, 2.0, 8.0, 8.0, 1.0, 0.0),
    "f4": (2.0, 20.0, 2.0, 1.0, 10.0, 0.1),
    "healthy": (2.0, 1.0, 2.0, 4.0, 0.25, 0.0),
}


def test_registry_and_lookup():
    assert set(available()) == set(CONSTRUCTIONS) >= {"f1", "f2", "f3-equal-hessian", "f3-unequal-hessian", "f4",
                                                       "healthy"}
    assert construction("F3").key == "f3-equal-hessian"
    assert construction("f3_unequal_hessian").key == "f3-unequal-hessian"
    with pytest.raises(KeyError) as info:
        construction("f5")
    for name in CONSTRUCTIONS:
        assert name in str(info.value)


@pytest.mark.parametrize("name", TWO_WELL)
def test_two_well_critical_points_as_documented(name):
    c = construction(name)
    assert isinstance(c, Construction)
    H_A, S_A, H_B, S_B, barrier, L0 = SPEC[name]
    A, s, B = c.documented
    # closed forms at the documented points reproduce the specification (rounding only)
    for cp, H, S in ((A, H_A, S_A), (B, H_B, S_B)):
        x = np.array([cp.x])
        assert abs(c.grad(x)[0]) < 1e-12 * max(1.0, barrier)
        assert c.hess(x)[0] == pytest.approx(H, rel=1e-12)
        assert c.sigma(x)[0] == pytest.approx(S, rel=1e-12)
        assert c.loss(x)[0] == pytest.approx(L0, abs=1e-12 * max(1.0, barrier))
    xs = np.array([s.x])
    assert abs(c.grad(xs)[0]) < 1e-12 * max(1.0, barrier)
    assert c.loss(xs)[0] - L0 == pytest.approx(barrier, rel=1e-12)
    assert c.hess(xs)[0] < 0
    # the independent scan finds exactly these three critical points (Brent to ~1e-15)
    found = c.critical_points()
    assert [cp.kind for cp in found] == ["minimum", "saddle", "minimum"]
    for cp, doc in zip(found, c.documented):
        assert cp.x == pytest.approx(doc.x, abs=1e-9 * max(1.0, abs(doc.x)))
        assert cp.hess == pytest.approx(doc.hess, rel=1e-7)
        assert cp.sigma == pytest.approx(doc.sigma, rel=1e-7)
    # Sigma/H as in the paper
    assert A.sigma_over_hess == pytest.approx(S_A / H_A, rel=1e-12)
    assert B.sigma_over_hess == pytest.approx(S_B / H_B, rel=1e-12)


@pytest.mark.parametrize("name", TWO_WELL + ["f2"])
def test_per_sample_sum_reproduces_L_grad_hess_sigma(name):
    c = construction(name)
    a, b = c.domain
    x = np.linspace(a, b, 997)
    losses = c.samples.evaluate("losses", x)
    grads = c.samples.evaluate("grads", x)
    hess = c.samples.evaluate("hessians", x)
    scale = np.max(np.abs(c.grad(x))) + 1.0
    np.testing.assert_allclose(grads.mean(axis=0), c.grad(x), rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(losses.mean(axis=0), c.loss(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hess.mean(axis=0), c.hess(x), rtol=1e-11, atol=1e-11 * scale)
    var = np.mean((grads - grads.mean(axis=0)) ** 2, axis=0)
    np.testing.assert_allclose(var, c.sigma(x), rtol=1e-10, atol=1e-13)
    # derivatives are consistent with the losses (independent check: central differences, O(h^2) ~ 1e-6)
    h = 1e-5 * (b - a)
    xi = x[5:-5]
    fd = (c.samples.evaluate("losses", xi + h) - c.samples.evaluate("losses", xi - h)) / (2 * h)
    np.testing.assert_allclose(fd, c.samples.evaluate("grads", xi), rtol=1e-5, atol=1e-5 * scale)
    fd2 = (c.samples.evaluate("grads", xi + h) - c.samples.evaluate("grads", xi - h)) / (2 * h)
    np.testing.assert_allclose(fd2, c.samples.evaluate("hessians", xi), rtol=1e-5, atol=1e-5 * scale)
    fds = (c.sigma(xi + h) - c.sigma(xi - h)) / (2 * h)
    np.testing.assert_allclose(fds, c.sigma_grad(xi), rtol=1e-5, atol=1e-5 * (np.max(c.sigma(x)) + 1))


@pytest.mark.parametrize("name", TWO_WELL + ["f2"])
def test_numba_sample_gradients_match_numpy(name):
    c = construction(name)
    x = np.linspace(*c.domain, 101)
    sg = c.sample_gradients
    assert sg.n == c.samples.n
    numba_vals = np.array([sg.evaluate(xi) for xi in x]).T
    np.testing.assert_allclose(numba_vals, c.samples.evaluate("grads", x), rtol=1e-13, atol=1e-12)


def test_two_point_structure_gives_sigma_exactly():
    c = construction("f4")
    x = np.linspace(*c.domain, 11)
    g = c.samples.evaluate("grads", x)
    # l_1' - L' = +sqrt(Sigma), l_2' - L' = -sqrt(Sigma)
    np.testing.assert_allclose(g[0] - c.grad(x), np.sqrt(c.sigma(x)), rtol=1e-12)
    np.testing.assert_allclose(g[1] - c.grad(x), -np.sqrt(c.sigma(x)), rtol=1e-12)
    assert np.all(c.sigma(x) > 0)


def test_f2_quadratic_closed_forms():
    c = construction("f2")
    x = np.linspace(-1, 1, 21)
    np.testing.assert_allclose(c.loss(x), 5.0 * x ** 2, rtol=1e-14)
    np.testing.assert_allclose(c.grad(x), 10.0 * x, rtol=1e-14)
    np.testing.assert_allclose(c.sigma(x), 64.0 * x ** 2, rtol=1e-14)   # mean((h_i - 10)^2) x^2 = 64 x^2
    np.testing.assert_allclose(c.samples.evaluate("hessians", np.array([0.0]))[:, 0], [18.0, 2.0])
    assert [cp.kind for cp in c.critical_points()] == ["minimum"]


def test_gaps_and_test_loss():
    c = construction("f4")
    for label, gap in c.generalization_gaps.items():
        x = np.array([c.wells[label]])
        assert c.test_loss(x)[0] - c.loss(x)[0] == pytest.approx(gap, rel=1e-12)
    assert c.generalization_gaps["A"] < c.generalization_gaps["B"] and c.documented[0].sigma > c.documented[2].sigma   # the reversal


def test_batch_size_divides_sigma():
    one = double_well(2.0, 8.0, 1.0, 8.0, 1.0)
    two = double_well(2.0, 8.0, 1.0, 8.0, 1.0, batch_size=2)
    x = np.linspace(*one.domain, 7)
    np.testing.assert_allclose(two.sigma(x), one.sigma(x) / 2, rtol=1e-15)


def test_bad_parameters():
    with pytest.raises(ValueError, match="steepness"):
        double_well(2.0, 2.0, 20.0, 1.0, 10.0, steepness=0.5)   # |sB - sA|/(sA + sB) = 0.63 > 0.5
    with pytest.raises(ValueError, match="batch_size"):
        double_well(2.0, 2.0, 1.0, 1.0, 1.0, batch_size=3)
    with pytest.raises(ValueError, match="barrier"):
        double_well(2.0, 2.0, 1.0, 1.0, -1.0)
    with pytest.raises(ValueError, match="variant"):
        f3_landscape("bogus")
    with pytest.raises(ValueError, match="centres"):
        f2_landscape((18.0, 2.0), centres=(0.0,))


def test_summary_mentions_claims():
    text = construction("f1").summary()
    assert "1087" in text and "N1" in text
