r"""Densities and potentials: :math:`p(t,\\theta)`, :math:`L` and :math:`V_{\\mathrm{eff}}`, the stationary density."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from ..._util.validation import as_1d_float_array
from ..._util.deprecation import renamed_keyword
from ...core.basins import basins as basins_of
from ...core.modes import stationary_modes
from ...core.stationary import effective_potential, stationary_density, stationary_mass
from ._axes import _figure_and_axes

__all__ = ["plot_density_evolution", "plot_potential", "plot_stationary_density"]


# ---------------------------------------------------------------------------- density evolution
def plot_density_evolution(evolution: Any, landscape: Any = None, ax=None, log: bool = False,
                           floor: float = 1e-12, cmap: str = "viridis", colorbar: bool = True,
                           time_label: str = "t (continuous time)", vmax: Optional[float] = None) -> Tuple[Any, Any]:
    r"""Heat map of the density :math:`p(t, \theta)` with the basin boundaries.

    Parameters
    ----------
    evolution : Evolution
        The result of :meth:`fpesolve.FokkerPlanck.evolve` (anything with
        ``times`` of shape ``(T,)``, ``densities`` of shape ``(T, N)`` and a
        ``grid`` with ``centres``).
    landscape : Landscape, optional
        When given, a dashed horizontal line marks each saddle of :math:`L`
        (the boundary between basins, from
        :meth:`~fpesolve.Landscape.critical_points`) and a dotted line each
        minimum.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure otherwise.
    log : bool
        Colour by :math:`\log_{10} p` (values below ``floor`` are shown at
        ``floor``), which shows the small mass that has crossed a barrier.
    floor : float
        Smallest density shown with ``log=True``.
    cmap : str
        Matplotlib colour map.
    colorbar : bool
        Add a colour bar.
    time_label : str
        Label of the time axis (divide by :math:`\eta` for SGD iterations).
    vmax : float, optional
        Top of the colour scale (in the plotted units: :math:`p`, or
        :math:`\log_{10} p` with ``log=True``); larger values are drawn in the
        top colour.  Useful when a point mass at :math:`t = 0` would
        otherwise wash out the rest of the map.

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        Time on the horizontal axis, :math:`\theta` on the vertical one; the
        heat map is ``ax.collections[0]``.

    Raises
    ------
    ValueError
        If the densities do not have shape ``(len(times), n)``, there are
        fewer than two times, or ``floor <= 0`` with ``log=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: 2 * x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
    >>> fp = FokkerPlanck(ou, 0.5, 60)
    >>> evolution = fp.evolve(fp.point_mass(1.0), [0.0, 0.5, 1.0], dt=0.05)
    >>> fig, ax = plot_density_evolution(evolution, ou)
    >>> ax.collections[0].get_array().size, ax.get_ylabel()
    (180, '$\\theta$')
    """
    times = as_1d_float_array(evolution.times, "evolution.times")
    centres = as_1d_float_array(evolution.grid.centres, "evolution.grid.centres")
    densities = np.asarray(evolution.densities, dtype=float)
    if densities.shape != (times.size, centres.size):
        raise ValueError(f"`evolution.densities` must have shape (len(times), n) = ({times.size}, {centres.size}), "
                         f"got {densities.shape}")
    fig, ax = _figure_and_axes(ax)
    values = densities.T
    label = r"$p(t,\theta)$"
    if log:
        if not floor > 0:
            raise ValueError(f"`floor` must be positive for log=True, got {floor!r}")
        values = np.log10(np.maximum(values, floor))
        label = r"$\log_{10} p(t,\theta)$"
    if times.size < 2:
        raise ValueError("a density heat map needs at least two times; evolve to several `times`")
    mesh = ax.pcolormesh(times, centres, values, shading="nearest", cmap=cmap, vmax=vmax)
    if colorbar:
        clipped = vmax is not None and np.nanmax(values) > vmax
        fig.colorbar(mesh, ax=ax, label=label, extend="max" if clipped else "neither")
    if landscape is not None:
        saddle_label, minimum_label = "basin boundary (saddle)", "minimum"
        for cp in landscape.critical_points():
            if cp.kind == "saddle":
                ax.axhline(cp.x, color="white", linestyle="--", linewidth=1.2, label=saddle_label)
                saddle_label = "_nolegend_"
            else:
                ax.axhline(cp.x, color="white", linestyle=":", linewidth=0.8, label=minimum_label)
                minimum_label = "_nolegend_"
    ax.set_xlabel(time_label)
    ax.set_ylabel(r"$\theta$")
    ax.set_title("density evolution")
    return fig, ax


# ---------------------------------------------------------------------------- potentials
@renamed_keyword("tau", "eta")
def plot_potential(landscape: Any, eta: Union[float, Sequence[float]], x: Optional[np.ndarray] = None,
                   ax=None, n: int = 400, mark_critical: bool = True) -> Tuple[Any, Any]:
    r"""The loss :math:`L` and the effective potential :math:`V_{\mathrm{eff}}` on one axis.

    .. math:: V_{\mathrm{eff}}(\theta) = \int^{\theta}\frac{L'}{\Sigma}
              + \frac{\tau}{2}\ln\Sigma(\theta), \qquad p \propto e^{-2V_{\mathrm{eff}}/\tau}

    (:func:`fpesolve.core.stationary.effective_potential`).  Both curves are
    defined up to an additive constant and are shifted so that their minimum
    over the plotted points is 0.  Note that :math:`V_{\mathrm{eff}}` has the
    units of loss divided by the units of :math:`\Sigma`: where
    :math:`\Sigma` varies, its minima can sit at different heights (or
    places) than those of :math:`L` — that difference is the point of the plot.

    Parameters
    ----------
    landscape : Landscape
    eta : float or sequence of float
        Learning rate(s) :math:`\eta` (the diffusion's temperature); one :math:`V_{\mathrm{eff}}` curve per value.
    x : array_like, optional
        Points inside the domain; default ``n`` points spanning the domain
        with a small inset from the ends.
    ax : matplotlib.axes.Axes, optional
    n : int
        Number of default points.
    mark_critical : bool
        Mark minima (circles) and saddles (crosses) of :math:`L` on the loss curve.

    Returns
    -------
    fig, ax
        ``ax.lines`` holds the :math:`L` curve first, then one curve per ``eta``.

    Raises
    ------
    ValueError
        If ``eta`` is not a number or a 1D sequence of numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5),
    ...                loss=lambda x: x**4 / 4 - x**2 / 2)
    >>> fig, ax = plot_potential(dw, [0.1, 0.3])
    >>> len(ax.lines)
    3
    """
    taus = np.atleast_1d(np.asarray(eta, dtype=float))
    if taus.ndim != 1 or taus.size == 0:
        raise ValueError(f"`eta` must be a number or a 1D sequence of numbers, got {eta!r}")
    if x is None:
        a, b = landscape.domain
        inset = 1e-3 * (b - a)
        x = np.linspace(a + inset, b - inset, int(n))
    x = as_1d_float_array(x, "x")
    fig, ax = _figure_and_axes(ax)
    loss = landscape.loss(x)
    ax.plot(x, loss - loss.min(), color="black", linewidth=2.0, label=r"$L(\theta)$")
    for t in taus:
        v = effective_potential(landscape, float(t), x)
        ax.plot(x, v - v.min(), label=rf"$V_{{\mathrm{{eff}}}}(\theta)$, $\tau={t:g}$")
    if mark_critical:
        cps = landscape.critical_points()
        lmin = float(loss.min())
        for kind, marker in (("minimum", "o"), ("saddle", "x")):
            pts = [cp for cp in cps if cp.kind == kind]
            if pts:
                ax.scatter([cp.x for cp in pts], [cp.loss - lmin for cp in pts], marker=marker, color="black",
                           zorder=3, label={"minimum": "minima", "saddle": "saddles"}[kind] if len(pts) > 1 else kind)
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("value minus its minimum")
    ax.set_title(f"loss and effective potential ({landscape.name})")
    ax.legend()
    return fig, ax


# ---------------------------------------------------------------------------- stationary density
#: fill colours of the basins in :func:`plot_stationary_density`, in turn
BASIN_COLOURS = ("#4575b4", "#fdae61")


@renamed_keyword("tau", "eta")
def plot_stationary_density(landscape: Any, eta: float, ax=None, x: Optional[np.ndarray] = None, n: int = 600,
                            basins: bool = True, modes: bool = True, log: bool = False) -> Tuple[Any, Any]:
    r"""The closed-form stationary density :math:`p(\theta)` with its basins and modes.

    .. math:: p(\theta) = \frac{1}{Z\,\Sigma(\theta)}
              \exp\Big(-\frac{2}{\tau}\int^{\theta}\frac{L'}{\Sigma}\Big), \qquad \tau = \eta

    (Ito; :func:`fpesolve.stationary_density`).  Each basin of attraction of a
    minimum of :math:`L` (split at the separating saddles,
    :func:`fpesolve.basins`) is shaded under the curve and labelled with its
    exact probability (:func:`fpesolve.stationary_mass`); the modes of
    :math:`p` (:func:`fpesolve.core.modes.stationary_modes`) are marked.

    Parameters
    ----------
    landscape : Landscape
        The landscape.
    eta : float
        Learning rate :math:`\eta > 0`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure otherwise.
    x : array_like, optional
        Points inside the domain; default ``n`` points spanning the domain
        with a small inset from the ends.
    n : int
        Number of default points.
    basins : bool
        Shade the basins and draw their boundaries (dashed).
    modes : bool
        Mark the modes of :math:`p` (triangles).
    log : bool
        Logarithmic density axis (shows the mass in a disfavoured basin).

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    ax : matplotlib.axes.Axes
        ``ax.lines[0]`` is the density; then one dashed line per basin
        boundary; ``ax.collections`` holds one shaded region per basin (its
        label gives the probability) and then the mode markers.

    Raises
    ------
    ValueError
        If ``eta`` is not positive or ``x`` leaves the domain (from the
        closed form).

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5))
    >>> fig, ax = plot_stationary_density(dw, 0.3)
    >>> [c.get_label() for c in ax.collections[:2]]
    ['basin of x=-1: P = 0.870', 'basin of x=+1: P = 0.130']
    """
    if x is None:
        a, b = landscape.domain
        inset = 1e-3 * (b - a)
        x = np.linspace(a + inset, b - inset, int(n))
    x = as_1d_float_array(x, "x")
    p = stationary_density(landscape, eta, x)
    fig, ax = _figure_and_axes(ax)
    ax.plot(x, p, color="black", linewidth=1.8, label=rf"$p(\theta)$, $\eta={eta:g}$")
    if basins:
        found = basins_of(landscape)
        for cut in found.edges[1:-1]:
            ax.axvline(cut, color="grey", linestyle="--", linewidth=1.0)
        for k, (minimum, (lo, hi)) in enumerate(zip(found.minima, found.intervals())):
            inside = (x >= lo) & (x <= hi)
            mass = stationary_mass(landscape, eta, lo, hi)
            ax.fill_between(x[inside], p[inside], color=BASIN_COLOURS[k % len(BASIN_COLOURS)], alpha=0.35,
                            linewidth=0, label=f"basin of x={minimum.x:+.3g}: P = {mass:.3f}")
    if modes:
        peaks = stationary_modes(landscape, eta).maxima
        if peaks.size:
            ax.scatter(peaks, stationary_density(landscape, eta, peaks), marker="v", color="black", zorder=3,
                       label="modes of p")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("stationary density")
    ax.set_title(f"stationary density ({landscape.name})")
    ax.legend(fontsize="small")
    return fig, ax
