r"""Compiling a user's functions for the SGD kernel (private).

The kernel receives user functions as first-class function values of fixed
signatures (``numba.cfunc``), so the kernel itself is compiled once and
cached on disk, and a new user function costs only its own compilation
(a fraction of a second to ~2 s, once per process and function).  The
wrappers ("adapters") made here

* call the user's function on a block of ``LANES`` walkers and write the
  result into the kernel's buffers, turning any exception into a status
  (exceptions cannot cross a ``cfunc``),
* use ``error_model="numpy"`` for vectorised landscape callables (division
  by zero gives inf/nan, as in numpy),
* are checked against the Python functions at probe points before every
  run (:func:`check_against`): a compiled function that disagrees (numba
  semantics differing from numpy's, constants frozen at compile time that
  have changed since) is not used.

Nothing here rebinds module globals: every adapter is a fresh closure.
Compiled adapters are memoised per user function (:data:`_MEMO`) for the
process; the probe check still runs at every call (``fresh=True`` compiles
again, after a memoised adapter failed it).
"""

from __future__ import annotations

from typing import Callable, Dict, Tuple

import numpy as np
from numba import cfunc, njit, types
from numba.core.registry import CPUDispatcher
from numba.extending import overload

from ._rng import LANES
from ._sources import Moments, PerSample, UserSamples

__all__ = ["CompileFailure", "moments_source", "per_sample_source", "user_samples_source", "check_against",
           "probe_moments", "probe_per_sample", "PROBE_RTOL"]

_F8 = types.float64[::1]
_RO_F8 = types.Array(types.float64, 1, "C", readonly=True)
_F8_2D = types.float64[:, ::1]
_I8 = types.int64[::1]
LANE_SIGNATURE = types.int64(_F8, _I8, _RO_F8, _F8)
ALL_SIGNATURE = types.int64(_F8, _RO_F8, _F8_2D)
MOMENTS_SIGNATURE = types.int64(_F8, _F8, _F8)
PER_SAMPLE_SIGNATURE = types.int64(_F8, _F8_2D)

#: compiled and numpy values must agree to this relative tolerance (of the largest value probed):
#: numba's and numpy's elementary functions differ by a few ulp, frozen or different constants by far more
PROBE_RTOL = 1e-10

_MEMO: Dict[Tuple, object] = {}
_MEMO_MAX = 64


class CompileFailure(Exception):
    """numba cannot compile (or would change) a user's function; ``str()`` says why."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def _jit(func: Callable, what: str):
    """A numba dispatcher for a vectorised Python callable (numpy error model)."""
    if isinstance(func, CPUDispatcher):
        return func
    if not hasattr(func, "__code__"):
        raise CompileFailure(f"{what} is a {type(func).__name__}, not a Python function numba can compile")
    return njit(error_model="numpy")(func)


def _memo(key, build, fresh: bool = False):
    if fresh:
        _MEMO.pop(key, None)
    if key not in _MEMO:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = build()
    return _MEMO[key]


def _compile(adapter, signature, what: str):
    try:
        return cfunc(signature, error_model="numpy")(adapter)
    except Exception as exc:  # numba raises many kinds (TypingError, UnsupportedError, AttributeError ...)
        raise CompileFailure(f"numba could not compile {what}: {_first_line(exc)}") from None


def copy_into(out, values):  # pragma: no cover - replaced in numba
    """Copy a user function's result into a kernel buffer; 0, or 1 for a result of the wrong size (numba only)."""
    raise NotImplementedError("copy_into runs inside numba only")


@overload(copy_into)
def _copy_into(out, values):
    """The copies an adapter needs, chosen by the type of the user's result.

    A number fills the buffer (``Landscape`` broadcasts a scalar result);
    a 1-D array of the buffer's size, or of size 1, is copied (or
    broadcast); a 2-D result must have the buffer's shape.  Explicit loops:
    numba's broadcasting assignment inside ``try`` takes seconds to compile.
    """
    if isinstance(values, types.Number):
        def fill(out, values):
            v = float(values)
            for j in range(out.size):
                out.flat[j] = v
            return 0
        return fill
    if isinstance(values, types.Array) and values.ndim == 1 and out.ndim == 1:
        def copy1(out, values):
            if values.size == out.size:
                for j in range(out.size):
                    out[j] = values[j]
                return 0
            if values.size == 1:
                v = values[0]
                for j in range(out.size):
                    out[j] = v
                return 0
            return 1
        return copy1
    if isinstance(values, types.Array) and values.ndim == 2 and out.ndim == 2:
        def copy2(out, values):
            if values.shape[0] != out.shape[0] or values.shape[1] != out.shape[1]:
                return 1
            for i in range(out.shape[0]):
                for j in range(out.shape[1]):
                    out[i, j] = values[i, j]
            return 0
        return copy2
    return None


