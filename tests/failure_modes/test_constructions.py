"""Constructions F1-F4 and healthy: critical points, H, Sigma, L where documented; per-sample sums exact;
both noise profiles against their closed forms rebuilt in mpmath (tests/failure_modes/independent.py)."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpesolve.failure_modes.base import Construction
from fpesolve.failure_modes.constructions import (CONSTRUCTIONS, available, construction, double_well, f2_landscape,
                                                  f3_landscape)
from fpesolve.failure_modes.two_well import MIN_SWITCH_WIDTH, NOISE_PROFILES, SWITCH_WIDTH, log_cosh
from tests.failure_modes.independent import MPTwoWell, mp_barrier

TWO_WELL = ["f1", "f3-equal-hessian", "f3-unequal-hessian", "f4", "healthy"]
PROFILES = ["tanh", "sigmoid"]

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
    with pytest.raises(ValueError, match="`name`") as info:
        construction("f5")
    for name in CONSTRUCTIONS:
        assert name in str(info.value)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", TWO_WELL)
def test_two_well_critical_points_as_documented(name, profile):
    c = construction(name, noise_profile=profile)
    assert isinstance(c, Construction) and c.noise_profile == profile
    H_A, S_A, H_B, S_B, barrier, L0 = SPEC[name]
    A, s, B = c.documented
    assert c.saddle is s
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
    assert A.sigma_over_hess == pytest.approx(S_A / H_A, rel=1e-12)
    assert B.sigma_over_hess == pytest.approx(S_B / H_B, rel=1e-12)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", TWO_WELL)
def test_closed_forms_equal_the_mpmath_rebuild(name, profile):
    """L, L', Sigma, the per-sample losses, L'' and Sigma' against mpmath (values and mpmath.diff derivatives)."""
    c = construction(name, noise_profile=profile)
    mp = MPTwoWell(c)
    a, b = c.domain
    xs = np.concatenate((np.linspace(a + 1e-3, b - 1e-3, 23), [c.saddle.x + 0.3 * c.parameters.get("switch_width", 1)]))
    scale = float(np.max(np.abs(c.grad(xs)))) + 1.0
    for x in xs:
        arr = np.array([x])
        assert c.loss(arr)[0] == pytest.approx(float(mp.loss(x)), rel=1e-12, abs=1e-12)
        assert c.grad(arr)[0] == pytest.approx(float(mp.grad(x)), abs=1e-12 * scale)
        assert c.sigma(arr)[0] == pytest.approx(float(mp.sigma(x)), rel=1e-12)
        # derivatives: mpmath's numerical differentiation at 30 digits (independent of the closed forms)
        assert c.hess(arr)[0] == pytest.approx(float(mpmath.diff(mp.grad, x)), abs=1e-9 * scale)
        assert c.sigma_grad(arr)[0] == pytest.approx(float(mpmath.diff(mp.sigma, x)), rel=1e-8, abs=1e-10)
        losses = c.samples.evaluate("losses", arr)[:, 0]
        L, S = float(mp.loss(x)), float(mp.S(x))
        np.testing.assert_allclose(losses, [L + S, L - S], rtol=1e-11, atol=1e-11 * max(1.0, abs(S)))
        hs = c.samples.evaluate("hessians", arr)[:, 0]
        sp = float(mpmath.diff(mp.s, x))
        h = float(mpmath.diff(mp.grad, x))
        np.testing.assert_allclose(hs, [h + sp, h - sp], atol=1e-9 * scale)


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


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", TWO_WELL + ["f2"])
def test_numba_sample_gradients_match_numpy(name, profile):
    c = construction(name) if name == "f2" else construction(name, noise_profile=profile)
    x = np.concatenate((np.linspace(*c.domain, 101), [c.documented[0].x]))
    sg = c.sample_gradients
    assert sg.n == c.samples.n
    numba_vals = np.array([sg.evaluate(xi) for xi in x]).T
    np.testing.assert_allclose(numba_vals, c.samples.evaluate("grads", x), rtol=1e-13, atol=1e-12)


def test_two_point_structure_gives_sigma_exactly():
    c = construction("f4")
    x = np.linspace(*c.domain, 11)
    g = c.samples.evaluate("grads", x)
    np.testing.assert_allclose(g[0] - c.grad(x), np.sqrt(c.sigma(x)), rtol=1e-12)
    np.testing.assert_allclose(g[1] - c.grad(x), -np.sqrt(c.sigma(x)), rtol=1e-12)
    assert np.all(c.sigma(x) > 0)


@pytest.mark.parametrize("name, paper_A, paper_B", [("f1", 100.0, 12.5), ("f4", 0.5, 10.0), ("healthy", 0.25, 0.0625),
                                                    ("f3-unequal-hessian", 0.5, 0.125)])
def test_faithful_barriers_are_the_papers_reading(name, paper_A, paper_B):
    """tanh at the saddle: int_k^s L'/Sigma = DeltaV/Sigma_k up to O((w/l_s)^2); mpmath quadrature (30 digits)."""
    from fpesolve.core.stationary import drift_increments
    c = construction(name)
    A, s, B = c.documented
    dU_A = mp_barrier(c, A.x, s.x)
    dU_B = -mp_barrier(c, s.x, B.x)
    # the barrier error of the step is ~ (w/l_s)^2 |Sigma_k/Sigma_other - 1| ~ 1e-4 x 20 at most (F4)
    assert dU_A == pytest.approx(paper_A, rel=5e-4)
    assert dU_B == pytest.approx(paper_B, rel=5e-4)
    # the package's fixed-panel Gauss-Legendre integrals equal mpmath's to ~1e-14
    pkg = drift_increments(c, np.array([A.x, s.x, B.x]))
    assert pkg[0] == pytest.approx(dU_A, rel=1e-12)
    assert -pkg[1] == pytest.approx(dU_B, rel=1e-12)


