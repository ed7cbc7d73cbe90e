"""Tests for `fpesolve reproduce` (fpesolve.apps.reproduce): values against independent computations, the
sensitivity tables, figures, JSON, item and part selection, the CLI.

The reproductions run in quick mode once per module (about 10 s together with a warm numba cache).
"""

import json
import math

import pytest

from fpesolve import cli
from fpesolve.apps import reproduce as R
from fpesolve.apps.reproduce import (ITEMS, SETTINGS, Check, ClaimRow, Reproduction, main, reproduce_all,
                                     reproduce_f1, reproduce_f2, reproduce_healthy)
from fpesolve.failure_modes.constructions import construction
from tests.failure_modes.independent import basin_probabilities, log10_mfpt_iterations, mp_barrier

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    return tmp_path_factory.mktemp("reproduce")


@pytest.fixture(scope="module")
def reps(outdir):
    return {r.name: r for r in reproduce_all(quick=True, out=str(outdir), progress=False)}


def row(rep: Reproduction, prefix: str) -> ClaimRow:
    hits = [r for r in rep.rows if r.quantity.startswith(prefix)]
    assert len(hits) == 1, f"{prefix!r} matches {[r.quantity for r in hits]}"
    return hits[0]


def test_public_names_and_every_check_passes(reps):
    assert list(ITEMS) == ["F1", "F2", "F3", "F4", "P5.1", "R4.3", "G1-G4", "healthy", "remedies"]
    assert (R.reproduce_f1, R.reproduce_healthy, R.main) == (reproduce_f1, reproduce_healthy, main)
    assert set(reps) == set(ITEMS)
    for rep in reps.values():
        assert rep.ok, [c.description for c in rep.checks if not c.passed]
        assert isinstance(rep.checks[0], Check) and rep.verdict


# ---------------------------------------------------------------------------------------------- F1
def test_f1_escape_iterations_equal_an_independent_mfpt(reps):
    f1 = reps["F1"]
    c = construction("f1")
    expected = log10_mfpt_iterations(c, c.eta, c.wells["B"], c.wells["A"])
    r = row(f1, "log10 escape iterations B -> A (exact")
    assert r.exact == pytest.approx(expected, abs=1e-7)
    assert r.paper == pytest.approx(2.0 + 2500.0 / math.log(10.0), abs=1e-9)     # the paper's own formula
    assert abs(r.ratio) < 0.2 and r.ratio == pytest.approx(r.exact - r.paper)
    parts = row(f1, "  of which: barrier").exact + row(f1, "  of which: prefactor").exact
    assert parts == pytest.approx(r.ratio, abs=1e-9)


def test_f1_barrier_equals_mpmath(reps):
    c = construction("f1")
    r = row(reps["F1"], "V_eff barrier from B")
    assert r.paper == 12.5
    assert r.exact == pytest.approx(-mp_barrier(c, c.saddle.x, c.wells["B"]), rel=1e-12)


def test_f1_sensitivity_table(reps):
    t = reps["F1"].tables[0]
    assert len(t.rows) >= 4 and t.headers[0] == "profile"
    faithful, *others = t.rows
    assert abs(faithful[3]) < 0.2 and all(r[4] == "yes" for r in t.rows)
    sigmoid = [r for r in t.rows if r[0].startswith("sigmoid")][0]
    assert sigmoid[2] == pytest.approx(1194.48, abs=0.01)
    assert reps["F1"].violated == ("N1",)


# ---------------------------------------------------------------------------------------------- F2
def test_f2_lyapunov_threshold_and_counterexamples(reps):
    f2 = reps["F2"]
    assert abs(row(f2, "Lambda(eta = 0.15)").exact - 0.5 * math.log(1.7 * 0.7)) < 1e-14
    assert row(f2, "stability threshold").exact == pytest.approx((20.0 - math.sqrt(112.0)) / 72.0, abs=1e-12)
    for eta in (0.12, 0.45):
        lam = 0.5 * math.log(abs(1 - 18 * eta) * abs(1 - 2 * eta))
        assert lam < 0 and f"{lam:+.6g}" in row(f2, f"N2 at eta = {eta:g}").exact
        assert row(f2, f"fraction diverged at eta = {eta:g}").simulated == 0.0
    assert row(f2, "fraction diverged at eta = 0.15").simulated == 1.0
    assert f2.violated == ("N2",)


