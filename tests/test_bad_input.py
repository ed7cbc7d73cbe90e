"""The bad-input catalogue (issue 9 item 8): every case raises the named exception with a message that names the
parameter (in backticks) and none returns a value or runs longer than a few seconds.

Each case is ``(id, call, exception type, regex the message must match)``; the regex always contains the
parameter's name in backticks.  Cases whose fix lives in a module owned by another engineer are marked
``xfail`` with the owner and today's behaviour (``OWNED_ELSEWHERE``); they pass once that module is fixed.
"""

import math
import signal

import numpy as np
import pytest

import fpesolve
from fpesolve import (CostLimitError, FokkerPlanck, Grid, IllPosedError, Landscape, check_n1, check_n2, check_n3,
                      check_n4, effective_potential, escape_times, implicit_regularizer, kramers_time, log_normalizer,
                      lyapunov_exponent, mean_first_passage_time, mfpt_on_grid, mixing_time, regularization_strength,
                      simulate_sgd, spectral_gap, stationary_density, stationary_mass)
from fpesolve.core.wellposed import check_well_posed
from fpesolve.failure_modes import constructions as C

#: no case may run longer than this (seconds)
TIME_LIMIT = 10


def dw():
    return Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5),
                     name="dw")


def lin(**kw):
    args = dict(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-1.0, 1.0))
    args.update(kw)
    return Landscape(**args)


def fp():
    return FokkerPlanck(dw(), 0.3, 60)


def two(x):
    """Two per-sample rows."""
    x = np.asarray(x, dtype=float)
    return np.vstack((x, 2 * x))


def raises_above(x):
    if np.any(np.asarray(x) > 0.4):
        raise ZeroDivisionError("boom")
    return np.asarray(x, dtype=float)


def not_vectorised(x):
    return 1.0 if x > 0 else 2.0


def jacobi():
    return Landscape(grad=lambda x: x - 0.3, sigma=lambda x: x * (1 - x), domain=(0.0, 1.0))


def one_minimum_with_samples():
    """F2: per-sample quadratics with numba gradients, so that simulate_sgd gets past its own set-up."""
    return C.f2_landscape()


E, T, I, K = ValueError, TypeError, IllPosedError, CostLimitError

