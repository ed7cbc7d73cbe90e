"""G1-G4 and the chain G1 => G3 => G4 against closed forms (refits of models whose minimiser is explicit)."""

import math

import numpy as np
import pytest

from fpesolve import Landscape
from fpesolve.failure_modes import check_goodness, diagnose
from fpesolve.failure_modes.constructions import construction
from fpesolve.failure_modes.goodness import _ordering

Y = np.array([-0.6, -0.1, 0.05, 0.3, 0.55, 0.7])


def tanh_model():
    r"""l_i = (tanh(theta) - y_i)^2 / 2: theta* = atanh(mean y), theta_-j = atanh(mean_{i != j} y) exactly."""
    y = Y[:, None]

    def f(x):
        return np.tanh(x)[None, :]

    def fp(x):
        return 1.0 / np.cosh(x)[None, :] ** 2

    land = Landscape.from_samples(lambda x: 0.5 * (f(x) - y) ** 2, lambda x: (f(x) - y) * fp(x), (-4.0, 4.0),
                                  hessians=lambda x: fp(x) ** 2 - 2.0 * (f(x) - y) * f(x) * fp(x))
    return land, (lambda x: np.broadcast_to(fp(np.asarray(x)), (Y.size, np.size(x))))


def test_g3_beta_and_loo_gap_equal_the_closed_form_refits():
    land, jac = tanh_model()
    res = check_goodness(land, jacobian=jac)
    m = res.minima[0]
    n = Y.size
    star = math.atanh(Y.mean())
    refits = np.array([math.atanh((Y.sum() - Y[j]) / (n - 1)) for j in range(n)])
    loss = 0.5 * (np.tanh(refits)[None, :] - Y[:, None]) ** 2 - 0.5 * (math.tanh(star) - Y[:, None]) ** 2
    assert m.x == pytest.approx(star, abs=1e-12)
    assert m.stability_method == "exact refits"
    assert m.stability == pytest.approx(np.max(np.abs(loss)), rel=1e-9)
    assert m.stability_pointwise == pytest.approx(np.mean(np.abs(np.diag(loss))), rel=1e-9)
    assert m.loo_gap == pytest.approx(np.mean(np.diag(loss)), rel=1e-9)
    assert res.gap_method == "leave-one-out" and m.generalization_gap == m.loo_gap
    # Bousquet-Elisseeff: |mean LOO gap| <= pointwise <= uniform beta
    assert abs(m.loo_gap) <= m.stability_pointwise <= m.stability
    # G2 from the Jacobian: ||J||_F / sqrt(n) = |f'(theta*)| = 1 - tanh^2
    assert m.jacobian_method == "jacobian"
    assert m.jacobian_complexity == pytest.approx(1.0 - math.tanh(star) ** 2, rel=1e-12)
    assert m.interpolating is False


def test_g3_leading_order_is_first_order_in_one_over_n():
    """beta_lead = max |l_i' l_j'| / ((n-1) H_-j): its relative error against exact refits falls like 1/n."""
    errors = []
    for n in (10, 40):
        rng = np.random.default_rng(3)
        y = rng.uniform(-0.5, 0.5, n)[:, None]

        def fp(x):
            return 1.0 / np.cosh(x)[None, :] ** 2

        land = Landscape.from_samples(lambda x: 0.5 * (np.tanh(x)[None, :] - y) ** 2,
                                      lambda x: (np.tanh(x)[None, :] - y) * fp(x), (-4.0, 4.0),
                                      hessians=lambda x: fp(x) ** 2 - 2.0 * (np.tanh(x)[None, :] - y) *
                                      np.tanh(x)[None, :] * fp(x))
        m = check_goodness(land).minima[0]
        errors.append(abs(m.stability_leading / m.stability - 1))
    assert errors[1] < errors[0] / 2.5     # 4x the samples: the error drops ~4x (first order)


def test_g2_at_an_interpolating_minimum_is_sqrt_h():
    res = check_goodness(construction("f2"))
    m = res.minima[0]
    assert m.interpolating is True and m.jacobian_method == "gauss-newton"
    assert m.jacobian_complexity == pytest.approx(math.sqrt(10.0), rel=1e-14)
    assert m.stability == 0.0                     # removing a sample does not move the interpolating minimum


def test_two_sample_constructions_fall_back_to_the_leading_order():
    c = construction("f4")
    res = check_goodness(c, [0.05, 0.5], gap_method="test-loss")
    for m in res.minima:
        assert m.stability_method == "leading order (Prop. 2.2)"
        # n = 2: H_-j = l_other'' = H (s' ~ 0 at the wells), so beta_lead = s^2 / H = Sigma/H
        assert m.stability == pytest.approx(m.sigma_over_hess, rel=1e-9)
        assert m.jacobian_complexity is None and "not interpolating" in m.jacobian_method
    assert [link.status for link in res.chain] == ["holds", "violated"]


def test_the_chain_links():
    labels = ("a", "b", "c")
    assert _ordering("x", [1, 2, 3], "y", [0.1, 0.2, 0.3], labels, 1e-9, "L").holds is True
    broken = _ordering("x", [1, 2, 3], "y", [0.1, 0.3, 0.2], labels, 1e-9, "L")
    assert broken.holds is False and "b/c" in broken.detail
    assert _ordering("x", [1, 1, 1], "y", [0.1, 0.2, 0.3], labels, 1e-9, "L").holds is None
    assert _ordering("x", [1, 2, 3], "y", [0.1, None, 0.3], labels, 1e-9, "L").holds is None
    tie = _ordering("x", [1, 2, 3], "y", [0.1, 0.1, 0.3], labels, 1e-9, "L")
    assert tie.holds is False                  # x separates a/b, y does not


def test_goodness_in_diagnose_uses_n4s_gaps():
    report = diagnose(construction("healthy"))
    g = report.goodness
    assert g.gap_method == report.n4.method
    assert [m.generalization_gap for m in g.minima] == pytest.approx(list(report.n4.gaps))
    assert all(link.holds for link in g.chain)
    assert "G1 => G3: holds" in report.summary()


def test_bad_input():
    land, _ = tanh_model()
    with pytest.raises(ValueError, match="generalization_gaps"):
        check_goodness(land, [0.1, 0.2])
    with pytest.raises(ValueError, match="jacobian"):
        check_goodness(land, jacobian=lambda x: np.ones((3, 2)))
    plain = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0 * x, domain=(-2.0, 2.0))
    res = check_goodness(plain)
    assert all(m.stability is None and m.jacobian_complexity is None for m in res.minima)
    assert res.gap_method == "none" and res.chain[0].holds is None
