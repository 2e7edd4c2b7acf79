"""Critical scaling of a nonlinear network at the linear instability, derived in SymPy (issue 14, item 2).

Model: ``dx/dt = -x + J phi(x) + xi`` (tau = 1, ``Var J_ij = g^2/N``, white noise ``sigma^2``, no input) with a
smooth odd phi of slope ``s = phi'(0) > 0`` whose first nonlinear term saturates,
``phi'(x) = s - b x^(2k) + O(x^(2k+2))``, ``b > 0`` (power-law activations ``x - lambda x^(2k+1)``, tanh, erf, the
Pade-type ``x/(1 + x^2)``). The linear network diverges at ``g_c = 1/s``; the nonlinear one stays finite there, and
for weak noise its statistics follow power laws in ``sigma^2`` whose exponents and prefactors are derived here:

1. ``gain``: over a unit's Gaussian law ``N(0, Delta)``, ``<phi'> = s - b (2k-1)!! Delta^k + O(Delta^(k+1))``, so at
   ``g_c`` the effective coupling ``g_eff = g_c <phi'> = 1 - c Delta^k`` and ``kappa^2 = 1 - g_eff^2 = 2 c Delta^k``,
   ``c = b (2k-1)!! / s`` (:func:`gain_deficit`, a SymPy series of phi').
2. ``linear``: the derived linear statistics (:mod:`derivations.dimension`) at ``g = sqrt(1 - kappa^2)``, to leading
   order as ``kappa -> 0``: the equal-time variance ``sigma^2 / (2 kappa)`` (its closed form), the zero-frequency
   closed forms, and the equal-time ``(1/N) tr C^2 = sigma^4 int int T(w1, w2) dw1 dw2 / (2 pi)^2`` whose leading
   part comes from near the diagonal, ``w1 = kappa u``, ``w2 = kappa (u + kappa v)``: ``L sigma^4 kappa^-5`` with
   ``L`` integrated by SymPy (3/32; the rest of the plane gives ``O(kappa^-4)``) (:func:`trace_asymptote`).
3. ``closure``: the residual ``phi - <phi'> x`` adds a spectrum of order ``Delta^(2k+1) / kappa`` to the input of x,
   below ``sigma^2`` as ``Delta -> 0``; so ``Delta = sigma^2 / (2 kappa(Delta))`` and
   ``Delta = (sigma^2 / (2 sqrt(2 c)))^(2 / (k + 2))`` (:func:`critical_laws`). phi's statistics are x's with
   ``phi = s x`` at leading order.

For the cubic ``x - x^3/3`` (k = 1, c = 1): ``Delta ~ (sigma^2)^(2/3)``, equal-time PR/N ``~ (8/3) kappa^3 ~
sigma^2``, zero-frequency PR/N ``= kappa^4 ~ (sigma^2)^(4/3)``; for the quintic ``x - x^5/5`` (k = 2):
``(sigma^2)^(1/2)``, ``(sigma^2)^(3/2)`` and ``(sigma^2)^2``. The corrections are relative ``O(kappa)`` at equal
time (the off-diagonal part of the trace) and ``O(Delta)`` for the variance; the two-site cavity solver approaches
the laws at that rate (``tests/theories/dimension/test_scaling.py``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sympy as sp

from derivations.dimension import SIGMA2, SIGMA_I2, TAU_N, W1, W2, G
from derivations.dimension import derive as derive_linear
from workbench.errors import SpecError
from workbench.expr import X
from workbench.symbolic.parity import has_parity

__all__ = ["DELTA", "KAPPA", "MAX_ORDER", "CriticalLaws", "critical_laws", "gain_deficit", "trace_asymptote"]

KAPPA = sp.Symbol("kappa", positive=True)
"""``sqrt(1 - g_eff^2)``: the distance of the effective coupling from the linear instability."""
DELTA = sp.Symbol("Delta", positive=True)
"""A unit's variance (the equal-time mean autocovariance of x)."""
MAX_ORDER = 12
"""Highest power of x searched in phi'(x) for its first nonlinear term."""

_U = sp.Symbol("u", real=True)
_V = sp.Symbol("v", real=True)



