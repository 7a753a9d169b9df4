"""Simulation: one trajectory (:func:`simulate`) or many parameter values in parallel (:func:`simulate_many`)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from . import _checks
from .codegen import CompiledModel
from .errors import ModelError, SolverError, Status, StatusCode
from .integrate import BUFFER_FULL, DOPRI5, MAX_STEPS, NONFINITE, OK, ROSENBROCK, STEP_SMALL
from .model import Model

__all__ = ["simulate", "simulate_many", "Trajectory", "SpikeTrains"]

_METHODS = {"dopri5": DOPRI5, "rk45": DOPRI5, "rosenbrock": ROSENBROCK, "stiff": ROSENBROCK}


@dataclass(frozen=True)
class Trajectory:
    """A simulated trajectory.

    Attributes
    ----------
    t : ndarray (n_t,)
    x : ndarray (n_t, n_states)
    spike_times : ndarray
        Upward threshold crossings of the voltage (or reset events), located on the dense output.
    status : Status
    params : dict
        Parameter values used.
    nfev, n_steps : int
        Right-hand-side evaluations and accepted steps.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> tr = simulate(hodgkin_huxley(), 50.0, params={"I": 10.0}, dt=0.1)
    >>> tr["V"].shape == tr.t.shape, round(float(tr.rate_hz()), 1)
    (True, 67.9)
    """

    model: Model
    t: np.ndarray
    x: np.ndarray
    spike_times: np.ndarray
    status: Status
    params: dict
    nfev: int
    n_steps: int

    def __getitem__(self, name: str) -> np.ndarray:
        return self.x[:, self.model.state_names.index(self.model.check_state(name))]

    @property
    def final_state(self) -> np.ndarray:
        return self.x[-1].copy()

    def rate_hz(self, t_from: float = 0.0) -> float:
        """Mean firing rate (Hz) from the inter-spike intervals of spikes after ``t_from`` (NaN if < 2)."""
        s = self.spike_times[self.spike_times >= t_from]
        if s.size < 2:
            return math.nan
        return 1.0 / (np.mean(np.diff(s)) * self.model.seconds_per_time_unit)


@dataclass(frozen=True)
class SpikeTrains:
    """Spike trains of :func:`simulate_many`, one per parameter value.

    Attributes
    ----------
    param : str
    values : ndarray
    spike_times : list of ndarray
        Spikes at times >= ``t_discard``.
    rate_hz : ndarray
        Spike count in [t_discard, t_end] divided by the window length (spike counting, the
        brute-force estimate: resolution 1/window).
    isi_rate_hz : ndarray
        1/mean inter-spike interval over the window (NaN with fewer than two spikes).
    statuses : list of Status

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> st = simulate_many(hodgkin_huxley(), "I", [10.0, 20.0], 300.0, t_discard=100.0)
    >>> [round(r) for r in st.isi_rate_hz]
    [68, 86]
    """

    param: str
    values: np.ndarray
    spike_times: list
    rate_hz: np.ndarray
    isi_rate_hz: np.ndarray
    t_discard: float
    t_end: float
    statuses: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.statuses)


def _options(cm: CompiledModel, method: str, threshold: float | None):
    model = cm.model
    if method not in _METHODS:
        raise ModelError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    has_reset = model.reset is not None
    if has_reset:
        vidx, thr = -1, 0.0
    elif model.voltage is not None:
        vidx = model.state_names.index(model.voltage)
        thr = 0.0 if threshold is None else float(threshold)
    else:
        vidx, thr = -1, 0.0
    return _METHODS[method], vidx, thr, has_reset


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
    if code == BUFFER_FULL:
        return Status(StatusCode.MAX_STEPS, "more spikes than max_spikes: raise max_spikes")
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
             max_spikes: int = 1_000_000, throw: bool = True) -> Trajectory:
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
        Tolerances of the local error control.
    dt : float, optional
        Output spacing (dense output); by default every accepted step is returned.
    max_step : float
        Largest step allowed.
    max_steps : int
        Give up after this many accepted steps.
    threshold : float, optional
        Spike threshold on the voltage (default 0, in the model's voltage unit). Models with a
        reset report their reset events as spikes instead.
    throw : bool
        Raise :class:`~bifur.errors.SolverError` on failure (with the partial trajectory in
        ``.result``); with False, return it with a failed ``status``.

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
    if not (t_end > 0 and math.isfinite(t_end)):
        raise ModelError(f"t_end must be positive and finite, got {t_end}")
    if dt is not None and not dt > 0:
        raise ModelError(f"dt must be positive, got {dt}")
    meth, vidx, thr, has_reset = _options(cm, method, threshold)
    solve = cm.kernel("solve")
    ts, xs, spk, nspk, code, nfev, nsteps = solve(
        x, p, 0.0, float(t_end), float(rtol), float(atol), float(max_step), int(max_steps), meth, vidx,
        float(thr), has_reset, model.is_autonomous, 2 if dt else 1, float(dt or 1.0), int(max_spikes))
    status = _status(code, float(ts[-1]), float(t_end), model, max_steps)
    traj = Trajectory(model, ts, xs, spk, status, model.param_values(params), int(nfev), int(nsteps))
    if not status.ok and throw:
        raise SolverError(status, traj)
    return traj


def simulate_many(model: Model, param: str, values: Sequence[float], t_end: float,
                  params: Mapping[str, float] | None = None, x0=None, t_discard: float = 0.0,
                  method: str = "dopri5", rtol: float = 1e-8, atol: float = 1e-10,
                  max_step: float = math.inf, max_steps: int = 10_000_000, threshold: float | None = None,
                  max_spikes: int = 100_000) -> SpikeTrains:
    """Simulate one model at many values of a parameter, in parallel (numba ``prange``).

    The brute-force f-I estimate: each run starts from ``x0`` (default ``model.init``),
    spikes after ``t_discard`` are kept, and rates are counted over [t_discard, t_end].

    Parameters
    ----------
    model : Model
    param : str
        Parameter to vary.
    values : sequence of float
    t_end, t_discard : float
        Run length and initial transient (model time units).
    params, x0, method, rtol, atol, max_step, max_steps, threshold :
        As in :func:`simulate`. ``x0`` may also be an array (len(values), n_states).
    max_spikes : int
        Spike buffer per run.

    Returns
    -------
    SpikeTrains

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> st = simulate_many(hodgkin_huxley(), "I", [0.0, 20.0], 500.0, t_discard=100.0)
    >>> float(st.rate_hz[0]), bool(80 < st.rate_hz[1] < 90)
    (0.0, True)
    """
    values = _checks.values(values, "values")
    if values.size == 0:
        raise ValueError("values must be a non-empty sequence of finite numbers")
    if not (0 <= t_discard < t_end):
        raise ModelError(f"need 0 <= t_discard < t_end, got t_discard={t_discard}, t_end={t_end}")
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
    meth, vidx, thr, has_reset = _options(cm, method, threshold)
    spk = np.zeros((m, int(max_spikes)))
    info = np.zeros((m, 5))
    cm.kernel("spikes_one")(X0, P, float(t_end), float(t_discard), float(rtol), float(atol), float(max_step),
                            int(max_steps), meth, vidx, float(thr), has_reset, model.is_autonomous, spk, info)
    window_s = (t_end - t_discard) * model.seconds_per_time_unit
    trains, rates, isi_rates, statuses = [], np.zeros(m), np.full(m, np.nan), []
    for k in range(m):
        nk = int(min(info[k, 0], max_spikes))
        s = spk[k, :nk].copy()
        trains.append(s)
        rates[k] = nk / window_s
        if nk >= 2:
            isi_rates[k] = 1.0 / (np.mean(np.diff(s)) * model.seconds_per_time_unit)
        statuses.append(_status(int(info[k, 1]), float(info[k, 4]), float(t_end), model, max_steps))
    return SpikeTrains(param, values, trains, rates, isi_rates, float(t_discard), float(t_end), statuses)
