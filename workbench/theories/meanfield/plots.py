"""The Faugeras-Tanré figure: J = -6, 0, 2, sigma = lambda = 1, T = 10, theory beside the network.

:func:`ft_data` computes the curves (theory, particles, networks, Picard histories) as arrays,
:func:`draw_ft` draws them, and :func:`ft_figure` does both and writes ``ft_meanfield.pdf/.png`` (columns J = -6, 0, 2; rows m(t), K(t,t),
K(t,s) heat map, sample paths, Picard convergence) and ``ft_universality.pdf/.png`` (Gaussian vs
Rademacher couplings) into a directory, and returns the numbers it plotted (for the report).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from workbench.theories.meanfield.closure import picard_closure, solve_closure
from workbench.theories.meanfield.network import simulate_network
from workbench.theories.meanfield.particles import solve_march, solve_picard
from workbench.theories.meanfield.problem import TransientProblem

__all__ = ["FT_JS", "FT_ROWS", "draw_ft", "draw_ft_rows", "ft_case", "ft_data", "ft_figure"]

FT_JS = (-6.0, 0.0, 2.0)


def ft_case(J: float, *, N: int, realisations: int, dt: float, paths: int, seed: int, f: str, mu0: str,
            T: float, dtype: str = "float32") -> dict[str, Any]:
    """The curves of one column J: closure, network (Gaussian and Rademacher, simulated in ``dtype``), march and
    Picard, as arrays."""
    p = TransientProblem(J=J, sigma=1.0, lam=1.0, f=f, mu0=mu0, T=T, dt=dt)
    th = solve_closure(p)
    net = simulate_network(p, N=N, realisations=realisations, seed=seed, n_keep=5, dtype=dtype)
    rad = simulate_network(p, N=N, realisations=realisations, seed=seed + 1, weights="rademacher", dtype=dtype)
    mar = solve_march(p, paths=paths, seed=seed + 2, keep_paths=5)
    pic = solve_picard(p, paths=paths, seed=seed + 3, max_iter=30, tol=1e-12)
    pcl = picard_closure(p, tol=1e-7, max_iter=60, strict=False)
    mu_m, se_m = net.mean_se(net.m)
    mu_K, se_K = net.mean_se(net.K)
    mu_r, se_r = rad.mean_se(rad.m)
    return {
        "J": J, "t": p.t, "theory": th, "march": mar, "picard": pic, "picard_closure": pcl,
        "net_paths": net.paths, "net_elapsed_s": net.info["elapsed_s"],
        "mu_m": mu_m, "se_m": se_m, "mu_K": mu_K, "se_K": se_K, "mu_r": mu_r, "se_r": se_r,
    }


def _case_summary(c: dict[str, Any]) -> dict[str, Any]:
    """The numbers the report tabulates for one column: final values and sup-norm deviations from the closure."""
    th, mar, pic = c["theory"], c["march"], c["picard"]
    return {
        "m_T": float(th.m[-1]), "K_TT": float(th.K[-1, -1]),
        "net_max_dm": float(np.abs(c["mu_m"] - th.m).max()), "net_max_dK": float(np.abs(c["mu_K"] - th.K).max()),
        "rad_max_dm": float(np.abs(c["mu_r"] - th.m).max()),
        "rad_vs_gauss_max_dm": float(np.abs(c["mu_r"] - c["mu_m"]).max()),
        "march_max_dm": float(np.abs(mar.m - th.m).max()), "march_max_dK": float(np.abs(mar.K - th.K).max()),
        "picard_iters": len(pic.history), "picard_history": [h["d"] for h in pic.history],
        "picard_closure_history": [h["d"] for h in c["picard_closure"].history],
        "picard_max_dm": float(np.abs(pic.m - th.m).max()),
        "net_elapsed_s": c["net_elapsed_s"],
    }


def ft_data(*, N: int = 2000, realisations: int = 4, dt: float = 0.05, paths: int = 20000, seed: int = 0,
            f: str = "logistic", mu0: str = "normal:0,1", T: float = 10.0, dtype: str = "float32") -> dict[str, Any]:
    """The FT figure's data: ``settings``, per-J ``curves`` (:func:`ft_case`) and ``cases`` (tabulated numbers);
    the networks are simulated in ``dtype`` (float32, as the report's finite-size studies: a step of N = 2000 is
    bound by reading J)."""
    settings = {"N": N, "realisations": realisations, "dt": dt, "paths": paths, "seed": seed, "f": f, "mu0": mu0,
                "T": T, "sigma": 1.0, "lam": 1.0, "dtype": dtype}
    curves = {}
    for c, J in enumerate(FT_JS):
        curves[f"{J:g}"] = ft_case(J, N=N, realisations=realisations, dt=dt, paths=paths, seed=seed + 10 * c, f=f,
                                   mu0=mu0, T=T, dtype=dtype)
    return {"settings": settings, "curves": curves, "cases": {k: _case_summary(v) for k, v in curves.items()}}


def _draw_mean(ax: Any, c: dict[str, Any], S: Mapping[str, Any]) -> None:
    """Row m(t): network band, march and closure."""
    t, th, mar = c["t"], c["theory"], c["march"]
    mu_m, se_m = c["mu_m"], c["se_m"]
    ax.fill_between(t, mu_m - 2 * se_m, mu_m + 2 * se_m, color="C1", alpha=0.3, lw=0,
                    label=f"network N={S['N']}, {S['realisations']} real. (mean $\\pm$2 SE)")
    ax.plot(t, mu_m, color="C1", lw=0.8)
    ax.plot(t, mar.m, color="C2", lw=0.8, ls="--", label=f"particle march M={S['paths']}")
    ax.plot(t, th.m, color="k", lw=1.4, label="Gaussian closure (theory)")
    ax.set_title(f"J = {c['J']:g}")
    ax.set_ylabel(r"$m(t) = \mathrm{E}\,f(X_t)$")
    ax.set_xlabel("t")


def _draw_diag(ax: Any, c: dict[str, Any]) -> None:
    """Row K(t, t): network band, march and closure."""
    t, th, mar = c["t"], c["theory"], c["march"]
    dK, sdK = np.diag(c["mu_K"]), np.diag(c["se_K"])
    ax.fill_between(t, dK - 2 * sdK, dK + 2 * sdK, color="C1", alpha=0.3, lw=0)
    ax.plot(t, dK, color="C1", lw=0.8)
    ax.plot(t, np.diag(mar.K), color="C2", lw=0.8, ls="--")
    ax.plot(t, np.diag(th.K), color="k", lw=1.4)
    ax.set_ylabel("K(t,t)")
    ax.set_xlabel("t")


def _draw_means(axes: Any, c: dict[str, Any], S: Mapping[str, Any]) -> None:
    """Rows 0 and 1 of one column: m(t) and K(t, t), network band, march and closure."""
    _draw_mean(axes[0], c, S)
    _draw_diag(axes[1], c)


def _draw_heatmap(ax: Any, c: dict[str, Any], T: float) -> None:
    """Row 2: the theory's K(t, s) as a colour map with theory and network contours."""
    t, K = c["t"], c["theory"].K
    ax.imshow(K, origin="lower", extent=(0, T, 0, T), cmap="viridis", aspect="auto")
    levels = np.linspace(K.min(), K.max(), 7)[1:-1]
    cs = ax.contour(t, t, K, levels=levels, colors="w", linewidths=0.8)
    ax.clabel(cs, fmt="%.2f", fontsize=8)  # the values, in place of a colour bar that would narrow the column
    ax.contour(t, t, c["mu_K"], levels=levels, colors="r", linewidths=0.6, linestyles="--")
    ax.set_xlabel("s")
    ax.set_ylabel("t")


