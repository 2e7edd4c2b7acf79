"""Command-line entry point ``workbench`` (also ``python -m workbench``).

Thin by design: parse, call the library, print. The core sub-commands live in
:mod:`workbench.commands` (simulate, derive, report, theories, config), each theory's command in
``workbench/theories/<name>/cli.py``; every such module exposes ``register(subparsers)``, which adds
its parser and sets ``func`` to a callable ``(args) -> int``.

Errors end with one line on stderr, ``workbench CMD: error: ...``, and no traceback: bad input
(any :class:`~workbench.errors.WorkbenchError`, a bad option value) exits with status 2; a failed
run for another reason (a file system error, an internal error) with status 1; an interrupt
(SIGINT, SIGTERM) with 128 + the signal number, after the temporary files are removed.
``workbench --debug CMD ...`` (or ``WORKBENCH_DEBUG=1``) also prints the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import pkgutil
import signal
import sys
import traceback
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.interrupts import Terminated, signals_as_exceptions

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "Terminated", "build_parser", "main"]

EXIT_BAD_INPUT = 2
"""Exit status for bad input: a WorkbenchError or an invalid option value."""
EXIT_FAILED = 1
"""Exit status for a run that failed for another reason (file system, internal error)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``workbench CMD: error: ...``), exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print one line and exit with status 2."""
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


def _one_line(text: object) -> str:
    """``text`` with its lines joined (an error message is one line on stderr)."""
    return " ".join(str(text).split("\n")).strip() or "(no message)"


def command_modules() -> list[str]:
    """The modules defining sub-commands: :mod:`workbench.commands` and ``workbench/theories/*/cli.py``."""
    import workbench.commands as commands
    import workbench.theories as theories

    mods = [
        f"workbench.commands.{info.name}"
        for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name)
        if not info.name.startswith("_")
    ]
    root = Path(theories.__file__).parent
    for theory in theories.THEORIES.values():
        if (root / theory.package.rsplit(".", 1)[-1] / "cli.py").is_file():
            mods.append(f"{theory.package}.cli")
    return mods


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command (see :func:`command_modules`)."""

    parser = _Parser(
        prog="workbench",
        description="Random-network theory workbench: derive, solve, simulate, compare, report.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="print the traceback of an error (also: WORKBENCH_DEBUG=1)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_modules():
        importlib.import_module(name).register(sub)
    for p in sub.choices.values():  # --debug is accepted after the sub-command too
        if "--debug" not in p._option_string_actions:
            p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _debug_wanted(args: argparse.Namespace | None) -> bool:
    from workbench.config import get_flag

    return bool(getattr(args, "debug", False)) or get_flag("WORKBENCH_DEBUG")


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the final flush at exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def _report(command: str, exc: BaseException, debug: bool) -> int:
    """Print the one-line error for ``exc`` (and the traceback in debug mode); the exit status."""
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    kind = type(exc).__name__
    prefix = f"workbench {command}:" if command else "workbench:"
    if isinstance(exc, WorkbenchError):
        print(f"{prefix} error: {kind}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, MemoryError):
        print(f"{prefix} error: out of memory; reduce the problem size (N, trials, T)", file=sys.stderr)
        return EXIT_FAILED
    if isinstance(exc, OSError):
        print(f"{prefix} error: {kind}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    hint = "" if debug else "; run 'workbench --debug ...' (or WORKBENCH_DEBUG=1) for the traceback"
    print(f"{prefix} internal error: {kind}: {_one_line(exc)}{hint}", file=sys.stderr)
    return EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (2 for bad input, 1 for failed runs, 128+n on signal n)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad option value (2; the one-line message is printed)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    debug = _debug_wanted(args)
    try:
        with signals_as_exceptions(signal.SIGINT, signal.SIGTERM):
            return int(args.func(args) or 0)
    except Terminated as exc:
        print(f"workbench {args.command}: terminated (signal {exc.signum})", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print(f"workbench {args.command}: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except BrokenPipeError:  # the reader of stdout went away (e.g. `| head`): nothing to report
        _silence_stdout()
        return EXIT_FAILED
    except Exception as exc:
        return _report(args.command, exc, debug)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