@dataclass(frozen=True)
class CriticalLaws:
    """The derived leading laws at ``g_c = 1/s`` for weak white noise.

    Attributes
    ----------
    slope : sympy.Expr
        ``s = phi'(0)``.
    order : int
        ``k``: phi'(x) = s - b x^(2k) + ...
    deficit : sympy.Expr
        ``c``: ``g_eff = 1 - c Delta^k``.
    g_c : sympy.Expr
        The linear instability ``1/s``.
    Delta : sympy.Expr
        A unit's variance as a function of ``sigma^2``.
    kappa2 : sympy.Expr
        ``1 - g_eff^2`` as a function of ``sigma^2``.
    laws : dict of str -> dict of str -> sympy.Expr
        ``laws[covariance][statistic]`` for ``"equal-time"`` and ``"zero-frequency"``, functions of ``sigma^2``.
    exponents : dict of str -> dict of str -> sympy.Rational
        The power of ``sigma^2`` of each law.
    steps : list of (str, sympy.Eq)
        The derivation, for reports.
    """

    slope: sp.Expr
    order: int
    deficit: sp.Expr
    g_c: sp.Expr
    Delta: sp.Expr
    kappa2: sp.Expr
    laws: dict[str, dict[str, sp.Expr]]
    exponents: dict[str, dict[str, sp.Rational]]
    steps: list[tuple[str, sp.Eq]] = field(repr=False)


def gain_deficit(phi: sp.Expr) -> tuple[sp.Expr, int, sp.Expr]:
    """``(s, k, c)`` of an odd phi: ``<phi'>`` over ``N(0, Delta)`` is ``s (1 - c Delta^k) + O(Delta^(k+1))``.

    Raises
    ------
    SpecError
        Naming ``phi``: not analytic at 0 (clip, max, abs, pieces), not odd, ``phi'(0) <= 0``, no nonlinear term up
        to ``x^MAX_ORDER`` or one that does not saturate (``b <= 0``).
    """
    if phi.has(sp.Max, sp.Min, sp.Piecewise, sp.Abs, sp.sign, sp.Heaviside):
        raise SpecError("phi", "the critical scaling needs a phi analytic at x = 0 (no clip, max, abs or pieces; "
                               "allowed: a saturating odd phi such as x - x**3/3, tanh or x/(1+x**2))")
    if not has_parity(phi, X, odd=True):
        raise SpecError("phi", "the critical scaling is derived for an odd phi (a symmetric state); allowed: a "
                               "saturating odd phi such as x - x**3/3, tanh or x/(1+x**2)")
    dphi = sp.diff(phi, X)
    try:
        series = sp.series(dphi, X, 0, MAX_ORDER + 1).removeO()
        coeffs = [sp.nsimplify(sp.simplify(series.coeff(X, m))) for m in range(MAX_ORDER + 1)]
    except (NotImplementedError, ValueError, TypeError, sp.PoleError) as exc:
        raise SpecError("phi", f"the critical scaling needs a phi analytic at x = 0 ({type(exc).__name__})") from None
    s = coeffs[0]
    if not (s.is_number and s.is_real and s > 0):
        raise SpecError("phi", f"the critical scaling needs phi'(0) > 0; got phi'(0) = {s}")
    m = next((m for m in range(1, MAX_ORDER + 1) if coeffs[m] != 0), None)
    if m is None:
        raise SpecError("phi", f"no nonlinear term in phi'(x) up to x^{MAX_ORDER}: a linear network has no critical "
                               "state (allowed: a saturating odd phi such as x - x**3/3)")
    b = -coeffs[m]
    if not b > 0:
        raise SpecError("phi", f"phi'(x) = {s} + {coeffs[m]} x^{m} + ... grows with |x|: it does not saturate, so "
                               "the linear instability is not cured (allowed: a first nonlinear term of phi' < 0)")
    k = m // 2
    return s, k, sp.nsimplify(b * sp.factorial2(2 * k - 1) / s)


