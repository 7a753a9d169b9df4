"""Simulation: one trajectory (:func:`simulate`) or many parameter values in parallel (:func:`simulate_many`).

Spikes are recognised without a fixed threshold (see :mod:`bifur.spikes`): every maximum
and minimum of the voltage is located on the integrator's dense output, and maxima of
sufficient prominence are spikes. Models with a reset report their resets; an explicit
``threshold`` switches to upward crossings of that voltage. Rates come from inter-spike
intervals. The numba kernels return to Python every ``STEP_BUDGET`` steps, so Ctrl-C
interrupts a long simulation within a fraction of a second.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from . import _checks, spikes
from .codegen import CompiledModel
from .errors import Interrupted, ModelError, SimulationWarning, SolverError, Status, StatusCode
from .integrate import (DOPRI5, MAX_STEPS, MODE_EXTREMA, MODE_NONE, MODE_THRESHOLD, NONFINITE, OK, PAUSED,
                        ROSENBROCK, STEP_SMALL)
from .model import Model

__all__ = ["simulate", "simulate_many", "Trajectory", "SpikeTrains", "STEP_BUDGET"]

_METHODS = {"dopri5": DOPRI5, "rk45": DOPRI5, "rosenbrock": ROSENBROCK, "stiff": ROSENBROCK}

#: Accepted steps per kernel call before control returns to Python (a few ms for small models).
STEP_BUDGET = 20_000


@dataclass(frozen=True)
class Trajectory:
    """A simulated trajectory.

    Attributes
    ----------
    t : ndarray (n_t,)
    x : ndarray (n_t, n_states)
    spike_times : ndarray
        Spike times located on the dense output: maxima of the voltage of sufficient prominence
        (or reset events, or upward crossings of an explicit ``threshold``).
    status : Status
    params : dict
        Parameter values used.
    nfev, n_steps : int
        Right-hand-side evaluations and accepted steps.
    final_state : ndarray
        The state at the last time reached (``t_end`` on success), whatever the output grid.
    extrema : ndarray (k, 3)
        Located maxima and minima of the voltage: rows (time, value, +1 for a maximum / -1 for a
        minimum); empty for models with a reset or with ``threshold``.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> tr = simulate(hodgkin_huxley(), 50.0, params={"I": 10.0}, dt=0.1)
    >>> tr["V"].shape == tr.t.shape, round(float(tr.rate_hz()), 1)
    (True, 67.8)
    """

    model: Model
    t: np.ndarray
    x: np.ndarray
    spike_times: np.ndarray
    status: Status
    params: dict
    nfev: int
    n_steps: int
    final_state: np.ndarray = field(default_factory=lambda: np.zeros(0))
    extrema: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    min_prominence: float | None = None

    def __getitem__(self, name: str) -> np.ndarray:
        return self.x[:, self.model.state_names.index(self.model.check_state(name))]

    def __len__(self) -> int:
        """Number of recorded time points."""
        return int(self.t.size)

    def rate_hz(self, t_from: float = 0.0) -> float:
        """Firing rate (Hz) after ``t_from``: 1/mean inter-spike interval of sustained firing there
        (spikes recognised among the extrema after ``t_from``; 0 with fewer than two spikes or a
        dying oscillation, see :mod:`bifur.spikes`); NaN if the simulation failed."""
        if not self.status.ok:
            return math.nan
        spu = self.model.seconds_per_time_unit
        if self.extrema.size:
            return spikes.window_rate(self.extrema, spu, t_from, min_prominence=self.min_prominence)
        return spikes.isi_rate(self.spike_times[self.spike_times >= t_from], spu)


@dataclass(frozen=True)
class SpikeTrains:
    """Spike trains of :func:`simulate_many`, one per parameter value.

    Attributes
    ----------
    param : str
    values : ndarray
    spike_times : list of ndarray
        Spikes at times >= ``t_discard`` (see :func:`simulate` for what counts as a spike).
    rate_hz : ndarray
        1/mean inter-spike interval over [t_discard, t_end] (0 with fewer than two spikes; NaN
        for runs that failed, whose ``statuses`` say why).
    count_rate_hz : ndarray
        Spike count over the window divided by its length (the brute-force estimate, resolution
        1/window), for comparison.
    statuses : list of Status

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> st = simulate_many(hodgkin_huxley(), "I", [10.0, 20.0], 300.0, t_discard=100.0)
    >>> [round(r) for r in st.rate_hz]
    [68, 86]
    """

    param: str
    values: np.ndarray
    spike_times: list
    rate_hz: np.ndarray
    count_rate_hz: np.ndarray
    t_discard: float
    t_end: float
    statuses: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.statuses)


def _options(cm: CompiledModel, method: str, threshold: float | None) -> tuple[int, int, int, float, bool]:
    """(method, event mode, voltage index, threshold, has_reset)."""
    model = cm.model
    if method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    has_reset = model.reset is not None
    vidx = model.state_names.index(model.voltage) if model.voltage is not None else -1
    if has_reset or vidx < 0:
        return _METHODS[method], MODE_NONE, vidx, 0.0, has_reset
    if threshold is not None:
        return _METHODS[method], MODE_THRESHOLD, vidx, _checks.real(threshold, "threshold"), has_reset
    return _METHODS[method], MODE_EXTREMA, vidx, 0.0, has_reset


def _tolerances(rtol: float, atol: float, max_step: float, max_steps: int) -> tuple[float, float, float, int]:
    return (_checks.tolerance(rtol, "rtol"), _checks.tolerance(atol, "atol"),
            _checks.positive(max_step, "max_step", allow_inf=True), _checks.count(max_steps, "max_steps"))


def _spikes(mode: int, ev: np.ndarray, t_from: float, min_prominence: float | None, window: bool) -> np.ndarray:
    """Spike times from a run's events (resets and crossings are spikes; extrema by prominence,
    over a window only those of sustained firing)."""
    if mode != MODE_EXTREMA:
        return ev[ev[:, 0] >= t_from, 0].copy()
    if window:
        return spikes.window_spikes(ev, t_from, min_prominence=min_prominence)
    return spikes.spike_times(ev, t_from, min_prominence=min_prominence)


def _status(code: int, t: float, t_end: float, model: Model, max_steps: int) -> Status:
    unit = model.time_unit
    if code == OK:
        return Status.success(f"integrated to t={t_end:g} {unit}")
    if code == MAX_STEPS:
        return Status(StatusCode.MAX_STEPS, f"max_steps={max_steps} reached at t={t:.6g} {unit}: "
                      "raise max_steps, or use method='rosenbrock' if the model is stiff")
    if code == STEP_SMALL:
        return Status(StatusCode.STEP_TOO_SMALL, f"step size underflow at t={t:.6g} {unit}: the solution may "
                      "blow up (check the equations and parameters) or be stiff (try method='rosenbrock')")
    if code == NONFINITE:
        return Status(StatusCode.NONFINITE, f"the right-hand side became NaN or infinite at t={t:.6g} {unit}: "
                      "check the parameters and initial state (division by zero, log of a negative number, "
                      "or a solution that blows up)")
    return Status(StatusCode.SINGULAR, f"integrator failed with code {code}")


def _prepare(model: Model, params: Mapping[str, float] | None, x0) -> tuple[CompiledModel, np.ndarray, np.ndarray]:
    if not isinstance(model, Model):
        raise ModelError(f"expected a bifur.Model, got {type(model).__name__}")
    cm = model.compile()
    p = cm.param_vector(params)
    x = cm.init_vector() if x0 is None else _checks.state(model, x0, "x0")
    return cm, x, p


def simulate(model: Model, t_end: float, params: Mapping[str, float] | None = None, x0=None,
             method: str = "dopri5", rtol: float = 1e-8, atol: float = 1e-10, dt: float | None = None,
             max_step: float = math.inf, max_steps: int = 10_000_000, threshold: float | None = None,
             min_prominence: float | None = None, throw: bool = False) -> Trajectory:
    """Simulate a model from ``x0`` over [0, t_end].

    Parameters
    ----------
    model : Model
    t_end : float
        End time, in the model's time unit.
    params : mapping, optional
        Parameter values overriding the defaults.
    x0 : array or mapping, optional
        Initial state; defaults to ``model.init``.
    method : {"dopri5", "rosenbrock"}
        Explicit Dormand-Prince 5(4), or the L-stable Rosenbrock 2(3) method using the
        compiled Jacobian for stiff models.
    rtol, atol : float
        Tolerances of the local error control (positive, at least 1e-15).
    dt : float, optional
        Output spacing (dense output); by default every accepted step is returned.
    max_step : float
        Largest step allowed.
    max_steps : int
        Give up after this many accepted steps.
    threshold : float, optional
        Count upward crossings of this voltage as spikes. By default spikes are the maxima of
        the voltage whose prominence is at least ``min_prominence`` (default: a tenth of the
        voltage range covered by the run's extrema), see :mod:`bifur.spikes`. Models with a
        reset report their reset events as spikes.
    min_prominence : float, optional
        Smallest height of a spike above its neighbouring troughs (voltage units).
    throw : bool
        Raise :class:`~bifur.errors.SolverError` on failure (with the partial trajectory in
        ``.result``); by default return it with a failed ``status`` and a
        :class:`~bifur.SimulationWarning`.

    Returns
    -------
    Trajectory

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> tr = simulate(hodgkin_huxley(), 100.0, params={"I": 10.0})
    >>> len(tr.spike_times)
    7
    """
    cm, x, p = _prepare(model, params, x0)
    t_end = _checks.positive(t_end, "t_end")
    if dt is not None:
        dt = _checks.positive(dt, "dt")
    rtol, atol, max_step, max_steps = _tolerances(rtol, atol, max_step, max_steps)
    meth, mode, vidx, thr, has_reset = _options(cm, method, threshold)
    solve = cm.kernel("solve")
    t, h, nfev, nsteps, code = 0.0, 0.0, 0, 0, PAUSED
    ts, xs, evs = ([np.zeros(1)], [x[None, :].copy()], []) if dt else ([], [], [])
    while code == PAUSED:
        try:
            out = solve(x, p, t, t_end, rtol, atol, max_step, max_steps - nsteps, meth, mode, vidx, thr, has_reset,
                        model.is_autonomous, 2 if dt else 1, float(dt or 1.0), 0.0, 0.0, h, STEP_BUDGET)
        except (KeyboardInterrupt, SystemError) as exc:
            if not _checks.interrupted(exc):
                raise
            partial = Trajectory(model, np.concatenate(ts) if ts else np.zeros(0),
                                 np.concatenate(xs) if xs else np.zeros((0, model.n_states)), np.zeros(0),
                                 Status(StatusCode.INTERRUPTED, f"interrupted (Ctrl-C) at t={t:g}"),
                                 model.param_values(params), nfev, nsteps, x.copy())
            raise Interrupted(f"simulation interrupted (Ctrl-C) at t={t:g} {model.time_unit}", partial) from None
        t_k, x_k, ev_k, _, code, nf_k, ns_k, t, x, h = out
        if ts and t_k.size and dt is None:  # the resumed run repeats its start point
            t_k, x_k = t_k[1:], x_k[1:]
        ts.append(t_k)
        xs.append(x_k)
        evs.append(ev_k)
        nfev, nsteps = nfev + int(nf_k), nsteps + int(ns_k)
    ts_all = np.concatenate(ts)
    xs_all = np.concatenate(xs) if xs else np.zeros((0, model.n_states))
    ev = np.concatenate(evs) if evs else np.zeros((0, 3))
    status = _status(code, float(t), t_end, model, max_steps)
    spk = _spikes(mode, ev, 0.0, min_prominence, window=False)
    traj = Trajectory(model, ts_all, xs_all, spk, status, model.param_values(params), nfev, nsteps, x.copy(),
                      ev if mode == MODE_EXTREMA else np.zeros((0, 3)), min_prominence)
    if not status.ok:
        if throw:
            raise SolverError(status, traj)
        warnings.warn(f"bifur: the simulation of {model.name} stopped early: {status.message}", SimulationWarning,
                      stacklevel=2)
    return traj


def _run_batch(cm: CompiledModel, X: np.ndarray, P: np.ndarray, t_end: float, t_discard: float, opts: tuple,
               cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Run every row to the end in chunks of STEP_BUDGET steps; events (m, cap, 3) and states (m, 6)."""
    rtol, atol, max_step, max_steps, meth, mode, vidx, thr, has_reset, autonomous = opts
    m = X.shape[0]
    ev = np.zeros((m, cap, 3))
    state = np.zeros((m, 6))
    state[:, 3] = PAUSED
    X = X.copy()
    kernel = cm.kernel("events_batch")
    while np.any(state[:, 3] == PAUSED):
        try:
            kernel(X, P, t_end, t_discard, rtol, atol, max_step, max_steps, meth, mode, vidx, thr, has_reset,
                   autonomous, STEP_BUDGET, ev, state)
        except (KeyboardInterrupt, SystemError) as exc:
            if not _checks.interrupted(exc):
                raise
            raise Interrupted(f"simulate_many interrupted (Ctrl-C); {int(np.sum(state[:, 3] != PAUSED))} of "
                              f"{X.shape[0]} runs had finished") from None
    return ev, state


def simulate_many(model: Model, param: str, values: Sequence[float], t_end: float,
                  params: Mapping[str, float] | None = None, x0=None, t_discard: float = 0.0,
                  method: str = "dopri5", rtol: float = 1e-8, atol: float = 1e-10,
                  max_step: float = math.inf, max_steps: int = 10_000_000, threshold: float | None = None,
                  min_prominence: float | None = None) -> SpikeTrains:
    """Simulate one model at many values of a parameter, in parallel (numba ``prange``).

    The brute-force f-I estimate: each run starts from ``x0`` (default ``model.init``), spikes
    after ``t_discard`` are kept (recognised as in :func:`simulate` among the extrema of the
    window; none when the oscillation there dies out), and the rate is 1/mean inter-spike
    interval over [t_discard, t_end]. Memory grows with the spikes actually fired:
    event buffers start small and runs that overflow theirs are run again with a larger one.

    Parameters
    ----------
    model : Model
    param : str
        Parameter to vary.
    values : sequence of float
    t_end, t_discard : float
        Run length and initial transient (model time units).
    params, x0, method, rtol, atol, max_step, max_steps, threshold, min_prominence :
        As in :func:`simulate`. ``x0`` may also be an array (len(values), n_states).

    Returns
    -------
    SpikeTrains

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> st = simulate_many(hodgkin_huxley(), "I", [0.0, 20.0], 500.0, t_discard=100.0)
    >>> float(st.rate_hz[0]), bool(86.4 < st.rate_hz[1] < 86.5)
    (0.0, True)
    """
    values = _checks.values(values, "values")
    if values.size == 0:
        raise ValueError("values must be a non-empty sequence of finite numbers")
    t_end = _checks.positive(t_end, "t_end")
    t_discard = _checks.real(t_discard, "t_discard")
    if not 0 <= t_discard < t_end:
        raise ValueError(f"need 0 <= t_discard < t_end, got t_discard={t_discard}, t_end={t_end}")
    x0_arr = np.asarray(x0, dtype=float) if x0 is not None and not isinstance(x0, Mapping) else None
    cm, x, p = _prepare(model, params, None if x0_arr is not None and x0_arr.ndim == 2 else x0)
    ip = cm.param_index(param)
    m = values.size
    P = np.tile(p, (m, 1))
    P[:, ip] = values
    if x0_arr is not None and x0_arr.ndim == 2:
        X0 = _checks.matrix(x0_arr, (m, model.n_states), "x0 (one initial state per value)")
        if not np.all(np.isfinite(X0)):
            raise ValueError("x0 must be finite")
    else:
        X0 = np.tile(x, (m, 1))
    rtol, atol, max_step, max_steps = _tolerances(rtol, atol, max_step, max_steps)
    meth, mode, vidx, thr, has_reset = _options(cm, method, threshold)
    opts = (rtol, atol, max_step, max_steps, meth, mode, vidx, thr, has_reset, model.is_autonomous)
    ev, state = _run_batch(cm, X0, P, t_end, t_discard, opts, 256)
    over = np.flatnonzero(state[:, 2] > ev.shape[1])
    if over.size:  # rerun the runs whose buffers overflowed, with room for all their events
        ev2, state2 = _run_batch(cm, X0[over], P[over], t_end, t_discard, opts, int(state[over, 2].max()))
        trains = {int(k): ev2[j, :int(state2[j, 2])] for j, k in enumerate(over)}
    else:
        trains = {}
    window_s = (t_end - t_discard) * model.seconds_per_time_unit
    spk_list, rates, counts, statuses = [], np.zeros(m), np.zeros(m), []
    for k in range(m):
        evk = trains.get(k, ev[k, :int(state[k, 2])])
        status = _status(int(state[k, 3]), float(state[k, 0]), t_end, model, max_steps)
        s = _spikes(mode, evk, t_discard, min_prominence, window=True)
        spk_list.append(s)
        statuses.append(status)
        counts[k] = s.size / window_s
        rates[k] = spikes.isi_rate(s, model.seconds_per_time_unit) if status.ok else math.nan
    return SpikeTrains(param, values, spk_list, rates, counts, float(t_discard), float(t_end), statuses)
