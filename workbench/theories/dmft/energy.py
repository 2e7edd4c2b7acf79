"""Generated stationary DMFT solvers (one population).

``DMFTProblem(spec).build_solver("energy").solve()`` -> :class:`~workbench.theories.dmft.result.DMFTResult`.

Every residual is compiled from the derived equations of :mod:`derivations.dmft` (never retyped):

* static branch: ``static`` + ``mean`` equations (root finding), stable iff the derived bulk radius
  ``sqrt(A)`` of the static Jacobian ``A = (dR/dDelta) / c`` is below 1 (one population:
  ``g sqrt(<phi'^2>)``); its Lyapunov exponent is ``lambda(W(Delta0))``, the derived Schroedinger
  potential at the static point;
* chaotic / noise-driven state with ``mu = 0`` and no quenched input: the ``chaotic`` energy
  equation in Delta0 (``brentq``);
* otherwise (quenched input, mean coupling with ``mu != 0``): the pair ``energy_balance``, ``rest``
  with ``mean``, by the damped fixed-point iteration of shared theory/dmft.md §4 (eps = 0.2,
  started near the static solution) whose map is the derived ``fixed_point`` (the closed equations
  solved for their unknowns at build time), polished by a Newton step;
* ``Delta(tau)``: the Newtonian equation ``tau^2 Delta'' = -V'(Delta)`` from ``Delta0`` with the
  derived kink ``Delta'(0+)``, stopped near the separatrix (``Delta - Delta_inf < 1e-5 Delta0`` or
  ``Delta' > 0``) and continued by ``exp(-kappa tau)`` (dmft.md §2.3);
* Lyapunov exponent: lowest eigenvalue of the finite-difference Schroedinger operator
  ``-tau^2 d^2/du^2 + W(Delta(u))``, then the derived ``lambda(E0)``;
* transition lines: ``lambda0`` (``Delta''(0+) = 0``) and ``local_instability`` (``A = 1``) with the
  ``chaotic`` energy equation, all derived.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, ClassVar

import numba
import numpy as np
import sympy as sp
from scipy import linalg, optimize
from scipy.interpolate import CubicSpline

from workbench.errors import ConvergenceError, SpecError
from workbench.solvers.failures import numerical_failure_is_convergence_error
from workbench.solvers.quadrature import LoweredSystem
from workbench.spec import ModelSpec, X
from workbench.symbolic.gaussian import GaussAvg, concrete_phi, lam
from workbench.symbolic.stationary import D_VAR, E0
from workbench.theories.base import Solver
from workbench.theories.dmft.lag import parameter_values
from workbench.theories.dmft.result import DMFTResult

if TYPE_CHECKING:
    from workbench.theories.dmft.problem import DMFTProblem

__all__ = ["DMFTSolver", "chaos_transition", "local_instability"]


def _residual(eq: sp.Eq) -> sp.Expr:
    return sp.expand(eq.lhs - eq.rhs)


class DMFTSolver(Solver):
    """Compiled systems for one derivation; :meth:`solve` takes a spec (same structure) or overrides."""

    method: ClassVar[str] = "energy"
    description: ClassVar[str] = "energy integral: Newtonian potential, Schroedinger operator (one population)"
    requires: ClassVar[str] = "an energy integral: one population, white or static noise"

    @classmethod
    def can_solve(cls, problem: Any) -> bool:
        """Whether the derived equations have an energy integral."""
        return bool(problem.has_potential)

    def __init__(
        self,
        problem: DMFTProblem,
        backend: str = "numba",
        n_quad: int = 101,
        n_kernel: int = 61,
        n_curve: int = 65,
        n_kernel_curve: int = 61,
    ) -> None:
        der = problem.derivation
        self.n_curve = n_curve
        st = der.stationary
        self.problem = problem
        self.backend = backend
        (P,) = st.fields.values()
        self.P = P
        self.unknowns = (P.Delta0, P.Delta_inf, P.mu)
        self.params = der.parameters
        args = [*self.unknowns, *self.params]
        eqs = der.equations
        mean_res = _residual(eqs["mean"])
        phi = concrete_phi(problem.spec, 0)
        dphi = sp.diff(phi, X)
        kw = {"backend": backend, "n_quad": n_quad, "n_kernel": n_kernel}
        self.static_sys = LoweredSystem([_residual(eqs["static"]), mean_res], args, name="dmft_static", **kw)
        self.chaotic_sys = LoweredSystem([_residual(eqs["chaotic"])], args, name="dmft_chaotic", **kw)
        self.pair_sys = LoweredSystem(
            [_residual(eqs["energy_balance"]), _residual(eqs["rest"]), mean_res], args, name="dmft_pair", **kw
        )
        self.map_sys = LoweredSystem([st.fixed_point[x] for x in self.unknowns], args, name="dmft_fixed_point", **kw)
        stability = [st.static_radius, st.static_schrodinger, _residual(eqs["lambda0"])]
        self.stability_sys = LoweredSystem(
            [*stability, _residual(eqs["local_instability"])], args, name="dmft_stability", **kw
        )
        obs = [GaussAvg(lam(e), P.mu, P.Delta0) for e in (phi, dphi, phi**2, dphi**2)]
        self.obs_sys = LoweredSystem(obs, args, name="dmft_obs", **kw)
        curve_args = [*args, D_VAR]
        Vp = sp.diff(st.potential, D_VAR)
        kw_np = {**kw, "backend": "numpy", "n_kernel": n_kernel_curve}
        self.curve_sys = LoweredSystem([Vp, st.schrodinger_potential], curve_args, name="dmft_curves", **kw_np)
        self.kink = st.kink[next(iter(st.kink))]
        self.mass = st.mass
        from workbench.codegen import compile_system

        self.aux = compile_system([self.kink, self.mass], list(self.params), backend="numpy", name="dmft_aux")
        self.lyap = compile_system([st.lyapunov.rhs], [E0, *self.params], backend="numpy", name="dmft_lyap")
        self.odd = problem.spec.phi.is_odd()

    # ------------------------------------------------------------------ helpers
    def param_values(self, spec: ModelSpec) -> list[float]:
        """Numeric values of the derivation's parameters for ``spec`` (see ``parameter_values``)."""
        return parameter_values(self.params, spec)

    def _static(self, pv: list[float], mu0: float) -> tuple[float, float]:
        def F(v: np.ndarray) -> list[float]:
            D0 = v[0] * v[0]  # Delta0 = v^2 >= 0
            return list(self.static_sys(D0, D0, v[1], *pv))

        best = None
        for D0 in (1.0, 0.1, 5.0, 20.0):
            sol = optimize.root(F, [math.sqrt(D0), mu0], method="hybr", options={"xtol": 1e-14})
            if np.max(np.abs(F(sol.x))) < 1e-10:
                best = sol.x
                break
        if best is None:
            raise ConvergenceError(f"static DMFT branch did not converge for parameters {self._pstr(pv)}")
        return float(best[0] ** 2), float(best[1])

    def _pstr(self, pv: list[float]) -> str:
        return ", ".join(f"{p}={v:g}" for p, v in zip(self.params, pv, strict=True))

    def _chaotic(self, pv: list[float], sigma2: float) -> float:
        def f(D0: float) -> float:
            return float(self.chaotic_sys(D0, 0.0, 0.0, *pv))

        hi = 2.0
        while f(hi) > 0:
            hi *= 2
            if hi > 1e8:
                raise ConvergenceError(f"chaotic DMFT: no bracket for Delta0 ({self._pstr(pv)})")
        lo = hi
        while f(lo) <= 0 and lo > 1e-12:
            lo /= 4
        if f(lo) <= 0:
            raise ConvergenceError(f"chaotic DMFT: no positive root for Delta0 ({self._pstr(pv)})")
        return float(optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=200))

    def _pair(
        self,
        pv: list[float],
        D0: float,
        Dinf: float,
        mu: float,
        eps: float = 0.2,
        tol: float = 1e-12,
        max_iter: int = 20000,
    ):
        """Damped iteration of the derived fixed-point map (dmft.md §4), polished by a Newton-type root
        of the residuals once it is close."""
        polish_at = 1e-4
        step = math.inf
        for it in range(max_iter):
            if polish_at and it > 0 and step < polish_at:
                sol = optimize.root(
                    lambda v: list(self.pair_sys(v[0], v[1], v[2], *pv)),
                    [D0, Dinf, mu],
                    method="hybr",
                    options={"xtol": 1e-13},
                )
                r = np.max(np.abs(self.pair_sys(*sol.x, *pv)))
                close = np.max(np.abs(sol.x - [D0, Dinf, mu])) < 1e-2 * max(D0, 1.0)
                if r < 1e-11 and close and sol.x[0] - sol.x[1] > 1e-6 * sol.x[0]:
                    return float(sol.x[0]), float(sol.x[1]), float(sol.x[2]), it
                polish_at = 0.0  # did not work: iterate to the end
            D0n, Dinfn, mun = (float(v) for v in self.map_sys(D0, Dinf, mu, *pv))
            D0n = D0n if math.isfinite(D0n) else 1e-150  # negative radicand far from the root
            Dinfn = min(Dinfn, D0n)  # a covariance cannot exceed the variance
            step = max(abs(D0n - D0), abs(Dinfn - Dinf), abs(mun - mu))
            D0 += eps * (D0n - D0)
            Dinf += eps * (Dinfn - Dinf)
            mu += eps * (mun - mu)
            if step < tol:
                return D0, Dinf, mu, it
        raise ConvergenceError(f"DMFT (Delta0, Delta_inf, mu) iteration did not converge ({self._pstr(pv)})")

    # ------------------------------------------------------------------ solve
    @numerical_failure_is_convergence_error("stationary DMFT")
    def solve(
        self,
        spec: ModelSpec | None = None,
        *,
        mu0: float | None = None,
        curves: bool = True,
        lyapunov: bool = True,
        T_box: float | None = None,
        h: float = 0.02,
        branch: str = "auto",
    ) -> DMFTResult:
        """Solve the stationary DMFT at the spec's parameter values.

        Parameters
        ----------
        spec : ModelSpec, optional
            Same structure as the problem's spec (values may differ); default the problem's spec.
        mu0 : float, optional
            Initial mean (selects the branch when J0 makes the mean bistable; default: positive).
        curves, lyapunov : bool
            Also compute Delta(tau), tau_half, kappa and the Lyapunov exponent.
        T_box : float, optional
            Half-width of the Schroedinger box (default from kappa, within [60, 150]).
        h : float
            Finite-difference step of the Schroedinger operator.
        branch : {"auto", "static"}
            ``"static"`` returns the static fixed-point branch even where it is unstable
            (regime ``"static-unstable"``), e.g. to locate its instability.
        """
        if branch not in ("auto", "static"):
            raise SpecError("branch", f"must be 'auto' or 'static', got {branch!r}")
        t_start = time.perf_counter()
        spec = self.problem.check_values(spec)
        pv = self.param_values(spec)
        pd = {str(p): v for p, v in zip(self.params, pv, strict=True)}
        sigma2 = pd.get("sigma^2", 0.0)
        sI2 = pd.get("sigma_I^2", 0.0)
        I0 = pd.get("I_0", 0.0)
        J0 = pd.get("J_0", 0.0)
        zero_mean = self.odd and I0 == 0.0 and (J0 == 0.0 or (mu0 is not None and mu0 == 0.0))
        if mu0 is None:
            mu0 = 0.0 if zero_mean else max(abs(J0), abs(I0), 1.0) * (1.0 if J0 + I0 >= 0 else -1.0)
        if zero_mean:
            mu0 = 0.0
        sD0, smu = self._static(pv, mu0)
        if zero_mean:
            smu = 0.0
        radius, static_W, _, _ = (float(v) for v in self.stability_sys(sD0, sD0, smu, *pv))
        info: dict[str, Any] = {"backend": self.backend, "method": ""}
        if branch == "static" or (sigma2 == 0.0 and radius < 1.0):
            regime = "static" if radius < 1.0 else "static-unstable"
            D0, Dinf, mu = sD0, sD0, smu
            info["method"] = "static root"
        elif zero_mean and sI2 == 0.0:
            D0, Dinf, mu = self._chaotic(pv, sigma2), 0.0, 0.0
            regime = "chaotic"
            info["method"] = "chaotic energy equation (brentq)"
        else:
            D0, Dinf, mu, it = self._pair(pv, sD0 * 1.01 + 1e-3 + sigma2, 0.8 * sD0, smu)
            info["method"] = f"damped iteration ({it} steps)"
            regime = "chaotic"
            if D0 - Dinf < 1e-7 * max(D0, 1e-12) and sigma2 == 0.0:
                regime = "static"
        o = self.obs_sys(D0, Dinf, mu, *pv)
        res = DMFTResult(
            Delta0=D0,
            Delta_inf=Dinf,
            mu=mu,
            regime=regime,
            mean_phi=float(o[0]),
            mean_phi_prime=float(o[1]),
            C_phi0=float(o[2]),
            mean_phi_prime2=float(o[3]),
            lyapunov=float("nan"),
            tau_half=float("nan"),
            kappa=float("nan"),
            static_Delta0=sD0,
            static_mu=smu,
            static_radius=radius,
            params=pd,
            info=info,
        )
        kink, mass = (float(v) for v in self.aux(*pv))
        if regime.startswith("static"):
            res.lyapunov = float(self.lyap(static_W, *pv))
            res.tau_half = float("inf")
            res.kappa = 0.0
        elif curves:
            self._curves(res, pv, kink, mass, lyapunov, T_box, h)
        if regime != "static" and not math.isnan(res.lyapunov) and sigma2 > 0:
            res.regime = "chaotic" if res.lyapunov > 0 else "fluctuating"
        info["seconds"] = time.perf_counter() - t_start
        return res

    def _curves(self, res: DMFTResult, pv: list[float], kink: float, mass: float, lyap: bool, T_box, h) -> None:
        D0, Dinf, mu = res.Delta0, res.Delta_inf, res.mu
        # V'(D) and W(D) on a Chebyshev grid in [Dinf, D0]
        n = self.n_curve
        c = 0.5 * (1 - np.cos(np.linspace(0, np.pi, n)))
        lo = Dinf - 0.02 * (D0 - Dinf)
        Dg = lo + (D0 - lo) * c
        Vp, W = self.curve_sys.curve(D_VAR, Dg, D0, Dinf, mu, *pv)
        Vps = CubicSpline(Dg, Vp)
        Ws = CubicSpline(Dg, W)
        kappa2 = float(Ws(Dinf)) / mass  # linearisation at rest: Delta'' = -V''(Dinf) delta / M = W delta / M
        kappa = math.sqrt(max(kappa2, 0.0))
        res.kappa = kappa

        # Newtonian motion M Delta'' = -V'(Delta) from (Delta0, kink): fixed-step RK4 (compiled) on
        # the spline, stopped near the separatrix (Delta - Delta_inf < 1e-5 Delta0) or at a turning
        # point (Delta' > 0), then continued by the linearised tail exp(-kappa u)
        du = 0.01
        span = 200.0 / max(kappa, 0.05)
        Dv = _newton_rk4(Vps.x, Vps.c, D0, kink, mass, du, int(span / du), Dinf + 1e-5 * D0)
        u_end = du * (Dv.size - 1)
        ug = du * np.arange(Dv.size)
        Tmax = max(60.0, min(150.0, 25.0 / max(kappa, 1e-3)))
        ut = np.arange(ug[-1] + du, Tmax + du, du)
        D_end = float(Dv[-1])
        tail = Dinf + (D_end - Dinf) * np.exp(-kappa * (ut - u_end))
        res.tau = np.concatenate([ug, ut])
        res.Delta_tau = np.concatenate([Dv, tail])
        half = Dinf + 0.5 * (D0 - Dinf)
        k = np.argmax(res.Delta_tau <= half)
        if res.Delta_tau[k] <= half and k > 0:
            u0, u1 = res.tau[k - 1], res.tau[k]
            d0, d1 = res.Delta_tau[k - 1], res.Delta_tau[k]
            res.tau_half = float(u0 + (half - d0) * (u1 - u0) / (d1 - d0))
        if lyap:
            T = T_box if T_box is not None else Tmax
            uu = np.arange(-T, T + h / 2, h)
            Du = res.Delta_at(uu)
            Wu = Ws(np.clip(Du, Dg[0], Dg[-1]))
            diag = 2 * mass / h**2 + Wu
            off = np.full(uu.size - 1, -mass / h**2)
            e0 = linalg.eigh_tridiagonal(diag, off, select="i", select_range=(0, 0), eigvals_only=True)[0]
            # no bound state below the continuum: lambda is the continuum edge (dmft.md §3.3)
            w_inf = float(Ws(Dinf))
            res.lyapunov = float(self.lyap(min(e0, w_inf), *pv))
            res.info["E0"] = float(e0)
            res.info["T_box"] = T


