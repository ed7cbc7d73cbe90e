"""N3, N4, the reparameterisation check and the N1–N4 diagnosis against independent computations.

Basin probabilities are checked against an independent evaluation of the
stationary law: the exponent Phi = int L'/Sigma by an adaptive ODE solver
(DOP853, rtol 1e-13) and the basin integrals by scipy's adaptive quadrature,
scaled at the deepest well so that probabilities of 1e-24 stay representable.
Both sides are accurate to ~1e-10 relative, hence the tolerances 1e-8.
"""

import json
import math

import numpy as np
import pytest

from fpesolve import Landscape
from fpesolve.apps.cli import main as cli_main
from fpesolve.failure_modes import (check_n3, check_n4, check_reparameterization, diagnose, leave_one_out_gaps)
from fpesolve.failure_modes.constructions import construction
from tests.failure_modes.independent import basin_probabilities


def independent_basin_probabilities(land, eta, saddle):
    """pi(left), pi(right) of the stationary law by ODE + quadrature (tests/failure_modes/independent.py)."""
    return tuple(basin_probabilities(land, eta, [saddle]))


# ---------------------------------------------------------------------------------------------- diagnose
@pytest.mark.parametrize("name, violated", [
    ("f1", ("N1",)), ("f2", ("N2",)), ("f3-equal-hessian", ("N3",)), ("f3-unequal-hessian", ("N3",)),
    ("f4", ("N4",)), ("healthy", ()),
])
def test_diagnose_flags_exactly_the_violated_condition(name, violated):
    report = diagnose(construction(name))
    assert report.violated == violated
    assert report.holds == (violated == ())
    text = report.summary()
    for cond in ("N1", "N2", "N3", "N4"):
        assert cond in text
    json.dumps(report.to_dict(), allow_nan=False)   # astronomically large F1 times serialise through log10


def test_f1_n1_fails_with_a_finite_log10_time():
    report = diagnose(construction("f1"))
    n1 = report.n1
    assert not n1.holds and math.isfinite(n1.log10_t_mix) and n1.log10_t_mix > 1000
    assert report.to_dict()["conditions"]["N1"]["details"]["log10_t_mix"] == n1.log10_t_mix


def test_f2_has_no_stationary_law_and_n2_decides():
    report = diagnose(construction("f2"))
    assert report.status("N1").status == "not applicable" and "Sigma" in report.status("N1").reason
    assert report.status("N3").status == "not applicable"
    assert report.n2.lyapunov[0] == pytest.approx(0.5 * math.log(1.7 * 0.7), rel=1e-13)


def test_diagnose_changes_verdict_with_eta():
    # F2 at eta = 0.12 > 2/18 is stable: Lambda = 0.5 ln(|1 - 2.16| |1 - 0.24|) < 0
    report = diagnose(construction("f2"), eta=0.12)
    assert report.violated == ()
    assert report.n2.lyapunov[0] == pytest.approx(0.5 * math.log(1.16 * 0.76), rel=1e-13)
    assert not report.n2.bound_holds     # the paper's sufficient bound says otherwise


def test_diagnose_on_a_plain_landscape():
    dw = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5),
                   loss=lambda x: x ** 4 / 4 - x ** 2 / 2)
    report = diagnose(dw, eta=0.3, n_iterations=10_000, gaps=[0.1, 0.3])
    assert report.status("N2").status == "not applicable"
    assert report.status("N1").status == "holds"
    assert report.status("N4").status == "holds"        # Sigma and the gap both larger on the right
    assert diagnose(dw, eta=0.3, n_iterations=10_000, gaps=[0.3, 0.1]).violated == ("N4",)
    no_gaps = diagnose(dw, eta=0.3, n_iterations=10_000)
    assert no_gaps.status("N4").status == "not applicable" and "gaps" in no_gaps.status("N4").reason
    proxy = diagnose(dw, eta=0.3, n_iterations=10_000, gap_method="proxy", n_samples=100, batch_size=1)
    assert proxy.n4.gaps == pytest.approx([cp.sigma / (cp.hess * 99) for cp in dw.minima()], rel=1e-12)
    # a plain landscape does not know its batch size: the proxy (which needs it) says so instead of assuming B = 1
    with pytest.raises(ValueError, match="needs the minibatch size.*pass `batch_size`"):
        diagnose(dw, eta=0.3, n_iterations=10_000, gap_method="proxy", n_samples=100)


@pytest.mark.parametrize("kwargs, match", [
    (dict(eta=-0.1, n_iterations=10), "eta"),
    (dict(eta=0.1, n_iterations=0), "n_iterations"),
    (dict(eta=0.1, n_iterations=10, x0=99.0), "x0"),
    (dict(n_iterations=10), "eta"),
    (dict(eta=0.1), "n_iterations"),
    (dict(eta=0.1, n_iterations=10, gaps=[0.1, 0.2, 0.3]), "3 entries but the landscape has 2 minima"),
])
def test_diagnose_bad_input(kwargs, match):
    dw = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0 * x, domain=(-2.5, 2.5))
    with pytest.raises(ValueError, match=match):
        diagnose(dw, **kwargs)


