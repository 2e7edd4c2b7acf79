"""Low-rank mean-field theory: derivation, reference values of Mastrogiuseppe & Ostojic (2018), outliers, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import optimize

from workbench.cli import main
from workbench.spec import ModelSpec
from workbench.theories.lowrank import LowRankProblem
from workbench.theories.lowrank.checks import outlier_comparison
from workbench.theories.lowrank.report import mo_spec


@pytest.fixture
def solver(mo_solver):
    return mo_solver


def test_bistable_static_states_and_trivial_state(mo_results) -> None:
    """g = 0.5: two stable static states +-kappa, and the unstable trivial state (outlier 2.2 > 1)."""
    res = mo_results[0.5]
    static = sorted((s for s in res.states if s.branch == "static"), key=lambda s: s.kappa[0])
    assert len(static) == 2 and all(s.stable for s in static)
    assert static[0].kappa[0] == pytest.approx(-static[1].kappa[0], abs=1e-10)
    dmft = {round(s.kappa[0], 6): s for s in res.states if s.branch == "dmft"}
    assert set(dmft) == {round(static[0].kappa[0], 6), 0.0, round(static[1].kappa[0], 6)}
    assert dmft[0.0].stable is False and dmft[0.0].map_eigenvalues[0] == pytest.approx(2.2, rel=1e-6)
    for s in static:  # the static DMFT state is the static solution
        d = dmft[round(s.kappa[0], 6)]
        assert d.Delta0 == pytest.approx(s.Delta0, rel=1e-7) and d.mu == pytest.approx(s.mu, rel=1e-7)
    assert res.outliers == [pytest.approx(2.2)] and res.bistable


def test_mo_instability_of_the_static_state(solver) -> None:
    """gC = 1.796 (MO code comment; 1.7959 with mu = 0.6453, Delta0 = 2.1723 reproduced in the notes, 4 digits)."""

    def excess(g: float) -> float:
        s = max((s for s in solver.static_states(mo_spec(g))), key=lambda s: s.kappa[0])
        return s.bulk_radius - 1.0

    gC = optimize.brentq(excess, 1.6, 2.0, xtol=1e-10)
    s = max(solver.static_states(mo_spec(gC)), key=lambda s: s.kappa[0])
    assert gC == pytest.approx(1.7959, abs=5e-5)
    assert s.mu == pytest.approx(0.6453, abs=5e-5) and s.Delta0 == pytest.approx(2.1723, abs=5e-5)


def test_mo_collapse_of_the_chaotic_states(solver) -> None:
    """gBB = 2.136 (MO; 2.1358 in the notes): M_m M_n <phi'> = 1 on the chaotic kappa = 0 state."""

    def slope(g: float) -> float:
        r = solver._solve_dmft(mo_spec(g), np.zeros(1), solver._values(mo_spec(g)))
        assert r.regime == "chaotic"
        return 1.1 * 2.0 * r.mean_phi_prime - 1.0

    gBB = optimize.brentq(slope, 2.1, 2.2, xtol=1e-6)
    s = solver.dmft_state(mo_spec(gBB), np.zeros(1))  # the kappa map's slope at 0 is M_m M_n <phi'>
    assert s.map_eigenvalues[0] == pytest.approx(1.0, abs=1e-4)
    assert gBB == pytest.approx(2.1358, abs=5e-5)


@pytest.mark.slow
def test_chaotic_structured_states_exist_below_gBB(mo_results) -> None:
    res = mo_results[1.9]
    chaotic = [s for s in res.states if s.regime == "chaotic"]
    nonzero = [s for s in chaotic if abs(s.kappa[0]) > 1e-6]
    assert len(nonzero) == 2 and all(s.stable for s in nonzero)
    assert all(s.Delta0 > s.Delta_inf > 0 for s in nonzero)


def test_correlated_overlap_enters_kappa() -> None:
    """With rho != 0 and M_n = 0 the structure acts only through Cov(n, m) = rho: outlier = rho Sm Sn."""
    spec = ModelSpec.from_dict({"N": 400, "coupling": {"g": 0.3},
                                "low_rank": [{"m_std": 1.0, "n_std": 2.0, "rho": 0.8}]})
    res = LowRankProblem(spec).build_solver().solve(spec, dmft=False)
    assert res.outliers == [pytest.approx(1.6)]
    assert len(res.states) == 2 and all(abs(s.mu) < 1e-12 for s in res.states)
    for c in outlier_comparison(spec, 3, res.outliers):
        c.assert_ok()


@pytest.mark.parametrize("seed", [1, 2])
def test_outlier_against_numpy_eigvals(seed) -> None:
    spec = mo_spec(0.8, N=500)
    for c in outlier_comparison(spec, seed, [2.2]):
        c.assert_ok()


def test_two_terms_outliers_are_the_overlap_eigenvalues() -> None:
    terms = [{"m_mean": 1.5, "n_mean": 1.0}, {"m_mean": 0.5, "n_mean": -2.0, "m_std": 1.0, "n_std": 1.0, "rho": 0.5}]
    spec = ModelSpec.from_dict({"N": 500, "coupling": {"g": 0.5}, "low_rank": terms})
    res = LowRankProblem(spec).build_solver(backend="numpy").solve(spec, dmft=False)
    O = np.array([[1.5, 0.5], [-3.0, -1.0 + 0.5]])
    assert sorted(np.real(res.outliers)) == pytest.approx(sorted(np.linalg.eigvals(O).real))


def test_cli_json(tmp_path, capsys) -> None:
    f = tmp_path / "m.toml"
    f.write_text('N = 100\n[coupling]\ng = 0.5\n[[low_rank]]\nm_mean = 1.1\nn_mean = 2.0\nm_std = 1.0\nn_std = 1.0\n')
    assert main(["lowrank", "--spec", str(f), "--json", "--no-dmft"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["outliers"] == [pytest.approx(2.2)] and len(out["states"]) == 2 and out["bistable"]
    f.write_text('N = 100\n[[low_rank]]\nm_std = -1\n')
    assert main(["lowrank", "--spec", str(f), "--json"]) == 2
    assert "low_rank[0].m_std" in capsys.readouterr().err
