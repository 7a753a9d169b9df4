"""The parser of one XPP formula: a tokenizer and a recursive-descent parser (:class:`_Formula`)
with XPP's own operator precedence, turning comparisons, ``&``, ``|``, ``not`` and
``if/then/else`` into heaviside arithmetic, within the limits of :mod:`bifur.parse`; names are
resolved by a callback of the caller (the builder)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import sympy

from ..errors import ModelError
from ..parse import MAX_DEPTH, MAX_TOKENS, _Cursor, _number, _power
from ._statements import _quote, _Stmt
from ._vocabulary import _REFUSED_FUNCTIONS, _T, _XPP_FUNCTIONS, _heav, _Sizes


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


class _Formula(_Cursor):
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
        return self._run(self.product, "+", "-", "|", sympy.Add, lambda e: -e, lambda a, b: a + b - a * b)

    def product(self) -> _Val:
        return self._run(self.unary, "*", "/", "&", sympy.Mul, lambda e: sympy.Pow(e, -1), lambda a, b: a * b)

    def _run(self, operand: Callable[[], _Val], same: str, inverse: str, logical: str,
             build: Callable[..., sympy.Expr], invert: Callable[[sympy.Expr], sympy.Expr],
             combine: Callable[[sympy.Expr, sympy.Expr], sympy.Expr]) -> _Val:
        """A left-associative run of ``operand`` joined by ``same``, by ``inverse`` (the right side
        through ``invert``) and by the logical ``logical`` (truth values joined by ``combine``); the
        terms of each arithmetic stretch are collected and built once by ``build``."""
        acc = operand()
        terms: list[sympy.Expr] | None = None
        while self.is_op(same, inverse, logical):
            tok = self.take()
            right = operand()
            if tok.text == logical:
                left = acc if terms is None else _Val(build(*terms))
                a, b = self.truth(left, tok, f"'{logical}'"), self.truth(right, tok, f"'{logical}'")
                acc, terms = _Val(combine(a, b), True), None
            else:
                terms = [acc.expr] if terms is None else terms
                terms.append(right.expr if tok.text == same else invert(right.expr))
        return acc if terms is None else _Val(build(*terms))

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
