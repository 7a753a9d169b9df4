"""XPPAUT import (bifur.xpp.read_xpp / Model.from_xpp) and export (Model.to_xpp, Model.to_brian2 as text).

The corpus in tests/xpp/ was written for these tests; the files of models that bifur has built in
must give the built-in right-hand side at random states, every library model must survive
bifur -> XPP -> bifur, and every construct bifur refuses must be refused with the line and the
feature named. (Brian2 itself is exercised in tests_brian2/, run by .ci/run in its own venv.)
"""
from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import sympy

import bifur
from bifur import Model, ModelError
from bifur.export import brian2_name_clashes, to_brian2, to_xpp
from bifur.models import (IZHIKEVICH_CELLS, adex, fitzhugh_nagumo, hodgkin_huxley, izhikevich, morris_lecar,
                          pyramidal5d, qif, wang_buzsaki)
from bifur.parse import parse_model_text, sym
from bifur.xpp import read_xpp

CORPUS = Path(__file__).parent / "xpp"
FILES = sorted(CORPUS.glob("*.ode"))


# -- helpers ----------------------------------------------------------------------------------------------
def _rhs(model: Model):
    cm = model.compile(backend="numpy")
    return cm, (lambda x, p: np.asarray(cm.rhs(np.asarray(x, float), np.asarray(p, float))))


def assert_same_rhs(imported: Model, reference: Model, params: dict | None = None, n: int = 60, seed: int = 1):
    """f_imported == f_reference (relative 1e-12) at random states around the reference's initial
    state; states and parameters are matched by name ignoring letter case (XPP ignores it)."""
    lower = {s.lower(): s for s in imported.state_names}
    assert sorted(lower) == sorted(s.lower() for s in reference.state_names)
    ref_p = reference.param_values(params)
    imp_p = dict(imported.params)
    by_lower = {k.lower(): k for k in imp_p}
    for k, v in ref_p.items():     # a parameter of both has the same value
        if k.lower() in by_lower:
            imp_p[by_lower[k.lower()]] = v
    cm_r, f_r = _rhs(reference)
    cm_i, f_i = _rhs(imported)
    p_r = cm_r.param_vector(ref_p)
    p_i = cm_i.param_vector(imp_p)
    rng = np.random.default_rng(seed)
    x0 = np.array([reference.init[s] for s in reference.state_names])
    scale = np.maximum(1.0, np.abs(x0))
    perm = [imported.state_names.index(lower[s.lower()]) for s in reference.state_names]
    for _ in range(n):
        x = x0 + scale * rng.uniform(-1.0, 1.0, x0.size)
        xi = np.empty_like(x)
        xi[perm] = x
        a, b = f_r(x, p_r), f_i(xi, p_i)[perm]
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * (1.0 + np.abs(a).max()))


def assert_same_reset(imported: Model, reference: Model, params: dict | None = None, seed: int = 2):
    """Same reset condition and new values at random states (parameters at their values, names
    matched ignoring letter case)."""
    assert (imported.reset is None) == (reference.reset is None)
    if reference.reset is None:
        return
    ref_p = reference.param_values(params)
    by_lower = {k.lower(): k for k in imported.params}
    imp_p = {**imported.params, **{by_lower[k.lower()]: v for k, v in ref_p.items() if k.lower() in by_lower}}
    states = {s.lower(): s for s in imported.state_names}
    assert {k.lower() for k in imported.reset.new_values} == {k.lower() for k in reference.reset.new_values}
    rng = np.random.default_rng(seed)
    for _ in range(10):
        x = {s: reference.init[s] + max(1.0, abs(reference.init[s])) * rng.uniform(-1, 1) for s in reference.state_names}
        sub_r = {sym(k): v for k, v in {**ref_p, **x}.items()}
        sub_i = {sym(k): v for k, v in {**imp_p, **{states[s.lower()]: v for s, v in x.items()}}.items()}
        g_r, g_i = float(reference.reset.g.xreplace(sub_r)), float(imported.reset.g.xreplace(sub_i))
        assert math.isclose(g_r, g_i, rel_tol=1e-12, abs_tol=1e-12)
        new_i = {k.lower(): v for k, v in imported.reset.new_values.items()}
        for k, v in reference.reset.new_values.items():
            assert math.isclose(float(v.xreplace(sub_r)), float(new_i[k.lower()].xreplace(sub_i)), rel_tol=1e-12)


