"""Named settings of ``fpesolve reproduce``: grids, SGD runs (walkers, iterations, seeds), figure resolution.

:data:`SETTINGS` has a ``"quick"`` run (CI: a few seconds per item with a
warm numba cache) and a ``"full"`` run (bigger ensembles and finer figures).
Every simulated-SGD run is named, so the same name has the same seed in both
(the quick run is a smaller sample of the same experiment).

:class:`Steps` prints each step of a reproduction on stderr as it starts
(``fpesolve reproduce [F1] exact escape times ...``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Dict, Optional, Union

__all__ = ["SGDRun", "RunSettings", "SETTINGS", "settings_for", "Steps"]


@dataclass(frozen=True)
class SGDRun:
    """One simulated-SGD ensemble: walkers, iterations per walker and the seed of its random streams.

    Attributes
    ----------
    n_walkers : int
        Independent SGD walkers.
    n_iterations : int
        SGD iterations per walker.
    seed : int
        The seed of the run's random streams (the same in the quick and the full settings).

    Examples
    --------
    >>> SGDRun(n_walkers=2000, n_iterations=10_000, seed=101)
    SGDRun(n_walkers=2000, n_iterations=10000, seed=101)
    """

    n_walkers: int
    n_iterations: int
    seed: int


def _runs(scale: str) -> Dict[str, SGDRun]:
    quick = scale == "quick"

    def run(q_walkers, q_iters, f_walkers, f_iters, seed):
        return SGDRun(q_walkers, q_iters, seed) if quick else SGDRun(f_walkers, f_iters, seed)

    return {
        "f1-from-B": run(2000, 10_000, 20_000, 20_000, 101),
        "f2-growth": run(4000, 500, 20_000, 500, 201),
        "f2-growth-stable": run(4000, 500, 20_000, 500, 202),
        "f2-divergence": run(2000, 10_000, 10_000, 20_000, 203),
        "f2-divergence-stable": run(2000, 10_000, 10_000, 20_000, 204),
        "f2-second-window": run(2000, 10_000, 10_000, 20_000, 205),
        "f3-stationary": run(5000, 2000, 20_000, 20_000, 301),
        "f3-stationary-small-eta": run(5000, 2000, 20_000, 10_000, 302),
        "f4-from-A": run(2000, 10_000, 10_000, 50_000, 401),
        "f4-from-A-gaussian": run(2000, 10_000, 10_000, 50_000, 403),
        "f4-stationary": run(2000, 2000, 10_000, 20_000, 402),
        "healthy-stationary": run(5000, 2000, 20_000, 20_000, 501),
        "p51-phi": run(1000, 4000, 10_000, 20_000, 601),
        "p51-theta": run(1000, 4000, 10_000, 20_000, 602),
        "remedies-f1": run(1500, 20_000, 20_000, 20_000, 701),
    }


@dataclass(frozen=True)
class RunSettings:
    """The sizes of one run of ``fpesolve reproduce``.

    Attributes
    ----------
    name : str
        ``"quick"`` or ``"full"``.
    n1_grid : int or None
        Cells of the N1 mixing grid (``None``: the default 1500 refined cells).
    figure_points : int
        Learning rates in the figures' eta scans.
    runs : dict of str to SGDRun
        The simulated-SGD ensembles by name.

    Examples
    --------
    >>> quick = SETTINGS["quick"]
    >>> quick.quick, quick.n1_grid, quick.run("f4-from-A")
    (True, 400, SGDRun(n_walkers=2000, n_iterations=10000, seed=401))
    >>> SETTINGS["full"].run("f4-from-A").seed                 # the same experiment, a bigger sample
    401
    """

    name: str
    n1_grid: Optional[int]
    figure_points: int
    runs: Dict[str, SGDRun] = field(repr=False)

    @property
    def quick(self) -> bool:
        """Whether this is the quick run."""
        return self.name == "quick"

    def run(self, name: str) -> SGDRun:
        """The SGD ensemble called ``name``.

        Parameters
        ----------
        name : str
            A key of :attr:`runs`, e.g. ``"f1-from-B"``.

        Returns
        -------
        SGDRun

        Raises
        ------
        KeyError
            For an unknown name; the message lists the names.
        """
        try:
            return self.runs[name]
        except KeyError:
            raise KeyError(f"no SGD run {name!r}; the runs are {sorted(self.runs)}") from None


#: "quick" (CI) and "full"
SETTINGS: Dict[str, RunSettings] = {
    "quick": RunSettings("quick", n1_grid=400, figure_points=7, runs=_runs("quick")),
    "full": RunSettings("full", n1_grid=None, figure_points=25, runs=_runs("full")),
}


def settings_for(quick: bool) -> RunSettings:
    """``SETTINGS["quick"]`` or ``SETTINGS["full"]``.

    Parameters
    ----------
    quick : bool
        The quick (CI) run, else the full one.

    Returns
    -------
    RunSettings

    Examples
    --------
    >>> settings_for(True).run("f1-from-B")
    SGDRun(n_walkers=2000, n_iterations=10000, seed=101)
    """
    return SETTINGS["quick" if quick else "full"]


class Steps:
    """Announces each step of a reproduction on stderr as it starts (silent when ``progress`` is False).

    Parameters
    ----------
    item : str
        The item's name (``"F1"``), shown in brackets.
    progress : bool, str or None
        The reproduction's ``progress`` argument; only ``False`` silences the steps.

    Examples
    --------
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     Steps("F1", None)("exact escape times")
    ...     Steps("F1", False)("not shown")
    >>> err.getvalue()
    'fpesolve reproduce [F1] exact escape times ...\\n'
    """

    def __init__(self, item: str, progress: Union[bool, str, None]) -> None:
        self.item = item
        self.progress = progress
        self.enabled = progress is not False

    def __call__(self, text: str) -> None:
        if self.enabled:
            print(f"fpesolve reproduce [{self.item}] {text} ...", file=sys.stderr, flush=True)
