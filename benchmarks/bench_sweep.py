"""Rows per second of the Hodgkin-Huxley variant sweep (gNa, gK, gL each within ±30 %): serially, on
two local worker processes and on a dask.distributed LocalCluster of two worker processes; and the
time of the full pyramidal-model fit when the package provides it (bifur.models.fit_pyramidal).

Run: python benchmarks/bench_sweep.py [--n 1000] [--skip-fit]

Each row is the f-I summary of one variant (bifur.sweep.FISummary over I in [0, 200]: onset kind,
class, block, rates). The same parameter sets run in every mode, the tables are checked to be
identical, and the compile cache is warm (one f-I curve is computed before timing). With --n below
1000 the first n of the 1000 variants are used (same seed).
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _util import table  # noqa: E402

import bifur  # noqa: E402
from bifur.models import hodgkin_huxley  # noqa: E402
from bifur.sweep import FISummary, parameter_grid  # noqa: E402

ANALYSIS = FISummary("I", (0.0, 200.0))


def variants(n: int) -> list[dict]:
    hh = hodgkin_huxley()
    return parameter_grid(dict(hh.params), {"gNa": 0.3, "gK": 0.3, "gL": 0.3}, 1000, seed=0)[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--skip-fit", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore", bifur.BranchWarning)
    hh, sets = hodgkin_huxley(), variants(args.n)
    ANALYSIS(hh, {})  # warm the compile cache
    rows, tables = [], {}
    for mode in ("serial", "2 local workers", "dask LocalCluster (2 workers)"):
        t0 = time.perf_counter()
        if mode == "serial":
            tables[mode] = bifur.sweep(ANALYSIS, sets, hh, workers=1, progress=False)
        elif mode.startswith("2 local"):
            tables[mode] = bifur.sweep(ANALYSIS, sets, hh, workers=2, progress=False)
        else:
            from distributed import Client, LocalCluster
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
                    Client(cl) as client:
                t0 = time.perf_counter()  # the cluster's start-up is not part of the sweep
                tables[mode] = bifur.sweep(ANALYSIS, sets, hh, client=client, progress=False)
        dt = time.perf_counter() - t0
        rows.append((mode, len(sets), f"{dt:.1f}", f"{len(sets) / dt:.2f}"))
    same = all(t.equals(tables["serial"]) for t in tables.values())
    t = tables["serial"]
    print(f"HH variants: {len(sets)} (gNa, gK, gL each ±30 %, seed 0); tables identical in every mode: {same}")
    print(table(rows, ("mode", "rows", "seconds", "rows/s")))
    print("onset kinds:", t["onset"].value_counts(dropna=False).to_dict(),
          "failed rows:", int((t["status"] != "ok").sum()))
    fit_pyramidal = getattr(bifur.models, "fit_pyramidal", None)
    if fit_pyramidal is not None and not args.skip_fit:
        t0 = time.perf_counter()
        res = fit_pyramidal()
        print(f"full pyramidal fit (bifur.models.fit_pyramidal()): {time.perf_counter() - t0:.1f} s; "
              f"cost {res.cost:.3g}")
    elif fit_pyramidal is None:
        print("bifur.models.fit_pyramidal is not available in this version: no pyramidal fit timed")


if __name__ == "__main__":
    main()
