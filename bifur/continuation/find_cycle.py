"""Find a periodic orbit from a simulation: :func:`find_cycle`.

Simulate to the attractor, read the period from the returns to a section, and converge the
orbit by Newton on the collocation equations of :class:`~bifur.continuation.cycles.CycleProblem`
(with mesh adaptation). The result is a plain :class:`~bifur.Cycle` record.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from .. import _checks
from .._mesh import Basis, adapt_mesh, evaluate, node_times
from ..cycle import Cycle
from ..equilibria import find_equilibria
from ..errors import SolverError, Status, StatusCode
from ..model import Model
from ..simulate import simulate
from .cycles import CycleProblem
from .engine import correct_at_fixed_param
from .equilibria import check_autonomous
from .settings import ContinuationSettings

__all__ = ["find_cycle"]


def _section_periods(t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float]:
    """Upward crossings of the mid level of one signal (linear interpolation)."""
    level = 0.5 * (x.max() + x.min())
    k = np.flatnonzero((x[:-1] < level) & (x[1:] >= level))
    tc = t[k] + (level - x[k]) * (t[k + 1] - t[k]) / (x[k + 1] - x[k])
    return tc, level


def _estimate_period(model: Model, traj, rel_tol: float = 2e-3) -> tuple[float, np.ndarray] | None:
    """Period and a state on the orbit from the second half of a trajectory, or None."""
    half = traj.t >= traj.t[0] + 0.5 * (traj.t[-1] - traj.t[0])
    t, X = traj.t[half], traj.x[half]
    spread = X.max(axis=0) - X.min(axis=0)
    scale = np.abs(X).max(axis=0) + 1.0
    if np.all(spread < 1e-6 * scale):
        return None
    iv = model.state_names.index(model.voltage) if model.voltage else int(np.argmax(spread / scale))
    tc, _ = _section_periods(t, X[:, iv])
    if tc.size < 3:
        return None
    # the state at each crossing; the period is the first return to (nearly) the same state
    xc = np.array([np.interp(tci, t, X[:, c]) for tci in tc for c in range(X.shape[1])]).reshape(tc.size, -1)
    for k in range(1, tc.size - 1):
        d = np.linalg.norm((xc[k:] - xc[:-k]) / scale, axis=1)
        if np.all(d < 1e-2):
            periods = tc[k:] - tc[:-k]
            if np.ptp(periods) <= rel_tol * periods.mean():
                return float(periods[-1]), xc[-1 - k]
            return None
    return None


def _at_rest(traj) -> bool:
    """The last quarter of the trajectory has stopped moving."""
    tail = traj.x[traj.t >= traj.t[0] + 0.75 * (traj.t[-1] - traj.t[0])]
    scale = np.abs(traj.x).max(axis=0) + 1.0
    return bool(np.all(np.ptp(tail, axis=0) < 1e-7 * scale))


def _starts(model: Model, cm, pars: dict, x0):
    """Initial states to try: x0 (or the model's), then points next to unstable equilibria."""
    yield x0
    if x0 is not None:
        return
    p = cm.param_vector(pars)
    for eq in find_equilibria(model, params=pars, simulate_seed=False):
        if eq.stable:
            continue
        ev, vecs = np.linalg.eig(cm.jac(eq.x, p))
        v = np.real(vecs[:, int(np.argmax(ev.real))])
        for sign in (1.0, -1.0):
            yield eq.x + sign * 1e-3 * (np.abs(eq.x) + 1.0) * v / np.linalg.norm(v)


def find_cycle(model: Model, params: Mapping[str, float] | None = None, x0=None, ntst: int = 60, ncol: int = 4,
               t_chunk: float | None = None, max_chunks: int = 20, rtol: float = 1e-9) -> Cycle:
    """Simulate to the attractor, detect its period by section crossings, and converge the orbit.

    Parameters
    ----------
    model : Model
    params : mapping, optional
    x0 : array or mapping, optional
        Start of the simulation. By default ``model.init``, then (if that settles at rest)
        points next to each unstable equilibrium, to reach an attractor that coexists with rest.
    ntst, ncol : int
        Collocation mesh intervals and points per interval.
    t_chunk : float, optional
        Simulation chunk (default 1 s of model time, or 200 dimensionless units); chunks are
        added until the period has converged, up to ``max_chunks``.
    rtol : float
        Tolerance of the simulation that provides the initial guess.

    Returns
    -------
    Cycle
        Converged by Newton on the collocation equations (mesh adapted), with Floquet multipliers.

    Raises
    ------
    SolverError
        If the simulation settles on an equilibrium or no period is found.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> c = find_cycle(hodgkin_huxley(), params={"I": 20.0})
    >>> round(c.period, 6), c.stable
    (11.564697, True)
    """
    check_autonomous(model)
    ntst, ncol = _checks.count(ntst, "ntst", 2, 10_000), _checks.count(ncol, "ncol", 1, 7)
    max_chunks, rtol = _checks.count(max_chunks, "max_chunks"), _checks.tolerance(rtol, "rtol")
    cm = model.compile()
    p = cm.param_vector(params)
    pars = model.param_values(params)
    x0 = None if x0 is None else _checks.state(model, x0, "x0")
    if t_chunk is None:
        t_chunk = 200.0 if model.time_unit == "1" else 1.0 / model.seconds_per_time_unit
    found = None
    for x in _starts(model, cm, pars, x0):
        for _ in range(max_chunks):
            traj = simulate(model, t_chunk, params=pars, x0=x, rtol=rtol, atol=rtol * 1e-2, throw=True)
            found = _estimate_period(model, traj)
            if found is not None or _at_rest(traj):
                break
            x = traj.final_state
        if found is not None:
            break
    if found is None:
        raise SolverError(Status(StatusCode.NO_SOLUTION,
                                 f"no periodic orbit found in {max_chunks} x {t_chunk:g} {model.time_unit} of simulation "
                                 "(it settled on an equilibrium or did not repeat): try other params or x0"))
    T0, xa = found
    basis = Basis(ncol)
    pb, z = _converge(model, cm, pars, p, T0, xa, ntst, basis, rtol)
    for k in (2, 3):  # near a period doubling the transient alternates: the simulation may see 2T
        if _repeats(z[:pb.nx].reshape(pb.P, pb.n), pb.mesh, basis, k):
            X = z[:pb.nx].reshape(pb.P, pb.n)
            pb, z = _converge(model, cm, pars, p, float(z[pb.nx]) / k, X[0].copy(), ntst, basis, rtol)
            break
    rec = pb.record(z)
    return Cycle(model, pars, rec["period"], pb.mesh.copy(), rec["profile"], ncol, rec["multipliers"],
                 rec["precision"], rec["stable"])


def _repeats(X: np.ndarray, mesh: np.ndarray, basis: Basis, k: int, tol: float = 1e-6) -> bool:
    """Whether the orbit is traversed k times in one period (x(s + 1/k) = x(s) for all s)."""
    M = 240 * k
    s = np.arange(M) / M
    x = evaluate(X, mesh, basis, s)
    scale = np.abs(x).max(axis=0) + 1e-300
    shifted = np.roll(x, -M // k, axis=0)
    return bool(np.max(np.abs(shifted - x) / scale) < tol)


def _converge(model: Model, cm, pars: dict, p: np.ndarray, T0: float, xa: np.ndarray, ntst: int, basis: Basis,
              rtol: float) -> tuple[CycleProblem, np.ndarray]:
    """The collocation orbit of period ~T0 through ~xa: one period simulated, the mesh adapted to it,
    Newton at fixed parameters with two more mesh adaptations."""
    ncol = basis.m
    K = 400 * ncol
    one = simulate(model, T0, params=pars, x0=xa, rtol=rtol, atol=rtol * 1e-2, dt=T0 / K, throw=True)
    fine_x = one.x[:K + 1] if one.x.shape[0] >= K + 1 else np.vstack([one.x, one.x[-1:]])[:K + 1]
    fine_mesh = np.linspace(0.0, 1.0, K // ncol + 1)
    mesh = adapt_mesh(fine_x, fine_mesh, basis, ntst)
    X = evaluate(fine_x, fine_mesh, basis, node_times(mesh, ncol))
    ip = 0
    z = np.concatenate([X.reshape(-1), [T0, p[ip]]])
    pb = CycleProblem(cm, ip, p, mesh, basis, X, adapt_every=0, hopf_ends=False)
    settings = ContinuationSettings(newton_max_iter=30)
    for rnd in range(3):
        z, ok = correct_at_fixed_param(pb, z, settings)
        if not ok:
            raise SolverError(Status(StatusCode.NEWTON_FAILED,
                                     f"the collocation Newton did not converge from the simulated orbit (T≈{T0:.6g}): "
                                     "try a larger ntst or a smaller rtol"))
        if rnd == 2:
            break
        Xs = z[:pb.nx].reshape(pb.P, pb.n)
        new = adapt_mesh(Xs, pb.mesh, basis)
        Xn = evaluate(Xs, pb.mesh, basis, node_times(new, ncol))
        pb.set_mesh(new)
        pb.set_reference(Xn)
        z = np.concatenate([Xn.reshape(-1), z[pb.nx:]])
    return pb, z
