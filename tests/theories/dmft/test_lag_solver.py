"""The generated lag-grid DMFT solver: several populations (Kadmon-Sompolinsky) and OU noise.

It solves the same derived equations as the energy-integral solver without using an energy
integral, so on one-population specs the two must agree to the grid's discretisation error
(lag step h = 0.02: O(h^2) ~ 1e-6 relative from the white-noise kink, measured 2e-6); the
reductions below are exact properties of the model; the simulator checks state N, trials, seeds.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.store import RunStore
from workbench.theories.dmft import DMFTProblem
from workbench.theories.dmft.checks import DMFTChecks, DMFTTheory, PopulationStudy
from workbench.theories.dmft.lag import LagDMFTResult, LagDMFTSolver
from workbench.theories.dmft.result import SUMMARY_KEYS

EI = {
    "phi": "tanh",
    "populations": [{"name": "E", "fraction": 0.8}, {"name": "I", "fraction": 0.2, "tau": 2.0}],
    "coupling": {"J0": [[1.0, -2.0], [1.0, -2.0]], "g": [[1.2, 1.5], [1.0, 1.3]]},
    "noise": {"kind": "white", "sigma2": 0.3},
}


def ou_spec(g: float, tau_n: float, N: int = 1000, sigma2: float = 0.5) -> ModelSpec:
    return ModelSpec.from_dict(
        {"N": N, "phi": "tanh", "coupling": {"g": g}, "noise": {"kind": "ou", "sigma2": sigma2, "tau": tau_n}}
    )


@pytest.fixture(scope="module")
def ou_solver() -> LagDMFTSolver:
    return DMFTProblem(ou_spec(1.5, 1.0)).build_solver()


@pytest.mark.parametrize(
    ("kw", "rtol"),
    [
        ({"g": 2.0}, 1e-6),
        ({"g": 2.0, "sigma2": 0.5}, 2e-5),
        ({"g": 1.8, "J0": 2.0}, 1e-6),  # bistable mean branch (dmft.md §5: gC = 1.73 < g < gBB = 1.95)
        ({"g": 2.0, "input_std": 0.5}, 1e-6),
    ],
)
def test_lag_solver_matches_energy_solver(kw: dict, rtol: float) -> None:
    spec = ModelSpec.simple(**kw)
    problem = DMFTProblem(spec)
    e = problem.build_solver().solve(spec, lyapunov=False)
    lag = problem.build_solver(method="lag")
    assert isinstance(lag, LagDMFTSolver)
    r = lag.solve(spec)
    assert r.regime == ("fluctuating" if "sigma2" in kw else e.regime)
    assert r.Delta0[0] == pytest.approx(e.Delta0, rel=rtol)
    assert r.Delta_inf[0] == pytest.approx(e.Delta_inf, rel=rtol, abs=1e-6 * e.Delta0)
    assert r.mu[0] == pytest.approx(e.mu, rel=rtol, abs=1e-9)
    assert r.tau_half[0] == pytest.approx(e.tau_half, rel=1e-4)
    # kernel C_{phi'phi'}(D0; D0) by nested Gauss-Hermite (order 61 sqrt(D0)) vs <phi'^2> (order 101)
    assert r.static_radius == pytest.approx(e.static_radius, rel=1e-5)
    lags = np.array([0.5, 2.0, 6.0])
    # the energy solver's Delta(tau) integrates a 65-node spline of V' (kernel order 41): ~1e-5
    np.testing.assert_allclose(r.Delta_at(lags), e.Delta_at(lags), rtol=max(10 * rtol, 5e-5), atol=1e-6)


def test_identical_populations_reduce_to_one() -> None:
    one = ModelSpec.simple(g=2.0, sigma2=0.5)
    two = ModelSpec.from_dict(
        {
            "phi": "tanh",
            "populations": [{"name": "A", "fraction": 0.3}, {"name": "B", "fraction": 0.7}],
            "coupling": {"g": [[2.0, 2.0], [2.0, 2.0]]},
            "noise": {"kind": "white", "sigma2": 0.5},
        }
    )
    r1 = DMFTProblem(one).build_solver(method="lag").solve(one)
    r2 = DMFTProblem(two).build_solver().solve(two)
    np.testing.assert_allclose(r2.Delta0, r1.Delta0[0], rtol=1e-9)
    np.testing.assert_allclose(r2.Delta_tau, np.vstack([r1.Delta_tau, r1.Delta_tau]), atol=1e-9)


def test_static_radius_is_the_kadmon_sompolinsky_bulk_edge() -> None:
    """sqrt of the spectral radius of M_kl = g_kl^2 alpha_l <phi'^2>_l (dmft.md §9), below and above 1."""
    for scale, regime in ((0.6, "static"), (1.6, "chaotic")):
        d = {**EI, "noise": {"kind": "none"}}
        d["coupling"] = {"J0": EI["coupling"]["J0"], "g": (scale * np.array(EI["coupling"]["g"])).tolist()}
        spec = ModelSpec.from_dict(d)
        r = DMFTProblem(spec).build_solver().solve(spec)
        g = np.array(d["coupling"]["g"])
        alpha = np.array([0.8, 0.2])
        # <phi'^2> at the static branch: solve again with branch="static" for the chaotic case
        rs = r if regime == "static" else DMFTProblem(spec).build_solver().solve(spec, branch="static")
        M = g**2 * alpha[None, :] * rs.mean_phi_prime2[None, :]
        # derived Jacobian uses the nested kernel at D = D0 (order 61 sqrt(D0)); <phi'^2> uses order 101
        assert r.static_radius == pytest.approx(np.sqrt(np.max(np.abs(np.linalg.eigvals(M)))), rel=1e-5)
        assert r.regime == regime
        assert (r.static_radius < 1) == (regime == "static")
        if regime == "chaotic":
            assert np.all(r.Delta0 > r.Delta_inf + 0.05)


