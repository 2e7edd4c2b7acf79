"""Executor layer: a 64-point DMFT sweep and a 16-network simulation ensemble with 1 and 2 workers, and the
overhead per job of each executor.

* ``dmft_sweep``: ``workbench sweep dmft --g 1.2:4:32 --sigma2 0,0.5`` (64 points) in-process, on
  ``processes`` with 1 and 2 workers and on a Dask ``LocalCluster`` with 2 workers (wall seconds, start-up
  of the pool included);
* ``ensemble``: 16 networks (``sweep simulate --g 1.5 --N 400 --networks 16 --T 400``) with 1 and 2 workers
  (speed-up close to 2 expected: the jobs are independent and each is single-threaded);
* ``overhead``: per-job cost of an empty job (:func:`workbench.parallel.probe.seeded_probe`, 200 jobs) on each
  executor, start-up excluded.

Usage: ``python benchmarks/bench_executor.py [--quick] [--json out.json]``. Each ensemble run uses a fresh store.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time

from workbench.cli import main
from workbench.parallel import Job, make_executor
from workbench.parallel.probe import seeded_probe


def _timed_cli(argv: list[str]) -> float:
    """Wall seconds of one CLI call (its output discarded)."""
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        status = main(argv)
    if status:
        raise SystemExit(f"'workbench {' '.join(argv)}' failed with status {status}")
    return time.perf_counter() - t0


def dmft_sweep(points: int) -> dict[str, float]:
    """Seconds for the DMFT sweep on each executor."""
    g = f"1.2:4:{points // 2}"
    out = {}
    for kind, workers in (("sequential", 1), ("processes", 1), ("processes", 2), ("dask", 2)):
        out[f"{kind}_{workers}"] = _timed_cli(["sweep", "dmft", "--g", g, "--sigma2", "0,0.5", "--executor", kind,
                                               "--workers", str(workers), "--no-progress"])
    return out


def ensemble(networks: int, N: int, T: float) -> dict[str, float]:
    """Seconds for the ensemble with 1 and 2 process workers (fresh stores) and the speed-up."""
    out = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as store:
            out[f"workers_{workers}"] = _timed_cli(
                ["sweep", "simulate", "--g", "1.5", "--N", str(N), "--networks", str(networks), "--T", str(T),
                 "--store", store, "--executor", "processes", "--workers", str(workers), "--no-progress"])
    out["speedup"] = out["workers_1"] / out["workers_2"]
    return out


def overhead(jobs: int) -> dict[str, float]:
    """Milliseconds per empty job on each executor (start-up excluded)."""
    out = {}
    for kind in ("sequential", "processes", "dask"):
        with make_executor(kind, workers=2) as ex:
            ex.map_jobs(seeded_probe, [Job({"warm": i}) for i in range(4)])
            t0 = time.perf_counter()
            ex.map_jobs(seeded_probe, [Job({"i": i}) for i in range(jobs)])
            out[kind] = 1e3 * (time.perf_counter() - t0) / jobs
    return out


def main_bench() -> None:
    """Run and print the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="8 sweep points, 4 small networks, 50 empty jobs")
    ap.add_argument("--json", default=None, help="also write the numbers to this file")
    a = ap.parse_args()
    res = {
        "dmft_sweep_s": dmft_sweep(8 if a.quick else 64),
        "ensemble_s": ensemble(4, 100, 100.0) if a.quick else ensemble(16, 400, 400.0),
        "overhead_ms_per_job": overhead(50 if a.quick else 200),
    }
    print(json.dumps(res, indent=2))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=2)


if __name__ == "__main__":
    main_bench()
