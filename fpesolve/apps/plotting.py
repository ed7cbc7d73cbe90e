r"""Matplotlib figures for Fokker–Planck solutions, potentials, spectra and N1–N4 phase diagrams.

Every function takes an optional ``ax`` (draw into an existing
:class:`~matplotlib.axes.Axes`) and returns ``(fig, ax)``.  Nothing here
calls ``plt.show()``; :mod:`matplotlib.pyplot` is imported only when a new
figure has to be created.

Functions
---------
:func:`plot_density_evolution`
    :math:`p(t, \theta)` as a heat map (time vs :math:`\theta`) with the basin
    boundaries (the saddles of :math:`L`).
:func:`plot_potential`
    The loss :math:`L` and the effective potential :math:`V_{\mathrm{eff}}` on
    one axis.
:func:`plot_spectrum`
    Relaxation rates :math:`\lambda_k` on a log axis.
:func:`plot_phase_diagram`
    Which of the necessary conditions N1–N4 hold, as a function of :math:`\eta`.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .._util.validation import as_1d_float_array
from .._util.deprecation import renamed_keyword

__all__ = ["plot_density_evolution", "plot_potential", "plot_spectrum", "plot_phase_diagram",
           "PHASE_COLOURS"]

#: Cell colours of :func:`plot_phase_diagram`: condition fails, holds, not evaluated.
PHASE_COLOURS = {"fails": "#d7301f", "holds": "#1a9850", "unknown": "#bdbdbd"}


def _figure_and_axes(ax, figsize=(6.4, 4.0)):
    if ax is None:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


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
        ``ax.lines`` holds the :math:`L` curve first, then one curve per ``tau``.
    """
    from ..core.stationary import effective_potential

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


# ---------------------------------------------------------------------------- spectrum
def plot_spectrum(spectrum: Any, ax=None, label: Optional[str] = None, log10: bool = False,
                  marker: str = "o") -> Tuple[Any, Any]:
    r"""The relaxation rates :math:`\lambda_1 \le \lambda_2 \le \dots` on a log axis.

    The first rate is the spectral gap; :math:`1/\lambda_1` is the relaxation
    time (continuous time).  Call again with the same ``ax`` to overlay
    several spectra (e.g. several :math:`\eta`).

    Parameters
    ----------
    spectrum : array_like or object with ``.rates``
        Positive rates (units 1/time), e.g. the result of
        :func:`fpesolve.core.spectrum.spectrum`.  If an object's rates underflow
        (0) and it has ``.log10_rates``, those are plotted (as with ``log10=True``).
    ax : matplotlib.axes.Axes, optional
    label : str, optional
        Legend entry.
    log10 : bool
        The values are :math:`\log_{10}\lambda_k` (for rates below the
        float64 range); they are then drawn on a linear axis.
    marker : str
        Matplotlib marker.

    Returns
    -------
    fig, ax
        One line (markers) per call, at :math:`k = 1, 2, \dots`.
    """
    rates = getattr(spectrum, "rates", spectrum)
    if not log10 and hasattr(spectrum, "log10_rates"):
        raw = np.asarray(rates, dtype=float)
        if np.any(~np.isfinite(raw) | (raw <= 0)):  # rates underflowed float64: plot their log10 instead
            rates, log10 = spectrum.log10_rates, True
    values = as_1d_float_array(rates, "rates")
    if values.size == 0:
        raise ValueError("`spectrum` has no rates to plot")
    if not log10 and np.any(values <= 0):
        i = int(np.flatnonzero(values <= 0)[0])
        raise ValueError(f"rates must be positive for a log axis; rate {i + 1} is {float(values[i])!r}. "
                         f"Pass log10 rates with log10=True if they underflow float64")
    fig, ax = _figure_and_axes(ax)
    k = np.arange(1, values.size + 1)
    ax.plot(k, values, marker=marker, linestyle="none", label=label)
    if log10:
        ax.set_ylabel(r"$\log_{10}\lambda_k$ (rate, 1/time)")
    else:
        ax.set_yscale("log")
        ax.set_ylabel(r"$\lambda_k$ (rate, 1/time)")
    ax.set_xlabel("k")
    ax.set_xticks(k if values.size <= 20 else ax.get_xticks())
    ax.set_title("relaxation spectrum")
    if label is not None:
        ax.legend()
    return fig, ax


