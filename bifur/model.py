"""Models: states, parameters and right-hand sides declared once in sympy or text.

A :class:`Model` is immutable and hashable; its :attr:`Model.hash` is stable
across processes and keys the compile cache (see :mod:`bifur.codegen`).
"""
from __future__ import annotations

import hashlib
import math
from types import MappingProxyType
from typing import Any, Mapping

import sympy

from .errors import ModelError
from .parse import MAX_TREE_SIZE, check_identifier, parse_condition, parse_expr, parse_model_text, sym, tree_size

__all__ = ["Model", "Reset", "TIME_UNITS", "check_expr", "check_nodes"]

#: Seconds per model time unit; ``"1"`` marks dimensionless time (frequencies are then 1/T).
TIME_UNITS: dict[str, float] = {"ms": 1e-3, "s": 1.0, "us": 1e-6, "min": 60.0, "1": 1.0}

_T = sym("t")

# sympy function classes that code generation supports (plus Add, Mul, Pow).
_ALLOWED_FUNCS = (sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tan, sympy.atan, sympy.sinh,
                  sympy.cosh, sympy.tanh, sympy.Abs, sympy.sign, sympy.Heaviside, sympy.Min, sympy.Max)


#: Number symbols that may appear (printed as math.pi, math.e).
_ALLOWED_CONSTANTS = (sympy.pi, sympy.E)


def check_expr(expr: sympy.Expr, symbols: Mapping[str, sympy.Symbol], where: str) -> sympy.Expr:
    """Refuse any node of a model expression that is not on the allow-list.

    Allowed: sums, products, powers, finite real numbers, pi and E, the canonical symbols of
    the model's states, parameters and ``t``, and the whitelisted functions. Everything else
    (bound variables of ``Sum``/``Integral``/``Lambda``, undefined functions, matrices,
    relations, complex constants such as ``log(-2)`` or ``sqrt(-1)``, ...) raises
    :class:`ModelError`. The walk is iterative, so deep expressions cannot overflow the stack.

    Examples
    --------
    >>> x = sympy.Symbol("x", real=True)
    >>> check_expr(sympy.exp(-x) + 1, {"x": x}, "dx/dt")
    1 + exp(-x)
    >>> check_expr(sympy.log(-2) * x, {"x": x}, "dx/dt")
    Traceback (most recent call last):
    ...
    bifur.errors.ModelError: dx/dt: the expression has a complex (non-real) constant: x*(log(2) + I*pi)
    """
    size = tree_size(expr)
    if size > MAX_TREE_SIZE:
        raise ModelError(f"{where}: the expression has {size} nodes written out (limit {MAX_TREE_SIZE}): "
                         "introduce states or parameters for repeated subexpressions")
    stack, seen = [expr], set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, sympy.Symbol):
            if type(node) is not sympy.Symbol or symbols.get(node.name) != node:
                raise ModelError(f"{where}: symbol {node.name!r} is not a state, a parameter or t of this model")
            continue
        if node is sympy.I or isinstance(node, sympy.core.numbers.ImaginaryUnit):
            raise ModelError(f"{where}: the expression has a complex (non-real) constant: {expr}")
        if isinstance(node, (sympy.Integer, sympy.Rational)):
            continue
        if isinstance(node, sympy.Float):
            if not math.isfinite(float(node)):
                raise ModelError(f"{where}: expression contains a non-finite constant: {expr}")
            continue
        if node in _ALLOWED_CONSTANTS:
            continue
        if type(node) in (sympy.Add, sympy.Mul, sympy.Pow) or (
                isinstance(node, _ALLOWED_FUNCS) and not isinstance(node, sympy.core.function.AppliedUndef)):
            stack.extend(node.args)
            continue
        kind = type(node).__name__
        if node.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or kind in ("Infinity", "NegativeInfinity",
                                                                            "ComplexInfinity", "NaN"):
            raise ModelError(f"{where}: expression contains a non-finite constant: {expr}")
        raise ModelError(f"{where}: {kind} is not supported in model expressions (allowed: arithmetic, "
                         "numbers, the model's names and the functions exp log sqrt sin cos tan atan sinh "
                         "cosh tanh abs sign heaviside min max)")
    return expr


