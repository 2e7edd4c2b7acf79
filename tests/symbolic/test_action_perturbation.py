"""Perturb the MSRDJ action through the builder hooks: the derived equations and the solver's numbers
change exactly as the physics says (issue 10, item 5).

(a) leak ``-2x`` is the rescaling ``(g, J0, I0, sigma_I, sigma2, tau) -> (g/2, J0/2, I0/2, sigma_I/2,
    sigma2/4, tau/2)`` of the unperturbed model (divide ``tau dx/dt = -2x + ...`` by 2);
(b) dropping the noise term gives the noiseless equations (``sigma2`` absent);
(c) flipping the coupling-mean sign is ``J0 -> -J0``.

Each test also asserts that the perturbed equations differ from the unperturbed ones, so a builder
that ignores a hook fails.
"""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.dmft import derive_from_action
from workbench.errors import SpecError
from workbench.spec import ModelSpec, Noise
from workbench.symbolic import build_action, derive_stationary
from workbench.symbolic.action import ActionOptions

SPEC = ModelSpec.simple(g=2.0, J0=0.8, sigma2=0.5, input_mean=0.3, input_std=0.4)
S = SPEC.symbols()
HALF_LEAK = {
    S["g"]: S["g"] / 2,
    S["J0"]: S["J0"] / 2,
    S["I0"]: S["I0"] / 2,
    S["sigma_I2"]: S["sigma_I2"] / 4,
    S["sigma2"]: S["sigma2"] / 4,
    S["tau"]: S["tau"] / 2,
}
RESCALED = ModelSpec.simple(g=1.0, J0=0.4, sigma2=0.125, input_mean=0.15, input_std=0.2, tau=0.5)
"""SPEC with the half-leak rescaling applied to its values."""
NUMBERS = ("Delta0", "Delta_inf", "mu", "lyapunov")


def _residual(eq: sp.Eq) -> sp.Expr:
    return sp.expand(eq.lhs - eq.rhs)


@pytest.fixture(scope="module")
def base():
    return derive_stationary(SPEC)


@pytest.fixture(scope="module")
def unperturbed() -> dict:
    """The solver's numbers for the unperturbed SPEC."""
    return _solve(SPEC)


def test_default_hooks_give_the_spec_action() -> None:
    a, b = build_action(SPEC), build_action(SPEC, ActionOptions())
    assert a.expr == b.expr and a.options.is_default
    c = build_action(SPEC, leak=1, noise=True, coupling_mean_sign=1)
    assert c.expr == a.expr


def test_hooks_change_the_action() -> None:
    a = build_action(SPEC)
    assert build_action(SPEC, leak=2).terms["dynamics[all]"] != a.terms["dynamics[all]"]
    assert "noise[all]" in a.terms and "noise[all]" not in build_action(SPEC, noise=False).terms
    flipped = build_action(SPEC, coupling_mean_sign=-1).random["coupling[all,all]"].mean
    assert sp.simplify(flipped + a.random["coupling[all,all]"].mean) == 0
    with pytest.raises(SpecError):
        build_action(SPEC, coupling_mean_sign=2)
    with pytest.raises(SpecError):
        build_action(SPEC, bogus=1)


def test_leak_two_is_the_half_rescaling(base) -> None:
    pert = derive_stationary(build_action(SPEC, leak=2))
    assert set(pert.equations) == set(base.equations)
    changed = False
    for name, eq in base.equations.items():
        if name == "local_instability":
            continue  # dimensionless: compared below
        p, b = _residual(pert.equations[name]), _residual(eq)
        rescaled = sp.expand(b.xreplace(HALF_LEAK))
        ratio = sp.simplify(p / rescaled)
        assert ratio.is_number and ratio != 0, (name, ratio)
        changed |= sp.expand(p - b) != 0
    assert changed, "leak=2 left every equation unchanged: the builder ignores the hook"
    li_p, li_b = pert.equations["local_instability"], base.equations["local_instability"]
    assert sp.simplify(_residual(li_p) - _residual(li_b).xreplace(HALF_LEAK)) == 0


def test_dropping_the_noise_gives_the_noiseless_equations(base) -> None:
    pert = derive_stationary(build_action(SPEC, noise=False))
    quiet = derive_stationary(SPEC.replace(noise=Noise("none", 0.0)))
    sigma2 = S["sigma2"]
    assert any(e.has(sigma2) for e in base.equations.values())
    for name, eq in quiet.equations.items():
        assert not pert.equations[name].has(sigma2)
        assert sp.expand(_residual(pert.equations[name]) - _residual(eq)) == 0, name
    assert next(iter(pert.kink.values())) == 0


def test_flipping_the_coupling_mean_sign_is_minus_J0(base) -> None:
    pert = derive_stationary(build_action(SPEC, coupling_mean_sign=-1))
    J0 = S["J0"]
    assert sp.expand(_residual(pert.equations["mean"]) - _residual(base.equations["mean"])) != 0
    for name, eq in base.equations.items():
        assert sp.expand(_residual(pert.equations[name]) - _residual(eq).xreplace({J0: -J0})) == 0, name


def _solve(spec: ModelSpec, action_spec: ModelSpec | None = None, **hooks) -> dict:
    """The DMFT solver's numbers for ``spec``, derived from the action of ``action_spec`` (default
    ``spec``) built with ``hooks``."""
    from workbench.theories.dmft import DMFTProblem

    der = derive_from_action(build_action(action_spec or spec, **hooks)) if hooks else None
    return DMFTProblem(spec, derivation=der).build_solver().solve().summary()


def _same_numbers(perturbed: dict, expected: dict, unperturbed: dict) -> None:
    for key in NUMBERS:
        assert perturbed[key] == pytest.approx(expected[key], rel=1e-9, abs=1e-12), key
    assert any(abs(perturbed[k] - unperturbed[k]) > 1e-6 for k in NUMBERS), "the perturbation changed nothing"


@pytest.mark.parametrize(
    "hooks, reference",
    [
        ({"leak": 2}, RESCALED),
        ({"coupling_mean_sign": -1}, ModelSpec.simple(g=2.0, J0=-0.8, sigma2=0.5, input_mean=0.3, input_std=0.4)),
    ],
    ids=["leak-2x", "minus-J0"],
)
def test_solver_numbers_follow_the_perturbed_action(hooks, reference, unperturbed) -> None:
    """The solver built from the perturbed derivation gives the numbers of the equivalent model."""
    _same_numbers(_solve(SPEC, **hooks), _solve(reference), unperturbed)


def test_solver_without_the_noise_term(unperturbed) -> None:
    """No noise term: the solver refuses a noise intensity (no sigma2 in the equations) and gives the
    numbers of the noiseless model."""
    from workbench.theories.dmft import DMFTProblem

    quiet = SPEC.replace(noise=Noise("none", 0.0))
    with pytest.raises(SpecError, match="sigma2"):
        DMFTProblem(SPEC, derivation=derive_from_action(build_action(SPEC, noise=False))).build_solver().solve()
    _same_numbers(_solve(quiet, action_spec=SPEC, noise=False), _solve(quiet), unperturbed)
