"""Section 6.1: R / log(2/nu) at eta = (2 - nu)/lambda_1, against 150-digit mpmath (1 - eta lambda_1/2 = nu/2 needs
the digits: at nu = 1e-50 a 60-digit evaluation keeps only 10 of them)."""

import mpmath
import numpy as np
import pytest

from fpesolve.labelnoise import implicit_regularizer
from fpesolve.labelnoise.sharpness import large_step_limit


def normalized_mp(h, nu, dps=150):
    with mpmath.workdps(dps):
        lam1 = max(mpmath.mpf(x) for x in h)
        nu = mpmath.mpf(nu)
        eta = (2 - nu) / lam1
        R = sum(-mpmath.log(1 - eta * mpmath.mpf(x) / 2) / (2 * eta) for x in h)
        return R / mpmath.log(2 / nu)


@pytest.mark.parametrize("h", [[3.0, 1.0, 0.5], [2.0, 2.0, -0.7, 0.1], [5.0]])
def test_normalized_regularizer_and_its_limit_against_mpmath(h):
    nus = [0.5, 1e-2, 1e-6, 1e-12, 1e-40]
    res = large_step_limit(h, nus)
    lam1 = max(h)
    m1 = sum(1 for x in h if x == lam1)
    assert res.limit == pytest.approx(m1 * lam1 / 4, rel=1e-15) and res.multiplicity == m1
    for nu, got in zip(nus, res.normalized):
        assert got == pytest.approx(float(normalized_mp(h, nu)), rel=1e-13)
    # the O(1/log(2/nu)) correction: log(2/nu) (R/log(2/nu) - limit) -> c, measured in 150 digits at nu = 1e-50
    with mpmath.workdps(150):
        nu = mpmath.mpf("1e-50")
        c_mp = (normalized_mp(h, nu) - mpmath.mpf(m1 * lam1) / 4) * mpmath.log(2 / nu)
    # at nu = 1e-50 the O(nu log(2/nu)) remainder is far below double precision
    assert res.correction == pytest.approx(float(c_mp), rel=1e-12, abs=1e-14)
    assert np.all(np.abs(res.remainder[2:]) < 10 * np.array(nus[2:]) * lam1 + 1e-15)


def test_the_paper_limit_is_four_times_the_exact_one_and_matrix_input():
    H = np.diag([3.0, 1.0, 0.5])
    res = large_step_limit(H, [1e-8])
    assert res.spectral_norm == 3.0 and res.limit / res.spectral_norm == 0.25
    eta = res.eta[0]
    # implicit_regularizer forms 1 - eta h/2 = nu/2 from a rounded eta: relative error ~ eps/nu = 2e-8 in the
    # top term (large_step_limit uses log(2/nu) exactly)
    assert res.regularizer[0] == pytest.approx(implicit_regularizer(H, eta), rel=1e-7)
    with pytest.raises(ValueError, match="`nu`"):
        large_step_limit(H, [0.0])
    with pytest.raises(ValueError, match="positive"):
        large_step_limit([-1.0, -2.0], [0.1])