@numba.njit(cache=True)
def _spline_eval(x: np.ndarray, c: np.ndarray, v: float) -> float:  # pragma: no cover - numba
    """Piecewise cubic ``CubicSpline(x, .).c`` evaluated at ``v`` (extrapolating the end pieces)."""
    k = np.searchsorted(x, v) - 1
    k = min(max(k, 0), x.size - 2)
    d = v - x[k]
    return ((c[0, k] * d + c[1, k]) * d + c[2, k]) * d + c[3, k]


@numba.njit(cache=True)
def _newton_rk4(
    x: np.ndarray, c: np.ndarray, D0: float, v0: float, mass: float, du: float, nmax: int, D_stop: float
) -> np.ndarray:  # pragma: no cover - numba
    """RK4 for ``mass D'' = -V'(D)`` with V' a cubic spline; returns D on the grid ``du * k``."""
    out = np.empty(nmax + 1)
    out[0] = D0
    D, v = D0, v0
    n = 0
    for k in range(nmax):
        a1 = -_spline_eval(x, c, D) / mass
        D2, v2 = D + 0.5 * du * v, v + 0.5 * du * a1
        a2 = -_spline_eval(x, c, D2) / mass
        D3, v3 = D + 0.5 * du * v2, v + 0.5 * du * a2
        a3 = -_spline_eval(x, c, D3) / mass
        D4, v4 = D + du * v3, v + du * a3
        a4 = -_spline_eval(x, c, D4) / mass
        D = D + du * (v + 2 * v2 + 2 * v3 + v4) / 6
        v = v + du * (a1 + 2 * a2 + 2 * a3 + a4) / 6
        out[k + 1] = D
        n = k + 1
        if D < D_stop or (v > 0 and k > 0):
            break
    return out[: n + 1]


