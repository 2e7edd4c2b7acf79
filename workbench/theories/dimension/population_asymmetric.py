"""The O(1/N) mean cross-covariance of an asymmetric state: gains correlated with the couplings (relu, softplus,
logistic, an input mean, a symmetry-broken state).

Where phi is not odd about the mean activity, the units' static means ``mu_i = sum_k G_ik pbar_k`` correlate with the
couplings, and so do their gains. Writing ``G = G_perp + mu pbar^T / (N q)`` (``q = <pbar^2>``; ``G_perp`` is
independent of the means, hence of the gains) turns that correlation into one more rank-one channel: every unit
receives ``mu_i P / q`` with the rate-weighted population ``P = (1/N) sum_k pbar_k dphi_k``. The closure of the
population means is derived in :func:`derivations.dimension_population.asymmetric_algebra` (coefficients ``beta =
g^2 <phi''>``, ``gamma = g^2 <(pbar d)'>``); this module supplies the N-covariance ``K(w)`` of its five sources,
per frequency:

- linear-equivalent (LE) part: x-driven sources of weights ``1, d, pbar d`` (``<f h> a``) and residual sources of
  weights ``1, pbar`` (``<f h Sigma_r>``, ``Sigma_r = C^phi - d^2 C^x`` per unit class);
- beyond the LE, the pair covariances of phi that have a non-zero mean over pairs (all vanish in a symmetric state,
  ``<phi''> = 0``), spectra of lag functions, with weights ``w_a, w_b`` in ``1, pbar`` (``e = <phi''>`` per class):
  * Mehler, the Gaussian ``c_ij^2`` term: ``(1/2) <w_a e><w_b e> int dw'/2pi psi^x(w', w' - w)``;
  * the shared inputs' fourth cumulant: ``(1/4) g^4 <w_a e><w_b e> <K4>``, ``K4(tau) = Cov(z^2(t), z^2(t + tau)) -
    2 C_z(tau)^2`` of one unit's filtered rate ``z = S * dphi``;
  * their third cumulant with the gain-coupling correlation (Stein: ``E[f(mu_i) G_ik] = (g^2/N) pbar_k <f'>``):
    ``(1/2) g^4 <pbar k3>(tau) [<(w_a d)'><w_b e> + ...]``, ``k3(tau) = <z(t) z^2(t + tau)>``;
  * direct links, a unit's quadratic response ``(1/2) phi''_i G_ij^2 z_j^2`` to one input, correlated with that
    input's own rate: ``(g^2/2) [<w_a e><w_b T>(tau) + ...]``, ``T(tau) = <z^2(t) dphi(t + tau)>``.

They enter as residual sources, so they pass through the P channel like the LE's residuals. The lag functions are
seeded Gaussian-path averages (:class:`~workbench.theories.dimension.unit_perturbations.GaussianPaths`, the seed is
fixed: the result is a function of the spec); their batch spread gives the error estimate. ``N mean_cross = N<|.|^2>
- a`` (x, phi). What is left out: the class dependence of ``c_ij^2`` in the Mehler term and the O(1/N^2) rest.

Measured (2026-11-29, ``benchmarks/check_dimension_cli.py``: N = 500, 16 networks x 2 trials, T = 1000, dt = 0.025,
seeds 7 + i), simulated against derived N mean_cross of phi: relu g = 0.8, sigma2 = 0.5: 0.0236 +- 0.0016 against
0.0263 (0.027 +- 0.002 at N = 1000; the LE part alone 0.0147; zero frequency, window 12.5: 0.096 +- 0.014 against
0.114); relu g = 1, sigma2 = 0.3, OU tau_n = 1: 0.0379 +- 0.0027 against 0.0375; relu with input variance 0.3:
0.052 +- 0.004 against 0.050; softplus g = 1.2, sigma2 = 0.4: 0.158 +- 0.026 against 0.118; softplus tau = 0.5:
0.0179 +- 0.0014 against 0.0179; tanh g = 1, sigma2 = 0.3, input mean 0.5: -0.0071 +- 0.0014 against -0.0078;
tanh g = 1.2, sigma2 = 1, J0 = 2 (symmetry broken): x 2.11 +- 0.13, phi 0.306 +- 0.029 against 1.97, 0.266. The
largest deviation: relu with J0 = -0.5, phi -0.0032 +- 0.0006 against -0.0013 (3.2 SE; the LE part -0.0077 and the
pair terms +0.0063 nearly cancel there; x -0.0509 +- 0.0016 against -0.0494), a finite-size effect: at N = 1000
(8 networks) phi -0.0014 +- 0.0007, x -0.0495 +- 0.0028; relu without J0 there 0.0274 +- 0.0015. The per-network linear equivalent of
sampled networks (their own static means) checks the LE part (tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.spec import ModelSpec

PATH_CLASSES = 9
"""Gauss-Hermite classes of the unit means for the path averages (smooth in the mean)."""
PATH_BATCHES = 6
"""Independent path batches (the error estimate is their spread)."""
PATH_LOG2 = 17
"""Points per path, ``2^PATH_LOG2`` on the step :data:`PATH_STEP` / 2."""
PATH_STEP = 0.05
"""Lag step of the path averages (time in units of tau)."""
PATH_SEED = 20261129
"""Seed of the path averages."""


@dataclass(frozen=True)
class Classes:
    """Unit classes of a DMFT state: weights and, per class, the mean input, mean rate, gain and curvature."""

    means: np.ndarray
    weights: np.ndarray
    v: float
    pbar: np.ndarray
    d: np.ndarray
    e: np.ndarray

    def avg(self, f: np.ndarray) -> Any:
        """The class average of ``f`` (first axis: classes)."""
        return np.tensordot(self.weights, f, axes=(0, 0))


def unit_classes(spec: ModelSpec, res: Any, n_classes: int, n_quad: int = 101) -> Classes:
    """The ``n_classes`` Gauss-Hermite classes of ``res`` (as :func:`.nonlinear.unit_spectra`'s) with ``pbar =
    <phi>``, ``d = <phi'>`` and ``e = <phi''>`` (Stein: ``<phi' (x - m)> / v``, so a kinked phi works)."""
    from .nonlinear import _gauss_mean, _phi_functions, _scalar, _unit_classes, phi_kinks

    f, df = _phi_functions(spec)
    kinks = phi_kinks(spec)
    v = _scalar(res.Delta0) - max(_scalar(res.Delta_inf), 0.0)
    means, wz = _unit_classes(res, n_classes)
    pbar = np.array([_gauss_mean(f, m, v, n_quad, kinks) for m in means])
    d = np.array([_gauss_mean(df, m, v, n_quad, kinks) for m in means])
    e = np.array([_gauss_mean(lambda x, m=m: df(x) * (x - m), m, v, n_quad, kinks) for m in means]) / v
    return Classes(means, wz, v, pbar, d, e)


def _lag_functions(spec: ModelSpec, res: Any, cl: Classes, lag_max: float) -> dict[str, np.ndarray]:
    """Per class and batch the lag functions ``T``, ``k3`` and ``K4`` (module docstring) on the shifts
    ``-lag_max .. lag_max`` (step :data:`PATH_STEP` / 2); key ``tau`` holds the shifts."""
    from .nonlinear import _phi_functions
    from .unit_perturbations import GaussianPaths

    f = _phi_functions(spec)[0]
    dinf = max(float(np.ravel(res.Delta_inf)[0]), 0.0)
    paths = GaussianPaths(lambda s: res.Delta_at(s) - dinf, PATH_STEP, lag_max, PATH_LOG2)
    n = int(round(lag_max / paths.dt))
    shifts = np.r_[np.arange(-n, 0) + paths.L, np.arange(n + 1)]
    rng = np.random.default_rng(PATH_SEED)
    out = {k: np.zeros((cl.means.size, PATH_BATCHES, shifts.size)) for k in ("T", "k3", "K4")}
    for b in range(PATH_BATCHES):
        x = paths.sample(rng)
        for c, m in enumerate(cl.means):
            ph = f(m + x)
            dph = ph - ph.mean()
            z = paths.causal(dph)
            z2 = z * z - np.mean(z * z)
            Z, Z2, D = paths.spectrum(z), paths.spectrum(z2), paths.spectrum(dph)
            cz = paths.lagged_all(Z, Z)[shifts]
            out["T"][c, b] = paths.lagged_all(Z2, D)[shifts]      # <z^2(t) dphi(t + tau)>
            out["k3"][c, b] = paths.lagged_all(Z, Z2)[shifts]     # <z(t) z^2(t + tau)>
            out["K4"][c, b] = paths.lagged_all(Z2, Z2)[shifts] - 2 * cz * cz
    out["tau"] = (np.arange(shifts.size) - n) * paths.dt
    return out


def _spectrum(lag: np.ndarray, tau: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``int dtau e^{-i w tau} f(tau)`` (trapezoid) of lag functions on the last axis, at the frequencies ``w``."""
    step = tau[1] - tau[0]
    wt = np.full(tau.size, step)
    wt[[0, -1]] *= 0.5
    return (lag * wt) @ np.cos(np.outer(tau, w)) - 1j * ((lag * wt) @ np.sin(np.outer(tau, w)))


