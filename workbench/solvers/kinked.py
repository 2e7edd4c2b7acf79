"""Gaussian averages of a kinked phi (clip, relu, piecewise): the one route the cavity and fixed-J theories share.

Gauss-Hermite converges only algebraically across a kink: for ``clip(x, -1, 1)`` the 61-node rule put the gain
``<phi'>`` (the Gaussian mean of a step) 8-20 % off and ``<phi^2>`` 0.4-2.8 % off at variances 0.7-1.6. Here the
means are split, graded Gauss-Legendre rules (:func:`~workbench.solvers.quadrature.split_inner`, exact to rounding)
and the pair kernels the kink-aware sinh rule (:func:`~workbench.solvers.quadrature.kinked_kernel_adaptive`) on
Chebyshev nodes in the covariance.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

from workbench.solvers.quadrature import _kinks, kinked_kernel_adaptive, split_average_pair
from workbench.spec import X

__all__ = ["KINK_TOL", "chebyshev_in_covariance", "expr_kinks", "kinked_mean", "kinked_pair"]

KINK_TOL = 1e-10
"""Relative target of the kink-aware pair kernels (:func:`workbench.solvers.quadrature.kinked_kernel_adaptive`)."""

Fn = Callable[[np.ndarray], np.ndarray]


def expr_kinks(expr: sp.Expr) -> tuple[float, ...]:
    """Where the one-variable expression ``expr`` (phi, gain included) is not smooth; empty if it is smooth."""
    if not expr.has(sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.Heaviside):
        return ()
    free = sorted(expr.free_symbols, key=str)
    if len(free) == 1 and free[0] != X:
        expr = expr.subs(free[0], X)
    return _kinks(sp.piecewise_fold(expr.rewrite(sp.Piecewise)))


def kinked_mean(f: Fn, mu: float, var: np.ndarray | float, kinks: tuple[float, ...]) -> np.ndarray:
    """``<f(mu + sqrt(var) z)>`` elementwise in ``var`` by the split rule (f may be a step, e.g. phi' of a clip)."""
    var = np.asarray(var, dtype=float)
    flat = var.ravel()
    uniq, inv = np.unique(flat, return_inverse=True)
    vals = np.array([split_average_pair(f, float(mu), float(v), kinks)[0] for v in uniq])
    return vals[inv].reshape(var.shape)


def chebyshev_in_covariance(kernel_at: Fn, var: float, cov: np.ndarray, n_cheb: int = 48) -> np.ndarray:
    """A Gaussian pair kernel ``K(D)`` at the covariances ``cov``: ``kernel_at`` on ``n_cheb`` Chebyshev nodes over
    ``[min(cov, 0), var]``, then its Chebyshev series (the kernel is analytic in the covariance for |D| < var)."""
    from numpy.polynomial import Chebyshev

    cov = np.asarray(cov, dtype=float)
    lo = float(min(cov.min(initial=0.0), 0.0))
    nodes = lo + (var - lo) * 0.5 * (1 + np.cos(np.pi * (np.arange(n_cheb) + 0.5) / n_cheb))
    return Chebyshev.fit(nodes, kernel_at(nodes), n_cheb - 1, domain=[lo, var])(cov)


def kinked_pair(f: Fn, mu: float, var: float, cov: np.ndarray, kinks: tuple[float, ...],
                n_cheb: int = 48) -> np.ndarray:
    """``<f(mu + d1) f(mu + d2)>`` for a Gaussian pair of variance ``var`` and covariance ``cov`` (elementwise): the
    kink-aware kernel through :func:`chebyshev_in_covariance`."""

    def kernel_at(nodes: np.ndarray) -> np.ndarray:
        return np.array([kinked_kernel_adaptive(f, None, kinks, kinks, float(mu), float(var), float(D), 0.5,
                                                KINK_TOL)[0] for D in nodes])

    return chebyshev_in_covariance(kernel_at, float(var), cov, n_cheb)
