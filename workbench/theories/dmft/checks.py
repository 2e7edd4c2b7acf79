"""The stationary DMFT against the reference simulator: the simulation jobs and their comparisons.

Written once, used by the dmft report (:mod:`workbench.theories.dmft.report`) and by the tests
(``tests/theories/dmft/test_sim_vs_theory.py``, ``test_lag_solver.py``, ``tests/report/test_power.py``).
Four studies:

* :class:`DeltaStudy` - Delta(tau) of one-population networks at a few lags. The network means
  (population average of the per-neuron autocovariance over *all* neurons, trials averaged) at
  >= 4 sizes are fitted by ``a + c/N`` (SE over networks, so the network-to-network scatter is in
  it); the intercept is compared with the DMFT prediction, and the fit's chi^2 is a check of its own
  (:func:`~workbench.compare.fit_quality`). The prediction is the DMFT of the simulated
  exponential-Euler step map at the run's dt (:func:`step_prediction`, via
  :mod:`workbench.theories.dmft.discrete`): the time-step bias is computed exactly, not extrapolated.
  (With ``dt_N`` > 0 it is *measured* instead: paired networks at dt and dt/2, bias = 2 (y(dt) - y(dt/2))
  added to the flow's prediction, its SE in quadrature with SE(a).)
* :class:`LyapunovStudy` - the tangent-map exponent per network at >= 4 sizes, fitted by
  ``a + c/N`` (the O(1/N) fluctuation corrections; the chi^2 of ``a + c/sqrt(N)`` is reported) against
  ``log r / dt`` of the step map's DMFT.
* :class:`PopulationStudy` - per-population Delta_a(tau) against the lag-grid solver (two
  populations, OU noise): the same fit in N over network means (SE over networks).
* :class:`SweepStudy` - Delta0 and lambda_max at a few g and one N for the report's figures (no checks).
* :class:`PhaseStudy` - lambda_max of noise-driven networks on both sides of the chaos line, for the
  (sigma^2, g) panel of the phase diagram (no checks).

Every Delta estimate is the *uncentred* autocovariance (1/(n - k) normalisation) of a model whose
mean is 0 by symmetry (tanh, no input, J0 = 0), or minus the DMFT's mu_a^2 otherwise: its
expectation is Delta(tau) itself, with none of the centring bias ``-(2/T) int Delta`` of a series
centred by its own time average (:func:`workbench.sim.estimators.centring_bias`). Each k is a
Student-t quantile of the (Welch-Satterthwaite) degrees of freedom at the two-sided false-alarm rate of
4 Gaussian SE (:func:`workbench.sim.checks.t_stat`).

Each study lists its :class:`~workbench.store.RunJob` objects (module-level compute functions below,
pure functions of their parameters) and turns the stored runs into
:class:`~workbench.compare.Comparison` objects. :class:`DMFTChecks` holds the studies of the
report's ``quick`` and ``full`` sizes (:data:`SIZES`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from workbench.compare import Comparison, FiniteSizeFit, finite_size_fit, fit_quality, student_k
from workbench.errors import SpecError
from workbench.sim.checks import t_stat
from workbench.sim.runs import SIM_CODE, with_precision
from workbench.store import RunJob, StoredRun

__all__ = [
    "DMFTChecks",
    "DMFTTheory",
    "DeltaStudy",
    "LyapunovStudy",
    "PopulationStudy",
    "SIZES",
    "PhaseStudy",
    "SweepStudy",
    "WHITE_NOISE",
    "delta_samples",
    "lyapunov_samples",
    "phase_samples",
    "population_samples",
]

LAGS = (0.0, 1.0, 2.0)
"""Lags at which Delta(tau) is compared: Delta(tau)/Delta0 >= 0.84 there for g >= 2 (tau_half = 5.4 at g = 2,
4.5 at g = 2.5), so the SE relative to the quantity stays close to that of Delta0."""

LAG_MARGIN = 1.0
"""The autocovariance is estimated up to ``max(lags) + LAG_MARGIN``."""

CURVE_MAX_LAG = 8.0
"""The network-mean autocovariance curve (for the figures) is kept up to this lag."""

OU = {"phi": "tanh", "coupling": {"g": 1.5}, "noise": {"kind": "ou", "sigma2": 0.5, "tau": 1.0}}
"""The coloured-noise case: g = 1.5, OU input with sigma2 = 0.5, tau_n = 1."""

SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "dtype": "float32",
        "fs_g": [2.0, 2.5],
        "fs_Ns": [250, 500, 1000, 2000],
        "fs_R": [40, 40, 20, 20],
        "fs_T": 75.0,
        "fs_trials": 8,
        "fs_dt": 0.2,
        "dt_N": 0,
        "ly_Ns": [500, 1000, 1500, 2000],
        "ly_R": 16,
        "ly_T": 150.0,
        "ly_dt": 0.2,
        "pop_Ns": [250, 500, 1000, 1500],
        "pop_R": 12,
        "pop_T": 100.0,
        "pop_dt_N": 1500,
        "wn_Ns": [125, 250, 500, 1000],
        "wn_R": 12,
        "wn_T": 100.0,
        "sw_g": [1.25, 1.5, 1.75, 2.25, 3.0],
        "sw_N": 1000,
        "sw_R": 2,
        "sw_T": 100.0,
        "ph_R": 3,
    },
    "quick": {
        "dtype": "float32",
        "fs_g": [2.0],
        "fs_Ns": [100, 200],
        "fs_R": 5,
        "fs_T": 60.0,
        "fs_trials": 2,
        "fs_dt": 0.1,
        "dt_N": 0,
        "ly_Ns": [100, 200],
        "ly_R": 3,
        "ly_T": 40.0,
        "ly_dt": 0.1,
        "pop_Ns": [200],
        "pop_R": 3,
        "pop_T": 40.0,
        "pop_dt_N": 0,
        "wn_Ns": [100, 200, 400, 800],
        "wn_R": 8,
        "wn_T": 100.0,
        "sw_g": [1.5, 3.0],
        "sw_N": 100,
        "sw_R": 2,
        "sw_T": 30.0,
        "ph_R": 2,
    },
}
"""Sizes of the report's studies (also the report's build parameters of the same names). ``fs_trials``, ``fs_T``: 8
trials of T = 75 per network rather than 4 of 150: the same recorded time, and the same SE (the trial noise of a
network mean is 15-42 % of its variance at g = 2 and 2.5, N = 500-2000, the rest is the network-to-network spread), but
half the steps and a shared burn-in (at N = 2000 in float32: 2.1 s per network against 2.9-4.0 s with BLAS's GEMM,
which repacks J at every call; the few-trials kernel of :mod:`workbench.sim.matmul` now reads J once per step for the
8 trials, 1.45 ms against 2.5 ms per product). ``fs_dt``, ``ly_dt``: the
time step of the one-population Delta and Lambda studies: their prediction is the exact DMFT of the simulated
exponential-Euler step map at that dt (:func:`step_prediction`), so dt need not be small and 0.2 halves the cost
of 0.1. ``dt_N``: the size of paired dt/2 runs that would measure the time-step bias instead (0: not run).
``pop_dt_N``: the size at which the E/I and OU networks (dt = 0.05, no step-map DMFT for them) are simulated again
at 2 dt for the Richardson prediction of their time-step bias (:meth:`DtBias.richardson`; 0: not run).
``ph_R``: networks per point of :data:`PHASE_POINTS` (size ``sw_N``, time ``sw_T``; 0: no phase points).
``dtype``: the simulations' precision. float32: a step is bound by reading J from memory at N >= 1000 (measured
here at N = 2000: 6.8 s per Delta network in float64, 2.7 s in float32; the tangent-map exponent 3.5 s and 1.2 s),
and single-precision rounding (relative 1e-7 per step, a tiny extra noise on a chaotic trajectory) is far below
the studies' standard errors (the exponent of one N = 2000 network agreed to 4e-5 of its value at either
precision, its SE being 2e-3 of it)."""

WHITE_NOISE = {"g": 1.0, "sigma2": 0.5}
"""The noise-driven case of the ``noise`` study (fast mixing, Delta0 = 0.39167).

