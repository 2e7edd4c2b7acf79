"""The reference simulator against exact results: parameters, stored runs and comparisons.

Written once for the simulator report (:mod:`workbench.report.sections.simulator`), which adds
the equations, tables and figures; anything else that wants the same numbers uses these functions.

* :class:`LinearCovariance` - the linear network's simulated equal-time covariance against the
  exact covariance of the integrator (discrete Lyapunov equation) for the same coupling matrix,
  less the exact centring bias: the known biases are in the prediction, the tolerance is ``K_SE``
  standard errors over trials (a Student-t quantile with its false-alarm rate, :func:`t_stat`);
  the spread of the entries is checked against its exact variance (:func:`sample_covariance_moments`);
* :func:`reference_check` - the fast simulator against the plain-NumPy reference stepper;
* :func:`symmetry_check` - the chaotic network's population mean against zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.linalg as sla

from workbench.compare import Comparison, compare_abs, compare_stat, student_k

__all__ = [
    "K_SE",
    "LinearCovariance",
    "linear_params",
    "reference_check",
    "reference_params",
    "sample_covariance_moments",
    "step_noise_check",
    "student_reason",
    "symmetry_check",
    "t_stat",
]

K_SE = 4.0
"""Standard errors in a statistical tolerance (Gaussian two-sided false-alarm 6e-5; each check states its Student-t rate)."""



def student_reason(k: float, dof: float) -> str:
    """``"k = ... = t_nu(1 - p/2) with nu = ... dof, two-sided false-alarm rate p = ..."``: the SE multiplier as a
    Student-t quantile."""
    from scipy import stats

    p = float(2 * stats.t.sf(k, dof)) if math.isfinite(dof) else float(2 * stats.norm.sf(k))
    nu = f"{dof:.3g}" if math.isfinite(dof) else "inf"
    return f"k = {k:.3g} = t_nu(1 - p/2) with nu = {nu} dof, two-sided false-alarm rate p = {p:.2g}"


def t_stat(
    quantity: str,
    theory: float,
    estimate: float,
    stderr: float,
    dof: float,
    k: float | None = None,
    bias: float = 0.0,
    bias_reason: str = "",
    note: str = "",
    **context: Any,
) -> Comparison:
    """:func:`~workbench.compare.compare_stat` with an SE of ``dof`` degrees of freedom; the reason states
    ``k`` as a Student-t quantile and its false-alarm rate (then ``note``). ``k`` None: the quantile at
    the false-alarm rate of 4 Gaussian SE (:func:`~workbench.compare.student_k`)."""
    k = student_k(dof=dof) if k is None else k
    c = compare_stat(quantity, theory, estimate, stderr, k=k, bias=bias, bias_reason=bias_reason, **context)
    reason = "k SE" + (f" + {bias_reason or 'systematic'} {abs(bias):.3g}" if bias else "")
    reason += f" ({student_reason(k, dof)}; SE = {stderr:.3g})"
    return replace(c, reason=f"{reason}; {note}" if note else reason)


def linear_params(P: Mapping[str, Any]) -> dict[str, Any]:
    """Run parameters of the linear network from the report parameters ``lin_*`` (T includes burn-in)."""
    return {
        "N": P["lin_N"],
        "g": P["lin_g"],
        "sigma2": P["lin_sigma2"],
        "dt": P["lin_dt"],
        "T": P["lin_T"] + P["lin_burn_in"],
        "burn_in": P["lin_burn_in"],
        "stride": P["lin_stride"],
        "trials": P["lin_trials"],
        "seed": P["lin_seed"],
    }


def reference_params(seed: int) -> dict[str, Any]:
    """Run parameters of the fast-against-reference stepper check (a small noisy tanh network)."""
    return {"N": 50, "g": 1.5, "sigma2": 0.3, "dt": 0.05, "T": 20.0, "trials": 3, "seed": seed}


@dataclass(frozen=True)
class LinearCovariance:
    """Simulated covariance of the linear network (``C_trials``, K x N x N, duration ``T``) and its exact theory.

    ``C_cont`` solves the continuous Lyapunov equation, ``C_disc`` the discrete one of the
    exponential-Euler step (coefficients ``a``, ``q2``): the exact stationary covariance of the
    integrator. ``C_center`` is the exact variance of a trial's time average over its ``n_rec``
    recorded samples (each trial is centred by it), ``V`` the exact variance of one trial's
    covariance entries (Isserlis: the process is Gaussian). The prediction of a trial's covariance
    is :attr:`C_theory` = ``C_disc - C_center``: both biases are in the prediction, not the tolerance.
    """

    p: Mapping[str, Any]
    T: float
    J: np.ndarray
    C_trials: np.ndarray
    n_rec: int
    C_cont: np.ndarray
    C_disc: np.ndarray
    C_center: np.ndarray
    V: np.ndarray

    @classmethod
    def from_run(cls, run: Any, p: Mapping[str, Any], T: float, a: float, q2: float) -> LinearCovariance:
        """Theory for the stored run's J (duration ``T`` after burn-in), step coefficients ``a``, ``q2`` (tau = 1)."""
        Jn = run["J"]
        n = Jn.shape[0]
        n_rec = int(run["n_rec"])
        C_cont = sla.solve_continuous_lyapunov(Jn - np.eye(n), -p["sigma2"] * np.eye(n))
        M = a * np.eye(n) + (1 - a) * Jn
        C_disc = sla.solve_discrete_lyapunov(M, q2 * np.eye(n))
        C_center, V = sample_covariance_moments(C_disc, np.linalg.matrix_power(M, int(p["stride"])), n_rec)
        return cls(p, T, Jn, run["cov_trials"], n_rec, C_cont, C_disc, C_center, V)

    @property
    def K(self) -> int:
        """Number of trials."""
        return int(self.C_trials.shape[0])

    @property
    def n(self) -> int:
        """Number of neurons."""
        return int(self.C_trials.shape[1])

    @property
    def C_theory(self) -> np.ndarray:
        """Exact mean of a trial's centred covariance: ``C_disc - C_center``."""
        return self.C_disc - self.C_center

    @property
    def C_hat(self) -> np.ndarray:
        """Mean of the per-trial covariances."""
        return self.C_trials.mean(axis=0)

    @property
    def SE(self) -> np.ndarray:
        """Standard error of :attr:`C_hat` over trials."""
        return self.C_trials.std(axis=0, ddof=1) / np.sqrt(self.K)

    @property
    def trace_per_trial(self) -> np.ndarray:
        """Mean variance ``(1/N) tr C`` of each trial."""
        return np.trace(self.C_trials, axis1=1, axis2=2) / self.n

    @property
    def z(self) -> np.ndarray:
        """Normalised deviations ``(C_hat - C_theory) / SE`` of the upper-triangle entries."""
        return ((self.C_hat - self.C_theory) / self.SE)[np.triu_indices(self.n)]

    def context(self) -> dict[str, Any]:
        """Run context attached to every comparison."""
        return {"N": self.n, "K": self.K, "T": self.T, "dt": self.p["dt"], "seed": self.p["seed"]}

    def _t(self, name: str, theory: float, per_trial: np.ndarray, note: str) -> Comparison:
        """Per-trial values against ``theory``: mean within ``K_SE`` Student-t standard errors over trials."""
        return t_stat(
            name,
            theory,
            float(per_trial.mean()),
            float(per_trial.std(ddof=1) / np.sqrt(self.K)),
            self.K - 1,
            k=K_SE,
            note=note,
            **self.context(),
            kind="simulation",
        )

    def checks(self) -> list[Comparison]:
        """Mean variance, population-mean variance, one variance and the spread of all entries about theory."""
        n, Ck, Ct = self.n, self.C_trials, self.C_theory
        ones = np.ones(n)
        bias_note = "prediction: exact covariance of the integrator less the exact centring bias"
        return [
            self._t("mean variance, tr C / N", float(np.trace(Ct) / n), self.trace_per_trial, bias_note),
            self._t(
                "population-mean variance times N (sum of all C_ij / N)",
                float(ones @ Ct @ ones / n),
                np.einsum("i,kij,j->k", ones, Ck, ones) / n,
                bias_note + "; of order 1, where the mean cross-covariance is of order 1/N",
            ),
            self._t("variance of neuron 1, C_11", float(Ct[0, 0]), Ck[:, 0, 0], bias_note),
            *self._spread_checks(),
        ]

    def _spread_checks(self) -> list[Comparison]:
        """Mean squared deviation of a trial's entries from theory against their exact (Isserlis) variance."""
        dev2 = (self.C_trials - self.C_theory) ** 2
        diag = np.eye(self.n, dtype=bool)
        upper = np.triu(np.ones((self.n, self.n), dtype=bool), 1)
        note = "theory: exact sampling variance of a trial's entries (Isserlis); an error in C adds its square"
        return [
            self._t(f"mean squared deviation of a trial's {what}", float(self.V[sel].mean()), dev2[:, sel].mean(1), note)
            for what, sel in (("variances C_ii", diag), ("covariances C_ij (i < j)", upper))
        ]


