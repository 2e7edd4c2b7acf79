"""DMFT theory vs the reference simulator (workbench.sim), as Comparison objects.

Default run: a reduced-size noise-driven case (fast mixing, small finite-N bias). The N >= 2000
chaotic checks of shared/theory/dmft.md §2.2 ("use N >= 2000 and T >= 1000 ... tolerances of a few
%") are marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.compare import Comparison, compare_stat
from workbench.sim import simulate
from workbench.sim.estimators import autocorrelation
from workbench.spec import ModelSpec


def _autocov_samples(
    spec: ModelSpec, *, T: float, dt: float, burn_in: float, trials: int, seeds: list[int], stride: int, max_lag: float
) -> tuple[np.ndarray, np.ndarray]:
    """Delta(lag) per (seed, trial), uncentred (mu = 0 exactly for odd phi, J0 = 0, no input)."""
    out = []
    for seed in seeds:
        res = simulate(
            spec, T=T, dt=dt, trials=trials, seed=seed, burn_in=burn_in, stride=stride, record=("traj",), neurons=spec.N
        )
        for k in range(trials):
            lags, C = autocorrelation(res.traj[:, :, k : k + 1], dt=dt * stride, max_lag=max_lag, center=False)
            out.append(C)
    return lags, np.array(out)


def delta_comparisons(
    spec: ModelSpec,
    theory,
    *,
    T: float,
    dt: float,
    burn_in: float,
    trials: int,
    seeds: list[int],
    stride: int,
    lags_check: tuple[float, ...],
    k: float,
    bias_rel: float,
    bias_reason: str,
) -> list[Comparison]:
    """Comparisons of Delta(lag) at the given lags: k standard errors over independent samples
    (trials and seeds) plus a stated relative systematic allowance."""
    lags, samples = _autocov_samples(
        spec, T=T, dt=dt, burn_in=burn_in, trials=trials, seeds=seeds, stride=stride, max_lag=max(lags_check) + 1
    )
    out = []
    for lag in lags_check:
        i = int(round(lag / (dt * stride)))
        est = samples[:, i]
        th = float(theory.Delta_at(np.array([lags[i]]))[0])
        se = est.std(ddof=1) / np.sqrt(est.size)
        out.append(
            compare_stat(
                f"Delta({lags[i]:g})",
                th,
                est.mean(),
                se,
                k=k,
                bias=bias_rel * abs(th),
                bias_reason=bias_reason,
                N=spec.N,
                trials=trials,
                seeds=seeds,
                T=T,
                dt=dt,
                burn_in=burn_in,
                g=spec.g[0][0],
                sigma2=spec.noise.sigma2,
            )
        )
    return out


def test_noise_driven_autocovariance_reduced(tanh_white_solver) -> None:
    spec = ModelSpec.simple(N=400, g=1.0, sigma2=0.5)
    theory = tanh_white_solver.solve(spec)
    assert abs(theory.Delta0 - 0.39167) < 1e-4  # shared/theory/dmft.md §3.3
    comps = delta_comparisons(
        spec,
        theory,
        T=160.0,
        dt=0.05,
        burn_in=30.0,
        trials=4,
        seeds=[11],
        stride=2,
        lags_check=(0.0, 1.0, 3.0),
        k=4.0,
        bias_rel=0.03,
        bias_reason="finite N=400 (O(1/N)) and dt=0.05",
    )
    for c in comps:
        c.assert_ok()


@pytest.mark.slow
def test_chaotic_autocovariance_N2000(tanh_solver) -> None:
    spec = ModelSpec.simple(N=2000, g=2.0)
    theory = tanh_solver.solve(spec)
    comps = delta_comparisons(
        spec,
        theory,
        T=1100.0,
        dt=0.1,
        burn_in=100.0,
        trials=2,
        seeds=[1, 2, 3],
        stride=2,
        lags_check=(0.0, 2.0, 5.0, 10.0),
        k=3.0,
        bias_rel=0.04,
        bias_reason="finite N=2000 bias (dmft.md §2.2: -1.2% at N=2000) and dt=0.1",
    )
    for c in comps:
        c.assert_ok()


@pytest.mark.slow
@pytest.mark.parametrize("g", [1.5, 2.0])
def test_delta0_of_g_N2000(tanh_solver, g: float) -> None:
    spec = ModelSpec.simple(N=2000, g=g)
    theory = tanh_solver.solve(spec, lyapunov=False)
    (c,) = delta_comparisons(
        spec,
        theory,
        T=1100.0,
        dt=0.1,
        burn_in=100.0,
        trials=2,
        seeds=[4, 5],
        stride=5,
        lags_check=(0.0,),
        k=3.0,
        bias_rel=0.05,
        bias_reason="finite N=2000, larger near g=1 where the correlation time is long",
    )
    c.assert_ok()


@pytest.mark.slow
def test_lyapunov_finite_size_extrapolation(tanh_solver) -> None:
    """DMFT lambda_max vs the simulator's tangent-map exponent extrapolated in N.

    The exponent of one network realisation scatters across realisations far more than across
    trials of the same J (measured: trial SE ~3e-4, realisation SD ~2.5e-3 at N=2000), so the error
    bar is over 4 independent realisations per N. The estimate at finite N lies below the DMFT
    value (measured, dt=0.1, T=800: 0.0956 at N=1000, 0.1020 at N=2000 vs DMFT 0.1125), so the
    comparison uses the intercept of a fit in N instead of a hand-picked finite-N allowance:
    estimate = 1/N intercept 2 lam(2000) - lam(1000); its SE propagated from the realisation SEs;
    the systematic term is the spread between the 1/N and 1/sqrt(N) extrapolations of the same
    data (the finite-size form is not known), so the tolerance follows from the data.
    """
    from workbench.sim.lyapunov import lyapunov_exponent

    theory = tanh_solver.solve(ModelSpec.simple(N=2000, g=2.0))
    seeds = (0, 1, 2, 3)
    lam, se = {}, {}
    for N in (1000, 2000):
        spec = ModelSpec.simple(N=N, g=2.0)
        vals = np.array(
            [lyapunov_exponent(spec, T=800.0, dt=0.1, trials=2, seed=s, burn_in=200.0).value for s in seeds]
        )
        lam[N], se[N] = vals.mean(), vals.std(ddof=1) / np.sqrt(vals.size)
    inv_n = 2 * lam[2000] - lam[1000]
    r = np.sqrt(2.0)
    inv_sqrt_n = (r * lam[2000] - lam[1000]) / (r - 1)
    se_inv_n = np.sqrt(4 * se[2000] ** 2 + se[1000] ** 2)
    c = compare_stat(
        "lambda_max (N -> inf, 1/N fit)",
        theory.lyapunov,
        inv_n,
        se_inv_n,
        k=4.0,
        bias=abs(inv_sqrt_n - inv_n),
        bias_reason="finite-size form: |1/sqrt(N) - 1/N extrapolation|",
        Ns=[1000, 2000],
        realisations=len(seeds),
        trials=2,
        seeds=list(seeds),
        T=800.0,
        dt=0.1,
    )
    c.assert_ok()