def test_cli_diagnose_json():
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli_main(["diagnose", "f4", "--json"]) == 1  # N4 violated: exit status 1 (the CLI convention, fpesolve --help)
    data = json.loads(buf.getvalue())
    assert data["violated"] == ["N4"]
    assert cli_main(["diagnose", "f4", "--iterations", "0"]) == 2


# ---------------------------------------------------------------------------------------------- N3
def test_n3_f3_equal_hessian_is_exactly_one_half():
    # paper (Prop. 3.3): pi(A) = pi(B) = 1/2; exact here by symmetry
    r = check_n3(construction("f3-equal-hessian"), 0.2)
    assert r.holds is False
    assert r.probabilities == pytest.approx([0.5, 0.5], abs=1e-12)


@pytest.mark.parametrize("name, eta", [("f3-unequal-hessian", 0.2), ("f4", 0.2), ("healthy", 0.1)])
def test_n3_basin_probabilities_equal_independent_quadrature(name, eta):
    # paper's values: F3 (unequal Hessians) pi(A) = pi(B) = 1/2; F4 tau_A/tau_B ~ exp(-19/eta), i.e. pi(A)
    # ~ e^-95 = 5e-42 at eta = 0.2. The exact values differ (Sigma varies between the wells) and are checked here.
    land = construction(name)
    r = check_n3(land, eta)
    saddle = land.saddles()[0].x
    p_left, p_right = independent_basin_probabilities(land, eta, saddle)
    small = min(p_left, p_right)
    assert r.probabilities[0] == pytest.approx(p_left, rel=1e-8)
    assert r.probabilities[1] == pytest.approx(p_right, rel=1e-8)
    assert min(r.probabilities) == pytest.approx(small, rel=1e-8)


def test_n3_f3_unequal_hessian_selects_although_ratios_are_equal():
    r = check_n3(construction("f3-unequal-hessian"), 0.2)
    assert r.holds is False and r.ratio_spread < 1e-8
    assert r.probabilities[0] > 0.9 and "far from uniform" in r.note


def test_laplace_approximation_error_is_first_order_in_tau():
    land = construction("healthy")
    errors = []
    for eta in (0.01, 0.005, 0.0025):
        r = check_n3(land, eta)
        errors.append(abs(r.minima[1].log_laplace_probability - r.minima[1].log_probability))
    # the Laplace error of a log probability is c tau + O(tau^2): halving tau halves it (measured 2.11, 2.05)
    assert 1.8 < errors[0] / errors[1] < 2.3 and 1.8 < errors[1] / errors[2] < 2.3


def test_n3_single_minimum_and_bad_input():
    ou = Landscape(grad=lambda x: 2 * x, sigma=lambda x: 1 + 0 * x, domain=(-5, 5))
    r = check_n3(ou, 0.1)
    assert r.holds is None and r.probabilities == pytest.approx([1.0])
    with pytest.raises(ValueError, match="eta"):
        check_n3(ou, 0.0)
    with pytest.raises(ValueError, match="rtol"):
        check_n3(ou, 0.1, rtol=2.0)


# ---------------------------------------------------------------------------------------------- N4
def tilted_samples(loss, grad, tilts, domain, hess=None):
    """Per-sample losses l_i = L + c_i theta with sum c_i = 0: Sigma_1 = mean c_i^2 exactly."""
    c = np.asarray(tilts, dtype=float)
    c = c - c.mean()
    kw = {} if hess is None else dict(hessians=lambda x: np.tile(hess(x), (c.size, 1)))
    return Landscape.from_samples(lambda x: loss(x)[None, :] + c[:, None] * x[None, :],
                                  lambda x: grad(x)[None, :] + c[:, None], domain, **kw), c


def test_leave_one_out_gap_is_exact_for_a_quadratic():
    # l_i = H/2 (x - m)^2 + c_i x: theta_{-j} = m + c_j/((n-1)H) and the mean LOO gap is
    # mean(c^2) / ((n-1) H) * (2n-1) / (2(n-1)) exactly
    H, m = 3.0, 0.4
    land, c = tilted_samples(lambda x: 0.5 * H * (x - m) ** 2, lambda x: H * (x - m), [0.3, -0.1, 0.5, -0.2, 0.1],
                             (-4.0, 4.0))
    n = c.size
    exact = np.mean(c ** 2) / ((n - 1) * H) * (2 * n - 1) / (2 * (n - 1))
    assert leave_one_out_gaps(land)[0] == pytest.approx(exact, rel=1e-10)


def test_leave_one_out_gap_approaches_the_proxy_for_small_noise():
    loss = lambda x: (x ** 2 - 1) ** 2 / 4 + 0.3 * x ** 3 / 3  # noqa: E731  (asymmetric wells)
    grad = lambda x: x ** 3 - x + 0.3 * x ** 2  # noqa: E731
    hess = lambda x: 3 * x ** 2 - 1 + 0.6 * x  # noqa: E731
    for scale in (1e-2, 1e-3):
        land, c = tilted_samples(loss, grad, scale * np.array([1.0, -2.0, 0.5, 0.5, -1.0, 1.0]), (-3.0, 3.0), hess)
        r = check_n4(land, method="leave-one-out")
        n = c.size
        for row in r.minima:
            proxy = np.mean(c ** 2) / (row.hess * (n - 1))
            assert row.proxy == pytest.approx(proxy, rel=1e-10)
            # exact = proxy (2n-1)/(2(n-1)) + O(c): the curvature correction of the leading-order formula
            assert row.gap == pytest.approx(proxy * (2 * n - 1) / (2 * (n - 1)), rel=30 * scale)


