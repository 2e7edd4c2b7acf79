"""Deterministic Gaussian-closure solver (the reference), and the closure map for Picard iteration.

For affine ``g(x) = alpha x + beta`` and Gaussian (or point-mass) ``mu0`` the effective process is
Gaussian given (m, K) (notes ``meanfield-transient.md`` §2.5), so the fixed point reduces to the
recursion derived by :func:`derivations.meanfield_transient.derive` for ``(E X, C, D)`` (its
generated numba step, :func:`workbench.theories.meanfield.kernels.generated_closure_step`) plus
Gaussian expectations ``m_k = E f(Y_k)`` and ``K_kl = E f(Y_k) f(Y_l)``. The recursion is causal,
so one pass gives the fixed point of the discretised problem (no iteration error). It is exact for
the discretised effective process; the remaining error is the O(dt) time discretisation shared
with the particle solvers and the network simulator (left-point field).

Quadrature (``quad``):

* ``"mehler"`` (default): Mehler/Hermite expansion
  ``E f(Y_k) f(Y_l) = sum_{p<=P} rho_kl^p c_p(k) c_p(l)``, ``c_p(k) = E f(mu_k + s_k Z) h_p(Z)``
  by ``q``-point Gauss-Hermite; cost O(n q P + n^2 P). The truncation error for every pair is
  bounded by ``sqrt(tail_k tail_l)``, ``tail_k = E f(Y_k)^2 - sum_p c_p(k)^2``, reported as
  ``info["hermite_tail_max"]``.
* ``"gh2d"``: the notes' direct 2-D Gauss-Hermite product rule, O(n^2 q^2) (cross-check).
"""

from __future__ import annotations

import time

import numpy as np

from workbench.errors import ConvergenceError, SpecError
from workbench.theories.meanfield import kernels
from workbench.theories.meanfield.problem import TransientProblem
from workbench.theories.meanfield.result import MeanFieldResult

__all__ = ["solve_closure", "closure_map", "picard_closure"]

_QUADS = {"mehler": 0, "gh2d": 1}


def _check_closure(problem: TransientProblem) -> tuple[float, float]:
    if problem.affine is None:
        raise SpecError(
            "g",
            f"the Gaussian closure is exact only for affine g(x) = alpha x + beta, got g = {problem.g}; "
            "use method='march' (particles) for a nonlinear drift",
        )
    return problem.affine


def _run(problem: TransientProblem, quad: str, order: int, nodes: int | None, causal: bool,
         m_in: np.ndarray | None = None, K_in: np.ndarray | None = None) -> dict:
    _check_closure(problem)
    if quad not in _QUADS:
        raise SpecError("quad", f"unknown quadrature {quad!r}; allowed: {sorted(_QUADS)}")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order <= 200:
        raise SpecError("order", f"Hermite order must be an integer in [1, 200], got {order!r}")
    q = int(nodes) if nodes is not None else (order + 1 if quad == "mehler" else 40)
    if not 2 <= q <= 400:
        raise SpecError("nodes", f"number of Gauss-Hermite nodes must be in [2, 400], got {q}")
    if quad == "mehler" and q < order + 1:
        raise SpecError("nodes", f"need at least order+1 = {order + 1} nodes for Hermite order {order}, got {q}")
    n = problem.n
    st = problem.step
    z, w, Hw = kernels.hermite_tables(q, order if quad == "mehler" else 0)
    fk = kernels.generated_f(problem.f)
    m = np.zeros(n + 1)
    K = np.zeros((n + 1, n + 1))
    EX = np.zeros(n + 1)
    C = np.zeros((n + 1, n + 1))
    tail = np.zeros(n + 1)
    if m_in is None:
        m_in = np.zeros(n + 1)
        K_in = np.zeros((n + 1, n + 1))
    t0 = time.perf_counter()
    steps = kernels.generated_closure_step()
    kernels.closure_march(
        fk.func, steps["mean"].func, steps["D"].func, steps["cov"].func, steps["var"].func, n, st["a"], st["b"],
        problem.affine[1], problem.J, problem.sigma, st["v_eps"], problem.mu0.mean,
        problem.mu0.var, z, w, Hw, _QUADS[quad], causal, np.ascontiguousarray(m_in, dtype=float),
        np.ascontiguousarray(K_in, dtype=float), m, K, EX, C, tail,
    )
    elapsed = time.perf_counter() - t0
    if not (np.all(np.isfinite(m)) and np.all(np.isfinite(K))):
        from workbench.errors import DivergenceError

        raise DivergenceError(f"the Gaussian closure produced non-finite values for {problem.summary()}")
    info = {"quad": quad, "order": int(order) if quad == "mehler" else None, "nodes": q,
            "hermite_tail_max": float(tail.max()) if quad == "mehler" else None,
            "elapsed_s": elapsed, "scheme": st["scheme"], "f_kernel_key": fk.key,
            "closure_kernel_keys": {k: v.key for k, v in steps.items()}}
    return {"m": m, "K": K, "EX": EX, "C": C, "info": info}


