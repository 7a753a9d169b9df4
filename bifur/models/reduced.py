"""Reduced spiking models with a reset: Izhikevich (2003), quadratic integrate-and-fire, AdEx."""
from __future__ import annotations

from ..errors import ModelError
from ..model import Model, Reset

#: (a, b, c, d) of the cell types in Izhikevich (2003), IEEE Trans. Neural Netw. 14:1569, Fig. 2.
IZHIKEVICH_CELLS: dict[str, tuple[float, float, float, float]] = {
    "RS": (0.02, 0.2, -65.0, 8.0),
    "IB": (0.02, 0.2, -55.0, 4.0),
    "CH": (0.02, 0.2, -50.0, 2.0),
    "FS": (0.1, 0.2, -65.0, 2.0),
    "LTS": (0.02, 0.25, -65.0, 2.0),
    "TC": (0.02, 0.25, -65.0, 0.05),
    "RZ": (0.1, 0.26, -65.0, 2.0),
}


def izhikevich(cell: str = "RS") -> Model:
    """Izhikevich's simple model (2003) with the parameters of a named cell type.

    Equations (v, c and v_peak in mV, t in ms; u, I, a, b, d without declared units, as in the
    paper)::

        dv/dt = 0.04 v² + 5 v + 140 - u + I
        du/dt = a (b v - u)
        if v >= v_peak (30 mV): v <- c, u <- u + d

    Cell types (a, b, c, d): RS (0.02, 0.2, -65, 8), IB (0.02, 0.2, -55, 4),
    CH (0.02, 0.2, -50, 2), FS (0.1, 0.2, -65, 2), LTS (0.02, 0.25, -65, 2),
    TC (0.02, 0.25, -65, 0.05), RZ (0.1, 0.26, -65, 2).

    Reference: Izhikevich E.M. (2003) Simple model of spiking neurons,
    IEEE Trans. Neural Netw. 14:1569-1572.

    Examples
    --------
    >>> izhikevich("CH").params["c"]
    -50.0
    """
    if cell not in IZHIKEVICH_CELLS:
        raise ModelError(f"cell must be one of {sorted(IZHIKEVICH_CELLS)}, got {cell!r}")
    a, b, c, d = IZHIKEVICH_CELLS[cell]
    return Model.from_text(
        "dv/dt = 0.04*v**2 + 5*v + 140 - u + I\ndu/dt = a*(b*v - u)",
        params=dict(I=0.0, a=a, b=b, c=c, d=d, v_peak=30.0), init=dict(v=-65.0, u=b * -65.0),
        reset=Reset("v >= v_peak", {"v": "c", "u": "u + d"}), name=f"izhikevich_{cell}",
        time_unit="ms", voltage="v", units=dict(v="mV", c="mV", v_peak="mV"), description=f"Izhikevich simple model, {cell} cell",
        reference="Izhikevich E.M. (2003) IEEE Trans. Neural Netw. 14:1569-1572")


def qif() -> Model:
    """Quadratic integrate-and-fire neuron (canonical type-1 model), dimensionless.

    Equations::

        dv/dt = v² + I,   if v >= v_peak: v <- v_reset

    Parameters: I=1, v_peak=100, v_reset=-100. For I > 0 the inter-spike interval is
    T = [atan(v_peak/√I) - atan(v_reset/√I)]/√I.

    Examples
    --------
    >>> qif().reset.describe()
    'when v >= v_peak: v <- v_reset'
    """
    return Model.from_text(
        "dv/dt = v**2 + I", params=dict(I=1.0, v_peak=100.0, v_reset=-100.0), init=dict(v=-100.0),
        reset=Reset("v >= v_peak", {"v": "v_reset"}), name="qif", time_unit="1", voltage="v",
        units=dict(v="1", I="1", v_peak="1", v_reset="1"),
        description="quadratic integrate-and-fire", reference="Ermentrout & Kopell (1986); Latham et al. (2000)")


def adex() -> Model:
    """Adaptive exponential integrate-and-fire neuron, Brette & Gerstner (2005) standard parameters.

    Equations (V in mV, t in ms, C in pF, conductances in nS, currents in pA)::

        C dV/dt   = -gL (V - EL) + gL DeltaT exp((V - VT)/DeltaT) - w + I
        tau_w dw/dt = a (V - EL) - w
        if V >= V_peak: V <- V_r, w <- w + b

    Parameters: C=281, gL=30, EL=-70.6, VT=-50.4, DeltaT=2, tau_w=144, a=4, b=80.5,
    V_r=EL=-70.6, I=0, and the spike cut-off V_peak=0 mV. Above VT + 5 DeltaT the voltage
    explodes like exp((V - VT)/DeltaT): from 0 mV to the paper's 20 mV takes C/gL e^-25 ≈ 1e-10 ms,
    so the cut-off changes spike times by less than that, while at 20 mV the flight (and its
    variational equation, used by the reset map) is not resolvable in double precision.

    Reference: Brette R. & Gerstner W. (2005) J. Neurophysiol. 94:3637-3642.

    Examples
    --------
    >>> adex().params["tau_w"]
    144.0
    """
    return Model.from_text(
        "dV/dt = (-gL*(V - EL) + gL*DeltaT*exp((V - VT)/DeltaT) - w + I)/C\n"
        "dw/dt = (a*(V - EL) - w)/tau_w",
        params=dict(I=0.0, C=281.0, gL=30.0, EL=-70.6, VT=-50.4, DeltaT=2.0, tau_w=144.0, a=4.0,
                    b=80.5, V_r=-70.6, V_peak=0.0),
        init=dict(V=-70.6, w=0.0), reset=Reset("V >= V_peak", {"V": "V_r", "w": "w + b"}),
        name="adex", time_unit="ms", voltage="V", capacitance="C",
        units=dict(V="mV", w="pA", I="pA", C="pF", gL="nS", a="nS", b="pA", tau_w="ms",
                   **{v: "mV" for v in ("EL", "VT", "DeltaT", "V_r", "V_peak")}),
        description="adaptive exponential integrate-and-fire (Brette & Gerstner 2005)",
        reference="Brette R. & Gerstner W. (2005) J. Neurophysiol. 94:3637-3642")
