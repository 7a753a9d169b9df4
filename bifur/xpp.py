"""Reading XPPAUT ``.ode`` files into bifur models.

:func:`read_xpp` (and its thin front :meth:`bifur.Model.from_xpp`) reads the XPPAUT file
format as found in published models, with its own tokenizer and parser: nothing reaches
``eval``, ``exec`` or ``sympify``, the limits of :mod:`bifur.parse` (tokens, nesting depth,
constant powers, literal length, inlined size, ASCII digits) apply to every formula, and
every error is a :class:`~bifur.errors.ModelError` naming the line.

Read
    ``dX/dt=``, ``X'=``; ``par``/``p``/``param``, ``number``/``num``, ``init``/``i``,
    ``X(0)=``; ``aux``; fixed quantities ``X=expr``; user functions ``f(x,y)=expr`` (inlined
    at the sympy level, with cycle and size limits); ``!name=`` derived parameters; ``heav``,
    ``if(c)then(a)else(b)``, comparisons, ``&``, ``|``, ``not``, ``sign``, ``abs``, ``max``,
    ``min``, ``ln``/``log``, ``log10``, the trigonometric and hyperbolic functions, ``pi``;
    ``mod`` and ``flr`` of constants; ``#`` and ``"`` comments, ``done``; ``@`` options
    (kept as metadata); continuation lines ending in ``\\``; CRLF line endings; commas or
    spaces between declarations; names in any letter case (XPP ignores case); one
    ``global`` event with sign 1 or -1 that resets states, as a :class:`~bifur.Reset`;
    index arrays ``x[1..n]`` and ``%[1..n] ... %`` blocks.

Refused with a ModelError naming the line and the feature (bifur cannot represent them, and a
model that silently differs from the file would be worse than none): ``wiener``, ``markov``,
``table``, ``delay``/``del_shft``, ``special``, ``volterra``/``int{...}``, maps
(``x(t+1)=`` or ``@ meth=discrete``), ``0=`` and ``solv`` (DAEs), ``export``, ``#include``,
random functions (``ran``, ``normal``, ``poisson``), ``shift``, ``sum(...)of(...)``, ``atan2``,
``asin``, ``acos``, ``erf``, Bessel functions, ``mod``/``flr`` of quantities that change, ``==``
and ``!=`` between quantities that change, conditions that are not comparisons, more than one
``global`` event, events with sign 0 or assigning parameters.

How XPP constructs become bifur expressions
    * a comparison ``a>b`` (``a>=b``) is ``heaviside(a - b)`` and ``a<b`` (``a<=b``) is
      ``heaviside(b - a)``; ``c1&c2`` is the product, ``c1|c2`` is ``c1 + c2 - c1*c2`` and
      ``not(c)`` is ``1 - c``; ``if(c)then(a)else(b)`` is ``c*a + (1 - c)*b``. XPP's
      comparisons are 0 or 1; bifur's heaviside is 1/2 exactly at equality, a difference on a
      set of measure zero. Both branches of an ``if`` are evaluated, so a branch that is not
      finite where it is not selected (``if(x>0)then(ln(x))else(0)`` at x < 0) gives NaN there.
    * ``heav(x)`` is ``heaviside(x)`` (XPP: 1 at x = 0, bifur: 1/2).
    * Operator precedence is XPP's own: comparisons bind as tightly as ``^`` (so
      ``2*x>1`` means ``2*(x>1)`` in XPP, and here), ``&`` as ``*``, ``|`` as ``+``, and ``^`` is
      left-associative (``2^3^2`` is 64).
    * ``number`` constants and ``!`` derived parameters are inlined (their formulas stay
      symbolic in the parameters); ``par`` values become the model's parameters.
    * ``aux`` quantities are kept as named outputs: :attr:`XppModel.aux` (sympy expressions),
      :meth:`XppModel.aux_values` (evaluated on a trajectory), and in the model's text as
      definitions that no equation uses, from which :meth:`bifur.Model.to_xpp` writes them back.

Units
    XPP files carry none. ``time_unit`` defaults to ``"ms"`` when the model has a membrane
    potential (a state named V or v, or ``voltage=``) and to ``"1"`` otherwise; pass it
    explicitly when you know better (e.g. ``time_unit="1"`` for a dimensionless FitzHugh-Nagumo
    file with a state ``v``).

Examples
--------
>>> m = read_xpp('''
... # Izhikevich neuron
... dv/dt=0.04*v^2+5*v+140-u+I
... du/dt=a*(b*v-u)
... par I=10 a=.02 b=.2 c=-65 d=8
... init v=-65 u=-13
... global 1 {v-30} {v=c;u=u+d}
... @ total=200, dt=.05
... done
... ''', name="izh")
>>> m.model.state_names, m.model.reset.describe()
(('v', 'u'), 'when v - 30 >= 0: v <- c, u <- d + u')
>>> m.options["total"], m.simulate_options()
(200.0, {'t_end': 200.0, 'dt': 0.05})
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import sympy

from .errors import ModelError
from .model import Model, Reset, check_expr
from .parse import (FUNCTIONS, MAX_DEPTH, MAX_TOKENS, MAX_TREE_SIZE, _number, _power, check_identifier, sym,
                    tree_size)
from .serialize import expr_to_text

__all__ = ["read_xpp", "XppModel", "MAX_ARRAY", "MAX_STATEMENTS", "MAX_TEXT", "MAX_INLINE_DEPTH"]

#: Bounds on the work a file can ask for (each exceeded bound raises ModelError naming it).
MAX_TEXT = 4_000_000        # characters of one file
MAX_ARRAY = 5_000           # elements of one index range x[a..b]
MAX_STATEMENTS = 20_000     # statements once arrays are expanded
MAX_INLINE_DEPTH = 250      # nesting depth of an expression once definitions and functions are inlined

_HALF = sympy.Rational(1, 2)
_T = sym("t")


def _heaviside(x: sympy.Expr) -> sympy.Expr:
    return FUNCTIONS["heaviside"][2](x)


# -- XPP's vocabulary ------------------------------------------------------------------------------
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
        memo = self.memo
        if expr in memo:
            return memo[expr]
        stack = [(expr, False)]
        while stack:
            node, ready = stack.pop()
            if node in memo:
                continue
            if ready or not node.args:
                memo[node] = 1 + sum(memo[a] for a in node.args)
                continue
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
        return memo[expr]

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


# -- results -----------------------------------------------------------------------------------------
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


# -- lines and statements -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Stmt:
    line: int            # first physical line
    last: int            # last physical line (continuations)
    text: str            # the statement (comment removed, continuations joined), as written
    index: str = ""      # "j=3" for statements expanded from an index range

    @property
    def where(self) -> str:
        lines = f"line {self.line}" if self.last == self.line else f"lines {self.line}-{self.last}"
        return f"{lines} ({self.index})" if self.index else lines

    def error(self, msg: str) -> ModelError:
        return ModelError(f"{self.where}: {msg} in {_quote(self.text)!r}")


def _quote(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 120 else text[:117] + "..."


_COMMENT_FEATURES = (("#include", "include"),)
_INT_OPERATOR = re.compile(r"\bint\s*[\[{]", re.IGNORECASE)


def _statements(text: str) -> tuple[list[_Stmt], list[str]]:
    """Physical lines -> statements: continuations joined, comments removed, ``done`` ends."""
    notes: list[str] = []
    out: list[_Stmt] = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        first, parts = k + 1, []
        while True:
            raw = lines[k]
            k += 1
            if raw.rstrip().endswith("\\") and k < len(lines):
                parts.append(raw.rstrip()[:-1])
                continue
            parts.append(raw[:-1] if raw.rstrip().endswith("\\") else raw)
            break
        joined = "".join(parts)
        stripped = joined.strip()
        if not stripped or stripped.startswith('"'):
            continue
        if stripped.startswith("#"):
            if re.match(r"#\s*include\b", stripped, re.IGNORECASE):
                raise ModelError(f"line {first}: {_REFUSED_COMMANDS['include']}")
            continue
        if _INT_OPERATOR.search(joined):
            raise ModelError(f"line {first}: {_REFUSED_COMMANDS['volterra']} (int{{...}} operator) "
                             f"in {_quote(joined)!r}")
        code = joined.split("#", 1)[0].rstrip()
        if not code.strip():
            continue
        word = code.split(None, 1)[0].lower()
        if word in ("d", "done") and code.strip().lower() in ("d", "done"):
            break
        out.append(_Stmt(first, k, code))
    return out, notes


_RANGE = re.compile(r"\[\s*(-?[0-9]+)\s*\.\.\s*(-?[0-9]+)\s*\]")
_INDEX = re.compile(r"\[([^\[\]]*)\]")


def _index_value(expr: str, j: int, st: _Stmt) -> int:
    """Evaluate the integer arithmetic of an index ``[j+1]``, ``[2*j-1]``, ``[j]`` (j, digits, + - *, parentheses)."""
    s = expr.replace(" ", "")
    if not s or len(s) > 40 or not re.fullmatch(r"[0-9jJ+\-*()]+", s):
        raise st.error(f"index [{expr}] must be integer arithmetic in j (e.g. [j], [j+1], [2*j])")
    toks = re.findall(r"[0-9]+|[jJ]|[-+*()]", s)
    pos = 0

    def atom() -> int:
        nonlocal pos
        if pos >= len(toks):
            raise st.error(f"malformed index [{expr}]")
        tok = toks[pos]
        pos += 1
        if tok in "jJ":
            return j
        if tok == "-":
            return -atom()
        if tok == "(":
            v = summ()
            if pos >= len(toks) or toks[pos] != ")":
                raise st.error(f"malformed index [{expr}]")
            pos += 1
            return v
        if tok.isdigit():
            return int(tok)
        raise st.error(f"malformed index [{expr}]")

    def prod() -> int:
        nonlocal pos
        v = atom()
        while pos < len(toks) and toks[pos] == "*":
            pos += 1
            v *= atom()
        return v

    def summ() -> int:
        nonlocal pos
        v = prod()
        while pos < len(toks) and toks[pos] in "+-":
            op = toks[pos]
            pos += 1
            v = v + prod() if op == "+" else v - prod()
        return v

    value = summ()
    if pos != len(toks):
        raise st.error(f"malformed index [{expr}]")
    return value


def _substitute_index(text: str, j: int, st: _Stmt) -> str:
    """Replace ``name[a..b]`` by ``name<j>``, ``name[expr]`` by ``name<value>`` and a free ``[expr]`` by its value."""
    text = _RANGE.sub(str(j), text)

    def repl(m: re.Match) -> str:
        value = _index_value(m.group(1), j, st)
        glued = m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")
        if glued and value < 0:
            raise st.error(f"index [{m.group(1)}] is negative for j={j}")
        return str(value)

    return _INDEX.sub(repl, text)


def _expand_arrays(stmts: list[_Stmt]) -> list[_Stmt]:
    """Expand ``%[a..b] ... %`` blocks and statements with an index range ``[a..b]``."""
    out: list[_Stmt] = []

    def rng(m: re.Match, st: _Stmt) -> range:
        a, b = int(m.group(1)), int(m.group(2))
        if a < 0 or b < 0:
            raise st.error("index ranges start at a non-negative integer")
        if abs(b - a) + 1 > MAX_ARRAY:
            raise st.error(f"index range [{a}..{b}] has more than {MAX_ARRAY} elements")
        return range(a, b + 1) if b >= a else range(a, b - 1, -1)

    def emit(st: _Stmt) -> None:
        out.append(st)
        if len(out) > MAX_STATEMENTS:
            raise st.error(f"more than {MAX_STATEMENTS} statements once index ranges are expanded")

    k = 0
    while k < len(stmts):
        st = stmts[k]
        k += 1
        s = st.text.strip()
        if s.startswith("%"):
            m = _RANGE.fullmatch(s[1:].strip())
            if m is None:
                raise st.error("expected '%[a..b]' to open an index block")
            block: list[_Stmt] = []
            while k < len(stmts) and stmts[k].text.strip() != "%":
                if stmts[k].text.strip().startswith("%"):
                    raise stmts[k].error("index blocks cannot be nested")
                block.append(stmts[k])
                k += 1
            if k >= len(stmts):
                raise st.error("index block '%[a..b]' is never closed by a line '%'")
            k += 1
            for j in rng(m, st):
                for b in block:
                    if _RANGE.search(b.text):
                        raise b.error("an index range inside an index block")
                    emit(_Stmt(b.line, b.last, _substitute_index(b.text, j, b), f"j={j}"))
            continue
        ranges = list(_RANGE.finditer(st.text))
        if not ranges:
            if "[" in st.text or "]" in st.text:
                raise st.error("index brackets '[...]' outside an index range x[a..b] or a block %[a..b]")
            emit(st)
            continue
        bounds = {(int(m.group(1)), int(m.group(2))) for m in ranges}
        if len(bounds) > 1:
            raise st.error("one statement may use only one index range")
        for j in rng(ranges[0], st):
            emit(_Stmt(st.line, st.last, _substitute_index(st.text, j, st), f"j={j}"))
    return out


# -- names ----------------------------------------------------------------------------------------------
_XPP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class _Entry:
    kind: str        # state, par, number, fixed, derived, function, aux
    name: str        # as declared in the file
    line: int
    bifur: str = ""  # the name used in the bifur model
    rhs: str = ""    # formula text (fixed, derived, aux, function body, state equation)
    st: _Stmt | None = None
    offset: int = 0  # index of rhs in st.text
    args: tuple[str, ...] = ()


class _Names:
    """XPP names are case-insensitive: each is registered once, under its lower-case key."""

    def __init__(self) -> None:
        self.entries: dict[str, _Entry] = {}
        self.order: list[str] = []

    def add(self, entry: _Entry, st: _Stmt) -> _Entry:
        key = entry.name.lower()
        if not _XPP_NAME.fullmatch(entry.name):
            raise st.error(f"invalid name {entry.name!r}: use letters, digits and '_'")
        if key in _RESERVED:
            raise st.error(f"{entry.name!r} is a reserved word of XPP and cannot be declared")
        if key in self.entries:
            old = self.entries[key]
            same = "" if old.name == entry.name else f" as {old.name!r} (XPP names ignore letter case)"
            raise st.error(f"{entry.name!r} is declared twice (first on line {old.line}{same})")
        self.entries[key] = entry
        self.order.append(key)
        return entry

    def get(self, name: str) -> _Entry | None:
        return self.entries.get(name.lower())

    def of_kind(self, *kinds: str) -> list[_Entry]:
        return [self.entries[k] for k in self.order if self.entries[k].kind in kinds]


def _bifur_names(names: _Names, notes: list[str]) -> dict[str, str]:
    """Give every entry a bifur identifier; return XPP name -> new name for those that change."""
    used: set[str] = set()
    renamed: dict[str, str] = {}
    pending = []
    for key in names.order:
        e = names.entries[key]
        try:
            check_identifier(e.name)
            ok = e.name != "t"
        except ModelError:
            ok = False
        if ok and e.name not in used:
            e.bifur = e.name
            used.add(e.name)
        else:
            pending.append(e)
    for e in pending:
        base = e.name.lstrip("_") or "x"
        base = base if base[0].isalpha() else "x" + base
        cand = base + "_"
        while cand in used or cand.lower() in names.entries:
            cand += "_"
        e.bifur = cand
        used.add(cand)
        renamed[e.name] = cand
        notes.append(f"line {e.line}: {e.name!r} is renamed {cand!r} (not a valid bifur name)")
    return renamed


# -- formulas -------------------------------------------------------------------------------------------
_XTOKEN = re.compile(
    r"(?P<ws>[ \t]+)"
    r"|(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|>=|<=|==|!=|[-+*/^(),<>&|])"
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    col: int


@dataclass(frozen=True)
class _Val:
    expr: sympy.Expr
    boolean: bool = False   # a 0/1 truth value (comparison, &, |, not)


_CMP = (">", "<", ">=", "<=", "==", "!=")


class _Formula:
    """Recursive-descent parser of one XPP formula with XPP's operator precedence.

    ::

        sum     := product (('+' | '-' | '|') product)*
        product := unary (('*' | '/' | '&') unary)*
        unary   := ('-' | '+') unary | chain
        chain   := atom (('^' | '**' | '>' | '<' | '>=' | '<=' | '==' | '!=') operand)*
        operand := ('-' | '+') operand_chain | atom          (a signed operand takes the rest of the chain)
        atom    := NUMBER | NAME | NAME '(' sum (',' sum)* ')' | '(' sum ')' | if/then/else | not(...)
    """

    def __init__(self, text: str, st: _Stmt, offset: int, resolve: Callable[[str, "_Tok", "_Formula"], Any],
                 local: Mapping[str, sympy.Symbol] | None = None, sizes: _Sizes | None = None):
        self.text, self.st, self.offset, self.resolve = text, st, offset, resolve
        self.local = local or {}
        self.sizes = sizes or _Sizes()
        self.toks = self._tokenize(text)
        self.i = 0
        self.depth = 0

    def error(self, tok: _Tok, msg: str) -> ModelError:
        shown = tok.text if tok.kind != "end" else "end of formula"
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        return ModelError(f"{self.st.where}: {msg} at {shown!r} (column {self.offset + tok.col}) "
                          f"in {_quote(self.st.text)!r}")

    def _tokenize(self, text: str) -> list[_Tok]:
        for m in re.finditer(r"(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)\s*\(", text):
            if m.group(1).lower() in _REFUSED_FUNCTIONS:   # named before any character they bring (i', #)
                raise self.error(_Tok("name", m.group(1), m.start() + 1),
                                 f"{m.group(1)}: {_REFUSED_FUNCTIONS[m.group(1).lower()]}")
        toks: list[_Tok] = []
        pos = 0
        while pos < len(text):
            m = _XTOKEN.match(text, pos)
            if m is None:
                ch = text[pos]
                hint = {"'": " (i' and primes are only allowed in X'= on the left)",
                        "[": " (index brackets outside an index range)", "]": " (index brackets outside an index range)",
                        "{": " (braces belong to global and markov lines)", "}": " (braces belong to global lines)",
                        "!": " (use not(...) or !=)", ".": " (malformed number)"}.get(ch, "")
                raise ModelError(f"{self.st.where}: unexpected character {ch!r} at column {self.offset + pos + 1}"
                                 f"{hint} in {_quote(self.st.text)!r}")
            kind = m.lastgroup
            if kind != "ws":
                tok = m.group(kind)
                if kind == "num" and m.end() < len(text) and (text[m.end()].isalpha() or text[m.end()] == "_"):
                    raise ModelError(f"{self.st.where}: malformed number {text[pos:m.end() + 1]!r} at column "
                                     f"{self.offset + pos + 1} in {_quote(self.st.text)!r}")
                toks.append(_Tok(kind, tok, pos + 1))
                if len(toks) > MAX_TOKENS:
                    raise ModelError(f"{self.st.where}: formula longer than {MAX_TOKENS} tokens")
            pos = m.end()
        toks.append(_Tok("end", "", len(text) + 1))
        return toks

    # helpers
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        tok = self.toks[self.i]
        return tok.kind == "op" and tok.text in ops

    def expect(self, text: str) -> _Tok:
        tok = self.take()
        if tok.kind == "end" or tok.text.lower() != text:
            raise self.error(tok, f"expected {text!r}")
        return tok

    def enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(tok, f"formula nested more than {MAX_DEPTH} levels deep")

    def truth(self, v: _Val, tok: _Tok, what: str) -> sympy.Expr:
        """A value used as a condition: comparisons (0/1), or constants (nonzero is true)."""
        if v.boolean:
            return v.expr
        if v.expr.is_Number:
            return sympy.Integer(0 if v.expr == 0 else 1)
        raise self.error(tok, f"{what} needs a comparison such as x>0 (XPP treats any nonzero value as true, "
                              "which bifur's functions cannot express)")

    # grammar
    def parse(self) -> _Val:
        if self.peek().kind == "end":
            raise ModelError(f"{self.st.where}: empty formula in {_quote(self.st.text)!r}")
        v = self.sum()
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(tok, "unexpected token")
        return v

    # Sums and products are collected and built once (linear time in the number of terms).
    def sum(self) -> _Val:
        acc = self.product()
        terms: list[sympy.Expr] | None = None
        while self.is_op("+", "-", "|"):
            tok = self.take()
            right = self.product()
            if tok.text == "|":
                left = acc if terms is None else _Val(sympy.Add(*terms))
                a, b = self.truth(left, tok, "'|'"), self.truth(right, tok, "'|'")
                acc, terms = _Val(a + b - a * b, True), None
            else:
                terms = [acc.expr] if terms is None else terms
                terms.append(right.expr if tok.text == "+" else -right.expr)
        return acc if terms is None else _Val(sympy.Add(*terms))

    def product(self) -> _Val:
        acc = self.unary()
        factors: list[sympy.Expr] | None = None
        while self.is_op("*", "/", "&"):
            tok = self.take()
            right = self.unary()
            if tok.text == "&":
                left = acc if factors is None else _Val(sympy.Mul(*factors))
                a, b = self.truth(left, tok, "'&'"), self.truth(right, tok, "'&'")
                acc, factors = _Val(a * b, True), None
            else:
                factors = [acc.expr] if factors is None else factors
                factors.append(right.expr if tok.text == "*" else sympy.Pow(right.expr, -1))
        return acc if factors is None else _Val(sympy.Mul(*factors))

    def unary(self) -> _Val:
        negative = False
        while self.is_op("+", "-"):
            negative ^= self.take().text == "-"
        v = self.chain()
        return _Val(-v.expr, False) if negative else v

    def chain(self) -> _Val:
        left = self.atom()
        while self.is_op("^", "**", *_CMP):
            tok = self.take()
            self.enter(tok)
            signed, negative = False, False
            while self.is_op("+", "-"):
                signed = True
                negative ^= self.take().text == "-"
            right = self.chain() if signed else self.atom()
            if negative:
                right = _Val(-right.expr, False)
            self.depth -= 1
            left = self.binary(tok, left, right)
        return left

    def binary(self, tok: _Tok, a: _Val, b: _Val) -> _Val:
        op = tok.text
        if op in ("^", "**"):
            if self.sizes.lazy(a.expr, b.expr):
                if b.expr.is_Number and abs(float(b.expr)) > 10 ** 6:
                    raise self.error(tok, "exponent beyond 10**6")
                return _Val(sympy.Pow(a.expr, b.expr, evaluate=False), False)
            return _Val(_power(a.expr, b.expr, self, tok), False)
        diff = a.expr - b.expr
        if op in ("==", "!="):
            if not diff.is_Number:
                raise self.error(tok, f"'{op}' between quantities that change is not supported (it is true only "
                                      "on a set of measure zero); compare with < or > instead")
            equal = diff == 0
            return _Val(sympy.Integer(int(equal if op == "==" else not equal)), True)
        return _Val(_heav(diff if op in (">", ">=") else -diff, lazy=self.sizes.lazy(diff)), True)

    def args(self, name_tok: _Tok) -> list[_Val]:
        self.expect("(")
        self.enter(name_tok)
        out = [self.sum()]
        while self.is_op(","):
            self.take()
            out.append(self.sum())
        self.expect(")")
        self.depth -= 1
        return out

    def atom(self) -> _Val:
        tok = self.take()
        if tok.kind == "num":
            return _Val(_number(tok, self))
        if tok.kind == "op" and tok.text == "(":
            self.enter(tok)
            v = self.sum()
            self.expect(")")
            self.depth -= 1
            return v
        if tok.kind != "name":
            raise self.error(tok, "unexpected token")
        low = tok.text.lower()
        called = self.is_op("(")
        if low in self.local and not called:   # a function's argument (it may be named t)
            return _Val(self.local[low])
        if low == "if":
            return self.if_then_else(tok)
        if low == "not":
            if not called:
                raise self.error(tok, "not must be called as not(...)")
            (arg,) = self.checked_args(tok, 1)
            return _Val(1 - self.truth(arg, tok, "not(...)"), True)
        if low in _REFUSED_FUNCTIONS:
            raise self.error(tok, f"{tok.text}: {_REFUSED_FUNCTIONS[low]}")
        if low in ("mod", "flr"):
            args = self.checked_args(tok, 2 if low == "mod" else 1)
            if not all(a.expr.is_Number for a in args):
                raise self.error(tok, f"{low}() of a quantity that changes is not supported (bifur's functions "
                                      "cannot express floor or modulo): use it only on numbers")
            x = [float(a.expr) for a in args]
            if low == "flr":
                return _Val(sympy.Float(math.floor(x[0])) if math.isfinite(x[0]) else sympy.nan)
            if x[1] == 0:
                raise self.error(tok, "mod(x, 0)")
            z = math.fmod(x[0], x[1])         # XPP's mod: fmod, shifted by the divisor when negative
            return _Val(sympy.Float(z + x[1] if z < 0 else z))
        if low in _XPP_FUNCTIONS and called:
            n, build = _XPP_FUNCTIONS[low]
            args = [a.expr for a in self.checked_args(tok, n)]
            return _Val(build(*args, lazy=self.sizes.lazy(*args)))
        if low in _XPP_FUNCTIONS:
            raise self.error(tok, f"function {tok.text!r} must be called with arguments")
        if low == "t":
            if called:
                raise self.error(tok, "t is time, not a function")
            return _Val(_T)
        if low == "pi":
            return _Val(sympy.pi)
        return self.resolve(tok.text, tok, self)

    def checked_args(self, tok: _Tok, n: int) -> list[_Val]:
        args = self.args(tok)
        if len(args) != n:
            raise self.error(tok, f"{tok.text}() takes {n} argument(s), got {len(args)}")
        return args

    def if_then_else(self, tok: _Tok) -> _Val:
        self.enter(tok)
        self.expect("(")
        cond = self.sum()
        self.expect(")")
        self.expect("then")
        self.expect("(")
        a = self.sum()
        self.expect(")")
        self.expect("else")
        self.expect("(")
        b = self.sum()
        self.expect(")")
        self.depth -= 1
        c = self.truth(cond, tok, "if(...)")
        if c.is_Number:
            return a if c != 0 else b
        return _Val(c * a.expr + (1 - c) * b.expr, a.boolean and b.boolean)


# -- the reader -----------------------------------------------------------------------------------------
_ODE_DT = re.compile(r"d\s*([A-Za-z_][A-Za-z0-9_]*)\s*/\s*dt\s*=", re.IGNORECASE)
_ODE_PRIME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*'\s*=")
_PAREN_LHS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)\s*=")
_FIXED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")
_DERIVED = re.compile(r"!\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _declarations(rest: str, st: _Stmt, what: str) -> list[tuple[str, str | None]]:
    """``a=1, b=2 c=3`` -> [(name, value text or None)]; commas or spaces separate items."""
    rest = re.sub(r"\s*=\s*", "=", rest.strip())
    out = []
    for item in re.split(r"[,\s]+", rest):
        if not item:
            continue
        name, eq, value = item.partition("=")
        if not _XPP_NAME.fullmatch(name):
            raise st.error(f"malformed {what} declaration {item!r} (expected name=value)")
        out.append((name, value if eq else None))
    if not out:
        raise st.error(f"{what} declaration declares nothing")
    return out


def _literal(text: str | None, st: _Stmt, name: str) -> float:
    if text is None:
        return 0.0
    if len(text) > 400 or not _NUMBER.fullmatch(text):
        raise st.error(f"value of {name!r} must be a number, got {text!r}")
    value = float(text)
    if not math.isfinite(value):
        raise st.error(f"value of {name!r} is out of the range of double precision")
    return value


def _braced(text: str, st: _Stmt) -> tuple[str, str]:
    """Split ``{inside} rest`` -> (inside, rest)."""
    text = text.lstrip()
    if not text.startswith("{"):
        raise st.error("expected '{'")
    end = text.find("}")
    if end < 0:
        raise st.error("'{' is never closed by '}'")
    return text[1:end], text[end + 1:]


def _read_source(source: str | os.PathLike) -> tuple[str, str | None]:
    """(text, file stem or None)."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source and len(source) < 4096
                                           and (source.strip().lower().endswith(".ode") or
                                                ("=" not in source and Path(source).is_file()))):
        path = Path(source)
        if not path.is_file():
            raise ModelError(f"no such XPP file: {str(path)!r}")
        if path.stat().st_size > MAX_TEXT:
            raise ModelError(f"{path.name}: file larger than {MAX_TEXT} bytes")
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        return text, path.stem
    if not isinstance(source, str):
        raise ModelError(f"from_xpp expects a path or the text of an .ode file, got {type(source).__name__}")
    if len(source) > MAX_TEXT:
        raise ModelError(f"XPP text longer than {MAX_TEXT} characters")
    return source, None


