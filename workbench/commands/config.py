"""``workbench config``: every ``WORKBENCH_*`` environment variable with its value, default and meaning."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from typing import Any

from workbench.commands._listing import add_listing_parser, print_listing


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``config`` sub-command."""
    add_listing_parser(
        sub,
        "config",
        run,
        help="list the WORKBENCH_* environment variables (value, default, meaning)",
        description="List every WORKBENCH_* environment variable the workbench, its scripts or its tests read.",
        json_help="print a JSON list of {name, value, default, meaning, reader}",
    )


def _text(rows: Sequence[dict[str, Any]]) -> Iterator[str]:
    """Two lines a variable: name, value, default and reader; then its meaning."""
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        value = "(unset)" if r["value"] is None else repr(r["value"])
        yield f"{r['name']:<{width}}  {value}  [default {r['default']}; read by {r['reader']}]"
        yield f"{'':<{width}}  {r['meaning']}"


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench config``."""
    from workbench.config import table

    return print_listing(table(), args.json, _text)
