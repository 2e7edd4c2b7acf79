"""Stationary DMFT of the delta-step map, derived from its discrete-time MSRDJ action.

The network ``x_i(n+1) = (1 - delta) x_i(n) + delta (sum_j J_ij phi(x_j(n)) + I_i) + sqrt(delta sigma2) xi_i(n)``
(``delta = 1``: the map ``x(n+1) = J phi(x(n)) + I + xi``; ``delta = dt``: the Euler-Maruyama step
of the flow) has the action::

    S = sum_i sum_n x~_i(n) (-x_i(n+1) + (1 - delta) x_i(n) + delta sum_j J_ij phi(x_j(n)) + delta I_i)
        + 1/2 sum_i sum_n delta sigma2 x~_i(n)^2.

It is built by :func:`build_map_action` from the flow's :func:`~workbench.symbolic.action.build_action`
(same coupling, input and noise terms, scaled by delta; the time integral of the pipeline stands for
the sum over steps and ``DiracDelta(t - s)`` for the Kronecker delta of two steps), then goes through
the same disorder average, Hubbard-Stratonovich and saddle point. :func:`lag_equations` reads the
effective single-site process off the site action (``x(n+1) = (1 - delta) x(n) + delta m + eta(n)``)
and derives, with ``w(n) = x(n+1) - (1 - delta) x(n)``,

* ``<w(k) w(0)> = (1 + a^2) Delta(k) - a (Delta(k+1) + Delta(k-1)) = Gamma(k)`` (``a = 1 - delta``),
  ``Gamma(k) = delta^2 (g^2 C_phi(Delta(k); Delta0, mu) + sigma_I^2) + delta sigma2 [k = 0]``:
  solved for ``Delta(k+1)``, the lag recursion, and at ``k = 0`` (``Delta(-1) = Delta(1)``) the start;
* the mean ``mu = I0 + J0 <phi>``;
* the tangent replica ``V(n, m) = r^(n+m) psi(n - m)``: the same operator with shifts weighted by ``r``,
  ``(r^2 + a^2) psi(k) - a r (psi(k+1) + psi(k-1)) = (dGamma/dDelta)(k) psi(k)``; the largest
  Lyapunov exponent is ``log r`` of the largest ``r`` with a bounded positive ``psi``.

For ``delta = 1`` (``a = 0``) this is ``Delta0 = g^2 <phi^2> + sigma_I^2 + sigma2``,
``Delta(k >= 1) = g^2 C_phi(Delta(k)) + sigma_I^2`` and ``r^2 = g^2 <phi'^2>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from workbench.spec import ModelSpec
from workbench.symbolic.action import (
    CollectiveAction,
    NetworkAction,
    SaddlePoint,
    _drop_zero_integrals,
    _peel_sums,
    _wrap_sums,
    average_disorder,
    build_action,
    canonicalize,
    collective_action,
    saddle_point,
)
from workbench.symbolic.fields import s0, site_i, t, t0
from workbench.symbolic.functional import functional_derivative, is_response_field
from workbench.symbolic.stationary import D_VAR, gaussian_closure

__all__ = ["DELTA", "K_LAG", "R_GROWTH", "MapDerivation", "build_map_action", "derive_map", "lag_equations"]

DELTA = sp.Symbol("delta", positive=True)
"""Step of the map (``1``: the map ``x(n+1) = J phi(x(n))``; ``dt``: the Euler step of the flow)."""
K_LAG = sp.Symbol("k", integer=True)
"""Lag in steps."""
R_GROWTH = sp.Symbol("r", positive=True)
"""Growth factor of the tangent covariance per step (lambda_max = log r)."""
DELTA_NEXT = sp.Symbol("Delta_next", real=True)
"""``Delta(k+1)`` in the lag recursion."""
DELTA_PREV = sp.Symbol("Delta_prev", real=True)
"""``Delta(k-1)`` in the lag recursion."""


@dataclass
class MapDerivation:
    """The derived discrete-time DMFT: the lag, start and mean equations, and the tangent operator.

    Attributes
    ----------
    gamma : sympy.Expr
        ``Gamma`` at lag ``k >= 1`` in ``D_VAR = Delta(k)``, ``Delta0``, ``mu`` and the parameters.
    gamma0_jump : sympy.Expr
        Extra ``Gamma(0) - Gamma(k -> 0)``: the per-step noise ``delta sigma2``.
    lhs : sympy.Expr
        ``<w(k) w(0)>`` in ``DELTA_PREV, D_VAR, DELTA_NEXT``.
    recursion : sympy.Expr
        ``Delta(k+1)`` from ``Delta(k-1), Delta(k)`` (``a != 0``).
    start : sympy.Expr
        ``Delta(1)`` from ``Delta0`` (``a != 0``).
    mean : sympy.Eq
        ``mu = ...`` (stationary mean).
    tangent : sympy.Expr
        ``(r^2 + a^2) - dGamma/dDelta``: the diagonal of the tangent operator, whose off-diagonal
        is ``a r``; kept as ``[diag, off]``.
    steps : list of (str, str)
    """

    gamma: sp.Expr
    gamma0_jump: sp.Expr
    lhs: sp.Expr
    recursion: sp.Expr
    start: sp.Expr
    mean: sp.Eq
    tangent: tuple[sp.Expr, sp.Expr]
    fields: Any = field(repr=False)
    params: dict[str, sp.Symbol] = field(repr=False, default_factory=dict)
    steps: list[tuple[str, str]] = field(default_factory=list)


def build_map_action(spec: ModelSpec) -> NetworkAction:
    """The action of the delta-step map (single population): the flow's terms with the map's dynamics."""
    flow = build_action(spec)
    terms: dict[str, sp.Expr] = {}
    for name, term in flow.terms.items():
        body, limits = _peel_sums(term)
        if name.startswith("dynamics"):
            a = name[name.index("[") + 1 : name.index("]")]
            F = flow.fields[a]
            xt_n = F.xt(site_i, t)
            body = sp.Integral(xt_n * (-F.x(site_i, t + 1) + (1 - DELTA) * F.x(site_i, t)), (t, -sp.oo, sp.oo))
        else:  # coupling, input: delta x drive; noise: increment variance delta sigma2
            body = DELTA * body
        terms[name] = _wrap_sums(body, limits)
    params = {**flow.params, "delta": DELTA}
    return NetworkAction(flow.labels, flow.fields, terms, flow.random, flow.phi, params, flow.noise_kind, flow.options)


def _site_process(col: CollectiveAction, sad: SaddlePoint) -> tuple[sp.Expr, sp.Expr, Any]:
    """Drift and input covariance of the single-site map (the first and second x~ derivatives at x~ = 0)."""
    (a,) = col.site_actions
    Sa = col.site_actions[a]
    P = col.action.fields[a]
    conj = {tpl[1] for tpl in col.collective.values()} | {tpl[3] for tpl in col.collective.values()}
    S0 = Sa.replace(lambda e: isinstance(e, AppliedUndef) and e.func in conj, lambda e: 0)
    S0 = S0.replace(lambda e: isinstance(e, sp.Integral) and e.function == 0, lambda e: sp.S.Zero)
    d1 = functional_derivative(S0, P.xt(t0))
    drift = _drop_zero_integrals(sp.expand(d1.replace(lambda e: is_response_field(e), lambda e: 0)))
    sym = {tpl[0] for tpl in col.collective.values()}
    cov = canonicalize(sp.expand(functional_derivative(d1, P.xt(s0))), sym)
    return sp.expand(drift.xreplace(sad.solution)), sp.expand(canonicalize(cov.xreplace(sad.solution))), P


def _solve_linear(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """The root in ``var`` of ``expr``, which must be linear (affine) in ``var``."""
    expr = sp.expand(expr)
    slope = expr.coeff(var)
    if slope == 0 or sp.diff(expr, var, 2) != 0:
        raise ValueError(f"{expr} is not linear in {var}")
    return sp.expand(-expr.subs(var, 0) / slope)


def lag_equations(drift: sp.Expr, cov: sp.Expr, P: Any) -> dict[str, sp.Expr]:
    """Lag recursion, start, mean and tangent operator from the site map's drift and input covariance."""
    fields = {"": P}
    x_next, x_now = P.x(t0 + 1), P.x(t0)
    c_next, c_now = drift.coeff(x_next), drift.coeff(x_now)
    mean_in = sp.expand(drift - c_next * x_next - c_now * x_now)
    # w(n) = c_next x(n+1) + c_now x(n) = -(mean input + eta): <w(k) w(0)> in Delta(k-1), Delta(k), Delta(k+1)
    by_shift = {1: DELTA_NEXT, 0: D_VAR, -1: DELTA_PREV}
    coef = {1: c_next, 0: c_now}
    lhs = sp.expand(sum(coef[i] * coef[j] * by_shift[i - j] for i in (0, 1) for j in (0, 1)))
    gamma_full = gaussian_closure(cov, fields)
    k = sp.Symbol("k_", real=True)
    gamma_full = gamma_full.subs(t0, s0 + k).replace(lambda e: isinstance(e, AppliedUndef) and e.func == P.Delta, lambda e: D_VAR)
    jump = sp.expand(sum(term for term in sp.Add.make_args(sp.expand(gamma_full)) if term.has(sp.DiracDelta)))
    gamma = sp.expand(gamma_full - jump)
    jump = jump.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.One)  # Kronecker delta at k = 0
    recursion = _solve_linear(lhs - gamma, DELTA_NEXT)
    at_zero = (lhs - gamma - jump).subs(DELTA_PREV, DELTA_NEXT).subs(D_VAR, P.Delta0)
    start = _solve_linear(at_zero, DELTA_NEXT)
    # stationary mean: x(n+1) = x(n) = mu in the drift (an implicit equation, <phi> depends on mu)
    mean = sp.Eq(P.mu, sp.expand(-gaussian_closure(mean_in, fields) / (c_next + c_now)))
    # tangent replica V(n+i, m+j) = r^(n+m+i+j) psi(k+i-j): the same quadratic form, shifts weighted by r
    rw = {i: coef[i] * R_GROWTH**i for i in (0, 1)}
    diag = sp.expand(sum(rw[i] ** 2 for i in (0, 1)) - sp.diff(gamma, D_VAR))
    off = sp.expand(-rw[1] * rw[0])
    return {
        "gamma": gamma,
        "jump": jump,
        "lhs": lhs,
        "recursion": sp.expand(recursion),
        "start": sp.expand(start),
        "mean": mean,
        "tangent": (diag, off),
    }