def _options(st: _Stmt, options: dict[str, Any]) -> None:
    for name, value in _declarations(st.text.strip()[1:], st, "option"):
        key = name.lower()
        if value is None:
            raise st.error(f"option {name!r} has no value")
        if key in _OPTION_FLOATS or key == "njmp":
            options[key] = _literal(value, st, name)
        else:
            options[key] = value


def read_xpp(source: str | os.PathLike, *, name: str | None = None, time_unit: str | None = None,
             voltage: str | None = "V", capacitance: str | float | None = None, description: str | None = None,
             reference: str = "") -> XppModel:
    """Read an XPPAUT ``.ode`` file (a path, or its text) into a bifur model.

    Parameters
    ----------
    source : str or path-like
        A path to an ``.ode`` file, or the file's text (a string with a newline or an ``=``).
    name : str, optional
        Model name (default: the file name without ``.ode``, or ``"xpp_model"``).
    time_unit : str, optional
        Time unit of the model (XPP files have none): by default ``"ms"`` when the model has a
        membrane potential (see ``voltage``) and ``"1"`` otherwise.
    voltage : str or None
        Name of the membrane-potential state; ``"V"`` also finds ``v``. None: no voltage.
    capacitance : str or float, optional
        Membrane capacitance (a parameter name or a number), as in :class:`~bifur.Model`.
    description, reference : str, optional
        Free text; the description defaults to the file's first comment line.

    Returns
    -------
    XppModel
        The model, the ``aux`` outputs, the ``@`` options and notes on what was ignored.

    Raises
    ------
    ModelError
        Naming the line and the feature for anything bifur cannot represent or read.
    """
    text, stem = _read_source(source)
    notes: list[str] = []
    first_comment = next((ln.strip().lstrip("#").strip() for ln in text.splitlines()
                          if ln.strip().startswith("#") and ln.strip().lstrip("#").strip()), "")
    stmts, extra_notes = _statements(text)
    notes += extra_notes
    stmts = _expand_arrays(stmts)

    names = _Names()
    params: dict[str, float] = {}
    inits: list[tuple[str, str, _Stmt, int]] = []     # (name, value text, statement, offset)
    globals_: list[_Stmt] = []
    options: dict[str, Any] = {}

    for st in stmts:
        s = st.text
        body = s.strip()
        lead = len(s) - len(s.lstrip())
        if body.startswith("@"):
            _options(st, options)
            continue
        if body.startswith("0") and re.match(r"0\s*=", body):
            raise st.error("'0=' (an algebraic constraint of a differential-algebraic system) is not supported")
        m = _DERIVED.match(body)
        if m:
            names.add(_Entry("derived", m.group(1), st.line, rhs=body[m.end():], st=st,
                             offset=lead + m.end()), st)
            continue
        word = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\s+|$)", body)
        if word and not re.match(r"\s*(=(?!=)|'|\(|/)", body[word.end():]) and not _ODE_DT.match(body):
            kind = _COMMANDS.get(word.group(1).lower())
            rest = body[word.end():]
            if kind is None:
                raise st.error(f"unknown declaration {word.group(1)!r}")
            if kind in _REFUSED_COMMANDS:
                raise st.error(_REFUSED_COMMANDS[kind])
            if kind == "par":
                for n, v in _declarations(rest, st, "parameter"):
                    names.add(_Entry("par", n, st.line), st)
                    params[n.lower()] = _literal(v, st, n)
            elif kind == "number":
                for n, v in _declarations(rest, st, "number"):
                    names.add(_Entry("number", n, st.line, rhs=str(_literal(v, st, n)), st=st), st)
            elif kind == "init":
                for n, v in _declarations(rest, st, "initial value"):
                    inits.append((n, v if v is not None else "0", st, lead))
            elif kind == "aux":
                m = re.match(r"\s*([^=\s]+)\s*=(?!=)", rest)
                if m is None:
                    raise st.error("expected 'aux name=formula'")
                raw_name = m.group(1)
                aux_name = raw_name if _XPP_NAME.fullmatch(raw_name) else \
                    (re.sub(r"[^A-Za-z0-9_]", "_", raw_name).strip("_") or "aux")
                if aux_name != raw_name:
                    notes.append(f"line {st.line}: aux {raw_name!r} is named {aux_name!r}")
                names.add(_Entry("aux", aux_name, st.line, rhs=rest[m.end():], st=st,
                                 offset=lead + word.end() + m.end()), st)
            elif kind == "global":
                globals_.append(st)
            elif kind in ("bdry", "set", "only", "options"):
                notes.append(f"line {st.line}: '{word.group(1)}' ignored ({'boundary conditions' if kind == 'bdry' else 'settings of the XPP program'}, not part of the equations)")
            continue
        m = _ODE_DT.match(body) or _ODE_PRIME.match(body)
        if m:
            names.add(_Entry("state", m.group(1), st.line, rhs=body[m.end():], st=st, offset=lead + m.end()), st)
            continue
        m = _PAREN_LHS.match(body)
        if m:
            fname, inside = m.group(1), m.group(2).strip()
            low = inside.replace(" ", "").lower()
            if low == "t+1":
                raise st.error(f"'{fname}(t+1)=' defines a map (difference equation), which is not supported")
            if low == "0":
                inits.append((fname, body[m.end():], st, lead + m.end()))
                continue
            args = tuple(a.strip() for a in inside.split(","))
            if not all(_XPP_NAME.fullmatch(a) for a in args):
                raise st.error(f"malformed arguments ({inside}) of function {fname!r}")
            if len({a.lower() for a in args}) != len(args):
                raise st.error(f"function {fname!r} names an argument twice")
            names.add(_Entry("function", fname, st.line, rhs=body[m.end():], st=st, offset=lead + m.end(),
                             args=args), st)
            continue
        m = _FIXED.match(body)
        if m:
            names.add(_Entry("fixed", m.group(1), st.line, rhs=body[m.end():], st=st, offset=lead + m.end()), st)
            continue
        raise st.error("not a statement of an XPP file (expected X'=..., dX/dt=..., name=..., f(x)=..., "
                       "or a declaration such as par, init, aux, global)")

    if str(options.get("meth", "")).lower() in ("discrete", "disc"):
        raise ModelError("'@ meth=discrete' makes the equations a map (difference equations), which is not supported")
    states = names.of_kind("state")
    if not states:
        raise ModelError("the XPP file defines no differential equation (X'=... or dX/dt=...)")
    renamed = _bifur_names(names, notes)
    ignored = sorted(k for k in options if k not in _OPTION_FLOATS + _OPTION_NAMES + ("njmp",))
    if ignored:
        notes.append("@ options kept as metadata but not used by bifur: " + ", ".join(ignored))

    par_values = {e.bifur: params[e.name.lower()] for e in names.of_kind("par")}
    builder = _Builder(names, par_values)
    eqs = {e.bifur: builder.formula(e) for e in states}
    aux = {e.bifur: builder.formula(e) for e in names.of_kind("aux")}
    init_values = {e.bifur: 0.0 for e in states}
    for n, value, st, offset in inits:
        e = names.get(n)
        if e is None or e.kind != "state":
            raise st.error(f"initial value given for {n!r}, which is not a variable with a differential equation")
        init_values[e.bifur] = builder.constant(value, st, offset, f"initial value of {n!r}")
    reset = _reset(globals_, names, builder)

    eqs_inlined = builder.inline(eqs)
    aux_inlined = builder.inline(aux)
    symbols = {e.bifur: sym(e.bifur) for e in names.of_kind("state", "par")}
    symbols["t"] = _T
    for n, e in {**eqs_inlined, **aux_inlined}.items():
        check_expr(e, symbols, f"XPP formula of {n!r}")

    state_names = [e.bifur for e in states]
    if voltage is not None and voltage != "V":
        e = names.get(voltage)
        voltage = e.bifur if e is not None and e.kind == "state" else voltage
    if voltage == "V" and "V" not in state_names:
        voltage = "v" if "v" in state_names else None
    if time_unit is None:
        time_unit = "ms" if voltage is not None else "1"
        notes.append(f"time unit taken as {time_unit!r} (XPP files have none: pass time_unit= to choose)")
    if isinstance(capacitance, str):
        e = names.get(capacitance)
        capacitance = e.bifur if e is not None else capacitance
    text_lines = builder.display_text(eqs, aux)
    model = Model(name or stem or "xpp_model", states={n: init_values[n] for n in state_names}, params=par_values,
                  equations=eqs_inlined, reset=reset, time_unit=time_unit, voltage=voltage,
                  capacitance=capacitance, text=text_lines,
                  description=description if description is not None else first_comment,
                  reference=reference)
    return XppModel(model, MappingProxyType(aux_inlined), MappingProxyType(options), tuple(notes),
                    MappingProxyType(renamed))


