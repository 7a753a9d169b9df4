"""The FitzHugh-Nagumo model."""
from __future__ import annotations

from ..model import Model


def fitzhugh_nagumo() -> Model:
    """FitzHugh (1961) / Nagumo et al. (1962), dimensionless.

    Equations::

        dv/dt = v - v³/3 - w + I
        dw/dt = eps (v + a - b w)

    Parameters: a=0.7, b=0.8, eps=0.08, I=0 (FitzHugh's values).

    Examples
    --------
    >>> fitzhugh_nagumo().params["eps"]
    0.08
    """
    return Model.from_text(
        "dv/dt = v - v**3/3 - w + I\ndw/dt = eps*(v + a - b*w)",
        params=dict(I=0.0, a=0.7, b=0.8, eps=0.08), init=dict(v=-1.199, w=-0.624),
        name="fitzhugh_nagumo", time_unit="1", voltage="v",
        units={k: "1" for k in ("v", "w", "I", "a", "b", "eps")},
        description="FitzHugh-Nagumo relaxation oscillator (dimensionless)",
        reference="FitzHugh R. (1961) Biophys. J. 1:445-466")
