"""The stationary DMFT problem of a spec: refusals, the derivation, and the solver methods.

``DMFTProblem(spec).build_solver(method="auto")``: the methods, in order, are ``"energy"``
(:class:`~workbench.theories.dmft.energy.DMFTSolver`, needs an energy integral: one population,
white or static noise) and ``"lag"`` (:class:`~workbench.theories.dmft.lag.LagDMFTSolver`, any
number of populations, coloured noise); ``"auto"`` takes the first that can solve the problem.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from workbench.errors import SpecError, WorkbenchError
from workbench.spec import ModelSpec
from workbench.symbolic.gaussian import is_affine
from workbench.theories.base import Problem, Solver
from workbench.theories.dmft.energy import DMFTSolver
from workbench.theories.dmft.growth import asymptotic_slopes, growth_factor, growth_g_max
from workbench.theories.dmft.lag import LagDMFTSolver

__all__ = ["DMFTProblem", "check_relu_growth", "check_solvable", "shared_solver"]


def check_solvable(spec: ModelSpec) -> None:
    """SpecError, naming the spec parameter, for a spec the stationary DMFT cannot describe.

    A fixed coupling matrix (no disorder to average), heterogeneous timescale or gain laws (the
    derivation has constant ones per population), and a linear (affine) phi: the linear network
    has no stationary chaotic state (for g < 1 it is the exact linear theory, for g >= 1 it diverges).
    """
    if spec.fixed_J:
        raise SpecError(
            "J_file",
            "the DMFT averages over random couplings; a fixed matrix (J_file) has no DMFT: simulate it instead "
            "(workbench simulate), or give the coupling law ([coupling] J0, g) instead of J_file",
        )
    for k, pop in enumerate(spec.populations):
        for nm, law in (("gain", pop.gain), ("tau", pop.tau)):
            if law.kind != "constant":
                raise SpecError(
                    f"populations[{k}].{nm}",
                    f"the DMFT needs a constant {nm} per population, got a {law.kind} law; split the population or "
                    "use its mean",
                )
    if is_affine(spec.phi.expr):  # by pieces: a leaky relu has phi'' = 0 on each piece but is not affine
        raise SpecError(
            "phi",
            f"phi = {spec.phi.label()!r} is linear: a linear network has no stationary chaotic DMFT (it relaxes for "
            "g < 1, where its covariance is the exact linear theory of J - 1, and diverges for g >= 1); use a "
            "saturating phi (tanh, erf, logistic) or simulate the linear network",
        )


def check_relu_growth(spec: ModelSpec) -> None:
    """SpecError naming g for a population whose activity grows without bound: phi growing linearly with slopes
    ``a+``, ``a-`` at +-infinity (relu: 1, 0; softplus the same) whose large-amplitude static map has a growth factor
    >= 1 (:mod:`~workbench.theories.dmft.growth`; J0 = 0: ``g gain >= sqrt(2 / (a+^2 + a-^2))``, relu sqrt 2; an
    excitatory J0 lowers the bound, an inhibitory one raises it). Not for an affine phi (the linear network has its
    own bound, g < 1)."""
    if spec.n_populations != 1:
        return
    slopes = asymptotic_slopes(spec.phi.expr)
    if slopes is None or max(abs(slopes[0]), abs(slopes[1])) == 0.0 or _is_affine(spec.phi.expr):
        return
    g, J0, gain = spec.g[0][0], spec.J0[0][0], spec.populations[0].gain.value
    if growth_factor(g, J0, slopes, gain) < 1.0 - 1e-12:
        return
    name = spec.phi.name if spec.phi.name != "custom" else f"phi = {spec.phi.label()!r}"
    g_max = growth_g_max(J0, slopes, gain)
    mean_only = g_max <= 1e-6  # the population mean alone grows: J0 * gain * a+- >= 1
    allowed = f"J0 * gain * {max(slopes):.4g} < 1" if mean_only else f"0 <= g < {g_max:.4g} at J0 = {J0:.4g}"
    raise SpecError(
        "J0" if mean_only else "g",
        f"a {name} network (slopes {slopes[1]:.4g} at +inf, {slopes[0]:.4g} at -inf) with g * gain = {g * gain:.4g} "
        f"and J0 = {J0:.4g} has no stationary state (the activity grows without bound); allowed: {allowed}",
    )


@functools.lru_cache(maxsize=64)
def _is_affine(phi: Any) -> bool:
    """:func:`~workbench.symbolic.gaussian.is_affine`, memoised (it simplifies; the growth check runs per sweep point)."""
    return is_affine(phi)


class DMFTProblem(Problem):
    """The stationary DMFT of a spec (derived symbolically, then compiled).

    ``build_solver()`` picks the generated solver from the derived structure: the energy-integral
    solver :class:`DMFTSolver` (one population, white/static noise: a Newtonian potential exists)
    or the lag-grid solver :class:`~workbench.theories.dmft.lag.LagDMFTSolver` (several populations,
    coloured noise); ``method="lag"`` forces the latter (used to cross-check the two).
    """

    name: ClassVar[str] = "dmft"
    methods: ClassVar[dict[str, type[Solver]]] = {"energy": DMFTSolver, "lag": LagDMFTSolver}

    def __init__(self, spec: ModelSpec, setup: Any = None, derivation: Any = None) -> None:
        """``derivation``: use this derivation (e.g. of a perturbed action, ``derive_from_action``)
        instead of deriving the spec's; its structure must match the spec's."""
        from derivations.dmft import derive

        check_solvable(spec)
        check_relu_growth(spec)
        super().__init__(spec, setup)
        if derivation is not None:
            self.derivation = derivation
            return
        try:
            self.derivation = derive(spec)
        except Exception as exc:
            if isinstance(exc, WorkbenchError) or spec.phi.name != "custom":
                raise
            msg = " ".join(str(exc).split())[:160]
            hint = ("an expression in x whose primitive int_0^x phi SymPy can integrate (the DMFT potential needs it): "
                    "elementary, or a function of exp(x) such as softplus log(1+exp(x)), whose primitive is a "
                    "dilogarithm" if "no primitive" in msg else "a smooth expression in x")
            raise SpecError(
                "phi",
                f"the DMFT derivation cannot handle phi = {spec.phi.label()!r} ({type(exc).__name__}: {msg}); use a "
                f"named phi (tanh, erf, logistic, relu, softplus) or {hint}",
            ) from exc

    @staticmethod
    def structure(spec: ModelSpec) -> dict[str, Any]:
        """What a solver is compiled for: nonlinearity, noise kind, populations with their gains
        (numbers inside phi) and the kind of their timescale laws (values are parameters)."""
        return {
            "phi": spec.phi.label(),
            "noise": spec.noise.kind,
            "populations": [(p.name, p.gain.to_dict(), p.tau.kind) for p in spec.populations],
        }

    def check_structure(self, spec: ModelSpec | None) -> ModelSpec:
        """``spec`` (default: the problem's) if the compiled solver applies to it, else SpecError."""
        if spec is None:
            return self.spec
        if self.structure(spec) != self.structure(self.spec):
            raise SpecError(
                "spec",
                "has a different structure (nonlinearity, noise kind, populations or gains) from the derived "
                f"problem: {self.structure(spec)} vs {self.structure(self.spec)}; build a new DMFTProblem for it",
            )
        return spec

    def check_values(self, spec: ModelSpec | None) -> ModelSpec:
        """:meth:`check_structure`, then the refusal of a relu network without a stationary state."""
        spec = self.check_structure(spec)
        check_relu_growth(spec)
        return spec

    @property
    def has_potential(self) -> bool:
        """Whether the derived equations have an energy integral (one population, no lag dependence)."""
        return self.derivation.stationary.potential is not None

    def build_solver(
        self,
        method: str = "auto",
        *,
        backend: str = "numba",
        n_quad: int = 101,
        n_kernel: int = 61,
        n_curve: int = 33,
        n_kernel_curve: int = 61,
        rtol: float = 1e-8,
        curve_rtol: float = 1e-6,
    ) -> DMFTSolver | LagDMFTSolver:
        """Compile the residuals and curves; see :class:`DMFTSolver` and :class:`LagDMFTSolver`.

        ``method``: ``"auto"`` (energy if the derived equations have an energy integral, else lag),
        ``"energy"`` or ``"lag"``. ``n_quad``: Gauss-Hermite order of averages; ``n_kernel``: per
        level of the nested kernels of the closed equations (both used by the lag-grid solver only);
        ``n_curve``: initial number of Chebyshev-Lobatto points (in ``sqrt(Delta0 - Delta)``) of the
        V'(Delta), W(Delta) interpolants, default 33, doubled (nested) until the estimated error of
        Delta(tau) meets ``curve_rtol`` (33 points suffice for tanh up to g = 20: estimate 1.2e-8
        Delta0); ``n_kernel_curve`` is unused by the energy solver (its kernels are error-controlled).
        The energy solver is error-controlled: ``rtol`` is the relative target of Delta0, mu and the
        averages, ``curve_rtol`` that of Delta(tau), tau_half and lambda_max; its Gaussian averages use
        the step-controlled sinh rule (split Gauss-Legendre rules for a kinked phi) and every result
        carries ``error_estimates``.
        """
        cls = self.method_class(method)
        if cls is LagDMFTSolver:
            return LagDMFTSolver(self, backend=backend, n_quad=n_quad, n_kernel=n_kernel)
        return DMFTSolver(
            self,
            backend=backend,
            n_quad=n_quad,
            n_kernel=n_kernel,
            n_curve=n_curve,
            n_kernel_curve=n_kernel_curve,
            rtol=rtol,
            curve_rtol=curve_rtol,
        )


_SHARED: dict[str, DMFTSolver | LagDMFTSolver] = {}
"""The default-compiled solvers of :func:`shared_solver`, by structure (one per process)."""


def shared_solver(spec: ModelSpec) -> DMFTSolver | LagDMFTSolver:
    """The default ``DMFTProblem(spec).build_solver()`` of ``spec``'s structure (:meth:`DMFTProblem.structure`),
    built once per process and shared by every caller: solve with ``solver.solve(spec)`` (the values come from the
    spec passed to ``solve``; the solvers keep no state between solves). Building one costs about 0.07 s even with
    the compiled kernels cached on disk, which callers solving once per drawn network paid each time."""
    from workbench.store import canonical_json

    check_solvable(spec)  # the values' checks of a build, for every spec (a shared solver was built for another)
    check_relu_growth(spec)
    key = canonical_json({**DMFTProblem.structure(spec), "dynamics": spec.dynamics.kind})
    if key not in _SHARED:
        _SHARED[key] = DMFTProblem(spec).build_solver()
    return _SHARED[key]
