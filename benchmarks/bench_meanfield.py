"""Transient mean-field solvers: generated numba kernels vs plain NumPy on the same work, side by side.

Work items (issue 5; reference figures from shared/theory/meanfield-transient.md §4.3, §6.1):

* **closure**: Gaussian closure, logistic f, sigma = lambda = 1, mu0 = N(0, 1), T = 10, dt = 0.005
  (n = 2000). Baseline: the notes' algorithm in plain NumPy (recursion + 40x40 Gauss-Hermite for
  every (t, s) pair; notes: 40-130 s per case). Ours: :func:`workbench.theories.meanfield.solve_closure`
  (generated f kernel + numba driver, Mehler quadrature). Target ratio >= 10. Both results are
  compared (max |dm|, |dK|) so the speed-up is on the same answer.
* **march**: particle time-marching, M = 2e4 paths, n = 200 steps (dt = 0.05). Target < 3 s.
  Baseline: the same causal algorithm as a plain NumPy loop.

Timings exclude the one-off JIT/codegen (a warm-up call first; compiled code is cached on disk).
Usage: ``python benchmarks/bench_meanfield.py [--quick] [--ref-cases 2] [--json out.json]``.
``--quick`` runs the NumPy closure baseline at dt = 0.01 instead (same dt for both sides).
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
from threadpoolctl import threadpool_limits

from workbench.theories.meanfield import TransientProblem, solve_closure, solve_march


def numpy_closure(J: float, dt: float, T: float = 10.0, q: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """The notes' §6.1 closure recursion with 2-D Gauss-Hermite, plain NumPy (the baseline)."""
    n = int(round(T / dt))
    a = np.exp(-dt)
    b = 1 - a
    v_eps = (1 - a * a) / 2
    sigma2 = 1.0
    z, w = np.polynomial.hermite_e.hermegauss(q)
    w = w / w.sum()
    Z1, Z2 = np.meshgrid(z, z, indexing="ij")
    W2 = np.outer(w, w)

    def f(x):
        return 1.0 / (1.0 + np.exp(-x))

    EX = np.zeros(n + 1)
    C = np.zeros((n + 1, n + 1))
    K = np.zeros((n + 1, n + 1))
    m = np.zeros(n + 1)
    C[0, 0] = 1.0
    for k in range(n + 1):
        s = np.sqrt(np.diag(C)[: k + 1])
        m[k] = w @ f(EX[k] + s[k] * z)
        K[k, k] = w @ f(EX[k] + s[k] * z) ** 2
        if k:
            sj = s[:k]
            rho = np.clip(C[k, :k] / (s[k] * sj), -1, 1)
            yj = EX[:k, None, None] + sj[:, None, None] * Z1[None]
            yk = EX[k] + s[k] * (rho[:, None, None] * Z1[None] + np.sqrt(1 - rho**2)[:, None, None] * Z2[None])
            K[k, :k] = np.einsum("jab,ab->j", f(yj) * f(yk), W2)
            K[:k, k] = K[k, :k]
        if k == n:
            break
        D = np.zeros(k + 1)
        for j in range(1, k + 1):
            D[j] = a * D[j - 1] + b * sigma2 * K[k, j - 1]
        EX[k + 1] = a * EX[k] + b * J * m[k]
        C[k + 1, : k + 1] = a * C[k, : k + 1] + b * D
        C[: k + 1, k + 1] = C[k + 1, : k + 1]
        C[k + 1, k + 1] = a * a * C[k, k] + b * b * sigma2 * K[k, k] + 2 * a * b * D[k] + v_eps
    return m, K


def numpy_march(J: float, M: int, n: int, dt: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The notes' §4.3 single-pass particle time-marching as a plain NumPy loop (the baseline)."""
    rng = np.random.default_rng(seed)
    a = np.exp(-dt)
    b = 1 - a
    v_eps = (1 - a * a) / 2
    X = rng.standard_normal(M)
    xi = rng.standard_normal((n, M))
    F = np.empty((n + 1, M))
    K = np.zeros((n + 1, n + 1))
    m = np.zeros(n + 1)
    L = np.zeros((n, n))
    for k in range(n + 1):
        F[k] = 1 / (1 + np.exp(-X))
        m[k] = F[k].mean()
        K[k, : k + 1] = F[: k + 1] @ F[k] / M
        K[: k + 1, k] = K[k, : k + 1]
        if k == n:
            break
        row = b * b * K[k, : k + 1]
        row[k] += v_eps
        for l in range(k):
            L[k, l] = (row[l] - L[k, :l] @ L[l, :l]) / L[l, l]
        L[k, k] = np.sqrt(row[k] - L[k, :k] @ L[k, :k])
        X = a * X + b * J * m[k] + L[k, : k + 1] @ xi[: k + 1]
    return m, K


def _time(fn, reps: int = 1):
    fn()  # warm-up (JIT / codegen cache)
    best = np.inf
    out = None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="closure at dt = 0.01 (both sides)")
    ap.add_argument("--ref-cases", type=int, default=1, help="how many J cases also run the slow NumPy closure")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads for both sides (default 1)")
    ap.add_argument("--json", default=None, help="write the results as JSON")
    args = ap.parse_args()
    dt = 0.01 if args.quick else 0.005
    rows = []
    with threadpool_limits(args.threads, user_api="blas"):
        for i, J in enumerate((-6.0, 0.0, 2.0)):
            p = TransientProblem(J=J, dt=dt, T=10.0)
            t_ours, res = _time(lambda p=p: solve_closure(p), reps=3)
            row = {"work": "closure", "J": J, "dt": dt, "n": p.n, "ours_s": t_ours}
            if i < args.ref_cases or J == 2.0:
                t0 = time.perf_counter()
                m_ref, K_ref = numpy_closure(J, dt)
                row["numpy_s"] = time.perf_counter() - t0
                row["ratio"] = row["numpy_s"] / t_ours
                row["max_dm"] = float(np.abs(m_ref - res.m).max())
                row["max_dK"] = float(np.abs(K_ref - res.K).max())
            row["notes_s"] = "40-130"
            row["ratio_vs_notes_low"] = 40.0 / t_ours
            rows.append(row)
            print(json.dumps(row))
        for J in (-6.0, 0.0, 2.0):
            p = TransientProblem(J=J, dt=0.05, T=10.0)
            t_ours, res = _time(lambda p=p: solve_march(p, paths=20000, seed=1), reps=2)
            t0 = time.perf_counter()
            m_ref, K_ref = numpy_march(J, 20000, p.n, 0.05, seed=1)
            t_np = time.perf_counter() - t0
            ref = solve_closure(p)
            row = {"work": "march", "J": J, "M": 20000, "n": p.n, "ours_s": t_ours, "numpy_s": t_np,
                   "ratio": t_np / t_ours, "target_s": 3.0, "ok": t_ours < 3.0,
                   "ours_max_dm_vs_closure": float(np.abs(res.m - ref.m).max()),
                   "numpy_max_dm_vs_closure": float(np.abs(m_ref - ref.m).max())}
            rows.append(row)
            print(json.dumps(row))
    info = {"python": platform.python_version(), "machine": platform.machine(), "threads": args.threads,
            "processor": platform.processor()}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"rows": rows, "info": info}, fh, indent=1)


if __name__ == "__main__":
    main()
