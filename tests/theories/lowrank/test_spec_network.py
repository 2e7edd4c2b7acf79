"""The [[low_rank]] spec (validation, round trip) and the factored low-rank network (seeds, simulator)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.sim import simulate
from workbench.sim.network import Network, build_network, sample_low_rank
from workbench.spec import ModelSpec

TERM = {"m_mean": 1.1, "n_mean": 2.0, "m_std": 1.0, "n_std": 0.5, "rho": 0.3}


def _spec(terms=(TERM,), **kw) -> ModelSpec:
    return ModelSpec.from_dict({"N": 300, "coupling": {"g": 0.8}, "low_rank": list(terms), **kw})


def test_round_trip_and_default() -> None:
    two = {**TERM, "m_corr": [0.2], "n_corr": [-0.1]}
    spec = _spec((TERM, two))
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    assert ModelSpec.from_dict({"N": 10}).low_rank == () and "low_rank" not in ModelSpec.from_dict({"N": 10}).to_dict()


@pytest.mark.parametrize(
    ("term", "match"),
    [
        ({**TERM, "m_std": -1.0}, r"low_rank\[0\]\.m_std: must be >= 0"),
        ({**TERM, "rho": 1.5}, r"low_rank\[0\]\.rho: correlations must be in \[-1, 1\]"),
        ({**TERM, "m_corr": [0.1]}, r"low_rank\[0\]\.m_corr: must list 0 correlations"),
        ({**TERM, "bogus": 1}, r"low_rank\[0\]: unknown keys \['bogus'\]"),
        ({**TERM, "n_mean": "x"}, r"low_rank\[0\]\.n_mean: expected a number"),
    ],
)
def test_bad_terms_name_the_parameter(term, match) -> None:
    with pytest.raises(SpecError, match=match):
        _spec((term,))


def test_non_psd_covariance_is_refused() -> None:
    a = {**TERM, "rho": 0.9}
    b = {**TERM, "rho": 0.9, "m_corr": [0.9], "n_corr": [-0.9]}
    with pytest.raises(SpecError, match="low_rank: .*not positive semidefinite"):
        _spec((a, b))


def test_low_rank_keeps_the_random_part_and_is_seeded() -> None:
    plain = build_network(ModelSpec.from_dict({"N": 300, "coupling": {"g": 0.8}}), 5)
    net = build_network(_spec(), 5)
    again = build_network(_spec(), 5)
    assert np.array_equal(plain.J, net.J) and np.array_equal(net.m, again.m) and np.array_equal(net.n, again.n)
    assert not np.array_equal(net.m, build_network(_spec(), 6).m)
    assert net.rank == 1 and np.allclose(net.full_J(), net.J + np.outer(net.m[:, 0], net.n[:, 0]) / 300)


def test_sampled_law_matches_the_spec() -> None:
    """Means, stds and rho of 20000 draws within 5 SE (SE of a mean: std/sqrt(n); of rho: (1 - rho^2)/sqrt(n))."""
    spec = ModelSpec.from_dict({"N": 20000, "coupling": {"g": 0.0}, "low_rank": [TERM]})
    m, n = (v[:, 0] for v in sample_low_rank(spec, np.random.default_rng(1)))
    se = 1 / np.sqrt(spec.N)
    assert abs(m.mean() - 1.1) < 5 * 1.0 * se and abs(n.mean() - 2.0) < 5 * 0.5 * se
    assert abs(m.std() - 1.0) < 5 * 1.0 * se and abs(n.std() - 0.5) < 5 * 0.5 * se
    assert abs(np.corrcoef(m, n)[0, 1] - 0.3) < 5 * (1 - 0.09) * se


def test_factored_step_equals_the_dense_matrix() -> None:
    """Simulating with J + m n^T/N kept factored equals simulating the dense matrix (round-off)."""
    spec = _spec()
    net = build_network(spec, 2)
    dense = Network(spec.replace(low_rank=()), net.full_J(), net.tau, net.gain, net.I, net.pop, seed=net.seed)
    x0 = net.m[:, 0]
    kw = {"T": 5.0, "dt": 0.05, "trials": 2, "seed": 3, "x0": x0}
    a = simulate(spec, network=net, **kw).x_final
    b = simulate(dense.spec, network=dense, **kw).x_final
    assert np.max(np.abs(a - b)) < 1e-12
