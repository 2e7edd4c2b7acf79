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

import numba
import numpy as np
import sympy as sp

from workbench.expr import as_expr
from workbench.solvers.failures import ActivityRunaway
from workbench.spec import X
from workbench.symbolic.gaussian import (
    GaussAvg,
    GaussKernel,
    body,
    gauss_average_value,
    gauss_hermite,
    gauss_kernel_values,
)
from workbench.symbolic.parity import has_parity

__all__ = ["gauss_hermite", "LoweredSystem"]


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


SINH_ZMAX = 10.0
"""Half-width (in standard deviations) beyond which the Gaussian weight (< 2e-22) is dropped."""


@numba.njit(cache=True)
def _sinh_map(centre: float, scale: float, h: float, reach: float) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Nodes ``z = centre + asinh(scale sinh(t))``, ``t = k h``, and ``dz/dt``, covering ``|z - centre| <= reach``."""
    T = math.asinh(math.sinh(min(reach, 700.0)) / scale)
    n = int(math.ceil(T / h))
    z = np.empty(2 * n + 1)
    dz = np.empty(2 * n + 1)
    for k in range(2 * n + 1):
        t = h * (k - n)
        st = scale * math.sinh(t)
        z[k] = centre + math.asinh(st)
        dz[k] = scale * math.cosh(t) / math.hypot(1.0, st)
    return z, dz


@numba.njit(cache=True)
def _sinh_nodes_jit(centre: float, scale: float, h: float, zmax: float) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Compiled body of :func:`sinh_nodes`."""
    z, dz = _sinh_map(centre, scale, h, zmax + abs(centre))
    c = h / math.sqrt(2 * math.pi)
    for k in range(z.size):
        dz[k] *= c * math.exp(-0.5 * z[k] * z[k])
    return z, dz


def _require_finite(*values: float) -> None:
    """Raise FloatingPointError when a Gaussian's mean, variance or node scale is not finite (the activity of an
    iteration ran away: exp(x) or x**3 at a large variance), before it reaches the compiled node maps."""
    if not all(math.isfinite(v) for v in values):
        raise ActivityRunaway("the Gaussian mean or variance became non-finite: the activity runs away")


def sinh_nodes(centre: float, scale: float, h: float, zmax: float = SINH_ZMAX) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``z`` and weights (Gaussian density included) of the sinh-substituted trapezoid rule.

    ``z = centre + asinh(scale sinh(t))``, ``t = k h``: the step is ``scale h`` at ``centre`` (where the
    integrand has its features: ``x = mu + sqrt(D0) z`` near the origin or a kink of phi) and ``h``
    away from it, on the whole Gaussian support. The trapezoid rule converges exponentially in ``1/h``
    for an integrand analytic in a strip around the real t axis; halving h reuses every node
    (nested), so the rule at ``2h`` comes free as an error estimate. A non-finite centre or scale (a Gaussian
    whose mean or variance ran away to inf or nan) raises FloatingPointError.
    """
    _require_finite(centre, scale)
    return _sinh_nodes_jit(float(centre), float(scale), float(h), float(zmax))


def _centre(c: float, scale: float) -> float:
    """Where to cluster the nodes: at the feature ``c`` if it is resolved finer than the Gaussian and
    inside its support, else at 0 (the rule is then the plain trapezoid rule of step h)."""
    return c if scale < 1.0 and abs(c) < SINH_ZMAX else 0.0


def _pair_sum(w: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Trapezoid sums at step h (all nodes) and 2h (every other node, the centre included)."""
    fine = float(w @ v)
    n = (w.size - 1) // 2  # index of the centre node t = 0
    sl = slice(n % 2, None, 2)
    return fine, float(2.0 * (w[sl] @ v[sl]))


def _feature_scale(s: float) -> float:
    """Node clustering length in z for an integrand with O(1) features in x seen through ``x = s z``."""
    return 1.0 if s <= 1.0 else 1.0 / s


