"""Fast reference simulator: K trials sharing one J as an (N, K) state, one product ``J @ P`` per step.

The product is BLAS's, or for a few trials of a large network on one thread the kernel of
:mod:`workbench.sim.matmul` that reads J once for all of them (OpenBLAS's GEMM packs J at every call).

Integrators for ``tau_i dx_i = (-x_i + sum_j J_ij phi(gain_j x_j) + I_i + eta_i) dt + sqrt(sigma2) dW_i``
(white noise) or with an OU input ``tau_n d eta = -eta dt + sqrt(sigma2) dW``:

* ``"euler"`` (Euler-Maruyama): ``x <- (1 - dt/tau) x + (dt/tau) drive + sqrt(sigma2 dt)/tau Z``.
* ``"exp"`` (exponential Euler): the leak and the white noise are integrated exactly over a step
  with the recurrent drive frozen: ``a = exp(-dt/tau)``,
  ``x <- a x + (1 - a) drive + sqrt(sigma2 (1 - a^2) / (2 tau)) Z``.

With ``spec.dynamics.kind == "map"`` the network is the delta-step map
``x <- (1 - delta) x + delta drive + sqrt(delta sigma2) Z`` (:func:`map_coefficients`; tau and the
integrator are not used, one step per unit time, so ``dt`` must be 1 and ``T``, ``burn_in`` count steps).

The OU input is always advanced exactly: ``eta <- c eta + sqrt(sigma2 (1 - c^2)/(2 tau_n)) Z``,
``c = exp(-dt/tau_n)``, started from its stationary law.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench import interrupts
from workbench.errors import DivergenceError, SpecError
from workbench.progress import Progress
from workbench.sim import kernels
from workbench.sim.matmul import RecurrentProduct
from workbench.sim.network import Network, build_network
from workbench.spec import ModelSpec

__all__ = ["SimResult", "simulate", "run_network", "step_coefficients", "RECORDABLE", "DTYPES", "available_memory",
           "check_dtype", "check_seed", "memory_estimate", "map_coefficients"]

RECORDABLE = ("mean", "cov", "cov_trials", "traj", "traj_phi", "popmean")
"""What :func:`simulate` can record: pooled mean/covariances of x and phi, per-trial covariances,
trajectories of a subset of neurons (x and/or phi), and per-trial population means over time."""

COV_BATCH_COLUMNS = 64
"""Recorded samples (trials x times) gathered before one rank update of the ``cov`` accumulators."""

TRIAL_BATCH = 32
"""Samples per trial gathered before one batched update of the per-trial covariances (``record=("cov_trials",)``)."""

NOISE_BATCH_NUMBERS = 65536
"""Standard normals drawn by one numpy call (steps x N x K, at least one step): 0.5 MB of float64."""

DTYPES = ("float64", "float32")
"""Precisions of the state and GEMM that :func:`simulate` (and the tangent map of the Lyapunov estimators) run in."""


def check_dtype(dtype: Any) -> str:
    """``dtype`` when it is one of :data:`DTYPES`; otherwise a one-line SpecError naming ``dtype``."""
    if dtype not in DTYPES:
        raise SpecError("dtype", f"must be one of {', '.join(map(repr, DTYPES))}, got {dtype!r}")
    return dtype


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


def map_coefficients(tau: np.ndarray, delta: float, sigma2: float, white: bool) -> tuple[np.ndarray, ...]:
    """``(a, b, nf)`` of the delta-step map: ``a = 1 - delta``, ``b = delta``, noise variance ``delta sigma2`` per step."""
    a = np.full_like(tau, 1.0 - delta, dtype=float)
    b = np.full_like(tau, delta, dtype=float)
    nf = np.full_like(tau, math.sqrt(delta * sigma2) if white else 0.0, dtype=float)
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

            if np.any(self.cov_x):
                out["participation_ratio"] = float(participation_ratio(self.cov_x))
            else:
                out["participation_ratio"] = None
                out["participation_ratio_reason"] = "not defined: the covariance of x is zero"
        return out


def _check_positive(name: str, value: float, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise SpecError(name, f"expected a number, got {value!r}") from exc
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise SpecError(name, f"must be {'>= 0' if allow_zero else '> 0'} and finite, got {value!r}")
    return v


def check_seed(seed: Any) -> np.random.SeedSequence:
    """The root SeedSequence of a seed: a SeedSequence, or an integer >= 0 (else a SpecError naming seed)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        raise SpecError("seed", "an explicit seed is required (int or SeedSequence)")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError("seed", f"must be an integer >= 0 (or a SeedSequence), got {seed!r}")
    return np.random.SeedSequence(int(seed))


