"""Estimators shared by simulation and theory comparisons.

Conventions: trajectories have shape ``(n_times, n_neurons, K)`` (time, neuron, trial), as
recorded by :func:`workbench.sim.simulate`; ``dt`` is the spacing of the recorded samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.errors import SpecError

__all__ = [
    "population_mean",
    "equal_time_cov",
    "autocorrelation",
    "autocovariance_trials",
    "centring_bias",
    "expected_autocorrelation",
    "mean_is_zero",
    "population_autocorrelation",
    "two_time_cov",
    "long_window_cov",
    "participation_ratio",
    "cross_cov_stats",
    "jacobian",
    "jacobian_eigenvalues",
    "linear_response",
    "mean_and_stderr",
]


def _traj(traj: np.ndarray) -> np.ndarray:
    traj = np.asarray(traj, dtype=float)
    if traj.ndim == 2:
        traj = traj[:, :, None]
    if traj.ndim != 3:
        raise SpecError("traj", f"expected shape (n_times, n_neurons[, K]), got {traj.shape}")
    return traj


def population_mean(traj: np.ndarray) -> np.ndarray:
    """Population mean over neurons, shape ``(n_times, K)``."""
    return _traj(traj).mean(axis=1)


def equal_time_cov(traj: np.ndarray, pooled: bool = True) -> np.ndarray:
    """Equal-time covariance of the neurons.

    ``pooled=True``: one (n, n) matrix from all times and trials (centred by the pooled mean);
    ``pooled=False``: one matrix per trial, shape (K, n, n).
    """
    x = _traj(traj)
    if pooled:
        flat = x.transpose(1, 0, 2).reshape(x.shape[1], -1)
        return np.atleast_2d(np.cov(flat, bias=True))
    return np.stack([np.cov(x[:, :, k].T, bias=True) for k in range(x.shape[2])])


def autocorrelation(
    traj: np.ndarray, dt: float, max_lag: float | None = None, center: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Stationary autocorrelation C(tau) by FFT, averaged over neurons and trials.

    Each neuron-trial series is centred by its own time average (``center=True``) or not; the
    unbiased normalisation 1/(n - lag) is used. Returns ``(lags, C)`` with ``lags = k dt``.
    """
    x = _traj(traj)
    n = x.shape[0]
    if n < 2:
        raise SpecError("traj", "need at least 2 time samples for an autocorrelation")
    nl = n if max_lag is None else min(n, int(round(max_lag / dt)) + 1)
    series = x.reshape(n, -1)
    if center:
        series = series - series.mean(axis=0, keepdims=True)
    nfft = 1 << int(np.ceil(np.log2(2 * n - 1)))
    F = np.fft.rfft(series, n=nfft, axis=0)
    acf = np.fft.irfft((F * F.conj()).real.mean(axis=1), n=nfft)[:nl]
    acf /= n - np.arange(nl)
    return np.arange(nl) * dt, acf


def centring_bias(gamma: np.ndarray, n: int, n_lags: int | None = None) -> np.ndarray:
    """Exact bias ``E[C_hat(k)] - gamma(k)`` of :func:`autocorrelation` with ``center=True``, k = 0 .. n_lags - 1.

    For a stationary series x_0 .. x_{n-1} with covariance ``gamma(h)`` (given at h = 0, 1, ...;
    zero beyond the array), centred by its own mean xbar and normalised by 1/(n - k):
    ``E[C_hat(k)] = gamma(k) + V - 2 A(n - k - 1) / (n - k)`` with
    ``a_s = E[x_s xbar] = (1/n) sum_u gamma(|s - u|)``, ``A(m) = sum_{t<=m} a_t`` and
    ``V = E[xbar^2] = A(n - 1) / n`` (``a`` is symmetric, ``a_s = a_{n-1-s}``, so both cross terms
    give the same sum). For lags much shorter than the window T = n dt this is
    ``-(2/T) int_0^inf gamma(tau) dtau`` to leading order.
    """
    if n < 2:
        raise SpecError("n", f"need at least 2 samples, got {n}")
    g = np.zeros(n)
    gv = np.asarray(gamma, dtype=float)[:n]
    g[: gv.size] = gv
    S = np.cumsum(g)
    s = np.arange(n)
    a = (S[s] + S[n - 1 - s] - g[0]) / n
    A = np.cumsum(a)
    nl = n if n_lags is None else min(int(n_lags), n)
    k = np.arange(nl)
    return A[-1] / n - 2.0 * A[n - 1 - k] / (n - k)