# -- the corpus ---------------------------------------------------------------------------------------------
def test_corpus_has_at_least_25_files_and_every_one_reads():
    assert len(FILES) >= 25
    for f in FILES:
        r = read_xpp(f)
        assert r.model.n_states >= 1
        assert r.model.name == f.stem


def test_corpus_covers_the_quirks():
    raw = {f.name: f.read_bytes() for f in FILES}
    assert any(b"\r\n" in b for b in raw.values())                    # CRLF
    assert any(b"\\\n" in b for b in raw.values())                    # continuation lines
    assert any(b"'=" in b or b"' =" in b for b in raw.values())      # X'=
    assert any(b"/dt=" in b or b"/dt =" in b for b in raw.values())  # dX/dt=
    assert any(b"global 1" in b for b in raw.values()) and any(b"global -1" in b for b in raw.values())
    assert any(b"[1..8]" in b for b in raw.values()) and any(b"%[1..3]" in b for b in raw.values())
    assert any(b"par k1=1.0 k2=2.5" in b for b in raw.values())      # spaces instead of commas


BUILTIN = [
    ("hh.ode", hodgkin_huxley, {}, {}),
    ("hh_prime_crlf.ode", hodgkin_huxley, {}, {}),
    ("hh_numbers_currents.ode", hodgkin_huxley, {}, {}),
    ("morris_lecar.ode", lambda: morris_lecar("snic"), {}, {}),
    ("morris_lecar_hopf_functions.ode", lambda: morris_lecar("hopf"), {}, {}),
    ("ml_homoclinic_aux.ode", lambda: morris_lecar("homoclinic"), {}, {}),
    ("wang_buzsaki.ode", wang_buzsaki, {}, {}),
    ("izhikevich_rs.ode", lambda: izhikevich("RS"), {}, {}),
    ("izhikevich_prime_nobraces.ode", lambda: izhikevich("CH"), {"I": 10.0}, {}),
    ("adex.ode", adex, {}, {}),
    ("qif.ode", qif, {}, {"time_unit": "1"}),
    ("fitzhugh_nagumo.ode", fitzhugh_nagumo, {}, {"time_unit": "1"}),
]


@pytest.mark.parametrize("fname, factory, params, options", BUILTIN, ids=[b[0] for b in BUILTIN])
def test_corpus_models_equal_the_builtin_ones(fname, factory, params, options):
    imported = Model.from_xpp(CORPUS / fname, **options)
    reference = factory()
    assert_same_rhs(imported, reference, params)
    assert_same_reset(imported, reference, params)
    assert imported.time_unit == reference.time_unit
    assert (imported.voltage or "").lower() == (reference.voltage or "").lower()


def test_hh_file_keeps_parameters_initial_values_and_options():
    r = read_xpp(CORPUS / "hh.ode")
    m = r.model
    assert m.params == {**hodgkin_huxley().params}
    assert m.init == {"V": -65.0, "m": 0.053, "h": 0.596, "n": 0.318}
    assert r.options["total"] == 100.0 and r.options["meth"] == "qualrk" and r.options["xp"] == "t"
    assert r.simulate_options() == {"t_end": 100.0, "dt": 0.01}
    assert m.description.startswith("Hodgkin-Huxley squid axon")
    assert "time unit taken as 'ms'" in " ".join(r.notes)


