"""Leading 1/N corrections to the covariance statistics of LINEAR random networks, derived in SymPy (issue 14, item 3).

Model (tau = 1 units): ``dx/dt = -x + J x + xi``, ``J_ij ~ N(0, g^2/N)`` i.i.d. *including* ``J_ii``,
white noise of intensity ``sigma^2``. With the resolvent ``R_z = (z - J)^{-1}`` and ``T_z = R_z^T`` the
zero-frequency covariance is ``C = sigma^2 R_1 T_1`` and the equal-time one ``C = sigma^2 int dw/2pi R_a T_abar``
(``a = 1 + i w``). ``derive()`` builds, for ``n(w) = E (1/N) tr w`` of a word ``w`` of resolvent letters,

1. the Schwinger-Dyson (Stein) recursion, exact for Gaussian ``J``: ``R_z = (1 + R_z J)/z`` and
   ``E[J_ij F] = (g^2/N) E[dF/dJ_ij]``, with ``dR_y = R_y e_i e_j^T R_y``. For a cyclic word ``w = R_z X``:
   ``z n(w) = n(X) + g^2 sum_{X R_z = U T_y V} n(U T_y) n(T_y V) + (g^2/N) sum_{X R_z = U R_y V} n(T_y U^T R_y V)``;
   the first sum is planar (the ladders of ``derivations/dimension.py``), the second is the twisted
   (same-orientation ``J_ij J_ij``) pairing of a real matrix, the source of the 1/N term (with the diagonal
   ``J_ii``: e.g. ``E (1/N) tr J^2 = g^2/N``). Covariances of normalised traces are O(1/N^2) and dropped;
   words are solved order by order, ``n = n0 + n1/N``, the self-referent term (``U`` empty) moved left;
2. ``n0``, ``n1`` of ``R T`` (``(1/N) tr C``) and ``R T R T`` (``(1/N) tr C^2``), zero frequency in closed
   form, equal time as kernels in ``(a, abar, b, bbar)`` to be integrated over ``w1, w2``;
3. the statistics. Real Ginibre ``J`` is invariant under ``J -> O J O^T``, so given the spectrum of C its
   diagonal is that of ``O C O^T`` (Haar ``O``): exactly ``E var_diag = 2 E[m2 - abar^2]/(N + 2)``,
   ``E mean_cross = 0`` and ``E N_var_cross = N (N - 2)(N + 1)/((N - 1)^2 (N + 2)) E[m2 - abar^2]`` with
   ``m2 = (1/N) tr C^2``; ``PR/N = abar^2/m2``. Expanding in 1/N (``E abar^2 = (E abar)^2 + O(1/N^2)``):
   ``abar = a0 + a1/N``, ``N_var_cross = (m2_0 - a0^2) + [m2_1 - 2 a0 a1 - (m2_0 - a0^2)]/N``,
   ``PR/N = a0^2/m2_0 + [2 a0 a1/m2_0 - a0^2 m2_1/m2_0^2]/N`` and, with ``2/(N + 2) = (2/N)(1 - 2/N)``,
   ``N var_diag = 2 (m2_0 - a0^2) + [2 (m2_1 - 2 a0 a1) - 4 (m2_0 - a0^2)]/N``. For a complex Hermitian
   cross-spectrum ``C(w)`` (``|C_ij|^2`` in ``N_var_cross``) the diagonal sees ``(1/N) tr (Re C)^2`` instead of m2.

Caveat: for finite N a real Gaussian J has real eigenvalues near 1 with exponentially small probability, so the
exact moments of ``(1 - J)^{-1}`` are formally infinite; the 1/N series is the asymptotic expansion that the
sampled networks follow.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from workbench.codegen.cache import CacheInfo, cache_to_disk
from workbench.errors import SpecError
from workbench.symbolic.derivation import StagedDerivation

__all__ = ["DERIVATION_CODE", "LE_LETTERS", "FiniteSizeDerivation", "derive", "derive_cached", "linear_equivalent_words",
           "linearised_dmft_kernels", "moments", "skeleton"]

DERIVATION_CODE: tuple[str, ...] = ("workbench.symbolic", "workbench.errors", "derivations")
"""Modules whose source keys the derivation cache."""

G = sp.Symbol("g", positive=True)
"""Coupling strength (std of J_ij times sqrt N)."""
Z_A, Z_AB, Z_B, Z_BB = sp.symbols("a abar b bbar")
"""Spectral parameters of the equal-time words (``a = 1 + i w1``, ``b = 1 + i w2``), independent symbols."""

Letter = tuple[str, sp.Expr]
"""A resolvent letter: ``("R", z)`` is ``(z - J)^{-1}``, ``("T", z)`` its transpose."""
Word = tuple[Letter, ...]


def _transpose(word: Word) -> Word:
    """``w^T``: letters reversed, R and T swapped."""
    return tuple(("T" if k == "R" else "R", z) for k, z in reversed(word))


def canonical(word: Word) -> Word:
    """The representative of ``word`` under rotation and transposition (``tr w = tr w^T``) starting with R."""
    forms = [w[i:] + w[:i] for w in (word, _transpose(word)) for i in range(len(w)) if w[i][0] == "R"]
    return min(forms, key=lambda w: tuple((k, sp.srepr(z)) for k, z in w)) if forms else word


class TraceExpansion:
    """``n0(w)`` and ``n1(w)`` of resolvent words by the Stein recursion (memoised on canonical words).

    ``diagonal=False``: couplings without the diagonal (``J_ii = 0``). The Stein terms ``i = j`` are then missing:
    for every letter ``L_y`` of ``X R_z`` (R or T) the diagonal elements ``(U L_y)_ii (L_y V)_ii`` self-average to
    ``n0(U L_y) n0(L_y V)``, so ``g^2 sum n0(U L_y) n0(L_y V)`` is subtracted at order 1/N.

    ``eta``: reciprocal correlation ``corr(J_ij, J_ji)`` (elliptic couplings; planar order only). Stein's lemma gains
    ``eta (g^2/N) E[dF/dJ_ji]``; ``dR_y/dJ_ji = R_y e_j e_i^T R_y`` makes the R letters pair planarly,
    ``+ eta g^2 sum_{X R_z = U R_y V} n0(U R_y) n0(R_y V)`` (the T letters twisted, O(1/N)); a lone ``R_z`` solves
    ``eta g^2 n^2 - z n + 1 = 0``, ``n = 2/(z + sqrt(z^2 - 4 eta g^2))`` (the branch that is ``1/z`` at eta = 0).
    """

    def __init__(self, diagonal: bool = True, eta: sp.Expr | float = 0) -> None:
        self.diagonal = diagonal
        if not isinstance(eta, sp.Expr):  # numbers or symbols only, no text
            eta = sp.Integer(0) if float(eta) == 0 else sp.Float(float(eta))
        self.eta = eta
        self._n0: dict[Word, sp.Expr] = {(): sp.Integer(1)}
        self._n1: dict[Word, sp.Expr] = {(): sp.Integer(0)}

    def n0(self, word: Word) -> sp.Expr:
        """Leading (planar) ``E (1/N) tr word``."""
        w = canonical(word)
        if w not in self._n0:
            self._n0[w] = self._solve(w, order=0)
        return self._n0[w]

    def n1(self, word: Word) -> sp.Expr:
        """Coefficient of 1/N in ``E (1/N) tr word``."""
        w = canonical(word)
        if w not in self._n1:
            self._n1[w] = self._solve(w, order=1)
        return self._n1[w]

    def _solve(self, w: Word, order: int) -> sp.Expr:
        """One order of the recursion for ``w = R_z X``, the self-referent planar term moved to the left."""
        (_, z), X = w[0], w[1:]
        elliptic = self.eta != 0
        if elliptic and order == 1:
            raise SpecError("eta", "the 1/N terms are derived for i.i.d. couplings (eta = 0) only")
        if elliptic and not X:  # a lone R_z: the quadratic of the elliptic resolvent
            return 2 / (z + sp.sqrt(z**2 - 4 * self.eta * G**2))
        XR = X + (w[0],)
        n = self.n0 if order == 0 else self.n1
        rhs, self_coef = n(X), sp.Integer(0)
        for p, (kind, y) in enumerate(XR):
            U, V = XR[:p], XR[p + 1:]
            if order == 1 and not self.diagonal:
                rhs -= G**2 * self.n0(U + ((kind, y),)) * self.n0(((kind, y),) + V)
            if kind == "T":
                left, right = U + (("T", y),), (("T", y),) + V
                if p == 0:  # right == XR, a rotation of w
                    self_coef += G**2 * self.n0(left)
                    rhs += G**2 * self.n1(left) * self.n0(w) if order else 0
                    continue
                rhs += G**2 * (self.n0(left) * self.n0(right) if order == 0 else
                               self.n1(left) * self.n0(right) + self.n0(left) * self.n1(right))
            elif order == 1:
                rhs += G**2 * self.n0((("T", y),) + _transpose(U) + (("R", y),) + V)
            elif elliptic:  # planar R-R pairing; at either end one factor is a rotation of w
                left, right = U + (("R", y),), (("R", y),) + V
                if p == 0 or p == len(XR) - 1:
                    self_coef += self.eta * G**2 * self.n0(left if p == 0 else right)
                else:
                    rhs += self.eta * G**2 * self.n0(left) * self.n0(right)
        return rhs / (z - self_coef)


def moments(z_c: tuple[sp.Expr, sp.Expr], z_c2: tuple[sp.Expr, sp.Expr] | None = None,
            expansion: TraceExpansion | None = None) -> dict[str, sp.Expr]:
    """``n0``, ``n1`` of ``R_z T_zc`` and ``R_z T_zc R_y T_yc`` for the pairs ``z_c = (z, zc)``, ``z_c2 = (y, yc)``."""
    e = expansion or TraceExpansion()
    (z, zc), (y, yc) = z_c, (z_c2 or z_c)
    c1: Word = (("R", z), ("T", zc))
    c2: Word = c1 + (("R", y), ("T", yc))
    return {"a0": e.n0(c1), "a1": e.n1(c1), "m2_0": e.n0(c2), "m2_1": e.n1(c2)}


LE_LETTERS: tuple[str, ...] = ("RT", "R", "T", "1")
"""Basis of one frequency's linear-equivalent spectrum: ``C(w) = c_RT R_a T_abar + c_R R_a + c_T T_abar + c_1 1``."""


