"""The fixed-J linear-equivalent predictions: static response, zero-frequency and equal-time covariances.

Complexity (N neurons, m <= 4 q-nodes of the per-neuron spectra, n = 27 exponential rates), all N x N
products in real arithmetic:

* zero-frequency covariances and the static response: one LU inverse of ``I - J D``, one product and three
  symmetric rank-N updates (syrk, half a product each): about 6 N^3 real flops;
* equal-time covariances: one real eigendecomposition ``J D V = V Lambda`` (LAPACK dgeev, V real with conjugate
  pairs as (Re, Im) columns: ~10-25 N^3), one real inverse of V, m + 1 syrk updates, two real products, and
  O(n N^2) elementwise complex work for the per-mode-pair frequency integrals (closed form,
  :mod:`derivations.fixed`) plus O(N^2) changes between the real basis and the complex modes
  (:class:`PairBasis`); never one solve per frequency. The complex-arithmetic original
  (:func:`equal_time_reference`, scipy ``eig``, ``U^-1``, zherk) needs about twice the time and is kept as the
  slow reference the tests compare with.

Measured on 2 cores (OpenBLAS): N = 2000 in 8 s, N = 4000 in about 40 s (dgeev alone about 16 s).

Memory: about :data:`BYTES_PER_ENTRY` bytes per matrix entry at the peak (real V, V^-1, the complex mode-pair
kernels and sums, the real outputs); :func:`check_memory` refuses a J that would not fit in the available
memory before anything N x N is allocated.
"""

from __future__ import annotations

import os
import time

import numba
import numpy as np
import scipy.linalg as sla

from workbench.errors import SpecError
from workbench.theories.fixed.gains import RATES, SingleSite

__all__ = [
    "BYTES_PER_ENTRY", "PairBasis", "available_bytes", "check_memory", "equal_time", "equal_time_reference",
    "real_eig", "zero_frequency",
]

BYTES_PER_ENTRY: int = 256
"""Peak bytes per N^2 entry of the equal-time computation (tracemalloc peak 186 N^2 measured at N = 1000 with the
real-arithmetic path, J included, plus margin)."""

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
    """Static response ``R = (L I - c J D)^-1`` (L = c = 1: ``(I - J D)^-1``) and the w = 0 covariances (one LU
    inverse, one product and three symmetric rank-N updates)."""
    from workbench.theories.fixed.kernels import coupling, leak

    N = J.shape[0]
    d = site.d
    JD = J * (coupling() * d)[None, :]
    JD *= -1.0
    JD[np.diag_indices(N)] += leak()
    R = sla.inv(JD, overwrite_a=True, check_finite=False)
    RJ = R @ (coupling() * J)
    s_r = np.asarray(site.sigma0_r, dtype=float)
    if np.all(s_r >= 0):
        cov_x0 = _syrk(RJ * np.sqrt(s_r)[None, :])
    else:  # a slightly negative residual at w = 0 (fit round-off): the general product
        cov_x0 = (RJ * s_r[None, :]) @ RJ.T
    if sigma2:
        cov_x0 += sigma2 * _syrk(R)
    # (I - D J)^-1 = D R D^-1, so C^phi(0) = D R D^-1 Sigma(0) D^-1 R^T D
    X = (d[:, None] * R) * (np.sqrt(np.maximum(site.sigma0_phi, 0.0)) / d)[None, :]
    cov_phi0 = _syrk(X)
    return {"response": R, "cov_x_zero_frequency": _sym(cov_x0), "cov_phi_zero_frequency": _sym(cov_phi0)}


def _sym(C: np.ndarray) -> np.ndarray:
    """The symmetric part (removes rounding asymmetry), float64."""
    return np.ascontiguousarray(0.5 * (C + C.T), dtype=np.float64)


def _gram(X: np.ndarray) -> np.ndarray:
    """``X X^H`` (Hermitian) by one BLAS zherk: half the flops of a general complex product (reference path)."""
    from scipy.linalg.blas import zherk

    # X.T is Fortran-contiguous; zherk(trans=2) gives (X.T)^H X.T = conj(X X^H), upper triangle
    C = zherk(1.0, X.T, trans=2)
    C = np.conj(C)
    upper = np.triu(C, 1)
    return np.triu(C) + upper.conj().T


def _syrk(X: np.ndarray) -> np.ndarray:
    """``X X^T`` (real symmetric): numpy hands ``X @ X.T`` to BLAS syrk (half the flops of a product) and mirrors it."""
    X = np.ascontiguousarray(X)
    return X @ X.T


