"""``python -m bifur demo`` runs, writes its figures and prints a sensible summary."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bifur.demo import FIGURES

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_smoke(tmp_path):
    out = tmp_path / "figures"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, "-m", "bifur", "demo", "--out", str(out)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    text = run.stdout
    for name in FIGURES:                                    # the figures, not empty
        assert (out / name).stat().st_size > 20_000, name
    assert not (tmp_path / "bifur_demo").exists()          # --out was honoured
    # what it prints makes sense: located points with units, no grammar or NaN slips
    assert "H at I = 9.775437995 µA/cm²" in text and "H at I = 154.5224337 µA/cm²" in text
    assert "subcritical" in text and "supercritical" in text
    assert "1 spike in 100 ms" in text and "1 spikes" not in text
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    assert "firing at 68.32 Hz" in text
    assert "onset LPC at I=6.2603214 µA/cm²; class 2" in text
    assert "onset SNIC" in text and "class 1" in text
    assert "G (mS/cm²)" not in text and "G=0.14852812 mS/cm²" in text
    assert text.count("figure written to") == len(FIGURES)


def test_demo_command_line_help():
    run = subprocess.run([sys.executable, "-m", "bifur", "demo", "--help"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and "--out" in run.stdout and "bifur_demo" in run.stdout
