"""Figures of the dmft report: each function draws one figure from computed data and returns it.

``subplots`` is :meth:`workbench.report.context.ReportContext.subplots` (Agg backend, constrained
layout); the report saves the figures with their captions. No function here computes a theory or
runs a simulation: the data come from the solvers and from :mod:`workbench.theories.dmft.checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from workbench.report.latex import sympy_latex

__all__ = [
    "autocovariance_figure",
    "finite_size_figure",
    "lyapunov_figure",
    "phase_diagram_figure",
    "populations_figure",
    "white_noise_figure",
]

Subplots = Callable[..., tuple[Any, Any]]


def phase_diagram_figure(
    subplots: Subplots,
    gs: np.ndarray,
    branches: Mapping[float, tuple[Sequence[float], Sequence[float]]],
    s2s: np.ndarray,
    g_chaos: Sequence[float],
    g_local: Sequence[float],
    local_condition: Any,
    points: Mapping[str, Any] | None = None,
    extrapolated: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
    phase_points: Mapping[str, Any] | None = None,
) -> Any:
    """Delta0(g) and lambda_max(g) per noise level (``branches[sigma2] = (Delta0s, lambdas)``), transition lines.

    ``local_condition`` is the derived local-instability equation (its LaTeX labels the local line).
    ``points`` (optional): simulated networks without noise at one N (``g``, ``Delta0``, ``Delta0_se``, ``lam``,
    ``lam_se``, ``N``; bars 2 SE); ``extrapolated`` (optional): ``{"Delta0": [(g, a, se_a)], "lam": [...]}``
    intercepts of the finite-size fits (bars 2 SE). ``phase_points`` (optional): simulated networks with noise
    (``sigma2``, ``g``, ``lam``, ``lam_se``); they and ``points`` (at sigma^2 = 0) are marked in the (sigma^2, g)
    panel by the sign of the simulated lambda_max (:func:`_regime_markers`).
    """
    fig, axs = subplots(1, 3, figsize=(10.5, 3.2))
    for (s2, (d0, lam)), col in zip(branches.items(), ("k", "C0", "C3"), strict=False):
        axs[0].plot(gs, d0, color=col, label=f"$\\sigma^2 = {s2:g}$")
        axs[1].plot(gs, lam, color=col)
    axs[0].set(xlabel="$g$", ylabel=r"$\Delta_0$")
    axs[1].axhline(0, color="0.5", lw=0.6)
    axs[1].set(xlabel="$g$", ylabel=r"$\lambda_{\max}$")
    if points is not None:
        kw = {"fmt": "o", "color": "k", "ms": 3, "mfc": "white", "capsize": 2}
        axs[0].errorbar(points["g"], points["Delta0"], yerr=2 * points["Delta0_se"], label=f"N = {points['N']}", **kw)
        axs[1].errorbar(points["g"], points["lam"], yerr=2 * points["lam_se"], **kw)
    for key, ax in (("Delta0", axs[0]), ("lam", axs[1])):
        rows = (extrapolated or {}).get(key, [])
        if rows:
            g_, a_, se_ = (np.array(v) for v in zip(*rows, strict=True))
            ax.errorbar(g_, a_, yerr=2 * se_, fmt="s", color="C2", ms=4, capsize=2, label=r"$N \to \infty$ fit")
    axs[0].legend(fontsize=8)
    axs[2].plot(s2s, g_chaos, "C3-", label=r"chaos ($\lambda_{\max} = 0$)")
    axs[2].plot(s2s, g_local, "C0--", label=f"local (${sympy_latex(local_condition)}$)")
    sim = [
        (np.zeros(len(pt["g"])) if pt is points else pt["sigma2"], pt["g"], pt["lam"], pt["lam_se"])
        for pt in (points, phase_points)
        if pt is not None
    ]
    if sim:
        _regime_markers(axs[2], *(np.concatenate(cols) for cols in zip(*sim, strict=True)))
    axs[2].set(xlabel=r"$\sigma^2$", ylabel="$g$")
    axs[2].legend(fontsize=7)
    return fig


def _regime_markers(ax: Any, s2: np.ndarray, g: np.ndarray, lam: np.ndarray, lam_se: np.ndarray) -> None:
    """Simulated (sigma^2, g): filled where lambda_max > 2 SE (chaotic), open where < -2 SE, crosses otherwise."""
    chaotic, regular = lam - 2 * lam_se > 0, lam + 2 * lam_se < 0
    undecided = ~(chaotic | regular)
    for sel, kw in (
        (chaotic, {"marker": "o", "color": "C3", "label": r"network: $\lambda_{\max} > 0$"}),
        (regular, {"marker": "o", "color": "C0", "mfc": "white", "label": r"network: $\lambda_{\max} < 0$"}),
        (undecided, {"marker": "x", "color": "0.4", "label": "network: sign within 2 SE"}),
    ):
        if np.any(sel):
            ax.plot(s2[sel], g[sel], ls="none", ms=4, clip_on=False, **kw)


def autocovariance_figure(
    subplots: Subplots, lags: np.ndarray, C_sim: np.ndarray, C_se: np.ndarray, theory: Any, N: int, trials: int
) -> Any:
    """The chaotic network's autocovariance (band: 2 SE over trials) and the DMFT Delta(tau)."""
    fig, ax = subplots(figsize=(6.0, 3.4))
    ax.fill_between(lags, C_sim - 2 * C_se, C_sim + 2 * C_se, color="C0", alpha=0.3, label=r"simulation $\pm 2$ SE")
    ax.plot(lags, C_sim, "C0-", lw=1.2, label=f"simulation (N = {N}, {trials} trials)")
    ax.plot(theory.tau, theory.Delta_tau, "k--", lw=1.2, label="DMFT")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel=r"lag $\tau$", ylabel=r"$\Delta(\tau)$", xlim=(0, float(lags[-1])))
    ax.legend(fontsize=8)
    return fig


