"""Frequency-resolved cross-spectrum statistics of simulated networks, without the noise-squared bias.

:func:`cross_spectrum_pairs` estimates, from one network's trajectories, the frequency-resolved pair function

    psi(w1, w2) = N [ mean_{i != j} Re S_ij(w1) conj S_ij(w2) - Re m(w1) conj m(w2) ],   m(w) = mean_{i != j} S_ij(w),

(``S(w) = int C(tau) e^{-i w tau} d tau`` the cross-spectral density; ``int int dw1 dw2 / (2 pi)^2 psi`` is N var_cross of
the equal-time covariance, :func:`workbench.theories.dimension.nonlinear.psi_frequency` its theory) and the mean
autospectrum ``a(w) = mean_i S_ii(w)``. Each trial is cut into blocks and each block into Hann-tapered segments; a
block's estimate is ``S_a(w) = mean_seg X X^H / (dt sum h^2)`` with ``X = dt sum_t h_t x_t e^{-i w t dt}``. A product
of two estimates of the same block carries their noise squared (about ``a(w1) a(w2)`` per pair, as large as psi
itself), so, as in :func:`~workbench.sim.estimators.cross_block_dimension`, every product pairs two independent
blocks (different trials, or blocks more than ``gap`` apart), with ``sum_ij S^a_ij conj S^b_ij = |Y^H X|^2`` summed
over the segment vectors (no N x N matrices). Standard errors: delete-one-block jackknife.

What it measures on average is the spectra smoothed by the taper's kernel, ``E S_a(w) = int du/2pi K(w - u) S(u)``,
so psi is smoothed by ``K(w1 - u) K(w2 - v)``: :func:`taper_kernel` gives K, to smooth a prediction with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.errors import SpecError
from workbench.sim.estimators import block_pair_mask, delete_one_block, jackknife_se

__all__ = ["CrossSpectrumPairs", "cross_spectrum_pairs", "pair_function", "taper_kernel"]


def _hann(n: int) -> np.ndarray:
    """The periodic-free Hann taper ``sin^2(pi (t + 1/2) / n)``."""
    return np.sin(np.pi * (np.arange(n) + 0.5) / n) ** 2


def taper_kernel(nu: np.ndarray, segment: int, dt: float) -> np.ndarray:
    """``K(nu) = dt |sum_t h_t e^{i nu t dt}|^2 / sum_t h_t^2`` of the Hann taper over ``segment`` samples
    (``int K dnu / 2 pi = 1`` over the Nyquist band): ``E S_a(w) = int du / 2 pi K(w - u) S(u)``."""
    h = _hann(segment)
    t = np.arange(segment) * dt
    nu = np.asarray(nu, dtype=float)
    F = np.exp(1j * np.multiply.outer(nu, t)) @ h
    return dt * np.abs(F) ** 2 / float(h @ h)


def pair_function(spectra: list[np.ndarray]) -> np.ndarray:
    """psi(w_k, w_l) of known cross-spectral matrices ``spectra[k] = S(w_k)`` (N x N): ``N [mean_{i != j} Re S_ij(w_k)
    conj S_ij(w_l) - Re m_k conj m_l]`` (what :func:`cross_spectrum_pairs` estimates, as ``dimension_stats`` for a
    known covariance)."""
    N = spectra[0].shape[0]
    off = ~np.eye(N, dtype=bool)
    flat = np.array([s[off] for s in spectra])  # (F, N(N - 1))
    m = flat.mean(axis=1)
    return N * (np.real(flat @ flat.conj().T) / flat.shape[1] - np.real(np.outer(m, m.conj())))


@dataclass(frozen=True)
class CrossSpectrumPairs:
    """Estimates at the frequencies ``w``: ``psi[k, l]`` = psi(w_k, w_l), ``mean_autospectrum[k]`` = a(w_k),
    ``mean_cross[k]`` = m(w_k) (complex), each with a jackknife SE (``*_se``; ``n_blocks - 1`` dof)."""

    w: np.ndarray
    psi: np.ndarray
    psi_se: np.ndarray
    mean_autospectrum: np.ndarray
    mean_autospectrum_se: np.ndarray
    mean_cross: np.ndarray
    N: int
    n_blocks: int
    info: dict[str, Any]

    @property
    def dof(self) -> int:
        """Degrees of freedom of the jackknife standard errors."""
        return self.n_blocks - 1


def _block_transforms(x: np.ndarray, w: np.ndarray, segment: int, dt: float) -> np.ndarray:
    """Tapered transforms ``X`` of shape ``(n_seg, F, N)`` of one block ``x`` (samples x N), scaled so that
    ``S_a = mean_seg X X^H``."""
    h = _hann(segment)
    n_seg = x.shape[0] // segment
    E = np.exp(-1j * np.multiply.outer(w, np.arange(segment) * dt)) * h  # (F, segment)
    scale = dt / np.sqrt(dt * float(h @ h))
    return np.stack([scale * (E @ x[s * segment : (s + 1) * segment]) for s in range(n_seg)])


def _moments(X: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Per block: diagonals ``d[a, k, i] = S^a_ii(w_k)`` and sums ``s[a, k] = sum_ij S^a_ij``; per block pair: the
    products ``P[a, b, k, l] = sum_ij S^a_ij(w_k) conj S^b_ij(w_l)`` and ``D`` = the same over i = j."""
    B = len(X)
    d = np.stack([np.mean(np.abs(Xa) ** 2, axis=0) for Xa in X])  # (B, F, N)
    s = np.stack([np.mean(np.abs(Xa.sum(axis=2)) ** 2, axis=0) for Xa in X]).astype(complex)  # (B, F)
    F = d.shape[1]
    P = np.zeros((B, B, F, F))
    for a in range(B):
        for b in range(a, B):
            G = np.einsum("skn,rln->skrl", X[a], X[b].conj())  # Y_r^H X_s per frequency pair
            P[a, b] = np.mean(np.abs(G) ** 2, axis=(0, 2))
            P[b, a] = P[a, b].T
    D = np.einsum("akn,bln->abkl", d, d)
    return {"d": d, "s": s, "P": P, "D": D}


