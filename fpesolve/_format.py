"""Numbers given by their base-10 logarithm: conversion and printing (private).

Times of 10^1000 iterations and gaps of 10^-1000 are carried as ``log10``
values; these helpers turn them into floats where float64 can hold them and
into readable text either way.
"""

from __future__ import annotations

import math

__all__ = ["float_from_log10", "format_log10"]


def float_from_log10(log10_value: float) -> float:
    """``10**log10_value``, ``inf`` above the float64 range and ``0`` below it (no OverflowError)."""
    if log10_value == -math.inf or log10_value < -340.0:
        return 0.0
    if log10_value > 308.2:
        return math.inf
    return 10.0 ** log10_value


def format_log10(log10_value: float, plain_digits: int = 10, mantissa_digits: int = 6,
                 plain_below: float = 15.0) -> str:
    """Text for ``10**log10_value``: a plain number when ``|log10_value| < plain_below``, else ``m.mmmme+N``.

    >>> format_log10(2.0), format_log10(1194.48, mantissa_digits=3)
    ('100', '3.020e+1194')
    """
    if not math.isfinite(log10_value):
        return "inf" if log10_value > 0 else "0"
    if abs(log10_value) < plain_below:
        return f"{10.0 ** log10_value:.{plain_digits}g}"
    exponent = math.floor(log10_value)
    return f"{10.0 ** (log10_value - exponent):.{mantissa_digits}f}e{int(exponent):+d}"
