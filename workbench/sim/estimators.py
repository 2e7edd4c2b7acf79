"""Estimators shared by simulation and theory comparisons.

Conventions: trajectories have shape ``(n_times, n_neurons, K)`` (time, neuron, trial), as
recorded by :func:`workbench.sim.simulate`; ``dt`` is the spacing of the recorded samples.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
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
    "CentringCorrection",
    "jacobian",
    "jacobian_eigenvalues",
    "linear_response",
    "mean_and_stderr",
    "DIMENSION_KEYS",
    "CrossBlockDimension",
    "block_pair_mask",
    "cross_block_dimension",
    "delete_one_block",
    "jackknife_se",
    "dimension_stats",
    "naive_dimension",
    "neuron_gains",
    "block_covariances",
    "iter_block_covariances",
    "PairAgreement",
    "pair_agreement",
    "pair_moments",
    "agreement_from_moments",
    "pulse_response",
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

    phi odd, no external input (mean or quenched), a drawn (not fixed) J, and coupling means that cannot break the
    symmetry: J0 = 0, or one population with a constant gain and ``J0 gain sup|phi'| < 1`` (then the mean-field map
    ``mu -> J0 <phi(mu + delta)>`` is a contraction with the one fixed point 0; any J0 <= 0).
    """
    J0 = np.asarray(spec.J0, dtype=float)
    return bool(
        spec.J_file is None
        and spec.phi.is_odd()
        and all(p.input_mean == 0.0 and p.input_std == 0.0 for p in spec.populations)
        and (not np.any(J0) or _coupling_mean_keeps_symmetry(spec, J0))
    )


def _coupling_mean_keeps_symmetry(spec: Any, J0: np.ndarray) -> bool:
    """One population with a constant gain and ``J0 gain sup|phi'| < 1`` (see :func:`mean_is_zero`)."""
    if len(spec.populations) != 1 or spec.populations[0].gain.kind != "constant":
        return False
    j0 = float(J0.ravel()[0])
    return j0 <= 0.0 or j0 * float(spec.populations[0].gain.value) * _max_slope(spec.phi.expr) < 1.0


@functools.lru_cache(maxsize=32)
def _max_slope(expr: Any) -> float:
    """``sup |phi'(x)|`` of a phi expression on a fine grid over [-60, 60] (inf if it is not finite there)."""
    import sympy as sp

    from workbench.spec.nonlinearity import X

    x = np.linspace(-60.0, 60.0, 24001)
    with np.errstate(all="ignore"):
        vals = np.abs(np.broadcast_to(sp.lambdify(X, sp.diff(expr, X), ["scipy", "numpy"])(x), x.shape).astype(float))
    return float(vals.max()) if np.all(np.isfinite(vals)) else math.inf


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


# ----------------------------------------------------------------------------------------------
# dimension statistics: PR/N, mean autocovariance, N x variance of cross-covariances (issue 14)

DIMENSION_KEYS = ("PR_over_N", "mean_autocov", "mean_cross", "N_var_cross", "var_diag")
"""Statistics of an N x N covariance C returned by :func:`dimension_stats` and :func:`cross_block_dimension`."""

CROSS_BLOCK_MEMORY = 256 * 2**20
"""Bytes of block-covariance rows held at once by :func:`cross_block_dimension` (the rows are streamed)."""


def _stats_from_moments(m: dict[str, float], N: int) -> dict[str, float]:
    """The :data:`DIMENSION_KEYS` from the moments ``tr``, ``tr_tr`` ((tr C)^2), ``tr_C2``, ``diag2`` (sum C_ii^2),
    ``off`` (sum_{i!=j} C_ij) and ``off_off`` ((sum_{i!=j} C_ij)^2)."""
    pairs = N * (N - 1)
    mean_sq_off = (m["tr_C2"] - m["diag2"]) / pairs
    return {
        "PR_over_N": m["tr_tr"] / (N * m["tr_C2"]),
        "mean_autocov": m["tr"] / N,
        "mean_cross": m["off"] / pairs,
        "N_var_cross": N * (mean_sq_off - m["off_off"] / pairs**2),
        "var_diag": m["diag2"] / N - m["tr_tr"] / N**2,
    }


