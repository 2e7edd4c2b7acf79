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
of each simulated linear network (paired per network: :func:`simulated_network` is the J the simulator ran).
A nonlinear white-noise network can be simulated beside its linear twin (:func:`twinned_job`: couplings
``<phi'> J`` of the same J, the same initial state and noise): the twin's estimation error (mean 0 exactly in
float64, to rounding in float32, from its exact discrete covariance) and its quenched deviation (exact flow
statistics minus their derived disorder average at N) follow the network's own estimates closely, and
:func:`network_estimate` takes the control-variate mean (:func:`controlled_mean`): 2-90 times less variance than the plain mean over networks in the dimension report.
At zero frequency the twin's exact statistics are those of the estimator's window (:func:`exact_linear_stats`), and
its quenched statistic is a control only with its mean measured on drawn twins (:func:`twin_references`,
:func:`two_phase_mean`): the derived O(1/N) average misses it by 1/N^2 terms there (:func:`quenched_control_known`).
tanh g = 1.2, sigma2 = 1, N = 100, 64 networks, 1280 reference twins: variance / 5-12 on every statistic.
:func:`redrawn_comparisons` checks a network whose couplings are redrawn in time (annealed: cross-covariances
average out) and :func:`quenched_spread` gives the per-realisation spread beside the disorder-averaged SE. :func:`finite_size_study` measures a statistic
over N and fits its 1/N term (:func:`workbench.compare.finite_size_fit`), from any ``measure(N, seed)``
(e.g. :func:`linear_network_measure`, exact) or from stored simulations (:func:`size_jobs`,
:func:`study_from_runs`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from workbench.compare import Comparison, FiniteSizeFit, finite_size_fit
from workbench.errors import ConvergenceError, SpecError
from workbench.sim import simulate
from workbench.sim.checks import t_stat
from workbench.sim.estimators import DIMENSION_KEYS, cross_block_dimension, dimension_stats, mean_is_zero
from workbench.sim.network import build_network
from workbench.sim.runs import SIM_CODE
from workbench.sim.simulator import check_dtype, step_coefficients
from workbench.spec import ModelSpec
from workbench.store import RunJob
from workbench.theories.dimension import exact

__all__ = [
    "CHECKED_KEYS",
    "ControlledMean",
    "DimensionRun",
    "FiniteSizeStudy",
    "TWIN_CONTROLS",
    "centring_bias",
    "check_twin",
    "controlled_mean",
    "dimension_comparisons",
    "dimension_job",
    "dimension_samples",
    "estimator_mean",
    "exact_comparisons",
    "exact_equal_time_covariance",
    "exact_linear_stats",
    "exact_windowed_covariance",
    "finite_size_comparison",
    "finite_size_study",
    "known_biases",
    "linear_fraction",
    "linear_network_measure",
    "measure_network",
    "network_estimate",
    "quenched_spread",
    "redrawn_comparisons",
    "sampling_bias",
    "STEP_BIAS_MAX_G_EFF",
    "STEP_BIAS_MIN_LINEAR_FRACTION",
    "step_bias_known",
    "simulated_network",
    "size_jobs",
    "study_from_runs",
    "theory_values",
    "quenched_control_known",
    "twin_controls",
    "twin_references",
    "twin_gain",
    "twin_network",
    "twin_statistics",
    "twin_supported",
    "two_phase_mean",
    "twinned_job",
]

CHECKED_KEYS = ("PR_over_N", "mean_autocov", "N_var_cross", "mean_cross")
"""Statistics compared with the theory (``var_diag`` is O(1/N) and has no large-N theory value)."""


@dataclass(frozen=True)
class DimensionRun:
    """Simulation settings of one check: sizes, durations, time step, sampling, blocks and the seed.

    ``T`` is the recorded duration per trial after ``burn_in``; samples are ``sample_every`` apart (a
    multiple of ``dt``); each trial is cut into ``n_blocks`` blocks for the cross-block estimator;
    ``window`` is the zero-frequency window (Richardson pair ``window``, ``2 window``). Network ``i`` uses
    the seed ``seed + i``. ``dtype``: the simulations' precision (float32 halves the memory traffic of the
    one-trial matrix-vector steps; the trajectories are recorded in float64).
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
    dtype: str = "float64"

    def __post_init__(self) -> None:
        """Refuse settings the estimator cannot use (one-line SpecError)."""
        check_dtype(self.dtype)
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


def _plain(spec: ModelSpec) -> bool:
    """One population with tau = gain = 1, no inputs, drawn i.i.d. couplings (J0 = 0, eta = 0, no low-rank terms, no
    J file)."""
    if len(spec.populations) != 1 or spec.J_file is not None or spec.low_rank:
        return False
    p = spec.populations[0]
    unit = all(d.kind == "constant" and d.value == 1.0 for d in (p.tau, p.gain))
    plain = p.input_mean == 0.0 and p.input_std == 0.0 and not np.any(spec.J0) and not np.any(spec.eta)
    return unit and plain


def _plain_white(spec: ModelSpec) -> bool:
    """The structure of :func:`_plain` with white noise: that of :func:`exact_linear_stats` for a linear network."""
    return _plain(spec) and spec.noise.kind == "white"


def _is_linear(spec: ModelSpec) -> bool:
    """True for the model of :func:`exact_linear_stats`: phi(x) = x with the structure of :func:`_plain_white`."""
    from workbench.expr import X, simplifies_to_zero

    return _plain_white(spec) and simplifies_to_zero(spec.phi.expr - X)


exact_equal_time_covariance = exact.equal_time_covariance
"""The exact equal-time covariance of the linear flow (white or OU noise, static input), from one eigendecomposition
of J: :func:`workbench.theories.dimension.exact.equal_time_covariance`."""

exact_windowed_covariance = exact.windowed_covariance
"""What the finite-window zero-frequency estimator measures on average for the white-noise linear flow (Richardson
pair W, 2W, what ``--window`` predicts): :func:`workbench.theories.dimension.exact.windowed_covariance`."""


def exact_linear_stats(J: np.ndarray, sigma2: float, run: DimensionRun, covariance: str,
                       flow: bool = True, tau_noise: float = 0.0, sampled: bool = True) -> dict[str, np.ndarray]:
    """Exact statistics of one linear network's covariance: of the flow (``"flow"``, skipped when ``flow`` is
    False) and of the simulator's discrete process sampled every ``sample_every`` (``"sampled"``, skipped when
    ``sampled`` is False), each an array
    over :data:`DIMENSION_KEYS`.

    Equal-time: ``(J - 1) C + C (J - 1)^T + sigma2 1 = 0`` and ``S = M S M^T + nf^2 1`` with the step
    ``x <- M x + nf Z``, ``M = a 1 + b J``. Zero-frequency: what the estimator measures on average in the run's
    window W (Richardson pair W, 2W): of the flow :func:`~.exact.windowed_covariance`, of the samples ``Delta``
    apart the window means' lag sums (:func:`~.exact.step_covariances` with ``window``; as W -> infinity
    ``sigma2 (1 - J)^{-1} (1 - J)^{-T}`` and ``Delta [(1 - M_s)^{-1} S + S (1 - M_s)^{-T} - S]``, ``M_s = M^stride``).
    ``tau_noise > 0``: OU noise, equal time only (augmented Lyapunov equations). All of them from ONE
    eigendecomposition of J (:mod:`workbench.theories.dimension.exact`, closed forms per mode pair).
    """
    if tau_noise > 0 and covariance != "equal-time":
        raise SpecError("covariance", f"exact statistics under OU noise are equal-time only, got {covariance!r}")
    a, b, nf = (float(np.asarray(v).ravel()[0]) for v in
                step_coefficients(np.ones(1), run.dt, sigma2, run.method, tau_noise == 0))
    basis = exact.ModalBasis(J)
    covs: dict[str, np.ndarray] = {}
    if flow:
        if covariance == "equal-time":
            covs["flow"] = exact.equal_time_covariance(basis, sigma2, tau_noise)
        else:
            covs["flow"] = exact.windowed_covariance(basis, sigma2, run.window)
    window = run.window if covariance == "zero-frequency" else None
    if sampled:
        covs["sampled"] = exact.step_covariances(basis, a, b, nf, covariance, run.stride, run.sample_every, sigma2,
                                                 run.dt, tau_noise, window)
    return _stats_of(covs)


def _stats_of(covs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each covariance's :func:`~workbench.sim.estimators.dimension_stats` as an array over :data:`DIMENSION_KEYS`."""
    return {name: np.array([dimension_stats(C)[k] for k in DIMENSION_KEYS]) for name, C in covs.items()}


