"""The SGD kernels' random numbers: the ziggurat's N(0, 1) deviates and its tables."""

import math

import numpy as np
from scipy import stats


def test_gaussian_noise_generator_is_standard_normal():
    # The ziggurat of the Gaussian-noise mode (the same lane code as the kernel, 32 lanes seeded as walkers
    # 0..31), 2**22 deviates.  Tests: Kolmogorov-Smirnov against N(0, 1), fail if p < 1e-3; mean, variance
    # and excess kurtosis within 5 standard errors (1/sqrt(n), sqrt(2/n), sqrt(24/n)); the fractions beyond
    # 3 and 4 sigma (the latter exercises the tail beyond R = 3.654) within 5 binomial standard errors of
    # 2 Phi(-3), 2 Phi(-4), and the fraction beyond R separately; the lag-1 correlation within each
    # lane's stream within 5/sqrt(n).
    from fpesolve.sgd._rng import LANES, ZIG_R, standard_normals

    n = 2 ** 22
    z = standard_normals(20261129, n)
    assert z.shape == (n,) and np.all(np.isfinite(z))
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(z.mean()) < 5 / math.sqrt(n)
    assert abs(z.var() - 1.0) < 5 * math.sqrt(2.0 / n)
    assert abs(stats.kurtosis(z)) < 5 * math.sqrt(24.0 / n)
    for a in (3.0, 4.0, ZIG_R):
        p = 2 * stats.norm.sf(a)
        assert abs(np.mean(np.abs(z) > a) - p) < 5 * math.sqrt(p * (1 - p) / n), a
    lanes = z.reshape(-1, LANES)            # column j = the deviates of lane j, in order
    assert abs(np.mean(lanes[1:] * lanes[:-1])) < 5 / math.sqrt(n)
    # symmetric, and reproducible from the seed; another seed gives other deviates
    assert abs(np.mean(z > 0) - 0.5) < 5 * 0.5 / math.sqrt(n)
    np.testing.assert_array_equal(standard_normals(20261129, 1000), z[:1000])
    assert not np.array_equal(standard_normals(20261130, 1000), z[:1000])


def test_ziggurat_tables_close():
    # The layers have equal area V: the base strip (rectangle below f(R) plus the tail) and the top layer,
    # which the recursion does not impose, agree with V to double precision (f(x) = exp(-x^2/2)).
    from fpesolve.sgd._rng import _ZIG_RATIO, _ZIG_X, ZIG_LAYERS, ZIG_R, ZIG_V

    f = lambda x: math.exp(-0.5 * x * x)
    base = ZIG_R * f(ZIG_R) + math.sqrt(math.pi / 2) * math.erfc(ZIG_R / math.sqrt(2))
    assert abs(base / ZIG_V - 1) < 1e-12
    top = _ZIG_X[ZIG_LAYERS - 1] * (1 - f(_ZIG_X[ZIG_LAYERS - 1]))
    assert abs(top / ZIG_V - 1) < 1e-12
    assert _ZIG_X[ZIG_LAYERS] == 0.0 and np.all(np.diff(_ZIG_X) < 0) and np.all(_ZIG_RATIO < 1)
