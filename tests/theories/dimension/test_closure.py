"""The self-consistent-gain closure of the nonlinear cross statistics' 1/N rest (:mod:`workbench.theories.dimension.closure`)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from workbench.errors import SpecError
from workbench.theories.dimension.closure import CLOSURE_STATS, closure_job, closure_rest, closure_samples


def _params(phi: str, g: float, sigma2: float, N: int, networks: int, seed: int) -> dict:
    return closure_job(phi, g, sigma2, N, range(seed, seed + networks)).params


def test_linear_closure_is_the_linear_equivalent() -> None:
    """A linear phi has gain 1 at any variance: the closure and the shared prediction are the same matrix."""
    arrays = closure_samples(_params("linear", 0.5, 1.0, 30, 3, 1))
    assert arrays["shared"].shape == (3, len(CLOSURE_STATS))
    np.testing.assert_allclose(arrays["closure"], arrays["shared"], rtol=1e-12, atol=1e-14)


def test_tanh_closure_damps_the_loud_networks() -> None:
    """tanh, g = 1.2, sigma2 = 1, N = 60, 8 networks (seed 70): a unit driven hard saturates, so the closure lowers
    the mean autocovariance and N var_cross below the shared-gain prediction in (at least 7 of 8) networks, most in
    the loudest (the correlation over networks is negative), and raises PR/N."""
    arrays = closure_samples(_params("tanh", 1.2, 1.0, 60, 8, 70))
    assert arrays["skipped"].size == 0
    shared, closure = arrays["shared"], arrays["closure"]
    for name in ("mean_autocov_x", "N_var_cross_x", "N_var_cross_phi"):
        j = CLOSURE_STATS.index(name)
        assert np.sum(closure[:, j] < shared[:, j]) >= 7, name
        assert np.corrcoef(shared[:, j], closure[:, j] - shared[:, j])[0, 1] < -0.5, name
    j = CLOSURE_STATS.index("PR_over_N_x")
    assert np.sum(closure[:, j] > shared[:, j]) >= 7


def test_closure_rest_control_variate() -> None:
    """``closure_rest`` on synthetic rows: the control variate removes the part of the paired difference that follows
    the shared prediction's deviation, and ``coef`` adds the given LE coefficient."""
    rng = np.random.default_rng(0)
    n, N = 400, 100
    shared = 1.0 + rng.normal(0.0, 0.02, (n, len(CLOSURE_STATS)))
    closure = shared - 0.5 * (shared - 1.0) - 0.01 + rng.normal(0.0, 1e-4, shared.shape)
    value = dict.fromkeys(CLOSURE_STATS, 1.0)
    c_le = dict.fromkeys(CLOSURE_STATS, 0.0)
    out = closure_rest({"shared": shared, "closure": closure}, N, value, c_le)
    for name in CLOSURE_STATS:
        r = out[name]
        assert r["rest"] == pytest.approx(-1.0, abs=4 * r["se"])
        assert r["se"] < 0.05 * r["se_raw"]
        assert r["coef"] == r["rest"]


def test_closure_job_refuses_too_few_networks() -> None:
    with pytest.raises(SpecError, match="networks"):
        closure_job("tanh", 1.2, 1.0, 60, [0, 1])


@pytest.mark.slow
def test_closure_explains_the_weakly_nonlinear_rest() -> None:
    """tanh, g = 0.8, sigma2 = 0.5, N = 125, 80 networks (seeds 7000 + i) x 4 trials of T = 1000, dt = 0.05, simulated
    and given the closure on the same J (about 4 min): the closure's rests of N var_cross (x, phi) and PR/N of x
    differ from 0 by more than 8 of their SEs (they are -0.11, -0.063, 0.41 in the study of 240 networks), and what it
    misses, the mean of N (sim - closure) on the same networks, is within the Student-t tolerance (4 Gaussian SE) of
    0. An integration test of the pairing more than a sharp one: at 80 networks that tolerance is 50-70 % of the
    measured rest (the study's 240 networks put the miss at 0 +- 8 % for N var_cross of x; the closure overshoots erf
    at g = 0.9 and tanh at g = 1.2 by 15-47 %, see the module docstring)."""
    from workbench.compare import student_k
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.closure import against_simulation, references, study_seeds
    from workbench.theories.dimension.finite_size_checks import autocov_samples
    from workbench.theories.dimension.finite_size_nonlinear import nonlinear_finite_size

    N, n, seed = 125, 80, 7000
    sim = autocov_samples({"phi": "tanh", "g": 0.8, "sigma2": 0.5, "N": N, "networks": n, "seed": seed, "T": 1000.0,
                           "trials": 4, "dt": 0.05})
    seeds = study_seeds(seed, N, n, sim["unstable"])
    arrays = closure_samples({"phi": "tanh", "g": 0.8, "sigma2": 0.5, "N": N, "seeds": seeds})
    value, c_le = references(nonlinear_finite_size(ModelSpec.simple(g=0.8, phi="tanh", sigma2=0.5)))
    rest = closure_rest(arrays, N, value, c_le)
    out = against_simulation(sim["rows"], arrays, N, rest)
    for name in ("N_var_cross_x", "N_var_cross_phi", "PR_over_N_x"):
        s = out[name]
        assert abs(s["closure"]) > 8 * s["closure_se"], (name, s)
        k = student_k(dof=s["networks"] - 1)
        assert abs(s["remainder"]) < k * s["se"], (name, s)
        assert k * s["se"] < 0.8 * abs(s["measured"]), (name, s)  # the rest itself is resolved
        assert s["shared_mismatch"] < 1e-9
    assert stats.pearsonr(arrays["shared"][:, 1], arrays["closure"][:, 1] - arrays["shared"][:, 1])[0] < 0
