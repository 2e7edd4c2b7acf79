"""The recurrent product ``H = J @ P`` of a few trials (K = 2-16 columns) at once, reading J once.

Batching K trials into one product is meant to read J from memory once per step for all of them. OpenBLAS's GEMM
does not deliver that at small K: it packs J into its blocked layout on every call, so at N = 1000-2000 a product
with K = 2 costs 2-4 matrix-vector products and K = 8 costs 4-5 (measured here on one thread, float32 and float64,
``benchmarks/bench_simulator.py``). :func:`batch_matmul` is a register-blocked kernel (4 rows of J x 4 trials per
pass, then 2 and 1, vectorised along the rows of J) that reads each row of J from memory once per pass of 4 trials. The product
alone, on one thread: 2.0-2.5 x faster than the GEMM at K = 2 for N = 300-2000 and 1.4-2.2 x at K = 4 (float32;
2.2-3.0 x in float64); at K = 8 about even in float32 (0.9-1.1 x) and 1.7 x in float64 at N = 2000.

:class:`RecurrentProduct` picks, per simulation, the kernel (:func:`use_kernel`: 2-7 trials and N >=
:data:`KERNEL_MIN_N_FEW`, or 8 trials and more at N >= :data:`KERNEL_MIN_N`, on one thread) or
BLAS (one trial: a GEMV is already bound by reading J; several BLAS threads: the GEMM runs in parallel). The
result is deterministic and differs from BLAS's by rounding only (the vectorised sums run in another order).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["KERNEL_MAX_FEW", "KERNEL_MIN_N", "KERNEL_MIN_N_FEW", "RecurrentProduct", "batch_matmul", "blas_threads_in_use",
           "kernel_shape", "use_kernel"]

KERNEL_MIN_N = 768
"""Smallest N at which the kernel replaces the GEMM for :data:`KERNEL_MAX_FEW` trials and more (about even there:
a whole simulation 1.09-1.11 x faster at K = 8, N = 1000-2000 in float32, 0.92 x at N = 500; K = 16: 0.92-1.01 x)."""
KERNEL_MIN_N_FEW = 100
"""Smallest N at which the kernel replaces the GEMM for 2 to ``KERNEL_MAX_FEW - 1`` trials. OpenBLAS's GEMM costs
2-4 matrix-vector products at K = 2-4 however small J: a whole simulation (tanh, one thread) ran 1.16 x faster at
N = 300, K = 2 (float32), 1.21-1.51 x at N = 200-500, K = 4, 2.0 x at N = 1000, K = 2, 1.46 x at N = 150, K = 3
(float64), 1.11 x at N = 125, K = 4 (float64), 1.01-1.08 x at N = 100 and 1.01-1.04 x at N = 64
(``benchmarks/bench_simulator.py``, few trials)."""
KERNEL_MAX_FEW = 8
"""From this many trials on, the GEMM is as fast as the kernel below :data:`KERNEL_MIN_N` (it reads J once per pass
of 4 trials)."""


@numba.njit(cache=True, fastmath=True, boundscheck=False, nogil=True)
def _rows_by_4(J, PT, H, i, k):  # pragma: no cover - compiled
    """H[i:i+4, k:k+4] = J[i:i+4] @ PT[k:k+4].T (16 accumulators along the row)."""
    z = J[i, 0] - J[i, 0]  # a zero of J's precision
    s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = z
    s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = z
    for j in range(J.shape[1]):
        p0, p1, p2, p3 = PT[k, j], PT[k + 1, j], PT[k + 2, j], PT[k + 3, j]
        a0, a1, a2, a3 = J[i, j], J[i + 1, j], J[i + 2, j], J[i + 3, j]
        s00 += a0 * p0
        s01 += a0 * p1
        s02 += a0 * p2
        s03 += a0 * p3
        s10 += a1 * p0
        s11 += a1 * p1
        s12 += a1 * p2
        s13 += a1 * p3
        s20 += a2 * p0
        s21 += a2 * p1
        s22 += a2 * p2
        s23 += a2 * p3
        s30 += a3 * p0
        s31 += a3 * p1
        s32 += a3 * p2
        s33 += a3 * p3
    H[i, k], H[i, k + 1], H[i, k + 2], H[i, k + 3] = s00, s01, s02, s03
    H[i + 1, k], H[i + 1, k + 1], H[i + 1, k + 2], H[i + 1, k + 3] = s10, s11, s12, s13
    H[i + 2, k], H[i + 2, k + 1], H[i + 2, k + 2], H[i + 2, k + 3] = s20, s21, s22, s23
    H[i + 3, k], H[i + 3, k + 1], H[i + 3, k + 2], H[i + 3, k + 3] = s30, s31, s32, s33


@numba.njit(cache=True, fastmath=True, boundscheck=False, nogil=True)
def _rows_by_2(J, PT, H, i, k):  # pragma: no cover - compiled
    """H[i:i+4, k:k+2] = J[i:i+4] @ PT[k:k+2].T (8 accumulators along the row)."""
    z = J[i, 0] - J[i, 0]
    s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = z
    for j in range(J.shape[1]):
        p0, p1 = PT[k, j], PT[k + 1, j]
        a0, a1, a2, a3 = J[i, j], J[i + 1, j], J[i + 2, j], J[i + 3, j]
        s00 += a0 * p0
        s01 += a0 * p1
        s10 += a1 * p0
        s11 += a1 * p1
        s20 += a2 * p0
        s21 += a2 * p1
        s30 += a3 * p0
        s31 += a3 * p1
    H[i, k], H[i, k + 1] = s00, s01
    H[i + 1, k], H[i + 1, k + 1] = s10, s11
    H[i + 2, k], H[i + 2, k + 1] = s20, s21
    H[i + 3, k], H[i + 3, k + 1] = s30, s31


@numba.njit(cache=True, fastmath=True, boundscheck=False, nogil=True)
def _rows_by_1(J, PT, H, i, k):  # pragma: no cover - compiled
    """H[i:i+4, k] = J[i:i+4] @ PT[k]."""
    z = J[i, 0] - J[i, 0]
    s0 = s1 = s2 = s3 = z
    for j in range(J.shape[1]):
        p = PT[k, j]
        s0 += J[i, j] * p
        s1 += J[i + 1, j] * p
        s2 += J[i + 2, j] * p
        s3 += J[i + 3, j] * p
    H[i, k], H[i + 1, k], H[i + 2, k], H[i + 3, k] = s0, s1, s2, s3


@numba.njit(cache=True, fastmath=True, boundscheck=False, nogil=True)
def _row(J, PT, H, i, k):  # pragma: no cover - compiled
    """H[i, k] = J[i] @ PT[k]."""
    s = J[i, 0] - J[i, 0]
    for j in range(J.shape[1]):
        s += J[i, j] * PT[k, j]
    H[i, k] = s


@numba.njit(cache=True, nogil=True)
def _batch_matmul(J, PT, H):  # pragma: no cover - compiled
    n, K = J.shape[0], PT.shape[0]
    n4, K4 = n - n % 4, K - K % 4
    K2 = K4 + (K - K4) // 2 * 2
    for i in range(0, n4, 4):
        for k in range(0, K4, 4):
            _rows_by_4(J, PT, H, i, k)
        for k in range(K4, K2, 2):
            _rows_by_2(J, PT, H, i, k)
        for k in range(K2, K):
            _rows_by_1(J, PT, H, i, k)
    for i in range(n4, n):
        for k in range(K):
            _row(J, PT, H, i, k)


def batch_matmul(J: np.ndarray, PT: np.ndarray, H: np.ndarray) -> np.ndarray:
    """``H = J @ PT.T`` for C-contiguous ``J`` (n, m), ``PT`` (K, m) and ``H`` (n, K) of one float dtype.

    Deterministic; equal to BLAS's product up to rounding (each element is one vectorised dot product).
    """
    if not (J.dtype == PT.dtype == H.dtype) or J.dtype not in (np.float32, np.float64):
        raise TypeError(f"batch_matmul needs one dtype of float32/float64, got {J.dtype}, {PT.dtype}, {H.dtype}")
    if J.ndim != 2 or PT.shape != (H.shape[1], J.shape[1]) or H.shape[0] != J.shape[0] or J.shape[1] < 1:
        raise ValueError(f"shapes do not match: J {J.shape}, PT {PT.shape}, H {H.shape}")
    if not (J.flags.c_contiguous and PT.flags.c_contiguous and H.flags.c_contiguous):
        raise ValueError("J, PT and H must be C-contiguous")
    _batch_matmul(J, PT, H)
    return H


def blas_threads_in_use(pinned: int | None = None) -> int | None:
    """The BLAS threads a product gets: ``pinned``, else the fewest of the loaded BLAS pools (None: unknown)."""
    if pinned is not None:
        return int(pinned)
    from threadpoolctl import threadpool_info

    counts = [int(p["num_threads"]) for p in threadpool_info() if p.get("user_api") == "blas"]
    return min(counts) if counts else None


def kernel_shape(N: int, K: int) -> bool:
    """Whether N units and K trials are a shape where :func:`batch_matmul` beats BLAS on one thread."""
    return 2 <= K < KERNEL_MAX_FEW and N >= KERNEL_MIN_N_FEW or K >= KERNEL_MAX_FEW and N >= KERNEL_MIN_N


def use_kernel(N: int, K: int, threads: int | None) -> bool:
    """Whether :func:`batch_matmul` replaces BLAS for N units, K trials and ``threads`` BLAS threads."""
    return threads == 1 and kernel_shape(N, K)


class RecurrentProduct:
    """``H = J @ P`` for the simulator's (N, K) state: :func:`batch_matmul` or BLAS, chosen once per simulation.

    Parameters
    ----------
    J : ndarray (N, N)
        The couplings, C-contiguous, in the simulation's precision.
    K : int
        Trials (columns of P).
    threads : int or None
        BLAS threads pinned for the run; None: those of the loaded BLAS pools (:func:`blas_threads_in_use`, about
        1 ms, looked up only when the shape could take the kernel).
    """

    def __init__(self, J: np.ndarray, K: int, threads: int | None) -> None:
        self.J = J
        if threads is None and kernel_shape(J.shape[0], K):
            threads = blas_threads_in_use()
        self.kernel = use_kernel(J.shape[0], K, threads)
        self._PT = np.empty((K, J.shape[1]), dtype=J.dtype) if self.kernel else None

    def __call__(self, P: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out = J @ P``."""
        if self._PT is None:
            return np.matmul(self.J, P, out=out)
        np.copyto(self._PT, P.T)
        _batch_matmul(self.J, self._PT, out)
        return out
