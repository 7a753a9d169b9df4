"""bifur: bifurcation analysis of neuron models.

Models are declared in sympy or as text, compiled once to numba, simulated, and
analysed by continuation. See the README and ``notebooks/`` for a tour.

Examples
--------
>>> import bifur
>>> from bifur.models import hodgkin_huxley
>>> [rest] = bifur.find_equilibria(hodgkin_huxley())
>>> round(rest["V"], 3)
-64.996
"""
from . import _warmup, models, plot  # _warmup: first-use compilation in a second process
from .branch import Branch, CycleBranch, Diagnostic, EquilibriumBranch, ResetCycleBranch, SpecialPoint
from .branch_io import load_branch
from .continuation import ContinuationSettings, continue_cycles, continue_equilibria
from .continuation.codim2 import continue_bifurcation
from .continuation.homoclinic import continue_homoclinic
from .continuation.snic import classify_snic, saddle_node_loop
from .continuation.find_cycle import find_cycle
from .curves import BifurcationCurve
from .cycle import Cycle
from .codegen import CompiledModel, compile_model
from .equilibria import Equilibrium, find_equilibria
from .errors import (BifurError, BifurWarning, BranchWarning, CacheWarning, Interrupted, ModelError,
                     SimulationWarning, SolverError, Status, StatusCode)
from .model import Model, Reset
from .firing import FiringPattern, firing_pattern
from .firingmap import FiringMap
from .map_continuation import firing_map
from .network import NetworkResult, izhikevich_network, simulate_izhikevich_network
from .neuro import FICurve, depolarization_block, fg_curve, fi_curve, input_conductance, with_conductance_input
from .simulate import SpikeTrains, Trajectory, simulate, simulate_many
from .spike_shape import SpikeShape, spike_shape
from .sweep import sweep
from .fit import fit

__version__ = "0.1.0"

__all__ = [
    "Model", "Reset", "CompiledModel", "compile_model",
    "simulate", "simulate_many", "Trajectory", "SpikeTrains",
    "find_equilibria", "Equilibrium",
    "continue_equilibria", "ContinuationSettings", "Branch", "EquilibriumBranch", "CycleBranch", "ResetCycleBranch",
    "SpecialPoint", "Diagnostic", "load_branch",
    "continue_bifurcation", "BifurcationCurve", "classify_snic", "saddle_node_loop", "continue_homoclinic",
    "firing_map", "FiringMap",
    "continue_cycles", "find_cycle", "Cycle", "spike_shape", "SpikeShape",
    "fi_curve", "fg_curve", "FICurve", "depolarization_block", "with_conductance_input", "input_conductance",
    "firing_pattern", "FiringPattern", "izhikevich_network", "simulate_izhikevich_network", "NetworkResult",
    "BifurError", "ModelError", "SolverError", "Status", "StatusCode", "BifurWarning", "BranchWarning",
    "CacheWarning", "SimulationWarning", "Interrupted",
    "models", "plot",
    "sweep", "fit",
]
