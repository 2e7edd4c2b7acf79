"""Mean-field theory of a random network with low-rank structure (Mastrogiuseppe & Ostojic 2018).

Model: ``J = J0/N + g X / sqrt(N) + sum_r m_r n_r^T / N``, with ``(m_1..m_R, n_1..n_R)`` per neuron
from a joint Gaussian law (means ``M_m_r``, ``M_n_r``, covariance ``S``). ``derive(spec)`` runs the
shared pipeline of :mod:`workbench.symbolic` on the spec's action (random part, mean ``J0/N`` and
quenched input: average, collective variables, saddle point, effective process, stationary
reduction), then the structured stage: the rank-one term ``sum_ij m_ir n_jr/N int x~_i phi_j`` is
written with its collective variable ``kappa_r = (1/N) sum_j n_jr phi_j`` (Hubbard-Stratonovich),
whose functional derivative adds ``sum_r m_ir kappa_r`` to the drift of neuron i; with ``m_i``
Gaussian and independent of ``I_i`` this is one more quenched input, of mean ``kappa . M_m`` and
variance ``kappa S_mm kappa`` (computed from the law), substituted into the stationary equations.
The saddle value ``kappa_r = E[n_r phi(x)]`` is reduced by Gaussian integration by parts (derived
here) to Gaussian averages at ``(mu, Delta0)``. The mean ``J0/N`` is the rank-one term with
``m = n = 1`` that the pipeline already carries (``mu = I0 + J0 <phi> + ...``).

Outliers of the static state's stability matrix ``J diag(phi'(x))`` (cavity method, derived in the
module docstring of :mod:`workbench.theories.lowrank.solver`): the roots of
``det(lambda - A - g^2 b c^T / (lambda - d)) = 0`` with ``A_rs = E[n_r phi' m_s]``,
``b_r = E[n_r phi'']``, ``c_s = E[phi phi' m_s]``, ``d = g^2 <(phi phi')'>``, the J0 term included
as the term ``(m, n) = (J0, 1)``.

Cached on disk (:func:`workbench.codegen.cache_to_disk`) under the structure (phi, rank, noise) and
the source of :data:`DERIVATION_CODE`.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from workbench.codegen.cache import CacheInfo, cache_to_disk
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
from workbench.symbolic.fields import site_i, site_j, t, t0
from workbench.symbolic.functional import functional_derivative
from workbench.symbolic.gaussian import GaussAvg, lam
from workbench.symbolic.stationary import StationaryDMFT, stationary_reduction

__all__ = [
    "DERIVATION_CODE", "STAGES", "LowRankDerivation", "StructuredStage", "derive", "derive_cached",
    "derive_from_action", "parameter_values", "skeleton",
]

DERIVATION_CODE: tuple[str, ...] = ("workbench.symbolic", "workbench.spec", "workbench.expr", "workbench.errors", "derivations")
"""Modules whose whole source keys the derivation cache (the symbolic layer, the spec, this code)."""

STAGES: tuple[str, ...] = ("action", "averaged", "collective", "saddle", "processes", "stationary", "structured")
"""Attribute names of the stage objects a :class:`LowRankDerivation` keeps, in pipeline order."""


@dataclass(frozen=True)
class StructuredStage:
    """The rank-one terms of the action and what they add to the single-site process.

    Attributes
    ----------
    terms : tuple of sympy.Expr
        ``sum_i sum_j m_ir n_jr / N int x~_i(t) phi(x_j(t)) dt`` per term r.
    site_terms : tuple of sympy.Expr
        The same after ``(1/N) sum_j n_jr phi_j(t) -> kappa_r(t)``: ``int x~(t) m_r kappa_r(t) dt``.
    drift : sympy.Expr
        ``delta/delta x~(t0)`` of the site terms: ``sum_r m_r kappa_r(t0)``.
    input_mean, input_variance : sympy.Expr
        Mean and variance of the drift over the law of ``m`` at constant kappa (a quenched input).
    """

    terms: tuple[sp.Expr, ...]
    site_terms: tuple[sp.Expr, ...]
    drift: sp.Expr
    input_mean: sp.Expr
    input_variance: sp.Expr


@dataclass
class LowRankDerivation(StagedDerivation):
    """The derived static self-consistency of R rank-one terms on the random part; residuals vanish at a solution.

    Attributes
    ----------
    name : str
    rank : int
    kappa : tuple of sympy.Symbol
        Collective variables kappa_r.
    Delta0, mu : sympy.Symbol
        Variance and mean of x over neurons (unknowns).
    quenched_variance, input_mean : sympy.Expr
        Quenched variance (``sigma_I^2 + kappa S_mm kappa``) and mean external input (``I0 + kappa . M_m``).
    equations : dict of str to sympy.Eq
        ``kappa_r`` conditions, the static ``Delta_0`` condition, the ``mean`` condition and the outlier equation.
    kappa_map : tuple of sympy.Expr
        ``E[n_r phi(x)]`` as Gaussian averages at ``(mu, Delta0)`` (used by the chaotic branch too).
    outlier_blocks : dict of str to sympy.Matrix
        ``A`` ((R+1) x (R+1)), ``b``, ``c`` (columns), ``d`` (1 x 1) of the outlier equation, J0 term last.
    unknowns, parameters : tuple of sympy.Symbol
    symbols : dict of str to sympy.Symbol
    steps : list of (str, str)
    provenance : dict
    action, averaged, collective, saddle, processes, stationary, structured
        The stage objects of the pipeline.
    """

    STAGES = STAGES

    name: str
    rank: int
    kappa: tuple[sp.Symbol, ...]
    Delta0: sp.Symbol
    mu: sp.Symbol
    quenched_variance: sp.Expr
    input_mean: sp.Expr
    equations: dict[str, sp.Eq]
    kappa_map: tuple[sp.Expr, ...]
    outlier_blocks: dict[str, sp.Matrix]
    unknowns: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    symbols: dict[str, sp.Symbol]
    steps: list[tuple[str, str]]
    provenance: dict[str, Any]
    action: NetworkAction = field(repr=False)
    averaged: NetworkAction = field(repr=False)
    collective: CollectiveAction = field(repr=False)
    saddle: SaddlePoint = field(repr=False)
    processes: dict[str, EffectiveProcess] = field(repr=False)
    stationary: StationaryDMFT = field(repr=False)
    structured: StructuredStage = field(repr=False)

    def residuals(self) -> list[sp.Expr]:
        """``lhs - rhs`` of the static equations, in the order of :attr:`unknowns` (kappa_r, Delta_0, mean)."""
        names = [*(f"kappa_{r + 1}" for r in range(self.rank)), "Delta_0", "mean"]
        return [self.equations[n].lhs - self.equations[n].rhs for n in names]


def skeleton(spec: ModelSpec) -> dict[str, Any]:
    """The structural part of a spec that the derivation depends on (phi, number of terms, noise kind)."""
    return {"phi": spec.phi.label(), "rank": max(len(spec.low_rank), 1), "noise": spec.noise.kind}


def _spec_from_skeleton(sk: dict[str, Any]) -> ModelSpec:
    sig = 1.0 if sk["noise"] != "none" else 0.0
    return ModelSpec.from_dict({"phi": sk["phi"], "noise": {"kind": sk["noise"], "sigma2": sig}})


def _law_symbols(R: int) -> dict[str, sp.Symbol]:
    """kappa_r, the means ``M_m_r``, ``M_n_r`` and covariance entries ``S_ab`` of (m_1..m_R, n_1..n_R)."""
    s: dict[str, sp.Symbol] = {}
    for r in range(R):
        s[f"kappa{r}"] = sp.Symbol(f"kappa_{r + 1}", real=True)
        s[f"Mm{r}"] = sp.Symbol(f"M_m{r + 1}", real=True)
        s[f"Mn{r}"] = sp.Symbol(f"M_n{r + 1}", real=True)
    for a in range(2 * R):
        for b in range(a, 2 * R):
            s[f"S{a}_{b}"] = sp.Symbol(f"S_{a}{b}", real=True)
    return s


def covariance_matrix(s: dict[str, sp.Symbol], R: int) -> sp.Matrix:
    """Symbolic joint covariance of ``(m_1..m_R, n_1..n_R)``."""
    return sp.Matrix(2 * R, 2 * R, lambda a, b: s[f"S{min(a, b)}_{max(a, b)}"])


def _structured_stage(action: NetworkAction, s: dict[str, sp.Symbol], R: int) -> StructuredStage:
    """The rank-one terms of the action, their collective variables and the quenched input they make."""
    P = action.fields[action.labels[0]]
    N = sp.Symbol("N", positive=True, integer=True)
    m = [sp.IndexedBase(f"m{r + 1}", real=True) for r in range(R)]
    n = [sp.IndexedBase(f"n{r + 1}", real=True) for r in range(R)]
    kap = [sp.Function(f"kappa_{r + 1}") for r in range(R)]
    m_site = [sp.Symbol(f"m_{r + 1}", real=True) for r in range(R)]
    T = (t, -sp.oo, sp.oo)
    phi_j = action.phi[action.labels[0]].subs(X, P.x(site_j, t))
    terms, site_terms = [], []
    for r in range(R):
        inner = sp.Sum(n[r][site_j] * phi_j / N, (site_j, 1, N))
        terms.append(sp.Sum(sp.Integral(P.xt(site_i, t) * m[r][site_i] * inner, T), (site_i, 1, N)))
        # (1/N) sum_j n_j phi_j(t) is the collective variable kappa_r(t) (Hubbard-Stratonovich, as for m_b)
        body = terms[-1].function.function.subs(inner, kap[r](t))
        site_terms.append(sp.Integral(body.subs({P.xt(site_i, t): P.xt(t), m[r][site_i]: m_site[r]}), T))
    drift = sp.expand(functional_derivative(sp.Add(*site_terms), P.xt(t0)))
    # the drift sum_r m_r kappa_r at constant kappa: a Gaussian input with the law of m
    kappa = sp.Matrix([s[f"kappa{r}"] for r in range(R)])
    coeff = sp.Matrix([sp.diff(drift, m_site[r]).subs(kap[r](t0), s[f"kappa{r}"]) for r in range(R)])
    Mm = sp.Matrix([s[f"Mm{r}"] for r in range(R)])
    Smm = covariance_matrix(s, R)[:R, :R]
    if sp.simplify(coeff - kappa) != sp.zeros(R, 1):
        raise ValueError(f"unexpected structured drift {drift}")
    return StructuredStage(tuple(terms), tuple(site_terms), drift, sp.expand((coeff.T * Mm)[0]),
                           sp.expand((coeff.T * Smm * coeff)[0]))


@functools.cache
def _parts_weight() -> sp.Expr:
    """``w`` in ``int z F(z) Dz = w int F'(z) Dz``: minus the antiderivative of ``z Dz`` over ``Dz`` (= 1)."""
    z = sp.Symbol("z", real=True)
    density = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    return sp.simplify(-sp.integrate(z * density, z) / density)


