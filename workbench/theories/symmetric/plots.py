"""Figures of the ``symmetric`` report: Delta(t, t) and <x(t)> against simulation, the response R(t, s)."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.theories.symmetric.result import SymmetricResult

__all__ = ["moments_figure", "response_figure"]


def moments_figure(theory: SymmetricResult, sim: Any, k: float = 2.0) -> Any:
    """<x(t)> and Delta(t, t): theory (line, MC band) and simulation (mean over networks, ``k`` SE band)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(6.4, 2.6), constrained_layout=True)
    series = (("m_x", theory.m_x, theory.se_m_x, r"$\langle x(t)\rangle$"),
              ("Delta", theory.Delta_diag, theory.se_Delta_diag, r"$\Delta(t,t)=\langle x(t)^2\rangle$"))
    for ax, (name, th, th_se, label) in zip(axes, series, strict=True):
        est, se = sim.mean_se(name)
        ax.fill_between(sim.t, est - k * se, est + k * se, color="0.8", label=f"simulation $\\pm{k:g}$ SE")
        ax.plot(sim.t, est, color="0.3", lw=1.0, label="simulation (mean over networks)")
        ax.plot(theory.t, th, color="C0", lw=1.4, label="DMFT")
        ax.fill_between(theory.t, th - k * th_se, th + k * th_se, color="C0", alpha=0.25, lw=0)
        ax.set_xlabel("$t$", fontsize=9)
        ax.set_ylabel(label, fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=7, frameon=False)
    return fig


def response_figure(theory: SymmetricResult) -> Any:
    """Heat map of the response R_x(t, s) (causal: zero for s >= t) and its cuts at fixed t."""
    import matplotlib.pyplot as plt

    t = theory.t
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(6.4, 2.6), constrained_layout=True)
    R = np.where(t[:, None] > t[None, :], theory.R_x, np.nan)
    im = ax0.pcolormesh(t, t, R, shading="nearest", cmap="viridis")
    cb = fig.colorbar(im, ax=ax0)
    cb.ax.tick_params(labelsize=8)
    cb.set_label("$R_x(t,s)$", fontsize=9)
    ax0.set_xlabel("$s$", fontsize=9)
    ax0.set_ylabel("$t$", fontsize=9)
    for frac in (0.25, 0.5, 1.0):
        i = int(round(frac * (len(t) - 1)))
        ax1.plot(t[:i], theory.R_x[i, :i], lw=1.2, label=f"$t={t[i]:g}$")
    ax1.set_xlabel("$s$", fontsize=9)
    ax1.set_ylabel("$R_x(t,s)$", fontsize=9)
    ax1.legend(fontsize=7, frameon=False)
    for ax in (ax0, ax1):
        ax.tick_params(labelsize=8)
    return fig
