"""The low-rank theory against the simulator: structured states from chosen initial conditions, outliers of J.

:func:`measure_states` simulates ``n_networks`` networks of a low-rank spec from the initial state
``x0 = sign * m_1`` (one run per sign), and estimates per network, averaged over time after the
burn-in, ``kappa_r = <n_r phi(x)>_i``, the population mean ``mu = <x>_i`` and variance
``Delta0 = Var_i x``; :func:`state_comparisons` compares their network average with the theory
(Student-t with ``n_networks - 1`` dof). :func:`outlier_comparison` compares the overlap
eigenvalues with ``numpy.linalg.eigvals`` of the built J.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from workbench.compare import Comparison
from workbench.sim import simulate
from workbench.sim.checks import t_stat
from workbench.sim.network import build_network
from workbench.spec import ModelSpec
from workbench.theories.lowrank.result import StructuredState

__all__ = [
    "law_spec", "measure_states", "outlier_comparison", "outliers_run", "sample_comparison", "state_comparisons",
    "states_run", "static_stability_outliers",
]


def measure_network(
    spec: ModelSpec, seed: int, sign: float, *, T: float, dt: float, burn_in: float, stride: int = 10,
    dtype: str = "float64",
) -> dict[str, np.ndarray]:
    """kappa_r, mu and Delta0 of one network started at ``x0 = sign * m_1``, time-averaged after ``burn_in``
    (``dtype``: the simulation's precision; float32 runs the memory-bound one-trial steps of N = 2000 2.7 times
    faster)."""
    net = build_network(spec, seed)
    res = simulate(
        spec, T=T, dt=dt, trials=1, seed=seed, burn_in=burn_in, stride=stride, network=net,
        x0=sign * net.m[:, 0], record=("traj", "traj_phi"), neurons=spec.N, dtype=dtype,
    )
    x = res.traj[:, :, 0]  # (n_rec, N)
    phix = res.traj_phi[:, :, 0]
    kappa = (phix @ net.n / spec.N).mean(axis=0)
    m, n = net.m[:, 0], net.n[:, 0]
    moments = np.array([m.mean(), n.mean(), (n * m).mean(), (m * m).mean()])
    return {
        "kappa": kappa, "mu": np.array(x.mean(axis=1).mean()), "Delta0": np.array(x.var(axis=1).mean()),
        "moments": moments, "overlaps": random_overlaps(net),
    }


def random_overlaps(net: Any) -> np.ndarray:
    """``n.A m / N`` of the random part ``A = J - J0/N`` (law mean exactly 0: A is independent of m, n and has
    zero mean): the first-order shift of the sampled outlier of J. In a pilot (40 networks, N = 2000, chaotic
    state) it lowered the residual spread of kappa_1 from 0.167 to 0.141; ``n.A 1``, ``1.A m`` added nothing."""
    N = net.N
    A = net.J - float(net.spec.J0[0][0]) / N
    m, n = net.m[:, 0], net.n[:, 0]
    return np.array([n @ (A @ m) / N])


def measure_states(
    spec: ModelSpec, seeds: list[int], signs: tuple[float, ...] = (1.0, -1.0), **run: Any
) -> dict[float, dict[str, np.ndarray]]:
    """Per sign of the initial state, the per-network estimates stacked over ``seeds`` (rows)."""
    out: dict[float, dict[str, np.ndarray]] = {}
    for sign in signs:
        rows = [measure_network(spec, s, sign, **run) for s in seeds]
        out[sign] = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    return out


def state_comparisons(state: StructuredState, est: dict[str, np.ndarray], label: str) -> list[Comparison]:
    """kappa_r, mu and Delta0 of ``state`` against the network average of ``est`` (Student-t, n - 1 dof)."""
    out = []
    n = len(est["mu"])
    pairs = [(f"kappa_{r + 1}", k, est["kappa"][:, r]) for r, k in enumerate(state.kappa)]
    pairs += [("mu", state.mu, est["mu"]), ("Delta0", state.Delta0, est["Delta0"])]
    for name, theory, samples in pairs:
        samples = np.asarray(samples, dtype=float)
        se = float(samples.std(ddof=1) / math.sqrt(n))
        out.append(t_stat(f"{label}: {name}", float(theory), float(samples.mean()), se, n - 1, kind="simulation"))
    return out


def outlier_comparison(spec: ModelSpec, seed: int, predicted: list[Any]) -> list[Comparison]:
    """Predicted outliers against the eigenvalues of the built ``J + m n^T/N`` farthest from the origin.

    The sample overlap ``n.m/N`` fluctuates by O(1/sqrt N) around its mean; the tolerance is 4 such SDs
    of the single-draw overlap plus the O(g^2/(lambda sqrt N)) bulk-outlier coupling (one draw, no SE).
    """
    from workbench.compare import compare_abs

    net = build_network(spec, seed)
    ev = np.linalg.eigvals(net.full_J())
    R = len(predicted)
    top = sorted(ev, key=lambda z: -abs(z))[:R]
    out = []
    for r, lam in enumerate(sorted(predicted, key=lambda z: -abs(z))):
        emp = min(top, key=lambda z: abs(z - lam))
        sd = float(np.std(net.n[:, r] * net.m[:, r]) / math.sqrt(spec.N))
        tol = 4 * sd + spec.g[0][0] ** 2 / (abs(lam) * math.sqrt(spec.N))
        out.append(compare_abs(
            f"outlier {r + 1} of J (N={spec.N}, seed={seed})", abs(lam), abs(emp), tol,
            "4 SD of the sample overlap n.m/N + g^2/(lambda sqrt N) bulk coupling", kind="simulation",
        ))
    return out


def law_spec(params: Mapping[str, Any]) -> ModelSpec:
    """The rank-one spec of a stored run's ``params`` (``g``, ``N`` and the law ``m_mean`` ... ``rho``)."""
    law = {k: params[k] for k in ("m_mean", "n_mean", "m_std", "n_std", "rho")}
    return ModelSpec.from_dict({"N": params["N"], "coupling": {"g": params["g"]}, "low_rank": [law]})


