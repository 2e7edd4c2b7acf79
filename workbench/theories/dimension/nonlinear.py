"""Two-site cavity theory of the dimension of nonlinear random-network activity (issue 14, item 2).

For ``dx_i/dt = -x_i + sum_j J_ij phi(x_j) + I_i + xi_i`` (``Var J_ij = g^2/N``, ``tau = 1``), the
single-site DMFT (:mod:`workbench.theories.dmft`) gives each unit's stationary spectra and gain; the
two-site cavity (:mod:`derivations.dimension_cavity`, Clark, Abbott & Litwin-Kumar, PRL 131, 118401)
gives the O(1/sqrt N) cross-covariances::

    psi^phi(w1, w2) = N E[C^phi_ij(w1) conj C^phi_ij(w2)] = (M - 1) <C^phi(w1) C^phi(w2)>,
    psi^x(w1, w2)   = |U|^2 <C^phi(w1) C^phi(w2)> + 2 Re U <d^2> C^x(w1) C^x(w2),
    M = 1/|1 - a|^2,  a = g^2 <d^2> S(w1) conj S(w2),  U = g^2 S(w1) conj S(w2) / (1 - a),  S = 1/(1 + i w),

with ``d_k = <phi'(x_k)>`` and ``<.>`` the average over units (they differ only through a quenched
input). Definitions (notes ``dmft.md`` section 6.3), for the covariance ``C`` of x or phi(x):
``mean_autocov = mean_i C_ii``, ``mean_cross = mean_{i != j} C_ij = 0`` at this order and ``N_mean_cross`` its
O(1/N) value (see Means below; without a coupling mean it is 0 for a phi odd about its mean activity, simulated 0
within 0.0006 for tanh and logistic, and not derived otherwise: N mean_cross of phi is 0.024-0.027 for relu at
g = 0.8, sigma2 = 0.5, where the units' static means correlate with their couplings),
``N_var_cross = N var_{i != j} C_ij -> psi``, ``var_diag = var_i C_ii`` and, from the exact identity
``PR/N = a^2 / (a^2 + var_diag + (N - 1)(mean_cross^2 + var_cross))``,
``PR/N -> mean_autocov^2 / (mean_autocov^2 + var_diag + N_var_cross)``. ``var_diag`` is O(1) only for phi
under a quenched input (units have different phi variances; x fluctuations are the same for every unit),
else 0; it is reported in ``extras["var_diag_phi"]``.
``covariance="equal-time"``: ``C = int dw/2pi C(w)`` (so ``N_var_cross = int int dw1 dw2/(2 pi)^2 psi``);
``"zero-frequency"``: ``C = C(w = 0)`` (the long-window covariance; ``psi(0, 0)``, ``PR/N = (1 - g^2 <d^2>)^2``
for phi). Only the fluctuating part counts: a quenched input's static part is the time-average, not
a covariance.

Cases: white noise, OU noise (``tau_noise``), quenched static input, none (chaos, g > 1); any phi of the
workbench (a linear phi uses the exact Gaussian single-site spectra, ``g |phi'| < 1``).

Means. An input mean ``I`` and a coupling mean ``J0/N`` enter through the DMFT mean ``mu = I + J0 <phi>`` of the
unit classes. The rank-one part ``(J0/N) 1 1^T`` adds the same O(1/N) common mode to every ``C_ij`` (fluctuations
of the population mean, amplified by ``1/|1 - J0 <phi'> S(w)|``): ``mean_cross`` is O(1/N) instead of 0, and
``N_var_cross``, ``PR/N`` and ``mean_autocov`` are unchanged at leading order, provided the population mode is
stable, ``J0 <phi'> < 1`` (refused otherwise). In a symmetric state (phi odd about phi(0), DMFT mean 0: the gains do
not correlate with the couplings) ``N_mean_cross`` is the derived population mode
(:mod:`derivations.dimension_population`), integrated like the other statistics; otherwise NaN (not derived). A constant timescale ``tau``: in time units of tau the network
has ``tau = 1``, ``sigma2 / tau`` and ``tau_n / tau``; equal-time statistics are those, the zero-frequency
covariance (lag-integrated in the original time) is tau times the rescaled one (``mean_autocov * tau``,
``N_var_cross * tau^2``, ``PR/N`` unchanged).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.theories.dimension.result import COVARIANCES, DimensionResult, check_window

__all__ = ["UnitSpectra", "frequency_resolved_pairs", "instability_curve", "mixed_pair", "odd_about_phi0",
           "population_mean_cross", "psi_frequency", "psi_from_products", "regrid", "solve_nonlinear", "unit_spectra",
           "window_quadrature", "window_weight"]

W_MAX = 200.0
"""Largest |w| of the frequency grid (the integrands fall as |w|^-3 or faster)."""
LAG_STEP = 0.01
"""Lag step of the single-site curves before their Fourier transform."""


@dataclass
class UnitSpectra:
    """Single-site input of the pair statistics: spectra on a sinh-warped frequency grid.

    Attributes
    ----------
    g, d2 : float
        Coupling strength and the unit average of the squared local gain ``<phi'(x_k)>^2``.
    w, dw : ndarray
        Frequencies ``a sinh(u)`` and their quadrature weights ``a cosh(u) du / (2 pi)``.
    unit_weights : ndarray
        Weights of the unit classes (quenched-input nodes; one class without quenched input).
    C_phi : ndarray
        Centred phi spectrum of each unit class, shape (classes, frequencies).
    C_x : ndarray
        Fluctuation spectrum of x (the same for every unit).
    autocov_x : float
        Equal-time ``C_ii`` of x (the same for every unit; from the DMFT).
    autocov_phi_units : ndarray
        Equal-time ``C_ii`` of phi of each unit class.
    C_phi_at, C_x_at : callable
        The spectra at any frequencies (``C_phi_at`` per class).
    d_mean : float
        Unit average of the local gain ``<phi'(x_k)>`` (the population feedback of a coupling mean).
    symmetric : bool
        Whether the state is symmetric (a phi odd about phi(0) with DMFT mean 0, or a linear phi): the gains do
        not correlate with the couplings and the population mode is :mod:`derivations.dimension_population`'s.
    """

    g: float
    d2: float
    w: np.ndarray
    dw: np.ndarray
    unit_weights: np.ndarray
    C_phi: np.ndarray
    C_x: np.ndarray
    autocov_x: float
    autocov_phi_units: np.ndarray
    C_phi_at: Any
    C_x_at: Any
    info: dict[str, Any]
    d_mean: float = math.nan
    symmetric: bool = False


# ---------------------------------------------------------------------------------------------- refusals
def check_spec(spec: ModelSpec) -> None:
    """Refuse what the two-site cavity theory here does not cover (one-line SpecError)."""
    if len(spec.populations) != 1:
        raise SpecError("populations", f"the cavity dimension theory takes one population, got {len(spec.populations)}")
    pop = spec.populations[0]
    if spec.J_file is not None:
        raise SpecError("J_file", "the cavity theory averages over random couplings; a fixed J is not covered")
    if spec.eta[0][0] != 0.0:
        raise SpecError("eta", f"reciprocal motifs are derived for a linear network (--phi linear); the cavity theory of "
                        f"a nonlinear phi takes i.i.d. couplings: allowed eta = 0, got {spec.eta[0][0]:g}")
    if spec.p[0][0] != 1.0 or spec.low_rank:
        raise SpecError("coupling", "the cavity theory here takes dense i.i.d. couplings (p = 1, eta = 0, no low rank)")
    if pop.tau.kind != "constant" or pop.tau.value != 1.0:
        raise SpecError("populations[0].tau", "the cavity spectra take tau = 1 for every unit (solve_nonlinear "
                        "rescales time for a constant tau)")
    if spec.dynamics.kind != "flow":
        raise SpecError("dynamics.kind", f"the cavity theory here is for the flow, got {spec.dynamics.kind!r}")
    if spec.g[0][0] <= 0:
        raise SpecError("g", f"must be > 0, got {spec.g[0][0]}")


def unit_time(spec: ModelSpec) -> tuple[ModelSpec, float]:
    """``spec`` in time units of its constant timescale tau (``tau = 1``, ``sigma2 / tau``, ``tau_n / tau``) and tau.

    A heterogeneous timescale is refused (one-line SpecError)."""
    tau_law = spec.populations[0].tau
    if tau_law.kind != "constant":
        raise SpecError("populations[0].tau", f"must be constant for the dimension theory, got a {tau_law.kind} law")
    tau = float(tau_law.value)
    if not (math.isfinite(tau) and tau > 0):
        raise SpecError("populations[0].tau", f"must be > 0 and finite, got {tau}")
    if tau == 1.0:
        return spec, tau
    d = spec.to_dict()
    d["populations"][0]["tau"] = {"kind": "constant", "value": 1.0}
    if d["noise"]["kind"] != "none":
        d["noise"]["sigma2"] = float(spec.noise.sigma2) / tau
        if d["noise"]["kind"] == "ou":
            d["noise"]["tau"] = float(spec.noise.tau) / tau
    return ModelSpec.from_dict(d), tau


def _no_fluctuations(reason: str) -> SpecError:
    """The one-line error for a network without stationary fluctuations (zero covariance)."""
    return SpecError("sigma2", f"{reason}: the covariance is zero and PR/N undefined; give --sigma2 > 0")


# ---------------------------------------------------------------------------------------------- grids
def frequency_grid(width: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sinh-warped grid ``w = a sinh(u)`` on [-W_MAX, W_MAX] (odd ``n``) and its ``dw/2pi`` weights."""
    a = float(np.clip(width, 1e-5, 0.5))
    umax = np.arcsinh(W_MAX / a)
    u = np.linspace(-umax, umax, n)
    du = u[1] - u[0]
    q = a * np.cosh(u) * du / (2 * np.pi)
    q[[0, -1]] *= 0.5
    return a * np.sinh(u), q


