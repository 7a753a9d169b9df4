"""Complete cycle branches: branch points of cycles (BPC), switching at PD and BPC points, canard
explosions followed through, and nothing dropped without a trace.

Evidence comes from outside bifur: shooting (``tests/reference_problems.py``: scipy ``solve_ivp``
with Newton on multiple-shooting equations), closed forms, numpy's dense determinants, and
simulations of the computed orbits with ``solve_ivp``.
"""
from __future__ import annotations

import ast
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import bifur
from bifur import StatusCode, continue_cycles, continue_equilibria
from bifur.models import hodgkin_huxley
from reference_problems import (AUTO07P, fhn_lpc, fhn_model, fhn_rhs, rossler_model, rossler_period_doublings,
                                rossler_rhs, ROSSLER_PARAMS, tor_model, tor_rhs, tor_second_lpc_bpc,
                                tor_symmetric_cycles)


def _closes_under_simulation(rhs, params, x0, period, rtol=1e-11):
    """Distance between x0 and the state one period later, simulated with solve_ivp (DOP853)."""
    sol = solve_ivp(lambda t, x: rhs(x, params), (0.0, period), np.asarray(x0, float), method="DOP853",
                    rtol=rtol, atol=rtol * 1e-2)
    return float(np.max(np.abs(sol.y[:, -1] - x0)))


# --------------------------------------------------------------------------------------------
# Rössler: the period-doubling cascade, switching at each PD point
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rossler():
    model = rossler_model()
    period1 = continue_cycles(model, bifur.find_cycle(model, params={"c": 2.5}), "c", (2.5, 4.5))
    [pd1] = period1.special("PD")
    period2 = continue_cycles(model, pd1, "c", (2.5, 4.5))
    return model, period1, pd1, period2


def test_rossler_first_period_doubling_against_shooting(rossler):
    _, period1, pd1, _ = rossler
    ref = rossler_period_doublings()[0]
    assert pd1.refined
    assert pd1.param == pytest.approx(ref.value, rel=1e-9)
    assert pd1.data["period"] == pytest.approx(ref.period, rel=1e-9)
    mu = pd1.data["multipliers"]
    assert np.min(np.abs(mu + 1.0)) < 1e-8
    assert period1.complete


def test_rossler_switch_at_pd_doubles_the_period_and_finds_the_next_doubling(rossler):
    model, _, pd1, period2 = rossler
    ref1, ref2 = rossler_period_doublings()
    assert period2.special_points[0].kind == "PD" and period2.special_points[0].data["switched"]
    assert period2.meta["ntst"] == 2 * (pd1.data["mesh"].size - 1)
    # the new branch starts at the PD point with twice the period
    assert period2.param[0] == pytest.approx(ref1.value, rel=1e-9)
    assert period2.period[0] == pytest.approx(ref1.data["period_after"], rel=1e-8)
    # it is a new family: away from the PD point its orbits are not two turns of one orbit
    i = int(np.argmin(np.abs(period2.param - 3.5)))
    orbit = period2.orbit(i)
    half = orbit.evaluate_tau(np.linspace(0, 0.5, 200)) - orbit.evaluate_tau(np.linspace(0.5, 1.0, 200))
    assert np.max(np.abs(half)) > 0.1
    p = {**ROSSLER_PARAMS, "c": orbit.params["c"]}
    assert _closes_under_simulation(rossler_rhs, p, orbit.x[0], orbit.period) < 1e-6
    # and its own period doubling is the second of the cascade
    pd2 = [sp for sp in period2.special("PD") if not sp.data.get("switched")]
    assert pd2 and pd2[0].refined
    assert pd2[0].param == pytest.approx(ref2.value, rel=1e-9)
    assert pd2[0].data["period"] == pytest.approx(ref2.period, rel=1e-8)
    assert pd2[0].param == pytest.approx(AUTO07P["rossler"]["PD"][1], rel=AUTO07P["rossler"]["PD_tol"])