def _dev_average(k: int, f: sp.Expr, mu: sp.Expr, D0: sp.Expr) -> sp.Expr:
    """``E[(x - mu)^k f(x)]`` for ``x ~ N(mu, D0)``, by integration by parts against the Gaussian density.

    ``int z F(z) Dz = int F'(z) Dz`` is derived in SymPy (the antiderivative of ``z Dz``), then applied
    to ``F = (x - mu)^(k-1) f`` recursively.
    """
    if k == 0:
        return GaussAvg(lam(f), mu, D0)
    weight = _parts_weight()
    # E[(x-mu)^k f] = D0 * weight * E[d/dx ((x-mu)^(k-1) f)]
    out = (k - 1) * _dev_average(k - 2, f, mu, D0) * D0 if k >= 2 else sp.S.Zero
    return sp.expand(out + D0 * weight * _dev_average(k - 1, sp.diff(f, X), mu, D0))


def gaussian_pair_average(Ma: Any, Mb: Any, Cab: Any, Cax: Any, Cbx: Any, f: sp.Expr, mu: sp.Expr, D0: sp.Expr) -> sp.Expr:
    """``E[a b f(x)]`` for jointly Gaussian (a, b, x), by regressing a and b on x (``b = 1``: ``E[a f]``)."""
    dev = sp.Symbol("delta_x", real=True)
    a = Ma + Cax / D0 * dev
    b = Mb + Cbx / D0 * dev
    poly = sp.Poly(sp.expand(a * b), dev)
    out = (Cab - Cax * Cbx / D0) * _dev_average(0, f, mu, D0)
    for (k,), c in poly.terms():
        out += c * _dev_average(k, f, mu, D0)
    return sp.expand(out)


