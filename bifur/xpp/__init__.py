"""Reading XPPAUT ``.ode`` files into bifur models.

:func:`read_xpp` (and its thin front :meth:`bifur.Model.from_xpp`) reads the XPPAUT file
format as found in published models, with its own tokenizer and parser: nothing reaches
``eval``, ``exec`` or ``sympify``, the limits of :mod:`bifur.parse` (tokens, nesting depth,
constant powers, literal length, inlined size, ASCII digits) apply to every formula, and
every error is a :class:`~bifur.errors.ModelError` naming the line.

Read
    ``dX/dt=``, ``X'=``; ``par``/``p``/``param``, ``number``/``num``, ``init``/``i``,
    ``X(0)=``; ``aux``; fixed quantities ``X=expr``; user functions ``f(x,y)=expr`` (inlined
    at the sympy level, with cycle and size limits); ``!name=`` derived parameters; ``heav``,
    ``if(c)then(a)else(b)``, comparisons, ``&``, ``|``, ``not``, ``sign``, ``abs``, ``max``,
    ``min``, ``ln``/``log``, ``log10``, the trigonometric and hyperbolic functions, ``pi``;
    ``mod`` and ``flr`` of constants; ``#`` and ``"`` comments, ``done``; ``@`` options
    (kept as metadata); continuation lines ending in ``\\``; CRLF line endings; commas or
    spaces between declarations; names in any letter case (XPP ignores case); one
    ``global`` event with sign 1 or -1 that resets states, as a :class:`~bifur.Reset`;
    index arrays ``x[1..n]`` and ``%[1..n] ... %`` blocks.

Refused with a ModelError naming the line and the feature (bifur cannot represent them, and a
model that silently differs from the file would be worse than none): ``wiener``, ``markov``,
``table``, ``delay``/``del_shft``, ``special``, ``volterra``/``int{...}``, maps
(``x(t+1)=`` or ``@ meth=discrete``), ``0=`` and ``solv`` (DAEs), ``export``, ``#include``,
random functions (``ran``, ``normal``, ``poisson``), ``shift``, ``sum(...)of(...)``, ``atan2``,
``asin``, ``acos``, ``erf``, Bessel functions, ``mod``/``flr`` of quantities that change, ``==``
and ``!=`` between quantities that change, conditions that are not comparisons, more than one
``global`` event, events with sign 0 or assigning parameters.

How XPP constructs become bifur expressions
    * a comparison ``a>b`` (``a>=b``) is ``heaviside(a - b)`` and ``a<b`` (``a<=b``) is
      ``heaviside(b - a)``; ``c1&c2`` is the product, ``c1|c2`` is ``c1 + c2 - c1*c2`` and
      ``not(c)`` is ``1 - c``; ``if(c)then(a)else(b)`` is ``c*a + (1 - c)*b``. XPP's
      comparisons are 0 or 1; bifur's heaviside is 1/2 exactly at equality, a difference on a
      set of measure zero. Both branches of an ``if`` are evaluated, so a branch that is not
      finite where it is not selected (``if(x>0)then(ln(x))else(0)`` at x < 0) gives NaN there.
    * ``heav(x)`` is ``heaviside(x)`` (XPP: 1 at x = 0, bifur: 1/2).
    * Operator precedence is XPP's own: comparisons bind as tightly as ``^`` (so
      ``2*x>1`` means ``2*(x>1)`` in XPP, and here), ``&`` as ``*``, ``|`` as ``+``, and ``^`` is
      left-associative (``2^3^2`` is 64).
    * ``number`` constants and ``!`` derived parameters are inlined (their formulas stay
      symbolic in the parameters); ``par`` values become the model's parameters.
    * ``aux`` quantities are kept as named outputs: :attr:`XppModel.aux` (sympy expressions),
      :meth:`XppModel.aux_values` (evaluated on a trajectory), and in the model's text as
      definitions that no equation uses, from which :meth:`bifur.Model.to_xpp` writes them back.

Units
    XPP files carry none. ``time_unit`` defaults to ``"ms"`` when the model has a membrane
    potential (a state named V or v, or ``voltage=``) and to ``"1"`` otherwise; pass it
    explicitly when you know better (e.g. ``time_unit="1"`` for a dimensionless FitzHugh-Nagumo
    file with a state ``v``).

Examples
--------
>>> m = read_xpp('''
... # Izhikevich neuron
... dv/dt=0.04*v^2+5*v+140-u+I
... du/dt=a*(b*v-u)
... par I=10 a=.02 b=.2 c=-65 d=8
... init v=-65 u=-13
... global 1 {v-30} {v=c;u=u+d}
... @ total=200, dt=.05
... done
... ''', name="izh")
>>> m.model.state_names, m.model.reset.describe()
(('v', 'u'), 'when v - 30 >= 0: v <- c, u <- d + u')
>>> m.options["total"], m.simulate_options()
(200.0, {'t_end': 200.0, 'dt': 0.05})
"""
from ._reader import read_xpp
from ._result import XppModel
from ._vocabulary import MAX_ARRAY, MAX_INLINE_DEPTH, MAX_STATEMENTS, MAX_TEXT

__all__ = ["read_xpp", "XppModel", "MAX_ARRAY", "MAX_STATEMENTS", "MAX_TEXT", "MAX_INLINE_DEPTH"]
