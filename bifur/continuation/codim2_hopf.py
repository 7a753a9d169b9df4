"""Curves of Hopf points of equilibria in two parameters, with BT, ZH, HH and GH (Bautin) points.

Defining system: the *minimally extended* system on the squared Jacobian (Govaerts, Guckenheimer
& Khibnik 1997; as MatCont). At a Hopf point with eigenvalues ±iω, A = J² + κI with κ = ω² has
a two-dimensional kernel, so the 2 x 2 Schur complement G of the bordered matrix

    M = [[J² + κI, W0], [V0ᵀ, 0]],   M [V; G] = [0; I₂]

vanishes. Unknowns (x, κ, p1, p2), equations f = 0 and two entries of G (those whose gradients,
restricted to the tangent space of f = 0, are best conditioned, chosen again whenever the
borders are refreshed). Why this system rather than the standard extended one (f = 0,
J q = iωq with a normalisation, 3n + 3 real unknowns) or the complex bordered one in ω: it
has n + 3 unknowns, everything is real, and it stays regular through a Bogdanov-Takens point,
where ω → 0 and the eigenvector formulations degenerate; so the BT point is located by the
sign change of κ on a regular curve (beyond it the system follows neutral saddles, which is
why the curve ends there). Derivatives: G_ij,z = -W_iᵀ (J J_z + J_z J + κ_z I) V_j with
Mᵀ[W; H] = [0; I₂]; state derivatives exact (B = D²f), parameter ones by a central
difference of the exact f_p (see :mod:`.codim2_base`).

Test functions, with ``rest`` the eigenvalues other than the critical pair ±i√κ:

* ``BT``: κ (the pair merges at 0);
* ``ZH``: prod(rest) as a product test (a real eigenvalue crosses 0);
* ``HH``: prod_{i<j} (λi + λj) over rest (a second pair crosses the imaginary axis; neutral
  saddles discarded);
* ``GH``: l1 · prod(rest): the first Lyapunov coefficient has a pole where a real eigenvalue
  crosses 0 (A⁻¹ in h11), which the product cancels, so only l1 = 0 changes its sign.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.linalg

from ..branch import SpecialPoint
from ..codegen import CompiledModel
from ..errors import Status, StatusCode
from .codim2_base import CurveProblem, is_complex, nearest_pair, pair_test
from .normal_forms import first_lyapunov, hopf_eigenvectors
from .normal_forms2 import bogdanov_takens, generalized_hopf, zero_hopf
from .problem import BorderedSolve, Discard, Point, product_test

__all__ = ["HopfCurveProblem", "split_pair"]

_ENTRIES = ((0, 0), (0, 1), (1, 0), (1, 1))


def split_pair(ev: np.ndarray, kappa: float) -> tuple[np.ndarray, np.ndarray]:
    """(the two eigenvalues nearest ±√(-κ) — ±iω at a Hopf point —, the others)."""
    t = complex(np.sqrt(complex(-kappa)))
    i = int(np.argmin(np.abs(ev - t)))
    rest = np.delete(ev, i)
    j = int(np.argmin(np.abs(rest + t)))
    return np.array([ev[i], rest[j]]), np.delete(rest, j)


def _orthonormal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.qr(np.column_stack([a, b]))[0]


class HopfCurveProblem(CurveProblem):
    """Hopf points of equilibria in two parameters: z = (x, κ, p1, p2).

    ``i1``, ``i2`` index p1 and p2 in the model's parameter vector ``p``; ``x0`` and ``omega``
    are a state and frequency near a Hopf point, where the borders are first taken.

    Examples
    --------
    x' = μx - ωy - x(x² + y²), y' = ωx + μy - y(x² + y²) has a Hopf point at μ = 0 with κ = ω²
    and l1 = -2/ω:

    >>> import bifur
    >>> text = chr(10).join(["dx/dt = mu*x - w*y - x*(x**2 + y**2)", "dy/dt = w*x + mu*y - y*(x**2 + y**2)"])
    >>> cm = bifur.Model.from_text(text, {"mu": 0.0, "w": 2.0}, {"x": 0.0, "y": 0.0}, time_unit="1").compile()
    >>> problem = HopfCurveProblem(cm, 0, 1, cm.param_vector(), np.zeros(2), 2.0)
    >>> z = np.array([0.0, 0.0, 4.0, 0.0, 2.0])
    >>> bool(np.allclose(problem.residual(z), 0.0)), round(problem.record(z)["l1"], 12)
    (True, -1.0)
    """

    event_kinds = ("BT", "ZH", "HH", "GH")
    n_extra = 1

    def __init__(self, cm: CompiledModel, i1: int, i2: int, p: np.ndarray, x0: np.ndarray, omega: float):
        super().__init__(cm, i1, i2, p)
        q, pv = hopf_eigenvectors(cm.jac(x0, self.p), omega)
        self.V0, self.W0 = _orthonormal(q.real, q.imag), _orthonormal(pv.real, pv.imag)
        self.entries = ((0, 0), (1, 1))
        self.start_at(np.concatenate([x0, [omega ** 2], self.p[[i1, i2]]]))

    def start_at(self, z: np.ndarray) -> None:
        """Borders and entries for a start at z (both directions begin with them)."""
        self.accept(z, z)
        self._initial = (self.V0.copy(), self.W0.copy(), self.entries)

    # -- the bordered system --------------------------------------------------------------
    def bordered(self, J: np.ndarray, kappa: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(V, W, G): M [V; G] = [0; I₂], Mᵀ [W; H] = [0; I₂] for M = [[J² + κI, W0], [V0ᵀ, 0]]."""
        n = self.n
        M = np.zeros((n + 2, n + 2))
        M[:n, :n] = J @ J + kappa * np.eye(n)
        M[:n, n:], M[n:, :n] = self.W0, self.V0.T
        E = np.zeros((n + 2, 2))
        E[n:] = np.eye(2)
        # np.linalg.solve: scipy's lu_solve with several right-hand sides can be slower by 1000x
        # when OpenBLAS runs threads on a busy machine
        X = np.linalg.solve(M, E)
        Y = np.linalg.solve(M.T, E)
        return X[:n], Y[:n], X[n:]

    def residual(self, z: np.ndarray) -> np.ndarray:
        x, p = self.state(z), self.params_at(z)
        _, _, G = self.bordered(self.cm.jac(x, p), float(z[self.n]))
        return np.concatenate([self.cm.rhs(x, p), [G[i, j] for i, j in self.entries]])

    def _entry_rows(self, z: np.ndarray, entries) -> np.ndarray:
        """Gradients of the entries G_ij with respect to z, one row each."""
        n, x, p = self.n, self.state(z), self.params_at(z)
        J = self.cm.jac(x, p)
        V, W, _ = self.bordered(J, float(z[n]))
        JtW = J.T @ W
        cols = {j: (self.dJ(x, p, V[:, j]), self.dJ(x, p, J @ V[:, j]), self.J_p(x, p, V[:, j]),
                    self.J_p(x, p, J @ V[:, j])) for j in {j for _, j in entries}}
        rows = np.zeros((len(entries), n + 3))
        for r, (i, j) in enumerate(entries):
            dv, djv, pv, pjv = cols[j]
            rows[r, :n] = -(JtW[:, i] @ dv + W[:, i] @ djv)
            rows[r, n] = -(W[:, i] @ V[:, j])
            rows[r, n + 1:] = -(JtW[:, i] @ pv + W[:, i] @ pjv)
        return rows

    def _f_rows(self, z: np.ndarray) -> np.ndarray:
        n, x, p = self.n, self.state(z), self.params_at(z)
        out = np.zeros((n, n + 3))
        out[:, :n] = self.cm.jac(x, p)
        out[:, n + 1:] = self.f_p(x, p)
        return out

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        return np.vstack([self._f_rows(z), self._entry_rows(z, self.entries)])

    def _choose_entries(self, z: np.ndarray) -> tuple:
        """The two entries of G whose gradients, restricted to the tangent space of f = 0, are
        best conditioned (QR with column pivoting, as MatCont)."""
        Q = np.linalg.svd(self._f_rows(z))[2][self.n:].T      # basis of the kernel of f_z
        S = self._entry_rows(z, _ENTRIES) @ Q
        piv = scipy.linalg.qr(S.T, pivoting=True, mode="r")[1]
        return tuple(_ENTRIES[k] for k in piv[:2])

    def extra_scales(self, z: np.ndarray, J: np.ndarray) -> np.ndarray:
        """κ by its value, at least 1e-3 of the largest squared eigenvalue."""
        return np.array([max(abs(float(z[self.n])), 1e-3 * float(np.max(np.abs(np.linalg.eigvals(J)))) ** 2, 1e-300)])

    # -- borders follow the curve -----------------------------------------------------------
    def accept(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Refresh the borders to orthonormal bases of the kernels at the accepted point."""
        V, W, _ = self.bordered(self.cm.jac(self.state(z), self.params_at(z)), float(z[self.n]))
        self.V0, self.W0 = np.linalg.qr(V)[0], np.linalg.qr(W)[0]
        self.entries = self._choose_entries(z)
        return self.grow_scales(z, tangent) if self.weights(z) is not None else (z, tangent)

    def begin_direction(self, start: Point) -> Point:
        V0, W0, self.entries = self._initial
        self.V0, self.W0 = V0.copy(), W0.copy()
        return super().begin_direction(start)

    # -- per point ------------------------------------------------------------------------
    def _l1(self, x: np.ndarray, p: np.ndarray, omega: float) -> float:
        if not omega > 0:
            return math.nan
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with np.errstate(all="ignore"):
                    return float(first_lyapunov(self.cm, x, p, omega)["l1"])
        except (np.linalg.LinAlgError, ValueError):
            return math.nan

    def record(self, z: np.ndarray) -> dict:
        x, p, kappa = self.state(z), self.params_at(z), float(z[self.n])
        ev = np.linalg.eigvals(self.cm.jac(x, p))
        ev = ev[np.lexsort((ev.imag, -ev.real))]
        _, rest = split_pair(ev, kappa)
        omega = math.sqrt(kappa) if kappa > 0 else math.nan
        nu, stable = self.stability(rest)
        period = 2 * math.pi / omega
        return {"eigenvalues": ev, "rest": rest, "kappa": kappa, "omega": omega, "period": period,
                "frequency_hz": 1.0 / (period * self.cm.model.seconds_per_time_unit),
                "l1": self._l1(x, p, omega), "n_unstable": nu, "stable": stable}

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                       bordered: BorderedSolve) -> np.ndarray:
        rest = record["rest"]
        zh = product_test(rest)
        return np.array([record["kappa"], zh, pair_test(rest), record["l1"] * zh])

    def is_candidate(self, kind: str, a: dict, b: dict) -> Discard | None:
        if kind == "HH" and not (is_complex(a["rest"]) or is_complex(b["rest"])):
            return Discard("neutral saddle (a real pair λ, -λ besides the Hopf pair), not a double Hopf point")
        return None

    def terminal_status(self, sp: SpecialPoint) -> Status:
        return Status(StatusCode.SUCCESS, f"the Hopf curve ends at a Bogdanov-Takens point ({self.param1}="
                      f"{sp.params[self.param1]:.10g}, {self.param_name}={sp.param:.10g}): beyond it the "
                      "defining system follows neutral saddles, which are not Hopf points")

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | Discard:
        x, p, omega = self.state(z), self.params_at(z), record["omega"]
        ev, rest = record["eigenvalues"], record["rest"]
        scale = max(1.0, float(np.max(np.abs(ev))))
        data: dict = {"eigenvalues": ev, "omega": omega, "period": record["period"],
                      "frequency_hz": record["frequency_hz"], "l1": record["l1"]}
        if kind == "BT":
            data.update(bogdanov_takens(self.cm, x, p), terminal=True, omega=0.0, period=math.inf,
                        frequency_hz=0.0, l1=math.nan)
        elif kind == "ZH":
            if float(np.min(np.abs(rest))) > 1e-6 * scale:
                return Discard("the product of the non-critical eigenvalues changed sign without one reaching zero",
                               "warning")
            data.update(zero_hopf(self.cm, x, p, omega))
        elif kind == "HH":
            lam, mu = nearest_pair(rest)
            if abs(lam.imag) <= 1e-8 * scale or abs(lam - np.conj(mu)) > 1e-6 * scale:
                return Discard("neutral saddle (a real pair λ, -λ besides the Hopf pair), not a double Hopf point")
            omegas = sorted([omega, abs(lam.imag)])
            data.update(omega1=omegas[0], omega2=omegas[1], ratio=omegas[0] / omegas[1])
        elif kind == "GH":
            nf = generalized_hopf(self.cm, x, p, omega)
            if not (math.isfinite(nf["l2"]) and abs(nf["l1"]) <= 1e-4 * (1.0 + abs(nf["l2"]))):
                return Discard(f"the GH test changed sign but l1 = {nf['l1']:.3g} does not vanish here", "warning")
            data.update(nf)
        return self.special(kind, z, data)
