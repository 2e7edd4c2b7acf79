"""Linear networks: covariance statistics and PR/N from the generated derivation (``derivations/dimension.py``).

``solve_linear(g, sigma2, ...)`` evaluates the derived closed forms (zero frequency, equal-time mean
autocovariance) and the generated equal-time trace kernel by Gauss-Legendre quadrature on
``w = tan t``; :func:`frequency_resolved` gives the statistics at each frequency; :func:`hs_support`
and :func:`hs_density` the Hu-Sompolinsky eigenvalue density of the zero-frequency covariance;
:func:`pr_curve` the figure data PR/N vs g.
"""

from __future__ import annotations

import math
import time
from functools import cache
from typing import Any

import numpy as np

from workbench.errors import SpecError
from workbench.theories.dimension.result import COVARIANCES, DimensionResult

__all__ = ["frequency_resolved", "hs_density", "hs_support", "pr_curve", "solve_linear", "LinearKernels",
           "ReciprocalKernels"]

DEFAULT_NODES = 200
"""Gauss-Legendre nodes per angle of the equal-time quadrature (error estimated against half as many)."""
MAX_NODES = 1600
"""At most this many nodes per angle (reached only within ~1e-4 of g = 1)."""
RTOL = 1e-9
"""Relative agreement of ``tr C^2`` between n/2 and n nodes at which the quadrature stops."""


class LinearKernels:
    """The derivation's kernels, compiled once (numpy backend, broadcasting over arrays)."""

    def __init__(self) -> None:
        import derivations.dimension as d
        from workbench.codegen.compiled import compile_system

        self.derivation, self.cache_info = d.derive_cached()
        k = self.derivation.kernels
        sp_ = self.derivation.spectrum
        self.freq = compile_system(
            [k["freq_mean_autocov"], k["freq_N_var_cross"], k["freq_PR_over_N"]],
            (d.G, d.W1, d.SIGMA2, d.TAU_N), name="dimension_freq",
        )
        self.et_mean = compile_system(k["et_mean_autocov"], (d.G, d.SIGMA2, d.TAU_N, d.SIGMA_I2), name="dimension_et_mean")
        self.et_trace = compile_system(k["et_trace_kernel"], (d.G, *d.ANGLE_ARGS, d.TAU_N), name="dimension_et_trace")
        self.et_cross = compile_system(k["et_cross_kernel"], (d.G, *d.ANGLE_ARGS[:2], d.TAU_N),
                                       name="dimension_et_cross")
        self.static_trace = compile_system(k["static_trace"], (d.G,), name="dimension_static_trace")
        self.hs_cubic = compile_system(sp_["coeffs"], (d.G, d.LAM), name="dimension_hs_cubic")
        self.hs_edges = compile_system(sp_["disc_coeffs"], (d.G,), name="dimension_hs_edges")


@cache
def kernels() -> LinearKernels:
    """The compiled kernels (built once per process)."""
    return LinearKernels()


class ReciprocalKernels:
    """The zero-frequency statistics with reciprocal motifs (``derive_reciprocal``), compiled once."""

    def __init__(self) -> None:
        import derivations.dimension as d
        from workbench.codegen.compiled import compile_system

        self.derivation, self.cache_info = d.derive_reciprocal()
        k = self.derivation["kernels"]
        self.zf = compile_system([k["zf_mean_autocov"], k["zf_N_var_cross"], k["zf_PR_over_N"]],
                                 (d.G, d.ETA, d.SIGMA2), name="dimension_reciprocal_zf")
        import sympy as sp

        import derivations.dimension_finite_size as f

        args = (d.G, d.ETA, f.Z_A, f.Z_AB, f.Z_B, f.Z_BB)  # complex resolvent arguments: NumPy, not the real codegen
        self.et = {n: sp.lambdify(args, k[n], "numpy") for n in ("et_a0", "et_m2")}


@cache
def reciprocal_kernels() -> ReciprocalKernels:
    """The compiled reciprocal-motif kernels (built once per process, only when eta != 0 is asked for)."""
    return ReciprocalKernels()


