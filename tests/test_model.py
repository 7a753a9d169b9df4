"""Model declaration: text parsing, validation, hostile input, hashing."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sympy

import bifur
from bifur import Model, ModelError, Reset
from bifur.models import hodgkin_huxley, izhikevich

HOSTILE = [
    "dx/dt = __import__('os').system('touch {marker}')",
    "dx/dt = x.__class__",
    "dx/dt = (lambda: 1)()",
    "dx/dt = open('{marker}', 'w')",
    "dx/dt = eval('1+1')",
    "dx/dt = exec('import os')",
    "dx/dt = 'hello'",
    "dx/dt = \"x\"",
    "dx/dt = unknown_name * x",
    "dx/dt = x +* 2",
    "dx/dt = (x + 1",
    "dx/dt = x[0]",
    "dx/dt = {{1: 2}}",
    "dx/dt = getattr(x, 'y')",
    "dx/dt = x if x else 1",
    "dx/dt = x; import os",
    "import os",
    "dx/dt = sympify('x')",
    "dx/dt = __builtins__",
    "dx/dt = exp(x).evalf()",
    "dx/dt = x @ x",
    "dx/dt = 2x",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_raises_model_error_without_side_effect(text, tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(ModelError):
        Model.from_text(text.format(marker=marker), params={"a": 1.0}, init={"x": 0.0})
    assert not marker.exists()


def test_error_names_line_and_token():
    with pytest.raises(ModelError, match=r"line 3: unknown name 'gKK'"):
        Model.from_text("dV/dt = -gK*V\n# comment\ndn/dt = gKK*n", params={"gK": 1.0}, init={"V": 0, "n": 0})
    with pytest.raises(ModelError, match=r"line 1: call to unknown function 'open'"):
        Model.from_text("dx/dt = open(x)", params={}, init={"x": 0})


def test_text_model_definitions_any_order_and_functions():
    m = Model.from_text("""
        dx/dt = a*y - r        # definitions used before they are defined
        dy/dt = -x + heaviside(x) + max(x, y) + abs(x)
        r = s**2
        s = tanh(x) + sqrt(cosh(x)) + log(2 + sinh(x)**2)
    """, params={"a": 2.0}, init={"x": 0.1, "y": 0.2}, time_unit="1")
    x, y, a = (m.symbol(n) for n in ("x", "y", "a"))
    expected = a * y - (sympy.tanh(x) + sympy.sqrt(sympy.cosh(x)) + sympy.log(2 + sympy.sinh(x) ** 2)) ** 2
    assert sympy.simplify(m.equations["x"] - expected) == 0


def test_circular_definitions_rejected():
    with pytest.raises(ModelError, match="circular"):
        Model.from_text("dx/dt = a\na = b\nb = a", params={}, init={"x": 0})


@pytest.mark.parametrize("kwargs, match", [
    (dict(states={"x": 0.0, "y": 0.0}, params={}, equations={"x": "y"}), "without equation"),
    (dict(states={"x": 0.0}, params={"x": 1.0}, equations={"x": "x"}), "both a state and a parameter"),
    (dict(states={"x": float("nan")}, params={}, equations={"x": "x"}), "finite"),
    (dict(states={"x": 0.0}, params={"a": float("inf")}, equations={"x": "a"}), "finite"),
    (dict(states={"t": 0.0}, params={}, equations={"t": "1"}), "reserved"),
    (dict(states={"exp": 0.0}, params={}, equations={"exp": "1"}), "reserved"),
    (dict(states={"lambda": 0.0}, params={}, equations={"lambda": "1"}), "keyword"),
    (dict(states={"x": 0.0}, params={}, equations={"x": "x", "z": "1"}), "not a state"),
    (dict(states={"x": 0.0}, params={}, equations={"x": sympy.Function("f")(sympy.Symbol("x"))}),
     "not supported"),
    (dict(states={"x": 0.0}, params={}, equations={"x": sympy.Symbol("q")}), "unknown symbol"),
])
def test_validation(kwargs, match):
    with pytest.raises(ModelError, match=match):
        Model("bad", **kwargs)


def test_sympy_and_names_accepted_and_t_allowed():
    x, mu, t = sympy.symbols("x mu t")
    m = Model("forced", states={x: 1.0}, params={"mu": 0.5}, equations={"x": mu * x + sympy.sin(t)})
    assert m.state_names == ("x",) and m.param_names == ("mu",)
    assert not m.is_autonomous
    assert hodgkin_huxley().is_autonomous


def test_with_params_and_unknown_param():
    hh = hodgkin_huxley()
    assert hh.with_params(I=7.0).params["I"] == 7.0
    assert hh.params["I"] == 0.0  # immutable original
    with pytest.raises(ModelError, match="unknown parameter 'Iext'.*parameters are"):
        hh.with_params(Iext=1.0)


def test_repr_shows_equations_and_reset():
    text = repr(izhikevich("RS"))
    assert "dv/dt = 0.04*v**2 + 5*v + 140 - u + I" in text
    assert "reset when v >= v_peak: v <- c, u <- u + d" in text


def test_reset_validation():
    with pytest.raises(ModelError, match="not a state"):
        Model.from_text("dv/dt = 1", params={}, init={"v": 0}, reset=Reset("v >= 1", {"w": "0"}))
    with pytest.raises(ModelError, match="comparison"):
        Model.from_text("dv/dt = 1", params={}, init={"v": 0}, reset=Reset("v + 1", {"v": "0"}))


def test_hash_equal_for_equal_models_and_differs_otherwise():
    assert hodgkin_huxley() == hodgkin_huxley()
    assert hash(hodgkin_huxley()) == hash(hodgkin_huxley())
    assert hodgkin_huxley().with_params(I=1.0) != hodgkin_huxley()
    # defaults do not change the compiled structure
    assert hodgkin_huxley().with_params(I=1.0).structure_hash == hodgkin_huxley().structure_hash


def test_hash_stable_across_processes():
    code = "from bifur.models import hodgkin_huxley, izhikevich; print(hodgkin_huxley().hash, izhikevich('CH').hash)"
    outs = set()
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True).stdout.strip())
    assert len(outs) == 1
    assert outs.pop() == f"{hodgkin_huxley().hash} {izhikevich('CH').hash}"


def test_public_api_exports():
    for name in bifur.__all__:
        assert hasattr(bifur, name), name
