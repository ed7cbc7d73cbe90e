"""fpesolve: SGD's Fokker–Planck equation with multiplicative noise, computed exactly.

Public API
----------
.. autosummary::

   Landscape
   Grid
   FokkerPlanck
   stationary_density
   effective_potential
   stationary_mass
   convergence_study
   spectral_gap
   green_gap
   mean_first_passage_time
   escape_times
   mixing_time
   check_n1
   check_n2
   check_n3
   check_n4
   diagnose
   simulate_sgd
   implicit_regularizer
   simulate_label_noise_sgd
   sweep

Submodules with more: :mod:`fpesolve.constructions` (the failure-mode
landscapes F1–F4), :mod:`fpesolve.spectrum`, :mod:`fpesolve.green`, :mod:`fpesolve.passage`,
:mod:`fpesolve.mixing`, :mod:`fpesolve.lyapunov`, :mod:`fpesolve.conditions`,
:mod:`fpesolve.sgd`, :mod:`fpesolve.regularizer`, :mod:`fpesolve.label_noise`,
:mod:`fpesolve.plotting` (imported on demand: it needs matplotlib),
:mod:`fpesolve.reproduce` (the ``fpesolve reproduce`` main job).

Conventions: the SDE is read in the Ito sense,
``d theta = -L'(theta) dt + sqrt(tau Sigma(theta)) dW`` with ``tau = eta``;
times are continuous times ``t`` unless named ``iterations`` (``t / eta``).
"""

from .landscape import CriticalPoint, Landscape, PerSampleLosses
from .grid import Grid
from .stationary import effective_potential, log_normalizer, stationary_density, stationary_mass
from .discretize import Discretization, discretize
from .evolve import Evolution
from .fokker_planck import FokkerPlanck
from .convergence import ConvergenceStudy, convergence_study, richardson
from .spectrum import SpectralGap, Spectrum, spectral_gap
from .green import GreenGap, green_gap
from .passage import (EscapeTimes, FirstPassageTime, KramersTime, basin_probabilities, escape_times, kramers_time,
                      mean_first_passage_time, mfpt_on_grid)
from .mixing import MixingTime, N1Result, check_n1, mixing_time, tv_distance
from .lyapunov import N2Result, StableSet, check_n2, lyapunov_exponent, stable_learning_rates
from .conditions import (Diagnosis, N3Result, N4Result, ReparameterizationCheck, check_n3, check_n4,
                         check_reparameterization, diagnose, leave_one_out_gaps)
from .sgd import SampleGradients, SGDEnsemble, simulate_sgd
from .regularizer import (implicit_regularizer, noise_fixed_point, regularization_strength, regularized_gradient,
                          regularized_loss, regularized_stationary_point, regularizer_from_eigenvalues,
                          regularizer_gradient)
from .label_noise import LabelNoiseSGDResult, SquaredLossModel, simulate_label_noise_sgd
from .sweep import SweepResult, parameter_grid
from .sweep import sweep  # noqa: E402  (after the submodule import: `fpesolve.sweep` is the function)
from . import constructions

__version__ = "0.1.0"

__all__ = [
    "CriticalPoint", "Landscape", "PerSampleLosses", "Grid", "effective_potential", "log_normalizer",
    "stationary_density", "stationary_mass", "Discretization", "discretize", "Evolution", "FokkerPlanck",
    "ConvergenceStudy", "convergence_study", "richardson",
    "SpectralGap", "Spectrum", "spectral_gap", "GreenGap", "green_gap",
    "EscapeTimes", "FirstPassageTime", "KramersTime", "basin_probabilities", "escape_times", "kramers_time",
    "mean_first_passage_time", "mfpt_on_grid",
    "MixingTime", "N1Result", "check_n1", "mixing_time", "tv_distance",
    "N2Result", "StableSet", "check_n2", "lyapunov_exponent", "stable_learning_rates",
    "Diagnosis", "N3Result", "N4Result", "ReparameterizationCheck", "check_n3", "check_n4",
    "check_reparameterization", "diagnose", "leave_one_out_gaps",
    "SampleGradients", "SGDEnsemble", "simulate_sgd",
    "implicit_regularizer", "noise_fixed_point", "regularization_strength", "regularized_gradient",
    "regularized_loss", "regularized_stationary_point", "regularizer_from_eigenvalues", "regularizer_gradient",
    "LabelNoiseSGDResult", "SquaredLossModel", "simulate_label_noise_sgd",
    "SweepResult", "parameter_grid", "sweep", "constructions",
]
