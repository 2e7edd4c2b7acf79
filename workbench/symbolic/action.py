"""The MSRDJ action of the network, built from the model spec, and its large-N reduction.

Pipeline (each step a pure function returning a new object):

1. :func:`build_action` — the network action ``S[x, x~]`` (exponent of ``exp(S)``) with one term
   per mechanism: leak and timescale, coupling blocks ``J_ab``, quenched input ``I``, white /
   Ornstein-Uhlenbeck noise (shared theory/dmft.md §8)::

       S = sum_i int dt x~_i (-tau dx_i/dt + leak * g(x_i) + sum_j J_ij phi(x_j) + I_i)
           + 1/2 sum_i int int dt ds x~_i(t) C_xi(t - s) x~_i(s)

   with the intrinsic drift ``g(x) = -x`` (the leak) and ``leak = 1`` by default. The
   :class:`ActionOptions` (``drift``, ``noise``, ``coupling_mean_sign``, ``leak``) build the
   Faugeras-Tanre network (any ``g(x)``; shared/theory/meanfield-transient.md §1) with the same
   builder, and are the hooks of the action-perturbation tests
   (tests/symbolic/test_action_perturbation.py).

2. :func:`average_disorder` — each random parameter (``J_ij``, ``I_i``) is averaged with its
   cumulant generating function, computed by integrating against the Gaussian density; for
   ``J_ij ~ N(J0/N, g^2/N)`` this gives ``J0/N * Y + g^2/(2N) Y^2``, ``Y = int x~_i phi_j``, and
   ``Y^2`` becomes the bilocal double integral.
3. :func:`collective_action` — the presynaptic sums are replaced by the collective variables
   ``Q_b(t, s) = (1/N_b) sum_j phi_j(t) phi_j(s)`` and ``m_b(t) = (1/N_b) sum_j phi_j(t)`` with
   their conjugates (Hubbard-Stratonovich); the action then splits into sites, giving
   ``S/N = sum_b alpha_b (-int int Q~_b Q_b - int m~_b m_b) + sum_a alpha_a ln Z_a``.
4. :func:`saddle_point` — functional derivatives of ``S/N`` with respect to all collective
   variables; with ``<x~ ... x~> = 0`` they give ``Q = <phi phi>``, ``m = <phi>``, ``Q~ = m~ = 0``.
5. :func:`effective_processes` — the single-site action at the saddle; its first and second
   functional derivatives in ``x~`` are the drift and the covariance of the effective Gaussian
   input: ``tau dx/dt = g(x) + I0 + sum_b alpha_b J0_ab m_b + eta``,
   ``<eta(t) eta(s)> = sum_b alpha_b g_ab^2 Q_b(t, s) + sigma_I^2 + C_xi(t - s)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from workbench.errors import SpecError
from workbench.expr import as_expr
from workbench.spec import ModelSpec, X
from workbench.symbolic.fields import PopulationFields, eta, population_fields, s, s0, site_i, site_j, t, t0
from workbench.symbolic.functional import (
    Average,
    LogPartition,
    functional_derivative,
    is_response_field,
    response_moments_vanish,
    square,
)
from workbench.symbolic.gaussian import concrete_phi, gaussian_cgf

__all__ = [
    "ActionOptions",
    "RandomParameter",
    "NetworkAction",
    "CollectiveAction",
    "SaddlePoint",
    "EffectiveProcess",
    "build_action",
    "average_disorder",
    "collective_action",
    "saddle_point",
    "effective_processes",
    "MeanFieldStages",
    "mean_field_stages",
    "canonicalize",
    "noise_kernel",
]

oo = sp.oo
N_TOTAL = sp.Symbol("N", positive=True, integer=True)
"""Total number of neurons."""


@dataclass(frozen=True)
class ActionOptions:
    """Structural choices of :func:`build_action` beyond the spec (also the perturbation test hooks).

    Attributes
    ----------
    drift : sympy.Expr or None
        Intrinsic drift ``g(x)`` in :data:`workbench.spec.X`; ``None`` is the leak ``-x``. The
        dynamics term is ``x~ (-tau dx/dt + leak * g(x))``.
    noise : bool
        Keep the input-noise term (``False`` drops it, as :meth:`NetworkAction.without`).
    coupling_mean_sign : int
        ``+1`` or ``-1``: the coupling mean is ``coupling_mean_sign * J0 / N``.
    leak : sympy.Expr or float
        Scale of the intrinsic drift (``2`` turns the leak ``-x`` into ``-2x``).
    """

    drift: sp.Expr | None = None
    noise: bool = True
    coupling_mean_sign: int = 1
    leak: sp.Expr | float = 1

    def __post_init__(self) -> None:
        if self.coupling_mean_sign not in (1, -1):
            raise SpecError("coupling_mean_sign", f"must be +1 or -1, got {self.coupling_mean_sign!r}")
        if self.drift is not None:
            drift = as_expr(self.drift)
            if drift.free_symbols - {X}:
                raise SpecError("drift", f"g(x) may depend on x only, got {drift}")
            object.__setattr__(self, "drift", drift)
        object.__setattr__(self, "leak", sp.nsimplify(as_expr(self.leak)))

    @property
    def g(self) -> sp.Expr:
        """The intrinsic drift in X, leak scale included."""
        return self.leak * (-X if self.drift is None else self.drift)

    @property
    def is_default(self) -> bool:
        """True when the options give the spec's own action (leak ``-x``, noise, sign +1)."""
        return self.noise and self.coupling_mean_sign == 1 and sp.expand(self.g + X) == 0


