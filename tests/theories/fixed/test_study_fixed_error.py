"""The error study of the fixed-connectivity theory (benchmarks/study_fixed_error.py): its helpers and one run."""

from __future__ import annotations

import math

import pytest


@pytest.fixture(scope="module")
def study(benchmark_module):
    """The study script as a module."""
    return benchmark_module("study_fixed_error")


def _row(N: int, rel2: float, se2: float = 1e-5) -> dict:
    """A table row with only the fields the size fit reads."""
    return {"N": N, "dt": 0.05, "rel2_x": rel2, "rel2_x_se": se2}


def test_relative_error_is_the_root_of_the_squared_error(study):
    """sqrt(rel2) with the delta-method SE; below the noise: 0 and sqrt(SE)."""
    assert study.relative_error(0.04, 0.004) == pytest.approx((0.2, 0.01))
    assert study.relative_error(-0.01, 0.0004) == pytest.approx((0.0, 0.02))


def test_fit_recovers_inverse_square_root(study):
    """Squared errors 0.5/N averaged over two networks per size: exponent -1/2, amplitude sqrt(0.5)."""
    rows = [_row(n, 0.5 / n * f) for n in (125, 250, 500, 1000) for f in (0.9, 1.1)]
    fit = study.fit_sizes(rows, "x")
    assert fit.exponent == pytest.approx(-0.5, abs=1e-9) and fit.amplitude == pytest.approx(math.sqrt(0.5), rel=1e-6)
    assert study.combine([_row(100, 0.01)], "x") == pytest.approx((0.1, 1e-5 / 0.2))


@pytest.mark.slow
def test_study_slope_sits_at_one_after_the_time_step_bias(study):
    """N = 1000, g = 1.2, sigma2 = 1, one network (seed 100), 4 x 6000 (32 blocks), dt = 0.05 (~70 s): with the
    exponential-Euler bias of the linear-equivalent map added, the x and phi pair slopes are 1 within 4 SE (SE ~0.2 %);
    the flow alone is resolved below 1 (> 4 SE; the bias is ~1.3 %), so the check has the power to see the bias."""
    row = study.measure(1000, 1.2, 1.0, 100, 0.05, 6000.0, 4, 8)
    for name in ("x", "phi"):
        se = row[f"slope_{name}_se"]
        assert abs(row[f"slope_{name}"] - 1) < 4 * se
        assert 1 - row[f"slope_{name}_flow"] > 4 * se
    assert abs(row["PR_sim"] - row["PR_theory"]) < 4 * row["PR_sim_se"]
