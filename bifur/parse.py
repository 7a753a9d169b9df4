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

import bisect
import keyword
import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import sympy

from .errors import ModelError

__all__ = ["FUNCTIONS", "CONSTANTS", "parse_expr", "parse_condition", "parse_model_text", "fold_tree",
           "check_identifier", "sym", "tree_size", "MAX_TREE_SIZE"]


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

_TOKEN = re.compile(  # ASCII only: other Unicode digits (Arabic-Indic, full-width) are refused
    r"(?P<ws>[ \t]+)"
    r"|(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|>=|<=|[-+*/^(),<>])"
)

#: Limits that keep parsing bounded (each exceeded limit raises ModelError naming it).
MAX_TOKENS = 200_000          # tokens in one expression
MAX_DEPTH = 100               # nesting of parentheses and function calls
MAX_LITERAL = 400             # characters of one number literal
MAX_POWER_DIGITS = 308        # a constant power may not exceed 10**308 in magnitude
MAX_TREE_SIZE = 200_000       # nodes of an equation once its definitions are inlined


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


def _tokenize(text: str, where: str, locate: "Callable[[int], tuple[str, int, str]] | None" = None) -> list[_Tok]:
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
            if locate is not None:
                line_where, col, line = locate(pos + 1)
                raise ModelError(f"{line_where}: unexpected character {ch!r} at column {col}{hint} in {_shown(line, True)!r}")
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
        if len(toks) > MAX_TOKENS:
            raise ModelError(f"{where}: expression longer than {MAX_TOKENS} tokens")
    toks.append(_Tok("end", "", len(text) + 1))
    return toks


def _number(tok: _Tok, parser: "_Parser") -> sympy.Expr:
    """A literal: integers stay exact up to MAX_POWER_DIGITS digits, others become floats."""
    text = tok.text
    if len(text) > MAX_LITERAL:
        raise parser.error(tok, f"number literal longer than {MAX_LITERAL} characters")
    if re.fullmatch(r"[0-9]+", text):
        if len(text.lstrip("0")) > MAX_POWER_DIGITS:
            raise parser.error(tok, f"integer literal beyond 10**{MAX_POWER_DIGITS}")
        return sympy.Integer(int(text))
    value = float(text)
    if not math.isfinite(value):
        raise parser.error(tok, "number literal out of the range of double precision")
    return sympy.Float(value)


def _log10_abs(x: sympy.Expr) -> float:
    """log10 |x| of a nonzero sympy number, without evaluating anything large."""
    if isinstance(x, sympy.Integer):
        v = int(x)
        return math.log10(abs(v)) if abs(v) < 10 ** 300 else len(str(abs(v))) - 1.0
    if isinstance(x, sympy.Rational):
        return _log10_abs(sympy.Integer(x.p)) - _log10_abs(sympy.Integer(x.q))
    return math.log10(abs(float(x)))


def _power(base: sympy.Expr, exponent: sympy.Expr, parser: "_Parser", tok: _Tok) -> sympy.Expr:
    """base**exponent, refusing constant powers too large to evaluate (10**10**10 would hang)."""
    if base.is_Number and exponent.is_Number and base not in (0, 1, -1):
        try:
            e = float(exponent)
        except (TypeError, OverflowError):
            raise parser.error(tok, "constant exponent out of range") from None
        if not math.isfinite(e) or abs(e * _log10_abs(base)) > MAX_POWER_DIGITS:
            raise parser.error(tok, f"constant power beyond 10**±{MAX_POWER_DIGITS} (write the value as a number)")
        if not isinstance(exponent, sympy.Integer):
            return sympy.Float(float(base)) ** exponent  # evaluated in floating point, not symbolically
    if exponent.is_Number and abs(float(exponent)) > 10 ** 6:
        raise parser.error(tok, "exponent beyond 10**6")
    return base ** exponent


def _shown(text: str, indent: bool = False) -> str:
    """Model text as quoted in an error message (at most 120 characters); ``indent`` keeps the
    leading whitespace of an original line, so that the column given in the message matches it."""
    text = text.rstrip() if indent else text.strip()
    return text if len(text) <= 120 else text[:117] + "..."


