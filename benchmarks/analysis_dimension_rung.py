"""The gain-spread rung of a nonlinear network's 1/N cross statistics, on the linear equivalent (issue 14, item 3; a
study of candidate terms, not a theory).

    python benchmarks/analysis_dimension_rung.py [--phi tanh] [--g 1.2] [--sigma2 1] [--N 200] [--networks 100]

The linear equivalent (LE) of one drawn network, ``a(w) x = J phi + xi``, ``phi = D x + eta`` (``a = 1 + i w``, gains
``D``, residual spectra ``Sigma(w)``, white noise ``S = sigma2``), is solved exactly per frequency (one complex LU per
frequency, equal time by the sinh quadrature of :func:`workbench.theories.dimension.nonlinear.regrid`). On the same J
the script measures, as ``N`` times a first-order response (central differences), what each candidate mechanism adds
to the 1/N coefficients of the mean autocovariance, ``N var_cross`` and ``PR/N`` of x and phi:

``gain``
    each unit's gain follows its own variance, ``d_k = d + s (C_kk(0) - mean_k C_kk(0))`` (``s = <phi'''>/2``, the
    DMFT gain slope): the rung between a unit's gain and the couplings that make its variance high;
``resid``
    each unit's residual spectrum follows its own autocovariance by Price's theorem, ``d rho_k = FT[(A - d^2) dC_kk]
    + (B^ - 2 d s C^x) dC_kk(0)`` (``A = <phi' phi'>``, ``B = <phi'' phi>`` at each lag);
``same``
    the part of ``gain`` that acts through a unit's own variance alone: every unit's phi spectrum moved by the
    within-network covariance ``2 d s Cov_k(C_kk(0), C_kk(w))``, the LE's linearised single-unit curvature;
``transfer``
    the self-coupling's mean shift of each unit's linear response beyond the LE, ``a -> a - (g^2/N) Gamma``,
    ``Gamma(w) = int_0^inf e^{-(1 + i w) t} (A(t) - d^2) dt + int_0^inf e^{-t} B(t) dt`` (second order in J_ii), with
    the white noise moved by ``(|a'|^2 - |a|^2) C^x`` so that the mean autocovariances stay (what the transfer changes
    beyond a re-attribution of the derived autocovariance rest);
``uniform``
    every unit's gain moved by ``s`` times the network's mean variance less the DMFT's (an O(1/N) shift: the
    single-site renormalisation of the gain, which ``gain`` leaves out by measuring each unit from the network mean);
``diagonal``
    ``N (LE without the diagonal J_ii - LE with it)``: the LE's linear self-coupling, which the derived mean
    autocovariance replaces by the exact nonlinear one.

``gain``, ``uniform``, ``resid`` and ``same`` are given for J with and without its diagonal. ``--closure`` instead iterates the
heterogeneous LE to self-consistency (:func:`closure`: every unit's gain and residual spectrum at its own
autocovariance, through the exact second-order single-unit maps or their linearisation) and prints ``N (closure -
shared LE)`` on the same J. ``--sunsets`` prints the first-order responses to the two pair terms of second order in
the nonlinearity (:func:`sunset_terms`, below).

Measured, tanh g = 1.2, sigma2 = 1 (mean over networks +- SE; 61 frequencies; 2026-11-29):

- first-order terms (N = 200, 100 networks, seed 12345):

  =================  ==============  ==============  ==============  ==============  ===============  ==============
  term               mean x          N var_cross x   PR/N x          mean phi        N var_cross phi  PR/N phi
  =================  ==============  ==============  ==============  ==============  ===============  ==============
  gain               -1.92 +- 0.05   -14.3 +- 0.7    +3.77 +- 0.15   -1.19 +- 0.03   -3.40 +- 0.16    +5.56 +- 0.19
  resid              +0.061          +0.46           -0.123          +0.049          +0.117           -0.242
  same               -1.10 +- 0.03   -4.41 +- 0.18   +0.87 +- 0.02   -0.84 +- 0.02   -1.02 +- 0.04    +0.83 +- 0.02
  gain, no J_ii      -0.94 +- 0.04   -8.14 +- 0.50   +2.37 +- 0.11   -0.59 +- 0.02   -2.05 +- 0.11    +3.65 +- 0.14
  resid, no J_ii     +0.018          +0.20           -0.063          +0.012          +0.058           -0.146
  same, no J_ii      -0.60 +- 0.02   -2.38 +- 0.11   +0.50 +- 0.02   -0.45 +- 0.01   -0.55 +- 0.02    +0.50 +- 0.02
  transfer           -0.000          -0.44 +- 0.02   +0.161          -0.000          -0.076           +0.158
  diagonal           -1.26 +- 0.16   -6.35 +- 0.69   +1.75 +- 0.15   -0.53 +- 0.07   -1.11 +- 0.12    +1.75 +- 0.15
  =================  ==============  ==============  ==============  ==============  ===============  ==============

- closures (``--closure --N 125 --networks 100 --seed 4242``; 2026-11-29, after the exact maps were made consistent
  with the linearised ones, see :func:`closure`), against the measured rest ``N (sim - shared)`` (N = 125, 240
  networks, :mod:`workbench.theories.dimension.finite_size_nonlinear`):

  =================  ==============  ==============  ==============  ==============  ===============  ==============
  closure            mean x          N var_cross x   PR/N x          mean phi        N var_cross phi  PR/N phi
  =================  ==============  ==============  ==============  ==============  ===============  ==============
  exact unit maps    -1.65 +- 0.13   -13.1 +- 1.4    +2.96 +- 0.21   -0.87 +- 0.10   -2.90 +- 0.29    +4.28 +- 0.24
  linearised         -1.87 +- 0.14   -14.4 +- 1.5    +3.27 +- 0.22   -1.08 +- 0.10   -3.18 +- 0.30    +4.60 +- 0.25
  measured           -1.047 +- 0.027 -7.7 +- 0.3     +2.14 +- 0.07   -0.535 +- 0.007 -1.64 +- 0.05    +2.96 +- 0.08
  =================  ==============  ==============  ==============  ==============  ===============  ==============

The same at erf g = 0.9, sigma2 = 0.5 and tanh g = 0.8, sigma2 = 0.5 (40 networks each, seed 12345; the measured
rests of the cross statistics are the plain means of the closure study in :mod:`workbench.theories.dimension.closure`):

=====================  ===============  ==============  ==============  ===============  ===============  ============
erf g = 0.9            mean x           N var_cross x   PR/N x          mean phi         N var_cross phi  PR/N phi
=====================  ===============  ==============  ==============  ===============  ===============  ============
closure, exact maps    -0.267 +- 0.028  -0.58 +- 0.06   +1.11 +- 0.10   -0.254 +- 0.041  -0.335 +- 0.037  +1.82 +- 0.12
closure, linearised    -0.294 +- 0.028  -0.62 +- 0.07   +1.19 +- 0.11   -0.302 +- 0.042  -0.362 +- 0.038  +1.90 +- 0.12
measured               -0.222 +- 0.012  -0.46           +0.92           -0.204 +- 0.006  -0.254           +1.42
tanh g = 0.8
closure, exact maps    -0.103 +- 0.009  -0.117 +- 0.011 +0.43 +- 0.04   -0.109 +- 0.019  -0.072 +- 0.007  +0.86 +- 0.05
closure, linearised    -0.113 +- 0.009  -0.127 +- 0.012 +0.46 +- 0.04   -0.134 +- 0.019  -0.078 +- 0.007  +0.89 +- 0.05
measured               -0.102 +- 0.008  -0.107          +0.41           -0.095 +- 0.004  -0.059           +0.73
=====================  ===============  ==============  ==============  ===============  ===============  ============

Before that fix the exact maps added their second-order terms on the lag grid while the linearised map's own
``2 d s delta delta(0)`` stayed in frequency, and the unit spectra went to the lag grid by a cosine sum on the 61-point
sinh grid (10-20 % off at low frequency for single networks): the two maps then differed at first order in the
nonlinearity, where both are exact (phi = x - 0.005 x^3, one J of N = 40: mean x -0.0123 against -0.0093), and the
exact-map closures of the table above were -1.79, -13.2, +2.92, -1.12, -2.94, +4.03 at tanh g = 1.2.

Weak nonlinearity. For ``phi = x - eps x^3`` to first order in eps every unit is Gaussian and the cubic vertex acts
through Wick's theorem alone: each unit's gain is ``1 - 3 eps C_kk(0)`` at its own variance in the network (J_ii
linear), with no residual. So the exact O(eps) 1/N rest of every statistic is the Hartree LE, the linearised closure,
whose first-order terms are ``gain + uniform + resid`` (with J_ii). On one J of N = 40 (g = 0.8, sigma2 = 0.5, eps =
0.005) the closure gives N (closure - shared) / eps = -1.858 for the mean of x, the Lyapunov equation of the Hartree
network (no frequency grid) -1.856 (``test_rung_closures_at_weak_nonlinearity`` checks closures against the
first-order terms). The derived mean autocovariance (:mod:`~workbench.theories.dimension.finite_size_nonlinear`) is
not exact there: at eps = 0.02 (N = 200, 100 networks, seed 12345) the Hartree rest of the mean of x is
``gain + uniform + resid`` = -0.0913 - 0.0237 + 0.0004 = -0.115 (-0.110 with the single-site echo, which is
O(eps^2); ``uniform`` from the derived LE coefficient, the per-network estimate -0.026 +- 0.006 agrees) against the
derived -0.0876 +- 0.0020 (five sampling seeds, paired with phi = x to take out the sampled terms' noise), and of phi
-0.178 (-0.171) against -0.142 +- 0.002. The derivation lacks the collective part of the rung, ``gain - same + resid``
without J_ii (-0.0164 +- 0.0015 for x, -0.0154 +- 0.0016 for phi): a unit's gain follows its own variance, also where
the couplings other than J_ii set it. It closes most of x's gap and half of phi's; the remainders (-0.01 and
-0.02) are of the size of the O(eps^2) terms at this eps and were not taken apart. That part, from the
first-order table's analogue at each case (N = 200, 60 networks, 100 at tanh g = 1.2; x, phi), against the derivation's miss of the
measured mean-autocovariance rest (measured - derived):

- tanh g = 0.8: -0.0147 +- 0.0010, -0.0089 +- 0.0008 against -0.021 +- 0.008, -0.004 +- 0.004;
- erf g = 0.9: -0.045 +- 0.003, -0.028 +- 0.002 against -0.024 +- 0.012, -0.001 +- 0.006;
- tanh g = 1.2: -0.32 +- 0.03, -0.13 +- 0.02 against -0.055 +- 0.027, +0.031 +- 0.007.

So the collective rung is the derivation's missing term at weak nonlinearity (and about the size of tanh g = 0.8's
miss), and higher orders of the nonlinearity suppress it more and more towards the edge: a fifth to none of it shows at
tanh g = 1.2. The closures, which contain it in full, overstate the rests in the same way.

Second order in the nonlinearity: the sunsets (``--sunsets``; :func:`sunset_sources`, 2026-11-29). Beyond the Hartree
LE, perturbation theory in the cubic Hermite part of phi (``p3 = <phi^(3)>``) has two pair terms at O(p3^2): the
noise sunset (the Mehler ``c^3`` cross-covariance of jointly Gaussian units, ``(p3^2 / 6) c_kl^3``, a noise added to
the inputs) and the response sunset (the average response of phi_k to x_l through two cubic vertices, ``(p3^2 / 2)
c_kl^2 (R J)_kl``, its mode-coupling partner ``f'(C) R``; its diagonal carries each unit's nonlinear self-coupling and
reciprocal loops). For one unit they add up to the static phi^4 sunset to 1e-4
(``test_sunsets_complete_the_second_order_of_one_unit``), and on one J of N = 40 the simulated perturbation hierarchy
(``benchmarks/study_sunsets_weak_nonlinearity.py``) gives ``C2 - Hartree = (1.008 +- 0.017) x (noise + response)``
(16 seeds, control variates; the noise sunset alone: slope 2.30 +- 0.04). So to O(eps^2) the fixed-J covariance is
the Hartree LE plus the two sunsets. On the networks of the closure tables (N x first-order response, mean +- SE):

=====================  ===============  ==============  ==============  ===============  ===============  ============
sunset                 mean x           N var_cross x   PR/N x          mean phi         N var_cross phi  PR/N phi
=====================  ===============  ==============  ==============  ===============  ===============  ============
tanh g = 0.8 (N = 200, 20 networks, seed 12345)
noise                  +0.0019          +0.0025         -0.0098         +0.0038          +0.0029          -0.0275
response, off-diag.    +0.0093          +0.0117         -0.0451         +0.0135          +0.0103          -0.0977
response, diagonal     +0.0174          +0.0169         -0.0603         +0.0266          +0.0109          -0.0991
measured - closure     +0.001 +- 0.012  +0.010 +- 0.011 -0.02 +- 0.04   +0.014 +- 0.019  +0.013 +- 0.007  -0.13 +- 0.05
erf g = 0.9 (N = 200, 20 networks, seed 12345)
noise                  +0.0103          +0.0227         -0.0467         +0.0151          +0.0197          -0.0960
response, off-diag.    +0.0451          +0.1005         -0.2073         +0.0543          +0.0732          -0.3607
response, diagonal     +0.0479          +0.0826         -0.1555         +0.0594          +0.0491          -0.2165
measured - closure     +0.045 +- 0.03   +0.12 +- 0.06   -0.19 +- 0.10   +0.05 +- 0.04    +0.08 +- 0.04    -0.40 +- 0.12
tanh g = 1.2 (N = 125, 24 networks, seed 4242)
noise                  +0.32 +- 0.05    +3.4 +- 0.8     -0.64 +- 0.12   +0.22 +- 0.03    +0.92 +- 0.20    -0.99 +- 0.16
response, off-diag.    +1.28 +- 0.21    +14.0 +- 3.3    -2.73 +- 0.50   +0.80 +- 0.12    +3.4 +- 0.7      -3.9 +- 0.6
response, diagonal     +0.70 +- 0.08    +5.5 +- 1.0     -1.06 +- 0.13   +0.46 +- 0.05    +1.25 +- 0.21    -1.35 +- 0.15
measured - closure     +0.60 +- 0.13    +5.4 +- 1.4     -0.82 +- 0.21   +0.34 +- 0.10    +1.26 +- 0.29    -1.32 +- 0.24
=====================  ===============  ==============  ==============  ===============  ===============  ============

(SEs of the sunsets at g = 0.8 and 0.9 are 2-6 % of the values; ``measured - closure`` is the exact-map closure's miss
of the tables above, its SE the closure's over networks.) Every sunset has the sign of the closure's miss in all six
statistics. At tanh g = 0.8 and erf g = 0.9 the closure plus the noise and off-diagonal response sunsets gives every
measured rest within about one SE; with the diagonal response sunset as well it is 1-2 SE high (the closure's J_ii
channel already carries most of the self-coupling at strong nonlinearity, see below, so that part may be counted
twice beyond second order). At tanh g = 1.2 the sunsets at their second-order weights are about four times the miss:
near the edge the LE's response ``(a - d J)^{-1}`` in the response sunset is strongly amplified.

Dressed (``--sunsets --dressed``: the sunsets on the exact-map closure's self-consistent LE, its gains, residuals and
response ``(a - J D)^{-1}`` in place of the shared LE's) they shrink where the closure moves the LE: tanh g = 1.2 (N =
125, 16 networks, seed 4242) noise +0.17 +- 0.02, +1.32 +- 0.30, -0.34 +- 0.06, +0.13 +- 0.01, +0.36 +- 0.07, -0.56 +-
0.08; response off the diagonal +0.71 +- 0.10, +5.7 +- 1.3, -1.48 +- 0.28, +0.46 +- 0.05, +1.37 +- 0.26, -2.16 +- 0.35;
on it +0.46 +- 0.05, +2.70 +- 0.41, -0.67 +- 0.07, +0.31 +- 0.03, +0.58 +- 0.08, -0.82 +- 0.08. Noise plus off-diagonal
response, +0.88, +7.0, -1.82, +0.59, +1.74, -2.72, is then 1.3-2 times the miss instead of 4 (N var_cross within
about one SE, the means 2-2.5 SE and PR/N 4-5 SE high). At erf g = 0.9 and tanh g = 0.8 (8 networks each) dressing
moves them by 0-4 % (diagonal response 5-15 %). Inside the closure's self-consistency (``--sunsets
--self-consistent``, :func:`sunset_closure`; tanh g = 1.2, N = 125, the first 10 networks of seed 4242, 15-23
iterations of about 85 s) they add +0.72 +- 0.17, +7.5 +- 3.2, -1.82 +- 0.62, +0.41 +- 0.08, +1.91 +- 0.70, -2.87 +-
0.84 to the closure, as much as the dressed first-order sums: the closure with sunsets, -0.81 +- 0.31, -5.7 +- 1.9,
+1.12 +- 0.38, -0.33 +- 0.29, -1.01 +- 0.43, +1.49 +- 0.41, then falls short of the measured rests (-1.047, -7.7,
+2.14, -0.535, -1.64, +2.96) as much as the closure alone overstates them (-1.53, -13.2, +2.94, -0.74, -2.92, +4.36 on
the same networks); PR/N by 3-4 SE. The rest of the resummation near the edge (vertex corrections, higher orders of
the Hermite series in the pair terms) is not derived.

What this says:

- The heterogeneous LE is exact to first order in the nonlinearity and overstates the rest more and more towards the
  edge: at tanh g = 0.8 the exact-map closure gives every statistic of x and the mean of phi within the SE
  (phi's cross statistics 18-22 % above), at erf g = 0.9 it is 20-32 % above, at tanh g = 1.2 38-77 %. A closure is
  about its first-order ``gain + uniform + resid``. The exact single-unit curvature moves it by 9-19 % on the means,
  4-10 % on the cross statistics (paired on the same networks), towards the measured rests.
- Its self-coupling channel (``gain + resid`` with J_ii less without) matches the derivation's exact self-coupling
  relative to the LE with its diagonal (drop the LE's linear J_ii, add the nonlinear one) at tanh g = 1.2: x -0.94
  against -0.99, phi -0.56 against -0.55; at erf g = 0.9 and tanh g = 0.8 it is 30-40 % short (x -0.16 and -0.071
  against -0.26 and -0.117).
- The collective rest of the rung is suppressed in the network at strong nonlinearity (above). What suppresses it is
  beyond the Gaussian unit maps of any closure (with each unit Gaussian, a unit's gain is exactly the DMFT gain at its
  own variance): second order in the nonlinearity, i.e. non-Gaussian pair statistics, not derived here.
- The self-coupling also shifts each unit's mean linear response beyond the LE (``transfer``): a derivable piece of
  the cross statistics' rest (tanh g = 1.2: N var_cross of x -0.44, PR/N +0.16) that no earlier decomposition had.
- At tanh g = 1.2 the rung through J_ii gives N var_cross x -5.9, PR/N x +1.34, N var_cross phi -1.29, PR/N phi +1.81;
  against the measured rests that leaves -1.8, +0.80, -0.35 and +1.15 to the other parts.
"""

