"""The neuroscience layer: f-I and f-G curves, onset type, excitability class, depolarization block.

Everything here is read off branches computed by the public continuation functions: the
branch of equilibria (rest), the cycle branches born at its Hopf points, and — when no
Hopf point leads to the firing branch, as at a SNIC — a cycle branch seeded from a
simulation. Stable firing is where a cycle branch is stable; its frequency is the firing
rate. Onset and block are the special points that bound the stable firing region.

Excitability classes (Hodgkin 1948; Izhikevich 2007, ch. 7): class 1 when firing starts
at an arbitrarily low frequency (onset at a SNIC or a saddle homoclinic orbit), class 2
when it starts at a finite frequency (a Hopf point or a fold of cycles), class 3 when the
neuron answers a current step with a spike but never fires repetitively in the range
(checked by simulating that step); None when the class cannot be decided (the model does
not spike at all, or the branch that would decide it was cut short).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from .branch import Branch, SpecialPoint
from .continuation import ContinuationSettings, continue_cycles, continue_equilibria
from .continuation.find_cycle import find_cycle
from .equilibria import find_equilibria
from .errors import BifurError, Interrupted, ModelError
from .model import Model
from .parse import sym

__all__ = ["FICurve", "fi_curve", "fg_curve", "depolarization_block", "with_conductance_input",
           "input_conductance"]

Interval = tuple[float, float]


def with_conductance_input(model: Model, name: str = "G", reversal: float = 0.0) -> Model:
    """The model with an injected conductance: a parameter ``name`` (default 0) and the current
    -G (V - E_name) added to the voltage equation, divided by the model's capacitance.

    The reversal potential is a parameter too, ``E_<name>`` (default ``reversal``).

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> m = with_conductance_input(hodgkin_huxley())
    >>> m.params["G"], m.params["E_G"]
    (0.0, 0.0)
    """
    if model.voltage is None:
        raise ModelError(f"model {model.name!r} declares no voltage state")
    erev = f"E_{name}"
    for n in (name, erev):
        if n in model.params or n in model.init:
            raise ModelError(f"model {model.name!r} already has a {n!r}")
    V, G, E = sym(model.voltage), sym(name), sym(erev)
    cap = model.capacitance
    C = sym(cap) if isinstance(cap, str) else (cap if cap is not None else 1)
    eqs = dict(model.equations)
    eqs[model.voltage] = eqs[model.voltage] - G * (V - E) / C
    params = {**model.params, name: 0.0, erev: float(reversal)}
    return model._replace(name=f"{model.name}+{name}", params=params, equations=eqs,
                          description=f"{model.description} with injected conductance {name} (reversal {erev})")


def input_conductance(model: Model, params: Mapping[str, float] | None = None, current: str = "I") -> float:
    """Steady-state input conductance at rest, dI/dV along the steady-state I-V relation.

    Computed exactly by implicit differentiation at the (lowest-voltage stable) rest state:
    J dx/dI = -df/dI, G_in = 1 / (dV/dI). Units: current unit / voltage unit (mS/cm² for HH).

    Examples
    --------
    >>> from bifur.models import izhikevich
    >>> round(input_conductance(izhikevich("RS")), 6)  # -(0.08 v + 5 - b) at v = -70
    0.8
    """
    model.check_param(current)
    if model.voltage is None:
        raise ModelError(f"model {model.name!r} declares no voltage state")
    rest = [e for e in find_equilibria(model, params=params, simulate_seed=False) if e.stable]
    if not rest:
        raise BifurError(f"no stable rest state of {model.name!r} at these parameters")
    cm = model.compile()
    p = cm.param_vector(params)
    x = rest[0].x
    dxdI = np.linalg.solve(cm.jac(x, p), -cm.dfdp(x, p)[:, cm.param_index(current)])
    return float(1.0 / dxdI[model.state_names.index(model.voltage)])


# -- interval helpers ---------------------------------------------------------------------
def _segments(param: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
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


def _union(intervals: list[Interval]) -> list[Interval]:
    out: list[list[float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(a, b) for a, b in out]


def _intersect(a: list[Interval], b: list[Interval], tol: float = 0.0) -> list[Interval]:
    """Intersection of two unions of intervals, dropping pieces not longer than ``tol``."""
    out = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo, hi = max(lo1, lo2), min(hi1, hi2)
            if hi - lo > tol:
                out.append((lo, hi))
    return _union(out)


def _stable_segments(br: Branch) -> list[tuple[int, int]]:
    """Runs of stable points, each widened by one point on a side where a located special point
    marks the change of stability (at the point itself the stability flag is borderline)."""
    special = {sp.index for sp in br.special_points}
    out = []
    for i, j in _segments(br.param, br.stable):
        out.append((i - 1 if i - 1 in special else i, j + 1 if j + 1 in special else j))
    return out


def _stable_intervals(br: Branch) -> list[Interval]:
    return _union([(float(br.param[i:j + 1].min()), float(br.param[i:j + 1].max())) for i, j in _stable_segments(br)])


def _end_special(br: Branch, i: int, j: int, value: float) -> SpecialPoint | None:
    """The special point bounding the stable segment [i, j] of a cycle branch where its parameter is ``value``."""
    k = i + int(np.argmin(np.abs(br.param[i:j + 1] - value)))
    near = [sp for sp in br.special_points if abs(sp.index - k) <= 1 and sp.kind in
            ("LPC", "H", "SNIC", "HOM", "PD", "NS", "BPC")]
    if not near:
        return None
    return min(near, key=lambda sp: abs(sp.param - value))


@dataclass
class FICurve:
    """A frequency-input curve.

    Attributes
    ----------
    param_name : str
        The input parameter ("I" for current, "G" for conductance).
    param : ndarray
        Input values at which the rate was evaluated.
    rate_hz : ndarray
        Stable firing rate (Hz); 0 where only rest is stable; NaN where neither a stable cycle
        nor a stable equilibrium was found, and outside the computed range. Where rest and firing
        coexist (see ``bistable``) the firing rate is given.
    branches : list of Branch
        The equilibrium branches (through the rest state first), then every cycle branch
        (stable and unstable parts).
    onset : SpecialPoint or None
        Where stable firing appears: "SNIC", "HOM", "LPC" or "H".
    rheobase : float
        The input at the onset (NaN without firing).
    block : SpecialPoint or None
        Where stable firing ends at high input (depolarization block): "LPC" or "H"; None if
        firing persists to the end of the range (or the tonic orbit only loses stability to
        another firing pattern, at PD or NS).
    bistable : list of (float, float)
        Intervals where a stable rest state and stable firing coexist.
    excitability_class : int or None
        1 (onset at zero frequency), 2 (finite frequency), 3 (spikes to a step but no repetitive
        firing), None (undecided or no spikes at all).
    method : str
        "continuation" or "simulation".
    approximate : bool
        True for the simulation method: ``rheobase`` and ``block_input`` are then the first and
        last simulated inputs with firing (no special points), and the class is read off the
        shape of the simulated curve near its onset.
    block_input : float
        Input where firing ends at high input (``block.param`` for continuation); NaN if none.

    Examples
    --------
    >>> from bifur.models import morris_lecar
    >>> curve = fi_curve(morris_lecar("snic"), "I", (0.0, 60.0), at=[30.0, 50.0])
    >>> curve.onset.kind, curve.excitability_class, [round(float(r), 2) for r in curve.rate_hz]
    ('SNIC', 1, [0.0, 13.24])
    """

    model: Model
    param_name: str
    param: np.ndarray
    rate_hz: np.ndarray
    branches: list = field(default_factory=list)
    onset: SpecialPoint | None = None
    rheobase: float = math.nan
    block: SpecialPoint | None = None
    bistable: list = field(default_factory=list)
    excitability_class: int | None = None
    method: str = "continuation"
    p_range: Interval = (math.nan, math.nan)
    firing: list = field(default_factory=list)
    approximate: bool = False
    block_input: float = math.nan

    @property
    def equilibria(self) -> list[Branch]:
        """The equilibrium branches (the one through the rest state first)."""
        return [b for b in self.branches if b.kind == "equilibrium"]

    @property
    def cycles(self) -> list[Branch]:
        """The cycle branches."""
        return [b for b in self.branches if b.kind == "cycle"]

    def rate_at(self, value: float) -> float:
        """The rate at one of the evaluation points."""
        k = np.flatnonzero(self.param == value)
        if k.size == 0:
            raise KeyError(f"{self.param_name}={value} is not an evaluation point: pass it in at=")
        return float(self.rate_hz[k[0]])

    def summary(self) -> str:
        """One paragraph: onset, class, block, bistability and the rate range."""
        approx = "≈" if self.approximate else "="
        on = (f"onset {self.onset.kind} at {self.param_name}={self.rheobase:.8g}" if self.onset is not None
              else (f"rheobase {self.param_name}{approx}{self.rheobase:.6g}" if math.isfinite(self.rheobase)
                    else "no repetitive firing"))
        if self.block is not None:
            blk = f"depolarization block at {self.block.kind} {self.param_name}={self.block.param:.8g}"
        elif math.isfinite(self.block_input):
            blk = f"depolarization block at {self.param_name}{approx}{self.block_input:.6g}"
        else:
            blk = "no block in range"
        fin = self.rate_hz[np.isfinite(self.rate_hz) & (self.rate_hz > 0)]
        rates = f"rates {fin.min():.4g}-{fin.max():.4g} Hz" if fin.size else "no firing"
        bis = ", ".join(f"[{a:.6g}, {b:.6g}]" for a, b in self.bistable) or "none"
        klass = "undecided" if self.excitability_class is None else self.excitability_class
        return (f"{self.model.name} ({self.method}): {on}; class {klass}; {blk}; {rates}; "
                f"bistable: {bis}")

    def to_dataframe(self):
        import pandas as pd
        return pd.DataFrame({self.param_name: self.param, "rate_hz": self.rate_hz})

    def __repr__(self) -> str:
        return f"<FICurve {self.summary()}>"


def _equilibrium_branches(model: Model, param: str, lo: float, hi: float, pars: dict, at, settings,
                          progress: bool) -> list[Branch]:
    """The branch through the rest state at ``lo``, and branches through equilibria at ``hi`` not on it
    (e.g. a depolarized state reached only at high input)."""
    eqs = [continue_equilibria(model, param, (lo, hi), params=pars, settings=settings, progress=progress, at=at)]
    for e in find_equilibria(model, params={**pars, param: hi}, simulate_seed=False):
        on = any(np.any((np.abs(b.param - hi) <= 1e-9 * (abs(hi) + 1))
                        & (np.linalg.norm(b.x - e.x, axis=1) <= 1e-6 * (1 + np.linalg.norm(e.x)))) for b in eqs)
        if not on:
            eqs.append(continue_equilibria(model, param, (hi, lo), params=pars, start=e, settings=settings,
                                           progress=progress, at=at))
    return eqs


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


def _diverging_low_end(cycles: list[Branch], fire_int: list[Interval]) -> bool:
    """The lowest stable firing starts at an unclassified branch end where the rate has fallen to a
    tenth of the branch's highest stable rate or less (the period diverges there: class 1)."""
    low = fire_int[0][0]
    for br in cycles:
        f = br.frequency_hz
        for i in (0, len(br) - 1):
            if br.param[i] == low and br.stable[i] and f[i] <= 0.1 * np.max(f[br.stable]):
                return True
    return False


