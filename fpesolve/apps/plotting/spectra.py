r"""Relaxation spectra and convergence studies on log axes."""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from ..._util.validation import as_1d_float_array
from ._axes import _figure_and_axes

__all__ = ["plot_spectrum", "plot_convergence"]


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

    Raises
    ------
    ValueError
        If there are no rates, or a rate is not positive on a log axis.

    Examples
    --------
    >>> fig, ax = plot_spectrum([0.01, 1.0, 2.0], label="eta = 0.1")
    >>> ax.get_yscale(), ax.lines[0].get_xdata().tolist()
    ('log', [1, 2, 3])
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


# ---------------------------------------------------------------------------- convergence
#: at most this many resolution tick labels on the horizontal axis (more are thinned)
MAX_RESOLUTION_TICKS = 8


def plot_convergence(study: Any, ax=None, label: Optional[str] = None, order: Optional[float] = None,
                     marker: str = "o") -> Tuple[Any, Any]:
    r"""Errors against resolution on log axes, with the observed order of convergence.

    For a method of order :math:`p` the error behaves like :math:`e(N) \approx C N^{-p}`:
    a straight line of slope :math:`-p` on log axes.  The legend gives the
    observed order between the two finest resolutions,
    :math:`\log(e_{k}/e_{k+1}) / \log(N_{k+1}/N_k)`.  The resolutions are the
    tick labels of the horizontal axis (plain numbers, no overlapping minor
    labels).  Call again with the same ``ax`` to overlay several studies.

    Parameters
    ----------
    study : ConvergenceStudy
        A :func:`fpesolve.convergence_study` result: ``resolutions``
        (increasing), ``errors`` (one per resolution) and ``orders`` (the
        observed orders between consecutive resolutions).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure otherwise.
    label : str, optional
        Legend entry (default the study's ``label``); the observed order is appended.
    order : float, optional
        Draw a dashed reference line of slope ``-order`` through the finest point.
    marker : str
        Matplotlib marker.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    ax : matplotlib.axes.Axes
        One line per call (``ax.lines[-1]``, or ``ax.lines[-2]`` before the
        reference line) holding ``resolutions`` and ``errors``.

    Raises
    ------
    ValueError
        If the study has fewer than two levels, its lengths disagree, or an
        error is not positive (a log axis cannot show it).

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import convergence_study
    >>> study = convergence_study(lambda n: np.exp((np.arange(n) + 0.5) / n).mean(), [10, 20, 40], exact=np.e - 1)
    >>> fig, ax = plot_convergence(study, order=2)
    >>> ax.get_legend().get_texts()[0].get_text()
    'convergence study (observed order 2.00)'
    """
    resolutions = as_1d_float_array(study.resolutions, "study.resolutions")
    errors = as_1d_float_array(study.errors, "study.errors")
    orders = np.atleast_1d(np.asarray(study.orders, dtype=float))
    if resolutions.size < 2 or errors.shape != resolutions.shape:
        raise ValueError(f"`study` needs at least two resolutions with one error each, got {resolutions.size} "
                         f"resolutions and {errors.size} errors")
    if np.any(errors <= 0):
        i = int(np.flatnonzero(errors <= 0)[0])
        raise ValueError(f"errors must be positive for a log axis; the error at resolution {resolutions[i]:g} is "
                         f"{float(errors[i])!r}")
    fig, ax = _figure_and_axes(ax)
    observed = f"observed order {orders[-1]:.2f}" if orders.size and np.isfinite(orders[-1]) else "no observed order"
    text = f"{label if label is not None else study.label} ({observed})"
    ax.loglog(resolutions, errors, marker=marker, label=text)
    if order is not None:
        reference = errors[-1] * (resolutions / resolutions[-1]) ** (-float(order))
        ax.loglog(resolutions, reference, "k--", linewidth=1.0, label=f"slope -{float(order):g}")
    # every resolution drawn on these axes is a tick (plain numbers), thinned to MAX_RESOLUTION_TICKS labels
    from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter
    drawn = np.unique(np.concatenate([np.asarray(line.get_xdata(), dtype=float) for line in ax.lines]))
    step = max(1, -(-drawn.size // MAX_RESOLUTION_TICKS))
    ticks = drawn[::step]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FixedFormatter([f"{t:g}" for t in ticks]))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("resolution")
    ax.set_ylabel("error")
    ax.legend()
    return fig, ax
