"""The Wang-Buzsaki (1996) fast-spiking interneuron model."""
from __future__ import annotations

from ..model import Model

_TEXT = """
dV/dt = (I - gNa*m_inf**3*h*(V - ENa) - gK*n**4*(V - EK) - gL*(V - EL))/C
dh/dt = phi*(alpha_h*(1 - h) - beta_h*h)
dn/dt = phi*(alpha_n*(1 - n) - beta_n*n)
m_inf = alpha_m/(alpha_m + beta_m)
alpha_m = 0.1*(V + 35)/(1 - exp(-(V + 35)/10))
beta_m = 4*exp(-(V + 60)/18)
alpha_h = 0.07*exp(-(V + 58)/20)
beta_h = 1/(exp(-(V + 28)/10) + 1)
alpha_n = 0.01*(V + 34)/(1 - exp(-(V + 34)/10))
beta_n = 0.125*exp(-(V + 44)/80)
"""

#: Units of the states and parameters (time in ms).
UNITS = dict(V="mV", h="1", n="1", I="uA/cm2", C="uF/cm2", gNa="mS/cm2", gK="mS/cm2", gL="mS/cm2", ENa="mV",
             EK="mV", EL="mV", phi="1")


def wang_buzsaki() -> Model:
    """Wang & Buzsáki (1996), J. Neurosci. 16:6402, hippocampal interneuron.

    Equations (V in mV, t in ms, I in µA/cm², conductances in mS/cm², C in µF/cm², phi
    dimensionless; m is instantaneous)::

        C dV/dt = I - gNa m∞³ h (V - ENa) - gK n⁴ (V - EK) - gL (V - EL)
        dh/dt = phi (α_h (1 - h) - β_h h),  dn/dt = phi (α_n (1 - n) - β_n n)
        m∞ = α_m/(α_m + β_m),  α_m = 0.1(V+35)/(1-exp(-(V+35)/10)),  β_m = 4 exp(-(V+60)/18)
        α_h = 0.07 exp(-(V+58)/20),  β_h = 1/(exp(-(V+28)/10) + 1)
        α_n = 0.01(V+34)/(1-exp(-(V+34)/10)),  β_n = 0.125 exp(-(V+44)/80)

    Parameters: C=1, gNa=35, gK=9, gL=0.1, ENa=55, EK=-90, EL=-65, phi=5, I=0.

    Examples
    --------
    >>> wang_buzsaki().state_names
    ('V', 'h', 'n')
    """
    return Model.from_text(
        _TEXT,
        params=dict(I=0.0, C=1.0, gNa=35.0, gK=9.0, gL=0.1, ENa=55.0, EK=-90.0, EL=-65.0, phi=5.0),
        init=dict(V=-64.0, h=0.78, n=0.09), name="wang_buzsaki", time_unit="ms", voltage="V",
        capacitance="C", units=UNITS, description="Wang-Buzsaki fast-spiking interneuron",
        reference="Wang X.-J. & Buzsaki G. (1996) J. Neurosci. 16:6402-6413")
