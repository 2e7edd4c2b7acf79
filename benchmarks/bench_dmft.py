"""Generated stationary DMFT solver: timing of a 50-point g sweep.

Measures, after compilation (the first build also compiles/loads the generated modules):

* ``build``: DMFTProblem(spec).build_solver() (derivation from the disk cache + code generation);
* ``delta0``: solve(curves=False): Delta0, <phi'>, <phi^2>, regime and the static branch;
* ``full``: solve(): also Delta(tau), tau_1/2, kappa and the Lyapunov exponent at the default accuracy
  (1e-8 / 1e-6; target < 50 ms per solve);
* ``sweep_delta0``: ``solver.sweep(spec, g_values, what="Delta0")`` (warm-started; error estimates
  included; target <= 0.4 ms per point, the fastest public peer measured here);
* ``scipy_plain``: what a user would write: ``brentq`` on the energy condition with ``quad`` averages
  (same g values), and the ratios ``scipy_plain / sweep_delta0`` and ``full / scipy_plain``;
* ``lag``: the lag-grid solver (no energy integral) on the ``ei`` preset (two populations) and on
  OU noise (tau_n = 1), 10 g values each (no per-point target: these are iterative grid solves).

Usage: ``python benchmarks/bench_dmft.py [--points 50] [--sigma2 0.5] [--backend numba] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from workbench.spec import ModelSpec
from workbench.theories.dmft import DMFTProblem


def scipy_plain_delta0(g: float, sigma2: float) -> float:
    """Delta0 of phi = tanh from the energy condition, as a user would write it (brentq + quad)."""
    import math

    from scipy import integrate, optimize

    def avg(f, D):
        s = math.sqrt(D)
        return integrate.quad(lambda z: f(s * z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -10, 10)[0]

    def logcosh(x):
        return abs(x) + math.log1p(math.exp(-2 * abs(x))) - math.log(2)

    def F(D):
        return 0.5 * D * D - g * g * (avg(lambda x: logcosh(x) ** 2, D) - avg(logcosh, D) ** 2) - sigma2**2 / 8

    return optimize.brentq(F, 1e-6, 10 * g * g + 10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=50)
    ap.add_argument("--sigma2", type=float, default=0.5)
    ap.add_argument("--backend", default="numba", choices=("numba", "numpy"))
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    spec = ModelSpec.simple(g=2.0, sigma2=a.sigma2)
    t0 = time.perf_counter()
    solver = DMFTProblem(spec).build_solver(backend=a.backend)
    build = time.perf_counter() - t0
    gs = np.linspace(1.05, 3.0, a.points)
    solver.solve(spec)  # warm-up
    out = {"build_s": build, "points": a.points, "sigma2": a.sigma2, "backend": a.backend}
    for mode, kw in (("delta0", {"curves": False}), ("full", {})):
        times = []
        for g in gs:
            s = spec.with_overrides(g=float(g))
            t = time.perf_counter()
            solver.solve(s, **kw)
            times.append(time.perf_counter() - t)
        times = np.array(times)
        out[mode] = {
            "median_ms": 1e3 * float(np.median(times)),
            "max_ms": 1e3 * float(times.max()),
            "total_s": float(times.sum()),
        }
    solver.sweep(spec, gs)  # warm-up
    t = time.perf_counter()
    sw = solver.sweep(spec, gs, what="Delta0")
    t_sweep = time.perf_counter() - t
    t = time.perf_counter()
    plain = [scipy_plain_delta0(float(g), a.sigma2) for g in gs]
    t_plain = time.perf_counter() - t
    out["sweep_delta0"] = {
        "ms_per_point": 1e3 * t_sweep / a.points,
        "total_s": t_sweep,
        "max_rel_error_estimate": max(r.error_estimates["Delta0"] / r.Delta0 for r in sw),
    }
    out["scipy_plain"] = {
        "ms_per_point": 1e3 * t_plain / a.points,
        "max_rel_diff_to_workbench": max(abs(p - r.Delta0) / r.Delta0 for p, r in zip(plain, sw, strict=True)),
    }
    out["ratio_scipy_plain_over_sweep"] = t_plain / t_sweep
    out["ratio_full_over_scipy_plain"] = out["full"]["median_ms"] / out["scipy_plain"]["ms_per_point"]
    from workbench.spec import preset

    ou = ModelSpec.from_dict(
        {"phi": "tanh", "coupling": {"g": 1.5}, "noise": {"kind": "ou", "sigma2": 0.5, "tau": 1.0}}
    )
    for name, base in (("lag_ei", preset("ei")), ("lag_ou", ou)):
        lag = DMFTProblem(base).build_solver(backend=a.backend)
        lag.solve(base)
        times = []
        for f in np.linspace(0.8, 1.6, 10):
            d = base.to_dict()
            s = ModelSpec.from_dict({**d, "coupling": {**d["coupling"], "g": (f * np.asarray(base.g)).tolist()}})
            t = time.perf_counter()
            lag.solve(s)
            times.append(time.perf_counter() - t)
        out[name] = {"median_ms": 1e3 * float(np.median(times)), "max_ms": 1e3 * float(np.max(times))}
    out["target_ms"] = {"full": 50.0, "sweep_delta0": 0.4}
    out["met"] = {
        "full": out["full"]["median_ms"] < 50.0,
        "sweep_delta0": out["sweep_delta0"]["ms_per_point"] <= 0.4,
    }
    print(json.dumps(out, indent=1))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