from __future__ import annotations

import argparse
import functools
import math
from typing import Any

import numpy as np

from workbench.spec import ModelSpec

STATS = ("mean", "N_var_cross", "PR_over_N")
"""The statistics of each series, in column order (x then phi)."""


def setup(spec: ModelSpec, n_freq: int) -> dict[str, Any]:
    """The homogeneous LE on a sinh grid of ``n_freq`` points (``fine``: the unit spectra it was taken from) and the
    lag kernels of the candidate terms."""
    from workbench.symbolic.gaussian import gauss_average_value
    from workbench.theories.dimension import nonlinear as nl
    from workbench.theories.dimension.finite_size_nonlinear import nonlinear_finite_size

    fs = nonlinear_finite_size(spec)
    fine = nl.unit_spectra(spec)
    sp_ = nl.regrid(fine, n_freq)
    w, dw = sp_.w, sp_.dw
    a = 1 + 1j * w
    d = math.sqrt(sp_.d2)
    tau, A, B = fs.curves["tau"], fs.curves["A"], fs.curves["B"]
    wt = np.full(tau.size, tau[1] - tau[0])
    wt[0] = wt[-1] = wt[0] / 2

    def cos_ft(f: np.ndarray, om: np.ndarray) -> np.ndarray:
        return (2 * np.cos(np.outer(om, tau)) * wt) @ f

    def causal_ft(f: np.ndarray, om: np.ndarray) -> np.ndarray:
        return (np.exp(-np.outer(1 + 1j * om, tau)) * wt) @ f

    n = w.size
    Ahat = {s: cos_ft(A - sp_.d2, (w[:, None] + s * w[None, :]).ravel()).reshape(n, n) for s in (-1, 1)}
    keep = w >= 0
    return {"fine": fine, "w": w, "a": a, "d": d, "g": sp_.g, "Cx": sp_.C_x, "S": np.abs(a) ** 2 * sp_.C_x - sp_.g**2 * sp_.C_phi[0],
            "rho": sp_.C_phi[0] - sp_.d2 * sp_.C_x,
            "slope": 0.5 * gauss_average_value(nl._phi_functions(spec, 3)[3], 0.0, fs.value["mean_autocov_x"], 80),
            "K": 0.5 * (Ahat[-1] + Ahat[1]) * dw[None, :], "Bhat": cos_ft(B, w),
            "Gamma": causal_ft(A, w) - sp_.d2 / a + float(np.real(causal_ft(B, np.zeros(1))[0])),
            "keep": np.nonzero(keep)[0], "wq": np.where(w == 0, 1.0, 2.0) * dw}


