"""Two-site cavity dimension theory: published reference values, the linear limit, refusals, derivation shape."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.theories.dimension.nonlinear import (
    instability_curve,
    psi_frequency,
    solve_nonlinear,
    unit_spectra,
)

# Clark, Abbott & Litwin-Kumar (rnn-lyapunov pr_theory_delta0.json), notes fixed-connectivity §3 table.
CAL = {1.25: (0.0014001, 0.0014607), 1.5: (0.0056111, 0.0062393), 2.0: (0.0159148, 0.0197407)}
# Linear network, equal-time, sigma2 = 1: notes dmft.md §6.2 (quadrature and Lyapunov solves agree).
LINEAR_EQUAL_TIME = {0.5: (0.84773, 0.059873), 0.7: (0.63338, 0.283740)}


@pytest.mark.parametrize("g", [1.5, 2.0])
def test_clark_reference_values(g: float) -> None:
    """Noiseless tanh chaos: PR^x/N and PR^phi/N agree with CAL's published theory to 0.05 %."""
    res = solve_nonlinear(ModelSpec.simple(g=g))
    pr_x, pr_phi = CAL[g]
    assert res.method == "cavity" and res.covariance == "equal-time"
    assert res.PR_over_N_x == pytest.approx(pr_x, rel=5e-4)
    assert res.PR_over_N_phi == pytest.approx(pr_phi, rel=5e-4)
    assert res.error_estimates["PR_over_N_x"] < 1e-6 * res.PR_over_N_x


def test_shen_hu_zero_frequency() -> None:
    """Zero-frequency phi covariance: PR/N = (1 - g_eff^2)^2 (notes §2 table: 0.002706 at g = 2)."""
    res = solve_nonlinear(ModelSpec.simple(g=2.0), covariance="zero-frequency")
    assert res.PR_over_N_phi == pytest.approx((1 - res.extras["g_eff"] ** 2) ** 2, rel=1e-10)
    assert res.PR_over_N_phi == pytest.approx(0.002706, abs=1e-6)


@pytest.mark.parametrize("g", [0.5, 0.7])
def test_linear_limit_equal_time(g: float) -> None:
    """phi = x reproduces the equal-time linear statistics of notes §6.2 and dimlin's linear theory."""
    res = solve_nonlinear(ModelSpec.simple(g=g, phi="linear", sigma2=1.0))
    pr, nvar = LINEAR_EQUAL_TIME[g]
    assert res.PR_over_N_x == pytest.approx(pr, abs=1e-5)
    assert res.N_var_cross_x == pytest.approx(nvar, abs=1e-6)
    assert res.mean_autocov_x == pytest.approx(1 / (2 * np.sqrt(1 - g * g)), rel=1e-10)
    assert res.PR_over_N_phi == pytest.approx(res.PR_over_N_x, rel=1e-12)
    from workbench.theories.dimension.linear import solve_linear

    lin = solve_linear(g, 1.0)
    assert res.PR_over_N_x == pytest.approx(lin.PR_over_N_x, rel=1e-7)
    assert res.N_var_cross_x == pytest.approx(lin.N_var_cross_x, rel=1e-7)


@pytest.mark.parametrize("covariance", ["equal-time", "zero-frequency"])
def test_linear_limit_ou_and_zero_frequency(covariance: str) -> None:
    """OU noise and the zero-frequency covariance: the same numbers as the linear theory."""
    from workbench.theories.dimension.linear import solve_linear

    g, s2, tn = 0.6, 0.7, 0.8
    res = solve_nonlinear(ModelSpec.simple(g=g, phi="linear", sigma2=s2, noise="ou", noise_tau=tn), covariance=covariance)
    lin = solve_linear(g, s2, tau_noise=tn, covariance=covariance)
    for key in ("PR_over_N_x", "mean_autocov_x", "N_var_cross_x"):
        assert getattr(res, key) == pytest.approx(getattr(lin, key), rel=1e-7), key
    if covariance == "equal-time":
        kappa = np.sqrt(1 - g * g)
        assert res.mean_autocov_x == pytest.approx(s2 / (2 * kappa * (1 + kappa * tn)), rel=1e-10)
    else:
        assert res.PR_over_N_x == pytest.approx((1 - g * g) ** 2, rel=1e-12)
        assert res.N_var_cross_x == pytest.approx(s2**2 * g * g * (2 - g * g) / (1 - g * g) ** 4, rel=1e-12)


