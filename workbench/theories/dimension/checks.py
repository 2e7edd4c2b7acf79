"""The dimension theory against simulation: PR/N, mean autocovariance and cross-covariance statistics.

:func:`measure_network` simulates one network (``trials`` independent trials batched in one run) and
estimates the statistics of the covariance of x and phi(x) with the unbiased cross-block estimator
:func:`workbench.sim.estimators.cross_block_dimension` (the naive plug-in is biased by ~ N tau_c / T); for
a linear network it also computes the exact covariance of that network, of the flow (Lyapunov equation /
``(1 - J)^{-1}(1 - J)^{-T}``) and of the simulator's discrete process as sampled, so the time-step and
sampling biases are known exactly. :func:`dimension_job` wraps ``networks`` networks as a stored
:class:`~workbench.store.RunJob` (reused from the run store). :func:`dimension_comparisons` compares a
:class:`~workbench.theories.dimension.result.DimensionResult` with the network average (Student-t with
``networks - 1`` dof over networks: the SE holds the quenched spread and the temporal noise), the known
biases added to the prediction; :func:`exact_comparisons` checks the estimator against the exact covariance
of each simulated linear network (paired per network). :func:`redrawn_comparisons` checks a network whose
couplings are redrawn in time (annealed: cross-covariances average out) and :func:`quenched_spread` gives
the per-realisation spread beside the disorder-averaged SE. :func:`finite_size_study` measures a statistic
over N and fits its 1/N term (:func:`workbench.compare.finite_size_fit`), from any ``measure(N, seed)``
(e.g. :func:`linear_network_measure`, exact) or from stored simulations (:func:`size_jobs`,
:func:`study_from_runs`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import scipy.linalg as sla

from workbench.compare import Comparison, FiniteSizeFit, finite_size_fit
from workbench.errors import SpecError
from workbench.sim import simulate
from workbench.sim.checks import t_stat
from workbench.sim.estimators import DIMENSION_KEYS, cross_block_dimension, dimension_stats, mean_is_zero
from workbench.sim.network import build_network
from workbench.sim.runs import SIM_CODE
from workbench.sim.simulator import step_coefficients
from workbench.spec import ModelSpec
from workbench.store import RunJob

__all__ = [
    "CHECKED_KEYS",
    "DimensionRun",
    "FiniteSizeStudy",
    "dimension_comparisons",
    "dimension_job",
    "dimension_samples",
    "exact_comparisons",
    "exact_equal_time_covariance",
    "exact_linear_stats",
    "exact_windowed_covariance",
    "finite_size_comparison",
    "finite_size_study",
    "linear_network_measure",
    "measure_network",
    "quenched_spread",
    "redrawn_comparisons",
    "sampling_bias",
    "size_jobs",
    "study_from_runs",
    "theory_values",
]

CHECKED_KEYS = ("PR_over_N", "mean_autocov", "N_var_cross", "mean_cross")
"""Statistics compared with the theory (``var_diag`` is O(1/N) and has no large-N theory value)."""


@dataclass(frozen=True)
class DimensionRun:
    """Simulation settings of one check: sizes, durations, time step, sampling, blocks and the seed.

    ``T`` is the recorded duration per trial after ``burn_in``; samples are ``sample_every`` apart (a
    multiple of ``dt``); each trial is cut into ``n_blocks`` blocks for the cross-block estimator;
    ``window`` is the zero-frequency window (Richardson pair ``window``, ``2 window``). Network ``i`` uses
    the seed ``seed + i``.
    """

    N: int = 400
    networks: int = 8
    trials: int = 4
    T: float = 1000.0
    burn_in: float = 40.0
    dt: float = 0.05
    sample_every: float = 0.5
    n_blocks: int = 8
    window: float = 12.5
    seed: int = 0
    method: str = "exp"

    def __post_init__(self) -> None:
        """Refuse settings the estimator cannot use (one-line SpecError)."""
        if self.N < 2 or self.networks < 2 or self.trials < 1:
            raise SpecError("run", f"need N >= 2, networks >= 2, trials >= 1, got {self.N}, {self.networks}, "
                            f"{self.trials}")
        if self.stride < 1 or abs(self.stride * self.dt - self.sample_every) > 1e-9 * self.sample_every:
            raise SpecError("sample_every", f"must be a multiple of dt={self.dt}, got {self.sample_every}")

    @property
    def stride(self) -> int:
        """Simulator steps between recorded samples."""
        return int(round(self.sample_every / self.dt))

    def context(self) -> dict[str, Any]:
        """Everything that reproduces the estimate (for a Comparison's context)."""
        return asdict(self)


def _sized_spec(spec: ModelSpec, run: DimensionRun) -> ModelSpec:
    """``spec`` at the run's size N."""
    return spec.replace(N=int(run.N))


def _is_linear(spec: ModelSpec) -> bool:
    """True for the model of :func:`exact_linear_stats`: phi(x) = x, one population with tau = gain = 1, no
    inputs, white noise, drawn i.i.d. couplings (J0 = 0, eta = 0, no low-rank terms, no J file)."""
    import sympy as sp

    from workbench.spec import X

    if len(spec.populations) != 1 or spec.J_file is not None or spec.low_rank:
        return False
    p = spec.populations[0]
    unit = all(d.kind == "constant" and d.value == 1.0 for d in (p.tau, p.gain))
    plain = p.input_mean == 0.0 and p.input_std == 0.0 and not np.any(spec.J0) and not np.any(spec.eta)
    return unit and plain and spec.noise.kind == "white" and sp.simplify(spec.phi.expr - X) == 0


def exact_equal_time_covariance(J: np.ndarray, sigma2: float = 1.0, tau_noise: float = 0.0,
                                input_var: float = 0.0) -> np.ndarray:
    """The exact equal-time covariance of the flow ``dx/dt = -x + J x + xi (+ I)``: white noise of intensity
    ``sigma2`` (Lyapunov equation), OU noise ``<xi xi> = sigma2 exp(-|t|/tau_noise) / (2 tau_noise)`` (the augmented
    (x, xi) Lyapunov equation) and a static input of variance ``input_var`` (``input_var (1-J)^-1 (1-J)^-T``)."""
    N = J.shape[0]
    eye = np.eye(N)
    if tau_noise == 0:
        C = sla.solve_continuous_lyapunov(J - eye, -sigma2 * eye)
    else:
        Z = np.zeros((N, N))
        A = np.block([[J - eye, eye], [Z, -eye / tau_noise]])
        C = sla.solve_continuous_lyapunov(A, -np.block([[Z, Z], [Z, sigma2 * eye / tau_noise**2]]))[:N, :N]
    if input_var > 0:
        W = np.linalg.inv(eye - J)
        C = C + input_var * W @ W.T
    return C


def exact_windowed_covariance(J: np.ndarray, sigma2: float, window: float, richardson: bool = True) -> np.ndarray:
    """What the finite-window zero-frequency estimator measures on average for the linear flow
    ``dx/dt = A x + xi``, ``A = J - 1`` (white noise ``sigma2``): ``W Cov(W-means) = int_{-W}^{W} (1 - |t|/W) C(t) dt
    = K S + S K^T`` with the equal-time covariance S and ``K = int_0^W (1 - t/W) e^{A t} dt = -A^-1 + A^-2 (e^{AW} - 1)/W``;
    ``richardson``: the pair ``2 X(2W) - X(W)`` (what ``--window`` predicts; both tend to ``sigma2 A^-1 A^-T``)."""
    N = J.shape[0]
    eye = np.eye(N)
    A = J - eye
    S = sla.solve_continuous_lyapunov(A, -sigma2 * eye)
    Ainv = np.linalg.inv(A)

    def one(W: float) -> np.ndarray:
        K = -Ainv + Ainv @ Ainv @ (sla.expm(A * W) - eye) / W
        return K @ S + S @ K.T

    return 2 * one(2 * window) - one(window) if richardson else one(window)


def exact_linear_stats(J: np.ndarray, sigma2: float, run: DimensionRun, covariance: str) -> dict[str, np.ndarray]:
    """Exact statistics of one linear network's covariance: of the flow (``"flow"``) and of the simulator's
    discrete process sampled every ``sample_every`` (``"sampled"``), each an array over :data:`DIMENSION_KEYS`.

    Equal-time: ``(J - 1) C + C (J - 1)^T + sigma2 1 = 0`` and ``S = M S M^T + nf^2 1`` with the step
    ``x <- M x + nf Z``, ``M = a 1 + b J``. Zero-frequency: ``sigma2 (1 - J)^{-1} (1 - J)^{-T}`` and, for
    the samples ``Delta`` apart (``M_s = M^stride``), ``Delta [(1 - M_s)^{-1} S + S (1 - M_s)^{-T} - S]``.
    """
    N = J.shape[0]
    a, b, nf = (float(np.asarray(v).ravel()[0]) for v in step_coefficients(np.ones(1), run.dt, sigma2, run.method, True))
    M = a * np.eye(N) + b * J
    S = sla.solve_discrete_lyapunov(M, nf**2 * np.eye(N))
    if covariance == "equal-time":
        flow = exact_equal_time_covariance(J, sigma2)
        sampled = S
    else:
        B = np.linalg.inv(np.eye(N) - J)
        flow = sigma2 * B @ B.T
        R = np.linalg.solve(np.eye(N) - np.linalg.matrix_power(M, run.stride), S)
        sampled = run.sample_every * (R + R.T - S)
    return {name: np.array([dimension_stats(C)[k] for k in DIMENSION_KEYS]) for name, C in
            (("flow", flow), ("sampled", sampled))}


def _estimates(
    traj: np.ndarray, run: DimensionRun, covariance: str, mean: float | str | None, redraw: bool
) -> tuple[np.ndarray, ...]:
    """Cross-block values and jackknife SEs over :data:`DIMENSION_KEYS` (``redraw``: the trials share each
    block's couplings, so only blocks of different couplings are paired)."""
    est = cross_block_dimension(traj, run.n_blocks, covariance=covariance, dt=run.sample_every, window=run.window,
                                mean=mean, independent_trials=not redraw)
    return np.array([est.values[k] for k in DIMENSION_KEYS]), np.array([est.se[k] for k in DIMENSION_KEYS])


def _simulate_trajectories(spec: ModelSpec, run: DimensionRun, seed: int, redraw: bool) -> tuple[np.ndarray, ...]:
    """``(x, phi)`` trajectories (n_samples, N, trials); ``redraw``: a new J for each of the ``n_blocks`` blocks,
    the state carried over (couplings redrawn in time; each segment's first sample, its initial state, is
    dropped so that the estimator's blocks are the segments)."""
    kw = dict(dt=run.dt, trials=run.trials, stride=run.stride, record=("traj", "traj_phi"), neurons=run.N,
              method=run.method, blas_threads=1)
    if not redraw:
        res = simulate(spec, T=run.burn_in + run.T, seed=seed, burn_in=run.burn_in, **kw)
        return res.traj, res.traj_phi
    seq = np.random.SeedSequence([seed, 1])
    xs, phis, x0 = [], [], None
    block = run.T / run.n_blocks
    for b, child in enumerate(seq.spawn(run.n_blocks)):
        burn = run.burn_in if b == 0 else 0.0
        res = simulate(spec, T=burn + block, seed=child, burn_in=burn, x0=x0, **kw)
        xs.append(res.traj[1:])
        phis.append(res.traj_phi[1:])
        x0 = res.x_final
    return np.concatenate(xs), np.concatenate(phis)


def measure_network(
    spec: ModelSpec, run: DimensionRun, covariance: str, seed: int, redraw: bool = False
) -> dict[str, np.ndarray]:
    """Cross-block statistics of x and phi(x) of one network (``x``, ``x_se``, ``phi``, ``phi_se``, arrays over
    :data:`DIMENSION_KEYS`), plus ``exact_flow`` / ``exact_sampled`` for a linear network (not with ``redraw``).

    The mean is known to be 0 when :func:`~workbench.sim.estimators.mean_is_zero` (odd phi, no inputs, J0 = 0);
    otherwise each neuron is centred by its grand mean, or, for an odd phi with a coupling mean J0, by its mean in
    each trial (the symmetry-broken population mean may take either sign in each trial; the centring bias is then
    that of the trial's duration).
    """
    spec = _sized_spec(spec, run)
    x, phi = _simulate_trajectories(spec, run, seed, redraw)
    mean: float | str | None = 0.0 if mean_is_zero(spec) else None
    if mean is None and np.any(spec.J0) and spec.phi.is_odd():
        mean = "per-trial"
    out: dict[str, np.ndarray] = {}
    for name, traj in (("x", x), ("phi", phi)):
        out[name], out[f"{name}_se"] = _estimates(traj, run, covariance, mean, redraw)
    if _is_linear(spec) and not redraw:
        exact = exact_linear_stats(build_network(spec, seed).J, spec.noise.sigma2, run, covariance)
        out.update({f"exact_{k}": v for k, v in exact.items()})
    return out


def dimension_samples(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute: :func:`measure_network` for ``networks`` seeds, stacked (rows: networks)."""
    spec = ModelSpec.from_dict(dict(params["spec"]))
    run = DimensionRun(**params["run"])
    rows = [measure_network(spec, run, params["covariance"], run.seed + i, bool(params["redraw"]))
            for i in range(run.networks)]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def dimension_job(spec: ModelSpec, run: DimensionRun, covariance: str = "equal-time", redraw: bool = False) -> RunJob:
    """The stored run of ``run.networks`` networks of ``spec`` at size ``run.N`` (``redraw``: annealed couplings)."""
    if covariance not in ("equal-time", "zero-frequency"):
        raise SpecError("covariance", f"must be 'equal-time' or 'zero-frequency', got {covariance!r}")
    params = {"spec": _sized_spec(spec, run).to_dict(), "run": asdict(run), "covariance": covariance,
              "redraw": bool(redraw)}
    label = f"dimension {covariance}{' redrawn J' if redraw else ''} N={run.N} x {run.networks}"
    return RunJob("dimension.cross-block", params, dimension_samples, (*SIM_CODE, dimension_samples), label)


def theory_values(result: Any, which: str) -> dict[str, float]:
    """The :data:`CHECKED_KEYS` of a DimensionResult for ``which`` = ``"x"`` or ``"phi"``."""
    return {k: float(getattr(result, f"{k}_{which}")) for k in CHECKED_KEYS}


def sampling_bias(result: Any, sigma2: float, sample_every: float, which: str, dphi2: float = 1.0) -> dict[str, float]:
    """Bias of zero-frequency statistics from samples ``Delta`` apart: ``Delta sum_k C(k Delta) - int C`` is
    ``Delta^2 / 12`` times the cusp ``C'(0-) - C'(0+)`` of the autocovariance, ``sigma2`` for x and
    ``sigma2 <phi'^2>`` (``dphi2``) for phi(x) under white noise (the cross-covariances have no cusp); PR/N
    follows through ``a^2 / (a^2 + N var_cross)``."""
    cusp = sigma2 * (1.0 if which == "x" else dphi2)
    da = sample_every**2 * cusp / 12.0
    t = theory_values(result, which)
    a, nv = t["mean_autocov"], t["N_var_cross"]
    pr = (a + da) ** 2 / ((a + da) ** 2 + nv)
    return {"mean_autocov": da, "PR_over_N": pr - a**2 / (a**2 + nv), "N_var_cross": 0.0, "mean_cross": 0.0}


def _network_mean(samples: np.ndarray) -> tuple[float, float, int]:
    """Mean over networks, its SE and dof."""
    n = len(samples)
    return float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(n)), n - 1


def dimension_comparisons(
    result: Any,
    arrays: Mapping[str, np.ndarray],
    run: DimensionRun,
    *,
    label: str = "",
    biases: Mapping[str, Mapping[str, float]] | None = None,
    bias_reason: str = "",
    which: Sequence[str] = ("x", "phi"),
) -> list[Comparison]:
    """The theory ``result`` against the network average of the cross-block estimates in ``arrays``.

    ``biases[which][key]``: known ``E[estimate] - theory`` (time step, sampling, finite N), added to the
    prediction; by default, for a linear network, the exact ``sampled - flow`` difference averaged over the
    simulated networks (the time-step and sampling bias of the simulator, computed from each J). Tolerance:
    Student-t over ``networks - 1`` dof at the false-alarm rate of 4 Gaussian SE.
    """
    if biases is None and "exact_sampled" in arrays:
        d = (np.asarray(arrays["exact_sampled"]) - np.asarray(arrays["exact_flow"])).mean(axis=0)
        per = dict(zip(DIMENSION_KEYS, (float(v) for v in d), strict=True))
        biases, bias_reason = {"x": per, "phi": per}, bias_reason or "exact time-step/sampling bias of these J"
    out = []
    for w in which:
        theory = theory_values(result, w)
        cols = np.asarray(arrays[w])
        for key in CHECKED_KEYS:
            est, se, dof = _network_mean(cols[:, DIMENSION_KEYS.index(key)])
            bias = float((biases or {}).get(w, {}).get(key, 0.0))
            out.append(t_stat(f"{label}{key}_{w}", theory[key] + bias, est, se, dof, kind="simulation",
                              note=f"prediction = theory {theory[key]:.6g} + {bias_reason or 'bias'} {bias:.3g}"
                              if bias else "", covariance=result.covariance, **run.context()))
    return out


def exact_comparisons(arrays: Mapping[str, np.ndarray], run: DimensionRun, label: str = "") -> list[Comparison]:
    """Estimator and simulator against the exact covariance of each simulated linear network (paired per network:
    the quenched spread cancels), for x: mean over networks of ``estimate - exact_sampled`` against 0."""
    if "exact_sampled" not in arrays:
        raise SpecError("arrays", "exact comparisons need a linear network run (exact_sampled)")
    diff = np.asarray(arrays["x"]) - np.asarray(arrays["exact_sampled"])
    exact = np.asarray(arrays["exact_sampled"]).mean(axis=0)
    out = []
    for i, key in enumerate(DIMENSION_KEYS):
        d, se, dof = _network_mean(diff[:, i])
        out.append(t_stat(f"{label}{key} (estimator vs exact C of each J)", float(exact[i]), float(exact[i] + d),
                          se, dof, kind="simulation", note="paired per network", **run.context()))
    return out


def redrawn_comparisons(
    result: Any, arrays: Mapping[str, np.ndarray], run: DimensionRun, label: str = ""
) -> list[Comparison]:
    """Couplings redrawn for every block (annealed disorder): the blocks' covariances belong to independent J,
    so the cross-block products see ``E_J C_ij = 0`` (i != j) and ``E_J C_ii = a``: ``N_var_cross -> 0``,
    ``PR/N -> 1``, ``var_diag -> 0``, while the mean autocovariance keeps its quenched value (for x)."""
    cols = np.asarray(arrays["x"])
    want = {"PR_over_N": 1.0, "N_var_cross": 0.0, "var_diag": 0.0, "mean_autocov": float(result.mean_autocov_x)}
    out = []
    for key, theory in want.items():
        est, se, dof = _network_mean(cols[:, DIMENSION_KEYS.index(key)])
        out.append(t_stat(f"{label}{key}_x (couplings redrawn each block)", theory, est, se, dof,
                          kind="simulation", **run.context()))
    return out


def quenched_spread(arrays: Mapping[str, np.ndarray], which: str = "x") -> dict[str, dict[str, float]]:
    """Per key: the spread of the per-network estimates (SD over realisations), the mean within-network
    (temporal, jackknife) SE, and the quenched SD ``sqrt(max(SD^2 - SE^2, 0))`` that a single realisation adds."""
    vals, ses = np.asarray(arrays[which]), np.asarray(arrays[f"{which}_se"])
    out = {}
    for i, key in enumerate(DIMENSION_KEYS):
        sd = float(vals[:, i].std(ddof=1))
        se = float(np.sqrt(np.mean(ses[:, i] ** 2)))
        out[key] = {"mean": float(vals[:, i].mean()), "sd_networks": sd, "se_within": se,
                    "sd_quenched": math.sqrt(max(sd**2 - se**2, 0.0))}
    return out


@dataclass(frozen=True)
class FiniteSizeStudy:
    """A statistic measured over sizes N: per-N mean and SE over networks, and the fit ``a + c/N``."""

    key: str
    Ns: tuple[int, ...]
    mean: tuple[float, ...]
    se: tuple[float, ...]
    networks: int
    fit: FiniteSizeFit

    def summary(self) -> dict[str, Any]:
        """Plain data: sizes, means, SEs, intercept and 1/N coefficient with their SEs."""
        f = self.fit
        return {"key": self.key, "Ns": list(self.Ns), "mean": list(self.mean), "se": list(self.se),
                "networks": self.networks, "a": f.a, "se_a": f.se_a, "c": f.c, "se_c": f.se_c, "dof": f.dof,
                "chi2": f.chi2}


def _study(key: str, Ns: Sequence[int], samples: Sequence[np.ndarray]) -> FiniteSizeStudy:
    """Per-size mean and SE over networks of ``samples`` and the weighted fit ``a + c/N`` (Welch dof for ``a``)."""
    counts = [len(v) for v in samples]
    means = [float(np.mean(v)) for v in samples]
    ses = [float(np.std(v, ddof=1) / math.sqrt(len(v))) for v in samples]
    fit = finite_size_fit(Ns, means, ses, samples=counts)
    return FiniteSizeStudy(key, tuple(int(n) for n in Ns), tuple(means), tuple(ses), min(counts), fit)


def finite_size_study(
    measure: Callable[[int, int], Mapping[str, float]], Ns: Sequence[int], networks: int, key: str, seed: int = 0
) -> FiniteSizeStudy:
    """Measure ``key`` with ``measure(N, seed)`` on ``networks`` networks per size (seeds ``seed + 1000 N + i``)
    and fit ``y = a + c/N`` weighted by the SEs over networks (Welch dof for ``a``)."""
    if networks < 2 or len(Ns) < 2:
        raise SpecError("networks", f"need >= 2 networks and >= 2 sizes, got {networks}, {len(Ns)}")
    samples = [np.array([float(measure(int(N), seed + 1000 * int(N) + i)[key]) for i in range(networks)])
               for N in Ns]
    return _study(key, Ns, samples)


def size_jobs(spec: ModelSpec, run: DimensionRun, Ns: Sequence[int], covariance: str = "equal-time") -> list[RunJob]:
    """One stored simulation job per size N (``run`` at that N, seeds ``run.seed + 1000 N + i``)."""
    return [dimension_job(spec, replace(run, N=int(N), seed=run.seed + 1000 * int(N)), covariance) for N in Ns]


def study_from_runs(
    Ns: Sequence[int], arrays: Sequence[Mapping[str, np.ndarray]], key: str, which: str = "x"
) -> FiniteSizeStudy:
    """:class:`FiniteSizeStudy` of the cross-block ``key`` of ``which`` from the stored runs of :func:`size_jobs`."""
    i = DIMENSION_KEYS.index(key)
    return _study(f"{key}_{which}", Ns, [np.asarray(a[which])[:, i] for a in arrays])


def finite_size_comparison(study: FiniteSizeStudy, theory: float, label: str = "") -> Comparison:
    """The N -> infinity intercept of ``study`` against the theory (Student-t with the fit's Welch dof)."""
    f = study.fit
    return t_stat(f"{label}{study.key} at N -> inf (fit a + c/N, c = {f.c:.3g} +- {f.se_c:.2g})", theory, f.a, f.se_a,
                  f.dof, kind="simulation", Ns=list(study.Ns), networks=study.networks)


def linear_network_measure(
    g: float, sigma2: float = 1.0, covariance: str = "equal-time", window: float | None = None
) -> Callable[[int, int], dict[str, float]]:
    """``measure(N, seed)``: exact statistics of one drawn linear network's flow covariance (no time sampling),
    for :func:`finite_size_study` of the quenched disorder average alone (``window``: at zero frequency, the
    finite-window estimator's expectation, :func:`exact_windowed_covariance`)."""

    def measure(N: int, seed: int) -> dict[str, float]:
        J = build_network(ModelSpec.simple(N=N, g=g, phi="linear", sigma2=sigma2), seed).J
        if window is not None:
            C = exact_windowed_covariance(J, sigma2, window)
        elif covariance == "equal-time":
            C = exact_equal_time_covariance(J, sigma2)
        else:
            B = np.linalg.inv(np.eye(N) - J)
            C = sigma2 * B @ B.T
        return dimension_stats(C)

    return measure
