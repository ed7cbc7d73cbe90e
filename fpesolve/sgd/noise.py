r"""The noise models of simulated SGD, by name.

``noise="samples"``
    Real minibatch SGD: the step uses :math:`\frac1B\sum_{b}\ell_{z_b}'(\theta)`
    for a minibatch of ``B`` sample indices (with or without replacement, as
    the landscape says).  Needs per-sample gradients.
``noise="gaussian"``
    :math:`L'(\theta) + \sqrt{\Sigma(\theta)}\,\xi`, :math:`\xi \sim N(0, 1)`.
``noise="two-point"``
    :math:`L'(\theta) \pm \sqrt{\Sigma(\theta)}`, signs equally likely (the
    Rademacher distribution).

Here :math:`\Sigma` is the per-step gradient-noise variance, already divided
by the batch size (``Landscape.sigma``).  All three have the same mean and
variance per step, so the same Fokker–Planck limit
:math:`d\theta = -L'\,dt + \sqrt{\eta\Sigma}\,dW` at small :math:`\eta`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional

import numpy as np

__all__ = ["NoiseModel", "NOISE_MODELS", "noise_model", "NOISE_SAMPLES", "NOISE_GAUSSIAN", "NOISE_TWO_POINT"]

NOISE_SAMPLES = 0     # kernel code: real minibatch SGD on the per-sample gradients
NOISE_GAUSSIAN = 1    # L'(x) + sqrt(Sigma(x)) * N(0, 1)
NOISE_TWO_POINT = 2   # L'(x) +- sqrt(Sigma(x)), signs equally likely


def _gaussian(rng: np.random.Generator, m: int) -> np.ndarray:
    return rng.standard_normal(m)


def _two_point(rng: np.random.Generator, m: int) -> np.ndarray:
    return 1.0 - 2.0 * rng.integers(0, 2, size=m)


@dataclass(frozen=True)
class NoiseModel:
    """One noise model: its kernel code, what it needs, and (for the numpy stepper) its unit draws.

    Attributes
    ----------
    name : str
    code : int
        The ``NOISE_*`` code the numba kernels dispatch on.
    needs : str
        ``"per-sample gradients"`` or ``"L' and Sigma"``.
    draw : callable or None
        ``draw(rng, m)``: ``m`` unit-variance deviates :math:`\\xi` (``None`` for ``"samples"``).
    description : str
    """

    name: str
    code: int
    needs: str
    draw: Optional[Callable[[np.random.Generator, int], np.ndarray]]
    description: str


#: name -> noise model
NOISE_MODELS: Dict[str, NoiseModel] = {
    "samples": NoiseModel("samples", NOISE_SAMPLES, "per-sample gradients", None,
                          "real minibatches of the per-sample gradients"),
    "gaussian": NoiseModel("gaussian", NOISE_GAUSSIAN, "L' and Sigma", _gaussian,
                           "L' + sqrt(Sigma) xi, xi ~ N(0, 1)"),
    "two-point": NoiseModel("two-point", NOISE_TWO_POINT, "L' and Sigma", _two_point,
                            "L' +- sqrt(Sigma), signs equally likely"),
}


def noise_model(name: str) -> NoiseModel:
    """The :class:`NoiseModel` called ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`NOISE_MODELS` (case and surrounding spaces are ignored).

    Returns
    -------
    NoiseModel

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones).

    Examples
    --------
    >>> noise_model("two-point").needs
    "L' and Sigma"
    """
    key = str(name).strip().lower() if isinstance(name, str) else None
    if key not in NOISE_MODELS:
        raise ValueError(f"`noise` = {name!r} is not a noise model; choose one of {sorted(NOISE_MODELS)}")
    return NOISE_MODELS[key]
