"""The published characteristics of the pyramidal cell of Chizhov et al. (2023), measured on a model,
and the fit of :func:`bifur.models.pyramidal5d` to them with :func:`bifur.fit`.

The characteristics (:data:`CRITERIA`) are those stated in the abstract of Chizhov, Amakhin,
Sagtekin & Desroches, Biol. Cybern. 117:433-451 (2023) — firing starts at a saddle-node on an
invariant circle under current and under conductance injection; the rate never exceeds 30 Hz;
depolarization block at a fold of limit cycles with u = I/G_in <= 80 mV and s = G/G_in <= 3;
the deepest after-hyperpolarization near the middle of the inter-spike interval — and those of a
realistic cortical spike (peak +20..+45 mV, width at half amplitude <= 2 ms, after-hyperpolarization
below -55 mV). :func:`characteristics` reads them off the model's own f-I and f-G curves (continuation)
and the spike of the stable cycle midway between rheobase and block (:func:`bifur.spike_shape`).

Examples
--------
>>> sorted(CRITERIA)[:3]
['ahp_phase', 'fg_block', 'fg_onset']
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..model import Model

__all__ = ["CRITERIA", "TARGETS", "characteristics", "unmet", "fit_pyramidal", "target_values"]

#: name -> (what, test on the measured value). Intervals are closed.
CRITERIA: dict[str, tuple[str, Any]] = {
    "fi_onset": ("firing starts at a SNIC under current injection (class 1)", lambda v: v == "SNIC"),
    "fg_onset": ("firing starts at a SNIC under conductance injection", lambda v: v == "SNIC"),
    "max_rate": ("the steady rate never exceeds 30 Hz (Hz)", lambda v: 0.0 < v <= 30.0),
    "fi_block": ("depolarization block under current at a fold of cycles", lambda v: v == "LPC"),
    "u_block": ("u_crit = I_block/G_in <= 80 mV", lambda v: 0.0 < v <= 80.0),
    "fg_block": ("depolarization block under conductance at a fold of cycles", lambda v: v == "LPC"),
    "s_block": ("s_crit = G_block/G_in <= 3", lambda v: 0.0 < v <= 3.0),
    "ahp_phase": ("deepest after-hyperpolarization near mid-interval: peak-to-trough 0.35-0.65 of the ISI",
                  lambda v: 0.35 <= v <= 0.65),
    "peak": ("spike peak +20 to +45 mV", lambda v: 20.0 <= v <= 45.0),
    "width": ("spike width at half amplitude <= 2 ms", lambda v: 0.0 < v <= 2.0),
    "trough": ("after-hyperpolarization trough below -55 mV", lambda v: v < -55.0),
}


def _max_stable_rate(curve) -> float:
    rates = [br.rate_hz[br.stable] for br in curve.cycles]
    rates = np.concatenate(rates) if rates else np.zeros(0)
    return float(rates.max()) if rates.size else 0.0


def _mid_cycle(fi, mid: float):
    """The stable cycle of the f-I curve nearest the input ``mid``, or None."""
    best = None
    for br in fi.cycles:
        for i in np.flatnonzero(br.stable):
            if best is None or abs(br.param[i] - mid) < abs(best[0].param[best[1]] - mid):
                best = (br, int(i))
    return None if best is None else best[0].orbit(best[1])


def characteristics(model: Model, params: Mapping[str, float] | None = None, current: str = "I") -> dict:
    """Every quantity of :data:`CRITERIA` for ``model`` (at ``params``), with the curves behind them.

    Returns a dict: the names of :data:`CRITERIA` (kinds as strings, numbers in mV, ms, Hz; None or
    NaN where the model has no answer), and ``G_in``, ``V_rest``, ``u_rheobase``, ``s_rheobase``,
    ``fi_class``, ``I_mid``, ``fi``, ``fg`` (the :class:`bifur.FICurve` objects), ``spike`` (the
    :class:`bifur.SpikeShape` of the stable cycle of the f-I curve nearest ``I_mid``, at input
    ``I_spike``) and ``issues`` (what the curves could not decide).
    """
    from ..equilibria import find_equilibria
    from ..neuro import fg_curve, fi_curve, input_conductance
    from ..spike_shape import spike_shape
    if params:
        model = model.with_params(**params)
    g = input_conductance(model, current=current)
    fi = fi_curve(model, current, (0.0, 150.0 * g))
    fg = fg_curve(model, reversal=0.0, p_range=(0.0, 10.0 * g))
    rest = [e for e in find_equilibria(model, params={current: 0.0}) if e.stable]
    out: dict[str, Any] = {
        "G_in": g, "V_rest": float(rest[0][model.voltage]) if rest else math.nan,
        "fi_onset": fi.onset.kind if fi.onset else None, "fi_class": fi.excitability_class,
        "fg_onset": fg.onset.kind if fg.onset else None,
        "fi_block": fi.block.kind if fi.block else None, "fg_block": fg.block.kind if fg.block else None,
        "u_rheobase": fi.rheobase / g, "s_rheobase": fg.rheobase / g,
        "u_block": fi.block.param / g if fi.block else math.nan,
        "s_block": fg.block.param / g if fg.block else math.nan,
        "max_rate": max(_max_stable_rate(fi), _max_stable_rate(fg)),
        "fi": fi, "fg": fg, "issues": list(fi.issues) + list(fg.issues),
        "spike": None, "I_mid": math.nan, "I_spike": math.nan, "ahp_phase": math.nan, "peak": math.nan, "width": math.nan,
        "trough": math.nan}
    if fi.onset is not None and fi.block is not None:
        out["I_mid"] = 0.5 * (fi.rheobase + fi.block.param)
        cyc = _mid_cycle(fi, out["I_mid"])
        if cyc is not None:
            out["I_spike"] = float(cyc.params[current])
            s = out["spike"] = spike_shape(cyc)
            out.update(ahp_phase=s.trough_phase, peak=s.peak, width=s.width, trough=s.trough)
    return out


def unmet(chars: Mapping[str, Any]) -> list[str]:
    """The criteria of :data:`CRITERIA` that ``chars`` (from :func:`characteristics`) does not meet."""
    bad = []
    for name, (what, ok) in CRITERIA.items():
        v = chars.get(name)
        try:
            good = v is not None and not (isinstance(v, float) and math.isnan(v)) and bool(ok(v))
        except TypeError:
            good = False
        if not good:
            bad.append(f"{name}: {what} (got {v})")
    return bad


#: The criteria as least-squares targets: name -> (target, scale). The target is the middle of the
#: published interval and the scale its half-width, so a residual within ±1 meets the criterion
#: (one-sided bounds are given a plausible other side: rates above 15 Hz, u_crit above 40 mV, s_crit
#: above 1.5, width above 0.5 ms, trough above -70 mV). The onset and block *kinds* are not smooth
#: functions of the parameters: each one missed adds 1/0.1 to the residuals (``kinds``).
TARGETS: dict[str, tuple[float, float]] = {
    "u_block": (60.0, 20.0), "s_block": (2.25, 0.75), "max_rate": (22.5, 7.5), "ahp_phase": (0.5, 0.15),
    "peak": (32.5, 12.5), "width": (1.25, 0.75), "trough": (-62.5, 7.5), "kinds": (0.0, 0.1)}


def target_values(model: Model, params: Mapping[str, float]) -> np.ndarray:
    """The quantities of :data:`TARGETS` for ``model`` at ``params``."""
    c = characteristics(model, params)
    kinds = sum(c[k] != want for k, want in (("fi_onset", "SNIC"), ("fg_onset", "SNIC"), ("fi_block", "LPC"),
                                              ("fg_block", "LPC")))
    return np.array([c[k] for k in TARGETS if k != "kinds"] + [float(kinds)], dtype=float)


class _PyramidalTargets:
    """The fit's residual function: :func:`target_values` of :func:`bifur.models.pyramidal5d` at the
    free parameters' values, the leak recomputed by the source's recipe at each of them (picklable)."""

    def __init__(self, free: tuple[str, ...]):
        self.free = tuple(free)

    def __call__(self, model: Model, params: Mapping[str, float]) -> np.ndarray:
        from .pyramidal import pyramidal5d
        return target_values(pyramidal5d(**{k: float(params[k]) for k in self.free}), {})


def fit_pyramidal(model: Model | None = None, free: tuple[str, ...] | None = None,
                  bounds: Mapping[str, tuple[float, float]] | None = None, **options: Any):
    """Fit the free parameters of :func:`bifur.models.pyramidal5d` (from ``model``'s values, default
    :data:`bifur.models.pyramidal.START`) to :data:`TARGETS` with :func:`bifur.fit`; the leak follows
    the source's recipe at every evaluation.

    ``free`` and ``bounds`` default to :data:`bifur.models.pyramidal.FREE` and
    :data:`bifur.models.pyramidal.BOUNDS`; ``options`` go to :func:`bifur.fit` (e.g. ``max_nfev``,
    ``starts``, ``workers``; ``max_nfev`` defaults to 8). Each evaluation computes an f-I and an f-G
    curve (a few seconds), and each Jacobian 2 per free parameter more (central differences).

    Returns
    -------
    FitResult
        ``res.params`` are the values to put in :data:`bifur.models.pyramidal.FITTED`.
    """
    from ..fit import ExtraResidual, fit
    from . import pyramidal as pyr
    model = model if model is not None else pyr.pyramidal5d(**pyr.START)
    free = tuple(free or pyr.FREE)
    bounds = dict(bounds or {k: pyr.BOUNDS[k] for k in free})
    extra = ExtraResidual("characteristics", _PyramidalTargets(free), [t for t, _ in TARGETS.values()],
                          [s for _, s in TARGETS.values()], step=1e-3)
    options.setdefault("max_nfev", 8)
    return fit(model, [], free=list(free), bounds=bounds, extra=[extra], **options)
