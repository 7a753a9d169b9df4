"""Parameter derivatives of the answers (implicit-function theorem on the converged systems) against
central finite differences of the same answers, to relative 1e-6, on Hodgkin-Huxley and Morris-Lecar."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy

import bifur
from bifur import derivatives as D
from bifur.models import hodgkin_huxley, morris_lecar

REL = 1e-6


def central(fun, params: dict, name: str, rel: float = 1e-3) -> float:
    """Fourth-order central difference (Richardson's combination of steps h and 2h)."""
    h = rel * max(abs(params[name]), 1e-3)
    f = {k: fun({name: params[name] + k * h}) for k in (-2, -1, 1, 2)}
    return (8.0 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12.0 * h)


def check(s: D.Sensitivity, fun, names):
    for k in names:
        fd = central(fun, s.params, k)
        assert s.gradient[k] == pytest.approx(fd, rel=REL), (s.kind, k, s.gradient[k], fd)


CASES = {
    # model, input at which the rate is differentiated, range, parameters
    "hh": (hodgkin_huxley, 20.0, (0.0, 200.0), ["I", "gNa", "gK", "gL"]),
    "ml": (lambda: morris_lecar("snic"), 60.0, (0.0, 200.0), ["I", "gCa", "gK", "gL"]),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    make, current, rng, names = CASES[request.param]
    model = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        fi = bifur.fi_curve(model, "I", rng, at=[current])
    return request.param, model, fi, names


def test_rate_derivatives(case):
    name, model, fi, names = case
    [s] = D.rate_sensitivities(fi, names)
    assert s.value == pytest.approx(fi.rate_hz[0], rel=1e-10)
    cycle = s.point
    check(s, lambda q: D.converge_cycle(cycle, q).frequency_hz, names)


def test_onset_and_block_derivatives(case):
    name, model, fi, names = case
    names = [k for k in names if k != "I"]
    kinds = {"hh": ("LPC", "H"), "ml": ("SNIC", "LPC")}[name]
    for which, kind in zip(("onset", "block"), kinds):
        s = getattr(D, f"{which}_sensitivity")(fi, names)
        assert s.kind == kind
        located = getattr(fi, which).param
        assert s.value == pytest.approx(located, rel=1e-9)   # converged again: the located point
        if kind in ("LP", "SNIC"):
            fun = lambda q: D.fold_sensitivity(model, {"x": s.point["x"], "params": s.params}, "I", [], q).value
        elif kind == "H":
            fun = lambda q: D.hopf_sensitivity(model, {"x": s.point["x"], "params": s.params}, "I", [], q).value
        else:
            fun = lambda q: D.lpc_sensitivity(s.point, "I", [], q).value
        check(s, fun, names)


def test_input_conductance_derivatives(case):
    name, model, fi, names = case
    names = [k for k in names if k != "I"]
    s = D.input_conductance_sensitivity(model, names)
    assert s.value == pytest.approx(bifur.input_conductance(model), rel=1e-12)
    check(s, lambda q: D.input_conductance_sensitivity(model, [], q).value, names)


def test_hopf_derivatives_morris_lecar_and_lp_of_hh_in_gk():
    # a subcritical Hopf onset of Morris-Lecar ("hopf" set) and the supercritical HH block in other parameters
    ml = morris_lecar("hopf")
    h = bifur.continue_equilibria(ml, "I", (0.0, 300.0)).special("H")[0]
    s = D.hopf_sensitivity(ml, h, "I", ["gCa", "phi", "V3"])
    check(s, lambda q: D.hopf_sensitivity(ml, h, "I", [], q).value, ["gCa", "phi", "V3"])


def test_the_central_difference_of_mixed_derivatives_is_accurate_to_1e_9():
    """Where a central difference enters (J_θ u, for Hopf points and G_in): against sympy's exact
    ∂²f/∂x∂θ, at the HH rest state along a random direction."""
    model = hodgkin_huxley()
    cm = model.compile()
    x, p = cm.init_vector(), cm.param_vector()
    u = np.random.default_rng(0).standard_normal(4)
    approx = D.mixed_derivative(cm, x, p, u)
    subs = {model.symbol(k): v for k, v in zip(model.state_names, x)}
    subs.update({model.symbol(k): v for k, v in zip(model.param_names, p)})
    for j, pname in enumerate(model.param_names):
        for i, sname in enumerate(model.state_names):
            exact = sum(float(sympy.diff(model.equations[sname], model.symbol(pname), model.symbol(s)).evalf(
                subs=subs, n=30)) * u[k] for k, s in enumerate(model.state_names))
            assert abs(approx[i, j] - exact) <= 1e-9 * (1.0 + abs(exact)), (sname, pname, approx[i, j], exact)
