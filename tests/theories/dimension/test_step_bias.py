"""Time-step bias of the simulated cross-covariance statistics (fixed-J step map against the flow)."""

from __future__ import annotations

import pytest

from workbench.spec import ModelSpec
from workbench.theories.dimension.step_bias import relative_step_bias


def test_step_bias_is_first_order_in_dt_and_self_averaging() -> None:
    """N var_cross of the exponential-Euler map is below the flow's by O(dt); PR/N is above; two seeds agree."""
    spec = ModelSpec.simple(N=150, g=0.8, phi="tanh", sigma2=1.0)
    b1 = relative_step_bias(spec, 1.0, 0.05, networks=1, seed=0)
    b2 = relative_step_bias(spec, 1.0, 0.025, networks=1, seed=0)
    other = relative_step_bias(spec, 1.0, 0.05, networks=1, seed=5)
    for w in ("x", "phi"):
        assert -0.08 < b1[w]["N_var_cross"] < -0.01 and b1[w]["PR_over_N"] > 0
        assert b2[w]["N_var_cross"] / b1[w]["N_var_cross"] == pytest.approx(0.5, abs=0.05)
        assert other[w]["N_var_cross"] == pytest.approx(b1[w]["N_var_cross"], rel=0.1)
