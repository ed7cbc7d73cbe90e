"""Cell-centred grids: uniform, refined (equidistributed mesh density), explicit edges, checks."""

import numpy as np
import pytest

from fpesolve import CostLimitError, Grid
from fpesolve.core.grid import MAX_CELLS


def test_uniform_grid_geometry():
    g = Grid.uniform(-1.0, 3.0, 8)
    np.testing.assert_array_equal(g.edges, np.linspace(-1.0, 3.0, 9))
    np.testing.assert_allclose(g.centres, -0.75 + 0.5 * np.arange(8), rtol=0, atol=1e-15)
    np.testing.assert_allclose(g.widths, 0.5, rtol=1e-15)
    assert g.n == 8 and g.domain == (-1.0, 3.0) and g.is_uniform
    assert "uniform, n=8" in repr(g)


def test_arrays_are_read_only():
    g = Grid.uniform(0.0, 1.0, 4)
    for arr in (g.edges, g.centres, g.widths):
        with pytest.raises(ValueError):
            arr[0] = 5.0


def test_cell_of():
    g = Grid.from_edges([0.0, 0.1, 0.5, 1.0])
    assert [g.cell_of(x) for x in (0.0, 0.05, 0.1, 0.3, 0.5, 0.99, 1.0)] == [0, 0, 1, 1, 2, 2, 2]


def _mesh_density(x, points, width, strength):
    return 1.0 + strength * sum(np.exp(-0.5 * ((x - c) / width) ** 2) for c in points)


def test_refined_grid_equidistributes_the_mesh_density():
    # width_i * w(centre_i) is constant up to the midpoint-versus-cell-average error O(h^2 w''/w)
    spreads = []
    for n in (200, 1000):
        g = Grid.refined(-2.0, 3.0, n, [0.0, 1.5], width=0.2, strength=8.0)
        assert g.n == n and g.domain == (-2.0, 3.0) and not g.is_uniform
        assert np.all(np.diff(g.edges) > 0)
        product = g.widths * _mesh_density(g.centres, [0.0, 1.5], 0.2, 8.0)
        spreads.append(np.ptp(product) / product.mean())
    assert spreads[1] < 1e-3
    assert spreads[0] / spreads[1] > (1000 / 200) ** 2 / 3      # second order (measured ratio 25)
    # cells at a refinement point are 1 + strength = 9 times narrower than far away
    g = Grid.refined(-2.0, 3.0, 1000, [0.0, 1.5], width=0.2, strength=8.0)
    ratio = g.widths[-1] / g.widths[g.cell_of(0.0)]
    assert ratio == pytest.approx(9.0, rel=1e-2)


def test_refined_without_strength_is_uniform():
    g = Grid.refined(0.0, 1.0, 50, [0.3], strength=0.0)
    np.testing.assert_allclose(g.edges, np.linspace(0.0, 1.0, 51), rtol=0, atol=1e-15)


def test_from_edges_accepts_any_iterable():
    g = Grid.from_edges(x / 4 for x in range(5))
    np.testing.assert_array_equal(g.edges, [0.0, 0.25, 0.5, 0.75, 1.0])


def test_check_inside():
    g = Grid.uniform(-1.0, 1.0, 10)
    g.check_inside((-1.0, 1.0))
    g.check_inside((-2.0, 2.0))
    with pytest.raises(ValueError, match="`grid`"):
        g.check_inside((-0.5, 1.0))


def test_cell_limit():
    with pytest.raises(CostLimitError, match=f"MAX_CELLS = {MAX_CELLS}"):
        Grid.uniform(0.0, 1.0, MAX_CELLS + 1)
    with pytest.raises(CostLimitError, match="`n`"):
        Grid.refined(0.0, 1.0, 10 ** 9, [0.5])


@pytest.mark.parametrize("call,exc,match", [
    (lambda: Grid.uniform(0, 1, 1), ValueError, "`n`"),
    (lambda: Grid.uniform(1, 0, 5), ValueError, "`a` < `b`"),
    (lambda: Grid.uniform(0, np.inf, 5), ValueError, "`b`"),
    (lambda: Grid.refined(1, -1, 10, [0.0]), ValueError, "`a` < `b`"),
    (lambda: Grid.refined(-1, 1, 10, [np.nan]), ValueError, "`points`"),
    (lambda: Grid.refined(-1, 1, 10, [0.0], width=0.0), ValueError, "`width`"),
    (lambda: Grid.refined(-1, 1, 10, [0.0], strength=np.nan), ValueError, "`strength`"),
    (lambda: Grid.from_edges([0.0, 0.0, 1.0]), ValueError, r"edges\[0\] = 0.0 >= edges\[1\]"),
    (lambda: Grid.from_edges([0.0, np.nan, 1.0]), ValueError, "`edges` contains a non-finite"),
    (lambda: Grid.from_edges("0 1 2"), TypeError, "`edges`"),
    (lambda: Grid.uniform(0, 1, 4).cell_of(np.nan), ValueError, "`x`"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
