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
  with ``mean``, by Newton's method on the residuals from near the static solution (forward-difference
  Jacobian, backtracking), falling back on the damped fixed-point iteration of shared theory/dmft.md §4
  (eps = 0.2) whose map is the derived ``fixed_point`` (the closed equations solved for their unknowns
  at build time), with Newton retried after 8, 24, 56, ... damped steps;
* ``Delta(tau)``: the Newtonian equation ``tau^2 Delta'' = -V'(Delta)`` from ``Delta0`` with the
  derived kink ``Delta'(0+)`` down to half the decay, then along the separatrix by energy
  conservation (a quadrature that tends to ``exp(-kappa tau)``; dmft.md §2.3);
* Lyapunov exponent: lowest eigenvalue of the finite-difference Schroedinger operator
  ``-tau^2 d^2/du^2 + W(Delta(u))`` (steps h and 2h, Richardson), then the derived ``lambda(E0)``;
* accuracy (issue 12): the Gaussian averages and kernels by the step-controlled sinh-trapezoid
  rule of :mod:`workbench.solvers.quadrature` (``rtol``, default 1e-8 relative); Delta(tau) from
  Chebyshev interpolants of V', W in ``sqrt(Delta0 - Delta)`` (points doubled until ``curve_rtol``),
  RK4 to half the decay and energy conservation beyond; every result carries
  ``error_estimates`` (refined vs half-order evaluation);
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
from scipy import integrate, linalg, optimize
from scipy.interpolate import CubicSpline

