"""Limit-cycle continuation speed: the full HH cycle branch, lower Hopf point -> three folds -> upper Hopf point.

Run: python benchmarks/bench_cycles.py

AUTO-07p (NTST=200, NCOL=4, one thread) needs 2.41 s for this branch on this class of
machine (figure quoted in issue 4); target: warm ratio <= 1, stretch <= 0.3. The table
also reports the accuracy reached: periods at I = 7, 10, 20, 50, 100, 150 and the three
folds against the AUTO-07p reference values.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _util import best_of, cold_and_warm, table  # noqa: E402

import bifur  # noqa: E402
from bifur.models import hodgkin_huxley  # noqa: E402

AUTO_SECONDS = 2.41
PERIODS = {7.0: 17.144699923, 10.0: 14.63620999, 20.0: 11.564697478, 50.0: 8.5443804113,
           100.0: 6.7902707173, 150.0: 5.9575738343}
LPC = [7.8423471202, 7.9177854943, 6.2603212745]

SNIPPET = """
import time
t0 = time.perf_counter()
import bifur
from bifur.models import hodgkin_huxley
hh = hodgkin_huxley()
h1 = bifur.continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]
br = bifur.continue_cycles(hh, h1, "I", (0.0, 200.0))
print(time.perf_counter() - t0)
"""


def main() -> None:
    cold, warm_proc = cold_and_warm(SNIPPET)
    hh = hodgkin_huxley()
    h1 = bifur.continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]
    bifur.continue_cycles(hh, h1, "I", (0.0, 200.0))
    warm, br = best_of(lambda: bifur.continue_cycles(hh, h1, "I", (0.0, 200.0), at=list(PERIODS)), 3)
    perr = max(abs(br.period[br.at(i, stable=True)[0]] - T) / T for i, T in PERIODS.items())
    lerr = max(abs(sp.param - v) / v for sp, v in zip(br.special("LPC"), LPC))
    rows = [
        ("cold: new process, empty cache (equilibria + cycles, incl. compile)", f"{cold:.2f} s", ""),
        ("new process, warm cache", f"{warm_proc:.2f} s", ""),
        ("warm: cycle branch HB1 -> 3 LPC -> HB2 (same process)", f"{warm:.2f} s",
         f"ratio to AUTO-07p 2.41 s: {warm / AUTO_SECONDS:.2f} (target <= 1, stretch <= 0.3)"),
        ("points on the branch / NTST x NCOL", f"{len(br)} / {br.meta['ntst']} x {br.meta['ncol']}", ""),
        ("max relative period error at I=7..150", f"{perr:.1e}", "vs AUTO-07p (target 1e-7)"),
        ("max relative error of the 3 folds of cycles", f"{lerr:.1e}", "vs AUTO-07p"),
        ("end of branch", br.special_points[-1].kind, f"at I={br.special_points[-1].param:.8f}"),
    ]
    print(table(rows, ("case", "value", "note")))


if __name__ == "__main__":
    main()