def test_barriers_tend_to_the_papers_as_the_width_shrinks():
    """The relative barrier error scales as (w/l_s)^2 (measured exponent 2 within 5%)."""
    c0 = construction("f4")
    ell_s = c0.parameters["saddle_length"]
    errors = []
    widths = (0.03 * ell_s, 0.06 * ell_s)
    for w in widths:
        c = construction("f4", switch_width=w)
        errors.append(abs(-mp_barrier(c, c.saddle.x, c.wells["B"]) / 10.0 - 1.0))
    order = math.log(errors[1] / errors[0]) / math.log(widths[1] / widths[0])
    assert order == pytest.approx(2.0, rel=0.05)


def test_switch_position_and_width_are_used():
    c = construction("f4", switch_at=2.0, switch_width=0.3)
    assert c.parameters["switch_at"] == 2.0 and c.parameters["switch_width"] == 0.3
    x = np.array([1.0, 3.0])
    np.testing.assert_allclose(c.sigma(x), [20.0, 1.0], rtol=1e-2)    # switch between 1 and 3
    # Sigma at the wells exactly the paper's wherever the switch is
    np.testing.assert_allclose(c.sigma(np.array([c.wells["A"], c.wells["B"]])), [20.0, 1.0], rtol=1e-14)


def test_default_width_is_the_documented_fraction_of_the_saddle_length():
    c = construction("f1")
    H_s = abs(c.saddle.hess)
    ell_s = math.sqrt(2 * 100.0 / H_s)
    assert c.parameters["saddle_length"] == pytest.approx(ell_s, rel=1e-12)
    assert c.parameters["switch_width"] == pytest.approx(SWITCH_WIDTH * ell_s, rel=1e-12)


def test_log_cosh_is_safe_and_exact():
    z = np.array([-800.0, -30.0, -1.0, 0.0, 1e-8, 2.5, 40.0, 900.0])
    ref = [float(mpmath.log(mpmath.cosh(mpmath.mpf(v)))) for v in z]
    np.testing.assert_allclose(log_cosh(z), ref, rtol=1e-15, atol=1e-300)


def test_f2_quadratic_closed_forms():
    c = construction("f2")
    x = np.linspace(-1, 1, 21)
    np.testing.assert_allclose(c.loss(x), 5.0 * x ** 2, rtol=1e-14)
    np.testing.assert_allclose(c.grad(x), 10.0 * x, rtol=1e-14)
    np.testing.assert_allclose(c.sigma(x), 64.0 * x ** 2, rtol=1e-14)   # mean((h_i - 10)^2) x^2 = 64 x^2
    np.testing.assert_allclose(c.samples.evaluate("hessians", np.array([0.0]))[:, 0], [18.0, 2.0])
    assert [cp.kind for cp in c.critical_points()] == ["minimum"]
    assert c.saddle is None and c.noise_profile is None


