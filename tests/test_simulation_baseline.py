"""The simulation baseline sees every spike: no fixed threshold, rates from inter-spike intervals,
failed runs as NaN with their status, classes with Hodgkin's meaning.

References: the Hodgkin-Huxley Hopf point HB2 at I = 154.5224 and the fold of cycles at
I = 6.2603 (AUTO-07p, ../shared/reference/hodgkin_huxley_auto07p.json); rates by continuation
are checked against AUTO-07p elsewhere (tests/test_neuro.py), here they are the reference for
the simulated rates.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import bifur
from bifur import Model, fi_curve, simulate, simulate_many
from bifur.models import hodgkin_huxley, morris_lecar

HB2 = 154.5224  # AUTO-07p, Hodgkin-Huxley second Hopf point (supercritical)


@pytest.fixture(scope="module")
def hh_curves():
    hh = hodgkin_huxley()
    currents = np.arange(10.0, 150.0 + 1e-9, 5.0)
    sim = fi_curve(hh, "I", (0.0, 200.0), method="simulation")
    sim_at = fi_curve(hh, "I", (0.0, 200.0), method="simulation", at=currents)
    cont = fi_curve(hh, "I", (0.0, 200.0), at=currents)
    return currents, sim, sim_at, cont


def test_hh_simulated_rates_agree_with_continuation_where_both_fire(hh_curves):
    currents, _, sim_at, cont = hh_curves
    both = (sim_at.rate_hz > 0) & (cont.rate_hz > 0)
    assert both.sum() >= 27  # every current from 10 to 150 fires in both
    np.testing.assert_allclose(sim_at.rate_hz[both], cont.rate_hz[both], rtol=5e-3)
    # at high input the spikes stay below 0 mV: a fixed 0 mV threshold would say 0 Hz there
    assert sim_at.rate_hz[currents == 100.0][0] > 140.0


def test_hh_simulated_block_within_two_percent_of_the_hopf_point(hh_curves):
    _, sim, _, _ = hh_curves
    assert sim.approximate and sim.onset is None and sim.block is None
    assert sim.block_input == pytest.approx(HB2, rel=0.02)
    assert "≈" in sim.summary()
    assert sim.excitability_class == 2


def test_class_one_from_the_shape_of_the_simulated_onset():
    ml = morris_lecar("snic")
    sim = fi_curve(ml, "I", (30.0, 60.0), method="simulation", at=np.linspace(30.0, 60.0, 31))
    assert sim.excitability_class == 1
    assert 39.0 <= sim.rheobase <= 41.5  # the SNIC is at I* = 39.963 (fold of equilibria)


def test_failed_runs_give_nan_and_their_status():
    # x' = a x^2 blows up in finite time (1/a from x = 1) for a > 0; at a < 0 it decays
    m = Model.from_text("dV/dt = a*V**2", params={"a": 1.0}, init={"V": 1.0}, time_unit="1")
    st = simulate_many(m, "a", [-1.0, 0.5], 10.0, t_discard=1.0)
    assert st.rate_hz[0] == 0.0 and st.statuses[0].ok
    assert math.isnan(st.rate_hz[1]) and not st.statuses[1].ok


def test_no_spikes_at_all_is_class_none_not_three():
    passive = Model.from_text("dV/dt = (I - (V + 65))/10", params={"I": 0.0}, init={"V": -65.0}, name="rc")
    for method in ("continuation", "simulation"):
        fi = fi_curve(passive, "I", (0.0, 50.0), method=method)
        assert fi.excitability_class is None, method
        assert "undecided" in fi.summary()


def test_a_single_spike_to_a_step_without_tonic_firing_is_class_three():
    """HH below its repetitive-firing onset (the fold of cycles at I = 6.26): a step to I = 5
    from rest evokes one action potential and then rest."""
    tr = simulate(hodgkin_huxley(), 200.0, params={"I": 5.0})
    assert tr.spike_times.size == 1 and tr.rate_hz(50.0) == 0.0
    for method in ("continuation", "simulation"):
        fi = fi_curve(hodgkin_huxley(), "I", (0.0, 5.0), method=method)
        assert fi.excitability_class == 3, method


def test_spikes_do_not_depend_on_a_threshold():
    """Near depolarization block the HH oscillation is a few mV around -43 mV; it is still firing."""
    tr = simulate(hodgkin_huxley(), 1200.0, params={"I": 154.0})
    assert tr.rate_hz(900.0) > 100.0
    assert simulate(hodgkin_huxley(), 1200.0, params={"I": 154.0}, threshold=0.0).rate_hz(900.0) == 0.0


def test_integration_noise_at_rest_is_not_firing():
    """Morris-Lecar (snic set) at phi = 0.385, I = 60: two spikes, then the trajectory settles on
    the stable depolarized equilibrium; the integrator's error leaves extrema of ~1e-6 mV there,
    whose prominence is the whole (tiny) range of the window after the transient. They are not
    spikes: the rate is 0 (it was 92.8 Hz), and the state is the stable equilibrium."""
    ml = morris_lecar("snic")
    tr = simulate(ml, 3000.0, params={"phi": 0.385, "I": 60.0})
    [eq] = [e for e in bifur.find_equilibria(ml, params={"phi": 0.385, "I": 60.0}) if e.stable]
    np.testing.assert_allclose(tr.final_state, eq.x, atol=1e-5)
    assert tr.rate_hz(t_from=1000.0) == 0.0 and tr.spike_times.size == 2


ROSSLER_TEXT = """
dx/dt = -y - z
dy/dt = x + a*y
dz/dt = b + z*(x - c)
"""


def test_a_cycle_with_two_spikes_fires_at_twice_its_frequency():
    """After the first period doubling of the Rössler system (c = 2.8324, AUTO-07p; the next at 3.8374)
    the stable orbit at c = 3.5 turns twice before closing: x has two maxima per period, and a
    simulation counts both. The rate of the orbit (and of its branch) is spikes/period, equal to the
    simulated rate; before, 1/period reported half of it. At c = 2.5 (one turn) both are 1/period."""
    m = Model.from_text(ROSSLER_TEXT, params=dict(a=0.2, b=0.2, c=3.5), init=dict(x=1.0, y=1.0, z=0.0),
                        name="rossler_x", voltage="x")
    orbits = {}
    for c, spikes in ((3.5, 2), (2.5, 1)):
        cyc = orbits[c] = bifur.find_cycle(m, params={"c": c}, x0={"x": 1.0, "y": 1.0, "z": 0.0})
        simulated = simulate(m, 400 * cyc.period, params={"c": c}, x0=cyc.x[0]).rate_hz(t_from=10 * cyc.period)
        assert cyc.spikes == spikes
        assert cyc.rate_hz == pytest.approx(spikes * cyc.frequency_hz, rel=1e-12)
        assert simulated == pytest.approx(cyc.rate_hz, rel=1e-3)
    br = bifur.continue_cycles(m, orbits[3.5], "c", (3.3, 3.7))
    assert np.all(br.spikes == 2)
    np.testing.assert_allclose(br.rate_hz, 2 * br.frequency_hz, rtol=1e-12)