# ----------------------------------------------------------------------------- sources
def user_samples_source(func, params: np.ndarray, n: int, fresh: bool = False) -> UserSamples:
    """A user's numba ``func(x, i, params)`` as the lane functions of :class:`UserSamples`."""

    def build():
        def lane_grads(xs, idx, params, out):
            try:
                for j in range(xs.size):
                    out[j] = func(xs[j], idx[j], params)
            except Exception:
                return 1
            return 0

        def all_grads(xs, params, buf):
            try:
                for i in range(buf.shape[0]):
                    for j in range(xs.size):
                        buf[i, j] = func(xs[j], i, params)
            except Exception:
                return 1
            return 0

        name = f"per-sample gradient {getattr(func, '__name__', func)!r}"
        return (_compile(lane_grads, LANE_SIGNATURE, name), _compile(all_grads, ALL_SIGNATURE, name))

    lane, all_ = _memo(("samples", func), build, fresh)
    return UserSamples(lane, all_, params, int(n))


def moments_source(grad: Callable, sigma: Callable, fresh: bool = False) -> Moments:
    r"""The landscape's vectorised :math:`L'` and :math:`\Sigma` callables compiled as :class:`Moments`."""

    def build():
        gj = _jit(grad, "`grad`")
        sj = _jit(sigma, "`sigma`")

        def moments(xs, g, s):
            try:
                if copy_into(g, gj(xs)) != 0:
                    return 1
                return copy_into(s, sj(xs))
            except Exception:
                return 1

        return _compile(moments, MOMENTS_SIGNATURE, "the landscape's `grad` and `sigma`")

    return Moments(_memo(("moments", grad, sigma), build, fresh))


def per_sample_source(grads: Callable, n: int, factor: float, replacement: bool, fresh: bool = False) -> PerSample:
    """The vectorised per-sample gradients ``grads(x) -> (n, m)`` compiled as :class:`PerSample`."""

    def build():
        gj = _jit(grads, "the per-sample `grads`")

        def per_sample(xs, buf):
            try:
                return copy_into(buf, gj(xs))
            except Exception:
                return 1

        return _compile(per_sample, PER_SAMPLE_SIGNATURE, "the per-sample `grads`")

    return PerSample(_memo(("per-sample", grads), build, fresh), int(n), float(factor), bool(replacement))


# ----------------------------------------------------------------------------- probes
@njit(cache=True)
def _probe_moments(fn, xs, g, s):
    return fn(xs, g, s)


@njit(cache=True)
def _probe_per_sample(fn, xs, buf):
    return fn(xs, buf)


def _blocks(x: np.ndarray):
    """``x`` (float64) in blocks of exactly ``LANES`` points (the last padded with its first point)."""
    for lo in range(0, x.size, LANES):
        block = np.full(LANES, x[lo])
        part = x[lo:lo + LANES]
        block[:part.size] = part
        yield block, part.size


def probe_moments(source: Moments, x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(L', Sigma) at ``x`` from the compiled source; raises CompileFailure if the compiled code raised."""
    g_all, s_all = [], []
    for block, m in _blocks(x):
        g, s = np.empty(LANES), np.empty(LANES)
        if _probe_moments(source.moments, block, g, s) != 0:
            raise CompileFailure("the numba-compiled `grad`/`sigma` raised an exception, or returned an array of another shape, where numpy did not")
        g_all.append(g[:m])
        s_all.append(s[:m])
    return np.concatenate(g_all), np.concatenate(s_all)


def probe_per_sample(source: PerSample, x: np.ndarray) -> np.ndarray:
    """The per-sample gradients (n, len(x)) at ``x`` from the compiled source."""
    out = []
    for block, m in _blocks(x):
        buf = np.empty((source.n, LANES))
        if _probe_per_sample(source.grads, block, buf) != 0:
            raise CompileFailure("the numba-compiled per-sample `grads` raised an exception, or returned an array of another shape, where numpy did not")
        out.append(buf[:, :m])
    return np.concatenate(out, axis=1)


def check_against(compiled: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Raise CompileFailure unless the compiled values equal numpy's to :data:`PROBE_RTOL`."""
    compiled = np.asarray(compiled, dtype=float)
    expected = np.broadcast_to(np.asarray(expected, dtype=float), compiled.shape)
    finite = np.isfinite(expected)
    scale = float(np.max(np.abs(expected[finite]))) if finite.any() else 0.0
    ok = np.isclose(compiled, expected, rtol=PROBE_RTOL, atol=PROBE_RTOL * scale, equal_nan=True)
    if not ok.all():
        k = np.unravel_index(int(np.flatnonzero(~ok.ravel())[0]), ok.shape)
        raise CompileFailure(f"the numba-compiled {what} gives {compiled[k]!r} where numpy gives {expected[k]!r} "
                             f"(relative tolerance {PROBE_RTOL:g}); numba's semantics differ from numpy's for it, "
                             f"or it reads globals that changed after compilation")