def _meminfo_available() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_available() -> float | None:
    for limit, usage in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            lim = Path(limit).read_text().strip()
            if lim == "max" or float(lim) >= 2.0**60:
                return None
            return float(lim) - float(Path(usage).read_text().strip())
        except (OSError, ValueError):
            continue
    return None


def available_memory() -> float:
    """Bytes of memory a run may still allocate: MemAvailable, capped by a cgroup limit (inf if unknown)."""
    vals = [v for v in (_meminfo_available(), _cgroup_available()) if v is not None]
    return max(min(vals), 0.0) if vals else math.inf


def memory_estimate(
    N: int, K: int, n_rec: int, n_neurons: int, record: tuple[str, ...], *, sparse: bool, draw_J: bool, itemsize: int
) -> dict[str, tuple[str, float]]:
    """Bytes a run allocates, by item: ``{item: (parameter that sets it, bytes)}``.

    Couplings (N^2, plus the block drawn at a time; sparse blocks also draw a mask), the (N, K)
    state arrays, the N^2 covariance accumulators and results, per-trial covariances (K N^2), and
    the recorded trajectories and population means (n_rec x ...).
    """
    N2 = float(N) * float(N)
    est: dict[str, tuple[str, float]] = {}
    j = N2 * itemsize + (N2 * 8 * (2.125 if sparse else 1.0) if draw_J else 0.0)
    est["couplings"] = ("N", j + (N2 * 8 if draw_J and itemsize != 8 else 0.0))
    est["state"] = ("trials", 8.0 * N * K * 8)
    if "cov" in record:
        est["covariances"] = ("N", 6.0 * N2 * 8 + 2.0 * N * max(K, COV_BATCH_COLUMNS) * 8)  # + the sample batches
    if "cov_trials" in record:
        est["per-trial covariances"] = ("trials", 3.0 * K * N2 * 8 + K * N * TRIAL_BATCH * 8.0)
    traj = sum(1 for r in ("traj", "traj_phi") if r in record) * float(n_rec) * n_neurons * K * 8
    pm = (2.0 * n_rec * K * 8) if "popmean" in record else 0.0
    if traj + pm:
        est["recordings"] = ("T", traj + pm)
    return est


