"""Lyapunov exponents of the simulated network from its tangent dynamics (QR method).

The state and, per trial, k tangent vectors are advanced together with the *same* discrete map as
:func:`workbench.sim.simulate` (exponential Euler or Euler-Maruyama); the tangent map is the exact
linearisation of that map, ``delta <- a delta + b J (gain phi'(gain x) delta)``, so for a linear
network the exponents converge to the sorted ``log|a + b mu_i| / dt`` exactly (tested). Noise is
additive, so replicas that share the noise have the same tangent dynamics (the DMFT definition).
Both products ``J @ phi`` and ``J @ (phi' Q)`` are one product on an (N, K (1 + k)) block (BLAS, or the kernel of
:mod:`workbench.sim.matmul` for a few columns of a large network on one thread); every
``renorm_every`` steps the (N, k) tangent block of each of the K trials is re-orthonormalised by a
QR decomposition and ``log|R_ii|`` accumulated (Benettin et al. 1980; Shimada & Nagashima 1979).
:func:`lyapunov_exponent` is the k = 1 case (the first exponent, same random streams).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from workbench.errors import SpecError
from workbench.sim.matmul import RecurrentProduct
from workbench.sim.network import Network, build_network
from workbench.sim.simulator import check_dtype, simulate, step_coefficients
from workbench.spec import ModelSpec

__all__ = [
    "LyapunovResult",
    "LyapunovSpectrum",
    "entropy_rate",
    "kaplan_yorke_dimension",
    "lyapunov_exponent",
    "lyapunov_spectrum",
    "qr_exponents",
]


@dataclass
class LyapunovResult:
    """Largest Lyapunov exponent: mean over K trials, its standard error, per-trial values."""

    value: float
    stderr: float
    per_trial: np.ndarray
    info: dict


@dataclass
class LyapunovSpectrum:
    """First k Lyapunov exponents (descending, per unit time) with standard errors over K trials.

    Attributes
    ----------
    exponents, stderr : ndarray (k,)
        Trial mean and its standard error, per exponent index.
    per_trial : ndarray (K, k)
    kaplan_yorke, kaplan_yorke_stderr : float
        Kaplan-Yorke dimension of the mean spectrum (NaN when the k exponents do not reach the
        zero crossing of their cumulative sum) and its standard error over trials.
    entropy_rate, entropy_rate_stderr : float
        Sum of the positive exponents (Pesin; a lower bound while exponent k is still positive).
    info : dict
    """

    exponents: np.ndarray
    stderr: np.ndarray
    per_trial: np.ndarray
    kaplan_yorke: float
    kaplan_yorke_stderr: float
    entropy_rate: float
    entropy_rate_stderr: float
    info: dict


def kaplan_yorke_dimension(exponents: np.ndarray) -> float:
    """Kaplan-Yorke dimension ``j + sum_{i<=j} lambda_i / |lambda_{j+1}|`` of a spectrum.

    ``j`` is the largest index with a non-negative cumulative sum of the descending exponents; 0 if
    ``lambda_1 < 0``; NaN if the cumulative sum is still non-negative at the last exponent given.
    """
    lam = np.sort(np.asarray(exponents, dtype=float))[::-1]
    csum = np.cumsum(lam)
    if lam.size == 0 or csum[0] < 0:
        return 0.0
    j = int(np.nonzero(csum >= 0)[0][-1]) + 1
    if j >= lam.size:
        return math.nan
    return float(j + csum[j - 1] / abs(lam[j]))


def entropy_rate(exponents: np.ndarray) -> float:
    """Kolmogorov-Sinai entropy rate by Pesin's formula: the sum of the positive exponents."""
    lam = np.asarray(exponents, dtype=float)
    return float(lam[lam > 0].sum())


def _is_int(v: object, lo: int) -> bool:
    """Whether ``v`` is an integer (not a bool) >= ``lo``."""
    return not isinstance(v, bool) and isinstance(v, (int, np.integer)) and v >= lo


def _check_args(k: int, trials: int, T: float, dt: float, renorm_every: int, N: int) -> None:
    """SpecError for a bad argument of :func:`lyapunov_spectrum`."""
    if not _is_int(trials, 2):
        raise SpecError("trials", f"must be an integer >= 2 (the error bar is over trials), got {trials!r}")
    if not _is_int(k, 1) or k > N:
        raise SpecError("k", f"must be an integer with 1 <= k <= N = {N}, got {k!r}")
    if not (T > 0 and math.isfinite(T)):
        raise SpecError("T", f"must be > 0, got {T}")
    if not (dt > 0 and math.isfinite(dt)):
        raise SpecError("dt", f"must be > 0, got {dt}")
    if not _is_int(renorm_every, 1):
        raise SpecError("renorm_every", f"must be an integer >= 1, got {renorm_every!r}")


