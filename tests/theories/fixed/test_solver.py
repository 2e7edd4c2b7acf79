"""predict(J): linear exactness, frequency integral, Shen-Hu special case, per-neuron diagonal, refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.linalg as sla

from workbench.errors import SpecError
from workbench.theories.fixed import FixedResult, predict


def _J(N: int, g: float, seed: int) -> np.ndarray:
    """iid Gaussian couplings of variance g^2/N."""
    return np.random.default_rng(seed).standard_normal((N, N)) * g / np.sqrt(N)


def test_linear_network_is_exact() -> None:
    """phi = x: gains 1, C(0) = sigma2 (I-J)^-1 (I-J)^-T, equal time = the Lyapunov solve, phi = x."""
    N, s2 = 120, 0.7
    J = _J(N, 0.6, 1)
    r = predict(J, "linear", s2)
    assert isinstance(r, FixedResult) and np.all(r.gains == 1.0) and r.g_eff == pytest.approx(r.g)
    R = np.linalg.inv(np.eye(N) - J)
    np.testing.assert_allclose(r.cov_x_zero_frequency, s2 * R @ R.T, atol=1e-12)
    np.testing.assert_allclose(r.response, R, atol=1e-12)
    lyap = sla.solve_continuous_lyapunov(J - np.eye(N), -s2 * np.eye(N))
    np.testing.assert_allclose(r.cov_x, lyap, atol=1e-12)
    np.testing.assert_allclose(r.cov_phi, r.cov_x, atol=1e-12)
    np.testing.assert_allclose(r.cov_phi_zero_frequency, r.cov_x_zero_frequency, atol=1e-12)


def test_equal_time_is_the_frequency_integral_of_the_spectra() -> None:
    """Closed-form eigenbasis integral = quadrature of cov_at(w) (nonlinear, per-neuron), and cov_at(0) = C(0)."""
    N = 30
    r = predict(_J(N, 1.3, 2), "tanh", 0.8)
    th, wt = np.polynomial.legendre.leggauss(1200)  # the slowest basis rate (0.01) needs fine resolution near w = 0
    th, wt = th * np.pi / 2, wt * np.pi / 2
    for which, C in (("x", r.cov_x), ("phi", r.cov_phi)):
        quad = sum(wk / np.cos(t) ** 2 / (2 * np.pi) * r.cov_at(np.tan(t), which) for t, wk in zip(th, wt, strict=True))
        np.testing.assert_allclose(quad.real, C, atol=1e-5 * np.abs(C).max())
    np.testing.assert_allclose(r.cov_at(0.0, "x").real, r.cov_x_zero_frequency, atol=1e-10)
    np.testing.assert_allclose(r.cov_at(0.0, "phi").real, r.cov_phi_zero_frequency, atol=1e-10)


def test_response_at_frequency() -> None:
    N = 25
    r = predict(_J(N, 1.2, 4), "tanh", 0.5)
    np.testing.assert_allclose(r.response_at(0.0), r.response, atol=1e-12)
    Rw = r.response_at(np.array([0.3, 2.0]))
    A = r.J * r.gains[None, :]
    np.testing.assert_allclose(Rw[1], np.linalg.inv((1 + 2j) * np.eye(N) - A), atol=1e-12)
    np.testing.assert_allclose(r.response_phi, r.gains[:, None] * r.response)


def test_shen_hu_special_case() -> None:
    """Shared gains, iid J: C^phi(0) = Sigma0 (I - g_eff J0)^-1 (..)^-T exactly; PR/N -> (1 - g_eff^2)^2 over networks.

    4 networks, N = 600, g = 1.2, sigma2 = 1 (g_eff ~ 0.77); the mean PR/N over networks agrees with HS within the
    Student-t multiple (3 dof) of its SE.
    """
    from workbench.sim.checks import t_stat

    prs, hs = [], []
    for seed in range(4):
        J = _J(600, 1.2, seed)
        r = predict(J, "tanh", 1.0, "shared", equal_time=False)
        R = np.linalg.inv(np.eye(600) - r.g_eff * J / r.g)
        np.testing.assert_allclose(r.cov_phi_zero_frequency, r.site.sigma0_phi[0] * R @ R.T, atol=1e-10)
        law = r.shen_hu()
        ev = r.covariance_spectrum("phi")
        lo, hi = law["support"]
        assert np.mean((ev > lo * 0.9) & (ev < hi * 1.3)) > 0.99  # bulk inside the HS support (finite-N edges)
        prs.append(r.PR_over_N_phi_zero_frequency)
        hs.append(law["PR_over_N"])
    se = np.std(prs, ddof=1) / np.sqrt(len(prs))
    cmp = t_stat("zero-frequency PR/N of phi", float(np.mean(hs)), float(np.mean(prs)), float(se), dof=len(prs) - 1,
                 kind="reference")
    assert cmp.ok, cmp
    x, p = law["x"], law["density"]
    assert np.trapezoid(p, x) == pytest.approx(1.0, abs=1e-3)
    assert np.trapezoid(p * x, x) == pytest.approx(law["mean"], rel=1e-3)


def test_per_neuron_diagonal_reproduces_the_per_neuron_dmft() -> None:
    """diag C^x = Delta_i(0) of each neuron's DMFT (row norm): mean ratio 1 within 4 SE; the row norms explain the diagonal."""
    N = 500
    r = predict(_J(N, 0.8, 5), "tanh", 1.0)
    ratio = np.diag(r.cov_x) / r.site.Delta0
    se = ratio.std(ddof=1) / np.sqrt(N)
    assert abs(ratio.mean() - 1) < 4 * se + 1 / N
    assert np.corrcoef(np.diag(r.cov_x), r.site.Delta0)[0, 1] > 0.2
    ratio_phi = np.diag(r.cov_phi) / r.site.C_phi0
    assert abs(ratio_phi.mean() - 1) < 4 * ratio_phi.std(ddof=1) / np.sqrt(N) + 1 / N
    assert r.gains.std() > 0 and r.site.fit_error < 1e-4