def test_numbers_are_constants_and_derived_parameters_stay_formulas():
    r = read_xpp(CORPUS / "hh_numbers_currents.ode")
    assert set(r.model.params) == {"i", "temp", "q10"}            # numbers are inlined constants
    warm = r.model.with_params(temp=16.3)                          # phi = q10^((temp - 6.3)/10) = 3
    hot = hodgkin_huxley().with_params(phi=3.0)
    assert_same_rhs(warm, hot, {"phi": 3.0})
    d = read_xpp(CORPUS / "derived_params.ode").model
    area = math.pi * 50 * 10
    v = sym("v")
    expected = (0.1 - 3e-4 * area * (v + 70)) / (1e-2 * area)
    f = d.equations["v"].xreplace({sym(k): sympy.Float(x) for k, x in d.params.items()})
    assert abs(float(f.subs(v, -50.0)) - float(expected.subs(v, -50.0))) < 1e-12


def test_aux_outputs_are_kept_evaluated_and_survive_in_the_model_text():
    r = read_xpp(CORPUS / "pendulum_aux.ode")
    assert list(r.aux) == ["P_E", "K_E", "T_E"]
    assert any("'P.E.' is named 'P_E'" in n for n in r.notes)
    traj = bifur.simulate(r.model, 5.0, dt=0.5)
    vals = r.aux_values(traj)
    x, xp = traj.x[:, 0], traj.x[:, 1]
    np.testing.assert_allclose(vals["P_E"], 10 * 9.8 * (1 - np.cos(x)), rtol=1e-13)
    np.testing.assert_allclose(vals["T_E"], vals["P_E"] + vals["K_E"], rtol=1e-13)
    # the aux definitions live in the model's text, which reads back to the same equations
    parsed = parse_model_text(r.model.equations_text(), r.model.param_names)
    assert parsed.equations == dict(r.model.equations)
    assert parsed.definitions["T_E"] == r.aux["T_E"]
    assert "aux T_E=" in r.model.to_xpp() and "aux T_E=" in r.model.with_params(mu=0.0).to_xpp()


def test_model_text_of_every_corpus_file_reads_back_to_its_equations():
    for f in FILES:
        m = read_xpp(f).model
        parsed = parse_model_text(m.equations_text(), m.param_names)
        assert parsed.equations == dict(m.equations), f.name


# -- forms and semantics -------------------------------------------------------------------------------
def test_xpp_precedence_and_left_associative_power():
    eq = read_xpp(CORPUS / "precedence.ode").model.equations
    x = sym("x")
    H = lambda e: sympy.Heaviside(e, sympy.Rational(1, 2))  # noqa: E731
    assert eq["a"] == 2 * H(x - 1)              # 2*x>1 is 2*(x>1)
    assert eq["b"] == x - 1                      # x-1>0 is x-(1>0)
    assert eq["c"] == 64                         # 2^3^2 = (2^3)^2
    assert eq["d"] == -x ** 2 and eq["f"] == -4
    for xv in (0.5, 2.0, 4.0, 6.0):             # x>1&x<3|x>5
        assert float(eq["e"].subs(x, xv)) == float((1 < xv < 3) or xv > 5)


def test_if_then_else_and_logic_match_xpp_semantics_away_from_the_switches():
    m = read_xpp(CORPUS / "if_then_else.ode").model
    f = {k: sympy.lambdify([sym("x"), sym("y"), sym("z")],
                           e.xreplace({sym(p): sympy.Float(v) for p, v in m.params.items()}), "math")
         for k, e in m.equations.items()}

    def xpp(x, y, z, xt=.5, yt=.2, a=2, b=.3):
        dx = (-x if x < xt else a - x) + (1.0 if y - yt >= 0 else 0.0)
        dy = b if (x > 0 and y < 1) else (-y if (x > 2 or y > 2) else 0.0)
        dz = (1 - z if not z > 1 else -z) + float(x >= y) - float(z <= 0)
        return dx, dy, dz

    rng = np.random.default_rng(3)
    for _ in range(200):
        x, y, z = rng.uniform(-3, 3, 3)
        assert np.allclose([f["x"](x, y, z), f["y"](x, y, z), f["z"](x, y, z)], xpp(x, y, z), rtol=1e-14, atol=0)


