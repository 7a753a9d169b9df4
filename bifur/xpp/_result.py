"""The result of :func:`~bifur.xpp.read_xpp`: :class:`XppModel` (the model, its ``aux`` outputs,
the ``@`` options, notes and renamings), with the allow-listed numpy evaluator that computes the
``aux`` outputs along a trajectory node by node (no code generation)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import sympy

from ..model import Model
from ._vocabulary import _STIFF_METHODS


@dataclass(frozen=True)
class XppModel:
    """What :func:`read_xpp` read: the model and what a bifur model does not hold.

    Attributes
    ----------
    model : Model
        The model (states, parameters, equations, optional reset).
    aux : mapping of str to sympy.Expr
        The ``aux`` outputs, over the model's states, parameters and ``t``.
    options : mapping of str to float or str
        The ``@`` options (lower-case names; numbers as floats, the rest as text).
    notes : tuple of str
        What was ignored or renamed, and why.
    renamed : mapping of str to str
        XPP names that bifur could not use, to the names used instead.
    """

    model: Model
    aux: Mapping[str, sympy.Expr] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    renamed: Mapping[str, str] = field(default_factory=dict)

    def simulate_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`bifur.simulate` suggested by the file's options: ``t_end``
        (``total``), ``dt`` (output spacing: ``dt`` times ``njmp``) and ``method`` ("rosenbrock"
        when the file asks for a stiff integrator)."""
        out: dict[str, Any] = {}
        if "total" in self.options:
            out["t_end"] = float(self.options["total"])
        if "dt" in self.options:
            njmp = self.options.get("njmp", 1.0)
            njmp = njmp if isinstance(njmp, float) and njmp >= 1 else 1.0
            out["dt"] = float(self.options["dt"]) * njmp
        if str(self.options.get("meth", "")).lower() in _STIFF_METHODS:
            out["method"] = "rosenbrock"
        return out

    def aux_values(self, trajectory) -> dict[str, np.ndarray]:
        """Every ``aux`` quantity evaluated along a :class:`~bifur.Trajectory` of this model."""
        env = {n: trajectory.x[:, k] for k, n in enumerate(self.model.state_names)}
        env.update({n: float(v) for n, v in trajectory.params.items()})
        env["t"] = trajectory.t
        return {name: np.broadcast_to(_np_eval(expr, env), trajectory.t.shape).copy()
                for name, expr in self.aux.items()}


_NP_FUNCS = {sympy.exp: np.exp, sympy.log: np.log, sympy.sin: np.sin, sympy.cos: np.cos, sympy.tan: np.tan,
             sympy.atan: np.arctan, sympy.sinh: np.sinh, sympy.cosh: np.cosh, sympy.tanh: np.tanh,
             sympy.Abs: np.abs, sympy.sign: np.sign}


def _np_eval(expr: sympy.Expr, env: Mapping[str, Any]):
    """Evaluate an allow-listed expression with numpy, node by node (no code generation)."""
    memo: dict = {}
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if not ready and node.args and not node.is_Number:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        if node.is_Symbol:
            memo[node] = env[node.name]
        elif node.is_Number or node in (sympy.pi, sympy.E):
            memo[node] = float(node)
        else:
            a = [memo[x] for x in node.args]
            if node.is_Add:
                memo[node] = sum(a[1:], a[0])
            elif node.is_Mul:
                out = a[0]
                for v in a[1:]:
                    out = out * v
                memo[node] = out
            elif node.is_Pow:
                memo[node] = np.power(np.asarray(a[0], dtype=float), a[1])
            elif isinstance(node, sympy.Heaviside):
                memo[node] = np.heaviside(a[0], 0.5)
            elif isinstance(node, sympy.Min):
                memo[node] = np.minimum.reduce(np.broadcast_arrays(*a))
            elif isinstance(node, sympy.Max):
                memo[node] = np.maximum.reduce(np.broadcast_arrays(*a))
            else:
                memo[node] = _NP_FUNCS[node.func](a[0])
    return memo[expr]
