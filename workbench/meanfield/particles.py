"""Monte Carlo solvers: single-pass particle time-marching and the Faugeras-Tanré Picard map.

Both simulate M independent copies of the effective process (notes ``meanfield-transient.md``
§2.3, §4) with the step ``X_{k+1} = A(X_k) + b J m_k + noise_k`` of
:mod:`workbench.meanfield.problem`, where ``noise_k = b (eta_k - J m_k) + eps_k`` has covariance
``Sigma = b^2 sigma^2 K[:n, :n] + v_eps I``.

* **Innovation (FT / Volterra) form**: ``noise = L xi`` with ``L`` the lower Cholesky factor of
  ``Sigma`` (the discrete resolvent representation; §2.2) and ``xi`` iid N(0, 1). Causal.
* **Physics form**: ``eta = J m + chol_psd(sigma^2 K) zeta`` (eigh with clipped eigenvalues), plus
  independent ``eps``. Same law.

Seeding: ``numpy.random.SeedSequence(seed)`` spawns one child per pass (march: one; Picard: one
per iteration), each spawning ``[initial values, noise]``.
"""

from __future__ import annotations

import time

import numpy as np

from workbench.errors import ConvergenceError, DivergenceError, SpecError
from workbench.meanfield import kernels
from workbench.meanfield.problem import TransientProblem
from workbench.meanfield.result import MeanFieldResult

__all__ = ["solve_march", "solve_picard", "SAMPLERS"]

SAMPLERS = ("innovation", "physics")


def _check_paths(paths: int, keep_paths: int) -> tuple[int, int]:
    if isinstance(paths, bool) or not isinstance(paths, (int, np.integer)) or paths < 2:
        raise SpecError("paths", f"number of Monte Carlo paths must be an integer >= 2, got {paths!r}")
    if isinstance(keep_paths, bool) or not isinstance(keep_paths, (int, np.integer)) or not 0 <= keep_paths <= paths:
        raise SpecError("keep_paths", f"must be an integer in [0, paths={paths}], got {keep_paths!r}")
    return int(paths), int(keep_paths)


