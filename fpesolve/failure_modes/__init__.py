"""The failure-modes paper: the constructions F1–F4, the necessary conditions N1–N4, G1–G4, Remark 4.3, the diagnosis.

Modules: :mod:`~fpesolve.failure_modes.constructions` (the registry of F1–F4
and the healthy control), :mod:`~fpesolve.failure_modes.two_well` and
:mod:`~fpesolve.failure_modes.quadratic` (the families behind them),
``n1_mixing`` … ``n4_alignment`` (the conditions),
:mod:`~fpesolve.failure_modes.goodness` (G1–G4 and the chain G1 => G3 => G4),
:mod:`~fpesolve.failure_modes.three_level` (Remark 4.3),
:mod:`~fpesolve.failure_modes.reparameterization` and
:mod:`~fpesolve.failure_modes.coordinates` (Proposition 5.1 and the
reparameterisation that reverses F4), :mod:`~fpesolve.failure_modes.diagnosis`,
:mod:`~fpesolve.failure_modes.remedies` (Section 6.1: schedules against F1, weight decay against F4).
"""

from . import constructions
from .base import Construction
from .constructions import construction
from .n1_mixing import N1Result, check_n1
from .n2_stability import (N2Minimum, N2Result, StableSet, batch_hessian_distribution, check_n2, lyapunov_exponent,
                           stable_learning_rates)
from .n3_selection import N3Minimum, N3Result, check_n3
from .n4_alignment import GAP_METHODS, N4Minimum, N4Result, check_n4, leave_one_out_gaps, leave_one_out_refits
from .reparameterization import ReparameterizationCheck, ReparameterizedMinimum, check_reparameterization
from .coordinates import Reparameterization, VeffFlip, reparameterize, speed_switch, veff_flip
from .goodness import ChainLink, GoodnessMinimum, GoodnessResult, check_goodness
from .three_level import ThreeLevelResult, three_level_bounds
from .diagnosis import ConditionStatus, Diagnosis, diagnose
from .remedies import (RequiredRate, ScheduleEscape, ScheduleRemedy, WeightDecayRemedy, WeightDecayTarget,
                       required_rate, schedule_remedy, stability_limit, weight_decay, weight_decay_remedy)

__all__ = ["constructions", "Construction", "construction", "N1Result", "check_n1", "N2Minimum", "N2Result",
           "StableSet", "batch_hessian_distribution", "check_n2", "lyapunov_exponent", "stable_learning_rates",
           "N3Minimum", "N3Result", "check_n3", "GAP_METHODS", "N4Minimum", "N4Result", "check_n4",
           "leave_one_out_gaps", "leave_one_out_refits", "ReparameterizationCheck", "ReparameterizedMinimum",
           "check_reparameterization", "Reparameterization", "VeffFlip", "reparameterize", "speed_switch",
           "veff_flip", "ChainLink", "GoodnessMinimum", "GoodnessResult", "check_goodness", "ThreeLevelResult",
           "three_level_bounds", "ConditionStatus", "Diagnosis", "diagnose", "RequiredRate", "ScheduleEscape",
           "ScheduleRemedy", "WeightDecayRemedy", "WeightDecayTarget", "required_rate", "schedule_remedy",
           "stability_limit", "weight_decay", "weight_decay_remedy"]
