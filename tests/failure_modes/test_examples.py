"""The failure-mode gallery examples added with issue 12 run as plain scripts and end with a figure."""

import pathlib
import runpy

import matplotlib.pyplot as plt
import pytest


@pytest.mark.parametrize("script", ["plot_noise_profile_sensitivity.py", "plot_reparameterization.py",
                                    "plot_remark_4_3.py", "plot_goodness_chain.py"])
def test_example_runs_as_a_script(script):
    plt.close("all")
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / script
    runpy.run_path(str(path), run_name="__main__")
    assert plt.get_fignums()
    plt.close("all")
