"""The compiled form of a model: its fast functions, their addresses, and kernels bound to them.

:mod:`bifur.codegen` writes a model's functions as a small generated module. With the numba
backend each function ``f`` there also has a pointer adapter ``_c_f`` (arrays as data pointers),
and :meth:`CompiledModel.address` compiles it, on first use only, into a C-callable function
(``numba.cfunc``, cached on disk). Everything else is model-independent and compiled once per
installation: bifur's kernels (integrators, Newton, collocation) take these addresses as
integers (:mod:`bifur._fnptr`), and so do the functions behind ``rhs``, ``jac``, ... here
(:mod:`bifur._model_calls`). A new model therefore costs only the compilation of the few
functions a computation actually calls.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import threading
from typing import Any, Callable, Mapping

import numpy as np

from . import _checks, _messages, _model_calls as mc
from .errors import ModelError
from .model import Model

__all__ = ["CompiledModel", "MODEL_FUNCTIONS", "PUBLIC_FUNCTIONS", "KERNEL_MODULES", "FORM_FUNCTIONS"]

#: Modules whose ``__kernels__`` (names of model-independent kernels taking model functions'
#: addresses as their leading arguments) a compiled model can bind.
KERNEL_MODULES: tuple[str, ...] = ("bifur.integrate", "bifur.continuation.collocation", "bifur.steady")

#: Generated model functions and their arguments: t time (a double); x, u, v, w states, o an
#: output of n values, J (n, n), P (n, n_params), g (n_params,), Y the variational state
#: (x, dx/dx0, dx/dp) flattened, p parameters (all float64 arrays, passed as pointers).
MODEL_FUNCTIONS: dict[str, str] = {
    "rhs_t_into": "txpo", "jac_t_into": "txpJ", "rhs_into": "xpo", "jac_into": "xpJ", "dfdp_into": "xpP",
    "d2_into": "xpuvo", "d3_into": "xpuvwo", "reset_g": "xp", "reset_dg_into": "xpo",
    "reset_apply_into": "xpo", "reset_jac_into": "xpJ", "reset_dgdp_into": "xpg", "reset_dRdp_into": "xpP",
    "var_rhs_t_into": "tYpY"}

#: Autonomous forms computed by the time-dependent functions at t = 0: bifur's kernels and the public
#: ``rhs``/``jac`` call ``rhs_t_into``/``jac_t_into``, so a model compiles each body once (the
#: autonomous C functions exist, e.g. for :meth:`CompiledModel.address`, but nothing needs them).
_AUTONOMOUS = {"rhs_into": "rhs_t_into", "jac_into": "jac_t_into"}

#: Generated functions kept in a second module, generated on first use: the directional forms D²f and D³f
#: (normal forms, codimension-two curves). Differentiating and simplifying them is about half the cost of
#: generating a model's code, and most computations never call them.
FORM_FUNCTIONS = ("d2_into", "d3_into")

#: Functions returning a float64 (the others return nothing and write their last argument).
REAL_FUNCTIONS = ("reset_g",)


def array_shape(kind: str, n: int, m: int) -> tuple[int, ...]:
    """Shape of an argument of kind ``kind`` (see :data:`MODEL_FUNCTIONS`) for n states, m parameters."""
    return {"x": (n,), "u": (n,), "v": (n,), "w": (n,), "o": (n,), "p": (m,), "J": (n, n), "P": (n, m),
            "g": (m,), "Y": (n + n * n + n * m,)}[kind]


#: Public functions of a compiled model: name -> (argument kinds, checked on every call; the generated
#: function it calls; the kind of the array it returns, 'real', or None when it writes ``out``).
PUBLIC_FUNCTIONS: dict[str, tuple[str, str, str | None]] = {
    "rhs": ("xp", "rhs_into", "o"), "rhs_into": ("xpo", "rhs_into", None),
    "rhs_t": ("txp", "rhs_t_into", "o"), "rhs_t_into": ("txpo", "rhs_t_into", None),
    "jac": ("xp", "jac_into", "J"), "jac_into": ("xpJ", "jac_into", None),
    "jac_t": ("txp", "jac_t_into", "J"), "jac_t_into": ("txpJ", "jac_t_into", None),
    "dfdp": ("xp", "dfdp_into", "P"), "dfdp_into": ("xpP", "dfdp_into", None),
    "d2": ("xpuv", "d2_into", "o"), "d2_into": ("xpuvo", "d2_into", None),
    "d3": ("xpuvw", "d3_into", "o"), "d3_into": ("xpuvwo", "d3_into", None),
    "reset_g": ("xp", "reset_g", "real"),
    "reset_dg": ("xp", "reset_dg_into", "o"), "reset_dg_into": ("xpo", "reset_dg_into", None),
    "reset_apply": ("xp", "reset_apply_into", "o"), "reset_apply_into": ("xpo", "reset_apply_into", None),
    "reset_jac": ("xp", "reset_jac_into", "J"), "reset_jac_into": ("xpJ", "reset_jac_into", None),
    "reset_dgdp": ("xp", "reset_dgdp_into", "g"), "reset_dRdp": ("xp", "reset_dRdp_into", "P")}


@functools.lru_cache(maxsize=None)
def _kernel_function(name: str) -> tuple[Callable, tuple[str, ...]]:
    """The kernel called ``name`` and the model functions it takes first."""
    for modname in KERNEL_MODULES:
        mod = importlib.import_module(modname)
        if name in getattr(mod, "__kernels__", ()):
            fn = getattr(mod, name)
            params = list(inspect.signature(getattr(fn, "py_func", fn)).parameters)
            bound = tuple(p for p in params if p in MODEL_FUNCTIONS)
            if tuple(params[:len(bound)]) != bound:
                raise RuntimeError(f"kernel {modname}.{name}: model functions must come first")
            return fn, bound
    raise ModelError(f"no kernel named {name!r}")


def _allocating(fn: Callable, shape: tuple[int, ...], *args: Any) -> np.ndarray:
    out = np.zeros(shape)
    fn(*args, out)
    return out


class CompiledModel:
    """Fast functions of a :class:`~bifur.model.Model`.

    Every function takes the state ``x`` (length n) and parameter vector ``p``
    (ordered as ``param_names``): ``rhs(x, p)``, ``jac(x, p)`` (df/dx), ``dfdp(x, p)``
    (n x n_params), ``d2(x, p, u, v)`` = D²f[u, v] and ``d3(x, p, u, v, w)`` = D³f[u, v, w];
    ``*_into`` variants write into ``out``; ``rhs_t``/``jac_t`` take time first. Models
    with a reset also have ``reset_g`` (event function, crossing zero upwards),
    ``reset_dg``, ``reset_apply`` and ``reset_jac``, and the parameter derivatives
    ``reset_dgdp`` and ``reset_dRdp``. Arguments are checked (shape, dtype) on every call;
    a function is compiled the first time it is called.

    Examples
    --------
    >>> from bifur.models import fitzhugh_nagumo
    >>> cm = fitzhugh_nagumo().compile()
    >>> x, p = cm.init_vector(), cm.param_vector(I=0.5)
    >>> cm.jac(x, p).shape, cm.dfdp(x, p).shape
    ((2, 2), (2, 4))
    """

    def __init__(self, model: Model, backend: str, module: Any, seconds: float,
                 forms: Callable[[], Any] | None = None):
        self.model = model
        self.backend = backend
        self.module = module
        self.path = module.__file__  # the cache file, or a '<bifur generated ...>' placeholder
        #: Seconds spent generating/importing the module in this process (0 if it was in memory).
        self.load_seconds = seconds
        self.has_reset = bool(module.HAS_RESET)
        self._load_forms = forms  # the generated module of FORM_FUNCTIONS, made on first use
        self._lock = threading.Lock()
        # compiled C-callable functions live with the module (one per model and process)
        self._cfuncs: dict[str, Any] = module.__dict__.setdefault("__bifur_cfuncs__", {})
        self._fast: dict[str, Callable] = {}
        for name, (sig, _, _) in PUBLIC_FUNCTIONS.items():
            setattr(self, name, self._checked(name, sig))

    # -- compiled functions -----------------------------------------------------------
    def _module_of(self, name: str) -> Any:
        """The generated module holding function ``name`` (a generated or public name)."""
        if name.removesuffix("_into") + "_into" not in FORM_FUNCTIONS:
            return self.module
        if self._load_forms is None:
            raise ModelError(f"model {self.model.name!r} was compiled without its directional forms")
        return self._load_forms()

    def address(self, name: str) -> int:
        """Address of the C-callable form of the generated function ``name`` (numba backend).

        Compiled on first use (and cached on disk with the generated module); the function
        takes doubles for ``t`` and pointers to C-contiguous float64 data for arrays, as listed in
        :data:`MODEL_FUNCTIONS`. Internal interface of bifur's kernels.
        """
        if self.backend != "numba":
            raise ModelError(f"function addresses need backend='numba' (model {self.model.name!r})")
        if name not in MODEL_FUNCTIONS:
            raise ModelError(f"no model function named {name!r}")
        with self._lock:
            cf = self._cfuncs.get(name)
            if cf is None:
                from numba import cfunc, types
                args = [types.float64 if k == "t" else types.voidptr for k in MODEL_FUNCTIONS[name]]
                sig = (types.float64 if name in REAL_FUNCTIONS else types.void)(*args)
                adapter = getattr(self._module_of(name), f"_c_{name}")
                cf = cfunc(sig, cache=bool(self.module.CACHE), error_model="numpy")(adapter)
                self._cfuncs[name] = cf
            return cf.address

    def _compiled_address(self, what: str, name: str, kernel: bool = False) -> int:
        """:meth:`address`, inside a first-use note (:func:`bifur._messages.compiling`) when it compiles.
        A kernel of a model without a reset gets the shared reset stubs (:data:`bifur._model_calls.NO_RESET`)."""
        cf = self._cfuncs.get(name)
        if cf is not None:  # no note, no timer thread: binding an already compiled function is free
            return cf.address
        if kernel and not self.has_reset and name in mc.NO_RESET:
            return mc.no_reset_address(name)
        with _messages.compiling(f"{self.model.name} ({_messages.STAGES.get(what, what)})"):
            return self.address(name)

    def loaded_from_cache(self, name: str) -> bool | None:
        """Whether the generated function ``name`` was loaded from numba's disk cache in this process
        (False: compiled here; None: not compiled yet, or not known for this numba version)."""
        cf = self._cfuncs.get(name)
        hits = getattr(cf, "_cache_hits", None)  # numba's CFunc keeps no public counter
        return None if hits is None else hits > 0

    def fast(self, name: str) -> Callable:
        """The public function ``name`` (e.g. ``"d2"``) without argument checks, for inner loops of
        bifur's algorithms: callers pass C-contiguous float64 arrays of the documented shapes."""
        fn = self._fast.get(name)
        if fn is None:
            if name not in PUBLIC_FUNCTIONS:
                raise ModelError(f"no model function named {name!r}")
            fn = self._fast[name] = self._build(name)
        return fn

    def interpreted(self, name: str) -> Callable:
        """The public function ``name`` run by the Python interpreter from the generated source,
        never compiled: for the handful of calls a normal form makes (l1 at a Hopf point needs a
        few d2 and d3 products), where compiling d3 would cost seconds and a call costs ~10 µs
        interpreted. Same arguments and results as :meth:`fast` (up to rounding); no checks.

        Examples
        --------
        >>> import numpy as np
        >>> from bifur.codegen import compile_model
        >>> from bifur.models import fitzhugh_nagumo
        >>> cm = compile_model(fitzhugh_nagumo())
        >>> x, p, u = cm.init_vector(), cm.param_vector(), np.array([1.0, 0.0])
        >>> bool(np.allclose(cm.interpreted("d3")(x, p, u, u, u), cm.d3(x, p, u, u, u)))
        True
        """
        key = f"interpreted:{name}"
        fn = self._fast.get(key)
        if fn is None:
            if name not in PUBLIC_FUNCTIONS:
                raise ModelError(f"no model function named {name!r}")
            _, target, out = PUBLIC_FUNCTIONS[name]
            if self.backend != "numba":
                fn = getattr(self._module_of(name), name)
            else:
                py = getattr(self._module_of(target), target).py_func
                if out is None or out == "real":
                    fn = py
                else:
                    fn = functools.partial(_allocating, py, array_shape(out, self.n_states, self.n_params))
            self._fast[key] = fn
        return fn

    def _build(self, name: str) -> Callable:
        _, target, out = PUBLIC_FUNCTIONS[name]
        if self.backend != "numba":
            return getattr(self._module_of(name), name)
        lead: tuple[float, ...] = ()
        if target in _AUTONOMOUS:  # one compiled function serves both forms: t = 0 for the autonomous one
            target, lead = _AUTONOMOUS[target], (0.0,)
        addr = self._compiled_address(name, target)
        if out is None:
            return functools.partial(mc.invoke, addr, *lead)
        if out == "real":
            return functools.partial(mc.invoke_real, addr, *lead)
        shape = array_shape(out, self.n_states, self.n_params)
        if len(shape) == 1:
            return functools.partial(mc.vector_result, addr, shape[0], *lead)
        return functools.partial(mc.matrix_result, addr, shape[0], shape[1], *lead)

    def _checked(self, name: str, sig: str) -> Callable:
        """Function ``name`` behind a check of every argument's shape (numba does not check bounds)."""
        n, m = self.n_states, self.n_params
        states = self.model.state_names

        def call(*args):
            if len(args) != len(sig):
                raise TypeError(f"{name}() takes {len(sig)} arguments ({', '.join(sig)}), got {len(args)}")
            conv = []
            for kind, a in zip(sig, args):
                if kind == "t":
                    conv.append(_checks.real(a, "t"))
                elif kind == "p":
                    conv.append(_checks.vector(a, m, "p", self.model.param_names))
                elif kind in "oJP":
                    conv.append(_checks.out_array(a, array_shape(kind, n, m), "out"))
                else:
                    conv.append(_checks.vector(a, n, kind, states))
            return self.fast(name)(*conv)

        call.__name__ = name
        call.__doc__ = f"{name}({', '.join(sig)}) of model {self.model.name!r}, with argument shapes checked."
        return call

    def kernel(self, name: str) -> Callable:
        """A model-independent numerical kernel bound to this model's functions (numba backend only).

        Internal interface of bifur's algorithms: kernels do not check their arguments, so
        callers pass arrays of exactly the shapes the kernel's docstring gives.
        """
        if self.backend != "numba":
            raise ModelError(f"kernel {name!r} needs backend='numba'")
        key = f"kernel:{name}"
        fn = self._fast.get(key)
        if fn is None:
            kernel, bound = _kernel_function(name)
            addresses = [self._compiled_address(name, b, kernel=True) for b in bound]
            fn = self._fast[key] = functools.partial(kernel, *addresses)
        return fn

    # -- parameters and states --------------------------------------------------------
    state_names = property(lambda self: self.model.state_names)
    param_names = property(lambda self: self.model.param_names)
    n_states = property(lambda self: self.model.n_states)
    n_params = property(lambda self: len(self.model.param_names))

    def param_vector(self, params: Mapping[str, float] | None = None, **overrides: float) -> np.ndarray:
        """Parameter vector (ordered as ``param_names``): defaults, then ``params``, then keywords."""
        vals = self.model.param_values({**(params or {}), **overrides})
        return np.array([vals[k] for k in self.model.param_names], dtype=float)

    def init_vector(self, init: Mapping[str, float] | None = None, **overrides: float) -> np.ndarray:
        """State vector of initial values, updated by ``init`` and keywords."""
        vals = dict(self.model.init)
        for k, v in {**(init or {}), **overrides}.items():
            self.model.check_state(k)
            vals[k] = float(v)
        return np.array([vals[k] for k in self.model.state_names], dtype=float)

    def state_index(self, name: str) -> int:
        return self.model.state_names.index(self.model.check_state(name))

    def param_index(self, name: str) -> int:
        return self.model.param_names.index(self.model.check_param(name))

    @property
    def source(self) -> str:
        """The generated Python source (all but the directional forms, which live in a second module)."""
        return self.module.__bifur_source__

    def __repr__(self) -> str:
        return f"<CompiledModel {self.model.name!r} backend={self.backend} file={self.path}>"
