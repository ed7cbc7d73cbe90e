"""Gauss–Legendre helpers against exact integrals."""

import math

import numpy as np
import pytest
from scipy import special

from fpesolve.core.quadrature import (MAX_ORDER, gauss_legendre, graded_panels, integrate_between,
                                      interval_integrals, log_integral_exp)


@pytest.mark.parametrize("order", [1, 2, 5, 12, 20])
def test_gauss_legendre_is_exact_to_degree_2n_minus_1(order):
    nodes, weights = gauss_legendre(order)
    for degree in range(2 * order):
        exact = 0.0 if degree % 2 else 2.0 / (degree + 1)
        assert float(weights @ nodes ** degree) == pytest.approx(exact, abs=1e-14)
    # and not beyond: for x^(2n) the error of the n-point rule is 2^(2n+1) (n!)^4 / ((2n+1) ((2n)!)^2)
    n = order
    error = 2.0 ** (2 * n + 1) * math.factorial(n) ** 4 / ((2 * n + 1) * math.factorial(2 * n) ** 2)
    assert 2.0 / (2 * n + 1) - float(weights @ nodes ** (2 * n)) == pytest.approx(error, rel=1e-4)


def test_rule_is_cached_and_read_only():
    nodes, weights = gauss_legendre(8)
    assert gauss_legendre(8)[0] is nodes
    with pytest.raises(ValueError):
        weights[0] = 1.0


@pytest.mark.parametrize("order,exc", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (MAX_ORDER + 1, ValueError)])
def test_bad_order(order, exc):
    with pytest.raises(exc, match="`order`"):
        gauss_legendre(order)


def test_interval_integrals_of_sine_with_and_without_panels():
    rng = np.random.default_rng(1)
    left = rng.uniform(-5, 5, 40)
    right = left + rng.uniform(-3, 3, 40)       # some reversed intervals: negative integrals
    exact = np.cos(left) - np.cos(right)
    # one 12-point panel on intervals up to 3 long: error ~ (3/2)^24 / 24! ~ 1e-20
    np.testing.assert_allclose(interval_integrals(np.sin, left, right, order=12), exact, rtol=0, atol=1e-14)
    np.testing.assert_allclose(interval_integrals(np.sin, left, right, order=4, max_panel=0.05), exact, rtol=0,
                               atol=1e-13)


def test_integrate_between_exp():
    assert integrate_between(np.exp, -1.0, 2.0) == pytest.approx(math.exp(2) - math.exp(-1), rel=1e-15)
    assert integrate_between(np.exp, 1.0, 1.0) == 0.0


def test_graded_panels_grade_geometrically_toward_both_ends():
    edges = graded_panels(0.0, 1.0, 16, levels=10, ratio=0.2)
    assert edges[0] == 0.0 and edges[-1] == 1.0 and np.all(np.diff(edges) > 0)
    h = 1.0 / 16
    left = edges[1:11]
    np.testing.assert_allclose(left, h * 0.2 ** np.arange(10, 0, -1), rtol=1e-14)
    # toward 1 the grading stops at eps^(1/3) |end| ~ 6e-6 (Gauss nodes near 1 are rounded by 1.1e-16)
    right_steps = 1.0 - edges[-11:-1]
    assert right_steps.min() > np.cbrt(np.finfo(float).eps) * 0.99


def test_log_integral_exp_never_forms_huge_exponentials():
    # log int_{-10}^{10} exp(1e4 - x^2/2) = 1e4 + log(sqrt(2 pi) erf(10/sqrt 2))
    edges = np.linspace(-10.0, 10.0, 41)
    value, x, logw = log_integral_exp(lambda t: 1e4 - 0.5 * t * t, edges)
    exact = 1e4 + math.log(math.sqrt(2 * math.pi) * special.erf(10 / math.sqrt(2)))
    assert value == pytest.approx(exact, rel=0, abs=1e-11)
    assert x.size == logw.size == 40 * 20