def le_spectra(J: np.ndarray, a: np.ndarray, S: np.ndarray, D: np.ndarray | dict[int, np.ndarray],
               Sig: dict[int, np.ndarray], keep: np.ndarray) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """``C^x(w)`` and ``C^phi(w)`` of the LE at the frequencies ``keep`` (gain matrix D, or one per frequency for a
    causal response kernel ``phi(w) = D(w) x(w) + eta(w)``; residual covariances Sig)."""
    n = J.shape[0]
    eye = np.eye(n)
    cx, cp = {}, {}
    for k in keep:
        Dk = D[k] if isinstance(D, dict) else D
        R = np.linalg.inv(a[k] * eye - J @ Dk)
        Y = R @ J
        X = S[k] * (R @ R.conj().T) + Y @ Sig[k] @ Y.conj().T
        Z = Dk @ Y @ Sig[k]
        cx[k], cp[k] = X, Dk @ X @ Dk.conj().T + Z + Z.conj().T + Sig[k]
    return cx, cp


def shared_spectra(J: np.ndarray, c: dict[str, Any]) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """:func:`le_spectra` of the shared-gain LE on J: every unit at the DMFT gain and residual spectrum."""
    eye = np.eye(J.shape[0])
    return le_spectra(J, c["a"], c["S"], c["d"] * eye, {k: c["rho"][k] * eye for k in c["keep"]}, c["keep"])


