"""The transient mean-field problem: model, initial law, grid and its time-stepping coefficients.

Model (Faugeras & Tanré; seed text ``shared/seeds/003_ede3c11af57412ec.txt``, eq. (2)-(3))::

    dX^i = ( g(X^i) + sum_j J_ij f(X^j) ) dt + lambda dW^i,   J_ij ~ (mean J/N, variance sigma^2/N),
    X^i_0 iid ~ mu0 (normal or point mass).

Its N -> infinity limit is the effective process (notes ``meanfield-transient.md`` §2.3)::

    dX = ( g(X) + eta ) dt + lambda dB,   eta ~ GP(J m(t), sigma^2 K(t, s)),
    m(t) = E f(X_t),   K(t, s) = E f(X_t) f(X_s)   (uncentred).

Correspondence with :class:`workbench.spec.ModelSpec`: ``J -> J0``, ``sigma -> g``,
``lambda = sqrt(noise.sigma2)`` (white noise of intensity ``sigma2``), ``f -> phi``.

Time discretisation (shared by every solver and by the network simulator): grid ``t_k = k dt``,
the recurrent field is held constant on ``[t_k, t_{k+1})`` (left-point rule) and

    X_{k+1} = A(X_k) + b (J m_k + noise) + eps_k,   eps_k ~ N(0, v_eps),

* affine ``g(x) = alpha x + beta`` (e.g. the leak ``-x``): exponential Euler, exact for frozen
  field: ``A(x) = e^{alpha dt} x + b beta``, ``b = int_0^dt e^{alpha u} du``,
  ``v_eps = lambda^2 int_0^dt e^{2 alpha u} du`` (derived symbolically in
  :mod:`derivations.meanfield_transient`);
* any other ``g``: Euler-Maruyama, ``A(x) = x + dt g(x)``, ``b = dt``, ``v_eps = lambda^2 dt``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from workbench.errors import SpecError
from workbench.expr import parse_expression
from workbench.spec import InitialCondition, ModelSpec, Nonlinearity, X, make_nonlinearity

__all__ = ["InitialLaw", "TransientProblem", "parse_mu0", "make_drift"]

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


@dataclass(frozen=True)
class InitialLaw:
    """Law of X_0: ``normal`` (``mean``, ``std``) or ``point`` (a point mass at ``mean``).

    Attributes
    ----------
    kind : {"normal", "point"}
    mean : float
    std : float
        Standard deviation (0 for a point mass).
    """

    kind: str = "normal"
    mean: float = 0.0
    std: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("normal", "point"):
            raise SpecError("mu0", f"unknown initial law {self.kind!r}; allowed: 'normal', 'point'")
        for nm, v in (("mean", self.mean), ("std", self.std)):
            if not math.isfinite(float(v)):
                raise SpecError(f"mu0.{nm}", f"must be finite, got {v!r}")
        if self.std < 0:
            raise SpecError("mu0.std", f"standard deviation must be >= 0, got {self.std}")
        if self.kind == "point" and self.std != 0:
            raise SpecError("mu0.std", "a point mass has std 0")

    @property
    def var(self) -> float:
        """Variance of X_0."""
        return float(self.std) ** 2

    def sample(self, rng: np.random.Generator, M: int) -> np.ndarray:
        """Draw ``M`` initial values."""
        if self.kind == "point" or self.std == 0:
            return np.full(M, float(self.mean))
        return self.mean + self.std * rng.standard_normal(M)

    def label(self) -> str:
        """The CLI syntax that rebuilds this law (``normal:MEAN,STD`` or ``point:X``)."""
        if self.kind == "point":
            return f"point:{self.mean:g}"
        return f"normal:{self.mean:g},{self.std:g}"

    def is_symmetric(self) -> bool:
        """True if the law is symmetric about 0."""
        return self.mean == 0.0


def parse_mu0(text: str | InitialLaw) -> InitialLaw:
    """Parse the CLI syntax ``normal:MEAN,STD`` or ``point:X``.

    Parameters
    ----------
    text : str or InitialLaw
        ``"normal:0,1"`` is N(0, 1) (second number = standard deviation), ``"point:0.5"`` is the
        point mass at 0.5. ``"normal"`` alone is N(0, 1).

    Raises
    ------
    SpecError
        Naming ``mu0`` and the accepted syntax.
    """
    if isinstance(text, InitialLaw):
        return text
    s = str(text).strip().lower().replace(" ", "")
    if s == "normal":
        return InitialLaw("normal", 0.0, 1.0)
    m = re.fullmatch(rf"normal:({_NUM}),({_NUM})", s)
    if m:
        std = float(m.group(2))
        if std < 0:
            raise SpecError("mu0", f"standard deviation must be >= 0 in {text!r}")
        return InitialLaw("normal", float(m.group(1)), std)
    m = re.fullmatch(rf"point:({_NUM})", s)
    if m:
        return InitialLaw("point", float(m.group(1)), 0.0)
    raise SpecError("mu0", f"cannot parse {text!r}; expected 'normal:MEAN,STD' (e.g. normal:0,1) or 'point:X'")


def make_drift(value: str | sp.Expr | None) -> sp.Expr:
    """The intrinsic drift g(x) as a SymPy expression in :data:`workbench.spec.X` (default ``-x``).

    Strings are parsed by :func:`workbench.expr.parse_expression` (a whitelist; nothing is evaluated).

    Raises
    ------
    SpecError
        Naming ``g`` if the expression is outside the whitelist or has free symbols other than ``x``.
    """
    if value is None:
        return -X
    if isinstance(value, str):
        expr = parse_expression(value, parameter="g", hint="give the drift as an expression in x such as '-x'")
    elif isinstance(value, sp.Basic):
        expr = value
    elif isinstance(value, (int, float)):
        expr = sp.Float(value)
    else:
        raise SpecError("g", f"expected a SymPy expression in x, got {type(value).__name__}")
    if not isinstance(expr, sp.Expr):
        raise SpecError("g", f"{value!r} is not an expression in x")
    free = {s for s in expr.free_symbols if s != X}
    if free and all(s.name == "x" for s in free):
        expr = expr.subs({s: X for s in free})
        free = set()
    if free:
        raise SpecError("g", f"drift may depend on x only, found {sorted(map(str, free))}")
    return expr


def _check_number(name: str, value: Any, *, lo: float | None = None, strict: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise SpecError(name, f"expected a number, got {value!r}") from exc
    if not math.isfinite(v):
        raise SpecError(name, f"must be finite, got {value!r}")
    if lo is not None and (v < lo or (strict and v == lo)):
        raise SpecError(name, f"must be {'>' if strict else '>='} {lo:g}, got {value!r}")
    return v


@dataclass(frozen=True)
class TransientProblem:
    """One transient mean-field problem on ``[0, T]`` with step ``dt``.

    Parameters
    ----------
    J : float
        Coupling mean scale: E J_ij = J/N.
    sigma : float
        Coupling std scale: Var J_ij = sigma^2/N (>= 0).
    lam : float
        Noise amplitude lambda (>= 0): ``lambda dW``.
    f : str, sympy.Expr or Nonlinearity
        Output nonlinearity (``logistic`` default; any workbench nonlinearity).
    g : str or sympy.Expr, optional
        Intrinsic drift g(x) in ``x``; default ``-x``.
    mu0 : str or InitialLaw
        Initial law (``normal:MEAN,STD`` or ``point:X``); default N(0, 1).
    T : float
        Horizon (> 0).
    dt : float
        Time step (> 0; ``T`` must be a multiple of ``dt``).
    """

    J: float = 0.0
    sigma: float = 1.0
    lam: float = 1.0
    f: Nonlinearity = field(default_factory=lambda: make_nonlinearity("logistic"))
    g: sp.Expr = None  # type: ignore[assignment]
    mu0: InitialLaw = field(default_factory=InitialLaw)
    T: float = 10.0
    dt: float = 0.01

    def __post_init__(self) -> None:
        object.__setattr__(self, "J", _check_number("J", self.J))
        object.__setattr__(self, "sigma", _check_number("sigma", self.sigma, lo=0.0))
        object.__setattr__(self, "lam", _check_number("lam", self.lam, lo=0.0))
        object.__setattr__(self, "T", _check_number("T", self.T, lo=0.0, strict=True))
        object.__setattr__(self, "dt", _check_number("dt", self.dt, lo=0.0, strict=True))
        object.__setattr__(self, "f", make_nonlinearity(self.f, "f"))
        object.__setattr__(self, "g", make_drift(self.g))
        object.__setattr__(self, "mu0", parse_mu0(self.mu0))
        if self.dt > self.T:
            raise SpecError("dt", f"must be <= T={self.T}, got {self.dt}")
        n = int(round(self.T / self.dt))
        if abs(n * self.dt - self.T) > 1e-9 * self.T:
            raise SpecError("dt", f"T={self.T} must be a multiple of dt={self.dt}")
        if n > 20000:
            raise SpecError("dt", f"T/dt = {n} grid steps; at most 20000 (the solvers store n x n matrices)")

    # ------------------------------------------------------------------ grid
    @property
    def n(self) -> int:
        """Number of time steps; the grid has ``n + 1`` points."""
        return int(round(self.T / self.dt))

    @property
    def t(self) -> np.ndarray:
        """The time grid ``t_k = k dt``, k = 0..n."""
        return np.arange(self.n + 1) * self.dt

    def replace(self, **changes: Any) -> TransientProblem:
        """A validated copy with fields changed."""
        return replace(self, **changes)

    # ------------------------------------------------------------------ drift structure
    @cached_property
    def affine(self) -> tuple[float, float] | None:
        """``(alpha, beta)`` if ``g(x) = alpha x + beta``, else None."""
        if sp.simplify(sp.diff(self.g, X, 2)) != 0:
            return None
        alpha = sp.simplify(sp.diff(self.g, X))
        beta = sp.simplify(self.g - alpha * X)
        if alpha.free_symbols or beta.free_symbols:
            return None
        return float(alpha), float(beta)

    @cached_property
    def step(self) -> dict[str, Any]:
        """Step map and coefficients: ``A_expr`` (SymPy in x and dt), ``b``, ``v_eps``, ``scheme``.

        Affine g uses the exact exponential-Euler coefficients derived by
        :func:`derivations.meanfield_transient.exponential_euler_coefficients`; otherwise
        Euler-Maruyama.
        """
        from derivations.meanfield_transient import DT, exponential_euler_coefficients

        lam2 = self.lam**2
        if self.affine is not None:
            alpha, beta = self.affine
            co = exponential_euler_coefficients(alpha, beta, lam2)
            vals = {k: float(v.subs(DT, self.dt)) for k, v in co.items() if k != "A"}
            return {"scheme": "exponential-euler", "A_expr": co["A"], "a": vals["a"], "b": vals["b"],
                    "v_eps": vals["v_eps"], "bbeta": vals["bbeta"]}
        return {
            "scheme": "euler-maruyama",
            "A_expr": X + DT * self.g,
            "a": float("nan"),
            "b": self.dt,
            "v_eps": lam2 * self.dt,
            "bbeta": 0.0,
        }

    # ------------------------------------------------------------------ conversions
    @classmethod
    def from_spec(
        cls, spec: ModelSpec, T: float = 10.0, dt: float = 0.01, drift: str | sp.Expr | None = None
    ) -> TransientProblem:
        """The FT problem of a one-population workbench spec (``J0 -> J``, ``g -> sigma``, ``sigma2 -> lam^2``).

        ``drift`` is the intrinsic drift g(x) (default the spec's leak ``-x``); the spec's init law
        is mu0.

        Raises
        ------
        SpecError
            If the spec has features outside the FT model (several populations, fixed J, sparse
            couplings, quenched input, non-unit tau or gain, OU noise).
        """
        if spec.fixed_J:
            raise SpecError("J_file", "the mean-field limit needs random couplings, not a fixed matrix")
        if spec.n_populations != 1:
            raise SpecError("populations", "the Faugeras-Tanre model has one population")
        pop = spec.populations[0]
        if pop.tau.kind != "constant" or pop.tau.value != 1.0:
            raise SpecError("populations[0].tau", "the FT model has tau = 1")
        if pop.gain.kind != "constant" or pop.gain.value != 1.0:
            raise SpecError("populations[0].gain", "the FT model has gain = 1")
        if pop.input_mean != 0 or pop.input_std != 0:
            raise SpecError("populations[0].input_mean", "the FT model has no external input")
        if spec.p[0][0] != 1.0:
            raise SpecError("p", "the FT model is fully connected (p = 1)")
        if spec.noise.kind == "ou":
            raise SpecError("noise.kind", "the FT model has white noise")
        init = spec.init
        mu0 = InitialLaw("point", init.mean, 0.0) if init.kind == "point" else InitialLaw("normal", init.mean, init.std)
        return cls(J=spec.J0[0][0], sigma=spec.g[0][0], lam=math.sqrt(spec.noise.sigma2), f=spec.phi, g=drift,
                   mu0=mu0, T=T, dt=dt)

    def to_spec(self, N: int = 2000, name: str = "ft-meanfield") -> ModelSpec:
        """The workbench network spec with the same law (only for ``g(x) = -x``).

        Raises
        ------
        SpecError
            If ``g`` is not the leak ``-x`` (the simulator has only the leak).
        """
        if self.affine != (-1.0, 0.0):
            raise SpecError("g", f"the network simulator supports g(x) = -x only, got {self.g}")
        spec = ModelSpec.simple(N=N, g=self.sigma, phi=self.f, J0=self.J, sigma2=self.lam**2, name=name,
                                init_mean=self.mu0.mean, init_std=self.mu0.std)
        if self.mu0.kind == "point":
            spec = spec.replace(init=InitialCondition("point", self.mu0.mean, 0.0))
        return spec

    def to_dict(self) -> dict[str, Any]:
        """Plain-data provenance."""
        return {
            "J": self.J,
            "sigma": self.sigma,
            "lam": self.lam,
            "f": self.f.label(),
            "g": str(self.g),
            "mu0": self.mu0.label(),
            "T": self.T,
            "dt": self.dt,
            "n": self.n,
        }

    def summary(self) -> str:
        """One-line description."""
        return (f"J={self.J:g}, sigma={self.sigma:g}, lambda={self.lam:g}, f={self.f.label()}, g={self.g}, "
                f"mu0={self.mu0.label()}, T={self.T:g}, dt={self.dt:g}")
