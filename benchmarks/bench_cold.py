"""Time to first answer: what compiling costs a user, cold and warm.

Every measure runs in a fresh Python process whose caches live in temporary directories:
``BIFUR_CACHE_DIR`` holds the models' generated code and machine code, ``NUMBA_CACHE_DIR`` the
machine code of bifur's own (model-independent) kernels.

(a) fully cold: both caches empty, first ``fi_curve`` of Hodgkin-Huxley;
(b) a new model: an edited HH typed with ``Model.from_text`` (a structure never seen), with
    bifur's kernels cached (as after any earlier use of bifur);
(c) a warm new process: the same call again in a new process, everything cached;
(d) in-process warm: the same call a second time in that process;
and ``python -m bifur demo`` with empty caches and again warm. Cold runs use the parallel warm-up of
bifur's kernels (:mod:`bifur._warmup`), as a user's first run does; (a) is also measured without it
(``BIFUR_PARALLEL_COMPILE=0``) in the same run, as the baseline of its ratio. Each measure waits until
the previous one's warm-up is over.

Times exclude interpreter start-up but include ``import bifur`` (reported separately).
Run: ``python benchmarks/bench_cold.py`` (about 4 minutes).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import table  # noqa: E402

HH_TEXT = '''
dV/dt = (I - gNa*m**3*h*(V - ENa) - gK*n**4*(V - EK) - gL*(V - EL))/C
dm/dt = phi*(alpha_m*(1 - m) - beta_m*m)
dh/dt = phi*(alpha_h*(1 - h) - beta_h*h)
dn/dt = phi*(alpha_n*(1 - n) - beta_n*n)
alpha_m = 0.1*(V + 40)/(1 - exp(-(V + 40)/10))
beta_m = 4*exp(-(V + 65)/{beta_m_scale})
alpha_h = 0.07*exp(-(V + 65)/20)
beta_h = 1/(1 + exp(-(V + 35)/10))
alpha_n = 0.01*(V + 55)/(1 - exp(-(V + 55)/10))
beta_n = 0.125*exp(-(V + 65)/80)
'''

SNIPPET = '''
import time
t0 = time.perf_counter()
import numpy as np
import bifur
t_import = time.perf_counter() - t0
{make}
t1 = time.perf_counter()
fi = bifur.fi_curve(model, "I", (0.0, 200.0), at=np.linspace(0.0, 200.0, 200))
t_first = time.perf_counter() - t1
t2 = time.perf_counter()
fi = bifur.fi_curve(model, "I", (0.0, 200.0), at=np.linspace(0.0, 200.0, 200))
t_again = time.perf_counter() - t2
print(t_import, t_first, t_again, fi.rheobase)
'''

BUILTIN = "from bifur.models import hodgkin_huxley\nmodel = hodgkin_huxley()"


def edited(scale: float) -> str:
    text = HH_TEXT.format(beta_m_scale=repr(scale))
    return (f"model = bifur.Model.from_text({text!r}, params=dict(I=0.0, C=1.0, gNa=120.0, gK=36.0, gL=0.3, "
            "ENa=50.0, EK=-77.0, EL=-54.387, phi=1.0), init=dict(V=-65.0, m=0.05, h=0.6, n=0.32), "
            "name='hh_edited', voltage='V')")


def run(snippet: str, env: dict) -> tuple[float, float, float, str]:
    out = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    t_import, t_first, t_again, onset = out.stdout.split()[-4:]
    return float(t_import), float(t_first), float(t_again), onset


def demo(env: dict, folder: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bifur", "demo", "--out", folder], env=env, capture_output=True,
                   check=True)
    return time.perf_counter() - t0


def settle(cache: str) -> None:
    """Wait until the background warm-up of bifur's kernels (bifur._warmup) started in ``cache`` is over,
    so that it neither competes with the next measure nor is counted in it."""
    lock = Path(cache) / "warmup.lock"
    t0 = time.perf_counter()
    while lock.exists() and time.perf_counter() - t0 < 900:
        time.sleep(0.2)


def cold_envs(tmp: str, parallel: bool) -> dict:
    return dict(os.environ, BIFUR_CACHE_DIR=f"{tmp}/bifur", NUMBA_CACHE_DIR=f"{tmp}/numba", BIFUR_QUIET="1",
                BIFUR_PARALLEL_COMPILE="1" if parallel else "0")


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = cold_envs(tmp, parallel=False)
        imp, first, _, onset = run(SNIPPET.format(make=BUILTIN), env)
        serial = imp + first
        rows.append(("(a) fully cold, no parallel warm-up", f"{serial:.2f} s",
                     f"BIFUR_PARALLEL_COMPILE=0, rheobase {onset}"))
    with tempfile.TemporaryDirectory() as tmp:
        env = cold_envs(tmp, parallel=True)
        imp, first, again, onset = run(SNIPPET.format(make=BUILTIN), env)
        rows.append(("(a) fully cold first HH fi_curve", f"{imp + first:.2f} s",
                     f"import {imp:.2f} s, {serial / (imp + first):.2f}x faster than without warm-up, rheobase {onset}"))
        settle(f"{tmp}/bifur")
        new_env = dict(env, BIFUR_CACHE_DIR=f"{tmp}/bifur_new")
        imp, first, _, onset = run(SNIPPET.format(make=edited(18.5)), new_env)
        rows.append(("(b) new model, bifur's kernels cached", f"{imp + first:.2f} s",
                     f"import {imp:.2f} s, fi_curve {first:.2f} s, rheobase {onset}"))
        imp, first, again, onset = run(SNIPPET.format(make=BUILTIN), env)
        rows.append(("(c) warm new process, first HH fi_curve", f"{imp + first:.2f} s", f"import {imp:.2f} s"))
        rows.append(("(d) in-process warm HH fi_curve", f"{again:.3f} s", "200 currents"))
    with tempfile.TemporaryDirectory() as tmp:
        env = cold_envs(tmp, parallel=True)
        cold = demo(env, f"{tmp}/out1")
        settle(f"{tmp}/bifur")
        warm = demo(env, f"{tmp}/out2")
        rows.append(("python -m bifur demo, empty caches", f"{cold:.1f} s", "interpreter start-up included"))
        rows.append(("python -m bifur demo, warm", f"{warm:.1f} s", ""))
    print(table(rows, ("measure", "time", "notes")))


if __name__ == "__main__":
    main()
