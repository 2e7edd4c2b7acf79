"""Figures of the ``dimension`` report: covariance spectrum, PR/N vs g, the instability, finite-size scaling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["finite_size_figure", "hs_figure", "instability_figure", "pr_vs_g_figure", "psi_figure"]

FONT = 9
"""Axis-label font size."""


def _axes(ncols: int, width: float = 6.4, height: float = 2.6) -> tuple[Any, Any]:
    """A row of ``ncols`` axes (Agg, constrained layout)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=(width, height), constrained_layout=True)


def hs_figure(x: np.ndarray, density: np.ndarray, eigenvalues: np.ndarray, support: tuple[float, float]) -> Any:
    """Hu-Sompolinsky eigenvalue density (line) against the histogram of one network's covariance eigenvalues."""
    fig, ax = _axes(1, width=4.2, height=2.6)
    ax.hist(eigenvalues, bins=40, density=True, color="0.75", label=f"one network ($N={eigenvalues.size}$)")
    ax.plot(x, density, color="C0", lw=1.4, label="theory (Hu-Sompolinsky)")
    for edge in support:
        ax.axvline(edge, color="C0", lw=0.6, ls=":")
    ax.set_xlabel("covariance eigenvalue $x$", fontsize=FONT)
    ax.set_ylabel("$p(x)$", fontsize=FONT)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, frameon=False)
    return fig


def _points(ax: Any, points: Sequence[Mapping[str, float]], color: str, label: str, k: float) -> None:
    """Simulated points (mean over networks, ``k`` SE bars)."""
    if points:
        g = [p["g"] for p in points]
        ax.errorbar(g, [p["mean"] for p in points], yerr=[k * p["se"] for p in points], fmt="o", ms=3.5,
                    color=color, mfc="white", capsize=2, lw=1.0, label=label)


def pr_vs_g_figure(curves: Mapping[str, Mapping[str, np.ndarray]], points: Mapping[str, Sequence[Mapping[str, float]]],
                   reference: Mapping[float, tuple[float, float]], k: float = 2.0) -> Any:
    """PR/N vs g: noisy linear and tanh networks with simulations (left); noiseless tanh chaos with CAL (right)."""
    fig, (ax0, ax1) = _axes(2)
    lin, tanh, chaos = curves["linear"], curves["tanh"], curves["chaos"]
    ax0.plot(lin["g"], lin["PR_x"], color="C0", lw=1.3, label="linear, theory")
    ax0.plot(tanh["g"], tanh["PR_x"], color="C1", lw=1.3, label="tanh $x$, theory")
    ax0.plot(tanh["g"], tanh["PR_phi"], color="C2", lw=1.0, ls="--", label=r"tanh $\phi(x)$, theory")
    _points(ax0, points.get("linear", ()), "C0", f"linear, exact $C$ ($\\pm{k:g}$ SE)", k)
    _points(ax0, points.get("tanh_x", ()), "C1", f"tanh, simulation ($\\pm{k:g}$ SE)", k)
    _points(ax0, points.get("tanh_phi", ()), "C2", "", k)
    ax0.set_ylim(0, 1.02)
    ax0.set_ylabel("PR$/N$ (white noise)", fontsize=FONT)
    ax1.plot(chaos["g"], chaos["PR_x"], color="C1", lw=1.3, label="$x$, theory")
    ax1.plot(chaos["g"], chaos["PR_phi"], color="C2", lw=1.0, ls="--", label=r"$\phi(x)$, theory")
    gs = sorted(reference)
    ax1.plot(gs, [reference[g][0] for g in gs], "s", color="C1", mfc="none", ms=5, label="Clark et al. $x$")
    ax1.plot(gs, [reference[g][1] for g in gs], "^", color="C2", mfc="none", ms=5, label=r"Clark et al. $\phi$")
    ax1.set_yscale("log")
    ax1.set_ylabel("PR$/N$ (no noise, chaos)", fontsize=FONT)
    for ax in (ax0, ax1):
        ax.set_xlabel("$g$", fontsize=FONT)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=6.5, frameon=False)
    return fig


