"""Names of an XPP file: :class:`_Names` registers each declared name once under its lower-case
key (XPP ignores letter case; reserved words and duplicates are refused), and
:func:`_bifur_names` gives every entry a valid bifur identifier, renaming those that are not."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import ModelError
from ..parse import check_identifier
from ._statements import _Stmt
from ._vocabulary import _RESERVED, _XPP_NAME


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
