"""Split, graded Gauss-Legendre averages of kinked integrands and the nested outer rule of the kinked kernels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from workbench.solvers.quadrature import kinked_kernel_adaptive, kinked_kernel_pair, split_average_pair, split_inner

KINKED = {
    "relu": lambda x: np.maximum(x, 0.0),
    "relu'": lambda x: (x > 0) * 1.0,
    "x/(1+|x|)": lambda x: x / (1 + np.abs(x)),
    "(x/(1+|x|))'^2": lambda x: 1 / (1 + np.abs(x)) ** 4,
}


def _reference(f, m: float, a: float) -> float:
    """``<f(m + a y)>_y`` by adaptive quadrature split at the kink and next to it (its O(1) features)."""
    pts = sorted({-m / a, (-m - 1) / a, (1 - m) / a})

    def integrand(y: float) -> float:
        return float(f(np.array(m + a * y))) * math.exp(-0.5 * y * y) / math.sqrt(2 * math.pi)

    return integrate.quad(integrand, -13, 13, points=pts, epsabs=1e-16, epsrel=1e-15, limit=1000)[0]


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("name", list(KINKED))
def test_split_inner_exact_to_rounding(name: str) -> None:
    """Every piece resolved to rounding (graded next to the kink): 1e-12 of max(|value|, 1e-3), a up to 16."""
    f = KINKED[name]
    for a in (0.3, 1.5, 3.0, 8.0, 15.7):
        m = np.array([0.0, 0.3, -1.0, 2 * a, 5.0])
        got = split_inner(f, m, a, [0.0])
        ref = np.array([_reference(f, float(mi), a) for mi in m])
        assert np.all(np.abs(got - ref) <= 1e-12 * np.maximum(np.abs(ref), 1e-3)), (name, a, got - ref)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_split_average_pair_coarse_is_an_upper_estimate() -> None:
    """The 32-point coarse value differs from the 64-point one by at least the latter's error."""
    f = KINKED["x/(1+|x|)"]
    fine, coarse = split_average_pair(f, 0.7, 15.7**2, [0.0])
    ref = _reference(f, 0.7, 15.7)
    assert abs(fine - ref) <= max(abs(coarse - fine), 1e-16)


def test_relu_kernel_arc_cosine() -> None:
    """<relu(x1) relu(x2)> = D0 (sin t + (pi - t) cos t) / (2 pi), cos t = D / D0 (mu = 0), at rtol 1e-10."""
    relu = KINKED["relu"]
    D0 = 2.3
    for D in (-0.9 * D0, -0.3, 0.2, 0.5 * D0, 0.99 * D0):
        t = math.acos(D / D0)
        exact = D0 * (math.sin(t) + (math.pi - t) * math.cos(t)) / (2 * math.pi)
        fine, _ = kinked_kernel_adaptive(relu, None, (0.0,), (0.0,), 0.0, D0, D, 0.25, 1e-6)
        assert abs(fine - exact) <= 1e-10 * exact, (D, fine, exact)


def test_kinked_kernel_adaptive_reuses_nested_nodes() -> None:
    """Halving the outer step four times (tol = 0) with reused inner averages equals the direct rule at h / 16."""
    f, g = KINKED["x/(1+|x|)"], KINKED["(x/(1+|x|))'^2"]
    for D in (0.3, -1.1, 2.9):
        got = kinked_kernel_adaptive(f, g, (0.0,), (0.0,), 0.2, 3.0, D, 0.25, 0.0)
        direct = kinked_kernel_pair(f, g, (0.0,), (0.0,), 0.2, 3.0, D, 0.25 / 16)
        assert got == pytest.approx(direct, rel=1e-13, abs=1e-16)
