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
:func:`plot_stationary_density`
    The closed-form stationary density with its basins (shaded, with their
    probabilities) and modes.
:func:`plot_spectrum`
    Relaxation rates :math:`\lambda_k` on a log axis.
:func:`plot_convergence`
    Errors against resolution on log axes with the observed order (a
    :func:`fpesolve.convergence_study` result).
:func:`plot_phase_diagram`
    Which of the necessary conditions N1–N4 hold, as a function of :math:`\eta`.
"""

from .density import plot_density_evolution, plot_potential, plot_stationary_density
from .phase import PHASE_COLOURS, plot_phase_diagram
from .spectra import plot_convergence, plot_spectrum

__all__ = ["plot_density_evolution", "plot_potential", "plot_stationary_density", "plot_spectrum", "plot_convergence",
           "plot_phase_diagram", "PHASE_COLOURS"]
