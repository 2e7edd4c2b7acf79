"""One unit's non-linear-equivalent O(1/N) perturbations (``unit_perturbations``) against closed forms and against
direct integration of the perturbed unit on the same Gaussian paths.

The direct checks integrate ``x = x0 + y`` of a unit driven by the DMFT input (x0 sampled exactly as the samplers
do) with the feedback scaled by ``+-eps`` (RK4 on the paths' grid); the symmetric second difference in eps, with a
Richardson step over eps = 0.1 and 0.2, is the eps^2 coefficient that the samplers compute by perturbation theory.
Tolerances are 4 combined SEs over independent batches (sampler and direct integration are independent draws).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
import sympy as sp

import derivations.dimension_finite_size as dfs
from workbench.spec import ModelSpec
from workbench.theories.dimension import nonlinear as nl
from workbench.theories.dimension.unit_perturbations import (
    GaussianPaths,
    cumulant_phi_shift,
    input_cumulants,
    reciprocal_loop,
    self_coupling,
)

LAG_STEP, LAG_MAX = 0.025, 30.0


@pytest.fixture(scope="module")
def tanh_unit():
    spec, _ = nl.unit_time(ModelSpec.simple(g=1.2, phi="tanh", sigma2=1.0))
    res = nl._dmft_result(spec)
    return res, list(nl._phi_functions(spec, 2))


@numba.njit(cache=False)
def _integrate(x0: np.ndarray, eta: np.ndarray, eps: float, loop: bool, h: float) -> np.ndarray:
    """``y' = -y + eps F``, ``F = tanh(x0 + y)`` (self-coupling) or ``F = eta z`` with ``z' = -z + tanh(x0 + y)``
    (a loop through a unit of gain eta); RK4 with step 2h, the inputs at the grid's midpoints."""
    n = x0.size
    y, z = np.zeros(n), np.zeros(n)
    H = 2.0 * h
    for k in range(0, n - 2, 2):
        yk, zk = y[k], z[k]
        ky, kz = np.zeros(4), np.zeros(4)
        for s in range(4):
            c = (0.0, h, h, H)[s]
            idx = k + (0, 1, 1, 2)[s]
            yy = yk + (c * ky[s - 1] if s else 0.0)
            zz = zk + (c * kz[s - 1] if s else 0.0)
            f = math.tanh(x0[idx] + yy)
            if loop:
                ky[s] = -yy + eps * eta[idx] * zz
                kz[s] = -zz + f
            else:
                ky[s] = -yy + eps * f
        y[k + 2] = yk + H / 6 * (ky[0] + 2 * ky[1] + 2 * ky[2] + ky[3])
        z[k + 2] = zk + H / 6 * (kz[0] + 2 * kz[1] + 2 * kz[2] + kz[3])
        y[k + 1], z[k + 1] = 0.5 * (yk + y[k + 2]), 0.5 * (zk + z[k + 2])
    return y


def _direct(paths: GaussianPaths, n_paths: int, seed: int, loop: bool, eta_of: object = None) -> np.ndarray:
    """Per path, the Richardson eps^2 coefficients of ``<x^2>`` and ``<tanh(x)^2>`` (burn-in of 250 time units)."""
    rng = np.random.default_rng(seed)
    burn = int(250 / paths.dt)
    rows = []
    for _ in range(n_paths):
        x0 = paths.sample(rng)
        eta = eta_of(rng) if loop else np.zeros(1)
        base = np.array([np.mean(x0[burn:] ** 2), np.mean(np.tanh(x0[burn:]) ** 2)])
        second = {}
        for e in (0.1, 0.2):
            m = [x0[burn:] + _integrate(x0, eta, s * e, loop, paths.dt)[burn:] for s in (1.0, -1.0)]
            second[e] = sum(np.array([np.mean(x * x), np.mean(np.tanh(x) ** 2)]) for x in m) - 2 * base
            second[e] /= 2 * e * e
        rows.append((4 * second[0.1] - second[0.2]) / 3)
    return np.array(rows)