def linear_equivalent_words(expansion: TraceExpansion | None = None) -> dict[str, sp.Expr]:
    """``n0``/``n1`` of the words of a nonlinear network's linear-equivalent spectra (coupling ``G -> g_eff``).

    With ``phi_j = d x_j + r_j`` (``d = <phi'>``, residual ``r`` independent, spectrum ``rho``), the network is
    ``(a - K) x = J r + xi`` with ``K = d J`` (variance ``g_eff^2/N``, ``g_eff = g d``). ``R_a K = a R_a - 1`` turns
    ``C^x = R_a (J rho J^T + S) T_abar`` and ``C^phi`` into combinations of the :data:`LE_LETTERS` words:
    ``C^x = (S + rho |a|^2/d^2) R T - (rho/d^2)(a R + abar T - 1)`` and ``C^phi = (d^2 S + rho |a|^2) R T``.
    Keys ``n0_<u>``/``n1_<u>`` for one frequency (``a, abar``) and ``n0_<u>_<v>``/``n1_<u>_<v>`` for
    ``(1/N) tr C(w1) C(w2)`` (letters ``u`` at ``a, abar``, ``v`` at ``b, bbar``).
    """
    e = expansion or TraceExpansion()

    def word(name: str, z: sp.Expr, zc: sp.Expr) -> Word:
        return {"RT": (("R", z), ("T", zc)), "R": (("R", z),), "T": (("T", zc),), "1": ()}[name]

    out: dict[str, sp.Expr] = {}
    for u in LE_LETTERS:
        w = word(u, Z_A, Z_AB)
        out[f"n0_{u}"], out[f"n1_{u}"] = e.n0(w), e.n1(w)
        for v in LE_LETTERS:
            wv = w + word(v, Z_B, Z_BB)
            out[f"n0_{u}_{v}"], out[f"n1_{u}_{v}"] = e.n0(wv), e.n1(wv)
    return out


