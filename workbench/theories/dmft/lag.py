"""Generated stationary DMFT on a lag grid: several populations, any stationary noise covariance.

Where no energy integral exists (two or more populations; OU / coloured input noise, whose
covariance depends on the lag explicitly; shared theory/dmft.md §7, §9) the derived stationary
equations

    -M_a Delta_a''(u) + c_a Delta_a(u) = S_a delta(u) + R_a(u; {Delta_b(u), Delta0_b, mu_b}),
    mu_a = m_a({mu_b, Delta0_b})

are solved by fixed-point iteration on a lag grid ``u_k = k h``, ``k < n``. Every coefficient
(``M_a``, ``c_a``, the white-noise weight ``S_a``), the regular right-hand side ``R_a`` (Gaussian
kernels of the other populations, coloured-noise covariance, quenched-input variance) and the mean
map are read off the SymPy equations of :mod:`derivations.dmft` and compiled by
:class:`~workbench.solvers.quadrature.LoweredSystem` -- nothing is retyped here.

One step of the map: the constant tail ``R_a(inf)`` is divided by ``c_a`` exactly; the decaying
rest is convolved with the Green's function of ``c - M d^2/du^2`` by a type-I DCT (the even,
periodic extension of the grid; spectral multiplier ``1 / (c + M omega^2)``); the delta source adds
``S_a exp(-|u| sqrt(c/M)) / (2 sqrt(c M))`` in closed form. Anderson mixing (depth 6) accelerates
a damped Picard start. Stability of the static (constant) branch is decided by the derived
Jacobian ``A_ab = dR_a/dDelta_b / c_a`` at the static solution
(:attr:`~workbench.symbolic.stationary.StationaryDMFT.static_jacobian`, shared with the energy
solver; its spectral radius: the Aljadeff--Stern--Sharpee / Kadmon--Sompolinsky bulk edge).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np
import sympy as sp
from scipy import fft, optimize

from workbench.errors import ConvergenceError, SpecError
from workbench.solvers.failures import numerical_failure_is_convergence_error
from workbench.solvers.quadrature import LoweredSystem
from workbench.spec import ModelSpec, X
from workbench.symbolic.gaussian import GaussAvg, concrete_phi, lam
from workbench.symbolic.stationary import u as U_LAG
from workbench.theories.base import Solver
from workbench.theories.dmft.result import StationaryResult

__all__ = ["LagDMFTResult", "LagDMFTSolver", "parameter_values"]


@dataclass
class LagDMFTResult(StationaryResult):
    """Stationary DMFT solution on a lag grid, one entry per population.

    Attributes
    ----------
    populations : list of str
    Delta0, Delta_inf, mu : ndarray
        Variance, static part of the autocovariance and mean of x, per population.
    mean_phi, mean_phi_prime, C_phi0, mean_phi_prime2 : ndarray
        ``<phi>``, ``<phi'>``, ``<phi^2>``, ``<phi'^2>`` per population at (mu, Delta0).
    tau_half : ndarray
        Lag where ``Delta - Delta_inf`` falls to half of ``Delta0 - Delta_inf`` (inf if static).
    regime : str
        ``"static"`` (stable fixed point, no noise), ``"chaotic"`` (no noise, fluctuating) or
        ``"fluctuating"`` (noise-driven; the Lyapunov exponent is not derived for this structure).
    static_Delta0, static_mu : ndarray
        The static (constant) branch.
    static_radius : float
        Bulk radius of the Jacobian spectrum at the static branch: the square root of the spectral
        radius of the derived matrix ``dR_a/dDelta_b / c_a``; the static branch is stable below 1.
    tau : ndarray
        Lag grid; ``Delta_tau`` has shape (n_populations, tau.size).
    lyapunov : None
        Not derived for several populations or coloured noise (kept for a uniform interface).
    error_estimates : dict
        A-posteriori absolute error estimate (max over populations) of ``Delta0``, ``Delta_inf``,
        ``mu``, ``Delta_tau`` (max over the grid) and ``tau_half``: the change against a re-solve on
        the grid of step 2h, over 3 (Richardson: the grid error is O(h^2), the kink of Delta at
        u = 0 in the regular part limits the cosine transform to second order; tau_half: the whole
        change, its crossing interpolation is not a clean h^2 series).
    """

    populations: list[str]
    Delta0: np.ndarray
    Delta_inf: np.ndarray
    mu: np.ndarray
    mean_phi: np.ndarray
    mean_phi_prime: np.ndarray
    C_phi0: np.ndarray
    mean_phi_prime2: np.ndarray
    tau_half: np.ndarray
    regime: str
    static_Delta0: np.ndarray
    static_mu: np.ndarray
    static_radius: float
    tau: np.ndarray = field(repr=False)
    Delta_tau: np.ndarray = field(repr=False)
    lyapunov: None = None
    params: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    error_estimates: dict[str, float] = field(default_factory=dict)

    @classmethod
    def per_population(cls) -> tuple[str, ...]:
        """Names of the per-population values (the array fields other than the lag grid and the curves)."""
        return tuple(f.name for f in fields(cls) if f.type == "np.ndarray" and f.name not in ("tau", "Delta_tau"))

    def to_dict(self, arrays: bool = False) -> dict[str, Any]:
        """JSON-friendly dict: scalars for one population, ``{name: value}`` maps otherwise."""
        one = len(self.populations) == 1
        d: dict[str, Any] = {"regime": self.regime, "static_radius": self.static_radius, "lyapunov": None}
        for k in self.per_population():
            v = getattr(self, k)
            d[k] = float(v[0]) if one else {p: float(x) for p, x in zip(self.populations, v, strict=True)}
        d["populations"] = list(self.populations)
        d["params"] = dict(self.params)
        d["info"] = dict(self.info)
        if self.error_estimates:
            d["error_estimates"] = {k: float(v) for k, v in self.error_estimates.items()}
        if arrays:
            d["tau"] = self.tau.tolist()
            d["Delta_tau"] = self.Delta_tau.tolist()
        return d

    def Delta_at(self, lags: np.ndarray, population: int = 0) -> np.ndarray:
        """``Delta_a(|lag|)`` interpolated on the grid (``Delta_inf`` beyond it)."""
        lags = np.abs(np.asarray(lags, dtype=float))
        return np.interp(lags, self.tau, self.Delta_tau[population], right=float(self.Delta_inf[population]))


def _spec_parameter(spec: ModelSpec, key: str) -> str:
    """The spec's own name (as in the TOML file) of the value behind a ``spec.symbols()`` key."""
    names = [p.name for p in spec.populations]
    single = spec.n_populations == 1
    fixed = {"sigma2": "noise.sigma2", "tau_n": "noise.tau"}
    if key in fixed:
        return fixed[key]
    for a, na in enumerate(names):
        sfx = "" if single else f"_{na}"
        per_pop = {f"tau{sfx}": "tau", f"I0{sfx}": "input_mean", f"sigma_I2{sfx}": "input_std"}
        if key in per_pop:
            return f"populations[{a}].{per_pop[key]}"
        for b, nb in enumerate(names):
            sab = "" if single else f"_{na}{nb}"
            if key in (f"g{sab}", f"J0{sab}"):
                return f"coupling.{key.removesuffix(sab)}[{a}][{b}]"
    return key


