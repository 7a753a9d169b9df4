"""Shared fixtures: reference values that tests need, carried here with their source (a plain
clone has no ``../shared/`` folder, and no test is skipped)."""
from __future__ import annotations

import os

import pytest

#: Hodgkin-Huxley (1952), V_rest = -65 mV convention, I in uA/cm2, t in ms: the numbers the
#: tests use from ../shared/reference/hodgkin_huxley_auto07p.json (AUTO-07p with NTST=200,
#: NCOL=4, analytic Jacobians; Hopf points checked by an independent 40-digit mpmath computation,
#: entries "independent_check_INDEP_MPMATH"; l1 with <q,q> = 1, <p,q> = 1 in raw coordinates).
HH_AUTO07P = {
    "rest_state_I0": {"I": 0.0, "V": -64.996379331, "m": 0.052955086813, "h": 0.59599412474,
                      "n": 0.31773239976, "stable": True},
    "hopf_points": [
        {"label": "HB1", "I": 9.7754379954, "period_ms": 10.717882808, "criticality": "subcritical",
         "independent_check_INDEP_MPMATH": {"I": 9.775437995393126, "V": -59.654143602995404,
                                            "period_ms": 10.717882807935418,
                                            "omega_rad_per_ms": 0.5862338131302925,
                                            "l1": 0.014793648131008077}},
        {"label": "HB2", "I": 154.52243367, "period_ms": 5.9112394413, "criticality": "supercritical",
         "independent_check_INDEP_MPMATH": {"I": 154.522433665808, "V": -43.05809201298383,
                                            "period_ms": 5.911239441337659,
                                            "omega_rad_per_ms": 1.0629218067603365,
                                            "l1": -0.004728502695073989}},
    ],
}


@pytest.fixture(scope="session")
def hh_reference() -> dict:
    """AUTO-07p and 40-digit reference values for Hodgkin-Huxley (see :data:`HH_AUTO07P`)."""
    return HH_AUTO07P


# The suite compiles in its own processes; a background warm-up (bifur._warmup) started by every test
# that uses a fresh cache would only compete with them for the two cores. tests/test_warmup.py turns
# it on where it is the subject.
os.environ.setdefault("BIFUR_PARALLEL_COMPILE", "0")