def test_ou_white_and_static_limits(ou_solver) -> None:
    """C_xi = sigma2 exp(-|u|/tau_n)/(2 tau_n): tau_n -> 0 is white noise (error O(tau_n)), tau_n -> inf a
    quenched input of variance sigma2/(2 tau_n) (dmft.md §7)."""
    white = ModelSpec.simple(g=1.5, sigma2=0.5)
    w = DMFTProblem(white).build_solver().solve(white, lyapunov=False).Delta0
    d = [ou_solver.solve(ou_spec(1.5, tn)).Delta0[0] - w for tn in (0.1, 0.05)]
    assert abs(d[0]) < 0.1 * 0.5  # O(tau_n) with an O(1) constant
    assert d[1] / d[0] == pytest.approx(0.5, abs=0.05)  # linear convergence
    diffs = []
    for tn in (12.5, 25.0):
        q = ModelSpec.simple(g=1.5, input_std=float(np.sqrt(0.5 / (2 * tn))))
        rq = DMFTProblem(q).build_solver().solve(q, lyapunov=False)
        diffs.append(abs(ou_solver.solve(ou_spec(1.5, tn)).Delta0[0] - rq.Delta0))
    assert diffs[1] < diffs[0] / 2.5  # converges faster than 1/tau_n


def test_errors_and_result_dict() -> None:
    spec = ou_spec(1.5, 1.0)
    with pytest.raises(SpecError, match="method"):
        DMFTProblem(spec).build_solver(method="energy")
    with pytest.raises(SpecError, match="method"):
        DMFTProblem(spec).build_solver(method="newton")
    solver = DMFTProblem(spec).build_solver()
    with pytest.raises(SpecError, match="h"):
        solver.solve(spec, h=1.0, L=5.0)
    r = DMFTProblem(ModelSpec.from_dict(EI)).build_solver().solve(ModelSpec.from_dict(EI))
    assert isinstance(r, LagDMFTResult)
    d = r.to_dict()
    assert set(d["Delta0"]) == {"E", "I"} and d["lyapunov"] is None


def test_both_results_share_summary_and_save(ou_solver, tanh_solver, tmp_path) -> None:
    """LagDMFTResult and DMFTResult: summary() is strict JSON with the same keys; save() writes the curves."""
    lag = ou_solver.solve(ou_spec(1.5, 1.0))
    energy = tanh_solver.solve(ModelSpec.simple(g=2.0))
    for r in (lag, energy):
        s = json.loads(json.dumps(r.summary(), allow_nan=False))
        assert set(SUMMARY_KEYS) | {"params", "method"} <= set(s) and s["regime"] == r.regime
        saved = json.loads(r.save(tmp_path / f"{type(r).__name__}.json").read_text())
        assert saved["Delta_tau"] == r.Delta_tau.tolist() and saved["tau"] == r.tau.tolist()
    assert lag.summary()["lyapunov"] is None and lag.summary()["kappa"] is None
    assert lag.summary()["Delta0"] == float(lag.Delta0[0]) and energy.summary()["Delta0"] == energy.Delta0


