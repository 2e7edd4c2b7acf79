"""Sweep results as a labelled :class:`xarray.Dataset`, written atomically as NetCDF."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workbench.parallel.grid import product_grid

__all__ = ["UNITS", "flatten_summary", "sweep_dataset", "write_netcdf"]

UNITS = {
    "Delta0": "x^2", "Delta_inf": "x^2", "C_phi0": "phi^2", "tau_half": "tau", "lyapunov": "1/tau",
    "lambda_max": "1/tau", "kappa": "1/tau", "mu": "x", "g": "1", "sigma2": "x^2/tau", "tau_noise": "tau",
    "PR_over_N_x": "1", "PR_over_N_phi": "1", "mean_autocov_x": "x^2", "mean_autocov_phi": "phi^2",
    "N_mean_cross_x": "x^2", "N_mean_cross_phi": "phi^2",
}
"""Units of the result keys and parameters that have one (tau = the membrane time constant)."""


def flatten_summary(summary: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested summary dicts flattened with ``__`` (``error_estimates__Delta0``); lists are kept as they are."""
    flat: dict[str, Any] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_summary(value, f"{name}__"))
        else:
            flat[name] = value
    return flat


def _is_number(v: Any) -> bool:
    return isinstance(v, (bool, int, float, np.integer, np.floating)) and not isinstance(v, str)


def _coordinate(values: Sequence[str]) -> np.ndarray:
    """Float coordinates when every value is a number, strings otherwise."""
    try:
        return np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        return np.array(list(values), dtype=str)


def sweep_dataset(
    axes: Mapping[str, Sequence[str]],
    results: Sequence[dict[str, Any] | None],
    errors: Sequence[str | None],
    attrs: Mapping[str, Any],
):
    """One variable per numeric scalar result key over the product grid of ``axes`` (NaN where a point failed).

    String results equal at every point become attributes, varying ones string variables ("" where
    missing); keys holding lists are named in the ``skipped_keys`` attribute. ``failed`` (0/1) marks failed points and the
    ``failed_points`` attribute (JSON) gives each one's parameters and reason.
    """
    import xarray as xr

    dims = list(axes)
    shape = tuple(len(axes[d]) for d in dims)
    flat = [flatten_summary(r) if r is not None else None for r in results]
    keys = sorted({k for r in flat if r for k in r})
    data_vars: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    skipped = []
    for k in keys:
        if k in axes:  # a result that repeats a swept parameter (e.g. N): the coordinate holds it
            continue
        vals = [r.get(k) if r else None for r in flat]
        present = [v for v in vals if v is not None]
        if present and all(_is_number(v) for v in present):
            arr = np.array([float(v) if v is not None else math.nan for v in vals], dtype=np.float64)
            data_vars[k] = (dims, arr.reshape(shape), {"units": UNITS[k]} if k in UNITS else {})
        elif present and all(isinstance(v, str) for v in present) and len(set(present)) == 1:
            extra[f"result_{k}"] = present[0]
        elif present and all(isinstance(v, str) for v in present):
            arr = np.array([v if v is not None else "" for v in vals], dtype=str)
            data_vars[k] = (dims, arr.reshape(shape), {})
        else:
            skipped.append(k)
    failed = np.array([e is not None for e in errors], dtype=np.int8).reshape(shape)
    data_vars["failed"] = (dims, failed, {"description": "1 where the point failed (reason in failed_points)"})
    coords = {d: (d, _coordinate(axes[d]), {"units": UNITS[d]} if d in UNITS else {}) for d in dims}
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update({k: _attr(v) for k, v in attrs.items()})
    ds.attrs.update(extra)
    ds.attrs["skipped_keys"] = ",".join(skipped)
    ds.attrs["failed_points"] = json.dumps(
        [{"point": p, "reason": e} for p, e in zip(product_grid(axes), errors, strict=True) if e is not None],
        sort_keys=True,
    )
    return ds


def _attr(v: Any) -> Any:
    """A NetCDF-storable attribute value (JSON text for anything but str / numbers)."""
    return v if isinstance(v, (str, int, float)) else json.dumps(v, sort_keys=True, default=str)


def write_netcdf(ds: Any, path: str | Path) -> Path:
    """Write ``ds`` as NetCDF (classic format, SciPy engine: no extra library) atomically."""
    from workbench.io import atomic_path

    path = Path(path)
    with atomic_path(path, suffix=".nc.part") as tmp:
        ds.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")
    return path
