r"""The report model of ``fpesolve reproduce``: claim rows, checks, extra tables and one reproduction per item.

A :class:`ClaimRow` puts the paper's claim (quoted from a construction's
``paper_claims`` or evaluated from the paper's own leading-order formula,
never used as a result) beside the exactly computed value and, where one was
run, the simulated-SGD estimate.  The exact column is the diffusion's (the
Fokker–Planck equation of SGD); where discrete SGD at the paper's learning
rate differs from it, the SGD column shows by how much.  A :class:`Check` is
a pass/fail test of the reproduction itself (the exit status of ``fpesolve
reproduce``); a :class:`Table` holds a sensitivity study or a comparison
across constructions; a :class:`Reproduction` bundles one item.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from ..._util.formatting import to_jsonable
from ..._util.result import Result

__all__ = ["ClaimRow", "Check", "Table", "Reproduction", "Value", "ratio", "VERDICTS"]

Value = Union[float, str, None]

#: verdict words on a claim of the paper
VERDICTS = ("holds", "holds to leading order", "holds on the faithful construction", "wrong", "not checked")


@dataclass(frozen=True, repr=False)
class ClaimRow(Result):
    r"""One quantity: the paper's claim beside the exactly computed value.

    Attributes
    ----------
    quantity : str
        What is compared (units in the text, e.g. ``log10 iterations``).
    paper : float, str or None
        The paper's claim: a number quoted from ``construction.paper_claims``
        or evaluated from the paper's own leading-order formula, or a text.
    exact : float, str or None
        The value computed here (exact up to quadrature round-off; for
        dynamics, the diffusion's).
    ratio : float or None
        The comparison named by ``compare``.
    note : str
        Where the value comes from and why it differs.
    compare : str
        ``"exact/paper"`` (ratio), ``"exact-paper"`` (difference, used for
        log10 values and signed exponents) or ``""``.
    simulated : float, str or None
        The simulated-SGD estimate, where one was made.

    Examples
    --------
    F1's escape time from B: the paper's leading order beside the exact
    value, compared as a difference of log10 values:

    >>> row = ClaimRow("log10 escape iterations from B", 1087.7, 1087.6, ratio=-0.1, compare="exact-paper")
    >>> fmt_compare(row), row.to_dict()["compare"]
    ('-0.1 (diff)', 'exact-paper')
    """

    quantity: str
    paper: Value
    exact: Value
    ratio: Optional[float] = None
    note: str = ""
    compare: str = "exact/paper"
    simulated: Value = None

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values (non-finite floats become ``None``).

        Returns
        -------
        dict
            ``quantity``, ``paper``, ``exact``, ``compare`` (empty without a
            ratio), ``ratio``, ``simulated`` and ``note``.
        """
        return {"quantity": self.quantity, "paper": to_jsonable(self.paper), "exact": to_jsonable(self.exact),
                "compare": self.compare if self.ratio is not None else "", "ratio": to_jsonable(self.ratio),
                "simulated": to_jsonable(self.simulated), "note": self.note}


@dataclass(frozen=True, repr=False)
class Check(Result):
    """A pass/fail check of the reproduction (a computed value against an independent one, a Monte Carlo confirmation).

    Attributes
    ----------
    description : str
        What was checked, with the numbers and the tolerance.
    passed : bool
        Whether it passed; any failed check makes ``fpesolve reproduce`` exit with status 1.

    Examples
    --------
    >>> Check("Lambda(0.15) = 0.5 ln 1.19 to 1e-12", True).summary()
    '[ok] Lambda(0.15) = 0.5 ln 1.19 to 1e-12'
    """

    description: str
    passed: bool

    def summary(self) -> str:
        """``[ok] description`` or ``[FAILED] description``.

        Returns
        -------
        str
            One line.
        """
        return f"[{'ok' if self.passed else 'FAILED'}] {self.description}"


@dataclass(frozen=True, repr=False)
class Table(Result):
    """A small table (a sensitivity study, a comparison across constructions) with a caption.

    Attributes
    ----------
    title : str
        The table's title.
    headers : tuple of str
        Column titles.
    rows : tuple of tuple
        The cells: numbers, texts or ``None`` (printed by :func:`fmt`).
    caption : str
        What the table shows and how to read it.

    Examples
    --------
    >>> t = Table("barriers", ("profile", "dU_A exact"), (("tanh", 0.5), ("sigmoid", 0.4321)), "in units of L/Sigma")
    >>> print(t.summary())
    barriers
      profile  dU_A exact
      -------  ----------
      tanh     0.5
      sigmoid  0.4321
      in units of L/Sigma
    """

    title: str
    headers: Tuple[str, ...]
    rows: Tuple[Tuple[Value, ...], ...]
    caption: str = ""

    def table(self):
        """``(headers, rows)``.

        Returns
        -------
        headers : tuple of str
        rows : tuple of tuple
        """
        return self.headers, self.rows

    def summary(self) -> str:
        """The title, an aligned text table and the caption.

        Returns
        -------
        str
            Every column as wide as its widest cell.
        """
        cells = [[fmt(v) for v in row] for row in self.rows]
        widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(self.headers)]
        lines = [self.title, "  " + "  ".join(h.ljust(w) for h, w in zip(self.headers, widths)),
                 "  " + "  ".join("-" * w for w in widths)]
        lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
        if self.caption:
            lines.append("  " + self.caption)
        return "\n".join(lines)

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values.

        Returns
        -------
        dict
            ``title``, ``headers``, ``rows`` (lists; non-finite floats ``None``) and ``caption``.
        """
        return {"title": self.title, "headers": list(self.headers), "rows": to_jsonable([list(r) for r in self.rows]),
                "caption": self.caption}


@dataclass(frozen=True, repr=False)
class Reproduction(Result):
    """The reproduction of one item (a failure mode, a remark, the healthy control).

    Attributes
    ----------
    name : str
        ``"F1"`` … ``"F4"``, ``"P5.1"``, ``"R4.3"``, ``"G1-G4"``, ``"healthy"``.
    title : str
        One line saying what the item is.
    constructions : tuple of str
        The construction keys used.
    condition : str
        The necessary condition the construction violates (``"none"`` for
        the control, ``"-"`` for items that are not about one condition).
    eta : float
        The learning rate of the item's main construction.
    rows : tuple of ClaimRow
        The paper's claims beside the exact values.
    verdict : str
        The diagnosis and the verdict on the paper's claims, one line each.
    violated : tuple of str
        Conditions flagged as violated by :func:`fpesolve.diagnose` (union over the constructions).
    checks : tuple of Check
        The checks of the reproduction itself.
    figures : tuple of str
        Paths of the PNG files written.
    tables : tuple of Table
        Sensitivity studies and comparisons.
    details : tuple of str
        Full reports (diagnosis tables, SGD summaries).
    elapsed : float
        Wall-clock seconds.

    Examples
    --------
    >>> rep = Reproduction(name="F2", title="discrete instability", constructions=("f2",), condition="N2",
    ...                    eta=0.15, rows=(ClaimRow("Lambda(0.15)", 0.0870, 0.08698, ratio(0.08698, 0.0870)),),
    ...                    verdict="N2 violated",
    ...                    violated=("N2",), checks=(Check("Lambda > 0 at eta = 0.15", True),))
    >>> rep.ok, rep.table()[1]
    (True, [('Lambda(0.15)', '0.087', '0.08698', 'x 0.99977', '-')])
    """

    name: str
    title: str
    constructions: Tuple[str, ...]
    condition: str
    eta: float
    rows: Tuple[ClaimRow, ...]
    verdict: str
    violated: Tuple[str, ...]
    checks: Tuple[Check, ...]
    figures: Tuple[str, ...] = ()
    tables: Tuple[Table, ...] = ()
    details: Tuple[str, ...] = field(default=(), repr=False)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(c.passed for c in self.checks)

    def table(self):
        """The claim table: quantity, paper, exact, comparison, SGD.

        Returns
        -------
        headers : tuple of str
            ``("quantity", "paper", "exact", "exact vs paper", "SGD (MC)")``.
        rows : list of tuple of str
            One per :class:`ClaimRow`, formatted by :func:`fmt` and :func:`fmt_compare`.
        """
        return (("quantity", "paper", "exact", "exact vs paper", "SGD (MC)"),
                [(r.quantity, fmt(r.paper), fmt(r.exact), fmt_compare(r), fmt(r.simulated)) for r in self.rows])

    def summary(self, details: bool = False) -> str:
        """The claim table, the extra tables, the verdict, the checks and the figures.

        Parameters
        ----------
        details : bool
            Append the full reports (:attr:`details`).

        Returns
        -------
        str
            Several lines, ending with the elapsed time.
        """
        head = f"{self.name}: {self.title}  [condition {self.condition}, eta = {self.eta:g}]"
        lines = [head, "=" * len(head), claim_table(self.rows)]
        for t in self.tables:
            lines += ["", t.summary()]
        lines += ["", "verdict: " + self.verdict.replace("\n", "\n  ")]
        lines += ["  " + c.summary() for c in self.checks]
        if self.figures:
            lines.append("figures: " + ", ".join(self.figures))
        lines.append(f"({self.elapsed:.1f} s)")
        if details and self.details:
            lines += [""] + list(self.details)
        return "\n".join(lines)

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values (no NaN or inf).

        Returns
        -------
        dict
            The fields (without ``details``), ``ok``, and the rows, tables and
            checks as their own ``to_dict()``.
        """
        return {"name": self.name, "title": self.title, "constructions": list(self.constructions),
                "condition": self.condition, "eta": self.eta, "ok": self.ok, "verdict": self.verdict,
                "violated": list(self.violated), "rows": [r.to_dict() for r in self.rows],
                "tables": [t.to_dict() for t in self.tables], "checks": [c.to_dict() for c in self.checks],
                "figures": list(self.figures), "elapsed": self.elapsed}