def statistics(cx: dict[int, np.ndarray], cp: dict[int, np.ndarray], wq: np.ndarray) -> np.ndarray:
    """``STATS`` of the equal-time covariances of x and phi (one row of six)."""
    out = []
    for cs in (cx, cp):
        C = sum(wq[k] * cs[k].real for k in cs)
        n = C.shape[0]
        m1, m2 = np.trace(C) / n, np.sum(C * C) / n
        out += [m1, (np.sum(C * C) - np.sum(np.diag(C) ** 2)) / (n - 1), m1 * m1 / m2]
    return np.array(out)


def _responses(J: np.ndarray, c: dict[str, Any], transfer: bool, eps: float = 1e-3) -> dict[str, np.ndarray]:
    """N x the first-order responses of :data:`STATS` to the candidate terms on one J."""
    N, keep, d, s = J.shape[0], c["keep"], c["d"], c["slope"]
    eye = np.eye(N)
    sig0 = {k: c["rho"][k] * eye for k in keep}
    cx, cp = shared_spectra(J, c)
    spread = {k: np.diag(cx[k].real) - np.trace(cx[k].real) / N for k in keep}
    dv0 = sum(c["wq"][k] * spread[k] for k in keep)
    n = c["w"].size
    resid = {}
    for k in keep:
        v = (c["Bhat"][k] - 2 * d * s * c["Cx"][k]) * dv0
        for k2 in keep:
            m = n - 1 - k2
            v = v + (c["K"][k, k2] + (c["K"][k, m] if m != k2 else 0.0)) * spread[k2]
        resid[k] = np.diag(v)
    same = {k: 2 * d * s * float(np.mean(dv0 * spread[k])) * eye for k in keep}
    # the network's mean variance less the DMFT's (on the same quadrature): O(1/N), the uniform gain shift
    mean_dev = sum(c["wq"][k] * (np.trace(cx[k].real) / N - c["Cx"][k]) for k in keep)

    def run(e: float, term: str) -> np.ndarray:
        D = d * eye + (e * s * np.diag(dv0) if term == "gain" else 0.0) + (e * s * mean_dev * eye if term == "uniform"
                                                                           else 0.0)
        sig = {k: sig0[k] + (e * resid[k] if term == "resid" else 0.0) + (e * same[k] if term == "same" else 0.0)
               for k in keep}
        a, S = c["a"], c["S"]
        if term == "transfer":
            a = c["a"] - e * c["g"] ** 2 * c["Gamma"] / N
            S = c["S"] + (np.abs(a) ** 2 - np.abs(c["a"]) ** 2) * c["Cx"]
        return statistics(*le_spectra(J, a, S, D, sig, keep), c["wq"])

    terms = ("gain", "uniform", "resid", "same") + (("transfer",) if transfer else ())
    out = {t: N * (run(eps, t) - run(-eps, t)) / (2 * eps) for t in terms}
    out["base"] = statistics(cx, cp, c["wq"])
    return out


