"""Dimension theory: a 30-point PR/N-vs-g curve from theory beside the simulation time for one point at 5 %.

Measures, after compilation (one warm-up solve builds / loads the generated code):

* ``theory_linear``: ``solve_linear`` at ``--points`` values of g in [0.05, 0.95] (equal-time, sigma2 = 1);
* ``theory_tanh``: ``solve_nonlinear`` (two-site cavity) for tanh with white noise (sigma2 = 1) at ``--points``
  values of g in [0.5, 2.5] (target for each curve: < 3 s);
* ``simulation``: the linear network at g = 0.5 (equal-time, sigma2 = 1): ``--networks`` networks of ``--N``
  neurons (batched trials, cross-block estimator, :mod:`workbench.theories.dimension.checks`), the time per
  network, the spread of PR/N over networks and the number of networks (and the time) for which the
  Student-t tolerance ``k SE`` is 5 % of PR/N (k at the false-alarm rate of 4 Gaussian SE);
* ``simulation_tanh``: tanh g = 1.2, sigma2 = 1 at ``--N`` (T = 300, 2 trials, dt = 0.025), ``--networks`` pilot
  networks each with and without its linear twin (:func:`~workbench.theories.dimension.checks.twinned_job`): seconds
  per network both ways, and the networks (and seconds) for a 5 % check of PR/N and of N var_cross of x from the plain
  mean (dof n - 1) and from the control-variate mean (residual SD of the fit on both twin controls, dof n - 3);
* ``exact_covariances``: per ``--exact-N``, the exact equal-time covariances of one linear network's flow and of the
  simulator's steps (what each simulated linear network and linear twin needs) from one eigendecomposition
  (:mod:`workbench.theories.dimension.exact`) against the two Schur-based Lyapunov solves of the reference, both on one
  BLAS thread in the same run, and their ratio (measured at N = 1000: 1.9 s against 5.9 s).

Usage: ``python benchmarks/bench_dimension.py [--points 30] [--N 400] [--networks 4] [--tanh-networks 8]
[--exact-N 500 1000] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from workbench.compare import student_k
from workbench.spec import ModelSpec
from workbench.theories.dimension.checks import DimensionRun, dimension_job, dimension_samples
from workbench.theories.dimension.linear import solve_linear


def theory_curves(points: int) -> dict[str, float]:
    """Seconds for the linear and the tanh PR/N curves (after one warm-up solve each)."""
    from workbench.theories.dimension.nonlinear import solve_nonlinear

    solve_linear(0.5, 1.0)
    t0 = time.perf_counter()
    lin = [solve_linear(g, 1.0).PR_over_N_x for g in np.linspace(0.05, 0.95, points)]
    t_lin = time.perf_counter() - t0
    solve_nonlinear(ModelSpec.simple(N=1000, g=1.5, phi="tanh", sigma2=1.0))
    t0 = time.perf_counter()
    nl = [solve_nonlinear(ModelSpec.simple(N=1000, g=g, phi="tanh", sigma2=1.0)).PR_over_N_phi
          for g in np.linspace(0.5, 2.5, points)]
    t_nl = time.perf_counter() - t0
    return {"theory_linear_s": t_lin, "theory_tanh_s": t_nl, "points": points,
            "PR_linear_range": [min(lin), max(lin)], "PR_tanh_range": [min(nl), max(nl)]}


def networks_for(rel: float, mean: float, sd: float, lost: int = 1) -> int:
    """Fewest networks n with ``k(n - lost dof) * sd / sqrt(n) <= rel * mean``."""
    n = lost + 1
    while student_k(dof=n - lost) * sd / math.sqrt(n) > rel * abs(mean) and n < 10_000:
        n += 1
    return n


def simulation_point(N: int, networks: int) -> dict[str, float]:
    """Time per network and networks needed for a 5 % PR/N check (linear, g = 0.5, equal-time)."""
    spec = ModelSpec.simple(N=N, g=0.5, phi="linear", sigma2=1.0)
    run = DimensionRun(N=N, networks=networks, trials=4, T=1000.0, n_blocks=8, seed=7)
    t0 = time.perf_counter()
    arrays = dimension_samples(dimension_job(spec, run).params)
    per = (time.perf_counter() - t0) / networks
    pr = arrays["x"][:, 0]
    need = networks_for(0.05, float(pr.mean()), float(pr.std(ddof=1)))
    return {"N": N, "T": run.T, "trials": run.trials, "dt": run.dt, "seconds_per_network": per,
            "PR_over_N_mean": float(pr.mean()), "PR_over_N_sd": float(pr.std(ddof=1)),
            "networks_for_5pct": need, "seconds_for_5pct": need * per}


def simulation_point_twin(N: int, networks: int) -> dict[str, float]:
    """Networks and seconds for a 5 % check of tanh's PR/N and N var_cross of x, plain against control-variate mean."""
    from workbench.sim.estimators import DIMENSION_KEYS
    from workbench.theories.dimension.checks import controlled_mean, twin_controls, twinned_job

    spec = ModelSpec.simple(N=N, g=1.2, phi="tanh", sigma2=1.0)
    run = DimensionRun(N=N, networks=networks, trials=2, T=300.0, dt=0.025, n_blocks=8, seed=70)
    t0 = time.perf_counter()
    dimension_samples(dimension_job(spec, run).params)
    per_plain = (time.perf_counter() - t0) / networks
    t0 = time.perf_counter()
    arrays = dimension_samples(twinned_job(spec, run).params)
    per_twin = (time.perf_counter() - t0) / networks
    controls = twin_controls(arrays)
    out: dict[str, float] = {"N": N, "T": run.T, "trials": run.trials, "dt": run.dt, "pilot_networks": networks,
                             "seconds_per_network_plain": per_plain, "seconds_per_network_twin": per_twin}
    for key in ("PR_over_N", "N_var_cross"):
        i = DIMENSION_KEYS.index(key)
        y = arrays["x"][:, i]
        n_plain = networks_for(0.05, float(y.mean()), float(y.std(ddof=1)))
        n_twin = networks_for(0.05, float(y.mean()), controlled_mean(y, controls[:, i, :]).residual_sd, lost=3)
        out.update({f"{key}_networks_plain": n_plain, f"{key}_seconds_plain": n_plain * per_plain,
                    f"{key}_networks_twin": n_twin, f"{key}_seconds_twin": n_twin * per_twin})
    return out