def _estimates(
    traj: np.ndarray, run: DimensionRun, covariance: str, mean: float | str | None, redraw: bool
) -> tuple[np.ndarray, ...]:
    """Cross-block values and jackknife SEs over :data:`DIMENSION_KEYS` (``redraw``: the trials share each
    block's couplings, so only blocks of different couplings are paired)."""
    est = cross_block_dimension(traj, run.n_blocks, covariance=covariance, dt=run.sample_every, window=run.window,
                                mean=mean, independent_trials=not redraw)
    return np.array([est.values[k] for k in DIMENSION_KEYS]), np.array([est.se[k] for k in DIMENSION_KEYS])


def _simulate_trajectories(spec: ModelSpec, run: DimensionRun, seed: int, redraw: bool) -> tuple[Any, ...]:
    """``(x, phi, network)``: trajectories (n_samples, N, trials) and the network simulated (None with ``redraw``: a new
    J for each of the ``n_blocks`` blocks, the state carried over; each segment's first sample, its initial state, is
    dropped so that the estimator's blocks are the segments)."""
    kw = dict(dt=run.dt, trials=run.trials, stride=run.stride, record=("traj", "traj_phi"), neurons=run.N,
              method=run.method, blas_threads=1, dtype=run.dtype)
    if not redraw:
        res = simulate(spec, T=run.burn_in + run.T, seed=seed, burn_in=run.burn_in, **kw)
        return res.traj, res.traj_phi, res.network
    seq = np.random.SeedSequence([seed, 1])
    xs, phis, x0 = [], [], None
    block = run.T / run.n_blocks
    for b, child in enumerate(seq.spawn(run.n_blocks)):
        burn = run.burn_in if b == 0 else 0.0
        res = simulate(spec, T=burn + block, seed=child, burn_in=burn, x0=x0, **kw)
        xs.append(res.traj[1:])
        phis.append(res.traj_phi[1:])
        x0 = res.x_final
    return np.concatenate(xs), np.concatenate(phis), None


