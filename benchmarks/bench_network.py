"""Reduced models: the Izhikevich (2003) network, and an Izhikevich f-I curve by reset-map continuation.

Run: python benchmarks/bench_network.py

1. The 2003 network (1000 neurons, 1000 ms): bifur (numba) vs Izhikevich's loop in plain numpy,
   in the same process. Brian2 needs 2.6 s warm (35 s cold) and the numpy loop 0.29 s on this class
   of machine (figures quoted in issue 6); target: bifur warm <= 0.5x Brian2 warm and <= the numpy loop.
2. Izhikevich RS f-I at 200 currents in [0, 50]: reset-map continuation (exact) vs simulate_many
   (2 s runs, 0.5 s transient), with the largest rate difference.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _util import best_of, cold_and_warm, table  # noqa: E402

import bifur  # noqa: E402
from bifur.models import izhikevich  # noqa: E402

BRIAN2_WARM = 2.6

SNIPPET = """
import time
t0 = time.perf_counter()
import bifur
bifur.izhikevich_network(seed=1)
print(time.perf_counter() - t0)
"""


def numpy_network(seed: int = 1, ne: int = 800, ni: int = 200, steps: int = 1000):
    """Izhikevich's MATLAB program (2003), line by line in numpy."""
    rng = np.random.default_rng(seed)
    re, ri = rng.random(ne), rng.random(ni)
    a = np.concatenate([0.02 * np.ones(ne), 0.02 + 0.08 * ri])
    b = np.concatenate([0.2 * np.ones(ne), 0.25 - 0.05 * ri])
    c = np.concatenate([-65 + 15 * re ** 2, -65 * np.ones(ni)])
    d = np.concatenate([8 - 6 * re ** 2, 2 * np.ones(ni)])
    S = np.hstack([0.5 * rng.random((ne + ni, ne)), -rng.random((ne + ni, ni))])
    v = -65 * np.ones(ne + ni)
    u = b * v
    firings = []
    for t in range(steps):
        current = np.concatenate([5 * rng.standard_normal(ne), 2 * rng.standard_normal(ni)])
        fired = np.flatnonzero(v >= 30)
        firings.append((t, fired))
        v[fired] = c[fired]
        u[fired] = u[fired] + d[fired]
        current = current + S[:, fired].sum(axis=1)
        v = v + 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + current)
        v = v + 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + current)
        u = u + a * (b * v - u)
    return sum(len(f) for _, f in firings)


def main() -> None:
    cold, _ = cold_and_warm(SNIPPET)
    bifur.izhikevich_network(seed=1, ne=8, ni=2, t_end=10.0)
    t_b, res = best_of(lambda: bifur.izhikevich_network(seed=1), 5)
    t_np, n_np = best_of(lambda: numpy_network(1), 3)
    rows = [
        ("network, bifur (numba), warm", f"{t_b * 1e3:.1f} ms", f"{res.spike_times.size} spikes",
         f"{t_b / BRIAN2_WARM:.3f}x Brian2 warm (target <= 0.5); {t_b / t_np:.2f}x numpy loop (target <= 1)"),
        ("network, bifur, cold (new process, empty cache)", f"{cold:.2f} s", "", ""),
        ("network, numpy loop (Izhikevich 2003)", f"{t_np * 1e3:.0f} ms", f"{n_np} spikes", ""),
    ]
    model = izhikevich("RS")
    currents = np.linspace(0.0, 50.0, 200)
    bifur.fi_curve(model, "I", (0.0, 50.0), at=currents[-3:])
    bifur.simulate_many(model, "I", currents[:2], 10.0)
    t_c, fi = best_of(lambda: bifur.fi_curve(model, "I", (0.0, 50.0), at=currents), 3)
    t_s, sim = best_of(lambda: bifur.fi_curve(model, "I", (0.0, 50.0), at=currents, method="simulation",
                                              t_end=2000.0, t_discard=500.0), 3)
    rows += [
        ("Izhikevich RS f-I, 200 currents, reset-map continuation", f"{t_c:.3f} s", "exact",
         f"onset at I={fi.rheobase:.6f}, class {fi.excitability_class}"),
        ("Izhikevich RS f-I, 200 currents, simulate_many (2 s runs)", f"{t_s:.3f} s",
         f"max |error| {np.nanmax(np.abs(sim.rate_hz - fi.rate_hz)):.2f} Hz", f"{t_s / t_c:.1f}x continuation time"),
    ]
    print(table(rows, ("case", "time", "result", "ratio")))


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
