"""Shared test set-up: floating-point errors raise, figures use the Agg backend."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _raise_on_floating_point_errors():
    old = np.seterr(all="raise", under="ignore")
    yield
    np.seterr(**old)