# ---------------------------------------------------------------------------------------------- F3
def test_f3_against_independent_basin_probabilities(reps):
    f3 = reps["F3"]
    assert abs(row(f3, "[equal H] pi(A) exact").exact - 0.5) < 1e-12
    c = construction("f3-unequal-hessian")
    pa, pb = basin_probabilities(c, c.eta, [c.saddle.x])
    assert row(f3, "[unequal H] pi(A) exact").exact == pytest.approx(pa, rel=1e-8)
    assert row(f3, "[unequal H] pi(B) exact").exact == pytest.approx(pb, rel=1e-7)
    assert row(f3, "[unequal H] Laplace pi(A)/pi(B), paper's weights").exact == pytest.approx(4.0, rel=1e-12)
    assert row(f3, "[unequal H] exact pi(A)/pi(B) / exp").exact == pytest.approx(4.0, rel=0.02)
    table = f3.tables[0]
    assert all(r[1] > 0.5 for r in table.rows) and len(table.rows) >= 4
    assert f3.violated == ("N3",)


# ---------------------------------------------------------------------------------------------- F4
def test_f4_exponent_against_independent_mfpts(reps):
    f4 = reps["F4"]
    c = construction("f4")
    A, B = c.wells["A"], c.wells["B"]
    for eta in (0.2, 0.1, 0.05):
        expected = eta * (log10_mfpt_iterations(c, eta, A, B) - log10_mfpt_iterations(c, eta, B, A)) * math.log(10)
        r = row(f4, f"eta ln(tau_A/tau_B) at eta = {eta:g}")
        assert r.exact == pytest.approx(expected, abs=1e-6)
    assert abs(row(f4, "eta ln(tau_A/tau_B) at eta = 0.1").exact + 19.0) < 0.5
    assert row(f4, "Delta U_A").exact == pytest.approx(mp_barrier(c, A, c.saddle.x), rel=1e-12)
    assert row(f4, "Corr(Sigma, Gap)").exact == pytest.approx(-1.0)
    assert all(r[3] < 0 for r in f4.tables[0].rows)
    assert f4.violated == ("N4",)
    # the exact column is the diffusion's; SGD beside it
    sgd = row(f4, "escape iterations A -> saddle: diffusion (exact) vs minibatch SGD")
    assert sgd.simulated > sgd.exact


def test_p51_r43_g14(reps):
    p = reps["P5.1"]
    assert "wrong" in p.verdict and all(c.passed for c in p.checks)
    assert row(p, "N4: Corr(Sigma, Gap) in theta / phi").paper == pytest.approx(-1.0)
    assert row(p, "N4: Corr(Sigma, Gap) in theta / phi").exact == pytest.approx(1.0)
    r43 = reps["R4.3"]
    assert row(r43, "healthy: deficit ratio").exact == pytest.approx(2.0, rel=0.05)
    assert len(r43.tables[0].rows) == 7
    g = reps["G1-G4"]
    assert row(g, "F4: chain").exact == "holds, violated"


# ---------------------------------------------------------------------------------------------- outputs
def test_figures_are_png_files(reps, outdir):
    names = {"f1_escape_vs_eta.png", "f1_density.png", "f1_sensitivity.png", "f2_lyapunov.png",
             "f3_equal-hessian_density.png", "f3_unequal-hessian_density.png", "f3_sensitivity.png",
             "f4_density.png", "f4_sensitivity.png", "p51_reparameterization.png", "r43_bound_vs_eta.png",
             "healthy_density.png"}
    figures = [p for rep in reps.values() for p in rep.figures]
    assert {p.rsplit("/", 1)[-1] for p in figures} == names
    for path in figures:
        with open(path, "rb") as fh:
            assert fh.read(8) == PNG_MAGIC


def test_to_dict_is_strict_json_and_summaries_align(reps):
    for rep in reps.values():
        text = json.dumps(rep.to_dict(), allow_nan=False)
        assert json.loads(text)["name"] == rep.name
        lines = rep.summary().splitlines()
        header = lines[2]
        starts = [header.index(h) for h in ("paper", "exact vs paper", "SGD (MC)")]
        body = []
        for line in lines[4:]:
            if not line.strip():
                break
            if not line.startswith("    note: "):
                body.append(line)
        assert len(body) == len(rep.rows)
        for line in body:          # every column starts where its header does (two spaces before it)
            for s0 in starts:
                assert len(line) < s0 or line[s0 - 2:s0] == "  ", (rep.name, line)


