"""Networks of Izhikevich neurons in numba, as in Izhikevich (2003), with any weights and parameters."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from ._jit import cached_njit
from .errors import ModelError

__all__ = ["NetworkResult", "simulate_izhikevich_network", "izhikevich_network"]


@dataclass(frozen=True)
class NetworkResult:
    """Spikes of a network simulation.

    Attributes
    ----------
    spike_times : ndarray
        Spike times (ms), in increasing order.
    spike_neurons : ndarray of int
        Index of the neuron of each spike.
    n_neurons : int
    t_end : float
        Duration (ms).

    Examples
    --------
    >>> res = izhikevich_network(seed=0, ne=40, ni=10, t_end=100.0)
    >>> res.rates_hz().shape, res.population_rate(10.0)[0][:2]
    ((50,), array([ 5., 15.]))
    """

    spike_times: np.ndarray
    spike_neurons: np.ndarray
    n_neurons: int
    t_end: float

    def rates_hz(self) -> np.ndarray:
        """Mean firing rate of every neuron."""
        return np.bincount(self.spike_neurons, minlength=self.n_neurons) / (self.t_end * 1e-3)

    def population_rate(self, bin_ms: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """(bin centres, population rate in Hz per neuron) in bins of ``bin_ms``."""
        edges = np.arange(0.0, self.t_end + bin_ms, bin_ms)
        counts, _ = np.histogram(self.spike_times, edges)
        return 0.5 * (edges[1:] + edges[:-1]), counts / (self.n_neurons * bin_ms * 1e-3)


@cached_njit()
def _run(a, b, c, d, WT, noise, t0, v_peak, v, u, times, who, ns):
    """Advance the network by len(noise) milliseconds (noise: input of every neuron at every ms)."""
    n = a.size
    cap = times.size
    current = np.empty(n)
    fired = np.empty(n, dtype=np.int64)
    for step in range(noise.shape[0]):
        for i in range(n):
            current[i] = noise[step, i]
        nf = 0
        for i in range(n):
            if v[i] >= v_peak:
                fired[nf] = i
                nf += 1
                if ns < cap:
                    times[ns] = t0 + step
                    who[ns] = i
                ns += 1
                v[i] = c[i]
                u[i] += d[i]
        for k in range(nf):
            row = WT[fired[k]]
            for i in range(n):
                current[i] += row[i]
        for i in range(n):
            vi = v[i]
            vi += 0.5 * (0.04 * vi * vi + 5.0 * vi + 140.0 - u[i] + current[i])
            vi += 0.5 * (0.04 * vi * vi + 5.0 * vi + 140.0 - u[i] + current[i])
            v[i] = vi
            u[i] += a[i] * (b[i] * vi - u[i])
    return ns


def simulate_izhikevich_network(a, b, c, d, weights, noise_std, t_end: float = 1000.0, v_peak: float = 30.0,
                                seed: int = 0, v0=None, max_spikes: int = 10_000_000,
                                by_presynaptic: bool = False) -> NetworkResult:
    """Simulate pulse-coupled Izhikevich neurons with Izhikevich's (2003) scheme.

    Every millisecond: a noisy input ``noise_std * randn`` is drawn for every neuron; neurons with
    v >= v_peak spike and are reset (v <- c, u <- u + d); each spike of neuron j adds
    ``weights[i, j]`` to the input of neuron i; v takes two Euler half-steps of 0.5 ms and u one
    step of 1 ms.

    Parameters
    ----------
    a, b, c, d : array_like (N,)
        Parameters of each neuron.
    weights : array_like (N, N)
        weights[i, j] is the jump of the input of neuron i at a spike of neuron j.
    noise_std : array_like (N,)
        Standard deviation of the input noise of each neuron (redrawn every ms).
    t_end : float
        Duration in ms (whole milliseconds are simulated).
    v_peak : float
        Spike cut-off.
    seed : int
        Seed of the noise.
    v0 : array_like, optional
        Initial voltages (default -65); u starts at b v.
    by_presynaptic : bool
        ``weights`` is given transposed (row j = the outgoing weights of neuron j), which saves a copy.

    Returns
    -------
    NetworkResult

    Examples
    --------
    >>> import numpy as np
    >>> n = 3
    >>> res = simulate_izhikevich_network(np.full(n, 0.02), np.full(n, 0.2), np.full(n, -65.0), np.full(n, 8.0),
    ...                                   np.zeros((n, n)), np.full(n, 0.0), t_end=100.0)
    >>> res.spike_times.size  # no input, no spikes
    0
    """
    a = np.ascontiguousarray(a, dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"a must be a non-empty 1-D array (one value per neuron), got shape {a.shape}")
    n = a.size
    b, c, d = (_checks.vector(x, n, name) for x, name in ((b, "b"), (c, "c"), (d, "d")))
    W = _checks.matrix(weights, (n, n), "weights")
    WT = np.ascontiguousarray(W if by_presynaptic else W.T)
    noise = np.asarray(noise_std, dtype=float)
    if noise.shape not in ((), (n,)):
        raise ValueError(f"noise_std must be a number or have shape ({n},), got shape {noise.shape}")
    noise = np.broadcast_to(noise, (n,)).copy()
    v = np.full(n, -65.0) if v0 is None else _checks.vector(v0, n, "v0").copy()
    for name, arr in (("a", a), ("b", b), ("c", c), ("d", d), ("weights", W), ("noise_std", noise), ("v0", v)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    t_end = _checks.positive(t_end, "t_end")
    v_peak = _checks.real(v_peak, "v_peak")
    u = b * v
    steps = int(round(t_end))
    rng = np.random.default_rng(seed)
    chunk = max(1, 4_000_000 // n)  # milliseconds of noise drawn at a time (numpy's fast normal generator)
    all_t, all_i, total = [], [], 0
    for t0 in range(0, steps, chunk):
        block = rng.standard_normal((min(chunk, steps - t0), n)) * noise
        cap = block.size // 20 + 1000
        while True:  # rerun the chunk from the same state if its spike buffer was too small
            v_keep, u_keep = v.copy(), u.copy()
            times, who = np.empty(cap), np.empty(cap, dtype=np.int64)
            ns = _run(a, b, c, d, WT, block, t0, float(v_peak), v, u, times, who, 0)
            if ns <= cap:
                break
            v, u, cap = v_keep, u_keep, ns
        total += ns
        if total > max_spikes:
            raise ModelError(f"more than max_spikes={max_spikes} spikes")
        all_t.append(times[:ns])
        all_i.append(who[:ns])
    times = np.concatenate(all_t) if all_t else np.zeros(0)
    who = np.concatenate(all_i) if all_i else np.zeros(0, dtype=np.int64)
    return NetworkResult(times, who, n, float(steps))


def izhikevich_network(seed: int | None = None, ne: int = 800, ni: int = 200, t_end: float = 1000.0,
                       exc_noise: float = 5.0, inh_noise: float = 2.0, exc_weight: float = 0.5,
                       inh_weight: float = 1.0) -> NetworkResult:
    """The cortical network of Izhikevich (2003), IEEE Trans. Neural Netw. 14:1569, Fig. 3.

    ``ne`` excitatory neurons (a=0.02, b=0.2, c=-65+15r², d=8-6r²) and ``ni`` inhibitory ones
    (a=0.02+0.08r, b=0.25-0.05r, c=-65, d=2), r uniform in [0, 1]; all-to-all weights
    ``exc_weight * rand`` from excitatory and ``-inh_weight * rand`` from inhibitory neurons;
    thalamic input ``exc_noise * randn`` / ``inh_noise * randn`` redrawn every ms.

    Examples
    --------
    >>> res = izhikevich_network(seed=1, ne=80, ni=20, t_end=200.0)
    >>> res.n_neurons, bool(res.spike_times.size > 0)
    (100, True)
    """
    ne, ni = _checks.count(ne, "ne", 0), _checks.count(ni, "ni", 0)
    if ne + ni == 0:
        raise ValueError("the network needs at least one neuron (ne + ni >= 1)")
    rng = np.random.default_rng(seed)
    re, ri = rng.random(ne), rng.random(ni)
    a = np.concatenate([np.full(ne, 0.02), 0.02 + 0.08 * ri])
    b = np.concatenate([np.full(ne, 0.2), 0.25 - 0.05 * ri])
    c = np.concatenate([-65.0 + 15.0 * re ** 2, np.full(ni, -65.0)])
    d = np.concatenate([8.0 - 6.0 * re ** 2, np.full(ni, 2.0)])
    n = ne + ni
    # row j: the weights of neuron j onto all neurons (0.5 rand from excitatory, -rand from inhibitory ones)
    WT = rng.random((n, n))
    WT[:ne] *= exc_weight
    WT[ne:] *= -inh_weight
    noise = np.concatenate([np.full(ne, exc_noise), np.full(ni, inh_noise)])
    return simulate_izhikevich_network(a, b, c, d, WT, noise, t_end, seed=int(rng.integers(2 ** 31)),
                                       by_presynaptic=True)