@dataclass(frozen=True)
class RandomParameter:
    """A Gaussian random parameter of the action: ``base[idx] ~ N(mean, variance)`` i.i.d."""

    base: sp.IndexedBase
    mean: sp.Expr
    variance: sp.Expr
    description: str


@dataclass(frozen=True)
class NetworkAction:
    """The network action as named terms (their sum is the exponent ``S``).

    Attributes
    ----------
    labels : tuple of str
        Population names.
    fields : dict
        Population label -> :class:`PopulationFields`.
    terms : dict of str -> sympy.Expr
        ``dynamics[a]``, ``noise[a]``, ``input[a]``, ``coupling[a,b]`` (and, after the average,
        the same names holding the averaged terms).
    random : dict of str -> RandomParameter
        Terms that still contain a random parameter.
    phi : dict of str -> sympy.Expr
        Transfer function of each population as the opaque ``fields[a].phi(X)``; the concrete
        expression (gain included) is ``fields[a].phi_expr``, substituted at the Gaussian closure.
    params : dict of str -> sympy.Symbol
        The spec's symbols (``spec.symbols()``) plus fractions ``alpha``.
    noise_kind : str
    options : ActionOptions
        The builder options (drift, noise, coupling-mean sign, leak) the action was built with.
    averaged : bool
        True after :func:`average_disorder`.
    """

    labels: tuple[str, ...]
    fields: dict[str, PopulationFields]
    terms: dict[str, sp.Expr]
    random: dict[str, RandomParameter]
    phi: dict[str, sp.Expr]
    params: dict[str, sp.Symbol]
    noise_kind: str
    options: ActionOptions = field(default_factory=ActionOptions)
    averaged: bool = False

    @property
    def expr(self) -> sp.Expr:
        """The full action ``S`` (sum of the terms)."""
        return sp.Add(*self.terms.values())

    def without(self, *names: str) -> NetworkAction:
        """A copy with terms removed (e.g. ``without("noise")`` drops every noise term)."""
        keep = {k: v for k, v in self.terms.items() if not any(k == n or k.startswith(n + "[") for n in names)}
        rnd = {k: v for k, v in self.random.items() if k in keep}
        return replace(self, terms=keep, random=rnd)

    def latex(self) -> str:
        """LaTeX of the action, one term per line."""
        return " \\\\\n".join(rf"S_{{\mathrm{{{k}}}}} &= {sp.latex(v)}" for k, v in self.terms.items())


