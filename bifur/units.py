"""Units of a model's states and parameters: metadata for labels, summaries and exports.

Units never enter a computation: a model's equations are written in numbers of its declared
units (V in mV, t in ms, ...), and the compiled code, the structure hash and the compile cache
do not see them. They are read by the plots (axis labels such as ``I (µA/cm²)``), by
:meth:`bifur.FICurve.summary`, by :func:`bifur.export.to_brian2` (Brian2 quantities) and saved with
the model by :mod:`bifur.serialize`.

A unit is written as products and quotients of prefixed symbols with integer powers:
``mV``, ``uA/cm2``, ``µA/cm²``, ``mS/cm^2``, ``mV/ms``, ``1/ms``, ``uF/(cm2*ms)``; ``1`` is
dimensionless. Symbols: V A S F Ohm C s min Hz m g L mol M K; prefixes f p n u (µ, μ) m c d k M G.

Examples
--------
>>> u = parse_unit("µA/cm²")
>>> u.text, u.pretty
('uA/cm2', 'µA/cm²')
>>> parse_unit("mS/cm2").same_as(parse_unit("uF/cm2") / parse_unit("ms"))
True
>>> axis_label("I", "uA/cm2")
'I (µA/cm²)'
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import sympy

from .errors import ModelError

__all__ = ["Unit", "parse_unit", "axis_label", "format_value", "quantity_formatter", "quotient_unit", "infer_units",
           "ONE"]

#: Prefix -> factor.
PREFIXES = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "c": 1e-2, "d": 1e-1, "k": 1e3,
            "M": 1e6, "G": 1e9}

# Base dimensions: metre, kilogram, second, ampere, mole, kelvin.
_D = {"m": (1, 0, 0, 0, 0, 0), "kg": (0, 1, 0, 0, 0, 0), "s": (0, 0, 1, 0, 0, 0), "A": (0, 0, 0, 1, 0, 0),
      "mol": (0, 0, 0, 0, 1, 0), "K": (0, 0, 0, 0, 0, 1)}


def _dims(**powers: int) -> tuple[int, ...]:
    out = [0] * 6
    for base, k in powers.items():
        for i, v in enumerate(_D["mol" if base == "mol" else base]):
            out[i] += v * k
    return tuple(out)


@dataclass(frozen=True)
class _Symbol:
    scale: float                 # SI value of one unit
    dims: tuple[int, ...]
    brian2: str | None           # Brian2 name of the unprefixed unit (prefixes are prepended)
    brian2_base: str             # Brian2 expression of the unscaled SI unit of the same dimension
    prefixable: bool = True


_SYMBOLS: dict[str, _Symbol] = {
    "V": _Symbol(1.0, _dims(kg=1, m=2, s=-3, A=-1), "volt", "volt"),
    "A": _Symbol(1.0, _dims(A=1), "amp", "amp"),
    "S": _Symbol(1.0, _dims(kg=-1, m=-2, s=3, A=2), "siemens", "siemens"),
    "F": _Symbol(1.0, _dims(kg=-1, m=-2, s=4, A=2), "farad", "farad"),
    "Ohm": _Symbol(1.0, _dims(kg=1, m=2, s=-3, A=-2), "ohm", "ohm"),
    "C": _Symbol(1.0, _dims(A=1, s=1), "coulomb", "coulomb"),
    "s": _Symbol(1.0, _dims(s=1), "second", "second"),
    "min": _Symbol(60.0, _dims(s=1), None, "second", prefixable=False),
    "Hz": _Symbol(1.0, _dims(s=-1), "hertz", "hertz"),
    "m": _Symbol(1.0, _dims(m=1), "metre", "metre"),
    "g": _Symbol(1e-3, _dims(kg=1), "gram", "kilogram"),
    "L": _Symbol(1e-3, _dims(m=3), "litre", "metre**3"),
    "mol": _Symbol(1.0, _dims(mol=1), "mole", "mole"),
    "M": _Symbol(1e3, _dims(mol=1, m=-3), "molar", "(mole/metre**3)"),
    "K": _Symbol(1.0, _dims(K=1), "kelvin", "kelvin"),
}
_ALIASES = {"ohm": "Ohm", "Ω": "Ohm", "sec": "s", "l": "L"}
#: Prefixes Brian2 defines for every unit (and "c" for metre only, as ``cm``).
_BRIAN2_PREFIXES = set("pnumkMGT")

_SUPERSCRIPTS = str.maketrans({"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                               "⁷": "7", "⁸": "8", "⁹": "9"})
_TO_SUPERSCRIPT = str.maketrans({"0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶",
                                 "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"})
_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-zΩ]+)(?P<exp>-?\d+)?|(?P<one>1)(?!\d)|(?P<op>\*\*|[*/^()·⋅])"
                    r"|(?P<num>-?\d+))")
MAX_UNIT_LENGTH = 100


@dataclass(frozen=True)
class Unit:
    """A unit as a product of prefixed symbols with integer powers.

    Attributes
    ----------
    factors : tuple of (prefix, symbol, power)
        Numerator factors first, each (prefix, symbol) once.
    text : str
        Canonical ASCII form (``uA/cm2``), as stored on models and in saved files.
    pretty : str
        Form for labels (``µA/cm²``); empty for a dimensionless unit.
    scale : float
        SI value of one unit (1e-2 for uA/cm2 = 1e-6 A / 1e-4 m²).
    dims : tuple of int
        Powers of metre, kilogram, second, ampere, mole, kelvin.
    """

    factors: tuple[tuple[str, str, int], ...]

    @property
    def dimensionless(self) -> bool:
        return not self.factors

    @property
    def scale(self) -> float:
        return math.prod((PREFIXES.get(p, 1.0) * _SYMBOLS[s].scale) ** k for p, s, k in self.factors)

    @property
    def dims(self) -> tuple[int, ...]:
        out = [0] * 6
        for _, s, k in self.factors:
            for i, d in enumerate(_SYMBOLS[s].dims):
                out[i] += d * k
        return tuple(out)

    def _render(self, times: str, power, micro: str) -> str:
        num = [f"{'µ' if p == 'u' and micro else p}{s}{power(k)}" for p, s, k in self.factors if k > 0]
        den = [f"{'µ' if p == 'u' and micro else p}{s}{power(-k)}" for p, s, k in self.factors if k < 0]
        text = times.join(num) or "1"
        if den:
            text += "/" + (den[0] if len(den) == 1 else "(" + times.join(den) + ")")
        return text

    @property
    def text(self) -> str:
        if self.dimensionless:
            return "1"
        return self._render("*", lambda k: "" if k == 1 else str(k), "")

    @property
    def pretty(self) -> str:
        if self.dimensionless:
            return ""
        return self._render("·", lambda k: "" if k == 1 else str(k).translate(_TO_SUPERSCRIPT), "µ")

    def same_as(self, other: "Unit") -> bool:
        """Same dimension and same size (``mS/cm2`` and ``uF/(cm2*ms)``)."""
        return self.dims == other.dims and math.isclose(self.scale, other.scale, rel_tol=1e-9)

    def __mul__(self, other: "Unit") -> "Unit":
        return _combine(self.factors + other.factors)

    def __truediv__(self, other: "Unit") -> "Unit":
        return _combine(self.factors + tuple((p, s, -k) for p, s, k in other.factors))

    def __pow__(self, n: int) -> "Unit":
        return _combine(tuple((p, s, k * n) for p, s, k in self.factors))

    def brian2(self) -> tuple[str, str] | None:
        """(scaled, base) Brian2 expressions, e.g. ``("(uamp/cm**2)", "amp/metre**2")`` or
        ``("mvolt", "volt")``; None when
        Brian2 has no name for a factor (a prefix it does not define)."""
        if self.dimensionless:
            return "1", "1"
        scaled_num, scaled_den, base_num, base_den = [], [], [], []
        for p, s, k in self.factors:
            sym = _SYMBOLS[s]
            if sym.brian2 is None:
                if p or s != "min":
                    return None
                name = "(60*second)"
            elif p and not (p in _BRIAN2_PREFIXES or (p == "c" and s == "m")):
                return None
            elif s == "g" and p == "k":
                name = "kilogram"
            elif s == "m" and p == "c":
                name = "cm"          # Brian2's namespace has cm, not cmetre
            else:
                name = p + sym.brian2
            power = "" if abs(k) == 1 else f"**{abs(k)}"
            base = sym.brian2_base if abs(k) == 1 or "/" not in sym.brian2_base else f"({sym.brian2_base})"
            (scaled_num if k > 0 else scaled_den).append(name + power)
            (base_num if k > 0 else base_den).append(base + power)

        def join(num: list[str], den: list[str]) -> str:
            text = "*".join(num) or "1"
            if den:
                text += "/" + (den[0] if len(den) == 1 else "(" + "*".join(den) + ")")
            return text
        scaled = join(scaled_num, scaled_den)
        return (scaled if re.fullmatch(r"\w+", scaled) else f"({scaled})"), join(base_num, base_den)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Unit({self.text!r})"


ONE = Unit(())


def _combine(factors: Iterable[tuple[str, str, int]]) -> Unit:
    total: dict[tuple[str, str], int] = {}
    for p, s, k in factors:
        total[(p, s)] = total.get((p, s), 0) + k
    items = [(p, s, k) for (p, s), k in total.items() if k != 0]
    return Unit(tuple([f for f in items if f[2] > 0] + [f for f in items if f[2] < 0]))


def _symbol(token: str, text: str) -> tuple[str, str]:
    token = _ALIASES.get(token, token)
    if token in _SYMBOLS:
        return "", token
    head, rest = token[0], _ALIASES.get(token[1:], token[1:])
    if head in PREFIXES and rest in _SYMBOLS and _SYMBOLS[rest].prefixable:
        return head, rest
    raise ModelError(f"unit {text!r}: unknown unit {token!r} (symbols: {' '.join(_SYMBOLS)}; "
                     f"prefixes: {' '.join(PREFIXES)}; e.g. 'mV', 'uA/cm2', 'mS/cm^2', '1')")


def parse_unit(text: Any) -> Unit:
    """Read a unit written as text (ASCII or with µ, ², ·), or pass a :class:`Unit` through.

    Raises :class:`~bifur.ModelError` naming the unknown symbol or the misplaced character.

    Examples
    --------
    >>> parse_unit("mS/cm^2").text, parse_unit("1/ms").pretty, parse_unit("1").dimensionless
    ('mS/cm2', '1/ms', True)
    >>> parse_unit("mV/xs")
    Traceback (most recent call last):
    ...
    bifur.errors.ModelError: unit 'mV/xs': unknown unit 'xs' (symbols: V A S F Ohm C s min Hz m g L mol M K; prefixes: f p n u m c d k M G; e.g. 'mV', 'uA/cm2', 'mS/cm^2', '1')
    >>> parse_unit("mV ms")
    Traceback (most recent call last):
    ...
    bifur.errors.ModelError: unit 'mV ms': unexpected 'ms' (join units with '*' or '/')
    """
    if isinstance(text, Unit):
        return text
    if not isinstance(text, str):
        raise ModelError(f"a unit must be text such as 'mV' or 'uA/cm2', got {type(text).__name__}")
    if len(text) > MAX_UNIT_LENGTH:
        raise ModelError(f"unit text longer than {MAX_UNIT_LENGTH} characters")
    norm = text.replace("µ", "u").replace("μ", "u").replace("⁻", "-").translate(_SUPERSCRIPTS).strip()
    if not norm:
        raise ModelError("empty unit: write '1' for a dimensionless quantity")
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(norm):
        m = _TOKEN.match(norm, pos)
        if m is None or m.end() == pos:
            if norm[pos:].strip() == "":
                break
            raise ModelError(f"unit {text!r}: unexpected character {norm[pos:].lstrip()[0]!r}")
        kind = next(k for k in ("name", "one", "op", "num") if m.group(k) is not None)
        tokens.append((kind, m.group(0).strip()))
        pos = m.end()

    def expect_power(i: int) -> tuple[int, int]:
        if i < len(tokens) and tokens[i] in (("op", "^"), ("op", "**")):
            if i + 1 < len(tokens) and tokens[i + 1][0] in ("num", "one"):
                return int(tokens[i + 1][1]), i + 2
            raise ModelError(f"unit {text!r}: a power must be an integer")
        return 1, i

    def atom(i: int, depth: int) -> tuple[Unit, int]:
        if i >= len(tokens):
            raise ModelError(f"unit {text!r} ends where a unit was expected")
        kind, val = tokens[i]
        if kind == "one":
            unit, i = ONE, i + 1
        elif kind == "name":
            m = re.fullmatch(r"([A-Za-zΩ]+)(-?\d+)?", val)
            p, s = _symbol(m.group(1), text)
            unit, i = Unit(((p, s, int(m.group(2) or 1)),)), i + 1
        elif (kind, val) == ("op", "(") and depth < 4:
            unit, i = product(i + 1, depth + 1)
            if i >= len(tokens) or tokens[i] != ("op", ")"):
                raise ModelError(f"unit {text!r}: unbalanced parenthesis")
            i += 1
        else:
            raise ModelError(f"unit {text!r}: unexpected {val!r}")
        power, i = expect_power(i)
        return unit ** power, i

    def product(i: int, depth: int) -> tuple[Unit, int]:
        unit, i = atom(i, depth)
        while i < len(tokens) and tokens[i][0] == "op" and tokens[i][1] in "*/·⋅":
            op = tokens[i][1]
            other, i = atom(i + 1, depth)
            unit = unit / other if op == "/" else unit * other
        return unit, i

    unit, end = product(0, 0)
    if end != len(tokens):
        hint = " (join units with '*' or '/')" if tokens[end][0] in ("name", "one") else ""
        raise ModelError(f"unit {text!r}: unexpected {tokens[end][1]!r}{hint}")
    return unit


def axis_label(name: str, unit: Any) -> str:
    """``name (unit)`` with the unit in its printed form; ``name`` alone when the unit is None or 1.

    Examples
    --------
    >>> axis_label("V", "mV"), axis_label("x", None), axis_label("phi", "1")
    ('V (mV)', 'x', 'phi')
    """
    if unit is None:
        return name
    pretty = parse_unit(unit).pretty
    return f"{name} ({pretty})" if pretty else name


def format_value(value: float, unit: Any, spec: str = ".6g") -> str:
    """A number followed by its unit (printed form), e.g. ``6.2603213 µA/cm²``; the number alone
    when the unit is None or dimensionless.

    Examples
    --------
    >>> format_value(6.26032136, "uA/cm2", ".8g"), format_value(2.5, None)
    ('6.2603214 µA/cm²', '2.5')
    """
    number = format(value, spec)
    pretty = parse_unit(unit).pretty if unit is not None else ""
    return f"{number} {pretty}" if pretty else number


# -- inference: units of undeclared parameters from the equations ------------------------------------------
_FUNCTIONS_OF_NUMBERS = (sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tan, sympy.atan, sympy.sinh,
                         sympy.cosh, sympy.tanh)


def _bottom(expr: sympy.Expr, known: Mapping[str, Unit]) -> Unit | None:
    """Unit of a subexpression from its symbols' units; None if unknown. Numbers are dimensionless in
    products; in sums they take the unit of the other terms (``V + 40`` is in mV)."""
    if isinstance(expr, sympy.Symbol):
        return known.get(expr.name)
    if isinstance(expr, sympy.Number):
        return ONE
    if isinstance(expr, sympy.Add):
        for term in expr.args:
            if not isinstance(term, sympy.Number):
                u = _bottom(term, known)
                if u is not None:
                    return u
        return None
    if isinstance(expr, sympy.Mul):
        out = ONE
        for f in expr.args:
            u = _bottom(f, known)
            if u is None:
                return None
            out = out * u
        return out
    if isinstance(expr, sympy.Pow):
        n = expr.exp
        if isinstance(n, sympy.Integer):
            u = _bottom(expr.base, known)
            return None if u is None else u ** int(n)
        return ONE if _bottom(expr.base, known) == ONE else None
    if isinstance(expr, (*_FUNCTIONS_OF_NUMBERS, sympy.sign, sympy.Heaviside)):
        return ONE
    if isinstance(expr, (sympy.Abs, sympy.Min, sympy.Max)):
        return _bottom(expr.args[0], known)
    return None


def _walk(expr: sympy.Expr, expected: Unit | None, known: Mapping[str, Unit], found: dict[str, set]) -> None:
    """Propagate an expected unit down an expression; undeclared symbols reached with an expected
    unit are collected in ``found``."""
    if isinstance(expr, sympy.Symbol):
        if expr.name not in known and expected is not None:
            found.setdefault(expr.name, set()).add(expected)
        return
    if isinstance(expr, sympy.Number):
        return
    if isinstance(expr, sympy.Add):
        target = expected if expected is not None else _bottom(expr, known)
        for term in expr.args:
            _walk(term, target, known, found)
        return
    if isinstance(expr, sympy.Mul):
        units = [_bottom(f, known) for f in expr.args]
        unknown = [k for k, u in enumerate(units) if u is None]
        for k, f in enumerate(expr.args):
            target = None
            if expected is not None and unknown == [k]:
                rest = ONE
                for j, u in enumerate(units):
                    if j != k:
                        rest = rest * u
                target = expected / rest
            _walk(f, target, known, found)
        return
    if isinstance(expr, sympy.Pow):
        n = expr.exp
        target = None
        if expected is not None and isinstance(n, sympy.Integer) and int(n) != 0:
            k = int(n)
            if all(e % k == 0 for _, _, e in expected.factors):
                target = _combine((p, s, e // k) for p, s, e in expected.factors)
        _walk(expr.base, target, known, found)
        if not isinstance(n, sympy.Number):
            _walk(n, ONE, known, found)
        return
    if isinstance(expr, _FUNCTIONS_OF_NUMBERS):
        _walk(expr.args[0], ONE, known, found)
        return
    if isinstance(expr, (sympy.Abs, sympy.Min, sympy.Max)):
        target = expected if expected is not None else _bottom(expr, known)
        for a in expr.args:
            _walk(a, target, known, found)
        return
    for a in expr.args:
        _walk(a, None, known, found)


def _named(unit: Unit, candidates: Iterable[Unit]) -> Unit:
    """The first candidate equal to ``unit`` (so an inferred conductance reads mS/cm², like the
    model's declared conductances), else a prefixed symbol of that size, alone or per length,
    area or volume (``mS/cm2``), else ``unit`` as it is."""
    for c in candidates:
        if c.same_as(unit):
            return c
    for power in (0, -2, -1, -3, 2, 1, 3):
        for mp in (("",) if power == 0 else ("c", "", "m", "u")):
            per = Unit(((mp, "m", power),)) if power else ONE
            for s, sym in _SYMBOLS.items():
                if s == "m" or not sym.prefixable:
                    continue
                for p in ("", *PREFIXES):
                    guess = Unit(((p, s, 1),)) * per
                    if guess.same_as(unit):
                        return guess
    return unit


def infer_units(model: Any) -> dict[str, Unit]:
    """Units of the parameters a model does not declare, where its equations and declared units
    determine them (a term ``-G*(V - E_G)/C`` of dV/dt in mV/ms with C in µF/cm² gives E_G in mV
    and G in mS/cm²). Parameters reached with two different units are left out.

    Examples
    --------
    >>> from bifur import with_conductance_input
    >>> from bifur.models import hodgkin_huxley
    >>> {k: v.text for k, v in infer_units(with_conductance_input(hodgkin_huxley())).items()}
    {'E_G': 'mV', 'G': 'mS/cm2'}
    """
    declared = {n: parse_unit(u) for n, u in model.units.items()}
    if not declared:
        return {}
    time = ONE if model.time_unit == "1" else parse_unit(model.time_unit)
    names = [*declared.values(), time, ONE / time]   # how inferred units are written, when one fits
    known: dict[str, Unit] = dict(declared)
    known["t"] = time
    params = set(model.param_names)
    refused: set[str] = set()
    inferred: dict[str, Unit] = {}
    while True:
        found: dict[str, set] = {}
        for state, expr in model.equations.items():
            if state in known:
                _walk(expr, known[state] / time, known, found)
        new = False
        for name, units in found.items():
            if name not in params or name in refused:
                continue
            first = next(iter(units))
            if all(first.same_as(u) for u in units):
                known[name] = inferred[name] = _named(first, names)
                new = True
            else:
                refused.add(name)
        if not new:
            return dict(sorted(inferred.items()))


def quantity_formatter(model: Any, name: str):
    """``format(value, spec)`` followed by the unit of ``name`` in ``model`` (declared or inferred;
    nothing when it has none), for summaries: ``q = quantity_formatter(hh, "I"); q(6.26, ".3g")``
    gives ``'6.26 µA/cm²'``.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> quantity_formatter(hodgkin_huxley(), "I")(6.26032136, ".8g")
    '6.2603214 µA/cm²'
    """
    try:
        unit = model.unit(name) if model is not None else None
    except ModelError:
        unit = None

    def q(value: float, spec: str = ".6g") -> str:
        return format_value(value, unit, spec)
    return q


def quotient_unit(model: Any, numerator: str, denominator: str) -> str | None:
    """The unit of ``numerator / denominator`` (names of a model), written like one of the model's
    declared units where one is the same (I/V in a model with conductances in mS/cm² gives
    ``"mS/cm2"``); None when either unit is unknown.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> quotient_unit(hodgkin_huxley(), "I", "V")
    'mS/cm2'
    """
    a, b = model.unit(numerator), model.unit(denominator)
    if a is None or b is None:
        return None
    return _named(parse_unit(a) / parse_unit(b), [parse_unit(u) for u in model.units.values()]).text
