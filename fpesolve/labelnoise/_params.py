"""Input checks shared by the modules of :mod:`fpesolve.labelnoise` (messages name the parameter)."""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = ["checked_momentum", "checked_eta_allow_zero", "checked_label_noise_std", "checked_lam", "checked_theta",
           "checked_symmetric", "checked_noise_kind", "NOISE_KINDS"]

#: label-noise distributions: name -> description (``"rademacher"`` is the 0.1 spelling of ``"two-point"``)
NOISE_KINDS = {"two-point": "epsilon = +-sigma with equal probability (the paper's Algorithm 1)",
               "gaussian": "epsilon ~ N(0, sigma^2)"}


def checked_momentum(momentum) -> float:
    """Heavy-ball ``beta`` in [0, 1).

    Parameters
    ----------
    momentum : float
        The heavy-ball coefficient :math:`\\beta` (dimensionless).

    Returns
    -------
    float
        ``momentum`` as a float.

    Raises
    ------
    TypeError
        When ``momentum`` is not a real number.
    ValueError
        When it is not finite or lies outside [0, 1).

    Examples
    --------
    >>> checked_momentum(0.9)
    0.9
    >>> checked_momentum(1.0)
    Traceback (most recent call last):
    ...
    ValueError: `momentum` (heavy-ball beta) must lie in [0, 1), got 1.0
    """
    try:
        beta = float(momentum)
    except (TypeError, ValueError):
        raise TypeError(f"`momentum` must be a real number, got {momentum!r}") from None
    if not (math.isfinite(beta) and 0.0 <= beta < 1.0):
        raise ValueError(f"`momentum` (heavy-ball beta) must lie in [0, 1), got {momentum!r}")
    return beta


def checked_eta_allow_zero(eta) -> float:
    """A learning rate >= 0 (0 means the limit R = tr H / 4).

    Parameters
    ----------
    eta : float
        The learning rate :math:`\\eta`.

    Returns
    -------
    float
        ``eta`` as a float.

    Raises
    ------
    TypeError
        When ``eta`` is not a real number.
    ValueError
        When it is negative or not finite.

    Examples
    --------
    >>> checked_eta_allow_zero(0), checked_eta_allow_zero("0.1")
    (0.0, 0.1)
    """
    try:
        value = float(eta)
    except (TypeError, ValueError):
        raise TypeError(f"`eta` must be a real number, got {eta!r}") from None
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"`eta` must be a finite number >= 0 (0 means the limit R = tr H / 4), got {eta!r}")
    return value


def checked_label_noise_std(value, name: str = "label_noise_std") -> float:
    """The label-noise standard deviation sigma >= 0.

    Parameters
    ----------
    value : float
        :math:`\\sigma`, in units of the labels.
    name : str
        The parameter name quoted in the error messages.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    TypeError
        When ``value`` is not a real number.
    ValueError
        When it is negative or not finite.

    Examples
    --------
    >>> checked_label_noise_std(0.5)
    0.5
    """
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a real number, got {value!r}") from None
    if not math.isfinite(out) or out < 0.0:
        raise ValueError(f"`{name}` (label-noise standard deviation sigma) must be a finite number >= 0, "
                         f"got {value!r}")
    return out


def checked_lam(lam) -> float:
    """The regularisation strength lambda >= 0.

    Parameters
    ----------
    lam : float
        :math:`\\lambda`, in units of loss per unit of :math:`R`.

    Returns
    -------
    float
        ``lam`` as a float.

    Raises
    ------
    TypeError
        When ``lam`` is not a real number.
    ValueError
        When it is negative or not finite.

    Examples
    --------
    >>> checked_lam(0.00625)
    0.00625
    """
    try:
        value = float(lam)
    except (TypeError, ValueError):
        raise TypeError(f"`lam` must be a real number, got {lam!r}") from None
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"`lam` (regularisation strength lambda) must be a finite number >= 0, got {lam!r}")
    return value


def checked_theta(theta, name: str = "theta", dim=None) -> np.ndarray:
    """A finite parameter vector of shape ``(d,)`` (a copy).

    Parameters
    ----------
    theta : float or array_like
        The parameters; a scalar becomes a vector of length 1.
    name : str
        The parameter name quoted in the error messages.
    dim : int, optional
        The required length ``d``.

    Returns
    -------
    ndarray, shape ``(d,)``
        A float copy.

    Raises
    ------
    ValueError
        When ``theta`` is not 1-D, has the wrong length or a non-finite entry.

    Examples
    --------
    >>> checked_theta(1.5).tolist()
    [1.5]
    >>> checked_theta([1.0, 2.0], dim=3)
    Traceback (most recent call last):
    ...
    ValueError: `theta` must have shape (3,), got shape (2,)
    """
    arr = np.atleast_1d(np.array(theta, dtype=float))
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be a vector of shape (d,), got shape {arr.shape}")
    if dim is not None and arr.size != dim:
        raise ValueError(f"`{name}` must have shape ({dim},), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite, got {arr!r}")
    return arr


def checked_symmetric(matrix, name: str = "hessian") -> np.ndarray:
    """A finite symmetric matrix (or stack), symmetrised to round-off.

    Parameters
    ----------
    matrix : array_like, shape ``(..., d, d)``
        A square matrix or a stack of them.
    name : str
        The parameter name quoted in the error messages.

    Returns
    -------
    ndarray, shape ``(..., d, d)``
        :math:`(M + M^T)/2`.

    Raises
    ------
    ValueError
        For a matrix that is not square, has a non-finite entry, or is not
        symmetric to :math:`10^{-8}` relative to its largest entry.

    Examples
    --------
    >>> checked_symmetric([[2.0, 1.0], [1.0, 0.0]]).tolist()
    [[2.0, 1.0], [1.0, 0.0]]
    """
    H = np.asarray(matrix, dtype=float)
    if H.ndim < 2 or H.shape[-1] != H.shape[-2]:
        raise ValueError(f"`{name}` must be a square matrix (or a stack of them), got shape {H.shape}")
    if not np.all(np.isfinite(H)):
        raise ValueError(f"`{name}` contains a non-finite entry")
    scale = max(1.0, float(np.max(np.abs(H)))) if H.size else 1.0
    asym = float(np.max(np.abs(H - np.swapaxes(H, -1, -2)))) if H.size else 0.0
    if asym > 1e-8 * scale:
        raise ValueError(f"`{name}` must be symmetric; max |H - H^T| = {asym:.3g}")
    return 0.5 * (H + np.swapaxes(H, -1, -2))


def checked_noise_kind(noise) -> str:
    """``"two-point"`` or ``"gaussian"``; the 0.1 value ``"rademacher"`` maps to ``"two-point"`` with a warning.

    Parameters
    ----------
    noise : str
        A key of :data:`NOISE_KINDS`, or ``"rademacher"`` (deprecated).

    Returns
    -------
    str
        ``"two-point"`` or ``"gaussian"``.

    Raises
    ------
    ValueError
        For any other value; the message lists the valid ones.

    Examples
    --------
    >>> checked_noise_kind("gaussian")
    'gaussian'
    """
    if noise == "rademacher":
        warnings.warn("noise='rademacher' was renamed noise='two-point' in fpesolve 0.2 (the glossary's name for "
                      "+-sigma with equal probability); pass noise='two-point'", FutureWarning, stacklevel=3)
        return "two-point"
    if noise not in NOISE_KINDS:
        raise ValueError(f"`noise` must be one of {', '.join(repr(k) for k in NOISE_KINDS)}, got {noise!r}")
    return noise
