"""Sampling from the exact stationary law (fpesolve.sgd.sampling) against closed-form laws."""

import numpy as np
import pytest
from scipy import stats

from fpesolve.sgd.sampling import sample_stationary, stationary_cdf
from tests.landscapes import jacobi, ou


def test_cdf_of_ou_is_the_gaussian_cdf():
    # OU (k = 2) at eta = 0.5: N(0, eta / (2k)) = N(0, 1/8).  8-node Gauss-Legendre per panel of width 12/16384
    # (0.002 standard deviations) is exact to round-off; the cumulative sum of 16384 masses adds ~1e-13.
    land = ou(2.0, domain=(-6.0, 6.0))
    edges, cdf = stationary_cdf(land, 0.5)
    assert edges.shape == cdf.shape == (2 ** 14 + 1,) and cdf[0] == 0.0 and cdf[-1] == 1.0
    assert np.max(np.abs(cdf - stats.norm.cdf(edges, scale=np.sqrt(1 / 8)))) < 1e-11


def test_cdf_of_jacobi_is_the_beta_cdf():
    # The Jacobi diffusion at eta = 1 has the Beta(a, b) law; its Sigma = x(1-x) vanishes at both ends (the
    # quadrature nodes are inside the panels).  Smooth density x(1-x)^2: exact to round-off.
    land = jacobi(2.0, 3.0)
    edges, cdf = stationary_cdf(land, 1.0, n_panels=1000)
    assert np.max(np.abs(cdf - stats.beta.cdf(edges, 2.0, 3.0))) < 1e-11


def test_samples_follow_the_stationary_law():
    # 1e5 draws of Beta(2, 3) through the Jacobi landscape: Kolmogorov-Smirnov, fail if p < 1e-3.  Inside a
    # panel the draws are uniform, which moves the CDF by < 1e-6 here (panel width 1/16384, density <= 1.8):
    # far below the KS resolution 1/sqrt(1e5).
    land = jacobi(2.0, 3.0)
    x = sample_stationary(land, 1.0, 100_000, rng=3)
    assert x.shape == (100_000,) and np.all((x >= 0) & (x <= 1))
    assert stats.kstest(x, stats.beta(2.0, 3.0).cdf).pvalue > 1e-3
    np.testing.assert_array_equal(x[:10], sample_stationary(land, 1.0, 10, rng=3))
    g = np.random.default_rng(3)
    np.testing.assert_array_equal(sample_stationary(land, 1.0, 10, rng=g), x[:10])


def test_bad_input():
    land = ou()
    with pytest.raises(ValueError, match="eta"):
        stationary_cdf(land, 0.0)
    with pytest.raises(ValueError, match="n_panels"):
        stationary_cdf(land, 0.5, n_panels=0)
    with pytest.raises(ValueError, match="`n`"):
        sample_stationary(land, 0.5, 0)
    with pytest.raises(TypeError, match="rng"):
        sample_stationary(land, 0.5, 5, rng="x")