#: Maps a 1-based column of the parsed text to (``"line N"``, column in that original line, the line).
Locator = Callable[[int], "tuple[str, int, str]"]


class _Cursor:
    """Reading position in a token list ``self.toks`` (ending with an "end" token) at ``self.i``;
    shared by this module's parser and the XPP formula reader."""

    toks: list
    i: int

    def peek(self):
        return self.toks[self.i]

    def take(self):
        tok = self.toks[self.i]
        self.i += 1
        return tok


class _Parser(_Cursor):
    def __init__(self, text: str, symbols: Mapping[str, sympy.Symbol], where: str, locate: Locator | None = None):
        self.text = text
        self.where = where
        self.symbols = symbols
        self.locate = locate
        self.toks = _tokenize(text, where, locate)
        self.i = 0
        self.depth = 0

    # -- helpers -----------------------------------------------------------------
    def error(self, tok: _Tok, msg: str) -> ModelError:
        shown = tok.text if tok.kind != "end" else "end of expression"
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        if self.locate is not None:  # columns of the original line, which is quoted
            where, col, line = self.locate(tok.col)
            return ModelError(f"{where}: {msg} at {shown!r} (column {col}) in {_shown(line, True)!r}")
        return ModelError(f"{self.where}: {msg} at {shown!r} (column {tok.col}) in {_shown(self.text)!r}")

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text or tok.kind == "end":
            raise self.error(tok, f"expected {text!r}")

    # -- grammar -----------------------------------------------------------------
    # Sums and products are collected and built once (sympy.Add(*terms)): building them pairwise
    # costs time quadratic in the number of terms. Nesting is counted, never recursed without bound.
    def parse_expr(self) -> sympy.Expr:
        terms = [self.parse_term()]
        while self.peek().text in ("+", "-") and self.peek().kind == "op":
            op = self.take().text
            right = self.parse_term()
            terms.append(right if op == "+" else -right)
        return terms[0] if len(terms) == 1 else sympy.Add(*terms)

    def parse_term(self) -> sympy.Expr:
        factors = [self.parse_unary()]
        while self.peek().text in ("*", "/") and self.peek().kind == "op":
            op = self.take().text
            right = self.parse_unary()
            factors.append(right if op == "*" else sympy.Pow(right, -1))
        return factors[0] if len(factors) == 1 else sympy.Mul(*factors)

    def parse_unary(self) -> sympy.Expr:
        negative = False
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            negative ^= self.take().text == "-"
        operand = self.parse_power()
        return -operand if negative else operand

    def parse_power(self) -> sympy.Expr:
        base_tok = self.peek()
        base = self.parse_atom()
        if self.peek().kind == "op" and self.peek().text in ("**", "^"):
            self.take()
            self.enter(base_tok)
            exponent = self.parse_unary()
            self.depth -= 1
            return _power(base, exponent, self, base_tok)
        return base

    def enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(tok, f"expression nested more than {MAX_DEPTH} levels deep")

    def parse_atom(self) -> sympy.Expr:
        tok = self.take()
        if tok.kind == "num":
            return _number(tok, self)
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
            self.enter(tok)
            inner = self.parse_expr()
            self.expect(")")
            self.depth -= 1
            return inner
        raise self.error(tok, "unexpected token")

    def parse_call(self, name_tok: _Tok) -> sympy.Expr:
        name = name_tok.text
        if name not in FUNCTIONS:
            raise self.error(name_tok, f"call to unknown function {name!r} (allowed: {', '.join(sorted(FUNCTIONS))})")
        lo, hi, build = FUNCTIONS[name]
        self.expect("(")
        self.enter(name_tok)
        args = [self.parse_expr()]
        while self.peek().kind == "op" and self.peek().text == ",":
            self.take()
            args.append(self.parse_expr())
        self.expect(")")
        self.depth -= 1
        if not lo <= len(args) <= hi:
            raise self.error(name_tok, f"{name}() takes {lo if lo == hi else f'{lo} to {hi}'} argument(s), got {len(args)}")
        if name == "pow":
            return _power(args[0], args[1], self, name_tok)
        return build(*args)

    def finish(self) -> None:
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(tok, "unexpected token")


