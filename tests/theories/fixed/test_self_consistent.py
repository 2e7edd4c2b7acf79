"""Self-consistent per-neuron gains: linear phi unchanged, convergence, diag C^x = single-site variance, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main
from workbench.errors import SpecError
from workbench.theories.fixed import predict
from workbench.theories.fixed.gains import input_scale, single_site
from workbench.theories.fixed.prediction import self_consistent_site


def _J(N: int, g: float, seed: int) -> np.ndarray:
    """iid Gaussian couplings of variance g^2/N."""
    return np.random.default_rng(seed).standard_normal((N, N)) * g / np.sqrt(N)


def test_linear_phi_keeps_unit_gains() -> None:
    """phi = x: the closure changes nothing (gains 1, same covariances as per-neuron)."""
    J = _J(80, 0.6, 1)
    sc, pn = predict(J, "linear", 0.7, "self-consistent"), predict(J, "linear", 0.7, "per-neuron")
    assert np.all(sc.gains == 1.0) and sc.gains_mode == "self-consistent"
    np.testing.assert_allclose(sc.cov_x, pn.cov_x, atol=1e-12)


def test_converges_and_diagonal_matches_single_site_variance() -> None:
    """g = 1.5, sigma2 = 1, N = 80: converges in a few iterations; [C^x]_ii = q_i K(0) + sigma2/2 = Delta0_i."""
    J, s2 = _J(80, 1.5, 3), 1.0
    r = predict(J, "tanh", s2, "self-consistent")
    assert 2 <= r.timings["self_consistent_iterations"] <= 30 and np.all(np.isfinite(r.cov_phi))
    g2 = float(np.sum(J * J) / J.shape[0])
    np.testing.assert_allclose(r.site.Delta0, r.site.q * input_scale("tanh", s2, g2) + 0.5 * s2, rtol=1e-10)
    np.testing.assert_allclose(np.diag(r.cov_x), r.site.Delta0, rtol=2e-3)  # stopped at max |delta d| < 1e-4
    # the closure widens the gain spread relative to the row-norm gains (the off-diagonal input variance)
    assert r.gains.std() > single_site(J, "tanh", s2, "per-neuron", False).d.std()


def test_non_convergence_is_a_clear_error() -> None:
    """Too few iterations: one-line SpecError naming gains."""
    with pytest.raises(SpecError, match="gains: self-consistent gains did not converge"):
        self_consistent_site(_J(40, 1.5, 4), "tanh", 1.0, max_iter=1)


def test_unknown_mode_is_refused() -> None:
    """A misspelt mode lists the three allowed ones."""
    with pytest.raises(SpecError, match="self-consistent"):
        predict(_J(10, 1.0, 0), "tanh", 1.0, "selfconsistent")


def test_cli_self_consistent(tmp_path: Path, capsys) -> None:
    """``workbench fixed --gains self-consistent --json`` reaches the closure and names the mode (linear phi: fast)."""
    path = tmp_path / "J.npy"
    np.save(path, _J(40, 0.8, 5))
    argv = ["fixed", "--J-file", str(path), "--phi", "linear", "--sigma2", "1", "--gains", "self-consistent", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gains_mode"] == "self-consistent" and out["g_eff"] == out["g"]
