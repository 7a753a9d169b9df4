"""Records of a continuation: special points, diagnostics and branches, one class per kind of branch.

* :class:`EquilibriumBranch` — eigenvalues and the number of unstable ones per point;
* :class:`CycleBranch` — period, frequency, Floquet multipliers and the precision of the
  trivial one, extremes over the orbit, and the orbit itself (:meth:`CycleBranch.orbit`);
* :class:`ResetCycleBranch` — tonic spiking of a model with a reset, as fixed points of its
  reset map: the same quantities read off the flights between resets, and inter-spike intervals.

All are plain data, saved losslessly (npz + JSON, no pickle) by :mod:`bifur.branch_io`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import Status
from .model import TIME_UNITS
from .spikes import spikes_per_period

__all__ = ["Branch", "EquilibriumBranch", "CycleBranch", "ResetCycleBranch", "SpecialPoint", "Diagnostic",
           "make_branch", "register_branch_class"]


@dataclass
class SpecialPoint:
    """A located special point on a branch.

    Attributes
    ----------
    kind : str
        "LP" (fold), "H" (Hopf), "BP" (branch point), "LPC", "PD", "NS", "BPC", "SNIC", "HOM", ...
    param : float
        Parameter value.
    x : ndarray
        State (for cycles: the point at phase 0).
    index : int
        Position on the branch (the point itself is stored there).
    data : dict
        Kind-specific results (e.g. ``omega``, ``period``, ``l1``, ``criticality`` for "H").
    param_name : str
    bracket : tuple
        Parameter values of the two branch points between which it was located.
    precision : float
        Width of the final location bracket in the parameter.
    params : dict
        All parameter values at the point (the continuation parameter included).
    refined : bool
        True when the point was located to the requested precision. An unrefined point is kept
        (never dropped): ``param`` and ``x`` are then the best estimate and ``bracket`` the
        interval of the branch that certainly contains it.
    period, frequency_hz, omega, l1, criticality, multiplicity, a, b, multipliers, K, lambda_u
        The kind-specific results of ``data`` as attributes (NaN, or None for non-numbers, where
        the kind has no such field).

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> h = bifur.continue_equilibria(hodgkin_huxley(), "I", (0.0, 20.0)).special("H")[0]
    >>> h.kind, round(h.data["period"], 6), h.params["gNa"]
    ('H', 10.717883, 120.0)
    """

    kind: str
    param: float
    x: np.ndarray
    index: int
    data: dict = field(default_factory=dict)
    param_name: str = ""
    bracket: tuple = (math.nan, math.nan)
    precision: float = math.nan
    params: dict = field(default_factory=dict)
    refined: bool = True

    # documented fields of ``data``, as attributes (NaN or None where the kind has no such field)
    def _get(self, key: str, default: Any = math.nan) -> Any:
        return self.data.get(key, default)

    period = property(lambda self: float(self._get("period")),
                      doc="Period of the cycle at the point (H: 2π/ω of the critical pair; SNIC/HOM: at the last cycle).")
    frequency_hz = property(lambda self: float(self._get("frequency_hz")), doc="1/period in Hz.")
    omega = property(lambda self: float(self._get("omega")), doc="H: imaginary part of the critical pair.")
    l1 = property(lambda self: float(self._get("l1")), doc="H: first Lyapunov coefficient (> 0 subcritical).")
    criticality = property(lambda self: self._get("criticality", None),
                           doc="H: 'subcritical', 'supercritical' or 'degenerate'.")
    multiplicity = property(lambda self: int(self._get("multiplicity", 1)),
                            doc="H: number of pairs crossing together (2 in symmetric systems).")
    a = property(lambda self: float(self._get("a")), doc="LP/SNIC: quadratic normal-form coefficient.")
    b = property(lambda self: float(self._get("b")), doc="LP/SNIC: parameter normal-form coefficient.")
    multipliers = property(lambda self: self._get("multipliers", None),
                           doc="Cycle points: Floquet multipliers (by decreasing modulus).")
    K = property(lambda self: float(self._get("K")), doc="SNIC: T ≈ K/√|p - p*|.")
    lambda_u = property(lambda self: float(self._get("lambda_u")), doc="HOM: unstable eigenvalue of the saddle.")

    def __repr__(self) -> str:
        extra = "" if self.refined else f", unrefined in [{self.bracket[0]:.10g}, {self.bracket[1]:.10g}]"
        if "criticality" in self.data:
            extra = f", {self.data['criticality']}"
        if "period" in self.data and self.kind != "H":
            extra += f", T={self.data['period']:.8g}"
        return f"SpecialPoint({self.kind} at {self.param_name}={self.param:.10g}{extra})"


@dataclass(frozen=True)
class Diagnostic:
    """Something the continuation noticed and did not turn into a special point, with the reason.

    Attributes
    ----------
    kind : str
        The event kind concerned ("BP", "PD", "H", ...) or "step" / "end" for the run itself.
    message : str
        What happened and why, with advice when something can be done.
    param : float
        Parameter value where it happened (NaN when not applicable).
    severity : {"info", "warning"}
        "info": a test-function zero that is not a bifurcation (a neutral saddle, the trivial
        branch point next to a Hopf end); "warning": something may be missing or imprecise, and
        the continuation raised a :class:`bifur.BranchWarning` about it.

    Examples
    --------
    >>> Diagnostic("H", "neutral saddle (real pair λ, -λ), not a Hopf point", 1.5)
    Diagnostic(info: H at p=1.5: neutral saddle (real pair λ, -λ), not a Hopf point)
    """

    kind: str
    message: str
    param: float = math.nan
    severity: str = "info"

    def __repr__(self) -> str:
        return f"Diagnostic({self.severity}: {self.kind} at p={self.param:.10g}: {self.message})"


class Branch:
    """What every continued branch has: points (parameter, state), special points, status.

    Continuation functions return the subclass of the branch's kind; this base holds what
    they share.

    Attributes
    ----------
    kind : str
        "equilibrium" or "cycle".
    param_name : str
    param : ndarray (N,)
    x : ndarray (N, n_states)
        States (for cycles, the point at phase 0).
    stable : ndarray of bool (N,)
    arrays : dict of ndarray
        Per-point arrays, also readable as ``branch[name]``; the subclasses give the documented
        ones as attributes.
    special_points : list of SpecialPoint
    status : Status
        Why the continuation stopped (with advice when it failed).
    params : dict
        Values of the other parameters.
    diagnostics : list of Diagnostic
        Test-function zeros that were not reported as special points, and other things the
        continuation noticed, each with its reason (see :class:`Diagnostic`).

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> br = bifur.continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0))
    >>> [sp.kind for sp in br.special_points]
    ['H', 'H']
    >>> bool(br.stable[0]), bool(br.stable[-1])
    (True, True)
    """

    def __init__(self, kind: str, param_name: str, param: np.ndarray, x: np.ndarray, stable: np.ndarray,
                 special_points: list[SpecialPoint], status: Status, state_names: tuple[str, ...],
                 params: dict, time_unit: str = "ms", arrays: dict[str, np.ndarray] | None = None,
                 model: Any = None, meta: dict | None = None, diagnostics: list[Diagnostic] | None = None):
        self.kind = kind
        self.param_name = param_name
        self.param = np.asarray(param, dtype=float)
        self.x = np.asarray(x, dtype=float)
        self.stable = np.asarray(stable, dtype=bool)
        self.special_points = list(special_points)
        self.status = status
        self.state_names = tuple(state_names)
        self.params = dict(params)
        self.time_unit = time_unit
        self.arrays = dict(arrays or {})
        self.model = model
        self.meta = dict(meta or {})
        self.diagnostics = list(diagnostics or [])

    @property
    def complete(self) -> bool:
        """True when the branch stopped for an understood reason and every special point is refined."""
        return self.status.ok and all(sp.refined for sp in self.special_points) and not any(
            d.severity == "warning" for d in self.diagnostics)

    # -- access ------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.param.size

    def __getitem__(self, name: str) -> np.ndarray:
        if name == self.param_name:
            return self.param
        if name in self.state_names:
            return self.x[:, self.state_names.index(name)]
        if name in self.arrays:
            return self.arrays[name]
        raise KeyError(f"{name!r} is not a state, the parameter or an array of this branch "
                       f"(states: {', '.join(self.state_names)}; arrays: {', '.join(self.arrays)})")

    def at(self, value: float, stable: bool | None = None) -> np.ndarray:
        """Indices of the points inserted exactly at parameter ``value`` (requested with ``at=``),
        optionally only the stable (True) or unstable (False) ones."""
        mask = (self.param == value) & self.arrays.get("user", np.ones(len(self), dtype=bool))
        if stable is not None:
            mask &= self.stable == stable
        return np.flatnonzero(mask)

    def special(self, kind: str) -> list[SpecialPoint]:
        """Special points of one kind, in branch order."""
        return [sp for sp in self.special_points if sp.kind == kind]

    def max(self, name: str) -> np.ndarray:
        """Per-point maximum of a state (over the orbit for cycles; the state itself for equilibria)."""
        return self._extreme("max", name)

    def min(self, name: str) -> np.ndarray:
        """Per-point minimum of a state (over the orbit for cycles; the state itself for equilibria)."""
        return self._extreme("min", name)

    def _extreme(self, which: str, name: str) -> np.ndarray:
        if name not in self.state_names:
            raise KeyError(f"{name!r} is not a state ({', '.join(self.state_names)})")
        if which in self.arrays:
            return self.arrays[which][:, self.state_names.index(name)]
        return self[name]

    def to_dataframe(self):
        """A pandas DataFrame with one row per point (pandas is imported on demand)."""
        import pandas as pd
        cols: dict[str, Any] = {self.param_name: self.param}
        for j, s in enumerate(self.state_names):
            cols[s] = self.x[:, j]
        cols["stable"] = self.stable
        for k, v in self.arrays.items():
            if v.ndim == 1:
                cols[k] = v
            elif k in ("max", "min"):
                for j, s in enumerate(self.state_names):
                    cols[f"{k}_{s}"] = v[:, j]
        return pd.DataFrame(cols)

    def __repr__(self) -> str:
        sps = ", ".join(f"{sp.kind}@{sp.param:.6g}" for sp in self.special_points)
        lo, hi = (self.param.min(), self.param.max()) if len(self) else (math.nan, math.nan)
        return (f"<Branch {self.kind}: {len(self)} points, {self.param_name} in [{lo:.6g}, {hi:.6g}], "
                f"special points [{sps}]; status: {self.status.message}>")

    # -- persistence -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the branch to ``path`` (``.npz`` added if missing): arrays in npz, the rest as JSON.

        Lossless: floats are written exactly, no pickle is used. Read back with :func:`load_branch`.
        """
        from .branch_io import save_branch
        return save_branch(self, path)


