"""Unbounded growth of linearly growing activations (relu, softplus, leaky): the large-amplitude static map."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.cli import main
from workbench.errors import DivergenceError, SpecError
from workbench.sim.simulator import simulate
from workbench.spec import ModelSpec
from workbench.theories.dmft.growth import asymptotic_slopes, growth_factor, growth_g_max
from workbench.theories.dmft.problem import DMFTProblem


@pytest.mark.parametrize("slopes", [(0.0, 1.0), (0.1, 1.0), (-0.5, 2.0), (1.0, 0.0)])
def test_without_coupling_mean_the_bound_is_the_symmetric_one(slopes: tuple[float, float]) -> None:
    """J0 = 0 keeps the direction r = 0, where E psi^2 = (a+^2 + a-^2)/2: g_max = sqrt(2 / (a+^2 + a-^2))."""
    expected = math.sqrt(2.0 / (slopes[0] ** 2 + slopes[1] ** 2))
    assert growth_g_max(0.0, slopes) == pytest.approx(expected, rel=1e-8)
    assert growth_g_max(0.0, slopes, gain=2.0) == pytest.approx(expected / 2.0, rel=1e-8)


def test_coupling_mean_moves_the_bound() -> None:
    """Relu: excitation lowers the bound on g (g = 1 at J0 = 0.6945), inhibition raises it above sqrt 2; the pure-mean
    direction alone grows when J0 a+ >= 1, at any g."""
    relu = (0.0, 1.0)
    assert growth_g_max(0.6945321, relu) == pytest.approx(1.0, abs=1e-5)
    assert growth_g_max(0.3, relu) < math.sqrt(2.0) < growth_g_max(-0.3, relu) < growth_g_max(-1.0, relu)
    assert growth_factor(1.6, -1.0, relu) == pytest.approx(0.877, abs=1e-3)
    assert growth_factor(0.1, 1.2, relu) >= 1.2
    assert asymptotic_slopes(ModelSpec.simple(phi="softplus").phi.expr) == (0.0, 1.0)


def test_refusals_name_the_parameter(capsys) -> None:
    """One line, exit 2: g with its bound at this J0, or J0 when the population mean alone grows."""
    assert main(["dimension", "--phi", "softplus", "--g", "1.2", "--J0", "0.5", "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "g:" in err and "g < 1.146 at J0 = 0.5" in err
    assert main(["dimension", "--phi", "relu", "--g", "0.5", "--J0", "1.5", "--sigma2", "1", "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "J0:" in err
    with pytest.raises(SpecError, match="grows without bound"):
        DMFTProblem(ModelSpec.simple(g=1.6, J0=-0.3, phi="relu", sigma2=0.5))


def test_inhibition_keeps_relu_bounded_above_sqrt2_in_simulation() -> None:
    """Relu at g = 1.6 > sqrt 2 with sigma2 = 0.5 (N = 500, 2 trials, dt = 0.05, seed 11): J0 = -1 (growth factor
    0.88) stays bounded and the DMFT solves it; J0 = -0.3 (1.04) diverges, as the refusal says."""
    spec = ModelSpec.simple(N=500, g=1.6, J0=-1.0, phi="relu", sigma2=0.5)
    res = DMFTProblem(spec).build_solver().solve(spec)
    assert np.isfinite(res.Delta0) and res.Delta0 < 2.0
    sim = simulate(spec, T=120.0, dt=0.05, trials=2, seed=11, burn_in=40.0, max_abs=1e3)
    assert np.all(np.isfinite(sim.x_final)) and np.abs(sim.x_final).max() < 20.0
    with pytest.raises(DivergenceError):
        simulate(spec.with_overrides(J0=-0.3), T=400.0, dt=0.05, trials=2, seed=11, max_abs=1e3)


@pytest.mark.parametrize("r", [-3.0, -0.4, 0.0, 0.7, 5.0])
def test_asymptote_moments_against_quadrature(r: float) -> None:
    """The Gaussian moments of psi(x) = a+ max(x, 0) + a- min(x, 0) against direct quadrature (slopes 2 and -0.5)."""
    from scipy.integrate import quad

    from workbench.theories.dmft.growth import asymptote_moments

    def psi(x: float) -> float:
        return 2.0 * max(x, 0.0) - 0.5 * min(x, 0.0)

    def w(z: float) -> float:
        return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)

    m1, m2 = asymptote_moments(np.asarray(r), (-0.5, 2.0))
    q1 = sum(quad(lambda z: psi(r + z) * w(z), a, b)[0] for a, b in ((-np.inf, -r), (-r, np.inf)))
    q2 = sum(quad(lambda z: psi(r + z) ** 2 * w(z), a, b)[0] for a, b in ((-np.inf, -r), (-r, np.inf)))
    assert float(m1) == pytest.approx(q1, rel=1e-9) and float(m2) == pytest.approx(q2, rel=1e-9)