from workbench.errors import ConvergenceError, SpecError
from workbench.solvers.failures import numerical_failure_is_convergence_error
from workbench.solvers.quadrature import LoweredSystem
from workbench.spec import ModelSpec, X
from workbench.symbolic.gaussian import GaussAvg, concrete_phi, lam
from workbench.symbolic.stationary import D_VAR, E0
from workbench.theories.base import Solver
from workbench.theories.dmft.growth import grows_superlinearly
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
    du: float = 0.01
    """RK4 step of Delta(tau) (its error, ~du^4, is part of ``error_estimates["Delta_tau"]``)."""
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
        n_curve: int = 33,
        n_kernel_curve: int = 61,
        rtol: float = 1e-8,
        curve_rtol: float = 1e-6,
    ) -> None:
        der = problem.derivation
        self.rtol, self.curve_rtol = rtol, curve_rtol
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
        # error-controlled sinh-trapezoid rule (workbench.solvers.quadrature.sinh_nodes): the quadrature
        # error is kept far below the solve tolerances (its estimate is squared, see average_pair)
        kw = {"backend": backend, "n_quad": n_quad, "n_kernel": n_kernel, "rule": "sinh", "qtol": 1e-3 * rtol}
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
        kw_np = {**kw, "backend": "numpy", "n_kernel": n_kernel_curve, "qtol": curve_rtol**2}
        self.curve_sys = LoweredSystem([Vp, st.schrodinger_potential], curve_args, name="dmft_curves", **kw_np)
        self.kink = st.kink[next(iter(st.kink))]
        self.mass = st.mass
        from workbench.codegen import compile_system

        self.aux = compile_system([self.kink, self.mass], list(self.params), backend="numpy", name="dmft_aux")
        self.lyap = compile_system([st.lyapunov.rhs], [E0, *self.params], backend="numpy", name="dmft_lyap")
        edge = _domain_edge(st.lyapunov.rhs, E0)
        self.lyap_edge = (None if edge is None else
                          compile_system([edge], list(self.params), backend="numpy", name="dmft_lyap_edge"))
        self.odd = problem.spec.phi.is_odd()
        self.odd_increasing = self.odd and _non_decreasing(problem.spec.phi.expr)
        self.superlinear = grows_superlinearly(problem.spec.phi.expr)
        self._pnames = [str(p) for p in self.params]
        self._phi0: bool | None = None

    # ------------------------------------------------------------------ helpers
    def param_values(self, spec: ModelSpec) -> list[float]:
        """Numeric values of the derivation's parameters for ``spec`` (see ``parameter_values``)."""
        return parameter_values(self.params, spec)

    def _static(self, pv: list[float], mu0: float) -> tuple[float, float]:
        def F(v: np.ndarray) -> list[float]:
            D0 = v[0] * v[0]  # Delta0 = v^2 >= 0
            return list(self.static_sys(D0, D0, v[1], *pv))

        # the first non-trivial root wins (the trivial Delta0 = 0 only where no start finds another);
        # a start that creeps onto the trivial root (linear convergence in v = sqrt(Delta0)) is cut
        # off at 60 evaluations (20 once the trivial root is known: hybr reaches a simple root in fewer)
        # a phi growing faster than linearly also has a large root: the threshold of runaway growth, not a state;
        # there every start is tried and the smallest root (trivial included) is the state (the noise-driven
        # iteration then starts next to it: x + 0.3 x^2 at g = 0.5, sigma2 = 0.5 went to Delta0 = 11.6, simulated 0.29)
        roots: list[np.ndarray] = []
        starts = [(D0, mu0) for D0 in (1.0, 0.1, 5.0, 20.0)]
        if self.superlinear:  # small variances and the mean 0 too: the small root is not reached from mu0 alone
            starts = [(D0, m) for m in dict.fromkeys((mu0, 0.0)) for D0 in (1e-4, 0.01, 0.1, 1.0, 5.0, 20.0)]
        for D0, m0 in starts:
            fev = 20 if roots else 60
            try:  # a start that steps where phi overflows (exp(x) at a large variance) is a failed start
                with np.errstate(over="ignore", invalid="ignore"):
                    sol = optimize.root(F, [math.sqrt(D0), m0], method="hybr",
                                        options={"xtol": 1e-14, "maxfev": fev})
                    res = np.max(np.abs(F(sol.x)))
            except (OverflowError, FloatingPointError):  # ActivityRunaway included
                continue
            if res < 1e-10:
                roots.append(sol.x)
                if sol.x[0] ** 2 > 1e-8 and not self.superlinear:
                    break
        if self.superlinear and roots:
            best = min(roots, key=lambda v: v[0] ** 2)
        else:  # the non-trivial root that ended the search, else the first (trivial) one
            best = roots[-1] if roots and roots[-1][0] ** 2 > 1e-8 else (roots[0] if roots else None)
        if best is None:
            raise ConvergenceError(f"static DMFT branch did not converge for parameters {self._pstr(pv)}: no static "
                                   "state found from several starts; it may not exist (a phi growing faster than "
                                   "linearly, or strong couplings or inputs): lower --g, --J0 or --input-var")
        return float(best[0] ** 2), float(best[1])

    def _pstr(self, pv: list[float]) -> str:
        return ", ".join(f"{p}={v:g}" for p, v in zip(self.params, pv, strict=True))

    def _chaotic(self, pv: list[float], sigma2: float, guess: float | None = None) -> float:
        memo: dict[float, tuple[float, float]] = {}  # D0 -> residual (fine, coarse rule): no point twice
        self._chaotic_memo = memo

        def f(D0: float) -> float:
            if D0 not in memo:
                fine, coarse = self.chaotic_sys.pair(D0, 0.0, 0.0, *pv)
                memo[D0] = (float(fine), float(coarse))
            return memo[D0][0]

        xtol = 1e-3 * self.rtol
        if guess is not None and guess > 0:  # warm start (sweeps): a tight bracket around the guess
            for dl in (3e-3, 0.1):
                lo, hi = guess * (1 - dl), guess * (1 + dl)
                if f(lo) > 0 >= f(hi):
                    return float(optimize.brentq(f, lo, hi, xtol=1e-300, rtol=xtol, maxiter=200))
        hi = 2.0
        while f(hi) > 0:
            hi *= 2
            if hi > 1e8:  # e.g. phi = x**3: the residual turns positive again beyond the root
                return self._first_descent(f, pv, sigma2, xtol)
        lo = hi
        while f(lo) <= 0 and lo > 1e-12:
            lo /= 4
        if f(lo) <= 0:
            return self._first_descent(f, pv, sigma2, xtol)
        return float(optimize.brentq(f, lo, hi, xtol=1e-300, rtol=xtol, maxiter=200))

    def _first_descent(self, f: Any, pv: list[float], sigma2: float, xtol: float) -> float:
        """The smallest Delta0 where the chaotic residual turns from + to - (scan of 1e-12..1e8, 4 per octave).

        That root is the state connected to the noise-driven (Ornstein-Uhlenbeck) one; a root where
        the residual turns from - to + (a phi growing faster than linearly, e.g. x**3) separates decay
        to x = 0 from unbounded growth and is not a stationary state.
        """
        grid = np.geomspace(1e-12, 1e8, 161)
        vals = np.array([f(float(d)) for d in grid])
        down = np.flatnonzero((vals[:-1] > 0) & (vals[1:] <= 0))
        if down.size:
            k = int(down[0])
            return float(optimize.brentq(f, grid[k], grid[k + 1], xtol=1e-300, rtol=xtol, maxiter=200))
        raise ConvergenceError(
            f"no chaotic or noise-driven state for phi = {self.problem.spec.phi.label()} at {self._pstr(pv)}: "
            "the energy equation has no root where g^2 Var(Phi) + sigma^4/8 - Delta0^2/2 turns from + to - "
            "(as for a phi growing faster than linearly, like x**3, or linearly with too large a g: any other root "
            f"separates decay from unbounded growth); {self._g_range(grid, pv, sigma2)}"
        )

    def _g_range(self, grid: np.ndarray, pv: list[float], sigma2: float) -> str:
        """The allowed range of --g at these other parameters, as advice (where the residual is affine in g^2), with
        the direction in which --sigma2 moves it."""
        if sigma2 <= 0:
            return "use --sigma2 > 0 (noise) with a small enough --g, or another --phi"
        g_max = self._g_max(grid, pv)
        if isinstance(g_max, str):
            return g_max
        more = list(pv)
        more[self._pnames.index("sigma^2")] = 1.5 * sigma2
        g_more = self._g_max(grid, more)
        hint = ""
        if not isinstance(g_more, str) and abs(g_more - g_max) > 1e-6 * g_max:
            hint = f" (a {'larger' if g_more > g_max else 'smaller'} --sigma2 raises it)"
        return f"allowed: --g < {g_max:.4g} at this --sigma2{hint}"

    def _g_max(self, grid: np.ndarray, pv: list[float]) -> float | str:
        """The largest g with a root of the energy equation at the other parameters of ``pv``, or advice (str)."""
        gi = self._pnames.index("g")
        at = [list(pv) for _ in range(2)]
        at[0][gi], at[1][gi] = 0.0, 1.0
        f0, f1 = (np.array([float(self.chaotic_sys(float(d), 0.0, 0.0, *v)) for d in grid]) for v in at)
        slope = f1 - f0  # = Var(Phi)-term per unit g^2
        f_g = np.array([float(self.chaotic_sys(float(d), 0.0, 0.0, *pv)) for d in grid])
        if not np.allclose(f0 + pv[gi] ** 2 * slope, f_g, rtol=1e-8, atol=1e-12):
            return "lower --g or raise --sigma2, or use another --phi"
        ok = (slope > 0) & (f0 < 0)
        if not np.any(ok):
            return "no --g gives one at this --sigma2; use another --phi"
        ratio = np.where(ok, -f0 / np.where(ok, slope, 1.0), -np.inf)
        k = int(np.argmax(ratio))
        lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]

        def neg_ratio(d: float) -> float:
            r0, r1 = (float(self.chaotic_sys(d, 0.0, 0.0, *v)) for v in at)
            return r0 / (r1 - r0) if r1 > r0 else 0.0

        best = optimize.minimize_scalar(neg_ratio, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10 * hi})
        return math.sqrt(max(float(ratio[k]), -float(best.fun)))

    def _pair_newton(self, pv: list[float], x0: tuple[float, float, float], max_iter: int = 15):
        """Newton's method on the derived pair residuals (energy_balance, rest, mean) from ``x0``.

        Forward-difference Jacobian, backtracking on the residual norm, iterates kept in the domain
        ``0 <= Delta_inf < Delta0``; returns ``(Delta0, Delta_inf, mu, iterations)``, or None where it
        does not converge to a fluctuating root (``Delta0 - Delta_inf > 1e-6 Delta0``): the caller
        falls back to the damped iteration.
        """

        def F(x: np.ndarray) -> np.ndarray | None:
            if not (x[0] > 0 and 0 <= x[1] < x[0]):
                return None
            r = np.asarray(self.pair_sys(*x, *pv), dtype=float)
            return r if np.all(np.isfinite(r)) else None

        x = np.array(x0, dtype=float)
        x[1] = min(max(x[1], 0.0), 0.5 * x[0])
        r = F(x)
        if r is None:
            return None
        for it in range(max_iter):
            J = np.empty((3, 3))
            for j in range(3):
                dx = 1e-7 * max(abs(x[j]), 1e-3 * x[0], 1e-9)
                xp = x.copy()
                xp[j] += dx if j != 1 or xp[1] + dx < xp[0] else -dx
                rp = F(xp)
                if rp is None:
                    return None
                J[:, j] = (rp - r) / (xp[j] - x[j])
            try:
                step = np.linalg.solve(J, -r)
            except np.linalg.LinAlgError:
                return None
            if not np.all(np.isfinite(step)):
                return None
            # at most a factor 4 in Delta0 per step; backtrack on |r|
            t = min(1.0, 3.0 * x[0] / max(abs(step[0]), 1e-300))
            norm = float(np.max(np.abs(r)))
            while t > 1e-4:
                xn = x + t * step
                xn[1] = max(xn[1], 0.0)
                rn = F(xn)
                if rn is not None and float(np.max(np.abs(rn))) < (1 - 1e-4 * t) * norm:
                    break
                t /= 2
            else:
                return None
            moved = max(abs(xn[0] - x[0]) / xn[0], abs(xn[1] - x[1]) / xn[0], abs(xn[2] - x[2]) / max(abs(xn[2]), xn[0]))
            x, r = xn, rn
            if moved < 1e-13 or float(np.max(np.abs(r))) < 1e-14 * max(x[0] * x[0], 1.0):
                if x[0] - x[1] > 1e-6 * x[0]:
                    return float(x[0]), float(x[1]), float(x[2]), it + 1
                return None
        return None

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
        """Damped iteration of the derived fixed-point map (dmft.md §4), cut short by Newton's method on
        the residuals (:meth:`_pair_newton`, tried at the start and after 8, 24, 56, ... damped steps),
        polished by a Newton-type root of the residuals once it is close."""
        polish_at = 1e-4
        step = math.inf
        next_newton = 0
        for it in range(max_iter):
            if it == next_newton:
                newton = self._pair_newton(pv, (D0, Dinf, mu))
                if newton is not None:
                    return *newton[:3], f"{it} steps, Newton {newton[3]}"
                next_newton = 2 * next_newton + 8
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
        raise ConvergenceError(f"DMFT (Delta0, Delta_inf, mu) iteration did not converge ({self._pstr(pv)}): no "
                               "stationary state found (a phi growing faster than linearly, or strong couplings or "
                               "inputs); lower --g, --J0, --input-mean or --sigma2")

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
        what: str = "all",
        rtol: float | None = None,
        D0_guess: float | None = None,
        values: list[float] | None = None,
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
        what : {"all", "Delta0"}
            ``"Delta0"``: only Delta0, mu and the Gaussian averages (no curves, no Lyapunov exponent;
            the fast path of sweeps, skipping the static branch where the chaotic equation applies).
        rtol : float, optional
            Relative accuracy target of Delta0, mu and the averages (default: the solver's ``rtol``,
            1e-8); a different value rebuilds nothing, it only changes the step control.
        D0_guess : float, optional
            Warm start for Delta0 (the previous point of a sweep).
        values : list of float, optional
            The parameter values in ``self.params`` order, already checked (used by :meth:`sweep`;
            ``spec`` is then only used for nothing else).

        The achieved accuracy is estimated a posteriori (the quadrature at half the order, propagated
        through the equations; the Schroedinger eigenvalue at step h and h/2) and returned in
        ``result.error_estimates`` (quantity -> estimated absolute error).
        """
        if what not in ("all", "Delta0"):
            raise SpecError("what", f"must be 'all' or 'Delta0', got {what!r}")
        if rtol is not None:
            self.set_rtol(rtol)
        if what == "Delta0":
            curves = lyapunov = False
        if branch not in ("auto", "static"):
            raise SpecError("branch", f"must be 'auto' or 'static', got {branch!r}")
        t_start = time.perf_counter()
        if values is None:
            pv = self.param_values(self.problem.check_values(spec))
        else:
            pv = list(values)
        pd = dict(zip(self._pnames, pv, strict=True))
        sigma2 = pd.get("sigma^2", 0.0)
        sI2 = pd.get("sigma_I^2", 0.0)
        I0 = pd.get("I_0", 0.0)
        J0 = pd.get("J_0", 0.0)
        # an odd phi without input has the symmetric state mu = 0; with J0 < 0 and phi non-decreasing it is the only
        # one (<phi(mu + sqrt(Delta) z)> has the sign of mu), so it is solved for directly, not iterated towards
        # from mu = J0 (which a phi growing faster than linearly can overflow on the way)
        inhibited = J0 < 0.0 and self.odd_increasing
        zero_mean = self.odd and I0 == 0.0 and (J0 == 0.0 or inhibited or (mu0 is not None and mu0 == 0.0))
        if mu0 is None:
            mu0 = 0.0 if zero_mean else max(abs(J0), abs(I0), 1.0) * (1.0 if J0 + I0 >= 0 else -1.0)
        if zero_mean:
            mu0 = 0.0
        fast = what == "Delta0" and zero_mean and sI2 == 0.0 and branch == "auto" and self._phi0_zero(pv)
        if fast:  # the trivial fixed point x = 0 is the static branch; skip its root finding
            sD0, smu = 0.0, 0.0
        else:
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
            D0, Dinf, mu = self._chaotic(pv, sigma2, D0_guess), 0.0, 0.0
            regime = "chaotic"
            info["method"] = "chaotic energy equation (brentq)"
        else:
            D0, Dinf, mu, it = self._pair(pv, sD0 * 1.01 + 1e-3 + sigma2, 0.8 * sD0, smu)
            info["method"] = f"damped iteration ({it} steps)" if isinstance(it, int) else f"damped iteration ({it})"
            regime = "chaotic"
            if D0 - Dinf < 1e-7 * max(D0, 1e-12) and sigma2 == 0.0:
                regime = "static"
        o, o_coarse = self.obs_sys.pair(D0, Dinf, mu, *pv)
        self._obs_pair = (np.asarray(o, dtype=float), np.asarray(o_coarse, dtype=float))
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
            res.lyapunov = self._lyapunov(static_W, pv)
            res.tau_half = float("inf")
            res.kappa = 0.0
        elif curves:
            self._curves(res, pv, kink, mass, lyapunov, T_box, h)
        if regime != "static" and not math.isnan(res.lyapunov) and sigma2 > 0:
            res.regime = "chaotic" if res.lyapunov > 0 else "fluctuating"
        res.error_estimates = self._estimates(res, pv)
        info["seconds"] = time.perf_counter() - t_start
        return res

    def set_rtol(self, rtol: float) -> None:
        """Relative accuracy target of Delta0, mu and the averages (the quadrature step control follows)."""
        if not (0 < rtol < 1e-2):
            raise SpecError("rtol", f"must be in (0, 1e-2), got {rtol}")
        self.rtol = rtol
        for sys_ in (self.static_sys, self.chaotic_sys, self.pair_sys, self.map_sys, self.stability_sys, self.obs_sys):
            sys_.qtol = 1e-3 * rtol

    def _phi0_zero(self, pv: list[float]) -> bool:
        """Whether x = 0 is a fixed point (<phi> = 0 at Delta0 = 0, mu = 0: the static branch of an odd phi)."""
        if self._phi0 is None:  # phi(0) does not depend on the parameter values
            self._phi0 = abs(float(self.obs_sys(0.0, 0.0, 0.0, *pv)[0])) < 1e-14
        return self._phi0

    def sweep(self, spec: ModelSpec | None, g_values: Any, what: str = "Delta0", **kw: Any) -> list[DMFTResult]:
        """Solve along a g sweep (warm-started: each Delta0 brackets the next); one result per g."""
        from workbench.theories.dmft.problem import check_relu_growth

        spec = self.problem.check_values(spec)
        base = self.param_values(spec)
        gi = self._pnames.index("g")
        out: list[DMFTResult] = []
        prev: list[tuple[float, float]] = []  # (g, Delta0) of the last chaotic points
        for g in np.asarray(g_values, dtype=float):
            check_relu_growth(spec.with_overrides(g=float(g)))
            guess = None
            if len(prev) >= 2:  # linear extrapolation of the last two points
                (g1, d1), (g2, d2) = prev[-2:]
                guess = d2 + (d2 - d1) * (g - g2) / (g2 - g1) if g2 != g1 else d2
            elif prev:
                guess = prev[-1][1]
            pv = list(base)
            pv[gi] = float(g)
            r = self.solve(spec, what=what, D0_guess=guess, values=pv, **kw)
            prev = [*prev[-1:], (float(g), r.Delta0)] if r.regime != "static" and r.Delta0 > 0 else []
            out.append(r)
        return out

    def _root_error(self, F: Any, x: np.ndarray) -> np.ndarray:
        """Absolute error of the root ``x`` of ``F`` (-> fine, coarse residuals) due to the quadrature.

        ``J^-1 (r_coarse - r_fine)`` is the error of the root with the half-order rule; the fine rule's
        error is about its square relative to ``|x|`` (exponential convergence), floored at the
        root tolerance (1e-3 rtol) and rounding (4e-15 relative).
        """
        r_f, r_c = (np.atleast_1d(np.asarray(v, dtype=float)) for v in F(x))
        n = x.size
        J = np.empty((n, n))
        for j in range(n):
            dx = 1e-6 * max(abs(x[j]), 1e-3)
            xp = x.copy()
            xp[j] += dx
            J[:, j] = (np.atleast_1d(np.asarray(F(xp)[0], dtype=float)) - r_f) / dx
        try:
            d = np.abs(np.linalg.solve(J, r_c - r_f))
        except np.linalg.LinAlgError:
            d = np.full(n, np.inf)
        scale = np.maximum(np.abs(x), 1e-12)
        return np.minimum(d, scale) ** 2 / scale + (1e-3 * self.rtol + 4e-15) * scale

    def _chaotic_error(self, D0: float, pv: list[float]) -> np.ndarray:
        """:meth:`_root_error` of the chaotic root, from the residuals brentq evaluated (no new evaluation)."""
        memo = getattr(self, "_chaotic_memo", {})
        others = sorted((x for x in memo if x != D0), key=lambda x: abs(x - D0))
        if D0 not in memo or not others:
            return self._root_error(lambda v: self.chaotic_sys.pair(v[0], 0.0, 0.0, *pv), np.array([D0]))
        (rf, rc), x2 = memo[D0], others[0]
        slope = (rf - memo[x2][0]) / (D0 - x2)
        d = abs(rc - rf) / abs(slope) if slope != 0 else math.inf
        return np.array([min(d, D0) ** 2 / D0 + (1e-3 * self.rtol + 4e-15) * D0])

    def _estimates(self, res: DMFTResult, pv: list[float]) -> dict[str, float]:
        """A-posteriori absolute error estimates of the result's quantities (see :meth:`_root_error`)."""
        D0, Dinf, mu = res.Delta0, res.Delta_inf, res.mu
        est: dict[str, float] = dict(res.error_estimates)
        if res.info.get("method", "").startswith("chaotic"):
            e = self._chaotic_error(D0, pv)
            eD0, eDinf, emu = float(e[0]), 0.0, 0.0
        elif res.info.get("method", "") == "static root":
            e = self._root_error(lambda v: self.static_sys.pair(v[0], v[0], v[1], *pv), np.array([D0, mu]))
            eD0, eDinf, emu = float(e[0]), float(e[0]), float(e[1])
        else:
            e = self._root_error(lambda v: self.pair_sys.pair(*v, *pv), np.array([D0, Dinf, mu]))
            eD0, eDinf, emu = (float(x) for x in e)
        est.update(Delta0=eD0, Delta_inf=eDinf, mu=emu)
        o_f, o_c = self._obs_pair
        dD = 1e-6 * max(D0, 1e-6)
        o_p = np.asarray(self.obs_sys(D0 + dD, Dinf, mu, *pv), dtype=float)
        quad = (o_c - o_f) ** 2 / np.maximum(np.abs(o_f), 1e-300) + 4e-15 * np.abs(o_f)
        prop = np.abs(o_p - o_f) / dD * eD0
        if emu > 0:
            dm = 1e-6 * max(abs(mu), 1e-3)
            prop = prop + np.abs(np.asarray(self.obs_sys(D0, Dinf, mu + dm, *pv), dtype=float) - o_f) / dm * emu
        for k, name in enumerate(("mean_phi", "mean_phi_prime", "C_phi0", "mean_phi_prime2")):
            est[name] = float(quad[k] + prop[k])
        return est

    def _curves(self, res: DMFTResult, pv: list[float], kink: float, mass: float, lyap: bool, T_box, h) -> None:
        D0, Dinf, mu = res.Delta0, res.Delta_inf, res.mu
        # V'(D) and W(D) at Chebyshev-Lobatto points of a = sqrt(Delta0 - D) in [0, sqrt(Delta0 - lo)]
        # (the kernels are analytic in a, with features at a ~ 1 even where Delta0 >> 1; in D they
        # would have a sqrt-type edge at Delta0), Chebyshev interpolants in a; the number of points
        # doubles (nested: every other point is the previous grid) until the estimate from the
        # previous grid meets curve_rtol
        lo = Dinf - 0.02 * (D0 - Dinf)
        A = math.sqrt(D0 - lo)
        n = self.n_curve | 1
        a_g = 0.5 * A * (1 - np.cos(np.linspace(0, np.pi, n)))
        Vp, W = self.curve_sys.curve(D_VAR, D0 - a_g**2, D0, Dinf, mu, *pv)
        while True:
            Wc = _cheb(a_g, W)
            a_inf = math.sqrt(D0 - Dinf)
            kappa = math.sqrt(max(float(Wc(a_inf)) / mass, 0.0))  # linearisation at rest: W = -V''(Dinf)
            Tmax = max(60.0, min(150.0, 25.0 / max(kappa, 1e-3)))
            curve = _CurveData(a_g, Vp, D0, Dinf, kink, mass, kappa, Tmax)
            tau, Dt = curve.trajectory(1, self.du)
            err, parts = curve.error(tau, Dt, self.du)
            if err <= self.curve_rtol * max(D0, 1e-12) or n >= 513:
                break
            a_new = 0.5 * A * (1 - np.cos(np.linspace(0, np.pi, 2 * n - 1)))[1::2]
            Vn, Wn = self.curve_sys.curve(D_VAR, D0 - a_new**2, D0, Dinf, mu, *pv)
            a_g, Vp, W = (_interleave(x, y) for x, y in ((a_g, a_new), (Vp, Vn), (W, Wn)))
            n = 2 * n - 1
        res.kappa = kappa
        res.tau, res.Delta_tau = tau, Dt
        res.error_estimates["Delta_tau"] = err
        res.error_estimates["kappa"] = abs(math.sqrt(max(float(_cheb(a_g[::2], W[::2])(a_inf)) / mass, 0.0)) - kappa)
        res.info["n_curve"] = n
        res.info["Delta_tau_error_parts"] = parts
        Dg = np.array([lo, D0])

        def Ws(D: Any) -> Any:  # W(Delta) for the Schroedinger operator
            return Wc(np.sqrt(np.maximum(D0 - np.asarray(D, dtype=float), 0.0)))
        half = Dinf + 0.5 * (D0 - Dinf)
        k = np.argmax(res.Delta_tau <= half)
        if res.Delta_tau[k] <= half and k > 0:
            res.tau_half = _crossing(res.tau, res.Delta_tau, k, half)
        if math.isfinite(res.tau_half):
            slope = abs(float(np.interp(res.tau_half, res.tau, np.gradient(res.Delta_tau, res.tau))))
            res.error_estimates["tau_half"] = res.error_estimates["Delta_tau"] / max(slope, 1e-300)
        if lyap:
            T = T_box if T_box is not None else Tmax
            e0, est, h = self._ground_energy(res, Ws, Dg, mass, T, h, pv)
            res.lyapunov = self._lyapunov(e0, pv)
            # plus the curve error, relative to the decay, carried over at O(1) to lambda
            curve = abs(res.lyapunov) * res.error_estimates["Delta_tau"] / max(D0 - Dinf, 1e-12)
            res.error_estimates["lyapunov"] = est + curve
            res.info["h"] = h
            res.info["E0"] = float(e0)
            res.info["T_box"] = T

    def _lyapunov(self, e0: float, pv: list[float]) -> float:
        """The derived ``lambda(E0)``; an ``E0`` within round-off of the edge of its domain (a square root's zero,
        :func:`_domain_edge`), on either side, is taken at the edge, beyond it ``lambda`` stays NaN. At g = 0 the
        ground energy 1 came out as 1 + 2e-16 (lambda NaN instead of -1/tau) or, with other library versions,
        1 - 7e-16, where the square root's slope turns that round-off into an error of 1.3e-8 in lambda; a genuine
        ``E0`` within 1e-12 of the edge moves lambda by at most ~1e-6 of its scale, far below its error estimate."""
        if self.lyap_edge is not None:
            edge = float(np.ravel(self.lyap_edge(*pv))[0])
            if math.isfinite(edge) and abs(e0 - edge) <= 1e-12 * max(1.0, abs(edge)):
                e0 = edge
        return float(self.lyap(e0, *pv))

    def _ground_energy(self, res: DMFTResult, Ws: Any, Dg: np.ndarray, mass: float, T: float, h: float, pv):
        """Ground energy E0 of ``-M d^2/du^2 + W(Delta(u))`` on [-T, T], its Lyapunov-error estimate and the step.

        Second-order finite differences on the nested grids of steps 4h, 2h, h (lowest eigenvalue by
        :func:`_lowest_eigenvalue`, warm-started from the coarser grid; even sector only:
        the ground state is even), twice Richardson-extrapolated (the error is a series in h^2; the
        kink of W at u = 0 sits on a node); the estimate is the change of the once-extrapolated value
        between (4h, 2h) and (2h, h) (not divided by 15: a kinked phi gives W a sqrt(|u|) cusp and a
        slower, h^2.5 series), propagated through the derived ``lambda(E0)``; h
        is halved (at most three times) until it meets ``curve_rtol``. Below the continuum edge
        ``W(Delta_inf)`` there is no bound state: E0 is the edge (dmft.md §3.3).
        """
        w_inf = float(Ws(res.Delta_inf))
        cache: dict[float, float] = {}

        def ground(step: float) -> float:
            if step not in cache:
                uu = step * np.arange(int(round(T / step)) + 1)  # u >= 0; psi(-u) = psi(u)
                Wu = Ws(np.clip(res.Delta_at(uu), Dg[0], Dg[-1]))
                diag = 2 * mass / step**2 + Wu
                off = np.full(uu.size - 1, -mass / step**2)
                off[0] *= math.sqrt(2.0)  # the even sector of the full operator, symmetrised
                coarser = [cache[s] for s in sorted(cache) if s > step]
                cache[step] = _lowest_eigenvalue(diag, off, coarser[0] if coarser else None)
            return cache[step]

        for _ in range(4):
            e4, e2, e1 = ground(4 * h), ground(2 * h), ground(h)
            r2, r1 = e2 + (e2 - e4) / 3, e1 + (e1 - e2) / 3
            e0 = min(r1 + (r1 - r2) / 15, w_inf)
            lam = self._lyapunov(e0, pv)
            lam_r = self._lyapunov(min(r2, w_inf), pv)
            est = abs(lam - lam_r) + 1e-3 * self.curve_rtol * abs(lam)
            if est <= self.curve_rtol * max(abs(lam), 1e-3):
                break
            h /= 2
        return e0, est, h


