"""Former home of the SGD kernels (private), split by job in 0.2; kept so that older imports keep working.

:mod:`._rng` (xoshiro256** streams, ziggurat), :mod:`._models` (built-in
per-sample models), :mod:`._sources` (gradient sources), :mod:`._ensemble_kernel`
(the ensemble kernel), :mod:`._compile` (user functions).
"""

from ._models import MODEL_QUADRATIC, MODEL_TWO_WELL, MODEL_TWO_WELL_SWITCH, builtin_sample_grad, two_well_parts
from ._rng import _ZIG_RATIO, _ZIG_X, LANES, ZIG_LAYERS, ZIG_R, ZIG_V, standard_normals
from .noise import NOISE_GAUSSIAN, NOISE_SAMPLES, NOISE_TWO_POINT

__all__ = ["MODEL_QUADRATIC", "MODEL_TWO_WELL", "MODEL_TWO_WELL_SWITCH", "builtin_sample_grad", "two_well_parts",
           "LANES", "ZIG_LAYERS", "ZIG_R", "ZIG_V", "standard_normals", "NOISE_SAMPLES", "NOISE_GAUSSIAN",
           "NOISE_TWO_POINT"]