def _sfx(label: str, single: bool) -> str:
    return "" if single else f"_{label}"


def noise_kernel(kind: str, params: dict[str, sp.Symbol], lag: sp.Expr) -> sp.Expr:
    """Covariance ``C_xi(lag)`` of the input noise: white, Ornstein-Uhlenbeck or none."""
    sigma2, tau_n = params["sigma2"], params["tau_n"]
    if kind == "white":
        return sigma2 * sp.DiracDelta(lag)
    if kind == "ou":
        return sigma2 / (2 * tau_n) * sp.exp(-sp.Abs(lag) / tau_n)
    if kind == "none":
        return sp.S.Zero
    raise SpecError("noise.kind", f"unknown noise kind {kind!r}")


def _constant(dist: Any, parameter: str) -> float:
    if dist.kind != "constant":
        raise SpecError(parameter, f"the DMFT needs a constant value here, got a {dist.kind} distribution")
    return float(dist.value)


def build_action(spec: ModelSpec, options: ActionOptions | None = None, **hooks: Any) -> NetworkAction:
    """The MSRDJ action of the spec's network (before any average).

    Parameters
    ----------
    spec : ModelSpec
    options : ActionOptions, optional
        Intrinsic drift, noise on/off, coupling-mean sign, leak scale; default: the spec's model.
    **hooks
        The fields of :class:`ActionOptions` as keywords (``drift=``, ``noise=``,
        ``coupling_mean_sign=``, ``leak=``), merged over ``options``.

    Raises
    ------
    SpecError
        For a fixed coupling matrix (no disorder to average), heterogeneous timescales/gains or
        an unknown hook.
    """
    opts = options or ActionOptions()
    if hooks:
        unknown = sorted(set(hooks) - set(ActionOptions.__dataclass_fields__))
        if unknown:
            raise SpecError("options", f"unknown action hooks {unknown}; allowed: {sorted(ActionOptions.__dataclass_fields__)}")
        opts = replace(opts, **hooks)
    if spec.fixed_J:
        raise SpecError("J_file", "the DMFT averages over random couplings; a fixed J has no action to average")
    labels = tuple(p.name for p in spec.populations)
    single = len(labels) == 1
    fields = population_fields(labels)
    params: dict[str, sp.Symbol] = dict(spec.symbols())
    terms: dict[str, sp.Expr] = {}
    random: dict[str, RandomParameter] = {}
    phi: dict[str, sp.Expr] = {}
    for k, pop in enumerate(spec.populations):
        fields[pop.name].phi_expr = concrete_phi(spec, k)  # the gain enters phi here only
        _constant(pop.tau, f"populations[{k}].tau")
        phi[pop.name] = fields[pop.name].phi(X)
        params[f"alpha{_sfx(pop.name, single)}"] = fields[pop.name].alpha
    T = (t, -oo, oo)
    S_ = (s, -oo, oo)
    for a in labels:
        Fa = fields[a]
        sa = _sfx(a, single)
        N_a = Fa.N
        xa, xta = Fa.x(site_i, t), Fa.xt(site_i, t)
        tau = params[f"tau{sa}"]
        terms[f"dynamics[{a}]"] = sp.Sum(
            sp.Integral(xta * (-tau * sp.Derivative(xa, t) + opts.g.subs(X, xa)), T), (site_i, 1, N_a)
        )
        Ck = noise_kernel(spec.noise.kind if opts.noise else "none", params, t - s)
        if Ck != 0:
            terms[f"noise[{a}]"] = sp.Sum(
                sp.Rational(1, 2) * sp.Integral(xta * Ck * Fa.xt(site_i, s), T, S_), (site_i, 1, N_a)
            )
        I = sp.IndexedBase(f"I{sa}", real=True)
        terms[f"input[{a}]"] = sp.Sum(sp.Integral(xta * I[site_i], T), (site_i, 1, N_a))
        random[f"input[{a}]"] = RandomParameter(
            I, params[f"I0{sa}"], params[f"sigma_I2{sa}"], "quenched input I_i ~ N(I0, sigma_I^2)"
        )
        for b in labels:
            Fb = fields[b]
            sab = "" if single else f"_{a}{b}"
            J = sp.IndexedBase(f"J{sab}", real=True)
            pre = phi[b].subs(X, Fb.x(site_j, t))
            terms[f"coupling[{a},{b}]"] = sp.Sum(
                sp.Sum(J[site_i, site_j] * sp.Integral(xta * pre, T), (site_j, 1, Fb.N)), (site_i, 1, N_a)
            )
            random[f"coupling[{a},{b}]"] = RandomParameter(
                J,
                opts.coupling_mean_sign * params[f"J0{sab}"] / N_TOTAL,
                params[f"g{sab}"] ** 2 / N_TOTAL,
                "coupling J_ij ~ N(J0/N, g^2/N)",
            )
    return NetworkAction(labels, fields, terms, random, phi, params, spec.noise.kind if opts.noise else "none", opts)


