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
                                    "plot_f2_lyapunov.py", "plot_f3_selection.py", "plot_f4_reversal.py",
                                    "plot_remedies.py"])
def test_gallery_example_runs_as_a_script(script):
    """The examples are plain scripts too; each must end with at least one figure."""
    import pathlib
    import runpy

    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / script
    runpy.run_path(str(path), run_name="__main__")
    assert plt.get_fignums()


# ---------------------------------------------------------------------------- stationary density and convergence
def _closed_form_density(x, eta):
    """The double well's p(x) normalised by adaptive quadrature (independent of fpesolve)."""
    def sigma(s):
        return 1.0 + 0.5 * np.tanh(2.0 * s)

    def unnormalised(s):
        phi = integrate.quad(lambda u: (u ** 3 - u) / sigma(u), 0.0, s, epsabs=1e-14, epsrel=1e-13)[0]
        return np.exp(-2.0 / eta * phi) / sigma(s)

    left = integrate.quad(unnormalised, -2.5, 0.0, epsabs=0, epsrel=1e-12, limit=200)[0]
    right = integrate.quad(unnormalised, 0.0, 2.5, epsabs=0, epsrel=1e-12, limit=200)[0]
    values = np.array([unnormalised(s) for s in x]) / (left + right)
    return values, left / (left + right), right / (left + right)


def test_stationary_density_curve_basins_and_modes(double_well):
    from fpesolve.apps.plotting import plot_stationary_density

    eta = 0.3
    x = np.linspace(-2.4, 2.4, 49)
    fig, ax = plot_stationary_density(double_well, eta, x=x)
    expected, left, right = _closed_form_density(x, eta)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), x)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), expected, rtol=1e-9)  # quadrature to ~1e-12
    # one dashed basin boundary at the saddle x = 0; the shaded basins carry their exact probabilities
    assert [line.get_linestyle() for line in ax.lines[1:]] == ["--"]
    np.testing.assert_allclose(ax.lines[1].get_xdata()[0], 0.0, atol=1e-12)
    labels = [c.get_label() for c in ax.collections[:2]]
    assert labels == [f"basin of x=-1: P = {left:.3f}", f"basin of x=+1: P = {right:.3f}"]
    # the modes solve x^3 - x + (eta/2) Sigma'(x) = 0, Sigma' = sech^2(2x); the fixture has no closed-form
    # Sigma', so fpesolve uses central differences (relative error ~1e-10): tolerance 1e-9
    modes = np.asarray(ax.collections[2].get_offsets())[:, 0]
    np.testing.assert_allclose(modes ** 3 - modes + 0.5 * eta / np.cosh(2 * modes) ** 2, 0.0, atol=1e-9)
    assert np.all(np.abs(np.abs(modes) - 1.0) < 0.01)
    _, ax2 = plot_stationary_density(double_well, eta, basins=False, modes=False, log=True)
    assert ax2.get_yscale() == "log" and len(ax2.lines) == 1 and not ax2.collections


def _midpoint_error(n):
    x = (np.arange(n) + 0.5) / n
    return abs(np.exp(x).mean() - (np.e - 1.0))


def test_convergence_plot_data_order_and_ticks():
    from fpesolve import convergence_study
    from fpesolve.apps.plotting import plot_convergence

    ladder = [5, 10, 20, 40, 80, 160]
    study = convergence_study(lambda n: np.exp((np.arange(n) + 0.5) / n).mean(), ladder, exact=np.e - 1,
                              label="midpoint rule")
    fig, ax = plot_convergence(study, order=2)
    errors = np.array([_midpoint_error(n) for n in ladder])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), ladder)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), errors, rtol=1e-6)  # round-off of the sums ~1e-16/1e-5
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    observed = np.log(errors[-2] / errors[-1]) / np.log(2.0)  # 2.00 for the midpoint rule
    assert ax.get_legend().get_texts()[0].get_text() == f"midpoint rule (observed order {observed:.2f})"
    # the reference line has slope -2 through the finest point
    ref = ax.lines[1].get_ydata()
    np.testing.assert_allclose(ref[-1], errors[-1], rtol=1e-12)
    np.testing.assert_allclose(np.log(ref[0] / ref[-1]) / np.log(ladder[-1] / ladder[0]), 2.0, rtol=1e-12)
    # tick labels are the resolutions, and no two labels overlap once drawn
    fig.canvas.draw()
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert [t.get_text() for t in labels] == [str(n) for n in ladder]
    assert not any(t.get_text() for t in ax.get_xticklabels(minor=True))
    boxes = sorted((t.get_window_extent() for t in labels), key=lambda b: b.x0)
    assert all(a.x1 < b.x0 for a, b in zip(boxes[:-1], boxes[1:]))
    with pytest.raises(ValueError, match="errors must be positive"):
        plot_convergence(SimpleNamespace(resolutions=[1, 2], errors=[1.0, 0.0], orders=[np.inf], label="x"))


def test_convergence_gallery_figure_has_no_overlapping_tick_labels():
    import pathlib
    import runpy

    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "plot_convergence_study.py"
    runpy.run_path(str(path), run_name="__main__")
    fig = plt.figure(plt.get_fignums()[-1])
    fig.canvas.draw()
    for ax in fig.axes:
        for minor in (False, True):
            labels = [t for t in ax.get_xticklabels(minor=minor) if t.get_text()]
            boxes = sorted((t.get_window_extent() for t in labels), key=lambda b: b.x0)
            assert all(a.x1 < b.x0 for a, b in zip(boxes[:-1], boxes[1:])), [t.get_text() for t in labels]
        minor_labels = [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]
        assert not minor_labels or not [t for t in ax.get_xticklabels() if t.get_text()]