CASES = [
    # ------------------------------------------------------------ Landscape construction
    ("landscape grad not callable", lambda: lin(grad=3.0), T, "`grad`"),
    ("landscape sigma not callable", lambda: lin(sigma="1"), T, "`sigma`"),
    ("landscape loss not callable", lambda: lin(loss="x**2"), T, "`loss`"),
    ("landscape domain None", lambda: lin(domain=None), E, "`domain` is required"),
    ("landscape domain empty", lambda: lin(domain=(1.0, 1.0)), E, "`domain`"),
    ("landscape domain reversed", lambda: lin(domain=(1.0, -1.0)), E, "`domain`"),
    ("landscape domain infinite", lambda: lin(domain=(0.0, np.inf)), E, "`domain"),
    ("landscape domain string", lambda: lin(domain="ab"), T, "`domain`"),
    ("landscape domain triple", lambda: lin(domain=(0, 1, 2)), E, "`domain`"),
    ("landscape domain entry string", lambda: lin(domain=("a", 1.0)), T, r"`domain\[0\]`"),
    ("landscape name not a string", lambda: lin(name=5), T, "`name`"),
    ("landscape batch_size 0", lambda: lin(batch_size=0), E, "`batch_size`"),
    ("landscape batch_size 1.5", lambda: lin(batch_size=1.5), T, "`batch_size`"),
    ("landscape wells outside", lambda: lin(wells={"A": 3.0}), E, r"`wells\['A'\]`"),
    ("landscape wells not a mapping", lambda: lin(wells=[-1.0]), T, "`wells`"),
    ("landscape samples wrong type", lambda: lin(samples=[1, 2]), T, "`samples`"),
    ("landscape replacement string", lambda: lin(replacement="yes"), T, "`replacement`"),
    ("sigma returns a column (n, 1)", lambda: lin(sigma=lambda x: np.ones((np.size(x), 1))), E,
     r"`sigma` .*shaped like its input .*\(3, 1\); return a flat array"),
    ("sigma returns one value too many", lambda: lin(sigma=lambda x: np.ones(np.size(x) + 1)), E, "`sigma`"),
    ("sigma not vectorised (if/else)", lambda: lin(sigma=not_vectorised), T, "`sigma` .*is not vectorised"),
    ("sigma not vectorised (math.exp)", lambda: lin(sigma=lambda x: math.exp(x)), T, "`sigma` .*is not vectorised"),
    ("grad returns strings", lambda: lin(grad=lambda x: np.array(["a"] * np.size(x))), T, "`grad` .*strings"),
    ("sigma complex", lambda: lin(sigma=lambda x: (1 + 0.5j) * np.ones_like(x)), T, "`sigma` .*complex"),
    ("sigma booleans", lambda: lin(sigma=lambda x: x > -2), T, "`sigma` .*booleans"),
    ("grad ragged list", lambda: lin(grad=lambda x: [x, x[:1]]), T, "`grad` .*ragged"),
    ("grad raises at a point", lambda: lin(grad=raises_above), E, r"`grad` .*raised ZeroDivisionError: boom at x = 0\.5"),
    ("hess returns strings", lambda: lin(hess=lambda x: np.array(["h"] * np.size(x))), T, "`hess`"),
    ("contains NaN", lambda: dw().contains(float("nan"), "x0"), E, "`x0`"),
    ("critical_points n_scan 2", lambda: dw().critical_points(n_scan=2), E, "`n_scan`"),
    ("critical_points n_scan string", lambda: dw().critical_points(n_scan="many"), T, "`n_scan`"),
    ("critical_points through a pole", lambda: lin(grad=lambda x: 1.0 / (x - 0.30001)).critical_points(), I,
     "`grad` .*pole.*shrink the domain"),
    # ------------------------------------------------------------ finite sums
    ("from_samples ragged", lambda: Landscape.from_samples(lambda x: [x, x[:1]], lambda x: [x, x[:1]], (-1, 1)), T,
     "`losses` .*ragged"),
    ("from_samples no domain", lambda: Landscape.from_samples(two, two, None), E, "`domain` is required"),
    ("from_samples grads 1D", lambda: Landscape.from_samples(two, lambda x: x, (-1, 1)), E, r"`grads` must return shape"),
    ("from_samples n disagree", lambda: Landscape.from_samples(two, lambda x: np.vstack((x, x, x)), (-1, 1)), E,
     "`losses` and `grads` disagree"),
    ("from_samples batch_size > n", lambda: Landscape.from_samples(two, two, (-1, 1), batch_size=3), E,
     "`batch_size` = 3 exceeds"),
    ("from_samples without replacement n = 1",
     lambda: Landscape.from_samples(lambda x: x[None, :], lambda x: x[None, :], (-1, 1), replacement=False), E,
     "`replacement`"),
    ("from_samples grads not callable", lambda: Landscape.from_samples(two, [1, 2], (-1, 1)), T, "`grads`"),
    ("from_samples extra_sigma not callable", lambda: Landscape.from_samples(two, two, (-1, 1), extra_sigma=2.0), T,
     "`extra_sigma`"),
    ("from_samples grads NaN", lambda: Landscape.from_samples(two, lambda x: np.full((2, np.size(x)), np.nan),
                                                              (-1, 1)), E, "`grads` returned a non-finite"),
    ("from_samples replacement string", lambda: Landscape.from_samples(two, two, (-1, 1), replacement="no"), T,
     "`replacement`"),
    ("from_model labels NaN", lambda: Landscape.from_model(two, two, [1.0, np.nan], (-1, 1)), E, "`labels`"),
    ("from_model labels strings", lambda: Landscape.from_model(two, two, ["a", "b"], (-1, 1)), T, "`labels`"),
    ("from_model label_noise_std negative", lambda: Landscape.from_model(two, two, [1.0, 2.0], (-1, 1),
                                                                         label_noise_std=-1), E, "`label_noise_std`"),
    ("from_model label_noise_std NaN", lambda: Landscape.from_model(two, two, [1.0, 2.0], (-1, 1),
                                                                    label_noise_std=np.nan), E, "`label_noise_std`"),
    ("from_model outputs wrong shape", lambda: Landscape.from_model(lambda x: x[None, :], two, [1.0, 2.0], (-1, 1)),
     E, "`outputs`"),
    # ------------------------------------------------------------ grids
    ("Grid.uniform one cell", lambda: Grid.uniform(0, 1, 1), E, "`n`"),
    ("Grid.uniform reversed", lambda: Grid.uniform(1, 0, 10), E, "`a` < `b`"),
    ("Grid.uniform NaN end", lambda: Grid.uniform(0, float("nan"), 10), E, "`b`"),
    ("Grid.uniform 1e9 cells", lambda: Grid.uniform(0, 1, 1e9), K, "`n` = 1000000000 cells"),
    ("Grid.uniform n string", lambda: Grid.uniform(0, 1, "10"), T, "`n`"),
    ("Grid.refined(1, -1, ...)", lambda: Grid.refined(1, -1, 10, [0.0]), E, "`a` < `b`"),
    ("Grid.refined NaN point", lambda: Grid.refined(-1, 1, 10, [np.nan]), E, "`points` contains a non-finite"),
    ("Grid.refined negative width", lambda: Grid.refined(-1, 1, 10, [0.0], width=-1.0), E, "`width`"),
    ("Grid.refined negative strength", lambda: Grid.refined(-1, 1, 10, [0.0], strength=-1.0), E, "`strength`"),
    ("Grid.refined points string", lambda: Grid.refined(-1, 1, 10, "ab"), T, "`points`"),
    ("Grid.from_edges not increasing", lambda: Grid.from_edges([0.0, 1.0, 0.5]), E, "`edges` must be strictly"),
    ("Grid.from_edges one cell", lambda: Grid.from_edges([0.0, 1.0]), E, "`edges`"),
    ("Grid.from_edges scalar", lambda: Grid.from_edges(5), T, "`edges`"),
    ("Grid.from_edges 2D", lambda: Grid.from_edges(np.array([[0.0, 1.0], [2.0, 3.0]])), E, "`edges`"),
    ("Grid.cell_of NaN", lambda: Grid.uniform(0, 1, 4).cell_of(float("nan")), E, "`x`"),
    ("Grid.cell_of outside", lambda: Grid.uniform(0, 1, 4).cell_of(5.0), E, "`x`"),
    # ------------------------------------------------------------ closed-form stationary law
    ("stationary eta negative", lambda: stationary_density(dw(), -0.1, 0.0), E, "`eta`"),
    ("stationary eta NaN", lambda: stationary_density(dw(), float("nan"), 0.0), E, "`eta`"),
    ("stationary eta string", lambda: stationary_density(dw(), "0.1", 0.0), T, "`eta`"),
    ("stationary eta True", lambda: stationary_density(dw(), True, 0.0), T, "`eta`"),
    ("stationary eta subnormal", lambda: stationary_density(dw(), 1e-320, 0.0), E, "`eta` = 1e-320"),
    ("stationary eta too small for float64", lambda: stationary_density(dw(), 1e-15, 0.0), E, "`eta` = 1e-15"),
    ("stationary x outside", lambda: stationary_density(dw(), 0.1, 5.0), E, "`x`"),
    ("stationary x NaN", lambda: stationary_density(dw(), 0.1, [0.0, np.nan]), E, "`x`"),
    ("stationary x strings", lambda: stationary_density(dw(), 0.1, ["a"]), T, "`x`"),
    ("stationary_mass lo > hi", lambda: stationary_mass(dw(), 0.1, 1.0, -1.0), E, "`lo`"),
    ("stationary_mass lo outside", lambda: stationary_mass(dw(), 0.1, -9.0, 1.0), E, "`lo`"),
    ("stationary Sigma zero between scan points", lambda: stationary_density(lin(sigma=lambda x: (x - 0.3) ** 2),
                                                                            0.1, 0.0), I, "`sigma` vanishes"),
    ("stationary non-normalisable", lambda: stationary_density(
        Landscape(grad=lambda x: np.ones_like(x), sigma=lambda x: x, domain=(0.0, 1.0)), 0.5, 0.5), I,
     "`eta` = 0.5 cannot be normalised"),
    ("stationary pole in grad", lambda: stationary_density(lin(grad=lambda x: 1 / (x - 0.3)), 0.1, 0.0), I,
     "`grad` .*shrink the domain"),
    ("stationary Sigma NaN", lambda: stationary_density(lin(sigma=lambda x: np.where(x > 0.7, np.nan, 1.0)), 0.1,
                                                        0.0), E, "`sigma` is not finite"),
    ("stationary not a landscape", lambda: stationary_density(lambda x: x, 0.1, 0.0), T, "`landscape`"),
    ("effective_potential eta string", lambda: effective_potential(dw(), "0.1", 0.0), T, "`eta`"),
    ("log_normalizer eta 0", lambda: log_normalizer(dw(), 0.0), E, "`eta`"),
    # ------------------------------------------------------------ FokkerPlanck construction and verbs
    ("FokkerPlanck not a landscape", lambda: FokkerPlanck("dw", 0.3, 10), T, "`landscape`"),
    ("FokkerPlanck grid string", lambda: FokkerPlanck(dw(), 0.3, "fine"), T, "`grid`"),
    ("FokkerPlanck grid 1 cell", lambda: FokkerPlanck(dw(), 0.3, 1), E, "`n`"),
    ("FokkerPlanck grid outside domain", lambda: FokkerPlanck(dw(), 0.3, Grid.uniform(-3, 3, 10)), E, "`grid`"),
    ("FokkerPlanck boundary None", lambda: FokkerPlanck(dw(), 0.3, 50, boundary=None), E, "`boundary`"),
    ("FokkerPlanck boundary unknown", lambda: FokkerPlanck(dw(), 0.3, 50, boundary="periodic"), E, "`boundary`"),
    ("FokkerPlanck eta 1e308", lambda: FokkerPlanck(dw(), 1e308, 100), E, "`eta` = 1e\\+308"),
    ("FokkerPlanck eta subnormal", lambda: FokkerPlanck(dw(), 1e-320, 100), E, "`eta` = 1e-320"),
    ("FokkerPlanck absorbing end without noise", lambda: FokkerPlanck(jacobi(), 0.3, 50, boundary="absorbing"), I,
     "`boundary`"),
    ("FokkerPlanck Sigma zero inside", lambda: FokkerPlanck(lin(sigma=lambda x: (x - 0.3) ** 2), 0.1, 50), I,
     "`sigma` vanishes"),
    ("FokkerPlanck non-normalisable", lambda: FokkerPlanck(
        Landscape(grad=lambda x: np.ones_like(x), sigma=lambda x: x, domain=(0.0, 1.0)), 0.5, 50), I, "`eta`"),
    ("F2 Fokker-Planck (Sigma = 64 theta^2)", lambda: FokkerPlanck(C.f2_landscape(), 0.15, 100), I, "`sigma` vanishes"),
    ("point_mass outside", lambda: fp().point_mass(7.0), E, "`x`"),
    ("density_from wrong shape", lambda: fp().density_from(np.ones(3)), E, "`p0`"),
    ("density_from negative", lambda: fp().density_from(-np.ones(60)), E, "`p0`"),
    ("density_from NaN", lambda: fp().density_from(np.full(60, np.nan)), E, "`p0`"),
    ("stationary with absorbing ends", lambda: FokkerPlanck(dw(), 0.3, 60, boundary="absorbing").stationary(), E,
     "`boundary`"),
    ("evolve negative time", lambda: fp().evolve(fp().point_mass(0.0), [-1.0]), E, "`times`"),
    ("evolve unknown method", lambda: fp().evolve(fp().point_mass(0.0), [1.0], method="rk4"), E, "`method`"),
    ("evolve dt negative", lambda: fp().evolve(fp().point_mass(0.0), [1.0], dt=-1.0), E, "`dt`"),
    ("evolve positivity_start 2.5", lambda: fp().evolve(fp().point_mass(0.0), [1.0], positivity_start=2.5), T,
     "`positivity_start`"),
    ("probability_current wrong shape", lambda: fp().probability_current(np.ones(3)), E, "`p`"),
    ("spectrum k 0", lambda: fp().spectrum(k=0), E, "`k`"),
    ("spectral_gap unknown method", lambda: spectral_gap(fp(), method="magic"), E, "`method`"),
    ("mixing_time eps 2", lambda: mixing_time(fp(), eps=2.0), E, "`eps`"),
    # ------------------------------------------------------------ first passage
    ("MFPT start outside", lambda: mean_first_passage_time(dw(), 0.1, -9.0, 1.0), E, "`start`"),
    ("MFPT target NaN", lambda: mean_first_passage_time(dw(), 0.1, -1.0, float("nan")), E, "`target`"),
    ("MFPT order 0", lambda: mean_first_passage_time(dw(), 0.1, -1.0, 1.0, order=0), E, "`order`"),
    ("MFPT panel_variation 0", lambda: mean_first_passage_time(dw(), 0.1, -1.0, 1.0, panel_variation=0), E,
     "`panel_variation`"),
    ("MFPT eta string", lambda: mean_first_passage_time(dw(), "0.1", -1.0, 1.0), T, "`eta`"),
    ("MFPT across a Sigma zero", lambda: mean_first_passage_time(lin(sigma=lambda x: (x - 0.3) ** 2), 0.1, -0.5, 0.5),
     I, "`sigma` vanishes"),
    ("MFPT with a noiseless wall behind the start", lambda: mean_first_passage_time(
        Landscape(grad=lambda x: np.ones_like(x), sigma=lambda x: x, domain=(0.0, 1.0)), 0.5, 0.5, 0.9), I, "`eta`"),
    ("MFPT to a noiseless target", lambda: mean_first_passage_time(jacobi(), 0.3, 0.5, 1.0), I, "`target` 1.0 needs"),
    ("MFPT across a pole", lambda: mean_first_passage_time(lin(grad=lambda x: 1 / (x - 0.3) ** 2), 0.1, -0.5, 0.5), I,
     "`grad`"),
    ("kramers_time start outside", lambda: kramers_time(dw(), 0.1, 9.0, 1.0), E, "`start`"),
    ("escape_times one minimum", lambda: escape_times(lin(), 0.1), E, "`landscape`"),
    ("mfpt_on_grid target outside", lambda: mfpt_on_grid(fp(), 9.0), E, "`target`"),
    # ------------------------------------------------------------ conditions
    ("check_n1 eta 0", lambda: check_n1(dw(), 0.0, 100), E, "`eta`"),
    ("check_n1 n_iterations 0", lambda: check_n1(dw(), 0.1, 0), E, "`n_iterations`"),
    ("check_n2 empty hessians", lambda: check_n2([], 0.1), E, "`hessians`"),
    ("check_n2 landscape without Hessians", lambda: check_n2(dw(), 0.1), E, "`hessians`"),
    ("check_n2 batch_size > n", lambda: check_n2([18.0, 2.0], 0.1, batch_size=3), E, "`batch_size`"),
    ("check_n2 eta negative", lambda: check_n2([18.0, 2.0], -0.1), E, "`eta`"),
    ("lyapunov_exponent eta negative", lambda: lyapunov_exponent([18.0, 2.0], -1.0), E, "`eta`"),
    ("lyapunov_exponent hessians NaN", lambda: lyapunov_exponent([18.0, np.nan], 0.1), E, "`hessians`"),
    ("check_n3 rtol 0", lambda: check_n3(dw(), 0.1, rtol=0.0), E, "`rtol`"),
    ("check_n3 eta NaN", lambda: check_n3(dw(), float("nan")), E, "`eta`"),
    ("check_n4 gaps wrong length", lambda: check_n4(dw(), gaps=[0.1, 0.2, 0.3]), E, "`gaps`"),
    ("check_n4 unknown method", lambda: check_n4(dw(), gaps=[0.1, 0.2], method="vibes"), E, "`method`"),
    # ------------------------------------------------------------ SGD
    ("simulate_sgd eta 0", lambda: simulate_sgd(one_minimum_with_samples(), 0.0, 10, 4, 0.5), E, "`eta`"),
    ("simulate_sgd n_walkers 0", lambda: simulate_sgd(one_minimum_with_samples(), 0.1, 10, 0, 0.5), E, "`n_walkers`"),
    ("simulate_sgd n_iterations negative", lambda: simulate_sgd(one_minimum_with_samples(), 0.1, -1, 4, 0.5), E,
     "`n_iterations`"),
    ("simulate_sgd unknown noise", lambda: simulate_sgd(one_minimum_with_samples(), 0.1, 10, 4, 0.5, noise="pink"),
     E, "`noise`"),
    ("simulate_sgd init unknown label", lambda: simulate_sgd(one_minimum_with_samples(), 0.1, 10, 4, "nowhere"), E,
     "`init`"),
    ("simulate_sgd init NaN", lambda: simulate_sgd(one_minimum_with_samples(), 0.1, 10, 4, float("nan")), E, "`init`"),
    ("simulate_sgd init wrong length", lambda: simulate_sgd(one_minimum_with_samples(), 0.1, 10, 4, [0.1, 0.2]), E,
     "`init`"),
    ("simulate_sgd target wrong type", lambda: simulate_sgd("f2", 0.1, 10, 4, 0.5), T, "`target`"),
    # ------------------------------------------------------------ label-noise regulariser
    ("implicit_regularizer eta negative", lambda: implicit_regularizer(np.eye(2), -0.1), E, "`eta`"),
    ("implicit_regularizer non-square", lambda: implicit_regularizer(np.ones((2, 3)), 0.1), E, "`hessian`"),
    ("implicit_regularizer negative_curvature unknown",
     lambda: implicit_regularizer(np.eye(2), 0.1, negative_curvature="ignore"), E, "`negative_curvature`"),
    ("regularization_strength batch_size 0", lambda: regularization_strength(0.1, 0.5, 0), E, "`batch_size`"),
    # ------------------------------------------------------------ constructions
    ("f1 barrier negative", lambda: C.f1_landscape(barrier=-1.0), E, "`barrier`"),
    ("double_well Sigma_A 0", lambda: C.double_well(2.0, 2.0, 0.0, 1.0, 1.0), E, "`Sigma_A`"),
    ("construction unknown name", lambda: C.construction("f9"), E, "`name`"),
    ("f2 batch_size > n", lambda: C.f2_landscape(batch_size=3), E, "`batch_size`"),
    ("f2 centres wrong length", lambda: C.f2_landscape(centres=[0.0]), E, "`centres`"),
    # ------------------------------------------------------------ check_well_posed
    ("check_well_posed boundary tuple of one", lambda: check_well_posed(dw(), 0.3, boundary=("absorbing",)), E,
     "`boundary`"),
    ("check_well_posed interval reversed", lambda: check_well_posed(dw(), 0.3, interval=(1.0, 0.0)), E,
     "`interval`"),
    # ------------------------------------------------------------ found by the cold-user trial
    ("escape_probability zero horizon", lambda: fpesolve.escape_probability(lin(domain=(-5.0, 5.0)), 0.5, 0.0, 1.0, 0),
     E, "`n_iterations` must be > 0"),
    ("sigma negative on most of the domain", lambda: fpesolve.stationary_density(
        lin(sigma=lambda x: 0.5 - x ** 2, domain=(-2.5, 2.5)), 0.1, np.array([0.0])), I, "`sigma` is negative"),
    ("FokkerPlanck grid a float", lambda: FokkerPlanck(dw(), 0.3, 2.5), T, "`grid` must be a fpesolve.Grid or a number of cells"),
    ("weight_decay_remedy well name on a landscape without wells", lambda: fpesolve.weight_decay_remedy(
        dw(), eta=0.3, good=(0.0, 2.5), origin="A"), E, "`origin` = .A. is not a well of .dw.: it has no named wells"),
]

