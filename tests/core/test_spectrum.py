"""Spectra of the Scharfetter–Gummel generator: known spectra, mpmath references, routes, errors."""

import math

import mpmath
import numpy as np
import pytest

from fpesolve.core.convergence import richardson
from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.grid import Grid
from fpesolve.core.landscape import Landscape
from fpesolve.core.spectrum import spectral_gap, spectrum


def _mpmath_eigenvalues(fp, digits):
    """Eigenvalues (ascending) of the symmetrised -Q, dense and in `digits`-digit arithmetic."""
    d = fp.discretization
    n = fp.grid.n
    with mpmath.workdps(digits):
        a = [mpmath.exp(mpmath.mpf(float(v))) for v in d.log_up]
        b = [mpmath.exp(mpmath.mpf(float(v))) for v in d.log_down]
        s = mpmath.zeros(n, n)
        for i in range(n):
            s[i, i] = (a[i] if i < n - 1 else 0) + (b[i - 1] if i > 0 else 0) + mpmath.mpf(float(d.out[i]))
            if i < n - 1:
                s[i, i + 1] = s[i + 1, i] = -mpmath.sqrt(a[i] * b[i])
        return sorted(mpmath.eigsy(s, eigvals_only=True))


def _mpmath_gap(fp, digits):
    """Second-smallest eigenvalue (the first is the stationary 0) with reflecting ends."""
    return _mpmath_eigenvalues(fp, digits)[1]


# ------------------------------------------------------------------ processes with known spectra
def _ornstein_uhlenbeck(h=1.5, eta=1.0):
    # L' = H x, Sigma = 1: lambda_n = n H; stationary std sqrt(tau/(2H)) = 0.58, domain +-10 makes the
    # truncation error of the fifth eigenvalue ~exp(-x^2 H/tau) ~ 1e-60
    land = Landscape(grad=lambda x: h * x, sigma=lambda x: np.ones_like(x), domain=(-10.0, 10.0), name="OU")
    return land, eta, h * np.arange(1, 6)


def _jacobi(k=1.0, m=0.5, s2=0.5, eta=0.1):
    # L' = k (x - m), tau Sigma = s2 x (1 - x) on [0, 1] (Wright-Fisher): lambda_n = n k + n (n-1) s2 / 2
    land = Landscape(grad=lambda x: k * (x - m), sigma=lambda x: s2 * x * (1.0 - x) / eta, domain=(0.0, 1.0),
                     name="Jacobi")
    n = np.arange(1, 6)
    return land, eta, n * k + n * (n - 1) * s2 / 2.0


def _cir(k=1.0, m=1.0, s2=1.0, eta=0.5):
    # L' = k (x - m), tau Sigma = s2 x on [0, X]: lambda_n = n k; density x e^{-2x}, so X = 25 changes the
    # first five rates (Laguerre eigenfunctions of degree <= 5) by ~25^6 e^{-50} ~ 1e-13
    land = Landscape(grad=lambda x: k * (x - m), sigma=lambda x: s2 * x / eta, domain=(0.0, 25.0), name="CIR")
    return land, eta, k * np.arange(1, 6)


@pytest.mark.parametrize("process", [_ornstein_uhlenbeck, _jacobi, _cir], ids=["OU", "Jacobi", "CIR"])
def test_first_five_rates_second_order_and_richardson(process):
    land, eta, exact = process()
    ns = [25_000, 50_000, 100_000]
    rates = [spectrum(FokkerPlanck(land, eta, n), 5, vectors=False).rates for n in ns]
    errors = [np.abs(r / exact - 1.0) for r in rates]
    orders = np.log2(errors[1] / errors[2])
    # the scheme is second order on a uniform grid: observed orders within 0.1 of 2
    assert np.all(np.abs(orders - 2.0) < 0.1), orders
    # plain second order at N = 1e5 leaves C h^2 (~2e-8 on Jacobi's fifth rate); Richardson over
    # N = 5e4 and 1e5 removes the h^2 term and must reach 1e-8 relative on every rate
    extrapolated = richardson(rates[1], rates[2], ratio=2.0, order=2.0)
    assert np.all(np.abs(extrapolated / exact - 1.0) <= 1e-8), np.abs(extrapolated / exact - 1.0)


