"""The fixed-connectivity theory against simulations of the same J, pair by pair.

:class:`FixedRun` states one simulation: the network (``N``, ``g``, ``phi``, white noise ``sigma2``, drawn
from ``seed``: :func:`network_of`, the matrix the prediction is made for), durations, time step, blocks and the
pulse experiment. :func:`fixed_samples` (a stored :class:`~workbench.store.RunJob` via :func:`fixed_job`)
simulates it and keeps, per independent (trial, time block): the equal-time and zero-frequency covariance
matrices of x and phi(x) of the first ``n_obs`` neurons, every neuron's variance and gain ``<phi'(x_i)>``,
the cross-block PR/N, and the response to a small input pulse ``eps delta(t)`` on ``kicked`` neurons (paired
runs with common noise). :func:`fixed_comparisons` compares a prediction (``workbench.theories.fixed.predict``
of the same J) with them: off-diagonal correlation against the *attenuated* value that sampling noise
allows (``sqrt(1 - v / var s)``, v from the block variance), slope and PR/N (the prediction plus the exact
exponential-Euler bias of the linear-equivalent step map, :func:`step_bias`), the diagonal (the exponential-Euler
bias of the DMFT variance added to the prediction), the gains and the pulse response (the time-step bias of
the exponential-Euler propagator added to the prediction), each a Student-t check over blocks or trials.
:func:`baseline` gives the rms pair error of the theory and of the disorder-averaged DMFT (no pair structure);
:func:`error_scaling` fits the relative pair error against N.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from workbench.compare import Comparison
from workbench.errors import SpecError, WorkbenchError
from workbench.sim.checks import t_stat
from workbench.sim.estimators import (
    PairAgreement,
    agreement_from_moments,
    cross_block_dimension,
    iter_block_covariances,
    neuron_gains,
    pair_moments,
    pulse_response,
)
from workbench.sim.runs import SIM_CODE
from workbench.spec import ModelSpec
from workbench.store import RunJob

__all__ = [
    "FixedRun",
    "ScalingFit",
    "baseline",
    "error_scaling",
    "exact_comparisons",
    "fixed_comparisons",
    "fixed_job",
    "fixed_samples",
    "flow_and_step_covariances",
    "linear_equivalent_covariances",
    "linear_equivalent_modes",
    "network_of",
    "pair_agreements",
    "predicted_pulse",
    "static_response",
    "step_bias",
]


@dataclass(frozen=True)
class FixedRun:
    """One simulated network and its measurement settings.

    The network: ``N`` units, i.i.d. couplings of variance ``g^2/N`` drawn from ``seed``, ``phi``, white noise
    of intensity ``sigma2``. ``trials`` trials of ``T`` after ``burn_in``, step ``dt`` (``method``), samples
    every ``sample_every``, each trial cut into ``n_blocks`` blocks; zero-frequency covariances over
    ``windows`` (and Richardson ``2 C(2 w) - C(w)`` at the shortest); pair covariances of the first ``n_obs``
    neurons kept for figures (the statistics use all pairs). Pulse: ``eps delta(t)`` on the first
    ``kicked`` neurons from the states at the block ends, responses over ``pulse_T``.
    """

    N: int = 500
    g: float = 1.2
    sigma2: float = 1.0
    phi: str = "tanh"
    trials: int = 4
    T: float = 1000.0
    burn_in: float = 50.0
    dt: float = 0.05
    sample_every: float = 0.5
    n_blocks: int = 4
    windows: tuple[float, ...] = (10.0, 20.0)
    n_obs: int = 160
    kicked: int = 2
    pulse_T: float = 20.0
    eps: float = 0.05
    seed: int = 0
    method: str = "exp"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse settings the estimators cannot use (one-line SpecError)."""
        if self.N < 3 or not 3 <= self.n_obs <= self.N or self.trials * self.n_blocks < 3:
            raise SpecError("run", f"need N >= n_obs >= 3 and >= 3 blocks, got N={self.N}, n_obs={self.n_obs}, "
                            f"{self.trials} x {self.n_blocks} blocks")
        if self.stride < 1 or abs(self.stride * self.dt - self.sample_every) > 1e-9 * self.sample_every:
            raise SpecError("sample_every", f"must be a multiple of dt={self.dt}, got {self.sample_every}")
        if not 1 <= self.kicked <= self.n_obs:
            raise SpecError("kicked", f"must be in [1, n_obs={self.n_obs}], got {self.kicked}")

    @property
    def stride(self) -> int:
        """Simulator steps between recorded samples."""
        return int(round(self.sample_every / self.dt))

    @property
    def blocks(self) -> int:
        """Independent (trial, time block) estimates."""
        return self.trials * self.n_blocks

    def spec(self) -> ModelSpec:
        """The i.i.d. model the network is drawn from."""
        return ModelSpec.simple(N=self.N, g=self.g, phi=self.phi, sigma2=self.sigma2)

    def context(self) -> dict[str, Any]:
        """Everything that reproduces the estimate (for a Comparison's context)."""
        d = asdict(self)
        d.pop("extra")
        d["windows"] = list(self.windows)
        return d


