"""Tests for fpesolve.sweep: grid expansion, executors (process, thread, dask), failures per point."""

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pytest

from fpesolve.core.landscape import Landscape
from fpesolve.core.stationary import stationary_mass
from fpesolve.apps.sweep import SweepResult, parameter_grid, sweep


# --- module-level (picklable) functions for the process pool ----------------------------------------
def _dw_grad(x):
    return x ** 3 - x


def _dw_sigma(x):
    return 1.0 + 0.5 * np.tanh(2.0 * x)


def left_mass(eta, lo):
    """Stationary mass of [lo, 0] for the double well; raises ValueError for eta <= 0."""
    landscape = Landscape(grad=_dw_grad, sigma=_dw_sigma, domain=(-2.5, 2.5))
    return {"mass": stationary_mass(landscape, eta, lo, 0.0), "log_mass": stationary_mass(landscape, eta, lo, 0.0,
                                                                                           log=True)}


def scalar_out(x):
    return x * 10


@dataclass(frozen=True)
class _Out:
    a: int
    b: str


def dataclass_out(x):
    return _Out(a=x, b=str(x))


# 6 x 4 = 24 points, one eta (-0.1) invalid: 4 failed points
GRID = {"eta": [0.08, 0.15, -0.1, 0.3, 0.5, 1.0], "lo": [-2.5, -2.0, -1.0, -0.5]}


def _expected_rows():
    """The table computed point by point in this process, without any executor."""
    rows = []
    for point in parameter_grid(GRID):
        try:
            out = left_mass(**point)
            rows.append({**point, **out, "status": "ok", "error": None})
        except ValueError as exc:
            rows.append({**point, "mass": None, "log_mass": None, "status": "failed", "error": f"ValueError: {exc}"})
    return rows


def _check(result):
    assert isinstance(result, SweepResult)
    assert len(result) == 24
    assert result.parameters == ("eta", "lo")
    assert result.outputs == ("mass", "log_mass")
    # identical (bitwise) to direct calls, and in grid order
    assert result.to_records() == _expected_rows()
    failed = result.failed
    assert len(failed) == 4 and all(row["eta"] == -0.1 for row in failed)
    assert all("`eta` must be a finite positive number, got -0.1" in row["error"] for row in failed)


def test_parameter_grid_cartesian_order_and_lists():
    assert parameter_grid({"a": [1, 2], "b": ["x", "y"], "c": "s"}) == [
        {"a": 1, "b": "x", "c": "s"}, {"a": 1, "b": "y", "c": "s"},
        {"a": 2, "b": "x", "c": "s"}, {"a": 2, "b": "y", "c": "s"}]
    assert parameter_grid([{"a": 1}, {"b": 2}]) == [{"a": 1}, {"b": 2}]
    assert parameter_grid({"a": np.array([0.5, 1.5])}) == [{"a": 0.5}, {"a": 1.5}]
    with pytest.raises(ValueError, match="empty list"):
        parameter_grid({"a": []})
    with pytest.raises(ValueError, match="reserved"):
        parameter_grid({"status": [1]})
    with pytest.raises(TypeError, match="list of dicts"):
        parameter_grid(3)
    with pytest.raises(TypeError, match=r"grid_of_params\[1\]"):
        parameter_grid([{"a": 1}, 5])


def test_same_table_with_process_pool_and_thread_pool():
    _check(sweep(left_mass, GRID, progress=False, max_workers=2))
    with ThreadPoolExecutor(max_workers=2) as pool:
        _check(sweep(left_mass, GRID, executor=pool, progress=True))


def test_same_table_on_dask_local_cluster():
    distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed "
                                                                    "(pip install '.[dist]')")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)\
            as cluster, distributed.Client(cluster) as client:
        _check(sweep(left_mass, GRID, executor=client.get_executor(), progress=False))
        # the Client itself is accepted and a lambda works (dask uses cloudpickle)
        result = sweep(lambda x: x + 1, {"x": [1, 2, 3]}, executor=client, progress=False)
        assert result.column("value") == [2, 3, 4]


def test_outputs_expansion_and_table_access():
    with ThreadPoolExecutor(2) as pool:
        scalar = sweep(scalar_out, {"x": [3, 1, 2]}, executor=pool, progress=False)
        data = sweep(dataclass_out, [{"x": 7}], executor=pool, progress=False)
        clash = sweep(lambda x: {"x": -x, "status": "mine"}, {"x": [1]}, executor=pool, progress=False)
    assert scalar.column("value") == [30, 10, 20]
    assert scalar.column("x") == [3, 1, 2]
    assert data.to_records() == [{"x": 7, "a": 7, "b": "7", "status": "ok", "error": None}]
    # outputs named like a parameter or a reserved column are kept under a suffixed name
    assert clash.to_records() == [{"x": 1, "x_output": -1, "status_output": "mine", "status": "ok", "error": None}]
    with pytest.raises(KeyError, match="the columns are"):
        scalar.column("nope")
    text = scalar.summary()
    assert "3 points, 3 ok, 0 failed" in text


