"""Symbolic preparation of a model before code generation.

* :func:`remove_singularities` rewrites removable singularities of the form
  ``N(x) / (c0 + c1*exp(B(x)))`` where the denominator and ``N`` vanish together
  (the classic Hodgkin-Huxley rate ``0.1*(V+40)/(1-exp(-(V+40)/10))``) in terms of
  :class:`ExprelD`, the derivatives of ``exprel(z) = (exp(z) - 1)/z``, which code
  generation evaluates by a series near ``z = 0``. Derivatives of any order stay finite.
* :func:`derivative_forms` builds the Jacobian, parameter derivatives and the
  directional second and third derivatives ``D2f[u, v]`` and ``D3f[u, v, w]``
  (MatCont's multilinear forms) as sympy expressions.
"""
from __future__ import annotations

import functools

import sympy
from sympy.core.function import ArgumentIndexError

from .parse import sym

__all__ = ["ExprelD", "remove_singularities", "derivative_forms", "DerivativeForms"]


class ExprelD(sympy.Function):
    """``ExprelD(k, z)`` = k-th derivative of exprel(z) = (e^z - 1)/z = ∫_0^1 s^k e^{zs} ds.

    Finite for every z, including z = 0 where it equals 1/(k+1).

    Examples
    --------
    >>> z = sympy.Symbol("z")
    >>> ExprelD(0, z).diff(z)
    ExprelD(1, z)
    >>> ExprelD(2, 0)
    1/3
    """

    nargs = 2

    @classmethod
    def eval(cls, k, z):
        if z.is_zero:
            return sympy.Rational(1, int(k) + 1)
        return None

    def _eval_evalf(self, prec):
        import mpmath
        k, z = int(self.args[0]), self.args[1]
        if not z.is_number:
            return None
        with mpmath.workprec(prec + 20):
            zz = mpmath.mpf(str(sympy.N(z, 40)))
            val = mpmath.quad(lambda s: s ** k * mpmath.exp(zz * s), [0, 1])
        return sympy.Float(val, precision=prec)

    def fdiff(self, argindex=2):
        if argindex != 2:
            raise ArgumentIndexError(self, argindex)
        k, z = self.args
        return ExprelD(k + 1, z)


def _exp_denominator(den: sympy.Expr, states: set[sympy.Symbol]):
    """If den = c0 + c1*exp(B0) vanishes somewhere, return (c0, B) with den = c0*(1 - exp(B))."""
    d = sympy.expand(den, power_exp=False, log=False)
    exps = [e for e in d.atoms(sympy.exp) if e.free_symbols & states]
    if len(exps) != 1:
        return None
    e = exps[0]
    c1 = d.coeff(e)
    c0 = sympy.expand(d - c1 * e, power_exp=False, log=False)
    if c1 == 0 or c0 == 0 or (c0.free_symbols | c1.free_symbols) & states or c0.has(e) or c1.has(e):
        return None
    ratio = -c1 / c0
    if ratio.is_number and not ratio > 0:
        return None  # the denominator never vanishes
    return c0, e.args[0] + sympy.log(ratio)


def _poly_quotient(num: sympy.Expr, b: sympy.Expr, gens: list[sympy.Symbol]):
    """Return q with num == q*b (up to float round-off), or None."""
    try:
        pn = sympy.Poly(sympy.expand(num), *gens)
        pb = sympy.Poly(sympy.expand(b), *gens)
    except sympy.PolynomialError:
        return None
    if pb.total_degree() < 1 or not pn.free_symbols_in_domain.isdisjoint(gens):
        return None
    q, r = sympy.div(pn, pb)
    if not r.is_zero:
        coeffs = r.coeffs()
        scale = max((abs(c) for c in pn.coeffs() if c.is_number), default=0)
        if not all(c.is_number for c in coeffs) or scale == 0 or max(abs(c) for c in coeffs) > 1e-10 * scale:
            return None
    return q.as_expr()


