"""Progress and messages: a tqdm bar for progress=True, a one-line note while a model compiles."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
import tqdm

import bifur
from bifur import _messages
from bifur.continuation.engine import _Progress
from bifur.models import fitzhugh_nagumo, hodgkin_huxley


@pytest.fixture
def threshold():
    saved = (_messages.THRESHOLD, _messages.enabled)
    _messages.enabled = True
    yield
    _messages.THRESHOLD, _messages.enabled = saved


def test_note_only_when_compiling_takes_longer_than_the_threshold(capsys, threshold):
    _messages.THRESHOLD = 0.2
    with _messages.compiling("quick"):
        pass
    assert capsys.readouterr().err == ""
    with _messages.compiling("slow_model"):
        time.sleep(0.5)
    err = capsys.readouterr().err
    assert err.startswith("compiling slow_model for first use (cached afterwards)…")
    assert err.endswith(" s\n") and err.count("\n") == 1                 # one line, completed with the time
    seconds = float(err.rsplit("…", 1)[1].split()[0])
    assert 0.4 <= seconds < 5.0


def test_nested_compilations_make_one_note_and_quiet_means_quiet(capsys, threshold):
    _messages.THRESHOLD = 0.0
    with _messages.compiling("outer"):
        with _messages.compiling("inner"):
            pass
    err = capsys.readouterr().err
    assert "outer" in err and "inner" not in err and err.count("\n") == 1
    _messages.enabled = False
    with _messages.compiling("silent"):
        pass
    assert capsys.readouterr().err == ""


def test_numba_compilations_of_a_generated_module_are_announced(capsys, threshold):
    from numba import njit
    _messages.THRESHOLD = 0.0
    namespace = {"__name__": "bifur_generated.m_test_messages"}
    exec("def k_solve(x):\n    return 2.0 * x + 1.0\n", namespace)   # a stand-in for a generated kernel
    _messages.name_module("bifur_generated.m_test_messages", "toy_model")
    fn = njit(namespace["k_solve"])
    assert fn(1.0) == 3.0
    err = capsys.readouterr().err
    assert "compiling toy_model (simulation) for first use (cached afterwards)…" in err


@pytest.mark.slow
def test_first_use_in_a_fresh_cache_prints_the_note_and_the_second_process_does_not(tmp_path):
    # every compilation announced (THRESHOLD 0): how long one takes depends on what is cached already
    code = ("import bifur, bifur._messages\nbifur._messages.THRESHOLD = 0.0\nfrom bifur.models import fitzhugh_nagumo\n"
            "print(len(bifur.simulate(fitzhugh_nagumo(), 50.0, params={'I': 0.5}).t) > 0)\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "BIFUR_QUIET": "0"}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "compiling fitzhugh_nagumo (simulation) for first use (cached afterwards)…" in first.stderr
    lines = [ln for ln in first.stderr.splitlines() if ln.startswith("compiling ")]
    # every note is completed with its duration (and, after the first, the model's total so far)
    assert all(re.search(r"… [0-9.]+ s( \([0-9.]+ s for .* so far\))?$", ln) for ln in lines), lines
    # loading from the cache is announced with THRESHOLD 0 too, but stays far below the default 1 s
    code = code.replace("bifur._messages.THRESHOLD = 0.0", "")
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0 and "compiling" not in second.stderr


def test_progress_is_a_tqdm_bar(capsys):
    bar = _Progress(True, "equilibria in I")
    bar.update(3, 1.5, "I")
    assert isinstance(bar.bar, tqdm.tqdm)
    bar.close()
    silent = _Progress(False, "x")
    silent.update(3, 1.5, "I")
    assert silent.bar is None
    capsys.readouterr()
    branch = bifur.continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0), progress=True)
    err = capsys.readouterr().err
    assert "bifur: equilibria in I" in err and " points" in err and "I=" in err
    assert "[bifur]" not in err                                             # not the old hand-written line
    assert len(branch) > 5
    bifur.continue_equilibria(fitzhugh_nagumo(), "I", (0.0, 1.0))
    err = capsys.readouterr().err                                          # no bar without progress=True
    assert all(ln.startswith("compiling ") for ln in err.splitlines())     # (first-use notes aside)
