"""Noiseless chaos (the CLI default, sigma2 = 0): the cavity's PR/N, mean autocovariance and N var_cross against
simulated networks over N, with the time step's bias measured by paired step halving.

    python benchmarks/study_dimension_chaos.py [--phi tanh] [--g 2] [--Ns 500 1000 2000] [--networks 16 8 4]
        [--T 2000] [--trials 4] [--dt 0.05] [--seed 90000] [--out chaos.json]
    python benchmarks/study_dimension_chaos.py --from chaos.json      # re-summarise with the current theory

Network ``i`` of size N has seed ``seed + 1000 N + i``; it is simulated at ``dt`` and at ``dt / 2`` with the same
seed (same J, initial state), and its cross-block statistics (:func:`~workbench.theories.dimension.checks.
measure_network`, known zero mean) are paired. The exponential Euler map's bias is first order in dt, so
``2 v(dt / 2) - v(dt)`` (Richardson) removes it network by network; the study prints, per N and statistic, the
network means at both steps, the Richardson value with its paired SE, the theory (``workbench dimension --phi PHI
--g G --json``) and the relative deviation, and the step bias ``v(dt) - v(0)`` relative to the theory.

Measured (tanh, g = 2, T = 2000 x 4 trials, 2026-11-28; seeds 90000 + 1000 N + i): at dt = 0.05 the simulated
PR/N of x sits +12.8 +- 3.6 % above the theory at N = 2000 (6 networks) and +12.8 +- 6.5 % at N = 1000 (12). Halving
dt on 8 networks of N = 1000 moves it by -3.1 +- 1.1 % (N var_cross of x by +3.8 +- 1.7 %), so about +6 % of the
excess is the step's; the run length does not matter (T = 8000 x 1 against 2000 x 4, paired: -0.2 +- 2.4 %). The
per-network spread is large (SD of PR/N about 20 % at N = 1000: a few slow collective modes carry tr C^2), which is
why the report checks noiseless chaos against Clark et al.'s published theory, not against simulation. One BLAS
thread; wrap long runs in ``flock /tmp/cpu.lock``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

import numpy as np

from workbench.io import atomic_write_text
from workbench.sim.estimators import DIMENSION_KEYS
from workbench.spec import ModelSpec
from workbench.theories.dimension.checks import DimensionRun, measure_network
from workbench.theories.dimension.nonlinear import solve_nonlinear

STATS = ("PR_over_N", "mean_autocov", "N_var_cross")
"""The statistics compared (of x and of phi)."""


def _row(spec: ModelSpec, run: DimensionRun, seed: int) -> list[float]:
    """The statistics of x then phi of one simulated network."""
    out = measure_network(spec, run, "equal-time", seed)
    return [float(out[w][DIMENSION_KEYS.index(k)]) for w in ("x", "phi") for k in STATS]


def simulate_sizes(a: argparse.Namespace) -> dict[str, Any]:
    """Rows (networks x statistics) at ``dt`` and ``dt / 2`` per N."""
    spec = ModelSpec.simple(g=a.g, phi=a.phi, sigma2=0.0)
    rows: dict[str, Any] = {}
    for N, n in zip(a.Ns, a.networks, strict=True):
        t0 = time.perf_counter()
        pair = []
        for dt in (a.dt, a.dt / 2):
            run = DimensionRun(N=N, networks=n, trials=a.trials, T=a.T, dt=dt, burn_in=a.burn_in, dtype="float32")
            pair.append([_row(spec, run, a.seed + 1000 * N + i) for i in range(n)])
        rows[str(N)] = {"coarse": pair[0], "fine": pair[1]}
        print(f"N = {N}: {n} networks at dt = {a.dt:g} and {a.dt / 2:g} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return rows


def summarise(rows: dict[str, Any], theory: dict[str, float]) -> dict[str, Any]:
    """Per N and statistic: means at both steps, the paired Richardson value, deviation and step bias."""
    out: dict[str, Any] = {}
    names = [f"{k}_{w}" for w in ("x", "phi") for k in STATS]
    for N, r in rows.items():
        coarse, fine = np.asarray(r["coarse"]), np.asarray(r["fine"])
        n = coarse.shape[0]
        for j, name in enumerate(names):
            rich = 2 * fine[:, j] - coarse[:, j]
            th = theory[name]
            se = float(rich.std(ddof=1) / math.sqrt(n))
            out[f"N={N} {name}"] = {
                "N": int(N), "networks": n, "theory": th, "coarse": float(coarse[:, j].mean()),
                "fine": float(fine[:, j].mean()), "richardson": float(rich.mean()), "richardson_se": se,
                "deviation": float(rich.mean() / th - 1), "deviation_se": se / abs(th),
                "step_bias": float((coarse[:, j] - rich).mean() / th),
            }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phi", default="tanh")
    ap.add_argument("--g", type=float, default=2.0)
    ap.add_argument("--Ns", type=int, nargs="+", default=[500, 1000, 2000])
    ap.add_argument("--networks", type=int, nargs="+", default=[16, 8, 4])
    ap.add_argument("--T", type=float, default=2000.0)
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--dt", type=float, default=0.05)
    ap.add_argument("--burn-in", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=90000)
    ap.add_argument("--out", help="write the rows and the summary as JSON")
    ap.add_argument("--from", dest="src", help="re-summarise the rows of an earlier --out")
    a = ap.parse_args(argv)
    if len(a.Ns) != len(a.networks):
        ap.error("--networks: one count per --Ns entry")
    if min(a.networks) < 2:
        ap.error(f"--networks: at least 2 per size (the SE is over networks), got {min(a.networks)}")
    if a.src:
        with open(a.src) as fh:
            stored = json.load(fh)
        rows, a = stored["rows"], argparse.Namespace(**{**vars(a), **stored["args"], "src": a.src})
    else:
        rows = simulate_sizes(a)
    theory = solve_nonlinear(ModelSpec.simple(g=a.g, phi=a.phi, sigma2=0.0)).summary()
    summary = summarise(rows, theory)
    print(f"noiseless {a.phi}, g = {a.g:g}; T = {a.T:g} x {a.trials} trials, dt = {a.dt:g} and {a.dt / 2:g}")
    for key, s in summary.items():
        print(f"{key}: theory {s['theory']:.5g}; sim dt {s['coarse']:.5g}, dt/2 {s['fine']:.5g}; Richardson "
              f"{s['richardson']:.5g} +- {s['richardson_se']:.2g} ({s['deviation']:+.1%} +- {s['deviation_se']:.1%}); "
              f"step bias at dt {s['step_bias']:+.1%} ({s['networks']} networks)")
    if a.out and not a.src:
        atomic_write_text(a.out, json.dumps({"args": vars(a), "rows": rows, "summary": summary}, indent=1,
                                            allow_nan=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
