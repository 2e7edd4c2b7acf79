"""The stationary DMFT against the reference simulator: the simulation jobs and their comparisons.

Written once, used by the dmft report (:mod:`workbench.theories.dmft.report`) and by the tests
(``tests/theories/dmft/test_sim_vs_theory.py``, ``test_lag_solver.py``). Three studies:

* :class:`DeltaStudy` - Delta(tau) of one-population networks at a few lags. With several sizes N
  the realisation means are fitted by ``a + c/N`` and the intercept is compared with the DMFT
  (k = Student-t quantile of the Welch-Satterthwaite dof at the false-alarm probability of 4
  Gaussian SE), the largest N within k SE + |c|/N; with one N, k SE over (realisation, trial)
  samples plus a stated relative allowance.
* :class:`LyapunovStudy` - the tangent-map exponent per realisation at several N, extrapolated in
  1/N; the spread to the 1/sqrt(N) extrapolation is the systematic term.
* :class:`PopulationStudy` - per-population Delta_a(tau) against the lag-grid solver (several
  populations, OU noise): k SE at N plus the change |y(N) - y(N/2)|, or a relative allowance.

Every Delta estimate is the *uncentred* autocovariance (1/(n - k) normalisation) of a model whose
mean is 0 by symmetry (tanh, no input, J0 = 0), or minus the DMFT's mu_a^2 otherwise: its
expectation is Delta(tau) itself, with none of the centring bias ``-(2/T) int Delta`` of a series
centred by its own time average (:func:`workbench.sim.estimators.centring_bias`), so no allowance
for it enters any tolerance. Each k is reported as a Student-t quantile with its degrees of
freedom and two-sided false-alarm rate (:func:`workbench.sim.checks.t_stat`).

Each study lists its :class:`~workbench.store.RunJob` objects (module-level compute functions below,
pure functions of their parameters) and turns the stored runs into
:class:`~workbench.compare.Comparison` objects. :class:`DMFTChecks` holds the studies of the
report's ``quick`` and ``full`` sizes (:data:`SIZES`). The tolerance rules follow
``shared/theory/dmft.md`` (sections 2.2, 7 and 9).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from workbench.compare import Comparison, FiniteSizeFit, finite_size_fit, student_k
from workbench.sim.checks import t_stat
from workbench.sim.runs import SIM_CODE
from workbench.store import RunJob, StoredRun

__all__ = [
    "DMFTChecks",
    "DMFTTheory",
    "DeltaStudy",
    "LyapunovStudy",
    "PopulationStudy",
    "SIZES",
    "WHITE_NOISE",
    "delta_samples",
    "lyapunov_samples",
    "population_samples",
]

LAGS = (0.0, 2.0, 5.0)
"""Lags at which Delta(tau) is compared in the report's finite-size study."""

LAG_MARGIN = 1.0
"""The autocovariance is estimated up to ``max(lags) + LAG_MARGIN``."""

OU = {"phi": "tanh", "coupling": {"g": 1.5}, "noise": {"kind": "ou", "sigma2": 0.5, "tau": 1.0}}
"""The coloured-noise case: g = 1.5, OU input with sigma2 = 0.5, tau_n = 1."""

SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "fs_g": [1.5, 2.0, 2.5],
        "fs_Ns": [250, 500, 1000, 2000],
        "fs_R": 8,
        "fs_T": 150.0,
        "ly_Ns": [1000, 2000],
        "ly_R": 6,
        "ly_T": 200.0,
        "pop_N": 2000,
        "pop_T": 200.0,
        "pop_seeds": [1, 2],
        "wn_Ns": [250, 500, 1000, 2000],
        "wn_R": 12,
        "wn_T": 150.0,
    },
    "quick": {
        "fs_g": [2.0],
        "fs_Ns": [100, 200],
        "fs_R": 5,
        "fs_T": 60.0,
        "ly_Ns": [100, 200],
        "ly_R": 3,
        "ly_T": 40.0,
        "pop_N": 200,
        "pop_T": 40.0,
        "pop_seeds": [1],
        "wn_Ns": [100, 200, 400, 800],
        "wn_R": 8,
        "wn_T": 100.0,
    },
}
"""Sizes of the report's studies (also the report's build parameters of the same names)."""

