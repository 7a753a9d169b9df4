"""Code generation: sympy model -> Python source -> numba functions, cached by model hash.

Layers (as in Brian2):

1. :mod:`bifur.symbolic` prepares expressions (removable singularities, derivatives);
2. this module prints them, after common-subexpression elimination, as the source
   of a small Python module, written to the cache directory (signed, see :mod:`bifur.cache`);
3. the module is imported; with ``backend="numba"`` each function ``f`` gets a pointer adapter
   ``_c_f`` which :class:`~bifur.compiled_model.CompiledModel` compiles, when first used, into a
   C-callable function (``numba.cfunc(cache=True)``), so a second process loads machine code
   from numba's cache, and even the sympy step is skipped because the source file is there.

Numerical kernels (integrators, collocation, ...) live in bifur's own modules, are compiled
once per installation and take the addresses of a model's functions (:mod:`bifur._fnptr`):
nothing but the model's own functions is compiled per model.
"""
from __future__ import annotations

import hashlib
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any, Mapping

import sympy
from sympy.printing.pycode import PythonCodePrinter

from . import _checks, _messages
from .cache import cache_dir, chosen_dir, heal_numba_cache, read_verified, write_signed
from .errors import ModelError
from .compiled_model import KERNEL_MODULES, MODEL_FUNCTIONS, CompiledModel, array_shape
from .model import Model, check_nodes
from .parse import sym
from .symbolic import ExprelD, derivative_forms, remove_singularities

__all__ = ["CompiledModel", "compile_model", "cache_dir", "generated_module_name", "KERNEL_MODULES",
           "MODEL_FUNCTIONS"]

_lock = threading.Lock()
_memory: dict[tuple[str, str, str], Any] = {}
_memo: dict[str, str] = {}


class _Printer(PythonCodePrinter):
    """Prints sympy expressions with states as x[i], parameters as p[j].

    Every symbol must be in ``names`` (the model's states, parameters and t, and the
    generator's own private ``_``-prefixed symbols); anything else is refused rather than
    printed verbatim, so no name from a model reaches the generated source.
    """

    def __init__(self, names: Mapping[str, str]):
        super().__init__({"fully_qualified_modules": True, "standard": "python3"})
        self._names = names

    def _print_Symbol(self, expr):
        if expr.name in self._names:
            return self._names[expr.name]
        if expr.name.startswith("_c") and expr.name[2:].isdigit():  # common subexpressions
            return expr.name
        raise ModelError(f"code generation met the symbol {expr.name!r}, which is neither a state, a "
                         "parameter nor t")

    def _print_not_supported(self, expr):
        raise ModelError(f"code generation does not support {type(expr).__name__}: {expr}")

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_ExprelD(self, expr):
        k, z = expr.args
        # k stays a literal: numba compiles exprel_d for it, with its series and recurrence unrolled
        # (a runtime k makes Hodgkin-Huxley's right-hand side, hence its simulations, ~20 % slower)
        return f"_exprel_d({int(k)}, {self._print(z)})"

    def _print_Heaviside(self, expr):
        return f"_heaviside({self._print(expr.args[0])})"

    def _print_DiracDelta(self, expr):
        return "0.0"

    def _print_sign(self, expr):
        return f"_sign({self._print(expr.args[0])})"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"


def _body(printer: _Printer, targets: list[str], exprs: list[sympy.Expr], fill: str | None = None) -> list[str]:
    """Indented lines assigning CSE-reduced expressions to targets ('return' allowed); ``fill`` is
    zeroed first and its zero entries are not written."""
    keep = [(t, e) for t, e in zip(targets, exprs) if not (e == 0 and fill is not None)]
    lines = [f"    {fill}[:] = 0.0"] if fill is not None else []
    if keep:
        repl, reduced = sympy.cse([e for _, e in keep], symbols=sympy.numbered_symbols("_c"), order="none")
        lines += [f"    {s} = {printer.doprint(e)}" for s, e in repl]
        for (t, _), e in zip(keep, reduced):
            lines.append(f"    return {printer.doprint(e)}" if t == "return" else f"    {t} = {printer.doprint(e)}")
    return lines or ["    return None"]


#: Argument names of the generated functions, by kind (see :data:`MODEL_FUNCTIONS`).
_ARG_NAMES = {"t": "t", "x": "x", "p": "p", "u": "u", "v": "v", "w": "w", "o": "out", "J": "out", "P": "out",
              "g": "out", "Y": "y"}


