"""Sampling (Monte-Carlo) transient DMFT with reciprocal correlations: one causal pass of M particles.

Discrete single-site process (exactly the simulator's exponential Euler, see :mod:`.problem`)::

    x_{k+1} = a x_k + b (z_k + I_0 + J_0 m_k + c_mem sum_{l<k} Rd_{k,l} phi_l) + sqrt(v) eps_k,
    z ~ N(0, c_var C_phi + sigma_I^2),   Rd_{k,l} = d<phi_k>/dh_l,   R(t_k, t_l) = Rd_{k,l} / dt,

with ``h_l`` added to the drive on step l. Each particle carries its tangent ``Y_{k,l} = dx_k/dh_l``::

    Y_{l+1,l} = b,   Y_{k+1,l} = a Y_{k,l} + b c_mem sum_{l<j<k} Rd_{k,j} phi'_j Y_{j,l},

so ``Rd_{k,l} = <phi'_k Y_{k,l}>`` is known as soon as the particles reach ``t_k``; row k of the
covariance ``C_phi(t_k, t_{<=k})`` too, so the Gaussian field is drawn causally from a row-wise
factor ``C = L L^T`` built by Gram-Schmidt of the particles' rate histories (stable where ``C`` is
ill-conditioned, which it is at small dt; :class:`workbench.solvers.gaussian_paths.CausalField`). One pass gives the
fixed point up to Monte Carlo error O(1/sqrt(M)) and an O(1/M) bias from reusing the particles; no
iteration. Cost O(n^3 M / 3) for the tangents, memory 8 n^2 M bytes.

Seeding: ``SeedSequence(seed)`` spawns ``[initial values, field innovations, noise]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import sympy as sp

from workbench.errors import DivergenceError, SpecError
from workbench.solvers.gaussian_paths import CausalField
from workbench.solvers.gaussian_paths import factor_row as _factor_row  # noqa: F401 - its old home (tests import it)
from workbench.spec import X
from workbench.theories.symmetric.problem import SymmetricProblem
from workbench.theories.symmetric.result import SymmetricResult

__all__ = ["solve_march", "solve_pooled", "MAX_TANGENT_BYTES"]

MAX_TANGENT_BYTES = 4e9
"""Largest tangent array (n^2 M doubles) accepted before a SpecError."""


def _vectorised(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    """``expr`` in x as a numpy function returning an array of the argument's shape (constants broadcast)."""
    f = sp.lambdify(X, expr, modules=["numpy", "scipy"])
    return lambda x: np.broadcast_to(np.asarray(f(x), dtype=float), np.shape(x)).copy()


def _check(paths: int, seed: object, n: int) -> np.random.SeedSequence:
    if isinstance(paths, bool) or not isinstance(paths, (int, np.integer)) or paths < 2:
        raise SpecError("paths", f"number of particles must be an integer >= 2, got {paths!r}")
    need = 8.0 * (n + 1) * n * paths
    if need > MAX_TANGENT_BYTES:
        raise SpecError("paths", f"{paths} particles x {n} steps needs {need / 1e9:.1f} GB of tangents; "
                        "reduce paths or T/dt")
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError("seed", f"must be an integer >= 0 (or a SeedSequence), got {seed!r}")
    return np.random.SeedSequence(int(seed))


def solve_march(problem: SymmetricProblem, paths: int = 2000, seed: int | np.random.SeedSequence = 0
                ) -> SymmetricResult:
    """Solve the transient DMFT with reciprocal correlations by one causal pass of ``paths`` particles.

    Parameters
    ----------
    problem : SymmetricProblem
    paths : int
        Number of particles M (Monte Carlo error O(1/sqrt(M))).
    seed : int or SeedSequence

    Returns
    -------
    SymmetricResult
        ``m_x, m_phi, Delta (x x), C_phi (phi phi), R_phi, R_x`` on the grid, with standard errors.
    """
    n = problem.setup.n
    ss = _check(paths, seed, n)
    M = int(paths)
    co = problem.coefficients()
    a, b, v, c_var, c_mem = co["a"], co["b"], co["v"], co["c_var"], co["c_mem"]
    spec = problem.spec
    pop = spec.populations[0]
    I0, sI2, J0 = pop.input_mean, pop.input_std**2, spec.J0[0][0]
    phi_f, dphi_f = _vectorised(spec.phi.expr), _vectorised(spec.phi.derivative)
    s_init, s_field, s_noise = (np.random.default_rng(s) for s in ss.spawn(3))
    init = spec.init
    X = np.full(M, init.mean) if init.kind == "point" else init.mean + init.std * s_init.standard_normal(M)
    Xh = np.empty((n + 1, M))
    F = np.empty((n + 1, M))
    G = np.zeros((n + 1, n, M))  # phi'_k Y_{k,l}
    Y = np.zeros((n, M))  # Y_{k,l} of the current k
    Rd = np.zeros((n + 1, n))
    Rx = np.zeros((n + 1, n))
    field = CausalField(n + 1, M + 1, M, s_field)  # directions: the particles and the input-variance column
    t0 = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(n + 1):
            Xh[k] = X
            F[k] = phi_f(X)
            dphi = dphi_f(X)
            if not (np.all(np.isfinite(F[k])) and np.all(np.isfinite(dphi))):
                raise DivergenceError(f"non-finite particle values at t = {k * problem.setup.dt:g} for "
                                      f"{problem.summary()}; reduce dt or g")
            G[k, :k] = dphi * Y[:k]
            Rd[k, :k] = G[k, :k].mean(axis=1)
            Rx[k, :k] = Y[:k].mean(axis=1)
            if k == n:
                break
            field.add_row(np.append(np.sqrt(c_var / M) * F[k], np.sqrt(sI2)))
            z = field.draw_row()
            memory = c_mem * (Rd[k, :k] @ F[:k]) if k else 0.0
            noise = np.sqrt(v) * s_noise.standard_normal(M) if v > 0 else 0.0
            X = a * X + b * (z + I0 + J0 * F[k].mean() + memory) + noise
            if k:
                back = np.tensordot(Rd[k, :k], G[:k, : k + 1], axes=(0, 0))  # sum_j Rd_{k,j} G_{j,l}
                Y[: k + 1] = a * Y[: k + 1] + b * c_mem * back
            Y[k] += b
    elapsed = time.perf_counter() - t0
    return _result(problem, Xh, F, Rd, Rx, M, ss, elapsed)