@functools.lru_cache(maxsize=64)
def twin_gain(spec: ModelSpec) -> float:
    """The gain of a network's linear twin: the DMFT ``<phi'>`` of ``spec`` (any gain gives an unbiased control
    variate; this one makes the twin's fluctuations follow the network's). Cached per spec (specs are frozen and
    compare by value; a report asks for the same twins' gains each time it lists its jobs)."""
    from workbench.theories.dmft.problem import shared_solver

    return float(np.ravel(shared_solver(spec).solve(spec).mean_phi_prime)[0])


def twin_supported(spec: ModelSpec, covariance: str = "equal-time") -> bool:
    """Whether a network of ``spec`` can have a linear twin (:func:`check_twin`): the structure of :func:`_plain`,
    dense Gaussian couplings (p = 1) and noise of intensity sigma2 > 0, white, or OU for the equal-time covariance."""
    kinds = ("white", "ou") if covariance == "equal-time" else ("white",)
    return _plain(spec) and spec.noise.kind in kinds and spec.noise.sigma2 > 0 and spec.p[0][0] == 1.0


def check_twin(spec: ModelSpec, gain: float | None, redraw: bool = False, covariance: str = "equal-time") -> None:
    """Refuse (one-line SpecError naming ``twin_gain``) a linear twin the exact statistics cannot serve: it needs
    :func:`twin_supported`, fixed couplings, and a gain > 0 with ``gain g < 1``."""
    if gain is None:
        return
    if not (math.isfinite(gain) and gain > 0) or not gain * spec.g[0][0] < 1.0:
        raise SpecError("twin_gain", f"must be > 0 with a stable twin, gain * g < 1 (g = {spec.g[0][0]:g}), got {gain!r}")
    if redraw or not twin_supported(spec, covariance):
        raise SpecError("twin_gain", "a linear twin needs one population with tau = gain = 1, no inputs, J0 = 0, "
                        "eta = 0, dense couplings (p = 1) fixed in time, and noise sigma2 > 0, white (or OU for the "
                        "equal-time covariance)")


def simulated_network(spec: ModelSpec, seed: int) -> Any:
    """The network :func:`~workbench.sim.simulate` runs for ``seed`` (drawn from the first of the three streams it
    spawns: network, initial state, noise)."""
    return build_network(spec, np.random.SeedSequence(seed).spawn(3)[0])


def twin_network(spec: ModelSpec, seed: int, gain: float, network: Any = None) -> tuple[ModelSpec, Any]:
    """The linear twin of network ``seed`` of ``spec``: phi(x) = x and couplings ``gain * J`` of the same draw; simulated
    with the same seed it sees the same initial state and noise (the simulator spawns network, initial state and
    noise streams from the seed)."""
    net = network if network is not None else simulated_network(spec, seed)
    ou = spec.noise.kind == "ou"
    twin = ModelSpec.simple(N=spec.N, g=1.0, phi="linear", sigma2=spec.noise.sigma2, noise="ou" if ou else None,
                            noise_tau=spec.noise.tau if ou else 1.0)
    return twin, replace(net, spec=twin, J=gain * net.J)


TWIN_CONTROLS = ("twin error", "twin quenched")
"""The two controls of a twinned network (:func:`twin_controls`)."""


