"""Where a warm HH cycle branch spends its time: the collocation kernels one by one.

Run: python benchmarks/bench_kernels.py

For the branch HB1 -> 3 LPC -> HB2 of bench_cycles.py (NTST 60, NCOL 4, n = 4) it prints, for each
numba kernel of the corrector, its cost per call (best of 5 loops of 300 calls on the data of the
branch's last solve), how many times the branch calls it (counted by cProfile), and their product;
then the kernels' total against the branch's wall time (the rest is the Python of the continuation
loop) and against the target of issue 13 (0.3 x AUTO-07p's 0.363 s). The model's own generated
functions are timed at the 240 Gauss points, since they bound what assembling the Jacobian can cost.
"""
from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _util import best_of, table  # noqa: E402

import bifur  # noqa: E402
from bifur._fnptr import call  # noqa: E402
from bifur.continuation import collocation as colloc  # noqa: E402
from bifur.continuation.cycles import CycleProblem  # noqa: E402
from bifur.models import hodgkin_huxley  # noqa: E402

TARGET = 0.3 * 0.363
AT = [7.0, 10.0, 20.0, 50.0, 100.0, 150.0]


@numba.njit
def _model_loop(addr, which, X, p, reps):
    """``reps`` sweeps of one model function (0 rhs, 1 Jacobian, 2 parameter derivatives) over the rows of X."""
    n = X.shape[1]
    f, J, Fp, y = np.empty(n), np.empty((n, n)), np.empty((n, p.size)), np.empty(n)
    s = 0.0
    for _ in range(reps):
        for k in range(X.shape[0]):
            for c in range(n):
                y[c] = X[k, c]
            if which == 0:
                call(addr, 0.0, y, p, f)
                s += f[0]
            elif which == 1:
                call(addr, 0.0, y, p, J)
                s += J[0, 0]
            else:
                call(addr, y, p, Fp)
                s += Fp[0, 0]
    return s


def per_call(fn, reps: int = 300) -> float:
    fn()
    t, _ = best_of(lambda: [fn() for _ in range(reps)], 5)
    return t / reps


def main() -> None:
    hh = hodgkin_huxley()
    h1 = bifur.continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]
    seen = {}
    solve, jacobian = CycleProblem.solve_bordered, CycleProblem.jacobian

    def keep_solve(self, J, row, rhs, rhs_last):
        seen.update(pb=self, J=J.copy(), row=row.copy(), rhs=rhs.copy(), last=rhs_last)
        return solve(self, J, row, rhs, rhs_last)

    def keep_z(self, z):
        seen["z"] = z.copy()
        return jacobian(self, z)

    CycleProblem.solve_bordered, CycleProblem.jacobian = keep_solve, keep_z
    bifur.continue_cycles(hh, h1, "I", (0.0, 200.0), at=AT)  # data of the last solve (and warm-up)
    CycleProblem.solve_bordered, CycleProblem.jacobian = solve, jacobian
    wall, br = best_of(lambda: bifur.continue_cycles(hh, h1, "I", (0.0, 200.0), at=AT), 3)
    prof = cProfile.Profile()
    prof.enable()
    bifur.continue_cycles(hh, h1, "I", (0.0, 200.0), at=AT)
    prof.disable()
    counts = {f[2]: v[1] for f, v in pstats.Stats(prof).stats.items() if f[0].endswith("collocation.py")}

    pb, J, rhs = seen["pb"], seen["J"], seen["rhs"]
    N, m, n, nx, ncoll = pb.N, pb.m, pb.n, pb.nx, pb.N * pb.m * pb.n
    X, T, p = pb.unpack(seen["z"])
    red_vals, red_rhs = np.empty((N, n, 2 * n + 2)), np.empty((N, n))
    piv_rows, piv_mesh = np.empty((N, (m - 1) * n, (m + 1) * n + 3)), np.empty((N, n, 3 * n + 3))
    sol, tsol, shoot, out = np.empty((N + 1) * n + 2), np.empty((N + 1) * n + 2), np.empty(2), np.empty(pb.size)
    phi0, beta0 = np.zeros(nx + 3), np.empty(nx + 3)
    phi0[:nx] = pb.phase
    beta0[:nx + 2], beta0[-1] = seen["row"], seen["last"]
    phi1, beta1 = phi0.copy(), beta0.copy()
    colloc.condense(J, rhs[:ncoll], phi1, beta1, N, m, n, red_vals, red_rhs, piv_rows)  # rows for the next kernels
    vals, res, M = np.empty(pb.nk), np.empty(pb.size - 1), np.empty((n, n))
    L, D = pb.basis.L, pb.basis.D
    kernels = [
        ("condense", lambda: colloc.condense(J, rhs[:ncoll], phi0.copy(), beta0.copy(), N, m, n, red_vals, red_rhs,
                                             piv_rows)),
        ("colloc_jacobian", lambda: pb.k_jac(X, T, p, pb.ip, pb.h, L, D, vals)),
        ("solve_reduced", lambda: colloc.solve_reduced(red_vals, red_rhs, rhs[ncoll:ncoll + n], phi1, beta1, N, m, n,
                                                       piv_mesh, sol, shoot, tsol)),
        ("colloc_residual", lambda: pb.k_res(X, T, p, pb.h, L, D, res)),
        ("expand", lambda: colloc.expand(piv_rows, sol[:(N + 1) * n].reshape(N + 1, n), sol[(N + 1) * n:], N, m, n,
                                         1.0, out)),
        ("reduced_monodromy", lambda: colloc.reduced_monodromy(red_vals, N, n, M)),
    ]
    rows, total = [], 0.0
    for name, fn in kernels:
        t, c = per_call(fn), counts.get(name, 0)
        total += c * t
        rows.append((name, f"{1e6 * t:.1f} us", str(c), f"{1e3 * c * t:.1f} ms"))
    gauss = np.ascontiguousarray(np.einsum("ki,jic->jkc", L, X[np.arange(N)[:, None] * m + np.arange(m + 1)])
                                 .reshape(N * m, n))  # the orbit at the N m Gauss points
    for which, name in enumerate(("rhs_t_into", "jac_t_into", "dfdp_into")):
        addr = pb.cm.address(name)
        t = per_call(lambda: _model_loop(addr, which, gauss, p, 1))
        rows.append((f"  model {name}, {gauss.shape[0]} points", f"{1e6 * t:.1f} us", "", "(part of colloc_jacobian)"))
    rows += [
        ("kernels, whole branch", f"{1e3 * total:.0f} ms", f"{len(br)} points",
         f"{total / TARGET:.2f}x the target of {1e3 * TARGET:.0f} ms"),
        ("branch, wall time (best of 3)", f"{1e3 * wall:.0f} ms", "",
         f"the rest (Python): {1e3 * (wall - total):.0f} ms, {1e3 * (wall - total) / len(br):.2f} ms per point"),
    ]
    print(table(rows, ("kernel", "per call", "calls", "in the branch")))


if __name__ == "__main__":
    main()
