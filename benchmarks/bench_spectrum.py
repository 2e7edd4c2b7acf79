"""Spectrum theory against numpy eigenvalues of one sample of the same ensemble (one BLAS thread).

Work items (issue 13): the edge and the boundary on 1000 points, the density on a 100 x 100 grid of z,
beside ``numpy.linalg.eigvals`` of one N = 2000 Jacobian of the same ensemble. Targets: edge + boundary
>= 1000x faster than the eigenvalues, density grid >= 10x. Ensembles: ``ei-jacobian`` (the E columns
vanish, so LAPACK's balancing splits the matrix and eigvals is cheap) and a dense two-population variant
with all columns random (the general case). For ei-jacobian the ratio is also given against the eigenvalues of
the same-size dense Jacobian (dense-ei), the fairer baseline: LAPACK's split is a property of that matrix, not of
the theory's cost. Timings exclude the one-off load of the generated numba module (a warm-up call; a first
process on a machine compiles it, ~10 s, later ones load it from the cache).
Usage: ``python benchmarks/bench_spectrum.py [--backends numba,numpy] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
from threadpoolctl import threadpool_limits

from workbench.spec import ModelSpec, preset
from workbench.theories.spectrum import SpectrumProblem


def dense_ei() -> ModelSpec:
    """Two populations, every column random (tau, gain laws heterogeneous): no balancing shortcut."""
    return ModelSpec.from_dict({
        "N": 2000, "phi": "tanh",
        "populations": [
            {"name": "E", "fraction": 0.8, "tau": {"kind": "uniform", "low": 0.8, "high": 1.2},
             "gain": {"kind": "uniform", "low": 0.3, "high": 1.0}},
            {"name": "I", "fraction": 0.2, "tau": {"kind": "uniform", "low": 1.5, "high": 4.0},
             "gain": {"kind": "uniform", "low": 0.3, "high": 1.0}},
        ],
        "coupling": {"J0": [[0, 0], [0, 0]], "g": [[1.0, 3**0.5], [1.0, 3**0.5]]},
    })  # fmt: skip


def _best(fn, repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls."""
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _time_backend(problem: SpectrumProblem, backend: str) -> dict:
    """Edge + 1000-point boundary and the 100 x 100 density grid with one backend (after a warm-up)."""
    from workbench.theories.spectrum.dyson import DysonSolver

    solver = DysonSolver(problem, backend=backend)
    x_L, x_R = solver.edges()
    xs, ys = np.meshgrid(np.linspace(x_L, x_R, 100), np.linspace(-0.5, 0.5, 100))
    t = time.perf_counter()
    solver.boundary(10)
    solver.density(xs[45:55], ys[45:55])  # interior points: compiles every numba driver
    warm = time.perf_counter() - t
    t_edge = _best(lambda: (solver.edges(), solver.boundary(1000)))
    t_dens = _best(lambda: solver.density(xs, ys), 2)
    return {"warmup_s": warm, "edge_boundary_s": t_edge, "density_grid_s": t_dens}


def bench(name: str, spec: ModelSpec, backends: tuple[str, ...]) -> dict:
    """Time theory (numpy and numba backends) and eigenvalues for one ensemble."""
    from workbench.theories.spectrum.sampler import _network_jacobian

    problem = SpectrumProblem(spec)
    J, tau, g, _, _ = _network_jacobian(spec, 0, False)
    M = (J * g[None, :] - np.eye(spec.N)) / tau[:, None]
    with threadpool_limits(limits=1):
        t_eig = _best(lambda: np.linalg.eigvals(M), 1)
    row = {"ensemble": name, "N": spec.N, "eigvals_s": t_eig}
    for backend in backends:
        t = _time_backend(problem, backend)
        t.update(ratio_edge=t_eig / t["edge_boundary_s"], ratio_density=t_eig / t["density_grid_s"])
        row[backend] = t
    return row


def main() -> None:
    """Run the benchmark and print (or write) the timings."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default=None, help="write the results to this file")
    ap.add_argument("--backends", default="numba,numpy", help="comma-separated backends to time")
    args = ap.parse_args()
    backends = tuple(args.backends.split(","))
    rows = [bench("ei-jacobian", preset("ei-jacobian"), backends), bench("dense-ei", dense_ei(), backends)]
    for backend in backends:  # ei-jacobian against the same-size dense Jacobian's eigenvalues
        t = rows[0][backend]
        t.update(ratio_edge_dense=rows[1]["eigvals_s"] / t["edge_boundary_s"],
                 ratio_density_dense=rows[1]["eigvals_s"] / t["density_grid_s"])  # fmt: skip
    out = {"machine": platform.machine(), "python": platform.python_version(), "results": rows}
    for r in rows:
        for backend in backends:
            t = r[backend]
            print(f"{r['ensemble']:>12s} [{backend}]: eigvals {r['eigvals_s']:.3f} s | edge+boundary "
                  f"{t['edge_boundary_s'] * 1e3:.2f} ms (x{t['ratio_edge']:.0f}, target 1000) | density 100x100 "
                  f"{t['density_grid_s']:.3f} s (x{t['ratio_density']:.1f}, target 10) | warm-up {t['warmup_s']:.1f} s")  # fmt: skip
            if "ratio_edge_dense" in t:
                print(f"{'':>12s}  vs dense N={r['N']} eigvals: edge+boundary x{t['ratio_edge_dense']:.0f}, "
                      f"density x{t['ratio_density_dense']:.1f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
