"""Symbols of the single-site (cavity) theory of the DMFT Lyapunov spectrum (D. G. Clark, ``rnn-lyapunov``).

The tangent dynamics of ``tau x' = -x + J phi(x)`` is ``(d/dt + 1/tau) u = (1/tau) J D(t) u`` with
``D = diag(phi'(x_i(t)))``. The number of exponents above a threshold ``s`` follows from the Hermitised
resolvent of the shifted operator ``M_s = d/dt + a - (1/tau) J D``, ``a = s + 1/tau``; averaging over
``J`` (variance ``g^2 / N``) and closing on one site gives the single-site kernels (Clark, paper
[eq:Rvu00]-[eq:Fsite])::

    Q_d = [eta + gamma D P D + |L|^2 / A]^{-1},      A = eta + gamma <D Q_d D>,
    P   = <X_d> = 1/A - |L|^2 <Q_d> / A^2,            F(s) = 1/2 + int dW/2pi a <Q_d>/A

(``X_d = [A + L (eta + gamma D P D)^{-1} L^+]^{-1}``; the closed form of its symbol follows from
``(B + C^{-1})^{-1} = C (C + B^{-1})^{-1} B^{-1}`` with circulant ``B = A / |L|^2``, so one dense
inverse per gain path is needed). ``F(s)`` is the fraction of exponents below ``s``.

Derived here with SymPy, from the Fourier symbol of the tangent operator (``d/dt -> i W``):

* :func:`tangent_symbols`: ``L(W)``, ``|L|^2 = L conj(L)``, the coupling variance ``gamma`` of
  ``(1/tau) J`` and the readout weight ``Re L`` (the lag-zero midpoint response of ``1 / L``);
* :func:`bloch_bare_sum`: the uncoupled readout ``(1/T) sum_k Re 1/L(W_k)`` on a ring of length
  ``T`` with Bloch phase ``theta``, summed exactly as a geometric series of the periodic response
  (``W_k = 2 pi (k + theta) / T``). The numerics subtract it on the grid and add its exact value.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["CavitySymbols", "bloch_bare_sum", "tangent_symbols"]

S, TAU, G, W = sp.symbols("s tau g W", real=True)
T_RING, THETA = sp.symbols("T theta", positive=True)


@dataclass(frozen=True)
class CavitySymbols:
    """SymPy expressions of the single-site theory in ``(s, tau, g, W)`` and ``(T, theta)``."""

    L: sp.Expr
    ell2: sp.Expr
    gamma: sp.Expr
    readout_weight: sp.Expr
    bare_sum: sp.Expr


def tangent_symbols() -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """``L(W)``, ``|L|^2``, ``gamma`` and ``Re L`` of the shifted tangent operator ``d/dt + 1/tau + s``."""
    L = sp.I * W + 1 / TAU + S
    ell2 = sp.expand(L * sp.conjugate(L))
    coupling = 1 / TAU  # (1/tau) J, J_ij of variance g^2 / N
    gamma = G**2 * coupling**2
    return L, ell2, gamma, sp.re(L)


def bloch_bare_sum() -> sp.Expr:
    """``(1/T) sum_k 1/L(W_k)`` at lag 0 (midpoint of the jump) on a Bloch ring, in closed form.

    The periodic response of ``d/dt + a`` to a unit source is ``e^{-a t}/(1 - q)`` on ``(0, T)`` with
    ``q = e^{-a T} e^{2 pi i theta}``; its values at ``0+`` and ``T-`` (times the Bloch phase) are
    ``1/(1 - q)`` and ``q/(1 - q)``. The real part of their midpoint is the readout of the uncoupled ring.
    """
    a = sp.Symbol("a", real=True)
    q = sp.exp(-a * T_RING) * sp.exp(2 * sp.pi * sp.I * THETA)
    mid = (1 + q) / (2 * (1 - q))
    re_mid = sp.simplify(sp.re(sp.expand_complex(mid)))
    closed = sp.sinh(a * T_RING) / (2 * (sp.cosh(a * T_RING) - sp.cos(2 * sp.pi * THETA)))
    check = sp.simplify((re_mid - closed).rewrite(sp.exp))
    if check != 0:  # pragma: no cover - guards the closed form
        raise AssertionError(f"Bloch sum closed form does not simplify: {check}")
    return closed.subs(a, 1 / TAU + S)


def derive() -> CavitySymbols:
    """All symbols of the single-site theory."""
    L, ell2, gamma, weight = tangent_symbols()
    return CavitySymbols(L=L, ell2=ell2, gamma=gamma, readout_weight=weight, bare_sum=bloch_bare_sum())
