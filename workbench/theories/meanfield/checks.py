"""The transient mean field against finite-N networks: the simulation jobs and their comparisons.

Written once, used by the meanfield-transient report (:mod:`workbench.theories.meanfield.report`)
and by ``tests/theories/meanfield/test_network.py``. One study, :class:`NetworkStudy`: for one
coupling mean J and weight law (Gaussian or Rademacher), ``realisations`` networks at each size N
(:func:`workbench.theories.meanfield.network.simulate_network`, the same dt and left-point rule as
the theory). For m(t), K(t,t) at ``times`` and K(t_last, t_first) the realisation means are fitted
by ``a + c/N`` (weights 1/SE^2, SE from the realisation scatter); the intercept must match the
closure within k SE(a), k the Student-t quantile (R - 1 dof) with the false-alarm probability of 4
Gaussian SE, and the largest-N mean within k SE + |c|/N (the fitted finite-size term).
See ``shared/theory/meanfield-transient.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.compare import Comparison, FiniteSizeFit, finite_size_fit, student_k
from workbench.sim.checks import t_stat
from workbench.sim.runs import with_precision
from workbench.store import RunJob, StoredRun

__all__ = ["SIZES", "MeanFieldChecks", "NetworkStudy", "network_samples"]

FT_JS = (-6, 0, 2)
"""The coupling means of the Faugeras-Tanre figure (sigma = lambda = 1)."""

SIZES: dict[str, dict[str, Any]] = {
    "full": {"dt": 0.05, "seed": 0, "fs_Ns": [500, 1000, 2000, 4000], "fs_realisations": 12, "dtype": "float32"},
    "quick": {"dt": 0.1, "seed": 0, "fs_Ns": [125, 250, 500, 1000], "fs_realisations": 12, "dtype": "float32"},
}
"""Sizes of the report's finite-size studies (also its build parameters of the same names)."""