def stein_average(mean_n: sp.Expr, cov_nx: sp.Expr, f: sp.Expr, mu: sp.Expr, Delta0: sp.Expr) -> sp.Expr:
    """``E[n f(x)]`` for jointly Gaussian (n, x): ``M_n <f> + Cov(n, x) <f'>``."""
    return gaussian_pair_average(mean_n, 1, 0, cov_nx, 0, f, mu, Delta0)


def _outlier_blocks(phi: sp.Expr, law: dict[str, Any], g: sp.Expr, mu: sp.Expr, D0: sp.Expr) -> dict[str, sp.Matrix]:
    """``A_rs = E[n_r phi' m_s]``, ``b_r = E[n_r phi'']``, ``c_s = E[phi phi' m_s]``, ``d = g^2 <(phi phi')'>``."""
    R1 = len(law["Mm"])
    p1, p2 = sp.diff(phi, X), sp.diff(phi, X, 2)
    pp = phi * p1

    def avg(i: int | None, j: int | None, f: sp.Expr) -> sp.Expr:
        """E[n_i m_j f] (None: that factor is 1)."""
        Ma, Cax = (1, 0) if i is None else (law["Mn"][i], law["Cnx"][i])
        Mb, Cbx = (1, 0) if j is None else (law["Mm"][j], law["Cmx"][j])
        Cab = 0 if i is None or j is None else law["Cnm"][i][j]
        return gaussian_pair_average(Ma, Mb, Cab, Cax, Cbx, f, mu, D0)

    A = sp.Matrix(R1, R1, lambda r, q: avg(r, q, p1))
    b = sp.Matrix(R1, 1, lambda r, _: avg(r, None, p2))
    c = sp.Matrix(R1, 1, lambda q, _: avg(None, q, pp))
    d = sp.Matrix([[g**2 * GaussAvg(lam(sp.diff(pp, X)), mu, D0)]])
    return {"A": A, "b": b, "c": c, "d": d}


