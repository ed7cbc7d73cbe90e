"""Landscapes: closed forms, finite sums, label noise, critical points, bad input."""

import numpy as np
import pytest

from fpesolve import Grid, Landscape


def double_well(**kw):
    return Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5),
                     loss=lambda x: x**4 / 4 - x**2 / 2, **kw)


def test_critical_points_of_tilted_double_well_match_cubic_roots():
    tilt = 0.1
    land = Landscape(grad=lambda x: x**3 - x + tilt, sigma=lambda x: 1 + 0 * x, domain=(-3, 3))
    roots = np.sort(np.roots([1, 0, -1, tilt]).real)
    cps = land.critical_points()
    assert [cp.kind for cp in cps] == ["minimum", "saddle", "minimum"]
    np.testing.assert_allclose([cp.x for cp in cps], roots, rtol=0, atol=1e-14)
    # H by central differences of grad (no hess given): second order, step ~6e-6 -> error ~1e-10
    np.testing.assert_allclose([cp.hess for cp in cps], 3 * roots**2 - 1, rtol=1e-8)
    assert land.derivative_sources["hess"].startswith("central finite differences")


def test_loss_by_quadrature_when_not_given():
    land = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0 * x, domain=(-2, 2))
    x = np.array([-1.5, 0.3, 1.0])
    np.testing.assert_allclose(land.loss(x), x**4 / 4 - x**2 / 2, rtol=0, atol=1e-14)


