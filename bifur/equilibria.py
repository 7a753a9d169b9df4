"""Equilibria: Newton's method from several seeds, and the steady-state current-voltage relation."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from . import _checks
from .codegen import CompiledModel
from .errors import ModelError
from .model import Model

__all__ = ["Equilibrium", "find_equilibria", "newton", "voltage_scan"]


@dataclass(frozen=True)
class Equilibrium:
    """An equilibrium x* with f(x*, p) = 0.

    Attributes
    ----------
    x : ndarray
    params : dict
    eigenvalues : ndarray (complex), sorted by decreasing real part
    stable : bool
        All eigenvalues have negative real part.

    Examples
    --------
    >>> from bifur.models import morris_lecar
    >>> [e.n_unstable for e in find_equilibria(morris_lecar("snic"))]
    [0, 1, 2]
    """

    model: Model
    x: np.ndarray
    params: dict
    eigenvalues: np.ndarray
    stable: bool

    def __getitem__(self, name: str) -> float:
        return float(self.x[self.model.state_names.index(self.model.check_state(name))])

    @property
    def n_unstable(self) -> int:
        """Number of eigenvalues with positive real part."""
        return int(np.sum(self.eigenvalues.real > 0))

    def __repr__(self) -> str:
        xs = ", ".join(f"{n}={v:.6g}" for n, v in zip(self.model.state_names, self.x))
        kind = "stable" if self.stable else f"unstable ({self.n_unstable} unstable eigenvalues)"
        return f"Equilibrium({xs}; {kind})"


def newton(cm: CompiledModel, x0: np.ndarray, p: np.ndarray, tol: float = 1e-11,
           max_iter: int = 50) -> tuple[np.ndarray, bool]:
    """Damped Newton for f(x, p) = 0 with the compiled Jacobian (backtracking line search on |f|).

    Returns (x, converged); a diverging iterate is a failure.
    """
    x = np.array(x0, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ok = cm.kernel("damped_newton")(x, p, -1, tol, max_iter)
    return x, bool(ok)


def _default_voltage_range(model: Model) -> tuple[float, float]:
    v0 = abs(model.init[model.voltage])
    return (-120.0, 60.0) if v0 > 10 else (-5.0, 5.0)


def voltage_scan(cm: CompiledModel, p: np.ndarray, v_range: tuple[float, float] | None = None,
                 n: int = 361) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve every equation but the voltage one along a grid of voltages.

    Returns (V grid, states (n x n_states), residual of the voltage equation). The
    residual times the capacitance is the steady-state current that must be injected
    to hold that voltage; its zeros are equilibria. Points where the other equations
    have no solution get NaN.
    """
    model = cm.model
    if model.voltage is None:
        raise ModelError(f"model {model.name!r} declares no voltage state")
    iv = model.state_names.index(model.voltage)
    lo, hi = v_range or _default_voltage_range(model)
    grid = np.linspace(lo, hi, n)
    states = np.empty((n, model.n_states))
    resid = np.empty(n)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        cm.kernel("clamp_scan")(grid, iv, cm.init_vector(), p, 1e-11, 50, states, resid)
    return grid, states, resid


def _seeds(cm: CompiledModel, p: np.ndarray, simulate_seed: bool) -> list[np.ndarray]:
    model = cm.model
    seeds = [cm.init_vector()]
    if model.voltage is not None:
        grid, states, resid = voltage_scan(cm, p)
        for k in range(len(grid) - 1):
            a, b = resid[k], resid[k + 1]
            if np.isfinite(a) and np.isfinite(b) and (a == 0 or a * b < 0):
                w = a / (a - b) if a != b else 0.0
                seeds.append(states[k] + w * (states[k + 1] - states[k]))
    if not simulate_seed:
        return seeds
    try:
        from .simulate import simulate
        tr = simulate(model, 500.0 if model.time_unit != "1" else 200.0, params=dict(zip(model.param_names, p)),
                      throw=False, max_steps=200_000)
        if np.all(np.isfinite(tr.final_state)):
            seeds.append(tr.final_state)
    except ModelError:
        pass
    return seeds


def find_equilibria(model: Model, params: Mapping[str, float] | None = None,
                    seeds: list | None = None, simulate_seed: bool = True) -> list[Equilibrium]:
    """All equilibria Newton's method finds from several seeds.

    Seeds: ``model.init``, every sign change of the steady-state current along a
    voltage scan (when the model declares its voltage), the end of a simulation, and
    any ``seeds`` given. Results are deduplicated and sorted by voltage (or first state).
    Reset models are analysed through their smooth part.

    Parameters
    ----------
    model : Model
    params : mapping, optional
        Parameter values overriding the defaults.
    seeds : list of arrays, optional
        Extra starting points.
    simulate_seed : bool
        Also start Newton from the end of a simulation (compiles the integrator on first use).

    Returns
    -------
    list of Equilibrium

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> [eq] = find_equilibria(hodgkin_huxley())
    >>> round(eq["V"], 6), eq.stable
    (-64.996379, True)
    """
    cm = model.compile()
    p = cm.param_vector(params)
    extra = [_checks.state(model, s, f"seeds[{k}]") for k, s in enumerate(seeds or [])]
    all_seeds = _seeds(cm, p, simulate_seed) + extra
    found: list[np.ndarray] = []
    for s in all_seeds:
        x, ok = newton(cm, s, p)
        if not ok or not np.all(np.isfinite(x)):
            continue
        if any(np.allclose(x, y, rtol=1e-7, atol=1e-9) for y in found):
            continue
        found.append(x)
    key = model.state_names.index(model.voltage) if model.voltage else 0
    found.sort(key=lambda x: x[key])
    out = []
    for x in found:
        ev = np.linalg.eigvals(cm.jac(x, p))
        ev = ev[np.lexsort((ev.imag, -ev.real))]
        out.append(Equilibrium(model, x, model.param_values(params), ev, bool(np.all(ev.real < 0))))
    return out
