r"""The N1–N4 phase diagram over the learning rate."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..._util.validation import as_1d_float_array
from ._axes import _figure_and_axes

__all__ = ["plot_phase_diagram", "PHASE_COLOURS"]

#: Cell colours of :func:`plot_phase_diagram`: condition fails, holds, not evaluated.
PHASE_COLOURS = {"fails": "#d7301f", "holds": "#1a9850", "unknown": "#bdbdbd"}


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

    Raises
    ------
    ValueError
        If ``etas`` is not strictly increasing, ``conditions`` is empty or a
        row has the wrong length.
    TypeError
        If a value is not True, False or None.

    Examples
    --------
    >>> fig, ax = plot_phase_diagram([0.01, 0.1, 1.0], {"N1": [False, True, True], "N2": [True, True, False]})
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['N1', 'N2', 'all']
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
    if eta.size == 1:  # one column: its learning rate is the only tick
        ax.set_xticks([eta[0]])
        ax.set_xticklabels([f"{eta[0]:g}"])
    ax.set_yticks(np.arange(len(names)))
    ax.set_yticklabels(names)
    ax.set_ylim(len(names) - 0.5, -0.5)  # first condition on top
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_title(title)
    handles = [Patch(facecolor=PHASE_COLOURS[key], label=key) for key in ("holds", "fails", "unknown")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig, ax
