"""Continuation: one engine (:mod:`.engine`) and its problems (equilibria, cycles, ...)."""
from .engine import continuation
from .problem import Problem
from .settings import ContinuationSettings
from .cycles import CycleProblem, continue_cycles
from .equilibria import EquilibriumProblem, continue_equilibria
from .reset_maps import ResetMapProblem, continue_reset_cycles

__all__ = ["ContinuationSettings", "Problem", "continuation", "EquilibriumProblem", "continue_equilibria",
           "CycleProblem", "continue_cycles", "ResetMapProblem", "continue_reset_cycles"]