def network_terms(J: np.ndarray, c: dict[str, Any]) -> dict[str, np.ndarray]:
    """The candidate terms on J with its diagonal and without it, and ``diagonal`` = N (without - with)."""
    with_d = _responses(J, c, transfer=False)
    Jo = J.copy()
    np.fill_diagonal(Jo, 0.0)
    without = _responses(Jo, c, transfer=True)
    out = {f"{k}, with J_ii": v for k, v in with_d.items() if k != "base"}
    out.update({f"{k}, no J_ii": v for k, v in without.items() if k != "base"})
    out["diagonal"] = J.shape[0] * (without["base"] - with_d["base"])
    return out


def unit_maps(spec: ModelSpec, c: dict[str, Any], lag_step: float = 0.025, lag_max: float = 40.0) -> dict[str, Any]:
    """The single-unit maps of the closure on a lag grid: the derived kernels ``A``, ``B``, ``F_cc``, ``F_cv``,
    ``F_vv`` at the DMFT autocovariance (:class:`~workbench.theories.dimension.finite_size_nonlinear._Kernels`), the
    gain's second derivative in the variance ``<phi^(5)>/4``, and the lag <-> frequency transforms of the grid's
    ``w >= 0`` half."""
    from workbench.symbolic.gaussian import concrete_phi, gauss_average_value
    from workbench.theories.dimension import nonlinear as nl
    from workbench.theories.dimension.finite_size_nonlinear import _Kernels

    fine = c["fine"]
    tau = np.arange(0.0, lag_max, lag_step)
    Dt = (np.cos(np.outer(tau, fine.w)) * fine.dw) @ fine.C_x
    wt = np.full(tau.size, lag_step)
    wt[0] = lag_step / 2
    wk = c["w"][c["keep"]]
    f5 = nl._phi_functions(spec, 5)[5]
    return {"K": _Kernels.build(concrete_phi(spec), float(Dt[0]), Dt, 60),
            "slope2": 0.25 * gauss_average_value(f5, 0.0, float(Dt[0]), 80),
            "to_freq": 2 * np.cos(np.outer(wk, tau)) * wt, "to_lag": lag_operator(wk, tau)}


