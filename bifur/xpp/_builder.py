"""The builder of one file's expressions: :class:`_Builder` parses every formula, inlines user
functions (callees first, cycles refused) and definitions (in dependency order, iteratively),
bounding the size and depth of what inlining makes; :func:`_reset` turns the ``global`` event
into a :class:`~bifur.Reset`."""
from __future__ import annotations

import math
import re
from typing import Mapping

import sympy

from ..errors import ModelError
from ..model import Reset
from ..parse import MAX_TREE_SIZE, fold_tree, sym
from ..serialize import expr_to_text
from ._formula import _Formula, _Tok, _Val
from ._names import _Entry, _Names
from ._statements import _NUMBER, _braced, _literal, _Stmt
from ._vocabulary import MAX_INLINE_DEPTH, _T, _XPP_NAME, _Sizes


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
    return fold_tree(expr, lambda values: 1 + max(values, default=0))


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