def test_frequency_resolved_linear_closed_form() -> None:
    """psi(w, w) of a linear network is sigma^4 [(1+w^2)^2 (1+w^2-g^2)^-4 - (1+w^2-g^2)^-2] (notes §6.2)."""
    g = 0.6
    sp_ = unit_spectra(ModelSpec.simple(g=g, phi="linear", sigma2=1.0))
    w = np.array([0.0, 0.3, 1.0, 4.0])
    psi = np.diag(psi_frequency(sp_, w, w)["psi_phi"])
    b = 1 + w**2 - g * g
    np.testing.assert_allclose(psi, (1 + w**2) ** 2 / b**4 - 1 / b**2, rtol=1e-12)
    np.testing.assert_allclose(np.diag(psi_frequency(sp_, w, w)["psi_x"]), psi, rtol=1e-12)


def test_nearly_linear_tanh_through_dmft() -> None:
    """Weak noise keeps tanh in its linear range: the DMFT-based pipeline gives the linear PR/N (0.84773)."""
    res = solve_nonlinear(ModelSpec.simple(g=0.5, sigma2=1e-4))
    assert res.extras["single_site"].startswith("DMFT")
    assert res.PR_over_N_x == pytest.approx(0.84773, abs=2e-4)
    assert res.PR_over_N_phi == pytest.approx(0.84773, abs=2e-4)


def test_instability_curve_linear_diverges_nonlinear_finite() -> None:
    """Linear PR/N -> 0 as g -> 1 and is undefined beyond; noisy tanh keeps PR/N > 0 through g = 1."""
    data = instability_curve(np.array([0.5, 0.97, 1.3]), sigma2=1.0, n_freq=201)
    lin, nl = data["PR_linear"], data["PR_nonlinear"]
    assert lin[0] == pytest.approx(0.84773, abs=1e-4) and 0 < lin[1] < 0.2 and np.isnan(lin[2])
    assert np.all(nl > 0.1) and np.all(data["g_eff"] < 1)
    assert nl[1] > 2 * lin[1]


def test_quenched_input_diagonal_spread() -> None:
    """A quenched input makes units differ: var_i C^phi_ii > 0 enters PR^phi/N, x stays homogeneous."""
    res = solve_nonlinear(ModelSpec.simple(g=1.2, sigma2=1.0, input_std=0.8))
    a, v, psi = res.mean_autocov_phi, res.extras["var_diag_phi"], res.N_var_cross_phi
    assert v > 0.005 and res.extras["unit_classes"] > 1
    assert res.PR_over_N_phi == pytest.approx(a * a / (a * a + v + psi), rel=1e-12)
    assert res.PR_over_N_x == pytest.approx(res.mean_autocov_x**2 / (res.mean_autocov_x**2 + res.N_var_cross_x))


@pytest.mark.parametrize(
    ("kwargs", "cov", "name"),
    [
        ({"g": 1.2, "phi": "linear", "sigma2": 1.0}, "equal-time", "g"),
        ({"g": 0.5, "phi": "linear"}, "equal-time", "sigma2"),
        ({"g": 0.5, "phi": "linear", "J0": 1.0, "sigma2": 1.0}, "equal-time", "J0"),
        ({"g": 1.5, "tau": {"kind": "uniform", "low": 0.5, "high": 2.0}}, "equal-time", "populations[0].tau"),
        ({"g": 0.5, "phi": "linear", "sigma2": 1.0}, "long", "covariance"),
    ],
)
def test_refusals(kwargs: dict, cov: str, name: str) -> None:
    """Bad input is a one-line SpecError naming the parameter."""
    with pytest.raises(SpecError) as err:
        solve_nonlinear(ModelSpec.simple(**kwargs), covariance=cov)
    assert err.value.parameter == name
    assert "\n" not in str(err.value)


