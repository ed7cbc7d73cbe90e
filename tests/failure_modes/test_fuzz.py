"""Random landscapes (tests/strategies.py): Remark 4.3 and G1 against independent basin probabilities, and the
diagnosis either answering or raising a documented error.  A few examples run by default, many under -m slow."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fpesolve import diagnose
from fpesolve.failure_modes import check_goodness, three_level_bounds
from tests.failure_modes.independent import basin_probabilities
from tests.strategies import landscapes, learning_rates


def _check_three_level(land, eta, gap_seed):
    minima = land.minima()
    assume(len(minima) >= 2)
    saddles = [cp.x for cp in land.saddles() if minima[0].x < cp.x < minima[-1].x]
    assume(len(saddles) == len(minima) - 1)
    gaps = list(np.random.default_rng(gap_seed).uniform(0.0, 1.0, len(minima)))
    try:
        r = three_level_bounds(land, eta, generalization_gaps=gaps)
    except ValueError as exc:                        # a documented refusal (e.g. a density that cannot be normalised)
        assert "`" in str(exc) or "Sigma" in str(exc)
        return
    p = basin_probabilities(land, eta, saddles)
    assume(min(p) > 1e-290)                          # the independent check works in double precision
    assert sum(p[k] for k, g in enumerate(r.good) if g) == pytest.approx(r.p_good, rel=1e-6, abs=1e-12)
    assert r.good == tuple(g == min(gaps) for g in gaps)
    if r.delta is not None:
        assert r.delta >= 0 and r.level2 == (r.log10_p_bad <= r.log10_excess2)
        assert r.tightness2 == pytest.approx(10.0 ** (r.log10_p_bad - r.log10_excess2), rel=1e-9)
    assert math.isclose(sum(r.probabilities), 1.0, rel_tol=1e-9)
    g1 = check_goodness(land, gaps)
    assert [m.sigma_over_hess for m in g1.minima] == pytest.approx([cp.sigma / cp.hess for cp in minima])


def _check_diagnose(land, eta):
    try:
        report = diagnose(land, eta=eta, n_iterations=1000, grid=120)
    except ValueError as exc:                        # documented: no minimum in the domain, an ill-posed density
        assert "`" in str(exc) or "domain" in str(exc) or "Sigma" in str(exc)
        return
    for s in report.statuses:
        assert s.status in ("holds", "violated", "not applicable")
        assert s.status != "not applicable" or s.reason


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(landscapes(confining=True), learning_rates(0.05, 2.0), st.integers(0, 2 ** 31))
def test_three_level_on_random_landscapes(land, eta, seed):
    _check_three_level(land, eta, seed)


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(landscapes(confining=True), learning_rates(0.05, 2.0), st.integers(0, 2 ** 31))
def test_three_level_on_random_landscapes_many(land, eta, seed):
    _check_three_level(land, eta, seed)


@settings(max_examples=4, deadline=None)
@given(landscapes(), learning_rates(0.05, 2.0))
def test_diagnose_on_random_landscapes(land, eta):
    _check_diagnose(land, eta)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(landscapes(), learning_rates(0.05, 2.0))
def test_diagnose_on_random_landscapes_many(land, eta):
    _check_diagnose(land, eta)
