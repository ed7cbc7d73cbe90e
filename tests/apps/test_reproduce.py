"""Tests for `fpesolve reproduce` (fpesolve.reproduce): exact values against independent computations,
figures, JSON output, item selection and the CLI.

The reproductions run in quick mode once per module (about 20 s together).
"""

import json
import math

import numpy as np
import pytest
from scipy import integrate

from fpesolve import cli
from fpesolve.failure_modes.constructions import construction
from fpesolve.core.passage import mean_first_passage_time
from fpesolve.apps.reproduce import (ClaimRow, Reproduction, main, reproduce_f1, reproduce_f2, reproduce_f3,
                                reproduce_f4)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    return tmp_path_factory.mktemp("reproduce")


@pytest.fixture(scope="module")
def f1(outdir):
    return reproduce_f1(quick=True, out=str(outdir))


@pytest.fixture(scope="module")
def f2(outdir):
    return reproduce_f2(quick=True, out=str(outdir))


@pytest.fixture(scope="module")
def f3(outdir):
    return reproduce_f3(quick=True, out=str(outdir))


@pytest.fixture(scope="module")
def f4(outdir):
    return reproduce_f4(quick=True, out=str(outdir))


def row(rep: Reproduction, prefix: str) -> ClaimRow:
    hits = [r for r in rep.rows if r.quantity.startswith(prefix)]
    assert len(hits) == 1, f"{prefix!r} matches {[r.quantity for r in hits]}"
    return hits[0]


def quad_barrier(c, x_min, x_saddle):
    """int_{x_min}^{x_saddle} L'/Sigma by adaptive quadrature (independent of the package's panels)."""
    f = lambda x: float(c.grad(np.array([x]))[0] / c.sigma(np.array([x]))[0])  # noqa: E731
    value, _ = integrate.quad(f, x_min, x_saddle, epsabs=1e-13, epsrel=1e-13, limit=400)
    return value


def grid_basin_probabilities(c, eta, n=200_001):
    """Basin masses from a fine trapezoid grid: Phi = cumulative int L'/Sigma, p ~ exp(-2 Phi/eta)/Sigma."""
    a, b = c.domain
    x = np.linspace(a, b, n)
    r = c.grad(x) / c.sigma(x)
    phi = np.concatenate(([0.0], np.cumsum(0.5 * (r[1:] + r[:-1]) * np.diff(x))))
    logp = -(2.0 / eta) * phi - np.log(c.sigma(x))
    p = np.exp(logp - logp.max())
    saddle = c.saddles()[0].x
    w = np.concatenate(([0.0], 0.5 * (p[1:] + p[:-1]) * np.diff(x)))
    cum = np.cumsum(w)
    left = np.interp(saddle, x, cum)
    return left / cum[-1], 1.0 - left / cum[-1]


# ---------------------------------------------------------------------------------------------- F1
def test_f1_escape_iterations_equal_independent_mfpt(f1):
    c = construction("f1")
    eta = c.eta
    mfpt = mean_first_passage_time(c, eta, c.wells["B"], c.wells["A"])
    expected = mfpt.log10_time - math.log10(eta)          # T/eta iterations
    r = row(f1, "log10 escape iterations B -> A (exact)")
    assert r.exact == pytest.approx(expected, abs=1e-9)
    # the paper's column is its own formula (1/eta) exp(2 * 12.5 / eta), not the exact value
    assert r.paper == pytest.approx(2.0 + 2500.0 / math.log(10.0), abs=1e-9)
    assert r.ratio == pytest.approx(r.exact - r.paper)
    assert r.exact > r.paper + 50          # Sigma falls along the path: the exact barrier is higher


def test_f1_barrier_equals_adaptive_quadrature(f1):
    c = construction("f1")
    saddle = c.saddles()[0].x
    r = row(f1, "V_eff barrier from B")
    assert r.paper == 12.5
    assert r.exact == pytest.approx(quad_barrier(c, c.wells["B"], saddle), rel=1e-10)
    assert r.exact > 12.5


def test_f1_verdict_and_simulation(f1):
    assert f1.ok, [c.description for c in f1.checks if not c.passed]
    assert f1.violated == ("N1",)
    assert row(f1, "fraction escaped from B").simulated == 0.0
    mix = row(f1, "log10 t_mix from B")
    assert math.isfinite(mix.exact) and mix.exact > 1000


# ---------------------------------------------------------------------------------------------- F2
def test_f2_lyapunov_exponent_is_exact(f2):
    r = row(f2, "Lambda(eta = 0.15)")
    assert abs(r.exact - 0.5 * math.log(1.7 * 0.7)) < 1e-14
    assert r.paper == pytest.approx(0.5 * math.log(1.19), abs=1e-15)


