"""Normal-form coefficients of codimension-two bifurcations of equilibria (Kuznetsov's method).

Each coefficient is a projection, onto the critical eigenspace, of the Taylor coefficients of
the centre manifold found by solving the homological equation order by order (Kuznetsov,
*Elements of Applied Bifurcation Theory*, 3rd ed., ch. 8; Kuznetsov 1999, SIAM J. Numer.
Anal. 36:1104). Multilinear forms: B = D²f and C = D³f are the exact symbolic forms of
:class:`~bifur.codegen.CompiledModel`; D = D⁴f and E = D⁵f, needed only by the second Lyapunov
coefficient, are central differences of C (first and mixed second differences, steps
ε^(1/3) and ε^(1/4) relative to the state: exact for polynomial right-hand sides of degree
≤ 5, relative error about 1e-8 otherwise).

Normalisations (those of MatCont; <u, v> = ūᵀv):

* cusp ``CP``: A q = 0, Aᵀp = 0, |q| = 1, <p, q> = 1; ξ' = β1 + β2 ξ + c ξ³ + ...;
* Bogdanov-Takens ``BT``: A q0 = 0, A q1 = q0, Aᵀp1 = 0, Aᵀp0 = p1, |q0| = 1, <q0, q1> = 0,
  <p0, q0> = <p1, q1> = 1, <p0, q1> = 0; w0' = w1, w1' = a w0² + b w0 w1 + ...;
* zero-Hopf ``ZH``: A q0 = 0, A q1 = iω q1, |q0| = |q1| = 1, <p0, q0> = <p1, q1> = 1;
  ξ' = b ξ² + c |ζ|² + ..., ζ' = iω ζ + d ξ ζ + ...; s = sign(b c), θ = Re d / b;
* generalized Hopf ``GH``: A q = iω q, |q| = 1, <p, q> = 1; w' = iω w + c1 w|w|² + c2 w|w|⁴,
  l1 = Re c1 / ω (as :func:`~.normal_forms.first_lyapunov`), l2 = Re c2 / ω.

The real null vectors are oriented like those of folds (voltage component positive, see
:func:`~.normal_forms.fold_coefficients`); a reversal would flip the signs of a, b (BT) and
b, c, d (ZH), not s, θ or c (CP).

Examples
--------
x' = a + b x - x³ has a cusp at a = b = x = 0 with c = -1:

>>> import numpy as np, bifur
>>> cm = bifur.Model.from_text("dx/dt = a + b*x - x**3", {"a": 0.0, "b": 0.0}, {"x": 0.0}, time_unit="1").compile()
>>> round(cusp(cm, np.zeros(1), np.zeros(2))["c"], 12)
-1.0
"""
from __future__ import annotations

import math

import numpy as np

from ..codegen import CompiledModel
from .normal_forms import _orientation, bilinear, hopf_eigenvectors, trilinear

__all__ = ["cusp", "bogdanov_takens", "zero_hopf", "generalized_hopf", "quadrilinear", "quintilinear"]

_EPS = float(np.finfo(float).eps)