def _peel_sums(e: sp.Expr) -> tuple[sp.Expr, list[tuple]]:
    limits = []
    while isinstance(e, sp.Sum):
        limits.extend(reversed(e.limits))  # outermost first
        e = e.function
    return e, limits


def _wrap_sums(body: sp.Expr, limits: list[tuple]) -> sp.Expr:
    for lim in reversed(limits):
        body = sp.Sum(body, lim)
    return body


def average_disorder(action: NetworkAction) -> NetworkAction:
    """Average ``exp(S)`` over every random parameter (exactly: the cumulant generating function).

    A term ``sum_idx p[idx] Y_idx`` with i.i.d. Gaussian ``p`` becomes ``sum_idx K(Y_idx)``, with
    ``K(y) = ln E exp(p y)`` computed by :func:`workbench.symbolic.gaussian.gaussian_cgf`.
    """
    terms = dict(action.terms)
    y = sp.Dummy("y", real=True)
    for name, rv in action.random.items():
        body, limits = _peel_sums(terms[name])
        idx = [a for a in body.atoms(sp.Indexed) if a.base == rv.base]
        if len(idx) != 1:
            raise ValueError(f"term {name} must contain {rv.base} exactly once")
        Y = sp.diff(body, idx[0])
        if sp.diff(Y, idx[0]) != 0 or sp.simplify(body - idx[0] * Y) != 0:
            raise ValueError(f"term {name} is not linear in {rv.base}")
        cgf = sp.Poly(gaussian_cgf(rv.mean, rv.variance, y), y)
        new = sp.S.Zero
        for (k,), c in cgf.terms():
            if k == 1:
                new += c * Y
            elif k == 2:
                new += c * square(Y, {t: s})
            elif k > 2:
                raise NotImplementedError("cumulants beyond the second")
        terms[name] = _wrap_sums(sp.expand(new), limits)
    return replace(action, terms=terms, random={}, averaged=True)


@dataclass(frozen=True)
class CollectiveAction:
    """The action after the Hubbard-Stratonovich step, per neuron.

    Attributes
    ----------
    per_neuron : sympy.Expr
        ``S/N = sum_b alpha_b (-int int Q~_b Q_b - int m~_b m_b) + sum_a alpha_a ln Z_a``.
    site_actions : dict of str -> sympy.Expr
        Single-site action ``S_a[x, x~; Q, Q~, m, m~]`` of every population.
    collective : dict of str -> tuple of sympy.FunctionClass
        ``(Q, Qtilde, m, mtilde)`` of every population.
    action : NetworkAction
        The disorder-averaged action it came from.
    """

    per_neuron: sp.Expr
    site_actions: dict[str, sp.Expr]
    collective: dict[str, tuple]
    action: NetworkAction


