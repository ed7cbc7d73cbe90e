"""SGDEnsemble: the 0.2 iteration names, their deprecated 0.1 spellings, and no NaN or inf on empty data.

The runs here have (almost) no noise, so SGD on L = x^2/2 is the map x_{k+1} = (1 - eta) x_k: from 1 at
eta = 0.1 a walker first lies below 0.5 at iteration 7 (0.9^7 = 0.478 < 0.5 < 0.9^6 = 0.531), which
gives exact passage and escape iterations to test against.
"""

import dataclasses
import math
import warnings

import numpy as np
import pytest

from fpesolve import CensoredMean, Landscape, SGDEnsemble, simulate_sgd

QUIET = Landscape(grad=lambda x: x, sigma=lambda x: np.full_like(x, 1e-12), domain=(-2.0, 2.0))
FIRST_BELOW_HALF = 7  # min k with 0.9**k < 0.5
assert 0.9 ** FIRST_BELOW_HALF < 0.5 < 0.9 ** (FIRST_BELOW_HALF - 1)


def _run(init, **kw):
    kw = {"passage_points": [0.5], "basin_edges": [0.5], "record_at": [0, 20], **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a possible PerformanceWarning of the numpy stepper
        return simulate_sgd(QUIET, 0.1, 20, np.size(init), init=init, noise="gaussian", rng=0, progress=False,
                            **kw)


def test_iterations_are_exact():
    run = _run(np.ones(5))
    assert run.record_iterations.tolist() == [0, 20]
    assert run.escape_iterations.tolist() == [FIRST_BELOW_HALF] * 5
    assert run.passage_iterations.tolist() == [[FIRST_BELOW_HALF] * 5]
    assert run.divergence_iterations.tolist() == [-1] * 5
    esc = run.mean_escape_iterations()
    assert isinstance(esc, CensoredMean)
    assert (esc.mean, esc.stderr, esc.n_censored, esc.n, esc.n_observed) == (7.0, 0.0, 0, 5, 5)
    assert tuple(run.mean_passage_iterations(0)) == (7.0, 0.0, 0)
    assert run.occupancy_fraction(iteration=0).tolist() == [0.0, 1.0]
    assert run.occupancy_fraction(iteration=20).tolist() == [1.0, 0.0]


@pytest.mark.parametrize("old,new", [("record_steps", "record_iterations"), ("escape_steps", "escape_iterations"),
                                     ("passage_steps", "passage_iterations"),
                                     ("divergence_steps", "divergence_iterations"), ("n_steps", "n_iterations"),
                                     ("walker_steps_per_second", "walker_iterations_per_second")])
def test_old_attribute_names_warn_and_agree(old, new):
    run = _run(np.ones(4))
    with pytest.warns(FutureWarning, match=rf"`SGDEnsemble\.{old}` was renamed `{new}` in fpesolve 0.2"):
        value = getattr(run, old)
    np.testing.assert_array_equal(value, getattr(run, new))


@pytest.mark.parametrize("old,new,args", [("mean_escape_steps", "mean_escape_iterations", ()),
                                          ("mean_passage_steps", "mean_passage_iterations", (0,))])
def test_old_method_names_warn_and_agree(old, new, args):
    run = _run(np.array([1.0, 1.0, 0.3]))
    with pytest.warns(FutureWarning, match=rf"`SGDEnsemble\.{old}\(\)` was renamed `{new}\(\)` in fpesolve 0.2"):
        mean, stderr, censored = getattr(run, old)(*args)
    assert (mean, stderr, censored) == tuple(getattr(run, new)(*args)) == (7.0, 0.0, 1)


@pytest.mark.parametrize("method", ["density", "occupancy_fraction"])
def test_step_keyword_warns_and_agrees(method):
    run = _run(np.ones(4))
    with pytest.warns(FutureWarning, match="`step` was renamed `iteration`"):
        old = getattr(run, method)(step=0)
    np.testing.assert_array_equal(old, getattr(run, method)(iteration=0))
    np.testing.assert_array_equal(old, getattr(run, method)(0))
    with pytest.raises(TypeError, match="got both `step` and `iteration`"):
        getattr(run, method)(step=0, iteration=0)
    with pytest.raises(ValueError, match=r"`iteration` = 5 was not recorded; recorded iterations: \[0, 20\]"):
        getattr(run, method)(5)


def test_no_escaper_gives_none_not_nan():
    # walkers start below the passage point / in the lower basin and move toward 0: nothing is ever crossed
    run = _run(np.full(3, 0.3))
    for result in (run.mean_escape_iterations(), run.mean_passage_iterations(0)):
        assert result.mean is None and result.stderr is None and (result.n_censored, result.n) == (3, 3)
        assert "none of 3 walkers within the run (3 censored): no mean" in result.summary()
        assert "nan" not in result.summary().lower()
        assert result.to_dict()["mean"] is None
    text = run.summary()
    assert "nan" not in text.lower() and "inf" not in text.lower() and "no mean" in text


def test_single_escaper_has_no_standard_error():
    # one walker from 1 (crosses at iteration 7), two from 0.3 (never): mean 7, no spread to estimate
    run = _run(np.array([1.0, 0.3, 0.3]))
    result = run.mean_escape_iterations()
    assert (result.mean, result.stderr, result.n_censored, result.n_observed) == (7.0, None, 2, 1)
    assert "stderr n/a: one walker" in result.summary()
    assert "inf" not in run.summary().lower()


def test_censored_mean_matches_numpy():
    # independent: the sample mean and the sample standard deviation (ddof = 1) over sqrt(count)
    iterations = np.array([3, -1, 10, 4, -1, 9])
    done = np.array([3.0, 10.0, 4.0, 9.0])
    result = CensoredMean.of(iterations, "escape")
    assert result.mean == pytest.approx(6.5, abs=1e-15)
    assert result.stderr == pytest.approx(math.sqrt(((done - 6.5) ** 2).sum() / 3) / 2, rel=1e-15)
    assert (result.n_censored, result.n) == (2, 6)


def test_passage_index_out_of_range():
    run = _run(np.ones(2))
    with pytest.raises(IndexError, match=r"`k` = 1 is not the index of a passage point; this run has 1"):
        run.mean_passage_iterations(1)


def test_empty_record_and_zero_elapsed_are_explained():
    run = _run(np.ones(2), record_at=[])
    with pytest.raises(ValueError, match="no histograms were recorded .`record_at` was empty."):
        run.density()
    with pytest.raises(ValueError, match="`record_at`"):
        run.occupancy_fraction()
    assert "no histograms recorded" in run.summary()
    instant = dataclasses.replace(run, elapsed=0.0)
    assert instant.walker_iterations_per_second is None and "too fast to time" in instant.summary()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_ensemble_without_walkers_is_refused(bad):
    run = _run(np.ones(2))
    with pytest.raises(ValueError, match="`n_walkers` must be a positive int"):
        dataclasses.replace(run, n_walkers=bad)


def test_ensemble_is_exported():
    assert isinstance(_run(np.ones(2)), SGDEnsemble)
