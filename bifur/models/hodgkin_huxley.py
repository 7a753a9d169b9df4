"""The Hodgkin-Huxley (1952) squid giant axon model."""
from __future__ import annotations

from ..model import Model

_TEXT = """
dV/dt = (I - gNa*m**3*h*(V - ENa) - gK*n**4*(V - EK) - gL*(V - EL))/C
dm/dt = phi*(alpha_m*(1 - m) - beta_m*m)
dh/dt = phi*(alpha_h*(1 - h) - beta_h*h)
dn/dt = phi*(alpha_n*(1 - n) - beta_n*n)
alpha_m = 0.1*(V + 40)/(1 - exp(-(V + 40)/10))
beta_m = 4*exp(-(V + 65)/18)
alpha_h = 0.07*exp(-(V + 65)/20)
beta_h = 1/(1 + exp(-(V + 35)/10))
alpha_n = 0.01*(V + 55)/(1 - exp(-(V + 55)/10))
beta_n = 0.125*exp(-(V + 65)/80)
"""

#: Units of the states and parameters (time in ms).
UNITS = dict(V="mV", m="1", h="1", n="1", I="uA/cm2", C="uF/cm2", gNa="mS/cm2", gK="mS/cm2", gL="mS/cm2",
             ENa="mV", EK="mV", EL="mV", phi="1")


def hodgkin_huxley() -> Model:
    """Hodgkin & Huxley (1952), J. Physiol. 117:500, in the V_rest = -65 mV convention.

    Equations (V in mV, t in ms, I in µA/cm², conductances in mS/cm², C in µF/cm²)::

        C dV/dt = I - gNa m³ h (V - ENa) - gK n⁴ (V - EK) - gL (V - EL)
        dx/dt   = phi (α_x(V)(1 - x) - β_x(V) x),   x = m, h, n
        α_m = 0.1(V+40)/(1-exp(-(V+40)/10)),  β_m = 4 exp(-(V+65)/18)
        α_h = 0.07 exp(-(V+65)/20),           β_h = 1/(1+exp(-(V+35)/10))
        α_n = 0.01(V+55)/(1-exp(-(V+55)/10)), β_n = 0.125 exp(-(V+65)/80)

    Parameters: C=1, gNa=120, gK=36, gL=0.3, ENa=50, EK=-77, EL=-54.387, phi=1
    (temperature factor, 1 at 6.3 °C), I=0. The removable singularities of α_m and
    α_n are handled exactly by code generation.

    Examples
    --------
    >>> m = hodgkin_huxley()
    >>> m.state_names, m.params["gNa"], m.units["gNa"]
    (('V', 'm', 'h', 'n'), 120.0, 'mS/cm2')
    """
    return Model.from_text(
        _TEXT,
        params=dict(I=0.0, C=1.0, gNa=120.0, gK=36.0, gL=0.3, ENa=50.0, EK=-77.0, EL=-54.387, phi=1.0),
        init=dict(V=-64.996379331, m=0.052955086813, h=0.59599412474, n=0.31773239976),
        name="hodgkin_huxley", time_unit="ms", voltage="V", capacitance="C", units=UNITS,
        description="Hodgkin-Huxley squid axon (V_rest = -65 mV convention)",
        reference="Hodgkin A.L. & Huxley A.F. (1952) J. Physiol. 117:500-544")
