"""Fixed-connectivity theory: prediction time for one N x N network against the simulation time that reaches the
same pairwise accuracy.

    python benchmarks/bench_fixed.py [--sizes 500 1000 2000 4000] [--g 1.2] [--sigma2 1] [--rel-error 0.05]
    python benchmarks/bench_fixed.py --reference [--sizes 1000 2000]

``--reference``: the speed-up of the real-arithmetic equal-time path (real dgeev basis, real products) over the
complex-arithmetic reference (scipy eig, complex U^-1, zherk), both timed in the same run on the same J.

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


def reference_ratio(N: int, g: float, sigma2: float, seed: int = 0) -> dict[str, float]:
    """Seconds of :func:`equal_time` and :func:`equal_time_reference` on one J, and their agreement."""
    import numpy as np

    from workbench.theories.fixed.gains import single_site
    from workbench.theories.fixed.solver import equal_time, equal_time_reference

    J = np.random.default_rng(seed).standard_normal((N, N)) * g / np.sqrt(N)
    site = single_site(J, "tanh", sigma2, "per-neuron", False)
    equal_time(J[:20, :20].copy(), single_site(J[:20, :20], "tanh", sigma2, "per-neuron", False), sigma2)  # compile
    t0 = time.perf_counter()
    fast = equal_time(J.copy(), site, sigma2)
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = equal_time_reference(J.copy(), site, sigma2)
    t_ref = time.perf_counter() - t0
    err = float(np.max(np.abs(fast["cov_x"] - ref["cov_x"])) / np.max(np.abs(ref["cov_x"])))
    return {"N": N, "real_s": t_fast, "reference_s": t_ref, "eig_s": fast["seconds_eig"], "max_rel_diff": err}


def main() -> None:
    """Print one row per size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    ap.add_argument("--g", type=float, default=1.2)
    ap.add_argument("--sigma2", type=float, default=1.0)
    ap.add_argument("--T0", type=float, default=200.0)
    ap.add_argument("--rel-error", type=float, default=0.05)
    ap.add_argument("--reference", action="store_true", help="time the real-arithmetic path against the complex one")
    a = ap.parse_args()
    if a.reference:
        print(f"{'N':>6} {'real [s]':>9} {'(eig) [s]':>10} {'complex ref [s]':>16} {'speed-up':>9} {'max rel diff':>13}")
        for N in a.sizes:
            r = reference_ratio(N, a.g, a.sigma2)
            print(f"{N:>6} {r['real_s']:>9.2f} {r['eig_s']:>10.2f} {r['reference_s']:>16.2f} "
                  f"{r['reference_s'] / r['real_s']:>9.2f} {r['max_rel_diff']:>13.2g}", flush=True)
        return
    print(f"g = {a.g}, sigma2 = {a.sigma2}, target relative pair accuracy {a.rel_error}")
    print(f"{'N':>6} {'predict [s]':>12} {'sim [s/unit time]':>18} {'T needed':>10} {'sim [s]':>10} {'ratio':>8}")
    for N in a.sizes:
        r = measure(N, a.g, a.sigma2, a.T0, a.rel_error)
        print(f"{N:>6} {r['predict_s']:>12.2f} {r['sim_s_per_time']:>18.4f} {r['T_needed']:>10.3g} "
              f"{r['sim_s']:>10.3g} {r['sim_s'] / r['predict_s']:>8.3g}", flush=True)


if __name__ == "__main__":
    main()
