"""A five-variable pyramidal-neuron model built from Chizhov's published channel kinetics and fitted to
the characteristics of Chizhov, Amakhin, Sagtekin & Desroches (2023).

The kinetics are those of the pyramidal cell ("Lyle" parameter set) in A. V. Chizhov's public
simulation code (GitHub ``antonchizhov/HODGKIN``, 2017), reduced to the five variables the 2023 paper
describes: one sodium channel with fast activation, inactivation and slow inactivation, a fast
repolarizing (delayed-rectifier) and a slow shunting (M-type) potassium channel. The equations of
the 2023 model itself were not available: this is a reconstruction, and says so.
"""
from __future__ import annotations

import math

from ..model import Model

#: Faraday constant over RT at 296 K, per mV (the temperature of the source's kinetics).
FRT = 96485.33212 / (8.314462618 * 296.0) / 1000.0

#: The equations (V in mV, t in ms, currents in µA/cm², conductances in mS/cm², C in µF/cm²).
TEXT = """
dV/dt = (I - gL*(V - EL) - gNa*m_inf*h*hs**3*(V - ENa) - gK*n*(V - EK) - gM*nM**2*(V - EM))/C
dh/dt = phi*(r_rec*(1 - h) - k_inact*m_inf*h)
dhs/dt = phi*(hs_inf - hs)/tau_i
dn/dt = phi*(n_inf - n)/tau_n
dnM/dt = phi*(nM_inf - nM)/(s_M*tau_M)
a_O = 1/(tmin_Na + t1*exp(-(V - Va - sh_Na)/ka))
b_O = 1/(tmin_Na + t1*exp((V - Vd - sh_Na)/kd))
m_inf = a_O/(a_O + b_O)
r_rec = 1/(tmin_rec + 1/(1/(tmax_rec - tmin_rec) + exp(-(V - Vr - sh_Na)/kr)/t1))
hs_inf = 1/(1 + exp((V - Vi - sh_i)/ki))
a_n = 0.17*exp(0.8*zn*FRT*(V - Vn - sh_K))
b_n = 0.17*exp(-0.2*zn*FRT*(V - Vn - sh_K))
n_inf = a_n/(a_n + b_n)
tau_n = 1/(a_n + b_n) + tmin_n
a_M = 0.003*exp(0.6*zM*FRT*(V - VM - sh_M))
b_M = 0.003*exp(-0.4*zM*FRT*(V - VM - sh_M))
nM_inf = a_M/(a_M + b_M)
tau_M = 1/(a_M + b_M) + tmin_M
"""

#: Values taken from the source's "Lyle" pyramidal cell (restated in the docstring of
#: :func:`pyramidal5d`; t_max of the opening rates is infinite there, so those rates are
#: 1/(t_min + exp(...)), the exponential in ms: ``t1`` = 1 ms carries that unit).
SOURCE = dict(
    C=0.7, ENa=65.0, EK=-70.0, EM=-80.0, FRT=FRT, t1=1.0,
    tmin_Na=1 / 3, Va=-51.0, ka=1.0, Vd=-57.0, kd=2.0, k_inact=3.0,        # Na: C2 <-> O, O -> I
    tmin_rec=1.0, tmax_rec=100.0, Vr=-53.0, kr=1.0,                        # Na: I -> C1 (recovery)
    Vi=-52.0, ki=2.0, tau_i=100.0,                                         # Na: slow inactivation
    zn=3.0, Vn=-5.0, tmin_n=0.8,                                           # delayed rectifier
    zM=6.0, VM=-45.0, tmin_M=8.0)                                          # M-type
#: Membrane time constant (ms) and resting potential (mV) of the source, which set the leak.
TAU_M0, V_REST = 14.4, -65.0

#: Chosen by a screening search on the nine criteria (simulated spikes, steady-state I-V, then
#: bifur's f-I and f-G curves); fixed in the fit. The screening gave sh_i = -4.15; it was moved to
#: -4.1, the middle of the interval where the onset is a SNIC under both inputs (at -4.15 the onset
#: under conductance input lies so close to a saddle-node-loop point that the f-G curve called it
#: HOM or SNIC depending on the input range; -4.2 and below give HOM, -4.0 a depolarized state
#: stable at I = 0).
SCREENED = dict(gNa=30.0, sh_Na=1.42, sh_i=-4.1, phi=4.0, sh_K=2.37)
#: The parameters :func:`bifur.models.pyramidal_fit.fit_pyramidal` fits, its start and bounds. The
#: start is where an earlier run of the same fit (30 evaluations, 826 s, at sh_i = -4.15) went from
#: the screening's values gK 0.4, gM 14.14, sh_M 9.96, s_M 4.79 (weighted cost 2.97 -> 2.90).
FREE = ("gK", "gM", "sh_M", "s_M")
START = {"gK": 0.39365830317108075, "gM": 14.934259812103553, "sh_M": 8.968612425410647, "s_M": 4.980275966173304}
BOUNDS = {"gK": (0.3, 1.5), "gM": (5.0, 30.0), "sh_M": (5.0, 15.0), "s_M": (2.0, 8.0)}
#: Output of ``fit_pyramidal()`` (see :mod:`bifur.models.pyramidal_fit`): 8 evaluations from
#: :data:`START`, 217 s on one core, weighted cost 2.71 (the residual left is mostly s_crit, 0.82
#: against the target interval's middle 2.25: the model blocks early under conductance input).
FITTED = {"gK": 0.39311709699517505, "gM": 14.98084970616788, "sh_M": 8.74200589460129, "s_M": 5.0178533337517175}