def instability_figure(curve: Mapping[str, np.ndarray], mean_autocov_linear: np.ndarray,
                       others: Mapping[str, Mapping[str, np.ndarray]] | None = None,
                       points: Sequence[tuple[str, float, float, float]] = ()) -> Any:
    """PR/N of the linear and the tanh network vs g (left, log scale) and the linear variance diverging (right);
    ``others``: further activations' curves (label -> ``g``, ``PR_nonlinear``), ``points``: simulated
    ``(label, g, mean, SE)`` drawn with 2 SE in the colour of their curve."""
    fig, (ax0, ax1) = _axes(2)
    g = curve["g"]
    ax0.plot(g, curve["PR_linear"], color="C0", lw=1.3, label="linear")
    ax0.plot(g, curve["PR_nonlinear"], color="C1", lw=1.3, label="tanh, $x$")
    ax0.plot(g, curve["PR_nonlinear_phi"], color="C2", lw=1.0, ls="--", label=r"tanh, $\phi(x)$")
    colours = {}
    for k, (label, c) in enumerate((others or {}).items()):
        colours[label] = f"C{k + 3}"
        ax0.plot(c["g"], c["PR_nonlinear"], color=colours[label], lw=1.1, ls="-.", label=f"{label}, $x$")
    for label, gp, m, se in points:
        ax0.errorbar([gp], [m], yerr=[2 * se], fmt="o", ms=3.5, capsize=2, color=colours.get(label, "0.2"))
    ax0.set_yscale("log")
    ax0.set_ylabel("PR$/N$", fontsize=FONT)
    ax1.plot(g, mean_autocov_linear, color="C0", lw=1.3, label="linear: mean autocovariance")
    ax1.plot(g, curve["g_eff"], color="C1", lw=1.3, label=r"tanh: $g_{\rm eff}=g\sqrt{\langle\phi'^2\rangle}$")
    ax1.set_yscale("log")
    for ax in (ax0, ax1):
        ax.axvline(1.0, color="0.5", lw=0.6, ls=":")
        ax.set_xlabel("$g$", fontsize=FONT)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=7, frameon=False)
    return fig


def finite_size_figure(studies: Mapping[str, Any], theory: Mapping[str, tuple[float, float]] | None,
                       k: float = 2.0) -> Any:
    """Per-N means (``k`` SE) against 1/N with the fitted line and, when derived, ``value + coef/N``."""
    fig, axes = _axes(len(studies), height=2.4)
    for ax, (key, st) in zip(np.atleast_1d(axes), studies.items(), strict=True):
        inv = 1.0 / np.asarray(st.Ns, dtype=float)
        ax.errorbar(inv, st.mean, yerr=k * np.asarray(st.se), fmt="o", ms=3.5, color="0.2", capsize=2,
                    label=f"exact $C$ ($\\pm{k:g}$ SE)")
        grid = np.linspace(0.0, inv.max() * 1.05, 50)
        ax.plot(grid, st.fit.a + st.fit.c * grid, color="0.5", lw=1.0, ls="--", label="fit $a + c/N$")
        if theory is not None and key in theory:
            value, coef = theory[key]
            ax.plot(grid, value + coef * grid, color="C0", lw=1.3, label="theory to $O(1/N)$")
        ax.set_xlabel("$1/N$", fontsize=FONT)
        ax.set_ylabel(key.replace("_", " "), fontsize=FONT)
        ax.tick_params(labelsize=8)
    np.atleast_1d(axes)[0].legend(fontsize=6.5, frameon=False)
    return fig


def psi_figure(grid: np.ndarray, curves: Mapping[str, Mapping[str, np.ndarray]], w: np.ndarray,
               points: Mapping[str, Mapping[str, np.ndarray]], k: float = 2.0) -> Any:
    """psi(w, w) (left) and psi(0, w) (right) of x and phi: theory curves on ``grid`` and the simulated means at
    ``w`` (``points[which]["mean"|"se"]``, matrices over ``w x w``) with ``k`` SE bars (log scale)."""
    fig, (ax0, ax1) = _axes(2)
    for which, colour, label in (("x", "C1", "$x$"), ("phi", "C2", r"$\phi(x)$")):
        c, p = curves[which], points[which]
        for ax, line, sim in ((ax0, c["diag"], (np.diag(p["mean"]), np.diag(p["se"]))),
                              (ax1, c["row0"], (p["mean"][0], p["se"][0]))):
            ax.plot(grid, line, color=colour, lw=1.3, label=f"{label}, theory")
            ax.errorbar(w, sim[0], yerr=k * sim[1], fmt="o", ms=3.5, color=colour, mfc="white", capsize=2, lw=1.0,
                        label=f"{label}, simulation ($\\pm{k:g}$ SE)")
    ax0.set_ylabel(r"$\psi(\omega, \omega)$", fontsize=FONT)
    ax1.set_ylabel(r"$\psi(0, \omega)$", fontsize=FONT)
    for ax in (ax0, ax1):
        ax.set_yscale("log")
        ax.set_xlabel(r"$\omega$", fontsize=FONT)
        ax.tick_params(labelsize=8)
    ax0.legend(fontsize=6.5, frameon=False)
    return fig