def twin_statistics(spec: ModelSpec, run: DimensionRun, covariance: str, seed: int, gain: float,
                    network: Any = None) -> dict[str, np.ndarray]:
    """The linear twin of network ``seed`` (:func:`twin_network`), arrays over :data:`DIMENSION_KEYS`: its cross-block
    estimates of x (``twin``), the exact statistics of its sampled discrete process (``twin_exact``) and of its flow
    (``twin_flow``), and the derived disorder average of the flow statistics at this N (``twin_flow_expected``: the
    linear theory at coupling ``gain g`` to O(1/N), :func:`~workbench.theories.dimension.finite_size.finite_size_coefficients`);
    ``network``: the network of ``seed`` when the caller has it (drawn again otherwise)."""
    spec = _sized_spec(spec, run)
    twin, net = twin_network(spec, seed, gain, network)
    res = simulate(twin, T=run.burn_in + run.T, dt=run.dt, trials=run.trials, seed=seed, burn_in=run.burn_in,
                   stride=run.stride, record=("traj",), neurons=run.N, method=run.method, blas_threads=1, network=net,
                   dtype=run.dtype)
    est, _ = _estimates(res.traj, run, covariance, 0.0, False)
    tau_noise = spec.noise.tau if spec.noise.kind == "ou" else 0.0
    exact = exact_linear_stats(net.J, spec.noise.sigma2, run, covariance, tau_noise=tau_noise)
    expected = _linear_expectation(gain * spec.g[0][0], spec.noise.sigma2, covariance, tau_noise, run.N,
                                   run.window if covariance == "zero-frequency" else None)
    return {"twin": est, "twin_exact": exact["sampled"], "twin_flow": exact["flow"],
            "twin_flow_expected": np.array(expected),
            "twin_covariance": np.array([0.0 if covariance == "equal-time" else 1.0])}


@functools.cache
def _linear_expectation(g: float, sigma2: float, covariance: str, tau_noise: float, N: int,
                        window: float | None = None) -> tuple[float, ...]:
    """The derived disorder average at size N (to O(1/N)) of a linear network's flow statistics, over
    :data:`DIMENSION_KEYS` (zero frequency: in the estimator's ``window``; computed once per argument set: every
    network of a run shares it)."""
    from workbench.theories.dimension.finite_size import finite_size_coefficients

    fc = finite_size_coefficients(g, sigma2, covariance, tau_noise=tau_noise, window=window)
    expected = {k: fc.at(k, N) for k in ("PR_over_N", "mean_autocov", "mean_cross", "N_var_cross")}
    expected["var_diag"] = fc.at("N_var_diag", N) / N
    return tuple(expected[k] for k in DIMENSION_KEYS)


def quenched_control_known(arrays: Mapping[str, np.ndarray]) -> bool:
    """Whether the twin's quenched control ``twin_flow - twin_flow_expected`` (:func:`twin_controls`) has mean 0 to
    well below the SE: at equal time (recorded as ``twin_covariance``, 0), not at zero frequency, where the derived
    linear expansion to O(1/N) misses the twins' mean by far more (tanh g = 1.2, sigma2 = 1, twin g_eff 0.77,
    N = 100, window 12.5, 2000 drawn twins: PR/N +20 %, N var_cross +36 %, the mean autocovariance +1.5 %)."""
    return float(np.ravel(arrays.get("twin_covariance", [0.0]))[0]) == 0.0


def twin_references(spec: ModelSpec, run: DimensionRun, covariance: str, gain: float, count: int,
                    seed: int = 10**6) -> np.ndarray:
    """The exact flow statistics (rows over :data:`DIMENSION_KEYS`) of the linear twins of ``count`` networks
    drawn with seeds ``seed + i`` and not simulated: the reference sample of :func:`two_phase_mean` for the twin's
    quenched control (about 20 ms a network at N = 100)."""
    check_twin(spec, gain, False, covariance)
    sized = _sized_spec(spec, run)
    tau_noise = spec.noise.tau if spec.noise.kind == "ou" else 0.0
    rows = [exact_linear_stats(gain * simulated_network(sized, seed + i).J, spec.noise.sigma2, run, covariance,
                               tau_noise=tau_noise, sampled=False)["flow"] for i in range(int(count))]
    return np.array(rows)


