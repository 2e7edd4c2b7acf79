"""Simulator Lyapunov spectrum (QR method on the exact tangent map of the discrete step)."""

import math

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.sim import build_network
from workbench.sim.lyapunov import entropy_rate, kaplan_yorke_dimension, lyapunov_exponent, lyapunov_spectrum
from workbench.spec import ModelSpec


def test_linear_network_spectrum_is_sorted_log_moduli():
    # a constant map M = a + b J: the QR exponents are the sorted log|eigenvalues of M| / dt up to
    # O(log(cond V) / T) from the non-normal eigenvectors V and the initial overlaps (0.015 at T = 300,
    # so T = 3000 here for a 0.01 bound with margin)
    spec = ModelSpec.simple(N=30, g=0.7, phi="linear", sigma2=0.5)
    net = build_network(spec, 2)
    dt = 0.1
    res = lyapunov_spectrum(spec, k=30, T=3000.0, dt=dt, trials=2, seed=2, burn_in=0.0, network=net)
    a = math.exp(-dt)
    exact = np.sort(np.log(np.abs(a + (1 - a) * np.linalg.eigvals(net.J))) / dt)[::-1]
    assert np.max(np.abs(res.exponents - exact)) < 0.01, np.max(np.abs(res.exponents - exact))
    # sum of all exponents = log|det M| / dt, exact at any T (volume growth)
    assert abs(res.exponents.sum() - exact.sum()) < 1e-8 * abs(exact.sum())
    assert res.kaplan_yorke == 0.0 and res.entropy_rate == 0.0  # g < 1: contracting


def test_uncoupled_network_all_exponents_equal_leak():
    # g = 0: the tangent map is a = exp(-dt) on every direction, so every exponent is exactly -1 (tau = 1)
    spec = ModelSpec.simple(N=12, g=0.0, phi="tanh")
    res = lyapunov_spectrum(spec, k=12, T=5.0, dt=0.1, trials=2, seed=0, burn_in=1.0)
    assert np.allclose(res.per_trial, -1.0, atol=1e-12)


def test_first_exponent_equals_lyapunov_exponent_and_seed_reproducible():
    spec = ModelSpec.simple(N=80, g=2.0, phi="tanh")
    kw = dict(T=20.0, dt=0.05, trials=2, seed=5, burn_in=10.0)
    one = lyapunov_exponent(spec, **kw)
    many = lyapunov_spectrum(spec, k=6, **kw)
    again = lyapunov_spectrum(spec, k=6, **kw)
    np.testing.assert_array_equal(many.per_trial, again.per_trial)
    # vector 0 has the same start for every k and Gram-Schmidt never feeds back into it: only the
    # GEMM's rounding differs with the block width (T = 20 is too short for chaos to amplify it)
    np.testing.assert_allclose(many.per_trial[:, 0], one.per_trial, atol=1e-6)
    assert np.all(np.diff(many.exponents) <= 1e-12)  # QR orders them


def test_kaplan_yorke_and_entropy_rate_formulas():
    lam = np.array([0.3, 0.1, -0.2, -0.5])
    assert kaplan_yorke_dimension(lam) == pytest.approx(3 + (0.3 + 0.1 - 0.2) / 0.5)
    assert kaplan_yorke_dimension(np.array([-0.1, -0.2])) == 0.0
    assert math.isnan(kaplan_yorke_dimension(np.array([0.2, 0.1])))
    assert entropy_rate(lam) == pytest.approx(0.4)


def test_spectrum_bad_input():
    spec = ModelSpec.simple(N=10)
    for kw, name in ((dict(k=11), "k"), (dict(k=0), "k"), (dict(trials=1), "trials"), (dict(renorm_every=0), "renorm_every")):
        with pytest.raises(SpecError) as e:
            lyapunov_spectrum(spec, **kw)
        assert e.value.parameter == name