# ---------------------------------------------------------------------------------------------- formatting
def fmt(value: Value) -> str:
    """A cell: ``-`` for None, text as is, numbers to 6 significant digits (4 in scientific notation).

    Parameters
    ----------
    value : float, str, bool or None
        The cell.

    Returns
    -------
    str
        Scientific notation outside :math:`10^{-4} \\le |v| < 10^7`.

    Examples
    --------
    >>> fmt(None), fmt("n/a"), fmt(0.0870), fmt(1.0e-30), fmt(float("inf"))
    ('-', 'n/a', '0.087', '1.0000e-30', 'inf')
    """
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == 0.0:
        return "0"
    if 1e-4 <= abs(v) < 1e7:
        return f"{v:.6g}"
    return f"{v:.4e}"


def fmt_compare(row: ClaimRow) -> str:
    """The comparison cell: ``x 1.0983`` for a ratio, ``+0.026 (diff)`` for a difference.

    Parameters
    ----------
    row : ClaimRow
        Its ``ratio`` and ``compare``.

    Returns
    -------
    str
        ``-`` without a finite ratio.

    Examples
    --------
    >>> fmt_compare(ClaimRow("q", 2.0, 2.19666, ratio=1.0983)), fmt_compare(ClaimRow("q", 1.0, None))
    ('x 1.0983', '-')
    """
    if row.ratio is None or not math.isfinite(row.ratio):
        return "-"
    if row.compare == "exact-paper":
        return f"{row.ratio:+.4g} (diff)"
    return f"x {row.ratio:.6g}"


