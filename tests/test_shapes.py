"""Every public function that takes arrays checks their shapes before numba sees them.

numba does not check bounds: before these checks, a 1-element state made ``rhs`` read past
its input and ``simulate_izhikevich_network(..., v0=[-65.0])`` crash the interpreter. Each
call below passes an array of the wrong length and must raise a ValueError that names the
expected shape.
"""
from __future__ import annotations

import numpy as np
import pytest

import bifur
from bifur.compiled_model import PUBLIC_FUNCTIONS
from bifur.models import fitzhugh_nagumo, hodgkin_huxley, izhikevich

HH = hodgkin_huxley()
CM = HH.compile()
X, P = CM.init_vector(), CM.param_vector()
N, M = X.size, P.size
SHORT, LONG = np.zeros(1), np.zeros(N + 1)


def _args(sig: str, bad: str) -> list:
    """Arguments for a CompiledModel function of signature ``sig`` with the one of kind ``bad`` wrong."""
    good = {"t": 0.0, "x": X, "u": X, "v": X, "w": X, "p": P, "o": np.empty(N), "J": np.empty((N, N)),
            "P": np.empty((N, M))}
    wrong = {"x": SHORT, "u": SHORT, "v": LONG, "w": SHORT, "p": np.zeros(M - 1), "o": np.empty(N - 1),
             "J": np.empty((N, N - 1)), "P": np.empty((N, M + 1))}
    return [wrong[k] if k == bad else good[k] for k in sig]


@pytest.mark.parametrize("name,sig,bad", [(name, sig, k) for name, (sig, _, _) in PUBLIC_FUNCTIONS.items()
                                          for k in sig if k != "t"])
def test_compiled_model_functions_check_every_argument(name, sig, bad):
    with pytest.raises(ValueError, match="shape"):
        getattr(CM, name)(*_args(sig, bad))


def test_compiled_model_functions_still_answer_with_right_shapes():
    for name, (sig, _, _) in PUBLIC_FUNCTIONS.items():
        getattr(CM, name)(*_args(sig, ""))


def test_output_buffers_must_be_float64_and_contiguous():
    with pytest.raises(ValueError, match="C-contiguous float64"):
        CM.jac_into(X, P, np.empty((N, N), dtype=np.float32))
    with pytest.raises(ValueError, match="C-contiguous float64"):
        CM.jac_into(X, P, np.empty((N, 2 * N))[:, ::2])


FHN = fitzhugh_nagumo()
RS = izhikevich("RS")


def _net(**bad):
    n = 100
    args = dict(a=np.full(n, 0.02), b=np.full(n, 0.2), c=np.full(n, -65.0), d=np.full(n, 8.0),
                weights=np.zeros((n, n)), noise_std=5.0, t_end=10.0)
    args.update(bad)
    return bifur.simulate_izhikevich_network(**args)


CALLS = {
    "simulate x0": lambda: bifur.simulate(HH, 1.0, x0=[1.0]),
    "simulate x0 too long": lambda: bifur.simulate(HH, 1.0, x0=LONG),
    "simulate_many x0 rows": lambda: bifur.simulate_many(HH, "I", [1.0, 2.0], 1.0, x0=np.zeros((3, N))),
    "simulate_many x0 columns": lambda: bifur.simulate_many(HH, "I", [1.0, 2.0], 1.0, x0=np.zeros((2, N - 1))),
    "simulate_many x0 vector": lambda: bifur.simulate_many(HH, "I", [1.0], 1.0, x0=SHORT),
    "simulate_many values": lambda: bifur.simulate_many(HH, "I", np.zeros((2, 2)), 1.0),
    "find_equilibria seeds": lambda: bifur.find_equilibria(HH, seeds=[[1.0]]),
    "find_cycle x0": lambda: bifur.find_cycle(HH, params={"I": 20.0}, x0=SHORT),
    "continue_equilibria start": lambda: bifur.continue_equilibria(HH, "I", (0.0, 1.0), start=SHORT),
    "continue_equilibria at": lambda: bifur.continue_equilibria(HH, "I", (0.0, 1.0), at=np.zeros((2, 2))),
    "firing_pattern x0": lambda: bifur.firing_pattern(RS, {"I": 10.0}, x0=[1.0, 2.0, 3.0]),
    "network b": lambda: _net(b=np.full(99, 0.2)),
    "network weights": lambda: _net(weights=np.zeros((100, 99))),
    "network noise": lambda: _net(noise_std=np.ones(3)),
    "network v0": lambda: _net(v0=[-65.0]),
    "cycle profile": lambda: bifur.Cycle(FHN, dict(FHN.params), 10.0, np.linspace(0, 1, 11), np.zeros((41, 3))),
    "cycle mesh": lambda: bifur.Cycle(FHN, dict(FHN.params), 10.0, np.array([0.0, 0.7, 0.5, 1.0]),
                                      np.zeros((13, 2))),
}


@pytest.mark.parametrize("what", sorted(CALLS))
def test_public_functions_refuse_wrong_shapes(what):
    with pytest.raises(ValueError, match="shape|mesh"):
        CALLS[what]()


def test_network_with_mismatched_v0_no_longer_crashes_in_a_subprocess():
    """Before the checks this sequence ended in a segmentation fault (4 of 4 runs)."""
    import subprocess
    import sys
    code = ("import numpy as np, bifur\n"
            "n = 100\n"
            "try:\n"
            "    bifur.simulate_izhikevich_network(np.full(n, .02), np.full(n, .2), np.full(n, -65.), np.full(n, 8.),"
            " np.random.default_rng(0).random((n, n)), 5.0, t_end=1000.0, v0=[-65.0])\n"
            "except ValueError as e:\n"
            "    print('refused:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "refused: v0 must have shape (100,)" in out.stdout


def test_a_cycle_of_another_model_is_refused_as_a_start():
    hh = bifur.find_cycle(HH, params={"I": 20.0})
    with pytest.raises(ValueError, match="states"):
        bifur.continue_cycles(FHN, hh, "I", (0.0, 1.0))


def test_izhikevich_network_sizes_are_validated():
    with pytest.raises(ValueError, match="ne"):
        bifur.izhikevich_network(ne=-1)
    with pytest.raises(ValueError, match="at least one neuron"):
        bifur.izhikevich_network(ne=0, ni=0)
