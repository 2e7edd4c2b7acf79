"""DMFT Lyapunov spectrum by the single-site (cavity) theory: symbols, the edge lambda_max, the sampled product and
the simulator's QR spectrum."""

import json
import math

import numpy as np
import pytest
import sympy as sp

from derivations.dmft_lyapunov import T_RING, TAU, THETA, G, S, W, derive
from workbench.errors import SpecError
from workbench.sim.checks import t_stat
from workbench.spec import ModelSpec
from workbench.theories.dmft.lyapunov_cavity import CavityConfig, lyapunov_spectrum_cavity


@pytest.fixture(scope="module")
def g2(tanh_solver):
    """The g = 2 tanh network and its DMFT solution (lambda_max = 0.11246, dmft.md table)."""
    spec = ModelSpec.simple(N=400, g=2.0)
    return spec, tanh_solver.solve(spec)


def test_derived_symbols_and_bloch_sum():
    d = derive()
    assert sp.simplify(d.ell2 - (W**2 + (S + 1 / TAU) ** 2)) == 0
    assert sp.simplify(d.gamma - G**2 / TAU**2) == 0
    # the closed-form uncoupled readout equals the (slowly convergent) Bloch sum (1/T) sum_k a / (a^2 + W_k^2)
    a, T, theta = 0.3, 7.0, 0.2
    k = np.arange(-400000, 400000)
    direct = np.sum(a / (a * a + (2 * np.pi * (k + theta) / T) ** 2)) / T
    closed = float(d.bare_sum.subs({S: a - 1, TAU: 1, T_RING: T, THETA: theta}))
    assert closed == pytest.approx(direct, abs=1e-6)


def test_spectrum_edge_is_the_dmft_lambda_max(g2):
    # r(s) = fraction of exponents above s: positive just below the DMFT lambda_max, zero above it.
    # g = 2, T = 32, m = 64, 4 Sobol scrambles of 64 paths (seed 0), regulators down to 0.003 (extrapolated to 0)
    spec, res = g2
    lm = res.lyapunov
    sp_ = lyapunov_spectrum_cavity(spec, N=10000, k=1, s_values=[lm - 0.025, lm + 0.025], config=CavityConfig(),
                                   result=res)
    r, se = 1.0 - sp_.F, sp_.F_stderr
    assert sp_.info["converged"]
    assert r[0] > 3 * se[0]
    assert abs(r[1]) < 3 * se[1] + 1e-3
    assert sp_.lyapunov_max == pytest.approx(0.11246, rel=1e-3)
    assert abs(sp_.exponents[0] - lm) < 0.025  # lambda(1e-4) -> lambda_max
    assert sp_.rank_fraction(lm + 0.1) == 0.0


def test_bad_input(g2):
    spec, res = g2
    for kw, name in ((dict(N=0), "N"), (dict(k=0), "k"), (dict(N=10, k=11), "k")):
        with pytest.raises(SpecError) as e:
            lyapunov_spectrum_cavity(spec, result=res, **kw)
        assert e.value.parameter == name
    with pytest.raises(SpecError):
        lyapunov_spectrum_cavity(ModelSpec.simple(N=400, g=2.0, eta=0.5), result=res)


def test_cli_rejects_unknown_method(capsys):
    from workbench.cli import main

    assert main(["dmft", "--g", "2", "--lyapunov-k", "3", "--lyapunov-method", "qr"]) == 2
    assert "--lyapunov-method" in capsys.readouterr().err


def _bands(exponents: np.ndarray) -> list[float]:
    """Mean exponent of 4 bands of 15 (ranks 1-60)."""
    return [float(np.mean(exponents[..., 15 * b:15 * (b + 1)], axis=-1).mean()) for b in range(4)]


