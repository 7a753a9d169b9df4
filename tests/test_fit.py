"""bifur.fit recovers known parameters: to 1e-6 from noise-free synthetic f-I / f-G data, and within the
reported uncertainty from noisy data, for Morris-Lecar and Wang-Buzsaki; multi-start through the sweep."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import bifur
from bifur.fit import fit, predict, synthetic_data
from bifur.models import morris_lecar, wang_buzsaki

ML_SPEC = ([("rate", "current", v) for v in (50.0, 70.0, 90.0, 110.0)]
           + [("rate", "conductance", v) for v in (1.0, 2.0, 3.0)]
           + [("rheobase", "current", None), ("block", "current", None), ("rheobase", "conductance", None),
              ("input_conductance", "current", None)])
ML_SETUP = dict(i_range=(0.0, 150.0), g_range=(0.0, 4.0))
ML_FREE = {"gCa": (3.0, 5.0), "gK": (6.0, 10.0), "gL": (1.0, 3.0)}

WB_SPEC = [("rate", "current", v) for v in (0.5, 1.0, 2.0, 4.0)] + [("rheobase", "current", None),
                                                                      ("input_conductance", "current", None)]
WB_SETUP = dict(i_range=(0.0, 5.0))
WB_FREE = {"gNa": (20.0, 50.0), "gK": (5.0, 15.0), "gL": (0.05, 0.2)}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        yield


def _sigmas(rows, rate, point, gin):
    for r in rows:
        r["sigma"] = {"rate": rate, "input_conductance": gin}.get(r["quantity"], point)
    return rows


@pytest.mark.parametrize("name", ["morris_lecar", "wang_buzsaki"])
def test_noise_free_data_give_the_true_parameters_to_1e_6(name):
    truth, spec, setup, free, start = {
        "morris_lecar": (morris_lecar("snic"), ML_SPEC, ML_SETUP, ML_FREE, dict(gCa=4.4, gK=7.5, gL=2.3)),
        "wang_buzsaki": (wang_buzsaki(), WB_SPEC, WB_SETUP, WB_FREE, dict(gNa=30.0, gK=10.0, gL=0.12)),
    }[name]
    data = synthetic_data(truth, spec, **setup)
    res = fit(truth.with_params(**start), data, list(free), bounds=free, **setup)
    assert res.success
    for k in free:
        assert res.params[k] == pytest.approx(truth.params[k], rel=1e-6)
    assert res.cost < 1e-12
    assert np.all(np.abs(res.table["residual"]) < 1e-6)


@pytest.mark.parametrize("name", ["morris_lecar", "wang_buzsaki"])
def test_noisy_data_give_the_true_parameters_within_the_reported_uncertainty(name):
    truth, spec, setup, free, start, sig = {
        "morris_lecar": (morris_lecar("snic"), ML_SPEC, ML_SETUP, ML_FREE, dict(gCa=4.4, gK=7.5, gL=2.3),
                         (0.5, 1.0, 0.02)),
        "wang_buzsaki": (wang_buzsaki(), WB_SPEC, WB_SETUP, WB_FREE, dict(gNa=30.0, gK=10.0, gL=0.12),
                         (1.0, 0.02, 0.002)),
    }[name]
    clean = _sigmas(synthetic_data(truth, spec, **setup), *sig)
    rng = np.random.default_rng(2024)
    noisy = [dict(r, value=r["value"] + rng.normal(0.0, r["sigma"])) for r in clean]
    res = fit(truth.with_params(**start), noisy, list(free), bounds=free, **setup)
    assert res.success
    for k in free:
        assert 0 < res.stderr[k] < abs(truth.params[k])
        assert abs(res.params[k] - truth.params[k]) <= 3.0 * res.stderr[k], (k, res.params[k], res.stderr[k])
    # the weighted residuals are of the size of the noise (reduced chi-squared of order 1)
    assert 0.05 < res.chi2_reduced < 5.0


def test_the_jacobian_of_the_predictions_is_exact():
    truth = morris_lecar("snic")
    rows = synthetic_data(truth, ML_SPEC, **ML_SETUP)
    names = list(ML_FREE)
    _, jac, _ = predict(truth, rows, None, names, **ML_SETUP)
    for j, k in enumerate(names):
        h = 1e-4 * truth.params[k]
        up, _, _ = predict(truth, rows, {k: truth.params[k] + h}, (), **ML_SETUP)
        dn, _, _ = predict(truth, rows, {k: truth.params[k] - h}, (), **ML_SETUP)
        fd = (up - dn) / (2 * h)
        np.testing.assert_allclose(jac[:, j], fd, rtol=1e-5, atol=1e-7)


def test_multistart_through_the_sweep_and_the_plot():
    truth = morris_lecar("snic")
    data = synthetic_data(truth, ML_SPEC[:4] + ML_SPEC[7:9], i_range=ML_SETUP["i_range"])
    free = {"gCa": (3.0, 5.0), "gL": (1.0, 3.0)}
    res = fit(truth.with_params(gCa=3.2, gL=2.9), data, list(free), bounds=free, starts=3, seed=1, workers=1,
              i_range=ML_SETUP["i_range"])
    assert len(res.starts) == 4 and set(res.starts["status"]) == {"ok"}   # the given start and three drawn
    assert res.params["gCa"] == pytest.approx(4.0, rel=1e-6) and res.params["gL"] == pytest.approx(2.0, rel=1e-6)
    import matplotlib
    matplotlib.use("Agg")
    axes = res.plot()
    assert len(axes) == 1 and len(axes[0].lines) > 3
    assert bifur.plot.plot_fit is bifur.plot_fit.plot_fit


# -- extra (user-supplied) residuals -----------------------------------------------------------------------------------
def _rest_voltage(model, params):
    """A characteristic outside the f-I quantities: the resting potential (a user function)."""
    return bifur.continue_equilibria(model, "I", (0.0, 1e-9), params=params).x[0, 0]


def test_extra_residuals_join_the_fit_with_their_own_scale():
    from bifur.fit import ExtraResidual
    truth = morris_lecar("snic")
    data = synthetic_data(truth, [("rheobase", "current", None)], i_range=ML_SETUP["i_range"])
    v_rest = _rest_voltage(truth, truth.params)
    extra = ExtraResidual("V_rest", _rest_voltage, v_rest, sigma=0.5)
    free = {"gCa": (3.0, 5.0), "gL": (1.0, 3.0)}   # two observations, two unknowns
    res = fit(truth.with_params(gCa=4.3, gL=1.8), data, list(free), bounds=free, extra=[extra],
              i_range=ML_SETUP["i_range"])
    assert res.params["gCa"] == pytest.approx(4.0, rel=1e-5) and res.params["gL"] == pytest.approx(2.0, rel=1e-5)
    row = res.table[res.table["quantity"] == "extra"].iloc[0]
    assert row["input"] == "V_rest" and row["sigma"] == 0.5
    assert row["predicted"] == pytest.approx(v_rest, abs=1e-4)
    # the scale enters the residual: (prediction - value)/sigma
    assert res.residuals[-1] == pytest.approx((row["predicted"] - v_rest) / 0.5)


def test_extra_residual_differences_match_the_function_and_failures_give_fail_value():
    from bifur.fit import ExtraResidual
    m = morris_lecar("snic")
    quad = ExtraResidual("q", lambda model, p: [p["gCa"] ** 2, p["gCa"] * p["gL"]], [0.0, 0.0], sigma=[1.0, 2.0])
    v, j = quad.evaluate(m, dict(m.params), ["gCa", "gL"])
    np.testing.assert_allclose(v, [16.0, 8.0])
    np.testing.assert_allclose(j, [[8.0, 0.0], [2.0, 4.0]], rtol=1e-6)
    # one-sided at a bound
    _, j = quad.evaluate(m, dict(m.params), ["gCa"], bounds={"gCa": (4.0, 5.0)})
    assert j[0, 0] == pytest.approx(8.0, rel=1e-3)
    # an exact jacobian replaces the differences
    exact = ExtraResidual("e", lambda model, p: p["gL"], 0.0, jacobian=lambda model, p, wrt: [[7.0]])
    assert exact.evaluate(m, dict(m.params), ["gL"])[1][0, 0] == 7.0

    def fails(model, p):
        raise RuntimeError("no cycle")
    bad = ExtraResidual("bad", fails, 1.0, sigma=0.1)
    assert bad.evaluate(m, dict(m.params))[0][0] == pytest.approx(2.0)   # value + 10 sigma
    with pytest.raises(ValueError):
        ExtraResidual("s", fails, 1.0, sigma=0.0).sigmas
    with pytest.raises(ValueError):   # wrong length
        ExtraResidual("w", lambda model, p: [1.0, 2.0], 1.0).evaluate(m, dict(m.params))


def test_a_fit_of_extra_residuals_only():
    truth = morris_lecar("snic")
    extra = {"name": "V_rest", "function": _rest_voltage, "value": _rest_voltage(truth, truth.params), "sigma": 1.0}
    res = fit(truth.with_params(gL=1.7), [], ["gL"], bounds={"gL": (1.0, 3.0)}, extra=[extra])
    assert res.params["gL"] == pytest.approx(2.0, rel=1e-5)
    assert res.table["quantity"].tolist() == ["extra"]
