"""Monte Carlo SGD on any landscape: ensembles of walkers running minibatch, Gaussian or two-point noise SGD
(numba kernels, or a numpy stepper where numba cannot compile the landscape's callables)."""

from .ensemble import METHODS, CensoredMean, LearningRateSchedule, SampleGradients, SGDEnsemble, simulate_sgd
from .noise import NOISE_MODELS
from .sampling import sample_stationary, stationary_cdf

__all__ = ["SampleGradients", "SGDEnsemble", "CensoredMean", "simulate_sgd", "METHODS", "NOISE_MODELS",
           "LearningRateSchedule",
           "sample_stationary", "stationary_cdf"]
