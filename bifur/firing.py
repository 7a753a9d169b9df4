"""Firing patterns of models with a reset, read off the dynamics of the reset map P."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from . import _checks
from .continuation.reset_maps import ResetMap, reset_fixed_point
from .errors import BifurWarning, ModelError, SolverError, Status, StatusCode
from .model import Model

__all__ = ["FiringPattern", "firing_pattern"]


@dataclass(frozen=True)
class FiringPattern:
    """How a reduced model fires at fixed parameters.

    Attributes
    ----------
    kind : str
        "quiescent" (the flow from a reset settles without reaching the reset condition again),
        "tonic" (a stable fixed point of P: regular spiking), "bursting" (a stable fixed point of
        P^k, k > 1, whose intervals separate into bursts), "irregular" (no periodic pattern of up
        to ``max_k`` spikes) or "undetermined" (the computation failed: ``status`` says why).
    spikes_per_burst : int
        Spikes per burst (1 for tonic, 0 for quiescent).
    k : int
        Spikes per period of the pattern (the power of P whose fixed point it is).
    isi : ndarray
        Inter-spike intervals over one period of the pattern (model time units).
    rate_hz : float
        Mean firing rate.
    stable : bool
        The fixed point of P^k is stable (eigenvalues of DP^k inside the unit circle).
    x0 : ndarray
        A post-reset state on the pattern.
    multipliers : ndarray
        Eigenvalues of DP^k at the fixed point.
    status : Status
        Success, or why the pattern could not be determined.

    Examples
    --------
    >>> from bifur.models import izhikevich
    >>> fp = firing_pattern(izhikevich("FS"), {"I": 10.0})
    >>> fp.kind, fp.k, round(float(fp.rate_hz), 1)
    ('tonic', 1, 136.2)
    """

    kind: str
    spikes_per_burst: int
    k: int
    isi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rate_hz: float = 0.0
    stable: bool = True
    x0: np.ndarray = field(default_factory=lambda: np.zeros(0))
    multipliers: np.ndarray = field(default_factory=lambda: np.zeros(0))
    status: Status = field(default_factory=Status.success)


def _undetermined(model: Model, status: Status, throw: bool) -> FiringPattern:
    """The result when the reset map could not be iterated (a warning, or SolverError with ``throw``)."""
    fp = FiringPattern("undetermined", 0, 0, status=status)
    if throw:
        raise SolverError(status, fp)
    warnings.warn(f"bifur: the firing pattern of {model.name} could not be determined: {status.message}",
                  BifurWarning, stacklevel=3)
    return fp


def firing_pattern(model: Model, params: Mapping[str, float] | None = None, x0=None, max_k: int = 16,
                   transient: int = 300, throw: bool = False) -> FiringPattern:
    """Classify the firing of a model with a reset by iterating its reset map.

    From the post-reset state (``x0``, or the reset applied to ``model.init``), P is iterated
    ``transient`` times; the smallest k <= ``max_k`` for which the post-reset states repeat
    gives the pattern, which is then converged exactly as a fixed point of P^k (Newton) and
    checked for stability. Intervals longer than the geometric mean of the shortest and
    longest one separate bursts. When the reset map cannot be iterated (the flow fails), the
    kind is "undetermined" with the reason in ``status`` and a warning — or, with
    ``throw=True``, a :class:`~bifur.SolverError` carrying that result.

    Examples
    --------
    >>> from bifur.models import izhikevich
    >>> firing_pattern(izhikevich("RS"), {"I": 10.0}).kind
    'tonic'
    >>> fp = firing_pattern(izhikevich("CH"), {"I": 10.0})
    >>> fp.kind, fp.spikes_per_burst
    ('bursting', 5)
    """
    if model.reset is None:
        raise ModelError(f"model {model.name!r} has no reset: firing_pattern analyses reset maps")
    cm = model.compile()
    p = cm.param_vector(params)
    rmap = ResetMap(cm)
    x = cm.reset_apply(cm.init_vector(), p) if x0 is None else _checks.state(model, x0, "x0")
    states, isis = [], []
    try:
        for j in range(transient + 4 * max_k):
            x, _, _, tof, _ = rmap(x, p)
            if j >= transient:
                states.append(x.copy())
                isis.append(tof)
    except SolverError as exc:
        if exc.status.code == StatusCode.NO_SOLUTION:  # the flow settles: no further spike
            return FiringPattern("quiescent", 0, 0, status=Status.success(exc.status.message))
        return _undetermined(model, exc.status, throw)
    S, isis = np.array(states), np.array(isis)
    scale = np.abs(S).max(axis=0) + 1.0
    for k in range(1, max_k + 1):
        if np.all(np.abs(S[k:] - S[:-k]) <= 1e-6 * scale):
            break
    else:
        return FiringPattern("irregular", 0, 0, isis, 1.0 / (isis.mean() * model.seconds_per_time_unit), False, S[-1])
    try:
        xk, rec = reset_fixed_point(model, params, S[-k], k, transient=0)
    except SolverError as exc:
        return _undetermined(model, exc.status, throw)
    isi = rec["isi"]
    rate = k / (isi.sum() * model.seconds_per_time_unit)
    if k == 1:
        return FiringPattern("tonic", 1, 1, isi, rate, rec["stable"], xk, rec["multipliers"])
    threshold = math.sqrt(isi.min() * isi.max())
    n_long = int(np.sum(isi > threshold))
    if isi.max() < 2.0 * isi.min() or n_long == 0:
        return FiringPattern("tonic", 1, k, isi, rate, rec["stable"], xk, rec["multipliers"])
    return FiringPattern("bursting", k // n_long, k, isi, rate, rec["stable"], xk, rec["multipliers"])
