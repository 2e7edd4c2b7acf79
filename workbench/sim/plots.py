"""Summary figure of a simulation (sample traces, population mean, C(tau), covariance spectrum)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from workbench.sim.estimators import autocovariance_trials, mean_is_zero
from workbench.sim.simulator import SimResult

__all__ = ["check_plot_path", "plot_summary"]


def check_plot_path(path: str | Path, parameter: str = "plot") -> Path:
    """Refuse a figure path matplotlib cannot write (no or unknown extension, a folder) before any run.

    Raises
    ------
    SpecError
        Naming ``parameter`` and the supported extensions.
    """
    from matplotlib.figure import Figure

    from workbench.errors import SpecError
    from workbench.io import check_output_file

    path = check_output_file(path, parameter)
    supported = sorted(Figure().canvas.get_supported_filetypes())
    ext = path.suffix[1:].lower()
    if not ext:
        raise SpecError(parameter, f"give the figure file an extension; supported: {', '.join(supported)}")
    if ext not in supported:
        raise SpecError(parameter, f"unknown figure format {ext!r} of {str(path)!r}; supported: {', '.join(supported)}")
    return path


def _autocovariance_panel(ax: Any, res: SimResult) -> None:
    """C(tau) without centring bias, with a band of 2 SE over trials (:func:`autocovariance_trials`).

    Where the mean is 0 by symmetry (:func:`mean_is_zero`) the series are not centred (unbiased);
    otherwise the exact bias of centring by each series' time average is removed.
    """
    dt = float(res.t[1] - res.t[0])
    known = mean_is_zero(res.network.spec)
    lags, C, se = autocovariance_trials(
        res.traj, dt, max_lag=min(30.0, res.t[-1] - res.t[0]), mean=0.0 if known else None
    )
    K = res.traj.shape[2]
    if K >= 2:
        ax.fill_between(lags, C - 2 * se, C + 2 * se, color="C0", alpha=0.3, lw=0, label=f"$\\pm 2$ SE ({K} trials)")
    ax.plot(lags, C, "C0-", label="mean 0 by symmetry" if known else "centring bias removed")
    ax.axhline(0, color="k", lw=0.5)
    ax.legend(fontsize=7)
    ax.set(xlabel=r"$\tau$", ylabel=r"$C(\tau)$", title="autocovariance (neurons, trials)")


def plot_summary(res: SimResult, path: str | Path) -> Path:
    """Write a 2x2 summary figure of ``res`` (needs 'traj', 'popmean' and 'cov' recorded), atomically."""
    import matplotlib

    from workbench.io import atomic_path

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, 2, figsize=(9, 6.5), constrained_layout=True)
    if res.traj is not None:
        for i in range(min(5, res.traj.shape[1])):
            ax[0, 0].plot(res.t, res.traj[:, i, 0], lw=0.8)
        ax[0, 0].set(xlabel="t", ylabel="$x_i(t)$", title="sample neurons (trial 0)")
        if res.t.size > 2 and res.traj.shape[1] > 0:
            _autocovariance_panel(ax[1, 0], res)
    if res.popmean_x is not None:
        ax[0, 1].plot(res.t, res.popmean_x, lw=0.8)
        ax[0, 1].set(xlabel="t", ylabel=r"$\frac{1}{N}\sum_i x_i$", title="population mean per trial")
    if res.cov_x is not None:
        ev = np.sort(np.linalg.eigvalsh(res.cov_x))[::-1]
        ev = ev[ev > 0]
        ax[1, 1].loglog(np.arange(1, ev.size + 1), ev, ".", ms=3)
        ax[1, 1].set(xlabel="rank", ylabel="eigenvalue", title="equal-time covariance spectrum")
    fig.suptitle(res.info.get("spec", ""), fontsize=9)
    path = Path(path)
    fmt = path.suffix[1:].lower() or None
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=110, metadata={"CreationDate": None} if fmt == "pdf" else None)
    finally:
        plt.close(fig)
    return path
