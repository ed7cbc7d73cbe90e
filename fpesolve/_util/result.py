"""The base of every result type: a readable summary, a one-line repr, JSON, and read-only arrays.

Results are frozen dataclasses declared as::

    @dataclass(frozen=True, repr=False)
    class SpectralGap(Result):
        value: float
        ...
        def summary(self) -> str: ...

and get from :class:`Result`

* ``str(result)`` = :meth:`~Result.summary` (several lines, for people);
* ``repr(result)``: one line, the scalar fields (arrays as their shape);
* :meth:`~Result.to_dict` / :meth:`~Result.to_json`: JSON-ready values (no NaN or
  inf: a float that is not finite becomes ``None``; matrices, landscapes and
  grids are left out);
* ``_repr_html_`` for Jupyter (the summary, or the table of :meth:`~Result.table`);
* array fields made read-only when the result is created.

Words shared by every result (the glossary in the docs): ``converged`` for
numerical success with ``message`` saying why not; ``holds`` /
``status`` (``"holds"``, ``"violated"``, ``"not applicable"``) for the
verdict of a condition; ``method`` for how a number was computed.
"""

from __future__ import annotations

import dataclasses
import html
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .formatting import to_jsonable

__all__ = ["Result"]

_REPR_WIDTH = 110


def _short(value: Any) -> Optional[str]:
    """A short text for one field in the one-line repr, or None to leave it out."""
    if isinstance(value, (bool, np.bool_, int, np.integer, str)) or value is None:
        text = repr(value)
        return text if len(text) <= 40 else None
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        return f"<array {'x'.join(map(str, value.shape))}>"
    return None


class Result:
    """Mixin of the result dataclasses (see the module docstring).

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> @dataclasses.dataclass(frozen=True, repr=False)
    ... class Gap(Result):
    ...     value: float
    ...     method: str
    ...     vector: np.ndarray
    >>> g = Gap(value=6.2056807e-3, method="dense", vector=np.array([1.0, np.inf]))
    >>> g
    Gap(value=0.00620568, method='dense', vector=<array 2>)
    >>> g.to_json()
    '{"value": 0.0062056807, "method": "dense", "vector": [1.0, null]}'
    >>> g.vector.flags.writeable
    False
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.flags.writeable:
                frozen = np.array(value, copy=True)
                frozen.flags.writeable = False
                object.__setattr__(self, f.name, frozen)

    # ------------------------------------------------------------------ text
    def summary(self) -> str:
        """A few lines for people; subclasses say more.

        Returns
        -------
        str
            Here the one-line ``repr``; ``str(result)`` is this text.
        """
        return repr(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        parts: List[str] = []
        used = len(type(self).__name__) + 2
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if not f.repr:
                continue
            text = _short(getattr(self, f.name))
            if text is None:
                continue
            item = f"{f.name}={text}"
            if used + len(item) + 2 > _REPR_WIDTH:
                parts.append("...")
                break
            parts.append(item)
            used += len(item) + 2
        return f"{type(self).__name__}({', '.join(parts)})"

    # ------------------------------------------------------------------ data
    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values of the fields (non-finite floats become ``None``).

        Returns
        -------
        dict
            Field name to plain JSON value (:func:`to_jsonable_fields`);
            matrices, landscapes, grids and callables are left out.
        """
        out = to_jsonable_fields(self)
        return out

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string (keyword arguments go to :func:`json.dumps`).

        Parameters
        ----------
        **kwargs
            Passed to :func:`json.dumps` (e.g. ``indent=2``).

        Returns
        -------
        str
            Strict JSON (``allow_nan=False``: no NaN or Infinity tokens).
        """
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def table(self) -> Optional[Tuple[Sequence[str], Sequence[Sequence[Any]]]]:
        """``(headers, rows)`` of the result's main table, or ``None`` (subclasses with a table override it).

        Returns
        -------
        tuple or None
            ``(headers, rows)``: column titles and one sequence of cells per
            row (used by ``_repr_html_``); ``None`` here.
        """
        return None

    def _repr_html_(self) -> str:
        table = self.table()
        title = html.escape(self.summary().splitlines()[0]) if self.summary() else type(self).__name__
        if table is None:
            return f"<pre>{html.escape(self.summary())}</pre>"
        headers, rows = table
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows)
        return f"<p>{title}</p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value)


def to_jsonable_fields(obj: Any) -> Dict[str, Any]:
    """The dataclass fields of ``obj`` as JSON-ready values (see :func:`~fpesolve._util.formatting.to_jsonable`).

    Parameters
    ----------
    obj : dataclass instance
        A result.

    Returns
    -------
    dict
        Field name to JSON value, for the fields not starting with ``_``
        and not heavy (matrices, callables, landscapes, grids).

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> @dataclasses.dataclass
    ... class R:
    ...     value: float
    ...     matrix: np.ndarray
    >>> to_jsonable_fields(R(np.float64(0.5), np.eye(2)))
    {'value': 0.5}
    """
    from .formatting import _is_heavy

    return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)
            if not f.name.startswith("_") and not _is_heavy(getattr(obj, f.name))}
