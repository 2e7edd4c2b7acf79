"""workbench.compare: finite-size fits and Student-t multipliers."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.compare import finite_size_fit, student_k


def test_finite_size_fit_recovers_a_line_and_its_errors() -> None:
    Ns = np.array([250.0, 500.0, 1000.0, 2000.0])
    y = 1.5 - 40.0 / Ns
    fit = finite_size_fit(Ns, y, np.full(4, 0.01))
    assert fit.a == pytest.approx(1.5, abs=1e-12) and fit.c == pytest.approx(-40.0, abs=1e-9)
    assert fit.at(1000.0) == pytest.approx(1.46)
    # SE of the intercept from the normal equations: Monte Carlo check
    rng = np.random.default_rng(0)
    a = [finite_size_fit(Ns, y + rng.normal(0, 0.01, 4), np.full(4, 0.01)).a for _ in range(4000)]
    assert np.std(a) == pytest.approx(fit.se_a, rel=0.05)


def test_welch_dof_and_student_k() -> None:
    # one size dominating the intercept: dof close to that size's n - 1
    fit = finite_size_fit([1000, 2000], [0.1, 0.1], [1e-6, 1e-3], samples=[5, 9])
    assert 7.9 < fit.dof < 8.1
    assert student_k(dof=8) == pytest.approx(student_k(9))
    assert student_k(1000) == pytest.approx(4.0, abs=0.02)  # the Gaussian limit
    assert student_k(4) > 20  # few samples: a much larger multiplier for the same false-alarm rate
    with pytest.raises(ValueError):
        student_k(1)
    with pytest.raises(ValueError):
        finite_size_fit([1000], [0.1], [0.01])
