"""The static twin (:mod:`workbench.theories.dimension.static_twin`): the control variate of networks with a quenched
static input. Its operating point in closed-form cases, and for a linear phi the twin is the network itself (a linear
network's covariance does not see its static input). Its covariance solver is tested in ``test_exact.py``."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.spec import ModelSpec
from workbench.theories.dimension.checks import simulated_network
from workbench.theories.dimension.exact import equal_time_covariance as exact_covariance
from workbench.theories.dimension.static_twin import (
    operating_point,
    static_twin_jobs,
    static_twin_samples,
    static_twin_stats,
)


def test_operating_point_closed_forms() -> None:
    """No coupling: mu = I and, for phi = erf(sqrt(pi) x / 2) at temporal variance D, a = exp(-pi mu^2 / (4 + 2 pi
    D)) / sqrt(1 + pi D / 2); a linear phi has gain 1 whatever the input."""
    from workbench.spec.nonlinearity import make_nonlinearity

    I = np.linspace(-1.5, 1.5, 7)
    mu, a = operating_point(np.zeros((7, 7)), I, make_nonlinearity("erf"), 0.4, nodes=60)
    np.testing.assert_allclose(mu, I, atol=1e-12)
    k2 = np.pi / 4
    np.testing.assert_allclose(a, np.exp(-k2 * I**2 / (1 + 2 * k2 * 0.4)) / np.sqrt(1 + 2 * k2 * 0.4), rtol=1e-10)
    J = np.random.default_rng(0).standard_normal((7, 7)) * 0.15
    mu, a = operating_point(J, I, make_nonlinearity("linear"), 0.4)
    np.testing.assert_allclose(mu, np.linalg.solve(np.eye(7) - J, I), atol=1e-7)
    np.testing.assert_allclose(a, 1.0, atol=1e-12)


def test_linear_static_twin_is_the_network() -> None:
    """For phi(x) = x with a static input the twin's covariance is the network's exact equal-time covariance, and the
    stored-run compute stacks the seeds' statistics."""
    from workbench.sim.estimators import DIMENSION_KEYS, dimension_stats

    spec = ModelSpec.simple(N=50, g=0.6, phi="linear", sigma2=0.8, input_std=0.7)
    out = static_twin_stats(spec, 5, temporal_var=0.5)
    exact = dimension_stats(exact_covariance(simulated_network(spec, 5).J, 0.8))
    np.testing.assert_allclose(out["x"], [exact[k] for k in DIMENSION_KEYS], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(out["phi"], out["x"], rtol=1e-12)
    job = static_twin_jobs(spec, 0.5, [(5, 2)])[0]
    arrays = static_twin_samples(job.params)
    assert arrays["x"].shape == (2, len(DIMENSION_KEYS))
    np.testing.assert_allclose(arrays["x"][0], out["x"], rtol=1e-12)


def test_nonlinear_static_twin_follows_the_input() -> None:
    """erf, g = 1.2: a stronger static input saturates more units (smaller gains), so the twin's N var_cross of x
    falls (input SD 0.3 -> 1.2, 6 networks of N = 60); a divergent fixed-point iteration is refused."""
    from workbench.sim.estimators import DIMENSION_KEYS

    weak = ModelSpec.simple(N=60, g=1.2, phi="erf", sigma2=0.5, input_std=0.3)
    strong = ModelSpec.simple(N=60, g=1.2, phi="erf", sigma2=0.5, input_std=1.2)
    i = DIMENSION_KEYS.index("N_var_cross")
    w = np.mean([static_twin_stats(weak, s, 0.37)["x"][i] for s in range(6)])
    s_ = np.mean([static_twin_stats(strong, s, 0.37)["x"][i] for s in range(6)])
    assert s_ < 0.7 * w
    with pytest.raises(Exception, match="converge"):
        operating_point(np.eye(3) * 5.0, np.ones(3), weak.phi, 0.0, max_iter=5)