def _with_g(spec: ModelSpec, g: float) -> ModelSpec:
    return spec.with_overrides(g=g)


def chaos_transition(solver: DMFTSolver, spec: ModelSpec, g_guess: float = 1.5) -> tuple[float, float]:
    """The lambda = 0 line with white noise (dmft.md §3.2): solve the derived ``chaotic`` energy
    equation together with ``lambda0`` (Delta''(0+) = 0) for (g, Delta0).

    Raises
    ------
    ConvergenceError
        If the 2-d root does not converge (names sigma2).
    """
    with_g = _with_g_values(solver, spec)

    def F(v: np.ndarray) -> list[float]:
        pv = with_g(v[0])
        D0 = v[1] * v[1]
        return [float(solver.chaotic_sys(D0, 0.0, 0.0, *pv)), float(solver.stability_sys(D0, D0, 0.0, *pv)[2])]

    sol = optimize.root(F, [g_guess, 1.0], method="hybr", options={"xtol": 1e-13})
    if sol.success and np.max(np.abs(F(sol.x))) < 1e-10:
        return float(sol.x[0]), float(sol.x[1] ** 2)

    # fallback: 1-d root in g of the lambda0 residual on the chaotic branch Delta0(g)
    def h(g: float) -> tuple[float, float]:
        pv = with_g(g)
        D0 = solver._chaotic(pv, spec.noise.sigma2)
        return float(solver.stability_sys(D0, D0, 0.0, *pv)[2]), D0

    return _scan_root_in_g(h, f"lambda=0 transition did not converge (sigma2={spec.noise.sigma2})")


