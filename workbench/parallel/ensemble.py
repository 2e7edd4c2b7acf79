"""``workbench sweep simulate SPEC``: ensembles of independent networks over a parameter grid.

Every grid point (lists ``a,b,c`` / ranges ``start:stop:count`` of any ``workbench simulate`` option,
e.g. ``--g``, ``--N``, ``--T``) gets ``--networks K`` independent networks, each one job whose seed is
derived from its own description (the resolved spec, the run options and the network index): the
ensemble is identical on every executor and worker count. Each network's estimators (mean activity,
variances, naive and cross-block PR/N with jackknife standard errors) are stored in the
content-addressed run store (``--store``; a stored network is re-used, not recomputed) and written
to ``--out FILE.nc`` with dimensions (swept options..., ``network``);
:func:`workbench.compare.finite_size_fit_from_file` fits ``a + c/N`` to such a file,
:func:`workbench.compare.series_fit_from_file` ``a + c/N + d/N^2``.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from typing import Any

import numpy as np

from workbench.errors import SpecError

__all__ = ["ESTIMATOR_VERSION", "network_estimators", "register", "run"]

ESTIMATOR_VERSION = 1
"""Bumped when :func:`network_estimators` changes what it returns (part of the store key)."""

_SKIP = {"--out", "--json", "--plot", "--record-neurons", "--progress", "--no-progress", "-h", "--help", "--debug"}


@functools.cache
def _simulate_parser() -> argparse.ArgumentParser:
    """``workbench simulate``'s own parser (errors raise SpecError)."""
    from workbench.commands.sweep import private_parsers

    return private_parsers(["workbench.commands.simulate"])["simulate"]


def register(sub: Any) -> None:
    """Add ``sweep simulate`` to the sweep's theory sub-commands."""
    from workbench.commands.sweep import _add_own_options, _copy_options

    src = _simulate_parser()
    q = sub.add_parser("simulate", help="ensembles of simulated networks over a grid (one job per network)",
                       description=__doc__.split("\n\n", 1)[1])
    q.add_argument("spec_file", nargs="?", default=None, metavar="SPEC", help="spec TOML file or preset (default chaos)")
    trimmed = argparse.ArgumentParser(add_help=False)
    for action in src._actions:
        if action.option_strings and not set(action.option_strings) & _SKIP:
            trimmed._add_action(action)
    copied = _copy_options(trimmed, q)
    q.add_argument("--networks", type=int, default=4, help="independent networks per grid point (default 4)")
    q.add_argument("--blocks", type=int, default=8, help="time blocks per trial of the cross-block PR (default 8)")
    q.add_argument("--store", default="runs", metavar="DIR", help="run-store folder (default runs)")
    _add_own_options(q)
    q.set_defaults(func=run, sweep_command="simulate", sweep_options=copied)


def network_estimators(job: Any) -> dict[str, float]:
    """Worker: simulate one network (``job.args = (spec dict, run options)``, seed from the job) and estimate."""
    from workbench.sim import simulate
    from workbench.sim.estimators import cross_block_dimension
    from workbench.spec import ModelSpec

    spec_dict, opts = job.args
    spec = ModelSpec.from_dict(spec_dict)
    res = simulate(spec, T=opts["T"], dt=opts["dt"], trials=opts["trials"], seed=job.seed, burn_in=opts["burn_in"],
                   stride=opts["stride"], record=("mean", "cov", "traj"), neurons=spec.N, method=opts["method"],
                   progress=False)
    out = {k: float(v) for k, v in res.summary().items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if out.get("participation_ratio") is not None:
        out["PR_over_N_naive"] = out["participation_ratio"] / spec.N
    try:
        cb = cross_block_dimension(res.traj, n_blocks=opts["blocks"], mean=None)
    except SpecError:
        cb = None
    if cb is not None:
        for k, v in cb.values.items():
            out[f"{k}_x"] = float(v)
            out[f"{k}_x_se"] = float(cb.se[k])
    out["seed"] = float(job.seed % 2**53)
    return out


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The simulator options of one point (parsed by ``workbench simulate``'s parser)."""
    from workbench.commands.simulate import burn_in_of

    return {"T": args.T, "dt": args.dt, "trials": args.trials, "burn_in": burn_in_of(args), "stride": args.stride,
            "method": args.method, "root_seed": args.seed}


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench sweep simulate``."""
    from workbench.commands.simulate import spec_of
    from workbench.commands.sweep import _argv, _axes, axes_text, check_run_options, write_results
    from workbench.io import check_output_folder, strict_dumps
    from workbench.parallel import Job, make_executor
    from workbench.parallel.grid import product_grid
    from workbench.store import RunStore

    if not 1 <= args.networks <= 100_000:
        raise SpecError("networks", f"must be in [1, 100000], got {args.networks}")
    kind, scheduler = check_run_options(args, "ensemble")
    check_output_folder(args.store, "store")
    axes, flags = _axes(args)
    parser = _simulate_parser()
    base = [args.spec_file] if args.spec_file else []
    jobs, cells = [], []
    for point in product_grid(axes):
        pargs = parser.parse_args(base + _argv("simulate", point, flags)[1:-1])
        spec = spec_of(pargs)
        opts = _run_options(pargs) | {"blocks": args.blocks}
        for i in range(args.networks):
            key = {"spec": spec.to_dict(), "run": opts, "network": i, "estimators": ESTIMATOR_VERSION}
            jobs.append(Job(key, (spec.to_dict(), opts)))
            cells.append((point, i))
    store = RunStore(args.store)
    code = ("workbench.sim", network_estimators)
    values: dict[int, dict[str, float]] = {}
    todo = []
    for n, job in enumerate(jobs):
        hit = store.load(store.key("sweep.simulate", job.key, code))
        if hit is not None:
            values[n] = {k: float(np.asarray(v)) for k, v in hit.arrays.items()}
        else:
            todo.append(n)
    t0 = time.perf_counter()
    errors: dict[int, str] = {}
    with make_executor(kind, workers=args.workers, scheduler=scheduler) as ex:
        outcomes = ex.map_jobs(network_estimators, [jobs[n] for n in todo], desc="sweep simulate",
                               progress=args.progress)
        workers = ex.workers
    for n, out in zip(todo, outcomes, strict=True):
        if out.ok:
            values[n] = out.value
            arrays = {k: np.float64(v) for k, v in out.value.items()}
            store.get_or_compute("sweep.simulate", jobs[n].key, lambda a=arrays: a, code, force=True)
        else:
            errors[n] = out.error
    failed = [{"point": cells[n][0], "network": cells[n][1], "reason": e} for n, e in sorted(errors.items())]
    if args.out is not None:
        write_results(args, axes, [values.get(n) for n in range(len(jobs))], [errors.get(n) for n in range(len(jobs))],
                      ["simulate", *base, *axes_text(axes), *flags, "--networks", str(args.networks),
                       "--blocks", str(args.blocks)],
                      {"networks": args.networks}, extra_dims={"network": [str(i) for i in range(args.networks)]})
    summary = {"points": len(jobs) // args.networks, "out": args.out, "executor": kind, "failed": failed}
    if args.json:
        print(strict_dumps(summary))
    else:
        print(f"sweep simulate: {len(jobs)} networks ({len(todo)} computed, {len(jobs) - len(todo)} from the store, "
              f"{len(failed)} failed) on {kind} with {workers} workers in {time.perf_counter() - t0:.1f} s"
              + (f" -> {args.out}" if args.out else ""))
    sys.stdout.flush()
    return 0
