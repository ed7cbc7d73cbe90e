"""Section 5.1, Eq. (6): the printed + sign contradicts simulated heavy-ball label-noise SGD; the derived - sign fits."""

import numpy as np
import pytest

from fpesolve.labelnoise import regularizer_from_eigenvalues
from fpesolve.labelnoise.momentum import momentum_sign_check, printed_momentum_regularizer


def test_printed_formula_is_minus_the_derived_one_and_minus_eq1_at_beta_0():
    h = np.array([0.5, 2.0, 5.0])
    for eta, beta in [(0.3, 0.6), (0.2, 0.0)]:
        assert printed_momentum_regularizer(h, eta, beta) == pytest.approx(-regularizer_from_eigenvalues(h, eta, beta),
                                                                          rel=1e-14)
        assert printed_momentum_regularizer(h, eta, beta) < 0 < regularizer_from_eigenvalues(h, eta, beta)


def test_heavy_ball_sgd_contradicts_the_printed_sign():
    # Full-batch heavy ball (beta = 0.5) on x theta^2 at eta h/(1+beta) = 1.  Statistical rule: z-scores from
    # 600 independent walker time-averages; first-order theory error O(lambda) relative (measured ~8 %).
    res = momentum_sign_check()
    assert res.status == "violated" and res.holds is False
    assert res.simulated_shift[0] < 0 < res.printed_shift[0]          # SGD moves to flatter, printed predicts sharper
    assert abs(res.simulated_shift[0] - res.derived_shift[0]) < 5 * res.standard_error[0] + 0.2 * abs(res.derived_shift[0])
    assert abs(res.z_printed) > 50
    # and it is not the small-step tr H/4 either: R_beta's step dependence doubles the shift here
    assert res.derived_shift[0] == pytest.approx(2 * res.trace_shift[0], rel=0.05)
    assert abs(res.simulated_shift[0] - res.trace_shift[0]) > 20 * res.standard_error[0]
    assert "violated" in res.summary() and res.to_json()


def test_errors():
    with pytest.raises(ValueError, match="`burn_in`"):
        momentum_sign_check(n_iterations=10, burn_in=10)
    with pytest.raises(ValueError, match="`momentum`"):
        momentum_sign_check(momentum=1.0)