def statistics(m: dict[str, sp.Expr]) -> dict[str, sp.Expr]:
    """Large-N values and 1/N coefficients of the statistics from ``a0, a1, m2_0, m2_1`` (step 3).

    Optional ``r0``, ``r1``: ``(1/N) tr (Re C)^2`` when C is complex Hermitian (a cross-spectrum; the Haar
    average of the diagonal sees ``Re C`` only); a real C has ``r = m2``.
    """
    a0, a1, q0, q1 = m["a0"], m["a1"], m["m2_0"], m["m2_1"]
    r0, r1 = m.get("r0", q0), m.get("r1", q1)
    nvc0, vd0 = q0 - a0**2, r0 - a0**2
    out = {
        "mean_autocov_0": a0, "mean_autocov_1": a1,
        "N_var_cross_0": nvc0, "N_var_cross_1": q1 - 2 * a0 * a1 + nvc0 - 2 * vd0,
        "PR_over_N_0": a0**2 / q0, "PR_over_N_1": 2 * a0 * a1 / q0 - a0**2 * q1 / q0**2,
        "mean_cross_0": sp.Integer(0), "mean_cross_1": sp.Integer(0),
        "var_diag_0": sp.Integer(0), "var_diag_1": 2 * vd0,
        "N_var_diag_0": 2 * vd0, "N_var_diag_1": 2 * (r1 - 2 * a0 * a1) - 4 * vd0,
    }
    return {k: sp.factor(sp.simplify(v)) for k, v in out.items()}


