"""Spikes from the extrema of the voltage, without a fixed threshold.

The integrators locate every local maximum and minimum of the voltage on their dense
output. A maximum is a spike when its *prominence* — its height above the higher of the two
neighbouring minima — is at least a tenth of the voltage range covered by the extrema of the
interval analysed (or an explicit ``min_prominence``). A fixed threshold (0 mV, say) misses
the spikes of a neuron close to depolarization block, whose peaks no longer reach it;
prominence relative to the trajectory's own range does not, and it ignores the small
oscillations that follow an isolated action potential. Extrema smaller than ``NOISE_FLOOR`` of
the voltage's magnitude are integration noise around a resting state, never spikes.

Firing *rates* need one more decision: a neuron settling to rest through damped
oscillations has maxima too. Over a window, when the largest prominence in its last quarter
is below half the largest in its first quarter, the oscillation is dying out and the rate
is 0 (:func:`settling`). This cannot tell a very slow approach to rest from a very slow
approach to a small cycle next to a Hopf point: a simulation can only guess there;
continuation does not. Rates are 1/mean inter-spike interval, whose resolution is that of
the located times, not 1/window as for spike counts.

Examples
--------
>>> ev = np.array([[1.0, 10, 1], [1.5, -50, -1], [2.0, 10, 1], [2.5, -50, -1], [3.0, 10, 1]])
>>> spike_times(ev)
array([1., 2., 3.])
>>> damped = np.array([[k, 0.5 ** k * (-1) ** k, (-1) ** k] for k in range(12)], dtype=float)
>>> window_rate(damped, 1.0)  # a decaying oscillation: settling, not firing
0.0
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["spike_times", "prominences", "settling", "window_rate", "isi_rate", "spikes_per_period",
           "REL_PROMINENCE"]

#: Smallest prominence of a spike, as a fraction of the voltage range of the interval analysed.
REL_PROMINENCE = 0.1
#: ... and never below this fraction of the voltage's magnitude (1 + max |V|): at rest the
#: integrator's error leaves extrema of ~rtol |V|, which are not spikes, however small the range.
NOISE_FLOOR = 1e-4


def prominences(ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indices of the maxima in ``ev``, their prominence above the higher neighbouring minimum).

    ``ev`` rows are (time, value, kind) with kind +1 for maxima and -1 for minima, in time order.
    A maximum with no minimum on one side uses the other; with none at all, prominence 0."""
    kinds = ev[:, 2] if ev.size else np.zeros(0)
    idx = np.flatnonzero(kinds > 0)
    mins = np.flatnonzero(kinds < 0)
    out = np.zeros(idx.size)
    pos = np.searchsorted(mins, idx)
    for j, i in enumerate(idx):
        neigh = []
        if pos[j] > 0:
            neigh.append(ev[mins[pos[j] - 1], 1])
        if pos[j] < mins.size:
            neigh.append(ev[mins[pos[j]], 1])
        out[j] = ev[i, 1] - max(neigh) if neigh else 0.0
    return idx, out


def _window(ev: np.ndarray, t_from: float, t_to: float) -> np.ndarray:
    ev = np.asarray(ev, dtype=float).reshape(-1, 3)
    return ev[(ev[:, 0] >= t_from) & (ev[:, 0] <= t_to)]


def _threshold(values: np.ndarray) -> float:
    """Smallest prominence of a spike among voltages ``values`` (module docstring)."""
    if values.size == 0:
        return 0.0
    return max(REL_PROMINENCE * float(np.ptp(values)), NOISE_FLOOR * (1.0 + float(np.max(np.abs(values)))))


def _spikes(ev: np.ndarray, min_prominence: float | None) -> tuple[np.ndarray, np.ndarray]:
    """(times, prominences) of the spikes among the extrema ``ev``."""
    idx, prom = prominences(ev)
    if min_prominence is None:
        min_prominence = _threshold(ev[:, 1])
    keep = prom >= min_prominence
    return ev[idx[keep], 0].copy(), prom[keep]


