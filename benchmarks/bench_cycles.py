"""Limit-cycle continuation speed: the full HH cycle branch, lower Hopf point -> three folds -> upper Hopf point.

Run: python benchmarks/bench_cycles.py

Baseline, quoted (issue 13: AUTO-07p's own executable on this machine class, one thread,
minimum of 9 runs): 0.363 s at NTST 60, NCOL 4 — the mesh bifur uses, where both codes reach
the same accuracy (worst period error ~1.5e-9) — and 1.19 s at NTST 200. Target: warm ratio
<= 0.3 at equal mesh. The table reports the accuracy next to the time (periods at I = 7, 10,
20, 50, 100, 150 and the three folds against AUTO-07p's NTST-200 values), the number of points
and the time per point, and the same branch with a larger largest step (fewer points), to show
how much of the time is the number of points that bifur's default step bound asks for.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _util import best_of, cold_and_warm, table  # noqa: E402

import bifur  # noqa: E402
from bifur.models import hodgkin_huxley  # noqa: E402

AUTO_SECONDS = 0.363   # NTST 60, NCOL 4 (issue 13); 1.19 s at NTST 200
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


def _errors(br) -> tuple[float, float]:
    perr = max(abs(br.period[br.at(i, stable=True)[0]] - T) / T for i, T in PERIODS.items())
    lerr = max(abs(sp.param - v) / v for sp, v in zip(br.special("LPC"), LPC))
    return perr, lerr


def main() -> None:
    cold, warm_proc = cold_and_warm(SNIPPET)
    hh = hodgkin_huxley()
    h1 = bifur.continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]
    bifur.continue_cycles(hh, h1, "I", (0.0, 200.0))
    warm, br = best_of(lambda: bifur.continue_cycles(hh, h1, "I", (0.0, 200.0), at=list(PERIODS)), 3)
    perr, lerr = _errors(br)
    coarse = bifur.ContinuationSettings(ds_max=4.0)
    warm2, br2 = best_of(lambda: bifur.continue_cycles(hh, h1, "I", (0.0, 200.0), at=list(PERIODS),
                                                       settings=coarse), 3)
    perr2, lerr2 = _errors(br2)
    rows = [
        ("cold: new process, empty cache (equilibria + cycles, incl. compile)", f"{cold:.2f} s", ""),
        ("new process, warm cache", f"{warm_proc:.2f} s", ""),
        ("warm: cycle branch HB1 -> 3 LPC -> HB2 (same process)", f"{warm:.2f} s",
         f"ratio to AUTO-07p at NTST 60 (0.363 s): {warm / AUTO_SECONDS:.2f} (target <= 0.3)"),
        ("points on the branch / NTST x NCOL", f"{len(br)} / {br.meta['ntst']} x {br.meta['ncol']}",
         f"{1e3 * warm / len(br):.2f} ms per point"),
        ("max relative period error at I=7..150", f"{perr:.1e}", "vs AUTO-07p (target 1e-7)"),
        ("max relative error of the 3 folds of cycles", f"{lerr:.1e}", "vs AUTO-07p"),
        ("end of branch", br.special_points[-1].kind, f"at I={br.special_points[-1].param:.8f}"),
        ("warm, ds_max=4 (fewer points)", f"{warm2:.2f} s",
         f"ratio {warm2 / AUTO_SECONDS:.2f}; {len(br2)} points; period error {perr2:.1e}, folds {lerr2:.1e}"),
    ]
    print(table(rows, ("case", "value", "note")))


if __name__ == "__main__":
    main()