def _functions(name: str, body: list[str], n: int, m: int, deco: str, t_value: str | None = None) -> list[str]:
    """The generated function ``name`` and, for the numba backend, its C-callable adapter ``_c_name``.

    The adapter receives arrays as data pointers and views them with their shapes (``_carray``); it
    carries the body itself rather than calling ``name``, so that compiling it is one numba compilation,
    not three (measured on Hodgkin-Huxley: rhs, Jacobian and parameter derivatives of a new model
    compile in 0.76 s instead of 1.14 s). ``t_value`` binds ``t`` for the autonomous forms
    (``rhs_into``, ``jac_into``), whose bodies are those of the time-dependent ones.
    """
    kinds = MODEL_FUNCTIONS[name]
    args = ", ".join(_ARG_NAMES[k] for k in kinds)
    pre = [f"    t = {t_value}"] if t_value is not None else []
    out = [f"{deco}\ndef {name}({args}):\n" + "\n".join(pre + body) if deco
           else f"def {name}({args}):\n" + "\n".join(pre + body)]
    if deco:
        ptrs = [f"a{i}" for i in range(len(kinds))]
        views = [f"    {_ARG_NAMES[k]} = {a}" if k == "t" else
                 f"    {_ARG_NAMES[k]} = _carray({a}, {array_shape(k, n, m)}, dtype=np.float64)"
                 for a, k in zip(ptrs, kinds)]
        out.append(f"def _c_{name}({', '.join(ptrs)}):\n" + "\n".join(views + pre + body))
    return out


def _dependency_files() -> list[Path]:
    """Source files that generated code depends on: this generator, the symbolic layer, the parser
    and the runtime helpers it calls (bifur's kernels are not part of it: they are compiled apart
    and call model functions by address)."""
    here = Path(__file__).resolve().parent
    return sorted({here / "codegen.py", here / "symbolic.py", here / "_runtime.py", here / "parse.py"})


def _generator_hash() -> str:
    """Hash of everything generated code depends on (the files above, numba's version)."""
    if "generator" not in _memo:
        import numba
        h = hashlib.sha256()
        for f in _dependency_files():
            h.update(f.name.encode())
            h.update(f.read_bytes())
        h.update(numba.__version__.encode())
        _memo["generator"] = h.hexdigest()
    return _memo["generator"]


def _symbol_names(model: Model) -> dict[str, str]:
    """How each symbol is printed: states x[i], parameters p[j], time t, and the generator's own
    direction vectors ``_u{i}``, ``_v{i}``, ``_w{i}`` (a leading underscore, which no model name
    may have, keeps them apart from the model's names)."""
    n = model.n_states
    names = {"t": "t"}
    names.update({s: f"x[{i}]" for i, s in enumerate(model.state_names)})
    names.update({s: f"p[{j}]" for j, s in enumerate(model.param_names)})
    for d in "uvw":
        names.update({f"_{d}{i}": f"{d}[{i}]" for i in range(n)})
    return names


def _bodies(model: Model, part: str, pr: _Printer) -> dict[str, list[str]]:
    """Bodies of the generated functions of one part ("core" or "forms", see :data:`FORM_FUNCTIONS`)."""
    states = [sym(n) for n in model.state_names]
    params = [sym(n) for n in model.param_names]
    n, m = len(states), len(params)
    f = [remove_singularities(model.equations[s], states) for s in model.state_names]
    forms = derivative_forms(f, states, params)
    idx2 = [f"out[{i}, {j}]" for i in range(n) for j in range(n)]
    idxp = [f"out[{i}, {j}]" for i in range(n) for j in range(m)]
    outs = [f"out[{i}]" for i in range(n)]
    if part == "forms":
        return {"d2_into": _body(pr, outs, forms.d2, fill="out"), "d3_into": _body(pr, outs, forms.d3, fill="out")}
    bodies = {"rhs_t_into": _body(pr, outs, forms.f, fill="out"),
              "jac_t_into": _body(pr, idx2, [e for r in forms.jac for e in r], fill="out"),
              "dfdp_into": _body(pr, idxp, [e for r in forms.dfdp for e in r], fill="out")}
    bodies["rhs_into"], bodies["jac_into"] = bodies["rhs_t_into"], bodies["jac_t_into"]
    r = model.reset
    if r is None:
        bodies["reset_g"] = ["    return -1.0"]
        bodies.update({nm: ["    out[:] = 0.0"] for nm in ("reset_dg_into", "reset_apply_into", "reset_jac_into",
                                                           "reset_dgdp_into", "reset_dRdp_into")})
        return bodies
    g = remove_singularities(r.g, states)
    new = [remove_singularities(r.new_values.get(s, sym(s)), states) for s in model.state_names]
    bodies.update({
        "reset_g": _body(pr, ["return"], [g]),
        "reset_dg_into": _body(pr, outs, [g.diff(s) for s in states], fill="out"),
        "reset_apply_into": _body(pr, outs, new, fill="out"),
        "reset_jac_into": _body(pr, idx2, [e.diff(s) for e in new for s in states], fill="out"),
        "reset_dgdp_into": _body(pr, [f"out[{j}]" for j in range(m)], [g.diff(q) for q in params], fill="out"),
        "reset_dRdp_into": _body(pr, idxp, [e.diff(q) for e in new for q in params], fill="out")})
    return bodies


