"""Issue 13, item 5, from the user's side: Sigma = 0 inside the domain is handled the same documented way by
every condition (N1, N3 and Remark 4.3 'not applicable' with one reason; N2, N4, G1-G4 still evaluated), and the
functions called directly raise IllPosedError instead of failing in a quadrature with wrong advice."""

import numpy as np
import pytest

from fpesolve import IllPosedError, Landscape, diagnose
from fpesolve.failure_modes import check_n1, check_n3, three_level_bounds
from fpesolve.failure_modes._sigma import sigma_zeros
from fpesolve.failure_modes.constructions import construction

A = 0.3    # per-sample tilt: l_{1,2}' = x^3 - x +- A x, both vanish at the saddle x = 0


def saddle_zero_landscape(hessians=True):
    """Two samples whose gradients both vanish at the saddle: Sigma = A^2 x^2 = 0 there."""
    def losses(x):
        base = x ** 4 / 4 - x ** 2 / 2
        return np.stack((base + A * x ** 2 / 2, base - A * x ** 2 / 2))

    def grads(x):
        return np.stack((x ** 3 - x + A * x, x ** 3 - x - A * x))

    kw = dict(hessians=lambda x: np.stack((3 * x ** 2 - 1 + A, 3 * x ** 2 - 1 - A))) if hessians else {}
    return Landscape.from_samples(losses, grads, (-2.3, 2.1), name="saddle with no noise", **kw)


def test_the_reported_failure_now_reads_not_applicable():
    land = saddle_zero_landscape()
    report = diagnose(land, eta=0.1, n_iterations=10_000)
    reason = report.status("N1").reason
    assert report.status("N1").status == "not applicable"
    assert report.status("N3").status == "not applicable"
    assert report.status("N3").reason == reason                     # the same sentence for every condition
    assert "Sigma vanishes inside the domain" in reason and "x = " in reason
    assert "shrink the domain" not in report.summary()
    assert report.status("N2").status == "holds"                  # local: per-sample Hessians at the minima
    assert report.status("N4").status in ("holds", "violated", "not applicable")
    assert report.n4 is not None and report.goodness is not None
    assert report.three_level is None                             # it needs the stationary law
    assert report.sigma_zeros and abs(report.sigma_zeros[0]) < 1e-6
    assert report.to_dict()["sigma_zeros"] == list(report.sigma_zeros)


def test_the_direct_calls_raise_ill_posed_error_with_the_same_reason():
    land = saddle_zero_landscape()
    for call in (lambda: check_n1(land, 0.1, 1000, grid=200), lambda: check_n3(land, 0.1),
                 lambda: three_level_bounds(land, 0.1, good=["min0"])):
        with pytest.raises(IllPosedError, match="Sigma vanishes inside the domain.*'not applicable'"):
            call()
    with pytest.raises(ValueError):            # IllPosedError is a ValueError (the CLI maps it to exit 2)
        check_n3(land, 0.1)


def test_two_interpolating_minima_make_n3_not_applicable_rather_than_an_error():
    # l_i = c_i (x^2 - 1)^2 / 4: every per-sample gradient vanishes at both minima x = +-1 (and at 0)
    c = np.array([[0.5], [1.5]])
    land = Landscape.from_samples(lambda x: c * (x ** 2 - 1) ** 2 / 4, lambda x: c * (x ** 3 - x), (-2.0, 2.0),
                                  hessians=lambda x: c * (3 * x ** 2 - 1))
    report = diagnose(land, eta=0.05, n_iterations=1000, gaps=[0.1, 0.2])
    assert report.status("N1").status == report.status("N3").status == "not applicable"
    assert report.status("N2").status == "holds"
    assert report.goodness.minima[0].interpolating is True
    assert report.goodness.minima[0].jacobian_complexity == pytest.approx(np.sqrt(2.0), rel=1e-9)   # sqrt(H)


def test_f2_and_positive_landscapes():
    assert sigma_zeros(construction("f2")) == (0.0,)
    assert diagnose(construction("f2")).status("N1").reason.startswith("Sigma vanishes inside the domain")
    for name in ("f1", "f4", "healthy"):
        assert sigma_zeros(construction(name)) == ()
    # a Sigma vanishing only at a domain end is a singular end, not an interior zero
    jac = Landscape(grad=lambda x: x - 0.5, sigma=lambda x: x * (1 - x), domain=(0.0, 1.0))
    assert sigma_zeros(jac) == ()


def test_a_zero_between_scan_points_is_found():
    # Sigma = (x - x0)^2 + 0 with x0 off the scan grid: the bounded refinement finds it
    x0 = 0.123456789
    land = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: (x - x0) ** 2, domain=(-2.0, 2.0))
    zeros = sigma_zeros(land)
    assert len(zeros) == 1 and zeros[0] == pytest.approx(x0, abs=1e-5)
