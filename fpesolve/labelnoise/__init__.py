"""The label-noise paper (Damian, Ma & Lee): the implicit regulariser R, its strength lambda, models and label-noise SGD.

Modules, by job:

* :mod:`~fpesolve.labelnoise.regularizer` — :math:`R`, :math:`\\lambda`, :math:`\\nabla R`, :math:`L+\\lambda R`;
* :mod:`~fpesolve.labelnoise.stationary` — stationary points of :math:`L+\\lambda R`;
* :mod:`~fpesolve.labelnoise.fixed_point` — Proposition 5's :math:`S` and :math:`R_S=\\langle S,\\nabla^2L\\rangle`;
* :mod:`~fpesolve.labelnoise.models` — squared-loss models and worked examples;
* :mod:`~fpesolve.labelnoise.simulation` — label-noise SGD (Algorithm 1, heavy ball);
* :mod:`~fpesolve.labelnoise.trajectory` — the regularised paths :math:`\\Phi` and :math:`\\Phi^S`;
"""

from .regularizer import (implicit_regularizer, regularization_strength, regularized_gradient, regularized_loss,
                          regularizer_derivative, regularizer_from_eigenvalues, regularizer_gradient,
                          regularizer_weight_matrix)
from .stationary import RegularizedStationaryPoint, regularized_stationary_point
from .fixed_point import (covariance_regularizer, covariance_regularizer_gradient, fluctuation_covariance,
                          noise_fixed_point)
from .models import SquaredLossModel, product_model, quadratic_1d_model, sparse_regression_model
from .simulation import LabelNoiseSGDResult, simulate_label_noise_sgd
from .trajectory import RegularizedTrajectory, covariance_regularized_trajectory, regularized_trajectory

__all__ = ["RegularizedStationaryPoint", "implicit_regularizer", "noise_fixed_point", "regularization_strength",
           "regularized_gradient", "regularized_loss", "regularized_stationary_point", "regularizer_derivative",
           "regularizer_from_eigenvalues", "regularizer_gradient", "regularizer_weight_matrix",
           "fluctuation_covariance", "covariance_regularizer", "covariance_regularizer_gradient",
           "LabelNoiseSGDResult", "RegularizedTrajectory", "SquaredLossModel", "product_model", "quadratic_1d_model",
           "regularized_trajectory", "covariance_regularized_trajectory", "simulate_label_noise_sgd",
           "sparse_regression_model"]
