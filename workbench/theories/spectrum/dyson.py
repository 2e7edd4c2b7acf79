"""The population Dyson solver: generated kernels, population averages by quadrature, vectorised over z.

``F(z) = rho_PF([K_ab f_b <edge>_b])`` decides the support; ``x_R`` is its root on the real axis
right of the bars (F decreases there); the boundary is ``x +- i Y(x)`` over ``[x_L, x_R]``
(F decreases in ``|Im z|``, so each vertical section of the support is one interval, which holds
for supports that are not star-shaped); the density solves the (A, B) Dyson equations by Newton
and differentiates ``g_M`` through them (implicit function theorem); outliers are the zeros of
``det(I - [J0_ab f_b <q>_b])`` outside the support and off the bars.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from workbench.errors import SpecError
from workbench.theories.base import Solver
from workbench.theories.spectrum.quadrature import PopulationRule

__all__ = ["DysonSolver", "perron_root"]

KERNELS = (
    "edge", "dyson", "dyson_dX", "dyson_dx", "dyson_dy", "res_re", "res_im", "res_re_dx", "res_im_dy",
    "res_re_dX", "res_im_dX", "out_re", "out_im", "out_dre", "out_dim", "threshold", "gap_weight",
)  # fmt: skip
"""The derived per-unit kernels the solver compiles."""


def perron_root(mat: np.ndarray) -> np.ndarray:
    """Spectral radius of non-negative matrices ``(..., P, P)`` (closed form for P <= 2)."""
    P = mat.shape[-1]
    mat = np.nan_to_num(mat, nan=np.inf, posinf=1e300)
    if P == 1:
        return mat[..., 0, 0]
    if P == 2:
        with np.errstate(all="ignore"):  # a pole on a node: +inf, the point is inside
            half = 0.5 * (mat[..., 0, 0] + mat[..., 1, 1])
            det = mat[..., 0, 0] * mat[..., 1, 1] - mat[..., 0, 1] * mat[..., 1, 0]
            root = half + np.sqrt(np.maximum(half * half - det, 0.0))
        return np.where(np.isnan(root), np.inf, root)
    return np.abs(np.linalg.eigvals(mat)).max(axis=-1)


class DysonSolver(Solver):
    """Edge, boundary, density and outliers of an uncorrelated ensemble (any number of populations)."""

    method = "dyson"
    description = "population-reduced Hermitized Dyson equations, quadrature over (tau, g) laws"
    requires = "independent couplings (eta = 0)"

    @classmethod
    def can_solve(cls, problem: Any) -> bool:
        """Independent couplings: no reciprocal correlations."""
        return not problem.spec.has_eta

    def __init__(self, problem: Any, rules: list[PopulationRule] | None = None, backend: str | None = None) -> None:
        from derivations.spectrum import KERNEL_ARGS
        from workbench.codegen import compile_system

        self.problem = problem
        der = problem.derivation
        self.kernels = {
            k: compile_system(der.kernels[k], KERNEL_ARGS, backend="numpy", name=f"spectrum_{k}") for k in KERNELS
        }
        self.rules = rules if rules is not None else problem.rules()
        spec = problem.spec
        P = spec.n_populations
        self.f = np.array([p.fraction for p in spec.populations])
        self.K = np.array(spec.g, dtype=float) ** 2  # N Var W_ab
        self.J0 = np.array(spec.J0, dtype=float)  # N E W_ab
        self.C = self.K * self.f[None, :]  # K_ab f_b (row a, column b)
        self.D = (self.K * self.f[:, None]).T  # D_ba = K_ab f_a
        cols = self.K.any(axis=0)
        rows = self.K.any(axis=1)
        self.active = np.flatnonzero(cols & rows)
        self.variance_cols = np.flatnonzero(cols)
        self.mean_cols = np.flatnonzero(self.J0.any(axis=0))
        self.P = P
        self.powers = {k: _gain_power(der.kernels[k]) for k in KERNELS}
        self.collapsed = {m: [_collapse(r, m) for r in self.rules] for m in set(self.powers.values()) if m is not None}
        self.backend = _backend(backend)
        self._node_sets: dict[int | None, tuple[np.ndarray, ...]] = {}

    # ------------------------------------------------------------------ generated numba module
    def _module(self, group: str) -> Any:
        """The generated numba module of this derivation, drivers of ``group`` ready (:func:`~.kernels.dyson_module`)."""
        from workbench.theories.spectrum.kernels import dyson_module

        return dyson_module(self.problem.derivation.kernels, group)

    def _nodes(self, name: str | None = None) -> tuple[np.ndarray, ...]:
        """Concatenated ``(tau, g, w, off)`` of the populations' rules for kernel ``name`` (None: full rules)."""
        m = None if name is None else self.powers[name]
        if m not in self._node_sets:
            self._node_sets[m] = self._concat(m)
        return self._node_sets[m]

    def _concat(self, m: int | None) -> tuple[np.ndarray, ...]:
        """The rules of ``g^m h(tau)`` kernels (full rules for None), concatenated with offsets."""
        rules = self.rules if m is None else self.collapsed[m]
        off = np.concatenate([[0], np.cumsum([r.tau.size for r in rules])]).astype(np.int64)
        cat = [np.ascontiguousarray(np.concatenate([getattr(r, k) for r in rules]), dtype=float) for k in ("tau", "g", "w")]
        return (*cat, off)

    @property
    def _fast(self) -> bool:
        """Use the generated numba module (``backend="numba"``, the default when numba is installed)."""
        return self.backend == "numba"

    # ------------------------------------------------------------------ averages
    def _avg(self, name: str, b: int, x: np.ndarray, y: np.ndarray, X: np.ndarray | float = 0.0) -> np.ndarray:
        """``<kernel>_b`` at points ``x + i y`` (any shape), population variable ``X`` (same shape or scalar)."""
        m = self.powers[name]
        r = self.rules[b] if m is None else self.collapsed[m][b]  # g^m h(tau): one node per distinct tau
        X = np.broadcast_to(np.asarray(X, dtype=float), np.shape(x))
        with np.errstate(divide="ignore", invalid="ignore"):
            vals = self.kernels[name].func(r.tau, r.g, x[..., None], y[..., None], X[..., None])
        return np.broadcast_to(vals, (*np.shape(x), r.tau.size)) @ r.w

    def sigma(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``Sigma_ab(z) = K_ab f_b <g^2/|1 + tau z|^2>_b``, shape ``(..., P, P)``."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        e = np.zeros((*x.shape, self.P))
        for b in self.variance_cols:
            e[..., b] = self._avg("edge", b, x, y)
        return self.C * e[..., None, :]

    def F(self, x: Any, y: Any = 0.0) -> np.ndarray:
        """The support function ``rho_PF(Sigma(z))`` (z in the support iff F >= 1)."""
        if not self._fast:
            return perron_root(self.sigma(x, y))
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        xs, ys = np.ascontiguousarray(x.ravel()), np.ascontiguousarray(y.ravel())
        out = self._module("edge").support_F(*self._nodes("edge"), self.C, self._cols, xs, ys)
        return out.reshape(x.shape)

    def F0(self) -> float:
        """``F(0) = rho_PF([K_ab f_b <g^2>_b])``: the bulk is stable iff F0 < 1 (any timescales)."""
        g2 = np.array([self.rules[b].mean(self.rules[b].g ** 2) for b in range(self.P)])
        return float(perron_root(self.C * g2[None, :]))

    def tau_radius(self) -> float:
        """``sqrt(rho_PF([K_ab f_b <g^2/tau^2>_b]))``: bounds ``|Im z|`` and ``x - (-1/tau)`` on the support."""
        m = np.array([r.mean(r.g**2 / r.tau**2) for r in self.rules])
        return float(math.sqrt(max(perron_root(self.C * m[None, :]), 0.0)))

    # ------------------------------------------------------------------ edge and boundary
    def _bisect(self, fun: Any, lo: np.ndarray, hi: np.ndarray, iters: int = 60) -> np.ndarray:
        """Root of ``fun`` (>= 0 at ``lo``, < 0 at ``hi``), elementwise."""
        lo, hi = np.array(lo, float), np.array(hi, float)
        for _ in range(iters):
            mid = 0.5 * (lo + hi)
            inside = fun(mid) >= 0
            lo = np.where(inside, mid, lo)
            hi = np.where(inside, hi, mid)
        return 0.5 * (lo + hi)

    def bars(self) -> list[tuple[float, float]]:
        """The real intervals ``[-1/tau_min, -1/tau_max]`` of every population's leak (eigenvalues of -T^{-1})."""
        return [(-1.0 / r.tau_min, -1.0 / r.tau_max) for r in self.rules]

    def edges(self) -> tuple[float, float]:
        """``(x_L, x_R)``: leftmost and rightmost points of the bulk (both on the real axis)."""
        if self.variance_cols.size == 0:
            raise SpecError("coupling", "no population has random couplings (g = 0): there is no bulk")
        R = self.tau_radius()
        right_pole = max(-1.0 / self.rules[b].tau_max for b in self.variance_cols)  # F decreases right of it
        left_pole = min(-1.0 / self.rules[b].tau_min for b in self.variance_cols)  # and increases left of it
        eps = 1e-9 * max(1.0, abs(right_pole))
        lo, hi = right_pole + eps, right_pole + R + 1.0
        x_R = right_pole if self.F(lo)[()] < 1 else self._real_crossing(lo, hi)
        lo, hi = left_pole - eps, left_pole - R - 1.0
        x_L = left_pole if self.F(lo)[()] < 1 else self._real_crossing(lo, hi)
        return x_L, x_R

    def _real_crossing(self, lo: float, hi: float) -> float:
        """The real x with ``F(x) = 1`` between ``lo`` (F >= 1) and ``hi`` (F < 1)."""
        if not self._fast:
            return float(self._bisect(lambda t: self.F(t) - 1, lo, hi))
        tol = 1e-15 * max(1.0, abs(lo), abs(hi))
        return float(self._module("edge").edge_root(*self._nodes("edge"), self.C, self._cols, lo, hi, tol))

    @property
    def _cols(self) -> np.ndarray:
        """Populations with random columns (int64, for the numba drivers)."""
        return self.variance_cols.astype(np.int64)

    def boundary(self, n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """The upper boundary ``(x, Y(x))`` of the bulk on ``n`` points of ``[x_L, x_R]`` (lower: ``-Y``)."""
        x_L, x_R = self.edges()
        u = 0.5 * (1 - np.cos(np.linspace(0.0, math.pi, n)))
        x = x_L + (x_R - x_L) * u
        top = self.tau_radius() + 1.0
        if self._fast:
            return x, self._module("edge").boundary_y(*self._nodes("edge"), self.C, self._cols, x, top, top * 2.0**-44)
        Y = self._bisect(lambda t: self.F(x, t) - 1, np.zeros(n), np.full(n, top), iters=44)  # 2^-44 top
        return x, np.where(self.F(x, 0.0) >= 1, Y, 0.0)

    # ------------------------------------------------------------------ Dyson equations inside
    def _phi(self, b: int, x: np.ndarray, y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``<phi>_b`` and ``<d phi / dX>_b``."""
        return self._avg("dyson", b, x, y, X), self._avg("dyson_dX", b, x, y, X)

    def _solve_scalar(self, x: np.ndarray, y: np.ndarray, a: int) -> np.ndarray:
        """One active population: ``K_aa f_a <phi>_a(X) = 1`` by Newton from X = 0 (convex, decreasing: monotone)."""
        X = np.zeros_like(x)
        c = self.C[a, a]
        for _ in range(100):
            phi, dphi = self._phi(a, x, y, X)
            step = (c * phi - 1.0) / (c * dphi)
            X = np.maximum(X - step, 0.0)
            if np.all(np.abs(step) <= 1e-13 * (1.0 + X)):
                break
        return X

    def _residual(self, x: np.ndarray, y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Relative residuals ``1 - (Sigma A)_a / A_a``, ``1 - (Sigma^T B')_b / ...`` in ``v = log(A, B)`` and their Jacobian.

        Relative residuals exclude the trivial solution A = B = 0; row 'B_0' is the gauge ``log A_0 = log B_0``.
        """
        act = self.active
        n = act.size
        A, B = np.exp(v[..., :n]), np.exp(v[..., n:])
        X = A * B
        pairs = [self._phi(b, x, y, X[..., i]) for i, b in enumerate(act)]
        phi = np.stack([p[0] for p in pairs], -1)
        dphi = np.stack([p[1] for p in pairs], -1)
        C = self.C[np.ix_(act, act)]
        D = self.D[np.ix_(act, act)]
        TA = np.einsum("ab,...b->...a", C, phi * A)
        TB = np.einsum("ba,...a->...b", D, phi * B)
        r = np.concatenate([1 - TA / A, 1 - TB / B], -1)
        eye = np.eye(n)
        dXphi = dphi * X
        jAA = -C * (A * (phi + dXphi))[..., None, :] / A[..., :, None] + eye * (TA / A)[..., None, :]
        jAB = -C * (A * dXphi)[..., None, :] / A[..., :, None]
        jBB = -D * (B * (phi + dXphi))[..., None, :] / B[..., :, None] + eye * (TB / B)[..., None, :]
        jBA = -D * (B * dXphi)[..., None, :] / B[..., :, None]
        J = np.concatenate([np.concatenate([jAA, jAB], -1), np.concatenate([jBA, jBB], -1)], -2)
        r[..., n] = v[..., 0] - v[..., n]
        J[..., n, :] = 0.0
        J[..., n, 0], J[..., n, n] = 1.0, -1.0
        return r, J

    def _start(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Initial (A, B): uniform X = s with rho(Sigma(s)) = 1, A and B' its right and left Perron vectors."""
        act = self.active
        C = self.C[np.ix_(act, act)]

        def rho(s: np.ndarray) -> np.ndarray:
            phi = np.stack([self._phi(b, x, y, s)[0] for b in act], -1)
            return perron_root(C * phi[..., None, :]) - 1.0

        hi = np.full_like(x, 1.0)
        for _ in range(60):
            grow = rho(hi) >= 0
            if not grow.any():
                break
            hi = np.where(grow, 2 * hi, hi)
        s = self._bisect(rho, np.zeros_like(x), hi, iters=50)
        phi = np.stack([self._phi(b, x, y, s)[0] for b in act], -1)
        S = C * phi[..., None, :]
        r_vec = _perron_vector(S)
        l_vec = _perron_vector(np.swapaxes(S, -1, -2))
        B = l_vec / (self.f[act] * phi)
        scale = np.sqrt(s * act.size / np.maximum((r_vec * B).sum(-1), 1e-300))
        A, B = r_vec * scale[..., None], B * scale[..., None]
        g = np.sqrt(A[..., :1] / B[..., :1])
        return np.log(np.maximum(np.concatenate([A / g, B * g], -1), 1e-300))

    def solve_x(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``X_a`` at interior points (shape ``(..., P)``) and, for several active populations, (A, B)."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        X = np.zeros((*x.shape, self.P))
        if self.active.size == 1:
            X[..., self.active[0]] = self._solve_scalar(x, y, self.active[0])
            return X, None
        v = self._start(x, y)
        live = np.ones(x.shape, bool)
        for _ in range(80):  # Newton on the points not yet converged
            r, J = self._residual(x[live], y[live], v[live])
            dv = np.linalg.solve(J, -r[..., None])[..., 0]
            big = np.abs(dv).max(-1, keepdims=True)
            v[live] = v[live] + dv * np.minimum(1.0, 2.0 / np.maximum(big, 1e-300))  # damped in log variables
            live[live] = np.abs(r).max(-1) >= 1e-13
            if not live.any():
                break
        n = self.active.size
        X[..., self.active] = np.exp(v[..., :n] + v[..., n:])
        return X, v

    def _dX(self, x: np.ndarray, y: np.ndarray, X: np.ndarray, u: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """``dX_a/dx`` and ``dX_a/dy`` by the implicit function theorem."""
        dXx, dXy = np.zeros_like(X), np.zeros_like(X)
        act = self.active
        if u is None:
            a = act[0]
            d = self._avg("dyson_dX", a, x, y, X[..., a])
            dXx[..., a] = -self._avg("dyson_dx", a, x, y, X[..., a]) / d
            dXy[..., a] = -self._avg("dyson_dy", a, x, y, X[..., a]) / d
            return dXx, dXy
        n = act.size
        _, J = self._residual(x, y, u)
        A, B = np.exp(u[..., :n]), np.exp(u[..., n:])
        C, D = self.C[np.ix_(act, act)], self.D[np.ix_(act, act)]
        for name, out in (("dyson_dx", dXx), ("dyson_dy", dXy)):
            ds = np.stack([self._avg(name, b, x, y, X[..., b]) for b in act], -1)
            rA = -np.einsum("ab,...b->...a", C, ds * A) / A
            rB = -np.einsum("ba,...a->...b", D, ds * B) / B
            rs = np.concatenate([rA, rB], -1)
            rs[..., n] = 0.0
            dv = np.linalg.solve(J, -rs[..., None])[..., 0]
            out[..., act] = X[..., act] * (dv[..., :n] + dv[..., n:])
        return dXx, dXy

    def density(self, x: Any, y: Any) -> np.ndarray:
        """Eigenvalue density ``rho(x + i y)`` (per unit area, normalised to the whole spectrum of N eigenvalues)."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        out = np.zeros(x.shape)
        inside = self.F(x, y) >= 1.0
        if self.active.size == 0 or not inside.any():
            return out
        xi, yi = x[inside], y[inside]
        if self._fast:
            out[inside] = self._density_fast(np.ascontiguousarray(xi), np.ascontiguousarray(yi))
            return out
        X, u = self.solve_x(xi, yi)
        dXx, dXy = self._dX(xi, yi, X, u)
        total = np.zeros(xi.shape)
        for a in range(self.P):
            Xa = X[..., a]
            du_dx = self._avg("res_re_dx", a, xi, yi, Xa) + self._avg("res_re_dX", a, xi, yi, Xa) * dXx[..., a]
            dv_dy = self._avg("res_im_dy", a, xi, yi, Xa) + self._avg("res_im_dX", a, xi, yi, Xa) * dXy[..., a]
            total += self.f[a] * (du_dx - dv_dy)
        out[inside] = total / (2 * math.pi)
        return out

    def _density_fast(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The density at interior points by the numba drivers (Newton warm-started along the points)."""
        act = self.active.astype(np.int64)
        ix = np.ix_(self.active, self.active)
        C, D = np.ascontiguousarray(self.C[ix]), np.ascontiguousarray(self.D[ix])
        nodes = self._nodes(None)
        v = self._dyson_fast(x, y, act, C, D, nodes)
        return self._module("density").density_points(*nodes, act, C, D, self.f, x, y, v)

    def _dyson_fast(
        self, x: np.ndarray, y: np.ndarray, act: np.ndarray, C: np.ndarray, D: np.ndarray, nodes: tuple
    ) -> np.ndarray:
        """``v = log(A, B)`` at every point: warm starts first, cold starts (:meth:`_start`) where they failed."""
        dyson_newton = self._module("density").dyson_newton
        m = 2 * act.size
        cold = np.zeros(x.size, bool)
        cold[0] = True
        v0 = np.zeros((x.size, m))
        v0[:1] = self._start(x[:1], y[:1])
        v, ok = dyson_newton(*nodes, act, C, D, x, y, v0, cold, 1e-13, 80)
        bad = np.flatnonzero(~ok)
        if bad.size:  # cold starts for the points the warm start missed, solved on their own
            cold = np.ones(bad.size, bool)
            xb, yb = np.ascontiguousarray(x[bad]), np.ascontiguousarray(y[bad])
            vb, okb = dyson_newton(*nodes, act, C, D, xb, yb, self._start(xb, yb), cold, 1e-13, 80)
            v[bad] = vb
            if not okb.all():
                raise SpecError("density", f"the Dyson equations did not converge at {int((~okb).sum())} points")
        return v

    # ------------------------------------------------------------------ outliers
    def _outlier_fun(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``h(z) = det(I - Q(z))`` and ``h'(z)`` (column by column), Q_ab = J0_ab f_b <q>_b."""
        x, y = z.real, z.imag
        P = self.P
        q = np.zeros((*z.shape, P), complex)
        dq = np.zeros((*z.shape, P), complex)
        for b in self.mean_cols:
            q[..., b] = self._avg("out_re", b, x, y) + 1j * self._avg("out_im", b, x, y)
            dq[..., b] = self._avg("out_dre", b, x, y) + 1j * self._avg("out_dim", b, x, y)
        cf = self.J0 * self.f[None, :]
        IQ = np.eye(P) - cf * q[..., None, :]
        dQ = cf * dq[..., None, :]
        h = np.linalg.det(IQ)
        dh = np.zeros_like(h)
        for k in range(P):  # d det = sum over columns of det with that column differentiated
            col = IQ.copy()
            col[..., :, k] = -dQ[..., :, k]
            dh += np.linalg.det(col)
        return h, dh

    def outliers(self, n_start: int = 10) -> list[complex]:
        """Zeros of ``det(I - Q(z))`` outside the bulk and off the bars (one of each conjugate pair kept as both)."""
        if self.mean_cols.size == 0:
            return []
        x_L, x_R = self.edges() if self.variance_cols.size else (-1.0, -1.0)
        gmax = max(float(np.max(np.abs(r.g) / r.tau)) for r in self.rules)
        reach = float(np.abs(self.J0 * self.f[None, :]).sum(axis=1).max()) * gmax + self.tau_radius() + 1.0
        lo_x = min(x_L, min(b[0] for b in self.bars())) - reach
        hi_x = max(x_R, 0.0) + reach
        xs = np.linspace(lo_x, hi_x, 2 * n_start)
        ys = np.linspace(0.0, reach, n_start)
        z = (xs[:, None] + 1j * ys[None, :]).ravel() + 1e-7j
        live = np.ones(z.shape, bool)
        with np.errstate(all="ignore"):
            for _ in range(80):
                h, dh = self._outlier_fun(z[live])
                step = h / dh
                step = np.where(np.isfinite(step), step, 0.0)
                big = np.abs(step) > 0.5 * reach
                z[live] = z[live] - np.where(big, step / np.abs(step) * 0.5 * reach, step)
                live[live] = np.abs(step) > 1e-14 * (1 + np.abs(z[live]))
                if not live.any():
                    break
            h, dh = self._outlier_fun(z)
        return self._keep_outliers(z, h, dh)

    def _keep_outliers(self, z: np.ndarray, h: np.ndarray, dh: np.ndarray) -> list[complex]:
        """Converged, distinct zeros outside the support and off the bars of the mean-carrying populations."""
        ok = np.isfinite(h) & (np.abs(h) < 1e-9) & np.isfinite(dh)
        z = z[ok]
        z = np.where(np.abs(z.imag) < 1e-8, z.real + 0j, z)
        for b in self.mean_cols:
            lo, hi = self.bars()[b]
            z = z[~((np.abs(z.imag) < 1e-6) & (z.real >= lo - 1e-9) & (z.real <= hi + 1e-9))]
        if self.variance_cols.size and z.size:
            z = z[self.F(z.real, z.imag) < 1.0]
        found: list[complex] = []
        for w in sorted(z, key=lambda c: (-c.real, -c.imag)):
            if all(abs(w - v) > 1e-6 * (1 + abs(v)) for v in found):
                found.append(complex(w))
        full = []
        for w in found:
            full.append(w)
            if abs(w.imag) > 0 and all(abs(w.conjugate() - v) > 1e-6 for v in found):
                full.append(w.conjugate())
        return sorted(full, key=lambda c: (-round(c.real, 9), -c.imag))

    # ------------------------------------------------------------------ result
    def gap_estimate(self) -> float:
        """Near-marginal ``x_R ~ -(1 - F0)/(2 F0 tau_eff)`` (one population with random couplings; nan otherwise)."""
        if self.variance_cols.size != 1:
            return math.nan
        b = self.variance_cols[0]
        r = self.rules[b]
        F0 = self.F0()
        return -(1 - F0) / (2 * self.C[:, b].max() * r.mean(r.g**2 * r.tau))

    def solve(self, spec: Any = None, boundary_points: int = 400, **options: Any) -> Any:
        """Edge, boundary, outliers and stability as a :class:`~workbench.theories.spectrum.result.SpectrumResult`."""
        from workbench.theories.spectrum.result import SpectrumResult

        if spec is not None and spec is not self.problem.spec:
            raise SpecError("spec", "build a new SpectrumProblem for another spec")
        x_L, x_R = self.edges()
        bx, by = self.boundary(boundary_points)
        outl = self.outliers()
        return SpectrumResult(
            x_R=x_R, x_L=x_L, F0=self.F0(), gap_estimate=self.gap_estimate(), boundary_x=bx, boundary_y=by,
            outliers=outl, bars=self.bars(), method=self.method,
        )  # fmt: skip


def _backend(backend: str | None) -> str:
    """``backend`` checked; None: ``"numba"`` when numba is installed, else ``"numpy"``."""
    from workbench.theories.spectrum.kernels import numba_available

    if backend is None:
        return "numba" if numba_available() else "numpy"
    if backend not in ("numpy", "numba"):
        raise SpecError("backend", f"unknown backend {backend!r}; expected numpy or numba")
    if backend == "numba" and not numba_available():
        raise SpecError("backend", "backend numba asked for, but numba is not installed")
    return backend


@functools.cache
def _gain_power(kernel: Any) -> int | None:
    """``m`` if the kernel is ``g^m h(tau, x, y, X)`` (then the rule collapses onto distinct tau), else None.

    ``cancel`` decides it exactly for the rational kernels; anything it cannot reduce is kept on the full rule.
    """
    import sympy as sp

    from derivations.spectrum import GAIN

    for m in (0, 1, 2, 3, 4):
        if GAIN not in sp.cancel(sp.together(kernel / GAIN**m)).free_symbols:
            return m
    return None


def _collapse(rule: PopulationRule, m: int) -> PopulationRule:
    """The rule of ``g^m h(tau)``: nodes at the distinct tau, weights ``sum w g^m``, gain 1."""
    tau, inv = np.unique(rule.tau, return_inverse=True)
    w = np.bincount(inv, weights=rule.w * rule.g**m, minlength=tau.size)
    return PopulationRule(tau, np.ones_like(tau), w, rule.tau_min, rule.tau_max)


def _perron_vector(S: np.ndarray) -> np.ndarray:
    """Right Perron vector of non-negative ``(..., n, n)`` matrices (positive, sum 1)."""
    vals, vecs = np.linalg.eig(S)
    k = np.argmax(vals.real, axis=-1)
    v = np.take_along_axis(vecs, k[..., None, None], axis=-1)[..., 0].real
    v = np.abs(v)
    return v / np.maximum(v.sum(-1, keepdims=True), 1e-300)