def _check(g: float, sigma2: float, tau_noise: float, input_var: float, covariance: str, eta: float) -> None:
    """One-line SpecError naming the parameter for input the linear theory does not describe."""
    for name, value in (("sigma2", sigma2), ("tau_noise", tau_noise), ("input_var", input_var)):
        if not (math.isfinite(value) and value >= 0):
            raise SpecError(name, f"must be >= 0 and finite, got {value}")
    if not (math.isfinite(eta) and -1 <= eta <= 1):
        raise SpecError("eta", f"reciprocal correlation corr(J_ij, J_ji) must be in [-1, 1], got {eta}")
    if not (math.isfinite(g) and g >= 0 and g * (1 + eta) < 1):
        raise SpecError("g", f"the linear network needs 0 <= g (1 + eta) < 1 (unstable otherwise), got g={g}, eta={eta}")
    if covariance not in COVARIANCES:
        raise SpecError("covariance", f"one of {', '.join(COVARIANCES)}, got {covariance!r}")
    if covariance == "zero-frequency" and input_var > 0:
        raise SpecError("input_var", "a static input has no finite zero-frequency covariance; use 0 or equal-time")
    if sigma2 == 0 and input_var == 0:
        raise SpecError("sigma2", "a linear network without input has zero covariance; give sigma2 > 0 "
                                  "(or input_var > 0 for the equal-time covariance)")


