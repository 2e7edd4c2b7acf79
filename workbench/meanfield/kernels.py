"""Generated scalar kernels and the numba drivers of the transient mean-field solvers.

The scalar functions ``f(x)`` (the nonlinearity) and ``A(x, dt)`` (the deterministic step map of
the drift g, see :mod:`workbench.meanfield.problem`) are generated from their SymPy expressions by
:func:`workbench.codegen.compile_system` (numba backend, cached on disk). The drivers below are
ordinary ``@numba.njit(cache=True)`` loops that receive those kernels as *first-class function
arguments* (``numba.types.FunctionType``): the drivers are compiled and cached once, whatever f and
g are, and every generated kernel is reused from the codegen cache.

Drivers
-------
* :func:`closure_march` - deterministic Gaussian closure, one causal pass (or one application of
  the closure map to given ``(m, K)``, for the deterministic Picard iteration). Two quadratures:
  Mehler (Hermite) expansion ``K(t,s) = sum_p rho^p c_p(t) c_p(s)`` with
  ``c_p = E[f(mu + s Z) h_p(Z)]`` (O(n^2 P)), or the direct 2-D Gauss-Hermite product rule of the
  notes (O(n^2 q^2)).
* :func:`march_particles` - single-pass causal particle time-marching in innovation form.
* :func:`picard_paths` - paths for given noise increments (one Picard iteration), returning f(X).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numba
import numpy as np
import sympy as sp
from numba import types

from workbench.expr import as_expr
from workbench.spec import Nonlinearity, X

__all__ = [
    "generated_f",
    "generated_step",
    "hermite_tables",
    "closure_march",
    "march_particles",
    "picard_paths",
]

F1 = types.FunctionType(types.float64(types.float64))
F2 = types.FunctionType(types.float64(types.float64, types.float64))


@lru_cache(maxsize=64)
def _compile_cached(expr: sp.Expr, args: tuple[sp.Symbol, ...], name: str):
    from workbench.codegen import compile_system

    return compile_system([expr], list(args), backend="numba", name=name)


def generated_f(f: Nonlinearity):
    """The generated numba kernel of ``f(x)`` (a :class:`~workbench.codegen.CompiledFunction`)."""
    return _compile_cached(as_expr(f.expr), (X,), "mf_f")


def generated_step(A_expr: sp.Expr):
    """The generated numba kernel of the step map ``A(x, dt)``."""
    from derivations.meanfield_transient import DT

    return _compile_cached(as_expr(A_expr), (X, DT), "mf_step")


@lru_cache(maxsize=16)
def hermite_tables(q: int, P: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes/weights for N(0,1) and the weighted orthonormal Hermite table.

    Returns
    -------
    z : ndarray (q,)
        Nodes (probabilists').
    w : ndarray (q,)
        Weights, summing to 1 (expectations under N(0, 1)).
    Hw : ndarray (P+1, q)
        ``w_a h_p(z_a)`` with ``h_p = He_p / sqrt(p!)`` orthonormal, so that
        ``c_p = Hw[p] @ f(mu + s z)`` approximates ``E f(mu + s Z) h_p(Z)``.
    """
    z, w = np.polynomial.hermite_e.hermegauss(q)
    w = w / w.sum()
    H = np.zeros((P + 1, q))
    H[0] = 1.0
    if P >= 1:
        H[1] = z
    for p in range(1, P):
        H[p + 1] = (z * H[p] - math.sqrt(p) * H[p - 1]) / math.sqrt(p + 1)
    return z, w, np.ascontiguousarray(H * w[None, :])


# ---------------------------------------------------------------------------------------------
# Gaussian closure

_CLOSURE_SIG = types.void(
    F1,  # f
    types.int64,  # n
    types.float64,  # a
    types.float64,  # b
    types.float64,  # bbeta
    types.float64,  # J
    types.float64,  # sigma2
    types.float64,  # v_eps
    types.float64,  # mean0
    types.float64,  # var0
    types.float64[::1],  # z
    types.float64[::1],  # w
    types.float64[:, ::1],  # Hw
    types.int64,  # quad: 0 = Mehler, 1 = 2-D Gauss-Hermite
    types.boolean,  # causal
    types.float64[::1],  # m_in
    types.float64[:, ::1],  # K_in
    types.float64[::1],  # m (out)
    types.float64[:, ::1],  # K (out)
    types.float64[::1],  # EX (out)
    types.float64[:, ::1],  # C (out)
    types.float64[::1],  # tail (out): Hermite truncation bound per time
)


