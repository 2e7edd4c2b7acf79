"""The fixed-J linear-equivalent predictions: static response, zero-frequency and equal-time covariances.

Complexity (N neurons, m <= 4 q-nodes of the per-neuron spectra, n = 27 exponential rates):

* zero-frequency covariances and the static response: one LU solve of ``I - J D`` and four real
  N x N products, O(N^3) real;
* equal-time covariances: one eigendecomposition ``J D = U Lambda U^-1`` (LAPACK geev, ~10-25 N^3),
  one inverse of U, m + 1 Hermitian rank-N updates (zherk, half a complex product each; m = 3
  q-nodes), two complex products and two real-part products, and O(n N^2) elementwise work for the
  per-mode-pair frequency integrals (closed form, :mod:`derivations.fixed`), never one solve per
  frequency.

Memory: about :data:`BYTES_PER_ENTRY` bytes per matrix entry at the peak (complex U, U^-1, the
mode-pair kernel and products, the real outputs); :func:`check_memory` refuses a J that would not
fit in the available memory before anything N x N is allocated.
"""

from __future__ import annotations

import os
import time

import numpy as np
import scipy.linalg as sla

from workbench.errors import SpecError
from workbench.theories.fixed.gains import RATES, SingleSite

__all__ = ["BYTES_PER_ENTRY", "available_bytes", "check_memory", "equal_time", "zero_frequency"]

BYTES_PER_ENTRY: int = 320
"""Peak bytes per N^2 entry of the equal-time computation (tracemalloc peak 241 N^2 measured at N = 1000, J included, plus margin)."""

BYTES_PER_ENTRY_STATIC: int = 128
"""Peak bytes per N^2 entry without the equal-time part (LU, response, four real products; tracemalloc peak 108 N^2 at N = 1000)."""


def available_bytes() -> int:
    """Memory available now: ``MemAvailable`` of /proc/meminfo, else free pages x page size (os.sysconf)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))


def check_memory(N: int, equal_time: bool = True, available: int | None = None) -> int:
    """Bytes the prediction needs for an N x N J; one-line SpecError naming J_file when they exceed what is available."""
    need = (BYTES_PER_ENTRY if equal_time else BYTES_PER_ENTRY_STATIC) * int(N) ** 2
    have = available_bytes() if available is None else int(available)
    if need > have:
        n_max = int(np.sqrt(have / (BYTES_PER_ENTRY if equal_time else BYTES_PER_ENTRY_STATIC)))
        raise SpecError(
            "J_file",
            f"N = {N} needs about {need / 2**30:.1f} GiB but {have / 2**30:.1f} GiB are available "
            f"(limit N <= {n_max}{' with equal_time' if equal_time else ''})",
        )
    return need


def zero_frequency(J: np.ndarray, site: SingleSite, sigma2: float) -> dict[str, np.ndarray]:
    """Static response ``R = (L I - c J D)^-1`` (L = c = 1: ``(I - J D)^-1``) and the w = 0 covariances (one LU solve)."""
    from workbench.theories.fixed.kernels import coupling, leak

    N = J.shape[0]
    d = site.d
    JD = J * (coupling() * d)[None, :]
    R = sla.solve(leak() * np.eye(N) - JD, np.eye(N), check_finite=False)
    RJ = R @ (coupling() * J)
    cov_x0 = (RJ * site.sigma0_r[None, :]) @ RJ.T + sigma2 * (R @ R.T)
    # (I - D J)^-1 = D R D^-1, so C^phi(0) = D R D^-1 Sigma(0) D^-1 R^T D
    X = (d[:, None] * R) * (np.sqrt(np.maximum(site.sigma0_phi, 0.0)) / d)[None, :]
    cov_phi0 = X @ X.T
    return {"response": R, "cov_x_zero_frequency": _sym(cov_x0), "cov_phi_zero_frequency": _sym(cov_phi0)}


def _sym(C: np.ndarray) -> np.ndarray:
    """The symmetric part (removes rounding asymmetry), float64."""
    return np.ascontiguousarray(0.5 * (C + C.T), dtype=np.float64)


def _gram(X: np.ndarray) -> np.ndarray:
    """``X X^H`` (Hermitian) by one BLAS zherk: half the flops of a general complex product."""
    from scipy.linalg.blas import zherk

    # X.T is Fortran-contiguous; zherk(trans=2) gives (X.T)^H X.T = conj(X X^H), upper triangle
    C = zherk(1.0, X.T, trans=2)
    C = np.conj(C)
    upper = np.triu(C, 1)
    return np.triu(C) + upper.conj().T


def _real_sandwich(U: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``Re(U M U^H)``: one complex product, then only the real part of the second (two real products)."""
    X = U @ M
    return X.real @ U.real.T + X.imag @ U.imag.T


