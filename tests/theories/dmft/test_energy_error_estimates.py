"""Error estimates of the reported Delta(tau) and tau_1/2 (not of a coarser curve), and kinked-phi accuracy.

Reference: the same solver with 8x the Chebyshev points (257) and a quarter of the RK4 step (du = 0.0025).
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.spec import ModelSpec
from workbench.theories.dmft import DMFTProblem


@pytest.fixture(scope="module")
def tanh_pair():
    """Default tanh solver (no noise) and its refined reference."""
    spec = ModelSpec.from_dict({"phi": "tanh", "coupling": {"g": 3.0}})
    ref = DMFTProblem(spec).build_solver(n_curve=257)
    ref.du = 0.0025
    return DMFTProblem(spec).build_solver(), ref, spec


@pytest.mark.parametrize("g", [3.0, 10.0, 20.0])
def test_curve_estimates_bound_the_actual_error(tanh_pair, g: float) -> None:
    """actual <= estimate <= target (1e-6 Delta0, 1e-6 tau_1/2) for Delta(tau) on tau <= 50 and for tau_1/2."""
    solver, ref, spec = tanh_pair
    s = spec.with_overrides(g=g)
    r, rr = solver.solve(s), ref.solve(s)
    tt = r.tau[r.tau <= 50.0]
    actual = float(np.max(np.abs(r.Delta_at(tt) - rr.Delta_at(tt))))
    est = r.error_estimates["Delta_tau"]
    assert actual <= est <= 1e-6 * r.Delta0, (actual, est, r.info["Delta_tau_error_parts"])
    est_half = r.error_estimates["tau_half"]
    assert abs(r.tau_half - rr.tau_half) <= est_half <= 1e-6 * r.tau_half, (r.tau_half - rr.tau_half, est_half)


def _refined(spec: ModelSpec):
    """Solver with a quarter of the sinh-rule step in every Gaussian average and kernel."""
    ref = DMFTProblem(spec).build_solver()
    for sys_ in (ref.static_sys, ref.chaotic_sys, ref.pair_sys, ref.map_sys, ref.stability_sys, ref.obs_sys):
        sys_.h /= 4
    ref.curve_sys.h /= 4
    return ref


@pytest.mark.parametrize(
    ("phi", "g", "s2"), [("x/(1+abs(x))", 3.0, 0.0), ("x/(1+abs(x))", 20.0, 0.0), ("relu", 1.2, 0.5)]
)
def test_kinked_phi_against_quarter_step(phi: str, g: float, s2: float) -> None:
    """Kinked phi (split Gauss-Legendre inner averages): lambda to 1e-6 and Delta0 to 1e-8 (relative) of a
    reference with h/4 in every quadrature and h/4 in the Schroedinger operator."""
    spec = ModelSpec.from_dict({"phi": phi, "coupling": {"g": g}, "noise": {"kind": "white", "sigma2": s2}})
    r = DMFTProblem(spec).build_solver().solve(spec)
    rr = _refined(spec).solve(spec, h=0.005)
    assert abs(r.lyapunov - rr.lyapunov) <= 1e-6 * max(abs(rr.lyapunov), 1e-3)
    assert abs(r.Delta0 - rr.Delta0) <= 1e-8 * rr.Delta0
