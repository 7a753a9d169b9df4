"""Simulation against scipy's solve_ivp and closed forms."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import bifur
from bifur import Model, SolverError, StatusCode, simulate, simulate_many
from bifur.models import hodgkin_huxley, izhikevich, qif


def _scipy_spikes(cm, p, x0, t_end, threshold=0.0):
    iv = 0
    ev = lambda t, x: x[iv] - threshold  # noqa: E731
    ev.direction = 1
    sol = solve_ivp(lambda t, x: cm.rhs(x, p), (0, t_end), x0, method="DOP853", rtol=1e-11, atol=1e-11,
                    events=ev, dense_output=True)
    return sol


@pytest.mark.parametrize("method, tol", [("dopri5", 1e-6), ("rosenbrock", 5e-3)])
def test_hh_spike_times_match_solve_ivp(method, tol):
    model = hodgkin_huxley()
    cm = model.compile()
    p = cm.param_vector(I=10.0)
    ref = _scipy_spikes(cm, p, cm.init_vector(), 100.0)
    rtol = 1e-8 if method == "dopri5" else 1e-7
    tr = simulate(model, 100.0, params={"I": 10.0}, method=method, rtol=rtol, atol=1e-10, threshold=0.0)
    assert len(tr.spike_times) == len(ref.t_events[0]) == 7
    np.testing.assert_allclose(tr.spike_times, ref.t_events[0], atol=tol)  # issue asks 1e-3 ms
    # by default spikes are the voltage maxima: solve_ivp's events where dV/dt crosses 0 downwards
    peak = lambda t, x: cm.rhs(x, p)[0]  # noqa: E731
    peak.direction = -1
    ref_peaks = solve_ivp(lambda t, x: cm.rhs(x, p), (0, 100.0), cm.init_vector(), method="DOP853", rtol=1e-11,
                          atol=1e-11, events=peak, dense_output=True)
    big = ref_peaks.t_events[0][ref_peaks.sol(ref_peaks.t_events[0])[0] > -20.0]  # the action potentials
    tr_peaks = simulate(model, 100.0, params={"I": 10.0}, method=method, rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(tr_peaks.spike_times, big, atol=tol)
    # dense output on a grid agrees with the reference solution
    tr2 = simulate(model, 100.0, params={"I": 10.0}, method=method, rtol=rtol, dt=0.25)
    np.testing.assert_allclose(tr2.t, np.arange(0, 100.0001, 0.25), atol=1e-12)
    np.testing.assert_allclose(tr2["V"], ref.sol(tr2.t)[0], atol=100 * tol)


def test_hh_rest_is_stationary():
    tr = simulate(hodgkin_huxley(), 50.0)
    np.testing.assert_allclose(tr.x[-1], tr.x[0], atol=1e-7)
    assert tr.spike_times.size == 0


@pytest.mark.parametrize("I", [0.05, 1.0, 4.0, 10.0])
def test_qif_interspike_interval_closed_form(I):
    model = qif()
    vp, vr = model.params["v_peak"], model.params["v_reset"]
    T = (np.arctan(vp / np.sqrt(I)) - np.arctan(vr / np.sqrt(I))) / np.sqrt(I)
    tr = simulate(model, 5.5 * T, params={"I": I}, rtol=1e-10, atol=1e-12)
    isi = np.diff(tr.spike_times)
    assert isi.size >= 4
    np.testing.assert_allclose(isi, T, rtol=1e-6)
    assert tr.spike_times[0] == pytest.approx(T, rel=1e-6)  # starts at v_reset


def test_reset_is_applied_at_located_crossing():
    model = izhikevich("RS")
    tr = simulate(model, 200.0, params={"I": 10.0})
    # every spike is followed by a point at the same time with v = c
    for ts in tr.spike_times:
        k = np.flatnonzero(tr.t == ts)
        assert k.size == 2
        assert tr["v"][k[0]] == pytest.approx(30.0, abs=1e-6)
        assert tr["v"][k[1]] == -65.0
    assert tr["v"].max() <= 30.0 + 1e-6


def test_simulate_many_matches_single_runs():
    model = hodgkin_huxley()
    values = [0.0, 8.0, 20.0, 50.0]
    st = simulate_many(model, "I", values, 300.0, t_discard=50.0)
    assert st.ok
    for val, spikes in zip(values, st.spike_times):
        tr = simulate(model, 300.0, params={"I": val})
        np.testing.assert_allclose(spikes, tr.spike_times[tr.spike_times >= 50.0], atol=1e-9)
    assert st.rate_hz[0] == 0.0
    assert st.rate_hz[2] == pytest.approx(86.470, rel=1e-4)  # AUTO-07p: period 11.564697478 ms at I=20


def test_nan_right_hand_side_gives_status_and_error():
    m = Model.from_text("dx/dt = -sqrt(x)", params={}, init={"x": 1.0}, time_unit="1")
    with pytest.warns(bifur.SimulationWarning, match="NaN"):
        tr = simulate(m, 10.0, throw=False)
    assert tr.status.code in (StatusCode.NONFINITE, StatusCode.STEP_TOO_SMALL)
    assert not tr.status.ok and "t=" in tr.status.message
    assert tr.t[-1] == pytest.approx(2.0, abs=1e-2)  # x = (1 - t/2)^2 hits 0 at t = 2
    with pytest.raises(SolverError) as info:
        simulate(m, 10.0, throw=True)
    assert info.value.result.t.size > 1  # partial trajectory kept


def test_blow_up_is_reported():
    m = Model.from_text("dx/dt = x**2", params={}, init={"x": 1.0}, time_unit="1")
    with pytest.warns(bifur.SimulationWarning, match="underflow"):
        tr = simulate(m, 2.0, throw=False)
    assert not tr.status.ok
    assert tr.t[-1] < 1.0 + 1e-3