def check_nodes(model: "Model") -> None:
    """Re-validate every expression of a model (equations and reset) with :func:`check_expr`."""
    symbols = {n: sym(n) for n in (*model.state_names, *model.param_names, "t")}
    for n, e in model.equations.items():
        check_expr(e, symbols, f"equation d{n}/dt")
    if model.reset is not None:
        check_expr(model.reset.g, symbols, "reset condition")
        for n, e in model.reset.new_values.items():
            check_expr(e, symbols, f"reset value of {n}")


def _name_of(key: Any, what: str) -> str:
    name = key.name if isinstance(key, sympy.Symbol) else key
    return check_identifier(name, what)


def _finite(value: Any, what: str) -> float:
    try:
        val = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(val):
        raise ModelError(f"{what} must be finite, got {val}")
    return val


def _canonical(expr: Any, symbols: Mapping[str, sympy.Symbol], where: str) -> sympy.Expr:
    """Turn a user expression (sympy, number or safe text) into one over canonical symbols."""
    if isinstance(expr, str):
        return check_expr(parse_expr(expr, symbols, where), symbols, where)
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        return sympy.Float(_finite(expr, where)) if isinstance(expr, float) else sympy.Integer(expr)
    if not isinstance(expr, sympy.Expr):
        raise ModelError(f"{where}: expected a sympy expression, a number or text, got {type(expr).__name__}")
    subs = {}
    for s in expr.free_symbols:
        if not isinstance(s, sympy.Symbol) or type(s) is not sympy.Symbol:
            raise ModelError(f"{where}: {type(s).__name__} {s} is not supported in model expressions")
        if s.name not in symbols:
            raise ModelError(f"{where}: unknown symbol {s.name!r} (declare it as a state or a parameter)")
        subs[s] = symbols[s.name]
    return check_expr(expr.xreplace(subs), symbols, where)


def _check_units(units: Mapping[str, Any] | None, init: Mapping[str, float],
                 pars: Mapping[str, float]) -> dict[str, str]:
    """Validated units in their canonical text (``"µA/cm²"`` -> ``"uA/cm2"``), states first."""
    if units is None:
        return {}
    if not isinstance(units, Mapping):
        raise ModelError(f"units must be a mapping of names to unit text, got {type(units).__name__}")
    from .units import parse_unit
    out: dict[str, str] = {}
    for key, text in units.items():
        n = key.name if isinstance(key, sympy.Symbol) else key
        if n == "t":
            raise ModelError("the unit of time is given by time_unit=, not in units")
        if n not in init and n not in pars:
            raise ModelError(f"units given for {n!r}, which is neither a state nor a parameter")
        try:
            out[n] = parse_unit(text).text
        except ModelError as exc:
            raise ModelError(f"unit of {n!r}: {exc}") from None
    return {n: out[n] for n in (*init, *pars) if n in out}