def test_pd_point_survives_save_and_load_and_switches_the_same(rossler, tmp_path):
    model, period1, pd1, period2 = rossler
    loaded = bifur.load_branch(period1.save(tmp_path / "rossler.npz"))
    [pd] = loaded.special("PD")
    for key in ("profile", "mesh", "eigenfunction"):
        np.testing.assert_array_equal(pd.data[key], pd1.data[key])
    again = continue_cycles(model, pd, "c", (2.5, 4.5))   # the same call as the fixture's, from the loaded point
    assert len(again) >= 5
    np.testing.assert_allclose(again.period[:5], period2.period[:5], rtol=1e-12)


def test_pd_eigenfunction_is_antiperiodic(rossler):
    _, _, pd1, _ = rossler
    v = pd1.data["eigenfunction"]
    assert np.max(np.abs(v[-1] + v[0])) < 1e-7 * np.max(np.abs(v))


# --------------------------------------------------------------------------------------------
# tor (Freire et al.'s Z2-symmetric oscillator): the symmetry-breaking branch point of cycles
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tor():
    model = tor_model()
    eq = continue_equilibria(model, "nu", (-0.9, -0.4), start=[0.0, 0.0, 0.0])  # the origin
    hopf = eq.special("H")[0]
    with warnings.catch_warnings():  # near its homoclinic end the multipliers become too imprecise
        warnings.simplefilter("ignore", bifur.BranchWarning)
        symmetric = continue_cycles(model, hopf, "nu", (-0.9, -0.5))
    bpc = symmetric.special("BPC")[0]
    asymmetric = continue_cycles(model, bpc, "nu", (-0.6, -0.5), at=[-0.595])
    return model, symmetric, bpc, asymmetric


def test_tor_fold_and_branch_point_of_symmetric_cycles_against_shooting(tor):
    _, symmetric, bpc, _ = tor
    ref = tor_symmetric_cycles()
    lpc = symmetric.special("LPC")[0]
    assert [sp.kind for sp in symmetric.special_points[:3]] == ["H", "LPC", "BPC"]
    assert lpc.refined and lpc.param == pytest.approx(ref["LPC"].value, rel=1e-9)
    assert bpc.refined and bpc.param == pytest.approx(ref["BPC"].value, rel=1e-9)
    assert bpc.data["period"] == pytest.approx(ref["BPC"].period, rel=1e-8)
    assert bpc.param == pytest.approx(AUTO07P["tor"]["BPC"][0], abs=AUTO07P["tor"]["cycle_tol"])
    # the cycles on the symmetric branch are symmetric: x(t + T/2) = -x(t)
    orbit = symmetric.orbit(bpc.index)
    tau = np.linspace(0, 0.5, 101)
    assert np.max(np.abs(orbit.evaluate_tau(tau) + orbit.evaluate_tau(tau + 0.5))) < 1e-6


def test_tor_second_fold_and_branch_point_against_shooting(tor):
    """Further along the symmetric branch the second pair: a fold and, 7.6e-5 away, a BPC."""
    _, symmetric, _, _ = tor
    ref = tor_second_lpc_bpc()
    assert [sp.kind for sp in symmetric.special_points[3:5]] == ["LPC", "BPC"]
    lpc, bpc = symmetric.special_points[3:5]
    assert lpc.refined and lpc.param == pytest.approx(ref["LPC"].value, rel=1e-9)
    assert bpc.refined and bpc.param == pytest.approx(ref["BPC"].value, rel=1e-9)
    assert bpc.data["period"] == pytest.approx(ref["BPC"].period, rel=1e-8)


def test_tor_switching_at_bpc_breaks_the_symmetry(tor):
    model, _, bpc, asymmetric = tor
    [start] = [sp for sp in asymmetric.special_points if sp.data.get("switched")]
    assert start.kind == "BPC" and asymmetric.meta["switching"] == "algebraic bifurcation equation"
    # both halves of the crossing branch leave the branch point (the start lies inside the branch)
    assert 0 < start.index < len(asymmetric) - 1
    pts = asymmetric.at(-0.595)
    assert len(pts) == 2  # the two mirror-image asymmetric cycles, one on each half of the branch
    tau = np.linspace(0, 0.5, 101)
    orbits = [asymmetric.orbit(i) for i in pts]
    for orbit in orbits:
        amp = np.max(np.abs(orbit.x))
        assert np.max(np.abs(orbit.evaluate_tau(tau) + orbit.evaluate_tau(tau + 0.5))) > 1e-2 * amp
        p = {**dict(model.params), "nu": -0.595}
        assert _closes_under_simulation(tor_rhs, p, orbit.x[0], orbit.period) < 1e-6
    # mirror images: the maximum of x on one is minus the minimum on the other, same period
    a, b = (orbit.evaluate_tau(np.linspace(0.0, 1.0, 20001))[:, 0] for orbit in orbits)
    assert orbits[0].period == pytest.approx(orbits[1].period, rel=1e-8)
    assert a.max() == pytest.approx(-b.min(), rel=1e-6)
    assert abs(a.max() + a.min()) > 1e-3


