"""``workbench config``: every ``WORKBENCH_*`` environment variable with its value, default and meaning."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``config`` sub-command."""
    p = sub.add_parser(
        "config",
        help="list the WORKBENCH_* environment variables (value, default, meaning)",
        description="List every WORKBENCH_* environment variable the workbench, its scripts or its tests read.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of {name, value, default, meaning, reader}")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench config``."""
    from workbench.config import table
    from workbench.io import strict_dumps

    rows = table()
    if args.json:
        print(strict_dumps(rows))
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        value = "(unset)" if r["value"] is None else repr(r["value"])
        print(f"{r['name']:<{width}}  {value}  [default {r['default']}; read by {r['reader']}]")
        print(f"{'':<{width}}  {r['meaning']}")
    return 0