UNITS = {"V": "mV", "h": "1", "hs": "1", "n": "1", "nM": "1", "I": "uA/cm2", "C": "uF/cm2",
         **{g: "mS/cm2" for g in ("gL", "gNa", "gK", "gM")},
         **{e: "mV" for e in ("EL", "ENa", "EK", "EM", "Va", "ka", "Vd", "kd", "Vr", "kr", "Vi", "ki", "Vn", "VM",
                              "sh_Na", "sh_i", "sh_K", "sh_M")},
         **{t: "ms" for t in ("tmin_Na", "tmin_rec", "tmax_rec", "tau_i", "tmin_n", "tmin_M", "t1")},
         "k_inact": "1/ms", "FRT": "1/mV", "zn": "1", "zM": "1", "phi": "1", "s_M": "1"}


def _sigmoid_rates(v: float, p: dict) -> dict:
    """The gating functions of :data:`TEXT` at voltage v (plain Python, for the leak)."""
    e = math.exp
    a_o = 1 / (p["tmin_Na"] + p["t1"] * e(-(v - p["Va"] - p["sh_Na"]) / p["ka"]))
    b_o = 1 / (p["tmin_Na"] + p["t1"] * e((v - p["Vd"] - p["sh_Na"]) / p["kd"]))
    m = a_o / (a_o + b_o)
    r_rec = 1 / (p["tmin_rec"] + 1 / (1 / (p["tmax_rec"] - p["tmin_rec"])
                                      + e(-(v - p["Vr"] - p["sh_Na"]) / p["kr"]) / p["t1"]))
    a_n = 0.17 * e(0.8 * p["zn"] * p["FRT"] * (v - p["Vn"] - p["sh_K"]))
    b_n = 0.17 * e(-0.2 * p["zn"] * p["FRT"] * (v - p["Vn"] - p["sh_K"]))
    a_m = 0.003 * e(0.6 * p["zM"] * p["FRT"] * (v - p["VM"] - p["sh_M"]))
    b_m = 0.003 * e(-0.4 * p["zM"] * p["FRT"] * (v - p["VM"] - p["sh_M"]))
    return {"m": m, "h": r_rec / (r_rec + p["k_inact"] * m), "i": 1 / (1 + e((v - p["Vi"] - p["sh_i"]) / p["ki"])),
            "n": a_n / (a_n + b_n), "nM": a_m / (a_m + b_m)}


def _active_at_rest(values: dict) -> tuple[float, float]:
    """(active chord conductance, active current) at V_rest with every gate at its steady state."""
    g = _sigmoid_rates(V_REST, values)
    active = {"ENa": values["gNa"] * g["m"] * g["h"] * g["i"] ** 3, "EK": values["gK"] * g["n"],
              "EM": values["gM"] * g["nM"] ** 2}
    return sum(active.values()), sum(gx * (V_REST - values[e]) for e, gx in active.items())


def leak(values: dict, gl: float | None = None) -> tuple[float, float]:
    """(gL, EL) by the source's recipe: the total resting conductance C/τ_m0 minus the active chord
    conductance at V_rest = -65 mV (or the given ``gl``), and the reversal that makes V_rest the
    resting potential."""
    g_active, current = _active_at_rest(values)
    if gl is None:
        gl = values["C"] / TAU_M0 - g_active
    if not gl > 0:
        from ..errors import ModelError
        raise ModelError(f"the active conductance at rest ({g_active:.4g} mS/cm²) exceeds C/tau_m0 = "
                         f"{values['C'] / TAU_M0:.4g}: no positive leak (lower gNa, gK or gM)")
    return gl, V_REST + current / gl


