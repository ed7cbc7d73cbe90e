"""Tests for fpesolve.plotting (Agg backend, set in conftest): the artists carry the data they should."""

from types import SimpleNamespace

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import integrate

from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.landscape import Landscape
from fpesolve.apps.plotting import plot_density_evolution, plot_phase_diagram, plot_potential, plot_spectrum


@pytest.fixture
def double_well():
    return Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1.0 + 0.5 * np.tanh(2.0 * x), domain=(-2.5, 2.5),
                     loss=lambda x: x ** 4 / 4 - x ** 2 / 2, name="double well")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_backend_is_agg():
    assert matplotlib.get_backend().lower() == "agg"


def test_density_evolution_heat_map_and_basin_boundaries(double_well):
    fp = FokkerPlanck(double_well, eta=0.3, grid=60)
    evo = fp.evolve(fp.point_mass(-1.0), [0.0, 0.5, 1.0, 2.0], dt=0.05)
    fig, ax = plot_density_evolution(evo, double_well)
    assert isinstance(fig, matplotlib.figure.Figure)
    mesh = ax.collections[0]
    # the heat map holds the densities, theta along the vertical axis, time along the horizontal one
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(60, 4), evo.densities.T)
    # one dashed line at the saddle (basin boundary) and dotted lines at the two minima
    lines = {line.get_linestyle(): [] for line in ax.lines}
    for line in ax.lines:
        lines[line.get_linestyle()].append(line.get_ydata()[0])
    np.testing.assert_allclose(lines["--"], [0.0], atol=1e-12)
    np.testing.assert_allclose(sorted(lines[":"]), [-1.0, 1.0], atol=1e-12)
    assert ax.get_ylabel() == r"$\theta$" and "time" in ax.get_xlabel()
    assert len(fig.axes) == 2  # the heat map and its colour bar

    fig2, ax2 = plt.subplots()
    out_fig, out_ax = plot_density_evolution(evo, ax=ax2, log=True, floor=1e-8, colorbar=False)
    assert out_ax is ax2 and out_fig is fig2 and not ax2.lines
    np.testing.assert_allclose(np.asarray(ax2.collections[0].get_array()).reshape(60, 4),
                               np.log10(np.maximum(evo.densities.T, 1e-8)))
    _, ax3 = plot_density_evolution(evo, vmax=0.5)
    assert ax3.collections[0].norm.vmax == 0.5
    assert ax3.figure.axes[1].get_ylabel() == r"$p(t,\theta)$"
    with pytest.raises(ValueError, match="at least two times"):
        plot_density_evolution(SimpleNamespace(times=[1.0], densities=evo.densities[:1], grid=evo.grid))


def test_potential_curves_match_independent_quadrature(double_well):
    x = np.linspace(-2.0, 2.0, 41)
    taus = [0.1, 0.5]
    fig, ax = plot_potential(double_well, taus, x=x)
    assert len(ax.lines) == 1 + len(taus)
    labels = [line.get_label() for line in ax.lines]
    assert labels[0] == r"$L(\theta)$" and all("V_" in lab for lab in labels[1:])
    loss = x ** 4 / 4 - x ** 2 / 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), loss - loss.min(), atol=1e-14)
    # V_eff = int_0^x L'/Sigma + (tau/2) ln Sigma + const, by adaptive quadrature (tolerance 1e-12)
    for line, eta in zip(ax.lines[1:], taus):
        ratio = lambda s: (s ** 3 - s) / (1.0 + 0.5 * np.tanh(2.0 * s))  # noqa: E731
        v = np.array([integrate.quad(ratio, 0.0, xi, epsabs=1e-13, epsrel=1e-13)[0] for xi in x])
        v += 0.5 * eta * np.log(1.0 + 0.5 * np.tanh(2.0 * x))
        np.testing.assert_allclose(line.get_ydata(), v - v.min(), atol=1e-10)
    # minima and saddle markers
    assert len(ax.collections) == 2
    np.testing.assert_allclose(sorted(ax.collections[0].get_offsets()[:, 0]), [-1.0, 1.0], atol=1e-12)


def test_spectrum_log_axis_from_array_and_object():
    rates = np.array([1e-8, 0.5, 2.0, 7.5])
    fig, ax = plot_spectrum(rates, label="eta = 0.1")
    assert ax.get_yscale() == "log"
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), rates)
    # overlay a second spectrum given as an object with .rates
    plot_spectrum(SimpleNamespace(rates=rates * 2), ax=ax, label="eta = 0.2")
    assert len(ax.lines) == 2 and [t.get_text() for t in ax.get_legend().get_texts()] == ["eta = 0.1", "eta = 0.2"]
    _, ax3 = plot_spectrum([-400.0, -3.0], log10=True)
    assert ax3.get_yscale() == "linear" and "log_{10}" in ax3.get_ylabel()
    # an object whose rates underflowed falls back to its log10 rates
    _, ax4 = plot_spectrum(SimpleNamespace(rates=np.array([0.0, 1.0]), log10_rates=np.array([-350.0, 0.0])))
    assert ax4.get_yscale() == "linear"
    np.testing.assert_array_equal(ax4.lines[0].get_ydata(), [-350.0, 0.0])
    with pytest.raises(ValueError, match="rate 2 is 0.0"):
        plot_spectrum([1.0, 0.0])


def test_phase_diagram_cells_labels_and_combined_row():
    etas = [0.01, 0.03, 0.1, 0.3, 1.0]
    conditions = {"N1 mixing": [False, False, True, True, True],
                  "N2 stability": [True, True, True, True, False],
                  "N3 selection": np.array([True] * 5),
                  "N4 alignment": [None, None, True, None, float("nan")]}
    fig, ax = plot_phase_diagram(etas, conditions)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(conditions) + ["all"]
    cells = np.asarray(ax.collections[0].get_array()).reshape(5, 5)
    expected = np.array([[0, 0, 1, 1, 1],
                         [1, 1, 1, 1, 0],
                         [1, 1, 1, 1, 1],
                         [2, 2, 1, 2, 2],
                         [0, 0, 1, 2, 0]])  # all: a failure wins, then unknown, then holds
    np.testing.assert_array_equal(cells, expected)
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["holds", "fails", "unknown"]

    _, ax2 = plot_phase_diagram([0.1, 0.2], {"N2": [True, False]}, combined=False)
    assert ax2.get_xscale() == "linear" and [t.get_text() for t in ax2.get_yticklabels()] == ["N2"]
    with pytest.raises(ValueError, match="3 values but there are 2"):
        plot_phase_diagram([0.1, 0.2], {"N1": [True, True, False]})
    with pytest.raises(TypeError, match="True, False or None"):
        plot_phase_diagram([0.1, 0.2], {"N1": [True, "yes"]})
    with pytest.raises(ValueError, match="strictly increasing"):
        plot_phase_diagram([0.2, 0.1], {"N1": [True, True]})


@pytest.mark.parametrize("script", ["plot_density_evolution.py", "plot_sweep_phase_diagram.py", "plot_f1_mixing.py",
                                    "plot_f2_lyapunov.py", "plot_f3_selection.py", "plot_f4_reversal.py"])
def test_gallery_example_runs_as_a_script(script):
    """The examples are plain scripts too; each must end with at least one figure."""
    import pathlib
    import runpy

    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / script
    runpy.run_path(str(path), run_name="__main__")
    assert plt.get_fignums()
