"""workbench.compare: finite-size fits (a + c/N and the series in 1/N) and Student-t multipliers."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.compare import finite_size_fit, fit_quality, series_fit, student_k


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


def test_series_fit_recovers_a_quadratic_and_its_errors() -> None:
    """a + c/N + d/N^2 exactly; the known-intercept form N (y - a) = c + d/N; SEs of every coefficient against a
    Monte Carlo; the chi^2 of a model missing the 1/N^2 term."""
    Ns = np.array([64.0, 90.0, 125.0, 250.0, 500.0, 1000.0])
    y = 0.41 - 1.6 / Ns + 40.0 / Ns**2
    se = 3.0 / Ns / np.sqrt([12000, 8000, 4800, 2400, 300, 24])
    fit = series_fit(Ns, y, se)
    assert fit.params == pytest.approx((0.41, -1.6, 40.0), rel=1e-9)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-12) and fit.resid_dof == 3
    assert fit.at(200.0) == pytest.approx(0.41 - 1.6 / 200 + 40.0 / 200**2)
    known = series_fit(Ns, Ns * (y - 0.41), Ns * se, (0, 1))
    assert known.params == pytest.approx((-1.6, 40.0), rel=1e-9)
    rng = np.random.default_rng(1)
    draws = np.array([series_fit(Ns, y + rng.normal(0.0, se), se).params for _ in range(3000)])
    assert np.std(draws, axis=0) == pytest.approx(fit.se_params, rel=0.06)
    draws = np.array([series_fit(Ns, Ns * (y + rng.normal(0.0, se) - 0.41), Ns * se, (0, 1)).params
                      for _ in range(3000)])
    assert np.std(draws, axis=0) == pytest.approx(known.se_params, rel=0.06)
    # c alone cannot describe the curvature at these SEs: the chi^2 check fails
    assert not fit_quality("c alone", series_fit(Ns, Ns * (y - 0.41), Ns * se, (0,))).ok


def test_series_fit_welch_dof_and_bad_input() -> None:
    """One size dominating a coefficient gives that size's n - 1 dof; too few sizes are refused."""
    fit = series_fit([1000, 2000], [0.1, 0.1], [1e-6, 1e-3], (0,), samples=[5, 9])
    assert 3.9 < fit.dof[0] < 4.1
    assert series_fit([1000, 2000], [0.1, 0.1], [1e-3, 1e-3], (0,)).dof == (float("inf"),)
    with pytest.raises(ValueError):
        series_fit([1000, 2000], [0.1, 0.2], [0.01, 0.01], (0, 1, 2))