def pyramidal5d(**params: float) -> Model:
    """Five-variable pyramidal neuron (V, h, hs, n, nM) reconstructed from Chizhov's pyramidal-cell
    kinetics and fitted to the characteristics of Chizhov et al. (2023). Input: current ``I``.

    **A reconstruction, not the published model**: the equations of Chizhov, Amakhin, Sagtekin &
    Desroches, *Biol. Cybern.* 117:433-451 (2023) were not available. Its abstract describes one
    sodium channel with fast activation, moderate deactivation and slow inactivation, and two
    potassium channels, fast repolarizing and slow shunting. The kinetics here are those of the
    pyramidal cell ("Lyle" set, 23 °C) in Chizhov's public code (``antonchizhov/HODGKIN``), reduced:

    * sodium: of the 4-state Markov scheme (C2, C1, O, I), activation C2 ↔ O is taken as
      instantaneous, m∞ = a/(a + b) with the published opening and closing rates (time constants
      ≥ 1/3 ms, against ~1 ms for C1 → C2 at rest, where almost all closed channels are in C2); the
      fraction not inactivated, h, keeps inactivation O → I at 3/ms and the published recovery
      I → C1. Slow inactivation hs (Fernandez & White 2010, τ 100 ms) multiplies as hs³.
      Conductance gNa·m∞·h·hs³;
    * delayed rectifier n with the published α, β (its slow inactivation y_K, τ 300 ms, is left
      out and absorbed in gK); M-type nM with the published α, β, conductance gM·nM²;
    * the A, D, AHP and H currents of the source are left out (the paper keeps one sodium and two
      potassium channels);
    * leak by the source's recipe (:func:`leak`): C/τ_m0 (C = 0.7 µF/cm², τ_m0 = 14.4 ms) minus the
      active conductance at -65 mV, EL such that rest is exactly -65 mV (recomputed for any
      parameter values given here).

    Free parameters: half-activation shifts of the sodium rates (sh_Na), slow inactivation (sh_i),
    delayed rectifier (sh_K) and M current (sh_M); conductances gNa, gK, gM; ``phi``, one factor on
    every channel rate (the source's 23 °C kinetics run faster at recording temperatures: phi = 4 is
    a Q10 of 3 over ~13 °C); and ``s_M``, a factor on the M current's time constant (not a
    temperature effect). :data:`SCREENED` values come from a screening search; :data:`FITTED`
    values from ``bifur.models.pyramidal_fit.fit_pyramidal()`` (:func:`bifur.fit`, targets
    :data:`bifur.models.pyramidal_fit.TARGETS`). Met, as measured by bifur
    (``bifur.models.pyramidal_fit.characteristics``; ``tests/test_pyramidal.py``): SNIC onset under
    current and conductance input (class 1), rate ≤ 30 Hz, block at a fold of cycles under both
    inputs with u_crit ≤ 80 mV and s_crit ≤ 3, trough of the after-hyperpolarization near the
    middle of the interval, spike peak +20..+45 mV, width ≤ 2 ms, trough below -55 mV.

    Known departures, stated rather than hidden: gNa is 13× the source's 2.28 (with inactivation at
    12/ms the sodium pulse lasts ~0.1 ms) and gM 20× its 0.76 (the M current is closed at rest,
    nM² ≈ 1e-6). The depolarized equilibrium (about -52 mV) turns stable at a subcritical Hopf point
    at u ≈ 3.6 mV, below rheobase (u ≈ 4.6 mV), and stays stable: from rheobase to the block, tonic
    firing coexists with this depolarized state (``FICurve.bistable`` covers the whole firing range;
    the block is the fold where the unstable cycle born at that Hopf point meets the firing cycle).
    The onset sits almost exactly on a saddle-node-loop point: the f-I and f-G curves find the period
    diverging at the fold (a SNIC, rheobase = fold to 1e-9), but :func:`bifur.saddle_node_loop` finds
    the orbit leaving the saddle-node coming back within a scaled distance ~1e-4 on its unstable side
    (homoclinic side), and :func:`bifur.firing_map` labels the fold LP next to a HOM curve; the
    onset is class 1 either way. With sh_i at -4.2 or below the f-G curve finds a homoclinic onset;
    the loop check finds the orbit on the invariant circle under both inputs only from sh_i ≈ -3.7,
    where the depolarized state is stable already at I = 0. A variant without the early Hopf point was
    found only with a homoclinic onset.

    Parameters
    ----------
    **params
        Overrides of any parameter (:data:`SOURCE`, :data:`SCREENED`, :data:`FITTED`, and ``gL``,
        ``EL``, ``I``). The leak follows the recipe unless given (with ``gL`` alone, EL keeps rest at -65 mV).

    Examples
    --------
    >>> m = pyramidal5d()
    >>> m.state_names
    ('V', 'h', 'hs', 'n', 'nM')
    >>> round(m.params["gL"], 6), round(m.params["EL"], 4)
    (0.048333, -64.9726)
    """
    values = {**SOURCE, **SCREENED, **FITTED, "I": 0.0}
    unknown = set(params) - set(values) - {"gL", "EL"}
    if unknown:
        from ..errors import ModelError
        raise ModelError(f"unknown parameter(s) {sorted(unknown)} of pyramidal5d")
    values.update(params)
    if "EL" not in params:
        values["gL"], values["EL"] = leak(values, params.get("gL"))
    rest = _sigmoid_rates(V_REST, values)
    init = dict(V=V_REST, h=rest["h"], hs=rest["i"], n=rest["n"], nM=rest["nM"])
    return Model.from_text(
        TEXT, params=values, init=init, name="pyramidal5d", time_unit="ms", voltage="V", capacitance="C",
        units=UNITS,
        description="five-variable pyramidal neuron (reconstruction from Chizhov's kinetics, fitted to the "
                    "characteristics of Chizhov et al. 2023 with bifur)",
        reference="kinetics: A. V. Chizhov, antonchizhov/HODGKIN (2017), 'Lyle' pyramidal cell; targets: Chizhov, "
                  "Amakhin, Sagtekin & Desroches (2023) Biol. Cybern. 117:433-451")