def expected_autocorrelation(gamma: np.ndarray, n: int, n_lags: int | None = None, center: bool = True) -> np.ndarray:
    """``E[C_hat(k)]`` of :func:`autocorrelation` on n samples of a stationary series with covariance ``gamma``.

    ``center=False`` with a mean-zero series is unbiased (the 1/(n - k) normalisation);
    ``center=True`` adds :func:`centring_bias`.
    """
    nl = n if n_lags is None else min(int(n_lags), n)
    g = np.zeros(nl)
    gv = np.asarray(gamma, dtype=float)[:nl]
    g[: gv.size] = gv
    return g + centring_bias(gamma, n, nl) if center else g


def mean_is_zero(spec: Any) -> bool:
    """True if every neuron's mean activity is 0 by the symmetry x -> -x.

    phi odd, no external input (mean or quenched), coupling means J0 = 0 and a drawn (not fixed) J.
    """
    return bool(
        spec.J_file is None
        and spec.phi.is_odd()
        and not np.any(np.asarray(spec.J0, dtype=float))
        and all(p.input_mean == 0.0 and p.input_std == 0.0 for p in spec.populations)
    )


def _debias_centred(C: np.ndarray, n: int, iterations: int) -> np.ndarray:
    """Solve ``C = gamma + centring_bias(gamma)`` for gamma on the lags of ``C`` (gamma = 0 beyond them)."""
    gamma = C.copy()
    for _ in range(iterations):
        gamma = C - centring_bias(gamma, n, C.size)
    return gamma


def autocovariance_trials(
    traj: np.ndarray, dt: float, max_lag: float, mean: float | None = None, iterations: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lags, C, SE)``: the autocovariance without centring bias, mean and standard error over trials.

    ``mean`` known (e.g. 0 where :func:`mean_is_zero`): each series is centred by it and the
    estimate is unbiased. ``mean=None``: each series is centred by its own time average and the
    exact :func:`centring_bias` is removed by solving ``C_hat = gamma + bias(gamma)`` by fixed-point
    iteration, with gamma taken as 0 beyond ``max_lag`` (choose ``max_lag`` past the correlation
    time). SE is over the trials (axis 2; NaN for one trial).
    """
    x = _traj(traj)
    n, K = x.shape[0], x.shape[2]
    per = []
    for k in range(K):
        xs = x[:, :, k : k + 1]
        if mean is not None:
            lags, C = autocorrelation(xs - mean, dt, max_lag=max_lag, center=False)
        else:
            lags, C = autocorrelation(xs, dt, max_lag=max_lag, center=True)
            C = _debias_centred(C, n, iterations)
        per.append(C)
    P = np.array(per)
    se = P.std(axis=0, ddof=1) / np.sqrt(K) if K >= 2 else np.full(P.shape[1], np.nan)
    return lags, P.mean(axis=0), se


def population_autocorrelation(
    traj: np.ndarray, sizes: tuple[int, ...], dt: float, max_lag: float | None = None, center: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`autocorrelation` per population: ``traj`` (n_times, N, K) with neurons ordered by
    population (``spec.sizes``); returns ``(lags, C)`` with ``C`` of shape (n_populations, n_lags).

    ``center=False`` (default) gives the uncentred ``<x_i(t) x_i(t + lag)>``, the DMFT's
    ``Delta(lag) + mu^2``.
    """
    arr = np.asarray(traj)
    if arr.ndim != 3 or arr.shape[1] != sum(sizes):
        raise SpecError("traj", f"need shape (n_times, N={sum(sizes)}, K) with all neurons, got {arr.shape}")
    edges = np.cumsum((0, *sizes))
    out = []
    lags = np.zeros(0)
    for a in range(len(sizes)):
        lags, C = autocorrelation(arr[:, edges[a] : edges[a + 1], :], dt=dt, max_lag=max_lag, center=center)
        out.append(C)
    return lags, np.array(out)


def two_time_cov(traj: np.ndarray, center: bool = True) -> np.ndarray:
    """Two-time function C(t, s) over trials, averaged over neurons: shape (n_times, n_times).

    ``center=True`` subtracts the across-trial mean of each neuron at each time (covariance);
    ``center=False`` gives the uncentred second moment E[x(t) x(s)].
    """
    x = _traj(traj)
    if center:
        if x.shape[2] < 2:
            raise SpecError("traj", "a centred two-time covariance needs K >= 2 trials")
        x = x - x.mean(axis=2, keepdims=True)
    nt, nn, K = x.shape
    flat = x.transpose(0, 1, 2).reshape(nt, nn * K)
    return flat @ flat.T / (nn * (K - 1 if center else K))


