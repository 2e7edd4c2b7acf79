"""Figures of the simulator report: each function draws one figure from computed data and returns it.

``subplots`` is :meth:`workbench.report.context.ReportContext.subplots` (Agg backend, constrained
layout); the report saves the figures with their captions. No function here runs a simulation or
solves a theory: the data come from :mod:`workbench.sim.checks` and :mod:`workbench.sim.runs`.
(The leading underscore keeps :func:`workbench.report.registry.discover` from taking it for a report.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.sim.checks import LinearCovariance

__all__ = ["chaos_figure", "linear_covariance_figure"]

Subplots = Callable[..., tuple[Any, Any]]


def _covariance_scatter(ax: Any, lin: LinearCovariance) -> None:
    """Simulated against exact entries: all variances and a random sample of 300 covariances."""
    n, C_th, C_hat, SE = lin.n, lin.C_theory, lin.C_hat, lin.SE
    rng = np.random.default_rng(0)
    iu = np.triu_indices(n, 1)
    pick = rng.choice(iu[0].size, size=min(300, iu[0].size), replace=False)
    d = np.arange(n)
    ax.errorbar(C_th[d, d], C_hat[d, d], yerr=SE[d, d], fmt="o", ms=3, lw=0.8, label="variances $C_{ii}$")
    ax.errorbar(
        C_th[iu][pick],
        C_hat[iu][pick],
        yerr=SE[iu][pick],
        fmt=".",
        ms=3,
        lw=0.6,
        alpha=0.7,
        label="covariances $C_{ij}$",
    )
    lo = min(C_th.min(), C_hat.min())
    hi = max(C_th.max(), C_hat.max())
    ax.plot([lo, hi], [lo, hi], "k-", lw=0.8, label="simulation = theory")
    ax.set(xlabel="prediction (integrator, less centring bias)", ylabel="simulation (mean over trials)", title="equal-time covariance")
    ax.legend(fontsize=10)


def linear_covariance_figure(subplots: Subplots, lin: LinearCovariance) -> Any:
    """Left: simulated against exact covariance entries; right: histogram of the normalised deviations."""
    fig, ax = subplots(1, 2, figsize=(9.0, 3.9))
    _covariance_scatter(ax[0], lin)
    ax[1].hist(np.clip(lin.z, -6, 6), bins=40, density=True, alpha=0.7, label="entries")
    xs = np.linspace(-5, 5, 201)
    ax[1].plot(xs, np.exp(-(xs**2) / 2) / np.sqrt(2 * np.pi), "k-", lw=1, label="standard normal")
    ax[1].set(xlabel="z = (simulation - prediction) / SE", ylabel="density", title="normalised deviations")
    ax[1].legend(fontsize=10)
    return fig


def chaos_figure(subplots: Subplots, run: Any, acf: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Any:
    """Four sample neurons, the autocovariance ``acf = (lags, mean, SE)`` with a 2 SE band, the covariance spectrum."""
    t_, traj = run["t"], run["traj"]
    lags, acf_m, acf_se = acf
    fig, ax = subplots(1, 3, figsize=(9.0, 3.3))
    show = t_ <= t_[0] + 60
    for k in range(4):
        ax[0].plot(t_[show], traj[show, k, 0], lw=0.8)
    ax[0].set(xlabel="t", ylabel="$x_i(t)$", title="sample neurons (trial 0)")
    ax[1].plot(lags, acf_m, "C0-", lw=1.2, label="mean over trials")
    ax[1].fill_between(lags, acf_m - 2 * acf_se, acf_m + 2 * acf_se, color="C0", alpha=0.3, label="$\\pm 2$ SE")
    ax[1].axhline(0, color="k", lw=0.5)
    ax[1].set(xlabel=r"lag $\tau$", ylabel=r"$C(\tau)$", title="autocovariance of $x$")
    ax[1].legend(fontsize=10)
    ev = run["cov_eigs"]
    ev = ev[ev > 0]
    ax[2].loglog(np.arange(1, ev.size + 1), ev, ".", ms=3)
    ax[2].set(xlabel="rank", ylabel="eigenvalue", title="equal-time covariance spectrum")
    return fig
