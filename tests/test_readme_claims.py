"""Capabilities the README claims, each with a test that would fail if it broke.

Evidence: closed forms (FitzHugh-Nagumo Hopf currents, quadratic maps, a forced linear system),
AUTO-07p's torus point on the tor demo, and simulations with scipy's solve_ivp of plain-numpy
right-hand sides (hysteresis brackets around folds, alternating intervals past a period doubling).
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from reference_problems import AUTO07P, tor_model
from scipy.integrate import solve_ivp
from test_invariance import ml_rhs

import bifur
from bifur import Model, continue_cycles, continue_equilibria, fi_curve
from bifur.models import fitzhugh_nagumo, izhikevich, morris_lecar


def test_onset_at_a_supercritical_hopf_point():
    """FitzHugh-Nagumo with eps = 1 (no canard): firing starts and ends at the Hopf points, where
    1 - v² - eps b = 0, i.e. v = ∓√(1 - eps b), I = -(v - v³/3 - (v + a)/b)."""
    a, b, eps = 0.7, 0.8, 1.0
    m = fitzhugh_nagumo().with_params(eps=eps)
    fi = fi_curve(m, "I", (0.0, 3.0))
    v_on, v_off = -math.sqrt(1 - eps * b), math.sqrt(1 - eps * b)
    current = lambda v: -(v - v ** 3 / 3 - (v + a) / b)  # noqa: E731
    assert fi.onset.kind == "H" and fi.onset.param == pytest.approx(current(v_on), rel=1e-9)
    assert fi.onset.criticality == "supercritical" and fi.excitability_class == 2
    assert fi.block.kind == "H" and fi.block.param == pytest.approx(current(v_off), rel=1e-9)


def _fires(rhs, params, x0, t_end=3000.0):
    """Whether the plain-numpy system keeps spiking in the last third of a run from x0."""
    sol = solve_ivp(lambda t, x: rhs(x, params), (0, t_end), x0, method="LSODA", rtol=1e-9, atol=1e-9,
                    dense_output=True)
    v = sol.sol(np.linspace(2 * t_end / 3, t_end, 4000))[0]
    return float(np.ptp(v)) > 20.0


def test_onset_at_a_saddle_homoclinic_orbit_and_its_location():
    """Morris-Lecar 'homoclinic': firing starts at a homoclinic orbit (class 1, bistable with rest).
    Simulations bracket it: from a firing state the neuron keeps firing 0.05 above the onset and
    stops 0.05 below; near the end the period grows like -ln(I - I*)/λu."""
    m = morris_lecar("homoclinic")
    fi = fi_curve(m, "I", (0.0, 200.0))
    assert fi.onset.kind == "HOM" and fi.excitability_class == 1
    hom = fi.onset
    p = dict(m.params)
    firing_state = None
    for br in fi.cycles:
        k = np.flatnonzero(br.stable)
        if k.size:
            firing_state = br.orbit(int(k[len(k) // 2])).x[0]
    assert firing_state is not None
    assert _fires(ml_rhs, {**p, "I": hom.param + 0.05}, firing_state)
    assert not _fires(ml_rhs, {**p, "I": hom.param - 0.05}, firing_state)
    # logarithmic growth of the period with the saddle's unstable eigenvalue
    br = next(b for b in fi.cycles if b.special("HOM"))
    from scipy.optimize import curve_fit
    far = br.period > 0.5 * br.period.max()  # the last stretch, where the law applies
    side = np.sign(np.median(br.param[far] - hom.param))
    law = lambda I, slope, I_star, C: slope * np.log(side * (I - I_star)) + C  # noqa: E731
    (slope, I_star, _), _ = curve_fit(law, br.param[far], br.period[far],
                                      p0=(-1 / hom.lambda_u, hom.param - side * 1e-9, 0.0),
                                      bounds=([-np.inf, -np.inf, -np.inf] if side > 0 else [-np.inf, hom.param, -np.inf],
                                              [np.inf, hom.param, np.inf] if side > 0 else [np.inf, np.inf, np.inf]))
    assert slope == pytest.approx(-1.0 / hom.lambda_u, rel=0.05)
    assert I_star == pytest.approx(hom.param, abs=1e-6)


def test_torus_bifurcation_on_the_asymmetric_cycles_of_tor():
    """AUTO-07p (demo tor, run 3 from BP1): torus bifurcation TR at nu = -0.59165021575, T = 8.79415."""
    model = tor_model()
    eq = continue_equilibria(model, "nu", (-0.9, -0.4), start=[0.0, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        symmetric = continue_cycles(model, eq.special("H")[0], "nu", (-0.9, -0.5))
        asymmetric = continue_cycles(model, symmetric.special("BPC")[0], "nu", (-0.6, -0.5))
    pair = asymmetric.special("NS")  # one on each of the two mirror-image halves of the branch
    assert len(pair) == 2 and not np.allclose(pair[0].x, pair[1].x)
    for ns in pair:
        assert ns.param == pytest.approx(-0.59165021575, abs=1e-6)
        assert ns.period == pytest.approx(8.79415, rel=1e-5)
        assert 0 < ns.data["theta"] < math.pi
    assert "tor" in AUTO07P  # the reference run is documented in tests/reference_problems.py


# -- reset maps: folds and period doublings -------------------------------------------------------------
def _ramp(update: str, I0: float) -> Model:
    """v' = 1, u' = 0 with the reset v >= 1: v <- 0, u <- <update>: one flight of unit length per
    spike, so the reset map is u -> update(u) exactly."""
    return Model.from_text("dv/dt = 1\ndu/dt = 0", params={"I": I0}, init={"v": 0.0, "u": 0.1},
                           reset=bifur.Reset("v >= 1", {"v": "0", "u": update}), name="ramp", time_unit="1")


def test_fold_of_cycles_on_a_reset_map_branch():
    """u -> u + I - u²: fixed points u = ±√I meet in a fold at I = 0."""
    br = continue_cycles(_ramp("u + I - u**2", 0.25), 0.25, "I", (-0.5, 0.5))
    [lpc] = br.special("LPC")
    assert abs(lpc.param) < 1e-8
    np.testing.assert_allclose(br["u"] ** 2, br["I"], atol=1e-9)


def test_period_doubling_on_a_reset_map_branch():
    """u -> I - u²: the fixed point u* = (√(1 + 4I) - 1)/2 has multiplier -2u* = -1 at I = 3/4."""
    br = continue_cycles(_ramp("I - u**2", 0.5), 0.5, "I", (0.2, 1.0))
    [pd] = br.special("PD")
    assert pd.param == pytest.approx(0.75, abs=1e-8)


def test_period_doubling_of_chattering_izhikevich_matches_simulation():
    """Izhikevich CH: below its PD point the spikes come in pairs (two alternating intervals), above
    it every interval is the same (scipy simulation of the hybrid system with event location)."""
    m = izhikevich("CH")
    br = continue_cycles(m, 40.0, "I", (10.0, 40.0))
    pd = next(sp for sp in br.special("PD"))
    p = dict(m.params)

    def intervals(I):
        def rhs(t, x):
            v, u = x
            return [0.04 * v * v + 5 * v + 140 - u + I, p["a"] * (p["b"] * v - u)]

        def hit(t, x):
            return x[0] - p["v_peak"]
        hit.terminal, hit.direction = True, 1
        x, t, spikes = np.array([p["c"], p["b"] * p["c"]]), 0.0, []
        while t < 1500.0:
            sol = solve_ivp(rhs, (t, 1500.0), x, events=hit, rtol=1e-10, atol=1e-10)
            if not sol.t_events[0].size:
                break
            t = float(sol.t_events[0][0])
            spikes.append(t)
            x = np.array([p["c"], sol.y_events[0][0][1] + p["d"]])
        return np.diff(spikes[-12:])

    below, above = intervals(pd.param - 1.0), intervals(pd.param + 1.0)
    assert np.ptp(above) < 1e-3 * above.mean()
    assert np.ptp(below) > 0.05 * below.mean()
    assert np.allclose(below[2:], below[:-2], rtol=1e-3)  # period two


def test_firing_pattern_irregular():
    """u -> 4u(1 - u), the logistic map at r = 4: chaotic, so no periodic pattern is found."""
    m = _ramp("4*u*(1 - u)", 0.0).with_init(u=0.2)
    fp = bifur.firing_pattern(m, x0=[0.0, 0.2])
    assert fp.kind == "irregular"


def test_non_autonomous_simulation():
    """x' = cos(t) - x from x = 0: x = (cos t + sin t - e^-t)/2."""
    m = Model.from_text("dx/dt = cos(t) - x", params={}, init={"x": 0.0}, time_unit="1")
    tr = bifur.simulate(m, 10.0, rtol=1e-10, atol=1e-12, dt=0.5)
    np.testing.assert_allclose(tr["x"], (np.cos(tr.t) + np.sin(tr.t) - np.exp(-tr.t)) / 2, atol=1e-8)