def test_settings_are_named():
    assert set(SETTINGS) == {"quick", "full"}
    q, f = SETTINGS["quick"], SETTINGS["full"]
    assert set(q.runs) == set(f.runs)
    for name in q.runs:
        assert q.run(name).seed == f.run(name).seed and q.run(name).n_walkers <= f.run(name).n_walkers
    with pytest.raises(KeyError, match="f1-from-B"):
        q.run("nope")


def test_main_json_only_f2(tmp_path, capsys):
    assert main(quick=True, out=str(tmp_path), as_json=True, only=["f2"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [item["name"] for item in doc["items"]] == ["F2"]
    assert doc["ok"] is True and doc["failed_checks"] == []
    assert (tmp_path / "f2_lyapunov.png").read_bytes()[:8] == PNG_MAGIC
    json.loads((tmp_path / "reproduce.json").read_text())


def test_parts_select_what_runs(tmp_path, capsys, monkeypatch):
    def must_not_run():
        raise AssertionError("the label-noise part ran although part='failure-modes'")

    monkeypatch.setattr(R, "_label_noise", must_not_run)
    assert main(quick=True, out=str(tmp_path), as_json=True, only=["F2"], part="failure-modes") == 0
    assert [i["name"] for i in json.loads(capsys.readouterr().out)["items"]] == ["F2"]
    with pytest.raises(ValueError, match="`part` must be one of failure-modes, label-noise, all"):
        main(quick=True, out=str(tmp_path), part="both")


def test_the_label_noise_part_is_called_when_present(tmp_path, capsys, monkeypatch):
    calls = []

    def fake(quick=True, out=None, *, progress=None):
        calls.append((quick, out))
        return Reproduction(name="label-noise", title="stub", constructions=(), condition="-", eta=0.1, rows=(),
                            verdict="", violated=(), checks=(Check("stub", True),))

    monkeypatch.setattr(R, "_label_noise", lambda: fake)
    assert main(quick=True, out=str(tmp_path), as_json=True, only=["F2", "label-noise"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in doc["items"]] == ["F2", "label-noise"] and calls == [(True, str(tmp_path))]


def test_unknown_item_is_a_value_error_listing_the_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="valid items: F1, F2, F3, F4, P5.1, R4.3, G1-G4, healthy, remedies"):
        main(quick=True, out=str(tmp_path), as_json=False, only=["F2", "F9"])
    assert not any(tmp_path.iterdir())       # rejected before any work


def test_steps_are_announced_on_stderr(capsys):
    reproduce_f2(quick=True, out=None)
    err = capsys.readouterr().err
    assert "fpesolve reproduce [F2] exact Lyapunov exponent" in err
    reproduce_f2(quick=True, out=None, progress=False)
    assert "fpesolve reproduce" not in capsys.readouterr().err


def test_cli_reproduce_quick_only_f2(tmp_path, capsys):
    out = tmp_path / "ci-output"
    assert cli.main(["reproduce", "--quick", "--only", "F2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "F2: discrete instability" in text and "checks passed" in text
    assert (out / "f2_lyapunov.png").exists()
    assert cli.main(["reproduce", "--quick", "--only", "F7", "--out", str(out)]) == 2
    assert "valid items" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- remedies
def test_remedies_rows_match_independent_values(reps):
    from fpesolve.failure_modes import stability_limit
    rep = reps["remedies"]
    paper = construction("f1")
    need = row(rep, "F1: eta for P(leave B")
    limit = stability_limit(paper, paper.wells["B"])
    assert limit == pytest.approx(0.25) and need.exact > limit         # the remedy would be F2
    # the constant paper rate on the barrier-1 family: 1 - exp(-T / tau), tau the exact MFPT (quasi-stationary law)
    c = construction("f1", barrier=1.0)
    A, S = c.wells["A"], c.saddle.x
    tau = 10 ** log10_mfpt_iterations(c, 0.01, c.wells["B"], 0.5 * (S + A))
    base = row(rep, "F1(barrier 1): P(left B by 20000) at constant 0.01")
    # leading order: the escape lags by the relaxation in B plus the descent from the saddle to the target,
    # ~1.5 time units = 150 iterations at eta = 0.01, i.e. ~0.8% of T (measured: FPE 1.2% below on fine grids)
    assert base.exact == pytest.approx(-math.expm1(-20000 / tau), rel=2e-2)
    assert base.exact < -math.expm1(-20000 / tau)
    wd = row(rep, "F4: smallest mu with P(good) >= 0.5, weight decay toward theta_A")
    assert 0.1 < wd.exact < 0.25
    assert row(rep, "F4: smallest mu with P(good) >= 0.5, weight decay toward 0").exact == "not attained"
