"""Safe parsing of model text into sympy expressions.

Model text is tokenized and checked here, token by token, and turned into sympy
objects by a small recursive-descent parser. Nothing is ever handed to ``eval``,
``exec`` or ``sympify``: the only names that can appear are the model's own
symbols and the whitelisted functions below, so a hostile string can at worst
raise :class:`~bifur.errors.ModelError`.

Grammar (``^`` is accepted as a synonym of ``**``)::

    condition := expr ('>=' | '>' | '<=' | '<') expr
    expr      := term (('+' | '-') term)*
    term      := unary (('*' | '/') unary)*
    unary     := ('+' | '-') unary | power
    power     := atom (('**' | '^') unary)?
    atom      := NUMBER | NAME | FUNC '(' expr (',' expr)* ')' | '(' expr ')'
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import sympy

from .errors import ModelError

__all__ = ["FUNCTIONS", "CONSTANTS", "parse_expr", "parse_condition", "parse_model_text",
           "check_identifier", "sym"]


def sym(name: str) -> sympy.Symbol:
    """The canonical (real) sympy symbol for a model name; every model expression uses these."""
    return sympy.Symbol(name, real=True)


def _fixed(n: int, f: Callable) -> tuple[int, int, Callable]:
    return (n, n, f)


#: Whitelisted functions: name -> (min args, max args, builder).
FUNCTIONS: dict[str, tuple[int, int, Callable]] = {
    "exp": _fixed(1, sympy.exp),
    "log": _fixed(1, sympy.log),
    "log10": _fixed(1, lambda a: sympy.log(a) / sympy.log(10)),
    "sqrt": _fixed(1, sympy.sqrt),
    "sin": _fixed(1, sympy.sin),
    "cos": _fixed(1, sympy.cos),
    "tan": _fixed(1, sympy.tan),
    "atan": _fixed(1, sympy.atan),
    "sinh": _fixed(1, sympy.sinh),
    "cosh": _fixed(1, sympy.cosh),
    "tanh": _fixed(1, sympy.tanh),
    "abs": _fixed(1, sympy.Abs),
    "sign": _fixed(1, sympy.sign),
    "heaviside": _fixed(1, lambda a: sympy.Heaviside(a, sympy.Rational(1, 2))),
    "pow": _fixed(2, lambda a, b: a ** b),
    "min": (2, 16, sympy.Min),
    "max": (2, 16, sympy.Max),
}

#: Named constants.
CONSTANTS: dict[str, sympy.Expr] = {"pi": sympy.pi}

_TOKEN = re.compile(
    r"(?P<ws>[ \t]+)"
    r"|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|>=|<=|[-+*/^(),<>])"
)


@dataclass(frozen=True)
class _Tok:
    kind: str  # "num", "name", "op", "end"
    text: str
    col: int


def check_identifier(name: str, what: str = "name") -> str:
    """Validate a user-chosen identifier (state, parameter or definition name).

    Raises
    ------
    ModelError
        If the name is not a plain identifier, is a Python keyword, starts with an
        underscore, or collides with a whitelisted function or constant.
    """
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise ModelError(f"invalid {what} {name!r}: use letters, digits and '_', starting with a letter")
    if keyword.iskeyword(name):
        raise ModelError(f"invalid {what} {name!r}: it is a Python keyword")
    if name in FUNCTIONS or name in CONSTANTS:
        raise ModelError(f"invalid {what} {name!r}: reserved for the function/constant of that name")
    return name


def _tokenize(text: str, where: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = ""
            if ch in "'\"":
                hint = " (strings are not allowed)"
            elif ch == ".":
                hint = " (attribute access is not allowed)"
            elif ch in "[]{}":
                hint = " (indexing and literals are not allowed)"
            raise ModelError(f"{where}: unexpected character {ch!r} at column {pos + 1}{hint}")
        kind = m.lastgroup
        if kind != "ws":
            tok = m.group(kind)
            if kind == "name":
                if tok.startswith("__") or tok.startswith("_"):
                    raise ModelError(f"{where}: name {tok!r} is not allowed (leading underscore)")
                if keyword.iskeyword(tok):
                    raise ModelError(f"{where}: Python keyword {tok!r} is not allowed in model text")
            if kind == "num" and m.end() < len(text) and (text[m.end()].isalpha() or text[m.end()] == "_"):
                raise ModelError(f"{where}: malformed number {text[pos:m.end() + 1]!r}")
            toks.append(_Tok(kind, tok, pos + 1))
        pos = m.end()
    toks.append(_Tok("end", "", len(text) + 1))
    return toks


class _Parser:
    def __init__(self, text: str, symbols: Mapping[str, sympy.Symbol], where: str):
        self.text = text
        self.where = where
        self.symbols = symbols
        self.toks = _tokenize(text, where)
        self.i = 0

    # -- helpers -----------------------------------------------------------------
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, tok: _Tok, msg: str) -> ModelError:
        shown = tok.text if tok.kind != "end" else "end of expression"
        return ModelError(f"{self.where}: {msg} at {shown!r} (column {tok.col}) in {self.text.strip()!r}")

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text or tok.kind == "end":
            raise self.error(tok, f"expected {text!r}")

    # -- grammar -----------------------------------------------------------------
    def parse_expr(self) -> sympy.Expr:
        left = self.parse_term()
        while self.peek().text in ("+", "-") and self.peek().kind == "op":
            op = self.take().text
            right = self.parse_term()
            left = left + right if op == "+" else left - right
        return left

    def parse_term(self) -> sympy.Expr:
        left = self.parse_unary()
        while self.peek().text in ("*", "/") and self.peek().kind == "op":
            op = self.take().text
            right = self.parse_unary()
            left = left * right if op == "*" else left / right
        return left

    def parse_unary(self) -> sympy.Expr:
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("+", "-"):
            self.take()
            operand = self.parse_unary()
            return -operand if tok.text == "-" else operand
        return self.parse_power()

    def parse_power(self) -> sympy.Expr:
        base = self.parse_atom()
        if self.peek().kind == "op" and self.peek().text in ("**", "^"):
            self.take()
            return base ** self.parse_unary()
        return base

    def parse_atom(self) -> sympy.Expr:
        tok = self.take()
        if tok.kind == "num":
            if re.fullmatch(r"\d+", tok.text):
                return sympy.Integer(int(tok.text))
            return sympy.Float(float(tok.text))
        if tok.kind == "name":
            if self.peek().text == "(" and self.peek().kind == "op":
                return self.parse_call(tok)
            if tok.text in FUNCTIONS:
                raise self.error(tok, f"function {tok.text!r} must be called with arguments")
            if tok.text in CONSTANTS:
                return CONSTANTS[tok.text]
            if tok.text not in self.symbols:
                raise self.error(tok, f"unknown name {tok.text!r}")
            return self.symbols[tok.text]
        if tok.kind == "op" and tok.text == "(":
            inner = self.parse_expr()
            self.expect(")")
            return inner
        raise self.error(tok, "unexpected token")

    def parse_call(self, name_tok: _Tok) -> sympy.Expr:
        name = name_tok.text
        if name not in FUNCTIONS:
            raise self.error(name_tok, f"call to unknown function {name!r} (allowed: {', '.join(sorted(FUNCTIONS))})")
        lo, hi, build = FUNCTIONS[name]
        self.expect("(")
        args = [self.parse_expr()]
        while self.peek().kind == "op" and self.peek().text == ",":
            self.take()
            args.append(self.parse_expr())
        self.expect(")")
        if not lo <= len(args) <= hi:
            raise self.error(name_tok, f"{name}() takes {lo if lo == hi else f'{lo} to {hi}'} argument(s), got {len(args)}")
        return build(*args)

    def finish(self) -> None:
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(tok, "unexpected token")


def parse_expr(text: str, symbols: Mapping[str, sympy.Symbol], where: str = "expression") -> sympy.Expr:
    """Parse one arithmetic expression over the given symbols.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"0.04*v**2 + 5*v + 140 - u + I"``.
    symbols : mapping of str to sympy.Symbol
        The names that may appear.
    where : str
        Prefix of error messages (e.g. ``"line 3"``).

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> parse_expr("2*x^2 - exp(-x)", {"x": x})
    2*x**2 - exp(-x)
    """
    if not isinstance(text, str):
        raise ModelError(f"{where}: expected a string, got {type(text).__name__}")
    p = _Parser(text, symbols, where)
    if p.peek().kind == "end":
        raise ModelError(f"{where}: empty expression")
    out = p.parse_expr()
    p.finish()
    return out


def parse_condition(text: str, symbols: Mapping[str, sympy.Symbol], where: str = "condition") -> sympy.Expr:
    """Parse ``lhs >= rhs`` (or ``>``, ``<=``, ``<``) and return g with the event at g crossing 0 upwards.

    For ``v >= v_peak`` this is ``v - v_peak``; for ``a <= b`` it is ``a - b`` negated, i.e. ``b - a``.

    Examples
    --------
    >>> import sympy
    >>> v, vp = sympy.symbols("v v_peak")
    >>> parse_condition("v >= v_peak", {"v": v, "v_peak": vp})
    v - v_peak
    """
    p = _Parser(text, symbols, where)
    lhs = p.parse_expr()
    tok = p.take()
    if tok.kind != "op" or tok.text not in (">=", ">", "<=", "<"):
        raise p.error(tok, "expected a comparison (>=, >, <=, <)")
    rhs = p.parse_expr()
    p.finish()
    return lhs - rhs if tok.text in (">=", ">") else rhs - lhs


_DERIV = re.compile(r"^d\s*([A-Za-z][A-Za-z0-9_]*)\s*/\s*dt$")


@dataclass(frozen=True)
class ParsedText:
    """Result of :func:`parse_model_text`: equations with definitions inlined, and the definitions."""

    equations: dict[str, sympy.Expr]
    definitions: dict[str, sympy.Expr]


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """Yield (first line number, statement), joining lines inside parentheses or after '\\'."""
    buf, start, depth = "", 0, 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not buf:
            start = lineno
        cont = line.endswith("\\")
        if cont:
            line = line[:-1]
        buf = f"{buf} {line}" if buf else line
        depth += line.count("(") - line.count(")")
        if depth > 0 or cont:
            continue
        if buf.strip():
            yield start, buf.strip()
        buf, depth = "", 0
    if buf.strip():
        yield start, buf.strip()


def parse_model_text(text: str, param_names: Iterable[str]) -> ParsedText:
    """Parse model text made of ``dX/dt = expr`` lines and ``name = expr`` definitions.

    Definitions may appear in any order and are inlined into the equations. ``t``
    denotes time. ``#`` starts a comment; a statement may continue on the next
    line inside parentheses or after a trailing backslash.

    Raises
    ------
    ModelError
        Naming the line and the offending token.

    Examples
    --------
    >>> pt = parse_model_text('''
    ...     dx/dt = mu - x**2   # fold normal form
    ... ''', ["mu"])
    >>> pt.equations["x"]
    mu - x**2
    """
    if not isinstance(text, str):
        raise ModelError(f"model text must be a string, got {type(text).__name__}")
    params = list(param_names)
    stmts: list[tuple[int, str, str, str]] = []  # (line, kind, name, rhs)
    seen: dict[str, int] = {}
    for lineno, stmt in _logical_lines(text):
        where = f"line {lineno}"
        if stmt.count("=") - stmt.count(">=") - stmt.count("<=") != 1:
            raise ModelError(f"{where}: expected 'dX/dt = expression' or 'name = expression', got {stmt!r}")
        lhs, rhs = (s.strip() for s in stmt.split("=", 1))
        m = _DERIV.match(lhs)
        if m:
            kind, name = "ode", m.group(1)
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", lhs):
            kind, name = "def", lhs
        else:
            raise ModelError(f"{where}: left-hand side {lhs!r} must be 'dX/dt' or a name")
        try:
            check_identifier(name, "state" if kind == "ode" else "definition")
        except ModelError as exc:
            raise ModelError(f"{where}: {exc}") from None
        if name == "t":
            raise ModelError(f"{where}: 't' is time and cannot be defined")
        if name in seen:
            raise ModelError(f"{where}: {name!r} is defined twice (first on line {seen[name]})")
        if name in params:
            raise ModelError(f"{where}: {name!r} is also a parameter")
        seen[name] = lineno
        stmts.append((lineno, kind, name, rhs))
    if not any(k == "ode" for _, k, _, _ in stmts):
        raise ModelError("model text has no 'dX/dt = ...' equation")

    symbols = {n: sym(n) for n in params}
    symbols.update({name: sym(name) for _, _, name, _ in stmts})
    symbols["t"] = sym("t")
    raw_defs: dict[str, sympy.Expr] = {}
    raw_eqs: dict[str, sympy.Expr] = {}
    for lineno, kind, name, rhs in stmts:
        expr = parse_expr(rhs, symbols, f"line {lineno}")
        (raw_eqs if kind == "ode" else raw_defs)[name] = expr

    definitions = _inline_definitions(raw_defs, seen)
    subs = {sym(k): v for k, v in definitions.items()}
    equations = {k: v.xreplace(subs) for k, v in raw_eqs.items()}
    return ParsedText(equations, definitions)


def _inline_definitions(raw: dict[str, sympy.Expr], lines: Mapping[str, int]) -> dict[str, sympy.Expr]:
    """Resolve definitions that refer to each other (any order); detect cycles."""
    done: dict[str, sympy.Expr] = {}
    visiting: list[str] = []

    def resolve(name: str) -> sympy.Expr:
        if name in done:
            return done[name]
        if name in visiting:
            cycle = " -> ".join(visiting[visiting.index(name):] + [name])
            raise ModelError(f"line {lines[name]}: circular definitions {cycle}")
        visiting.append(name)
        expr = raw[name]
        subs = {s: resolve(s.name) for s in expr.free_symbols if s.name in raw}
        done[name] = expr.xreplace(subs)
        visiting.pop()
        return done[name]

    for name in raw:
        resolve(name)
    return {k: done[k] for k in raw}