def _to_site(expr: sp.Expr, funcs: set, index: sp.Symbol) -> sp.Expr:
    """x(i, t) -> x(t) for the given field classes (the representative site)."""
    return expr.replace(
        lambda e: isinstance(e, AppliedUndef) and e.func in funcs and len(e.args) == 2 and e.args[0] == index,
        lambda e: e.func(*e.args[1:]),
    )


def collective_action(avg: NetworkAction) -> CollectiveAction:
    """Introduce ``Q_b``, ``m_b`` (and conjugates) and split the averaged action into sites."""
    if not avg.averaged:
        raise ValueError("average the disorder first (average_disorder)")
    F = avg.fields
    site_funcs = {f for P in F.values() for f in (P.x, P.xt)}
    site_terms: dict[str, list[sp.Expr]] = {a: [] for a in avg.labels}
    collective_terms: list[sp.Expr] = []
    T = (t, -oo, oo)
    S_ = (s, -oo, oo)
    for name, term in avg.terms.items():
        a = name[name.index("[") + 1 : name.index("]")].split(",")[0]
        body, limits = _peel_sums(term)
        if name.startswith("coupling"):
            b = name[name.index("[") + 1 : name.index("]")].split(",")[1]
            Pb = F[b]
            (j, _, Nb) = limits[1]
            Q, m = Pb.Q, Pb.m
            new = sp.S.Zero
            for part in sp.Add.make_args(sp.expand(body)):
                coeff = sp.Mul(*[f for f in sp.Mul.make_args(part) if not isinstance(f, sp.Integral)])
                (I,) = [f for f in sp.Mul.make_args(part) if isinstance(f, sp.Integral)]
                fac = sp.Mul.make_args(I.function)
                pre = sp.Mul(*[f for f in fac if j in f.free_symbols])
                post = sp.Mul(*[f for f in fac if j not in f.free_symbols])
                # sum over presynaptic sites j of population b -> collective variable (definition)
                nvars = len(I.limits)
                if nvars == 1:
                    coll = m(t)
                    check = pre - avg.phi[b].subs(X, Pb.x(j, t))
                else:
                    coll = Q(t, s)
                    check = pre - avg.phi[b].subs(X, Pb.x(j, t)) * avg.phi[b].subs(X, Pb.x(j, s))
                if sp.simplify(check) != 0:
                    raise ValueError(f"unexpected presynaptic factor {pre} in {name}")
                new += coeff * Nb * sp.Integral(post * coll, *I.limits)
            body = new.subs({Nb: F[b].alpha * N_TOTAL})
            limits = limits[:1]
        site_terms[a].append(_to_site(body, site_funcs, site_i))
    for b in avg.labels:
        Pb = F[b]
        phi_t = avg.phi[b].subs(X, Pb.x(t))
        phi_s = avg.phi[b].subs(X, Pb.x(s))
        # 1 = int DQ DQ~ exp(int int Q~ (sum_j phi_j phi_j - N_b Q)), same for m
        collective_terms.append(
            -Pb.alpha * N_TOTAL * (sp.Integral(Pb.Qt(t, s) * Pb.Q(t, s), T, S_) + sp.Integral(Pb.mt(t) * Pb.m(t), T))
        )
        site_terms[b].append(sp.Integral(Pb.Qt(t, s) * phi_t * phi_s, T, S_) + sp.Integral(Pb.mt(t) * phi_t, T))
    site_actions = {a: sp.Add(*v) for a, v in site_terms.items()}
    per_neuron = sp.expand(sp.Add(*collective_terms) / N_TOTAL) + sp.Add(
        *[F[a].alpha * LogPartition(site_actions[a]) for a in avg.labels]
    )
    if len(avg.labels) == 1:
        P = F[avg.labels[0]]
        per_neuron = per_neuron.subs(P.alpha, 1)
        site_actions = {a: v.subs(P.alpha, 1) for a, v in site_actions.items()}
    coll = {a: (F[a].Q, F[a].Qt, F[a].m, F[a].mt) for a in avg.labels}
    return CollectiveAction(per_neuron, site_actions, coll, avg)