def test_index_ranges_and_blocks_expand_as_xpp_does():
    r = read_xpp(CORPUS / "chain_array.ode")
    m = r.model
    assert m.state_names == tuple(f"x{k}" for k in range(10))
    assert [p for p in m.params if p.startswith("w")] == [f"w{k}" for k in range(1, 9)]
    assert all(v == 0.1 for v in m.init.values())
    x = {k: sym(f"x{k}") for k in range(10)}
    assert m.equations["x3"] == -x[3] + sym("d") * (x[2] - 2 * x[3] + x[4]) + sym("w3") * sympy.tanh(x[3])
    assert r.aux["e3"] == x[3] ** 2 + x[6]
    b = read_xpp(CORPUS / "block_array.ode").model
    assert b.state_names == ("x1", "y1", "x2", "y2", "x3", "y3")
    assert b.init["x2"] == 1.0 and b.init["y2"] == 0.0 and b.params["om3"] == 1.5
    p = read_xpp(CORPUS / "pulse_wave.ode").model
    assert p.n_states == 42 and p.init["v0"] == 1.0 and p.init["v1"] == 1.0 and p.init["v2"] == 0.0
    assert "i" in p.params                       # a parameter named i next to the init abbreviation i
    g = read_xpp(CORPUS / "global_array_reset.ode").model
    assert g.reset.describe().startswith("when x1 - 1 >= 0")


def test_functions_with_arguments_shadowing_and_time():
    m = read_xpp(CORPUS / "functions_nested.ode").model
    v, w, t = sym("v"), sym("w"), sym("t")
    k, vh, s, amp, per = (sym(n) for n in ("k", "vh", "s", "amp", "per"))
    boltz = lambda x, h, sl: 1 / (1 + sympy.exp(-(x - h) / sl))  # noqa: E731
    expected = -v + k * w * boltz(v, vh + 1, 2 * s) + amp * sympy.sin(2 * sympy.pi * t / per)
    assert sympy.simplify(m.equations["v"] - expected) == 0
    fhn = read_xpp(CORPUS / "fhn_forced_manual.ode").model
    assert sym("t") in fhn.equations["v"].free_symbols and not fhn.is_autonomous


def test_case_insensitive_names_continuations_spaces_and_options():
    m = read_xpp(CORPUS / "case_insensitive.ode").model
    assert m.state_names == ("V",) and set(m.params) == {"iapp", "gl", "el", "cm", "vt", "dt", "vmax"}
    assert sym("V") in m.equations["V"].free_symbols and sympy.Symbol("v", real=True) not in m.equations["V"].free_symbols
    c = read_xpp(CORPUS / "continuation_lines.ode").model
    assert c.params == {"a": 1.0, "b": 2.0, "c": 0.1, "d": 0.5, "e": 1.5} and c.init == {"x": 0.5, "y": 0.5}
    s = read_xpp(CORPUS / "spaces_in_declarations.ode").model
    assert s.params == {"k1": 1.0, "k2": 2.5, "k3": 0.25} and s.init == {"x": 1.0, "y": 0.0}
    o = read_xpp(CORPUS / "options_comments.ode")
    assert o.simulate_options() == {"t_end": 40.0, "dt": 0.1, "method": "rosenbrock"}
    notes = " ".join(o.notes)
    assert "'bdry' ignored" in notes and "'set' ignored" in notes and "'only' ignored" in notes
    assert "maxstor" in notes and "seed" in notes
    t = read_xpp(CORPUS / "time_dependent.ode").model
    assert t.equations["v"].free_symbols >= {sym("t")}


def test_from_xpp_accepts_text_and_paths_and_names_the_model():
    text = (CORPUS / "qif.ode").read_text()
    assert Model.from_xpp(text, time_unit="1").name == "xpp_model"
    assert Model.from_xpp(str(CORPUS / "qif.ode")).name == "qif"
    assert Model.from_xpp(text, name="mine", time_unit="1").name == "mine"
    with pytest.raises(ModelError, match="no such XPP file"):
        Model.from_xpp("does_not_exist.ode")