def test_perpendicular_fallback_also_breaks_the_symmetry(tor, monkeypatch):
    """Without the algebraic bifurcation equation (system above the size limit) the kernel vector
    orthogonal to the branch is the predictor; at a symmetric pitchfork it is exact."""
    from bifur.continuation import cycle_starts
    model, _, bpc, _ = tor
    monkeypatch.setattr(cycle_starts, "DENSE_LIMIT", 0)
    br = continue_cycles(model, bpc, "nu", (-0.6, -0.5), at=[-0.595])
    assert br.meta["switching"].startswith("perpendicular")
    for i in br.at(-0.595):
        orbit = br.orbit(i)
        tau = np.linspace(0, 0.5, 101)
        assert np.max(np.abs(orbit.evaluate_tau(tau) + orbit.evaluate_tau(tau + 0.5))) > 1e-2 * np.max(np.abs(orbit.x))


def test_transcritical_branch_point_of_cycles_switches_along_the_closed_form():
    """x' = -y(1 + z) + x(1 - r²), y' = x(1 + z) + y(1 - r²), z' = z(mu - z): the unit cycle with
    z = 0 for every mu crosses the cycles z = mu (period 2 pi/(1 + mu)) at mu = 0, a BPC whose other
    branch is neither the known tangent nor perpendicular to it: the algebraic bifurcation
    equation gives it, and both halves follow z = mu."""
    model = bifur.Model.from_text("""
        dx/dt = -y*(1 + z) + x*(1 - x**2 - y**2)
        dy/dt = x*(1 + z) + y*(1 - x**2 - y**2)
        dz/dt = z*(mu - z)
    """, params={"mu": -0.5}, init={"x": 1.0, "y": 0.0, "z": 0.0}, name="transcritical_cycles", time_unit="1")
    with warnings.catch_warnings():
        warnings.simplefilter("error", bifur.BranchWarning)
        trivial = continue_cycles(model, bifur.find_cycle(model, x0=[1.0, 0.0, 0.0]), "mu", (-0.5, 0.5))
        [bpc] = trivial.special("BPC")
        other = continue_cycles(model, bpc, "mu", (-0.5, 0.5))
    assert abs(bpc.param) < 1e-12 and bpc.refined
    assert other.meta["switching"] == "algebraic bifurcation equation"
    mu = other["mu"]
    np.testing.assert_allclose(other.max("z"), mu, atol=1e-10)
    np.testing.assert_allclose(other.min("z"), mu, atol=1e-10)
    np.testing.assert_allclose(other.period, 2 * np.pi / (1 + mu), rtol=1e-10)
    assert mu.min() == -0.5 and mu.max() == 0.5


def test_bpc_test_is_full_determinant_over_initial_value_determinant():
    """The BPC test: sign(det [J; row]) |r| with r = det [J; row] / det(IVP) (numpy's dense
    determinants of the assembled matrix and of its initial-value block, x(0) given)."""
    from bifur._mesh import Basis
    from bifur.continuation.cycle_linear import dense_jacobian
    from bifur.continuation.cycles import CycleProblem
    cm = tor_model().compile()
    rng = np.random.default_rng(3)
    N, m, n = 5, 4, 3
    mesh = np.sort(np.concatenate([[0.0, 1.0], rng.uniform(0.05, 0.95, N - 1)]))
    X = 0.5 * rng.standard_normal((N * m + 1, n))
    pb = CycleProblem(cm, 0, cm.param_vector(), mesh, Basis(m), X + 0.1, adapt_every=0)
    z = pb.pack(X, 6.0, -0.55)
    row = rng.standard_normal(pb.size)
    sol = pb.solve_bordered(pb.jacobian(z), row, np.zeros(pb.size - 1), 1.0)
    A = np.vstack([dense_jacobian(pb, z), row])
    sign_full, logdet_full = np.linalg.slogdet(A)
    ivp = A[:N * m * n, n:pb.nx]                         # collocation rows, unknowns x_1 ... x_N
    sign_ivp, logdet_ivp = np.linalg.slogdet(ivp)
    assert sol.shoot_logdet == pytest.approx(logdet_full - logdet_ivp, abs=1e-8)
    tau = sol.x / np.linalg.norm(sol.x)
    value = sol.bpc_test(tau)
    assert abs(value) == pytest.approx(math.exp(logdet_full - logdet_ivp) / abs(row @ tau), rel=1e-8)


