"""Well-posedness: Sigma zeros inside the domain, poles of grad, non-normalisable ends, absorbing ends, eta range.

The first block reproduces issue 9 item 6 with the public API only (these tests fail on the commit before
``core.wellposed``: values, a 1.5e131 "time" and a MemoryError came back instead of errors).
"""

import math
import time
import warnings

import numpy as np
import pytest
from scipy import integrate

from fpesolve import (FokkerPlanck, Grid, IllPosedError, Landscape, check_n2, lyapunov_exponent,
                      mean_first_passage_time, simulate_sgd, stationary_density, stationary_mass)
from fpesolve.core.wellposed import SIGMA_ZERO_RTOL, WellPosedness, check_well_posed
from fpesolve.failure_modes.constructions import f2_landscape


def interior_zero():
    """Sigma = (x - 0.3)^2 on (-1, 1): 0.3 is not a scan point, the zero lies between them."""
    return Landscape(grad=lambda x: x, sigma=lambda x: (x - 0.3) ** 2, domain=(-1.0, 1.0), name="interior zero")


def pushed_into_wall():
    """Sigma = x, L' = 1 on (0, 1): p ~ x^(-1 - 2/eta), not integrable at 0 for any eta."""
    return Landscape(grad=lambda x: np.ones_like(x), sigma=lambda x: x, domain=(0.0, 1.0), name="into the wall")


def jacobi(k, m, s2, eta):
    """L' = k (x - m), eta Sigma = s2 x (1 - x): Beta(2km/s2, 2k(1-m)/s2), so p ~ x^(alpha-1), (1-x)^(beta-1)."""
    return Landscape(grad=lambda x: k * (x - m), sigma=lambda x: s2 * x * (1 - x) / eta, domain=(0.0, 1.0))


# ----------------------------------------------------------------- issue 9 item 6, public API
def test_sigma_zero_between_scan_points_is_refused_by_every_solver():
    land = interior_zero()
    with pytest.raises(IllPosedError, match=r"`sigma` vanishes .*Sigma\(0\.29999999999999999\)"):
        stationary_density(land, 0.1, [0.0, 0.5])
    with pytest.raises(IllPosedError, match="shrink the domain to one side of x = 0.3"):
        FokkerPlanck(land, 0.1, 100)
    start = time.perf_counter()
    with pytest.raises(IllPosedError, match="`sigma` vanishes"):
        mean_first_passage_time(land, 0.1, -0.5, 0.5)   # refined until out of memory before the check
    assert time.perf_counter() - start < 2.0


def test_density_pushed_into_a_noiseless_wall_is_refused_everywhere():
    land = pushed_into_wall()
    for call in (lambda: stationary_density(land, 0.5, [0.5]), lambda: FokkerPlanck(land, 0.5, 100),
                 lambda: mean_first_passage_time(land, 0.5, 0.5, 0.9)):    # was 1.5e131 for an infinite time
        with pytest.raises(IllPosedError, match=r"cannot be normalised: near the left end 0\.0.*\|theta - end\|\^-5"):
            call()


def test_passage_away_from_the_bad_end_is_answered_exactly():
    # from 0.9 down to 0.1 with reflection at 1: the end at 0 is not involved. With p ∝ x^-5 the formula gives
    # T = (2/eta) int_0.1^0.9 y^4 int_y^1 z^-5 dz dy = int_0.1^0.9 (1 - y^4) dy at eta = 0.5
    t = mean_first_passage_time(pushed_into_wall(), 0.5, 0.9, 0.1).time
    assert t == pytest.approx(0.8 - (0.9 ** 5 - 0.1 ** 5) / 5, rel=1e-12)


def test_passage_on_the_side_of_a_zero_that_it_does_not_cross():
    # Sigma = (x - 0.3)^2 vanishes at 0.3; the passage -0.5 -> 0 (reflecting at -1) never sees it.
    land, eta = interior_zero(), 0.5
    c = 0.3

    def g(y):   # -(2/eta) int_0^y x/(x - c)^2 dx, from the antiderivative ln|x - c| - c/(x - c)
        return -(2.0 / eta) * ((math.log(abs(y - c)) - c / (y - c)) - (math.log(c) + 1.0))

    def inner(y):
        return integrate.quad(lambda z: math.exp(g(z)) / (z - c) ** 2, -1.0, y, epsabs=0, epsrel=1e-13)[0]

    exact = (2.0 / eta) * integrate.quad(lambda y: math.exp(-g(y)) * inner(y), -0.5, 0.0, epsabs=0,
                                         epsrel=1e-12)[0]
    assert mean_first_passage_time(land, eta, -0.5, 0.0).time == pytest.approx(exact, rel=1e-10)
    with pytest.raises(IllPosedError, match="`sigma` vanishes"):
        mean_first_passage_time(land, eta, -0.5, 0.6)


