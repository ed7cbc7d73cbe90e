"""The Fokker–Planck core: landscapes, grids, the closed-form stationary law, the
Scharfetter–Gummel discretisation and everything computed from it (evolution,
spectra, first passage, mixing).  It knows nothing of SGD simulation or of the
papers' conditions.
"""

from .landscape import CriticalPoint, Landscape, PerSampleLosses, SampleGradients
from .grid import Grid
from .basins import Basins, basins
from .stationary import (drift_increments, drift_integral, effective_potential, log_normalizer,
                         log_stationary_density, stationary_density, stationary_mass)
from .discretize import Discretization, discretize
from .evolve import Evolution
from . import schedules
from .schedules import Schedule
from .scheduled import EscapeProbability, escape_probability
from .fokker_planck import FokkerPlanck
from .convergence import ConvergenceStudy, convergence_study, richardson
from .extrapolation import Extrapolation, continuum_limit, extrapolate, subdivide
from .spectrum import SpectralGap, Spectrum, spectral_gap, spectrum
from .green import GreenGap, green_gap
from .passage import (Escape, EscapeTimes, FirstPassageTime, GridFirstPassage, KramersTime, basin_probabilities,
                      escape_times, kramers_time, mean_first_passage_time, mfpt_on_grid)
from .mixing import MixingTime, mixing_time, tv_distance
from .wellposed import WellPosedness, check_well_posed
from .modes import StationaryModes, stationary_modes

__all__ = ["CriticalPoint", "Landscape", "PerSampleLosses", "SampleGradients", "Grid", "Basins", "basins", "drift_increments",
           "drift_integral", "effective_potential", "log_normalizer", "log_stationary_density", "stationary_density",
           "stationary_mass", "Discretization", "discretize", "Evolution", "FokkerPlanck", "ConvergenceStudy",
           "convergence_study", "richardson", "Extrapolation", "continuum_limit", "extrapolate", "subdivide",
           "SpectralGap", "Spectrum", "spectral_gap", "spectrum", "GreenGap",
           "green_gap", "Escape", "EscapeTimes", "FirstPassageTime", "GridFirstPassage", "KramersTime",
           "basin_probabilities", "escape_times", "kramers_time", "mean_first_passage_time", "mfpt_on_grid",
           "MixingTime", "mixing_time", "tv_distance", "schedules", "Schedule", "EscapeProbability",
           "escape_probability", "WellPosedness", "check_well_posed", "StationaryModes", "stationary_modes"]
