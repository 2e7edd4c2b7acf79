"""Stored simulator runs shared by reports and checks: the preset ``chaos`` network and its autocovariance,
the linear network of the simulator report and the fast-against-reference stepper run.

Each ``*_run(ctx, ...)`` goes through a report context's run store (``ctx.run``; any object with
``run`` and ``progress``), so the simulator and dmft reports share one stored chaos run
(:data:`CHAOS_RUN` holds its sizes for both reports).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "CHAOS_DT",
    "CHAOS_DTYPE",
    "CHAOS_RUN",
    "SIM_CODE",
    "autocovariance_with_errors",
    "chaos_run",
    "linear_run",
    "reference_agreement_run",
    "with_precision",
]

SIM_CODE = ("workbench.sim", "workbench.spec")
"""Packages the stored simulation runs depend on (hashed into their keys, with the compute function's own source)."""


def with_precision(params: dict[str, Any], dtype: str) -> dict[str, Any]:
    """A stored run's ``params`` with ``"dtype"`` when it is not the default float64, so that float64 runs keep the
    keys they had before the option (a refused precision: one-line SpecError naming ``dtype``)."""
    from workbench.sim.simulator import check_dtype

    return params if check_dtype(dtype) == "float64" else {**params, "dtype": dtype}

CHAOS_RUN: dict[str, dict[str, Any]] = {
    "full": {"N": 2000, "T": 300.0, "burn_in": 100.0, "trials": 8, "seed": 7, "lyap_T": 100.0},
    "quick": {"N": 200, "T": 100.0, "burn_in": 50.0, "trials": 4, "lyap_T": 50.0},
}
"""Sizes of the stored chaos run (arguments of :func:`chaos_run`) in the full and quick report builds."""

CHAOS_DT = 0.05
"""Time step of the stored chaos run."""

CHAOS_DTYPE = "float32"
"""Precision of the stored chaos run's simulation (its Lyapunov exponent is always float64). At N = 2000, 8 trials,
one thread: 34 s in float64, 23 s in float32; the statistics move within their noise (mean variance of x 1.884 and
1.865 over the two chaotic trajectories, which part at the first rounding)."""


def _simulate(spec: Any, p: dict[str, Any], record: tuple[str, ...], **kwargs: Any) -> Any:
    """``simulate(spec, ...)`` with the duration, step, trials, seed, burn-in, stride and progress of ``p``."""
    from workbench.sim import simulate

    return simulate(
        spec,
        T=p["T"],
        dt=p["dt"],
        trials=p["trials"],
        seed=p["seed"],
        burn_in=p["burn_in"],
        stride=p["stride"],
        record=record,
        progress=p.get("progress"),
        **kwargs,
    )


def _chaos_run(p: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from workbench.sim.lyapunov import lyapunov_exponent
    from workbench.spec import preset

    spec = preset("chaos").replace(N=p["N"])
    res = _simulate(spec, p, ("mean", "cov", "traj", "popmean"), neurons=p["neurons"], dtype=p.get("dtype", "float64"))
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


def chaos_run(ctx: Any, N: int, T: float, burn_in: float, trials: int, seed: int, lyap_T: float,
              dtype: str = CHAOS_DTYPE) -> Any:
    """The stored run of the preset ``chaos`` network with N neurons (shared by the simulator and dmft reports),
    simulated in ``dtype`` (its Lyapunov exponent in float64).

    Returns the :class:`~workbench.store.StoredRun` with arrays ``t``, ``traj`` (100 neurons),
    ``popmean``, ``mean_x``, ``var_x``, ``var_phi``, ``cov_eigs``, ``lyap_per_trial`` and
    ``meta["summary"]``. Duration ``T`` is counted after ``burn_in``.
    """
    p = {
        "N": int(N),
        "T": float(T) + float(burn_in),
        "dt": CHAOS_DT,
        "burn_in": float(burn_in),
        "stride": 4,
        "trials": int(trials),
        "neurons": 100,
        "seed": int(seed),
        "lyap_T": float(lyap_T),
        "lyap_trials": 4,
    }
    p = with_precision(p, dtype)
    return ctx.run(
        "simulator.chaos",
        p,
        lambda: _chaos_run({**p, "progress": ctx.progress}),
        code=(*SIM_CODE, _chaos_run),
        label=f"chaotic network N={p['N']}, {p['trials']} trials",
    )


def _linear_run(p: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from workbench.sim import build_network
    from workbench.spec import ModelSpec

    spec = ModelSpec.simple(N=p["N"], g=p["g"], phi="linear", sigma2=p["sigma2"], init_std=0.0, name="linear")
    net = build_network(spec, np.random.SeedSequence(p["seed"]).spawn(3)[0])  # the network simulate draws
    # a 200 x 200 GEMM: more BLAS threads only add contention (software-patterns 10.3)
    res = _simulate(spec, p, ("cov_trials",), network=net, blas_threads=1)
    arrays = {"J": net.J, "cov_trials": res.cov_x_trials, "n_rec": res.info["n_rec"]}
    return arrays, {"info": {k: v for k, v in res.info.items() if k != "spec"}, "spec": spec.summary()}


def linear_run(ctx: Any, p: dict[str, Any]) -> Any:
    """The stored run of the linear network (``phi = x``, white noise) of the simulator report.

    ``p`` holds ``N, g, sigma2, dt, T`` (burn-in included), ``burn_in, stride, trials, seed``. Returns
    the :class:`~workbench.store.StoredRun` with arrays ``J``, ``cov_trials`` (K x N x N) and ``n_rec``.
    """
    return ctx.run(
        "simulator.linear-cov",
        p,
        lambda: _linear_run({**p, "progress": ctx.progress}),
        code=(*SIM_CODE, _linear_run),
        label=f"linear network N={p['N']}, {p['trials']} trials",
    )


def _reference_agreement(p: dict[str, Any]) -> dict[str, Any]:
    from workbench.sim import build_network, simulate
    from workbench.sim.reference import reference_run
    from workbench.spec import ModelSpec

    spec = ModelSpec.simple(N=p["N"], g=p["g"], phi="tanh", sigma2=p["sigma2"], init_std=1.0, name="tanh-noisy")
    net = build_network(spec, p["seed"])
    n_steps = int(round(p["T"] / p["dt"]))
    rng = np.random.default_rng(p["seed"])
    Z = rng.standard_normal((n_steps, spec.N, p["trials"]))
    x0 = rng.standard_normal((spec.N, p["trials"]))
    fast = simulate(
        spec, T=p["T"], dt=p["dt"], trials=p["trials"], seed=p["seed"], network=net, x0=x0, noise=Z, record=()
    )
    ref = reference_run(net, x0, p["dt"], Z)
    return {"max_abs_diff": float(np.max(np.abs(fast.x_final - ref[-1]))), "scale": float(np.max(np.abs(ref[-1])))}


def reference_agreement_run(ctx: Any, p: dict[str, Any]) -> Any:
    """The stored fast-against-reference stepper run (tanh, same injected noise and initial state).

    ``p`` holds ``N, g, sigma2, dt, T, trials, seed``. Returns the stored run with ``max_abs_diff``
    (final states) and ``scale`` (largest reference state).
    """
    return ctx.run(
        "simulator.reference",
        p,
        lambda: _reference_agreement(p),
        code=(*SIM_CODE, _reference_agreement),
        label="fast vs reference stepper",
    )


def autocovariance_with_errors(
    run: Any, max_lag: float = 20.0, mean: float | None = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lags, C, SE)``: autocovariance of the recorded neurons, mean and standard error over trials.

    No centring bias: ``mean`` is the known mean of the activity (0 for the preset ``chaos``: tanh, no input, J0 = 0
    or too weak to break the symmetry, see :func:`~workbench.sim.estimators.mean_is_zero`); ``None`` centres each
    series by its time average and removes the exact bias of that
    (:func:`~workbench.sim.estimators.autocovariance_trials`).
    """
    from workbench.sim.estimators import autocovariance_trials

    t_, traj = run["t"], run["traj"]
    return autocovariance_trials(traj, float(t_[1] - t_[0]), max_lag=max_lag, mean=mean)