def _candidates(eqs: list[Branch], lo: float, hi: float) -> list[float]:
    """Inputs to try for firing: where no stable equilibrium exists (spread out), then across the range."""
    rest = _union([iv for eq in eqs for iv in _stable_intervals(eq)])
    grid = np.linspace(lo, hi, 201)
    no_rest = [float(v) for v in grid if not any(a <= v <= b for a, b in rest)]
    out = list(np.quantile(no_rest, [0.5, 0.25, 0.75, 0.1, 0.9])) if no_rest else []
    return out + list(np.linspace(lo, hi, 7)[1:-1])


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


def _on_branch(cyc, branches: list[Branch], param: str) -> bool:
    v = cyc.params[param]
    for br in branches:
        near = np.flatnonzero(np.abs(br.param - v) <= 1e-3 * (abs(v) + 1))
        if np.any(np.abs(br.period[near] - cyc.period) <= 1e-3 * cyc.period):
            return True
    return False


def _continuation_curve(model: Model, param: str, lo: float, hi: float, pars: dict, at, settings,
                        ntst: int | None, progress: bool, found: list) -> FICurve:
    eqs = _equilibrium_branches(model, param, lo, hi, pars, at, settings, progress)
    found += eqs
    cycles: list[Branch] = []

    def keep(br: Branch) -> None:
        cycles.append(br)
        found.append(br)

    done_hopf: list[float] = []
    hopfs = [h for eq in eqs for h in eq.special("H")] if model.reset is None else []
    for h in hopfs:
        if any(abs(h.param - d) <= 1e-6 * (abs(d) + 1) for d in done_hopf):
            continue
        br = continue_cycles(model, h, param, (lo, hi), ntst=ntst, settings=settings, progress=progress, at=at)
        keep(br)
        done_hopf.append(h.param)
        done_hopf += [sp.param for sp in br.special("H")]
    if model.reset is not None:
        seed = _seed_reset(model, eqs, param, pars, lo, hi)
        if seed is not None:
            keep(continue_cycles(model, seed, param, (lo, hi), params=pars, settings=settings, progress=progress,
                                 at=at))
    elif not any(br.stable.any() for br in cycles):
        cyc = _seed_cycle(model, eqs, param, pars, lo, hi)
        if cyc is not None and not _on_branch(cyc, cycles, param):
            keep(continue_cycles(model, cyc, param, (lo, hi), ntst=ntst, settings=settings, progress=progress,
                                 at=at))
    # stable firing intervals and the special points that bound them
    firing: list[tuple[float, float, SpecialPoint | None, SpecialPoint | None]] = []
    for br in cycles:
        for i, j in _stable_segments(br):
            seg = br.param[i:j + 1]
            a, b = float(seg.min()), float(seg.max())
            firing.append((a, b, _end_special(br, i, j, a), _end_special(br, i, j, b)))
    firing.sort(key=lambda f: f[0])
    onset = firing[0][2] if firing else None
    tol = 1e-9 * (abs(hi) + 1)
    top = max(firing, key=lambda f: f[1]) if firing else None
    block = top[3] if top is not None and top[1] < hi - tol else None
    if block is not None and block.kind not in ("LPC", "H"):
        block = None  # firing goes on in another pattern (e.g. bursting after period doubling)
    fire_int = _union([(a, b) for a, b, _, _ in firing])
    rest_int = _union([iv for eq in eqs for iv in _stable_intervals(eq)])
    # evaluation points and rates
    if at is not None:
        values = np.asarray(at, dtype=float)
    else:
        pts = [br.param[br.stable] for br in cycles]
        pts += [eq.param[[not any(a <= v <= b for a, b in fire_int) for v in eq.param]] for eq in eqs]
        values = np.unique(np.concatenate(pts))
    rate = np.full(values.size, np.nan)
    for k, v in enumerate(values):
        if not lo <= v <= hi:
            continue
        freqs = [br.frequency_hz[i] for br in cycles for i in np.flatnonzero((br.param == v) & br.stable)]
        if freqs:
            rate[k] = max(freqs)
        elif any(a <= v <= b for a, b in rest_int):
            rate[k] = 0.0
    rheobase = onset.param if onset is not None else (fire_int[0][0] if fire_int else math.nan)
    if not firing:
        klass = 3 if _spikes_to_step(model, param, hi, pars) else None
    elif (onset is not None and onset.kind in ("SNIC", "HOM")) or (onset is None and _diverging_low_end(cycles, fire_int)):
        klass = 1
    elif onset is not None:
        klass = 2
    else:
        klass = None
    return FICurve(model, param, values, rate, [*eqs, *cycles], onset, rheobase, block,
                   _intersect(rest_int, fire_int, 1e-6 * (hi - lo)), klass, "continuation", (lo, hi), fire_int,
                   block_input=block.param if block is not None else math.nan)


