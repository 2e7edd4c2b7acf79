"""A-posteriori error estimates of the lag-grid DMFT solver (issue 12, item 1).

The estimate (change against the step-2h re-solve, over 3) must bound the actual error of the
default grid, measured against a refined reference (step h/4 on the same L) on OU noise (one
population, tau_n = 1, g = 1.5, sigma2 = 0.5) and on white noise with two populations (the EI spec),
and must not overstate it by more than a factor 20 (an estimate with power).
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.spec import ModelSpec
from workbench.theories.dmft import DMFTProblem

OU = {"phi": "tanh", "coupling": {"g": 1.5}, "noise": {"kind": "ou", "sigma2": 0.5, "tau": 1.0}}
EI = {
    "phi": "tanh",
    "populations": [{"name": "E", "fraction": 0.8}, {"name": "I", "fraction": 0.2, "tau": 2.0}],
    "coupling": {"J0": [[1.0, -2.0], [1.0, -2.0]], "g": [[1.2, 1.5], [1.0, 1.3]]},
    "noise": {"kind": "white", "sigma2": 0.3},
}


@pytest.mark.parametrize("d, h", [(OU, 0.04), (EI, 0.04)], ids=["ou", "ei"])
def test_lag_estimate_bounds_error_against_refined_grid(d: dict, h: float) -> None:
    spec = ModelSpec.from_dict(d)
    solver = DMFTProblem(spec).build_solver(method="lag")
    r = solver.solve(spec, h=h)
    ref = solver.solve(spec, h=h / 4, estimate=False)
    assert set(r.error_estimates) >= {"Delta0", "Delta_inf", "mu", "Delta_tau", "tau_half"}
    err_D0 = float(np.max(np.abs(r.Delta0 - ref.Delta0)))
    err_curve = float(np.max(np.abs(r.Delta_tau - ref.Delta_tau[:, ::4][:, : r.tau.size])))
    err_half = float(np.max(np.abs(r.tau_half - ref.tau_half)))
    for name, err in (("Delta0", err_D0), ("Delta_tau", err_curve), ("tau_half", err_half)):
        est = r.error_estimates[name]
        assert err <= est <= 20 * err + 1e-12, f"{name}: actual {err:.2e}, estimate {est:.2e}"
    assert "error_estimates" in r.to_dict()
