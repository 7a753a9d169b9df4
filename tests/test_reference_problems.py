"""Checks of the reference values in reference_problems.py, each by a second route.

Nothing here exercises bifur's numerics: bifur only parses the model text, and its numpy
backend is compared with the plain right-hand sides the references are computed from. Second
routes: closed forms against numerical root finding (and vice versa), the same shooting at two
tolerances, two test functions for one point (multiplier vs. extremum, half- vs. full-period),
a Poincaré map without variational equations, residuals of the returned states and orbits
with plain ``solve_ivp``, a published periodic orbit (ChaosBook) and AUTO-07p's own output.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar

from reference_problems import (AUTO07P, CHAOSBOOK_ROSSLER_UPO, ENZ_PARAMS, FHN_PARAMS, PP2_PARAMS,
                                ROSSLER_PARAMS, TOR_PARAMS, enz_model, enz_reference, enz_rhs,
                                enz_symmetric_s0, fhn_lpc, fhn_model, fhn_reference, fhn_rhs,
                                pitchfork_branches, pitchfork_model, pitchfork_reference, pp2_model,
                                pp2_reference, pp2_rhs, rossler_cycle, rossler_model, rossler_period_doublings,
                                rossler_poincare_multipliers, rossler_rhs, tor_bpc_full_period, tor_model,
                                tor_reference, tor_rhs, tor_second_lpc_bpc, tor_symmetric_cycle_at_period,
                                tor_symmetric_cycles, transcritical_branches,
                                transcritical_model, transcritical_reference)


def fd_jacobian(rhs, x, p, h=1e-6):
    x = np.asarray(x, float)
    return np.column_stack([(rhs(x + h * e, p) - rhs(x - h * e, p)) / (2 * h) for e in np.eye(x.size)])


def ordered(cm, values: dict) -> np.ndarray:
    return np.array([values[k] for k in cm.model.state_names])


# --------------------------------------------------------------------------- model texts
@pytest.mark.parametrize("make, rhs, params", [
    (enz_model, enz_rhs, ENZ_PARAMS), (pp2_model, pp2_rhs, PP2_PARAMS), (fhn_model, fhn_rhs, FHN_PARAMS),
    (rossler_model, rossler_rhs, ROSSLER_PARAMS), (tor_model, tor_rhs, TOR_PARAMS),
], ids=["enz", "pp2", "fhn", "rossler", "tor"])
def test_model_text_matches_plain_rhs(make, rhs, params):
    rng = np.random.default_rng(7)
    overrides = {k: v * (1 + 0.1 * rng.standard_normal()) + 0.05 for k, v in params.items()}
    model = make(**overrides)
    cm = model.compile(backend="numpy")
    assert list(cm.param_names) == list(params)
    for _ in range(5):
        x = rng.uniform(-1.5, 1.5, model.n_states)
        np.testing.assert_allclose(cm.rhs(x, cm.param_vector()), rhs(x, overrides), rtol=1e-13, atol=1e-13)
    assert model.time_unit == "1"


def test_normal_forms():
    for make, branches, ref, f in [
            (pitchfork_model, pitchfork_branches, pitchfork_reference, lambda x, m: m * x - x**3),
            (transcritical_model, transcritical_branches, transcritical_reference, lambda x, m: m * x - x**2)]:
        cm = make().compile(backend="numpy")
        for mu in (-0.7, 0.3, 1.9):
            for x in (-1.3, 0.2, 2.0):
                assert cm.rhs(np.array([x]), np.array([mu]))[0] == pytest.approx(f(x, mu), abs=1e-14)
            for xs in branches(mu).values():
                for x in xs:
                    assert f(x, mu) == pytest.approx(0.0, abs=1e-14)
        [bp] = ref()["BP"]
        # at the branch point the branches meet and the eigenvalue df/dx vanishes
        mu0, x0 = bp.value, bp.state["x"]
        assert (f(x0 + 1e-7, mu0) - f(x0 - 1e-7, mu0)) / 2e-7 == pytest.approx(0.0, abs=1e-12)
        assert all(x == pytest.approx(x0, abs=1e-12) for xs in branches(mu0 + 1e-26).values() for x in xs)
    assert pitchfork_branches(-0.5)["nontrivial"] == [] and pitchfork_branches(4.0)["nontrivial"] == [-2.0, 2.0]


# --------------------------------------------------------------------------- enz
def test_enz_symmetric_points_by_a_second_route():
    ref = enz_reference()
    bps, lps = ref["BP"], ref["LP_symmetric"]
    assert [p.value for p in bps] == pytest.approx([34.2229, 22.1816], abs=5e-5)   # the brief's values
    # Second route: the full (unreduced) system, differentiated by sympy, and the standard regular
    # defining systems solved with mpmath at 30 digits from perturbed guesses; nothing assumes s1 = s2.
    # fold: F = 0, J v = 0, |v| = 1;  branch point: F + beta psi = 0, J^T psi = 0, |psi| = 1,
    # F_s0 . psi = 0 (regular at a simple branch point, with beta = 0 there).
    s1, s2, s0, v1, v2, beta = sympy.symbols("s1 s2 s0 v1 v2 beta")
    rho, kap = sympy.Integer(int(ENZ_PARAMS["rho"])), sympy.Integer(int(ENZ_PARAMS["kappa"]))
    R = lambda s: s / (1 + s + kap * s**2)  # noqa: E731
    F = sympy.Matrix([(s0 - s1) + (s2 - s1) - rho * R(s1), (s0 - s2) + (s1 - s2) - rho * R(s2)])
    J = F.jacobian([s1, s2])
    v = sympy.Matrix([v1, v2])
    fold = list(F) + list(J * v) + [v.dot(v) - 1]
    branch = list(F + beta * v) + list(J.T * v) + [v.dot(v) - 1, F.diff(s0).dot(v)]
    with mpmath.workdps(30):
        for pts, eqs, unknowns, vec in ((bps, branch, (s1, s2, s0, v1, v2, beta), (1, -1)),
                                        (lps, fold, (s1, s2, s0, v1, v2), (1, 1))):
            system = sympy.lambdify(unknowns, eqs, "mpmath")
            for p in pts:
                guess = [mpmath.mpf(p.state["s1"]) * 1.001, mpmath.mpf(p.state["s2"]) * 0.999,
                         mpmath.mpf(p.value) + 0.01, mpmath.mpf(vec[0]) * 0.7, mpmath.mpf(vec[1]) * 0.72,
                         mpmath.mpf(0)][:len(unknowns)]
                root = mpmath.findroot(lambda *z: system(*z), guess)
                assert float(root[2]) == pytest.approx(p.value, abs=1e-12)
                assert float(root[0]) == pytest.approx(p.data["s"], abs=1e-12)
                assert float(root[1]) == pytest.approx(p.data["s"], abs=1e-12)
                assert abs(float(root[3]) * vec[1] - float(root[4]) * vec[0]) < 1e-12      # the critical direction
                assert enz_symmetric_s0(p.data["s"]) == pytest.approx(p.value, abs=1e-12)
                np.testing.assert_allclose(enz_rhs([p.data["s"]] * 2, {**ENZ_PARAMS, "s0": p.value}), 0, atol=1e-11)
    # AUTO-07p: folds to its EPSL, pitchforks only to its EPSS-limited bisection
    auto = AUTO07P["enz"]
    assert [p.value for p in lps] == pytest.approx(auto["LP_symmetric"], abs=auto["LP_symmetric_tol"])
    assert [p.value for p in bps] == pytest.approx(auto["BP"], abs=auto["BP_tol"])
    assert [p.value for p in bps] == pytest.approx(auto["BP_tight"], abs=auto["BP_tight_tol"])


def test_enz_asymmetric_folds():
    lps = enz_reference()["LP_asymmetric"]
    assert len(lps) == 4
    for p in lps:
        x = np.array([p.state["s1"], p.state["s2"]])
        params = {**ENZ_PARAMS, "s0": p.value}
        np.testing.assert_allclose(enz_rhs(x, params), 0, atol=1e-11)
        J = fd_jacobian(enz_rhs, x, params)
        assert abs(np.linalg.det(J)) < 1e-7
        assert abs(x[0] - x[1]) > 1.0
    # mirror pairs, and each value is a local extremum of s0 along the asymmetric loop: solve the
    # equilibrium at fixed s1 near the fold with s0 free (brentq on F1 - F2 in s2, s0 from F1)
    assert lps[0].value == lps[1].value and lps[2].value == lps[3].value
    rho, kap = ENZ_PARAMS["rho"], ENZ_PARAMS["kappa"]
    R = lambda s: s / (1 + s + kap * s * s)  # noqa: E731
    for p in (lps[0], lps[2]):
        s1c, s2c = p.state["s1"], p.state["s2"]

        def s0_on_loop(s1):
            g = lambda s2: 3 * (s2 - s1) - rho * (R(s1) - R(s2))  # noqa: E731  F1 - F2
            s2 = brentq(g, s2c - 0.2, s2c + 0.2, xtol=1e-15)
            return 2 * s1 - s2 + rho * R(s1)

        res = minimize_scalar(lambda s: (1 if p.value < 26 else -1) * s0_on_loop(s), bounds=(s1c - 0.1, s1c + 0.1),
                              method="bounded", options={"xatol": 1e-8})
        assert s0_on_loop(res.x) == pytest.approx(p.value, abs=1e-10)
    auto = AUTO07P["enz"]
    assert [lps[0].value, lps[2].value] == pytest.approx(auto["LP_asymmetric"], abs=auto["LP_asymmetric_tol"])


# --------------------------------------------------------------------------- pp2
def test_pp2_transcriticals_fold_and_hopf():
    ref = pp2_reference()
    p2, p3, p4 = PP2_PARAMS["p2"], PP2_PARAMS["p3"], PP2_PARAMS["p4"]
    prey_only = lambda u: p2 * u * (1 - u) / (1 - math.exp(-p3 * u))  # noqa: E731  quota on u2 = 0
    bp1, bp2 = ref["BP"]
    assert prey_only(1e-9) == pytest.approx(bp1.value, abs=1e-8)           # prey-only branch leaves the origin
    assert prey_only(1 / p4) == pytest.approx(bp2.value, abs=1e-14)         # ... and meets u1 = 1/p4
    for bp in (bp1, bp2):
        x = np.array([bp.state["fish"], bp.state["sharks"]])
        params = {**PP2_PARAMS, "quota": bp.value}
        np.testing.assert_allclose(pp2_rhs(x, params), 0, atol=1e-14)
        ev = np.linalg.eigvals(fd_jacobian(pp2_rhs, x, params))
        assert np.min(np.abs(ev)) < 1e-8                                  # a zero eigenvalue: branch point
    [lp] = ref["LP"]
    res = minimize_scalar(lambda u: -prey_only(u), bounds=(0.2, 0.8), method="bounded", options={"xatol": 1e-10})
    assert prey_only(res.x) == pytest.approx(lp.value, abs=1e-13) and res.x == pytest.approx(lp.state["fish"], abs=1e-6)
    [h] = ref["H"]
    x = np.array([h.state["fish"], h.state["sharks"]])
    params = {**PP2_PARAMS, "quota": h.value}
    np.testing.assert_allclose(pp2_rhs(x, params), 0, atol=1e-14)
    ev = np.linalg.eigvals(fd_jacobian(pp2_rhs, x, params))
    assert np.max(np.abs(ev.real)) < 1e-8 and 2 * math.pi / np.max(ev.imag) == pytest.approx(h.period, rel=1e-8)
    # the Hopf point by brentq on the trace along the coexistence branch
    def trace(q):
        u1 = 1 / p4
        u2 = p2 * (1 - u1) - q * (1 - math.exp(-p3 * u1)) / u1
        return np.trace(fd_jacobian(pp2_rhs, [u1, u2], {**PP2_PARAMS, "quota": q}))
    assert brentq(trace, 0.5, 0.8, xtol=1e-14) == pytest.approx(h.value, abs=1e-9)
    auto = AUTO07P["pp2"]
    assert [bp1.value, bp2.value] == pytest.approx(auto["BP"], abs=auto["BP_tol"])
    assert lp.value == pytest.approx(auto["LP"][0], abs=auto["LP_tol"])
    assert h.value == pytest.approx(auto["H"][0], abs=auto["H_tol"])


# --------------------------------------------------------------------------- fhn
def test_fhn_hopf_points():
    b, c = FHN_PARAMS["b"], FHN_PARAMS["c"]
    for h in fhn_reference()["H"]:
        # equilibrium by brentq on the cubic a = (1 - b) x + b x^3/3, then the eigenvalues
        x = brentq(lambda x: (1 - b) * x + b * x**3 / 3 - h.value, -3, 3, xtol=1e-15)
        y = x**3 / 3 - x
        assert (x, y) == pytest.approx((h.state["x"], h.state["y"]), abs=1e-12)
        ev = np.linalg.eigvals(fd_jacobian(fhn_rhs, [x, y], {**FHN_PARAMS, "a": h.value}))
        assert np.max(np.abs(ev.real)) < 1e-8
        assert 2 * math.pi / np.max(ev.imag) == pytest.approx(h.period, rel=1e-9)
    upper = fhn_reference()["H"][1]
    assert upper.value == pytest.approx(AUTO07P["fhn"]["H"][0], abs=AUTO07P["fhn"]["H_tol"])


def test_fhn_fold_of_cycles():
    lpc = fhn_lpc()
    # a second test function (the maximum of a along the family instead of multiplier 1) at a
    # second integration tolerance
    other = fhn_lpc(1e-10, method="extremum")
    assert other.value == pytest.approx(lpc.value, abs=1e-11)
    assert other.period == pytest.approx(lpc.period, abs=1e-3)     # a is flat in the period there
    assert abs(lpc.data["log_multiplier"]) < 1e-10
    # the values: bifur stopped at a = 0.43051824 (before the fold), AUTO passes a ≈ 0.4305182
    assert lpc.value == pytest.approx(0.4305182, abs=1e-7) and lpc.value > 0.43051824
    auto = AUTO07P["fhn"]
    assert lpc.value == pytest.approx(auto["LPC"][0], abs=auto["LPC_tol"])
    assert lpc.period == pytest.approx(auto["LPC_period"][0], abs=1e-4)
    # residual of the returned orbit with plain solve_ivp on fhn_rhs (not the shooting code's field)
    seg = lpc.data["segments"]
    h = lpc.period / len(seg)
    params = {**FHN_PARAMS, "a": lpc.value}
    for k, x0 in enumerate(seg):
        end = solve_ivp(lambda t, x: fhn_rhs(x, params), (0, h), x0, method="DOP853", rtol=1e-12, atol=1e-14).y[:, -1]
        np.testing.assert_allclose(end, seg[(k + 1) % len(seg)], atol=1e-9)
    assert seg[0] == pytest.approx([lpc.state["x"], lpc.state["y"]])
    assert fhn_lpc().value == lpc.value   # cached


# --------------------------------------------------------------------------- Rössler
def test_rossler_shooting_reproduces_a_published_orbit():
    ub = CHAOSBOOK_ROSSLER_UPO
    x, period, mu = rossler_cycle(ub["c"], seed=([0.0, ub["y"], ub["z"]], ub["period"]))
    assert period == pytest.approx(ub["period"], abs=1e-9)
    assert x[1:] == pytest.approx([ub["y"], ub["z"]], abs=1e-7)
    assert mu[0].real == pytest.approx(ub["multiplier"], abs=1e-8)
    assert mu[2].real == pytest.approx(1.0, abs=1e-9)


def test_rossler_period_doublings():
    pds = rossler_period_doublings()
    loose = rossler_period_doublings(1e-10)
    for p, q in zip(pds, loose):
        assert q.value == pytest.approx(p.value, abs=1e-9) and q.period == pytest.approx(p.period, abs=1e-9)
        assert np.min(np.abs(np.array(p.data["multipliers"]) + 1)) < 1e-9
    auto = AUTO07P["rossler"]
    assert [p.value for p in pds] == pytest.approx(auto["PD"], abs=auto["PD_tol"])
    assert [p.period for p in pds] == pytest.approx(auto["PD_period"], abs=1e-8)
    assert pds[1].period == pytest.approx(2 * pds[0].period, rel=0.01)   # the doubled orbit, slightly changed
    # independent route: the return map to x = 0 (Newton with difference quotients, no variational
    # equations); its multiplier crosses -1 between c* - 1e-5 and c* + 1e-5
    for p in pds:
        seed = (p.state["y"], p.state["z"])
        below = rossler_poincare_multipliers(p.value - 1e-5, seed, rounds=p.data["rounds"], rtol=1e-11)[1]
        above = rossler_poincare_multipliers(p.value + 1e-5, seed, rounds=p.data["rounds"], rtol=1e-11)[1]
        assert below[0] > -1 > above[0], (below, above)


# --------------------------------------------------------------------------- tor
def test_tor_equilibrium_pitchfork_and_hopf():
    ref = tor_reference()
    [bp], [h] = ref["BP"], ref["H"]
    params = {**TOR_PARAMS, "nu": bp.value}
    assert abs(np.linalg.det(fd_jacobian(tor_rhs, np.zeros(3), params))) < 1e-9
    be, a3, b3 = TOR_PARAMS["beta"], TOR_PARAMS["a3"], TOR_PARAMS["b3"]
    for nu in (-0.7, -0.55):           # the bifurcating equilibria of the pitchfork
        x = math.sqrt(-(be + nu) / (a3 + b3))
        np.testing.assert_allclose(tor_rhs([x, 0.0, be * x + b3 * x**3], {**TOR_PARAMS, "nu": nu}), 0, atol=1e-14)
    ev = np.linalg.eigvals(fd_jacobian(tor_rhs, np.zeros(3), {**TOR_PARAMS, "nu": h.value}))
    pair = ev[np.abs(ev.imag) > 1e-3]
    assert np.max(np.abs(pair.real)) < 1e-9 and 2 * math.pi / np.max(pair.imag) == pytest.approx(h.period, rel=1e-9)
    # brentq on the real part of the complex pair
    re = lambda nu: np.max(np.linalg.eigvals(fd_jacobian(tor_rhs, np.zeros(3), {**TOR_PARAMS, "nu": nu}))[  # noqa: E731
        np.abs(np.linalg.eigvals(fd_jacobian(tor_rhs, np.zeros(3), {**TOR_PARAMS, "nu": nu})).imag) > 1e-3].real)
    assert brentq(re, -0.62, -0.56, xtol=1e-14) == pytest.approx(h.value, abs=1e-9)
    auto = AUTO07P["tor"]
    assert bp.value == pytest.approx(auto["BP_equilibria"][0], abs=1e-9)
    assert h.value == pytest.approx(auto["H"][0], abs=auto["H_tol"])


def test_tor_symmetric_cycle_fold_and_symmetry_breaking_branch_point():
    ref = tor_symmetric_cycles()
    lpc, bpc = ref["LPC"], ref["BPC"]
    loose = tor_symmetric_cycles(1e-10)
    assert loose["LPC"].value == pytest.approx(lpc.value, abs=1e-10)
    assert loose["BPC"].value == pytest.approx(bpc.value, abs=1e-10)
    assert loose["BPC"].period == pytest.approx(bpc.period, abs=1e-8)
    # BPC: the half-period map has eigenvalue -1, so the monodromy has +1 twice; the other is not near 1
    half = np.array(bpc.data["half_map_eigenvalues"])
    assert np.sort(np.abs(half - 1))[0] < 1e-8 and np.min(np.abs(half + 1)) < 1e-9
    # a second route that ignores the symmetry (full period)
    full = tor_bpc_full_period()
    assert full.value == pytest.approx(bpc.value, abs=1e-8) and full.period == pytest.approx(bpc.period, abs=1e-7)
    # the LPC comes first along the branch from the Hopf point (nu rises to it, then falls to the BPC)
    h = tor_reference()["H"][0]
    assert h.value < lpc.value and bpc.value < lpc.value
    # the orbit is symmetric: x(t + T/2) = -x(t), checked with plain solve_ivp on tor_rhs
    seg = bpc.data["segments"]
    params = {**TOR_PARAMS, "nu": bpc.value}
    end = solve_ivp(lambda t, x: tor_rhs(x, params), (0, bpc.period / 2), seg[0], method="DOP853",
                    rtol=1e-12, atol=1e-14).y[:, -1]
    np.testing.assert_allclose(end, -seg[0], atol=1e-9)
    auto = AUTO07P["tor"]
    assert lpc.value == pytest.approx(auto["LPC"][0], abs=auto["cycle_tol"])
    assert lpc.period == pytest.approx(auto["LPC_period"][0], abs=1e-5)
    assert bpc.value == pytest.approx(auto["BPC"][0], abs=auto["cycle_tol"])
    assert bpc.period == pytest.approx(auto["BPC_period"][0], abs=1e-5)


def test_tor_second_fold_and_stable_symmetry_breaking_branch_point():
    """The embedded constants (computed by a script) re-verified by a fresh Newton solve at the
    stored period, the sign change of the test functions on either side, and AUTO's values."""
    ref = tor_second_lpc_bpc()
    lpc, bpc = ref["LPC"], ref["BPC"]
    # The symmetric cycle at the fold's period has a second half-map eigenvalue +1, the one
    # at the branch point's period an eigenvalue -1; between them (nu rising from the fold) it is stable.
    for p, test in ((lpc, "fold_test"), (bpc, "flip_test")):
        point = [p.state[k] for k in "xyz"]
        at = tor_symmetric_cycle_at_period(p.period, p.value, point)
        assert at["nu"] == pytest.approx(p.value, abs=1e-10)
        np.testing.assert_allclose(at["point"], point, atol=1e-8)
        before = tor_symmetric_cycle_at_period(p.period - 2e-4, p.value, point, rtol=1e-11)[test]
        after = tor_symmetric_cycle_at_period(p.period + 2e-4, p.value, point, rtol=1e-11)[test]
        assert before * after < 0 and abs(at[test]) < 1e-3 * max(abs(before), abs(after))
    mid = tor_symmetric_cycle_at_period(0.5 * (lpc.period + bpc.period), 0.5 * (lpc.value + bpc.value),
                                        [bpc.state[k] for k in "xyz"], rtol=1e-11)
    mods = np.sort(np.abs(mid["half_map_eigenvalues"]))
    assert mods[-1] == pytest.approx(1.0, abs=1e-8) and mods[-2] < 1.0     # only the trivial one on the circle
    assert lpc.value < mid["nu"] < bpc.value
    auto = AUTO07P["tor"]
    assert lpc.value == pytest.approx(auto["LPC2"][0], abs=auto["cycle_tol"])
    assert bpc.value == pytest.approx(auto["BPC2"][0], abs=auto["cycle_tol"])
    assert lpc.period == pytest.approx(auto["LPC2_period"][0], abs=2e-3)   # a fold: the period is ill-conditioned
    assert bpc.period == pytest.approx(auto["BPC2_period"][0], abs=2e-3)
