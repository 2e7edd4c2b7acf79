"""Simulator throughput vs the bare GEMM rate and a per-trial NumPy loop.

For N in {1000, 2000, 4000} and K in {1, 8, 32, 128} it measures, with the BLAS pool pinned to
``--threads`` threads (default 1, applied to all three so the ratios compare like with like):

* ``sim``: :func:`workbench.sim.simulate` (noisy tanh network, nothing recorded), trial-steps/s;
* ``gemm``: the bare ``np.matmul(J, P, out=H)`` of the same shapes, trial-steps/s;
* ``loop``: a plain NumPy Euler-Maruyama loop over trials (one matvec per trial), trial-steps/s;
* ``f32``: the same :func:`~workbench.sim.simulate` call with ``dtype="float32"``, as its speed-up over float64
  (a step reads all of J, so at few trials and N >= 1000 it is bound by memory traffic, which float32 halves; the
  report studies that are, DMFT, low-rank, transient mean field and the dimension's tanh runs, use it).

Targets (issue 2): for K >= 32 and N >= 2000, sim/gemm >= 0.70 and sim/loop >= 3.

Few trials (``few``): the simulator's product for K = 2-16 trials on one thread, BLAS's GEMM against the kernel of
:mod:`workbench.sim.matmul` that reads J once (both timed here, in the same run): the ratio is the kernel's speed-up
(targets: >= 1.5 at K = 2 and >= 1.1 at K = 4, N = 300-2000, both precisions: the shapes where the simulator takes
the kernel; measured 2026-11-28: K = 2 1.76-4.09, K = 4 1.14-3.10, the least at N = 300 in float32, where other runs
gave 1.42-1.51; at K = 8-16 it is about even in float32 and only taken from N = 768).
Usage: ``python benchmarks/bench_simulator.py [--quick] [--threads 1] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from workbench.sim import build_network, simulate
from workbench.spec import ModelSpec


def _timeit(fn, min_time: float = 1.0, min_reps: int = 2) -> float:
    fn()  # warm-up (JIT, caches)
    reps, t0 = 0, time.perf_counter()
    while True:
        fn()
        reps += 1
        el = time.perf_counter() - t0
        if el >= min_time and reps >= min_reps:
            return el / reps


def bench(N: int, K: int, min_time: float) -> dict:
    spec = ModelSpec.simple(N=N, g=1.5, phi="tanh", sigma2=0.2)
    net = build_network(spec, 0)
    dt = 0.05
    steps = max(4, int(2e8 / (2 * N * N * K) + 1))  # ~0.2 GFLOP per call
    steps = min(steps, 2000)

    def run_sim(dtype: str = "float64"):
        simulate(spec, T=steps * dt, dt=dt, trials=K, seed=1, network=net, record=(), dtype=dtype)

    t_sim = _timeit(run_sim, min_time) / steps
    t_f32 = _timeit(lambda: run_sim("float32"), min_time) / steps

    J = net.J
    P = np.tanh(np.random.default_rng(0).standard_normal((N, K)))
    H = np.empty_like(P)

    def run_gemm():
        for _ in range(steps):
            np.matmul(J, P, out=H)

    t_gemm = _timeit(run_gemm, min_time) / steps

    rng = np.random.default_rng(2)
    x = rng.standard_normal((N, K))
    s = np.sqrt(0.2 * dt)
    loop_steps = max(2, min(steps, int(5e7 / (2 * N * N * K)) + 1))

    def run_loop():
        for _ in range(loop_steps):
            for k in range(K):
                xk = x[:, k]
                x[:, k] = xk + dt * (-xk + J @ np.tanh(xk)) + s * rng.standard_normal(N)

    t_loop = _timeit(run_loop, min_time) / loop_steps
    return {
        "N": N,
        "K": K,
        "sim_trial_steps_per_s": K / t_sim,
        "gemm_trial_steps_per_s": K / t_gemm,
        "loop_trial_steps_per_s": K / t_loop,
        "sim_over_gemm": t_gemm / t_sim,
        "sim_over_loop": t_loop / t_sim,
        "float32_speedup": t_sim / t_f32,
        "gemm_gflops": 2 * N * N * K / t_gemm / 1e9,
    }


def bench_few(N: int, K: int, dtype: str, min_time: float) -> dict:
    """BLAS GEMM against :func:`workbench.sim.matmul.batch_matmul` (with the transposed copy of P it needs)."""
    from workbench.sim.matmul import batch_matmul

    rng = np.random.default_rng(3)
    J = rng.standard_normal((N, N)).astype(dtype)
    P = rng.standard_normal((N, K)).astype(dtype)
    H, PT = np.empty_like(P), np.empty((K, N), dtype=dtype)

    def kernel() -> None:
        np.copyto(PT, P.T)
        batch_matmul(J, PT, H)

    t_blas = _timeit(lambda: np.matmul(J, P, out=H), min_time, 20)
    t_kernel = _timeit(kernel, min_time, 20)
    return {"N": N, "K": K, "dtype": dtype, "blas_us": t_blas * 1e6, "kernel_us": t_kernel * 1e6,
            "speedup": t_blas / t_kernel}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="N in {1000, 2000}, K in {1, 32}, short timings")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads for all three measurements")
    ap.add_argument("--json", help="write the rows to this JSON file")
    a = ap.parse_args()
    Ns = (1000, 2000) if a.quick else (1000, 2000, 4000)
    Ks = (1, 32) if a.quick else (1, 8, 32, 128)
    min_time = 0.3 if a.quick else 1.0
    rows = []
    with threadpool_limits(a.threads, user_api="blas"):
        blas = [
            (d.get("internal_api"), d.get("num_threads"), d.get("architecture"))
            for d in threadpool_info()
            if d.get("user_api") == "blas"
        ]
        print(f"BLAS: {blas}")
        print(
            f"{'N':>5} {'K':>4} {'sim/s':>10} {'gemm/s':>10} {'loop/s':>10} {'sim/gemm':>9} {'sim/loop':>9} {'GFLOP/s':>8}"
            f" {'f32/f64':>8}"
        )
        for N in Ns:
            for K in Ks:
                r = bench(N, K, min_time)
                rows.append(r)
                print(
                    f"{N:5d} {K:4d} {r['sim_trial_steps_per_s']:10.0f} {r['gemm_trial_steps_per_s']:10.0f} "
                    f"{r['loop_trial_steps_per_s']:10.0f} {r['sim_over_gemm']:9.2f} {r['sim_over_loop']:9.2f} {r['gemm_gflops']:8.1f}"
                    f" {r['float32_speedup']:8.2f}",
                    flush=True,
                )
        few = []
        print(f"few trials, one thread: {'N':>5} {'K':>3} {'dtype':>8} {'BLAS us':>9} {'kernel us':>10} {'speed-up':>9}")
        with threadpool_limits(1, user_api="blas"):
            for N in (300, *Ns[:2]):
                for K in (2, 4, 8, 16):
                    for dtype in ("float32", "float64"):
                        r = bench_few(N, K, dtype, min_time / 2)
                        few.append(r)
                        print(f"{'':23s}{N:5d} {K:3d} {dtype:>8} {r['blas_us']:9.1f} {r['kernel_us']:10.1f} "
                              f"{r['speedup']:9.2f}", flush=True)
    ok = all(r["sim_over_gemm"] >= 0.7 and r["sim_over_loop"] >= 3 for r in rows if r["K"] >= 32 and r["N"] >= 2000)
    print(f"target (K>=32, N>=2000: sim/gemm >= 0.70 and sim/loop >= 3): {'MET' if ok else 'NOT MET'}")
    ok_few = all(r["speedup"] >= {2: 1.5, 4: 1.1}[r["K"]] for r in few if r["K"] <= 4)
    print(f"target (few trials, N=300-2000: kernel/BLAS speed-up >= 1.5 at K=2, >= 1.1 at K=4): "
          f"{'MET' if ok_few else 'NOT MET'}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"threads": a.threads, "blas": blas, "rows": rows, "target_met": ok, "few": few,
                       "few_target_met": ok_few}, fh, indent=1)


if __name__ == "__main__":
    main()