def _kernels(a: np.ndarray, coef: np.ndarray, white: float, inv_s: np.ndarray) -> np.ndarray:
    """Mode-pair integral ``int dw/2pi F(w) / ((a_k + iw)(conj(a_l) - iw))`` for F = white + sum_n coef_n L_n(w).

    ``L_n(w) = 2 gamma_n / (gamma_n^2 + w^2)``; the per-pair closed forms come from the derivation
    (:func:`derivations.fixed.mode_pair_kernels`).
    """
    from workbench.theories.fixed.kernels import lorentz_split

    u = lorentz_split(a[:, None], RATES[None, :])  # 1 / (a_k + gamma_n)
    v = np.conj(u)
    cross = (u * coef[None, :]) @ v.T
    cross_s = (u * (2 * RATES * coef)[None, :]) @ v.T
    return cross + inv_s * (cross_s + white)


def equal_time(J: np.ndarray, site: SingleSite, sigma2: float) -> dict[str, np.ndarray]:
    """Equal-time covariances of x and phi from ONE eigendecomposition of J D (closed-form frequency integrals)."""
    from workbench.theories.fixed.kernels import coupling, decay, leak, pair_white

    d = site.d
    t0 = time.perf_counter()
    c = coupling()
    lam, U = sla.eig(J * (c * d)[None, :], check_finite=False, overwrite_a=True)
    t_eig = time.perf_counter() - t0
    a = decay(lam)
    if np.min(a.real) <= 0:
        raise SpecError(
            "J", f"the linear-equivalent system is unstable: max Re eig(J D) = {np.max(lam.real):.4g} >= {leak():g} "
            "(g_eff at or above the edge; use the zero-frequency prediction with care)"
        )
    Uinv = sla.inv(U, check_finite=False)
    inv_s = pair_white(a[:, None], np.conj(a)[None, :])  # 1 / (a_k + conj(a_l))
    W = Uinv / d[None, :]
    M_phi = np.zeros_like(inv_s)
    M_x = sigma2 * inv_s * _gram(Uinv) if sigma2 else np.zeros_like(inv_s)
    lam_pair = lam[:, None] * np.conj(lam)[None, :]
    g2, L2 = RATES**2, leak() ** 2
    for p in range(site.weights.shape[1]):
        c_phi, c_r = site.coef_phi[p], site.coef_r[p]
        if not (np.any(c_phi) or np.any(c_r)):
            continue
        B = _gram(W * np.sqrt(site.weights[:, p])[None, :])  # W diag(w_p) W^H, w_p >= 0
        # phi: F(w) = (L^2 + w^2) Sigma(w) = sum_n c_n [2 gamma_n + (L^2 - gamma_n^2) L_n(w)]
        M_phi += _kernels(a, c_phi * (L2 - g2), float(np.sum(2 * RATES * c_phi)), inv_s) * B
        # x: F(w) = Sigma_r(w), seen through U^-1 J = Lambda U^-1 D^-1
        M_x += _kernels(a, c_r, 0.0, inv_s) * lam_pair * B  # lam = c x eig(J D) already
    cov_phi = d[:, None] * _real_sandwich(U, M_phi) * d[None, :]
    cov_x = _real_sandwich(U, M_x)
    return {"cov_x": _sym(cov_x), "cov_phi": _sym(cov_phi), "eigenvalues_JD": lam, "seconds_eig": t_eig}