def _non_decreasing(phi: sp.Expr) -> bool:
    """Whether ``phi'(x) >= 0`` on a fine grid of [-30, 30] (False when it cannot be evaluated there)."""
    try:
        dphi = sp.lambdify(X, sp.diff(phi, X), ["scipy", "numpy"])
        x = np.linspace(-30.0, 30.0, 6001)
        with np.errstate(all="ignore"):
            v = np.broadcast_to(np.asarray(dphi(x), dtype=float), x.shape)
    except Exception:  # noqa: BLE001 - an expression numpy cannot evaluate: not known to be monotone
        return False
    return bool(np.all(np.isfinite(v)) and np.all(v >= -1e-12))


def _domain_edge(expr: sp.Expr, var: sp.Symbol) -> sp.Expr | None:
    """The value of ``var`` at which the argument of the one square root of ``expr`` that depends on ``var`` vanishes
    (where the derived ``lambda(E0)`` stops being real), or None when there is no such single root."""
    roots = [a.base for a in expr.atoms(sp.Pow) if a.exp == sp.Rational(1, 2) and a.base.has(var)]
    if len(roots) != 1:
        return None
    sols = sp.solve(roots[0], var)
    return sols[0] if len(sols) == 1 else None


def _lowest_eigenvalue(diag: np.ndarray, off: np.ndarray, guess: float | None) -> float:
    """Lowest eigenvalue of the symmetric tridiagonal matrix (``diag``, ``off``).

    With a ``guess`` (the eigenvalue on a coarser grid): Rayleigh-quotient iteration from it
    (compiled, O(n) per step), accepted only where the Sturm count proves it the lowest (no
    eigenvalue below it, one within 1e-9 relative above); otherwise, and without a guess, LAPACK
    bisection (``eigh_tridiagonal``).
    """
    if guess is not None:
        lam = _rayleigh_ground(diag, off, guess)
        tol = 1e-9 * max(abs(lam), 1e-6)
        if math.isfinite(lam) and _sturm_count(diag, off, lam - tol) == 0 and _sturm_count(diag, off, lam + tol) >= 1:
            return lam
    return float(linalg.eigh_tridiagonal(diag, off, select="i", select_range=(0, 0), eigvals_only=True)[0])


