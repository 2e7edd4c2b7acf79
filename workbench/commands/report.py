"""``workbench report [NAME ...]``: build LaTeX reports (and their PDFs) plus the index."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``report`` sub-command."""
    p = subparsers.add_parser(
        "report",
        help="build reports (LaTeX + PDF) into reports/<name>/ and the index",
        description=(
            "Build the named reports (all when none is given) into OUT/<name>/ (.tex, figures, PDF via latexmk) "
            "and OUT/index.tex|pdf listing every report with its status. Expensive runs are kept in a "
            "content-addressed run store (--store) and re-used; --force recomputes them."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="report names (see --list); default: all")
    p.add_argument("--quick", action="store_true", help="small sizes: every report in seconds (smoke test)")
    p.add_argument("--force", action="store_true", help="recompute stored runs instead of re-using them")
    p.add_argument("--out", default="reports", metavar="DIR", help="output folder")
    p.add_argument("--store", default="runs", metavar="DIR", help="run-store folder")
    p.add_argument("--no-pdf", action="store_true", help="write the .tex only (do not run latexmk)")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when a check is outside its tolerance")
    p.add_argument("--list", action="store_true", help="list the available reports and exit")
    p.add_argument("--executor", choices=("sequential", "processes", "dask"), default="processes",
                   help="where stored simulations are computed (dask: a local cluster, or --scheduler)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="compute on an existing Dask scheduler (or $WORKBENCH_SCHEDULER with --executor dask); "
                   "results land in the local store")
    p.add_argument("--lanes", type=int, default=None, metavar="K",
                   help="build K reports side by side, each with its share of the CPUs (default: "
                   "$WORKBENCH_REPORT_LANES, else 2 on a machine with 2 or more CPUs; 1: one after the other)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show progress bars")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build and print a summary; 0 on success, 1 if a report could not be built (or failed with --strict)."""
    from workbench.io import check_output_folder
    from workbench.report import available_reports, build

    if args.list:
        for r in available_reports():
            state = f"  [broken: {r.import_error}]" if r.import_error else ""
            print(f"{r.name:<16} {r.title}{state}")
        return 0
    check_output_folder(args.out, "out")
    check_output_folder(args.store, "store")
    from workbench.parallel import resolve_scheduler

    scheduler = resolve_scheduler(args.scheduler) if (args.scheduler or args.executor == "dask") else None
    executor = "dask" if scheduler else args.executor
    from workbench.report import default_lanes, report_names

    n_reports = len(dict.fromkeys(args.names)) if args.names else len(report_names())
    lanes = args.lanes if args.lanes is not None else default_lanes(n_reports, executor)
    t0 = time.perf_counter()
    results = build(
        args.names,
        out_root=args.out,
        store_root=args.store,
        quick=args.quick,
        force=args.force,
        pdf=not args.no_pdf,
        progress=args.progress,
        executor=executor,
        scheduler=scheduler,
        lanes=lanes,
    )
    print(f"\nreports ({'quick' if args.quick else 'full'} build, {time.perf_counter() - t0:.1f} s):")
    tex_note = None
    for r in results:
        target = r.pdf or r.tex or "-"
        checks = f"{r.n_ok}/{r.n_checks} checks ok" if r.name != "index" else f"{r.n_checks} reports listed"
        print(f"  {r.name:<14} {r.status.upper():<10} {checks:<18} {target}")
        if r.status == "error" and r.name != "index":
            print(f"      {r.message.splitlines()[0] if r.message else ''}")
        for f in r.failed:
            print(f"      outside tolerance: {f}")
        if r.pdf_message and "not found" in r.pdf_message:
            tex_note = r.pdf_message
    if tex_note:
        from workbench.report import tex_missing_message

        print(f"\nworkbench report: note: {tex_missing_message() or tex_note}", file=sys.stderr)
    errors = [r for r in results if r.status == "error"]
    fails = [r for r in results if r.status == "fail" and r.name != "index"]
    if errors:
        return 1
    if fails and args.strict:
        return 1
    return 0
