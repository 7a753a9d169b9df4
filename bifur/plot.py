"""Plots of branches: bifurcation diagrams, periods or frequencies along cycle branches, f-I curves.

The conventions, which the key (legend) of every plot states:

* stable solid, unstable dashed; the style switches exactly at the located special point (a Hopf
  point, a fold), not at the next computed point;
* special points are marked (:data:`MARKERS`) and labelled; labels of points that coincide on the
  figure are merged ("LPC, PD"), the others are placed where they overlap no other label or marker.
  The placement is redone at every draw, so it holds after the limits or the figure size change;
* axis labels carry the model's units ("I (µA/cm²)", "V (mV)", "frequency (Hz)").

Every function takes ``ax=`` (a new figure when omitted, so two calls never draw on the same
axes unless asked), passes ``label=`` and other keywords (``color``, ``lw``, ``alpha``, ...) on
to matplotlib, so that ``ax.legend()`` shows them, and returns the axes. Plotting never computes
anything: pass branches computed beforehand.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import numpy as np

from .branch import Branch
from .units import axis_label

__all__ = ["diagram", "period", "fi", "MARKERS", "stability_pieces"]

#: Marker of each special-point label.
MARKERS = {"LP": "s", "H": "o", "BP": "D", "LPC": "^", "PD": "v", "NS": "p", "BPC": "d", "SNIC": "*",
           "HOM": "X", "BT": "P", "CP": "h", "GH": "H"}

#: Line styles of stable and unstable parts (the key says so).
STYLES = {True: "-", False: "--"}
_KEY_GID = "bifur-key"


# -- helpers ----------------------------------------------------------------------------------------------
def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots()
    return ax


def _as_list(branches) -> list[Branch]:
    if isinstance(branches, Branch):
        return [branches]
    return [b for b in branches if b is not None]


def _next_color(ax) -> Any:
    """The next colour of the axes' property cycle (drawn by matplotlib itself, then removed)."""
    probe, = ax.plot([], [])
    color = probe.get_color()
    probe.remove()
    return color


def _unit(branch_or_curve, name: str) -> str | None:
    model = getattr(branch_or_curve, "model", None)
    if model is None:
        return None
    try:
        return model.unit(name)
    except Exception:  # a name the model does not know (e.g. an array of the branch)
        return None


def stability_pieces(x: np.ndarray, y: np.ndarray, stable: np.ndarray,
                     special: Iterable[int] = ()) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Split a branch into polylines of constant stability, switching exactly at special points.

    The stability of a located special point (a Hopf point, a fold) is that of a critical point:
    neither side's. Each interval between consecutive points takes the stability of its end that is
    not a special point, so the switch happens at the special point itself; a change between two
    ordinary points (not located) switches halfway between them.

    Returns
    -------
    list of (x, y, stable)
        Consecutive pieces share their end point.

    Examples
    --------
    >>> x = np.array([0.0, 1.0, 2.0, 3.0]); st = np.array([True, True, True, False])
    >>> [(p[0].tolist(), p[2]) for p in stability_pieces(x, x, st, special=[2])]
    [([0.0, 1.0, 2.0], True), ([2.0, 3.0], False)]
    >>> [(p[0].tolist(), p[2]) for p in stability_pieces(x, x, st)]
    [([0.0, 1.0, 2.0, 2.5], True), ([2.5, 3.0], False)]
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    stable = np.asarray(stable, dtype=bool)
    n = x.size
    if n == 0:
        return []
    if n == 1:
        return [(x.copy(), y.copy(), bool(stable[0]))]
    sp = set(int(k) for k in special)
    # intervals as (x0, y0, x1, y1, stable), split where the change is not located
    pieces: list[tuple[list[float], list[float], bool]] = []

    def add(xa, ya, xb, yb, st):
        if pieces and pieces[-1][2] == st:
            pieces[-1][0].append(xb)
            pieces[-1][1].append(yb)
        else:
            pieces.append(([xa, xb], [ya, yb], st))

    for i in range(n - 1):
        a, b = bool(stable[i]), bool(stable[i + 1])
        if (i in sp) != (i + 1 in sp):
            add(x[i], y[i], x[i + 1], y[i + 1], b if i in sp else a)
        elif a == b:
            add(x[i], y[i], x[i + 1], y[i + 1], a)
        else:
            xm, ym = 0.5 * (x[i] + x[i + 1]), 0.5 * (y[i] + y[i + 1])
            add(x[i], y[i], xm, ym, a)
            add(xm, ym, x[i + 1], y[i + 1], b)
    return [(np.array(px), np.array(py), st) for px, py, st in pieces]


