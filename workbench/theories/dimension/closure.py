"""The self-consistent-gain closure of a nonlinear network's 1/N cross statistics (issue 14, item 3; a closure by
Monte Carlo over J, not a derivation).

The measured rest ``N (sim - shared)`` of the cross statistics (:func:`.finite_size_checks.cross_summary`) is what a
nonlinear network adds at O(1/N) to its shared-gain linear equivalent (LE). Its largest part is the correlation of
each unit's gain with the couplings that set its variance: a unit that the network drives hard saturates, its gain
drops, and the loud directions of the LE are damped. The fixed-connectivity theory holds that mechanism for one
given J: with ``gains="self-consistent"`` (:func:`workbench.theories.fixed.prediction.self_consistent_site`) each
unit's gain is the DMFT gain at its own predicted variance ``[C^x]_ii``. Averaged over drawn networks,

    closure rest = E_J N (closure(J) - shared(J)),

the paired difference on the same J, measures what the closure adds to the LE's 1/N coefficient. Its SE is cut by
``N (shared - value)`` as a control variate of known mean (the derived LE coefficient, as in
:func:`.finite_size_checks.controlled_mean`).

The closure linearises the self-coupling J_ii phi(x_i) with the unit's gain (a saturating unit feels it less: the
derived unit terms of :mod:`.unit_perturbations`) and keeps each unit's input Gaussian; it is a closure, not the 1/N
expansion. :func:`against_simulation` sets it against the simulated networks it was computed on
(``benchmarks/study_dimension_finite_size.py --closure``): the paired ``N (sim - closure)`` is what it misses.

Measured (the study's networks of N = 125, 4 trials of T = 1000, dt = 0.05; rest ``N (sim - shared)`` plain mean
against the closure's ``N (closure - shared)``, then the paired ``N (sim - closure)``):

=========================  ===========================  ===========================  ============================
case (networks, seeds)     N var_cross x                PR/N of x                    N var_cross phi / PR/N phi
=========================  ===========================  ===========================  ============================
tanh g=0.8 s2=0.5 (240)    -0.107 / -0.110: +0.005(9)   0.406 / 0.412: -0.005(35)    -0.059 / -0.063: +0.005(3);
                                                                                      0.73 / 0.82: -0.08(3)
erf g=0.9 s2=0.5 (120)     -0.46 / -0.55: +0.09(3)      0.92 / 1.12: -0.14(7)        -0.254 / -0.300: +0.048(11);
                                                                                      1.42 / 1.79: -0.31(7)
tanh g=1.2 s2=1 (240)      -8.6 / -10.2: +2.6(2)        1.95 / 2.81: -0.64(6)        -1.82 / -2.10: +0.48(4);
                                                                                      2.76 / 4.07: -1.08(6)
=========================  ===========================  ===========================  ============================

So the gain-variance correlation is the bulk of the nonlinear cross statistics' 1/N rest: the closure gives all of it
within the SE for tanh at g = 0.8 (phi's PR/N 11 % over); for erf at g = 0.9 and tanh at g = 1.2 its N var_cross rests
are 15-18 % larger than the measured ones and its PR/N rests 21-47 % larger. The miss is a 1/N coefficient, not a
small-N effect: for tanh at g = 1.2 the paired miss of N var_cross of x is +2.6 +- 0.2, +2.9 +- 0.4 and +3.7 +- 1.7 at
N = 125, 250 and 500 (240, 60 and 16 networks), of PR/N of x -0.64 +- 0.06, -0.84 +- 0.14, -1.2 +- 0.5. For the mean
autocovariance the derived coefficient (:mod:`.finite_size_nonlinear`) does better than the closure: the paired misses
of the closure (x: -0.005, +0.028, +0.27; phi: -0.021, -0.022, -0.16) match the derived rest minus the closure's (x:
+0.016, +0.049, +0.33; phi: -0.017, -0.022, -0.19), which is where the two treat the self-coupling, the reciprocal loops
and the input cumulant differently.

At weak nonlinearity the closure should be exact: for ``phi = x - eps x^3`` each unit is Gaussian to first order in
eps and its gain is the DMFT gain at its own variance (the Hartree network; ``benchmarks/analysis_dimension_rung.py``).
At eps = 0.02, g = 0.8, sigma2 = 0.5 (N = 125, 60 networks, seeds 5000-5059, with the control variate) it gives
-0.120 +- 0.009 and -0.174 +- 0.010 for the mean autocovariances of x and phi against the Hartree -0.115 and -0.178,
N var_cross -0.53 +- 0.06 and -0.62 +- 0.06 against -0.44 and -0.54, PR/N +0.51 +- 0.025 and +0.68 +- 0.03 against
+0.43 and +0.59 (+- 0.02; N = 200, 100 networks): PR/N about 2.5 SE high, not examined further.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.errors import SpecError
from workbench.spec import ModelSpec

__all__ = ["CLOSURE_STATS", "against_simulation", "closure_job", "closure_network", "closure_rest", "closure_samples",
           "references", "study_seeds"]

CLOSURE_STATS = tuple(f"{stat}_{w}" for w in ("x", "phi") for stat in ("mean_autocov", "N_var_cross", "PR_over_N"))
"""The statistics of each prediction, in column order."""
MODES = ("shared", "self-consistent")
"""The two gain modes of :func:`workbench.theories.fixed.predict`: the LE and the closure."""


def closure_network(phi: str, g: float, sigma2: float, N: int, seed: int) -> np.ndarray:
    """``(2, len(CLOSURE_STATS))``: the statistics of the shared-gain and the self-consistent-gain predictions of
    the network of size N drawn with ``seed`` (the simulator's couplings, as in the simulated study)."""
    from workbench.sim.estimators import dimension_stats
    from workbench.sim.network import build_network
    from workbench.theories.fixed import predict

    J = np.asarray(build_network(ModelSpec.simple(N=int(N), g=g, phi=phi, sigma2=sigma2), int(seed)).J, dtype=float)
    out = np.empty((len(MODES), len(CLOSURE_STATS)))
    for m, mode in enumerate(MODES):
        res = predict(J, phi, sigma2, gains=mode)
        stats = {w: dimension_stats(C) for w, C in (("x", res.cov_x), ("phi", res.cov_phi))}
        out[m] = [stats[name.rsplit("_", 1)[1]][name.rsplit("_", 1)[0]] for name in CLOSURE_STATS]
    return out


def closure_samples(params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute: ``shared`` and ``closure`` (one row of :data:`CLOSURE_STATS` per seed of
    ``params["seeds"]``, NaN where a prediction does not exist: an unstable LE or gains that do not converge) and the
    ``skipped`` seeds; BLAS on one thread."""
    from threadpoolctl import threadpool_limits

    p = params
    arr = np.full((len(p["seeds"]), len(MODES), len(CLOSURE_STATS)), np.nan)
    skipped = []
    with threadpool_limits(limits=1):
        for i, seed in enumerate(p["seeds"]):
            try:
                arr[i] = closure_network(p["phi"], p["g"], p["sigma2"], int(p["N"]), int(seed))
            except SpecError:
                skipped.append(int(seed))
    return {"shared": arr[:, 0], "closure": arr[:, 1], "skipped": np.array(skipped, dtype=int)}


def closure_job(phi: str, g: float, sigma2: float, N: int, seeds: Sequence[int]) -> Any:
    """The stored run of :func:`closure_samples` on the networks drawn with ``seeds``."""
    from workbench.store import RunJob

    if len(seeds) < 3 or int(N) < 2:
        raise SpecError("networks", f"need >= 3 networks of N >= 2, got {len(seeds)} of N = {N}")
    params = {"phi": phi, "g": float(g), "sigma2": float(sigma2), "N": int(N), "seeds": [int(s) for s in seeds]}
    return RunJob("dimension.closure", params, closure_samples,
                  ("workbench.sim", "workbench.theories.fixed", "workbench.theories.dmft", closure_samples),
                  f"dimension closure {phi} g={g:g} N={N} x {len(seeds)}")


def _valid(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Rows whose two predictions exist."""
    return np.all(np.isfinite(arrays["shared"]) & np.isfinite(arrays["closure"]), axis=1)


def references(theory: Any) -> tuple[dict[str, float], dict[str, float]]:
    """``(value, c_le)`` per statistic of :data:`CLOSURE_STATS` from a
    :class:`~.finite_size_nonlinear.NonlinearFiniteSize`: the large-N values and the derived coefficients of the
    shared-gain linear equivalent (the means of the control variate ``N (shared - value)``)."""
    le = theory.info["linear_equivalent_cross"]
    value, c_le = {}, {}
    for name in CLOSURE_STATS:
        if name.startswith("mean_autocov"):
            value[name], c_le[name] = theory.value[name], theory.info[f"linear_equivalent_{name.rsplit('_', 1)[1]}"]
        else:
            value[name], c_le[name] = le[name]["value"], le[name]["coef"]
    return value, c_le


def closure_rest(arrays: dict[str, np.ndarray], N: int, value: dict[str, float],
                 c_le: dict[str, float]) -> dict[str, dict[str, float]]:
    """Per statistic of :data:`CLOSURE_STATS`: the closure rest ``E N (closure - shared)`` with ``N (shared -
    value)`` as a control variate of mean ``c_le`` (``rest``, ``se``, ``dof``), the plain mean (``rest_raw``,
    ``se_raw``) and the closure's coefficient ``c_le + rest`` (``coef``). ``value``/``c_le``: the large-N value and
    the derived LE coefficient of each statistic (keys of :data:`CLOSURE_STATS`)."""
    from workbench.theories.dimension.finite_size_checks import _mse, controlled_mean

    ok = _valid(arrays)
    out = {}
    for j, name in enumerate(CLOSURE_STATS):
        shared, closure = arrays["shared"][ok, j], arrays["closure"][ok, j]
        diff, control = N * (closure - shared), N * (shared - value[name])
        rest, se, dof = controlled_mean(diff, control, c_le[name])
        raw, se_raw, _ = _mse(diff)
        out[name] = {"rest": rest, "se": se, "dof": dof, "rest_raw": raw, "se_raw": se_raw, "coef": c_le[name] + rest}
    return out


def study_seeds(seed: int, N: int, networks: int, unstable: Sequence[int]) -> list[int]:
    """The seeds of the rows of a simulated study (:func:`.finite_size_checks.autocov_samples` with ``seed``: networks
    ``seed, seed + 1, ...`` less the unstable ones), in row order."""
    skip = {int(s) for s in unstable}
    return [int(seed) + i for i in range(int(networks)) if int(seed) + i not in skip]


def against_simulation(rows: np.ndarray, arrays: dict[str, np.ndarray], N: int,
                       rest: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The closure against the simulated networks it was computed on, per statistic: ``remainder`` = mean of
    ``N (sim - closure)`` over the same networks (what the closure misses; sim less its known step bias, as in
    :func:`.finite_size_checks.cross_summary`), its ``se`` and the measured rest ``N (sim - shared)`` with its own
    (``measured``, ``measured_se``); ``shared_mismatch``: the largest |shared - the study's shared prediction| (the
    same J, so round-off). ``rest``: :func:`closure_rest` of the same arrays (its ``rest`` is beside it as
    ``closure``).

    ``rows``: the study's rows (:data:`.finite_size_checks.COLUMNS`), aligned with ``arrays``."""
    from workbench.theories.dimension.finite_size_checks import COLUMNS, _cross, _mse

    ok = _valid(arrays)
    out = {}
    for j, name in enumerate(CLOSURE_STATS):
        stat, which = name.rsplit("_", 1)
        if stat == "mean_autocov":
            sim, shared = rows[:, COLUMNS.index(f"sim_{which}")], rows[:, COLUMNS.index(f"shared_{which}")]
        else:
            sim, shared, bias = _cross(rows, stat, which)
            sim = sim - bias
        (rem, se, _), (meas, meas_se, _) = (_mse(N * (sim - arrays["closure"][:, j])[ok]), _mse(N * (sim - shared)[ok]))
        out[name] = {"remainder": rem, "se": se, "measured": meas, "measured_se": meas_se,
                     "closure": rest[name]["rest"], "closure_se": rest[name]["se"], "networks": int(ok.sum()),
                     "shared_mismatch": float(np.max(np.abs(shared[ok] - arrays["shared"][ok, j])))}
    return out