def test_derivation_shape_and_closed_forms() -> None:
    """The cavity derivation has the common stages and reproduces CAL's kernels and Shen-Hu's PR symbolically."""
    import sympy as sp

    import derivations.dimension_cavity as cav
    from workbench.symbolic.action import CollectiveAction, NetworkAction, SaddlePoint

    der = cav.derive(ModelSpec.simple(g=2.0))
    assert tuple(der.stages) == cav.STAGES
    assert isinstance(der.stages["action"], NetworkAction) and isinstance(der.stages["collective"], CollectiveAction)
    assert isinstance(der.stages["saddle"], SaddlePoint)
    assert der.latex().count(r"\begin{align*}") == len(der.steps) >= 7
    assert sp.simplify(der.psi["zero_frequency_PR"] - (1 - cav.G**2 * cav.D2) ** 2) == 0
    k = cav.kernels()["M_minus_1"](0.0, 0.0, 0.5, 1.0)
    assert np.real(k) == pytest.approx(1 / 0.75**2 - 1)


@pytest.mark.parametrize("covariance", ["equal-time", "zero-frequency"])
def test_constant_timescale(covariance: str) -> None:
    """A constant tau: the cavity route (time in units of tau, zero-frequency covariance scaled back) reproduces the
    linear trace formulas' own tau handling, OU noise included."""
    from workbench.theories.dimension.linear import solve_linear

    spec = ModelSpec.simple(g=0.6, phi="linear", sigma2=1.0, noise="ou", noise_tau=1.5, tau=2.5)
    cav = solve_nonlinear(spec, covariance=covariance)
    lin = solve_linear(0.6, 1.0, covariance=covariance, tau_noise=1.5, tau=2.5)
    for key in ("PR_over_N_x", "mean_autocov_x", "N_var_cross_x"):
        assert getattr(cav, key) == pytest.approx(getattr(lin, key), rel=2e-5), key
    assert cav.params["tau"] == 2.5
    if covariance == "zero-frequency":  # a window in the original time: W / tau in the unit-time network
        short = solve_nonlinear(spec, covariance=covariance, window=10.0)
        unit = solve_nonlinear(ModelSpec.simple(g=0.6, phi="linear", sigma2=0.4, noise="ou", noise_tau=0.6),
                               covariance=covariance, window=4.0)
        assert short.extras["window"] == 10.0
        assert short.mean_autocov_x == pytest.approx(2.5 * unit.mean_autocov_x, rel=1e-9)
        assert short.N_var_cross_x == pytest.approx(6.25 * unit.N_var_cross_x, rel=1e-9)


def test_means_enter_through_the_dmft_mean() -> None:
    """A coupling mean acts only through the DMFT mean mu = I + J0 <phi>: logistic with J0 = 1 equals the network
    with J0 = 0 and input mean mu; tanh with J0 < 1/<phi'> stays in the mu = 0 state (unchanged); a linear
    network's statistics ignore both means."""
    from workbench.theories.dimension import nonlinear as nl
    from workbench.theories.dimension.problem import DimensionProblem

    coupled = ModelSpec.simple(g=1.5, phi="logistic", sigma2=0.3, J0=1.0)
    mu = nl._scalar(nl._dmft_result(coupled).mu)
    assert 0.5 < mu < 0.75
    a, b = solve_nonlinear(coupled), solve_nonlinear(ModelSpec.simple(g=1.5, phi="logistic", sigma2=0.3, input_mean=mu))
    for key in ("PR_over_N_x", "N_var_cross_x", "mean_autocov_phi", "N_var_cross_phi"):
        assert getattr(a, key) == pytest.approx(getattr(b, key), rel=1e-6), key
    plain = solve_nonlinear(ModelSpec.simple(g=1.5, sigma2=0.3))
    assert solve_nonlinear(ModelSpec.simple(g=1.5, sigma2=0.3, J0=0.5)).PR_over_N_x == pytest.approx(
        plain.PR_over_N_x, rel=1e-9)
    assert solve_nonlinear(ModelSpec.simple(g=1.5, sigma2=0.3, input_mean=0.5)).PR_over_N_x > 2 * plain.PR_over_N_x
    lin = [DimensionProblem(ModelSpec.simple(g=0.5, phi="linear", sigma2=1.0, **kw)).build_solver().solve()
           for kw in ({}, {"J0": 0.6, "input_mean": 2.0})]
    assert lin[0].PR_over_N_x == lin[1].PR_over_N_x


