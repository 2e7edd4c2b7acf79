"""Figures of the ``fixed`` report: predicted against simulated pairs, covariance spectra, error vs N, pulse response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["error_vs_n_figure", "pulse_figure", "scatter_figure", "spectrum_figure"]

FONT = 9
"""Axis-label font size."""


def _axes(nrows: int, ncols: int, width: float = 6.4, height: float = 2.4) -> tuple[Any, Any]:
    """A grid of axes (Agg, constrained layout), always 2-D."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=(width, height * nrows), constrained_layout=True, squeeze=False)


def _off(C: np.ndarray) -> np.ndarray:
    """Off-diagonal entries i < j."""
    return np.asarray(C, float)[np.triu_indices(np.asarray(C).shape[0], 1)]


def scatter_figure(panels: Sequence[Mapping[str, Any]]) -> Any:
    """Predicted (horizontal) against simulated (vertical) off-diagonal covariances, one column per network,
    rows x and phi; each panel has ``title``, ``pred_x``, ``sim_x``, ``pred_phi``, ``sim_phi``."""
    fig, axes = _axes(2, len(panels), width=2.2 * len(panels) + 0.4, height=2.1)
    for c, p in enumerate(panels):
        for r, name in enumerate(("x", "phi")):
            ax = axes[r, c]
            pr, si = _off(p[f"pred_{name}"]), _off(p[f"sim_{name}"])
            ax.plot(pr, si, ".", ms=1.0, alpha=0.35, color="C0", rasterized=True)
            lim = float(np.max(np.abs(np.concatenate([pr, si])))) * 1.05
            ax.plot([-lim, lim], [-lim, lim], color="k", lw=0.7)
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.tick_params(labelsize=7)
            if r == 0:
                ax.set_title(p["title"], fontsize=8)
            ax.set_xlabel(f"predicted $C^{{{name if name == 'x' else chr(92) + 'phi'}}}_{{ij}}$", fontsize=FONT - 1)
            if c == 0:
                ax.set_ylabel("simulated", fontsize=FONT - 1)
    return fig


def spectrum_figure(panels: Sequence[Mapping[str, Any]]) -> Any:
    """Zero-frequency covariance spectrum of phi: simulated and predicted eigenvalues (histograms) and the
    Shen-Hu density (Hu-Sompolinsky at g_eff, scaled); each panel has ``title``, ``sim``, ``pred``, ``x``, ``density``."""
    fig, axes = _axes(1, len(panels), width=2.3 * len(panels) + 0.4, height=2.4)
    for ax, p in zip(axes[0], panels, strict=True):
        pred = np.asarray(p["pred"])
        sim = np.asarray(p["sim"])
        bins = np.geomspace(0.5 * float(pred.min()), 2.0 * max(float(pred.max()), float(sim.max())), 40)
        ax.hist(sim[sim >= bins[0]], bins=bins, weights=np.full(int(np.sum(sim >= bins[0])), 1.0 / sim.size),
                color="0.75", label="simulated")
        ax.hist(pred, bins=bins, weights=np.full(pred.size, 1.0 / pred.size), histtype="step", color="C1", lw=1.1,
                label="predicted (this J)")
        if p.get("x") is not None:  # density per log-bin: p(x) x dlog(x)
            dlog = float(np.log(bins[1] / bins[0]))
            x = np.asarray(p["x"])
            ax.plot(x, np.asarray(p["density"]) * x * dlog, color="C0", lw=1.2, label=r"Shen-Hu HS($g_{\mathrm{eff}}$)")
        ax.set_xscale("log")
        ax.set_title(p["title"], fontsize=8)
        ax.set_xlabel("eigenvalue", fontsize=FONT - 1)
        ax.tick_params(labelsize=7)
    axes[0, 0].set_ylabel("fraction per bin", fontsize=FONT - 1)
    axes[0, 0].legend(fontsize=6, frameon=False)
    return fig


def error_vs_n_figure(Ns: Sequence[int], err: Sequence[float], se: Sequence[float], fit: Mapping[str, float] | None,
                      baseline: Sequence[float]) -> Any:
    """Relative rms pair error against N (2 SE), the fitted power law and the DMFT baseline (no pair structure)."""
    fig, axes = _axes(1, 1, width=3.8, height=2.7)
    ax = axes[0, 0]
    N = np.asarray(Ns, float)
    ax.errorbar(N, err, yerr=2 * np.asarray(se), fmt="o", color="C0", ms=4, capsize=2, label="this theory")
    ax.plot(N, baseline, "s", color="C3", ms=4, label="disorder-averaged DMFT (0 off-diagonal)")
    if fit:
        n = np.geomspace(N.min() * 0.9, N.max() * 1.1, 20)
        ax.plot(n, fit["amplitude"] * n ** fit["exponent"], color="C0", lw=0.8, ls="--",
                label=f"fit $N^{{{fit['exponent']:.2f} \\pm {fit['exponent_se']:.2f}}}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("$N$", fontsize=FONT)
    ax.set_ylabel("rms pair error / rms prediction", fontsize=FONT - 1)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, frameon=False)
    return fig


def pulse_figure(t: np.ndarray, sim: np.ndarray, se: np.ndarray, flow: np.ndarray, pairs: Sequence[tuple[int, int]],
                 title: str) -> Any:
    """Mean response ``R_ij(t)`` to a pulse on j (points, 2 SE over trials) against ``exp((J D - 1) t)`` (lines)."""
    fig, axes = _axes(1, len(pairs), width=2.3 * len(pairs) + 0.4, height=2.3)
    for ax, (i, j) in zip(axes[0], pairs, strict=True):
        ax.errorbar(t, sim[:, i, j], yerr=2 * se[:, i, j], fmt=".", ms=3, color="0.3", capsize=0, elinewidth=0.6,
                    label="simulation")
        ax.plot(t, flow[:, i, j], color="C0", lw=1.1, label="theory")
        ax.axhline(0, color="k", lw=0.4)
        ax.set_title(f"$R_{{{i}{j}}}(t)$, {title}", fontsize=8)
        ax.set_xlabel("$t$", fontsize=FONT - 1)
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=6, frameon=False)
    return fig
