"""Lines and statements of an XPP file: :class:`_Stmt` (one statement, with the physical lines
it came from, for errors naming the line), the split of the text into statements (continuations
joined, comments removed, ``done`` ends) and the small readers of a statement's text shared by
the reader and the builder: declarations ``a=1, b=2``, number literals and ``{...}`` braces."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..errors import ModelError
from ._vocabulary import _REFUSED_COMMANDS, _XPP_NAME


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