class Reset:
    """Instantaneous reset of a spiking model: when ``condition`` becomes true, apply ``assign``.

    Parameters
    ----------
    condition : str or sympy relational
        For instance ``"v >= v_peak"``; the event is the upward crossing of
        ``lhs - rhs`` through zero.
    assign : mapping
        New values of (some) states, e.g. ``{"v": "c", "u": "u + d"}``, as text,
        sympy expressions or numbers, evaluated on the state just before the reset.

    Examples
    --------
    >>> r = Reset("v >= 30", {"v": "c", "u": "u + d"})
    >>> r.condition
    'v >= 30'
    """

    __slots__ = ("condition", "assign", "g", "new_values")

    def __init__(self, condition: Any, assign: Mapping[Any, Any]):
        self.condition = condition
        self.assign = dict(assign)
        self.g: sympy.Expr | None = None  # set when bound to a model
        self.new_values: Mapping[str, sympy.Expr] | None = None

    def _bind(self, symbols: Mapping[str, sympy.Symbol], states: tuple[str, ...]) -> "Reset":
        bound = Reset(self.condition, self.assign)
        cond = self.condition
        if isinstance(cond, str):
            g = parse_condition(cond, symbols, "reset condition")
        elif isinstance(cond, sympy.core.relational.Relational) and cond.rel_op in (">=", ">", "<=", "<"):
            g = cond.lhs - cond.rhs if cond.rel_op in (">=", ">") else cond.rhs - cond.lhs
            g = _canonical(g, symbols, "reset condition")
        else:
            raise ModelError(f"reset condition must be text like 'v >= v_peak' or a sympy inequality, got {cond!r}")
        if not any(s.name in states for s in g.free_symbols):
            raise ModelError(f"reset condition {cond!r} does not involve any state")
        values: dict[str, sympy.Expr] = {}
        for key, val in self.assign.items():
            name = key.name if isinstance(key, sympy.Symbol) else key
            if name not in states:
                raise ModelError(f"reset assigns to {name!r}, which is not a state")
            values[name] = _canonical(val, symbols, f"reset value of {name}")
        if not values:
            raise ModelError("reset assigns nothing")
        bound.g = g
        bound.new_values = MappingProxyType(values)
        return bound

    def describe(self) -> str:
        """Readable one-line form, e.g. ``when v >= 30: v <- c, u <- u + d`` (text as given)."""
        cond = self.condition if isinstance(self.condition, str) or self.g is None else f"{self.g} >= 0"
        shown = {(k.name if isinstance(k, sympy.Symbol) else k): v for k, v in self.assign.items()}
        return f"when {cond}: " + ", ".join(f"{k} <- {v}" for k, v in shown.items())

    def __repr__(self) -> str:
        return f"Reset({self.describe()})"