def test_brownian_motion_with_absorbing_ends():
    # L' = 0, D = tau Sigma / 2 = 0.5 on [0, 1]: absorbing both ends lambda_n = D (n pi)^2, one end
    # absorbing (left) lambda_n = D ((n - 1/2) pi)^2; cell-centred Dirichlet closure is O(h^2)
    land = Landscape(grad=lambda x: np.zeros_like(x), sigma=lambda x: np.ones_like(x), domain=(0.0, 1.0))
    n = np.arange(1, 4)
    for boundary, exact in ((("absorbing", "absorbing"), 0.5 * (n * np.pi) ** 2),
                            (("absorbing", "reflecting"), 0.5 * ((n - 0.5) * np.pi) ** 2),
                            (("reflecting", "absorbing"), 0.5 * ((n - 0.5) * np.pi) ** 2)):
        errs = [np.abs(spectrum(FokkerPlanck(land, 1.0, N, boundary), 3, vectors=False).rates / exact - 1)
                for N in (400, 800)]
        # the standard second-order error (k h)^2 / 12 of the 3-point Laplacian, k = sqrt(lambda / D)
        assert np.all(errs[1] <= 1.05 * (np.sqrt(exact / 0.5) / 800) ** 2 / 12)
        assert np.all(np.abs(np.log2(errs[0] / errs[1]) - 2.0) < 0.1)


def test_absorbing_spectrum_matches_mpmath():
    # one absorbing end: every rate is positive, the first ~1e-5 (a float64 dense solver is only
    # accurate to ~1e-14 absolute, so the reference is a 50-digit mpmath eigensolve of the symmetrised -Q)
    land = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.3 * np.tanh(x), domain=(-2.0, 2.0))
    for boundary in (("absorbing", "reflecting"), ("absorbing", "absorbing"), ("reflecting", "absorbing")):
        fp = FokkerPlanck(land, 0.5, 40, boundary)
        ref = _mpmath_eigenvalues(fp, 50)[:6]
        s = spectrum(fp, 6, vectors=False)
        np.testing.assert_allclose(s.rates, [float(r) for r in ref], rtol=1e-13)


def test_eigenvectors_ou_hermite():
    # OU eigenfunctions (observables) are Hermite polynomials: phi_1 ∝ x, phi_2 ∝ x^2 - v with
    # v = tau / (2H); right vectors are p * phi; pairing sum_i phi_j r_l |c_i| = delta_jl
    land, eta, _ = _ornstein_uhlenbeck()
    fp = FokkerPlanck(land, eta, Grid.uniform(-5.0, 5.0, 2000))
    s = spectrum(fp, 3)
    x = fp.grid.centres
    pi = np.exp(fp.discretization.log_stationary_mass)
    bulk = pi > 1e-10 * pi.max()    # in the far tails phi = v / sqrt(pi) is rounding-dominated
    v = eta / (2 * 1.5)
    for phi, poly in ((s.observables[0], x), (s.observables[1], x ** 2 - v)):
        coef = (phi[bulk] @ poly[bulk]) / (poly[bulk] @ poly[bulk])
        # O(h^2) = 6e-6 discretisation error in the eigenfunction
        assert np.max(np.abs(phi[bulk] - coef * poly[bulk])) < 1e-4 * np.max(np.abs(phi[bulk]))
    gram = s.observables @ (s.densities * fp.grid.widths).T
    np.testing.assert_allclose(gram, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(s.densities, fp.stationary() * s.observables, rtol=1e-12, atol=1e-300)
    # eigen-equation for the densities: Q (r |c|) = -lambda (r |c|) (residual relative to ||Q|| ||r||)
    q = fp.generator()
    for j in range(3):
        m = s.densities[j] * fp.grid.widths
        res = q @ m + s.rates[j] * m
        assert np.max(np.abs(res)) < 1e-9 * abs(q).max() * np.max(np.abs(m))


# ------------------------------------------------------------------ tiny gaps against mpmath
def _double_well():
    return Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.3 * np.tanh(x), domain=(-2.0, 2.0),
                     name="double well")


def test_tiny_gaps_match_mpmath_dense_eigensolve():
    land = _double_well()
    seen = []
    for eta in (0.5, 0.01, 0.003, 0.0013, 0.00075):
        fp = FokkerPlanck(land, eta, 60)
        gap = spectral_gap(fp)
        assert gap.method.startswith("golub-kahan bisection")
        seen.append(gap.log10)
        # the zero eigenvalue comes out as ~10^-digits * ||S||: keep it 40 digits below the gap
        ref = _mpmath_gap(fp, int(-gap.log10) + 45)
        assert abs(float((mpmath.mpf(gap.value) - ref) / ref)) <= 1e-12
        assert abs(gap.log10 - float(mpmath.log10(ref))) <= 1e-12 * max(1.0, abs(gap.log10))
    assert max(seen) > -2.0 and min(seen) < -250.0  # the range the issue asks for: 1e-2 ... 1e-250


def test_stebz_engine_agrees_where_it_applies():
    fp = FokkerPlanck(_double_well(), 0.01, 60)
    a = spectrum(fp, 3, vectors=False)
    b = spectrum(fp, 3, vectors=False, solver="stebz")
    np.testing.assert_allclose(a.rates, b.rates, rtol=1e-13)


