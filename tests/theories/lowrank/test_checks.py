"""The control-variate network average used by the low-rank report's simulation checks."""

from __future__ import annotations

import numpy as np

from workbench.theories.lowrank.checks import control_variate_mean, sample_comparison


def test_control_variates_remove_the_explained_spread() -> None:
    """y = 1 + 3 c + small noise: the intercept is 1 within its SE, which is far below the plain SE."""
    rng = np.random.default_rng(0)
    c = rng.normal(size=(40, 2))
    y = 1.0 + 3.0 * c[:, 0] + 0.01 * rng.normal(size=40)
    est, se, dof = control_variate_mean(y, c)
    plain = control_variate_mean(y)
    assert dof == 37 and plain[2] == 39
    assert abs(est - 1.0) < 5 * se and se < plain[1] / 20


def test_few_networks_fall_back_to_the_plain_mean() -> None:
    """Fewer than MIN_CV_DOF residual dof: the plain mean and n - 1 dof, no control-variate note."""
    y, c = np.array([1.0, 2.0, 3.0, 4.0]), np.zeros((4, 4))
    assert control_variate_mean(y, c)[2] == 3
    assert "control" not in sample_comparison("q", 2.5, y, c).reason
