"""Where a cycle branch starts: a Hopf point, a :class:`~bifur.Cycle`, a period-doubling point (the
period-doubled branch) or a branch point of cycles (the other branch through it).

Each start returns a :class:`Start`: the mesh and reference orbit of the problem, the first
point z0 = (profile, T, p), the initial tangent (None: computed by the engine) and the
directions to follow.

* **Hopf point** (``H``): zero-amplitude cycle at the equilibrium, tangent along the critical
  eigenvector Re(q e^(2πiτ)); forward only.
* **Period doubling** (``PD``): the orbit at the PD point, run twice (doubled mesh, period 2T), is
  a branch point of the doubled problem; the period-doubled branch leaves it along the PD
  eigenfunction v (v(1) = -v(0), continued antiperiodically over the doubled period), which is
  orthogonal to the doubled branch. Forward only: the two directions give the same orbits half a
  (doubled) period apart.
* **Branch point of cycles** (``BPC``): the tangent of the other branch is the second root of the
  algebraic bifurcation equation in the two-dimensional kernel of the Jacobian (Keller's method,
  :func:`~bifur.continuation.cycle_linear.other_branch`, with the left null vector from a sparse LU
  of the Jacobian, up to :data:`DENSE_LIMIT` unknowns); otherwise, or when the
  equation has no two distinct real roots, the kernel vector orthogonal to the known branch
  (the perpendicular predictor, exact for the symmetry-breaking pitchforks of Z2-symmetric
  systems). Both directions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._mesh import Basis, adapt_mesh, evaluate, node_times, node_weights
from ..branch import SpecialPoint
from ..cycle import Cycle
from ..errors import ModelError
from .cycle_linear import other_branch

__all__ = ["Start", "DENSE_LIMIT", "from_hopf", "from_cycle", "from_period_doubling", "from_branch_point",
           "switching_data"]

#: Largest collocation system (unknowns) for which the algebraic bifurcation equation is formed
#: at a BPC (above it, the perpendicular predictor is used).
DENSE_LIMIT = 20000


@dataclass
class Start:
    """The first point of a cycle branch and how to leave it."""

    mesh: np.ndarray
    reference: np.ndarray
    z0: np.ndarray
    tangent: np.ndarray | None = None
    direction: str | None = None  # None: as in the settings
    method: str = ""


def _resample(X: np.ndarray, mesh: np.ndarray, ncol_old: int, ntst: int, ncol: int,
              extra: tuple[np.ndarray, ...] = ()) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The profile X (and profiles in ``extra`` on the same mesh) on an adapted mesh of ntst
    intervals and ncol points; unchanged when the sizes already match."""
    if ncol_old == ncol and ntst == mesh.size - 1:
        return mesh.copy(), X.copy(), [e.copy() for e in extra]
    old = Basis(ncol_old)
    new = adapt_mesh(X, mesh, old, ntst)
    tau = node_times(new, ncol)
    return new, evaluate(X, mesh, old, tau), [evaluate(e, mesh, old, tau) for e in extra]


def from_hopf(sp: SpecialPoint, basis: Basis, ntst: int) -> Start:
    """Zero-amplitude cycle at a Hopf point, tangent along the critical eigenvector."""
    if "q" not in sp.data or "omega" not in sp.data:
        raise ModelError("the Hopf point carries no eigenvector: use one from continue_equilibria")
    mesh = np.linspace(0.0, 1.0, ntst + 1)
    tau = node_times(mesh, basis.m)
    q = np.asarray(sp.data["q"])
    phi = np.real(q[None, :] * np.exp(2j * np.pi * tau)[:, None])
    w = node_weights(mesh, basis)
    phi /= math.sqrt(w @ np.sum(phi ** 2, axis=1))
    X = np.tile(sp.x, (tau.size, 1))
    T = 2 * math.pi / sp.data["omega"]
    z0 = np.concatenate([X.reshape(-1), [T, sp.param]])
    tangent = np.concatenate([phi.reshape(-1), [0.0, 0.0]])
    return Start(mesh, X + phi, z0, tangent, "forward", "hopf")


