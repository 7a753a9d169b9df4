"""f-I curves by continuation: the branches behind them, and what they decide.

The branch of equilibria through the rest state (and through other equilibria at the top of
the range), the cycle branches born at their Hopf points, and — when none of those has stable
cycles, as at a SNIC — a cycle branch seeded from a simulation (or, for a model with a reset,
from its reset map). Families of cycles that no Hopf point starts (isolas, which coexist with a
stable rest state) are looked for by a short simulation beside each Hopf point and fold of the
equilibria where rest is stable and no known branch fires; an isola far from every special point
of the rest branch can still be missed. Stable firing is where a cycle branch is stable; onset
and block are the special points that bound the significant stable *windows*.

Rules that keep the answers properties of the model, not of the call:

* windows narrower than 1e-4 of their input are negligible: listed, deciding nothing;
* a cycle branch stopped by ``max_steps`` is continued further (up to ten times the setting,
  at most 20 000 points) before anything is decided from it;
* what a branch cut short leaves open is None/NaN with the reason in ``FICurve.issues``, and a
  :class:`~bifur.BranchWarning` says which setting to change.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .branch import Branch, SpecialPoint
from .continuation import ContinuationSettings, continue_cycles, continue_equilibria
from .continuation.find_cycle import find_cycle
from .equilibria import find_equilibria
from .errors import BifurError, BranchWarning, SolverError, Status, StatusCode
from .ficurve import FICurve, Interval
from .model import Model

__all__ = ["continuation_curve", "union", "stable_intervals"]

NEGLIGIBLE = 1e-4  # relative width of a stable window that decides nothing
MAX_STEPS_CAP = 20_000


# -- intervals ------------------------------------------------------------------------------------
def _segments(mask: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if not m and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def union(intervals: list[Interval]) -> list[Interval]:
    out: list[list[float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(a, b) for a, b in out]


def intersect(a: list[Interval], b: list[Interval], tol: float = 0.0) -> list[Interval]:
    """Intersection of two unions of intervals, dropping pieces not longer than ``tol``."""
    out = [(max(lo1, lo2), min(hi1, hi2)) for lo1, hi1 in a for lo2, hi2 in b]
    return union([(lo, hi) for lo, hi in out if hi - lo > tol])


def stable_segments(br: Branch) -> list[tuple[int, int]]:
    """Runs of stable points, each widened by one point on a side where a located special point
    marks the change of stability (at the point itself the stability flag is borderline)."""
    special = {sp.index for sp in br.special_points}
    return [(i - 1 if i - 1 in special else i, j + 1 if j + 1 in special else j)
            for i, j in _segments(br.stable)]


def stable_intervals(br: Branch) -> list[Interval]:
    return union([(float(br.param[i:j + 1].min()), float(br.param[i:j + 1].max()))
                  for i, j in stable_segments(br)])


# -- windows of stable firing ------------------------------------------------------------------------
@dataclass
class Window:
    """A stable firing interval on one cycle branch, with what bounds it at each end."""

    lo: float
    hi: float
    low_end: SpecialPoint | None
    high_end: SpecialPoint | None
    low_open: bool   # the branch was cut short at this end: the bound is not a property of the model
    high_open: bool
    branch: Branch

    @property
    def negligible(self) -> bool:
        return self.hi - self.lo <= NEGLIGIBLE * max(abs(self.lo), abs(self.hi), 1e-300)


def _end_special(br: Branch, k: int, value: float) -> SpecialPoint | None:
    near = [sp for sp in br.special_points if abs(sp.index - k) <= 1 and sp.kind in
            ("LPC", "H", "SNIC", "HOM", "PD", "NS", "BPC")]
    return min(near, key=lambda sp: abs(sp.param - value)) if near else None


def windows(cycles: list[Branch]) -> list[Window]:
    out = []
    for br in cycles:
        for i, j in stable_segments(br):
            seg = br.param[i:j + 1]
            k_lo, k_hi = i + int(np.argmin(seg)), i + int(np.argmax(seg))
            lo, hi = float(seg.min()), float(seg.max())
            ends = {k: (k in (0, len(br) - 1)) and not br.status.ok for k in (k_lo, k_hi)}
            out.append(Window(lo, hi, _end_special(br, k_lo, lo), _end_special(br, k_hi, hi),
                              ends[k_lo], ends[k_hi], br))
    return sorted(out, key=lambda w: w.lo)


# -- branches -----------------------------------------------------------------------------------------
def _equilibrium_branches(model: Model, param: str, lo: float, hi: float, pars: dict, at, settings,
                          progress: bool, issues: list[str]) -> list[Branch]:
    """The branch through the rest state, and branches through equilibria at ``hi`` not on it."""
    try:
        eqs = [continue_equilibria(model, param, (lo, hi), params=pars, settings=settings, progress=progress,
                                   at=at)]
    except SolverError as exc:
        if exc.status.code != StatusCode.NO_SOLUTION:
            raise
        return []  # no rest state anywhere in the range: firing is sought from simulations
    for e in find_equilibria(model, params={**pars, param: hi}, simulate_seed=False):
        on = any(np.any((np.abs(b.param - hi) <= 1e-9 * (abs(hi) + 1))
                        & (np.linalg.norm(b.x - e.x, axis=1) <= 1e-6 * (1 + np.linalg.norm(e.x)))) for b in eqs)
        if not on:
            eqs.append(continue_equilibria(model, param, (hi, lo), params=pars, start=e, settings=settings,
                                           progress=progress, at=at))
    for br in eqs:
        if not br.status.ok:
            issues.append(f"the equilibrium branch through {param}={br.param[0]:.6g} stopped early "
                          f"({br.status.message}): rest may extend further")
    return eqs


def _cycle_branch(model: Model, start, param: str, lo: float, hi: float, **kwargs) -> Branch:
    """continue_cycles, continued further (up to MAX_STEPS_CAP points) when max_steps cut it short."""
    settings = kwargs.pop("settings", None) or ContinuationSettings()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BranchWarning)
        br = continue_cycles(model, start, param, (lo, hi), settings=settings, **kwargs)
    if br.status.code == StatusCode.MAX_STEPS and settings.max_steps < MAX_STEPS_CAP:
        longer = settings.with_(max_steps=min(10 * settings.max_steps, MAX_STEPS_CAP))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", BranchWarning)
            br = continue_cycles(model, start, param, (lo, hi), settings=longer, **kwargs)
    for w in caught:  # only the final attempt's warnings are the branch's
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return br


def _candidates(eqs: list[Branch], lo: float, hi: float) -> list[float]:
    """Inputs to try for firing: where no stable equilibrium exists (spread out), then across the range."""
    rest = union([iv for eq in eqs for iv in stable_intervals(eq)])
    grid = np.linspace(lo, hi, 201)
    no_rest = [float(v) for v in grid if not any(a <= v <= b for a, b in rest)]
    out = list(np.quantile(no_rest, [0.5, 0.25, 0.75, 0.1, 0.9])) if no_rest else []
    return out + list(np.linspace(lo, hi, 7)[1:-1])


def _seed_cycle(model: Model, eqs: list[Branch], param: str, pars: dict, lo: float, hi: float):
    """A stable cycle from a simulation, at inputs where no stable equilibrium exists (else a few across the range)."""
    for v in _candidates(eqs, lo, hi):
        try:
            cyc = find_cycle(model, params={**pars, param: float(v)}, max_chunks=5)
        except BifurError:
            continue
        if cyc.stable:
            return cyc
    return None


def _seed_reset(model: Model, eqs: list[Branch], param: str, pars: dict, lo: float, hi: float):
    """A parameter value with a stable fixed point of the reset map (tonic spiking), or None."""
    from .continuation.reset_maps import reset_fixed_point
    for v in [hi] + _candidates(eqs, lo, hi):
        try:
            _, rec = reset_fixed_point(model, {**pars, param: float(v)})
        except BifurError:
            continue
        if rec["stable"]:
            return float(v)
    return None


#: Offset (relative to |p| + 1) from a Hopf point or fold of the rest state at which a simulation
#: looks for stable cycles that no known branch explains (an isola).
NEAR_OFFSET = 5e-3


def _near_special(eqs: list[Branch], lo: float, hi: float) -> list[float]:
    """Inputs just beside the Hopf points and folds of the equilibria, on a side where rest is
    stable: where cycle families not born at a Hopf point of this branch (isolas, families born
    beyond the range) often coexist with rest. They depend on the model, not on the range asked."""
    rest = union([iv for eq in eqs for iv in stable_intervals(eq)])
    out: list[float] = []
    for sp in sorted((sp for eq in eqs for sp in eq.special_points if sp.kind in ("H", "LP")), key=lambda s: s.param):
        d = NEAR_OFFSET * (abs(sp.param) + 1.0)
        for v in (sp.param - d, sp.param + d):
            if lo <= v <= hi and any(a <= v <= b for a, b in rest) and all(abs(v - u) > d for u in out):
                out.append(float(v))
    return out


def _seed_isolas(model: Model, eqs: list[Branch], cycles: list[Branch], param: str, pars: dict, lo: float,
                 hi: float):
    """Stable cycles found by simulation beside the special points of rest that lie on no known
    branch, one per family (each is continued before the next input is tried)."""
    for v in _near_special(eqs, lo, hi):
        if any(a <= v <= b for br in cycles for a, b in stable_intervals(br)):
            continue
        try:
            cyc = find_cycle(model, params={**pars, param: v}, max_chunks=5)
        except BifurError:
            continue
        if cyc.stable and not _on_branch(cyc, cycles, param):
            yield cyc


def _on_branch(cyc, branches: list[Branch], param: str) -> bool:
    v = cyc.params[param]
    for br in branches:
        near = np.flatnonzero(np.abs(br.param - v) <= 1e-3 * (abs(v) + 1))
        if np.any(np.abs(br.period[near] - cyc.period) <= 1e-3 * cyc.period):
            return True
    return False


def _cycle_branches(model: Model, eqs: list[Branch], param: str, lo: float, hi: float, pars: dict, kw: dict,
                    found: list) -> list[Branch]:
    cycles: list[Branch] = []

    def keep(br: Branch) -> None:
        cycles.append(br)
        found.append(br)

    done_hopf: list[float] = []
    for h in ([h for eq in eqs for h in eq.special("H")] if model.reset is None else []):
        if any(abs(h.param - d) <= 1e-6 * (abs(d) + 1) for d in done_hopf):
            continue
        br = _cycle_branch(model, h, param, lo, hi, **kw)
        keep(br)
        done_hopf += [h.param] + [sp.param for sp in br.special("H")]
    significant = any(not w.negligible for w in windows(cycles))
    if model.reset is not None:
        seed = _seed_reset(model, eqs, param, pars, lo, hi)
        if seed is not None:
            keep(_cycle_branch(model, seed, param, lo, hi, params=pars,
                               **{k: v for k, v in kw.items() if k != "ntst"}))
    else:
        if not significant:
            cyc = _seed_cycle(model, eqs, param, pars, lo, hi)
            if cyc is not None and not _on_branch(cyc, cycles, param):
                keep(_cycle_branch(model, cyc, param, lo, hi, **kw))
        for cyc in _seed_isolas(model, eqs, cycles, param, pars, lo, hi):
            if not _on_branch(cyc, cycles, param):   # (an earlier isola may have covered it)
                keep(_cycle_branch(model, cyc, param, lo, hi, **kw))
    return cycles


# -- decisions ----------------------------------------------------------------------------------------
def _onset(win: list[Window], lo: float, name: str, issues: list[str]) -> tuple[SpecialPoint | None, float]:
    if not win:
        return None, math.nan
    first = win[0]
    if first.lo <= lo + 1e-9 * (abs(lo) + 1):
        issues.append(f"firing already at the lower end of the range ({name}={lo:g}): lower p_range[0] to find "
                      "the onset")
        return None, math.nan
    if first.low_end is not None and first.low_end.kind in ("SNIC", "HOM", "LPC", "H"):
        return first.low_end, float(first.low_end.param)
    why = (f"the cycle branch stopped early ({first.branch.status.message})" if first.low_open else
           "stable firing starts there without a located special point")
    issues.append(f"onset undecided near {name}={first.lo:.6g}: {why}; raise settings.max_steps or ntst")
    return None, math.nan


def _block(win: list[Window], hi: float, name: str, issues: list[str]) -> SpecialPoint | None:
    if not win:
        return None
    top = max(win, key=lambda w: w.hi)
    if top.hi >= hi - 1e-9 * (abs(hi) + 1):
        return None  # firing to the end of the range
    end = top.high_end
    if end is not None and end.kind in ("LPC", "H"):
        return end
    if end is not None and end.kind in ("PD", "NS", "BPC"):
        return None  # firing goes on in another pattern (e.g. bursting after period doubling)
    why = (f"the cycle branch stopped early ({top.branch.status.message})" if top.high_open else
           "stable firing ends there without a located special point")
    issues.append(f"block undecided near {name}={top.hi:.6g}: {why}; raise settings.max_steps or ntst")
    return None


def _rates(values: np.ndarray, cycles: list[Branch], rest: list[Interval], lo: float, hi: float) -> np.ndarray:
    rate = np.full(values.size, np.nan)
    for k, v in enumerate(values):
        if not lo <= v <= hi:
            continue
        freqs = [br.rate_hz[i] for br in cycles for i in np.flatnonzero((br.param == v) & br.stable)]
        if freqs:
            rate[k] = max(freqs)
        elif any(a <= v <= b for a, b in rest):
            rate[k] = 0.0
    return rate


def continuation_curve(model: Model, param: str, lo: float, hi: float, pars: dict, at, settings, ntst,
                       progress: bool, found: list, spikes_to_step, throw: bool = False) -> FICurve:
    """The f-I curve of ``model`` in ``param`` over [lo, hi] by continuation (see the module docstring)."""
    issues: list[str] = []
    eqs = _equilibrium_branches(model, param, lo, hi, pars, at, settings, progress, issues)
    found += eqs
    kw = dict(ntst=ntst, settings=settings, progress=progress, at=at)
    cycles = _cycle_branches(model, eqs, param, lo, hi, pars, kw, found)
    win = windows(cycles)
    significant = [w for w in win if not w.negligible]
    onset, rheobase = _onset(significant, lo, param, issues)
    block = _block(significant, hi, param, issues)
    fire_int = union([(w.lo, w.hi) for w in significant])
    rest_int = union([iv for eq in eqs for iv in stable_intervals(eq)])
    if at is not None:
        values = np.asarray(at, dtype=float)
    else:
        pts = [br.param[br.stable] for br in cycles]
        pts += [eq.param[[not any(a <= v <= b for a, b in fire_int) for v in eq.param]] for eq in eqs]
        values = np.unique(np.concatenate(pts)) if pts else np.zeros(0)
    rate = _rates(values, cycles, rest_int, lo, hi)
    if not significant:
        klass = 3 if spikes_to_step(model, param, hi, pars) else None
    elif onset is not None:
        klass = 1 if onset.kind in ("SNIC", "HOM") else 2
    else:
        klass = None
    curve = FICurve(model, param, values, rate, [*eqs, *cycles], onset, rheobase, block,
                    intersect(rest_int, fire_int, 1e-6 * (hi - lo)), klass, "continuation", (lo, hi),
                    union([(w.lo, w.hi) for w in win]), block_input=block.param if block is not None else math.nan,
                    negligible=[(w.lo, w.hi) for w in win if w.negligible], issues=issues)
    if issues:
        if throw:
            bad = [br.status.code for br in curve.branches if not br.status.ok]
            raise SolverError(Status(bad[0] if bad else StatusCode.UNEXPLAINED, " ".join(issues)), curve)
        warnings.warn(f"bifur: the f-I curve of {model.name} in {param} is incomplete: " + " ".join(issues),
                      BranchWarning, stacklevel=3)
    return curve