def _spline_quadrature(wk: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """The uniform grid ``wf`` of ``step`` up to ``wk[-1]`` and the ``(len(wf), len(wk))`` map of a spectrum on ``wk``
    to its values on ``wf`` times trapezoid weights: ``f (1 + w^2)`` interpolated by a cubic spline (smooth, and
    constant in the white-noise tail)."""
    from scipy.interpolate import CubicSpline

    wf = np.linspace(0.0, float(wk[-1]), int(round(float(wk[-1]) / step)) + 1)
    q = np.full(wf.size, wf[1] - wf[0])
    q[0] = q[-1] = q[0] / 2
    return wf, CubicSpline(wk, np.diag(1.0 + wk**2))(wf) * (q / (1.0 + wf**2))[:, None]


def lag_operator(wk: np.ndarray, tau: np.ndarray, step: float = 0.01) -> np.ndarray:
    """``(len(tau), len(wk))``: a unit's even spectrum on the grid ``wk >= 0`` to its autocovariance
    ``(1/pi) int_0^inf cos(w t) f(w) dw`` at the lags ``tau``. ``f (1 + w^2)`` is interpolated by a cubic spline
    (:func:`_spline_quadrature`), integrated on a uniform grid of ``step`` up to ``W = wk[-1]`` and beyond it as the
    tail ``f(W) (1 + W^2) / w^2`` in closed form (a cosine sum on the sinh grid itself aliases at all but the
    smallest lags)."""
    from scipy.special import sici

    W = float(wk[-1])
    wf, P = _spline_quadrature(wk, step)
    M = np.cos(np.outer(tau, wf)) @ P
    si = sici(W * tau)[0]
    M[:, -1] += (1.0 + W**2) * (np.cos(W * tau) / W - tau * (np.pi / 2 - si))
    return M / np.pi


def sine_lag_operator(wk: np.ndarray, tau: np.ndarray, step: float = 0.01) -> np.ndarray:
    """``(len(tau), len(wk))``: an odd spectrum on ``wk >= 0`` to ``(1/pi) int_0^W sin(w t) f(w) dw`` at the lags
    ``tau`` (the imaginary part of a cross-spectrum; spline of ``f (1 + w^2)`` as :func:`lag_operator`, the tail
    beyond the grid's ``W``, of order ``f(W) W``, dropped)."""
    wf, P = _spline_quadrature(wk, step)
    return np.sin(np.outer(tau, wf)) @ P / np.pi


def filon_transforms(wk: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(len(wk), len(tau))`` operators ``int cos(w t) e(t) dt`` and ``int sin(w t) o(t) dt`` over the real line of
    an even ``e`` and an odd ``o`` given at the uniform lags ``tau >= 0``: exact for their piecewise-linear
    interpolants (trapezoid weights times ``sinc^2(w h / 2)``), so frequencies above the lag grid's Nyquist are damped,
    not aliased."""
    h = float(tau[1] - tau[0])
    fac = h * np.sinc(wk * h / (2 * np.pi)) ** 2
    m = np.full(tau.size, 2.0)
    m[0] = 1.0
    return np.cos(np.outer(wk, tau)) * m * fac[:, None], np.sin(np.outer(wk, tau)) * m * fac[:, None]


def causal_transform(wk: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``(len(wk), len(tau))`` operator ``int_0^inf e^{-i w t} s(t) dt`` of a causal ``s`` given at the uniform lags
    ``tau >= 0``, exact for its piecewise-linear interpolant (as :func:`filon_transforms`; the first node carries the
    half hat ``int_0^h (1 - u/h) e^{-i w u} du``)."""
    h = float(tau[1] - tau[0])
    M = np.exp(-1j * np.outer(wk, tau)) * (h * np.sinc(wk * h / (2 * np.pi)) ** 2)[:, None]
    x = wk * h
    small = x < 1e-3
    wsafe = np.where(small, 1.0, wk)
    half = -1j / wsafe + (1 - np.exp(-1j * wsafe * h)) / (wsafe * wsafe * h)
    M[:, 0] = np.where(small, h / 2 - 1j * wk * h * h / 6, half)
    return M


def sunset_sources(J: np.ndarray, cx: dict[int, np.ndarray], c: dict[str, Any], d: float | np.ndarray | None = None,
                   lag_step: float = 0.05, lag_max: float = 40.0,
                   own_noise: bool = False) -> dict[str, dict[int, np.ndarray]]:
    """The two pair terms of second order in the cubic Hermite part of phi (``p3 = <phi^(3)>``), on the LE with gain
    ``d`` (default the DMFT's; or one per unit) whose cross-spectra are ``cx`` (``C_kl(w) = int e^{-i w t} c_kl(t) dt``, ``c_kl(t) =
    <x_k(t0 + t) x_l(t0)>``):

    ``noise``
        the noise sunset ``Sigma_kl(w) = (p3^2 / 6) FT[c_kl(t)^3]`` for ``k != l``: the cross-covariance of jointly
        Gaussian units beyond their linear part (the Mehler ``c^3`` term), added to the residual covariances; its
        diagonal is the unit's own residual spectrum, already in the LE (kept with ``own_noise``);
    ``response``
        the response sunset ``D_kl(w) - d delta_kl = int_0^inf e^{-i w t} (p3^2 / 2) c_kl(t)^2 (R J)_kl(t) dt`` for
        every ``k, l`` (``R J = (a - d J)^{-1} J``: the response of x_k to phi_l): the average response of phi_k to
        x_l through the cubic vertices, the mode-coupling partner ``f'(C) R`` of the noise kernel ``f(C)``; its
        diagonal is the nonlinear self-coupling and reciprocal loops of each unit.

    Second order in the nonlinearity these two and the Hartree LE are the whole fixed-J covariance
    (``benchmarks/study_sunsets_weak_nonlinearity.py`` checks it against simulation)."""
    keep = c["keep"]
    N = J.shape[0]
    d = c["d"] if d is None else d
    eye = np.eye(N)
    cos_op, sin_op, Fc, Fs, causal = _sunset_operators(c["w"][keep].tobytes(), lag_step, lag_max)
    X = np.array([cx[k] for k in keep]).reshape(len(keep), N * N)
    re, im = cos_op @ X.real, sin_op @ X.imag
    fwd, bwd = re - im, re + im  # c_kl(t), c_kl(-t) at t >= 0
    p3sq = (2 * c["slope"]) ** 2
    noise = p3sq / 6 * (Fc @ (0.5 * (fwd**3 + bwd**3)) - 1j * (Fs @ (0.5 * (fwd**3 - bwd**3))))
    JD = J * np.broadcast_to(np.asarray(d, dtype=float), (N,))[None, :]
    RJ = np.array([np.linalg.solve(c["a"][k] * eye - JD, J) for k in keep]).reshape(len(keep), N * N)
    rj = 2 * (cos_op @ RJ.real)  # causal: twice the even part at t > 0
    resp = causal @ (0.5 * p3sq * fwd**2 * rj)
    out: dict[str, dict[int, np.ndarray]] = {"noise": {}, "response": {}}
    for i, k in enumerate(keep):
        s = noise[i].reshape(N, N)
        if not own_noise:
            np.fill_diagonal(s, 0.0)
        out["noise"][k] = s
        out["response"][k] = resp[i].reshape(N, N)
    return out


@functools.lru_cache(maxsize=4)
def _sunset_operators(wk_bytes: bytes, lag_step: float, lag_max: float) -> tuple[np.ndarray, ...]:
    """The lag <-> frequency operators of :func:`sunset_sources` for the frequencies ``wk`` (as bytes): cosine and
    sine lag operators, the Filon pair and the causal transform. They depend on the grid alone, so one build serves
    every network and every iteration of :func:`sunset_closure` (read-only arrays)."""
    wk = np.frombuffer(wk_bytes)
    tau = np.arange(0.0, lag_max, lag_step)
    ops = (lag_operator(wk, tau), sine_lag_operator(wk, tau), *filon_transforms(wk, tau), causal_transform(wk, tau))
    for op in ops:
        op.flags.writeable = False
    return ops


def linear_network_sunsets(J: np.ndarray, c: dict[str, Any], **kw: Any) -> dict[str, np.ndarray]:
    """The equal-time covariance of the linear network on J (unit gains, no residuals: ``base``) and what the noise
    sunset (each unit's own included) and the response sunset of :func:`sunset_sources` (``kw``: its lag grid) add
    to it, taken back to equal time by the spline lag operator at t = 0 (accurate where the sinh grid's quadrature
    is not). The sources carry ``c["slope"]``, so they are small and the responses linear when phi is weakly
    nonlinear."""
    keep = c["keep"]
    eye = np.eye(J.shape[0])
    zero = {k: 0 * eye for k in keep}
    q0 = lag_operator(c["w"][keep], np.array([0.0]))[0]

    def equal_time(cs: dict[int, np.ndarray]) -> np.ndarray:
        return sum(q0[i] * cs[k].real for i, k in enumerate(keep))

    cx, _ = le_spectra(J, c["a"], c["S"], eye, zero, keep)
    base = equal_time(cx)
    src = sunset_sources(J, cx, c, d=1.0, own_noise=True, **kw)
    noise = equal_time(le_spectra(J, c["a"], c["S"], eye, src["noise"], keep)[0]) - base
    D = {k: eye + src["response"][k] for k in keep}
    return {"base": base, "noise": noise, "response": equal_time(le_spectra(J, c["a"], c["S"], D, zero, keep)[0]) - base}


def sunset_terms(J: np.ndarray, c: dict[str, Any], u: dict[str, Any] | None = None,
                 eps: float = 1e-3) -> dict[str, np.ndarray]:
    """``N`` x the first-order responses of :data:`STATS` to the sunsets of :func:`sunset_sources` on an LE of J: the
    noise sunset, the response sunset off the diagonal and on it. On the shared LE, or with the unit maps ``u`` on the
    exact-map closure's self-consistent LE (:func:`closure_state`; the sunsets dressed with its gains, residuals and
    response)."""
    N = J.shape[0]
    eye = np.eye(N)
    keep = c["keep"]
    if u is None:
        gains, sig0 = np.full(N, c["d"]), {k: c["rho"][k] * eye for k in keep}
    else:
        gains, rk = closure_state(J, c, u, True)
        sig0 = {k: np.diag(rk[:, i]) for i, k in enumerate(keep)}
    D0 = np.diag(gains)
    cx, cp = le_spectra(J, c["a"], c["S"], D0, sig0, keep)
    base = statistics(cx, cp, c["wq"])
    src = sunset_sources(J, cx, c, d=gains)
    sig = {k: sig0[k] + src["noise"][k] for k in keep}
    out = {"noise sunset": N * (statistics(*le_spectra(J, c["a"], c["S"], D0, sig, keep), c["wq"]) - base)}
    for name, mask in (("response sunset, off-diagonal", 1 - eye), ("response sunset, diagonal", eye)):
        D = {k: D0 + eps * mask * src["response"][k] for k in keep}
        out[name] = N * (statistics(*le_spectra(J, c["a"], c["S"], D, sig0, keep), c["wq"]) - base) / eps
    return out


def closure(J: np.ndarray, c: dict[str, Any], u: dict[str, Any], exact: bool, tol: float = 1e-7,
            max_iter: int = 100) -> np.ndarray:
    """:data:`STATS` of the self-consistent heterogeneous LE on J (:func:`closure_state`)."""
    dk, rk = closure_state(J, c, u, exact, tol, max_iter)
    keep = c["keep"]
    return statistics(*le_spectra(J, c["a"], c["S"], np.diag(dk), {k: np.diag(rk[:, i]) for i, k in enumerate(keep)},
                                  keep), c["wq"])


def closure_state(J: np.ndarray, c: dict[str, Any], u: dict[str, Any], exact: bool, tol: float = 1e-7,
                  max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The self-consistent heterogeneous LE on J: every unit's gain ``d_k`` and residual spectrum ``rho_k(w)`` (rows,
    at the frequencies ``keep``).

    Each unit's gain and residual spectrum follow its own autocovariance ``Delta_k(t) = Delta(t) + delta_k(t)`` (the
    LE's diagonal) through the single-unit maps: ``d_k = d + s delta_k(0) [+ s2 delta_k(0)^2 / 2]`` and
    ``C^phi_k = C^phi + FT[A delta_k + B delta_k(0) [+ (F_cc delta_k^2 + 2 F_cv delta_k delta_k(0) + F_vv
    delta_k(0)^2) / 2]]``. ``exact``: with the bracketed second-order terms (the exact single-unit curvature), else
    linearised (the LE's own curvature, as in :mod:`workbench.theories.dimension.closure`). The exact maps add their
    second-order terms less the linearised map's own ``2 d s delta_k delta_k(0)``, both on the lag grid, so that the
    two agree to first order in the nonlinearity (where both are exact); the unit spectra reach the lag grid through
    :func:`lag_operator`. Damped fixed-point iteration (one half)."""
    N, keep = J.shape[0], c["keep"]
    dk, rk = np.full(N, c["d"]), np.tile(c["rho"][keep], (N, 1))
    step = float("inf")
    for _ in range(max_iter):
        if step < tol:
            return dk, rk
        cx, _ = le_spectra(J, c["a"], c["S"], np.diag(dk), {k: np.diag(rk[:, i]) for i, k in enumerate(keep)}, keep)
        d_new, r_new = _unit_update(cx, c, u, exact)
        step = float(np.max(np.abs(d_new - dk)))
        dk, rk = 0.5 * (dk + d_new), 0.5 * (rk + r_new)
    raise RuntimeError(f"the closure did not converge in {max_iter} iterations (last step {step:.2g})")


def _unit_update(cx: dict[int, np.ndarray], c: dict[str, Any], u: dict[str, Any],
                 exact: bool) -> tuple[np.ndarray, np.ndarray]:
    """Every unit's gain and residual spectrum (rows at ``keep``) from its autocovariance, the diagonal of ``cx``,
    through the single-unit maps of :func:`closure_state`."""
    keep, d, s, K = c["keep"], c["d"], c["slope"], u["K"]
    cx_bar = c["Cx"][keep]
    diag = np.array([np.diag(cx[k]).real for k in keep]).T
    dl = (diag - cx_bar) @ u["to_lag"].T
    d0 = (diag - cx_bar) @ c["wq"][keep][:, None]  # the grid's own quadrature, as the statistics
    lag = (K.A - d * d) * dl + K.B * d0
    d_new = d + s * d0[:, 0]
    r_new = c["rho"][keep] + lag @ u["to_freq"].T - 2 * d * s * d0 * cx_bar
    if exact:  # the second-order terms less the linearised map's 2 d s delta delta(0), in one (lag) domain
        d_new = d_new + 0.5 * u["slope2"] * d0[:, 0] ** 2
        curv = 0.5 * (K.Fcc * dl * dl + 2 * (K.Fcv - 2 * d * s) * dl * d0 + K.Fvv * d0 * d0)
        r_new = r_new + curv @ u["to_freq"].T - (d_new**2 - d * d - 2 * d * s * d0[:, 0])[:, None] * diag
    return d_new, r_new


def sunset_closure(J: np.ndarray, c: dict[str, Any], u: dict[str, Any], tol: float = 1e-6,
                   max_iter: int = 100) -> np.ndarray:
    """:data:`STATS` of the exact-map closure with the noise and off-diagonal response sunsets inside its
    self-consistency: each iteration's LE (gains ``D(w) = diag(d_k) + response``, residuals ``diag(rho_k) + noise``)
    gives the units' maps and the sunsets of the next (:func:`sunset_sources` with the unit gains), damped by one
    half, from the plain closure's state."""
    N, keep = J.shape[0], c["keep"]
    eye = np.eye(N)
    dk, rk = closure_state(J, c, u, True)
    noise = {k: 0 * eye for k in keep}
    resp = {k: 0 * eye for k in keep}
    step = float("inf")
    for _ in range(max_iter):
        D = {k: np.diag(dk) + (1 - eye) * resp[k] for k in keep}
        sig = {k: np.diag(rk[:, i]) + noise[k] for i, k in enumerate(keep)}
        cx, cp = le_spectra(J, c["a"], c["S"], D, sig, keep)
        if step < tol:
            return statistics(cx, cp, c["wq"])
        src = sunset_sources(J, cx, c, d=dk)
        d_new, r_new = _unit_update(cx, c, u, True)
        step = max(float(np.max(np.abs(d_new - dk))),
                   max(float(np.max(np.abs(src["response"][k] - resp[k]))) for k in keep))
        dk, rk = 0.5 * (dk + d_new), 0.5 * (rk + r_new)
        noise = {k: 0.5 * (noise[k] + src["noise"][k]) for k in keep}
        resp = {k: 0.5 * (resp[k] + src["response"][k]) for k in keep}
    raise RuntimeError(f"the closure with sunsets did not converge in {max_iter} iterations (last step {step:.2g})")


def closure_terms(J: np.ndarray, c: dict[str, Any], u: dict[str, Any]) -> dict[str, np.ndarray]:
    """``N (closure - shared)`` on J for the exact and the linearised unit maps (the shared-gain LE on the same grid,
    so the quadrature error cancels in the difference)."""
    N = J.shape[0]
    shared = statistics(*shared_spectra(J, c), c["wq"])
    return {"closure, exact maps": N * (closure(J, c, u, True) - shared),
            "closure, linearised": N * (closure(J, c, u, False) - shared)}


def sunset_closure_terms(J: np.ndarray, c: dict[str, Any], u: dict[str, Any]) -> dict[str, np.ndarray]:
    """``N (closure - shared)``, ``N (closure with sunsets - shared)`` (:func:`sunset_closure`) and their paired
    difference on J."""
    N = J.shape[0]
    shared = statistics(*shared_spectra(J, c), c["wq"])
    plain, with_sunsets = closure(J, c, u, True), sunset_closure(J, c, u)
    return {"closure, exact maps": N * (plain - shared), "closure with sunsets": N * (with_sunsets - shared),
            "sunsets in the closure": N * (with_sunsets - plain)}


def main(argv: list[str] | None = None) -> int:
    from threadpoolctl import threadpool_limits

    from workbench.progress import Progress

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phi", default="tanh")
    ap.add_argument("--g", type=float, default=1.2)
    ap.add_argument("--sigma2", type=float, default=1.0)
    ap.add_argument("--N", type=int, default=200)
    ap.add_argument("--networks", type=int, default=100)
    ap.add_argument("--n-freq", type=int, default=61)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--closure", action="store_true",
                    help="the self-consistent closures (exact and linearised unit maps) instead of the first-order terms")
    ap.add_argument("--sunsets", action="store_true",
                    help="the noise and response sunsets (second order in the cubic Hermite part of phi) instead")
    ap.add_argument("--dressed", action="store_true",
                    help="with --sunsets: on the exact-map closure's self-consistent LE instead of the shared one")
    ap.add_argument("--self-consistent", action="store_true",
                    help="with --sunsets: the exact-map closure with the sunsets inside its self-consistency")
    args = ap.parse_args(argv)
    spec = ModelSpec.simple(g=args.g, phi=args.phi, sigma2=args.sigma2)
    c = setup(spec, args.n_freq)
    maps = unit_maps(spec, c) if args.closure or args.dressed or args.self_consistent else None
    rng = np.random.default_rng(args.seed)
    rows: dict[str, list[np.ndarray]] = {}
    with threadpool_limits(limits=2), Progress(args.networks, "networks") as bar:
        for _ in range(args.networks):
            J = args.g / math.sqrt(args.N) * rng.standard_normal((args.N, args.N))
            rows_J = (sunset_closure_terms(J, c, maps) if args.sunsets and args.self_consistent
                      else sunset_terms(J, c, maps if args.dressed else None) if args.sunsets
                      else closure_terms(J, c, maps) if maps else network_terms(J, c))
            for k, v in rows_J.items():
                rows.setdefault(k, []).append(v)
            bar.update()
    cols = [f"{s} {w}" for w in ("x", "phi") for s in STATS]
    what = ("N (closure - shared LE) on the same J" if maps and not args.sunsets else
            f"N x the first-order response{' on the closure LE' if args.dressed else ''}")
    print(f"{args.phi} g = {args.g:g}, sigma2 = {args.sigma2:g}: N = {args.N}, {args.networks} networks, seed "
          f"{args.seed}, {args.n_freq} frequencies; mean +- SE of {what}")
    print(f"{'term':22s}" + "".join(f"{h:>22s}" for h in cols))
    for k, v in rows.items():
        arr = np.array(v)
        m, se = arr.mean(0), arr.std(0, ddof=1) / math.sqrt(len(arr)) if len(arr) > 1 else np.zeros(arr.shape[1])
        print(f"{k:22s}" + "".join(f"{mi:>+13.4f} +- {si:<6.4f}" for mi, si in zip(m, se, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