@pytest.mark.parametrize("richardson", [False, True])
def test_finite_window_zero_frequency(richardson: bool) -> None:
    """The finite-window estimator's expectation: for a linear phi the mean autocovariance equals the lag-domain
    ``int (1 - |t|/W) C(t) dt`` of ``C(t) = sigma2 exp(-k|t|) / (2 k)`` (Richardson: ``2 f(2W) - f(W)``); a long
    window gives back w = 0; near the edge (tanh, g = 2, no noise) W = 12.5 halves N var_cross."""
    from workbench.theories.dimension.nonlinear import window_weight

    k = np.sqrt(1 - 0.36)

    def lag(W: float) -> float:
        return (1 - np.exp(-k * W)) / k**2 - (1 - np.exp(-k * W) * (1 + k * W)) / (k**3 * W)

    spec = ModelSpec.simple(g=0.6, phi="linear", sigma2=1.0)
    for W in (2.0, 12.5):
        exact = 2 * lag(2 * W) - lag(W) if richardson else lag(W)
        got = solve_nonlinear(spec, covariance="zero-frequency", window=W, richardson=richardson).mean_autocov_x
        assert got == pytest.approx(exact, rel=5e-5), W
    assert window_weight(np.zeros(1), 3.0, richardson)[0] == pytest.approx(9.0 if richardson else 3.0)  # 2 (2W) - W
    chaos = ModelSpec.simple(g=2.0, sigma2=0.0)
    limit = solve_nonlinear(chaos, covariance="zero-frequency")
    long = solve_nonlinear(chaos, covariance="zero-frequency", window=400.0)
    short = solve_nonlinear(chaos, covariance="zero-frequency", window=12.5)
    for key in ("PR_over_N_x", "mean_autocov_x", "N_var_cross_x", "N_var_cross_phi"):
        assert getattr(long, key) == pytest.approx(getattr(limit, key), rel=2e-3), key
    assert 0.4 < short.N_var_cross_x / limit.N_var_cross_x < 0.6 and short.extras["window"] == 12.5
    with pytest.raises(SpecError) as err:
        solve_nonlinear(spec, covariance="equal-time", window=12.5)
    assert err.value.parameter == "window"


def test_kinked_phi_autocovariance_is_the_exact_gaussian_integral() -> None:
    """clip(x, -1, 1), g = 1.5, sigma2 = 1.5: <phi^2> = E min(x^2, 1) at the DMFT variance, to 1e-6 (nested
    Gauss-Hermite across the kinks was 1 % off, 16 SE of a simulation at N = 500; relu's N var_cross was 3-5 % off);
    the DMFT's own C_phi0 agrees to 1e-5."""
    from scipy import integrate, stats

    res = solve_nonlinear(ModelSpec.simple(phi="clip(x,-1,1)", g=1.5, sigma2=1.5))
    s = math.sqrt(res.mean_autocov_x)
    exact = integrate.quad(lambda x: x * x * stats.norm.pdf(x, scale=s), -1, 1)[0] + 2 * stats.norm.sf(1, scale=s)
    assert res.mean_autocov_phi == pytest.approx(exact, abs=1e-6)
    assert abs(res.extras["C_phi0_dmft_minus_quadrature"]) < 1e-5
