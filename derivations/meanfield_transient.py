"""Transient mean-field theory of the Faugeras-Tanré network, derived from the shared MSRDJ action.

Model (notes ``shared/theory/meanfield-transient.md`` §1)::

    dX^i = ( g(X^i) + sum_j J_ij f(X^j) ) dt + lambda dW^i,   E J_ij = J/N,  Var J_ij = sigma^2/N.

In the workbench spec this is one population with ``tau = 1``, ``phi = f``, ``J0 = J``,
``g = sigma`` (coupling std) and white noise of intensity ``sigma2 = lambda^2``; the intrinsic
drift ``g(x)`` (default the leak ``-x``) is an option of :func:`workbench.symbolic.build_action`.

:func:`derive` runs the same pipeline as :mod:`derivations.dmft` (``build_action ->
average_disorder -> collective_action -> saddle_point -> effective_processes``) and stops before
any stationarity assumption: the order parameters stay two-time functions. From the effective
process it then derives (nothing transcribed):

1. the FT form of the process: ``dX = (g(X) + J m(t) + eta) dt + lambda dB`` with the field
   mean, the field covariance ``sigma^2 K(t, s)`` and the white intensity read off the process;
2. the one-step map of the discretised process (field frozen on a step, left-point rule):
   exponential Euler for affine g (variation of constants integrated by SymPy), Euler-Maruyama
   otherwise;
3. the Gaussian-closure recursion for ``(E X, C, D = Cov(eta, X))`` by bilinear propagation of
   the mean and the covariance through that step (affine g, Gaussian initial law; notes §2.5,
   §6.1);
4. the field statistics of the particle solvers: the drift ``b J m_k`` and the innovation
   covariance ``b^2 sigma^2 K_kl + v_eps delta_kl`` (notes §4.3).

The expressions of 3 and 4 are what the numba solvers of :mod:`workbench.theories.meanfield` are
generated from (:attr:`ClosureStep.kernels`, :attr:`ClosureStep.particle_kernels`).

:func:`disorder_cumulants` and :func:`effective_process` keep the independent discretised check
of universality (Gaussian and Rademacher couplings give the same limit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derivations.dmft import DERIVATION_CODE
from workbench.codegen.cache import CacheInfo, cache_to_disk
from workbench.errors import SpecError
from workbench.expr import as_expr, parse_expression
from workbench.spec import ModelSpec, X
from workbench.symbolic.action import (
    CollectiveAction,
    EffectiveProcess,
    NetworkAction,
    SaddlePoint,
    build_action,
    mean_field_stages,
)
from workbench.symbolic.derivation import StagedDerivation
from workbench.symbolic.fields import s0, t0
from workbench.symbolic.functional import Average
from workbench.symbolic.gaussian import gaussian_cgf

__all__ = [
    "DT",
    "ClosureStep",
    "FTProcess",
    "MeanFieldDerivation",
    "TransientDerivation",
    "closure_recursion",
    "derive",
    "derive_cached",
    "disorder_cumulants",
    "effective_process",
    "exponential_euler_coefficients",
    "skeleton",
]

DT = sp.Symbol("Delta_t", positive=True)
"""The time step symbol, printed Delta t (the generated step map takes it as its second argument)."""

# closure-stage symbols: step coefficients, grid functions and indices
A_SYM, B_SYM, BETA_SYM, V_SYM = sp.symbols("a b beta v_eps", real=True)
K_IDX, J_IDX = sp.symbols("k j", integer=True)
EXf, Cf, Df, mf, Kf = (sp.Function(nm) for nm in ("EX", "C", "D", "m", "K"))
DELTA_KL = sp.Symbol("delta_kl", nonnegative=True)
"""Kronecker delta of two grid times (1 on the diagonal of the innovation covariance)."""

STEP_LABELS = {
    "a": "decay factor per step",
    "b": "weight of the frozen drift and field",
    "v_eps": "variance of the step noise",
    "bbeta": "constant drift per step",
    "A": "mean step map",
}
"""Descriptions of the step coefficients (keys of :func:`exponential_euler_coefficients`) in the printed stages."""

EQUATION_LABELS = {
    "sde": "effective single-neuron equation",
    "field_mean": "mean of the field",
    "field_cov": "covariance of the field",
    "m": "self-consistency of the mean rate m",
    "K": "self-consistency of the rate covariance K",
    "innovation": "covariance of the step noises",
    "dynamics[all]": "dynamics term (all neurons)",
    "noise[all]": "noise term (all neurons)",
    "input[all]": "input term (all neurons)",
    "coupling[all,all]": "coupling term (all pairs)",
    "process": "effective process",
    "mean": "mean",
    "cov": "two-time covariance",
    "var": "variance",
    "D": "covariance D of the field and the state",
}
"""Descriptions of the equations of :meth:`FTProcess.equations` and the transient derivation in print."""


def label(name: str) -> str:
    """The printed description of an equation named ``name`` (the name itself when none is stated)."""
    return EQUATION_LABELS.get(name, name)

_J, _SIG, _LAM, _N = sp.symbols("J sigma lambda N", real=True)
_SIG = sp.Symbol("sigma", nonnegative=True)
_LAM = sp.Symbol("lambda", nonnegative=True)
_N = sp.Symbol("N", positive=True, integer=True)


# ---------------------------------------------------------------------------------------------
# stage objects


@dataclass(frozen=True)
class FTProcess:
    """The effective process in Faugeras-Tanré form, read off :class:`EffectiveProcess` (``tau = 1``).

    Attributes
    ----------
    drift : sympy.Expr
        Intrinsic drift ``g(X)`` per unit time, in :data:`workbench.spec.X`.
    field_mean : sympy.Expr
        Mean of the recurrent field, in ``m(t_0)`` (``J m(t)``).
    field_cov : sympy.Expr
        Covariance of the recurrent field, in ``K(t_0, s_0)`` (``sigma^2 K(t, s)``).
    white : sympy.Expr
        Intensity of the white noise (``lambda^2``).
    self_consistency : dict of str -> sympy.Eq
        ``m(t) = <f(x(t))>``, ``K(t, s) = <f(x(t)) f(x(s))>`` (the saddle point).
    """

    drift: sp.Expr
    field_mean: sp.Expr
    field_cov: sp.Expr
    white: sp.Expr
    self_consistency: dict[str, sp.Eq]

    def equations(self) -> dict[str, sp.Eq]:
        """The continuum equations (effective SDE, field moments, self-consistency)."""
        t, s = sp.symbols("t s", nonnegative=True)
        Xf, eta, xi, cov = sp.Function("X"), sp.Function("eta"), sp.Function("xi"), sp.Function("Cov")
        return {
            "sde": sp.Eq(sp.Derivative(Xf(t), t), self.drift.subs(X, Xf(t)) + eta(t) + sp.sqrt(self.white) * xi(t)),
            "field_mean": sp.Eq(Average(eta(t)), self.field_mean.subs(t0, t)),
            "field_cov": sp.Eq(cov(eta(t), eta(s)), self.field_cov.subs({t0: t, s0: s})),
            **{k: v.subs({t0: t, s0: s}) for k, v in self.self_consistency.items()},
        }


@dataclass(frozen=True)
class ClosureStep:
    """One time step of the discretised effective process and what follows from it.

    Attributes
    ----------
    scheme : str
        ``"exponential-euler"`` (affine g) or ``"euler-maruyama"``.
    coefficients : dict of str -> sympy.Expr
        ``a``, ``b``, ``v_eps``, ``bbeta`` in :data:`DT` and the model parameters, and the
        deterministic step map ``A`` in ``X`` and :data:`DT`.
    step : sympy.Eq
        ``X_{k+1} = a X_k + b (beta + eta_k) + eps_k``.
    recursion : dict of str -> sympy.Eq or None
        Gaussian-closure recursion (``mean``, ``cov``, ``var``, ``D``); None for non-affine g.
    innovation : sympy.Expr
        Covariance of the step noise ``b (eta_k - E eta_k) + eps_k`` of two steps k, l.
    kernels : dict of str -> (sympy.Expr, tuple of sympy.Symbol)
        Closure updates as scalar functions for :func:`workbench.codegen.compile_system`.
    particle_kernels : dict of str -> (sympy.Expr, tuple of sympy.Symbol)
        Field statistics of the particle solvers (``drift``, ``innovation``).
    """

    scheme: str
    coefficients: dict[str, sp.Expr]
    step: sp.Eq
    recursion: dict[str, sp.Eq] | None
    innovation: sp.Expr
    kernels: dict[str, tuple[sp.Expr, tuple[sp.Symbol, ...]]]
    particle_kernels: dict[str, tuple[sp.Expr, tuple[sp.Symbol, ...]]]


@dataclass
class MeanFieldDerivation(StagedDerivation):
    """The derived transient mean field: equations, unknowns, parameters, stages, LaTeX, provenance.

    Attributes
    ----------
    name : str
    equations : dict of str -> sympy.Eq
        Continuum equations (:meth:`FTProcess.equations`).
    unknowns : tuple
        ``m(t)``, ``K(t, s)``.
    parameters : tuple of sympy.Symbol
    steps : list of (str, str)
        (title, LaTeX) of every stage, in order.
    stage_equations : list of (str, dict)
        The stages' equations as SymPy objects (title, name -> expression or equation), for the report.
    stages : dict
        The stage objects by name, in pipeline order (:data:`STAGES`).
    provenance : dict
    action, averaged : NetworkAction
    collective : CollectiveAction
    saddle : SaddlePoint
    process : EffectiveProcess
    ft : FTProcess
    closure : ClosureStep
    """

    STAGES = ("action", "averaged", "collective", "saddle", "process", "ft", "closure")

    name: str
    equations: dict[str, sp.Eq]
    unknowns: tuple[Any, ...]
    parameters: tuple[sp.Symbol, ...]
    steps: list[tuple[str, str]]
    provenance: dict[str, Any]
    action: NetworkAction = field(repr=False)
    averaged: NetworkAction = field(repr=False)
    collective: CollectiveAction = field(repr=False)
    saddle: SaddlePoint = field(repr=False)
    process: EffectiveProcess = field(repr=False)
    ft: FTProcess = field(repr=False)
    closure: ClosureStep = field(repr=False)
    stage_equations: list[tuple[str, dict[str, sp.Basic]]] = field(default_factory=list, repr=False)



# ---------------------------------------------------------------------------------------------
# entry point


def skeleton(spec_or_problem: Any = None, drift: sp.Expr | str | None = None) -> dict[str, Any]:
    """The structural part the derivation depends on: ``phi``, the drift ``g(x)`` and the noise kind.

    Parameters
    ----------
    spec_or_problem : ModelSpec or TransientProblem, optional
        A one-population spec (``tau = 1``, no quenched input) or a transient problem (its ``f``
        and ``g``); default: the FT model with logistic ``f`` and leak ``-x``.
    drift : sympy.Expr or str, optional
        Intrinsic drift ``g(x)`` for a spec (a problem carries its own); default ``-x``.

    Raises
    ------
    SpecError
        For several populations or OU noise.
    """
    if spec_or_problem is None:
        return {"phi": "logistic", "drift": str(-X if drift is None else as_expr(drift)), "noise": "white"}
    if isinstance(spec_or_problem, ModelSpec):
        spec = spec_or_problem
        if spec.n_populations != 1:
            raise SpecError("populations", "the Faugeras-Tanre model has one population")
        if spec.noise.kind == "ou":
            raise SpecError("noise.kind", "the Faugeras-Tanre model has white noise")
        g = -X if drift is None else (parse_expression(drift, parameter="drift") if isinstance(drift, str) else drift)
        return {"phi": spec.phi.label(), "drift": str(as_expr(g)), "noise": spec.noise.kind}
    prob = spec_or_problem
    if not (hasattr(prob, "f") and hasattr(prob, "g") and hasattr(prob, "lam")):
        raise SpecError("spec", f"expected a ModelSpec or a TransientProblem, got {type(prob).__name__}")
    return {"phi": prob.f.label(), "drift": str(as_expr(prob.g)), "noise": "white"}


def derive(spec_or_problem: Any = None, drift: sp.Expr | str | None = None) -> MeanFieldDerivation:
    """Derive the transient mean field of the FT network (cached on disk by :func:`skeleton`)."""
    return derive_cached(spec_or_problem, drift)[0]


def derive_cached(spec_or_problem: Any = None, drift: sp.Expr | str | None = None) -> tuple[MeanFieldDerivation,
                                                                                              CacheInfo]:
    """:func:`derive` and how the disk cache served it (key, ``"hit"``/``"miss"``/``"off"``)."""
    return _derive_skeleton.cached_call(json.dumps(skeleton(spec_or_problem, drift), sort_keys=True))


def _spec_from_skeleton(sk: dict[str, Any]) -> ModelSpec:
    sig = 1.0 if sk["noise"] != "none" else 0.0
    return ModelSpec.from_dict({"phi": sk["phi"], "noise": {"kind": sk["noise"], "sigma2": sig}})


@cache_to_disk(code=DERIVATION_CODE)
def _derive_skeleton(skeleton_json: str) -> MeanFieldDerivation:
    sk = json.loads(skeleton_json)
    spec = _spec_from_skeleton(sk)
    g = parse_expression(sk["drift"], parameter="drift")
    action = build_action(spec, drift=g)
    shared = mean_field_stages(action)
    avg, col, sad = shared.averaged, shared.collective, shared.saddle
    (proc,) = shared.processes.values()
    ft = ft_process(proc, spec)
    closure = closure_step(ft, spec)
    par = spec.symbols()
    params = (par["J0"], par["g"], par["sigma2"])
    prov = {
        "derivation": "derivations.meanfield_transient",
        "skeleton": sk,
        "sympy": sp.__version__,
        "references": "shared/theory/meanfield-transient.md §2.3, §2.5, §4.3, §6.1; shared/theory/dmft.md §8",
    }
    t, s = sp.symbols("t s", nonnegative=True)
    stages = _stages(action, avg, col, sad, proc, ft, closure)
    return MeanFieldDerivation(
        "meanfield-transient", ft.equations(), (mf(t), Kf(t, s)), params, _steps(stages), prov,
        action, avg, col, sad, proc, ft, closure, stage_equations=stages,
    )


# ---------------------------------------------------------------------------------------------
# effective process -> FT form


def ft_process(proc: EffectiveProcess, spec: ModelSpec) -> FTProcess:
    """Read the FT form off the effective process (``tau = 1``, no quenched input: the FT model)."""
    par = spec.symbols()
    model = {par["tau"]: 1, par["I0"]: 0, par["sigma_I2"]: 0}
    P = proc.fields
    x0, xs0 = P.x(t0), P.x(s0)
    phi_t, phi_s = P.phi(x0), P.phi(xs0)
    to_grid = {Average(phi_t): mf(t0), Average(phi_s * phi_t): Kf(t0, s0), Average(phi_t * phi_s): Kf(t0, s0)}
    tau = proc.tau.subs(model)
    mean = sp.expand((proc.mean_input / tau).subs(model).xreplace(to_grid))
    constant = sp.Add(*[term for term in sp.Add.make_args(mean) if term.is_number])  # part of g(x)
    drift = sp.expand((proc.intrinsic / tau).subs(model).subs(x0, X) + constant)
    mean = sp.expand(mean - constant)
    cov = sp.expand((proc.noise_cov_saddle / tau**2).subs(model))
    white = sp.Add(*[term for term in sp.Add.make_args(cov) if term.has(sp.DiracDelta)])
    white = sp.simplify(white.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.One))
    field_cov = sp.expand(sp.Add(*[term for term in sp.Add.make_args(cov) if not term.has(sp.DiracDelta)]))
    field_cov = field_cov.xreplace(to_grid)
    if field_cov.has(Average) or mean.has(Average):
        raise ValueError(f"unexpected averages in the effective process: {mean}, {field_cov}")
    f_expr = P.phi_expr
    selfc = {
        "m": sp.Eq(mf(t0), Average(f_expr.subs(X, x0))),
        "K": sp.Eq(Kf(t0, s0), Average(f_expr.subs(X, x0) * f_expr.subs(X, xs0))),
    }
    return FTProcess(drift, mean, field_cov, white, selfc)


# ---------------------------------------------------------------------------------------------
# one step, closure recursion, particle statistics


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
    u = sp.Symbol("u", nonnegative=True)
    al, be, l2 = as_expr(alpha), as_expr(beta), as_expr(lam2)
    a = sp.exp(al * DT)
    b = sp.integrate(sp.exp(al * u), (u, 0, DT))
    v = l2 * sp.integrate(sp.exp(2 * al * u), (u, 0, DT))
    b, v = sp.simplify(b), sp.simplify(v)
    return {"a": a, "b": b, "v_eps": v, "bbeta": b * be, "A": a * X + b * be}


def _affine(g: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    if sp.simplify(sp.diff(g, X, 2)) != 0:
        return None
    alpha = sp.simplify(sp.diff(g, X))
    return alpha, sp.simplify(g - alpha * X)


class _Bilinear:
    """Covariance of linear forms over a basis of centred random symbols (a table of pair covariances)."""

    def __init__(self, table: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr]) -> None:
        self.table = table
        self.basis = {v for pair in table for v in pair}

    def __call__(self, u: sp.Expr, w: sp.Expr) -> sp.Expr:
        u, w = sp.expand(u), sp.expand(w)
        out = sp.S.Zero
        for p in sorted(u.free_symbols & self.basis, key=str):
            for q in sorted(w.free_symbols & self.basis, key=str):
                val = self.table.get((p, q), self.table.get((q, p), sp.S.Zero))  # absent: independent
                out += u.coeff(p) * w.coeff(q) * val
        return sp.expand(out)


def closure_step(ft: FTProcess, spec: ModelSpec) -> ClosureStep:
    """Discretise the FT process over one step and propagate its mean and covariance (see module doc)."""
    aff = _affine(ft.drift)
    if aff is not None:
        coeffs = exponential_euler_coefficients(aff[0], aff[1], ft.white)
        scheme = "exponential-euler"
    else:
        coeffs = {"a": sp.S.One, "b": DT, "v_eps": ft.white * DT, "bbeta": sp.S.Zero, "A": X + DT * ft.drift}
        scheme = "euler-maruyama"
    # random variables of step k (centred): X_k - E X_k, the field fluctuation, the white increment
    Xk, Xj, Xj1, eta_k, eta_j1, eta_l, eps_k, eps_l, eps_j1 = sp.symbols(
        "X_k X_j X_jm1 eta_k eta_jm1 eta_l eps_k eps_l eps_jm1"
    )

    def fc(i: sp.Expr, j: sp.Expr) -> sp.Expr:
        return ft.field_cov.xreplace({Kf(t0, s0): Kf(i, j)})

    c = _Bilinear({
        (Xk, Xk): Cf(K_IDX, K_IDX), (Xk, Xj): Cf(K_IDX, J_IDX), (Xk, eta_k): Df(K_IDX, K_IDX),
        (Xj, eta_k): Df(K_IDX, J_IDX), (eta_k, Xj1): Df(K_IDX, J_IDX - 1), (eta_k, eta_k): fc(K_IDX, K_IDX),
        (eta_k, eta_j1): fc(K_IDX, J_IDX - 1), (eta_k, eta_l): fc(K_IDX, sp.Symbol("l", integer=True)),
        (eps_k, eps_k): V_SYM, (eps_k, eps_l): V_SYM * DELTA_KL,
    })
    field_mean_k = ft.field_mean.xreplace({mf(t0): mf(K_IDX)})
    fluct = A_SYM * Xk + B_SYM * eta_k + eps_k  # X_{k+1} - E X_{k+1}
    step = sp.Eq(sp.Symbol("X_{k+1}"), A_SYM * sp.Symbol("X_k") + B_SYM * (BETA_SYM + sp.Symbol(r"\eta_k")) + eps_k)
    recursion = None
    if aff is not None:
        recursion = {
            "mean": sp.Eq(EXf(K_IDX + 1), sp.expand(A_SYM * EXf(K_IDX) + B_SYM * (BETA_SYM + field_mean_k))),
            "cov": sp.Eq(Cf(K_IDX + 1, J_IDX), c(fluct, Xj)),
            "var": sp.Eq(Cf(K_IDX + 1, K_IDX + 1), c(fluct, fluct)),
            "D": sp.Eq(Df(K_IDX, J_IDX), c(eta_k, A_SYM * Xj1 + B_SYM * eta_j1 + eps_j1)),
        }
    innovation = c(B_SYM * eta_k + eps_k, B_SYM * eta_l + eps_l)
    kernels = _closure_kernels(recursion) if recursion is not None else {}
    return ClosureStep(scheme, coeffs, step, recursion, innovation, kernels, _particle_kernels(field_mean_k,
                                                                                                innovation))


def _scalarise(expr: sp.Expr, names: dict[sp.Expr, str]) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """Grid functions -> scalar symbols (the arguments of a generated kernel), in the given order."""
    syms = {k: sp.Symbol(v, real=True) for k, v in names.items()}
    return expr.xreplace(syms), tuple(syms.values())


def _params_of(expr: sp.Expr, first: tuple[sp.Symbol, ...]) -> tuple[sp.Symbol, ...]:
    rest = sorted(expr.free_symbols - set(first), key=str)
    return first + tuple(rest)


def _closure_kernels(rec: dict[str, sp.Eq]) -> dict[str, tuple[sp.Expr, tuple[sp.Symbol, ...]]]:
    k, j = K_IDX, J_IDX
    specs = {
        "mean": (rec["mean"].rhs, {EXf(k): "EX_k", mf(k): "m_k"}),
        "D": (rec["D"].rhs, {Df(k, j - 1): "D_kjm1", Kf(k, j - 1): "K_kjm1"}),
        "cov": (rec["cov"].rhs, {Cf(k, j): "C_kj", Df(k, j): "D_kj"}),
        "var": (rec["var"].rhs, {Cf(k, k): "C_kk", Kf(k, k): "K_kk", Df(k, k): "D_kk"}),
    }
    out = {}
    for name, (expr, names) in specs.items():
        e, state = _scalarise(expr, names)
        out[name] = (e, _params_of(e, state + (A_SYM, B_SYM)))
    return out


def _particle_kernels(field_mean_k: sp.Expr, innovation: sp.Expr) -> dict[str, tuple[sp.Expr, tuple[sp.Symbol, ...]]]:
    drift, st = _scalarise(B_SYM * field_mean_k, {mf(K_IDX): "m_k"})
    l_idx = sp.Symbol("l", integer=True)
    innov, st2 = _scalarise(innovation, {Kf(K_IDX, l_idx): "K_kl", DELTA_KL: "delta_kl"})
    return {"drift": (drift, _params_of(drift, st + (B_SYM,))),
            "innovation": (innov, _params_of(innov, st2 + (B_SYM, V_SYM)))}


def closure_recursion(spec_or_problem: Any = None) -> dict[str, sp.Eq]:
    """The derived Gaussian-closure recursion in the notes' symbols (``J``, ``sigma^2``; notes §6.1).

    Returns
    -------
    dict of str -> sympy.Eq
        ``mean``: E X_{k+1}; ``cov``: C(k+1, j) for j <= k; ``var``: C(k+1, k+1);
        ``D``: D(k, j) = Cov(eta_k, X_j) in terms of D(k, j-1).
    """
    der = derive(spec_or_problem)
    if der.closure.recursion is None:
        raise SpecError("g", "the Gaussian closure needs an affine drift g(x)")
    par = ModelSpec.simple().symbols()
    notes = {par["J0"]: sp.Symbol("J", real=True), par["g"] ** 2: sp.Symbol("sigma^2", real=True)}
    return {k: sp.Eq(v.lhs, v.rhs.subs(notes)) for k, v in der.closure.recursion.items()}


# ---------------------------------------------------------------------------------------------
# LaTeX of the stages


def _text(name: str) -> str:
    """A name for LaTeX text mode (underscores escaped)."""
    return name.replace("_", r"\_")


def _rows(eqs: dict[str, Any]) -> str:
    from workbench.report.printing import latex

    return " \\\\\n".join(rf"\text{{{_text(k)}}}:&\quad {latex(v)}" for k, v in eqs.items())


def _stages(action: NetworkAction, avg: NetworkAction, col: CollectiveAction, sad: SaddlePoint,
            proc: EffectiveProcess, ft: FTProcess, closure: ClosureStep) -> list[tuple[str, dict[str, sp.Basic]]]:
    """The stages of the derivation as (title, name -> SymPy object), in order (what the report shows)."""
    cov = sp.Function("C_eta")(t0, s0)
    stages = [
        ("MSRDJ action", dict(action.terms)),
        ("Average over the couplings", dict(avg.terms)),
        ("Collective variables (per neuron)", _split_terms("S/N", col.per_neuron)),
        ("Saddle point", {f"saddle {i}": sp.Eq(k, v) for i, (k, v) in enumerate(sad.solution.items())}),
        ("Effective single-site process", {"process": proc.equation,
                                           "field covariance": sp.Eq(cov, proc.noise_cov_saddle)}),
        ("Faugeras-Tanre form (unit time constant, no external input)", ft.equations()),
        (f"One step ({closure.scheme}, field frozen on a step)",
         {"one step": closure.step,
          **{STEP_LABELS.get(k, k): sp.Eq(sp.Symbol(k), v) for k, v in closure.coefficients.items()}}),
    ]
    if closure.recursion is not None:
        stages.append(("Gaussian-closure recursion", dict(closure.recursion)))
    innovation = sp.Function("Sigma_noise")(*sp.symbols("k l"))  # covariance of the step noises k and l
    stages.append(("Innovation covariance of the particle step",
                   {"innovation": sp.Eq(innovation, closure.innovation)}))
    return [(title, {label(k): v for k, v in eqs.items()}) for title, eqs in stages]


def _split_terms(name: str, expr: sp.Expr, most: int = 2) -> dict[str, sp.Basic]:
    """``{name: expr}``, or one entry per term of a long sum (printed one per line, each readable)."""
    terms = sp.Add.make_args(expr)
    if len(terms) <= most:
        return {name: expr}
    out: dict[str, sp.Basic] = {}
    for i, term in enumerate(terms, 1):
        inner = term.args[0] if isinstance(term, sp.Function) and len(term.args) == 1 else None
        if inner is not None and len(sp.Add.make_args(inner)) > most:  # F(long sum): name the sum S_1
            s1 = sp.Symbol("S_1")
            out[f"{name}, term {i} of {len(terms)}"] = term.func(s1)
            out.update(_split_terms("with S_1 (single-site action)", inner, most))
        else:
            out[f"{name}, term {i} of {len(terms)}"] = term
    return out


def _steps(stages: list[tuple[str, dict[str, sp.Basic]]]) -> list[tuple[str, str]]:
    """(title, LaTeX rows) of every stage (:func:`_stages`)."""
    return [(title, _rows(eqs)) for title, eqs in stages]


# ---------------------------------------------------------------------------------------------
# independent discretised check (universality)


@dataclass
class TransientDerivation:
    """Result of :func:`effective_process` (the discretised, grid-level check).

    Attributes
    ----------
    action : sympy.Expr
        The disorder-averaged single-site action on a grid of ``n_grid`` points.
    drift : sympy.Expr
        Drift of the effective process at grid time k: ``g(x_k) + J m_k``.
    noise_cov : sympy.Matrix
        ``sigma^2 K_kl + lambda^2 delta_kl / Delta``.
    equations : dict of str -> sympy.Eq
    parameters : tuple of sympy.Symbol
    unknowns : tuple
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
        ``"cgf"``: the series of ``log E exp(J_ij y)``; ``"kappa"``: cumulants kappa_r;
        ``"limit"``: ``lim_{N->inf} N kappa_r`` (what survives the sum over presynaptic neurons).
    """
    y = sp.Symbol("y", real=True)
    if law == "gaussian":
        cgf_exact = gaussian_cgf(_J / _N, _SIG**2 / _N, y)
    elif law == "rademacher":
        cgf_exact = _J / _N * y + sp.log(sp.cosh(_SIG * y / sp.sqrt(_N)))
    else:
        raise SpecError("law", f"unknown coupling law {law!r}; allowed: 'gaussian', 'rademacher'")
    ser = sp.series(cgf_exact, y, 0, order + 1).removeO()
    kappa = [sp.simplify(ser.coeff(y, r) * sp.factorial(r)) for r in range(1, order + 1)]
    limit = [sp.limit(_N * k, _N, sp.oo) for k in kappa]
    return {"cgf": sp.expand(ser), "kappa": kappa, "limit": limit, "y": y}


def effective_process(g: sp.Expr | None = None, n_grid: int = 3, law: str = "gaussian") -> TransientDerivation:
    """The discretised (Itô) single-site action averaged over Gaussian or Rademacher couplings.

    An independent grid-level check of :func:`derive`: only two cumulants survive N -> infinity,
    so both coupling laws give the drift ``g(x_k) + J m_k`` and the noise covariance
    ``sigma^2 K_kl + lambda^2 delta_kl / Delta`` (universality).
    """
    g = -X if g is None else g
    n = int(n_grid)
    x = sp.symbols(f"x_0:{n + 1}", real=True)
    xt = sp.symbols(f"xt_0:{n}")
    F = sp.symbols(f"F_0:{n}", real=True)
    m = sp.symbols(f"m_0:{n}", real=True)
    K = sp.Matrix(n, n, lambda k, l: sp.Symbol(f"K_{min(k, l)}{max(k, l)}", real=True))
    cum = disorder_cumulants(law, order=4)
    y = DT * sum(xt[k] * F[k] for k in range(n))
    per_pair = sum(lim / sp.factorial(r + 1) / _N * y ** (r + 1) for r, lim in enumerate(cum["limit"]) if lim != 0)
    poly = sp.Poly(sp.expand(per_pair), *F)
    averaged = sp.Integer(0)
    for monom, coeff in poly.terms():
        idx = [k for k, p in enumerate(monom) for _ in range(p)]
        if len(idx) > 2:  # pragma: no cover - only with non-vanishing higher cumulants
            raise ValueError("higher cumulants do not survive N -> infinity")
        term = m[idx[0]] if len(idx) == 1 else (K[idx[0], idx[1]] if idx else 1)
        averaged += _N * coeff * term
    S = sum(xt[k] * (x[k + 1] - x[k] - DT * g.subs(X, x[k])) for k in range(n))
    S -= _LAM**2 * DT / 2 * sum(xt[k] ** 2 for k in range(n))
    S = sp.expand(S - sp.expand(averaged))
    lin = S.coeff(xt[0], 1).subs({v: 0 for v in xt})
    drift = sp.simplify(-(lin - (x[1] - x[0])) / DT)
    Sigma = sp.Matrix(n, n, lambda k, l: -sp.diff(S, xt[k], xt[l]))
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
        action=S, drift=drift, noise_cov=sp.simplify(Sigma / DT**2), equations=eqs, parameters=(_J, _SIG, _LAM),
        unknowns=(mfun(t), Kfun(t, s)), grid={"x": x, "xt": xt, "m": m, "K": K, "n": n},
        provenance={"law": law, "n_grid": n, "g": str(g), "source": "derivations.meanfield_transient"},
    )
