"""Spectrum of the network's Jacobian ``M = T^{-1}(-I + W G)``, derived from its Hermitized resolvent.

``derive(spec) -> SpectrumDerivation`` builds, in SymPy,

1. the per-unit 2x2 block of the Hermitized resolvent ``(H_z - i eta)^{-1}``,
   ``H_z = [[0, M - z], [(M - z)^+, 0]]``, in the Gaussian self-energy (vector Dyson) approximation
   ``Sigma_i = diag((S v2)_i, (S^T v1)_i)`` with ``S_ij = v_{a(i) b(j)} g_j^2 / tau_i^2``;
2. the population reduction: the ansatz ``(S v2)_i = A_a / tau_i^2``, ``(S^T v1)_i = g_i^2 B_a``
   is substituted and the self-consistency of ``A`` and ``B`` read off (``x_a = A_a B_a``), which gives
   the kernel ``phi = g^2 / (g^2 x + |1 + tau z|^2)`` of ``A = Sigma(z; x) A``,
   ``B' = Sigma^T B'`` for any number of populations;
3. the resolvent kernel ``tau (1 + tau zbar) / (g^2 x + |1 + tau z|^2)`` (from the off-diagonal block),
   the density ``rho = (1/pi) d g_M / d zbar`` written with real derivatives;
4. the support (edge) kernel, the linearisation at ``x -> 0``: ``g^2 / |1 + tau z|^2``; the
   timescale-free stability threshold (``z = 0``) and the near-marginal gap (first order in ``Re z``);
5. the outlier kernel of the rank-P mean (matrix determinant lemma): ``g / (1 + tau z)``;
6. the closed forms it must reproduce: Girko's circular law (one population, constant tau and g),
   Rajan-Abbott (column variances), and the elliptic law of the correlated scalar Dyson equation.

Everything is real: ``z = x + i y`` enters through ``XR``, ``YI``; ``XP`` is the population's ``x_b``.
The kernels are averaged over each population's (tau, g) law by quadrature in the solver.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from workbench.codegen.cache import CacheInfo, cache_to_disk
from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.symbolic.derivation import StagedDerivation

__all__ = ["DERIVATION_CODE", "KERNEL_ARGS", "SpectrumDerivation", "derive", "derive_cached", "skeleton"]

DERIVATION_CODE: tuple[str, ...] = ("workbench.symbolic", "workbench.spec", "workbench.errors", "derivations")
"""Modules whose source keys the derivation cache."""

TAU = sp.Symbol("tau", positive=True)
"""Timescale of a (presynaptic or postsynaptic) unit."""
GAIN = sp.Symbol("g", nonnegative=True)
"""Jacobian gain of a unit, ``gain * phi'(gain x*)``."""
XR = sp.Symbol("x", real=True)
"""Real part of z."""
YI = sp.Symbol("y", real=True)
"""Imaginary part of z."""
XP = sp.Symbol("X", nonnegative=True)
"""The population's ``x_b = A_b B_b`` (0 outside the support)."""
KERNEL_ARGS: tuple[sp.Symbol, ...] = (TAU, GAIN, XR, YI, XP)
"""Arguments of every generated kernel, in order."""

_Z = sp.Symbol("z")
_ETA = sp.Symbol("eta", positive=True)
_A = sp.Symbol("A", nonnegative=True)
_B = sp.Symbol("B", nonnegative=True)
_K = sp.Symbol("K", nonnegative=True)
_F = sp.Symbol("f", positive=True)
_T = sp.Symbol("t", real=True)


@dataclass
class SpectrumDerivation(StagedDerivation):
    """The derived spectral theory: kernels for the solver, equations for reports, LaTeX steps.

    Attributes
    ----------
    name : str
    equations : dict of str -> sympy.Eq
        Dyson equations, edge condition, density, outlier equation, threshold, gap, closed forms.
    unknowns, parameters : tuple of sympy.Symbol
    kernels : dict of str -> sympy.Expr
        Per-unit integrands in :data:`KERNEL_ARGS` (edge, dyson, dyson_dX, resolvent re/im and
        their derivatives, outlier re/im and dz).
    steps : list of (str, str)
    provenance : dict
    block : sympy.Matrix
        The per-unit 2x2 Hermitized resolvent block.
    """

    STAGES = ("block", "kernels")

    name: str
    equations: dict[str, sp.Eq]
    unknowns: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    kernels: dict[str, sp.Expr]
    steps: list[tuple[str, str]]
    provenance: dict[str, Any]
    block: sp.Matrix = field(repr=False)


