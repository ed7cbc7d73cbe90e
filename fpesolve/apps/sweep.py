r"""Parameter sweeps on any :mod:`concurrent.futures` executor.

:func:`sweep` runs a function over a grid of parameters — e.g. the learning
rate :math:`\eta` times a construction name times a grid size — and returns a
tidy table, :class:`SweepResult`, with one row per grid point: the
parameters, the outputs, a ``status`` (``"ok"`` or ``"failed"``) and the
error message of a point that raised.  A failing point never aborts the
others.

The work runs on a local process pool by default.  Any object with the
:class:`concurrent.futures.Executor` interface works instead, so moving a sweep
to a cluster changes one argument::

    from dask.distributed import Client
    client = Client("scheduler-address:8786")
    result = sweep(func, {"eta": etas}, executor=client.get_executor())

(A :class:`dask.distributed.Client` itself is accepted too; its
``get_executor()`` is used.)  Rows always come back in grid order, whatever
order the points complete in.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import itertools
import pickle
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .._util.progress import progress_bar
from .._util.result import Result

__all__ = ["sweep", "SweepResult", "parameter_grid"]

#: Column names the sweep itself writes into every row.
RESERVED = ("status", "error")

GridSpec = Union[Mapping[str, Any], Sequence[Mapping[str, Any]]]


# ---------------------------------------------------------------------------- the table
@dataclass(frozen=True, repr=False)
class SweepResult(Result):
    """The tidy table of a :func:`sweep`: one row per grid point, in grid order.

    Attributes
    ----------
    rows : tuple of dict
        Row ``k`` holds the parameters of grid point ``k``, its outputs (a
        ``dict`` output is expanded into one column per key, anything else is
        stored under ``"value"``), ``"status"`` (``"ok"`` or ``"failed"``) and
        ``"error"`` (``None``, or ``"ExceptionType: message"``).
    parameters : tuple of str
        Parameter column names, in first-seen order.
    outputs : tuple of str
        Output column names, in first-seen order.

    Examples
    --------
    >>> result = SweepResult(rows=({"x": 1, "value": 2, "status": "ok", "error": None},), parameters=("x",),
    ...                      outputs=("value",))
    >>> result.column("value"), result.columns
    ([2], ('x', 'value', 'status', 'error'))
    """

    rows: Tuple[Dict[str, Any], ...]
    parameters: Tuple[str, ...]
    outputs: Tuple[str, ...]

    @property
    def columns(self) -> Tuple[str, ...]:
        """All column names: parameters, outputs, then ``status`` and ``error``."""
        return self.parameters + self.outputs + RESERVED

    @property
    def failed(self) -> Tuple[Dict[str, Any], ...]:
        """The rows whose function call raised (``status == "failed"``)."""
        return tuple(row for row in self.rows if row["status"] == "failed")

    @property
    def ok(self) -> Tuple[Dict[str, Any], ...]:
        """The rows that completed (``status == "ok"``)."""
        return tuple(row for row in self.rows if row["status"] == "ok")

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.to_records())

    def to_records(self) -> List[Dict[str, Any]]:
        """The rows as a list of new dicts with every column (``None`` where a row has no value).

        Returns
        -------
        list of dict
            One dict per grid point, keys :attr:`columns`.
        """
        return [{name: row.get(name) for name in self.columns} for row in self.rows]

    def column(self, name: str) -> List[Any]:
        """The values of one column in grid order (``None`` where a row has no value, e.g. a failed point).

        Parameters
        ----------
        name : str
            A column name (see :attr:`columns`).

        Returns
        -------
        list
            One value per grid point.

        Raises
        ------
        KeyError
            If ``name`` is not a column; the message lists the columns.
        """
        if name not in self.columns:
            raise KeyError(f"no column {name!r} in this sweep; the columns are {list(self.columns)}")
        return [row.get(name) for row in self.rows]

    def to_pandas(self):
        """The table as a :class:`pandas.DataFrame` (needs pandas, which fpesolve does not require).

        Returns
        -------
        pandas.DataFrame
            Columns :attr:`columns`, one row per grid point.

        Raises
        ------
        ImportError
            Without pandas.
        """
        try:
            import pandas
        except ImportError:
            raise ImportError("`SweepResult.to_pandas()` needs pandas (pip install pandas); "
                              "`to_records()` gives the same table as a list of dicts") from None
        return pandas.DataFrame.from_records(self.to_records(), columns=list(self.columns))

    def summary(self, max_rows: int = 20) -> str:
        """A text table of the first ``max_rows`` rows plus a count of failures.

        Parameters
        ----------
        max_rows : int
            Rows shown; the rest are counted.

        Returns
        -------
        str
        """
        n_failed = len(self.failed)
        lines = [f"SweepResult: {len(self.rows)} points, {len(self.rows) - n_failed} ok, {n_failed} failed; "
                 f"parameters {list(self.parameters)}, outputs {list(self.outputs)}"]
        shown = [c for c in self.parameters + self.outputs + ("status",)]
        cells = [[_fmt(row.get(c)) for c in shown] for row in self.rows[:max_rows]]
        widths = [max([len(c)] + [len(r[j]) for r in cells]) for j, c in enumerate(shown)]
        lines.append("  ".join(c.rjust(w) for c, w in zip(shown, widths)))
        for r, row in zip(cells, self.rows):
            line = "  ".join(v.rjust(w) for v, w in zip(r, widths))
            if row["status"] == "failed":
                line += f"  <- {row['error']}"
            lines.append(line)
        if len(self.rows) > max_rows:
            lines.append(f"... {len(self.rows) - max_rows} more rows")
        return "\n".join(lines)

    def table(self) -> Tuple[Tuple[str, ...], List[List[Any]]]:
        """``(headers, rows)``: the parameters, outputs, ``status`` and ``error`` of every point (for Jupyter).

        Returns
        -------
        headers : tuple of str
            :attr:`columns`.
        rows : list of list
            One list per grid point, in grid order (``None`` where a row has no value).
        """
        return self.columns, [[row.get(name) for name in self.columns] for row in self.rows]

    def __repr__(self) -> str:
        return (f"SweepResult(points={len(self.rows)}, failed={len(self.failed)}, "
                f"parameters={self.parameters!r}, outputs={self.outputs!r})")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."


# ---------------------------------------------------------------------------- the grid
def _values(name: str, values: Any) -> list:
    """A dict entry of the grid as a list; a string or a non-iterable is one value."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return [values]
    out = list(values)
    if not out:
        raise ValueError(f"parameter `{name}` has an empty list of values; give at least one")
    return out


