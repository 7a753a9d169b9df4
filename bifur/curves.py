"""Records of two-parameter continuation: curves of codimension-one bifurcation points.

A :class:`BifurcationCurve` is a :class:`~bifur.branch.Branch` whose points are bifurcation
points (folds, Hopf points of equilibria; folds, period doublings, tori of limit cycles) followed
in two parameters p1 and p2, as returned by :func:`bifur.continue_bifurcation`. It is plain data
like every branch (this module imports only :mod:`bifur.branch`, and the :class:`~bifur.Cycle`
record when an orbit is asked for), saved and loaded losslessly by :meth:`~bifur.Branch.save` and
:func:`bifur.load_branch`.
"""
from __future__ import annotations

import math

import numpy as np

from .branch import Branch, SpecialPoint, register_branch_class

__all__ = ["BifurcationCurve", "CURVE_KINDS"]

#: Kinds of curves and what their points are.
CURVE_KINDS = {"LP": "folds (saddle-nodes) of equilibria", "H": "Hopf points of equilibria",
               "LPC": "folds of limit cycles", "PD": "period doublings of limit cycles",
               "NS": "torus (Neimark-Sacker) bifurcations of limit cycles"}


class BifurcationCurve(Branch):
    """A curve of codimension-one bifurcation points in two parameters (kind ``"curve"``).

    The curve is continued in the second parameter p2 (:attr:`param_name`, bounded by the
    ``p_range`` given to :func:`bifur.continue_bifurcation`); the first parameter p1 (the one
    the starting point was found in) varies along it too, and its values are per-point data.
    ``branch[name]`` reads either parameter, a state or an array.

    Attributes (besides those of :class:`~bifur.Branch`)
    ------------------------------------------------------
    curve_kind : str
        "LP" (folds of equilibria), "H" (Hopf points), "LPC", "PD" or "NS" (folds, period
        doublings, tori of cycles); see :data:`CURVE_KINDS`.
    param_names : (str, str)
        (p1, p2).
    p1, p2 : ndarray (N,)
        The parameters at each point (``p2`` is :attr:`param`).
    eigenvalues : ndarray (N, n), complex
        Curves of equilibria: eigenvalues of the Jacobian, by decreasing real part.
    n_unstable : ndarray (N,) of int
        Number of eigenvalues with positive real part (of multipliers outside the unit circle)
        other than the critical ones (the zero eigenvalue of a fold, the pair ±iω of a Hopf
        point; the trivial multiplier and the critical 1, -1 or e^{±iθ} of a cycle).
    stable : ndarray (N,) of bool
        Whether all the other eigenvalues have negative real parts (multipliers are inside the
        unit circle): a fold of a stable node with a saddle, a Hopf point of a stable focus, a
        fold of a stable cycle with an unstable one.
    omega, period, frequency_hz, l1 : ndarray (N,)
        Hopf curves: angular frequency of the critical pair, 2π/ω, 1/period in Hz, first
        Lyapunov coefficient (> 0 subcritical). Cycle curves: ``period`` and ``frequency_hz`` of
        the cycle. NaN where the kind has no such value.
    multipliers : ndarray (N, n), complex
        Cycle curves: Floquet multipliers by decreasing modulus.
    amplitude : ndarray (N,)
        Cycle curves: L2 amplitude of the orbit (0 at a terminal zero-amplitude point).
    orbit(i)
        Cycle curves: the periodic orbit at point i, as a :class:`bifur.Cycle` (both parameters
        set); ``branch["theta"]`` on NS curves (the angle of the pair e^{±iθ}), ``branch["pd_c"]``
        on PD curves (the normal-form coefficient c), ``branch["cpc"]`` on LPC curves (the cusp
        test).
    special_points : list of SpecialPoint
        Codimension-two points, labelled as in MatCont/AUTO: "CP" (cusp), "BT"
        (Bogdanov-Takens), "ZH" (zero-Hopf), "GH" (generalized Hopf / Bautin), "HH" (double
        Hopf); on cycle curves "CPC" (cusp of cycles), "R1"-"R4" (strong resonances), "GPD"
        (generalized period doubling), "LPPD", "LPNS", "PDNS" (fold-flip, fold-torus,
        flip-torus), and at an end where the cycles shrink into an equilibrium "GH", "ZH" or "HH". ``sp.param`` is p2, ``sp.params`` holds both parameters, ``sp.data`` the
        normal-form coefficients (see :func:`bifur.continue_bifurcation`).

    Examples
    --------
    >>> import bifur
    >>> m = bifur.Model.from_text("dx/dt = a + b*x - x**3", {"a": 0.0, "b": 1.0}, {"x": 0.6}, time_unit="1")
    >>> lp = bifur.continue_equilibria(m, "a", (-1.0, 1.0)).special("LP")[0]
    >>> curve = bifur.continue_bifurcation(m, lp, "b", (-1.0, 1.0))
    >>> type(curve).__name__, curve.curve_kind, curve.param_names
    ('BifurcationCurve', 'LP', ('a', 'b'))
    >>> bool(np.allclose(27 * curve["a"] ** 2, 4 * curve["b"] ** 3, atol=1e-10))
    True
    """

    @property
    def curve_kind(self) -> str:
        return str(self.meta.get("curve", ""))

    @property
    def param_names(self) -> tuple[str, str]:
        return str(self.meta.get("param1", "")), self.param_name

    @property
    def p1(self) -> np.ndarray:
        return self.arrays["param1"]

    @property
    def p2(self) -> np.ndarray:
        return self.param

    def __getitem__(self, name: str) -> np.ndarray:
        if name == self.meta.get("param1"):
            return self.p1
        return super().__getitem__(name)

    def _optional(self, name: str) -> np.ndarray:
        return self.arrays.get(name, np.full(len(self), math.nan))

    @property
    def eigenvalues(self) -> np.ndarray:
        return self.arrays["eigenvalues"] if "eigenvalues" in self.arrays else np.zeros((len(self), 0), complex)

    @property
    def multipliers(self) -> np.ndarray:
        return self.arrays["multipliers"] if "multipliers" in self.arrays else np.zeros((len(self), 0), complex)

    amplitude = property(lambda self: self._optional("amplitude"), doc="Cycle curves: L2 amplitude of the orbit.")

    def orbit(self, i: int):
        """The periodic orbit at point ``i`` of a curve of cycle bifurcations, as a :class:`bifur.Cycle`."""
        if "profiles" not in self.arrays:
            raise KeyError(f"a {self.curve_kind} curve has no orbits (only curves of cycle bifurcations do)")
        from .cycle import Cycle
        p1, p2 = self.param_names
        i = int(i)
        params = {**self.params, p1: float(self.p1[i]), p2: float(self.p2[i])}
        mu = self.multipliers[i]
        return Cycle(self.model, params, float(self.arrays["period"][i]), self.arrays["meshes"][i].copy(),
                     self.arrays["profiles"][i].copy(), int(self.meta.get("ncol", 4)), mu,
                     float(self._optional("precision")[i]), bool(self.stable[i]))

    @property
    def n_unstable(self) -> np.ndarray:
        return self.arrays["n_unstable"]

    omega = property(lambda self: self._optional("omega"), doc="H: angular frequency of the critical pair.")
    period = property(lambda self: self._optional("period"), doc="H: 2π/ω in the model's time unit.")
    frequency_hz = property(lambda self: self._optional("frequency_hz"), doc="H: 1/period in Hz.")
    l1 = property(lambda self: self._optional("l1"), doc="H: first Lyapunov coefficient.")

    def parameters_of(self, sp: SpecialPoint) -> tuple[float, float]:
        """(p1, p2) at a special point of this curve."""
        p1, p2 = self.param_names
        return float(sp.params.get(p1, math.nan)), float(sp.param)

    def to_dataframe(self):
        """A pandas DataFrame with one row per point; p1 is a column under its own name."""
        df = super().to_dataframe()
        p1 = self.param_names[0]
        if p1 and p1 not in df.columns:
            df = df.rename(columns={"param1": p1})
            cols = list(df.columns)
            cols.insert(0, cols.pop(cols.index(p1)))
            df = df[cols]
        return df

    def __repr__(self) -> str:
        p1, p2 = self.param_names
        sps = ", ".join(f"{sp.kind}@({self.parameters_of(sp)[0]:.6g}, {sp.param:.6g})" for sp in self.special_points)
        rng = (lambda a: f"[{a.min():.6g}, {a.max():.6g}]" if a.size else "[]")
        return (f"<BifurcationCurve {self.curve_kind} in ({p1}, {p2}): {len(self)} points, {p1} in {rng(self.p1)}, "
                f"{p2} in {rng(self.p2)}, special points [{sps}]; status: {self.status.message}>")


register_branch_class("curve", BifurcationCurve)