def _mehler(sp_: Any, w: np.ndarray, n_inner: int = 201) -> np.ndarray:
    """``int dw'/2pi psi^x(w', w' - w)``: N times the spectrum of the pair mean of ``c_ij(tau)^2``."""
    from derivations.dimension_cavity import kernels

    from .nonlinear import psi_from_products, regrid

    inner = regrid(sp_, n_inner)
    nu = np.unique(np.abs(w))
    W1 = np.broadcast_to(inner.w[None, :], (nu.size, inner.w.size))
    W2 = W1 - nu[:, None]                                     # the pairs (w', w' - nu), not an outer grid
    K = {name: np.real(f(W1, W2, inner.g, inner.d2)) for name, f in kernels().items()}
    c2 = inner.C_phi_at(W2.ravel()).reshape(-1, *W2.shape)    # (classes, nu, inner)
    cc = np.einsum("k,ki,kni->ni", inner.unit_weights, inner.C_phi, c2)
    xx = inner.d2 * inner.C_x[None, :] * inner.C_x_at(W2.ravel()).reshape(W2.shape)
    return np.interp(np.abs(w), nu, psi_from_products(K, cc, xx)["psi_x"] @ inner.dw)


def _weights(cl: Classes) -> tuple[np.ndarray, np.ndarray]:
    """The two population weights (1, pbar) per class and the Stein derivatives of ``w d``: ``e`` and
    ``(pbar d)' = d^2 + pbar e`` (``pbar' = d``)."""
    wts = np.array([np.ones_like(cl.d), cl.pbar])
    return wts, np.array([cl.e, cl.d * cl.d + cl.pbar * cl.e])