def parameter_grid(grid_of_params: GridSpec) -> List[Dict[str, Any]]:
    """Expand a grid specification into the list of parameter dicts, in sweep order.

    Parameters
    ----------
    grid_of_params : dict or sequence of dict
        ``{name: values}`` for the cartesian product of the values (the first
        name varies slowest, as in nested loops; a string or a scalar counts as
        a single value), or an explicit sequence of ``{name: value}`` dicts.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> parameter_grid({"eta": [0.1, 0.2], "name": "double-well"})
    [{'eta': 0.1, 'name': 'double-well'}, {'eta': 0.2, 'name': 'double-well'}]
    """
    if isinstance(grid_of_params, Mapping):
        names = list(grid_of_params)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"parameter names must be strings, got {name!r}")
        lists = [_values(name, grid_of_params[name]) for name in names]
        points = [dict(zip(names, combo)) for combo in itertools.product(*lists)]
    elif isinstance(grid_of_params, (str, bytes)) or not isinstance(grid_of_params, Iterable):
        raise TypeError("`grid_of_params` must be a dict {name: list of values} or a list of dicts, "
                        f"got {type(grid_of_params).__name__}")
    else:
        points = []
        for k, point in enumerate(grid_of_params):
            if not isinstance(point, Mapping):
                raise TypeError(f"`grid_of_params[{k}]` must be a dict of parameters, got {type(point).__name__}")
            bad = [key for key in point if not isinstance(key, str)]
            if bad:
                raise TypeError(f"parameter names must be strings, got {bad[0]!r} in `grid_of_params[{k}]`")
            points.append(dict(point))
    if not points:
        raise ValueError("`grid_of_params` describes no points; give at least one")
    for k, point in enumerate(points):
        clash = [key for key in point if key in RESERVED]
        if clash:
            raise ValueError(f"parameter name {clash[0]!r} (point {k}) is reserved for the sweep's own column; "
                             f"rename it")
    return points