def _spikes_to_step(model: Model, param: str, value: float, pars: dict) -> bool:
    """Whether a step of the input to ``value`` from the model's initial state evokes a spike: a
    reset, or a voltage maximum rising above the level it settles at by more than the step
    displaces that level (a passive or damped response overshoots by less)."""
    from .simulate import simulate
    unit = 1.0 if model.time_unit == "1" else 1.0 / model.seconds_per_time_unit
    tr = simulate(model, 0.5 * unit, params={**pars, param: value}, throw=False)
    if model.reset is not None or tr.extrema.size == 0:
        return tr.spike_times.size > 0
    v = tr[model.voltage]
    displacement = abs(float(v[-1] - v[0]))
    return bool(np.any(tr.extrema[tr.extrema[:, 2] > 0, 1] - v[-1] > max(displacement, 1e-9 * (1 + abs(v[-1])))))


def _class_from_rates(values: np.ndarray, rate: np.ndarray, resolution: float) -> int | None:
    """Class 1 when the squared rate, extrapolated linearly from the first two firing inputs to the
    last silent one, has fallen there to within the resolution of simulated rates or to less than
    half its value at the first firing input (a continuous onset, f ∝ √(I - I*)); class 2 when
    the rate jumps from 0 to a finite value (the extrapolation hardly falls)."""
    fire = np.flatnonzero(np.isfinite(rate) & (rate > 0))
    if fire.size < 2:
        return None
    i, j = fire[0], fire[1]
    silent = values[:i][np.isfinite(rate[:i]) & (rate[:i] == 0)]
    if silent.size == 0:
        return None
    slope = (rate[j] ** 2 - rate[i] ** 2) / (values[j] - values[i])
    if slope <= 0:
        return 2
    at_silent = rate[i] ** 2 - slope * (values[i] - silent[-1])
    return 1 if at_silent <= max(resolution ** 2, 0.5 * rate[i] ** 2) else 2


