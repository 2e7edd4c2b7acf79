"""``workbench theories``: the registered theories, their solver methods and where their parts live."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``theories`` sub-command."""
    p = sub.add_parser(
        "theories",
        help="list the theories with their solver methods, derivation, report and command",
        description="List every theory of workbench/theories/ (see workbench.theories.THEORIES).",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per theory")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench theories``."""
    from workbench.io import strict_dumps
    from workbench.theories import THEORIES

    rows = [
        {
            "name": t.name,
            "title": t.title,
            "methods": t.methods(),
            "package": t.package,
            "derivation": t.derivation,
            "report": t.report,
            "command": t.command,
            "notes": t.notes,
        }
        for t in THEORIES.values()
    ]
    if args.json:
        print(strict_dumps(rows))
        return 0
    for r in rows:
        print(f"{r['name']}: {r['title']}")
        print(f"  methods: {', '.join(['auto', *r['methods']])}  (auto: the first that can solve the problem)")
        print(f"  derive: workbench derive {r['name']}   solve: workbench {r['command']}   report: {r['report']}")
        print(f"  code: {r['package']}   derivation: {r['derivation']}   notes: {r['notes']}")
    return 0