def _neutral(spec: ModelSpec, key: str, value: float) -> bool:
    """True if a spec value without a symbol in the derivation changes nothing (0, or an unused OU timescale)."""
    if key == "tau_n":
        return spec.noise.kind != "ou"
    return value == 0.0


def parameter_values(params: tuple[sp.Symbol, ...], spec: ModelSpec) -> list[float]:
    """Numeric values of a derivation's parameters for ``spec``: the spec's symbols plus the
    population fractions ``alpha``. A parameter the spec does not define, and a spec value that
    matters (not 0) but has no symbol in the derivation, are SpecErrors: nothing is dropped."""
    wanted = {str(p) for p in params}
    syms = spec.symbols()
    vals = {str(k): float(v) for k, v in spec.values().items()}
    for key, sym in syms.items():
        if str(sym) not in wanted and not _neutral(spec, key, vals[str(sym)]):
            raise SpecError(
                _spec_parameter(spec, key),
                f"= {vals[str(sym)]:g} has no symbol in the derived equations (parameters "
                f"{sorted(wanted)}); the DMFT of this structure cannot take it into account",
            )
    single = spec.n_populations == 1
    for p in spec.populations:
        vals["alpha" if single else f"alpha_{p.name}"] = float(p.fraction)
    out = []
    for p in params:
        if str(p) not in vals:
            raise SpecError(str(p), "parameter of the derivation not found in the spec")
        out.append(vals[str(p)])
    return out