def _simulation_curve(model: Model, param: str, lo: float, hi: float, pars: dict, at, t_end: float | None,
                      t_discard: float | None, threshold: float | None) -> FICurve:
    from .simulate import simulate_many
    values = np.sort(np.asarray(at if at is not None else np.linspace(lo, hi, 101), dtype=float))
    unit = 1.0 if model.time_unit == "1" else 1.0 / model.seconds_per_time_unit
    t_end = t_end if t_end is not None else 1.2 * unit
    t_discard = t_discard if t_discard is not None else 0.2 * unit
    st = simulate_many(model, param, values, t_end, params=pars, t_discard=t_discard, threshold=threshold)
    rate = st.rate_hz.copy()
    rate[(values < lo) | (values > hi)] = np.nan
    fire = np.flatnonzero(np.isfinite(rate) & (rate > 0))
    rheobase = float(values[fire[0]]) if fire.size else math.nan
    block = math.nan
    if fire.size and np.any(np.isfinite(rate[fire[-1] + 1:]) & (rate[fire[-1] + 1:] == 0)):
        block = float(values[fire[-1]])
    if fire.size:
        klass = _class_from_rates(values, rate, 2.0 / ((t_end - t_discard) * model.seconds_per_time_unit))
    else:
        klass = 3 if _spikes_to_step(model, param, float(hi), pars) else None
    return FICurve(model, param, values, rate, [], None, rheobase, None, [], klass, "simulation", (lo, hi),
                   approximate=True, block_input=block)