def network_samples(p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Per-realisation ``m_N(t)`` and ``K_N(t, s)`` of one network size at the grid times ``p["times"]``."""
    from workbench.theories.meanfield.network import simulate_network
    from workbench.theories.meanfield.problem import TransientProblem

    problem = TransientProblem(J=p["J"], dt=p["dt"], T=p["T"])
    net = simulate_network(problem, N=p["N"], realisations=p["realisations"], seed=p["seed"], weights=p["weights"],
                           dtype=p.get("dtype", "float64"))
    idx = [int(round(t / problem.dt)) for t in p["times"]]
    return {"m": net.m[:, idx], "K": net.K[:, idx][:, :, idx]}


def closure_theory(problem: Any) -> Any:
    """The reference theory of a problem: the Gaussian closure."""
    from workbench.theories.meanfield.closure import solve_closure

    return solve_closure(problem)


@dataclass(frozen=True)
class NetworkStudy:
    """Networks of sizes ``Ns`` (``realisations`` each, seed ``seed + 1000 i`` at ``Ns[i]``) for one J and weight law.

    ``k`` None: the Student-t quantile of ``realisations - 1`` dof at the false-alarm probability
    of 4 Gaussian SE (the SEs come from few realisations).
    """

    J: float
    weights: str
    Ns: tuple[int, ...]
    realisations: int
    seed: int
    dt: float
    T: float = 10.0
    times: tuple[float, ...] = (1.0, 5.0)
    k: float | None = None
    dtype: str = "float64"

    def problem(self) -> Any:
        """The :class:`~workbench.theories.meanfield.problem.TransientProblem` of the study."""
        from workbench.theories.meanfield.problem import TransientProblem

        return TransientProblem(J=self.J, dt=self.dt, T=self.T)

    def jobs(self) -> list[RunJob]:
        """One job per network size."""
        code = ("workbench.theories.meanfield", "workbench.sim", "workbench.spec", network_samples)
        return [
            RunJob(
                "meanfield.network",
                with_precision({
                    "J": self.J,
                    "dt": float(self.dt),
                    "T": float(self.T),
                    "N": int(N),
                    "realisations": int(self.realisations),
                    "seed": int(self.seed + 1000 * i),
                    "weights": self.weights,
                    "times": [float(t) for t in self.times],
                }, self.dtype),
                network_samples,
                code,
                f"networks J={self.J:g} {self.weights} N={N}",
            )
            for i, N in enumerate(self.Ns)
        ]

    def quantities(self) -> list[tuple[str, str, int, int]]:
        """``(name, array, i, j)`` of the compared quantities (indices into ``times``)."""
        n = len(self.times)
        out = [(f"m({t:g})", "m", i, i) for i, t in enumerate(self.times)]
        out += [(f"K({t:g},{t:g})", "K", i, i) for i, t in enumerate(self.times)]
        if n >= 2:
            out.append((f"K({self.times[-1]:g},{self.times[0]:g})", "K", n - 1, 0))
        return out

    def estimates(self, runs: Mapping[RunJob, StoredRun]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per quantity: realisation means and SEs (floored at 1e-12) at each size."""
        stored = [runs[job] for job in self.jobs()]
        out = {}
        for name, arr, i, j in self.quantities():
            samples = [np.asarray(r["m"])[:, i] if arr == "m" else np.asarray(r["K"])[:, i, j] for r in stored]
            ys = np.array([s.mean() for s in samples])
            ses = np.array([max(s.std(ddof=1) / np.sqrt(s.size), 1e-12) for s in samples])
            out[name] = (ys, ses)
        return out

    def fits(self, runs: Mapping[RunJob, StoredRun]) -> dict[str, FiniteSizeFit]:
        """Per quantity: the weighted fit ``a + c/N``."""
        return {name: finite_size_fit(self.Ns, ys, ses) for name, (ys, ses) in self.estimates(runs).items()}

    def theory_values(self, result: Any) -> dict[str, float]:
        """Per quantity: the theory value from a result on the study's grid."""
        grid = [result.index(t) for t in self.times]
        return {
            name: float(result.m[grid[i]] if arr == "m" else result.K[grid[i], grid[j]])
            for name, arr, i, j in self.quantities()
        }

    def comparisons(
        self, theory: Callable[[Any], Any], runs: Mapping[RunJob, StoredRun], direct: bool = True
    ) -> list[Comparison]:
        """Intercepts ``[N->inf]`` against the theory, then (``direct``) the largest N with ``|c|/N``."""
        k = self.k if self.k is not None else student_k(max(int(self.realisations), 2))
        th = self.theory_values(theory(self.problem()))
        est, fits = self.estimates(runs), self.fits(runs)
        ctx = {"Ns": list(self.Ns), "dt": self.dt, "realisations": self.realisations, "seed": self.seed}
        ctx["weights"] = self.weights
        tag = f"J={self.J:g} {self.weights}"
        dof = max(int(self.realisations), 2) - 1
        out = [
            t_stat(f"{q} [N->inf] {tag}", th[q], f.a, f.se_a, dof, k=k, **ctx, kind="simulation")
            for q, f in fits.items()
        ]
        if direct:
            Nmax = self.Ns[-1]
            for q, f in fits.items():
                ys, ses = est[q]
                reason = f"fitted finite-size term |c|/N (c={f.c:.3g})"
                name = f"{q} [N={Nmax}] {tag}"
                out.append(
                    t_stat(
                        name,
                        th[q],
                        ys[-1],
                        ses[-1],
                        dof,
                        k=k,
                        bias=abs(f.c) / Nmax,
                        bias_reason=reason,
                        **ctx,
                        kind="simulation",
                    )
                )
        return out


def report_studies(P: Mapping[str, Any]) -> list[NetworkStudy]:
    """The report's studies at sizes ``P`` (an entry of :data:`SIZES`): J = -6, 0, 2, both weight laws."""
    return [
        NetworkStudy(
            J=J,
            weights=w,
            Ns=tuple(int(n) for n in P["fs_Ns"]),
            realisations=int(P["fs_realisations"]),
            seed=int(P["seed"]) + 100 + 10 * i + (w == "rademacher"),
            dt=float(P["dt"]),
            dtype=str(P.get("dtype", "float64")),
        )
        for i, J in enumerate(FT_JS)
        for w in ("gaussian", "rademacher")
    ]


class MeanFieldChecks:
    """The transient mean field's checks against networks (implements :class:`~workbench.theories.base.Checks`).

    Parameters
    ----------
    quick, full : sequence of NetworkStudy, optional
        The studies of each size; default: the report's (:func:`report_studies` of :data:`SIZES`).
    direct : bool
        Also compare the largest-N means (with the fitted finite-size term), not only the intercepts.
    """

    def __init__(
        self,
        quick: Sequence[NetworkStudy] | None = None,
        full: Sequence[NetworkStudy] | None = None,
        direct: bool = True,
    ) -> None:
        self._given = {"quick": quick, "full": full}
        self.direct = direct

    def studies(self, size: str) -> list[NetworkStudy]:
        """The studies of ``size`` (``"quick"`` or ``"full"``)."""
        if size not in SIZES:
            from workbench.errors import SpecError

            raise SpecError("size", f"must be 'quick' or 'full', got {size!r}")
        if self._given[size] is not None:
            return list(self._given[size])
        if any(v is not None for v in self._given.values()):
            return []
        return report_studies(SIZES[size])

    def jobs(self, size: str = "quick") -> list[RunJob]:
        """The network simulations of ``size``."""
        return [job for st in self.studies(size) for job in st.jobs()]

    def comparisons(
        self, theory: Callable[[Any], Any] | None, runs: Mapping[RunJob, StoredRun], size: str | None = None
    ) -> list[Comparison]:
        """Every study (of ``size``, default: any) whose runs are all in ``runs``; ``theory`` maps a problem to
        its result (default: the Gaussian closure)."""
        theory = theory if theory is not None else closure_theory
        seen: list[NetworkStudy] = []
        for sz in [size] if size is not None else list(SIZES):
            seen += [st for st in self.studies(sz) if st not in seen and all(j in runs for j in st.jobs())]
        if not seen:
            raise KeyError("none of the studies has all its runs among the given runs")
        return [c for st in seen for c in st.comparisons(theory, runs, self.direct)]
