"""Every public result type shares one base (issue 10): ``Result``, a one-line repr, strict JSON, read-only arrays.

Structure is checked for every public dataclass of fpesolve that is not an input type; instances are checked
for every result of ``fpesolve.core`` (built from small problems: OU and a double well), including values
outside float64 (a gap below it, times of 10^600) whose JSON must hold ``null``, never NaN or Infinity.
"""

import dataclasses
import importlib
import json
import math
import pkgutil
import warnings

import numpy as np
import pytest

import fpesolve
from fpesolve._util.result import Result

#: public dataclasses that are inputs, not results
INPUT_TYPES = {"Grid", "Landscape", "Schedule", "PerSampleLosses", "SampleGradients", "SquaredLossModel",
               "LabelFlipModel", "Reparameterization"}


def _public_dataclasses():
    found = {}
    modules = [fpesolve] + [importlib.import_module(f"fpesolve.{m.name}")
                            for m in pkgutil.walk_packages(fpesolve.__path__) if m.ispkg
                            and not any(part.startswith("_") for part in m.name.split("."))]
    for mod in modules:
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__name__ not in INPUT_TYPES:
                found.setdefault(obj, f"{mod.__name__}.{name}")
    return found


RESULT_CLASSES = _public_dataclasses()


def test_the_result_classes_are_found():
    names = {cls.__name__ for cls in RESULT_CLASSES}
    assert {"SpectralGap", "Spectrum", "MixingTime", "Basins", "ConvergenceStudy", "FirstPassageTime",
            "KramersTime", "Escape", "EscapeTimes", "GridFirstPassage", "SGDEnsemble", "Diagnosis"} <= names


@pytest.mark.parametrize("cls", list(RESULT_CLASSES), ids=lambda c: RESULT_CLASSES[c])
def test_every_public_result_derives_from_result_with_the_short_repr(cls):
    assert issubclass(cls, Result), f"{RESULT_CLASSES[cls]} must derive from fpesolve._util.result.Result"
    params = cls.__dataclass_params__
    assert params.frozen, f"{RESULT_CLASSES[cls]} must be a frozen dataclass"
    # the one-line repr is Result's (or the class's own short one); a dataclass-generated repr lists every field
    assert not params.repr, f"{RESULT_CLASSES[cls]}: declare @dataclass(frozen=True, repr=False)"


# ---------------------------------------------------------------------------------------------- instances
def _ou(grid=60):
    from fpesolve import FokkerPlanck, Landscape
    ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-6.0, 6.0))
    return ou, FokkerPlanck(ou, 1.0, grid)


def _double_well():
    from fpesolve import Landscape
    return Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-2.0, 2.0))


def _core_results():
    from fpesolve import (FokkerPlanck, basins, convergence_study, escape_times, green_gap, kramers_time,
                          mean_first_passage_time, mixing_time, mfpt_on_grid, check_well_posed)
    from fpesolve.core.modes import stationary_modes
    from fpesolve.core.scheduled import escape_probability

    ou, fp = _ou()
    dw = _double_well()
    cold = FokkerPlanck(dw, 0.0005, 80)             # gap ~ 10^-217: value None, relaxation time inf
    escapes = escape_times(dw, 0.001)               # times ~ 10^108 ... still float; iterations 10^111
    out = {
        "Basins": basins(dw),
        "ConvergenceStudy": convergence_study(lambda n: np.mean(((np.arange(n) + 0.5) / n) ** 2), [10, 20, 40],
                                              exact=1 / 3),
        "CriticalPoint": dw.critical_points()[0],
        "Discretization": fp.discretization,
        "Escape": escapes.escapes[0],
        "EscapeTimes": escapes,
        "EscapeProbability": escape_probability(ou, 0.5, 0.0, 1.0, 5),
        "Evolution": fp.evolve(fp.point_mass(0.0), [0.1, 0.2]),
        "FirstPassageTime": mean_first_passage_time(dw, 0.0005, -1.0, 1.0),   # 10^(~217): time inf
        "GreenGap": green_gap(fp),
        "GridFirstPassage": mfpt_on_grid(cold, 1.0),
        "KramersTime": kramers_time(dw, 0.0005, -1.0, 1.0),
        "MixingTime": mixing_time(fp),
        "SpectralGap": cold.spectral_gap(),
        "Spectrum": fp.spectrum(2),
        "StationaryModes": stationary_modes(dw, 0.1),
        "WellPosedness": check_well_posed(ou, 0.1),
    }
    return out


@pytest.fixture(scope="module")
def core_results():
    return _core_results()


def test_every_core_result_class_has_an_instance_here(core_results):
    core = {cls.__name__ for cls, name in RESULT_CLASSES.items() if cls.__module__.startswith("fpesolve.core.")}
    core -= {"EndBehaviour", "Extrapolation"}          # reached inside WellPosedness / Spectrum(accuracy=...)
    assert set(core_results) == set(CORE_NAMES)
    assert core <= set(CORE_NAMES), f"add an instance of {sorted(core - set(CORE_NAMES))} to _core_results"