def spike_times(ev: np.ndarray, t_from: float = -math.inf, t_to: float = math.inf,
                min_prominence: float | None = None) -> np.ndarray:
    """Times of the spikes among the extrema ``ev`` in [t_from, t_to] (see the module docstring)."""
    return _spikes(_window(ev, t_from, t_to), min_prominence)[0]


def settling(times: np.ndarray, prom: np.ndarray) -> bool:
    """True when the prominences at ``times`` decay over the window: the largest in its last
    quarter is below half the largest in its first quarter (a damped oscillation)."""
    if prom.size < 3:
        return False
    t0, t1 = float(times[0]), float(times[-1])
    first = prom[times <= t0 + 0.25 * (t1 - t0)]
    last = prom[times >= t0 + 0.75 * (t1 - t0)]
    return bool(first.size and last.size and last.max() < 0.5 * first.max())


def window_spikes(ev: np.ndarray, t_from: float = -math.inf, t_to: float = math.inf,
                  min_prominence: float | None = None) -> np.ndarray:
    """Spikes of sustained firing in [t_from, t_to]: none when the oscillation there dies out."""
    ev = _window(ev, t_from, t_to)
    idx, prom = prominences(ev)
    if settling(ev[idx, 0], prom):
        return np.zeros(0)
    return _spikes(ev, min_prominence)[0]


def window_rate(ev: np.ndarray, seconds_per_unit: float, t_from: float = -math.inf, t_to: float = math.inf,
                min_prominence: float | None = None) -> float:
    """Firing rate (Hz) over [t_from, t_to]: 1/mean inter-spike interval of sustained firing."""
    return isi_rate(window_spikes(ev, t_from, t_to, min_prominence), seconds_per_unit)


def isi_rate(times: np.ndarray, seconds_per_unit: float) -> float:
    """1/mean inter-spike interval in Hz (0 with fewer than two spikes)."""
    if times.size < 2:
        return 0.0
    return float((times.size - 1) / ((times[-1] - times[0]) * seconds_per_unit))


def spikes_per_period(v: np.ndarray) -> int:
    """Number of spikes in one period of a periodic voltage trace, by the rule simulations use.

    ``v`` samples one period in time order (a repeated last sample equal to the first is ignored).
    The extrema of three consecutive copies of the period are found, and the maxima of the middle
    copy whose prominence reaches the threshold of the module docstring (a tenth of the range, and
    at least :data:`NOISE_FLOOR` of the magnitude) are counted, so that a simulation of the orbit
    and the orbit itself give the same spikes. A non-constant orbit has at least one spike.

    Examples
    --------
    >>> tau = np.linspace(0.0, 1.0, 400, endpoint=False)
    >>> spikes_per_period(np.sin(2 * np.pi * tau)), spikes_per_period(np.sin(2 * np.pi * tau) ** 2)
    (1, 2)
    >>> spikes_per_period(np.sin(2 * np.pi * tau) + 0.02 * np.sin(14 * np.pi * tau))  # ripples are not spikes
    1
    """
    v = np.asarray(v, dtype=float).ravel()
    if v.size > 1 and v[-1] == v[0]:
        v = v[:-1]
    span = float(np.ptp(v)) if v.size else 0.0
    if span == 0.0:
        return 0
    if np.count_nonzero((v > np.roll(v, 1)) & (v >= np.roll(v, -1))) <= 1:
        return 1  # one maximum per period (most orbits): nothing to weigh
    w = np.concatenate([v, v, v])
    d = np.sign(np.diff(w))
    for i in range(1, d.size):  # flat stretches take the direction they continue in
        if d[i] == 0:
            d[i] = d[i - 1]
    turn = np.flatnonzero(d[1:] != d[:-1]) + 1
    ev = np.column_stack([turn, w[turn], np.where(d[turn - 1] > 0, 1.0, -1.0)])
    idx, prom = prominences(ev)
    threshold = _threshold(v)
    middle = (ev[idx, 0] >= v.size) & (ev[idx, 0] < 2 * v.size)
    return max(1, int(np.sum(middle & (prom >= threshold))))
