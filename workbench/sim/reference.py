"""Slow, plain-NumPy reference stepper (JiTCSDE-style second core).

Written independently of the fast kernels — per trial, one matrix-vector product per step, phi
lambdified from the SymPy expression — so that the fast simulator can be tested against it with
the same injected noise (agreement to ~1e-12).
"""

from __future__ import annotations

import math

import numpy as np

from workbench.sim.kernels import phi_numpy
from workbench.sim.network import Network

__all__ = ["reference_run"]


def reference_run(
    network: Network, x0: np.ndarray, dt: float, noise: np.ndarray, method: str = "exp", eta0: np.ndarray | None = None
) -> np.ndarray:
    """Integrate with injected standard-normal ``noise`` of shape (n_steps, N, K).

    Returns the trajectory, shape (n_steps + 1, N, K), starting with ``x0`` (N, K).
    """
    spec = network.spec
    phi = phi_numpy(spec.phi)
    n_steps, N, K = noise.shape
    x = np.array(x0, dtype=float, copy=True)
    out = np.empty((n_steps + 1, N, K))
    out[0] = x
    tau = network.tau
    J = network.full_J()  # random part plus the low-rank structure, if any
    s2 = spec.noise.sigma2
    white = spec.noise.kind == "white" and s2 > 0
    ou = spec.noise.kind == "ou" and s2 > 0
    eta = np.zeros((N, K)) if eta0 is None else np.array(eta0, dtype=float)
    for n in range(n_steps):
        for k in range(K):
            drive = J @ phi(network.gain * x[:, k]) + network.I
            if ou:
                drive = drive + eta[:, k]
            if method == "euler":
                new = x[:, k] + dt / tau * (-x[:, k] + drive)
                if white:
                    new = new + math.sqrt(s2 * dt) / tau * noise[n, :, k]
            else:
                a = np.exp(-dt / tau)
                new = a * x[:, k] + (1 - a) * drive
                if white:
                    new = new + np.sqrt(s2 * (1 - a**2) / (2 * tau)) * noise[n, :, k]
            if ou:
                c = math.exp(-dt / spec.noise.tau)
                eta[:, k] = c * eta[:, k] + math.sqrt(s2 * (1 - c * c) / (2 * spec.noise.tau)) * noise[n, :, k]
            x[:, k] = new
        out[n + 1] = x
    return out
