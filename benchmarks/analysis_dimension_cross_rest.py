"""Two partial terms of the 1/N rest of a nonlinear network's cross statistics (issue 14, item 3; not a theory yet).

    python benchmarks/analysis_dimension_cross_rest.py [--phi tanh] [--g 1.2] [--sigma2 1]

``benchmarks/study_dimension_finite_size.py`` measures, per network, ``N (sim - shared)``: what a nonlinear network
adds to the 1/N coefficient of N var_cross and PR/N beyond its shared-gain linear equivalent (LE). This script
evaluates two candidate parts of that rest, for the equal-time covariance:

1. ``renormalisation``: the unit spectra of the network differ from the LE's at O(1/N) by the derived rest of the
   autocovariance (:func:`~workbench.theories.dimension.finite_size_nonlinear.nonlinear_finite_size`, lag curves
   minus the LE's diagonal spectra) and the gain by ``<phi'''>/2`` times the variance shift. The planar pair
   functional (``(1/N) tr C^2`` from the LE words) is differentiated along the LE parameters ``(S, rho, d)`` that
   reproduce these shifts; with the exact O(1) unit spread of phi in place of the LE's (``N var_diag``).
2. ``two-site spread``: the two-site cavity ``psi^phi = (M - 1)<C^phi C^phi>``, ``psi^x = |U|^2 <C^phi C^phi> +
   2 Re U <d^2 C^x C^x>`` with the unit-to-unit spread of the network (gains ``d_i = d + <phi'''>/2 dDelta_i(0)``,
   phi spectra by Price's theorem) in place of the LE's: ``<d^2>``, ``Cov(C^phi)`` and ``Cov(d_i, C^x_i)`` terms.

Measured rests N (sim - shared) of N var_cross (studies of 110-240 networks, N = 125-500, dt = 0.05) against the
sum of the two parts:

- tanh g = 1.2, sigma2 = 1: x -8.0 +- 0.9 against -3.3 - 1.8 = -5.2; phi -1.8 +- 0.2 against -0.8;
- erf g = 0.9, sigma2 = 0.5: x -1.32 +- 0.11 against -0.84; phi -0.88 +- 0.07 against -0.40;
- tanh g = 0.8, sigma2 = 0.5: x -0.091 +- 0.014 against -0.073; phi -0.055 +- 0.006 against -0.019.

They explain 65-80 % of x's rest and 35-45 % of phi's. A third part, ``row norm`` (:func:`row_norm`, 2026-11-29: the
first-order correlation of each unit's gain with its own row norm, which sets its variance), adds only -0.002,
-0.010, -0.22 (x) and -0.004, -0.015, -0.11 (phi) in the three cases: about a tenth of what is missing. The fixed-J
theory says the same on sampled networks (tanh g = 1.2, sigma2 = 1, N = 125, 40 networks, seeds 5000-5039): gains
from the row norms alone (``gains="per-neuron"``) move N var_cross of x by N (per-neuron - shared) = -0.85 +- 0.25,
the self-consistent gains (each unit at its predicted variance, which adds the off-diagonal sum ``sum_{k != l} J_ik
J_il C^phi_kl`` of the network's own correlations) by -11.6 +- 2.6 (PR/N +0.20 +- 0.05 against +2.7 +- 0.4; the
mean autocovariance -0.07 +- 0.02 against -1.37 +- 0.21). So the missing rest is carried by the off-diagonal part of
each unit's variance, the loud collective directions that the couplings of its row project onto, not by its row
norm: a rung between the two sheets of psi at every vertex, the next term to derive. What is missing is, most likely, the correlation of each
unit's gain with the couplings that set its variance (units whose variance is high have low gains): a first-order
covariance of the gain spread with resolvent words at three frequencies, not derived. Its size is measured by the
self-consistent-gain closure on the simulated networks themselves (:mod:`workbench.theories.dimension.closure`,
``benchmarks/study_dimension_finite_size.py --closure``), which gives the whole rest for tanh at g = 0.8 and 15-18 %
more than the measured rest of N var_cross for erf at g = 0.9 and tanh at g = 1.2.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from workbench.spec import ModelSpec


def _setup(spec: ModelSpec) -> dict[str, Any]:
    """The nonlinear 1/N result, the unit spectra, the LE word machinery on the same grid and the gain slope
    ``d<phi'>/dDelta0 = <phi'''>/2``."""
    from workbench.symbolic.gaussian import gauss_average_value
    from workbench.theories.dimension import nonlinear as nl
    from workbench.theories.dimension.finite_size_nonlinear import _Words, nonlinear_finite_size

    fs = nonlinear_finite_size(spec)
    sp_ = nl.unit_spectra(spec)
    w = sp_.w
    a = 1 + 1j * w
    S = np.abs(a) ** 2 * sp_.C_x - sp_.g**2 * sp_.C_phi[0]
    rho = sp_.C_phi[0] - sp_.d2 * sp_.C_x
    p3 = gauss_average_value(nl._phi_functions(spec, 3)[3], 0.0, fs.value["mean_autocov_x"], 80)
    return {"fs": fs, "sp": sp_, "a": a, "S": S, "rho": rho, "d": math.sqrt(sp_.d2), "gain_slope": 0.5 * p3,
            "sigma2": float(spec.noise.sigma2),
            "words": _Words(sp_.g * math.sqrt(sp_.d2), w, diagonal=True), "Words": _Words}


def _moments(c: dict[str, Any], S: np.ndarray, rho: np.ndarray, d: float, which: str, order: int) -> tuple[float, float]:
    """``(1/N) tr C`` and ``(1/N) tr C^2`` (equal time, order 0 or 1) of the LE at ``(S, rho, d)``."""
    from workbench.theories.dimension.finite_size_nonlinear import _coefficients

    sp_ = c["sp"]
    words = c["Words"](sp_.g * d, sp_.w, diagonal=True)
    coefs = _coefficients(which, S, rho, d, c["a"])
    dw = sp_.dw
    return (float(dw @ words.diagonal(coefs, order)),
            float(np.sum(np.outer(dw, dw) * np.real(words.pair(coefs, coefs, False, order)))))


def _lag_to_freq(c: dict[str, Any]) -> np.ndarray:
    """Trapezoid cosine transform from the lag grid of the 1/N curves to the frequency grid."""
    tau = c["fs"].curves["tau"]
    step = tau[1] - tau[0]
    wt = np.full(tau.size, step)
    wt[0] = wt[-1] = step / 2
    return 2 * np.cos(np.outer(c["sp"].w, tau)) * wt[None, :]


def renormalisation(c: dict[str, Any]) -> dict[str, float]:
    """Part 1: d(N var_cross) of x and phi along the LE parameters that reproduce the derived spectral rest."""
    from workbench.theories.dimension.finite_size_nonlinear import _coefficients

    fs, sp_, a, d = c["fs"], c["sp"], c["a"], c["d"]
    F = _lag_to_freq(c)
    dC = {k: F @ fs.curves[k] - c["words"].diagonal(_coefficients(k, c["S"], c["rho"], d, a), 1)
          for k in ("x", "phi")}
    dd = c["gain_slope"] * fs.coef["mean_autocov_x"]
    dS = np.abs(a) ** 2 * dC["x"] - sp_.g**2 * dC["phi"]
    drho = dC["phi"] - sp_.d2 * dC["x"] - 2 * d * dd * sp_.C_x
    out, eps = {}, 1e-3
    for which in ("x", "phi"):
        a0, m20 = _moments(c, c["S"], c["rho"], d, which, 0)
        hi = _moments(c, c["S"] + eps * dS, c["rho"] + eps * drho, d + eps * dd, which, 0)
        lo = _moments(c, c["S"] - eps * dS, c["rho"] - eps * drho, d - eps * dd, which, 0)
        dm2 = (hi[1] - lo[1]) / (2 * eps)
        a1_rest = fs.coef[f"mean_autocov_{which}"] - fs.info[f"linear_equivalent_{which}"]
        vd_le = fs.info["linear_equivalent_cross"][f"N_var_diag_{which}"]["value"]
        out[which] = dm2 - 2 * a0 * a1_rest - (fs.unit_spread[which] - vd_le)  # N_var_cross_1 = m2_1 - 2 a0 a1 - ...
    return out


def two_site_spread(c: dict[str, Any]) -> dict[str, float]:
    """Part 2: the two-site cavity with the network's unit spread in place of the LE's."""
    from workbench.theories.dimension.finite_size_nonlinear import _coefficients, unit_spectral_covariance
    from workbench.theories.dimension.nonlinear import _kernel_matrices

    fs, sp_, a, d, words = c["fs"], c["sp"], c["a"], c["d"], c["words"]
    w, dw = sp_.w, sp_.dw
    Vx = unit_spectral_covariance(words, _coefficients("x", c["S"], c["rho"], d, a))
    Vphi_le = unit_spectral_covariance(words, _coefficients("phi", c["S"], c["rho"], d, a))
    tau = fs.curves["tau"]
    Cm = np.cos(np.outer(tau, w)) * dw[None, :]
    V = Cm @ Vx @ Cm.T
    A, B = fs.curves["A"], fs.curves["B"]
    cov_lag = A[:, None] * A[None, :] * V + np.outer(A, B) * V[:, :1] + np.outer(B, A) * V[:1, :] + np.outer(B, B) * V[0, 0]
    F = _lag_to_freq(c)
    dP = F @ cov_lag @ F.T - Vphi_le
    kappa = c["gain_slope"]
    dd2 = kappa**2 * V[0, 0]
    G = dw @ Vx
    Cx, Cp = sp_.C_x, sp_.C_phi[0]
    dQ = 2 * d * kappa * (np.outer(G, Cx) + np.outer(Cx, G)) + dd2 * np.outer(Cx, Cx)
    K0 = _kernel_matrices(sp_.g, sp_.d2, w, w)
    e = 1e-4
    Kp, Km = _kernel_matrices(sp_.g, sp_.d2 + e, w, w), _kernel_matrices(sp_.g, sp_.d2 - e, w, w)
    dK = {k: (Kp[k] - Km[k]) / (2 * e) for k in K0}
    W2 = np.outer(dw, dw)
    P0, X0 = np.outer(Cp, Cp), sp_.d2 * np.outer(Cx, Cx)
    return {"phi": float(np.sum(W2 * (K0["M_minus_1"] * dP + dK["M_minus_1"] * P0 * dd2))),
            "x": float(np.sum(W2 * (K0["x_wedge"] * dP + (dK["x_wedge"] * P0 + dK["x_chain"] * X0) * dd2
                                    + K0["x_chain"] * dQ)))}


def row_norm(c: dict[str, Any]) -> dict[str, float]:
    """Part 3: the correlation of each unit's gain with its own row norm (first order in the gain shift).

    A unit j whose row ``G_j.`` is longer has a larger input variance, ``dDelta_j = g^2 c_f r_j`` with
    ``r_j = |G_j.|^2 / g^2 - 1`` and ``g^2 c_f = Delta0 - sigma2/2`` (white noise, equal time), hence the gain
    ``d_j = d (1 + kappa r_j)``, ``kappa = s g^2 c_f / d`` (``s``: the gain slope ``<phi'''>/2``). Where j is an internal
    vertex of a paired chain its two gains meet its own row's pairing: ``E[d_j^2 G_jk^2] = d^2 (g^2/N) (1 + 4 kappa/N)``
    (Gaussian ``E[r_j G_jk^2] = 2 g^2 / N^2``). A chain of n a-links has n such vertices (x: ``U = u sum a^n``; phi:
    ``a^n``), so the 1/N coefficient of N var_cross is ``4 kappa`` times psi with every chain replaced by its
    ``a d/da``. (The off-diagonal part of dDelta_j, ``sum_{k != l} G_jk G_jl C_kl``, a rung between the two sheets, is
    not here.)"""
    from workbench.theories.dimension.nonlinear import regrid

    sp_ = regrid(c["sp"], 401)
    g, d2 = sp_.g, sp_.d2
    kappa = c["gain_slope"] * (float(sp_.autocov_x) - c["sigma2"] / 2) / math.sqrt(d2)
    W1, W2 = np.meshgrid(sp_.w, sp_.w, indexing="ij")
    link = g * g / ((1 + 1j * W1) * (1 - 1j * W2))
    u, a = link, d2 * link
    U, dU = u / (1 - a), u * a / (1 - a) ** 2
    F, dF = a / (1 - a), a / (1 - a) ** 2
    P = np.outer(sp_.C_phi[0] * sp_.dw, sp_.C_phi[0] * sp_.dw)
    X = np.outer(sp_.C_x * sp_.dw, sp_.C_x * sp_.dw)
    ix = np.sum(2 * np.real(dU * np.conj(U)) * P) + d2 * np.sum(2 * np.real(dU) * X)
    iphi = np.sum(np.real(dF + np.conj(dF) + dF * np.conj(F) + F * np.conj(dF)) * P)
    return {"x": float(4 * kappa * ix), "phi": float(4 * kappa * iphi)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phi", default="tanh")
    ap.add_argument("--g", type=float, default=1.2)
    ap.add_argument("--sigma2", type=float, default=1.0)
    a = ap.parse_args(argv)
    c = _setup(ModelSpec.simple(g=a.g, phi=a.phi, sigma2=a.sigma2))
    ren, two, row = renormalisation(c), two_site_spread(c), row_norm(c)
    for which in ("x", "phi"):
        le = c["fs"].info["linear_equivalent_cross"][f"N_var_cross_{which}"]
        print(f"N var_cross {which}: value {le['value']:.5g}, linear-equivalent coef {le['coef']:.4g}; rest parts: "
              f"renormalisation {ren[which]:.4g}, two-site spread {two[which]:.4g}, row norm {row[which]:.4g}, "
              f"sum {ren[which] + two[which] + row[which]:.4g} (compare the study's measured N (sim - shared))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
