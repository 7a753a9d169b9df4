"""Normal-form coefficients of codimension-one bifurcations of equilibria (Kuznetsov's formulas).

All formulas use the exact multilinear forms B = D²f and C = D³f generated symbolically
(:meth:`bifur.codegen.CompiledModel.d2` / ``d3``), evaluated on complex vectors by
expanding them into real and imaginary parts.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.linalg

from ..codegen import CompiledModel

__all__ = ["bilinear", "trilinear", "fold_coefficients", "first_lyapunov", "hopf_eigenvectors", "criticality"]


def bilinear(cm: CompiledModel, x: np.ndarray, p: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """B(u, v) = D²f(x)[u, v] for real or complex u, v."""
    ur, ui, vr, vi = u.real.copy(), u.imag.copy(), v.real.copy(), v.imag.copy()
    out = cm.interpreted("d2")(x, p, ur, vr).astype(complex)
    if np.any(ui) and np.any(vi):
        out -= cm.interpreted("d2")(x, p, ui, vi)
    if np.any(vi):
        out += 1j * cm.interpreted("d2")(x, p, ur, vi)
    if np.any(ui):
        out += 1j * cm.interpreted("d2")(x, p, ui, vr)
    return out


def trilinear(cm: CompiledModel, x: np.ndarray, p: np.ndarray, u: np.ndarray, v: np.ndarray,
              w: np.ndarray) -> np.ndarray:
    """C(u, v, w) = D³f(x)[u, v, w] for real or complex u, v, w."""
    out = np.zeros(x.size, dtype=complex)
    parts = [(u.real, u.imag), (v.real, v.imag), (w.real, w.imag)]
    for a in range(2):
        for b in range(2):
            for c in range(2):
                ua, vb, wc = parts[0][a], parts[1][b], parts[2][c]
                if not (np.any(ua) and np.any(vb) and np.any(wc)):
                    continue
                coef = 1j ** (a + b + c)
                out += coef * cm.interpreted("d3")(x, p, ua.copy(), vb.copy(), wc.copy())
    return out


def _null_vector(A: np.ndarray) -> np.ndarray:
    """Unit vector spanning the (numerical) null space of a square matrix (smallest singular value)."""
    _, _, vh = np.linalg.svd(A)
    v = vh[-1].conj()
    return v / np.linalg.norm(v)


def _orientation(cm: CompiledModel, q: np.ndarray) -> float:
    """+1 or -1 making the voltage component of q positive (else its largest component)."""
    model = cm.model
    k = int(np.argmax(np.abs(q)))
    if model.voltage is not None:
        iv = model.state_names.index(model.voltage)
        if abs(q[iv]) > 1e-8 * abs(q[k]):
            k = iv
    return 1.0 if q[k] >= 0 else -1.0


def fold_coefficients(cm: CompiledModel, x: np.ndarray, p: np.ndarray, ip: int) -> dict:
    """Null vectors and normal-form coefficients at a fold (saddle-node) x' = f(x, p).

    With J q = 0, J^T w = 0, |q| = 1, <w, q> = 1, the restriction to the centre manifold
    is  ξ' = b (p - p*) + a ξ² + ...  with a = <w, B(q, q)>/2 and b = <w, f_p>.

    Sign convention: q points towards increasing voltage (its component along the model's
    voltage state is positive; for models without a declared voltage, its largest component
    is positive). Reversing q reverses w, a and b, so without a convention their signs would
    be arbitrary.

    Returns a dict with ``a``, ``b``, ``q``, ``w`` (left null vector) and ``eigenvalues``.
    """
    J = cm.jac(x, p)
    q = np.real(_null_vector(J))
    q /= np.linalg.norm(q)
    q *= _orientation(cm, q)
    w = np.real(_null_vector(J.T))
    w /= w @ q
    a = 0.5 * float(w @ cm.interpreted("d2")(x, p, q, q))
    b = float(w @ cm.dfdp(x, p)[:, ip])
    return {"a": a, "b": b, "q": q, "w": w}


def hopf_eigenvectors(J: np.ndarray, omega: float) -> tuple[np.ndarray, np.ndarray]:
    """q with J q = iω q, |q| = 1, and p with J^T p = -iω p, <p, q> = p̄·q = 1."""
    n = J.shape[0]
    q = _null_vector(J - 1j * omega * np.eye(n))
    pv = _null_vector(J.T + 1j * omega * np.eye(n))
    pv = pv / np.conj(np.vdot(pv, q))
    return q, pv


def first_lyapunov(cm: CompiledModel, x: np.ndarray, p: np.ndarray, omega: float) -> dict:
    """First Lyapunov coefficient at a Hopf point (Kuznetsov, Elements of Applied Bifurcation Theory).

    l1 = Re[<p, C(q,q,q̄)> - 2<p, B(q, A⁻¹B(q,q̄))> + <p, B(q̄, (2iωI - A)⁻¹B(q,q))>] / (2ω)

    with A q = iωq, Aᵀp = -iωp, <q, q> = 1 and <p, q> = 1 (<u, v> = ū·v), in the model's own
    coordinates. l1 < 0: supercritical (stable cycles born); l1 > 0: subcritical.
    For x' = μx - ωy + σx(x²+y²), y' = ωx + μy + σy(x²+y²) this normalisation gives l1 = 2σ/ω.
    """
    A = cm.jac(x, p)
    n = A.shape[0]
    q, pv = hopf_eigenvectors(A, omega)
    qb = q.conj()
    h11 = scipy.linalg.solve(A, bilinear(cm, x, p, q, qb).real)
    h20 = scipy.linalg.solve(2j * omega * np.eye(n) - A, bilinear(cm, x, p, q, q))
    g21 = (np.vdot(pv, trilinear(cm, x, p, q, q, qb))
           - 2.0 * np.vdot(pv, bilinear(cm, x, p, q, h11.astype(complex)))
           + np.vdot(pv, bilinear(cm, x, p, qb, h20)))
    l1 = float(g21.real / (2.0 * omega))
    return {"l1": l1, "q": q, "p": pv, "g21": complex(g21)}


def criticality(l1: float) -> str:
    """"subcritical" (l1 > 0), "supercritical" (l1 < 0) or "degenerate" (l1 = 0 or NaN)."""
    if not math.isfinite(l1) or l1 == 0.0:
        return "degenerate"
    return "subcritical" if l1 > 0 else "supercritical"
