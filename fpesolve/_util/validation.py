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
    """Return ``value`` as a finite positive float or raise ``ValueError``."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a real number, got {value!r}") from None
    if not math.isfinite(out) or out <= 0.0:
        extra = f"; {hint}" if hint else ""
        raise ValueError(f"`{name}` must be a finite positive number, got {value!r}{extra}")
    return out


def finite_float(value: Any, name: str) -> float:
    """Return ``value`` as a finite float or raise ``ValueError``."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a real number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"`{name}` must be finite, got {value!r}")
    return out


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int ``>= minimum`` or raise."""
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
    """Return ``value`` as a float strictly inside (0, 1) or raise."""
    out = finite_float(value, name)
    if not 0.0 < out < 1.0:
        raise ValueError(f"`{name}` must lie strictly between 0 and 1, got {value!r}")
    return out


def as_1d_float_array(values: Any, name: str) -> np.ndarray:
    """Return a finite 1D float array (scalars become length-1 arrays)."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be one-dimensional, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"`{name}` contains a non-finite value ({float(arr[bad][0])!r}) at index {int(np.flatnonzero(bad)[0])}")
    return arr
