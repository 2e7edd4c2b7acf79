"""Gaussian fields of the Monte Carlo solvers: factors of a covariance and draws ``L xi``.

Shared by the particle solvers of the transient theories (:mod:`workbench.theories.meanfield.particles`,
:mod:`workbench.theories.symmetric.solver`): a Gaussian field ``z`` with covariance ``C`` on a time grid
is ``z = L xi`` with ``L L^T = C`` and ``xi`` iid N(0, 1), drawn for ``M`` particles at once.

* :func:`covariance_factor` - the lower Cholesky factor, or the eigen-factor :func:`psd_factor`
  (clipped eigenvalues) where ``C`` is only semi-definite;
* :func:`draw` - ``L xi`` for ``M`` particles (``xi`` of shape (n, M), one ``rng.standard_normal`` call);
* :class:`CausalField` - the field drawn step by step while ``C`` is still being filled in: row k of
  ``L`` by Gram-Schmidt (:func:`factor_row`) of the vectors whose inner products are ``C[k, :k+1]``,
  then ``z_k = L[k, :k+1] xi[:k+1]`` with a fresh ``xi_k``.

The draws are those the solvers made before this module existed, in the same order, so results are
bit-identical for the same seed. (It lives here, not in :mod:`workbench.sim`, whose source is hashed into
the keys of every stored simulation run.)
"""

from __future__ import annotations

import numpy as np

__all__ = ["PIVOT_RTOL", "CausalField", "covariance_factor", "draw", "factor_row", "psd_factor"]

PIVOT_RTOL = 1e-9
"""New field directions whose residual norm is below this fraction of the row norm are dropped (variance <= 1e-18)."""


def psd_factor(S: np.ndarray) -> np.ndarray:
    """A factor ``B`` with ``B B^T = S`` for a symmetric PSD ``S`` (eigh, clipped eigenvalues)."""
    w, V = np.linalg.eigh(0.5 * (S + S.T))
    return V * np.sqrt(np.clip(w, 0.0, None))[None, :]


def covariance_factor(S: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor of ``S``, or :func:`psd_factor` where ``S`` is not positive definite."""
    try:
        return np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        return psd_factor(S)


def draw(L: np.ndarray, rng: np.random.Generator, M: int) -> np.ndarray:
    """``L xi`` for ``M`` particles: shape (L.shape[0], M), ``xi`` iid N(0, 1) of shape (L.shape[1], M)."""
    return L @ rng.standard_normal((L.shape[1], M))


def factor_row(L: np.ndarray, Q: np.ndarray, a: np.ndarray, k: int) -> None:
    """Row k of the causal factor ``L`` (``C = L L^T`` with ``C[k, j] = a_k . a_j``) by Gram-Schmidt of ``a``.

    ``Q[:, :k]`` holds the orthonormal directions of rows < k (zero columns for dropped ones). Classical
    Gram-Schmidt with one reorthogonalisation keeps ``|L[k]| = |a|`` to round-off however ill-conditioned
    ``C`` is (a row-wise Cholesky divides by tiny pivots there and inflates the field variance).
    """
    c = Q[:, :k].T @ a
    r = a - Q[:, :k] @ c
    c2 = Q[:, :k].T @ r
    r -= Q[:, :k] @ c2
    L[k, :k] = c + c2
    rho = float(np.sqrt(r @ r))
    if rho > PIVOT_RTOL * float(np.sqrt(a @ a)):
        L[k, k] = rho
        Q[:, k] = r / rho


class CausalField:
    """A Gaussian field on ``n`` steps for ``M`` particles, drawn causally as its covariance is learnt.

    Step k: :meth:`add_row` with a vector ``a_k`` of length ``dim`` (the covariance is
    ``C[k, j] = a_k . a_j``), then :meth:`draw_row` gives ``z_k`` (shape (M,)) from a fresh
    ``rng.standard_normal(M)``.
    """

    def __init__(self, n: int, dim: int, M: int, rng: np.random.Generator) -> None:
        self.L = np.zeros((n, n))
        self.Q = np.zeros((dim, n))
        self.xi = np.empty((n, M))
        self.rng = rng
        self.k = 0

    def add_row(self, a: np.ndarray) -> None:
        """Row ``k`` of the factor from ``a_k`` (:func:`factor_row`)."""
        factor_row(self.L, self.Q, a, self.k)

    def draw_row(self) -> np.ndarray:
        """``z_k = L[k, :k+1] xi[:k+1]`` with a fresh ``xi_k``; moves on to step k + 1."""
        k = self.k
        self.xi[k] = self.rng.standard_normal(self.xi.shape[1])
        self.k += 1
        return self.L[k, : k + 1] @ self.xi[: k + 1]
