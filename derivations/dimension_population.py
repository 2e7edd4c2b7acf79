"""The population mode: the O(1/N) mean cross-covariance of a random network with a coupling mean, derived.

``J = (J0/N) 1 1^T + G`` (``G`` i.i.d., ``Var G_ij = g^2/N``). Linearising every unit around its DMFT process as in
:mod:`derivations.dimension_cavity` (``phi_k = d_k x_k + r_k``, the residual ``r_k`` uncorrelated with ``x_k`` and
with the noise), the network is ``x = S [G (D x + r) + J0 1 Phi + xi]``, ``S(w) = 1/(1 + i w)``, with the
population means ``m = (1/N) 1^T x`` and ``Phi = (1/N) 1^T phi``. With ``R0 = (1 - S G D)^-1`` and the sources
``b = S (G r + xi)``, the rank-one part closes on the two population means (``(1/N) 1^T R0 1 = 1`` and
``(1/N) d^T R0 1 = dbar`` at leading order)::

    m   = u + S J0 Phi,               u = (1/N) 1^T R0 b,
    Phi = v + rho + S J0 dbar Phi,    v = (1/N) d^T R0 b,   rho = (1/N) 1^T r.

``1`` and ``d`` are generic directions for ``R0`` (i.i.d. G; the gains do not correlate with the couplings when the
state is symmetric, see below), so N times the second moments of the sources are diagonal averages:
``N<u u*> = a``, ``N<v v*> = <d^2> a``, ``N<u v*> = dbar a``, ``N<rho rho*> = a_phi - <d^2> a`` and ``rho`` is
uncorrelated with ``u`` and ``v``; ``a(w)``, ``a_phi(w)`` are the units' mean spectra of x and phi (the DMFT's). The
stage solves the two equations and forms ``N<|m|^2> - a`` and ``N<|Phi|^2> - a_phi``: ``N`` times the mean
cross-spectrum ``mean_{i != j} C_ij(w)`` of x and of phi (``N<|m|^2> = a + N mean_cross`` at leading order).
The result is checked against its closed forms, ``N mean_cross^phi = a_phi (1/|1 - q|^2 - 1)`` and
``N mean_cross^x = 2 a Re[q/(1 - q)] + |S|^2 J0^2 a_phi/|1 - q|^2`` with ``q = J0 dbar S``; ``J0 = 0`` gives 0 and
a linear network (``d = 1``, ``a_phi = a``) ``a (1/|1 - J0 S|^2 - 1)``.

Validity: a symmetric state, a phi odd about phi(0) with DMFT mean ``mu = 0`` (tanh, erf, logistic without J0).
Otherwise the gains correlate with the couplings (``E[d_i G_ij] = (g^2/N) <phi''>_i <phi_j>``, Stein) and the mean
cross-covariance of phi is O(1/N) even at J0 = 0 (relu). :func:`asymmetric_algebra` derives that closure: writing
``G = G_perp + mu pbar^T / (N q)`` (the units' static means ``mu = G pbar``, ``q = <pbar^2>``) adds the
rate-weighted population ``P = (1/N) sum_k pbar_k dphi_k`` with the feedbacks ``beta = g^2 <phi''>`` (onto Phi) and
``gamma = g^2 <(pbar d)'>`` (onto P); at ``beta = 0`` it is :func:`population_algebra`. The sources' covariances,
with the pair terms of phi beyond the linear equivalent, are in
:mod:`workbench.theories.dimension.population_asymmetric`. The population mean of x is an exception at
J0 = 0: ``m = S [(1/N) sum_j U_j dphi_j + xibar]`` with the column sums ``U_j = sum_i G_ij``, which carry no gain
and do not correlate with unit j's activity, so ``N <|m|^2> = |S|^2 (g^2 a_phi + sigma2) = a``: N mean_cross of x
is 0 in any state without a coupling mean (simulated, relu g = 0.8, sigma2 = 0.5: -0.00003 +- 0.0027; softplus
g = 1.2, sigma2 = 0.4: 0.004 +- 0.006).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sympy as sp

from workbench.codegen.cache import cache_to_disk

__all__ = ["A", "A_PHI", "BETA", "D2", "DBAR", "GAMMA", "J0", "PD", "W", "asymmetric_algebra", "asymmetric_coefficients",
           "kernels", "population_algebra", "steps"]

W = sp.Symbol("omega", real=True)
"""Angular frequency (time in units of tau)."""
J0 = sp.Symbol("J_0", real=True)
"""Coupling mean scale: ``E J_ij = J0/N``."""
DBAR = sp.Symbol("dbar", real=True)
"""Unit average of the local gain ``<phi'(x_k)>``."""
D2 = sp.Symbol("d2", positive=True)
"""Unit average of the squared local gain ``<phi'(x_k)>^2``."""
A = sp.Symbol("a", positive=True)
"""Mean spectrum of x, ``mean_i C^x_ii(w)``."""
A_PHI = sp.Symbol("a_phi", positive=True)
"""Mean spectrum of phi, ``mean_i C^phi_ii(w)``."""
PD = sp.Symbol("pd", real=True)
"""Unit average ``<pbar d>`` of the mean rate times the gain (asymmetric states)."""
BETA = sp.Symbol("beta", real=True)
"""Gain-coupling feedback of the rate population onto Phi: ``<d mu>/q = g^2 <phi''>`` (asymmetric states)."""
GAMMA = sp.Symbol("gamma", real=True)
"""Its feedback onto the rate-weighted population P: ``<pbar d mu>/q = g^2 <(pbar d)'>`` (asymmetric states)."""
ASYMMETRIC_SOURCES = ("u", "v", "p", "rbar", "rho")
"""The sources of the asymmetric closure, in the order of :func:`asymmetric_algebra`'s coefficient vectors: the
x-driven ``u = (1/N) 1^T R0 b``, ``v = (1/N) d^T R0 b``, ``p = (1/N) (pbar d)^T R0 b`` and the residual means
``rbar = (1/N) 1^T r``, ``rho = (1/N) pbar^T r``."""


