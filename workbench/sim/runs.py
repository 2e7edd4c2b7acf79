"""Stored simulator runs shared by reports and checks: the preset ``chaos`` network and its autocovariance.

``chaos_run(ctx, ...)`` goes through a report context's run store (``ctx.run``; any object with
``run`` and ``progress``), so the simulator and dmft reports share one stored run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SIM_CODE", "autocovariance_with_errors", "chaos_run"]

SIM_CODE = ("workbench.sim", "workbench.spec")
"""Packages the stored simulation runs depend on (hashed into their keys, with the compute function's own source)."""


def _chaos_run(p: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from workbench.sim import simulate
    from workbench.sim.lyapunov import lyapunov_exponent
    from workbench.spec import preset

    spec = preset("chaos").replace(N=p["N"])
    res = simulate(
        spec,
        T=p["T"],
        dt=p["dt"],
        trials=p["trials"],
        seed=p["seed"],
        burn_in=p["burn_in"],
        stride=p["stride"],
        record=("mean", "cov", "traj", "popmean"),
        neurons=p["neurons"],
        progress=p.get("progress"),
    )
    ev = np.sort(np.linalg.eigvalsh(res.cov_x))[::-1]
    ly = lyapunov_exponent(
        spec, T=p["lyap_T"], dt=p["dt"], trials=p["lyap_trials"], seed=p["seed"], burn_in=p["burn_in"]
    )
    arrays = {
        "t": res.t,
        "traj": res.traj,
        "popmean": res.popmean_x,
        "mean_x": res.mean_x,
        "var_x": np.diag(res.cov_x).copy(),
        "var_phi": np.diag(res.cov_phi).copy(),
        "cov_eigs": ev,
        "lyap_per_trial": ly.per_trial,
    }
    return arrays, {"summary": {k: v for k, v in res.summary().items() if k != "spec"}, "spec": spec.summary()}


def chaos_run(ctx: Any, N: int, T: float, burn_in: float, trials: int, seed: int, lyap_T: float) -> Any:
    """The stored run of the preset ``chaos`` network with N neurons (shared by the simulator and dmft reports).

    Returns the :class:`~workbench.store.StoredRun` with arrays ``t``, ``traj`` (100 neurons),
    ``popmean``, ``mean_x``, ``var_x``, ``var_phi``, ``cov_eigs``, ``lyap_per_trial`` and
    ``meta["summary"]``. Duration ``T`` is counted after ``burn_in``.
    """
    p = {
        "N": int(N),
        "T": float(T) + float(burn_in),
        "dt": 0.05,
        "burn_in": float(burn_in),
        "stride": 4,
        "trials": int(trials),
        "neurons": 100,
        "seed": int(seed),
        "lyap_T": float(lyap_T),
        "lyap_trials": 4,
    }
    return ctx.run(
        "simulator.chaos",
        p,
        lambda: _chaos_run({**p, "progress": ctx.progress}),
        code=(*SIM_CODE, _chaos_run),
        label=f"chaotic network N={p['N']}, {p['trials']} trials",
    )


def autocovariance_with_errors(run: Any, max_lag: float = 20.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lags, C, SE)``: autocovariance of the recorded neurons, mean and standard error over trials."""
    from workbench.sim.estimators import autocorrelation

    t_, traj = run["t"], run["traj"]
    K = traj.shape[2]
    dtr = float(t_[1] - t_[0])
    acfs = np.stack([autocorrelation(traj[:, :, k], dtr, max_lag=max_lag)[1] for k in range(K)])
    return np.arange(acfs.shape[1]) * dtr, acfs.mean(0), acfs.std(0, ddof=1) / np.sqrt(K)
