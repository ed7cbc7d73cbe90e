"""Minima at a reflecting wall (issue 9, item 5): one definition used by basins, the first-passage gap and N1.

Independent values: the Golub–Kahan gap (itself checked against mpmath in test_spectrum.py) where float64
resolves it, and the sign of V_eff' = (L' + eta Sigma'/2)/Sigma at the wall from the closed forms.
"""

import math

import numpy as np
import pytest

from fpesolve import FokkerPlanck, Landscape, check_n1, escape_times, spectral_gap
from fpesolve.core.basins import basins


def _wall_well(domain=(-0.5, 2.0)):
    # L' = x^3 - x: at x = -0.5 the drift -L' = -0.375 pushes into the left wall; the saddle at 0 separates it
    # from the interior minimum at 1
    return Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: np.ones_like(x), domain=domain, name="wall well")


def test_wall_minimum_is_a_minimum_of_the_basins():
    land = _wall_well()
    assert [cp.x for cp in land.minima()] == [1.0]                       # interior only by default
    b = basins(land)
    assert [(cp.x, cp.at_wall) for cp in b.minima] == [(-0.5, True), (1.0, False)]
    assert [s.x for s in b.saddles] == [0.0] and b.intervals() == ((-0.5, 0.0), (0.0, 2.0))
    assert "(wall)" in str(b.minima[0])
    # the domain end where the drift points inward (x = 2, L' > 0) is not a minimum
    assert all(cp.x != 2.0 for cp in b.minima)


def test_the_stationary_density_decides_the_wall():
    # L'(a) = 0.05 pushes into the wall at a = 0, but Sigma' makes V_eff decrease away from it for eta > 0.1
    sigma = lambda x: np.exp(-x)                                       # noqa: E731  Sigma' = -Sigma
    land = Landscape(grad=lambda x: 0.05 + (x - 1.0) ** 3 - (x - 1.0) + 0.0 * x, sigma=sigma, domain=(0.0, 2.5),
                     sigma_grad=lambda x: -np.exp(-x))
    # V_eff' at 0 has the sign of L'(0) + eta Sigma'(0)/2 = 0.05 - eta/2
    assert float(land.grad(np.array([0.0]))[0]) == pytest.approx(0.05)
    walls = lambda eta: [cp.x for cp in land.minima(walls=True, eta=eta) if cp.at_wall]  # noqa: E731
    assert walls(0.0) == [0.0] and walls(0.05) == [0.0]                # 0.05 - 0.025 > 0
    assert walls(0.2) == []                                             # 0.05 - 0.1 < 0: V_eff rises into it
    with pytest.raises(ValueError, match="`eta`"):
        land.minima(walls=True, eta=-1.0)


def test_gap_with_a_wall_minimum_is_the_first_passage_formula():
    land = _wall_well()
    # where float64 bisection resolves the gap the first-passage value 1/T_AB + 1/T_BA must match it to
    # O(lambda_1/lambda_2) (here < 1e-10) plus the log-space rounding
    fp = FokkerPlanck(land, 0.01, 400)
    gk = spectral_gap(fp)
    fpt = spectral_gap(fp, method="first-passage")
    assert gk.method.startswith("golub-kahan bisection") and gk.log10 < -8
    assert fpt.method.startswith("first-passage") and "-0.49" in fpt.detail
    assert abs(fpt.log - gk.log) < 1e-8
    # the case of the issue: below float64, the wall well makes the first-passage route applicable
    tiny = spectral_gap(FokkerPlanck(land, 2e-4, 400))
    assert tiny.value is None and tiny.method.startswith("first-passage") and tiny.log10 < -400


def test_check_n1_gives_a_verdict_with_a_wall_minimum():
    land = _wall_well()
    r = check_n1(land, 2e-4, 1000)
    assert r.holds is False and r.log10_t_rel > 400
    assert check_n1(land, 0.5, 10 ** 6).holds is True


def test_escape_times_from_a_wall_minimum():
    land = _wall_well()
    esc = escape_times(land, 0.05)
    assert [m.at_wall for m in esc.minima] == [True, False]
    wall_first = [e for e in esc.escapes if e.source.at_wall]
    assert len(wall_first) == 1 and wall_first[0].kramers is None and wall_first[0].ratio is None
    other = [e for e in esc.escapes if not e.source.at_wall][0]
    assert other.kramers is not None and math.isfinite(other.ratio)
    assert "(wall)" in esc.summary()
    # the gap is 1/T_AB + 1/T_BA of the continuous chain: compare with the grid's first-passage gap
    fp = FokkerPlanck(land, 0.05, 2000)
    gap = spectral_gap(fp)
    rate = sum(10.0 ** -e.exact.log10_time for e in esc.escapes)
    assert rate == pytest.approx(gap.value, rel=0.05)      # O(lambda_1/lambda_2) + O(h^2) at eta = 0.05
    with pytest.raises(ValueError, match="`landscape`"):
        escape_times(Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-1.0, 1.0)), 0.1)
