"""Prototype (not the product): the O(1/N) mean cross-covariance of a state whose gains correlate with the couplings.

    python benchmarks/study_mean_cross_asymmetric.py --phi relu --g 0.8 --sigma2 0.5 [--J0 0] [--classes 15]

``workbench dimension`` derives ``N_mean_cross`` for symmetric states only (:mod:`derivations.dimension_population`).
Where phi is not odd about the mean activity (relu) the units' static means ``mu_i = sum_k G_ik pbar_k`` correlate
with the couplings. Writing ``G = G_perp + mu pbar^T / (N q)`` (``q = <pbar^2>``; ``G_perp`` is independent of the
means, hence of the gains) turns that correlation into one more rank-one term: every unit receives ``mu_i P / q``
with the mean-rate-weighted population ``P = (1/N) sum_k pbar_k dphi_k``. In the linear equivalent the population
means close on three equations (per frequency, ``S = 1/(1 + i w)``)::

    m   = X0 + S J0 Phi,
    Phi = X1 + rbar + beta S P + J0 S dbar Phi,        beta  = <d mu>/q   = g^2 <phi''>,
    P   = X2 + rho  + gamma S P + J0 S <pbar d> Phi,   gamma = <pbar d mu>/q = g^2 <(pbar d)'>,

with x-driven sources of N-covariance ``<f h> a`` (weights 1, d, pbar d) and residual sources ``rbar``, ``rho`` of
N-covariance ``<Sigma_r>``, ``<pbar Sigma_r>``, ``<pbar^2 Sigma_r>``. For x this gives ``N mean_cross = 0`` at
J0 = 0 in any state. For phi the pair covariances also have beyond-linear-equivalent parts with a non-zero mean
over pairs (all vanish in a symmetric state, ``<phi''> = 0``), added here at equal time to ``N <|rbar|^2>``:

- Mehler: ``(1/2) <phi''>^2 N var_cross_x`` (the Gaussian c_ij^2 term);
- shared inputs' fourth cumulant: ``(1/4) <phi''>^2 g^4 <kappa_4(z)>``, ``z = S* phi`` (one input's filtered rate);
- shared inputs' third cumulant with the gain-coupling correlation: ``g^4 <phi''>^2 <pbar kappa_3(z)>``;
- direct links: a unit's quadratic response to one input, ``(1/2) phi''_i G_ik^2 z_k^2``, correlated with that
  input's own rate: ``g^2 <phi''> <E[z^2 dphi]>`` (both orders).

Their passage through the P channel (beta S / (1 - gamma S), about 0.45 for relu) is not computed: an uncertainty of
perhaps 0.003 in the relu example. The cumulants are seeded Gaussian-path averages (the unit classes of the cavity theory).

Measured (2026-11-29; N = 500, 16 networks x 2 trials, T = 1000, dt = 0.025, seeds 7 + i;
``benchmarks/check_dimension_cli.py``), simulated N mean_cross of x and phi:
relu g = 0.8, sigma2 = 0.5: x -0.00003 +- 0.0027 (here 0), phi 0.0236 +- 0.0016 (0.027 +- 0.002 at N = 1000);
here the linear-equivalent part 0.0147 and the beyond-LE terms 0.0023 + 0.0002 + 0.0007 + 0.0063: 0.0242.
relu J0 = -0.102: x -0.0148 +- 0.0023 (here -0.0145), phi 0.0148 +- 0.0012 (here 0.0073 + 0.0088 = 0.0161).
softplus g = 1.2, sigma2 = 0.4: x 0.004 +- 0.006 (here 0), phi 0.158 +- 0.026 (here 0.114 + 0.002 = 0.116).
tanh g = 1.2, sigma2 = 1, J0 = 2 (symmetry broken, J0 <phi'> = 0.78; an earlier session's run): x 2.1, phi 0.31
(linear-equivalent parts 1.91 and 0.249; the beyond-LE terms not evaluated there).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np


def _classes(spec: Any, n_classes: int) -> dict[str, Any]:
    """DMFT unit classes: means, weights, fluctuation variance and the per-class pbar, d = <phi'>, <phi''>."""
    from workbench.theories.dimension.nonlinear import (
        _dmft_result,
        _gauss_mean,
        _phi_functions,
        _scalar,
        _unit_classes,
        phi_kinks,
    )

    res = _dmft_result(spec)
    f, df = _phi_functions(spec)
    kinks = phi_kinks(spec)
    dinf = max(_scalar(res.Delta_inf), 0.0)
    v = _scalar(res.Delta0) - dinf
    means, wz = _unit_classes(res, n_classes)  # the classes of unit_spectra(n_units=n_classes)
    pbar = np.array([_gauss_mean(f, m, v, 101, kinks) for m in means])
    d = np.array([_gauss_mean(df, m, v, 101, kinks) for m in means])
    dp = np.array([_gauss_mean(lambda x, m=m: df(x) * (x - m), m, v, 101, kinks) for m in means]) / v  # <phi''>
    return {"res": res, "f": f, "means": means, "w": wz, "v": v, "dinf": dinf, "pbar": pbar, "d": d, "dp": dp}


