"""Peak memory of simulate_many over 10^4 Hodgkin-Huxley currents (issue: < 1 GB).

Run: python benchmarks/bench_memory.py [--n 10000]

Each measurement runs in a fresh process and reports its peak resident set size
(``resource.getrusage``), so the numbers include the interpreter, numpy and numba.

Before event buffers were sized to need (commit 11e4de3, a spike buffer of values x max_spikes),
the same snippet peaked at 2370 MB on this 2-core machine (the issue reported 5.6 GB on its
machine), and 10^5 currents asked for 74.5 GiB and failed. After: 302 MB (10^4 currents).
"""
from __future__ import annotations

import argparse
import subprocess
import sys

SNIPPET = """
import resource, time, numpy as np, bifur
from bifur.models import hodgkin_huxley
hh = hodgkin_huxley()
bifur.simulate_many(hh, "I", [1.0, 2.0], 10.0)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
st = bifur.simulate_many(hh, "I", np.linspace(0.0, 200.0, {n}), 1200.0, t_discard=200.0)
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{dt:.2f}} {{base:.0f}} {{peak:.0f}} {{int(np.sum(st.rate_hz > 0))}}")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    out = subprocess.run([sys.executable, "-c", SNIPPET.format(n=args.n)], capture_output=True, text=True,
                         check=True)
    seconds, base, peak, firing = out.stdout.split()
    print(f"simulate_many, {args.n} HH currents x 1.2 s: {seconds} s, {firing} firing")
    print(f"peak RSS {peak} MB (after compiling and a warm-up call: {base} MB); target < 1024 MB")


if __name__ == "__main__":
    main()