@numba.njit(_CLOSURE_SIG, cache=True)
def closure_march(f, n, a, b, bbeta, J, sigma2, v_eps, mean0, var0, z, w, Hw, quad, causal, m_in, K_in, m, K, EX, C,
                  tail):  # pragma: no cover - compiled
    """Gaussian closure on the grid ``k = 0..n`` (see the module docstring).

    With ``causal`` the field of step k uses the (m, K) just computed (the fixed point in one
    pass); otherwise it uses ``(m_in, K_in)`` (one application of the closure map).
    """
    q = z.size
    P1 = Hw.shape[0]
    coef = np.zeros((n + 1, P1))
    s = np.zeros(n + 1)
    fv = np.zeros(q)
    D = np.zeros(n + 1)
    EX[0] = mean0
    C[0, 0] = var0
    for k in range(n + 1):
        sk = math.sqrt(max(C[k, k], 0.0))
        s[k] = sk
        mu = EX[k]
        e2 = 0.0
        for i in range(q):
            fv[i] = f(mu + sk * z[i])
            e2 += w[i] * fv[i] * fv[i]
        for p in range(P1):
            acc = 0.0
            for i in range(q):
                acc += Hw[p, i] * fv[i]
            coef[k, p] = acc
        m[k] = coef[k, 0]
        ssum = 0.0
        for p in range(P1):
            ssum += coef[k, p] * coef[k, p]
        tail[k] = max(e2 - ssum, 0.0)
        K[k, k] = e2
        for j in range(k):
            den = sk * s[j]
            rho = C[k, j] / den if den > 0.0 else 0.0
            if rho > 1.0:
                rho = 1.0
            elif rho < -1.0:
                rho = -1.0
            if quad == 0:
                acc = 0.0
                for p in range(P1 - 1, -1, -1):
                    acc = acc * rho + coef[k, p] * coef[j, p]
            else:
                # (Y_j, Y_k): Y_j = mu_j + s_j z_a, Y_k = mu_k + s_k (rho z_a + sqrt(1-rho^2) z_b)
                r2 = math.sqrt(max(1.0 - rho * rho, 0.0))
                acc = 0.0
                for i in range(q):
                    fj = f(EX[j] + s[j] * z[i])
                    inner = 0.0
                    base = mu + sk * rho * z[i]
                    for i2 in range(q):
                        inner += w[i2] * f(base + sk * r2 * z[i2])
                    acc += w[i] * fj * inner
            K[k, j] = acc
            K[j, k] = acc
        if k == n:
            break
        # ---- advance the Gaussian law by one step (field held on [t_k, t_{k+1}))
        if causal:
            mk = m[k]
        else:
            mk = m_in[k]
        D[0] = 0.0
        for j in range(1, k + 1):
            kk = K[k, j - 1] if causal else K_in[k, j - 1]
            D[j] = a * D[j - 1] + b * sigma2 * kk
        EX[k + 1] = a * EX[k] + bbeta + b * J * mk
        for j in range(k + 1):
            c = a * C[k, j] + b * D[j]
            C[k + 1, j] = c
            C[j, k + 1] = c
        kkk = K[k, k] if causal else K_in[k, k]
        C[k + 1, k + 1] = a * a * C[k, k] + b * b * sigma2 * kkk + 2.0 * a * b * D[k] + v_eps


# ---------------------------------------------------------------------------------------------
# particle time-marching (innovation form, notes §4.3)

