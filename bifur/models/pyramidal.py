"""A five-variable pyramidal-neuron model meeting the characteristics published by Chizhov et al. (2023)."""
from __future__ import annotations

from ..model import Model

#: The equations (V in mV, t in ms, currents in µA/cm², conductances in mS/cm²). The Markov sodium
#: channel has states closed C = 1 - O - Ina, open O and inactivated Ina; its rates follow the form
#: of Chizhov et al. (2014), r(V) = 1/(τ_min + 1/(a + exp(±(V - V½)/k))), a = 1/(τ_max - τ_min),
#: which runs from 1/τ_max to 1/τ_min around V½.
TEXT = """
dV/dt = (I - gL*(V - EL) - gNa*O*(V - ENa) - gK*n*(V - EK) - gM*w*(V - EK))/C
dO/dt = r_act*(1 - O - Ina) - (r_deact + r_inact)*O
dIna/dt = r_inact*O - r_rec*Ina
dn/dt = (n_inf - n)*cosh((V - V_n)/(4*k_n))/tau_n
dw/dt = (w_inf - w)/tau_w
r_act = 1/(tmin_act + 1/(1/(tmax_act - tmin_act) + exp((V - V_act)/k_act)))
r_deact = 1/(tmin_deact + 1/(1/(tmax_deact - tmin_deact) + exp(-(V - V_deact)/k_deact)))
r_inact = 1/(tmin_inact + 1/(1/(tmax_inact - tmin_inact) + exp((V - V_inact)/k_inact)))
r_rec = 1/(tmin_rec + 1/(1/(tmax_rec - tmin_rec) + exp(-(V - V_rec)/k_rec)))
n_inf = 1/(1 + exp(-(V - V_n)/k_n))
w_inf = 1/(1 + exp(-(V - V_w)/k_w))
"""

#: Units of the states and parameters (time in ms): voltages and slopes k_* in mV, time constants in ms.
UNITS = {"V": "mV", "O": "1", "Ina": "1", "n": "1", "w": "1", "I": "uA/cm2", "C": "uF/cm2",
         **{g: "mS/cm2" for g in ("gL", "gNa", "gK", "gM")},
         **{e: "mV" for e in ("EL", "ENa", "EK", "V_act", "k_act", "V_deact", "k_deact", "V_inact", "k_inact",
                              "V_rec", "k_rec", "V_n", "k_n", "V_w", "k_w")},
         **{f"{b}_{r}": "ms" for b in ("tmin", "tmax") for r in ("act", "deact", "inact", "rec")},
         "tau_n": "ms", "tau_w": "ms"}

#: Parameters held fixed during the fit.
FIXED = dict(I=0.0, C=1.0, EL=-60.0, ENa=55.0, EK=-84.0, tmin_act=0.2, tmax_act=1e4, tmax_deact=1e4,
             tmax_inact=1e5, tmax_rec=1e5, k_w=5.0)

#: Fitted parameters: output of ``python scripts/fit_pyramidal.py`` (see its docstring).
FITTED = {"gNa": 1.2038001638068674, "gK": 0.5961655259306621, "gM": 0.034676794213382454,
          "gL": 0.10914012888010921, "V_act": 7.782098789193681, "k_act": 11.617380593025413,
          "tmin_deact": 0.8149352808655694, "V_deact": -7.713553783104363, "k_deact": 11.544854463069075,
          "tmin_inact": 17.2745190067021, "V_inact": 12.510043294869007, "k_inact": 10.09211231276417,
          "tmin_rec": 14.79119810733022, "V_rec": -53.07497732395859, "k_rec": 5.595706124304477,
          "V_n": 20.158353013167094, "k_n": 12.053794799059022, "tau_n": 4.3868123431475095,
          "V_w": -7.983091199520876, "tau_w": 30.34564119744524}


def pyramidal5d(**params: float) -> Model:
    """Five-variable pyramidal neuron: V, a Markov sodium channel (open O, inactivated Ina), a fast
    repolarizing potassium gate n and a slow shunting potassium gate w. Input: current ``I``.

    This is a **reconstruction**, not the published model: the equations of Chizhov, Amakhin,
    Sagtekin & Desroches, *Single-compartment model of a pyramidal neuron, fitted to recordings
    with current and conductance injection*, Biol. Cybern. 117:433-451 (2023), were not available
    to us. It is built from the components the paper describes — a Markov sodium channel with
    fast threshold-like activation, moderate deactivation and slow inactivation (rate functions in
    the style of Chizhov et al., J. Comput. Neurosci. 2014), a fast repolarizing and a slow
    shunting potassium current — and its parameters were fitted with bifur itself
    (``scripts/fit_pyramidal.py``: a seeded random search and hill climb scored on the model's own
    f-I and f-G curves computed by continuation) to the characteristics stated in the paper's
    abstract: firing starts at a SNIC; the steady rate never exceeds 30 Hz; depolarization block
    through a fold of limit cycles at u = I/G_in <= 80 mV under current injection and at
    s = G/G_in <= 3 under excitatory conductance injection (reversal 0 mV); the deepest point of
    the after-hyperpolarization lies near the middle of the interspike interval.

    Equations (see :data:`TEXT`; V in mV, t in ms, C = 1 µF/cm², currents in µA/cm², conductances
    in mS/cm², time constants in ms; see :data:`UNITS`)::

        C dV/dt = I - gL (V - EL) - gNa O (V - ENa) - gK n (V - EK) - gM w (V - EK)
        dO/dt   = r_act (1 - O - Ina) - (r_deact + r_inact) O
        dIna/dt = r_inact O - r_rec Ina
        dn/dt   = (n∞(V) - n) cosh((V - V_n)/(4 k_n)) / tau_n
        dw/dt   = (w∞(V) - w) / tau_w

    Parameters
    ----------
    **params
        Overrides of the defaults (:data:`FIXED` and :data:`FITTED`).

    Examples
    --------
    >>> m = pyramidal5d()
    >>> m.state_names
    ('V', 'O', 'Ina', 'n', 'w')
    """
    values = {**FIXED, **FITTED}
    unknown = set(params) - set(values)
    if unknown:
        from ..errors import ModelError
        raise ModelError(f"unknown parameter(s) {sorted(unknown)} of pyramidal5d")
    values.update(params)
    return Model.from_text(
        TEXT, params=values, init=dict(V=-60.0, O=0.0, Ina=0.0, n=0.0, w=0.0), name="pyramidal5d",
        time_unit="ms", voltage="V", capacitance="C", units=UNITS,
        description="five-variable pyramidal neuron (reconstruction meeting the characteristics of "
                    "Chizhov et al. 2023, fitted with bifur)",
        reference="targets from Chizhov, Amakhin, Sagtekin & Desroches (2023) Biol. Cybern. 117:433-451; "
                  "sodium kinetics in the style of Chizhov et al. (2014) J. Comput. Neurosci.")