def twin_controls(arrays: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """Per network, key and control (shape ``(networks, keys, 2)``, :data:`TWIN_CONTROLS`), the twin's estimation
    error ``twin - twin_exact`` (mean 0 exactly; with ``run.dtype`` float32 up to the rounding of J and the step
    coefficients, which moves the exact covariance by about 5e-7 of its value) and its quenched deviation
    ``twin_flow - twin_flow_expected`` (mean 0 to O(1/N^2), the truncation of the derived linear expansion); None
    without a twin."""
    if "twin" not in arrays:
        return None
    err = np.asarray(arrays["twin"]) - np.asarray(arrays["twin_exact"])
    quenched = np.asarray(arrays["twin_flow"]) - np.asarray(arrays["twin_flow_expected"])
    return np.stack([err, quenched], axis=-1)


def estimator_mean(spec: ModelSpec) -> float | str | None:
    """The mean :func:`measure_network` centres each neuron with: 0 when it is known
    (:func:`~workbench.sim.estimators.mean_is_zero`), ``"per-trial"`` for an odd phi with a stronger coupling mean (the
    symmetry-broken population mean may take either sign in each trial), else None (the grand mean)."""
    if mean_is_zero(spec):
        return 0.0
    return "per-trial" if np.any(spec.J0) and spec.phi.is_odd() else None


def measure_network(
    spec: ModelSpec, run: DimensionRun, covariance: str, seed: int, redraw: bool = False,
    twin_gain: float | None = None,
) -> dict[str, np.ndarray]:
    """Cross-block statistics of x and phi(x) of one network (``x``, ``x_se``, ``phi``, ``phi_se``, arrays over
    :data:`DIMENSION_KEYS`), plus ``exact_flow`` / ``exact_sampled`` for a linear network (not with ``redraw``) and,
    with ``twin_gain``, ``twin`` / ``twin_exact`` of the network's linear twin (:func:`twin_statistics`).

    The mean is known to be 0 when :func:`~workbench.sim.estimators.mean_is_zero` (odd phi, no inputs, and J0 = 0
    or too weak to break the symmetry, ``J0 sup|phi'| < 1``); otherwise each neuron is centred by its grand mean, or,
    for an odd phi with a stronger coupling mean J0, by its mean in each trial (the symmetry-broken population mean
    may take either sign in each trial; the centring bias is then that of the trial's duration, not subtracted).
    """
    check_twin(spec, twin_gain, redraw, covariance)
    spec = _sized_spec(spec, run)
    x, phi, net = _simulate_trajectories(spec, run, seed, redraw)
    mean = estimator_mean(spec)
    out: dict[str, np.ndarray] = {}
    for name, traj in (("x", x), ("phi", phi)):
        out[name], out[f"{name}_se"] = _estimates(traj, run, covariance, mean, redraw)
    if _is_linear(spec) and not redraw:
        exact = exact_linear_stats(net.J, spec.noise.sigma2, run, covariance)
        out.update({f"exact_{k}": v for k, v in exact.items()})
    if twin_gain is not None:
        out.update(twin_statistics(spec, run, covariance, seed, twin_gain, net))
    return out


def dimension_samples(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute: :func:`measure_network` for ``networks`` seeds, stacked (rows: networks)."""
    spec = ModelSpec.from_dict(dict(params["spec"]))
    run = DimensionRun(**params["run"])
    rows = [measure_network(spec, run, params["covariance"], run.seed + i, bool(params["redraw"]),
                            params.get("twin_gain")) for i in range(run.networks)]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def dimension_job(spec: ModelSpec, run: DimensionRun, covariance: str = "equal-time", redraw: bool = False,
                  twin_gain: float | None = None) -> RunJob:
    """The stored run of ``run.networks`` networks of ``spec`` at size ``run.N`` (``redraw``: annealed couplings;
    ``twin_gain``: each network with its linear twin, :func:`twin_statistics`)."""
    if covariance not in ("equal-time", "zero-frequency"):
        raise SpecError("covariance", f"must be 'equal-time' or 'zero-frequency', got {covariance!r}")
    check_twin(spec, twin_gain, redraw, covariance)
    params = {"spec": _sized_spec(spec, run).to_dict(), "run": asdict(run), "covariance": covariance,
              "redraw": bool(redraw)}
    if twin_gain is not None:
        params["twin_gain"] = float(twin_gain)
    label = f"dimension {covariance}{' redrawn J' if redraw else ''}{' + linear twin' if twin_gain else ''} " \
            f"N={run.N} x {run.networks}"
    return RunJob("dimension.cross-block", params, dimension_samples, (*SIM_CODE, dimension_samples), label)


def twinned_job(spec: ModelSpec, run: DimensionRun, covariance: str = "equal-time") -> RunJob:
    """:func:`dimension_job` of ``spec``, each network with its linear twin at the DMFT gain (:func:`twin_gain`) when
    the model allows one (:func:`twin_supported`; otherwise without): the control variate of the network averages."""
    return dimension_job(spec, run, covariance, twin_gain=twin_gain(spec) if twin_supported(spec, covariance) else None)


def theory_values(result: Any, which: str) -> dict[str, float]:
    """The :data:`CHECKED_KEYS` of a DimensionResult for ``which`` = ``"x"`` or ``"phi"``."""
    return {k: float(getattr(result, f"{k}_{which}")) for k in CHECKED_KEYS}


def centring_bias(spec: ModelSpec, result: Any, N: int, span: float) -> dict[str, dict[str, float]]:
    """Known ``E[estimate] - theory`` of the equal-time cross-block statistics when each neuron is centred by its mean
    estimated over ``span`` (time units; all trials for the grand mean): the block estimates are
    ``E C_a = C - S / span`` with S the zero-frequency covariance, and two blocks share the mean's error
    (``Cov = -S / span``), so to first order the mean autocovariance moves by ``-S_bar / span`` and N var_cross by
    ``-2 N <C_ij S_ij> / span + (N S_bar^2 + 2 N var_cross(S)) / span^2`` (``N <C_ij S_ij>``:
    :func:`~workbench.theories.dimension.nonlinear.mixed_pair`); PR/N follows. For erf at g = 1.2, sigma2 = 0.5 with a
    static input of variance 0.5 (N = 300, span 600): -0.49 % and -1.1 % of x (measured in the report's simulation:
    -0.49 and -1.6 %). ``result``: the equal-time theory of ``spec``."""
    from workbench.theories.dimension.nonlinear import mixed_pair, solve_nonlinear

    zero = solve_nonlinear(spec, covariance="zero-frequency")
    mix = mixed_pair(spec)
    out: dict[str, dict[str, float]] = {}
    for w in ("x", "phi"):
        t, z = theory_values(result, w), theory_values(zero, w)
        vd = float(result.extras.get(f"var_diag_{w}", 0.0))
        da = -z["mean_autocov"] / span
        dnv = -2.0 * mix[w] / span + (N * z["mean_autocov"] ** 2 + 2.0 * z["N_var_cross"]) / span**2
        a, nv = t["mean_autocov"], t["N_var_cross"]
        pr = (a + da) ** 2 / ((a + da) ** 2 + vd + nv + dnv) - a**2 / (a**2 + vd + nv)
        out[w] = {"mean_autocov": da, "N_var_cross": dnv, "PR_over_N": pr, "mean_cross": 0.0}
    return out


STEP_BIAS_MAX_G_EFF = 0.9
"""Largest g_eff at which the fixed-J step bias of one network is used: it is self-averaging at g_eff = 0.8 (two
networks agree to 1e-4), but near the edge one network's linear equivalent is nearly unstable (clip(x,-1,1) at
g = 1.5, sigma2 = 0.5, g_eff = 0.952, N = 500: PR/N -33 % and N var_cross +11 % from one network, against a simulated
PR/N 13 % above the large-N value)."""


STEP_BIAS_MIN_LINEAR_FRACTION = 0.9
"""Least share ``<phi'>^2 C^x(0) / C^phi(0)`` of phi's variance that its linear part carries for the fixed-J linear
equivalent's step bias to be applied (validated at 0.90-0.98: tanh, erf, clip, sin, tanh(2x), x/(1+x^2); at 0.77,
tanh(x)**3 at g = 2, sigma2 = 0.2, it over-corrected PR/N of phi by 0.2 % = 10 SE and N var_cross of x by 2 %, N =
500, 16 networks x 2 trials, T = 1000, dt = 0.025, while the uncorrected theory was within 0.5 % of both)."""


def linear_fraction(result: Any) -> float:
    """``<phi'>^2 C^x(0) / C^phi(0)`` of an equal-time result: the share of phi's variance in its linear part."""
    a_phi = float(result.mean_autocov_phi)
    return float(result.extras.get("d2", 1.0)) * float(result.mean_autocov_x) / a_phi if a_phi > 0 else 0.0


def step_bias_known(spec: ModelSpec, result: Any) -> bool:
    """Whether the equal-time time-step bias of a white-noise network is known: a linear network (exactly, its own
    step map), or a nonlinear one through the fixed-J linear equivalent, which needs an odd phi, no input and a
    coupling mean too weak to break the symmetry (units at the operating point 0; :func:`mean_is_zero`), g_eff below
    :data:`STEP_BIAS_MAX_G_EFF` (one network's step map is self-averaging only away from the edge) and phi's variance
    mostly in its linear part (:data:`STEP_BIAS_MIN_LINEAR_FRACTION`)."""
    if result.method == "linear":
        return True
    return (result.method == "cavity" and mean_is_zero(spec)
            and float(result.extras.get("g_eff", 1.0)) < STEP_BIAS_MAX_G_EFF
            and linear_fraction(result) >= STEP_BIAS_MIN_LINEAR_FRACTION)


def known_biases(spec: ModelSpec, result: Any, run: DimensionRun,
                 covariance: str) -> tuple[dict[str, dict[str, float]] | None, str]:
    """Known ``E[estimate] - theory`` of :func:`measure_network`'s statistics of a white- or OU-noise network and the
    reason, for :func:`dimension_comparisons` (None: none known): the zero-frequency sampling cusp with white noise
    (:func:`sampling_bias`); at equal time the exponential-Euler step bias of a white-noise network where
    :func:`step_bias_known` (:func:`~workbench.theories.dimension.step_bias.white_noise_step_biases`) and the terms of a grand
    mean estimated from the run (:func:`centring_bias`; not for per-trial means)."""
    from workbench.theories.dimension.step_bias import STEP_BIAS_REASON, white_noise_step_biases

    white = spec.noise.kind == "white" and spec.noise.sigma2 > 0
    if covariance == "zero-frequency":
        if not white:
            return None, ""
        # sigma2 <phi'(x)^2>, the instantaneous gain squared (not <phi'>^2: a factor 3 apart for x**3)
        dphi2 = float(result.extras.get("mean_sq_gain", 1.0))
        tau = float(spec.populations[0].tau.value) if spec.populations[0].tau.kind == "constant" else 1.0
        cusp = spec.noise.sigma2 / tau**2  # tau dx = ... + xi: the autocovariance's cusp is sigma2 / tau^2
        return {w: sampling_bias(result, cusp, run.sample_every, w, dphi2) for w in ("x", "phi")}, \
            "sampling cusp"
    biases: dict[str, dict[str, float]] = {"x": {}, "phi": {}}
    reasons = []
    if white and step_bias_known(spec, result):
        try:
            biases = white_noise_step_biases(_sized_spec(spec, run), result, spec.noise.sigma2, run.dt, run.method,
                                             seed=run.seed)
            reasons.append(STEP_BIAS_REASON)
        except (SpecError, ConvergenceError):  # the map DMFT finds no state (x**3, whose metastable state its
            pass  # largest-root search misses): the step bias stays unknown
    if estimator_mean(spec) is None:
        for w, terms in centring_bias(spec, result, run.N, run.T * run.trials).items():
            biases[w] = {k: biases[w].get(k, 0.0) + v for k, v in terms.items()}
        reasons.append("estimated-mean centring")
    return (biases, " + ".join(reasons)) if reasons else (None, "")


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


@dataclass(frozen=True)
class ControlledMean:
    """Control-variate estimate of a network mean: ``estimate`` (least-squares intercept of y on controls with mean 0),
    its ``se`` and ``dof`` (n - 1 - controls), the slopes ``beta``, ``variance_ratio`` (plain SE / this SE, squared)
    and ``residual_sd``, the SD of y about the fit (what sizes a study: SE about residual_sd / sqrt(n))."""

    estimate: float
    se: float
    dof: int
    beta: tuple[float, ...]
    variance_ratio: float
    residual_sd: float


def controlled_mean(y: np.ndarray, c: np.ndarray) -> ControlledMean:
    """E y from samples ``y_i`` with controls ``c_i`` (shape (n,) or (n, p)) whose means are 0: the intercept of the
    least-squares fit ``y = a + c beta``, SE ``s sqrt([(X^T X)^-1]_00)`` (s: residual SD with n - 1 - p dof), the
    standard regression control variate (its O(1/n) bias from the fitted beta is far below the SE). Needs n >= p + 3."""
    y = np.asarray(y, float)
    c = np.asarray(c, float).reshape(len(y), -1)
    n, p = c.shape
    if n < p + 3:
        raise SpecError("networks", f"a control-variate mean with {p} control(s) needs >= {p + 3} networks, got {n}")
    X = np.column_stack([np.ones(n), c])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    dof = n - 1 - p
    s2 = float(((y - X @ coef) ** 2).sum() / dof)
    se = math.sqrt(s2 * float(np.linalg.pinv(X.T @ X)[0, 0]))
    plain = float(y.std(ddof=1) / math.sqrt(n))
    ratio = (plain / se) ** 2 if se > 0 else math.inf
    return ControlledMean(float(coef[0]), se, dof, tuple(float(b) for b in coef[1:]), ratio, math.sqrt(s2))


def two_phase_mean(y: np.ndarray, c: np.ndarray, reference: np.ndarray, known: np.ndarray | None = None
                   ) -> ControlledMean:
    """E y from samples ``y_i`` with one control ``c_i`` whose mean is not known but estimated from independent
    ``reference`` samples of the same control (a two-phase control variate): :func:`controlled_mean` on
    ``c - mean(reference)`` (after the ``known`` controls of mean 0, if any: shape (n,) or (n, p)), its variance plus
    ``beta^2 var(reference) / n_ref``, dof by Welch-Satterthwaite. Unbiased for any control; it pays where the
    control is cheap beside y and follows y's spread."""
    y = np.asarray(y, float)
    ref = np.asarray(reference, float).ravel()
    if len(ref) < 2:
        raise SpecError("reference", f"a two-phase control variate needs >= 2 reference samples, got {len(ref)}")
    controls = (np.asarray(c, float).ravel() - ref.mean())[:, None]
    if known is not None:
        controls = np.column_stack([np.asarray(known, float).reshape(len(y), -1), controls])
    cm = controlled_mean(y, controls)
    v_fit = cm.se**2
    v_ref = cm.beta[-1] ** 2 * float(ref.var(ddof=1)) / len(ref)
    se = math.sqrt(v_fit + v_ref)
    denom = v_fit**2 / cm.dof + v_ref**2 / (len(ref) - 1)
    dof = int((v_fit + v_ref) ** 2 / denom) if denom > 0 else cm.dof
    plain = float(y.std(ddof=1) / math.sqrt(len(y)))
    ratio = (plain / se) ** 2 if se > 0 else math.inf
    return ControlledMean(cm.estimate, se, max(dof, 1), cm.beta, ratio, cm.residual_sd)


def network_estimate(arrays: Mapping[str, np.ndarray], which: str, key: str) -> tuple[float, float, int, str]:
    """The network average of ``key`` of ``which`` with its SE, dof and a note: with the static twin in ``arrays``
    (``static_twin_{which}`` of the networks, ``static_twin_reference_{which}`` of reference networks:
    :mod:`~workbench.theories.dimension.static_twin`) the two-phase control-variate mean (:func:`two_phase_mean`);
    with a linear twin the control-variate mean on :func:`twin_controls` (:func:`controlled_mean`); else the plain
    mean over networks."""
    i = DIMENSION_KEYS.index(key)
    y = np.asarray(arrays[which])[:, i]
    if f"static_twin_reference_{which}" in arrays:
        ref = np.asarray(arrays[f"static_twin_reference_{which}"])
        cm = two_phase_mean(y, np.asarray(arrays[f"static_twin_{which}"])[:, i], ref[:, i])
        note = (f"static-twin control variate (the linear twin at each unit's operating point, its mean over "
                f"{len(ref)} reference networks; beta = {cm.beta[0]:.3g}; variance / {cm.variance_ratio:.3g}; plain "
                f"mean {float(y.mean()):.6g})")
        return cm.estimate, cm.se, cm.dof, note
    controls = twin_controls(arrays)
    if controls is None:
        return (*_network_mean(y), "")
    if "twin_flow_reference" in arrays:  # the twin's quenched statistic, its mean over reference networks
        ref = np.asarray(arrays["twin_flow_reference"])
        cm = two_phase_mean(y, np.asarray(arrays["twin_flow"])[:, i], ref[:, i], known=controls[:, i, 0])
        note = (f"linear-twin control variates (twin error, and the twin's flow statistic with its mean over "
                f"{len(ref)} reference networks; beta = {cm.beta[0]:.3g}, {cm.beta[1]:.3g}; variance / "
                f"{cm.variance_ratio:.3g}; plain mean {float(y.mean()):.6g})")
        return cm.estimate, cm.se, cm.dof, note
    if not quenched_control_known(arrays):
        cm = controlled_mean(y, controls[:, i, :1])
        note = (f"linear-twin control variate (twin error; beta = {cm.beta[0]:.3g}; variance / "
                f"{cm.variance_ratio:.3g}; plain mean {float(y.mean()):.6g}; the twin's quenched statistic is not a "
                "control at zero frequency without reference networks: its derived mean is off by 1/N^2 terms)")
        return cm.estimate, cm.se, cm.dof, note
    cm = controlled_mean(y, controls[:, i, :])
    betas = ", ".join(f"{b:.3g}" for b in cm.beta)
    note = (f"linear-twin control variates ({' and '.join(TWIN_CONTROLS)}; beta = {betas}; variance / "
            f"{cm.variance_ratio:.3g}; plain mean {float(y.mean()):.6g})")
    return cm.estimate, cm.se, cm.dof, note


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
    simulated networks (the time-step and sampling bias of the simulator, computed from each J). The network
    average is the control-variate mean when the run holds each network's linear twin (:func:`network_estimate`).
    Tolerance: Student-t over its dof at the false-alarm rate of 4 Gaussian SE.
    """
    if biases is None and "exact_sampled" in arrays:
        d = (np.asarray(arrays["exact_sampled"]) - np.asarray(arrays["exact_flow"])).mean(axis=0)
        per = dict(zip(DIMENSION_KEYS, (float(v) for v in d), strict=True))
        biases, bias_reason = {"x": per, "phi": per}, bias_reason or "exact time-step/sampling bias of these J"
    out = []
    for w in which:
        theory = theory_values(result, w)
        n_mean_cross = float(getattr(result, f"N_mean_cross_{w}", math.nan))
        for key in CHECKED_KEYS:
            est, se, dof, cv_note = network_estimate(arrays, w, key)
            bias = float((biases or {}).get(w, {}).get(key, 0.0))
            population = key == "mean_cross" and math.isfinite(n_mean_cross) and n_mean_cross != 0.0
            theory_se = 0.0
            if population:
                theory[key] += n_mean_cross / run.N
                # an asymmetric state's value holds path averages: their SE joins the estimate's in quadrature
                theory_se = float(getattr(result, "error_estimates", {}).get(f"N_mean_cross_{w}", 0.0)) / run.N
                se = math.hypot(se, theory_se)
            notes = [f"theory = derived O(1/N) mean cross-covariance N_mean_cross / N = {n_mean_cross:.4g} / {run.N}"
                     + (f" (path-average SE {theory_se:.2g} in the SE)" if theory_se else "")
                     if population else "",
                     f"prediction = theory {theory[key]:.6g} + {bias_reason or 'bias'} {bias:.3g}" if bias else "",
                     cv_note]
            out.append(t_stat(f"{label}{key}_{w}", theory[key] + bias, est, se, dof, kind="simulation",
                              note="; ".join(n for n in notes if n), covariance=result.covariance,
                              **run.context()))
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
