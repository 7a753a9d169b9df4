"""Exceptions and status records shared by every part of bifur.

Failures that a caller may want to inspect (a continuation that stopped early, a
simulation that hit a singularity) are reported as a :class:`Status` carrying a
message with advice; ``throw=True`` turns a failed status into an exception that
still carries the partial result.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = ["BifurError", "ModelError", "SolverError", "Status", "StatusCode", "BifurWarning", "CacheWarning",
           "BranchWarning", "SimulationWarning", "Interrupted"]


class BifurError(Exception):
    """Base class of bifur's exceptions."""


class ModelError(BifurError, ValueError):
    """A model declaration is malformed (unknown name, bad syntax, missing equation, ...)."""


class BifurWarning(UserWarning):
    """Base class of bifur's warnings (filter them with ``warnings.simplefilter(..., bifur.BifurWarning)``)."""


class CacheWarning(BifurWarning):
    """The compile cache could not be used as configured (bifur falls back and says how)."""


class SimulationWarning(BifurWarning):
    """A simulation stopped before its end (its ``status`` says why and what to try)."""


class BranchWarning(BifurWarning):
    """A branch is not complete: a special point could not be refined, a test-function zero was
    discarded for a reason that may hide a bifurcation, or the run stopped for a reason it could
    not explain. The branch's ``diagnostics`` and ``status`` say which."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a long computation: a KeyboardInterrupt that carries what was computed.

    ``result`` is the partial result of the call that was interrupted (for continuation, the
    branch up to the last accepted point, with status ``INTERRUPTED``); ``partial`` lists the
    complete results an enclosing call had already obtained (e.g. the branches of an f-I curve).
    It is not an ``Exception``: ``except Exception`` does not swallow it.
    """

    def __init__(self, message: str, result=None, partial: list | None = None):
        super().__init__(message)
        self.result = result
        self.partial = list(partial or [])


class SolverError(BifurError, RuntimeError):
    """A numerical procedure failed; ``status`` says why and ``result`` holds what was computed."""

    def __init__(self, status: "Status", result: Any = None):
        super().__init__(status.message)
        self.status = status
        self.result = result


class StatusCode(enum.Enum):
    """Why a numerical procedure stopped."""

    SUCCESS = "success"
    MAX_STEPS = "max_steps"
    STEP_TOO_SMALL = "step_too_small"
    NONFINITE = "nonfinite"
    NEWTON_FAILED = "newton_failed"
    PARAM_BOUND = "param_bound"
    CLOSED_LOOP = "closed_loop"
    PERIOD_DIVERGED = "period_diverged"
    HOPF_END = "hopf_end"
    SINGULAR = "singular"
    UNEXPLAINED = "unexplained"
    NO_SOLUTION = "no_solution"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Status:
    """Outcome of a numerical procedure: a code and a message that says what to try.

    Examples
    --------
    >>> s = Status(StatusCode.MAX_STEPS, "max_steps=10 reached at t=3.2: raise max_steps")
    >>> s.ok, str(s)
    (False, 'max_steps=10 reached at t=3.2: raise max_steps')
    """

    code: StatusCode
    message: str

    @property
    def ok(self) -> bool:
        """True when the procedure reached its goal (including ends that are expected results)."""
        return self.code in (StatusCode.SUCCESS, StatusCode.PARAM_BOUND, StatusCode.CLOSED_LOOP,
                             StatusCode.PERIOD_DIVERGED, StatusCode.HOPF_END)

    def __str__(self) -> str:
        return self.message

    @classmethod
    def success(cls, message: str = "success") -> "Status":
        return cls(StatusCode.SUCCESS, message)
