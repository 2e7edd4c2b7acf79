"""Fast reference simulator: K trials sharing one J as an (N, K) state, one GEMM per step.

Integrators for ``tau_i dx_i = (-x_i + sum_j J_ij phi(gain_j x_j) + I_i + eta_i) dt + sqrt(sigma2) dW_i``
(white noise) or with an OU input ``tau_n d eta = -eta dt + sqrt(sigma2) dW``:

* ``"euler"`` (Euler-Maruyama): ``x <- (1 - dt/tau) x + (dt/tau) drive + sqrt(sigma2 dt)/tau Z``.
* ``"exp"`` (exponential Euler): the leak and the white noise are integrated exactly over a step
  with the recurrent drive frozen: ``a = exp(-dt/tau)``,
  ``x <- a x + (1 - a) drive + sqrt(sigma2 (1 - a^2) / (2 tau)) Z``.

The OU input is always advanced exactly: ``eta <- c eta + sqrt(sigma2 (1 - c^2)/(2 tau_n)) Z``,
``c = exp(-dt/tau_n)``, started from its stationary law.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.errors import DivergenceError, SpecError
from workbench.progress import Progress
from workbench.sim import kernels
from workbench.sim.network import Network, build_network
from workbench.spec import ModelSpec

__all__ = ["SimResult", "simulate", "run_network", "step_coefficients", "RECORDABLE"]

RECORDABLE = ("mean", "cov", "cov_trials", "traj", "traj_phi", "popmean")
"""What :func:`simulate` can record: pooled mean/covariances of x and phi, per-trial covariances,
trajectories of a subset of neurons (x and/or phi), and per-trial population means over time."""


def step_coefficients(tau: np.ndarray, dt: float, sigma2: float, method: str, white: bool) -> tuple[np.ndarray, ...]:
    """Per-neuron coefficients ``(a, b, nf)`` of the update ``x <- a x + b drive + nf Z``."""
    if method == "euler":
        a = 1.0 - dt / tau
        b = dt / tau
        nf = np.sqrt(sigma2 * dt) / tau if white else np.zeros_like(tau)
    elif method == "exp":
        a = np.exp(-dt / tau)
        b = 1.0 - a
        nf = np.sqrt(sigma2 * (1.0 - a * a) / (2.0 * tau)) if white else np.zeros_like(tau)
    else:
        raise SpecError("method", f"unknown integrator {method!r}; allowed: 'euler', 'exp'")
    return a, b, nf


@dataclass
class SimResult:
    """Output of a simulation.

    Attributes
    ----------
    t : ndarray (n_rec,)
        Recording times (after burn-in, every ``stride`` steps).
    mean_x, mean_phi : ndarray (N,)
        Time- and trial-averaged activity per neuron.
    cov_x, cov_phi : ndarray (N, N)
        Equal-time covariances pooled over recorded times and trials (centred by the pooled mean).
    cov_x_trials : ndarray (K, N, N) or None
        Per-trial equal-time covariances (each centred by its own time average).
    traj, traj_phi : ndarray (n_rec, n_neurons_recorded, K) or None
        Recorded trajectories of ``neurons``.
    popmean_x, popmean_phi : ndarray (n_rec, K) or None
        Population-averaged x and phi per trial over time.
    x_final : ndarray (N, K)
        Final state (continue a run with ``x0=res.x_final``).
    info : dict
        N, K, dt, T, burn_in, stride, method, seed, dtype: the provenance of the numbers.
    """

    t: np.ndarray
    network: Network
    x_final: np.ndarray
    info: dict[str, Any]
    mean_x: np.ndarray | None = None
    mean_phi: np.ndarray | None = None
    cov_x: np.ndarray | None = None
    cov_phi: np.ndarray | None = None
    cov_x_trials: np.ndarray | None = None
    traj: np.ndarray | None = None
    traj_phi: np.ndarray | None = None
    neurons: np.ndarray | None = None
    popmean_x: np.ndarray | None = None
    popmean_phi: np.ndarray | None = None
    eta_final: np.ndarray | None = field(default=None, repr=False)

    def summary(self) -> dict[str, Any]:
        """A flat JSON-friendly summary of the run."""
        out: dict[str, Any] = dict(self.info)
        if self.cov_x is not None:
            out["mean_x_pop"] = float(self.mean_x.mean())
            out["var_x_mean"] = float(np.trace(self.cov_x) / self.cov_x.shape[0])
            out["var_phi_mean"] = float(np.trace(self.cov_phi) / self.cov_phi.shape[0])
            off = self.cov_x[~np.eye(self.cov_x.shape[0], dtype=bool)]
            out["cross_cov_x_mean"] = float(off.mean()) if off.size else 0.0
            out["cross_cov_x_std"] = float(off.std()) if off.size else 0.0
            from workbench.sim.estimators import participation_ratio

            out["participation_ratio"] = float(participation_ratio(self.cov_x))
        return out


def _check_positive(name: str, value: float, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise SpecError(name, f"expected a number, got {value!r}") from exc
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise SpecError(name, f"must be {'>= 0' if allow_zero else '> 0'} and finite, got {value!r}")
    return v


def simulate(
    spec: ModelSpec,
    T: float = 100.0,
    dt: float = 0.05,
    trials: int = 1,
    seed: int | np.random.SeedSequence = 0,
    burn_in: float = 0.0,
    stride: int = 1,
    record: tuple[str, ...] | list[str] = ("mean", "cov"),
    neurons: int | np.ndarray | None = None,
    method: str = "exp",
    dtype: str = "float64",
    network: Network | None = None,
    x0: np.ndarray | None = None,
    noise: np.ndarray | None = None,
    progress: bool | None = False,
    max_abs: float = 1e8,
    blas_threads: int | None = None,
) -> SimResult:
    """Simulate ``trials`` independent trials of one network drawn from ``spec``.

    Parameters
    ----------
    spec : ModelSpec
        The model. Its ``N``, couplings, nonlinearity, noise and initial law are used.
    T : float
        Duration after time 0 (> 0). Recording starts at ``burn_in``.
    dt : float
        Time step (> 0, and < min(tau) for Euler).
    trials : int
        K, the number of trials simulated side by side (one GEMM per step for all of them).
    seed : int or SeedSequence
        Root seed: spawns ``[network, initial condition, noise]``; same seed, same numbers.
    burn_in : float
        Time discarded before recording (0 <= burn_in < T).
    stride : int
        Record every ``stride`` steps.
    record : sequence of str
        Subset of :data:`RECORDABLE`.
    neurons : int or array of int, optional
        Neurons whose trajectories are kept (an int n means the first n). Default: up to 100.
    method : {"exp", "euler"}
        Exponential Euler for the leak (default) or Euler-Maruyama.
    dtype : {"float64", "float32"}
        Precision of the state and of the GEMM (accumulators are always float64).
    network : Network, optional
        Reuse a network realisation (e.g. the same J with new noise); drawn from ``seed`` otherwise.
    x0 : ndarray (N,) or (N, K), optional
        Initial state; drawn from the spec's initial law otherwise.
    noise : ndarray (n_steps, N, K), optional
        Injected standard-normal increments (for exact cross-checks with the reference stepper).
    progress : bool or None
        Show a progress bar (None: only on a terminal).
    max_abs : float
        Runaway threshold: the run stops with :class:`DivergenceError` when any |x_i| reaches it
        (or a value is non-finite). Default 1e8; pass ``numpy.inf`` to only catch NaN/inf.
    blas_threads : int, optional
        Pin the BLAS thread pool to this many threads for the run (threadpoolctl); ``None``
        leaves it as configured (e.g. by ``OPENBLAS_NUM_THREADS``).

    Returns
    -------
    SimResult

    Raises
    ------
    SpecError
        Bad parameters (the message names the parameter).
    DivergenceError
        The state became non-finite or exceeded ``max_abs``: the run is stopped, nothing returned.
    """
    T = _check_positive("T", T)
    dt = _check_positive("dt", dt)
    burn_in = _check_positive("burn_in", burn_in, allow_zero=True)
    if burn_in >= T:
        raise SpecError("burn_in", f"must be < T={T}, got {burn_in}")
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise SpecError("trials", f"must be an integer >= 1, got {trials!r}")
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise SpecError("stride", f"must be an integer >= 1, got {stride!r}")
    record = tuple(record)
    bad = set(record) - set(RECORDABLE)
    if bad:
        raise SpecError("record", f"unknown items {sorted(bad)}; allowed {RECORDABLE}")
    if dtype not in ("float64", "float32"):
        raise SpecError("dtype", f"must be 'float64' or 'float32', got {dtype!r}")
    if not max_abs > 0:
        raise SpecError("max_abs", f"must be > 0, got {max_abs}")
    max_abs = float(max_abs)
    if method not in ("exp", "euler"):
        raise SpecError("method", f"unknown integrator {method!r}; allowed: 'euler', 'exp'")
    if seed is None:
        raise SpecError("seed", "an explicit seed is required (int or SeedSequence)")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    s_net, s_init, s_noise = ss.spawn(3)
    net = network if network is not None else build_network(spec, s_net)
    if net.spec.N != spec.N:
        raise SpecError("network", f"network has N={net.N} but spec.N={spec.N}")
    N, K = net.N, int(trials)
    if method == "euler" and dt >= float(net.tau.min()):
        raise SpecError(
            "dt", f"Euler needs dt < min(tau)={net.tau.min():.4g}, got {dt}; use method='exp' or a smaller dt"
        )
    n_steps = int(round(T / dt))
    if abs(n_steps * dt - T) > 1e-9 * T:
        raise SpecError("T", f"must be a multiple of dt={dt}, got T={T}")
    n_burn = int(round(burn_in / dt))
    ftype = np.dtype(dtype)
    rng_init = np.random.default_rng(s_init)
    rng_noise = np.random.default_rng(s_noise)

    # ---------------- state
    if x0 is None:
        if spec.init.kind == "point":
            x = np.full((N, K), spec.init.mean)
        else:
            x = spec.init.mean + spec.init.std * rng_init.standard_normal((N, K))
    else:
        x0 = np.asarray(x0, dtype=float)
        if x0.shape == (N,):
            x = np.repeat(x0[:, None], K, axis=1)
        elif x0.shape == (N, K):
            x = x0.copy()
        else:
            raise SpecError("x0", f"must have shape ({N},) or ({N}, {K}), got {x0.shape}")
    x = np.ascontiguousarray(x, dtype=ftype)
    kind = spec.noise.kind
    sigma2 = spec.noise.sigma2
    white = kind == "white" and sigma2 > 0
    ou = kind == "ou" and sigma2 > 0
    has_noise = white or ou
    a, b, nf = (np.ascontiguousarray(v, dtype=ftype) for v in step_coefficients(net.tau, dt, sigma2, method, white))
    c_eta, nf_eta = 0.0, 0.0
    eta = np.zeros((N, K) if ou else (1, 1), dtype=ftype)
    if ou:
        c_eta = math.exp(-dt / spec.noise.tau)
        nf_eta = math.sqrt(sigma2 * (1 - c_eta**2) / (2 * spec.noise.tau))
        eta[:] = math.sqrt(sigma2 / (2 * spec.noise.tau)) * rng_init.standard_normal((N, K))
    J = np.ascontiguousarray(net.J, dtype=ftype)
    I = np.ascontiguousarray(net.I, dtype=ftype)
    gain = np.ascontiguousarray(net.gain, dtype=ftype)
    if noise is not None:
        if noise.shape != (n_steps, N, K):
            raise SpecError("noise", f"injected noise must have shape {(n_steps, N, K)}, got {noise.shape}")
    code = kernels.PHI_CODES.get(spec.phi.name, -1)
    if code >= 0:
        step_fn, apply_fn = kernels.fused_step, kernels._phi_apply
    else:
        step_fn, apply_fn = kernels.make_custom_step(spec.phi)

    P = np.empty((N, K), dtype=ftype)
    H = np.empty((N, K), dtype=ftype)
    Z = np.zeros((N, K), dtype=ftype)
    apply_fn(code, x, gain, P)

    # ---------------- recording set-up
    rec_steps = np.arange(n_burn, n_steps + 1, stride)
    rec_steps = rec_steps[rec_steps >= max(n_burn, 0)]
    n_rec = rec_steps.size
    t_rec = rec_steps * dt
    if neurons is None:
        neurons_idx = np.arange(min(N, 100))
    elif isinstance(neurons, (int, np.integer)):
        if not 0 <= neurons <= N:
            raise SpecError("neurons", f"must be in [0, N={N}], got {neurons}")
        neurons_idx = np.arange(int(neurons))
    else:
        neurons_idx = np.asarray(neurons, dtype=int)
        if neurons_idx.size and (neurons_idx.min() < 0 or neurons_idx.max() >= N):
            raise SpecError("neurons", f"indices must be in [0, {N - 1}]")
    want_cov = "cov" in record
    want_mean = "mean" in record or want_cov
    acc_x = np.zeros(N) if want_mean else None
    acc_p = np.zeros(N) if want_mean else None
    acc_xx = np.zeros((N, N)) if want_cov else None
    acc_pp = np.zeros((N, N)) if want_cov else None
    acc_tr = np.zeros((K, N, N)) if "cov_trials" in record else None
    acc_tr_m = np.zeros((K, N)) if "cov_trials" in record else None
    traj = np.empty((n_rec, neurons_idx.size, K)) if "traj" in record else None
    traj_phi = np.empty((n_rec, neurons_idx.size, K)) if "traj_phi" in record else None
    pm_x = np.empty((n_rec, K)) if "popmean" in record else None
    pm_p = np.empty((n_rec, K)) if "popmean" in record else None
    r = 0

    def _record(r: int) -> None:
        xd = x if ftype == np.float64 else x.astype(np.float64)
        pd = P if ftype == np.float64 else P.astype(np.float64)
        if want_mean:
            acc_x[:] += xd.sum(axis=1)
            acc_p[:] += pd.sum(axis=1)
        if want_cov:
            acc_xx[:] += xd @ xd.T
            acc_pp[:] += pd @ pd.T
        if acc_tr is not None:
            for k in range(K):
                acc_tr[k] += np.outer(xd[:, k], xd[:, k])
            acc_tr_m[:] += xd.T
        if traj is not None:
            traj[r] = xd[neurons_idx]
        if traj_phi is not None:
            traj_phi[r] = pd[neurons_idx]
        if pm_x is not None:
            pm_x[r] = xd.mean(axis=0)
            pm_p[r] = pd.mean(axis=0)

    if n_rec and rec_steps[0] == 0:
        _record(0)
        r = 1
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    pin = nullcontext() if blas_threads is None else threadpool_limits(int(blas_threads), user_api="blas")
    # The normal draws are made inside the fused kernel from the same numpy Generator (numba
    # implements it bit-for-bit), in the order of rng.standard_normal((N, K)).
    draw = noise is None and has_noise
    with pin, Progress(n_steps, f"simulate N={N} K={K}", enabled=progress) as bar:
        for n in range(1, n_steps + 1):
            np.matmul(J, P, out=H)
            if noise is not None:
                Z[:] = noise[n - 1]
            bad = step_fn(
                code, x, H, I, a, b, nf, Z, gain, P, eta, c_eta, nf_eta, ou, has_noise, max_abs, rng_noise, draw
            )
            if bad:
                raise DivergenceError(
                    f"the state diverged (non-finite or |x| >= max_abs={max_abs:g}) at t = {n * dt:.6g} (step {n}) "
                    f"for {spec.summary()}; reduce dt, or the coupling strength / input (the linear "
                    "network is unstable for g >= 1)"
                )
            if r < n_rec and rec_steps[r] == n:
                _record(r)
                r += 1
            if n % 256 == 0:
                bar.update(256)
    n_samples = n_rec * K
    info = {
        "N": N,
        "K": K,
        "T": T,
        "dt": dt,
        "burn_in": burn_in,
        "stride": int(stride),
        "n_rec": int(n_rec),
        "method": method,
        "dtype": dtype,
        "seed": ss.entropy if isinstance(ss.entropy, int) else str(ss.entropy),
        "spec": spec.summary(),
    }
    res = SimResult(t=t_rec, network=net, x_final=np.asarray(x, dtype=np.float64), info=info, neurons=neurons_idx)
    if want_mean and n_samples:
        res.mean_x = acc_x / n_samples
        res.mean_phi = acc_p / n_samples
    if want_cov and n_samples:
        res.cov_x = acc_xx / n_samples - np.outer(res.mean_x, res.mean_x)
        res.cov_phi = acc_pp / n_samples - np.outer(res.mean_phi, res.mean_phi)
    if acc_tr is not None and n_rec:
        m = acc_tr_m / n_rec
        res.cov_x_trials = acc_tr / n_rec - m[:, :, None] * m[:, None, :]
    res.traj, res.traj_phi, res.popmean_x, res.popmean_phi = traj, traj_phi, pm_x, pm_p
    res.eta_final = eta if ou else None
    return res


def run_network(network: Network, **kwargs: Any) -> SimResult:
    """:func:`simulate` on a given network realisation (its spec is used)."""
    return simulate(network.spec, network=network, **kwargs)