class EquilibriumBranch(Branch):
    """A branch of equilibria (from :func:`bifur.continue_equilibria`).

    Attributes (besides those of :class:`Branch`)
    ----------------------------------------------
    eigenvalues : ndarray (N, n), complex
        Eigenvalues of the Jacobian at each point, by decreasing real part.
    n_unstable : ndarray (N,) of int
        Number of eigenvalues with positive real part.

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import fitzhugh_nagumo
    >>> br = bifur.continue_equilibria(fitzhugh_nagumo(), "I", (0.0, 2.0))
    >>> type(br).__name__, br.eigenvalues.shape[1], int(br.n_unstable.max())
    ('EquilibriumBranch', 2, 2)
    """

    @property
    def eigenvalues(self) -> np.ndarray:
        return self.arrays["eigenvalues"]

    @property
    def n_unstable(self) -> np.ndarray:
        return self.arrays["n_unstable"]


class CycleBranch(Branch):
    """A branch of periodic orbits (from :func:`bifur.continue_cycles`).

    Attributes (besides those of :class:`Branch`)
    ----------------------------------------------
    period : ndarray (N,)
        Period in the model's time unit.
    frequency_hz : ndarray (N,)
        1/period in Hz.
    spikes, rate_hz : ndarray (N,)
        Spikes per period of the voltage, and the firing rate spikes/period in Hz.
    multipliers : ndarray (N, n), complex
        Floquet multipliers by decreasing modulus.
    precision : ndarray (N,)
        |μ - 1| of the trivial multiplier (NaN where not computed).
    amplitude : ndarray (N,)
        L2 amplitude of the orbit (NaN where not computed).
    max(name), min(name)
        Extremes of a state over the orbit.
    orbit(i)
        The orbit at point i.
    """

    @property
    def period(self) -> np.ndarray:
        return self.arrays["period"]

    @property
    def frequency_hz(self) -> np.ndarray:
        """Frequency in Hz (1/period converted with the model's time unit)."""
        return 1.0 / (self.arrays["period"] * TIME_UNITS[self.time_unit])

    @property
    def spikes(self) -> np.ndarray:
        """Spikes per period of the voltage at each point (:func:`bifur.spikes.spikes_per_period`: the
        rule simulations count spikes by); 1 where the branch has no voltage or no stored orbit."""
        cached = getattr(self, "_spikes", None)
        if cached is None or cached.size != len(self):
            v = _voltage_index(self)
            profiles = self.arrays.get("profiles")
            if v is None or profiles is None:
                cached = np.ones(len(self), dtype=int)
            else:
                cached = np.array([spikes_per_period(np.asarray(pr)[:, v]) for pr in profiles], dtype=int)
            self._spikes = cached
        return cached

    @property
    def rate_hz(self) -> np.ndarray:
        """Firing rate in Hz: spikes per period / period. Equal to ``frequency_hz`` for one spike per
        cycle; a cycle with two spikes (e.g. after a period doubling) fires at twice its frequency."""
        return self.spikes * self.frequency_hz

    @property
    def multipliers(self) -> np.ndarray:
        return self.arrays["multipliers"]

    @property
    def precision(self) -> np.ndarray:
        return self.arrays.get("precision", np.full(len(self), math.nan))

    @property
    def amplitude(self) -> np.ndarray:
        return self.arrays.get("amplitude", np.full(len(self), math.nan))

    def orbit(self, i: int):
        """The periodic orbit at point ``i``, as a :class:`bifur.Cycle`."""
        from .cycle import Cycle
        return Cycle.from_branch(self, i)


