"""Firing maps: the regions of rest, tonic firing, bistability and depolarization block in the plane of
two inputs, and the curves that bound them, by continuation.

Two computations, each checking the other:

* **rows**: at ``rows`` values of the second input p2, the one-parameter f-I curve in p1
  (:func:`bifur.fi_curve`, by continuation): stable equilibria and stable limit cycles are exact
  along each row, and so are the rates at ``rate_points`` values of p1 (each cycle converged
  there). A point of a row is *firing* where a stable cycle exists, *rest* or *block* where a
  stable equilibrium exists below or above the row's threshold voltage (where the rest state
  loses stability, at a fold or a Hopf point), *bistable* where both.
* **curves**: the special points met on the rows are continued in two parameters with the one
  engine — folds (:func:`bifur.continue_bifurcation`, then :func:`bifur.classify_snic`, which
  splits them into SNIC and plain fold pieces and locates the SNL points), Hopf points, saddle
  homoclinic orbits (:func:`bifur.continue_homoclinic`, from each SNL and from the HOM ends of
  the rows' cycle branches) and folds of cycles (through ``continue_bifurcation`` when a builder
  for "LPC" points is registered; otherwise the rows' LPC points joined row to row, marked
  ``source="rows"``). Every curve is computed with exact points on the rows, so a special point of
  a row is recognised on a curve already traced by its parameter there.

The boundaries are the pieces of those curves that involve a stable state (a fold of a stable
node, a Hopf point of an otherwise stable focus, the homoclinic part of a fixed-period curve),
each labelled by its kind.
"""
from __future__ import annotations

import math
import warnings
from typing import Mapping, Sequence

import numpy as np

from . import _checks
from .branch import Branch, SpecialPoint
from .continuation import ContinuationSettings
from .continuation.codim2 import CURVE_BUILDERS, continue_bifurcation
from .continuation.homoclinic import continue_homoclinic
from .continuation.snic import classify_snic
from .errors import BifurError, BranchWarning, ModelError
from .ficurve import FICurve
from .fi_continuation import stable_segments
from .firingmap import Boundary, FiringMap
from .model import Model
from .neuro import fi_curve, with_conductance_input

__all__ = ["firing_map"]


def _resolve_model(model: Model, name: str, reversal: float) -> Model:
    """The model itself if ``name`` is one of its parameters; otherwise with an injected conductance of that name."""
    if name in model.params:
        return model
    if model.voltage is None:
        raise ModelError(f"{name!r} is not a parameter of {model.name!r}, and the model declares no voltage to "
                         "inject a conductance into")
    return with_conductance_input(model, name, reversal)