# --------------------------------------------------------------------------------------------
# FitzHugh-Nagumo (AUTO demo fhn): through the canard explosion, the fold of cycles
# --------------------------------------------------------------------------------------------
def test_fhn_branch_passes_the_canard_explosion_and_reports_the_fold():
    model = fhn_model()
    eq = continue_equilibria(model, "a", (0.0, 1.0))
    [hopf] = eq.special("H")
    with warnings.catch_warnings():
        warnings.simplefilter("error", bifur.BranchWarning)
        br = continue_cycles(model, hopf, "a", (0.0, 1.0))
    ref = fhn_lpc()
    assert br.status.code == StatusCode.PARAM_BOUND and br.status.ok
    assert not br.special("SNIC") and not br.special("HOM")
    [lpc] = br.special("LPC")
    assert lpc.refined and lpc.param == pytest.approx(ref.value, rel=1e-9)
    assert lpc.data["period"] == pytest.approx(ref.period, rel=1e-4)  # a is flat in T at the fold
    assert lpc.param == pytest.approx(AUTO07P["fhn"]["LPC"][0], abs=AUTO07P["fhn"]["LPC_tol"])
    # the period grew through the canard explosion (> 2.5 times the Hopf period) and the branch
    # came back as the relaxation cycle down to a = 0
    assert br.period.max() > 2.5 * hopf.data["period"]
    assert br.param[-1] == 0.0
    end = br.orbit(len(br) - 1)
    assert _closes_under_simulation(fhn_rhs, {**dict(model.params), "a": 0.0}, end.x[0], end.period) < 1e-6


def test_unexplained_period_growth_is_not_a_success():
    """A diverging period with no equilibrium next to the orbit is reported as unexplained (not ok):
    the Stuart-Landau cycle of radius 1 is far from its only equilibrium, the origin."""
    from bifur.continuation.cycle_ends import classify_divergence
    from bifur.continuation.cycles import CycleProblem
    from bifur._mesh import Basis
    model = bifur.Model.from_text("""
        dx/dt = mu*x - y + sigma*x*(x**2 + y**2)
        dy/dt = x + mu*y + sigma*y*(x**2 + y**2)
    """, params={"mu": 1.0, "sigma": -1.0}, init={"x": 1.0, "y": 0.0}, time_unit="1")
    br = continue_cycles(model, bifur.find_cycle(model), "mu", (0.5, 1.5))
    cm = model.compile()
    orbit = br.orbit(len(br) - 1)
    pb = CycleProblem(cm, cm.param_index("mu"), cm.param_vector(orbit.params), orbit.mesh, Basis(orbit.ncol),
                      orbit.x)
    pb.T_start = orbit.period / 20
    points = [type("P", (), {"record": {"period": orbit.period * (1 + k)},
                             "z": np.append(orbit.x.ravel(), [orbit.period, 1.5 - 0.01 * k]),
                             "special": None})() for k in range(3)]
    status, extra = classify_divergence(pb, points, orbit.x, orbit.period, cm.param_vector(orbit.params))
    assert status.code == StatusCode.UNEXPLAINED and not status.ok and "unexplained" in status.message
    assert points[-1].special is None and extra == []


