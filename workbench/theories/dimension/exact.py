"""Exact covariances of one linear network ``dx/dt = -x + J x + xi`` from ONE eigendecomposition of J.

The simulation checks of the dimension theory compare each simulated linear network (and each nonlinear network's
linear twin) with the exact covariance of that very network: of the flow and of the simulator's discrete process as
sampled. In the modes of ``J = V diag(lam) V^-1`` every such covariance is ``V X V^H`` with ``X`` a closed form in the
eigenvalues times the Gram matrix ``G = V^-1 V^-H`` (white noise enters every mode pair through ``G``). With
``A_k = 1 - lam_k``, ``B_l = conj(A_l)``, ``mu = a + b lam`` (the step ``x <- a x + b J x + nf Z``):

=====================================  ==============================================================================
flow, equal time, white noise          ``X = sigma2 G / (A_k + B_l)``  (Lyapunov ``(J - 1) C + C (J - 1)^T + sigma2 = 0``)
flow, equal time, OU noise             ``R = sigma2 G / (2 tau)``, ``Q = R / (A_k + 1/tau)``, ``Q' = R / (B_l + 1/tau)``,
                                       ``X = (Q + Q') / (A_k + B_l)`` (the augmented (x, xi) Lyapunov equation)
flow, static input of variance v       ``X += v G / (A_k B_l)``  (``v (1 - J)^-1 (1 - J)^-T``)
flow, zero frequency                   ``X = sigma2 G / (A_k B_l)``
flow, finite window W (zero freq.)     ``X = sigma2 G (k_k + conj k_l) / (A_k + B_l)``,
                                       ``k = int_0^W (1 - t/W) e^{-A t} dt = 1/A - (1 - e^{-A W}) / (A^2 W)``
steps, equal time, white               ``X = nf^2 G / (1 - mu_k conj mu_l)``  (``S = M S M^T + nf^2``)
steps, zero frequency, sampled every   ``X_s (1/(1 - mu_k^s) + 1/(1 - conj mu_l^s) - 1) Delta`` (``s`` steps apart)
steps, equal time, OU noise            ``R = nf_eta^2 G / (1 - c^2)``, ``Q = b c R / (1 - c mu_k)``,
                                       ``Q' = b c R / (1 - c conj mu_l)``,
                                       ``X = (b mu_k Q + b conj mu_l Q' + b^2 R) / (1 - mu_k conj mu_l)``
=====================================  ==============================================================================

One eigendecomposition serves every covariance of the network (the flow and the steps): at N = 1000, on one thread,
1.9 s for both against 5.9 s for the two Schur-based Lyapunov solves it replaces (``benchmarks/bench_dimension.py``
prints the ratio). The Schur-based solvers are kept beside it as the
slow reference (``*_reference``, scipy.linalg) and serve a J whose eigenvector basis is too ill-conditioned
(:data:`MAX_CONDITION`).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg as sla

from workbench.errors import ConvergenceError, SpecError

__all__ = ["MAX_CONDITION", "ModalBasis", "equal_time_covariance", "equal_time_covariance_doubling",
           "equal_time_covariance_reference",
           "step_covariances", "step_covariances_reference", "windowed_covariance", "windowed_covariance_reference",
           "zero_frequency_covariance"]

MAX_CONDITION = 1e8
"""Largest estimated condition number ``||V||_F ||V^-1||_F / N`` of the eigenvector basis the modal formulas use;
beyond it (a nearly defective J) the Schur-based reference solvers take over."""


class ModalBasis:
    """``J = V diag(lam) V^-1`` with the Gram matrix ``G = V^-1 V^-H`` (None: J is too close to defective)."""

    def __init__(self, J: np.ndarray) -> None:
        """Eigendecomposition of the real square matrix ``J`` (LAPACK geev through scipy)."""
        self.J = np.asarray(J, dtype=float)
        self.lam, self.V = sla.eig(self.J, check_finite=False)
        N = self.J.shape[0]
        try:
            Vinv = np.linalg.inv(self.V)
        except np.linalg.LinAlgError:
            self.G = None
            return
        cond = float(np.linalg.norm(self.V) * np.linalg.norm(Vinv)) / N
        self.G = Vinv @ Vinv.conj().T if math.isfinite(cond) and cond < MAX_CONDITION else None

    def scaled(self, c: float) -> ModalBasis:
        """The basis of ``c J`` (same eigenvectors and Gram matrix, eigenvalues times ``c``) without a new
        eigendecomposition: the linear networks of a spec at several g are one draw scaled."""
        out = object.__new__(ModalBasis)
        out.J, out.lam, out.V, out.G = c * self.J, c * self.lam, self.V, self.G
        return out

    @property
    def usable(self) -> bool:
        """Whether the modal formulas apply (a well-conditioned eigenvector basis)."""
        return self.G is not None

    def covariance(self, X: np.ndarray) -> np.ndarray:
        """The real symmetric ``V X V^H`` of a Hermitian mode-pair matrix ``X``."""
        C = ((self.V @ X) @ self.V.conj().T).real
        return 0.5 * (C + C.T)


def _pair(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column and row views ``u_k``, ``conj(v_l)`` for mode-pair formulas."""
    return u[:, None], np.conj(v)[None, :]