def test_gaps_and_test_loss():
    for profile in PROFILES:
        c = construction("f4", noise_profile=profile)
        for label, gap in c.generalization_gaps.items():
            x = np.array([c.wells[label]])
            assert c.test_loss(x)[0] - c.loss(x)[0] == pytest.approx(gap, rel=1e-12)
        assert c.generalization_gaps["A"] < c.generalization_gaps["B"]
        assert c.documented[0].sigma > c.documented[2].sigma              # the reversal
    with pytest.raises(ValueError, match="no test loss"):
        double_well(2.0, 2.0, 1.0, 1.0, 1.0).test_loss(0.0)


def test_declared_fields():
    c = construction("f1")
    assert (c.key, c.eta, c.n_iterations) == ("f1", 0.01, 10 ** 6)
    assert c.claim("Sigma_B/H_B") == 1.0
    with pytest.raises(KeyError, match="Sigma_B/H_B"):
        c.claim("nope")
    assert "noise profile: tanh" in c.summary() and "1087" in c.summary() and "N1" in c.summary()


def test_batch_size_divides_sigma():
    one = double_well(2.0, 8.0, 1.0, 8.0, 1.0)
    two = double_well(2.0, 8.0, 1.0, 8.0, 1.0, batch_size=2)
    x = np.linspace(*one.domain, 7)
    np.testing.assert_allclose(two.sigma(x), one.sigma(x) / 2, rtol=1e-15)


def test_bad_parameters():
    with pytest.raises(ValueError, match="steepness"):
        double_well(2.0, 2.0, 20.0, 1.0, 10.0, noise_profile="sigmoid", steepness=0.5)   # |sB - sA|/(sA+sB) = 0.63
    double_well(2.0, 2.0, 20.0, 1.0, 10.0, steepness=0.5)         # the tanh profile has no such constraint
    with pytest.raises(ValueError, match="noise_profile.*tanh, sigmoid"):
        double_well(2.0, 2.0, 1.0, 1.0, 1.0, noise_profile="cubic")
    with pytest.raises(ValueError, match="switch_at"):
        construction("f4", switch_at=50.0)
    with pytest.raises(ValueError, match="switch_width.*wider"):
        construction("f4", switch_width=1e-4)
    with pytest.raises(ValueError, match="switch_at"):
        construction("f4", noise_profile="sigmoid", switch_at=0.5)
    with pytest.raises(ValueError, match="batch_size"):
        double_well(2.0, 2.0, 1.0, 1.0, 1.0, batch_size=3)
    with pytest.raises(ValueError, match="barrier"):
        double_well(2.0, 2.0, 1.0, 1.0, -1.0)
    with pytest.raises(ValueError, match="variant"):
        f3_landscape("bogus")
    with pytest.raises(ValueError, match="centres"):
        f2_landscape((18.0, 2.0), centres=(0.0,))
    assert set(NOISE_PROFILES) == {"tanh", "sigmoid"}


@st.composite
def _wells(draw):
    H = [draw(st.floats(0.5, 10.0)) for _ in range(2)]
    S = [draw(st.floats(0.2, 25.0)) for _ in range(2)]
    barrier = draw(st.floats(0.2, 50.0))
    return H, S, barrier


def _check_random_double_well(H, S, barrier):
    c = double_well(H[0], H[1], S[0], S[1], barrier)
    A, s, B = c.critical_points()
    assert (A.kind, s.kind, B.kind) == ("minimum", "saddle", "minimum")
    assert A.sigma == pytest.approx(S[0], rel=1e-9) and B.sigma == pytest.approx(S[1], rel=1e-9)
    assert A.hess == pytest.approx(H[0], rel=1e-7) and B.hess == pytest.approx(H[1], rel=1e-7)
    # the paper's reading of the barriers, to the documented O((w/l_s)^2 |Sigma ratio - 1|)
    ratio = max(S) / min(S)
    w_rel = c.parameters["switch_width"] / c.parameters["saddle_length"]
    tol = 3.0 * w_rel ** 2 * ratio + 1e-12
    dU_A = mp_barrier(c, A.x, s.x)
    dU_B = -mp_barrier(c, s.x, B.x)
    assert dU_A == pytest.approx(barrier / S[0], rel=tol)
    assert dU_B == pytest.approx(barrier / S[1], rel=tol)
    assert c.parameters["switch_width"] >= MIN_SWITCH_WIDTH * (c.domain[1] - c.domain[0])


@settings(max_examples=8, deadline=None)
@given(_wells())
def test_random_double_wells(wells):
    _check_random_double_well(*wells)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(_wells())
def test_random_double_wells_many(wells):
    _check_random_double_well(*wells)
