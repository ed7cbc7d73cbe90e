"""Helpers shared by the condition checks: minima with their basins, well labels, number formats."""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import numpy as np

from ..core.basins import basins
from ..core.landscape import CriticalPoint, Landscape


def _minima_and_basins(landscape: Landscape) -> Tuple[Tuple[CriticalPoint, ...], np.ndarray]:
    """The minima of ``L`` and the basin boundaries (domain ends and the highest saddle between neighbours)."""
    found = basins(landscape)
    minima, bounds = found.minima, found.edges
    if not minima:
        raise ValueError(f"landscape {landscape.name!r} has no minimum inside its domain {landscape.domain}; "
                         f"widen the domain so that it contains the minima")
    return minima, bounds


def _labels(landscape: Landscape, minima: Sequence[CriticalPoint]) -> Tuple[str, ...]:
    """The landscape's well labels (``"A"``, ``"B"``) where they match a minimum, else ``min0, min1, ...``."""
    wells = landscape.wells
    labels = []
    for k, cp in enumerate(minima):
        match = [name for name, xw in wells.items() if abs(xw - cp.x) <= 1e-7 * max(1.0, abs(xw))]
        labels.append(match[0] if match else f"min{k}")
    return tuple(labels)


def _fmt(value: Optional[float], spec: str = ".6g") -> str:
    return "-" if value is None else format(value, spec)


def _finite_or_none(value: Optional[float]) -> Optional[float]:
    return None if value is None or not math.isfinite(value) else float(value)




def _landscape_batch_size(landscape: Landscape, batch_size, needed_for: str) -> int:
    """``batch_size`` if given, else the landscape's; a clear error when neither is known."""
    from .._util.validation import positive_int

    if batch_size is None:
        batch_size = landscape.batch_size
    if batch_size is None:
        raise ValueError(f"{needed_for} needs the minibatch size, but landscape {landscape.name!r} does not carry one "
                         f"(it was not built with Landscape.from_samples); pass `batch_size`")
    return positive_int(batch_size, "batch_size")
