"""Progress bars for long runs: a thin wrapper over ``tqdm`` (stderr; silent when not wanted)."""

from __future__ import annotations

import sys

__all__ = ["Progress"]


class Progress:
    """``with Progress(total, "simulate") as p: p.update(n)``, drawn by ``tqdm``.

    Parameters
    ----------
    total : int
        Number of units of work.
    label : str
        Text in front of the bar.
    enabled : bool or None
        ``None`` shows the bar only when the stream is a terminal.
    stream : file, optional
        Where the bar is drawn (default stderr).
    """

    def __init__(self, total: int, label: str = "", enabled: bool | None = None, stream=None) -> None:
        from tqdm.auto import tqdm

        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.enabled = isatty() if enabled is None else bool(enabled)
        self.done = 0
        self._bar = tqdm(total=self.total, desc=label, file=self.stream, disable=not self.enabled,
                         mininterval=0.1, leave=False, dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` units."""
        self.done += n
        self._bar.update(n)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self._bar.close()