def test_gap_matches_first_passage_route_where_both_exist():
    # for two wells lambda_1 = 1/T_AB + 1/T_BA up to O(lambda_1/lambda_2); on the same chain both routes
    # must agree to 1e-6 once the gap is metastable (here to the rounding of |log gap| * eps as well)
    land = _double_well()
    for eta in (0.02, 0.005, 0.002, 0.0009):
        fp = FokkerPlanck(land, eta, 60)
        a = spectral_gap(fp)
        b = spectral_gap(fp, method="first-passage")
        assert b.method.startswith("first-passage")
        assert abs(b.log10 - a.log10) * math.log(10) <= 1e-6
        if a.log10 < -30:
            assert abs(b.log10 - a.log10) * math.log(10) <= 1e-12 * abs(a.log10) * 50


def test_underflowing_gap_is_reported_in_log_form():
    # barrier exponent (2/tau) * int L'/Sigma ~ 1/(4 * 0.0004) = 625 -> gap ~ 1e-270 .. 1e-400
    fp = FokkerPlanck(_double_well(), 0.0003, 300)
    gap = spectral_gap(fp)
    assert gap.method.startswith("first-passage")
    assert gap.value is None and gap.relaxation_time == math.inf
    assert math.isfinite(gap.log10) and gap.log10 < -307.6
    assert "first-passage" in gap.summary()
    with pytest.raises(ValueError, match="too small|below"):
        spectrum(fp, 2)
    # the first-passage route at a slightly higher temperature (gap representable) matches bisection
    fp2 = FokkerPlanck(_double_well(), 0.0006, 300)
    assert abs(spectral_gap(fp2).log10 - spectral_gap(fp2, method="first-passage").log10) < 1e-10 * 400


def test_bad_input():
    fp = FokkerPlanck(_double_well(), 0.3, 20)
    with pytest.raises(ValueError, match="exceeds the 19 nonzero rates"):
        spectrum(fp, 20)
    assert spectrum(fp, 19, vectors=False).rates.size == 19
    with pytest.raises(ValueError):
        spectrum(fp, 0)
    with pytest.raises(TypeError):
        spectrum(fp, 2.5)
    with pytest.raises(ValueError, match="`method`"):
        spectral_gap(fp, method="magic")
    with pytest.raises(ValueError, match="solver"):
        spectrum(fp, 2, solver="magic")
    absorbing = FokkerPlanck(_double_well(), 0.3, 20, "absorbing")
    assert spectrum(absorbing, 20, vectors=False).rates.size == 20
    with pytest.raises(ValueError, match="exceeds the 20"):
        spectrum(absorbing, 21)


def test_fokker_planck_methods_delegate_and_summaries():
    fp = FokkerPlanck(_double_well(), 0.3, 100)
    s = fp.spectrum(3)
    assert s.k == 3 and np.all(np.diff(s.rates) > 0)
    assert fp.spectral_gap().value == pytest.approx(s.gap, rel=1e-14)
    np.testing.assert_allclose(s.relaxation_times, 1 / s.rates, rtol=1e-15)
    assert "golub-kahan" in s.summary() and "spectral gap" in fp.spectral_gap().summary()


def test_metastable_eigenvectors_are_finite_where_representable():
    # tau = 0.005: pi spans ~e^-2000, so 1/sqrt(pi) overflows in the tails; no floating-point error may
    # escape (conftest raises on them) and the slowest observable is a two-level step across the saddle
    fp = FokkerPlanck(_double_well(), 0.005, 1200)
    s = spectrum(fp, 2)
    x = fp.grid.centres
    phi = s.observables[0]
    left, right = phi[np.abs(x + 1) < 0.05], phi[np.abs(x - 1) < 0.05]
    assert np.all(np.isfinite(left)) and np.all(np.isfinite(right))
    assert np.ptp(left) < 1e-6 * np.abs(left).max() and np.ptp(right) < 1e-6 * np.abs(right).max()
    assert np.sign(left[0]) == -np.sign(right[0])
    pi = np.exp(fp.discretization.log_stationary_mass)
    basin = x < 0
    # E_pi[phi] = 0 and E_pi[phi^2] = 1 for the two-level step: phi = sqrt(P_B/P_A) on A, -sqrt(P_A/P_B) on B
    pa, pb = pi[basin].sum(), pi[~basin].sum()
    assert abs(left[0]) == pytest.approx(math.sqrt(pb / pa), rel=1e-6)
    assert abs(right[0]) == pytest.approx(math.sqrt(pa / pb), rel=1e-6)