@cache_to_disk(code=DERIVATION_CODE)
def _derive_skeleton(skeleton_json: str) -> LowRankDerivation:
    sk = json.loads(skeleton_json)
    return derive_from_action(build_action(_spec_from_skeleton(sk)), sk["rank"], sk)


def derive_from_action(action: NetworkAction, rank: int, sk: dict[str, Any] | None = None) -> LowRankDerivation:
    """The derivation of a given action with ``rank`` rank-one terms (uncached; perturbation tests use it)."""
    sk = sk if sk is not None else {"action_options": repr(action.options), "rank": rank}
    R = rank
    st_ = mean_field_stages(action)
    stationary = stationary_reduction(st_.processes)
    (F,) = stationary.fields.values()
    p = action.params
    s = {**_law_symbols(R), "g": p["g"], "I0": p["I0"], "sigma_I2": p["sigma_I2"], "J0": p["J0"],
         "Delta0": F.Delta0, "mu": F.mu}
    structured = _structured_stage(action, s, R)
    phi = action.fields[action.labels[0]].phi_expr
    mu, D0 = F.mu, F.Delta0
    into = {p["I0"]: p["I0"] + structured.input_mean, p["sigma_I2"]: p["sigma_I2"] + structured.input_variance}
    eq_static = stationary.equations["static"]
    eq_mean = stationary.equations["mean"]
    S = covariance_matrix(s, R)
    kappa = sp.Matrix([s[f"kappa{r}"] for r in range(R)])
    Mm = [s[f"Mm{r}"] for r in range(R)]
    Mn = [s[f"Mn{r}"] for r in range(R)]
    # Cov(v, x) for v in (m, n): x = I + J0 <phi> + kappa . m + eta, eta and I independent of (m, n)
    cov_x = [sp.expand((S[a, :R] * kappa)[0]) for a in range(2 * R)]
    kappa_map = tuple(stein_average(Mn[r], cov_x[R + r], phi, mu, D0) for r in range(R))
    eqs = {f"kappa_{r + 1}": sp.Eq(kappa[r], kappa_map[r]) for r in range(R)}
    eqs["Delta_0"] = sp.Eq(sp.S.Zero, sp.expand((eq_static.lhs - eq_static.rhs).xreplace(into)))
    eqs["mean"] = sp.Eq(eq_mean.lhs, sp.expand(eq_mean.rhs.xreplace(into)))
    law = {  # the J0 term is the term (m, n) = (J0, 1) with no variance
        "Mm": [*Mm, p["J0"]], "Mn": [*Mn, 1],
        "Cmx": [*cov_x[:R], 0], "Cnx": [*cov_x[R:], 0],
        "Cnm": [[S[R + r, q] if r < R and q < R else 0 for q in range(R + 1)] for r in range(R + 1)],
    }
    blocks = _outlier_blocks(phi, law, p["g"], mu, D0)
    lam_ = sp.Symbol("lambda")
    M = blocks["A"] + blocks["b"] * blocks["c"].T * p["g"] ** 2 / (lam_ - blocks["d"][0, 0])
    eqs["outlier"] = sp.Eq(sp.Determinant(sp.ImmutableMatrix(lam_ * sp.eye(R + 1) - M)), 0)
    unknowns = (*kappa, D0, mu)
    params = (s["g"], s["I0"], s["sigma_I2"], s["J0"], *(v for k, v in s.items() if k[0] in "MS"))
    free = set().union(*(e.free_symbols for e in (*eqs.values(), *blocks.values())))
    extra = free - {*unknowns, *params, lam_}
    if extra:
        raise ValueError(f"unexpected symbols {sorted(map(str, extra))} in the low-rank equations")
    steps = _steps(st_, stationary, structured, eqs, M, lam_)
    prov = {"derivation": "derivations.lowrank", "skeleton": sk, "sympy": sp.__version__,
            "references": "shared/theory/dmft.md §5; Mastrogiuseppe & Ostojic, Neuron 99:609 (2018)"}
    return LowRankDerivation(
        "lowrank", R, tuple(kappa), D0, mu, p["sigma_I2"] + structured.input_variance, p["I0"] + structured.input_mean,
        eqs, kappa_map, blocks, unknowns, params, s, steps, prov, action, st_.averaged, st_.collective, st_.saddle,
        st_.processes, stationary, structured,
    )


