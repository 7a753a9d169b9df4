"""tor: the second fold (LPC) and symmetry-breaking branch point (BPC) of the symmetric cycles.

Further along the symmetric branch of AUTO's tor demo than ``tor_symmetric_cycles`` goes, the
cycles (period ~19.4) regain stability at a fold and lose it again at a branch point where the
half-period map's eigenvalue passes -1: the stable symmetric orbit gives way to asymmetric
ones through a multiplier +1 of the monodromy, not a fold. Following the branch there takes
~10 s, so this script computes the two points once and prints the constants that
tests/reference_problems.py embeds as ``TOR_SECOND_BPC`` (run 2026-12-06).

Route: from the first BPC (tor_symmetric_cycles), natural continuation in the half-period T/2
(the period grows monotonically along the branch; nu is free), half-period multiple shooting
(N = 10, DOP853 rtol 1e-12), then brentq in T/2 for
  LPC: a second eigenvalue +1 of H = -Phi(T/2) ((l1 - 1)(l2 - 1) = 0 for its nontrivial l1, l2),
  BPC: an eigenvalue -1 of H ((l1 + 1)(l2 + 1) = 0).

    python scripts/references/tor_stable_bpc.py [rtol]      # default 1e-12; 1e-10 as a check
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
import reference_problems as rp  # noqa: E402

RTOL = float(sys.argv[1]) if len(sys.argv) > 1 else 1e-12


def main() -> None:
    t0 = time.time()
    fld, section = rp._tor_field(), (0, 0.0)
    first = rp.tor_symmetric_cycles(RTOL)["BPC"]
    X = first.data["segments"]
    cyc = rp._newton(fld, X, first.period / 2, first.value, section=section, rtol=1e-10, sym=-1.0, free="p")
    spans, cycles = [], []
    for span in np.arange(cyc.span + 0.25, 10.2, 0.25):          # T from 8.7 to 20.4
        cyc = rp._newton(fld, cyc.X, span, cyc.p, section=section, rtol=1e-10, sym=-1.0, free="p")
        spans.append(span)
        cycles.append(cyc)
    state = {}

    def at(span):
        base = min(cycles, key=lambda c: abs(c.span - span))
        new = rp._newton(fld, base.X, span, base.p, section=section, rtol=RTOL, sym=-1.0, free="p")
        state["cyc"] = new
        return new

    lpc_test = lambda s: rp._fold_test(at(s), -1.0)                       # noqa: E731
    bpc_test = lambda s: rp._half_map_test(at(s))                         # noqa: E731
    lv = [lpc_test(s) for s in spans]
    bv = [bpc_test(s) for s in spans]
    out = {}
    for name, test, vals in (("LPC", lpc_test, lv), ("BPC", bpc_test, bv)):
        k = next(i for i in range(len(spans) - 1) if spans[i] > 9.0 and vals[i] * vals[i + 1] < 0)
        s = brentq(test, spans[k], spans[k + 1], xtol=1e-13, rtol=1e-15)
        c = at(s)
        mu = np.linalg.eigvals(c.map_derivative(-1.0))
        out[name] = dict(nu=float(c.p), period=2 * float(c.span), point=tuple(map(float, c.X[0])),
                         half_map_eigenvalues=tuple(map(float, np.sort(mu.real))))
        # stability on either side
        for d in (-1e-3, 1e-3):
            m = np.abs(np.linalg.eigvals(at(s + d).map_derivative(-1.0)))
            out[name][f"max|H eig| at T/2{d:+g}"] = float(np.sort(m)[-1])
    for name, d in out.items():
        print(name)
        for k, v in d.items():
            print(f"    {k}: {v!r}")
    print(f"({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
