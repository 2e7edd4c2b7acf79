"""Stationary DMFT of discrete-time networks: the delta-step map between the map and the flow.

The network ``x(n+1) = (1 - delta) x(n) + delta (J phi(x(n)) + I) + sqrt(delta sigma2) xi(n)``
(``spec.dynamics``: ``kind = "map"``, ``delta``; one population, white or no noise). Everything is
generated from the derivation of :mod:`derivations.dmft_discrete` (the discrete-time MSRDJ action):

* the lag equation ``(1 + a^2) Delta(k) - a (Delta(k+1) + Delta(k-1)) = Gamma(k)``, ``a = 1 - delta``,
  is shot from ``Delta0`` (start ``Delta(1)`` from the derived ``k = 0`` equation) and ``Delta0`` is
  bisected until the orbit ends on ``Delta_inf`` (the stable root of ``delta^2 Delta = Gamma(Delta)``),
  the discrete analogue of the flow's particle in the potential; ``delta = 1`` (``a = 0``) is the
  closed pair ``Delta0 = Gamma(Delta0) + delta sigma2``, ``Delta(k >= 1) = Delta_inf``;
* the largest Lyapunov exponent ``log r``: the largest ``r`` for which the derived tangent operator
  ``(r^2 + a^2 - dGamma/dDelta(k)) psi(k) - a r (psi(k+1) + psi(k-1))`` has a zero ground state
  (a symmetric tridiagonal eigenproblem on the lag lattice); ``delta = 1``: ``1/2 log(g^2 <phi'^2>)``;
* the Gaussian averages and kernels with the quadrature of the flow's solvers
  (:class:`workbench.solvers.quadrature.LoweredSystem`).

With ``delta = dt`` this is the exact stationary law of the simulator's Euler-Maruyama step at
N -> infinity, so :func:`euler_bias` (``Delta0(flow) - Delta0(step dt)``) is the time-step bias a
simulation check can subtract from the flow's prediction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from workbench.errors import ConvergenceError, SpecError
from workbench.spec import ModelSpec
from workbench.theories.dmft.result import OnePopulationResult

__all__ = ["MapDMFTResult", "MapDMFTSolver", "euler_bias", "map_transition", "solve_map"]

STOP_FRACTION = 1e-8
"""The shot orbit is cut where ``Delta - Delta_inf`` falls below this fraction of ``Delta0 - Delta_inf``."""
MAX_LAGS = 200_000
"""Most lags one shot may take."""
CHEB_DEGREE = 48
"""Degree of the Chebyshev interpolants of the lag kernels (Gamma and its derivative) on [Delta_inf, Delta0]."""
BISECTION_RTOL = 1e-13
"""Relative width at which the bisection on Delta0 stops (the orbit's own convergence usually stops it first)."""


@dataclass
class MapDMFTResult(OnePopulationResult):
    """Stationary DMFT of the delta-step map (one population); lags ``k`` are in steps.

    The shared fields (``Delta0``, ..., ``kappa``) are those of
    :class:`~workbench.theories.dmft.result.OnePopulationResult`, per step: ``lyapunov`` is ``log r``,
    ``tau_half`` the lag in steps where ``Delta - Delta_inf`` falls to half of ``Delta0 - Delta_inf``,
    ``kappa`` the asymptotic decay rate per step.

    Attributes
    ----------
    delta : float
        Step of the map.
    k, Delta_k : ndarray
        The autocovariance at lags 0, 1, ... (until it reaches ``Delta_inf``).
    params : dict
        Values of the derivation's parameters.
    info : dict
        ``method`` and ``dynamics``.
    """

    CURVE_FIELDS: ClassVar[tuple[str, str]] = ("k", "Delta_k")

    delta: float
    k: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    Delta_k: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    params: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """What ``workbench dmft --dynamics map --json`` prints (strict JSON)."""
        out = {k: v for k, v in super().summary().items() if k not in ("static_Delta0", "static_radius")}
        out["delta"] = self.delta
        out["dynamics"] = "map"
        return out

    def Delta_at(self, lags: np.ndarray) -> np.ndarray:
        """Delta at integer lags (|lag|), continued geometrically to Delta_inf beyond the stored ones."""
        lags = np.abs(np.asarray(lags, dtype=int))
        n = self.Delta_k.size
        last = self.Delta_k[-1] - self.Delta_inf
        tail = self.Delta_inf + last * np.exp(-self.kappa * (lags - (n - 1)))
        return np.where(lags < n, self.Delta_k[np.minimum(lags, n - 1)], tail)


class MapDMFTSolver:
    """Generated evaluation of the derived map DMFT for one spec structure; :meth:`solve` for values."""

    def __init__(self, spec: ModelSpec, n_quad: int = 201, n_kernel: int = 101) -> None:
        import sympy as sp

        from derivations.dmft_discrete import DELTA, R_GROWTH, derive_map
        from workbench.solvers.quadrature import LoweredSystem
        from workbench.spec import X
        from workbench.symbolic.gaussian import GaussAvg, concrete_phi, endpoint_rules, lam
        from workbench.symbolic.stationary import D_VAR

        _check_map_spec(spec)
        self.spec = spec
        der = derive_map(spec)
        self.derivation = der
        P = der.fields
        free: set[sp.Symbol] = set()
        for e in (der.gamma, der.gamma0_jump, der.mean.rhs):
            free |= e.free_symbols
        self.params = tuple(sorted(free - {P.Delta0, P.mu, D_VAR, DELTA}, key=str))
        base = [P.Delta0, P.mu, DELTA, *self.params]
        kw = {"backend": "numpy", "n_quad": n_quad, "n_kernel": n_kernel}
        diag, off = der.tangent
        # diag = (its r, delta part) - dGamma/dDelta, the latter the second output of gamma_sys
        diag_rest = sp.expand(diag + sp.diff(der.gamma, D_VAR))
        if diag_rest.free_symbols - {R_GROWTH, DELTA}:
            raise AssertionError(f"unexpected tangent diagonal {diag}")
        self._diag = sp.lambdify([R_GROWTH, DELTA], diag_rest)
        self.gamma_sys = LoweredSystem([der.gamma, sp.diff(der.gamma, D_VAR)], [*base, D_VAR], name="map_gamma", **kw)
        phi = concrete_phi(spec, 0)
        dphi = sp.diff(phi, X)
        obs = [GaussAvg(lam(e), P.mu, P.Delta0) for e in (phi, dphi, phi**2, dphi**2)]
        # at lag 0 the kernels are single averages (C_phi(Delta0; Delta0) = <phi^2>): the accurate 1-D quadrature
        at0 = [endpoint_rules(e.subs(D_VAR, P.Delta0)) for e in (sp.diff(der.gamma, D_VAR), der.gamma)]
        self.point_sys = LoweredSystem([der.gamma0_jump, der.mean.rhs, *obs, *at0], base, name="map_point", **kw)
        self._off = sp.lambdify([R_GROWTH, DELTA], off)

    # ------------------------------------------------------------------ evaluations
    def param_values(self, spec: ModelSpec) -> list[float]:
        """Values of the derivation's parameters for ``spec`` (tau is not used by the map)."""
        vals = {str(k): float(v) for k, v in spec.values().items()}
        missing = [str(p) for p in self.params if str(p) not in vals]
        if missing:
            raise SpecError(missing[0], "parameter of the derivation not found in the spec")
        return [vals[str(p)] for p in self.params]

    def _gamma(self, D: np.ndarray, D0: float, mu: float, d: float, pv: list[float]) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(over="ignore"):  # sech^2 = cosh^-2 overflows to 0 in the far tails: harmless
            g, dg = self.gamma_sys.on_grid(self.gamma_sys.args[-1:], [np.asarray(D, dtype=float)], D0, mu, d, *pv)
        shape = np.shape(D)
        return np.broadcast_to(g, shape).astype(float), np.broadcast_to(dg, shape).astype(float)

    def _point(self, D0: float, mu: float, d: float, pv: list[float]) -> np.ndarray:
        return np.asarray(self.point_sys.main(D0, mu, d, *pv, *self.point_sys.placeholder_values(D0, mu, d, *pv)), float)

    def _mu(self, D0: float, d: float, pv: list[float], mu0: float) -> float:
        """The stationary mean at variance ``D0`` (the derived mean equation, by secant iteration)."""
        from scipy import optimize

        def f(m: float) -> float:
            return m - float(self._point(D0, m, d, pv)[1])

        if abs(f(mu0)) < 1e-15:
            return mu0
        sol = optimize.root_scalar(f, x0=mu0, x1=mu0 + 0.1, method="secant", xtol=1e-14)
        if not sol.converged:
            raise ConvergenceError(f"map DMFT: the mean equation did not converge at Delta0 = {D0:g}")
        return float(sol.root)

    def _delta_inf(self, D0: float, mu: float, d: float, pv: list[float]) -> float:
        """The stable root of ``delta^2 c = Gamma(c)`` in [-D0, D0] (iterated from 0)."""
        c = 0.0
        for _ in range(20000):
            c_new = float(self._gamma(np.array([c]), D0, mu, d, pv)[0][0]) / d**2
            c_new = min(max(c_new, -D0), D0)
            if abs(c_new - c) <= 1e-15 * max(D0, 1e-300):
                return c_new
            c = c_new
        return c

    def _cheb(self, D0: float, mu: float, d: float, pv: list[float], Dinf: float, which: int = 0) -> Any:
        """Chebyshev interpolant of Gamma (``which`` 0) or of its derivative in Delta (1) on
        [min(Dinf, 0) - margin, D0] (the kernels are analytic there)."""
        lo = min(Dinf, 0.0) - 0.05 * D0
        return np.polynomial.chebyshev.Chebyshev.interpolate(
            lambda x: self._gamma(x, D0, mu, d, pv)[which], CHEB_DEGREE, domain=[lo, D0]
        )

    def _shoot(self, D0: float, d: float, pv: list[float], mu0: float) -> tuple[int, np.ndarray, float, float]:
        """Shoot the lag recursion from ``D0``: (+1 overshoot below Delta_inf / -1 turn back, orbit, Dinf, mu)."""
        a = 1.0 - d
        mu = self._mu(D0, d, pv, mu0)
        Dinf = self._delta_inf(D0, mu, d, pv)
        pt = self._point(D0, mu, d, pv)
        G = self._cheb(D0, mu, d, pv, Dinf)
        gap = D0 - Dinf
        D1 = ((1 + a * a) * D0 - float(pt[-1]) - float(pt[0])) / (2 * a)
        orbit = [D0, D1]
        prev, cur = D0, D1
        for _ in range(MAX_LAGS):
            if cur < Dinf:
                return 1, np.array(orbit), Dinf, mu
            if cur > prev:
                return -1, np.array(orbit), Dinf, mu
            if cur - Dinf < STOP_FRACTION * gap:
                return 0, np.array(orbit), Dinf, mu
            nxt = ((1 + a * a) * cur - a * prev - float(G(cur))) / a
            orbit.append(nxt)
            prev, cur = cur, nxt
        return 0, np.array(orbit), Dinf, mu

    def _static(self, d: float, pv: list[float], mu0: float) -> tuple[float, float]:
        """``Delta0 = Gamma(Delta0)/delta^2`` (+ the step noise for ``delta = 1``): the largest root, and mu."""
        from scipy import optimize

        extra = 1.0 if d == 1.0 else 0.0

        def f(q: float) -> float:
            mu = self._mu(q, d, pv, mu0)
            pt = self._point(q, mu, d, pv)
            return float(pt[-1]) / d**2 + extra * float(pt[0]) - q

        hi = 1.0
        for _ in range(80):
            if f(hi) < 0:
                break
            hi *= 2.0
        else:
            raise ConvergenceError("map DMFT: the variance grows without bound (no stationary state)")
        lo = 1e-12 * hi
        if f(lo) <= 0:
            return 0.0, self._mu(0.0, d, pv, mu0)
        q = optimize.brentq(f, lo, hi, xtol=1e-15, rtol=1e-15)
        return q, self._mu(q, d, pv, mu0)

    def _chaotic(self, d: float, pv: list[float], mu0: float, q_static: float) -> tuple[float, np.ndarray, float, float] | None:
        """Bisect ``Delta0`` between an overshoot (small Delta0) and a turn-back (large), or None (static).

        The turn-back is looked for upwards from ``2 max(q_static, 1)`` (to 2^11 times it), then downwards from there
        (a phi that is not saturating, such as x - x^3/3, overshoots again at large Delta0: its orbits above the state
        turn back only up to a point), then further up (to 2^59 times it)."""
        start = 2.0 * max(q_static, 1.0)
        scans = (start * 2.0 ** np.arange(12), start * np.geomspace(1.0, 1e-6, 41)[1:], start * 2.0 ** np.arange(12, 60))
        hi = next((q for scan in scans for q in scan if self._shoot(q, d, pv, mu0)[0] == -1), None)
        if hi is None:
            return None
        lo = None
        for q in hi * np.geomspace(1.0, 1e-6, 41)[1:]:
            if self._shoot(q, d, pv, mu0)[0] == 1:
                lo = q
                break
            hi = q
        if lo is None:
            return None
        best = None
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            sign, orbit, Dinf, mu = self._shoot(mid, d, pv, mu0)
            best = (mid, orbit, Dinf, mu)
            if sign == 0 or hi - lo <= BISECTION_RTOL * hi:
                break
            lo, hi = (mid, hi) if sign == 1 else (lo, mid)
        return best

    def _lyapunov(self, Dk: np.ndarray, D0: float, mu: float, Dinf: float, d: float, pv: list[float]) -> float:
        """``log r`` of the largest r where the derived tangent operator has a zero ground state."""
        from scipy import linalg, optimize

        a = 1.0 - d
        pad = max(40, int(4.0 / d))
        D = np.concatenate([Dk[:0:-1], Dk, np.full(pad, Dinf)])
        D = np.concatenate([np.full(pad, Dinf), D])
        # the lag grid holds about 2 len(Dk) values between Delta_inf and Delta0: one interpolant of the derivative
        # kernel instead of one quadrature per lag (the orbit has thousands of lags at small delta)
        long = D.size > CHEB_DEGREE and D0 > 0.0  # (a static state, Delta0 = 0, has no interval to interpolate on)
        chi = self._cheb(D0, mu, d, pv, Dinf, which=1)(D) if long else self._gamma(D, D0, mu, d, pv)[1]
        chi[pad + Dk.size - 1] = float(self._point(D0, mu, d, pv)[-2])  # lag 0: <phi'^2> as one average

        def e_min(r: float) -> float:
            diag = float(self._diag(r, d)) - chi
            off = np.full(D.size - 1, -float(self._off(r, d)))
            if a == 0.0:
                return float(np.min(diag))
            return float(linalg.eigh_tridiagonal(diag, off, select="i", select_range=(0, 0), eigvals_only=True)[0])

        if a == 0.0:
            return 0.5 * math.log(float(np.max(chi))) if np.max(chi) > 0 else -math.inf
        # the continuum edge (no bound state): (r - a)^2 = chi(Delta_inf); a bound state lies above it
        r_edge = a + math.sqrt(max(float(chi[0]), 0.0))
        r_hi = a + math.sqrt(max(float(np.max(chi)), 0.0)) + 1e-9
        grid = np.linspace(r_hi, max(r_edge, 1e-9), 120)
        prev = grid[0]
        for r in grid[1:]:
            if e_min(r) < 0:
                return math.log(max(optimize.brentq(e_min, r, prev, xtol=1e-15), r_edge))
            prev = r
        return math.log(r_edge) if r_edge > 0 else -math.inf

    # ------------------------------------------------------------------ solve
    def solve(self, spec: ModelSpec | None = None, delta: float | None = None, mu0: float | None = None,
              step_noise: float | None = None, lyapunov: bool = True) -> MapDMFTResult:
        """Solve for ``spec`` (same structure; default the build spec); ``delta`` overrides spec.dynamics.delta.

        ``step_noise`` overrides the noise variance per step (default ``delta sigma2``).
        """
        spec = spec or self.spec
        d = float(spec.dynamics.delta if delta is None else delta)
        if not 0 < d <= 1:
            raise SpecError("delta", f"must be in (0, 1], got {d}")
        pv = self.param_values(spec)
        if step_noise is not None:
            pv = self._with_step_noise(pv, step_noise, d)
        mu0 = float(spec.populations[0].input_mean if mu0 is None else mu0)
        q_s, mu_s = self._static(d, pv, mu0)
        regime, Dk = "static", np.array([q_s])
        D0, mu, Dinf = q_s, mu_s, q_s
        if d == 1.0:
            Dinf = self._delta_inf(q_s, mu_s, d, pv)
            Dk = np.array([q_s, Dinf])
            regime = "static" if abs(q_s - Dinf) <= 1e-12 * max(q_s, 1e-300) else "fluctuating"
        else:
            shot = self._chaotic(d, pv, mu0, q_s)
            if shot is not None:
                D0, Dk, Dinf, mu = shot
                Dk = np.minimum.accumulate(np.maximum(Dk, Dinf))
                regime = "fluctuating"
            elif self._noise(pv) > 0:  # noise makes every state fluctuate: a static answer would be a silent wrong one
                raise SpecError("sigma2", f"the map DMFT's lag shooting found no fluctuating state at delta = {d:.4g} "
                                "(noise > 0); lower --g or the step")
        lyap = self._lyapunov(Dk, D0, mu, Dinf, d, pv) if lyapunov else math.nan
        if regime != "static" and lyap > 0:
            regime = "chaotic"
        obs = self._point(D0, mu, d, pv)[2:6]
        kappa, tau_half = _decay(Dk, Dinf, d, self._gamma(np.array([Dinf]), D0, mu, d, pv)[1][0])
        params = {str(p): v for p, v in zip(self.params, pv, strict=True)}
        phi_avgs = dict(zip(("mean_phi", "mean_phi_prime", "C_phi0", "mean_phi_prime2"), map(float, obs), strict=True))
        return MapDMFTResult(
            Delta0=D0, Delta_inf=Dinf, mu=mu, regime=regime, **phi_avgs, lyapunov=lyap, tau_half=tau_half,
            kappa=kappa, delta=d, k=np.arange(Dk.size), Delta_k=Dk,
            params=params, info={"method": "map lag shooting", "dynamics": spec.dynamics.to_dict()},
        )

    def _noise(self, pv: list[float]) -> float:
        """The white-noise intensity among the parameter values (0 if the derivation has none)."""
        names = [str(p) for p in self.params]
        return float(pv[names.index("sigma^2")]) if "sigma^2" in names else 0.0

    def _with_step_noise(self, pv: list[float], step_noise: float, d: float) -> list[float]:
        names = [str(p) for p in self.params]
        if "sigma^2" not in names:
            raise SpecError("step_noise", "needs a spec with white noise (the derivation has no sigma2)")
        out = list(pv)
        out[names.index("sigma^2")] = step_noise / d
        return out


def _decay(Dk: np.ndarray, Dinf: float, d: float, chi_inf: float) -> tuple[float, float]:
    """Asymptotic decay rate per step (linearised recursion at Delta_inf) and the half-decay lag."""
    a = 1.0 - d
    if Dk.size < 2 or Dk[0] - Dinf <= 0:
        return math.nan, math.inf
    if a == 0.0:
        kappa = -math.log(chi_inf) if chi_inf > 0 else math.inf
    else:
        b = (1 + a * a - chi_inf) / a
        rho = (b - math.sqrt(max(b * b - 4.0, 0.0))) / 2.0
        kappa = -math.log(rho) if rho > 0 else math.inf
    y = (Dk - Dinf) / (Dk[0] - Dinf)
    below = np.nonzero(y <= 0.5)[0]
    if below.size == 0:
        return kappa, math.inf
    j = int(below[0])
    tau_half = j - 1 + (y[j - 1] - 0.5) / (y[j - 1] - y[j])
    return kappa, float(tau_half)


def _check_map_spec(spec: ModelSpec) -> None:
    """SpecError for what the map DMFT does not cover."""
    if spec.n_populations != 1:
        raise SpecError("populations", "the map DMFT covers one population")
    if spec.noise.kind == "ou":
        raise SpecError("noise.kind", "the map DMFT takes white noise or none")
    if spec.fixed_J:
        raise SpecError("J_file", "the DMFT averages over random couplings")


_SOLVERS: dict[str, MapDMFTSolver] = {}


def _solver(spec: ModelSpec) -> MapDMFTSolver:
    """One solver per structure (nonlinearity, noise kind) in this process."""
    key = f"{spec.phi.label()}|{spec.noise.kind}|{spec.populations[0].gain.to_dict()}"
    if key not in _SOLVERS:
        _SOLVERS[key] = MapDMFTSolver(spec)
    return _SOLVERS[key]


def solve_map(spec: ModelSpec, delta: float | None = None, **kwargs: Any) -> MapDMFTResult:
    """The stationary map DMFT of ``spec`` (``delta`` overrides ``spec.dynamics.delta``)."""
    return _solver(spec).solve(spec, delta=delta, **kwargs)


def euler_bias(spec: ModelSpec, dt: float, method: str = "euler", quantity: str = "Delta0") -> float:
    """``Delta0(flow) - Delta0(step dt)``: the N -> infinity time-step bias of the simulator's variance.

    ``quantity``: the single-site statistic of the two DMFT results compared (``"Delta0"``, or e.g. ``"C_phi0"``
    for ``<phi^2>``).

    ``method="euler"`` (Euler-Maruyama) is the map with ``delta = dt/tau`` and step noise
    ``sigma2 dt / tau^2``; ``"exp"`` (exponential Euler) the map with ``delta = 1 - exp(-dt/tau)`` and
    step noise ``sigma2 (1 - a^2) / (2 tau)``. Subtract it from the flow's prediction:
    ``Delta0_sim ~ Delta0_flow - euler_bias``.
    """
    from workbench.theories.dmft.problem import shared_solver

    tau = spec.populations[0].tau
    if tau.kind != "constant":
        raise SpecError("populations[0].tau", "euler_bias needs a constant timescale")
    tau_v = float(tau.value)
    flow = spec.replace(dynamics=type(spec.dynamics)())
    d0_flow = getattr(shared_solver(flow).solve(flow, curves=False, lyapunov=False), quantity)
    s2 = spec.noise.sigma2
    if method == "euler":
        d, step = dt / tau_v, s2 * dt / tau_v**2
    elif method == "exp":
        a = math.exp(-dt / tau_v)
        d, step = 1.0 - a, s2 * (1.0 - a * a) / (2.0 * tau_v)
    else:
        raise SpecError("method", f"unknown integrator {method!r}; allowed: 'euler', 'exp'")
    mapped = flow.replace(dynamics=type(spec.dynamics)("map", d))
    step_noise = step if s2 > 0 else None
    return float(np.ravel(d0_flow)[0] - np.ravel(getattr(solve_map(mapped, lyapunov=False, step_noise=step_noise),
                                                          quantity))[0])


def map_transition(spec: ModelSpec, delta: float | None = None, lo: float = 0.3, hi: float = 6.0) -> float:
    """The coupling ``g_c`` where the map's largest Lyapunov exponent crosses 0 (brentq in g)."""
    from scipy import optimize

    def lam(g: float) -> float:
        s = spec.with_overrides(g=g)
        return solve_map(s, delta=delta).lyapunov

    return float(optimize.brentq(lam, lo, hi, xtol=1e-10))


# ---------------------------------------------------------------------- CLI: workbench dmft --dynamics map
def extend_cli(register: Any, run: Any) -> tuple[Any, Any]:
    """``(register, run)`` of ``workbench dmft`` with ``--dynamics flow|map`` and ``--delta`` added."""

    def register_map(sub: Any) -> None:
        """Add the ``dmft`` sub-command and the map options."""
        from workbench.spec.cli_options import add_dynamics_options

        register(sub)
        add_dynamics_options(sub.choices["dmft"])

    def run_map(args: Any) -> int:
        """The flow's ``run``, or the map DMFT for ``--dynamics map`` (or a map spec)."""
        from workbench.theories.dmft import cli

        cli._check_options(args)
        spec = cli._model(args)
        if spec.dynamics.kind != "map":
            return run(args)
        if args.tau is not None:
            raise SpecError("tau", "is not used by the map (one step per unit time); drop --tau")
        return print_map(solve_map(spec, lyapunov=not args.no_lyapunov), spec, args.json)

    return register_map, run_map


def print_map(res: MapDMFTResult, spec: ModelSpec, as_json: bool) -> int:
    """Print the map DMFT summary (strict JSON with ``--json``)."""
    from workbench.io import strict_dumps

    out = res.summary()
    out["params"] = {"phi": spec.phi.label(), "noise": spec.noise.to_dict(), **out["params"]}
    if as_json:
        if out.get("tau_half") is None:
            out["tau_half_reason"] = "infinite: static regime (Delta(k) does not decay)"
        for key in ("lyapunov", "kappa"):
            if out.get(key) is None:
                out[key + "_reason"] = "not computed (--no-lyapunov)" if key == "lyapunov" else "no decay (static)"
        print(strict_dumps(out))
    else:
        for key, v in out.items():
            print(f"{key:>15s}  {v:.6g}" if isinstance(v, float) else f"{key:>15s}  {v}")
    return 0