# -- refusals: every one names the line and the feature -------------------------------------------------
REFUSED = [
    ("x'=-x+s*w\nwiener w\npar s=1\n", 2, r"wiener"),
    ("x'=-x\nmarkov z 2\n{0} {1}\n{1} {0}\n", 2, r"markov"),
    ("x'=-f(x)\ntable f tab.dat\n", 2, r"table"),
    ("x'=-f(x)\ntable f % 51 -1 1 tanh(t)\n", 2, r"table"),
    ("x'=-delay(x,tau)\npar tau=1\n", 1, r"delay"),
    ("x'=-x\nspecial k=mmult(2,2,w,x)\n", 2, r"special"),
    ("x'=-x\nvolterra u=exp(-t)+int{exp(-t)#u}\n", 2, r"volterra|int"),
    ("x(t)=exp(-t)+int{exp(-t^2)#x}\n", 1, r"Volterra|volterra|int"),
    ("# logistic map\nz(t+1)=r*z*(1-z)\npar r=3.5\n", 2, r"map"),
    ("x'=r*x*(1-x)\npar r=3\n@ meth=discrete\n", None, r"meth=discrete.*map"),
    ("x'=-x\n0= x+y-1\nsolv y=0\n", 2, r"algebraic"),
    ("x'=-x\nsolv y=0\n", 2, r"solv"),
    ("x'=-x\nexport {x} {xp}\n", 2, r"export"),
    ("#include common.inc\nx'=-x\n", 1, r"include"),
    ("x'=-x+ran(1)\n", 1, r"ran.*random"),
    ("x'=-x+normal(0,1)\n", 1, r"normal.*random"),
    ("x'=1\ny'=w\nglobal 1 {x-1} {x=0}\nglobal 1 {y-1} {y=0}\npar w=1\n", 4, r"second 'global'"),
    ("x'=1\nglobal 0 {x-1} {x=0}\n", 2, r"sign 0"),
    ("x'=1\nglobal 1 {x-1} {a=2}\npar a=1\n", 2, r"assigns 'a'.*states only"),
    ("x'=1\nglobal 1 {x-1} {arret=1}\n", 2, r"arret"),
    ("u0'=-u0\nu1'=-u1+shift(u0,1)\n", 2, r"shift"),
    ("x'=-x+sum(0,3)of(i')\n", 1, r"sum"),
    ("x'=atan2(x,1)\n", 1, r"atan2"),
    ("x'=asin(x)\n", 1, r"asin"),
    ("x'=erf(x)\n", 1, r"erf"),
    ("x'=-x+besselj(0,x)\n", 1, r"Bessel"),
    ("x'=mod(t,10)\n", 1, r"mod\(\) of a quantity that changes"),
    ("x'=flr(x)\n", 1, r"flr\(\) of a quantity that changes"),
    ("x'=if(x==1)then(1)else(0)\n", 1, r"'==' between quantities that change"),
    ("x'=(x!=a)\npar a=1\n", 1, r"'!=' between quantities that change"),
    ("x'=if(x)then(1)else(0)\n", 1, r"if\(\.\.\.\) needs a comparison"),
    ("x'=x&1\n", 1, r"'&' needs a comparison"),
    ("x'=-x\naux e=x^2\ny'=e\n", 3, r"aux quantity 'e' cannot be used"),
    ("x'=f(x)\nf(a)=g(a)\ng(a)=f(a)\n", 2, r"circle"),
    ("x'=a-y\na=b\nb=a\ny'=0\n", 2, r"circular"),
    ("x'=-x\n!k=x\n", 2, r"derived parameter 'k' may use only parameters"),
    ("x'=-gkk*x\npar gk=1\n", 1, r"unknown name 'gkk'"),
    ("x'=-x\npar a[1..2]=.5, c=.1\n", 2, r"'c' is declared twice"),
    ("x'=-x\nX'=x\n", 2, r"declared twice.*letter case"),
    ("x'=-x\nbogus thing\n", 2, r"unknown declaration 'bogus'"),
    ("x'=-x\nx(0)=t+1\n", 2, r"initial value"),
    ("x'=-x\ninit y=1\n", 2, r"initial value given for 'y'"),
    ("dx/dt=-x\npar if=1\n", 2, r"reserved word"),
]