def fi_curve(model: Model, param: str = "I", p_range: Interval = (0.0, 100.0), method: str = "continuation",
             at: Sequence[float] | None = None, params: Mapping[str, float] | None = None,
             settings: ContinuationSettings | None = None, ntst: int | None = None, progress: bool = False,
             t_end: float | None = None, t_discard: float | None = None,
             threshold: float | None = None) -> FICurve:
    """Frequency-input curve with onset, excitability class, depolarization block and bistability.

    Parameters
    ----------
    model : Model
    param : str
        Input parameter (injected current by default).
    p_range : (float, float)
        Input range; the rest state at its lower end starts the analysis.
    method : {"continuation", "simulation"}
        "continuation" reads everything off the branches (exact rates); "simulation" counts
        spikes in runs of ``simulate_many`` from the model's initial state (the brute-force
        baseline: rate resolution 1/(t_end - t_discard), no onset type, no bistability).
    at : sequence of float, optional
        Inputs at which the rate is evaluated exactly (each cycle converged there); by default
        the branch points (continuation) or 101 values (simulation).
    params : mapping, optional
        Other parameter values.
    settings : ContinuationSettings, optional
    ntst : int, optional
        Collocation mesh intervals.
    t_end, t_discard, threshold :
        Simulation method only: run length, transient, spike threshold.

    Returns
    -------
    FICurve

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> fi = fi_curve(hodgkin_huxley(), "I", (0.0, 200.0), at=[5.0, 20.0, 180.0])
    >>> fi.onset.kind, round(fi.rheobase, 4), fi.block.kind, fi.excitability_class
    ('LPC', 6.2603, 'H', 2)
    >>> [round(float(r), 3) for r in fi.rate_hz]
    [0.0, 86.47, 0.0]
    """
    model.check_param(param)
    lo, hi = (float(v) for v in p_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ModelError(f"p_range must be (low, high) with low < high, got {p_range}")
    pars = model.param_values(params)
    if method == "continuation":
        found: list[Branch] = []
        try:
            return _continuation_curve(model, param, lo, hi, pars, at, settings, ntst, progress, found)
        except Interrupted as exc:
            raise Interrupted(str(exc), exc.result, found) from None
    if method == "simulation":
        return _simulation_curve(model, param, lo, hi, pars, at, t_end, t_discard, threshold)
    raise ModelError(f"method must be 'continuation' or 'simulation', got {method!r}")


def fg_curve(model: Model, reversal: float = 0.0, p_range: Interval = (0.0, 1.0), name: str = "G",
             **kwargs) -> FICurve:
    """Frequency versus injected conductance (dynamic clamp): :func:`fi_curve` of
    :func:`with_conductance_input` in the conductance ``name``.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> fg = fg_curve(hodgkin_huxley(), reversal=0.0, p_range=(0.0, 2.0))
    >>> fg.onset.kind, fg.excitability_class
    ('LPC', 2)
    """
    return fi_curve(with_conductance_input(model, name, reversal), name, p_range, **kwargs)


def depolarization_block(model: Model, param: str = "I", p_range: Interval = (0.0, 100.0),
                         **kwargs) -> SpecialPoint | None:
    """The special point where stable firing ends at high input ("LPC" or "H"), or None.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> depolarization_block(hodgkin_huxley(), "I", (0.0, 200.0))
    SpecialPoint(H at I=154.5224337, supercritical)
    """
    return fi_curve(model, param, p_range, **kwargs).block