def claim_table(rows: Sequence[ClaimRow]) -> str:
    """The claim table, every column as wide as its widest cell (aligned), each row's note below it.

    Parameters
    ----------
    rows : sequence of ClaimRow
        The claims.

    Returns
    -------
    str
        A header line, a rule, one line per row (and one per note).

    Examples
    --------
    >>> print(claim_table([ClaimRow("pi(A)", 0.5, 0.9935, ratio=1.987, note="Sigma varies along the path")]))
    quantity  paper  exact   exact vs paper  SGD (MC)
    --------  -----  ------  --------------  --------
    pi(A)     0.5    0.9935  x 1.987         -
        note: Sigma varies along the path
    """
    header = ("quantity", "paper", "exact", "exact vs paper", "SGD (MC)")
    cells = [[r.quantity, fmt(r.paper), fmt(r.exact), fmt_compare(r), fmt(r.simulated)] for r in rows]
    widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    for r, c in zip(rows, cells):
        out.append("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip())
        if r.note:
            out.append("    note: " + r.note)
    return "\n".join(out)


def ratio(exact: Optional[float], paper: Optional[float]) -> Optional[float]:
    """``exact / paper``, or ``None`` when either is missing, not finite, or the paper's value is 0.

    Parameters
    ----------
    exact, paper : float or None
        The exact value and the paper's.

    Returns
    -------
    float or None
        The ratio.

    Examples
    --------
    >>> ratio(3.0, 2.0), ratio(1.0, 0.0)
    (1.5, None)
    """
    if exact is None or paper is None or paper == 0 or not (math.isfinite(exact) and math.isfinite(paper)):
        return None
    return float(exact) / float(paper)