def dimension_stats(C: np.ndarray) -> dict[str, float]:
    """Statistics of a known covariance ``C`` (notes dmft.md 6.3): the :data:`DIMENSION_KEYS`.

    ``PR_over_N = (tr C)^2 / (N tr C^2)``, ``mean_autocov = mean_i C_ii``, ``mean_cross = mean_{i!=j} C_ij``,
    ``N_var_cross = N var_{i!=j} C_ij`` (population variance over the ordered pairs) and
    ``var_diag = var_i C_ii``; with them ``PR/N = a^2 / (a^2 + var_diag + (N - 1)(c^2 + var_cross))`` exactly.
    """
    C = np.asarray(C, dtype=float)
    if C.ndim != 2 or C.shape[0] != C.shape[1] or C.shape[0] < 2:
        raise SpecError("C", f"must be a square matrix with N >= 2, got shape {C.shape}")
    N = C.shape[0]
    d = np.diag(C)
    tr, total = float(d.sum()), float(C.sum())
    m = {"tr": tr, "tr_tr": tr**2, "tr_C2": float(np.sum(C * C.T)), "diag2": float(d @ d),
         "off": total - tr, "off_off": (total - tr) ** 2}
    return _stats_from_moments(m, N)


@dataclass(frozen=True)
class CrossBlockDimension:
    """Cross-block estimates of the :data:`DIMENSION_KEYS` with delete-one-block jackknife standard errors.

    Attributes
    ----------
    values, se : dict of str to float
        The estimates and their standard errors (``n_blocks - 1`` degrees of freedom).
    N : int
        Number of neurons.
    n_blocks, n_pairs : int
        Blocks used and block pairs whose products enter the squared terms.
    covariance : str
        ``"equal-time"`` or ``"zero-frequency"``.
    info : dict
        Block length, window, centring and what the estimator assumes.
    """

    values: dict[str, float]
    se: dict[str, float]
    N: int
    n_blocks: int
    n_pairs: int
    covariance: str
    info: dict[str, Any]

    @property
    def dof(self) -> int:
        """Degrees of freedom of the jackknife standard errors."""
        return self.n_blocks - 1

    def summary(self) -> dict[str, Any]:
        """Plain JSON-able data: values, ``<key>_se``, sizes and info."""
        out: dict[str, Any] = dict(self.values)
        out.update({f"{k}_se": v for k, v in self.se.items()})
        out.update(N=self.N, n_blocks=self.n_blocks, n_pairs=self.n_pairs, covariance=self.covariance, **self.info)
        return out


def _centre(x: np.ndarray, mean: float | np.ndarray | str | None) -> tuple[np.ndarray, str]:
    """Subtract a known mean (scalar or per neuron), for ``mean=None`` the grand mean per neuron, for
    ``"per-trial"`` each neuron's time mean in each trial."""
    if mean is None:
        return x - x.mean(axis=(0, 2), keepdims=True)[:, :, :], "grand mean per neuron over all times and trials"
    if isinstance(mean, str):
        if mean != "per-trial":
            raise SpecError("mean", f"a number, one value per neuron, None or 'per-trial', got {mean!r}")
        return x - x.mean(axis=0, keepdims=True), "time mean per neuron and trial"
    mu = np.asarray(mean, dtype=float)
    if mu.ndim not in (0, 1) or (mu.ndim == 1 and mu.size != x.shape[1]):
        raise SpecError("mean", f"must be a number or one value per neuron ({x.shape[1]}), got shape {mu.shape}")
    return x - (mu if mu.ndim == 0 else mu[None, :, None]), "known mean"


def _window_rows(x: np.ndarray, samples: int, window: float) -> np.ndarray:
    """``sqrt(window) *`` the means over consecutive windows of ``samples`` rows of ``x`` (rows: windows)."""
    nw = x.shape[0] // samples
    return np.sqrt(window) * x[: nw * samples].reshape(nw, samples, x.shape[1]).mean(axis=1)


def _block_terms(
    x: np.ndarray, covariance: str, dt: float | None, window: float | None, richardson: bool
) -> list[tuple[float, np.ndarray]]:
    """One block's covariance estimate as ``sum_t w_t Y_t^T Y_t`` (list of ``(w_t, Y_t)``), x of shape (L, N)."""
    if covariance == "equal-time":
        return [(1.0 / x.shape[0], x)]
    Lw = int(round(window / dt))
    small = _window_rows(x, Lw, Lw * dt)
    if not richardson:
        return [(1.0 / small.shape[0], small)]
    big = _window_rows(x, 2 * Lw, 2 * Lw * dt)
    return [(2.0 / big.shape[0], big), (-1.0 / small.shape[0], small)]


