"""The reader: :func:`read_xpp` takes a path or the text of an ``.ode`` file through statements,
index arrays and names to the builder, and assembles the :class:`~bifur.Model` and its
:class:`~bifur.xpp.XppModel`; each statement is classified here (equation, declaration,
function, fixed quantity, option) or refused with an error naming the line."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import ModelError
from ..model import Model, check_expr
from ..parse import sym
from ._arrays import _expand_arrays
from ._builder import _Builder, _reset
from ._names import _bifur_names, _Entry, _Names
from ._result import XppModel
from ._statements import _declarations, _literal, _statements, _Stmt
from ._vocabulary import (MAX_TEXT, _COMMANDS, _OPTION_FLOATS, _OPTION_NAMES, _REFUSED_COMMANDS, _T,
                          _XPP_NAME)


_ODE_DT = re.compile(r"d\s*([A-Za-z_][A-Za-z0-9_]*)\s*/\s*dt\s*=", re.IGNORECASE)
_ODE_PRIME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*'\s*=")
_PAREN_LHS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)\s*=")
_FIXED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")
_DERIVED = re.compile(r"!\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")


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


@dataclass
class _Declared:
    """What the statements of one file declare, collected in file order by :func:`_read_statement`."""

    names: _Names = field(default_factory=_Names)
    params: dict[str, float] = field(default_factory=dict)           # lower-case name -> value
    inits: list[tuple[str, str, _Stmt, int]] = field(default_factory=list)   # (name, value text, statement, offset)
    globals_: list[_Stmt] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _read_statement(st: _Stmt, d: _Declared) -> None:
    """Record one statement in ``d``: an option, a derived parameter, a declaration, an equation,
    a function or an initial value ``X(0)=``, or a fixed quantity; anything else is refused."""
    names = d.names
    s = st.text
    body = s.strip()
    lead = len(s) - len(s.lstrip())
    if body.startswith("@"):
        _options(st, d.options)
        return
    if body.startswith("0") and re.match(r"0\s*=", body):
        raise st.error("'0=' (an algebraic constraint of a differential-algebraic system) is not supported")
    m = _DERIVED.match(body)
    if m:
        names.add(_Entry("derived", m.group(1), st.line, rhs=body[m.end():], st=st,
                         offset=lead + m.end()), st)
        return
    word = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\s+|$)", body)
    if word and not re.match(r"\s*(=(?!=)|'|\(|/)", body[word.end():]) and not _ODE_DT.match(body):
        _read_declaration(st, word, body, lead, d)
        return
    m = _ODE_DT.match(body) or _ODE_PRIME.match(body)
    if m:
        names.add(_Entry("state", m.group(1), st.line, rhs=body[m.end():], st=st, offset=lead + m.end()), st)
        return
    m = _PAREN_LHS.match(body)
    if m:
        _read_parenthesized(st, m, body, lead, d)
        return
    m = _FIXED.match(body)
    if m:
        names.add(_Entry("fixed", m.group(1), st.line, rhs=body[m.end():], st=st, offset=lead + m.end()), st)
        return
    raise st.error("not a statement of an XPP file (expected X'=..., dX/dt=..., name=..., f(x)=..., "
                   "or a declaration such as par, init, aux, global)")


def _read_declaration(st: _Stmt, word: re.Match, body: str, lead: int, d: _Declared) -> None:
    """A statement that starts with a keyword (``par``, ``number``, ``init``, ``aux``, ``global``, ...)."""
    names, params, inits, globals_, notes = d.names, d.params, d.inits, d.globals_, d.notes
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


def _read_parenthesized(st: _Stmt, m: re.Match, body: str, lead: int, d: _Declared) -> None:
    """``X(0)=value`` (an initial value) or ``f(x,y)=formula`` (a user function); ``X(t+1)=`` is refused."""
    fname, inside = m.group(1), m.group(2).strip()
    low = inside.replace(" ", "").lower()
    if low == "t+1":
        raise st.error(f"'{fname}(t+1)=' defines a map (difference equation), which is not supported")
    if low == "0":
        d.inits.append((fname, body[m.end():], st, lead + m.end()))
        return
    args = tuple(a.strip() for a in inside.split(","))
    if not all(_XPP_NAME.fullmatch(a) for a in args):
        raise st.error(f"malformed arguments ({inside}) of function {fname!r}")
    if len({a.lower() for a in args}) != len(args):
        raise st.error(f"function {fname!r} names an argument twice")
    d.names.add(_Entry("function", fname, st.line, rhs=body[m.end():], st=st, offset=lead + m.end(),
                       args=args), st)


def _units(names: _Names, state_names: list[str], voltage: str | None, time_unit: str | None,
           capacitance: str | float | None, notes: list[str]) -> tuple[str | None, str, str | float | None]:
    """The voltage state, time unit and capacitance of the model, with names as bifur spells them."""
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
    return voltage, time_unit, capacitance


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

    d = _Declared(notes=notes)
    for st in stmts:
        _read_statement(st, d)
    names, params, options = d.names, d.params, d.options

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
    for n, value, st, offset in d.inits:
        e = names.get(n)
        if e is None or e.kind != "state":
            raise st.error(f"initial value given for {n!r}, which is not a variable with a differential equation")
        init_values[e.bifur] = builder.constant(value, st, offset, f"initial value of {n!r}")
    reset = _reset(d.globals_, names, builder)

    eqs_inlined = builder.inline(eqs)
    aux_inlined = builder.inline(aux)
    symbols = {e.bifur: sym(e.bifur) for e in names.of_kind("state", "par")}
    symbols["t"] = _T
    for n, e in {**eqs_inlined, **aux_inlined}.items():
        check_expr(e, symbols, f"XPP formula of {n!r}")

    state_names = [e.bifur for e in states]
    voltage, time_unit, capacitance = _units(names, state_names, voltage, time_unit, capacitance, notes)
    text_lines = builder.display_text(eqs, aux)
    model = Model(name or stem or "xpp_model", states={n: init_values[n] for n in state_names}, params=par_values,
                  equations=eqs_inlined, reset=reset, time_unit=time_unit, voltage=voltage,
                  capacitance=capacitance, text=text_lines,
                  description=description if description is not None else first_comment,
                  reference=reference)
    return XppModel(model, MappingProxyType(aux_inlined), MappingProxyType(options), tuple(notes),
                    MappingProxyType(renamed))