def skeleton(spec: ModelSpec) -> dict[str, Any]:
    """The structure the derivation depends on: population names only (the kernels are per unit)."""
    return {"populations": [p.name for p in spec.populations]}


def hermitized_block() -> tuple[sp.Matrix, sp.Expr, sp.Expr]:
    """The per-unit 2x2 resolvent block ``(H0 - i eta - Sigma)^{-1}`` and the two self-energies ``a``, ``b``.

    ``H0 = [[0, -zeta], [-conj(zeta), 0]]`` with ``zeta = z + 1/tau``; the self-energy is diagonal,
    ``i (S v2)_i`` and ``i (S^T v1)_i``; ``a = eta + (S v2)_i``, ``b = eta + (S^T v1)_i``.
    """
    a, b = sp.symbols("a b", positive=True)
    zeta = _Z + 1 / TAU
    mat = sp.Matrix([[-sp.I * a, -zeta], [-sp.conjugate(zeta), -sp.I * b]])
    return sp.simplify(mat.inv()), a, b


def _modulus2() -> sp.Expr:
    """``|1 + tau z|^2`` in real variables."""
    return (1 + TAU * XR) ** 2 + (TAU * YI) ** 2


def _real_z(expr: sp.Expr) -> sp.Expr:
    """``expr`` with ``z = x + i y`` and the modulus collected into ``|1 + tau z|^2``."""
    return sp.simplify(sp.expand_complex(expr.subs(_Z, XR + sp.I * YI)))


def _population_reduction(block: sp.Matrix, a: sp.Symbol, b: sp.Symbol) -> dict[str, sp.Expr]:
    """Insert the population ansatz at eta -> 0 and read off the kernels of the A and B equations."""
    ansatz = {a: _A / TAU**2, b: GAIN**2 * _B}
    v1 = sp.simplify(sp.im(_real_z(block[0, 0].subs(ansatz))))
    v2 = sp.simplify(sp.im(_real_z(block[1, 1].subs(ansatz))))
    # (S v2)_i = (1/tau_i^2) sum_b K_ab f_b <g^2 v2>_b  must equal A_a / tau_i^2: kernel of A_b is g^2 v2 / A
    dyson_a = sp.simplify((GAIN**2 * v2 / _A).subs(_A * _B, XP).subs(_A, XP / _B))
    # (S^T v1)_j = g_j^2 sum_a K_ab f_a <v1 / tau^2>_a must equal g_j^2 B_b: kernel of B_a is v1 / (tau^2 B)
    dyson_b = sp.simplify((v1 / (TAU**2 * _B)).subs(_A, XP / _B))
    resolvent = -block[1, 0].subs(ansatz)  # G21 = (M - z)^{-1}, so g_M = -<G21>
    res = sp.simplify(sp.expand_complex(resolvent.subs(_Z, XR + sp.I * YI)).subs(_A, XP / _B))
    return {"dyson": dyson_a, "dyson_B": dyson_b, "resolvent": res}


def _simplify_modulus(expr: sp.Expr) -> sp.Expr:
    """Rewrite with ``D = |1 + tau z|^2`` where it appears, then back (a canonical, compact form)."""
    D = sp.Symbol("D", positive=True)
    return sp.factor(sp.simplify(expr.subs(_modulus2(), D))).subs(D, _modulus2())


