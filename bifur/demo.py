"""``python -m bifur demo``: what bifur does, on the built-in models, in one command.

It prints what it finds (with units) and writes three figures to ``./bifur_demo`` (or ``--out``):
``hh_traces.png`` (simulated voltage traces), ``hh_diagram.png`` (equilibria and cycles of
Hodgkin-Huxley, and the frequency along the cycle branch) and ``fi_fg_curves.png`` (f-I and f-G
curves of Hodgkin-Huxley and of the pyramidal-neuron reconstruction). ``scripts/make_figures.py``
writes the same figures to ``docs/figures/`` for the README.
"""
from __future__ import annotations

import math
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
from .units import axis_label, format_value, quantity_formatter, quotient_unit

#: File names of the figures, in the order they are written.
FIGURES = ("hh_traces.png", "hh_diagram.png", "fi_fg_curves.png")


def _save(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=120, bbox_inches="tight")
    print(f"  figure written to {path.resolve()}")


def _spikes(n: int) -> str:
    return f"{n} spike" if n == 1 else f"{n} spikes"


def _firing(tr, t_from: float) -> str:
    """What a trace does after ``t_from``: its rate, or why there is none."""
    if not tr.status.ok:
        return f"simulation failed: {tr.status.message}"
    rate = tr.rate_hz(t_from)
    if math.isfinite(rate) and rate > 0:
        return f"firing at {rate:.2f} Hz"
    return "then rest (no sustained firing)" if len(tr.spike_times) else "rest"


def _traces(hh, out: Path) -> Path:
    [rest] = find_equilibria(hh)
    print(f"\nrest state at I = 0: {rest}")
    print("  eigenvalues:", np.array2string(rest.eigenvalues, precision=4))
    cur = quantity_formatter(hh, "I")
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    for current in (0.0, 5.0, 10.0, 50.0):
        t0 = time.perf_counter()
        tr = simulate(hh, 100.0, params={"I": current}, dt=0.05)
        print(f"  I = {cur(current, '5.1f')}: {_spikes(len(tr.spike_times))} in 100 ms, {_firing(tr, 20.0)} "
              f"({time.perf_counter() - t0:.3f} s)")
        ax.plot(tr.t, tr["V"], lw=1, label=f"I = {cur(current, 'g')}")
    ax.axhline(rest["V"], color="k", ls=":", lw=0.8, label="rest (I = 0)")
    ax.set_xlabel(axis_label("t", hh.unit("t")))
    ax.set_ylabel(axis_label("V", hh.unit("V")))
    ax.set_title("Hodgkin-Huxley: simulated voltage traces")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    path = out / FIGURES[0]
    _save(fig, path)
    return path


def _diagram(hh, out: Path) -> Path:
    cur = quantity_formatter(hh, "I")
    t0 = time.perf_counter()
    eq = continue_equilibria(hh, "I", (0.0, 200.0))
    print(f"\nequilibrium branch of HH over I in [0, 200]: {len(eq)} points ({time.perf_counter() - t0:.3f} s); "
          f"{eq.status.message}")
    for sp in eq.special_points:
        print(f"  {sp.kind} at I = {cur(sp.param, '.10g')}: V = {sp.x[0]:.6f} mV, period {sp.period:.6f} ms, "
              f"l1 = {sp.l1:.6g} ({sp.criticality})")
    t0 = time.perf_counter()
    cyc = continue_cycles(hh, eq.special("H")[0], "I", (0.0, 200.0))
    print(f"\ncycle branch from the lower Hopf point: {len(cyc)} points ({time.perf_counter() - t0:.2f} s); "
          f"{cyc.status.message}")
    for sp in cyc.special_points:
        extra = f", period {sp.period:.6f} ms" if math.isfinite(sp.period) else ""
        print(f"  {sp.kind} at I = {cur(sp.param, '.10g')}{extra}")
    first = min(cyc.special("LPC"), key=lambda sp: sp.param)
    print(f"  stable cycles (repetitive firing) from the fold of cycles at I = {cur(first.param, '.8g')} to the "
          f"Hopf point at I = {cur(cyc.special_points[-1].param, '.8g')}")
    fig = Figure(figsize=(11, 4.5))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    diagram([eq, cyc], y="V", ax=ax1)
    ax1.set_title("Hodgkin-Huxley: equilibria and cycles")
    period(cyc, ax=ax2, frequency=True, label="cycles")
    ax2.set_title("frequency along the cycle branch")
    fig.tight_layout()
    path = out / FIGURES[1]
    _save(fig, path)
    return path


def _curves(hh, out: Path) -> Path:
    print("\nf-I and f-G curves (continuation), inputs scaled by the input conductance G_in at rest:")
    fig = Figure(figsize=(11, 8))
    for row, (name, model, u_max, s_max) in enumerate((("Hodgkin-Huxley", hh, 600.0, 20.0),
                                                        ("pyramidal5d (reconstruction)", pyramidal5d(), 80.0, 3.0))):
        gin = input_conductance(model)
        g_in = format_value(gin, quotient_unit(model, "I", model.voltage), ".4g")
        t0 = time.perf_counter()
        curve_i = fi_curve(model, "I", (0.0, u_max * gin))
        curve_g = fg_curve(model, reversal=0.0, p_range=(0.0, s_max * gin))
        seconds = time.perf_counter() - t0
        print(f"  {name} (G_in = {g_in}, {seconds:.2f} s):")
        for what, curve, scaled, unit in (("current", curve_i, "u = I/G_in", " mV"),
                                          ("conductance", curve_g, "s = G/G_in", "")):
            on, blk = curve.onset, curve.block
            onset = (f"onset {on.kind} at {scaled} = {curve.rheobase / gin:.4g}{unit}" if on is not None
                     else "onset undecided" if curve.firing else "no repetitive firing")
            block = (f"block {blk.kind} at {scaled} = {blk.param / gin:.4g}{unit}" if blk is not None
                     else "no block in range")
            klass = "undecided" if curve.excitability_class is None else curve.excitability_class
            rates = curve.rate_hz[np.isfinite(curve.rate_hz)]
            top = f", max rate {rates.max():.1f} Hz" if rates.size and rates.max() > 0 else ""
            print(f"    {what:11s}: {onset}, class {klass}, {block}{top}")
            print(f"      {curve.summary()}")
        for col, curve in enumerate((curve_i, curve_g)):
            ax = fig.add_subplot(2, 2, 2 * row + col + 1)
            fi(curve, ax=ax, label=name)
            ax.set_title(f"{name}: f-{'I' if col == 0 else 'G'}", fontsize=10)
    fig.tight_layout()
    path = out / FIGURES[2]
    _save(fig, path)
    return path


def run_demo(out: str | Path = "bifur_demo") -> list[Path]:
    """Run the demo, print what it finds and return the paths of the figures written to ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    hh = hodgkin_huxley()
    print(hh)
    written = [_traces(hh, out), _diagram(hh, out), _curves(hh, out)]
    print(f"\ndone in {time.perf_counter() - start:.1f} s; figures in {out.resolve()}")
    return written