def test_from_samples_gives_mean_gradient_and_variance_over_batch():
    shifts = np.array([-1.0, 0.5, 2.0, -0.25])

    def losses(x):
        return 0.5 * (x[None, :] - shifts[:, None]) ** 2 * (1 + np.arange(4))[:, None]

    def grads(x):
        return (x[None, :] - shifts[:, None]) * (1 + np.arange(4))[:, None]

    land = Landscape.from_samples(losses, grads, (-3, 3), batch_size=2)
    x = np.linspace(-2, 2, 7)
    g = grads(x)
    np.testing.assert_allclose(land.grad(x), g.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(land.sigma(x), g.var(axis=0) / 2, rtol=1e-13)
    without = Landscape.from_samples(losses, grads, (-3, 3), batch_size=2, replacement=False)
    # finite-population correction (n - B)/(n - 1) = 2/3
    np.testing.assert_allclose(without.sigma(x), g.var(axis=0) / 2 * (2 / 3), rtol=1e-13)
    assert land.samples.n == 4


def test_from_model_label_noise_adds_sigma2_mean_fprime_squared_over_b():
    xs = np.array([0.5, 1.0, 2.0])
    ys = np.array([1.0, 1.5, 2.5])

    def outputs(w):
        return np.tanh(w[None, :] * xs[:, None])

    def output_grads(w):
        return xs[:, None] / np.cosh(w[None, :] * xs[:, None]) ** 2

    clean = Landscape.from_model(outputs, output_grads, ys, (-3, 3), batch_size=3)
    noisy = Landscape.from_model(outputs, output_grads, ys, (-3, 3), label_noise_std=0.5, batch_size=3)
    w = np.linspace(-1, 1, 5)
    extra = 0.25 * np.mean(output_grads(w) ** 2, axis=0) / 3     # sigma^2 = 0.5^2
    np.testing.assert_allclose(noisy.sigma(w) - clean.sigma(w), extra, rtol=1e-12)
    resid = outputs(w) - ys[:, None]
    np.testing.assert_allclose(clean.grad(w), np.mean(resid * output_grads(w), axis=0), rtol=1e-14)
    # the 0.1 keyword `label_noise` was the variance: it still works, with a warning that gives the std to pass
    with pytest.warns(FutureWarning, match=r"pass label_noise_std=sqrt\(0\.25\) = 0\.5"):
        old = Landscape.from_model(outputs, output_grads, ys, (-3, 3), label_noise=0.25, batch_size=3)
    np.testing.assert_array_equal(old.sigma(w), noisy.sigma(w))
    with pytest.raises(TypeError, match="got both `label_noise_std` and `label_noise`"):
        Landscape.from_model(outputs, output_grads, ys, (-3, 3), label_noise_std=0.0, label_noise=0.25)
    with pytest.raises(ValueError, match="`label_noise` .the variance sigma.2; deprecated.* must be >= 0"):
        Landscape.from_model(outputs, output_grads, ys, (-3, 3), label_noise=-0.25)


@pytest.mark.parametrize("domain", [(1.0, 1.0), (2.0, -2.0), (0.0, np.inf)])
def test_bad_domain(domain):
    with pytest.raises(ValueError, match="domain"):
        Landscape(grad=lambda x: x, sigma=lambda x: 1 + 0 * x, domain=domain)


def test_checked_sigma_names_the_bad_point():
    land = Landscape(grad=lambda x: x, sigma=lambda x: x, domain=(-1, 1))
    with pytest.raises(ValueError, match=r"Sigma\(-0\.5\) = -0\.5"):
        land.checked_sigma(np.array([0.5, -0.5]))


def test_batch_size_larger_than_n():
    with pytest.raises(ValueError, match="batch_size"):
        Landscape.from_samples(lambda x: np.vstack([x, x]), lambda x: np.vstack([x, -x]), (-1, 1), batch_size=3)


def test_grid_constructors_and_errors():
    g = Grid.uniform(-1, 1, 4)
    np.testing.assert_allclose(g.centres, [-0.75, -0.25, 0.25, 0.75])
    assert g.is_uniform and g.n == 4
    r = Grid.refined(-2.5, 2.5, 200, [-1, 0, 1])
    assert not r.is_uniform and r.domain == (-2.5, 2.5)
    # refinement concentrates cells: the smallest cell sits near a refinement point
    assert np.min(np.abs(r.centres[np.argmin(r.widths)] - np.array([-1, 0, 1]))) < 0.1
    with pytest.raises(ValueError, match="strictly increasing"):
        Grid.from_edges([0, 1, 1, 2])
    with pytest.raises(ValueError, match="not inside the domain"):
        Grid.uniform(-3, 3, 10).check_inside((-2.5, 2.5))


# ----------------------------------------------------------------- results and user functions
def test_critical_point_is_a_result_with_the_documented_fields():
    import json

    cp = double_well().minima()[0]
    assert list(json.loads(cp.to_json())) == ["x", "kind", "loss", "hess", "sigma", "at_wall"]
    assert repr(cp).startswith("CriticalPoint(x=-1, kind='minimum'") and "\n" not in repr(cp)
    assert str(cp).startswith("minimum  x=-1")
    assert cp.sigma_over_hess == pytest.approx(cp.sigma / cp.hess, rel=1e-15)


def test_sign_change_through_a_pole_is_not_a_critical_point():
    from fpesolve import IllPosedError

    land = Landscape(grad=lambda x: 1.0 / (x - 0.30001), sigma=lambda x: np.ones_like(x), domain=(-1, 1))
    with pytest.raises(IllPosedError, match="`grad` .*pole near x = 0.3000"):
        land.critical_points()


def test_user_functions_only_ever_see_flat_float_arrays():
    seen = []

    def sigma(x):
        seen.append((x.ndim, x.dtype))
        return 1.0 + 0.0 * x

    land = Landscape(grad=lambda x: x, sigma=sigma, domain=(-1, 1))
    out = land.sigma(np.zeros((3, 4), dtype=int))
    assert out.shape == (3, 4) and set(seen) == {(1, np.dtype(float))}


def test_constant_returned_as_a_scalar_is_broadcast():
    land = Landscape(grad=lambda x: x, sigma=lambda x: 2.0, domain=(-1, 1))
    np.testing.assert_array_equal(land.sigma(np.array([0.1, 0.2, 0.3])), [2.0, 2.0, 2.0])


def test_complex_values_with_zero_imaginary_part_are_accepted():
    land = Landscape(grad=lambda x: x + 0j, sigma=lambda x: np.ones_like(x), domain=(-1, 1))
    np.testing.assert_array_equal(land.grad(np.array([0.5])), [0.5])


def test_a_function_failing_at_one_point_is_reported_there():
    def grad(x):
        if np.any(x > 0.7):
            raise ZeroDivisionError("boom")
        return x

    land = Landscape(grad=grad, sigma=lambda x: np.ones_like(x), domain=(-1, 1))    # probes -0.5, 0, 0.5 pass
    with pytest.raises(ValueError, match=r"`grad` of landscape 'landscape' raised ZeroDivisionError: boom at x = 0\.8"):
        land.grad(np.array([0.1, 0.2, 0.8, 0.9]))


def test_from_samples_carries_what_later_computations_need():
    shifts = np.array([-1.0, 0.5, 2.0])

    def grads(x):
        return x[None, :] - shifts[:, None]

    land = Landscape.from_samples(lambda x: 0.5 * grads(x) ** 2, grads, (-3, 3), batch_size=2, replacement=False)
    assert (land.batch_size, land.replacement, land.n_samples) == (2, False, 3)
    assert land.samples.evaluate("grads", np.array([0.0])).shape == (3, 1)
    with pytest.raises(ValueError, match="per-sample `hessians` were not given"):
        land.samples.evaluate("hessians", np.array([0.0]))
    plain = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-1, 1))
    assert (plain.batch_size, plain.replacement, plain.n_samples, plain.samples) == (None, None, None, None)
