"""Stationary reduction of the effective single-site process.

From :class:`workbench.symbolic.action.EffectiveProcess` (drift linear in x, Gaussian input):

1. *Gaussian closure*: in a stationary state ``x`` is Gaussian with mean ``mu`` and
   autocovariance ``Delta(t - s)``, so ``<f(x(t)) g(x(s))> -> C_{f,g}(Delta(t-s); Delta0, mu)``
   and ``<f(x(t))> -> <f>_{mu, Delta0}``.
2. *Mean*: the drift at ``x = mu``, ``dx/dt = 0`` vanishes: ``mu = I0 + sum_b alpha_b J0_ab <phi>_b``.
3. *Covariance ODE*: the linear operator ``L = tau d/dt + 1`` read off the drift acts on both times,
   ``L_t L_s Delta(t - s) = <eta(t) eta(s)>``, i.e. ``(1 - tau^2 d^2/du^2) Delta(u) = RHS(u)``.
4. *Kink*: integrating the ODE over ``(-eps, eps)`` with ``Delta`` even gives
   ``Delta'(0+) = -(int of the singular noise) / (2 tau^2) = -sigma^2 / (2 tau^2)``.
5. *Potential*: for ``u > 0`` (single population, noise kernel without a regular u-dependence)
   ``tau^2 Delta'' = -dV/dDelta`` with ``V`` obtained by antidifferentiation (Price identity
   ``dC_Phi/dDelta = C_phi``); ``E = tau^2 Delta'^2 / 2 + V`` is conserved (checked symbolically).
6. *Closed equations*: energy balance between ``0+`` and rest at ``Delta_inf`` (``V'(Delta_inf) = 0``),
   its chaotic special case ``Delta_inf = 0``, the static and boundary (``V''(0) = 0``) conditions,
   and lambda = 0 as ``Delta''(0+) = -V'(Delta0)/M = 0`` (shared theory/dmft.md §3.2).
   *Stability*: the static Jacobian ``A_ab = (dR_a/dDelta_b) / c_a`` at ``Delta_b(u) = Delta0_b``
   (:func:`static_jacobian`), the local-instability line ``A = 1`` (``g^2 <phi'^2> = 1``) and
   ``W(Delta0)``; *iteration*: the closed equations solved for their unknowns
   (:func:`fixed_point_map`).
7. *Lyapunov*: the linearised self-consistency (derivative of the RHS in Delta, Price's theorem)
   on the ansatz ``K = exp(lambda (t + s)) psi(t - s)`` gives a Schroedinger problem
   ``[-tau^2 d^2/du^2 - V''(Delta(u))] psi = E psi`` and ``lambda(E0)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import AppliedUndef

from workbench.spec import X
from workbench.symbolic.action import EffectiveProcess, canonicalize
from workbench.symbolic.fields import PopulationFields, eps, s0, t0, u
from workbench.symbolic.functional import Average
from workbench.symbolic.gaussian import GaussAvg, GaussKernel, antiderivative, endpoint_rules, is_zero, lam

__all__ = [
    "StationaryDMFT",
    "gaussian_closure",
    "stationary_reduction",
    "static_jacobian",
    "fixed_point_map",
    "D_VAR",
    "E0",
    "LAMBDA",
]

D_VAR = sp.Symbol("Delta", real=True)
"""The position variable of the potential V(Delta)."""
E0 = sp.Symbol("E_0", real=True)
"""Ground-state energy of the Schroedinger problem."""
LAMBDA = sp.Symbol("lambda_max", real=True)
"""Largest Lyapunov exponent."""


def gaussian_closure(expr: sp.Expr, fields: dict[str, PopulationFields]) -> sp.Expr:
    """Replace site averages by stationary Gaussian averages / kernels of each population."""
    by_func = {P.x: P for P in fields.values()}
    concrete = {P.phi: sp.Lambda(X, P.phi_expr) for P in fields.values() if P.phi_expr is not None}

    def concretize(e: sp.Expr) -> sp.Expr:
        for f, L in concrete.items():
            e = e.replace(f, L)
        return e

    def rule(avg: Average) -> sp.Expr:
        inner = sp.expand(avg.args[0])
        out = sp.S.Zero
        for term in sp.Add.make_args(inner):
            groups: dict[sp.Expr, sp.Expr] = {}
            coeff = sp.S.One
            pop = None
            for fac in sp.Mul.make_args(term):
                apps = [a for a in fac.atoms(AppliedUndef) if a.func in by_func]
                if not apps:
                    coeff *= fac
                    continue
                if len({a.args for a in apps}) != 1 or len({a.func for a in apps}) != 1:
                    raise NotImplementedError(f"cannot close {fac}")
                app = apps[0]
                pop = by_func[app.func]
                groups[app.args[0]] = groups.get(app.args[0], sp.S.One) * fac.subs(app, X)
            if pop is None:
                out += coeff
                continue
            times = sorted(groups, key=sp.default_sort_key)
            if len(times) == 1:
                out += coeff * GaussAvg(lam(concretize(groups[times[0]])), pop.mu, pop.Delta0)
            elif len(times) == 2:
                ta, tb = times
                fa, fb = lam(concretize(groups[ta])), lam(concretize(groups[tb]))
                out += coeff * GaussKernel(fa, fb, pop.Delta(ta - tb), pop.Delta0, pop.mu)
            else:
                raise NotImplementedError("three-time averages")
        return out

    return expr.replace(lambda e: isinstance(e, Average), rule)


@dataclass(frozen=True)
class StationaryDMFT:
    """The stationary DMFT of a spec, as SymPy equations.

    Attributes
    ----------
    ode : dict of str -> sympy.Eq
        ``(1 - tau^2 d^2/du^2) Delta_a(u) = RHS_a(u)`` per population.
    mean : dict of str -> sympy.Eq
        ``mu_a = ...`` per population.
    kink : dict of str -> sympy.Expr
        ``Delta_a'(0+)`` from the singular (white) part of the noise (0 without white noise).
    mass : sympy.Expr or None
        ``tau^2`` (single population).
    potential : sympy.Expr or None
        ``V(Delta; Delta0, mu)`` in :data:`D_VAR` (single population, energy integral exists).
    energy : sympy.Expr or None
        ``tau^2 Delta'^2/2 + V`` with ``Delta'`` written as the symbol ``Delta'``.
    equations : dict of str -> sympy.Eq
        Closed equations: ``energy_balance`` (Delta0, Delta_inf), ``rest`` (Delta_inf),
        ``chaotic`` (Delta_inf = 0), ``static``, ``boundary``, ``lambda0``, ``mean``.
    schrodinger_potential : sympy.Expr or None
        ``W(Delta) = -V''(Delta)``; the operator is ``-tau^2 d^2/du^2 + W(Delta(u))``.
    lyapunov : sympy.Eq or None
        ``lambda_max = f(E_0)``.
    fields : dict
    regular_lag_dependence : bool
        Whether the regular right-hand side depends on the lag explicitly (coloured noise).
    static_jacobian : sympy.Matrix or None
        ``A_ab = (dR_a/dDelta_b) / c_a`` at the static point ``Delta_b(u) = Delta0_b``: the
        linearisation of the covariance equations about a constant solution, whose spectral radius
        is the squared bulk radius of the Jacobian spectrum (Kadmon--Sompolinsky; one population:
        ``g^2 <phi'^2>``).
    static_schrodinger : sympy.Expr or None
        ``W(Delta0)`` at the static point (``Delta_inf = Delta0``): the constant potential of the
        Schroedinger operator, i.e. its ground-state energy there, ``c (1 - A)``.
    fixed_point : dict of sympy.Symbol -> sympy.Expr
        The closed equations ``energy_balance``, ``rest``, ``mean`` solved at build time for their own
        unknowns (``Delta0``, ``Delta_inf``, ``mu``) with the Gaussian nodes held fixed: the map of
        the damped fixed-point iteration (shared theory/dmft.md §4).
    """

    ode: dict[str, sp.Eq]
    mean: dict[str, sp.Eq]
    kink: dict[str, sp.Expr]
    mass: sp.Expr | None
    potential: sp.Expr | None
    energy: sp.Expr | None
    equations: dict[str, sp.Eq]
    schrodinger_potential: sp.Expr | None
    lyapunov: sp.Eq | None
    fields: dict[str, PopulationFields] = field(repr=False)
    regular_lag_dependence: bool = False
    static_jacobian: sp.Matrix | None = None
    static_schrodinger: sp.Expr | None = None
    fixed_point: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)

    @property
    def static_radius(self) -> sp.Expr | None:
        """Bulk radius ``sqrt(A)`` of the static branch (one population), stable below 1."""
        if self.static_jacobian is None or self.static_jacobian.shape != (1, 1):
            return None
        return sp.sqrt(self.static_jacobian[0, 0])


def _lag_form(expr: sp.Expr) -> sp.Expr:
    """Substitute t0 = s0 + u and evaluate the resulting derivatives."""
    e = expr.subs(t0, s0 + u).doit()
    e = canonicalize(e)
    return sp.expand(e)


def stationary_reduction(processes: dict[str, EffectiveProcess]) -> StationaryDMFT:
    """Derive the stationary equations from the effective processes (see the module docstring)."""
    fields = {a: p.fields for a, p in processes.items()}
    ode: dict[str, sp.Eq] = {}
    mean: dict[str, sp.Eq] = {}
    kink: dict[str, sp.Expr] = {}
    parts: dict[str, tuple] = {}
    lag_dep = False
    for a, p in processes.items():
        P = p.fields
        xdot = sp.Derivative(P.x(t0), t0)
        c1 = -sp.diff(p.drift, xdot)
        c0 = -sp.diff(p.drift, P.x(t0))
        if sp.diff(p.drift, P.x(t0), 2) != 0 or c1.has(P.x(t0)):
            raise NotImplementedError("drift not linear in x")
        mean_in = gaussian_closure(p.mean_input, fields)
        mean[a] = sp.Eq(P.mu, sp.expand(mean_in / c0))
        # L_t L_s Delta(t - s)
        D = P.Delta(t0 - s0)
        lhs = c1 * sp.diff(c1 * sp.diff(D, s0) + c0 * D, t0) + c0 * (c1 * sp.diff(D, s0) + c0 * D)
        lhs = _lag_form(lhs)
        rhs = _lag_form(gaussian_closure(p.noise_cov_saddle, fields))
        # Delta(-u) = Delta(u) and kernels canonical in u
        rhs = rhs.replace(lambda e: isinstance(e, AppliedUndef) and e.args == (-u,), lambda e: e.func(u))
        ode[a] = sp.Eq(lhs, rhs)
        Du = P.Delta(u)
        d2 = sp.Derivative(Du, (u, 2))
        c2 = lhs.coeff(d2)
        lhs_rest = sp.expand(lhs - c2 * d2)
        singular = sp.Add(*[term for term in sp.Add.make_args(rhs) if term.has(sp.DiracDelta)])
        regular = sp.expand(rhs - singular)
        jump = sp.integrate(singular, (u, -eps, eps)) if singular != 0 else sp.S.Zero
        # int_{-eps}^{eps} c2 Delta'' du = c2 (Delta'(0+) - Delta'(0-)) = 2 c2 Delta'(0+)  (Delta even)
        dp = sp.Symbol("dDelta0p")
        kink[a] = sp.solve(sp.Eq(2 * c2 * dp, jump), dp)[0]
        reg_u = regular.subs(P.Delta(u), D_VAR)
        if u in reg_u.free_symbols:
            lag_dep = True
        parts[a] = (c0, c1, c2, lhs_rest, regular)

    equations: dict[str, sp.Eq] = {}
    for a in processes:
        equations["mean" if len(processes) == 1 else f"mean[{a}]"] = mean[a]
    potential = energy = W = lyap = mass = static_W = None
    if len(processes) == 1 and not lag_dep:
        (a,) = processes
        P = fields[a]
        c0, c1, c2, lhs_rest, regular = parts[a]
        to_D = {P.Delta(u): D_VAR}
        force = sp.expand((regular - lhs_rest).subs(to_D))  # = c2 Delta''
        mass = sp.simplify(-c2)
        potential = antiderivative(force, D_VAR)  # c2 Delta'' = V'  <=>  M Delta'' = -V'
        dpsym = sp.Symbol("Delta'", real=True)
        energy = mass * dpsym**2 / 2 + potential
        # conservation: dE/du = Delta' (M Delta'' + V') with M Delta'' = -force
        dE = sp.expand(mass * dpsym * (-force / mass) + sp.diff(potential, D_VAR) * dpsym)
        if not is_zero(dE):
            raise AssertionError(f"energy not conserved: {dE}")
        D0, Dinf = P.Delta0, P.Delta_inf
        kp = kink[a]
        e0 = mass * kp**2 / 2 + potential.subs(D_VAR, D0)
        e_inf = potential.subs(D_VAR, Dinf)
        equations["energy_balance"] = sp.Eq(endpoint_rules(sp.expand(e0 - e_inf)), 0)
        Vp = sp.diff(potential, D_VAR)
        equations["rest"] = sp.Eq(endpoint_rules(Vp.subs(D_VAR, Dinf)), 0)
        equations["chaotic"] = sp.Eq(endpoint_rules(sp.expand(e0 - potential.subs(D_VAR, 0))), 0)
        equations["static"] = sp.Eq(endpoint_rules(Vp.subs(D_VAR, D0)), 0)
        # lambda = 0 (dmft.md §3.2): the kinked zero mode |Delta'| is an eigenfunction iff
        # Delta''(0+) = 0, and M Delta'' = -V'(Delta) gives Delta''(0+) = -V'(Delta0) / M
        equations["lambda0"] = sp.Eq(endpoint_rules(sp.expand(-Vp.subs(D_VAR, D0) / mass)), 0)
        equations["boundary"] = sp.Eq(endpoint_rules(sp.diff(potential, D_VAR, 2).subs(D_VAR, 0)), 0)
        W = sp.expand(-sp.diff(potential, D_VAR, 2))
        static_W = endpoint_rules(W.subs(D_VAR, D0))
        # replica K(t, s) = exp(lambda (t + s)) psi(t - s) in L_t L_s K = (dRHS/dDelta) K
        psi = sp.Function("psi")
        K = sp.exp(LAMBDA * (t0 + s0)) * psi(t0 - s0)
        LK = c1 * sp.diff(c1 * sp.diff(K, s0) + c0 * K, t0) + c0 * (c1 * sp.diff(K, s0) + c0 * K)
        LK = _lag_form(sp.expand(LK * sp.exp(-LAMBDA * (t0 + s0))))
        dRHS = sp.diff(regular.subs(to_D), D_VAR)
        # H psi = E psi with H = -M d^2/du^2 + (c0^2 - dRHS): E = c0^2 - (LK + M psi'')/psi
        rest = sp.simplify((LK - c2 * sp.Derivative(psi(u), (u, 2))) / psi(u))
        if not is_zero(W - (c0**2 - dRHS)):
            raise AssertionError("Schroedinger potential mismatch")
        sols = sp.solve(sp.Eq(E0, c0**2 - rest), LAMBDA)
        lyap_sol = max(sols, key=lambda e: float(e.subs({E0: -0.5}).subs({s: 1.0 for s in e.free_symbols if s != E0})))
        lyap = sp.Eq(LAMBDA, lyap_sol)
    jacobian = static_jacobian(parts, fields)
    fixed: dict[sp.Symbol, sp.Expr] = {}
    if potential is not None:
        (P,) = fields.values()
        equations["local_instability"] = sp.Eq(jacobian[0, 0], 1)
        closed = {"energy_balance": P.Delta0, "rest": P.Delta_inf, "mean": P.mu}
        fixed = fixed_point_map({equations[k]: x for k, x in closed.items()})
    return StationaryDMFT(
        ode,
        mean,
        kink,
        mass,
        potential,
        energy,
        equations,
        W,
        lyap,
        fields,
        regular_lag_dependence=lag_dep,
        static_jacobian=jacobian,
        static_schrodinger=static_W,
        fixed_point=fixed,
    )


def static_jacobian(parts: dict[str, tuple], fields: dict[str, PopulationFields]) -> sp.Matrix:
    """``A_ab = (dR_a/dDelta_b) / c_a`` at the static point ``Delta_b(u) = Delta0_b``.

    ``c_a`` is the coefficient of ``Delta_a(u)`` on the left of the covariance ODE and ``R_a`` its
    regular right-hand side; a constant perturbation ``delta_b`` of a static solution grows iff
    the spectral radius of ``A`` exceeds 1 (the bulk edge of the random Jacobian, dmft.md §5, §9).
    """
    labels = list(parts)
    hold = {b: sp.Dummy(f"Delta_{b}", real=True) for b in labels}
    to_hold = {fields[b].Delta(u): hold[b] for b in labels}
    at_static = {hold[b]: fields[b].Delta0 for b in labels}
    rows = []
    for a in labels:
        lhs_rest, regular = parts[a][3], parts[a][4]
        c = lhs_rest.coeff(fields[a].Delta(u))
        R = regular.xreplace(to_hold)
        rows.append([endpoint_rules(sp.expand(sp.diff(R, hold[b]).xreplace(at_static) / c)) for b in labels])
    return sp.Matrix(rows)


def fixed_point_map(system: dict[sp.Eq, sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    """Each equation solved for the leading power of its own unknown (Gaussian nodes held fixed).

    With the nodes and the lower powers of ``x`` held at the current iterate, the residual
    ``a_n x^n + (rest)`` is solved as ``x = (x^n - residual / a_n)^(1/n)`` (``n`` = 1, or 2 for a
    nonnegative unknown): e.g. ``Delta0 = sqrt(Delta0^2 + 2 r)`` for the energy balance
    ``r = -Delta0^2/2 + ...`` and ``mu = mu - r`` for the mean equation ``r = mu - ...``. The
    fixed points of the map are the roots of the system (dmft.md §4, §5).
    """
    out: dict[sp.Symbol, sp.Expr] = {}
    for eq, x in system.items():
        res = eq.lhs - eq.rhs
        nodes = sorted(res.atoms(GaussAvg, GaussKernel), key=sp.default_sort_key)
        held = {n: sp.Dummy(f"G{k}", real=True) for k, n in enumerate(nodes)}
        res_held = sp.expand(res.xreplace(held))  # expand outside the nodes only
        poly = sp.Poly(res_held, x)
        n = poly.degree()
        if n not in (1, 2) or (n == 2 and not x.is_nonnegative):
            raise NotImplementedError(f"no fixed-point form of {eq} in {x}")
        rhs = sp.expand(x**n - res_held / poly.LC()).xreplace({d: node for node, d in held.items()})
        out[x] = rhs if n == 1 else sp.sqrt(rhs)
    return out