def test_grid_on_one_side_of_a_zero_is_well_posed():
    land, eta = interior_zero(), 0.5
    fp = FokkerPlanck(land, eta, Grid.uniform(-1.0, 0.2, 80))
    assert np.all(np.isfinite(fp.stationary(log=True)))
    assert check_well_posed(land, eta, grid=fp.grid).interval == (-1.0, 0.2)
    with pytest.raises(IllPosedError):
        FokkerPlanck(land, eta, Grid.uniform(-1.0, 0.5, 80))


def test_f2_fpe_refuses_while_n2_still_works():
    f2 = f2_landscape()
    with pytest.raises(IllPosedError, match=r"`sigma` vanishes .*Sigma\(0\) = 0.*N2 stability"):
        FokkerPlanck(f2, 0.15, 200)
    with pytest.raises(IllPosedError):
        stationary_density(f2, 0.15, 0.5)
    n2 = check_n2(f2, 0.15)          # discrete time: no Fokker-Planck equation involved
    # h = (18, 2), B = 1: Lambda = (ln|1 - 18 eta| + ln|1 - 2 eta|)/2 = (ln 1.7 + ln 0.7)/2
    assert n2.minima[0].lyapunov == pytest.approx(0.5 * (math.log(1.7) + math.log(0.7)), rel=1e-13)
    # and SGD itself runs: Lambda = +0.087 per step at eta = 0.15 (|x| grows ~ e^(0.087 k): 1e6 after ~170
    # steps on average), -0.063 at eta = 0.12 (contracts); 3000 steps leave no doubt either way
    assert simulate_sgd(f2, 0.15, 3000, 64, 0.5, rng=1).fraction_diverged == 1.0
    assert simulate_sgd(f2, 0.12, 3000, 64, 0.5, rng=1).fraction_diverged == 0.0


# ----------------------------------------------------------------- issue 9 item 3: batch size carried
def test_from_samples_batch_size_reaches_n2():
    h = np.array([[18.0], [2.0]])
    land = Landscape.from_samples(lambda x: 0.5 * h * x ** 2, lambda x: h * x, (-1.0, 1.0),
                                  hessians=lambda x: np.broadcast_to(h, (2, np.size(x))).copy(), batch_size=2)
    assert land.batch_size == 2 and land.n_samples == 2
    eta = 0.15
    n2 = check_n2(land, eta)
    # B = 2 with replacement: batch means 18, 10, 2 with probabilities 1/4, 1/2, 1/4
    by_hand = 0.25 * math.log(abs(1 - 18 * eta)) + 0.5 * math.log(abs(1 - 10 * eta)) + 0.25 * math.log(1 - 2 * eta)
    assert n2.batch_size == 2
    assert n2.minima[0].lyapunov == pytest.approx(by_hand, rel=1e-13)
    assert n2.minima[0].lyapunov == pytest.approx(lyapunov_exponent([18.0, 2.0], eta, batch_size=2), rel=1e-14)
    assert n2.minima[0].stable and not check_n2([18.0, 2.0], eta, batch_size=1).minima[0].stable


# ----------------------------------------------------------------- ends
@pytest.mark.parametrize("k,m,s2", [(1.0, 0.3, 0.5), (0.4, 0.5, 1.0), (2.0, 0.7, 0.2)])
def test_jacobi_end_exponents_are_beta_exponents(k, m, s2):
    eta = 0.1
    alpha, beta = 2 * k * m / s2, 2 * k * (1 - m) / s2
    ends = check_well_posed(jacobi(k, m, s2, eta), eta).ends
    assert [e.kind for e in ends] == ["singular", "singular"]
    # the local slope at u carries an O(u) correction, removed to O(u^2) by one Richardson step; u reaches ~1e-19
    # at 0 and 2^30 float spacings (~2.4e-7) at 1, where the Gauss nodes are rounded by ~eps/u ~ 5e-10 of u
    # (measured errors: 2e-14 at 0, 1e-10 at 1)
    assert ends[0].exponent == pytest.approx(alpha - 1, abs=1e-12)
    assert ends[1].exponent == pytest.approx(beta - 1, abs=1e-9)