@functools.lru_cache(maxsize=1)
def trace_asymptote() -> sp.Expr:
    """``L`` of ``(1/N) tr C_et^2 = L sigma^4 kappa^-5 (1 + O(kappa))`` for the linear network at
    ``g^2 = 1 - kappa^2``: the derived four-resolvent trace on the near-diagonal scale, integrated by SymPy."""
    T = derive_linear().kernels["trace4"]
    scaled = T.subs(G, sp.sqrt(1 - KAPPA**2)).subs({W1: KAPPA * _U, W2: KAPPA * (_U + KAPPA * _V)})
    num, den = sp.fraction(sp.cancel(sp.together(scaled * KAPPA**3 * KAPPA**5)))  # Jacobian kappa^3, order kappa^-5
    if sp.simplify(den.subs(KAPPA, 0)) == 0:
        raise ArithmeticError("the equal-time trace is not of order kappa^-5 on the near-diagonal scale")
    lead = sp.factor(num.subs(KAPPA, 0) / den.subs(KAPPA, 0))
    inner = sp.simplify(sp.integrate(lead, (_V, -sp.oo, sp.oo)))
    return sp.nsimplify(sp.simplify(sp.integrate(inner, (_U, -sp.oo, sp.oo)) / (4 * sp.pi**2)))


def _linear_leading() -> dict[str, dict[str, sp.Expr]]:
    """The linear statistics of x at ``g = sqrt(1 - kappa^2)`` to leading order in kappa (white noise)."""
    k = derive_linear().kernels
    at = {G: sp.sqrt(1 - KAPPA**2)}
    mean_et = sp.simplify(k["et_mean_autocov"].subs({TAU_N: 0, SIGMA_I2: 0}).subs(at))
    trace_et = trace_asymptote() * SIGMA2**2 / KAPPA**5
    zf = {name: sp.simplify(k[f"zf_{name}"].subs(at)).as_leading_term(KAPPA)
          for name in ("mean_autocov", "N_var_cross", "PR_over_N")}
    return {
        "equal-time": {"mean_autocov": mean_et, "N_var_cross": trace_et,  # (the mean^2 is O(kappa^-2))
                       "PR_over_N": sp.simplify(mean_et**2 / trace_et)},
        "zero-frequency": zf,
    }


def _exponent(law: sp.Expr) -> sp.Rational:
    """The power of ``sigma^2`` of a monomial law."""
    return sp.nsimplify(sp.simplify(SIGMA2 * sp.diff(sp.log(law), SIGMA2)))


def critical_laws(phi: sp.Expr) -> CriticalLaws:
    """The leading laws of every statistic at ``g_c = 1/phi'(0)`` as ``sigma^2 -> 0`` (module docstring)."""
    s, k, c = gain_deficit(phi)
    kappa2_of_delta = 2 * c * DELTA**k
    delta = sp.simplify((SIGMA2 / (2 * sp.sqrt(2 * c))) ** sp.Rational(2, k + 2))
    closure = sp.Eq(DELTA, SIGMA2 / (2 * sp.sqrt(kappa2_of_delta)))
    if sp.simplify(closure.lhs.subs(DELTA, delta) - closure.rhs.subs(DELTA, delta)) != 0:
        raise ArithmeticError("the variance law does not solve the closure")
    kappa = sp.sqrt(kappa2_of_delta.subs(DELTA, delta))
    linear = _linear_leading()
    laws: dict[str, dict[str, sp.Expr]] = {}
    for cov, stats in linear.items():
        laws[cov] = {}
        for name, expr in stats.items():
            x_law = sp.simplify(sp.powsimp(expr.subs(KAPPA, kappa), force=True))
            scale = {"mean_autocov": s**2, "N_var_cross": s**4, "PR_over_N": 1}[name]
            laws[cov][f"{name}_x"] = x_law
            laws[cov][f"{name}_phi"] = sp.simplify(scale * x_law)
    exponents = {cov: {name: _exponent(law) for name, law in d.items()} for cov, d in laws.items()}
    steps = [
        ("gain", sp.Eq(sp.Symbol(r"\langle \phi' \rangle"), s * (1 - c * DELTA**k))),
        ("kappa", sp.Eq(KAPPA**2, kappa2_of_delta)),
        ("trace", sp.Eq(sp.Symbol(r"\frac{1}{N} \mathrm{tr}\, C^2"), linear["equal-time"]["N_var_cross"])),
        ("closure", closure),
        ("variance", sp.Eq(DELTA, delta)),
        ("PR", sp.Eq(sp.Symbol("PR/N"), laws["equal-time"]["PR_over_N_x"])),
    ]
    return CriticalLaws(s, k, c, 1 / s, delta, sp.simplify(kappa**2), laws, exponents, steps)