def _draw_pieces(ax, x, y, stable, special, color, kwargs: dict, only_stable: bool = False,
                 unstable_lw: float | None = None) -> list:
    lines = []
    for px, py, st in stability_pieces(x, y, stable, special):
        if only_stable and not st:
            continue
        kw = {"ls": STYLES[st], **kwargs, "color": color, "label": "_nolegend_"}
        if not st and unstable_lw is not None and "lw" not in kwargs and "linewidth" not in kwargs:
            kw["lw"] = unstable_lw
        lines.append(ax.plot(px, py, **kw)[0])
    return lines


def _entry(ax, label: str | None, color, kwargs: dict) -> None:
    """A legend entry (a line of the branch's colour, solid) for ``label``."""
    if label is None or label.startswith("_"):
        return
    kw = {k: v for k, v in kwargs.items() if k in ("lw", "linewidth", "alpha", "marker", "ms", "markersize")}
    ax.plot([], [], color=color, ls="-", label=label, **kw)


def _style_key(ax, kinds: set[bool]) -> None:
    """The key of line styles ("stable" solid, "unstable" dashed), once per axes."""
    have = {ln.get_label() for ln in ax.lines if ln.get_gid() == _KEY_GID}
    for st in (True, False):
        name = "stable" if st else "unstable"
        if st in kinds and name not in have:
            ax.plot([], [], color="0.3", ls=STYLES[st], lw=1.2, label=name, gid=_KEY_GID)


def _legend(ax) -> None:
    handles, names = ax.get_legend_handles_labels()
    if not handles:
        return
    order = sorted(range(len(handles)), key=lambda k: getattr(handles[k], "get_gid", lambda: None)() == _KEY_GID)
    ax.legend([handles[k] for k in order], [names[k] for k in order], loc="best", fontsize="small",
              framealpha=0.85)


def _labels_for(branches_labels, n: int) -> list[str | None]:
    if branches_labels is None or isinstance(branches_labels, str):
        return [branches_labels] * n
    out = list(branches_labels)
    if len(out) != n:
        raise ValueError(f"label= has {len(out)} entries for {n} branches")
    return out