def noise_spectrum(spec: ModelSpec, w: np.ndarray) -> np.ndarray:
    """``S_xi(w)``: ``sigma2`` (white), ``sigma2 / (1 + w^2 tau_n^2)`` (OU), 0 (none)."""
    nz = spec.noise
    if nz.kind == "white":
        return np.full_like(w, nz.sigma2, dtype=float)
    if nz.kind == "ou":
        return nz.sigma2 / (1.0 + (w * nz.tau) ** 2)
    return np.zeros_like(w, dtype=float)


def _cosine_transform(f: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """``2 int_0^T L(t) cos(w t) dt`` of the piecewise-linear interpolant ``L`` of ``f`` (rows) on a uniform grid."""
    n = f.shape[-1]
    P = 1 << int(np.ceil(np.log2(8 * n)))
    F = np.fft.rfft(f, n=P, axis=-1).real
    w = 2 * np.pi * np.fft.rfftfreq(P, h)
    trap = h * (2 * F - f[..., :1])
    return w, trap * np.sinc(w * h / (2 * np.pi)) ** 2


# ---------------------------------------------------------------------------------------------- single site
def _dmft_result(spec: ModelSpec) -> Any:
    """The stationary DMFT solution of ``spec`` (the solver is compiled once per structure and process,
    :func:`workbench.theories.dmft.problem.shared_solver`)."""
    from workbench.theories.dmft.problem import shared_solver

    return shared_solver(spec).solve(spec)


def _scalar(v: Any) -> float:
    """A float from a scalar or a one-population array."""
    return float(np.ravel(np.asarray(v, dtype=float))[0])


def _phi_functions(spec: ModelSpec, order: int = 1) -> tuple[Any, ...]:
    """NumPy ``phi`` and its derivatives up to ``order`` (gain included) from the spec's expression."""
    import sympy as sp

    from workbench.spec import X
    from workbench.symbolic.gaussian import concrete_phi

    f = concrete_phi(spec)
    return tuple(sp.lambdify(X, sp.diff(f, X, k), ["scipy", "numpy"]) for k in range(order + 1))


def _is_linear(spec: ModelSpec) -> bool:
    """Whether phi (gain included) is affine."""
    from workbench.symbolic.gaussian import concrete_phi

    return _affine(concrete_phi(spec))


@functools.lru_cache(maxsize=64)
def _affine(phi: Any) -> bool:
    """:func:`~workbench.symbolic.gaussian.is_affine`, cached by expression (SymPy simplify is slow)."""
    from workbench.symbolic.gaussian import is_affine

    return is_affine(phi)


def _linear_spectra(spec: ModelSpec, n_freq: int) -> UnitSpectra:
    """Exact Gaussian single-site spectra of a linear network: ``C^x = S_xi / (1 + w^2 - g^2 c^2)``."""
    import sympy as sp
    from scipy.integrate import quad

    from workbench.spec import X
    from workbench.symbolic.gaussian import concrete_phi
    from workbench.theories.dimension.problem import check_population_mode

    g = float(spec.g[0][0])
    c = float(sp.diff(concrete_phi(spec), X))
    geff2 = g * g * c * c
    if geff2 >= 1.0:
        raise SpecError("g", f"a linear network is unstable for g |phi'| >= 1 (got {np.sqrt(geff2):.6g}); use g < 1")
    check_population_mode(float(spec.J0[0][0]), c)
    if spec.noise.kind == "none" or spec.noise.sigma2 == 0.0:
        raise _no_fluctuations("a linear network without noise relaxes to its fixed point")

    def cx(w: np.ndarray) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        return noise_spectrum(spec, w) / (1.0 + w**2 - geff2)

    autocov = 2 * quad(lambda w: float(cx(np.array(w))), 0.0, np.inf, epsabs=0, epsrel=1e-12, limit=400)[0] / (2 * np.pi)
    w, q = frequency_grid(0.5 * (1 - geff2), n_freq)
    return UnitSpectra(
        g, c * c, w, q, np.ones(1), (c * c * cx(w))[None, :], cx(w), autocov, np.array([c * c * autocov]),
        lambda v: (c * c * cx(v))[None, :], cx, {"single_site": "exact linear (Gaussian) spectra"}, d_mean=c,
        symmetric=True,
    )


def _unit_classes(res: Any, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of the unit classes ``mu + sqrt(Delta_inf) z`` (Gauss-Hermite nodes) and their weights."""
    from workbench.symbolic.gaussian import gauss_hermite

    mu, dinf = _scalar(res.mu), max(_scalar(res.Delta_inf), 0.0)
    if dinf <= 1e-8 * _scalar(res.Delta0):  # the lag solver leaves ~1e-11 without input
        return np.array([mu]), np.ones(1)
    z, wz = gauss_hermite(n_units)
    return mu + np.sqrt(dinf) * z, wz


def phi_kinks(spec: ModelSpec) -> tuple[float, ...]:
    """Where phi (gain included) is not smooth: the kinks of a clip, relu or piecewise phi (empty if smooth)."""
    from workbench.solvers.kinked import expr_kinks
    from workbench.symbolic.gaussian import concrete_phi

    return expr_kinks(concrete_phi(spec))


def _gauss_mean(f: Any, m: float, v: float, n_quad: int, kinks: tuple[float, ...]) -> float:
    """``<f(m + d)>`` for Gaussian d of variance v: Gauss-Hermite, or split Gauss-Legendre across the kinks."""
    from workbench.solvers.kinked import kinked_mean
    from workbench.symbolic.gaussian import gauss_average_value

    return float(kinked_mean(f, m, v, kinks)) if kinks else gauss_average_value(f, m, v, n_quad)


def _unit_phi_covariance(
    phi: Any, m: float, v: float, c: np.ndarray, n_quad: int, n_cheb: int = 48, kinks: tuple[float, ...] = ()
) -> tuple[np.ndarray, float]:
    """``Cov(phi(m + d1), phi(m + d2))`` for Gaussian ``d`` of variance ``v``, covariance ``c`` (Chebyshev
    in c), and ``<phi(m + d)>``. A kinked phi (``kinks``) takes the kink-aware rules of
    :mod:`workbench.solvers.kinked` (nested Gauss-Hermite converges only algebraically across a kink:
    ``clip(x, -1, 1)``: <phi^2> 1 % off with 101 points)."""
    from workbench.solvers.kinked import chebyshev_in_covariance, kinked_pair
    from workbench.symbolic.gaussian import gauss_kernel_values

    mean = _gauss_mean(phi, m, v, n_quad, kinks)
    if kinks:
        return kinked_pair(phi, m, v, c, kinks, n_cheb) - mean**2, mean
    return chebyshev_in_covariance(lambda nodes: gauss_kernel_values(phi, None, m, v, nodes, n_quad) - mean**2,
                                   v, c, n_cheb), mean


def _dmft_spectra(spec: ModelSpec, n_freq: int, n_units: int, n_quad: int, dmft: Any = None) -> UnitSpectra:
    """Unit spectra from the stationary DMFT: per unit class, the centred phi spectrum and gain."""
    from scipy.interpolate import CubicSpline


    res = dmft if dmft is not None else _dmft_result(spec)
    g = float(spec.g[0][0])
    D0, dinf = _scalar(res.Delta0), max(_scalar(res.Delta_inf), 0.0)
    v = D0 - dinf
    if v <= 1e-12 * max(D0, 1.0):
        raise _no_fluctuations(f"the DMFT state is static (regime {res.regime!r}, g = {g})")
    J0, d_mean = float(spec.J0[0][0]), _scalar(res.mean_phi_prime)
    if J0 * d_mean >= 1.0:
        bound = f"J0 < 1/<phi'> = {1 / d_mean:.4g}" if d_mean > 0 else f"J0 > 1/<phi'> = {1 / d_mean:.4g} (<phi'> < 0)"
        raise SpecError("J0", f"the population mode is unstable in this DMFT state (J0 <phi'> = {J0 * d_mean:.4g} >= 1); "
                        f"allowed: {bound}")
    phi, dphi = _phi_functions(spec)
    kappa = getattr(res, "kappa", None)
    T = float(res.tau[-1]) if getattr(res, "tau", np.zeros(0)).size else 100.0
    if kappa:
        T = max(T, 40.0 / float(kappa))
    lags = np.arange(0.0, T + LAG_STEP / 2, LAG_STEP)
    c = res.Delta_at(lags) - dinf
    means, wz = _unit_classes(res, n_units)
    kinks = phi_kinks(spec)
    per_unit = [_unit_phi_covariance(phi, m, v, c, n_quad, kinks=kinks) for m in means]
    Cphi_tau = np.array([cov for cov, _ in per_unit])
    unit_means = np.array([mean for _, mean in per_unit])
    if means.size == 1:
        d2 = _scalar(res.mean_phi_prime) ** 2
    else:
        d2 = float(wz @ np.array([_gauss_mean(dphi, m, v, n_quad, kinks) ** 2 for m in means]))
    wu, Cu = _cosine_transform(Cphi_tau, LAG_STEP)
    keep = wu <= 1.2 * W_MAX
    splines = [CubicSpline(wu[keep], row[keep]) for row in Cu]

    def cphi_at(w: np.ndarray) -> np.ndarray:
        aw = np.abs(np.asarray(w, dtype=float))
        return np.array([s(aw) for s in splines])

    def cx_at(w: np.ndarray) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        return (g * g * (wz @ cphi_at(w)) + noise_spectrum(spec, w)) / (1.0 + w**2)

    w, q = frequency_grid(0.5 * (1 - g * g * d2), n_freq)
    autocov_phi = float(wz @ Cphi_tau[:, 0])
    info = {
        "single_site": f"DMFT ({res.info.get('method', '')})",
        "regime": res.regime,
        "lag_max": T,
        "unit_classes": int(means.size),
        "tail_rel": float(np.max(np.abs(Cphi_tau[:, -1])) / max(autocov_phi, 1e-300)),
        "C_phi0_dmft_minus_quadrature": float(_scalar(res.C_phi0) - wz @ unit_means**2 - autocov_phi),
        # <phi'(x)^2> over time and units: the white-noise cusp of phi's autocovariance is sigma2 times this
        "mean_sq_gain": float(wz @ np.array([_gauss_mean(lambda x: dphi(x) ** 2, m, v, n_quad, kinks)
                                              for m in means])),
    }
    symmetric = odd_about_phi0(spec) and abs(_scalar(res.mu)) <= 1e-8 * max(math.sqrt(D0), 1.0)
    return UnitSpectra(g, d2, w, q, wz, cphi_at(w), cx_at(w), v, Cphi_tau[:, 0], cphi_at, cx_at, info,
                       d_mean=d_mean, symmetric=symmetric)


def odd_about_phi0(spec: ModelSpec) -> bool:
    """Whether ``phi(x) - phi(0)`` is odd (tanh, erf, logistic, clips; not relu or softplus)."""
    from workbench.spec.nonlinearity import X
    from workbench.symbolic.parity import has_parity

    expr = spec.phi.expr
    return has_parity(expr - expr.subs(X, 0), X, odd=True)


def unit_spectra(spec: ModelSpec, *, n_freq: int = 801, n_units: int = 41, n_quad: int = 101, dmft: Any = None) -> UnitSpectra:
    """The single-site spectra and gains that the pair statistics need (exact for a linear phi, else DMFT)."""
    check_spec(spec)
    if n_freq < 11 or n_freq % 2 == 0:
        raise SpecError("n_freq", f"must be an odd number >= 11, got {n_freq}")
    if _is_linear(spec):
        return _linear_spectra(spec, n_freq)
    return _dmft_spectra(spec, n_freq, n_units, n_quad, dmft)


def regrid(sp_: UnitSpectra, n_freq: int) -> UnitSpectra:
    """The same spectra on a sinh grid of ``n_freq`` points (the quadrature error estimate)."""
    from dataclasses import replace

    w, q = frequency_grid(0.5 * (1 - sp_.g * sp_.g * sp_.d2), n_freq)
    return replace(sp_, w=w, dw=q, C_phi=sp_.C_phi_at(w), C_x=sp_.C_x_at(w))


# ---------------------------------------------------------------------------------------------- pair statistics
def _kernel_matrices(g: float, d2: float, w1: np.ndarray, w2: np.ndarray) -> dict[str, np.ndarray]:
    """The derived ``M - 1``, ``|U|^2``, ``2 Re U`` on the outer grid ``w1 x w2``."""
    from derivations.dimension_cavity import kernels

    W1, W2 = np.meshgrid(w1, w2, indexing="ij")
    return {k: np.real(f(W1, W2, g, d2)) * np.ones_like(W1) for k, f in kernels().items()}


def psi_from_products(K: dict[str, np.ndarray], cc: np.ndarray, xx: np.ndarray) -> dict[str, np.ndarray]:
    """``psi^phi`` and ``psi^x`` from the derived kernels ``K`` (``M_minus_1``, ``x_wedge``, ``x_chain``) and the
    spectral products ``cc = <C^phi(w1) C^phi(w2)>`` (over the unit classes) and ``xx = <d^2> C^x(w1) C^x(w2)`` at the
    same frequency pairs."""
    return {"psi_phi": K["M_minus_1"] * cc, "psi_x": K["x_wedge"] * cc + K["x_chain"] * xx}


def psi_frequency(sp_: UnitSpectra, w1: np.ndarray, w2: np.ndarray) -> dict[str, np.ndarray]:
    """Frequency-resolved ``psi^phi(w1, w2)`` and ``psi^x(w1, w2)`` on the outer grid (figure data)."""
    w1, w2 = np.atleast_1d(np.asarray(w1, float)), np.atleast_1d(np.asarray(w2, float))
    K = _kernel_matrices(sp_.g, sp_.d2, w1, w2)
    c1, c2 = sp_.C_phi_at(w1), sp_.C_phi_at(w2)
    cc = np.einsum("k,ki,kj->ij", sp_.unit_weights, c1, c2)
    xx = sp_.d2 * np.outer(sp_.C_x_at(w1), sp_.C_x_at(w2))
    return psi_from_products(K, cc, xx)


def frequency_resolved_pairs(spec: ModelSpec, w: np.ndarray) -> dict[str, np.ndarray]:
    """Frequency-resolved statistics at the frequencies ``w`` (original time units): ``psi_x``, ``psi_phi`` (matrices
    over ``w x w``, :func:`psi_frequency`), the mean autospectra ``mean_autospectrum_x``/``_phi`` and, per frequency,
    ``PR_over_N_x``/``_phi`` of the cross-spectral matrix S(w), ``a(w)^2 / (a(w)^2 + psi(w, w))`` (the PR identity
    at large N). A constant tau rescales time: ``S(w) = tau S'(w tau)`` of the unit-time network."""
    unit, tau = unit_time(spec)
    w = np.atleast_1d(np.asarray(w, dtype=float))
    sp_ = unit_spectra(unit)
    wu = w * tau
    psi = {k: tau * tau * v for k, v in psi_frequency(sp_, wu, wu).items()}
    auto = {"x": tau * np.asarray(sp_.C_x_at(wu), dtype=float),
            "phi": tau * np.asarray(sp_.unit_weights @ sp_.C_phi_at(wu), dtype=float)}
    out: dict[str, np.ndarray] = {"w": w}
    for which in ("x", "phi"):
        diag = np.diag(psi[f"psi_{which}"])
        out[f"psi_{which}"] = psi[f"psi_{which}"]
        out[f"mean_autospectrum_{which}"] = auto[which]
        out[f"PR_over_N_{which}"] = auto[which] ** 2 / (auto[which] ** 2 + diag)
    return out


def _equal_time_psi(sp_: UnitSpectra) -> tuple[float, float]:
    """``int int dw1 dw2 / (2 pi)^2 psi`` for phi and x on the sinh grid."""
    K = _kernel_matrices(sp_.g, sp_.d2, sp_.w, sp_.w)
    P = sp_.C_phi * sp_.dw
    Y = sp_.C_x * sp_.dw
    pp = float(sp_.unit_weights @ np.einsum("ki,ij,kj->k", P, K["M_minus_1"], P))
    px = float(sp_.unit_weights @ np.einsum("ki,ij,kj->k", P, K["x_wedge"], P)) + sp_.d2 * float(Y @ K["x_chain"] @ Y)
    return pp, px


def mixed_pair(spec: ModelSpec) -> dict[str, float]:
    """``N <C_ij S_ij>`` over pairs i != j of the equal-time covariance C and the zero-frequency one S (original time
    units): ``int dw / 2pi psi(w, 0)`` for x and phi, the two-site cavity's pair function at one zero frequency (what
    an estimated mean couples in the equal-time estimate, :func:`~workbench.theories.dimension.checks.centring_bias`).
    A constant tau scales it by tau."""
    unit, tau = unit_time(spec)
    sp_ = unit_spectra(unit)
    zero = np.zeros(1)
    K = _kernel_matrices(sp_.g, sp_.d2, sp_.w, zero)
    P, P0 = sp_.C_phi * sp_.dw, sp_.C_phi_at(zero)
    pp = float(sp_.unit_weights @ np.einsum("ki,ij,kj->k", P, K["M_minus_1"], P0))
    px = float(sp_.unit_weights @ np.einsum("ki,ij,kj->k", P, K["x_wedge"], P0))
    px += sp_.d2 * float((sp_.C_x * sp_.dw) @ K["x_chain"] @ sp_.C_x_at(zero))
    return {"x": tau * px, "phi": tau * pp}


def window_weight(w: np.ndarray, window: float, richardson: bool = True) -> np.ndarray:
    """Fourier weight of the finite-window zero-frequency estimator
    (:func:`~workbench.sim.estimators.cross_block_dimension`): ``window * Cov(window means)`` has expectation
    ``int dw/2pi F_W(w) C(w)`` with the Fejer kernel ``F_W = 4 sin^2(w W / 2) / (W w^2)`` (``F_W(0) = W``); the
    Richardson pair ``2 C(2 W) - C(W)`` has ``2 F_2W - F_W``. Both tend to ``2 pi delta(w)`` as W grows."""
    w = np.asarray(w, dtype=float)

    def fejer(W: float) -> np.ndarray:
        return W * np.sinc(w * W / (2 * np.pi)) ** 2

    return 2 * fejer(2 * window) - fejer(window) if richardson else fejer(window)


def window_quadrature(width: float, window: float, richardson: bool = True, per_period: int = 8
                      ) -> tuple[np.ndarray, np.ndarray, float]:
    """Nodes ``w`` and weights ``q`` (``dw/2pi`` times :func:`window_weight`) of the window-weighted integral of a
    smooth function of spectral ``width``, and the cut ``8 pi / W`` (capped at ``W_MAX``): inside ``|w| <= cut`` (a
    node of both oscillations) a sinh grid of that width with at least ``per_period`` points in each period
    ``pi / W`` of ``sin^2(w W)`` (uniform in its variable, so the trapezoid rule stays spectrally accurate); beyond
    the cut the oscillation is averaged, ``sin^2 -> 1/2``, which the Richardson pair cancels and which leaves
    ``2 / (W w^2)`` to the caller otherwise. The Richardson pair's oscillating tail
    ``2 (cos wW - cos 2wW) / (W w^2)`` beyond the cut is added to the two end nodes by its asymptotic integral
    ``int_x^inf (cos u - cos 2u) du / u^2`` (``x = cut W``; by parts, to ``x^-3``), ``1.5 / x^3`` at ``x = 8 pi``:
    without it the weights integrate a function flat near zero frequency ``6e-5`` low."""
    a = float(np.clip(width, 1e-5, 0.5))
    cut = min(8 * np.pi / window, W_MAX)
    umax = float(np.arcsinh(cut / a))
    n = 2 * int(np.ceil(umax * per_period * window * np.hypot(a, cut) / np.pi)) + 1
    u = np.linspace(-umax, umax, n)
    w = a * np.sinh(u)
    q = a * np.cosh(u) * (u[1] - u[0]) / (2 * np.pi)
    q[[0, -1]] *= 0.5
    q = q * window_weight(w, window, richardson)
    if richardson:
        x = cut * window
        q[[0, -1]] += (-np.sin(x) / x**2 + np.sin(2 * x) / (2 * x**2) + 2 * np.cos(x) / x**3
                       - np.cos(2 * x) / (2 * x**3)) / np.pi
    return w, q, cut


def _windowed(sp_: UnitSpectra, window: float, richardson: bool, per_period: int = 8) -> UnitSpectra:
    """The spectra on the grid of :func:`window_quadrature` (width ``(1 - g^2 <phi'^2>)/2``); without Richardson
    the averaged tail ``2 / (W w^2)`` on the spectra's own grid beyond the cut."""
    from dataclasses import replace

    w, q, cut = window_quadrature(0.5 * (1 - sp_.g * sp_.g * sp_.d2), window, richardson, per_period)
    if not richardson:
        outer = np.abs(sp_.w) > cut
        w, q = np.concatenate([w, sp_.w[outer]]), np.concatenate([q, sp_.dw[outer] * 2 / (window * sp_.w[outer] ** 2)])
    return replace(sp_, w=w, dw=q, C_phi=sp_.C_phi_at(w), C_x=sp_.C_x_at(w))


def _statistics(sp_: UnitSpectra, covariance: str, window: float | None = None, richardson: bool = True,
                per_period: int = 8) -> dict[str, float]:
    """mean_autocov, N_var_cross and PR/N of x and phi for one covariance kind (zero frequency: at w = 0, or the
    expectation of the estimator with a finite ``window``)."""
    wz = sp_.unit_weights
    if covariance == "equal-time":
        a_x, unit_phi = sp_.autocov_x, sp_.autocov_phi_units
        psi_phi, psi_x = _equal_time_psi(sp_)
    elif window is not None:
        sw = _windowed(sp_, window, richardson, per_period)
        a_x, unit_phi = float(sw.dw @ sw.C_x), sw.C_phi @ sw.dw
        psi_phi, psi_x = _equal_time_psi(sw)
    else:
        zero = np.zeros(1)
        unit_phi = sp_.C_phi_at(zero)[:, 0]
        a_x = float(sp_.C_x_at(zero)[0])
        ps = psi_frequency(sp_, zero, zero)
        psi_phi, psi_x = float(ps["psi_phi"][0, 0]), float(ps["psi_x"][0, 0])
    a_phi = float(wz @ unit_phi)
    var_diag_phi = max(float(wz @ unit_phi**2) - a_phi**2, 0.0)
    return {
        "mean_autocov_x": a_x,
        "N_var_cross_x": psi_x,
        "PR_over_N_x": a_x**2 / (a_x**2 + psi_x),
        "mean_autocov_phi": a_phi,
        "N_var_cross_phi": psi_phi,
        "PR_over_N_phi": a_phi**2 / (a_phi**2 + var_diag_phi + psi_phi),
        "var_diag_phi": var_diag_phi,
    }


def _mean_cross(sp_: UnitSpectra, covariance: str, J0: float, window: float | None = None,
                richardson: bool = True, spec: ModelSpec | None = None, dmft: Any = None) -> dict[str, float]:
    """``N mean_{i != j} C_ij`` of x and phi at leading order: the population mode of the coupling mean
    (:mod:`derivations.dimension_population`), integrated like the other statistics (equal time: over w; zero
    frequency: at w = 0 or with the estimator's window weight); 0 without a coupling mean. A state that is not
    symmetric (relu, or a mean input or activity with phi not odd about it): x's is 0 without a coupling mean (the
    population mean of x is driven through the couplings' column sums, which do not correlate with the gains), the
    rest from :mod:`.population_asymmetric` given the ``spec`` (and its solved ``dmft``), else NaN; it adds the
    keys ``N_mean_cross_phi_se`` (path averages) and ``N_mean_cross_phi_le`` (the linear-equivalent part)."""
    if covariance == "equal-time" or window is not None:
        grid = sp_ if window is None else _windowed(sp_, window, richardson)
        w, dw, a, a_phi = grid.w, grid.dw, grid.C_x, grid.unit_weights @ grid.C_phi
    else:
        w, dw = np.zeros(1), np.ones(1)
        a, a_phi = sp_.C_x_at(w), sp_.unit_weights @ sp_.C_phi_at(w)
    if not sp_.symmetric:
        if spec is None:
            return {"N_mean_cross_x": 0.0 if J0 == 0.0 else math.nan, "N_mean_cross_phi": math.nan}
        from .population_asymmetric import asymmetric_mean_cross

        return asymmetric_mean_cross(spec, sp_, dmft if dmft is not None else _dmft_result(spec), w, dw)
    if J0 == 0.0:
        return {"N_mean_cross_x": 0.0, "N_mean_cross_phi": 0.0}
    from derivations.dimension_population import kernels

    return {f"N_mean_cross_{which}": float(dw @ np.broadcast_to(kernels()[f"N_mean_cross_{which}"](
        w, J0, sp_.d_mean, sp_.d2, a, a_phi), w.shape)) for which in ("x", "phi")}


def population_mean_cross(spec: ModelSpec, covariance: str = "equal-time", window: float | None = None) -> dict[str, float]:
    """``N_mean_cross_x`` and ``N_mean_cross_phi`` of ``spec`` (original time units, see :func:`_mean_cross`); the
    linear solver's (its exact single-site spectra), the cavity solver computes them with its own spectra."""
    J0 = float(spec.J0[0][0])
    if J0 == 0.0:
        return {"N_mean_cross_x": 0.0, "N_mean_cross_phi": 0.0}
    unit, tau = unit_time(spec)
    k = tau if covariance == "zero-frequency" else 1.0
    out = _mean_cross(unit_spectra(unit), covariance, J0, None if window is None else window / tau)
    return {key: k * v for key, v in out.items()}


def _params(spec: ModelSpec) -> dict[str, Any]:
    """The model parameters a result records."""
    pop = spec.populations[0]
    return {
        "phi": spec.phi.label(),
        "g": float(spec.g[0][0]),
        "sigma2": float(spec.noise.sigma2) if spec.noise.kind != "none" else 0.0,
        "noise": spec.noise.kind,
        "tau_noise": float(spec.noise.tau) if spec.noise.kind == "ou" else 0.0,
        "input_var": float(pop.input_std) ** 2,
        "input_mean": float(pop.input_mean),
        "J0": float(spec.J0[0][0]),
        "tau": float(pop.tau.value) if pop.tau.kind == "constant" else float("nan"),
    }


def solve_nonlinear(
    spec: ModelSpec,
    *,
    covariance: str = "equal-time",
    n_freq: int = 801,
    n_units: int = 41,
    n_quad: int = 101,
    dmft: Any = None,
    window: float | None = None,
    richardson: bool = True,
) -> DimensionResult:
    """Two-site cavity statistics of the covariance of x and phi(x) of ``spec`` (see the module docstring).

    ``n_freq``: points of the sinh frequency grid per axis (the error estimate reruns with about half);
    ``n_units``: Gauss-Hermite classes of units under a quenched input; ``n_quad``: Gauss-Hermite order
    of the single-site averages; ``dmft``: a solved DMFT result of ``spec`` to reuse (``tau = 1`` only; a constant
    tau solves the unit-time network). ``window`` (zero frequency
    only): instead of ``C(w = 0)``, what the finite-window estimator measures on average, ``int dw/2pi
    F(w) C(w)`` with the weight :func:`window_weight` (``richardson``: of the pair ``window``, ``2 window``, as
    :func:`~workbench.sim.estimators.cross_block_dimension` by default); near the edge of chaos the slow
    collective modes make this far from the w = 0 value (the window bias to subtract from a prediction).
    """
    if covariance not in COVARIANCES:
        raise SpecError("covariance", f"one of {', '.join(COVARIANCES)}, got {covariance!r}")
    check_window(window, covariance)
    unit, tau = unit_time(spec)
    if tau != 1.0:
        from dataclasses import replace

        res = solve_nonlinear(unit, covariance=covariance, n_freq=n_freq, n_units=n_units, n_quad=n_quad,
                              window=None if window is None else window / tau, richardson=richardson)
        k = tau if covariance == "zero-frequency" else 1.0  # lag integrals in the original time
        return replace(res, params=_params(spec), mean_autocov_x=k * res.mean_autocov_x,
                       mean_autocov_phi=k * res.mean_autocov_phi, N_mean_cross_x=k * res.N_mean_cross_x,
                       N_mean_cross_phi=k * res.N_mean_cross_phi, N_var_cross_x=k * k * res.N_var_cross_x,
                       N_var_cross_phi=k * k * res.N_var_cross_phi,
                       error_estimates={key: v * (k * k if key.startswith("N_var_cross") else
                                                  1.0 if key.startswith("PR") else k)
                                        for key, v in res.error_estimates.items()},
                       extras={**res.extras, "var_diag_phi": k * k * res.extras["var_diag_phi"], "time_unit": tau,
                               **{key: k * res.extras[key] for key in ("N_mean_cross_phi_linear_equivalent",)
                                  if key in res.extras},
                               **({"window": float(window)} if window is not None else {})})
    spectra = unit_spectra(spec, n_freq=n_freq, n_units=n_units, n_quad=n_quad, dmft=dmft)
    stats = _statistics(spectra, covariance, window, richardson)
    var_diag_phi = stats.pop("var_diag_phi")
    mean_cross = _mean_cross(spectra, covariance, float(spec.J0[0][0]), window, richardson, spec=spec, dmft=dmft)
    cross_se = mean_cross.pop("N_mean_cross_phi_se", None)
    cross_le = mean_cross.pop("N_mean_cross_phi_le", None)
    mean_cross.pop("N_mean_cross_x_le", None)
    channel = {k: mean_cross.pop(k) for k in ("gain_coupling_beta", "gain_coupling_gamma") if k in mean_cross}
    errors: dict[str, Any] = {}
    if covariance == "equal-time" or window is not None:  # a coarser grid: half the sinh points or the window's
        rough = (_statistics(regrid(spectra, (n_freq // 4) * 2 + 1), covariance) if window is None
                 else _statistics(spectra, covariance, window, richardson, per_period=5))
        errors = {k: abs(stats[k] - rough[k]) for k in stats if k != "var_diag_phi"}
    if cross_se is not None:
        errors["N_mean_cross_phi"] = cross_se
    extras = {
        **({"N_mean_cross_phi_linear_equivalent": cross_le} if cross_le is not None else {}),
        **channel,
        **({"window": float(window), "richardson": bool(richardson)} if window is not None else {}),
        "var_diag_x": 0.0,
        "var_diag_phi": var_diag_phi,
        "d2": spectra.d2,
        "g_eff": float(spectra.g * np.sqrt(spectra.d2)),
        "n_freq": n_freq,
        **spectra.info,
    }
    return DimensionResult(
        **stats, **mean_cross, covariance=covariance, method="cavity", params=_params(spec), error_estimates=errors,
        extras=extras,
    )


# ---------------------------------------------------------------------------------------------- figure data
def instability_curve(
    g_values: np.ndarray, *, sigma2: float = 1.0, phi: str = "tanh", covariance: str = "equal-time", n_freq: int = 401
) -> dict[str, np.ndarray]:
    """PR/N vs g of the linear network (diverging at g -> 1, NaN beyond) and of a noisy nonlinear one.

    Returns ``g``, ``PR_linear`` and ``PR_nonlinear`` (of x; the linear one is the same for phi),
    ``PR_nonlinear_phi`` and ``g_eff`` of the nonlinear network.
    """
    g_values = np.asarray(g_values, dtype=float)
    out = {k: np.full(g_values.shape, np.nan) for k in ("PR_linear", "PR_nonlinear", "PR_nonlinear_phi", "g_eff")}
    for k, g in enumerate(g_values):
        if g < 1.0:
            out["PR_linear"][k] = _curve_point("linear", float(g), float(sigma2), covariance, n_freq)[0]
        pr_x, pr_phi, g_eff = _curve_point(phi, float(g), float(sigma2), covariance, n_freq)
        out["PR_nonlinear"][k], out["PR_nonlinear_phi"][k], out["g_eff"][k] = pr_x, pr_phi, g_eff
    return {"g": g_values, **out}


@functools.lru_cache(maxsize=512)
def _curve_point(phi: str, g: float, sigma2: float, covariance: str, n_freq: int) -> tuple[float, float, float]:
    """``(PR^x/N, PR^phi/N, g_eff)`` of one point of :func:`instability_curve` (memoised: a report draws the same
    curve twice; every argument is a plain value that fixes the result)."""
    res = solve_nonlinear(ModelSpec.simple(g=g, phi=phi, sigma2=sigma2), covariance=covariance, n_freq=n_freq)
    return float(res.PR_over_N_x), float(res.PR_over_N_phi), float(res.extras.get("g_eff", np.nan))