def _check(spec: dict, theory: DMFTTheory, tmp_path, assert_checks, *, N: int, T: float, seeds: list[int],
           bias_rel: float, why: str):
    """Per-population Delta_a(0, 1, 3) at N through the dmft checks (4 SE over seeds x trials + bias_rel * theory)."""
    study = PopulationStudy(
        label=f"N={N}",
        spec=spec,
        Ns=(N,),
        seeds=tuple(seeds),
        T=T - 40.0,
        burn_in=40.0,
        dt=0.05,
        stride=2,
        trials=4,
        max_lag=3.5,
        k=4.0,
        bias_rel=bias_rel,
        bias_reason=why,
    )
    n = 3 * len(theory.solve(study.model()).populations)
    assert_checks(DMFTChecks(quick=[study]), "quick", theory, RunStore(tmp_path), n)


def test_two_population_sim_vs_theory_reduced(assert_checks, tmp_path) -> None:
    _check(EI, DMFTTheory(), tmp_path, assert_checks, N=500, T=200.0, seeds=[3], bias_rel=0.02, why="finite N=500 and dt=0.05")


def test_ou_sim_vs_theory_reduced(ou_solver, assert_checks, tmp_path) -> None:
    spec = ou_spec(0.8, 1.0, N=500).to_dict()
    theory = DMFTTheory([ou_solver])
    _check(spec, theory, tmp_path, assert_checks, N=500, T=200.0, seeds=[5], bias_rel=0.02, why="finite N=500 and dt=0.05")


@pytest.mark.slow
def test_two_population_and_ou_sim_vs_theory_N2000(ou_solver, assert_checks, tmp_path) -> None:
    """N = 2000, 3 seeds x 4 trials, T = 300 (measured at N = 1000: |rel. deviation| < 0.5% for E/I)."""
    _check(EI, DMFTTheory(), tmp_path, assert_checks, N=2000, T=300.0, seeds=[1, 2, 3], bias_rel=0.01, why="finite N=2000, dt=0.05")
    spec = ou_spec(1.5, 1.0, N=2000).to_dict()
    _check(
        spec, DMFTTheory([ou_solver]), tmp_path, assert_checks, N=2000, T=300.0, seeds=[1, 2, 3], bias_rel=0.01, why="N=2000, dt=0.05"
    )


def test_solver_refuses_a_spec_of_another_structure(tanh_solver) -> None:
    """A solver compiled without a noise term must not silently ignore a spec's noise."""
    with pytest.raises(SpecError, match="structure"):
        tanh_solver.solve(ModelSpec.simple(g=2.0, sigma2=0.5))
    with pytest.raises(SpecError, match="structure"):
        DMFTProblem(ou_spec(1.5, 1.0)).build_solver().solve(ModelSpec.from_dict(EI))
    assert tanh_solver.solve(ModelSpec.simple(g=2.0, tau=2.0), curves=False).regime == "chaotic"  # tau is a parameter


def test_ou_noise_with_a_cubic_phi_finds_the_stable_branch() -> None:
    """phi = x**3 with OU noise: the static root of the lag solver is the unstable branch Delta = 1/sqrt(15 g^2)
    (0.645 at g = 0.4), from which the iteration diverges; the solver restarts from a small noise-driven start
    and finds the metastable noise-driven state, a little above the linear OU variance sigma2 / (2 (1 + tau_n))
    (the cubic adds g^2 <x^6> = 15 g^2 Delta^3 ~ 1 % here)."""
    spec = ModelSpec.from_dict({"phi": "x**3", "coupling": {"g": 0.4},
                                "noise": {"kind": "ou", "sigma2": 0.2, "tau": 0.5}})
    res = DMFTProblem(spec).build_solver().solve(spec)
    linear = 0.2 / (2 * (1 + 0.5))
    assert res.regime == "fluctuating"
    assert linear < float(np.ravel(res.Delta0)[0]) < 1.03 * linear