def test_n4_methods_and_verdicts():
    f4 = construction("f4")
    r = check_n4(f4)                                  # the construction's test loss
    assert r.method == "test-loss" and r.holds is False and r.correlation == pytest.approx(-1.0)
    assert r.gaps == pytest.approx([f4.generalization_gaps["A"], f4.generalization_gaps["B"]], rel=1e-9)
    assert "proxy" in r.note                           # the LOO proxy ranks the wells the other way
    proxy = check_n4(f4, method="proxy")
    assert proxy.holds is True
    assert proxy.gaps == pytest.approx([20.0 / 2.0, 1.0 / 2.0], rel=1e-9)   # paper: Gap*(n-1) = 10 and 0.5
    given = check_n4(f4, [0.5, 0.05])
    assert given.method == "given" and given.holds is True
    custom = check_n4(f4, test_loss=lambda x: f4.loss(x) + np.where(x < 0, 1.0, 2.0))
    assert custom.gaps == pytest.approx([1.0, 2.0]) and custom.holds is False


def test_n4_bad_input():
    f4 = construction("f4")
    with pytest.raises(ValueError, match="1 entries but the landscape has 2 minima"):
        check_n4(f4, [0.1])
    with pytest.raises(ValueError, match="method"):
        check_n4(f4, method="oracle")
    with pytest.raises(ValueError, match="non-finite"):
        check_n4(f4, [0.1, float("nan")])
    with pytest.raises(ValueError, match="too few"):
        check_n4(f4, method="leave-one-out")   # two samples: without one of them a well has no minimum
    plain = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.1 * x, domain=(-2.5, 2.5))
    with pytest.raises(ValueError, match="n_samples"):
        check_n4(plain, method="proxy", batch_size=1)
    with pytest.raises(ValueError, match="batch_size"):
        check_n4(plain, method="proxy", n_samples=10)


# ---------------------------------------------------------------------------------------------- Prop. 5.1
@pytest.mark.parametrize("name", ["f4", "healthy", "f3-unequal-hessian"])
def test_sigma_over_h_is_reparameterisation_invariant(name):
    land = construction(name)
    g = lambda p: p + p ** 3 / 30.0  # noqa: E731  (a smooth bijection of the line)
    r = check_reparameterization(land, g, phi_bracket=(-50.0, 50.0))
    assert r.invariant
    for row in r.minima:
        assert row.ratio_phi == pytest.approx(row.ratio, rel=1e-6)
        assert abs(row.hess_phi / land.hess(np.array([row.x]))[0] - 1) > 1e-3    # H alone is not invariant


def test_reparameterisation_bad_input():
    land = construction("healthy")
    with pytest.raises(ValueError, match="g_inverse"):
        check_reparameterization(land, np.sinh)
    with pytest.raises(ValueError, match="not the inverse"):
        check_reparameterization(land, np.sinh, g_inverse=np.tanh)
    with pytest.raises(ValueError, match="no solution"):
        check_reparameterization(land, np.sinh, phi_bracket=(2.0, 3.0))


# ---------------------------------------------------------------------------------------------- renames
def test_renamed_keywords_and_fields_keep_working_with_a_warning():
    from fpesolve.failure_modes import check_n1
    c = construction("healthy")
    with pytest.warns(FutureWarning, match="`n_steps` was renamed `n_iterations`"):
        old = diagnose(c, n_steps=10 ** 6)
    assert old.n_iterations == 10 ** 6
    with pytest.warns(FutureWarning, match="n_iterations"):
        assert old.n_steps == 10 ** 6
    with pytest.warns(FutureWarning, match="`n_steps` was renamed"):
        assert check_n1(c, 0.1, n_steps=1000, grid=200).n_iterations == 1000
    m = check_n3(c, 0.1).minima[0]
    with pytest.warns(FutureWarning, match="`N3Minimum.H` was renamed `hess`"):
        assert m.H == m.hess
    with pytest.warns(FutureWarning, match="renamed `sigma`"):
        assert m.Sigma == m.sigma


def test_results_share_the_result_base():
    from fpesolve._util.result import Result
    report = diagnose(construction("f4"))
    for res in (report, report.n1, report.n2, report.n3, report.n4, report.goodness, report.three_level,
                report.statuses[0], report.n3.minima[0], report.n4.minima[0], report.n2.minima[0]):
        assert isinstance(res, Result)
        assert "\n" not in repr(res) and len(repr(res)) <= 120
        json.dumps(res.to_dict(), allow_nan=False)
    with pytest.raises(Exception):
        report.n3.minima[0].x = 1.0            # frozen