def network_of(run: FixedRun) -> Any:
    """The network (J, gains, ...) of ``run``: the matrix the theory predicts and the simulator runs."""
    from workbench.sim.network import build_network

    return build_network(run.spec(), run.seed)


def _dphi(spec: ModelSpec) -> Any:
    """phi' as a NumPy function."""
    import sympy as sp

    from workbench.spec import X

    return sp.lambdify(X, spec.phi.derivative, modules=["numpy", "scipy"])


def _block_variances(traj: np.ndarray, n_blocks: int) -> np.ndarray:
    """Per (trial, block) variance of every neuron (known mean 0), shape (K n_blocks, N), trial-major."""
    n, N, K = traj.shape
    L = n // n_blocks
    return np.array([np.mean(traj[b * L:(b + 1) * L, :, k] ** 2, axis=0) for k in range(K) for b in range(n_blocks)])


def _block_ends(traj: np.ndarray, n_blocks: int) -> np.ndarray:
    """The states at the end of every (trial, block): pulse start states, shape (N, K n_blocks)."""
    n, N, K = traj.shape
    L = n // n_blocks
    return np.stack([traj[(b + 1) * L - 1, :, k] for k in range(K) for b in range(n_blocks)], axis=1)


def _predictor(path: str) -> Any:
    """The prediction function ``module:name`` (default :func:`workbench.theories.fixed.predict`)."""
    import importlib

    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


THEORY_CODE = (*(f"workbench.theories.fixed.{m}" for m in ("prediction", "gains", "solver", "kernels", "result",
                                                              "shenhu", "checks")),
               "workbench.theories.dmft", "derivations.fixed", "workbench.solvers", "workbench.symbolic",
               "workbench.codegen")
"""Modules a stored run's prediction depends on (not the report or the figures: editing them keeps the runs). The
DMFT's solvers, the Gaussian quadrature (:mod:`workbench.solvers.kinked` included) and the code generator are part of
it: the prediction is computed inside the stored job."""
PAIR_KINDS = ("x", "phi")
"""Equal-time pair statistics kept per run (against flow + time-step bias; ``<kind>_flow``: the flow alone);
zero-frequency ones are ``zf_<x|phi>_<window>``."""
MOMENT_KEYS = ("n", "p1", "p2", "s1", "ps", "G")
"""The arrays of :func:`workbench.sim.estimators.pair_moments` (stored as ``m_<kind>_<key>``)."""


def _theory_arrays(res: Any, J: np.ndarray, run: FixedRun, t: np.ndarray) -> dict[str, np.ndarray]:
    """What the checks and figures need from the prediction: gains, diagonal, PR/N, the observed block, spectra."""
    n = run.n_obs
    flow, step = predicted_pulse(J, res.gains, t, run.kicked, run.dt, run.method)
    return {"pred_gains": np.asarray(res.gains, float), "pred_var_x": np.diag(res.cov_x).copy(),
            "pred_var_phi": np.diag(res.cov_phi).copy(),
            "pred_PR": np.array([res.PR_over_N_x, res.PR_over_N_phi, res.g_eff, res.PR_over_N_phi_zero_frequency,
                                 float(res.shen_hu()["Sigma0"])], float),
            "pred_cov_x": res.cov_x[:n, :n].astype(np.float32), "pred_cov_phi": res.cov_phi[:n, :n].astype(np.float32),
            "pred_zf_phi": np.asarray(res.cov_phi_zero_frequency)[:n, :n].astype(np.float32),
            "pred_eig_zf_phi": np.linalg.eigvalsh(res.cov_phi_zero_frequency),
            "pred_eig_x": np.linalg.eigvalsh(res.cov_x), "pulse_flow": flow, "pulse_step": step,
            "pred_response": np.asarray(res.response)[:, : run.kicked],
            "pulse_static": static_response(J, res.gains, run.kicked)}