def beyond_le_spectra(spec: ModelSpec, res: Any, sp_: Any, w: np.ndarray, lag_max: float) -> np.ndarray:
    """The beyond-LE source covariance ``B[a, b](w)`` of each path batch (weights 1, pbar; complex Hermitian per w;
    shape (2, 2, batches, w); module docstring)."""
    g2 = float(spec.g[0][0]) ** 2
    cl = unit_classes(spec, res, PATH_CLASSES)
    wts, dstein = _weights(cl)
    lag = _lag_functions(spec, res, cl, lag_max)
    we = cl.avg((wts * cl.e).T)          # <w_a e>, shape (2,)
    wde = cl.avg(dstein.T)               # <(w_a d)'>
    rows = np.concatenate([np.einsum("c,ac,cbt->abt", cl.weights, wts, lag["T"]),    # <w_a T>(tau)
                           np.einsum("c,c,cbt->bt", cl.weights, cl.pbar, lag["k3"])[None],  # <pbar k3>
                           np.einsum("c,cbt->bt", cl.weights, lag["K4"])[None]])    # <K4>
    spectra = _spectrum(rows, lag["tau"], w)                 # (4, batches, w)
    T, k3, K4 = spectra[:2], spectra[2], spectra[3]
    mehler = _mehler(sp_, w)
    B = np.zeros((2, 2, PATH_BATCHES, w.size), dtype=complex)
    for a in range(2):
        for b in range(2):
            B[a, b] = (0.5 * we[a] * we[b] * mehler
                       + 0.25 * g2 * g2 * we[a] * we[b] * K4
                       + 0.5 * g2 * g2 * (wde[a] * we[b] * np.conj(k3) + we[a] * wde[b] * k3)
                       + 0.5 * g2 * (we[a] * np.conj(T[b]) + T[a] * we[b]))
    return B


