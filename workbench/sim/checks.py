"""The reference simulator against exact results: parameters, stored runs and comparisons.

Written once for the simulator report (:mod:`workbench.report.sections.simulator`), which adds
the equations, tables and figures; anything else that wants the same numbers uses these functions.

* :class:`LinearCovariance` - the linear network's simulated equal-time covariance against the
  continuous and discrete Lyapunov solutions for the same coupling matrix: the exact time-step
  and centring biases are subtracted from the estimate, the tolerance is ``K_SE`` standard errors
  over trials (reported as a Student-t quantile with its false-alarm rate, :func:`t_stat`);
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
    "step_noise_check",
    "student_reason",
    "symmetry_check",
    "t_stat",
]

K_SE = 4.0
"""Standard errors in a statistical tolerance (two-sided false-alarm probability ~6e-5 per check)."""

BIAS_REASON = "time step and centring bias"


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
    exponential-Euler step (coefficients ``a``, ``q2``); ``C_bias`` is their difference less the
    bias of centring each trial by its own time average over the recorded duration.
    """

    p: Mapping[str, Any]
    T: float
    J: np.ndarray
    C_trials: np.ndarray
    n_rec: int
    C_cont: np.ndarray
    C_disc: np.ndarray
    C_bias: np.ndarray

    @classmethod
    def from_run(cls, run: Any, p: Mapping[str, Any], T: float, a: float, q2: float) -> LinearCovariance:
        """Theory for the stored run's J (duration ``T`` after burn-in), step coefficients ``a``, ``q2`` (tau = 1)."""
        Jn = run["J"]
        n = Jn.shape[0]
        n_rec = int(run["n_rec"])
        T_rec = (n_rec - 1) * p["stride"] * p["dt"]
        A = (Jn - np.eye(n)) / 1.0
        C_cont = sla.solve_continuous_lyapunov(A, -p["sigma2"] * np.eye(n))
        M = a * np.eye(n) + (1 - a) * Jn
        C_disc = sla.solve_discrete_lyapunov(M, q2 * np.eye(n))
        # centring each trial by its own time average removes Var(time average) ~ (1/T) int C(tau) dtau
        Ainv = np.linalg.inv(A)
        C_center = p["sigma2"] * Ainv @ Ainv.T / T_rec
        return cls(p, T, Jn, run["cov_trials"], n_rec, C_cont, C_disc, (C_disc - C_cont) - C_center)

    @property
    def K(self) -> int:
        """Number of trials."""
        return int(self.C_trials.shape[0])

    @property
    def n(self) -> int:
        """Number of neurons."""
        return int(self.C_trials.shape[1])

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
        """Normalised deviations ``(C_hat - C_cont - C_bias) / SE`` of the upper-triangle entries."""
        return ((self.C_hat - self.C_cont - self.C_bias) / self.SE)[np.triu_indices(self.n)]

    def context(self) -> dict[str, Any]:
        """Run context attached to every comparison."""
        return {"N": self.n, "K": self.K, "T": self.T, "dt": self.p["dt"], "seed": self.p["seed"]}

    def checks(self) -> list[Comparison]:
        """Mean variance, mean cross-covariance, two entries, Frobenius error and RMS z-score."""
        return [*self._mean_checks(), *self._entry_checks(), self._frobenius_check(), self._z_check()]

    def _mean_checks(self) -> list[Comparison]:
        """Mean variance and mean cross-covariance (estimate less the exact bias) within k SE."""
        K, n, Ck = self.K, self.n, self.C_trials
        tr_k = self.trace_per_trial
        off = ~np.eye(n, dtype=bool)
        cross_k = np.array([c[off].mean() for c in Ck])
        rows = (
            ("mean variance (1/N) tr C", np.trace(self.C_cont) / n, tr_k, float(np.trace(self.C_bias) / n)),
            ("mean cross-covariance", float(self.C_cont[off].mean()), cross_k, float(self.C_bias[off].mean())),
        )
        return [
            t_stat(
                name,
                theory,
                per.mean() - bias,
                per.std(ddof=1) / np.sqrt(K),
                K - 1,
                k=K_SE,
                note=f"estimate less the exact {BIAS_REASON} {bias:.3g}",
                **self.context(),
                kind="simulation",
            )
            for name, theory, per, bias in rows
        ]

    def _entry_checks(self) -> list[Comparison]:
        """Entries C[0,0] and C[0,1] against theory."""
        C_hat, SE = self.C_hat, self.SE
        return [
            t_stat(
                f"C[{a},{b}]",
                float(self.C_cont[a, b]),
                float(C_hat[a, b] - self.C_bias[a, b]),
                float(SE[a, b]),
                self.K - 1,
                k=K_SE,
                note=f"estimate less the exact {BIAS_REASON} {self.C_bias[a, b]:.3g}",
                **self.context(),
                kind="simulation",
            )
            for a, b in ((0, 0), (0, 1))
        ]

    def _frobenius_check(self) -> Comparison:
        """Relative Frobenius error of C (estimate less the exact bias) within 1.5 sampling floors."""
        norm = np.linalg.norm(self.C_cont)
        floor = float(np.sqrt((self.SE**2).sum()) / norm)
        rel_bias = float(np.linalg.norm(self.C_bias) / norm)
        return compare_abs(
            "relative Frobenius error of C",
            0.0,
            float(np.linalg.norm(self.C_hat - self.C_bias - self.C_cont) / norm),
            1.5 * floor,
            f"1.5 x sampling floor sqrt(sum SE^2)/|C| = {floor:.3g}; estimate less the exact {BIAS_REASON} "
            f"(relative size {rel_bias:.3g})",
            **self.context(),
            kind="simulation",
        )

    def _z_check(self) -> Comparison:
        """RMS z-score of all entries against the Student-t value sqrt(nu/(nu-2))."""
        nu = self.K - 1
        return compare_abs(
            "RMS z-score of all entries",
            float(np.sqrt(nu / (nu - 2))),
            float(np.sqrt(np.mean(self.z**2))),
            0.15 if self.K >= 16 else 0.35,
            f"z = (estimate - theory)/SE over K trials is Student t with {nu} d.o.f., RMS sqrt(nu/(nu-2)); entries are correlated",
            **self.context(),
            kind="simulation",
        )


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
