"""The model specification: one validated object read by the symbolic layer *and* the simulator.

Model (i = 1..N, population a(i))::

    tau_i dx_i/dt = -x_i + sum_j J_ij phi(gain_j x_j) + I_i + xi_i(t)

* ``J_ij`` for i in population a, j in population b: mean ``J0[a][b] / N``, variance
  ``g[a][b]**2 / N``; with connection probability ``p[a][b] < 1`` the matrix is sparse
  Erdos-Renyi, ``J_ij = A_ij w_ij`` with ``A_ij ~ Bernoulli(p)`` and Gaussian weights chosen so
  that the mean and variance of ``J_ij`` are still ``J0/N`` and ``g^2/N``. Dense couplings may be
  reciprocally correlated: ``corr(J_ij, J_ji) = eta[a][b]`` (i != j; default 0). Or a fixed matrix
  from a ``.npy`` file, used as given.
* ``I_i = input_mean + input_std * z_i`` with ``z_i ~ N(0, 1)`` frozen in time (quenched input).
* ``xi``: white noise ``<xi_i(t) xi_j(s)> = sigma2 delta_ij delta(t-s)``; or Ornstein-Uhlenbeck
  ``tau_n d eta = -eta dt + sqrt(sigma2) dW`` (covariance ``sigma2/(2 tau_n) exp(-|t-s|/tau_n)``,
  white with intensity sigma2 as tau_n -> 0); or none.
* ``x_i(0)`` i.i.d. normal(mean, std) or a point mass.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from workbench.errors import SpecError
from workbench.spec.distributions import Distribution, make_distribution
from workbench.spec.nonlinearity import Nonlinearity, make_nonlinearity

__all__ = ["Population", "Noise", "InitialCondition", "LowRankTerm", "Dynamics", "ModelSpec"]

NOISE_KINDS = ("white", "ou", "none")
INIT_KINDS = ("normal", "point")


def _finite(parameter: str, value: Any) -> float:
    """``value`` as a finite float; a boolean, a string or any other non-number is a SpecError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise SpecError(parameter, f"expected a number, got {_describe(value)}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    if not math.isfinite(v):
        raise SpecError(parameter, f"must be finite, got {value!r}")
    return v


def _describe(value: Any) -> str:
    """A short description of a (wrong) value for an error message: its type and a short repr."""
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _table(parameter: str, value: Any) -> dict[str, Any]:
    """A TOML table (dict), or a SpecError naming ``parameter``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError(parameter, f"expected a table ([{parameter}] with keys), got {_describe(value)}")
    return dict(value)


def _string(parameter: str, value: Any) -> str:
    """A string, or a SpecError naming ``parameter``."""
    if not isinstance(value, str):
        raise SpecError(parameter, f"expected a string, got {_describe(value)}")
    return value


def _integer(parameter: str, value: Any) -> int:
    """An integer (an integral float such as 10.0 is accepted), or a SpecError naming ``parameter``."""
    if isinstance(value, (bool, np.bool_)):
        raise SpecError(parameter, f"expected an integer, got {_describe(value)}")
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    if not isinstance(value, (int, np.integer)):
        raise SpecError(parameter, f"expected an integer, got {_describe(value)}")
    return int(value)


_REAL_KINDS = "iuf"
"""numpy dtype kinds accepted in a coupling file: signed/unsigned integers and real floats."""


def _npy_problem(exc: BaseException) -> str:
    """A short, safe description of why numpy could not load a .npy file (never 'load it unsafely')."""
    text = " ".join(str(exc).split())
    low = text.lower()
    if "header" in low and ("large" in low or "max_header_size" in low):
        return "its header is larger than numpy's safe limit"
    if "pickle" in low or "object" in low:
        return "it holds Python objects (pickled data), which are never loaded"
    if "mmap length" in low or "eof" in low or "truncated" in low or "expected" in low:
        return f"truncated or malformed: {text[:120]}"
    return text[:160] or type(exc).__name__


def peek_J_file(path: str | Path) -> np.ndarray:
    """Open a coupling file (memory-mapped, no pickle) and check it is a real square matrix.

    Raises
    ------
    SpecError
        Naming ``J_file``: not a ``.npy`` file, missing, unreadable, truncated or malformed
        (including an oversized header), complex, object/string/boolean dtype, or not 2-d square.
    """
    path = Path(path)
    if path.suffix != ".npy":
        raise SpecError("J_file", f"must be a .npy file, got {str(path)!r}")
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "file not found"
        raise SpecError("J_file", f"{what}: {str(path)!r}")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
    except OSError as exc:
        raise SpecError("J_file", f"cannot read {str(path)!r}: {exc.strerror or exc}") from exc
    if magic != b"\x93NUMPY":
        raise SpecError("J_file", f"{str(path)!r} is not a .npy file (no NUMPY header); save J with numpy.save")
    try:
        J = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError, TypeError, SyntaxError, MemoryError) as exc:
        raise SpecError("J_file", f"{str(path)!r} is not a readable .npy array ({_npy_problem(exc)})") from exc
    if not isinstance(J, np.ndarray):
        raise SpecError("J_file", f"{str(path)!r} holds an archive, not one .npy array")
    if J.dtype.kind not in _REAL_KINDS or J.dtype.fields is not None:
        raise SpecError("J_file", f"J must hold real numbers (integer or float), got dtype {J.dtype}")
    if J.ndim != 2 or J.shape[0] != J.shape[1] or J.shape[0] < 1:
        raise SpecError("J_file", f"J must be a non-empty square matrix, got shape {J.shape}")
    return J


@dataclass(frozen=True)
class Population:
    """One population: its share of the N neurons, timescale and gain laws, external input."""

    name: str = "all"
    fraction: float = 1.0
    tau: Distribution = field(default_factory=Distribution)
    gain: Distribution = field(default_factory=Distribution)
    input_mean: float = 0.0
    input_std: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (TOML-compatible)."""
        return {
            "name": self.name,
            "fraction": self.fraction,
            "tau": self.tau.to_dict(),
            "gain": self.gain.to_dict(),
            "input_mean": self.input_mean,
            "input_std": self.input_std,
        }


@dataclass(frozen=True)
class Noise:
    """Input noise: ``kind`` in {white, ou, none}; ``sigma2`` intensity; ``tau`` OU timescale."""

    kind: str = "none"
    sigma2: float = 0.0
    tau: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        d: dict[str, Any] = {"kind": self.kind, "sigma2": self.sigma2}
        if self.kind == "ou":
            d["tau"] = self.tau
        return d


@dataclass(frozen=True)
class InitialCondition:
    """Law of x_i(0): ``normal`` (mean, std) i.i.d. or ``point`` (all at ``mean``)."""

    kind: str = "normal"
    mean: float = 0.0
    std: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {"kind": self.kind, "mean": self.mean, "std": self.std}


DYNAMICS_KINDS = ("flow", "map")
"""Time evolution: the ODE (``flow``) or the delta-step map (``map``)."""


@dataclass(frozen=True)
class Dynamics:
    """Time evolution: ``flow`` (the ODE) or ``map`` ``x(n+1) = (1-delta) x(n) + delta (J phi(x(n)) + I) + noise``.

    The map's noise increment is Gaussian with variance ``delta * sigma2`` per step (white noise
    only), so ``delta = 1`` is ``x(n+1) = J phi(x(n)) + I + xi(n)`` with ``Var xi = sigma2`` and
    ``delta = dt`` is the simulator's Euler-Maruyama step of the flow (tau = 1); one step is one
    time unit. ``delta`` is used by the map only, ``0 < delta <= 1``.
    """

    kind: str = "flow"
    delta: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {"kind": self.kind, "delta": self.delta}


def _dynamics(value: Any) -> Dynamics:
    """The ``[dynamics]`` table (absent: the flow)."""
    dd = _table("dynamics", value)
    bad = set(dd) - {"kind", "delta"}
    if bad:
        raise SpecError("dynamics", f"unknown keys {sorted(bad)}; allowed ['delta', 'kind']")
    return Dynamics(_string("dynamics.kind", dd.get("kind", "flow")), _finite("dynamics.delta", dd.get("delta", 1.0)))


def _validate_dynamics(dyn: Dynamics, noise: Noise) -> None:
    """Kind in :data:`DYNAMICS_KINDS`, ``0 < delta <= 1``, white or no noise for the map."""
    if dyn.kind not in DYNAMICS_KINDS:
        raise SpecError("dynamics.kind", f"unknown dynamics {dyn.kind!r}; allowed: {DYNAMICS_KINDS}")
    delta = _finite("dynamics.delta", dyn.delta)
    if not 0 < delta <= 1:
        raise SpecError("dynamics.delta", f"must be in (0, 1], got {dyn.delta}")
    if dyn.kind == "map" and noise.kind == "ou":
        raise SpecError("dynamics.kind", "the map takes white noise or none, got OU noise")


LOW_RANK_KEYS = ("m_mean", "m_std", "n_mean", "n_std", "rho", "m_corr", "n_corr")
"""Keys of one ``[[low_rank]]`` table."""


@dataclass(frozen=True)
class LowRankTerm:
    """One rank-one term ``m n^T / N`` of the couplings; (m_i, n_i) drawn per neuron from a joint Gaussian.

    ``rho`` is the correlation of m_i and n_i; ``m_corr[s]`` / ``n_corr[s]`` the correlation of this
    term's m_i (n_i) with the m_i (n_i) of the earlier term s (lists as long as the number of earlier
    terms, or empty for independence).
    """

    m_mean: float = 0.0
    m_std: float = 0.0
    n_mean: float = 0.0
    n_std: float = 0.0
    rho: float = 0.0
    m_corr: tuple[float, ...] = ()
    n_corr: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (TOML-compatible)."""
        d: dict[str, Any] = {
            "m_mean": self.m_mean,
            "m_std": self.m_std,
            "n_mean": self.n_mean,
            "n_std": self.n_std,
            "rho": self.rho,
        }
        if self.m_corr:
            d["m_corr"] = list(self.m_corr)
        if self.n_corr:
            d["n_corr"] = list(self.n_corr)
        return d

    @classmethod
    def from_dict(cls, data: Any, k: int) -> LowRankTerm:
        """Build term ``k`` from a ``[[low_rank]]`` table (SpecError naming ``low_rank[k].<key>``)."""
        d = _table(f"low_rank[{k}]", data)
        bad = set(d) - set(LOW_RANK_KEYS)
        if bad:
            raise SpecError(f"low_rank[{k}]", f"unknown keys {sorted(bad)}; allowed {sorted(LOW_RANK_KEYS)}")
        corr = {}
        for key in ("m_corr", "n_corr"):
            v = d.get(key, [])
            if not isinstance(v, (list, tuple)):
                raise SpecError(f"low_rank[{k}].{key}", f"expected a list of {k} correlations, got {_describe(v)}")
            corr[key] = tuple(_finite(f"low_rank[{k}].{key}[{s}]", c) for s, c in enumerate(v))
        vals = {key: _finite(f"low_rank[{k}].{key}", d.get(key, 0.0)) for key in LOW_RANK_KEYS[:5]}
        return cls(**vals, **corr)


def _validate_low_rank(terms: tuple[LowRankTerm, ...]) -> None:
    """Stds >= 0, correlations in [-1, 1], correlation lists of the right length, a PSD joint covariance."""
    if not isinstance(terms, tuple) or not all(isinstance(t, LowRankTerm) for t in terms):
        raise SpecError("low_rank", "must be a tuple of LowRankTerm (a list of [[low_rank]] tables in TOML)")
    for k, t in enumerate(terms):
        for key in LOW_RANK_KEYS[:5]:
            _finite(f"low_rank[{k}].{key}", getattr(t, key))
        for key in ("m_std", "n_std"):
            if getattr(t, key) < 0:
                raise SpecError(f"low_rank[{k}].{key}", f"must be >= 0, got {getattr(t, key)}")
        for key in ("m_corr", "n_corr"):
            vals = getattr(t, key)
            if vals and len(vals) != k:
                raise SpecError(f"low_rank[{k}].{key}", f"must list {k} correlations (one per earlier term), got {len(vals)}")
        for key, vals in (("rho", (t.rho,)), ("m_corr", t.m_corr), ("n_corr", t.n_corr)):
            for c in vals:
                if not -1.0 <= _finite(f"low_rank[{k}].{key}", c) <= 1.0:
                    raise SpecError(f"low_rank[{k}].{key}", f"correlations must be in [-1, 1], got {c}")
    if terms:
        C = low_rank_covariance(terms)
        if np.linalg.eigvalsh(C).min() < -1e-10 * max(1.0, float(np.abs(C).max())):
            raise SpecError("low_rank", "the correlations give a joint (m, n) covariance that is not positive "
                            "semidefinite; lower rho / m_corr / n_corr")


def low_rank_covariance(terms: tuple[LowRankTerm, ...]) -> np.ndarray:
    """Joint covariance of ``(m_1..m_R, n_1..n_R)`` per neuron, shape (2R, 2R)."""
    R = len(terms)
    corr = np.eye(2 * R)
    for r, t in enumerate(terms):
        corr[r, R + r] = corr[R + r, r] = t.rho
        for s, c in enumerate(t.m_corr):
            corr[r, s] = corr[s, r] = c
        for s, c in enumerate(t.n_corr):
            corr[R + r, R + s] = corr[R + s, R + r] = c
    std = np.array([t.m_std for t in terms] + [t.n_std for t in terms])
    return corr * np.outer(std, std)


POPULATION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}")
"""Population names: they become parts of SymPy symbol names (``g_EI``, ``Delta_0_E``) and of LaTeX."""


def _check_population_names(names: list[Any]) -> None:
    """Names are short identifiers (letters, digits), unique, and unambiguous when joined in pairs."""
    for k, nm in enumerate(names):
        if not isinstance(nm, str) or not POPULATION_NAME.fullmatch(nm):
            raise SpecError(
                f"populations[{k}].name",
                f"must be a letter followed by at most 15 letters or digits (it names symbols such as g_EI), "
                f"got {nm!r:.60}",
            )
    if len(set(names)) != len(names):
        raise SpecError("populations", f"population names must be unique, got {names}")
    if len({a + b for a in names for b in names}) != len(names) ** 2:
        raise SpecError("populations", f"population names {names} are ambiguous when joined in pairs (g_EI)")


def _matrix(parameter: str, value: Any, P: int, default: float) -> tuple[tuple[float, ...], ...]:
    """A PxP table of finite numbers from a number (every block) or a list of P rows of P numbers."""
    if value is None:
        value = default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        v = _finite(parameter, value)
        return tuple(tuple(v for _ in range(P)) for _ in range(P))
    what = f"must be a number or a {P}x{P} table (one entry per population pair)"
    if not isinstance(value, (list, tuple)) or not all(isinstance(row, (list, tuple)) for row in value):
        raise SpecError(parameter, f"{what}, got {_describe(value)}")
    if len(value) != P or any(len(row) != P for row in value):
        shape = (len(value), len(value[0])) if value and len({len(row) for row in value}) == 1 else "ragged"
        raise SpecError(parameter, f"{what}, got shape {shape if value else (0,)}")
    return tuple(tuple(_finite(f"{parameter}[{a}][{b}]", value[a][b]) for b in range(P)) for a in range(P))


def _low_rank_terms(value: Any) -> tuple[LowRankTerm, ...]:
    """The ``[[low_rank]]`` list of tables as LowRankTerm (absent: none)."""
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise SpecError("low_rank", f"expected a list of tables ([[low_rank]]), got {_describe(value)}")
    return tuple(LowRankTerm.from_dict(d, k) for k, d in enumerate(value))


@dataclass(frozen=True)
class ModelSpec:
    """A validated random rate-network model (see the module docstring for the equations).

    Build it with :meth:`from_dict`, :meth:`from_toml`, :func:`workbench.spec.preset` or
    :meth:`simple`; all of them validate. Use :meth:`replace` to change fields (re-validated).

    Attributes
    ----------
    N : int
        Number of neurons.
    phi : Nonlinearity
        Transfer function.
    populations : tuple of Population
        Populations with fractions summing to 1.
    J0, g, p : tuple of tuple of float
        Per-block coupling mean (x N), std (x sqrt N) and connection probability.
    eta : tuple of tuple of float
        Reciprocal correlation ``corr(J_ij, J_ji)`` per population pair (symmetric table, each in
        [-1, 1]; default 0, independent couplings); nonzero needs dense random couplings.
    J_file : str or None
        A fixed coupling matrix (.npy), used as given; J0, g, p are then ignored.
    noise : Noise
    init : InitialCondition
    name : str
    low_rank : tuple of LowRankTerm
        Rank-one terms ``sum_r m_r n_r^T / N`` added to the random couplings (empty: none).
    """

    N: int = 1000
    phi: Nonlinearity = field(default_factory=lambda: make_nonlinearity("tanh"))
    populations: tuple[Population, ...] = (Population(),)
    J0: tuple[tuple[float, ...], ...] = ((0.0,),)
    g: tuple[tuple[float, ...], ...] = ((1.0,),)
    p: tuple[tuple[float, ...], ...] = ((1.0,),)
    eta: tuple[tuple[float, ...], ...] = ((0.0,),)
    J_file: str | None = None
    noise: Noise = field(default_factory=Noise)
    init: InitialCondition = field(default_factory=InitialCondition)
    name: str = "custom"
    low_rank: tuple[LowRankTerm, ...] = ()
    dynamics: Dynamics = field(default_factory=Dynamics)

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        if isinstance(self.N, (bool, np.bool_)) or not isinstance(self.N, (int, np.integer)):
            raise SpecError("N", f"must be an integer >= 1, got {_describe(self.N)}")
        if self.N < 1:
            raise SpecError("N", f"must be >= 1, got {self.N}")
        if not isinstance(self.phi, Nonlinearity):
            raise SpecError("phi", "must be a Nonlinearity (use make_nonlinearity)")
        P = len(self.populations)
        if P < 1:
            raise SpecError("populations", "need at least one population")
        names = [pop.name for pop in self.populations]
        _check_population_names(names)
        total = 0.0
        for k, pop in enumerate(self.populations):
            if not (0.0 < pop.fraction <= 1.0):
                raise SpecError(f"populations[{k}].fraction", f"must be in (0, 1], got {pop.fraction}")
            total += pop.fraction
            pop.tau.validate(f"populations[{k}].tau", positive=True)
            pop.gain.validate(f"populations[{k}].gain", positive=True, zero_low=True)
            _finite(f"populations[{k}].input_mean", pop.input_mean)
            if _finite(f"populations[{k}].input_std", pop.input_std) < 0:
                raise SpecError(f"populations[{k}].input_std", f"must be >= 0, got {pop.input_std}")
        if abs(total - 1.0) > 1e-9:
            raise SpecError("populations.fraction", f"fractions must sum to 1, got {total}")
        for nm, mat in (("J0", self.J0), ("g", self.g), ("p", self.p)):
            if len(mat) != P or any(len(row) != P for row in mat):
                raise SpecError(nm, f"must be a {P}x{P} table (one entry per population pair)")
            for a in range(P):
                for b in range(P):
                    _finite(f"{nm}[{a}][{b}]", mat[a][b])
        self._validate_sizes()
        self._validate_eta(P)
        _validate_low_rank(self.low_rank)
        if self.low_rank and self.J_file is not None:
            raise SpecError("low_rank", "cannot be combined with a fixed matrix (J_file); add the structure to J")
        for a in range(P):
            for b in range(P):
                if not self.g[a][b] >= 0:
                    raise SpecError(
                        f"g[{a}][{b}]", f"coupling std scale must be >= 0 (variance g^2/N >= 0), got {self.g[a][b]}"
                    )
                pab = self.p[a][b]
                if not (0.0 < pab <= 1.0):
                    raise SpecError(f"p[{a}][{b}]", f"connection probability must be in (0, 1], got {pab}")
                if pab < 1.0:
                    # Var(J) = p (s^2 + mu^2) - p^2 mu^2 with mu = J0/(p N): need s^2 >= 0
                    n = max(self.N, 1)
                    mu = self.J0[a][b] / (pab * n)
                    s2 = self.g[a][b] ** 2 / (pab * n) - mu**2 * (1 - pab)
                    if s2 < -1e-15:
                        gmin = abs(self.J0[a][b]) * math.sqrt((1 - pab) / (pab * n))
                        raise SpecError(
                            f"g[{a}][{b}]",
                            f"with p={pab} and J0={self.J0[a][b]} the sparse weights need g >= {gmin:.4g} "
                            "(Bernoulli sparsity alone already gives that variance)",
                        )
        if self.noise.kind not in NOISE_KINDS:
            raise SpecError("noise.kind", f"unknown noise {self.noise.kind!r}; allowed: {NOISE_KINDS}")
        if _finite("noise.sigma2", self.noise.sigma2) < 0:
            raise SpecError("noise.sigma2", f"noise intensity must be >= 0, got {self.noise.sigma2}")
        if self.noise.kind == "ou" and not _finite("noise.tau", self.noise.tau) > 0:
            raise SpecError("noise.tau", f"OU noise timescale must be > 0, got {self.noise.tau}")
        if self.noise.kind == "none" and self.noise.sigma2 != 0:
            raise SpecError("noise.sigma2", "must be 0 when noise.kind is 'none' (use kind='white' or 'ou')")
        _validate_dynamics(self.dynamics, self.noise)
        if self.init.kind not in INIT_KINDS:
            raise SpecError("init.kind", f"unknown initial law {self.init.kind!r}; allowed: {INIT_KINDS}")
        _finite("init.mean", self.init.mean)
        if _finite("init.std", self.init.std) < 0:
            raise SpecError("init.std", f"must be >= 0, got {self.init.std}")
        if self.J_file is not None:
            if not isinstance(self.J_file, (str, Path)):
                raise SpecError("J_file", f"expected a file name, got {_describe(self.J_file)}")
            J = peek_J_file(self.J_file)
            if J.shape[0] != self.N:
                raise SpecError("J_file", f"J is {J.shape[0]}x{J.shape[1]} but N = {self.N}")

    def _validate_eta(self, P: int) -> None:
        """``eta`` is a symmetric PxP table in [-1, 1]; nonzero only for dense random couplings."""
        eta = self.eta
        if not isinstance(eta, (tuple, list)) or len(eta) != P or any(len(row) != P for row in eta):
            raise SpecError("eta", f"must be a {P}x{P} table (one entry per population pair)")
        for a in range(P):
            for b in range(P):
                v = _finite(f"eta[{a}][{b}]", eta[a][b])
                if not -1.0 <= v <= 1.0:
                    raise SpecError(f"eta[{a}][{b}]", f"reciprocal correlation corr(J_ij, J_ji) must be in [-1, 1], got {v}")
                if v != eta[b][a]:
                    raise SpecError(f"eta[{a}][{b}]", f"must equal eta[{b}][{a}] (corr(J_ij, J_ji) is symmetric), "
                                    f"got {v} and {eta[b][a]}")
                if v != 0 and self.p[a][b] < 1.0:
                    raise SpecError(f"eta[{a}][{b}]", f"reciprocal correlation needs dense couplings (p = 1), "
                                    f"got p[{a}][{b}] = {self.p[a][b]}")
        if self.J_file is not None and self.has_eta:
            raise SpecError("eta", "a fixed coupling matrix (J_file) is used as given; drop eta")

    @property
    def has_eta(self) -> bool:
        """True if some population pair has reciprocally correlated couplings (eta != 0)."""
        return any(v != 0 for row in self.eta for v in row)

    def _validate_sizes(self) -> None:
        """Every population gets at least one neuron (N * fraction rounded; the last takes the rest)."""
        sizes = [int(round(p.fraction * self.N)) for p in self.populations[:-1]]
        sizes.append(self.N - sum(sizes))
        for k, n in enumerate(sizes):
            if n < 1:
                P = len(sizes)
                raise SpecError(
                    f"populations[{k}].fraction",
                    f"gives {n} neurons with N = {self.N} (fractions {[p.fraction for p in self.populations]}); "
                    f"every population needs >= 1 neuron: raise N (>= {P}) or the fraction",
                )

    # ------------------------------------------------------------------ construction
    @classmethod
    def simple(
        cls,
        N: int = 1000,
        g: float = 1.0,
        phi: str | sp.Expr = "tanh",
        J0: float = 0.0,
        p: float = 1.0,
        sigma2: float = 0.0,
        noise: str | None = None,
        noise_tau: float = 1.0,
        tau: float | dict | Distribution = 1.0,
        gain: float | dict | Distribution = 1.0,
        input_mean: float = 0.0,
        input_std: float = 0.0,
        J_file: str | None = None,
        init_mean: float = 0.0,
        init_std: float = 1.0,
        name: str = "custom",
        eta: float = 0.0,
    ) -> ModelSpec:
        """One-population model from scalar parameters (white noise if ``sigma2 > 0``)."""
        if noise is None:
            noise = "white" if sigma2 > 0 else "none"
        pop = Population(
            "all",
            1.0,
            make_distribution(tau, "tau"),
            make_distribution(gain, "gain", zero_low=True),
            float(input_mean),
            float(input_std),
        )
        return cls(
            N=N,
            phi=make_nonlinearity(phi),
            populations=(pop,),
            J0=((float(J0),),),
            g=((float(g),),),
            p=((float(p),),),
            eta=((_finite("eta", eta),),),
            J_file=J_file,
            noise=Noise(noise, float(sigma2), float(noise_tau)),
            init=InitialCondition("normal", float(init_mean), float(init_std)),
            name=name,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any], base_dir: str | Path | None = None) -> ModelSpec:
        """Build from plain data (the TOML layout; see ``workbench/spec/presets/*.toml``)."""
        data = _table("spec", data)
        allowed = {"name", "N", "phi", "populations", "coupling", "noise", "init", "J_file", "low_rank", "dynamics"}
        extra = set(data) - allowed
        if extra:
            raise SpecError("spec", f"unknown keys {sorted(extra)}; allowed {sorted(allowed)}")
        pops_data = data.get("populations")
        if pops_data is not None and not isinstance(pops_data, (list, tuple)):
            raise SpecError("populations", f"expected a list of tables ([[populations]]), got {_describe(pops_data)}")
        pops_data = pops_data or [{"name": "all", "fraction": 1.0}]
        pops = []
        for k, pd in enumerate(pops_data):
            pd = _table(f"populations[{k}]", pd)
            okk = {"name", "fraction", "tau", "gain", "input_mean", "input_std"}
            bad = set(pd) - okk
            if bad:
                raise SpecError(f"populations[{k}]", f"unknown keys {sorted(bad)}; allowed {sorted(okk)}")
            pops.append(
                Population(
                    name=str(pd.get("name", f"pop{k}")),
                    fraction=_finite(f"populations[{k}].fraction", pd.get("fraction", 1.0)),
                    tau=make_distribution(pd.get("tau", 1.0), f"populations[{k}].tau"),
                    gain=make_distribution(pd.get("gain", 1.0), f"populations[{k}].gain", zero_low=True),
                    input_mean=_finite(f"populations[{k}].input_mean", pd.get("input_mean", 0.0)),
                    input_std=_finite(f"populations[{k}].input_std", pd.get("input_std", 0.0)),
                )
            )
        P = len(pops)
        coup = _table("coupling", data.get("coupling"))
        bad = set(coup) - {"J0", "g", "p", "eta"}
        if bad:
            raise SpecError("coupling", f"unknown keys {sorted(bad)}; allowed ['J0', 'eta', 'g', 'p']")
        nd = _table("noise", data.get("noise"))
        bad = set(nd) - {"kind", "sigma2", "tau"}
        if bad:
            raise SpecError("noise", f"unknown keys {sorted(bad)}; allowed ['kind', 'sigma2', 'tau']")
        sigma2 = _finite("noise.sigma2", nd.get("sigma2", 0.0))
        noise = Noise(
            _string("noise.kind", nd.get("kind", "white" if sigma2 > 0 else "none")),
            sigma2,
            _finite("noise.tau", nd.get("tau", 1.0)),
        )
        idd = _table("init", data.get("init"))
        bad = set(idd) - {"kind", "mean", "std"}
        if bad:
            raise SpecError("init", f"unknown keys {sorted(bad)}; allowed ['kind', 'mean', 'std']")
        init = InitialCondition(
            _string("init.kind", idd.get("kind", "normal")),
            _finite("init.mean", idd.get("mean", 0.0)),
            _finite("init.std", idd.get("std", 1.0)),
        )
        J_file = data.get("J_file")
        if J_file is not None:
            J_file = _string("J_file", J_file)
            if base_dir is not None and not Path(J_file).is_absolute():
                J_file = str(Path(base_dir) / J_file)
        N = _integer("N", data["N"]) if "N" in data else 1000
        if J_file is not None and "N" not in data:
            N = int(peek_J_file(J_file).shape[0])
        return cls(
            N=N,
            phi=make_nonlinearity(_string("phi", data.get("phi", "tanh"))),
            populations=tuple(pops),
            J0=_matrix("coupling.J0", coup.get("J0"), P, 0.0),
            g=_matrix("coupling.g", coup.get("g"), P, 1.0),
            p=_matrix("coupling.p", coup.get("p"), P, 1.0),
            eta=_matrix("coupling.eta", coup.get("eta"), P, 0.0),
            J_file=J_file,
            noise=noise,
            init=init,
            name=_string("name", data.get("name", "custom")),
            low_rank=_low_rank_terms(data.get("low_rank")),
            dynamics=_dynamics(data.get("dynamics")),
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> ModelSpec:
        """Load a spec from a TOML file (relative ``J_file`` paths are resolved beside it)."""
        import tomllib

        path = Path(path)
        if path.is_dir():
            raise SpecError("spec", f"{str(path)!r} is a directory, not a TOML spec file")
        if not path.is_file():
            raise SpecError("spec", f"spec file not found: {str(path)!r}")
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError("spec", f"{str(path)!r} is not UTF-8 text (byte {exc.start}); TOML files are UTF-8") from exc
        except OSError as exc:
            raise SpecError("spec", f"cannot read {str(path)!r}: {exc.strerror or exc}") from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError("spec", f"{path}: invalid TOML: {' '.join(str(exc).split())}") from exc
        return cls.from_dict(data, base_dir=path.parent)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form; ``from_dict(to_dict())`` rebuilds an equal spec."""
        d: dict[str, Any] = {
            "name": self.name,
            "N": int(self.N),
            "phi": self.phi.label(),
            "populations": [p.to_dict() for p in self.populations],
            "coupling": {
                "J0": [list(r) for r in self.J0],
                "g": [list(r) for r in self.g],
                "p": [list(r) for r in self.p],
            },
            "noise": self.noise.to_dict(),
            "init": self.init.to_dict(),
        }
        if self.has_eta:  # only when set: specs without eta keep their run-store keys
            d["coupling"]["eta"] = [list(r) for r in self.eta]
        if self.J_file is not None:
            d["J_file"] = str(self.J_file)
        if self.low_rank:
            d["low_rank"] = [t.to_dict() for t in self.low_rank]
        if self.dynamics != Dynamics():  # only when set: flow specs keep their run-store keys
            d["dynamics"] = self.dynamics.to_dict()
        return d

    def key(self) -> str:
        """sha256 of the canonical plain-data form (and of J_file's bytes), for run stores."""
        h = hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode())
        if self.J_file is not None:
            h.update(Path(self.J_file).read_bytes())
        return h.hexdigest()

    def replace(self, **changes: Any) -> ModelSpec:
        """A copy with fields changed (validated again)."""
        return replace(self, **changes)

    def with_overrides(
        self,
        *,
        N: int | None = None,
        g: float | None = None,
        J0: float | None = None,
        phi: str | None = None,
        sigma2: float | None = None,
        J_file: str | None = None,
        eta: float | None = None,
    ) -> ModelSpec:
        """Apply the CLI's scalar overrides. ``g``/``J0``/``eta`` set every block (all populations)."""
        spec = self
        P = self.n_populations
        ch: dict[str, Any] = {}
        if J_file is not None:
            ch["J_file"] = J_file
            if N is None:
                N = int(peek_J_file(J_file).shape[0])
        if N is not None:
            ch["N"] = N
        if g is not None:
            gv = _finite("g", g)
            ch["g"] = tuple(tuple(gv for _ in range(P)) for _ in range(P))
        if J0 is not None:
            J0v = _finite("J0", J0)
            ch["J0"] = tuple(tuple(J0v for _ in range(P)) for _ in range(P))
        if phi is not None:
            ch["phi"] = make_nonlinearity(phi)
        if eta is not None:
            etav = _finite("eta", eta)
            ch["eta"] = tuple(tuple(etav for _ in range(P)) for _ in range(P))
        if sigma2 is not None:
            if _finite("sigma2", sigma2) < 0:
                raise SpecError("sigma2", f"white-noise intensity must be >= 0, got {sigma2}")
            kind = self.noise.kind if self.noise.kind != "none" else "white"
            ch["noise"] = Noise(kind if sigma2 > 0 or kind == "ou" else "none", float(sigma2), self.noise.tau)
        if ch:
            spec = replace(spec, **ch)
        return spec

    # ------------------------------------------------------------------ derived quantities
    @property
    def n_populations(self) -> int:
        """Number of populations P."""
        return len(self.populations)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Neurons per population (rounded; the last population takes the remainder)."""
        sizes = [int(round(p.fraction * self.N)) for p in self.populations[:-1]]
        sizes.append(self.N - sum(sizes))
        if any(s < 0 for s in sizes):
            raise SpecError("N", f"too small to split into fractions {[p.fraction for p in self.populations]}")
        return tuple(sizes)

    def population_index(self) -> np.ndarray:
        """Population label a(i) of every neuron, shape (N,)."""
        return np.repeat(np.arange(self.n_populations), self.sizes)

    @property
    def fixed_J(self) -> bool:
        """True if the couplings are one given matrix (no disorder average)."""
        return self.J_file is not None

    def load_J(self) -> np.ndarray:
        """The fixed coupling matrix from ``J_file`` (float64, C order)."""
        if self.J_file is None:
            raise SpecError("J_file", "this spec has random couplings; no fixed matrix to load")
        J = np.ascontiguousarray(peek_J_file(self.J_file), dtype=np.float64)
        if not np.all(np.isfinite(J)):
            raise SpecError("J_file", "J contains non-finite entries")
        return J

    # ------------------------------------------------------------------ symbolic view
    def symbols(self) -> dict[str, sp.Symbol]:
        """SymPy symbols for the scalar parameters (one population: g, J0, sigma2, ...).

        With several populations the block symbols carry the population names, e.g. ``g_EI``.
        """
        out: dict[str, sp.Symbol] = {}
        pos = {"positive": True}
        names = [p.name for p in self.populations]
        single = self.n_populations == 1
        for _a, na in enumerate(names):
            for _b, nb in enumerate(names):
                sfx = "" if single else f"_{na}{nb}"
                out[f"g{sfx}"] = sp.Symbol(f"g{sfx}", **pos)
                out[f"J0{sfx}"] = sp.Symbol(f"J_0{sfx}", real=True)
            sfx = "" if single else f"_{na}"
            out[f"tau{sfx}"] = sp.Symbol(rf"tau{sfx}", **pos)
            out[f"I0{sfx}"] = sp.Symbol(f"I_0{sfx}", real=True)
            out[f"sigma_I2{sfx}"] = sp.Symbol(f"sigma_I^2{sfx}", nonnegative=True)
        out["sigma2"] = sp.Symbol("sigma^2", nonnegative=True)
        out["tau_n"] = sp.Symbol("tau_n", positive=True)
        return out

    def values(self) -> dict[sp.Symbol, float]:
        """Numeric values of :meth:`symbols` (timescales/gains by their means)."""
        syms = self.symbols()
        names = [p.name for p in self.populations]
        single = self.n_populations == 1
        vals: dict[sp.Symbol, float] = {}
        for a, na in enumerate(names):
            for b, nb in enumerate(names):
                sfx = "" if single else f"_{na}{nb}"
                vals[syms[f"g{sfx}"]] = self.g[a][b]
                vals[syms[f"J0{sfx}"]] = self.J0[a][b]
            pop = self.populations[a]
            sfx = "" if single else f"_{na}"
            vals[syms[f"tau{sfx}"]] = pop.tau.mean()
            vals[syms[f"I0{sfx}"]] = pop.input_mean
            vals[syms[f"sigma_I2{sfx}"]] = pop.input_std**2
        vals[syms["sigma2"]] = self.noise.sigma2
        vals[syms["tau_n"]] = self.noise.tau
        return vals

    def summary(self) -> str:
        """One-line human description."""
        if self.fixed_J:
            cp = f"fixed J from {self.J_file}"
        elif self.n_populations == 1:
            cp = f"g={self.g[0][0]}, J0={self.J0[0][0]}, p={self.p[0][0]}"
        else:
            cp = f"{self.n_populations} populations {[p.name for p in self.populations]}"
        nz = self.noise.kind if self.noise.kind == "none" else f"{self.noise.kind} sigma2={self.noise.sigma2}"
        return f"{self.name}: N={self.N}, phi={self.phi.label()}, {cp}, noise {nz}"