def test_values_outside_float64_are_there(core_results):
    # the problem the JSON check is about: these are inf / None, and must not become NaN or Infinity tokens
    assert core_results["SpectralGap"].value is None and core_results["SpectralGap"].relaxation_time == math.inf
    assert core_results["FirstPassageTime"].time == math.inf
    assert np.isinf(core_results["GridFirstPassage"].times).any()


CORE_NAMES = ["Basins", "ConvergenceStudy", "CriticalPoint", "Discretization", "Escape", "EscapeTimes",
              "EscapeProbability", "Evolution", "FirstPassageTime", "GreenGap", "GridFirstPassage", "KramersTime",
              "MixingTime", "SpectralGap", "Spectrum", "StationaryModes", "WellPosedness"]


@pytest.mark.parametrize("name", CORE_NAMES)
def test_core_result_repr_json_summary_and_read_only_arrays(core_results, name):
    result = core_results[name]
    assert isinstance(result, Result)
    text = repr(result)
    assert "\n" not in text and len(text) <= 120 and text.startswith(type(result).__name__ + "(")
    data = result.to_dict()
    encoded = json.dumps(data, allow_nan=False)       # raises on NaN / inf
    assert json.loads(encoded) == data
    assert result.to_json() == encoded
    assert str(result) == result.summary() and result.summary().strip()
    table = result.table()
    if table is not None:
        headers, rows = table
        assert all(len(row) == len(headers) for row in rows) and len(rows) > 0
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, np.ndarray):
            assert not value.flags.writeable, f"{name}.{f.name} is writeable"


def test_convergence_study_table_is_headers_and_rows_and_summary_the_text():
    from fpesolve import convergence_study
    study = convergence_study(lambda n: np.mean(((np.arange(n) + 0.5) / n) ** 2), [10, 20, 40], exact=1 / 3,
                              label="midpoint")
    headers, rows = study.table()
    assert headers == ("resolution", "error", "order")
    # midpoint rule on x^2: error exactly 1/(12 n^2), order exactly 2 (up to rounding of the sums)
    assert [r[0] for r in rows] == [10, 20, 40] and rows[0][2] is None
    np.testing.assert_allclose([r[1] for r in rows], [1 / (12 * n * n) for n in (10, 20, 40)], rtol=1e-11)
    np.testing.assert_allclose([r[2] for r in rows[1:]], [2.0, 2.0], rtol=1e-9)
    assert study.summary().splitlines()[0] == "midpoint" and str(study) == study.summary()


# ---------------------------------------------------------------------------------------------- route -> method
def test_spectral_gap_route_still_works_with_a_future_warning():
    from fpesolve import spectral_gap
    _, fp = _ou()
    new = spectral_gap(fp, method="golub-kahan")
    with pytest.warns(FutureWarning, match="renamed `method`"):
        old = spectral_gap(fp, route="golub-kahan")
    assert old == new and new.method == "golub-kahan bisection; discrete chain on N = 60 cells"
    with pytest.warns(FutureWarning, match="renamed `method`"):
        assert old.route == "golub-kahan bisection"
    with pytest.warns(FutureWarning, match="renamed `method`"):
        well = fpesolve.FokkerPlanck(_double_well(), 0.1, 80).spectral_gap(route="first-passage")
    assert well.method == "first-passage (log space): 1/T_AB + 1/T_BA; discrete chain on N = 80 cells"
    with pytest.raises(TypeError, match="pass only `method`"):
        spectral_gap(fp, route="auto", method="auto")
    with pytest.raises(ValueError, match="`method` must be one of"):
        spectral_gap(fp, method="magic")
    with pytest.raises(ValueError, match="`method` must be one of"):
        spectral_gap(fp, method="magic", accuracy="estimate")


def test_gap_method_names_the_algorithm_and_what_it_was_applied_to():
    from fpesolve import FokkerPlanck
    ou, _ = _ou()
    fp = FokkerPlanck(ou, 1.0, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)     # no deprecation warning from fpesolve's own calls
        est = fp.spectral_gap(accuracy="estimate")
        cont = fp.spectral_gap(accuracy="continuum")
    assert est.method.startswith("golub-kahan bisection; discrete chain on N = 100 cells; error bound from ")
    assert cont.method.startswith("golub-kahan bisection; ") and "Richardson" in cont.method
    # OU with L = x^2/2, Sigma = 1, eta = 1: the continuum gap is 1
    assert abs(cont.value - 1.0) <= cont.error and abs(est.value - 1.0) <= est.error


def test_mixing_time_route_names_warn_and_read_the_method_fields():
    from fpesolve import mixing_time
    _, fp = _ou()
    mt = mixing_time(fp, init=0.0)
    assert mt.gap_method == fp.spectral_gap().method and mt.method.startswith("evolution")
    for old, new in (("route", "method"), ("gap_route", "gap_method"), ("route_init", "method_init")):
        with pytest.warns(FutureWarning, match=f"`MixingTime.{old}` was renamed `{new}`"):
            assert getattr(mt, old) == getattr(mt, new)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(mt, new, "x")