def test_cir_end_and_faster_than_any_power_end_are_accepted():
    cir = Landscape(grad=lambda x: x - 1.0, sigma=lambda x: 0.8 * x / 0.2, domain=(0.0, 12.0))
    # Gamma shape 2 k m / s2 = 2.5: p ~ x^1.5
    assert check_well_posed(cir, 0.2).ends[0].exponent == pytest.approx(1.5, abs=1e-12)
    double_zero = Landscape(grad=lambda x: x - 1.0, sigma=lambda x: x ** 2, domain=(0.0, 3.0))
    assert check_well_posed(double_zero, 0.5).ends[0].exponent == math.inf      # p ~ exp(-4/x) / x^2
    pushed_in = Landscape(grad=lambda x: x + 1.0, sigma=lambda x: x ** 2, domain=(0.0, 3.0))
    with pytest.raises(IllPosedError, match="cannot be normalised"):
        check_well_posed(pushed_in, 0.5)


def test_exponent_zero_at_a_nonzero_end():
    # Sigma = x - 1 on (1, 2), L' = -1/2, eta = 1: s = -1 - 2 L'(1) / (eta Sigma'(1)) = 0 (p tends to a constant);
    # u stops at 2^30 float spacings of 1.0 (~2.4e-7), the Richardson estimate is then good to ~1e-11
    land = Landscape(grad=lambda x: np.full_like(x, -0.5), sigma=lambda x: x - 1.0, domain=(1.0, 2.0))
    assert check_well_posed(land, 1.0).ends[0].exponent == pytest.approx(0.0, abs=1e-9)


def test_borderline_exponent_minus_one_is_refused():
    # L'(0) = 0 with Sigma = x: p ~ 1/x exactly at the end (log-divergent mass)
    land = Landscape(grad=lambda x: x, sigma=lambda x: x, domain=(0.0, 3.0))
    with pytest.raises(IllPosedError, match=r"\|theta - end\|\^-1,"):
        check_well_posed(land, 0.5)


def test_absorbing_end_needs_noise():
    land = jacobi(1.0, 0.3, 0.5, 0.1)
    with pytest.raises(IllPosedError, match="absorbing left end 0.0 needs Sigma > 0"):
        FokkerPlanck(land, 0.1, 50, boundary=("absorbing", "reflecting"))
    # moved inward, Sigma > 0 at both grid ends: well posed (the exit rates at a grid end inside the domain are
    # issue 9 item 2, in discretize)
    record = check_well_posed(land, 0.1, boundary="absorbing", grid=Grid.uniform(0.1, 0.9, 50))
    assert [(e.boundary, e.kind) for e in record.ends] == [("absorbing", "regular")] * 2


def test_passage_target_needs_noise():
    with pytest.raises(IllPosedError, match="passage `target` 1.0 needs Sigma > 0"):
        mean_first_passage_time(jacobi(1.0, 0.3, 0.5, 0.1), 0.1, 0.5, 1.0)


# ----------------------------------------------------------------- interior defects between scan points
def test_negative_dip_between_scan_points():
    land = Landscape(grad=lambda x: x, sigma=lambda x: (x - 0.3) ** 2 - 1e-10, domain=(-1.0, 1.0))
    with pytest.raises(IllPosedError, match=r"Sigma\(0\.2999.*\) = -1e-10.*negative"):
        check_well_posed(land, 0.5)


def test_positive_dip_above_the_threshold_is_valid():
    land = Landscape(grad=lambda x: x, sigma=lambda x: 1e-6 + (x - 0.3) ** 2, domain=(-1.0, 1.0))
    record = check_well_posed(land, 0.5)
    # golden-section finds the minimum to float precision: Sigma_min = 1e-6 at 0.3
    assert record.sigma_min == pytest.approx(1e-6, rel=1e-12)
    assert record.sigma_min_at == pytest.approx(0.3, abs=1e-8)
    assert record.sigma_min > SIGMA_ZERO_RTOL * record.sigma_max


