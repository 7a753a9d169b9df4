"""The shape of the action potential on a periodic orbit: peak, trough, width, after-hyperpolarization.

:func:`spike_shape` measures the voltage of a converged cycle (:class:`bifur.Cycle`, from
continuation or :func:`bifur.find_cycle`) on its collocation polynomials, so the numbers are those
of the orbit itself, not of a sampled trace: the peak and the trough (the deepest point of the
after-hyperpolarization), the width at half amplitude (time spent above (peak + trough)/2), and the
phase of the trough, the time from the peak to the trough as a fraction of the inter-spike interval
(near 0.5 when the after-hyperpolarization is deepest in the middle of the interval, as in the
pyramidal cells of Chizhov et al. 2023). Orbits with several spikes per period are measured on
the whole period (the highest peak, the lowest trough).

Examples
--------
>>> import bifur
>>> from bifur.models import hodgkin_huxley
>>> cyc = bifur.find_cycle(hodgkin_huxley(), params={"I": 20.0}, x0={"V": -40.0})
>>> s = spike_shape(cyc)
>>> round(s.peak, 1), round(s.trough, 1), round(s.width, 2), s.spikes
(25.1, -73.6, 1.48, 1)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ModelError

__all__ = ["SpikeShape", "spike_shape"]


@dataclass(frozen=True)
class SpikeShape:
    """Action-potential shape of one periodic orbit (voltage and time in the model's units).

    Attributes
    ----------
    peak, trough : float
        Highest and lowest voltage on the orbit.
    width : float
        Time per period above half amplitude, (peak + trough)/2 (per spike when there are several).
    trough_phase : float
        Time from the peak to the trough, as a fraction of the period (0 to 1).
    period : float
    spikes : int
        Spikes per period (:func:`bifur.spikes.spikes_per_period`).
    """

    peak: float
    trough: float
    width: float
    trough_phase: float
    period: float
    spikes: int

    @property
    def amplitude(self) -> float:
        """peak - trough."""
        return self.peak - self.trough


def spike_shape(cycle, voltage: str | None = None, samples_per_interval: int = 200) -> SpikeShape:
    """Peak, trough, half-amplitude width and trough phase of the voltage on ``cycle``.

    Parameters
    ----------
    cycle : Cycle
        A periodic orbit in collocation form (``evaluate_tau`` on [0, 1)).
    voltage : str, optional
        The state to measure (default: the model's declared voltage).
    samples_per_interval : int
        Points per mesh interval at which the collocation polynomials are evaluated (times are
        resolved to 1/samples of the smallest interval).

    Returns
    -------
    SpikeShape

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import morris_lecar
    >>> cyc = bifur.find_cycle(morris_lecar("snic"), params={"I": 60.0}, x0={"V": 0.0})
    >>> s = spike_shape(cyc)
    >>> bool(s.peak > 0 > s.trough), bool(0.0 < s.trough_phase < 1.0)
    (True, True)
    """
    model = cycle.model
    name = voltage if voltage is not None else model.voltage
    if name is None:
        raise ModelError(f"model {model.name!r} declares no voltage: pass voltage=<state name>")
    idx = model.state_names.index(model.check_state(name))
    mesh = np.asarray(cycle.mesh, dtype=float)
    frac = np.linspace(0.0, 1.0, max(2, int(samples_per_interval)), endpoint=False)
    tau = (mesh[:-1, None] + np.diff(mesh)[:, None] * frac[None, :]).ravel()
    v = cycle.evaluate_tau(tau)[:, idx]
    dtau = np.diff(np.append(tau, 1.0))  # the time each sample stands for, as a fraction of the period
    k_max, k_min = int(np.argmax(v)), int(np.argmin(v))
    peak, trough = float(v[k_max]), float(v[k_min])
    spikes = int(cycle.spikes)
    above = float(np.sum(dtau[v >= 0.5 * (peak + trough)]))
    phase = (tau[k_min] - tau[k_max]) % 1.0
    return SpikeShape(peak, trough, above * cycle.period / max(spikes, 1), float(phase), float(cycle.period),
                      spikes)