#: case id -> (owner, today's behaviour), for cases whose fix lives in a module owned by another engineer
OWNED_ELSEWHERE = {
}


def _params():
    out = []
    for case_id, call, exc, match in CASES:
        marks = []
        if case_id in OWNED_ELSEWHERE:
            owner, now = OWNED_ELSEWHERE[case_id]
            marks.append(pytest.mark.xfail(reason=f"owned by {owner!r}; today: {now}", strict=False))
        out.append(pytest.param(call, exc, match, id=case_id, marks=marks))
    return out


@pytest.fixture
def time_limit():
    """Fail a case that runs longer than TIME_LIMIT seconds (instead of refining until memory runs out)."""
    def expired(signum, frame):
        raise TimeoutError(f"bad-input case ran longer than {TIME_LIMIT} s")
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TIME_LIMIT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("call,exc,match", _params())
def test_bad_input(time_limit, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_catalogue_size_and_form():
    assert len(CASES) >= 60 + 14     # the cases and at least 60 more
    ids = [c[0] for c in CASES]
    assert len(set(ids)) == len(ids)
    assert all("`" in c[3] for c in CASES)              # every message names a parameter in backticks
    assert set(OWNED_ELSEWHERE) <= set(ids)


# ------------------------------------------------------------------ the command line (exit status 2, one line)
_WALL = '''import numpy as np
from fpesolve import Landscape
landscape = Landscape(grad=lambda x: np.ones_like(x), sigma=lambda x: x, domain=(0.0, 1.0), name="into the wall")
'''
_RAISING = '''import numpy as np
from fpesolve import Landscape
def sigma(x):
    if np.any(np.asarray(x) > 0.9):
        raise KeyError("oops")
    return np.ones_like(x)
landscape = Landscape(grad=lambda x: x, sigma=sigma, domain=(-1.0, 1.0), name="raising")
'''
CLI_CASES = [
    ("spectrum of a non-normalisable density --json", _WALL, ["spectrum", "{file}", "--eta", "0.5", "--json"],
     "`eta` = 0.5 cannot be normalised"),
    ("stationary of a non-normalisable density", _WALL, ["stationary", "{file}", "--eta", "0.5"], "`eta`"),
    ("mfpt with a noiseless wall behind the start", _WALL, ["mfpt", "{file}", "--eta", "0.5", "--from", "0.5",
                                                            "--to", "0.9"], "`eta`"),
    ("spectrum --eta 1e-320", None, ["spectrum", "double-well", "--eta", "1e-320"], "`eta` = 1e-320"),
    ("spectrum with a raising user function", _RAISING, ["spectrum", "{file}"],
     r"`sigma` of landscape 'raising' raised KeyError: 'oops' at x = 0\.9"),
    ("spectrum --n 1e9", None, ["spectrum", "double-well", "--n", "1000000000"], "`n`"),
]
CLI_OWNED_ELSEWHERE = {}


def _cli_params():
    out = []
    for case_id, source, argv, match in CLI_CASES:
        marks = []
        if case_id in CLI_OWNED_ELSEWHERE:
            owner, now = CLI_OWNED_ELSEWHERE[case_id]
            marks.append(pytest.mark.xfail(reason=f"owned by {owner!r}; today: {now}", strict=False))
        out.append(pytest.param(source, argv, match, id=case_id, marks=marks))
    return out


@pytest.mark.parametrize("source,argv,match", _cli_params())
def test_cli_bad_input(time_limit, tmp_path, capsys, source, argv, match):
    import re

    from fpesolve.apps.cli import main

    path = tmp_path / "land.py"
    if source is not None:
        path.write_text(source)
    status = main([a.replace("{file}", str(path)) for a in argv])
    err = capsys.readouterr().err
    assert status == 2
    assert re.search(match, err), err
