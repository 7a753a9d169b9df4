"""Two-parameter continuation speed: the Hodgkin-Huxley Hopf and fold-of-cycles curves in (I, gK)
against brute force.

Run: python benchmarks/bench_codim2.py  (about 3 minutes on 2 cores, most of it the LPC brute force)

The curve: :func:`bifur.continue_bifurcation` from the lower Hopf point of the I-branch at
gK = 36, over gK in [0, 80] (about 200 points; it ends at a Bogdanov-Takens point and passes two
generalized Hopf points). The baseline a user would otherwise write: one-parameter
continuations in I at 50 values of gK spanning the same range of the curve, reading off their
Hopf points, in the same process. Cold = fresh process with an empty cache (code generation
and numba compilation included); warm = same process, best of 3. The table also reports how
far the curve's points at those 50 values (inserted with ``at=``) are from the brute-force
Hopf points.

The LPC curve: :func:`bifur.continue_bifurcation` from the lowest fold of cycles of the f-I curve
at gK = 36 (I = 6.2603), over gK in [5, 100] (about 200 points; it passes two cusps of cycles and
ends at the generalized Hopf point of the Hopf curve, gK = 53.33). The baseline: :func:`bifur.fi_curve`
in I at 50 values of gK, reading off the LPC points of its cycle branches. Those values stop at
gK = 53: above the GH point there is no Hopf point to start cycles from, the cycles the f-I curve
finds by simulation form a closed branch (an isola between two folds), and the one-parameter
continuation goes round it until ``max_steps`` (about 100 s per value of gK at gK = 54), so the
brute force would be dominated by that. The brute force is timed once (it takes about a minute);
the curve best of 3.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _util import best_of, cold_and_warm, table  # noqa: E402

import bifur  # noqa: E402
from bifur.models import hodgkin_huxley  # noqa: E402

SETTINGS = bifur.ContinuationSettings(ds_max=0.04)
G_RANGE = (0.0, 80.0)
I_RANGE = (-80.0, 250.0)
LPC_SETTINGS = bifur.ContinuationSettings(ds_max=0.035)
LPC_G_RANGE = (5.0, 100.0)
LPC_I_RANGE = (-50.0, 300.0)

SNIPPET = """
import time
t0 = time.perf_counter()
import bifur
from bifur.models import hodgkin_huxley
hh = hodgkin_huxley()
h1 = bifur.continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]
curve = bifur.continue_bifurcation(hh, h1, "gK", (0.0, 80.0), settings=bifur.ContinuationSettings(ds_max=0.04))
print(time.perf_counter() - t0)
"""


def brute_force(hh: bifur.Model, values: np.ndarray) -> list[list[bifur.SpecialPoint]]:
    """Hopf points of one-parameter runs in I at each gK (their warnings about the ends silenced)."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        for g in values:
            out.append(bifur.continue_equilibria(hh, "I", I_RANGE, params={"gK": float(g)}).special("H"))
    return out


def lowest_lpc(hh: bifur.Model) -> bifur.SpecialPoint:
    """The fold of cycles where firing starts on the f-I curve at the default gK."""
    fi = bifur.fi_curve(hh, "I", (0.0, 200.0))
    return min((sp for b in fi.branches for sp in b.special_points if sp.kind == "LPC"), key=lambda sp: sp.param)


def lpc_curve(hh: bifur.Model, lpc: bifur.SpecialPoint, at=None) -> bifur.BifurcationCurve:
    """The LPC curve in (I, gK) (its warnings, two rejected R1 candidates near gK = 47-49, silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        return bifur.continue_bifurcation(hh, lpc, "gK", LPC_G_RANGE, p1_range=LPC_I_RANGE, settings=LPC_SETTINGS,
                                          at=at)


def brute_force_lpc(hh: bifur.Model, values: np.ndarray) -> list[list[float]]:
    """LPC points (values of I) of the f-I curves at each gK (their warnings silenced)."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        for g in values:
            fi = bifur.fi_curve(hh, "I", LPC_I_RANGE, params={"gK": float(g)})
            out.append(sorted(sp.param for b in fi.branches for sp in b.special_points if sp.kind == "LPC"))
    return out


