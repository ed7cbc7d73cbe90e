"""The label-noise paper (Damian, Ma & Lee): the implicit regulariser R, its strength lambda, models and label-noise SGD.

Modules, by job:

* :mod:`~fpesolve.labelnoise.regularizer` — :math:`R`, :math:`\\lambda`, :math:`\\nabla R`, :math:`L+\\lambda R`;
* :mod:`~fpesolve.labelnoise.stationary` — stationary points of :math:`L+\\lambda R`;
* :mod:`~fpesolve.labelnoise.fixed_point` — Proposition 5's :math:`S` and :math:`R_S=\\langle S,\\nabla^2L\\rangle`;
* :mod:`~fpesolve.labelnoise.base`, :mod:`~fpesolve.labelnoise.models` — squared-loss models, worked examples;
* :mod:`~fpesolve.labelnoise.simulation` — label-noise SGD (Algorithm 1, heavy ball);
* :mod:`~fpesolve.labelnoise.trajectory` — the regularised paths :math:`\\Phi` and :math:`\\Phi^S`;
* :mod:`~fpesolve.labelnoise.coupling` — Lemma 1 / Proposition 5: :math:`\\theta_k-\\xi_k-\\Phi_k`;
* :mod:`~fpesolve.labelnoise.stationarity` — Theorem 1's :math:`(\\epsilon,\\gamma)`-stationarity;
* :mod:`~fpesolve.labelnoise.sharpness` — Section 6.1, :math:`R/\\log(2/\\nu)` as :math:`\\eta\\to2/\\lambda_1`;
* :mod:`~fpesolve.labelnoise.momentum` — the sign of Eq. (6), decided by simulation;
* :mod:`~fpesolve.labelnoise.classification` — Appendix E: cross entropy with label flipping;
* :mod:`~fpesolve.labelnoise.cycling` — Appendix F.2: minibatch SGD that cycles forever.
"""

from .regularizer import (implicit_regularizer, regularization_strength, regularized_gradient, regularized_loss,
                          regularizer_derivative, regularizer_from_eigenvalues, regularizer_gradient,
                          regularizer_weight_matrix)
from .stationary import RegularizedStationaryPoint, regularized_stationary_point
from .fixed_point import (covariance_regularizer, covariance_regularizer_gradient, fluctuation_covariance,
                          noise_fixed_point)
from .base import OutputModel
from .models import SquaredLossModel, product_model, quadratic_1d_model, sparse_regression_model
from .simulation import LabelNoiseSGDResult, simulate_label_noise_sgd
from .trajectory import RegularizedTrajectory, covariance_regularized_trajectory, regularized_trajectory
from .coupling import LabelNoiseCoupling, couple_label_noise_sgd
from .stationarity import StationarityCheck, check_stationarity
from .sharpness import LargeStepLimit, large_step_limit
from .momentum import MomentumSignCheck, momentum_sign_check, printed_momentum_regularizer
from .classification import (LabelFlipModel, LabelFlipSGDResult, flip_minimizer_logit, flip_regularization_strength,
                             logistic_product_model, simulate_label_flip_sgd)
from .cycling import CyclingResult, cycling_model, cycling_rate, simulate_cycling

__all__ = ["RegularizedStationaryPoint", "implicit_regularizer", "noise_fixed_point", "regularization_strength",
           "regularized_gradient", "regularized_loss", "regularized_stationary_point", "regularizer_derivative",
           "regularizer_from_eigenvalues", "regularizer_gradient", "regularizer_weight_matrix",
           "fluctuation_covariance", "covariance_regularizer", "covariance_regularizer_gradient",
           "OutputModel", "LabelNoiseSGDResult", "RegularizedTrajectory", "SquaredLossModel", "product_model",
           "quadratic_1d_model", "regularized_trajectory", "covariance_regularized_trajectory",
           "simulate_label_noise_sgd", "sparse_regression_model",
           "LabelNoiseCoupling", "couple_label_noise_sgd", "StationarityCheck", "check_stationarity",
           "LargeStepLimit", "large_step_limit", "MomentumSignCheck", "momentum_sign_check",
           "printed_momentum_regularizer", "LabelFlipModel", "LabelFlipSGDResult", "flip_minimizer_logit",
           "flip_regularization_strength", "logistic_product_model", "simulate_label_flip_sgd",
           "CyclingResult", "cycling_model", "cycling_rate", "simulate_cycling"]
