"""Reduced spiking models with a reset: reset-map continuation, f-I, firing patterns, against closed forms
and an event-exact simulation (scipy solve_ivp, DOP853 rtol 1e-12, resets at located crossings)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import bifur
from bifur import ModelError, continue_cycles, fi_curve, firing_pattern
from bifur.continuation.reset_maps import ResetMap
from bifur.models import adex, izhikevich, qif


def event_exact_spikes(model, params, t_end, x0=None):
    """Spike (reset) times by solve_ivp with the reset applied at each located threshold crossing."""
    cm = model.compile()
    p = cm.param_vector(params)
    x = cm.init_vector() if x0 is None else np.asarray(x0, float)
    ev = lambda t, y: cm.reset_g(y, p)  # noqa: E731
    ev.terminal, ev.direction = True, 1
    t, spikes = 0.0, []
    while t < t_end:
        sol = solve_ivp(lambda t, y: cm.rhs(y, p), (t, t_end), x, method="DOP853", rtol=1e-12, atol=1e-12,
                        events=ev)
        if sol.status != 1:
            break
        t = float(sol.t_events[0][0])
        spikes.append(t)
        x = cm.reset_apply(sol.y_events[0][0], p)
    return np.array(spikes)


def test_qif_rate_closed_form():
    model = qif()
    at = [0.01, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0]
    br = continue_cycles(model, 5.0, "I", (0.0, 10.0), at=at)
    vp, vr = model.params["v_peak"], model.params["v_reset"]
    for current in at:
        [i] = br.at(current)
        T = (math.atan(vp / math.sqrt(current)) - math.atan(vr / math.sqrt(current))) / math.sqrt(current)
        assert br.period[i] == pytest.approx(T, rel=1e-8)
        assert br.frequency_hz[i] == pytest.approx(1.0 / T, rel=1e-8)  # dimensionless time: per unit
    snic = br.special("SNIC")
    assert snic and abs(snic[0].param) < 1e-6 and snic[0].data["K_normal_form"] == pytest.approx(math.pi, rel=1e-6)


def test_reset_map_derivatives_against_finite_differences():
    model = izhikevich("CH")
    cm = model.compile()
    p = cm.param_vector(I=10.0)
    rmap = ResetMap(cm)
    x0 = np.array([-50.0, -8.0])
    _, DP, Pp, _, _ = rmap(x0, p)
    h = 1e-5
    fd = np.column_stack([(rmap(x0 + e, p)[0] - rmap(x0 - e, p)[0]) / (2 * h) for e in np.eye(2) * h])
    np.testing.assert_allclose(DP, fd, rtol=1e-6, atol=1e-8)
    ip = cm.param_index("I")
    e = np.zeros_like(p)
    e[ip] = h
    np.testing.assert_allclose(Pp[:, ip], (rmap(x0, p + e)[0] - rmap(x0, p - e)[0]) / (2 * h), rtol=1e-6, atol=1e-8)


def test_izhikevich_rs_rates_match_event_exact_simulation():
    model = izhikevich("RS")
    eq = bifur.continue_equilibria(model, "I", (0.0, 10.0))
    assert eq.special("LP")[0].param == pytest.approx(4.0, abs=1e-8)  # saddle-node of the smooth part
    at = [5.0, 10.0, 20.0, 40.0]
    br = continue_cycles(model, 20.0, "I", (4.5, 50.0), at=at)
    for current in at:
        [i] = br.at(current)
        spikes = event_exact_spikes(model, {"I": current}, 2000.0)
        isi = np.diff(spikes)[-3:]
        assert np.ptp(isi) < 1e-6 * isi.mean()  # settled on tonic spiking
        assert br.period[i] == pytest.approx(isi.mean(), rel=1e-5)
        assert br.stable[i]


def test_chattering_is_bursting_with_the_simulated_spike_count():
    model = izhikevich("CH")
    params = {"I": 10.0}
    # no stable fixed point of P: the tonic orbit, if any, is unstable
    cm = model.compile()
    from bifur.continuation.reset_maps import reset_fixed_point
    try:
        _, rec = reset_fixed_point(model, params)
        assert not rec["stable"]
    except bifur.SolverError:
        pass
    fp = firing_pattern(model, params)
    assert fp.kind == "bursting" and fp.stable
    spikes = event_exact_spikes(model, params, 3000.0)
    isi = np.diff(spikes[spikes > 1000.0])
    long = isi > math.sqrt(isi.min() * isi.max())
    bursts = np.split(isi, np.flatnonzero(long) + 1)
    sizes = {len(b) for b in bursts[1:-1]}  # spikes per burst = short intervals + 1 ... counted per period
    assert sizes == {fp.spikes_per_burst}
    np.testing.assert_allclose(np.sort(fp.isi), np.sort(isi[-fp.k:]), rtol=1e-5)
    assert cm.has_reset


def test_tonic_and_quiescent_patterns():
    assert firing_pattern(izhikevich("RS"), {"I": 10.0}).kind == "tonic"
    assert firing_pattern(izhikevich("RS"), {"I": 0.0}).kind == "quiescent"
    with pytest.raises(ModelError, match="no reset"):
        firing_pattern(bifur.models.hodgkin_huxley())


def test_adex_rheobase_is_the_saddle_node_current():
    """Touboul & Brette (2008): for a < C/tau_w the rest state disappears at a saddle-node, at
    I_SN = (gL + a) (VT - EL - DeltaT + DeltaT ln(1 + a/gL))."""
    model = adex()
    for a in (0.0, 1.0):
        P = model.param_values({"a": a})
        assert a < P["C"] / P["tau_w"]
        i_sn = (P["gL"] + a) * (P["VT"] - P["EL"] - P["DeltaT"] + P["DeltaT"] * math.log(1 + a / P["gL"]))
        fi = fi_curve(model, "I", (0.0, 1000.0), params={"a": a})
        assert fi.onset.kind == "SNIC" and fi.rheobase == pytest.approx(i_sn, rel=1e-7)
        assert fi.excitability_class == 1


def test_izhikevich_fi_continuation_vs_simulation():
    model = izhikevich("RS")
    at = np.array([5.0, 10.0, 20.0, 40.0])
    cont = fi_curve(model, "I", (0.0, 50.0), at=at)
    sim = fi_curve(model, "I", (0.0, 50.0), at=at, method="simulation", t_end=3000.0, t_discard=1000.0)
    np.testing.assert_allclose(sim.rate_hz, cont.rate_hz, atol=0.5 + 1e-9)  # 2 s count: 0.5 Hz resolution
    assert cont.rheobase < 4.0 + 1e-9  # firing appears at (or below) the smooth part's saddle-node


def _numpy_network(a, b, c, d, S, noise, steps, rng):
    """Izhikevich's (2003) MATLAB loop, literally, in numpy."""
    v = -65.0 * np.ones(a.size)
    u = b * v
    firings = []
    for t in range(steps):
        current = noise * rng.standard_normal(a.size)
        fired = np.flatnonzero(v >= 30)
        firings += [(t, i) for i in fired]
        v[fired] = c[fired]
        u[fired] += d[fired]
        current += S[:, fired].sum(axis=1)
        v += 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + current)
        v += 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + current)
        u += a * (b * v - u)
    return firings