def _seed(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    if seed is None:
        raise SpecError("seed", "an explicit seed is required (int or SeedSequence)")
    if isinstance(seed, np.random.SeedSequence):
        return seed
    try:
        return np.random.SeedSequence(int(seed))
    except (TypeError, ValueError) as exc:
        raise SpecError("seed", f"must be a non-negative integer, got {seed!r}") from exc


def _check_memory(n: int, M: int, arrays: int) -> None:
    need = arrays * (n + 1) * M * 8
    if need > 16e9:
        raise SpecError("paths", f"{M} paths x {n + 1} steps needs {need / 1e9:.1f} GB; reduce paths or T/dt")


def _finite(problem: TransientProblem, *arrs: np.ndarray) -> None:
    for a in arrs:
        if not np.all(np.isfinite(a)):
            raise DivergenceError(f"non-finite particle values for {problem.summary()}; reduce dt")


def solve_march(problem: TransientProblem, paths: int = 20000, seed: int | np.random.SeedSequence = 0,
                keep_paths: int = 0) -> MeanFieldResult:
    """Single-pass causal particle time-marching (notes §4.3): no Picard iteration.

    Row k of the innovation covariance only needs ``K(t_k, t_{0..k})``, known once the particles
    reach ``t_k``; so one pass of M interacting particles gives the fixed point up to Monte Carlo
    error O(1/sqrt(M)) (plus an O(1/M) bias from reusing the particles).

    Parameters
    ----------
    problem : TransientProblem
        Any g (affine: exponential Euler; otherwise Euler-Maruyama) and any f.
    paths : int
        Number of particles M.
    seed : int or SeedSequence
    keep_paths : int
        Number of sample paths of X to keep in ``result.paths``.

    Returns
    -------
    MeanFieldResult
    """
    M, nk = _check_paths(paths, keep_paths)
    n = problem.n
    _check_memory(n, M, 2)
    st = problem.step
    ss = _seed(seed)
    s_init, s_noise = ss.spawn(2)
    X = np.ascontiguousarray(problem.mu0.sample(np.random.default_rng(s_init), M))
    xi = np.random.default_rng(s_noise).standard_normal((n, M))
    F = np.empty((n + 1, M))
    m = np.empty(n + 1)
    K = np.empty((n + 1, n + 1))
    L = np.zeros((n, n))
    EX = np.empty(n + 1)
    VX = np.empty(n + 1)
    keep = np.empty((n + 1, nk))
    fk = kernels.generated_f(problem.f)
    Ak = kernels.generated_step(st["A_expr"])
    t0 = time.perf_counter()
    kernels.march_particles(fk.func, Ak.func, problem.dt, st["b"], problem.J, problem.sigma**2, st["v_eps"], X, xi, F,
                            m, K, L, EX, VX, keep)
    elapsed = time.perf_counter() - t0
    _finite(problem, m, K, EX)
    info = {"paths": M, "seed": _entropy(ss), "elapsed_s": elapsed, "scheme": st["scheme"],
            "se_m": (np.sqrt(np.maximum(np.diag(K) - m**2, 0.0) / M)).tolist()}
    return MeanFieldResult(problem, "march", problem.t, m, K, EX, VX, paths=keep if nk else None, info=info)


def _entropy(ss: np.random.SeedSequence) -> object:
    return ss.entropy if isinstance(ss.entropy, int) else str(ss.entropy)


def _psd_factor(S: np.ndarray) -> np.ndarray:
    """A factor ``B`` with ``B B^T = S`` for a symmetric PSD ``S`` (eigh, clipped eigenvalues)."""
    w, V = np.linalg.eigh(0.5 * (S + S.T))
    return V * np.sqrt(np.clip(w, 0.0, None))[None, :]


def solve_picard(problem: TransientProblem, paths: int = 20000, seed: int | np.random.SeedSequence = 0,
                 sampler: str = "innovation", tol: float | None = None, max_iter: int = 50, damping: float = 1.0,
                 strict: bool = False, keep_paths: int = 0, m0: np.ndarray | None = None,
                 K0: np.ndarray | None = None) -> MeanFieldResult:
    """The Faugeras-Tanré fixed-point map on (m, K), estimated with Monte Carlo paths.

    Iteration l, given ``(m^l, K^l)`` on the grid: sample M paths of the effective process driven
    by a Gaussian field of mean ``J m^l`` and covariance ``sigma^2 K^l``; set
    ``m^{l+1} = mean f(X)``, ``K^{l+1} = f(X) f(X)^T / M``. Start from the uncoupled law
    (``m = K = 0``) unless ``m0, K0`` are given. Fresh noise every iteration.

    Parameters
    ----------
    problem : TransientProblem
    paths : int
        Monte Carlo paths M per iteration.
    seed : int or SeedSequence
        Root seed; iteration l uses child l of ``SeedSequence(seed)``.
    sampler : {"innovation", "physics"}
        Cholesky factor of the full noise covariance (FT/Volterra form), or sampled field eta
        (eigh) plus independent white noise.
    tol : float, optional
        Stop when ``max(sup|dm|, sup|dK|) < tol``; default ``3/sqrt(M)`` (below the Monte Carlo
        noise floor the iterates only jitter, notes §4.1).
    max_iter : int
    damping : float
        ``alpha`` in ``new <- alpha new + (1 - alpha) old``.
    strict : bool
        Raise :class:`ConvergenceError` when ``tol`` is not reached in ``max_iter`` iterations
        (otherwise ``info["converged"]`` is False).
    keep_paths : int
        Sample paths of the last iteration to keep.

    Returns
    -------
    MeanFieldResult
        ``history``: per iteration ``dm``, ``dK``, ``d``; ``m_history``: m after each iteration.
    """
    M, nk = _check_paths(paths, keep_paths)
    if sampler not in SAMPLERS:
        raise SpecError("sampler", f"unknown sampler {sampler!r}; allowed: {SAMPLERS}")
    if not 0 < damping <= 1:
        raise SpecError("damping", f"must be in (0, 1], got {damping}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise SpecError("max_iter", f"must be an integer >= 1, got {max_iter!r}")
    tol = 3.0 / np.sqrt(M) if tol is None else float(tol)
    if not tol > 0:
        raise SpecError("tol", f"must be > 0, got {tol}")
    n = problem.n
    _check_memory(n, M, 3)
    st = problem.step
    b, v_eps, s2 = st["b"], st["v_eps"], problem.sigma**2
    ss = _seed(seed)
    children = ss.spawn(int(max_iter))
    fk = kernels.generated_f(problem.f)
    Ak = kernels.generated_step(st["A_expr"])
    m = np.zeros(n + 1) if m0 is None else np.array(m0, dtype=float)
    K = np.zeros((n + 1, n + 1)) if K0 is None else np.array(K0, dtype=float)
    if m.shape != (n + 1,) or K.shape != (n + 1, n + 1):
        raise SpecError("m0", f"initial guess must have shapes ({n + 1},) and ({n + 1}, {n + 1})")
    F = np.empty((n + 1, M))
    EX = np.empty(n + 1)
    VX = np.empty(n + 1)
    keep = np.empty((n + 1, nk))
    hist: list[dict[str, float]] = []
    mh = []
    converged = False
    t0 = time.perf_counter()
    for it in range(1, int(max_iter) + 1):
        s_init, s_noise = children[it - 1].spawn(2)
        X = np.ascontiguousarray(problem.mu0.sample(np.random.default_rng(s_init), M))
        rng = np.random.default_rng(s_noise)
        if sampler == "innovation":
            Sigma = b * b * s2 * K[:n, :n] + v_eps * np.eye(n)
            try:
                L = np.linalg.cholesky(Sigma)
            except np.linalg.LinAlgError:
                L = _psd_factor(Sigma)
            noise = L @ rng.standard_normal((n, M))
        else:
            B = _psd_factor(s2 * K[:n, :n])
            noise = b * (B @ rng.standard_normal((n, M)))
            if v_eps > 0:
                noise += np.sqrt(v_eps) * rng.standard_normal((n, M))
        noise = np.ascontiguousarray(noise)
        drift = np.ascontiguousarray(b * problem.J * m[:n])
        kernels.picard_paths(fk.func, Ak.func, problem.dt, X, drift, noise, F, EX, VX, keep)
        _finite(problem, F)
        m_new = F.mean(axis=1)
        K_new = (F @ F.T) / M
        dm = float(np.max(np.abs(m_new - m)))
        dK = float(np.max(np.abs(K_new - K)))
        hist.append({"iter": it, "dm": dm, "dK": dK, "d": max(dm, dK)})
        m = damping * m_new + (1 - damping) * m
        K = damping * K_new + (1 - damping) * K
        mh.append(m.copy())
        if max(dm, dK) < tol:
            converged = True
            break
    elapsed = time.perf_counter() - t0
    if strict and not converged:
        raise ConvergenceError(
            f"Picard did not reach tol={tol:.3g} within max_iter={max_iter} (last change {hist[-1]['d']:.3g}) for "
            f"{problem.summary()}, paths={M}; raise max_iter, use damping < 1, or use solve_march"
        )
    info = {"paths": M, "seed": _entropy(ss), "sampler": sampler, "tol": tol, "converged": converged,
            "damping": damping, "elapsed_s": elapsed, "scheme": st["scheme"]}
    return MeanFieldResult(problem, "picard", problem.t, m, K, EX, VX, history=hist, paths=keep if nk else None,
                           m_history=np.array(mh), info=info)