class _Diverged(ConvergenceError):
    """The fixed-point iteration produced non-finite values (:meth:`LagDMFTSolver._grid_solve` says it in words)."""


def _anderson(
    F,
    x0: np.ndarray,
    *,
    beta: float = 0.5,
    depth: int = 6,
    picard: int = 20,
    tol: float = 1e-10,
    max_iter: int = 3000,
) -> tuple[np.ndarray, int, float]:
    """Fixed point ``x = F(x)`` by ``picard`` damped steps, then Anderson mixing (type II)."""
    x = x0.copy()
    X_hist: list[np.ndarray] = []
    G_hist: list[np.ndarray] = []
    res = math.inf
    for it in range(max_iter):
        fx = F(x)
        g = fx - x
        res = float(np.max(np.abs(g)))
        if not math.isfinite(res):
            raise _Diverged("lag-grid DMFT iteration produced non-finite values")
        if res < tol * max(1.0, float(np.max(np.abs(x)))):
            return fx, it, res
        if it < picard:
            x = x + beta * g
            continue
        X_hist.append(x.copy())
        G_hist.append(g.copy())
        if len(X_hist) > depth + 1:
            X_hist.pop(0)
            G_hist.pop(0)
        if len(X_hist) >= 2:
            dG = np.stack([G_hist[k + 1] - G_hist[k] for k in range(len(G_hist) - 1)], axis=1)
            dX = np.stack([X_hist[k + 1] - X_hist[k] for k in range(len(X_hist) - 1)], axis=1)
            gam, *_ = np.linalg.lstsq(dG, g, rcond=None)
            x = x + beta * g - (dX + beta * dG) @ gam
        else:
            x = x + beta * g
    raise ConvergenceError(f"lag-grid DMFT iteration did not converge in {max_iter} steps (residual {res:.2e})")