def linear_equivalent(spec: Any, cl: dict[str, Any], J0: float) -> tuple[float, float]:
    """Equal-time N mean_cross of x and phi from the three population equations (module docstring)."""
    from workbench.theories.dimension.nonlinear import unit_spectra

    w8, pbar, d, dp = cl["w"], cl["pbar"], cl["d"], cl["dp"]
    sp_ = unit_spectra(spec, dmft=cl["res"], n_units=w8.size)
    g2 = float(spec.g[0][0]) ** 2
    beta, gamma = g2 * (w8 @ dp), g2 * (w8 @ (d * d + pbar * dp))
    dbar, pd = w8 @ d, w8 @ (pbar * d)
    a_phi = w8 @ sp_.C_phi
    sig_r = sp_.C_phi - (d * d)[:, None] * sp_.C_x[None, :]  # per class
    rw = np.array([np.ones_like(d), pbar])
    out_x, out_phi = 0.0, 0.0
    for k, om in enumerate(sp_.w):
        s, a = 1 / (1 + 1j * om), sp_.C_x[k]
        wts = np.array([np.ones_like(d), d, pbar * d])
        K = np.zeros((5, 5))
        K[:3, :3] = np.einsum("c,ic,jc->ij", w8, wts, wts) * a
        K[3:, 3:] = np.einsum("c,ic,jc->ij", w8 * sig_r[:, k], rw, rw)
        M = np.array([[1 - s * J0 * dbar, -beta * s], [-s * J0 * pd, 1 - s * gamma]])
        coef = np.linalg.solve(M, np.array([[0, 1, 0, 1, 0], [0, 0, 1, 0, 1]], dtype=complex))
        c_phi = coef[0]
        c_m = np.array([1, 0, 0, 0, 0], dtype=complex) + s * J0 * c_phi
        out_phi += sp_.dw[k] * ((c_phi @ K @ c_phi.conj()).real - a_phi[k])
        out_x += sp_.dw[k] * ((c_m @ K @ c_m.conj()).real - a)
    return float(out_x), float(out_phi)


def beyond_linear_equivalent(spec: Any, cl: dict[str, Any], batches: int = 6, seed: int = 1) -> dict[str, float]:
    """The four equal-time pair terms of phi (module docstring) from seeded Gaussian paths of each class."""
    from workbench.theories.dimension.nonlinear import solve_nonlinear
    from workbench.theories.dimension.unit_perturbations import GaussianPaths

    res, f, w8, pbar = cl["res"], cl["f"], cl["w"], cl["pbar"]
    g2 = float(spec.g[0][0]) ** 2
    dprime = float(w8 @ cl["dp"])
    paths = GaussianPaths(lambda s: res.Delta_at(s) - cl["dinf"], 0.05, 40.0, 19)
    rng = np.random.default_rng(seed)
    k3, k4, t3 = (np.zeros((pbar.size, batches)) for _ in range(3))
    for b in range(batches):
        x = paths.sample(rng)
        for c, m in enumerate(cl["means"]):
            ph = f(m + x)
            dph = ph - ph.mean()
            z = paths.causal(dph)
            k3[c, b], k4[c, b] = np.mean(z**3), np.mean(z**4) - 3 * np.mean(z**2) ** 2
            t3[c, b] = np.mean(z * z * dph)
    nvx = solve_nonlinear(spec).N_var_cross_x
    return {"mehler": 0.5 * dprime**2 * nvx, "kappa4": 0.25 * dprime**2 * g2 * g2 * float(w8 @ k4.mean(1)),
            "kappa3": g2 * g2 * dprime**2 * float(w8 @ (pbar * k3.mean(1))),
            "direct_link": g2 * dprime * float(w8 @ t3.mean(1))}


def main(argv: list[str] | None = None) -> int:
    """Print the linear-equivalent parts and the beyond-LE terms of one line."""
    from workbench.spec import ModelSpec

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phi", default="relu")
    ap.add_argument("--g", type=float, default=0.8)
    ap.add_argument("--sigma2", type=float, default=0.5)
    ap.add_argument("--J0", type=float, default=0.0)
    ap.add_argument("--classes", type=int, default=41)
    a = ap.parse_args(argv)
    spec = ModelSpec.simple(g=a.g, phi=a.phi, sigma2=a.sigma2, J0=a.J0)
    cl = _classes(spec, a.classes)
    x, phi = linear_equivalent(spec, cl, a.J0)
    extra = beyond_linear_equivalent(spec, cl)
    print(f"linear equivalent: N mean_cross x {x:.4f}, phi {phi:.4f}")
    print("beyond it (phi, equal time): " + ", ".join(f"{k} {v:.4f}" for k, v in extra.items()))
    print(f"total phi {phi + sum(extra.values()):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