def _block_moments(blocks: list[list[tuple[float, np.ndarray]]], N: int) -> dict[str, np.ndarray]:
    """Per-block traces, diagonals and sums, and the pair products ``P_ab = tr(C_a C_b)`` (streamed by rows)."""
    B = len(blocks)
    rows = max(1, min(N, CROSS_BLOCK_MEMORY // (8 * B * N)))
    P = np.zeros((B, B))
    diag = np.zeros((B, N))
    row_sums = np.zeros((B, N))
    total = np.zeros(B)
    for r0 in range(0, N, rows):
        r1 = min(N, r0 + rows)
        Cr = np.zeros((B, r1 - r0, N))
        for b, terms in enumerate(blocks):
            for w, Y in terms:
                Cr[b] += w * (Y[:, r0:r1].T @ Y)
        F = Cr.reshape(B, -1)
        P += F @ F.T
        diag[:, r0:r1] = Cr[:, np.arange(r1 - r0), np.arange(r0, r1)]
        row_sums[:, r0:r1] = Cr.sum(axis=2)
        total += Cr.sum(axis=(1, 2))
    tr = diag.sum(axis=1)
    return {"P": P, "diag": diag, "rows": row_sums, "tr": tr, "off": total - tr}


def _pair_mean(X: np.ndarray, M: np.ndarray) -> float:
    """Mean of the pair products ``X_ab`` over the allowed pairs ``M_ab``."""
    return float(np.sum(X * M) / np.sum(M))


@dataclass(frozen=True)
class CentringCorrection:
    """The estimated-mean terms of the zero-frequency block estimates (:func:`cross_block_dimension`).

    Centred by a mean estimated over ``span`` (time units), block a's estimate is ``C_a = Chat_a + kappa d_a d_a^T``
    with ``Chat_a`` centred by the block's own mean and ``d_a`` = block mean - estimated mean (``kappa``: the window
    weight, ``window`` or ``3 window`` for the Richardson pair). With ``S`` the zero-frequency covariance,
    ``E C_a = (1 - c) S`` and, for two blocks sharing the mean estimate, ``Cov(d_a, d_b) = -S / span``, so
    ``E[C_a,ij C_b,kl] = (1 - c)^2 S_ij S_kl + c^2 (S_ik S_jl + S_il S_jk)``, ``c = kappa / span``. ``group``: the
    mean estimate each block was centred with (one for the grand mean, the trial for per-trial means).
    """

    kappa: float
    span: float
    group: np.ndarray

    @property
    def c(self) -> float:
        """``kappa / span``: the relative bias of every linear term."""
        return self.kappa / self.span

    def shared(self, M: np.ndarray) -> float:
        """Fraction of the allowed block pairs ``M`` centred with the same mean estimate."""
        same = self.group[:, None] == self.group[None, :]
        return float(np.sum(M * same) / np.sum(M))


def _cross_moments(mom: dict[str, np.ndarray], M: np.ndarray, keep: np.ndarray,
                   centring: CentringCorrection | None = None) -> dict[str, float]:
    """Moments for :func:`_stats_from_moments`: linear terms averaged over the blocks ``keep``, squared terms over
    the products of distinct, independent blocks ``M`` (so no noise-squared bias); with ``centring``, the terms of
    the estimated mean removed (first order in the plug-in moments, errors O(c^3))."""
    tr, off = mom["tr"], mom["off"]
    m = {
        "tr": float(tr[keep].mean()),
        "off": float(off[keep].mean()),
        "tr_tr": _pair_mean(np.outer(tr, tr), M),
        "off_off": _pair_mean(np.outer(off, off), M),
        "tr_C2": _pair_mean(mom["P"], M),
        "diag2": _pair_mean(mom["diag"] @ mom["diag"].T, M),
    }
    if centring is None:
        return m
    f, c2 = 1.0 - centring.c, centring.c**2 * centring.shared(M)
    rows2 = _pair_mean(mom["rows"] @ mom["rows"].T, M)  # |S 1|^2
    total2 = (m["tr"] + m["off"]) ** 2  # (1^T S 1)^2
    return {
        "tr": m["tr"] / f,
        "off": m["off"] / f,
        "tr_tr": (m["tr_tr"] - 2 * c2 * m["tr_C2"]) / f**2,
        "off_off": (m["off_off"] - 2 * c2 * (total2 - 2 * rows2 + m["tr_C2"])) / f**2,
        "tr_C2": (m["tr_C2"] - c2 * (m["tr_C2"] + m["tr_tr"])) / f**2,
        "diag2": m["diag2"] * (1 - 2 * c2) / f**2,
    }


def block_pair_mask(labels: list[tuple[int, int]], gap: int, independent_trials: bool) -> np.ndarray:
    """Allowed block pairs: time windows more than ``gap`` apart, or any two blocks of different trials when
    ``independent_trials``."""
    B = len(labels)
    M = np.zeros((B, B))
    for a, (ka, wa) in enumerate(labels):
        for b, (kb, wb) in enumerate(labels):
            M[a, b] = a != b and ((ka != kb and independent_trials) or abs(wa - wb) > gap)
    return M


def delete_one_block(M: np.ndarray, statistic: Callable[[np.ndarray, np.ndarray], Any]) -> list[Any]:
    """``statistic(Mk, keep)`` with each block dropped in turn (``keep``: the other blocks, ``Mk``: the allowed pairs
    ``M`` among them; a drop that leaves no pair is skipped): the replicates of a delete-one-block jackknife."""
    out = []
    for drop in range(M.shape[0]):
        keep = np.arange(M.shape[0]) != drop
        Mk = M * np.outer(keep, keep)
        if Mk.sum() > 0:
            out.append(statistic(Mk, keep))
    return out


def jackknife_se(replicates: Any) -> np.ndarray:
    """The delete-one jackknife standard error over the replicates (axis 0); NaN with fewer than two."""
    v = np.asarray(replicates, dtype=float)
    if len(v) < 2:
        return np.full(v.shape[1:], np.nan)
    return np.sqrt((len(v) - 1) / len(v) * np.sum((v - v.mean(axis=0)) ** 2, axis=0))


def _centring_correction(
    mean: Any, covariance: str, labels: list[tuple[int, int]], n: int, K: int, dt: float | None,
    window: float | None, richardson: bool,
) -> CentringCorrection | None:
    """The zero-frequency estimate's estimated-mean terms (grand or per-trial mean), None for a known mean or the
    equal-time covariance (whose centring terms need the zero-frequency covariance, not estimated there)."""
    if covariance != "zero-frequency" or not (mean is None or isinstance(mean, str)):
        return None
    Lw = int(round(window / dt))
    kappa = (3.0 if richardson else 1.0) * Lw * dt  # 2 (2 window) - window, or window
    if mean is None:
        return CentringCorrection(kappa, n * K * dt, np.zeros(len(labels), dtype=int))
    return CentringCorrection(kappa, n * dt, np.array([k for k, _ in labels]))


def cross_block_dimension(
    traj: np.ndarray,
    n_blocks: int = 8,
    *,
    covariance: str = "equal-time",
    dt: float | None = None,
    window: float | None = None,
    mean: float | np.ndarray | str | None = 0.0,
    richardson: bool = True,
    gap: int = 1,
    independent_trials: bool = True,
) -> CrossBlockDimension:
    """Unbiased cross-block estimates of PR/N, mean autocovariance, mean and N x variance of cross-covariances.

    The naive statistics of the pooled sample covariance are biased: each ``C_ij`` carries sampling noise
    of variance ~ ``a^2 tau_c / T``, so ``tr C^2`` (a sum of N^2 squares) is high by ~ ``N^2 a^2 tau_c / T``
    and PR/N low by the relative amount ~ ``N tau_c / T`` (notes fixed-connectivity-and-dimension.md section 3,
    dmft.md 6.3). Here each trial of ``traj`` (shape ``(n_times, N, K)``, one network, independent trials) is
    cut into ``n_blocks`` consecutive time blocks with their own covariance estimates ``C_a``; linear terms
    (``tr C``, ``sum_{i!=j} C_ij``) average the blocks, and every squared term is a mean of products of two
    independent blocks, e.g. ``tr C^2 ~ mean_{a,b} tr(C_a C_b)``: blocks of different trials, or of the same
    trial more than ``gap`` blocks apart (adjacent blocks share noise over ~ tau_c, a bias ~ N tau_c^2 / L^2).
    ``independent_trials=False``: blocks at (nearly) the same time in different trials are not paired either
    (trials that share something changing in time, e.g. couplings redrawn in time).
    Standard errors: delete-one-block jackknife (``n_blocks K - 1`` dof).

    ``covariance="equal-time"``: ``C_a = (1/L) sum_t x(t) x(t)^T`` over the block's samples.
    ``"zero-frequency"``: ``C_a = window * Cov(window means)`` over windows of length ``window`` (time units,
    ``dt`` the sample spacing), which estimates ``int C(tau) d tau - (1/window) int |tau| C(tau) d tau``;
    ``richardson=True`` removes that 1/window term with ``2 C(2 window) - C(window)`` (left: terms decaying
    like exp(-window / tau_c)). ``mean``: known mean (0 for odd phi without inputs, a number or one per
    neuron): unbiased; ``None``: centred by the grand mean per neuron; ``"per-trial"``: by each neuron's mean in
    each trial (trials that settle in different states, e.g. the two signs of a symmetry-broken population mean).
    An estimated mean leaves terms of order ``kappa / T`` (T: the span of the mean, T_total or the trial) that the
    zero-frequency estimate removes (:class:`CentringCorrection`, ``kappa = 3 window`` for the Richardson pair):
    a relative bias ``-kappa / T`` of every linear term and, in N var_cross, the common centring error of the
    blocks ``N (kappa a / T)^2``, which had made N var_cross of a logistic network 7 times its value (N = 500,
    window 12.5, T_total = 2000: +0.016 on 0.0027). The equal-time estimate keeps its terms, which need the
    zero-frequency covariance ``S = int C(tau) d tau`` (not estimated there): ``E C_a = C - S / T``, so a relative
    bias ``-S_ii / (C_ii T)`` of the mean autocovariance (``S / C ~ 2 tau_c``), ``-2 <C_ij S_ij> / (<C_ij^2> T)`` of
    N var_cross (larger where the cross-covariances decay slowly) and ``+N (S / T)^2`` in N var_cross (e.g. +5 % at
    N = 1000, T_total = 600 for N_var_cross = a^2 / 20). For erf at g = 1.2, sigma2 = 0.5 with a static input of
    variance 0.5 (N = 300, T_total = 600) these are about -0.5 %, -2 % and +1 %.
    """
    x = _traj(traj)
    if covariance not in ("equal-time", "zero-frequency"):
        raise SpecError("covariance", f"must be 'equal-time' or 'zero-frequency', got {covariance!r}")
    n, N, K = x.shape
    if N < 2:
        raise SpecError("traj", f"need N >= 2 neurons, got {N}")
    if not isinstance(n_blocks, (int, np.integer)) or n_blocks < 1 or n_blocks * K < 3:
        raise SpecError("n_blocks", f"need >= 1 block per trial and >= 3 blocks in all, got {n_blocks} x {K} trials")
    L = n // n_blocks
    info: dict[str, Any] = {"block_samples": L, "gap_blocks": gap}
    if covariance == "zero-frequency":
        if dt is None or window is None or not dt > 0 or not window >= dt:
            raise SpecError("window", f"zero-frequency needs dt > 0 and window >= dt, got dt={dt}, window={window}")
        need = (4 if richardson else 2) * int(round(window / dt))
        if L < need:
            raise SpecError("window", f"each block ({L} samples) must hold >= {need} samples (2 windows"
                            f"{' of 2 x window' if richardson else ''}); use fewer blocks or a shorter window")
        info.update(window=float(window), dt=float(dt), richardson=bool(richardson))
    elif L < 2:
        raise SpecError("n_blocks", f"each block needs >= 2 samples, got {L}")
    x, info["centring"] = _centre(x, mean)
    labels = [(k, b) for k in range(K) for b in range(n_blocks)]
    blocks = [_block_terms(x[b * L : (b + 1) * L, :, k], covariance, dt, window, richardson) for k, b in labels]
    M = block_pair_mask(labels, gap, independent_trials)
    if M.sum() == 0:
        raise SpecError("n_blocks", f"no independent block pairs with gap {gap}; use more blocks or trials")
    centring = _centring_correction(mean, covariance, labels, n, K, dt, window, richardson)
    if centring is not None:
        info.update(centring_kappa=centring.kappa, centring_span=centring.span)
    mom = _block_moments(blocks, N)
    B = len(blocks)
    values = _stats_from_moments(_cross_moments(mom, M, np.ones(B, bool), centring), N)
    jack = delete_one_block(M, lambda Mk, keep: _stats_from_moments(_cross_moments(mom, Mk, keep, centring), N))
    se = {key: float(jackknife_se([j[key] for j in jack])) for key in DIMENSION_KEYS}
    return CrossBlockDimension(values, se, N, B, int(M.sum() // 2), covariance, info)


def naive_dimension(
    traj: np.ndarray, *, covariance: str = "equal-time", dt: float | None = None, window: float | None = None,
    mean: float | np.ndarray | None = 0.0,
) -> dict[str, float]:
    """The biased plug-in statistics: :func:`dimension_stats` of the pooled covariance estimate (for comparison).

    Equal-time: the covariance of all samples and trials; zero-frequency: :func:`long_window_cov`-like
    ``window * <m m^T>`` over all windows. Biased by the sampling noise of each entry (see
    :func:`cross_block_dimension`).
    """
    x, _ = _centre(_traj(traj), mean)
    flat = x.transpose(0, 2, 1).reshape(-1, x.shape[1]) if covariance == "equal-time" else None
    if covariance == "equal-time":
        return dimension_stats(flat.T @ flat / flat.shape[0])
    if dt is None or window is None:
        raise SpecError("window", "zero-frequency needs dt and window")
    Lw = int(round(window / dt))
    Y = np.concatenate([_window_rows(x[:, :, k], Lw, Lw * dt) for k in range(x.shape[2])])
    return dimension_stats(Y.T @ Y / Y.shape[0])


# ----------------------------------------------------------------------------------------------
# fixed-connectivity validation: per-neuron gains, block covariance matrices, pair-by-pair agreement,
# pulse responses with common noise (issue 15)


def neuron_gains(traj: np.ndarray, dphi: Any, n_blocks: int = 1) -> np.ndarray:
    """Per-neuron gains ``d_i = <phi'(x_i)>`` over time and trials, per time block: shape ``(n_blocks, N)``."""
    x = _traj(traj)
    L = x.shape[0] // n_blocks
    if n_blocks < 1 or L < 1:
        raise SpecError("n_blocks", f"need 1 <= n_blocks <= {x.shape[0]} samples, got {n_blocks}")
    d = np.asarray(dphi(x[: n_blocks * L]), dtype=float) + np.zeros((n_blocks * L, *x.shape[1:]))
    return d.reshape(n_blocks, L, x.shape[1], x.shape[2]).mean(axis=(1, 3))


def block_covariances(
    traj: np.ndarray,
    n_blocks: int,
    *,
    covariance: str = "equal-time",
    dt: float | None = None,
    window: float | None = None,
    mean: float | np.ndarray | None = 0.0,
    richardson: bool = False,
) -> np.ndarray:
    """Covariance matrices of each (trial, time block), shape ``(K n_blocks, N, N)``, trial-major.

    ``"equal-time"``: ``(1/L) sum_t x x^T`` over the block; ``"zero-frequency"``: ``window`` times the
    covariance of the window means inside the block (with ``richardson``, ``2 C(2 window) - C(window)``), as in
    :func:`cross_block_dimension`. Independent blocks give the sampling variance of every entry.
    """
    x = _traj(traj)
    if covariance not in ("equal-time", "zero-frequency"):
        raise SpecError("covariance", f"must be 'equal-time' or 'zero-frequency', got {covariance!r}")
    n, N, K = x.shape
    L = n // max(int(n_blocks), 1)
    if n_blocks < 1 or L < 2:
        raise SpecError("n_blocks", f"each of the {n_blocks} blocks needs >= 2 samples (got {n} samples)")
    if covariance == "zero-frequency":
        if dt is None or window is None or not dt > 0 or L < (4 if richardson else 2) * int(round(window / dt)):
            raise SpecError("window", f"each block ({L} samples) must hold >= 2 windows of {window} (dt={dt})")
    return np.array(list(iter_block_covariances(x, n_blocks, covariance=covariance, dt=dt, window=window, mean=mean,
                                                richardson=richardson)))


def iter_block_covariances(
    traj: np.ndarray,
    n_blocks: int,
    *,
    covariance: str = "equal-time",
    dt: float | None = None,
    window: float | None = None,
    mean: float | np.ndarray | None = 0.0,
    richardson: bool = False,
) -> Any:
    """The matrices of :func:`block_covariances` one at a time (a generator: one N x N matrix in memory)."""
    x = _traj(traj)
    n, N, K = x.shape
    L = n // max(int(n_blocks), 1)
    x, _ = _centre(x, mean)
    for k in range(K):
        for b in range(n_blocks):
            C = np.zeros((N, N))
            for w, Y in _block_terms(x[b * L : (b + 1) * L, :, k], covariance, dt, window, richardson):
                C += w * (Y.T @ Y)
            yield C


@dataclass(frozen=True)
class PairAgreement:
    """Predicted against simulated off-diagonal covariances (pairs i < j), with delete-one-block jackknife SEs.

    ``corr`` and ``slope`` (``cov(p, s) / var(p)``: noise in the simulated ``s`` does not bias it) of the block
    mean ``s``; ``attenuation = sqrt(1 - v / var(s))`` with ``v`` the mean sampling variance of one ``s_ij``
    (block variance / blocks): the expected correlation of a perfect prediction. ``rel_error``: the rms of
    ``s - p`` over the rms of ``p``, ``rms_error`` / ``rms_baseline``: rms of ``s - p`` and of ``s`` (the
    baseline that predicts 0), each with the sampling variance ``v`` subtracted from the mean square.
    ``rel_error2``: the unclamped squared relative error (may be < 0 within its SE when the error is below the
    sampling noise). ``se`` holds the SE of every field and of ``corr_minus_attenuation``; ``dof = blocks - 1``.
    """

    corr: float
    slope: float
    attenuation: float
    rel_error: float
    rms_error: float
    rms_baseline: float
    noise_var: float
    pairs: int
    blocks: int
    se: dict[str, float]
    rel_error2: float = math.nan

    @property
    def dof(self) -> int:
        """Degrees of freedom of the jackknife SEs."""
        return self.blocks - 1

    def summary(self) -> dict[str, Any]:
        """Plain data: values, SEs, pairs and blocks."""
        keys = ("corr", "slope", "attenuation", "rel_error", "rms_error", "rms_baseline", "noise_var", "rel_error2")
        return {**{k: getattr(self, k) for k in keys}, "pairs": self.pairs, "blocks": self.blocks, "se": self.se}


def pair_moments(predicted: np.ndarray, blocks: Any) -> dict[str, np.ndarray]:
    """Sufficient statistics of the off-diagonal pairs (i < j) of a prediction ``p`` and block estimates ``s_b``.

    ``blocks``: an array ``(B, n, n)`` or any iterable of ``(n, n)`` matrices (streamed: one held at a time).
    Returns ``n`` (pairs), ``p1`` = sum p, ``p2`` = sum p^2, ``s1[b]`` = sum s_b, ``ps[b]`` = sum p s_b and the
    Gram matrix ``G[a, b]`` = sum s_a s_b: all :func:`agreement_from_moments` needs, jackknife included.
    """
    P = np.asarray(predicted, dtype=float)
    if P.ndim != 2 or P.shape[0] != P.shape[1] or P.shape[0] < 3:
        raise SpecError("predicted", f"must be a square matrix with n >= 3, got shape {P.shape}")
    iu = np.triu_indices(P.shape[0], 1)
    p = P[iu]
    rows = []
    for C in blocks:
        C = np.asarray(C, dtype=float)
        if C.shape != P.shape:
            raise SpecError("blocks", f"every block must have the prediction's shape {P.shape}, got {C.shape}")
        rows.append(C[iu])
    if len(rows) < 3:
        raise SpecError("blocks", f"need >= 3 independent blocks, got {len(rows)}")
    S = np.array(rows)
    return {"n": np.array(float(len(p))), "p1": np.array(p.sum()), "p2": np.array(p @ p), "s1": S.sum(axis=1),
            "ps": S @ p, "G": S @ S.T}


def _agreement_values(m: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, float]:
    """Correlation, slope, attenuation and noise-corrected rms errors from :func:`pair_moments` of blocks ``keep``."""
    n, B = float(m["n"]), int(keep.sum())
    G = m["G"][np.ix_(keep, keep)]
    mp, mpp = float(m["p1"]) / n, float(m["p2"]) / n
    ms = float(m["s1"][keep].mean()) / n
    mss = float(G.sum()) / B**2 / n
    mps = float(m["ps"][keep].mean()) / n
    v = (float(np.trace(G)) / n - B * mss) / (B - 1) / B
    var_s, var_p, cov = mss - ms**2, mpp - mp**2, mps - mp * ms
    err = max(mss - 2 * mps + mpp - v, 0.0)
    if not (var_s > 0 and var_p > 0):
        return dict.fromkeys(("corr", "slope", "attenuation", "rel_error", "rms_error", "rms_baseline", "noise_var",
                              "rel_error2"), math.nan)
    return {"corr": cov / math.sqrt(var_p * var_s), "slope": cov / var_p,
            "attenuation": math.sqrt(max(1.0 - v / var_s, 0.0)), "rel_error": math.sqrt(err / mpp),
            "rms_error": math.sqrt(err), "rms_baseline": math.sqrt(max(mss - v, 0.0)), "noise_var": v,
            "rel_error2": (mss - 2 * mps + mpp - v) / mpp}


def agreement_from_moments(m: dict[str, np.ndarray]) -> PairAgreement:
    """:class:`PairAgreement` from :func:`pair_moments`, with delete-one-block jackknife SEs."""
    B = len(m["s1"])
    values = []
    for drop in range(-1, B):
        keep = np.arange(B) != drop
        v = _agreement_values(m, keep)
        v["corr_minus_attenuation"] = v["corr"] - v["attenuation"]
        values.append(v)
    full, jack = values[0], values[1:]
    se = {k: float(np.sqrt((B - 1) / B * np.sum((np.array([j[k] for j in jack]) - np.mean([j[k] for j in jack])) ** 2)))
          for k in full}
    return PairAgreement(full["corr"], full["slope"], full["attenuation"], full["rel_error"], full["rms_error"],
                         full["rms_baseline"], full["noise_var"], int(m["n"]), B, se, full["rel_error2"])


def pair_agreement(predicted: np.ndarray, blocks: Any) -> PairAgreement:
    """Pair-by-pair agreement of a predicted ``(n, n)`` covariance with independent block estimates ``(B, n, n)``."""
    return agreement_from_moments(pair_moments(predicted, blocks))


def pulse_response(
    network: Any, x0: np.ndarray, kicked: Any, T: float, dt: float, *, eps: float = 0.05, stride: int = 1,
    seed: int = 0, method: str = "exp",
) -> tuple[np.ndarray, np.ndarray]:
    """Response to a small input pulse ``delta I_j = eps delta(t)`` on each neuron ``j`` of ``kicked``, per trial.

    For each trial (the columns of ``x0``, shape (N, K)) one run without and one run per kicked neuron with
    ``x_j(0) + eps`` share the noise (same ``seed``); ``(x_kicked - x_plain) / eps`` over ``n_t`` samples
    ``stride`` steps apart estimates ``R_ij(t)``. Returns ``(t, R)`` with R of shape ``(n_t, N, len(kicked), K)``:
    average over trials for the mean response, their spread gives its SE.
    """
    from workbench.sim.simulator import simulate

    x0 = np.asarray(x0, dtype=float)
    x0 = x0[:, None] if x0.ndim == 1 else x0
    kicked = [int(j) for j in np.atleast_1d(kicked)]
    if x0.shape[0] != network.N or not kicked or not all(0 <= j < network.N for j in kicked):
        raise SpecError("kicked", f"need x0 of shape ({network.N}, K) and neurons in [0, {network.N - 1}]")
    if not eps > 0:
        raise SpecError("eps", f"must be > 0, got {eps}")
    kw = dict(T=T, dt=dt, trials=x0.shape[1], seed=seed, record=("traj",), neurons=np.arange(network.N),
              method=method, network=network, stride=stride, blas_threads=1)
    plain = simulate(network.spec, x0=x0, **kw)
    R = np.empty((plain.traj.shape[0], network.N, len(kicked), x0.shape[1]))
    for c, j in enumerate(kicked):
        x1 = x0.copy()
        x1[j] += eps
        R[:, :, c, :] = (simulate(network.spec, x0=x1, **kw).traj - plain.traj) / eps
    return plain.t, R