def _with_g_values(solver: DMFTSolver, spec: ModelSpec):
    """``g -> parameter values`` of ``spec`` with the coupling scale g replaced (for roots in g)."""
    base = solver.param_values(spec)
    gi = [str(p) for p in solver.params].index("g")

    def values(g: float) -> list[float]:
        pv = list(base)
        pv[gi] = g
        return pv

    return values


def _scan_root_in_g(h, message: str, lo: float = 0.6, hi: float = 8.0, step: float = 0.1) -> tuple[float, float]:
    """First sign change of ``h(g)[0]`` on a g grid, refined by brentq; returns ``(g, h(g)[1])``.

    Grid points where ``h`` does not converge are skipped; no sign change raises ConvergenceError(message).
    """
    grid = np.arange(lo, hi, step)
    vals = []
    for g in grid:
        try:
            vals.append(h(float(g))[0])
        except ConvergenceError:
            vals.append(np.nan)
    v = np.array(vals)
    idx = np.where(np.isfinite(v[:-1]) & np.isfinite(v[1:]) & (np.sign(v[:-1]) != np.sign(v[1:])))[0]
    if idx.size == 0:
        raise ConvergenceError(message)
    g_root = optimize.brentq(lambda g: h(g)[0], grid[idx[0]], grid[idx[0] + 1], xtol=1e-13)
    return float(g_root), float(h(g_root)[1])