# --------------------------------------------------------------------------------------------
# Nothing dropped without a trace
# --------------------------------------------------------------------------------------------
def test_imprecise_multipliers_discard_is_a_warning_diagnostic():
    """On a coarse mesh (NTST = 10) the trivial multiplier of the unstable HH cycles is too imprecise
    to decide the PD sign changes: each becomes a warning diagnostic and the run warns."""
    from bifur.models import hodgkin_huxley
    hh = hodgkin_huxley()
    h1 = continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]
    with pytest.warns(bifur.BranchWarning, match="multipliers too imprecise"):
        br = continue_cycles(hh, h1, "I", (0.0, 200.0), ntst=10)
    discarded = [d for d in br.diagnostics if d.severity == "warning" and "too imprecise" in d.message]
    assert discarded and {d.kind for d in discarded} <= {"PD", "NS"}
    assert all(math.isfinite(d.param) for d in discarded)
    assert not br.complete


def test_records_below_algorithms():
    """bifur/cycle.py (the Cycle record) imports no algorithm at module level (spikes.py, the counting
    rule it shares with simulations, imports nothing of bifur); the public names work."""
    tree = ast.parse(Path(bifur.cycle.__file__).read_text())
    imported = {node.module for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "dataclasses", None, "_mesh", "errors", "model", "spikes"}, imported
    leaf = ast.parse(Path(bifur.spikes.__file__).read_text())
    assert not [n for n in ast.walk(leaf) if isinstance(n, ast.ImportFrom) and n.level > 0]
    assert bifur.Cycle is bifur.cycle.Cycle
    from bifur.continuation.find_cycle import find_cycle
    assert bifur.find_cycle is find_cycle


# --------------------------------------------------------------------------------------------
# An isola of cycles (HH at gK = 54, above the generalized Hopf point: no Hopf point starts it)
# --------------------------------------------------------------------------------------------
def test_isola_of_cycles_closes_once_and_its_folds_bound_firing_in_simulation():
    """The closed branch found from a simulated cycle stops once with CLOSED_LOOP and lists its two
    folds once each (it used to go round until max_steps, listing 371 folds); simulation just
    inside either fold keeps firing for 3 s, just outside it stops."""
    hh = hodgkin_huxley()
    fi = bifur.fi_curve(hh, "I", (0.0, 200.0), params={"gK": 54.0})
    [cycles] = fi.cycles
    assert cycles.status.code == StatusCode.CLOSED_LOOP and cycles.status.ok and cycles.complete
    lo, hi = sorted(sp.param for sp in cycles.special("LPC"))
    assert len(cycles.special("LPC")) == 2 and 35.0 < lo < hi < 75.0
    assert fi.onset.kind == "LPC" and fi.rheobase == pytest.approx(lo, rel=1e-12)
    assert fi.bistable == [pytest.approx((lo, hi), rel=1e-9)]
    stable = cycles.stable
    for current, fires in ((lo - 0.3, False), (lo + 0.3, True), (hi - 0.3, True), (hi + 0.3, False)):
        j = int(np.argmin(np.abs(cycles.param - current) + 1e3 * ~stable))
        x0 = dict(zip(hh.state_names, cycles.orbit(j).x[0]))
        spikes = bifur.simulate(hh, 3000.0, params={"gK": 54.0, "I": current}, x0=x0).spike_times
        assert (len(spikes) > 0 and spikes[-1] > 2900.0) == fires, (current, len(spikes))


def test_find_cycle_near_a_period_doubling_returns_the_fundamental_period():
    """At c = 2.8, just before the first PD (2.8324), the simulated transient alternates (multiplier
    -0.98): successive returns to the section differ, so the simulation sees twice the period. The
    converged orbit is then two turns of one orbit; find_cycle must return the orbit itself."""
    model = rossler_model(c=2.8)
    cyc = bifur.find_cycle(model, x0=[1.0, 0.0, 0.0])
    p = {**ROSSLER_PARAMS, "c": 2.8}
    assert _closes_under_simulation(rossler_rhs, p, cyc.x[0], cyc.period) < 1e-6
    assert 5.0 < cyc.period < 6.5 and cyc.multipliers[1].real == pytest.approx(-0.978, abs=0.01)
    [pd] = continue_cycles(model, cyc, "c", (2.5, 3.0)).special("PD")
    assert pd.param == pytest.approx(AUTO07P["rossler"]["PD"][0], rel=AUTO07P["rossler"]["PD_tol"])
