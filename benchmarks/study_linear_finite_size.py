"""Linear networks: the 1/N coefficients of the exact covariance statistics, three ways of fitting them (issue 14, item 3).

    python benchmarks/study_linear_finite_size.py [--g 0.6] [--covariance zero-frequency]
        [--Ns 125 250 500 1000 2000] [--networks 4800 2400 300 75 10] [--seed 100] [--out study.json]
    python benchmarks/study_linear_finite_size.py --from study.json      # re-fit stored rows

Exact covariances of drawn linear networks (:func:`workbench.theories.dimension.finite_size.size_exact_jobs`, seeds
``seed + 1000 N + i``, the dimension report's draws when ``seed`` is its seed), no time sampling. Per statistic
(PR/N, mean autocovariance, N var_cross) it prints the derived large-N value ``a`` and 1/N coefficient ``c``, the
spread over networks of ``N y`` per size (flat in N when the spread of y is O(1/N)), and three weighted fits of the
per-size means:

* ``a + c/N``: the report's fit (intercept free);
* ``N (y - a) = c``: the derived intercept (exact at zero frequency, (1 - g^2)^2 for PR/N) subtracted, c alone;
* ``N (y - a) = c + d/N``: the same with a 1/N^2 term d.

Measured 2026-11-28 at g = 0.6, zero frequency, the defaults (seed 100): PR/N c alone -1.451 +- 0.034 against
-1.627 with chi^2 15.1 on 4 dof, c + d/N -1.757 +- 0.104 (d = 48 +- 16); the report's a + c/N fit fails once N = 125
is in. The coefficient checks are limited by the 1/N^2 term, which is not derived. One BLAS thread.

Adding N = 64 (12000 networks) and 90 (8000): c + d/N over N = 64-2000 gives c = -1.671 +- 0.055 (PR/N, 3.4 %),
2.792 +- 0.098 (mean autocov, against 2.747) and 32.50 +- 1.34 (N var_cross, against 32.53), chi^2 6.5, 5.2, 6.7 on
5 dof. The dimension report now tests c this way (:func:`~workbench.theories.dimension.finite_size.coefficient_fits`,
N = 64, 90, 125, 250, 500, 1000 with 12000, 8000, 4800, 1800, 300, 24 networks, 38-42 s in the main job;
c to 3.6-4.5 %, where the a + c/N fit over N = 250-2000 had about 10 %).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

KEYS = ("PR_over_N", "mean_autocov", "N_var_cross")
"""The statistics fitted (columns of :data:`~workbench.theories.dimension.finite_size.FINITE_SIZE_KEYS`)."""


def measure(g: float, covariance: str, Ns: list[int], networks: list[int], seed: int) -> list[np.ndarray]:
    """Rows of :data:`FINITE_SIZE_KEYS` per size (the report's stored-run computation, run here)."""
    from workbench.theories.dimension.finite_size import size_exact_jobs

    rows = []
    for N, job in zip(Ns, size_exact_jobs(g, Ns, networks, 1.0, covariance, seed), strict=True):
        t0 = time.perf_counter()
        rows.append(job.compute(job.params)["rows"])
        print(f"N = {N}: {len(rows[-1])} networks in {time.perf_counter() - t0:.1f} s", flush=True)
    return rows


def summarise(g: float, covariance: str, Ns: list[int], rows: list[np.ndarray]) -> None:
    """Print the three fits of each statistic of :data:`KEYS` against the derived value and coefficient."""
    from workbench.compare import series_fit
    from workbench.theories.dimension.finite_size import FINITE_SIZE_KEYS, finite_size_coefficients

    fc = finite_size_coefficients(g, 1.0, covariance)
    n = np.asarray(Ns, dtype=float)
    for key in KEYS:
        j = FINITE_SIZE_KEYS.index(key)
        a, c = fc.value[key], fc.coef[key]
        mean = np.array([r[:, j].mean() for r in rows])
        se = np.array([r[:, j].std(ddof=1) / np.sqrt(len(r)) for r in rows])
        spread = n * np.array([r[:, j].std(ddof=1) for r in rows])
        print(f"\n{key}: derived a = {a:.6g}, c = {c:.6g}; spread of N y over networks per size: "
              + ", ".join(f"{v:.3g}" for v in spread))
        f = series_fit(n, mean, se, (0, 1))
        p, s, chi2 = f.params, f.se_params, f.chi2
        print(f"  a + c/N:          a = {p[0]:.6g} +- {s[0]:.2g}, c = {p[1]:.5g} +- {s[1]:.3g} "
              f"({(p[1] - c) / s[1]:+.2f} SE), chi^2 {chi2:.2f} / {len(n) - 2} dof")
        for cols, name in ((1, "N (y - a) = c"), (2, "N (y - a) = c + d/N")):
            f = series_fit(n, n * (mean - a), n * se, tuple(range(cols)))
            p, s, chi2 = f.params, f.se_params, f.chi2
            extra = f", d = {p[1]:.3g} +- {s[1]:.2g}" if cols == 2 else ""
            print(f"  {name + ':':20s} c = {p[0]:.5g} +- {s[0]:.3g} ({100 * s[0] / abs(c):.1f} % of c, "
                  f"{(p[0] - c) / s[0]:+.2f} SE){extra}, chi^2 {chi2:.2f} / {len(n) - cols} dof")


def main() -> None:
    """Parse the arguments, measure (or read) the rows, print the fits."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--g", type=float, default=0.6)
    ap.add_argument("--covariance", default="zero-frequency", choices=("zero-frequency", "equal-time"))
    ap.add_argument("--Ns", type=int, nargs="+", default=[125, 250, 500, 1000, 2000])
    ap.add_argument("--networks", type=int, nargs="+", default=[4800, 2400, 300, 75, 10])
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--out", help="write the rows and settings as JSON")
    ap.add_argument("--from", dest="src", help="re-fit the rows of a JSON file written with --out")
    a = ap.parse_args()
    if a.src:
        with open(a.src) as fh:
            d = json.load(fh)
        g, cov, Ns, rows = d["g"], d["covariance"], d["Ns"], [np.array(r) for r in d["rows"]]
    else:
        if len(a.Ns) != len(a.networks):
            ap.error("--Ns and --networks need the same length")
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            rows = measure(a.g, a.covariance, a.Ns, a.networks, a.seed)
        g, cov, Ns = a.g, a.covariance, a.Ns
        if a.out:
            with open(a.out, "w") as fh:
                json.dump({"g": g, "covariance": cov, "Ns": Ns, "networks": a.networks, "seed": a.seed,
                           "rows": [r.tolist() for r in rows]}, fh)
    summarise(g, cov, Ns, rows)


if __name__ == "__main__":
    main()
