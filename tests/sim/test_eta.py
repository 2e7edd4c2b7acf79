"""Reciprocally correlated couplings: corr(J_ij, J_ji) = eta in the spec and in the simulator's draw."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.sim.network import build_network
from workbench.spec import ModelSpec


def _pairs(J: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    iu = np.triu_indices(J.shape[0], 1)
    return J[iu], J.T[iu]


@pytest.mark.parametrize("eta", [-0.6, 0.0, 0.5, 1.0])
def test_sample_correlation_is_eta(eta: float) -> None:
    """N = 600, seed 3: the sample corr(J_ij, J_ji) is eta within 4 SE, the variance g^2/N within 4 SE."""
    N, g = 600, 1.3
    J = build_network(ModelSpec.simple(N=N, g=g, eta=eta), seed=3).J * np.sqrt(N) / g
    a, b = _pairs(J)
    n = a.size
    r = np.corrcoef(a, b)[0, 1]
    assert abs(r - eta) <= 4 * max(1 - eta**2, 1e-12) / np.sqrt(n) + 1e-12
    assert abs(a.var() - 1) <= 4 * np.sqrt(2 / n)
    assert abs(np.diag(J).var() - 1) <= 4 * np.sqrt(2 / N)


def test_draw_is_reproducible_and_eta0_unchanged() -> None:
    """Same seed, same matrix; eta = 0 keeps the historical draw (the key and J of old specs do not move)."""
    s = ModelSpec.simple(N=50, g=1.5, eta=0.4)
    assert np.array_equal(build_network(s, 7).J, build_network(s, 7).J)
    s0 = ModelSpec.simple(N=50, g=1.5)
    assert s0.replace(eta=((0.0,),)).key() == s0.key()
    assert "eta" not in s0.to_dict()["coupling"]
    assert ModelSpec.from_dict(s.to_dict()) == s


@pytest.mark.parametrize("eta", [-0.5, 0.5])
def test_elliptic_law_support(eta: float) -> None:
    """N = 800, seed 1: eigenvalues fill the ellipse with semi-axes g(1 + eta), g(1 - eta).

    Uniform law on the ellipse: E[Re^2] = A^2/4, E[Im^2] = B^2/4 (checked to 5 %, finite-N
    corrections are O(1/N)); at most 1 % of the eigenvalues lie beyond 1.05 times the ellipse
    (edge fluctuations).
    """
    N, g = 800, 1.2
    J = build_network(ModelSpec.simple(N=N, g=g, eta=eta), seed=1).J
    ev = np.linalg.eigvals(J)
    A, B = g * (1 + eta), g * (1 - eta)
    r = (ev.real / A) ** 2 + (ev.imag / B) ** 2
    assert np.mean(r > 1.05**2) <= 0.01
    assert np.mean(ev.real**2) == pytest.approx(A**2 / 4, rel=0.05)
    assert np.mean(ev.imag**2) == pytest.approx(B**2 / 4, rel=0.05)


def test_two_population_blocks() -> None:
    """Per population pair: block (E, I) pairs with (I, E) at eta_EI, each block with its own g."""
    spec = ModelSpec.from_dict({
        "N": 400,
        "populations": [{"name": "E", "fraction": 0.5}, {"name": "I", "fraction": 0.5}],
        "coupling": {"g": [[1.0, 2.0], [0.5, 1.0]], "eta": [[0.8, -0.4], [-0.4, 0.0]]},
    })
    J = build_network(spec, seed=2).J * np.sqrt(400)
    EI, IE = J[:200, 200:], J[200:, :200]
    r = np.corrcoef(EI.ravel(), IE.T.ravel())[0, 1]
    assert abs(r + 0.4) <= 4 * (1 - 0.16) / 200
    assert EI.std() == pytest.approx(2.0, rel=0.02) and IE.std() == pytest.approx(0.5, rel=0.02)
    a, b = _pairs(J[:200, :200])
    assert abs(np.corrcoef(a, b)[0, 1] - 0.8) <= 4 * 0.36 / np.sqrt(a.size)


@pytest.mark.parametrize(
    ("coupling", "where"),
    [({"eta": 1.5}, "eta[0][0]"), ({"eta": -2}, "eta[0][0]"), ({"eta": 0.3, "p": 0.5}, "eta[0][0]"),
     ({"eta": "x"}, "coupling.eta"), ({"eta": float("nan")}, "coupling.eta")],
)
def test_bad_eta_is_spec_error(coupling: dict, where: str) -> None:
    """Out of [-1, 1], sparse couplings, or not a number: a SpecError naming the entry."""
    with pytest.raises(SpecError, match=r"^" + where.replace("[", r"\[").replace("]", r"\]")):
        ModelSpec.from_dict({"N": 10, "coupling": coupling})


def test_asymmetric_eta_table_is_spec_error() -> None:
    """corr(J_ij, J_ji) is symmetric in the population pair."""
    pops = [{"name": "E", "fraction": 0.5}, {"name": "I", "fraction": 0.5}]
    with pytest.raises(SpecError, match="must equal eta"):
        ModelSpec.from_dict({"N": 10, "populations": pops, "coupling": {"eta": [[0, 0.2], [0.3, 0]]}})


def test_eta_override_and_cli_range() -> None:
    """``with_overrides(eta=...)`` sets every block; ``simulate --eta 2`` is a SpecError."""
    import argparse

    from workbench.spec.cli_options import add_spec_options, spec_from_args

    assert ModelSpec.simple(N=10).with_overrides(eta=-0.25).eta == ((-0.25,),)
    p = argparse.ArgumentParser()
    add_spec_options(p, with_N=True)
    args = p.parse_args(["--N", "20", "--eta", "0.5"])
    assert spec_from_args(args, lambda: ModelSpec.simple()).eta == ((0.5,),)
    with pytest.raises(SpecError, match="^eta"):
        spec_from_args(p.parse_args(["--eta", "2"]), lambda: ModelSpec.simple())