def _moments(kind: str, P: np.ndarray, blocks: Any) -> dict[str, np.ndarray]:
    """:func:`~workbench.sim.estimators.pair_moments` of one kind, keys ``m_<kind>_<key>``."""
    return {f"m_{kind}_{k}": v for k, v in pair_moments(P, blocks).items()}


def _simulated_pairs(res: Any, x: np.ndarray, ph: np.ndarray, run: FixedRun,
                     bias: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pair moments of every kind against the prediction (all N neurons) and the observed block means; equal-time
    kinds against the flow plus the time-step ``bias`` (:func:`step_bias`) and, as ``<kind>_flow``, the flow alone."""
    nb, n, out = run.n_blocks, run.n_obs, {}
    for name, traj, P in (("x", x, res.cov_x), ("phi", ph, res.cov_phi)):
        blocks = list(iter_block_covariances(traj, nb))
        out.update(_moments(name, P + bias[f"cov_{name}"], blocks))
        out.update(_moments(f"{name}_flow", P, blocks))
        out[f"sim_cov_{name}"] = (sum(blocks) / len(blocks))[:n, :n].astype(np.float32)
        del blocks
    for name, traj, P in (("x", x, res.cov_x_zero_frequency), ("phi", ph, res.cov_phi_zero_frequency)):
        for w in run.windows:
            kw = dict(covariance="zero-frequency", dt=run.sample_every, window=w)
            out.update(_moments(f"zf_{name}_{w:g}", P, iter_block_covariances(traj, nb, **kw)))
        rich = dict(covariance="zero-frequency", dt=run.sample_every, window=min(run.windows), richardson=True)
        out.update(_moments(f"zf_{name}_R", P, iter_block_covariances(traj, nb, **rich)))
        if name == "phi":
            C = sum(iter_block_covariances(ph, nb, **rich)) / run.blocks
            out["sim_zf_phi"] = C[:n, :n].astype(np.float32)
            out["sim_eig_zf_phi"] = np.linalg.eigvalsh(C)
    return out


def fixed_samples(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute: predict for the network of ``params["run"]``, simulate it, keep block statistics
    (``{"refused": message}`` when the theory refuses the network)."""
    from workbench.sim import simulate

    run = FixedRun(**{**params["run"], "windows": tuple(params["run"]["windows"])})
    spec, net = run.spec(), network_of(run)
    try:
        res = _predictor(params["predictor"])(net.J, run.phi, run.sigma2, gains=params["gains"])
    except WorkbenchError as exc:  # a refused network is a result: stored, shown in the report
        return {"refused": np.array(str(exc))}
    sim = simulate(spec, T=run.burn_in + run.T, dt=run.dt, trials=run.trials, seed=run.seed, burn_in=run.burn_in,
                   stride=run.stride, record=("traj", "traj_phi"), neurons=run.N, network=net, method=run.method,
                   blas_threads=1)
    x, ph, nb = sim.traj, sim.traj_phi, run.n_blocks
    out: dict[str, np.ndarray] = {
        "gains": np.concatenate([neuron_gains(x[:, :, k], _dphi(spec), nb) for k in range(run.trials)]),
        "var_x": _block_variances(x, nb), "var_phi": _block_variances(ph, nb), "sim_eig_x": np.linalg.eigvalsh(
            sum(iter_block_covariances(x, nb)) / run.blocks)}
    bias = step_bias(net.J, res.site, run.sigma2, run.dt, run.method)
    out.update(_simulated_pairs(res, x, ph, run, bias))
    out["pred_PR_step"] = np.array([_participation(res.cov_x + bias["cov_x"]),
                                    _participation(res.cov_phi + bias["cov_phi"])])
    for name, traj in (("x", x), ("phi", ph)):
        est = cross_block_dimension(traj, nb)
        out[f"PR_{name}"] = np.array([est.values["PR_over_N"], est.se["PR_over_N"], est.dof])
    t, R = pulse_response(net, _block_ends(x, nb), np.arange(run.kicked), run.pulse_T, run.dt, eps=run.eps,
                          stride=run.stride, seed=run.seed + 1, method=run.method)
    out.update(pulse_t=t, pulse_mean=R.mean(axis=3), pulse_se=R.std(axis=3, ddof=1) / math.sqrt(R.shape[3]),
               pulse_integral=np.trapezoid(R, t, axis=0))
    out.update(_theory_arrays(res, net.J, run, t))
    return out


def _participation(C: np.ndarray) -> float:
    """PR/N = (tr C)^2 / (N tr C^2)."""
    return float(np.trace(C) ** 2 / (C.shape[0] * np.sum(C * C)))


def fixed_job(run: FixedRun, gains: str = "per-neuron", predictor: str = "workbench.theories.fixed:predict") -> RunJob:
    """The stored prediction and simulation of ``run`` (keyed on its settings, the simulator's and the theory's code)."""
    noise = f"sigma2={run.sigma2:g}" if run.sigma2 else "no noise"
    params = {"run": run.context(), "gains": gains, "predictor": predictor}
    return RunJob("fixed.pairs", params, fixed_samples, (*SIM_CODE, *THEORY_CODE, fixed_samples),
                  f"fixed J: {run.phi} g={run.g:g} {noise} N={run.N}")


def pair_agreements(arrays: Mapping[str, np.ndarray], run: FixedRun) -> dict[str, PairAgreement]:
    """:class:`~workbench.sim.estimators.PairAgreement` of x and phi, equal-time and zero-frequency (each window)."""
    kinds = [*PAIR_KINDS, *(f"{n}_flow" for n in PAIR_KINDS),
             *(f"zf_{n}_{w}" for n in PAIR_KINDS for w in (*(f"{v:g}" for v in run.windows), "R"))]
    kinds = [k for k in kinds if f"m_{k}_n" in arrays]
    return {k: agreement_from_moments({m: np.asarray(arrays[f"m_{k}_{m}"]) for m in MOMENT_KEYS}) for k in kinds}


def predicted_pulse(J: np.ndarray, gains: np.ndarray, t: np.ndarray, kicked: int, dt: float,
                    method: str = "exp") -> tuple[np.ndarray, np.ndarray]:
    """Impulse response ``R(t) e_j`` of the linearised flow ``exp((J D - 1) t)`` and of the simulator's step
    ``(a + b J D)^(t/dt)`` for the first ``kicked`` neurons, shapes (n_t, N, kicked); one eigendecomposition."""
    lam, V = np.linalg.eig(J * np.asarray(gains)[None, :])
    W = np.linalg.solve(V, np.eye(len(lam))[:, :kicked])
    a = math.exp(-dt) if method == "exp" else 1.0 - dt
    steps = np.rint(np.asarray(t) / dt)
    flow = np.exp(np.outer(t, lam - 1.0))
    step = np.exp(np.outer(steps, np.log((a + (1.0 - a) * lam).astype(complex))))
    return tuple(np.einsum("ik,tk,kj->tij", V, f, W).real for f in (flow, step))


def static_response(J: np.ndarray, gains: np.ndarray, kicked: int) -> np.ndarray:
    """``int_0^inf exp((J D - 1) t) dt e_j = (1 - J D)^{-1} e_j`` from the eigendecomposition of
    :func:`predicted_pulse` (checked against the theory's LU-solved static response), shape (N, kicked)."""
    lam, V = np.linalg.eig(J * np.asarray(gains)[None, :])
    W = np.linalg.solve(V, np.eye(len(lam))[:, :kicked])
    return ((V / (1.0 - lam)[None, :]) @ W).real


def _mode_sums(mu: np.ndarray, rho: np.ndarray, coef: np.ndarray, step: bool) -> np.ndarray:
    """Per mode ``sum_n c_n rho_n / (1 - rho_n mu_k)`` (step map) or ``sum_n c_n / (a_k + gamma_n)`` (flow, mu = a,
    rho = gamma): the one-sided lag sum of a mode against ``sum_n c_n e^{-gamma_n |tau|}``."""
    den = (1.0 - rho[None, :] * mu[:, None]) if step else (mu[:, None] + rho[None, :])
    return ((rho if step else np.ones_like(rho))[None, :] * coef[None, :] / den).sum(axis=1)


def linear_equivalent_modes(J: np.ndarray, site: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lambda, U, U^-1)`` of ``J D = U Lambda U^-1`` (``D = diag(site.d)``): what the flow and the step map of
    :func:`linear_equivalent_covariances` share."""
    lam, U = np.linalg.eig(J * np.asarray(site.d, float)[None, :])
    return lam, U, np.linalg.inv(U)


def linear_equivalent_covariances(J: np.ndarray, site: Any, sigma2: float, dt: float | None = None,
                                  method: str = "exp",
                                  modes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Equal-time covariances of x and phi of the linear-equivalent network ``phi = D x + r`` (the residuals r_i
    independent with autocovariance ``sum_n c_n e^{-gamma_n |tau|}`` of ``site.coef_r``), for the flow
    (``dt`` None) or for the simulator's step map ``x_{n+1} = a x_n + b J phi_n + nf Z_n`` (exact, sampled at
    the steps).

    In the modes of ``J D = U Lambda U^-1`` (mu = a + b lambda) the double lag sums are closed forms (notes
    section 1, discretised): white noise ``nf^2 / (1 - mu_k conj mu_l)``, an exponential residual
    ``c (1 + mu_k A_k + conj(mu_l A_l)) / (1 - mu_k conj mu_l)`` with ``A_k = rho / (1 - rho mu_k)``,
    rho = e^{-gamma dt}, and the cross term ``Cov(x_n, r_n) = b sum_k M^k J Sigma_r((k+1) dt)`` (mode factor c A_k);
    the flow replaces them by ``1 / (a_k + conj a_l)``, ``1 / (a_k + gamma)``. ``C^phi = D C^x D + D X + X^T D + diag Sigma_r(0)``.
    ``modes``: :func:`linear_equivalent_modes` of ``(J, site)`` when the caller has them.
    """
    from workbench.sim.simulator import step_coefficients

    d, rates = np.asarray(site.d, float), np.asarray(site.rates, float)
    lam, U, Uinv = modes if modes is not None else linear_equivalent_modes(J, site)
    W = Uinv / d[None, :]
    step = dt is not None
    if step:
        a, b, nf = (float(v[0]) for v in step_coefficients(np.ones(1), float(dt), float(sigma2), method, True))
        mu, rho, noise, b2 = a + b * lam, np.exp(-rates * dt), nf**2, b * b
        inv = 1.0 / (1.0 - mu[:, None] * np.conj(mu)[None, :])
    else:
        mu, rho, noise, b, b2 = 1.0 - lam, rates, float(sigma2), 1.0, 1.0
        inv = 1.0 / (mu[:, None] + np.conj(mu)[None, :])
    M_x = noise * inv * (Uinv @ Uinv.conj().T) if sigma2 else np.zeros((len(lam),) * 2, complex)
    X = np.zeros(J.shape, complex)
    for p in range(site.weights.shape[1]):
        c, wp = np.asarray(site.coef_r[p], float), np.asarray(site.weights[:, p], float)
        if not np.any(c) or not np.any(wp):
            continue
        A = _mode_sums(mu, rho, c, step)  # Cov(x, r) lag sum; the x double sum's one-sided part is mu A (step)
        Ax = mu * A if step else A
        LW = lam[:, None] * W
        G = (LW * wp[None, :]) @ LW.conj().T
        M_x += b2 * G * inv * ((c.sum() if step else 0.0) + Ax[:, None] + np.conj(Ax)[None, :])
        X += b * (U * A[None, :]) @ (LW * wp[None, :])
    cov_x = ((U @ M_x) @ U.conj().T).real
    cov_x = 0.5 * (cov_x + cov_x.T)
    DX = d[:, None] * X.real
    cov_phi = d[:, None] * cov_x * d[None, :] + DX + DX.T
    cov_phi[np.diag_indices_from(cov_phi)] += site.weights @ np.asarray(site.coef_r, float).sum(axis=1)
    return {"cov_x": cov_x, "cov_phi": cov_phi}


def flow_and_step_covariances(J: np.ndarray, site: Any, sigma2: float, dt: float,
                              method: str = "exp") -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """:func:`linear_equivalent_covariances` of the flow and of the step map at ``dt`` (one eigendecomposition)."""
    modes = linear_equivalent_modes(J, site)
    return (linear_equivalent_covariances(J, site, sigma2, modes=modes),
            linear_equivalent_covariances(J, site, sigma2, dt, method, modes=modes))


def step_bias(J: np.ndarray, site: Any, sigma2: float, dt: float, method: str = "exp") -> dict[str, np.ndarray]:
    """Time-step bias of the equal-time covariances: the linear-equivalent step map minus the flow (same J, gains and
    residual spectra, :func:`flow_and_step_covariances`); add it to the flow prediction to compare with a
    simulation at ``dt``."""
    flow, mapped = flow_and_step_covariances(J, site, sigma2, dt, method)
    return {k: mapped[k] - flow[k] for k in flow}


def _dmft_variance_bias(run: FixedRun) -> float:
    """Relative exponential-Euler bias of the variance of x: ``-euler_bias / Delta0`` of the DMFT (0 without it)."""
    from workbench.theories.dmft.discrete import euler_bias
    from workbench.theories.dmft.problem import shared_solver

    spec = run.spec()
    delta0 = shared_solver(spec).solve(spec, what="Delta0").Delta0
    return -euler_bias(spec, run.dt, run.method) / delta0


def _over_blocks(samples: np.ndarray) -> tuple[float, float, int]:
    """Mean, SE and dof of independent per-block values."""
    return float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(len(samples))), len(samples) - 1