def finite_size_figure(subplots: Subplots, panels: Sequence[Mapping[str, Any]]) -> Any:
    """Delta(tau) against 1/N, one panel per g: realisation means (2 SE), fits a + c/N, the DMFT at 1/N = 0.

    Each panel has ``g``, ``Ns``, ``lags``, ``means`` and ``ses`` (n_sizes, n_lags), ``fits`` (per
    lag) and ``theory`` (per lag).
    """
    fig, axs = subplots(1, len(panels), figsize=(3.4 * len(panels), 3.0), squeeze=False)
    for gi, p in enumerate(panels):
        ax = axs[0, gi]
        x = 1.0 / np.asarray(p["Ns"], dtype=float)
        xx = np.linspace(0, x.max() * 1.05, 20)
        for li, lag in enumerate(p["lags"]):
            ax.errorbar(
                x, p["means"][:, li], yerr=2 * p["ses"][:, li], fmt="o", color=f"C{li}", ms=3, label=f"lag {lag:g}"
            )
            ax.plot(xx, p["fits"][li].a + p["fits"][li].c * xx, color=f"C{li}", lw=0.8)
            ax.plot([0], [p["theory"][li]], "k*", ms=7)
        ax.set(xlabel="1/N", ylabel=r"$\Delta(\tau)$", title=f"g = {p['g']:g}")
        if gi == 0:
            ax.legend(fontsize=7)
    return fig


def lyapunov_figure(
    subplots: Subplots,
    Ns: Sequence[int],
    lm: Sequence[float],
    lse: Sequence[float],
    fit: Any,
    fit_sqrt: Any,
    lam_th: float,
) -> Any:
    """Simulator exponents against 1/N (2 SE), the 1/N and 1/sqrt(N) fits, and the DMFT exponent."""
    fig, ax = subplots(figsize=(5.0, 3.2))
    x = 1.0 / np.asarray(Ns, dtype=float)
    ax.errorbar(x, lm, yerr=2 * np.asarray(lse), fmt="o", color="C0", label="simulator (tangent map)")
    xx = np.linspace(0, x.max() * 1.05, 30)
    ax.plot(xx, fit.a + fit.c * xx, "C0-", lw=0.8, label="fit a + c/N")
    ax.plot(xx, fit_sqrt.a + fit_sqrt.c * np.sqrt(xx), "C1:", lw=0.8, label=r"fit a + c/$\sqrt{N}$")
    ax.plot([0], [lam_th], "k*", ms=8, label="DMFT")
    ax.set(xlabel="1/N", ylabel=r"$\lambda_{\max}$")
    ax.legend(fontsize=7)
    return fig


def populations_figure(subplots: Subplots, panels: Sequence[Mapping[str, Any]], max_lag: float = 8.0) -> Any:
    """Per-population Delta_a(tau): network bands (2 SE over seeds x trials) and the lag-grid DMFT (dashed).

    Each panel has ``label``, ``N``, ``theory`` (a lag-grid result), ``lags`` and ``samples``
    (S, P, n_lags) at N, centred by the theory's mu_a.
    """
    fig, axs = subplots(1, len(panels), figsize=(4.5 * len(panels), 3.2))
    for ax, p in zip(np.atleast_1d(axs), panels, strict=True):
        th, lg = p["theory"], p["lags"]
        for a, name in enumerate(th.populations):
            C = p["samples"][:, a, :]
            m, se = C.mean(0), C.std(0, ddof=1) / np.sqrt(C.shape[0])
            ax.fill_between(lg, m - 2 * se, m + 2 * se, color=f"C{a}", alpha=0.3)
            ax.plot(lg, m, color=f"C{a}", lw=1.0, label=f"{name}: network N = {p['N']}")
            ax.plot(th.tau, th.Delta_tau[a], "k--", lw=1.0)
        ax.set(xlabel=r"lag $\tau$", ylabel=r"$\Delta_a(\tau)$", xlim=(0, max_lag), title=p["label"])
        ax.legend(fontsize=7)
    return fig


def white_noise_figure(
    subplots: Subplots, grid: np.ndarray, curves: Sequence[tuple[int, np.ndarray, np.ndarray]], theory: Any
) -> Any:
    """Delta(tau) with white noise: network means per size (``(N, mean, SE)`` on ``grid``; bands 2 SE) and the DMFT."""
    fig, ax = subplots(figsize=(5.5, 3.3))
    for ci, (N, m, se) in enumerate(curves):
        ax.fill_between(grid, m - 2 * se, m + 2 * se, color=f"C{ci}", alpha=0.25)
        ax.plot(grid, m, color=f"C{ci}", lw=1.0, label=f"networks, N = {N}")
    ax.plot(theory.tau, theory.Delta_tau, "k--", lw=1.2, label="DMFT")
    ax.set(xlabel=r"lag $\tau$", ylabel=r"$\Delta(\tau)$", xlim=(0, float(grid[-1])))
    ax.legend(fontsize=8)
    return fig
