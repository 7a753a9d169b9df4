"""Plots in the plane of two parameters: firing maps (regions shaded, boundaries labelled by kind,
rate contours, codimension-two points) and two-parameter bifurcation curves.

Both functions take ``ax=`` (the current Axes by default), pass styling keywords on, compute
nothing, and return the Axes. Re-exported by :mod:`bifur.plot`.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping

import numpy as np

__all__ = ["firing_map", "two_parameter", "REGION_COLORS", "BOUNDARY_STYLES", "POINT_MARKERS"]

#: Fill colour of each region of a firing map.
REGION_COLORS = {"rest": "#d9d9d9", "tonic": "#a6dba0", "bistable": "#fdb863", "block": "#b2abd2"}

#: Line style of each kind of boundary / curve.
BOUNDARY_STYLES = {
    "SNIC": dict(color="k", ls="-", lw=2.2),
    "HOM": dict(color="k", ls="--", lw=1.8),
    "LP": dict(color="0.45", ls=":", lw=1.6),
    "H": dict(color="#d7191c", ls="-", lw=1.8),
    "LPC": dict(color="#2c7bb6", ls="-", lw=1.8),
}

#: Marker of each codimension-two point.
POINT_MARKERS = {"BT": "P", "CP": "h", "GH": "H", "ZH": "D", "HH": "X", "SNL": "*", "CPC": "p", "R1": "d",
                 "GPD": "v"}

_CODES = {"rest": 0, "tonic": 1, "bistable": 2, "block": 3}
REGION_NAMES = {c: k for k, c in _CODES.items()}


def _runs(labels: np.ndarray, grid: np.ndarray) -> list[tuple[int, float, float]]:
    """(code, from, to) of the runs of one code along a row; a run ends half way to the next one."""
    out, i, n = [], 0, labels.size
    while i < n:
        j = i
        while j + 1 < n and labels[j + 1] == labels[i]:
            j += 1
        a = grid[0] if i == 0 else 0.5 * (grid[i - 1] + grid[i])
        b = grid[-1] if j == n - 1 else 0.5 * (grid[j] + grid[j + 1])
        out.append((int(labels[i]), float(a), float(b)))
        i = j + 1
    return out


def _align(a: list, b: list) -> tuple[list, list]:
    """When the regions of one row are those of the other with some missing (a region that closes
    between the rows), give the missing ones zero width where their neighbours meet, so that they
    are drawn as wedges; otherwise return the rows unchanged."""
    if len(a) == len(b):
        return a, b
    long, short, swap = (a, b, False) if len(a) > len(b) else (b, a, True)
    out, j = [], 0
    for c, x0, x1 in long:
        if j < len(short) and short[j][0] == c:
            out.append(short[j])
            j += 1
        else:
            edge = out[-1][2] if out else (short[j][1] if j < len(short) else short[-1][2])
            out.append((c, edge, edge))
    if j != len(short):
        return a, b
    return (out, long) if swap else (long, out)


def _region_polygons(fmap) -> list[tuple[int, list]]:
    """Polygons of the regions: between two rows with the same sequence of regions, each region is the
    quadrilateral joining its ends on both rows (its boundaries are interpolated linearly); where the
    sequences differ, each row's regions extend half way to the other row as rectangles."""
    rows, out = fmap.rows, []
    runs = [_runs(lab, fmap.grid1) for lab in fmap.labels]
    if rows.size == 1:
        h = 0.5 * (fmap.p2_range[1] - fmap.p2_range[0]) or 0.5
        return [(c, [(a, rows[0] - h), (b, rows[0] - h), (b, rows[0] + h), (a, rows[0] + h)])
                for c, a, b in runs[0] if c >= 0]
    for k in range(rows.size - 1):
        y0, y1 = float(rows[k]), float(rows[k + 1])
        lo, hi = _align(runs[k], runs[k + 1])
        if [c for c, _, _ in lo] == [c for c, _, _ in hi]:
            out += [(c, [(a0, y0), (b0, y0), (b1, y1), (a1, y1)]) for (c, a0, b0), (_, a1, b1) in zip(lo, hi)
                    if c >= 0]
        else:
            ym = 0.5 * (y0 + y1)
            out += [(c, [(a, y0), (b, y0), (b, ym), (a, ym)]) for c, a, b in lo if c >= 0]
            out += [(c, [(a, ym), (b, ym), (b, y1), (a, y1)]) for c, a, b in hi if c >= 0]
    return out


