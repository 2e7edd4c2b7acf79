"""Transient DMFT with reciprocal correlations: derivation, linear closed forms, eta = 0 limit, simulation."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.theories.symmetric import SymmetricProblem, SymmetricSetup, solve_march
from workbench.theories.symmetric.analytic import linear_response_continuous, linear_response_discrete


def test_derivation_pair_cgf_and_coefficients() -> None:
    """The averaged reciprocal pair gives g^2/(2N)(Y_ij^2 + Y_ji^2) + eta g^2/N Y_ij Y_ji; memory eta g^2."""
    from workbench.theories.symmetric.derivation import N, derive, eta, g, y1, y2

    d = derive()
    assert sp.simplify(d.cgf - (g**2 / (2 * N) * (y1**2 + y2**2) + eta * g**2 / N * y1 * y2)) == 0
    assert sp.simplify(d.c_var - g**2) == 0 and sp.simplify(d.c_mem - eta * g**2) == 0
    co = d.numbers(1.5, 0.5, 0.1, 2.0, 0.3)
    assert co["a"] == pytest.approx(np.exp(-0.05)) and co["b"] == pytest.approx(1 - np.exp(-0.05))
    assert co["v"] == pytest.approx(0.3 * (1 - np.exp(-0.1)) / 4)


@pytest.mark.parametrize("eta", [-0.7, 0.0, 0.6])
def test_linear_response_is_the_elliptic_resolvent(eta: float) -> None:
    """phi = x, g = 0.8: the discrete DMFT response equals b E[(a + b J)^(k-l-1)]_ii of the elliptic law (1e-12)."""
    p = SymmetricProblem(ModelSpec.simple(g=0.8, eta=eta, phi="linear"), SymmetricSetup(T=3.0, dt=0.1))
    r = solve_march(p, paths=20, seed=0)
    co = p.coefficients()
    exact = linear_response_discrete(30, 0.8, eta, co["a"], co["b"])
    assert np.allclose(r.R_x[30, :30][::-1] * 0.1, exact, rtol=0, atol=1e-12)
    assert np.allclose(r.R_phi, r.R_x, atol=1e-12)
    assert np.all(np.triu(r.R_x) == 0)  # causal


def test_linear_discrete_response_converges_to_continuous() -> None:
    """Discrete -> continuous (Bessel I_1 closed form) with error O(dt) at midpoint lags: halving dt halves it."""
    g, eta = 0.9, 0.5
    errs = []
    for dt in (0.1, 0.05, 0.025):
        n = int(round(4.0 / dt))
        a = np.exp(-dt)
        rd = linear_response_discrete(n, g, eta, a, 1 - a) / dt
        lag = (np.arange(1, n + 1) - 0.5) * dt
        errs.append(np.max(abs(rd - linear_response_continuous(lag, g, eta))))
    assert errs[2] < 0.02
    assert 1.6 < errs[0] / errs[1] < 2.4 and 1.6 < errs[1] / errs[2] < 2.4


def test_eta0_equals_meanfield_transient_theory() -> None:
    """eta = 0: m(t), C_phi(t, t), <x>, <x^2> equal the Faugeras-Tanre closure within 4.5 Monte Carlo SE (M = 4000)."""
    from workbench.theories.meanfield.methods import MeanFieldProblem, MeanFieldSetup

    spec = ModelSpec.from_dict({"coupling": {"g": 1.2, "J0": 0.5}, "phi": "logistic",
                                "noise": {"kind": "white", "sigma2": 0.5}, "init": {"kind": "normal", "mean": 0.5}})
    mf = MeanFieldProblem(spec, MeanFieldSetup(T=2.0, dt=0.1)).build_solver("closure").solve()
    M = 4000
    r = solve_march(SymmetricProblem(spec, SymmetricSetup(2.0, 0.1)), paths=M, seed=3)
    se_m = np.sqrt(np.maximum(np.diag(r.C_phi) - r.m_phi**2, 0) / M)
    assert np.all(abs(r.m_phi - mf.m) <= 4.5 * se_m + 1e-12)
    assert np.all(abs(r.m_x - mf.mean_x) <= 4.5 * r.se_m_x + 1e-12)
    assert np.all(abs(r.Delta_diag - (mf.var_x + mf.mean_x**2)) <= 4.5 * r.se_Delta_diag + 1e-12)


def test_reciprocity_changes_the_transient_beyond_noise() -> None:
    """Power: at g = 1.5, eta = 0.6 vs 0 the mean-square activity at T = 3 differs by > 8 SE (M = 2000)."""
    base = ModelSpec.simple(g=1.5, init_std=1.0)
    d = [solve_march(SymmetricProblem(base.replace(eta=((e,),)), SymmetricSetup(3.0, 0.1)), paths=2000, seed=5)
         for e in (0.0, 0.6)]
    se = np.hypot(d[0].se_Delta_diag[-1], d[1].se_Delta_diag[-1])
    assert abs(d[1].Delta_diag[-1] - d[0].Delta_diag[-1]) > 8 * se


def test_same_seed_same_result_and_bad_input() -> None:
    """Reproducible from the seed; one-line SpecErrors for what the theory does not model."""
    p = SymmetricProblem(ModelSpec.simple(g=1.2, eta=0.3), SymmetricSetup(1.0, 0.1))
    assert np.array_equal(solve_march(p, 50, 4).Delta, solve_march(p, 50, 4).Delta)
    with pytest.raises(SpecError, match="^paths"):
        solve_march(p, paths=1)
    with pytest.raises(SpecError, match="^T"):
        SymmetricSetup(T=1.05, dt=0.1)
    with pytest.raises(SpecError, match="^noise.kind"):
        SymmetricProblem(ModelSpec.simple(sigma2=0.5, noise="ou"))
    two = ModelSpec.from_dict({"N": 10, "populations": [{"name": "E", "fraction": 0.5}, {"name": "I", "fraction": 0.5}]})
    with pytest.raises(SpecError, match="^populations"):
        SymmetricProblem(two)


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    """``workbench symmetric --json`` prints one JSON object; a bad --eta exits 2."""
    from workbench.cli import main

    assert main(["symmetric", "--eta", "0.4", "--T", "1", "--paths", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["eta"] == 0.4 and out["paths"] == 100 and out["Delta_TT"] > 0
    assert main(["symmetric", "--eta", "-1.5"]) == 2


@pytest.mark.slow
def test_transient_matches_simulation() -> None:
    """tanh, g = 1.5, J0 = 0.8, eta = 0.6, x0 ~ N(1, 0.5^2), dt = 0.1, T = 4: theory (M = 8000, seed 1)
    against N = 1000, 16 networks x 4 trials (seeds 10..25): <x(t)> and Delta(t, t) at t = 1, 2, 4
    within Student-t (15 dof) tolerances; the eta = 0 theory is rejected at every point (power)."""
    from workbench.theories.symmetric.checks import comparisons, simulate_transient

    spec = ModelSpec.from_dict({"coupling": {"g": 1.5, "J0": 0.8, "eta": 0.6}, "phi": "tanh",
                                "init": {"kind": "normal", "mean": 1.0, "std": 0.5}})
    th = solve_march(SymmetricProblem(spec, SymmetricSetup(4.0, 0.1)), paths=8000, seed=1)
    th0 = solve_march(SymmetricProblem(spec.replace(eta=((0.0,),)), SymmetricSetup(4.0, 0.1)), paths=8000, seed=1)
    sim = simulate_transient(spec, 4.0, 0.1, N=1000, trials=4, networks=16, seed=10)
    cs = comparisons(th, sim, (1.0, 2.0, 4.0))
    assert all(c.ok for c in cs), [(c.quantity, c.theory, c.estimate, c.tolerance) for c in cs if not c.ok]
    assert not any(c.ok for c in comparisons(th0, sim, (1.0, 2.0, 4.0)))


def test_field_factor_keeps_variance_when_ill_conditioned() -> None:
    """Gram-Schmidt rows of the field factor: |L[k]|^2 = C[k, k] and L L^T = C for nearly collinear histories."""
    from workbench.theories.symmetric.solver import _factor_row

    rng = np.random.default_rng(0)
    n, M = 40, 500
    A = np.cumsum(1e-7 * rng.standard_normal((n, M)), axis=0) + rng.standard_normal(M)  # condition ~ 1e14
    L, Q = np.zeros((n, n)), np.zeros((M, n))
    for k in range(n):
        _factor_row(L, Q, A[k], k)
    C = A @ A.T
    assert np.allclose(np.sum(L**2, axis=1), np.diag(C), rtol=1e-12)
    assert np.allclose(L @ L.T, C, rtol=0, atol=1e-10 * C.max())


def test_pooled_passes_average_and_combine_errors() -> None:
    """solve_pooled averages independent passes; SE shrinks as 1/sqrt(passes); bad ``solves`` is a SpecError."""
    from workbench.theories.symmetric.solver import solve_pooled

    p = SymmetricProblem(ModelSpec.simple(g=1.2, eta=0.3), SymmetricSetup(1.0, 0.1))
    one, two = solve_march(p, 200, 4), solve_march(p, 200, 5)
    pooled = solve_pooled(p, paths=200, solves=2, seed=4)
    assert np.allclose(pooled.m_x, (one.m_x + two.m_x) / 2)
    assert np.allclose(pooled.se_m_x, np.hypot(one.se_m_x, two.se_m_x) / 2)
    assert pooled.info["paths"] == 400
    with pytest.raises(SpecError, match="^solves"):
        solve_pooled(p, paths=200, solves=0)


@pytest.mark.slow
def test_field_variance_not_inflated_at_late_times() -> None:
    """Regression: the old row-wise Cholesky inflated the field variance (Delta(4, 4) = 2.88 at seed 1, 2.30 else)."""
    from workbench.theories.symmetric.report import transient_spec

    p = SymmetricProblem(transient_spec(1.5, 0.6), SymmetricSetup(4.0, 0.1))
    r1, r2 = solve_march(p, paths=16000, seed=1), solve_march(p, paths=16000, seed=2)
    assert abs(r1.Delta_diag[-1] - r2.Delta_diag[-1]) < 5 * np.hypot(r1.se_Delta_diag[-1], r2.se_Delta_diag[-1])
