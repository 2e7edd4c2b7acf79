"""Transient (non-stationary) mean-field theory of the Faugeras-Tanré network, derived with SymPy.

Model (seed text ``shared/seeds/003_ede3c11af57412ec.txt``, eq. (2)-(3))::

    dX^i = ( g(X^i) + sum_j J_ij f(X^j) ) dt + lambda dW^i,   E J_ij = J/N,  Var J_ij = sigma^2/N.

What is derived here (all symbolic, nothing transcribed):

1. :func:`disorder_cumulants`: the cumulant generating function ``log E exp(J_ij y)`` of one
   coupling, for Gaussian *and* Rademacher (+-sigma/sqrt N plus mean J/N) weights, as a series in
   ``y``; summed over the N presynaptic neurons only the first two cumulants survive as
   N -> infinity (``N kappa_1 -> J``, ``N kappa_2 -> sigma^2``, ``N kappa_r -> 0`` for r >= 3).
   This is the universality statement of Faugeras-Tanré at the level of the action.
2. :func:`effective_process`: the discretised MSRDJ action of neuron i (Itô, left-point rule),
   averaged over its incoming couplings. The presynaptic monomials ``f_j(t_k)`` and
   ``f_j(t_k) f_j(t_l)`` summed over j are, by definition, ``N m(t_k)`` and ``N K(t_k, t_l)``, so
   the averaged action is that of a single neuron driven by a Gaussian field with mean
   ``J m(t)`` and covariance ``sigma^2 K(t, s)`` plus the white noise ``lambda^2 delta(t - s)``.
   This is time-dependent (no stationarity assumed): the order parameters are two-time functions.
3. :func:`exponential_euler_coefficients`: the exact one-step coefficients of
   ``dX = (alpha X + beta + eta) dt + lambda dW`` with ``eta`` frozen on a step (integrals done by
   SymPy).
4. :func:`closure_recursion`: the Gaussian-closure recursion for ``(E X, C, D = Cov(eta, X))`` of
   the discretised effective process with affine g, by bilinear covariance propagation.

The stationary DMFT layer (``workbench/symbolic``) was not available when this was written; these
derivations are self-contained and should be re-expressed through it once it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from workbench.expr import as_expr

__all__ = [
    "DT",
    "TransientDerivation",
    "disorder_cumulants",
    "effective_process",
    "exponential_euler_coefficients",
    "closure_recursion",
]

DT = sp.Symbol("Delta", positive=True)
"""The time step symbol (the generated step map takes it as its second argument)."""

_J, _SIG, _LAM, _N = sp.symbols("J sigma lambda N", real=True)
_SIG = sp.Symbol("sigma", nonnegative=True)
_LAM = sp.Symbol("lambda", nonnegative=True)
_N = sp.Symbol("N", positive=True, integer=True)


@dataclass
class TransientDerivation:
    """Result of :func:`effective_process`.

    Attributes
    ----------
    action : sympy.Expr
        The disorder-averaged single-site action on a grid of ``n_grid`` points (exponent of the
        MSRDJ weight ``exp(-action)``; response fields ``xt_k``).
    drift : sympy.Expr
        Drift of the effective process at grid time k, read off the action: ``g(x_k) + J m_k``.
    noise_cov : sympy.Matrix
        Covariance of the effective noise per unit time squared (``n_grid x n_grid``), read off the
        action: ``sigma^2 K_kl + lambda^2 delta_kl / Delta``.
    equations : dict of str -> sympy.Eq
        The continuum equations (effective SDE and self-consistency).
    parameters : tuple of sympy.Symbol
    unknowns : tuple
        ``m(t)``, ``K(t, s)``.
    provenance : dict
    """

    action: sp.Expr
    drift: sp.Expr
    noise_cov: sp.Matrix
    equations: dict[str, sp.Eq]
    parameters: tuple[sp.Symbol, ...]
    unknowns: tuple[Any, ...]
    grid: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def latex(self) -> str:
        """LaTeX of the continuum equations (one ``align`` block)."""
        rows = [sp.latex(eq) for eq in self.equations.values()]
        return "\\begin{align}\n" + " \\\\\n".join(rows) + "\n\\end{align}"


def disorder_cumulants(law: str = "gaussian", order: int = 4) -> dict[str, Any]:
    """Cumulant generating function of one coupling ``J_ij`` and its N -> infinity weight.

    Parameters
    ----------
    law : {"gaussian", "rademacher"}
        ``gaussian``: N(J/N, sigma^2/N). ``rademacher``: J/N + (sigma/sqrt N) * (+-1).
    order : int
        Series order in ``y``.

    Returns
    -------
    dict
        ``"cgf"``: the series of ``log E exp(J_ij y)`` in ``y`` (through ``y**order``);
        ``"kappa"``: list of cumulants kappa_r (r = 1..order);
        ``"limit"``: ``lim_{N->inf} N kappa_r`` for r = 1..order (what survives after summing over
        the N presynaptic neurons).
    """
    y = sp.Symbol("y", real=True)
    if law == "gaussian":
        cgf_exact = _J / _N * y + _SIG**2 / (2 * _N) * y**2
    elif law == "rademacher":
        cgf_exact = _J / _N * y + sp.log(sp.cosh(_SIG * y / sp.sqrt(_N)))
    else:
        from workbench.errors import SpecError

        raise SpecError("law", f"unknown coupling law {law!r}; allowed: 'gaussian', 'rademacher'")
    ser = sp.series(cgf_exact, y, 0, order + 1).removeO()
    kappa = [sp.simplify(ser.coeff(y, r) * sp.factorial(r)) for r in range(1, order + 1)]
    limit = [sp.limit(_N * k, _N, sp.oo) for k in kappa]
    return {"cgf": sp.expand(ser), "kappa": kappa, "limit": limit, "y": y}


def effective_process(g: sp.Expr | None = None, n_grid: int = 3, law: str = "gaussian") -> TransientDerivation:
    """Derive the time-dependent effective single-neuron process from the disorder-averaged action.

    Parameters
    ----------
    g : sympy.Expr, optional
        Intrinsic drift in :data:`workbench.spec.X` (default ``-x``).
    n_grid : int
        Number of grid points of the discretised action (the structure is the same for any n).
    law : {"gaussian", "rademacher"}
        Coupling law; the limit is the same (only two cumulants survive).

    Returns
    -------
    TransientDerivation
    """
    from workbench.spec import X

    g = -X if g is None else g
    n = int(n_grid)
    x = sp.symbols(f"x_0:{n + 1}", real=True)
    xt = sp.symbols(f"xt_0:{n}")  # response fields
    F = sp.symbols(f"F_0:{n}", real=True)  # f(x_j(t_k)) of one presynaptic neuron j
    m = sp.symbols(f"m_0:{n}", real=True)
    K = sp.Matrix(n, n, lambda k, l: sp.Symbol(f"K_{min(k, l)}{max(k, l)}", real=True))
    cum = disorder_cumulants(law, order=4)
    # y_ij = Delta sum_k xt_k F_k; the average of exp(sum_j J_ij y_ij) over the N iid J_ij is
    # exp(sum_j cgf(y_ij)). Keep the terms that survive N -> infinity after the sum over j:
    y = DT * sum(xt[k] * F[k] for k in range(n))
    per_pair = sum(lim / sp.factorial(r + 1) / _N * y ** (r + 1) for r, lim in enumerate(cum["limit"]) if lim != 0)
    summand = sp.expand(per_pair)
    # sum over j: N * (empirical average of each F-monomial); degree-1 -> m_k, degree-2 -> K_kl
    poly = sp.Poly(summand, *F)
    averaged = sp.Integer(0)
    for monom, coeff in poly.terms():
        idx = [k for k, p in enumerate(monom) for _ in range(p)]
        if len(idx) == 0:
            term = 1
        elif len(idx) == 1:
            term = m[idx[0]]
        elif len(idx) == 2:
            term = K[idx[0], idx[1]]
        else:  # pragma: no cover - only with non-vanishing higher cumulants
            raise ValueError("higher cumulants do not survive N -> infinity")
        averaged += _N * coeff * term
    averaged = sp.expand(averaged)
    # MSRDJ (Ito) action of neuron i: weight exp(-S) with
    # S = sum_k xt_k (x_{k+1} - x_k - Delta g(x_k)) - (lambda^2 Delta / 2) sum_k xt_k^2 - <coupling term>
    S = sum(xt[k] * (x[k + 1] - x[k] - DT * g.subs(X, x[k])) for k in range(n))
    S -= _LAM**2 * DT / 2 * sum(xt[k] ** 2 for k in range(n))
    S -= averaged
    S = sp.expand(S)
    # Read off: S = sum_k xt_k (x_{k+1} - x_k - Delta * drift_k) - 1/2 xt^T Sigma xt
    k0 = 0
    lin = S.coeff(xt[k0], 1).subs({v: 0 for v in xt})
    drift = sp.simplify(-(lin - (x[k0 + 1] - x[k0])) / DT)
    Sigma = sp.Matrix(n, n, lambda k, l: -sp.diff(S, xt[k], xt[l]))
    noise_cov = sp.simplify(Sigma / DT**2)
    t, s = sp.symbols("t s", nonnegative=True)
    mfun, Kfun, eta = sp.Function("m"), sp.Function("K"), sp.Function("eta")
    Xf = sp.Function("X")
    eqs = {
        "sde": sp.Eq(sp.Derivative(Xf(t), t), g.subs(X, Xf(t)) + eta(t) + _LAM * sp.Symbol(r"\xi(t)")),
        "field_mean": sp.Eq(sp.Symbol(r"\mathbb{E}\,\eta(t)"), _J * mfun(t)),
        "field_cov": sp.Eq(sp.Symbol(r"\mathrm{Cov}(\eta(t),\eta(s))"), _SIG**2 * Kfun(t, s)),
        "m": sp.Eq(mfun(t), sp.Symbol(r"\mathbb{E}\,f(X_t)")),
        "K": sp.Eq(Kfun(t, s), sp.Symbol(r"\mathbb{E}\,f(X_t)f(X_s)")),
    }
    return TransientDerivation(
        action=S,
        drift=drift,
        noise_cov=noise_cov,
        equations=eqs,
        parameters=(_J, _SIG, _LAM),
        unknowns=(mfun(t), Kfun(t, s)),
        grid={"x": x, "xt": xt, "m": m, "K": K, "n": n},
        provenance={"law": law, "n_grid": n, "g": str(g), "source": "derivations.meanfield_transient"},
    )


def exponential_euler_coefficients(alpha: float | sp.Expr, beta: float | sp.Expr, lam2: float | sp.Expr) -> dict:
    """Exact one-step coefficients of ``dX = (alpha X + beta + c) dt + lambda dW`` (c frozen).

    Over one step ``X_{k+1} = a X_k + b (beta + c) + eps``, ``eps ~ N(0, v_eps)`` with
    ``a = e^{alpha Delta}``, ``b = int_0^Delta e^{alpha u} du``,
    ``v_eps = lambda^2 int_0^Delta e^{2 alpha u} du`` (variation of constants).

    Returns
    -------
    dict of str -> sympy.Expr
        ``a``, ``b``, ``v_eps``, ``bbeta`` (= b beta) as expressions in :data:`DT`, and the step
        map ``A`` = a x + b beta in ``x`` and :data:`DT`.
    """
    from workbench.spec import X

    u = sp.Symbol("u", nonnegative=True)
    al, be, l2 = as_expr(alpha), as_expr(beta), as_expr(lam2)
    a = sp.exp(al * DT)
    b = sp.integrate(sp.exp(al * u), (u, 0, DT))
    v = l2 * sp.integrate(sp.exp(2 * al * u), (u, 0, DT))
    b, v = sp.simplify(b), sp.simplify(v)
    return {"a": a, "b": b, "v_eps": v, "bbeta": b * be, "A": a * X + b * be}


def closure_recursion() -> dict[str, sp.Eq]:
    """Gaussian-closure recursion of the discretised effective process (affine g), derived.

    Step: ``X_{k+1} = a X_k + b (beta + eta_k) + eps_k`` with ``eta ~ GP(J m, sigma^2 K)``,
    ``eps_k`` iid N(0, v_eps), all independent of X_0. Covariances are propagated bilinearly.

    Returns
    -------
    dict of str -> sympy.Eq
        ``mean``: E X_{k+1}; ``cov``: C(k+1, j) for j <= k; ``var``: C(k+1, k+1);
        ``D``: D(k, j) = Cov(eta_k, X_j) in terms of D(k, j-1).
    """
    a, b, beta, v, J, s2 = sp.symbols("a b beta v_eps J sigma^2", real=True)
    k, j = sp.symbols("k j", integer=True)
    EX, C, D, m, K = (sp.Function(nm) for nm in ("EX", "C", "D", "m", "K"))
    # random variables as linear forms over a basis with a covariance table
    Xk, Xj, Xj1, ek, eta_k, eta_j1, ej1 = sp.symbols("X_k X_j X_jm1 eps_k eta_k eta_jm1 eps_jm1")
    cov = {
        (Xk, Xk): C(k, k), (Xk, Xj): C(k, j), (Xk, eta_k): D(k, k), (Xj, eta_k): D(k, j),
        (eta_k, eta_k): s2 * K(k, k), (ek, ek): v, (eta_k, Xj1): D(k, j - 1), (eta_k, eta_j1): s2 * K(k, j - 1),
    }

    def c(u: sp.Expr, w: sp.Expr) -> sp.Expr:
        u, w = sp.expand(u), sp.expand(w)
        basis = sorted((u.free_symbols | w.free_symbols) & {Xk, Xj, Xj1, ek, eta_k, eta_j1, ej1}, key=str)
        out = sp.Integer(0)
        for p in basis:
            for q in basis:
                cp, cq = u.coeff(p), w.coeff(q)
                if cp == 0 or cq == 0:
                    continue
                val = cov.get((p, q), cov.get((q, p)))
                if val is None:
                    val = 0  # independent (eps_k is independent of the past; eps_{j-1} of eta)
                out += cp * cq * val
        return sp.expand(out)

    Xnext = a * Xk + b * (beta + eta_k) + ek
    mean = sp.Eq(EX(k + 1), a * EX(k) + b * (beta + J * m(k)))
    cov_eq = sp.Eq(C(k + 1, j), c(Xnext - b * beta, Xj))
    var_eq = sp.Eq(C(k + 1, k + 1), c(Xnext - b * beta, Xnext - b * beta))
    D_eq = sp.Eq(D(k, j), c(eta_k, a * Xj1 + b * eta_j1 + ej1))
    return {"mean": mean, "cov": cov_eq, "var": var_eq, "D": D_eq}
