"""Plots of branches: bifurcation diagrams (stable solid, unstable dashed), periods, f-I curves.

Every function takes ``ax=`` (a matplotlib Axes; the current one by default) and returns the
artists it drew. Plotting never computes anything: pass branches computed beforehand.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from .branch import Branch

__all__ = ["diagram", "period", "fi", "MARKERS"]

#: Marker of each special-point label.
MARKERS = {"LP": "s", "H": "o", "BP": "D", "LPC": "^", "PD": "v", "NS": "p", "BPC": "d", "SNIC": "*",
           "HOM": "X", "BT": "P", "CP": "h", "GH": "H"}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.gca()
    return ax


def _segments(stable: np.ndarray) -> list[tuple[int, int, bool]]:
    """Runs of equal stability as (start, stop_inclusive, stable); runs share their boundary point."""
    out = []
    if stable.size == 0:
        return out
    start = 0
    for i in range(1, stable.size + 1):
        if i == stable.size or stable[i] != stable[start]:
            out.append((start, min(i, stable.size - 1), bool(stable[start])))
            start = i
    return out


def _curve(ax, xs: np.ndarray, ys: np.ndarray, stable: np.ndarray, color, label, lw) -> list:
    artists = []
    for a, b, st in _segments(stable):
        line, = ax.plot(xs[a:b + 1], ys[a:b + 1], ls="-" if st else "--", color=color, lw=lw,
                        label=label if not artists else None)
        color = line.get_color()
        artists.append(line)
    return artists


def _as_list(branches) -> list[Branch]:
    if isinstance(branches, Branch):
        return [branches]
    return [b for b in branches if b is not None]


def diagram(branches: Branch | Iterable[Branch], y: str | None = None, ax=None, *,
            colors: Sequence | None = None, labels: bool = True, special: bool = True,
            lw: float = 1.5, legend: bool = False) -> list:
    """Bifurcation diagram: equilibria as curves, cycles as max/min envelopes of ``y``.

    Parameters
    ----------
    branches : Branch or iterable of Branch
    y : str, optional
        State to plot (default: the model's voltage, or the first state).
    ax : matplotlib Axes, optional
    colors : sequence, optional
        One colour per branch.
    labels : bool
        Write the special-point labels next to their markers.
    special : bool
        Mark special points.
    lw : float
        Line width.
    legend : bool
        Add a legend naming the branches.

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> br = bifur.continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0))
    >>> artists = bifur.plot.diagram(br)
    >>> len(artists) >= 3
    True
    """
    ax = _axes(ax)
    branches = _as_list(branches)
    artists: list = []
    for k, br in enumerate(branches):
        name = y or (br.model.voltage if br.model is not None and br.model.voltage else br.state_names[0])
        color = colors[k] if colors is not None else None
        label = f"{br.kind} ({br.param_name})"
        if br.kind == "cycle":
            hi = _curve(ax, br.param, br.max(name), br.stable, color, label, lw)
            color = hi[0].get_color() if hi else color
            lo = _curve(ax, br.param, br.min(name), br.stable, color, None, lw)
            artists += hi + lo
        else:
            artists += _curve(ax, br.param, br[name], br.stable, color, label, lw)
            color = artists[-1].get_color() if artists else color
        if special:
            for sp in br.special_points:
                ys = [br.max(name)[sp.index], br.min(name)[sp.index]] if br.kind == "cycle" else [br[name][sp.index]]
                for yv in ys:
                    artists.append(ax.plot([sp.param], [yv], MARKERS.get(sp.kind, "o"), color=color, ms=6,
                                           mec="k", mew=0.6, zorder=5)[0])
                if labels:
                    artists.append(ax.annotate(sp.kind, (sp.param, ys[0]), textcoords="offset points",
                                               xytext=(4, 4), fontsize=8))
        ax.set_xlabel(br.param_name)
        ax.set_ylabel(name)
    if legend:
        ax.legend(fontsize=8)
    return artists


def period(branches: Branch | Iterable[Branch], ax=None, *, frequency: bool = False, lw: float = 1.5,
           labels: bool = True) -> list:
    """Period (or frequency in Hz with ``frequency=True``) along cycle branches; unstable dashed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> cyc = bifur.find_cycle(hodgkin_huxley(), params={"I": 20.0})
    >>> br = bifur.continue_cycles(hodgkin_huxley(), cyc, "I", (15.0, 25.0))
    >>> len(bifur.plot.period(br)) >= 1
    True

    """
    ax = _axes(ax)
    artists: list = []
    for br in _as_list(branches):
        if br.kind != "cycle":
            continue
        vals = br.frequency_hz if frequency else br.period
        new = _curve(ax, br.param, vals, br.stable, None, None, lw)
        artists += new
        color = new[0].get_color() if new else None
        for sp in br.special_points:
            artists.append(ax.plot([sp.param], [vals[sp.index]], MARKERS.get(sp.kind, "o"), color=color,
                                   mec="k", mew=0.6, zorder=5)[0])
            if labels:
                artists.append(ax.annotate(sp.kind, (sp.param, vals[sp.index]), textcoords="offset points",
                                           xytext=(4, 4), fontsize=8))
        ax.set_xlabel(br.param_name)
        ax.set_ylabel("frequency (Hz)" if frequency else f"period ({br.time_unit})")
    return artists


def fi(curve, ax=None, *, unstable: bool = True, label: str | None = None, lw: float = 1.8,
       marks: bool = True) -> list:
    """An f-I (or f-G) curve: stable firing rate solid, rest at 0, unstable cycles dashed,
    onset and block marked.

    Parameters
    ----------
    curve : FICurve
        From :func:`bifur.fi_curve` or :func:`bifur.fg_curve` (continuation or simulation).
    ax : matplotlib Axes, optional
    unstable : bool
        Also draw the frequency of unstable cycles (dashed), which shows hysteresis.
    label : str, optional
        Legend label of the stable rate.
    marks : bool
        Mark and label onset and block.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> curve = bifur.fi_curve(hodgkin_huxley(), "I", (0.0, 200.0))
    >>> len(bifur.plot.fi(curve)) >= 3
    True
    """
    ax = _axes(ax)
    artists: list = []
    label = label if label is not None else curve.model.name
    if curve.method == "simulation":
        artists += ax.plot(curve.param, curve.rate_hz, ".-", lw=1, ms=3, label=f"{label} (simulation)")
        color = artists[-1].get_color()
    else:
        color = None
        for br in curve.cycles:
            f = br.frequency_hz
            for a, b, st in _segments(br.stable):
                if not st and not unstable:
                    continue
                ln, = ax.plot(br.param[a:b + 1], f[a:b + 1], ls="-" if st else "--", lw=lw if st else 1.0,
                              color=color, label=label if (st and color is None) else None)
                color = ln.get_color()
                artists.append(ln)
        rest = curve.rate_hz == 0
        if rest.any():
            artists += ax.plot(curve.param[rest], np.zeros(rest.sum()), ".", ms=2, color=color or "k")
        if marks:
            for sp, name in ((curve.onset, "onset"), (curve.block, "block")):
                if sp is None:
                    continue
                f0 = sp.data.get("frequency_hz", 0.0) if sp.kind not in ("SNIC", "HOM") else 0.0
                artists.append(ax.plot([sp.param], [f0], MARKERS.get(sp.kind, "o"), color=color, mec="k",
                                       ms=7, zorder=5)[0])
                artists.append(ax.annotate(f"{name} ({sp.kind})", (sp.param, f0), textcoords="offset points",
                                           xytext=(5, 5), fontsize=8))
    ax.set_xlabel(curve.param_name)
    ax.set_ylabel("firing rate (Hz)")
    return artists