def firing_map(model: Model, input1: tuple[str, tuple[float, float]] = ("I", (0.0, 100.0)),
               input2: tuple[str, tuple[float, float]] = ("G", (0.0, 1.0)), *, reversal: float = 0.0,
               params: Mapping[str, float] | None = None, rows: int | Sequence[float] = 11,
               rate_points: int = 41, label_points: int = 401, curves: bool = True, snic: bool = True,
               homoclinic: bool = True, period: float | None = None,
               settings: ContinuationSettings | None = None, ntst: int | None = None,
               progress: bool = False) -> FiringMap:
    """The firing map of ``model`` in the plane of two inputs.

    Parameters
    ----------
    model : Model
    input1 : (str, (float, float))
        The first input p1 and its range: the f-I curves run along it (default the current "I").
    input2 : (str, (float, float))
        The second input p2 and its range. A name that is not a parameter of the model adds an
        injected conductance of that name (:func:`bifur.with_conductance_input`, reversal
        ``reversal``): the default ("G", (0, 1)) is dynamic-clamp conductance with E_G = 0.
    reversal : float
        Reversal potential of an added conductance.
    params : mapping, optional
        Values of the other parameters.
    rows : int or sequence of float
        Number of rows (values of p2, evenly spread over its range, both ends included) or the values.
    rate_points : int
        Values of p1 per row at which the rate is computed (0: none).
    label_points : int
        Values of p1 per row at which the region is labelled (from the exact intervals of the row).
    curves : bool
        Trace the boundary curves in two parameters (False: rows only).
    snic : bool
        Classify the fold curves into SNIC and plain fold pieces (a global check by simulation per
        point; see :func:`bifur.classify_snic`).
    homoclinic : bool
        Trace homoclinic curves (fixed-period approximation, :func:`bifur.continue_homoclinic`).
    period : float, optional
        The fixed period of the homoclinic curves (default: see ``continue_homoclinic``).
    settings : ContinuationSettings, optional
        For the rows' one-parameter continuations.
    ntst : int, optional
        Collocation mesh of the rows' cycle branches.
    progress : bool
        Print one line per row and per curve on stderr.

    Returns
    -------
    FiringMap

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import morris_lecar
    >>> fm = firing_map(morris_lecar("snic"), ("I", (20.0, 120.0)), ("G", (0.0, 1.0)), rows=3, rate_points=5,
    ...                 snic=False, homoclinic=False)
    >>> fm.region_at(30.0, 0.0), fm.region_at(60.0, 0.0), fm.region_at(115.0, 0.0), fm.region_at(118.0, 0.0)
    ('rest', 'tonic', 'bistable', 'block')
    >>> sorted({b.kind for b in fm.boundaries}) >= ['H', 'LP']
    True
    """
    if not isinstance(model, Model):
        raise ModelError(f"expected a bifur.Model, got {type(model).__name__}")
    p1, r1 = input1
    p2, r2 = input2
    if p1 == p2:
        raise ValueError("the two inputs must differ")
    lo1, hi1 = _checks.interval(r1, "input1 range")
    lo2, hi2 = _checks.interval(r2, "input2 range")
    model = _resolve_model(model, p2, reversal)
    model.check_param(p1)
    if model.voltage is None:
        raise ModelError(f"model {model.name!r} declares no voltage: rest and block are told apart by it")
    base = model.param_values(params)
    row_values = (np.linspace(lo2, hi2, _checks.count(rows, "rows", 1, 10_000)) if np.isscalar(rows)
                  else np.asarray(_checks.values(rows, "rows"), dtype=float))
    grid1 = np.linspace(lo1, hi1, _checks.count(label_points, "label_points", 2, 100_000))
    rate_grid = np.linspace(lo1, hi1, rate_points) if rate_points else np.zeros(0)
    issues: list[str] = []
    fis: list[FICurve] = []
    for v in row_values:
        if progress:
            import sys
            sys.stderr.write(f"[bifur] firing map: row {p2}={v:.6g}\n")
        fis.append(_row(model, p1, lo1, hi1, {**base, p2: float(v)}, rate_grid, settings, ntst, issues))
    vth = np.array([_threshold(fi, model, hi1) for fi in fis])
    fill = float(np.nanmedian(vth)) if np.any(np.isfinite(vth)) else math.nan
    labels = np.array([_row_labels(fi, model, grid1, vth[k] if math.isfinite(vth[k]) else fill)
                       for k, fi in enumerate(fis)])
    rates = np.array([_row_rates(fi, rate_grid) for fi in fis]) if rate_grid.size else np.zeros((len(fis), 0))
    fm = FiringMap(model, p1, p2, (lo1, hi1), (lo2, hi2), row_values, grid1, labels, rate_grid, rates, vth,
                   row_curves=fis, issues=issues)
    if curves:
        _trace(fm, base, snic, homoclinic, period, progress)
    return fm


