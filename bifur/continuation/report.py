"""From the engine's raw output to a :class:`~bifur.branch.Branch`, and saying what is incomplete.

Every public continuation function ends with :func:`raw_to_branch`, which raises one
:class:`~bifur.errors.BranchWarning` per branch that is not complete (stopped early or for
an unexplained reason, a special point left unrefined, a test-function zero discarded for a
reason that may hide a bifurcation). The same facts are on the branch: ``status``,
``SpecialPoint.refined`` and ``diagnostics``.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..branch import Branch, make_branch
from ..errors import BranchWarning, Interrupted, SolverError, StatusCode
from ..model import Model
from .problem import RawBranch

__all__ = ["raw_to_branch", "warn_if_incomplete"]


def raw_to_branch(raw: RawBranch, kind: str, model: Model, param: str, params: dict,
                  arrays: dict[str, np.ndarray], x: np.ndarray, stable: np.ndarray,
                  meta: dict | None = None, warn: bool = True, throw: bool = False) -> Branch:
    """Assemble a Branch from continuation output (special points get their index on the branch)
    and warn if it is incomplete (see :func:`warn_if_incomplete`). An interrupted run raises
    :class:`~bifur.Interrupted` carrying the partial branch; with ``throw``, a run that stopped
    for a failure raises :class:`~bifur.SolverError` carrying it (instead of warning)."""
    sps = []
    for i, pt in enumerate(raw.points):
        if pt.special is not None:
            pt.special.index = i
            # a problem may set values of parameters that vary along the branch besides ``param``
            # (the first parameter of a two-parameter curve); ``params`` holds all the others
            pt.special.params = {**pt.special.params, **params, param: float(pt.special.param)}
            sps.append(pt.special)
    param_vals = np.array([pt.z[-1] for pt in raw.points])
    arrays = {**arrays, "user": np.array([pt.user for pt in raw.points], dtype=bool)}
    br = make_branch(kind, param, param_vals, x, stable, sps, raw.status, model.state_names,
                     {k: v for k, v in params.items() if k != param}, model.time_unit, arrays, model,
                     {"seconds": raw.seconds, **(meta or {})}, raw.diagnostics)
    if br.status.code == StatusCode.INTERRUPTED:
        raise Interrupted(br.status.message, result=br)
    if throw and not br.status.ok:
        raise SolverError(br.status, br)
    if warn:
        warn_if_incomplete(br, stacklevel=4)
    return br


def warn_if_incomplete(branch: Branch, stacklevel: int = 2) -> None:
    """Raise one BranchWarning listing what is incomplete about ``branch`` (nothing if complete)."""
    issues = []
    if not branch.status.ok:
        issues.append(f"it stopped early: {branch.status.message}")
    for sp in branch.special_points:
        if not sp.refined:
            issues.append(f"{sp.kind} near {branch.param_name}={sp.param:.10g} could not be refined (it lies in "
                          f"[{sp.bracket[0]:.10g}, {sp.bracket[1]:.10g}])")
    for d in branch.diagnostics:
        if d.severity == "warning":
            issues.append(f"{d.kind} near {branch.param_name}={d.param:.10g}: {d.message}")
    if issues:
        model = branch.model.name if branch.model is not None else "?"
        warnings.warn(f"bifur: the {branch.kind} branch of {model} in {branch.param_name} is incomplete: "
                      + "; ".join(issues), BranchWarning, stacklevel=stacklevel)
