"""Writing bifur models for other simulators: XPPAUT ``.ode`` text and Brian2 ``NeuronGroup`` arguments.

:func:`to_xpp` writes text that XPPAUT reads (and that :func:`bifur.xpp.read_xpp` reads back
to the same right-hand side). :func:`to_brian2` returns the equations, threshold, reset,
integration method and parameter values that a Brian2 ``NeuronGroup`` takes, so a neuron
analysed in bifur runs in a Brian2 network without retyping. Brian2 is optional: nothing
here imports it except :meth:`Brian2Code.neuron_group`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import sympy
from sympy.printing.str import StrPrinter

from .errors import ModelError
from .model import Model, _canonical
from .parse import parse_model_text, sym

__all__ = ["to_xpp", "to_brian2", "Brian2Code", "BRIAN2_TIME_UNITS"]

# -- shared printing -------------------------------------------------------------------------------------


class _Printer(StrPrinter):
    """Common printing: exact floats, renamed symbols, explicit parentheses around powers."""

    pow_op = "^"

    def __init__(self, names: Mapping[str, str], time: str = "t"):
        super().__init__({"full_prec": True})
        self.names = names
        self.time = time

    def _print_Symbol(self, expr):
        if expr.name == "t":
            return self.time
        return self.names.get(expr.name, expr.name)

    def _print_Float(self, expr):
        text = repr(float(expr))
        return text.replace("e+", "e")

    def _print_Exp1(self, expr):
        return "exp(1)"

    def _print_Pi(self, expr):
        return "pi"

    def _atom(self, expr) -> str:
        text = self._print(expr)
        simple = (expr.is_Symbol or (expr.is_Number and not expr.is_Rational and expr >= 0)
                  or (expr.is_Integer and expr >= 0) or expr.is_Function)
        return text if simple else f"({text})"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.args
        if exp == sympy.Rational(1, 2):
            return f"sqrt({self._print(base)})"
        if exp == -sympy.Rational(1, 2):
            return f"1/sqrt({self._print(base)})"
        if exp.is_Number and exp < 0:
            return f"1/{self._atom(sympy.Pow(base, -exp, evaluate=False))}"
        return f"{self._atom(base)}{self.pow_op}{self._atom(exp)}"

    def _print_Rational(self, expr):
        return f"{expr.p}/{expr.q}" if expr.q != 1 else str(expr.p)


class _XppPrinter(_Printer):
    def _print_log(self, expr):
        return f"ln({self._print(expr.args[0])})"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        return f"heav({self._print(expr.args[0])})"

    def _print_sign(self, expr):
        return f"sign({self._print(expr.args[0])})"

    def _nested(self, name: str, args) -> str:
        out = self._print(args[-1])
        for a in reversed(args[:-1]):
            out = f"{name}({self._print(a)},{out})"
        return out

    def _print_Min(self, expr):
        return self._nested("min", expr.args)

    def _print_Max(self, expr):
        return self._nested("max", expr.args)


class _Brian2Printer(_Printer):
    pow_op = "**"

    def _print_atan(self, expr):
        return f"arctan({self._print(expr.args[0])})"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_sign(self, expr):
        return f"sign({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):  # exact, with H(0) = 1/2 as in bifur
        return f"(0.5*(sign({self._print(expr.args[0])}) + 1))"

    def _print_Exp1(self, expr):
        return "exp(1.0)"

    def _clip(self, args, low: bool) -> str:
        out = self._print(args[-1])
        for a in reversed(args[:-1]):
            out = f"clip({self._print(a)}, {out}, inf)" if low else f"clip({self._print(a)}, -inf, {out})"
        return out

    def _print_Max(self, expr):   # max(a, b) = clip(a, b, inf)
        return self._clip(expr.args, True)

    def _print_Min(self, expr):   # min(a, b) = clip(a, -inf, b)
        return self._clip(expr.args, False)

    def _print_Rational(self, expr):  # true division whatever the code generation target
        return f"{expr.p}.0/{expr.q}.0" if expr.q != 1 else f"{expr.p}.0"

    def _print_Integer(self, expr):
        return f"{int(expr)}.0" if abs(int(expr)) < 10 ** 15 else repr(float(expr))


# -- XPP ------------------------------------------------------------------------------------------------
#: Names XPP reserves (functions, operators, keywords): model names equal to one of them are renamed.
XPP_RESERVED = frozenset("""sin cos tan atan atan2 sinh cosh tanh exp delay ln log log10 t pi if then else mod
    asin acos heav sign flr ran abs del_shft max min normal besselj bessely besseli erf erfc poisson lgamma
    shift ishift sum of int not hom_bcs set sqrt""".split()) | frozenset(f"arg{k}" for k in range(1, 21))
_XPP_NAME_LENGTH = 10     # XPP keeps the first 10 characters of a name
_XPP_LINE = 900           # XPP reads lines of up to 1000 characters


def _xpp_names(model: Model) -> dict[str, str]:
    """bifur name -> XPP name: at most 10 characters, not reserved, unique ignoring letter case."""
    out: dict[str, str] = {}
    used: set[str] = set()
    names = [*model.state_names, *model.param_names]
    fine = [n for n in names if len(n) <= _XPP_NAME_LENGTH and n.lower() not in XPP_RESERVED]
    counts: dict[str, int] = {}
    for n in fine:
        counts[n.lower()] = counts.get(n.lower(), 0) + 1
    for n in names:
        if n in fine and counts[n.lower()] == 1:
            out[n] = n
            used.add(n.lower())
    for n in names:
        if n in out:
            continue
        stem = n[:_XPP_NAME_LENGTH - 2]
        k = 1
        cand = f"{stem}_{k}"
        while cand.lower() in used or cand.lower() in XPP_RESERVED:
            k += 1
            cand = f"{stem[:_XPP_NAME_LENGTH - 1 - len(str(k))]}_{k}"
        out[n] = cand
        used.add(cand.lower())
    return out


def _aux_of(model: Model) -> dict[str, sympy.Expr]:
    """Definitions marked ``# aux`` in the model's text (as :func:`bifur.xpp.read_xpp` writes them),
    when that text reads back to exactly the model's equations."""
    text = model.equations_text()
    marked = [m.group(1) for m in re.finditer(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*=[^\n#]*#\s*aux\s*$", text, re.M)]
    if not marked:
        return {}
    try:
        parsed = parse_model_text(text, model.param_names)
    except (ModelError, RecursionError):
        return {}
    if dict(parsed.equations) != dict(model.equations):
        return {}
    return {n: parsed.definitions[n] for n in marked if n in parsed.definitions}


def _value(x: float) -> str:
    return repr(float(x)).replace("e+", "e")


def _split_long(lines: list[tuple[str, sympy.Expr]], printer: _Printer, reserved: set[str]) -> list[tuple[str, str]]:
    """Print ``(lhs, expr)`` pairs; expressions too long for one XPP line become fixed quantities."""
    out: list[tuple[str, str]] = []
    fixed: list[tuple[str, str]] = []
    counter = [0]

    def fresh() -> str:
        while True:
            counter[0] += 1
            name = f"bfx{counter[0]}"
            if name.lower() not in reserved:
                return name

    def short(expr: sympy.Expr) -> str:
        text = printer.doprint(expr)
        if len(text) <= _XPP_LINE:
            return text
        if not expr.args:
            raise ModelError(f"an expression is too long for XPP's 1000-character lines: {text[:60]}...")
        args = list(expr.args)
        new_args = []
        for a in args:
            if len(printer.doprint(a)) > _XPP_LINE // 4:
                name = fresh()
                fixed.append((name, short(a)))
                new_args.append(sym(name))
            else:
                new_args.append(a)
        rebuilt = expr.func(*new_args, evaluate=False) if expr.is_Add or expr.is_Mul else expr.func(*new_args)
        text = printer.doprint(rebuilt)
        if len(text) <= _XPP_LINE:
            return text
        if expr.is_Add or expr.is_Mul:   # many short terms: group them
            groups, cur = [], []
            for a in new_args:
                cur.append(a)
                if len(printer.doprint(expr.func(*cur, evaluate=False))) > _XPP_LINE // 2:
                    groups.append(cur)
                    cur = []
            if cur:
                groups.append(cur)
            parts = []
            for g in groups:
                name = fresh()
                fixed.append((name, printer.doprint(expr.func(*g, evaluate=False))))
                parts.append(sym(name))
            return short(expr.func(*parts, evaluate=False))
        raise ModelError(f"an expression is too long for XPP's 1000-character lines: {text[:60]}...")

    for lhs, expr in lines:
        out.append((lhs, short(expr)))
    return fixed + out


def to_xpp(model: Model, *, aux: Mapping[str, Any] | None = None, options: Mapping[str, Any] | None = None,
           params: Mapping[str, float] | None = None) -> str:
    """XPPAUT ``.ode`` text of a model.

    Parameters
    ----------
    model : Model
    aux : mapping, optional
        Extra outputs ``name -> expression`` (sympy or bifur text over the model's names), written as
        ``aux`` lines. By default, definitions marked ``# aux`` in the model's text (as
        :func:`bifur.xpp.read_xpp` keeps them) are written.
    options : mapping, optional
        ``@`` options (e.g. ``{"total": 200, "dt": 0.01, "meth": "qualrk"}``); ``bound=1e9`` is
        added unless given, since XPP stops at |x| > 100 by default.
    params : mapping, optional
        Parameter values overriding the defaults.

    Returns
    -------
    str
        The file's text. Names longer than 10 characters, equal to an XPP reserved word or
        equal to another ignoring letter case are renamed (listed in a comment); expressions
        longer than XPP's lines are split into fixed quantities ``bfx1, bfx2, ...``. The reset
        becomes ``global 1 {g} {x=...;...}``, the upward crossing of g, whose assignments XPP
        evaluates before updating (as bifur does). XPP's ``heav(0)`` is 1 where bifur's
        heaviside is 1/2: they differ only exactly at 0.

    Examples
    --------
    >>> from bifur.models import izhikevich
    >>> print(to_xpp(izhikevich("RS"), options={"total": 100}), end="")
    # izhikevich_RS: written by bifur (time in ms)
    # Izhikevich simple model, RS cell
    par I=0.0, a=0.02, b=0.2, c=-65.0, d=8.0, v_peak=30.0
    init v=-65.0, u=-13.0
    v'=I - u + 0.04*v^2 + 5*v + 140
    u'=a*(b*v - u)
    global 1 {v - v_peak} {v=c;u=d + u}
    @ total=100, bound=1e9
    done
    """
    names = _xpp_names(model)
    values = model.param_values(params)
    printer = _XppPrinter(names)
    lines = [f"# {model.name}: written by bifur (time in {model.time_unit})"]
    if model.description:
        lines.append("# " + " ".join(model.description.split()))
    changed = {k: v for k, v in names.items() if k != v}
    if changed:
        lines.append("# renamed for XPP: " + ", ".join(f"{k} -> {v}" for k, v in changed.items()))

    def declare(keyword: str, items: list[tuple[str, float]]) -> None:
        for k in range(0, len(items), 8):
            lines.append(f"{keyword} " + ", ".join(f"{names[n]}={_value(v)}" for n, v in items[k:k + 8]))

    if values:
        declare("par", list(values.items()))
    declare("init", list(model.init.items()))
    reserved = {v.lower() for v in names.values()} | set(XPP_RESERVED)
    body = [(f"{names[n]}'", e) for n, e in model.equations.items()]
    symbols = {n: sym(n) for n in (*model.state_names, *model.param_names, "t")}
    aux_exprs = _aux_of(model) if aux is None else {n: _canonical(e, symbols, f"aux {n!r}") for n, e in aux.items()}
    aux_names = {}
    for n in aux_exprs:
        cand = re.sub(r"[^A-Za-z0-9_]", "_", n)[:_XPP_NAME_LENGTH]
        while cand.lower() in reserved:
            cand = cand[:_XPP_NAME_LENGTH - 1] + "_"
            if cand.lower() in reserved:
                cand = f"aux{len(aux_names) + 1}"
        reserved.add(cand.lower())
        aux_names[n] = cand
    printed = _split_long(body + [(f"aux {aux_names[n]}", e) for n, e in aux_exprs.items()], printer, reserved)
    lines += [f"{lhs}={text}" for lhs, text in printed]
    if model.reset is not None:
        r = model.reset
        events = ";".join(f"{names[k]}={printer.doprint(v)}" for k, v in r.new_values.items())
        lines.append(f"global 1 {{{printer.doprint(r.g)}}} {{{events}}}")
    opts = dict(options or {})
    opts.setdefault("bound", "1e9")
    if opts:
        lines.append("@ " + ", ".join(f"{k}={_value(v) if isinstance(v, float) else v}" for k, v in opts.items()))
    lines.append("done")
    return "\n".join(lines) + "\n"


# -- Brian2 ---------------------------------------------------------------------------------------------
#: bifur time unit -> Brian2 expression of one model time unit.
BRIAN2_TIME_UNITS = {"ms": "ms", "s": "second", "us": "us", "min": "(60*second)", "1": "ms"}

_BRIAN2_RESERVED = frozenset({"t", "dt", "N", "i", "xi", "lastspike", "not_refractory", "t_in_timesteps",
                              "e", "pi", "inf", "True", "False"})
_BRIAN2_FUNCTIONS = frozenset("""abs arccos arcsin arctan ceil clip cos cosh exp expm1 exprel floor int log log10
    log1p poisson rand randn sign sin sinh sqrt tan tanh timestep""".split())
_BRIAN2_SHORT_UNITS = frozenset("mV mA uA nA pA pF uF nF nS uS ms us Hz cm mm um mM uM nM kHz MHz cm2 cm3 mm2 mm3 "
                                "um2 um3 msecond usecond".split())
_BRIAN2_UNIT = re.compile(
    r"(y|z|a|f|p|n|u|m|c|d|da|h|k|M|G|T|P|E|Z|Y)?"
    r"(metre|meter|gram|gramme|kilogram|kilogramme|second|amp|ampere|kelvin|mole|mol|candle|radian|steradian|hertz|newton|"
    r"pascal|joule|watt|coulomb|volt|farad|ohm|siemens|weber|tesla|henry|lumen|lux|becquerel|gray|sievert|katal|"
    r"molar|liter|litre|celsius|Hz)[23]?")


def brian2_name_clashes(name: str) -> bool:
    """True when ``name`` cannot be a Brian2 variable or external constant: a reserved name, a
    default function or constant, or a unit name (Brian2 would read ``ms`` in our equations as it)."""
    return (name in _BRIAN2_RESERVED or name in _BRIAN2_FUNCTIONS or name in _BRIAN2_SHORT_UNITS
            or _BRIAN2_UNIT.fullmatch(name) is not None or name.startswith("_") or name.startswith("xi_"))


@dataclass(frozen=True)
class Brian2Code:
    """What a Brian2 ``NeuronGroup`` takes to simulate a bifur model.

    Attributes
    ----------
    equations : str
        One line per state, plus ``name : unit (constant)`` for the parameters kept per neuron. A
        state or per-neuron parameter whose unit the model declares (and Brian2 can write) is a
        Brian2 quantity of that unit (``dV/dt = (f)*mvolt/ms : volt``, with ``V`` read as
        ``(V/mvolt)`` inside ``f``); the others are numbers in the model's own units (``: 1``).
        Time carries the model's time unit.
    threshold, reset, refractory : str or None
        ``threshold`` and ``reset`` from the model's reset rule; for a model without one, the upward
        crossing of the ``threshold=`` voltage given to :func:`to_brian2`, with ``refractory`` the same
        condition (one spike per crossing, the usual Brian2 idiom for Hodgkin-Huxley-type models).
    method : str
        Suggested integration method ("rk4").
    namespace : dict
        Values of the parameters shared by all neurons (pass as ``namespace=``).
    init : dict
        Initial values of the states and of the per-neuron parameters, as numbers in the model's
        units (``neuron_group`` multiplies them by :attr:`units`).
    names : dict
        bifur names renamed for Brian2 (reserved or unit names), to the names used.
    time_unit : str
        The Brian2 expression of one model time unit (``"ms"``).
    units : dict
        Brian2 names of the variables that carry units, to their unit (bifur's text, e.g. ``"mV"``).
        Shared parameters stay numbers in the model's units (in :attr:`namespace`).

    Notes
    -----
    Brian2 tests the threshold at the end of each time step and records the spike at the step's
    start, and a reset takes effect at the end of the step: spike times agree with
    :func:`bifur.simulate` (which locates crossings on its dense output) to O(dt), the k-th spike
    after k resets to about k steps. Brian2's threshold is a condition, not a crossing: a reset
    that leaves the state above threshold fires again at the next step, where bifur waits for the
    next upward crossing.
    """

    equations: str
    threshold: str | None
    reset: str | None
    refractory: str | None
    method: str
    namespace: dict = field(default_factory=dict)
    init: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    time_unit: str = "ms"
    units: dict = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``brian2.NeuronGroup(N, **kwargs)``."""
        out: dict[str, Any] = {"model": self.equations, "method": self.method, "namespace": dict(self.namespace)}
        if self.threshold is not None:
            out["threshold"] = self.threshold
        if self.reset is not None:
            out["reset"] = self.reset
        if self.refractory is not None:
            out["refractory"] = self.refractory
        return out

    def neuron_group(self, n: int = 1, **kwargs: Any):
        """A ``brian2.NeuronGroup`` of ``n`` such neurons, states and per-neuron parameters set to
        :attr:`init` (requires Brian2: ``pip install "bifur[brian2]"``)."""
        import brian2  # optional dependency, imported only here
        group = brian2.NeuronGroup(n, **{**self.kwargs(), **kwargs})
        for name, value in self.init.items():
            setattr(group, name, value * brian2_quantity(self.units[name]) if name in self.units else value)
        return group


def brian2_quantity(unit: str):
    """The Brian2 quantity of one ``unit`` (bifur's unit text, e.g. ``"uA/cm2"``), built from Brian2's
    own unit objects (requires Brian2)."""
    import brian2
    from .units import parse_unit
    out = 1.0
    for p, s, k in parse_unit(unit).factors:
        scaled = parse_unit(f"{p}{s}").brian2()
        if scaled is None:
            raise ModelError(f"Brian2 has no unit {p}{s}")
        name = scaled[0].strip("()")
        value = 60 * brian2.second if name == "60*second" else getattr(brian2.units, name)
        out = out * value ** k
    return out


def _brian2_units(model: Model, names: Mapping[str, str], per_neuron: Iterable[str]) -> dict[str, tuple[str, str, str]]:
    """bifur name -> (unit text, scaled Brian2 unit, base Brian2 unit) for the states and per-neuron
    parameters whose declared unit Brian2 can write and is not dimensionless."""
    from .units import parse_unit
    out = {}
    for n in (*model.state_names, *per_neuron):
        if n in model.units:
            unit = parse_unit(model.units[n])
            forms = unit.brian2()
            if not unit.dimensionless and forms is not None:
                out[n] = (unit.text, *forms)
    return out


def _brian2_reset(assign: Mapping[str, sympy.Expr], names: Mapping[str, str],
                  printer: _Brian2Printer, scaled: Mapping[str, str] | None = None) -> str:
    """Brian2 executes reset statements in order; bifur evaluates every new value on the state
    before the reset. Order the statements so that no value reads a variable already reset, and
    go through temporaries when that is impossible (x <- y, y <- x). A value assigned to a variable
    with a unit is multiplied by it (``scaled``: bifur name -> Brian2 unit)."""
    scaled = scaled or {}

    def value(k: str, v: sympy.Expr) -> str:
        return f"({printer.doprint(v)})*{scaled[k]}" if k in scaled else printer.doprint(v)

    remaining = dict(assign)
    ordered: list[tuple[str, sympy.Expr]] = []
    while remaining:
        # a variable can be assigned now if no other pending value reads it
        free = [k for k in remaining if not any(sym(k) in v.free_symbols for o, v in remaining.items() if o != k)]
        if not free:
            break
        k = free[0]
        ordered.append((k, remaining.pop(k)))
    stmts = [f"{names[k]} = {value(k, v)}" for k, v in ordered]
    if remaining:   # a cycle: evaluate everything into temporaries first
        stmts = [f"{names[k]}_new_ = {value(k, v)}" for k, v in assign.items()]
        stmts += [f"{names[k]} = {names[k]}_new_" for k in assign]
    return "\n".join(stmts)


def to_brian2(model: Model, *, threshold: float | None = None, params: Mapping[str, float] | None = None,
              per_neuron: Iterable[str] = (), method: str = "rk4", time_unit: str | None = None,
              units: bool = True) -> Brian2Code:
    """The Brian2 form of a model: equations, threshold, reset, method and parameter values.

    Parameters
    ----------
    model : Model
    threshold : float, optional
        For a model without a reset: a spike is the upward crossing of this voltage (the model's
        ``voltage`` state), as ``bifur.simulate(..., threshold=...)`` counts them.
    params : mapping, optional
        Parameter values overriding the defaults.
    per_neuron : iterable of str
        Parameters that each neuron holds (``I : 1 (constant)``), e.g. ``["I"]`` for a population
        with different input currents; the others go to the namespace.
    method : str
        Brian2 integration method.
    time_unit : str, optional
        Brian2 expression of one model time unit (default: ``ms`` for models in ms, ``second``
        for s, ``us``, ``(60*second)`` for min; dimensionless models ("1") are run with one
        time unit = 1 ms unless told otherwise).
    units : bool
        Give states and per-neuron parameters the units the model declares (``V : volt``, set with
        ``group.V = -65*mV``); False writes every variable as a number in the model's units (``: 1``).
        ``threshold=`` is in the voltage's unit either way.

    Returns
    -------
    Brian2Code

    Examples
    --------
    >>> from bifur.models import izhikevich
    >>> code = to_brian2(izhikevich("RS"), params={"I": 10.0})
    >>> print(code.equations)
    dv/dt = (I - u + 0.04*(v/mvolt)**2.0 + 5.0*(v/mvolt) + 140.0)*mvolt/ms : volt
    du/dt = (a*(b*(v/mvolt) - u))/ms : 1
    >>> code.threshold, code.reset
    ('(v/mvolt) - v_peak >= 0', 'v = (c)*mvolt\\nu = d + u')
    >>> code.namespace["I"], code.init["v"], code.units
    (10.0, -65.0, {'v': 'mV'})
    >>> print(to_brian2(izhikevich("RS"), units=False).equations)
    dv/dt = (I - u + 0.04*v**2.0 + 5.0*v + 140.0)/ms : 1
    du/dt = (a*(b*v - u))/ms : 1
    """
    unit = time_unit or BRIAN2_TIME_UNITS[model.time_unit]
    per_neuron = list(per_neuron)
    for p in per_neuron:
        model.check_param(p)
    names: dict[str, str] = {}
    used = set(model.state_names) | set(model.param_names)
    for n in (*model.state_names, *model.param_names):
        new = n
        while brian2_name_clashes(new) or (new != n and new in used):
            new += "_"
        names[n] = new
        used.add(new)
    with_units = _brian2_units(model, names, per_neuron) if units else {}
    # inside expressions a variable with a unit is read as its number in the model's unit
    read = {n: (f"({names[n]}/{with_units[n][1]})" if n in with_units else new) for n, new in names.items()}
    printer = _Brian2Printer(read, time=f"(t/{unit})")
    lines = []
    for n, e in model.equations.items():
        if n in with_units:
            _, scaled, base = with_units[n]
            lines.append(f"d{names[n]}/dt = ({printer.doprint(e)})*{scaled}/{unit} : {base}")
        else:
            lines.append(f"d{names[n]}/dt = ({printer.doprint(e)})/{unit} : 1")
    lines += [f"{names[p]} : {with_units[p][2] if p in with_units else 1} (constant)" for p in per_neuron]
    values = model.param_values(params)
    threshold_text = reset_text = refractory = None
    if model.reset is not None:
        if threshold is not None:
            raise ModelError("the model has a reset rule: its condition is the threshold (do not pass threshold=)")
        threshold_text = f"{printer.doprint(model.reset.g)} >= 0"
        reset_text = _brian2_reset(model.reset.new_values, names, printer,
                                   {n: f[1] for n, f in with_units.items()})
    elif threshold is not None:
        if model.voltage is None:
            raise ModelError(f"model {model.name!r} has no voltage state to compare with threshold=")
        threshold_text = refractory = f"{read[model.voltage]} > {_value(threshold)}"
    init = {names[n]: float(v) for n, v in model.init.items()}
    init.update({names[p]: values[p] for p in per_neuron})
    namespace = {names[p]: v for p, v in values.items() if p not in per_neuron}
    return Brian2Code("\n".join(lines), threshold_text, reset_text, refractory, method, namespace, init,
                      {k: v for k, v in names.items() if k != v}, unit,
                      {names[n]: f[0] for n, f in with_units.items()})
