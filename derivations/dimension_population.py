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
Otherwise the gains correlate with the couplings (``E[d_i G_ij] = (g^2/N) <phi''>_i <phi_j>``, Stein), the population
feedback gains more terms and the mean cross-covariance of phi is O(1/N) even at J0 = 0 (relu); that case is not
derived (``benchmarks/study_mean_cross_asymmetric.py``: a prototype). The population mean of x is an exception at
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

__all__ = ["A", "A_PHI", "D2", "DBAR", "J0", "W", "kernels", "population_algebra", "steps"]

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