def from_cycle(cycle: Cycle, basis: Basis, ntst: int | None, param: str) -> Start:
    """A converged cycle (re-meshed when ntst or ncol differ)."""
    mesh, X, _ = _resample(cycle.profile, cycle.mesh, cycle.ncol, ntst or cycle.mesh.size - 1, basis.m)
    return Start(mesh, X, np.concatenate([X.reshape(-1), [cycle.period, cycle.params[param]]]))


def switching_data(kind: str, X: np.ndarray, mesh: np.ndarray, ncol: int, **vectors: np.ndarray) -> dict:
    """What a PD or BPC special point carries for branch switching (arrays survive save/load)."""
    return {"profile": X.copy(), "mesh": mesh.copy(), "ncol": int(ncol), "switch": kind,
            **{k: np.array(v, dtype=float) for k, v in vectors.items()}}


def _need(sp: SpecialPoint, keys: tuple[str, ...]) -> None:
    missing = [k for k in keys if k not in sp.data]
    if missing:
        raise ModelError(f"this {sp.kind} point carries no {', '.join(missing)}: use one located by continue_cycles")


def from_period_doubling(sp: SpecialPoint, basis: Basis, ntst: int | None) -> Start:
    """The doubled orbit at a PD point, left along the antiperiodic PD eigenfunction."""
    _need(sp, ("profile", "mesh", "ncol", "eigenfunction", "period"))
    X, V = np.asarray(sp.data["profile"], float), np.asarray(sp.data["eigenfunction"], float)
    mesh = np.asarray(sp.data["mesh"], float)
    mesh2 = np.concatenate([0.5 * mesh, 0.5 + 0.5 * mesh[1:]])
    X2, V2 = np.vstack([X, X[1:]]), np.vstack([V, -V[1:]])
    mesh2, X2, (V2,) = _resample(X2, mesh2, int(sp.data["ncol"]), ntst or mesh2.size - 1, basis.m, (V2,))
    z0 = np.concatenate([X2.reshape(-1), [2.0 * float(sp.data["period"]), sp.param]])
    tangent = np.concatenate([V2.reshape(-1), [0.0, 0.0]])
    return Start(mesh2, X2, z0, tangent, "forward", "period doubling: doubled orbit along the PD eigenfunction")


def from_branch_point(sp: SpecialPoint, basis: Basis, ntst: int | None, problem_at) -> Start:
    """The point of a BPC and the tangent of the other branch through it.

    ``problem_at(mesh, reference)`` makes the collocation problem on a mesh (for the dense
    Jacobian of the algebraic bifurcation equation)."""
    _need(sp, ("profile", "mesh", "ncol", "tangent", "kernel", "period"))
    X, mesh = np.asarray(sp.data["profile"], float), np.asarray(sp.data["mesh"], float)
    tau, kern = np.asarray(sp.data["tangent"], float), np.asarray(sp.data["kernel"], float)
    n = X.shape[1]
    ntst = ntst or mesh.size - 1
    P_old = X.shape[0]
    Tv = tau[:P_old * n].reshape(P_old, n)
    Kv = kern[:P_old * n].reshape(P_old, n)
    new_mesh, X2, (T2, K2) = _resample(X, mesh, int(sp.data["ncol"]), ntst, basis.m, (Tv, Kv))
    z0 = np.concatenate([X2.reshape(-1), [float(sp.data["period"]), sp.param]])
    tau2 = np.concatenate([T2.reshape(-1), tau[P_old * n:]])
    kern2 = np.concatenate([K2.reshape(-1), kern[P_old * n:]])
    other, method = kern2, "perpendicular: kernel vector orthogonal to the branch (inverse iteration)"
    if z0.size <= DENSE_LIMIT:
        root = other_branch(problem_at(new_mesh, X2), z0, tau2, kern2)
        if root is not None:
            other, method = root, "algebraic bifurcation equation"
    return Start(new_mesh, X2, z0, other, "both", method)