def _zero_frequency_X(basis: ModalBasis) -> np.ndarray:
    """Mode-pair matrix of ``(1 - J)^-1 (1 - J)^-T``: ``G / (A_k B_l)``."""
    A, B = _pair(1.0 - basis.lam, 1.0 - basis.lam)
    return basis.G / (A * B)


def zero_frequency_covariance(J: np.ndarray | ModalBasis, sigma2: float = 1.0) -> np.ndarray:
    """Exact zero-frequency covariance ``sigma2 (1 - J)^-1 (1 - J)^-T`` of the white-noise flow (module table)."""
    basis = J if isinstance(J, ModalBasis) else ModalBasis(J)
    if not basis.usable:
        W = np.linalg.inv(np.eye(basis.J.shape[0]) - basis.J)
        return sigma2 * W @ W.T
    return basis.covariance(sigma2 * _zero_frequency_X(basis))


def equal_time_covariance(J: np.ndarray | ModalBasis, sigma2: float = 1.0, tau_noise: float = 0.0,
                          input_var: float = 0.0) -> np.ndarray:
    """Exact equal-time covariance of the flow ``dx/dt = -x + J x + xi (+ I)``: white noise of intensity ``sigma2``,
    OU noise ``<xi xi> = sigma2 exp(-|t|/tau_noise) / (2 tau_noise)`` (``tau_noise > 0``) and a static input of
    variance ``input_var`` (module table)."""
    basis = J if isinstance(J, ModalBasis) else ModalBasis(J)
    if not basis.usable:
        return equal_time_covariance_reference(basis.J, sigma2, tau_noise, input_var)
    A, B = _pair(1.0 - basis.lam, 1.0 - basis.lam)
    if tau_noise == 0:
        X = sigma2 * basis.G / (A + B)
    else:
        R = sigma2 * basis.G / (2.0 * tau_noise)
        X = (R / (A + 1.0 / tau_noise) + R / (B + 1.0 / tau_noise)) / (A + B)
    if input_var > 0:
        X = X + input_var * _zero_frequency_X(basis)
    return basis.covariance(X)


def windowed_covariance(J: np.ndarray | ModalBasis, sigma2: float, window: float, richardson: bool = True
                        ) -> np.ndarray:
    """What the finite-window zero-frequency estimator measures on average for the white-noise flow:
    ``W Cov(W-means) = K S + S K^T`` with ``K = int_0^W (1 - t/W) e^{(J - 1) t} dt`` (module table); ``richardson``:
    the pair ``2 X(2W) - X(W)``."""
    basis = J if isinstance(J, ModalBasis) else ModalBasis(J)
    if not basis.usable:
        return windowed_covariance_reference(basis.J, sigma2, window, richardson)
    a = 1.0 - basis.lam

    def k(W: float) -> np.ndarray:
        return 1.0 / a - (1.0 - np.exp(-a * W)) / (a * a * W)

    kk = 2 * k(2 * window) - k(window) if richardson else k(window)
    A, B = _pair(a, a)
    K1, K2 = _pair(kk, kk)
    return basis.covariance(sigma2 * basis.G * (K1 + K2) / (A + B))