def test_network_matches_the_reference_loop_without_noise_and_with_any_weights():
    rng = np.random.default_rng(3)
    n = 50
    a, b = np.full(n, 0.02), np.full(n, 0.2)
    c, d = -65 + 15 * rng.random(n) ** 2, 8 - 6 * rng.random(n) ** 2
    S = rng.normal(0, 2.0, (n, n))
    v0 = -65 + 40 * rng.random(n)
    res = bifur.simulate_izhikevich_network(a, b, c, d, S, np.zeros(n), t_end=300.0, v0=v0)
    # reference: same deterministic dynamics (noise std 0) with v0 by the numpy loop
    v, u = v0.copy(), b * v0
    ref = []
    for t in range(300):
        fired = np.flatnonzero(v >= 30)
        ref += [(t, i) for i in fired]
        v[fired] = c[fired]
        u[fired] += d[fired]
        cur = S[:, fired].sum(axis=1)
        v += 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + cur)
        v += 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + cur)
        u += a * (b * v - u)
    assert len(ref) > 20
    assert list(zip(res.spike_times.astype(int), res.spike_neurons)) == ref


def test_izhikevich_2003_network_statistics():
    res = bifur.izhikevich_network(seed=5)
    assert res.n_neurons == 1000 and res.t_end == 1000.0
    rates = res.rates_hz()
    assert 3.0 < rates[:800].mean() < 15.0 and 3.0 < rates[800:].mean() < 30.0
    # the network oscillates: the population rate has a dominant rhythm in the alpha/gamma range
    t, pop = res.population_rate(1.0)
    spec = np.abs(np.fft.rfft(pop - pop.mean())) ** 2
    freqs = np.fft.rfftfreq(pop.size, 1e-3)
    peak = freqs[1:][np.argmax(spec[1:])]
    assert 5.0 < peak < 60.0
    res2 = bifur.izhikevich_network(seed=5)
    np.testing.assert_array_equal(res.spike_times, res2.spike_times)  # reproducible with a seed