def test_summary_is_strict_json() -> None:
    r = predict(_J(40, 1.5, 6), "tanh", 0.5)
    s = json.loads(json.dumps(r.summary(), allow_nan=False))
    assert {"PR_over_N_x", "PR_over_N_phi", "g_eff", "g", "N", "gains", "timings", "method"} <= set(s)
    assert 0 < s["PR_over_N_phi"] <= 1 and s["g_eff"] == pytest.approx(r.g * r.gains.mean())


def test_memory_refusal_before_allocating(monkeypatch) -> None:
    from workbench.theories.fixed import solver

    with pytest.raises(SpecError, match=r"J_file: N = 100000 needs about .* GiB"):
        solver.check_memory(100_000, available=8 * 2**30)
    monkeypatch.setattr(solver, "available_bytes", lambda: 1000)
    with pytest.raises(SpecError, match="J_file"):
        predict(_J(30, 0.5, 0), "tanh", 1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"J": np.ones((3, 4))}, "square"),
        ({"J": np.full((3, 3), np.nan)}, "non-finite"),
        ({"sigma2": -1.0}, "sigma2"),
        ({"gains": "mean"}, "gains: one of per-neuron, shared"),
        ({"phi": "relu"}, "odd phi .*allowed: tanh, erf, linear"),
        ({"phi": "linear", "J": 2 * np.eye(3)}, "unstable"),
    ],
)
def test_bad_input_is_one_line(kwargs, match) -> None:
    args = {"J": _J(3, 0.5, 0), "phi": "tanh", "sigma2": 1.0, **kwargs}
    with pytest.raises(SpecError, match=match) as err:
        predict(args.pop("J"), **args)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("N", "g", "s2"), [(41, 1.3, 0.8), (40, 0.7, 0.0), (3, 0.9, 1.0)])