def _draw_paths(ax: Any, c: dict[str, Any]) -> None:
    """Row 3: mean-field and network sample paths with the theory's mean +- 2 sd."""
    t, th, mar, net_paths = c["t"], c["theory"], c["march"], c["net_paths"]
    for i in range(min(5, mar.paths.shape[1])):
        ax.plot(t, mar.paths[:, i], color="C0", lw=0.6, alpha=0.9, label="mean-field paths" if i == 0 else None)
    for i in range(min(5, net_paths.shape[1])):
        ax.plot(t, net_paths[:, i], color="C3", lw=0.6, alpha=0.7, label="network neurons" if i == 0 else None)
    sd = np.sqrt(th.var_x)
    ax.plot(t, th.mean_x, "k", lw=1.2, label=r"$\mathrm{E}\,X_t \pm 2$ sd (theory)")
    ax.plot(t, th.mean_x + 2 * sd, "k:", lw=0.8)
    ax.plot(t, th.mean_x - 2 * sd, "k:", lw=0.8)
    ax.set_ylabel("$X_t$")
    ax.set_xlabel("t")


def _draw_picard(ax: Any, c: dict[str, Any], paths: int) -> None:
    """Row 4: sup-norm change per Picard iteration, Monte Carlo and exact map."""
    pic, pcl = c["picard"].history, c["picard_closure"].history
    ax.semilogy([h["iter"] for h in pic], [h["d"] for h in pic], "o-", ms=3, color="C0",
                label=f"Monte Carlo Picard, M={paths}")
    ax.semilogy([h["iter"] for h in pcl], [h["d"] for h in pcl], "s-", ms=3, color="k", label="exact map (closure)")
    ax.axhline(1 / np.sqrt(paths), color="C0", ls=":", lw=0.8, label="1/sqrt(M)")
    ax.set_xlabel("Picard iteration")
    ax.set_ylabel("sup-norm change of (m, K)")