At the quick sizes (4 N, 8 networks each, T = 100) its tolerances are a few % of Delta(0) and
Delta(0.5), so a theory wrong by 5 % fails (``tests/report/test_power.py``); the chaotic g = 2
studies at the quick sizes have tolerances of 40 % and more (few networks: Student-t with 4 dof).
"""

PHASE_POINTS: tuple[tuple[float, float], ...] = ((0.25, 1.15), (0.25, 1.95), (0.75, 1.45), (0.75, 2.4))
"""``(sigma2, g)`` of the simulated points of the phase diagram: two per noise level, 0.3-0.6 in g below and above
the DMFT chaos line (g_chaos = 1.4756 at sigma2 = 0.25, 1.8268 at 0.75)."""

FALSE_ALARM_SIGMA = 4.0
"""Every check's two-sided false-alarm rate is that of this many Gaussian SE (6.3e-5)."""

DT_BIAS_ORDER = 2
"""Order in dt of the exponential-Euler bias of the stationary autocovariance.

The exact step-map DMFT (:func:`workbench.theories.dmft.discrete.solve_map`) gives it for one population:
``Delta(2 dt) - Delta(dt) = 3.0 (Delta(dt) - Delta_flow)`` at dt = 0.05 (g = 1, 1.5 with white noise
0.5; g = 2 without noise), i.e. a bias ``c dt^2`` (the leak is integrated exactly; only the drive is held over
a step, whose error on the variance enters at the kink of the covariance, on the diagonal cells alone).
``tests/theories/dmft/test_checks_dt_bias.py`` re-derives the ratio."""


# ---------------------------------------------------------------------------------------------
# stored simulations (module-level pure functions of their parameters: sent to worker processes)


