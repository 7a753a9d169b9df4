"""No code but bifur's own generator runs: cache squatting, tampered cache files, sympy injection.

Each attack plants code that would create a marker file if it ran; the tests assert that the
marker never appears, that bifur says what it refused, and that the model still works.
Attacks on the cache run in subprocesses with their own cache location and temporary directory.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from types import MappingProxyType

import numpy as np
import pytest
import sympy

import bifur
from bifur.errors import ModelError
from bifur.parse import sym

MODEL = "from bifur.models import fitzhugh_nagumo as make"


def _payload(marker) -> str:
    return f"import pathlib\npathlib.Path({str(marker)!r}).write_text('pwned')\n"


def _run(code: str, env: dict) -> subprocess.CompletedProcess:
    full = dict(os.environ)
    full.pop("BIFUR_CACHE_DIR", None)
    full.update(env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full, capture_output=True,
                          text=True, timeout=300)


def _predicted_name(tmp_path, env) -> str:
    """The generated module's file name as an attacker would predict it."""
    out = _run(f"""
        {MODEL}
        from bifur.codegen import generated_module_name
        print(generated_module_name(make(), "numpy"))
    """, env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip() + ".py"


USE = f"""
    import warnings, json
    warnings.simplefilter("always")
    {MODEL}
    import bifur.cache
    cm = make().compile(backend="numpy")
    x = cm.rhs(cm.init_vector(), cm.param_vector())
    print(json.dumps({{"dir": str(bifur.cache.chosen_dir()), "file": cm.path, "rhs": [float(v) for v in x]}}))
"""


def test_squatted_temporary_directory_is_never_used(tmp_path):
    """~/.cache unusable: the old fallback $TMPDIR/bifur-cache-<uid> is predictable; a planted module
    there must not run. bifur uses a fresh mkdtemp directory instead and warns."""
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {"XDG_CACHE_HOME": str(blocker / "cache"), "TMPDIR": str(tmpdir), "HOME": str(tmp_path)}
    name = _predicted_name(tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "other")})
    marker = tmp_path / "marker"
    squat = tmpdir / f"bifur-cache-{os.getuid()}"
    squat.mkdir(mode=0o777)
    os.chmod(squat, 0o777)
    (squat / name).write_text(_payload(marker))
    out = _run(USE, env)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert not marker.exists()
    assert "CacheWarning" in out.stderr and "private temporary directory" in out.stderr
    used = os.path.realpath(info["dir"])
    assert used != os.path.realpath(squat)
    assert os.stat(used).st_mode & 0o777 == 0o700


def test_cache_directory_writable_by_others_is_refused(tmp_path):
    cache = tmp_path / "cache"
    (cache / "bifur").mkdir(parents=True)
    os.chmod(cache / "bifur", 0o777)
    env = {"XDG_CACHE_HOME": str(cache), "TMPDIR": str(tmp_path)}
    name = _predicted_name(tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "other")})
    marker = tmp_path / "marker"
    (cache / "bifur" / name).write_text(_payload(marker))
    out = _run(USE, env)
    assert out.returncode == 0, out.stderr
    assert not marker.exists()
    assert "writable by group or others" in out.stderr
    assert os.path.realpath(json.loads(out.stdout.splitlines()[-1])["dir"]) != os.path.realpath(cache / "bifur")


def test_cache_directory_owned_by_another_user_is_refused(tmp_path):
    """Ownership is checked (simulated by making bifur believe it runs as another uid)."""
    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache), "TMPDIR": str(tmp_path)}
    out = _run(f"""
        import os, warnings
        warnings.simplefilter("always")
        os.makedirs({str(cache / 'bifur')!r}, mode=0o700)
        import bifur.cache
        bifur.cache._uid = lambda: os.getuid() + 1
        print(bifur.cache.cache_dir())
    """, env)
    assert out.returncode == 0, out.stderr
    assert "not by the current user" in out.stderr
    assert os.path.realpath(out.stdout.strip()) != os.path.realpath(cache / "bifur")