class ResetCycleBranch(CycleBranch):
    """Tonic spiking of a model with a reset, continued as fixed points of its reset map P^k.

    Attributes (besides those of :class:`CycleBranch`)
    ----------------------------------------------------
    isi : ndarray (N, k)
        The k inter-spike intervals of one period.
    k : int
        Spikes per period.
    max(name), min(name)
        Extremes over the whole flight (from samples of the orbit), not only at the resets.
    orbit(i)
        A :class:`bifur.cycle.HybridCycle`. ``precision`` is NaN: a map has no trivial multiplier.
    """

    @property
    def isi(self) -> np.ndarray:
        return self.arrays["isi"]

    def orbit(self, i: int):
        """The orbit at point ``i`` over one period, as a :class:`bifur.cycle.HybridCycle` (sampled on
        the flights between resets, both sides of each reset included)."""
        from .cycle import HybridCycle
        t = self.arrays["orbit_t"][i]
        keep = np.isfinite(t)
        params = {**self.params, self.param_name: float(self.param[i])}
        return HybridCycle(self.model, params, float(self.arrays["period"][i]), t[keep],
                           self.arrays["orbit_x"][i][keep], self.arrays["multipliers"][i], bool(self.stable[i]),
                           self.k)

    @property
    def k(self) -> int:
        return int(self.meta.get("k", 1))

    @property
    def spikes(self) -> np.ndarray:
        """Spikes per period: the k resets."""
        return np.full(len(self), self.k, dtype=int)