# -- rows ------------------------------------------------------------------------------------------------
def _row(model: Model, p1: str, lo: float, hi: float, pars: dict, rate_grid: np.ndarray, settings, ntst,
         issues: list[str]) -> FICurve:
    p2_desc = ", ".join(f"{k}={v:.6g}" for k, v in pars.items() if k not in model.params or
                        v != model.params[k])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BranchWarning)
        fi = fi_curve(model, p1, (lo, hi), params=pars, at=rate_grid if rate_grid.size else None,
                      settings=settings, ntst=ntst)
    # what matters to the map is whether the branches behind the row ended for understood reasons
    # (an onset below the range, which fi_curve reports, is just the edge of the map)
    for br in fi.branches:
        if not br.status.ok:
            issues.append(f"row {p2_desc}: a {br.kind} branch stopped early ({br.status.message})")
    for w in caught:
        if not issubclass(w.category, BranchWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return fi


def _equilibrium_runs(fi: FICurve, vname: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(p1, V) of every run of stable equilibria on the row, sorted in p1."""
    out = []
    for br in fi.equilibria:
        V = br[vname]
        for i, j in stable_segments(br):
            p, v = br.param[i:j + 1], V[i:j + 1]
            order = np.argsort(p, kind="stable")
            out.append((p[order], v[order]))
    return out


def _threshold(fi: FICurve, model: Model, hi: float) -> float:
    """Voltage at which the rest state (the stable equilibria of lowest voltage) loses stability as
    p1 grows; NaN when it never does within the row."""
    runs = _equilibrium_runs(fi, model.voltage)
    if not runs:
        return math.nan
    p, v = min(runs, key=lambda r: float(r[1].min()))
    if p[-1] >= hi - 1e-9 * (abs(hi) + 1):
        return math.nan
    return float(v[-1])


def _row_labels(fi: FICurve, model: Model, grid: np.ndarray, vth: float) -> np.ndarray:
    negligible = {tuple(iv) for iv in fi.negligible}
    windows = [list(iv) for iv in fi.firing if tuple(iv) not in negligible]
    # a window that ends at a SNIC or homoclinic orbit reaches its special point (the branch stops a
    # little before, where the period has grown enough to classify the end)
    ends = [sp.param for br in fi.cycles for sp in br.special_points if sp.kind in ("SNIC", "HOM")]
    for w in windows:
        width = w[1] - w[0]
        for e in ends:
            if w[0] - 0.05 * width <= e < w[0]:
                w[0] = e
            if w[1] < e <= w[1] + 0.05 * width:
                w[1] = e
    fire = np.zeros(grid.size, dtype=bool)
    for a, b in windows:
        fire |= (grid >= a) & (grid <= b)
    rest = np.zeros(grid.size, dtype=bool)
    block = np.zeros(grid.size, dtype=bool)
    for p, v in _equilibrium_runs(fi, model.voltage):
        inside = (grid >= p[0]) & (grid <= p[-1])
        if not np.any(inside):
            continue
        vg = np.interp(grid[inside], p, v)
        low = vg < vth if math.isfinite(vth) else np.ones(vg.size, dtype=bool)
        rest[np.flatnonzero(inside)[low]] = True
        block[np.flatnonzero(inside)[~low]] = True
    out = np.full(grid.size, -1, dtype=int)
    out[rest & ~fire] = 0
    out[block & ~fire] = 3
    out[fire & ~(rest | block)] = 1
    out[fire & (rest | block)] = 2
    return out


def _row_rates(fi: FICurve, grid: np.ndarray) -> np.ndarray:
    out = np.full(grid.size, math.nan)
    for k, g in enumerate(grid):
        hit = np.flatnonzero(fi.param == g)
        if hit.size:
            out[k] = fi.rate_hz[hit[0]]
    return out


# -- curves ----------------------------------------------------------------------------------------------
def _quiet(fn, *args, **kwargs):
    """Call fn with BranchWarnings collected: (result, messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BranchWarning)
        out = fn(*args, **kwargs)
    return out, [str(w.message) for w in caught if issubclass(w.category, BranchWarning)]


def _on_curve(curves: list[Branch], kinds: tuple[str, ...], p1: float, p2: float, p1name: str,
              tol: float) -> bool:
    """Whether (p1, p2) is a point of an already traced curve of one of ``kinds`` (curves carry exact
    points on every row, found by their p2 value)."""
    for c in curves:
        if c.meta.get("curve") not in kinds:
            continue
        idx = np.flatnonzero(np.abs(c.param - p2) <= 1e-12 * (1 + abs(p2)))
        if np.any(np.abs(c[p1name][idx] - p1) <= tol * (1 + abs(p1))):
            return True
    return False


def _in_box(fm: FiringMap, p1: float, p2: float) -> bool:
    (lo1, hi1), (lo2, hi2) = fm.p1_range, fm.p2_range
    return lo1 <= p1 <= hi1 and lo2 <= p2 <= hi2


def _trace(fm: FiringMap, base: dict, snic: bool, homoclinic: bool, period: float | None, progress: bool) -> None:
    model, p1, p2 = fm.model, fm.param1, fm.param2
    rows = [float(v) for v in fm.rows]
    seeds = {"LP": [], "H": [], "HOM": [], "LPC": []}
    for k, fi in enumerate(fm.row_curves):
        for br in fi.equilibria:
            for kind in ("LP", "H"):
                seeds[kind] += [sp for sp in br.special(kind) if _in_box(fm, sp.param, rows[k])]
        for br in fi.cycles:
            for sp in br.special("HOM"):
                if _in_box(fm, sp.param, rows[k]):
                    seeds["HOM"].append((sp, br))
        for sp in (fi.onset, fi.block):
            if sp is not None and sp.kind == "LPC" and _in_box(fm, sp.param, rows[k]):
                seeds["LPC"].append((sp, k, "onset" if sp is fi.onset else "block"))
    box2 = fm.p2_range
    box1 = fm.p1_range
    for kind in ("LP", "H"):
        for sp in seeds[kind]:
            if _on_curve(fm.curves, (kind,), sp.param, sp.params[p2], p1, 1e-6):
                continue
            try:
                c, msgs = _quiet(continue_bifurcation, model, sp, p2, box2, p1_range=box1, at=rows)
            except BifurError as exc:
                fm.issues.append(f"the {kind} curve from {p1}={sp.param:.6g}, {p2}={sp.params[p2]:.6g} could not "
                                 f"be traced: {exc}")
                continue
            if kind == "LP" and snic:
                c = classify_snic(c)
            fm.curves.append(c)
            fm.issues.extend(f"{kind} curve: {m}" for m in msgs)
    if homoclinic:
        _trace_homoclinic(fm, seeds["HOM"], period)
    _trace_lpc(fm, seeds["LPC"], rows)
    _boundaries(fm)
    _points(fm)


def _trace_homoclinic(fm: FiringMap, seeds: list, period: float | None) -> None:
    model, p1, p2 = fm.model, fm.param1, fm.param2
    rows = [float(v) for v in fm.rows]
    starts: list = [sp for c in fm.curves if c.meta.get("curve") == "LP" for sp in c.special("SNL")
                    if _in_box(fm, sp.params[p1], sp.param)]
    for sp in starts:
        try:
            c, msgs = _quiet(continue_homoclinic, model, sp, p2, fm.p2_range, p1_range=fm.p1_range, at=rows,
                             period=period, error_points=3)
        except BifurError as exc:
            fm.issues.append(f"the homoclinic curve from the SNL at ({sp.params[p1]:.6g}, {sp.param:.6g}) could not "
                             f"be traced: {exc}")
            continue
        fm.curves.append(c)
        fm.issues.extend(f"HOM curve: {m}" for m in msgs)
    for sp, br in seeds:
        if _on_curve(fm.curves, ("HOM",), sp.param, sp.params[p2], p1, 1e-4):
            continue
        cyc = br.orbit(sp.index)
        try:
            c, msgs = _quiet(continue_homoclinic, model, cyc, p2, fm.p2_range, param1=p1, p1_range=fm.p1_range,
                             at=rows, period=period, error_points=3)
        except BifurError as exc:
            fm.issues.append(f"the homoclinic curve from {p1}={sp.param:.6g}, {p2}={sp.params[p2]:.6g} could not be "
                             f"traced: {exc}")
            continue
        fm.curves.append(c)
        fm.issues.extend(f"HOM curve: {m}" for m in msgs)


def _trace_lpc(fm: FiringMap, seeds: list, rows: list[float]) -> None:
    """LPC curves by two-parameter continuation when a builder exists, else the rows' points joined."""
    p1, p2 = fm.param1, fm.param2
    traced = False
    if "LPC" in CURVE_BUILDERS:
        for sp, k, role in seeds:
            if _on_curve(fm.curves, ("LPC",), sp.param, rows[k], p1, 1e-6):
                continue
            try:
                c, msgs = _quiet(continue_bifurcation, fm.model, sp, p2, fm.p2_range, p1_range=fm.p1_range, at=rows)
            except (BifurError, ValueError, KeyError, TypeError) as exc:
                fm.issues.append(f"the LPC curve from {p1}={sp.param:.6g}, {p2}={rows[k]:.6g} could not be traced: "
                                 f"{exc}; joined row to row instead")
                traced = False
                break
            fm.curves.append(c)
            fm.issues.extend(f"LPC curve: {m}" for m in msgs)
            traced = True
    if traced:
        return
    for role in ("onset", "block"):
        pts = sorted((rows[k], sp.param) for sp, k, r in seeds if r == role)
        ks = sorted(k for sp, k, r in seeds if r == role)
        piece: list[tuple[float, float]] = []
        prev = None
        for (v2, v1), k in zip(pts, ks):
            if prev is not None and k != prev + 1 and piece:
                fm.boundaries.append(_row_piece(piece, p1, role))
                piece = []
            piece.append((v1, v2))
            prev = k
        if piece:
            fm.boundaries.append(_row_piece(piece, p1, role))


def _row_piece(piece: list[tuple[float, float]], p1: str, role: str) -> Boundary:
    a = np.array(piece)
    return Boundary("LPC", a[:, 0], a[:, 1], "rows", -1, {"role": role})


def _pieces(labels: list[str | None]) -> list[tuple[str, int, int]]:
    """Maximal runs of one label, as (label, first, last) with inclusive ends; a point labelled "" (a
    junction such as an SNL) belongs to the runs on both sides; None points belong to no run."""
    out = []
    i, n = 0, len(labels)
    while i < n:
        lab = labels[i]
        if not lab:
            i += 1
            continue
        j = i
        while j + 1 < n and labels[j + 1] == lab:
            j += 1
        a = i - 1 if i > 0 and labels[i - 1] == "" else i
        b = j + 1 if j + 1 < n and labels[j + 1] == "" else j
        out.append((lab, a, b))
        i = j + 1
    return out


def _boundaries(fm: FiringMap) -> None:
    p1 = fm.param1
    for ci, c in enumerate(fm.curves):
        kind = c.meta.get("curve")
        n = len(c)
        if kind == "LP":
            flags = c.arrays.get("snic", np.full(n, 0.0))  # unclassified: plain folds
            labels = [None if not c.stable[i] else "SNIC" if flags[i] == 1.0 else "LP" if flags[i] == 0.0 else ""
                      for i in range(n)]
        elif kind == "H":
            labels = ["H" if c.stable[i] else None for i in range(n)]
        elif kind == "HOM":
            labels = ["HOM" if c["bottleneck"][i] == 1.0 else None for i in range(n)]
        elif kind == "LPC":
            labels = ["LPC"] * n
        else:
            continue
        for lab, a, b in _pieces(labels):
            if b <= a:
                continue
            data = {}
            if lab == "H":
                data["l1"] = np.asarray(c.l1[a:b + 1])
            if lab == "HOM":
                data["saddle_quantity"] = np.asarray(c["saddle_quantity"][a:b + 1])
            fm.boundaries.append(Boundary(lab, np.asarray(c[p1][a:b + 1]), np.asarray(c.param[a:b + 1]),
                                          "continuation", ci, data))


def _points(fm: FiringMap) -> None:
    p1, p2 = fm.param1, fm.param2
    seen: list[SpecialPoint] = []
    for c in fm.curves:
        for sp in c.special_points:
            q1 = float(sp.params.get(p1, math.nan))
            q2 = float(sp.param)
            if not _in_box(fm, q1, q2):
                continue
            if any(s.kind == sp.kind and abs(s.params[p1] - q1) <= 1e-6 * (1 + abs(q1)) and
                   abs(s.params[p2] - q2) <= 1e-6 * (1 + abs(q2)) for s in seen):
                continue
            sp.params = {**sp.params, p1: q1, p2: q2}
            seen.append(sp)
    fm.points = seen
