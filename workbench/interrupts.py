"""SIGINT/SIGTERM as exceptions, deferred out of compiled kernels.

The CLI turns SIGTERM into :class:`Terminated` (a ``KeyboardInterrupt``), so that the cleanup of
temporary files (``except BaseException`` in :func:`workbench.io.atomic_path`) runs as for Ctrl-C.

A Python signal handler that raises while numba is unboxing the arguments of a compiled kernel
(e.g. a numpy ``Generator``) can crash the interpreter. Hot loops therefore run inside
:func:`deferred`: a signal that arrives there is only recorded, and the loop raises it at a safe
point by polling :data:`PENDING` (``if PENDING[0]: raise_pending()``), at most one step later.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["PENDING", "Terminated", "deferred", "exception_for", "raise_pending", "signals_as_exceptions"]

PENDING: list[int] = [0]
"""``PENDING[0]``: the number of a signal recorded inside :func:`deferred` (0 if none)."""

_DEFERRING: list[int] = [0]
"""Nesting depth of :func:`deferred` (signals are recorded instead of raised while > 0)."""


class Terminated(KeyboardInterrupt):
    """Raised for SIGTERM (and other termination signals) so that cleanup runs as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"terminated by signal {signum}")


def exception_for(signum: int) -> BaseException:
    """The exception that stands for signal ``signum``: KeyboardInterrupt for SIGINT, else Terminated."""
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _handler(signum: int, frame: object) -> None:
    if _DEFERRING[0]:
        PENDING[0] = signum
        return
    raise exception_for(signum)


def raise_pending() -> None:
    """Raise the exception of a signal recorded inside :func:`deferred` (and clear it)."""
    signum, PENDING[0] = PENDING[0], 0
    if signum:
        raise exception_for(signum)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def signals_as_exceptions(*signums: int) -> Iterator[None]:
    """While active, the given signals (default SIGINT, SIGTERM) raise their exception (main thread only)."""
    if not _main_thread():
        yield
        return
    signums = signums or (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, _handler) for s in signums}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextmanager
def deferred() -> Iterator[None]:
    """Record SIGINT (and a SIGTERM routed here by :func:`signals_as_exceptions`) instead of raising it.

    The caller polls ``PENDING[0]`` at safe points and calls :func:`raise_pending`; on leaving the
    block a recorded signal is raised. Ctrl-C is deferred too when Python's default handler is active.
    """
    swap = _main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    previous = signal.signal(signal.SIGINT, _handler) if swap else None
    _DEFERRING[0] += 1
    try:
        yield
    finally:
        _DEFERRING[0] -= 1
        if swap:
            signal.signal(signal.SIGINT, previous)
        if not _DEFERRING[0] and PENDING[0]:
            raise_pending()
