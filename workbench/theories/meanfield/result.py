"""The result of a transient mean-field solve: m(t), K(t, s) on the grid, with provenance."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.theories.meanfield.problem import TransientProblem

__all__ = ["MeanFieldResult", "RESULT_DOC"]

RESULT_DOC = """workbench meanfield result file (numpy .npz).
t        (n+1,)        time grid t_k = k dt
m        (n+1,)        m(t) = E f(X_t)
K        (n+1, n+1)    K(t, s) = E f(X_t) f(X_s)  (uncentred, full two-time matrix)
mean_x   (n+1,)        E X_t
var_x    (n+1,)        Var X_t
history  (iters, 3)    Picard only: iteration, sup|dm|, sup|dK|  (empty otherwise)
problem  JSON of the problem (J, sigma, lam, f, g, mu0, T, dt); info: JSON of the solver settings
summary  JSON summary (as printed by --json: J0, g, sigma2, phi, drift, mu0, T, dt, ...)"""


@dataclass
class MeanFieldResult:
    """Solution of the transient mean-field fixed point on the grid ``t_k = k dt``.

    Attributes
    ----------
    problem : TransientProblem
    method : str
        ``closure``, ``march``, ``picard`` or ``picard-closure``.
    t : ndarray (n+1,)
    m : ndarray (n+1,)
        ``m(t_k) = E f(X_{t_k})``.
    K : ndarray (n+1, n+1)
        ``K(t_k, t_l) = E f(X_{t_k}) f(X_{t_l})`` (uncentred).
    mean_x, var_x : ndarray (n+1,)
        Mean and variance of X_t.
    cov_x : ndarray (n+1, n+1) or None
        Two-time covariance of X (closure only).
    history : list of dict
        Picard: one entry per iteration with ``dm = sup|m_new - m|``, ``dK = sup|K_new - K|`` and
        ``d = max(dm, dK)``; empty for one-pass methods.
    paths : ndarray (n+1, n_keep) or None
        Sample paths of X (particle methods).
    info : dict
        Solver settings and provenance (seed, paths, quadrature, timings, error estimates).
    out : str or None
        The file :meth:`save` wrote (named in :meth:`summary`).
    """

    problem: TransientProblem
    method: str
    t: np.ndarray
    m: np.ndarray
    K: np.ndarray
    mean_x: np.ndarray
    var_x: np.ndarray
    cov_x: np.ndarray | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    paths: np.ndarray | None = None
    m_history: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)
    out: str | None = None

    @property
    def K_diag(self) -> np.ndarray:
        """``K(t, t)``."""
        return np.diag(self.K).copy()

    def index(self, t: float) -> int:
        """Grid index of time ``t`` (must lie on the grid within 1e-9 dt)."""
        k = int(round(t / self.problem.dt))
        if not (0 <= k <= self.problem.n) or abs(k * self.problem.dt - t) > 1e-9 * max(1.0, abs(t)):
            from workbench.errors import SpecError

            raise SpecError("t", f"{t} is not on the grid 0, {self.problem.dt}, ..., {self.problem.T}")
        return k

    def m_at(self, t: float) -> float:
        """``m(t)`` at a grid time."""
        return float(self.m[self.index(t)])

    def K_at(self, t: float, s: float) -> float:
        """``K(t, s)`` at grid times."""
        return float(self.K[self.index(t), self.index(s)])

    def params(self) -> dict[str, Any]:
        """The problem under the shared option names (``J0``, ``g``, ``sigma2``, ``phi``, ``drift``), with the grid."""
        p = self.problem.to_dict()
        return {"J0": p["J"], "g": p["sigma"], "sigma2": self.problem.lam**2, "phi": p["f"], "drift": p["g"],
                "mu0": p["mu0"], "T": p["T"], "dt": p["dt"], "n": p["n"]}

    def summary(self) -> dict[str, Any]:
        """Exactly what ``--json`` prints: final-time values, the parameters, solver settings and the file written.

        The parameters carry the shared option names; ``deprecated_params`` repeats them under the old
        names (``J``, ``sigma``, ``lam``, ``f``, ``g`` = the drift) for one release.
        """
        p = self.problem.to_dict()
        out: dict[str, Any] = {
            "method": self.method,
            "m_T": float(self.m[-1]),
            "K_TT": float(self.K[-1, -1]),
            "mean_x_T": float(self.mean_x[-1]),
            "var_x_T": float(self.var_x[-1]),
            **self.params(),
            "deprecated_params": {k: p[k] for k in ("J", "sigma", "lam", "f", "g")},
        }
        if self.history:
            out["iterations"] = len(self.history)
            out["last_change"] = float(self.history[-1]["d"])
        for k in ("paths", "seed", "quad", "order", "elapsed_s", "converged", "sampler", "hermite_tail_max"):
            if k in self.info:
                out[k] = self.info[k]
        if self.out is not None:
            out["out"] = self.out
        return out

    def save(self, path: str | Path) -> Path:
        """Write the documented ``.npz`` (atomically); the summary then names the file (``out``)."""
        from workbench.io import atomic_savez, dumps, npz_path

        self.out = str(npz_path(path))
        hist = np.array([[h["iter"], h["dm"], h["dK"]] for h in self.history], dtype=float).reshape(-1, 3)
        return atomic_savez(
            path,
            t=self.t,
            m=self.m,
            K=self.K,
            mean_x=self.mean_x,
            var_x=self.var_x,
            history=hist,
            problem=np.array(json.dumps(self.problem.to_dict(), sort_keys=True)),
            info=np.array(dumps(self.info)),
            summary=np.array(dumps(self.summary())),
            README=np.array(RESULT_DOC),
        )
