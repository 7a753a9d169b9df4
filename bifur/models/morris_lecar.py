"""The Morris-Lecar model with the parameter sets of Rinzel & Ermentrout."""
from __future__ import annotations

from ..errors import ModelError
from ..model import Model

_TEXT = """
dV/dt = (I - gL*(V - EL) - gCa*m_inf*(V - ECa) - gK*w*(V - EK))/C
dw/dt = phi*cosh((V - V3)/(2*V4))*(w_inf - w)
m_inf = 0.5*(1 + tanh((V - V1)/V2))
w_inf = 0.5*(1 + tanh((V - V3)/V4))
"""

_COMMON = dict(C=20.0, gL=2.0, gK=8.0, EL=-60.0, EK=-84.0, ECa=120.0, V1=-1.2, V2=18.0)
_VARIANTS = {
    "hopf": dict(gCa=4.4, V3=2.0, V4=30.0, phi=0.04),
    "snic": dict(gCa=4.0, V3=12.0, V4=17.4, phi=1.0 / 15.0),
    "homoclinic": dict(gCa=4.0, V3=12.0, V4=17.4, phi=0.23),
}

#: Units of the states and parameters (time in ms).
UNITS = dict(V="mV", w="1", I="uA/cm2", C="uF/cm2", gL="mS/cm2", gK="mS/cm2", gCa="mS/cm2", EL="mV", EK="mV",
             ECa="mV", V1="mV", V2="mV", V3="mV", V4="mV", phi="1/ms")


def morris_lecar(variant: str = "snic") -> Model:
    """Morris & Lecar (1981) barnacle muscle fibre model, Rinzel & Ermentrout (1998) parameters.

    Equations (V, EL, EK, ECa, V1-V4 in mV, t in ms, I in µA/cm², C = 20 µF/cm², conductances in
    mS/cm², phi in 1/ms; see :data:`UNITS`)::

        C dV/dt = I - gL (V - EL) - gCa m∞(V) (V - ECa) - gK w (V - EK)
        dw/dt   = phi cosh((V - V3)/(2 V4)) (w∞(V) - w)
        m∞ = (1 + tanh((V - V1)/V2))/2,   w∞ = (1 + tanh((V - V3)/V4))/2

    Common: C=20, gL=2, gK=8, EL=-60, EK=-84, ECa=120, V1=-1.2, V2=18.

    * ``"hopf"`` (class 2): gCa=4.4, V3=2, V4=30, phi=0.04;
    * ``"snic"`` (class 1, saddle-node on invariant circle): gCa=4, V3=12, V4=17.4, phi=1/15;
    * ``"homoclinic"``: as "snic" with phi=0.23 (saddle homoclinic onset, bistability).

    Reference: Rinzel J. & Ermentrout G.B. (1998) Analysis of neural excitability and
    oscillations, in Methods in Neuronal Modeling, 2nd ed., MIT Press.

    Examples
    --------
    >>> morris_lecar("hopf").params["gCa"]
    4.4
    """
    if variant not in _VARIANTS:
        raise ModelError(f"variant must be one of {sorted(_VARIANTS)}, got {variant!r}")
    params = dict(I=0.0, **_COMMON, **_VARIANTS[variant])
    return Model.from_text(
        _TEXT, params=params, init=dict(V=-60.0, w=0.0), name=f"morris_lecar_{variant}",
        time_unit="ms", voltage="V", capacitance="C", units=UNITS,
        description=f"Morris-Lecar, Rinzel & Ermentrout '{variant}' parameter set",
        reference="Morris & Lecar (1981) Biophys. J. 35:193; Rinzel & Ermentrout (1998)")
