"""Curves of folds (LP) of equilibria in two parameters, with cusp, Bogdanov-Takens and zero-Hopf points.

Defining system: the *minimally extended* system (Govaerts, *Numerical Methods for Bifurcations
of Dynamical Equilibria*, SIAM 2000; as MatCont and BifurcationKit)

    f(x, p1, p2) = 0,   g(x, p1, p2) = 0,   [[J, b], [cᵀ, 0]] [v; g] = [0; 1],

in the n + 2 unknowns (x, p1, p2). Why this one rather than the standard extended system
(f = 0, J v = 0, <v, v0> = 1 in 2n + 2 unknowns): the system stays of the size of the model;
it is regular along the whole curve, through Bogdanov-Takens and cusp points, as long as the
bordered matrix is (b and c are refreshed to the current null vectors after every accepted
point, so it stays well conditioned); and the same bordered solves give the right and left
null vectors v and w that the codimension-two tests need. Derivatives: g_z = -wᵀ J_z v with
M^T [w; h] = [0; 1]; g_x is exact (w·B(v, e_k)), g_p a central difference of the exact f_p
along v (see :mod:`.codim2_base`).

Test functions (continuous along the curve, with v, w oriented by the borders):

* ``BT``: w·v / (|w||v|), zero where the zero eigenvalue becomes double (w ⊥ v);
* ``CP``: w·B(v, v) / (|w||v|²), zero where the quadratic coefficient of the fold vanishes;
* ``ZH``: prod_{i<j} (λi + λj) over the eigenvalues other than the zero one, zero where a
  complex pair crosses the imaginary axis (its zeros at neutral saddles are discarded).
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from ..branch import SpecialPoint
from ..codegen import CompiledModel
from .codim2_base import CurveProblem, is_complex, nearest_pair, pair_test
from .normal_forms import _orientation
from .normal_forms2 import bogdanov_takens, cusp, zero_hopf
from .problem import BorderedSolve, Discard, Point

__all__ = ["FoldCurveProblem"]


def _split_zero(ev: np.ndarray) -> tuple[complex, np.ndarray]:
    """(the eigenvalue nearest 0, the others)."""
    i = int(np.argmin(np.abs(ev)))
    return complex(ev[i]), np.delete(ev, i)


class FoldCurveProblem(CurveProblem):
    """Folds of equilibria in two parameters: z = (x, p1, p2) with f = 0 and the bordered g = 0.

    ``i1``, ``i2`` index p1 and p2 in the model's parameter vector ``p``; ``x0`` is a state near
    a fold, where the borders are first taken.

    Examples
    --------
    x' = a + b x - x³ folds at x = 1/√3, a = -2x³, b = 3x²:

    >>> import bifur
    >>> cm = bifur.Model.from_text("dx/dt = a + b*x - x**3", {"a": 0.0, "b": 1.0}, {"x": 0.0},
    ...                            time_unit="1").compile()
    >>> x = 1 / np.sqrt(3)
    >>> z = np.array([x, -2 * x ** 3, 3 * x ** 2])
    >>> problem = FoldCurveProblem(cm, 0, 1, cm.param_vector(), z[:1])
    >>> bool(np.allclose(problem.residual(z), 0.0, atol=1e-14)), problem.jacobian(z).shape
    (True, (2, 3))
    """

    event_kinds = ("BT", "CP", "ZH")

    def __init__(self, cm: CompiledModel, i1: int, i2: int, p: np.ndarray, x0: np.ndarray):
        super().__init__(cm, i1, i2, p)
        J = cm.jac(x0, self.p)
        U, _, Vt = np.linalg.svd(J)
        c = Vt[-1] * _orientation(cm, Vt[-1])
        self.b, self.c = U[:, -1].copy(), c
        self.start_at(np.concatenate([x0, self.p[[i1, i2]]]))

    def start_at(self, z: np.ndarray) -> None:
        """Borders for a start at z (both directions begin with them)."""
        self.accept(z, z)
        self._initial = (self.b.copy(), self.c.copy())

    # -- the bordered system --------------------------------------------------------------
    def null_vectors(self, J: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """(v, w, g): M [v; g] = [0; 1] and Mᵀ [w; h] = [0; 1] with M = [[J, b], [cᵀ, 0]]."""
        n = self.n
        M = np.zeros((n + 1, n + 1))
        M[:n, :n], M[:n, n], M[n, :n] = J, self.b, self.c
        lu = scipy.linalg.lu_factor(M, check_finite=False)
        e = np.zeros(n + 1)
        e[n] = 1.0
        vg = scipy.linalg.lu_solve(lu, e, check_finite=False)
        wh = scipy.linalg.lu_solve(lu, e, trans=1, check_finite=False)
        return vg[:n], wh[:n], float(vg[n])

    def residual(self, z: np.ndarray) -> np.ndarray:
        x, p = self.state(z), self.params_at(z)
        _, _, g = self.null_vectors(self.cm.jac(x, p))
        return np.append(self.cm.rhs(x, p), g)

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        x, p = self.state(z), self.params_at(z)
        J = self.cm.jac(x, p)
        v, w, _ = self.null_vectors(J)
        out = np.zeros((self.n + 1, self.n + 2))
        out[:self.n, :self.n] = J
        out[:self.n, self.n:] = self.f_p(x, p)
        out[self.n, :self.n] = -(w @ self.dJ(x, p, v))
        out[self.n, self.n:] = -(w @ self.J_p(x, p, v))
        return out

    # -- borders follow the curve -----------------------------------------------------------
    def accept(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Refresh the borders to the null vectors at the accepted point (orientation kept)."""
        v, w, _ = self.null_vectors(self.cm.jac(self.state(z), self.params_at(z)))
        self.c, self.b = v / np.linalg.norm(v), w / np.linalg.norm(w)
        return self.grow_scales(z, tangent) if self.weights(z) is not None else (z, tangent)

    def begin_direction(self, start: Point) -> Point:
        self.b, self.c = (a.copy() for a in self._initial)
        return super().begin_direction(start)

    # -- per point ------------------------------------------------------------------------
    def record(self, z: np.ndarray) -> dict:
        x, p = self.state(z), self.params_at(z)
        J = self.cm.jac(x, p)
        ev = np.linalg.eigvals(J)
        ev = ev[np.lexsort((ev.imag, -ev.real))]
        _, rest = _split_zero(ev)
        v, w, _ = self.null_vectors(J)
        nu, stable = self.stability(rest)
        return {"eigenvalues": ev, "rest": rest, "v": v, "w": w, "n_unstable": nu, "stable": stable}

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                       bordered: BorderedSolve) -> np.ndarray:
        v, w = record["v"], record["w"]
        nv, nw = float(np.linalg.norm(v)), float(np.linalg.norm(w))
        bt = float(w @ v) / (nv * nw)
        cp = float(w @ self.cm.interpreted("d2")(self.state(z), self.params_at(z), v, v)) / (nw * nv * nv)
        return np.array([bt, cp, pair_test(record["rest"])])

    def is_candidate(self, kind: str, a: dict, b: dict) -> Discard | None:
        if kind == "ZH" and not (is_complex(a["rest"]) or is_complex(b["rest"])):
            return Discard("neutral saddle (a real pair λ, -λ besides the zero eigenvalue), not a zero-Hopf point")
        return None

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | Discard:
        x, p = self.state(z), self.params_at(z)
        ev = record["eigenvalues"]
        data: dict = {"eigenvalues": ev}
        scale = max(1.0, float(np.max(np.abs(ev))))
        if kind == "BT":
            small = np.sort(np.abs(ev))[:2]
            if small[1] > 1e-5 * scale:
                return Discard(f"w·v vanishes but the Jacobian has one eigenvalue at zero only (next {small[1]:.3g})",
                               "warning")
            data.update(bogdanov_takens(self.cm, x, p))
        elif kind == "CP":
            if abs(float(record["w"] @ record["v"])) <= 1e-6 * float(np.linalg.norm(record["w"]) *
                                                                      np.linalg.norm(record["v"])):
                return Discard("the fold's quadratic coefficient vanishes at a Bogdanov-Takens point, not a cusp")
            data.update(cusp(self.cm, x, p))
        elif kind == "ZH":
            lam, mu = nearest_pair(record["rest"])
            if abs(lam.imag) <= 1e-8 * scale or abs(lam - np.conj(mu)) > 1e-6 * scale:
                return Discard("neutral saddle (a real pair λ, -λ besides the zero eigenvalue), not a zero-Hopf point")
            data.update(zero_hopf(self.cm, x, p, abs(lam.imag)))
        return self.special(kind, z, data)
