"""Section 6.1 remedies (fpesolve.failure_modes.remedies) against independent values.

* constant rates: the schedule escape probability is the fixed-eta FPE run and, to leading order in
  t_relax / tau, 1 - exp(-T / tau) with tau the exact mean first-passage time (quadrature);
* a high start (0.04 for 5000 iterations, then the trapped 0.01) lies between the escape within the first piece
  and within 100 more iterations at 0.04 (the mass on its way from the saddle to the target when the rate drops);
* the weight-decay roots: the stationary mass recomputed on a dense grid (cumulative Simpson for
  int L_mu'/Sigma, Simpson for the mass) changes side of the target between mu (1 - 1e-5) and mu (1 + 1e-5);
* the mu where N4 stops being violated: the saddle-node of L' + mu (theta - theta_0) = 0 from scipy's
  bounded minimiser of -(-L'(theta) / (theta - theta_0)).
"""

import math

import numpy as np
import pytest
from scipy import integrate, optimize

from fpesolve import mean_first_passage_time
from fpesolve.core import schedules
from fpesolve.core.scheduled import escape_probability
from fpesolve.failure_modes import (construction, required_rate, schedule_remedy, stability_limit, weight_decay,
                                    weight_decay_remedy)


@pytest.fixture(scope="module")
def f1_low():
    return construction("f1", barrier=1.0)


@pytest.fixture(scope="module")
def f4():
    return construction("f4")


def test_constant_rate_is_the_fixed_eta_run_and_exponential_law(f1_low):
    r = schedule_remedy(f1_low, {"c": 0.03}, 20000, n_cells=300)
    row = r.row("c")
    fixed = escape_probability(f1_low, 0.03, r.start, r.target, 20000, n_cells=300)
    assert row.probability == fixed.probability
    tau = 10 ** mean_first_passage_time(f1_low, 0.03, r.start, r.target).log10_iterations
    # quasi-stationary escape: -log(1 - P) = T / tau up to O(t_relax / tau) ~ 1e-4 and the O(h^2) grid error
    assert -math.log1p(-row.probability) == pytest.approx(20000 / tau, rel=3e-3)
    assert 0.05 < row.probability < 0.5


def test_high_start_equals_escape_within_the_first_piece(f1_low):
    sched = schedules.piecewise_constant([5000], [0.04, 0.01])
    r = schedule_remedy(f1_low, {"high start": sched}, 20000, n_cells=300)
    first = escape_probability(f1_low, 0.04, r.start, r.target, 5000, n_cells=300).probability
    tau_low = 10 ** mean_first_passage_time(f1_low, 0.01, r.start, r.target).log10_iterations
    assert 15000 / tau_low < 1e-8                  # the paper's rate is trapped: nothing escapes after the piece
    later = escape_probability(f1_low, 0.04, r.start, r.target, 5100, n_cells=300).probability
    assert first < r.row("high start").probability < later
    assert r.row("high start").max_eta == 0.04 and r.row("high start").time == pytest.approx(350.0)


def test_sgd_agrees_with_the_fpe_within_4_se_plus_measured_time_step_difference(f1_low):
    sched = {"cyclical": schedules.cyclical(0.01, 0.04, 2000)}
    r = schedule_remedy(f1_low, sched, 20000, n_walkers=2000, rng=3, n_cells=300, progress=False)
    assert r.all_agree is True and r.substeps == 2
    cyc = r.row("cyclical")
    assert cyc.sgd_stderr == pytest.approx(math.sqrt(max(cyc.probability * (1 - cyc.probability),
                                                         cyc.sgd_probability * (1 - cyc.sgd_probability)) / 2000))
    assert cyc.tolerance == pytest.approx(4 * cyc.sgd_stderr + abs(cyc.discretization_difference) + cyc.error)
    assert 0.1 < cyc.probability < 0.4
    assert r.to_json()


def test_two_sample_sgd_is_reported_not_tested(f1_low):
    r = schedule_remedy(f1_low, {"c": 0.04}, 5000, n_walkers=500, noise="samples", rng=1, n_cells=200,
                        progress=False)
    assert r.row("c").agrees is None and "large-deviation" in r.message
    # bounded kicks escape more slowly than the diffusion
    assert r.row("c").sgd_probability < r.row("c").probability


def test_stability_limit_and_f2_refusal(f1_low):
    assert stability_limit(f1_low, f1_low.wells["B"]) == pytest.approx(2.0 / 8.0, rel=1e-9)
    with pytest.raises(ValueError, match=r"`schedules\['too high'\]`.*F2"):
        schedule_remedy(f1_low, {"too high": schedules.cyclical(0.01, 0.3, 100)}, 1000)
    with pytest.raises(ValueError, match="`schedules`"):
        schedule_remedy(f1_low, {}, 1000)
    with pytest.raises(ValueError, match="`noise`"):
        schedule_remedy(f1_low, {"c": 0.01}, 1000, noise="levy")


def test_required_rate_reproduces_its_probability(f1_low):
    r = required_rate(f1_low, 20000, 0.5)
    p = escape_probability(f1_low, r.eta, r.start, r.target, 20000, n_cells=300).probability
    assert p == pytest.approx(0.5, abs=5e-3) and r.stable
    paper = required_rate(construction("f1"), 10 ** 6)
    assert not paper.stable and paper.log10_probability_at_limit < -30
    assert paper.log10_iterations_at_paper_eta == pytest.approx(1087.76, abs=0.05)