def canonicalize(expr: sp.Expr, symmetric: set | None = None) -> sp.Expr:
    """Even DiracDelta and symmetric two-time functions in canonical argument order."""
    expr = expr.replace(
        lambda e: isinstance(e, sp.DiracDelta) and len(e.args) == 1 and e.args[0].could_extract_minus_sign(),
        lambda e: sp.DiracDelta(-e.args[0]),
    )
    if symmetric:
        expr = expr.replace(
            lambda e: (
                isinstance(e, AppliedUndef)
                and e.func in symmetric
                and len(e.args) == 2
                and sp.default_sort_key(e.args[1]) < sp.default_sort_key(e.args[0])
            ),
            lambda e: e.func(e.args[1], e.args[0]),
        )
    return expr


@dataclass(frozen=True)
class SaddlePoint:
    """Saddle-point equations and their solution.

    Attributes
    ----------
    equations : dict
        Collective variable at the point -> ``delta (S/N) / delta variable`` (= 0 at the saddle).
    solution : dict
        Collective variable at the point -> its saddle value (averages over the site process).
    """

    equations: dict[sp.Expr, sp.Expr]
    solution: dict[sp.Expr, sp.Expr]


def saddle_point(col: CollectiveAction) -> SaddlePoint:
    """Vary ``S/N`` with respect to every collective variable and solve (conjugates vanish)."""
    eqs: dict[sp.Expr, sp.Expr] = {}
    sol: dict[sp.Expr, sp.Expr] = {}
    sym = {q for tpl in col.collective.values() for q in (tpl[0], tpl[1])}
    for _a, (Q, Qt, m, mt) in col.collective.items():
        pairs = [(Qt(t0, s0), Q(t0, s0)), (Q(t0, s0), Qt(t0, s0)), (mt(t0), m(t0)), (m(t0), mt(t0))]
        for var, partner in pairs:
            e = canonicalize(functional_derivative(col.per_neuron, var), sym)
            e = sp.expand(response_moments_vanish(e))
            eqs[var] = e
            partner = canonicalize(partner, sym)
            solved = sp.solve(e, partner)
            if len(solved) != 1:
                raise ValueError(f"saddle-point equation for {partner} not linear: {e}")
            sol[partner] = sp.simplify(solved[0])
    return SaddlePoint(eqs, sol)


@dataclass(frozen=True)
class EffectiveProcess:
    """The effective single-site process of one population.

    Attributes
    ----------
    label : str
    equation : sympy.Eq
        ``tau dx/dt = -x + (mean input) + eta(t)``.
    drift : sympy.Expr
        ``delta S_a / delta x~(t0)`` at ``x~ = 0`` (the drift, times -1 its tau dx/dt form).
    noise_cov : sympy.Expr
        ``<eta(t0) eta(s0)> = delta^2 S_a / delta x~(t0) delta x~(s0)``, with the collective
        variables ``Q_b`` left in place.
    noise_cov_saddle : sympy.Expr
        Same with the saddle values (``Q_b -> <phi phi>_b``).
    mean_input : sympy.Expr
        Deterministic input at the saddle (``I0 + sum_b alpha_b J0_ab <phi>_b``).
    site_action : sympy.Expr
        ``S_a`` at ``Q~ = m~ = 0``.
    fields : PopulationFields
    intrinsic : sympy.Expr
        The part of the drift that depends on ``x(t0)`` only (``-x(t0)`` for the leak; the
        intrinsic drift ``g(x)`` of the Faugeras-Tanre model).
    tau : sympy.Expr
        Coefficient of ``dx/dt`` (the time constant).
    """

    label: str
    equation: sp.Eq
    drift: sp.Expr
    noise_cov: sp.Expr
    noise_cov_saddle: sp.Expr
    mean_input: sp.Expr
    site_action: sp.Expr
    fields: PopulationFields = field(repr=False)
    intrinsic: sp.Expr = sp.S.Zero
    tau: sp.Expr = sp.S.One

    def latex(self) -> str:
        """Two display lines: the process and the covariance of its input."""
        return (
            sp.latex(self.equation)
            + r" \\ "
            + r"\left\langle \eta(t_0)\eta(s_0)\right\rangle &= "
            + sp.latex(self.noise_cov_saddle)
        )


