"""Run AUTO-07p on the reference problems of tests/reference_problems.py and print its special points.

This produced the ``AUTO07P`` values quoted in tests/reference_problems.py (2026-12-06, AUTO-07p
commit 44cc1c4 of https://github.com/auto-07p/auto-07p, gfortran 12.2, Python 3.11). It is not run
by the test suite: it needs a built AUTO-07p,

    git clone https://github.com/auto-07p/auto-07p && cd auto-07p
    ./configure --enable-plaut=no --enable-plaut04=no --enable-gui=no && make   # serial make
    AUTO_DIR=$PWD python scripts/references/auto07p_runs.py

enz, pp2, fhn and tor are AUTO's own demos (their .f90 and c.* files, copied from
$AUTO_DIR/demos); the Rössler system has no demo, so its equations file is written here and its
cycle branch starts from an orbit simulated with scipy.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

AUTO_DIR = Path(os.environ.get("AUTO_DIR", ""))
auto = None  # AUTO-07p's Python interface, imported by main()

ROSSLER_F90 = """\
! Roessler system for AUTO-07p: PAR(1) = c, PAR(2) = a, PAR(3) = b
SUBROUTINE FUNC(NDIM, U, ICP, PAR, IJAC, F, DFDU, DFDP)
  IMPLICIT NONE
  INTEGER, INTENT(IN) :: NDIM, ICP(*), IJAC
  DOUBLE PRECISION, INTENT(IN) :: U(NDIM), PAR(*)
  DOUBLE PRECISION, INTENT(OUT) :: F(NDIM)
  DOUBLE PRECISION, INTENT(INOUT) :: DFDU(NDIM, NDIM), DFDP(NDIM, *)
  F(1) = -U(2) - U(3)
  F(2) = U(1) + PAR(2) * U(2)
  F(3) = PAR(3) + U(3) * (U(1) - PAR(1))
END SUBROUTINE FUNC

SUBROUTINE STPNT(NDIM, U, PAR, T)
  IMPLICIT NONE
  INTEGER, INTENT(IN) :: NDIM
  DOUBLE PRECISION, INTENT(INOUT) :: U(NDIM), PAR(*)
  DOUBLE PRECISION, INTENT(IN) :: T
  PAR(1) = 2.5D0
  PAR(2) = 0.2D0
  PAR(3) = 0.2D0
END SUBROUTINE STPNT

