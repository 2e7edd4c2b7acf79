"""Particle solvers (time-marching, FT Picard) against the Gaussian-closure reference.

Tolerance for Monte Carlo vs closure (same dt, so no discretisation difference): the sup over the
grid of |m - m_ref| and |K - K_ref| must be <= 5/sqrt(M) (notes §6 "suggested test tolerances";
per-time standard errors are <= 0.5/sqrt(M) since 0 <= f <= 1, so this is >= 10 SE pointwise, a
margin for the sup over ~50 correlated grid times and the O(1/M) particle bias). Seeds fixed.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from workbench.errors import ConvergenceError, SpecError
from workbench.theories.meanfield import TransientProblem, solve, solve_closure, solve_march, solve_picard

M = 4000
TOL = 5 / np.sqrt(M)


@pytest.fixture(scope="module")
def problems():
    return {J: TransientProblem(J=J, dt=0.1, T=5) for J in (-6, 0, 2)}


@pytest.mark.parametrize("J", [-6, 0, 2])
def test_march_matches_closure(problems, J):
    p = problems[J]
    ref = solve_closure(p)
    r = solve_march(p, paths=M, seed=11)
    assert np.abs(r.m - ref.m).max() <= TOL
    assert np.abs(r.K - ref.K).max() <= TOL
    assert np.abs(r.var_x - ref.var_x).max() <= 4 * TOL  # Var X ~ 1: SE ~ sqrt(2)/sqrt(M)


@pytest.mark.parametrize("sampler", ["innovation", "physics"])
def test_picard_matches_closure_and_converges(problems, sampler):
    p = problems[2]
    ref = solve_closure(p)
    r = solve_picard(p, paths=M, seed=5, sampler=sampler, max_iter=30, strict=True)
    assert r.info["converged"]
    assert np.abs(r.m - ref.m).max() <= TOL
    assert np.abs(r.K - ref.K).max() <= TOL
    d = [h["d"] for h in r.history]
    assert d[0] > 0.4 and d[-1] < 3 / np.sqrt(M)  # starts at ~0.5 (uncoupled -> first iterate)
    assert r.m_history.shape == (len(d), p.n + 1)


def test_picard_strict_raises():
    with pytest.raises(ConvergenceError, match="max_iter"):
        solve_picard(TransientProblem(J=-6, dt=0.25, T=5), paths=500, max_iter=2, strict=True)


def test_seeding_reproducible():
    p = TransientProblem(J=2, dt=0.25, T=5)
    a, b = solve_march(p, paths=500, seed=3), solve_march(p, paths=500, seed=3)
    c = solve_march(p, paths=500, seed=4)
    assert np.array_equal(a.K, b.K) and not np.array_equal(a.K, c.K)
    a = solve_picard(p, paths=500, seed=np.random.SeedSequence(9), max_iter=3)
    b = solve_picard(p, paths=500, seed=np.random.SeedSequence(9), max_iter=3)
    assert np.array_equal(a.m, b.m)


def test_logistic_J0_half_march():
    r = solve_march(TransientProblem(J=0, dt=0.1, T=5), paths=M, seed=2)
    se = np.sqrt((np.diag(r.K) - r.m**2) / M)
    assert np.all(np.abs(r.m - 0.5) <= 5 * se + 1e-12)


def test_nonlinear_drift_deterministic_limit():
    """sigma = lambda = 0, point mu0: X is deterministic, x' = g(x) + J f(x); Euler is first order."""
    g = "-x - x**3/3"
    p0 = TransientProblem(J=1.5, sigma=0, lam=0, g=g, mu0="point:0.8", T=4, dt=0.01)
    assert p0.affine is None and p0.step["scheme"] == "euler-maruyama"
    sol = solve_ivp(lambda t, x: [-x[0] - x[0] ** 3 / 3 + 1.5 / (1 + np.exp(-x[0]))], (0, 4), [0.8], t_eval=p0.t,
                    rtol=1e-11, atol=1e-12)
    errs = []
    for dt in (0.02, 0.01):
        r = solve_march(p0.replace(dt=dt), paths=10, seed=0)
        errs.append(np.abs(r.mean_x - sol.y[0][:: int(round(dt / 0.01))]).max())
        assert np.abs(r.var_x).max() < 1e-12  # rounding of E X^2 - (E X)^2
    assert errs[1] < 0.6 * errs[0] and errs[1] < 5e-3


def test_nonlinear_drift_march_vs_picard():
    """Both particle solvers sample the same law for a non-affine g (and the closure refuses it)."""
    p = TransientProblem(J=2, g="-x - 0.2*x**3", dt=0.1, T=4)
    with pytest.raises(SpecError, match="^g:"):
        solve_closure(p)
    a = solve_march(p, paths=M, seed=1)
    b = solve_picard(p, paths=M, seed=2, max_iter=20)
    assert np.abs(a.m - b.m).max() <= 2 * TOL  # two independent MC estimates


def test_solve_dispatch_and_errors():
    p = TransientProblem(J=0, dt=0.5, T=2)
    assert solve(p, "closure").method == "closure"
    with pytest.raises(SpecError, match="^method:"):
        solve(p, "magic")
    with pytest.raises(SpecError, match="^paths:"):
        solve_march(p, paths=1)
    with pytest.raises(SpecError, match="^sampler:"):
        solve_picard(p, paths=10, sampler="x")
    with pytest.raises(SpecError, match="^damping:"):
        solve_picard(p, paths=10, damping=0)
    with pytest.raises(SpecError, match="^seed:"):
        solve_march(p, paths=10, seed=None)
