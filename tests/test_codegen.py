"""Generated functions against finite differences, numba against numpy, singularities, caching."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import sympy

from bifur.models import adex, fitzhugh_nagumo, hodgkin_huxley, izhikevich, morris_lecar, qif, wang_buzsaki

LIBRARY = {
    "hh": hodgkin_huxley, "ml_snic": lambda: morris_lecar("snic"), "ml_hopf": lambda: morris_lecar("hopf"),
    "wb": wang_buzsaki, "fhn": fitzhugh_nagumo, "izh": lambda: izhikevich("RS"), "qif": qif, "adex": adex,
}


def _random_states(model, rng, k=4):
    """States near the initial ones; gating-like states (init in [0,1]) stay in (0, 1)."""
    x0 = np.array([model.init[s] for s in model.state_names])
    out = []
    for _ in range(k):
        x = x0.copy()
        for i, s in enumerate(model.state_names):
            if s == model.voltage:
                x[i] = rng.uniform(-80, 20) if abs(x0[i]) > 10 else rng.uniform(-2, 2)
            elif 0.0 <= x0[i] <= 1.0:
                x[i] = rng.uniform(0.05, 0.95)
            else:
                x[i] = x0[i] + rng.normal(scale=1.0 + abs(x0[i]) * 0.1)
        out.append(x)
    return out


def _fd_jac(f, x, h):
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h[j]
        cols.append((f(x + e) - f(x - e)) / (2 * h[j]))
    return np.array(cols).T


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_derivatives_against_central_differences(name):
    model = LIBRARY[name]()
    cm = model.compile()
    rng = np.random.default_rng(0)
    p = cm.param_vector()
    if "I" in model.params:
        p[cm.param_index("I")] = 3.0
    for x in _random_states(model, rng):
        h = 1e-5 * (1.0 + np.abs(x))
        J = cm.jac(x, p)
        np.testing.assert_allclose(J, _fd_jac(lambda y: cm.rhs(y, p), x, h), rtol=1e-6, atol=1e-8 * (1 + np.abs(J).max()))
        hp = 1e-5 * (1.0 + np.abs(p))
        Jp = np.array([(cm.rhs(x, p + e) - cm.rhs(x, p - e)) / (2 * hp[k])
                       for k, e in enumerate(np.diag(hp))]).T
        np.testing.assert_allclose(cm.dfdp(x, p), Jp, rtol=1e-6, atol=1e-8 * (1 + np.abs(Jp).max()))
        u, v, w = (rng.normal(size=x.size) * (1 + 0.01 * np.abs(x)) for _ in range(3))
        t = 1e-4
        d2_fd = (cm.jac(x + t * v, p) @ u - cm.jac(x - t * v, p) @ u) / (2 * t)
        d2 = cm.d2(x, p, u, v)
        np.testing.assert_allclose(d2, d2_fd, rtol=1e-5, atol=1e-7 * (1 + np.abs(d2_fd).max()))
        np.testing.assert_allclose(d2, cm.d2(x, p, v, u), rtol=1e-12, atol=1e-12)  # symmetric form
        d3_fd = (cm.d2(x + t * w, p, u, v) - cm.d2(x - t * w, p, u, v)) / (2 * t)
        d3 = cm.d3(x, p, u, v, w)
        np.testing.assert_allclose(d3, d3_fd, rtol=1e-5, atol=1e-7 * (1 + np.abs(d3_fd).max()))


@pytest.mark.parametrize("name", ["izh", "qif", "adex"])
def test_reset_functions(name):
    model = LIBRARY[name]()
    cm = model.compile()
    p = cm.param_vector()
    x = cm.init_vector() + 0.3
    h = 1e-6 * (1 + np.abs(x))
    np.testing.assert_allclose(cm.reset_dg(x, p), _fd_jac(lambda y: np.array([cm.reset_g(y, p)]), x, h)[0], rtol=1e-6)
    np.testing.assert_allclose(cm.reset_jac(x, p), _fd_jac(lambda y: cm.reset_apply(y, p), x, h), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_numba_and_numpy_backends_agree(name):
    model = LIBRARY[name]()
    a, b = model.compile("numba"), model.compile("numpy")
    rng = np.random.default_rng(1)
    p = a.param_vector()
    for x in _random_states(model, rng):
        u, v, w = (rng.normal(size=x.size) for _ in range(3))
        for fn, args in (("rhs", (x, p)), ("jac", (x, p)), ("dfdp", (x, p)), ("d2", (x, p, u, v)),
                         ("d3", (x, p, u, v, w))):
            np.testing.assert_allclose(getattr(a, fn)(*args), getattr(b, fn)(*args), rtol=1e-12, atol=1e-13)


def test_removable_singularities_are_finite_and_continuous():
    """HH's alpha_m and alpha_n are 0/0 at V = -40 and -55 mV: values and derivatives stay finite
    and equal the limits (the mean of the values at V*±1e-4, which is accurate to O(1e-8))."""
    cm = hodgkin_huxley().compile()
    p = cm.param_vector()
    for vstar in (-40.0, -55.0):
        x = np.array([vstar, 0.3, 0.4, 0.5])
        xl, xr = x.copy(), x.copy()
        xl[0] -= 1e-4
        xr[0] += 1e-4
        for fn in (cm.rhs, cm.jac):
            val = fn(x, p)
            assert np.all(np.isfinite(val))
            np.testing.assert_allclose(val, 0.5 * (fn(xl, p) + fn(xr, p)), rtol=1e-7, atol=1e-9)
        u = np.ones(4)
        assert np.all(np.isfinite(cm.d3(x, p, u, u, u)))
    # the raw expression really is 0/0 there
    model = hodgkin_huxley()
    V = model.symbol("V")
    raw = model.equations["m"].subs({V: -40, model.symbol("m"): 0.3, model.symbol("phi"): 1})
    assert raw.has(sympy.nan)


def test_param_vector_order_and_overrides():
    cm = hodgkin_huxley().compile()
    p = cm.param_vector({"I": 2.0}, gNa=100.0)
    assert p[cm.param_index("I")] == 2.0 and p[cm.param_index("gNa")] == 100.0
    assert list(cm.param_names) == list(hodgkin_huxley().param_names)


def test_compiled_code_is_cached_on_disk_across_processes(tmp_path):
    code = ("from bifur.models import fitzhugh_nagumo; cm = fitzhugh_nagumo().compile(); "
            "cm.rhs(cm.init_vector(), cm.param_vector()); print(int(cm.loaded_from_cache('rhs_t_into')))")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            for _ in range(2)]
    assert runs[0].stdout.strip() == "0"  # cold: compiled
    assert runs[1].stdout.strip() == "1"  # warm: loaded from numba's cache
    assert list(tmp_path.joinpath("bifur").glob("m_*_numba.py"))
