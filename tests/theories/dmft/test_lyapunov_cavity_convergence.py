"""Convergence of the cavity (Clark) DMFT Lyapunov spectrum and its a-posteriori error estimates (issue 12).

At g = 2 and g = 3 (tanh, tau = 1; T = 32, 4 Sobol scrambles of 64 paths, seed 0, regulators 0.1..0.003):

* the time-step (grid) estimate, from the same paths sampled at 2 dt and 4 dt, bounds the change of
  lambda_1 = lambda(1/200) and D_KY/N on the refined grid (m = 128 modes, dt = 0.25; 2 scrambles: the
  refined solve against the same paths at dt = 0.5), and is below 3e-2 relative (the paths are rough:
  the error falls like dt^0.6, so 1e-3 would need thousands of modes);
* a fourth, smaller regulator (1e-3) moves lambda_1 and D_KY/N by no more than the regulator estimate;
* the total estimate (2 standard errors of the path quadrature + regulator + grid) is reported per exponent.
"""

import math

import numpy as np
import pytest

from workbench.spec import ModelSpec
from workbench.theories.dmft.lyapunov_cavity import CavityConfig, lyapunov_spectrum_cavity

K, N = 5, 200


@pytest.fixture(scope="module", params=[2.0, 3.0])
def case(request, tanh_solver):
    """The tanh network at g and its DMFT solution and default cavity spectrum (k = 5 of N = 200)."""
    spec = ModelSpec.simple(N=400, g=request.param)
    res = tanh_solver.solve(spec)
    return spec, res, lyapunov_spectrum_cavity(spec, k=K, N=N, result=res, s_low=None)


def _values(sp_) -> np.ndarray:
    return np.array([sp_.exponents[0], sp_.kaplan_yorke_fraction])


def _estimates(sp_, part: str | None = None) -> np.ndarray:
    e = sp_.error_estimates if part is None else sp_.error_estimates["parts"][part]
    return np.array([e["exponents"][0], e["kaplan_yorke_fraction"]])


@pytest.mark.slow
def test_estimates_are_reported_and_the_grid_part_is_small(case):
    _, _, sp_ = case
    q = _values(sp_)
    assert np.all(np.isfinite(_estimates(sp_))) and len(sp_.error_estimates["exponents"]) == K
    assert np.all(_estimates(sp_, "grid") < 3e-2 * np.abs(q))
    parts = sum(_estimates(sp_, p) * (2 if p == "statistical" else 1) for p in ("statistical", "regulator", "grid"))
    np.testing.assert_allclose(_estimates(sp_), parts, rtol=1e-12)


@pytest.mark.slow
def test_refined_grid_agrees_within_the_grid_estimate(case):
    spec, res, sp_ = case
    fine = lyapunov_spectrum_cavity(spec, k=K, N=N, result=res, s_values=sp_.s,
                                    config=CavityConfig(m=128, path_sets=2))
    half = fine.error_estimates["coarse_grid_values"]["2dt"]  # the same paths at dt = 0.5
    diff = np.abs(_values(fine) - np.array([half["exponents"][0], half["kaplan_yorke_fraction"]]))
    assert np.all(diff <= _estimates(sp_, "grid")), (diff, _estimates(sp_, "grid"))


@pytest.mark.slow
def test_smaller_regulator_agrees_within_the_regulator_estimate(case):
    spec, res, sp_ = case
    cfg = CavityConfig(eps=(0.1, 0.03, 0.01, 0.003, 0.001))
    low = lyapunov_spectrum_cavity(spec, k=K, N=N, result=res, s_values=sp_.s, config=cfg, estimate=False)
    diff = np.abs(_values(low) - _values(sp_))
    assert np.all(diff <= _estimates(sp_, "regulator") + 1e-12), (diff, _estimates(sp_, "regulator"))
    assert math.isfinite(low.kaplan_yorke_fraction)