def states_run(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute: per-network kappa_1, mu, Delta0 from ``x0 = sign m_1`` for ``params["seeds"]``."""
    run = {k: params[k] for k in ("T", "dt", "burn_in")} | {"dtype": params.get("dtype", "float64")}
    est = measure_states(law_spec(params), list(params["seeds"]), (float(params["sign"]),), **run)
    data = est[float(params["sign"])]
    controls = np.column_stack([data["moments"] - law_moments(params), data["overlaps"]])
    return {"kappa": data["kappa"][:, 0], "mu": data["mu"], "Delta0": data["Delta0"], "controls": controls}


def law_moments(params: Mapping[str, Any]) -> np.ndarray:
    """Expectations of the sample moments mean(m), mean(n), mean(n m), mean(m^2) under the rank-one law."""
    Mm, Mn, Sm, Sn = (float(params[k]) for k in ("m_mean", "n_mean", "m_std", "n_std"))
    return np.array([Mm, Mn, Mm * Mn + float(params["rho"]) * Sm * Sn, Mm**2 + Sm**2])


def outliers_run(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute: the eigenvalue of the built J farthest from the origin, per seed (real part)."""
    spec = law_spec(params)
    top = [max(np.linalg.eigvals(build_network(spec, s).full_J()), key=abs) for s in params["seeds"]]
    return {"outlier": np.array([z.real for z in top]), "imag": np.array([abs(z.imag) for z in top])}


def static_stability_outliers(
    spec: ModelSpec, seeds: list[int], predicted: complex | float, *, T: float, dt: float, sign: float = 1.0
) -> np.ndarray:
    """Per network, the eigenvalue of ``J diag(phi'(x*))`` nearest ``predicted`` at the fixed point reached from
    ``x0 = sign * m_1`` (the state at time T, simulated with step dt)."""
    out = []
    for seed in seeds:
        net = build_network(spec, seed)
        res = simulate(spec, T=T, dt=dt, trials=1, seed=seed, burn_in=T - dt * 10, stride=10, network=net,
                       x0=sign * net.m[:, 0], record=("traj",), neurons=spec.N)
        x = res.traj[-1, :, 0]
        ev = np.linalg.eigvals(net.full_J() * _phi_prime(spec, x)[None, :])
        out.append(ev[np.argmin(np.abs(ev - predicted))])
    return np.array(out)


def _phi_prime(spec: ModelSpec, x: np.ndarray) -> np.ndarray:
    """``phi'(x)`` of the spec's transfer function (constant gain), evaluated from its SymPy form."""
    import sympy as sp

    from workbench.spec import X
    from workbench.symbolic.gaussian import concrete_phi

    return np.broadcast_to(sp.lambdify(X, sp.diff(concrete_phi(spec), X), "numpy")(x), x.shape).astype(float)


MIN_CV_DOF = 5
"""Fewest residual dof for which control variates are used (fewer networks: the plain mean)."""


def control_variate_mean(samples: np.ndarray, controls: np.ndarray | None = None) -> tuple[float, float, int]:
    """Mean of per-network ``samples``, its SE and dof; with ``controls`` (zero-mean, one column each) the
    intercept of the least-squares fit ``samples ~ a + controls b`` (the quenched part explained by them removed)."""
    y = np.asarray(samples, dtype=float)
    n = len(y)
    if controls is None or n - 1 - np.shape(controls)[1] < MIN_CV_DOF:
        return float(y.mean()), float(y.std(ddof=1) / math.sqrt(n)), n - 1
    X = np.column_stack([np.ones(n), np.asarray(controls, dtype=float)])
    dof = n - X.shape[1]
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    s2 = float(((y - X @ coef) ** 2).sum() / dof)
    cov = s2 * np.linalg.inv(X.T @ X)
    return float(coef[0]), float(math.sqrt(cov[0, 0])), dof


def sample_comparison(
    quantity: str, theory: float, samples: np.ndarray, controls: np.ndarray | None = None, **context: Any
) -> Comparison:
    """``theory`` against the network average of ``samples`` (control-variate intercept when ``controls``
    are given; SE over networks, Student-t with the residual dof)."""
    est, se, dof = control_variate_mean(samples, controls)
    use = controls is not None and len(samples) - 1 - np.shape(controls)[1] >= MIN_CV_DOF
    note = ("control variates: sample moments of m, n minus their law means and the overlap n.A m/N "
            "of the random part A (law mean 0)") if use else ""
    return t_stat(quantity, float(theory), est, se, dof, note=note, kind="simulation", **context)