@dataclass
class FiniteSizeDerivation(StagedDerivation):
    """The derived 1/N corrections: zero-frequency closed forms and equal-time kernels (sigma^2 = 1).

    Attributes
    ----------
    name : str
    zero_frequency : dict of str -> sympy.Expr
        ``<key>_0`` and ``<key>_1`` (large-N value and 1/N coefficient) in ``g`` for the statistics.
    equal_time_kernels : dict of str -> sympy.Expr
        ``a0``, ``a1`` in ``(a, abar)`` and ``m2_0``, ``m2_1`` in ``(a, abar, b, bbar)``: integrands of
        ``int dw/2pi`` and ``int int dw1 dw2/4pi^2``.
    steps : list of (str, str)
    provenance : dict
    words : dict of str -> sympy.Expr
        ``n0``/``n1`` of the basic words (checks: ``n1(R_z) = g^2/(z (z^2 - g^2))``).
    linear_equivalent_kernels : dict of str -> sympy.Expr
        :func:`linear_equivalent_words` (nonlinear networks; ``g`` stands for ``g_eff = g <phi'>``).
    linear_equivalent_offdiagonal : dict of str -> sympy.Expr
        The same without the diagonal couplings ``J_ii`` (``TraceExpansion(diagonal=False)``): a nonlinear unit's
        self-coupling is not linear-equivalent and is treated exactly elsewhere.
    """

    STAGES = ("words", "zero_frequency", "equal_time_kernels", "linear_equivalent_kernels",
              "linear_equivalent_offdiagonal")

    name: str
    zero_frequency: dict[str, sp.Expr]
    equal_time_kernels: dict[str, sp.Expr]
    steps: list[tuple[str, str]]
    provenance: dict[str, Any]
    words: dict[str, sp.Expr] = field(repr=False)
    linear_equivalent_kernels: dict[str, sp.Expr] = field(default_factory=dict, repr=False)
    linear_equivalent_offdiagonal: dict[str, sp.Expr] = field(default_factory=dict, repr=False)


def skeleton(spec: Any = None) -> dict[str, Any]:
    """The structure the derivation depends on: none (one set of formulas for i.i.d. Gaussian J with J_ii)."""
    return {"network": "linear", "couplings": "iid gaussian with diagonal", "order": "1/N"}


def _steps(words: dict[str, sp.Expr], zf: dict[str, sp.Expr]) -> list[tuple[str, str]]:
    """(title, LaTeX rows) of every step."""

    def rows(d: dict[str, Any]) -> str:
        return " \\\\\n".join(rf"\text{{{n.replace('_', chr(92) + '_')}}}:&\quad {sp.latex(v)}" for n, v in d.items())

    return [("Stein recursion: 1/N terms of resolvent words (twisted pairings of real J)", rows(words)),
            ("Zero-frequency statistics: large-N value (_0) and 1/N coefficient (_1), sigma^2 = 1", rows(zf))]