def local_instability(solver: DMFTSolver, spec: ModelSpec, g_guess: float = 1.3) -> tuple[float, float]:
    """The 'locally expansive' line on the noise-driven solution (dmft.md §3.2): the derived
    ``local_instability`` equation (``g^2 <phi'^2> = 1``) with the ``chaotic`` energy equation."""
    with_g = _with_g_values(solver, spec)

    def F(v: np.ndarray) -> list[float]:
        pv = with_g(v[0])
        D0 = v[1] * v[1]
        local = float(solver.stability_sys(D0, 0.0, 0.0, *pv)[3])
        return [float(solver.chaotic_sys(D0, 0.0, 0.0, *pv)), local]

    sol = optimize.root(F, [g_guess, 0.8], method="hybr", options={"xtol": 1e-13})
    if sol.success and np.max(np.abs(F(sol.x))) < 1e-10:
        return float(sol.x[0]), float(sol.x[1] ** 2)

    def h(g: float) -> tuple[float, float]:  # fallback: the local_instability residual on the chaotic branch
        pv = with_g(g)
        D0 = solver._chaotic(pv, spec.noise.sigma2)
        return float(solver.stability_sys(D0, 0.0, 0.0, *pv)[3]), D0

    return _scan_root_in_g(h, f"local-instability line did not converge (sigma2={spec.noise.sigma2})")
