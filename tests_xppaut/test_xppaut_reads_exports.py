"""XPPAUT itself reads what bifur writes, and integrates it to bifur's trajectories.

Run by ``.ci/run`` after ``apt-get install xppaut`` (the Debian package), outside the main test
paths like ``tests_brian2/``: without the ``xppaut`` program these tests fail, they are never
skipped. XPPAUT runs in batch mode (``xppaut file.ode -silent``), which writes ``output.dat``:
time, the variables, then the aux quantities, with 8 significant digits.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import bifur
from bifur.models import (fitzhugh_nagumo, hodgkin_huxley, izhikevich, morris_lecar, pyramidal5d, qif,
                          wang_buzsaki)
from bifur.xpp import read_xpp

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "xpp"
XPPAUT = shutil.which("xppaut")


def _xppaut(text: str, tmp_path: Path) -> np.ndarray:
    assert XPPAUT is not None, "xppaut is not installed (apt-get install xppaut)"
    for old in tmp_path.glob("*.dat"):
        old.unlink()
    (tmp_path / "model.ode").write_text(text)
    out = subprocess.run([XPPAUT, "model.ode", "-silent"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    written = sorted(tmp_path.glob("*.dat"))     # output.dat, unless the file names another output
    assert out.returncode == 0 and "Run complete" in out.stdout and written, out.stdout[-2000:] + out.stderr[-2000:]
    return np.atleast_2d(np.loadtxt(written[0]))


# (name, model, parameters, t_end, XPPAUT's RK4 step): the pyramidal model's sodium inactivates at 12/ms
# and its spikes are ~1 ms wide, so RK4 needs a smaller step there for the 1e-4 agreement below
SMOOTH = [("hodgkin_huxley", hodgkin_huxley, {"I": 10.0}, 50.0, 0.005),
          ("wang_buzsaki", wang_buzsaki, {"I": 1.0}, 50.0, 0.005),
          ("morris_lecar", lambda: morris_lecar("snic"), {"I": 45.0}, 200.0, 0.005),
          ("fitzhugh_nagumo", fitzhugh_nagumo, {"I": 0.5}, 100.0, 0.005),
          ("pyramidal5d", pyramidal5d, {"I": 3.0}, 100.0, 0.0005)]


@pytest.mark.parametrize("name, factory, params, t_end, dt", SMOOTH, ids=[s[0] for s in SMOOTH])
def test_xppaut_integrates_exported_models_to_bifurs_trajectories(name, factory, params, t_end, dt, tmp_path):
    model = factory()
    njmp = int(round(0.1 / dt))  # output every 0.1 ms
    text = model.to_xpp(params=params, options={"total": t_end, "dt": dt, "meth": "rk4", "njmp": njmp,
                                                 "maxstor": 1_000_000})
    data = _xppaut(text, tmp_path)
    ref = bifur.simulate(model, t_end, params=params, dt=dt * njmp, rtol=1e-10, atol=1e-12)
    n = min(len(data), len(ref.t))
    assert n >= int(t_end / (dt * njmp))
    np.testing.assert_allclose(data[:n, 0], ref.t[:n], atol=1e-6)
    scale = np.abs(ref.x).max(axis=0) + 1e-3
    err = np.abs(data[:n, 1:1 + model.n_states] - ref.x[:n]) / scale
    assert err.max() < 1e-4, err.max(axis=0)


@pytest.mark.parametrize("factory, params", [(lambda: izhikevich("RS"), {"I": 10.0}), (qif, {"I": 1.0})],
                         ids=["izhikevich_RS", "qif"])
def test_xppaut_resets_exported_models_where_bifur_does(factory, params, tmp_path):
    model = factory()
    t_end = 200.0 if model.time_unit == "ms" else 10.0
    dt = 0.001
    data = _xppaut(model.to_xpp(params=params, options={"total": t_end, "dt": dt, "meth": "rk4",
                                                          "maxstor": 1_000_000}), tmp_path)
    v = data[:, 1]
    drops = data[1:, 0][np.diff(v) < -0.5 * (np.abs(v).max())]       # a reset is a large fall in one step
    ref = bifur.simulate(model, t_end, params=params).spike_times
    assert len(ref) >= 3 and len(drops) == len(ref)
    assert np.all(np.abs(drops - ref) < 30 * dt), drops - ref


def test_xppaut_reads_every_corpus_file(tmp_path):
    for f in sorted(CORPUS.glob("*.ode")):
        text = f.read_text()
        text = text[:text.lower().rfind("\ndone")] if "\ndone" in text.lower() else text
        data = _xppaut(text + "\n@ total=1, dt=0.01, maxstor=100000\ndone\n", tmp_path)
        model = read_xpp(f).model
        columns = 2 if "\nonly " in text else 1 + model.n_states      # 'only x,y' restricts the output
        assert data.shape[1] >= columns, f.name


def test_xppaut_agrees_with_the_precedence_bifur_reads(tmp_path):
    text = (CORPUS / "precedence.ode").read_text().replace("done", "@ total=1, dt=0.01\ndone")
    final = _xppaut(text, tmp_path)[-1]
    model = read_xpp(CORPUS / "precedence.ode").model
    traj = bifur.simulate(model, 1.0)
    np.testing.assert_allclose(final[1:1 + model.n_states], traj.final_state, rtol=1e-7)