SUBROUTINE BCND
END SUBROUTINE BCND
SUBROUTINE ICND
END SUBROUTINE ICND
SUBROUTINE FOPT
END SUBROUTINE FOPT
SUBROUTINE PVLS
END SUBROUTINE PVLS
"""

ROSSLER_C = """\
NDIM = 3, IPS = 2, IRS = 0, ILP = 1
ICP = [1, 11]
NTST = 50, NCOL = 4, IAD = 3, ISP = 2, ISW = 1, IPLT = 0, NBC = 0, NINT = 0
NMX = 400, NPR = 1000, MXBF = 10, IID = 2, ITMX = 8, ITNW = 5, NWTN = 3, JAC = 0
EPSL = 1e-10, EPSU = 1e-10, EPSS = 1e-7
DS = 0.01, DSMIN = 1e-5, DSMAX = 0.05, IADS = 1
NPAR = 3, THL = {11: 0.0}, THU = {}
UZSTOP = {1: [2.0, 3.0]}
"""


def show(title: str, result, par: str) -> None:
    print(f"\n== {title}")
    for sol in result():
        if sol["TY"] in ("RG", "EP", "UZ"):
            continue
        line = f"  {sol['TY']:3s} {sol[par]: .11g}"
        if sol["IPS"] == 2:
            line += f"   period {sol['T']:.11g}"
        line += "   state " + " ".join(f"{float(np.ravel(sol[c])[0]):.9g}" for c in sol.coordnames)
        print(line)


def demo(name: str, where: Path) -> Path:
    d = where / name
    shutil.copytree(AUTO_DIR / "demos" / name, d)
    os.chdir(d)
    return d


def main() -> None:
    global auto
    if not (AUTO_DIR / "python" / "auto").is_dir():
        sys.exit("set AUTO_DIR to a built AUTO-07p tree")
    sys.path.insert(0, str(AUTO_DIR / "python"))
    import auto as auto_module
    auto = auto_module
    base = Path(tempfile.mkdtemp(prefix="auto07p_refs_"))

    demo("enz", base)
    names = dict(parnames={1: "s0", 2: "mu", 3: "rho", 4: "kappa", 11: "T"}, unames={1: "s1", 2: "s2"})
    show("enz: run('enz') (demo settings)", auto.run("enz", **names), "s0")
    show("enz: tighter tolerances (EPSS=1e-10)", auto.run("enz", EPSL=1e-12, EPSU=1e-12, EPSS=1e-10, DSMAX=0.05,
                                                          NMX=2000, **names), "s0")

    demo("pp2", base)
    show("pp2: run('pp2')", auto.run("pp2", parnames={1: "quota", 9: "fish", 11: "T"},
                                     unames={1: "fish", 2: "sharks"}), "quota")

    demo("fhn", base)
    names = dict(parnames={1: "a", 2: "b", 3: "c", 11: "T"}, unames={1: "x", 2: "y"})
    r1 = auto.run(e="fhn", c="fhn.1", **names)
    show("fhn: equilibria (c.fhn.1)", r1, "a")
    show("fhn: cycles as in the demo but ILP=1 (c.fhn.2)", auto.run(r1("HB1"), c="fhn.2", ILP=1, **names), "a")
    show("fhn: cycles, ILP=1, NTST=80, tight tolerances",
         auto.run(r1("HB1"), c="fhn.2", ILP=1, NTST=80, EPSL=1e-10, EPSU=1e-10, EPSS=1e-7, DSMAX=0.05, **names), "a")

    demo("tor", base)
    names = dict(parnames={1: "nu", 2: "beta", 3: "gamma", 4: "r", 5: "a3", 6: "b3", 11: "T"},
                 unames={1: "x", 2: "y", 3: "z"})
    r1 = auto.run(e="tor", c="tor", **names)
    r2 = auto.run(r1("HB1"), IPS=2, ICP=[1, 11], **names)
    r3 = auto.run(r2("BP1"), ISW=-1, NMX=90, **names)
    show("tor: equilibria", r1, "nu")
    show("tor: symmetric cycles from HB1", r2, "nu")
    show("tor: asymmetric cycles from BP1", r3, "nu")

    d = base / "ros"
    d.mkdir()
    os.chdir(d)
    (d / "ros.f90").write_text(ROSSLER_F90)
    (d / "c.ros").write_text(ROSSLER_C)
    c = 2.5
    f = lambda t, x: [-x[1] - x[2], x[0] + 0.2 * x[1], 0.2 + x[2] * (x[0] - c)]  # noqa: E731
    ev = lambda t, x: x[0]  # noqa: E731
    ev.direction = -1
    sol = solve_ivp(f, (0, 500), [1.0, 1.0, 0.0], method="DOP853", rtol=1e-11, atol=1e-12, events=ev,
                    dense_output=True)
    t0, t1 = sol.t_events[0][-2:]
    tt = np.linspace(t0, t1, 401)
    np.savetxt(d / "orbit.dat", np.column_stack([tt - t0, sol.sol(tt).T]))
    names = dict(parnames={1: "c", 2: "a", 3: "b", 11: "T"}, unames={1: "x", 2: "y", 3: "z"})
    r1 = auto.run(e="ros", c="ros", dat="orbit.dat", **names)
    r2 = auto.run(r1("PD1"), ISW=-1, NMX=600, NTST=100, UZSTOP={"c": [2.0, 4.0]}, **names)
    show("Rossler: period-1 cycles from c = 2.5", r1, "c")
    show("Rossler: period-2 cycles from PD1", r2, "c")
    print(f"\n(work files in {base})")


if __name__ == "__main__":
    main()