def _p_good_dense(c, mu, origin, split, n=400001):
    """P(theta < split) for L + mu (theta - origin)^2 / 2 on a dense grid (independent of core.stationary)."""
    a, b = c.domain
    x = np.linspace(a, b, n)
    drift = (c.grad(x) + mu * (x - origin)) / c.sigma(x)
    integral = integrate.cumulative_simpson(drift, x=x, initial=0.0)
    logp = -(2.0 / c.eta) * integral - np.log(c.sigma(x))
    w = np.exp(logp - logp.max())
    left = x <= split
    m_left = integrate.simpson(w[left], x=x[left])
    m_right = integrate.simpson(w[~left], x=x[~left])
    return m_left / (m_left + m_right)


@pytest.mark.parametrize("p", [0.5, 0.99])
def test_weight_decay_root_brackets_the_dense_quadrature(f4, p):
    r = weight_decay_remedy(f4, origin="A", probabilities=(p,), n_scan=16)
    t = r.target(p)
    assert t.attained and t.bracket[0] < t.mu < t.bracket[1]
    x_a, split = f4.wells["A"], f4.saddle.x
    below = _p_good_dense(f4, t.mu * (1 - 1e-5), x_a, split)
    above = _p_good_dense(f4, t.mu * (1 + 1e-5), x_a, split)
    assert below < p < above
    # toward the good minimum the penalty vanishes there: no training loss is given up at the good well
    assert t.minimum == pytest.approx(x_a, abs=1e-6) and abs(t.original_loss_rise) < 1e-9


def test_weight_decay_toward_zero_never_reaches_one_half(f4):
    r = weight_decay_remedy(f4, origin=0.0, probabilities=(0.5,), n_scan=12)
    t = r.target(0.5)
    assert not t.attained and t.mu is None and t.p_good < 0.5
    assert _p_good_dense(f4, 10.0, 0.0, f4.saddle.x) < 0.5


def test_weight_decay_cost_off_the_good_minimum(f4):
    origin = 0.5 * f4.wells["A"]
    r = weight_decay_remedy(f4, origin=origin, probabilities=(0.5,), n_scan=16)
    t = r.target(0.5)
    w = weight_decay(f4, t.mu, origin)
    xs = optimize.minimize_scalar(lambda z: float(w.loss(np.array([z]))[0]), bounds=(f4.domain[0], 0.0),
                                  method="bounded", options={"xatol": 1e-10}).x
    assert t.minimum == pytest.approx(xs, abs=1e-5)
    assert t.original_loss_rise == pytest.approx(float(f4.loss(np.array([xs]))[0]) - 0.1, rel=1e-5, abs=1e-12)
    assert t.regularized_loss_rise > 0 and t.original_loss_rise > 0


@pytest.mark.parametrize("origin", ["A", 0.0])
def test_n4_stops_applying_at_the_saddle_node(f4, origin):
    r = weight_decay_remedy(f4, origin=origin, probabilities=(0.5,), n_scan=16)
    x0 = f4.wells["A"] if origin == "A" else 0.0
    lo = max(f4.saddle.x, x0) + 1e-9
    g = optimize.minimize_scalar(lambda z: float(f4.grad(np.array([z]))[0]) / (z - x0),
                                 bounds=(lo, f4.wells["B"]), method="bounded", options={"xatol": 1e-12})
    mu_sn = -g.fun
    if origin == 0.0:
        mu_sn = max(mu_sn, -float(f4.hess(np.array([0.0]))[0]))   # the pitchfork at the symmetric saddle
    assert r.n4_status == "not applicable" and "not restored" in r.n4_note
    assert r.n4_mu == pytest.approx(mu_sn, rel=1e-4)


def test_weight_decay_bad_input(f4):
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="`mu`"):
            weight_decay(f4, bad)
    with pytest.raises(ValueError, match="`origin`"):
        weight_decay(f4, 0.1, origin=float("nan"))
    with pytest.raises(ValueError, match="`mu_max`"):
        weight_decay_remedy(f4, mu_max=-1.0)
    with pytest.raises(ValueError, match="`probabilities`"):
        weight_decay_remedy(f4, probabilities=(1.5,))
    with pytest.raises(ValueError, match="`origin`"):
        weight_decay_remedy(f4, origin="C")


def test_weight_decay_keeps_what_a_from_samples_landscape_carries():
    """A cold user's call: weight_decay_remedy on a landscape from samples used to fail in N4 ("give
    `n_samples`") because the penalised landscape dropped its samples; it keeps them, the batch size and Sigma."""
    from fpesolve import Landscape
    from fpesolve.failure_modes import weight_decay, weight_decay_remedy

    b = np.linspace(-1.0, 1.0, 8)[:, None]
    land = Landscape.from_samples(lambda x: 0.25 * (x**2 - 1) ** 2 + 0.3 * b * x, lambda x: x**3 - x + 0.3 * b + 0 * x,
                                  (-2.5, 2.5), batch_size=2)
    w = weight_decay(land, 0.4, 1.0)
    x = np.linspace(-2, 2, 7)
    assert (w.n_samples, w.batch_size) == (8, 2)
    np.testing.assert_allclose(w.sigma(x), land.sigma(x), rtol=1e-14)
    np.testing.assert_allclose(w.samples.grads(x).mean(axis=0), w.grad(x), rtol=1e-12, atol=1e-14)
    res = weight_decay_remedy(land, eta=0.1, good=(0.0, 2.5), origin=1.0, n_scan=8)
    assert res.n4_status in ("holds", "violated", "not applicable")
    with pytest.raises(ValueError, match="no named wells"):
        weight_decay_remedy(land, eta=0.1, good=(0.0, 2.5), origin="A")
