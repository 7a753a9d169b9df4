"""Fit the parameters of bifur.models.pyramidal5d to the characteristics of Chizhov et al. (2023).

Run: python scripts/fit_pyramidal.py [--stage1 60] [--generations 20] [--out fit.json]

The published equations were not available, only the characteristics stated in the abstract
of Chizhov, Amakhin, Sagtekin & Desroches, Biol. Cybern. 117:433-451 (2023):

* firing starts at a saddle-node on invariant circle (SNIC) (required here under both current
  and conductance injection);
* the steady firing rate never exceeds 30 Hz;
* depolarization block through a fold of limit cycles (LPC), at u = I/G_in <= 80 mV under
  current injection and s = G/G_in <= 3 under excitatory conductance injection (0 mV);
* the deepest point of the after-hyperpolarization lies near the middle of the ISI.

Each candidate is scored on its own f-I and f-G curves, computed by continuation with bifur
(onset and block types, rates, block positions) and on the trough of the stable cycle halfway
between rheobase and block. Stage 1 draws ``--stage1`` candidates uniformly (log-uniformly for
conductances and time constants) in RANGES with seeds 0, 1, ...; stage 2 hill-climbs from the
best one: each generation perturbs the current best 8 times (seeded) and keeps the best if it
improves. The result is printed as a dict ready to paste into ``bifur/models/pyramidal.py``.
Runtime: about 5 s per candidate on one core; two processes are used.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
import warnings

import numpy as np

import bifur
from bifur.models.pyramidal import FIXED, TEXT

RANGES = {
    "gNa": (0.2, 1.2, "log"), "gK": (0.2, 1.2, "log"), "gM": (0.0, 0.3, "lin"), "gL": (0.05, 0.15, "lin"),
    "V_act": (-20, 10, "lin"), "k_act": (5, 20, "lin"),
    "tmin_deact": (0.2, 5, "log"), "V_deact": (-30, 5, "lin"), "k_deact": (5, 20, "lin"),
    "tmin_inact": (1, 50, "log"), "V_inact": (-20, 20, "lin"), "k_inact": (3, 10, "lin"),
    "tmin_rec": (5, 200, "log"), "V_rec": (-70, -30, "lin"), "k_rec": (3, 10, "lin"),
    "V_n": (-10, 20, "lin"), "k_n": (5, 12, "lin"), "tau_n": (3, 20, "log"),
    "V_w": (-40, 10, "lin"), "tau_w": (30, 300, "log"),
}


def model(params: dict) -> bifur.Model:
    return bifur.Model.from_text(TEXT, params={**FIXED, **params}, init=dict(V=-60.0, O=0.0, Ina=0.0, n=0.0, w=0.0),
                                 name="pyramidal5d_fit", capacitance="C")


def trough_fraction(orbit: bifur.Cycle) -> float:
    """Time from the spike peak to the voltage minimum, as a fraction of the period."""
    v = orbit.evaluate_tau(np.linspace(0.0, 1.0, 4001, endpoint=False))[:, 0]
    return float(((np.argmin(v) - np.argmax(v)) % v.size) / v.size)


def characteristics(params: dict) -> dict:
    m = model(params)
    gin = bifur.input_conductance(m)
    fi = bifur.fi_curve(m, "I", (0.0, 150.0 * gin))
    fg = bifur.fg_curve(m, reversal=0.0, p_range=(0.0, 10.0 * gin))
    rates = fi.rate_hz[np.isfinite(fi.rate_hz)]
    out = {"G_in": gin, "onset": fi.onset.kind if fi.onset else None, "u_rheobase": fi.rheobase / gin,
           "max_rate": float(rates.max()) if rates.size else 0.0,
           "block": fi.block.kind if fi.block else None, "u_block": fi.block.param / gin if fi.block else np.nan,
           "l1_block": float(fi.block.data.get("l1", np.nan)) if fi.block else np.nan,
           "g_onset": fg.onset.kind if fg.onset else None, "g_block": fg.block.kind if fg.block else None,
           "s_block": fg.block.param / gin if fg.block else np.nan,
           "l1_g_block": float(fg.block.data.get("l1", np.nan)) if fg.block else np.nan, "trough_mid": np.nan}
    if fi.block is not None and fi.onset is not None:
        mid = 0.5 * (fi.rheobase + fi.block.param)
        best = None
        for br in fi.cycles:
            for i in np.flatnonzero(br.stable):
                if best is None or abs(br.param[i] - mid) < abs(best[0].param[best[1]] - mid):
                    best = (br, i)
        if best is not None:
            out["trough_mid"] = trough_fraction(best[0].orbit(best[1]))
    return out


def score(c: dict) -> float:
    """0 when every target is met with margin; each shortfall adds a penalty."""
    s = 0.0 if c["onset"] == "SNIC" else 10.0
    s += 0.0 if c["g_onset"] == "SNIC" else 2.0  # a SNIC also under conductance injection
    for kind, l1 in ((c["block"], c["l1_block"]), (c["g_block"], c["l1_g_block"])):
        # a supercritical Hopf block scores by how far l1 is from turning positive (-> a fold of cycles)
        s += 0.0 if kind == "LPC" else (3.0 + 2.0 * np.tanh(-1e3 * l1) if l1 == l1 else 5.0)
    s += max(0.0, c["max_rate"] - 30.0) / 5.0 + max(0.0, 15.0 - c["max_rate"]) / 10.0
    ub = c["u_block"] if c["u_block"] == c["u_block"] else 200.0
    sb = c["s_block"] if c["s_block"] == c["s_block"] else 10.0
    s += max(0.0, ub - 80.0) / 10.0 + max(0.0, 30.0 - ub) / 10.0 + max(0.0, sb - 3.0) + max(0.0, 1.0 - sb)
    s += 8.0 * abs(c["trough_mid"] - 0.5) if c["trough_mid"] == c["trough_mid"] else 4.0
    return s


def evaluate(params: dict) -> tuple[float, dict, dict]:
    warnings.filterwarnings("ignore")
    try:
        c = characteristics(params)
        return score(c), params, c
    except Exception as exc:  # a candidate whose analysis fails simply loses
        return 1e9, params, {"error": repr(exc)[:200]}


def sample(rng: np.random.Generator) -> dict:
    return {k: float(np.exp(rng.uniform(np.log(a), np.log(b))) if kind == "log" else rng.uniform(a, b))
            for k, (a, b, kind) in RANGES.items()}


def perturb(base: dict, rng: np.random.Generator, scale: float) -> dict:
    out = {}
    for k, (a, b, kind) in RANGES.items():
        if kind == "log" or k.startswith("g"):
            out[k] = base[k] * float(np.exp(rng.normal(0.0, 0.15 * scale)))
        else:
            out[k] = base[k] + float(rng.normal(0.0, 0.05 * scale * (b - a)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stage1", type=int, default=60)
    ap.add_argument("--generations", type=int, default=20)
    ap.add_argument("--out", default="fit_pyramidal.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with mp.Pool(2) as pool:
        results = pool.map(evaluate, [sample(np.random.default_rng(s)) for s in range(args.stage1)])
        best = min(results, key=lambda r: r[0])
        print(f"stage 1: best score {best[0]:.3f} {json.dumps(best[2], default=float)}", flush=True)
        rng = np.random.default_rng(12345)
        for g in range(args.generations):
            scale = 1.5 if g < args.generations // 3 else (1.0 if g < 2 * args.generations // 3 else 0.5)
            cands = pool.map(evaluate, [perturb(best[1], rng, scale) for _ in range(8)])
            top = min(cands, key=lambda r: r[0])
            if top[0] < best[0]:
                best = top
            print(f"generation {g}: best score {best[0]:.3f} {json.dumps(best[2], default=float)}", flush=True)
    print(f"done in {time.perf_counter() - t0:.0f} s")
    print("FITTED =", json.dumps(best[1]))
    with open(args.out, "w") as f:
        json.dump({"score": best[0], "params": best[1], "characteristics": best[2]}, f, indent=1, default=float)


if __name__ == "__main__":
    sys.exit(main())
