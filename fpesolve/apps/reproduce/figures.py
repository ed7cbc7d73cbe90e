"""Figures of ``fpesolve reproduce`` (matplotlib, imported on demand; PNG files in the output directory)."""

from __future__ import annotations

import os
from typing import Optional, Sequence, Tuple

import numpy as np

from ...core.landscape import Landscape


def new_figure(ncols: int = 1, width: float = 6.2, height: float = 4.3):
    """A constrained-layout figure with ``ncols`` axes (no pyplot state).

    Parameters
    ----------
    ncols : int
        Panels side by side.
    width, height : float
        Size of one panel, in inches.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : Axes or ndarray of Axes
        One Axes for ``ncols=1``, else an array.

    Examples
    --------
    >>> fig, axes = new_figure(2)
    >>> fig.get_size_inches().round(1).tolist(), len(axes)
    ([12.4, 4.3], 2)
    """
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def save(fig, out: Optional[str], name: str) -> Optional[str]:
    """Write ``fig`` as ``out/name`` (110 dpi) and return the path; nothing when ``out`` is None.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    out : str or None
        The output directory (created if missing).
    name : str
        The file name (format from the extension).

    Returns
    -------
    str or None
        The path written.

    Examples
    --------
    >>> import os, tempfile
    >>> fig, ax = new_figure()
    >>> save(fig, None, "f.png") is None
    True
    >>> with tempfile.TemporaryDirectory() as out:
    ...     os.path.basename(save(fig, os.path.join(out, "figures"), "f.png"))
    'f.png'
    """
    if out is None:
        return None
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, name)
    fig.savefig(path, dpi=110)
    return path


def plot_points(landscape: Landscape, n: int = 1500) -> np.ndarray:
    """Points across the domain, denser near the minima and the saddles (narrow wells, narrow switches).

    Parameters
    ----------
    landscape : Landscape
        Its domain, labelled wells and saddles.
    n : int
        Uniform points across the domain (inset by 1e-4 of its length), to
        which 600 points within 1 of every well and saddle are added.

    Returns
    -------
    ndarray
        Sorted, unique points inside the domain.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> x = plot_points(construction("healthy"), 100)
    >>> bool(np.all(np.diff(x) > 0)), bool(-2.5 < x[0] < x[-1] < 2.5)
    (True, True)
    """
    a, b = landscape.domain
    inset = 1e-4 * (b - a)
    parts = [np.linspace(a + inset, b - inset, n)]
    for x in list(landscape.wells.values()) + [cp.x for cp in landscape.saddles()]:
        parts.append(np.clip(np.linspace(x - 1.0, x + 1.0, 600), a + inset, b - inset))
    return np.unique(np.concatenate(parts))


def density_figure(landscape: Landscape, eta: float, ensemble, out: Optional[str], name: str, title: str,
                   sgd_label: str) -> Optional[str]:
    """Left: L and V_eff.  Right: FPE stationary density (the diffusion's), basin boundary, SGD histogram.

    Parameters
    ----------
    landscape : Landscape
        With :math:`\\Sigma > 0` on the domain.
    eta : float
        The learning rate.
    ensemble : SGDEnsemble or None
        Its histogram (``density()``, ``bin_edges``) is drawn over the density.
    out : str or None
        Output directory; ``None`` draws nothing.
    name : str
        The PNG file name.
    title : str
        The right panel's title.
    sgd_label : str
        The histogram's legend entry.

    Returns
    -------
    str or None
        The path written.

    Examples
    --------
    >>> import os, tempfile
    >>> from fpesolve.failure_modes import construction
    >>> with tempfile.TemporaryDirectory() as out:
    ...     path = density_figure(construction("healthy"), 0.1, None, out, "healthy.png", "healthy", "SGD")
    ...     os.path.basename(path), os.path.getsize(path) > 0
    ('healthy.png', True)
    """
    if out is None:
        return None
    from ..plotting import plot_potential
    from ...core.stationary import stationary_density
    fig, (ax1, ax2) = new_figure(2)
    plot_potential(landscape, eta, ax=ax1)
    ax1.set_title(f"L and V_eff at eta = {eta:g}", fontsize=10)
    x = plot_points(landscape)
    p = stationary_density(landscape, eta, x)
    ax2.plot(x, p, color="black", lw=1.5, label=f"FPE stationary density (diffusion, eta = {eta:g})")
    if ensemble is not None:
        ax2.stairs(ensemble.density(), ensemble.bin_edges, color="tab:orange", lw=1.2, fill=False, label=sgd_label)
    for k, cp in enumerate(landscape.saddles()):
        ax2.axvline(cp.x, color="grey", ls="--", lw=1, label="basin boundary (saddle)" if k == 0 else None)
    ax2.set_xlabel(r"$\theta$")
    ax2.set_ylabel("density")
    ax2.set_title(title, fontsize=10)
    ax2.legend(fontsize=8)
    return save(fig, out, name)


def sensitivity_figure(profiles: Sequence[Tuple[str, Landscape]], values: Sequence[float], paper: float,
                       ylabel: str, title: str, out: Optional[str], name: str,
                       window: Optional[Tuple[float, float]] = None) -> Optional[str]:
    """Left: sqrt(Sigma) of each profile.  Right: the exact quantity per profile beside the paper's value.

    Parameters
    ----------
    profiles : sequence of (str, Landscape)
        Labelled noise profiles (:func:`~fpesolve.apps.reproduce.sensitivity.profile_family`).
    values : sequence of float
        The exact quantity on each profile.
    paper : float
        The paper's value (a dashed line).
    ylabel, title : str
        Labels of the right panel.
    out : str or None
        Output directory; ``None`` draws nothing.
    name : str
        The PNG file name.
    window : (float, float), optional
        The range of :math:`\\theta` drawn on the left.

    Returns
    -------
    str or None
        The path written.

    Examples
    --------
    >>> from fpesolve.apps.reproduce.sensitivity import profile_family
    >>> sensitivity_figure(profile_family("f4")[:2], [0.5, 0.51], 0.5, "barrier", "F4", None, "s.png") is None
    True
    """
    if out is None:
        return None
    fig, (ax1, ax2) = new_figure(2)
    colours = [f"C{k}" for k in range(len(profiles))]
    for (label, land), colour in zip(profiles, colours):
        x = plot_points(land, 2000)
        if window is not None:
            x = x[(x >= window[0]) & (x <= window[1])]
        ax1.plot(x, np.sqrt(land.sigma(x)), color=colour, lw=1.2, label=label)
    first = profiles[0][1]
    for cp in first.saddles():
        ax1.axvline(cp.x, color="grey", ls="--", lw=0.8)
    for x in first.wells.values():
        ax1.axvline(x, color="grey", ls=":", lw=0.8)
    ax1.set_xlabel(r"$\theta$  (dotted: wells, dashed: saddle)")
    ax1.set_ylabel(r"$\sqrt{\Sigma(\theta)}$")
    ax1.set_title("noise profiles with the paper's Sigma at the wells", fontsize=10)
    ax1.legend(fontsize=7)
    pos = np.arange(len(values))
    for k, (v, colour) in enumerate(zip(values, colours)):
        ax2.plot([k], [v], "o", color=colour, ms=7)
    ax2.axhline(paper, color="tab:red", ls="--", lw=1.5, label=f"paper: {paper:.6g}")
    ax2.set_xticks(pos)
    ax2.set_xticklabels([label for label, _ in profiles], rotation=30, ha="right", fontsize=7)
    ax2.set_ylabel(ylabel)
    ax2.set_title(title, fontsize=10)
    ax2.legend(fontsize=8)
    return save(fig, out, name)
