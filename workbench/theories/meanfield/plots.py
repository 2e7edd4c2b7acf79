"""The Faugeras-Tanré figure: J = -6, 0, 2, sigma = lambda = 1, T = 10, theory beside the network.

:func:`ft_figure` writes ``ft_meanfield.pdf/.png`` (columns J = -6, 0, 2; rows m(t), K(t,t),
K(t,s) heat map, sample paths, Picard convergence) and ``ft_universality.pdf/.png`` (Gaussian vs
Rademacher couplings) into a directory, and returns the numbers it plotted (for the report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from workbench.theories.meanfield.closure import picard_closure, solve_closure
from workbench.theories.meanfield.network import simulate_network
from workbench.theories.meanfield.particles import solve_march, solve_picard
from workbench.theories.meanfield.problem import TransientProblem

__all__ = ["ft_figure", "FT_JS"]

FT_JS = (-6.0, 0.0, 2.0)


def ft_figure(outdir: str | Path, *, N: int = 2000, realisations: int = 4, dt: float = 0.05, paths: int = 20000,
              seed: int = 0, f: str = "logistic", mu0: str = "normal:0,1", T: float = 10.0,
              fast: bool = False, keep_open: bool = False) -> dict[str, Any]:
    """Compute and draw the FT figure and the universality figure.

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
        Also return the matplotlib figures (``"figures"``: main, universality) without closing them.

    Returns
    -------
    dict
        ``files`` and per-J data: theory/network/march/picard summaries and max deviations.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if fast:
        N, realisations, paths, dt = min(N, 500), min(realisations, 3), min(paths, 4000), max(dt, 0.1)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"settings": {"N": N, "realisations": realisations, "dt": dt, "paths": paths, "seed": seed,
                                         "f": f, "mu0": mu0, "T": T, "sigma": 1.0, "lam": 1.0}, "cases": {}}
    fig, axes = plt.subplots(5, 3, figsize=(13, 17), constrained_layout=True)
    figu, axu = plt.subplots(1, 3, figsize=(13, 3.6), constrained_layout=True)
    for c, J in enumerate(FT_JS):
        p = TransientProblem(J=J, sigma=1.0, lam=1.0, f=f, mu0=mu0, T=T, dt=dt)
        t = p.t
        th = solve_closure(p)
        net = simulate_network(p, N=N, realisations=realisations, seed=seed + 10 * c, n_keep=5)
        rad = simulate_network(p, N=N, realisations=realisations, seed=seed + 10 * c + 1, weights="rademacher")
        mar = solve_march(p, paths=paths, seed=seed + 10 * c + 2, keep_paths=5)
        pic = solve_picard(p, paths=paths, seed=seed + 10 * c + 3, max_iter=30, tol=1e-12)
        pcl = picard_closure(p, tol=1e-7, max_iter=60, strict=False)
        mu_m, se_m = net.mean_se(net.m)
        mu_K, se_K = net.mean_se(net.K)
        dK = np.diag(mu_K)
        sdK = np.diag(se_K)
        # row 0: m(t)
        ax = axes[0, c]
        ax.fill_between(t, mu_m - 2 * se_m, mu_m + 2 * se_m, color="C1", alpha=0.3, lw=0,
                        label=f"network N={N}, {realisations} real. (mean $\\pm$2 SE)")
        ax.plot(t, mu_m, color="C1", lw=0.8)
        ax.plot(t, mar.m, color="C2", lw=0.8, ls="--", label=f"particle march M={paths}")
        ax.plot(t, th.m, color="k", lw=1.4, label="Gaussian closure (theory)")
        ax.set_title(f"J = {J:g}")
        ax.set_ylabel("m(t) = E f(X_t)")
        # row 1: K(t,t)
        ax = axes[1, c]
        ax.fill_between(t, dK - 2 * sdK, dK + 2 * sdK, color="C1", alpha=0.3, lw=0)
        ax.plot(t, dK, color="C1", lw=0.8)
        ax.plot(t, np.diag(mar.K), color="C2", lw=0.8, ls="--")
        ax.plot(t, np.diag(th.K), color="k", lw=1.4)
        ax.set_ylabel("K(t,t)")
        # row 2: K(t,s) heat map (theory) with network contours
        ax = axes[2, c]
        im = ax.imshow(th.K, origin="lower", extent=(0, T, 0, T), cmap="viridis", aspect="equal")
        levels = np.linspace(th.K.min(), th.K.max(), 7)[1:-1]
        ax.contour(t, t, th.K, levels=levels, colors="w", linewidths=0.8)
        ax.contour(t, t, mu_K, levels=levels, colors="r", linewidths=0.6, linestyles="--")
        ax.set_xlabel("s")
        ax.set_ylabel("t")
        fig.colorbar(im, ax=ax, shrink=0.8, label="K(t,s): theory (white) / network (red dashed)")
        # row 3: sample paths
        ax = axes[3, c]
        for i in range(min(5, mar.paths.shape[1])):
            ax.plot(t, mar.paths[:, i], color="C0", lw=0.6, alpha=0.9, label="mean-field paths" if i == 0 else None)
        for i in range(min(5, net.paths.shape[1])):
            ax.plot(t, net.paths[:, i], color="C3", lw=0.6, alpha=0.7, label="network neurons" if i == 0 else None)
        sd = np.sqrt(th.var_x)
        ax.plot(t, th.mean_x, "k", lw=1.2, label="E X_t $\\pm$ 2 sd (theory)")
        ax.plot(t, th.mean_x + 2 * sd, "k:", lw=0.8)
        ax.plot(t, th.mean_x - 2 * sd, "k:", lw=0.8)
        ax.set_ylabel("X_t")
        ax.set_xlabel("t")
        # row 4: Picard convergence
        ax = axes[4, c]
        it = [h["iter"] for h in pic.history]
        ax.semilogy(it, [h["d"] for h in pic.history], "o-", ms=3, color="C0", label=f"Monte Carlo Picard, M={paths}")
        ax.semilogy([h["iter"] for h in pcl.history], [h["d"] for h in pcl.history], "s-", ms=3, color="k",
                    label="exact map (closure)")
        ax.axhline(1 / np.sqrt(paths), color="C0", ls=":", lw=0.8, label="1/sqrt(M)")
        ax.set_xlabel("Picard iteration")
        ax.set_ylabel("sup-norm change of (m, K)")
        # universality panel: network - theory for both weight laws
        mu_r, se_r = rad.mean_se(rad.m)
        a = axu[c]
        a.fill_between(t, mu_m - th.m - 2 * se_m, mu_m - th.m + 2 * se_m, color="C1", alpha=0.3, lw=0)
        a.plot(t, mu_m - th.m, color="C1", lw=0.8, label="Gaussian $J_{ij}$")
        a.fill_between(t, mu_r - th.m - 2 * se_r, mu_r - th.m + 2 * se_r, color="C4", alpha=0.3, lw=0)
        a.plot(t, mu_r - th.m, color="C4", lw=0.8, label="Rademacher $J_{ij}$")
        a.axhline(0, color="k", lw=0.8)
        a.set_title(f"J = {J:g}: network m(t) - theory (N={N})")
        a.set_xlabel("t")
        data["cases"][f"{J:g}"] = {
            "m_T": float(th.m[-1]), "K_TT": float(th.K[-1, -1]),
            "net_max_dm": float(np.abs(mu_m - th.m).max()), "net_max_dK": float(np.abs(mu_K - th.K).max()),
            "rad_max_dm": float(np.abs(mu_r - th.m).max()),
            "rad_vs_gauss_max_dm": float(np.abs(mu_r - mu_m).max()),
            "march_max_dm": float(np.abs(mar.m - th.m).max()), "march_max_dK": float(np.abs(mar.K - th.K).max()),
            "picard_iters": len(pic.history), "picard_history": [h["d"] for h in pic.history],
            "picard_closure_history": [h["d"] for h in pcl.history],
            "picard_max_dm": float(np.abs(pic.m - th.m).max()),
            "net_elapsed_s": net.info["elapsed_s"],
        }
    axes[0, 0].legend(fontsize=7, loc="best")
    axes[3, 0].legend(fontsize=7, loc="best")
    axes[4, 0].legend(fontsize=7, loc="best")
    axu[0].legend(fontsize=8)
    fig.suptitle(f"Faugeras-Tanré transient mean field: sigma = lambda = 1, f = {f}, mu0 = {mu0}, dt = {dt}")
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
    return data
