"""Units of states and parameters: parsed, metadata only (never in compiled code or the structure
hash), kept by derived models and by saved branches, declared consistently by the library models,
shown by summaries and exported to Brian2."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy

import bifur
from bifur import Model, ModelError
from bifur.codegen import generated_module_name
from bifur.models import adex, fitzhugh_nagumo, hodgkin_huxley, izhikevich, morris_lecar, pyramidal5d, qif, wang_buzsaki
from bifur.serialize import model_from_dict, model_to_dict
from bifur.units import ONE, axis_label, format_value, infer_units, parse_unit

CELL = "dV/dt = (I - g*(V - E))/C\ndw/dt = (V - w)/tau"
PARAMS = dict(I=1.0, g=0.1, E=-65.0, C=1.0, tau=5.0)
UNITS = {"V": "mV", "w": "mV", "I": "µA/cm²", "g": "mS/cm^2", "E": "mV", "C": "uF/cm2", "tau": "ms"}


def _cell(**kw):
    return Model.from_text(CELL, params=PARAMS, init={"V": -65.0, "w": -65.0}, name="cell", capacitance="C", **kw)


# -- the unit text ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, canonical, pretty", [
    ("mV", "mV", "mV"), ("uA/cm2", "uA/cm2", "µA/cm²"), ("µA/cm²", "uA/cm2", "µA/cm²"), ("μA/cm^2", "uA/cm2", "µA/cm²"),
    ("mS/cm**2", "mS/cm2", "mS/cm²"), ("1/ms", "1/ms", "1/ms"), ("ms^-1", "1/ms", "1/ms"), ("mV·ms⁻¹", "mV/ms", "mV/ms"),
    ("uF/(cm2*ms)", "uF/(cm2*ms)", "µF/(cm²·ms)"), ("1", "1", ""), ("pA", "pA", "pA"), ("mM", "mM", "mM"),
    ("MOhm", "MOhm", "MOhm"), ("Hz", "Hz", "Hz")])
def test_unit_text(text, canonical, pretty):
    u = parse_unit(text)
    assert (u.text, u.pretty) == (canonical, pretty)
    assert parse_unit(u.text) == u                                         # canonical text reads back the same


def test_unit_algebra_and_sizes():
    assert parse_unit("mS/cm2").same_as(parse_unit("uF/cm2") / parse_unit("ms"))   # F/s = S
    assert parse_unit("uA/cm2").same_as(parse_unit("mS/cm2") * parse_unit("mV"))
    assert np.isclose(parse_unit("uA/cm2").scale, 1e-2) and np.isclose(parse_unit("pF").scale, 1e-12)
    assert (parse_unit("mV") / parse_unit("mV")) == ONE
    assert not parse_unit("mV").same_as(parse_unit("V"))


@pytest.mark.parametrize("bad, message", [("", "empty unit"), ("xV", "unknown unit 'xV'"), ("mV/", "ends where"),
                                          ("(mV", "unbalanced"), ("mV^x", "integer"), ("mV ms", "join units"),
                                          ("2*mV", "unexpected '2'"), ("m" * 200, "longer than")])
def test_bad_units_are_refused_with_a_reason(bad, message):
    with pytest.raises(ModelError, match=message):
        parse_unit(bad)


def test_labels_and_values():
    assert axis_label("I", "uA/cm2") == "I (µA/cm²)" and axis_label("x", "1") == "x" and axis_label("x", None) == "x"
    assert format_value(154.52243367, "uA/cm2", ".8g") == "154.52243 µA/cm²"


# -- models -------------------------------------------------------------------------------------------------------
def test_declared_units_are_canonical_and_checked():
    m = _cell(units=UNITS)
    assert dict(m.units) == {"V": "mV", "w": "mV", "I": "uA/cm2", "g": "mS/cm2", "E": "mV", "C": "uF/cm2", "tau": "ms"}
    assert m.unit("t") == "ms" and m.unit("I") == "uA/cm2"
    with pytest.raises(ModelError, match="'gX'.*neither a state nor a parameter"):
        _cell(units={"gX": "mS/cm2"})
    with pytest.raises(ModelError, match="unit of 'V'.*unknown unit 'volts'"):
        _cell(units={"V": "volts"})
    with pytest.raises(ModelError, match="time_unit"):
        _cell(units={"t": "ms"})
    with pytest.raises(ModelError, match="neither a state nor a parameter"):
        m.unit("nope")
    assert _cell().units == {} and _cell().unit("V") is None
    assert _cell(time_unit="1").unit("t") is None


def test_units_are_metadata_not_code():
    plain, with_units = _cell(), _cell(units=UNITS)
    assert plain.structure_hash == with_units.structure_hash
    assert generated_module_name(plain, "numba") == generated_module_name(with_units, "numba")
    assert plain.compile().module is with_units.compile().module                # one compiled module
    assert plain.hash != with_units.hash and plain != with_units                 # but they are not the same model
    assert plain.hash == _cell().hash                                            # hashes without units unchanged
    x, p = with_units.compile().init_vector(), with_units.compile().param_vector()
    assert np.array_equal(plain.compile().rhs(x, p), with_units.compile().rhs(x, p))


def test_derived_models_keep_their_units():
    m = _cell(units=UNITS)
    assert m.with_params(I=2.0).units == m.units
    assert m.with_init(V=-60.0).units == m.units
    g = bifur.with_conductance_input(m)
    assert dict(g.units) == dict(m.units)                                        # declared ones carried over
    assert (g.unit("G"), g.unit("E_G")) == ("mS/cm2", "mV")                     # the added ones inferred


def test_inference_names_what_the_equations_determine_and_leaves_the_rest():
    m = Model.from_text("dV/dt = (I - k*(V - Ek) - q)/C", params=dict(I=0.0, k=1.0, Ek=-80.0, C=1.0, q=0.0),
                        init={"V": -65.0}, units={"V": "mV", "C": "uF/cm2", "I": "uA/cm2"})
    got = {k: u.text for k, u in infer_units(m).items()}
    assert got == {"Ek": "mV", "k": "mS/cm2", "q": "uA/cm2"}
    # a name reached with two different units is left without one
    two = Model.from_text("dV/dt = a*V + a", params={"a": 1.0}, init={"V": 0.0}, units={"V": "mV"})
    assert two.unit("a") is None
    assert infer_units(_cell()) == {}
    rate = Model.from_text("dV/dt = -k*(V - E)", params={"k": 0.1, "E": -65.0}, init={"V": -65.0},
                           units={"V": "mV"})
    assert (rate.unit("k"), rate.unit("E")) == ("1/ms", "mV")                   # a rate in the model's time unit


def test_serialize_and_saved_branches_keep_units(tmp_path):
    m = _cell(units=UNITS)
    d = model_to_dict(m)
    assert d["units"]["I"] == "uA/cm2" and json.loads(json.dumps(d)) == d
    back = model_from_dict(d)
    assert back.units == m.units and back == m
    old = {k: v for k, v in d.items() if k != "units"}                            # files written before units
    assert model_from_dict(old).units == {}
    br = bifur.continue_equilibria(hodgkin_huxley(), "I", (0.0, 20.0))
    loaded = bifur.load_branch(br.save(tmp_path / "hh"))
    assert loaded.model.units == hodgkin_huxley().units
    assert loaded.model.unit("I") == "uA/cm2"


def test_repr_lists_units():
    text = repr(hodgkin_huxley())
    assert "units: V, ENa, EK, EL in mV; I in µA/cm²; C in µF/cm²; gNa, gK, gL in mS/cm²" in text


# -- the library models ---------------------------------------------------------------------------------------------
CONDUCTANCE_MODELS = [hodgkin_huxley(), morris_lecar("snic"), morris_lecar("hopf"), morris_lecar("homoclinic"),
                      wang_buzsaki(), pyramidal5d(), adex()]


@pytest.mark.parametrize("model", CONDUCTANCE_MODELS + [fitzhugh_nagumo(), qif()], ids=lambda m: m.name)
def test_library_models_declare_every_unit(model):
    missing = [n for n in (*model.state_names, *model.param_names) if n not in model.units]
    assert missing == []


def test_library_units_as_documented():
    hh = hodgkin_huxley()
    assert {k: hh.units[k] for k in ("V", "I", "gNa", "C", "ENa", "m")} == {
        "V": "mV", "I": "uA/cm2", "gNa": "mS/cm2", "C": "uF/cm2", "ENa": "mV", "m": "1"}
    assert hh.time_unit == "ms"
    assert adex().units["I"] == "pA" and adex().units["gL"] == "nS" and adex().units["C"] == "pF"
    assert dict(izhikevich("RS").units) == {"v": "mV", "c": "mV", "v_peak": "mV"}
    assert morris_lecar().units["phi"] == "1/ms"


_WILD = object()   # a unit that cannot be checked (a decimal coefficient may carry an implicit one)


def _strict(expr, units):
    """The unit of an expression, checking that every sum adds like units; integers are
    dimensionless, decimal coefficients make a product unknown."""
    if isinstance(expr, sympy.Symbol):
        return parse_unit(units[expr.name])
    if isinstance(expr, sympy.Integer):
        return ONE
    if isinstance(expr, sympy.Number):
        return _WILD
    if isinstance(expr, sympy.Add):
        known = [u for u in (_strict(a, units) for a in expr.args) if u is not _WILD]
        for u in known[1:]:
            assert u.same_as(known[0]), f"{expr}: terms in {known[0].text} and {u.text}"
        return known[0] if known else _WILD
    if isinstance(expr, sympy.Mul):
        out = ONE
        for a in expr.args:
            u = _strict(a, units)
            if u is _WILD:
                return _WILD
            out = out * u
        return out
    if isinstance(expr, sympy.Pow):
        u = _strict(expr.base, units)
        return _WILD if u is _WILD or not isinstance(expr.exp, sympy.Integer) else u ** int(expr.exp)
    for a in expr.args:   # exp, tanh, cosh, ...: their argument must be dimensionless where it can be checked
        u = _strict(a, units)
        assert u is _WILD or u.same_as(ONE), f"{expr}: argument in {u.text}"
    return ONE


@pytest.mark.parametrize("model", CONDUCTANCE_MODELS, ids=lambda m: m.name)
def test_library_voltage_equations_are_dimensionally_consistent(model):
    u = _strict(model.equations[model.voltage], model.units)
    assert u is not _WILD
    assert u.same_as(parse_unit(model.units[model.voltage]) / parse_unit(model.time_unit))


# -- summaries and exports ------------------------------------------------------------------------------------------
def test_fi_summary_shows_the_input_unit():
    curve = bifur.fi_curve(morris_lecar("snic"), "I", (0.0, 60.0), at=[30.0, 50.0])
    text = curve.summary()
    assert "onset SNIC at I=" in text and "µA/cm²" in text
    assert "µA/cm²" not in bifur.fi_curve(fitzhugh_nagumo(), "I", (0.0, 1.0)).summary()


def test_brian2_code_carries_declared_units():
    code = hodgkin_huxley().to_brian2(per_neuron=["I"], threshold=-20.0)
    lines = code.equations.splitlines()
    assert lines[0].startswith("dV/dt = (") and lines[0].endswith(")*mvolt/ms : volt")
    assert "(V/mvolt)" in lines[0] and "(I/(uamp/cm**2))" in lines[0]
    assert lines[1].endswith("/ms : 1")                                             # m is dimensionless
    assert "I : amp/metre**2 (constant)" in lines
    assert code.units == {"V": "mV", "I": "uA/cm2"} and code.threshold == "(V/mvolt) > -20.0"
    plain = hodgkin_huxley().to_brian2(per_neuron=["I"], units=False)
    assert plain.units == {} and "volt" not in plain.equations and "I : 1 (constant)" in plain.equations
