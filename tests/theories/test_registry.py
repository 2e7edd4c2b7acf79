"""The theory registry, the base protocols and the one CLI grammar shared by every theory."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main
from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.store import RunJob
from workbench.theories import THEORIES, get_theory
from workbench.theories.base import Problem, Solver


def _double(p):
    return {"x": p["n"] * 2}


def test_every_theory_has_the_same_places() -> None:
    """Each registered theory has its problem (with methods), derivation, report and command where the registry says."""
    from workbench.cli import build_parser
    from workbench.report.registry import report_names

    commands = build_parser()._subparsers._group_actions[0].choices
    for t in THEORIES.values():
        cls = t.problem_class()
        assert issubclass(cls, Problem) and cls.name == t.name
        assert cls.methods and all(issubclass(m, Solver) for m in cls.methods.values())
        assert hasattr(t.derivation_module(), "derive_cached")
        assert t.report in report_names()
        assert t.command in commands


def test_unknown_theory_names_the_known_ones() -> None:
    with pytest.raises(SpecError, match="did you mean 'dmft'"):
        get_theory("dmtf")


class _Always(Solver):
    method = "always"

    def __init__(self, problem, **options):
        self.options = options


class _Never(Solver):
    method = "never"
    requires = "a miracle"

    @classmethod
    def can_solve(cls, problem) -> bool:
        return False


class _Toy(Problem):
    name = "toy"
    methods = {"never": _Never, "always": _Always}


def test_auto_is_the_first_method_that_can_solve_and_errors_list_the_methods() -> None:
    toy = _Toy(spec=None)
    solver = toy.build_solver(order=3)
    assert isinstance(solver, _Always) and solver.options == {"order": 3}
    with pytest.raises(SpecError, match=r"'never' cannot solve this problem \(it needs a miracle\); use 'always'"):
        toy.build_solver("never")
    with pytest.raises(SpecError, match="unknown method 'newton' for 'toy'; methods: auto, never, always"):
        toy.build_solver("newton")


def test_dmft_methods_follow_the_derived_structure() -> None:
    from workbench.theories.dmft import DMFTProblem, DMFTSolver, LagDMFTSolver

    assert list(DMFTProblem.methods) == ["energy", "lag"]
    white = DMFTProblem(ModelSpec.simple(g=2.0))
    assert white.method_class() is DMFTSolver
    ou = DMFTProblem(ModelSpec.simple(g=1.5, sigma2=0.5, noise="ou"))
    assert ou.method_class() is LagDMFTSolver
    with pytest.raises(SpecError, match="'energy' cannot solve"):
        ou.method_class("energy")


def test_run_jobs_are_hashable_values() -> None:
    a = RunJob("toy", {"n": 1, "seed": 2}, _double, ("workbench.spec", _double), "toy n=1")
    b = RunJob("toy", {"seed": 2, "n": 1}, _double, ("workbench.spec", _double), "toy n=1")
    c = RunJob("toy", {"n": 2, "seed": 2}, _double, ("workbench.spec", _double), "toy n=2")
    assert a == b and hash(a) == hash(b) and a != c
    assert {a: 1}[b] == 1
    assert RunJob("toy", {}, _double).title == "toy"


def test_theories_command_lists_every_theory_with_its_methods(capsys) -> None:
    assert main(["theories", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["dmft"]["methods"] == ["energy", "lag"]
    assert rows["meanfield"]["methods"] == ["closure", "march", "picard"]
    assert main(["theories"]) == 0
    assert "methods: auto, energy, lag" in capsys.readouterr().out


@pytest.mark.parametrize("name", list(THEORIES))
def test_derive_works_for_every_theory(name, capsys) -> None:
    assert main(["derive", name, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["name"] == name and data["equations"] and data["unknowns"]
    assert main(["derive", name, "--latex"]) == 0
    assert "\\begin{align*}" in capsys.readouterr().out


def test_derive_dmft_refuses_the_meanfield_drift(capsys) -> None:
    assert main(["derive", "dmft", "--drift=-x**3"]) == 2
    assert "drift" in capsys.readouterr().err


def test_meanfield_problem_auto_picks_march_for_a_nonlinear_drift() -> None:
    from workbench.theories.meanfield import MeanFieldProblem, MeanFieldSetup
    from workbench.theories.meanfield.methods import ClosureSolver, MarchSolver

    spec = ModelSpec.simple(g=1.0, J0=2.0, phi="logistic", sigma2=1.0)
    assert MeanFieldProblem(spec, MeanFieldSetup(T=1, dt=0.1)).method_class() is ClosureSolver
    cubic = MeanFieldProblem(spec, MeanFieldSetup(T=1, dt=0.1, drift="-x**3"))
    assert cubic.method_class() is MarchSolver
    with pytest.raises(SpecError, match="affine"):
        cubic.build_solver("closure")


def test_meanfield_problem_solves_like_the_transient_problem() -> None:
    import numpy as np

    from workbench.theories.meanfield import MeanFieldProblem, MeanFieldSetup, TransientProblem, solve_closure

    spec = ModelSpec.simple(g=1.0, J0=2.0, phi="logistic", sigma2=1.0)
    res = MeanFieldProblem(spec, MeanFieldSetup(T=1, dt=0.1)).build_solver().solve()
    assert np.array_equal(res.K, solve_closure(TransientProblem(J=2.0, T=1, dt=0.1)).K)
    assert json.dumps(res.summary(), allow_nan=False)


@pytest.mark.parametrize(
    ("argv", "parameter"),
    [
        (["dmft", "--g", "-1"], "g"),
        (["meanfield", "--g", "-1"], "g"),
        (["simulate", "--g", "-1"], "g"),
        (["dmft", "--mu0", "normal:1"], "mu0"),
        (["meanfield", "--mu0", "normal:1"], "mu0"),
        (["simulate", "--mu0", "normal:1"], "mu0"),
        (["dmft", "--sigma2", "-1"], "sigma2"),
        (["meanfield", "--sigma2", "-1"], "sigma2"),
        (["simulate", "--sigma2", "-1"], "sigma2"),
    ],
)
def test_shared_spec_options_are_checked_alike(argv, parameter, tmp_path, capsys) -> None:
    """The same option with the same bad value gives the same one-line error in every command."""
    rc = main([*argv, "--out", str(tmp_path / "x.npz")] if argv[0] != "dmft" else argv)
    err = capsys.readouterr().err
    assert rc == 2 and f"{parameter}:" in err, err


def test_shared_options_build_the_same_spec_in_simulate_and_dmft() -> None:
    """``spec_from_args`` is the one builder: OU noise and the initial law land in the spec."""
    import argparse

    from workbench.spec.cli_options import add_spec_options, spec_from_args

    p = argparse.ArgumentParser()
    add_spec_options(p, with_N=True)
    args = p.parse_args(["--g", "1.5", "--J0", "0.5", "--sigma2", "0.3", "--tau-noise", "2", "--mu0", "point:0.25"])
    spec = spec_from_args(args, lambda: ModelSpec.simple())
    assert spec.g[0][0] == 1.5 and spec.J0[0][0] == 0.5
    assert (spec.noise.kind, spec.noise.sigma2, spec.noise.tau) == ("ou", 0.3, 2.0)
    assert (spec.init.kind, spec.init.mean, spec.init.std) == ("point", 0.25, 0.0)