@cache_to_disk(code=DERIVATION_CODE)
def _derive_skeleton(skeleton_json: str) -> FiniteSizeDerivation:
    e = TraceExpansion()
    z = sp.Symbol("z")
    words = {"n1(R_z)": e.n1((("R", z),)), "n0(R_z T_z)": e.n0((("R", z), ("T", z))),
             "n1(R_z T_z)": e.n1((("R", z), ("T", z)))}
    one = sp.Integer(1)
    zf = statistics(moments((one, one), expansion=e))
    et = moments((Z_A, Z_AB), (Z_B, Z_BB), expansion=e)
    prov = {"derivation": "derivations.dimension_finite_size", "skeleton": json.loads(skeleton_json),
            "sympy": sp.__version__, "references": "shared/theory/dmft.md 6.1-6.3"}
    return FiniteSizeDerivation("dimension_finite_size", zf, et, _steps(words, zf), prov, words,
                                linear_equivalent_words(e), linear_equivalent_words(TraceExpansion(diagonal=False)))


def derive(spec: Any = None) -> FiniteSizeDerivation:
    """Derive the 1/N corrections (cached on disk; ``spec`` only names the model)."""
    return derive_cached(spec)[0]


def derive_cached(spec: Any = None) -> tuple[FiniteSizeDerivation, CacheInfo]:
    """:func:`derive` and how the disk cache served it."""
    return _derive_skeleton.cached_call(json.dumps(skeleton(spec), sort_keys=True))


C_LAG, V_SITE = sp.symbols("c v", real=True)
"""The lagged covariance ``Delta(u)`` and the variance ``Delta_0`` of the single site, as plain symbols."""


