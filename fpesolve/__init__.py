"""fpesolve: SGD's Fokker–Planck equation with multiplicative noise, computed exactly.

Public API
----------
.. autosummary::

   Landscape
   CriticalPoint
   Grid
   FokkerPlanck
   Evolution
   stationary_density
   effective_potential
   stationary_mass
   convergence_study
   richardson

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

__version__ = "0.1.0"

__all__ = [
    "CriticalPoint", "Landscape", "PerSampleLosses", "Grid", "effective_potential", "log_normalizer",
    "stationary_density", "stationary_mass", "Discretization", "discretize", "Evolution", "FokkerPlanck",
    "ConvergenceStudy", "convergence_study", "richardson",
]