# -- special-point labels that never overlap -------------------------------------------------------------------
class _LabelLayout:
    """The special-point labels of one axes, placed at draw time.

    Labels whose points coincide on the figure (markers overlapping) are merged into one text
    ("LPC, PD"); the others are put, in order of their points' x, at the nearest of a set of
    positions around their point (right and above first, then further out) where the text overlaps
    no label already placed and no marker, preferring positions inside the axes and off the curves.
    """

    def __init__(self, ax):
        from matplotlib.artist import Artist

        layout = self

        class _Placer(Artist):  # draws nothing: it moves the labels before they are drawn
            zorder = 2.9

            def draw(self, renderer):
                if self.get_visible():
                    layout.place(renderer)
                self.stale = False

        self.ax = ax
        self.entries: list[dict] = []
        self.placer = _Placer()
        self.placer.set_in_layout(False)
        ax.add_artist(self.placer)

    @classmethod
    def of(cls, ax) -> "_LabelLayout":
        layout = getattr(ax, "_bifur_labels", None)
        if layout is None or layout.placer not in ax.get_children():   # none yet, or the axes were cleared
            layout = cls(ax)
            ax._bifur_labels = layout
        return layout

    def add(self, x: float, y: float, text: str, marker_pt: float = 6.0, color=None, fontsize=8) -> Any:
        ann = self.ax.annotate(text, (x, y), xytext=(0, 0), textcoords="offset pixels", ha="center",
                               va="center", fontsize=fontsize, color=color or "k", zorder=3.1,
                               annotation_clip=False)
        self.entries.append({"ann": ann, "xy": (float(x), float(y)), "text": text, "marker_pt": marker_pt})
        return ann

    def place(self, renderer) -> None:
        ax = self.ax
        dpi_scale = ax.figure.dpi / 72.0
        frame = ax.get_window_extent(renderer)
        entries = [e for e in self.entries if e["ann"].axes is ax]
        if not entries:
            return
        pts = ax.transData.transform(np.array([e["xy"] for e in entries]))
        inside = (np.isfinite(pts).all(axis=1) & (pts[:, 0] >= frame.x0 - 1) & (pts[:, 0] <= frame.x1 + 1)
                  & (pts[:, 1] >= frame.y0 - 1) & (pts[:, 1] <= frame.y1 + 1))
        # clusters of coincident points (union of markers overlapping), in order of x
        idx = [k for k in np.argsort(pts[:, 0], kind="stable") if inside[k]]
        parent = {k: k for k in idx}

        def root(k):
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k
        for a_pos, a in enumerate(idx):
            for b in idx[a_pos + 1:]:
                if pts[b, 0] - pts[a, 0] > 12 * dpi_scale:
                    break
                reach = 0.5 * (entries[a]["marker_pt"] + entries[b]["marker_pt"]) * dpi_scale
                if np.hypot(*(pts[a] - pts[b])) < reach:
                    parent[root(b)] = root(a)
        clusters: dict[int, list[int]] = {}
        for k in idx:
            clusters.setdefault(root(k), []).append(k)
        shown: set[int] = set()
        markers = [(pts[k], 0.5 * entries[k]["marker_pt"] * dpi_scale) for k in idx]
        curves = self._curve_points(renderer)
        placed: list[tuple[float, float, float, float]] = []
        for members in clusters.values():
            names: list[str] = []
            for k in members:
                for part in entries[k]["text"].split(", "):
                    if part not in names:
                        names.append(part)
            order = list(MARKERS)   # merged kinds in a fixed order: "LPC, PD" wherever they meet
            names.sort(key=lambda s: order.index(s) if s in order else len(order))
            lead = entries[members[0]]["ann"]
            lead.set_text(", ".join(names))      # (setters below only mark the figure stale on a change,
            shown.add(members[0])                # so an interactive figure is not redrawn forever)
            if not lead.get_visible():
                lead.set_visible(True)
            box = lead.get_window_extent(renderer)   # its size does not depend on where it is
            w, h = box.width, box.height
            anchor = pts[members].mean(axis=0)
            radius = max(entries[k]["marker_pt"] for k in members) * 0.5 * dpi_scale + 2.0
            cx, cy = self._best(anchor, w, h, radius, placed, markers, curves, frame)
            offset = (float(cx - pts[members[0], 0]), float(cy - pts[members[0], 1]))
            if not np.allclose(lead.xyann, offset, atol=0.05):
                lead.xyann = offset
            placed.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        for k, e in enumerate(entries):
            if k not in shown and e["ann"].get_visible():
                e["ann"].set_visible(False)

    def _curve_points(self, renderer) -> np.ndarray:
        chunks = []
        for ln in self.ax.lines:
            if not ln.get_visible() or ln.get_gid() == _KEY_GID:
                continue
            xy = ln.get_xydata()
            if len(xy) < 2:
                continue
            d = ln.get_transform().transform(xy)
            # points every few pixels along the line
            seg = np.diff(d, axis=0)
            length = np.hypot(seg[:, 0], seg[:, 1])
            for (x0, y0), (dx, dy), L in zip(d[:-1], seg, length):
                if not np.isfinite(L):
                    continue
                k = max(1, int(L // 4))
                t = np.arange(k) / k
                chunks.append(np.column_stack([x0 + t * dx, y0 + t * dy]))
        return np.vstack(chunks) if chunks else np.zeros((0, 2))

    @staticmethod
    def _best(anchor, w, h, radius, placed, markers, curves, frame) -> tuple[float, float]:
        directions = [(1, 1), (1, 0), (1, -1), (0, 1), (-1, 1), (0, -1), (-1, 0), (-1, -1)]
        pad = 1.5
        best, best_score = None, math.inf
        for ring in range(60):
            gap = radius + ring * (h + 2.0)
            for rank, (dx, dy) in enumerate(directions):
                cx = anchor[0] + dx * (gap + w / 2)
                cy = anchor[1] + dy * (gap + h / 2)
                x0, y0, x1, y1 = cx - w / 2 - pad, cy - h / 2 - pad, cx + w / 2 + pad, cy + h / 2 + pad
                if any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in placed):
                    continue
                if any(x0 < p[0] + r and p[0] - r < x1 and y0 < p[1] + r and p[1] - r < y1 for p, r in markers):
                    continue
                score = 4.0 * ring + 0.1 * rank
                if x0 < frame.x0 or x1 > frame.x1 or y0 < frame.y0 or y1 > frame.y1:
                    score += 100.0
                if len(curves):
                    hit = np.count_nonzero((curves[:, 0] > x0) & (curves[:, 0] < x1) & (curves[:, 1] > y0)
                                           & (curves[:, 1] < y1))
                    score += min(hit, 10) * 1.5
                if score < best_score:
                    best, best_score = (cx, cy), score
            if best is not None and best_score < 4.0 * (ring + 1):
                break   # nothing further out can score better
        if best is None:   # unreachable in practice: far enough out, nothing is in the way
            best = (anchor[0] + radius + w / 2, anchor[1] + radius + h / 2)
        return best


def _mark(ax, x: float, y: float, kind: str, color, text: str | None, size: float = 6.0) -> None:
    ax.plot([x], [y], MARKERS.get(kind, "o"), color=color, ms=size, mec="k", mew=0.6, zorder=5,
            label="_nolegend_")
    if text is not None:
        _LabelLayout.of(ax).add(x, y, text, marker_pt=size)


# -- bifurcation diagram ------------------------------------------------------------------------------------
def diagram(branches: Branch | Iterable[Branch], y: str | None = None, ax=None, *, label: str | Sequence | None = None,
            colors: Sequence | None = None, labels: bool = True, special: bool = True, legend: bool = True,
            **kwargs: Any):
    """Bifurcation diagram: equilibria as curves, cycles as max/min envelopes of ``y``.

    Parameters
    ----------
    branches : Branch or iterable of Branch
    y : str, optional
        State to plot (default: the model's voltage, or the first state).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    label : str or sequence of str, optional
        Legend entries: one string names everything this call draws (one colour), a sequence
        names each branch. Default: "equilibria", "cycles (max/min)".
    colors : sequence, optional
        One colour per branch (``color=`` gives one colour to all).
    labels : bool
        Write the special-point labels next to their markers.
    special : bool
        Mark special points.
    legend : bool
        Draw the key: the branches' colours and the line styles (stable solid, unstable dashed).
    **kwargs
        Passed to ``Axes.plot`` for the curves (``lw``, ``alpha``, ``color``, ``zorder``, ...).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> br = bifur.continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0))
    >>> ax = bifur.plot.diagram(br)
    >>> ax.get_xlabel(), ax.get_ylabel(), ax.get_legend() is not None
    ('I (µA/cm²)', 'V (mV)', True)
    """
    ax = _axes(ax)
    branches = _as_list(branches)
    names = _labels_for(label, len(branches))
    one_label = isinstance(label, str)
    kwargs = {"lw": 1.5, **kwargs}
    user_color = kwargs.pop("color", kwargs.pop("c", None))
    shared = None
    kinds: set[bool] = set()
    for k, br in enumerate(branches):
        name = y or (br.model.voltage if br.model is not None and br.model.voltage else br.state_names[0])
        color = colors[k] if colors is not None else user_color
        if color is None:
            color = shared if (one_label and shared is not None) else _next_color(ax)
        shared = color
        special_idx = [sp.index for sp in br.special_points]
        if br.kind == "cycle":
            curves = (br.max(name), br.min(name))
            default = f"cycles (max/min of {name})"
        else:
            curves = (br[name],)
            default = "equilibria" if br.kind == "equilibrium" else br.kind
        for ys in curves:
            _draw_pieces(ax, br.param, ys, br.stable, special_idx, color, kwargs)
        kinds |= set(np.unique(br.stable).tolist())
        entry = names[k] if names[k] is not None else default
        if not (one_label and k > 0):
            _entry(ax, entry, color, kwargs)
        if special:
            for sp in br.special_points:
                ys = [c[sp.index] for c in curves]
                for j, yv in enumerate(ys):
                    _mark(ax, sp.param, yv, sp.kind, color, sp.kind if (labels and j == 0) else None)
        ax.set_xlabel(axis_label(br.param_name, _unit(br, br.param_name)))
        ax.set_ylabel(axis_label(name, _unit(br, name)))
    _style_key(ax, kinds)
    if legend:
        _legend(ax)
    return ax


def period(branches: Branch | Iterable[Branch], ax=None, *, frequency: bool = False, label: str | Sequence | None = None,
           labels: bool = True, legend: bool = True, **kwargs: Any):
    """Period (or frequency in Hz with ``frequency=True``) along cycle branches; unstable dashed.

    Parameters are those of :func:`diagram`; ``label`` defaults to "cycles".

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> cyc = bifur.find_cycle(hodgkin_huxley(), params={"I": 20.0})
    >>> br = bifur.continue_cycles(hodgkin_huxley(), cyc, "I", (15.0, 25.0))
    >>> bifur.plot.period(br, frequency=True, label="HH").get_ylabel()
    'frequency (Hz)'
    """
    ax = _axes(ax)
    cycles = [b for b in _as_list(branches) if b.kind == "cycle"]
    names = _labels_for(label, len(cycles))
    one_label = isinstance(label, str)
    kwargs = {"lw": 1.5, **kwargs}
    user_color = kwargs.pop("color", kwargs.pop("c", None))
    shared = None
    kinds: set[bool] = set()
    for k, br in enumerate(cycles):
        vals = br.frequency_hz if frequency else br.period
        color = user_color if user_color is not None else (
            shared if (one_label and shared is not None) else _next_color(ax))
        shared = color
        _draw_pieces(ax, br.param, vals, br.stable, [sp.index for sp in br.special_points], color, kwargs)
        kinds |= set(np.unique(br.stable).tolist())
        if not (one_label and k > 0):
            _entry(ax, names[k] if names[k] is not None else "cycles", color, kwargs)
        for sp in br.special_points:
            _mark(ax, sp.param, vals[sp.index], sp.kind, color, sp.kind if labels else None)
        ax.set_xlabel(axis_label(br.param_name, _unit(br, br.param_name)))
        ax.set_ylabel("frequency (Hz)" if frequency else axis_label("period", br.time_unit
                                                                    if br.time_unit != "1" else None))
    _style_key(ax, kinds)
    if legend:
        _legend(ax)
    return ax


# -- f-I curves --------------------------------------------------------------------------------------------------
def firing_xlim(curve) -> tuple[float, float] | None:
    """Default x-range of an f-I plot: the firing range with a margin, and the rest of the computed
    range only where it is short (so an f-I curve computed to I = 700 whose firing ends at 154 is
    shown to about 190, with the rest state before the onset).

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> lo, hi = firing_xlim(bifur.fi_curve(hodgkin_huxley(), "I", (0.0, 700.0)))
    >>> lo, 154.5 < hi < 200.0
    (0.0, True)
    """
    p_lo, p_hi = (float(v) for v in (min(curve.p_range), max(curve.p_range))) if np.all(
        np.isfinite(curve.p_range)) else (float(np.nanmin(curve.param)), float(np.nanmax(curve.param)))
    spans = [(float(a), float(b)) for a, b in (curve.firing or [])]
    if not spans:
        fire = np.isfinite(curve.rate_hz) & (curve.rate_hz > 0)
        if fire.any():
            spans = [(float(curve.param[fire].min()), float(curve.param[fire].max()))]
    if not spans or not (math.isfinite(p_lo) and math.isfinite(p_hi)) or p_hi <= p_lo:
        return None
    lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
    width = max(hi - lo, 1e-3 * (p_hi - p_lo))
    left = p_lo if lo - p_lo <= 0.5 * width else lo - 0.25 * width
    right = p_hi if p_hi - hi <= 0.25 * width else hi + 0.25 * width
    return max(p_lo, left), min(p_hi, right)


def fi(curve, ax=None, *, unstable: bool = True, label: str | None = None, marks: bool = True, rest: bool = True,
       legend: bool = True, xlim: str | tuple | None = "firing", **kwargs: Any):
    """An f-I (or f-G) curve: the stable firing rate solid, rest at 0 Hz as a line wherever the rest
    state is stable (across bistable ranges too), unstable cycles dashed, onset and block marked.

    Parameters
    ----------
    curve : FICurve
        From :func:`bifur.fi_curve` or :func:`bifur.fg_curve` (continuation or simulation).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    unstable : bool
        Also draw the frequency of unstable cycles (dashed), which shows hysteresis.
    label : str, optional
        Legend entry of the curve (default: the model's name).
    marks : bool
        Mark and label onset and block.
    rest : bool
        Draw the stable rest state at 0 Hz.
    legend : bool
        Draw the key (curves and line styles).
    xlim : "firing", (float, float) or None
        "firing": the firing range with a margin (see :func:`firing_xlim`; on axes shared by several
        curves, the union); a pair sets the limits; None leaves them to matplotlib.
    **kwargs
        Passed to ``Axes.plot`` for the curve (``color``, ``lw``, ``alpha``, ...).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> curve = bifur.fi_curve(hodgkin_huxley(), "I", (0.0, 200.0))
    >>> ax = bifur.plot.fi(curve, label="HH")
    >>> ax.get_xlabel(), ax.get_legend_handles_labels()[1]
    ('I (µA/cm²)', ['HH', 'stable', 'unstable'])
    """
    ax = _axes(ax)
    label = label if label is not None else (curve.model.name if curve.model is not None else "f-I")
    kwargs = {"lw": 1.8, **kwargs}
    color = kwargs.pop("color", kwargs.pop("c", None))
    if color is None:
        color = _next_color(ax)
    kinds: set[bool] = set()
    if curve.method == "simulation":
        ax.plot(curve.param, curve.rate_hz, **{"marker": ".", "ms": 3, **kwargs, "ls": "-", "color": color,
                                               "label": f"{label} (simulation)"})
    else:
        for br in curve.cycles:
            special_idx = [sp.index for sp in br.special_points]
            lines = _draw_pieces(ax, br.param, br.frequency_hz, br.stable, special_idx, color, kwargs,
                                 only_stable=not unstable, unstable_lw=1.0)
            kinds |= {ln.get_linestyle() == "-" for ln in lines}
        if rest:
            for br in curve.equilibria:
                _draw_pieces(ax, br.param, np.zeros(len(br)), br.stable, [sp.index for sp in br.special_points],
                             color, kwargs, only_stable=True)
                if br.stable.any():
                    kinds.add(True)
        _entry(ax, label, color, kwargs)
        if marks:
            for sp, name in ((curve.onset, "onset"), (curve.block, "block")):
                if sp is None:
                    continue
                f0 = sp.data.get("frequency_hz", 0.0) if sp.kind not in ("SNIC", "HOM") else 0.0
                _mark(ax, sp.param, f0, sp.kind, color, f"{name} ({sp.kind})", size=7.0)
    ax.set_xlabel(axis_label(curve.param_name, _unit(curve, curve.param_name)))
    ax.set_ylabel("firing rate (Hz)")
    if xlim == "firing":
        lims = firing_xlim(curve)
        if lims is not None:
            previous = getattr(ax, "_bifur_fi_xlim", None)
            if previous is not None:
                lims = (min(previous[0], lims[0]), max(previous[1], lims[1]))
            ax._bifur_fi_xlim = lims
            ax.set_xlim(*lims)
    elif xlim is not None:
        ax.set_xlim(*xlim)
    _style_key(ax, kinds)
    if legend:
        _legend(ax)
    return ax

from .plot_maps import firing_map, two_parameter  # noqa: E402,F401  (plots in the plane of two parameters)
from .plot_fit import plot_fit  # noqa: E402,F401  (fitted curves against data: bifur/plot_fit.py)
