"""Generated solver of the low-rank mean-field equations: static branch, DMFT branch, outliers.

* Static branch: the derived residuals (``kappa_r - E[n_r phi(x)]``, ``Delta0 - quenched - g^2 <phi^2>``)
  are lowered to generated code (:class:`~workbench.solvers.quadrature.LoweredSystem`) with their
  symbolic Jacobian, and solved by ``scipy.optimize.root`` from a grid of starts in kappa (bistable
  states are found as distinct roots).
* DMFT branch: for given kappa the random part sees a quenched input of mean ``mu(kappa)`` and variance
  ``sum kappa S_mm kappa + sigma_I^2``; the stationary DMFT (:class:`~workbench.theories.dmft.DMFTProblem`)
  gives ``Delta0`` (chaotic or static), and kappa is solved from ``kappa = E[n phi(x)]`` at that ``(mu, Delta0)``.
* Outliers of J: eigenvalues of the overlap matrix ``O_rs = <n_r m_s> = M_n_r M_m_s + Cov(n_r, m_s)`` (the mean
  ``J0/N`` is the term ``(m, n) = (J0, 1)``).
* Outliers of a static state's stability matrix ``J diag(phi'(x))`` (cavity method): for an eigenvalue lambda
  outside the bulk, ``v = (lambda - A)^{-1} sum_s m_s kappa~_s`` with ``A = g X phi'/sqrt(N)``; the cavity field
  ``xi_i = (A w)_i`` of row i is Gaussian and correlated with the random input ``eta_i`` of the same row
  (``Cov = g^2 <phi' w phi>``), so ``E[xi | eta] = (c / Var eta) eta``, and Gaussian integration by parts
  over eta closes the equations: ``det(lambda - A - g^2 b c^T / (lambda - d)) = 0`` (blocks from
  :mod:`derivations.lowrank`). They are the eigenvalues of the (R'+1) x (R'+1) linearisation
  ``[[A, b], [g^2 c^T, d]]`` outside the bulk radius ``g sqrt(<phi'^2>)``; with ``b = 0`` or ``c = 0`` the
  eigenvalue ``d`` is not a root and is dropped.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import sympy as sp
from scipy import optimize

from derivations.lowrank import parameter_values
from workbench.spec import ModelSpec, X
from workbench.spec.model import low_rank_covariance
from workbench.symbolic.gaussian import GaussAvg, concrete_phi, lam
from workbench.theories.base import Solver
from workbench.theories.lowrank.result import LowRankResult, StructuredState

__all__ = ["LowRankSolver", "overlap_matrix"]


def overlap_matrix(spec: ModelSpec) -> np.ndarray:
    """``O[r, s] = E[n_r m_s]`` per neuron: the matrix whose eigenvalues are the outliers of J.

    A nonzero mean ``J0/N`` is one more term with ``m = J0``, ``n = 1`` (constant vectors), appended last.
    """
    R = len(spec.low_rank)
    C = low_rank_covariance(spec.low_rank)
    Mm = np.array([t.m_mean for t in spec.low_rank])
    Mn = np.array([t.n_mean for t in spec.low_rank])
    O = np.outer(Mn, Mm) + C[R:, :R]
    J0 = spec.J0[0][0]
    if J0 == 0.0:
        return O
    return np.block([[O, J0 * Mn[:, None]], [Mm[None, :], np.array([[J0]])]])


def _distinct(points: list[np.ndarray], tol: float = 1e-6) -> list[np.ndarray]:
    """Points more than ``tol`` apart (max norm), in the order found."""
    out: list[np.ndarray] = []
    for p in points:
        if all(np.max(np.abs(p - q)) > tol * (1 + np.max(np.abs(q))) for q in out):
            out.append(p)
    return out


class LowRankSolver(Solver):
    """Compiled low-rank mean-field equations of a :class:`~workbench.theories.lowrank.problem.LowRankProblem`."""

    method: ClassVar[str] = "meanfield"
    description: ClassVar[str] = "derived self-consistency (static) and DMFT with the low-rank mean (chaotic)"

    def __init__(self, problem: Any, *, backend: str = "numba", n_quad: int = 101) -> None:
        from workbench.solvers.quadrature import LoweredSystem

        self.problem = problem
        d = problem.derivation
        self.derivation = d
        self.args = (*d.unknowns, *d.parameters)
        res = d.residuals()
        jac = [sp.diff(r, u) for r in res for u in d.unknowns]
        self.static = LoweredSystem([*res, *jac], self.args, backend=backend, name="lowrank_static", n_quad=n_quad)
        phi = concrete_phi(problem.spec)
        self._phi = sp.lambdify(X, phi, "numpy")
        mu, D0 = d.mu, d.Delta0
        averages = [GaussAvg(lam(phi), mu, D0), GaussAvg(lam(sp.diff(phi, X)), mu, D0),
                    GaussAvg(lam(sp.diff(phi, X) ** 2), mu, D0), d.quenched_variance, d.input_mean]
        self.kappa_map = LoweredSystem(
            [*d.kappa_map, *averages], self.args, backend=backend, name="lowrank_map", n_quad=n_quad
        )
        B = d.outlier_blocks
        self._R1 = B["A"].shape[0]
        self.outlier_system = LoweredSystem(
            [*B["A"], *B["b"], *B["c"], B["d"][0, 0]], self.args, backend=backend, name="lowrank_outlier", n_quad=n_quad
        )
        self._dmft: Any = None

    # ------------------------------------------------------------------ helpers
    def _values(self, spec: ModelSpec) -> list[float]:
        vals = parameter_values(spec, self.derivation)
        return [vals[p] for p in self.derivation.parameters]

    def _map(self, kappa: np.ndarray, D0: float, mu: float, pv: list[float]) -> tuple[np.ndarray, tuple[float, ...]]:
        """``E[n_r phi(x)]`` and (<phi>, <phi'>, <phi'^2>, quenched variance, mean input) at kappa, Delta0, mu."""
        R = self.derivation.rank
        out = np.atleast_1d(np.asarray(self.kappa_map(*kappa, D0, mu, *pv), dtype=float))
        return out[:R], tuple(out[R:])

    def stability_outliers(self, kappa: np.ndarray, D0: float, mu: float, pv: list[float], radius: float) -> list[Any]:
        """Outliers of the static state's stability matrix ``J diag(phi')`` (outside the bulk radius)."""
        R1 = self._R1
        out = np.asarray(self.outlier_system(*kappa, D0, mu, *pv), dtype=float)
        A = out[: R1 * R1].reshape(R1, R1)
        b, c, d = out[R1 * R1 : R1 * R1 + R1], out[R1 * R1 + R1 : R1 * R1 + 2 * R1], float(out[-1])
        g2 = pv[0] ** 2  # parameters start with g (derivations.lowrank)
        L = np.block([[A, b[:, None]], [g2 * c[None, :], np.array([[d]])]])
        ev = np.linalg.eigvals(L)
        degenerate = np.max(np.abs(b)) < 1e-12 or np.max(np.abs(c)) < 1e-12
        keep = [e for e in ev if abs(e) > radius + 1e-9 and not (degenerate and abs(e - d) < 1e-9)]
        return [float(e.real) if abs(e.imag) < 1e-12 else complex(e) for e in sorted(keep, key=lambda z: -z.real)]

    def _scale(self, spec: ModelSpec) -> float:
        """Range of the kappa starts: |n| times the size of phi over the plausible x range."""
        t = spec.low_rank
        nmax = max(abs(x.n_mean) + x.n_std for x in t)
        phis = [abs(float(self._phi(v))) for v in (-3.0, 3.0)]
        return max(nmax * max(phis), 1e-3)

    # ------------------------------------------------------------------ branches
    def static_states(self, spec: ModelSpec, n_starts: int = 9) -> list[StructuredState]:
        """All static solutions found from a grid of kappa starts (stable and unstable)."""
        pv = self._values(spec)
        R = self.derivation.rank
        K = self._scale(spec)
        grid = np.linspace(-K, K, n_starts)
        starts = np.array(np.meshgrid(*([grid] * R))).reshape(R, -1).T if R <= 2 else np.vstack([grid] * R).T
        J0 = spec.J0[0][0]
        mu_shifts = (0.0, -abs(J0), abs(J0)) if J0 != 0.0 else (0.0,)  # mean-driven branches of J0
        found = []
        for k0 in starts:
            for dmu in mu_shifts:
                u0 = np.array([*k0, 1.0 + float(np.dot(k0, k0)), float(np.dot(k0, self._m_means(spec))) + dmu])
                sol = optimize.root(lambda u: self._static_residual(u, pv), u0, jac=True, method="hybr", tol=1e-13)
                if sol.success and sol.x[R] > 0 and np.max(np.abs(sol.fun)) < 1e-9:
                    found.append(sol.x)
        return [self._static_state(u, pv, spec) for u in _distinct(found)]

    @staticmethod
    def _m_means(spec: ModelSpec) -> np.ndarray:
        return np.array([t.m_mean for t in spec.low_rank])

    def _static_residual(self, u: np.ndarray, pv: list[float]) -> tuple[np.ndarray, np.ndarray]:
        n = len(u)
        R = self.derivation.rank
        if u[R] <= 0:
            return np.full(n, 1e3) * (1 - u[R]), np.eye(n)
        out = np.asarray(self.static(*u, *pv), dtype=float)
        return out[:n], out[n:].reshape(n, n)

    def _static_state(self, u: np.ndarray, pv: list[float], spec: ModelSpec) -> StructuredState:
        R = self.derivation.rank
        kappa, D0, mu = u[:R], float(u[R]), float(u[R + 1])
        _, (mphi, mphi1, mphi12, _q, _inp) = self._map(kappa, D0, mu, pv)
        _, J = self._static_residual(u, pv)
        eig = self._map_eigenvalues(J, R)
        radius = spec.g[0][0] * math.sqrt(max(mphi12, 0.0))
        outl = self.stability_outliers(kappa, D0, mu, pv, radius)
        stable = bool(radius < 1 and all(np.real(z) < 1 for z in outl))
        return StructuredState(
            branch="static", regime="static" if radius < 1 else "static-unstable", kappa=kappa.tolist(), mu=mu,
            Delta0=D0, Delta_inf=D0, mean_phi=mphi, mean_phi_prime=mphi1, bulk_radius=radius,
            map_eigenvalues=[float(e) for e in eig.real], stable=stable, outliers=outl,
        )

    @staticmethod
    def _map_eigenvalues(J: np.ndarray, R: int) -> np.ndarray:
        """Eigenvalues of d(kappa map)/d kappa with (Delta0, mu) slaved: ``1 -`` the Schur complement of the
        residual Jacobian ``1 - dF`` on the kappa block."""
        Jkk, Jks, Jsk, Jss = J[:R, :R], J[:R, R:], J[R:, :R], J[R:, R:]
        return np.linalg.eigvals(np.eye(R) - (Jkk - Jks @ np.linalg.solve(Jss, Jsk)))

    def _dmft_solver(self, spec: ModelSpec) -> Any:
        if self._dmft is None:
            from workbench.theories.dmft import DMFTProblem

            self._dmft = DMFTProblem(self._effective_spec(spec, np.zeros(self.derivation.rank), 1.0)).build_solver()
        return self._dmft

    @staticmethod
    def _effective_spec(spec: ModelSpec, mu: float | np.ndarray, quenched: float) -> ModelSpec:
        pop = spec.populations[0]
        mu = float(np.sum(mu)) if np.ndim(mu) else float(mu)
        pop = replace(pop, input_mean=mu, input_std=math.sqrt(max(quenched, 0.0)))
        return spec.replace(low_rank=(), populations=(pop,))

    def dmft_states(self, spec: ModelSpec, n_starts: int = 9) -> list[StructuredState]:
        """States of the stationary DMFT with the low-rank mean (chaotic where the random part is chaotic)."""
        R = self.derivation.rank
        residual = self._dmft_residual(spec)
        K = self._scale(spec)
        found = self._roots_1d(residual, K, n_starts) if R == 1 else self._roots_nd(residual, K, n_starts, R)
        return [self.dmft_state(spec, kappa) for kappa in _distinct(found, tol=1e-5)]

    def _solve_dmft(self, spec: ModelSpec, kappa: np.ndarray, pv: list[float]) -> Any:
        """The stationary DMFT of the random part with the quenched input that kappa gives."""
        _, (_a, _b, _c, q, mu) = self._map(kappa, 1.0, 0.0, pv)  # q and the mean input: no Delta0, mu
        return self._dmft_solver(spec).solve(self._effective_spec(spec, mu, q), curves=False, lyapunov=False)

    def _dmft_residual(self, spec: ModelSpec) -> Any:
        """``kappa -> kappa - E[n phi(x)]`` at the DMFT's (mu, Delta0)."""
        pv = self._values(spec)

        def residual(kappa: np.ndarray) -> np.ndarray:
            r = self._solve_dmft(spec, kappa, pv)
            F, _ = self._map(kappa, r.Delta0, r.mu, pv)
            return kappa - F

        return residual

    def dmft_state(self, spec: ModelSpec, kappa: np.ndarray) -> StructuredState:
        """The DMFT state at ``kappa`` (a root of the kappa map), with its map slope and stability."""
        pv = self._values(spec)
        kappa = np.asarray(kappa, dtype=float)
        r = self._solve_dmft(spec, kappa, pv)
        _, (mphi, mphi1, mphi12, _q, _inp) = self._map(kappa, r.Delta0, r.mu, pv)
        mu = r.mu
        eig = self._numerical_map_eigenvalues(self._dmft_residual(spec), kappa)
        radius = spec.g[0][0] * math.sqrt(max(mphi12, 0.0))
        ok_bulk = r.regime in ("chaotic", "fluctuating") or radius < 1
        return StructuredState(
            branch="dmft", regime=r.regime, kappa=kappa.tolist(), mu=mu, Delta0=r.Delta0, Delta_inf=r.Delta_inf,
            mean_phi=mphi, mean_phi_prime=mphi1, bulk_radius=radius, map_eigenvalues=[float(e) for e in eig.real],
            stable=bool(ok_bulk and np.max(eig.real) < 1),
        )

    @staticmethod
    def _numerical_map_eigenvalues(residual: Any, kappa: np.ndarray, h: float = 1e-5) -> np.ndarray:
        """Eigenvalues of d(kappa map)/d kappa = 1 - d residual/d kappa (central differences through the DMFT)."""
        R = len(kappa)
        D = np.empty((R, R))
        for j in range(R):
            e = np.zeros(R)
            e[j] = h
            D[:, j] = (residual(kappa + e) - residual(kappa - e)) / (2 * h)
        return np.linalg.eigvals(np.eye(R) - D)

    @staticmethod
    def _roots_1d(residual: Any, K: float, n_starts: int) -> list[np.ndarray]:
        """Roots of a scalar residual on [-K, K]: sign changes on a grid (0 included), refined by toms748."""
        def f(k: float) -> float:
            return float(residual(np.array([k]))[0])

        grid = np.unique(np.concatenate([np.linspace(-K, K, n_starts), [0.0]]))
        vals = [f(k) for k in grid]
        zeros = [k for k, v in zip(grid, vals, strict=True) if abs(v) < 1e-13]
        found = [np.array([k]) for k in zeros]
        if zeros:  # a root on the grid: bracket its neighbours from just beside it
            side = np.array([k + d for k in zeros for d in (-1e-6 * K, 1e-6 * K)])
            grid = np.concatenate([grid, side])
            vals = vals + [f(k) for k in side]
            order = np.argsort(grid)
            grid, vals = grid[order], [vals[i] for i in order]
        for a, b, fa, fb in zip(grid[:-1], grid[1:], vals[:-1], vals[1:], strict=True):
            if fa * fb < 0 and abs(fa) >= 1e-13 and abs(fb) >= 1e-13:
                found.append(np.array([optimize.toms748(f, a, b, xtol=1e-10, rtol=1e-10)]))
        return found

    @staticmethod
    def _roots_nd(residual: Any, K: float, n_starts: int, R: int) -> list[np.ndarray]:
        """Roots of a vector residual from starts along the diagonal of [-K, K]^R (scipy hybr)."""
        found = []
        for k0 in np.linspace(-K, K, n_starts):
            sol = optimize.root(residual, np.full(R, k0), method="hybr", tol=1e-10)
            if sol.success and np.max(np.abs(sol.fun)) < 1e-8:
                found.append(sol.x)
        return found

    def solve(self, spec: ModelSpec | None = None, *, dmft: bool = True, n_starts: int = 9) -> LowRankResult:
        """Static states (no noise), DMFT states (if ``dmft``) and the outliers of J."""
        spec = self.problem.spec if spec is None else spec
        states = self.static_states(spec, n_starts) if spec.noise.kind == "none" else []
        if dmft:
            states += self.dmft_states(spec, n_starts)
        O = overlap_matrix(spec)
        ev = np.linalg.eigvals(O)
        outl = [float(e.real) if abs(e.imag) < 1e-12 else complex(e) for e in ev]
        params = {"g": spec.g[0][0], "phi": spec.phi.label(), "rank": len(spec.low_rank)}
        return LowRankResult(states, outl, O.tolist(), spec.g[0][0], params, {"method": self.method})
