"""Choosing how :func:`~fpesolve.simulate_sgd` computes its gradients (private).

:func:`plan_run` picks the gradient source (numba per-sample gradients, a
finite-sum landscape's vectorised per-sample gradients, or a landscape's
:math:`L'` and :math:`\\Sigma`), the batch size, and the method (``"numba"``
or ``"numpy"``), compiling and probing the user's callables on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional

import numpy as np

from .._util.validation import positive_int
from ..core.landscape import Landscape, SampleGradients
from . import _compile as C
from ._inputs import check_user_function
from ._models import MODEL_NAMES, builtin_sample_grad
from ._numpy_stepper import bad_sigma_error, moments_gradient, per_sample_gradient
from ._sources import STATUS_BAD_SIGMA, BuiltinSamples
from .noise import NoiseModel, noise_model

__all__ = ["Plan", "plan_run", "failure_error", "NUMPY_STREAM", "N_PROBES"]

#: second word of the numpy stepper's seed (its stream differs from the kernels')
NUMPY_STREAM = 0x57E9
#: probe points on the domain (and as many among the initial positions) for checking compiled callables
N_PROBES = 32


@dataclass
class Plan:
    """How a run computes its stochastic gradients."""

    method: str                                   # "numba" or "numpy"
    noise: NoiseModel
    batch_size: Optional[int]
    description: str
    landscape: Optional[Landscape] = None
    gradients: Optional[SampleGradients] = None
    source: object = None                         # the kernel's source record (numba)
    numpy_gradient: Optional[Callable] = None     # the numpy stepper's gradient (numpy)
    kind: str = ""                                # "samples", "per-sample" or "moments"
    warning: Optional[str] = None


def _samples_batch_size(batch_size, landscape: Optional[Landscape], n: int) -> int:
    """B for minibatch noise: given, or the landscape's; raises when neither is known."""
    if batch_size is None:
        batch_size = landscape.batch_size if landscape is not None else None
        if batch_size is None:
            where = (f"landscape {landscape.name!r} carries none (its batch_size is None)" if landscape is not None
                     else "bare SampleGradients carry none")
            raise ValueError(f"`batch_size` is needed for minibatch noise and is not known: {where}; pass "
                             f"batch_size=B with 1 <= B <= n = {n}")
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size > n:
        raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {n}")
    return batch_size


def _probe_points(landscape: Landscape, x0: np.ndarray) -> np.ndarray:
    a, b = landscape.domain
    inner = a + (b - a) * (np.arange(N_PROBES) + 0.5) / N_PROBES
    starts = np.quantile(x0, np.linspace(0.0, 1.0, N_PROBES))
    return np.concatenate((inner, starts))


def _python_values(evaluate: Callable, points: np.ndarray, x0: np.ndarray):
    """(points, values) of a Python callable at the probes (only the starts if it fails on the domain)."""
    with np.errstate(all="ignore"):
        try:
            return points, evaluate(points)
        except Exception:
            starts = points[N_PROBES:]
            return starts, evaluate(starts)


def _checked(build, check):
    """``build(fresh)`` checked by ``check(source)``; a memoised build that fails the check is compiled again."""
    source = build(False)
    try:
        check(source)
    except C.CompileFailure:
        source = build(True)
        check(source)
    return source


def _numba_per_sample(landscape: Landscape, x0: np.ndarray, factor: float, check_sigma: bool):
    samples = landscape.samples
    points, expected = _python_values(lambda x: samples.evaluate("grads", x), _probe_points(landscape, x0), x0)

    def check(source):
        C.check_against(C.probe_per_sample(source, points), expected, "per-sample `grads`")
        if check_sigma:
            var = np.mean((expected - expected.mean(axis=0)) ** 2, axis=0) * factor
            C.check_against(var, landscape.sigma(points), "variance of the per-sample gradients (times the batch "
                            "factor), which is not the landscape's Sigma")

    return _checked(lambda fresh: C.per_sample_source(samples.grads, samples.n, factor, bool(landscape.replacement),
                                                      fresh=fresh), check)


