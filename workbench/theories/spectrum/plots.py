"""Figures of the spectrum report: eigenvalues with the predicted boundary, density cut, edge vs timescales."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["density_cut_figure", "edge_vs_spread_figure", "scatter_figure"]


def scatter_figure(solver: Any, core: np.ndarray, bar: np.ndarray, title: str) -> Any:
    """Sampled eigenvalues (bulk, bar) with the predicted boundary and outliers: the bar-and-blob picture."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    ax.plot(core.real, core.imag, ".", ms=2, color="0.35", label="eigenvalues (core block)")
    if bar.size:
        ax.plot(bar, 0 * bar, "|", ms=6, color="tab:green", alpha=0.4, label=r"bar $-1/\tau_E$ (exact)")
    x, Y = solver.boundary(600)
    ax.plot(np.r_[x, x[::-1]], np.r_[Y, -Y[::-1]], color="tab:red", lw=1.2, label="predicted boundary F(z) = 1")
    for k, z in enumerate(solver.outliers()):
        ax.plot(z.real, z.imag, "x", color="tab:blue", ms=9, mew=2, label="predicted outlier" if k == 0 else None)
    ax.axvline(0, color="k", lw=0.6, ls=":")
    ax.set_xlabel("Re z")
    ax.set_ylabel("Im z")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def density_cut_figure(solver: Any, core: np.ndarray, N: int, x0: float, width: float) -> Any:
    """Density along the vertical cut Re z = x0: theory against the eigenvalues in a strip of ``width``."""
    import matplotlib.pyplot as plt

    x, Y = solver.boundary(400)
    top = float(np.interp(x0, x, Y)) * 1.15
    y = np.linspace(-top, top, 301)
    rho = solver.density(np.full(y.size, x0), y)
    sel = np.abs(core.real - x0) < width / 2
    edges = np.linspace(-top, top, 25)
    counts = np.histogram(core[sel].imag, edges)[0] / (core.shape[0] if core.ndim > 1 else 1)
    fig, ax = plt.subplots(figsize=(5.0, 3.2))
    ax.plot(y, rho, color="tab:red", label=r"theory $\rho(x_0 + iy)$")
    hist = counts / (N * width * np.diff(edges))
    ax.step(edges[:-1], hist, where="post", color="0.3", label="eigenvalues (strip, all samples)")
    ax.set_xlabel("Im z")
    ax.set_ylabel("density per unit area / N")
    ax.set_title(f"cut Re z = {x0:.3g}", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def edge_vs_spread_figure(spreads: np.ndarray, x_R: np.ndarray, gaps: np.ndarray, F0: float) -> Any:
    """x_R against the width of the inhibitory timescale law (fixed F0): slow, broad tau_I approach marginality."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.0, 3.2))
    ax.plot(spreads, x_R, "o-", color="tab:red", label=r"$x_R$ (Dyson solver)")
    ax.plot(spreads, gaps, "--", color="0.4", label=r"$-(1-F_0)/(2F_0\tau_{\rm eff})$")
    ax.axhline(0, color="k", lw=0.6, ls=":")
    ax.set_xlabel(r"upper end of $\tau_I$ law ($\tau_I = 2 + s\,$Beta(2,2))")
    ax.set_ylabel(r"$x_R$")
    ax.set_title(f"F0 = {F0:.3g} fixed: the threshold does not move", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