def sinh_average_pair(f: Any, mu: float, D0: float, h: float) -> tuple[float, float]:
    """``<f>_{mu, D0}`` by the sinh-substituted trapezoid rule at steps h and 2h (fine, coarse)."""
    s = math.sqrt(max(D0, 0.0))
    if s == 0.0:
        v = float(np.broadcast_to(f(np.array([mu])), (1,))[0])
        return v, v
    c = _feature_scale(s)
    z, w = sinh_nodes(_centre(-mu / s, c), c, h)
    return _pair_sum(w, np.broadcast_to(f(mu + s * z), z.shape))


@numba.njit(cache=True)
def _inner_nodes(
    m: np.ndarray, a: float, cluster: bool, yoff: np.ndarray, wy: np.ndarray, first: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - numba
    """Inner nodes ``x = m + a y`` (flattened, outer-major) and Gaussian weights of :func:`sinh_kernel_pair`,
    ``y = c_y + yoff`` centred at the zero crossing ``c_y = -m / a`` where it is resolved (as :func:`_centre`);
    nodes with ``|y| > SINH_ZMAX`` (weight < 2e-22) are dropped. ``tag = 2 * row + (node of the 2h rule)``."""
    no, ni = m.size, yoff.size
    x = np.empty(no * ni)
    w = np.empty(no * ni)
    tag = np.empty(no * ni, dtype=np.int64)
    k = 0
    for i in range(no):
        cy = -m[i] / a
        if not (cluster and abs(cy) < SINH_ZMAX):
            cy = 0.0
        for j in range(ni):
            y = cy + yoff[j]
            if abs(y) > SINH_ZMAX:
                continue
            x[k] = m[i] + a * y
            w[k] = wy[j] * math.exp(-0.5 * y * y)
            tag[k] = 2 * i + (1 if (j - first) % 2 == 0 else 0)
            k += 1
    return x[:k], w[:k], tag[:k]


@numba.njit(cache=True)
def _inner_sums(v: np.ndarray, w: np.ndarray, tag: np.ndarray, no: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Per outer node, the sums of ``v w`` over all inner nodes (step h) and over those of the 2h rule."""
    fine = np.zeros(no)
    coarse = np.zeros(no)
    for k in range(v.size):
        t = v[k] * w[k]
        i = tag[k] >> 1
        fine[i] += t
        if tag[k] & 1:
            coarse[i] += t
    return fine, 2.0 * coarse


def sinh_kernel_pair(f: Any, g: Any, mu: float, D0: float, D: float, h: float) -> tuple[float, float]:
    """``C_{f,g}(D; D0, mu)`` by nested sinh-trapezoid rules at steps h and 2h (fine, coarse).

    ``x1 = mu + a y1 + b z``, ``x2 = mu + a y2 +- b z`` with ``a = sqrt(D0 - |D|)``, ``b = sqrt(|D|)``
    (dmft.md §0). The inner averages over ``y`` cluster their nodes where ``x`` crosses the origin for
    each outer node; the outer rule clusters on the scale ``max(1, a) / b`` of the smoothed integrand.
    """
    _require_finite(mu, D0, D)
    D = min(max(D, -D0), D0)
    a, b = math.sqrt(max(D0 - abs(D), 0.0)), math.sqrt(abs(D))
    sg = 1.0 if D >= 0 else -1.0
    g = f if g is None else g
    if b == 0.0:
        fa, fc = sinh_average_pair(f, mu, D0, h)
        ga, gc = (fa, fc) if g is f else sinh_average_pair(g, mu, D0, h)
        return fa * ga, fc * gc
    cz = min(1.0, max(1.0, a) / b)
    z, wz = sinh_nodes(_centre(-mu / b, cz), cz, h)
    m1, m2 = mu + b * z, mu + sg * b * z
    if a == 0.0:
        return _pair_sum(wz, np.broadcast_to(f(m1), z.shape) * np.broadcast_to(g(m2), z.shape))
    c = _feature_scale(a)
    t0, dy = _sinh_map(0.0, c, h, 2 * SINH_ZMAX)
    n = (t0.size - 1) // 2
    wy = (h / math.sqrt(2 * math.pi)) * dy
    yoff = t0

    def inner(fn: Any, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, wyy, tag = _inner_nodes(m, a, c < 1.0, yoff, wy, n % 2)
        v = np.broadcast_to(fn(x), x.size)
        return _inner_sums(np.ascontiguousarray(v, dtype=float), wyy, tag, m.size)

    f1, c1 = inner(f, m1)
    f2, c2 = (f1, c1) if (g is f and sg > 0) else inner(g, m2)
    fine, _ = _pair_sum(wz, f1 * f2)
    _, coarse = _pair_sum(wz, c1 * c2)
    return fine, coarse


SPLIT_SPAN = 12.0
"""Half-width (in standard deviations) of the split rules for kinked integrands (weight beyond: < 2e-32)."""

SPLIT_ORDER = 64
"""Gauss-Legendre points per piece of the split rules (the coarse estimate of an average: half as many)."""


@numba.njit(cache=True)
def _split_nodes(
    m: np.ndarray, a: float, kinks: np.ndarray, t: np.ndarray, wt: np.ndarray, span: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - numba
    """Nodes ``x = m_i + a y`` (flattened, row-major in i), weights (Gaussian density included) and row index of
    the split Gauss-Legendre rule (nodes ``t``, weights ``wt`` on [-1, 1]) for ``<fn(m_i + a y)>_y``: pieces of
    [-span, span] between the kinks ``y_k = (k - m_i) / a``, graded at ``y_k +- d`` for ``d = 4/a, 32/a`` below
    ``span / 4``: fn has O(1) features in x (a pole of x/(1+|x|) at distance 1 from its kink), i.e. 1/a in y,
    which would slow the rule on a piece of half-length L to ~(1 + sqrt(2 / (a L)))^(-2n)."""
    nk, nt = kinks.size, t.size
    cap = m.size * (1 + 5 * nk) * nt
    x = np.empty(cap)
    w = np.empty(cap)
    row = np.empty(cap, dtype=np.int64)
    edges = np.empty(2 + 5 * nk)
    c = 1.0 / math.sqrt(2 * math.pi)
    n = 0
    for i in range(m.size):
        edges[0], edges[1] = -span, span
        ne = 2
        for k in range(nk):
            yk = (kinks[k] - m[i]) / a
            for d in (0.0, 4.0 / a, -4.0 / a, 32.0 / a, -32.0 / a):
                if -span < yk + d < span and abs(d) < 0.25 * span:
                    edges[ne] = yk + d
                    ne += 1
        e = np.sort(edges[:ne])
        for p in range(ne - 1):
            lo, hi = e[p], e[p + 1]
            if hi <= lo:
                continue
            mid, half = 0.5 * (hi + lo), 0.5 * (hi - lo)
            for j in range(nt):
                y = mid + half * t[j]
                x[n] = m[i] + a * y
                w[n] = wt[j] * half * c * math.exp(-0.5 * y * y)
                row[n] = i
                n += 1
    return x[:n], w[:n], row[:n]


@numba.njit(cache=True)
def _row_sums(v: np.ndarray, w: np.ndarray, row: np.ndarray, nrow: int) -> np.ndarray:  # pragma: no cover - numba
    """Per row, ``sum v w`` over its nodes (:func:`_split_nodes`)."""
    out = np.zeros(nrow)
    for k in range(v.size):
        out[row[k]] += v[k] * w[k]
    return out


def split_inner(fn: Any, m: np.ndarray, a: float, kinks: Sequence[float], n: int = SPLIT_ORDER) -> np.ndarray:
    """``<fn(m + a y)>_y`` for every ``m`` (array) by the split, graded Gauss-Legendre rule (:func:`_split_nodes`).

    With the grading, every piece is resolved to rounding by 64 points (tests/solvers/test_split_quadrature.py
    checks relu, relu', x/(1+|x|) and its derivative for a up to 16 against adaptive quadrature).
    """
    t, wt = _legendre(n)
    m = np.ascontiguousarray(m, dtype=float)
    x, w, row = _split_nodes(m, float(a), np.asarray(kinks, dtype=float), t, wt, SPLIT_SPAN)
    v = np.ascontiguousarray(np.broadcast_to(fn(x), x.shape), dtype=float)
    return _row_sums(v, w, row, m.size)


def split_average_pair(f: Any, mu: float, D0: float, kinks: Sequence[float]) -> tuple[float, float]:
    """``int Dz f(mu + sqrt(D0) z)`` by the split rule of :func:`split_inner`: 64 points per piece, and 32 (coarse)."""
    s = math.sqrt(max(D0, 0.0))
    if s == 0.0:
        v = float(np.broadcast_to(f(np.array([mu])), (1,))[0])
        return v, v
    m = np.array([mu])
    return float(split_inner(f, m, s, kinks)[0]), float(split_inner(f, m, s, kinks, SPLIT_ORDER // 2)[0])


def kinked_kernel_pair(
    f: Any, g: Any, kinks_f: Sequence[float], kinks_g: Sequence[float], mu: float, D0: float, D: float, h: float
) -> tuple[float, float]:
    """:func:`sinh_kernel_pair` for integrands with kinks (relu, piecewise custom phi): fine, coarse.

    The trapezoid rule converges only algebraically across a kink, so the inner averages over ``y``
    are split, graded Gauss-Legendre rules (:func:`split_inner`, exact to rounding: the coarse value
    reuses them, so the estimate is that of the outer rule), and the outer sinh rule (steps h, 2h)
    clusters its nodes at the kink on the scale ``a / b`` of the smoothed integrand. The ends ``D = 0`` (product of averages) and ``|D| = D0``
    (average of the product, kinks of both) are split averages directly.
    """
    _require_finite(mu, D0, D)
    D = min(max(D, -D0), D0)
    a, b = math.sqrt(max(D0 - abs(D), 0.0)), math.sqrt(abs(D))
    sg = 1.0 if D >= 0 else -1.0
    same = g is None
    g = f if g is None else g
    if b == 0.0:
        fa = split_average_pair(f, mu, D0, kinks_f)
        ga = fa if same else split_average_pair(g, mu, D0, kinks_g)
        return fa[0] * ga[0], fa[1] * ga[1]
    if a == 0.0:
        mirrored = [k if sg > 0 else 2 * mu - k for k in kinks_g]

        def prod(x: np.ndarray) -> np.ndarray:
            return np.broadcast_to(f(x), x.shape) * np.broadcast_to(g(mu + sg * (x - mu)), x.shape)

        return split_average_pair(prod, mu, D0, sorted({*kinks_f, *mirrored}))
    return kinked_kernel_adaptive(f, g, kinks_f, kinks_g, mu, D0, D, h, math.inf, same)


def kinked_kernel_adaptive(
    f: Any,
    g: Any,
    kinks_f: Sequence[float],
    kinks_g: Sequence[float],
    mu: float,
    D0: float,
    D: float,
    h: float,
    tol: float,
    same: bool | None = None,
) -> tuple[float, float]:
    """:func:`kinked_kernel_pair` with the outer step halved (at most 4 times) until ``|fine - coarse| <= tol |fine|``
    (or below 1e-15), reusing the inner averages at the nodes the halved rule keeps (the sinh rule is nested)."""
    same = g is None if same is None else same
    g = f if g is None else g
    _require_finite(mu, D0, D)
    D = min(max(D, -D0), D0)
    a, b = math.sqrt(max(D0 - abs(D), 0.0)), math.sqrt(abs(D))
    if a == 0.0 or b == 0.0:
        return kinked_kernel_pair(f, None if same else g, kinks_f, kinks_g, mu, D0, D, h)
    sg = 1.0 if D >= 0 else -1.0
    near = min((*kinks_f, *kinks_g), key=lambda k: abs(k - mu))
    c = min(1.0, a / b)
    centre = _centre((near - mu) / b, c)
    prev: tuple[int, np.ndarray] | None = None  # (centre index, inner averages of f and g at the nodes of 2h)
    for _ in range(5):
        z, wz = sinh_nodes(centre, c, h)
        n = (z.size - 1) // 2
        vals = np.empty((2, z.size))
        new = np.ones(z.size, dtype=bool)
        if prev is not None:
            k = np.arange(z.size) - n
            kold = k // 2 + prev[0]
            kept = (k % 2 == 0) & (kold >= 0) & (kold < prev[1].shape[1])
            vals[:, kept] = prev[1][:, kold[kept]]
            new = ~kept
        zn = z[new]
        vals[0, new] = split_inner(f, mu + b * zn, a, kinks_f)
        vals[1, new] = vals[0, new] if same and sg > 0 else split_inner(g, mu + sg * b * zn, a, kinks_g)
        fine, coarse = _pair_sum(wz, vals[0] * vals[1])
        if tol == math.inf or abs(fine - coarse) <= tol * abs(fine) or abs(fine - coarse) < 1e-15:
            break
        prev, h = (n, vals), h / 2
    return fine, coarse


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
    rule : {"hermite", "sinh"}
        Fixed Gauss-Hermite orders, or the error-controlled sinh-substituted trapezoid rule
        (:func:`sinh_nodes`; step ``h`` halved until the estimate from the rule at ``2h`` meets ``qtol``).
    h, qtol : float
        Initial step of the sinh rule and its relative target (on the asymptotic estimate, see
        :meth:`average_pair`).
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
        rule: str = "hermite",
        h: float = 0.25,
        qtol: float = 1e-14,
    ) -> None:
        from workbench.codegen import compile_system

        if rule not in ("hermite", "sinh"):
            raise ValueError(f"rule must be 'hermite' or 'sinh', got {rule!r}")
        self.rule, self.h, self.qtol = rule, h, qtol

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
        compiled_bodies = [b.subs(X, sp.Abs(X)) if has_parity(b, X, odd=False) else b for b in bodies]
        self.bodies = bodies
        self.kinks = [_kinks(b) for b in bodies]
        self.n_quad = n_quad
        self.n_kernel = n_kernel
        self.z, self.w = gauss_hermite(n_quad)
        self.zk, self.wk = gauss_hermite(n_kernel)
        self.main = compile_system(
            self.exprs or [sp.S.Zero], [*self.args, *self.placeholders], backend=backend, name=f"{name}_main"
        )
        # one vectorised function per integrand, so a kernel evaluates only what it needs; named by
        # the body alone (not the system), so every system of a theory shares one compiled module per
        # body (in-process memo of compile_system, one file and numba cache on disk)
        self.integrands = [
            compile_system([b], [X], backend=backend, name="gauss_integrand", vectorize=True) for b in compiled_bodies
        ]
        # all integrands in one vectorised call: the grouped averages of the sinh rule (one node set
        # per (mu, Delta0), every integrand evaluated on it)
        self.all_integrands = (
            compile_system(compiled_bodies, [X], backend=backend, name="gauss_integrands", vectorize=True)
            if rule == "sinh" and compiled_bodies
            else None
        )
        self._kernel = None  # the compiled numba loop behind all_integrands (skips the broadcasting wrapper)
        if self.all_integrands is not None and backend == "numba":
            import inspect

            self._kernel = inspect.getclosurevars(self.all_integrands.vectorized).nonlocals.get("kernel")
        self.node_args = (
            compile_system(node_args, list(self.args), backend="numpy", name=f"{name}_nodeargs") if node_args else None
        )
        self.sources = {"main": self.main.source}

    def _fi(self, i: int, x: np.ndarray) -> np.ndarray:
        return self.integrands[i].vectorized(x)

    def _adaptive(self, rule: Any) -> tuple[float, float]:
        """``rule(h)`` -> (fine, coarse) with h halved (at most 4 times) until the asymptotic estimate meets qtol
        (or the difference is below 1e-15: a value that vanishes by symmetry)."""
        h = self.h
        for _ in range(5):
            fine, coarse = rule(h)
            if abs(fine - coarse) <= math.sqrt(self.qtol) * abs(fine) or abs(fine - coarse) < 1e-15:
                break
            h /= 2
        return fine, coarse

    def average_pair(self, i: int, mu: float, D0: float) -> tuple[float, float]:
        """``<f_i>`` by the rule and by its half-order version (sinh: step 2h; kinked f: half the Legendre points per piece).

        For an exponentially convergent rule the error of the fine value is about the squared relative
        difference of the two (times the value): that is what the step control and the error
        estimates of the solvers use.
        """
        fi = self.integrands[i].vectorized
        if self.kinks[i]:
            return split_average_pair(fi, mu, D0, self.kinks[i])
        if self.rule == "hermite":
            return self.average(i, mu, D0), gauss_average_value(fi, mu, D0, (self.n_quad + 1) // 2)
        return self._adaptive(lambda h: sinh_average_pair(fi, mu, D0, h))

    def kernel_pair(self, idx: Sequence[int], mu: float, D0: float, D: float) -> tuple[float, float]:
        """``C_{f_i, f_j}(D; D0, mu)`` by the sinh rule at steps h and 2h (fine, coarse), step-controlled."""
        f = self.integrands[idx[0]].vectorized
        g = None if idx[1] == idx[0] else self.integrands[idx[1]].vectorized
        kf, kg = self.kinks[idx[0]], self.kinks[idx[1]]
        if kf or kg:
            return kinked_kernel_adaptive(f, g, kf, kg, mu, D0, D, self.h, math.sqrt(self.qtol))
        return self._adaptive(lambda h: sinh_kernel_pair(f, g, mu, D0, D, h))

    def _grouped_kind(self, is_kernel: bool, idx: Sequence[int], D0: float, D: float) -> str:
        """How a node reduces to averages at its own (mu, D0): ``avg`` <f>, ``prod`` <f><g> (D = 0),
        ``mix`` <f g> (D = D0), or ``""`` (general kernel, or a kinked integrand)."""
        if any(self.kinks[i] for i in idx):
            return ""
        if not is_kernel:
            return "avg"
        if D == 0.0:
            return "prod"
        return "mix" if D == D0 else ""

    def _all_at(self, x: np.ndarray) -> np.ndarray:
        """All integrands at the points ``x`` (1-d): an array (n_integrands, x.size)."""
        if self._kernel is not None:
            out = np.empty((len(self.bodies), x.size))
            self._kernel(x, out)
            return out
        return np.asarray(self.all_integrands.vectorized(x), dtype=float).reshape(-1, x.size)

    def _group_pair(self, mu: float, D0: float, members: list[tuple[int, str, Sequence[int]]], fine, coarse) -> None:
        """Fill ``fine``/``coarse`` for the nodes of one (mu, D0) group on one shared, step-controlled node set."""
        s = math.sqrt(D0)
        h = self.h
        for _ in range(5):
            if s == 0.0:
                F = np.asarray(self.all_integrands.vectorized(np.array([mu])), dtype=float).reshape(-1, 1)
                w = np.ones(1)
            else:
                z, w = sinh_nodes(_centre(-mu / s, _feature_scale(s)), _feature_scale(s), h)
                F = self._all_at(mu + s * z)
            n = (w.size - 1) // 2
            sl = slice(n % 2, None, 2)
            worst = 0.0
            A = np.abs(F) @ w  # <|f_i|>: the scale of the relative error (an average may vanish by symmetry)
            for k, kind, idx in members:
                if kind == "mix":
                    v = F[idx[0]] * F[idx[1]]
                    f_, c_ = float(w @ v), float(2.0 * (w[sl] @ v[sl])) if s else float(w @ v)
                    scale = float(np.abs(v) @ w)
                else:
                    a = [(float(w @ F[i]), float(2.0 * (w[sl] @ F[i][sl])) if s else float(w @ F[i])) for i in idx]
                    f_, c_ = (a[0][0], a[0][1]) if kind == "avg" else (a[0][0] * a[1][0], a[0][1] * a[1][1])
                    scale = float(A[idx[0]]) if kind == "avg" else float(A[idx[0]] * A[idx[1]])
                fine[k], coarse[k] = f_, c_
                worst = max(worst, ((f_ - c_) / max(scale, 1e-300)) ** 2)
            if worst <= self.qtol:
                return
            h /= 2

    def placeholder_pair(self, *vals: float) -> tuple[np.ndarray, np.ndarray]:
        """Values of all Gaussian nodes by the rule and by its half-order version (see :meth:`average_pair`)."""
        na = np.atleast_1d(np.asarray(self.node_args(*vals), dtype=float)) if self.nodes else np.zeros(0)
        fine, coarse = np.empty(len(self.nodes)), np.empty(len(self.nodes))
        groups: dict[tuple[float, float], list[tuple[int, str, Sequence[int]]]] = {}
        for k, (is_kernel, idx, off) in enumerate(self._spec_nodes):
            mu, D0 = float(na[off]), float(na[off + 1])
            if D0 < 0:
                raise FloatingPointError(f"negative variance {D0}")
            D = float(na[off + 2]) if is_kernel else 0.0
            kind = self._grouped_kind(is_kernel, idx, D0, D) if self.all_integrands else ""
            if kind:
                groups.setdefault((mu, D0), []).append((k, kind, idx if len(idx) > 1 or kind == "avg" else idx * 2))
            elif is_kernel and self.rule == "sinh":
                fine[k], coarse[k] = self.kernel_pair(idx, mu, D0, D)
            elif is_kernel:
                fine[k] = coarse[k] = self.kernel_values(idx, mu, D0, np.array([D]))[0]
            else:
                fine[k], coarse[k] = self.average_pair(idx[0], mu, D0)
        for (mu, D0), members in groups.items():
            self._group_pair(mu, D0, members, fine, coarse)
        return fine, coarse

    def pair(self, *vals: float) -> tuple[Any, Any]:
        """The expressions evaluated with the fine and with the coarse node values (error estimates)."""
        fine, coarse = self.placeholder_pair(*vals)
        return self.main(*vals, *fine), self.main(*vals, *coarse)

    def placeholder_values(self, *vals: float) -> np.ndarray:
        """Numerical values of all Gaussian nodes at the given unknowns/parameters."""
        if not self.nodes:
            return np.zeros(0)
        if self.rule == "sinh":
            return self.placeholder_pair(*vals)[0]
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
        """``<f_i>`` at mean ``mu`` and variance ``D0``: Gauss-Hermite (or sinh rule), or the split Gauss-Legendre rule for kinked f_i."""
        if self.kinks[i]:
            return split_average_pair(lambda x: self._fi(i, x), mu, D0, self.kinks[i])[0]
        if self.rule == "sinh":
            return self.average_pair(i, mu, D0)[0]
        return gauss_average_value(lambda x: self._fi(i, x), mu, D0, self.n_quad)

    def kernel_values(self, idx: Sequence[int], mu: float, D0: float, D: np.ndarray) -> np.ndarray:
        """``C_{f_i, f_j}(D; D0, mu)`` for an array of covariances ``D`` (|D| <= D0)."""
        if self.rule == "sinh":
            return np.array([self.kernel_pair(idx, mu, D0, float(d))[0] for d in np.atleast_1d(D)])
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