def _hermitian_form(c: list[sp.Expr], K: sp.Matrix) -> sp.Expr:
    """``c^T K conj(c)`` for coefficients ``c`` of the sources (``S`` and its conjugate written out in w)."""
    cv = sp.Matrix(c)
    return sp.expand((cv.T * K * cv.applyfunc(sp.conjugate))[0, 0])


@functools.lru_cache(maxsize=1)
def population_algebra() -> dict[str, sp.Expr]:
    """The population stage: ``S``, ``m`` and ``Phi`` in terms of the sources, and the two mean cross-spectra
    ``N_mean_cross_x``, ``N_mean_cross_phi`` (functions of w, J0, dbar, d2, a, a_phi), checked against the closed
    forms of the module docstring."""
    S = 1 / (1 + sp.I * W)
    u, v, rho, m, Phi = sp.symbols("u v rho m Phi")
    sol = sp.solve([sp.Eq(m, u + S * J0 * Phi), sp.Eq(Phi, v + rho + S * J0 * DBAR * Phi)], [m, Phi], dict=True)[0]
    sources = (u, v, rho)
    K = sp.Matrix([[A, DBAR * A, 0], [DBAR * A, D2 * A, 0], [0, 0, A_PHI - D2 * A]])  # N <s s*>, real symmetric
    coef = {name: [sp.diff(sol[sym], s) for s in sources] for name, sym in (("m", m), ("Phi", Phi))}
    out = {
        "S": S,
        "m": sol[m],
        "Phi": sol[Phi],
        "N_mean_cross_x": sp.simplify(_hermitian_form(coef["m"], K) - A),
        "N_mean_cross_phi": sp.simplify(_hermitian_form(coef["Phi"], K) - A_PHI),
    }
    _check_closed_forms(out)
    return out


@functools.lru_cache(maxsize=1)
def asymmetric_algebra() -> dict[str, Any]:
    """The population stage of an asymmetric state (see :func:`_asymmetric_algebra`; disk-cached, keyed by the
    derivations' source)."""
    return _asymmetric_algebra("asymmetric-population")


@cache_to_disk(code=("workbench.symbolic", "derivations"))
def _asymmetric_algebra(tag: str) -> dict[str, Any]:
    """The population stage of an asymmetric state (gains correlated with the couplings, module docstring): ``m``,
    ``Phi`` and the rate-weighted population ``P = (1/N) sum_k pbar_k dphi_k`` from::

        m   = u + S J0 Phi,
        Phi = v + rbar + beta S P + J0 S dbar Phi,
        P   = p + rho + gamma S P + J0 S pd Phi,

    and the coefficient vectors ``c_m``, ``c_Phi`` of ``m`` and ``Phi`` on :data:`ASYMMETRIC_SOURCES` (functions of
    w, J0, dbar, pd, beta, gamma). ``N <|Phi|^2> = c_Phi K c_Phi^+`` for the sources' N-covariance K. Checked: at
    ``beta = 0`` (a symmetric state) ``m`` and ``Phi`` are :func:`population_algebra`'s, and the x-driven and the
    residual sources of each population enter alike."""
    S = 1 / (1 + sp.I * W)
    u, v, p, rbar, rho, m, Phi, P = sp.symbols("u v p rbar rho m Phi P")
    eqs = [sp.Eq(m, u + S * J0 * Phi), sp.Eq(Phi, v + rbar + BETA * S * P + J0 * S * DBAR * Phi),
           sp.Eq(P, p + rho + GAMMA * S * P + J0 * S * PD * Phi)]
    sol = sp.solve(eqs, [m, Phi, P], dict=True)[0]
    sources = (u, v, p, rbar, rho)
    out: dict[str, Any] = {"S": S, "m": sp.simplify(sol[m]), "Phi": sp.simplify(sol[Phi]), "P": sp.simplify(sol[P])}
    for name, sym in (("m", m), ("Phi", Phi)):
        out[f"c_{name}"] = [sp.simplify(sp.diff(sol[sym], s)) for s in sources]
    sym_alg = population_algebra()
    for name in ("m", "Phi"):
        reduced = out[name].subs({BETA: 0, p: 0, rho: 0}).subs(rbar, sp.Symbol("rho"))  # the symmetric names
        if sp.simplify(reduced - sym_alg[name]) != 0:
            raise AssertionError(f"asymmetric population mode: {name} at beta = 0 is not the symmetric one")
        c = out[f"c_{name}"]
        if sp.simplify(c[1] - c[3]) != 0 or sp.simplify(c[2] - c[4]) != 0:
            raise AssertionError(f"asymmetric population mode: the sources of {name} do not enter in pairs")
    return out


