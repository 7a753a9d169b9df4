"""Equilibrium continuation speed: the HH branch over I in [0, 200] with all special points located.

Run: python benchmarks/bench_equilibria.py

AUTO-07p does this run in 0.020 s on this class of machine (its executable, one thread, minimum
of 9 runs: figure quoted in issue 13; issue 3 quoted 0.05 s); the target is a warm time of at
most 0.5x that. Cold = fresh process with an empty cache
(code generation and numba compilation included); warm = same process, second run.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _util import best_of, cold_and_warm, table  # noqa: E402

import bifur  # noqa: E402
from bifur.models import hodgkin_huxley  # noqa: E402

AUTO_SECONDS = 0.020

SNIPPET = """
import time
t0 = time.perf_counter()
import bifur
from bifur.models import hodgkin_huxley
br = bifur.continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0))
assert [sp.kind for sp in br.special_points] == ["H", "H"]
print(time.perf_counter() - t0)
"""


def main() -> None:
    cold, warm_process = cold_and_warm(SNIPPET)
    hh = hodgkin_huxley()
    bifur.continue_equilibria(hh, "I", (0.0, 200.0))
    warm, br = best_of(lambda: bifur.continue_equilibria(hh, "I", (0.0, 200.0)), 5)
    h1, h2 = br.special("H")
    rows = [
        ("cold: new process, empty cache (import + codegen + compile + run)", f"{cold:.2f} s", ""),
        ("new process, warm cache (import + load + run)", f"{warm_process:.2f} s", ""),
        ("warm run (same process)", f"{warm * 1e3:.1f} ms",
         f"ratio to AUTO-07p 0.020 s: {warm / AUTO_SECONDS:.2f} (target <= 0.5)"),
        ("points / special points", f"{len(br)} / {len(br.special_points)}",
         f"H at I={h1.param:.10f} and {h2.param:.8f}"),
    ]
    print(table(rows, ("case", "time", "note")))


if __name__ == "__main__":
    main()