def solve_closure(problem: TransientProblem, quad: str = "mehler", order: int = 48,
                  nodes: int | None = None) -> MeanFieldResult:
    """Deterministic Gaussian-closure solution (exact for affine g and Gaussian/point mu0).

    Parameters
    ----------
    problem : TransientProblem
    quad : {"mehler", "gh2d"}
        Quadrature of the two-time expectations (see the module docstring).
    order : int
        Hermite order P of the Mehler expansion (default 48).
    nodes : int, optional
        Gauss-Hermite nodes q (default ``order + 1`` for Mehler, 40 for ``gh2d``).

    Returns
    -------
    MeanFieldResult
        With ``cov_x`` (the two-time covariance of X).

    Raises
    ------
    SpecError
        For a non-affine g (``g``) or bad quadrature settings.
    """
    r = _run(problem, quad, order, nodes, causal=True)
    return MeanFieldResult(problem, "closure", problem.t, r["m"], r["K"], r["EX"], np.diag(r["C"]).copy(),
                           cov_x=r["C"], info=r["info"])


def closure_map(problem: TransientProblem, m: np.ndarray, K: np.ndarray, quad: str = "mehler",
                order: int = 48) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One application of the (deterministic) fixed-point map ``(m, K) -> (m', K')``.

    The law of the effective process driven by a Gaussian field of mean ``J m`` and covariance
    ``sigma^2 K`` is computed exactly (Gaussian closure), and ``m' = E f(X)``,
    ``K' = E f(X) f(X)``.

    Returns
    -------
    m_new, K_new, mean_x, cov_x : ndarray
    """
    n = problem.n
    m = np.asarray(m, dtype=float)
    K = np.asarray(K, dtype=float)
    if m.shape != (n + 1,) or K.shape != (n + 1, n + 1):
        raise SpecError("m", f"need m of shape ({n + 1},) and K of shape ({n + 1}, {n + 1})")
    r = _run(problem, quad, order, None, causal=False, m_in=m, K_in=K)
    return r["m"], r["K"], r["EX"], r["C"]


def picard_update(
    it: int,
    m: np.ndarray,
    K: np.ndarray,
    m_new: np.ndarray,
    K_new: np.ndarray,
    damping: float,
    tol: float,
    hist: list[dict[str, float]],
    mh: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray, bool]:
    """One damped Picard update of ``(m, K)``, appending to ``hist`` and ``mh``; the new pair and whether it converged."""
    dm = float(np.max(np.abs(m_new - m)))
    dK = float(np.max(np.abs(K_new - K)))
    hist.append({"iter": it, "dm": dm, "dK": dK, "d": max(dm, dK)})
    m = damping * m_new + (1 - damping) * m
    K = damping * K_new + (1 - damping) * K
    mh.append(m.copy())
    return m, K, max(dm, dK) < tol


def picard_closure(problem: TransientProblem, tol: float = 1e-8, max_iter: int = 200, damping: float = 1.0,
                   strict: bool = True, order: int = 48) -> MeanFieldResult:
    """Deterministic Picard iteration of the closure map from the uncoupled law ``(m, K) = (0, 0)``.

    This is the Faugeras-Tanré iteration without Monte Carlo noise: its history shows the
    convergence rate of the map itself (superlinear, ~ (cT)^l / l! for a Volterra-type map).

    Parameters
    ----------
    tol : float
        Stop when ``max(sup|dm|, sup|dK|) < tol``.
    max_iter : int
    damping : float
        ``alpha`` in ``(m, K) <- alpha * new + (1 - alpha) * old`` (1 = plain Picard).
    strict : bool
        Raise :class:`ConvergenceError` if ``tol`` is not reached.
    """
    if not 0 < damping <= 1:
        raise SpecError("damping", f"must be in (0, 1], got {damping}")
    if not tol > 0:
        raise SpecError("tol", f"must be > 0, got {tol}")
    n = problem.n
    m = np.zeros(n + 1)
    K = np.zeros((n + 1, n + 1))
    hist: list[dict[str, float]] = []
    mh = []
    converged = False
    EX = C = None
    for it in range(1, int(max_iter) + 1):
        m_new, K_new, EX, C = closure_map(problem, m, K, order=order)
        m, K, converged = picard_update(it, m, K, m_new, K_new, damping, tol, hist, mh)
        if converged:
            break
    if strict and not converged:
        raise ConvergenceError(
            f"deterministic Picard did not reach tol={tol:g} in max_iter={max_iter} iterations "
            f"(last change {hist[-1]['d']:.3g}) for {problem.summary()}; raise max_iter or use solve_closure"
        )
    return MeanFieldResult(problem, "picard-closure", problem.t, m, K, EX, np.diag(C).copy(), cov_x=C, history=hist,
                           m_history=np.array(mh), info={"tol": tol, "converged": converged, "damping": damping})
