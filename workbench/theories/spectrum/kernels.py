"""numba drivers of the Dyson solver: the generated per-unit kernels (``f(tau, g, x, y, X)``) are passed in.

Nodes of all populations are concatenated (``tau, g, w``) with offsets ``off`` (population ``b`` is
``off[b]:off[b+1]``). Every driver loops over z points, so no (points x nodes) temporaries are made:

* :func:`support_F` / :func:`boundary_y`: the Perron root ``F(z)`` and, per x, the root of
  ``F(x, Y) = 1`` in ``[0, top]`` (Illinois false position, bracketed like the bisection it replaces);
* :func:`dyson_newton`: Newton in ``v = log(A, B)`` on the relative residuals of the Dyson equations,
  each point warm-started from the previous converged point (or from a given cold start);
* :func:`density_points`: ``dX/dx``, ``dX/dy`` by the implicit function theorem and
  ``rho = sum_a f_a (d Re g_a/dx - d Im g_a/dy) / 2 pi``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["boundary_y", "density_points", "dyson_newton", "support_F"]

_JIT = {"cache": False, "fastmath": False, "error_model": "numpy"}
"""No on-disk cache: the drivers take generated kernels as first-class function arguments, which numba's
cache cannot key (stale index entries raise ``ReferenceError: underlying object has vanished``)."""


@numba.njit(**_JIT)
def _avg(k, tau, g, w, lo, hi, x, y, X):  # noqa: ANN001, ANN202
    """``sum_i w_i k(tau_i, g_i, x, y, X)`` over nodes ``lo:hi``."""
    s = 0.0
    for i in range(lo, hi):
        s += w[i] * k(tau[i], g[i], x, y, X)
    return s


@numba.njit(**_JIT)
def _perron(S):  # noqa: ANN001, ANN202
    """Spectral radius of a non-negative matrix (nan or a pole: +inf, the point is inside)."""
    P = S.shape[0]
    for i in range(P):
        for j in range(P):
            if not math.isfinite(S[i, j]):
                return math.inf
    if P == 1:
        return S[0, 0]
    if P == 2:
        half = 0.5 * (S[0, 0] + S[1, 1])
        det = S[0, 0] * S[1, 1] - S[0, 1] * S[1, 0]
        root = half + math.sqrt(max(half * half - det, 0.0))
        return math.inf if math.isnan(root) else root
    return np.abs(np.linalg.eigvals(S.astype(np.complex128))).max()


@numba.njit(**_JIT)
def _F(k, tau, g, w, off, C, cols, x, y):  # noqa: ANN001, ANN202
    """``rho_PF(C_ab <edge>_b)`` at one point."""
    P = C.shape[0]
    S = np.zeros((P, P))
    for b in cols:
        e = _avg(k, tau, g, w, off[b], off[b + 1], x, y, 0.0)
        for a in range(P):
            S[a, b] = C[a, b] * e
    return _perron(S)


@numba.njit(**_JIT)
def support_F(k, tau, g, w, off, C, cols, xs, ys):  # noqa: ANN001, ANN201
    """``F`` at the points ``xs + i ys`` (1-D, equal length)."""
    out = np.empty(xs.size)
    for j in range(xs.size):
        out[j] = _F(k, tau, g, w, off, C, cols, xs[j], ys[j])
    return out


@numba.njit(**_JIT)
def _Fat(k, tau, g, w, off, C, cols, x, y, t, along_x):  # noqa: ANN001, ANN202
    """``F - 1`` at ``(t, y)`` (along x) or ``(x, t)`` (along y)."""
    if along_x:
        return _F(k, tau, g, w, off, C, cols, t, y) - 1.0
    return _F(k, tau, g, w, off, C, cols, x, t) - 1.0


@numba.njit(**_JIT)
def _crossing(k, tau, g, w, off, C, cols, x, y, lo, hi, along_x, tol):  # noqa: ANN001, ANN202
    """Root of ``F = 1`` between ``lo`` (F >= 1) and ``hi`` (F < 1) by Illinois false position (bracketed)."""
    f_lo = _Fat(k, tau, g, w, off, C, cols, x, y, lo, along_x)
    f_hi = _Fat(k, tau, g, w, off, C, cols, x, y, hi, along_x)
    side = 0
    for _ in range(300):
        if abs(hi - lo) <= tol:
            break
        m = 0.5 * (lo + hi)
        if math.isfinite(f_lo) and math.isfinite(f_hi) and f_lo - f_hi > 0.0:
            m2 = hi - f_hi * (hi - lo) / (f_hi - f_lo)
            if min(lo, hi) < m2 < max(lo, hi):
                m = m2
        fm = _Fat(k, tau, g, w, off, C, cols, x, y, m, along_x)
        if fm == 0.0:
            return m
        if fm > 0.0:
            lo, f_lo = m, fm
            if side == 1:
                f_hi *= 0.5
            side = 1
        else:
            hi, f_hi = m, fm
            if side == -1:
                f_lo *= 0.5
            side = -1
    return 0.5 * (lo + hi)


@numba.njit(**_JIT)
def edge_root(k, tau, g, w, off, C, cols, lo, hi, tol):  # noqa: ANN001, ANN201
    """The real point where ``F(x, 0) = 1`` between ``lo`` (F >= 1) and ``hi`` (F < 1)."""
    return _crossing(k, tau, g, w, off, C, cols, 0.0, 0.0, lo, hi, True, tol)


@numba.njit(**_JIT)
def boundary_y(k, tau, g, w, off, C, cols, xs, top, tol):  # noqa: ANN001, ANN201
    """``Y(x)`` with ``F(x, Y) = 1`` (0 where ``F(x, 0) < 1``); ``F`` decreases in y on ``[0, top]``."""
    out = np.zeros(xs.size)
    prev = 0.0
    for j in range(xs.size):
        x = xs[j]
        if not _F(k, tau, g, w, off, C, cols, x, 0.0) >= 1.0:
            prev = 0.0
            continue
        lo, hi = 0.0, top
        if prev > 0.0:  # warm start: a tight bracket around the neighbour's Y
            step = 0.05 * prev + tol
            a = prev
            while a < top:
                b = min(a + step, top)
                if _F(k, tau, g, w, off, C, cols, x, a) - 1.0 >= 0.0:
                    lo = a
                    if not _F(k, tau, g, w, off, C, cols, x, b) - 1.0 >= 0.0:
                        hi = b
                        break
                    a, step = b, 2.0 * step
                else:
                    hi = a
                    a, step = max(a - step, 0.0), 2.0 * step
                    if a <= lo:
                        break
        prev = _crossing(k, tau, g, w, off, C, cols, x, 0.0, lo, hi, False, tol)
        out[j] = prev
    return out


@numba.njit(**_JIT)
def _system(kphi, kdphi, tau, g, w, off, act, C, D, x, y, v, J):  # noqa: ANN001, ANN202
    """Residuals of the Dyson equations in ``v = log(A, B)`` (gauge row ``n``); fills the Jacobian ``J``."""
    n = act.size
    A = np.exp(v[:n])
    B = np.exp(v[n:])
    phi = np.empty(n)
    dX = np.empty(n)
    for i in range(n):
        b = act[i]
        X = A[i] * B[i]
        phi[i] = _avg(kphi, tau, g, w, off[b], off[b + 1], x, y, X)
        dX[i] = _avg(kdphi, tau, g, w, off[b], off[b + 1], x, y, X) * X
    r = np.empty(2 * n)
    J[:, :] = 0.0
    for a in range(n):
        TA = 0.0
        TB = 0.0
        for b in range(n):
            TA += C[a, b] * phi[b] * A[b]
            TB += D[a, b] * phi[b] * B[b]
        r[a] = 1.0 - TA / A[a]
        r[n + a] = 1.0 - TB / B[a]
        for b in range(n):
            J[a, b] = -C[a, b] * A[b] * (phi[b] + dX[b]) / A[a]
            J[a, n + b] = -C[a, b] * A[b] * dX[b] / A[a]
            J[n + a, n + b] = -D[a, b] * B[b] * (phi[b] + dX[b]) / B[a]
            J[n + a, b] = -D[a, b] * B[b] * dX[b] / B[a]
        J[a, a] += TA / A[a]
        J[n + a, n + a] += TB / B[a]
    r[n] = v[0] - v[n]
    J[n, :] = 0.0
    J[n, 0] = 1.0
    J[n, n] = -1.0
    return r


@numba.njit(**_JIT)
def dyson_newton(kphi, kdphi, tau, g, w, off, act, C, D, xs, ys, v0, cold, tol, maxit):  # noqa: ANN001, ANN201
    """Solve at every point: from ``v0[j]`` where ``cold[j]``, else from the last converged point; ok flags."""
    npts = xs.size
    m = 2 * act.size
    v = np.empty((npts, m))
    ok = np.zeros(npts, np.bool_)
    J = np.empty((m, m))
    prev = np.empty(m)
    have = False
    for j in range(npts):
        if cold[j]:
            u = v0[j].copy()
        elif have:
            u = prev.copy()
        else:
            continue
        for _ in range(maxit):
            r = _system(kphi, kdphi, tau, g, w, off, act, C, D, xs[j], ys[j], u, J)
            res = np.abs(r).max()
            if not math.isfinite(res):
                break
            if res < tol:
                ok[j] = True
                break
            dv = np.linalg.solve(J, -r)
            big = np.abs(dv).max()
            u += dv * min(1.0, 2.0 / max(big, 1e-300))
        v[j] = u
        if ok[j]:
            prev[:] = u
            have = True
    return v, ok


@numba.njit(**_JIT)
def _implicit(C, D, A, B, ds, J, act, X, out):  # noqa: ANN001, ANN202
    """``dX_a`` along one direction whose kernel derivatives are ``ds`` (implicit function theorem)."""
    n = act.size
    rs = np.empty(2 * n)
    for a in range(n):
        sA = 0.0
        sB = 0.0
        for b in range(n):
            sA += C[a, b] * ds[b] * A[b]
            sB += D[a, b] * ds[b] * B[b]
        rs[a] = -sA / A[a]
        rs[n + a] = -sB / B[a]
    rs[n] = 0.0
    dv = np.linalg.solve(J, -rs)
    for i in range(n):
        out[act[i]] = X[act[i]] * (dv[i] + dv[n + i])


@numba.njit(**_JIT)
def density_points(kphi, kdX, kdx, kdy, rdx, rdX, idy, idX, tau, g, w, off, act, C, D, f, xs, ys, v):  # noqa: ANN001, ANN201
    """The density at converged points ``v`` (kernels: phi, its X, x, y derivatives, Re g_M / dx, dX, Im g_M / dy, dX)."""
    n = act.size
    P = f.size
    out = np.empty(xs.size)
    J = np.empty((2 * n, 2 * n))
    for j in range(xs.size):
        x, y, u = xs[j], ys[j], v[j]
        _system(kphi, kdX, tau, g, w, off, act, C, D, x, y, u, J)
        A = np.exp(u[:n])
        B = np.exp(u[n:])
        X = np.zeros(P)
        dXx = np.zeros(P)
        dXy = np.zeros(P)
        for i in range(n):
            X[act[i]] = A[i] * B[i]
        dsx = np.empty(n)
        dsy = np.empty(n)
        for i in range(n):
            b = act[i]
            dsx[i] = _avg(kdx, tau, g, w, off[b], off[b + 1], x, y, X[b])
            dsy[i] = _avg(kdy, tau, g, w, off[b], off[b + 1], x, y, X[b])
        _implicit(C, D, A, B, dsx, J, act, X, dXx)
        _implicit(C, D, A, B, dsy, J, act, X, dXy)
        total = 0.0
        for a in range(P):
            lo, hi = off[a], off[a + 1]
            du = _avg(rdx, tau, g, w, lo, hi, x, y, X[a]) + _avg(rdX, tau, g, w, lo, hi, x, y, X[a]) * dXx[a]
            dw = _avg(idy, tau, g, w, lo, hi, x, y, X[a]) + _avg(idX, tau, g, w, lo, hi, x, y, X[a]) * dXy[a]
            total += f[a] * (du - dw)
        out[j] = total / (2 * math.pi)
    return out
