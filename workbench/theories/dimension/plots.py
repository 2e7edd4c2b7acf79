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


def critical_figure(curves: Mapping[str, Mapping[str, np.ndarray]],
                    simulated: tuple[str, float, Mapping[str, tuple[float, float]]] | None = None) -> Any:
    """At g = g_c, against sigma^2 (log-log): the mean autocovariance of x (left) and its equal-time PR/N (right),
    the cavity theory (markers) beside the derived laws (lines) per activation (``curves``: label -> the arrays of
    :func:`~workbench.theories.dimension.scaling.critical_curves`); ``simulated``: ``(label, sigma2, {statistic:
    (mean, SE)})`` drawn with 2 SE."""
    fig, (ax0, ax1) = _axes(2)
    styles = (("-", "o", 3.5), ("--", "^", 3.0), (":", "x", 3.5))  # tanh and the cubic share their law: both show
    for k, (label, c) in enumerate(curves.items()):
        ls, marker, ms = styles[k % len(styles)]
        for ax, stat in ((ax0, "mean_autocov_x"), (ax1, "PR_over_N_x")):
            ax.plot(c["sigma2"], c[f"{stat}_law"], color=f"C{k}", lw=1.0, ls=ls, label=f"{label}: law")
            ax.plot(c["sigma2"], c[stat], marker, ms=ms, mfc="none", ls="none", color=f"C{k}",
                    label=f"{label}: cavity")
    if simulated is not None:
        _, s2, sim = simulated
        for ax, stat in ((ax0, "mean_autocov"), (ax1, "PR_over_N")):
            m, se = sim[stat]
            ax.errorbar([s2], [m], yerr=[2 * se], fmt="s", ms=3.5, capsize=2, color="0.1", label="simulated")
    ax0.set_ylabel("mean autocovariance of $x$", fontsize=FONT)
    ax1.set_ylabel("PR$/N$ (equal time)", fontsize=FONT)
    for ax in (ax0, ax1):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\sigma^2$ at $g = g_c$", fontsize=FONT)
        ax.tick_params(labelsize=8)
    ax1.legend(fontsize=6, frameon=False, ncol=1)
    return fig


def finite_size_figure(studies: Mapping[str, Any], theory: Any, counts: Sequence[int], k: float = 2.0) -> Any:
    """Per statistic (columns): top, the per-N means (``k`` SE) against 1/N with ``value + coef/N`` of ``theory``
    (:class:`~workbench.theories.dimension.finite_size.FiniteSizeCoefficients`) and the fit ``a + c/N + d/N^2``;
    bottom, ``N (y - value)`` with the fit ``c + d/N`` and the derived ``coef`` at 1/N = 0
    (:func:`~workbench.theories.dimension.finite_size.coefficient_fits`)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from workbench.theories.dimension.finite_size import coefficient_fits

    fig, axes = plt.subplots(2, len(studies), figsize=(6.4, 4.4), constrained_layout=True, squeeze=False)
    for j, (key, st) in enumerate(studies.items()):
        top, bottom = axes[0, j], axes[1, j]
        N = np.asarray(st.Ns, dtype=float)
        inv, se = 1.0 / N, np.asarray(st.se)
        grid = np.linspace(0.0, inv.max() * 1.05, 80)
        fa, fc = coefficient_fits(st, theory, counts)
        a, c = theory.value[key], theory.coef[key]
        top.errorbar(inv, st.mean, yerr=k * se, fmt="o", ms=3.0, color="0.2", capsize=2,
                     label=f"exact $C$ ($\\pm{k:g}$ SE)")
        top.plot(grid, a + c * grid, color="C0", lw=1.3, label="theory to $O(1/N)$")
        top.plot(grid[1:], fa.at(1.0 / grid[1:]), color="0.5", lw=1.0, ls="--", label="fit $a + c/N + d/N^2$")
        bottom.errorbar(inv, N * (np.asarray(st.mean) - a), yerr=k * N * se, fmt="o", ms=3.0, color="0.2", capsize=2)
        bottom.plot(grid[1:], fc.at(1.0 / grid[1:]), color="0.5", lw=1.0, ls="--", label="fit $c + d/N$")
        bottom.plot([0.0], [c], marker="*", ms=9, color="C0", ls="none", label="derived $c$")
        top.set_ylabel(key.replace("_", " "), fontsize=FONT)
        bottom.set_ylabel(f"$N$ ({key.replace('_', ' ')} $- a$)", fontsize=FONT)
        bottom.set_xlabel("$1/N$", fontsize=FONT)
        for ax in (top, bottom):
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=6, frameon=False)
    axes[1, 0].legend(fontsize=6, frameon=False)
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