def _tau_half(u: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Per population, the lag where ``Delta - Delta_inf`` falls to half its decay (linear interpolation; inf if static)."""
    half = np.full(D.shape[0], np.inf)
    for a in range(D.shape[0]):
        D0, Dinf = D[a, 0], D[a, -1]
        if D0 - Dinf > 1e-9 * max(D0, 1e-12):
            target = Dinf + 0.5 * (D0 - Dinf)
            k = int(np.argmax(D[a] <= target))
            if k > 0:
                half[a] = u[k - 1] + (target - D[a, k - 1]) * (u[k] - u[k - 1]) / (D[a, k] - D[a, k - 1])
    return half


class LagDMFTSolver(Solver):
    """Compiled lag-grid systems for one derivation; :meth:`solve` takes a spec of the same structure.

    Parameters
    ----------
    problem : DMFTProblem
    backend : {"numba", "numpy"}
        Backend of the mean map and observables (the grid right-hand side always uses numpy).
    n_quad, n_kernel : int
        Gauss-Hermite orders (averages; each level of the nested kernels).
    n_interp : int
        Chebyshev points per kernel on the range of Delta(u) (the kernels are interpolated on the grid).
    """

    method: ClassVar[str] = "lag"
    description: ClassVar[str] = "lag grid: Delta_a(u) by Anderson-accelerated fixed point (populations, coloured noise)"

    def __init__(
        self, problem: Any, backend: str = "numba", n_quad: int = 101, n_kernel: int = 61, n_interp: int = 48
    ) -> None:
        st = problem.derivation.stationary
        self.n_interp = n_interp
        self.problem = problem
        self.backend = backend
        self.labels = list(st.fields)
        F = st.fields
        self.D0 = [F[a].Delta0 for a in self.labels]
        self.mu = [F[a].mu for a in self.labels]
        self.Dsym = [sp.Symbol(f"D_{a}", real=True) for a in self.labels]
        self.params = tuple(problem.derivation.parameters)
        base_args = [*self.D0, *self.mu, *self.params]
        self.coef: list[tuple[sp.Expr, sp.Expr, sp.Expr]] = []
        regular: list[sp.Expr] = []
        to_D = {F[b].Delta(U_LAG): self.Dsym[k] for k, b in enumerate(self.labels)}
        for a in self.labels:
            eq = st.ode[a]
            Da = F[a].Delta(U_LAG)
            d2 = sp.Derivative(Da, (U_LAG, 2))
            lhs = sp.expand(eq.lhs)
            c2 = lhs.coeff(d2)
            c0 = sp.expand(lhs - c2 * d2).coeff(Da)
            if sp.expand(lhs - c2 * d2 - c0 * Da) != 0:
                raise NotImplementedError(f"left-hand side of the {a} equation is not c Delta - M Delta''")
            rhs = sp.expand(eq.rhs)
            sing = [t_ for t_ in sp.Add.make_args(rhs) if t_.has(sp.DiracDelta)]
            S = sp.Add(*[t_.subs(sp.DiracDelta(U_LAG), 1) for t_ in sing])
            if S.has(sp.DiracDelta) or S.has(U_LAG):
                raise NotImplementedError(f"singular part of the {a} equation is not S delta(u)")
            self.coef.append((-c2, c0, S))  # M, c, S
            regular.append(sp.expand(rhs - sp.Add(*sing)).xreplace(to_D))
        self.regular = regular
        grid_args = [*base_args, *self.Dsym, U_LAG]
        kw = {"n_quad": n_quad, "n_kernel": n_kernel}
        self.rhs_sys = LoweredSystem(regular, grid_args, backend="numpy", name="dmft_lag_rhs", **kw)
        # derived Jacobian A_ab = (dR_a/dDelta_b) / c_a at a static point (Delta_b(u) = Delta0_b)
        jac = list(st.static_jacobian)
        self.jac_sys = LoweredSystem(jac, base_args, backend="numpy", name="dmft_lag_jac", **kw)
        mean = [sp.expand(st.mean[a].rhs) for a in self.labels]
        self.mean_sys = LoweredSystem(mean, base_args, backend=backend, name="dmft_lag_mean", **kw)
        phis = []
        for k in range(len(problem.spec.populations)):
            phi = concrete_phi(problem.spec, k)
            dphi = sp.diff(phi, X)
            phis += [GaussAvg(lam(e), self.mu[k], self.D0[k]) for e in (phi, dphi, phi**2, dphi**2)]
        self.obs_sys = LoweredSystem(phis, base_args, backend=backend, name="dmft_lag_obs", **kw)
        from workbench.codegen import compile_system

        flat = [e for trip in self.coef for e in trip]
        self.coef_sys = compile_system(flat, list(self.params), backend="numpy", name="dmft_lag_coef")
        self.sources = {"rhs": self.rhs_sys.main.source, "mean": self.mean_sys.main.source}

    # ------------------------------------------------------------------ helpers
    def param_values(self, spec: ModelSpec) -> list[float]:
        """Numeric values of the derivation's parameters for ``spec`` (see :func:`parameter_values`)."""
        return parameter_values(self.params, spec)

    def _pstr(self, pv: list[float]) -> str:
        return ", ".join(f"{p}={v:g}" for p, v in zip(self.params, pv, strict=True))

    def _rhs(self, D: np.ndarray, mu: np.ndarray, pv: list[float], u: np.ndarray) -> np.ndarray:
        P = len(self.labels)
        vals = [*D[:, 0], *mu, *pv]
        out = self.rhs_sys.on_grid([*self.Dsym, U_LAG], [*D, u], *vals, n_interp=self.n_interp)
        return np.array(out).reshape(P, -1)

    def _jacobian(self, D0: np.ndarray, mu: np.ndarray, pv: list[float]) -> np.ndarray:
        """The derived static Jacobian ``A`` (already divided by ``c_a``) at ``(Delta0, mu)``."""
        P = len(self.labels)
        return np.asarray(self.jac_sys(*D0, *mu, *pv), dtype=float).reshape(P, P)

    # ------------------------------------------------------------------ solve
    @numerical_failure_is_convergence_error("lag-grid DMFT")
    def solve(
        self,
        spec: ModelSpec | None = None,
        *,
        mu0: float | np.ndarray | None = None,
        h: float | None = None,
        L: float | None = None,
        tol: float = 1e-10,
        branch: str = "auto",
        curves: bool = True,
        lyapunov: bool = True,
        estimate: bool = True,
    ) -> LagDMFTResult:
        """Solve the stationary DMFT at the spec's parameter values.

        Parameters
        ----------
        spec : ModelSpec, optional
            Same structure as the problem's spec; default the problem's spec.
        mu0 : float or array, optional
            Initial mean per population (branch selection when the mean is bistable).
        h, L : float, optional
            Lag step and grid length (defaults: ``min(0.02 tau_min, 0.05 tau_n)`` and
            ``max(80 tau_max, 15 tau_n)``).
        tol : float
            Fixed-point tolerance (max norm, relative to max(1, |Delta|)).
        branch : {"auto", "static"}
            ``"static"`` returns the static branch even where it is unstable.
        curves, lyapunov : bool
            Accepted for the energy solver's interface: Delta(u) is the lag solver's unknown, so it is
            always returned, and no Lyapunov exponent is derived for these structures (``None``).
        estimate : bool
            Fill ``error_estimates`` from a re-solve on the grid of step 2h (about a third more time).

        Raises
        ------
        ConvergenceError
            If the static branch or the lag-grid iteration does not converge (names the parameters).
        """
        if branch not in ("auto", "static"):
            raise SpecError("branch", f"must be 'auto' or 'static', got {branch!r}")
        return self._solve(spec, mu0=mu0, h=h, L=L, tol=tol, branch=branch, estimate=estimate)

    def _solve(
        self,
        spec: ModelSpec | None,
        *,
        mu0: float | np.ndarray | None,
        h: float | None,
        L: float | None,
        tol: float,
        branch: str,
        estimate: bool = True,
    ) -> LagDMFTResult:
        """:meth:`solve` without the translation of numerical failures."""
        t0 = time.perf_counter()
        spec = self.problem.check_structure(spec)
        pv = self.param_values(spec)
        pd = {str(p): v for p, v in zip(self.params, pv, strict=True)}
        P = len(self.labels)
        cf = np.asarray(self.coef_sys(*pv), dtype=float).reshape(P, 3)
        M, c, S = cf[:, 0], cf[:, 1], cf[:, 2]
        if np.any(M <= 0) or np.any(c <= 0):
            raise SpecError("tau", "timescales must be > 0")
        noisy = bool(np.any(S > 0)) or pd.get("sigma^2", 0.0) > 0
        taus = np.sqrt(M / c)
        tau_n = pd.get("tau_n", 0.0) if spec.noise.kind == "ou" else 0.0
        if h is None:  # resolve the fastest timescale, the OU kernel included
            h = 0.02 * float(taus.min()) if tau_n <= 0 else min(0.02 * float(taus.min()), 0.05 * tau_n)
        L = max(80.0 * float(taus.max()), 15.0 * tau_n) if L is None else L
        if not (h > 0 and L > 20 * h):
            raise SpecError("h", f"need 0 < h < L/20, got h={h}, L={L}")
        n = int(math.ceil(L / h)) + 1
        u = h * np.arange(n)
        # static branch: Delta_a = R_a(Delta0)/c_a with constant Delta
        if mu0 is None:
            mu_init = (
                np.zeros(P) if (spec.phi.is_odd() and not np.any(spec.J0) and not self._has_input(pd)) else np.ones(P)
            )
        else:
            mu_init = np.broadcast_to(np.asarray(mu0, dtype=float), (P,)).copy()
        sD0, smu = self._static(pv, c, mu_init)
        A = self._jacobian(sD0, smu, pv)
        # bulk radius of the Jacobian spectrum: sqrt of the spectral radius of A (one population:
        # g sqrt(<phi'^2>), the energy solver's static_radius)
        radius = math.sqrt(float(np.max(np.abs(np.linalg.eigvals(A)))))
        info: dict[str, Any] = {"backend": self.backend, "h": h, "L": L, "n_grid": n}
        if branch == "static" or (not noisy and radius < 1.0):
            D = np.repeat(sD0[:, None], n, axis=1)
            mu = smu
            regime = "static" if radius < 1.0 else "static-unstable"
            info["method"] = "static root"
        else:
            # start: static branch plus a decaying fluctuating part of the size of its variance
            level = S + pd.get("sigma^2", 0.0) if noisy else None
            D, mu, it, res = self._grid_from_start(pv, (M, c, S), h, n, sD0, smu, taus, level, tol)
            fluct = D[:, 0] - D[:, -1]
            if not noisy and np.all(fluct < 1e-6 * np.maximum(D[:, 0], 1e-12)):
                if radius > 1.0:
                    raise ConvergenceError(
                        "lag-grid DMFT collapsed onto the unstable static branch "
                        f"(radius {radius:.4f} > 1; {self._pstr(pv)}); try a longer grid L"
                    )
                regime = "static"
            else:
                regime = "fluctuating" if noisy else "chaotic"
            info["method"] = f"lag grid, Anderson-accelerated fixed point ({it} steps, residual {res:.1e})"
            tail = np.abs(D[:, -1] - D[:, -int(0.1 * n)])
            if np.any(tail > 1e-6 * np.maximum(D[:, 0], 1e-12)):
                raise ConvergenceError(
                    f"Delta(u) has not relaxed by the end of the lag grid L={L:g} ({self._pstr(pv)}); raise L"
                )
        D0v, Dinf = D[:, 0].copy(), D[:, -1].copy()
        o = np.asarray(self.obs_sys(*D0v, *mu, *pv), dtype=float).reshape(P, 4)
        half = _tau_half(u, D)
        result = LagDMFTResult(
            populations=list(self.labels),
            Delta0=D0v,
            Delta_inf=Dinf,
            mu=np.asarray(mu, dtype=float),
            mean_phi=o[:, 0],
            mean_phi_prime=o[:, 1],
            C_phi0=o[:, 2],
            mean_phi_prime2=o[:, 3],
            tau_half=half,
            regime=regime,
            static_Delta0=sD0,
            static_mu=smu,
            static_radius=radius,
            tau=u,
            Delta_tau=D,
            params=pd,
            info=info,
        )
        if estimate and info["method"] != "static root":
            result.error_estimates = self._estimates(result, pv, (M, c, S), h, tol)
        info["seconds"] = time.perf_counter() - t0
        return result

    def _grid_from_start(self, pv: list[float], coef: tuple, h: float, n: int, sD0: np.ndarray, smu: np.ndarray,
                         taus: np.ndarray, noise_level: np.ndarray | None, tol: float):
        """:meth:`_grid_solve` from the static branch plus a decaying fluctuating part of at least 0.5 (a kick
        that finds chaos); with noise (``noise_level``: its intensity per population), if that start runs away,
        again from a small noise-driven start without the static part: for a phi growing faster than linearly
        (e.g. x**3) the static root found can be the unstable branch, beyond which the iteration diverges."""
        M, c, S = coef
        u = h * np.arange(n)
        decay = np.exp(-u[None, :] / (2 * taus[:, None]))
        starts = [0.5 * sD0[:, None] + (np.maximum(sD0, 0.5) + S / (2 * np.sqrt(c * M)))[:, None] * decay]
        if noise_level is not None:
            starts.append(0.25 * np.broadcast_to(noise_level, sD0.shape)[:, None] * decay)
        with np.errstate(all="ignore"):
            if noise_level is not None:
                try:
                    return self._grid_solve(pv, coef, h, n, starts[0], smu, tol)
                except ConvergenceError:
                    return self._grid_solve(pv, coef, h, n, starts[1], np.zeros_like(smu), tol)
            return self._grid_solve(pv, coef, h, n, starts[0], smu, tol)

    def _grid_solve(self, pv: list[float], coef: tuple, h: float, n: int, Dstart: np.ndarray, mu0: np.ndarray, tol: float):
        """Anderson-accelerated fixed point on the grid ``u = h k``, ``k < n``: (Delta, mu, steps, residual)."""
        M, c, S = coef
        P = len(self.labels)
        u = h * np.arange(n)
        omega = np.pi * np.arange(n) / ((n - 1) * h)
        green = 1.0 / (c[:, None] + M[:, None] * omega[None, :] ** 2)
        k_decay = np.sqrt(c / M)
        delta_part = (S / (2 * np.sqrt(c * M)))[:, None] * np.exp(-k_decay[:, None] * u[None, :])

        def F(z: np.ndarray) -> np.ndarray:
            Dg = z[: P * n].reshape(P, n)
            mu_ = z[P * n :]
            R = self._rhs(Dg, mu_, pv, u)
            Rinf = R[:, -1:]
            conv = fft.idct(fft.dct(R - Rinf, type=1, axis=1) * green, type=1, axis=1)
            Dn = Rinf / c[:, None] + conv + delta_part
            mun = np.asarray(self.mean_sys(*Dg[:, 0], *mu_, *pv), dtype=float).reshape(P)
            return np.concatenate([Dn.ravel(), mun])

        with np.errstate(over="ignore", invalid="ignore"):  # a diverging iterate is reported below, in words
            try:
                z, it, res = _anderson(F, np.concatenate([Dstart.ravel(), mu0]), tol=tol)
            except _Diverged as exc:
                raise ConvergenceError(
                    f"the lag-grid DMFT iteration diverged (non-finite Delta) for parameters {self._pstr(pv)}: no "
                    "stationary state there (a phi growing faster than linearly, or too strong couplings, inputs or "
                    "noise); lower --g, --J0, --sigma2 or --input-var, or use a saturating --phi") from exc
        return z[: P * n].reshape(P, n), z[P * n :], it, res

    def _estimates(self, r: LagDMFTResult, pv: list[float], coef: tuple, h: float, tol: float) -> dict[str, float]:
        """Error estimates of ``r`` (step h) from a re-solve on the nested grid of step 2h (warm-started)."""
        D2, mu2, _, _ = self._grid_solve(pv, coef, 2 * h, (r.tau.size + 1) // 2, r.Delta_tau[:, ::2], r.mu, tol)
        m = D2.shape[1]
        dD = np.abs(r.Delta_tau[:, : 2 * m - 1 : 2] - D2) / 3
        est = {
            "Delta0": float(np.max(dD[:, 0])),
            "Delta_inf": float(np.max(dD[:, -1])),
            "mu": float(np.max(np.abs(r.mu - mu2))) / 3,
            "Delta_tau": float(np.max(dD)),
        }
        h2 = _tau_half(2 * h * np.arange(m), D2)
        fin = np.isfinite(r.tau_half) & np.isfinite(h2)
        # tau_half also carries the interpolation error of its crossing, not a clean h^2 series: no 1/3
        est["tau_half"] = float(np.max(np.abs(r.tau_half - h2)[fin], initial=0.0))
        return est

    @staticmethod
    def _has_input(pd: dict[str, float]) -> bool:
        return any(v != 0 for k, v in pd.items() if k.startswith("I_0"))

    def _static(self, pv: list[float], c: np.ndarray, mu_init: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Static branch: ``c_a Delta0_a = R_a`` at constant Delta (lag -> inf), and the mean map."""
        P = len(self.labels)
        one = np.ones(1)

        def F(v: np.ndarray) -> np.ndarray:
            D0 = v[:P] ** 2
            mu = v[P:]
            vals = [*D0, *mu, *pv]
            R = np.array(
                [r[0] for r in self.rhs_sys.on_grid([*self.Dsym, U_LAG], [*(d * one for d in D0), 1e6 * one], *vals)]
            )
            m = np.asarray(self.mean_sys(*D0, *mu, *pv), dtype=float).reshape(P)
            return np.concatenate([c * D0 - R, mu - m])

        roots = []
        for start in (1.0, 0.1, 5.0, 20.0):
            sol = optimize.root(F, np.concatenate([np.full(P, math.sqrt(start)), mu_init]), method="hybr")
            if np.max(np.abs(F(sol.x))) < 1e-10:
                roots.append((sol.x[:P] ** 2, sol.x[P:]))
        if not roots:
            raise ConvergenceError(f"static DMFT branch did not converge for parameters {self._pstr(pv)}: no static "
                                   "state found from several starts; it may not exist (a phi growing faster than "
                                   "linearly, or strong couplings or inputs): lower --g, --J0 or --input-var")
        # the non-trivial branch where it exists (as the energy-integral solver)
        return max(roots, key=lambda r: float(np.sum(r[0])))