def sample_covariance_moments(C0: np.ndarray, P: np.ndarray, n: int, rtol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Exact variance of the time average and of the sample covariance of a stationary Gaussian AR(1) series.

    ``C0`` is the stationary covariance, ``P`` the propagator between two of the ``n`` samples (lag-m
    covariance ``P^m C0``). Returns ``(Var xbar, Var C_hat)``: ``(1/n) sum_m (1 - |m|/n) C_m`` and, by
    Isserlis, ``(1/n) sum_m (1 - |m|/n) (C_m,ii C_m,jj + C_m,ij C_m,ji)``; the sums stop where ``|C_m|``
    falls below ``rtol |C_0|`` (terms of relative order 1/n from centring are neglected in the second).
    """
    var_mean = C0.copy()
    var_cov = np.outer(np.diag(C0), np.diag(C0)) + C0 * C0.T
    Cm, scale = C0, np.abs(C0).max()
    for m in range(1, n):
        Cm = P @ Cm
        w = 2.0 * (1.0 - m / n)
        var_mean += 0.5 * w * (Cm + Cm.T)
        var_cov += w * (np.outer(np.diag(Cm), np.diag(Cm)) + Cm * Cm.T)
        if np.abs(Cm).max() < rtol * scale:
            break
    return var_mean / n, var_cov / n


def step_noise_check(q2: float, dt: float, sigma2: float) -> Comparison:
    """The step noise variance ``q2`` (from the formula shown) against the simulator's own coefficient."""
    from workbench.sim import step_coefficients

    _, _, nf_sim = step_coefficients(np.array([1.0]), dt, sigma2, "exp", True)
    return compare_abs(
        "step noise variance q^2 (formula shown vs simulator)",
        q2,
        float(nf_sim[0] ** 2),
        1e-14,
        "same formula, float64 round-off",
        dt=dt,
        kind="exact",
    )


def reference_check(ref: Any, rp: Mapping[str, Any]) -> Comparison:
    """Fast against reference stepper (stored run ``ref`` of parameters ``rp``): round-off only."""
    return compare_abs(
        "fast vs reference stepper, max |x_fast - x_ref|",
        0.0,
        float(ref["max_abs_diff"]),
        1e-10 * max(1.0, float(ref["scale"])),
        "same injected noise and initial state: float64 round-off only (different summation order)",
        N=rp["N"],
        K=rp["trials"],
        steps=int(rp["T"] / rp["dt"]),
        phi="tanh",
        seed=rp["seed"],
        kind="exact",
    )


def symmetry_check(run: Any, N: int, T: float, seed: int) -> Comparison:
    """Chaos run of N neurons: the time- and trial-averaged population mean against 0 (symmetry x -> -x)."""
    pm = run["popmean"].mean(axis=0)  # time average of the population mean, per trial
    K = run["traj"].shape[2]
    return t_stat(
        "population mean of x (symmetry)",
        0.0,
        float(pm.mean()),
        float(pm.std(ddof=1) / np.sqrt(K)),
        K - 1,
        k=K_SE,
        N=N,
        K=K,
        T=T,
        seed=seed,
        kind="simulation",
    )