@functools.cache
def _stationary_rhs() -> tuple[sp.Expr, sp.Lambda]:
    """The derived regular right-hand side of the stationary DMFT ``(1 - d_u^2) Delta(u) = RHS`` of a
    one-population network with white noise (``derivations.dmft``), in ``C_LAG``, ``V_SITE`` and mean 0, with
    the placeholder phi's Lambda (tanh) that :func:`linearised_dmft_kernels` replaces by the concrete one."""
    from derivations.dmft import derive as derive_dmft
    from workbench.spec import ModelSpec
    from workbench.symbolic.gaussian import GaussKernel

    st = derive_dmft(ModelSpec.simple(g=1.0, sigma2=1.0)).stages["stationary"]
    (eq,) = st.ode.values()
    rhs = eq.rhs
    (lag_fn,) = [f for f in eq.lhs.atoms(sp.Function) if isinstance(f, sp.core.function.AppliedUndef)]
    (kernel,) = rhs.atoms(GaussKernel)
    _, _, _, d0, mu = kernel.args
    regular = rhs.subs(lag_fn, C_LAG).subs({d0: V_SITE, mu: 0}).replace(
        lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    return regular, kernel.args[0]


def linearised_dmft_kernels(phi: sp.Expr) -> dict[str, sp.Expr]:
    """The single-site kernels of the DMFT linearised on its solution, derived from its stationary equation.

    With ``R(c, v)`` the regular right-hand side at ``Delta(u) = c``, ``Delta_0 = v`` (mean 0) and ``phi`` (a
    SymPy expression in ``x``, gain included): ``A = R_c / g^2``, ``B = R_v / g^2`` (Price's theorem:
    ``<phi' phi'>`` and ``<phi'' phi>``), ``Fcc = R_cc / g^2``, ``Fcv = R_cv / g^2``, ``Fvv = R_vv / g^2`` (the
    curvature of ``<phi phi>`` over the unit-to-unit spread), as expressions with Gaussian-kernel nodes in
    ``C_LAG`` and ``V_SITE``; a change of the action changes them."""
    from workbench.spec import X
    from workbench.symbolic.gaussian import lam

    regular, placeholder = _stationary_rhs()
    body = phi.subs({s: X for s in phi.free_symbols})
    scale = sp.Dummy("k", positive=True)  # Lambda(x, x) collapses to SymPy's identity function: phi = k x, k -> 1
    R = regular.xreplace({placeholder: lam(scale * X if body == X else body)})
    g = next(s for s in R.free_symbols if s.name == "g")
    R = R / g**2
    out = {"A": sp.diff(R, C_LAG), "B": sp.diff(R, V_SITE), "Fcc": sp.diff(R, C_LAG, 2),
           "Fcv": sp.diff(R, C_LAG, V_SITE), "Fvv": sp.diff(R, V_SITE, 2)}
    return {k: sp.expand(v.subs(scale, 1), deep=False) for k, v in out.items()}


S_F, S_FB, D_GAIN, C_XW, RHO_W = sp.symbols("s sbar d C_x rho")
"""Bare filter ``s = 1/(1 + i w)`` and its conjugate, the DMFT gain ``<phi'>``, the unit's x spectrum and the
residual spectrum ``rho = C^phi - d^2 C^x`` at one frequency (independent symbols)."""


@functools.cache
def reciprocal_loop_linear_equivalent() -> dict[str, sp.Expr]:
    """The linear equivalent's own loops ``i -> j -> i`` (bare, to second order): the direct shifts of a unit's x and
    phi spectra per ``g^4/N``.

    In the linear-equivalent network a unit's output is ``phi_i = d x_i + r_i`` (residual r independent of x0) and
    the loop through j returns ``eta s^2 phi_i`` with the constant ``eta = d sum_j J_ij J_ji`` (``E eta = 0``,
    ``E eta^2 = g^4 d^2/N``), so ``x = x0 + eta s^2 (d x + r)`` is solved for x, expanded to ``eta^2`` and averaged
    with ``<x0 x0*> = C_x``, ``<r r*> = rho``, ``<x0 r*> = 0``. The nonlinear unit's loop
    (:func:`workbench.theories.dimension.unit_perturbations.reciprocal_loop`) replaces exactly this part of the
    linear-equivalent words. Keys ``x`` and ``phi`` (expressions in ``s, sbar, d, C_x, rho``).
    """
    eta, x0, r = sp.symbols("eta x0 r")
    x = sp.solve(sp.Eq(sp.Symbol("x"), x0 + eta * S_F**2 * (D_GAIN * sp.Symbol("x") + r)), sp.Symbol("x"))[0]
    xbar = x.subs({S_F: S_FB})  # the conjugate amplitude (x0, r, eta stand for real Gaussian weights)
    out = {}
    for key, (u, ubar) in {"x": (x, xbar), "phi": (D_GAIN * x + r, D_GAIN * xbar + r)}.items():
        amp = sp.series(u, eta, 0, 3).removeO()
        ampb = sp.series(ubar, eta, 0, 3).removeO()
        second = sp.expand(amp * ampb).coeff(eta, 2)  # E eta^2 = g^4 d^2 / N: the coefficient of eta^2 times d^2
        spec = sp.expand(second).subs({x0**2: C_XW, r**2: RHO_W}).subs({x0 * r: 0})
        spec = sp.expand(spec).subs({x0: 0, r: 0})
        out[key] = sp.factor(D_GAIN**2 * spec)
    return out


# ------------------------------------------------------------------------------------------ population mode (J0)
PROJECTOR: Letter = ("E", sp.Integer(0))
"""The rank-one letter ``E = 1 1^T / N`` of a coupling mean ``J0 / N`` (trace 1)."""


def population_terms(z: sp.Expr, zc: sp.Expr, J0: sp.Expr) -> list[tuple[sp.Expr, Word]]:
    """``C = M M^+`` (sigma^2 = 1) of ``J = G + J0 E`` as (coefficient, word) terms in the bulk letters and ``E``.

    Sherman-Morrison: ``M = (z - G - J0 E)^{-1} = R_z + k R_z E R_z`` with ``k = J0 / (1 - J0 s)``,
    ``s = (1/N) 1^T R_z 1 -> n0(R_z) = 1/z`` (its O(1/N^(1/2)) fluctuation enters at O(1/N^2)), so
    ``k = J0 z / (z - J0)``; ``M^+ = T_zc + kbar T_zc E T_zc``."""
    k, kb = J0 * z / (z - J0), J0 * zc / (zc - J0)
    R, T = ("R", z), ("T", zc)
    return [(sp.Integer(1), (R, T)), (k, (R, PROJECTOR, R, T)), (kb, (R, T, PROJECTOR, T)),
            (k * kb, (R, PROJECTOR, R, T, PROJECTOR, T))]


def projected_trace(word: Word, expansion: TraceExpansion) -> sp.Expr:
    """``tr w`` of a word with at least one ``E`` at leading order: cut at the E letters into segments ``W_k``,
    ``tr(E W_1 E W_2 ...) = prod_k (1/N) 1^T W_k 1``, and ``E (1/N) 1^T W 1 = E (1/N) tr W`` exactly (real Ginibre G
    is invariant under ``G -> O G O^T``, so ``1/sqrt N`` is a Haar unit vector to W), the products self-averaging:
    ``prod_k n0(W_k)`` (an empty segment is 1). Hence ``(1/N) tr w = prod_k n0(W_k) / N``: an O(1/N) term."""
    first = word.index(PROJECTOR)
    w = word[first:] + word[:first]
    out, seg = sp.Integer(1), []
    for letter in w[1:] + (PROJECTOR,):
        if letter == PROJECTOR:
            out *= expansion.n0(tuple(seg)) if seg else sp.Integer(1)
            seg = []
        else:
            seg.append(letter)
    return out


def _projected(terms: list[tuple[sp.Expr, Word]], e: TraceExpansion) -> sp.Expr:
    """The 1/N coefficient of ``(1/N) tr`` of a sum of (coefficient, word) terms: its terms with an E
    (:func:`projected_trace`); the bulk words keep their own n0 + n1/N."""
    return sum((c * projected_trace(w, e) for c, w in terms if PROJECTOR in w), sp.Integer(0))


def _projected_pair(tu: list[tuple[sp.Expr, Word]], tv: list[tuple[sp.Expr, Word]], e: TraceExpansion) -> sp.Expr:
    """The 1/N coefficient that the E terms add to ``(1/N) tr u v`` of two sums of terms."""
    return sum((c1 * c2 * projected_trace(w1 + w2, e) for c1, w1 in tu for c2, w2 in tv if PROJECTOR in w1 + w2),
               sp.Integer(0))


def _projected_mean(terms: list[tuple[sp.Expr, Word]], e: TraceExpansion) -> sp.Expr:
    """``tr(E u) - (1/N) tr u`` at leading order (``(1/N) 1^T u 1`` is O(1)): N times the mean over pairs of the
    off-diagonal elements of the sum of terms ``u`` (its first term the bulk word)."""
    bulk = terms[0][1]
    return (sum((c * projected_trace((PROJECTOR, *w), e) for c, w in terms), sp.Integer(0))
            - (e.n0(bulk) if bulk else sp.Integer(1)))


def population_kernels(J0: sp.Expr, expansion: TraceExpansion | None = None) -> dict[str, sp.Expr]:
    """The coupling mean's own 1/N terms of the linear network's trace statistics (sigma^2 = 1).

    ``alpha``: the 1/N coefficient it adds to ``(1/N) tr C(w)`` (in ``a, abar``); ``kappa``: to ``(1/N) tr C(w1)
    C(w2)`` (in ``a, abar, b, bbar``; every product of the :func:`population_terms` with an E); ``mean_cross``:
    ``N mean_cross(w) = tr(E C) - (1/N) tr C`` at leading order, which must equal
    :mod:`derivations.dimension_population`'s ``a (1/|1 - J0 S|^2 - 1)`` for a linear network. The bulk words (no E)
    keep their own n0 + n1/N (:func:`moments`)."""
    e = expansion or TraceExpansion()
    ta, tb = population_terms(Z_A, Z_AB, J0), population_terms(Z_B, Z_BB, J0)
    return {"alpha": _projected(ta, e), "kappa": _projected_pair(ta, tb, e), "mean_cross": _projected_mean(ta, e)}


def population_statistics(m: dict[str, sp.Expr]) -> dict[str, sp.Expr]:
    """What the coupling mean adds to the 1/N coefficients of :func:`statistics`, from the large-N ``a0``, ``m2_0``
    and the population terms ``alpha`` (of ``(1/N) tr C``), ``kappa`` (of ``(1/N) tr C^2``) and ``c`` (N mean_cross).

    ``E (1/N) sum_i C_ii^2 = a0^2 + [2 a0 (a1 + alpha) + 2 var_diag_0] / N`` (the population part of each ``C_ii`` is
    O(1/N), its correlation with the bulk's O(N^(-1/2)) spread enters at O(N^(-3/2))), and ``N var_cross`` is the
    variance over pairs, ``N (1/(N(N-1)) sum_{i != j} C_ij^2 - mean_cross^2)``, so it loses ``c^2 / N``."""
    a0, q0, alpha, kappa, c = m["a0"], m["m2_0"], m["alpha"], m["kappa"], m["c"]
    return {"mean_autocov_1": alpha, "N_var_cross_1": kappa - 2 * a0 * alpha - c**2,
            "PR_over_N_1": 2 * a0 * alpha / q0 - a0**2 * kappa / q0**2, "mean_cross_1": c}


def _letter_terms(name: str, z: sp.Expr, zc: sp.Expr, J0: sp.Expr) -> list[tuple[sp.Expr, Word]]:
    """A :data:`LE_LETTERS` word with ``M = R + k R E R`` for R (:func:`population_terms`) as (coefficient, word)."""
    k, kb = J0 * z / (z - J0), J0 * zc / (zc - J0)
    R, T = ("R", z), ("T", zc)
    return {"RT": population_terms(z, zc, J0), "R": [(sp.Integer(1), (R,)), (k, (R, PROJECTOR, R))],
            "T": [(sp.Integer(1), (T,)), (kb, (T, PROJECTOR, T))], "1": [(sp.Integer(1), ())]}[name]


def population_letters(J0: sp.Expr, expansion: TraceExpansion | None = None) -> dict[str, sp.Expr]:
    """The coupling mean's 1/N terms of the :data:`LE_LETTERS` words at one frequency (``a, abar``; coupling ``g``
    standing for ``g_eff``, ``J0`` for ``J0 <phi'>``): with ``M = R_a + k R_a E R_a`` in place of ``R_a``,
    ``(1/N) tr M M^+`` gains ``alpha/N`` (:func:`population_kernels`), ``(1/N) tr M`` gains ``k n0(R_a R_a)/N`` and
    ``(1/N) tr M^+`` its conjugate; ``1`` nothing. A nonlinear network's linear equivalent ``(a - d J) x = J r + xi``
    has ``M J = (a M - 1)/d`` with ``J = G + J0 E`` as without the mean, so its spectra keep their letter
    coefficients (:func:`linear_equivalent_words`) and these terms are the population mode's share of a unit's
    spectrum."""
    e = expansion or TraceExpansion()
    return {u: _projected(_letter_terms(u, Z_A, Z_AB, J0), e) for u in LE_LETTERS}


def population_letter_pairs(J0: sp.Expr, expansion: TraceExpansion | None = None) -> dict[str, sp.Expr]:
    """The coupling mean's terms of the linear-equivalent words beyond one frequency's (:func:`population_letters`;
    coupling ``g`` standing for ``g_eff``, ``J0`` for ``J0 <phi'>``): ``kappa_<u>_<v>`` (the 1/N coefficient of
    ``(1/N) tr u(w1) v(w2)``, in ``a, abar, b, bbar``) and ``mean_<u>`` (N times the mean over pairs of the
    off-diagonal elements of ``u``, in ``a, abar``), for the letters ``u, v`` of :data:`LE_LETTERS`."""
    e = expansion or TraceExpansion()
    out: dict[str, sp.Expr] = {}
    for u in LE_LETTERS:
        tu = _letter_terms(u, Z_A, Z_AB, J0)
        out[f"mean_{u}"] = _projected_mean(tu, e)
        for v in LE_LETTERS:
            out[f"kappa_{u}_{v}"] = _projected_pair(tu, _letter_terms(v, Z_B, Z_BB, J0), e)
    return out