def _pair_checks(label: str, a: PairAgreement, ctx: dict[str, Any], flow: PairAgreement | None = None) -> list[Comparison]:
    """Attenuated correlation and slope of one pair agreement (``flow``: the same without the time-step bias)."""
    note = (f"prediction = attenuation {a.attenuation:.4f} by the sampling noise of the simulated pairs (block "
            f"variance, {a.blocks} blocks, {a.pairs} pairs); the estimate is the correlation")
    slope_note = "unbiased by the noise of s"
    if flow is not None:
        slope_note += (f"; p = flow + exact exponential-Euler bias of the linear-equivalent map (slope on the flow "
                       f"alone {flow.slope:.4f})")
    return [t_stat(f"{label}: corr(off-diagonal)", a.attenuation, a.corr, a.se["corr_minus_attenuation"], a.dof,
                   note=note, kind="simulation", **ctx),
            t_stat(f"{label}: slope cov(p, s)/var(p)", 1.0, a.slope, a.se["slope"], a.dof,
                   note=slope_note, kind="simulation", **ctx)]


def fixed_comparisons(arrays: Mapping[str, np.ndarray], run: FixedRun, label: str = "",
                      zero_frequency: bool = False) -> list[Comparison]:
    """The prediction for this network against its simulation, both in ``arrays`` (see the module docstring)."""
    ctx = run.context()
    ag = pair_agreements(arrays, run)
    out = [c for n in PAIR_KINDS for c in _pair_checks(f"{label}{n}", ag[n], ctx, ag.get(f"{n}_flow"))]
    if zero_frequency:
        w = min(run.windows)
        out += _pair_checks(f"{label}phi zero-frequency (Richardson {w:g}, {2 * w:g})", ag["zf_phi_R"], ctx)
    step = "pred_PR_step" in arrays
    for i, name in enumerate(("x", "phi")):
        est, se, dof = (float(v) for v in arrays[f"PR_{name}"])
        pr = float(arrays["pred_PR_step" if step else "pred_PR"][i])
        note = f"prediction = PR/N of flow + time-step bias (flow {float(arrays['pred_PR'][i]):.4g})" if step else ""
        out.append(t_stat(f"{label}PR/N of {name} (cross-block)", pr, est, se, dof, kind="simulation", note=note,
                          **ctx))
    ratio = np.asarray(arrays["var_x"]) / np.asarray(arrays["pred_var_x"])[None, :]
    est, se, dof = _over_blocks(ratio.mean(axis=1))
    bias = _dmft_variance_bias(run) if run.sigma2 > 0 else 0.0
    out.append(t_stat(f"{label}diagonal C_ii of x, sim/theory", 1.0 + bias, est, se, dof, kind="simulation",
                      note=f"prediction = 1 + exponential-Euler variance bias {bias:.2g} (DMFT)", **ctx))
    dg = np.asarray(arrays["gains"]) - np.asarray(arrays["pred_gains"])[None, :]
    est, se, dof = _over_blocks(dg.mean(axis=1))
    out.append(t_stat(f"{label}mean gain error <phi'(x_i)>", 0.0, est, se, dof, kind="simulation", **ctx))
    return out + pulse_comparisons(arrays, run, label)