def test_real_arithmetic_path_equals_the_complex_reference(N: int, g: float, s2: float) -> None:
    """equal_time (real dgeev basis, real products) = equal_time_reference (complex eig, U^-1, zherk) to round-off."""
    from workbench.theories.fixed.gains import single_site
    from workbench.theories.fixed.solver import equal_time, equal_time_reference, real_eig

    J = _J(N, g, 11)
    if s2 == 0.0:  # a static noiseless tanh network has zero covariance: use the linear network with noise instead
        site, s2 = single_site(J, "x", 0.5, "per-neuron", True), 0.5
    else:
        site = single_site(J, "tanh", s2, "per-neuron", False)
    fast, ref = equal_time(J.copy(), site, s2), equal_time_reference(J.copy(), site, s2)
    for key in ("cov_x", "cov_phi"):
        np.testing.assert_allclose(fast[key], ref[key], rtol=0, atol=1e-11 * np.abs(ref[key]).max())
    A = J * site.d[None, :]
    lam, V, basis = real_eig(A.copy())
    assert np.any(lam.imag != 0) and np.all(lam[basis.a].imag > 0)
    U = V.astype(complex)  # the complex eigenvectors U = V P
    U[:, basis.a], U[:, basis.b] = V[:, basis.a] + 1j * V[:, basis.b], V[:, basis.a] - 1j * V[:, basis.b]
    np.testing.assert_allclose(A @ U, U * lam[None, :], atol=1e-12)


def test_special_function_phi_is_vectorised() -> None:
    """erf (lambdified through SciPy, not math.erf) predicts like tanh does: every neuron's diagonal is its DMFT
    variance under shared gains (this raised a TypeError in the Gauss-Hermite averages before)."""
    J = np.random.default_rng(0).standard_normal((60, 60)) * 0.9 / np.sqrt(60)
    res = predict(J, "erf(x)", 0.5, gains="shared")
    assert np.all(np.isfinite(res.cov_x)) and np.all(np.diag(res.cov_phi) > 0)
    assert np.allclose(res.site.d, res.site.d[0]) and 0 < res.site.d[0] < 2 / np.sqrt(np.pi)


def test_kinked_phi_gains_are_the_exact_gaussian_integrals() -> None:
    """clip(x,-1,1): per-neuron gains = erf(1/sqrt(2 Delta0_i)) and <phi^2> = the exact integral (61-node
    Gauss-Hermite put the gain 8-20 % off); the pair kernel matches an adaptive double integral."""
    from scipy import integrate
    from scipy.special import erf

    from workbench.solvers.kinked import expr_kinks
    from workbench.theories.fixed.gains import _numeric, check_phi, gauss_pair, single_site

    site = single_site(_J(60, 1.4, 3), "clip(x,-1,1)", 0.5, "per-neuron", linear=False)
    D0 = site.Delta0
    np.testing.assert_allclose(site.d, erf(1 / np.sqrt(2 * D0)), rtol=1e-10)
    exact = [integrate.quad(lambda x, v=v: min(x * x, 1.0) * np.exp(-x * x / (2 * v)) / np.sqrt(2 * np.pi * v),
                            -40, 40, points=[-1, 1], epsabs=1e-13)[0] for v in D0[:5]]
    np.testing.assert_allclose(site.C_phi0[:5], exact, rtol=1e-10)
    expr = check_phi("clip(x,-1,1)")
    f, _ = _numeric(expr)
    c = 0.6

    def inner(z: float) -> float:
        a, b = np.sqrt(1 - c), np.sqrt(c)
        return integrate.quad(lambda y: np.clip(b * z + a * y, -1, 1) * np.exp(-y * y / 2), -12, 12, epsabs=1e-13,
                              points=[(-1 - b * z) / a, (1 - b * z) / a])[0] ** 2 / (2 * np.pi)

    pair = integrate.quad(lambda z: inner(z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi), -12, 12, limit=200,
                          epsabs=1e-12)[0]
    assert gauss_pair(f, 1.0, np.array([c]), expr_kinks(expr))[0] == pytest.approx(pair, abs=1e-8)