def _drop_zero_integrals(e: sp.Expr) -> sp.Expr:
    return e.replace(lambda a: isinstance(a, sp.Integral) and a.function == 0, lambda a: sp.S.Zero)


def effective_processes(col: CollectiveAction, sad: SaddlePoint) -> dict[str, EffectiveProcess]:
    """Read the effective Gaussian process of each population off its single-site action."""
    out: dict[str, EffectiveProcess] = {}
    conj = {tpl[1] for tpl in col.collective.values()} | {tpl[3] for tpl in col.collective.values()}
    sym = {tpl[0] for tpl in col.collective.values()}
    for a, Sa in col.site_actions.items():
        Pa = col.action.fields[a]
        S0 = _drop_zero_integrals(Sa.replace(lambda e: isinstance(e, AppliedUndef) and e.func in conj, lambda e: 0))
        d1 = functional_derivative(S0, Pa.xt(t0))
        drift = _drop_zero_integrals(d1.replace(lambda e: is_response_field(e), lambda e: 0))
        drift = sp.expand(drift)
        cov = canonicalize(sp.expand(functional_derivative(d1, Pa.xt(s0))), sym)
        # saddle values; <phi(x(t0)) phi(x(s0))> and <phi(x(t0))>
        subs = {}
        for k, v in sad.solution.items():
            subs[k] = v
        cov_s = cov.xreplace(subs)
        xdot_sym = sp.Derivative(Pa.x(t0), t0)
        tau = sp.simplify(-sp.diff(drift, xdot_sym))
        intrinsic, mean_in = _split_drift(drift + tau * xdot_sym, Pa.x(t0))
        mean_in_s = mean_in.xreplace(subs)
        xdot = sp.solve(sp.Eq(drift + eta(t0), 0), xdot_sym)[0]
        eq = sp.Eq(tau * xdot_sym, sp.expand(tau * xdot).xreplace(subs))
        out[a] = EffectiveProcess(a, eq, drift, cov, cov_s, mean_in_s, S0, Pa, intrinsic, tau)
    return out


def _split_drift(drift: sp.Expr, x0: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Split ``drift`` (no ``dx/dt``) into the part in ``x0`` alone and the input (the rest)."""
    local, rest = sp.S.Zero, sp.S.Zero
    for term in sp.Add.make_args(sp.expand(drift)):
        if term.has(x0) and not term.has(Average):
            local += term
        else:
            rest += term
    return local, rest


@dataclass(frozen=True)
class MeanFieldStages:
    """The shared steps of every theory derived from the action, each stage object kept."""

    action: NetworkAction
    averaged: NetworkAction
    collective: CollectiveAction
    saddle: SaddlePoint
    processes: dict[str, EffectiveProcess]


def mean_field_stages(action: NetworkAction) -> MeanFieldStages:
    """Action -> disorder average -> collective variables -> saddle point -> effective processes."""
    averaged = average_disorder(action)
    collective = collective_action(averaged)
    saddle = saddle_point(collective)
    return MeanFieldStages(action, averaged, collective, saddle, effective_processes(collective, saddle))