def test_failed_point_keeps_message_and_others_run():
    def sometimes(x):
        if x == 2:
            raise RuntimeError("point two is broken")
        return {"y": x}

    with ThreadPoolExecutor(2) as pool:
        result = sweep(sometimes, {"x": [1, 2, 3]}, executor=pool, progress=False)
    assert result.column("status") == ["ok", "failed", "ok"]
    assert result.column("y") == [1, None, 3]
    assert result.column("error") == [None, "RuntimeError: point two is broken", None]
    assert "1 failed" in result.summary() and "point two is broken" in result.summary()


def test_unpicklable_function_on_process_pool_is_explained():
    with pytest.raises(TypeError, match="must be picklable.*ThreadPoolExecutor"):
        sweep(lambda x: x, {"x": [1]}, progress=False)


def test_bad_executor_and_func():
    with pytest.raises(TypeError, match="concurrent.futures executor"):
        sweep(scalar_out, {"x": [1]}, executor=object(), progress=False)
    with pytest.raises(TypeError, match="callable"):
        sweep(3, {"x": [1]}, progress=False)


def test_to_pandas_or_clear_import_error():
    result = SweepResult(rows=({"x": 1, "value": 2, "status": "ok", "error": None},), parameters=("x",),
                         outputs=("value",))
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="needs pandas"):
            result.to_pandas()
    else:
        frame = result.to_pandas()
        assert list(frame.columns) == ["x", "value", "status", "error"] and frame["value"].tolist() == [2]


def test_sweep_result_table_html_and_json_for_jupyter():
    import json

    from fpesolve._util.result import Result

    with ThreadPoolExecutor(2) as pool:
        result = sweep(left_mass, {"eta": [0.15, -0.1], "lo": [-2.5]}, executor=pool, progress=False)
    assert isinstance(result, Result)
    headers, rows = result.table()
    assert headers == ("eta", "lo", "mass", "log_mass", "status", "error")
    expected = _expected_rows()  # the same points computed directly (GRID's eta = 0.15 / -0.1 rows at lo = -2.5)
    direct = [next(r for r in expected if r["eta"] == eta and r["lo"] == -2.5) for eta in (0.15, -0.1)]
    assert rows == [[r[h] for h in headers] for r in direct]
    html = result._repr_html_()
    assert html.count("<tr>") == 3 and "<th>log_mass</th>" in html and "ValueError: `eta` must be" in html
    assert f"<td>{direct[0]['mass']:.6g}</td>" in html
    data = json.loads(result.to_json())
    assert [row["status"] for row in data["rows"]] == ["ok", "failed"] and data["parameters"] == ["eta", "lo"]
    assert repr(result) == "SweepResult(points=2, failed=1, parameters=('eta', 'lo'), outputs=('mass', 'log_mass'))"


def test_dask_docs_page_local_cluster_example_runs(tmp_path):  # noqa: C901
    """docs/sweeps_dask.rst: the LocalCluster example runs as a script and gives the direct values."""
    import math
    import pathlib
    import re
    import subprocess
    import sys

    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed (pip install '.[dist]')")
    page = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "sweeps_dask.rst").read_text()
    block = re.findall(r".. code-block:: python\n\n(.*?)\n(?=\S)", page, flags=re.S)[0]
    code = "\n".join(line[3:] for line in block.splitlines())
    script = tmp_path / "dask_sweep.py"
    script.write_text(code + "\n    import json; print('JSON' + json.dumps(result.column('log10_iterations')))\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    values = json.loads(proc.stdout.split("JSON", 1)[1]) if "JSON" in proc.stdout else None
    assert values is not None and len(values) == 12 and all(math.isfinite(v) for v in values)
    # the same numbers computed here, point by point, without dask
    import fpesolve
    from fpesolve.failure_modes.constructions import construction

    for (eta, name), value in zip([(e, n) for e in np.geomspace(0.05, 0.5, 6) for n in ("f1", "healthy")], values):
        wells = construction(name).minima()
        direct = fpesolve.mean_first_passage_time(construction(name), eta, wells[0].x, wells[-1].x)
        assert value == direct.log10_iterations
