"""The neuroscience layer: f-I and f-G curves, onset type, excitability class, depolarization block.

By continuation (:mod:`bifur.fi_continuation`) everything is read off branches computed by
the public continuation functions — exact rates, onset and block as special points — or, as
a baseline, by simulation (:func:`bifur.simulate_many`: approximate, labelled so).

Excitability classes (Hodgkin 1948; Izhikevich 2007, ch. 7): class 1 when firing starts
at an arbitrarily low frequency (onset at a SNIC or a saddle homoclinic orbit), class 2
when it starts at a finite frequency (a Hopf point or a fold of cycles), class 3 when the
neuron answers a current step with a spike but never fires repetitively in the range
(checked by simulating that step); None when the class cannot be decided (the model does
not spike at all, or the branch that would decide it was cut short).
"""
from __future__ import annotations

import math
import warnings
from typing import Mapping, Sequence

import numpy as np

from . import _checks
from .branch import Branch, SpecialPoint
from .continuation import ContinuationSettings
from .equilibria import find_equilibria
from .errors import BifurError, Interrupted, ModelError, SimulationWarning
from .fi_continuation import continuation_curve
from .ficurve import FICurve, Interval
from .model import Model
from .parse import sym

__all__ = ["FICurve", "fi_curve", "fg_curve", "depolarization_block", "with_conductance_input",
           "input_conductance"]


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


def _spikes_to_step(model: Model, param: str, value: float, pars: dict) -> bool:
    """Whether a step of the input to ``value`` from the model's initial state evokes a spike: a
    reset, or a voltage maximum rising above the level it settles at by more than the step
    displaces that level (a passive or damped response overshoots by less)."""
    from .simulate import simulate
    unit = 1.0 if model.time_unit == "1" else 1.0 / model.seconds_per_time_unit
    with warnings.catch_warnings():  # a step that fails to integrate shows no spike
        warnings.simplefilter("ignore", SimulationWarning)
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
             threshold: float | None = None, throw: bool = False) -> FICurve:
    """Frequency-input curve with onset, excitability class, depolarization block and bistability.

    Parameters
    ----------
    model : Model
    param : str
        Input parameter (injected current by default).
    p_range : (float, float)
        Input range. The answers (onset, class, block, bistability) do not depend on it as long
        as it contains them: steps are set by the branches' own scales.
    method : {"continuation", "simulation"}
        "continuation" reads everything off the branches (exact rates, see
        :mod:`bifur.fi_continuation`: the rate of a stable cycle is its spikes per period over its
        period, spikes counted by the rule simulations use); "simulation" runs ``simulate_many`` from the model's
        initial state (the brute-force baseline: rates from inter-spike intervals, onset and
        block approximate, no bistability).
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
    throw : bool
        Raise :class:`~bifur.SolverError` (carrying the curve) when something could not be decided,
        instead of returning the curve with its ``issues`` and a warning.

    Returns
    -------
    FICurve
        With ``issues`` listing what could not be decided (then None/NaN, never a guess).

    Warns
    -----
    BranchWarning
        When a branch behind the curve is incomplete, or a quantity is undecided.

    Raises
    ------
    Interrupted
        On Ctrl-C, with the branch being computed (``result``) and those already done (``partial``).

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
    lo, hi = _checks.interval(p_range, "p_range")
    pars = model.param_values(params)
    if method == "continuation":
        found: list[Branch] = []
        try:
            return continuation_curve(model, param, lo, hi, pars, at, settings, ntst, progress, found,
                                      _spikes_to_step, throw)
        except Interrupted as exc:
            raise Interrupted(str(exc), exc.result, found) from None
    if method == "simulation":
        return _simulation_curve(model, param, lo, hi, pars, at, t_end, t_discard, threshold)
    raise ValueError(f"method must be 'continuation' or 'simulation', got {method!r}")


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
