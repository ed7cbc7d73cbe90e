"""Small input checks shared by the public functions.

Every check raises :class:`ValueError` (or :class:`TypeError`) with a message
that quotes the offending parameter in backticks, gives the bad value and
says what to do instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def positive_float(value: Any, name: str, hint: str = "") -> float:
    """Return ``value`` as a finite positive float or raise ``ValueError``.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The parameter name quoted in backticks in the messages.
    hint : str
        Appended to the ``ValueError`` message (what the parameter means).

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When ``value`` is not a real number.
    ValueError
        When it is not finite or ``<= 0``.

    Examples
    --------
    >>> positive_float(1, "eta")
    1.0
    >>> positive_float(-0.1, "eta", "eta is the SGD learning rate")
    Traceback (most recent call last):
    ...
    ValueError: `eta` must be a finite positive number, got -0.1; eta is the SGD learning rate
    """
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a real number, got {value!r}") from None
    if not math.isfinite(out) or out <= 0.0:
        extra = f"; {hint}" if hint else ""
        raise ValueError(f"`{name}` must be a finite positive number, got {value!r}{extra}")
    return out


def finite_float(value: Any, name: str) -> float:
    """Return ``value`` as a finite float or raise ``ValueError``.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The parameter name quoted in backticks in the messages.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When ``value`` is not a real number.
    ValueError
        When it is NaN or infinite.

    Examples
    --------
    >>> finite_float(-2, "x0")
    -2.0
    """
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a real number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"`{name}` must be finite, got {value!r}")
    return out


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int ``>= minimum`` or raise.

    Parameters
    ----------
    value : object
        The argument to check; a float with an integer value (``1e6``) is accepted.
    name : str
        The parameter name quoted in backticks in the messages.
    minimum : int
        The smallest value allowed.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        For a bool, a non-integral float or a non-number.
    ValueError
        When the value is below ``minimum``.

    Examples
    --------
    >>> positive_int(1e6, "n_iterations")
    1000000
    >>> positive_int(0, "n_walkers")
    Traceback (most recent call last):
    ...
    ValueError: `n_walkers` must be an integer >= 1, got 0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"`{name}` must be an integer, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value}")
    return value


def probability(value: Any, name: str) -> float:
    """Return ``value`` as a float strictly inside (0, 1) or raise.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The parameter name quoted in backticks in the messages.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When ``value`` is not a real number.
    ValueError
        When it is not finite or outside (0, 1).

    Examples
    --------
    >>> probability(0.25, "eps")
    0.25
    """
    out = finite_float(value, name)
    if not 0.0 < out < 1.0:
        raise ValueError(f"`{name}` must lie strictly between 0 and 1, got {value!r}")
    return out


def as_1d_float_array(values: Any, name: str) -> np.ndarray:
    """Return a finite 1D float array (scalars become length-1 arrays).

    Parameters
    ----------
    values : array_like
        The argument to check.
    name : str
        The parameter name quoted in backticks in the messages.

    Returns
    -------
    ndarray, shape ``(n,)``

    Raises
    ------
    ValueError
        For more than one dimension or a non-finite entry (the message gives
        the value and its index).

    Examples
    --------
    >>> as_1d_float_array(2, "hessians").tolist(), as_1d_float_array([18, 2], "hessians").tolist()
    ([2.0], [18.0, 2.0])
    """
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be one-dimensional, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"`{name}` contains a non-finite value ({float(arr[bad][0])!r}) at index {int(np.flatnonzero(bad)[0])}")
    return arr
