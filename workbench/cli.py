"""Command-line entry point ``workbench`` (also ``python -m workbench``).

Thin by design: parse, call the library, print. Each sub-command lives in its own module in
:mod:`workbench.commands` and exposes ``register(subparsers)``, which adds its parser and sets
``func`` to a callable ``(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from workbench.errors import WorkbenchError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command found in :mod:`workbench.commands`."""
    import workbench.commands as commands

    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Random-network theory workbench: derive, solve, simulate, compare, report.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"workbench.commands.{info.name}")
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (2 for bad input, 1 for failed runs)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except WorkbenchError as exc:
        kind = type(exc).__name__
        print(f"workbench {args.command}: error: {kind}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
