"""``workbench theories``: the registered theories, their solver methods and where their parts live."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from typing import Any

from workbench.commands._listing import add_listing_parser, print_listing


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``theories`` sub-command."""
    add_listing_parser(
        sub,
        "theories",
        run,
        help="list the theories with their solver methods, derivation, report and command",
        description="List every theory of workbench/theories/ (see workbench.theories.THEORIES).",
        json_help="print a JSON list, one object per theory",
    )


def _text(rows: Sequence[dict[str, Any]]) -> Iterator[str]:
    """Four lines a theory: title, methods, commands, where its code and notes live."""
    for r in rows:
        yield f"{r['name']}: {r['title']}"
        yield f"  methods: {', '.join(['auto', *r['methods']])}  (auto: the first that can solve the problem)"
        yield f"  derive: workbench derive {r['name']}   solve: workbench {r['command']}   report: {r['report']}"
        yield f"  code: {r['package']}   derivation: {r['derivation']}   notes: {r['notes']}"


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench theories``."""
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
    return print_listing(rows, args.json, _text)
