"""One realisation of the model: couplings J, timescales, gains and quenched inputs.

Seeding plan (documented so results are a function of an explicit seed): the root
``SeedSequence(seed)`` of :func:`workbench.sim.simulate` spawns three children
``[network, initial condition, noise]``; the network child spawns
``[couplings, timescales+gains, quenched input]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from workbench.errors import SpecError
from workbench.spec import ModelSpec

__all__ = ["Network", "build_network", "sample_J"]


@dataclass
class Network:
    """A concrete network drawn from a :class:`~workbench.spec.ModelSpec`.

    Attributes
    ----------
    spec : ModelSpec
    J : ndarray (N, N)
        Couplings, ``J[i, j]`` from neuron j to neuron i.
    tau : ndarray (N,)
        Per-neuron timescales tau_i.
    gain : ndarray (N,)
        Per-neuron input gains (phi is applied to ``gain_i * x_i``).
    I : ndarray (N,)
        Static external input (constant + quenched random part).
    pop : ndarray (N,)
        Population label of each neuron.
    seed : object
        The seed (int or SeedSequence entropy) the realisation was drawn from.
    """

    spec: ModelSpec
    J: np.ndarray
    tau: np.ndarray
    gain: np.ndarray
    I: np.ndarray
    pop: np.ndarray
    seed: object = None
    meta: dict = field(default_factory=dict)

    @property
    def N(self) -> int:
        """Number of neurons."""
        return int(self.J.shape[0])


def sample_J(spec: ModelSpec, rng: np.random.Generator) -> np.ndarray:
    """Draw the coupling matrix of ``spec`` (dense Gaussian or sparse Erdos-Renyi blocks).

    Block (a, b) has mean ``J0[a][b]/N`` and variance ``g[a][b]**2/N``; with connection probability
    ``p < 1``, ``J_ij = A_ij w_ij`` with ``A ~ Bernoulli(p)`` and ``w ~ N(mu, s^2)``,
    ``mu = J0/(p N)``, ``s^2 = g^2/(p N) - mu^2 (1 - p)`` (same mean and variance).
    """
    if spec.fixed_J:
        return spec.load_J()
    N = spec.N
    sizes = spec.sizes
    edges = np.concatenate([[0], np.cumsum(sizes)])
    J = np.empty((N, N), dtype=np.float64)
    for a in range(spec.n_populations):
        r0, r1 = edges[a], edges[a + 1]
        for b in range(spec.n_populations):
            c0, c1 = edges[b], edges[b + 1]
            shape = (r1 - r0, c1 - c0)
            if shape[0] == 0 or shape[1] == 0:
                continue
            J0, g, p = spec.J0[a][b], spec.g[a][b], spec.p[a][b]
            if p >= 1.0:
                block = rng.standard_normal(shape)
                block *= g / math.sqrt(N)
                block += J0 / N
            else:
                mu = J0 / (p * N)
                s2 = max(g * g / (p * N) - mu * mu * (1 - p), 0.0)
                mask = rng.random(shape) < p
                block = rng.standard_normal(shape)
                block *= math.sqrt(s2)
                block += mu
                block *= mask
            J[r0:r1, c0:c1] = block
    return J


def build_network(spec: ModelSpec, seed: int | np.random.SeedSequence | None = 0) -> Network:
    """Draw one network realisation from ``spec`` with a reproducible seed."""
    if seed is None:
        raise SpecError("seed", "an explicit seed is required (int or SeedSequence) for reproducibility")
    if not isinstance(seed, np.random.SeedSequence) and (
        isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise SpecError("seed", f"must be an integer >= 0 (or a SeedSequence), got {seed!r}")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    s_J, s_het, s_in = ss.spawn(3)
    J = sample_J(spec, np.random.default_rng(s_J))
    rng_het = np.random.default_rng(s_het)
    rng_in = np.random.default_rng(s_in)
    pop = spec.population_index()
    tau = np.empty(spec.N)
    gain = np.empty(spec.N)
    I = np.empty(spec.N)
    for a, p in enumerate(spec.populations):
        idx = np.flatnonzero(pop == a)
        tau[idx] = p.tau.sample(rng_het, idx.size)
        gain[idx] = p.gain.sample(rng_het, idx.size)
        I[idx] = p.input_mean + p.input_std * rng_in.standard_normal(idx.size)
    return Network(spec, J, tau, gain, I, pop, seed=ss.entropy)