def _variational(n: int, m: int, deco: str) -> list[str]:
    """The variational system y = (x, Phi = dx/dx0, Phi_p = dx/dp), flattened, for reset maps (core part)."""
    src = [f"""{deco}
def var_rhs_t_into(t, y, p, out):
    x = y[:{n}]
    f = np.empty({n})
    rhs_t_into(t, x, p, f)
    J = np.empty(({n}, {n}))
    jac_t_into(t, x, p, J)
    Fp = np.empty(({n}, {m}))
    dfdp_into(x, p, Fp)
    Phi = y[{n}:{n + n * n}].reshape(({n}, {n}))
    Phip = y[{n + n * n}:].reshape(({n}, {m}))
    out[:{n}] = f
    out[{n}:{n + n * n}] = (J @ Phi).reshape({n * n})
    out[{n + n * n}:] = (J @ Phip + Fp).reshape({n * m})"""]
    if deco:
        shape = array_shape("Y", n, m)
        src.append(f"def _c_var_rhs_t_into(a0, a1, a2, a3):\n    y = _carray(a1, {shape}, dtype=np.float64)"
                   f"\n    p = _carray(a2, {(m,)}, dtype=np.float64)\n    out = _carray(a3, {shape}, "
                   "dtype=np.float64)\n    var_rhs_t_into(a0, y, p, out)")
    return src


def _allocating_wrappers(n: int, m: int, part: str) -> list[str]:
    """Plain-Python public functions returning new arrays (numpy backend)."""
    alloc = {"rhs_t": ("t, x, p", f"np.empty({n})", "rhs_t_into(t, x, p, out)"),
             "rhs": ("x, p", f"np.empty({n})", "rhs_t_into(0.0, x, p, out)"),
             "jac_t": ("t, x, p", f"np.empty(({n}, {n}))", "jac_t_into(t, x, p, out)"),
             "jac": ("x, p", f"np.empty(({n}, {n}))", "jac_t_into(0.0, x, p, out)"),
             "dfdp": ("x, p", f"np.empty(({n}, {m}))", "dfdp_into(x, p, out)"),
             "reset_dg": ("x, p", f"np.empty({n})", "reset_dg_into(x, p, out)"),
             "reset_apply": ("x, p", f"np.empty({n})", "reset_apply_into(x, p, out)"),
             "reset_jac": ("x, p", f"np.empty(({n}, {n}))", "reset_jac_into(x, p, out)"),
             "reset_dgdp": ("x, p", f"np.empty({m})", "reset_dgdp_into(x, p, out)"),
             "reset_dRdp": ("x, p", f"np.empty(({n}, {m}))", "reset_dRdp_into(x, p, out)")}
    if part == "forms":
        alloc = {"d2": ("x, p, u, v", f"np.empty({n})", "d2_into(x, p, u, v, out)"),
                 "d3": ("x, p, u, v, w", f"np.empty({n})", "d3_into(x, p, u, v, w, out)")}
    return [f"def {fname}({args}):\n    out = {make}\n    {call}\n    return out"
            for fname, (args, make, call) in alloc.items()]


def _generate_source(model: Model, backend: str, cache: bool = True, part: str = "core") -> str:
    """Source of one part of a model's generated module: "core" (everything but the directional
    forms) or "forms" (:data:`FORM_FUNCTIONS`, generated on first use)."""
    check_nodes(model)  # re-validate what reaches the printer, whatever built the model
    n, m = model.n_states, len(model.param_names)
    pr = _Printer(_symbol_names(model))
    # bodies are compiled into their C-callable adapters, which numba caches
    deco = "@_njit(error_model='numpy')" if backend == "numba" else ""
    src = [f"# Generated by bifur for model {model.name!r} ({part}); structure hash {model.structure_hash}.",
           "# Do not edit: regenerated from the model when missing.",
           "import math", "import numpy as np"]
    if backend == "numba":
        src += ["from numba import carray as _carray, njit as _njit",
                "from bifur._runtime import exprel_d as _exprel_d, heaviside as _heaviside, sign as _sign"]
    else:
        src += ["from bifur._runtime import exprel_d as _nb_exprel_d, heaviside as _nb_heaviside, sign as _nb_sign",
                "_exprel_d, _heaviside, _sign = _nb_exprel_d.py_func, _nb_heaviside.py_func, _nb_sign.py_func"]
    src += [f"N_STATES = {n}", f"N_PARAMS = {m}", f"HAS_RESET = {model.reset is not None}", f"CACHE = {cache}"]
    for name, body in _bodies(model, part, pr).items():
        src += _functions(name, body, n, m, deco, t_value="0.0" if name in ("rhs_into", "jac_into") else None)
    if part == "core":
        src += _variational(n, m, deco)
    if backend != "numba":
        src += _allocating_wrappers(n, m, part)
    return "\n\n".join(src) + "\n"


