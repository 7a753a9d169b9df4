"""Sweeps: the same table serially, in local processes and on a real dask.distributed LocalCluster;
failures as rows; an interrupted sweep resumed gives the uninterrupted table; workers compile once."""
from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import bifur
from bifur.models import morris_lecar
from bifur.sweep import FISummary, SpecialPoints, parameter_grid


def _sets():
    m = morris_lecar("snic")
    sets = parameter_grid(dict(m.params), {"gCa": 0.1, "gK": 0.1}, 6, seed=3)
    sets[4] = {"gCa": math.nan, "gK": 8.0}    # refused by the model: a failed row
    return m, sets


ANALYSIS = FISummary("I", (0.0, 200.0), at=(60.0,))


PROCESS_INFO = ["pid", "load_seconds", "model_id"]


def _with_process_info(model, params):
    """The analysis, and which process ran it with which model object and how long compiling took there."""
    cm = model.compile()
    info = {"pid": os.getpid(), "load_seconds": cm.load_seconds, "model_id": id(model)}
    return {**ANALYSIS(model, params), **info}


def _compiled_once_per_process(table):
    assert np.all(table["load_seconds"] == 0.0)   # compiled before the process's first set
    for _, group in table.groupby("pid"):
        assert group["model_id"].nunique() == 1   # one model (and its compiled code) per process


@pytest.fixture(scope="module")
def serial_table():
    m, sets = _sets()
    return bifur.sweep(ANALYSIS, sets, m, workers=1, progress=False)


def test_failures_are_rows_with_status_and_message(serial_table):
    t = serial_table
    assert list(t["row"]) == list(range(6))
    assert list(t["status"]) == ["ok", "ok", "ok", "ok", "failed", "ok"]
    assert "must be finite" in t.loc[4, "message"]
    ok = t[t["status"] == "ok"]
    assert set(ok["onset"]) == {"SNIC"} and set(ok["block"]) == {"LPC"}
    assert np.all(ok["excitability_class"] == 1)
    # the rate column agrees with a direct f-I curve of one set
    m, sets = _sets()
    direct = bifur.fi_curve(m, "I", (0.0, 200.0), params=sets[0], at=[60.0])
    assert t.loc[0, "rate_hz@60"] == direct.rate_hz[0]


def test_local_processes_give_the_serial_table(serial_table):
    m, sets = _sets()
    parallel = bifur.sweep(_with_process_info, sets, m, workers=2, progress=False)
    pdt.assert_frame_equal(parallel.drop(columns=PROCESS_INFO), serial_table)
    ok = parallel[parallel["status"] == "ok"]
    assert ok["pid"].nunique() == 3  # this process did the first set, two workers the others
    _compiled_once_per_process(ok)


def test_dask_local_cluster_gives_the_serial_table(serial_table):
    distributed = pytest.importorskip("distributed")  # a dev dependency: installed in CI, never skipped there
    m, sets = _sets()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        table = bifur.sweep(_with_process_info, sets, m, client=client, progress=False)
    pdt.assert_frame_equal(table.drop(columns=PROCESS_INFO), serial_table)
    _compiled_once_per_process(table[table["status"] == "ok"])


class _Interrupting:
    """Runs the analysis but stops the sweep (as Ctrl-C would) at one row."""

    def __init__(self, at_row_params):
        self.stop = at_row_params

    def __call__(self, model, params):
        if params == self.stop:
            raise KeyboardInterrupt
        return ANALYSIS(model, params)


def test_interrupted_sweep_resumes_to_the_same_table(tmp_path, serial_table):
    m, sets = _sets()
    path = tmp_path / "sweep.csv"
    with pytest.raises(KeyboardInterrupt):
        bifur.sweep(_Interrupting(sets[3]), sets, m, workers=1, path=path, progress=False)
    stored = pd.read_csv(path)
    assert list(stored["row"]) == [0, 1, 2]
    # an interruption in the middle of writing a line leaves a partial line: it is dropped
    with open(path, "a") as fh:
        fh.write("3,3.9,")
    resumed = bifur.sweep(ANALYSIS, sets, m, workers=2, path=path, progress=False)
    pdt.assert_frame_equal(resumed, serial_table)
    # a finished file is read back as it is, without computing anything
    again = bifur.sweep(_Interrupting(sets[0]), sets, m, workers=1, path=path, progress=False)
    pdt.assert_frame_equal(again, serial_table)
    # a file of another sweep is refused
    other = [dict(s, gK=9.0) for s in sets]
    with pytest.raises(ValueError, match="other parameter values"):
        bifur.sweep(ANALYSIS, other, m, workers=1, path=path, progress=False)


def test_a_set_whose_analysis_fails_is_a_failed_row():
    # Morris-Lecar (snic) has no stable rest state at I = 80 (it fires): no input conductance there
    t = bifur.sweep(lambda model, p: bifur.input_conductance(model, p), {"I": [0.0, 80.0, 20.0]},
                    morris_lecar("snic"), workers=1, progress=False)
    assert list(t["status"]) == ["ok", "failed", "ok"]
    assert t.loc[1, "message"].startswith("BifurError: no stable rest state")
    assert math.isnan(t.loc[1, "value"]) and t.loc[0, "value"] > 0


def test_special_points_analysis_and_columns():
    from bifur.models import hodgkin_huxley
    t = bifur.sweep(SpecialPoints("I", (0.0, 200.0)), {"gNa": [120.0, 130.0]}, hodgkin_huxley(), workers=1,
                    progress=False)
    assert list(t["n_H"]) == [2, 2]
    assert t.loc[0, "H[0]"] == pytest.approx(9.7754380, abs=1e-6)  # AUTO-07p, ../shared/reference
    assert t.loc[1, "H[0]"] != t.loc[0, "H[0]"]


def test_user_function_scalar_answer_and_unknown_parameter():
    m = morris_lecar("snic")
    t = bifur.sweep(lambda model, p: p["gL"] * 2, [{"gL": 1.0}, {"gL": 3.0}], m, workers=1, progress=False)
    assert list(t["value"]) == [2.0, 6.0]
    with pytest.raises(bifur.ModelError):
        bifur.sweep(lambda model, p: 0.0, [{"nope": 1.0}], m, workers=1, progress=False)