def _voltage_index(branch: Branch) -> int | None:
    """Index of the membrane potential among the branch's states (the model's declared voltage, else a
    state named V or v), or None."""
    name = getattr(branch.model, "voltage", None) if branch.model is not None else None
    for candidate in (name, "V", "v"):
        if candidate in branch.state_names:
            return branch.state_names.index(candidate)
    return None


#: Record classes of branch kinds defined in other modules (see :func:`register_branch_class`).
_REGISTERED: dict[str, type[Branch]] = {}


def register_branch_class(kind: str, cls: type[Branch]) -> None:
    """Make :func:`make_branch` (and so :func:`bifur.load_branch`) build ``cls`` for branches of ``kind``.

    For record classes defined in their own modules above this one (e.g. :mod:`bifur.curves`),
    which register themselves when imported."""
    if not (isinstance(cls, type) and issubclass(cls, Branch)):
        raise TypeError(f"a branch record class must subclass Branch, got {cls!r}")
    _REGISTERED[kind] = cls


def branch_class(kind: str, meta: dict | None) -> type[Branch]:
    """The record class of a branch of this kind (``meta["hybrid"]`` marks reset-map cycles)."""
    if kind in _REGISTERED:
        return _REGISTERED[kind]
    if kind == "equilibrium":
        return EquilibriumBranch
    if kind == "cycle":
        return ResetCycleBranch if (meta or {}).get("hybrid") else CycleBranch
    return Branch


def make_branch(kind: str, *args: Any, **kwargs: Any) -> Branch:
    """A branch record of the class for ``kind`` (arguments as for :class:`Branch`)."""
    meta = kwargs.get("meta", args[11] if len(args) > 11 else None)
    return branch_class(kind, meta)(kind, *args, **kwargs)
