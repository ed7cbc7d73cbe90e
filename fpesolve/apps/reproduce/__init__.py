r"""Reproduce the papers: every checked claim beside the exact value, with sensitivity studies and SGD.

``fpesolve reproduce`` (:func:`main`) runs, for *When Does SGD Fail to Find
Good Solutions?* (part ``"failure-modes"``), one item per failure mode or
statement on the constructions of :mod:`fpesolve.failure_modes.constructions`:

===========  ===============================  =========  ===============================================
item         construction(s)                  condition  what is computed
===========  ===============================  =========  ===============================================
``F1``       ``f1``                           N1         V_eff barrier, exact escape from B (log10) split
                                                         into barrier and prefactor, Kramers, N1, SGD,
                                                         6-profile sensitivity
``F2``       ``f2``                           N2         Lambda(eta), the stable set vs 2/lambda_max, the
                                                         counterexamples eta = 0.12, 0.45 with SGD
``F3``       ``f3-equal-hessian``,            N3         exact and Laplace basin probabilities, the
             ``f3-unequal-hessian``                      paper's Laplace slip (ratio 4), SGD vs FPE,
                                                         6-profile sensitivity
``F4``       ``f4``                           N4         barriers, eta ln(tau_A/tau_B) at 0.2, 0.1, 0.05,
                                                         Corr(Sigma, Gap), SGD (minibatch and Gaussian),
                                                         6-profile sensitivity
``P5.1``     ``f4``                           -          Sigma/H invariance, and the reparameterisation
                                                         that reverses V_eff and N4 (two coordinates)
``R4.3``     all two-well, a 3-well landscape -          Remark 4.3's levels vs exact P(good)
``G1-G4``    all, two user landscapes         -          G2 Jacobian complexity, G3 stability, the chain
``healthy``  ``healthy``                      none       N1–N4 all hold (control)
``remedies`` ``f1`` (barriers 100, 1), ``f4``  N1, N4     Section 6.1: escape under schedules (FPE beside
                                                         SGD), the rate F1 would need vs 2/H_B, weight
                                                         decay toward several origins (mu, N4, loss cost)
===========  ===============================  =========  ===============================================

and, for the label-noise paper (part ``"label-noise"``),
:func:`fpesolve.apps.reproduce_label_noise.reproduce_label_noise` when that
module is present.

Each item returns a :class:`Reproduction` (:mod:`~fpesolve.apps.reproduce.report`):
the paper's claim beside the exact value (the diffusion's, for dynamics) and
simulated SGD where it was run, sensitivity tables where the paper
under-specifies the construction, the verdict on each claim — "wrong" only
where it is wrong on every construction consistent with the paper's numbers
— and pass/fail checks that decide the exit status.  Sizes, seeds and grids
of the quick and the full run are named in :mod:`~fpesolve.apps.reproduce.settings`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from ..._util.formatting import to_jsonable
from .f1 import reproduce_f1
from .f2 import reproduce_f2
from .f3 import reproduce_f3
from .f4 import reproduce_f4
from .g14 import reproduce_g14
from .healthy import reproduce_healthy
from .p51 import reproduce_p51
from .r43 import reproduce_r43
from .remedies import reproduce_remedies
from .report import Check, ClaimRow, Reproduction, Table
from .settings import SETTINGS, RunSettings, SGDRun

__all__ = ["ClaimRow", "Check", "Table", "Reproduction", "ITEMS", "PARTS", "SETTINGS", "RunSettings", "SGDRun",
           "reproduce_f1", "reproduce_f2", "reproduce_f3", "reproduce_f4", "reproduce_p51", "reproduce_r43",
           "reproduce_g14", "reproduce_healthy", "reproduce_remedies", "reproduce_all", "main"]

#: item name -> reproduction function (the failure-modes paper)
ITEMS: Dict[str, Callable[..., Reproduction]] = {
    "F1": reproduce_f1, "F2": reproduce_f2, "F3": reproduce_f3, "F4": reproduce_f4, "P5.1": reproduce_p51,
    "R4.3": reproduce_r43, "G1-G4": reproduce_g14, "healthy": reproduce_healthy, "remedies": reproduce_remedies,
}
#: the parts of ``fpesolve reproduce``
PARTS = ("failure-modes", "label-noise", "all")
#: the label-noise part's item name and module
LABEL_NOISE_ITEM = "label-noise"


def _select(only: Optional[Sequence[str]]) -> List[str]:
    if only is None:
        return list(ITEMS)
    if isinstance(only, str):
        only = [only]
    lookup = {k.lower(): k for k in ITEMS}
    chosen: List[str] = []
    for item in only:
        key = lookup.get(str(item).strip().lower())
        if key is None:
            raise ValueError(f"unknown item {item!r} in `only`; valid items: {', '.join(ITEMS)} (case-insensitive)")
        if key not in chosen:
            chosen.append(key)
    return chosen


def reproduce_all(quick: bool = True, out: Optional[str] = None, only: Optional[Sequence[str]] = None, *,
                  progress: Union[bool, str, None] = None,
                  callback: Optional[Callable[[Reproduction], None]] = None) -> Tuple[Reproduction, ...]:
    """Run the selected items of the failure-modes paper (default all of :data:`ITEMS`).

    Parameters
    ----------
    quick : bool
        The quick settings (small ensembles, coarse grids).
    out : str, optional
        Directory for the PNG figures (created if missing); no figures when ``None``.
    only : sequence of str, optional
        Items to run, case-insensitive (``["F1", "f3"]``).
    progress : bool, str or None
        ``False`` silences the step messages; see :func:`~fpesolve.apps.reproduce.f1.reproduce_f1`.
    callback : callable, optional
        Called with each Reproduction as soon as it is done.

    Returns
    -------
    tuple of Reproduction

    Raises
    ------
    ValueError
        For an unknown item in ``only`` (the message lists the valid ones).

    Examples
    --------
    >>> [rep.name for rep in reproduce_all(quick=True, only=["F2"], progress=False)]
    ['F2']
    """
    results = []
    for key in _select(only):
        rep = ITEMS[key](quick=quick, out=out, progress=progress)
        results.append(rep)
        if callback is not None:
            callback(rep)
    return tuple(results)


def _label_noise() -> Callable[..., Reproduction]:
    """The label-noise part's entry point (imported on demand)."""
    from .label_noise import reproduce_label_noise

    return reproduce_label_noise