@pytest.mark.parametrize("grad", [lambda x: 1.0 / (x - 0.3000001), lambda x: 1.0 / (x - 0.3000001) ** 2],
                         ids=["simple pole", "double pole"])
def test_pole_of_grad_between_scan_points(grad):
    land = Landscape(grad=grad, sigma=lambda x: np.ones_like(x), domain=(-1.0, 1.0))
    with pytest.raises(IllPosedError, match=r"`grad` (has a pole|is not finite) .*0\.30000.*shrink the domain"):
        check_well_posed(land, 0.5)


def test_pole_at_a_scan_point():
    land = Landscape(grad=lambda x: 1.0 / x, sigma=lambda x: np.ones_like(x), domain=(-1.0, 1.0))
    with pytest.raises(IllPosedError, match=r"`grad` is not finite .*grad\(0\) = inf \(a pole\)"):
        FokkerPlanck(land, 0.5, 101)


def test_integrable_pole_at_a_reflecting_end():
    # L' = -1/x, Sigma = 1 on (0, 1): p ∝ x^(2/eta), integrable
    land = Landscape(grad=lambda x: -1.0 / x, sigma=lambda x: np.ones_like(x), domain=(0.0, 1.0))
    assert check_well_posed(land, 0.5).ends[0].exponent == pytest.approx(4.0, abs=1e-12)


# ----------------------------------------------------------------- eta range
def test_eta_range():
    from tests.landscapes import double_well

    dw = double_well()
    with pytest.raises(ValueError, match=r"`eta` = 1e-320 is below the smallest normal"):
        FokkerPlanck(dw, 1e-320, 100)
    with pytest.raises(ValueError, match=r"`eta` = 1e-15 is too small for float64"):
        stationary_density(dw, 1e-15, 0.0)
    with pytest.raises(ValueError, match=r"`eta` = 1e\+308 is too large for the grid"):
        FokkerPlanck(dw, 1e308, 100)
    # the closed form is fine at eta = 1e308: p = (1/Sigma) / int 1/Sigma to ~1e-300
    z = integrate.quad(lambda x: 1.0 / (1.0 + 0.5 * math.tanh(2 * x)), -2.5, 2.5, epsabs=0, epsrel=1e-13)[0]
    assert stationary_density(dw, 1e308, 0.0) == pytest.approx(1.0 / z, rel=1e-13)


# ----------------------------------------------------------------- the record and the cache
def test_record_and_cache():
    from tests.landscapes import double_well

    dw = double_well()
    first = check_well_posed(dw, 0.3)
    assert isinstance(first, WellPosedness)
    assert first.interval == dw.domain and [e.kind for e in first.ends] == ["regular", "regular"]
    # Sigma = 1 + tanh(2x)/2 > 1/2 on the domain, the smallest sample near the left end
    assert 0.5 < first.sigma_min < 0.5 + 1e-4 and first.sigma_max < 1.5
    assert check_well_posed(dw, 0.3) is first
    assert check_well_posed(dw, 0.2) is not first
    assert "well posed" in first.summary() and first.to_json()
    land = interior_zero()
    for _ in range(2):   # a cached refusal is raised again, as a fresh exception
        with pytest.raises(IllPosedError):
            check_well_posed(land, 0.5)


def test_valid_inputs_give_no_warning():
    from tests.landscapes import double_well, jacobi as beta_jacobi, ou

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for land, eta in ((double_well(), 0.05), (ou(), 0.1), (beta_jacobi(2.0, 3.0), 1.0)):
            check_well_posed(land, eta)
            assert stationary_mass(land, eta, *land.domain) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("kwargs,match", [
    (dict(boundary=None), "`boundary` must be"),
    (dict(boundary=("reflecting",)), "`boundary` must be"),
    (dict(boundary="periodic"), "`boundary` must be"),
    (dict(interval=(0.5, 0.1)), "`interval`"),
    (dict(interval=(-9.0, 0.0)), "`interval`"),
    (dict(interval=5.0), "`interval`"),
    (dict(passage=(0.0, 9.0)), "`target`"),
])
def test_bad_arguments(kwargs, match):
    from tests.landscapes import double_well

    with pytest.raises(ValueError, match=match):
        check_well_posed(double_well(), 0.3, **kwargs)


def test_not_a_landscape():
    with pytest.raises(TypeError, match="`landscape`"):
        check_well_posed(lambda x: x, 0.3)


