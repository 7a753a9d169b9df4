"""f-I curve of Hodgkin-Huxley at 200 currents in [0, 200]: continuation vs simulation.

Run: python benchmarks/bench_fi.py [--full]

Methods, in one process: bifur.fi_curve by continuation (exact rates), bifur.simulate_many
(1.2 s runs, 0.2 s transient, spike counting) and a scipy solve_ivp loop (the same runs;
without --full 20 of the 200 currents, scaled by 10). Each
simulated f-I curve is compared with the continuation rates. Brian2 needs 5.3 s warm (22 s
cold) for the simulated version on this class of machine (figure quoted in issue 5); the
target is continuation at least 100x faster than that, exact to 1e-6.
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

BRIAN2_WARM = 5.3
CURRENTS = np.linspace(0.0, 200.0, 200)
THRESHOLD = -40.0  # the most favourable spike threshold for counting (see issue 5)

SNIPPET = """
import time, numpy as np
t0 = time.perf_counter()
import bifur
from bifur.models import hodgkin_huxley
bifur.fi_curve(hodgkin_huxley(), "I", (0.0, 200.0), at=np.linspace(0.0, 200.0, 200))
print(time.perf_counter() - t0)
"""


def scipy_rates(cm, currents):
    x0 = cm.init_vector()
    out = []
    for c in currents:
        p = cm.param_vector(I=c)
        ev = lambda t, x: x[0] - THRESHOLD  # noqa: E731
        ev.direction = 1
        sol = solve_ivp(lambda t, x: cm.rhs(x, p), (0.0, 1200.0), x0, rtol=1e-6, atol=1e-8, events=ev)
        out.append(np.sum(sol.t_events[0] >= 200.0) / 1.0)
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    args = ap.parse_args()
    hh = hodgkin_huxley()
    cold, _ = cold_and_warm(SNIPPET)
    bifur.fi_curve(hh, "I", (0.0, 200.0), at=CURRENTS[:3])
    bifur.simulate_many(hh, "I", CURRENTS[:2], 10.0)
    t_cont, fi = best_of(lambda: bifur.fi_curve(hh, "I", (0.0, 200.0), at=CURRENTS), 3)
    t_sim, sim = best_of(lambda: bifur.fi_curve(hh, "I", (0.0, 200.0), at=CURRENTS, method="simulation",
                                                threshold=THRESHOLD, t_end=1200.0, t_discard=200.0), 3)
    subset = CURRENTS if args.full else CURRENTS[::10]
    t0 = time.perf_counter()
    sp = scipy_rates(hh.compile(), subset)
    t_scipy = (time.perf_counter() - t0) * len(CURRENTS) / len(subset)
    ref = fi.rate_hz
    ref_sub = ref if args.full else ref[::10]

    def err(rates, ref_, cur):
        """Largest rate error where both fire (20 <= I <= 150), and the number of currents where the
        methods disagree on firing at all (bistability near onset, spike threshold near block)."""
        both = (cur >= 20.0) & (cur <= 150.0)
        disagree = int(np.sum((rates > 0) != (ref_ > 0)))
        return f"max |error| {np.max(np.abs(rates[both] - ref_[both])):.2f} Hz (I in [20, 150]); " \
               f"{disagree} currents disagree on firing"

    rows = [
        ("continuation (bifur.fi_curve), warm", f"{t_cont:.3f} s", "exact (rates from converged cycles)",
         f"{BRIAN2_WARM / t_cont:.1f}x Brian2 warm (target >= 100)"),
        ("continuation, cold (new process, empty cache)", f"{cold:.2f} s", "", ""),
        ("simulate_many, 1.2 s runs, spike counting", f"{t_sim:.3f} s", err(sim.rate_hz, ref, CURRENTS),
         f"{t_sim / t_cont:.1f}x continuation time"),
        ("solve_ivp RK45 loop" + ("" if args.full else " (20 runs, scaled x10)"), f"{t_scipy:.1f} s",
         err(sp, ref_sub, CURRENTS if args.full else CURRENTS[::10]), f"{t_scipy / t_cont:.0f}x continuation time"),
        ("Brian2 (figure quoted in issue 5; Brian2 2.9 does not import with numpy 2.4)", f"{BRIAN2_WARM:.1f} s",
         "±1 Hz resolution", ""),
    ]
    print(f"HH f-I at {len(CURRENTS)} currents; onset {fi.onset.kind} at I={fi.rheobase:.8f}, "
          f"block {fi.block.kind} at I={fi.block.param:.8f}; simulated rates counted above {THRESHOLD} mV over 1 s")
    print(table(rows, ("method", "time", "rates", "ratio")))


if __name__ == "__main__":
    main()
