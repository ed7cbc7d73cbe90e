"""The label-noise paper: the implicit regulariser R, its strength lambda, models and label-noise SGD."""

from .regularizer import (RegularizedStationaryPoint, implicit_regularizer, noise_fixed_point,
                          regularization_strength, regularized_gradient, regularized_loss,
                          regularized_stationary_point, regularizer_derivative, regularizer_from_eigenvalues,
                          regularizer_gradient, regularizer_weight_matrix)
from .models import (LabelNoiseSGDResult, RegularizedTrajectory, SquaredLossModel, product_model,
                     quadratic_1d_model, regularized_trajectory, simulate_label_noise_sgd, sparse_regression_model)

__all__ = ["RegularizedStationaryPoint", "implicit_regularizer", "noise_fixed_point", "regularization_strength",
           "regularized_gradient", "regularized_loss", "regularized_stationary_point", "regularizer_derivative",
           "regularizer_from_eigenvalues", "regularizer_gradient", "regularizer_weight_matrix",
           "LabelNoiseSGDResult", "RegularizedTrajectory", "SquaredLossModel", "product_model", "quadratic_1d_model",
           "regularized_trajectory", "simulate_label_noise_sgd", "sparse_regression_model"]