# ----------------------------------------------------------------- fuzz
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from tests.strategies import (boundaries, grids_for, landscapes, learning_rates, with_noiseless_end,  # noqa: E402
                              with_pole, with_sigma_zero)

_FUZZ = dict(deadline=None, suppress_health_check=list(HealthCheck), database=None)
_LANDSCAPES = st.one_of(landscapes(), landscapes(noise_amplitude=3.5))
_RATES = st.one_of(learning_rates(1e-4, 10.0), learning_rates(1e-7, 1e-4))


def _accepts_valid(data):
    land, eta = data.draw(_LANDSCAPES), data.draw(_RATES)
    grid, boundary = data.draw(grids_for(land.domain)), data.draw(boundaries())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = check_well_posed(land, eta, boundary=boundary, grid=grid)
        FokkerPlanck(land, eta, grid, boundary=boundary)
    assert [e.kind for e in record.ends] == ["regular", "regular"]      # Sigma > 0 at both ends by construction
    assert record.sigma_min > 0


def _refuses_sigma_zero(data):
    (land, c), eta = data.draw(with_sigma_zero()), data.draw(_RATES)
    with pytest.raises(IllPosedError, match="`sigma` (vanishes|is negative)") as info:
        check_well_posed(land, eta)
    x = float(info.value.args[0].split("Sigma(")[1].split(")")[0])
    # the point reported is the zero itself (even powers: golden section finds it to float precision) or the
    # first scan point where Sigma < 0 (odd power: negative on one side of c)
    value = float(land.sigma(np.array([x]))[0])
    scale = float(np.max(np.abs(land.sigma(np.linspace(*land.domain, 1001)))))
    assert value < 0 or (abs(x - c) <= 1e-6 * (land.domain[1] - land.domain[0]) and value <= SIGMA_ZERO_RTOL * scale)


def _refuses_pole(data):
    (land, _pole), eta = data.draw(with_pole()), data.draw(_RATES)
    with pytest.raises(IllPosedError, match="`grad` (has a pole|is not finite)"):
        check_well_posed(land, eta)


def _noiseless_end(data, push_in):
    (land, exponent), eta = data.draw(with_noiseless_end(push_in)), data.draw(_RATES)
    if push_in:
        with pytest.raises(IllPosedError, match="cannot be normalised: near the left end"):
            check_well_posed(land, eta)
        return
    left = check_well_posed(land, eta).ends[0]
    # local exponent from slopes at u down to ~1e-19 at 0, ~2^30 spacings elsewhere (Richardson on halvings);
    # exponents up to ~1e8 here, and near 0 (measured error 2e-11 at s = 0 with the end at 1.0)
    assert left.kind == "singular"
    assert left.exponent == pytest.approx(exponent(eta), rel=1e-6, abs=1e-9)


@settings(max_examples=30, **_FUZZ)
@given(st.data())
def test_fuzz_valid_landscapes_are_accepted_without_warnings(data):
    _accepts_valid(data)


@settings(max_examples=15, **_FUZZ)
@given(st.data())
def test_fuzz_sigma_zero_inside_is_refused(data):
    _refuses_sigma_zero(data)


@settings(max_examples=15, **_FUZZ)
@given(st.data())
def test_fuzz_pole_inside_is_refused(data):
    _refuses_pole(data)


@settings(max_examples=15, **_FUZZ)
@given(st.data(), st.booleans())
def test_fuzz_noiseless_end(data, push_in):
    _noiseless_end(data, push_in)


@pytest.mark.slow
@settings(max_examples=1500, **_FUZZ)
@given(st.data())
def test_fuzz_slow_valid_landscapes_are_accepted_without_warnings(data):
    _accepts_valid(data)


@pytest.mark.slow
@settings(max_examples=500, **_FUZZ)
@given(st.data())
def test_fuzz_slow_sigma_zero_inside_is_refused(data):
    _refuses_sigma_zero(data)


@pytest.mark.slow
@settings(max_examples=500, **_FUZZ)
@given(st.data())
def test_fuzz_slow_pole_inside_is_refused(data):
    _refuses_pole(data)


@pytest.mark.slow
@settings(max_examples=500, **_FUZZ)
@given(st.data(), st.booleans())
def test_fuzz_slow_noiseless_end(data, push_in):
    _noiseless_end(data, push_in)