# ------------------------------------------------------------------ Green-operator cross-check
def test_green_gap_agrees_with_bisection_on_tiny_gaps():
    from fpesolve.core.green import green_gap
    seen = []
    for eta, n in ((0.05, 60), (0.01, 300), (0.003, 60), (0.0013, 300), (0.00075, 60), (0.00075, 300)):
        fp = FokkerPlanck(_double_well(), eta, n)
        ref = spectral_gap(fp)
        assert ref.method.startswith("golub-kahan bisection")
        got = green_gap(fp)
        assert got.converged and got.iterations <= 5  # metastable: (lambda_1/lambda_2)^2 per step
        assert abs(got.log - ref.log) <= 1e-10
        assert got.value == pytest.approx(ref.value, rel=1e-10)
        seen.append(got.log10)
    assert max(seen) > -5 and min(seen) < -250


def test_green_gap_below_float64_matches_first_passage_route():
    from fpesolve.core.green import green_gap
    fp = FokkerPlanck(_double_well(), 0.0003, 300)
    got = green_gap(fp)
    ref = spectral_gap(fp)
    assert ref.method.startswith("first-passage") and got.value is None and got.relaxation_time == math.inf
    assert got.converged and got.log10 < -600
    # 1/T_AB + 1/T_BA is exact up to O(lambda_1/lambda_2); the rest is rounding of |log gap| * eps
    assert abs(got.log - ref.log) <= 1e-10
    assert "below float64" in got.summary()


@pytest.mark.parametrize("n", [50, 400])
def test_green_gap_on_ornstein_uhlenbeck(n):
    from fpesolve.core.green import green_gap
    land, eta, exact = _ornstein_uhlenbeck()
    fp = FokkerPlanck(land, eta, n)
    got = green_gap(fp)
    assert got.converged and got.value == pytest.approx(spectral_gap(fp).value, rel=1e-12)
    assert got.value == pytest.approx(exact[0], rel=0.1)
    pi = np.exp(fp.discretization.log_stationary_mass)
    assert abs(pi @ got.observable) < 1e-12 and pi @ got.observable**2 == pytest.approx(1.0, rel=1e-12)
    assert "converged" in got.summary() and "GreenGap(" in repr(got)


def test_green_gap_reports_non_convergence_and_bad_input():
    from fpesolve.core.green import green_gap
    land, eta, _ = _ornstein_uhlenbeck()
    fp = FokkerPlanck(land, eta, 50)
    once = green_gap(fp, max_iter=1)
    assert once.iterations == 1 and not once.converged and once.last_change == math.inf
    assert "NOT converged" in once.summary()
    with pytest.raises(ValueError, match="`max_iter`.*got 0"):
        green_gap(fp, max_iter=0)
    for bad in (0.0, 1.0, -1e-3, 2.0, float("nan")):
        with pytest.raises(ValueError, match="`rtol`"):
            green_gap(fp, rtol=bad)
    with pytest.raises(ValueError, match="`rtol`.*got 1.5"):
        green_gap(fp, rtol=1.5)
    with pytest.raises(ValueError, match="reflecting"):
        green_gap(FokkerPlanck(land, eta, 50, "absorbing"))


def test_gap_in_range_with_underflowing_rates_is_resolved_by_bisection():
    """A cold user's landscape from samples (Sigma 55x smaller in one well) has some Golub–Kahan entries below
    1e-290 but a gap of 6e-7: bisection resolves it (those entries move it by <= 1e-290 absolute), where the
    spectral-gap call used to refuse it.  Checked against the certified Green-operator iteration and dense
    eigenvalues."""
    from fpesolve import green_gap
    from fpesolve.core.spectrum import golub_kahan_offdiagonal

    rng = np.random.default_rng(0)
    b = rng.normal(size=(20, 1))
    b -= b.mean()
    land = Landscape.from_samples(lambda x: 0.25 * (x**2 - 1) ** 2 + b * np.logaddexp(0, 2 * x) + 0 * b,
                                  lambda x: (x**3 - x) + b * 2 / (1 + np.exp(-2 * x)) + 0 * b, (-2.5, 2.5),
                                  batch_size=4)
    fp = FokkerPlanck(land, 0.1, 400)
    assert np.min(golub_kahan_offdiagonal(fp)[0]) < 1e-290          # the regime of the old refusal
    gap = spectral_gap(fp)
    certified = green_gap(fp)
    assert certified.converged
    assert abs(gap.log10 - certified.log10) * np.log(10) <= 2 * certified.rel_error + 1e-12
    q = np.asarray(fp.generator().toarray() if hasattr(fp.generator(), "toarray") else fp.generator())
    dense = np.sort(-np.linalg.eigvals(q).real)[1]
    assert abs(gap.value - dense) <= 1e-12 * np.max(np.abs(q))     # dense: absolute accuracy eps * ||Q||
