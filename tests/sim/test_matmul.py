"""The small-batch recurrent product (workbench.sim.matmul) against BLAS, and its use by the simulator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

import workbench.sim.simulator as simulator
from workbench.sim import simulate
from workbench.sim.matmul import (
    KERNEL_MAX_FEW,
    KERNEL_MIN_N,
    KERNEL_MIN_N_FEW,
    RecurrentProduct,
    batch_matmul,
    use_kernel,
)
from workbench.spec import ModelSpec

RTOL = {"float32": 2e-5, "float64": 1e-12}


def _product(J: np.ndarray, P: np.ndarray) -> np.ndarray:
    H = np.empty((J.shape[0], P.shape[1]), dtype=J.dtype)
    return batch_matmul(J, np.ascontiguousarray(P.T), H)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 23), m=st.integers(1, 41), K=st.integers(1, 11), dtype=st.sampled_from(["float32", "float64"]),
       seed=st.integers(0, 2**32 - 1))
def test_batch_matmul_equals_blas(n: int, m: int, K: int, dtype: str, seed: int) -> None:
    """Every row and trial remainder (n, K not multiples of 4) agrees with the float64 product to rounding."""
    rng = np.random.default_rng(seed)
    J, P = rng.standard_normal((n, m)).astype(dtype), rng.standard_normal((m, K)).astype(dtype)
    H = _product(J, P)
    ref = J.astype(float) @ P.astype(float)
    scale = np.abs(J).astype(float) @ np.abs(P).astype(float)
    assert H.dtype == np.dtype(dtype)
    assert np.all(np.abs(H - ref) <= RTOL[dtype] * scale + 1e-300)


def test_batch_matmul_large_and_refusals() -> None:
    """A network-sized product agrees with BLAS; mixed dtypes, bad shapes and strided arrays are refused."""
    rng = np.random.default_rng(1)
    J, P = rng.standard_normal((1003, 1003)), rng.standard_normal((1003, 6))
    np.testing.assert_allclose(_product(J, P), J @ P, rtol=0, atol=1e-11)
    with pytest.raises(TypeError, match="one dtype"):
        batch_matmul(J, np.ascontiguousarray(P.T).astype(np.float32), np.empty((1003, 6)))
    with pytest.raises(ValueError, match="shapes"):
        batch_matmul(J, np.ascontiguousarray(P.T), np.empty((1003, 5)))
    with pytest.raises(ValueError, match="contiguous"):
        batch_matmul(J, P.T, np.empty((1003, 6)))


def test_kernel_choice() -> None:
    """The kernel serves 2-7 trials from N = 100 and 8 or more from N = 768, on one thread; BLAS the rest."""
    assert use_kernel(KERNEL_MIN_N_FEW, 2, 1) and use_kernel(KERNEL_MIN_N_FEW, KERNEL_MAX_FEW - 1, 1)
    assert not use_kernel(KERNEL_MIN_N_FEW - 1, 2, 1) and not use_kernel(KERNEL_MIN_N - 1, KERNEL_MAX_FEW, 1)
    assert use_kernel(KERNEL_MIN_N, KERNEL_MAX_FEW, 1) and use_kernel(4000, 16, 1)
    assert not use_kernel(4000, 1, 1) and not use_kernel(4000, 8, 2) and not use_kernel(4000, 8, None)
    J = np.random.default_rng(2).standard_normal((KERNEL_MIN_N, KERNEL_MIN_N)).astype(np.float32)
    P = np.random.default_rng(3).standard_normal((KERNEL_MIN_N, 3)).astype(np.float32)
    for threads in (1, 4):
        prod = RecurrentProduct(J, 3, threads)
        assert prod.kernel == (threads == 1)
    with threadpool_limits(1, user_api="blas"):
        assert RecurrentProduct(J, 3, None).kernel  # unpinned: the loaded pools' count is looked up
        H = prod(P, np.empty_like(P))
        np.testing.assert_allclose(H, J.astype(float) @ P.astype(float), rtol=0, atol=2e-4)


def test_simulate_with_kernel_matches_blas(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batched run that takes the kernel equals the same run with BLAS's product up to rounding."""
    spec = ModelSpec.simple(N=KERNEL_MIN_N, g=1.5, phi="tanh", sigma2=0.3)
    kw = dict(T=2.0, dt=0.1, trials=3, seed=7, record=("traj",), neurons=5, blas_threads=1)
    made: list[RecurrentProduct] = []

    def recording(J: np.ndarray, K: int, threads: int | None) -> RecurrentProduct:
        made.append(RecurrentProduct(J, K, threads))
        return made[-1]

    monkeypatch.setattr(simulator, "RecurrentProduct", recording)
    fast = simulate(spec, **kw)
    assert made[-1].kernel
    monkeypatch.setattr(simulator, "RecurrentProduct", lambda J, K, threads: RecurrentProduct(J, K, 2))
    blas = simulate(spec, **kw)
    np.testing.assert_allclose(fast.traj, blas.traj, rtol=0, atol=1e-11)


def test_lyapunov_with_kernel_matches_blas(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tangent map's block product (2 trials x (state + 1 tangent) = 4 columns) takes the kernel at N = 100 and
    gives BLAS's exponents up to rounding."""
    import workbench.sim.lyapunov as lyapunov

    spec = ModelSpec.simple(N=KERNEL_MIN_N_FEW, g=2.0, phi="tanh")
    made: list[RecurrentProduct] = []

    def recording(J: np.ndarray, K: int, threads: int | None) -> RecurrentProduct:
        made.append(RecurrentProduct(J, K, threads))
        return made[-1]

    with threadpool_limits(1, user_api="blas"):
        monkeypatch.setattr(lyapunov, "RecurrentProduct", recording)
        fast = lyapunov.lyapunov_exponent(spec, T=6.0, dt=0.1, trials=2, seed=3, burn_in=2.0, renorm_every=5)
        assert made[-1].kernel
        monkeypatch.setattr(lyapunov, "RecurrentProduct", lambda J, K, threads: RecurrentProduct(J, K, 2))
        blas = lyapunov.lyapunov_exponent(spec, T=6.0, dt=0.1, trials=2, seed=3, burn_in=2.0, renorm_every=5)
    np.testing.assert_allclose(fast.per_trial, blas.per_trial, rtol=1e-8)
