"""Index arrays of an XPP file: statements with an index range ``x[a..b]`` and ``%[a..b] ... %``
blocks are expanded into one statement per index ``j``, with the integer arithmetic of indices
such as ``[j+1]`` evaluated (bounded by :data:`~bifur.xpp.MAX_ARRAY` elements per range and
:data:`~bifur.xpp.MAX_STATEMENTS` statements in all)."""
from __future__ import annotations

import re

from ._statements import _Stmt
from ._vocabulary import MAX_ARRAY, MAX_STATEMENTS


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
