"""``predict(J, ...)``: the leading-order fixed-J statistics of one network (linear-equivalent theory)."""

from __future__ import annotations

import math
import time

import numpy as np

from workbench.errors import SpecError
from workbench.theories.fixed.result import FixedResult

__all__ = ["GAINS", "predict"]

GAINS: tuple[str, ...] = ("per-neuron", "shared", "self-consistent")
"""Gain modes: each neuron's DMFT from its own row norm (default), the homogeneous DMFT, or the self-consistent
closure (per-neuron variances iterated to the diagonal of the predicted equal-time C^x, :func:`self_consistent_site`)."""

SC_TOL: float = 1e-4
"""Convergence of the self-consistent gains: max |d_new - d_old| below this."""
SC_MAX_ITER: int = 40
"""Iterations of the self-consistent closure before it gives up (SpecError)."""
SC_DAMPING: float = 0.5
"""Weight of the new effective input variances in each damped update."""


def _check(J: np.ndarray, sigma2: float, gains: str, tau: float) -> np.ndarray:
    """J as float64 N x N; one-line SpecError for bad input."""
    J = np.asarray(J)
    if J.ndim != 2 or J.shape[0] != J.shape[1] or J.shape[0] < 2:
        raise SpecError("J", f"must be a square N x N matrix with N >= 2, got shape {J.shape}")
    if J.dtype.kind not in "biuf":
        raise SpecError("J", f"must hold real numbers, got dtype {J.dtype}")
    J = np.asarray(J, dtype=np.float64)
    if not np.all(np.isfinite(J)):
        raise SpecError("J", "holds non-finite entries (nan or inf)")
    if not (isinstance(sigma2, (int, float)) and math.isfinite(sigma2) and sigma2 >= 0):
        raise SpecError("sigma2", f"noise variance must be finite and >= 0, got {sigma2!r}")
    if gains not in GAINS:
        raise SpecError("gains", f"one of {', '.join(GAINS)}, got {gains!r}")
    if not (math.isfinite(tau) and tau > 0):
        raise SpecError("tau", f"time constant must be > 0, got {tau!r}")
    return J


def predict(J: np.ndarray, phi: str = "tanh", sigma2: float = 0.0, gains: str = "per-neuron", *,
            tau: float = 1.0, equal_time: bool = True) -> FixedResult:
    """Leading-order response and covariances of ``tau dx/dt = -x + J phi(x) + xi`` (<xi xi> = sigma2 delta) at this J.

    Gains and noise spectra from the DMFT (:mod:`.gains`), zero-frequency covariances and the static
    response by one LU solve, equal-time covariances by one eigendecomposition of J D
    (:mod:`.solver`). Refuses (SpecError) a non-odd phi, bad input, a J too large for memory, and an
    unstable linear-equivalent system.
    """
    from workbench.theories.fixed.gains import check_phi, single_site
    from workbench.theories.fixed.solver import check_memory, zero_frequency
    from workbench.theories.fixed.solver import equal_time as eq_time

    sigma2 = float(sigma2) if isinstance(sigma2, (int, float, np.floating)) else sigma2
    expr = check_phi(phi)
    J = _check(J, sigma2, gains, float(tau))
    N = J.shape[0]
    check_memory(N, equal_time)
    linear = _is_identity(expr)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    et: dict = {"cov_x": None, "cov_phi": None, "eigenvalues_JD": None}
    if gains == "self-consistent" and not linear:
        site, et, iters = self_consistent_site(J, phi, sigma2)
        timings["self_consistent_iterations"] = float(iters)
        if not equal_time:
            et = {"cov_x": None, "cov_phi": None, "eigenvalues_JD": None}
    else:
        site = single_site(J, phi, sigma2, gains, linear)
    timings["single_site"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    zf = zero_frequency(J, site, sigma2)
    timings["zero_frequency"] = time.perf_counter() - t0
    if equal_time and et["cov_x"] is None:
        t0 = time.perf_counter()
        et = eq_time(J.copy(), site, sigma2)
        timings["eig"] = et.pop("seconds_eig")
        timings["equal_time"] = time.perf_counter() - t0
    g = float(np.sqrt(np.sum(J * J) / N))
    return FixedResult(
        J_shape=(N, N), phi=str(phi), sigma2=float(sigma2), gains_mode=gains, gains=site.d, g=g,
        g_eff=g * float(site.d.mean()), tau=float(tau), cov_x=et["cov_x"], cov_phi=et["cov_phi"],
        cov_x_zero_frequency=float(tau) * zf["cov_x_zero_frequency"],
        cov_phi_zero_frequency=float(tau) * zf["cov_phi_zero_frequency"],
        response=zf["response"], response_phi=site.d[:, None] * zf["response"], site=site, J=J,
        eigenvalues_JD=et["eigenvalues_JD"], timings=timings,
    )


def self_consistent_site(J: np.ndarray, phi: str, sigma2: float, tol: float = SC_TOL, max_iter: int = SC_MAX_ITER,
                         damping: float = SC_DAMPING):
    """``(site, equal_time_dict, iterations)`` with each neuron's single-site variance equal to the predicted Var x_i.

    Starts from the row-norm gains, then iterates q_i <- (1 - damping) q_i + damping q_i[diag C^x] (the
    effective input variance whose single-site variance is the predicted ``[C^x]_ii``, which includes the
    off-diagonal sum ``sum_{j != k} J_ij J_ik C^phi_jk`` the row norm misses), d_i <- <phi'> at it, until the
    gains move by less than ``tol``. SpecError if the linear-equivalent system becomes unstable
    (max Re eig(J D) -> 1) or the gains have not converged after ``max_iter`` iterations.
    """
    from workbench.theories.fixed.gains import effective_q, single_site
    from workbench.theories.fixed.solver import equal_time as eq_time

    g2 = float(np.einsum("ij,ij->", J, J) / J.shape[0])
    site = single_site(J, phi, sigma2, "per-neuron", False)
    step = float("inf")
    for it in range(1, max_iter + 1):
        try:
            et = eq_time(J.copy(), site, sigma2)
        except SpecError as exc:
            raise SpecError("gains", f"self-consistent gains diverged at iteration {it}: {exc.args[-1]}") from exc
        if step < tol or site.dmft.get("regime") == "static":
            return site, et, it
        q_new = effective_q(np.diag(et["cov_x"]), phi, sigma2, g2)
        q = (1 - damping) * site.q + damping * q_new
        new = single_site(J, phi, sigma2, "per-neuron", False, q=q)
        step = float(np.max(np.abs(new.d - site.d)))
        site = new
    raise SpecError("gains", f"self-consistent gains did not converge in {max_iter} iterations "
                    f"(last change {step:.2g} > {tol:g}); use gains='per-neuron'")


def _is_identity(expr) -> bool:
    """Whether phi(x) = x."""
    from workbench.expr import simplifies_to_zero

    syms = list(expr.free_symbols)
    return bool(syms) and simplifies_to_zero(expr - syms[0])