class _Builder:
    """Parses the formulas of one file: names resolve case-insensitively; user functions are
    parsed once each (callees first) and inlined by substitution; fixed quantities, numbers and
    derived parameters become definitions inlined at the end, in dependency order, iteratively."""

    def __init__(self, names: _Names, param_values: Mapping[str, float]):
        self.names = names
        self.param_values = dict(param_values)
        self.sizes = _Sizes()
        self.functions: dict[str, tuple[tuple[sympy.Symbol, ...], _Val]] = {}
        self.definitions: dict[str, sympy.Expr] = {}   # bifur name -> raw formula (may use other definitions)
        self._parse_functions()
        for e in names.of_kind("derived", "fixed"):
            self.definitions[e.bifur] = self.formula(e)
        for e in names.of_kind("derived"):
            bad = [s.name for s in self._closure(self.definitions[e.bifur]) if self._kind(s.name) in ("state",)]
            if bad or _T in self._closure(self.definitions[e.bifur]):
                raise e.st.error(f"derived parameter {e.name!r} may use only parameters and numbers, "
                                 f"not {', '.join(bad) or 't'}")

    def _kind(self, bifur_name: str) -> str | None:
        for e in self.names.entries.values():
            if e.bifur == bifur_name:
                return e.kind
        return None

    def _closure(self, expr: sympy.Expr) -> set:
        """Free symbols of ``expr`` once the definitions it uses are followed (iteratively)."""
        seen, stack, out = set(), [expr], set()
        while stack:
            ex = stack.pop()
            for s in ex.free_symbols:
                if s in seen:
                    continue
                seen.add(s)
                if s.name in self.definitions:
                    stack.append(self.definitions[s.name])
                else:
                    out.add(s)
        return out

    # functions
    def _parse_functions(self) -> None:
        funcs = self.names.of_kind("function")
        calls: dict[str, set[str]] = {}
        for e in funcs:
            formals = {a.lower() for a in e.args}
            used = {m.group(1).lower() for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", e.rhs)}
            calls[e.name.lower()] = {u for u in used if u not in formals and u in
                                     {f.name.lower() for f in funcs}}
        order: list[str] = []
        state: dict[str, int] = {}
        for root in calls:           # iterative depth-first topological order, cycles refused
            if state.get(root):
                continue
            stack = [(root, iter(sorted(calls[root])))]
            state[root] = 1
            path = [root]
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    stack.pop()
                    path.pop()
                    state[node] = 2
                    order.append(node)
                    continue
                if state.get(nxt) == 1:
                    cyc = " -> ".join(path[path.index(nxt):] + [nxt])
                    e = self.names.get(nxt)
                    raise e.st.error(f"functions call each other in a circle: {cyc}")
                if not state.get(nxt):
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, iter(sorted(calls[nxt]))))
        for key in order:
            e = self.names.get(key)
            formals = tuple(sympy.Dummy(a, real=True) for a in e.args)
            local = {a.lower(): d for a, d in zip(e.args, formals)}
            self.functions[key] = (formals, self._parse(e.rhs, e.st, e.offset, local))

    def _call(self, name: str, tok: _Tok, parser: _Formula) -> _Val:
        formals, body = self.functions[name.lower()]
        args = parser.args(tok)
        if len(args) != len(formals):
            raise parser.error(tok, f"function {tok.text!r} takes {len(formals)} argument(s), got {len(args)}")
        expr = _substitute(body.expr, dict(zip(formals, (a.expr for a in args))), self.sizes)
        size = self.sizes(expr)
        if size > MAX_TREE_SIZE:
            raise parser.error(tok, f"calling {tok.text!r} here grows the formula to {size} nodes "
                                    f"(limit {MAX_TREE_SIZE})")
        return _Val(expr, body.boolean)

    # formulas
    def _parse(self, text: str, st: _Stmt, offset: int, local: Mapping[str, sympy.Symbol] | None = None) -> _Val:
        local = local or {}

        def resolve(word: str, tok: _Tok, parser: _Formula) -> _Val:
            called = parser.is_op("(")
            e = self.names.get(word)
            if e is None:
                raise parser.error(tok, f"unknown name {word!r}" + (" (no such function)" if called else ""))
            if e.kind == "function":
                if not called:
                    raise parser.error(tok, f"function {word!r} must be called with arguments")
                return self._call(word, tok, parser)
            if called:
                raise parser.error(tok, f"{word!r} is not a function")
            if e.kind == "aux":
                raise parser.error(tok, f"aux quantity {word!r} cannot be used in formulas (as in XPP: "
                                        "make it a fixed quantity 'name=formula' and use that)")
            if e.kind == "number":   # a constant: its value (so that mod, flr, == of numbers work)
                return _Val(sympy.Float(float(e.rhs)))
            return _Val(sym(e.bifur))

        return _Formula(text, st, offset, resolve, local, self.sizes).parse()

    def formula(self, e: _Entry) -> sympy.Expr:
        return self._parse(e.rhs, e.st, e.offset).expr

    def constant(self, text: str, st: _Stmt, offset: int, what: str) -> float:
        """A number, or a formula of numbers, parameters, numbers and derived parameters (at their defaults)."""
        text = text.strip()
        if _NUMBER.fullmatch(text):
            return _literal(text, st, what)
        expr = self.inline({"x": self._parse(text, st, offset).expr})["x"]
        values = {}
        for s in expr.free_symbols:
            if s.name not in self.param_values:
                raise st.error(f"{what} must be a number or a formula of parameters, not of {s.name!r}")
            values[s] = sympy.Float(self.param_values[s.name])
        value = expr.xreplace(values)
        try:
            out = float(value)
        except (TypeError, ValueError):
            raise st.error(f"{what} does not evaluate to a real number") from None
        if not math.isfinite(out):
            raise st.error(f"{what} is not finite")
        return out

    def inline(self, exprs: Mapping[str, sympy.Expr]) -> dict[str, sympy.Expr]:
        """Substitute the definitions into ``exprs``, in dependency order, without recursion."""
        needed: list[str] = []
        seen: set[str] = set()
        stack = [s.name for e in exprs.values() for s in e.free_symbols if s.name in self.definitions]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            needed.append(n)
            stack.extend(s.name for s in self.definitions[n].free_symbols if s.name in self.definitions)
        # order: a definition after all those it uses (Kahn's algorithm); leftovers form a cycle
        deps = {n: {s.name for s in self.definitions[n].free_symbols if s.name in seen} for n in needed}
        users: dict[str, list[str]] = {n: [] for n in needed}
        for n, ds in deps.items():
            for d in ds:
                users[d].append(n)
        count = {n: len(ds) for n, ds in deps.items()}
        ready = [n for n in needed if count[n] == 0]
        done: dict[str, sympy.Expr] = {}
        while ready:
            n = ready.pop()
            ex = _substitute(self.definitions[n], {sym(d): done[d] for d in deps[n]}, self.sizes)
            self._check_size(ex, n)
            done[n] = ex
            for u in users[n]:
                count[u] -= 1
                if count[u] == 0:
                    ready.append(u)
        if len(done) < len(needed):
            cyc = sorted(n for n in needed if n not in done)
            e = next(x for x in self.names.entries.values() if x.bifur == cyc[0])
            raise e.st.error(f"circular definitions among {', '.join(cyc)}")
        out = {}
        for k, ex in exprs.items():
            res = _substitute(ex, {sym(d): done[d] for d in done}, self.sizes)
            self._check_size(res, k)
            out[k] = res
        return out

    def _check_size(self, expr: sympy.Expr, name: str) -> None:
        size = self.sizes(expr)
        if size > MAX_TREE_SIZE:
            e = next((x for x in self.names.entries.values() if x.bifur == name), None)
            where = f"line {e.line}" if e is not None else "XPP file"
            raise ModelError(f"{where}: {name!r} grows to {size} nodes once definitions and functions are "
                             f"inlined (limit {MAX_TREE_SIZE})")
        d = _depth(expr)
        if d > MAX_INLINE_DEPTH:
            e = next((x for x in self.names.entries.values() if x.bifur == name), None)
            where = f"line {e.line}" if e is not None else "XPP file"
            raise ModelError(f"{where}: {name!r} is nested {d} levels deep once definitions and functions are "
                             f"inlined (limit {MAX_INLINE_DEPTH})")

    def display_text(self, eqs: Mapping[str, sympy.Expr], aux: Mapping[str, sympy.Expr]) -> str:
        """The model in bifur's text grammar: equations and definitions as read (not inlined), then
        the aux outputs as definitions that no equation uses (so they survive in the model's text)."""
        lines = [f"d{n}/dt = {expr_to_text(e)}" for n, e in eqs.items()]
        lines += [f"{n} = {expr_to_text(e)}" for n, e in self.definitions.items()]
        if aux:
            lines += [f"{n} = {expr_to_text(e)}    # aux" for n, e in aux.items()]
        return "\n".join(lines)