def parse_expr(text: str, symbols: Mapping[str, sympy.Symbol], where: str = "expression",
               locate: Locator | None = None) -> sympy.Expr:
    """Parse one arithmetic expression over the given symbols.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"0.04*v**2 + 5*v + 140 - u + I"``.
    symbols : mapping of str to sympy.Symbol
        The names that may appear.
    where : str
        Prefix of error messages (e.g. ``"line 3"``).
    locate : callable, optional
        Maps a 1-based column of ``text`` to ``("line N", column, line text)`` in the
        original model text, so that errors point into the line as the user wrote it.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> parse_expr("2*x^2 - exp(-x)", {"x": x})
    2*x**2 - exp(-x)
    """
    if not isinstance(text, str):
        raise ModelError(f"{where}: expected a string, got {type(text).__name__}")
    p = _Parser(text, symbols, where, locate)
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


#: A bare '=' (not part of '>=', '<=', '==' or '!='): it starts a new statement.
_BARE_EQUALS = re.compile(r"(?<![<>=!])=(?!=)")


@dataclass(frozen=True)
class _Statement:
    """One logical statement of model text and where each of its characters came from."""

    line: int                                   # line number of its first line
    text: str                                   # the statement, its lines joined by single spaces
    pieces: tuple[tuple[int, int, int], ...]    # (index in text, line number, column of that index in the line)
    lines: Mapping[int, str]                    # original lines by number

    def locate(self, index: int) -> tuple[str, int, str]:
        """``("line N", column, original line)`` of the 0-based ``index`` into :attr:`text`."""
        k = max(bisect.bisect_right([p[0] for p in self.pieces], index) - 1, 0)
        start, lineno, col = self.pieces[k]
        return f"line {lineno}", col + index - start, self.lines[lineno]


def _unbalanced(open_parens: list[tuple[int, int]], lines: Mapping[int, str], why: str) -> ModelError:
    lineno, col = open_parens[-1]
    more = len(open_parens) - 1
    extra = f" (and {more} more '(' before it)" if more else ""
    return ModelError(f"line {lineno}: unbalanced parenthesis: '(' opened at line {lineno}, column {col} is never "
                      f"closed{extra}{why} in {_shown(lines[lineno], True)!r}")


