"""Two-site cavity statistics of cross-covariances (dimension of activity), derived on the DMFT saddle.

``derive(spec) -> CavityDerivation`` keeps the single-site stages of :mod:`derivations.dmft` (MSRDJ
action -> disorder average -> collective variables -> saddle point) and adds the pair (two-replica)
extension that gives the O(1/sqrt N) cross-covariances (notes ``fixed-connectivity-and-dimension.md``
section 3, ``dmft.md`` section 8):

1. ``pair``: linearising site ``k`` around its DMFT process, ``phi_k = d_k x_k + r_k`` with
   ``d_k = <phi'(x_k)>`` (Price/Furutsu-Novikov: the residual ``r_k`` is uncorrelated with ``x_k``), a
   perturbation of ``phi_j`` reaches ``phi_i`` through ``J_ij`` with the response ``d_i S(w) J_ij``,
   ``S(w) = 1/(1 + i w)``. In ``N E[C_ij(w1) conj(C_ij(w2))]`` every coupling of a path is paired with
   itself (leading order in N), so each link of a phi-path carries ``a = g^2 <d^2> S(w1) conj(S(w2))``
   and the last link into ``x_i`` carries ``u = g^2 S(w1) conj(S(w2))`` (no gain at the receiving x).
2. ``paths``: the leading-order pairings are the forward chains ``j -> i``, the backward chains
   ``i -> j`` and the wedges ``i <- k -> j``; an apex ``k`` dressed by its own loops carries its full
   spectrum ``C_kk`` (geometric series of ``g^2 <d^2> |S|^2``, the DMFT diagonal). The sums are done by
   SymPy.
3. ``psi``: ``psi^phi = (M - 1) <C^phi C^phi>``, ``M = 1/|1 - a|^2``, and
   ``psi^x = |U|^2 <C^phi C^phi> + 2 Re U <d^2> C^x C^x``, ``U = u/(1 - a)`` (Clark, Abbott &
   Litwin-Kumar, PRL 131, 118401: checked symbolically here), ``<C C>`` the unit average of the product
   of a unit's spectra at w1 and w2 (units differ only through a quenched input).

:func:`kernels` turns the derived ``M - 1``, ``|U|^2`` and ``2 Re U`` into NumPy functions of
``(w1, w2, g, d2)`` (used by :mod:`workbench.theories.dimension.nonlinear`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from workbench.codegen.cache import cache_to_disk
from workbench.spec import ModelSpec
from workbench.symbolic.action import CollectiveAction, NetworkAction, SaddlePoint
from workbench.symbolic.derivation import StagedDerivation

__all__ = ["D2", "G", "STAGES", "W1", "W2", "CavityDerivation", "derive", "kernels", "pair_kernels"]

W1, W2 = sp.symbols("omega_1 omega_2", real=True)
"""The two frequencies of ``psi(w1, w2) = N E[C_ij(w1) conj(C_ij(w2))]``."""
G = sp.Symbol("g", positive=True)
"""Coupling strength (``Var J_ij = g^2/N``)."""
D2 = sp.Symbol("d2", positive=True)
"""Unit average of the squared local gain ``<phi'(x_k)>^2`` (``<phi'>^2`` without quenched input)."""
_N = sp.Symbol("n", integer=True, positive=True)
_SIGMA = sp.Symbol("Sigma", positive=True)

STAGES: tuple[str, ...] = ("action", "averaged", "collective", "saddle", "pair", "paths", "psi")
"""The stage objects a :class:`CavityDerivation` keeps, in pipeline order."""


@dataclass
class CavityDerivation(StagedDerivation):
    """Pair statistics of the cross-covariances on top of the DMFT saddle point.

    Attributes
    ----------
    action, averaged, collective, saddle
        The single-site stages of :func:`derivations.dmft.derive`.
    pair : dict of str -> sympy.Expr
        Link factors ``a``, ``abar`` (phi links), ``u``, ``ubar`` (the link into x) and the diagonal
        loop ``loop = g^2 <d^2> |S|^2``.
    paths : dict of str -> sympy.Expr
        Sums over the forward/backward chains and wedges, and the dressed apex ``C / Sigma``.
    psi : dict of str -> sympy.Expr
        ``M_minus_1`` (coefficient of ``<C^phi C^phi>`` in psi^phi), ``x_wedge`` (of ``<C^phi C^phi>``
        in psi^x) and ``x_chain`` (of ``<d^2> C^x C^x`` in psi^x); ``zero_frequency_PR`` at w = 0.
    steps : list of (str, str)
    provenance : dict
    """

    STAGES = STAGES

    action: NetworkAction = field(repr=False)
    averaged: NetworkAction = field(repr=False)
    collective: CollectiveAction = field(repr=False)
    saddle: SaddlePoint = field(repr=False)
    pair: dict[str, sp.Expr]
    paths: dict[str, sp.Expr]
    psi: dict[str, sp.Expr]
    steps: list[tuple[str, str]]
    provenance: dict[str, Any]


def _geometric(r: sp.Expr, start: int) -> sp.Expr:
    """``sum_{n >= start} r^n`` on its convergent branch (``|r| < 1``, the stable network)."""
    r_ = sp.Symbol("r")
    total = sp.summation(r_**_N, (_N, start, sp.oo)) if start >= 1 else 1 + sp.summation(r_**_N, (_N, 1, sp.oo))
    total = total if not isinstance(total, sp.Piecewise) else total.args[0][0]
    if isinstance(total, sp.Add):
        total = sp.Add(*[t.args[0][0] if isinstance(t, sp.Piecewise) else t for t in total.args])
    return sp.simplify(total).subs(r_, r)


DERIVATION_CODE: tuple[str, ...] = ("workbench.symbolic", "workbench.errors", "derivations")
"""Modules whose source keys the disk cache of the pair algebra."""


@functools.lru_cache(maxsize=1)
def _pair_algebra() -> tuple[dict[str, sp.Expr], dict[str, sp.Expr], dict[str, sp.Expr]]:
    """The link factors, the path sums and the psi kernels (independent of the spec's values; disk-cached)."""
    return _pair_algebra_cached("pair-algebra")


@cache_to_disk(code=DERIVATION_CODE)
def _pair_algebra_cached(tag: str) -> tuple[dict[str, sp.Expr], dict[str, sp.Expr], dict[str, sp.Expr]]:
    """The pair algebra, derived and checked (``tag`` names the cache entry; keyed by the derivations' source)."""
    s1, s2 = 1 / (1 + sp.I * W1), 1 / (1 + sp.I * W2)
    pair = {
        "a": G**2 * D2 * s1 * sp.conjugate(s2),
        "abar": G**2 * D2 * sp.conjugate(s1) * s2,
        "u": G**2 * s1 * sp.conjugate(s2),
        "ubar": G**2 * sp.conjugate(s1) * s2,
        "loop": G**2 * D2 * s1 * sp.conjugate(s1),
    }
    a, ab, u, ub = pair["a"], pair["abar"], pair["u"], pair["ubar"]
    paths = {
        "phi_forward": _geometric(a, 1),
        "phi_backward": _geometric(ab, 1),
        "phi_wedge": _geometric(a, 1) * _geometric(ab, 1),
        "x_forward": u * _geometric(a, 0),
        "x_backward": ub * _geometric(ab, 0),
        "x_wedge": u * _geometric(a, 0) * ub * _geometric(ab, 0),
        "apex_over_Sigma": _geometric(pair["loop"], 0),
    }
    m_minus_1 = sp.simplify(paths["phi_forward"] + paths["phi_backward"] + paths["phi_wedge"])
    psi = {
        "M_minus_1": m_minus_1,
        "x_wedge": sp.simplify(paths["x_wedge"]),
        "x_chain": sp.simplify(paths["x_forward"] + paths["x_backward"]),
    }
    psi["zero_frequency_PR"] = sp.factor(sp.simplify(1 / (1 + psi["M_minus_1"].subs({W1: 0, W2: 0}))))
    _check_closed_forms(pair, psi)
    return pair, paths, psi


def _check_closed_forms(pair: dict[str, sp.Expr], psi: dict[str, sp.Expr]) -> None:
    """Assert the published forms: CAL's ``M - 1``, ``|U|^2``, ``2 Re U`` and Shen-Hu's ``(1 - g^2 d2)^2``."""
    a, ab, u, ub = pair["a"], pair["abar"], pair["u"], pair["ubar"]
    U, Ub = u / (1 - a), ub / (1 - ab)
    for got, want in ((psi["M_minus_1"], 1 / ((1 - a) * (1 - ab)) - 1), (psi["x_wedge"], U * Ub), (psi["x_chain"], U + Ub)):
        if sp.simplify(sp.expand_complex(got - want)) != 0:
            raise AssertionError(f"two-site cavity: {got} != {want}")
    if sp.simplify(psi["zero_frequency_PR"] - (1 - G**2 * D2) ** 2) != 0:
        raise AssertionError("two-site cavity: zero-frequency PR/N is not (1 - g^2 d2)^2")


def pair_kernels() -> dict[str, sp.Expr]:
    """The derived kernels ``M_minus_1``, ``x_wedge``, ``x_chain`` (real functions of w1, w2, g, d2)."""
    return dict(_pair_algebra()[2])


@functools.lru_cache(maxsize=1)
def kernels() -> dict[str, Callable[..., Any]]:
    """NumPy functions ``f(w1, w2, g, d2)`` of the derived kernels (complex dtype; their real part)."""
    return {name: sp.lambdify((W1, W2, G, D2), expr, "numpy") for name, expr in _kernel_exprs("kernels").items()}


@cache_to_disk(code=DERIVATION_CODE)
def _kernel_exprs(tag: str) -> dict[str, sp.Expr]:
    """The simplified real-and-imaginary forms of the psi kernels (disk-cached; ``tag`` names the entry)."""
    psi = _pair_algebra()[2]
    return {name: sp.simplify(sp.expand_complex(psi[name])) for name in ("M_minus_1", "x_wedge", "x_chain")}


def _steps(pair: dict[str, sp.Expr], paths: dict[str, sp.Expr], psi: dict[str, sp.Expr]) -> list[tuple[str, str]]:
    """LaTeX rows of the pair stages."""
    links = " \\\\\n".join(rf"{k} &= {sp.latex(v)}" for k, v in pair.items())
    sums = " \\\\\n".join(rf"\text{{{k.replace('_', ' ')}}} &= {sp.latex(v)}" for k, v in paths.items())
    kern = " \\\\\n".join(rf"\text{{{k.replace('_', ' ')}}} &= {sp.latex(v)}" for k, v in psi.items())
    return [
        ("Pair linear response (link factors of N E[C_ij(w1) conj C_ij(w2)])", links),
        ("Leading-order pairings: chains, wedges and the dressed apex", sums),
        ("Cross-covariance kernels and the zero-frequency dimension", kern),
    ]


def derive(spec: ModelSpec) -> CavityDerivation:
    """The single-site DMFT stages of ``spec`` and the derived two-site pair statistics."""
    import derivations.dmft as dmft

    single = dmft.derive(spec)
    pair, paths, psi = _pair_algebra()
    steps = list(single.steps[:4]) + _steps(pair, paths, psi)
    prov = {
        "derivation": "derivations.dimension_cavity",
        "single_site": single.provenance,
        "sympy": sp.__version__,
        "references": "shared/theory/fixed-connectivity-and-dimension.md §3, §1; dmft.md §6.3, §8",
    }
    return CavityDerivation(
        single.action, single.averaged, single.collective, single.saddle, pair, paths, psi, steps, prov
    )