def _numba_moments(landscape: Landscape, x0: np.ndarray):
    points, grad = _python_values(landscape.grad, _probe_points(landscape, x0), x0)
    sigma = landscape.sigma(points)

    def check(source):
        g, s = C.probe_moments(source, points)
        C.check_against(g, grad, "`grad`")
        C.check_against(s, sigma, "`sigma`")

    return _checked(lambda fresh: C.moments_source(landscape.grad_function, landscape.sigma_function, fresh=fresh),
                    check)


def _fallback(method: Optional[str], reasons: List[str], what: str) -> str:
    """The PerformanceWarning text (or the error for ``method="numba"``)."""
    why = "; ".join(reasons)
    if method == "numba":
        raise TypeError(f"`method='numba'` but numba cannot run {what}: {why}. Give numba-compilable vectorised "
                        f"callables, or pass method='numpy'")
    return (f"simulate_sgd: numba cannot run {what} ({why}); stepping the walkers with numpy instead (slower, the "
            f"same law; pass method='numpy' to choose it explicitly)")


def plan_run(landscape: Optional[Landscape], gradients: Optional[SampleGradients], noise: Optional[str],
             batch_size, method: Optional[str], x0: np.ndarray) -> Plan:
    """The :class:`Plan` of a run (see the module docstring); raises for inputs that have none."""
    has_samples = gradients is not None or (landscape is not None and landscape.samples is not None)
    if noise is None:
        if not has_samples:
            raise ValueError(f"`noise` must be given for landscape {landscape.name!r}: it has no per-sample "
                             f"gradients, so real minibatches ('samples') are not available; choose 'gaussian' or "
                             f"'two-point' (they need only L' and Sigma)")
        noise = "samples"
    nm = noise_model(noise)

    # 1. numba per-sample gradients func(x, i, params)
    if gradients is not None and method != "numpy":
        B = _samples_batch_size(batch_size, landscape, gradients.n)
        if gradients.func is builtin_sample_grad:
            source = BuiltinSamples(gradients.params, gradients.n)
            desc = f"built-in model {MODEL_NAMES[int(gradients.params[0])]!r}, n = {gradients.n}"
        else:
            check_user_function(gradients, float(x0[0]))
            try:
                source = C.user_samples_source(gradients.func, gradients.params, gradients.n)
            except C.CompileFailure as exc:
                raise TypeError(str(exc)) from None
            desc = f"numba per-sample gradient {gradients.func.__name__!r}, n = {gradients.n}"
        return Plan("numba", nm, B, desc, landscape, gradients, source=source, kind="samples")
    if landscape is None:
        raise ValueError("`method='numpy'` steps a Landscape's vectorised callables; bare SampleGradients run only in "
                         "numba (method=None or 'numba')")

    # 2. real minibatches from a finite-sum landscape's per-sample gradients
    if nm.name == "samples":
        samples = landscape.samples
        if samples is None:
            raise ValueError(f"`noise='samples'` needs per-sample gradients, and landscape {landscape.name!r} has "
                             f"none: build it with Landscape.from_samples(...), pass gradients=SampleGradients(...), "
                             f"or choose noise='gaussian' or 'two-point'")
        B = _samples_batch_size(batch_size, landscape, samples.n)
        if landscape.replacement is None:
            raise ValueError(f"landscape {landscape.name!r} does not say whether minibatches are drawn with "
                             f"replacement (its replacement is None); build it with "
                             f"Landscape.from_samples(..., replacement=True or False)")
        replacement = bool(landscape.replacement)
        desc = (f"per-sample gradients of {landscape.name!r}, n = {samples.n}, "
                f"{'with' if replacement else 'without'} replacement")
        numpy_gradient = per_sample_gradient(samples, B, replacement)
        if method != "numpy":
            try:
                source = _numba_per_sample(landscape, x0, 1.0, check_sigma=False)
                return Plan("numba", nm, B, desc + ", compiled", landscape, source=source, kind="per-sample")
            except C.CompileFailure as exc:
                warning = _fallback(method, [str(exc)], f"the per-sample gradients of {landscape.name!r}")
                return Plan("numpy", nm, B, desc, landscape, numpy_gradient=numpy_gradient, kind="per-sample",
                            warning=warning)
        return Plan("numpy", nm, B, desc, landscape, numpy_gradient=numpy_gradient, kind="per-sample")

    # 3. L' + sqrt(Sigma) xi with the landscape's per-step Sigma
    if batch_size is not None and batch_size != landscape.batch_size:
        raise ValueError(f"`batch_size` = {batch_size!r} does not apply: noise={nm.name!r} steps L' + sqrt(Sigma) xi "
                         f"with the per-step Sigma of landscape {landscape.name!r}, which is already divided by its "
                         f"batch size (batch_size = {landscape.batch_size}); omit `batch_size`, or build the "
                         f"landscape for the batch size you want")
    B = landscape.batch_size
    desc = f"L' and Sigma of {landscape.name!r}"
    numpy_gradient = moments_gradient(landscape, nm.draw)
    if method == "numpy":
        return Plan("numpy", nm, B, desc, landscape, numpy_gradient=numpy_gradient, kind="moments")
    reasons = []
    samples = landscape.samples
    if samples is not None and B is not None and landscape.replacement is not None:
        factor = 1.0 / B
        if not landscape.replacement:
            factor *= (samples.n - B) / (samples.n - 1)
        try:
            source = _numba_per_sample(landscape, x0, factor, check_sigma=True)
            return Plan("numba", nm, B, f"L' and Sigma of {landscape.name!r} from its n = {samples.n} per-sample "
                        f"gradients, compiled", landscape, source=source, kind="per-sample")
        except C.CompileFailure as exc:
            reasons.append(str(exc))
    try:
        source = _numba_moments(landscape, x0)
        return Plan("numba", nm, B, desc + ", compiled", landscape, source=source, kind="moments")
    except C.CompileFailure as exc:
        reasons.append(str(exc))
    warning = _fallback(method, reasons, f"the gradients of {landscape.name!r}")
    return Plan("numpy", nm, B, desc, landscape, numpy_gradient=numpy_gradient, kind="moments", warning=warning)


