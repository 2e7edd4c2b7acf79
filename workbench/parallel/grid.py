"""Sweep values on the command line: a list ``a,b,c`` or an inclusive range ``start:stop:count``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from workbench.errors import SpecError

__all__ = ["parse_values", "product_grid", "split_top_level"]


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split ``text`` at ``sep`` outside brackets and parentheses (``clip(x,-1,1)`` stays whole)."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _number(text: str) -> float | None:
    """``text`` as a finite float, or None."""
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _range(option: str, text: str) -> list[str] | None:
    """``start:stop:count`` (inclusive, ``count`` >= 1) as formatted values; None when not a range."""
    parts = text.split(":")
    if len(parts) != 3 or any(_number(p) is None for p in parts):
        return None
    start, stop, count = (float(p) for p in parts)
    if count != int(count) or not 1 <= count <= 100_000:
        raise SpecError(option, f"range start:stop:count needs an integer count in [1, 100000], got {parts[2]!r}")
    if count == 1 and start != stop:
        raise SpecError(option, f"range {text!r} has count 1 but start != stop")
    return [repr(float(v)) for v in np.linspace(start, stop, int(count))]


def parse_values(option: str, text: str) -> list[str]:
    """The values an option takes in a sweep: a list ``a,b,c``, a range ``start:stop:count`` or one value.

    Raises
    ------
    SpecError
        Naming ``option`` for an empty element, a bad range or a repeated value.
    """
    values: list[str] = []
    for part in split_top_level(str(text)):
        if part == "":
            raise SpecError(option, f"empty value in {text!r}; use a,b,c or start:stop:count")
        values.extend(_range(option, part) or [part])
    if len(set(values)) != len(values):
        raise SpecError(option, f"repeated value in {text!r}")
    return values


def product_grid(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values (last axis fastest), as dicts."""
    names = list(axes)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(axes[n] for n in names))]