def _steps(st_: Any, stationary: StationaryDMFT, structured: StructuredStage, eqs: dict[str, sp.Eq],
           M: sp.Matrix, lam_: sp.Symbol) -> list[tuple[str, str]]:
    """(title, LaTeX rows) of every step, the shared ones first."""
    (proc,) = st_.processes.values()
    rows = " \\\\\n".join(rf"{sp.latex(e.lhs)} &= {sp.latex(e.rhs)}" for k, e in eqs.items() if k != "outlier")
    return [
        ("MSRDJ action (random part, mean and input)", st_.action.latex()),
        ("Average over couplings and quenched inputs", st_.averaged.latex()),
        ("Collective variables (per neuron)", r"\frac{S}{N} &= " + sp.latex(st_.collective.per_neuron)),
        ("Saddle point", " \\\\\n".join(rf"{sp.latex(k)} &= {sp.latex(v)}" for k, v in st_.saddle.solution.items())),
        ("Effective single-site process", proc.latex().replace(" = ", " &= ", 1)),
        ("Rank-one terms and their collective variables",
         " \\\\\n".join(rf"S_{{{r + 1}}} &= {sp.latex(a)} \to {sp.latex(b)}"
                        for r, (a, b) in enumerate(zip(structured.terms, structured.site_terms, strict=True)))
         + rf" \\ \text{{drift}} &= {sp.latex(structured.drift)}"),
        ("Structured input as a quenched input",
         rf"I_0 &\to I_0 + {sp.latex(structured.input_mean)} \\ \sigma_I^2 &\to \sigma_I^2 + {sp.latex(structured.input_variance)}"),
        ("Static self-consistency", rows),
        ("Outliers of the stability matrix", rf"\det\left({sp.latex(lam_)} - M\right) &= 0,\quad M = {sp.latex(M)}"),
    ]


def derive(spec: ModelSpec) -> LowRankDerivation:
    """Derive the low-rank mean-field theory of ``spec`` (cached on disk by its structure)."""
    return derive_cached(spec)[0]


def derive_cached(spec: ModelSpec, *_: Any) -> tuple[LowRankDerivation, CacheInfo]:
    """:func:`derive` and how the disk cache served it (key, ``"hit"``/``"miss"``/``"off"``)."""
    return _derive_skeleton.cached_call(json.dumps(skeleton(spec), sort_keys=True))


def parameter_values(spec: ModelSpec, derivation: LowRankDerivation) -> dict[sp.Symbol, float]:
    """Numeric values of the derivation's parameters from ``spec``."""
    from workbench.spec.model import low_rank_covariance

    s, R = derivation.symbols, derivation.rank
    pop = spec.populations[0]
    vals: dict[sp.Symbol, float] = {s["g"]: spec.g[0][0], s["I0"]: pop.input_mean, s["sigma_I2"]: pop.input_std**2,
                                    s["J0"]: spec.J0[0][0]}
    C = low_rank_covariance(spec.low_rank)
    for r, term in enumerate(spec.low_rank):
        vals[s[f"Mm{r}"]] = term.m_mean
        vals[s[f"Mn{r}"]] = term.n_mean
    for a in range(2 * R):
        for b in range(a, 2 * R):
            vals[s[f"S{a}_{b}"]] = float(C[a, b])
    return vals