def window_samples(window: float, sample_every: float) -> int:
    """Samples per window of the zero-frequency estimator (``round(window / sample_every)``, as
    :func:`workbench.sim.estimators.cross_block_dimension` cuts them)."""
    return int(round(window / sample_every))


def _triangle_sum(mu: np.ndarray, L: int) -> np.ndarray:
    """``sum_{d=0}^{L-1} (1 - d/L) mu^d``: a window mean's lag weights over the samples (closed form)."""
    one = 1.0 - mu
    near = np.abs(one) < 1e-8
    safe = np.where(near, 0.5, one)
    muL = mu**L
    geo = (1.0 - muL) / safe
    lin = mu * (1.0 - L * mu ** (L - 1) + (L - 1) * muL) / safe**2
    return np.where(near, (L + 1) / 2.0, geo - lin / L)


def step_covariances(J: np.ndarray | ModalBasis, a: float, b: float, nf: float, covariance: str, stride: int = 1,
                     sample_every: float = 1.0, sigma2: float = 0.0, dt: float = 1.0, tau_noise: float = 0.0,
                     window: float | None = None) -> np.ndarray:
    """Exact covariance of the simulator's discrete process ``x <- (a + b J) x + nf Z`` as sampled: equal time
    (``covariance="equal-time"``; with ``tau_noise > 0`` the OU step ``x <- M x + b eta``, ``eta <- c eta + nf_eta Z``,
    ``c = exp(-dt/tau_noise)``, ``nf_eta^2 = sigma2 (1 - c^2) / (2 tau_noise)``) or zero frequency of the samples
    ``sample_every`` (``stride`` steps) apart (white noise only). With a ``window`` W at zero frequency: what the
    finite-window estimator measures on average, ``W Cov(mean of L = W / sample_every samples)`` in the Richardson
    pair ``2 X(2L) - X(L)``, i.e. ``sample_every sum_{|d| < L} (1 - |d|/L) Cov(x_0, x_d)``."""
    if covariance not in ("equal-time", "zero-frequency") or (tau_noise > 0 and covariance != "equal-time"):
        raise SpecError("covariance", f"exact step covariances are 'equal-time' or (white noise) 'zero-frequency', "
                        f"got {covariance!r} with tau_noise = {tau_noise:g}")
    basis = J if isinstance(J, ModalBasis) else ModalBasis(J)
    if not basis.usable:
        return step_covariances_reference(basis.J, a, b, nf, covariance, stride, sample_every, sigma2, dt, tau_noise,
                                          window)
    mu = a + b * basis.lam
    M1, M2 = _pair(mu, mu)
    if tau_noise > 0:
        c = math.exp(-dt / tau_noise)
        R = sigma2 * basis.G / (2.0 * tau_noise)  # stationary noise covariance nf_eta^2 G / (1 - c^2)
        Q1, Q2 = b * c * R / (1.0 - c * M1), b * c * R / (1.0 - c * M2)
        return basis.covariance((b * M1 * Q1 + b * M2 * Q2 + b * b * R) / (1.0 - M1 * M2))
    X = nf * nf * basis.G / (1.0 - M1 * M2)
    if covariance == "equal-time":
        return basis.covariance(X)
    S1, S2 = _pair(mu**stride, mu**stride)
    if window is None:
        return basis.covariance(sample_every * X * (1.0 / (1.0 - S1) + 1.0 / (1.0 - S2) - 1.0))
    L = window_samples(window, sample_every)

    def k(m: np.ndarray) -> np.ndarray:  # the Richardson pair of the one-sided lag sums
        return 2.0 * _triangle_sum(m, 2 * L) - _triangle_sum(m, L)

    return basis.covariance(sample_every * X * (k(S1) + k(S2) - 1.0))


# ---------------------------------------------------------------- the slow reference (Schur-based, scipy.linalg)

def equal_time_covariance_reference(J: np.ndarray, sigma2: float = 1.0, tau_noise: float = 0.0,
                                    input_var: float = 0.0) -> np.ndarray:
    """:func:`equal_time_covariance` by the (augmented) continuous Lyapunov equation."""
    N = J.shape[0]
    eye = np.eye(N)
    if tau_noise == 0:
        C = sla.solve_continuous_lyapunov(J - eye, -sigma2 * eye)
    else:
        Z = np.zeros((N, N))
        A = np.block([[J - eye, eye], [Z, -eye / tau_noise]])
        C = sla.solve_continuous_lyapunov(A, -np.block([[Z, Z], [Z, sigma2 * eye / tau_noise**2]]))[:N, :N]
    if input_var > 0:
        W = np.linalg.inv(eye - J)
        C = C + input_var * W @ W.T
    return C


