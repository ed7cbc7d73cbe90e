"""Monte Carlo SGD: ensembles of walkers running minibatch (or Gaussian / two-point noise) SGD in numba."""

from .ensemble import SampleGradients, SGDEnsemble, simulate_sgd

__all__ = ["SampleGradients", "SGDEnsemble", "simulate_sgd"]