def _gauss_legendre(nodes: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Angles ``t`` and weights on ``(-pi/2, pi/2)``, nodes dense where ``|w| = |tan t| < scale``.

    Gauss-Legendre in ``u`` with ``tan t = scale tan u`` (``dt/du = scale / (cos^2 u + scale^2 sin^2 u)``):
    the kernels vary on ``w ~ sqrt(1 - g^2)`` near the instability and on ``w ~ 1/tau_n``.
    """
    x, w = np.polynomial.legendre.leggauss(nodes)
    u, wu = x * (math.pi / 2), w * (math.pi / 2)
    t = np.arctan(scale * np.tan(u))
    return t, wu * scale / (np.cos(u) ** 2 + scale**2 * np.sin(u) ** 2)


def _frequency_scale(g: float, tau_noise: float) -> float:
    """The narrowest frequency scale of the equal-time integrands: ``sqrt(1 - g^2)``, ``1/tau_n``, 1."""
    return min(1.0, math.sqrt(1.0 - g * g), 1.0 / tau_noise if tau_noise > 0 else 1.0)


def _equal_time_trace(g: float, sigma2: float, tau_noise: float, input_var: float, nodes: int) -> float:
    """``(1/N) tr C^2`` of the equal-time covariance by Gauss-Legendre quadrature of the derived kernels."""
    k = kernels()
    t, w = _gauss_legendre(nodes, _frequency_scale(g, tau_noise))
    out = input_var**2 * float(k.static_trace(g))
    c, s = np.cos(t), np.sin(t)
    if sigma2 > 0:
        kern = k.et_trace(g, c[:, None], s[:, None], c[None, :], s[None, :], tau_noise)
        out += sigma2**2 * float(w @ kern @ w)
    if sigma2 > 0 and input_var > 0:
        out += 2 * sigma2 * input_var * float(w @ k.et_cross(g, c, s, tau_noise))
    return out


def _converge(quadrature: Any, nodes: int) -> tuple[Any, Any, int]:
    """``(fine, coarse, nodes)``: ``quadrature(n)`` at ``nodes`` and at half as many, doubling the nodes until the
    last entry (``tr C^2/N``) agrees to ``RTOL`` or ``MAX_NODES`` is reached."""
    coarse = quadrature(max(nodes // 2, 8))
    while True:
        fine = quadrature(nodes)
        f, c = np.ravel(fine)[-1], np.ravel(coarse)[-1]
        if abs(f - c) <= RTOL * abs(f) or nodes >= MAX_NODES:
            return fine, coarse, nodes
        coarse, nodes = fine, 2 * nodes


def _converged_trace(g: float, sigma2: float, tau_noise: float, input_var: float,
                     nodes: int) -> tuple[float, float, int]:
    """``(tr C^2/N, the same with half the nodes, nodes)``, doubling nodes until they agree to ``RTOL``."""
    return _converge(lambda n: _equal_time_trace(g, sigma2, tau_noise, input_var, n), nodes)


def _elliptic_moments(g: float, eta: float, sigma2: float, tau_noise: float, input_var: float,
                      nodes: int) -> tuple[float, float]:
    """``(1/N) tr C`` and ``(1/N) tr C^2`` of the equal-time covariance with reciprocal motifs: Gauss-Legendre in
    ``w = tan t`` of the derived planar words (nodes dense below the slowest rate ``1 - g (1 + eta)`` and
    ``1/tau_noise``). ``C = int dw/2pi S_in(w) R_a T_abar + input_var R_1 T_1`` with the OU input spectrum
    ``S_in = sigma2/(1 + tau_noise^2 w^2)`` and the static input's ``x = (1 - J)^{-1} I``, so ``tr C^2`` has the
    noise-noise, noise-static (``b = 1``) and static-static (``a = b = 1``) words."""
    et = reciprocal_kernels().et
    scale = min(1.0, max(1e-3, 1.0 - g * (1.0 + eta)), 1.0 / tau_noise if tau_noise > 0 else 1.0)
    t, wt = _gauss_legendre(nodes, scale)
    w = np.tan(t)
    a = 1.0 + 1j * w
    jac = sigma2 / (1.0 + (tau_noise * w) ** 2) * wt / np.cos(t) ** 2 / (2 * math.pi)  # S_in dw/2pi

    def words(name: str, A: Any, B: Any) -> Any:
        return et[name](g, eta, A, np.conj(A), B, np.conj(B)) * np.ones(np.broadcast(A, B).shape)

    a0 = float(np.real(jac @ words("et_a0", a, a)))
    m2 = float(np.real(jac @ words("et_m2", a[:, None], a[None, :]) @ jac))
    if input_var > 0:
        one = np.ones(1)
        a0 += input_var * float(np.real(words("et_a0", one, one)[0]))
        m2 += 2 * input_var * float(np.real(jac @ words("et_m2", a, one)))
        m2 += input_var**2 * float(np.real(words("et_m2", one, one)[0]))
    return a0, m2


def _elliptic_equal_time(g: float, eta: float, sigma2: float, tau_noise: float, input_var: float,
                         nodes: int) -> tuple[float, float, float, dict, int]:
    """``(mean, N_var_cross, PR_over_N, errors, nodes)``, doubling the nodes until ``tr C^2`` agrees to ``RTOL``."""
    (a0, m2), (c0, c2), nodes = _converge(lambda n: _elliptic_moments(g, eta, sigma2, tau_noise, input_var, n), nodes)
    nvar, pr = _statistics(a0, m2)
    errors = {"mean_autocov_quadrature": abs(a0 - c0), "N_var_cross_quadrature": abs(nvar - (c2 - c0**2)),
              "PR_over_N_quadrature": abs(pr - c0**2 / c2)}
    return a0, nvar, pr, errors, nodes


def _statistics(mean_autocov: float, trace2: float) -> tuple[float, float]:
    """``(N_var_cross, PR_over_N)`` from ``(1/N) tr C`` and ``(1/N) tr C^2`` (PR identity, zero mean cross)."""
    return trace2 - mean_autocov**2, mean_autocov**2 / trace2


def solve_linear(
    g: float,
    sigma2: float,
    *,
    tau_noise: float = 0.0,
    input_var: float = 0.0,
    covariance: str = "equal-time",
    eta: float = 0.0,
    tau: float = 1.0,
    nodes: int = DEFAULT_NODES,
) -> DimensionResult:
    """Large-N covariance statistics of ``tau dx/dt = -x + J x + xi``, ``J_ij ~ N(0, g^2/N)``, ``corr(J_ij, J_ji) = eta``.

    ``sigma2`` is the white-noise intensity (OU noise of timescale ``tau_noise`` with the same
    zero-frequency intensity when ``tau_noise > 0``), ``input_var`` the variance of a static input REDRAWN in every
    trial: the covariance over trials gains ``input_var (1-J)^-1 (1-J)^-T`` (a quenched input, fixed for the network
    as the spec's ``input_std``, only shifts the means and is not passed here:
    :func:`~workbench.theories.dimension.problem.linear_params`).
    ``covariance``: ``"equal-time"`` (``int dw/2pi``) or ``"zero-frequency"`` (``w = 0``, closed form).
    ``eta != 0`` (reciprocal motifs, stable for ``g (1 + eta) < 1``): zero-frequency in closed form, equal-time
    from the elliptic Stein recursion's planar words, integrated (white or OU noise, static input). x and
    phi(x) = x agree; the mean cross-covariance is 0 at leading order. The derivation has
    ``tau = 1``; time in units of ``tau`` maps ``sigma2 -> sigma2/tau``, ``tau_noise -> tau_noise/tau``.
    """
    g, sigma2, tau_noise, input_var, tau = float(g), float(sigma2), float(tau_noise), float(input_var), float(tau)
    eta = float(eta)
    _check(g, sigma2, tau_noise, input_var, covariance, eta)
    if not (math.isfinite(tau) and tau > 0):
        raise SpecError("tau", f"must be > 0 and finite, got {tau}")
    start = time.perf_counter()
    k = kernels()
    cache_status = k.cache_info.status
    errors: dict[str, Any] = {}
    if covariance == "zero-frequency" and eta != 0.0:
        rk = reciprocal_kernels()
        mean, nvar, pr = (float(v) for v in rk.zf(g, eta, sigma2))
        cache_status = rk.cache_info.status
    elif covariance == "zero-frequency":
        mean, nvar, pr = (float(v) for v in k.freq(g, 0.0, sigma2, tau_noise))
    elif eta != 0.0:
        mean, nvar, pr, errors, nodes = _elliptic_equal_time(g, eta, sigma2 / tau, tau_noise / tau, input_var, nodes)
        cache_status = reciprocal_kernels().cache_info.status
    else:
        s2, tn = sigma2 / tau, tau_noise / tau
        mean = float(k.et_mean(g, s2, tn, input_var))
        trace2, coarse, nodes = _converged_trace(g, s2, tn, input_var, nodes)
        nvar, pr = _statistics(mean, trace2)
        errors = {"N_var_cross_quadrature": abs(trace2 - coarse), "PR_over_N_quadrature": abs(pr - mean**2 / coarse)}
    params = {"g": g, "sigma2": sigma2, "tau_noise": tau_noise, "input_var": input_var, "eta": float(eta), "tau": tau}
    extras = {"nodes": nodes if covariance == "equal-time" else 0, "elapsed_s": time.perf_counter() - start,
              "derivation_cache": cache_status}
    return DimensionResult(pr, pr, mean, nvar, mean, nvar, covariance=covariance, method="linear",
                           params=params, error_estimates=errors, extras=extras)


def frequency_resolved(g: float, sigma2: float, w: np.ndarray, *, tau_noise: float = 0.0) -> dict[str, np.ndarray]:
    """Statistics of the cross-spectrum ``C(w)``: ``mean_autocov``, ``N_var_cross``, ``PR_over_N`` per frequency."""
    _check(float(g), float(sigma2), float(tau_noise), 0.0, "zero-frequency", 0.0)
    w = np.asarray(w, dtype=float)
    mean, nvar, pr = kernels().freq(float(g), w, float(sigma2), float(tau_noise))
    shape = np.broadcast(w).shape
    return {"w": w, "mean_autocov": np.broadcast_to(mean, shape) * 1.0,
            "N_var_cross": np.broadcast_to(nvar, shape) * 1.0, "PR_over_N": np.broadcast_to(pr, shape) * 1.0}


def hs_support(g: float, sigma2: float = 1.0) -> tuple[float, float]:
    """Support ``(x_-, x_+)`` of the zero-frequency covariance eigenvalues (zeros of the cubic's discriminant)."""
    _check(float(g), float(sigma2), 0.0, 0.0, "zero-frequency", 0.0)
    if g == 0:
        return sigma2, sigma2
    coeffs = np.array([float(c) for c in kernels().hs_edges(float(g))])
    lam = np.roots(np.trim_zeros(coeffs, "b"))  # the discriminant is lambda * quadratic: drop the root at 0
    lam = np.sort(lam.real[(abs(lam.imag) < 1e-12) & (lam.real > 0)])
    if lam.size != 2:
        raise SpecError("g", f"the Hu-Sompolinsky support needs 0 < g < 1, got {g}")
    return sigma2 / lam[1], sigma2 / lam[0]


def hs_density(g: float, x: np.ndarray, sigma2: float = 1.0) -> np.ndarray:
    """Eigenvalue density ``p(x)`` of the zero-frequency covariance ``sigma2 (1-J)^{-1}(1-J)^{-T}``."""
    _check(float(g), float(sigma2), 0.0, 0.0, "zero-frequency", 0.0)
    x = np.atleast_1d(np.asarray(x, dtype=float)) / sigma2
    lam = 1.0 / x
    c3, c2, c1, c0 = (np.broadcast_to(np.asarray(c, dtype=float), x.shape) for c in kernels().hs_cubic(float(g), lam))
    companion = np.zeros(x.shape + (3, 3))
    companion[..., 0, :] = -np.stack([c2 / c3, c1 / c3, c0 / c3], axis=-1)
    companion[..., 1, 0] = 1.0
    companion[..., 2, 1] = 1.0
    m = np.linalg.eigvals(companion)
    rho_lam = np.max(np.abs(m.imag), axis=-1) / math.pi
    return rho_lam / x**2 / sigma2


def pr_curve(gs: np.ndarray, sigma2: float = 1.0, *, covariance: str = "equal-time", **kw: Any) -> np.ndarray:
    """PR/N at each g (figure data)."""
    return np.array([solve_linear(g, sigma2, covariance=covariance, **kw).PR_over_N_x for g in np.asarray(gs)])