def _rewrite_mul(m: sympy.Expr, states: set[sympy.Symbol]) -> sympy.Expr:
    factors = list(m.args)
    for i, f in enumerate(factors):
        if not (f.is_Pow and f.exp.is_Integer and f.exp < 0):
            continue
        k = -int(f.exp)
        hit = _exp_denominator(f.base, states)
        if hit is None:
            continue
        c0, b = hit
        gens = sorted(b.free_symbols & states, key=lambda s: s.name)
        others = factors[:i] + factors[i + 1:]
        # numerator candidates (index, base, power): the whole numerator (k = 1), then each factor
        cands = [(None, sympy.Mul(*others), 1)] if k == 1 else []
        for j, g in enumerate(others):
            base, e = (g.base, g.exp) if g.is_Pow else (g, sympy.Integer(1))
            if e.is_Integer and e >= k:
                cands.append((j, base, int(e)))
        for j, base, e in cands:
            q = _poly_quotient(base, b, gens)
            if q is None:
                continue
            rest = sympy.Integer(1) if j is None else sympy.Mul(*(others[:j] + others[j + 1:]))
            return rest * base ** (e - k) * (-q / (c0 * ExprelD(0, b))) ** k
    return m


def remove_singularities(expr: sympy.Expr, states: list[sympy.Symbol]) -> sympy.Expr:
    """Rewrite removable ``0/0`` singularities of exponential rate functions with :class:`ExprelD`.

    Examples
    --------
    >>> from bifur.parse import parse_expr, sym
    >>> V = sym("V")
    >>> remove_singularities(parse_expr("0.1*(V+40)/(1-exp(-(V+40)/10))", {"V": V}), [V])
    1.0/ExprelD(0, -V/10 - 4)
    """
    st = set(states)
    return expr.replace(lambda e: e.is_Mul, lambda e: _rewrite_mul(e, st))


class DerivativeForms:
    """Symbolic right-hand side and derivatives (lists in row-major order), each differentiated on
    first access: generated code is made in two parts (:mod:`bifur.codegen`), and most computations
    never need the directional forms ``d2`` and ``d3``."""

    def __init__(self, f: list[sympy.Expr], xs: list[sympy.Symbol], ps: list[sympy.Symbol]):
        n = len(xs)
        self.f, self.xs, self.ps = f, xs, ps
        # direction vectors get '_'-prefixed names, which no model name can have
        self.u = [sym(f"_u{i}") for i in range(n)]
        self.v = [sym(f"_v{i}") for i in range(n)]
        self.w = [sym(f"_w{i}") for i in range(n)]

    @functools.cached_property
    def jac(self) -> list[list[sympy.Expr]]:
        """df/dx."""
        return [[fi.diff(x) for x in self.xs] for fi in self.f]

    @functools.cached_property
    def dfdp(self) -> list[list[sympy.Expr]]:
        """df/dp."""
        return [[fi.diff(p) for p in self.ps] for fi in self.f]

    @functools.cached_property
    def d2(self) -> list[sympy.Expr]:
        """D²f[u, v]."""
        n = len(self.xs)
        du = [sympy.Add(*[self.jac[i][j] * self.u[j] for j in range(n)]) for i in range(n)]
        return _directional(du, self.xs, self.v)

    @functools.cached_property
    def d3(self) -> list[sympy.Expr]:
        """D³f[u, v, w]."""
        return _directional(self.d2, self.xs, self.w)


def _directional(exprs: list[sympy.Expr], xs: list[sympy.Symbol], dirs: list[sympy.Symbol]) -> list[sympy.Expr]:
    return [sympy.Add(*[e.diff(x) * d for x, d in zip(xs, dirs)]) for e in exprs]


def derivative_forms(f: list[sympy.Expr], xs: list[sympy.Symbol], ps: list[sympy.Symbol]) -> DerivativeForms:
    """Jacobian, dF/dp and the directional multilinear forms D2f[u,v], D3f[u,v,w].

    Examples
    --------
    >>> from bifur.parse import sym
    >>> x, mu = sym("x"), sym("mu")
    >>> forms = derivative_forms([mu - x**2], [x], [mu])
    >>> forms.jac, forms.d2
    ([[-2*x]], [-2*_u0*_v0])
    """
    return DerivativeForms(f, xs, ps)
