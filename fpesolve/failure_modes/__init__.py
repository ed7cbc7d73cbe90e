"""The failure-modes paper: the constructions F1–F4, the necessary conditions N1–N4 and the diagnosis."""

from . import constructions
from .constructions import Construction, construction
from .n1_mixing import N1Result, check_n1
from .n2_stability import (N2Minimum, N2Result, StableSet, batch_hessian_distribution, check_n2, lyapunov_exponent,
                           stable_learning_rates)
from .n3_selection import N3Minimum, N3Result, check_n3
from .n4_alignment import GAP_METHODS, N4Minimum, N4Result, check_n4, leave_one_out_gaps
from .reparameterization import ReparameterizationCheck, ReparameterizedMinimum, check_reparameterization
from .diagnosis import ConditionStatus, Diagnosis, diagnose

__all__ = ["constructions", "Construction", "construction", "N1Result", "check_n1", "N2Minimum", "N2Result",
           "StableSet", "batch_hessian_distribution", "check_n2", "lyapunov_exponent", "stable_learning_rates",
           "N3Minimum", "N3Result", "check_n3", "GAP_METHODS", "N4Minimum", "N4Result", "check_n4",
           "leave_one_out_gaps", "ReparameterizationCheck", "ReparameterizedMinimum", "check_reparameterization",
           "ConditionStatus", "Diagnosis", "diagnose"]