def solve_pooled(problem: SymmetricProblem, paths: int = 2000, solves: int = 1, seed: int = 0) -> SymmetricResult:
    """Average of ``solves`` independent :func:`solve_march` passes (seeds ``seed`` to ``seed + solves - 1``).

    Equal weights; standard errors combine as ``sqrt(sum se^2) / solves``. Bounds the tangent memory
    (``paths`` particles per pass) while the Monte Carlo SE falls as ``1/sqrt(paths * solves)``; each pass
    keeps its own O(1/paths) bias.
    """
    if isinstance(solves, bool) or not isinstance(solves, (int, np.integer)) or solves < 1:
        raise SpecError("solves", f"number of independent passes must be an integer >= 1, got {solves!r}")
    rs = [solve_march(problem, paths=paths, seed=seed + s) for s in range(int(solves))]
    if len(rs) == 1:
        return rs[0]

    def mean(name: str) -> np.ndarray:
        return np.mean([getattr(r, name) for r in rs], axis=0)

    def pooled_se(name: str) -> np.ndarray:
        return np.sqrt(np.sum([getattr(r, name) ** 2 for r in rs], axis=0)) / len(rs)

    info = {**rs[0].info, "paths": int(paths) * len(rs), "paths_per_solve": int(paths), "solves": len(rs),
            "seed": f"{seed} to {seed + len(rs) - 1}", "elapsed_s": sum(r.info["elapsed_s"] for r in rs)}
    return SymmetricResult(
        t=rs[0].t, m_x=mean("m_x"), m_phi=mean("m_phi"), Delta=mean("Delta"), C_phi=mean("C_phi"),
        R_phi=mean("R_phi"), R_x=mean("R_x"), se_m_x=pooled_se("se_m_x"), se_Delta_diag=pooled_se("se_Delta_diag"),
        params=rs[0].params, info=info,
    )


def _result(problem: SymmetricProblem, Xh: np.ndarray, F: np.ndarray, Rd: np.ndarray, Rx: np.ndarray, M: int,
            ss: np.random.SeedSequence, elapsed: float) -> SymmetricResult:
    """Collect the particle statistics into a :class:`SymmetricResult` (responses per unit time)."""
    dt = problem.setup.dt
    n = problem.setup.n
    R_phi = np.zeros((n + 1, n + 1))
    R_x = np.zeros((n + 1, n + 1))
    R_phi[:, :n] = Rd / dt
    R_x[:, :n] = Rx / dt
    x2 = Xh**2
    info = {"paths": M, "seed": ss.entropy if isinstance(ss.entropy, int) else str(ss.entropy),
            "elapsed_s": elapsed, "method": "march", **problem.coefficients()}
    return SymmetricResult(
        t=problem.t, m_x=Xh.mean(axis=1), m_phi=F.mean(axis=1), Delta=Xh @ Xh.T / M, C_phi=F @ F.T / M,
        R_phi=R_phi, R_x=R_x, se_m_x=Xh.std(axis=1, ddof=1) / np.sqrt(M),
        se_Delta_diag=x2.std(axis=1, ddof=1) / np.sqrt(M), params=_params(problem), info=info,
    )


def _params(problem: SymmetricProblem) -> dict:
    spec = problem.spec
    return {"g": problem.g, "eta": problem.eta, "J0": spec.J0[0][0], "phi": spec.phi.label(), "tau": problem.tau,
            "sigma2": spec.noise.sigma2, "I0": spec.populations[0].input_mean,
            "sigma_I": spec.populations[0].input_std, "init": spec.init.to_dict(), "T": problem.setup.T,
            "dt": problem.setup.dt}
