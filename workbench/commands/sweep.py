"""``workbench sweep THEORY``: a theory over a product grid of its options, through the executor layer.

Every option of ``workbench THEORY`` is accepted; a value may be a list ``a,b,c`` or an inclusive
range ``start:stop:count``. Each grid point runs the theory's own command with ``--json`` in a worker
(``--executor sequential|processes|dask``, ``--scheduler tcp://HOST:PORT`` or ``WORKBENCH_SCHEDULER``);
``--out FILE.nc`` gets an :class:`xarray.Dataset` (one variable per numeric result key, one coordinate
per swept option), written atomically; a failed point is recorded with its reason and the sweep goes
on. The file holds no clock time or executor name: the same sweep gives the same bytes everywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import re
import shlex
import sys
import time
from typing import Any

from workbench.errors import SpecError

__all__ = ["register", "run", "run_point"]

_OWN = {"--out", "--json", "--executor", "--scheduler", "--workers", "--progress", "--no-progress", "-h", "--help",
        "--debug"}


class _RaisingParser(argparse.ArgumentParser):
    """A parser whose errors raise :class:`SpecError` (used to validate every grid point up front)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        text = " ".join(message.split())
        m = re.match(r"argument (--[\w-]+)(?:/[^:]*)?: (.*)", text)
        raise SpecError(m.group(1).lstrip("-"), m.group(2)) if m else SpecError("sweep", text)


def private_parsers(modules: list[str]) -> dict[str, argparse.ArgumentParser]:
    """The sub-command parsers that ``modules`` register (their errors raise SpecError), by command name."""
    import importlib

    holder = _RaisingParser(prog="workbench")
    sub = holder.add_subparsers(dest="command", parser_class=_RaisingParser)
    for name in modules:
        importlib.import_module(name).register(sub)
    return dict(sub.choices)


@functools.cache
def _theory_parsers() -> dict[str, argparse.ArgumentParser]:
    """Each theory's own parser (the CLI's discovery of ``workbench/theories/*/cli.py``), by command name."""
    from workbench.cli import command_modules

    return private_parsers([m for m in command_modules() if m.startswith("workbench.theories.")])


def _add_own_options(p: argparse.ArgumentParser) -> None:
    """The sweep's own options (output, executor)."""
    from workbench.parallel import EXECUTORS

    p.add_argument("--out", default=None, metavar="FILE.nc", help="write the results as NetCDF (xarray Dataset)")
    p.add_argument("--executor", choices=EXECUTORS, default="processes",
                   help="sequential, processes (default; one worker per core) or dask")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="an existing Dask scheduler (or $WORKBENCH_SCHEDULER); implies --executor dask")
    p.add_argument("--workers", type=int, default=None, help="number of workers (default: one per core)")
    p.add_argument("--json", action="store_true", help='print {"points", "out", "executor", "failed"}')
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show progress")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show progress")


def _copy_options(src: argparse.ArgumentParser, dst: argparse.ArgumentParser) -> list[tuple[str, str, bool]]:
    """Add ``src``'s options to ``dst`` as strings (lists/ranges allowed); (dest, option, is_flag) each."""
    copied = []
    for action in src._actions:
        opts = [o for o in action.option_strings if o not in _OWN]
        if not opts or len(opts) != len(action.option_strings):
            continue
        name = "sweep_" + action.dest
        flag = action.nargs == 0
        if flag:
            dst.add_argument(*opts, dest=name, action="store_true", default=False, help=action.help)
        else:
            extra = f" (choices: {', '.join(map(str, action.choices))})" if action.choices else ""
            dst.add_argument(*opts, dest=name, default=None, metavar="V[,V...]|A:B:N",
                             help=f"{action.help or ''}{extra}; a list or a range sweeps it".replace("%", "%%"))
        copied.append((action.dest, opts[-1] if opts[-1].startswith("--") else opts[0], flag))
    return copied


def register(subparsers: Any) -> None:
    """Add the ``sweep`` sub-command with one sub-command per theory."""
    p = subparsers.add_parser(
        "sweep",
        help="run a theory over a grid of parameters (lists a,b,c or ranges start:stop:count) on an executor",
        description=__doc__.split("\n\n", 1)[1],
    )
    sub = p.add_subparsers(dest="theory", metavar="THEORY")
    for command, src in _theory_parsers().items():
        q = sub.add_parser(command, help=f"sweep 'workbench {command}'", description=src.description)
        copied = _copy_options(src, q)
        _add_own_options(q)
        q.set_defaults(func=run, sweep_command=command, sweep_options=copied)
    try:
        from workbench.parallel.ensemble import register as register_ensemble
    except ImportError:
        register_ensemble = None
    if register_ensemble is not None:
        register_ensemble(sub)
    p.set_defaults(func=lambda args: p.error("give a THEORY to sweep (see 'workbench sweep --help')"))


