"""Shared test set-up: floating-point errors raise, figures use the Agg backend, shared landscapes.

Markers: ``slow`` (large fuzz and long runs; deselect with ``-m "not slow"``).
"""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _raise_on_floating_point_errors():
    old = np.seterr(all="raise", under="ignore")
    yield
    np.seterr(**old)


@pytest.fixture
def double_well():
    """The multiplicative double well of :func:`tests.landscapes.double_well`."""
    from tests.landscapes import double_well as make

    return make()