def _axes(ax):
    """``ax``, or the axes of a new figure (as every plot of :mod:`bifur.plot`)."""
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots()
    return ax


def _style(kind: str, styles: Mapping | None, line_kw: dict) -> dict:
    out = dict(BOUNDARY_STYLES.get(kind, dict(color="k", ls="-", lw=1.5)))
    out.update((styles or {}).get(kind, {}))
    out.update(line_kw)
    return out


def _mark_points(ax, pts, p1: str, p2: str, labels: bool, ms: float) -> None:
    for sp in pts:
        x, y = sp.params.get(p1, math.nan), sp.params.get(p2, sp.param)
        ax.plot([x], [y], POINT_MARKERS.get(sp.kind, "o"), color="w", mec="k", mew=1.0, ms=ms, zorder=6)
        if labels:
            ax.annotate(sp.kind, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8, zorder=7)


def firing_map(fmap, ax=None, *, regions: bool = True, rates: bool = True, rate_levels=None,
               boundaries: bool = True, points: bool = True, labels: bool = True, legend: bool = True,
               region_colors: Mapping[str, str] | None = None, boundary_styles: Mapping[str, dict] | None = None,
               alpha: float = 0.8, ms: float = 9.0, **line_kw):
    """Draw a :class:`~bifur.firingmap.FiringMap`.

    Parameters
    ----------
    fmap : FiringMap
        From :func:`bifur.firing_map`.
    ax : matplotlib Axes, optional
    regions : bool
        Shade rest, tonic firing, bistability and block (colours :data:`REGION_COLORS`).
    rates : bool
        Rate contours (Hz) from the exact rates of the rows, where firing.
    rate_levels : int or sequence, optional
        Contour levels (matplotlib's choice by default).
    boundaries : bool
        Draw the boundary pieces, styled by kind (:data:`BOUNDARY_STYLES`; those joined row to
        row are drawn thinner and dotted).
    points : bool
        Mark codimension-two points (:data:`POINT_MARKERS`).
    labels : bool
        Write the codimension-two labels.
    legend : bool
        A legend of regions and boundary kinds.
    region_colors, boundary_styles : mapping, optional
        Overrides of the colours and of the line styles by kind.
    alpha : float
        Opacity of the shading.
    ms : float
        Marker size of the points.
    **line_kw
        Passed to every boundary line (e.g. ``lw=1``).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bifur
    >>> from bifur.models import morris_lecar
    >>> fm = bifur.firing_map(morris_lecar("snic"), ("I", (20.0, 120.0)), ("G", (0.0, 1.0)), rows=3,
    ...                       rate_points=5, snic=False, homoclinic=False)
    >>> ax = bifur.plot.firing_map(fm, lw=1.2)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('I', 'G')
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Polygon

    ax = _axes(ax)
    colors = {**REGION_COLORS, **(region_colors or {})}
    handles = []
    if regions and fmap.rows.size >= 1:
        present = {int(c) for c in np.unique(fmap.labels) if c >= 0}
        for code, poly in _region_polygons(fmap):
            name = REGION_NAMES[code]
            ax.add_patch(Polygon(poly, closed=True, facecolor=colors[name], edgecolor="none", alpha=alpha,
                                 zorder=0))
        handles += [Patch(color=colors[k], alpha=alpha, label=k) for k, c in _CODES.items() if c in present]
    if rates and fmap.rates.size and fmap.rows.size >= 2 and fmap.rate_grid1.size >= 2:
        R = np.ma.masked_invalid(np.where(fmap.rates > 0, fmap.rates, np.nan))
        if R.count() >= 4:
            cs = ax.contour(fmap.rate_grid1, fmap.rows, R, levels=rate_levels, colors="0.25", linewidths=0.7,
                            zorder=2)
            ax.clabel(cs, fmt="%g Hz", fontsize=7)
    if boundaries:
        seen = set()
        for b in fmap.boundaries:
            st = _style(b.kind, boundary_styles, line_kw)
            if b.source == "rows":
                st = {**st, "ls": ":", "lw": st.get("lw", 1.5) * 0.8}
            ax.plot(b.p1, b.p2, zorder=4, **st)
            key = (b.kind, b.source)
            if key not in seen:
                seen.add(key)
                handles.append(Line2D([], [], label=b.kind + (" (rows)" if b.source == "rows" else ""), **st))
    if points:
        _mark_points(ax, fmap.points, fmap.param1, fmap.param2, labels, ms)
    ax.set_xlim(*fmap.p1_range)
    ax.set_ylim(*fmap.p2_range)
    ax.set_xlabel(fmap.param1)
    ax.set_ylabel(fmap.param2)
    if legend and handles:
        ax.legend(handles=handles, fontsize=8, loc="best", framealpha=0.9)
    return ax


def _curve_pieces(c) -> list[tuple[str, np.ndarray]]:
    """(kind, indices) pieces of a two-parameter curve, split where its kind changes along it."""
    kind = c.meta.get("curve", "")
    n = len(c)
    if kind == "LP" and "snic" in c.arrays:
        lab = np.where(c.arrays["snic"] == 1.0, "SNIC", np.where(c.arrays["snic"] == 0.0, "LP", ""))
    elif kind == "HOM":
        lab = np.where(c["bottleneck"] == 1.0, "HOM", "")
    else:
        return [(kind, np.arange(n))]
    out, i = [], 0
    while i < n:
        if not lab[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and lab[j + 1] == lab[i]:
            j += 1
        a = i - 1 if i > 0 and kind == "LP" and not lab[i - 1] else i
        b = j + 1 if j + 1 < n and kind == "LP" and not lab[j + 1] else j
        out.append((str(lab[i]), np.arange(a, b + 1)))
        i = j + 1
    return out


def two_parameter(curves, ax=None, *, points: bool = True, labels: bool = True, legend: bool = True,
                  styles: Mapping[str, dict] | None = None, ms: float = 9.0, **line_kw):
    """Two-parameter bifurcation curves (from :func:`bifur.continue_bifurcation`, classified fold curves
    of :func:`bifur.classify_snic` split into SNIC and plain fold pieces, homoclinic curves of
    :func:`bifur.continue_homoclinic` drawn where they are homoclinic), styled by kind, with their
    codimension-two points. x is the first parameter, y the second.

    Parameters
    ----------
    curves : BifurcationCurve or iterable of them
    ax : matplotlib Axes, optional
    points, labels, legend : bool
    styles : mapping, optional
        Line styles by kind, overriding :data:`BOUNDARY_STYLES`.
    ms : float
    **line_kw
        Passed to every line.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.lines import Line2D

    ax = _axes(ax)
    if not isinstance(curves, Iterable) or hasattr(curves, "meta"):
        curves = [curves]
    curves = [c for c in curves if c is not None]
    handles, seen = [], set()
    for c in curves:
        p1, p2 = c.meta.get("param1", ""), c.param_name
        for kind, idx in _curve_pieces(c):
            st = _style(kind, styles, line_kw)
            ax.plot(c[p1][idx], c.param[idx], zorder=3, **st)
            if kind not in seen:
                seen.add(kind)
                handles.append(Line2D([], [], label=kind, **st))
        if points:
            _mark_points(ax, c.special_points, p1, p2, labels, ms)
        ax.set_xlabel(p1)
        ax.set_ylabel(p2)
    if legend and handles:
        ax.legend(handles=handles, fontsize=8, loc="best")
    return ax