# ----------------------------------------------------------------------------- errors found inside the kernel
def _python_check(plan: Plan, x: np.ndarray) -> None:
    """Evaluate the Python version of the plan's gradients at ``x`` (raises what the user's code raises)."""
    if plan.kind == "moments":
        plan.landscape.grad(x)
        plan.landscape.sigma(x)
    elif plan.kind == "per-sample":
        plan.landscape.samples.evaluate("grads", x)
        if plan.noise.name != "samples":
            plan.landscape.sigma(x)
    else:
        for xi in x:
            for i in range(plan.gradients.n):
                plan.gradients.func(float(xi), i, plan.gradients.params)


def failure_error(plan: Plan, status: int, bad_x: np.ndarray, t: int) -> Exception:
    """The exception for a kernel that stopped with ``status`` at iteration ``t`` (lane positions ``bad_x``)."""
    x = bad_x[np.isfinite(bad_x)]
    if status == STATUS_BAD_SIGMA:
        s = plan.landscape.sigma(x)
        bad = ~(s >= 0.0)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            return bad_sigma_error(plan.landscape, float(x[k]), float(s[k]), t)
        return RuntimeError(f"the numba-compiled Sigma of {plan.landscape.name!r} was negative or NaN at iteration "
                            f"{t} near x in [{x.min():.6g}, {x.max():.6g}] where numpy's is not; pass method='numpy'")
    try:
        _python_check(plan, x)
    except Exception as exc:
        err = RuntimeError(f"the gradient ({plan.description}) raised {type(exc).__name__} at a walker position in "
                           f"[{x.min():.6g}, {x.max():.6g}] at iteration {t}: {exc}")
        err.__cause__ = exc
        return err
    return RuntimeError(f"the numba-compiled gradient ({plan.description}) raised an exception at iteration {t} near "
                        f"x in [{x.min():.6g}, {x.max():.6g}] where the Python function does not; pass "
                        f"method='numpy'")
