"""Lyapunov spectrum of the DMFT by the single-site (cavity) theory of D. G. Clark (``rnn-lyapunov``).

Theory (symbols derived in :mod:`derivations.dmft_lyapunov`). The fraction ``F(s)`` of exponents below
``s`` depends only on ``g`` and the statistics of the gain paths ``d(t) = phi'(x(t))`` of the DMFT's
stationary Gaussian process (mean ``mu``, autocovariance ``Delta(tau)``). For one path, on a periodic
window of length ``T`` with ``m`` Fourier modes (Bloch phase ``theta``), with circulant symbols
``P(W), A(W)`` of the self-consistent kernels::

    Q_d = [eta + gamma D P D + |L|^2 / A]^{-1}
    A   = eta + gamma <D Q_d D>,        P = 1/A - |L|^2 <Q_d> / A^2
    F(s) = 1/2 + bare(a, T, theta) + (1/T) sum_k a (<Q_d>_k / A_k - 1 / |L_k|^2)

(``<.>`` the average over gain paths projected on its stationary part, ``a = s + 1/tau``). The
regulator ``eta`` is lowered in steps (each solution warm-starting the next) and ``F`` read at the
smallest; Bloch phases (Gauss-Legendre on ``[0, 1/2]``) remove the periodic-window artefact near the
uncoupled exponent ``-1/tau``. The spectrum ``lambda(i/N)`` is ``s`` as a function of the rank fraction
``r(s) = 1 - F(s)`` (monotone PCHIP through the thresholds, closed at the upper edge ``r = 0`` at the
DMFT's ``lambda_max``); ``D_KY/N = r(s_KY)`` with ``s_KY r(s_KY) + int_{s_KY} r = 0`` and the entropy rate
per neuron ``int_0 r ds`` (Pesin).

Numerics. The gain-path average is a quadrature over the Gaussian path measure with ``n_paths`` paths
drawn once (seeded circulant embedding, :func:`~workbench.theories.dmft.lyapunov_spectrum.sample_stationary_paths`),
so ``F`` is a deterministic function of (g, DMFT, T, m, n_paths, seed); its quadrature error is estimated
from two independent path sets (``stderr``). No finite-N, QR or time-step bias: the theory is the N -> inf
flow. Cost: one dense ``m x m`` inverse per path per fixed-point sweep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from workbench.errors import SpecError
from workbench.spec import ModelSpec

__all__ = ["CavityConfig", "CavitySpectrum", "cavity_cdf", "lyapunov_spectrum_cavity"]


@dataclass(frozen=True)
class CavityConfig:
    """Numerical resolution of the single-site theory (window ``T``, ``m`` modes, paths, regulators)."""

    T: float = 32.0
    m: int = 64
    n_paths: int = 64
    path_sets: int = 4
    eps: tuple[float, ...] = (0.1, 0.03, 0.01, 0.003)
    n_twist: int = 2
    twist_aT_max: float = 12.0
    tol: float = 1e-6  # log(P, A) residual: moves F by ~1e-7, far below the regulator and grid estimates
    max_iter: int = 300
    stall: int = 8
    accept: float = 1e-4
    anderson: int = 6
    seed: int = 0


@dataclass
class CavitySpectrum:
    """DMFT Lyapunov spectrum of the cavity theory: ``F(s)`` on thresholds and ``lambda(i/N)``."""

    s: np.ndarray
    F: np.ndarray
    F_stderr: np.ndarray
    edge: float
    fractions: np.ndarray
    exponents: np.ndarray
    kaplan_yorke_fraction: float
    entropy_rate_per_neuron: float
    F_sets: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    info: dict[str, Any] = field(default_factory=dict)
    error_estimates: dict[str, Any] = field(default_factory=dict)
    """Absolute error estimates (``exponents``, ``kaplan_yorke_fraction``, ``entropy_rate_per_neuron``) and
    their ``parts``; see :func:`_error_estimates`."""

    def exponents_per_set(self) -> np.ndarray:
        """``lambda(i/N)`` of each Sobol scramble alone (path_sets x k): their spread is the quadrature error."""
        return np.array([_exponents_at(self.s, F, self.edge, self.fractions) for F in self.F_sets])

    @property
    def lyapunov_max(self) -> float:
        """Upper edge of the spectrum (the DMFT's lambda_max)."""
        return self.edge

    def rank_fraction(self, s: np.ndarray | float) -> np.ndarray:
        """``r(s) = 1 - F(s)``: the fraction of exponents above ``s`` (PCHIP, 0 above the edge)."""
        return _rank_interpolant(self.s, self.F, self.edge)(np.minimum(np.asarray(s, float), self.edge))

    def to_dict(self, k: int | None = None) -> dict[str, Any]:
        """JSON-friendly dict with the first ``k`` exponents (all if None)."""
        sl = slice(None if k is None else int(k))
        return {"fractions": self.fractions[sl].tolist(), "exponents": self.exponents[sl].tolist(),
                "lyapunov_max": self.edge, "kaplan_yorke_fraction": self.kaplan_yorke_fraction,
                "entropy_rate_per_neuron": self.entropy_rate_per_neuron, "s": self.s.tolist(),
                "F": self.F.tolist(), "F_stderr": self.F_stderr.tolist(), "info": dict(self.info),
                "error_estimates": _listed(self.error_estimates, sl)}


def _listed(est: dict[str, Any], sl: slice) -> dict[str, Any]:
    """``error_estimates`` with arrays as lists (the exponents cut to ``sl``), recursively."""
    out: dict[str, Any] = {}
    for key, v in est.items():
        out[key] = _listed(v, sl) if isinstance(v, dict) else (np.asarray(v)[sl].tolist() if np.ndim(v) else v)
    return out


@lru_cache(maxsize=1)
def _symbol_functions() -> Any:
    """Numeric ``(s, tau, g, W, T, theta) -> (|L|^2, gamma, Re L, bare)`` generated from the derivation."""
    from derivations.dmft_lyapunov import T_RING, TAU, THETA, G, S, W, derive
    from workbench.codegen import compile_system

    d = derive()
    f = compile_system([d.ell2, d.gamma, d.readout_weight, d.bare_sum], [S, TAU, G, W, T_RING, THETA],
                       backend="numpy", name="dmft_lyapunov_cavity")

    def symbols(s: float, tau: float, g: float, Wk: np.ndarray, T: float, theta: float) -> tuple:
        """Symbols on the grid ``Wk`` (arrays) and the scalars ``gamma``, ``a``, ``bare``."""
        out = f(s, tau, g, Wk, T, theta)
        return (np.broadcast_to(np.asarray(out[0], float), Wk.shape).copy(), float(out[1]), float(out[2]),
                float(out[3]))

    return symbols


class _Ring:
    """Circulants and stationary projections on a ring of ``m`` points."""

    def __init__(self, m: int, real: bool) -> None:
        self.real = real  # Bloch phase 0: even symbols, real symmetric circulants
        n = np.arange(m)
        self.diff = (n[:, None] - n[None, :]) % m
        self.shift = (n[None, :] + n[:, None]) % m  # [tau, n] -> n + tau
        self.n = n

    def circulant(self, symbol: np.ndarray) -> np.ndarray:
        """``C[n, n'] = (1/m) sum_k symbol_k exp(2 pi i k (n - n') / m)`` (Hermitian)."""
        col = np.fft.ifft(symbol.astype(complex))
        return (col.real if self.real else col)[self.diff]

    def symbol_of(self, M: np.ndarray) -> np.ndarray:
        """Real symbol of the stationary part of a Hermitian matrix."""
        return np.fft.fft(M[self.shift, self.n[None, :]].mean(axis=1)).real


def _sweep(d: np.ndarray, ell2: np.ndarray, gamma: float, eta: float, P: np.ndarray, A: np.ndarray,
           ring: _Ring) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One evaluation of the right-hand sides: ``(A_new, P_new, V_new)`` symbols from ``(P, A)``."""
    m = d.shape[1]
    base = ring.circulant(ell2 / A)
    base[np.arange(m), np.arange(m)] += eta
    CP = gamma * ring.circulant(P)
    M = np.empty((d.shape[0], m, m), dtype=CP.dtype)  # in place: no path-sized temporaries
    np.multiply(d[:, :, None], CP[None], out=M)
    M *= d[:, None, :]
    M += base[None]
    Q = np.linalg.inv(M)
    V = ring.symbol_of(Q.mean(axis=0))
    Q *= d[:, :, None]
    Q *= d[:, None, :]
    DQD = ring.symbol_of(Q.mean(axis=0))
    A_new = eta + gamma * DQD
    return A_new, 1.0 / A - ell2 * V / A**2, V


def _fixed_point(d: np.ndarray, ell2: np.ndarray, gamma: float, eta: float, init: tuple, cfg: CavityConfig,
                 ring: _Ring) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, int]:
    """Anderson-accelerated fixed point in ``log(P, A - eta)``; returns ``(P, A, V, residual, sweeps)``."""
    P, A = (np.array(v, float) for v in init)
    A = np.maximum(A, eta * (1 + 1e-12))
    xs: list[np.ndarray] = []
    fs: list[np.ndarray] = []
    res, best, best_it, V = math.inf, math.inf, 0, P
    for it in range(1, cfg.max_iter + 1):
        A_new, P_new, V = _sweep(d, ell2, gamma, eta, P, A, ring)
        c = math.sqrt(V.sum() / P_new.sum())  # gauge: Tr P = Tr V at the fixed point
        P_new, A_new = P_new * c, eta + (A_new - eta) / c
        x = np.log(np.maximum(np.r_[P, A - eta], 1e-300))
        fx = np.log(np.maximum(np.r_[P_new, A_new - eta], 1e-300)) - x
        res = float(np.abs(fx).max())
        if res < cfg.tol:
            return P_new, A_new, V, res, it
        if res > 10 * best:
            xs, fs = [], []
        if res < 0.5 * best:
            best, best_it = res, it
        elif it - best_it > cfg.stall:  # rounding floor of the small-eta kernels: stop, report the residual
            return P_new, A_new, V, res, it
        xs, fs = (xs + [x])[-(cfg.anderson + 1):], (fs + [fx])[-(cfg.anderson + 1):]
        step = fx
        if len(xs) > 1:
            dX, dF = np.diff(np.array(xs), axis=0).T, np.diff(np.array(fs), axis=0).T
            coef = np.linalg.pinv(dF.T @ dF, rcond=1e-12, hermitian=True) @ (dF.T @ fx)
            step = fx - (dX + dF) @ coef
        new = np.exp(x + np.clip(step, -2.0, 2.0))
        P, A = new[: ell2.size], eta + new[ell2.size:]
    return P, A, V, res, cfg.max_iter


def _threshold_cdf(d: np.ndarray, s: float, tau: float, g: float, theta: float, cfg: CavityConfig,
                   rings: tuple[_Ring, _Ring], warm: dict) -> tuple[float, float, float, int]:
    """``F(s)`` at one Bloch phase, regulators lowered in turn; returns ``(F, F_alt, residual, sweeps)``.

    ``F``: linear extrapolation to ``eta = 0`` from the two smallest regulators; ``F_alt``: from the
    next two (the difference is the regulator error estimate; NaN with fewer than three levels).
    Warm-started from the previous threshold, the largest regulator (a continuation step of the cold
    start only, unused in ``F``) is skipped when three or more remain.
    """
    m, ring = d.shape[1], rings[int(theta == 0.0)]
    Wk = 2 * np.pi * (np.fft.fftfreq(m, 1.0 / m) + theta) / cfg.T
    ell2, gamma, a, bare = _symbol_functions()(s, tau, g, Wk, cfg.T, theta)
    worst, sweeps, F = 0.0, 0, []
    for j, e in enumerate(cfg.eps):
        init = warm.get((theta, j))
        if j == 0 and len(cfg.eps) > 3 and init is not None and (theta, 1) in warm:
            F.append(math.nan)
            continue
        if init is None:
            P0 = e / (e * e + ell2)
            init = warm.get((theta, j - 1), (P0, e + gamma * float(np.mean(d * d)) * P0))
        P, A, V, res, it = _fixed_point(d, ell2, gamma, e, init, cfg, ring)
        warm[(theta, j)] = (P, A)
        worst, sweeps = max(worst, res), sweeps + it
        F.append(0.5 + bare + float(np.sum(a * V / A - a / ell2)) / cfg.T)
    if len(F) < 2:
        return F[-1], math.nan, worst, sweeps
    e1, e0 = cfg.eps[-2:]  # F is linear in a small regulator: Richardson step to eta = 0
    alt = F[-2] - (F[-3] - F[-2]) * e1 / (cfg.eps[-3] - e1) if len(F) > 2 else math.nan
    return F[-1] - (F[-2] - F[-1]) * e0 / (e1 - e0), alt, worst, sweeps


@lru_cache(maxsize=4)
def _rings(m: int) -> tuple[_Ring, _Ring]:
    """The complex (twisted) and real rings of ``m`` points (index tables reused across calls)."""
    return _Ring(m, False), _Ring(m, True)


def cavity_cdf(d: np.ndarray, s_values: np.ndarray, tau: float, g: float, cfg: CavityConfig,
               warm: dict | None = None) -> tuple:
    """``F(s)`` at each threshold (twist-averaged) for gain paths ``d`` (paths x m); with diagnostics.

    Thresholds are solved in the given order, each warm-started from the previous one (and from
    ``warm``, the kernels of an earlier call on the same paths, which is updated). The diagnostics
    hold ``F_alt``, ``F`` extrapolated from the larger regulators (see :func:`_threshold_cdf`).
    """
    rings = _rings(d.shape[1])
    x, w = np.polynomial.legendre.leggauss(cfg.n_twist) if cfg.n_twist else (np.array([-1.0]), np.array([2.0]))
    thetas, weights = (x + 1) / 4 if cfg.n_twist else np.zeros(1), w / 2
    F, F_alt, worst, sweeps = [], [], 0.0, 0
    warm = {} if warm is None else warm
    for s in np.asarray(s_values, float):
        use = cfg.n_twist > 0 and abs(s + 1 / tau) * cfg.T < cfg.twist_aT_max
        parts = [_threshold_cdf(d, s, tau, g, th, cfg, rings, warm) for th in (thetas if use else [0.0])]
        F.append(float(np.dot(weights, [p[0] for p in parts])) if use else parts[0][0])
        F_alt.append(float(np.dot(weights, [p[1] for p in parts])) if use else parts[0][1])
        worst, sweeps = max(worst, *(p[2] for p in parts)), sweeps + sum(p[3] for p in parts)
    return np.array(F), {"max_residual": worst, "sweeps": sweeps, "converged": worst < cfg.accept,
                         "F_alt": np.array(F_alt)}


def _merge_diagnostics(a: dict, b: dict) -> dict:
    """Diagnostics of two threshold blocks of :func:`cavity_cdf` combined."""
    return {"max_residual": max(a["max_residual"], b["max_residual"]), "sweeps": a["sweeps"] + b["sweeps"],
            "converged": a["converged"] and b["converged"], "F_alt": np.r_[a["F_alt"], b["F_alt"]]}


def _rank_interpolant(s: np.ndarray, F: np.ndarray, edge: float) -> Any:
    """Monotone PCHIP of ``r(s) = 1 - F(s)`` through the thresholds below ``edge``, closed by ``r(edge) = 0``."""
    from scipy.interpolate import PchipInterpolator

    keep = s < edge
    ss, rr = np.r_[s[keep], edge], np.r_[1.0 - F[keep], 0.0]
    o = np.argsort(ss)
    rr = np.maximum.accumulate(np.clip(rr[o], 0.0, 1.0)[::-1])[::-1]  # r is non-increasing in s
    return PchipInterpolator(ss[o], rr, extrapolate=True)


def _dimension_entropy(s: np.ndarray, F: np.ndarray, edge: float) -> tuple[float, float]:
    """``(D_KY/N, h/N)`` from ``r(s)``: ``C(s) = s r(s) + int_s^edge r`` vanishes at ``s_KY``."""
    r = _rank_interpolant(s, F, edge)
    x = np.linspace(min(s.min(), edge), edge, 20001)
    rx = r(x)
    above = np.r_[np.cumsum((0.5 * (rx[1:] + rx[:-1]) * np.diff(x))[::-1])[::-1], 0.0]
    C = x * rx + above
    h = float(np.interp(0.0, x, above)) if edge > 0 and x[0] <= 0 else (0.0 if edge <= 0 else math.nan)
    if edge <= 0:
        return 0.0, h
    neg = np.nonzero((C < 0) & (x < 0))[0]
    if not len(neg) or neg[-1] + 1 >= len(x):
        return math.nan, h
    i = neg[-1]
    wgt = -C[i] / (C[i + 1] - C[i])
    return float(rx[i] + wgt * (rx[i + 1] - rx[i])), h


def _exponents_at(s: np.ndarray, F: np.ndarray, edge: float, fractions: np.ndarray) -> np.ndarray:
    """``lambda(i/N)``: invert ``r(s)`` (bisection on the monotone interpolant); NaN beyond the thresholds."""
    r = _rank_interpolant(s, F, edge)
    lo, hi = np.full(fractions.shape, float(s.min())), np.full(fractions.shape, edge)
    reach = r(lo) >= fractions
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        up = r(mid) >= fractions
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    return np.where(reach, 0.5 * (lo + hi), np.nan)


def _gain_paths(spec: ModelSpec, result: Any, cfg: CavityConfig, scramble: int) -> np.ndarray:
    """``n_paths`` gain paths ``phi'(mu + x)`` of the DMFT process on the ring (paths x m), scrambled Sobol.

    The process is the circulant embedding of ``Delta(tau)`` on the ring; its complex Fourier amplitudes
    are standard normals drawn as a scrambled Sobol sequence (randomised quasi-Monte Carlo, seed
    ``scramble``), real and imaginary parts of one draw giving two paths.
    """
    from scipy.stats import norm, qmc

    from workbench.theories.dmft.lyapunov_spectrum import _gain_function

    m = cfg.m
    lags = np.minimum(np.arange(m), m - np.arange(m)) * cfg.T / m
    lam = np.clip(np.fft.fft(result.Delta_at(lags)).real, 0.0, None)
    half = (cfg.n_paths + 1) // 2
    u = qmc.Sobol(2 * m, scramble=True, seed=scramble).random(half)
    z = norm.ppf(np.clip(u, 1e-12, 1 - 1e-12))
    y = np.fft.fft(np.sqrt(lam / m)[None, :] * (z[:, :m] + 1j * z[:, m:]), axis=1)
    x = np.concatenate([y.real, y.imag], axis=0)[: cfg.n_paths]
    return np.ascontiguousarray(_gain_function(spec)(result.mu + x))


def default_thresholds(edge: float, tau: float, s_low: float, n_above: int = 6, step: float = 0.1) -> np.ndarray:
    """Thresholds: ``n_above`` uniform on ``[0, edge)`` and every ``step`` from 0 down to ``s_low``."""
    below = -np.arange(1, int(math.floor((0.0 - s_low) / step + 1e-9)) + 1) * step
    below = below[np.abs(below + 1 / tau) > 0.02]  # off the uncoupled exponent
    return np.unique(np.r_[below, np.linspace(0.0, edge, n_above + 1)[:-1] if edge > 0 else []])


def _check(spec: ModelSpec, result: Any, N: int, k: int | None, cfg: CavityConfig) -> None:
    """SpecError for input the cavity theory does not cover."""
    if spec.n_populations != 1:
        raise SpecError("populations", "the DMFT Lyapunov spectrum is implemented for one population")
    if spec.dynamics.kind != "flow" or spec.has_eta or spec.low_rank:
        raise SpecError("dynamics", "the cavity Lyapunov spectrum covers the flow with i.i.d. couplings only")
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise SpecError("N", f"needs an integer N >= 1 (exponent i is lambda(i/N)), got {N!r}")
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= N):
        raise SpecError("k", f"must be an integer with 1 <= k <= N = {N}, got {k!r}")
    if cfg.path_sets < 2 or cfg.n_paths < 2 or cfg.m < 4 or not cfg.T > 0:
        raise SpecError("config", f"needs path_sets >= 2 (the error estimate), n_paths >= 2, m >= 4, T > 0: {cfg}")
    if not hasattr(result, "Delta_at") or not math.isfinite(float(result.lyapunov)):
        raise SpecError("method", "the cavity spectrum needs the one-population DMFT with Delta(tau) and lambda_max")


def lyapunov_spectrum_cavity(
    spec: ModelSpec,
    k: int | None = None,
    *,
    N: int = 200,
    s_low: float | None = -0.8,
    s_values: np.ndarray | None = None,
    config: CavityConfig | None = None,
    result: Any = None,
    estimate: bool = True,
) -> CavitySpectrum:
    """DMFT Lyapunov spectrum of ``spec`` by the single-site theory; ``lambda(i/N)`` for ``i = 1..k``.

    Parameters
    ----------
    spec : ModelSpec
        One population, flow dynamics.
    k, N : int
        Exponents ``lambda(i/N)``, ``i = 1..k`` (default: every ``i`` whose rank the thresholds reach).
    s_low : float or None
        Lowest threshold of the default grid (``D_KY`` needs ``s_KY > s_low``); None: as low as needed,
        the grid is extended down from 0 in steps of 0.1 until it reaches rank ``k/N`` and two
        thresholds lie below ``s_KY`` (the fast choice of the CLI).
    s_values : ndarray, optional
        Thresholds replacing the default grid.
    config : CavityConfig, optional
        Window, modes, paths, regulators and twists.
    result : DMFTResult, optional
        The DMFT solution (solved with curves and lambda_max if not given).
    estimate : bool
        Also estimate the errors of the exponents, ``D_KY/N`` and ``h/N`` (``error_estimates``, see
        :func:`_error_estimates`; costs about a quarter more).
    """
    cfg = config or CavityConfig()
    if result is None:
        from workbench.theories.dmft.problem import shared_solver

        result = shared_solver(spec).solve(spec)
    _check(spec, result, N, k, cfg)
    tau, g = float(spec.populations[0].tau.value), float(spec.g[0][0])
    edge = float(result.lyapunov)
    if s_values is not None:
        s = np.sort(np.asarray(s_values, float))
    else:
        s = default_thresholds(edge, tau, 0.0 if s_low is None else s_low)
    paths = [_gain_paths(spec, result, cfg, cfg.seed + i) for i in range(cfg.path_sets)]
    warms: list[dict] = [{} for _ in paths]
    sets = [_cdf_down(d, s, tau, g, cfg, w) for d, w in zip(paths, warms, strict=True)]
    Fs = np.array([x[0] for x in sets])
    need = 0.0 if k is None else k / N
    while s_values is None and not _reached(s, Fs.mean(axis=0), edge, need, s_low) and s[0] > -1 / tau - 3.0:
        more = s[0] - 0.1 * np.arange(1, 5 if s_low is not None else 3)  # extend the grid down
        more = np.sort(more[np.abs(more + 1 / tau) > 0.02])
        ext = [_cdf_down(d, more, tau, g, cfg, w) for d, w in zip(paths, warms, strict=True)]
        sets = [(np.r_[e[0], x[0]], _merge_diagnostics(e[1], x[1])) for e, x in zip(ext, sets, strict=True)]
        s, Fs = np.r_[more, s], np.array([x[0] for x in sets])
    F = Fs.mean(axis=0)
    fr = np.arange(1, (N if k is None else int(k)) + 1) / N
    lam = _exponents_at(s, F, edge, fr)
    if k is None:
        fr, lam = fr[np.isfinite(lam)], lam[np.isfinite(lam)]
    ky, h = _dimension_entropy(s, F, edge)
    ky_se, h_se = (np.array([_dimension_entropy(s, Fk, edge) for Fk in Fs]).std(axis=0, ddof=1)
                   / math.sqrt(len(Fs))).tolist()
    info = {"method": "cavity (single-site theory, Clark)", "N": int(N), "T": cfg.T, "m": cfg.m,
            "n_paths": cfg.n_paths, "path_sets": cfg.path_sets, "eps_min": cfg.eps[-1], "n_twist": cfg.n_twist,
            "seed": cfg.seed, "converged": all(x[1]["converged"] for x in sets),
            "max_residual": max(x[1]["max_residual"] for x in sets), "sweeps": sum(x[1]["sweeps"] for x in sets),
            "Delta0": result.Delta0, "mu": result.mu, "kaplan_yorke_fraction_stderr": ky_se,
            "entropy_rate_per_neuron_stderr": h_se}
    out = CavitySpectrum(s=s, F=F, F_stderr=Fs.std(axis=0, ddof=1) / math.sqrt(len(sets)), edge=edge, fractions=fr,
                         exponents=lam, kaplan_yorke_fraction=ky, entropy_rate_per_neuron=h, F_sets=Fs, info=info)
    if estimate:
        F_alt = np.mean([x[1]["F_alt"] for x in sets], axis=0)
        out.error_estimates = _error_estimates(out, paths, F_alt, tau, g, cfg)
    return out


def _cdf_down(d: np.ndarray, s: np.ndarray, tau: float, g: float, cfg: CavityConfig, warm: dict) -> tuple:
    """:func:`cavity_cdf` at the ascending thresholds ``s``, solved from the top down (warm starts follow
    the grid down from the edge); results in the order of ``s``."""
    F, diag = cavity_cdf(d, s[::-1], tau, g, cfg, warm)
    return F[::-1], {**diag, "F_alt": diag["F_alt"][::-1]}


def _reached(s: np.ndarray, F: np.ndarray, edge: float, need: float, s_low: float | None) -> bool:
    """Whether the thresholds reach rank ``need`` and (``s_low`` None) put two thresholds below ``s_KY``."""
    r = 1.0 - F
    if r[0] < need:
        return False
    if s_low is not None or edge <= 0:
        return True
    ky, _ = _dimension_entropy(s, F, edge)
    return math.isfinite(ky) and len(s) > 2 and r[1] > ky


GRID_ORDER = 0.5
"""Lowest convergence order in dt assumed by the grid error estimate (rough gain paths)."""


def _quantities(sp_: CavitySpectrum, F: np.ndarray) -> np.ndarray:
    """``(lambda(i/N) ..., D_KY/N, h/N)`` of the spectrum's grid with ``F`` in place of its own."""
    ky, h = _dimension_entropy(sp_.s, F, sp_.edge)
    return np.r_[_exponents_at(sp_.s, F, sp_.edge, sp_.fractions), ky, h]


def _error_estimates(sp_: CavitySpectrum, paths: list[np.ndarray], F_alt: np.ndarray, tau: float, g: float,
                     cfg: CavityConfig) -> dict[str, Any]:
    """A-posteriori error estimates of the exponents, ``D_KY/N`` and ``h/N`` (absolute), with their parts.

    * ``statistical``: the standard error over the independent path sets (the Gaussian path quadrature;
      counted twice in the total);
    * ``regulator``: ``F`` extrapolated to ``eta = 0`` from the two smallest regulators (``e2 > e3``)
      against the extrapolation from the next two (``e1 > e2``); the extrapolation error falls like
      ``eta^p`` with ``p >= 1`` (not 2: measured p ~ 1.15 at g = 2 with a fourth regulator 1e-3), so
      the error of the first is at most their difference times ``e3 / (e2 - e3)``;
    * ``grid``: the same paths sampled at every 2nd and 4th point (steps ``2 dt``, ``4 dt``, the window
      fixed: common random numbers, so the differences are the time discretisation alone); with
      ``d1, d2`` the root-mean-square over the path sets of the differences fine - half and half -
      quarter (the mean difference can vanish by chance), the error of the fine grid for an error
      ``~ dt^p``, ``p >= GRID_ORDER = 1/2`` (the gain paths are rough: ``Delta(tau)`` has a kink at 0;
      measured p ~ 0.6 at g = 2 from dt = 0.25, 0.5, 1), is at most ``max(d1, d2 2^-p) / (2^p - 1)``;
      ``d2`` is left out where ``d2 > 4 d1`` (the 4 dt grid is pre-asymptotic: at g = 3, 4 dt = 2 is
      longer than the correlation time).

    The window ``T`` (with its Bloch twists) and the number of modes per unit time are not varied
    beyond that.
    """
    q = _quantities(sp_, sp_.F)
    stat = np.array([_quantities(sp_, Fk) for Fk in sp_.F_sets]).std(axis=0, ddof=1) / math.sqrt(len(sp_.F_sets))
    e1, e2, e3 = cfg.eps[-3:] if len(cfg.eps) >= 3 else (math.nan,) * 3
    reg = np.abs(q - _quantities(sp_, F_alt)) * e3 / (e2 - e3)
    levels, per_set = [q], [np.array([_quantities(sp_, Fk) for Fk in sp_.F_sets])]
    for stride in (2, 4):
        if cfg.m % stride or cfg.m // stride < 8:
            break
        coarse = [_cdf_down(np.ascontiguousarray(d[:, ::stride]), sp_.s, tau, g, cfg, {})[0] for d in paths]
        levels.append(_quantities(sp_, np.mean(coarse, axis=0)))
        per_set.append(np.array([_quantities(sp_, Fk) for Fk in coarse]))
    if len(levels) == 3:
        d1, d2 = (np.sqrt(np.mean((per_set[i] - per_set[i + 1]) ** 2, axis=0)) for i in (0, 1))
        asymptotic = d2 < 2 ** (2 * GRID_ORDER + 1) * d1  # else the 4 dt grid is pre-asymptotic (order > 2)
        grid = np.maximum(d1, np.where(asymptotic, d2 * 2**-GRID_ORDER, 0.0)) / (2**GRID_ORDER - 1)
    else:
        grid = np.full_like(q, math.nan)
    total = 2 * stat + reg + grid
    n = len(sp_.fractions)

    def split(v: np.ndarray) -> dict[str, Any]:
        return {"exponents": v[:n], "kaplan_yorke_fraction": float(v[n]), "entropy_rate_per_neuron": float(v[n + 1])}

    return {**split(total), "parts": {"statistical": split(stat), "regulator": split(reg), "grid": split(grid)},
            "coarse_grid_values": {f"{2**i}dt": split(v) for i, v in enumerate(levels[1:], start=1)}}
