"""Shared fixtures: the shared reference data folder (skipped when absent)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"


@pytest.fixture(scope="session")
def hh_reference() -> dict:
    """AUTO-07p reference values for Hodgkin-Huxley (../shared/reference/hodgkin_huxley_auto07p.json)."""
    path = SHARED / "hodgkin_huxley_auto07p.json"
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (../shared/ is not available on this machine)")
    return json.loads(path.read_text())