def exact_comparisons(arrays: Mapping[str, np.ndarray], run: FixedRun, label: str = "") -> list[Comparison]:
    """Identities: the pulse propagator's time integral against the theory's static response, the Shen-Hu PR/N."""
    from workbench.compare import compare_abs

    static, lu = np.asarray(arrays["pulse_static"]), np.asarray(arrays["pred_response"])
    scale = float(np.max(np.abs(lu)))
    out = [compare_abs(f"{label}time integral of the pulse propagator vs static response (columns {run.kicked})", 0.0,
                       float(np.max(np.abs(static - lu))) / scale, 1e-8, "eigendecomposition against LU solve, "
                       "max relative difference; round-off", kind="exact", N=run.N, seed=run.seed)]
    return out


def pulse_comparisons(arrays: Mapping[str, np.ndarray], run: FixedRun, label: str = "") -> list[Comparison]:
    """Integrated pulse response over ``pulse_T``: the self terms and the off-diagonal slope (SE over trials)."""
    t = np.asarray(arrays["pulse_t"])
    flow, step = (np.trapezoid(np.asarray(arrays[k]), t, axis=0) for k in ("pulse_flow", "pulse_step"))
    per_trial = np.asarray(arrays["pulse_integral"])
    K = per_trial.shape[2]
    ctx = {**run.context(), "pulse_trials": K}
    out = []
    for j in range(run.kicked):
        est, se, dof = _over_blocks(per_trial[j, j])
        out.append(t_stat(f"{label}pulse: integral of R_{j}{j}(t) over {run.pulse_T:g}", step[j, j], est, se, dof,
                          note=f"prediction = flow {flow[j, j]:.4g} + exponential-Euler propagator bias "
                          f"{step[j, j] - flow[j, j]:.2g}", kind="simulation", **ctx))
    mask = np.ones(flow.shape, bool)
    mask[np.arange(run.kicked), np.arange(run.kicked)] = False
    p, s = step[mask], per_trial[mask]
    est, se, dof = _over_blocks(np.array([_slope(p, s[:, k]) for k in range(K)]))
    out.append(t_stat(f"{label}pulse: off-diagonal integrated response, slope", 1.0, est, se, dof,
                      note="per-trial regression slopes on the step-discretised prediction", kind="simulation", **ctx))
    return out


