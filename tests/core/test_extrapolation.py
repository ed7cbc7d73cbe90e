"""Continuum limits by Richardson extrapolation over nested grids: honest bounds on known spectra, refusals."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fpesolve import ConvergenceError, FokkerPlanck, Grid, Landscape, convergence_study
from fpesolve._util.formatting import to_jsonable
from fpesolve.core.extrapolation import extrapolate, parse_accuracy, subdivide
from tests.landscapes import double_well, jacobi, ou
from tests.strategies import landscapes

N5 = np.arange(1, 6)


def _cir():
    # L' = x - 1, eta Sigma = x on [0, 40] (eta = 0.5): lambda_n = n; the truncation at 40 moves the fifth
    # rate by ~40^11 e^-80 ~ 1e-17
    return Landscape(grad=lambda x: x - 1.0, sigma=lambda x: x / 0.5, domain=(0.0, 40.0), name="CIR"), 0.5, N5 * 1.0


def _jacobi_alpha2():
    # L' = x - 1/2, eta Sigma = x (1 - x) / 2 (eta = 0.1): lambda_n = n + n (n - 1) / 4, Beta(2, 2)
    land = Landscape(grad=lambda x: x - 0.5, sigma=lambda x: 0.5 * x * (1.0 - x) / 0.1, domain=(0.0, 1.0))
    return land, 0.1, N5 + N5 * (N5 - 1) / 4.0


CASES = {
    # OU on +-10 (stationary std 0.5: the truncation moves rate 5 by ~1e-60)
    "OU": (ou(domain=(-10.0, 10.0)), 1.0, 2.0 * N5),
    # Wright-Fisher Jacobi(1, 1): lambda_n = n (n + 1) / 2; its expansion has h^2 log h terms
    "Jacobi(1,1)": (jacobi(), 1.0, N5 * (N5 + 1) / 2.0),
    "Jacobi(2,2)": _jacobi_alpha2(),
    "CIR": _cir(),
}


def _base_grids(domain):
    a, b = domain
    return {"uniform": Grid.uniform(a, b, 100),
            "refined": Grid.refined(a, b, 100, [a + 0.6 * (b - a)], strength=4.0)}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("kind", ["uniform", "refined"])
def test_continuum_rates_bound_the_true_error(name, kind):
    land, eta, exact = CASES[name]
    fp = FokkerPlanck(land, eta, _base_grids(land.domain)[kind])
    s = fp.spectrum(5, vectors=False, accuracy="continuum")
    true = np.abs(s.rates - exact)
    assert np.all(true <= s.errors), (true / exact, s.rel_errors)
    # the bound is useful, not vacuous: the plain grid value is ~1e-3 off (a column that fails its check
    # leaves a looser, still honest, bound: up to ~2e-7 on OU's refined ladder)
    assert np.all(s.rel_errors < 1e-6)
    # accuracy="estimate": the grid's own rates with a bound on their discretisation error
    e = fp.spectrum(5, vectors=False, accuracy="estimate")
    np.testing.assert_array_equal(e.rates, fp.spectrum(5, vectors=False).rates)
    assert np.all(np.abs(e.rates - exact) <= e.errors)
    assert np.all(e.rel_errors < 100 * np.abs(e.rates / exact - 1) + 1e-12)


def test_ou_gap_to_2e12_and_jacobi_rates():
    # the bound carries the measured rounding of the stored chain (core/chain_rounding.py: ~1e-13 at the
    # 6400-cell level, amplified ~2.6x through column 4), so 1e-12 from a 100-cell base is just out of reach
    g = FokkerPlanck(ou(domain=(-10.0, 10.0)), 1.0, 100).spectral_gap(accuracy=2e-12)
    assert g.rel_error <= 2e-12 and abs(g.value - 2.0) <= g.error
    assert g.accuracy == "continuum" and "Richardson" in g.method and to_jsonable(g)["rel_error"] == g.rel_error
    grid_gap = FokkerPlanck(ou(domain=(-10.0, 10.0)), 1.0, 100).spectral_gap()
    assert grid_gap.error is None and grid_gap.accuracy == "grid"


def test_double_well_gap_agrees_across_independent_ladders():
    # no closed form: two ladders from different base grids (uniform 100 cells, refined 150 cells) give
    # values that must agree within the sum of their bounds, both below 1e-11
    land = double_well()
    a = FokkerPlanck(land, 0.3, 100).spectral_gap(accuracy=1e-11)
    b = FokkerPlanck(land, 0.3, Grid.refined(-2.5, 2.5, 150, [-1.0, 0.0, 1.0])).spectral_gap(accuracy=1e-11)
    assert abs(a.value - b.value) <= a.error + b.error
    # the grid value at N = 1e4 is second order (8.5e-7 relative in issue 11): far outside the bound
    fine = FokkerPlanck(land, 0.3, 10_000).spectral_gap()
    assert abs(fine.value - a.value) > 10 * a.error


def test_tight_tolerance_is_a_convergence_error_not_a_number():
    fp = FokkerPlanck(jacobi(), 1.0, 50)
    with pytest.raises(ConvergenceError, match="above the requested `accuracy`"):
        fp.spectrum(5, vectors=False, accuracy=1e-15)


def test_first_order_data_has_no_bound():
    # y = 1 + h (first order, the scheme assumes 2): no checked column, so no number
    value, bound, column, _ = extrapolate([1.0 + 0.5 ** k for k in range(8)])
    assert column == -1 and math.isnan(value) and bound == math.inf


def test_log_terms_are_removed():
    hs = 0.5 ** np.arange(2, 11)
    value, bound, _, basis = extrapolate(1.0 + hs ** 2 * np.log(hs) - 3 * hs ** 2 + hs ** 3, noise=1e-16)
    assert basis == "powers and logs" and abs(value - 1.0) <= bound < 1e-9


def test_accuracy_words_and_bad_values():
    assert parse_accuracy("estimate") == ("estimate", None)
    with pytest.raises(ValueError, match="`accuracy`"):
        parse_accuracy("exact")
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        parse_accuracy(2.0)
    with pytest.raises(TypeError, match="`accuracy`"):
        parse_accuracy(None)
    g = subdivide(Grid.refined(0.0, 1.0, 7, [0.3]), 3)
    assert g.n == 21 and np.all(np.isin(Grid.refined(0.0, 1.0, 7, [0.3]).edges, g.edges))


# ------------------------------------------------------------------ convergence_study from the user's side
def test_convergence_study_on_densities_from_different_grids():
    # issue 13 item 3: this call failed with numpy's broadcast error
    land = ou(domain=(-4.0, 4.0))
    study = convergence_study(lambda n: FokkerPlanck(land, 0.5, n).stationary(), [50, 100, 200, 400])
    assert study.resolutions.dtype.kind == "i" and study.resolutions.tolist() == [50, 100, 200, 400]
    assert study.errors.size == 4 and np.all(study.errors > 0) and study.reference == "finest level"
    assert np.all(np.abs(study.orders - 2.0) < 0.15), study.orders
    # against the exact cell averages of N(0, 1/8) the estimated errors are within a factor 1.5
    from scipy.special import erf

    def exact_averages(n):
        e = np.linspace(-4.0, 4.0, n + 1) / math.sqrt(2 * 0.125)
        return 0.5 * np.diff(erf(e)) / (8.0 / n)

    coarse = [np.abs(FokkerPlanck(land, 0.5, n).stationary().reshape(50, -1).mean(axis=1)
                     - exact_averages(50)).max() for n in (50, 100, 200, 400)]
    np.testing.assert_allclose(study.errors, coarse, rtol=0.5)
    with pytest.raises(ValueError, match="nested grids"):
        convergence_study(lambda n: np.ones(n), [50, 75, 200])
    with pytest.raises(ValueError, match="integers"):
        convergence_study(lambda n: 1.0, [10, 20.5, 40])


# ------------------------------------------------------------------ constant drift: the closed-form spectrum
@pytest.mark.parametrize("base", ["uniform 120", "refined 700"])
def test_constant_drift_into_the_wall_against_closed_form(base):
    # the slow fuzz's failure: L' = 1, Sigma = 1 on (0, 0.5), eta = 1.  With D = eta Sigma / 2 and constant
    # drift mu = -L', the reflecting interval of length l has lambda_n = mu^2 / (4 D) + D (n pi / l)^2.
    # The refined ladder used to run into levels whose raw gaps carry ~0.3 N eps of coherent rounding
    # (against an assumed 16 sqrt(N) eps) and claimed 1.9e-11 for an error of 2.3e-11.
    land = Landscape(grad=lambda x: np.ones_like(x), sigma=lambda x: np.ones_like(x), domain=(0.0, 0.5))
    grid = Grid.uniform(0.0, 0.5, 120) if base == "uniform 120" else Grid.refined(0.0, 0.5, 700, [0.185], 2.0)
    fp = FokkerPlanck(land, 1.0, grid)
    exact = 0.25 / 0.5 + 0.5 * (np.pi * N5 / 0.5) ** 2
    g = fp.spectral_gap(accuracy="continuum")
    assert abs(g.value - exact[0]) <= g.error and g.rel_error < 1e-9
    s = fp.spectrum(3, vectors=False, accuracy="continuum")
    assert np.all(np.abs(s.rates - exact[:3]) <= s.errors) and np.all(s.rel_errors < 1e-8)


def test_chain_rounding_covers_the_measured_rounding():
    # uniform grid, constant rates: the chain's gap is a + b - 2 sqrt(ab) cos(pi / N) exactly (mpmath);
    # the float chain's gap differs by its rounding, which the bound (plus the bisection's ~sqrt(N) eps) covers
    import mpmath as mp
    from fpesolve.core.chain_rounding import spectrum_rounding
    mp.mp.dps = 40
    land = Landscape(grad=lambda x: np.ones_like(x), sigma=lambda x: np.ones_like(x), domain=(0.0, 0.5))
    for n in (3840, 61440):
        fp = FokkerPlanck(land, 1.0, n)
        h = mp.mpf("0.5") / n
        a, b = [(z / (mp.e ** z - 1)) * mp.mpf("0.5") / h ** 2 for z in (2 * h, -2 * h)]
        exact = a + b - 2 * mp.sqrt(a * b) * mp.cos(mp.pi / n)
        err = abs(float(mp.log(mp.mpf(fp.spectral_gap().value) / exact)))
        bound = spectrum_rounding(fp) + 8 * math.sqrt(n) * np.finfo(float).eps
        assert err <= bound < 1e-9, (n, err, bound)
        assert err > 4 * math.sqrt(n) * np.finfo(float).eps  # the sqrt(N) model alone would not cover it


# ------------------------------------------------------------------ fuzz against a finer independent ladder
def _fuzz_one(land, eta):
    a, b = land.domain
    try:
        fp = FokkerPlanck(land, eta, 120)
        ref = FokkerPlanck(land, eta, Grid.refined(a, b, 700, [a + 0.37 * (b - a)], strength=2.0))
    except ValueError:
        return "ill-posed"
    try:
        g = fp.spectral_gap(accuracy="continuum")
    except ConvergenceError as e:
        assert "`accuracy`" in str(e) or "accuracy=" in str(e), str(e)  # the message says what to do
        return "refused"
    try:
        r = ref.spectral_gap(accuracy="continuum")
    except ConvergenceError as e:
        assert "accuracy" in str(e), str(e)
        return "no reference"
    if g.value is None or r.value is None:
        return "below float64"
    assert abs(g.value - r.value) <= g.error + r.error, (land, eta, g, r)
    return "checked"


def _run_fuzz(strategy, n_examples):
    outcomes = {}

    @settings(max_examples=n_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(strategy, st.floats(0.3, 3.0) if n_examples < 20 else st.floats(0.1, 5.0))
    def one(land, eta):
        kind = _fuzz_one(land, eta)
        outcomes[kind] = outcomes.get(kind, 0) + 1

    one()
    return outcomes


def test_fuzz_gap_bound_against_finer_ladder():
    outcomes = _run_fuzz(landscapes(confining=True), 6)
    assert sum(outcomes.values()) >= 6, outcomes


@pytest.mark.slow
def test_fuzz_gap_bound_against_finer_ladder_slow():
    outcomes = _run_fuzz(landscapes(), 80)
    print("fuzz outcomes:", outcomes)
    checked = outcomes.get("checked", 0)
    refused = outcomes.get("refused", 0) + outcomes.get("no reference", 0)
    assert checked >= 40 and refused < checked, outcomes


# ------------------------------------------------------------------ grid MFPTs against the double integral
def _quad_mfpt(g, eta, a, x0, y1):
    # Sigma = 1 and reflection at a: T = (2/eta) int_x0^y1 int_a^y exp(g(z) - g(y)) dz dy (scipy, independent
    # of fpesolve's quadrature); g = -(2/eta) L in closed form
    from scipy import integrate
    inner = lambda y: integrate.quad(lambda z: math.exp(g(z) - g(y)), a, y, epsabs=0, epsrel=1e-13, limit=200)[0]
    return (2.0 / eta) * integrate.quad(inner, x0, y1, epsabs=0, epsrel=1e-13, limit=200)[0]


MFPT_CASES = {
    # OU L = x^2 on (-4, 4) at eta = 1, 0 -> 1; the double well (Sigma = 1) at eta = 0.3 over the barrier
    "OU": (ou(domain=(-4.0, 4.0)), 1.0, 0.0, 1.0, 160, lambda x: -2.0 * x * x),
    "double well": (double_well(amp=0.0), 0.3, -1.0, 1.0, 200, lambda x: -(2 / 0.3) * (x ** 4 / 4 - x ** 2 / 2)),
}


@pytest.mark.parametrize("name", list(MFPT_CASES))
def test_grid_mfpt_continuum_bound_against_quadrature(name):
    from fpesolve import mfpt_on_grid
    land, eta, x0, y1, n, g = MFPT_CASES[name]
    exact = _quad_mfpt(g, eta, land.domain[0], x0, y1)
    fp = FokkerPlanck(land, eta, n)
    plain = mfpt_on_grid(fp, y1).at(x0)
    assert plain.error is None and plain.accuracy == "grid" and abs(plain.time / exact - 1) > 1e-6
    t = mfpt_on_grid(fp, y1).at(x0, accuracy="continuum")
    assert abs(t.time - exact) <= t.error and t.rel_error < 1e-10, (t.time / exact - 1, t.rel_error)
    assert t.accuracy == "continuum" and "Richardson" in t.method
    # a point inside a cell: the ladder's base gets it as an edge
    t2 = mfpt_on_grid(fp, y1).at(x0 + 0.013, accuracy=1e-9)
    assert abs(t2.time - _quad_mfpt(g, eta, land.domain[0], x0 + 0.013, y1)) <= t2.error and t2.rel_error <= 1e-9
    # "estimate": the grid's own time (start and target are edges of these uniform grids) and its bound
    e = mfpt_on_grid(fp, y1).at(x0, accuracy="estimate")
    assert e.time == pytest.approx(plain.time, rel=1e-12) and abs(e.time - exact) <= e.error
    assert e.rel_error < 20 * abs(e.time / exact - 1)


def test_grid_mfpt_downhill_direction_and_refusals():
    from fpesolve import mfpt_on_grid
    land, eta = ou(domain=(-4.0, 4.0)), 1.0
    fp = FokkerPlanck(land, eta, 160)
    # 1 -> 0 by the mirror image of the double integral (reflection at the right end)
    exact = _quad_mfpt(lambda x: -2.0 * x * x, eta, -4.0, -1.0, 0.0)
    t = mfpt_on_grid(fp, 0.0).at(1.0, accuracy="continuum")
    assert abs(t.time - exact) <= t.error < 1e-9 * exact
    with pytest.raises(ValueError, match="`start`.*cell edge"):
        mfpt_on_grid(fp, 1.0).at(0.013, accuracy="estimate")
    with pytest.raises(ValueError, match="strictly inside"):
        mfpt_on_grid(fp, 1.0).at(-4.0, accuracy="continuum")
    with pytest.raises(ConvergenceError, match="`accuracy`"):
        mfpt_on_grid(FokkerPlanck(land, eta, 40), 1.0).at(0.0, accuracy=1e-15)