def main(quick: bool = False, out: Optional[str] = "fpesolve-output", as_json: bool = False,
         only: Optional[List[str]] = None, part: str = "all") -> int:
    """Entry point of ``fpesolve reproduce``: print the tables (or one JSON document) and write the figures.

    Parameters
    ----------
    quick : bool
        The quick settings (CI).
    out : str or None
        Directory for the figures, ``reproduce.txt`` (the tables) and ``reproduce.json``.
    as_json : bool
        Print one JSON document instead of the tables.
    only : list of str, optional
        Items of the failure-modes part to run (:data:`ITEMS`; ``"label-noise"`` selects that part).
    part : {"failure-modes", "label-noise", "all"}
        Which paper(s).  A part whose module is missing from this build is
        skipped with a note (on stderr and in the JSON document's ``skipped``).

    Returns
    -------
    int
        0 when every check passed (the constructions' conditions being
        violated is the expected outcome), 1 when a check failed or nothing was run.

    Raises
    ------
    ValueError
        For an unknown item in ``only`` or an unknown ``part``.

    Examples
    --------
    >>> main(quick=True, out=None, as_json=True, only=["G1-G4"], part="failure-modes")   # doctest: +SKIP
    0
    """
    key = str(part).strip().lower()
    if key not in PARTS:
        raise ValueError(f"`part` must be one of {', '.join(PARTS)}, got {part!r}")
    wants_ln = key in ("label-noise", "all")
    fm_only = only
    if only is not None:
        names = [only] if isinstance(only, str) else list(only)
        wants_ln = wants_ln and any(str(n).strip().lower() == LABEL_NOISE_ITEM for n in names)
        fm_only = [n for n in names if str(n).strip().lower() != LABEL_NOISE_ITEM]
    items = _select(fm_only) if key in ("failure-modes", "all") else []    # validate before any work
    if only is not None and not fm_only:
        items = []
    start = time.perf_counter()
    progress = False if as_json else (True if (not quick and sys.stderr.isatty()) else None)
    texts: List[str] = []
    skipped: List[str] = []

    def show(rep: Reproduction) -> None:
        text = rep.summary()
        texts.append(text)
        if not as_json:
            print(text + "\n", flush=True)

    if not as_json:
        print(f"fpesolve reproduce ({'quick' if quick else 'full'}, part {key}): the paper's claim beside the exact "
              f"value\n", flush=True)
    results = list(reproduce_all(quick=quick, out=out, only=items, progress=progress, callback=show)) if items else []
    if wants_ln:
        rep = _label_noise()(quick=quick, out=out, progress=progress)
        results.append(rep)
        show(rep)
    failed = [f"{r.name}: {c.description}" for r in results for c in r.checks if not c.passed]
    elapsed = time.perf_counter() - start
    n_checks = sum(len(r.checks) for r in results)
    document = {"quick": bool(quick), "part": key, "out": out, "ok": bool(results) and not failed,
                "failed_checks": failed, "skipped": skipped, "elapsed": elapsed,
                "items": [r.to_dict() for r in results]}
    if not results:
        status_line = "nothing was run" + (f" ({'; '.join(skipped)})" if skipped else "")
    elif failed:
        status_line = f"{len(failed)} check(s) FAILED: " + "; ".join(failed)
    else:
        status_line = f"all {n_checks} checks passed"
    if out is not None:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "reproduce.txt"), "w", encoding="utf-8") as fh:
            fh.write("\n\n".join(texts) + f"\n\n{status_line}\n")
            for r in results:
                fh.write("\n" + "\n\n".join(r.details) + "\n")
        with open(os.path.join(out, "reproduce.json"), "w", encoding="utf-8") as fh:
            json.dump(to_jsonable(document), fh, indent=2, allow_nan=False)
    if as_json:
        print(json.dumps(to_jsonable(document), indent=2, allow_nan=False))
    else:
        print(f"{status_line}; figures and tables in {out} ({elapsed:.1f} s)")
    return 0 if results and not failed else 1