def _agree(direct: np.ndarray, value: float, se: float) -> None:
    m, s = float(direct.mean()), float(direct.std(ddof=1) / math.sqrt(direct.size))
    assert abs(m - value) < 4 * math.hypot(s, se), (m, s, value, se)


def test_self_coupling_against_direct_integration(tanh_unit) -> None:
    """tanh at g = 1.2, sigma2 = 1: the sampled eps^2 coefficients of x and phi (0.335 and 0.0436) against the
    integrated unit ``dx = -x + eps tanh(x) + u`` on independent paths."""
    res, phis = tanh_unit
    sc = self_coupling(res.Delta_at, phis, LAG_STEP, LAG_MAX, batches=8)
    direct = _direct(GaussianPaths(res.Delta_at, LAG_STEP, LAG_MAX, 20), 3, 11, loop=False)
    _agree(direct[:, 0], sc["Dx"][0], sc["Dx_se"][0])
    _agree(direct[:, 1], sc["Dphi"][0], sc["Dphi_se"][0])
    assert sc["Dx"][0] == pytest.approx(0.335, abs=0.01) and sc["Dphi"][0] == pytest.approx(0.0436, abs=0.002)


def test_self_coupling_control_variate_is_unbiased_and_cuts_the_se(tanh_unit) -> None:
    """The linear surrogate as control variate (``gain``, the unit's <phi'> = 0.645 at tanh g = 1.2): independent
    seeds with and without it agree (4 SE), the SE of Dx falls by 2 or more (measured 2.2), the same at any gain (the
    regression sets the scale)."""
    res, phis = tanh_unit
    plain = self_coupling(res.Delta_at, phis, LAG_STEP, LAG_MAX, batches=8, seed=5)
    ctl = self_coupling(res.Delta_at, phis, LAG_STEP, LAG_MAX, batches=8, seed=6, gain=0.645)
    for key in ("Dx", "Dphi"):
        assert abs(ctl[key][0] - plain[key][0]) < 4 * math.hypot(ctl[f"{key}_se"][0], plain[f"{key}_se"][0]), key
    assert ctl["Dx_se"][0] < 0.5 * plain["Dx_se"][0]
    other = self_coupling(res.Delta_at, phis, LAG_STEP, LAG_MAX, batches=8, seed=6, gain=0.3)
    np.testing.assert_allclose(other["Dx"], ctl["Dx"], rtol=1e-9, atol=1e-12)


def test_reciprocal_loop_against_direct_integration(tanh_unit) -> None:
    """The loop ``eta(t) (S* phi(x))(t)``: eta with covariance ``A(tau)`` (here ``d zeta + eta_f``, zeta = +-1 per
    path and eta_f Gaussian with covariance ``A - d^2``) against the sampler's constant-plus-fluctuating split."""
    from derivations.dimension_finite_size import C_LAG, V_SITE, linearised_dmft_kernels
    from workbench.symbolic.gaussian import gauss_expression_values

    res, phis = tanh_unit
    D0 = float(res.Delta_at(np.zeros(1))[0])
    A_expr = linearised_dmft_kernels(sp.tanh(sp.Symbol("x")))["A"]

    def A_at(lags: np.ndarray) -> np.ndarray:
        return gauss_expression_values(A_expr, C_LAG, res.Delta_at(lags), {V_SITE: D0}, 60)

    d = float(np.sqrt(A_at(np.array([1e3]))[0]))  # A(inf) = <phi'>^2
    rl = reciprocal_loop(res.Delta_at, A_at, d, phis, LAG_STEP, LAG_MAX, batches=8)
    paths = GaussianPaths(res.Delta_at, LAG_STEP, LAG_MAX, 20)
    amp = paths.amplitude(lambda lags: A_at(lags) - d * d)
    direct = _direct(paths, 3, 12, loop=True,
                     eta_of=lambda rng: d * rng.choice((-1.0, 1.0)) + paths.sample(rng, amp))
    _agree(direct[:, 0], rl["Dx"][0], rl["Dx_se"][0])
    _agree(direct[:, 1], rl["Dphi"][0], rl["Dphi_se"][0])