@pytest.mark.parametrize("text, line, feature", REFUSED, ids=[r[2][:24] for r in REFUSED])
def test_refused_features_name_the_line_and_the_feature(text, line, feature):
    with pytest.raises(ModelError) as err:
        read_xpp(text)
    msg = str(err.value)
    if line is not None:
        assert msg.startswith(f"line {line}") or msg.startswith(f"lines {line}"), msg
    assert __import__("re").search(feature, msg), msg


def test_refused_corpus_files_of_the_manual():
    refused = CORPUS / "refused"
    files = sorted(refused.glob("*.ode"))
    assert len(files) >= 6
    for f in files:
        first = f.read_text().splitlines()[0]          # "# refused: line N, <feature regex>"
        line, feature = first.split("refused: line ", 1)[1].split(", ", 1)
        with pytest.raises(ModelError, match=rf"^lines? {line}\b.*(?i:{feature})"):
            read_xpp(f)


def test_error_columns_point_into_the_original_line():
    with pytest.raises(ModelError, match=r"line 2: unknown name 'gkk' at 'gkk' \(column 15\)"):
        read_xpp("# comment\n  dv/dt = -gl*gkk\npar gl=1\n")


# -- hostile text: bounded work, clear errors -----------------------------------------------------------
HOSTILE = {
    "huge index range": "x[0..100000000]'=-x[j]\n",
    "many statements": "\n".join(f"a{k}[0..4999]=1" for k in range(6)) + "\nx'=-x\n",
    "tower of powers": "x'=9^9^9^9-x\n",
    "huge literal": "x'=1" + "0" * 5000 + "-x\n",
    "deep parentheses": "x'=" + "(" * 300 + "x" + ")" * 300 + "\n",
    "doubling functions": "\n".join(["f0(a)=a+1"] + [f"f{k}(a)=exp(f{k - 1}(a))+f{k - 1}(a+1)" for k in range(1, 40)]
                                    + ["x'=f39(x)"]) + "\n",
    "doubling fixed quantities": "\n".join(["a0=x"] + [f"a{k}=a{k - 1}*(a{k - 1}+1)" for k in range(1, 41)]
                                           + ["x'=a40"]) + "\n",
    "chain of 3000 definitions": "y[1..3000]=exp(y[j-1])\ny0=x\nx'=y3000\n",
    "unicode digits": "x'=\u0661\u0662-x\n",
    "recursive function": "f(a)=f(a)+1\nx'=f(x)\n",
    "index arithmetic abuse": "x[1..3]'=x[j*99999999999999999999999999]\n",
    "bare text": "import os\n",
}


@pytest.mark.parametrize("what", sorted(HOSTILE))
def test_hostile_xpp_text_is_refused_quickly(what):
    t0 = time.perf_counter()
    with pytest.raises(ModelError) as err:
        read_xpp(HOSTILE[what])
    assert time.perf_counter() - t0 < 10.0
    assert len(str(err.value)) < 700