_MARCH_SIG = types.void(
    F1,  # f
    F2,  # A(x, dt)
    types.float64,  # dt
    types.float64,  # b
    types.float64,  # J
    types.float64,  # sigma2
    types.float64,  # v_eps
    types.float64[::1],  # X (M,) in: X_0, out: X_n
    types.float64[:, ::1],  # xi (n, M) iid N(0,1)
    types.float64[:, ::1],  # F (n+1, M) out: f(X_k)
    types.float64[::1],  # m (n+1,) out
    types.float64[:, ::1],  # K (n+1, n+1) out
    types.float64[:, ::1],  # L (n, n) out: Cholesky factor of the noise covariance
    types.float64[::1],  # EX (n+1,) out
    types.float64[::1],  # VX (n+1,) out
    types.float64[:, ::1],  # keep (n+1, n_keep) out: sample paths
)


@numba.njit(_MARCH_SIG, cache=True)
def march_particles(f, A, dt, b, J, sigma2, v_eps, X, xi, F, m, K, L, EX, VX, keep):  # pragma: no cover - compiled
    """One causal pass: row k of the noise covariance only needs K(t_k, t_{0..k})."""
    n = xi.shape[0]
    M = X.size
    nk = keep.shape[1]
    inv_M = 1.0 / M
    noise = np.zeros(M)
    for k in range(n + 1):
        sx = 0.0
        sxx = 0.0
        sf = 0.0
        for p in range(M):
            x = X[p]
            v = f(x)
            F[k, p] = v
            sx += x
            sxx += x * x
            sf += v
        for p in range(nk):
            keep[k, p] = X[p]
        EX[k] = sx * inv_M
        VX[k] = sxx * inv_M - EX[k] * EX[k]
        m[k] = sf * inv_M
        Fk = F[k]
        for l in range(k + 1):
            Fl = F[l]
            acc = 0.0
            for p in range(M):
                acc += Fl[p] * Fk[p]
            K[k, l] = acc * inv_M
            K[l, k] = K[k, l]
        if k == n:
            break
        # Cholesky row k of Sigma = b^2 sigma^2 K[:n, :n] + v_eps I (semi-definite safe)
        c2 = b * b * sigma2
        for l in range(k):
            acc = c2 * K[k, l]
            for r in range(l):
                acc -= L[k, r] * L[l, r]
            L[k, l] = acc / L[l, l] if L[l, l] > 0.0 else 0.0
        acc = c2 * K[k, k] + v_eps
        for r in range(k):
            acc -= L[k, r] * L[k, r]
        L[k, k] = math.sqrt(acc) if acc > 0.0 else 0.0
        # noise_k = sum_{l <= k} L[k, l] xi_l
        for p in range(M):
            noise[p] = 0.0
        for l in range(k + 1):
            c = L[k, l]
            if c != 0.0:
                xl = xi[l]
                for p in range(M):
                    noise[p] += c * xl[p]
        drift = b * J * m[k]
        for p in range(M):
            X[p] = A(X[p], dt) + drift + noise[p]


_PICARD_SIG = types.void(
    F1,  # f
    F2,  # A
    types.float64,  # dt
    types.float64[::1],  # X (M,) in: X_0
    types.float64[::1],  # drift (n,): b (beta-free) J m_k [+ b eta mean handled by caller]
    types.float64[:, ::1],  # noise (n, M): full additive noise per step
    types.float64[:, ::1],  # F (n+1, M) out
    types.float64[::1],  # EX (n+1,) out
    types.float64[::1],  # VX (n+1,) out
    types.float64[:, ::1],  # keep (n+1, n_keep) out
)


@numba.njit(_PICARD_SIG, cache=True)
def picard_paths(f, A, dt, X, drift, noise, F, EX, VX, keep):  # pragma: no cover - compiled
    """Paths ``X_{k+1} = A(X_k) + drift_k + noise_k`` and ``F = f(X)`` for one Picard iteration."""
    n = noise.shape[0]
    M = X.size
    nk = keep.shape[1]
    for k in range(n + 1):
        sx = 0.0
        sxx = 0.0
        for p in range(M):
            x = X[p]
            F[k, p] = f(x)
            sx += x
            sxx += x * x
        for p in range(nk):
            keep[k, p] = X[p]
        EX[k] = sx / M
        VX[k] = sxx / M - EX[k] * EX[k]
        if k == n:
            break
        d = drift[k]
        nz = noise[k]
        for p in range(M):
            X[p] = A(X[p], dt) + d + nz[p]
