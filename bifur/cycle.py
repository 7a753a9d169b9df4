"""The :class:`Cycle` record: a periodic orbit in collocation form (plain data with an evaluator).

Algorithms that produce cycles live above this module: :func:`bifur.find_cycle` (from a
simulation, in :mod:`bifur.continuation.find_cycle`) and the cycle branches of
:func:`bifur.continue_cycles`. This module imports only the model record, checks and the
piecewise-polynomial helpers of :mod:`bifur._mesh`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _checks
from ._mesh import Basis, adapt_mesh, evaluate, node_times
from .errors import ModelError
from .model import Model
from .spikes import spikes_per_period

__all__ = ["Cycle", "HybridCycle"]


@dataclass(frozen=True)
class Cycle:
    """A periodic orbit in collocation form.

    Attributes
    ----------
    model : Model
    params : dict
        Parameter values.
    period : float
        Period in the model's time unit.
    mesh : ndarray (N+1,)
        Mesh on [0, 1].
    profile : ndarray (N ncol + 1, n_states)
        Values at the collocation nodes (``x`` is the same array, ``t`` their times).
    ncol : int
    multipliers : ndarray
        Floquet multipliers, by decreasing modulus.
    precision : float
        |μ - 1| of the trivial multiplier.
    stable : bool
    spikes, rate_hz
        Spikes per period of the voltage, and the firing rate spikes/period in Hz (``frequency_hz``
        is 1/period).

    Calling the cycle, ``cycle(t)``, evaluates the orbit at any times (periodically).

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> c = bifur.find_cycle(hodgkin_huxley(), params={"I": 20.0})
    >>> bool(abs(c(c.period)[0, 0] - c(0.0)[0, 0]) < 1e-9), round(c.frequency_hz, 3)
    (True, 86.47)
    """

    model: Model
    params: dict
    period: float
    mesh: np.ndarray
    profile: np.ndarray
    ncol: int = 4
    multipliers: np.ndarray = field(default_factory=lambda: np.zeros(0))
    precision: float = math.nan
    stable: bool = False

    def __post_init__(self):
        if not isinstance(self.model, Model):
            raise ValueError(f"Cycle.model must be a bifur.Model, got {type(self.model).__name__}")
        _checks.positive(self.period, "period")
        ncol = _checks.count(self.ncol, "ncol", 1, 7)
        mesh = np.ascontiguousarray(self.mesh, dtype=float)
        if mesh.ndim != 1 or mesh.size < 2 or mesh[0] != 0.0 or mesh[-1] != 1.0 or np.any(np.diff(mesh) <= 0):
            raise ValueError("Cycle.mesh must increase strictly from 0 to 1 (ntst + 1 values)")
        shape = ((mesh.size - 1) * ncol + 1, self.model.n_states)
        profile = _checks.matrix(self.profile, shape, "Cycle.profile (values at the collocation nodes)")
        if not np.all(np.isfinite(profile)):
            raise ValueError("Cycle.profile must be finite")
        object.__setattr__(self, "mesh", mesh)
        object.__setattr__(self, "profile", profile)

    @property
    def frequency_hz(self) -> float:
        """1/period in Hz (per time unit for dimensionless models)."""
        return 1.0 / (self.period * self.model.seconds_per_time_unit)

    @property
    def x(self) -> np.ndarray:
        return self.profile

    @property
    def t(self) -> np.ndarray:
        return node_times(self.mesh, self.ncol) * self.period

    def __getitem__(self, name: str) -> np.ndarray:
        return self.profile[:, self.model.state_names.index(self.model.check_state(name))]

    def evaluate_tau(self, tau) -> np.ndarray:
        """States at scaled times τ ∈ [0, 1) (periodic)."""
        return evaluate(self.profile, self.mesh, Basis(self.ncol), np.asarray(tau, dtype=float))

    def __call__(self, t) -> np.ndarray:
        """States at times t (model units), periodically continued; shape (len(t), n)."""
        return self.evaluate_tau(np.asarray(t, dtype=float) / self.period)

    def adapted_mesh(self, ntst: int) -> np.ndarray:
        """A mesh of ``ntst`` intervals equidistributing this orbit's collocation error estimate."""
        return adapt_mesh(self.profile, self.mesh, Basis(self.ncol), ntst)

    def max(self, name: str) -> float:
        return float(self[name].max())

    def min(self, name: str) -> float:
        return float(self[name].min())

    @property
    def spikes(self) -> int:
        """Spikes per period of the voltage (the model's declared voltage; 1 if it declares none), by
        the rule simulations count spikes with (:func:`bifur.spikes.spikes_per_period`), on the
        values at the collocation nodes (as :attr:`bifur.branch.CycleBranch.spikes`)."""
        v = self.model.voltage
        if v is None:
            return 1
        return spikes_per_period(self.profile[:, self.model.state_names.index(v)])

    @property
    def rate_hz(self) -> float:
        """Firing rate in Hz: spikes per period / period."""
        return self.spikes * self.frequency_hz

    @classmethod
    def from_branch(cls, branch, i: int) -> "Cycle":
        """The orbit stored at point ``i`` of a cycle branch."""
        if branch.model is None:
            raise ModelError("this branch carries no model")
        params = {**branch.params, branch.param_name: float(branch.param[i])}
        mu = branch.arrays["multipliers"][i]
        return cls(branch.model, params, float(branch.arrays["period"][i]), branch.arrays["meshes"][i].copy(),
                   branch.arrays["profiles"][i].copy(), int(branch.meta.get("ncol", 4)), mu,
                   float(branch.arrays["precision"][i]), bool(branch.stable[i]))

    def __repr__(self) -> str:
        return (f"Cycle(period={self.period:.10g} {self.model.time_unit}, frequency={self.frequency_hz:.6g} Hz, "
                f"stable={self.stable}, |mu1-1|={self.precision:.1e}, ntst={self.mesh.size - 1})")


@dataclass(frozen=True)
class HybridCycle:
    """A periodic orbit of a model with a reset, sampled over one period (k flights between resets).

    Attributes
    ----------
    model : Model
    params : dict
    period : float
        Sum of the k flight times (model time unit).
    t : ndarray (M,)
        Sample times in [0, period]; at a reset the time appears twice, before and after it.
    x : ndarray (M, n_states)
        The states at those times (the first row is the state just after a reset).
    multipliers : ndarray
        Eigenvalues of the derivative of the reset map P^k.
    stable : bool
    spikes : int
        Resets (spikes) per period, k; ``rate_hz`` is spikes/period in Hz.

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import izhikevich
    >>> br = bifur.continue_cycles(izhikevich("RS"), 10.0, "I", (5.0, 15.0))
    >>> orbit = br.orbit(0)
    >>> type(orbit).__name__, bool(orbit["v"].max() >= 29.99)
    ('HybridCycle', True)
    """

    model: Model
    params: dict
    period: float
    t: np.ndarray
    x: np.ndarray
    multipliers: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stable: bool = False
    spikes: int = 1

    @property
    def frequency_hz(self) -> float:
        return 1.0 / (self.period * self.model.seconds_per_time_unit)

    @property
    def rate_hz(self) -> float:
        """Firing rate in Hz: the ``spikes`` resets of one period / period."""
        return self.spikes * self.frequency_hz

    def __getitem__(self, name: str) -> np.ndarray:
        return self.x[:, self.model.state_names.index(self.model.check_state(name))]

    def max(self, name: str) -> float:
        return float(self[name].max())

    def min(self, name: str) -> float:
        return float(self[name].min())