def test_f2_threshold_is_the_closed_form_root(f2):
    r = row(f2, "stability threshold")
    assert r.exact == pytest.approx((20.0 - math.sqrt(112.0)) / 72.0, abs=1e-12)
    assert r.paper == pytest.approx(2.0 / 18.0)
    assert f2.ok and f2.violated == ("N2",)
    assert row(f2, "fraction diverged at eta = 0.15").simulated == 1.0
    assert row(f2, "fraction diverged at eta = 0.12").simulated == 0.0


# ---------------------------------------------------------------------------------------------- F3
def test_f3_equal_hessian_is_one_half(f3):
    assert abs(row(f3, "[equal H] pi(A) exact").exact - 0.5) < 1e-12
    assert abs(row(f3, "[equal H] pi(B) exact").exact - 0.5) < 1e-12


def test_f3_unequal_hessian_against_a_fine_grid(f3):
    c = construction("f3-unequal-hessian")
    pa, pb = grid_basin_probabilities(c, c.eta)
    assert row(f3, "[unequal H] pi(A) exact").exact == pytest.approx(pa, abs=1e-6)
    assert row(f3, "[unequal H] pi(B) exact").exact == pytest.approx(pb, rel=1e-5)
    # the paper's own Laplace weights give sqrt(Sigma_B H_B / (Sigma_A H_A)) = 4, not its claimed 1
    assert row(f3, "[unequal H] Laplace pi(A)/pi(B), paper's weights").exact == pytest.approx(4.0, rel=1e-9)
    assert f3.ok and f3.violated == ("N3",)


# ---------------------------------------------------------------------------------------------- F4
def test_f4_barriers_and_escape_ratio(f4):
    c = construction("f4")
    saddle = c.saddles()[0].x
    dUA = quad_barrier(c, c.wells["A"], saddle)
    dUB = quad_barrier(c, c.wells["B"], saddle)
    assert row(f4, "Delta U_A").exact == pytest.approx(dUA, rel=1e-10)
    assert row(f4, "Delta U_B").exact == pytest.approx(dUB, rel=1e-10)
    assert (row(f4, "Delta U_A").paper, row(f4, "Delta U_B").paper) == (0.5, 10.0)
    t_ab = mean_first_passage_time(c, c.eta, c.wells["A"], c.wells["B"])
    t_ba = mean_first_passage_time(c, c.eta, c.wells["B"], c.wells["A"])
    assert row(f4, "eta ln(tau_A/tau_B)").exact == pytest.approx(c.eta * (t_ab.log_time - t_ba.log_time), rel=1e-12)
    assert row(f4, "Corr(Sigma, Gap)").exact == pytest.approx(-1.0)
    assert f4.ok and f4.violated == ("N4",)


# ---------------------------------------------------------------------------------------------- outputs
def test_figures_are_png_files(f1, f2, f3, f4, outdir):
    names = {"f1_escape_vs_eta.png", "f1_density.png", "f2_lyapunov.png", "f3_equal-hessian_density.png",
             "f3_unequal-hessian_density.png", "f4_density.png"}
    figures = [p for rep in (f1, f2, f3, f4) for p in rep.figures]
    assert {p.rsplit("/", 1)[-1] for p in figures} == names
    for path in figures:
        with open(path, "rb") as fh:
            assert fh.read(8) == PNG_MAGIC


def test_to_dict_is_strict_json(f1, f2, f3, f4):
    for rep in (f1, f2, f3, f4):
        text = json.dumps(rep.to_dict(), allow_nan=False)
        assert json.loads(text)["name"] == rep.name
        assert rep.name in rep.summary()


def test_main_json_only_f2(tmp_path, capsys):
    assert main(quick=True, out=str(tmp_path), as_json=True, only=["f2"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [item["name"] for item in doc["items"]] == ["F2"]
    assert doc["ok"] is True and doc["failed_checks"] == []
    assert (tmp_path / "f2_lyapunov.png").read_bytes()[:8] == PNG_MAGIC
    json.loads((tmp_path / "reproduce.json").read_text())


def test_unknown_item_is_a_value_error_listing_the_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="valid items: F1, F2, F3, F4, healthy"):
        main(quick=True, out=str(tmp_path), as_json=False, only=["F2", "F9"])
    assert not any(tmp_path.iterdir())       # rejected before any work


def test_cli_reproduce_quick_only_f2(tmp_path, capsys):
    out = tmp_path / "ci-output"
    assert cli.main(["reproduce", "--quick", "--only", "F2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "F2: discrete instability" in text and "checks passed" in text
    assert (out / "f2_lyapunov.png").exists()
    assert cli.main(["reproduce", "--quick", "--only", "F7", "--out", str(out)]) == 2
    assert "valid items" in capsys.readouterr().err
