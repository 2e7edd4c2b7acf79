"""Mean-field equations of a random network with low-rank structure (Mastrogiuseppe & Ostojic 2018).

Model: ``J = g X / sqrt(N) + sum_r m_r n_r^T / N``, with ``(m_1..m_R, n_1..n_R)`` per neuron from a
joint Gaussian law (means ``M_m_r``, ``M_n_r``, covariance ``S``). The recurrent input of neuron i is
``x_i = I_i + sum_r kappa_r m_ir + eta_i`` with the collective variables ``kappa_r = <n_ir phi(x_i)>``
(population average) and ``eta_i`` the Gaussian field of the random part. The derivation builds, in
SymPy, the joint Gaussian law of ``(m, n, x)``, reads off the mean ``mu`` and variance ``Delta0`` of x,
and reduces ``kappa_r = E[n_r phi(x)]`` by Gaussian integration by parts (Stein's lemma, derived here
by regressing n_r on x) to Gaussian averages :class:`~workbench.symbolic.GaussAvg` at ``(mu, Delta0)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from workbench.spec import ModelSpec, X
from workbench.symbolic.gaussian import GaussAvg, concrete_phi, lam

__all__ = ["LowRankDerivation", "derive", "derive_cached"]


@dataclass(frozen=True)
class LowRankDerivation:
    """The derived static self-consistency of R rank-one terms; residuals vanish at a solution.

    Attributes
    ----------
    name : str
    rank : int
    kappa : tuple of sympy.Symbol
        Collective variables kappa_r.
    Delta0 : sympy.Symbol
    mu, quenched_variance : sympy.Expr
        Mean of x, and its quenched (static) variance from the input and the m_r (``sum kappa S_mm kappa``).
    equations : dict of str to sympy.Eq
        ``kappa_r`` conditions and the static ``Delta0`` condition.
    kappa_map : tuple of sympy.Expr
        ``E[n_r phi(x)]`` as Gaussian averages at ``(mu, Delta0)`` (used by the chaotic branch too).
    unknowns, parameters : tuple of sympy.Symbol
    symbols : dict of str to sympy.Symbol
    """

    name: str
    rank: int
    kappa: tuple[sp.Symbol, ...]
    Delta0: sp.Symbol
    mu: sp.Expr
    quenched_variance: sp.Expr
    equations: dict[str, sp.Eq]
    kappa_map: tuple[sp.Expr, ...]
    unknowns: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    symbols: dict[str, sp.Symbol] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def latex(self) -> str:
        """The equations as a LaTeX fragment."""
        rows = [rf"{sp.latex(e.lhs)} &= {sp.latex(e.rhs)}" for e in self.equations.values()]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"

    def residuals(self) -> list[sp.Expr]:
        """``lhs - rhs`` of every equation, unknowns in the order of :attr:`unknowns`."""
        return [e.lhs - e.rhs for e in self.equations.values()]


def _symbols(R: int) -> dict[str, sp.Symbol]:
    """Parameter and unknown symbols for R terms (covariance entries ``S_ab`` of (m_1..m_R, n_1..n_R))."""
    s: dict[str, sp.Symbol] = {
        "g": sp.Symbol("g", nonnegative=True),
        "I0": sp.Symbol("I_0", real=True),
        "sigma_I2": sp.Symbol("sigma_I^2", nonnegative=True),
        "Delta0": sp.Symbol("Delta_0", positive=True),
    }
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


def stein_average(mean_n: sp.Expr, cov_nx: sp.Expr, f: sp.Expr, mu: sp.Expr, Delta0: sp.Expr) -> sp.Expr:
    """``E[n f(x)]`` for jointly Gaussian (n, x), derived by regressing n on x.

    ``n = mean_n + (cov_nx / Delta0)(x - mu) + e`` with e independent of x, and
    ``E[(x - mu) f(x)]`` is integrated by parts against the Gaussian density in SymPy.
    """
    z = sp.Symbol("z", real=True)
    density = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    antiderivative = sp.integrate(z * density, z)  # of z Dz: int z F Dz = -int F' antiderivative dz
    weight = sp.simplify(-antiderivative / density)  # = 1: int z F(z) Dz = int F'(z) Dz
    x_of_z = mu + sp.sqrt(Delta0) * z
    # E[(x - mu) f] = sqrt(D0) int z f(x(z)) Dz = sqrt(D0) * weight * int d/dz f(x(z)) Dz
    e_dev_f = sp.sqrt(Delta0) * weight * sp.diff(x_of_z, z) * GaussAvg(lam(sp.diff(f, X)), mu, Delta0)
    return mean_n * GaussAvg(lam(f), mu, Delta0) + cov_nx / Delta0 * e_dev_f


def derive(spec: ModelSpec) -> LowRankDerivation:
    """Derive the rank-R mean-field conditions for ``spec`` (one population, its phi, R = len(low_rank))."""
    R = len(spec.low_rank)
    s = _symbols(R)
    S = covariance_matrix(s, R)
    kappa = sp.Matrix([s[f"kappa{r}"] for r in range(R)])
    Mm = sp.Matrix([s[f"Mm{r}"] for r in range(R)])
    Mn = sp.Matrix([s[f"Mn{r}"] for r in range(R)])
    # x = I + kappa . m + eta: linear in the Gaussian vector (m, n, I, eta)
    loading = sp.Matrix([*kappa, *([0] * R)])  # coefficients of (m, n) in x
    mu = sp.expand(s["I0"] + (Mm.T * kappa)[0])
    quenched = sp.expand((loading.T * S * loading)[0] + s["sigma_I2"])
    cov_nx = [sp.expand((S[R + r, :] * loading)[0]) for r in range(R)]
    phi = concrete_phi(spec)
    D0 = s["Delta0"]
    kappa_map = tuple(stein_average(Mn[r], cov_nx[r], phi, mu, D0) for r in range(R))
    eqs = {f"kappa_{r + 1}": sp.Eq(kappa[r], kappa_map[r]) for r in range(R)}
    eqs["Delta_0"] = sp.Eq(D0, quenched + s["g"] ** 2 * GaussAvg(lam(phi**2), mu, D0))
    params = tuple(v for k, v in s.items() if k != "Delta0" and not k.startswith("kappa"))
    return LowRankDerivation(
        name="lowrank",
        rank=R,
        kappa=tuple(kappa),
        Delta0=D0,
        mu=mu,
        quenched_variance=quenched,
        equations=eqs,
        kappa_map=kappa_map,
        unknowns=(*kappa, D0),
        parameters=params,
        symbols=s,
    )


def parameter_values(spec: ModelSpec, derivation: LowRankDerivation) -> dict[sp.Symbol, float]:
    """Numeric values of the derivation's parameters from ``spec``."""
    from workbench.spec.model import low_rank_covariance

    s, R = derivation.symbols, derivation.rank
    pop = spec.populations[0]
    vals: dict[sp.Symbol, float] = {s["g"]: spec.g[0][0], s["I0"]: pop.input_mean, s["sigma_I2"]: pop.input_std**2}
    C = low_rank_covariance(spec.low_rank)
    for r, t in enumerate(spec.low_rank):
        vals[s[f"Mm{r}"]] = t.m_mean
        vals[s[f"Mn{r}"]] = t.n_mean
    for a in range(2 * R):
        for b in range(a, 2 * R):
            vals[s[f"S{a}_{b}"]] = float(C[a, b])
    return vals


_CACHE: dict[str, Any] = {}


@dataclass(frozen=True)
class MemoInfo:
    """How the in-process memo served a derivation (``status`` hit/miss, ``key``), like CacheInfo."""

    status: str
    key: str


def derive_cached(spec: ModelSpec, *_: Any) -> tuple[LowRankDerivation, MemoInfo]:
    """:func:`derive`, memoised in-process on the structure (phi, rank); a spec without terms gets one."""
    if not spec.low_rank:
        from workbench.spec.model import LowRankTerm

        spec = spec.replace(low_rank=(LowRankTerm(1.0, 1.0, 1.0, 1.0),))
    key = f"{spec.phi.label()}|{len(spec.low_rank)}"
    hit = key in _CACHE
    if not hit:
        _CACHE[key] = derive(spec)
    return _CACHE[key], MemoInfo("hit" if hit else "miss", key)
