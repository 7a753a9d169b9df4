"""``python -m bifur demo``: what bifur does, on the built-in models, in one command."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .continuation import continue_cycles, continue_equilibria
from .equilibria import find_equilibria
from .models import hodgkin_huxley, pyramidal5d
from .neuro import fg_curve, fi_curve, input_conductance
from .plot import diagram, fi, period
from .simulate import simulate


def _save(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=120, bbox_inches="tight")
    print(f"  figure written to {path.resolve()}")


def run_demo(out: str | Path = "bifur_demo") -> list[Path]:
    """Run the demo and return the paths of the figures written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    hh = hodgkin_huxley()
    print(hh)
    t0 = time.perf_counter()
    [rest] = find_equilibria(hh)
    print(f"\nrest state at I=0: {rest}  ({time.perf_counter() - t0:.2f} s)")
    print("  eigenvalues:", np.array2string(rest.eigenvalues, precision=4))
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    for current in (0.0, 5.0, 10.0, 50.0):
        t0 = time.perf_counter()
        tr = simulate(hh, 100.0, params={"I": current}, dt=0.05)
        rate = tr.rate_hz(20.0)
        print(f"I = {current:5.1f} uA/cm2: {len(tr.spike_times)} spikes in 100 ms, rate {rate:.2f} Hz "
              f"({time.perf_counter() - t0:.3f} s)")
        ax.plot(tr.t, tr["V"], lw=1, label=f"I = {current:g}")
    ax.axhline(rest["V"], color="k", ls=":", lw=0.8, label="rest (I = 0)")
    ax.set_xlabel("t (ms)")
    ax.set_ylabel("V (mV)")
    ax.set_title("Hodgkin-Huxley: simulated voltage traces")
    ax.legend(loc="upper right", fontsize=8)
    path = out / "hh_traces.png"
    _save(fig, path)
    written.append(path)

    t0 = time.perf_counter()
    eq = continue_equilibria(hh, "I", (0.0, 200.0))
    print(f"\nequilibrium branch of HH over I in [0, 200]: {len(eq)} points "
          f"({time.perf_counter() - t0:.3f} s); {eq.status.message}")
    for sp in eq.special_points:
        d = sp.data
        print(f"  {sp.kind} at I = {sp.param:.10g}: V = {sp.x[0]:.6f} mV, period {d['period']:.6f} ms, "
              f"l1 = {d['l1']:.6g} ({d['criticality']})")
    t0 = time.perf_counter()
    cyc = continue_cycles(hh, eq.special("H")[0], "I", (0.0, 200.0))
    print(f"\ncycle branch from the lower Hopf point: {len(cyc)} points ({time.perf_counter() - t0:.2f} s); "
          f"{cyc.status.message}")
    for sp in cyc.special_points:
        extra = f", period {sp.data['period']:.6f} ms" if "period" in sp.data else ""
        print(f"  {sp.kind} at I = {sp.param:.10g}{extra}")
    print(f"  stable cycles (repetitive firing) from the fold of cycles at I = {cyc.special('LPC')[-1].param:.8g} "
          f"to the Hopf point at I = {cyc.special_points[-1].param:.8g}")
    fig = Figure(figsize=(11, 4.5))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    diagram([eq, cyc], y="V", ax=ax1)
    ax1.set_xlabel("I (uA/cm2)")
    ax1.set_ylabel("V (mV)")
    ax1.set_title("Hodgkin-Huxley: equilibria and cycles (max/min of V)")
    period(cyc, ax=ax2, frequency=True)
    ax2.set_xlabel("I (uA/cm2)")
    ax2.set_title("frequency along the cycle branch")
    path = out / "hh_diagram.png"
    _save(fig, path)
    written.append(path)

    print("\nf-I and f-G curves (continuation):")
    fig = Figure(figsize=(11, 8))
    for row, (name, model, u_max, s_max) in enumerate((("Hodgkin-Huxley", hh, 600.0, 20.0),
                                                        ("pyramidal5d (reconstruction)", pyramidal5d(), 120.0, 6.0))):
        gin = input_conductance(model)
        t0 = time.perf_counter()
        curve_i = fi_curve(model, "I", (0.0, u_max * gin))
        curve_g = fg_curve(model, reversal=0.0, p_range=(0.0, s_max * gin))
        dt = time.perf_counter() - t0
        print(f"  {name} (G_in = {gin:.4g}, {dt:.2f} s):")
        for label, curve, unit, scale in (("current", curve_i, "u = I/G_in", "mV"), ("conductance", curve_g, "s = G/G_in", "")):
            on = curve.onset
            blk = curve.block
            print(f"    {label:11s}: onset {on.kind if on else '-'} at {unit} = {curve.rheobase / gin:.4g} {scale}, "
                  f"class {curve.excitability_class}, "
                  + (f"block {blk.kind} at {unit} = {blk.param / gin:.4g} {scale}" if blk else "no block in range")
                  + f", max rate {np.nanmax(curve.rate_hz):.1f} Hz")
        for col, curve in enumerate((curve_i, curve_g)):
            ax = fig.add_subplot(2, 2, 2 * row + col + 1)
            fi(curve, ax=ax, label=name)
            ax.set_title(f"{name}: f-{'I' if col == 0 else 'G'}", fontsize=10)
    fig.tight_layout()
    path = out / "fi_fg_curves.png"
    _save(fig, path)
    written.append(path)
    return written
