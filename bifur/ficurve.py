"""The :class:`FICurve` record: a frequency-input curve and what it says about the neuron.

Plain data (read off branches by :mod:`bifur.neuro`); every answer that could not be decided
is None or NaN, with the reason in ``issues`` — never a guess.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .branch import Branch, SpecialPoint
from .model import Model
from .units import quantity_formatter

__all__ = ["FICurve", "Interval"]

Interval = tuple[float, float]


@dataclass
class FICurve:
    """A frequency-input curve.

    Attributes
    ----------
    param_name : str
        The input parameter ("I" for current, "G" for conductance).
    param : ndarray
        Input values at which the rate was evaluated.
    rate_hz : ndarray
        Stable firing rate (Hz); 0 where only rest is stable; NaN where neither a stable cycle
        nor a stable equilibrium was found, and outside the computed range. Where rest and firing
        coexist (see ``bistable``) the firing rate is given.
    branches : list of Branch
        The equilibrium branches (through the rest state first), then every cycle branch
        (stable and unstable parts).
    onset : SpecialPoint or None
        Where stable firing appears: "SNIC", "HOM", "LPC" or "H"; None when there is no
        firing, when firing already happens at the lower end of the range, or when the branch
        that would tell was cut short (see ``issues``).
    rheobase : float
        The input at the onset (NaN when the onset is not known).
    block : SpecialPoint or None
        Where stable firing ends at high input (depolarization block): "LPC" or "H"; None if
        firing persists to the end of the range, if the tonic orbit only loses stability to
        another firing pattern (at PD or NS), or if undecided (see ``issues``).
    block_input : float
        Input where firing ends at high input (``block.param`` for continuation; the last firing
        input for simulation); NaN if there is none or it is undecided.
    bistable : list of (float, float)
        Intervals where a stable rest state and stable firing coexist.
    excitability_class : int or None
        1 (onset at zero frequency), 2 (finite frequency), 3 (spikes to a step but no repetitive
        firing), None (undecided, or no spikes at all).
    method : str
        "continuation" or "simulation".
    approximate : bool
        True for the simulation method: ``rheobase`` and ``block_input`` are then the first and
        last simulated inputs with firing (no special points), and the class is read off the
        shape of the simulated curve near its onset.
    firing : list of (float, float)
        Every interval of stable tonic firing found, including negligible ones.
    negligible : list of (float, float)
        Intervals of stable firing narrower than 1e-4 of their input (e.g. a sliver of stable
        cycles between a Hopf point and a homoclinic orbit): listed, but they decide nothing.
    complete : bool
        True when every quantity above was decided from branches that ended for an understood
        reason.
    issues : list of str
        What could not be decided, why, and which setting to change.

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import morris_lecar
    >>> curve = bifur.fi_curve(morris_lecar("snic"), "I", (0.0, 60.0), at=[30.0, 50.0])
    >>> curve.onset.kind, curve.excitability_class, [round(float(r), 2) for r in curve.rate_hz]
    ('SNIC', 1, [0.0, 13.24])
    """

    model: Model
    param_name: str
    param: np.ndarray
    rate_hz: np.ndarray
    branches: list = field(default_factory=list)
    onset: SpecialPoint | None = None
    rheobase: float = math.nan
    block: SpecialPoint | None = None
    bistable: list = field(default_factory=list)
    excitability_class: int | None = None
    method: str = "continuation"
    p_range: Interval = (math.nan, math.nan)
    firing: list = field(default_factory=list)
    approximate: bool = False
    block_input: float = math.nan
    negligible: list = field(default_factory=list)
    issues: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.issues

    @property
    def equilibria(self) -> list[Branch]:
        """The equilibrium branches (the one through the rest state first)."""
        return [b for b in self.branches if b.kind == "equilibrium"]

    @property
    def cycles(self) -> list[Branch]:
        """The cycle branches."""
        return [b for b in self.branches if b.kind == "cycle"]

    def rate_at(self, value: float) -> float:
        """The rate at one of the evaluation points."""
        k = np.flatnonzero(self.param == value)
        if k.size == 0:
            raise KeyError(f"{self.param_name}={value} is not an evaluation point: pass it in at=")
        return float(self.rate_hz[k[0]])

    def summary(self) -> str:
        """One paragraph: onset, class, block, bistability, the rate range, and what is undecided."""
        approx = "≈" if self.approximate else "="
        q = quantity_formatter(self.model, self.param_name)  # numbers with the input's unit
        if self.onset is not None:
            on = f"onset {self.onset.kind} at {self.param_name}={q(self.rheobase, '.8g')}"
        elif math.isfinite(self.rheobase):
            on = f"rheobase {self.param_name}{approx}{q(self.rheobase, '.6g')}"
        elif self.firing:
            on = "onset undecided"
        else:
            on = "no repetitive firing"
        if self.block is not None:
            blk = f"depolarization block at {self.block.kind} {self.param_name}={q(self.block.param, '.8g')}"
        elif math.isfinite(self.block_input):
            blk = f"depolarization block at {self.param_name}{approx}{q(self.block_input, '.6g')}"
        else:
            blk = "block undecided" if any("block" in s for s in self.issues) else "no block in range"
        fin = self.rate_hz[np.isfinite(self.rate_hz) & (self.rate_hz > 0)]
        rates = f"rates {fin.min():.4g}-{fin.max():.4g} Hz" if fin.size else "no firing"
        bis = ", ".join(f"[{a:.6g}, {q(b, '.6g')}]" for a, b in self.bistable) or "none"
        klass = "undecided" if self.excitability_class is None else self.excitability_class
        text = (f"{self.model.name} ({self.method}): {on}; class {klass}; {blk}; {rates}; "
                f"bistable: {bis}")
        if self.issues:
            text += "; INCOMPLETE: " + " ".join(self.issues)
        return text

    def to_dataframe(self):
        import pandas as pd
        return pd.DataFrame({self.param_name: self.param, "rate_hz": self.rate_hz})

    def __repr__(self) -> str:
        return f"<FICurve {self.summary()}>"
