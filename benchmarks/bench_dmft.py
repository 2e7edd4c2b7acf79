"""Generated stationary DMFT solver: timing of a 50-point g sweep.

Measures, after compilation (the first build also compiles/loads the generated modules):

* ``build``: DMFTProblem(spec).build_solver() (derivation from the disk cache + code generation);
* ``delta0``: solve(curves=False): Delta0, <phi'>, <phi^2>, regime (target < 50 ms per solve);
* ``full``: solve(): also Delta(tau), tau_1/2, kappa and the Lyapunov exponent;
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
    out["target_ms"] = 50.0
    out["met"] = out["full"]["median_ms"] < 50.0
    print(json.dumps(out, indent=1))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