class Model:
    """A dynamical system dx/dt = f(x, p) declared symbolically.

    Parameters
    ----------
    name : str
        Model name.
    states : mapping
        State names (str or sympy.Symbol) to initial values, in the order used for arrays.
    params : mapping
        Parameter names to default values, in the order used for parameter vectors.
    equations : mapping
        State name to right-hand side (sympy expression, number, or text parsed safely).
    reset : Reset, optional
        Reset rule of a reduced spiking model.
    time_unit : str
        One of ``TIME_UNITS`` ("ms", "s", "us", "min", or "1" for dimensionless).
    voltage : str or None
        Name of the membrane-potential state; defaults to "V" (or "v") when present.
    description, reference : str
        Free text shown in the repr and docs.
    capacitance : str or float, optional
        Membrane capacitance by which injected currents are divided in the
        voltage equation (a parameter name or a number); None means 1.
    text : str, optional
        Readable source shown by ``repr`` (set by :meth:`from_text`).
    units : mapping, optional
        Units of states and parameters, e.g. ``{"V": "mV", "I": "uA/cm2", "gNa": "mS/cm2"}``
        (text read by :func:`bifur.units.parse_unit`: ``"µA/cm²"`` and ``"uA/cm2"`` are the same
        unit; ``"1"`` is dimensionless). The unit of time is ``time_unit``. Units are metadata
        for plots, summaries and exports: the equations are numbers in these units, and neither
        the compiled code nor :attr:`structure_hash` depends on them. Names left out have no
        declared unit (see :meth:`unit`).

    Examples
    --------
    >>> import sympy
    >>> x, mu = sympy.symbols("x mu")
    >>> m = Model("fold", states={x: 0.0}, params={mu: 1.0}, equations={x: mu - x**2}, time_unit="1")
    >>> m.state_names, m.param_names
    (('x',), ('mu',))
    >>> m.with_params(mu=2.0).params["mu"]
    2.0
    """

    def __init__(self, name: str, states: Mapping[Any, float], params: Mapping[Any, float],
                 equations: Mapping[Any, Any], reset: Reset | None = None, time_unit: str = "ms",
                 voltage: str | None = "V", description: str = "", reference: str = "",
                 capacitance: str | float | None = None, text: str | None = None,
                 units: Mapping[str, Any] | None = None):
        if not isinstance(name, str) or not name:
            raise ModelError("a model needs a non-empty name")
        init: dict[str, float] = {}
        for key, val in states.items():
            n = _name_of(key, "state name")
            if n == "t":
                raise ModelError("'t' is reserved for time and cannot be a state")
            if n in init:
                raise ModelError(f"duplicate state {n!r}")
            init[n] = _finite(val, f"initial value of state {n!r}")
        if not init:
            raise ModelError("a model needs at least one state")
        pars: dict[str, float] = {}
        for key, val in params.items():
            n = _name_of(key, "parameter name")
            if n == "t":
                raise ModelError("'t' is reserved for time and cannot be a parameter")
            if n in pars:
                raise ModelError(f"duplicate parameter {n!r}")
            if n in init:
                raise ModelError(f"{n!r} is both a state and a parameter")
            pars[n] = _finite(val, f"default value of parameter {n!r}")
        symbols = {n: sym(n) for n in (*init, *pars)}
        symbols["t"] = _T
        eqs: dict[str, sympy.Expr] = {}
        for key, val in equations.items():
            n = key.name if isinstance(key, sympy.Symbol) else str(key)
            if n not in init:
                raise ModelError(f"equation given for {n!r}, which is not a state")
            if n in eqs:
                raise ModelError(f"duplicate equation for {n!r}")
            eqs[n] = _canonical(val, symbols, f"equation d{n}/dt")
        missing = [n for n in init if n not in eqs]
        if missing:
            raise ModelError(f"state(s) without equation: {', '.join(missing)}")
        if time_unit not in TIME_UNITS:
            raise ModelError(f"time_unit must be one of {sorted(TIME_UNITS)}, got {time_unit!r}")
        if voltage == "V" and "V" not in init:
            voltage = "v" if "v" in init else None
        if voltage is not None and voltage not in init:
            raise ModelError(f"voltage {voltage!r} is not a state")
        if isinstance(capacitance, str) and capacitance not in pars:
            raise ModelError(f"capacitance {capacitance!r} is not a parameter")
        if capacitance is not None and not isinstance(capacitance, str):
            capacitance = _finite(capacitance, "capacitance")
        self._name = name
        self._init = MappingProxyType(init)
        self._params = MappingProxyType(pars)
        self._equations = MappingProxyType({n: eqs[n] for n in init})
        self._reset = reset._bind(symbols, tuple(init)) if reset is not None else None
        if reset is not None and not isinstance(reset, Reset):
            raise ModelError("reset must be a bifur.Reset")
        self._time_unit = time_unit
        self._voltage = voltage
        self._description = description
        self._reference = reference
        self._capacitance = capacitance
        self._text = text
        self._units = MappingProxyType(_check_units(units, init, pars))
        self._inferred: dict[str, Any] | None = None
        self._structure = self._structure_text()
        full = "\n".join([self._structure, name, repr(sorted(init.items())), repr(sorted(pars.items())),
                          time_unit, str(voltage), repr(capacitance)]
                         + ([repr(sorted(self._units.items()))] if self._units else []))
        self._hash = hashlib.sha256(full.encode()).hexdigest()

    # -- construction from text --------------------------------------------------------
    @classmethod
    def from_text(cls, text: str, params: Mapping[str, float], init: Mapping[str, float],
                  name: str = "model", **options: Any) -> "Model":
        """Build a model from equations written as text.

        Parameters
        ----------
        text : str
            Lines ``dX/dt = expr`` and definitions ``name = expr`` (any order, inlined),
            ``#`` comments. Allowed functions: see :data:`bifur.parse.FUNCTIONS`.
        params : mapping
            Parameter defaults; every name used in the text that is neither a state
            nor a definition must be here.
        init : mapping
            Initial value of every state.
        name : str
            Model name.
        **options
            Other :class:`Model` arguments (reset, time_unit, voltage, units, ...). A
            ``reset`` may use text for its condition and values; ``units`` maps states and
            parameters to units (``units={"V": "mV", "I": "uA/cm2"}``, see :class:`Model`).

        Examples
        --------
        >>> m = Model.from_text("dx/dt = mu*x - x**3", params={"mu": 0.5}, init={"x": 1.0}, time_unit="1")
        >>> m.equations["x"]
        mu*x - x**3
        >>> cell = Model.from_text("dV/dt = (I - g*(V - E))/C", params=dict(I=1.0, g=0.1, E=-65.0, C=1.0),
        ...                        init={"V": -65.0}, units={"V": "mV", "I": "µA/cm²", "g": "mS/cm2",
        ...                                                  "E": "mV", "C": "uF/cm2"})
        >>> dict(cell.units)
        {'V': 'mV', 'I': 'uA/cm2', 'g': 'mS/cm2', 'E': 'mV', 'C': 'uF/cm2'}
        """
        for p in params:
            check_identifier(p, "parameter name")
        parsed = parse_model_text(text, list(params))
        missing = [s for s in parsed.equations if s not in init]
        if missing:
            raise ModelError(f"no initial value for state(s) {', '.join(missing)}: pass init={{...}}")
        extra = [s for s in init if s not in parsed.equations]
        if extra:
            raise ModelError(f"init gives values for {', '.join(extra)}, which have no 'd/dt' equation")
        states = {s: init[s] for s in parsed.equations}
        shown = "\n".join(line.split("#", 1)[0].rstrip() for line in text.strip().splitlines())
        shown = "\n".join(line.strip() for line in shown.splitlines() if line.strip())
        return cls(name, states=states, params=params, equations=parsed.equations, text=shown, **options)

    @classmethod
    def from_xpp(cls, source: Any, **options: Any) -> "Model":
        """Read an XPPAUT ``.ode`` file (a path, or its text) with :func:`bifur.xpp.read_xpp`.

        ``options`` are those of :func:`~bifur.xpp.read_xpp` (``name``, ``time_unit``, ``voltage``,
        ``capacitance``, ...). The ``aux`` outputs, ``@`` options and notes are on the record
        :func:`~bifur.xpp.read_xpp` returns; the aux outputs are also kept in the model's text.

        Examples
        --------
        >>> m = Model.from_xpp("x'=-a*x\\npar a=2\\ninit x=1\\ndone", time_unit="1")
        >>> m.equations["x"], m.params["a"], m.init["x"]
        (-a*x, 2.0, 1.0)
        """
        from .xpp import read_xpp
        return read_xpp(source, **options).model

    def to_xpp(self, **options: Any) -> str:
        """XPPAUT ``.ode`` text of this model (see :func:`bifur.export.to_xpp`)."""
        from .export import to_xpp
        return to_xpp(self, **options)

    def to_brian2(self, **options: Any):
        """Equations, threshold, reset, method and parameter values for a Brian2 ``NeuronGroup``
        (see :func:`bifur.export.to_brian2`)."""
        from .export import to_brian2
        return to_brian2(self, **options)

    # -- attributes ---------------------------------------------------------------------
    name = property(lambda self: self._name, doc="Model name.")
    init = property(lambda self: self._init, doc="Initial values of the states (read-only mapping).")
    params = property(lambda self: self._params, doc="Parameter defaults (read-only mapping).")
    equations = property(lambda self: self._equations, doc="State name -> right-hand side (sympy).")
    reset = property(lambda self: self._reset, doc="The bound :class:`Reset`, or None.")
    time_unit = property(lambda self: self._time_unit, doc="Time unit (key of TIME_UNITS).")
    voltage = property(lambda self: self._voltage, doc="Name of the membrane-potential state, or None.")
    description = property(lambda self: self._description)
    reference = property(lambda self: self._reference)
    capacitance = property(lambda self: self._capacitance,
                           doc="Membrane capacitance (parameter name or number) or None.")
    hash = property(lambda self: self._hash, doc="SHA-256 of the full model, stable across processes.")
    units = property(lambda self: self._units,
                     doc="Declared units of states and parameters (read-only mapping, canonical text).")

    def unit(self, name: str) -> str | None:
        """The unit of a state, a parameter or ``t`` (canonical text such as ``"uA/cm2"``), or None.

        Declared units first (``units=``; for ``t`` the ``time_unit``, None when it is "1"); for a
        parameter without one, the unit its equations determine from the declared ones (see
        :func:`bifur.units.infer_units`: an injected conductance added by
        :func:`bifur.with_conductance_input` is in the unit of the model's conductances).

        Examples
        --------
        >>> from bifur import with_conductance_input
        >>> from bifur.models import hodgkin_huxley
        >>> hh = hodgkin_huxley()
        >>> hh.unit("V"), hh.unit("I"), hh.unit("t"), hh.unit("m")
        ('mV', 'uA/cm2', 'ms', '1')
        >>> with_conductance_input(hh).unit("G")
        'mS/cm2'
        """
        if name == "t":
            return None if self._time_unit == "1" else self._time_unit
        if name not in self._init and name not in self._params:
            raise ModelError(f"{name!r} is neither a state nor a parameter of {self._name!r}")
        if name in self._units:
            return self._units[name]
        if self._inferred is None:
            from .units import infer_units
            self._inferred = {k: u.text for k, u in infer_units(self).items()}
        return self._inferred.get(name)

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(self._init)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(self._params)

    @property
    def n_states(self) -> int:
        return len(self._init)

    @property
    def structure_hash(self) -> str:
        """Hash of what compiled code depends on (names, equations, reset) but not of defaults."""
        return hashlib.sha256(self._structure.encode()).hexdigest()

    @property
    def is_autonomous(self) -> bool:
        """False when an equation depends explicitly on time ``t``."""
        return not any(_T in e.free_symbols for e in self._equations.values())

    @property
    def seconds_per_time_unit(self) -> float:
        return TIME_UNITS[self._time_unit]

    def symbol(self, name: str) -> sympy.Symbol:
        """The canonical sympy symbol of a state, a parameter or time ``t``."""
        if name != "t" and name not in self._init and name not in self._params:
            raise ModelError(f"{name!r} is neither a state nor a parameter of {self._name!r}")
        return sym(name)

    def check_param(self, name: str) -> str:
        """Return ``name`` if it is a parameter, else raise a ModelError listing the parameters."""
        if name not in self._params:
            raise ModelError(f"unknown parameter {name!r} of model {self._name!r}; "
                             f"parameters are: {', '.join(self._params)}")
        return name

    def check_state(self, name: str) -> str:
        """Return ``name`` if it is a state, else raise a ModelError listing the states."""
        if name not in self._init:
            raise ModelError(f"unknown state {name!r} of model {self._name!r}; states are: {', '.join(self._init)}")
        return name

    # -- derived models -------------------------------------------------------------------
    def _replace(self, **changes: Any) -> "Model":
        args = dict(name=self._name, states=dict(self._init), params=dict(self._params),
                    equations=dict(self._equations), reset=self._raw_reset(), time_unit=self._time_unit,
                    voltage=self._voltage, description=self._description, reference=self._reference,
                    capacitance=self._capacitance, text=self._text, units=dict(self._units))
        if "equations" in changes and "text" not in changes:
            args["text"] = None
        args.update(changes)
        if "units" not in changes:  # units of names that are gone go with them
            names = set(args["states"]) | set(args["params"])
            args["units"] = {k: v for k, v in args["units"].items() if k in names}
        return Model(**args)

    def _raw_reset(self) -> Reset | None:
        return None if self._reset is None else Reset(self._reset.condition, self._reset.assign)

    def with_params(self, **values: float) -> "Model":
        """A copy with new parameter defaults (unknown names raise ModelError).

        Examples
        --------
        >>> from bifur.models import hodgkin_huxley
        >>> hodgkin_huxley().with_params(I=10.0).params["I"]
        10.0
        """
        pars = dict(self._params)
        for k, v in values.items():
            self.check_param(k)
            pars[k] = _finite(v, f"value of parameter {k!r}")
        return self._replace(params=pars)

    def with_init(self, **values: float) -> "Model":
        """A copy with new initial values (unknown names raise ModelError)."""
        init = dict(self._init)
        for k, v in values.items():
            self.check_state(k)
            init[k] = _finite(v, f"initial value of {k!r}")
        return self._replace(states=init)

    def param_values(self, params: Mapping[str, float] | None = None) -> dict[str, float]:
        """Defaults updated by ``params`` (validated)."""
        out = dict(self._params)
        for k, v in (params or {}).items():
            self.check_param(k)
            out[k] = _finite(v, f"value of parameter {k!r}")
        return out

    def compile(self, backend: str = "numba"):
        """Compile to fast functions (see :func:`bifur.codegen.compile_model`).

        Examples
        --------
        >>> from bifur.models import hodgkin_huxley
        >>> cm = hodgkin_huxley().compile()
        >>> cm.rhs(cm.init_vector(), cm.param_vector()).shape
        (4,)
        """
        from .codegen import compile_model
        return compile_model(self, backend=backend)

    # -- identity and display ---------------------------------------------------------------
    def _structure_text(self) -> str:
        parts = ["states:" + ",".join(self._init), "params:" + ",".join(self._params)]
        parts += [f"d{n}/dt:{sympy.srepr(e, order='none')}" for n, e in self._equations.items()]
        if self._reset is not None:
            parts.append("reset:" + sympy.srepr(self._reset.g, order="none"))
            parts += [f"{k}<-{sympy.srepr(v, order='none')}" for k, v in self._reset.new_values.items()]
        return "\n".join(parts)

    def __hash__(self) -> int:
        return int(self._hash[:16], 16)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and other._hash == self._hash

    def equations_text(self) -> str:
        """The equations as readable text (the source text for models built from text)."""
        if self._text is not None:
            return self._text
        return "\n".join(f"d{n}/dt = {e}" for n, e in self._equations.items())

    def __repr__(self) -> str:
        head = (f"Model {self._name!r}: {len(self._init)} states ({', '.join(self._init)}), "
                f"{len(self._params)} parameters, time in {self._time_unit}")
        lines = [head] + ["    " + ln for ln in self.equations_text().splitlines()]
        if self._reset is not None:
            lines.append("    reset " + self._reset.describe())
        lines.append("    params: " + ", ".join(f"{k}={v:g}" for k, v in self._params.items()))
        if self._units:
            from .units import parse_unit
            shown = {k: parse_unit(u).pretty for k, u in self._units.items()}
            groups: dict[str, list[str]] = {}
            for k, u in shown.items():
                if u:
                    groups.setdefault(u, []).append(k)
            dimless = [k for k, u in shown.items() if not u]
            parts = [f"{', '.join(ks)} in {u}" for u, ks in groups.items()]
            if dimless:
                parts.append(f"{', '.join(dimless)} dimensionless")
            lines.append("    units: " + "; ".join(parts))
        return "\n".join(lines)