def long_window_cov(traj: np.ndarray, dt: float, window: float) -> np.ndarray:
    """Zero-frequency (long-window) covariance: ``window * Cov(time average over the window)``.

    Windows are consecutive non-overlapping blocks, pooled over trials; this estimates
    ``int C(tau) d tau`` (the spike-count-like covariance of Dahmen et al.) for ``window`` much
    longer than the correlation time.
    """
    x = _traj(traj)
    L = int(round(window / dt))
    if L < 1 or L > x.shape[0]:
        raise SpecError("window", f"must be between dt and the recorded duration, got {window}")
    nb = x.shape[0] // L
    blocks = x[: nb * L].reshape(nb, L, x.shape[1], x.shape[2]).mean(axis=1)
    flat = blocks.transpose(1, 0, 2).reshape(x.shape[1], -1)
    if flat.shape[1] < 2:
        raise SpecError("window", "need at least 2 windows in total")
    return window * np.atleast_2d(np.cov(flat, bias=False))


def participation_ratio(C: np.ndarray) -> float:
    """PR = (tr C)^2 / tr(C^2): the participation dimension of a covariance matrix."""
    C = np.asarray(C, dtype=float)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise SpecError("C", f"must be a square matrix, got shape {C.shape}")
    tr2 = float(np.sum(C * C.T))
    if tr2 <= 0:
        raise SpecError("C", "tr(C^2) must be > 0")
    return float(np.trace(C)) ** 2 / tr2


def cross_cov_stats(C: np.ndarray) -> dict[str, float]:
    """Mean autocovariance a, mean cross-covariance c, and N * variance of cross-covariances."""
    C = np.asarray(C, dtype=float)
    N = C.shape[0]
    off = C[~np.eye(N, dtype=bool)]
    return {
        "a_bar": float(np.mean(np.diag(C))),
        "c_bar": float(off.mean()),
        "N_delta_c2": float(N * off.var()),
        "var_diag": float(np.var(np.diag(C))),
        "PR": participation_ratio(C),
    }


def mean_and_stderr(samples: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of independent samples along ``axis``."""
    s = np.asarray(samples, dtype=float)
    n = s.shape[axis]
    if n < 2:
        raise SpecError("samples", "need at least 2 independent samples for a standard error")
    return s.mean(axis=axis), s.std(axis=axis, ddof=1) / np.sqrt(n)


def jacobian(network, x: np.ndarray) -> np.ndarray:
    """Jacobian of the noise-free dynamics at state ``x``:
    ``M = T^{-1} (-1 + J diag(gain phi'(gain x)))``."""
    import sympy as sp

    from workbench.spec import X

    x = np.asarray(x, dtype=float)
    if x.shape != (network.N,):
        raise SpecError("x", f"must have shape ({network.N},), got {x.shape}")
    dphi = sp.lambdify(X, sp.diff(network.spec.phi.expr, X), modules=["numpy", "scipy"])
    h = network.gain * (np.asarray(dphi(network.gain * x), dtype=float) + np.zeros_like(x))
    M = network.J * h[None, :]
    M[np.diag_indices_from(M)] -= 1.0
    return M / network.tau[:, None]


def jacobian_eigenvalues(network, x: np.ndarray) -> np.ndarray:
    """Eigenvalues of :func:`jacobian` (complex, unsorted)."""
    return np.linalg.eigvals(jacobian(network, x))


def linear_response(
    network, x0: np.ndarray, j: int, T: float, dt: float, eps: float = 1e-4, seed: int = 0, method: str = "exp"
) -> tuple[np.ndarray, np.ndarray]:
    """Impulse response R_ij(t) = d x_i(t) / d x_j(0) by a small kick with shared noise.

    Two runs from ``x0`` and ``x0 + eps e_j`` with the same seed (hence the same noise); the
    difference divided by ``eps`` estimates the response to an input pulse of area ``eps tau_j``.
    Returns ``(t, R)`` with R of shape (n_times, N).
    """
    from workbench.sim.simulator import simulate

    if not 0 <= j < network.N:
        raise SpecError("j", f"must be in [0, {network.N - 1}], got {j}")
    if not eps > 0:
        raise SpecError("eps", f"must be > 0, got {eps}")
    x0 = np.asarray(x0, dtype=float)
    kw = dict(
        T=T, dt=dt, trials=1, seed=seed, record=("traj",), neurons=np.arange(network.N), method=method, network=network
    )
    a = simulate(network.spec, x0=x0, **kw)
    x1 = x0.copy()
    x1[j] += eps
    b = simulate(network.spec, x0=x1, **kw)
    return a.t, (b.traj[:, :, 0] - a.traj[:, :, 0]) / eps