def exact_covariances(Ns: list[int]) -> dict[str, dict[str, float]]:
    """Seconds for the flow + step equal-time covariances of one linear network (g = 0.8, dt = 0.025): modal against
    the Schur-based reference, one BLAS thread."""
    from threadpoolctl import threadpool_limits

    from workbench.theories.dimension import exact

    out = {}
    dt = 0.025
    a, b, nf = math.exp(-dt), 1.0 - math.exp(-dt), math.sqrt(0.5 * (1.0 - math.exp(-2 * dt)))
    for N in Ns:
        J = np.random.default_rng(N).normal(0.0, 0.8 / math.sqrt(N), (N, N))
        with threadpool_limits(1):
            t0 = time.perf_counter()
            basis = exact.ModalBasis(J)
            modal = (exact.equal_time_covariance(basis), exact.step_covariances(basis, a, b, nf, "equal-time"))
            t1 = time.perf_counter()
            ref = (exact.equal_time_covariance_reference(J),
                   exact.step_covariances_reference(J, a, b, nf, "equal-time"))
            t2 = time.perf_counter()
        err = max(float(np.max(np.abs(m - r)) / np.max(np.abs(r))) for m, r in zip(modal, ref, strict=True))
        out[str(N)] = {"seconds_modal": t1 - t0, "seconds_reference": t2 - t1, "ratio": (t2 - t1) / (t1 - t0),
                       "max_relative_difference": err}
    return out


def main() -> None:
    """Run both measurements and print (or write) them."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=30)
    ap.add_argument("--N", type=int, default=400)
    ap.add_argument("--networks", type=int, default=4)
    ap.add_argument("--tanh-networks", type=int, default=8)
    ap.add_argument("--exact-N", type=int, nargs="+", default=[500, 1000])
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    out = {**theory_curves(a.points), "simulation": simulation_point(a.N, a.networks),
           "simulation_tanh": simulation_point_twin(a.N, a.tanh_networks), "exact_covariances": exact_covariances(a.exact_N)}
    text = json.dumps(out, indent=2)
    print(text)
    if a.json:
        with open(a.json, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