def _null_pair(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, left) unit null vectors of a real singular matrix (its smallest singular vectors)."""
    U, _, Vt = np.linalg.svd(A)
    return Vt[-1].copy(), U[:, -1].copy()


def _bordered_solve(A: np.ndarray, col: np.ndarray, row: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """x with A x + col s = rhs, row·x = 0 (the bordered inverse of a singular A on its range)."""
    n = A.shape[0]
    M = np.zeros((n + 1, n + 1), dtype=np.result_type(A, col, row, rhs))
    M[:n, :n], M[:n, n], M[n, :n] = A, col, row
    return np.linalg.solve(M, np.append(rhs, 0.0))[:n]


def cusp(cm: CompiledModel, x: np.ndarray, p: np.ndarray) -> dict:
    """Cusp coefficient c of ξ' = β1 + β2 ξ + c ξ³ (c < 0: the two folds bound a region of three
    equilibria containing two stable ones when the third direction is stable).

    c = <p, C(q, q, q) + 3 B(q, h2)> / 6 with A h2 = -B(q, q) solved on the range of A (<p, h2> = 0).
    Returns ``c``, the quadratic coefficient ``a2`` = <p, B(q, q)>/2 (zero at the cusp) and ``q``, ``p``.
    """
    A = cm.jac(x, p)
    q, pv = _null_pair(A)
    q *= _orientation(cm, q)
    pv /= pv @ q
    bqq = cm.interpreted("d2")(x, p, q, q)
    h2 = _bordered_solve(A, pv, pv, -bqq + (pv @ bqq) * q)
    c = (pv @ cm.interpreted("d3")(x, p, q, q, q) + 3.0 * pv @ cm.interpreted("d2")(x, p, q, h2)) / 6.0
    return {"c": float(c), "a2": 0.5 * float(pv @ bqq), "q": q, "p": pv}


def bogdanov_takens(cm: CompiledModel, x: np.ndarray, p: np.ndarray) -> dict:
    """Coefficients a, b of the Bogdanov-Takens normal form w0' = w1, w1' = a w0² + b w0 w1.

    a = <p1, B(q0, q0)>/2 and b = <p0, B(q0, q0)> + <p1, B(q0, q1)> with the generalized
    eigenvectors normalised as in the module docstring. For x' = y, y' = β1 + β2 x + x² + s x y
    at the origin, a = 1 and b = s. Returns ``a``, ``b``, ``q0``, ``q1``, ``p0``, ``p1``.
    """
    A = cm.jac(x, p)
    q0, p1 = _null_pair(A)
    q0 *= _orientation(cm, q0)
    q1 = _bordered_solve(A, p1, q0, q0)              # A q1 = q0 (up to the border), q0·q1 = 0
    p0 = _bordered_solve(A.T, q0, p1, p1)            # Aᵀp0 = p1, p1·p0 = 0
    scale = p1 @ q1                                  # = <p0, q0> as well
    p1, p0 = p1 / scale, p0 / scale
    p0 = p0 - (p0 @ q1) * p1                         # <p0, q1> = 0 keeps Aᵀp0 = p1
    b00 = cm.interpreted("d2")(x, p, q0, q0)
    a = 0.5 * float(p1 @ b00)
    b = float(p0 @ b00 + p1 @ cm.interpreted("d2")(x, p, q0, q1))
    return {"a": a, "b": b, "q0": q0, "q1": q1, "p0": p0, "p1": p1}


def zero_hopf(cm: CompiledModel, x: np.ndarray, p: np.ndarray, omega: float) -> dict:
    """Quadratic coefficients of the zero-Hopf normal form ξ' = b ξ² + c|ζ|², ζ' = iωζ + d ξ ζ.

    b = <p0, B(q0, q0)>/2, c = <p0, B(q1, q̄1)>, d = <p1, B(q0, q1)> (complex), with the
    normalisations of the module docstring. ``s`` = sign(b c) and ``theta`` = Re d / b do not
    depend on them (Kuznetsov's ZH classification uses s and θ). Returns those and ``omega``.
    """
    A = cm.jac(x, p)
    q0, p0 = _null_pair(A)
    q0 *= _orientation(cm, q0)
    p0 /= p0 @ q0
    q1, p1 = hopf_eigenvectors(A, omega)
    b = 0.5 * float(p0 @ cm.interpreted("d2")(x, p, q0, q0))
    c = float(np.real(p0 @ bilinear(cm, x, p, q1, q1.conj())))
    d = complex(np.vdot(p1, bilinear(cm, x, p, q0.astype(complex), q1)))
    theta = d.real / b if b != 0 else math.nan
    return {"b": b, "c": c, "d": d, "s": float(np.sign(b * c)), "theta": theta, "omega": float(omega)}


def _step(x: np.ndarray, d: np.ndarray, power: float) -> float:
    """Difference step along d: ε^power relative to the state's magnitude."""
    return _EPS ** power * (1.0 + float(np.max(np.abs(x)))) / float(np.max(np.abs(d)))


def _parts(v: np.ndarray) -> list[tuple[np.ndarray, complex]]:
    """The non-zero real and imaginary parts of v with their factors 1 and i."""
    return [(part, coef) for part, coef in ((v.real.copy(), 1.0), (v.imag.copy(), 1j)) if np.any(part)]


def quadrilinear(cm: CompiledModel, x: np.ndarray, p: np.ndarray, u: np.ndarray, v: np.ndarray,
                 w: np.ndarray, y: np.ndarray) -> np.ndarray:
    """D⁴f(x)[u, v, w, y] by central differences of C = D³f along y (complex arguments allowed)."""
    out = np.zeros(x.size, dtype=complex)
    for yp, cy in _parts(np.asarray(y, dtype=complex)):
        h = _step(x, yp, 1.0 / 3.0)
        out += cy * (trilinear(cm, x + h * yp, p, u, v, w) - trilinear(cm, x - h * yp, p, u, v, w)) / (2 * h)
    return out


def quintilinear(cm: CompiledModel, x: np.ndarray, p: np.ndarray, u: np.ndarray, v: np.ndarray,
                 w: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """D⁵f(x)[u, v, w, y, z] by mixed second central differences of C = D³f along y and z."""
    out = np.zeros(x.size, dtype=complex)
    for yp, cy in _parts(np.asarray(y, dtype=complex)):
        hy = _step(x, yp, 0.25)
        for zp, cz in _parts(np.asarray(z, dtype=complex)):
            hz = _step(x, zp, 0.25)
            acc = np.zeros(x.size, dtype=complex)
            for sy, sz, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                acc += sign * trilinear(cm, x + sy * hy * yp + sz * hz * zp, p, u, v, w)
            out += cy * cz * acc / (4 * hy * hz)
    return out


def generalized_hopf(cm: CompiledModel, x: np.ndarray, p: np.ndarray, omega: float) -> dict:
    """First and second Lyapunov coefficients at a Hopf point (l2 matters where l1 = 0: Bautin).

    The centre manifold x = w q + w̄ q̄ + Σ h_jk w^j w̄^k/(j!k!) and the normal form
    w' = iωw + (g21/2) w|w|² + (g32/12) w|w|⁴ solve the homological equation order by order:
    h20, h11, h30, h21 (with <p, h21> = 0), h31, h22, and g32 = <p, [terms of order (3, 2)]>.
    l1 = Re(g21)/(2ω), l2 = Re(g32)/(12ω). For z' = (β1 + iω)z + β2 z|z|² + s z|z|⁴ in the
    plane (z = x + iy) this normalisation gives l1 = 2β2/ω and l2 = 4s/ω.

    Returns ``l1``, ``l2``, ``c1`` = g21/2 and ``c2`` = g32/12 (complex).
    """
    A = cm.jac(x, p)
    n = A.shape[0]
    eye = np.eye(n)
    q, pv = hopf_eigenvectors(A, omega)
    qb = q.conj()
    B = lambda u, v: bilinear(cm, x, p, u, v)  # noqa: E731
    C = lambda u, v, w: trilinear(cm, x, p, u, v, w)  # noqa: E731
    D = lambda u, v, w, y: quadrilinear(cm, x, p, u, v, w, y)  # noqa: E731
    proj = lambda v: complex(np.vdot(pv, v))  # noqa: E731
    h20 = np.linalg.solve(2j * omega * eye - A, B(q, q))
    h11 = -np.linalg.solve(A.astype(complex), B(q, qb))
    r21 = C(q, q, qb) + B(qb, h20) + 2 * B(q, h11)
    g21 = proj(r21)
    h21 = _bordered_solve(1j * omega * eye - A, q, pv.conj(), r21 - g21 * q)
    h30 = np.linalg.solve(3j * omega * eye - A, C(q, q, q) + 3 * B(q, h20))
    h02, h12 = h20.conj(), h21.conj()
    r31 = (D(q, q, q, qb) + 3 * C(q, q, h11) + 3 * C(q, qb, h20) + 3 * B(h20, h11) + B(qb, h30) + 3 * B(q, h21)
           - 3 * g21 * h20)
    h31 = np.linalg.solve(2j * omega * eye - A, r31)
    r22 = (D(q, q, qb, qb) + 4 * C(q, qb, h11) + C(qb, qb, h20) + C(q, q, h02) + 2 * B(q, h12) + 2 * B(qb, h21)
           + B(h20, h02) + 2 * B(h11, h11) - 2 * (g21 + g21.conjugate()) * h11)
    h22 = -np.linalg.solve(A.astype(complex), r22)
    r32 = (quintilinear(cm, x, p, q, q, q, qb, qb) + D(q, q, q, h02) + 6 * D(q, q, qb, h11) + 3 * D(q, qb, qb, h20)
           + 6 * C(q, h11, h11) + 3 * C(q, h20, h02) + 6 * C(qb, h20, h11) + 3 * C(q, q, h12) + 6 * C(q, qb, h21)
           + C(qb, qb, h30) + 3 * B(q, h22) + 2 * B(qb, h31) + 3 * B(h20, h12) + 6 * B(h11, h21) + B(h02, h30))
    g32 = proj(r32)
    return {"l1": g21.real / (2 * omega), "l2": g32.real / (12 * omega), "c1": g21 / 2, "c2": g32 / 12}