@pytest.mark.slow
def test_cavity_matches_sampled_product(g2):
    # cavity: default config (T = 32, m = 64, 4 scrambles x 64 paths, seed 0), N = 400 ranks; sampled product:
    # N = 400, 4 draws, T = 200, dt = 0.05, seed 0. Compared: 4 bands of 15 exponents, D_KY/N and h/N, Student-t
    # on the combined SE (dof 3). The sampled product's O(1/N) and O(dt) biases are not subtracted (not derived);
    # measured: the bands differ by 0.005-0.017 (1-3.8 SE), D_KY/N and h/N within 1 SE.
    from workbench.theories.dmft.lyapunov_spectrum import lyapunov_spectrum_from_dmft

    spec, res = g2
    N = 400
    cav = lyapunov_spectrum_cavity(spec, N=N, k=60, s_low=-0.5, result=res)
    mc = lyapunov_spectrum_from_dmft(spec, k=60, fraction=0.15, N=N, T=200.0, trials=4, seed=0, result=res)
    per_set = cav.exponents_per_set()  # quadrature error of the theory: spread over the 4 Sobol scrambles
    cav_se = [float(np.std(per_set[:, 15 * b:15 * (b + 1)].mean(1), ddof=1) / 2) for b in range(4)]
    checks = [(f"band {b}", c, m, float(np.std(mc.per_trial[:, 15 * b:15 * (b + 1)].mean(1), ddof=1) / 2))
              for b, (c, m) in enumerate(zip(_bands(cav.exponents), _bands(mc.exponents), strict=True))]
    checks += [("D_KY/N", cav.kaplan_yorke_fraction, mc.kaplan_yorke_fraction, mc.kaplan_yorke_fraction_stderr),
               ("h/N", cav.entropy_rate_per_neuron, mc.entropy_rate_per_neuron, mc.entropy_rate_per_neuron_stderr)]
    for name, th, est, se in checks:
        extra = cav_se[int(name[-1])] if name.startswith("band") else cav.info[
            "kaplan_yorke_fraction_stderr" if name == "D_KY/N" else "entropy_rate_per_neuron_stderr"]
        c = t_stat(name, th, est, math.hypot(se, extra), dof=3, kind="simulation")
        print(name, th, est, se, extra)
        c.assert_ok()


@pytest.mark.slow
def test_cavity_matches_simulated_network(g2):
    # simulator: g = 2 tanh, N = 400, 2 networks (seeds 0, 1) x 2 trials, T = 150, burn-in 50, QR every 0.25, at
    # dt = 0.05 and 0.025 (exp integrator); the O(dt) map-vs-flow difference is removed by Richardson
    # extrapolation 2 lambda(dt/2) - lambda(dt) before comparing with the flow theory. Finite-N bias (O(1/N))
    # is not subtracted. Student-t on the combined SE, dof 3.
    from workbench.sim.lyapunov import entropy_rate, kaplan_yorke_dimension, lyapunov_spectrum

    spec, res = g2
    N, k = 400, 60
    cav = lyapunov_spectrum_cavity(spec, N=N, k=k, s_low=-0.5, result=res)

    def per_trial(dt: float) -> np.ndarray:
        return np.concatenate([lyapunov_spectrum(spec, k=k, T=150.0, dt=dt, trials=2, seed=s, burn_in=50.0,
                                                 renorm_every=int(round(0.25 / dt))).per_trial for s in (0, 1)])

    coarse, fine = per_trial(0.05), per_trial(0.025)
    for name, f, th in (
        *((f"band {b}", lambda p, b=b: p[:, 15 * b:15 * (b + 1)].mean(axis=1), _bands(cav.exponents)[b])
          for b in range(4)),
        ("D_KY/N", lambda p: np.array([kaplan_yorke_dimension(q) / N for q in p]), cav.kaplan_yorke_fraction),
        ("h/N", lambda p: np.array([entropy_rate(q) / N for q in p]), cav.entropy_rate_per_neuron),
    ):
        a, b = f(fine), f(coarse)
        est = 2 * a.mean() - b.mean()
        se = math.sqrt(4 * a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        c = t_stat(name, th, est, se, dof=3, kind="simulation")
        print(name, th, est, se, a.mean(), b.mean())
        c.assert_ok()


@pytest.mark.slow
def test_cli_prints_cavity_spectrum(capsys):
    from workbench.cli import main

    assert main(["dmft", "--g", "2", "--lyapunov-k", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["lyapunov_spectrum_method"].startswith("cavity") and len(out["lyapunov_spectrum"]) == 3
    assert 0.0 < out["kaplan_yorke_dimension"] < 0.1
    assert out["lyapunov_spectrum"][0] < out["lyapunov"]