def _substitute(expr: sympy.Expr, rule: Mapping[sympy.Basic, sympy.Expr], sizes: _Sizes) -> sympy.Expr:
    """``expr.xreplace(rule)`` rebuilding each distinct subexpression once (sympy's own walk visits a
    shared subexpression as often as it occurs, which is exponential for nested function calls);
    functions and powers of large arguments are rebuilt without sympy's evaluation."""
    memo: dict = dict(rule)
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if not node.args:
            memo[node] = node
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        args = tuple(memo[a] for a in node.args)
        if args == node.args:
            memo[node] = node
        elif (isinstance(node, sympy.Function) or node.is_Pow) and sizes.lazy(*args):
            memo[node] = node.func(*args, evaluate=False)
        else:
            memo[node] = node.func(*args)
    return memo[expr]


def _depth(expr: sympy.Expr) -> int:
    depth: dict = {}
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in depth:
            continue
        if ready or not node.args:
            depth[node] = 1 + max((depth[a] for a in node.args), default=0)
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if a not in depth)
    return depth[expr]


def _reset(globals_: list[_Stmt], names: _Names, builder: _Builder) -> Reset | None:
    if not globals_:
        return None
    if len(globals_) > 1:
        st = globals_[1]
        raise st.error(f"a second 'global' event (the first is on line {globals_[0].line}): a bifur model "
                       "holds one reset rule")
    st = globals_[0]
    body = st.text
    m = re.match(r"\s*[A-Za-z]+\s+([+-]?\s*[0-9]+)\s*", body)
    if m is None:
        raise st.error("expected 'global sign {condition} {x=formula;...}' with sign 1, -1 or 0")
    sign = int(m.group(1).replace(" ", ""))
    rest = body[m.end():]
    if sign not in (1, -1):
        raise st.error("a global event with sign 0 (any crossing) is not a reset that bifur can represent: "
                       "use sign 1 (upward crossing) or -1 (downward)")
    if rest.lstrip().startswith("{"):
        cond_text, events = _braced(rest, st)
        cond_offset = len(body) - len(rest) + rest.index("{") + 1
    else:
        brace = rest.find("{")
        if brace < 0:
            raise st.error("a global event needs its assignments in braces {x=...;y=...}")
        cond_text, events = rest[:brace], rest[brace:]
        cond_offset = len(body) - len(rest)
    cond = builder.inline({"g": builder._parse(cond_text, st, cond_offset).expr})["g"]
    inside, tail = _braced(events, st)
    if tail.strip():
        raise st.error(f"unexpected text {tail.strip()!r} after the events of a global event")
    assign: dict[str, sympy.Expr] = {}
    base = len(body) - len(events) + events.index("{") + 1
    pos = 0
    for item in inside.split(";"):
        offset = base + pos
        pos += len(item) + 1
        if not item.strip():
            continue
        lhs, eq, rhs = item.partition("=")
        target = lhs.strip()
        if not eq or not _XPP_NAME.fullmatch(target):
            raise st.error(f"malformed event {item.strip()!r} (expected name=formula)")
        if target.lower() in ("arret", "out_put"):
            raise st.error(f"the event '{target}' (stopping or output control) is not supported")
        e = names.get(target)
        if e is None or e.kind != "state":
            raise st.error(f"the event assigns {target!r}, which is not a variable with a differential equation "
                           "(bifur resets states only)")
        if e.bifur in assign:
            raise st.error(f"the event assigns {target!r} twice")
        value = builder._parse(rhs, st, offset + len(lhs) + 1).expr
        assign[e.bifur] = builder.inline({"x": value})["x"]
    if not assign:
        raise st.error("a global event without assignments")
    g = cond if sign == 1 else -cond
    return Reset(f"{expr_to_text(g)} >= 0", {k: expr_to_text(v) for k, v in assign.items()})
