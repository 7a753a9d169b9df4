"""Declared units reach Brian2: states and per-neuron parameters are Brian2 quantities of the model's
units, and the simulation is the same as bifur's (run like test_brian2_roundtrip.py, in the venv with
the brian2 extra)."""
from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest

import bifur
from bifur.export import brian2_quantity
from bifur.models import hodgkin_huxley, izhikevich

DT = 0.005  # ms


@pytest.fixture(autouse=True)
def _brian2_scope():
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = DT * b2.ms
    yield


def test_brian2_quantities_of_bifur_units():
    assert brian2_quantity("mV") == b2.mV
    assert np.isclose(float(brian2_quantity("uA/cm2") / (b2.uA / b2.cm ** 2)), 1.0)
    assert np.isclose(float(brian2_quantity("mS/cm2") / (b2.msiemens / b2.cm ** 2)), 1.0)
    assert np.isclose(float(brian2_quantity("1/ms") * b2.ms), 1.0)


def test_hodgkin_huxley_with_units_current_per_neuron():
    model = hodgkin_huxley()
    code = model.to_brian2(per_neuron=["I"], threshold=-20.0)
    assert "V : volt" not in code.equations and code.equations.splitlines()[0].endswith(": volt")
    assert "I : amp/metre**2 (constant)" in code.equations
    group = code.neuron_group(2)
    assert np.allclose(np.asarray(group.V / b2.mV), model.init["V"])      # the initial state, in mV
    group.I = [10.0, 30.0] * b2.uA / b2.cm ** 2                             # set with Brian2 units
    spikes = b2.SpikeMonitor(group)
    trace = b2.StateMonitor(group, "V", record=[0])
    b2.run(60.0 * b2.ms)
    for k, current in enumerate((10.0, 30.0)):
        ref = bifur.simulate(model, 60.0, params={"I": current}, threshold=-20.0)
        got = np.asarray(spikes.spike_trains()[k] / b2.ms)
        assert len(got) == len(ref.spike_times) >= 3
        assert np.all(np.abs(ref.spike_times - got) <= DT + 1e-6)
    peak = float(np.max(trace.V[0] / b2.mV))
    ref = bifur.simulate(model, 60.0, params={"I": 10.0}, dt=DT)
    assert abs(peak - ref["V"].max()) < 1.0                                  # V recorded in volts, read in mV


def test_reset_values_carry_the_unit():
    model = izhikevich("CH")                   # reset v <- c = -50 mV, u <- u + d
    code = model.to_brian2(params={"I": 10.0})
    assert code.units == {"v": "mV"} and "v = (c)*mvolt" in code.reset
    group = code.neuron_group(1)
    spikes = b2.SpikeMonitor(group)
    trace = b2.StateMonitor(group, "v", record=True)
    b2.run(100.0 * b2.ms)
    ref = bifur.simulate(model, 100.0, params={"I": 10.0})
    got = np.asarray(spikes.t / b2.ms)
    assert len(got) == len(ref.spike_times) >= 3
    assert np.all(np.abs(ref.spike_times - got) <= 2 * DT * (np.arange(len(got)) + 1))
    after = np.searchsorted(np.asarray(trace.t / b2.ms), got[0]) + 1
    assert abs(float(trace.v[0][after] / b2.mV) - model.params["c"]) < 1.0   # -50 mV, not -50 V
