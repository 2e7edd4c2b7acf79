"""Covariance statistics and dimension of LINEAR random networks, derived in SymPy (issue 14, item 1).

Model (tau = 1 units): ``dx/dt = -x + J x + xi``, ``J_ij ~ N(0, g^2/N)`` i.i.d., ``g < 1``; input
``xi`` independent across units with spectrum ``sigma^2 N(w) + 2 pi sigma_I^2 delta(w)``,
``N(w) = 1 / (1 + tau_n^2 w^2)`` (white noise for ``tau_n = 0``, OU noise of timescale ``tau_n``
otherwise; ``sigma_I^2`` a quenched static input variance). The cross-spectrum is
``C(w) = S_in(w) B_a B_a^+`` with ``B_a = (a - J)^{-1}``, ``a = 1 + i w`` (notes ``dmft.md`` 6.1-6.3).

``derive(spec) -> DimensionDerivation`` builds

1. the corner ladders: at large N, (1/N) tr of a cyclic word of resolvents is the sum over
   non-crossing J-J^T pairings; the planar pairings of adjacent letters ``u``, ``v`` form a ladder
   (geometric series) ``L(u, v) = sum_n (g^2 / (u v))^n``, summed here by SymPy;
2. the two-resolvent trace ``(1/N) tr B_a B_a^+ = L(a, abar) / |a|^2`` and the four-resolvent trace
   ``T(a, b) = (1/N) tr B_a B_a^+ B_b B_b^+`` = bare word times the four corner bundles;
3. the statistics of ``C``: ``mean_autocov = (1/N) tr C``, ``N_var_cross = (1/N) tr C^2 - mean_autocov^2``
   and ``PR/N = mean_autocov^2 / (1/N) tr C^2`` (PR identity, 6.3, zero mean cross-covariance) for the
   frequency-resolved (at ``w``), zero-frequency (``w = 0``) and equal-time (``int dw/2pi``, the mean
   integrated symbolically, ``tr C^2`` as a generated 2-D kernel on ``w = tan t``) covariance;
4. the Hu-Sompolinsky eigenvalue density of the zero-frequency covariance ``C = (1-J)^{-1}(1-J)^{-T}``:
   the Hermitized 2x2 Dyson equation of ``W = 1 - J`` gives a cubic for the Stieltjes transform
   ``m(lambda)`` of ``W W^T``; eigenvalues of C are ``x = 1/lambda``; the support edges are the zeros
   of the cubic's discriminant.

:func:`derive_reciprocal` (separately cached; the i.i.d. path above is untouched) adds reciprocal motifs,
``corr(J_ij, J_ji) = eta``, for the zero-frequency covariance: the Hermitized Dyson equation of ``W = 1 - J``
gains the crossed rungs ``E[J G J] = eta g^2 G`` on its off-diagonal blocks; its lambda -> 0 expansion gives
``(1/N) tr (W W^T)^{-1}`` and ``(1/N) tr (W W^T)^{-2}`` (Hu & Sompolinsky 2022, reciprocal motifs). For the
equal-time covariance it adds the planar resolvent words of the elliptic Stein recursion
(:func:`reciprocal_equal_time`), an independent route that reproduces the Dyson one at zero frequency.

Everything is real: frequencies ``w1``, ``w2`` and ``cos t``, ``sin t`` of the angles ``w = tan t`` (:data:`ANGLE_ARGS`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from workbench.codegen.cache import CacheInfo, cache_to_disk
from workbench.errors import SpecError
from workbench.symbolic.derivation import StagedDerivation

__all__ = ["DERIVATION_CODE", "DimensionDerivation", "derive", "derive_cached", "derive_reciprocal", "skeleton"]

DERIVATION_CODE: tuple[str, ...] = ("workbench.symbolic", "workbench.errors", "derivations")
"""Modules whose source keys the derivation cache."""

G = sp.Symbol("g", positive=True)
"""Coupling strength (std of J_ij times sqrt N)."""
W1 = sp.Symbol("w1", real=True)
"""First frequency."""
W2 = sp.Symbol("w2", real=True)
"""Second frequency."""
SIGMA2 = sp.Symbol("sigma^2", nonnegative=True)
"""White/OU noise intensity (integrated spectrum at w = 0)."""
TAU_N = sp.Symbol("tau_n", nonnegative=True)
"""OU noise timescale (0: white noise)."""
SIGMA_I2 = sp.Symbol("sigma_I^2", nonnegative=True)
"""Quenched static input variance."""
ANGLE_ARGS: tuple[sp.Symbol, ...] = sp.symbols("c1 s1 c2 s2", real=True)
"""``cos t1, sin t1, cos t2, sin t2``: the arguments of the equal-time kernels (``w = tan t``)."""
LAM = sp.Symbol("lambda", positive=True)
"""Eigenvalue of ``W W^T``, ``W = 1 - J`` (``x = 1/lambda`` is an eigenvalue of C)."""
M = sp.Symbol("m")
"""Stieltjes transform ``(1/N) tr (lambda - W W^T)^{-1}``."""
ETA = sp.Symbol("eta", real=True)
"""Reciprocal correlation ``corr(J_ij, J_ji)`` (elliptic ensemble; 0: i.i.d.)."""
B_OFF = sp.Symbol("b")
"""Off-diagonal Hermitized trace ``(1/N) tr W^T (lambda - W W^T)^{-1}`` (``-(1/N) tr W^{-1}`` at lambda = 0)."""

_N = sp.Symbol("n", integer=True, nonnegative=True)
_R = sp.Symbol("r")
_KAPPA = sp.Symbol("kappa", positive=True)  # sqrt(1 - g^2), the decay rate of the linear DMFT


@dataclass
class DimensionDerivation(StagedDerivation):
    """The derived linear-network covariance statistics: kernels for the solver, equations, LaTeX steps.

    Attributes
    ----------
    name : str
    equations : dict of str -> sympy.Eq
    unknowns, parameters : tuple of sympy.Symbol
    kernels : dict of str -> sympy.Expr
        Real integrands/closed forms in (g, w1, w2, c1, s1, c2, s2, sigma^2, tau_n, sigma_I^2, lambda).
    steps : list of (str, str)
    provenance : dict
    ladders : dict of str -> sympy.Expr
        The four corner bundles of ``T(a, b)``.
    trace : sympy.Expr
        ``T(a, b)`` in complex ``a``, ``b``.
    spectrum : dict of str -> Any
        Hu-Sompolinsky cubic ``P(m; lambda) = 0`` (``"cubic"``, ``"coeffs"``) and discriminant.
    """

    STAGES = ("ladders", "trace", "kernels", "spectrum")

    name: str
    equations: dict[str, sp.Eq]
    unknowns: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    kernels: dict[str, sp.Expr]
    steps: list[tuple[str, str]]
    provenance: dict[str, Any]
    ladders: dict[str, sp.Expr] = field(repr=False)
    trace: sp.Expr = field(repr=False)
    spectrum: dict[str, Any] = field(repr=False)


def skeleton(spec: Any = None) -> dict[str, Any]:
    """The structure the derivation depends on: none (the linear theory is one set of formulas)."""
    return {"network": "linear", "couplings": "iid gaussian"}


def ladder(u: sp.Expr, v: sp.Expr) -> sp.Expr:
    """Corner bundle of adjacent letters with bare resolvents ``1/u``, ``1/v``: ``sum_n (g^2/(u v))^n``."""
    series = sp.summation(_R**_N, (_N, 0, sp.oo))
    convergent = series.args[0][0] if isinstance(series, sp.Piecewise) else series
    return convergent.subs(_R, G**2 / (u * v))


def _to_real(expr: sp.Expr) -> sp.Expr:
    """A real expression of ``w1``, ``w2`` (``a = 1 + i w1``, ``b = 1 + i w2``), simplified."""
    return sp.factor(sp.simplify(sp.expand_complex(expr)))


def traces() -> tuple[dict[str, sp.Expr], sp.Expr, sp.Expr]:
    """The corner ladders, ``T(a, b)`` and the two-resolvent trace ``(1/N) tr B_a B_a^+`` (complex a, b)."""
    a, b = 1 + sp.I * W1, 1 + sp.I * W2
    ac, bc = sp.conjugate(a), sp.conjugate(b)
    ladders = {"a_abar": ladder(a, ac), "abar_b": ladder(ac, b), "b_bbar": ladder(b, bc), "bbar_a": ladder(bc, a)}
    bare = 1 / (a * ac * b * bc)
    trace4 = bare * sp.Mul(*ladders.values())
    trace2 = ladder(a, ac) / (a * ac)
    return ladders, trace4, trace2


def _noise_spectrum(w: sp.Expr) -> sp.Expr:
    """Normalised input spectrum ``N(w)``: 1 for white noise, Lorentzian for OU noise of timescale tau_n."""
    return 1 / (1 + TAU_N**2 * w**2)


def _kernels(trace4: sp.Expr, trace2: sp.Expr) -> dict[str, sp.Expr]:
    """Every closed form and integrand the solver evaluates, derived from the traces."""
    T = _to_real(trace4)
    R2 = _to_real(trace2)
    Tww = sp.factor(sp.simplify(T.subs(W2, W1)))
    Nw = _noise_spectrum(W1)
    k: dict[str, sp.Expr] = {"trace4": T, "trace2": R2}
    # frequency-resolved: C(w) = sigma^2 N(w) B_a B_a^+
    k["freq_mean_autocov"] = sp.simplify(SIGMA2 * Nw * R2)
    k["freq_N_var_cross"] = sp.factor(sp.simplify(SIGMA2**2 * Nw**2 * (Tww - R2**2)))
    k["freq_PR_over_N"] = sp.factor(sp.simplify(R2**2 / Tww))
    # zero frequency (static input has no finite zero-frequency covariance: refused by the solver)
    for name in ("freq_mean_autocov", "freq_N_var_cross", "freq_PR_over_N"):
        k[name.replace("freq", "zf")] = sp.factor(sp.simplify(k[name].subs(W1, 0)))
    # equal time: C = int dw/2pi S_in(w) B_a B_a^+
    k["et_mean_autocov"] = _equal_time_mean(R2)
    k["et_trace_kernel"] = _angular(_noise_spectrum(W1) * _noise_spectrum(W2) * T / (4 * sp.pi**2))
    k["et_cross_kernel"] = _angular(_noise_spectrum(W1) * T.subs(W2, 0) / (2 * sp.pi))
    k["static_trace"] = sp.factor(T.subs({W1: 0, W2: 0}))
    return k


def _angular(integrand: sp.Expr) -> sp.Expr:
    """``integrand dw1 dw2`` on ``w = tan t`` (Jacobian ``sec^2 t``), as a polynomial ratio in cos and sin."""
    c1, s1, c2, s2 = ANGLE_ARGS
    sub = {W1: s1 / c1, W2: s2 / c2}
    jac = (1 / c1**2) * (1 / c2**2 if integrand.has(W2) else 1)
    expr = sp.factor(sp.cancel(sp.together(integrand.subs(sub) * jac)))
    return sp.factor(sp.cancel(expr.subs({s1**2: 1 - c1**2, s2**2: 1 - c2**2})))


def _equal_time_mean(R2: sp.Expr) -> sp.Expr:
    """``mean_autocov`` of the equal-time covariance: ``int dw/2pi S_in(w) R2(w)``, integrated by SymPy."""
    integrand = (SIGMA2 * _noise_spectrum(W1) * R2).subs(G, sp.sqrt(1 - _KAPPA**2))
    tau = sp.Symbol("tau_n", positive=True)
    coloured = sp.integrate(sp.simplify(integrand.subs(TAU_N, tau)), (W1, -sp.oo, sp.oo)) / (2 * sp.pi)
    coloured = sp.simplify(coloured).subs(tau, TAU_N)
    static = SIGMA_I2 * R2.subs({W1: 0, G: sp.sqrt(1 - _KAPPA**2)})
    return sp.simplify((coloured + static).subs(_KAPPA, sp.sqrt(1 - G**2)))


def hs_spectrum() -> dict[str, Any]:
    """Hu-Sompolinsky: the cubic of ``m(lambda)`` of ``W W^T`` (``W = 1 - J``) and its discriminant.

    Hermitized block of ``W`` at ``zeta`` (``lambda = zeta^2``): ``G = [[zeta - g^2 G22, -1],
    [-1, zeta - g^2 G11]]^{-1}`` with ``G11 = G22 = zeta m`` (square W).
    """
    zeta = sp.Symbol("zeta", positive=True)
    a = sp.Symbol("a")
    block = sp.Matrix([[zeta - G**2 * a, -1], [-1, zeta - G**2 * a]]).inv()
    dyson = sp.together(block[0, 0] - a)
    num = sp.expand(sp.numer(dyson).subs(a, zeta * M) / zeta)
    cubic = sp.expand(num.subs(zeta**2, LAM))
    if cubic.has(zeta):
        raise SpecError("derivation", "the Hermitized Dyson equation did not reduce to lambda = zeta^2")
    poly = sp.Poly(cubic, M)
    disc = sp.Poly(sp.factor(sp.discriminant(poly.as_expr(), M)), LAM)
    return {"cubic": cubic, "coeffs": [sp.simplify(c) for c in poly.all_coeffs()], "discriminant": disc.as_expr(),
            "disc_coeffs": [sp.simplify(c) for c in disc.all_coeffs()], "block": block}


def elliptic_dyson() -> tuple[sp.Expr, sp.Expr]:
    """Hermitized Dyson equations ``(E_m, E_b) = 0`` of ``W = 1 - J`` with ``corr(J_ij, J_ji) = eta``.

    Block self-energy of ``X = [[0, J], [J^T, 0]]``: ``E[J G22 J^T] = g^2 G22`` on the diagonal (ladder rungs) and
    ``E[J G21 J] = eta g^2 G21`` off the diagonal (crossed rungs, which pair J with J); ``G11 = zeta m``, ``G12 = b``.
    """
    zeta, a = sp.Symbol("zeta", positive=True), sp.Symbol("a")
    off = -(1 + ETA * G**2 * B_OFF)
    block = sp.Matrix([[zeta - G**2 * a, off], [off, zeta - G**2 * a]]).inv()
    eqs = []
    for entry, unknown in ((block[0, 0], a), (block[0, 1], B_OFF)):
        num = sp.numer(sp.together(entry - unknown)).subs(a, zeta * M)
        num = sp.expand(num / zeta if unknown is a else num)
        num = sp.expand(num.subs(zeta**2, LAM))
        if num.has(zeta):
            raise SpecError("derivation", "the elliptic Dyson equation did not reduce to lambda = zeta^2")
        eqs.append(num)
    return eqs[0], eqs[1]


def _physical_root(roots: list[sp.Expr]) -> sp.Expr:
    """The root of ``E_b(lambda = 0)`` that is ``-1`` (``-(1/N) tr W^{-1}`` of i.i.d. J) at eta = 0."""
    finite = [r for r in roots if sp.limit(r, ETA, 0) == -1]
    if len(finite) != 1:
        raise SpecError("derivation", f"expected one physical elliptic branch, got {finite}")
    return sp.simplify(finite[0])


def reciprocal_zero_frequency() -> dict[str, sp.Expr]:
    """Zero-frequency statistics with reciprocal motifs from the lambda -> 0 expansion of :func:`elliptic_dyson`.

    ``m(lambda) = -sum_k lambda^k (1/N) tr (W W^T)^{-k-1}``: ``mean_autocov = -sigma^2 m(0)`` and
    ``(1/N) tr C^2 = -sigma^4 m'(0)``, ``m'(0)`` by implicit differentiation of the Dyson system.
    """
    e_m, e_b = elliptic_dyson()
    b0 = _physical_root(sp.solve(e_b.subs(LAM, 0), B_OFF))
    m0 = sp.simplify(sp.solve(e_m.subs({LAM: 0, B_OFF: b0}), M)[0])
    system = sp.Matrix([e_m, e_b])
    slope = -system.jacobian([M, B_OFF]).LUsolve(system.diff(LAM))
    dm0 = sp.simplify(slope[0].subs({LAM: 0}).subs({M: m0, B_OFF: b0}))
    mean = sp.simplify(-SIGMA2 * m0)
    trace2 = sp.simplify(-SIGMA2**2 * dm0)
    return {
        "elliptic_resolvent": sp.simplify(-b0),
        "zf_mean_autocov": mean,
        "zf_trace2": trace2,
        "zf_N_var_cross": sp.simplify(trace2 - mean**2),
        "zf_PR_over_N": sp.simplify(mean**2 / trace2),
        "dyson_m": e_m,
        "dyson_b": e_b,
    }


def reciprocal_equal_time() -> dict[str, sp.Expr]:
    """Planar ``(1/N) tr R_a T_abar`` and ``(1/N) tr R_a T_abar R_b T_bbar`` with reciprocal motifs: the integrands
    (``a = 1 + i w1``, ``b = 1 + i w2``, symbols of ``derivations.dimension_finite_size``) of the equal-time
    ``(1/N) tr C`` and ``(1/N) tr C^2`` over ``dw/2pi`` (sigma^2 = 1), from the Stein recursion of an elliptic J
    (:class:`derivations.dimension_finite_size.TraceExpansion` with ``eta``): independent of the Dyson route
    above, and equal to it at ``a = b = 1``."""
    from derivations.dimension_finite_size import Z_A, Z_AB, Z_B, Z_BB, TraceExpansion

    e = TraceExpansion(eta=ETA)
    rt = (("R", Z_A), ("T", Z_AB))
    return {"et_a0": e.n0(rt), "et_m2": e.n0(rt + (("R", Z_B), ("T", Z_BB)))}


@cache_to_disk(code=DERIVATION_CODE)
def _derive_reciprocal(tag: str) -> dict[str, Any]:
    k = reciprocal_zero_frequency() | reciprocal_equal_time()
    sym = sp.Symbol
    eqs = {
        "dyson_m": sp.Eq(k["dyson_m"], 0),
        "dyson_b": sp.Eq(k["dyson_b"], 0),
        "elliptic_resolvent": sp.Eq(sym("(1/N) tr (1-J)^{-1}"), k["elliptic_resolvent"]),
        "zf_mean_autocov": sp.Eq(sym("abar_0"), k["zf_mean_autocov"]),
        "zf_N_var_cross": sp.Eq(sym("N dc^2_0"), k["zf_N_var_cross"]),
        "zf_PR_over_N": sp.Eq(sym("PR/N_0"), k["zf_PR_over_N"]),
        "et_a0": sp.Eq(sym("n0(R_a T_abar)"), k["et_a0"]),
    }
    rows = " \\\\\n".join(rf"\text{{{_text(n)}}}:&\quad {sp.latex(v)}" for n, v in eqs.items())
    return {"kernels": k, "equations": eqs, "parameters": (G, ETA, SIGMA2), "tag": tag,
            "steps": [("Reciprocal motifs: elliptic Dyson equation of W = 1 - J at lambda -> 0 (zero frequency); the "
                       "elliptic Stein recursion's planar words (equal time)", rows)]}


def derive_reciprocal() -> tuple[dict[str, Any], CacheInfo]:
    """Statistics for ``corr(J_ij, J_ji) = eta``: zero-frequency kernels in ``g, eta, sigma^2``, equal-time integrands
    ``et_a0``, ``et_m2`` (:func:`reciprocal_equal_time`), and cache info."""
    return _derive_reciprocal.cached_call("elliptic zero-frequency and equal-time")


def _equations(k: dict[str, sp.Expr], spec: dict[str, Any]) -> dict[str, sp.Eq]:
    """Named equations in the notation of the notes."""
    sym = sp.Symbol
    return {
        "trace_T": sp.Eq(sym("T(w1, w2)"), k["trace4"]),
        "trace_2": sp.Eq(sym("(1/N) tr B B^+"), k["trace2"]),
        "freq_mean_autocov": sp.Eq(sym("abar(w)"), k["freq_mean_autocov"]),
        "freq_N_var_cross": sp.Eq(sym("N dc^2(w)"), k["freq_N_var_cross"]),
        "freq_PR_over_N": sp.Eq(sym("PR/N(w)"), k["freq_PR_over_N"]),
        "zf_mean_autocov": sp.Eq(sym("abar_0"), k["zf_mean_autocov"]),
        "zf_N_var_cross": sp.Eq(sym("N dc^2_0"), k["zf_N_var_cross"]),
        "zf_PR_over_N": sp.Eq(sym("PR/N_0"), k["zf_PR_over_N"]),
        "et_mean_autocov": sp.Eq(sym("abar_et"), k["et_mean_autocov"]),
        "et_trace": sp.Eq(
            sym("(1/N) tr C_et^2"),
            SIGMA2**2 * sym("I2[et_trace_kernel]") + 2 * SIGMA2 * SIGMA_I2 * sym("I1[et_cross_kernel]")
            + SIGMA_I2**2 * k["static_trace"],
        ),
        "hs_cubic": sp.Eq(spec["cubic"], 0),
        "hs_edges": sp.Eq(spec["discriminant"], 0),
        "hs_density": sp.Eq(sym("p(x)"), sym("|Im m(1/x + i0)|") / (sp.pi * sym("x") ** 2)),
    }


@cache_to_disk(code=DERIVATION_CODE)
def _derive_skeleton(skeleton_json: str) -> DimensionDerivation:
    sk = json.loads(skeleton_json)
    ladders, trace4, trace2 = traces()
    k = _kernels(trace4, trace2)
    spec = hs_spectrum()
    eqs = _equations(k, spec)
    steps = _steps(ladders, trace4, k, eqs)
    unknowns = (sp.Symbol("abar"), sp.Symbol("N dc^2"), sp.Symbol("PR/N"), M)
    params = (G, SIGMA2, TAU_N, SIGMA_I2, W1, W2)
    prov = {
        "derivation": "derivations.dimension",
        "skeleton": sk,
        "sympy": sp.__version__,
        "references": "shared/theory/dmft.md 6.1-6.3, 7; fixed-connectivity-and-dimension.md 4",
    }
    return DimensionDerivation("dimension", eqs, unknowns, params, k, steps, prov, ladders, trace4, spec)


def _text(name: str) -> str:
    """An equation name for LaTeX text mode (underscores escaped)."""
    return name.replace("_", r"\_")


def _steps(ladders: dict[str, sp.Expr], trace4: sp.Expr, k: dict[str, sp.Expr],
           eqs: dict[str, sp.Eq]) -> list[tuple[str, str]]:
    """(title, LaTeX rows) of every step."""

    def rows(d: dict[str, Any]) -> str:
        return " \\\\\n".join(rf"\text{{{_text(n)}}}:&\quad {sp.latex(v)}" for n, v in d.items())

    return [
        ("Corner ladders (planar J-J^T pairings of adjacent resolvents)", rows(ladders)),
        ("Four-resolvent trace T(a, b), a = 1 + i w1, b = 1 + i w2", rows({"T": eqs["trace_T"], "tr2": eqs["trace_2"]})),
        ("Frequency-resolved covariance", rows({n: eqs[n] for n in ("freq_mean_autocov", "freq_N_var_cross", "freq_PR_over_N")})),
        ("Zero-frequency covariance", rows({n: eqs[n] for n in ("zf_mean_autocov", "zf_N_var_cross", "zf_PR_over_N")})),
        ("Equal-time covariance", rows({n: eqs[n] for n in ("et_mean_autocov", "et_trace")})),
        ("Hu-Sompolinsky spectrum of the zero-frequency covariance",
         rows({n: eqs[n] for n in ("hs_cubic", "hs_edges", "hs_density")})),
    ]


def derive(spec: Any = None) -> DimensionDerivation:
    """Derive the linear-network covariance statistics (cached on disk; ``spec`` only names the model)."""
    return derive_cached(spec)[0]


def derive_cached(spec: Any = None, drift: Any = None) -> tuple[DimensionDerivation, CacheInfo]:
    """:func:`derive` and how the disk cache served it; ``drift`` (a meanfield option) is refused."""
    if drift is not None:
        raise SpecError("drift", "the linear network has the leak -x; --drift is a meanfield option")
    return _derive_skeleton.cached_call(json.dumps(skeleton(spec), sort_keys=True))
