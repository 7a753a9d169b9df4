"""Simulation speed: compile time (cold/warm), one HH run vs solve_ivp, simulate_many vs a solve_ivp loop.

Run: python benchmarks/bench_simulate.py [--full]

Ratios are against baselines measured in the same process, so they hold on a noisy
machine. Without --full the solve_ivp loop runs on a 20-current subset of the 200
currents and is scaled by 10 (it is linear in the number of runs); --full runs all 200.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, str(Path(__file__).parent))
from _util import best_of, cold_and_warm, table  # noqa: E402

import bifur  # noqa: E402
from bifur.models import hodgkin_huxley  # noqa: E402

RTOL, ATOL = 1e-6, 1e-8

COMPILE_SNIPPET = """
import time
t0 = time.perf_counter()
import bifur
from bifur.models import hodgkin_huxley
tr = bifur.simulate(hodgkin_huxley(), 10.0, params={"I": 10.0})
print(time.perf_counter() - t0)
"""


def scipy_run(cm, p, x0, t_end, method):
    ev = lambda t, x: x[0]  # noqa: E731
    ev.direction = 1
    sol = solve_ivp(lambda t, x: cm.rhs(x, p), (0.0, t_end), x0, method=method, rtol=RTOL, atol=ATOL, events=ev)
    return sol.t_events[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="run the solve_ivp loop on all 200 currents")
    args = ap.parse_args()
    rows = []
    cold, warm = cold_and_warm(COMPILE_SNIPPET)
    rows.append(("import + compile + first HH run, cold (empty cache)", f"{cold:.2f} s", ""))
    rows.append(("import + compile + first HH run, warm (from cache)", f"{warm:.2f} s", f"cold/warm = {cold / warm:.1f}"))

    hh = hodgkin_huxley()
    cm = hh.compile()
    p = cm.param_vector(I=10.0)
    x0 = cm.init_vector()
    bifur.simulate(hh, 10.0, params={"I": 10.0})
    t_bifur, tr = best_of(lambda: bifur.simulate(hh, 1000.0, params={"I": 10.0}, rtol=RTOL, atol=ATOL), 5)
    t_rk45, ev45 = best_of(lambda: scipy_run(cm, p, x0, 1000.0, "RK45"), 1)
    t_lsoda, evls = best_of(lambda: scipy_run(cm, p, x0, 1000.0, "LSODA"), 1)
    rows.append(("HH 1 s at I=10, bifur dopri5", f"{t_bifur * 1e3:.1f} ms", f"{len(tr.spike_times)} spikes"))
    rows.append(("HH 1 s at I=10, solve_ivp RK45 (same rtol, compiled rhs)", f"{t_rk45 * 1e3:.1f} ms",
                 f"ratio {t_rk45 / t_bifur:.0f}x, {len(ev45)} spikes"))
    rows.append(("HH 1 s at I=10, solve_ivp LSODA (same rtol, compiled rhs)", f"{t_lsoda * 1e3:.1f} ms",
                 f"ratio {t_lsoda / t_bifur:.0f}x, {len(evls)} spikes"))

    currents = np.linspace(0.0, 200.0, 200)
    bifur.simulate_many(hh, "I", currents[:2], 10.0)
    t_many, st = best_of(lambda: bifur.simulate_many(hh, "I", currents, 1200.0, t_discard=200.0, rtol=RTOL,
                                                     atol=ATOL), 3)
    subset = currents if args.full else currents[::10]
    t0 = time.perf_counter()
    ref_counts = []
    for c in subset:
        pc = cm.param_vector(I=c)
        spikes = scipy_run(cm, pc, x0, 1200.0, "RK45")
        ref_counts.append(int(np.sum(spikes >= 200.0)))
    t_loop = (time.perf_counter() - t0) * (len(currents) / len(subset))
    ours = [len(s) for s in (st.spike_times if args.full else st.spike_times[::10])]
    agree = sum(a == b for a, b in zip(ours, ref_counts))
    rows.append(("simulate_many, 200 currents x 1.2 s HH (2 threads)", f"{t_many:.2f} s", ""))
    label = "solve_ivp RK45 loop, 200 currents" + ("" if args.full else " (20 run, scaled x10)")
    rows.append((label, f"{t_loop:.1f} s", f"ratio {t_loop / t_many:.0f}x (target >= 20x)"))
    rows.append(("spike counts equal (bifur vs solve_ivp)", f"{agree}/{len(ref_counts)}", ""))
    print(f"rtol={RTOL}, atol={ATOL}")
    print(table(rows, ("case", "time", "note")))


if __name__ == "__main__":
    main()
