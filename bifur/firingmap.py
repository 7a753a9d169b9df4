"""The :class:`FiringMap` record: where a neuron rests, fires, is bistable or in depolarization block
in the plane of two inputs, and the curves that bound those regions.

Plain data, produced by :func:`bifur.firing_map` (in :mod:`bifur.map_continuation`) and drawn
by :func:`bifur.plot.firing_map`; this module imports only records.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .model import Model

__all__ = ["FiringMap", "Boundary", "REGIONS", "BOUNDARY_KINDS"]

#: Region codes of :attr:`FiringMap.labels` (-1: undecided).
REGIONS = {0: "rest", 1: "tonic", 2: "bistable", 3: "block"}

#: Kinds of boundaries and what happens across them.
BOUNDARY_KINDS = {
    "SNIC": "saddle-node on invariant circle: rest disappears and firing starts at zero frequency",
    "HOM": "saddle homoclinic orbit: firing starts (or ends) at zero frequency, rest persists",
    "LP": "fold of the rest (or blocked) state off an invariant circle: that state disappears",
    "H": "Hopf point: the equilibrium changes stability (data 'l1' > 0 subcritical, < 0 supercritical)",
    "LPC": "fold of limit cycles: stable firing appears or disappears at a finite frequency",
}


@dataclass
class Boundary:
    """One piece of a boundary curve, of one kind.

    Attributes
    ----------
    kind : str
        "SNIC", "HOM", "LP", "H" or "LPC" (see :data:`BOUNDARY_KINDS`).
    p1, p2 : ndarray
        Points of the piece in the two inputs.
    source : str
        "continuation" (a two-parameter curve, exact to its tolerance; HOM to the fixed-period
        approximation) or "rows" (special points of the one-parameter rows joined by straight
        segments: exact on the rows, interpolated between them).
    curve : int
        Index of the curve in :attr:`FiringMap.curves` it comes from (-1 for "rows").
    data : dict
        Per-point extras, e.g. ``l1`` along a Hopf piece.
    """

    kind: str
    p1: np.ndarray
    p2: np.ndarray
    source: str = "continuation"
    curve: int = -1
    data: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(np.asarray(self.p1).size)

    def __repr__(self) -> str:
        return f"Boundary({self.kind}, {len(self)} points, {self.source})"


@dataclass
class FiringMap:
    """Regions of rest, tonic firing, bistability and depolarization block in a plane of two inputs.

    Attributes
    ----------
    model : Model
        The model analysed (with the injected conductance added when the second input asked for it).
    param1, param2 : str
        The two inputs (p1 along the rows, p2 across them).
    p1_range, p2_range : (float, float)
    rows : ndarray (R,)
        Values of p2 at which one-parameter f-I curves in p1 were computed (by continuation).
    grid1 : ndarray (M,)
        Values of p1 at which the regions are labelled on every row.
    labels : ndarray (R, M) of int
        Region codes (:data:`REGIONS`: 0 rest, 1 tonic, 2 bistable, 3 block; -1 undecided). Firing
        means a stable limit cycle; rest and block are stable equilibria below / above the
        threshold voltage ``v_threshold`` of their row.
    rate_grid1 : ndarray (K,)
        Values of p1 at which the rates were computed (each cycle converged there: exact rates).
    rates : ndarray (R, K)
        Firing rate in Hz (the fastest stable cycle), 0 at rest or block, NaN where undecided.
    v_threshold : ndarray (R,)
        Per row, the voltage at which the rest state loses stability (fold or Hopf point); stable
        equilibria above it count as depolarization block.
    boundaries : list of Boundary
        Pieces of boundary curves, labelled by kind.
    curves : list of Branch
        The two-parameter curves the boundaries come from (fold curves classified by
        :func:`bifur.classify_snic`, Hopf curves, fixed-period homoclinic curves, LPC curves).
    points : list of SpecialPoint
        Codimension-two points on those curves (BT, CP, GH, ZH, HH, SNL, ...), each with both
        inputs in ``params``.
    row_curves : list of FICurve
        The f-I curve of every row.
    issues : list of str
        What could not be decided or traced, and why.

    Examples
    --------
    >>> import numpy as np
    >>> fm = FiringMap(None, "I", "G", (0.0, 1.0), (0.0, 1.0), np.array([0.0]), np.array([0.0, 1.0]),
    ...                np.array([[0, 1]]), np.array([0.5]), np.array([[3.0]]), np.array([-50.0]))
    >>> fm.region_at(1.0, 0.0), fm.to_dataframe().shape
    ('tonic', (2, 4))
    """

    model: Model | None
    param1: str
    param2: str
    p1_range: tuple
    p2_range: tuple
    rows: np.ndarray
    grid1: np.ndarray
    labels: np.ndarray
    rate_grid1: np.ndarray
    rates: np.ndarray
    v_threshold: np.ndarray
    boundaries: list = field(default_factory=list)
    curves: list = field(default_factory=list)
    points: list = field(default_factory=list)
    row_curves: list = field(default_factory=list)
    issues: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.issues

    def region_at(self, p1: float, p2: float) -> str:
        """The label of the grid cell nearest (p1, p2) ("undecided" for -1)."""
        i = int(np.argmin(np.abs(self.rows - p2)))
        j = int(np.argmin(np.abs(self.grid1 - p1)))
        return REGIONS.get(int(self.labels[i, j]), "undecided")

    def boundaries_of(self, kind: str) -> list[Boundary]:
        return [b for b in self.boundaries if b.kind == kind]

    def crossings(self, kind: str, param: str, value: float) -> list[float]:
        """Where boundaries of ``kind`` cross the line ``param`` = value: the values of the other input
        (linear interpolation between the points of each piece), sorted.

        ``fm.crossings("LPC", "G", 0.0)`` is the block current without conductance,
        ``fm.crossings("LPC", "I", 0.0)`` the block conductance without current."""
        if param not in (self.param1, self.param2):
            raise KeyError(f"{param!r} is neither {self.param1!r} nor {self.param2!r}")
        out = []
        for b in self.boundaries_of(kind):
            a, c = (np.asarray(b.p1), np.asarray(b.p2)) if param == self.param1 else (np.asarray(b.p2),
                                                                                       np.asarray(b.p1))
            for k in range(a.size - 1):
                lo, hi = a[k] - value, a[k + 1] - value
                if lo == 0.0:
                    out.append(float(c[k]))
                elif lo * hi < 0:
                    out.append(float(c[k] + (c[k + 1] - c[k]) * (value - a[k]) / (a[k + 1] - a[k])))
            if a.size and a[-1] == value:
                out.append(float(c[-1]))
        return sorted(set(out))

    def to_dataframe(self, what: str = "regions"):
        """A pandas DataFrame: ``"regions"`` one row per grid cell (p2, p1, region, code); ``"rates"``
        one row per rate point (p2, p1, rate_hz); ``"boundaries"`` one row per boundary point
        (piece, kind, source, p1, p2); ``"points"`` one row per codimension-two point."""
        import pandas as pd
        if what == "regions":
            P2, P1 = np.meshgrid(self.rows, self.grid1, indexing="ij")
            codes = self.labels.reshape(-1)
            return pd.DataFrame({self.param2: P2.reshape(-1), self.param1: P1.reshape(-1),
                                 "region": [REGIONS.get(int(c), "undecided") for c in codes], "code": codes})
        if what == "rates":
            P2, P1 = np.meshgrid(self.rows, self.rate_grid1, indexing="ij")
            return pd.DataFrame({self.param2: P2.reshape(-1), self.param1: P1.reshape(-1),
                                 "rate_hz": self.rates.reshape(-1)})
        if what == "boundaries":
            rows = [(k, b.kind, b.source, float(x), float(y)) for k, b in enumerate(self.boundaries)
                    for x, y in zip(b.p1, b.p2)]
            return pd.DataFrame(rows, columns=["piece", "kind", "source", self.param1, self.param2])
        if what == "points":
            rows = [(sp.kind, float(sp.params.get(self.param1, math.nan)), float(sp.params.get(self.param2, math.nan)))
                    for sp in self.points]
            return pd.DataFrame(rows, columns=["kind", self.param1, self.param2])
        raise ValueError(f"what must be 'regions', 'rates', 'boundaries' or 'points', got {what!r}")

    def summary(self) -> str:
        """Which regions occur, the boundaries by kind, the codimension-two points, what is undecided."""
        present = [REGIONS[c] for c in sorted(REGIONS) if np.any(self.labels == c)]
        kinds = {}
        for b in self.boundaries:
            kinds[b.kind] = kinds.get(b.kind, 0) + 1
        pts = ", ".join(f"{sp.kind} ({sp.params.get(self.param1, math.nan):.6g}, "
                        f"{sp.params.get(self.param2, math.nan):.6g})" for sp in self.points) or "none"
        name = self.model.name if self.model is not None else "?"
        text = (f"{name} in ({self.param1}, {self.param2}): regions {', '.join(present) or 'none'}; boundaries "
                f"{', '.join(f'{k} x{n}' for k, n in kinds.items()) or 'none'}; codimension-two points: {pts}")
        if self.issues:
            text += "; INCOMPLETE: " + " ".join(self.issues)
        return text

    def __repr__(self) -> str:
        return f"<FiringMap {self.summary()}>"
