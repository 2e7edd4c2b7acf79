"""derivations/lowrank.py: the shared pipeline's shape, the disk cache, the action, the mean J0 and static outliers."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import derivations.lowrank as lowrank
from workbench.sim.checks import t_stat
from workbench.spec import ModelSpec
from workbench.symbolic.action import CollectiveAction, NetworkAction, SaddlePoint, build_action
from workbench.symbolic.derivation import StagedDerivation
from workbench.theories.lowrank import LowRankProblem
from workbench.theories.lowrank.checks import measure_states, state_comparisons, static_stability_outliers
from workbench.theories.lowrank.report import MO_FIG1C, mo_spec


def _spec(g: float, J0: float = 0.0, N: int = 1000, terms: list | None = None) -> ModelSpec:
    law = terms if terms is not None else [{**MO_FIG1C, "rho": 0.0}]
    return ModelSpec.from_dict({"N": N, "coupling": {"g": g, "J0": J0}, "low_rank": law})


def test_shape_of_the_shared_pipeline_and_disk_cache() -> None:
    der, info = lowrank.derive_cached(mo_spec(0.5))
    assert isinstance(der, StagedDerivation) and tuple(der.stages) == lowrank.STAGES
    assert isinstance(der.action, NetworkAction) and isinstance(der.averaged, NetworkAction)
    assert isinstance(der.collective, CollectiveAction) and isinstance(der.saddle, SaddlePoint)
    assert der.latex().count(r"\begin{align*}") == len(der.steps) >= 4
    assert der.structured.input_variance == der.symbols["S0_0"] * der.kappa[0] ** 2
    again, info2 = lowrank.derive_cached(mo_spec(1.5, N=50))  # values do not enter the key
    if info.status != "off":
        assert (info2.status, info2.key) == ("hit", info.key)
        assert lowrank._derive_skeleton.cache_key(lowrank.json.dumps(lowrank.skeleton(_spec(0.5, J0=1.0)), sort_keys=True)) == info.key
    assert {str(k): str(v) for k, v in again.equations.items()} == {str(k): str(v) for k, v in der.equations.items()}


def test_equations_follow_the_action() -> None:
    """The default action gives the cached equations; flipping the mean's sign or the leak changes them."""
    spec = mo_spec(0.5)
    der = lowrank.derive(spec)
    same = lowrank.derive_from_action(build_action(ModelSpec.simple(g=1.0)), 1)
    assert same.equations == der.equations
    s = der.symbols
    flipped = lowrank.derive_from_action(build_action(ModelSpec.simple(g=1.0), coupling_mean_sign=-1), 1)
    diff = sp.expand(flipped.equations["mean"].rhs - der.equations["mean"].rhs)
    assert diff != 0 and sp.expand(diff.subs(s["J0"], 0)) == 0
    leak2 = lowrank.derive_from_action(build_action(ModelSpec.simple(g=1.0), leak=2), 1)
    assert leak2.equations["Delta_0"] != der.equations["Delta_0"]


def test_mean_J0_is_the_constant_rank_one_term() -> None:
    """J0/N is exactly the term (m, n) = (J0, 1) with no variance: same states, outliers and stability outliers."""
    J0, g = 0.8, 0.3
    with_J0 = _spec(g, J0)
    as_term = _spec(g, 0.0, terms=[{**MO_FIG1C, "rho": 0.0}, {"m_mean": J0, "n_mean": 1.0, "m_std": 0.0, "n_std": 0.0}])
    a = LowRankProblem(with_J0).build_solver(backend="numpy").solve(with_J0, dmft=False, n_starts=5)
    b = LowRankProblem(as_term).build_solver(backend="numpy").solve(as_term, dmft=False, n_starts=5)
    assert sorted(np.real(a.outliers)) == pytest.approx(sorted(np.real(b.outliers)), abs=1e-12)
    sa = sorted(a.states, key=lambda s: s.kappa[0])
    sb = sorted(b.states, key=lambda s: s.kappa[0])
    assert len(sa) == len(sb) == 2
    for x, y in zip(sa, sb, strict=True):
        assert x.kappa[0] == pytest.approx(y.kappa[0], abs=1e-9) and y.kappa[1] == pytest.approx(x.mean_phi, abs=1e-9)
        assert (x.mu, x.Delta0) == (pytest.approx(y.mu, abs=1e-9), pytest.approx(y.Delta0, abs=1e-9))
        assert np.real(x.outliers) == pytest.approx(np.real(y.outliers), abs=1e-8)


def test_mean_J0_static_states_against_simulation() -> None:
    """J0 = 0.8, g = 0.3, N = 800, 6 networks, T = 40 (burn-in 30), dt = 0.1: kappa_1, mu, Delta0 of both states."""
    spec = _spec(0.3, 0.8, N=800)
    res = LowRankProblem(spec).build_solver().solve(spec, dmft=False, n_starts=5)
    assert len(res.states) == 2 and all(s.stable for s in res.states)
    est = measure_states(spec, [1, 2, 3, 4, 5, 6], T=40.0, dt=0.1, burn_in=30.0)
    for sign, data in est.items():
        state = max(res.states, key=lambda s: sign * s.kappa[0])
        for c in state_comparisons(state, data, f"J0=0.8 g=0.3 N=800 x0={sign:+g}m"):
            c.assert_ok()


def _outlier_check(N: int, seeds: list[int]) -> tuple[float, float, float]:
    """Theory outlier, map slope, and the sampled outliers' comparison (g = 0.3, Fig. 1C law, x0 = +m, T = 100)."""
    spec = _spec(0.3, N=N)
    st = max(LowRankProblem(spec).build_solver().static_states(spec, 5), key=lambda s: s.kappa[0])
    (lam,) = st.outliers
    assert abs(lam) > st.bulk_radius
    ev = static_stability_outliers(spec, seeds, lam, T=100.0, dt=0.1)
    assert np.max(np.abs(ev.imag)) < 1e-9
    se = float(ev.real.std(ddof=1) / np.sqrt(len(ev)))
    c = t_stat(f"stability outlier, g=0.3 N={N}", lam, float(ev.real.mean()), se, len(ev) - 1, kind="simulation")
    c.assert_ok()
    return lam, st.map_eigenvalues[0], se


def test_static_outlier_against_sampled_eigenvalues() -> None:
    """N = 600, 6 networks: the cavity outlier (0.2329) is inside k SE of the sampled eigenvalues of J phi'."""
    lam, _, _ = _outlier_check(600, [1, 2, 3, 4, 5, 6])
    assert lam == pytest.approx(0.23288, abs=1e-4)


@pytest.mark.slow
def test_static_outlier_is_not_the_map_slope() -> None:
    """N = 1500, 16 networks: the sampled outliers (0.233 +- 0.004 measured) resolve the outlier from the map slope 0.2481."""
    lam, slope, se = _outlier_check(1500, list(range(1, 17)))
    assert abs(slope - lam) > 3 * se