def _le_sources(cl: Classes, a: np.ndarray, C_phi: np.ndarray) -> np.ndarray:
    """The LE N-covariance of the five sources per frequency, shape (5, 5, w): x-driven (1, d, pbar d) times
    ``a``; residual (1, pbar) times ``Sigma_r``."""
    sig_r = C_phi - (cl.d * cl.d)[:, None] * a[None, :]
    xw = np.array([np.ones_like(cl.d), cl.d, cl.pbar * cl.d])
    rw = np.array([np.ones_like(cl.d), cl.pbar])
    K = np.zeros((5, 5, a.size), dtype=complex)
    K[:3, :3] = np.einsum("c,ic,jc->ij", cl.weights, xw, xw)[:, :, None] * a[None, None, :]
    K[3:, 3:] = np.einsum("c,ic,jc,cw->ijw", cl.weights, rw, rw, sig_r)
    return K


def _forms(coef: np.ndarray, K: np.ndarray) -> np.ndarray:
    """``c K c^+`` per frequency for coefficient rows ``coef`` (rows, 5, w)."""
    return np.real(np.einsum("riw,ijw,rjw->rw", coef, K, np.conj(coef)))


def asymmetric_mean_cross(spec: ModelSpec, sp_: Any, res: Any, w: np.ndarray, dw: np.ndarray) -> dict[str, float]:
    """``N_mean_cross_x``, ``N_mean_cross_phi`` of an asymmetric state (unit time), integrated with the weights
    ``dw`` over the frequencies ``w`` (equal time: the unit grid; zero frequency: ``w = 0``, ``dw = 1``; a window:
    its weighted grid), with ``N_mean_cross_phi_se`` from the path batches."""
    from derivations.dimension_population import asymmetric_coefficients

    J0, g2 = float(spec.J0[0][0]), float(spec.g[0][0]) ** 2
    cl = unit_classes(spec, res, sp_.unit_weights.size)
    if not np.allclose(cl.weights, sp_.unit_weights):
        raise AssertionError("asymmetric mean cross: the unit classes differ from the spectra's")
    a, C_phi = sp_.C_x_at(w), sp_.C_phi_at(w)
    a_phi = cl.avg(C_phi)
    beta, gamma = g2 * cl.avg(cl.e), g2 * cl.avg(cl.d * cl.d + cl.pbar * cl.e)
    coef = asymmetric_coefficients()(w, J0, cl.avg(cl.d), cl.avg(cl.pbar * cl.d), beta, gamma)
    le = _forms(coef, _le_sources(cl, a, C_phi))
    lag_max = float(min(max(sp_.info.get("lag_max", 40.0), 20.0), 100.0))
    B = beyond_le_spectra(spec, res, sp_, w, lag_max)
    # c K c^+ is linear in K: the pair terms add c_r B c_r^+ on the residual sources, batch by batch
    beyond = np.array([_forms(coef[:, 3:], B[:, :, b]) for b in range(PATH_BATCHES)])   # (batches, 2, w)
    full = le + beyond.mean(0)
    per_batch = (le[1] + beyond[:, 1] - a_phi) @ dw
    return {
        # x: exactly 0 without a coupling mean (c_m = (1, 0, 0, 0, 0), derivations.dimension_population)
        "N_mean_cross_x": float(dw @ (full[0] - a)) if J0 != 0.0 else 0.0,
        "N_mean_cross_phi": float(dw @ (full[1] - a_phi)),
        "N_mean_cross_phi_se": float(np.std(per_batch, ddof=1) / math.sqrt(PATH_BATCHES)),
        "N_mean_cross_phi_le": float(dw @ (le[1] - a_phi)),
        "N_mean_cross_x_le": float(dw @ (le[0] - a)) if J0 != 0.0 else 0.0,
        "gain_coupling_beta": float(beta),
        "gain_coupling_gamma": float(gamma),
    }
