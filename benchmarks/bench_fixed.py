"""Fixed-connectivity theory: prediction time for one N x N network against the simulation time that reaches the
same pairwise accuracy.

    python benchmarks/bench_fixed.py [--sizes 500 1000 2000 4000] [--g 1.2] [--sigma2 1] [--rel-error 0.05]

For each N: time ``predict(J)`` (one eigendecomposition of J D plus LU solves: O(N^3) time, a few N x N complex
matrices of memory); simulate the same J for ``--T0`` and measure, from independent time blocks, the sampling
variance v of one simulated pair covariance C_ij over a duration T0 (v T is constant for T >> tau_c). A simulation
estimates the pairs to the theory's relative accuracy ``eps`` (``--rel-error``; the measured leading-order error of
the report's size study is 5-7 % at g = 1.2, sigma2 = 1, N = 100-400) when ``sqrt(v T0 / T) = eps rms(C_ij)``,
i.e. after ``T = v T0 / (eps^2 mean C_ij^2)``; its cost is T times the measured cost per unit time (one BLAS thread,
dt = 0.05, exponential Euler).
"""

from __future__ import annotations

import argparse
import time

from workbench.sim import simulate
from workbench.sim.estimators import agreement_from_moments, iter_block_covariances, pair_moments
from workbench.sim.network import build_network
from workbench.spec import ModelSpec
from workbench.theories.fixed import predict


def measure(N: int, g: float, sigma2: float, T0: float, eps: float, seed: int = 0) -> dict[str, float]:
    """Prediction time, simulation cost per unit time and the simulated duration / time for accuracy ``eps``."""
    spec = ModelSpec.simple(N=N, g=g, phi="tanh", sigma2=sigma2)
    net = build_network(spec, seed)
    t0 = time.perf_counter()
    res = predict(net.J, "tanh", sigma2)
    t_pred = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = simulate(spec, T=T0 + 20.0, dt=0.05, burn_in=20.0, stride=10, record=("traj",), neurons=N, network=net,
                   seed=seed, blas_threads=1)
    per_time = (time.perf_counter() - t0) / (T0 + 20.0)
    m = pair_moments(res.cov_x, iter_block_covariances(sim.traj, 8))
    v_T0 = agreement_from_moments(m).noise_var * T0
    ms_p = float(m["p2"]) / float(m["n"])
    T_need = v_T0 / (eps**2 * ms_p)
    return {"N": N, "predict_s": t_pred, "sim_s_per_time": per_time, "T_needed": T_need, "sim_s": T_need * per_time}


def main() -> None:
    """Print one row per size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    ap.add_argument("--g", type=float, default=1.2)
    ap.add_argument("--sigma2", type=float, default=1.0)
    ap.add_argument("--T0", type=float, default=200.0)
    ap.add_argument("--rel-error", type=float, default=0.05)
    a = ap.parse_args()
    print(f"g = {a.g}, sigma2 = {a.sigma2}, target relative pair accuracy {a.rel_error}")
    print(f"{'N':>6} {'predict [s]':>12} {'sim [s/unit time]':>18} {'T needed':>10} {'sim [s]':>10} {'ratio':>8}")
    for N in a.sizes:
        r = measure(N, a.g, a.sigma2, a.T0, a.rel_error)
        print(f"{N:>6} {r['predict_s']:>12.2f} {r['sim_s_per_time']:>18.4f} {r['T_needed']:>10.3g} "
              f"{r['sim_s']:>10.3g} {r['sim_s'] / r['predict_s']:>8.3g}", flush=True)


if __name__ == "__main__":
    main()