def test_mesh_adaptation_equidistributes_and_reduces_the_error():
    """Collocation polynomials on a mesh adapted to a periodic function with a steep front interpolate it
    far better than on the uniform mesh with as many intervals (error against the function itself)."""
    from bifur._mesh import Basis, adapt_mesh, evaluate, node_times
    f = lambda tau: np.tanh(80 * np.sin(np.pi * (tau - 0.3)))[:, None]  # periodic, a steep front at 0.3  # noqa: E731
    basis = Basis(4)
    uniform = np.linspace(0.0, 1.0, 31)
    X = f(node_times(uniform, 4))
    adapted = uniform
    for _ in range(4):  # adapt, resample the function, adapt again
        adapted = adapt_mesh(f(node_times(adapted, 4)), adapted, basis, 30)
    tau = np.linspace(0.0, 1.0, 5001)[:-1]
    err_uniform = np.abs(evaluate(X, uniform, basis, tau) - f(tau)).max()
    err_adapted = np.abs(evaluate(f(node_times(adapted, 4)), adapted, basis, tau) - f(tau)).max()
    assert adapted.size == 31 and err_adapted < 0.05 * err_uniform
    h = np.diff(adapted)
    assert h[np.searchsorted(adapted, 0.3) - 1] < 0.2 * h.max()  # small intervals at the front
