"""Sampled Jacobians of a spec's network and their eigenvalues (BLAS pinned to one thread).

``M = T^{-1}(-I + W G)`` with ``W``, ``tau``, ``gain`` from :func:`workbench.sim.network.build_network`
(the simulator's own ensemble and seeding) and ``G = diag(gain_j phi'(gain_j x*_j))``, ``x* = 0`` or a
fixed point of the noise-free network. Populations whose column (or row) of ``J0`` and ``g`` is zero give
eigenvalues exactly at ``-1/tau_i`` (the bars); they are split off exactly by block triangularity, and
the eigenvalues of the remaining core block are the bulk and the outliers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.errors import ConvergenceError
from workbench.spec import ModelSpec

__all__ = ["JacobianSample", "bar_populations", "fixed_point_gains", "sample_jacobian"]


@dataclass
class JacobianSample:
    """One sampled Jacobian, split into exact bar eigenvalues and the core eigenvalues."""

    tau: np.ndarray
    g: np.ndarray
    pop: np.ndarray
    bar: np.ndarray
    core: np.ndarray
    seed: int
    full: np.ndarray | None = None


def bar_populations(spec: ModelSpec) -> list[int]:
    """Populations whose whole column or row of couplings (mean and variance) vanishes: exact bars."""
    J0, g = np.asarray(spec.J0), np.asarray(spec.g)
    zero = (J0 == 0) & (g == 0)
    return [b for b in range(spec.n_populations) if zero[:, b].all() or zero[b, :].all()]


def _phi_prime(spec: ModelSpec):
    """``phi'`` as a NumPy function."""
    import sympy as sp

    x = next(iter(spec.phi.expr.free_symbols))
    return sp.lambdify(x, sp.diff(spec.phi.expr, x), "numpy")


def _relax(spec: ModelSpec, J: np.ndarray, tau: np.ndarray, gain: np.ndarray, I: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A fixed point of ``x = J phi(gain x) + I``: relaxation of the noise-free flow, then Newton (scipy hybr)."""
    import sympy as sp
    from scipy.optimize import root

    s = next(iter(spec.phi.expr.free_symbols))
    phi = sp.lambdify(s, spec.phi.expr, "numpy")
    dphi = _phi_prime(spec)
    dt = 0.1 * float(tau.min())
    for _ in range(2000):
        x = x + dt / tau * (-x + J @ phi(gain * x) + I)
    sol = root(
        lambda v: -v + J @ phi(gain * v) + I, x, jac=lambda v: -np.eye(v.size) + J * (gain * dphi(gain * v))[None, :],
        method="hybr", tol=1e-12,
    )  # fmt: skip
    if not sol.success or np.max(np.abs(sol.fun)) > 1e-8:
        raise ConvergenceError(f"fixed point: no fixed point found ({sol.message}); use the gains at x* = 0")
    return sol.x


def fixed_point_gains(spec: ModelSpec, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(tau, g, pop)`` with ``g_j = gain_j phi'(gain_j x*_j)`` at a fixed point of the network of ``seed``."""
    _, tau, g, pop, _ = _network_jacobian(spec, seed, fixed_point=True)
    return tau, g, pop


def _network_jacobian(spec: ModelSpec, seed: int, fixed_point: bool):
    """``(J, tau, g, pop, net)`` of the network of ``seed``."""
    from workbench.sim.network import build_network

    net = build_network(spec, seed)
    dphi = _phi_prime(spec)
    if fixed_point:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
        x0 = spec.init.mean + spec.init.std * rng.standard_normal(spec.N)
        x = _relax(spec, net.J, net.tau, net.gain, net.I, x0)
    else:
        x = np.zeros(spec.N)
    from workbench.theories.spectrum.quadrature import phi_slope_at_zero

    slope = phi_slope_at_zero(spec) if not fixed_point else None
    g = net.gain * (slope if slope is not None else dphi(net.gain * x))
    return net.J, net.tau, np.asarray(g, float), net.pop, net


def sample_jacobian(spec: ModelSpec, seed: int, fixed_point: bool = False, full: bool = False) -> JacobianSample:
    """Sample the Jacobian of network ``seed`` and its eigenvalues (bars split off exactly; one BLAS thread).

    ``full``: also the eigenvalues of the whole matrix (to check the bars).
    """
    from threadpoolctl import threadpool_limits

    J, tau, g, pop, _ = _network_jacobian(spec, seed, fixed_point)
    bars = bar_populations(spec)
    is_bar = np.isin(pop, bars)
    core = np.flatnonzero(~is_bar)
    M = (J[np.ix_(core, core)] * g[core][None, :] - np.eye(core.size)) / tau[core][:, None]
    with threadpool_limits(limits=1):
        ev = np.linalg.eigvals(M) if core.size else np.empty(0, complex)
        whole = np.linalg.eigvals((J * g[None, :] - np.eye(J.shape[0])) / tau[:, None]) if full else None
    return JacobianSample(tau, g, pop, -1.0 / tau[is_bar], ev, seed, whole)