def _check_run_fits(
    spec: ModelSpec, K: int, T: float, n_rec: int, neurons: Any, record: tuple[str, ...], *, draw_J: bool, dtype: str
) -> None:
    """SpecError naming N, trials or T (the largest item) if the run cannot fit in the available memory."""
    if neurons is None or isinstance(neurons, (int, np.integer)):
        n_neurons = min(spec.N, 100) if neurons is None else max(int(neurons), 0)
    else:
        n_neurons = int(np.size(neurons))
    sparse = any(p < 1.0 for row in spec.p for p in row) and not spec.fixed_J
    est = memory_estimate(spec.N, K, n_rec, n_neurons, record, sparse=sparse, draw_J=draw_J,
                          itemsize=np.dtype(dtype).itemsize)
    N = spec.N
    need = sum(b for _, b in est.values())
    avail = available_memory()
    if need <= avail:
        return
    item, (param, _) = max(est.items(), key=lambda kv: kv[1][1])
    gib = 2.0**30
    parts = ", ".join(f"{k} {b / gib:.3g}" for k, (_, b) in est.items())
    raise SpecError(
        param,
        f"N={N}, trials={K}, T={T:g} need about {need / gib:.3g} GiB ({parts}) but about {avail / gib:.3g} GiB "
        f"of memory is available; the largest item is the {item}: reduce {param}",
    )


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
        K, the number of trials simulated side by side (one product J @ P per step for all of them).
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
    if dt > T:
        raise SpecError("dt", f"the time step must be <= T={T:g}, got dt={dt:g}")
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
    check_dtype(dtype)
    if not max_abs > 0:
        raise SpecError("max_abs", f"must be > 0, got {max_abs}")
    max_abs = float(max_abs)
    if method not in ("exp", "euler"):
        raise SpecError("method", f"unknown integrator {method!r}; allowed: 'euler', 'exp'")
    is_map = spec.dynamics.kind == "map"
    if is_map and dt != 1.0:
        raise SpecError("dt", f"the map advances one step per unit time (T, burn_in count steps): use dt=1, got {dt:g}")
    ss = check_seed(seed)
    s_net, s_init, s_noise = ss.spawn(3)
    n_steps = int(round(T / dt))
    if abs(n_steps * dt - T) > 1e-9 * T:
        raise SpecError("T", f"must be a multiple of dt={dt}, got T={T}")
    n_burn = int(round(burn_in / dt))
    _check_run_fits(spec, int(trials), T, max(n_steps - n_burn, 0) // int(stride) + 1, neurons, record,
                    draw_J=network is None, dtype=dtype)
    net = network if network is not None else build_network(spec, s_net)
    if net.spec.N != spec.N:
        raise SpecError("network", f"network has N={net.N} but spec.N={spec.N}")
    N, K = net.N, int(trials)
    if method == "euler" and not is_map and dt >= float(net.tau.min()):
        raise SpecError(
            "dt", f"Euler needs dt < min(tau)={net.tau.min():.4g}, got {dt}; use method='exp' or a smaller dt"
        )
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
    coeffs = (
        map_coefficients(net.tau, spec.dynamics.delta, sigma2, white)
        if is_map
        else step_coefficients(net.tau, dt, sigma2, method, white)
    )
    a, b, nf = (np.ascontiguousarray(v, dtype=ftype) for v in coeffs)
    c_eta, nf_eta = 0.0, 0.0
    eta = np.zeros((N, K) if ou else (1, 1), dtype=ftype)
    if ou:
        c_eta = math.exp(-dt / spec.noise.tau)
        nf_eta = math.sqrt(sigma2 * (1 - c_eta**2) / (2 * spec.noise.tau))
        eta[:] = math.sqrt(sigma2 / (2 * spec.noise.tau)) * rng_init.standard_normal((N, K))
    J = np.ascontiguousarray(net.J, dtype=ftype)
    lr_m = np.ascontiguousarray(net.m, dtype=ftype) if net.rank else None  # low rank, kept factored
    lr_nT = np.ascontiguousarray(net.n.T / N, dtype=ftype) if net.rank else None
    I = np.ascontiguousarray(net.I, dtype=ftype)
    gain = np.ascontiguousarray(net.gain, dtype=ftype)
    if noise is not None:
        if noise.shape != (n_steps, N, K):
            raise SpecError("noise", f"injected noise must have shape {(n_steps, N, K)}, got {noise.shape}")
    code, step_fn, apply_fn = kernels.step_kernels(spec.phi, ftype)

    P = np.empty((N, K), dtype=ftype)
    H = np.empty((N, K), dtype=ftype)
    Z = np.zeros((N, K), dtype=ftype)
    apply_fn(code, x, gain, P)
    if not np.all(np.isfinite(x)):
        raise DivergenceError(f"the initial state is not finite for {spec.summary()}")
    if not np.all(np.isfinite(P)):
        raise DivergenceError(_phi_diverged(spec, 0.0, 0))

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
    # the samples of x and phi wait in a buffer of COV_BATCH_COLUMNS columns: one N x N rank update per batch instead
    # of per sample, so the two N^2 accumulators are read and written that many times less often (memory-bound at
    # large N); the sums are the same up to round-off
    n_batch = max(1, min(COV_BATCH_COLUMNS // K, n_rec)) if want_cov else 0
    buf_x = np.empty((N, K * n_batch)) if want_cov else None
    buf_p = np.empty((N, K * n_batch)) if want_cov else None
    filled = 0  # samples waiting in the buffers
    acc_tr = np.zeros((K, N, N)) if "cov_trials" in record else None
    acc_tr_m = np.zeros((K, N)) if "cov_trials" in record else None
    # per-trial samples wait likewise, TRIAL_BATCH at a time: one batched (K, N, B) product per batch instead of K
    # outer products per sample (the simulator report's N = 200, K = 64 run: recording 45 % -> a few % of its time)
    n_batch_tr = max(1, min(TRIAL_BATCH, n_rec)) if acc_tr is not None else 0
    buf_tr = np.empty((K, N, n_batch_tr)) if acc_tr is not None else None
    filled_tr = 0
    traj = np.empty((n_rec, neurons_idx.size, K)) if "traj" in record else None
    traj_phi = np.empty((n_rec, neurons_idx.size, K)) if "traj_phi" in record else None
    pm_x = np.empty((n_rec, K)) if "popmean" in record else None
    pm_p = np.empty((n_rec, K)) if "popmean" in record else None
    r = 0

    def _flush_cov() -> None:
        nonlocal filled
        m = filled * K
        if m:
            acc_xx[:] += buf_x[:, :m] @ buf_x[:, :m].T
            acc_pp[:] += buf_p[:, :m] @ buf_p[:, :m].T
        filled = 0

    def _flush_trials() -> None:
        nonlocal filled_tr
        if filled_tr:
            b = buf_tr[:, :, :filled_tr]
            acc_tr[:] += np.matmul(b, b.transpose(0, 2, 1))
        filled_tr = 0

    def _record(r: int) -> None:
        nonlocal filled, filled_tr
        xd = x if ftype == np.float64 else x.astype(np.float64)
        pd = P if ftype == np.float64 else P.astype(np.float64)
        if want_mean:
            acc_x[:] += xd.sum(axis=1)
            acc_p[:] += pd.sum(axis=1)
        if want_cov:
            buf_x[:, filled * K:(filled + 1) * K] = xd
            buf_p[:, filled * K:(filled + 1) * K] = pd
            filled += 1
            if filled == n_batch:
                _flush_cov()
        if acc_tr is not None:
            buf_tr[:, :, filled_tr] = xd.T
            filled_tr += 1
            if filled_tr == n_batch_tr:
                _flush_trials()
            acc_tr_m[:] += xd.T
        if traj is not None:
            traj[r] = xd[neurons_idx]
        if traj_phi is not None:
            traj_phi[r] = pd[neurons_idx]
        if pm_x is not None:
            pm_x[r] = xd.mean(axis=0)
            pm_p[r] = pd.mean(axis=0)

    if n_rec and rec_steps[0] == 0:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported by _check_finite_result
            _record(0)
        r = 1
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    pin = nullcontext() if blas_threads is None else threadpool_limits(int(blas_threads), user_api="blas")
    product = RecurrentProduct(J, K, blas_threads)
    # The normal draws: numpy fills NOISE_BATCH_NUMBERS at a time, (B, N, K) in C order, so step n sees the numbers
    # of rng.standard_normal((N, K)) at its turn (the same stream whatever B). Drawing them inside the numba kernel
    # from the Generator cost more than the draws themselves at N <= 500 (numba re-types a Generator argument at
    # every call, about 10 us).
    draw = noise is None and has_noise
    n_draw = max(1, min(n_steps, NOISE_BATCH_NUMBERS // (N * K))) if draw else 0
    Zb = np.empty((n_draw, N, K)) if draw else None
    pending = interrupts.PENDING  # Ctrl-C / SIGTERM are raised between steps, never inside the kernel
    with pin, np.errstate(over="ignore", invalid="ignore"), interrupts.deferred(), Progress(
        n_steps, f"simulate N={N} K={K}", enabled=progress
    ) as bar:
        for n in range(1, n_steps + 1):
            if pending[0]:
                interrupts.raise_pending()
            product(P, H)
            if lr_m is not None:
                H += lr_m @ (lr_nT @ P)
            if noise is not None:
                Z[:] = noise[n - 1]
                Zn = Z
            elif draw:
                j = (n - 1) % n_draw
                if j == 0:
                    rng_noise.standard_normal(out=Zb[: min(n_draw, n_steps - n + 1)])
                Zn = Zb[j]
            else:
                Zn = Z
            bad = step_fn(code, x, H, I, a, b, nf, Zn, gain, P, eta, c_eta, nf_eta, ou, has_noise, max_abs)
            if bad & kernels.DIVERGED_X:
                raise DivergenceError(
                    f"the state diverged (non-finite or |x| >= max_abs={max_abs:g}) at t = {n * dt:.6g} (step {n}) "
                    f"for {spec.summary()}; reduce dt, or the coupling strength / input (the linear "
                    "network is unstable for g >= 1), or start nearer the stationary state (a smaller init std: "
                    "where phi grows faster than x, as x**3 does, the stationary state is only metastable)"
                )
            if bad:
                raise DivergenceError(_phi_diverged(spec, n * dt, n))
            if r < n_rec and rec_steps[r] == n:
                _record(r)
                r += 1
            if n % 256 == 0:
                bar.update(256)
        with np.errstate(over="ignore", invalid="ignore"):
            if want_cov:
                _flush_cov()
            if acc_tr is not None:
                _flush_trials()
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
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported by _check_finite_result
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
    _check_finite_result(res, spec)
    return res


_RESULT_ARRAYS = ("mean_x", "mean_phi", "cov_x", "cov_phi", "cov_x_trials", "traj", "traj_phi", "popmean_x",
                  "popmean_phi")


def _check_finite_result(res: SimResult, spec: ModelSpec) -> None:
    """DivergenceError if a recorded statistic overflowed (e.g. phi = exp(x) with a huge x squared)."""
    for name in _RESULT_ARRAYS:
        arr = getattr(res, name)
        if arr is not None and not np.all(np.isfinite(arr)):
            raise DivergenceError(
                f"the recorded {name} is not finite (phi or x too large to square and average) for {spec.summary()}; "
                "choose a bounded phi or smaller couplings / inputs"
            )


def _phi_diverged(spec: ModelSpec, t: float, step: int) -> str:
    return (
        f"phi(gain x) became non-finite at t = {t:.6g} (step {step}) for {spec.summary()}: phi = "
        f"{spec.phi.label()!r} is not finite at the state reached (e.g. exp overflow, log or sqrt of a "
        "negative number); choose a phi defined and finite for all x, or smaller couplings / inputs"
    )


def run_network(network: Network, **kwargs: Any) -> SimResult:
    """:func:`simulate` on a given network realisation (its spec is used)."""
    return simulate(network.spec, network=network, **kwargs)