def _kernels(block: sp.Matrix, a: sp.Symbol, b: sp.Symbol) -> dict[str, sp.Expr]:
    """Every per-unit integrand of the solver, derived from the block."""
    red = _population_reduction(block, a, b)
    dyson = sp.simplify(sp.factor(red["dyson"]))
    if sp.simplify(dyson - red["dyson_B"]) != 0:
        raise SpecError("derivation", "the A and B kernels of the population reduction differ")
    res = red["resolvent"]
    res_re, res_im = (sp.simplify(sp.re(res)), sp.simplify(sp.im(res)))
    edge = sp.simplify(dyson.subs(XP, 0))
    zc = XR + sp.I * YI
    outlier = sp.simplify(GAIN * (1 / TAU) / (zc + 1 / TAU))  # (z + T^{-1})^{-1} T^{-1} m G, per unit
    out_re, out_im = (sp.simplify(sp.re(sp.expand_complex(outlier))), sp.simplify(sp.im(sp.expand_complex(outlier))))
    dout = sp.diff(outlier, XR)  # analytic in z: d/dz = d/dx
    k = {
        "edge": edge,
        "dyson": dyson,
        "dyson_dX": sp.diff(dyson, XP),
        "dyson_dx": sp.diff(dyson, XR),
        "dyson_dy": sp.diff(dyson, YI),
        "res_re": res_re,
        "res_im": res_im,
        "res_re_dx": sp.diff(res_re, XR),
        "res_im_dy": sp.diff(res_im, YI),
        "res_re_dX": sp.diff(res_re, XP),
        "res_im_dX": sp.diff(res_im, XP),
        "out_re": out_re,
        "out_im": out_im,
        "out_dre": sp.simplify(sp.re(sp.expand_complex(dout))),
        "out_dim": sp.simplify(sp.im(sp.expand_complex(dout))),
        "edge_real": sp.simplify(edge.subs(YI, 0)),
        "edge_real_dx": sp.diff(edge.subs(YI, 0), XR),
        "gap_weight": -sp.diff(edge.subs(YI, 0), XR).subs(XR, 0) / 2,
        "threshold": sp.simplify(edge.subs({XR: 0, YI: 0})),
    }
    return k


def _closed_forms(k: dict[str, sp.Expr]) -> dict[str, sp.Eq]:
    """The closed forms the general equations reduce to (checked symbolically here, numerically in tests)."""
    r = sp.Symbol("r", positive=True)
    sig2 = sp.Symbol("sigma^2", positive=True)
    # Girko: tau = g = 1, one population, K f = sigma^2: edge |1 + z| = sigma; inside x = sigma^2 - |1 + z|^2
    girko_edge = sp.Eq(sig2 * k["edge"].subs({TAU: 1, GAIN: 1}), 1)
    girko_x = sp.solve(sp.Eq(sig2 * k["dyson"].subs({TAU: 1, GAIN: 1}), 1), XP)[0]
    # elliptic law: scalar Dyson equation with E[X_ij X_ji] = t sigma^2 / N outside the support
    w, gc = sp.symbols("w G_c")
    ell = sp.solve(sp.Eq(gc, 1 / (w - t_sig(sig2) * gc)), gc)
    return {
        "girko_edge": girko_edge,
        "girko_inside": sp.Eq(XP, sp.factor(girko_x)),
        "rajan_abbott_radius": sp.Eq(r**2, sp.Symbol("f_E") * sp.Symbol("K_E") + sp.Symbol("f_I") * sp.Symbol("K_I")),
        "elliptic_resolvent": sp.Eq(gc, ell[0]),
        "elliptic_boundary": sp.Eq(
            (sp.Symbol("u") / (1 + _T)) ** 2 + (sp.Symbol("v") / (1 - _T)) ** 2, sig2
        ),
    }


def t_sig(sig2: sp.Symbol) -> sp.Expr:
    """The correlated self-energy weight ``t sigma^2`` of the elliptic ensemble."""
    return _T * sig2


def _equations(k: dict[str, sp.Expr]) -> dict[str, sp.Eq]:
    """Population-level equations in the notation of the notes (``<.>_b`` as an explicit average)."""
    avg = sp.Function("E_b")  # the average over population b's (tau, g) law
    Kf = sp.Symbol("K_{ab}") * sp.Symbol("f_b")
    x_a = sp.Symbol("x_a", nonnegative=True)
    Fz = sp.Symbol("F(z)")
    eqs = {
        "dyson_A": sp.Eq(sp.Symbol("A_a"), sp.Sum(Kf * avg(k["dyson"]) * sp.Symbol("A_b"), (sp.Symbol("b"), 1, sp.Symbol("P")))),
        "dyson_B": sp.Eq(sp.Symbol("B_b"), sp.Sum(sp.Symbol("K_{ab}") * sp.Symbol("f_a") * sp.Function("E_a")(k["dyson"]) * sp.Symbol("B_a"), (sp.Symbol("a"), 1, sp.Symbol("P")))),
        "product": sp.Eq(x_a, sp.Symbol("A_a") * sp.Symbol("B_a")),
        "resolvent": sp.Eq(sp.Symbol("g_M"), sp.Sum(sp.Symbol("f_a") * sp.Function("E_a")(k["res_re"] + sp.I * k["res_im"]), (sp.Symbol("a"), 1, sp.Symbol("P")))),
        "density": sp.Eq(sp.Symbol("rho"), (sp.Derivative(sp.Symbol("Re g_M"), XR) - sp.Derivative(sp.Symbol("Im g_M"), YI)) / (2 * sp.pi)),
        "edge": sp.Eq(Fz, sp.Symbol("rho_PF") * (Kf * avg(k["edge"]))),
        "support": sp.Eq(sp.Symbol("z in supp"), sp.Symbol("F(z) >= 1")),
        "outlier": sp.Eq(sp.Symbol("det(I - J0_ab f_b E_b[q])"), 0),
        "outlier_kernel": sp.Eq(sp.Symbol("q"), k["out_re"] + sp.I * k["out_im"]),
        "threshold": sp.Eq(sp.Symbol("F_0"), sp.Symbol("rho_PF") * (Kf * avg(k["threshold"]))),
        "gap": sp.Eq(sp.Symbol("x_R"), -(1 - sp.Symbol("F_0")) / (2 * _K * _F * avg(k["gap_weight"]))),
    }
    return eqs