def _axes(args: argparse.Namespace) -> tuple[dict[str, list[str]], list[str]]:
    """The swept options (name -> values, in command-line order) and the fixed argv pieces (flags)."""
    from workbench.parallel.grid import parse_values

    axes: dict[str, list[str]] = {}
    flags: list[str] = []
    for dest, opt, flag in args.sweep_options:
        value = getattr(args, "sweep_" + dest)
        if flag:
            if value:
                flags.append(opt)
        elif value is not None:
            axes[opt] = parse_values(opt.lstrip("-"), value)
    return axes, flags


def _argv(command: str, point: dict[str, str], flags: list[str]) -> list[str]:
    """The theory command line of one grid point."""
    argv = [command]
    for opt, value in point.items():
        argv += [opt, value] if not value.startswith("-") else [f"{opt}={value}"]
    return argv + flags + ["--json"]


def run_point(job: Any) -> dict[str, Any]:
    """Worker: run one grid point's theory command (``job.args[0]`` is its argv); its JSON summary."""
    argv = list(job.args[0])
    parser = _theory_parsers()[argv[0]]
    args = parser.parse_args(argv[1:])
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = args.func(args)
    if status:
        raise RuntimeError(f"'workbench {shlex.join(argv)}' exited with status {status}")
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    if not lines:
        raise RuntimeError(f"'workbench {shlex.join(argv)}' printed no JSON")
    return json.loads(lines[-1])


def _dim_name(opt: str) -> str:
    """Coordinate name of an option: ``--tau-noise`` -> ``tau_noise``."""
    return opt.lstrip("-").replace("-", "_")


def check_run_options(args: argparse.Namespace, what: str) -> tuple[str, str | None]:
    """Refuse a bad ``--out`` (must be a writable FILE.nc) before any work; the executor kind and scheduler."""
    from workbench.io import check_output_file
    from workbench.parallel import resolve_scheduler

    if args.out is not None:
        if not str(args.out).endswith(".nc"):
            raise SpecError("out", f"the {what} is written as NetCDF: give a FILE.nc, got {args.out!r}")
        check_output_file(args.out, "out")
    scheduler = resolve_scheduler(args.scheduler)
    return ("dask" if scheduler else args.executor), scheduler


def write_results(args: argparse.Namespace, axes: dict[str, list[str]], values: list, errors: list,
                  command_line: list[str], attrs: dict[str, Any], extra_dims: dict[str, list[str]] | None = None) -> None:
    """Write ``--out``: the Dataset over ``axes`` and ``extra_dims``, with the command and provenance as attributes."""
    from workbench.parallel.dataset import sweep_dataset, write_netcdf
    from workbench.report.provenance import collect_provenance

    prov = collect_provenance()
    dims = {_dim_name(o): v for o, v in axes.items()}
    dims.update(extra_dims or {})
    attrs = {
        "title": f"workbench sweep {args.sweep_command}",
        "theory": args.sweep_command,
        "command": shlex.join(["workbench", "sweep", *command_line]),
        "workbench_commit": prov.commit,
        "workbench_versions": prov.versions,
        **attrs,
    }
    write_netcdf(sweep_dataset(dims, values, errors, attrs), args.out)


def axes_text(axes: dict[str, list[str]]) -> list[str]:
    """The swept options as command-line words (``--g 1.5,2.0``)."""
    return [x for opt, vals in axes.items() for x in (opt, ",".join(vals))]


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench sweep THEORY``."""
    from workbench.io import strict_dumps
    from workbench.parallel import Job, make_executor
    from workbench.parallel.grid import product_grid

    command = args.sweep_command
    kind, scheduler = check_run_options(args, "sweep")
    axes, flags = _axes(args)
    grid = product_grid(axes)
    parser = _theory_parsers()[command]
    argvs = [_argv(command, point, flags) for point in grid]
    for argv in argvs:
        parser.parse_args(argv[1:])  # one line naming the bad value, exit 2, before any work
    jobs = [Job({"command": command, "point": point, "flags": flags}, (argv,)) for point, argv in
            zip(grid, argvs, strict=True)]
    t0 = time.perf_counter()
    with make_executor(kind, workers=args.workers, scheduler=scheduler) as ex:
        outcomes = ex.map_jobs(run_point, jobs, desc=f"sweep {command}", progress=args.progress)
        workers = ex.workers
    failed = [{"point": o.job.key["point"], "reason": o.error} for o in outcomes if not o.ok]
    if args.out is not None:
        write_results(args, axes, [o.value for o in outcomes], [o.error for o in outcomes],
                      [command, *axes_text(axes), *flags], {"points": len(grid)})
    summary = {"points": len(grid), "out": args.out, "executor": kind, "failed": failed}
    if args.json:
        print(strict_dumps(summary))
    else:
        dt = time.perf_counter() - t0
        print(f"sweep {command}: {len(grid)} points ({len(failed)} failed) on {kind} with {workers} workers "
              f"in {dt:.1f} s" + (f" -> {args.out}" if args.out else ""))
        for f in failed:
            print(f"  failed {f['point']}: {f['reason']}")
    sys.stdout.flush()
    return 0
