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
   escape_probability
   check_well_posed
   simulate_sgd
   implicit_regularizer
   simulate_label_noise_sgd
   sweep

Layers (each imports only from the layers before it):

* :mod:`fpesolve._util` — validation, number formats and JSON, the result base;
* :mod:`fpesolve.core` — landscapes, grids, the closed-form stationary law, the
  Scharfetter–Gummel discretisation, evolution, spectra, first passage, mixing;
* :mod:`fpesolve.sgd` — Monte Carlo SGD ensembles (numba);
* :mod:`fpesolve.labelnoise` — the label-noise paper's regulariser and simulations;
* :mod:`fpesolve.failure_modes` — the failure-modes paper: constructions F1–F4,
  the conditions N1–N4, the diagnosis;
* :mod:`fpesolve.apps` — the command line, sweeps, figures (matplotlib, on
  demand) and ``fpesolve reproduce``.

Conventions: the SDE is read in the Ito sense,
``d theta = -L'(theta) dt + sqrt(tau Sigma(theta)) dW`` with ``tau = eta``;
times are continuous times ``t`` unless named ``iterations`` (``t / eta``).
"""

from .core import (Basins, SampleGradients, ConvergenceStudy, Extrapolation, continuum_limit, extrapolate, subdivide,
                   CriticalPoint, Discretization, Evolution, FokkerPlanck, Grid, GreenGap,
                   EscapeTimes, FirstPassageTime, KramersTime, Landscape, MixingTime, PerSampleLosses, SpectralGap,
                   Spectrum, basin_probabilities, basins, convergence_study, discretize, effective_potential,
                   escape_times, green_gap, kramers_time, log_normalizer, mean_first_passage_time, mfpt_on_grid,
                   mixing_time, richardson, spectral_gap, stationary_density, stationary_mass, tv_distance,
                   EscapeProbability, Schedule, StationaryModes, WellPosedness, check_well_posed, escape_probability,
                   schedules, stationary_modes)
from .sgd import CensoredMean, SGDEnsemble, sample_stationary, simulate_sgd
from .labelnoise import (LabelNoiseSGDResult, SquaredLossModel, implicit_regularizer, noise_fixed_point,
                         regularization_strength, regularized_gradient, regularized_loss,
                         regularized_stationary_point, regularizer_from_eigenvalues, regularizer_gradient,
                         simulate_label_noise_sgd)
from .failure_modes import (Diagnosis, N1Result, N2Result, N3Result, N4Result, ReparameterizationCheck, StableSet,
                            check_n1, check_n2, check_n3, check_n4, check_reparameterization, constructions, diagnose,
                            leave_one_out_gaps, lyapunov_exponent, stable_learning_rates, RequiredRate,
                            ScheduleEscape, ScheduleRemedy, WeightDecayRemedy, WeightDecayTarget, required_rate,
                            schedule_remedy, stability_limit, weight_decay, weight_decay_remedy)
from .apps.sweep import SweepResult, parameter_grid, sweep
from ._util.errors import (AccuracyWarning, ConvergenceError, CostLimitError, FpesolveError, FpesolveWarning,
                           IllPosedError, PerformanceWarning)
from ._util.progress import set_progress
from ._legacy import install_module_aliases

install_module_aliases()

from ._util.version import __version__

__all__ = [
    "CriticalPoint", "Landscape", "PerSampleLosses", "Grid", "Basins", "basins", "effective_potential", "log_normalizer",
    "stationary_density", "stationary_mass", "Discretization", "discretize", "Evolution", "FokkerPlanck",
    "ConvergenceStudy", "convergence_study", "richardson", "Extrapolation", "continuum_limit", "extrapolate", "subdivide",
    "SpectralGap", "Spectrum", "spectral_gap", "GreenGap", "green_gap",
    "EscapeTimes", "FirstPassageTime", "KramersTime", "basin_probabilities", "escape_times", "kramers_time",
    "mean_first_passage_time", "mfpt_on_grid",
    "MixingTime", "N1Result", "check_n1", "mixing_time", "tv_distance",
    "N2Result", "StableSet", "check_n2", "lyapunov_exponent", "stable_learning_rates",
    "Diagnosis", "N3Result", "N4Result", "ReparameterizationCheck", "check_n3", "check_n4",
    "check_reparameterization", "diagnose", "leave_one_out_gaps",
    "WellPosedness", "check_well_posed", "StationaryModes", "stationary_modes",
    "schedules", "Schedule", "EscapeProbability", "escape_probability",
    "RequiredRate", "ScheduleEscape", "ScheduleRemedy", "WeightDecayRemedy", "WeightDecayTarget", "required_rate",
    "schedule_remedy", "stability_limit", "weight_decay", "weight_decay_remedy",
    "SampleGradients", "SGDEnsemble", "CensoredMean", "simulate_sgd", "sample_stationary",
    "implicit_regularizer", "noise_fixed_point", "regularization_strength", "regularized_gradient",
    "regularized_loss", "regularized_stationary_point", "regularizer_from_eigenvalues", "regularizer_gradient",
    "LabelNoiseSGDResult", "SquaredLossModel", "simulate_label_noise_sgd",
    "SweepResult", "parameter_grid", "sweep", "constructions",
    "FpesolveError", "IllPosedError", "ConvergenceError", "CostLimitError", "FpesolveWarning", "AccuracyWarning",
    "PerformanceWarning", "set_progress", "__version__",
]
