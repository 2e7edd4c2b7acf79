"""The shared Gaussian-field helpers of the particle solvers (issue 12)."""

from __future__ import annotations

import numpy as np

from workbench.solvers.gaussian_paths import CausalField, covariance_factor, draw, psd_factor


def test_causal_rows_are_the_draws_of_the_full_factor() -> None:
    """Row by row (fresh xi_k each step) gives the same field as L xi with the finished factor and the same seed."""
    rng = np.random.default_rng(1)
    n, dim, M = 12, 30, 50
    A = np.cumsum(rng.standard_normal((n, dim)), axis=0)  # C = A A^T, a random-walk covariance
    field = CausalField(n, dim, M, np.random.default_rng(7))
    rows = []
    for k in range(n):
        field.add_row(A[k])
        rows.append(field.draw_row())
    assert np.allclose(field.L @ field.L.T, A @ A.T, rtol=0, atol=1e-10 * np.abs(A @ A.T).max())
    assert np.allclose(np.array(rows), draw(field.L, np.random.default_rng(7), M), rtol=0, atol=1e-12)


def test_covariance_factor_falls_back_to_the_eigen_factor() -> None:
    """Positive definite: the Cholesky factor; singular PSD: a factor B with B B^T = S all the same."""
    S = np.array([[2.0, 0.5], [0.5, 1.0]])
    assert np.array_equal(covariance_factor(S), np.linalg.cholesky(S))
    v = np.array([1.0, 2.0, -1.0])
    singular = np.outer(v, v)  # rank one
    B = covariance_factor(singular)
    assert np.allclose(B @ B.T, singular, atol=1e-12) and np.allclose(psd_factor(singular), B)
    z = draw(B, np.random.default_rng(0), 200_000)
    assert np.allclose(np.cov(z), singular, atol=0.05)