def _slope(p: np.ndarray, s: np.ndarray) -> float:
    """Regression slope ``cov(p, s) / var(p)``."""
    dp = p - p.mean()
    return float(dp @ (s - s.mean()) / (dp @ dp))


def baseline(ag: PairAgreement) -> dict[str, float]:
    """rms off-diagonal error of the theory and of the disorder-averaged DMFT (which predicts 0), and their ratio."""
    ratio = ag.rms_baseline / ag.rms_error if ag.rms_error > 0 else math.inf
    return {"rms_error": ag.rms_error, "rms_error_se": ag.se["rms_error"], "rms_baseline": ag.rms_baseline,
            "rms_baseline_se": ag.se["rms_baseline"], "ratio": ratio}


@dataclass(frozen=True)
class ScalingFit:
    """Weighted fit ``log y = log A + b log N`` of relative errors ``y`` with SEs over sizes ``Ns``."""

    Ns: tuple[int, ...]
    y: tuple[float, ...]
    se: tuple[float, ...]
    exponent: float
    exponent_se: float
    amplitude: float
    chi2: float

    def summary(self) -> dict[str, Any]:
        """Plain data."""
        return asdict(self)


def error_scaling(Ns: Sequence[int], y: Sequence[float], se: Sequence[float]) -> ScalingFit:
    """Fit the exponent of ``y ~ A N^b`` by weighted least squares in log-log (SE of log y = se / y)."""
    if len(Ns) < 2 or min(y) <= 0:
        raise SpecError("Ns", f"need >= 2 sizes and positive errors, got {list(Ns)}, {list(y)}")
    from workbench.compare import weighted_lsq

    X = np.column_stack([np.ones(len(Ns)), np.log(np.asarray(Ns, float))])
    se_log = np.maximum(np.asarray(se, float), 1e-300) / np.asarray(y, float)
    beta, cov, _, chi2 = weighted_lsq(X, np.log(np.asarray(y, float)), se_log)
    return ScalingFit(tuple(int(n) for n in Ns), tuple(map(float, y)), tuple(map(float, se)), float(beta[1]),
                      float(math.sqrt(cov[1, 1])), float(math.exp(beta[0])), chi2)
