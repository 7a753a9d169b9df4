"""The audit's hostile inputs, each ending in a clear error, a correct answer or a documented
status within bounded time and memory (probes that could hang run in a subprocess with a
time limit).
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

import bifur
import bifur.branch_io
from bifur import Model, ModelError
from bifur.models import fitzhugh_nagumo, hodgkin_huxley


def _run(code: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


# -- model text: bounded work, clear errors -----------------------------------------------------
HOSTILE_TEXT = {
    "tower of powers": "dx/dt = 10**10**10 - x",
    "taller tower": "dx/dt = 9**9**9**9 - x",
    "huge power": "dx/dt = 2**10**8 + x",
    "pow function": "dx/dt = pow(10, 10**10) - x",
    "5000-digit literal": "dx/dt = 1" + "0" * 5000 + " - x",
    "200 nested parentheses": "dx/dt = " + "(" * 200 + "x" + ")" * 200,
    "nested calls": "dx/dt = " + "exp(" * 150 + "x" + ")" * 150,
    "Arabic-Indic digits": "dx/dt = \u0661\u0662 - x",
    "full-width digits": "dx/dt = \uff11 - x",
    "doubling definitions": "\n".join(["a0 = x"] + [f"a{i} = a{i - 1}*(a{i - 1} + 1)" for i in range(1, 41)]
                                      + ["dx/dt = a40"]),
    "log of a negative constant": "dx/dt = log(-2)*x",
    "sqrt(-1)": "dx/dt = sqrt(-1) + x",
    "overflowing float": "dx/dt = 1e308*10 - x",
}


@pytest.mark.parametrize("what", sorted(HOSTILE_TEXT))
def test_hostile_model_text_is_refused_quickly(what):
    t0 = time.perf_counter()
    with pytest.raises(ModelError) as err:
        Model.from_text(HOSTILE_TEXT[what], params={}, init={"x": 0.0}, time_unit="1")
    assert time.perf_counter() - t0 < 2.0
    assert "line" in str(err.value) or "equation" in str(err.value)
    assert len(str(err.value)) < 600  # the message quotes the text only in part


def test_many_unary_minus_signs_parse_without_recursion():
    m = Model.from_text("dx/dt = " + "-" * 10_000 + "x", params={}, init={"x": 0.0}, time_unit="1")
    assert m.equations["x"] == m.symbol("x")  # an even number of signs


def test_parse_time_is_linear_in_the_number_of_terms():
    def build(n):
        text = "dx/dt = " + " + ".join(f"c{i}*x**{i % 7}" for i in range(n))
        t0 = time.perf_counter()
        Model.from_text(text, params={f"c{i}": 1.0 for i in range(n)}, init={"x": 0.0}, time_unit="1")
        return time.perf_counter() - t0
    small, large = build(1000), build(8000)
    assert large < 20 * small + 0.5  # linear: 8x the terms, far from the 64x of a quadratic parser
    assert large < 15.0


def test_hostile_text_cannot_hang_in_a_subprocess():
    """The worst probes in a fresh process under a time limit (they used to need SIGKILL)."""
    out = _run("""
        import bifur
        for text in ["dx/dt = 10**10**10 - x", "dx/dt = 9**9**9**9 - x"]:
            try:
                bifur.Model.from_text(text, {}, {"x": 0.0}, time_unit="1")
            except bifur.ModelError as e:
                print("refused")
    """, timeout=60)
    assert out.stdout.split() == ["refused", "refused"]


# -- solver settings ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [dict(rtol=0.0, atol=0.0), dict(rtol=math.nan), dict(max_step=math.nan),
                                    dict(rtol=-1.0, atol=-1.0), dict(rtol=1e-20), dict(max_steps=0),
                                    dict(dt=-1.0), dict(threshold=math.nan)])
def test_invalid_tolerances_and_steps_are_refused(kwargs):
    with pytest.raises(ValueError):
        bifur.simulate(hodgkin_huxley(), 10.0, **kwargs)


@pytest.mark.parametrize("kwargs", [dict(newton_tol=0.0), dict(ds_max=-1.0), dict(max_steps=0),
                                    dict(locate_tol=math.nan), dict(shrink=1.5), dict(direction="up")])
def test_invalid_continuation_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        bifur.ContinuationSettings(**kwargs)


def test_final_state_is_at_t_end_whatever_the_output_grid():
    tr = bifur.simulate(hodgkin_huxley(), 10.05, params={"I": 10.0}, dt=0.1)
    assert tr.t[-1] == pytest.approx(10.0)
    ref = bifur.simulate(hodgkin_huxley(), 10.05, params={"I": 10.0})
    assert ref.t[-1] == 10.05
    np.testing.assert_allclose(tr.final_state, ref.final_state, rtol=1e-6)


@pytest.mark.parametrize("ntst", [0, 1, 10 ** 6, 2.5])
def test_invalid_or_huge_meshes_are_refused_before_allocating(ntst):
    hh = hodgkin_huxley()
    [h1, _] = bifur.continue_equilibria(hh, "I", (0.0, 200.0)).special("H")
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="ntst"):
        bifur.continue_cycles(hh, h1, "I", (0.0, 200.0), ntst=ntst)
    assert time.perf_counter() - t0 < 1.0


# -- branch files ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fhn_file(tmp_path_factory):
    br = bifur.continue_equilibria(fitzhugh_nagumo(), "I", (0.0, 2.0))
    return br, br.save(tmp_path_factory.mktemp("br") / "fhn")


def _rewrite(src, dst, change_meta=None, drop=None, extra=None):
    with np.load(src, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files if k != drop}
    meta = json.loads(str(arrays["__meta__"]))
    if change_meta:
        change_meta(meta)
    arrays["__meta__"] = np.array(json.dumps(meta))
    arrays.update(extra or {})
    np.savez(dst, **arrays)
    return dst


def test_branch_file_with_a_hostile_equation_is_refused_quickly(fhn_file, tmp_path):
    def evil(meta):
        meta["model"]["equations"]["v"] = "10**10**10 - v"
    path = _rewrite(fhn_file[1], tmp_path / "evil.npz", evil)
    t0 = time.perf_counter()
    with pytest.raises(ModelError, match="constant power"):
        bifur.load_branch(path)
    assert time.perf_counter() - t0 < 2.0


def test_branch_file_with_another_model_attached_is_refused(fhn_file, tmp_path):
    from bifur.serialize import model_to_dict

    def swap(meta):
        meta["model"] = model_to_dict(hodgkin_huxley())
    with pytest.raises(ModelError, match="states"):
        bifur.load_branch(_rewrite(fhn_file[1], tmp_path / "swap.npz", swap))


@pytest.mark.parametrize("damage", ["truncated", "not a zip", "no header", "bad header", "short x",
                                    "bad status", "deep nesting"])
def test_malformed_branch_files_raise_model_error(fhn_file, tmp_path, damage):
    src = fhn_file[1]
    dst = tmp_path / f"{damage.replace(' ', '_')}.npz"
    if damage == "truncated":
        dst.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    elif damage == "not a zip":
        dst.write_text("hello")
    elif damage == "no header":
        with np.load(src) as f:
            np.savez(dst, **{k: f[k] for k in f.files if k != "__meta__"})
    elif damage == "bad header":
        _rewrite(src, dst, lambda m: m.pop("special_points"))
    elif damage == "short x":
        _rewrite(src, dst, extra={"x": np.zeros((3, 2))})
    elif damage == "bad status":
        _rewrite(src, dst, lambda m: m["status"].update(code="nonsense"))
    elif damage == "deep nesting":  # a header json.loads cannot read without deep recursion
        with np.load(src) as f:
            arrays = {k: f[k] for k in f.files}
        text = str(arrays["__meta__"])
        arrays["__meta__"] = np.array(text[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}")
        np.savez(dst, **arrays)
    with pytest.raises(ModelError):
        bifur.load_branch(dst)


def test_oversized_members_are_refused_without_reading_them(fhn_file, tmp_path):
    big = tmp_path / "big.npz"
    with zipfile.ZipFile(fhn_file[1]) as z, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info, z.read(info))
        out.writestr("a_huge.npy", b"\0" * (3 * 2 ** 20))  # compresses to almost nothing
    old = bifur.branch_io.MAX_MEMBER_BYTES
    bifur.branch_io.MAX_MEMBER_BYTES = 2 ** 20
    try:
        with pytest.raises(ModelError, match="refusing"):
            bifur.load_branch(big)
    finally:
        bifur.branch_io.MAX_MEMBER_BYTES = old


# -- interrupts ----------------------------------------------------------------------------------------
INTERRUPT = """
import os, signal, threading, time, bifur
from bifur.models import hodgkin_huxley
hh = hodgkin_huxley()
{prepare}
def fire():
    time.sleep({delay})
    t_sent[0] = time.perf_counter()
    os.kill(os.getpid(), signal.SIGINT)