def _psi(m: dict[str, np.ndarray], M: np.ndarray, keep: np.ndarray, N: int) -> tuple[np.ndarray, ...]:
    """psi, the mean autospectrum and the mean cross-spectrum from the moments, products over the pairs ``M``."""
    pairs = float(M.sum())
    cross = (m["P"] - m["D"]) / (N * (N - 1))
    off = (m["s"] - m["d"].sum(axis=2)) / (N * (N - 1))  # (B, F): mean_{i != j} S_ij (real for a real process)
    prod = np.einsum("ak,bl->abkl", off, off.conj()).real
    psi = N * np.einsum("ab,abkl->kl", M, cross - prod) / pairs
    auto = m["d"][keep].mean(axis=(0, 2))
    return psi, auto, off[keep].mean(axis=0)


def cross_spectrum_pairs(
    traj: np.ndarray,
    w: np.ndarray,
    *,
    dt: float,
    n_blocks: int = 8,
    segment_time: float = 100.0,
    gap: int = 1,
) -> CrossSpectrumPairs:
    """psi(w1, w2), the mean autospectrum and mean cross-spectrum at the frequencies ``w`` of one network's
    trajectories ``traj`` (shape ``(n_times, N, K)``: K independent trials; known zero mean, e.g. an odd phi without
    inputs) sampled every ``dt``: ``n_blocks`` blocks per trial, Hann segments of ``segment_time``; products of
    independent blocks only (see the module docstring)."""
    x = np.asarray(traj, dtype=float)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or x.shape[1] < 2:
        raise SpecError("traj", f"need shape (n_times, N >= 2, trials), got {x.shape}")
    if not dt > 0:
        raise SpecError("dt", f"must be > 0, got {dt}")
    w = np.atleast_1d(np.asarray(w, dtype=float))
    if np.any(np.abs(w) > np.pi / dt):
        raise SpecError("w", f"frequencies must lie within the Nyquist band |w| <= pi/dt = {np.pi / dt:.4g}")
    n, N, K = x.shape
    segment = int(round(segment_time / dt))
    L = n // n_blocks if n_blocks > 0 else 0
    if segment < 8 or L < segment or n_blocks * K < 3:
        raise SpecError("segment_time", f"each of the {n_blocks} blocks ({L} samples) must hold one segment of "
                        f"{segment} >= 8 samples, with >= 3 blocks in all; use fewer blocks or a shorter segment")
    labels = [(k, b) for k in range(K) for b in range(n_blocks)]
    X = [_block_transforms(x[b * L : (b + 1) * L, :, k], w, segment, dt) for k, b in labels]
    m = _moments(X)
    B = len(labels)
    M = block_pair_mask(labels, gap, independent_trials=True)
    psi, auto, mean_cross = _psi(m, M, np.ones(B, bool), N)
    jack = delete_one_block(M, lambda Mk, keep: _psi(m, Mk, keep, N))
    info = {"segment_samples": segment, "segments_per_block": L // segment, "taper": "hann", "gap_blocks": gap,
            "dt": float(dt)}
    return CrossSpectrumPairs(w, psi, jackknife_se([j[0] for j in jack]), auto, jackknife_se([j[1] for j in jack]),
                              mean_cross, N, B, info)
