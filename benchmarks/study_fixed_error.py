"""Fixed-connectivity theory: the systematic pair error, its time-step part and its scaling with N (issue 15).

    python benchmarks/study_fixed_error.py [--Ns 250 500 1000] [--networks 3] [--dts 0.05] [--g 1.2] [--sigma2 1]
        [--T 1000 [one per N]] [--trials 4] [--blocks 4] [--gains per-neuron] [--seed 100]

For each N, ``--networks`` networks (seeds ``seed, seed + 1, ...``), each simulated at every ``--dts`` (exponential
Euler, samples every 0.5, ``trials`` x ``T`` after a burn-in of 50, ``trials x blocks`` independent blocks), compared
with ``predict(J, gains=...)`` pair by pair over all N(N-1)/2 off-diagonal equal-time covariances:

* slope cov(p, s)/var(p) of x and phi (unbiased by the sampling noise of s; jackknife SE over blocks), with p the flow
  prediction plus the exact exponential-Euler bias of the linear-equivalent step map
  (:func:`workbench.theories.fixed.checks.step_bias`), and ``flow`` the slope on the flow alone;
* relative rms error ``sqrt((mean (s - p)^2 - v) / mean p^2)`` (v: the sampling variance of a pair, from the blocks),
  the error of the leading order itself;
* cross-block PR/N of x, simulated and predicted (flow + time-step bias).

Per N the relative errors of the networks are averaged (SE from their spread when there are >= 2 networks, else the
jackknife SE) and fitted with ``A N^b`` (:func:`workbench.theories.fixed.checks.error_scaling`); 1/sqrt(N) means
b = -0.5. One BLAS thread; wrap long runs in ``flock /tmp/cpu.lock``.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.sim import simulate
from workbench.sim.estimators import agreement_from_moments, cross_block_dimension, iter_block_covariances, pair_moments
from workbench.theories.fixed import predict
from workbench.theories.fixed.checks import FixedRun, ScalingFit, error_scaling, network_of, step_bias

BURN_IN = 50.0
"""Burn-in before recording (units of tau)."""
SAMPLE_EVERY = 0.5
"""Recording interval (units of tau)."""


def _agreements(traj: np.ndarray, flow: np.ndarray, bias: np.ndarray, n_blocks: int) -> tuple[Any, Any]:
    """Pair agreements of the simulated blocks with flow + bias and with the flow alone."""
    blocks = list(iter_block_covariances(traj, n_blocks))
    return (agreement_from_moments(pair_moments(flow + bias, blocks)),
            agreement_from_moments(pair_moments(flow, blocks)))


def measure(N: int, g: float, sigma2: float, seed: int, dt: float, T: float, trials: int, n_blocks: int,
            gains: str = "per-neuron") -> dict[str, Any]:
    """One network at one time step: slopes, relative errors and PR/N (see the module docstring)."""
    run = FixedRun(N=N, g=g, sigma2=sigma2, trials=trials, T=T, burn_in=BURN_IN, dt=dt, sample_every=SAMPLE_EVERY,
                   n_blocks=n_blocks, n_obs=min(N, 160), seed=seed)
    net = network_of(run)
    t0 = time.perf_counter()
    res = predict(net.J, run.phi, sigma2, gains=gains)
    bias = step_bias(net.J, res.site, sigma2, dt, run.method)
    t_pred = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = simulate(run.spec(), T=BURN_IN + T, dt=dt, trials=trials, seed=seed, burn_in=BURN_IN, stride=run.stride,
                   record=("traj", "traj_phi"), neurons=N, network=net, method=run.method, blas_threads=1)
    t_sim = time.perf_counter() - t0
    row: dict[str, Any] = {"N": N, "seed": seed, "dt": dt, "gains": gains, "g_eff": res.g_eff,
                           "predict_s": t_pred, "sim_s": t_sim}
    for name, traj, P in (("x", sim.traj, res.cov_x), ("phi", sim.traj_phi, res.cov_phi)):
        ag, flow = _agreements(traj, P, bias[f"cov_{name}"], n_blocks)
        row.update({f"slope_{name}": ag.slope, f"slope_{name}_se": ag.se["slope"], f"slope_{name}_flow": flow.slope,
                    f"rel2_{name}": ag.rel_error2, f"rel2_{name}_se": ag.se["rel_error2"],
                    f"rel2_{name}_flow": flow.rel_error2})
    est = cross_block_dimension(sim.traj, n_blocks)
    C = res.cov_x + bias["cov_x"]
    row.update(PR_sim=est.values["PR_over_N"], PR_sim_se=est.se["PR_over_N"],
               PR_theory=float(np.trace(C) ** 2 / (N * np.sum(C * C))))
    return row


def relative_error(rel2: float, se2: float) -> tuple[float, float]:
    """``sqrt(rel2)`` and its SE ``se2 / (2 sqrt(rel2))`` (0 and ``sqrt(se2)`` when rel2 <= 0: below the noise)."""
    if rel2 <= 0:
        return 0.0, math.sqrt(max(se2, 0.0))
    return math.sqrt(rel2), se2 / (2.0 * math.sqrt(rel2))


def combine(rows: Sequence[dict[str, Any]], name: str = "x") -> tuple[float, float]:
    """Relative rms pair error of one size: the squared errors averaged over its networks (SE from their spread
    when there are >= 2, else the jackknife SE), then the square root (:func:`relative_error`)."""
    y = np.array([r[f"rel2_{name}"] for r in rows], float)
    se2 = float(y.std(ddof=1) / math.sqrt(len(y))) if len(y) >= 2 else float(rows[0][f"rel2_{name}_se"])
    return relative_error(float(y.mean()), se2)


def fit_sizes(rows: Sequence[dict[str, Any]], name: str = "x", dt: float | None = None) -> ScalingFit:
    """Fit ``A N^b`` to the per-size relative error of ``name`` (rows at time step ``dt``; None: the smallest)."""
    dt = min(r["dt"] for r in rows) if dt is None else dt
    Ns = sorted({r["N"] for r in rows if r["dt"] == dt})
    stats = [combine([r for r in rows if r["N"] == n and r["dt"] == dt], name) for n in Ns]
    return error_scaling(Ns, [m for m, _ in stats], [s for _, s in stats])


HEADER = (f"{'N':>5} {'seed':>5} {'dt':>7} {'g_eff':>6} {'slope x':>15} {'flow':>6} {'slope phi':>15} {'flow':>6} "
          f"{'rel err x':>15} {'rel err phi':>15} {'PR/N x sim':>15} {'theory':>7} {'sim s':>6}")


def format_row(r: dict[str, Any]) -> str:
    """One table line."""
    def pm(k: str) -> str:
        return f"{r[k]:.4f}+-{r[k + '_se']:.4f}"

    def rel(name: str) -> str:
        return "{:.4f}+-{:.4f}".format(*relative_error(r[f"rel2_{name}"], r[f"rel2_{name}_se"]))

    return (f"{r['N']:>5} {r['seed']:>5} {r['dt']:>7g} {r['g_eff']:>6.3f} {pm('slope_x'):>15} {r['slope_x_flow']:>6.3f} "
            f"{pm('slope_phi'):>15} {r['slope_phi_flow']:>6.3f} {rel('x'):>15} {rel('phi'):>15} "
            f"{r['PR_sim']:>.4f}+-{r['PR_sim_se']:.4f} {r['PR_theory']:>7.4f} {r['sim_s']:>6.1f}")


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Print the table, the per-size means and the fitted exponents; return the rows."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--Ns", type=int, nargs="+", default=[250, 500, 1000])
    ap.add_argument("--networks", type=int, default=3)
    ap.add_argument("--dts", type=float, nargs="+", default=[0.05])
    ap.add_argument("--g", type=float, default=1.2)
    ap.add_argument("--sigma2", type=float, default=1.0)
    ap.add_argument("--T", type=float, nargs="+", default=[1000.0], help="one duration, or one per N")
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--gains", default="per-neuron")
    ap.add_argument("--seed", type=int, default=100)
    a = ap.parse_args(argv)
    Ts = dict(zip(a.Ns, a.T * len(a.Ns) if len(a.T) == 1 else a.T, strict=True))
    print(f"tanh, g = {a.g:g}, sigma2 = {a.sigma2:g}, gains = {a.gains}, {a.trials} x T = "
          + ", ".join(f"{t:g} (N={n})" for n, t in Ts.items()) + " "
          f"({a.trials * a.blocks} blocks), samples every {SAMPLE_EVERY:g}, exponential Euler")
    print(HEADER)
    rows = []
    for N in a.Ns:
        for k in range(a.networks):
            for dt in a.dts:
                rows.append(measure(N, a.g, a.sigma2, a.seed + k, dt, Ts[N], a.trials, a.blocks, a.gains))
                print(format_row(rows[-1]), flush=True)
    for dt in a.dts:
        for name in ("x", "phi"):
            at = [r for r in rows if r["dt"] == dt]
            per_n = [(n, *combine([r for r in at if r["N"] == n], name)) for n in a.Ns]
            slopes = [np.mean([r[f"slope_{name}"] for r in at if r["N"] == n]) for n in a.Ns]
            print(f"dt = {dt:g}, {name}: relative rms pair error (mean slope) " + ", ".join(
                f"N={n}: {m:.4f}+-{s:.4f} ({b:.3f})" for (n, m, s), b in zip(per_n, slopes, strict=True)))
            if len(a.Ns) >= 2 and min(m for _, m, _ in per_n) > 0:
                f = fit_sizes(rows, name, dt)
                print(f"  fit error = A N^b: b = {f.exponent:.3f} +- {f.exponent_se:.3f}, A = {f.amplitude:.3g}, "
                      f"chi2 = {f.chi2:.2g} ({len(a.Ns) - 2} dof)")
    return rows


if __name__ == "__main__":
    main()