def _logical_lines(text: str) -> list[_Statement]:
    """Split model text into statements: a statement continues on the next line after a trailing
    '\\', or while a parenthesis is open and the next line does not start a statement of its own
    (it has no bare '='). Parentheses are checked here, so that a missing ')' is reported as such,
    at the column of the original line, instead of merging two statements into one."""
    lines: dict[int, str] = {}
    out: list[_Statement] = []
    buf, pieces, start = "", [], 0
    open_parens: list[tuple[int, int]] = []   # (line, column) of each '(' not yet closed
    cont = False

    def flush() -> None:
        nonlocal buf, pieces
        if buf.strip():
            out.append(_Statement(start, buf, tuple(pieces), lines))
        buf, pieces = "", []

    for lineno, raw in enumerate(text.splitlines(), start=1):
        lines[lineno] = raw
        code = raw.split("#", 1)[0].rstrip()
        if not code.strip():
            continue
        if open_parens and not cont and _BARE_EQUALS.search(code):
            raise _unbalanced(open_parens, lines, f" before the next statement on line {lineno}")
        if not buf:
            start = lineno
        cont = code.endswith("\\")
        if cont:
            code = code[:-1]
        lead = len(code) - len(code.lstrip())
        if buf:
            buf += " "
        pieces.append((len(buf), lineno, lead + 1))
        for i, ch in enumerate(code):
            if ch == "(":
                open_parens.append((lineno, i + 1))
            elif ch == ")":
                if not open_parens:
                    raise ModelError(f"line {lineno}: unbalanced parenthesis: ')' at line {lineno}, column {i + 1} "
                                     f"has no matching '(' in {_shown(raw, True)!r}")
                open_parens.pop()
        buf += code[lead:]
        if not open_parens and not cont:
            flush()
    if open_parens:
        raise _unbalanced(open_parens, lines, " before the end of the text")
    flush()
    return out


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
    locators: dict[str, Locator] = {}
    for st in _logical_lines(text):
        lineno, stmt = st.line, st.text.rstrip()
        where = f"line {lineno}"
        if stmt.count("=") - stmt.count(">=") - stmt.count("<=") != 1:
            shown = stmt if len(stmt) <= 120 else stmt[:117] + "..."
            raise ModelError(f"{where}: expected 'dX/dt = expression' or 'name = expression', got {shown!r}")
        lhs, rest = stmt.split("=", 1)
        lhs, rhs = lhs.strip(), rest.strip()
        offset = len(stmt) - len(rest) + (len(rest) - len(rest.lstrip()))  # index of the rhs in the statement
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
        locators[name] = (lambda col, st=st, offset=offset: st.locate(offset + col - 1))
        stmts.append((lineno, kind, name, rhs))
    if not any(k == "ode" for _, k, _, _ in stmts):
        raise ModelError("model text has no 'dX/dt = ...' equation")

    symbols = {n: sym(n) for n in params}
    symbols.update({name: sym(name) for _, _, name, _ in stmts})
    symbols["t"] = sym("t")
    raw_defs: dict[str, sympy.Expr] = {}
    raw_eqs: dict[str, sympy.Expr] = {}
    for lineno, kind, name, rhs in stmts:
        expr = parse_expr(rhs, symbols, f"line {lineno}", locate=locators[name])
        (raw_eqs if kind == "ode" else raw_defs)[name] = expr

    definitions = _inline_definitions(raw_defs, seen)
    subs = {sym(k): v for k, v in definitions.items()}
    equations = {k: v.xreplace(subs) for k, v in raw_eqs.items()}
    return ParsedText(equations, definitions)


def tree_size(expr: sympy.Expr) -> int:
    """Number of nodes of ``expr`` written out as a tree, counted in time linear in its number of
    *distinct* subexpressions (definitions used repeatedly make trees exponentially larger than
    the shared structure sympy keeps).

    Examples
    --------
    >>> x = sym("x")
    >>> e = x
    >>> for _ in range(40):
    ...     e = sympy.exp(e) + e
    >>> tree_size(e) > 10**12
    True
    """
    return fold_tree(expr, lambda values: 1 + sum(values))


def fold_tree(expr: sympy.Basic, combine, memo: dict | None = None):
    """``combine`` of the values of a node's arguments, for every distinct subexpression, bottom up
    and without recursion (so that a 10⁴-deep expression cannot overflow the stack). ``memo`` (node ->
    value) may be kept across calls with the same ``combine``.

    Examples
    --------
    >>> x, y = sym("x"), sym("y")
    >>> fold_tree(sympy.exp(x + y), lambda values: 1 + max(values, default=0))  # depth
    3
    """
    memo = {} if memo is None else memo
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if ready or not node.args:
            memo[node] = combine([memo[a] for a in node.args])
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if a not in memo)
    return memo[expr]


def _inline_definitions(raw: dict[str, sympy.Expr], lines: Mapping[str, int]) -> dict[str, sympy.Expr]:
    """Resolve definitions that refer to each other (any order); detect cycles; refuse
    definitions whose inlined form exceeds MAX_TREE_SIZE nodes."""
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
        size = tree_size(done[name])
        if size > MAX_TREE_SIZE:
            raise ModelError(f"line {lines[name]}: definition {name!r} grows to {size} nodes once the definitions it "
                             f"uses are inlined (limit {MAX_TREE_SIZE}): make the shared quantity a state or "
                             "simplify the definitions")
        visiting.pop()
        return done[name]

    for name in raw:
        resolve(name)
    return {k: done[k] for k in raw}