# ---------------------------------------------------------------------------- running
def _call(func: Callable[..., Any], params: Dict[str, Any]) -> Tuple[str, Any]:
    """Run one point; never raises (runs in the worker)."""
    try:
        return "ok", func(**params)
    except Exception as exc:  # a failing point is recorded, not propagated
        return "failed", _message(exc)


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _outputs(value: Any) -> Dict[str, Any]:
    """Expand a function's return value into output columns."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            out[str(key)] = item
        return out
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return {"value": value}


def _resolve_executor(executor: Any) -> Any:
    """Accept a concurrent.futures executor, or a dask.distributed Client (use its executor)."""
    module = type(executor).__module__ or ""
    if module.startswith("distributed") and hasattr(executor, "get_executor") and not isinstance(executor, cf.Executor):
        return executor.get_executor()
    if not callable(getattr(executor, "submit", None)):
        raise TypeError("`executor` must be a concurrent.futures executor (an object with .submit(fn, *args) "
                        "returning a concurrent.futures.Future), e.g. ThreadPoolExecutor(), ProcessPoolExecutor() "
                        f"or dask.distributed.Client(...).get_executor(); got {type(executor).__name__}")
    return executor


def _check_picklable(func: Callable[..., Any], points: List[Dict[str, Any]]) -> None:
    try:
        pickle.dumps(func)
    except Exception as exc:
        raise TypeError(
            f"`func` {getattr(func, '__qualname__', func)!r} must be picklable to run on a process pool "
            f"(define it at module level in an importable module; lambdas, closures and functions defined "
            f"in an interactive session cannot be sent to worker processes). Alternatively pass "
            f"executor=concurrent.futures.ThreadPoolExecutor() or a dask executor (which uses cloudpickle). "
            f"Pickling failed with: {_message(exc)}") from None
    for k, point in enumerate(points):
        try:
            pickle.dumps(point)
        except Exception as exc:
            raise TypeError(f"the parameters of point {k} ({point!r}) must be picklable to run on a process pool; "
                            f"pickling failed with: {_message(exc)}") from None


def sweep(func: Callable[..., Any], grid_of_params: GridSpec, executor: Optional[Any] = None,
          progress: Union[bool, str, None] = None, *, max_workers: Optional[int] = None) -> SweepResult:
    """Run ``func(**params)`` for every point of a parameter grid and tabulate the results.

    Parameters
    ----------
    func : callable
        Called as ``func(**params)`` for each grid point.  It may return a
        ``dict`` (one output column per key), a dataclass (one column per
        field) or anything else (stored in the column ``"value"``).  On the
        default process pool it must be picklable: a function defined at
        module level of an importable module.
    grid_of_params : dict or sequence of dict
        ``{name: list of values}`` for the cartesian product (first name varies
        slowest), or an explicit list of parameter dicts; see
        :func:`parameter_grid`.
    executor : concurrent.futures.Executor, optional
        Where to run the points: any object with the
        :class:`concurrent.futures.Executor` ``submit`` interface — a
        :class:`~concurrent.futures.ThreadPoolExecutor`, a
        :class:`~concurrent.futures.ProcessPoolExecutor`,
        ``dask.distributed.Client(...).get_executor()`` (or the ``Client``
        itself).  The executor is used, not shut down.  Default: a new local
        :class:`~concurrent.futures.ProcessPoolExecutor`, shut down afterwards.
    progress : bool or "auto", optional
        A tqdm progress bar over the points on stderr: ``True``, ``False``,
        ``"auto"`` (a bar once the sweep has taken 2 s), or ``None`` for the
        package default (:func:`fpesolve.set_progress`, ``"auto"`` unless changed).
    max_workers : int, optional
        Worker count of the default process pool (default: the CPU count).

    Returns
    -------
    SweepResult
        One row per point in grid order, with ``status`` ``"ok"`` or
        ``"failed"`` and the error message of each failed point.  An exception
        raised by ``func`` at one point is recorded in that row and the other
        points still run.

    Raises
    ------
    TypeError
        If ``func`` is not callable, ``executor`` has no ``submit``, or (on a
        process pool) ``func`` or a parameter set cannot be pickled.
    ValueError
        If the grid is empty or uses a reserved column name (``status``, ``error``).

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> def square(x):
    ...     return {"x2": x * x}
    >>> with ThreadPoolExecutor(2) as pool:
    ...     result = sweep(square, {"x": [1, 2, 3]}, executor=pool, progress=False)
    >>> result.column("x2")
    [1, 4, 9]
    """
    if not callable(func):
        raise TypeError(f"`func` must be callable, got {func!r}")
    points = parameter_grid(grid_of_params)
    own = executor is None
    if own:
        _check_picklable(func, points)
        if max_workers is not None and (not isinstance(max_workers, int) or max_workers < 1):
            raise ValueError(f"`max_workers` must be a positive integer, got {max_workers!r}")
        executor = cf.ProcessPoolExecutor(max_workers=max_workers)
    else:
        executor = _resolve_executor(executor)
        if isinstance(executor, cf.ProcessPoolExecutor):
            _check_picklable(func, points)

    outcomes: List[Optional[Tuple[str, Any]]] = [None] * len(points)
    futures: Dict[Any, int] = {}
    try:
        with progress_bar(progress, total=len(points), desc="sweep", unit="point") as bar:
            for k, point in enumerate(points):
                futures[executor.submit(_call, func, point)] = k
            for future in cf.as_completed(futures):
                k = futures[future]
                try:
                    outcomes[k] = future.result()
                except Exception as exc:  # the executor could not run the point (pickling, dead worker, ...)
                    outcomes[k] = ("failed", _message(exc))
                bar.update(1)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)

    rows = []
    parameters: Dict[str, None] = {}
    outputs: Dict[str, None] = {}
    for point, outcome in zip(points, outcomes):
        status, payload = outcome  # type: ignore[misc]
        row = dict(point)
        for name in point:
            parameters.setdefault(name, None)
        if status == "ok":
            for key, item in _outputs(payload).items():
                column = key if key not in point and key not in RESERVED else f"{key}_output"
                row[column] = item
                outputs.setdefault(column, None)
            row["status"], row["error"] = "ok", None
        else:
            row["status"], row["error"] = "failed", payload
        rows.append(row)
    return SweepResult(rows=tuple(rows), parameters=tuple(parameters), outputs=tuple(outputs))