# ---------------------------------------------------------------------------- phase diagram
def _encode(name: str, values: Any, size: int) -> np.ndarray:
    """Booleans (None/NaN = not evaluated) to 0 (fails), 1 (holds), 2 (unknown)."""
    seq = list(values) if not isinstance(values, np.ndarray) else list(values.ravel())
    if len(seq) != size:
        raise ValueError(f"condition {name!r} has {len(seq)} values but there are {size} values of eta")
    out = np.empty(size)
    for k, value in enumerate(seq):
        if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
            out[k] = 2
        elif isinstance(value, (bool, np.bool_)) or value in (0, 1):
            out[k] = 1 if bool(value) else 0
        else:
            raise TypeError(f"condition {name!r} at eta index {k} must be True, False or None "
                            f"(not evaluated), got {value!r}")
    return out


def _edges(x: np.ndarray, logscale: bool) -> np.ndarray:
    t = np.log(x) if logscale else x
    if t.size == 1:
        half = 0.5 if logscale else 0.5 * max(abs(t[0]), 1.0)
        e = np.array([t[0] - half, t[0] + half])
    else:
        mid = 0.5 * (t[1:] + t[:-1])
        e = np.concatenate(([t[0] - (mid[0] - t[0])], mid, [t[-1] + (t[-1] - mid[-1])]))
    return np.exp(e) if logscale else e


def plot_phase_diagram(etas: Sequence[float], conditions: Mapping[str, Sequence[Optional[bool]]], ax=None,
                       combined: bool = True, logx: Optional[bool] = None,
                       title: str = "necessary conditions over the learning rate") -> Tuple[Any, Any]:
    r"""Which necessary conditions hold at each learning rate: an N1–N4 phase diagram.

    One row per condition, one column per :math:`\eta`; a cell is green where
    the condition holds, red where it fails and grey where it was not
    evaluated.  The data are whatever the caller computed (e.g. a
    :func:`fpesolve.sweep` over ``eta`` of a diagnosis), so the figure makes no
    assumption about how each condition is decided.

    Parameters
    ----------
    etas : sequence of float
        Strictly increasing learning rates.
    conditions : mapping of str to sequence of bool or None
        ``{"N1 mixing": [True, False, ...], ...}``, one value per ``eta``
        (``None`` or NaN: not evaluated).  Rows are drawn top to bottom in
        the mapping's order.
    ax : matplotlib.axes.Axes, optional
    combined : bool
        Add a bottom row "all": holds where every condition holds, fails
        where any fails, unknown otherwise.
    logx : bool, optional
        Logarithmic :math:`\eta` axis; default when all ``etas`` are positive
        and span more than a factor of 10.
    title : str

    Returns
    -------
    fig, ax
        The cells are ``ax.collections[0]`` (a QuadMesh whose array holds
        0 = fails, 1 = holds, 2 = unknown, rows in drawing order); the y tick
        labels are the condition names.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    eta = as_1d_float_array(etas, "etas")
    if eta.size > 1 and np.any(np.diff(eta) <= 0):
        raise ValueError("`etas` must be strictly increasing")
    if not isinstance(conditions, Mapping) or not conditions:
        raise ValueError("`conditions` must be a non-empty mapping {condition name: one bool/None per eta}")
    names = [str(name) for name in conditions]
    codes = [_encode(name, values, eta.size) for name, values in conditions.items()]
    if combined:
        stack = np.array(codes)
        all_row = np.where(np.any(stack == 0, axis=0), 0, np.where(np.all(stack == 1, axis=0), 1, 2))
        names.append("all")
        codes.append(all_row.astype(float))
    if logx is None:
        logx = bool(np.all(eta > 0) and eta.max() / eta.min() > 10)
    if logx and np.any(eta <= 0):
        raise ValueError("a logarithmic eta axis needs positive `etas`; pass logx=False")
    fig, ax = _figure_and_axes(ax, figsize=(6.4, 0.6 * len(names) + 1.6))
    cmap = ListedColormap([PHASE_COLOURS["fails"], PHASE_COLOURS["holds"], PHASE_COLOURS["unknown"]])
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5], cmap.N)
    rows = np.arange(len(names) + 1) - 0.5
    ax.pcolormesh(_edges(eta, logx), rows, np.array(codes), cmap=cmap, norm=norm, edgecolors="white",
                  linewidth=0.5)
    if logx:
        ax.set_xscale("log")
    ax.set_yticks(np.arange(len(names)))
    ax.set_yticklabels(names)
    ax.set_ylim(len(names) - 0.5, -0.5)  # first condition on top
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_title(title)
    handles = [Patch(facecolor=PHASE_COLOURS[key], label=key) for key in ("holds", "fails", "unknown")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig, ax