def equal_time_covariance_doubling(J: np.ndarray, sigma2: float = 1.0, tol: float = 1e-12,
                                   max_doublings: int = 40) -> np.ndarray:
    """:func:`equal_time_covariance` under white noise by the Cayley transform ``Ad = (2 - J)^-1 J`` and squared
    Smith doubling ``C = sum_k Ad^k Q Ad^kT``, ``Q = 2 sigma2 (2 - J)^-1 (2 - J)^-T``: real matrix products only, no
    eigendecomposition, for many networks seen once each (N = 300, one thread: 30 ms against 70-90 ms for the modal
    formula and 80 ms for Bartels-Stewart; a spectrum of J well inside the unit disc converges in a few doublings)."""
    N = J.shape[0]
    B = sla.inv(2.0 * np.eye(N) - J, check_finite=False)
    Ad = B @ J
    C = 2.0 * sigma2 * (B @ B.T)
    for _ in range(max_doublings):
        step = Ad @ C @ Ad.T
        C = C + step
        if np.max(np.abs(step)) <= tol * np.max(np.abs(C)):
            return 0.5 * (C + C.T)
        Ad = Ad @ Ad
    raise ConvergenceError(f"equal-time covariance: Smith doubling did not converge in {max_doublings} steps (is J - 1 "
                           "stable?)")


def windowed_covariance_reference(J: np.ndarray, sigma2: float, window: float, richardson: bool = True) -> np.ndarray:
    """:func:`windowed_covariance` with ``K = -A^-1 + A^-2 (e^{AW} - 1)/W`` (``A = J - 1``, matrix exponential)."""
    N = J.shape[0]
    eye = np.eye(N)
    A = J - eye
    S = sla.solve_continuous_lyapunov(A, -sigma2 * eye)
    Ainv = np.linalg.inv(A)

    def one(W: float) -> np.ndarray:
        K = -Ainv + Ainv @ Ainv @ (sla.expm(A * W) - eye) / W
        return K @ S + S @ K.T

    return 2 * one(2 * window) - one(window) if richardson else one(window)


def step_covariances_reference(J: np.ndarray, a: float, b: float, nf: float, covariance: str, stride: int = 1,
                               sample_every: float = 1.0, sigma2: float = 0.0, dt: float = 1.0,
                               tau_noise: float = 0.0, window: float | None = None) -> np.ndarray:
    """:func:`step_covariances` by the discrete Lyapunov equation (augmented with the noise for OU; a ``window``'s
    lag sums term by term)."""
    N = J.shape[0]
    M = a * np.eye(N) + b * J
    if tau_noise > 0:
        c = math.exp(-dt / tau_noise)
        eye, Z = np.eye(N), np.zeros((N, N))
        A = np.block([[M, b * eye], [Z, c * eye]])
        Q = np.block([[Z, Z], [Z, sigma2 * (1.0 - c * c) / (2.0 * tau_noise) * eye]])
        return sla.solve_discrete_lyapunov(A, Q)[:N, :N]
    S = sla.solve_discrete_lyapunov(M, nf**2 * np.eye(N))
    if covariance == "equal-time":
        return S
    if window is None:
        R = np.linalg.solve(np.eye(N) - np.linalg.matrix_power(M, stride), S)
        return sample_every * (R + R.T - S)
    L = window_samples(window, sample_every)
    Ms, lagged, one_sided = np.linalg.matrix_power(M, stride), S.copy(), np.zeros((N, N))
    for d in range(2 * L):  # Cov(x_d, x_0) = Ms^d S, weighted by the pair 2 (1 - d/2L)_+ - (1 - d/L)_+
        one_sided += (2.0 * (1.0 - d / (2 * L)) - max(1.0 - d / L, 0.0)) * lagged
        lagged = Ms @ lagged
    return sample_every * (one_sided + one_sided.T - S)