def initial_tangents(rng: np.random.Generator, N: int, K: int, k: int) -> np.ndarray:
    """Random (N, K k) tangent block, column ``t k + j`` = vector j of trial t; vector 0 does not depend on k."""
    Z = rng.standard_normal((k, N, K))  # slice 0 is the k = 1 draw
    return np.ascontiguousarray(Z.transpose(1, 2, 0).reshape(N, K * k))


def _reorthonormalise(Q: np.ndarray, K: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """QR of each trial's (N, k) block of ``Q`` (N, K k): the orthonormal block and ``log|R_ii|`` (K, k)."""
    N = Q.shape[0]
    q, r = np.linalg.qr(Q.reshape(N, K, k).transpose(1, 0, 2))
    d = np.diagonal(r, axis1=-2, axis2=-1)
    q = q * np.where(d < 0, -1.0, 1.0)[:, None, :]
    return np.ascontiguousarray(q.transpose(1, 0, 2).reshape(N, K * k)), np.log(np.abs(d))


def qr_exponents(
    step: Callable[[int, np.ndarray], np.ndarray],
    Q0: np.ndarray,
    K: int,
    n_steps: int,
    dt: float,
    renorm_every: int,
) -> np.ndarray:
    """Per-trial QR exponents (K, k) of the tangent maps ``Q <- step(n, Q)``, n = 1..n_steps.

    ``Q0`` is the (N, K k) block laid out as in :func:`initial_tangents`; it is orthonormalised
    first, then every ``renorm_every`` steps (and at the last), accumulating ``log|R_ii|``.
    """
    k = Q0.shape[1] // K
    Q, _ = _reorthonormalise(Q0, K, k)
    log_growth = np.zeros((K, k))
    for n in range(1, n_steps + 1):
        Q = step(n, Q)
        if n % renorm_every == 0 or n == n_steps:
            if not np.all(np.isfinite(Q)):
                from workbench.errors import DivergenceError

                raise DivergenceError(f"the tangent vectors diverged at t = {n * dt:.6g}; lower renorm_every")
            Q, lg = _reorthonormalise(Q, K, k)
            log_growth += lg
    return log_growth / (n_steps * dt)


def _spectrum_result(per: np.ndarray, info: dict) -> LyapunovSpectrum:
    """Mean spectrum, standard errors, Kaplan-Yorke dimension and entropy rate from per-trial spectra (K, k)."""
    K = per.shape[0]
    se = per.std(axis=0, ddof=1) / math.sqrt(K)
    mean = per.mean(axis=0)
    ky = np.array([kaplan_yorke_dimension(p) for p in per])
    h = np.array([entropy_rate(p) for p in per])
    return LyapunovSpectrum(
        exponents=mean,
        stderr=se,
        per_trial=per,
        kaplan_yorke=kaplan_yorke_dimension(mean),
        kaplan_yorke_stderr=float(ky.std(ddof=1) / math.sqrt(K)),
        entropy_rate=entropy_rate(mean),
        entropy_rate_stderr=float(h.std(ddof=1) / math.sqrt(K)),
        info=info,
    )


def lyapunov_spectrum(
    spec: ModelSpec,
    k: int = 10,
    T: float = 500.0,
    dt: float = 0.05,
    trials: int = 4,
    seed: int = 0,
    burn_in: float = 100.0,
    renorm_every: int = 10,
    method: str = "exp",
    network: Network | None = None,
    dtype: str = "float64",
) -> LyapunovSpectrum:
    """First ``k`` Lyapunov exponents (per unit time) of ``spec``'s network by the QR method.

    Parameters
    ----------
    spec : ModelSpec
    k : int
        Number of exponents (1 <= k <= N).
    T : float
        Averaging time after the burn-in (> 0).
    dt : float
        Time step.
    trials : int
        K independent trials (same J, independent initial states, noise, tangent vectors); the
        standard errors are over trials (needs K >= 2).
    seed : int
        Root seed: ``SeedSequence(seed)`` spawns ``[network, burn-in run, tangent run]``.
    burn_in : float
        Relaxation time simulated first (discarded).
    renorm_every : int
        Steps between QR re-orthonormalisations.
    method : {"exp", "euler"}
    network : Network, optional
        Reuse a realisation instead of drawing one from the seed.
    dtype : {"float64", "float32"}
        Precision of the state, tangent block and GEMM (as in :func:`~workbench.sim.simulate`; float32 halves the
        memory traffic of ``J``, which bounds the step time at N >= 1000; the exponents accumulate in float64).
    """
    ftype = np.dtype(check_dtype(dtype))
    ss = np.random.SeedSequence(seed)
    s_net, s_burn, s_run = ss.spawn(3)
    net = network if network is not None else build_network(spec, s_net)
    _check_args(k, trials, T, dt, renorm_every, net.N)
    if spec.noise.kind == "ou":
        raise SpecError("noise.kind", "Lyapunov estimation supports white or no noise (OU input not implemented)")
    K, k = int(trials), int(k)
    if burn_in > 0:
        x = simulate(spec, T=burn_in, dt=dt, trials=K, seed=s_burn, network=net, record=(), method=method,
                     dtype=dtype).x_final
    else:
        x = spec.init.mean + spec.init.std * np.random.default_rng(s_burn).standard_normal((net.N, K))
    x = x.astype(ftype)
    white = spec.noise.kind == "white" and spec.noise.sigma2 > 0
    a, b, nf = (c[:, None].astype(ftype) for c in step_coefficients(net.tau, dt, spec.noise.sigma2, method, white))
    from workbench.codegen import compile_system
    from workbench.spec import X

    f = compile_system([spec.phi.expr, spec.phi.derivative], [X], backend="numpy", name="phi_dphi")
    gain, I = net.gain[:, None].astype(ftype), net.I[:, None].astype(ftype)
    J = np.ascontiguousarray(net.J, dtype=ftype)
    rng_t, rng_n = (np.random.default_rng(s) for s in s_run.spawn(2))
    Q0 = initial_tangents(rng_t, net.N, K, k).astype(ftype)
    block = np.empty((net.N, K * (1 + k)), dtype=ftype)
    H = np.empty_like(block)
    product = RecurrentProduct(J, block.shape[1], None)
    state = {"x": x}

    def step(n: int, Q: np.ndarray) -> np.ndarray:
        """One step of the state and its tangent block: a single product ``J @ [phi | phi' Q]``."""
        x = state["x"]
        u = gain * x
        phi, dphi = (np.broadcast_to(np.asarray(v, dtype=ftype), u.shape) for v in f(u))
        block[:, :K] = phi
        block[:, K:] = Q * np.repeat(gain * dphi, k, axis=1)
        product(block, H)
        x = a * x + b * (H[:, :K] + I)
        if white:
            x += nf * rng_n.standard_normal(x.shape)  # drawn in float64: the same stream at either dtype
        if not np.all(np.isfinite(x)):
            from workbench.errors import DivergenceError

            raise DivergenceError(f"the state diverged at t = {n * dt:.6g} while estimating Lyapunov exponents")
        state["x"] = x
        return a * Q + b * H[:, K:]

    per = qr_exponents(step, Q0, K, int(round(T / dt)), dt, renorm_every)
    info = {"N": net.N, "K": K, "k": k, "T": T, "dt": dt, "burn_in": burn_in, "seed": seed, "method": method,
            "renorm_every": renorm_every, "dtype": dtype}
    return _spectrum_result(per, info)


def lyapunov_exponent(
    spec: ModelSpec,
    T: float = 500.0,
    dt: float = 0.05,
    trials: int = 4,
    seed: int = 0,
    burn_in: float = 100.0,
    renorm_every: int = 10,
    method: str = "exp",
    network: Network | None = None,
    dtype: str = "float64",
) -> LyapunovResult:
    """Estimate the largest Lyapunov exponent (per unit time): :func:`lyapunov_spectrum` with k = 1.

    Parameters are those of :func:`lyapunov_spectrum` (without ``k``).
    """
    if not _is_int(trials, 2):
        raise SpecError("trials", f"must be an integer >= 2 (the error bar is over trials), got {trials!r}")
    sp = lyapunov_spectrum(spec, 1, T, dt, trials, seed, burn_in, renorm_every, method, network, dtype)
    per = sp.per_trial[:, 0]
    return LyapunovResult(float(sp.exponents[0]), float(sp.stderr[0]), per, {kk: v for kk, v in sp.info.items() if kk != "k"})
