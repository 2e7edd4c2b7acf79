"""DMFT of the delta-step map x(n+1) = (1-delta) x(n) + delta (J phi(x(n)) + I) + sqrt(delta sigma2) xi(n).

Checks: the derived equations (delta = 1 closed forms), the delta = 1 map's analytic results against
independent scipy quadrature (g_c = 1 for tanh, lambda = 1/2 log(g^2 <phi'^2>)), the flow limit
delta -> 0 (first-order convergence of Delta(tau), lambda, tau_half to the flow DMFT), the exact
time-step bias of g = 0 (an AR(1) process) and the CLI.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.spec.model import Dynamics
from workbench.theories.dmft.discrete import euler_bias, solve_map


def _map(delta: float = 1.0, **kw: float) -> ModelSpec:
    return ModelSpec.simple(**kw).replace(dynamics=Dynamics("map", delta))


def _gauss(f, var: float) -> float:
    """<f(z)>, z ~ N(0, var), by adaptive quadrature (independent of the solver's Gauss-Hermite)."""
    s = math.sqrt(var)
    return integrate.quad(lambda z: f(s * z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -12, 12,
                          epsabs=1e-14, epsrel=1e-13, limit=200)[0]


def test_derived_lag_equations_at_delta_one() -> None:
    from derivations.dmft_discrete import DELTA, DELTA_NEXT, DELTA_PREV, R_GROWTH, derive_map
    from workbench.symbolic.stationary import D_VAR

    der = derive_map(ModelSpec.simple(g=2.0, sigma2=0.5))
    lhs1 = sp.expand(der.lhs.subs(DELTA, 1))
    assert lhs1 == D_VAR  # a = 0: Delta(k) = Gamma(k), no lag coupling
    lhs0 = der.lhs.subs(DELTA, sp.Rational(1, 4))
    assert lhs0.coeff(DELTA_NEXT) == lhs0.coeff(DELTA_PREV) == -sp.Rational(3, 4)
    assert sp.expand(der.gamma0_jump - DELTA * der.params["sigma2"]) == 0  # step noise delta sigma2 at lag 0
    diag, off = der.tangent
    assert sp.simplify(off - (1 - DELTA) * R_GROWTH) == 0
    assert sp.simplify((diag + sp.diff(der.gamma, D_VAR)) - (R_GROWTH**2 + (1 - DELTA) ** 2)) == 0


def test_map_delta_one_matches_quadrature() -> None:
    g, s2 = 2.0, 0.5
    res = solve_map(_map(1.0, g=g, sigma2=s2))
    q = optimize.brentq(lambda q: g * g * _gauss(lambda x: np.tanh(x) ** 2, q) + s2 - q, 0.1, 10, xtol=1e-14)
    assert res.Delta0 == pytest.approx(q, rel=1e-9)
    lam = 0.5 * math.log(g * g * _gauss(lambda x: np.cosh(x) ** -4, q))
    # <phi'^2> = <sech^4> by the shared Gauss-Hermite rule (order 201) is good to ~1e-7 here
    assert res.lyapunov == pytest.approx(lam, rel=1e-6)
    assert res.Delta_inf == pytest.approx(0.0, abs=1e-12) and res.regime == "chaotic"


def test_map_transition_at_g_one_for_tanh() -> None:
    below, above = solve_map(_map(1.0, g=0.95)), solve_map(_map(1.0, g=1.05))
    assert below.regime == "static" and below.Delta0 == 0.0
    assert below.lyapunov == pytest.approx(math.log(0.95), abs=1e-12)  # log(g phi'(0))
    assert above.regime == "chaotic" and above.Delta0 > 0.05 and above.lyapunov > 0
    # the delta-step fixed point: rightmost eigenvalue 1 - delta + delta g phi'(0)
    assert solve_map(_map(0.3, g=0.8)).lyapunov == pytest.approx(math.log(0.7 + 0.3 * 0.8), abs=1e-9)


@pytest.fixture(scope="module")
def flow_noisy():
    from workbench.theories.dmft import DMFTProblem

    spec = ModelSpec.simple(g=2.0, sigma2=0.3)
    return spec, DMFTProblem(spec).build_solver().solve(spec)


def test_flow_limit_is_first_order_in_delta(flow_noisy) -> None:
    spec, flow = flow_noisy
    taus = np.array([0.0, 1.0, 2.0, 4.0])
    exact = np.array([*flow.Delta_at(taus), flow.lyapunov, flow.tau_half])
    errs = []
    for d in (0.1, 0.05):
        m = solve_map(spec.replace(dynamics=Dynamics("map", d)))
        # lags tau = k delta; lambda and tau_half per unit time
        errs.append(np.array([*m.Delta_at(np.rint(taus / d)), m.lyapunov / d, m.tau_half * d]) - exact)
    ratio = errs[0] / errs[1]
    assert np.all(np.abs(errs[1]) < 0.05 * np.abs(exact)), errs[1]  # within 5 % at delta = 0.05
    assert np.all((ratio > 1.8) & (ratio < 2.2)), ratio  # error ~ c delta: halves with delta


def test_euler_bias_of_the_ar1_process_is_exact() -> None:
    s2, dt = 0.8, 0.1
    spec = ModelSpec.simple(g=0.0, sigma2=s2)
    # Euler-Maruyama of dx = -x dt + dW: stationary variance sigma2 dt / (1 - (1 - dt)^2) = sigma2 / (2 - dt)
    assert euler_bias(spec, dt) == pytest.approx(s2 / 2 - s2 / (2 - dt), rel=1e-9)
    assert euler_bias(spec, dt, method="exp") == pytest.approx(0.0, abs=1e-12)  # exact for the leak


@pytest.mark.slow
def test_euler_bias_is_first_order_for_noisy_chaos(flow_noisy) -> None:
    spec, _ = flow_noisy
    b1, b2 = euler_bias(spec, 0.1), euler_bias(spec, 0.05)
    assert b1 < 0 and 1.8 < b1 / b2 < 2.2


def test_bad_delta_and_dynamics_are_spec_errors() -> None:
    with pytest.raises(SpecError, match=r"dynamics.delta: must be in \(0, 1\]"):
        _map(0.0)
    with pytest.raises(SpecError, match="dynamics.kind"):
        ModelSpec.from_dict({"dynamics": {"kind": "jump"}})
    with pytest.raises(SpecError, match="delta"):
        solve_map(_map(1.0, g=1.5), delta=1.5)
    spec = _map(0.5, g=1.5)
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    assert "dynamics" not in ModelSpec.simple().to_dict()  # flow specs keep their run-store keys


def test_cli_map_json(capsys) -> None:
    from workbench.cli import main

    assert main(["dmft", "--dynamics", "map", "--delta", "1", "--g", "2", "--sigma2", "0.5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dynamics"] == "map" and out["delta"] == 1.0 and out["regime"] == "chaotic"
    assert out["Delta0"] == pytest.approx(solve_map(_map(1.0, g=2.0, sigma2=0.5)).Delta0, rel=1e-12)
    assert main(["dmft", "--delta", "0.5", "--json"]) == 2