def lpc_rows() -> list[tuple]:
    hh = hodgkin_huxley()
    lpc = lowest_lpc(hh)
    lpc_curve(hh, lpc)
    warm, curve = best_of(lambda: lpc_curve(hh, lpc), 3)
    values = np.linspace(max(curve["gK"].min(), 5.5), 53.0, 50)
    brute_force_lpc(hh, values[:2])
    brute, ref = best_of(lambda: brute_force_lpc(hh, values), 1)
    marked = lpc_curve(hh, lpc, at=list(values))
    err, n_ref, missed, used = 0.0, 0, 0, 0
    for g, found in zip(values, ref):
        for i in marked.at(float(g)):
            I = marked["I"][i]
            near = min(found, key=lambda v: abs(v - I), default=None)
            if near is None or abs(near - I) > 1e-3 * max(1.0, abs(near)):
                missed += 1  # the f-I curve did not find this fold of cycles
                continue
            err, n_ref, used = max(err, abs(near - I) / max(1.0, abs(near))), n_ref + 1, used + 1
    extra = sum(len(f) for f in ref) - used
    kinds = ", ".join(f"{sp.kind} ({curve.parameters_of(sp)[0]:.4f}, {sp.param:.4f})" for sp in curve.special_points)
    return [
        (f"warm: LPC curve, {len(curve)} points (same process)", f"{warm * 1e3:.0f} ms",
         f"{warm / len(curve) * 1e3:.2f} ms per point"),
        ("warm: brute force, 50 f-I curves in I, gK in [5.5, 53]", f"{brute * 1e3:.0f} ms",
         f"{sum(len(f) for f in ref)} LPC points found (single run)"),
        ("ratio brute force / curve", f"{brute / warm:.1f}", "(> 1: the curve is faster)"),
        ("max relative difference in I at the 50 gK values", f"{err:.1e}",
         f"{n_ref} points compared; {missed} LPC points of the curve not found by the brute force; {extra} "
         "found by it on other LPC curves"),
        ("codimension-two points (I, gK)", kinds, ""),
    ]


def main() -> None:
    cold, warm_proc = cold_and_warm(SNIPPET)
    hh = hodgkin_huxley()
    h1 = bifur.continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]
    curve = bifur.continue_bifurcation(hh, h1, "gK", G_RANGE, settings=SETTINGS)
    warm, curve = best_of(lambda: bifur.continue_bifurcation(hh, h1, "gK", G_RANGE, settings=SETTINGS), 3)
    values = np.linspace(max(curve["gK"].min(), 3.0), curve["gK"].max() - 0.5, 50)
    brute_force(hh, values[:2])
    brute, ref = best_of(lambda: brute_force(hh, values), 3)
    marked = bifur.continue_bifurcation(hh, h1, "gK", G_RANGE, settings=SETTINGS, at=list(values))
    err, n_ref, missed = 0.0, 0, 0
    for g, hs in zip(values, ref):
        for i in marked.at(float(g)):
            near = min(hs, key=lambda sp: abs(sp.param - marked["I"][i]), default=None)
            if near is None or abs(near.param - marked["I"][i]) > 1e-3 * max(1.0, abs(near.param)):
                missed += 1  # the one-parameter run did not find this Hopf point
                continue
            err, n_ref = max(err, abs(near.param - marked["I"][i]) / max(1.0, abs(near.param))), n_ref + 1
    kinds = ", ".join(f"{sp.kind} ({curve.parameters_of(sp)[0]:.4f}, {sp.param:.4f})" for sp in curve.special_points)
    rows = [
        ("cold: new process, empty cache (equilibria + Hopf curve, incl. compile)", f"{cold:.2f} s", ""),
        ("new process, warm cache", f"{warm_proc:.2f} s", ""),
        (f"warm: Hopf curve, {len(curve)} points (same process)", f"{warm * 1e3:.0f} ms",
         f"{warm / len(curve) * 1e3:.2f} ms per point"),
        ("warm: brute force, 50 one-parameter runs in I", f"{brute * 1e3:.0f} ms",
         f"{sum(len(h) for h in ref)} Hopf points found"),
        ("ratio brute force / curve", f"{brute / warm:.1f}", "(> 1: the curve is faster)"),
        ("max relative difference in I at the 50 gK values", f"{err:.1e}",
         f"{n_ref} points compared; {missed} Hopf points of the curve not found by the brute force"),
        ("codimension-two points (I, gK)", kinds, ""),
    ]
    print("Hopf curve of Hodgkin-Huxley in (I, gK)")
    print(table(rows, ("case", "value", "note")))
    print()
    print("LPC curve of Hodgkin-Huxley in (I, gK)")
    print(table(lpc_rows(), ("case", "value", "note")))


if __name__ == "__main__":
    main()
