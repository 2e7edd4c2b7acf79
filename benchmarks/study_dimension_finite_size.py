"""Nonlinear networks: the 1/N coefficient of the mean autocovariance, derived vs simulated (issue 14, item 3).

    python benchmarks/study_dimension_finite_size.py [--phi tanh] [--g 1.2] [--sigma2 1] [--Ns 125 250]
        [--networks 160 60] [--T 1000] [--trials 4] [--dt 0.05] [--seed 9000] [--out study.json]
    python benchmarks/study_dimension_finite_size.py --from study.json      # re-summarise with the current theory
    python benchmarks/study_dimension_finite_size.py --from study.json --closure closure.json   # + the closure

Networks ``seed + 1000 N + i`` per size, each simulated and compared with its own shared-gain linear-equivalent
prediction (the control variate of :mod:`workbench.theories.dimension.finite_size_checks`). Prints per statistic the
linear-equivalent coefficient (derived; measured from ``N (shared - value)``), the rest (derived ``coef - c_LE``;
measured from ``N (sim - shared)``) and the coefficient (derived; measured ``c_LE + rest``) with its t and p
(Student-t over the networks); then the same for the cross statistics (N var_cross, PR/N, N var_diag: linear
equivalent derived, rest measured only) and the unit spread N var_diag against its derived O(1) value. One BLAS thread; wrap long runs in ``flock /tmp/cpu.lock``.

``--closure FILE`` also evaluates the self-consistent-gain closure (:mod:`workbench.theories.dimension.closure`) on the
same networks (about 2 s per network of N = 125; kept in FILE and re-used when it matches) and prints, per statistic,
the measured rest ``N (sim - shared)``, the closure's rest ``N (closure - shared)`` and what it misses,
``N (sim - closure)``, paired on the same J.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from workbench.spec import ModelSpec
from workbench.theories.dimension.finite_size_checks import COLUMNS, autocov_samples, cross_summary, summarise
from workbench.theories.dimension.finite_size_nonlinear import nonlinear_finite_size


def _print(summary: dict[str, Any]) -> None:
    """One line per statistic: derived and measured parts and coefficient."""
    for key, s in summary.items():
        le, rest, c = s["linear_equivalent_measured"], s["rest_measured"], s["coef_measured"]
        print(f"{key}: value {s['value']:.6g}; linear equivalent derived {s['linear_equivalent_derived']:.4g}, "
              f"measured {le[0]:.4g} +- {le[1]:.2g}; rest derived {s['rest_derived']:.4g}, measured {rest[0]:.4g} +- "
              f"{rest[1]:.2g}; coef derived {s['coef_derived']:.4g}, measured {c[0]:.4g} +- {c[1]:.2g} "
              f"(t = {s['t']:.2f}, p = {s['p']:.2f})")


def _print_cross(cross: dict[str, Any]) -> None:
    """One line per cross statistic: the linear equivalent (derived, measured) and the measured rest."""
    for key, s in cross.items():
        le, rest = s["linear_equivalent_measured"], s["rest_measured"]
        extra = ""
        if "derived_value" in s:
            sims = ", ".join(f"N={p['N']}: {p['sim'][0]:.4g} +- {p['sim'][1]:.2g}" for p in s["per_size"])
            extra = f"; derived O(1) value {s['derived_value']:.4g}, simulated {sims}"
        print(f"{key}: linear equivalent value {s['linear_equivalent_value']:.5g}, coef derived "
              f"{s['linear_equivalent_derived']:.4g}, measured {le[0]:.4g} +- {le[1]:.2g}; rest N (sim - shared) "
              f"{rest[0]:.4g} +- {rest[1]:.2g}{extra}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phi", default="tanh")
    ap.add_argument("--g", type=float, default=1.2)
    ap.add_argument("--sigma2", type=float, default=1.0)
    ap.add_argument("--Ns", type=int, nargs="+", default=[125, 250])
    ap.add_argument("--networks", type=int, nargs="+", default=[160, 60])
    ap.add_argument("--T", type=float, default=1000.0)
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--dt", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=9000)
    ap.add_argument("--out", default=None)
    ap.add_argument("--closure", default=None, metavar="FILE",
                    help="also the self-consistent-gain closure on the same networks (stored in / re-used from FILE)")
    ap.add_argument("--from", dest="source", default=None,
                    help="re-summarise the rows of an earlier --out file with the current theory (no simulation)")
    a = ap.parse_args(argv)
    if a.source:
        with open(a.source) as fh:
            old = json.load(fh)
        a = argparse.Namespace(**{**old["args"], "out": None, "closure": a.closure})
        rows = {int(N): np.array(r) for N, r in old["rows"].items()}
        unstable = {int(N): u for N, u in old["unstable"].items()}
    else:
        rows, unstable, t0 = {}, {}, time.perf_counter()
        for N, n in zip(a.Ns, a.networks, strict=True):
            params = {"phi": a.phi, "g": a.g, "sigma2": a.sigma2, "N": N, "networks": n, "seed": a.seed + 1000 * N,
                      "T": a.T, "trials": a.trials, "dt": a.dt}
            res = autocov_samples(params)
            rows[N], unstable[N] = res["rows"], res["unstable"].tolist()
            print(f"N = {N}: {len(rows[N])} networks, {len(unstable[N])} skipped as unstable "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    theory = nonlinear_finite_size(ModelSpec.simple(g=a.g, phi=a.phi, sigma2=a.sigma2))
    summary = summarise(rows, theory)
    _print(summary)
    cross = {}
    if all(r.shape[1] == len(COLUMNS) for r in rows.values()):  # studies saved before the cross columns have none
        cross = cross_summary(rows, theory)
        _print_cross(cross)
    if a.closure and cross:
        _closure(a, rows, unstable, theory)
    if a.out:
        with open(a.out, "w") as fh:
            json.dump({"args": vars(a), "unstable": unstable, "summary": summary, "cross": cross,
                       "rows": {N: r.tolist() for N, r in rows.items()}}, fh, indent=1)
    return 0


def _closure(a: argparse.Namespace, rows: dict[int, np.ndarray], unstable: dict[int, list[int]], theory: Any) -> None:
    """The closure on the study's networks (computed, or re-used from ``a.closure``) against the simulation."""
    import os

    from workbench.theories.dimension.closure import (
        against_simulation,
        closure_rest,
        closure_samples,
        references,
        study_seeds,
    )

    value, c_le = references(theory)
    stored = {}
    if os.path.exists(a.closure):
        with open(a.closure) as fh:
            stored = json.load(fh)
    for N, r in sorted(rows.items()):
        params = {"phi": a.phi, "g": a.g, "sigma2": a.sigma2, "N": N,
                  "seeds": study_seeds(a.seed + 1000 * N, N, dict(zip(a.Ns, a.networks, strict=True))[N], unstable[N])}
        old = stored.get(str(N), {})
        if old.get("params") == params:
            arrays = {k: np.array(old[k], dtype=float) for k in ("shared", "closure")}
        else:
            t0 = time.perf_counter()
            arrays = closure_samples(params)
            print(f"closure N = {N}: {len(params['seeds'])} networks ({time.perf_counter() - t0:.0f} s)", flush=True)
            stored[str(N)] = {"params": params, **{k: np.asarray(arrays[k]).tolist() for k in ("shared", "closure")}}
        rest = closure_rest(arrays, N, value, c_le)
        for k, s in against_simulation(r, arrays, N, rest).items():
            print(f"closure N = {N}, {k}: rest N (sim - shared) (plain mean) {s['measured']:.4g} +- "
                  f"{s['measured_se']:.2g}; closure N (closure - shared) {s['closure']:.4g} +- {s['closure_se']:.2g}; "
                  f"missed N (sim - closure) {s['remainder']:.4g} +- {s['se']:.2g} ({s['networks']} networks)")
    tmp = a.closure + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(stored, fh)
    os.replace(tmp, a.closure)


if __name__ == "__main__":
    raise SystemExit(main())
