"""Settings of the continuation engine: one immutable record with documented, validated defaults."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from .. import _checks

__all__ = ["ContinuationSettings"]


@dataclass(frozen=True)
class ContinuationSettings:
    """Settings of :func:`~bifur.continuation.engine.continuation` (immutable; use ``.with_``).

    Every value is checked when the settings are made: a bad value raises ValueError naming it.

    Attributes
    ----------
    ds : float or None
        Initial step (arclength in the problem's weighted norm). None: ``ds_max / 5``.
    ds_min : float or None
        Smallest step before giving up. None: ``1e-7 * ds_max``.
    ds_max : float or None
        Largest step. None: chosen by the problem from the scales of the branch (see each
        ``continue_*`` function), or 2 % of the parameter range for a bare problem.
    max_steps : int
        Maximum number of points per direction.
    newton_tol : float
        Newton converges when the update and residual are below ``newton_tol`` (relative).
    newton_max_iter : int
        Newton iterations per corrector before the step is halved.
    grow, shrink : float
        Step factors after a fast convergence (> 1) / a failure (in (0, 1)).
    fast_iter : int
        A corrector that converged in at most this many iterations grows the step.
    max_turn : float
        Largest angle (radians) between consecutive tangents; a sharper turn halves the step.
    detect_events : bool
        Detect and locate special points.
    locate_tol : float
        Events are located to this relative precision in the parameter.
    direction : {"both", "forward", "backward"}
        "forward" is towards increasing parameter at the start point.

    Examples
    --------
    >>> s = ContinuationSettings(ds_max=2.0).with_(max_steps=200)
    >>> s.ds_max, s.max_steps, s.resolved(100.0).ds
    (2.0, 200, 0.4)
    >>> ContinuationSettings(newton_tol=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: newton_tol must be positive, got -1.0
    """

    ds: float | None = None
    ds_min: float | None = None
    ds_max: float | None = None
    max_steps: int = 1000
    newton_tol: float = 1e-10
    newton_max_iter: int = 10
    grow: float = 1.5
    shrink: float = 0.5
    fast_iter: int = 3
    max_turn: float = 0.5
    detect_events: bool = True
    locate_tol: float = 1e-10
    direction: str = "both"

    def __post_init__(self) -> None:
        for name in ("ds", "ds_min", "ds_max"):
            if getattr(self, name) is not None:
                _checks.positive(getattr(self, name), name)
        _checks.count(self.max_steps, "max_steps", 1, 10_000_000)
        _checks.tolerance(self.newton_tol, "newton_tol")
        _checks.tolerance(self.locate_tol, "locate_tol")
        _checks.count(self.newton_max_iter, "newton_max_iter", 1, 1000)
        _checks.count(self.fast_iter, "fast_iter", 0, 1000)
        if not _checks.real(self.grow, "grow") >= 1.0:
            raise ValueError(f"grow must be >= 1, got {self.grow}")
        if not 0.0 < _checks.real(self.shrink, "shrink") < 1.0:
            raise ValueError(f"shrink must be in (0, 1), got {self.shrink}")
        if not 0.0 < _checks.real(self.max_turn, "max_turn") <= math.pi:
            raise ValueError(f"max_turn must be in (0, pi], got {self.max_turn}")
        if self.direction not in ("both", "forward", "backward"):
            raise ValueError(f"direction must be 'both', 'forward' or 'backward', got {self.direction!r}")

    def with_(self, **changes: Any) -> "ContinuationSettings":
        """A copy with some fields changed (validated like a new record)."""
        return replace(self, **changes)

    def resolved(self, width: float, ds_max_default: float | None = None) -> "ContinuationSettings":
        """Fill the step-size defaults: ``ds_max`` from the problem's own scales
        (``ds_max_default``) or, for a problem without them, 2 % of ``width``."""
        ds_max = self.ds_max if self.ds_max is not None else (
            ds_max_default if ds_max_default is not None else 0.02 * width)
        ds = self.ds if self.ds is not None else ds_max / 5
        ds_min = self.ds_min if self.ds_min is not None else 1e-7 * ds_max
        if not (0 < ds_min <= ds <= ds_max):
            raise ValueError(f"need 0 < ds_min <= ds <= ds_max, got {ds_min}, {ds}, {ds_max}")
        return replace(self, ds=ds, ds_min=ds_min, ds_max=ds_max)
