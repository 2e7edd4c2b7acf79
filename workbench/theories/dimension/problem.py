"""The dimension problem of a spec: refusals, the parameters of the linear theory, the solver methods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import sympy as sp

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.theories.base import Problem, Solver
from workbench.theories.dimension.result import COVARIANCES, DimensionResult, check_window

__all__ = ["CavitySolver", "DimensionProblem", "DimensionSetup", "LinearSolver", "check_population_mode", "is_linear",
           "linear_params"]


@dataclass(frozen=True)
class DimensionSetup:
    """Settings that are not part of the model spec: which covariance (``equal-time`` or ``zero-frequency``) and, at
    zero frequency, an estimator ``window`` (the finite-window statistics of
    :func:`~workbench.theories.dimension.nonlinear.solve_nonlinear`; None: ``C(w = 0)``)."""

    covariance: str = "equal-time"
    window: float | None = None

    def __post_init__(self) -> None:
        """Refuse an unknown covariance kind and a window that is not > 0 or not at zero frequency."""
        if self.covariance not in COVARIANCES:
            raise SpecError("covariance", f"one of {', '.join(COVARIANCES)}, got {self.covariance!r}")
        check_window(self.window, self.covariance)


def is_linear(spec: ModelSpec) -> bool:
    """Whether ``phi(x) = x`` (the linear network)."""
    x = sp.Symbol("x")
    expr = spec.phi.expr
    return sp.simplify(expr.subs({s: x for s in expr.free_symbols}) - x) == 0


def check_solvable(spec: ModelSpec) -> None:
    """SpecError naming the parameter for a spec the dimension theory does not describe."""
    if spec.n_populations != 1:
        raise SpecError("populations", f"the dimension theory needs one population, got {spec.n_populations}")
    pop = spec.populations[0]
    for nm, law in (("gain", pop.gain), ("tau", pop.tau)):
        if law.kind != "constant":
            raise SpecError(f"populations[0].{nm}", f"must be constant for the dimension theory, got a {law.kind} law")
    if spec.p[0][0] != 1.0:
        raise SpecError("coupling.p", f"must be 1 (dense couplings) for the dimension theory, got {spec.p[0][0]}")
    J0 = float(spec.J0[0][0])
    if J0 != 0.0 and spec.eta[0][0] != 0.0:
        raise SpecError("J0", f"a coupling mean with reciprocal correlations (eta = {spec.eta[0][0]:g}) is not covered; "
                        f"allowed: J0 = 0 when eta != 0, got {J0:g}")
    if is_linear(spec):
        check_population_mode(J0, 1.0)


def check_population_mode(J0: float, slope: float) -> None:
    """Refuse a linear network ``phi = slope x`` whose population mode grows without bound, ``J0 slope >= 1``."""
    if J0 * slope >= 1.0:
        raise SpecError("J0", f"the population mode of a linear network grows without bound for J0 phi' >= 1; allowed: "
                        f"J0 < {1 / slope:.6g}, got {J0:g}")


def _constant(law: Any) -> float:
    """The value of a constant law."""
    return float(law.value) if hasattr(law, "value") else float(law.params[0])


def linear_params(spec: ModelSpec) -> dict[str, float]:
    """``g, sigma2, tau_noise, input_var, eta, tau`` of :func:`~workbench.theories.dimension.linear.solve_linear`.

    The spec's static input is quenched (drawn once per network, :mod:`workbench.sim.network`): it shifts each unit's
    mean and leaves a linear network's fluctuations, hence its covariance, unchanged, so ``input_var`` is 0 here
    (``solve_linear``'s ``input_var`` is an input redrawn in every trial, whose covariance over trials adds
    ``input_var (1-J)^-1 (1-J)^-T``)."""
    check_solvable(spec)
    pop = spec.populations[0]
    gain = _constant(pop.gain)
    if gain != 1.0:
        raise SpecError("populations[0].gain", f"must be 1 for the linear theory (rescale g instead), got {gain}")
    ou = spec.noise.kind == "ou"
    return {
        "g": float(spec.g[0][0]),
        "sigma2": float(spec.noise.sigma2) if spec.noise.kind != "none" else 0.0,
        "tau_noise": float(spec.noise.tau) if ou else 0.0,
        "input_var": 0.0,
        "eta": float(spec.eta[0][0]),
        "tau": _constant(pop.tau),
    }


class LinearSolver(Solver):
    """Exact large-N statistics of the linear network from the derived trace formulas."""

    method: ClassVar[str] = "linear"
    description: ClassVar[str] = "free-probability trace formulas (derivations/dimension.py), phi(x) = x"
    requires: ClassVar[str] = "a linear network, phi(x) = x"

    def __init__(self, problem: DimensionProblem, **options: Any) -> None:
        from workbench.theories.dimension.linear import kernels

        self.problem = problem
        self.options = options
        k = kernels()
        self.freq, self.et_mean, self.et_trace, self.et_cross = k.freq, k.et_mean, k.et_trace, k.et_cross

    @classmethod
    def can_solve(cls, problem: Problem) -> bool:
        """Linear phi only, at w = 0 (the window-weighted integrals are the cavity solver's)."""
        return is_linear(problem.spec) and problem.setup.window is None

    def solve(self, spec: Any = None, **options: Any) -> DimensionResult:
        """The statistics at ``spec`` (default: the problem's)."""
        from dataclasses import replace

        from workbench.theories.dimension.linear import solve_linear
        from workbench.theories.dimension.nonlinear import population_mean_cross

        spec = spec or self.problem.spec
        res = solve_linear(covariance=self.problem.setup.covariance, **linear_params(spec),
                           **{**self.options, **options})

        pop = spec.populations[0]
        res.params.update({"J0": float(spec.J0[0][0]), "input_mean": float(pop.input_mean),
                           "input_var": float(pop.input_std) ** 2})
        # the means and a quenched input leave a linear network's covariance statistics unchanged; a coupling mean
        # adds the O(1/N) population mode to every C_ij (derivations.dimension_population)
        return replace(res, **population_mean_cross(spec, self.problem.setup.covariance))


class CavitySolver(Solver):
    """Two-site cavity theory of nonlinear networks (``workbench.theories.dimension.nonlinear``)."""

    method: ClassVar[str] = "cavity"
    description: ClassVar[str] = "two-site cavity / two-replica saddle point for any phi"
    requires: ClassVar[str] = "a nonlinear phi"

    def __init__(self, problem: DimensionProblem, **options: Any) -> None:
        self.problem = problem
        self.options = options

    @classmethod
    def can_solve(cls, problem: Problem) -> bool:
        """Nonlinear phi (the linear network has exact formulas), or any phi with an estimator window (the cavity
        route is exact for a linear phi too)."""
        return not is_linear(problem.spec) or problem.setup.window is not None

    def solve(self, spec: Any = None, **options: Any) -> DimensionResult:
        """The statistics at ``spec`` (default: the problem's), by ``solve_nonlinear``."""
        from workbench.theories.dimension.nonlinear import solve_nonlinear

        return solve_nonlinear(spec or self.problem.spec, covariance=self.problem.setup.covariance,
                               window=self.problem.setup.window,
                               **{**self.options, **options})


class DimensionProblem(Problem):
    """Covariance statistics and PR/N of a one-population random network's stationary activity."""

    name: ClassVar[str] = "dimension"
    methods: ClassVar[dict[str, type[Solver]]] = {"linear": LinearSolver, "cavity": CavitySolver}

    def __init__(self, spec: ModelSpec, setup: DimensionSetup | None = None) -> None:
        check_solvable(spec)
        setup = setup or DimensionSetup()
        if setup.window is not None and spec.eta[0][0] != 0:
            raise SpecError("window", "the finite-window statistics are computed for i.i.d. couplings (eta = 0), got "
                            f"eta = {spec.eta[0][0]:g}")
        super().__init__(spec, setup)

    def _derive(self) -> Any:
        """The linear derivation (the cavity theory derives its own)."""
        from derivations.dimension import derive

        return derive(self.spec)

    def summary(self) -> str:
        """One line: the model and the covariance kind."""
        p = self.spec
        pop = p.populations[0]
        extra = {"eta": p.eta[0][0], "J0": p.J0[0][0], "input_mean": pop.input_mean, "input_var": pop.input_std**2}
        shown = "".join(f" {k}={v:g}" for k, v in extra.items() if v)
        tau = _constant(pop.tau) if pop.tau.kind == "constant" else 1.0
        shown += f" tau={tau:g}" if tau != 1.0 else ""
        window = f" window={self.setup.window:g} (finite-window estimator)" if self.setup.window is not None else ""
        return (f"phi={p.phi.name} g={p.g[0][0]:g}{shown} noise={p.noise.kind} sigma2={p.noise.sigma2:g} "
                f"covariance={self.setup.covariance}{window}")

