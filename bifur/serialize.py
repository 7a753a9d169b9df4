"""Models as plain dictionaries of text, readable back through the safe parser (never eval)."""
from __future__ import annotations

from typing import Any

import sympy
from sympy.printing.str import StrPrinter

from .model import Model, Reset

__all__ = ["model_to_dict", "model_from_dict", "expr_to_text"]


class _TextPrinter(StrPrinter):
    """Prints expressions in the grammar of :mod:`bifur.parse` with exact floats."""

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        return f"heaviside({self._print(expr.args[0])})"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"


def expr_to_text(expr: sympy.Expr) -> str:
    """Text that :func:`bifur.parse.parse_expr` reads back to an equal expression.

    Examples
    --------
    >>> from bifur.parse import sym
    >>> expr_to_text(sympy.Abs(sym("x")) + sympy.Float(0.1) * sym("x") ** 2)
    '0.1*x**2 + abs(x)'
    """
    return _TextPrinter({"full_prec": True}).doprint(expr)


def model_to_dict(model: Model) -> dict[str, Any]:
    """Plain-data description of a model (JSON-encodable), units included.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> d = model_to_dict(hodgkin_huxley())
    >>> d["units"]["I"], model_from_dict(d).units == hodgkin_huxley().units
    ('uA/cm2', True)
    """
    reset = None
    if model.reset is not None:
        r = model.reset
        reset = {"condition": f"{expr_to_text(r.g)} >= 0",
                 "assign": {k: expr_to_text(v) for k, v in r.new_values.items()}}
    return {"name": model.name, "states": dict(model.init), "params": dict(model.params),
            "equations": {k: expr_to_text(v) for k, v in model.equations.items()}, "reset": reset,
            "time_unit": model.time_unit, "voltage": model.voltage, "description": model.description,
            "reference": model.reference, "capacitance": model.capacitance, "text": model.equations_text(),
            "units": dict(model.units)}


def model_from_dict(d: dict[str, Any]) -> Model:
    """Inverse of :func:`model_to_dict`; equations are read by the safe parser."""
    reset = None if d.get("reset") is None else Reset(d["reset"]["condition"], d["reset"]["assign"])
    return Model(d["name"], states=d["states"], params=d["params"], equations=d["equations"], reset=reset,
                 time_unit=d["time_unit"], voltage=d["voltage"], description=d.get("description", ""),
                 reference=d.get("reference", ""), capacitance=d.get("capacitance"), text=d.get("text"),
                 units=d.get("units"))
