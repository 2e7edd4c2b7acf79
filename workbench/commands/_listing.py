"""Shared shape of the listing sub-commands (``config``, ``theories``): rows printed as text or as JSON.

The leading underscore keeps :func:`workbench.cli.command_modules` from taking it for a sub-command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["add_listing_parser", "print_listing"]


def add_listing_parser(
    sub: argparse._SubParsersAction,
    name: str,
    run: Callable[[argparse.Namespace], int],
    *,
    help: str,
    description: str,
    json_help: str,
) -> argparse.ArgumentParser:
    """Add the sub-command ``name`` with its ``--json`` flag, executed by ``run``."""
    p = sub.add_parser(name, help=help, description=description)
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=run)
    return p


def print_listing(
    rows: Sequence[dict[str, Any]], as_json: bool, text: Callable[[Sequence[dict[str, Any]]], Iterable[str]]
) -> int:
    """Print ``rows`` as one strict JSON list, or the lines ``text(rows)``; exit status 0."""
    from workbench.io import strict_dumps

    if as_json:
        print(strict_dumps(rows))
        return 0
    for line in text(rows):
        print(line)
    return 0
