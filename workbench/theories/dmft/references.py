"""Reference values from the project notes and the literature, with their sources.

One place for the numbers that tests and reports compare against. Every table names its source
(``shared/theory/<note>.md`` section, or the paper) and the number of digits it was given to, which
sets the comparison tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RefTable", "DMFT_SCS", "DMFT_WHITE", "DMFT_TRANSITION"]


@dataclass(frozen=True)
class RefTable:
    """A reference table: column names, rows, source and the relative precision of its digits."""

    columns: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    source: str
    rel_precision: float

    def records(self) -> list[dict[str, float]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


DMFT_SCS = RefTable(
    ("g", "Delta0", "static_Delta0", "C_phi0", "tau_half", "kappa", "lyapunov"),
    (
        (1.5, 0.747686, 0.793354, 0.342093, 7.846, 0.1616, 0.04675),
        (2.0, 1.924805, 2.121474, 0.513178, 5.361, 0.2281, 0.11246),
    ),
    "shared/theory/dmft.md §2.2 (phi = tanh, no noise)",
    1e-4,
)
"""Sompolinsky-Crisanti-Sommers chaotic solution, phi = tanh (computed in the notes)."""

DMFT_WHITE = RefTable(
    ("sigma2", "g", "Delta0", "lyapunov"),
    (
        (0.1, 0.5, 0.05680, -0.52572),
        (0.1, 1.0, 0.11742, -0.09627),
        (0.1, 1.5, 0.75413, 0.02848),
        (0.1, 2.0, 1.92666, 0.09899),
        (0.1, 2.5, 3.49624, 0.16528),
        (0.5, 0.5, 0.27399, -0.59264),
        (0.5, 1.0, 0.39167, -0.23456),
        (0.5, 1.5, 0.87738, -0.03522),
        (0.5, 2.0, 1.96991, 0.05441),
        (0.5, 2.5, 3.51771, 0.12766),
    ),
    "shared/theory/dmft.md §3.3 (phi = tanh, white noise)",
    2e-4,
)
"""White-noise-driven network (Schuecker, Goedeke, Helias 2018 equations): Delta0 and lambda_max."""

DMFT_TRANSITION = RefTable(
    ("sigma2", "g_local", "g_chaos", "Delta0_at_g_chaos"),
    ((0.5, 1.37133, 1.67414, 1.19711),),
    "shared/theory/dmft.md §3.2 (phi = tanh)",
    1e-5,
)
"""Local-instability line g^2 <phi'^2> = 1 and the lambda = 0 transition with white noise."""