def delta_samples(p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Uncentred autocovariance over all recorded neurons at ``p["lags"]`` per realisation and trial.

    ``D``: shape (R, trials, n_lags); ``curve``: the trial-mean autocovariance up to :data:`CURVE_MAX_LAG`
    per realisation, shape (R, n_grid), on the lag grid ``grid``.
    """
    from workbench.sim import simulate
    from workbench.sim.estimators import autocorrelation
    from workbench.spec import ModelSpec

    spec = ModelSpec.simple(N=p["N"], g=p["g"], sigma2=p["sigma2"])
    h = p["dt"] * p["stride"]
    max_lag = max(max(p["lags"]) + LAG_MARGIN, CURVE_MAX_LAG)
    out, curves, lags = [], [], np.zeros(0)
    for r in range(p["R"]):
        res = simulate(
            spec,
            T=p["T"] + p["burn_in"],
            dt=p["dt"],
            trials=p["trials"],
            seed=p["seed"] + r,
            burn_in=p["burn_in"],
            stride=p["stride"],
            record=("traj",),
            neurons=min(p["N"], p["neurons"]) if p.get("neurons") else p["N"],
            dtype=p.get("dtype", "float64"),
        )
        per_trial = []
        for k in range(p["trials"]):
            lags, C = autocorrelation(res.traj[:, :, k : k + 1], dt=h, max_lag=max_lag, center=False)
            per_trial.append(C)
        Ck = np.array(per_trial)
        out.append([[np.interp(lag, lags, C) for lag in p["lags"]] for C in Ck])
        curves.append(Ck.mean(axis=0)[lags <= CURVE_MAX_LAG + 1e-9])
    return {"D": np.array(out), "curve": np.array(curves), "grid": lags[lags <= CURVE_MAX_LAG + 1e-9]}


def lyapunov_samples(p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Simulator (tangent-map) largest Lyapunov exponent per realisation."""
    from workbench.sim.lyapunov import lyapunov_exponent
    from workbench.spec import ModelSpec

    spec = ModelSpec.simple(N=p["N"], g=p["g"])
    vals = [
        lyapunov_exponent(
            spec, T=p["T"], dt=p["dt"], trials=p["trials"], seed=p["seed"] + r, burn_in=p["burn_in"],
            dtype=p.get("dtype", "float64"),
        ).value
        for r in range(p["R"])
    ]
    return {"lam": np.array(vals)}


def phase_samples(p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Largest Lyapunov exponent (tangent map) per network at each ``(sigma2, g)`` of ``p["points"]``: (n_points, R)."""
    from workbench.sim.lyapunov import lyapunov_exponent
    from workbench.spec import ModelSpec

    lam = [
        [
            lyapunov_exponent(
                ModelSpec.simple(N=p["N"], g=g, sigma2=s2), T=p["T"], dt=p["dt"], trials=p["trials"],
                seed=p["seed"] + 10 * i + r, burn_in=p["burn_in"], dtype=p.get("dtype", "float64"),
            ).value
            for r in range(p["R"])
        ]
        for i, (s2, g) in enumerate(p["points"])
    ]
    return {"lam": np.array(lam)}


def population_samples(p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Per-population uncentred autocovariance per network and trial: ``C`` of shape (S, trials, P, n_lags)."""
    from workbench.sim import simulate
    from workbench.sim.estimators import population_autocorrelation
    from workbench.spec import ModelSpec

    spec = ModelSpec.from_dict({**p["spec"], "N": p["N"]})
    out = []
    lags = np.zeros(0)
    for seed in p["seeds"]:
        res = simulate(
            spec,
            T=p["T"] + p["burn_in"],
            dt=p["dt"],
            trials=p["trials"],
            seed=seed,
            burn_in=p["burn_in"],
            stride=p["stride"],
            record=("traj",),
            neurons=spec.N,
            dtype=p.get("dtype", "float64"),
        )
        per_trial = []
        for k in range(p["trials"]):
            lags, C = population_autocorrelation(
                res.traj[:, :, k : k + 1], spec.sizes, dt=p["dt"] * p["stride"], max_lag=p["max_lag"]
            )
            per_trial.append(C)
        out.append(per_trial)
    return {"lags": lags, "C": np.array(out)}


# ---------------------------------------------------------------------------------------------
# the theory side


class DMFTTheory:
    """The DMFT at any spec: one compiled solver per structure (:meth:`DMFTProblem.structure`).

    Parameters
    ----------
    solvers : iterable of solvers, optional
        Already compiled solvers (``build_solver()`` of a :class:`DMFTProblem`), re-used for specs
        of their structure; other structures are compiled on first use (method ``"auto"``).
    """

    def __init__(self, solvers: Iterable[Any] = ()) -> None:
        self._solvers: dict[str, Any] = {}
        for s in solvers:
            self._solvers.setdefault(self._key(s.problem.spec), s)

    @staticmethod
    def _key(spec: Any) -> str:
        from workbench.store import canonical_json
        from workbench.theories.dmft.problem import DMFTProblem

        return canonical_json(DMFTProblem.structure(spec))

    def solver(self, spec: Any) -> Any:
        """The solver for ``spec``'s structure: one given at construction, else the process-wide default build
        (:func:`~workbench.theories.dmft.problem.shared_solver`, compiled on first use)."""
        key = self._key(spec)
        if key not in self._solvers:
            from workbench.theories.dmft.problem import shared_solver

            self._solvers[key] = shared_solver(spec)
        return self._solvers[key]

    def solve(self, spec: Any) -> Any:
        """The DMFT result at ``spec``."""
        return self.solver(spec).solve(spec)


@dataclass(frozen=True)
class StepPrediction:
    """The DMFT of the simulator's discretised dynamics at step ``dt`` and the flow's, at the same lags.

    ``Delta``/``Delta_flow`` at ``lags`` and ``lam``/``lam_flow`` (per unit time): the exponential-Euler step
    ``x <- a x + (1 - a)(J phi(x)) + noise`` (:func:`workbench.sim.simulator.step_coefficients`) is exactly the
    delta-step map with ``delta = 1 - exp(-dt)`` and step noise ``sigma2 (1 - a^2)/2``
    (:func:`workbench.theories.dmft.discrete.solve_map`), so its stationary law at N -> infinity is the map's.
    """

    dt: float
    lags: tuple[float, ...]
    Delta: tuple[float, ...]
    Delta_flow: tuple[float, ...]
    lam: float
    lam_flow: float

    def describe_Delta(self, i: int) -> str:
        """One-line statement of the prediction at lag ``i`` and its dt correction."""
        d = self.Delta[i] - self.Delta_flow[i]
        return (f"prediction = DMFT of the exp-Euler step map at dt = {self.dt:g}: {self.Delta[i]:.6g} "
                f"(flow {self.Delta_flow[i]:.6g}, dt correction {d:+.2g}, {_rel(d, self.Delta_flow[i])})")

    def describe_lam(self) -> str:
        """One-line statement of the exponent's prediction and its dt correction."""
        d = self.lam - self.lam_flow
        return (f"prediction = log r / dt of the exp-Euler step map at dt = {self.dt:g}: {self.lam:.5g} "
                f"(flow {self.lam_flow:.5g}, dt correction {d:+.3g}, {_rel(d, self.lam_flow)})")


def _rel(d: float, ref: float) -> str:
    return f"{100 * d / abs(ref):+.2g} %" if ref else "n/a"


_STEP_CACHE: dict[tuple[Any, ...], StepPrediction] = {}


def step_prediction(theory: DMFTTheory, g: float, sigma2: float, dt: float, lags: Sequence[float],
                    lyapunov: bool = False) -> StepPrediction:
    """The exp-Euler step map's DMFT (one population, tanh, white or no noise) at ``dt``, next to the flow's."""
    import math

    from workbench.spec import ModelSpec
    from workbench.spec.model import Dynamics
    from workbench.theories.dmft.discrete import solve_map

    key = (float(g), float(sigma2), float(dt), tuple(float(v) for v in lags), bool(lyapunov))
    if key not in _STEP_CACHE:
        spec = ModelSpec.simple(g=g, sigma2=sigma2)
        a = math.exp(-dt)
        noise = sigma2 * (1.0 - a * a) / 2.0 if sigma2 > 0 else None
        m = solve_map(spec.replace(dynamics=Dynamics("map", 1.0 - a)), step_noise=noise, lyapunov=lyapunov)
        flow = theory.solve(spec)
        steps = np.rint(np.asarray(lags, dtype=float) / dt).astype(int)
        if np.any(np.abs(steps * dt - np.asarray(lags)) > 1e-9):
            raise ValueError(f"the lags {list(lags)} are not multiples of dt = {dt:g}")
        _STEP_CACHE[key] = StepPrediction(
            float(dt), tuple(float(v) for v in lags), tuple(float(v) for v in m.Delta_at(steps)),
            tuple(float(v) for v in flow.Delta_at(np.asarray(lags, dtype=float))),
            float(m.lyapunov / dt) if lyapunov else math.nan, float(flow.lyapunov),
        )
    return _STEP_CACHE[key]


def _run(runs: Mapping[RunJob, StoredRun], job: RunJob) -> StoredRun:
    try:
        return runs[job]
    except KeyError:
        raise KeyError(f"the run {job.title!r} ({job.kind}) is not among the given runs") from None


def _mean_se(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over the first axis and its standard error (ddof = 1)."""
    return samples.mean(axis=0), samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])


def _ws_dof(parts: Sequence[tuple[float, float]]) -> float:
    """Welch-Satterthwaite degrees of freedom of a sum of variances given as ``(variance, dof)`` pairs."""
    total = sum(v for v, _ in parts)
    den = sum(v**2 / d for v, d in parts if v > 0 and np.isfinite(d))
    return float(total**2 / den) if den > 0 else float("inf")


@dataclass(frozen=True)
class DtBias:
    """Measured time-step bias ``y(dt) - y(0) = 2 (y(dt) - y(dt/2))`` (first-order integrator, paired networks).

    ``value`` and ``se`` per quantity (mean and SE over ``dof + 1`` networks simulated at dt and dt/2 with
    the same couplings), measured at size ``N``.
    """

    value: np.ndarray
    se: np.ndarray
    dof: int
    N: int
    dt: float
    rule: str = ""

    @classmethod
    def paired(cls, coarse: np.ndarray, fine: np.ndarray, N: int, dt: float) -> DtBias:
        """From per-network values at dt (``coarse``) and dt/2 (``fine``), first axis the network."""
        m, se = _mean_se(2.0 * (np.asarray(coarse) - np.asarray(fine)))
        return cls(np.atleast_1d(m), np.atleast_1d(se), int(np.shape(coarse)[0]) - 1, int(N), float(dt))

    @classmethod
    def richardson(cls, doubled: np.ndarray, simulated: np.ndarray, N: int, dt: float, order: int) -> DtBias:
        """``y(dt) - y(0) = (y(2 dt) - y(dt)) / (2^order - 1)`` from per-network values at 2 dt and dt (paired).

        ``order``: that of the integrator's bias of the measured statistic (:data:`DT_BIAS_ORDER`).
        """
        scale = 1.0 / (2.0**order - 1.0)
        m, se = _mean_se(scale * (np.asarray(doubled) - np.asarray(simulated)))
        rule = f"(y(2 dt) - y(dt))/{2**order - 1:d} for a bias O(dt^{order:d})"
        return cls(np.atleast_1d(m), np.atleast_1d(se), int(np.shape(simulated)[0]) - 1, int(N), float(dt), rule)

    def describe(self, i: int) -> str:
        """One-line statement of the bias of quantity ``i``."""
        if self.rule:
            return (
                f"dt bias {self.value[i]:+.3g} +- {self.se[i]:.2g} ({self.rule}, {self.dof + 1} paired networks at "
                f"N = {self.N}, dt = {2 * self.dt:g} and {self.dt:g})"
            )
        return (
            f"dt bias {self.value[i]:+.3g} +- {self.se[i]:.2g} (2 (y(dt) - y(dt/2)), {self.dof + 1} paired "
            f"networks at N = {self.N}, dt = {self.dt:g} and {self.dt / 2:g})"
        )


def predicted_check(
    name: str, dmft: float, fit: FiniteSizeFit, bias: DtBias | None, i: int, k: float | None = None,
    prediction: str = "", **context: Any
) -> Comparison:
    """The fit's intercept against the prediction DMFT + measured dt bias; SEs in quadrature (Welch dof).

    ``k`` None: the Student-t quantile of the Welch dof at the false-alarm rate of :data:`FALSE_ALARM_SIGMA`;
    ``prediction``: what ``dmft`` is (e.g. :meth:`StepPrediction.describe_Delta`), appended to the reason.
    """
    parts = [(fit.se_a**2, fit.dof)]
    pred, note = dmft, f"intercept of a + c/N^{fit.power:g} ({len(fit.Ns)} sizes, SE over networks)"
    if prediction:
        note += f"; {prediction}"
    if bias is not None:
        pred += float(bias.value[i])
        parts.append((float(bias.se[i]) ** 2, bias.dof))
        note += f"; prediction = DMFT {dmft:.5g} + {bias.describe(i)}"
    se = float(np.sqrt(sum(v for v, _ in parts)))
    k = student_k(sigma=FALSE_ALARM_SIGMA, dof=_ws_dof(parts)) if k is None else k
    return t_stat(name, pred, fit.a, se, _ws_dof(parts), k=k, note=note, dmft=dmft, **context, kind="simulation")


def _quality(name: str, fit: FiniteSizeFit, **context: Any) -> list[Comparison]:
    """The fit-quality check of ``fit`` (none without residual degrees of freedom)."""
    if fit.resid_dof < 1:
        return []
    return [fit_quality(f"chi^2 - dof of {name}", fit, sigma=FALSE_ALARM_SIGMA, **context)]


# ---------------------------------------------------------------------------------------------
# studies

@dataclass(frozen=True)
class DeltaStudy:
    """Delta(tau) of one-population networks (tanh, ``g``, white noise ``sigma2``) at ``lags``.

    ``realisations`` networks (one count for every size, or one per size in ``Ns``; ``trials`` trials each, all
    neurons unless ``neurons`` > 0) at each size in ``Ns``; realisation r at size ``Ns[i]`` has seed ``seeds[i] + r``
    (the first networks of a size are the same whatever the count); ``T`` is the averaging time after
    ``burn_in``. With several sizes the network means are fitted by ``a + c/N`` and the intercept is compared
    with the DMFT plus the dt bias measured at ``dt_N`` (0: not measured), with a chi^2 check of each fit;
    with one size the tolerance is ``k`` SE over (realisation, trial) samples plus ``bias_rel |theory|``.
    """

    g: float
    Ns: tuple[int, ...]
    seeds: tuple[int, ...]
    realisations: int | tuple[int, ...]
    T: float
    lags: tuple[float, ...] = LAGS
    sigma2: float = 0.0
    burn_in: float = 50.0
    dt: float = 0.1
    trials: int = 2
    stride: int = 2
    neurons: int = 0
    k: float = 4.0
    bias_rel: float = 0.0
    bias_reason: str = ""
    dt_N: int = 0
    dtype: str = "float64"

    def __post_init__(self) -> None:
        """Refuse a per-size network count that does not match ``Ns`` (one-line SpecError)."""
        counts = self.networks
        if len(counts) != len(self.Ns) or min(counts) < 1:
            raise SpecError("realisations", f"need one count >= 1, or one per size of Ns={list(self.Ns)}, got "
                            f"{self.realisations!r}")

    @property
    def networks(self) -> tuple[int, ...]:
        """Networks per size, in the order of ``Ns``."""
        if isinstance(self.realisations, (int, np.integer)):
            return (int(self.realisations),) * len(self.Ns)
        return tuple(int(r) for r in self.realisations)

    def networks_at(self, N: int) -> int:
        """Networks of size ``N``."""
        return self.networks[list(self.Ns).index(N)]

    def spec(self, N: int | None = None) -> Any:
        """The model spec at size ``N`` (default: the largest)."""
        from workbench.spec import ModelSpec

        return ModelSpec.simple(N=int(N or self.Ns[-1]), g=self.g, sigma2=self.sigma2)

    def _job(self, N: int, seed: int, dt: float, stride: int) -> RunJob:
        """The job of the :meth:`networks_at` N networks of size N at time step dt."""
        params = {
            "N": int(N),
            "g": float(self.g),
            "sigma2": float(self.sigma2),
            "R": self.networks_at(N),
            "T": float(self.T),
            "burn_in": float(self.burn_in),
            "dt": float(dt),
            "trials": int(self.trials),
            "stride": int(stride),
            "neurons": int(self.neurons),
            "seed": int(seed),
            "lags": [float(v) for v in self.lags],
        }
        params = with_precision(params, self.dtype)
        title = f"Delta(tau) g={self.g:g} N={N}" + (f" dt={dt:g}" if dt != self.dt else "")
        return RunJob("dmft.delta-finite-size", params, delta_samples, (*SIM_CODE, delta_samples), title)

    def size_jobs(self) -> list[RunJob]:
        """One job per size."""
        return [self._job(N, seed, self.dt, self.stride) for N, seed in zip(self.Ns, self.seeds, strict=True)]

    def dt_job(self) -> RunJob | None:
        """The same networks as at ``dt_N`` simulated at dt/2 (same sampling interval), or None."""
        if not self.dt_N:
            return None
        seed = dict(zip(self.Ns, self.seeds, strict=True))[self.dt_N]
        return self._job(self.dt_N, seed, self.dt / 2, 2 * self.stride)

    def jobs(self) -> list[RunJob]:
        """One job per size, and the dt/2 job."""
        dj = self.dt_job()
        return self.size_jobs() + ([dj] if dj is not None else [])

    def network_means(self, runs: Mapping[RunJob, StoredRun], job: RunJob) -> np.ndarray:
        """Trial-mean Delta at the lags, one row per network: shape (R, n_lags)."""
        return np.asarray(_run(runs, job)["D"]).mean(axis=1)

    def estimates(self, runs: Mapping[RunJob, StoredRun]) -> tuple[np.ndarray, np.ndarray]:
        """Network means and their SEs (over networks), shape (n_sizes, n_lags) each."""
        pairs = [_mean_se(self.network_means(runs, job)) for job in self.size_jobs()]
        return np.array([m for m, _ in pairs]), np.array([se for _, se in pairs])

    def fits(self, runs: Mapping[RunJob, StoredRun]) -> list[FiniteSizeFit]:
        """Weighted fits ``a + c/N`` of the network means, one per lag (needs >= 2 sizes)."""
        means, ses = self.estimates(runs)
        return [
            finite_size_fit(self.Ns, means[:, li], ses[:, li], samples=self.networks)
            for li in range(len(self.lags))
        ]

    def dt_bias(self, runs: Mapping[RunJob, StoredRun]) -> DtBias | None:
        """The measured time-step bias per lag (None when ``dt_N`` is 0)."""
        dj = self.dt_job()
        if dj is None:
            return None
        coarse = self.network_means(runs, self.size_jobs()[list(self.Ns).index(self.dt_N)])
        return DtBias.paired(coarse, self.network_means(runs, dj), self.dt_N, self.dt)

    def step(self, theory: DMFTTheory) -> StepPrediction | None:
        """The DMFT of the simulated step map at ``dt`` (None when the dt bias is measured, ``dt_N`` > 0)."""
        return None if self.dt_N else step_prediction(theory, self.g, self.sigma2, self.dt, self.lags)

    def theory_values(self, theory: DMFTTheory) -> list[float]:
        """The predicted Delta at the lags: the step map's DMFT at ``dt`` (the flow's when ``dt_N`` > 0)."""
        step = self.step(theory)
        if step is not None:
            return list(step.Delta)
        th = theory.solve(self.spec())
        return [float(th.Delta_at(np.array([lag]))[0]) for lag in self.lags]

    def comparisons(self, theory: DMFTTheory, runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        """Delta(lag) against the DMFT (see the class docstring for the two tolerance rules)."""
        thv = self.theory_values(theory)
        if len(self.Ns) >= 2:
            return self._extrapolated(thv, runs, self.step(theory))
        return self._fixed_size(thv, runs)

    def _extrapolated(self, thv: list[float], runs: Mapping[RunJob, StoredRun], step: StepPrediction | None = None
                      ) -> list[Comparison]:
        bias = self.dt_bias(runs)
        ctxd = {"g": self.g, "sigma2": self.sigma2, "Ns": list(self.Ns), "networks": list(self.networks)}
        ctxd |= {"trials": self.trials, "T": self.T, "dt": self.dt, "seeds": [f"{s}+r" for s in self.seeds]}
        out = []
        for li, (lag, fit) in enumerate(zip(self.lags, self.fits(runs), strict=True)):
            name = f"Delta({lag:g}) g={self.g:g}" + (f" sigma2={self.sigma2:g}" if self.sigma2 else "")
            pred = step.describe_Delta(li) if step is not None else ""
            out.append(predicted_check(f"{name} [N->inf]", thv[li], fit, bias, li, prediction=pred, **ctxd))
            out += _quality(f"fit a + c/N, {name}", fit, **ctxd)
        return out

    def _fixed_size(self, thv: list[float], runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        (job,) = self.size_jobs()
        D = np.asarray(_run(runs, job)["D"])
        samples = D.reshape(-1, D.shape[-1])  # one sample per (realisation, trial)
        m, se = _mean_se(samples)
        seeds = [self.seeds[0] + r for r in range(self.networks[0])]
        ctxd = {"N": self.Ns[0], "trials": self.trials, "seeds": seeds, "T": self.T, "dt": self.dt}
        ctxd |= {"burn_in": self.burn_in, "g": self.g, "sigma2": self.sigma2}
        return [
            t_stat(
                f"Delta({lag:g}) g={self.g:g} [N={self.Ns[0]}]",
                thv[li],
                m[li],
                se[li],
                samples.shape[0] - 1,
                k=self.k,
                bias=self.bias_rel * abs(thv[li]),
                bias_reason=self.bias_reason,
                **ctxd,
                kind="simulation",
            )
            for li, lag in enumerate(self.lags)
        ]


@dataclass(frozen=True)
class LyapunovStudy:
    """The largest Lyapunov exponent of tanh networks at coupling ``g``, extrapolated in N.

    The exponent scatters across realisations far more than across trials of one J, so the SE is
    over ``realisations`` networks per size (seed ``seeds[i] + r``). Finite networks are less
    chaotic; the intercept of ``a + c/N^power`` (``power`` 1: the O(1/N) corrections of the Gaussian
    fluctuations about the DMFT saddle, Crisanti-Sompolinsky 2018) is compared (``k`` SE, Student-t from the dof
    when ``k`` is None) with the exponent ``log r / dt`` of the simulated step map's DMFT at ``dt``
    (:func:`step_prediction`; with ``dt_N`` > 0 instead the flow's plus the dt bias measured at ``dt_N``), and
    its chi^2 is checked; the chi^2 of ``a + c/sqrt(N)`` is reported next to it.
    """

    g: float
    Ns: tuple[int, ...]
    seeds: tuple[int, ...]
    realisations: int
    T: float
    burn_in: float = 100.0
    dt: float = 0.1
    trials: int = 2
    k: float | None = None
    dt_N: int = 0
    power: float = 1.0
    dtype: str = "float64"

    def _job(self, N: int, seed: int, dt: float) -> RunJob:
        params = {
            "N": int(N),
            "g": float(self.g),
            "R": int(self.realisations),
            "T": float(self.T),
            "dt": float(dt),
            "trials": int(self.trials),
            "burn_in": float(self.burn_in),
            "seed": int(seed),
        }
        params = with_precision(params, self.dtype)
        title = f"Lyapunov exponent g={self.g:g} N={N}" + (f" dt={dt:g}" if dt != self.dt else "")
        return RunJob("dmft.lyapunov-finite-size", params, lyapunov_samples, (*SIM_CODE, lyapunov_samples), title)

    def size_jobs(self) -> list[RunJob]:
        """One job per size."""
        return [self._job(N, seed, self.dt) for N, seed in zip(self.Ns, self.seeds, strict=True)]

    def dt_job(self) -> RunJob | None:
        """The networks of size ``dt_N`` at dt/2, or None."""
        if not self.dt_N:
            return None
        return self._job(self.dt_N, dict(zip(self.Ns, self.seeds, strict=True))[self.dt_N], self.dt / 2)

    def jobs(self) -> list[RunJob]:
        """One job per size, and the dt/2 job."""
        dj = self.dt_job()
        return self.size_jobs() + ([dj] if dj is not None else [])

    def estimates(self, runs: Mapping[RunJob, StoredRun]) -> tuple[list[float], list[float]]:
        """Realisation mean and SE per size."""
        lm, lse = [], []
        for job in self.size_jobs():
            lam = np.asarray(_run(runs, job)["lam"])
            lm.append(float(lam.mean()))
            lse.append(float(lam.std(ddof=1) / np.sqrt(lam.size)))
        return lm, lse

    def fits(self, runs: Mapping[RunJob, StoredRun]) -> tuple[FiniteSizeFit, FiniteSizeFit]:
        """The fits ``a + c/N`` and ``a + c/sqrt(N)``."""
        lm, lse = self.estimates(runs)
        return tuple(finite_size_fit(self.Ns, lm, lse, samples=self.realisations, power=q) for q in (1.0, 0.5))

    def chosen(self, runs: Mapping[RunJob, StoredRun]) -> FiniteSizeFit:
        """The compared fit: ``a + c/N^power``."""
        fit, fit_sqrt = self.fits(runs)
        return fit if self.power == 1.0 else fit_sqrt

    def dt_bias(self, runs: Mapping[RunJob, StoredRun]) -> DtBias | None:
        """The measured time-step bias of the exponent (None when ``dt_N`` is 0)."""
        dj = self.dt_job()
        if dj is None:
            return None
        coarse = np.asarray(_run(runs, self.size_jobs()[list(self.Ns).index(self.dt_N)])["lam"])
        return DtBias.paired(coarse, np.asarray(_run(runs, dj)["lam"]), self.dt_N, self.dt)

    def comparisons(self, theory: DMFTTheory, runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        """The extrapolated exponent against the DMFT's (ground state of the derived Schroedinger operator)."""
        from workbench.spec import ModelSpec

        step = None if self.dt_N else step_prediction(theory, self.g, 0.0, self.dt, (0.0,), lyapunov=True)
        lam_th = step.lam if step is not None else theory.solve(ModelSpec.simple(N=self.Ns[-1], g=self.g)).lyapunov
        fit, fit_sqrt = self.fits(runs)
        best = self.chosen(runs)
        ctxd = {"Ns": list(self.Ns), "networks": self.realisations, "trials": self.trials, "T": self.T}
        ctxd |= {"dt": self.dt, "seeds": [f"{s}+r" for s in self.seeds]}
        ctxd["fits"] = (
            f"a + c/N: a = {fit.a:.4g} +- {fit.se_a:.2g}, chi^2 = {fit.chi2:.3g}; a + c/sqrt(N): a = "
            f"{fit_sqrt.a:.4g} +- {fit_sqrt.se_a:.2g}, chi^2 = {fit_sqrt.chi2:.3g}; used: c/N^{best.power:g} "
            + ("(O(1/N) saddle-point fluctuations)" if best.power == 1.0 else "(set by the study)")
        )
        name = f"lambda_max g={self.g:g} [N->inf]"
        pred = step.describe_lam() if step is not None else ""
        comp = predicted_check(name, lam_th, best, self.dt_bias(runs), 0, k=self.k, prediction=pred, **ctxd)
        return [comp, *_quality(f"fit a + c/N^{best.power:g}, lambda_max g={self.g:g}", best, **ctxd)]


@dataclass(frozen=True)
class PopulationStudy:
    """Per-population Delta_a(tau) of a network ``spec`` (a ModelSpec dict without N) against the DMFT.

    ``len(seeds)`` networks x ``trials`` trials at each size in ``Ns`` (network s at size N has seed
    ``seeds[s] + N``). With several sizes and networks the network means (SE over networks, so the
    network-to-network scatter is in it) are fitted by ``a + c/N`` and the intercept is compared (Student-t
    k), with a chi^2 check of each fit; with one size, ``k`` SE over networks (over (network, trial) samples
    with a single network) plus ``bias_rel * theory``.

    The lag-grid DMFT is the continuous-time flow; the exponential-Euler bias at ``dt`` is predicted by a
    Richardson pair (``dt_N`` > 0, several sizes): the networks of size ``dt_N`` are simulated again at
    ``2 dt`` (same couplings, same sampling interval) and ``(y(2 dt) - y(dt)) / (2^dt_order - 1)``
    (:meth:`DtBias.richardson`, SE over the paired networks) is added to the flow's prediction.
    """

    label: str
    spec: Mapping[str, Any] = field(hash=False)
    Ns: tuple[int, ...]
    seeds: tuple[int, ...]
    T: float
    burn_in: float = 40.0
    dt: float = 0.05
    stride: int = 4
    trials: int = 4
    max_lag: float = 8.0
    lags: tuple[float, ...] = (0.0, 1.0, 2.0)
    k: float = 4.0
    bias_rel: float = 0.0
    bias_reason: str = ""
    dt_N: int = 0
    dt_order: int = DT_BIAS_ORDER
    dtype: str = "float64"

    def model(self, N: int | None = None) -> Any:
        """The ModelSpec at size ``N`` (default: the largest)."""
        from workbench.spec import ModelSpec

        return ModelSpec.from_dict({**self.spec, "N": int(N or self.Ns[-1])})

    def _seeds(self, N: int) -> list[int]:
        """Network seeds at size N (distinct couplings at every size)."""
        return [int(s) + (int(N) if len(self.Ns) > 1 else 0) for s in self.seeds]

    def _job(self, N: int, dt: float, stride: int) -> RunJob:
        """The job of the networks of size N at time step dt (sampled every ``dt * stride``)."""
        params = {
            "spec": {k: v for k, v in self.spec.items() if k != "N"},
            "N": int(N),
            "T": float(self.T),
            "burn_in": float(self.burn_in),
            "dt": float(dt),
            "stride": int(stride),
            "trials": int(self.trials),
            "seeds": self._seeds(N),
            "max_lag": float(self.max_lag),
        }
        params = with_precision(params, self.dtype)
        title = f"{self.label} N={N}" + (f" dt={dt:g}" if dt != self.dt else "")
        return RunJob("dmft.population-autocov", params, population_samples, (*SIM_CODE, population_samples), title)

    def size_jobs(self) -> list[RunJob]:
        """One job per size."""
        return [self._job(N, self.dt, self.stride) for N in self.Ns]

    def dt_job(self) -> RunJob | None:
        """The networks of size ``dt_N`` at 2 dt (same couplings and sampling interval), or None."""
        if not self.dt_N:
            return None
        if self.dt_N not in self.Ns or self.stride % 2:
            from workbench.errors import SpecError

            raise SpecError("dt_N", f"must be one of Ns = {list(self.Ns)} with an even stride, got {self.dt_N}")
        return self._job(self.dt_N, 2.0 * self.dt, self.stride // 2)

    def jobs(self) -> list[RunJob]:
        """One job per size, and the 2 dt job."""
        dj = self.dt_job()
        return self.size_jobs() + ([dj] if dj is not None else [])

    def samples(self, theory_result: Any, runs: Mapping[RunJob, StoredRun]) -> tuple[np.ndarray, list[np.ndarray]]:
        """``(lags, [Delta samples (S, trials, P, n_lags) per size])``: the uncentred estimates minus mu_a^2."""
        mu2 = np.asarray(theory_result.mu, dtype=float)[None, None, :, None] ** 2
        stored = [_run(runs, job) for job in self.size_jobs()]
        return np.asarray(stored[-1]["lags"]), [np.asarray(r["C"]) - mu2 for r in stored]

    def dt_bias(self, runs: Mapping[RunJob, StoredRun], idx: Sequence[int]) -> DtBias | None:
        """The Richardson dt bias per (population, lag index in ``idx``), flattened population-major (None: not run).

        The uncentred estimates at 2 dt and dt share mu_a^2, so their difference needs no theory value.
        """
        dj = self.dt_job()
        if dj is None:
            return None
        fine = np.asarray(_run(runs, self.size_jobs()[list(self.Ns).index(self.dt_N)])["C"])[..., list(idx)]
        coarse = np.asarray(_run(runs, dj)["C"])[..., list(idx)]
        S = fine.shape[0]
        return DtBias.richardson(coarse.mean(axis=1).reshape(S, -1), fine.mean(axis=1).reshape(S, -1), self.dt_N,
                                 self.dt, self.dt_order)

    def comparisons(self, theory: DMFTTheory, runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        """Delta_a(lag) per population against the lag-grid DMFT."""
        th = theory.solve(self.model())
        lg, per_size = self.samples(th, runs)
        idx = [int(np.argmin(np.abs(lg - lag))) for lag in self.lags]
        ctxd = {"Ns": list(self.Ns), "networks": len(self.seeds), "trials": self.trials, "T": self.T}
        ctxd |= {"dt": self.dt, "seeds": [f"{s}+N" if len(self.Ns) > 1 else s for s in self.seeds]}
        extrapolated = len(self.Ns) >= 2 and len(self.seeds) >= 2
        bias = self.dt_bias(runs, idx) if extrapolated else None
        out = []
        for a, name in enumerate(th.populations):
            for j, i in enumerate(idx):
                thv = float(th.Delta_at(np.array([lg[i]]), a)[0])
                qname = f"{self.label}: Delta_{name}({lg[i]:g})"
                if extrapolated:
                    nets = [S[:, :, a, i].mean(axis=1) for S in per_size]
                    fit = finite_size_fit(
                        self.Ns, [v.mean() for v in nets], [v.std(ddof=1) / np.sqrt(v.size) for v in nets],
                        samples=len(self.seeds),
                    )
                    out.append(predicted_check(f"{qname} [N->inf]", thv, fit, bias, a * len(idx) + j, **ctxd))
                    out += _quality(f"fit a + c/N, {qname}", fit, **ctxd)
                else:
                    out.append(self._fixed_size(qname, thv, per_size[-1][:, :, a, i], ctxd))
        return out

    def _fixed_size(self, qname: str, thv: float, S: np.ndarray, ctxd: dict[str, Any]) -> Comparison:
        """One size: Student-t k SE over networks (``k`` SE over (network, trial) samples with one network)
        + bias_rel."""
        nets = S.shape[0] >= 2
        samples = S.mean(axis=1) if nets else S.reshape(-1)
        m, se = _mean_se(samples)
        return t_stat(
            qname, thv, float(m), float(se), samples.shape[0] - 1, k=None if nets else self.k,
            bias=self.bias_rel * abs(thv),
            bias_reason=self.bias_reason, **ctxd, kind="simulation",
        )


@dataclass(frozen=True)
class SweepStudy:
    """Delta0 and lambda_max at several ``gs`` and one size ``N`` for the report's figures (no checks).

    ``realisations`` networks per g (seed ``seed + 10 gi + r``), T after the burn-in; no extrapolation in N.
    """

    gs: tuple[float, ...]
    N: int
    realisations: int
    T: float
    seed: int = 5000
    dt: float = 0.1
    dtype: str = "float64"

    def parts(self) -> list[tuple[DeltaStudy, LyapunovStudy]]:
        """One (Delta0, lambda_max) pair of single-size studies per g."""
        return [
            (
                DeltaStudy(g=g, Ns=(self.N,), seeds=(self.seed + 10 * gi,), realisations=self.realisations,
                           T=self.T, lags=(0.0,), dt=self.dt, trials=2, dtype=self.dtype),
                LyapunovStudy(g=g, Ns=(self.N,), seeds=(self.seed + 10 * gi,), realisations=self.realisations,
                              T=self.T, dt=self.dt, dtype=self.dtype),
            )
            for gi, g in enumerate(self.gs)
        ]

    def jobs(self) -> list[RunJob]:
        """Two jobs per g."""
        return [job for d, ly in self.parts() for job in (*d.jobs(), *ly.jobs())]

    def points(self, runs: Mapping[RunJob, StoredRun]) -> dict[str, np.ndarray]:
        """``g``, ``Delta0``, ``Delta0_se``, ``lam``, ``lam_se`` (SE over networks)."""
        rows = []
        for d, ly in self.parts():
            m, se = d.estimates(runs)
            lm, lse = ly.estimates(runs)
            rows.append((d.g, m[0, 0], se[0, 0], lm[0], lse[0]))
        cols = np.array(rows).T
        return dict(zip(("g", "Delta0", "Delta0_se", "lam", "lam_se"), cols, strict=True))

    def comparisons(self, theory: DMFTTheory, runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        """None: the sweep is drawn, not checked (one N, no extrapolation)."""
        return []


@dataclass(frozen=True)
class PhaseStudy:
    """The sign of lambda_max of noise-driven networks on both sides of the chaos line (figure points, no checks).

    ``realisations`` networks of size ``N`` (2 trials each, seed ``seed + 10 i + r`` at point i) at each
    ``(sigma2, g)`` of ``points``; the exponent from the tangent map, T after a burn-in of ``burn_in``.
    """

    points: tuple[tuple[float, float], ...]
    N: int
    realisations: int
    T: float
    seed: int = 6000
    dt: float = 0.1
    burn_in: float = 100.0
    dtype: str = "float64"

    def job(self) -> RunJob:
        """One job for all points."""
        params = {
            "points": [[float(s2), float(g)] for s2, g in self.points],
            "N": int(self.N),
            "R": int(self.realisations),
            "T": float(self.T),
            "dt": float(self.dt),
            "trials": 2,
            "burn_in": float(self.burn_in),
            "seed": int(self.seed),
        }
        params = with_precision(params, self.dtype)
        title = f"Lyapunov exponents with noise, N={self.N}, {len(self.points)} points"
        return RunJob("dmft.lyapunov-phase", params, phase_samples, (*SIM_CODE, phase_samples), title)

    def jobs(self) -> list[RunJob]:
        """The one job."""
        return [self.job()]

    def estimates(self, runs: Mapping[RunJob, StoredRun]) -> dict[str, np.ndarray]:
        """``sigma2``, ``g``, ``lam`` and ``lam_se`` (mean and SE over networks) per point."""
        lam = np.asarray(_run(runs, self.job())["lam"])
        s2, g = (np.array(v, dtype=float) for v in zip(*self.points, strict=True))
        return {"sigma2": s2, "g": g, "lam": lam.mean(axis=1), "lam_se": lam.std(axis=1, ddof=1) / np.sqrt(lam.shape[1])}

    def comparisons(self, theory: DMFTTheory, runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        """None: the points are drawn, not checked (one N, no extrapolation)."""
        return []


Study = DeltaStudy | LyapunovStudy | PopulationStudy | SweepStudy | PhaseStudy


def network_counts(value: Any) -> int | tuple[int, ...]:
    """A study's networks per size from report parameters: one count for every size, or a list, one per size."""
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return int(value)


def report_studies(P: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The report's studies at sizes ``P`` (an entry of :data:`SIZES`): ``delta``, ``lyapunov``, ``populations``,
    ``noise`` (the white-noise case :data:`WHITE_NOISE`, four sizes), ``sweep`` and ``phase`` (figure points)."""
    from workbench.spec import preset

    dtype = str(P.get("dtype", "float64"))
    delta = [
        DeltaStudy(
            g=float(g),
            Ns=tuple(int(n) for n in P["fs_Ns"]),
            seeds=tuple(1000 + 100 * gi + int(n) for n in P["fs_Ns"]),
            realisations=network_counts(P["fs_R"]),
            T=float(P["fs_T"]),
            trials=int(P["fs_trials"]),
            dt=float(P["fs_dt"]),
            stride=max(1, round(0.2 / float(P["fs_dt"]))),
            dt_N=int(P["dt_N"]),
            dtype=dtype,
        )
        for gi, g in enumerate(P["fs_g"])
    ]
    lyap = [
        LyapunovStudy(
            g=2.0,
            Ns=tuple(int(n) for n in P["ly_Ns"]),
            seeds=tuple(2000 + int(n) for n in P["ly_Ns"]),
            realisations=int(P["ly_R"]),
            T=float(P["ly_T"]),
            dt=float(P["ly_dt"]),
            dt_N=int(P["dt_N"]),
            dtype=dtype,
        )
    ]
    cases = [("E/I (preset ei)", preset("ei").to_dict()), ("OU noise, g = 1.5, tau_n = 1", OU)]
    pops = [
        PopulationStudy(
            label=label,
            spec={k: v for k, v in sd.items() if k != "N"},
            Ns=tuple(int(n) for n in P["pop_Ns"]),
            seeds=tuple(3000 + 100 * ci + s for s in range(int(P["pop_R"]))),
            T=float(P["pop_T"]),
            dt_N=int(P.get("pop_dt_N", 0)),
            dtype=dtype,
        )
        for ci, (label, sd) in enumerate(cases)
    ]
    wn_dt_N = int(P["wn_Ns"][1]) if P["dt_N"] else 0
    noise = [
        DeltaStudy(
            g=WHITE_NOISE["g"],
            sigma2=WHITE_NOISE["sigma2"],
            Ns=tuple(int(n) for n in P["wn_Ns"]),
            seeds=tuple(4000 + int(n) for n in P["wn_Ns"]),
            realisations=int(P["wn_R"]),
            T=float(P["wn_T"]),
            burn_in=30.0,
            dt=0.05,
            trials=4,
            lags=(0.0, 0.5, 1.0),
            dt_N=wn_dt_N,
            dtype=dtype,
        )
    ]
    sweep = [SweepStudy(tuple(float(g) for g in P["sw_g"]), int(P["sw_N"]), int(P["sw_R"]), float(P["sw_T"]),
                        dtype=dtype)]
    phase = ([PhaseStudy(PHASE_POINTS, int(P["sw_N"]), int(P["ph_R"]), float(P["sw_T"]), dtype=dtype)]
             if P.get("ph_R") else [])
    return {"delta": delta, "lyapunov": lyap, "populations": pops, "noise": noise, "sweep": sweep, "phase": phase}


class DMFTChecks:
    """The DMFT's checks against the simulator (implements :class:`~workbench.theories.base.Checks`).

    Parameters
    ----------
    quick, full : sequence of studies, optional
        The studies of each size; default: the report's (:func:`report_studies` of :data:`SIZES`).
        Tests pass their own, e.g. ``DMFTChecks(quick=[DeltaStudy(...)])``.
    perturb : float
        Test hook: every theory value is multiplied by this factor (1: the DMFT as derived); the
        power test (``tests/report/test_power.py``) sets 1.05 and expects failures.
    """

    def __init__(
        self, quick: Sequence[Study] | None = None, full: Sequence[Study] | None = None, perturb: float = 1.0
    ) -> None:
        self._given = {"quick": quick, "full": full}
        self.perturb = float(perturb)

    def studies(self, size: str) -> list[Study]:
        """The studies of ``size`` (``"quick"`` or ``"full"``)."""
        if size not in SIZES:
            from workbench.errors import SpecError

            raise SpecError("size", f"must be 'quick' or 'full', got {size!r}")
        given = self._given[size]
        if given is not None:
            return list(given)
        if any(v is not None for v in self._given.values()):
            return []
        return [st for group in report_studies(SIZES[size]).values() for st in group]

    def jobs(self, size: str = "quick") -> list[RunJob]:
        """The stored simulations of ``size``, largest N first (better load balance in parallel)."""
        jobs = [job for st in self.studies(size) for job in st.jobs()]
        return sorted(jobs, key=lambda j: -j.params["N"])

    def comparisons(
        self, theory: DMFTTheory | None, runs: Mapping[RunJob, StoredRun], size: str | None = None
    ) -> list[Comparison]:
        """Every study (of ``size``, default: any size) whose runs are all in ``runs``, against the DMFT."""
        theory = theory if theory is not None else DMFTTheory()
        sizes = [size] if size is not None else list(SIZES)
        seen: list[Study] = []
        for sz in sizes:
            seen += [st for st in self.studies(sz) if st not in seen and all(j in runs for j in st.jobs())]
        if not seen:
            raise KeyError("none of the studies has all its runs among the given runs")
        out = [c for st in seen for c in st.comparisons(theory, runs)]
        return out if self.perturb == 1.0 else [replace(c, theory=c.theory * self.perturb) for c in out]