@cache_to_disk(code=DERIVATION_CODE)
def _derive_skeleton(skeleton_json: str) -> SpectrumDerivation:
    sk = json.loads(skeleton_json)
    block, a, b = hermitized_block()
    k = _kernels(block, a, b)
    eqs = {**_equations(k), **_closed_forms(k)}
    steps = _steps(block, k, eqs)
    unknowns = (sp.Symbol("A_a"), sp.Symbol("B_a"), sp.Symbol("x_a"))
    params = tuple(sorted({TAU, GAIN, _K, _F}, key=str))
    prov = {
        "derivation": "derivations.spectrum",
        "skeleton": sk,
        "sympy": sp.__version__,
        "references": "shared/theory/rmt-jacobians.md §3",
    }
    return SpectrumDerivation("spectrum", eqs, unknowns, params, k, steps, prov, block)


def _steps(block: sp.Matrix, k: dict[str, sp.Expr], eqs: dict[str, sp.Eq]) -> list[tuple[str, str]]:
    """(title, LaTeX rows) of every step."""

    def rows(d: dict[str, Any]) -> str:
        return " \\\\\n".join(rf"\text{{{_text(n)}}}:&\quad {sp.latex(v)}" for n, v in d.items())

    return [
        (
            "Hermitized resolvent, per-unit 2x2 block",
            r"H_z &= \begin{pmatrix} 0 & M - z \\ (M - z)^\dagger & 0\end{pmatrix},\quad "
            r"M = T^{-1}(-I + W G),\quad \zeta_i = z + 1/\tau_i \\ "
            + rf"\mathcal{{G}}_{{ii}} &= {sp.latex(block)}",
        ),
        (
            "Population reduction (eta -> 0): kernels of the A and B equations",
            rows({"dyson": k["dyson"], "dX": k["dyson_dX"]}),
        ),
        ("Self-consistent (Dyson) equations", rows({n: eqs[n] for n in ("dyson_A", "dyson_B", "product")})),
        ("Resolvent and density", rows({"res": eqs["resolvent"], "density": eqs["density"]})),
        ("Support and spectral edge (x -> 0)", rows({"kernel": k["edge"], "edge": eqs["edge"], "support": eqs["support"]})),
        ("Stability threshold and near-marginal gap", rows({"threshold": eqs["threshold"], "gap": eqs["gap"]})),
        ("Outliers from the mean couplings", rows({"q": eqs["outlier_kernel"], "outlier": eqs["outlier"]})),
        (
            "Closed forms",
            rows({n: eqs[n] for n in ("girko_edge", "girko_inside", "rajan_abbott_radius", "elliptic_resolvent", "elliptic_boundary")}),
        ),
    ]


def _text(name: str) -> str:
    """An equation name for LaTeX text mode (underscores escaped)."""
    return name.replace("_", r"\_")


def derive(spec: ModelSpec) -> SpectrumDerivation:
    """Derive the spectral theory of ``spec``'s Jacobian (cached on disk)."""
    return derive_cached(spec)[0]


def derive_cached(spec: ModelSpec, drift: Any = None) -> tuple[SpectrumDerivation, CacheInfo]:
    """:func:`derive` and how the disk cache served it; ``drift`` (a meanfield option) is refused."""
    if drift is not None:
        raise SpecError("drift", "the Jacobian has the leak -1/tau; --drift is a meanfield option")
    return _derive_skeleton.cached_call(json.dumps(skeleton(spec), sort_keys=True))
