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
* ``by_g``: Delta0-only, full-solve and plain-SciPy times per point at g = 1.5, 3, 10, 20 (median of 5);
* ``kinked``: full-solve time per point (median of 5) for kinked phi, x/(1+|x|) at g = 1.5, 3, 10, 20, relu
  at g = 0.5, 0.9, 1.1, 1.3 (J0 = 0; g < sqrt 2) and, with a mean (J0 = -1: the (Delta0, Delta_inf, mu)
  system by Newton's method), relu at g = 1.1, 1.5 and x/(1+|x|) at g = 3, 10 (split Gauss-Legendre inner
  averages; target < 50 ms), with the ``Delta_tau`` error estimate;
* ``cavity`` (with ``--cavity``): the Clark cavity Lyapunov spectrum as the CLI computes it (k = 5 of
  N = 200, thresholds down to s_KY, error estimates) at g = 2 and 3 (target < 10 s), its first exponent,
  D_KY/N and their error estimates;
* ``lag``: the lag-grid solver (no energy integral) on the ``ei`` preset (two populations) and on
  OU noise (tau_n = 1), 10 g values each (no per-point target: these are iterative grid solves).

Usage: ``python benchmarks/bench_dmft.py [--points 50] [--sigma2 0.5] [--backend numba] [--cavity] [--json out.json]``.
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


def kinked_times(backend: str, sigma2: float) -> dict[str, dict[str, float]]:
    """Full-solve time (median of 5, after a warm-up) and the Delta(tau) error estimate for kinked phi."""
    rows: dict[str, dict[str, float]] = {}
    cases = (("x/(1+abs(x))", 0.0, (1.5, 3.0, 10.0, 20.0)), ("relu", 0.0, (0.5, 0.9, 1.1, 1.3)),
             ("relu", -1.0, (1.1, 1.5)), ("x/(1+abs(x))", -1.0, (3.0, 10.0)))
    for phi, J0, gs in cases:
        coupling = {"g": gs[0], "J0": J0}
        spec = ModelSpec.from_dict({"phi": phi, "coupling": coupling, "noise": {"kind": "white", "sigma2": sigma2}})
        solver = DMFTProblem(spec).build_solver(backend=backend)
        for g in gs:
            s = spec.with_overrides(g=g)
            r = solver.solve(s)
            ts = []
            for _ in range(5):
                t = time.perf_counter()
                solver.solve(s)
                ts.append(time.perf_counter() - t)
            rows[f"{phi} g={g}" + (f" J0={J0:g}" if J0 else "")] = {
                "full_ms": 1e3 * float(np.median(ts)),
                "Delta_tau_error_estimate_rel": r.error_estimates["Delta_tau"] / r.Delta0,
            }
    return rows


def cavity_times() -> dict[str, dict[str, float]]:
    """Cavity Lyapunov spectrum as ``workbench dmft --lyapunov-k 5`` computes it: seconds, lambda_1, D_KY/N, estimates."""
    from workbench.theories.dmft.lyapunov_cavity import lyapunov_spectrum_cavity

    rows: dict[str, dict[str, float]] = {}
    for g in (2.0, 3.0):
        spec = ModelSpec.simple(N=400, g=g)
        res = DMFTProblem(spec).build_solver().solve(spec)
        t = time.perf_counter()
        sp_ = lyapunov_spectrum_cavity(spec, k=5, N=200, result=res, s_low=None)
        est = sp_.error_estimates
        rows[f"g={g}"] = {
            "seconds": time.perf_counter() - t,
            "lambda_1": float(sp_.exponents[0]),
            "lambda_1_error_estimate": float(est["exponents"][0]),
            "kaplan_yorke_fraction": sp_.kaplan_yorke_fraction,
            "kaplan_yorke_fraction_error_estimate": est["kaplan_yorke_fraction"],
            **{f"{part}_lambda_1": float(v["exponents"][0]) for part, v in est["parts"].items()},
        }
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=50)
    ap.add_argument("--sigma2", type=float, default=0.5)
    ap.add_argument("--backend", default="numba", choices=("numba", "numpy"))
    ap.add_argument("--cavity", action="store_true", help="also time the cavity Lyapunov spectrum (~20 s)")
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
    out["by_g"] = {}
    for g in (1.5, 3.0, 10.0, 20.0):  # per-point times at the couplings (median of 5)
        s = spec.with_overrides(g=g)
        solver.solve(s)
        row = {}
        for key, call in (
            ("delta0_ms", lambda s=s: solver.solve(s, what="Delta0")),
            ("full_ms", lambda s=s: solver.solve(s)),
            ("scipy_plain_ms", lambda g=g: scipy_plain_delta0(g, a.sigma2)),
        ):
            ts = []
            for _ in range(5):
                t = time.perf_counter()
                call()
                ts.append(time.perf_counter() - t)
            row[key] = 1e3 * float(np.median(ts))
        out["by_g"][str(g)] = row
    out["ratio_full_over_scipy_plain"] = out["full"]["median_ms"] / out["scipy_plain"]["ms_per_point"]
    out["kinked"] = kinked_times(a.backend, a.sigma2)
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
    if a.cavity:
        out["cavity"] = cavity_times()
    out["target_ms"] = {"full": 50.0, "sweep_delta0": 0.4}
    out["met"] = {
        "full": out["full"]["median_ms"] < 50.0 and all(r["full_ms"] < 50.0 for r in out["by_g"].values()),
        "sweep_delta0": out["sweep_delta0"]["ms_per_point"] <= 0.4,
        "kinked_full": all(r["full_ms"] < 50.0 for r in out["kinked"].values()),
    }
    print(json.dumps(out, indent=1))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
