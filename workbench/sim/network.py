"""One realisation of the model: couplings J, timescales, gains and quenched inputs.

Seeding plan (documented so results are a function of an explicit seed): the root
``SeedSequence(seed)`` of :func:`workbench.sim.simulate` spawns three children
``[network, initial condition, noise]``; the network child spawns
``[couplings, timescales+gains, quenched input]``; the low-rank vectors m, n (``[[low_rank]]``) come
from the child with spawn key ``network.spawn_key + (3,)`` (so adding structure leaves the random part
of J unchanged for the same seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from workbench.errors import SpecError
from workbench.spec import ModelSpec

__all__ = ["Network", "build_network", "sample_J", "sample_low_rank", "sample_reciprocal_J"]


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
    m, n : ndarray (N, R)
        Low-rank structure: the full couplings are ``J + m @ n.T / N`` (kept factored; R = 0: none).
    """

    spec: ModelSpec
    J: np.ndarray
    tau: np.ndarray
    gain: np.ndarray
    I: np.ndarray
    pop: np.ndarray
    seed: object = None
    meta: dict = field(default_factory=dict)
    m: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    n: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def rank(self) -> int:
        """Number R of rank-one terms."""
        return int(self.m.shape[1]) if self.m.ndim == 2 and self.m.shape[0] == self.N else 0

    def full_J(self) -> np.ndarray:
        """The full coupling matrix ``J + m n^T / N`` (dense; for eigenvalues and small checks)."""
        if self.rank == 0:
            return self.J
        return self.J + self.m @ self.n.T / self.N

    @property
    def N(self) -> int:
        """Number of neurons."""
        return int(self.J.shape[0])


def sample_J(spec: ModelSpec, rng: np.random.Generator) -> np.ndarray:
    """Draw the coupling matrix of ``spec`` (dense Gaussian or sparse Erdos-Renyi blocks).

    Block (a, b) has mean ``J0[a][b]/N`` and variance ``g[a][b]**2/N``; with connection probability
    ``p < 1``, ``J_ij = A_ij w_ij`` with ``A ~ Bernoulli(p)`` and ``w ~ N(mu, s^2)``,
    ``mu = J0/(p N)``, ``s^2 = g^2/(p N) - mu^2 (1 - p)`` (same mean and variance). With
    reciprocal correlations (``spec.eta`` nonzero) see :func:`sample_reciprocal_J`.
    """
    if spec.fixed_J:
        return spec.load_J()
    if spec.has_eta:
        return sample_reciprocal_J(spec, rng)
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


def sample_reciprocal_J(spec: ModelSpec, rng: np.random.Generator) -> np.ndarray:
    """Dense Gaussian couplings with ``corr(J_ij, J_ji) = eta[a][b]`` for i != j (elliptic ensemble).

    One standard-normal matrix ``Z`` (N, N) is drawn; for ``i < j`` (neuron i in population a, j in b)
    ``J_ij = g_ab Z_ij / sqrt(N)`` and ``J_ji = g_ba (eta_ab Z_ij + sqrt(1 - eta_ab^2) Z_ji) / sqrt(N)``;
    the diagonal ``J_ii = g_aa Z_ii / sqrt(N)`` is independent (it has no partner). Means ``J0[a][b]/N``
    are added. For one population with ``J0 = 0`` the spectrum fills the ellipse with semi-axes
    ``g (1 + eta)`` (real) and ``g (1 - eta)`` (imaginary) as N -> infinity.
    """
    N = spec.N
    pop = spec.population_index()
    G = np.asarray(spec.g, dtype=float)[np.ix_(pop, pop)] / math.sqrt(N)
    E = np.asarray(spec.eta, dtype=float)[np.ix_(pop, pop)]
    Z = rng.standard_normal((N, N))
    upper = np.triu(Z, 1)
    J = upper + E * upper.T + np.sqrt(1.0 - E * E) * np.tril(Z, -1)
    J[np.diag_indices(N)] = np.diag(Z)
    J *= G
    J += np.asarray(spec.J0, dtype=float)[np.ix_(pop, pop)] / N
    return J


def sample_low_rank(spec: ModelSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw the low-rank vectors: per neuron, ``(m_1..m_R, n_1..n_R)`` from the joint Gaussian law of the spec."""
    from workbench.spec.model import low_rank_covariance

    terms = spec.low_rank
    R = len(terms)
    C = low_rank_covariance(terms)
    w, V = np.linalg.eigh(C)
    root = V * np.sqrt(np.clip(w, 0.0, None))  # C = root root^T, also for a singular C
    means = np.array([t.m_mean for t in terms] + [t.n_mean for t in terms])
    mn = means + rng.standard_normal((spec.N, 2 * R)) @ root.T
    return np.ascontiguousarray(mn[:, :R]), np.ascontiguousarray(mn[:, R:])


def build_network(spec: ModelSpec, seed: int | np.random.SeedSequence | None = 0,
                  couplings: np.ndarray | None = None) -> Network:
    """Draw one network realisation from ``spec`` with a reproducible seed; ``couplings``: J given (an N x N array),
    not drawn, the rest of the network (timescales, gains, inputs) drawn from the seed as usual."""
    if seed is None:
        raise SpecError("seed", "an explicit seed is required (int or SeedSequence) for reproducibility")
    if not isinstance(seed, np.random.SeedSequence) and (
        isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise SpecError("seed", f"must be an integer >= 0 (or a SeedSequence), got {seed!r}")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    s_J, s_het, s_in = ss.spawn(3)
    if couplings is None:
        J = sample_J(spec, np.random.default_rng(s_J))
    else:
        J = np.asarray(couplings, dtype=np.float64)
        if J.shape != (spec.N, spec.N):
            raise SpecError("couplings", f"must be an N x N array with N = {spec.N}, got shape {J.shape}")
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
    net = Network(spec, J, tau, gain, I, pop, seed=ss.entropy)
    if spec.low_rank:
        s_lr = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 3))
        net.m, net.n = sample_low_rank(spec, np.random.default_rng(s_lr))
    return net