def test_tampered_cache_file_is_discarded_and_regenerated(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(tmp_path)}
    first = _run(USE, env)
    assert first.returncode == 0, first.stderr
    info = json.loads(first.stdout.splitlines()[-1])
    path = info["file"]
    marker = tmp_path / "marker"
    text = open(path).read()
    head, _, body = text.partition("\n")
    with open(path, "w") as fh:  # keep the old tag, change the code
        fh.write(head + "\n" + _payload(marker) + body)
    second = _run(USE, env)
    assert second.returncode == 0, second.stderr
    assert not marker.exists()
    assert "discarding the cache file" in second.stderr
    assert json.loads(second.stdout.splitlines()[-1])["rhs"] == info["rhs"]
    # a truncated file heals the same way
    with open(path, "w") as fh:
        fh.write(text[: len(text) // 2])
    third = _run(USE, env)
    assert third.returncode == 0 and "discarding the cache file" in third.stderr
    assert json.loads(third.stdout.splitlines()[-1])["rhs"] == info["rhs"]


def test_no_disk_cache_at_all_still_works(tmp_path):
    out = _run(USE, {"BIFUR_CACHE_DIR": "none", "TMPDIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout.splitlines()[-1])
    assert info["dir"] == "None" and info["file"].startswith("<bifur generated")


# -- sympy API injection ----------------------------------------------------------------------------

EVIL = "__import__('os').system('touch /tmp/bifur_pwned')"


@pytest.mark.parametrize("make", [
    lambda x: sympy.Sum(x, (sympy.Symbol(EVIL), 0, 3)),
    lambda x: sympy.Integral(x, (sympy.Symbol(EVIL), 0, 1)),
    lambda x: sympy.Product(x, (sympy.Symbol(EVIL), 1, 2)),
    lambda x: sympy.Subs(x + sympy.Symbol(EVIL), sympy.Symbol(EVIL), 1),
    lambda x: sympy.Function(EVIL)(x),
    lambda x: x + sympy.Dummy("d"),
    lambda x: sympy.Piecewise((x, x > 0), (0, True)),
    lambda x: sympy.Indexed(sympy.IndexedBase(EVIL), 0) + x,
    lambda x: x * sympy.I,
    lambda x: x * sympy.log(-2),
    lambda x: sympy.sqrt(-1) + x,
    lambda x: x + sympy.zoo,
])
def test_sympy_nodes_outside_the_allow_list_are_refused(make):
    x, a = sym("x"), sym("a")
    with pytest.raises(ModelError) as err:
        bifur.Model("evil", states={x: 0.1}, params={a: 1.0}, equations={x: make(x)})
    assert "x" in str(err.value) or "not" in str(err.value)
    assert not os.path.exists("/tmp/bifur_pwned")


def test_reset_expressions_are_validated_too():
    v, a = sym("v"), sym("a")
    with pytest.raises(ModelError):
        bifur.Model("evil", states={v: 0.0}, params={a: 1.0}, equations={v: a - v},
                    reset=bifur.Reset("v >= 1", {v: sympy.Sum(v, (sympy.Symbol(EVIL), 0, 2))}))


def test_code_generation_revalidates_a_model_changed_after_construction():
    """Even a Model whose validated equations were swapped afterwards cannot inject code."""
    x, a = sym("x"), sym("a")
    m = bifur.Model("swap", states={x: 0.1}, params={a: 1.0}, equations={x: a - x})
    m._equations = MappingProxyType({"x": sympy.Sum(x, (sympy.Symbol(EVIL), 0, 3))})  # the attack
    with pytest.raises(ModelError, match="not supported"):
        bifur.codegen._generate_source(m, "numpy")
    assert not os.path.exists("/tmp/bifur_pwned")


# -- any identifier is a usable name ------------------------------------------------------------------

def _agree(names: list[str], pnames: list[str], backends=("numpy", "numba")) -> None:
    text = "\n".join(f"d{s}/dt = {pnames[i % len(pnames)]}*{names[(i + 1) % len(names)]} - {s}**3 + exp(-{s})"
                     for i, s in enumerate(names))
    m = bifur.Model.from_text(text, params={p: 0.5 + 0.1 * k for k, p in enumerate(pnames)},
                              init={s: 0.1 * (k + 1) for k, s in enumerate(names)}, name="names", time_unit="1")
    x = np.linspace(0.2, 0.9, len(names))
    pv = np.array([0.5 + 0.1 * k for k in range(len(pnames))])
    expected = np.array([pv[i % len(pnames)] * x[(i + 1) % len(names)] - x[i] ** 3 + np.exp(-x[i])
                         for i in range(len(names))])
    for backend in backends:
        cm = m.compile(backend=backend)
        np.testing.assert_allclose(cm.rhs(x, pv), expected, rtol=1e-14)
        u = np.ones(len(names))
        d2 = cm.d2(x, pv, u, u)  # the directional forms use the generator's private names
        np.testing.assert_allclose(d2, -6 * x + np.exp(-x), rtol=1e-13)


def test_names_the_generator_used_internally_are_ordinary_model_names():
    """AUTO's own naming (u1, u2) and names of the generated code's locals all compile."""
    _agree(["u1", "u0", "v0", "w0", "x0", "out"], ["p", "t1", "cm", "math", "np", "x"])


def test_random_identifiers_compile_and_agree_with_closed_form():
    from hypothesis import given, settings, strategies as st

    ident = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
        lambda s: s not in bifur.parse.FUNCTIONS and s not in bifur.parse.CONSTANTS and s != "t"
        and not __import__("keyword").iskeyword(s))

    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(st.lists(ident, min_size=3, max_size=6, unique=True))
    def check(names):
        _agree(names[:2], names[2:], backends=("numpy",))  # the same source as numba compiles

    check()


def test_damaged_numba_cache_files_are_discarded_and_rebuilt(tmp_path):
    """numba unpickles its cache files: a damaged one used to fail every later run
    (UnpicklingError). Now it is deleted with a warning, recompiled, and cached again."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(tmp_path)}
    code = f"""
        import warnings
        warnings.simplefilter("always")
        {MODEL}
        cm = make().compile()
        x = cm.rhs(cm.init_vector(), cm.param_vector())
        print(int(cm.loaded_from_cache("rhs_t_into")), float(x[0]))
    """
    first = _run(code, env)
    assert first.returncode == 0, first.stderr
    pycache = tmp_path / "cache" / "bifur" / "__pycache__"
    damaged = list(pycache.glob("*.nb?"))
    assert damaged
    for f in damaged:
        f.write_bytes(f.read_bytes()[:50])
    second = _run(code, env)
    assert second.returncode == 0, second.stderr
    assert "discarding damaged numba cache files" in second.stderr
    assert second.stdout.split()[1] == first.stdout.split()[1]
    third = _run(code, env)
    assert third.returncode == 0 and "discarding" not in third.stderr
    assert third.stdout.split()[0] == "1"  # loaded from the rebuilt cache


def test_nowhere_writable_still_works(tmp_path):
    """Home, package directory and temporary directory all unusable: numba finds no place for
    its cache (simulated by removing its cache locators) and bifur none for generated code.
    `import bifur` must work, and so must a computation, with one-line warnings."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = """
        import warnings
        warnings.simplefilter("always")
        import numba.core.caching as caching
        caching.CacheImpl._locator_classes[:] = []
        import bifur
        from bifur.models import fitzhugh_nagumo
        [eq] = bifur.find_equilibria(fitzhugh_nagumo(), simulate_seed=False)  # (no integrator: 14 s less)
        print(round(float(eq.x[0]), 6))
    """
    out = _run(code, {"XDG_CACHE_HOME": str(blocker / "c"), "TMPDIR": str(blocker / "t"), "HOME": str(blocker)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "-1.199408"  # FitzHugh-Nagumo rest state (a=0.7, b=0.8, I=0)
    assert "nowhere to cache" in out.stderr
    assert "compiled in memory" in out.stderr or "private temporary directory" in out.stderr
