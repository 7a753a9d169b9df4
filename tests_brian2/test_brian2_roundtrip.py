"""bifur -> Brian2: the Brian2 simulation of an exported model gives bifur.simulate's spike times.

Brian2 is an optional dependency whose newest release (2.9) does not import with numpy >= 2.4,
so this file lives outside the test paths of the main suite: ``.ci/run`` runs it in a second
virtual environment made with ``pip install -e ".[brian2]"`` (numpy < 2.4). It is never skipped:
without Brian2 it fails.

Brian2 records a spike at the start of the time step in which the threshold condition becomes
true, so its spike times lie within one step dt before the crossing that bifur locates on its
dense output; a reset takes effect at the end of that step, so each reset adds a delay of about
a step: the k-th spike differs by O(k dt), and the difference halves with dt.
"""
from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest

import bifur
from bifur.export import brian2_name_clashes
from bifur.models import hodgkin_huxley, izhikevich

DT = 0.005  # ms


@pytest.fixture(autouse=True)
def _brian2_scope():
    b2.prefs.codegen.target = "numpy"     # no compiler needed
    b2.start_scope()
    b2.defaultclock.dt = DT * b2.ms
    yield


def _run(code, t_end: float, n: int = 1, **group):
    g = code.neuron_group(n, **group)
    mon = b2.SpikeMonitor(g)
    b2.run(t_end * b2.ms)
    trains = mon.spike_trains()
    return [np.asarray(trains[k] / b2.ms) for k in range(n)], g


def _izhikevich_errors(dt: float) -> np.ndarray:
    model = izhikevich("RS")
    b2.start_scope()
    b2.defaultclock.dt = dt * b2.ms
    (spikes,), _ = _run(model.to_brian2(params={"I": 10.0}), 300.0)
    ref = bifur.simulate(model, 300.0, params={"I": 10.0}).spike_times
    assert len(ref) >= 5 and len(spikes) == len(ref)
    return ref - spikes


def test_izhikevich_rs_spike_times_match_bifur_simulate_to_first_order_in_dt():
    err = _izhikevich_errors(DT)
    assert err[0] >= 0 and err[0] <= DT                    # the first spike: recorded within its step
    k = np.arange(len(err)) + 1
    assert np.all(np.abs(err) <= 2 * k * DT), err / DT     # then up to about a step per reset
    finer = _izhikevich_errors(DT / 2)                     # and the difference is O(dt)
    assert np.abs(finer).max() < 0.65 * np.abs(err).max()


def test_hodgkin_huxley_threshold_crossings_match_bifur_simulate():
    model = hodgkin_huxley()
    (spikes,), _ = _run(model.to_brian2(params={"I": 10.0}, threshold=-20.0), 100.0)
    ref = bifur.simulate(model, 100.0, params={"I": 10.0}, threshold=-20.0).spike_times
    assert len(ref) == 7 and len(spikes) == len(ref)
    err = ref - spikes
    assert np.all((err >= -1e-6) & (err <= DT + 1e-6)), err


def test_a_population_with_a_current_per_neuron():
    model = izhikevich("FS")
    currents = [4.0, 8.0, 14.0]
    code = model.to_brian2(per_neuron=["I"])
    g = code.neuron_group(3)
    assert np.allclose(np.asarray(g.I), 0.0)                # the model's default, set by neuron_group
    g.I = currents
    mon = b2.SpikeMonitor(g)
    b2.run(150.0 * b2.ms)
    for k, current in enumerate(currents):
        ref = bifur.simulate(model, 150.0, params={"I": current}).spike_times
        got = np.asarray(mon.spike_trains()[k] / b2.ms)
        assert len(got) == len(ref) >= 2
        assert np.all(np.abs(ref - got) <= 3 * DT * (np.arange(len(ref)) + 1)), (ref - got) / DT


def test_simultaneous_reset_time_dependence_and_dimensionless_time():
    model = bifur.Model.from_text("dx/dt = 1\ndy/dt = -0.1*y + sin(t)", params={"a": 0.1},
                                  init={"x": 0.0, "y": 2.0}, time_unit="1",
                                  reset=bifur.Reset("x >= 1", {"x": "a*y", "y": "x + y"}))
    code = model.to_brian2()
    assert "x_new_" in code.reset            # x <- a*y and y <- x + y read the state before the reset
    g = code.neuron_group(1)
    states = b2.StateMonitor(g, ["x", "y"], record=True)
    spikes = b2.SpikeMonitor(g)
    b2.run(2.5 * b2.ms)
    ref = bifur.simulate(model, 2.5, dt=0.001)
    assert len(spikes.t) == len(ref.spike_times) == 3
    assert np.allclose(np.asarray(spikes.t / b2.ms), ref.spike_times, atol=DT)
    assert np.allclose([states.x[0][-1], states.y[0][-1]], ref.x[-1], atol=5 * DT)


def test_every_brian2_unit_name_is_recognised_as_a_clash():
    from brian2.core.namespace import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS, DEFAULT_UNITS
    missed = [u for u in (*DEFAULT_UNITS, *DEFAULT_FUNCTIONS, *DEFAULT_CONSTANTS)
              if not brian2_name_clashes(u) and u.isidentifier()]
    assert missed == []