def test_hostile_xpp_text_cannot_hang_in_a_subprocess():
    code = textwrap.dedent("""
        import bifur
        texts = ["x'=9^9^9^9-x\\n", "x[0..100000000]'=-x[j]\\n",
                 "\\n".join(["f0(a)=a+1"] + [f"f{k}(a)=exp(f{k-1}(a))+f{k-1}(a+1)" for k in range(1, 60)] + ["x'=f59(x)"])]
        for text in texts:
            try:
                bifur.Model.from_xpp(text)
            except bifur.ModelError:
                print("refused")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["refused"] * 3, out.stderr[-2000:]


# -- export to XPP and round trips ----------------------------------------------------------------------
LIBRARY = ([("hodgkin_huxley", hodgkin_huxley), ("wang_buzsaki", wang_buzsaki), ("fitzhugh_nagumo", fitzhugh_nagumo),
            ("qif", qif), ("adex", adex), ("pyramidal5d", pyramidal5d)]
           + [(f"morris_lecar_{v}", (lambda v=v: morris_lecar(v))) for v in ("snic", "hopf", "homoclinic")]
           + [(f"izhikevich_{c}", (lambda c=c: izhikevich(c))) for c in IZHIKEVICH_CELLS])


@pytest.mark.parametrize("name, factory", LIBRARY, ids=[n for n, _ in LIBRARY])
def test_library_models_survive_bifur_to_xpp_to_bifur(name, factory):
    model = factory()
    text = model.to_xpp()
    assert text.rstrip().endswith("done") and "\r" not in text
    assert all(len(line) < 1000 for line in text.splitlines())
    back = Model.from_xpp(text, name=model.name, time_unit=model.time_unit, voltage=model.voltage,
                          capacitance=model.capacitance)
    assert back.state_names == model.state_names and back.param_names == model.param_names
    assert back.params == model.params and back.init == model.init
    assert back.voltage == model.voltage and back.capacitance == model.capacitance
    assert_same_rhs(back, model)
    assert_same_reset(back, model)


def test_xpp_export_renames_what_xpp_cannot_read_and_splits_long_lines():
    n = 400
    terms = " + ".join(f"c{k}*exp(-x/{k + 1})" for k in range(n))
    model = Model.from_text(f"dx/dt = {terms}\ndlong_state_name/dt = -long_state_name + delay*x\n"
                            "dX/dt = -X", params={**{f"c{k}": 1.0 / (k + 1) for k in range(n)}, "delay": 2.0},
                            init={"x": 0.5, "long_state_name": 1.0, "X": 0.0}, time_unit="1")
    text = model.to_xpp()
    assert all(len(line) < 1000 for line in text.splitlines())
    assert "bfx1=" in text and "# renamed for XPP:" in text
    assert "long_state_name -> " in text and "delay -> " in text
    back = Model.from_xpp(text, time_unit="1")
    names = dict(line.split(" -> ") for line in
                 text.split("# renamed for XPP: ", 1)[1].split("\n", 1)[0].split(", "))
    assert len({v.lower() for v in (*back.state_names, *back.param_names)}) == len(back.state_names) + len(back.params)
    renamed = Model("renamed", states={names.get(k, k): v for k, v in model.init.items()},
                    params={names.get(k, k): v for k, v in model.params.items()},
                    equations={names.get(k, k): e.xreplace({sym(a): sym(b) for a, b in names.items()})
                               for k, e in model.equations.items()}, time_unit="1")
    assert_same_rhs(back, renamed, n=10)


def test_xpp_export_with_aux_options_and_parameters():
    text = morris_lecar("snic").to_xpp(aux={"minf": "0.5*(1 + tanh((V - V1)/V2))"}, params={"I": 45.0},
                                       options={"total": 300, "dt": 0.05, "xp": "V", "yp": "w"})
    r = read_xpp(text)
    assert r.model.params["I"] == 45.0
    assert r.options["total"] == 300.0 and r.options["yp"] == "w" and r.options["bound"] == 1e9
    V, V1, V2 = sym("V"), sym("V1"), sym("V2")
    assert sympy.simplify(r.aux["minf"] - (1 + sympy.tanh((V - V1) / V2)) / 2) == 0
    with pytest.raises(ModelError):
        morris_lecar("snic").to_xpp(aux={"bad": "V + nope"})


def test_reset_exports_as_a_global_event_evaluated_on_the_old_state():
    m = Model.from_text("dx/dt = 1\ndy/dt = -y", params={"a": 1.0}, init={"x": 0.0, "y": 1.0}, time_unit="1",
                        reset=bifur.Reset("x >= 1", {"x": "y", "y": "x + a"}))
    text = m.to_xpp()
    assert "global 1 {x - 1} {x=y;y=a + x}" in text
    back = Model.from_xpp(text, time_unit="1")
    assert_same_reset(back, m)


# -- Brian2 text (the simulation round trip runs in tests_brian2/) -------------------------------------
def test_brian2_code_for_a_reset_model():
    code = izhikevich("RS").to_brian2(params={"I": 10.0})
    # v is in mV (the model's units): a Brian2 quantity, divided by its unit inside the equations
    assert code.equations.splitlines()[0] == "dv/dt = (I - u + 0.04*(v/mvolt)**2.0 + 5.0*(v/mvolt) + 140.0)*mvolt/ms : volt"
    assert code.threshold == "(v/mvolt) - v_peak >= 0" and code.reset == "v = (c)*mvolt\nu = d + u"
    assert code.refractory is None and code.method == "rk4"
    assert code.namespace == {**izhikevich("RS").params, "I": 10.0}
    assert code.init == {"v": -65.0, "u": -13.0}
    kw = code.kwargs()
    assert set(kw) == {"model", "threshold", "reset", "method", "namespace"}


def test_brian2_code_for_a_smooth_model_with_a_threshold_and_per_neuron_current():
    code = to_brian2(hodgkin_huxley(), threshold=-20.0, per_neuron=["I"])
    assert code.threshold == code.refractory == "(V/mvolt) > -20.0"
    assert "I : amp/metre**2 (constant)" in code.equations and "I" not in code.namespace
    assert code.init["I"] == 0.0 and code.reset is None
    assert "exp(" in code.equations and "/ms : 1" in code.equations and "*mvolt/ms : volt" in code.equations
    with pytest.raises(ModelError, match="reset rule"):
        to_brian2(izhikevich("RS"), threshold=0.0)


def test_brian2_names_time_units_and_functions():
    m = Model.from_text("dms/dt = -ms + heaviside(x) + max(x, i, 0)*min(x, 1)\ndx/dt = atan(t) - x",
                        params={"i": 1.0}, init={"ms": 0.0, "x": 1.0}, time_unit="s")
    code = to_brian2(m)
    assert code.names == {"ms": "ms_", "i": "i_"}
    assert "dms_/dt" in code.equations and "/second : 1" in code.equations
    assert "(0.5*(sign(x) + 1))" in code.equations and "clip(" in code.equations and "arctan((t/second))" in code.equations
    assert all(brian2_name_clashes(n) for n in ("t", "dt", "i", "N", "ms", "mV", "second", "kohm", "mvolt2", "exp", "e"))
    assert not any(brian2_name_clashes(n) for n in ("V", "m", "h", "n", "C", "I", "gNa", "u", "w", "a"))
    swap = Model.from_text("dx/dt = 1\ndy/dt = 1", params={}, init={"x": 0.0, "y": 0.0}, time_unit="1",
                           reset=bifur.Reset("x >= 1", {"x": "y", "y": "x"}))
    assert to_brian2(swap).reset == "x_new_ = y\ny_new_ = x\nx = x_new_\ny = y_new_"
    dimless = to_brian2(fitzhugh_nagumo())
    assert dimless.time_unit == "ms"


def test_declaration_keywords_and_their_one_letter_abbreviations():
    r = read_xpp("x'=-a*x+b+c+k\nnum b=1\nn c=2\nparam a=3\np k=4\ni x=5\na out=x*2\ng 1 {x-9} {x=0}\nd\nx'=1\n",
                 time_unit="1")
    m = r.model
    x, a, k = sym("x"), sym("a"), sym("k")
    assert m.equations["x"] == -a * x + sympy.Float(3) + k and m.params == {"a": 3.0, "k": 4.0} and m.init == {"x": 5.0}
    assert r.aux["out"] == 2 * x and m.reset is not None


def test_mod_and_flr_follow_xpp_on_negative_numbers():
    m = read_xpp("x'=mod(5,-3)+10*mod(-5,3)+100*mod(7.5,2)+1000*flr(-0.5)\n", time_unit="1").model
    assert m.equations["x"] == 2 + 10 * 1 + 100 * 1.5 - 1000   # fmod, plus the divisor when negative