def derive_map(spec: ModelSpec) -> MapDerivation:
    """Derive the stationary DMFT of the delta-step map of ``spec`` (one population, white or no noise)."""
    action = build_map_action(spec)
    averaged = average_disorder(action)
    col = collective_action(averaged)
    sad = saddle_point(col)
    drift, cov, P = _site_process(col, sad)
    eqs = lag_equations(drift, cov, P)
    steps = [
        ("MSRDJ action of the map", action.latex()),
        ("Average over couplings and quenched inputs", averaged.latex()),
        ("Saddle point", " \\\\\n".join(rf"{sp.latex(k)} &= {sp.latex(v)}" for k, v in sad.solution.items())),
        ("Single-site map", rf"0 &= {sp.latex(drift)} + \eta(t_0) \\ \langle\eta(t_0)\eta(s_0)\rangle &= {sp.latex(cov)}"),
        ("Lag equation", rf"{sp.latex(eqs['lhs'])} &= {sp.latex(eqs['gamma'])} + [k=0]\,{sp.latex(eqs['jump'])}"),
        ("Tangent operator", rf"\mathrm{{diag}} &= {sp.latex(eqs['tangent'][0])},\quad \mathrm{{off}} = {sp.latex(eqs['tangent'][1])}"),
    ]
    return MapDerivation(
        eqs["gamma"], eqs["jump"], eqs["lhs"], eqs["recursion"], eqs["start"], eqs["mean"], eqs["tangent"],
        P, dict(action.params), steps,
    )
