"""Random numbers as in SPEC 7: one ``rng`` argument, the same meaning everywhere.

``rng`` may be ``None`` (fresh entropy from the operating system: a new
stream at every call), an ``int`` (a reproducible stream), or a
:class:`numpy.random.Generator` (used as it is, and advanced).
"""

from __future__ import annotations

from typing import Union

import numpy as np

__all__ = ["RNGLike", "as_generator", "kernel_seed"]

RNGLike = Union[None, int, np.integer, np.random.Generator]


def as_generator(rng: RNGLike, name: str = "rng") -> np.random.Generator:
    """A :class:`numpy.random.Generator` from ``None``, an int or a Generator.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        ``None``: fresh entropy from the operating system; an int >= 0: a
        reproducible stream (``numpy.random.default_rng(rng)``); a
        Generator: returned as it is (and advanced by the caller's draws).
    name : str
        The parameter name quoted in the error messages.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        For anything else (a bool, a float, a legacy ``RandomState``).
    ValueError
        For a negative int.

    Examples
    --------
    >>> a, b = as_generator(7), as_generator(7)
    >>> bool(a.random() == b.random())
    True
    >>> g = np.random.default_rng(1)
    >>> as_generator(g) is g
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)):
        raise TypeError(f"`{name}` must be None, an int or a numpy.random.Generator, got {rng!r}")
    if int(rng) < 0:
        raise ValueError(f"`{name}` must be a non-negative int (a seed), got {rng!r}")
    return np.random.default_rng(int(rng))


def kernel_seed(rng: RNGLike, name: str = "rng") -> int:
    """A 63-bit seed for the numba kernels' own generators, drawn from ``rng``.

    An int ``rng`` is used as the seed itself (so ``rng=7`` means the same
    stream in every function); ``None`` and Generators give a fresh seed.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        As for :func:`as_generator`.
    name : str
        The parameter name quoted in the error messages.

    Returns
    -------
    int
        A seed in :math:`[0, 2^{63})`.

    Raises
    ------
    TypeError, ValueError
        As :func:`as_generator`; an int outside :math:`[0, 2^{63})` is a ``ValueError``.

    Examples
    --------
    >>> kernel_seed(7)
    7
    >>> 0 <= kernel_seed(np.random.default_rng(0)) < 2**63
    True
    """
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if not 0 <= int(rng) < 2 ** 63:
            raise ValueError(f"`{name}` must be an int in [0, 2**63), got {rng!r}")
        return int(rng)
    return int(as_generator(rng, name).integers(0, 2 ** 63 - 1))