@functools.lru_cache(maxsize=1)
def asymmetric_coefficients() -> Callable[..., Any]:
    """NumPy ``f(w, J0, dbar, pd, beta, gamma) -> complex array (2, 5, ...)``: ``c_m`` and ``c_Phi`` of
    :func:`asymmetric_algebra` on the sources :data:`ASYMMETRIC_SOURCES`."""
    alg = asymmetric_algebra()
    fn = sp.lambdify((W, J0, DBAR, PD, BETA, GAMMA), [alg["c_m"], alg["c_Phi"]], "numpy")

    def coefficients(w: Any, j0: float, dbar: float, pd: float, beta: float, gamma: float) -> Any:
        import numpy as np

        w = np.asarray(w, dtype=float)
        rows = fn(w, j0, dbar, pd, beta, gamma)
        return np.array([[np.broadcast_to(np.asarray(c, dtype=complex), w.shape) for c in row] for row in rows])

    return coefficients


def _check_closed_forms(out: dict[str, sp.Expr]) -> None:
    """Assert the closed forms of the module docstring, the J0 = 0 limit and the linear network."""
    S = out["S"]
    Sc = sp.conjugate(S)
    q, qc = J0 * DBAR * S, J0 * DBAR * Sc
    inv = 1 / ((1 - q) * (1 - qc))
    want = {
        "N_mean_cross_phi": A_PHI * (inv - 1),
        "N_mean_cross_x": A * (q / (1 - q) + qc / (1 - qc)) + S * Sc * J0**2 * A_PHI * inv,
    }
    for name, expr in want.items():
        if sp.simplify(sp.expand_complex(out[name] - expr)) != 0:
            raise AssertionError(f"population mode: {name} = {out[name]} is not {expr}")
        if sp.simplify(out[name].subs(J0, 0)) != 0:
            raise AssertionError(f"population mode: {name} does not vanish at J0 = 0")
    linear = out["N_mean_cross_x"].subs({DBAR: 1, D2: 1, A_PHI: A})
    if sp.simplify(sp.expand_complex(linear - A * (1 / ((1 - J0 * S) * (1 - J0 * Sc)) - 1))) != 0:
        raise AssertionError("population mode: the linear network's mean cross-spectrum is not a (1/|1 - J0 S|^2 - 1)")


@functools.lru_cache(maxsize=1)
def kernels() -> dict[str, Callable[..., Any]]:
    """NumPy functions ``f(w, J0, dbar, d2, a, a_phi)`` of the two derived mean cross-spectra (real)."""
    alg = population_algebra()
    return {name: sp.lambdify((W, J0, DBAR, D2, A, A_PHI), sp.simplify(sp.re(sp.expand_complex(alg[name]))), "numpy")
            for name in ("N_mean_cross_x", "N_mean_cross_phi")}


def steps() -> list[tuple[str, str]]:
    """LaTeX rows of the population stage (for the cavity derivation's report)."""
    alg = population_algebra()
    return [
        ("Population mode: the rank-one coupling mean closes on the population means",
         rf"m &= {sp.latex(alg['m'])} \\ \Phi &= {sp.latex(alg['Phi'])}"),
        ("O(1/N) mean cross-spectra of x and phi",
         rf"N\,\overline{{C^x_{{i\neq j}}}} &= {sp.latex(alg['N_mean_cross_x'])} \\ "
         rf"N\,\overline{{C^\phi_{{i\neq j}}}} &= {sp.latex(alg['N_mean_cross_phi'])}"),
    ]