WHITE_NOISE = {"g": 1.0, "sigma2": 0.5}
"""The noise-driven case of the ``noise`` study (fast mixing, Delta0 = 0.39167): the check with power.

At the quick sizes (4 N, 8 networks each, T = 100) its tolerances are about 2 % of Delta(0) and
Delta(1), so a theory wrong by 5 % fails (``tests/report/test_power.py``); the chaotic g = 2
studies at the quick sizes have tolerances of 40 % and more (few networks: Student-t with 4 dof).
"""


# ---------------------------------------------------------------------------------------------
# stored simulations (module-level pure functions of their parameters: sent to worker processes)


def delta_samples(p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Uncentred autocovariance at ``p["lags"]`` per realisation and trial, shape (R, trials, n_lags)."""
    from workbench.sim import simulate
    from workbench.sim.estimators import autocorrelation
    from workbench.spec import ModelSpec

    spec = ModelSpec.simple(N=p["N"], g=p["g"], sigma2=p["sigma2"])
    out = []
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
            neurons=min(p["N"], p["neurons"]),
        )
        per_trial = []
        for k in range(p["trials"]):
            lags, C = autocorrelation(
                res.traj[:, :, k : k + 1], dt=p["dt"] * p["stride"], max_lag=max(p["lags"]) + LAG_MARGIN, center=False
            )
            per_trial.append([np.interp(lag, lags, C) for lag in p["lags"]])
        out.append(per_trial)
    return {"D": np.array(out)}


def lyapunov_samples(p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Simulator (tangent-map) largest Lyapunov exponent per realisation."""
    from workbench.sim.lyapunov import lyapunov_exponent
    from workbench.spec import ModelSpec

    spec = ModelSpec.simple(N=p["N"], g=p["g"])
    vals = [
        lyapunov_exponent(
            spec, T=p["T"], dt=p["dt"], trials=p["trials"], seed=p["seed"] + r, burn_in=p["burn_in"]
        ).value
        for r in range(p["R"])
    ]
    return {"lam": np.array(vals)}


def population_samples(p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Per-population uncentred autocovariance, one sample per (seed, trial): shape (S, P, n_lags)."""
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
        )
        for k in range(p["trials"]):
            lags, C = population_autocorrelation(
                res.traj[:, :, k : k + 1], spec.sizes, dt=p["dt"] * p["stride"], max_lag=p["max_lag"]
            )
            out.append(C)
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
        """The solver for ``spec``'s structure (compiled now if new)."""
        key = self._key(spec)
        if key not in self._solvers:
            from workbench.theories.dmft.problem import DMFTProblem

            self._solvers[key] = DMFTProblem(spec).build_solver()
        return self._solvers[key]

    def solve(self, spec: Any) -> Any:
        """The DMFT result at ``spec``."""
        return self.solver(spec).solve(spec)


def _run(runs: Mapping[RunJob, StoredRun], job: RunJob) -> StoredRun:
    try:
        return runs[job]
    except KeyError:
        raise KeyError(f"the run {job.title!r} ({job.kind}) is not among the given runs") from None


def _mean_se(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over the first axis and its standard error (ddof = 1)."""
    return samples.mean(axis=0), samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])


# ---------------------------------------------------------------------------------------------
# studies


@dataclass(frozen=True)
class DeltaStudy:
    """Delta(tau) of one-population networks (tanh, ``g``, white noise ``sigma2``) at ``lags``.

    ``realisations`` networks at each size in ``Ns``; realisation r at size ``Ns[i]`` has seed
    ``seeds[i] + r``; ``T`` is the averaging time after ``burn_in``. With several sizes the
    realisation means are extrapolated (``k`` unused: Student-t quantiles); with one size the
    tolerance is ``k`` SE over (realisation, trial) samples plus ``bias_rel |theory|``.
    """

    g: float
    Ns: tuple[int, ...]
    seeds: tuple[int, ...]
    realisations: int
    T: float
    lags: tuple[float, ...] = LAGS
    sigma2: float = 0.0
    burn_in: float = 50.0
    dt: float = 0.1
    trials: int = 2
    stride: int = 2
    neurons: int = 400
    k: float = 4.0
    bias_rel: float = 0.0
    bias_reason: str = ""

    def spec(self, N: int | None = None) -> Any:
        """The model spec at size ``N`` (default: the largest)."""
        from workbench.spec import ModelSpec

        return ModelSpec.simple(N=int(N or self.Ns[-1]), g=self.g, sigma2=self.sigma2)

    def jobs(self) -> list[RunJob]:
        """One job per size."""
        return [
            RunJob(
                "dmft.delta-finite-size",
                {
                    "N": int(N),
                    "g": float(self.g),
                    "sigma2": float(self.sigma2),
                    "R": int(self.realisations),
                    "T": float(self.T),
                    "burn_in": float(self.burn_in),
                    "dt": float(self.dt),
                    "trials": int(self.trials),
                    "stride": int(self.stride),
                    "neurons": int(self.neurons),
                    "seed": int(seed),
                    "lags": [float(v) for v in self.lags],
                },
                delta_samples,
                (*SIM_CODE, delta_samples),
                f"Delta(tau) g={self.g:g} N={N}",
            )
            for N, seed in zip(self.Ns, self.seeds, strict=True)
        ]

    def estimates(self, runs: Mapping[RunJob, StoredRun]) -> tuple[np.ndarray, np.ndarray]:
        """Realisation means and their SEs, shape (n_sizes, n_lags) each."""
        means, ses = [], []
        for job in self.jobs():
            D = np.asarray(_run(runs, job)["D"]).mean(axis=1)  # mean over trials: one value per realisation
            m, se = _mean_se(D)
            means.append(m)
            ses.append(se)
        return np.array(means), np.array(ses)

    def fits(self, runs: Mapping[RunJob, StoredRun]) -> list[FiniteSizeFit]:
        """Weighted fits ``a + c/N`` of the realisation means, one per lag (needs >= 2 sizes)."""
        means, ses = self.estimates(runs)
        return [
            finite_size_fit(self.Ns, means[:, li], ses[:, li], samples=self.realisations)
            for li in range(len(self.lags))
        ]

    def comparisons(self, theory: DMFTTheory, runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        """Delta(lag) against the DMFT (see the class docstring for the two tolerance rules)."""
        th = theory.solve(self.spec())
        thv = [float(th.Delta_at(np.array([lag]))[0]) for lag in self.lags]
        if len(self.Ns) >= 2:
            return self._extrapolated(thv, runs)
        return self._fixed_size(thv, runs)

    def _extrapolated(self, thv: list[float], runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        means, ses = self.estimates(runs)
        k_fs = student_k(self.realisations)
        Nmax = self.Ns[-1]
        ctxd = {"g": self.g, "Ns": list(self.Ns), "realisations": self.realisations, "T": self.T, "dt": self.dt}
        out = []
        for li, (lag, fit) in enumerate(zip(self.lags, self.fits(runs), strict=True)):
            name = f"Delta({lag:g}) g={self.g:g}" + (f" sigma2={self.sigma2:g}" if self.sigma2 else "")
            out.append(t_stat(f"{name} [N->inf]", thv[li], fit.a, fit.se_a, fit.dof, **ctxd, kind="simulation"))
            out.append(
                t_stat(
                    f"{name} [N={Nmax}]",
                    thv[li],
                    means[-1, li],
                    ses[-1, li],
                    self.realisations - 1,
                    k=k_fs,
                    bias=abs(fit.c) / Nmax,
                    bias_reason=f"fitted |c|/N (c = {fit.c:.3g})",
                    **ctxd,
                    kind="simulation",
                )
            )
        return out

    def _fixed_size(self, thv: list[float], runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        (job,) = self.jobs()
        D = np.asarray(_run(runs, job)["D"])
        samples = D.reshape(-1, D.shape[-1])  # one sample per (realisation, trial)
        m, se = _mean_se(samples)
        seeds = [self.seeds[0] + r for r in range(self.realisations)]
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
    chaotic: the estimate is the intercept of a fit ``a + c/N`` (``k`` SE(a), Student-t from the
    fit's dof when ``k`` is None) with the spread to the ``a + c/sqrt(N)`` intercept as the
    systematic term (the finite-size form is not known).
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

    def jobs(self) -> list[RunJob]:
        """One job per size."""
        return [
            RunJob(
                "dmft.lyapunov-finite-size",
                {
                    "N": int(N),
                    "g": float(self.g),
                    "R": int(self.realisations),
                    "T": float(self.T),
                    "dt": float(self.dt),
                    "trials": int(self.trials),
                    "burn_in": float(self.burn_in),
                    "seed": int(seed),
                },
                lyapunov_samples,
                (*SIM_CODE, lyapunov_samples),
                f"Lyapunov exponent N={N}",
            )
            for N, seed in zip(self.Ns, self.seeds, strict=True)
        ]

    def estimates(self, runs: Mapping[RunJob, StoredRun]) -> tuple[list[float], list[float]]:
        """Realisation mean and SE per size."""
        lm, lse = [], []
        for job in self.jobs():
            lam = np.asarray(_run(runs, job)["lam"])
            lm.append(float(lam.mean()))
            lse.append(float(lam.std(ddof=1) / np.sqrt(lam.size)))
        return lm, lse

    def fits(self, runs: Mapping[RunJob, StoredRun]) -> tuple[FiniteSizeFit, FiniteSizeFit]:
        """The fits ``a + c/N`` and ``a + c/sqrt(N)`` (the latter as a fit in sqrt(N))."""
        lm, lse = self.estimates(runs)
        fit = finite_size_fit(self.Ns, lm, lse, samples=self.realisations)
        return fit, finite_size_fit(np.asarray(self.Ns, dtype=float) ** 0.5, lm, lse)

    def comparisons(self, theory: DMFTTheory, runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        """The extrapolated exponent against the DMFT's (ground state of the derived Schroedinger operator)."""
        from workbench.spec import ModelSpec

        lam_th = theory.solve(ModelSpec.simple(N=self.Ns[-1], g=self.g)).lyapunov
        fit, fit_sqrt = self.fits(runs)
        return [
            t_stat(
                f"lambda_max g={self.g:g} [N->inf]",
                lam_th,
                fit.a,
                fit.se_a,
                fit.dof,
                k=self.k,
                bias=abs(fit_sqrt.a - fit.a),
                bias_reason="|1/sqrt(N) - 1/N extrapolation|",
                Ns=list(self.Ns),
                realisations=self.realisations,
                T=self.T,
                dt=self.dt,
                kind="simulation",
            )
        ]


@dataclass(frozen=True)
class PopulationStudy:
    """Per-population Delta_a(tau) of a network ``spec`` (a ModelSpec dict without N) against the DMFT.

    ``len(seeds)`` networks x ``trials`` trials at each size in ``Ns`` (same seeds at every size).
    Tolerance: ``k`` SE over (seed, trial) samples at the largest N, plus ``|y(N) - y(N')|`` for a
    second, smaller size N' (the finite-size change, which also carries the network-to-network
    scatter that an SE over trials of few networks misses), or ``bias_rel * theory`` with one size.
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
    lags: tuple[float, ...] = (0.0, 1.0, 3.0)
    k: float = 4.0
    bias_rel: float = 0.0
    bias_reason: str = ""

    def model(self, N: int | None = None) -> Any:
        """The ModelSpec at size ``N`` (default: the largest)."""
        from workbench.spec import ModelSpec

        return ModelSpec.from_dict({**self.spec, "N": int(N or self.Ns[-1])})

    def jobs(self) -> list[RunJob]:
        """One job per size."""
        return [
            RunJob(
                "dmft.population-autocov",
                {
                    "spec": {k: v for k, v in self.spec.items() if k != "N"},
                    "N": int(N),
                    "T": float(self.T),
                    "burn_in": float(self.burn_in),
                    "dt": float(self.dt),
                    "stride": int(self.stride),
                    "trials": int(self.trials),
                    "seeds": [int(s) for s in self.seeds],
                    "max_lag": float(self.max_lag),
                },
                population_samples,
                (*SIM_CODE, population_samples),
                f"{self.label} N={N}",
            )
            for N in self.Ns
        ]

    def samples(self, theory_result: Any, runs: Mapping[RunJob, StoredRun]) -> tuple[np.ndarray, list[np.ndarray]]:
        """``(lags, [Delta samples (S, P, n_lags) per size])``: the uncentred estimates minus mu_a^2."""
        mu2 = np.asarray(theory_result.mu, dtype=float)[None, :, None] ** 2
        stored = [_run(runs, job) for job in self.jobs()]
        return np.asarray(stored[-1]["lags"]), [np.asarray(r["C"]) - mu2 for r in stored]

    def comparisons(self, theory: DMFTTheory, runs: Mapping[RunJob, StoredRun]) -> list[Comparison]:
        """Delta_a(lag) per population against the lag-grid DMFT."""
        th = theory.solve(self.model())
        lg, per_size = self.samples(th, runs)
        big = per_size[-1]
        ctxd = {"N": self.Ns[-1], "seeds": list(self.seeds), "trials": self.trials, "T": self.T, "dt": self.dt}
        out = []
        for a, name in enumerate(th.populations):
            m, se = _mean_se(big[:, a, :])
            for lag in self.lags:
                i = int(np.argmin(np.abs(lg - lag)))
                thv = float(th.Delta_at(np.array([lg[i]]), a)[0])
                if len(self.Ns) >= 2:
                    bias, why = (
                        abs(m[i] - per_size[0][:, a, i].mean()),
                        self.bias_reason
                        or (
                            "|y(N) - y(N/2)|: finite-size change and the network-to-network scatter "
                            "that the SE over trials of few networks misses"
                        ),
                    )
                else:
                    bias, why = self.bias_rel * thv, self.bias_reason
                out.append(
                    t_stat(
                        f"{self.label}: Delta_{name}({lg[i]:g})",
                        thv,
                        m[i],
                        se[i],
                        big.shape[0] - 1,
                        k=self.k,
                        bias=bias,
                        bias_reason=why,
                        **ctxd,
                        kind="simulation",
                    )
                )
        return out


Study = DeltaStudy | LyapunovStudy | PopulationStudy


def report_studies(P: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The report's studies at sizes ``P`` (an entry of :data:`SIZES`): ``delta``, ``lyapunov``, ``populations``,
    ``noise`` (the white-noise case :data:`WHITE_NOISE`, four sizes)."""
    from workbench.spec import preset

    delta = [
        DeltaStudy(
            g=float(g),
            Ns=tuple(int(n) for n in P["fs_Ns"]),
            seeds=tuple(1000 + 100 * gi + int(n) for n in P["fs_Ns"]),
            realisations=int(P["fs_R"]),
            T=float(P["fs_T"]),
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
        )
    ]
    cases = [("E/I (preset ei)", preset("ei").to_dict()), ("OU noise, g = 1.5, tau_n = 1", OU)]
    pops = [
        PopulationStudy(
            label=label,
            spec={k: v for k, v in sd.items() if k != "N"},
            Ns=(int(P["pop_N"]) // 2, int(P["pop_N"])),
            seeds=tuple(3000 + 10 * ci + int(s) for s in P["pop_seeds"]),
            T=float(P["pop_T"]),
        )
        for ci, (label, sd) in enumerate(cases)
    ]
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
            lags=(0.0, 1.0, 3.0),
        )
    ]
    return {"delta": delta, "lyapunov": lyap, "populations": pops, "noise": noise}


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