@numba.njit(cache=True)
def _sturm_count(diag: np.ndarray, off: np.ndarray, x: float) -> int:  # pragma: no cover - numba
    """Number of eigenvalues below ``x`` (signs of the LDL^T pivots of ``T - x``)."""
    count = 0
    q = diag[0] - x
    for i in range(diag.size):
        if i > 0:
            q = diag[i] - x - off[i - 1] * off[i - 1] / (q if q != 0.0 else 1e-300)
        if q < 0:
            count += 1
    return count


@numba.njit(cache=True)
def _tridiag_solve(diag: np.ndarray, off: np.ndarray, shift: float, rhs: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Solution of ``(T - shift) y = rhs`` (Thomas algorithm; T symmetric tridiagonal)."""
    n = diag.size
    c = np.empty(n)
    y = np.empty(n)
    b = diag[0] - shift
    b = b if b != 0.0 else 1e-300
    c[0] = off[0] / b if n > 1 else 0.0
    y[0] = rhs[0] / b
    for i in range(1, n):
        b = diag[i] - shift - off[i - 1] * c[i - 1]
        b = b if b != 0.0 else 1e-300
        c[i] = off[i] / b if i < n - 1 else 0.0
        y[i] = (rhs[i] - off[i - 1] * y[i - 1]) / b
    for i in range(n - 2, -1, -1):
        y[i] -= c[i] * y[i + 1]
    return y


@numba.njit(cache=True)
def _rayleigh_ground(diag: np.ndarray, off: np.ndarray, guess: float) -> float:  # pragma: no cover - numba
    """Eigenvalue reached by two inverse-iteration steps at ``guess`` from a positive vector (the ground
    state has no node), then Rayleigh-quotient iteration; NaN without convergence."""
    n = diag.size
    x = np.ones(n) / math.sqrt(n)
    lam = guess
    for k in range(30):
        y = _tridiag_solve(diag, off, lam if k >= 2 else guess, x)
        x = y / math.sqrt(np.dot(y, y))
        tx = diag * x
        tx[:-1] += off * x[1:]
        tx[1:] += off * x[:-1]
        rq = np.dot(x, tx)
        if k >= 2 and abs(rq - lam) <= 1e-15 * max(abs(rq), 1.0):
            return rq
        lam = rq
    return np.nan


def _cheb(x: np.ndarray, y: np.ndarray) -> np.polynomial.Chebyshev:
    """Chebyshev interpolant through values at Chebyshev-Lobatto points ``x`` (increasing)."""
    return np.polynomial.Chebyshev.fit(x, y, deg=x.size - 1, domain=[float(x[0]), float(x[-1])])


def _interleave(even: np.ndarray, odd: np.ndarray) -> np.ndarray:
    """The refined nested grid: ``even`` at even indices, ``odd`` (one fewer) in between."""
    out = np.empty(even.size + odd.size)
    out[0::2], out[1::2] = even, odd
    return out


def _geometric_estimate(e2: float, e4: float) -> float:
    """Error of a geometrically converging approximation from its differences to the half- (``e2``) and
    quarter-size (``e4``) ones: ``e2 * (e2 / e4)`` (the next factor is ``(e2 / e4)^2``; one power is kept
    as the safety factor), never more than ``e2`` (pre-asymptotic: the coarse error itself)."""
    return e2 * min(1.0, e2 / e4) if e4 > 0 else e2


def _crossing(tau: np.ndarray, D: np.ndarray, k: int, level: float) -> float:
    """Where ``D`` crosses ``level`` between ``tau[k-1]`` and ``tau[k]``: root of the cubic through the four
    nearest points (error ~du^4, far below the curve's; linear interpolation would give du^2 / 8 D''/D')."""
    j = int(min(max(k - 2, 0), tau.size - 4))
    p = np.polynomial.Polynomial.fit(tau[j : j + 4], D[j : j + 4] - level, 3)
    roots = [r.real for r in p.roots() if abs(r.imag) < 1e-12 and tau[k - 1] - 1e-12 <= r.real <= tau[k] + 1e-12]
    if not roots:  # pragma: no cover - a monotone cubic has one; linear as a fallback
        return float(tau[k - 1] + (level - D[k - 1]) * (tau[k] - tau[k - 1]) / (D[k] - D[k - 1]))
    return float(roots[0])


class _CurveData:
    """V' at the Chebyshev-Lobatto points ``a_g`` of ``a = sqrt(Delta0 - Delta)``, and what the trajectories need."""

    def __init__(self, a_g, Vp, D0: float, Dinf: float, kink: float, mass: float, kappa: float, Tmax: float) -> None:
        self.a_g, self.Vp = a_g, Vp
        self.args = (D0, Dinf, kink, mass, kappa)
        self.Tmax, self.D0 = Tmax, D0

    def trajectory(self, stride: int, du: float) -> tuple[np.ndarray, np.ndarray]:
        """Delta(tau) from the interpolants through every ``stride``-th point (nested sub-grid), step ``du``."""
        a, v = self.a_g[::stride], self.Vp[::stride]
        return _trajectory(_cheb(a, v), _cheb(a, -2 * a * v), *self.args, du, self.Tmax)

    def error(self, tau: np.ndarray, Dt: np.ndarray, du: float) -> tuple[float, dict[str, float]]:
        """Estimated max error of ``Dt`` (all points, step du) itself, not of a coarser curve, and its parts.

        Interpolation: geometric convergence in the number of points; ``e2``, ``e4``: max differences to
        the curves from every 2nd and 4th point (step du), combined by :func:`_geometric_estimate`.
        Step: the whole difference to the curve at step 2du (RK4 alone would give 1/15 of it, but the
        error is largest where RK4 hands over to the separatrix quadrature, at half the decay, and
        converges irregularly there: at g = 3 the actual error is 0.28 of the difference). Plus
        1e-12 Delta0 (rounding, the separatrix quadrature). tests/theories/dmft/test_energy_error_estimates.py checks the total
        against a reference with 8x the points and du/4 at g = 3, 10, 20.
        """

        def diff(t2: np.ndarray, d2: np.ndarray) -> float:
            return float(np.max(np.abs(np.interp(t2, tau, Dt) - d2)))

        e2 = diff(*self.trajectory(2, du))
        e4 = diff(*self.trajectory(4, du)) if (self.a_g.size - 1) % 4 == 0 else 0.0
        parts = {
            "interpolation": _geometric_estimate(e2, e4),
            "step": diff(*self.trajectory(1, 2 * du)),
            "rounding": 1e-12 * abs(self.D0),
        }
        return sum(parts.values()), parts


def _linear_tail(ug: np.ndarray, Dv: np.ndarray, Dinf: float, kappa: float, du: float, Tmax: float):
    """Continue the curve by the linearised tail ``exp(-kappa u)`` (dmft.md §2.3)."""
    ut = np.arange(ug[-1] + du, Tmax + du / 2, du)
    return np.concatenate([ug, ut]), np.concatenate([Dv, Dinf + (Dv[-1] - Dinf) * np.exp(-kappa * (ut - ug[-1]))])


def _trajectory(
    Vc: np.polynomial.Chebyshev,
    Gc: np.polynomial.Chebyshev,
    D0: float,
    Dinf: float,
    kink: float,
    mass: float,
    kappa: float,
    du: float,
    Tmax: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Delta(u) on ``u = k du <= Tmax``: the Newtonian motion ``M Delta'' = -V'(Delta)`` from (Delta0, kink).

    ``Vc``: V' and ``Gc``: ``dV/da = -2 a V'`` as Chebyshev series in ``a = sqrt(Delta0 - Delta)``.
    RK4 (compiled) down to half the decay; from there on the separatrix is followed by energy
    conservation, ``u(D) = u_s + int_D^{D_s} dx / v(x)`` with ``M v^2 / 2 = V(Delta_inf) - V(x)`` (the
    antiderivative of ``Gc``; below 1e-3 of the decay ``v^2 = e^2 (kappa^2 + c e)`` matched there), a
    quadrature in ``ln(x - Delta_inf)`` that tends to ``exp(-kappa u)`` exactly. Forward integration
    of a separatrix amplifies every error by ``exp(kappa u)``; the quadrature does not.
    """
    a0, a1 = (float(v) for v in Vc.domain)
    coef = np.ascontiguousarray(Vc.coef, dtype=float)
    D_s = Dinf + 0.5 * (D0 - Dinf)
    span = 200.0 / max(kappa, 0.05)
    Dv = _newton_rk4_cheb(coef, a0, a1, D0, kink, mass, du, int(span / du), D_s)
    ug = du * np.arange(Dv.size)
    e_s = float(Dv[-1]) - Dinf
    if not (0 < e_s < D_s - Dinf) or kappa <= 0:  # no separatrix to follow
        return _linear_tail(ug, Dv, Dinf, kappa, du, Tmax)
    a_inf = math.sqrt(D0 - Dinf)
    Q = Gc.integ(lbnd=a_inf)  # V(x) - V(Dinf) at a = sqrt(D0 - x)
    y = np.linspace(math.log(e_s), math.log(1e-14 * (D0 - Dinf)), 4001)
    e = np.exp(y)
    e_star = 1e-3 * (D0 - Dinf)
    q_star = -2.0 / mass * float(Q(math.sqrt(D0 - Dinf - e_star)))
    c1 = (q_star / e_star**2 - kappa**2) / e_star
    q = np.where(
        e > e_star, -2.0 / mass * Q(np.sqrt(np.maximum(D0 - Dinf - e, 0.0))), e * e * (kappa**2 + c1 * e)
    )
    if np.any(q <= 0):
        return _linear_tail(ug, Dv, Dinf, kappa, du, Tmax)
    t = ug[-1] + integrate.cumulative_simpson(e / np.sqrt(q), dx=abs(y[1] - y[0]), initial=0.0)
    ut = np.arange(ug[-1] + du, Tmax + du / 2, du)
    inside = ut <= t[-1]
    yt = np.empty(ut.size)
    yt[inside] = CubicSpline(t, y)(ut[inside])
    yt[~inside] = y[-1] - kappa * (ut[~inside] - t[-1])
    return np.concatenate([ug, ut]), np.concatenate([Dv, Dinf + np.exp(yt)])


@numba.njit(cache=True)
def _cheb_eval(coef: np.ndarray, a: float, b: float, v: float) -> float:  # pragma: no cover - numba
    """Chebyshev series on [a, b] at ``v`` (Clenshaw)."""
    x = (2.0 * v - a - b) / (b - a)
    b1, b2 = 0.0, 0.0
    for k in range(coef.size - 1, 0, -1):
        b1, b2 = 2.0 * x * b1 - b2 + coef[k], b1
    return x * b1 - b2 + coef[0]


@numba.njit(cache=True)
def _vp_a(coef: np.ndarray, a: float, b: float, D0: float, D: float) -> float:  # pragma: no cover - numba
    """V'(D) from its Chebyshev series in ``sqrt(D0 - D)``."""
    return _cheb_eval(coef, a, b, math.sqrt(max(D0 - D, 0.0)))


@numba.njit(cache=True)
def _newton_rk4_cheb(
    coef: np.ndarray, a: float, b: float, D0: float, v0: float, mass: float, du: float, nmax: int, D_stop: float
) -> np.ndarray:  # pragma: no cover - numba
    """RK4 for ``mass D'' = -V'(D)`` (V' a Chebyshev series in ``sqrt(D0 - D)`` on [a, b]); D on ``du * k``
    until ``D < D_stop`` or ``D' > 0``."""
    out = np.empty(nmax + 1)
    out[0] = D0
    D, v = D0, v0
    n = 0
    for k in range(nmax):
        a1 = -_vp_a(coef, a, b, D0, D) / mass
        D2, v2 = D + 0.5 * du * v, v + 0.5 * du * a1
        a2 = -_vp_a(coef, a, b, D0, D2) / mass
        D3, v3 = D + 0.5 * du * v2, v + 0.5 * du * a2
        a3 = -_vp_a(coef, a, b, D0, D3) / mass
        D4, v4 = D + du * v3, v + du * a3
        a4 = -_vp_a(coef, a, b, D0, D4) / mass
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