def _install_locator() -> None:
    """Make numba keep the machine code of generated modules in the verified cache directory.

    numba would otherwise follow ``NUMBA_CACHE_DIR`` (often a shared path such as /tmp) for
    them too, and it unpickles what it finds there. Only files inside bifur's own cache
    directory are affected; if numba's locator list is not where this numba version keeps
    it, generated modules are compiled without numba's disk cache instead.
    """
    if "locator" in _memo:
        return
    try:
        from numba.core.caching import CacheImpl, InTreeCacheLocator

        class _GeneratedCodeLocator(InTreeCacheLocator):
            @classmethod
            def from_function(cls, py_func, py_file):
                here = chosen_dir()
                if here is None or Path(py_file).resolve().parent != here.resolve():
                    return None
                return super().from_function(py_func, py_file)

        locators = CacheImpl._locator_classes
        if not isinstance(locators, list):
            raise TypeError("unexpected numba version")
        locators.insert(0, _GeneratedCodeLocator)
        _memo["locator"] = "bifur"
    except (ImportError, AttributeError, TypeError):
        _memo["locator"] = "none"


def _exec_module(source: str, filename: str, modname: str) -> types.ModuleType:
    """Run generated source as a module. The text executed is the one just verified (or just
    generated): the file is not read again, so nothing can swap it in between."""
    module = types.ModuleType(modname)
    module.__file__ = filename
    module.__bifur_source__ = source
    code = compile("\n" + source, filename, "exec")  # line numbers as in the file (after its tag line)
    sys.modules[modname] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - bifur's own generated source, never model text
    except BaseException:
        sys.modules.pop(modname, None)
        raise
    return module


def generated_module_name(model: Model, backend: str, part: str = "core") -> str:
    """File stem of a model's generated module in the cache (model structure, generator version, backend,
    and ``_forms`` for the part holding :data:`FORM_FUNCTIONS`)."""
    return f"m_{model.structure_hash[:24]}_{_generator_hash()[:12]}_{backend}" + ("_forms" if part == "forms" else "")


def _module_for(model: Model, backend: str, part: str = "core"):
    """The generated module of one part of a model (from memory, the verified disk cache, or generated),
    and the seconds it took."""
    key = (model.structure_hash, backend, part)
    with _lock:
        if key in _memory:
            return _memory[key], 0.0
        t0 = time.perf_counter()
        stem = generated_module_name(model, backend, part)
        _messages.name_module(f"bifur_generated.{stem}", model.name)  # numba's first-use compiles get a note too
        _install_locator()
        directory = cache_dir() if _memo["locator"] == "bifur" or backend != "numba" else None
        if directory is None:
            source = _generate_source(model, backend, cache=False, part=part)
            module = _exec_module(source, f"<bifur generated {stem}>", f"bifur_generated.{stem}")
        else:
            path = directory / f"{stem}.py"
            source = read_verified(path)
            if source is None:
                source = _generate_source(model, backend, part=part)
                write_signed(path, source)
            module = _exec_module(source, str(path), f"bifur_generated.{stem}")
            if backend == "numba":  # after the module exists (its cached functions refer to it), before any call
                heal_numba_cache(directory, stem)
        _memory[key] = module
        return module, time.perf_counter() - t0


def compile_model(model: Model, backend: str = "numba") -> CompiledModel:
    """Compile a model (cached in memory by structure hash and on disk).

    Parameters
    ----------
    model : Model
    backend : {"numba", "numpy"}
        "numba" compiles every function with ``njit(cache=True)``; "numpy" runs the same
        generated source as plain Python (for checking and debugging).

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> cm = compile_model(hodgkin_huxley(), backend="numpy")
    >>> float(cm.rhs(cm.init_vector(V=-40.0), cm.param_vector())[1]) > 0
    True
    """
    if not isinstance(model, Model):
        raise ModelError(f"expected a bifur.Model, got {type(model).__name__}")
    if backend not in ("numba", "numpy"):
        raise ModelError(f"backend must be 'numba' or 'numpy', got {backend!r}")
    module, seconds = _memory.get((model.structure_hash, backend, "core")), 0.0
    if module is None:
        with _messages.compiling(model.name):  # a one-line note when generating the module takes over a second
            module, seconds = _module_for(model, backend)

    def forms():
        cached = _memory.get((model.structure_hash, backend, "forms"))
        if cached is not None:
            return cached
        with _messages.compiling(model.name):
            return _module_for(model, backend, "forms")[0]
    return CompiledModel(model, backend, module, seconds, forms)