t_sent = [0.0]
threading.Thread(target=fire, daemon=True).start()
try:
    {call}
    print("finished")
except bifur.Interrupted as e:
    print("interrupted", time.perf_counter() - t_sent[0], len(e.result), e.result.status.code.value)
except KeyboardInterrupt:
    print("keyboard", time.perf_counter() - t_sent[0])
"""


def test_ctrl_c_stops_a_long_continuation_within_a_second_and_keeps_the_branch():
    code = INTERRUPT.format(
        prepare='h1 = bifur.continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]\n'
                'st = bifur.ContinuationSettings(ds_max=1e-3, max_steps=10**6)',
        delay=3.0, call='bifur.continue_cycles(hh, h1, "I", (0.0, 200.0), settings=st)')
    out = _run(code, timeout=300)
    words = out.stdout.split()
    assert words[0] == "interrupted", out.stdout + out.stderr
    assert float(words[1]) < 1.0 and int(words[2]) > 10 and words[3] == "interrupted"


def test_ctrl_c_stops_a_long_simulation_within_a_second():
    code = INTERRUPT.format(prepare="bifur.simulate(hh, 1.0)", delay=2.0,
                            call='bifur.simulate(hh, 1e9, params={"I": 10.0}, max_steps=10**12)')
    out = _run(code, timeout=300)
    words = out.stdout.split()
    assert words[0] == "interrupted", out.stdout + out.stderr
    assert float(words[1]) < 1.0 and words[3] == "interrupted"  # with the trajectory so far


# -- no crossing lost on a large model ---------------------------------------------------------------
def _ring(n: int, a=0.7, b=0.8, eps=0.08, D=0.2) -> Model:
    lines = []
    for i in range(n):
        left, right = (i - 1) % n, (i + 1) % n
        lines.append(f"dv{i}/dt = v{i} - v{i}**3/3 - w{i} + I + D*(v{left} - 2*v{i} + v{right})")
        lines.append(f"dw{i}/dt = eps*(v{i} + a - b*w{i})")
    init = {**{f"v{i}": -1.2 for i in range(n)}, **{f"w{i}": -0.62 for i in range(n)}}
    return Model.from_text("\n".join(lines), params=dict(I=0.0, a=a, b=b, eps=eps, D=D), init=init,
                           name=f"fhn_ring_{n}", time_unit="1")


def test_ring_of_fitzhugh_nagumo_units_loses_no_hopf_crossing():
    """A ring of n = 20 diffusively coupled FHN units: the homogeneous equilibrium (v, w) has, for
    each Fourier mode k, the Jacobian [[1 - v² - 4D sin²(πk/n), -1], [eps, -eps b]], so mode k
    has a Hopf point where 1 - v² - 4D sin²(πk/n) - eps b = 0, at I = -(v - v³/3 - (v + a)/b).
    Modes k and n - k are the same: their pairs cross together (a double Hopf point the
    bialternate test function cannot see), except k = 0 and n/2."""
    n, a, b, eps, D = 20, 0.7, 0.8, 0.08, 0.2
    expected = []
    for k in range(n // 2 + 1):
        s = 1 - eps * b - 4 * D * math.sin(math.pi * k / n) ** 2
        for v in (-math.sqrt(s), math.sqrt(s)) if s > 0 else ():
            current = -(v - v ** 3 / 3 - (v + a) / b)
            if 0.0 <= current <= 1.0:
                expected.append((current, 1 if k in (0, n // 2) else 2))
    br = bifur.continue_equilibria(_ring(n), "I", (0.0, 1.0))
    found = sorted((h.param, h.data.get("multiplicity", 1)) for h in br.special("H"))
    expected.sort()
    assert len(found) == len(expected) == 13
    np.testing.assert_allclose([f[0] for f in found], [e[0] for e in expected], rtol=1e-8)
    assert [f[1] for f in found] == [e[1] for e in expected]
    assert not any(d.severity == "warning" for d in br.diagnostics)
    # and every change of the number of unstable eigenvalues is at one of them
    changes = np.flatnonzero(np.diff(br["n_unstable"]) != 0)
    for i in changes:
        assert any(min(br.param[i], br.param[i + 1]) - 1e-9 <= h <= max(br.param[i], br.param[i + 1]) + 1e-9
                   for h, _ in found)
