"""Numerical Gaussian averages for generated DMFT systems.

:class:`LoweredSystem` takes SymPy expressions containing :class:`~workbench.symbolic.GaussAvg` and
:class:`~workbench.symbolic.GaussKernel` nodes, replaces every node by a placeholder symbol and
compiles, with :func:`workbench.codegen.compile_system`, (a) the expressions in terms of the
unknowns, parameters and placeholders, (b) the integrands of all nodes as one vectorised function
of ``x``, and (c) the node arguments (mean, variance, covariance). Evaluating the system computes
the placeholders by (nested) probabilists' Gauss-Hermite quadrature (shared theory/dmft.md §0)
and then the compiled expressions.

Even integrands (e.g. ``Phi = ln cosh`` written by SymPy as ``x - log(tanh(x) + 1)``) are
compiled at ``|x|``, which is exact for an even function and avoids the cancellation of the
SymPy form at large negative x.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from workbench.expr import as_expr
from workbench.spec import X
from workbench.symbolic.gaussian import (
    GaussAvg,
    GaussKernel,
    body,
    gauss_average_value,
    gauss_hermite,
    gauss_kernel_values,
)

__all__ = ["gauss_hermite", "LoweredSystem"]


def _is_even(b: sp.Expr) -> bool:
    """Even integrand? Symbolically if SymPy can tell, else at a few points to 1e-12 (mpmath, 30 digits)."""
    try:
        if sp.simplify(b.subs(X, -X) - b) == 0:
            return True
    except Exception:  # pragma: no cover
        pass
    pts = (0.31, 0.77, 1.3, 2.9)
    try:
        vals = [abs(sp.N((b.subs(X, -p) - b.subs(X, p)), 30)) for p in pts]
        scale = [abs(sp.N(b.subs(X, p), 30)) + 1 for p in pts]
        return all(v / s_ < 1e-12 for v, s_ in zip(vals, scale, strict=True))
    except (TypeError, ValueError):  # pragma: no cover
        return False


def _kinks(b: sp.Expr) -> tuple[float, ...]:
    """Points where a piecewise integrand is not smooth (roots of its Piecewise conditions)."""
    pts: set[float] = set()
    for pw in b.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                try:
                    for r in sp.solve(sp.Eq(rel.lhs, rel.rhs), X):
                        if r.is_real:
                            pts.add(float(r))
                except (NotImplementedError, TypeError):  # pragma: no cover
                    pass
    if b.has(sp.Heaviside, sp.Abs, sp.Max, sp.Min) and not pts:
        pts.add(0.0)
    return tuple(sorted(pts))


@functools.lru_cache(maxsize=4)
def _legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n)


def split_gauss_average(f: Any, mu: float, D0: float, kinks: Sequence[float], n: int = 64, span: float = 12.0) -> float:
    """``int Dz f(mu + sqrt(D0) z)`` by Gauss-Legendre on [-span, span] split at the kinks of f.

    Gauss-Hermite converges only algebraically across a kink (relu: ~1e-3 with 101 nodes); the
    split rule integrates each smooth piece to machine precision.
    """
    s = math.sqrt(max(D0, 0.0))
    if s == 0.0:
        return float(np.broadcast_to(f(np.array([mu])), (1,))[0])
    edges = [-span, *sorted((k - mu) / s for k in kinks if -span < (k - mu) / s < span), span]
    x, w = _legendre(n)
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        z = 0.5 * (b - a) * x + 0.5 * (a + b)
        vals = np.broadcast_to(f(mu + s * z), z.shape)
        total += 0.5 * (b - a) * float(np.sum(w * vals * np.exp(-0.5 * z * z)))
    return total / math.sqrt(2 * math.pi)


class LoweredSystem:
    """Expressions with Gaussian nodes, compiled for fast numerical evaluation.

    Parameters
    ----------
    exprs : sequence of sympy.Expr
        Outputs.
    args : sequence of sympy.Symbol
        Unknowns and parameters, in call order.
    backend : {"numpy", "numba"}
    name : str
        Base name of the generated modules.
    n_quad : int
        Gauss-Hermite order for averages (and for each level of the nested kernels).
    """

    def __init__(
        self,
        exprs: Sequence[sp.Expr],
        args: Sequence[sp.Symbol],
        *,
        backend: str = "numba",
        name: str = "dmft",
        n_quad: int = 101,
        n_kernel: int = 61,
    ) -> None:
        from workbench.codegen import compile_system

        self.args = tuple(args)
        exprs = [as_expr(e) for e in exprs]
        nodes: list[sp.Expr] = []
        for e in exprs:
            for n in sp.preorder_traversal(e):
                if isinstance(n, (GaussAvg, GaussKernel)) and n not in nodes:
                    nodes.append(n)
        self.nodes = nodes
        self.placeholders = [sp.Symbol(f"G{k}", real=True) for k in range(len(nodes))]
        rep = dict(zip(nodes, self.placeholders, strict=True))
        self.exprs = [e.xreplace(rep) for e in exprs]
        bodies: list[sp.Expr] = []
        spec_nodes = []
        node_args: list[sp.Expr] = []
        for n in nodes:
            if isinstance(n, GaussAvg):
                fs = [body(n.f)]
                nargs = [n.mu, n.Delta0]
            else:
                f, g, D, D0, mu = n.args
                fs = [body(f), body(g)]
                nargs = [mu, D0, D]
            idx = []
            for b in fs:
                if b not in bodies:
                    bodies.append(b)
                idx.append(bodies.index(b))
            spec_nodes.append((isinstance(n, GaussKernel), idx, len(node_args)))
            node_args.extend(nargs)
        self._spec_nodes = spec_nodes
        compiled_bodies = [b.subs(X, sp.Abs(X)) if _is_even(b) else b for b in bodies]
        self.bodies = bodies
        self.kinks = [_kinks(b) for b in bodies]
        self.n_quad = n_quad
        self.n_kernel = n_kernel
        self.z, self.w = gauss_hermite(n_quad)
        self.zk, self.wk = gauss_hermite(n_kernel)
        self.main = compile_system(
            self.exprs or [sp.S.Zero], [*self.args, *self.placeholders], backend=backend, name=f"{name}_main"
        )
        # one vectorised function per integrand, so a kernel evaluates only what it needs
        self.integrands = [
            compile_system([b], [X], backend=backend, name=f"{name}_integrand", vectorize=True) for b in compiled_bodies
        ]
        self.node_args = (
            compile_system(node_args, list(self.args), backend="numpy", name=f"{name}_nodeargs") if node_args else None
        )
        self.sources = {"main": self.main.source}

    def _fi(self, i: int, x: np.ndarray) -> np.ndarray:
        return self.integrands[i].vectorized(x)

    def placeholder_values(self, *vals: float) -> np.ndarray:
        """Numerical values of all Gaussian nodes at the given unknowns/parameters."""
        if not self.nodes:
            return np.zeros(0)
        na = self.node_args(*vals)
        na = np.atleast_1d(np.asarray(na, dtype=float)) if len(self._spec_nodes) else na
        out = np.empty(len(self.nodes))
        for k, (is_kernel, idx, off) in enumerate(self._spec_nodes):
            if not is_kernel:
                mu, D0 = na[off], na[off + 1]
                if D0 < 0:
                    raise FloatingPointError(f"negative variance {D0}")
                out[k] = self.average(idx[0], mu, D0)
            else:
                mu, D0, D = na[off], na[off + 1], na[off + 2]
                out[k] = self.kernel_values(idx, mu, D0, np.array([D]))[0]
        return out

    def average(self, i: int, mu: float, D0: float) -> float:
        """``<f_i>`` at mean ``mu`` and variance ``D0``: Gauss-Hermite, or split Gauss-Legendre for kinked f_i."""
        if self.kinks[i]:
            return split_gauss_average(lambda x: self._fi(i, x), mu, D0, self.kinks[i])
        return gauss_average_value(lambda x: self._fi(i, x), mu, D0, self.n_quad)

    def kernel_values(self, idx: Sequence[int], mu: float, D0: float, D: np.ndarray) -> np.ndarray:
        """``C_{f_i, f_j}(D; D0, mu)`` for an array of covariances ``D`` (|D| <= D0)."""
        # the integrand's analyticity strip shrinks relative to the Gaussian width as D0 grows:
        # scale the order with sqrt(D0) (n_kernel is the order at D0 <= 1), at most 201
        n = min(201, max(self.n_kernel, int(math.ceil(self.n_kernel * math.sqrt(max(D0, 1.0))))))
        second = None if idx[1] == idx[0] else (lambda x: self._fi(idx[1], x))
        return gauss_kernel_values(lambda x: self._fi(idx[0], x), second, mu, D0, D, n)

    def curve(self, var: sp.Symbol, grid: np.ndarray, *vals: float) -> list[np.ndarray]:
        """Evaluate on a grid of the last argument ``var`` (kernels in ``var`` vectorised over the grid).

        Needs the numpy backend (broadcasting). Returns one array per expression.
        """
        return self.on_grid([var], [grid], *vals)

    def on_grid(
        self,
        variables: Sequence[sp.Symbol],
        grids: Sequence[np.ndarray],
        *vals: float,
        n_interp: int | None = None,
    ) -> list[np.ndarray]:
        """Evaluate with the last ``len(variables)`` arguments given as arrays of one common shape.

        Kernel nodes whose covariance argument *is* one of ``variables`` are evaluated on that
        variable's array; every other node must not depend on ``variables``. With ``n_interp``, a
        kernel is computed at ``n_interp`` Chebyshev points spanning the array's range and
        evaluated from its Chebyshev interpolant (the kernels are analytic in the covariance for
        |D| <= Delta0, so the interpolant converges geometrically). Needs the numpy backend
        (broadcasting). Returns one array per expression.
        """
        k = len(variables)
        if tuple(self.args[len(self.args) - k :]) != tuple(variables):
            raise ValueError("the grid variables must be the last arguments, in order")
        grids = [np.asarray(gv, dtype=float) for gv in grids]
        shape = grids[0].shape
        full = (*vals, *([0.0] * k))
        na = self.node_args(*full) if self.node_args is not None else []
        na = np.atleast_1d(np.asarray(na, dtype=float)) if len(self._spec_nodes) else na
        where = {v: i for i, v in enumerate(variables)}
        ph: list[Any] = []
        for node, (is_kernel, idx, off) in zip(self.nodes, self._spec_nodes, strict=True):
            if is_kernel and node.args[2] in where:
                gv = grids[where[node.args[2]]]
                lo, hi = float(np.min(gv)), float(np.max(gv))
                if n_interp is not None and gv.size > n_interp and hi > lo:
                    mu_, D0_ = na[off], na[off + 1]
                    cheb = np.polynomial.chebyshev.Chebyshev.interpolate(
                        lambda d, i=idx, m=mu_, v=D0_: self.kernel_values(i, m, v, d), n_interp - 1, domain=[lo, hi]
                    )
                    ph.append(cheb(gv))
                else:
                    ph.append(self.kernel_values(idx, na[off], na[off + 1], gv))
            elif node.free_symbols & set(variables):
                raise ValueError(f"node {node} depends on the grid variables other than through its covariance")
            elif is_kernel:
                ph.append(self.kernel_values(idx, na[off], na[off + 1], np.array([na[off + 2]]))[0])
            else:
                ph.append(self.average(idx[0], na[off], na[off + 1]))
        out = self.main(*vals, *grids, *ph)
        out = out if isinstance(out, tuple) else (out,)
        return [np.broadcast_to(np.asarray(o, dtype=float), shape).copy() for o in out]

    def __call__(self, *vals: float) -> tuple[float, ...] | float:
        """Evaluate the expressions (unknowns and parameters in ``args`` order)."""
        return self.main(*vals, *self.placeholder_values(*vals))
