"""A dependency-free progress bar for long runs (stderr; silent when not wanted)."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    """Minimal progress bar: ``with Progress(total, "simulate") as p: p.update(n)``.

    Parameters
    ----------
    total : int
        Number of units of work.
    label : str
        Text in front of the bar.
    enabled : bool or None
        ``None`` shows the bar only when stderr is a terminal.
    """

    def __init__(self, total: int, label: str = "", enabled: bool | None = None, stream=None) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self._t0 = time.perf_counter()
        self._last = 0.0

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` units and redraw at most 10 times per second."""
        self.done += n
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        frac = min(self.done / self.total, 1.0)
        el = now - self._t0
        eta = el / frac - el if frac > 0 else 0.0
        bar = "#" * int(30 * frac)
        self.stream.write(f"\r{self.label} [{bar:<30}] {100 * frac:5.1f}% {el:6.1f}s elapsed, ~{eta:6.1f}s left")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
