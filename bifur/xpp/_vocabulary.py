"""XPP's vocabulary and the limits of a file: the bounds on the work a file can ask for, the
functions bifur expresses (and how they are built in sympy, eagerly or without evaluation for
large arguments), the functions and commands it refuses (with the reason given in the error),
reserved words, the pattern of a name, declaration keywords and the ``@`` options that matter.
The underscore names are the package's internal interface, imported by name by its modules."""
from __future__ import annotations

import re
from typing import Callable

import sympy

from ..parse import fold_tree, sym

#: Bounds on the work a file can ask for (each exceeded bound raises ModelError naming it).
MAX_TEXT = 4_000_000        # characters of one file
MAX_ARRAY = 5_000           # elements of one index range x[a..b]
MAX_STATEMENTS = 20_000     # statements once arrays are expanded
MAX_INLINE_DEPTH = 250      # nesting depth of an expression once definitions and functions are inlined

_HALF = sympy.Rational(1, 2)
_T = sym("t")


def _build(cls) -> Callable:
    """``cls(*args)``, without sympy's automatic simplification when ``lazy`` (large arguments:
    sympy's checks walk the whole argument, as often as a shared subexpression occurs)."""
    def build(*args: sympy.Expr, lazy: bool = False) -> sympy.Expr:
        return cls(*args, evaluate=False) if lazy else cls(*args)
    return build


def _log10(a: sympy.Expr, lazy: bool = False) -> sympy.Expr:
    return sympy.Mul(sympy.log(a, evaluate=not lazy), sympy.Pow(sympy.log(10), -1), evaluate=not lazy)


def _sqrt(a: sympy.Expr, lazy: bool = False) -> sympy.Expr:
    return sympy.Pow(a, _HALF, evaluate=not lazy)


def _heav(a: sympy.Expr, lazy: bool = False) -> sympy.Expr:
    return sympy.Heaviside(a, _HALF, evaluate=not lazy)


#: XPP's functions that bifur expresses: lower-case name -> (number of arguments, builder).
_XPP_FUNCTIONS: dict[str, tuple[int, Callable]] = {
    "sin": (1, _build(sympy.sin)), "cos": (1, _build(sympy.cos)), "tan": (1, _build(sympy.tan)),
    "atan": (1, _build(sympy.atan)), "sinh": (1, _build(sympy.sinh)), "cosh": (1, _build(sympy.cosh)),
    "tanh": (1, _build(sympy.tanh)), "exp": (1, _build(sympy.exp)), "ln": (1, _build(sympy.log)),
    "log": (1, _build(sympy.log)), "log10": (1, _log10), "sqrt": (1, _sqrt), "abs": (1, _build(sympy.Abs)),
    "sign": (1, _build(sympy.sign)), "heav": (1, _heav), "max": (2, _build(sympy.Max)),
    "min": (2, _build(sympy.Min)),
}

#: Arguments larger than this (nodes written out) are wrapped in functions without evaluation.
_LAZY_SIZE = 300


class _Sizes:
    """Tree sizes (nodes written out) with a memo kept for the whole file: each distinct
    subexpression is counted once, however often it is shared."""

    def __init__(self) -> None:
        self.memo: dict = {}

    def __call__(self, expr: sympy.Basic) -> int:
        return fold_tree(expr, lambda values: 1 + sum(values), self.memo)

    def lazy(self, *args: sympy.Basic) -> bool:
        return sum(self(a) for a in args) > _LAZY_SIZE


#: XPP's functions that bifur cannot express, with the reason given in the error.
_REFUSED_FUNCTIONS: dict[str, str] = {
    "delay": "delay equations are not supported",
    "del_shft": "delay equations are not supported",
    "ran": "random numbers are not supported (bifur models are deterministic)",
    "normal": "random numbers are not supported (bifur models are deterministic)",
    "poisson": "random numbers are not supported (bifur models are deterministic)",
    "shift": "shift() addresses variables by position, which bifur does not support: write the variable's name",
    "ishift": "ishift() addresses variables by position, which bifur does not support",
    "sum": "sum(...)of(...) is not supported: write the sum out",
    "int": "integral (Volterra) operators are not supported",
    "atan2": "atan2 is not among bifur's functions",
    "asin": "asin is not among bifur's functions",
    "acos": "acos is not among bifur's functions",
    "erf": "erf is not among bifur's functions",
    "erfc": "erfc is not among bifur's functions",
    "besselj": "Bessel functions are not among bifur's functions",
    "bessely": "Bessel functions are not among bifur's functions",
    "besseli": "Bessel functions are not among bifur's functions",
    "lgamma": "lgamma is not among bifur's functions",
    "hom_bcs": "hom_bcs belongs to boundary-value problems, which are not supported",
    "set": "set() inside formulas is not supported",
}

#: Words XPP reserves: no name may be one of them.
_RESERVED = ({"t", "pi", "if", "then", "else", "not", "of", "mod", "flr"} | set(_XPP_FUNCTIONS)
             | set(_REFUSED_FUNCTIONS) | {f"arg{k}" for k in range(1, 21)})

#: Declaration keywords (and the abbreviations XPP accepts) -> canonical kind.
_COMMANDS: dict[str, str] = {}
for _kind, _words in {
    "par": ("p", "par", "param", "params", "parameter", "parameters"),
    "number": ("n", "num", "number", "numbers"),
    "init": ("i", "init", "initial"),
    "aux": ("a", "aux", "auxiliary"),
    "global": ("g", "global"),
    "done": ("d", "done"),
    "wiener": ("w", "wiener"),
    "markov": ("m", "markov"),
    "table": ("t", "tab", "table"),
    "bdry": ("b", "bdry", "bndry", "boundary"),
    "special": ("special", "spec"),
    "volterra": ("volt", "volterra"),
    "solv": ("solv", "solve"),
    "set": ("set",),
    "only": ("only",),
    "options": ("option", "options", "opt"),
    "export": ("export",),
    "include": ("include",),
}.items():
    for _w in _words:
        _COMMANDS[_w] = _kind

_REFUSED_COMMANDS = {
    "wiener": "'wiener' (white noise) is not supported: bifur models are deterministic",
    "markov": "'markov' (random state switching) is not supported: bifur models are deterministic",
    "table": "'table' is not supported: write the tabulated function as a formula, e.g. 'f(t)=tanh(t)'",
    "special": "'special' (network operators) is not supported: write the coupling out",
    "volterra": "'volterra' (integral equations) is not supported",
    "solv": "'solv' (differential-algebraic equations) is not supported",
    "export": "'export' (code in a compiled library) is not supported",
    "include": "'#include' is not followed: paste the included file's text into the file",
}

#: Options that matter to bifur, and how their values are read.
_OPTION_FLOATS = ("total", "dt", "t0", "trans", "toler", "atoler", "dtmin", "dtmax", "bound",
                  "xlo", "xhi", "ylo", "yhi")
_OPTION_NAMES = ("meth", "xp", "yp", "zp")
_STIFF_METHODS = {"stiff", "gear", "cvode", "2rb", "rb", "backeul", "be"}

#: A name in an XPP file (letters, digits and '_'; any letter case).
_XPP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