def test_reciprocal_loop_of_a_linear_unit_is_the_derived_linear_equivalent() -> None:
    """phi = x (A = d^2 = 1: no fluctuating gain): the sampled loop equals the derived linear-equivalent loop
    ``int dw/2pi d^2 [d^2 C_x (s^4 + s^2 sbar^2 + sbar^4) + rho |s|^4]`` at rho = 0, within 4 SE."""
    g, kappa = 0.5, math.sqrt(0.75)
    ident = [lambda x: x, np.ones_like, np.zeros_like]
    rl = reciprocal_loop(lambda t: np.exp(-kappa * np.abs(t)) / (2 * kappa), np.ones_like, 1.0, ident, LAG_STEP,
                         LAG_MAX, batches=8)
    le = dfs.reciprocal_loop_linear_equivalent()
    f = sp.lambdify((dfs.S_F, dfs.S_FB, dfs.D_GAIN, dfs.C_XW, dfs.RHO_W), le["x"], "numpy")
    w = np.linspace(-2000, 2000, 2_000_001)
    s = 1 / (1 + 1j * w)
    exact = float(np.sum(np.real(f(s, np.conj(s), 1.0, 1 / (1 + w * w - g * g), 0.0))) * (w[1] - w[0]) / (2 * np.pi))
    assert abs(rl["Dx"][0] - exact) < 4 * rl["Dx_se"][0] and rl["Dx_se"][0] < 0.03 * exact, (rl["Dx"][0], exact)
    assert np.allclose(rl["Dphi"], rl["Dx"])
    ctl = reciprocal_loop(lambda t: np.exp(-kappa * np.abs(t)) / (2 * kappa), np.ones_like, 1.0, ident, LAG_STEP,
                          LAG_MAX, batches=4, control=True)  # the linear surrogate makes the constant part exact
    assert ctl["Dx"][0] == pytest.approx(exact, rel=1e-4) and ctl["Dx_se"][0] < 1e-12
    assert le["phi"].equals(sp.factor(dfs.D_GAIN**4 * (dfs.D_GAIN**2 * dfs.C_XW + dfs.RHO_W)
                                      * (dfs.S_F**4 + dfs.S_F**2 * dfs.S_FB**2 + dfs.S_FB**4)))


def test_input_cumulants(tanh_unit) -> None:
    """A Gaussian input's (phi = x) fourth cumulants vanish within 4 SE; tanh's are negative (a bounded phi is
    platykurtic), k2(0) = k0 and k1 is symmetric at lag 0; the phi shift at lag 0 is golden (+0.0109 per 3 g^4/N at
    g = 1.2 after the factor, from the Edgeworth term)."""
    res, phis = tanh_unit
    lin = input_cumulants(lambda t: np.exp(-np.abs(t)) / 2, lambda x: x, LAG_STEP, LAG_MAX, batches=8)
    assert abs(lin["k0"]) < 4 * lin["k0_se"] and np.all(np.abs(lin["k2"][:40]) < 4 * lin["k2_se"][:40])
    cum = input_cumulants(res.Delta_at, phis[0], LAG_STEP, LAG_MAX, batches=8)
    assert cum["k0"] == pytest.approx(-0.0436, abs=5 * cum["k0_se"]) and cum["k0_se"] < 0.002
    assert cum["k2"][0] == pytest.approx(cum["k0"], rel=1e-9) and cum["k1p"][0] == pytest.approx(cum["k1m"][0])
    ones = np.ones(3)
    shift = cumulant_phi_shift({"k0": 1.0, "k1p": 0 * ones, "k1m": 0 * ones, "k2": 0 * ones}, ones, 2 * ones, 3 * ones)
    assert shift == pytest.approx((4 * 3 - 2 * 1) / 24 * ones)  # <d1^4 F> + <d2^4 F> = 4 R_vv - 2 R_cc