def _real_sandwich(U: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``Re(U M U^H)``: one complex product, then only the real part of the second (two real products)."""
    X = U @ M
    return X.real @ U.real.T + X.imag @ U.imag.T


@numba.njit(cache=True)
def _congruence(B: np.ndarray, r1: np.ndarray, r2: np.ndarray, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``Z = Q B Q^H`` for a Q with at most two entries per row: ``Q[k, r1[k]] = c1[k]``, ``Q[k, r2[k]] = c2[k]``."""
    n = B.shape[0]
    Z = np.empty((n, n), dtype=np.complex128)
    for k in range(n):
        i1, i2, a1, a2 = r1[k], r2[k], c1[k], c2[k]
        for m in range(n):
            j1, j2, b1, b2 = r1[m], r2[m], np.conj(c1[m]), np.conj(c2[m])
            Z[k, m] = a1 * (b1 * B[i1, j1] + b2 * B[i1, j2]) + a2 * (b1 * B[i2, j1] + b2 * B[i2, j2])
    return Z


class PairBasis:
    """The real eigenvector basis V of a real matrix (LAPACK dgeev) and its link to the complex eigenvectors U = V P.

    For a conjugate pair of eigenvalues at positions (j, j+1), dgeev stores ``u_j = V_j + i V_{j+1}`` and
    ``u_{j+1} = conj(u_j)``; P is block diagonal with blocks ``[[1, 1], [i, -i]]`` there and 1 elsewhere, and
    ``P^-1`` has blocks ``[[1, -i], [1, i]] / 2``. Every N x N product then runs in real arithmetic (a quarter
    of the complex flops); only the O(N^2) elementwise mode-pair work stays complex.
    """

    def __init__(self, n: int, first: np.ndarray) -> None:
        """``n``: size; ``first``: the index j of each pair's first member (positive imaginary part)."""
        a = np.asarray(first, dtype=np.int64)
        b = a + 1
        self.a, self.b = a, b
        self.r1 = np.arange(n, dtype=np.int64)
        self.r1[b] = a
        self.r2 = np.arange(n, dtype=np.int64)
        self.r2[a] = b
        # rows of P^-1: (B_a - i B_b) / 2 and (B_a + i B_b) / 2
        self.q1 = np.ones(n, dtype=np.complex128)
        self.q2 = np.zeros(n, dtype=np.complex128)
        self.q1[a], self.q2[a], self.q1[b], self.q2[b] = 0.5, -0.5j, 0.5, 0.5j
        # rows of P: u_a = v_a + i v_b -> (P M)_a = M_a + M_b, (P M)_b = i M_a - i M_b
        self.p1 = np.ones(n, dtype=np.complex128)
        self.p2 = np.zeros(n, dtype=np.complex128)
        self.p1[a], self.p2[a], self.p1[b], self.p2[b] = 1.0, 1.0, 1j, -1j

    def to_modes(self, B: np.ndarray) -> np.ndarray:
        """``P^-1 B P^-H`` (Hermitian, complex) of a real symmetric B in the real basis."""
        return _congruence(np.ascontiguousarray(B), self.r1, self.r2, self.q1, self.q2)

    def to_real(self, M: np.ndarray) -> np.ndarray:
        """``Re(P M P^H)`` of a Hermitian mode-pair matrix M (real by construction for a real covariance)."""
        return np.ascontiguousarray(_congruence(np.ascontiguousarray(M), self.r1, self.r2, self.p1, self.p2).real)


def real_eig(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, PairBasis]:
    """Eigenvalues, real eigenvector basis V and :class:`PairBasis` of a real matrix (LAPACK dgeev, optimal workspace)."""
    from scipy.linalg import lapack

    n = A.shape[0]
    work, info = lapack.dgeev_lwork(n, compute_vl=0, compute_vr=1)
    lwork = max(int(np.real(work)), 4 * n) if info == 0 else 4 * n
    wr, wi, _, V, info = lapack.dgeev(np.asfortranarray(A), compute_vl=0, compute_vr=1, lwork=lwork, overwrite_a=1)
    if info != 0:
        raise SpecError("J", f"the eigendecomposition of J D did not converge (LAPACK dgeev info = {info})")
    return wr + 1j * wi, V, PairBasis(n, np.flatnonzero(wi > 0))


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


def _check_stable(lam: np.ndarray, a: np.ndarray) -> None:
    """SpecError unless every mode of J D decays (Re a > 0)."""
    from workbench.theories.fixed.kernels import leak

    if np.min(a.real) <= 0:
        raise SpecError(
            "J", f"the linear-equivalent system is unstable: max Re eig(J D) = {np.max(lam.real):.4g} >= {leak():g} "
            "(g_eff at or above the edge; use the zero-frequency prediction with care)"
        )


def _mode_pair_sums(a: np.ndarray, lam: np.ndarray, site: SingleSite, sigma2: float, gram) -> tuple:
    """``(M_phi, M_x)``: the mode-pair matrices of the rates and of x, ``gram(p)`` giving ``W diag(w_p) W^H``
    (p = None: ``U^-1 U^-H``)."""
    from workbench.theories.fixed.kernels import leak, pair_white

    inv_s = pair_white(a[:, None], np.conj(a)[None, :])  # 1 / (a_k + conj(a_l))
    M_phi = np.zeros_like(inv_s)
    M_x = sigma2 * inv_s * gram(None) if sigma2 else np.zeros_like(inv_s)
    lam_pair = lam[:, None] * np.conj(lam)[None, :]
    g2, L2 = RATES**2, leak() ** 2
    for p in range(site.weights.shape[1]):
        c_phi, c_r = site.coef_phi[p], site.coef_r[p]
        if not (np.any(c_phi) or np.any(c_r)):
            continue
        B = gram(p)
        # phi: F(w) = (L^2 + w^2) Sigma(w) = sum_n c_n [2 gamma_n + (L^2 - gamma_n^2) L_n(w)]
        M_phi += _kernels(a, c_phi * (L2 - g2), float(np.sum(2 * RATES * c_phi)), inv_s) * B
        # x: F(w) = Sigma_r(w), seen through U^-1 J = Lambda U^-1 D^-1
        M_x += _kernels(a, c_r, 0.0, inv_s) * lam_pair * B  # lam = c x eig(J D) already
    return M_phi, M_x


def equal_time(J: np.ndarray, site: SingleSite, sigma2: float) -> dict[str, np.ndarray]:
    """Equal-time covariances of x and phi from ONE real eigendecomposition of J D (closed-form frequency integrals).

    All N x N products are real (:class:`PairBasis`); :func:`equal_time_reference` is the complex-arithmetic
    original kept as the slow reference.
    """
    from workbench.theories.fixed.kernels import coupling, decay

    d = site.d
    t0 = time.perf_counter()
    lam, V, basis = real_eig(J * (coupling() * d)[None, :])
    t_eig = time.perf_counter() - t0
    a = decay(lam)
    _check_stable(lam, a)
    Vinv = sla.inv(V, check_finite=False)
    W = Vinv / d[None, :]

    def gram(p: int | None) -> np.ndarray:
        X = Vinv if p is None else W * np.sqrt(site.weights[:, p])[None, :]
        return basis.to_modes(_syrk(X))

    M_phi, M_x = _mode_pair_sums(a, lam, site, sigma2, gram)
    cov_phi = d[:, None] * ((V @ basis.to_real(M_phi)) @ V.T) * d[None, :]
    cov_x = (V @ basis.to_real(M_x)) @ V.T
    return {"cov_x": _sym(cov_x), "cov_phi": _sym(cov_phi), "eigenvalues_JD": lam, "seconds_eig": t_eig}


def equal_time_reference(J: np.ndarray, site: SingleSite, sigma2: float) -> dict[str, np.ndarray]:
    """Equal-time covariances in complex arithmetic (scipy ``eig``, ``U^-1``, zherk): the slow reference of
    :func:`equal_time`."""
    from workbench.theories.fixed.kernels import coupling, decay

    d = site.d
    lam, U = sla.eig(J * (coupling() * d)[None, :], check_finite=False)
    a = decay(lam)
    _check_stable(lam, a)
    Uinv = sla.inv(U, check_finite=False)
    W = Uinv / d[None, :]

    def gram(p: int | None) -> np.ndarray:
        return _gram(Uinv if p is None else W * np.sqrt(site.weights[:, p])[None, :])

    M_phi, M_x = _mode_pair_sums(a, lam, site, sigma2, gram)
    cov_phi = d[:, None] * _real_sandwich(U, M_phi) * d[None, :]
    cov_x = _real_sandwich(U, M_x)
    return {"cov_x": _sym(cov_x), "cov_phi": _sym(cov_phi), "eigenvalues_JD": lam}