def _draw_universality(a: Any, c: dict[str, Any], N: int) -> None:
    """One universality panel: network m(t) minus theory for Gaussian and Rademacher couplings."""
    t, m = c["t"], c["theory"].m
    for mu, se, colour, label in ((c["mu_m"], c["se_m"], "C1", "Gaussian $J_{ij}$"),
                                  (c["mu_r"], c["se_r"], "C4", "Rademacher $J_{ij}$")):
        a.fill_between(t, mu - m - 2 * se, mu - m + 2 * se, color=colour, alpha=0.3, lw=0)
        a.plot(t, mu - m, color=colour, lw=0.8, label=label)
    a.axhline(0, color="k", lw=0.8)
    a.set_title(f"J = {c['J']:g}, N = {N}")
    a.set(xlabel="t", ylabel="network m(t) − theory")


def draw_ft(data: Mapping[str, Any]) -> tuple[Any, Any]:
    """The FT figure (5 rows x 3 columns) and the universality figure of :func:`ft_data`'s output."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    S = data["settings"]
    fig, axes = plt.subplots(5, 3, figsize=(9.5, 11.5), constrained_layout=True)
    figu, axu = plt.subplots(1, 3, figsize=(9.5, 2.9), constrained_layout=True)
    for col, c in enumerate(data["curves"].values()):
        _draw_means(axes[:, col], c, S)
        _draw_heatmap(axes[2, col], c, S["T"])
        _draw_paths(axes[3, col], c)
        _draw_picard(axes[4, col], c, S["paths"])
        _draw_universality(axu[col], c, S["N"])
    for row in (0, 3, 4):
        axes[row, 0].legend(fontsize=7, loc="best")
    axu[0].legend(fontsize=8)
    fig.suptitle(rf"Faugeras-Tanré transient mean field: $\sigma = \lambda = 1$, f = {S['f']}, $\mu_0$ = {S['mu0']}, "
                 rf"$\Delta t$ = {S['dt']}")
    return fig, figu


FT_ROWS = ("m", "K_diag", "K_map", "paths", "picard")
"""Rows of the FT figure, top to bottom."""


def draw_ft_rows(data: Mapping[str, Any], rows: tuple[str, ...], legend_rows: tuple[str, ...] = ("m", "paths",
                 "picard")) -> Any:
    """A figure with the chosen rows of the FT figure (names of :data:`FT_ROWS`), one column per J."""
    import matplotlib.pyplot as plt

    with plt.rc_context({"font.size": 11, "axes.titlesize": 11, "axes.labelsize": 11, "legend.fontsize": 10}):
        return _draw_rows(data, rows, legend_rows)


def _draw_rows(data: Mapping[str, Any], rows: tuple[str, ...], legend_rows: tuple[str, ...]) -> Any:
    """:func:`draw_ft_rows` inside its font settings (11 pt at 9.5 in: about 7.5 pt at print width)."""
    import matplotlib.pyplot as plt

    S = data["settings"]
    fig, axes = plt.subplots(len(rows), 3, figsize=(9.5, 2.5 * len(rows) + 0.3), constrained_layout=True,
                             squeeze=False)
    draw = {
        "m": lambda ax, c: _draw_mean(ax, c, S),
        "K_diag": _draw_diag,
        "K_map": lambda ax, c: _draw_heatmap(ax, c, S["T"]),
        "paths": _draw_paths,
        "picard": lambda ax, c: _draw_picard(ax, c, S["paths"]),
    }
    for col, c in enumerate(data["curves"].values()):
        for r, name in enumerate(rows):
            draw[name](axes[r, col], c)
            if r > 0:
                axes[r, col].set_title(f"J = {c['J']:g}")
    for r, name in enumerate(rows):
        if name in legend_rows:
            axes[r, 0].legend(loc="upper right" if name == "m" else "best")
    return fig


def ft_figure(outdir: str | Path, *, N: int = 2000, realisations: int = 4, dt: float = 0.05, paths: int = 20000,
              seed: int = 0, f: str = "logistic", mu0: str = "normal:0,1", T: float = 10.0,
              fast: bool = False, keep_open: bool = False) -> dict[str, Any]:
    """Compute (:func:`ft_data`), draw (:func:`draw_ft`) and write the FT figure and the universality figure.

    Parameters
    ----------
    outdir : path
        Output directory (created).
    N, realisations : int
        Network size and number of independent realisations (error bands: mean +- 2 SE).
    dt : float
        Common time step of theory and network (left-point field in both).
    paths : int
        Monte Carlo paths of the particle solvers (march for sample paths, Picard for convergence).
    seed : int
        Root seed (networks use ``seed``, ``seed + 1`` for Rademacher; particles ``seed + 2``...).
    fast : bool
        Small sizes (N = 500, 3 realisations, 4000 paths, dt = 0.1) for smoke tests / notebooks.
    keep_open : bool
        Also return the matplotlib figures (``"figures"``: main, universality) without closing them, and the
        computed curves (``"full"``: the output of :func:`ft_data`, for :func:`draw_ft_rows`).

    Returns
    -------
    dict
        ``settings``, ``files`` and per-J ``cases``: theory/network/march/picard summaries and max deviations.
    """
    import matplotlib.pyplot as plt

    if fast:
        N, realisations, paths, dt = min(N, 500), min(realisations, 3), min(paths, 4000), max(dt, 0.1)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    full = ft_data(N=N, realisations=realisations, dt=dt, paths=paths, seed=seed, f=f, mu0=mu0, T=T)
    fig, figu = draw_ft(full)
    data: dict[str, Any] = {"settings": full["settings"], "cases": full["cases"]}
    files = []
    for name, fg in (("ft_meanfield", fig), ("ft_universality", figu)):
        for ext in ("png", "pdf"):
            path = outdir / f"{name}.{ext}"
            fg.savefig(path, dpi=110)
            files.append(str(path))
        if not keep_open:
            plt.close(fg)
    data["files"] = files
    if keep_open:
        data["figures"] = (fig, figu)
        data["full"] = full
    return data
