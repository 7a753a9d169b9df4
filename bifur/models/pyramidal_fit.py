"""The reproducible fit of :func:`bifur.models.pyramidal5d` (one call: :func:`fit_pyramidal`).

The published characteristics of Chizhov et al. (2023) are bounds (rate <= 30 Hz, u_crit <= 80 mV,
s_crit <= 3) or kinds (SNIC onset, LPC block); a least-squares fit needs values, so each bound is
turned into a target inside it with a scale that leaves room on either side (:data:`TARGETS`).
The f-I / f-G quantities go through :func:`bifur.fit` as observations (exact Jacobian); the spike
shape and the after-hyperpolarization phase, measured on the converged stable cycle
(:func:`bifur.find_cycle`) at u = I/G_rest = :data:`U_SPIKE` mV, are extra residuals
(:class:`bifur.fit.ExtraResidual`, central differences). The onset and block *kinds* are not
residuals: they are checked on the result (``tests/test_pyramidal.py``).
"""
from __future__ import annotations

import math

import numpy as np

from ..fit import ExtraResidual, FitResult, fit
from .pyramidal import FREE, pyramidal5d

__all__ = ["fit_pyramidal", "spike_features", "TARGETS", "U_SPIKE"]

#: Input (u = I/G_rest, mV) at which the spike and the after-hyperpolarization are measured.
U_SPIKE = 40.0

#: Target value and scale of each characteristic (inside the published bounds).
TARGETS = {
    "u_block": (60.0, 8.0),        # u_crit = I_block/G_rest <= 80 mV
    "s_block": (2.0, 0.4),         # s_crit = G_block/G_rest <= 3
    "rate_u40": (15.0, 6.0),       # Hz at u = 40 mV; <= 30 Hz everywhere
    "peak": (32.0, 6.0),           # mV, between +20 and +45
    "width": (1.2, 0.4),           # ms at half amplitude, <= 2
    "trough": (-65.0, 4.0),        # mV, below -55
    "trough_phase": (0.5, 0.1),    # fraction of the ISI from the peak to the deepest AHP
}


def spike_features(model, params: dict | None = None, u: float = U_SPIKE, ntst: int = 120) -> dict:
    """Peak, half-amplitude width, trough and trough phase of the stable cycle at I = u·G_rest.

    The cycle is converged by collocation (:func:`bifur.find_cycle`); the measures are taken on
    its interpolant at 20000 points per period (crossings of the half-amplitude level
    interpolated linearly)."""
    import bifur
    pars = model.param_values(params)
    gin = bifur.input_conductance(model, pars)
    pars = {**pars, "I": u * gin}
    cyc = bifur.find_cycle(model, params=pars, x0={"V": -40.0}, ntst=ntst)
    n = 20000
    tau = np.linspace(0.0, 1.0, n, endpoint=False)
    v = cyc.evaluate_tau(tau)[:, model.state_names.index(model.voltage)]
    k_max, k_min = int(np.argmax(v)), int(np.argmin(v))
    half = 0.5 * (v[k_max] + v[k_min])
    above = v >= half
    # time above the half level, from its interpolated crossings
    up = np.flatnonzero(~above & np.roll(above, -1))
    dn = np.flatnonzero(above & ~np.roll(above, -1))

    def crossing(k):
        a, b = v[k], v[(k + 1) % n]
        return (k + (half - a) / (b - a)) / n

    width = math.nan
    if up.size == 1 and dn.size == 1:
        width = ((crossing(dn[0]) - crossing(up[0])) % 1.0) * cyc.period
    return {"peak": float(v[k_max]), "width": float(width), "trough": float(v[k_min]),
            "trough_phase": float(((k_min - k_max) % n) / n), "period": float(cyc.period),
            "rate_hz": float(cyc.frequency_hz), "I": pars["I"], "G_rest": gin}


class _SpikeResidual:
    """Picklable extra residual: the spike features at u = U_SPIKE."""

    def __init__(self, names):
        self.names = tuple(names)

    def __call__(self, model, params):
        f = spike_features(model, params)
        return [f[k] for k in self.names]


def fit_pyramidal(start: dict | None = None, free: dict | None = None, *, spike: bool = True, curves: bool = True,
                  max_nfev: int | None = 12, i_range=(0.0, 8.0), g_range=(0.0, 0.3), **kwargs) -> FitResult:
    """Fit the free parameters of :func:`pyramidal5d` to :data:`TARGETS` with :func:`bifur.fit`.

    Parameters
    ----------
    start : dict, optional
        Start values (default: the model's current defaults).
    free : dict, optional
        name -> bounds (default :data:`bifur.models.pyramidal.FREE`).
    spike : bool
        Include the spike-shape and AHP-phase residuals (a cycle per parameter and difference step).
    curves : bool
        Include the f-I / f-G observations (block current and conductance, rate at u = 40 mV).
    max_nfev : int
        Evaluations of the local fit.
    i_range, g_range :
        Ranges (µA/cm², mS/cm²) of the f-I and f-G curves behind the block and rate observations.
    **kwargs
        Passed to :func:`bifur.fit` (e.g. ``starts``, ``workers``).

    Returns
    -------
    FitResult
        ``result.params`` are the fitted values; ``result.table`` lists every target with its
        prediction.

    Examples
    --------
    ``res = fit_pyramidal()`` runs the full fit (about 40 s to 15 min on one core, depending on
    how many evaluations the trust region takes); the targets it uses:

    >>> TARGETS["s_block"], TARGETS["width"]
    ((2.0, 0.4), (1.2, 0.4))
    """
    import bifur
    free = dict(free or FREE)
    model = pyramidal5d(**(start or {}))
    gin = bifur.input_conductance(model)
    # the block and rate targets are in units of the start's G_rest (fixed during one fit)
    data = [{"quantity": "block", "input": "current", "value": TARGETS["u_block"][0] * gin,
             "sigma": TARGETS["u_block"][1] * gin},
            {"quantity": "block", "input": "conductance", "value": TARGETS["s_block"][0] * gin,
             "sigma": TARGETS["s_block"][1] * gin},
            {"quantity": "rate", "input": "current", "at": U_SPIKE * gin, "value": TARGETS["rate_u40"][0],
             "sigma": TARGETS["rate_u40"][1]}] if curves else []
    extra = []
    if spike:
        names = ("peak", "width", "trough", "trough_phase")
        extra.append(ExtraResidual("spike", _SpikeResidual(names), [TARGETS[k][0] for k in names],
                                   [TARGETS[k][1] for k in names], step=1e-3))
    return fit(model, data, list(free), bounds=free, i_range=i_range, g_range=g_range, reversal=0.0,
               max_nfev=max_nfev, tol=1e-6, extra=extra, **kwargs)
